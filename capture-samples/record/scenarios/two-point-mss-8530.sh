#!/usr/bin/env bash
# record.sh scenario two-point-mss-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# The router clamps the MSS option of every SYN and SYN/ACK it forwards to
# 1200 (the veths' MTU of 1500 gives 1460).
scn_two_point_mss_8530() {
	local name=two-point-mss-8530
	local first="$WORK/$name.first.pcap" second="$WORK/$name.second.pcap"
	ns_up
	in_ns "$RTR" nft -f - <<NFT
table inet tvmss {
	chain clamp {
		type filter hook forward priority -150; policy accept;
		tcp flags & syn == syn counter tcp option maxseg size set 1200
	}
}
NFT
	srv_up "$S4" 8530 close --body 20000
	cap_pair_start "$RTR" rtr-n "$first" "$RTR" rtr-s "$second"
	client fetch "$N4" 40024 "$S4" 8530 | tee "$WORK/client.log"
	wait_bg
	cap_pair_stop
	ns_down
	client_ok
	check "$first" "SYN from the client with MSS 1460" "$N4\.40024 > .*Flags \[S\].*mss 1460" 1 1
	check "$second" "SYN from the client with MSS 1200" "$N4\.40024 > .*Flags \[S\].*mss 1200" 1 1
	check "$second" "SYN/ACK from the server with MSS 1460" "$S4\.8530 > .*Flags \[S\.\].*mss 1460" 1 1
	check "$first" "SYN/ACK from the server with MSS 1200" "$S4\.8530 > .*Flags \[S\.\].*mss 1200" 1 1
	expect_pair_begin "$name" 1
	flow4 40024 8530 "verdict=ok path.seen_at=both path.near_orig=first" \
		"path.changed.mss.orig.from=1460 path.changed.mss.orig.to=1200" \
		"path.changed.mss.resp.from=1460 path.changed.mss.resp.to=1200" \
		"path.dropped.orig=0 path.dropped.resp=0 path.injected.orig=0 path.injected.resp=0"
	finish_pair "$name"
}
