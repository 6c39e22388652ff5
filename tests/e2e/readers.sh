#!/usr/bin/env bash
# End-to-end tests of the capture readers: a pcapng of two link types made by
# mergecap, read from a file and from a pipe, against the flows of each capture
# and tshark's conversations; the same capture gzip- and zstd-compressed and
# converted to Network Monitor by editcap; pcapng packet flags written by
# tests/e2e/make_pcapng.py; several sections; unreadable input.
# Needs tshark, editcap, mergecap, gzip and zstd; skips without them.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
for tool in tshark editcap mergecap gzip zstd; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is needed (Debian packages tshark, gzip, zstd)"
done
MAKE_PCAPNG=$top_srcdir/tests/e2e/make_pcapng.py
# Network Monitor files before 2.3 keep local time: write and read them in UTC.
export TZ=UTC

ETH=$SAMPLES_DIR/demo.pcap
[ -f "$ETH" ] || skip "capture-samples/demo.pcap is needed"

# The IPv6 sample again with no Ethernet header: LINKTYPE_RAW (101), IP
# packets only, everything else as recorded.
RAW=$TMP/raw.pcap
python3 - "$SAMPLES_DIR/graceful-v6-8530.pcap" "$RAW" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4, "a little-endian microsecond pcap"
magic, major, minor, zone, sigfigs, snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
assert linktype == 1
out = [struct.pack("<IHHiIII", magic, major, minor, zone, sigfigs, snaplen, 101)]
off = 24
while off + 16 <= len(data):
    sec, usec, caplen, wirelen = struct.unpack("<IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if frame[12:14] in (b"\x08\x00", b"\x86\xdd"):
        ip = frame[14:]
        out.append(struct.pack("<IIII", sec, usec, len(ip), wirelen - 14) + ip)
open(sys.argv[2], "wb").write(b"".join(out))
EOF
MERGED=$TMP/merged.pcapng
mergecap -F pcapng -w "$MERGED" "$ETH" "$RAW"

# The flows of an NDJSON output as sorted "addr port addr port" lines, and
# tshark's TCP conversations as the same, each endpoint pair once.
tuples='"\n".join(sorted("%s %s %s %s" % (f["orig"]["addr"], f["orig"]["port"], f["resp"]["addr"], f["resp"]["port"]) for f in flows))'
pairs='"\n".join(sorted(set(" ".join(sorted(["%s %s" % (f["orig"]["addr"], f["orig"]["port"]), "%s %s" % (f["resp"]["addr"], f["resp"]["port"])])) for f in flows)))'
tshark_pairs() {
    tshark -r "$1" -q -z conv,tcp 2>/dev/null | python3 -c '
import re, sys
seen = set()
for line in sys.stdin:
    m = re.match(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s", line)
    if m:
        a = "%s %s" % (m.group(1).strip("[]"), m.group(2))
        b = "%s %s" % (m.group(3).strip("[]"), m.group(4))
        seen.add(" ".join(sorted([a, b])))
print("\n".join(sorted(seen)))'
}
# The output without what says where it came from: the summary's formats.
strip_formats() {
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    o.pop("formats", None)
    print(json.dumps(o, sort_keys=True))' "$1"
}

check "a pcapng of two link types gives the flows of both captures, from a file and a pipe"
run --json -r "$ETH"
json_get "$RUN_OUT" "$tuples" >"$TMP/a"
run --json -r "$RAW"
json_get "$RUN_OUT" "$tuples" >"$TMP/b"
{ [ -s "$TMP/a" ] && [ -s "$TMP/b" ]; } || fail "a capture gave no flows"
sort "$TMP/a" "$TMP/b" | sed '/^$/d' >"$TMP/union"
for how in file pipe; do
    if [ "$how" = file ]; then
        run --json -r "$MERGED"
    else
        run --json -r - < <(cat "$MERGED")
    fi
    [ "$RUN_STATUS" -le 1 ] || { fail "$how: exit status $RUN_STATUS"; show_err; }
    json_get "$RUN_OUT" "$tuples" | sed '/^$/d' | sort >"$TMP/got"
    diff -u "$TMP/union" "$TMP/got" >"$TMP/diff" || {
        fail "$how: the flows are not those of both captures"
        head -n 20 "$TMP/diff"
    }
    [ "$(json_get "$RUN_OUT" 'sorted(summary["link_types"])')" = "['EN10MB', 'RAW']" ] ||
        fail "$how: link types $(json_get "$RUN_OUT" 'summary["link_types"]')"
    [ "$(json_get "$RUN_OUT" 'summary["unreadable"]["packets"]')" = 0 ] ||
        fail "$how: unreadable packets in a capture of known link types"
    [ ! -s "$RUN_ERR" ] || { fail "$how: messages on stderr"; show_err; }
done
cp "$RUN_OUT" "$TMP/merged.json"
done_check

check "the flows of the merged pcapng are tshark's TCP conversations"
json_get "$TMP/merged.json" "$pairs" >"$TMP/ours"
tshark_pairs "$MERGED" >"$TMP/theirs"
[ -s "$TMP/theirs" ] || fail "tshark found no conversation"
diff -u "$TMP/theirs" "$TMP/ours" >"$TMP/diff" || {
    fail "tcpverdict's endpoint pairs differ from tshark's"
    head -n 20 "$TMP/diff"
}
done_check

check "the filter is compiled for each link type of the pcapng"
run --json -r "$MERGED" tcp port 8530
[ "$RUN_STATUS" -le 1 ] || { fail "exit status $RUN_STATUS"; show_err; }
json_get "$TMP/merged.json" "$tuples" | grep -E ' 8530$| 8530 ' | sort >"$TMP/want"
json_get "$RUN_OUT" "$tuples" | sed '/^$/d' | sort >"$TMP/got"
diff -u "$TMP/want" "$TMP/got" >"$TMP/diff" || {
    fail "'tcp port 8530' did not keep exactly the 8530 flows of both link types"
    head -n 20 "$TMP/diff"
}
[ "$(json_get "$RUN_OUT" 'len(summary["link_types"])')" = 2 ] ||
    fail "the filter let packets of only one link type through"
done_check

check "gzip, zstd and Network Monitor give the same records as the plain file"
TZ=UTC editcap -F netmon2 "$ETH" "$TMP/demo.cap"
gzip -c "$ETH" >"$TMP/demo.pcap.gz"
zstd -q -c "$ETH" >"$TMP/demo.pcap.zst"
gzip -c "$MERGED" >"$TMP/merged.pcapng.gz"
zstd -q -c "$MERGED" >"$TMP/merged.pcapng.zst"
zstd -q -c "$TMP/demo.cap" >"$TMP/demo.cap.zst"
run --json -r "$ETH"
strip_formats "$RUN_OUT" >"$TMP/plain-demo"
eth_status=$RUN_STATUS
strip_formats "$TMP/merged.json" >"$TMP/plain-merged"
for variant in demo.pcap.gz demo.pcap.zst demo.cap demo.cap.zst merged.pcapng.gz merged.pcapng.zst; do
    case $variant in
    merged*) plain=$TMP/plain-merged ;;
    *) plain=$TMP/plain-demo ;;
    esac
    for how in file pipe; do
        if [ "$how" = file ]; then
            run --json -r "$TMP/$variant"
        else
            run --json -r - < <(cat "$TMP/$variant")
        fi
        [ "$RUN_STATUS" -le 1 ] || { fail "$variant ($how): exit status $RUN_STATUS"; show_err; }
        strip_formats "$RUN_OUT" >"$TMP/got"
        diff -u "$plain" "$TMP/got" >"$TMP/diff" || {
            fail "$variant ($how): records differ from the plain file's"
            head -n 20 "$TMP/diff"
        }
    done
