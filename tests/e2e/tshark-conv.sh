#!/usr/bin/env bash
# tshark as a second reader of the bundled samples: the TCP connections its
# "-z conv,tcp" lists (tshark reassembles IP fragments by default) are the
# connections tcpverdict reports flows for, on every sample; on the samples
# whose segments came as IP fragments, tshark decodes as many TCP segments
# as tcpverdict counts once the fragments are put together. On the
# encapsulation samples (encap-*) the counts must match too: one
# connection inside each, which tshark finds as tcpverdict does. tshark is
# told what an MPLS pseudowire carries (with or without control word) by
# "Decode As", as nothing in the packets says. encap-two-places holds one
# connection in VLANs 10 and 20 and in two GRE tunnels: tshark lists one
# conversation, since its conversations are keyed by addresses and ports
# alone, and tcpverdict four flows of those same endpoints, one per place.
# On the samples of each link type (linktype-*), each connection has as
# many frames in tshark's reading as the flow has packets, frames that
# failed their FCS left out. Skipped (77) without tshark.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
command -v tshark >/dev/null 2>&1 || skip "tshark not found"
find_captures

# compare SAMPLE FRAGMENTED COUNTS [TSHARK-OPTION...]: prints a line per
# disagreement. COUNTS: "same" (as many flows as conversations), "frames"
# (that, and as many packets per connection as tshark has frames), "any",
# or "N:M" (N conversations for tshark, M flows for tcpverdict).
compare() {
    python3 - "$TCPVERDICT" "$@" <<'PYEOF'
import json, re, subprocess, sys

binary, sample, fragmented, counts = sys.argv[1], sys.argv[2], sys.argv[3] == "yes", sys.argv[4]
options = sys.argv[5:]

def tshark(*args):
    return subprocess.run(["tshark", "-n", "-r", sample] + options + list(args),
                          capture_output=True, text=True, check=True).stdout

# A frame the radio saw fail its FCS was never delivered: tshark still
# decodes it, tcpverdict does not count it.
conv = "conv,tcp,radiotap.flags.badfcs == 0" if "radiotap" in sample else "conv,tcp"
theirs, their_frames, conversations = set(), {}, 0
for line in tshark("-q", "-z", conv).splitlines():
    # A:port <-> B:port, then frames and bytes each way and in total.
    m = re.match(r"^\s*(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+\S+\s+\S+\s+(\d+)"
                 r"\s+\S+\s+\S+\s+(\d+)\s", line)
    if m:
        conversations += 1
        pair = frozenset([(m.group(1), int(m.group(2))), (m.group(3), int(m.group(4)))])
        theirs.add(pair)
        their_frames[pair] = int(m.group(7))
ours, flows, segments, our_pkts = set(), 0, 0, {}
out = subprocess.run([binary, "--json", "-r", sample], capture_output=True, text=True).stdout
for line in out.splitlines():
    o = json.loads(line)
    if o["type"] == "flow":
        flows += 1
        pair = frozenset([(o["orig"]["addr"], o["orig"]["port"]),
                          (o["resp"]["addr"], o["resp"]["port"])])
        ours.add(pair)
        our_pkts[pair] = our_pkts.get(pair, 0) + o["orig"]["pkts"] + o["resp"]["pkts"]
        segments += o["orig"]["pkts"] + o["resp"]["pkts"]
name = sample.rsplit("/", 1)[-1]
if theirs != ours:
    print("%s: tshark's connections %s, ours %s" % (name, sorted(map(sorted, theirs)),
                                                    sorted(map(sorted, ours))))
if counts == "frames":
    for pair in sorted(theirs & ours, key=sorted):
        if their_frames[pair] != our_pkts[pair]:
            print("%s: %s: tshark counts %d frames, tcpverdict %d packets"
                  % (name, sorted(pair), their_frames[pair], our_pkts[pair]))
if counts == "same" and conversations != flows:
    print("%s: tshark lists %d conversations, tcpverdict %d flows" % (name, conversations, flows))
elif ":" in counts and (conversations, flows) != tuple(map(int, counts.split(":"))):
    want = counts.split(":")
    print("%s: expected %s conversations for tshark and %s flows for tcpverdict, got %d and %d"
          % (name, want[0], want[1], conversations, flows))
if fragmented:
    tcp = len([l for l in tshark("-Y", "tcp", "-T", "fields", "-e", "frame.number").splitlines() if l])
    if tcp != segments:
        print("%s: tshark decodes %d TCP segments, tcpverdict counts %d" % (name, tcp, segments))
PYEOF
}

check "tshark lists the connections tcpverdict reports, on ${#CAPTURES[@]} captures"
for f in "${CAPTURES[@]}"; do
    fragmented=no
    counts=any
    options=()
    case $(basename "$f") in
    fragmented-*) fragmented=yes ;;
    encap-two-places.pcap) counts=1:4 ;;
    encap-mpls-pw-cw.pcap) counts=same options=(-d "mpls.label==2000,pwethcw") ;;
    encap-mpls-pw.pcap) counts=same options=(-d "mpls.label==2001,pwethnocw") ;;
    encap-*) counts=same ;;
    linktype-*) counts=frames ;;
    esac
    problems=$(compare "$f" "$fragmented" "$counts" "${options[@]}")
    if [ -n "$problems" ]; then
        printf '%s\n' "$problems"
        fail "$(basename "$f")"
    fi
done
done_check
finish
