#!/usr/bin/env bash
# End-to-end tests of the tcpverdict command line: options, errors, exit status,
# input from stdin and from several files, filters, and the JSON contract.
# Uses the bundled samples (capture-samples/), else traces of the shared corpus,
# plus a few tiny captures it writes itself where the verdict must be exact.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
find_captures

# Small captures whose verdicts follow from the contract (verdicts.md):
# a graceful close is ok; a refused SYN is fail.
CLEAN=$TMP/clean.pcap
REFUSED=$TMP/refused.pcap
MANY=$TMP/many.pcap
make_pcap "$CLEAN" clean
make_pcap "$REFUSED" refused 3
make_pcap "$MANY" syns 20000

FIRST=${CAPTURES[0]}
# The capture with the most flows is the most useful for filters and -c.
BIG=$FIRST
big_flows=-1
for cap in "${CAPTURES[@]}"; do
    run --json -r "$cap"
    n=$(json_get "$RUN_OUT" 'len(flows)')
    if [ "$n" -gt "$big_flows" ]; then
        BIG=$cap
        big_flows=$n
    fi
done

# expect_usage_error NAME ARGS...: exit 2, nothing on stdout, one stderr line
# starting "tcpverdict:".
expect_usage_error() {
    local name=$1
    shift
    check "$name: tcpverdict $*"
    run "$@"
    [ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS, expected 2"
    [ ! -s "$RUN_OUT" ] || fail "stdout is not empty: $(head -c 200 "$RUN_OUT")"
    [ "$(line_count "$RUN_ERR")" -eq 1 ] ||
        { fail "stderr has $(line_count "$RUN_ERR") lines, expected 1"; show_err; }
    head -n 1 "$RUN_ERR" | grep -q '^tcpverdict: ' ||
        { fail "stderr does not start with 'tcpverdict: '"; show_err; }
    done_check
}

expect_usage_error "unknown option" --no-such-option -r "$FIRST"
expect_usage_error "missing argument to -r" -r
expect_usage_error "missing argument to -c" -r "$FIRST" -c
expect_usage_error "missing argument to --fail-on" -r "$FIRST" --fail-on
expect_usage_error "bad number for -c" -r "$FIRST" -c ten
expect_usage_error "negative number for -c" -r "$FIRST" -c -5
check "-c -5 says it is out of range, not that it is not a number"
run -r "$FIRST" -c -5
grep -q -- "-5 is out of range" "$RUN_ERR" || { fail "message"; show_err; }
grep -q "not a number" "$RUN_ERR" && fail "still 'not a number'"
done_check
expect_usage_error "trailing junk in a number" -r "$FIRST" --max-flows 12x
expect_usage_error "bad number for --idle-timeout" -r "$FIRST" --idle-timeout soon
expect_usage_error "bad level" -r "$FIRST" --fail-on panic
expect_usage_error "missing file" -r "$TMP/does-not-exist.pcap"
expect_usage_error "file that is not a capture" -r "$top_srcdir/configure.ac"
expect_usage_error "bad filter expression" -r "$FIRST" 'tcp port port port'

# --from-redis: its own options only with it, packets' options never; a
# URL that is not one is refused before any connection.
expect_usage_error "--from-redis without --group" --from-redis redis://127.0.0.1/s
expect_usage_error "--group without --from-redis" -r "$FIRST" --group g
expect_usage_error "--follow without --from-redis" -r "$FIRST" --follow
expect_usage_error "--claim-idle without --from-redis" -r "$FIRST" --claim-idle 5
for clash in "-r $FIRST" "-i lo" "-w $TMP/x.pcap" "--ladder" "--export $TMP/x.pcap" \
    "--redis redis://127.0.0.1/t" "--syslog udp:127.0.0.1" "tcp port 80"; do
    # shellcheck disable=SC2086
    expect_usage_error "--from-redis with $clash" --from-redis redis://127.0.0.1/s --group g $clash
done
expect_usage_error "--group with a space" --from-redis redis://127.0.0.1/s --group "a b"
expect_usage_error "--consumer too long" --from-redis redis://127.0.0.1/s --group g \
    --consumer "$(printf 'c%.0s' {1..129})"
expect_usage_error "--claim-idle past a day" --from-redis redis://127.0.0.1/s --group g --claim-idle 86401
if ! "$TCPVERDICT" --from-redis redis://127.0.0.1/x --group g 2>&1 | grep -q "not available"; then
    expect_usage_error "--from-redis with a password in the URL" \
        --from-redis redis://u:secret@127.0.0.1/s --group g
    expect_usage_error "--from-redis with no stream" --from-redis redis://127.0.0.1 --group g
fi

# Every seconds option, with values whose conversion to microseconds would
# overflow (checked before converting: under clang's UBSan a conversion out
# of range would stop the run instead).
for opt in --idle-timeout --syn-timeout --linger --grace --rst-idle --stall --frag-timeout \
    --interim --stats-interval; do
    for value in 1e300 nan inf -1 -0 31536001 9300000000000 \
        18446744073709551616 "1$(printf '0%.0s' {1..400})"; do
        expect_usage_error "$opt $value" -r "$FIRST" "$opt" "$value"
    done
done

# Files named by options: regular files only, and --services-file within
# its 4 MiB cap. A FIFO with no writer must be refused at once, not waited on.
mkfifo "$TMP/fifo"
head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$TMP/services-big"
printf 'service 9000 x\0y\n' >"$TMP/services-nul"
python3 -c 'for i in range(1025): print("role 10.9.%d.%d r%d" % (i // 256, i % 256, i))' \
    >"$TMP/services-roles"
for bad in /dev/zero "$TMP/fifo" "$TMP" "$TMP/services-big" "$TMP/services-nul" \
    "$TMP/services-roles"; do
    expect_usage_error "--services-file $bad" -r "$FIRST" --services-file "$bad"
done
check "--services-file at its cap is read"
head -c $((4 * 1024 * 1024 - 17)) /dev/zero | tr '\0' '#' >"$TMP/services-full"
printf '\nservice 9000 x\n' >>"$TMP/services-full"
run -q -r "$FIRST" --services-file "$TMP/services-full"
[ "$RUN_STATUS" -le 1 ] || { fail "exit status $RUN_STATUS"; show_err; }
done_check

check "-h: exit 0, usage on stdout, shows defaults"
run -h
[ "$RUN_STATUS" -eq 0 ] || fail "exit status $RUN_STATUS"
[ ! -s "$RUN_ERR" ] || { fail "stderr is not empty"; show_err; }
grep -qi 'usage' "$RUN_OUT" || fail "no 'usage' in the -h output"
grep -qi 'default' "$RUN_OUT" || fail "the -h output shows no defaults"
for opt in -r --json -q -c --fail-on --max-flows --no-checksums --idle-timeout --version; do
    grep -q -- "$opt" "$RUN_OUT" || fail "the -h output does not mention $opt"
done
done_check

check "--version: exit 0, names the program and its version"
version=$(sed -n 's/^AC_INIT(\[tcpverdict\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
run --version
[ "$RUN_STATUS" -eq 0 ] || fail "exit status $RUN_STATUS"
grep -q "tcpverdict" "$RUN_OUT" || fail "no program name in: $(cat "$RUN_OUT")"
[ -z "$version" ] || grep -qF "$version" "$RUN_OUT" ||
    fail "version $version not in: $(cat "$RUN_OUT")"
done_check

check "--json on every capture keeps the contract"
for cap in "${CAPTURES[@]}" "$CLEAN" "$REFUSED"; do
    run --json -r "$cap"
    case $RUN_STATUS in
    0 | 1) check_contract "$RUN_OUT" "$(basename "$cap")" || true ;;
    *) fail "$(basename "$cap"): exit status $RUN_STATUS" && show_err ;;
    esac
