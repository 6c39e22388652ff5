#!/usr/bin/env bash
# record.sh scenario ack-unseen-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# One fetch; the server waits 0.3 s before it closes.  The capture filter
# leaves out the server's one data segment (the 592-byte response), as a
# lossy capture would; the client's ACK for it is captured.
scn_ack_unseen_8530() {
	local pcap="$WORK/ack-unseen-8530.pcap" st
	local plen='ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)'
	ns_up
	srv_up "$S4" 8530 close --close-after 0.3
	cap_start "$NODE" nic0 "$pcap" 262144 \
		"arp or (tcp and not (src host $S4 and tcp[13] & 1 = 0 and $plen = 592))"
	client fetch "$N4" 40029 "$S4" 8530
	run_end
	check_closed "$pcap"
	check "$pcap" "data segments from the server" "$S4\.8530 > .*length [1-9]" 0 0
	st=$(flowstat "$pcap" "$S4" 8530 "$N4" 40029)
	note "  server data: $st"
	[[ $(stat_of "$st" unseen_acked) == 592 ]] ||
		die "ack-unseen-8530: the client did not ack 592 unseen bytes"
	expect_begin ack-unseen-8530 1 "$N4"
	flow4 40029 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=ack_unseen:orig" \
		"attempt=0 history_has=ShADFfg absent=retransmission_giveup,checksum_bad"
	finish ack-unseen-8530
}
