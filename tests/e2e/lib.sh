# shellcheck shell=bash disable=SC2034
# Shared helpers for the script tests (tests/e2e, tests/golden).
# Source it from bash; it reads top_srcdir, top_builddir and TCPVERDICT from the
# environment (make check sets them) and falls back to paths relative to this file.
#
#   fail MSG       record a failed check and go on; finish reports it
#   fatal MSG      stop the test now (exit 1)
#   skip MSG       stop the test as skipped (exit 77, the automake convention)
#   run ARGS...    run $TCPVERDICT ARGS; fills $RUN_OUT, $RUN_ERR (file names), $RUN_STATUS
#   wait_for SECONDS CMD...   poll CMD every 0.1 s until it succeeds (status 1 if never)
#   check_contract FILE   run the JSON contract checker on FILE (skipped with a note if absent)
#   check NAME ... done_check   one ok/FAIL line per named check
#   finish         summary line; exit 1 if any check failed
#   json_get FILE EXPR    a Python expression over an NDJSON output
#   make_pcap FILE KIND   write a small capture whose verdicts are known
#   find_captures  CAPTURES=(samples, else corpus traces); skips if neither
#   testlist_entries, golden_run   the golden tests' TESTLIST and one run

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${TCPVERDICT:=$top_builddir/src/tcpverdict}"
export top_srcdir top_builddir TCPVERDICT

SAMPLES_DIR=$top_srcdir/capture-samples
SHARED_DIR=$top_srcdir/../shared
CORPUS_DIR=$SHARED_DIR/corpus
CONTRACT_CHECKER=$SHARED_DIR/tools/check-contract.py

TEST_NAME=$(basename "$0")
FAILURES=0
CHECKS=0

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tcpverdict-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
RUN_OUT=$TMP/run.out
RUN_ERR=$TMP/run.err
RUN_STATUS=0

fail() {
    FAILURES=$((FAILURES + 1))
    printf 'FAIL: %s\n' "$*"
}

fatal() {
    printf '%s: FATAL: %s\n' "$TEST_NAME" "$*" >&2
    exit 1
}

# The reason goes to the log and, under make check (AM_TESTS_FD_REDIRECT
# opens descriptor 9 on make's stderr), to the terminal too, so that a
# skipped test says why where it is seen.
skip() {
    printf '%s: SKIP: %s\n' "$TEST_NAME" "$*"
    if { true >&9; } 2>/dev/null; then
        printf '%s: SKIP: %s\n' "$TEST_NAME" "$*" >&9
    fi
    exit 77
}

pass() {
    printf 'ok: %s\n' "$*"
}

# Counts one named check; "check NAME" then any fail calls, then "done_check".
# Keeps the output readable: one ok/FAIL line per check.
check() {
    CHECKS=$((CHECKS + 1))
    CHECK_NAME=$1
    CHECK_FAILURES_BEFORE=$FAILURES
}

done_check() {
    if [ "$FAILURES" -eq "$CHECK_FAILURES_BEFORE" ]; then
        pass "$CHECK_NAME"
    else
        printf '      in check: %s\n' "$CHECK_NAME"
    fi
}

finish() {
    printf '%s: %d checks, %d failures\n' "$TEST_NAME" "$CHECKS" "$FAILURES"
    [ "$FAILURES" -eq 0 ]
}

require_binary() {
    [ -x "$TCPVERDICT" ] || fatal "binary not found or not executable: $TCPVERDICT"
}

require_python() {
    command -v python3 >/dev/null 2>&1 || skip "python3 is needed"
}

# tv ARGS...: the binary under test. TEST_MAX_FLOWS=N puts "--max-flows N"
# before the arguments (a later --max-flows wins). The sanitizers' calloc
# clears the whole of the default table, about 150 MB, on every run: 0.5 s
# under ASan, 3.7 s under TSan. No capture the tests read holds 20000 flows
# at once, so a table of 65536 changes no output.
tv() {
    if [ -n "${TEST_MAX_FLOWS:-}" ]; then
        "$TCPVERDICT" --max-flows "$TEST_MAX_FLOWS" "$@"
    else
        "$TCPVERDICT" "$@"
    fi
}

