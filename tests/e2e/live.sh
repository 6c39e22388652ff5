#!/usr/bin/env bash
# Live capture end to end: two network namespaces joined by a veth pair
# (10.98.0.1/24 and 10.98.0.2/24, inside them only), tcpverdict -i on one end,
# real connections through it: a graceful exchange, a refused connect, a reset
# (SO_LINGER 0), and one left open. Checks that the graceful flow's verdict comes
# out while the capture still runs (linger 1 s, ended by the workers' clock on a
# quiet line), then SIGINT: the rest of the verdicts, end "open" for the open one,
# and a summary whose drop counters are numbers. Needs root and `ip netns`;
# skipped otherwise. Every wait is bounded; the trap removes what it made.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces and capture"
command -v ip >/dev/null 2>&1 || skip "needs the ip command"

NS_CAP=tvcap$$
NS_PEER=tvpeer$$
IF_CAP=tvc$$
IF_PEER=tvp$$
ADDR_CAP=10.98.0.1
ADDR_PEER=10.98.0.2
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    ip netns del "$NS_CAP" 2>/dev/null || true
    ip netns del "$NS_PEER" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS_CAP" 2>/dev/null || skip "ip netns add does not work here"
ip netns add "$NS_PEER" || fatal "cannot create namespace $NS_PEER"
ip link add "$IF_CAP" type veth peer name "$IF_PEER" || skip "cannot create a veth pair"
ip link set "$IF_CAP" netns "$NS_CAP"
ip link set "$IF_PEER" netns "$NS_PEER"
ip -n "$NS_CAP" addr add "$ADDR_CAP/24" dev "$IF_CAP"
ip -n "$NS_PEER" addr add "$ADDR_PEER/24" dev "$IF_PEER"
ip -n "$NS_CAP" link set lo up
ip -n "$NS_PEER" link set lo up
ip -n "$NS_CAP" link set "$IF_CAP" up
ip -n "$NS_PEER" link set "$IF_PEER" up

in_peer() { ip netns exec "$NS_PEER" "$@"; }

OUT=$TMP/live.out
ERR=$TMP/live.err

has_flow_to_port() {
    [ "$(json_get "$OUT" "sum(1 for f in flows if f['resp']['port'] == $1 and not f['interim'])" \
        2>/dev/null || echo 0)" -ge 1 ]
}

stats_line_seen() {
    kill -USR1 "$TV_PID" 2>/dev/null || return 1
    sleep 0.1
    grep -q 'stats:' "$ERR"
}