done
done_check

check "two runs give byte-identical output (text and --json)"
for cap in "${CAPTURES[@]}"; do
    for mode in text json; do
        opts=()
        [ "$mode" = json ] && opts=(--json)
        run "${opts[@]}" -r "$cap"
        cp "$RUN_OUT" "$TMP/first"
        run "${opts[@]}" -r "$cap"
        cmp -s "$TMP/first" "$RUN_OUT" || fail "$(basename "$cap") ($mode): outputs differ"
    done
done
done_check

# A pcap file is read in place (mapped), also on stdin redirected from it;
# from a pipe it goes through libpcap's reader. All must give the same
# verdicts, summary and -w copy, with and without a filter.
check "-r - reads stdin (a file or a pipe) and gives the same output as -r FILE"
same_from_stdin() {
    local label=$1 cap=$2
    shift 2
    run "$@" -w "$TMP/copy-file.pcap" -r "$cap"
    cp "$RUN_OUT" "$TMP/from-file"
    local file_status=$RUN_STATUS
    local how
    for how in redirect pipe; do
        if [ "$how" = redirect ]; then
            run "$@" -w "$TMP/copy-stdin.pcap" -r - <"$cap"
        else
            run "$@" -w "$TMP/copy-stdin.pcap" -r - < <(cat "$cap")
        fi
        [ "$RUN_STATUS" -eq "$file_status" ] ||
            fail "$label ($how): exit status $RUN_STATUS from stdin, $file_status from the file"
        diff -u "$TMP/from-file" "$RUN_OUT" >"$TMP/diff" || {
            fail "$label ($how): stdin output differs from file output"
            head -n 20 "$TMP/diff"
        }
        cmp -s "$TMP/copy-file.pcap" "$TMP/copy-stdin.pcap" ||
            fail "$label ($how): the -w copies differ"
    done
}
same_from_stdin "text" "$FIRST"
for cap in "${CAPTURES[@]}"; do
    same_from_stdin "$(basename "$cap")" "$cap" --json
