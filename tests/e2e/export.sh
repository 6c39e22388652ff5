#!/usr/bin/env bash
# --export and --export-flow: the pcap written holds exactly the packets of
# the flows at or above --fail-on (or of the one flow named), byte for byte
# with their timestamps. What the flows' packets are comes from tshark and
# tcpdump reading the original capture, not from tcpverdict.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
command -v tshark >/dev/null 2>&1 || skip "tshark is needed"
command -v tcpdump >/dev/null 2>&1 || skip "tcpdump is needed"

# flow_tuples FILE.ndjson LEVELS: "addr port addr port" per flow whose
# verdict is one of LEVELS (comma-separated), one line per distinct tuple,
# left out when a flow of another verdict shares the tuple (the tuple alone
# could not tell them apart in the original).
flow_tuples() {
    python3 - "$1" "$2" <<'PY'
import json, sys
levels = sys.argv[2].split(",")
flows = [json.loads(l) for l in open(sys.argv[1]) if '"type":"flow"' in l]
def tup(f):
    a = (f["orig"]["addr"], f["orig"]["port"])
    b = (f["resp"]["addr"], f["resp"]["port"])
    return tuple(sorted([a, b]))
chosen = {tup(f) for f in flows if f["verdict"] in levels}
other = {tup(f) for f in flows if f["verdict"] not in levels}
for t in sorted(chosen - other):
    print(t[0][0], t[0][1], t[1][0], t[1][1])
PY
}

# tuples_in FILE.pcap: the TCP tuples tshark finds in a capture, sorted.
tuples_in() {
    tshark -r "$1" -Y tcp -T fields -E separator=' ' \
        -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport 2>/dev/null |
        python3 -c '
import sys
seen = set()
for line in sys.stdin:
    f = line.split()
    if len(f) != 4:
        continue
    a, b = (f[0], int(f[1])), (f[2], int(f[3]))
    seen.add(tuple(sorted([a, b])))
for t in sorted(seen):
    print(t[0][0], t[0][1], t[1][0], t[1][1])
'
}

# bpf_of TUPLES: one libpcap expression for every tuple listed.
bpf_of() {
    local expr="" a pa b pb
    while read -r a pa b pb; do
        [ -z "$expr" ] || expr="$expr or "
        expr="$expr(tcp and host $a and host $b and port $pa and port $pb)"
    done <"$1"
    printf '%s\n' "$expr"
}

# frame_count FILE.pcap [DISPLAY_FILTER]: frames tshark reads.
frame_count() {
    tshark -r "$1" ${2:+-Y "$2"} -T fields -e frame.number 2>/dev/null | wc -l | tr -d ' '
}

# dump FILE [BPF]: every packet as tcpdump prints it, stamps and bytes.
dump() {
    if [ $# -gt 1 ]; then
        tcpdump -n -tt -xx -r "$1" "$2" 2>/dev/null
    else
        tcpdump -n -tt -xx -r "$1" 2>/dev/null
    fi
}

for name in demo refused-v6-6050 orphan-after-rst-8530 syn-timeout-6051 server-abort-6050; do
    sample=$SAMPLES_DIR/$name.pcap
    [ -f "$sample" ] || fatal "sample not found: $sample"
    check "--export on $name: the failing flows' packets, byte for byte"
    run --json -r "$sample" --export "$TMP/$name.pcap"
    [ "$RUN_STATUS" -eq 1 ] || fail "exit status $RUN_STATUS (expected 1: failing flows)"
    flow_tuples "$RUN_OUT" fail >"$TMP/$name.want"
    [ -s "$TMP/$name.want" ] || fail "no failing flow in $name"
    tuples_in "$TMP/$name.pcap" >"$TMP/$name.got"
    cmp -s "$TMP/$name.want" "$TMP/$name.got" ||
        fail "tuples: want $(tr '\n' ';' <"$TMP/$name.want"), got $(tr '\n' ';' <"$TMP/$name.got")"
    bpf=$(bpf_of "$TMP/$name.want")
    dump "$sample" "$bpf" >"$TMP/$name.orig.txt"
    dump "$TMP/$name.pcap" >"$TMP/$name.exp.txt"
    [ -s "$TMP/$name.orig.txt" ] || fail "tcpdump finds nothing of the flows in $name"
    cmp -s "$TMP/$name.orig.txt" "$TMP/$name.exp.txt" ||
        fail "packets differ from tcpdump's reading of the flows ($(line_count "$TMP/$name.orig.txt") and $(line_count "$TMP/$name.exp.txt") lines)"
    # Per flow: as many frames in the export as tshark finds in the original.
    while read -r a pa b pb; do
        filter="ip.addr==$a && ip.addr==$b && tcp.port==$pa && tcp.port==$pb"
        case $a in *:*) filter="ipv6.addr==$a && ipv6.addr==$b && tcp.port==$pa && tcp.port==$pb" ;; esac
        want=$(frame_count "$sample" "$filter")
        got=$(frame_count "$TMP/$name.pcap" "$filter")
        [ "$want" -eq "$got" ] || fail "$a:$pa-$b:$pb: $got frames exported, $want in the original"
    done <"$TMP/$name.want"
    done_check
