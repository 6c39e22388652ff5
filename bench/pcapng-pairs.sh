#!/bin/bash
# pcapng read in place against pcap, in pairs: the same packets as pcap and
# as pcapng (editcap -F pcapng), each run of one followed by a run of the
# other, alternating which goes first, so that a load that drifts over the
# minutes weighs on both alike. Prints the median wall and CPU (user +
# system) time of each and their ratios. Not a test.
#   bench/pcapng-pairs.sh [-r ROUNDS] FILE.pcap
# Needs /usr/bin/time and editcap; the pcapng copy is written beside FILE
# and deleted at the end. TCPVERDICT: the binary (default: this tree's).
set -euo pipefail

rounds=9
if [[ ${1:-} == -r ]]; then
    rounds=$2
    shift 2
fi
if [[ $# -ne 1 || ! -f $1 || ! $rounds =~ ^[1-9][0-9]?$ ]]; then
    echo "usage: bench/pcapng-pairs.sh [-r ROUNDS (1-99)] FILE.pcap" >&2
    exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tv=${TCPVERDICT:-$here/../src/tcpverdict}
pcap=$1
pcapng=$pcap.pairs.pcapng
times=$(mktemp)
trap 'rm -f "$pcapng" "$times"' EXIT
editcap -F pcapng "$pcap" "$pcapng"
cat "$pcap" "$pcapng" >/dev/null # both in the page cache

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 1; i <= rounds; i++)); do
    if ((i % 2)); then order=("$pcap" "$pcapng"); else order=("$pcapng" "$pcap"); fi
    for f in "${order[@]}"; do
        kind=pcap
        [[ $f == "$pcapng" ]] && kind=pcapng
        # Exit status 1 (flows at the fail level) is the captures' normal answer.
        /usr/bin/time -o "$times" -a -f "$kind %e %U %S" "$tv" --json -r "$f" >/dev/null || true
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$times" "$rounds" "$load_start" "$load_end" <<'PYEOF'
import statistics, sys
path, rounds, load_start, load_end = sys.argv[1:]
runs = {"pcap": [], "pcapng": []}
for line in open(path):
    fields = line.split()
    if len(fields) == 4 and fields[0] in runs:
        runs[fields[0]].append((float(fields[1]), float(fields[2]) + float(fields[3])))
med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
       for k, v in runs.items()}
print(f"{rounds} rounds; load average {load_start} at the start, {load_end} at the end")
for k in ("pcap", "pcapng"):
    print(f"{k:7s} median wall {med[k][0]:.2f} s, CPU {med[k][1]:.2f} s")
print(f"pcapng / pcap speed: wall {med['pcap'][0] / med['pcapng'][0]:.2f}, "
      f"CPU {med['pcap'][1] / med['pcapng'][1]:.2f} (target >= 0.9)")
PYEOF
