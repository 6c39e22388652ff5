#!/usr/bin/env bash
# tshark as a second reader of the bundled samples: the TCP connections its
# "-z conv,tcp" lists (tshark reassembles IP fragments by default) are the
# connections tcpverdict reports flows for, on every sample; on the samples
# whose segments came as IP fragments, tshark decodes as many TCP segments
# as tcpverdict counts once the fragments are put together; on the samples
# of each link type (linktype-*), each connection has as many frames in
# tshark's reading as the flow has packets, frames that failed their FCS
# left out. Skipped (77) without tshark.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
command -v tshark >/dev/null 2>&1 || skip "tshark not found"
find_captures

# compare SAMPLE FRAGMENTED COUNTED: prints a line per disagreement.
compare() {
    python3 - "$TCPVERDICT" "$1" "$2" "$3" <<'PYEOF'
import json, re, subprocess, sys

binary, sample, fragmented = sys.argv[1], sys.argv[2], sys.argv[3] == "yes"
counted = sys.argv[4] == "yes"

def tshark(*args):
    return subprocess.run(["tshark", "-n", "-r", sample] + list(args),
                          capture_output=True, text=True, check=True).stdout

# A frame the radio saw fail its FCS was never delivered: tshark still
# decodes it, tcpverdict does not count it.
conv = "conv,tcp,radiotap.flags.badfcs == 0" if "radiotap" in sample else "conv,tcp"
theirs, their_frames = set(), {}
for line in tshark("-q", "-z", conv).splitlines():
    # A:port <-> B:port, then frames and bytes each way and in total.
    m = re.match(r"^\s*(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+\S+\s+\S+\s+(\d+)"
                 r"\s+\S+\s+\S+\s+(\d+)\s", line)
    if m:
        pair = frozenset([(m.group(1), int(m.group(2))), (m.group(3), int(m.group(4)))])
        theirs.add(pair)
        their_frames[pair] = int(m.group(7))
ours, segments, our_pkts = set(), 0, {}
out = subprocess.run([binary, "--json", "-r", sample], capture_output=True, text=True).stdout
for line in out.splitlines():
    o = json.loads(line)
    if o["type"] == "flow":
        pair = frozenset([(o["orig"]["addr"], o["orig"]["port"]),
                          (o["resp"]["addr"], o["resp"]["port"])])
        ours.add(pair)
        segments += o["orig"]["pkts"] + o["resp"]["pkts"]
        our_pkts[pair] = our_pkts.get(pair, 0) + o["orig"]["pkts"] + o["resp"]["pkts"]
name = sample.rsplit("/", 1)[-1]
if counted:
    for pair in sorted(theirs & ours, key=sorted):
        if their_frames[pair] != our_pkts[pair]:
            print("%s: %s: tshark counts %d frames, tcpverdict %d packets"
                  % (name, sorted(pair), their_frames[pair], our_pkts[pair]))
if theirs != ours:
    print("%s: tshark's connections %s, ours %s" % (name, sorted(map(sorted, theirs)),
                                                    sorted(map(sorted, ours))))
if fragmented:
    tcp = len([l for l in tshark("-Y", "tcp", "-T", "fields", "-e", "frame.number").splitlines() if l])
    if tcp != segments:
        print("%s: tshark decodes %d TCP segments, tcpverdict counts %d" % (name, tcp, segments))
PYEOF
}

check "tshark lists the connections tcpverdict reports, on ${#CAPTURES[@]} captures"
for f in "${CAPTURES[@]}"; do
    fragmented=no counted=no
    case $(basename "$f") in
    fragmented-*) fragmented=yes ;;
    linktype-*) counted=yes ;;
    esac
    problems=$(compare "$f" "$fragmented" "$counted")
    if [ -n "$problems" ]; then
        printf '%s\n' "$problems"
        fail "$(basename "$f")"
    fi
done
done_check
finish
