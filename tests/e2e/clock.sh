#!/usr/bin/env bash
# Time that cannot be hijacked (the stream's clock, README "Time"). Captures are
# built with scapy (tests/e2e/make_clock_pcap.py), so the verdicts are known by
# construction: 50 healthy connections at once all end ok.
#   - One record stamped in 2037 and one in 1971 among them change no verdict:
#     every flow record is byte for byte that of the capture with the true
#     stamps, the exit status too, with any -j; the summary counts two clock
#     jumps, neither followed, and names their packets, as stderr does.
#   - Two captures of the same connections, the second stamped a day earlier,
#     read as one stream: the clock goes on from the first, and the second
#     one's flows keep their durations; stamped two hours later: the clock
#     follows, as after a silence, and says nothing.
#   - A real silence longer than --idle-timeout, confirmed by the packets after
#     it, ends the connection idle_timeout, as before; under a longer
#     --idle-timeout it is no jump at all.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
SCAPY_PYTHON=/usr/bin/python3
"$SCAPY_PYTHON" -c 'import scapy.all' 2>/dev/null || skip "scapy is needed ($SCAPY_PYTHON)"
command -v editcap >/dev/null 2>&1 || skip "editcap is needed"
MAKE=$top_srcdir/tests/e2e/make_clock_pcap.py

for kind in clean lies silence; do
    "$SCAPY_PYTHON" "$MAKE" "$kind" "$TMP/$kind.pcap" 2>/dev/null || fatal "make_clock_pcap.py $kind failed"
done
editcap -t -86400 "$TMP/clean.pcap" "$TMP/day-before.pcap"
editcap -t 7200 "$TMP/clean.pcap" "$TMP/hours-after.pcap"

# flows_without_summary FILE: the flow records only.
flows_only() {
    grep -v '"type":"summary"' "$1"
}

check "the 50 connections as built: every one ok, ended by FIN both ways"
run --json -r "$TMP/clean.pcap"
cp "$RUN_OUT" "$TMP/clean.out"
clean_status=$RUN_STATUS
[ "$RUN_STATUS" -eq 0 ] || fail "exit status $RUN_STATUS"
[ "$(json_get "$TMP/clean.out" 'len(flows)')" -eq 50 ] || fail "not 50 flows"
[ "$(json_get "$TMP/clean.out" 'all(f["verdict"] == "ok" and f["end"] == "fin" and f["conn_state"] == "SF" for f in flows)')" -eq 1 ] ||
    fail "not every connection is ok, fin, SF"
[ "$(json_get "$TMP/clean.out" 'summary["clock_jumps"]')" -eq 0 ] || fail "clock jumps in the clean capture"
done_check

check "a record from 2037 and one from 1971 among them change no verdict"
run --json -r "$TMP/lies.pcap"
cp "$RUN_OUT" "$TMP/lies.out"
[ "$RUN_STATUS" -eq "$clean_status" ] || fail "exit status $RUN_STATUS, $clean_status without the lies"
diff <(flows_only "$TMP/clean.out") <(flows_only "$TMP/lies.out") >"$TMP/diff" ||
    fail "flow records differ from those of the true stamps: $(head -c 300 "$TMP/diff")"
[ "$(json_get "$TMP/lies.out" 'summary["clock_jumps"]')" -eq 2 ] || fail "clock_jumps is not 2"
[ "$(json_get "$TMP/lies.out" 'summary["clock_jumps_followed"]')" -eq 0 ] || fail "a lie was followed"
[ "$(json_get "$TMP/lies.out" 'summary["clock_jump_pkts"]')" = "[1674, 1902]" ] ||
    fail "clock_jump_pkts is not [1674, 1902]"
grep -q 'packet 1674 is stamped 2037-01-01 00:00:00 UTC, 10.1 years ahead' "$RUN_ERR" ||
    fail "stderr does not name packet 1674"
grep -q 'packet 1902 is stamped 1971-06-01 00:00:00 UTC, 55.5 years behind' "$RUN_ERR" ||
    fail "stderr does not name packet 1902"
check_contract "$TMP/lies.out" "lies" || true
done_check

check "with -j 2 to -j 4, the same bytes"
for j in 2 3 4; do
    "$TCPVERDICT" --json -j "$j" -r "$TMP/lies.pcap" 2>/dev/null | cmp -s - "$TMP/lies.out" ||
        fail "-j $j differs from -j 1"
done
done_check

check "the table names the jumps"
run -r "$TMP/lies.pcap"
grep -q '^  clock jumps      2 (0 followed), first at packet 1674, 1902$' "$RUN_OUT" ||
    fail "no clock jumps line in the text summary"
done_check

check "a second capture stamped a day earlier goes on from the first, keeping its durations"
run --json -r "$TMP/clean.pcap" -r "$TMP/day-before.pcap"
json_get "$RUN_OUT" '(lambda a, b: sorted(a) == sorted(b))([(f["history"], f["end"], f["verdict"], round(f["ts_last"] - f["ts_first"], 6)) for f in flows if f["flow_id"] <= 3300], [(f["history"], f["end"], f["verdict"], round(f["ts_last"] - f["ts_first"], 6)) for f in flows if f["flow_id"] > 3300])' >"$TMP/same"
[ "$(cat "$TMP/same")" -eq 1 ] || fail "the earlier capture's flows are not those of the first"
[ "$(json_get "$RUN_OUT" 'min(f["ts_first"] for f in flows if f["flow_id"] > 3300) >= max(f["ts_last"] for f in flows if f["flow_id"] <= 3300)')" -eq 1 ] ||
    fail "the clock went back"
[ "$(json_get "$RUN_OUT" 'summary["clock_jumps_followed"]')" -eq 1 ] || fail "the jump back was not followed"
grep -q 'packet 3301 is stamped .* 24.0 hours behind .* time cannot go back' "$RUN_ERR" ||
    fail "stderr does not say where time went back"
done_check

check "a second capture stamped two hours later: the clock follows it, silently"
run --json -r "$TMP/clean.pcap" -r "$TMP/hours-after.pcap"
[ "$(json_get "$RUN_OUT" 'len(flows) == 100 and all(f["verdict"] == "ok" and f["end"] == "fin" for f in flows)')" -eq 1 ] ||
    fail "not 100 flows ok, fin"
[ "$(json_get "$RUN_OUT" '(summary["clock_jumps"], summary["clock_jumps_followed"])')" = "(1, 1)" ] ||
    fail "the jump ahead is not counted as followed"
[ ! -s "$RUN_ERR" ] || fail "stderr: $(head -c 200 "$RUN_ERR")"
done_check

check "a real silence past --idle-timeout ends the connection; under a longer one it is no jump"
run --json -r "$TMP/silence.pcap"
[ "$(json_get "$RUN_OUT" '[f["end"] for f in flows]')" = "['idle_timeout', 'fin']" ] ||
    fail "default --idle-timeout: not an idle_timeout, then a flow to its FIN"
run --json --idle-timeout 10800 -r "$TMP/silence.pcap"
[ "$(json_get "$RUN_OUT" '([f["end"] for f in flows], summary["clock_jumps"])')" = "(['fin'], 0)" ] ||
    fail "--idle-timeout 10800: not one flow to its FIN without a clock jump"
done_check

finish
