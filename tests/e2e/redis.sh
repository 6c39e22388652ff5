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
#   - --spool-file: records a broker down at the end kept are sent first at
#     the next start, before the new ones
#   - --from-redis: a consumer group's reader prints every record of the
#     stream once, as the sensors made it, with a summary over all sensors
#     whose per-sensor counts are the sensors' own; records the stream holds
#     twice are printed once; two readers of one group share the stream,
#     each record printed by one of them; a reader's unacknowledged entries
#     are taken up by another after --claim-idle; --follow prints records
#     as they come until SIGTERM; the table and Zeek's log are the same
#     lines offline analysis prints
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

check "--spool-file: what a broker down at the end kept is sent first at the next start"
port2=$(free_port)
spool=$TMP/spool.tv
run_status=0
tv --json -r "$SAMPLES_DIR/refused-6050.pcap" --redis "redis://127.0.0.1:$port2/tv-spool" \
    --sensor first --spool-file "$spool" --sink-wait 0 >"$TMP/sp1.json" 2>"$TMP/sp1.err" ||
    run_status=$?
# Kept is not lost: the exit status is the analysis's (refused-6050 fails).
[ "$run_status" -eq 1 ] || fail "broker down: exit $run_status: $(cat "$TMP/sp1.err")"
kept=$(line_count "$TMP/sp1.json")
if [ ! -f "$spool" ] || [ "$(line_count "$spool")" -ne "$kept" ]; then
    fail "the spool file holds $(line_count "$spool" 2>/dev/null || echo no) lines, not $kept"
fi
grep -q "$kept records kept" "$TMP/sp1.err" || fail "stderr: $(cat "$TMP/sp1.err")"
# A line that is not a record, and one for a destination not given next.
printf 'not a record\n' >>"$spool"
sed -n 1p "$spool" | sed 's|redis 127.0.0.1:[0-9]*/tv-spool|redis 127.0.0.1:1/elsewhere|' >"$TMP/foreign"
cat "$TMP/foreign" >>"$spool"
redis-server --port "$port2" --bind 127.0.0.1 --save "" --dir "$TMP/redis" \
    --logfile "$TMP/redis/log2" &
redis2=$!
wait_for 5 python3 "$STREAM_PY" "$port2" "" cmd PING >/dev/null 2>&1 || fail "the second redis-server did not start"
run_status=0
tv --json -r "$SAMPLES_DIR/orphan-after-rst-8530.pcap" --redis "redis://127.0.0.1:$port2/tv-spool" \
    --sensor second --spool-file "$spool" >"$TMP/sp2.json" 2>"$TMP/sp2.err" || run_status=$?
[ "$run_status" -eq 1 ] || fail "broker back: exit $run_status: $(cat "$TMP/sp2.err")"
python3 "$STREAM_PY" "$port2" "" dump tv-spool >"$TMP/sp.dump"
problem=$(python3 - "$TMP/sp.dump" "$TMP/sp1.json" "$TMP/sp2.json" <<'PY'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
first = [l.rstrip("\n") for l in open(sys.argv[2])]
second = [l.rstrip("\n") for l in open(sys.argv[3])]
got = [e["json"] for e in entries]
bad = []
# The kept records first, in their order, then the new run's.
if got[:len(first)] != first:
    bad.append("the kept records are not the first entries")
if sorted(got[len(first):]) != sorted(second):
    bad.append("%d entries after the kept ones, %d records of the second run" % (len(got) - len(first), len(second)))
s = json.loads(second[-1])
if s["outputs"][0]["restored"] != len(first):
    bad.append("restored %d" % s["outputs"][0]["restored"])
print("; ".join(bad))
PY
)
[ -z "$problem" ] || fail "$problem"
grep -q "1 lines that are not records skipped" "$TMP/sp2.err" || fail "the bad line: $(cat "$TMP/sp2.err")"
# Only the record for a destination not given is left in the file.
if [ "$(line_count "$spool")" -ne 1 ] || ! grep -q "127.0.0.1:1/elsewhere" "$spool"; then
    fail "the spool file after: $(cut -c1-80 "$spool")"
fi
kill -9 "$redis2" 2>/dev/null || true
wait "$redis2" 2>/dev/null || true
done_check

