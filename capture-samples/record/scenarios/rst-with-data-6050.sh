#!/usr/bin/env bash
# record.sh scenario rst-with-data-6050: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Established on 6050; a RST with 50 bytes of text, at exactly the client's
# next expected sequence number, is injected on the path in the server's
# name.  The client, blocked in recv(), gets ECONNRESET.
scn_rst_with_data_6050() {
	local pcap="$WORK/rst-with-data-6050.pcap" client_pid
	ns_up
	srv_up "$S4" 6050 serve
	cap_start "$NODE" nic0 "$pcap"
	py_ns_bg "$NODE" "$WORK/client.log" client --mode wait-reset \
		--src "$N4" --sport 40024 --dst "$S4" --dport 6050 --phase "$WORK/phase1"
	client_pid=${BG_PIDS[-1]}
	wait_file "$WORK/phase1" 10
	sleep 0.3
	py_ns "$RTR" inject --kind rst-data --pcap "$pcap" \
		--src "$S4" --sport 6050 --dst "$N4" --dport 40024 >/dev/null
	wait "$client_pid" || die "client failed: $(cat "$WORK/client.log")"
	cap_stop
	stop_bg
	ns_down
	client_reset
	check_n "$pcap" RSTs 1
	check "$pcap" "RSTs with data from the server's address" \
		"$S4\.6050 > $N4\.40024: Flags \[R\.\].*length 50" 1 1
	check_n "$pcap" FINs 0
	expect_begin rst-with-data-6050 1 "$N4"
	flow4 40024 6050 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,rst_with_data:resp attempt=0 history_has=ShADdr" \
		"absent=rst_after_idle,rst_out_of_window,orphan_after_rst"
	finish rst-with-data-6050
}
