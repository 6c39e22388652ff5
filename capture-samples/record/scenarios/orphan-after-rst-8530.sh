#!/usr/bin/env bash
# record.sh scenario orphan-after-rst-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_orphan_after_rst_8530() {
	local pcap="$WORK/orphan-after-rst-8530.pcap"
	ns_up
	firewall_up
	srv_up "$S4" 8530 abort --abort-after 0.2
	cap_start "$NODE" nic0 "$pcap"
	client wait-reset "$N4" 40007 "$S4" 8530 | tee "$WORK/client.log"
	wait_bg
	client_reset
	# A strict firewall (TMG) forgets the connection on the RST.
	in_ns "$RTR" conntrack -D -p tcp --orig-port-dst 8530 >/dev/null 2>&1 || true
	sleep 0.2
	craft_orphans "$pcap" 40007 rst orphan
	check_n "$pcap" RSTs 1
	check "$pcap" "client segments after the RST" \
		"$N4\.40007 > .*Flags \[P\.\].*length 120" 3 3
	expect_begin orphan-after-rst-8530 1 "$N4"
	flow4 40007 8530 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,orphan_after_rst:orig:3 attempt=0" \
		"history_has=ShADdr firewall.strict_drops=3 absent=midstream_start,orphan_no_state"
	finish orphan-after-rst-8530
}
