#!/usr/bin/env bash
# End-to-end tests of the link types beside Ethernet, on the linktype-*
# samples that capture-samples/record/linktypes.py built: -h and the text
# summary name them, an NFLOG flow shows its prefix in the table with -v,
# input of nothing but encrypted 802.11 frames is an error saying so, and
# input of a new link type with no TCP at all says so and is no error.
# The parts cut out of the samples are cut by tshark. Skipped (77) without
# tshark.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
command -v tshark >/dev/null 2>&1 || skip "tshark not found"

sample() {
    printf '%s/linktype-%s.pcap' "$SAMPLES_DIR" "$1"
}

check "-h names every link type of the samples"
run -h
for name in "FDDI" "802.11" "802.11 plus radiotap header" "Per-Packet Information" "PPP" \
    "PPP over serial" "Cisco HDLC" "Raw IPv4" "Raw IPv6" "Linux netfilter log messages"; do
    tr '\n' ' ' <"$RUN_OUT" | sed 's/  */ /g' | grep -qF "$name" || fail "-h does not name $name"
done
done_check

check "the text summary names the link type read and what was not IP"
declare -A libpcap_name=([fddi]=FDDI [80211]=IEEE802_11 [radiotap]=IEEE802_11_RADIO [ppi]=PPI
    [ppp]=PPP [ppp-hdlc]=PPP_SERIAL [chdlc]=C_HDLC [ipv4]=IPV4 [ipv6]=IPV6 [nflog]=NFLOG
    [nflog-be]=NFLOG)
for name in "${!libpcap_name[@]}"; do
    run -q -r "$(sample "$name")"
    [ "$RUN_STATUS" -eq 1 ] || fail "$name: exit status $RUN_STATUS, expected 1 (the reset fails)"
    grep -q "^  link types       ${libpcap_name[$name]} [0-9]*$" "$RUN_OUT" ||
        fail "$name: summary link types: $(grep 'link types' "$RUN_OUT")"
done
done_check

check "an NFLOG flow shows the prefix its rule logged it with"
run -v -r "$(sample nflog)"
grep -q '^    nflog    group 5, prefix "wsus-in:"$' "$RUN_OUT" || fail "no nflog line for 8530"
grep -q '^    nflog    group 6, prefix "agent:"$' "$RUN_OUT" || fail "no nflog line for 6050"
grep -q '^  nflog prefixes   "wsus-in:" (group 5) 2, "agent:" (group 6) 1$' "$RUN_OUT" ||
    fail "summary: $(grep 'nflog prefixes' "$RUN_OUT")"
done_check

check "encrypted 802.11 frames alone are an error; beside readable ones a warning"
for name in 80211 radiotap ppi; do
    tshark -r "$(sample "$name")" -Y 'wlan.fc.protected == 1' -w "$TMP/$name-enc.pcap" 2>/dev/null
    run --json -r "$TMP/$name-enc.pcap"
    [ "$RUN_STATUS" -eq 2 ] || fail "$name, encrypted only: exit status $RUN_STATUS, expected 2"
    grep -q "^tcpverdict: none of the 2 packets read could be analysed: 2 encrypted" "$RUN_ERR" ||
        { fail "$name, encrypted only: the line does not say so"; show_err; }
    [ "$(json_get "$RUN_OUT" '(summary["unreadable"]["packets"], summary["unreadable"]["encrypted"], summary["tcp_packets"])')" = "(2, 2, 0)" ] ||
        fail "$name: unreadable $(json_get "$RUN_OUT" 'summary["unreadable"]')"
    run --json -r "$(sample "$name")"
    grep -q "^tcpverdict: warning: 2 of the [0-9]* packets read could not be analysed: 2 encrypted" "$RUN_ERR" ||
        { fail "$name: no warning"; show_err; }
done
done_check

check "a new link type without TCP says so and is no error"
for name in ppp chdlc fddi 80211; do
    tshark -r "$(sample "$name")" -Y '!tcp && !(wlan.fc.protected == 1)' -w "$TMP/$name-notcp.pcap" 2>/dev/null
    run --json -r "$TMP/$name-notcp.pcap"
    [ "$RUN_STATUS" -eq 0 ] || fail "$name without TCP: exit status $RUN_STATUS"
    grep -q "^tcpverdict: no TCP in the [0-9]* packets read: no flows to report" "$RUN_ERR" ||
        { fail "$name without TCP: nothing on stderr says so"; show_err; }
    [ "$(json_get "$RUN_OUT" '(len(flows), summary["decode"]["skipped"]["not_ip"] > 0)')" = "(0, True)" ] ||
        fail "$name without TCP: $(json_get "$RUN_OUT" 'summary["decode"]')"
done
done_check

finish
