#!/usr/bin/env bash
# record.sh scenario demo: sourced by record.sh, which defines the names
# used here (capture-samples/record/lib.sh).
# shellcheck shell=bash disable=SC2154

scn_demo() {
	local part files=() n=0
	expect_begin demo 0 "$N4"
	for part in "${DEMO_PARTS[@]}"; do
		[[ -f $OUTDIR/$part.pcap && -f $OUTDIR/$part.expect ]] ||
			die "demo needs $part recorded first"
		files+=("$OUTDIR/$part.pcap")
		grep '^flow ' "$OUTDIR/$part.expect" >>"$EXPECT"
		n=$((n + $(grep -c '^flow ' "$OUTDIR/$part.expect")))
	done
	sed -i "s/^sample name=demo pcap=demo.pcap flows=0 /sample name=demo pcap=demo.pcap flows=$n /" \
		"$EXPECT"
	"$PY" "$WORK/tvrec.py" merge --out "$WORK/demo.pcap" "${files[@]}"
	finish demo
}
