#!/usr/bin/env bash
# record.sh scenario two-point-loss-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A lossy, slow path: the router forwards through the impairment helper,
# which drops 5% of the packets (seeded) and delays the rest by 2 to 8 ms,
# both ways, during a 300 kB download. The helper's log of what it dropped
# is the truth for the drops.
scn_two_point_loss_8530() {
	local name=two-point-loss-8530 up down
	local first="$WORK/$name.first.pcap" second="$WORK/$name.second.pcap"
	ns_up
	impair_up 11 0.05 2 8
	srv_up "$S4" 8530 close --body 300000
	cap_pair_start "$RTR" rtr-n "$first" "$RTR" rtr-s "$second"
	client fetch "$N4" 40025 "$S4" 8530 | tee "$WORK/client.log"
	sleep 0.5
	impair_down
	wait_bg
	cap_pair_stop
	ns_down
	client_ok
	up=$(impair_drops "$N4" 40025 "$S4" 8530)
	down=$(impair_drops "$S4" 8530 "$N4" 40025)
	((up + down > 0)) || die "the helper dropped nothing"
	note "  the helper dropped $up packets from the client, $down from the server"
	expect_pair_begin "$name" 1
	flow4 40025 8530 "path.seen_at=both path.near_orig=first" \
		"path.dropped.orig=$up path.dropped.resp=$down" \
		"path.injected.orig=0 path.injected.resp=0" \
		"path.changed.hops.orig=2 path.changed.hops.resp=2" \
		"path.delay_ms.orig.median=2..12 path.delay_ms.resp.median=2..12"
	sed 's/^/# helper: /' "$WORK/impair.log" >>"$EXPECT"
	finish_pair "$name"
}