done
run --json -r "$TMP/demo.cap"
[ "$RUN_STATUS" -eq "$eth_status" ] || fail "Network Monitor: exit status $RUN_STATUS, pcap $eth_status"
[ "$(json_get "$RUN_OUT" 'summary["formats"]["netmon"]')" = 1 ] || fail "not read as Network Monitor"
run --json -r "$TMP/merged.pcapng.zst"
[ "$(json_get "$RUN_OUT" '(summary["formats"]["pcapng"], summary["formats"]["zstd"])')" = "(1, 1)" ] ||
    fail "formats: $(json_get "$RUN_OUT" 'summary["formats"]')"
done_check

check "pcapng packet flags: outbound names the capture host, checksum not ready is offload"
python3 "$MAKE_PCAPNG" epb-flags "$TMP/epb.pcapng"
python3 "$MAKE_PCAPNG" no-flags "$TMP/noflags.pcapng"
# tshark's reading of the generator's flags: six packets outbound from 10.0.0.1.
outbound=$(tshark -r "$TMP/epb.pcapng" -Y 'frame.packet_flags_direction == 2 && ip.src == 10.0.0.1' \
    2>/dev/null | wc -l | tr -d ' ')
[ "$outbound" = 6 ] || fail "tshark reads $outbound packets outbound from 10.0.0.1, not 6"
run --json -r "$TMP/epb.pcapng"
[ "$RUN_STATUS" -eq 0 ] || { fail "with flags: exit status $RUN_STATUS"; show_err; }
[ "$(json_get "$RUN_OUT" '(summary["capture_host"]["addr"], summary["capture_host"]["how"], summary["capture_host"]["direction_pkts"])')" = "('10.0.0.1', 'inferred', 6)" ] ||
    fail "with flags: capture host $(json_get "$RUN_OUT" 'summary["capture_host"]')"
