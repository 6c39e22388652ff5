#!/usr/bin/env bash
# The progress line: drawn on stderr under a pseudo-terminal (script(1)),
# erased at the end; never on a pipe or a file, never with -q. The delay
# before it shows is cut to 0 with TCPVERDICT_PROGRESS_AFTER.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
command -v script >/dev/null 2>&1 || skip "script(1) is needed"
sample=$SAMPLES_DIR/offload-receiver.pcap
[ -f "$sample" ] || skip "sample not found: $sample"

# Enough packets for the line to be drawn: it is updated between bursts of
# 65,536 packets.
args=()
for _ in $(seq 1 120); do
    args+=(-r "$sample")
done
export TCPVERDICT_PROGRESS_AFTER=0

check "under a terminal: the progress line, then erased"
script -qec "$(printf '%q ' "$TCPVERDICT" "${args[@]}") >/dev/null" "$TMP/typescript" \
    >/dev/null 2>&1 </dev/null || fail "the run under script(1) failed"
grep -aq 'tcpverdict: [0-9 ]*% of .* packets (.*/s), .* flows, .* failing' "$TMP/typescript" ||
    fail "no progress line: $(head -c 300 "$TMP/typescript")"
# The last thing the line leaves is a carriage return after spaces.
tr -d '\n' <"$TMP/typescript" | grep -aq $'\r *\r' || fail "the line is not erased"
done_check

check "stderr a file: no progress line"
run "${args[@]}"
[ "$RUN_STATUS" -le 1 ] || fail "exit status $RUN_STATUS"
if grep -aq '% of' "$RUN_ERR" || grep -aq $'\r' "$RUN_ERR"; then
    fail "progress on a file: $(head -c 200 "$RUN_ERR")"
fi
done_check

check "stderr a pipe: no progress line"
"$TCPVERDICT" "${args[@]}" 2>&1 >/dev/null | cat >"$TMP/piped" || true
if grep -aq '% of' "$TMP/piped"; then
    fail "progress on a pipe"
fi
done_check

check "-q under a terminal: no progress line"
script -qec "$(printf '%q ' "$TCPVERDICT" -q "${args[@]}") >/dev/null" "$TMP/quiet" \
    >/dev/null 2>&1 </dev/null || fail "the run under script(1) failed"
if grep -aq '% of' "$TMP/quiet"; then
    fail "progress with -q"
fi
done_check

finish
