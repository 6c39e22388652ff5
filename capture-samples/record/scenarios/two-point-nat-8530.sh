#!/usr/bin/env bash
# record.sh scenario two-point-nat-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# The router masquerades the client behind its server-side address: the
# two points see the flow with different addresses (and perhaps ports).
scn_two_point_nat_8530() {
	local name=two-point-nat-8530 reply port
	local first="$WORK/$name.first.pcap" second="$WORK/$name.second.pcap"
	ns_up
	in_ns "$RTR" nft -f - <<NFT
table ip tvnat {
	chain post {
		type nat hook postrouting priority 100; policy accept;
		oifname "rtr-s" counter masquerade
	}
}
NFT
	srv_up "$S4" 8530 close --body 20000
	cap_pair_start "$RTR" rtr-n "$first" "$RTR" rtr-s "$second"
	client fetch "$N4" 40023 "$S4" 8530 | tee "$WORK/client.log"
	reply=$(in_ns "$RTR" conntrack -L -p tcp --orig-port-src 40023 2>/dev/null | head -1)
	wait_bg
	cap_pair_stop
	ns_down
	client_ok
	# The reply tuple's destination port is the client's port after translation.
	port=$(sed -n 's/.*src=[0-9.]* dst=[0-9.]* sport=8530 dport=\([0-9]*\).*/\1/p' <<<"$reply")
	[[ -n $port ]] || die "no translation in conntrack: $reply"
	note "  masqueraded as $R4S:$port"
	check "$second" "segments from the masqueraded client" "$R4S\.$port > $S4\.8530" 3
	check "$second" "segments from the client's own address" "$N4\." 0 0
	expect_pair_begin "$name" 1
	flow4 40023 8530 "verdict=ok path.seen_at=both path.paired_by=nat" \
		"path.changed.translated.orig.addr=$R4S path.changed.translated.orig.port=$port" \
		"path.changed.translated.resp=- path.dropped.orig=0 path.dropped.resp=0" \
		"path.injected.orig=0 path.injected.resp=0"
	finish_pair "$name"
}
