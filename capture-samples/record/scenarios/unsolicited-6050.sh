#!/usr/bin/env bash
# record.sh scenario unsolicited-6050: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A fetch, then 3 s later a lone SYN-ACK, a lone FIN (no ACK) and a lone RST,
# each on its own 4-tuple, none belonging to any connection.
scn_unsolicited_6050() {
	local pcap="$WORK/unsolicited-6050.pcap" nd sd p
	ns_up
	stealth_up "$NODE" "tcp sport 40020"
	stealth_up "$SRV" "tcp dport 40021"
	srv_up "$S4" 6050 close
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40019 "$S4" 6050
	wait_bg
	sleep 3
	py_ns "$SRV" inject --kind lone-synack --src "$S4" --sport 6050 \
		--dst "$N4" --dport 40020 >/dev/null
	sleep 0.2
	py_ns "$NODE" inject --kind lone-fin --src "$N4" --sport 40021 \
		--dst "$S4" --dport 6050 >/dev/null
	sleep 0.2
	py_ns "$SRV" inject --kind lone-rst --src "$S4" --sport 6050 \
		--dst "$N4" --dport 40022 >/dev/null
	cap_stop
	nd=$(stealth_drops "$NODE")
	sd=$(stealth_drops "$SRV")
	ns_down
	[[ $nd == 1 && $sd == 1 ]] || die "stealth rules dropped $nd (node) and $sd (server) RSTs, not 1 and 1"
	note "  the hosts' own RSTs dropped by their stealth rules: node $nd, server $sd"
	check_n "$pcap" SYNs 1
	check "$pcap" "packets on port 40020 (the SYN-ACK)" \
		"$S4\.6050 > $N4\.40020: Flags \[S\.\]" 1 1
	check "$pcap" "packets on port 40021 (the FIN)" "$N4\.40021 > $S4\.6050: Flags \[F\]," 1 1
	check "$pcap" "packets on port 40022 (the RST)" "$S4\.6050 > $N4\.40022: Flags \[R\]," 1 1
	for p in 40020 40021 40022; do
		check "$pcap" "packets on port $p in all" "\.${p}[ :]" 1 1
	done
	note "  the SYN-ACK came $(since_start "$pcap" '\.40020: ')s after the start of the capture"
	expect_begin unsolicited-6050 4 "$N4" --grace 2
	flow4 40019 6050 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf"
	flow4 40020 6050 "conn_state=OTH end=open" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=unsolicited_synack:resp" \
		"attempt=0 history_has=h firewall.strict_drops=1" \
		"absent=midstream_start,orphan_no_state,rst_refused"
	flow4 40021 6050 "conn_state=SH" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=unsolicited_fin:orig" \
		"attempt=0 history=F firewall.strict_drops=1" \
		"absent=midstream_start,orphan_no_state"
	flow4 40022 6050 "conn_state=RSTRH end=rst" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=unsolicited_rst:resp" \
		"attempt=0 history_has=r firewall.strict_drops=1" \
		"absent=midstream_start,orphan_no_state,rst_abort,rst_refused"
	finish unsolicited-6050
}
