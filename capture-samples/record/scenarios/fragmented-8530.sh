#!/usr/bin/env bash
# record.sh scenario fragmented-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A 64 KiB download through a router whose link toward the node has an MTU
# of 576.  The server's stack sends without DF (net.ipv4.ip_no_pmtu_disc=1:
# no path MTU discovery), so the router cuts every full-sized segment into
# IP fragments (RFC 791 2.3), which the node reassembles.  Captured on the
# node.
scn_fragmented_8530() {
	local pcap="$WORK/fragmented-8530.pcap" frags
	ns_up
	in_ns "$SRV" sysctl -qw net.ipv4.ip_no_pmtu_disc=1
	ip -n "$RTR" link set dev rtr-n mtu 576
	srv_up "$S4" 8530 close --body 65536
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40031 "$S4" 8530
	run_end
	check_closed "$pcap"
	frags=$(tcpdump -nn -r "$pcap" "src host $S4 and ip[6:2] & 0x3fff != 0" 2>/dev/null |
		grep -c . || true)
	((frags >= 100)) || die "fragmented-8530: only $frags fragments from the server"
	note "  fragmented-8530.pcap: $frags fragments from the server"
	check "$pcap" "fragments from the client" "$N4 > .*frag" 0 0
	expect_begin fragmented-8530 1 "$N4"
	flow4 40031 8530 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=ip_fragmented:resp attempt=0" \
		"history_has=ShADdFf" \
		"absent=ip_fragment_overlap,checksum_bad,truncated,ack_unseen,tso_supersegment"
	finish fragmented-8530
}