# Servers in the peer namespace, each for one connection and bounded in time:
# 8080 answers and closes, 8082 resets (SO_LINGER 0), 8083 holds the
# connection open. Nothing listens on 8081.
ip netns exec "$NS_PEER" timeout 30 python3 - "$ADDR_PEER" <<'EOF' &
import socket, struct, sys, threading
addr = sys.argv[1]
def serve(port, mode):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(25)
    c, _ = s.accept()
    c.settimeout(25)
    if mode == "graceful":
        c.recv(100)
        c.sendall(b"pong\n")
        c.shutdown(socket.SHUT_WR)
        c.recv(100)
        c.close()
    elif mode == "reset":
        c.recv(100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
    else:
        c.recv(100)
        c.recv(100)
threads = [threading.Thread(target=serve, args=a) for a in
           ((8080, "graceful"), (8082, "reset"), (8083, "hold"))]
for t in threads:
    t.start()
for t in threads:
    t.join()
EOF
PIDS+=($!)

# -c keeps even a run gone wrong finite; --linger 1 ends closed flows soon;
# two analysis threads, so that the flows are sharded.
# ip netns exec execs tcpverdict, so $! is tcpverdict itself.
ip netns exec "$NS_CAP" "$TCPVERDICT" -i "$IF_CAP" -j 2 --json --linger 1 -c 100000 tcp \
    >"$OUT" 2>"$ERR" &
TV_PID=$!
PIDS+=("$TV_PID")

check "the capture starts, says so, and answers SIGUSR1 with one stats line"
wait_for 10 grep -q "listening on $IF_CAP" "$ERR" || { fail "no 'listening on' within 10 s"; cat "$ERR"; }
wait_for 10 stats_line_seen || { fail "no stats line within 10 s"; cat "$ERR"; }
grep 'stats:' "$ERR" | head -n 1 | grep -q '^tcpverdict: stats: .* dropped by the kernel' ||
    fail "stats line: $(head -n 1 "$ERR")"
done_check

servers_listen() {
    [ "$(in_peer ss -Hltn 2>/dev/null | grep -c ':808[023] ')" -eq 3 ]
}
wait_for 10 servers_listen || fatal "the servers did not start listening"

client() {
    ip netns exec "$NS_CAP" timeout 20 python3 - "$ADDR_PEER" "$@" <<'EOF'
import socket, sys, time
addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.settimeout(10)
try:
    s.connect((addr, port))
except ConnectionRefusedError:
    sys.exit(0 if mode == "refused" else 1)
s.sendall(b"ping\n")
if mode == "graceful":
    s.recv(100)
    s.shutdown(socket.SHUT_WR)
    s.recv(100)
    s.close()
elif mode == "reset":
    try:
        s.recv(100)
        s.recv(100)
    except ConnectionResetError:
        pass
else:
    time.sleep(15)
EOF
}

check "real connections through the veth: graceful, refused, reset, held open"
client 8080 graceful || fail "graceful client failed"
client 8081 refused || fail "refused client did not see ECONNREFUSED"
client 8082 reset || fail "reset client failed"
client 8083 hold &
PIDS+=($!)
done_check

check "the graceful flow's verdict is out before the capture stops"
wait_for 10 has_flow_to_port 8080 || fail "no verdict for port 8080 within 10 s of its close"
kill -0 "$TV_PID" 2>/dev/null || fail "tcpverdict is not running any more"
done_check

# Let the reset and refused flows linger out too, then the open one is left.
wait_for 10 has_flow_to_port 8082 || true
wait_for 10 has_flow_to_port 8081 || true
sleep 0.5

check "SIGINT ends the capture cleanly"
kill -INT "$TV_PID"
status=0
wait_for 10 bash -c "! kill -0 $TV_PID 2>/dev/null" || fail "tcpverdict still runs 10 s after SIGINT"
wait "$TV_PID" || status=$?
[ "$status" -eq 1 ] || { fail "exit status $status, expected 1 (failed flows were seen)"; cat "$ERR"; }
grep -v -e 'stats:' -e 'listening on' "$ERR" | grep -q . && { fail "unexpected messages:"; cat "$ERR"; }
check_contract "$OUT" "live output" || true
done_check

flow_field() {
    json_get "$OUT" "[f['$2'] for f in flows if f['resp']['port'] == $1 and not f['interim']]"
}

check "each connection has the verdict its packets imply"
[ "$(flow_field 8080 end)" = "['fin']" ] || fail "graceful: end $(flow_field 8080 end)"
# A veth hands packets over before their checksums are filled in: the capture
# host's offload, a notice. Nothing else may be wrong with a clean exchange.
[ "$(json_get "$OUT" "[{a['code'] for a in f['anomalies']} <= {'checksum_offload'}
    for f in flows if f['resp']['port'] == 8080]")" = "[True]" ] ||
    fail "graceful: anomalies $(flow_field 8080 anomalies)"
[ "$(flow_field 8080 verdict)" != "['fail']" ] || fail "graceful: verdict fail"
[ "$(flow_field 8080 conn_state)" = "['SF']" ] || fail "graceful: state $(flow_field 8080 conn_state)"
[ "$(flow_field 8081 end)" = "['refused']" ] || fail "refused: end $(flow_field 8081 end)"
[ "$(flow_field 8081 conn_state)" = "['REJ']" ] || fail "refused: state $(flow_field 8081 conn_state)"
[ "$(flow_field 8082 end)" = "['rst']" ] || fail "reset: end $(flow_field 8082 end)"
[ "$(flow_field 8082 verdict)" = "['fail']" ] || fail "reset: verdict $(flow_field 8082 verdict)"
[ "$(flow_field 8083 end)" = "['open']" ] || fail "held open: end $(flow_field 8083 end)"
[ "$(json_get "$OUT" 'len(flows)')" -eq 4 ] ||
    fail "$(json_get "$OUT" 'len(flows)') flow records, expected 4"
done_check

check "the open flow comes after SIGINT, the summary last, with drop counters"
last_two=$(json_get "$OUT" "[(o['type'], o.get('resp', {}).get('port')) for o in lines[-2:]]")
[ "$last_two" = "[('flow', 8083), ('summary', None)]" ] || fail "last two records: $last_two"
for field in kernel_drops if_drops ring_drops; do
    [ "$(json_get "$OUT" "isinstance(summary['$field'], int)")" -eq 1 ] ||
        fail "summary $field is not a number: $(json_get "$OUT" "summary.get('$field')")"
done
[ "$(json_get "$OUT" "summary['ring_drops'] + summary['kernel_drops']")" -eq 0 ] ||
    fail "packets were dropped on an idle veth"
done_check

finish
