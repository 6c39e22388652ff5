#!/usr/bin/env bash
# record.sh scenario many-short: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_many_short() {
	local pcap="$WORK/many-short.pcap" i
	ns_up
	srv_up "$S4" 8530 close --count 300 --body 64
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 41000 "$S4" 8530 --count 300
	run_end
	check_n "$pcap" SYNs 300
	check_n "$pcap" FINs 600
	check_n "$pcap" RSTs 0
	expect_begin many-short 300 "$N4"
	for ((i = 0; i < 300; i++)); do
		flow4 $((41000 + i)) 8530 "conn_state=SF" \
			"end=fin verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
			"history_has=ShADdFf"
	done
	finish many-short
}
