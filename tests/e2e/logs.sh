#!/usr/bin/env bash
# The "logs" of --json flow records on the recorded samples: the lines
# Forefront TMG, the Arcserve Backup server and the Windows Update client
# would have written. Each expectation below follows from what the
# sample's scenario (capture-samples/record/scenarios/) made happen, as its
# .expect and capture-samples/README state it, mapped through
# shared/design/seed-logs.md and winsock.md; none is read off tcpverdict.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python

# The TMG message seed-logs.md quotes for 0xC0040017 (Wspfwerr.h).
NOT_SYN_TEXT="A non-SYN packet was dropped because it was sent by a source that does not have an established connection with the Forefront TMG computer"

# check_logs.py OUT NOT_SYN_TEXT FLOW...: the checks of expect_logs.
cat >"$TMP/check_logs.py" <<'PY'
import json, sys
out, not_syn_text, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
flows = [json.loads(l) for l in open(out) if '"type":"flow"' in l]
KEYS = ["system", "code", "name", "count", "network_error", "text", "likely"]
# Lines whose cause seed-logs.md marks P or U (inferred, not documented):
# the TMG close codes (cause P, abortive U), E8572 (U), 0x80072EFD (P).
LIKELY = {"0x80074e20", "0x80074e21", "E8572", "0x80072EFD"}
bad = []
seen = set()
for f in flows:
    key = "%d/%d" % (f["orig"]["port"], f["attempt"])
    if list(f)[-1] != "logs":
        bad.append("%s: logs is not the last key" % key)
    for line in f.get("logs", []):
        if list(line) != KEYS:
            bad.append("%s: keys %s" % (key, list(line)))
        if line["code"] == "0xC0040017" and line["text"] != not_syn_text:
            bad.append("%s: 0xC0040017 text %r" % (key, line["text"]))
        if line["system"] == "arcserve" and line["name"] is not None:
            bad.append("%s: an Arcserve line with a name" % key)
        if line["code"] != "E3392" and line["network_error"] is not None:
            bad.append("%s: %s with a network error" % (key, line["code"]))
        if line["likely"] is not (line["code"] in LIKELY):
            bad.append("%s: %s likely %r" % (key, line["code"], line["likely"]))
for w in wanted:
    key, _, spec = w.partition("=")
    want = [] if spec == "-" else spec.split(",")
    matching = [f for f in flows if "%d/%d" % (f["orig"]["port"], f["attempt"]) == key]
    if len(matching) != 1:
        bad.append("%s: %d flows" % (key, len(matching)))
        continue
    seen.add(key)
    got = []
    for line in matching[0].get("logs", []):
        text = "%s:%s:%d" % (line["system"], line["code"], line["count"])
        if line["network_error"] is not None:
            text += ":%d" % line["network_error"]
        got.append(text)
    if got != want:
        bad.append("%s: logs %s, expected %s" % (key, got, want))
others = sorted({"%d/%d" % (f["orig"]["port"], f["attempt"]) for f in flows} - seen)
if others:
    bad.append("flows not listed: %s" % others)
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY

# expect_logs SAMPLE OPTIONS -- FLOW...: runs --json on the sample and checks
# each FLOW, "ORIG_PORT/ATTEMPT=LINE,LINE,..." with LINE as
# SYSTEM:CODE:COUNT[:NETWORK_ERROR], the flow's logs exactly and in order
# ("-" for none); every flow of the sample must be listed.
expect_logs() {
    local sample=$1
    shift
    local opts=()
    while [ "$1" != "--" ]; do
        opts+=("$1")
        shift
    done
    shift
    check "$sample: logs"
    run --json -r "$SAMPLES_DIR/$sample.pcap" "${opts[@]}"
    if [ "$RUN_STATUS" -gt 1 ]; then
        fail "exit status $RUN_STATUS"
        show_err
    else
        check_contract "$RUN_OUT" "$sample" || true
        python3 "$TMP/check_logs.py" "$RUN_OUT" "$NOT_SYN_TEXT" "$@" >"$TMP/logs.err" 2>&1 ||
            fail "$(cat "$TMP/logs.err")"
    fi
    done_check
}

# The firewall case: the server aborted (one RST, the client got
# ECONNRESET), the router forgot the connection and dropped the client's 3
# later segments as not belonging to one. TMG closes abortively (RST) and
# drops the 3 non-SYN segments; the client, a WSUS client on 8530, saw the
# connection reset (WinHTTP 12030).
expect_logs orphan-after-rst-8530 -- \
    "40007/0=tmg:0x80074e21:1,tmg:0xC0040017:3,windows_update:0x80072EFE:1"

# A connection whose handshake came before the state was lost: its 6
# packets, none a SYN, are all drops for a firewall that creates state only
# on a SYN, and it never saw the connection to log it closing. The other
# fetch closed with FINs.
expect_logs orphan-no-state-8530 --grace 2 -- \
    "40016/0=tmg:0xC0040017:6" \
    "40017/0=tmg:0x80074e20:1"

