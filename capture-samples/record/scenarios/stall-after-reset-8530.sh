#!/usr/bin/env bash
# record.sh scenario stall-after-reset-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Built, not recorded (record/craft.py build stall-after-reset): the server
# resets while 1000 bytes of the client are unacknowledged, and the client
# sends three more segments; 70 s later, past the linger, another connection
# runs whole.  Data sent after an acceptable RST is never outstanding: no
# stall, however long the reset flow lingers.
scn_stall_after_reset_8530() {
	local pcap="$WORK/stall-after-reset-8530.pcap"
	"$PY" "$SCRIPT_DIR/record/craft.py" build stall-after-reset --out "$pcap" >/dev/null
	check_n "$pcap" RSTs 1
	ORIGIN="built by capture-samples/record/craft.py (scapy)" expect_begin stall-after-reset-8530 2 "$N4"
	flow4 40042 8530 "conn_state=RSTR end=rst verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,orphan_after_rst:orig:3 attempt=0 absent=stall"
	flow4 40043 8530 "conn_state=SF end=fin verdict=ok anomalies=- attempt=0"
	finish stall-after-reset-8530
}
