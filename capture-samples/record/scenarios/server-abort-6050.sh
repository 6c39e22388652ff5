#!/usr/bin/env bash
# record.sh scenario server-abort-6050: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_server_abort_6050() {
	server_abort server-abort-6050 40003 0.2
	check_n "$WORK/server-abort-6050.pcap" FINs 0
	expect_begin server-abort-6050 1 "$N4"
	flow4 40003 6050 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=- anomalies=rst_abort:resp" \
		"attempt=0 history_has=ShADdr absent=rst_after_idle,orphan_after_rst"
	finish server-abort-6050
}
