#!/usr/bin/env bash
# record.sh scenario orphan-no-state-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A connection opened and used before the capture starts, idle for 3.5 s
# after it starts, then used again and closed.  The capture starts with
# another, complete fetch, so its first packet marks the start of input.
scn_orphan_no_state_8530() {
	local pcap="$WORK/orphan-no-state-8530.pcap" n t
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 8530 \
		--mode serve --ready "$WORK/srv.ready"
	py_ns_bg "$SRV" "$WORK/srv2.log" server --addr "$S4" --port 8531 \
		--mode close --ready "$WORK/srv2.ready"
	wait_file "$WORK/srv.ready" 10
	wait_file "$WORK/srv2.ready" 10
	phased_up close 40016 8530
	sleep 0.3 # the delayed ACK of the first response goes out before the capture
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40017 "$S4" 8531
	sleep 3.5
	touch "$WORK/go"
	run_end
	check "$pcap" "SYNs (the other fetch only)" 'Flags \[S\]' 1 1
	check "$pcap" "SYNs on port 40016" '\.40016[ :].*Flags \[S' 0 0
	check "$pcap" "FINs on port 40016" '\.40016[ :].*Flags \[[^]]*F' 2 2
	t=$(since_start "$pcap" '\.40016 ')
	note "  first packet on port 40016 at ${t}s after the start of the capture"
	awk -v t="$t" 'BEGIN { exit !(t >= 3.0) }' || die "port 40016 appears too early ($t s)"
	tcpdump -nn -r "$pcap" 2>/dev/null | grep -m 1 '\.40016 ' |
		grep -q "$N4\.40016 > .*length [1-9]" ||
		die "orphan-no-state-8530: the first packet on 40016 is not the client's data"
	n=$(count "$pcap" '\.40016[ :]')
	note "  $n packets on port 40016"
	expect_begin orphan-no-state-8530 2 "$N4" --grace 2
	flow4 40017 8531 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf"
	flow4 40016 8530 "conn_state=SF end=fin" \
		"verdict=fail orig.winsock=- resp.winsock=- anomalies=orphan_no_state:orig" \
		"attempt=0 history_has=DdFf firewall.strict_drops=$n absent=midstream_start"
	finish orphan-no-state-8530
}