# consumed OUT EXPECTED...: OUT (a --from-redis --json output) holds every
# flow line of the EXPECTED outputs once, and one summary whose flows and
# per-sensor counts agree. Prints a problem, or nothing.
consumed() {
    python3 - "$@" <<'PY'
import collections, json, sys
out = [l.rstrip("\n") for l in open(sys.argv[1])]
flows = [l for l in out if l.startswith('{"type":"flow"')]
summaries = [json.loads(l) for l in out if l.startswith('{"type":"summary"')]
want = []
for path in sys.argv[2:]:
    want += [l.rstrip("\n") for l in open(path) if l.startswith('{"type":"flow"')]
bad = []
if collections.Counter(flows) != collections.Counter(want):
    bad.append("%d flow lines printed, %d wanted, %d of them missing" %
               (len(flows), len(want), len(set(want) - set(flows))))
if len(summaries) != 1:
    bad.append("%d summaries" % len(summaries))
else:
    s = summaries[0]
    finals = [json.loads(l) for l in flows if '"interim":true' not in l]
    if s["flows"] != len(finals):
        bad.append("summary flows %d, %d final flow lines" % (s["flows"], len(finals)))
    for level in ("ok", "notice", "warn", "fail"):
        if s["flows_by_verdict"][level] != sum(1 for f in finals if f["verdict"] == level):
            bad.append("summary flows_by_verdict %s" % level)
    if s["stream"]["records"] != len(flows) + sum(x["summaries"] for x in s["sensors"]):
        bad.append("stream records %d, %d lines" % (s["stream"]["records"], len(flows)))
print("; ".join(bad))
PY
}

check "--from-redis: every record of three sensors once, as they printed it, and a summary over them"
run_status=0
tv_redis --from-redis "$URL/tv-a" --group all --consumer r1 --json >"$TMP/fr.json" 2>"$TMP/fr.err" ||
    run_status=$?
# refused-6050 and orphan-after-rst-8530 hold failing flows: exit 1, as offline.
[ "$run_status" -eq 1 ] || fail "exit $run_status, not 1: $(cat "$TMP/fr.err")"
problem=$(consumed "$TMP/fr.json" "$TMP/a1.json" "$TMP/a2.json" "$TMP/a3.json")
[ -z "$problem" ] || fail "$problem"
# Each sensor's row holds its own summary's counts; the totals are their sums.
problem=$(python3 - "$TMP/fr.json" "$TMP/a1.json" "$TMP/a2.json" "$TMP/a3.json" <<'PY'
import json, sys
mine = json.loads([l for l in open(sys.argv[1]) if l.startswith('{"type":"summary"')][0])
rows = {s["sensor"]: s for s in mine["sensors"]}
bad = []
total = {"packets": 0, "tcp_packets": 0, "inputs": 0}
for n, path in enumerate(sys.argv[2:], 1):
    lines = [json.loads(l) for l in open(path)]
    theirs = lines[-1]
    flows = [f for f in lines[:-1] if not f["interim"]]
    row = rows.get("s%d" % n)
    if row is None:
        bad.append("no row for s%d" % n)
        continue
    for k in total:
        total[k] += theirs[k]
        if row[k] != theirs[k]:
            bad.append("s%d %s: %d, its summary %d" % (n, k, row[k], theirs[k]))
    if row["flows"] != len(flows) or row["summaries"] != 1:
        bad.append("s%d: %d flows, %d summaries" % (n, row["flows"], row["summaries"]))
    if row["flows_by_verdict"] != theirs["flows_by_verdict"]:
        bad.append("s%d flows_by_verdict" % n)
for k, v in total.items():
    if mine[k] != v:
        bad.append("summary %s %d, the sensors' sum %d" % (k, mine[k], v))
if mine["stream"]["group"] != "all" or mine["stream"]["consumer"] != "r1":
    bad.append("stream %s" % mine["stream"])
print("; ".join(bad))
PY
)
[ -z "$problem" ] || fail "$problem"
check_contract "$TMP/fr.json" "--from-redis --json"
# Read again by the same group: nothing is left for it.
run_status=0
tv_redis --from-redis "$URL/tv-a" --group all --consumer r1 --json >"$TMP/fr2.json" 2>&1 ||
    run_status=$?
[ "$run_status" -eq 0 ] || fail "the group read again: exit $run_status"
v=$(json_get "$TMP/fr2.json" 'len(flows) == 0 and summary["stream"]["entries"] == 0')
[ "$v" = 1 ] || fail "the group read again: $(tail -c 300 "$TMP/fr2.json")"
done_check

