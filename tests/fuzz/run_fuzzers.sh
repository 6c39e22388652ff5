#!/usr/bin/env bash
# Runs each libFuzzer target built by `make fuzz` for a bounded time, seeded
# with the corpus, and fails on any finding (crash, sanitizer report, leak,
# timeout or memory beyond the limit). New inputs the fuzzers find go to a
# scratch directory, never into the corpus; a finding's input is kept there
# and its path printed, to be minimised into corpus/ by hand (README).
#
#   tests/fuzz/run_fuzzers.sh [-t SECONDS] [-o DIR] [TARGET...]
#     -t SECONDS  per target (default 60)
#     -o DIR      scratch directory (default: a new one under $TMPDIR)
#     TARGET      fuzz_decode, fuzz_analyzer, fuzz_pcapng, fuzz_file, fuzz_record
#                 (default: all)
# Reads top_srcdir and top_builddir like the other tests (default: this tree).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

seconds=60
out=
while getopts 't:o:h' opt; do
    case $opt in
    t) seconds=$OPTARG ;;
    o) out=$OPTARG ;;
    *)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
    esac
done
shift $((OPTIND - 1))
if [[ ! $seconds =~ ^[1-9][0-9]*$ ]]; then
    echo "run_fuzzers.sh: -t: not a positive number of seconds: $seconds" >&2
    exit 2
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(fuzz_decode fuzz_analyzer fuzz_pcapng fuzz_file fuzz_record)
fi
if [[ -z $out ]]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/tcpverdict-fuzz.XXXXXX")
fi
mkdir -p "$out"

failed=()
for target in "${targets[@]}"; do
    bin=$top_builddir/tests/fuzz/$target
    if [[ ! -x $bin ]]; then
        echo "run_fuzzers.sh: $bin is missing: run 'make fuzz' first" >&2
        exit 2
    fi
    mkdir -p "$out/$target/new" "$out/$target/findings"
    echo "== $target: $seconds s, log $out/$target/log"
    status=0
    # -timeout: one input taking longer is a finding (a hang); the RSS limit
    # catches memory that grows with the input beyond what is reasonable.
    # Ends by itself after $seconds s; the outer timeout only guards
    # against a fuzzer that would not.
    timeout $((seconds + 120)) "$bin" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$out/$target/findings/" \
        "$out/$target/new" "$top_srcdir/tests/fuzz/corpus" >"$out/$target/log" 2>&1 ||
        status=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' \
        "$out/$target/log" || true
    if [[ $status -ne 0 ]] || [[ -n $(ls -A "$out/$target/findings") ]]; then
        echo "== $target: FINDING (exit status $status):"
        grep -E -m 5 'ERROR|runtime error|SUMMARY|Test unit written' "$out/$target/log" || tail -n 20 "$out/$target/log"
        failed+=("$target")
    else
        echo "== $target: no finding"
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "run_fuzzers.sh: findings in: ${failed[*]} (inputs under $out)" >&2
    exit 1
fi
echo "run_fuzzers.sh: ${#targets[@]} targets, $seconds s each, no finding"
