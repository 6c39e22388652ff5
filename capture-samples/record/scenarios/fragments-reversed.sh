#!/usr/bin/env bash
# record.sh scenario fragments-reversed: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# 40 short fetches (ports 42000-42039, 64-byte bodies) recorded like
# many-short, then every data segment of the server cut into IPv4 fragments
# of 64 data bytes delivered last first (record/craft.py fragment
# --reverse), as a path that reorders them would.  Many flows, so that with
# several analysis threads the flows' fragments belong to different ones.
scn_fragments_reversed() {
	local pcap="$WORK/fragments-reversed.pcap" whole="$WORK/whole.pcap" i frags
	ns_up
	srv_up "$S4" 8530 close --count 40 --body 64
	cap_start "$NODE" nic0 "$whole"
	client fetch "$N4" 42000 "$S4" 8530 --count 40
	run_end
	check_n "$whole" SYNs 40
	check_n "$whole" RSTs 0
	"$PY" "$SCRIPT_DIR/record/craft.py" fragment --pcap "$whole" --out "$pcap" \
		--src "$S4" --sport 8530 --size 64 --reverse >/dev/null
	frags=$(tcpdump -nn -r "$pcap" "ip[6:2] & 0x3fff != 0" 2>/dev/null | grep -c . || true)
	((frags == 120)) || die "fragments-reversed: $frags fragments, not 120"
	ORIGIN="recorded by capture-samples/record.sh on Linux $KERNEL, fragmented by record/craft.py" \
		expect_begin fragments-reversed 40 "$N4"
	for ((i = 0; i < 40; i++)); do
		flow4 $((42000 + i)) 8530 "conn_state=SF end=fin verdict=notice orig.winsock=-" \
			"resp.winsock=- anomalies=ip_fragmented:resp:1 attempt=0 history_has=ShADdFf" \
			"absent=ip_fragment_overlap,checksum_bad"
	done
	finish fragments-reversed
}