check "--from-redis: a stream that holds every record three times prints each once"
python3 "$STREAM_PY" "$PORT" "$PASSWORD" copy tv-a tv-dup 3
run_status=0
tv_redis --from-redis "$URL/tv-dup" --group once --json >"$TMP/dup.json" 2>"$TMP/dup.err" ||
    run_status=$?
[ "$run_status" -eq 1 ] || fail "exit $run_status: $(cat "$TMP/dup.err")"
problem=$(consumed "$TMP/dup.json" "$TMP/a1.json" "$TMP/a2.json" "$TMP/a3.json")
[ -z "$problem" ] || fail "$problem"
n=$(rcmd XLEN tv-a)
v=$(json_get "$TMP/dup.json" "summary['stream']['entries'] == 3 * $n and summary['stream']['repeats'] == 2 * $n")
[ "$v" = 1 ] || fail "entries and repeats: $(json_get "$TMP/dup.json" 'summary["stream"]')"
done_check

check "--from-redis: two readers of one group share ten sensors' stream, each record printed once"
tv_redis --from-redis "$URL/tv-h" --group pair --consumer left --json >"$TMP/left.json" 2>"$TMP/left.err" &
left=$!
tv_redis --from-redis "$URL/tv-h" --group pair --consumer right --json >"$TMP/right.json" 2>"$TMP/right.err" &
right=$!
for pid in "$left" "$right"; do
    st=0
    wait "$pid" || st=$?
    [ "$st" -le 1 ] || fail "a reader exited $st: $(cat "$TMP/left.err" "$TMP/right.err")"
done
problem=$(python3 - "$TMP/left.json" "$TMP/right.json" "$(rcmd XLEN tv-h)" "${outs[@]}" <<'PY'
import collections, json, sys
sums = [json.loads([l for l in open(p) if l.startswith('{"type":"summary"')][0]) for p in sys.argv[1:3]]
flows = [l for p in sys.argv[1:3] for l in open(p) if l.startswith('{"type":"flow"')]
want = [l for p in sys.argv[4:] for l in open(p) if l.startswith('{"type":"flow"')]
bad = []
records = sum(s["stream"]["records"] for s in sums)
if records != int(sys.argv[3]):
    bad.append("the readers took %d records, the stream holds %d" % (records, int(sys.argv[3])))
if collections.Counter(flows) != collections.Counter(want):
    bad.append("%d flow lines printed in all, %d sent" % (len(flows), len(want)))
per = collections.Counter()
for s in sums:
    for row in s["sensors"]:
        per[row["sensor"]] += row["flows"]
        per[row["sensor"] + " summaries"] += row["summaries"]
for i in range(1, 11):
    if per["sensor%d" % i] != 300 or per["sensor%d summaries" % i] != 1:
        bad.append("sensor%d: %d flows, %d summaries" % (i, per["sensor%d" % i], per["sensor%d summaries" % i]))
print("; ".join(bad))
PY
)
[ -z "$problem" ] || fail "$problem"
printf 'note: left printed %s records, right %s\n' "$(json_get "$TMP/left.json" 'summary["stream"]["records"]')" \
    "$(json_get "$TMP/right.json" 'summary["stream"]["records"]')"
[ "$(rcmd HLEN tv-h:seen:pair)" = "$(rcmd XLEN tv-h)" ] || fail "the ids taken: $(rcmd HLEN tv-h:seen:pair)"
[ "$(rcmd XPENDING tv-h pair | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')" = 0 ] ||
    fail "entries left pending: $(rcmd XPENDING tv-h pair)"
done_check

check "--from-redis: a reader's unacknowledged entries are taken up by another after --claim-idle"
rcmd XGROUP CREATE tv-a crash 0 >/dev/null
# A reader that took 50 entries and died before acknowledging them.
rcmd XREADGROUP GROUP crash dead COUNT 50 STREAMS tv-a ">" >/dev/null
run_status=0
tv_redis --from-redis "$URL/tv-a" --group crash --consumer alive --claim-idle 0 --json \
    >"$TMP/claim.json" 2>"$TMP/claim.err" || run_status=$?
