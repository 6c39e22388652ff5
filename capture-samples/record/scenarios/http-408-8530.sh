#!/usr/bin/env bash
# record.sh scenario http-408-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A WSUS client that sends the start of a request and no more: after 0.5 s
# the server answers HTTP 408 and closes, the client reads it and closes.
scn_http_408_8530() {
	local pcap="$WORK/http-408-8530.pcap" said
	ns_up
	srv_up "$S4" 8530 timeout408 --request-timeout 0.5
	cap_start "$NODE" nic0 "$pcap"
	said=$(client partial "$N4" 40033 "$S4" 8530)
	run_end
	[[ $said == *result=408* ]] || die "client did not get a 408: $said"
	grep -q result=SENT408 "$WORK/srv.log" || die "server did not send a 408"
	check_n "$pcap" SYNs 1
	check_closed "$pcap"
	[[ $(tcpdump -nn -A -r "$pcap" 2>/dev/null | grep -c 'HTTP/1.1 408 Request Timeout') == 1 ]] ||
		die "not one 408 in the capture"
	expect_begin http-408-8530 1 "$N4"
	flow4 40033 8530 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADd absent=truncated,midstream_start"
	finish http-408-8530
}
