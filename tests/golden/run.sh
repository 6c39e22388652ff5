#!/usr/bin/env bash
# Golden tests: runs tcpverdict --json on each sample listed in TESTLIST and
# compares the output with tests/golden/expected/<name>.ndjson. Each output must
# also keep the JSON contract and be byte-identical on a second run.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

require_binary
require_python
[ -f "$TESTLIST" ] || fatal "$TESTLIST not found"

passed=0
failed=0
while read -r name sample rest; do
    read -ra opts <<<"$rest"
    expected=$GOLDEN_DIR/expected/$name.ndjson
    out=$TMP/$name.ndjson
    before=$FAILURES

    if [ ! -f "$SAMPLES_DIR/$sample" ]; then
        fail "$name: sample capture-samples/$sample not found"
    elif [ ! -f "$expected" ]; then
        fail "$name: no expected output; create it with tests/golden/update.sh $name"
    else
        status=0
        golden_run "$out" "$sample" "${opts[@]}" || status=$?
        if [ "$status" -gt 1 ]; then
            fail "$name: tcpverdict exited with status $status"
            sed 's/^/      stderr: /' "$out.err" | head -n 5
        else
            if ! diff -u --label "expected/$name.ndjson" --label "actual" \
                "$expected" "$out" >"$TMP/diff"; then
                fail "$name: output differs from expected/$name.ndjson"
                head -n 60 "$TMP/diff"
            fi
            check_contract "$out" "$name" || true
            golden_run "$out.again" "$sample" "${opts[@]}" || true
            cmp -s "$out" "$out.again" || fail "$name: a second run gave different output"
        fi
    fi

    if [ "$FAILURES" -eq "$before" ]; then
        passed=$((passed + 1))
        pass "$name"
    else
        failed=$((failed + 1))
    fi
done < <(testlist_entries)

echo "$passed passed, $failed failed"
[ $((passed + failed)) -gt 0 ] || skip "no tests listed in TESTLIST"
[ "$failed" -eq 0 ]
