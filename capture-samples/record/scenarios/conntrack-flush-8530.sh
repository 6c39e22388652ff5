#!/usr/bin/env bash
# record.sh scenario conntrack-flush-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_conntrack_flush_8530() {
	local pcap="$WORK/conntrack-flush-8530.pcap" drops client_pid
	ns_up
	firewall_up
	in_ns "$NODE" sysctl -qw net.ipv4.tcp_retries2=4
	srv_up "$S4" 8530 serve
	cap_start "$NODE" nic0 "$pcap"
	phased_up stall 40008 8530
	client_pid=${BG_PIDS[-1]}
	sleep 0.3
	in_ns "$RTR" conntrack -F >/dev/null 2>&1
	touch "$WORK/go"
	wait "$client_pid" || die "client failed: $(cat "$WORK/client.log")"
	sleep 1.5 # silence after the give-up
	cap_stop
	drops=$(invalid_drops)
	stop_bg
	ns_down
	client_said ETIMEDOUT "client did not give up"
	note "  client: $(grep result= "$WORK/client.log"); router dropped $drops as invalid"
	check_n "$pcap" SYNs 1
	check "$pcap" "RSTs or FINs" 'Flags \[[RF]' 0 0
	check "$pcap" "copies of the unanswered request" \
		"$N4\.40008 > .*Flags \[P\.\], seq [0-9]+:[0-9]+" 4
	expect_begin conntrack-flush-8530 1 "$N4"
	flow4 40008 8530 "conn_state=S1 end=open" \
		"verdict=fail orig.winsock=10053 resp.winsock=-" \
		"anomalies=retransmission_giveup:orig attempt=0 history_has=ShADdT" \
		"absent=rst_abort,orphan_no_state"
	finish conntrack-flush-8530
}