done
same_from_stdin "filter" "$BIG" --json 'tcp[13] & 4 != 0 or port 445'
same_from_stdin "-c" "$BIG" --json -c 50
done_check

check "two -r files give the flows of both"
second=$CLEAN
[ "${#CAPTURES[@]}" -gt 1 ] && second=${CAPTURES[1]}
tuples='"\n".join(sorted("%s %s %s %s" % (f["orig"]["addr"], f["orig"]["port"], f["resp"]["addr"], f["resp"]["port"]) for f in flows))'
run --json -r "$FIRST"
json_get "$RUN_OUT" "$tuples" >"$TMP/a"
run --json -r "$second"
json_get "$RUN_OUT" "$tuples" >"$TMP/b"
run --json -r "$FIRST" -r "$second"
[ "$RUN_STATUS" -le 1 ] || { fail "exit status $RUN_STATUS"; show_err; }
json_get "$RUN_OUT" "$tuples" >"$TMP/both"
sort "$TMP/a" "$TMP/b" | sed '/^$/d' >"$TMP/expected"
sed '/^$/d' "$TMP/both" | sort >"$TMP/got"
diff -u "$TMP/expected" "$TMP/got" >"$TMP/diff" || {
    fail "flows of '-r $(basename "$FIRST") -r $(basename "$second")' are not those of each file"
    head -n 20 "$TMP/diff"
}
[ "$(json_get "$RUN_OUT" 'sum(1 for o in lines if o.get("type") == "summary")')" -eq 1 ] ||
    fail "expected exactly one summary line for two files"
done_check

check "-q prints only the summary"
run --json -q -r "$BIG"
[ "$RUN_STATUS" -le 1 ] || { fail "exit status $RUN_STATUS"; show_err; }
[ "$(line_count "$RUN_OUT")" -eq 1 ] ||
    fail "--json -q printed $(line_count "$RUN_OUT") lines, expected 1"
[ "$(json_get "$RUN_OUT" 'len(lines) == 1 and lines[0].get("type") == "summary"')" -eq 1 ] ||
    fail "--json -q did not print just the summary"
q_status=$RUN_STATUS
run --json -r "$BIG"
[ "$RUN_STATUS" -eq "$q_status" ] || fail "-q changed the exit status ($q_status, without -q $RUN_STATUS)"
run -q -r "$MANY"
[ "$(line_count "$RUN_OUT")" -lt 20 ] ||
    fail "text -q printed $(line_count "$RUN_OUT") lines for 20000 flows"
done_check

check "-c N stops after N packets"
for n in 1 3; do
    run --json -c "$n" -r "$MANY"
    [ "$RUN_STATUS" -le 1 ] || { fail "-c $n: exit status $RUN_STATUS"; show_err; }
    [ "$(json_get "$RUN_OUT" 'summary["packets"]')" = "$n" ] ||
        fail "-c $n: summary says $(json_get "$RUN_OUT" 'summary.get("packets")') packets"
    [ "$(json_get "$RUN_OUT" 'len(flows)')" = "$n" ] ||
        fail "-c $n: $(json_get "$RUN_OUT" 'len(flows)') flows from $n SYNs on distinct ports"
done
run --json -r "$BIG"
if [ "$(json_get "$RUN_OUT" 'summary["packets"]')" -gt 5 ]; then
    run --json -c 5 -r "$BIG"
    [ "$(json_get "$RUN_OUT" 'summary["packets"]')" = 5 ] ||
        fail "-c 5 on $(basename "$BIG"): summary says $(json_get "$RUN_OUT" 'summary.get("packets")') packets"
fi
done_check

check "a BPF expression filters packets"
run --json -r "$BIG"
all_flows=$(json_get "$RUN_OUT" 'len(flows)')
port=$(json_get "$RUN_OUT" 'flows[0]["resp"]["port"]')
keep="f['orig']['port'] == $port or f['resp']['port'] == $port"
want=$(json_get "$RUN_OUT" "sum(1 for f in flows if $keep)")
run --json -r "$BIG" tcp port "$port"
[ "$RUN_STATUS" -le 1 ] || { fail "exit status $RUN_STATUS"; show_err; }
[ "$(json_get "$RUN_OUT" "all($keep for f in flows)")" -eq 1 ] ||
    fail "'tcp port $port' let through flows on other ports"