# run ARGS...: never stops the test on a non-zero status.
run() {
    RUN_STATUS=0
    tv "$@" >"$RUN_OUT" 2>"$RUN_ERR" || RUN_STATUS=$?
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s; 0 once it succeeds.
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

# Prints stderr of the last run, indented, for failure messages.
show_err() {
    sed 's/^/      stderr: /' "$RUN_ERR" | head -n 5
}

line_count() {
    wc -l <"$1" | tr -d ' '
}

have_contract_checker() {
    [ -f "$CONTRACT_CHECKER" ]
}

# check_contract FILE [LABEL]: 0 if the output keeps the JSON contract.
check_contract() {
    local file=$1 label=${2:-$1}
    if ! have_contract_checker; then
        printf 'note: %s not found; contract check skipped for %s\n' \
            "$CONTRACT_CHECKER" "$label"
        return 0
    fi
    local report
    if ! report=$(python3 "$CONTRACT_CHECKER" <"$file" 2>&1); then
        fail "contract check on $label:"
        printf '%s\n' "$report" | head -n 20 | sed 's/^/      /'
        return 1
    fi
    return 0
}

# json_get FILE EXPR: evaluates a Python expression over the parsed lines of an
# NDJSON file. Names available: flows (list of flow objects), summary (the
# summary object or None), lines (every object).
json_get() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
flows = [o for o in lines if o.get("type") == "flow"]
summaries = [o for o in lines if o.get("type") == "summary"]
summary = summaries[-1] if summaries else None
value = eval(sys.argv[2])
print(value if not isinstance(value, bool) else int(value))
EOF
}

# make_pcap FILE KIND [COUNT]: writes a small, valid Ethernet/IPv4 capture with
# correct checksums, so that a test knows exactly what the verdicts must be.
#   clean    one connection: handshake, 100 bytes each way, FIN both ways (ok)
#   refused  COUNT connection attempts, each answered by RST/ACK (fail: refused)
#   syns     COUNT unanswered SYNs to distinct ports (plenty of flows, small file)
make_pcap() {
    python3 - "$@" <<'EOF'
import struct, sys

path, kind = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF

def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    csum = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    total_len = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total_len, 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp + payload

packets = []
def add(*args, **kwargs):
    packets.append(frame(*args, **kwargs))

if kind == "clean":
    c, s, cp, sp = 1000, 5000, 40000, 8080
    data = b"x" * 100
    add(CLIENT, SERVER, cp, sp, c, 0, SYN)
    add(SERVER, CLIENT, sp, cp, s, c + 1, SYN | ACK)
    add(CLIENT, SERVER, cp, sp, c + 1, s + 1, ACK)
    add(CLIENT, SERVER, cp, sp, c + 1, s + 1, PSH | ACK, data)
    add(SERVER, CLIENT, sp, cp, s + 1, c + 101, PSH | ACK, data)
    add(CLIENT, SERVER, cp, sp, c + 101, s + 101, FIN | ACK)
    add(SERVER, CLIENT, sp, cp, s + 101, c + 102, FIN | ACK)
    add(CLIENT, SERVER, cp, sp, c + 102, s + 102, ACK)
elif kind == "refused":
    for i in range(count):
        cp, seq = 41000 + i, 7000 + i * 1000
        add(CLIENT, SERVER, cp, 6050, seq, 0, SYN)
        add(SERVER, CLIENT, 6050, cp, 0, seq + 1, RST | ACK)
elif kind == "syns":
    for i in range(count):
        add(CLIENT, SERVER, 1024 + i % 60000, 80, 1000 + i, 0, SYN)
else:
    sys.exit("make_pcap: unknown kind " + kind)

with open(path, "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for n, pkt in enumerate(packets):
        ts_us = 1700000000 * 10**6 + n * 1000
        out.write(struct.pack("<IIII", ts_us // 10**6, ts_us % 10**6, len(pkt), len(pkt)))
        out.write(pkt)
EOF
}

# find_captures: sets CAPTURES to the real captures a test may use: the bundled
# samples, else a few of the shared corpus traces. Skips the test if neither is there.
find_captures() {
    CAPTURES=()
    local f
    for f in "$SAMPLES_DIR"/*.pcap "$SAMPLES_DIR"/*.pcapng; do
        [ -f "$f" ] && CAPTURES+=("$f")
    done
    if [ "${#CAPTURES[@]}" -eq 0 ]; then
        for f in http_get.pcap ssh_ssh.pcap wikipedia.pcap ldap_simpleauth.pcap \
            modbus_modbus-and-non-modbus-p502.pcap; do
            [ -f "$CORPUS_DIR/zeek/$f" ] && CAPTURES+=("$CORPUS_DIR/zeek/$f")
        done
    fi
    [ "${#CAPTURES[@]}" -gt 0 ] ||
        skip "no captures: neither $SAMPLES_DIR nor $CORPUS_DIR/zeek has any"
}

# Golden tests (tests/golden): TESTLIST holds "name sample options..." lines.
GOLDEN_DIR=$top_srcdir/tests/golden
TESTLIST=$GOLDEN_DIR/TESTLIST

# testlist_entries: the TESTLIST lines without comments and blank lines.
testlist_entries() {
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "$TESTLIST"
}

# golden_run OUT SAMPLE OPTIONS...: runs one golden test into OUT; returns the
# exit status. Runs inside capture-samples/ with the sample's relative name, so
# the output cannot depend on where the source tree is.
golden_run() {
    local out=$1 sample=$2
    shift 2
    local status=0
    (cd "$SAMPLES_DIR" && tv --json -r "$sample" "$@") \
        >"$out" 2>"$out.err" || status=$?
    return "$status"
}
