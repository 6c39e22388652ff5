#!/usr/bin/env bash
# record.sh scenario two-point-tso: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A sender with TSO on, captured on both hosts: the server's own capture
# holds super-segments, the client's the MSS-sized segments they became.
# Nothing is lost on the way.
scn_two_point_tso() {
	local name=two-point-tso
	local first="$WORK/$name.first.pcap" second="$WORK/$name.second.pcap"
	ns_up
	offloads "$SRV" nic0 on
	srv_up "$S4" 8530 close --body 524288
	cap_pair_start "$NODE" nic0 "$first" "$SRV" nic0 "$second"
	client fetch "$N4" 40026 "$S4" 8530 | tee "$WORK/client.log"
	wait_bg
	cap_pair_stop
	ns_down
	client_ok
	pcapstat "$second" "$WORK/$name.stat"
	stat_has "$WORK/$name.stat" "big $S4 [1-9]" "the server's capture has no super-segments"
	pcapstat "$first" "$WORK/$name.first.stat"
	stat_has "$WORK/$name.first.stat" "big $S4 0$" "the client's capture has super-segments"
	expect_pair_begin "$name" 1
	flow4 40026 8530 "path.seen_at=both path.near_orig=first" \
		"path.dropped.orig=0 path.dropped.resp=0 path.injected.orig=0 path.injected.resp=0" \
		"path.changed.hops.orig=1 path.changed.hops.resp=1"
	finish_pair "$name"
}
