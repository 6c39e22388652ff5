#!/usr/bin/env bash
# What sending every record to a Redis stream costs the analysis: the same
# capture analysed with --json to /dev/null, without and with --redis to a
# redis-server started here on a loopback port, runs alternated; the
# records per second the stream took from the one sensor; and the records
# per second --from-redis reads back, as --json (passed through) and as the
# table (each flow read back into a verdict). Prints a Markdown table.
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

# seconds COMMAND...: "WALL_MS CPU_MS" of one run: wall time, and the
# user and system time of the process, which the machine's other load
# disturbs less.
seconds() {
    local t0 t1 cpu
    t0=$(date +%s%N)
    cpu=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>"$dir/err" || [ $? -eq 1 ]; } 2>&1)
    t1=$(date +%s%N)
    awk -v w=$(((t1 - t0) / 1000000)) -v c="$cpu" 'BEGIN { split(c, t, " "); printf "%d %d\n", w, (t[1] + t[2]) * 1000 }'
}
# redis_cpu_ms: the broker's user and system time so far.
redis_cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000 / hz }' "/proc/$redis_pid/stat"
}

# The stream's own clock: entry ids are the milliseconds Redis added them
# at, so the first and last entries' give the rate the sender kept up.
entry_ms() {
    redis-cli -p "$port" "$1" bench "$2" "$3" COUNT 1 | head -n 1 | cut -d- -f1
}

plain=()
sink=()
plain_cpu=()
sink_cpu=()
broker_cpu=()
rates=()
back_json=()
back_table=()
# rate_of N WALL_MS: records per second.
rate_of() {
    awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0 ? n / (ms / 1000) : 0) }'
}
for i in $(seq "$runs"); do
    read -r wall cpu < <(seconds "$tv" --json -r "$cap")
    plain+=("$wall")
    plain_cpu+=("$cpu")
    redis-cli -p "$port" DEL bench >/dev/null
    before=$(redis_cpu_ms)
    read -r wall cpu < <(seconds "$tv" --json -r "$cap" --redis "redis://127.0.0.1:$port/bench")
    sink+=("$wall")
    sink_cpu+=("$cpu")
    broker_cpu+=($(($(redis_cpu_ms) - before)))
    got=$(redis-cli -p "$port" XLEN bench)
    [ "$got" -eq $((flows + 1)) ] || echo "run $i: $got entries, not $((flows + 1))" >&2
    first=$(entry_ms XRANGE - +)
    last=$(entry_ms XREVRANGE + -)
    rates+=("$(rate_of "$got" $((last - first)))")
    read -r wall _ < <(seconds "$tv" --from-redis "redis://127.0.0.1:$port/bench" --group "json$i" --json)
    back_json+=("$(rate_of "$got" "$wall")")
    read -r wall _ < <(seconds "$tv" --from-redis "redis://127.0.0.1:$port/bench" --group "table$i")
    back_table+=("$(rate_of "$got" "$wall")")
    redis-cli -p "$port" DEL bench:seen:"json$i" bench:seen:"table$i" >/dev/null
done
median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
p=$(median "${plain[@]}")
s=$(median "${sink[@]}")
r=$(median "${rates[@]}")
pc=$(median "${plain_cpu[@]}")
sc=$(median "${sink_cpu[@]}")
bc=$(median "${broker_cpu[@]}")
bj=$(median "${back_json[@]}")
bt=$(median "${back_table[@]}")
echo "| capture | flows | --json: wall, CPU ms | --json --redis: wall, CPU ms | wall without / with | CPU without / with | redis-server CPU ms | records/s into Redis | records/s read back: --json, table |"
echo "|---|---|---|---|---|---|---|---|---|"
awk -v n="$packets" -v f="$flows" -v p="$p" -v s="$s" -v r="$r" -v pc="$pc" -v sc="$sc" -v bc="$bc" -v bj="$bj" -v bt="$bt" 'BEGIN {
    printf "| bench/gen -n %d | %d | %d, %d | %d, %d | %.3f | %.3f | %d | %d | %d, %d |\n", n, f, p, pc, s, sc, p / s, pc / sc, bc, r, bj, bt
}'
echo
echo "Medians of $runs alternated runs; a run with --redis ends once every record is in the"
echo "stream. Records/s: entries over the span between the first and the last entry's time."
echo "--json runs (wall ms): ${plain[*]}; with --redis: ${sink[*]}; records/s: ${rates[*]}"
echo "read back, records/s: --from-redis --json ${back_json[*]}; the table ${back_table[*]}"
echo "CPU ms: --json ${plain_cpu[*]}; with --redis ${sink_cpu[*]}; redis-server ${broker_cpu[*]}"
