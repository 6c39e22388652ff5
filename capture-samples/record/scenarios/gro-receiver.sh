#!/usr/bin/env bash
# record.sh scenario gro-receiver: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# 256 KiB download; the server sends with TSO/GSO, the router segments in
# software, and the node's nic0 coalesces what it receives (GRO).  Captured
# on the node, the receiver.
scn_gro_receiver() {
	local stat="$WORK/gro-receiver.stat"
	offload_run gro-receiver on "$NODE" 40027 262144 gro
	stat_has "$stat" "big $S4 [1-9]" "gro-receiver: no coalesced frames from $S4"
	stat_has "$stat" "big $N4 0$" "gro-receiver: big frames from $N4"
	stat_has "$stat" "bad_csum $N4 0$" "gro-receiver: bad checksums from $N4"
	expect_begin gro-receiver 1 "$N4"
	flow4 40027 8530 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=gro_coalesced:resp" \
		"attempt=0 history_has=ShADdFf absent=tso_supersegment,checksum_bad"
	finish gro-receiver
}
