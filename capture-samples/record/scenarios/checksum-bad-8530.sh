#!/usr/bin/env bash
# record.sh scenario checksum-bad-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Established; the client's request goes out again with one payload bit
# flipped and its checksum as it was: damaged after the checksum was made.
# Receive checksum offload is off on the router and the server, so the
# server's stack verifies the checksum and drops that copy.
scn_checksum_bad_8530() {
	local pcap="$WORK/checksum-bad-8530.pcap" stat="$WORK/checksum-bad-8530.stat" errs
	ns_up
	in_ns "$RTR" ethtool -K rtr-n rx off
	in_ns "$RTR" ethtool -K rtr-s rx off
	in_ns "$SRV" ethtool -K nic0 rx off
	srv_up "$S4" 8530 serve
	cap_start "$NODE" nic0 "$pcap"
	phased_up close 40026 8530
	sleep 0.3
	py_ns "$NODE" inject --kind corrupt-copy --pcap "$pcap" \
		--src "$N4" --sport 40026 --dst "$S4" --dport 8530 >/dev/null
	sleep 0.3
	touch "$WORK/go"
	wait_bg
	cap_stop
	errs=$(in_ns "$SRV" cat /proc/net/snmp | awk '/^Tcp:/ { if (!c) {
		for (i = 1; i <= NF; i++) if ($i == "InCsumErrors") c = i } else print $c }')
	ns_down
	client_ok
	[[ $errs == 1 ]] || die "the server counted $errs checksum errors, not 1"
	note "  the server's stack counted $errs TCP checksum error"
	check_closed "$pcap"
	pcapstat "$pcap" "$stat"
	stat_has "$stat" "bad_csum $N4 1$" "checksum-bad-8530: not exactly 1 bad checksum from $N4"
	stat_has "$stat" "bad_csum $S4 0$" "checksum-bad-8530: bad checksums from $S4"
	expect_begin checksum-bad-8530 1 "$N4"
	flow4 40026 8530 "conn_state=SF end=fin" \
		"verdict=fail orig.winsock=- resp.winsock=- anomalies=checksum_bad:orig" \
		"attempt=0 history_has=ShADdFfC absent=checksum_offload,truncated"
	finish checksum-bad-8530
}
