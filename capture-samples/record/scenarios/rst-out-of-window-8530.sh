#!/usr/bin/env bash
# record.sh scenario rst-out-of-window-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Established; a RST claiming to come from the server, 4 MiB beyond the
# client's window, is injected on the path; the client's stack ignores it and
# the connection goes on and closes normally.
scn_rst_out_of_window_8530() {
	local pcap="$WORK/rst-out-of-window-8530.pcap"
	ns_up
	srv_up "$S4" 8530 serve
	cap_start "$NODE" nic0 "$pcap"
	phased_up close 40023 8530
	sleep 0.3
	py_ns "$RTR" inject --kind rst-out-of-window --offset 4194304 --pcap "$pcap" \
		--src "$S4" --sport 8530 --dst "$N4" --dport 40023 >/dev/null
	sleep 0.3
	touch "$WORK/go"
	run_end
	client_ok
	check_n "$pcap" RSTs 1
	check_n "$pcap" FINs 2
	check "$pcap" "requests" "$N4\.40023 > .*Flags \[P\.\].*length 87" 2 2
	check "$pcap" "responses" "$S4\.8530 > .*Flags \[P\.\].*length 592" 2 2
	note "  $(tcpdump -nn -r "$pcap" 2>/dev/null | grep -m 1 'Flags \[R' | cut -d' ' -f2-)"
	expect_begin rst-out-of-window-8530 1 "$N4"
	flow4 40023 8530 "conn_state=RSTR end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=rst_out_of_window:resp" \
		"attempt=0 history_has=ShADdrFf" \
		"absent=rst_abort,orphan_after_rst,rst_after_fin,rst_with_data"
	finish rst-out-of-window-8530
}
