#!/usr/bin/env bash
# record.sh scenario offload-receiver: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# 512 KiB, the sender's offloads on, captured on the receiver.
scn_offload_receiver() {
	local stat="$WORK/offload-receiver.stat"
	offload_run offload-receiver on "$NODE" 40010
	stat_has "$stat" "bad_csum $S4 0$" "offload-receiver: bad checksums"
	stat_has "$stat" "big $S4 0$" "offload-receiver: big frames"
	expect_begin offload-receiver 1 "$N4"
	flow4 40010 8530 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf" \
		"absent=checksum_offload,checksum_bad,tso_supersegment,gro_coalesced"
	finish offload-receiver
}
