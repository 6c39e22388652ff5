#!/usr/bin/env bash
# Signals while reading a file behave as they do live: SIGINT or SIGTERM stops
# the reading, every flow seen so far gets its verdict (those still open end
# "open"), the summary follows and names the signal, and the exit status is
# the verdicts' own. Only a second signal forces an exit (130 or 143), and even
# then every line written is a whole record.
#
# The input is a FIFO this test feeds: the first packets of a sample, then
# nothing more while the FIFO stays open, so tcpverdict waits in read(2). Once
# the feeder sees the FIFO drained, the signal comes; the output must then be
# that of the same packets read from a file, byte for byte, but for the
# summary's stop_signal. Every wait is bounded.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python

sample=$SAMPLES_DIR/many-short.pcap
[ -f "$sample" ] || skip "$sample not found"

feeder_pid=
tv_pid=
cleanup() {
    [ -n "$feeder_pid" ] && kill "$feeder_pid" 2>/dev/null
    [ -n "$tv_pid" ] && kill -KILL "$tv_pid" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

# feed FIFO FIRST PREFIX SOURCE: writes SOURCE's pcap header and its first FIRST
# packets to FIFO and to the file PREFIX, waits (10 s at most) until the reader
# took every byte, then a little more, touches $TMP/drained and keeps the FIFO
# open for 60 s at most, until killed.
feed() {
    python3 - "$@" <<'EOF' &
import fcntl, os, struct, sys, termios, time
fifo, first, prefix, source = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
data = open(source, "rb").read()
end = 24
for _ in range(first):
    caplen = struct.unpack_from("<I", data, end + 8)[0]
    end += 16 + caplen
open(prefix, "wb").write(data[:end])
fd = os.open(fifo, os.O_WRONLY)
view = memoryview(data[:end])
while view:
    view = view[os.write(fd, view):]
deadline = time.time() + 10
while time.time() < deadline:
    left = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    if left == 0:
        break
    time.sleep(0.01)
time.sleep(0.5)
open(os.path.join(os.path.dirname(fifo), "drained"), "w").close()
time.sleep(60)
EOF
    feeder_pid=$!
}

# wait_for FILE SECONDS: until FILE exists.
wait_for() {
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# wait_exit PID SECONDS: sets status to the exit status of PID, or 255 if it
# did not end in time.
wait_exit() {
    local i
    status=255
    for ((i = 0; i < $2 * 20; i++)); do
        if ! kill -0 "$1" 2>/dev/null; then
            status=0
            wait "$1" || status=$?
            return
        fi
        sleep 0.05
    done
}

# wait_written SECONDS: until tcpverdict has written to the FIFO open on fd 3 (it
# is then writing its records, the input read).
wait_written() {
    python3 - "$1" <<'EOF' || fail "nothing written to the output FIFO in time"
import fcntl, struct, sys, termios, time
deadline = time.time() + float(sys.argv[1])
while time.time() < deadline:
    if struct.unpack("i", fcntl.ioctl(3, termios.FIONREAD, b"\0\0\0\0"))[0] > 0:
        sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
EOF
}

# interrupted SIGNAL FIRST ARGS...: tcpverdict ARGS reading the FIFO, fed the
# first FIRST packets of the sample, then SIGNAL. Output in $TMP/out, the same
# packets as a file in $TMP/prefix.pcap, the exit status in $status.
interrupted() {
    local sig=$1 first=$2
    shift 2
    rm -f "$TMP/in.fifo" "$TMP/drained"
    mkfifo "$TMP/in.fifo"
    "$TCPVERDICT" "$@" -r "$TMP/in.fifo" >"$TMP/out" 2>"$TMP/err" &
    tv_pid=$!
    feed "$TMP/in.fifo" "$first" "$TMP/prefix.pcap" "$sample"
    if ! wait_for "$TMP/drained" 15; then
        fail "the feeder did not see the FIFO drained"
    fi
    kill "-$sig" "$tv_pid"
    wait_exit "$tv_pid" 20
    tv_pid=
    kill "$feeder_pid" 2>/dev/null || true
    wait "$feeder_pid" 2>/dev/null || true
    feeder_pid=
}

# whole_json FILE LABEL: every line of FILE is one whole JSON record (a
# failure otherwise); sets last to the type of the last one.
whole_json() {
    local report
    report=$(
        python3 - "$1" <<'EOF'
import json, sys
last = "none"
data = open(sys.argv[1], "rb").read()
if data and not data.endswith(b"\n"):
    print("bad: the output ends inside a line")
for n, line in enumerate(data.splitlines(), 1):
    try:
        last = json.loads(line)["type"]
    except ValueError:
        print("bad: line %d is not a whole JSON record" % n)
print(last)
EOF
    )
    last=${report##*$'\n'}
    if [ "$report" != "$last" ]; then
        fail "$2: ${report%$'\n'*}"
    fi
}

check "SIGINT while waiting on a FIFO: the verdicts of the packets read, then the summary"
interrupted INT 1505 --json
[ "$status" -le 1 ] || fail "exit status $status after SIGINT (expected the verdicts' 0 or 1)"
whole_json "$TMP/out" "SIGINT"
case $last in
summary) ;;
*) fail "the last record is $last, not the summary" ;;
esac
check_contract "$TMP/out" "output after SIGINT" || true
expected_status=0
"$TCPVERDICT" --json -r "$TMP/prefix.pcap" >"$TMP/expected" 2>/dev/null || expected_status=$?
[ "$status" -eq "$expected_status" ] ||
    fail "exit status $status after SIGINT, $expected_status reading the same packets from a file"
sed 's/"stop_signal":null/"stop_signal":"SIGINT"/' "$TMP/expected" >"$TMP/expected.sig"
cmp -s "$TMP/out" "$TMP/expected.sig" ||
    fail "output after SIGINT differs from the same 1505 packets read from a file"
open=$(json_get "$TMP/out" 'sum(1 for f in flows if f["end"] == "open")')
[ "$open" -gt 0 ] || fail "no flow ends open: the cut was not mid-flow"
grep -q 'stopped by SIGINT after 1505 packets' "$TMP/err" ||
    fail "stderr does not say where SIGINT stopped the reading"
done_check

check "SIGTERM with -j 3 and the text table: the same, and the summary says SIGTERM"
interrupted TERM 2203 -j 3
[ "$status" -le 1 ] || fail "exit status $status after SIGTERM"
"$TCPVERDICT" -r "$TMP/prefix.pcap" >"$TMP/expected" 2>/dev/null || true
grep -q '^  stopped by       SIGTERM' "$TMP/out" || fail "the text summary does not name SIGTERM"
diff <(grep -v '^  stopped by' "$TMP/out") "$TMP/expected" >/dev/null ||
    fail "text output after SIGTERM differs from the same packets read from a file"
done_check

check "a second SIGINT ends it with 130, after whole records only"
# Standard output is a FIFO nobody reads yet, so the records of 20000 open flows
# stall in write(2) after the first signal; the second asks for the exit, which
# waits for the record under way; then the reader drains what was written.
make_pcap "$TMP/syns.pcap" syns 20000
rm -f "$TMP/out.fifo"
mkfifo "$TMP/out.fifo"
"$TCPVERDICT" --json -r "$TMP/syns.pcap" --grace 0 >"$TMP/out.fifo" 2>/dev/null &
tv_pid=$!
exec 3<"$TMP/out.fifo"
wait_written 15
kill -INT "$tv_pid"
sleep 0.3
kill -INT "$tv_pid"
sleep 0.3
cat <&3 >"$TMP/forced"
exec 3<&-
wait_exit "$tv_pid" 20
tv_pid=
[ "$status" -eq 130 ] || fail "exit status $status after two SIGINTs (expected 130)"
whole_json "$TMP/forced" "forced exit"
[ "$last" = flow ] || fail "the forced exit wrote no flow record"
done_check

check "SIGTERM twice: 143"
rm -f "$TMP/out.fifo"
mkfifo "$TMP/out.fifo"
"$TCPVERDICT" --json -r "$TMP/syns.pcap" >"$TMP/out.fifo" 2>/dev/null &
tv_pid=$!
exec 3<"$TMP/out.fifo"
wait_written 15
kill -TERM "$tv_pid"
sleep 0.3
kill -TERM "$tv_pid"
sleep 0.3
cat <&3 >/dev/null
exec 3<&-
wait_exit "$tv_pid" 20
tv_pid=
[ "$status" -eq 143 ] || fail "exit status $status after two SIGTERMs (expected 143)"
done_check

finish
