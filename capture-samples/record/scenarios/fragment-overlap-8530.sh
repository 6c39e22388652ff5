#!/usr/bin/env bash
# record.sh scenario fragment-overlap-8530: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

# Built, not recorded (record/craft.py build fragment-overlap): the client's
# 1400-byte request comes as two IPv4 fragments, the second overlapping the
# first by 8 bytes of other content.  Linux discards such a datagram whole
# (since 4.19; RFC 5722 for IPv6); the client sends the segment again,
# whole, 0.2 s later, and the fetch completes.
scn_fragment_overlap_8530() {
	local pcap="$WORK/fragment-overlap-8530.pcap" frags
	"$PY" "$SCRIPT_DIR/record/craft.py" build fragment-overlap --out "$pcap" >/dev/null
	frags=$(tcpdump -nn -r "$pcap" "ip[6:2] & 0x3fff != 0" 2>/dev/null | grep -c . || true)
	[[ $frags == 2 ]] || die "fragment-overlap-8530: $frags fragments, not 2"
	ORIGIN="built by capture-samples/record/craft.py (scapy)" expect_begin fragment-overlap-8530 1 "$N4"
	flow4 40044 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=ip_fragment_overlap:orig" \
		"attempt=0 history=ShADadfF absent=ip_fragmented,checksum_bad"
	finish fragment-overlap-8530
}
