#!/usr/bin/env bash
# record.sh scenario idle-reset-6050: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_idle_reset_6050() {
	server_abort idle-reset-6050 40012 3.0
	expect_begin idle-reset-6050 1 "$N4" --rst-idle 2
	flow4 40012 6050 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,rst_after_idle:resp attempt=0 history_has=ShADdr"
	finish idle-reset-6050
}
