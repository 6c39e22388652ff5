#!/usr/bin/env bash
# The syslog transport against a real server: rsyslogd, run unprivileged
# with a configuration of its own, listening with imudp and imtcp on free
# ports of 127.0.0.1 and with imuxsock on a socket in the test's directory.
# tests/unit/syslog_send sends the flow records of the samples' --json
# output through sink_syslog over each of the three, each as a sensor of
# its own (one with the characters structured data escapes, one with a
# space, which HOSTNAME cannot hold). rsyslogd writes every RFC 5424 field
# it parsed, separately and JSON-escaped; the checks: every record arrived
# once, in order, with HOSTNAME the sensor, APP-NAME tcpverdict, MSGID
# flow, the structured data's id, sensor and level those of the record,
# a timestamp with microseconds, and MSG byte for byte the JSON line.
# Skipped without rsyslogd; every wait is bounded; the trap stops rsyslogd.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
RSYSLOGD=$(PATH=$PATH:/usr/sbin:/sbin command -v rsyslogd) ||
    skip "rsyslogd is needed (Debian package rsyslog)"
SEND=$top_builddir/tests/unit/syslog_send
[ -x "$SEND" ] || fatal "$SEND not found: make check builds it"

RSYSLOG_PID=
cleanup() {
    if [ -n "$RSYSLOG_PID" ]; then
        kill -TERM "$RSYSLOG_PID" 2>/dev/null || true
        wait "$RSYSLOG_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# free_ports N: N ports of 127.0.0.1, each free for TCP and UDP both, as
# the system picks them.
free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
ports = []
while len(ports) < int(sys.argv[1]):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            continue
        if port not in ports:
            ports.append(port)
print(" ".join(map(str, ports)))
EOF
}

# Records: the flow lines of a few samples, so that every level is there.
# Status 1 only says that some flow failed.
RECORDS=$TMP/flows.ndjson
status=0
(cd "$SAMPLES_DIR" && tv --json -r demo.pcap -r reordering-8530.pcap \
    -r fragments-reversed.pcap) >"$TMP/all.ndjson" 2>"$TMP/all.err" || status=$?
[ "$status" -le 1 ] || fatal "tcpverdict exited with $status: $(head -n 1 "$TMP/all.err")"
grep '^{"type":"flow"' "$TMP/all.ndjson" >"$RECORDS" || fatal "no flow records from the samples"
RECORD_COUNT=$(line_count "$RECORDS")

