#!/usr/bin/env bash
# record.sh scenario fin-to-silent-peer-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Built, not recorded (record/craft.py build fin-to-silent-peer): mid-stream,
# the server's FIN/ACK comes first and the client only acks it; 8 s later
# the client sends a RST, 8 s after that the server.  Zeek takes the close
# as complete at the FIN (the peer had not spoken), deletes the connection
# tcp_close_delay (5 s) later, and each RST starts a connection of its own.
# Checked with --linger 5, Zeek's delay; with the default linger the RSTs
# are late segments of the closed flow.
scn_fin_to_silent_peer_8530() {
	local pcap="$WORK/fin-to-silent-peer-8530.pcap"
	"$PY" "$SCRIPT_DIR/record/craft.py" build fin-to-silent-peer --out "$pcap" >/dev/null
	check_n "$pcap" RSTs 2
	ORIGIN="built by capture-samples/record/craft.py (scapy)" expect_begin fin-to-silent-peer-8530 3 "$N4" --linger 5
	flow4 40041 8530 "conn_state=SHR end=fin attempt=0 history=^fA"
	flow4 40041 8530 "conn_state=OTH end=rst attempt=0 history=R"
	flow4 40041 8530 "conn_state=RSTRH end=rst attempt=0 history=^r"
	finish fin-to-silent-peer-8530
}