got=$(json_get "$RUN_OUT" 'len(flows)')
[ "$got" -eq "$want" ] || fail "'tcp port $port': $got flows, expected $want of $all_flows"
run --json -r "$BIG" tcp port 1
[ "$(json_get "$RUN_OUT" 'len(flows)')" -eq 0 ] || fail "'tcp port 1' let flows through"
[ "$RUN_STATUS" -eq 0 ] || fail "'tcp port 1': exit status $RUN_STATUS with no flows"
done_check

check "--fail-on: exit 1 exactly when a flow is at or above the level"
run --json -r "$CLEAN"
[ "$(json_get "$RUN_OUT" '[f["verdict"] for f in flows]')" = "['ok']" ] ||
    fail "a clean handshake, exchange and close is not one ok flow: $(head -n 1 "$RUN_OUT")"
run --json -r "$REFUSED"
[ "$(json_get "$RUN_OUT" 'sorted(set(f["verdict"] for f in flows))')" = "['fail']" ] ||
    fail "refused connection attempts are not all fail: $(head -n 1 "$RUN_OUT")"
for level in ok notice warn fail; do
    run -r "$CLEAN" --fail-on "$level"
    want=0
    [ "$level" = ok ] && want=1
    [ "$RUN_STATUS" -eq "$want" ] ||
        fail "clean capture, --fail-on $level: exit $RUN_STATUS, expected $want"
    run -r "$REFUSED" --fail-on "$level"
    [ "$RUN_STATUS" -eq 1 ] || fail "refused capture, --fail-on $level: exit $RUN_STATUS, expected 1"
done
run -r "$CLEAN"
[ "$RUN_STATUS" -eq 0 ] || fail "clean capture, default level: exit $RUN_STATUS, expected 0"
run -r "$REFUSED"
[ "$RUN_STATUS" -eq 1 ] || fail "refused capture, default level: exit $RUN_STATUS, expected 1"
# On real captures the exit status must agree with the verdicts printed.
levels="['ok', 'notice', 'warn', 'fail']"
for cap in "${CAPTURES[@]}"; do
    run --json -r "$cap"
    worst=$(json_get "$RUN_OUT" "max([$levels.index(f['verdict']) for f in flows], default=-1)")
    rank=0
    for level in ok notice warn fail; do
        want=0
        [ "$worst" -ge "$rank" ] && want=1
        rank=$((rank + 1))
        run -q -r "$cap" --fail-on "$level"
        [ "$RUN_STATUS" -eq "$want" ] ||
            fail "$(basename "$cap"), --fail-on $level: exit $RUN_STATUS, expected $want"
    done
done
done_check

check "refused attempts from distinct ports are distinct flows"
run --json -r "$REFUSED"
[ "$(json_get "$RUN_OUT" 'len(flows)')" -eq 3 ] ||
    fail "3 refused attempts on distinct ports gave $(json_get "$RUN_OUT" 'len(flows)') flows"
done_check

check "closing the output early (| head -1) is quiet"
for mode in text json; do
    opts=()
    [ "$mode" = json ] && opts=(--json)
    set +o pipefail
    "$TCPVERDICT" "${opts[@]}" -r "$MANY" 2>"$TMP/pipe.err" | head -n 1 >"$TMP/pipe.out"
    set -o pipefail
    [ "$(line_count "$TMP/pipe.out")" -eq 1 ] || fail "$mode: head got no line"
    [ ! -s "$TMP/pipe.err" ] || {
        fail "$mode: messages on stderr after the reader went away:"
        head -n 3 "$TMP/pipe.err"
    }
done
done_check

check "-v is accepted and keeps the verdicts"
run --json -r "$FIRST"
cp "$RUN_OUT" "$TMP/plain"
plain_status=$RUN_STATUS
run --json -v -r "$FIRST"
[ "$RUN_STATUS" -eq "$plain_status" ] || fail "exit status $RUN_STATUS with -v, $plain_status without"
[ "$(json_get "$RUN_OUT" 'len(flows)')" = "$(json_get "$TMP/plain" 'len(flows)')" ] ||
    fail "-v changed the number of flows"
done_check

check "the text summary from a pipe does not speak of files"
RUN_STATUS=0
"$TCPVERDICT" -q -r - <"$FIRST" >"$RUN_OUT" 2>"$RUN_ERR" || RUN_STATUS=$?
grep -q "(files)" "$RUN_OUT" && fail "says (files) on a pipe"
grep -q "^  drops  *none (not a live capture)" "$RUN_OUT" || fail "no drops line"
grep -q "^  detail lost  *none" "$RUN_OUT" || fail "no detail line"
done_check

finish
