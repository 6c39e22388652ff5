#!/usr/bin/env bash
# End-to-end tests of encapsulations through the real binary: packets inside
# an encapsulation nothing decodes make the input unreadable (exit 2) when
# they are all there is, and a warning with the count when they are not;
# -v names where each flow was found; a filter and -w keep tunnelled flows
# whole. The captures are the encap-* samples (capture-samples/README), some
# with one header byte changed here to a version nothing decodes.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
GRE=$SAMPLES_DIR/encap-gre.pcap
PLACES=$SAMPLES_DIR/encap-two-places.pcap
if [ ! -f "$GRE" ] || [ ! -f "$PLACES" ]; then
    skip "encap-* samples not found"
fi

# gre_version PCAP OUT VERSION EVERY: a copy with the GRE version bits of every
# EVERY-th packet set to VERSION (1 is PPTP's, which nothing here decodes).
gre_version() {
    python3 - "$@" <<'EOF'
import struct, sys
src, dst, version, every = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = bytearray(open(src, "rb").read())
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    frame = off + 16
    if n % every == 0:
        gre = frame + 14 + (data[frame + 14] & 0x0f) * 4  # Ethernet, then IPv4's IHL
        data[gre + 1] = (data[gre + 1] & 0xf8) | version
    off, n = frame + incl, n + 1
open(dst, "wb").write(data)
EOF
}

check "a capture of nothing but GRE version 1 is unreadable: exit 2, one line saying why"
gre_version "$GRE" "$TMP/pptp.pcap" 1 1
run --json -r "$TMP/pptp.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS, not 2"
grep -q "encapsulation it does not decode" "$RUN_ERR" || {
    fail "stderr does not name the encapsulation"
    show_err
}
[ "$(json_get "$RUN_OUT" 'summary["decode"]["errors"]["unsupported_encap"]')" = 10 ] ||
    fail "unsupported_encap is not 10"
[ "$(json_get "$RUN_OUT" 'summary["unreadable"]["encapsulation"]')" = 10 ] ||
    fail "unreadable.encapsulation is not 10"
done_check

check "some packets in GRE version 1: a warning, the rest analysed, the count in the summary"
gre_version "$GRE" "$TMP/half.pcap" 1 5
run --json -r "$TMP/half.pcap"
[ "$RUN_STATUS" -le 1 ] || fail "exit status $RUN_STATUS"
grep -q "2 in an encapsulation it does not decode" "$RUN_ERR" || {
    fail "no warning with the count"
    show_err
}
[ "$(json_get "$RUN_OUT" 'summary["unreadable"]["encapsulation"]')" = 2 ] ||
    fail "unreadable.encapsulation is not 2"
[ "$(json_get "$RUN_OUT" 'len(flows)')" = 1 ] || fail "the flow was not reported"
done_check

check "-v names the VLANs and tunnels of each flow"
run -v -r "$PLACES"
for want in "location vlan 10" "location vlan 20" "location gre 192.0.2.1 -> 192.0.2.2" \
    "location gre 198.51.100.1 -> 198.51.100.2"; do
    grep -q "^    $want\$" "$RUN_OUT" || fail "no line \"$want\""
done
[ "$(grep -c '^    location ' "$RUN_OUT")" = 4 ] || fail "not four location lines"
run -v -r "$SAMPLES_DIR/graceful-8530.pcap"
if grep -q '^    location' "$RUN_OUT"; then
    fail "a flow in no VLAN and no tunnel has a location line"
fi
done_check

check "a filter on the outer header keeps one tunnel's flow, and -w writes it as it came"
run --json -w "$TMP/one.pcap" -r "$PLACES" host 198.51.100.1
[ "$RUN_STATUS" -le 1 ] || fail "exit status $RUN_STATUS"
[ "$(json_get "$RUN_OUT" 'len(flows)')" = 1 ] || fail "not one flow"
[ "$(json_get "$RUN_OUT" 'flows[0]["tunnels"][0]["src"]')" = 198.51.100.1 ] ||
    fail "not the flow of that tunnel"
run --json -r "$TMP/one.pcap"
[ "$(json_get "$RUN_OUT" 'flows[0]["history"] + " " + str(summary["packets"])')" = "ShADadFf 10" ] ||
    fail "the written capture does not give the same flow"
done_check

finish
