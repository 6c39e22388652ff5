#!/usr/bin/env bash
# record.sh scenario reordering-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# 256 KiB download through a router that sends every fourth data segment
# toward the node through a slower queue (HTB class of 100 Mbit/s; the others
# go at 1 Gbit/s), so those segments are overtaken and arrive out of order,
# as over two paths of different delay.
scn_reordering_8530() {
	local pcap="$WORK/reordering-8530.pcap" st
	ns_up
	in_ns "$RTR" tc qdisc add dev rtr-n root handle 1: htb default 10
	in_ns "$RTR" tc class add dev rtr-n parent 1: classid 1:10 htb rate 1gbit quantum 1514
	in_ns "$RTR" tc class add dev rtr-n parent 1: classid 1:20 htb rate 100mbit quantum 1514 \
		burst 1600 cburst 1600
	in_ns "$RTR" nft -f - <<EOF
table inet tvreorder {
	chain post {
		type filter hook postrouting priority 0; policy accept;
		oifname "rtr-n" tcp sport 8530 tcp dport 40028 numgen inc mod 4 == 0 \
			meta priority set 1:20 counter
	}
}
EOF
	srv_up "$S4" 8530 close --body 262144
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40028 "$S4" 8530
	run_end
	check_closed "$pcap"
	st=$(flowstat "$pcap" "$S4" 8530 "$N4" 40028)
	note "  server data: $st"
	(($(stat_of "$st" late) >= 10)) || die "reordering-8530: fewer than 10 segments out of order"
	expect_begin reordering-8530 1 "$N4"
	flow4 40028 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=reordering:resp" \
		"attempt=0 history_has=ShADdFf" \
		"absent=retransmission_giveup,checksum_bad,tso_supersegment,gro_coalesced"
	finish reordering-8530
}
