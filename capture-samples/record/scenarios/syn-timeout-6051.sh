#!/usr/bin/env bash
# record.sh scenario syn-timeout-6051: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_syn_timeout_6051() {
	local pcap="$WORK/syn-timeout-6051.pcap"
	ns_up
	firewall_up 'tcp dport 6051 tcp flags & (syn | ack) == syn counter drop'
	in_ns "$NODE" sysctl -qw net.ipv4.tcp_syn_retries=2
	# Kernels since 6.x retry the first SYNs at a fixed 1 s; ask for the
	# classic doubling back-off (1 s, 2 s, then give up 4 s later).
	if in_ns "$NODE" test -e /proc/sys/net/ipv4/tcp_syn_linear_timeouts; then
		in_ns "$NODE" sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0
	fi
	srv_up "$S4" 6051 serve
	cap_start "$NODE" nic0 "$pcap"
	client connect-only "$N4" 40005 "$S4" 6051 --timeout 20 | tee "$WORK/client.log"
	stop_bg
	cap_stop
	ns_down
	client_said ETIMEDOUT "connect did not time out"
	check "$pcap" "SYNs (1 + 2 retries)" 'Flags \[S\]' 3 3
	check "$pcap" "packets from the server" "$S4\.6051 >" 0 0
	expect_begin syn-timeout-6051 1 "$N4"
	flow4 40005 6051 "conn_state=S0" \
		"end=syn_timeout verdict=fail orig.winsock=10060 resp.winsock=-" \
		"anomalies=syn_timeout:orig attempt=0 history=S absent=rst_refused"
	finish syn-timeout-6051
}
