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

set -euo pipefail

readonly SCENARIOS=(
	graceful-8530 refused-6050 server-abort-6050 client-abort-6051
	syn-timeout-6051 midstream-8531 orphan-after-rst-8530 conntrack-flush-8530
	offload-sender offload-receiver offload-off idle-reset-6050
	graceful-v6-8530 refused-v6-6050 many-short snaplen96 demo
)
# In recording order, so that demo.expect lists the flows in time order.
readonly DEMO_PARTS=(graceful-8530 refused-6050 server-abort-6050
	syn-timeout-6051 orphan-after-rst-8530)

readonly PFX="tvrec-$$-"
readonly NODE="${PFX}node" RTR="${PFX}rtr" SRV="${PFX}srv"
readonly N4=10.99.1.2 R4N=10.99.1.1 R4S=10.99.2.1 S4=10.99.2.2
readonly N6=fd99::1:2 R6N=fd99::1:1 R6S=fd99::2:1 S6=fd99::2:2
readonly PY=${PYTHON:-/usr/bin/python3}
# Hard limit for any one process this script waits on, in seconds.
readonly LIMIT=40

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=$SCRIPT_DIR
WORK=""
KERNEL=$(uname -r)
BG_PIDS=()
CAP_PID=""
CAP_LOG=""

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

die() {
	echo "record.sh: $*" >&2
	exit 1
}

note() { echo "record.sh: $*" >&2; }

cleanup() {
	local pid ns
	set +e
	for pid in "${BG_PIDS[@]}" ${CAP_PID:+"$CAP_PID"}; do
		kill "$pid" 2>/dev/null
	done
	for ns in "$NODE" "$RTR" "$SRV"; do
		if [[ -e /run/netns/$ns ]]; then
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -9 "$pid" 2>/dev/null
			done
			ip netns del "$ns" 2>/dev/null
		fi
	done
	for pid in "${BG_PIDS[@]}" ${CAP_PID:+"$CAP_PID"}; do
		wait "$pid" 2>/dev/null
	done
	[[ -n $WORK && -d $WORK && -z ${KEEP_WORK:-} ]] && rm -rf "$WORK"
}

# --- small helpers ---------------------------------------------------------

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# Run the Python helper in a namespace, bounded by LIMIT seconds.
py_ns() {
	local ns=$1
	shift
	timeout "$LIMIT" ip netns exec "$ns" "$PY" "$WORK/tvrec.py" "$@"
}

# Start the Python helper in the background; its pid goes to BG_PIDS.
py_ns_bg() {
	local ns=$1 log=$2
	shift 2
	timeout "$LIMIT" ip netns exec "$ns" "$PY" "$WORK/tvrec.py" "$@" >"$log" 2>&1 &
	BG_PIDS+=("$!")
}

# Wait (bounded) for every background helper; fail if one failed.
wait_bg() {
	local pid rc=0
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" || rc=$?
	done
	BG_PIDS=()
	return "$rc"
}

# Stop every background helper (those meant to run until told).
stop_bg() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
}

wait_file() {
	local file=$1 secs=$2 i
	for ((i = 0; i < secs * 20; i++)); do
		[[ -e $file ]] && return 0
		sleep 0.05
	done
	die "timed out after ${secs}s waiting for $file"
}

# --- topology ----------------------------------------------------------------

ns_up() {
	local ns
	for ns in "$NODE" "$RTR" "$SRV"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		# No duplicate address detection: link-local addresses usable at once.
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
		in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
	done
	ip link add nic0 netns "$NODE" type veth peer name rtr-n netns "$RTR"
	ip link add nic0 netns "$SRV" type veth peer name rtr-s netns "$RTR"

	ip -n "$NODE" addr add "$N4/24" dev nic0
	ip -n "$NODE" addr add "$N6/112" dev nic0 nodad
	ip -n "$RTR" addr add "$R4N/24" dev rtr-n
	ip -n "$RTR" addr add "$R6N/112" dev rtr-n nodad
	ip -n "$RTR" addr add "$R4S/24" dev rtr-s
	ip -n "$RTR" addr add "$R6S/112" dev rtr-s nodad
	ip -n "$SRV" addr add "$S4/24" dev nic0
	ip -n "$SRV" addr add "$S6/112" dev nic0 nodad

	# Offloads off everywhere, so that captures look like the wire; the
	# offload scenarios turn them back on where they need them.
	offloads "$NODE" nic0 off
	offloads "$RTR" rtr-n off
	offloads "$RTR" rtr-s off
	offloads "$SRV" nic0 off

	ip -n "$NODE" link set nic0 up
	ip -n "$RTR" link set rtr-n up
	ip -n "$RTR" link set rtr-s up
	ip -n "$SRV" link set nic0 up

	ip -n "$NODE" route add 10.99.2.0/24 via "$R4N"
	ip -n "$NODE" -6 route add fd99::2:0/112 via "$R6N"
	ip -n "$SRV" route add 10.99.1.0/24 via "$R4S"
	ip -n "$SRV" -6 route add fd99::1:0/112 via "$R6S"
	in_ns "$RTR" sysctl -qw net.ipv4.ip_forward=1
	in_ns "$RTR" sysctl -qw net.ipv6.conf.all.forwarding=1
}

