#!/usr/bin/env bash
# record.sh scenario client-abort-6051: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_client_abort_6051() {
	local pcap="$WORK/client-abort-6051.pcap"
	ns_up
	srv_up "$S4" 6051 serve
	cap_start "$NODE" nic0 "$pcap"
	client abort "$N4" 40004 "$S4" 6051 --abort-after 0.2
	run_end
	grep -q 'result=ECONNRESET' "$WORK/srv.log" || die "server did not see a reset"
	check "$pcap" "RSTs from the client" "$N4\.40004 > .*Flags \[R" 1 1
	check_n "$pcap" FINs 0
	expect_begin client-abort-6051 1 "$N4"
	flow4 40004 6051 "conn_state=RSTO end=rst" \
		"verdict=fail orig.winsock=- resp.winsock=10054 anomalies=rst_abort:orig" \
		"attempt=0 history_has=ShADdR absent=rst_after_idle"
	finish client-abort-6051
}
