#!/usr/bin/env bash
# record.sh scenario graceful-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_graceful_8530() {
	graceful graceful-8530 "$N4" "$S4" 40001
	expect_begin graceful-8530 1 "$N4"
	flow4 40001 8530 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf absent=truncated,checksum_offload,checksum_bad,midstream_start"
	finish graceful-8530
}
