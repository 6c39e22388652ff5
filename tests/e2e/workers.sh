#!/usr/bin/env bash
# Analysis threads (-j) must not change the output: on every bundled sample and
# every trace of the shared corpus, -j 2, -j 3 and -j 4 write what -j 1 writes,
# byte for byte (records, their order, the summary), with the same exit status,
# as JSON and as text, and a second run writes it again. So do full flow tables
# (--max-flows far below the flows), where -j 1 evicts (or refuses) flows: the
# workers share one budget and evict the same flows in the same order (with
# bench/gen's traffic too, when make bench built it).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python

files=()
for f in "$SAMPLES_DIR"/*.pcap "$SAMPLES_DIR"/*.pcapng; do
    [ -f "$f" ] && files+=("$f")
done
if [ -d "$CORPUS_DIR" ]; then
    while IFS= read -r f; do
        files+=("$f")
    done < <(find "$CORPUS_DIR" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort)
fi
[ "${#files[@]}" -gt 0 ] || skip "no captures in $SAMPLES_DIR or $CORPUS_DIR"

# WORKERS_STRIDE=N keeps every Nth capture: ThreadSanitizer runs each one ten
# times slower, and the threads meet the same way on any capture (the plain
# and sanitizer runs of make check take them all).
stride=${WORKERS_STRIDE:-1}
if [ "$stride" -gt 1 ]; then
    kept=()
    for i in "${!files[@]}"; do
        [ $((i % stride)) -eq 0 ] && kept+=("${files[$i]}")
    done
    files=("${kept[@]}")
fi

# same_output LABEL ARGS...: -j 2..4 give -j 1's bytes and exit status.
same_output() {
    local label=$1
    shift
    local s1=0 sj
    tv "$@" >"$TMP/j1" 2>/dev/null || s1=$?
    for j in 2 3 4; do
        sj=0
        tv -j "$j" "$@" >"$TMP/jn" 2>/dev/null || sj=$?
        cmp -s "$TMP/j1" "$TMP/jn" || fail "$label: -j $j output differs from -j 1"
        [ "$s1" -eq "$sj" ] || fail "$label: exit status $s1 with -j 1, $sj with -j $j"
    done
}

check "-j 2 to -j 4 write the JSON of -j 1, byte for byte, on ${#files[@]} captures"
for f in "${files[@]}"; do
    same_output "$(basename "$f")" --json -r "$f"
done
done_check

check "-j 2 to -j 4 write the text table of -j 1, with -v"
for f in "${files[@]:0:12}"; do
    same_output "$(basename "$f") (text)" -r "$f"
    same_output "$(basename "$f") (text -v)" -v -r "$f"
done
done_check

check "runs repeated with -j 3 write the same bytes"
for f in "$SAMPLES_DIR"/many-short.pcap "$SAMPLES_DIR"/demo.pcap; do
    tv --json -j 3 -r "$f" >"$TMP/first" 2>/dev/null || true
    for _ in 1 2 3 4 5; do
        tv --json -j 3 -r "$f" >"$TMP/again" 2>/dev/null || true
        cmp -s "$TMP/first" "$TMP/again" || fail "$(basename "$f"): a -j 3 run differs"
    done
done
done_check

check "a full flow table evicts with -j 2 to -j 4 what it evicts with -j 1"
for f in "${files[@]}"; do
    same_output "$(basename "$f") --max-flows 3" --json --max-flows 3 -r "$f"
done
done_check

check "a flood of 6000 SYNs into 500 flows: the same evictions and summary"
make_pcap "$TMP/flood.pcap" syns 6000
same_output "flood" --json --max-flows 500 -r "$TMP/flood.pcap"
evicted=$(json_get "$TMP/j1" 'sum(1 for o in flows if o["end"] == "evicted")')
[ "$evicted" -ge 5000 ] || fail "flood: only $evicted flows evicted with -j 1"
same_output "flood, no eviction" --json --max-flows 500 --no-evict -r "$TMP/flood.pcap"
done_check

# bench/gen (make bench) makes a busier flood: 2000 flows open at once, of every
# kind, into a table of 300; skipped when it is not built.
GEN=$top_builddir/bench/gen
if [ -x "$GEN" ]; then
    check "bench/gen's 200000 packets into 300 flows: the same evictions"
    "$GEN" -n 200000 -w "$TMP/gen.pcap" 2>/dev/null || fail "bench/gen failed"
    same_output "bench/gen flood" --json --max-flows 300 -r "$TMP/gen.pcap"
    [ "$(json_get "$TMP/j1" 'summary["evictions"]')" -gt 1000 ] || fail "bench/gen flood: few evictions"
    done_check
fi

check "the summary's flows at most at once is the count of one thread"
"$TCPVERDICT" --json -r "$SAMPLES_DIR/many-short.pcap" >"$TMP/one" 2>/dev/null || true
one=$(json_get "$TMP/one" 'summary["max_concurrent_flows"]')
"$TCPVERDICT" --json -j 4 -r "$SAMPLES_DIR/many-short.pcap" >"$TMP/four" 2>/dev/null || true
four=$(json_get "$TMP/four" 'summary["max_concurrent_flows"]')
[ "$one" = "$four" ] || fail "max_concurrent_flows: $one with -j 1, $four with -j 4"
done_check

finish
