#!/usr/bin/env bash
# Analysis threads (-j) must not change the verdicts: on every bundled sample and
# every trace of the shared corpus, -j 1, -j 2 and -j 3 print the same set of flow
# records (compared sorted: workers finish flows in their own order) and summaries
# that agree on every counter but max_concurrent_flows (a sum of per-worker peaks).
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

# compare A B LABEL: the flow sets and summaries of two outputs agree.
compare() {
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys

def load(path):
    flows, summary = [], None
    for line in open(path):
        o = json.loads(line)
        if o["type"] == "flow":
            flows.append(o)
        else:
            summary = o
    return flows, summary

a_flows, a_sum = load(sys.argv[1])
b_flows, b_sum = load(sys.argv[2])
label = sys.argv[3]
bad = []
strict_a = sorted(json.dumps(f, sort_keys=True) for f in a_flows)
strict_b = sorted(json.dumps(f, sort_keys=True) for f in b_flows)
if strict_a != strict_b:
    bad.append("flow records differ")
for s in (a_sum, b_sum):
    if s is not None:
        s.pop("max_concurrent_flows", None)
if a_sum != b_sum:
    bad.append("summaries differ")
for b in bad:
    print("FAIL: %s: %s" % (label, b))
sys.exit(1 if bad else 0)
EOF
}

check "-j 2 and -j 3 give the flow records of -j 1 on ${#files[@]} captures"
for f in "${files[@]}"; do
    "$TCPVERDICT" --json -r "$f" >"$TMP/j1" 2>/dev/null || true
    [ -s "$TMP/j1" ] || continue # not a capture tcpverdict reads
    for j in 2 3; do
        "$TCPVERDICT" --json -j "$j" -r "$f" >"$TMP/jn" 2>/dev/null || true
        compare "$TMP/j1" "$TMP/jn" "$(basename "$f") -j $j" || fail "$(basename "$f"), -j $j"
    done
done
done_check

check "-j 2 exit status and text output agree with -j 1"
for f in "${files[@]:0:8}"; do
    s1=0
    s2=0
    "$TCPVERDICT" -r "$f" >"$TMP/t1" 2>/dev/null || s1=$?
    "$TCPVERDICT" -j 2 -r "$f" >"$TMP/t2" 2>/dev/null || s2=$?
    [ "$s1" -eq "$s2" ] || fail "$(basename "$f"): exit status $s1 with -j 1, $s2 with -j 2"
    # Same lines but the peak of concurrent flows; the header once, first.
    diff <(grep -v 'at most at once' "$TMP/t1" | sort) <(grep -v 'at most at once' "$TMP/t2" | sort) \
        >/dev/null ||
        fail "$(basename "$f"): text lines differ (beyond order)"
    [ "$(head -n 1 "$TMP/t1")" = "$(head -n 1 "$TMP/t2")" ] ||
        fail "$(basename "$f"): -j 2 does not start with the same line"
done
done_check

finish
