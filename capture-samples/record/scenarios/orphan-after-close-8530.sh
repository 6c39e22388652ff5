#!/usr/bin/env bash
# record.sh scenario orphan-after-close-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A fetch closed by FINs both ways; the router then forgets the connection and
# the client's side sends three more data segments on the same 4-tuple.
scn_orphan_after_close_8530() {
	local pcap="$WORK/orphan-after-close-8530.pcap"
	ns_up
	firewall_up
	srv_up "$S4" 8530 close
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40018 "$S4" 8530
	wait_bg
	sleep 0.2
	in_ns "$RTR" conntrack -D -p tcp --orig-port-dst 8530 >/dev/null 2>&1 || true
	craft_orphans "$pcap" 40018 close late
	check_closed "$pcap"
	check "$pcap" "client segments after the close" \
		"$N4\.40018 > .*Flags \[P\.\].*length 120" 3 3
	expect_begin orphan-after-close-8530 1 "$N4"
	flow4 40018 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=-" \
		"anomalies=orphan_after_close:orig:3 attempt=0 history_has=ShADdFf" \
		"absent=orphan_after_rst,orphan_no_state,midstream_start,rst_abort"
	finish orphan-after-close-8530
}