# The state flushed mid-connection: the client's request retransmitted
# until its kernel gave up, no RST. WinHTTP reports a TCP/IP time-out; the
# connection never closed through the firewall.
expect_logs conntrack-flush-8530 -- \
    "40008/0=windows_update:0x80072EE2:1"

# Nothing listens on 6050: three SYNs from one port, each answered by
# RST/ACK, the pattern of one Windows connect() retrying. The backup server
# reports the agent not listening once; nothing was established for TMG to
# close.
expect_logs refused-6050 -- \
    "40002/0=arcserve:E8572:1" \
    "40002/1=-" \
    "40002/2=-"

# SYNs to 6051 dropped silently until connect() timed out: TMG gets no
# SYN/ACK from the server; the backup server's reconnect times out with
# network error 10060.
expect_logs syn-timeout-6051 -- \
    "40005/0=tmg:0xC0040038:1,arcserve:E3392:1:10060"

# The agent reset the connection after its reply (the backup server got
# ECONNRESET): an abortive close for TMG, and for the backup server a
# receive failure, then the reconnect time-out with 10054. The same after
# a 3 s idle.
expect_logs server-abort-6050 -- \
    "40003/0=tmg:0x80074e21:1,arcserve:E8535:1,arcserve:E3392:1:10054"
expect_logs idle-reset-6050 --rst-idle 2 -- \
    "40012/0=tmg:0x80074e21:1,arcserve:E8535:1,arcserve:E3392:1:10054"

# The backup server itself aborted; the agent got the reset. An abortive
# close for TMG; nothing the server's job log is known to write for its
# own abort.
expect_logs client-abort-6051 -- \
    "40004/0=tmg:0x80074e21:1"

# One corrupted copy of the request (the server's stack counted 1 checksum
# error), then a normal close: TMG drops it for its bad checksum.
expect_logs checksum-bad-8530 -- \
    "40026/0=tmg:0x80074e20:1,tmg:0xC0040031:1"

# Checksums left to the sender's NIC: the wire carried good ones, so no
# bad-checksum drop, only the graceful close.
expect_logs offload-sender -- \
    "40009/0=tmg:0x80074e20:1"

# A RST injected 4 MiB outside the client's window, ignored; the
# connection then closed with FINs. TMG rejects the RST's sequence number.
expect_logs rst-out-of-window-8530 -- \
    "40023/0=tmg:0x80074e20:1,tmg:0xC0040034:1"

# A fetch from 6050, then a lone SYN-ACK, a lone FIN and a lone RST on 4-tuples
# without a connection: each a non-SYN drop, no close, and no Arcserve line
# (no backup job had a connection on them).
expect_logs unsolicited-6050 --grace 2 -- \
    "40019/0=tmg:0x80074e20:1" \
    "40020/0=tmg:0xC0040017:1" \
    "40021/0=tmg:0xC0040017:1" \
    "40022/0=tmg:0xC0040017:1"

# The client sent the start of a request and no more; the server answered
# HTTP 408 in the clear (tshark: http.response.code == 408) and both sides
# closed with FINs. Windows Update reports the 408 as 0x8024401C.
expect_logs http-408-8530 -- \
    "40033/0=tmg:0x80074e20:1,windows_update:0x8024401C:1"

# A plain fetch, closed by both sides.
expect_logs graceful-8530 -- \
    "40001/0=tmg:0x80074e20:1"

check "-v shows the log lines"
run -v -r "$SAMPLES_DIR/syn-timeout-6051.pcap"
grep -q '^    log      tmg 0xC0040038 FWX_E_TCP_NO_SERVER_REPLY x1$' "$RUN_OUT" ||
    fail "no TMG line: $(grep '^    log' "$RUN_OUT" | head -n 3)"
grep -q '^    log      arcserve E3392 x1, network error 10060$' "$RUN_OUT" ||
    fail "no Arcserve line: $(grep '^    log' "$RUN_OUT" | head -n 3)"
run -v -r "$SAMPLES_DIR/graceful-8530.pcap"
grep -q '^    log      tmg 0x80074e20 FWX_E_GRACEFUL_SHUTDOWN x1 (likely)$' "$RUN_OUT" ||
    fail "an inferred line not marked: $(grep '^    log' "$RUN_OUT" | head -n 3)"
done_check

check "--report lists the log lines of each flow it shows"
run -q --report "$TMP/report.html" -r "$SAMPLES_DIR/server-abort-6050.pcap"
for row in '<td>tmg</td><td>0x80074e21</td><td>FWX_E_ABORTIVE_SHUTDOWN</td><td class="n">1</td><td>-</td>' \
    '<td>arcserve</td><td>E8535</td><td>-</td><td class="n">1</td><td>-</td>' \
    '<td>arcserve</td><td>E3392</td><td>-</td><td class="n">1</td><td>10054</td>'; do
    grep -qF "<tr>$row</tr>" "$TMP/report.html" || fail "no row $row"
done
done_check

finish
