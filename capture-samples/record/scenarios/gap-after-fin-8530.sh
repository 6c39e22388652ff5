#!/usr/bin/env bash
# record.sh scenario gap-after-fin-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Built, not recorded (record/craft.py build gap-after-fin): the server's
# last 300 bytes are missing from the capture, and the client's ack of the
# server's FIN shows them.  Zeek records that gap ('g'): both sides were
# established or closed straight from established (TCP_Reassembler's
# is_clean()).
scn_gap_after_fin_8530() {
	local pcap="$WORK/gap-after-fin-8530.pcap"
	"$PY" "$SCRIPT_DIR/record/craft.py" build gap-after-fin --out "$pcap" >/dev/null
	check_closed "$pcap"
	ORIGIN="built by capture-samples/record/craft.py (scapy)" expect_begin gap-after-fin-8530 1 "$N4"
	flow4 40040 8530 "conn_state=SF end=fin verdict=ok orig.winsock=- resp.winsock=-" \
		"anomalies=- attempt=0 history=ShADadfgF"
	finish gap-after-fin-8530
}