done

check "--export: IP fragments of a flow go with it (--fail-on ok)"
sample=$SAMPLES_DIR/fragmented-8530.pcap
run -q -r "$sample" --fail-on ok --export "$TMP/frag.pcap"
[ "$RUN_STATUS" -eq 1 ] || fail "exit status $RUN_STATUS"
want=$(frame_count "$sample" "ip")
got=$(frame_count "$TMP/frag.pcap")
[ "$want" -eq "$got" ] || fail "$got frames exported, tshark finds $want IPv4 frames"
cmp -s <(dump "$sample" ip) <(dump "$TMP/frag.pcap") || fail "the fragments differ"
# Overlapping fragments: the datagram is discarded, its fragments still the flow's.
sample=$SAMPLES_DIR/fragment-overlap-8530.pcap
run -q -r "$sample" --fail-on ok --export "$TMP/overlap.pcap"
cmp -s <(dump "$sample" ip) <(dump "$TMP/overlap.pcap") ||
    fail "fragment-overlap-8530: $(frame_count "$TMP/overlap.pcap") of $(frame_count "$sample" ip) frames"
done_check

check "--export-flow ID: that flow's packets only"
sample=$SAMPLES_DIR/demo.pcap
run --json -r "$sample"
id=$(json_get "$RUN_OUT" '[f["flow_id"] for f in flows if f["end"] == "syn_timeout"][0]')
port=$(json_get "$RUN_OUT" '[f["orig"]["port"] for f in flows if f["end"] == "syn_timeout"][0]')
run -q -r "$sample" --export "$TMP/one.pcap" --export-flow "$id"
[ "$RUN_STATUS" -eq 1 ] || fail "exit status $RUN_STATUS"
want=$(frame_count "$sample" "tcp.port==$port")
got=$(frame_count "$TMP/one.pcap")
[ "$want" -eq "$got" ] || fail "$got frames exported, tshark finds $want of flow $id"
cmp -s <(dump "$sample" "tcp port $port") <(dump "$TMP/one.pcap") || fail "the packets differ"
done_check

check "--export-flow of no flow: an empty capture and a warning"
run -q -r "$sample" --export "$TMP/none.pcap" --export-flow 999999
[ -f "$TMP/none.pcap" ] || fail "no file written"
[ "$(frame_count "$TMP/none.pcap")" -eq 0 ] || fail "frames in the file"
grep -q "no such flow" "$RUN_ERR" || fail "no warning"
done_check

check "--export from standard input: refused in one line, exit 2"
RUN_STATUS=0
"$TCPVERDICT" -r - --export "$TMP/pipe.pcap" <"$sample" >"$RUN_OUT" 2>"$RUN_ERR" || RUN_STATUS=$?
[ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS"
[ "$(line_count "$RUN_ERR")" -eq 1 ] || fail "$(line_count "$RUN_ERR") lines on stderr"
[ ! -e "$TMP/pipe.pcap" ] || fail "a file was written"
done_check

check "--export-flow without --export, and --export - : exit 2, one line"
run -r "$sample" --export-flow 3
[ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS"
[ "$(line_count "$RUN_ERR")" -eq 1 ] || fail "$(line_count "$RUN_ERR") lines on stderr"
run -r "$sample" --export -
[ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS"
run -r "$sample" --export "$TMP/x.pcap" --export-flow 0
[ "$RUN_STATUS" -eq 2 ] || fail "--export-flow 0: exit status $RUN_STATUS"
done_check

check "--export: the same file with -j 2, and a filter's flows only"
run -q -r "$sample" --export "$TMP/j1.pcap"
run -q -j 2 -r "$sample" --export "$TMP/j2.pcap"
cmp -s "$TMP/j1.pcap" "$TMP/j2.pcap" || fail "-j 2 changes the export"
run -q -r "$sample" --export "$TMP/filtered.pcap" tcp port 6050
cmp -s <(dump "$sample" "tcp port 6050") <(dump "$TMP/filtered.pcap") ||
    fail "with 'tcp port 6050' (every flow on it fails): not tcpdump's packets"
done_check

check "-w keeps its meaning beside --export: every packet"
run -q -r "$sample" --export "$TMP/e.pcap" -w "$TMP/w.pcap"
[ "$(frame_count "$TMP/w.pcap")" -eq "$(frame_count "$sample")" ] || fail "-w is not the whole input"
done_check

finish
