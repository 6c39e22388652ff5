#!/usr/bin/env bash
# record.sh scenario fragmented-v6-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# A 16 KiB download over IPv6, its data segments cut into fragments of 520
# bytes.  Linux does not fragment TCP over IPv6 (routers never fragment,
# RFC 8200 5, and the sender's TCP sizes its segments to the path MTU), so
# the cut is made after the capture (record/craft.py fragment: IPv6
# fragment headers, as a sender with a smaller MTU would add them); the
# connection itself is the real stack's.  Captured on the node.
scn_fragmented_v6_8530() {
	local pcap="$WORK/fragmented-v6-8530.pcap" whole="$WORK/whole-v6.pcap" frags
	ns_up
	srv_up "$S6" 8530 close --body 16384
	cap_start "$NODE" nic0 "$whole"
	client fetch "$N6" 40032 "$S6" 8530
	run_end
	check_closed "$whole"
	"$PY" "$SCRIPT_DIR/record/craft.py" fragment --pcap "$whole" --out "$pcap" \
		--src "$S6" --sport 8530 --size 520 >/dev/null
	frags=$(tcpdump -nn -r "$pcap" "src host $S6 and ip6[6] == 44" 2>/dev/null | grep -c . || true)
	((frags >= 20)) || die "fragmented-v6-8530: only $frags fragments from the server"
	note "  fragmented-v6-8530.pcap: $frags fragments from the server"
	expect_begin fragmented-v6-8530 1 "$N6"
	flow "orig=$(ep "$N6" 40032) resp=$(ep "$S6" 8530) conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=ip_fragmented:resp" \
		"attempt=0 history_has=ShADdFf" \
		"absent=ip_fragment_overlap,checksum_bad,truncated,ack_unseen"
	finish fragmented-v6-8530
}
