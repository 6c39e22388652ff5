#!/usr/bin/env bash
# record.sh scenario two-point-orphans-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# The TMG case seen from both sides of the firewall: the server resets the
# connection, the firewall forgets it, and the three segments the client
# sends after the RST reach the client side of the router only.
scn_two_point_orphans_8530() {
	local name=two-point-orphans-8530 drops
	local first="$WORK/$name.first.pcap" second="$WORK/$name.second.pcap"
	ns_up
	firewall_up
	srv_up "$S4" 8530 abort --abort-after 0.2
	cap_pair_start "$RTR" rtr-n "$first" "$RTR" rtr-s "$second"
	client wait-reset "$N4" 40021 "$S4" 8530 | tee "$WORK/client.log"
	wait_bg
	client_reset
	in_ns "$RTR" conntrack -D -p tcp --orig-port-dst 8530 >/dev/null 2>&1 || true
	sleep 0.2
	py_ns "$NODE" craft --after rst --pcap "$first" --src "$N4" --sport 40021 \
		--dst "$S4" --dport 8530 --count 3 --interval 0.2
	cap_pair_stop
	drops=$(invalid_drops)
	ns_down
	[[ $drops == 3 ]] || die "router dropped $drops segments as invalid, not 3"
	note "  router firewall dropped $drops segments as invalid"
	check "$first" "client segments after the RST" "$N4\.40021 > .*Flags \[P\.\].*length 120" 3 3
	check "$second" "client segments after the RST" "$N4\.40021 > .*Flags \[P\.\].*length 120" 0 0
	expect_pair_begin "$name" 1
	flow4 40021 8530 "verdict=fail path.seen_at=both path.near_orig=first" \
		"path.dropped.orig=$drops path.dropped_after_rst.orig=$drops path.dropped.resp=0" \
		"path.injected.orig=0 path.injected.resp=0" \
		"path.changed.hops.orig=1 path.changed.hops.resp=1 path.paired_by=tuple"
	finish_pair "$name"
}
