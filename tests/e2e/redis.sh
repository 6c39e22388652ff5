#!/usr/bin/env bash
# --redis against a real redis-server, started here on a loopback port with
# a password and an append-only file:
#   - every flow of several captures arrives exactly once (by id), with the
#     record exactly as --json prints it, and a summary per run; standard
#     output is the same with and without --redis
#   - the broker killed (kill -9) and restarted in the middle of a slow feed:
#     nothing is lost, and the summary counts the reconnection; SIGHUP makes
#     the sensor reconnect, and loses nothing either
#   - a wrong password, a user without the right and a key of another type
#     are a clear error and exit 2; a password in the URL is refused
#   - with the broker down, the spool cap is honoured and what it dropped is
#     counted, said on stderr and exit 2
#   - ten sensors publishing at once into one stream: every record once
# Skipped where redis-server is missing.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
command -v redis-server >/dev/null 2>&1 || skip "redis-server not found"
"$TCPVERDICT" --redis redis://127.0.0.1/x -r /dev/null 2>&1 | grep -q "not available" &&
    skip "this build has no --redis"

HERE=$top_srcdir/tests/e2e
STREAM_PY=$HERE/redis_stream.py
PASSWORD=tv-test-$$
REDIS_PID=

cleanup() {
    if [ -n "$REDIS_PID" ]; then
        kill -9 "$REDIS_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
URL=redis://127.0.0.1:$PORT
mkdir -p "$TMP/redis"

# start_redis: in the foreground of a background job, so that $! is its pid;
# waits up to 5 s for it to answer.
start_redis() {
    redis-server --port "$PORT" --bind 127.0.0.1 --requirepass "$PASSWORD" \
        --appendonly yes --appendfsync everysec --save "" --dir "$TMP/redis" \
        --logfile "$TMP/redis/log" &
    REDIS_PID=$!
    wait_for 5 rcmd PING >/dev/null 2>&1 ||
        fatal "redis-server did not start: $(tail -n 3 "$TMP/redis/log")"
}

rcmd() {
    python3 "$STREAM_PY" "$PORT" "$PASSWORD" cmd "$@"
}

dump() {
    python3 "$STREAM_PY" "$PORT" "$PASSWORD" dump "$1"
}

# tv_redis ARGS...: the binary with the password in its environment.
tv_redis() {
    TCPVERDICT_REDIS_PASSWORD=$PASSWORD tv "$@"
}

# compare_stream STREAM OUT...: each OUT (a run's --json output) arrived in
# STREAM once: every flow line as an entry of type flow, byte for byte,
# the summary as an entry of type summary, ids unique per record; nothing
# else in the stream. Prints a problem, or nothing.
compare_stream() {
    local stream=$1
    shift
    dump "$stream" >"$TMP/dump.json"
    python3 - "$TMP/dump.json" "$@" <<'PY'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
by_id = {}
for e in entries:
    by_id.setdefault(e["id"], []).append(e)
want = []
for path in sys.argv[2:]:
    for line in open(path):
        rec = json.loads(line)
        want.append((rec["type"], line.rstrip("\n")))
problems = []
seen = [e["json"] for es in by_id.values() for e in es[:1]]
got = sorted((e["type"], e["json"]) for es in by_id.values() for e in es[:1])
if sorted(want) != got:
    missing = len([w for w in want if w not in got])
    problems.append("%d records in the outputs, %d distinct ids in the stream, %d records "
                    "missing from it" % (len(want), len(by_id), missing))
for e in entries:
    parts = e["id"].split(":")
    rec = json.loads(e["json"])
    if e["type"] != rec["type"] or parts[0] != e["sensor"]:
        problems.append("entry %s: type or sensor does not match its id or record" % e["entry"])
        break
    if e["type"] == "flow" and not rec.get("interim") and parts[2] != str(rec["flow_id"]):
        problems.append("entry %s: id %s is not flow %s's" % (e["entry"], e["id"], rec["flow_id"]))
        break
print("; ".join(problems))
PY
}

start_redis

check "the records of three captures arrive once each, as --json prints them"
outs=()
n=0
for cap in refused-6050 orphan-after-rst-8530 many-short; do
    n=$((n + 1))
    run_status=0
    TCPVERDICT_REDIS_PASSWORD=$PASSWORD tv --json -r "$SAMPLES_DIR/$cap.pcap" \
        --redis "$URL/tv-a" --sensor "s$n" >"$TMP/a$n.json" 2>"$TMP/a$n.err" ||
        run_status=$?
    [ "$run_status" -le 1 ] || fail "$cap: exit $run_status: $(cat "$TMP/a$n.err")"
    outs+=("$TMP/a$n.json")
done
problem=$(compare_stream tv-a "${outs[@]}")
[ -z "$problem" ] || fail "$problem"
done_check

check "standard output is the same with and without --redis, but the summary's outputs"
tv --json -r "$SAMPLES_DIR/many-short.pcap" >"$TMP/plain.json" || true
grep -v '"type":"summary"' "$TMP/a3.json" >"$TMP/a3.flows"
grep -v '"type":"summary"' "$TMP/plain.json" >"$TMP/plain.flows"
cmp -s "$TMP/a3.flows" "$TMP/plain.flows" || fail "the flow records differ"
v=$(json_get "$TMP/a3.json" 'summary["outputs"][0]["sent"] == len(flows) and summary["outputs"][0]["destination"] == "redis 127.0.0.1:'"$PORT"'/tv-a"')
[ "$v" = 1 ] || fail "the summary's outputs: $(json_get "$TMP/a3.json" 'summary.get("outputs")')"
check_contract "$TMP/a3.json" "a run with --redis"
done_check

check "with -q, the records go to the stream alone, in the table's format and in JSON's"
for fmt in text json; do
    run_status=0
    TCPVERDICT_REDIS_PASSWORD=$PASSWORD tv -q --format "$fmt" -r "$SAMPLES_DIR/many-short.pcap" \
        --redis "$URL/tv-q-$fmt" >"$TMP/q-$fmt.out" 2>"$TMP/q-$fmt.err" || run_status=$?
    [ "$run_status" -le 1 ] || fail "-q --format $fmt: exit $run_status: $(cat "$TMP/q-$fmt.err")"
    # The flows as --json printed them without -q; a summary of the run's own.
    dump "tv-q-$fmt" >"$TMP/q-$fmt.dump"
    problem=$(python3 - "$TMP/q-$fmt.dump" "$TMP/plain.json" <<'PY'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
want = sorted(l.rstrip("\n") for l in open(sys.argv[2]) if l.startswith('{"type":"flow"'))
got = sorted(e["json"] for e in entries if e["type"] == "flow")
summaries = [e for e in entries if e["type"] == "summary"]
ids = [e["id"] for e in entries]
bad = []
if got != want:
    bad.append("%d flows in the stream, %d printed without -q" % (len(got), len(want)))
if len(summaries) != 1 or len(set(ids)) != len(ids):
    bad.append("%d summaries, %d ids for %d entries" % (len(summaries), len(set(ids)), len(ids)))
print("; ".join(bad))
PY
)
    [ -z "$problem" ] || fail "-q --format $fmt: $problem"
    [ "$(grep -c . "$TMP/q-$fmt.out")" -gt 0 ] || fail "-q --format $fmt: no summary on stdout"
    if grep -q '"type":"flow"' "$TMP/q-$fmt.out"; then
        fail "-q --format $fmt: flow records on stdout"
    fi
done
done_check

check "a broker killed (kill -9) and restarted during a slow feed loses nothing"
python3 "$HERE/slow_feed.py" 120 6 |
    TCPVERDICT_REDIS_PASSWORD=$PASSWORD tv --json --linger 0 -r - --redis "$URL/tv-b" \
        --sensor slow --sink-wait 30 >"$TMP/b.json" 2>"$TMP/b.err" &
sensor_pid=$!
# Wait for records to arrive, then kill the broker; restart it 1 s later.
some_arrived() {
    [ "$(rcmd XLEN tv-b 2>/dev/null || echo 0)" -gt 5 ]
}
wait_for 10 some_arrived || fail "no record arrived before the kill"
kill -9 "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=
sleep 1
start_redis
b_status=0
wait "$sensor_pid" || b_status=$?
[ "$b_status" -le 1 ] || fail "the sensor exited $b_status: $(cat "$TMP/b.err")"
problem=$(compare_stream tv-b "$TMP/b.json")
[ -z "$problem" ] || fail "$problem"
if ! grep -q "connection lost" "$TMP/b.err" || ! grep -q "connected again" "$TMP/b.err"; then
    fail "stderr did not say the connection was lost, then back: $(cat "$TMP/b.err")"
fi
v=$(json_get "$TMP/b.json" 'summary["outputs"][0]["connects"] >= 2')
[ "$v" = 1 ] || fail "the summary does not count the reconnection: $(json_get "$TMP/b.json" 'summary["outputs"]')"
done_check

check "SIGHUP during a slow feed: the sensor reconnects, and nothing is lost"
# The binary itself in the background, not tv's subshell, so that $! is it.
mkfifo "$TMP/hup.fifo"
python3 "$HERE/slow_feed.py" 60 4 >"$TMP/hup.fifo" &
TCPVERDICT_REDIS_PASSWORD=$PASSWORD "$TCPVERDICT" ${TEST_MAX_FLOWS:+--max-flows "$TEST_MAX_FLOWS"} \
    --json --linger 0 -r "$TMP/hup.fifo" --redis "$URL/tv-hup" --sensor hup \
    >"$TMP/hup.json" 2>"$TMP/hup.err" &
hup_pid=$!
hup_started() {
    [ "$(rcmd XLEN tv-hup 2>/dev/null || echo 0)" -gt 0 ]
}
wait_for 10 hup_started || fail "no record arrived before SIGHUP"
kill -HUP "$hup_pid"
hup_status=0
wait "$hup_pid" || hup_status=$?
[ "$hup_status" -le 1 ] || fail "exit $hup_status after SIGHUP: $(cat "$TMP/hup.err")"
grep -q "reconnecting, as asked" "$TMP/hup.err" || fail "stderr: $(cat "$TMP/hup.err")"
v=$(json_get "$TMP/hup.json" 'summary["outputs"][0]["connects"] >= 2')
[ "$v" = 1 ] || fail "one connection only: $(json_get "$TMP/hup.json" 'summary["outputs"]')"
problem=$(compare_stream tv-hup "$TMP/hup.json")
[ -z "$problem" ] || fail "$problem"
done_check

check "a wrong password is one clear line on stderr and exit 2"
run_status=0
TCPVERDICT_REDIS_PASSWORD=wrong tv -q -r "$SAMPLES_DIR/refused-6050.pcap" --redis "$URL/tv-c" \
    >/dev/null 2>"$TMP/c.err" || run_status=$?
[ "$run_status" -eq 2 ] || fail "exit $run_status, not 2"
grep -q "WRONGPASS" "$TMP/c.err" || fail "stderr does not say why: $(cat "$TMP/c.err")"
[ "$(rcmd XLEN tv-c)" = 0 ] || fail "records were added with a wrong password"
done_check

check "a password in the URL is refused before anything is read (exit 2)"
run -q -r "$SAMPLES_DIR/refused-6050.pcap" --redis "redis://u:$PASSWORD@127.0.0.1:$PORT/tv-c"
[ "$RUN_STATUS" -eq 2 ] || fail "exit $RUN_STATUS"
grep -q "no password in the URL" "$RUN_ERR" || fail "stderr: $(cat "$RUN_ERR")"
[ "$(wc -l <"$RUN_ERR")" -eq 1 ] || fail "more than one line on stderr"
done_check

check "an ACL user: allowed, the records arrive; without the right to XADD, exit 2"
rcmd ACL SETUSER tvsensor on ">$PASSWORD" "~tv-*" +xadd +ping >/dev/null
rcmd ACL SETUSER tvreader on ">$PASSWORD" "~tv-*" +xrange +ping >/dev/null
run_status=0
TCPVERDICT_REDIS_PASSWORD=$PASSWORD tv --json -r "$SAMPLES_DIR/refused-6050.pcap" \
    --redis "redis://tvsensor@127.0.0.1:$PORT/tv-d" >"$TMP/d.json" 2>"$TMP/d.err" ||
    run_status=$?
[ "$run_status" -le 1 ] || fail "tvsensor: exit $run_status: $(cat "$TMP/d.err")"
problem=$(compare_stream tv-d "$TMP/d.json")
[ -z "$problem" ] || fail "tvsensor: $problem"
printf '%s\n' "$PASSWORD" >"$TMP/password"
run_status=0
tv -q -r "$SAMPLES_DIR/refused-6050.pcap" --redis "redis://tvreader@127.0.0.1:$PORT/tv-e" \
    --redis-password-file "$TMP/password" >/dev/null 2>"$TMP/e.err" || run_status=$?
[ "$run_status" -eq 2 ] || fail "tvreader: exit $run_status, not 2"
grep -q "NOPERM" "$TMP/e.err" || fail "tvreader: stderr does not say why: $(cat "$TMP/e.err")"
done_check

check "a key that is not a stream is a clear error and exit 2"
rcmd SET tv-f "a string" >/dev/null
run_status=0
tv_redis -q -r "$SAMPLES_DIR/refused-6050.pcap" --redis "$URL/tv-f" >/dev/null 2>"$TMP/f.err" ||
    run_status=$?
[ "$run_status" -eq 2 ] || fail "exit $run_status, not 2"
grep -q "WRONGTYPE" "$TMP/f.err" || fail "stderr does not say why: $(cat "$TMP/f.err")"
done_check

check "with the broker down, the spool cap is honoured and its drops counted (exit 2)"
down=$(free_port)
run_status=0
tv_redis --json -r "$SAMPLES_DIR/many-short.pcap" --redis "redis://127.0.0.1:$down/tv-g" \
    --spool-size 65536 --sink-wait 0 >"$TMP/g.json" 2>"$TMP/g.err" || run_status=$?
[ "$run_status" -eq 2 ] || fail "exit $run_status, not 2"
v=$(json_get "$TMP/g.json" 'summary["outputs"][0]["dropped_spool_full"] > 0 and summary["outputs"][0]["spool_peak_bytes"] <= 65536 and summary["outputs"][0]["sent"] == 0')
[ "$v" = 1 ] || fail "the summary's outputs: $(json_get "$TMP/g.json" 'summary["outputs"]')"
grep -q "dropped: spool full" "$TMP/g.err" || fail "stderr: $(cat "$TMP/g.err")"
done_check

check "ten sensors at once into one stream: every record once"
pids=()
for i in $(seq 10); do
    TCPVERDICT_REDIS_PASSWORD=$PASSWORD tv --json -r "$SAMPLES_DIR/many-short.pcap" \
        --redis "$URL/tv-h" --sensor "sensor$i" >"$TMP/h$i.json" 2>"$TMP/h$i.err" &
    pids+=($!)
done
outs=()
for i in $(seq 10); do
    st=0
    wait "${pids[$((i - 1))]}" || st=$?
    [ "$st" -le 1 ] || fail "sensor$i: exit $st: $(cat "$TMP/h$i.err")"
    outs+=("$TMP/h$i.json")
done
problem=$(compare_stream tv-h "${outs[@]}")
[ -z "$problem" ] || fail "$problem"
want=$((10 * $(line_count "$TMP/h1.json")))
[ "$(rcmd XLEN tv-h)" = "$want" ] || fail "XLEN $(rcmd XLEN tv-h), not $want"
done_check

finish