[ "$(json_get "$RUN_OUT" 'sorted(a["code"] for a in flows[0]["anomalies"])')" = "['checksum_offload', 'tso_supersegment']" ] ||
    fail "with flags: anomalies $(json_get "$RUN_OUT" 'flows[0]["anomalies"]')"
[ "$(json_get "$RUN_OUT" 'flows[0]["verdict"]')" = notice ] || fail "with flags: not a notice"
# The same packets without flags: nothing says where, so the wrong checksum
# is damage and the large segment looks coalesced on receipt.
run --json -r "$TMP/noflags.pcapng"
[ "$RUN_STATUS" -eq 1 ] || fail "without flags: exit status $RUN_STATUS, expected 1"
[ "$(json_get "$RUN_OUT" 'summary["capture_host"]')" = None ] ||
    fail "without flags: a capture host $(json_get "$RUN_OUT" 'summary["capture_host"]')"
[ "$(json_get "$RUN_OUT" 'sorted(a["code"] for a in flows[0]["anomalies"])')" = "['checksum_bad', 'gro_coalesced']" ] ||
    fail "without flags: anomalies $(json_get "$RUN_OUT" 'flows[0]["anomalies"]')"
done_check

check "sections of both byte orders, with their own link types and resolutions, and cat of files"
python3 "$MAKE_PCAPNG" sections "$TMP/sections.pcapng"
editcap -F pcapng "$ETH" "$TMP/demo.pcapng"
cat "$TMP/sections.pcapng" "$TMP/demo.pcapng" "$TMP/sections.pcapng" >"$TMP/cat.pcapng"
for file in sections.pcapng cat.pcapng; do
    run --json -r "$TMP/$file"
    [ "$RUN_STATUS" -le 1 ] || { fail "$file: exit status $RUN_STATUS"; show_err; }
    json_get "$RUN_OUT" "$pairs" >"$TMP/ours"
    tshark_pairs "$TMP/$file" >"$TMP/theirs"
    diff -u "$TMP/theirs" "$TMP/ours" >"$TMP/diff" || {
        fail "$file: endpoint pairs differ from tshark's"
        head -n 20 "$TMP/diff"
    }
done
run --json -r "$TMP/sections.pcapng"
# tshark's times of each connection's first packet.
tshark -r "$TMP/sections.pcapng" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields \
    -e frame.time_epoch 2>/dev/null | sed 's/000$//' >"$TMP/theirs"
