#!/usr/bin/env bash
# Scenario facts: for every recorded sample in capture-samples/, checks
# tcpverdict's verdicts against the sample's .expect file, which states what
# the recorded scenario did (see capture-samples/README). Samples listed in
# tests/golden/PENDING need a detector that does not exist yet: they are run
# and reported, but their mismatches do not fail the test; a pending sample
# that passes is reported so that its line can be removed.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not found"
compgen -G "$SAMPLES_DIR/*.expect" >/dev/null || skip "no .expect files in $SAMPLES_DIR"

pending_file=$top_srcdir/tests/golden/PENDING
is_pending() {
    grep -q "^${1}[[:space:]]" "$pending_file" 2>/dev/null
}

for expect in "$SAMPLES_DIR"/*.expect; do
    name=$(basename "$expect" .expect)
    if python3 "$top_srcdir/tests/golden/check_expect.py" "$TCPVERDICT" "$expect" >"$TMP/$name.out" 2>&1; then
        check "$name"
        done_check
        if is_pending "$name"; then
            printf 'note: %s now matches its .expect: remove it from tests/golden/PENDING\n' "$name"
        fi
    elif is_pending "$name"; then
        printf 'pending: %s: %s\n' "$name" "$(grep "^${name}[[:space:]]" "$pending_file" | cut -d' ' -f2-)"
        sed 's/^/    /' "$TMP/$name.out"
    else
        check "$name"
        sed 's/^/    /' "$TMP/$name.out"
        fail "$name: verdicts differ from what the scenario did"
        done_check
    fi
done
finish
