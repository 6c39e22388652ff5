#!/usr/bin/env bash
# record.sh scenario midstream-8531: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_midstream_8531() {
	local pcap="$WORK/midstream-8531.pcap"
	ns_up
	srv_up "$S4" 8531 serve
	phased_up close 40006 8531
	sleep 0.3 # the delayed ACK of the first response goes out before the capture
	cap_start "$NODE" nic0 "$pcap"
	touch "$WORK/go"
	run_end
	check "$pcap" "SYNs" 'Flags \[S' 0 0
	check_n "$pcap" FINs 2
	tcpdump -c 1 -nn -r "$pcap" 2>/dev/null | grep -q "$N4\.40006 > .*length [1-9]" ||
		die "midstream-8531: the first packet is not the client's data"
	expect_begin midstream-8531 1 "$N4"
	flow4 40006 8531 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=midstream_start:orig" \
		"attempt=0 history_has=DdFf absent=orphan_no_state"
	finish midstream-8531
}
