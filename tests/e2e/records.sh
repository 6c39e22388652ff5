#!/usr/bin/env bash
# Flow records read back (src/record_parse.c, what --from-redis prints the
# table, Zeek's log and the report from): every flow line --json writes,
# on every capture sample, the two-point samples with --compare, interim
# records and roles, and the peer corpus when present, must read back into
# a verdict that prints byte for byte the same line. And lines that break
# the contract, or are not JSON at all, are refused with the field named,
# never half read.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
ECHO=$top_builddir/tests/unit/record_echo
[ -x "$ECHO" ] || fatal "not built: $ECHO (make check builds it)"

# round_trip LABEL ARGS...: tcpverdict --json ARGS, its flow lines read back.
ROUND_TRIPS=0
LINES=0
round_trip() {
    local label=$1
    shift
    tv --json "$@" 2>/dev/null | grep '^{"type":"flow"' >"$TMP/made" || true
    if ! "$ECHO" <"$TMP/made" >"$TMP/back" 2>"$TMP/echo.err"; then
        fail "$label: refused: $(head -n 3 "$TMP/echo.err")"
        return
    fi
    if ! cmp -s "$TMP/made" "$TMP/back"; then
        fail "$label: read back differently: $(diff "$TMP/made" "$TMP/back" | head -n 4 | cut -c1-300)"
        return
    fi
    ROUND_TRIPS=$((ROUND_TRIPS + 1))
    LINES=$((LINES + $(line_count "$TMP/made")))
}

