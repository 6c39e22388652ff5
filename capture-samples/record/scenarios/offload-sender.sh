#!/usr/bin/env bash
# record.sh scenario offload-sender: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# 512 KiB, the sender's offloads on, captured on the sender.
scn_offload_sender() {
	local stat="$WORK/offload-sender.stat"
	offload_run offload-sender on "$SRV" 40009
	stat_has "$stat" "bad_csum $S4 [1-9]" "offload-sender: no bad checksums from $S4"
	stat_has "$stat" "big $S4 [1-9]" "offload-sender: no super-segments from $S4"
	stat_has "$stat" "bad_csum $N4 0$" "offload-sender: bad checksums from $N4"
	stat_has "$stat" "big $N4 0$" "offload-sender: big frames from $N4"
	expect_begin offload-sender 1 "$S4"
	flow4 40009 8530 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=-" \
		"anomalies=checksum_offload:resp,tso_supersegment:resp attempt=0" \
		"history_has=ShADdFfc absent=checksum_bad,gro_coalesced"
	finish offload-sender
}
