#!/usr/bin/env bash
# packaging/systemd/tcpverdict@.service.in, made as make install makes it
# (with the binary under test), passes systemd-analyze verify without a
# word, runs what its hardening allows (systemd-analyze security: an
# exposure of 3.0 at most), and starts the binary with options the
# program takes (its ExecStart line, run with -h in place of -i).
# Skipped where systemd-analyze is missing.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not found"
IN=$top_srcdir/packaging/systemd/tcpverdict@.service.in
[ -f "$IN" ] || fatal "not found: $IN"
bindir=$(cd "$(dirname "$TCPVERDICT")" && pwd)
mkdir -p "$TMP/units"
unit=$TMP/units/tcpverdict@.service
sed -e "s|@bindir@|$bindir|g" -e "s|@sysconfdir@|$TMP/etc|g" "$IN" >"$unit"

check "systemd-analyze verify passes, with nothing on stderr"
if ! SYSTEMD_UNIT_PATH=$TMP/units: systemd-analyze verify --man=no \
    "$TMP/units/tcpverdict@lo.service" >"$TMP/verify.out" 2>&1; then
    fail "verify failed: $(cat "$TMP/verify.out")"
elif [ -s "$TMP/verify.out" ]; then
    fail "verify printed: $(cat "$TMP/verify.out")"
fi
done_check

check "the hardening leaves an exposure of 3.0 at most"
if ! SYSTEMD_UNIT_PATH=$TMP/units: systemd-analyze security --offline=yes --threshold=30 \
    "$TMP/units/tcpverdict@lo.service" >"$TMP/security.out" 2>&1; then
    fail "security: $(grep -i 'exposure' "$TMP/security.out" || tail -n 3 "$TMP/security.out")"
fi
done_check

check "the unit keeps only CAP_NET_RAW and CAP_NET_ADMIN, ambient, and restarts on failure"
for line in "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN" \
    "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN" "NoNewPrivileges=yes" \
    "ProtectSystem=strict" "PrivateTmp=yes" "Restart=on-failure" \
    "ExecReload=/bin/kill -HUP \$MAINPID"; do
    grep -qxF "$line" "$unit" || fail "missing: $line"
done
done_check

check "ExecStart names the binary under test and options it takes"
exec_line=$(sed -n 's/^ExecStart=//p' "$unit")
# shellcheck disable=SC2086 # split as systemd splits an unquoted line
set -- $exec_line
[ "$1" = "$bindir/tcpverdict" ] || fail "ExecStart runs $1"
[ "$2 $3" = "-i %I" ] || fail "ExecStart does not capture on the instance: $exec_line"
if ! "$1" -h >/dev/null; then
    fail "$1 -h failed"
fi
done_check

check "the example environment file's options are ones the program takes"
opts=$(sed -n 's/^TCPVERDICT_OPTIONS=//p' "$top_srcdir/packaging/systemd/tcpverdict.conf.example")
[ -n "$opts" ] || fail "no TCPVERDICT_OPTIONS in the example"
# Read from a file instead of -i: the options must parse, and the syslog
# socket need not exist (records wait, then the wait runs out).
make_pcap "$TMP/one.pcap" refused
# shellcheck disable=SC2086 # split as systemd splits it
run -r "$TMP/one.pcap" $opts --sink-wait 0
if [ "$RUN_STATUS" -ne 0 ] && [ "$RUN_STATUS" -ne 1 ] && [ "$RUN_STATUS" -ne 2 ]; then
    fail "status $RUN_STATUS: $(cat "$RUN_ERR")"
fi
if grep -q "try -h" "$RUN_ERR"; then
    fail "an option was refused: $(cat "$RUN_ERR")"
fi
done_check

finish
