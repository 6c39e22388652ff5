#!/usr/bin/env bash
# Golden ladders (tests/ladder/LADDERS): each sample's --ladder diagrams are
# checked against tshark's reading of the same packets and against the
# expected file. With --update, the expected files are written instead
# (review the diff). Skipped (77) without tshark.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

require_binary
require_python
command -v tshark >/dev/null 2>&1 || skip "tshark is needed"

here=$top_srcdir/tests/ladder
update=()
[ "${1:-}" = "--update" ] && update=(--update)
while read -r name sample rest; do
    read -ra opts <<<"$rest"
    check "ladder $name"
    if ! (cd "$SAMPLES_DIR" && python3 "$here/check_ladder.py" --tcpverdict "$TCPVERDICT" \
        --expected "$here/expected/$name.txt" "${update[@]}" "$sample" -- "${opts[@]}") \
        >"$TMP/out" 2>&1; then
        fail "$name"
        head -n 20 "$TMP/out" | sed 's/^/      /'
    fi
    done_check
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/LADDERS")

check "--ladder from standard input or with --json: exit 2, one line"
run --ladder -r - <"$SAMPLES_DIR/refused-6050.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "stdin: exit status $RUN_STATUS"
[ "$(line_count "$RUN_ERR")" -eq 1 ] || fail "stdin: $(line_count "$RUN_ERR") lines on stderr"
run --ladder --json -r "$SAMPLES_DIR/refused-6050.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "--json: exit status $RUN_STATUS"
done_check

check "--ladder with a filter draws every flow it selects"
run -q --ladder -r "$SAMPLES_DIR/many-short.pcap" tcp port 41000 or tcp port 41001
n=$(grep -c '^flow ' "$RUN_OUT" || true)
[ "$n" -eq 2 ] || fail "$n diagrams, not 2"
done_check

check "--ladder: the same diagrams with -j 1 and -j 3"
for sample in demo.pcap fragments-reversed.pcap reordering-8530.pcap; do
    run -q --ladder --fail-on ok -r "$SAMPLES_DIR/$sample"
    cp "$RUN_OUT" "$TMP/j1"
    run -q --ladder --fail-on ok -j 3 -r "$SAMPLES_DIR/$sample"
    cmp -s "$TMP/j1" "$RUN_OUT" || fail "$sample: -j 3 draws otherwise"
done
done_check

finish
