#!/usr/bin/env bash
# record.sh scenario offload-off: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# 512 KiB, offloads off, captured on the sender.
scn_offload_off() {
	local stat="$WORK/offload-off.stat"
	offload_run offload-off off "$SRV" 40011
	stat_has "$stat" "bad_csum $S4 0$" "offload-off: bad checksums"
	stat_has "$stat" "big $S4 0$" "offload-off: big frames"
	expect_begin offload-off 1 "$S4"
	flow4 40011 8530 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf" \
		"absent=checksum_offload,checksum_bad,tso_supersegment,gro_coalesced"
	finish offload-off
}
