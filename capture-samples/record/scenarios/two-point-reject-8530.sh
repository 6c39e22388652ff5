#!/usr/bin/env bash
# record.sh scenario two-point-reject-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A middlebox forges a RST: mid-connection, the router's firewall answers
# the client's second request with "reject with tcp reset". The RST, as if
# from the server, appears on the client side only; the request never
# reaches the server side.
scn_two_point_reject_8530() {
	local name=two-point-reject-8530 client_pid rejected
	local first="$WORK/$name.first.pcap" second="$WORK/$name.second.pcap"
	ns_up
	firewall_up
	srv_up "$S4" 8530 serve
	cap_pair_start "$RTR" rtr-n "$first" "$RTR" rtr-s "$second"
	phased_up close 40022 8530
	client_pid=${BG_PIDS[-1]}
	in_ns "$RTR" nft insert rule inet tvrec tvfwd ip saddr "$N4" tcp sport 40022 \
		tcp flags \& psh == psh counter reject with tcp reset comment '"forged"'
	touch "$WORK/go"
	wait "$client_pid" || die "client failed: $(cat "$WORK/client.log")"
	sleep 0.3
	cap_pair_stop
	rejected=$(in_ns "$RTR" nft list chain inet tvrec tvfwd |
		sed -n 's/.*counter packets \([0-9]*\) bytes.* reject .*comment "forged".*/\1/p')
	stop_bg
	ns_down
	client_said ECONNRESET "client did not see the forged reset"
	[[ $rejected == 1 ]] || die "the router rejected $rejected segments, not 1"
	note "  router rejected $rejected segment with a forged RST"
	check "$first" "RSTs as if from the server" "$S4\.8530 > .*Flags \[R" 1 1
	check "$second" "RSTs" "Flags \[R" 0 0
	expect_pair_begin "$name" 1
	flow4 40022 8530 "verdict=fail anomalies=rst_injected:resp:1 path.seen_at=both" \
		"path.near_orig=first path.injected.resp=1 path.injected_rst.resp=1" \
		"path.injected.orig=0 path.dropped.orig=$rejected path.dropped.resp=0" \
		"path.changed.hops.orig=1 path.changed.hops.resp=1"
	finish_pair "$name"
}