[ "$run_status" -eq 1 ] || fail "exit $run_status: $(cat "$TMP/claim.err")"
problem=$(consumed "$TMP/claim.json" "$TMP/a1.json" "$TMP/a2.json" "$TMP/a3.json")
[ -z "$problem" ] || fail "$problem"
v=$(json_get "$TMP/claim.json" 'summary["stream"]["claimed"] == 50')
[ "$v" = 1 ] || fail "claimed: $(json_get "$TMP/claim.json" 'summary["stream"]')"
[ "$(rcmd XPENDING tv-a crash | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')" = 0 ] ||
    fail "entries left pending: $(rcmd XPENDING tv-a crash)"
# Within --claim-idle the dead reader's entries stay its own: not printed.
rcmd XGROUP CREATE tv-a wait 0 >/dev/null
rcmd XREADGROUP GROUP wait dead COUNT 50 STREAMS tv-a ">" >/dev/null
run_status=0
tv_redis --from-redis "$URL/tv-a" --group wait --consumer alive --json >"$TMP/wait.json" 2>&1 ||
    run_status=$?
n=$(rcmd XLEN tv-a)
v=$(json_get "$TMP/wait.json" "summary['stream']['entries'] == $n - 50 and summary['stream']['claimed'] == 0")
[ "$v" = 1 ] || fail "within --claim-idle: $(json_get "$TMP/wait.json" 'summary["stream"]')"
done_check

check "--from-redis: a reader killed (kill -9) mid-stream and started again loses nothing"
# Its standard output read slowly, so that it is stopped writing, batches
# taken but not acknowledged, when it is killed.
cat >"$TMP/slow_reader.py" <<'PY'
import sys, time
out = open(sys.argv[1], "wb")
while True:
    chunk = sys.stdin.buffer.read1(4096)
    if not chunk:
        break
    out.write(chunk)
    out.flush()
    time.sleep(0.02)
PY
mkfifo "$TMP/victim.fifo"
python3 "$TMP/slow_reader.py" "$TMP/victim1.json" <"$TMP/victim.fifo" &
reader_pid=$!
TCPVERDICT_REDIS_PASSWORD=$PASSWORD "$TCPVERDICT" --from-redis "$URL/tv-h" --group crash9 \
    --consumer victim --json >"$TMP/victim.fifo" 2>"$TMP/victim1.err" &