ns_down() {
	local ns pid
	stop_bg
	for ns in "$NODE" "$RTR" "$SRV"; do
		[[ -e /run/netns/$ns ]] || continue
		for pid in $(ip netns pids "$ns"); do
			kill "$pid" 2>/dev/null || true
		done
		ip netns del "$ns"
	done
}

# offloads NS DEV on|off
offloads() {
	if [[ $3 == on ]]; then
		in_ns "$1" ethtool -K "$2" tx on sg on tso on gso on gro off >/dev/null
	else
		in_ns "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null
	fi
}

# A stateful firewall on the router: SYN creates state, established and
# related pass, anything conntrack calls invalid (a non-SYN without state,
# since tcp_loose is 0) is dropped and counted.  Extra rules come first.
firewall_up() {
	local extra=${1:-}
	in_ns "$RTR" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
	in_ns "$RTR" nft -f - <<EOF
table inet tvrec {
	chain tvfwd {
		type filter hook forward priority 0; policy drop;
		$extra
		ct state invalid counter drop comment "invalid"
		ct state established,related counter accept
		tcp flags & (syn | ack | fin | rst) == syn ct state new counter accept
	}
}
EOF
}

# Packets the router's firewall dropped as invalid.
invalid_drops() {
	in_ns "$RTR" nft list chain inet tvrec tvfwd |
		sed -n 's/.*counter packets \([0-9]*\) bytes.* drop comment "invalid".*/\1/p'
}

# --- capture -----------------------------------------------------------------

# cap_start NS DEV FILE [SNAPLEN]
cap_start() {
	local ns=$1 dev=$2 file=$3 snap=${4:-262144}
	local log="$file.log" i
	CAP_LOG=$log
	# A large buffer (-B, KiB): 64 KB super-segments overflow the default.
	ip netns exec "$ns" tcpdump -i "$dev" -nn -U --immediate-mode -B 65536 \
		-s "$snap" -Z root -w "$file" \
		'tcp or arp' 2>"$log" &
	CAP_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$log" && return 0
		kill -0 "$CAP_PID" 2>/dev/null || die "tcpdump failed: $(cat "$log")"
		sleep 0.05
	done
	die "tcpdump did not start within 5s"
}

cap_stop() {
	local i
	sleep 0.3 # let the last segments reach the capture
	kill -INT "$CAP_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
	CAP_PID=""
	grep -q '^0 packets dropped by kernel' "$CAP_LOG" ||
		die "the capture lost packets: $(tr '\n' ' ' <"$CAP_LOG")"
}

# count FILE PATTERN: packets whose tcpdump line matches an extended regex.
count() {
	tcpdump -nn -r "$1" 2>/dev/null | grep -cE "$2" || true
}

# check FILE WHAT PATTERN MIN [MAX]: sanity check of what was recorded.
check() {
	local n
	n=$(count "$1" "$3")
	if ((n < $4)) || { [[ -n ${5:-} ]] && ((n > $5)); }; then
		die "$(basename "$1"): expected ${4}..${5:-} $2, saw $n"
	fi
	note "  $(basename "$1"): $n $2"
}

# --- expectations ------------------------------------------------------------

