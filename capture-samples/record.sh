#!/usr/bin/env bash
# Record the capture samples of capture-samples/ with the real Linux TCP stack.
#
# Each scenario builds three fresh network namespaces (node, router, server),
# joins them with veth pairs, runs a small Python client and server (and, for
# the orphan case, crafted segments), captures with tcpdump, and writes
# <scenario>.pcap and <scenario>.expect.  The .expect facts come from what this
# script made happen, never from an analyzer's output.  See README beside it.
#
# Topology (all addresses exist only inside the namespaces created here):
#
#   node nic0 10.99.1.2/24 fd99::1:2/112
#     |  veth
#   router rtr-n 10.99.1.1 fd99::1:1 | rtr-s 10.99.2.1 fd99::2:1  (forwarding,
#     |  veth                          nftables + conntrack where a firewall plays a part)
#   server nic0 10.99.2.2/24 fd99::2:2/112
#
# Run as root.  Needs iproute2, nftables, ethtool, tcpdump, conntrack,
# python3 and python3-scapy (only for the orphan scenario).
#
# Layout: this file lists the scenarios and runs them; record/lib.sh holds
# what they share (namespaces, capture, checks, the .expect writer);
# record/scenarios/NAME.sh records one scenario, as function scn_NAME (with
# '-' as '_'); record/tvrec.py is the client, server and packet crafter.

set -euo pipefail

readonly SCENARIOS=(
	graceful-8530 refused-6050 server-abort-6050 client-abort-6051
	syn-timeout-6051 midstream-8531 orphan-after-rst-8530 conntrack-flush-8530
	offload-sender offload-receiver offload-off idle-reset-6050
	graceful-v6-8530 refused-v6-6050 many-short snaplen96
	orphan-no-state-8530 orphan-after-close-8530 unsolicited-6050
	rst-out-of-window-8530 rst-with-data-6050 stall-8530 checksum-bad-8530
	gro-receiver reordering-8530 ack-unseen-8530 rst-after-fin-8530
	fragmented-8530 fragmented-v6-8530 fragment-overlap-8530 gap-after-fin-8530
	fin-to-silent-peer-8530 stall-after-reset-8530 fragments-reversed
	two-point-orphans-8530 two-point-reject-8530 two-point-nat-8530 two-point-mss-8530
	two-point-loss-8530 two-point-tso http-408-8530 demo
)
# In recording order, so that demo.expect lists the flows in time order.
readonly DEMO_PARTS=(graceful-8530 refused-6050 server-abort-6050
	syn-timeout-6051 orphan-after-rst-8530)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=$SCRIPT_DIR
# shellcheck source-path=SCRIPTDIR source=record/lib.sh
. "$SCRIPT_DIR/record/lib.sh"

usage() {
	cat <<EOF
usage: record.sh [-o OUTDIR] [scenario...]
       record.sh -l
Records every scenario (or the ones named) into OUTDIR (default: the
directory of this script) as <scenario>.pcap and <scenario>.expect.
  -o OUTDIR  where to write the samples
  -l         list the scenarios and exit
  -h         this help
EOF
}

# --- main --------------------------------------------------------------------------

main() {
	local opt name fn selected=() want=() extra=() part s
	while getopts "o:lh" opt; do
		case $opt in
		o) OUTDIR=$OPTARG ;;
		l)
			printf '%s\n' "${SCENARIOS[@]}"
			exit 0
			;;
		h)
			usage
			exit 0
			;;
		*)
			usage >&2
			exit 2
			;;
		esac
	done
	shift $((OPTIND - 1))

	if (($# == 0)); then
		want=("${SCENARIOS[@]}")
	else
		for name in "$@"; do
			[[ " ${SCENARIOS[*]} " == *" $name "* ]] || die "unknown scenario: $name (try -l)"
			want+=("$name")
		done
	fi
	# demo is merged from other samples: record the missing ones first.
	if [[ " ${want[*]} " == *" demo "* ]]; then
		for part in "${DEMO_PARTS[@]}"; do
			[[ -f $OUTDIR/$part.pcap ]] || extra+=("$part")
		done
	fi
	# Run in the canonical order, so that demo comes last.
	for s in "${SCENARIOS[@]}"; do
		if [[ " ${want[*]} ${extra[*]} " == *" $s "* ]]; then
			selected+=("$s")
		fi
	done

	((EUID == 0)) || die "must run as root (it creates network namespaces)"
	for s in ip nft ethtool tcpdump conntrack timeout "$PY"; do
		command -v "$s" >/dev/null || die "missing tool: $s"
	done
	mkdir -p "$OUTDIR"
	OUTDIR=$(cd "$OUTDIR" && pwd)

	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	WORK=$(mktemp -d /tmp/tvrec.XXXXXX)

	for name in "${selected[@]}"; do
		# shellcheck source=/dev/null
		. "$SCRIPT_DIR/record/scenarios/$name.sh"
	done
	for name in "${selected[@]}"; do
		note "scenario $name"
		fn="scn_${name//-/_}"
		rm -f "$WORK"/*.ready "$WORK"/phase1 "$WORK"/go
		"$fn"
	done
	note "done: ${#selected[@]} scenario(s) in $OUTDIR"
}

main "$@"
