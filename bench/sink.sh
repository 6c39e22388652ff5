#!/usr/bin/env bash
# What sending every record to a Redis stream costs the analysis: the same
# capture analysed with --json to /dev/null, without and with --redis to a
# redis-server started here on a loopback port, runs alternated; and the
# records per second the stream took from the one sensor. Prints a
# Markdown table.
#
#   bench/sink.sh [-n PACKETS] [-r RUNS] [-d DIR] [-b BUILDDIR]
#     -n PACKETS  bench/gen packets (default 2000000)
#     -r RUNS     runs of each (default 5)
#     -d DIR      scratch directory (default: a new one under $TMPDIR)
#     -b BUILDDIR where src/tcpverdict and bench/gen are (default: this tree)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$here/.." && pwd)
packets=2000000
runs=5
dir=
while getopts 'n:r:d:b:h' opt; do
    case $opt in
    n) packets=$OPTARG ;;
    r) runs=$OPTARG ;;
    d) dir=$OPTARG ;;
    b) build=$(cd "$OPTARG" && pwd) ;;
    *)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
    esac
done
tv=$build/src/tcpverdict
gen=$build/bench/gen
for tool in "$tv" "$gen"; do
    [ -x "$tool" ] || { echo "sink.sh: $tool not found (make && make bench)" >&2; exit 2; }
done
command -v redis-server >/dev/null || { echo "sink.sh: redis-server not found" >&2; exit 2; }
[ -n "$dir" ] || dir=$(mktemp -d "${TMPDIR:-/tmp}/tcpverdict-sink.XXXXXX")
mkdir -p "$dir"
redis_pid=
cleanup() {
    [ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" &
redis_pid=$!
for _ in $(seq 50); do
    redis-cli -p "$port" PING >/dev/null 2>&1 && break
    sleep 0.1
done

cap=$dir/bench.pcap
"$gen" -n "$packets" -w "$cap" >/dev/null
flows=$("$tv" -q --json -r "$cap" | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["flows"])' || true)

# seconds COMMAND...: wall time of one run, to the millisecond.
seconds() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>"$dir/err" || [ $? -eq 1 ]
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

plain=()
sink=()
for i in $(seq "$runs"); do
    plain+=("$(seconds "$tv" --json -r "$cap")")
    redis-cli -p "$port" DEL bench >/dev/null
    sink+=("$(seconds "$tv" --json -r "$cap" --redis "redis://127.0.0.1:$port/bench")")
    got=$(redis-cli -p "$port" XLEN bench)
    [ "$got" -eq $((flows + 1)) ] || echo "run $i: $got entries, not $((flows + 1))" >&2
done
median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
p=$(median "${plain[@]}")
s=$(median "${sink[@]}")
echo "| capture | flows | --json, ms | --json --redis, ms | with / without | records/s into Redis |"
echo "|---|---|---|---|---|---|"
awk -v n="$packets" -v f="$flows" -v p="$p" -v s="$s" 'BEGIN {
    printf "| bench/gen -n %d | %d | %d | %d | %.3f | %.0f |\n", n, f, p, s, p / s, (f + 1) / (s / 1000)
}'
echo
echo "Medians of $runs alternated runs; each run with --redis ends once every record is in the stream."
echo "plain runs (ms): ${plain[*]}; with --redis: ${sink[*]}"
