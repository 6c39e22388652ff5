#!/usr/bin/env bash
# --compare on the two-point samples (capture-samples/two-point/): each
# flow's path against what the scenario did, as its .expect says (router
# counters, the impairment helper's log of every packet it dropped); the
# JSON contract holds; and the options --compare refuses.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not found"
pairs=$SAMPLES_DIR/two-point
compgen -G "$pairs/*.expect" >/dev/null || skip "no two-point samples"

for expect in "$pairs"/*.expect; do
    name=$(basename "$expect" .expect)
    check "$name: the path is what the scenario did"
    python3 "$top_srcdir/tests/e2e/check_pair.py" "$TCPVERDICT" "$expect" ||
        fail "$name: path differs from the scenario"
    done_check
    check "$name: the JSON contract"
    tv --json -r "$pairs/$name.first.pcap" --compare "$pairs/$name.second.pcap" \
        >"$TMP/$name.json" || [ $? -eq 1 ] || fail "$name: tcpverdict failed"
    check_contract "$TMP/$name.json" "$name" # skipped with a note without the checker
    done_check
done

check "--compare with -i is refused"
set +e
"$TCPVERDICT" -i lo --compare "$pairs/two-point-tso.second.pcap" 2>"$TMP/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "exit $rc, not 2"
grep -q -- '--compare' "$TMP/err" || fail "no word on --compare: $(cat "$TMP/err")"
done_check

# The second point is read after the first: a file it cannot read twice is
# refused before anything is read, in one line.
mkfifo "$TMP/second.fifo"
for bad in "$TMP/missing.pcap" "$TMP/second.fifo" "$TMP"; do
    check "--compare $(basename "$bad") is refused at once"
    run -r "$pairs/two-point-tso.first.pcap" --compare "$bad"
    [ "$RUN_STATUS" -eq 2 ] || fail "exit $RUN_STATUS, not 2"
    [ "$(line_count "$RUN_ERR")" -eq 1 ] || fail "stderr: $(cat "$RUN_ERR")"
    [ ! -s "$RUN_OUT" ] || fail "wrote records: $(head -c 200 "$RUN_OUT")"
    done_check
done

# Interim records are the first point's: the second point's flows are
# compared at the end, never written as they go. One capture at both points
# gives the interim records of the capture alone.
check "--interim: only the first point's flows are written as they go"
stall=$SAMPLES_DIR/stall-8530.pcap
run --json --interim 1 -r "$stall"
alone=$(json_get "$RUN_OUT" "sum(1 for f in flows if f['interim'])")
[ "$alone" -ge 1 ] || fail "no interim record without --compare"
run --json --interim 1 -r "$stall" --compare "$stall"
[ "$RUN_STATUS" -le 1 ] || fail "exit $RUN_STATUS"
[ "$(json_get "$RUN_OUT" "sum(1 for f in flows if f['interim'])")" -eq "$alone" ] ||
    fail "interim records: $(json_get "$RUN_OUT" "sum(1 for f in flows if f['interim'])"), $alone without --compare"
[ "$(json_get "$RUN_OUT" "sum(1 for f in flows if f['interim'] and 'path' in f)")" -eq 0 ] ||
    fail "an interim record with a path"
done_check
finish
