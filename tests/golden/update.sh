#!/usr/bin/env bash
# Regenerates the expected output of golden tests and prints what changed, for
# review before committing.
#   tests/golden/update.sh NAME...   the named tests of TESTLIST
#   tests/golden/update.sh --all     every test
# Uses $TCPVERDICT, or src/tcpverdict of the source tree (set top_builddir for a
# separate build directory).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

usage() {
    echo "usage: $0 NAME... | --all" >&2
    exit 2
}

[ "$#" -gt 0 ] || usage
require_binary

all=no
declare -A wanted=()
for arg in "$@"; do
    case $arg in
    --all) all=yes ;;
    -*) usage ;;
    *) wanted[$arg]=1 ;;
    esac
done

updated=0
while read -r name sample rest; do
    [ "$all" = yes ] || [ -n "${wanted[$name]:-}" ] || continue
    unset "wanted[$name]"
    read -ra opts <<<"$rest"
    expected=$GOLDEN_DIR/expected/$name.ndjson
    out=$TMP/$name.ndjson

    [ -f "$SAMPLES_DIR/$sample" ] || fatal "$name: sample capture-samples/$sample not found"
    status=0
    golden_run "$out" "$sample" "${opts[@]}" || status=$?
    if [ "$status" -gt 1 ]; then
        cat "$out.err" >&2
        fatal "$name: tcpverdict exited with status $status"
    fi
    check_contract "$out" "$name" || true

    old=$expected
    [ -f "$old" ] || old=/dev/null
    if diff -u --label "expected/$name.ndjson (old)" --label "expected/$name.ndjson (new)" \
        "$old" "$out"; then
        echo "$name: unchanged"
    else
        cp "$out" "$expected"
        echo "$name: updated; review the diff above"
        updated=$((updated + 1))
    fi
done < <(testlist_entries)

for name in "${!wanted[@]}"; do
    fail "$name: not in TESTLIST"
done
echo "$updated expected file(s) updated"
[ "$FAILURES" -eq 0 ]
