#!/usr/bin/env bash
# record.sh scenario snaplen96: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_snaplen96() {
	graceful snaplen96 "$N4" "$S4" 40015 96
	expect_begin snaplen96 1 "$N4"
	flow4 40015 8530 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=truncated attempt=0" \
		"history_has=ShADdFf absent=checksum_bad,checksum_offload"
	finish snaplen96
}
