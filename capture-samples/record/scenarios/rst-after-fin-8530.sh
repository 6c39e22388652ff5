#!/usr/bin/env bash
# record.sh scenario rst-after-fin-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# The client sends its request and its FIN at once and closes 0.3 s later
# without reading the response: its kernel sends a RST after its FIN.
scn_rst_after_fin_8530() {
	local pcap="$WORK/rst-after-fin-8530.pcap"
	ns_up
	srv_up "$S4" 8530 close --close-after 1.0
	cap_start "$NODE" nic0 "$pcap"
	client shut-close "$N4" 40030 "$S4" 8530 --abort-after 0.3 >/dev/null
	run_end
	check "$pcap" "FINs from the client" "$N4\.40030 > .*Flags \[F" 1 1
	check "$pcap" "FINs from the server" "$S4\.8530 > .*Flags \[[^]]*F" 0 0
	check "$pcap" "responses" "$S4\.8530 > .*length 592" 1 1
	check "$pcap" "RSTs from the client" "$N4\.40030 > .*Flags \[R" 1 1
	check_n "$pcap" RSTs 1
	tcpdump -nn -r "$pcap" 2>/dev/null | grep -E 'Flags \[(F|R)' | head -n 1 |
		grep -q "$N4\.40030 > .*Flags \[F" || die "rst-after-fin-8530: the RST came before the FIN"
	expect_begin rst-after-fin-8530 1 "$N4"
	flow4 40030 8530 "conn_state=RSTO end=rst" \
		"verdict=warn orig.winsock=- resp.winsock=10054 anomalies=rst_after_fin:orig" \
		"attempt=0 history_has=ShADdFR absent=rst_abort,rst_after_idle,orphan_after_rst"
	finish rst-after-fin-8530
}