check "every sample's flow records read back the same"
for f in "$SAMPLES_DIR"/*.pcap "$SAMPLES_DIR"/*.pcapng "$SAMPLES_DIR"/*.gz "$SAMPLES_DIR"/*.zst; do
    [ -f "$f" ] || continue
    round_trip "$(basename "$f")" -r "$f"
    # Interim records, roles and a named service: fields the plain run leaves null.
    round_trip "$(basename "$f") --interim" -r "$f" --interim 0.05 \
        --role 10.99.1.2=cluster-node --role 10.99.2.2=wsus --service 6051=agent
done
[ "$ROUND_TRIPS" -ge 100 ] || fail "only $ROUND_TRIPS runs compared"
done_check

check "--compare's paths read back the same"
before=$LINES
for first in "$SAMPLES_DIR"/two-point/*.first.pcap; do
    round_trip "$(basename "$first") --compare" -r "$first" --compare "${first%.first.pcap}.second.pcap"
done
[ "$LINES" -gt "$before" ] || fail "no --compare record compared"
# Each feature of a path must have been met, or the check proves little.
for f in "$SAMPLES_DIR"/two-point/*.first.pcap; do
    tv --json -r "$f" --compare "${f%.first.pcap}.second.pcap" 2>/dev/null || true
done | grep '^{"type":"flow"' >"$TMP/paths"
for want in '"dropped_first":{"orig":{' '"translated":{"orig":{' '"mss":{"orig":{' \
    '"delay_ms":{"orig":{' '"seen_at":"both"' '"near_orig":"first"'; do
    grep -qF -- "$want" "$TMP/paths" || fail "no sample's path has $want"
done
# What no sample has, written into a sample's record by hand.
sed -e 's/"seen_at":"both"/"seen_at":"first"/' \
    -e 's/"offload_suspect_host":null/"offload_suspect_host":"fd00::2"/' \
    -e 's/"inner_vlan":null/"inner_vlan":7/' -e 's/"vlan":null/"vlan":4095/' \
    "$TMP/paths" >"$TMP/edited"
grep -qF '"seen_at":"first"' "$TMP/edited" || fail "no record to edit"
"$ECHO" <"$TMP/edited" >"$TMP/back" 2>"$TMP/echo.err" || fail "edited: $(cat "$TMP/echo.err")"
cmp -s "$TMP/edited" "$TMP/back" ||
    fail "edited records read back differently: $(diff "$TMP/edited" "$TMP/back" | head -n 4 | cut -c1-300)"
done_check

check "the peer corpus's flow records read back the same"
if [ -d "$CORPUS_DIR" ]; then
    for f in "$CORPUS_DIR"/zeek/*.pcap "$CORPUS_DIR"/tcpdump/*.pcap; do
        [ -f "$f" ] || continue
        round_trip "$(basename "$f")" -r "$f"
    done
else
    printf 'note: %s is absent: the corpus is not compared\n' "$CORPUS_DIR"
fi
printf 'note: %d runs, %d flow lines read back\n' "$ROUND_TRIPS" "$LINES"
done_check

# refused NAME WORD LINE: LINE is refused, the message naming WORD.
refused() {
    local name=$1 word=$2 line=$3
    check "refused: $name"
    local status=0
    printf '%s\n' "$line" | "$ECHO" -a >"$TMP/out" 2>"$TMP/err" || status=$?
    [ "$status" -eq 1 ] || fail "exit $status, not 1"
    [ ! -s "$TMP/out" ] || fail "printed: $(head -c 200 "$TMP/out")"
    grep -q -- "$word" "$TMP/err" || fail "the message does not name $word: $(cat "$TMP/err")"
    done_check
}

good=$(tv --json -r "$SAMPLES_DIR/client-abort-6051.pcap" | grep -m1 '^{"type":"flow"' || true)
[ -n "$good" ] || fatal "client-abort-6051.pcap gave no flow record"
# edit PYTHON: the good line, changed by the Python statement (r is the record).
edit() {
    python3 -c 'import json,sys
r=json.loads(sys.argv[1])
exec(sys.argv[2])
print(json.dumps(r,separators=(",",":")))' "$good" "$1"
}

check "a field this version does not know is passed over"
printf '%s\n' "$good" | sed 's/"hint":/"x_newer":{"a":[1,null]},"hint":/' | "$ECHO" -a >"$TMP/out" 2>"$TMP/err" ||
    fail "refused: $(cat "$TMP/err")"
[ "$(cat "$TMP/out")" = "$good" ] || fail "read back as $(cut -c1-200 "$TMP/out")"
done_check

refused "flow_id missing" flow_id "$(edit 'del r["flow_id"]')"
refused "port past 65535" port "$(edit 'r["orig"]["port"]=65536')"
refused "negative bytes" bytes "$(edit 'r["resp"]["bytes"]=-1')"
refused "pkts not an integer" pkts "$(edit 'r["orig"]["pkts"]="5"')"
refused "an address that is not one" addr "$(edit 'r["orig"]["addr"]="10.0.0.256"')"
refused "a winsock code not named" winsock "$(edit 'r["orig"]["winsock"]=10050')"
refused "an end not known" end "$(edit 'r["end"]="gone"')"
refused "a verdict not known" verdict "$(edit 'r["verdict"]="bad"')"
refused "seven decimals" ts_first "$(edit 'r["ts_first"]=1.1234567')"
refused "past the year 9999" ts_last "$(edit 'r["ts_last"]=1e30')"
refused "anomalies not an array" anomalies "$(edit 'r["anomalies"]={}')"
refused "an anomaly's dir" dir "$(edit 'r["anomalies"]=[{"code":"x","dir":"up","count":1,"first_pkt":1,"first_ts":1.0}]')"
refused "too many anomalies" anomalies "$(edit 'r["anomalies"]=[{"code":"x","dir":"orig","count":1,"first_pkt":1,"first_ts":1.0}]*257')"
refused "a NUL in a string" NUL "$(edit 'r["history"]="Sh\u0000AD"')"
refused "nine tunnels" tunnels "$(edit 'r["tunnels"]=[{"kind":"gre","src":"1.1.1.1","dst":"2.2.2.2"}]*9')"
refused "a tunnel of two families" families "$(edit 'r["tunnels"]=[{"kind":"gre","src":"1.1.1.1","dst":"::1"}]')"
refused "inner_vlan alone" inner_vlan "$(edit 'r["inner_vlan"]=5')"
refused "a path that is not an object" path "$(edit 'r["path"]=[]')"
refused "another type" type "$(edit 'r["type"]="summary"')"
refused "not JSON" "not JSON" '{"type":"flow",'
refused "JSON nested past json-c's depth" "not JSON" "$(printf '%.0s[' {1..100})"
refused "something after the record" follows "$good x"
refused "not an object" object '[1,2]'

finish