# expect_begin NAME FLOWS CAPTURE_HOST [ARGS...]
expect_begin() {
	local name=$1 flows=$2 host=$3
	shift 3
	EXPECT="$WORK/$name.expect"
	{
		echo "# $name: recorded by capture-samples/record.sh on Linux $KERNEL"
		echo "sample name=$name pcap=$name.pcap flows=$flows capture_host=$host"
		if (($# > 0)); then
			echo "args $*"
		fi
	} >"$EXPECT"
}

# flow key=value...: one expected flow, in the order of the keys given.
flow() {
	echo "flow $*" >>"$EXPECT"
}

# v4/v6 endpoint strings for .expect: addr:port, [addr]:port for IPv6.
ep() {
	if [[ $1 == *:* ]]; then
		echo "[$1]:$2"
	else
		echo "$1:$2"
	fi
}

finish() {
	local name=$1
	mv "$WORK/$name.pcap" "$OUTDIR/$name.pcap"
	mv "$WORK/$name.expect" "$OUTDIR/$name.expect"
	note "  wrote $OUTDIR/$name.pcap ($(stat -c %s "$OUTDIR/$name.pcap") bytes)"
}

# --- scenarios -----------------------------------------------------------------

# One request/response, the server closes first, both sides FIN.
graceful() {
	local name=$1 nip=$2 sip=$3 sport=$4 snap=${5:-262144}
	local pcap="$WORK/$name.pcap"
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$sip" --port 8530 \
		--mode close --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap" "$snap"
	py_ns "$NODE" client --mode fetch --src "$nip" --sport "$sport" \
		--dst "$sip" --dport 8530
	wait_bg
	cap_stop
	ns_down
	check "$pcap" "SYNs" 'Flags \[S\]' 1 1
	check "$pcap" "FINs" 'Flags \[[^]]*F' 2 2
	check "$pcap" "RSTs" 'Flags \[R' 0 0
}

scn_graceful_8530() {
	graceful graceful-8530 "$N4" "$S4" 40001
	expect_begin graceful-8530 1 "$N4"
	flow "orig=$(ep "$N4" 40001) resp=$(ep "$S4" 8530) conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf absent=truncated,checksum_offload,checksum_bad,midstream_start"
	finish graceful-8530
}

scn_graceful_v6_8530() {
	graceful graceful-v6-8530 "$N6" "$S6" 40013
	expect_begin graceful-v6-8530 1 "$N6"
	flow "orig=$(ep "$N6" 40013) resp=$(ep "$S6" 8530) conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf absent=truncated,checksum_offload,checksum_bad"
	finish graceful-v6-8530
}

scn_snaplen96() {
	graceful snaplen96 "$N4" "$S4" 40015 96
	expect_begin snaplen96 1 "$N4"
	flow "orig=$(ep "$N4" 40015) resp=$(ep "$S4" 8530) conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=truncated attempt=0" \
		"history_has=ShADdFf absent=checksum_bad,checksum_offload"
	finish snaplen96
}

# Nothing listens on 6050: three connects from the same source port.
refused() {
	local name=$1 nip=$2 sip=$3 sport=$4 i
	local pcap="$WORK/$name.pcap"
	ns_up
	cap_start "$NODE" nic0 "$pcap"
	py_ns "$NODE" client --mode refused --src "$nip" --sport "$sport" \
		--dst "$sip" --dport 6050 --count 3 --interval 0.5
	cap_stop
	ns_down
	check "$pcap" "SYNs" 'Flags \[S\]' 3 3
	check "$pcap" "RST/ACKs" 'Flags \[R\.\]' 3 3
	expect_begin "$name" 3 "$nip"
	for ((i = 0; i < 3; i++)); do
		flow "orig=$(ep "$nip" "$sport") resp=$(ep "$sip" 6050) conn_state=REJ" \
			"end=refused verdict=fail orig.winsock=10061 resp.winsock=-" \
			"anomalies=rst_refused:resp attempt=$i history=Sr absent=rst_abort"
	done
	finish "$name"
}

scn_refused_6050() { refused refused-6050 "$N4" "$S4" 40002; }
scn_refused_v6_6050() { refused refused-v6-6050 "$N6" "$S6" 40014; }

scn_server_abort_6050() {
	local pcap="$WORK/server-abort-6050.pcap"
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 6050 \
		--mode abort --abort-after 0.2 --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap"
	py_ns "$NODE" client --mode wait-reset --src "$N4" --sport 40003 \
		--dst "$S4" --dport 6050 | tee "$WORK/client.log"
	wait_bg
	cap_stop
	ns_down
	grep -q 'result=ECONNRESET' "$WORK/client.log" || die "client did not see a reset"
	check "$pcap" "RSTs from the server" "$S4\.6050 > .*Flags \[R" 1 1
	check "$pcap" "FINs" 'Flags \[[^]]*F' 0 0
	expect_begin server-abort-6050 1 "$N4"
	flow "orig=$(ep "$N4" 40003) resp=$(ep "$S4" 6050) conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=- anomalies=rst_abort:resp" \
		"attempt=0 history_has=ShADdr absent=rst_after_idle,orphan_after_rst"
	finish server-abort-6050
}

scn_client_abort_6051() {
	local pcap="$WORK/client-abort-6051.pcap"
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 6051 \
		--mode serve --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap"
	py_ns "$NODE" client --mode abort --abort-after 0.2 --src "$N4" --sport 40004 \
		--dst "$S4" --dport 6051
	wait_bg
	cap_stop
	ns_down
	grep -q 'result=ECONNRESET' "$WORK/srv.log" || die "server did not see a reset"
	check "$pcap" "RSTs from the client" "$N4\.40004 > .*Flags \[R" 1 1
	check "$pcap" "FINs" 'Flags \[[^]]*F' 0 0
	expect_begin client-abort-6051 1 "$N4"
	flow "orig=$(ep "$N4" 40004) resp=$(ep "$S4" 6051) conn_state=RSTO end=rst" \
		"verdict=fail orig.winsock=- resp.winsock=10054 anomalies=rst_abort:orig" \
		"attempt=0 history_has=ShADdR absent=rst_after_idle"
	finish client-abort-6051
}

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
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 6051 \
		--mode serve --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap"
	py_ns "$NODE" client --mode connect-only --src "$N4" --sport 40005 \
		--dst "$S4" --dport 6051 --timeout 20 | tee "$WORK/client.log"
	stop_bg
	cap_stop
	ns_down
	grep -q 'result=ETIMEDOUT' "$WORK/client.log" || die "connect did not time out"
	check "$pcap" "SYNs (1 + 2 retries)" 'Flags \[S\]' 3 3
	check "$pcap" "packets from the server" "$S4\.6051 >" 0 0
	expect_begin syn-timeout-6051 1 "$N4"
	flow "orig=$(ep "$N4" 40005) resp=$(ep "$S4" 6051) conn_state=S0" \
		"end=syn_timeout verdict=fail orig.winsock=10060 resp.winsock=-" \
		"anomalies=syn_timeout:orig attempt=0 history=S absent=rst_refused"
	finish syn-timeout-6051
}

scn_midstream_8531() {
	local pcap="$WORK/midstream-8531.pcap"
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 8531 \
		--mode serve --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	py_ns_bg "$NODE" "$WORK/client.log" client --mode phased --then close \
		--src "$N4" --sport 40006 --dst "$S4" --dport 8531 \
		--phase "$WORK/phase1" --go "$WORK/go"
	wait_file "$WORK/phase1" 10
	sleep 0.3 # the delayed ACK of the first response goes out before the capture
	cap_start "$NODE" nic0 "$pcap"
	touch "$WORK/go"
	wait_bg
	cap_stop
	ns_down
	check "$pcap" "SYNs" 'Flags \[S' 0 0
	check "$pcap" "FINs" 'Flags \[[^]]*F' 2 2
	tcpdump -c 1 -nn -r "$pcap" 2>/dev/null | grep -q "$N4\.40006 > .*length [1-9]" ||
		die "midstream-8531: the first packet is not the client's data"
	expect_begin midstream-8531 1 "$N4"
	flow "orig=$(ep "$N4" 40006) resp=$(ep "$S4" 8531) conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=midstream_start:orig" \
		"attempt=0 history_has=DdFf absent=orphan_no_state"
	finish midstream-8531
}

scn_orphan_after_rst_8530() {
	local pcap="$WORK/orphan-after-rst-8530.pcap" drops
	ns_up
	firewall_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 8530 \
		--mode abort --abort-after 0.2 --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap"
	py_ns "$NODE" client --mode wait-reset --src "$N4" --sport 40007 \
		--dst "$S4" --dport 8530 | tee "$WORK/client.log"
	wait_bg
	grep -q 'result=ECONNRESET' "$WORK/client.log" || die "client did not see a reset"
	# A strict firewall (TMG) forgets the connection on the RST.
	in_ns "$RTR" conntrack -D -p tcp --orig-port-dst 8530 >/dev/null 2>&1 || true
	sleep 0.2
	py_ns "$NODE" craft --pcap "$pcap" --src "$N4" --sport 40007 --dst "$S4" \
		--dport 8530 --count 3 --interval 0.2
	cap_stop
	drops=$(invalid_drops)
	ns_down
	[[ $drops == 3 ]] || die "router dropped $drops orphan segments, not 3"
	note "  router firewall dropped $drops segments as invalid"
	check "$pcap" "RSTs" 'Flags \[R' 1 1
	check "$pcap" "client segments after the RST" \
		"$N4\.40007 > .*Flags \[P\.\].*length 120" 3 3
	expect_begin orphan-after-rst-8530 1 "$N4"
	flow "orig=$(ep "$N4" 40007) resp=$(ep "$S4" 8530) conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,orphan_after_rst:orig:3 attempt=0" \
		"history_has=ShADdr firewall.strict_drops=3 absent=midstream_start,orphan_no_state"
	finish orphan-after-rst-8530
}

scn_conntrack_flush_8530() {
	local pcap="$WORK/conntrack-flush-8530.pcap" drops
	ns_up
	firewall_up
	in_ns "$NODE" sysctl -qw net.ipv4.tcp_retries2=4
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 8530 \
		--mode serve --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap"
	py_ns_bg "$NODE" "$WORK/client.log" client --mode phased --then stall \
		--src "$N4" --sport 40008 --dst "$S4" --dport 8530 \
		--phase "$WORK/phase1" --go "$WORK/go"
	local client_pid=${BG_PIDS[-1]}
	wait_file "$WORK/phase1" 10
	sleep 0.3
	in_ns "$RTR" conntrack -F >/dev/null 2>&1
	touch "$WORK/go"
	wait "$client_pid" || die "client failed: $(cat "$WORK/client.log")"
	sleep 1.5 # silence after the give-up
	cap_stop
	drops=$(invalid_drops)
	stop_bg
	ns_down
	grep -q 'result=ETIMEDOUT' "$WORK/client.log" || die "client did not give up"
	note "  client: $(grep result= "$WORK/client.log"); router dropped $drops as invalid"
	check "$pcap" "SYNs" 'Flags \[S\]' 1 1
	check "$pcap" "RSTs or FINs" 'Flags \[[RF]' 0 0
	check "$pcap" "copies of the unanswered request" \
		"$N4\.40008 > .*Flags \[P\.\], seq [0-9]+:[0-9]+" 4
	expect_begin conntrack-flush-8530 1 "$N4"
	flow "orig=$(ep "$N4" 40008) resp=$(ep "$S4" 8530) conn_state=S1 end=open" \
		"verdict=fail orig.winsock=10053 resp.winsock=-" \
		"anomalies=retransmission_giveup:orig attempt=0 history_has=ShADdT" \
		"absent=rst_abort,orphan_no_state"
	finish conntrack-flush-8530
}

# 512 KiB download from the server (the sender) to the node.
# offload_run NAME SENDER_OFFLOADS CAPTURE_NS SPORT
offload_run() {
	local name=$1 mode=$2 cns=$3 sport=$4
	local pcap="$WORK/$name.pcap"
	ns_up
	offloads "$SRV" nic0 "$mode"
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 8530 \
		--mode close --body 524288 --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$cns" nic0 "$pcap"
	py_ns "$NODE" client --mode fetch --src "$N4" --sport "$sport" \
		--dst "$S4" --dport 8530
	wait_bg
	cap_stop
	ns_down
	check "$pcap" "FINs" 'Flags \[[^]]*F' 2 2
	check "$pcap" "RSTs" 'Flags \[R' 0 0
	"$PY" "$WORK/tvrec.py" pcapstat --pcap "$pcap" >"$WORK/$name.stat"
	note "  $(tr '\n' ' ' <"$WORK/$name.stat")"
}

scn_offload_sender() {
	local stat="$WORK/offload-sender.stat"
	offload_run offload-sender on "$SRV" 40009
	grep -q "^bad_csum $S4 [1-9]" "$stat" || die "offload-sender: no bad checksums from $S4"
	grep -q "^big $S4 [1-9]" "$stat" || die "offload-sender: no super-segments from $S4"
	grep -q "^bad_csum $N4 0$" "$stat" || die "offload-sender: bad checksums from $N4"
	grep -q "^big $N4 0$" "$stat" || die "offload-sender: big frames from $N4"
	expect_begin offload-sender 1 "$S4"
	flow "orig=$(ep "$N4" 40009) resp=$(ep "$S4" 8530) conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=-" \
		"anomalies=checksum_offload:resp,tso_supersegment:resp attempt=0" \
		"history_has=ShADdFfc absent=checksum_bad,gro_coalesced"
	finish offload-sender
}

scn_offload_receiver() {
	local stat="$WORK/offload-receiver.stat"
	offload_run offload-receiver on "$NODE" 40010
	grep -q "^bad_csum $S4 0$" "$stat" || die "offload-receiver: bad checksums"
	grep -q "^big $S4 0$" "$stat" || die "offload-receiver: big frames"
	expect_begin offload-receiver 1 "$N4"
	flow "orig=$(ep "$N4" 40010) resp=$(ep "$S4" 8530) conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf" \
		"absent=checksum_offload,checksum_bad,tso_supersegment,gro_coalesced"
	finish offload-receiver
}

scn_offload_off() {
	local stat="$WORK/offload-off.stat"
	offload_run offload-off off "$SRV" 40011
	grep -q "^bad_csum $S4 0$" "$stat" || die "offload-off: bad checksums"
	grep -q "^big $S4 0$" "$stat" || die "offload-off: big frames"
	expect_begin offload-off 1 "$S4"
	flow "orig=$(ep "$N4" 40011) resp=$(ep "$S4" 8530) conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf" \
		"absent=checksum_offload,checksum_bad,tso_supersegment,gro_coalesced"
	finish offload-off
}

scn_idle_reset_6050() {
	local pcap="$WORK/idle-reset-6050.pcap"
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 6050 \
		--mode abort --abort-after 3.0 --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap"
	py_ns "$NODE" client --mode wait-reset --src "$N4" --sport 40012 \
		--dst "$S4" --dport 6050 | tee "$WORK/client.log"
	wait_bg
	cap_stop
	ns_down
	grep -q 'result=ECONNRESET' "$WORK/client.log" || die "client did not see a reset"
	check "$pcap" "RSTs from the server" "$S4\.6050 > .*Flags \[R" 1 1
	expect_begin idle-reset-6050 1 "$N4" --rst-idle 2
	flow "orig=$(ep "$N4" 40012) resp=$(ep "$S4" 6050) conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,rst_after_idle:resp attempt=0 history_has=ShADdr"
	finish idle-reset-6050
}

scn_many_short() {
	local pcap="$WORK/many-short.pcap" i
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 8530 \
		--mode close --count 300 --body 64 --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
	cap_start "$NODE" nic0 "$pcap"
	py_ns "$NODE" client --mode fetch --count 300 --src "$N4" --sport 41000 \
		--dst "$S4" --dport 8530
	wait_bg
	cap_stop
	ns_down
	check "$pcap" "SYNs" 'Flags \[S\]' 300 300
	check "$pcap" "FINs" 'Flags \[[^]]*F' 600 600
	check "$pcap" "RSTs" 'Flags \[R' 0 0
	expect_begin many-short 300 "$N4"
	for ((i = 0; i < 300; i++)); do
		flow "orig=$(ep "$N4" $((41000 + i))) resp=$(ep "$S4" 8530) conn_state=SF" \
			"end=fin verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
			"history_has=ShADdFf"
	done
	finish many-short
}

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

# --- the Python helper -----------------------------------------------------------

write_helper() {
	cat >"$WORK/tvrec.py" <<'PYEOF'
"""Endpoints for record.sh: server, client, crafted segments, pcap tools.

Every wait is bounded; every socket has a timeout.  Prints result=... lines
that record.sh checks.
"""
import argparse
import errno
import os
import socket
import struct
import sys
import time

LIMIT = 30.0


def wait_file(path, limit=LIMIT):
    end = time.monotonic() + limit
    while not os.path.exists(path):
        if time.monotonic() > end:
            sys.exit("tvrec: timed out waiting for %s" % path)
        time.sleep(0.01)


def touch(path):
    if path:
        with open(path, "w", encoding="ascii"):
            pass


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def abort(sock):
    """Close with SO_LINGER {on, 0}: the kernel sends RST, not FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def err_name(exc):
    code = getattr(exc, "errno", None)
    return errno.errorcode.get(code, "E?") if code else type(exc).__name__


def read_head(sock):
    """Bytes up to the end of a header block; b"" on a clean EOF."""
    buf = b""
    for _ in range(1024):
        if b"\r\n\r\n" in buf:
            return buf
        chunk = sock.recv(4096)
        if not chunk:
            return buf
        buf += chunk
    raise RuntimeError("header too long")


def request(n):
    return (b"GET /Content/%02d/update-%d.cab HTTP/1.1\r\n"
            b"Host: wsus\r\nUser-Agent: Windows-Update-Agent\r\n\r\n" % (n % 100, n))


def response(body_len):
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: %d\r\n\r\n" % body_len)
    return head + bytes(i * 7 % 251 for i in range(body_len))


def read_response(sock):
    head = read_head(sock)
    if not head:
        raise RuntimeError("no response")
    header, _, body = head.partition(b"\r\n\r\n")
    length = 0
    for line in header.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    for _ in range(100000):
        if len(body) >= length:
            return
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("short body")
        body += chunk
    raise RuntimeError("body too long")


def read_eof(sock):
    for _ in range(100000):
        if not sock.recv(65536):
            return
    raise RuntimeError("no EOF")


# --- server -------------------------------------------------------------------

def cmd_server(a):
    ls = socket.socket(family(a.addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(64)
    ls.settimeout(LIMIT)
    touch(a.ready)
    for _ in range(a.count):
        conn, _ = ls.accept()
        conn.settimeout(LIMIT)
        if a.mode == "close":
            # One request, one response, then the server closes first.
            read_head(conn)
            conn.sendall(response(a.body))
            conn.close()
        elif a.mode == "abort":
            read_head(conn)
            conn.sendall(response(a.body))
            time.sleep(a.abort_after)
            abort(conn)
            print("result=ABORTED", flush=True)
        else:  # serve: answer requests until EOF or an error
            try:
                for _ in range(1000):
                    if not read_head(conn):
                        print("result=EOF", flush=True)
                        break
                    conn.sendall(response(a.body))
            except OSError as exc:
                print("result=%s" % err_name(exc), flush=True)
            conn.close()
    ls.close()


# --- client -------------------------------------------------------------------

def connect(a, sport, timeout=LIMIT):
    s = socket.socket(family(a.dst), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, sport))
    s.settimeout(timeout)
    s.connect((a.dst, a.dport))
    return s


def cmd_client(a):
    if a.mode == "fetch":
        for i in range(a.count):
            s = connect(a, a.sport + i)
            s.sendall(request(i))
            read_eof(s)  # the server closes after its response
            s.close()
        print("result=OK count=%d" % a.count, flush=True)
    elif a.mode == "refused":
        for i in range(a.count):
            if i:
                time.sleep(a.interval)
            try:
                connect(a, a.sport).close()
                print("result=CONNECTED attempt=%d" % i, flush=True)
            except OSError as exc:
                print("result=%s attempt=%d" % (err_name(exc), i), flush=True)
    elif a.mode == "connect-only":
        try:
            connect(a, a.sport, a.timeout).close()
            print("result=CONNECTED", flush=True)
        except OSError as exc:
            print("result=%s" % err_name(exc), flush=True)
    elif a.mode == "wait-reset":
        s = connect(a, a.sport)
        s.sendall(request(0))
        read_response(s)
        try:
            data = s.recv(4096)
            print("result=%s" % ("DATA" if data else "EOF"), flush=True)
        except OSError as exc:
            print("result=%s" % err_name(exc), flush=True)
        s.close()
    elif a.mode == "abort":
        s = connect(a, a.sport)
        s.sendall(request(0))
        read_response(s)
        time.sleep(a.abort_after)
        abort(s)
        print("result=ABORTED", flush=True)
    elif a.mode == "phased":
        s = connect(a, a.sport)
        s.sendall(request(0))
        read_response(s)
        touch(a.phase)
        wait_file(a.go)
        s.sendall(request(1))
        try:
            read_response(s)
            if a.then == "close":
                s.shutdown(socket.SHUT_WR)
                read_eof(s)
            print("result=OK", flush=True)
        except OSError as exc:
            print("result=%s" % err_name(exc), flush=True)
        s.close()


# --- crafted segments -------------------------------------------------------------

def cmd_craft(a):
    """Send non-SYN segments that continue a connection already reset.

    Sequence and acknowledgment numbers come from the capture in progress:
    seq continues the client's last segment, ack is the sequence number of
    the server's RST (the server's next sequence number).
    """
    from scapy.all import IP, IPv6, TCP, Raw, rdpcap  # pylint: disable=import-outside-toplevel

    last, rst = None, None
    for pkt in rdpcap(a.pcap):
        if TCP not in pkt:
            continue
        ip = pkt[IP] if IP in pkt else pkt[IPv6]
        t = pkt[TCP]
        if (ip.src, t.sport, ip.dst, t.dport) == (a.src, a.sport, a.dst, a.dport):
            last = pkt
        elif (ip.src, t.sport, ip.dst, t.dport) == (a.dst, a.dport, a.src, a.sport):
            if t.flags & 0x04:
                rst = pkt
    if last is None or rst is None:
        sys.exit("tvrec: no client segment or no RST in %s" % a.pcap)
    t = last[TCP]
    seq = t.seq + len(t.payload) + (1 if t.flags & 0x03 else 0)
    ack = rst[TCP].seq
    # Keep the timestamps option going, as the connection's own stack would.
    tsval, tsecr = dict(t.options).get("Timestamp", (None, None))
    v6 = ":" in a.dst
    raw = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                        socket.IPPROTO_RAW)
    for i in range(a.count):
        if i:
            time.sleep(a.interval)
        body = (b"POST /ClientWebService/client.asmx HTTP/1.1 part %d " % i).ljust(120, b".")
        ip = IPv6(src=a.src, dst=a.dst) if v6 else IP(src=a.src, dst=a.dst, id=4000 + i)
        opts = []
        if tsval is not None:
            elapsed_ms = int((time.time() - float(last.time)) * 1000)
            opts = [("NOP", None), ("NOP", None),
                    ("Timestamp", ((tsval + elapsed_ms) & 0xFFFFFFFF, tsecr))]
        seg = ip / TCP(sport=a.sport, dport=a.dport, flags="PA", seq=seq & 0xFFFFFFFF,
                       ack=ack, window=t.window, options=opts) / Raw(body)
        raw.sendto(bytes(seg), (a.dst, 0))
        seq += len(body)
    print("result=SENT count=%d" % a.count, flush=True)


# --- pcap tools (no scapy) -------------------------------------------------------

def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        end = "<"
    elif magic == 0xD4C3B2A1:
        end = ">"
    else:
        raise RuntimeError("%s: not a classic pcap" % path)
    snap, link = struct.unpack(end + "II", data[16:24])
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        recs.append((sec, usec, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return snap, link, recs


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def cmd_pcapstat(a):
    """Per source address: TCP checksums that do not verify, frames > 1514."""
    _, link, recs = read_pcap(a.pcap)
    if link != 1:
        raise RuntimeError("not Ethernet")
    bad, big = {}, {}
    for _, _, orig, frame in recs:
        etype = struct.unpack("!H", frame[12:14])[0]
        if etype == 0x0800:
            ihl = (frame[14] & 0x0F) * 4
            if frame[23] != 6:
                continue
            src = socket.inet_ntop(socket.AF_INET, frame[26:30])
            tot = struct.unpack("!H", frame[16:18])[0]
            seg = frame[14 + ihl:14 + tot]
            pseudo = frame[26:34] + struct.pack("!BBH", 0, 6, len(seg))
        elif etype == 0x86DD:
            if frame[20] != 6:
                continue
            src = socket.inet_ntop(socket.AF_INET6, frame[22:38])
            plen = struct.unpack("!H", frame[18:20])[0]
            seg = frame[54:54 + plen]
            pseudo = frame[22:54] + struct.pack("!IxxxB", len(seg), 6)
        else:
            continue
        bad.setdefault(src, 0)
        big.setdefault(src, 0)
        if orig > 1514:
            big[src] += 1
        if len(frame) == orig and csum(pseudo + seg) != 0xFFFF:
            bad[src] += 1
    for src in sorted(bad):
        print("bad_csum %s %d" % (src, bad[src]))
        print("big %s %d" % (src, big[src]))


def cmd_merge(a):
    """Merge classic pcaps into one, ordered by timestamp."""
    snaps, recs = [], []
    for path in a.inputs:
        snap, link, r = read_pcap(path)
        if link != 1:
            raise RuntimeError("%s: not Ethernet" % path)
        snaps.append(snap)
        recs.extend(r)
    recs.sort(key=lambda r: (r[0], r[1]))
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, max(snaps), 1))
        for sec, usec, orig, frame in recs:
            f.write(struct.pack("<IIII", sec, usec, len(frame), orig))
            f.write(frame)


def main():
    p = argparse.ArgumentParser(prog="tvrec")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("server")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--mode", choices=["close", "abort", "serve"], required=True)
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--body", type=int, default=512)
    s.add_argument("--abort-after", type=float, default=0.2)
    s.add_argument("--ready")
    c = sub.add_parser("client")
    c.add_argument("--mode", required=True, choices=[
        "fetch", "refused", "connect-only", "wait-reset", "abort", "phased"])
    c.add_argument("--src", required=True)
    c.add_argument("--sport", type=int, required=True)
    c.add_argument("--dst", required=True)
    c.add_argument("--dport", type=int, required=True)
    c.add_argument("--count", type=int, default=1)
    c.add_argument("--interval", type=float, default=0.5)
    c.add_argument("--timeout", type=float, default=LIMIT)
    c.add_argument("--abort-after", type=float, default=0.2)
    c.add_argument("--then", choices=["close", "stall"], default="close")
    c.add_argument("--phase")
    c.add_argument("--go")
    k = sub.add_parser("craft")
    for name in ("--pcap", "--src", "--dst"):
        k.add_argument(name, required=True)
    k.add_argument("--sport", type=int, required=True)
    k.add_argument("--dport", type=int, required=True)
    k.add_argument("--count", type=int, default=3)
    k.add_argument("--interval", type=float, default=0.2)
    st = sub.add_parser("pcapstat")
    st.add_argument("--pcap", required=True)
    m = sub.add_parser("merge")
    m.add_argument("--out", required=True)
    m.add_argument("inputs", nargs="+")
    a = p.parse_args()
    {"server": cmd_server, "client": cmd_client, "craft": cmd_craft,
     "pcapstat": cmd_pcapstat, "merge": cmd_merge}[a.cmd](a)


if __name__ == "__main__":
    main()
PYEOF
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
	write_helper

	for name in "${selected[@]}"; do
		note "scenario $name"
		fn="scn_${name//-/_}"
		rm -f "$WORK"/*.ready "$WORK"/phase1 "$WORK"/go
		"$fn"
	done
	note "done: ${#selected[@]} scenario(s) in $OUTDIR"
}

main "$@"
