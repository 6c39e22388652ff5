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
    "$TCPVERDICT" --json -r "$pairs/$name.first.pcap" --compare "$pairs/$name.second.pcap" \
        >"$TMP/$name.json" || [ $? -eq 1 ] || fail "$name: tcpverdict failed"
    python3 "$CONTRACT_CHECKER" <"$TMP/$name.json" >/dev/null || fail "$name: breaks the contract"
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
finish