json_get "$RUN_OUT" '"\n".join("%.6f" % f["ts_first"] for f in sorted(flows, key=lambda f: f["ts_first"]))' \
    >"$TMP/ours"
diff -u "$TMP/theirs" "$TMP/ours" >"$TMP/diff" || {
    fail "first packet times differ from tshark's"
    head -n 10 "$TMP/diff"
}
done_check

check "input of a link type nothing decodes is an error, partly so a warning"
# Token Ring: a link type nothing here decodes.
editcap -T tr "$ETH" "$TMP/ring.pcap"
ring_pkts=$(tshark -r "$TMP/ring.pcap" 2>/dev/null | wc -l | tr -d ' ')
run --json -r "$TMP/ring.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "token ring only: exit status $RUN_STATUS, expected 2"
[ "$(line_count "$RUN_ERR")" -eq 1 ] || { fail "token ring only: not one line on stderr"; show_err; }
grep -q "^tcpverdict: none of the $ring_pkts packets read could be analysed: $ring_pkts of link type IEEE802," "$RUN_ERR" ||
    { fail "token ring only: the line does not say what and how much"; show_err; }
[ "$(json_get "$RUN_OUT" '(summary["unreadable"]["packets"], summary["unreadable"]["link_type"])')" = "($ring_pkts, $ring_pkts)" ] ||
    fail "token ring only: unreadable $(json_get "$RUN_OUT" 'summary["unreadable"]')"
mergecap -F pcapng -w "$TMP/partly.pcapng" "$ETH" "$TMP/ring.pcap"
run --json -r "$TMP/partly.pcapng"
[ "$RUN_STATUS" -eq "$eth_status" ] || fail "partly: exit status $RUN_STATUS, expected $eth_status"
grep -q "^tcpverdict: warning: $ring_pkts of the $((ring_pkts * 2)) packets read could not be analysed" "$RUN_ERR" ||
    { fail "partly: no warning saying how much"; show_err; }
[ "$(json_get "$RUN_OUT" 'summary["unreadable"]["packets"]')" = "$ring_pkts" ] || fail "partly: count"
run -q -r "$TMP/partly.pcapng"
grep -q "unreadable       $ring_pkts packets" "$RUN_OUT" || fail "partly: the text summary does not say"
run -q -w "$TMP/out.pcap" -r "$TMP/partly.pcapng"
[ "$RUN_STATUS" -eq 2 ] || fail "-w of two link types: exit status $RUN_STATUS, expected 2"
grep -q "holds one link type" "$RUN_ERR" || { fail "-w of two link types: no reason given"; show_err; }
done_check

check "input with no TCP says so and is no error"
tshark -r "$ETH" -Y '!tcp' -w "$TMP/notcp.pcap" 2>/dev/null
run --json -r "$TMP/notcp.pcap"
[ "$RUN_STATUS" -eq 0 ] || fail "exit status $RUN_STATUS"
grep -q "^tcpverdict: no TCP in the" "$RUN_ERR" || { fail "nothing on stderr says so"; show_err; }
[ "$(json_get "$RUN_OUT" 'len(flows)')" = 0 ] || fail "flows from no TCP"
done_check

check "a pcapng cut short ends with one warning naming the byte, earlier packets kept"
size=$(stat -c %s "$TMP/demo.pcapng")
head -c $((size - 30)) "$TMP/demo.pcapng" >"$TMP/cut.pcapng"
run --json -r "$TMP/cut.pcapng"
[ "$RUN_STATUS" -le 1 ] || fail "exit status $RUN_STATUS"
grep -q "^tcpverdict: warning: .*truncated enhanced packet block at byte [0-9]*" "$RUN_ERR" ||
    { fail "no warning naming the block"; show_err; }
[ "$(json_get "$RUN_OUT" 'summary["input_errors"]')" = 1 ] || fail "input_errors not counted"
[ "$(json_get "$RUN_OUT" 'summary["packets"]')" -gt 40 ] || fail "the packets before the cut are lost"
done_check

finish
