#!/usr/bin/env bash
# record.sh scenario stall-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Established; then the router drops everything on the connection for 2.5 s
# while the client's second request is outstanding; then the path comes
# back, a retransmission gets through and the fetch completes.
scn_stall_8530() {
	local pcap="$WORK/stall-8530.pcap" st drops
	ns_up
	srv_up "$S4" 8530 serve
	cap_start "$NODE" nic0 "$pcap"
	phased_up close 40025 8530
	sleep 0.3
	in_ns "$RTR" nft -f - <<EOF
table inet tvstall {
	chain outage {
		type filter hook forward priority 0; policy accept;
		tcp sport 40025 counter drop
		tcp dport 40025 counter drop
	}
}
EOF
	touch "$WORK/go"
	sleep 2.5
	drops=$(in_ns "$RTR" nft list chain inet tvstall outage |
		sed -n 's/.*counter packets \([0-9]*\) bytes.*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }')
	in_ns "$RTR" nft delete table inet tvstall
	run_end
	client_ok
	note "  the router dropped $drops segments during the outage"
	check_closed "$pcap"
	st=$(flowstat "$pcap" "$N4" 40025 "$S4" 8530)
	note "  client data: $st"
	(($(stat_of "$st" retrans) >= 2)) || die "stall-8530: fewer than 2 retransmissions"
	(($(stat_of "$st" stall_ms) >= 2500)) || die "stall-8530: no progress for less than 2.5 s"
	expect_begin stall-8530 1 "$N4" --stall 2
	flow4 40025 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=stall:orig attempt=0" \
		"history_has=ShADdFfT absent=retransmission_giveup,rst_abort,checksum_bad"
	finish stall-8530
}
