#!/usr/bin/env bash
# record.sh scenario graceful-v6-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_graceful_v6_8530() {
	graceful graceful-v6-8530 "$N6" "$S6" 40013
	expect_begin graceful-v6-8530 1 "$N6"
	flow "orig=$(ep "$N6" 40013) resp=$(ep "$S6" 8530) conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf absent=truncated,checksum_offload,checksum_bad"
	finish graceful-v6-8530
}