read -r UDP_PORT TCP_PORT <<<"$(free_ports 2)"
SOCKET=$TMP/log.sock
OUT=$TMP/received.ndjson
READY=$TMP/ready.log
CONF=$TMP/rsyslog.conf
# Records run to a few KiB; rsyslog's default limit is 8 KiB. The template
# gives each field JSON-escaped, so that spaces and quotes in it cannot
# blur where one ends. imuxsock parses with the usual parsers (RFC 5424)
# and keeps the message's HOSTNAME, as it would a relay's.
cat >"$CONF" <<EOF
global(workDirectory="$TMP" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
input(type="imudp" address="127.0.0.1" port="$UDP_PORT")
input(type="imtcp" address="127.0.0.1" port="$TCP_PORT")
input(type="imuxsock" Socket="$SOCKET" useSpecialParser="off" parseHostname="on"
      ratelimit.interval="0")
template(name="fields" type="list") {
    constant(value="{\"input\":\"")  property(name="inputname")
    constant(value="\",\"hostname\":\"") property(name="hostname" format="json")
    constant(value="\",\"app\":\"") property(name="app-name" format="json")
    constant(value="\",\"procid\":\"") property(name="procid" format="json")
    constant(value="\",\"msgid\":\"") property(name="msgid" format="json")
    constant(value="\",\"pri\":\"") property(name="pri")
    constant(value="\",\"time\":\"") property(name="timereported" dateFormat="rfc3339")
    constant(value="\",\"sd\":\"") property(name="structured-data" format="json")
    constant(value="\",\"msg\":\"") property(name="msg" format="json")
    constant(value="\"}\n")
}
template(name="input" type="string" string="%inputname%\\n")
if \$app-name == "ready" then {
    action(type="omfile" file="$READY" template="input")
    stop
}
if \$app-name == "tcpverdict" then {
    action(type="omfile" file="$OUT" template="fields")
    stop
}
action(type="omfile" file="$TMP/other.log")
EOF

"$RSYSLOGD" -f "$CONF" -i "$TMP/rsyslogd.pid" -n >"$TMP/rsyslogd.err" 2>&1 &
RSYSLOG_PID=$!

# Ready once each of the three inputs has passed a probe message on:
# probes every 0.1 s, for 10 s at most.
rsyslog_wait_ready() {
    python3 - "$UDP_PORT" "$TCP_PORT" "$SOCKET" "$READY" <<'EOF'
import os, socket, sys, time
udp_port, tcp_port, path, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
probe = b"<14>1 - - ready - - - probe"
tries = [
    (socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", udp_port), probe),
    (socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", tcp_port), b"%d %s" % (len(probe), probe)),
    (socket.AF_UNIX, socket.SOCK_DGRAM, path, probe),
]
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    for family, kind, addr, data in tries:
        try:
            with socket.socket(family, kind) as s:
                s.settimeout(1)
                s.connect(addr)
                s.sendall(data)
        except OSError:
            pass
    time.sleep(0.1)
    if os.path.exists(ready):
        with open(ready) as f:
            if {line.strip() for line in f} >= {"imudp", "imtcp", "imuxsock"}:
                sys.exit(0)
sys.exit(1)
EOF
}
if ! rsyslog_wait_ready; then
    sed 's/^/      rsyslogd: /' "$TMP/rsyslogd.err" | head -n 20
    fatal "rsyslogd did not pass messages on from all three inputs within 10 s"
fi

# Each sensor through a transport of its own.
SENSORS=(udp-probe "tcp]\"probe\\" "unix probe")
SPECS=("udp:127.0.0.1:$UDP_PORT" "tcp:127.0.0.1:$TCP_PORT" "unix:$SOCKET")
for i in 0 1 2; do
    check "records sent to ${SPECS[$i]}"
    if ! "$SEND" "${SPECS[$i]}" "${SENSORS[$i]}" <"$RECORDS" 2>"$TMP/send.err"; then
        fail "syslog_send ${SPECS[$i]}: $(head -n 1 "$TMP/send.err")"
    fi
    done_check
done

received_all() {
    [ -f "$OUT" ] && [ "$(line_count "$OUT")" -ge $((RECORD_COUNT * 3)) ]
}
check "rsyslogd wrote all $((RECORD_COUNT * 3)) records"
wait_for 10 received_all || fail "$(line_count "$OUT" 2>/dev/null || echo 0) lines in $OUT"
done_check

# check_received.py RECORDS RECEIVED REPORT_PREFIX INPUT SENSOR...: writes
# REPORT_PREFIX.INPUT for each INPUT, one line per problem, and
# REPORT_PREFIX.levels if the records miss a level.
cat >"$TMP/check_received.py" <<'PY'
import json, re, sys

records_path, received_path, prefix = sys.argv[1:4]
pairs = list(zip(sys.argv[4::2], sys.argv[5::2]))
with open(records_path, encoding="utf-8", newline="\n") as f:
    records = [line.rstrip("\n") for line in f]
with open(received_path, encoding="utf-8") as f:
    received = [json.loads(line) for line in f]

SD = re.compile(r'^\[tcpverdict@32473((?: [a-z]+="(?:[^"\\\]]|\\.)*")*)\]$')
PARAM = re.compile(r' ([a-z]+)="((?:[^"\\\]]|\\.)*)"')
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]00:00)$")


def check(got, sensor):
    hostname = re.sub(r"[^\x21-\x7e]", "_", sensor)[:255]
    bad = []
    if len(got) != len(records):
        bad.append("%d records sent, %d received" % (len(records), len(got)))
    procids = set()
    for n, (rec, g) in enumerate(zip(records, got), 1):
        where = "record %d" % n
        for field, value in (("hostname", hostname), ("app", "tcpverdict"), ("msgid", "flow")):
            if g[field] != value:
                bad.append("%s: %s %r, not %r" % (where, field, g[field], value))
        if not g["procid"].isdigit():
            bad.append("%s: procid %r" % (where, g["procid"]))
        procids.add(g["procid"])
        if not TIME.match(g["time"]):
            bad.append("%s: timestamp %r" % (where, g["time"]))
        m = SD.match(g["sd"])
        if m is None:
            bad.append("%s: structured data %r" % (where, g["sd"]))
        else:
            params = {k: re.sub(r"\\(.)", r"\1", v) for k, v in PARAM.findall(m.group(1))}
            wanted = {"id": "%s/%d" % (sensor, n), "sensor": sensor,
                      "level": json.loads(rec)["verdict"]}
            if params != wanted:
                bad.append("%s: structured data %r, not %r" % (where, params, wanted))
        if g["msg"].encode("utf-8") != rec.encode("utf-8"):
            bad.append("%s: MSG differs from the JSON line:\n  %r\n  %r"
                       % (where, g["msg"][:200], rec[:200]))
    if len(procids) > 1:
        bad.append("procid changes within one sender: %s" % sorted(procids))
    return bad


for want_input, sensor in pairs:
    bad = check([g for g in received if g["input"] == want_input], sensor)
    with open("%s.%s" % (prefix, want_input), "w") as out:
        out.writelines(b + "\n" for b in bad[:10])
levels = sorted({json.loads(rec)["verdict"] for rec in records})
with open(prefix + ".levels", "w") as out:
    if levels != ["fail", "notice", "ok", "warn"]:
        out.write("levels %s\n" % levels)
PY

INPUTS=(imudp imtcp imuxsock)
python3 "$TMP/check_received.py" "$RECORDS" "$OUT" "$TMP/report" \
    imudp "${SENSORS[0]}" imtcp "${SENSORS[1]}" imuxsock "${SENSORS[2]}" ||
    fatal "check_received.py failed"
for i in 0 1 2; do
    check "rsyslogd parsed every record from ${SPECS[$i]} back"
    if [ -s "$TMP/report.${INPUTS[$i]}" ]; then
        fail "records through ${INPUTS[$i]}:"
        sed 's/^/      /' "$TMP/report.${INPUTS[$i]}"
    fi
    done_check
done

check "every level is among the records"
[ ! -s "$TMP/report.levels" ] || fail "$(cat "$TMP/report.levels")"
done_check

# The program itself: tcpverdict --syslog over each transport, as sensor
# NAME; every record it prints with --json arrives, the summary too, with
# its id, its severity and MSG byte for byte the JSON line.
: >"$OUT"
CLI_SENSORS=(cli-udp cli-tcp cli-unix)
for i in 0 1 2; do
    check "tcpverdict --syslog ${SPECS[$i]}"
    status=0
    (cd "$SAMPLES_DIR" && tv --json -r demo.pcap -r reordering-8530.pcap \
        -r fragments-reversed.pcap --syslog "${SPECS[$i]}" --sensor "${CLI_SENSORS[$i]}" \
        --syslog-facility local3) >"$TMP/cli$i.ndjson" 2>"$TMP/cli$i.err" || status=$?
    [ "$status" -le 1 ] || fail "exit $status: $(head -n 2 "$TMP/cli$i.err")"
    done_check
done
cli_received_all() {
    [ "$(line_count "$OUT")" -ge $((3 * $(line_count "$TMP/cli0.ndjson"))) ]
}
check "rsyslogd got every record tcpverdict --syslog sent, as --json printed it, at local3 and the verdict's severity"
wait_for 10 cli_received_all || fail "$(line_count "$OUT") lines in $OUT"
if ! report=$(python3 - "$OUT" "$TMP/cli0.ndjson" "$TMP/cli1.ndjson" "$TMP/cli2.ndjson" <<'PY'
import json, re, sys
received = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
bad = []
for path, (inp, sensor) in zip(sys.argv[2:], [("imudp", "cli-udp"), ("imtcp", "cli-tcp"),
                                              ("imuxsock", "cli-unix")]):
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")]
    got = [g for g in received if g["input"] == inp]
    if [g["msg"] for g in got] != lines:
        bad.append("%s: %d records printed, %d received, or not the same"
                   % (inp, len(lines), len(got)))
        continue
    run = None
    for g, line in zip(got, lines):
        rec = json.loads(line)
        sd = dict(re.findall(r' ([a-z]+)="([^"]*)"', g["sd"]))
        if g["hostname"] != sensor or g["msgid"] != rec["type"] or sd.get("sensor") != sensor:
            bad.append("%s: hostname %r, msgid %r" % (inp, g["hostname"], g["msgid"]))
            break
        parts = sd.get("id", "").split(":")
        run = run or parts[1]
        tail = str(rec["flow_id"]) if rec["type"] == "flow" else "summary"
        if parts[:3] != [sensor, run, tail] or not re.fullmatch(r"[0-9a-f]{16}", run):
            bad.append("%s: id %r" % (inp, sd.get("id")))
            break
        if rec["type"] == "flow" and sd.get("level") != rec["verdict"]:
            bad.append("%s: level %r, verdict %r" % (inp, sd.get("level"), rec["verdict"]))
            break
        # local3 (19); err, warning, notice, informational (RFC 5424 6.2.1).
        severity = 5 if rec["type"] == "summary" else \
            {"fail": 3, "warn": 4, "notice": 5, "ok": 6}[rec["verdict"]]
        if g["pri"] != str(19 * 8 + severity):
            bad.append("%s: PRI %s for a %s record at %s" % (inp, g["pri"], rec["type"],
                                                             rec.get("verdict")))
            break
print("; ".join(bad))
PY
); then
    fail "the check failed"
fi
[ -z "$report" ] || fail "$report"
done_check

check "the summary's outputs name the destination"
grep -q '"type":"summary".*"outputs":\[{"destination":"syslog tcp:127.0.0.1:'"$TCP_PORT"'"' \
    "$TMP/cli1.ndjson" || fail "the summary's outputs do not name the destination"
done_check

finish
