#!/usr/bin/env bash
# Live capture benchmark (not a test): replays a capture onto a veth pair with
# tcpreplay at increasing rates and reports, for tcpverdict and for
# `tcpdump -w /dev/null` on the same replay, the highest rate at which nothing
# was dropped (kernel, interface, or, for tcpverdict, its rings).
#
#   bench/live-replay.sh [CAPTURE] [RATE...]
#     CAPTURE  default: the largest capture in capture-samples/ or bench/out/
#     RATE     tcpreplay --pps steps (default: 20000 50000 100000 200000 400000
#              800000 1600000); with MODE=mbps they are --mbps steps
#   Environment: TCPVERDICT (binary), JOBS (tcpverdict -j, default 1), TV_OPTS
#     (more tcpverdict options, e.g. "-B 65536"),
#     LOOPS (tcpreplay --loop, default: enough for about 200000 packets),
#     MODE (pps or mbps)
#
# Needs root, ip netns, tcpreplay and tcpdump. The veth ends live in a namespace
# made for the run and removed afterwards; the replay is the only traffic on it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
TCPVERDICT=${TCPVERDICT:-$top/src/tcpverdict}
JOBS=${JOBS:-1}
MODE=${MODE:-pps}

die() {
    echo "live-replay: $*" >&2
    exit 2
}

[ "$(id -u)" -eq 0 ] || die "needs root"
for tool in ip tcpreplay tcpdump python3; do
    command -v "$tool" >/dev/null 2>&1 || die "needs $tool"
done
[ -x "$TCPVERDICT" ] || die "no binary at $TCPVERDICT (build first)"

capture=${1:-}
[ "$#" -gt 0 ] && shift
if [ -z "$capture" ]; then
    capture=$(find "$top/bench/out" "$top/capture-samples" -maxdepth 1 -name '*.pcap' \
        -printf '%s %p\n' 2>/dev/null | sort -rn | head -n 1 | cut -d' ' -f2- || true)
fi
[ -f "$capture" ] || die "no capture to replay (give one)"
rates=("$@")
[ "${#rates[@]}" -gt 0 ] || rates=(20000 50000 100000 200000 400000 800000 1600000)

packets=$(tcpdump -r "$capture" -nn 2>/dev/null | wc -l)
[ "$packets" -gt 0 ] || die "$capture holds no packets"
LOOPS=${LOOPS:-$(((200000 + packets - 1) / packets))}
total=$((packets * LOOPS))

NS=tvbench$$
IF_IN=tvbi$$
IF_OUT=tvbo$$
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tv-live-replay.XXXXXX")
capture_pid=

cleanup() {
    if [ -n "$capture_pid" ]; then
        kill -KILL "$capture_pid" 2>/dev/null || true
        wait "$capture_pid" 2>/dev/null || true
    fi
    ip netns del "$NS" 2>/dev/null || true
    ip link del "$IF_OUT" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# The replaying end stays here; the capturing end sits in the namespace, so no
# stack of ours answers or routes what is replayed.
ip netns add "$NS"
ip link add "$IF_OUT" type veth peer name "$IF_IN"
ip link set "$IF_IN" netns "$NS"
ip link set "$IF_OUT" up
ip -n "$NS" link set "$IF_IN" up

# wait_for SECONDS CMD...: bounded polling.
wait_for() {
    local tries=$(($1 * 10))
    shift
    while [ "$tries" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

# run_one TOOL RATE: replays at RATE under TOOL; prints "received drops".
run_one() {
    local tool=$1 rate=$2 err=$tmp/err out=$tmp/out
    : >"$err"
    case $tool in
    tcpverdict)
        # shellcheck disable=SC2086 # TV_OPTS: extra options, split on purpose
        ip netns exec "$NS" "$TCPVERDICT" -i "$IF_IN" -j "$JOBS" ${TV_OPTS:-} -q --json \
            >"$out" 2>"$err" &
        capture_pid=$!
        wait_for 10 grep -q 'listening on' "$err" || die "tcpverdict did not start: $(cat "$err")"
        ;;
    tcpdump)
        ip netns exec "$NS" tcpdump -i "$IF_IN" -w /dev/null -nn >/dev/null 2>"$err" &
        capture_pid=$!
        wait_for 10 grep -q 'listening on' "$err" || die "tcpdump did not start: $(cat "$err")"
        ;;
    esac
    tcpreplay -i "$IF_OUT" "--$MODE=$rate" --loop="$LOOPS" -q "$capture" >"$tmp/replay" 2>&1 ||
        die "tcpreplay failed: $(tail -n 3 "$tmp/replay")"
    # tcpdump hands over a buffer block a second after it starts filling.
    sleep 1.5
    kill -INT "$capture_pid"
    wait_for 30 bash -c "! kill -0 $capture_pid 2>/dev/null" || die "$tool did not stop"
    wait "$capture_pid" 2>/dev/null || true
    capture_pid=
    local actual sent
    sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$tmp/replay" | head -n 1)
    echo "$sent" >"$tmp/sent"
    actual=$(sed -n 's/.*Rated: *[0-9.]* Bps, *\([0-9.]*\) Mbps, *\([0-9.]*\) pps.*/\2 pps \1 Mbps/p' \
        "$tmp/replay" | head -n 1)
    case $tool in
    tcpverdict)
        python3 - "$out" "$actual" <<'EOF'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
drops = s["kernel_drops"] + s["if_drops"] + s["ring_drops"]
print(s["packets"], drops, "(kernel %d, interface %d, ring %d) at %s" % (
    s["kernel_drops"], s["if_drops"], s["ring_drops"], sys.argv[2]))
EOF
        ;;
    tcpdump)
        local received dropped
        received=$(sed -n 's/^\([0-9]*\) packets received by filter.*/\1/p' "$err")
        dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$err")
        local ifdrop
        ifdrop=$(sed -n 's/^\([0-9]*\) packets dropped by interface.*/\1/p' "$err")
        echo "${received:-0} $((${dropped:-0} + ${ifdrop:-0})) (kernel ${dropped:-0}, interface ${ifdrop:-0}) at $actual"
        ;;
    esac
}

echo "capture: $capture ($packets packets, replayed $LOOPS times: $total per step)"
echo "tcpverdict: $("$TCPVERDICT" --version | head -n 1), -j $JOBS; $(tcpdump --version 2>&1 | head -n 1)"
echo "cpus: $(nproc)"
declare -A best=([tcpverdict]=none [tcpdump]=none)
for tool in tcpverdict tcpdump; do
    for rate in "${rates[@]}"; do
        read -r received drops detail < <(run_one "$tool" "$rate")
        printf '%-10s --%s %-8s sent %-7s received %-7s dropped %-6s %s\n' "$tool" "$MODE" \
            "$rate" "$(cat "$tmp/sent")" "$received" "$drops" "$detail"
        sent=$(cat "$tmp/sent")
        if [ "$drops" -eq 0 ] && [ "$received" -ge "${sent:-$total}" ]; then
            best[$tool]=$rate
        else
            break
        fi
    done
done
echo "highest --$MODE with nothing dropped: tcpverdict ${best[tcpverdict]}, tcpdump ${best[tcpdump]}"