victim=$!
some_printed() {
    [ -f "$TMP/victim1.json" ] && [ "$(wc -c <"$TMP/victim1.json")" -gt 200000 ]
}
wait_for 20 some_printed || fail "the reader printed too little: $(cat "$TMP/victim1.err")"
kill -9 "$victim" 2>/dev/null || true
wait "$victim" 2>/dev/null || true
wait "$reader_pid" || true
pending=$(rcmd XPENDING tv-h crash9 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
[ "$pending" -gt 0 ] || fail "nothing was pending when the reader died"
run_status=0
tv_redis --from-redis "$URL/tv-h" --group crash9 --consumer victim --json >"$TMP/victim2.json" \
    2>"$TMP/victim2.err" || run_status=$?
[ "$run_status" -le 1 ] || fail "started again: exit $run_status: $(cat "$TMP/victim2.err")"
problem=$(python3 - "$TMP/victim1.json" "$TMP/victim2.json" "$pending" "${outs[@]}" <<'PY'
import collections, json, sys
# The killed run's last line may be cut short: only whole lines count.
printed = [l for p in sys.argv[1:3] for l in open(p) if l.endswith("\n") and l.startswith('{"type":"flow"')]
want = collections.Counter(l for p in sys.argv[4:] for l in open(p) if l.startswith('{"type":"flow"'))
got = collections.Counter(printed)
bad = []
missing = sum((want - got).values())
if missing:
    bad.append("%d flow records never printed" % missing)
s = json.loads([l for l in open(sys.argv[2]) if l.startswith('{"type":"summary"')][0])
if s["stream"]["redelivered"] == 0 or s["stream"]["redelivered"] > int(sys.argv[3]):
    bad.append("redelivered %d, %s were pending" % (s["stream"]["redelivered"], sys.argv[3]))
print("; ".join(bad))
PY
)
[ -z "$problem" ] || fail "$problem"
printf 'note: %s entries pending at the kill, %s handed on again\n' "$pending" \
    "$(json_get "$TMP/victim2.json" 'summary["stream"]["redelivered"]')"
[ "$(rcmd XPENDING tv-h crash9 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')" = 0 ] ||
    fail "entries left pending: $(rcmd XPENDING tv-h crash9)"
done_check

check "--from-redis --follow prints records as sensors send them, until SIGTERM"
TCPVERDICT_REDIS_PASSWORD=$PASSWORD "$TCPVERDICT" --from-redis "$URL/tv-live" --group follow \
    --json --follow >"$TMP/follow.json" 2>"$TMP/follow.err" &
follow_pid=$!
group_made() {
    rcmd XINFO GROUPS tv-live 2>/dev/null | grep -q follow
}
wait_for 10 group_made || fail "the reader made no group: $(cat "$TMP/follow.err")"
tv_redis --json -r "$SAMPLES_DIR/orphan-after-rst-8530.pcap" --redis "$URL/tv-live" --sensor late \
    >"$TMP/late.json" 2>/dev/null || true
followed() {
    [ "$(grep -c '^{"type":"flow"' "$TMP/follow.json")" -ge "$(grep -c '^{"type":"flow"' "$TMP/late.json")" ]
}
wait_for 10 followed || fail "the records did not come while following: $(cat "$TMP/follow.err")"
kill -TERM "$follow_pid" 2>/dev/null || true
st=0
wait "$follow_pid" || st=$?
[ "$st" -le 1 ] || fail "exit $st after SIGTERM: $(cat "$TMP/follow.err")"
problem=$(consumed "$TMP/follow.json" "$TMP/late.json")
[ -z "$problem" ] || fail "$problem"
v=$(json_get "$TMP/follow.json" 'summary["stop_signal"] == "SIGTERM"')
[ "$v" = 1 ] || fail "the summary: $(tail -c 300 "$TMP/follow.json")"
done_check

check "--from-redis: the table and Zeek's log are the lines offline analysis prints"
for fmt in text zeek zeek-json; do
    tv --format "$fmt" -r "$SAMPLES_DIR/many-short.pcap" 2>/dev/null |
        grep -v '^#' | sed '/^$/,$d' >"$TMP/offline.$fmt" || true
    tv_redis --from-redis "$URL/tv-q-json" --group "fmt-$fmt" --format "$fmt" 2>/dev/null |
        grep -v '^#' | sed '/^$/,$d' >"$TMP/gathered.$fmt" || true
    [ "$(line_count "$TMP/offline.$fmt")" -ge 300 ] || fail "$fmt: only $(line_count "$TMP/offline.$fmt") lines offline"
    cmp -s "$TMP/offline.$fmt" "$TMP/gathered.$fmt" ||
        fail "$fmt: $(diff "$TMP/offline.$fmt" "$TMP/gathered.$fmt" | head -n 4)"
done
done_check

check "--from-redis --report writes the page of the failing flows"
tv_redis --from-redis "$URL/tv-a" --group report -q --report "$TMP/report.html" >/dev/null 2>&1 || true
grep -q "Flows at or above fail (4)" "$TMP/report.html" ||
    fail "the report: $(grep -o 'Flows at or above[^<]*' "$TMP/report.html" || echo none)"
[ "$(grep -c "A sensor's record: its packets are not here" "$TMP/report.html")" -eq 4 ] ||
    fail "the report draws flows it has no packets of"
done_check

check "--from-redis: a wrong password, a missing group, packets' options: one line and exit 2"
run_status=0
TCPVERDICT_REDIS_PASSWORD=wrong tv --from-redis "$URL/tv-a" --group g >/dev/null 2>"$TMP/w.err" ||
    run_status=$?
[ "$run_status" -eq 2 ] || fail "wrong password: exit $run_status"
grep -q WRONGPASS "$TMP/w.err" || fail "wrong password: $(cat "$TMP/w.err")"
[ "$(line_count "$TMP/w.err")" -eq 1 ] || fail "wrong password: $(cat "$TMP/w.err")"
for args in "--from-redis $URL/tv-a" "--from-redis $URL/tv-a --group g -r $SAMPLES_DIR/demo.pcap" \
    "--group g -r $SAMPLES_DIR/demo.pcap" "--from-redis redis://127.0.0.1:$(free_port)/x --group g"; do
    # shellcheck disable=SC2086
    run $args
    [ "$RUN_STATUS" -eq 2 ] || fail "$args: exit $RUN_STATUS"
    [ "$(line_count "$RUN_ERR")" -eq 1 ] || fail "$args: $(cat "$RUN_ERR")"
done
done_check

finish
