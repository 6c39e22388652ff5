#!/usr/bin/env bash
# --graph: the SVG time-sequence graphs of every flow of every sample, parsed
# as XML and checked against tshark's reading of the same packets
# (check_svg.py). Skipped (77) without tshark.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

require_binary
require_python
command -v tshark >/dev/null 2>&1 || skip "tshark is needed"

here=$top_srcdir/tests/graph
for capture in "$SAMPLES_DIR"/*.pcap; do
    name=$(basename "$capture" .pcap)
    # Its fragments overlap: tcpverdict discards such a datagram, as the
    # Linux stack does, where Wireshark puts it together.
    [ "$name" = fragment-overlap-8530 ] && continue
    check "graphs of $name"
    if ! python3 "$here/check_svg.py" --tcpverdict "$TCPVERDICT" "$capture" >"$TMP/out" 2>&1; then
        fail "$name"
        head -n 20 "$TMP/out" | sed 's/^/      /'
    fi
    done_check
done

check "--graph into a directory that cannot be made: exit 2, one line"
run -q --graph /proc/no/such/dir -r "$SAMPLES_DIR/refused-6050.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS"
grep -c 'graph' "$RUN_ERR" | grep -qx 1 || fail "stderr: $(cat "$RUN_ERR")"
done_check

check "--graph from standard input: exit 2"
run --graph "$TMP/g" -r - <"$SAMPLES_DIR/refused-6050.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS"
done_check

finish
