#!/usr/bin/env bash
# The flow hash key decides where flows are kept, never what is printed: every
# capture sample (and the shared corpus's traces), as text and as --json, gives
# byte-identical output under two fixed keys and a random one. A capture whose
# 5-tuples were chosen to share one bucket under a known key (bench/synflood.py)
# puts them in a bucket tree under that key, and in none under another, with the
# same verdicts. TCPVERDICT_HASH_KEY that is not 32 hex digits is an error.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
find_captures
if [ -d "$CORPUS_DIR" ]; then
    while IFS= read -r f; do
        CAPTURES+=("$f")
    done < <(find "$CORPUS_DIR" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
fi

KEY_A=00000000000000000000000000000000
KEY_B=000102030405060708090a0b0c0d0e0f

# run_random ARGS...: run with no TCPVERDICT_HASH_KEY: a random key.
run_random() {
    local status=0
    (unset TCPVERDICT_HASH_KEY && tv "$@") >"$RUN_OUT" 2>"$RUN_ERR" || status=$?
    RUN_STATUS=$status
}

check "two fixed keys and a random one give byte-identical output on ${#CAPTURES[@]} captures"
for cap in "${CAPTURES[@]}"; do
    for mode in text json; do
        opts=()
        [ "$mode" = json ] && opts=(--json)
        TCPVERDICT_HASH_KEY=$KEY_A run "${opts[@]}" -r "$cap"
        cp "$RUN_OUT" "$TMP/a"
        status_a=$RUN_STATUS
        TCPVERDICT_HASH_KEY=$KEY_B run "${opts[@]}" -r "$cap"
        cmp -s "$TMP/a" "$RUN_OUT" || fail "$(basename "$cap") ($mode): keys A and B differ"
        [ "$RUN_STATUS" -eq "$status_a" ] || fail "$(basename "$cap") ($mode): exit status differs"
        run_random "${opts[@]}" -r "$cap"
        cmp -s "$TMP/a" "$RUN_OUT" || fail "$(basename "$cap") ($mode): a random key differs"
    done
done
done_check

# The key also picks each flow's analysis thread. -j's record order is not
# fixed, so this compares the records sorted, and the summaries but for
# max_concurrent_flows (a sum of the workers' own peaks).
check "-j 3: the same records and summary under two keys"
summary_but_peaks='json.dumps({k: v for k, v in summary.items() if k != "max_concurrent_flows"}, sort_keys=True)'
for cap in "${CAPTURES[@]}"; do
    TCPVERDICT_HASH_KEY=$KEY_A run -j 3 --json -r "$cap"
    grep '"type":"flow"' "$RUN_OUT" | sort >"$TMP/a" || true
    json_get "$RUN_OUT" "$summary_but_peaks" >"$TMP/a.summary"
    TCPVERDICT_HASH_KEY=$KEY_B run -j 3 --json -r "$cap"
    grep '"type":"flow"' "$RUN_OUT" | sort >"$TMP/b" || true
    json_get "$RUN_OUT" "$summary_but_peaks" >"$TMP/b.summary"
    cmp -s "$TMP/a" "$TMP/b" || fail "$(basename "$cap"): -j 3 records differ between keys"
    cmp -s "$TMP/a.summary" "$TMP/b.summary" ||
        fail "$(basename "$cap"): -j 3 summaries differ between keys"
done
done_check

check "5-tuples chosen to share a bucket: a tree under their key, none under another"
FLOWS=300
"$top_srcdir/bench/synflood.py" --key "$KEY_A" --buckets 1024 --flows "$FLOWS" --repeat 3 \
    -w "$TMP/chosen.pcap"
TCPVERDICT_HASH_KEY=$KEY_A run --json --max-flows 1024 -r "$TMP/chosen.pcap"
cp "$RUN_OUT" "$TMP/a"
[ "$(json_get "$TMP/a" 'summary["bucket_tree_flows"]')" -eq "$FLOWS" ] ||
    fail "under their key, $(json_get "$TMP/a" 'summary["bucket_tree_flows"]') flows in trees, expected $FLOWS"
[ "$(json_get "$TMP/a" 'len(flows)')" -eq "$FLOWS" ] ||
    fail "$(json_get "$TMP/a" 'len(flows)') flows, expected $FLOWS"
TCPVERDICT_HASH_KEY=$KEY_B run --json --max-flows 1024 -r "$TMP/chosen.pcap"
[ "$(json_get "$RUN_OUT" 'summary["bucket_tree_flows"]')" -eq 0 ] ||
    fail "under another key, $(json_get "$RUN_OUT" 'summary["bucket_tree_flows"]') flows in trees"
for f in "$TMP/a" "$RUN_OUT"; do
    sed 's/"bucket_tree_flows":[0-9]*,//' "$f" >"$f.cut"
done
cmp -s "$TMP/a.cut" "$RUN_OUT.cut" || fail "the trees changed the output"
done_check

for bad in "" 0 0000000000000000000000000000000 000000000000000000000000000000000 \
    0000000000000000000000000000000g " 00000000000000000000000000000000"; do
    check "TCPVERDICT_HASH_KEY='$bad' is an error"
    TCPVERDICT_HASH_KEY=$bad run -r "${CAPTURES[0]}"
    [ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS, expected 2"
    [ ! -s "$RUN_OUT" ] || fail "stdout is not empty"
    if [ "$(line_count "$RUN_ERR")" -ne 1 ] ||
        ! grep -q '^tcpverdict: TCPVERDICT_HASH_KEY' "$RUN_ERR"; then
        fail "expected one line naming TCPVERDICT_HASH_KEY"
        show_err
    fi
    done_check
done

finish
