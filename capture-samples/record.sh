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
	graceful-v6-8530 refused-v6-6050 many-short snaplen96
	orphan-no-state-8530 orphan-after-close-8530 unsolicited-6050
	rst-out-of-window-8530 rst-with-data-6050 stall-8530 checksum-bad-8530
	gro-receiver reordering-8530 ack-unseen-8530 rst-after-fin-8530 demo
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

# cap_start NS DEV FILE [SNAPLEN [FILTER]]
cap_start() {
	local ns=$1 dev=$2 file=$3 snap=${4:-262144} filter=${5:-tcp or arp}
	local log="$file.log" i
	CAP_LOG=$log
	# A large buffer (-B, KiB): 64 KB super-segments overflow the default.
	ip netns exec "$ns" tcpdump -i "$dev" -nn -U --immediate-mode -B 65536 \
		-s "$snap" -Z root -w "$file" \
		"$filter" 2>"$log" &
	CAP_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -qs 'listening on' "$log" && return 0
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

# check_n FILE SYNs|FINs|RSTs N: exactly N pure SYNs, segments with FIN, RSTs.
check_n() {
	local re
	case $2 in
	SYNs) re='Flags \[S\]' ;;
	FINs) re='Flags \[[^]]*F' ;;
	RSTs) re='Flags \[R' ;;
	*) die "check_n: unknown kind $2" ;;
	esac
	check "$1" "$2" "$re" "$3" "$3"
}

# check_closed FILE: both sides sent a FIN and nobody a RST.
check_closed() {
	check_n "$1" FINs 2
	check_n "$1" RSTs 0
}

# pcapstat FILE STAT: bad checksums and big frames per sender, into STAT.
pcapstat() {
	"$PY" "$WORK/tvrec.py" pcapstat --pcap "$1" >"$2"
	note "  $(tr '\n' ' ' <"$2")"
}

# stat_has STAT LINE MESSAGE: STAT has a line that starts with LINE (a regex).
stat_has() {
	grep -q "^$2" "$1" || die "$3"
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

# flow4 SPORT DPORT key=value...: a flow from the node's IPv4 address and
# SPORT to the server's and DPORT.
flow4() {
	local sport=$1 dport=$2
	shift 2
	flow "orig=$(ep "$N4" "$sport") resp=$(ep "$S4" "$dport")" "$@"
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

# --- client and server -----------------------------------------------------------

# srv_up ADDR PORT MODE [OPTION...]: the server in SRV, listening when it returns.
srv_up() {
	local addr=$1 port=$2 mode=$3
	shift 3
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$addr" --port "$port" \
		--mode "$mode" "$@" --ready "$WORK/srv.ready"
	wait_file "$WORK/srv.ready" 10
}

# client MODE SRC SPORT DST DPORT [OPTION...]: the client in NODE, until it is done.
client() {
	local mode=$1 src=$2 sport=$3 dst=$4 dport=$5
	shift 5
	py_ns "$NODE" client --mode "$mode" --src "$src" --sport "$sport" \
		--dst "$dst" --dport "$dport" "$@"
}

# phased_up THEN SPORT DPORT: a client in NODE that has done its first fetch
# when this returns and does the second when $WORK/go appears, then THEN
# (close or stall).  Its pid is the last of BG_PIDS.
phased_up() {
	py_ns_bg "$NODE" "$WORK/client.log" client --mode phased --then "$1" \
		--src "$N4" --sport "$2" --dst "$S4" --dport "$3" \
		--phase "$WORK/phase1" --go "$WORK/go"
	wait_file "$WORK/phase1" 10
}

# run_end: wait for the helpers, stop the capture, remove the namespaces.
run_end() {
	wait_bg
	cap_stop
	ns_down
}

# client_said RESULT MESSAGE: the client's log has result=RESULT.
client_said() {
	grep -q "result=$1" "$WORK/client.log" || die "$2"
}

client_reset() { client_said ECONNRESET "client did not see a reset"; }
client_ok() { client_said OK "client failed: $(cat "$WORK/client.log")"; }

# --- scenarios -----------------------------------------------------------------

# One request/response, the server closes first, both sides FIN.
graceful() {
	local name=$1 nip=$2 sip=$3 sport=$4 snap=${5:-262144}
	local pcap="$WORK/$name.pcap"
	ns_up
	srv_up "$sip" 8530 close
	cap_start "$NODE" nic0 "$pcap" "$snap"
	client fetch "$nip" "$sport" "$sip" 8530
	run_end
	check_n "$pcap" SYNs 1
	check_closed "$pcap"
}

scn_graceful_8530() {
	graceful graceful-8530 "$N4" "$S4" 40001
	expect_begin graceful-8530 1 "$N4"
	flow4 40001 8530 "conn_state=SF end=fin" \
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
	flow4 40015 8530 "conn_state=SF end=fin" \
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
	client refused "$nip" "$sport" "$sip" 6050 --count 3 --interval 0.5
	cap_stop
	ns_down
	check_n "$pcap" SYNs 3
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

# The server on 6050 answers one request, waits ABORT_AFTER seconds and
# aborts; the client, waiting for more, gets ECONNRESET.
# server_abort NAME SPORT ABORT_AFTER
server_abort() {
	local name=$1 sport=$2 after=$3
	local pcap="$WORK/$name.pcap"
	ns_up
	srv_up "$S4" 6050 abort --abort-after "$after"
	cap_start "$NODE" nic0 "$pcap"
	client wait-reset "$N4" "$sport" "$S4" 6050 | tee "$WORK/client.log"
	run_end
	client_reset
	check "$pcap" "RSTs from the server" "$S4\.6050 > .*Flags \[R" 1 1
}

scn_server_abort_6050() {
	server_abort server-abort-6050 40003 0.2
	check_n "$WORK/server-abort-6050.pcap" FINs 0
	expect_begin server-abort-6050 1 "$N4"
	flow4 40003 6050 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=- anomalies=rst_abort:resp" \
		"attempt=0 history_has=ShADdr absent=rst_after_idle,orphan_after_rst"
	finish server-abort-6050
}

scn_client_abort_6051() {
	local pcap="$WORK/client-abort-6051.pcap"
	ns_up
	srv_up "$S4" 6051 serve
	cap_start "$NODE" nic0 "$pcap"
	client abort "$N4" 40004 "$S4" 6051 --abort-after 0.2
	run_end
	grep -q 'result=ECONNRESET' "$WORK/srv.log" || die "server did not see a reset"
	check "$pcap" "RSTs from the client" "$N4\.40004 > .*Flags \[R" 1 1
	check_n "$pcap" FINs 0
	expect_begin client-abort-6051 1 "$N4"
	flow4 40004 6051 "conn_state=RSTO end=rst" \
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

scn_midstream_8531() {
	local pcap="$WORK/midstream-8531.pcap"
	ns_up
	srv_up "$S4" 8531 serve
	phased_up close 40006 8531
	sleep 0.3 # the delayed ACK of the first response goes out before the capture
	cap_start "$NODE" nic0 "$pcap"
	touch "$WORK/go"
	run_end
	check "$pcap" "SYNs" 'Flags \[S' 0 0
	check_n "$pcap" FINs 2
	tcpdump -c 1 -nn -r "$pcap" 2>/dev/null | grep -q "$N4\.40006 > .*length [1-9]" ||
		die "midstream-8531: the first packet is not the client's data"
	expect_begin midstream-8531 1 "$N4"
	flow4 40006 8531 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=midstream_start:orig" \
		"attempt=0 history_has=DdFf absent=orphan_no_state"
	finish midstream-8531
}

# craft_orphans PCAP SPORT rst|close WHAT: the client's side sends three data
# segments on the connection from SPORT to 8530 after its RST or its close,
# which the router's firewall has forgotten and must drop as invalid (WHAT
# names them in the message if it does not); then the recording ends.
craft_orphans() {
	local pcap=$1 sport=$2 after=$3 what=$4 drops
	py_ns "$NODE" craft --after "$after" --pcap "$pcap" --src "$N4" --sport "$sport" \
		--dst "$S4" --dport 8530 --count 3 --interval 0.2
	cap_stop
	drops=$(invalid_drops)
	ns_down
	[[ $drops == 3 ]] || die "router dropped $drops $what segments, not 3"
	note "  router firewall dropped $drops segments as invalid"
}

scn_orphan_after_rst_8530() {
	local pcap="$WORK/orphan-after-rst-8530.pcap"
	ns_up
	firewall_up
	srv_up "$S4" 8530 abort --abort-after 0.2
	cap_start "$NODE" nic0 "$pcap"
	client wait-reset "$N4" 40007 "$S4" 8530 | tee "$WORK/client.log"
	wait_bg
	client_reset
	# A strict firewall (TMG) forgets the connection on the RST.
	in_ns "$RTR" conntrack -D -p tcp --orig-port-dst 8530 >/dev/null 2>&1 || true
	sleep 0.2
	craft_orphans "$pcap" 40007 rst orphan
	check_n "$pcap" RSTs 1
	check "$pcap" "client segments after the RST" \
		"$N4\.40007 > .*Flags \[P\.\].*length 120" 3 3
	expect_begin orphan-after-rst-8530 1 "$N4"
	flow4 40007 8530 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,orphan_after_rst:orig:3 attempt=0" \
		"history_has=ShADdr firewall.strict_drops=3 absent=midstream_start,orphan_no_state"
	finish orphan-after-rst-8530
}

scn_conntrack_flush_8530() {
	local pcap="$WORK/conntrack-flush-8530.pcap" drops client_pid
	ns_up
	firewall_up
	in_ns "$NODE" sysctl -qw net.ipv4.tcp_retries2=4
	srv_up "$S4" 8530 serve
	cap_start "$NODE" nic0 "$pcap"
	phased_up stall 40008 8530
	client_pid=${BG_PIDS[-1]}
	sleep 0.3
	in_ns "$RTR" conntrack -F >/dev/null 2>&1
	touch "$WORK/go"
	wait "$client_pid" || die "client failed: $(cat "$WORK/client.log")"
	sleep 1.5 # silence after the give-up
	cap_stop
	drops=$(invalid_drops)
	stop_bg
	ns_down
	client_said ETIMEDOUT "client did not give up"
	note "  client: $(grep result= "$WORK/client.log"); router dropped $drops as invalid"
	check_n "$pcap" SYNs 1
	check "$pcap" "RSTs or FINs" 'Flags \[[RF]' 0 0
	check "$pcap" "copies of the unanswered request" \
		"$N4\.40008 > .*Flags \[P\.\], seq [0-9]+:[0-9]+" 4
	expect_begin conntrack-flush-8530 1 "$N4"
	flow4 40008 8530 "conn_state=S1 end=open" \
		"verdict=fail orig.winsock=10053 resp.winsock=-" \
		"anomalies=retransmission_giveup:orig attempt=0 history_has=ShADdT" \
		"absent=rst_abort,orphan_no_state"
	finish conntrack-flush-8530
}

# A download from the server (the sender) to the node, captured in CAPTURE_NS,
# with the sender's offloads on or off and, with gro, GRO on the node's nic0.
# offload_run NAME SENDER_OFFLOADS CAPTURE_NS SPORT [BODY [gro]]
offload_run() {
	local name=$1 mode=$2 cns=$3 sport=$4 body=${5:-524288} gro=${6:-}
	local pcap="$WORK/$name.pcap"
	ns_up
	offloads "$SRV" nic0 "$mode"
	if [[ -n $gro ]]; then
		in_ns "$NODE" ethtool -K nic0 gro on
	fi
	srv_up "$S4" 8530 close --body "$body"
	cap_start "$cns" nic0 "$pcap"
	client fetch "$N4" "$sport" "$S4" 8530
	run_end
	check_closed "$pcap"
	pcapstat "$pcap" "$WORK/$name.stat"
}

# 512 KiB, the sender's offloads on, captured on the sender.
scn_offload_sender() {
	local stat="$WORK/offload-sender.stat"
	offload_run offload-sender on "$SRV" 40009
	stat_has "$stat" "bad_csum $S4 [1-9]" "offload-sender: no bad checksums from $S4"
	stat_has "$stat" "big $S4 [1-9]" "offload-sender: no super-segments from $S4"
	stat_has "$stat" "bad_csum $N4 0$" "offload-sender: bad checksums from $N4"
	stat_has "$stat" "big $N4 0$" "offload-sender: big frames from $N4"
	expect_begin offload-sender 1 "$S4"
	flow4 40009 8530 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=-" \
		"anomalies=checksum_offload:resp,tso_supersegment:resp attempt=0" \
		"history_has=ShADdFfc absent=checksum_bad,gro_coalesced"
	finish offload-sender
}

# 512 KiB, the sender's offloads on, captured on the receiver.
scn_offload_receiver() {
	local stat="$WORK/offload-receiver.stat"
	offload_run offload-receiver on "$NODE" 40010
	stat_has "$stat" "bad_csum $S4 0$" "offload-receiver: bad checksums"
	stat_has "$stat" "big $S4 0$" "offload-receiver: big frames"
	expect_begin offload-receiver 1 "$N4"
	flow4 40010 8530 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf" \
		"absent=checksum_offload,checksum_bad,tso_supersegment,gro_coalesced"
	finish offload-receiver
}

# 512 KiB, offloads off, captured on the sender.
scn_offload_off() {
	local stat="$WORK/offload-off.stat"
	offload_run offload-off off "$SRV" 40011
	stat_has "$stat" "bad_csum $S4 0$" "offload-off: bad checksums"
	stat_has "$stat" "big $S4 0$" "offload-off: big frames"
	expect_begin offload-off 1 "$S4"
	flow4 40011 8530 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf" \
		"absent=checksum_offload,checksum_bad,tso_supersegment,gro_coalesced"
	finish offload-off
}

scn_idle_reset_6050() {
	server_abort idle-reset-6050 40012 3.0
	expect_begin idle-reset-6050 1 "$N4" --rst-idle 2
	flow4 40012 6050 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,rst_after_idle:resp attempt=0 history_has=ShADdr"
	finish idle-reset-6050
}

scn_many_short() {
	local pcap="$WORK/many-short.pcap" i
	ns_up
	srv_up "$S4" 8530 close --count 300 --body 64
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 41000 "$S4" 8530 --count 300
	run_end
	check_n "$pcap" SYNs 300
	check_n "$pcap" FINs 600
	check_n "$pcap" RSTs 0
	expect_begin many-short 300 "$N4"
	for ((i = 0; i < 300; i++)); do
		flow4 $((41000 + i)) 8530 "conn_state=SF" \
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

# --- scenarios for the rarer anomalies ----------------------------------------------

# Seconds between the first packet of FILE and the first one matching PATTERN.
since_start() {
	tcpdump -tt -nn -r "$1" 2>/dev/null | RE=$2 awk 'NR == 1 { t0 = $1 }
		$0 ~ ENVIRON["RE"] { printf "%.1f\n", $1 - t0; exit }'
}

# flowstat FILE SRC SPORT DST DPORT: the data SRC sent as the capture shows it.
flowstat() {
	"$PY" "$WORK/tvrec.py" flowstat --pcap "$1" --src "$2" --sport "$3" \
		--dst "$4" --dport "$5"
}

# stat_of "k=v k=v ..." KEY
stat_of() {
	local kv
	for kv in $1; do
		[[ ${kv%%=*} == "$2" ]] && echo "${kv#*=}" && return 0
	done
	die "no $2 in: $1"
}

# A host firewall that drops the RSTs its own stack sends in answer to
# segments of no connection (stealth mode, as Windows Firewall does by
# default), so that a crafted segment stays alone on the wire.
# stealth_up NS MATCH
stealth_up() {
	in_ns "$1" nft -f - <<EOF
table inet tvstealth {
	chain out {
		type filter hook output priority 0; policy accept;
		$2 tcp flags & rst == rst counter drop comment "stealth"
	}
}
EOF
}

stealth_drops() {
	in_ns "$1" nft list chain inet tvstealth out |
		sed -n 's/.*counter packets \([0-9]*\) bytes.* drop comment "stealth".*/\1/p'
}

# A connection opened and used before the capture starts, idle for 3.5 s
# after it starts, then used again and closed.  The capture starts with
# another, complete fetch, so its first packet marks the start of input.
scn_orphan_no_state_8530() {
	local pcap="$WORK/orphan-no-state-8530.pcap" n t
	ns_up
	py_ns_bg "$SRV" "$WORK/srv.log" server --addr "$S4" --port 8530 \
		--mode serve --ready "$WORK/srv.ready"
	py_ns_bg "$SRV" "$WORK/srv2.log" server --addr "$S4" --port 8531 \
		--mode close --ready "$WORK/srv2.ready"
	wait_file "$WORK/srv.ready" 10
	wait_file "$WORK/srv2.ready" 10
	phased_up close 40016 8530
	sleep 0.3 # the delayed ACK of the first response goes out before the capture
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40017 "$S4" 8531
	sleep 3.5
	touch "$WORK/go"
	run_end
	check "$pcap" "SYNs (the other fetch only)" 'Flags \[S\]' 1 1
	check "$pcap" "SYNs on port 40016" '\.40016[ :].*Flags \[S' 0 0
	check "$pcap" "FINs on port 40016" '\.40016[ :].*Flags \[[^]]*F' 2 2
	t=$(since_start "$pcap" '\.40016 ')
	note "  first packet on port 40016 at ${t}s after the start of the capture"
	awk -v t="$t" 'BEGIN { exit !(t >= 3.0) }' || die "port 40016 appears too early ($t s)"
	tcpdump -nn -r "$pcap" 2>/dev/null | grep -m 1 '\.40016 ' |
		grep -q "$N4\.40016 > .*length [1-9]" ||
		die "orphan-no-state-8530: the first packet on 40016 is not the client's data"
	n=$(count "$pcap" '\.40016[ :]')
	note "  $n packets on port 40016"
	expect_begin orphan-no-state-8530 2 "$N4" --grace 2
	flow4 40017 8531 "conn_state=SF end=fin" \
		"verdict=ok orig.winsock=- resp.winsock=- anomalies=- attempt=0" \
		"history_has=ShADdFf"
	flow4 40016 8530 "conn_state=SF end=fin" \
		"verdict=fail orig.winsock=- resp.winsock=- anomalies=orphan_no_state:orig" \
		"attempt=0 history_has=DdFf firewall.strict_drops=$n absent=midstream_start"
	finish orphan-no-state-8530
}

# A fetch closed by FINs both ways; the router then forgets the connection and
# the client's side sends three more data segments on the same 4-tuple.
scn_orphan_after_close_8530() {
	local pcap="$WORK/orphan-after-close-8530.pcap"
	ns_up
	firewall_up
	srv_up "$S4" 8530 close
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40018 "$S4" 8530
	wait_bg
	sleep 0.2
	in_ns "$RTR" conntrack -D -p tcp --orig-port-dst 8530 >/dev/null 2>&1 || true
	craft_orphans "$pcap" 40018 close late
	check_closed "$pcap"
	check "$pcap" "client segments after the close" \
		"$N4\.40018 > .*Flags \[P\.\].*length 120" 3 3
	expect_begin orphan-after-close-8530 1 "$N4"
	flow4 40018 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=-" \
		"anomalies=orphan_after_close:orig:3 attempt=0 history_has=ShADdFf" \
		"absent=orphan_after_rst,orphan_no_state,midstream_start,rst_abort"
	finish orphan-after-close-8530
}

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

# Established; a RST claiming to come from the server, 4 MiB beyond the
# client's window, is injected on the path; the client's stack ignores it and
# the connection goes on and closes normally.
scn_rst_out_of_window_8530() {
	local pcap="$WORK/rst-out-of-window-8530.pcap"
	ns_up
	srv_up "$S4" 8530 serve
	cap_start "$NODE" nic0 "$pcap"
	phased_up close 40023 8530
	sleep 0.3
	py_ns "$RTR" inject --kind rst-out-of-window --offset 4194304 --pcap "$pcap" \
		--src "$S4" --sport 8530 --dst "$N4" --dport 40023 >/dev/null
	sleep 0.3
	touch "$WORK/go"
	run_end
	client_ok
	check_n "$pcap" RSTs 1
	check_n "$pcap" FINs 2
	check "$pcap" "requests" "$N4\.40023 > .*Flags \[P\.\].*length 87" 2 2
	check "$pcap" "responses" "$S4\.8530 > .*Flags \[P\.\].*length 592" 2 2
	note "  $(tcpdump -nn -r "$pcap" 2>/dev/null | grep -m 1 'Flags \[R' | cut -d' ' -f2-)"
	expect_begin rst-out-of-window-8530 1 "$N4"
	flow4 40023 8530 "conn_state=RSTR end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=rst_out_of_window:resp" \
		"attempt=0 history_has=ShADdrFf" \
		"absent=rst_abort,orphan_after_rst,rst_after_fin,rst_with_data"
	finish rst-out-of-window-8530
}

# Established on 6050; a RST with 50 bytes of text, at exactly the client's
# next expected sequence number, is injected on the path in the server's
# name.  The client, blocked in recv(), gets ECONNRESET.
scn_rst_with_data_6050() {
	local pcap="$WORK/rst-with-data-6050.pcap" client_pid
	ns_up
	srv_up "$S4" 6050 serve
	cap_start "$NODE" nic0 "$pcap"
	py_ns_bg "$NODE" "$WORK/client.log" client --mode wait-reset \
		--src "$N4" --sport 40024 --dst "$S4" --dport 6050 --phase "$WORK/phase1"
	client_pid=${BG_PIDS[-1]}
	wait_file "$WORK/phase1" 10
	sleep 0.3
	py_ns "$RTR" inject --kind rst-data --pcap "$pcap" \
		--src "$S4" --sport 6050 --dst "$N4" --dport 40024 >/dev/null
	wait "$client_pid" || die "client failed: $(cat "$WORK/client.log")"
	cap_stop
	stop_bg
	ns_down
	client_reset
	check_n "$pcap" RSTs 1
	check "$pcap" "RSTs with data from the server's address" \
		"$S4\.6050 > $N4\.40024: Flags \[R\.\].*length 50" 1 1
	check_n "$pcap" FINs 0
	expect_begin rst-with-data-6050 1 "$N4"
	flow4 40024 6050 "conn_state=RSTR end=rst" \
		"verdict=fail orig.winsock=10054 resp.winsock=-" \
		"anomalies=rst_abort:resp,rst_with_data:resp attempt=0 history_has=ShADdr" \
		"absent=rst_after_idle,rst_out_of_window,orphan_after_rst"
	finish rst-with-data-6050
}

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

# Established; the client's request goes out again with one payload bit
# flipped and its checksum as it was: damaged after the checksum was made.
# Receive checksum offload is off on the router and the server, so the
# server's stack verifies the checksum and drops that copy.
scn_checksum_bad_8530() {
	local pcap="$WORK/checksum-bad-8530.pcap" stat="$WORK/checksum-bad-8530.stat" errs
	ns_up
	in_ns "$RTR" ethtool -K rtr-n rx off
	in_ns "$RTR" ethtool -K rtr-s rx off
	in_ns "$SRV" ethtool -K nic0 rx off
	srv_up "$S4" 8530 serve
	cap_start "$NODE" nic0 "$pcap"
	phased_up close 40026 8530
	sleep 0.3
	py_ns "$NODE" inject --kind corrupt-copy --pcap "$pcap" \
		--src "$N4" --sport 40026 --dst "$S4" --dport 8530 >/dev/null
	sleep 0.3
	touch "$WORK/go"
	wait_bg
	cap_stop
	errs=$(in_ns "$SRV" cat /proc/net/snmp | awk '/^Tcp:/ { if (!c) {
		for (i = 1; i <= NF; i++) if ($i == "InCsumErrors") c = i } else print $c }')
	ns_down
	client_ok
	[[ $errs == 1 ]] || die "the server counted $errs checksum errors, not 1"
	note "  the server's stack counted $errs TCP checksum error"
	check_closed "$pcap"
	pcapstat "$pcap" "$stat"
	stat_has "$stat" "bad_csum $N4 1$" "checksum-bad-8530: not exactly 1 bad checksum from $N4"
	stat_has "$stat" "bad_csum $S4 0$" "checksum-bad-8530: bad checksums from $S4"
	expect_begin checksum-bad-8530 1 "$N4"
	flow4 40026 8530 "conn_state=SF end=fin" \
		"verdict=fail orig.winsock=- resp.winsock=- anomalies=checksum_bad:orig" \
		"attempt=0 history_has=ShADdFfC absent=checksum_offload,truncated"
	finish checksum-bad-8530
}

# 256 KiB download; the server sends with TSO/GSO, the router segments in
# software, and the node's nic0 coalesces what it receives (GRO).  Captured
# on the node, the receiver.
scn_gro_receiver() {
	local stat="$WORK/gro-receiver.stat"
	offload_run gro-receiver on "$NODE" 40027 262144 gro
	stat_has "$stat" "big $S4 [1-9]" "gro-receiver: no coalesced frames from $S4"
	stat_has "$stat" "big $N4 0$" "gro-receiver: big frames from $N4"
	stat_has "$stat" "bad_csum $N4 0$" "gro-receiver: bad checksums from $N4"
	expect_begin gro-receiver 1 "$N4"
	flow4 40027 8530 "conn_state=SF end=fin" \
		"verdict=notice orig.winsock=- resp.winsock=- anomalies=gro_coalesced:resp" \
		"attempt=0 history_has=ShADdFf absent=tso_supersegment,checksum_bad"
	finish gro-receiver
}

# 256 KiB download through a router that sends every fourth data segment
# toward the node through a slower queue (HTB class of 100 Mbit/s; the others
# go at 1 Gbit/s), so those segments are overtaken and arrive out of order,
# as over two paths of different delay.
scn_reordering_8530() {
	local pcap="$WORK/reordering-8530.pcap" st
	ns_up
	in_ns "$RTR" tc qdisc add dev rtr-n root handle 1: htb default 10
	in_ns "$RTR" tc class add dev rtr-n parent 1: classid 1:10 htb rate 1gbit quantum 1514
	in_ns "$RTR" tc class add dev rtr-n parent 1: classid 1:20 htb rate 100mbit quantum 1514 \
		burst 1600 cburst 1600
	in_ns "$RTR" nft -f - <<EOF
table inet tvreorder {
	chain post {
		type filter hook postrouting priority 0; policy accept;
		oifname "rtr-n" tcp sport 8530 tcp dport 40028 numgen inc mod 4 == 0 \
			meta priority set 1:20 counter
	}
}
EOF
	srv_up "$S4" 8530 close --body 262144
	cap_start "$NODE" nic0 "$pcap"
	client fetch "$N4" 40028 "$S4" 8530
	run_end
	check_closed "$pcap"
	st=$(flowstat "$pcap" "$S4" 8530 "$N4" 40028)
	note "  server data: $st"
	(($(stat_of "$st" late) >= 10)) || die "reordering-8530: fewer than 10 segments out of order"
	expect_begin reordering-8530 1 "$N4"
	flow4 40028 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=reordering:resp" \
		"attempt=0 history_has=ShADdFf" \
		"absent=retransmission_giveup,checksum_bad,tso_supersegment,gro_coalesced"
	finish reordering-8530
}

# One fetch; the server waits 0.3 s before it closes.  The capture filter
# leaves out the server's one data segment (the 592-byte response), as a
# lossy capture would; the client's ACK for it is captured.
scn_ack_unseen_8530() {
	local pcap="$WORK/ack-unseen-8530.pcap" st
	local plen='ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)'
	ns_up
	srv_up "$S4" 8530 close --close-after 0.3
	cap_start "$NODE" nic0 "$pcap" 262144 \
		"arp or (tcp and not (src host $S4 and tcp[13] & 1 = 0 and $plen = 592))"
	client fetch "$N4" 40029 "$S4" 8530
	run_end
	check_closed "$pcap"
	check "$pcap" "data segments from the server" "$S4\.8530 > .*length [1-9]" 0 0
	st=$(flowstat "$pcap" "$S4" 8530 "$N4" 40029)
	note "  server data: $st"
	[[ $(stat_of "$st" unseen_acked) == 592 ]] ||
		die "ack-unseen-8530: the client did not ack 592 unseen bytes"
	expect_begin ack-unseen-8530 1 "$N4"
	flow4 40029 8530 "conn_state=SF end=fin" \
		"verdict=warn orig.winsock=- resp.winsock=- anomalies=ack_unseen:orig" \
		"attempt=0 history_has=ShADFfg absent=retransmission_giveup,checksum_bad"
	finish ack-unseen-8530
}

# The client sends its request and its FIN at once and closes 0.3 s later
# without reading the response: its kernel sends a RST after its FIN.
scn_rst_after_fin_8530() {
	local pcap="$WORK/rst-after-fin-8530.pcap"
	ns_up
	srv_up "$S4" 8530 close --close-after 1.0
	cap_start "$NODE" nic0 "$pcap"
	client shut-close "$N4" 40030 "$S4" 8530 --abort-after 0.3 >/dev/null
	run_end
	check "$pcap" "FINs from the client" "$N4\.40030 > .*Flags \[F" 1 1
	check "$pcap" "FINs from the server" "$S4\.8530 > .*Flags \[[^]]*F" 0 0
	check "$pcap" "responses" "$S4\.8530 > .*length 592" 1 1
	check "$pcap" "RSTs from the client" "$N4\.40030 > .*Flags \[R" 1 1
	check_n "$pcap" RSTs 1
	tcpdump -nn -r "$pcap" 2>/dev/null | grep -E 'Flags \[(F|R)' | head -n 1 |
		grep -q "$N4\.40030 > .*Flags \[F" || die "rst-after-fin-8530: the RST came before the FIN"
	expect_begin rst-after-fin-8530 1 "$N4"
	flow4 40030 8530 "conn_state=RSTO end=rst" \
		"verdict=warn orig.winsock=- resp.winsock=10054 anomalies=rst_after_fin:orig" \
		"attempt=0 history_has=ShADdFR absent=rst_abort,rst_after_idle,orphan_after_rst"
	finish rst-after-fin-8530
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
            time.sleep(a.close_after)
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
        touch(a.phase)
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
    elif a.mode == "shut-close":
        # Send the request and FIN at once, leave the response unread, then
        # close: with unread data the kernel sends RST after our FIN.
        s = connect(a, a.sport)
        s.sendall(request(0))
        s.shutdown(socket.SHUT_WR)
        time.sleep(a.abort_after)
        s.close()
        print("result=CLOSED", flush=True)
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

def next_seq(t):
    """The sender's next sequence number after TCP segment t (SYN, FIN count)."""
    return (t.seq + len(t.payload) + (1 if t.flags & 0x03 else 0)) & 0xFFFFFFFF


def raw_send(dst, packet):
    """Send an IP packet built here; the kernel adds nothing but the IPv4
    header checksum (and routes it)."""
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        raw.sendto(packet, (dst, 0))


def last_segments(pcap, src, sport, dst, dport):
    """The last captured segment from each side of a 4-tuple (scapy)."""
    from scapy.all import IP, TCP, rdpcap  # pylint: disable=import-outside-toplevel

    mine, theirs = None, None
    for pkt in rdpcap(pcap):
        if TCP not in pkt or IP not in pkt:
            continue
        ip, t = pkt[IP], pkt[TCP]
        if (ip.src, t.sport, ip.dst, t.dport) == (src, sport, dst, dport):
            mine = pkt
        elif (ip.src, t.sport, ip.dst, t.dport) == (dst, dport, src, sport):
            theirs = pkt
    if mine is None or theirs is None:
        sys.exit("tvrec: %s has no segments both ways on %s:%d %s:%d"
                 % (pcap, src, sport, dst, dport))
    return mine, theirs


def cmd_inject(a):
    """One crafted segment from --src to --dst (IPv4).

    lone-synack, lone-fin, lone-rst: a single segment with no connection
    behind it.  rst-out-of-window: a RST on a live connection whose sequence
    number is --offset bytes beyond the receiver's next expected one.
    rst-data: a RST at exactly the receiver's next expected sequence number,
    carrying a short text.  corrupt-copy: the last data segment --src sent,
    again, with one payload byte changed and its checksum left as it was.
    Numbers for the live-connection kinds come from --pcap, the capture in
    progress.
    """
    from scapy.all import IP, TCP, Raw  # pylint: disable=import-outside-toplevel

    ip = IP(src=a.src, dst=a.dst, id=a.ip_id)
    if a.kind == "lone-synack":
        seg = ip / TCP(sport=a.sport, dport=a.dport, flags="SA", seq=0x5EED0000,
                       ack=0x0BAD0001, window=64240, options=[("MSS", 1460)])
    elif a.kind == "lone-fin":
        seg = ip / TCP(sport=a.sport, dport=a.dport, flags="F", seq=0x0F1E0000,
                       window=64240)
    elif a.kind == "lone-rst":
        seg = ip / TCP(sport=a.sport, dport=a.dport, flags="R", seq=0x2E5E7000,
                       window=0)
    elif a.kind in ("rst-out-of-window", "rst-data"):
        # --src is the side the RST claims to come from.
        mine, theirs = last_segments(a.pcap, a.src, a.sport, a.dst, a.dport)
        seq = next_seq(mine[TCP])
        if a.kind == "rst-out-of-window":
            seq = (seq + a.offset) & 0xFFFFFFFF
        seg = ip / TCP(sport=a.sport, dport=a.dport, flags="RA", seq=seq,
                       ack=next_seq(theirs[TCP]), window=0)
        if a.kind == "rst-data":
            seg = seg / Raw(b"connection reset by the inline filter: policy 17\r\n")
    elif a.kind == "corrupt-copy":
        data = None
        for _, _, _, frame in read_pcap(a.pcap)[2]:
            pkt = IP(frame[14:])
            if (TCP in pkt and pkt[IP].src == a.src and pkt[TCP].sport == a.sport
                    and pkt[IP].dst == a.dst and pkt[TCP].dport == a.dport
                    and len(pkt[TCP].payload) > 0):
                data = bytearray(frame[14:])
        if data is None:
            sys.exit("tvrec: no data segment from %s:%d in %s" % (a.src, a.sport, a.pcap))
        data[-10] ^= 0x20  # flip one bit of a payload byte; checksum untouched
        raw_send(a.dst, bytes(data))
        print("result=SENT", flush=True)
        return
    else:
        sys.exit("tvrec: unknown kind %s" % a.kind)
    raw_send(a.dst, bytes(seg))
    print("result=SENT", flush=True)


def cmd_craft(a):
    """Send non-SYN segments that continue a connection already closed.

    Sequence and acknowledgment numbers come from the capture in progress:
    seq continues the client's last segment; ack is the sequence number of
    the server's RST (--after rst) or one past the server's FIN (--after
    close): the server's next sequence number either way.
    """
    from scapy.all import IP, IPv6, TCP, Raw, rdpcap  # pylint: disable=import-outside-toplevel

    last, peer = None, None
    for pkt in rdpcap(a.pcap):
        if TCP not in pkt:
            continue
        ip = pkt[IP] if IP in pkt else pkt[IPv6]
        t = pkt[TCP]
        if (ip.src, t.sport, ip.dst, t.dport) == (a.src, a.sport, a.dst, a.dport):
            last = pkt
        elif (ip.src, t.sport, ip.dst, t.dport) == (a.dst, a.dport, a.src, a.sport):
            if a.after == "close" or t.flags & 0x04:
                peer = pkt
    if last is None or peer is None:
        sys.exit("tvrec: no client segment or no %s in %s" % (a.after, a.pcap))
    t = last[TCP]
    seq = next_seq(t)
    ack = peer[TCP].seq if a.after == "rst" else next_seq(peer[TCP])
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


def cmd_flowstat(a):
    """Data from --src:--sport to --dst:--dport, as a capture shows it (IPv4).

    data: segments with payload; retrans: segments whose bytes were all seen
    before; late: segments with unseen bytes that start below the highest
    byte seen (they arrived out of order); unseen_acked: bytes the receiver
    acknowledged beyond the highest byte seen; stall_ms: the longest time
    with data outstanding and no new acknowledgment.
    """
    _, _, recs = read_pcap(a.pcap)
    base = None
    seen = []  # (start, end) ranges seen, relative
    high = 0  # one past the highest byte seen
    acked = 0
    stat = {"data": 0, "retrans": 0, "late": 0}
    stall_from, stall = None, 0.0
    fin = None  # relative sequence number of the FIN
    for sec, usec, _, frame in recs:
        if struct.unpack("!H", frame[12:14])[0] != 0x0800 or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0F) * 4
        tot = struct.unpack("!H", frame[16:18])[0]
        src = socket.inet_ntop(socket.AF_INET, frame[26:30])
        dst = socket.inet_ntop(socket.AF_INET, frame[30:34])
        th = frame[14 + ihl:]
        sport, dport, seq, ack = struct.unpack("!HHII", th[:12])
        flags = th[13]
        plen = tot - ihl - (th[12] >> 4) * 4
        now = sec + usec / 1e6
        if (src, sport, dst, dport) == (a.src, a.sport, a.dst, a.dport):
            if base is None:
                base = seq if flags & 0x02 else (seq - 1) & 0xFFFFFFFF
            start = (seq - base) & 0xFFFFFFFF
            if flags & 0x02:
                start += 1
            if flags & 0x01:
                fin = start + max(plen, 0)
            if plen <= 0:
                continue
            end = start + plen
            stat["data"] += 1
            covered = sum(max(0, min(e, end) - max(s, start)) for s, e in seen)
            if covered >= plen:
                stat["retrans"] += 1
            elif start < high:
                stat["late"] += 1
            seen.append((start, end))
            if high <= acked:
                stall_from = now  # data outstanding from now on
            high = max(high, end)
        elif (src, sport, dst, dport) == (a.dst, a.dport, a.src, a.sport) and base is not None:
            if not flags & 0x10:
                continue
            rel = (ack - base) & 0xFFFFFFFF
            if rel > acked and rel < 1 << 31:
                if stall_from is not None and acked < high:
                    stall = max(stall, now - stall_from)
                acked = rel
                stall_from = now if acked < high else None
    # Bytes below the acknowledgment that no captured segment carried (the
    # SYN is byte 0; a FIN takes one number of its own).
    covered, upto = 0, 1
    for start, end in sorted(seen):
        start, end = max(start, upto), min(end, acked)
        if end > start:
            covered += end - start
            upto = end
    fin_acked = 1 if fin is not None and fin < acked else 0
    stat["unseen_acked"] = max(0, acked - 1 - covered - fin_acked)
    stat["stall_ms"] = int(stall * 1000)
    print(" ".join("%s=%d" % kv for kv in stat.items()))


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
    s.add_argument("--close-after", type=float, default=0.0)
    s.add_argument("--ready")
    c = sub.add_parser("client")
    c.add_argument("--mode", required=True, choices=[
        "fetch", "refused", "connect-only", "wait-reset", "abort", "shut-close",
        "phased"])
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
    k.add_argument("--after", choices=["rst", "close"], default="rst")
    i = sub.add_parser("inject")
    i.add_argument("--kind", required=True, choices=[
        "lone-synack", "lone-fin", "lone-rst", "rst-out-of-window", "rst-data",
        "corrupt-copy"])
    for name in ("--src", "--dst"):
        i.add_argument(name, required=True)
    i.add_argument("--sport", type=int, required=True)
    i.add_argument("--dport", type=int, required=True)
    i.add_argument("--pcap")
    i.add_argument("--offset", type=int, default=1 << 20)
    i.add_argument("--ip-id", type=int, default=4242)
    f = sub.add_parser("flowstat")
    f.add_argument("--pcap", required=True)
    for name in ("--src", "--dst"):
        f.add_argument(name, required=True)
    f.add_argument("--sport", type=int, required=True)
    f.add_argument("--dport", type=int, required=True)
    st = sub.add_parser("pcapstat")
    st.add_argument("--pcap", required=True)
    m = sub.add_parser("merge")
    m.add_argument("--out", required=True)
    m.add_argument("inputs", nargs="+")
    a = p.parse_args()
    {"server": cmd_server, "client": cmd_client, "craft": cmd_craft,
     "inject": cmd_inject, "flowstat": cmd_flowstat, "pcapstat": cmd_pcapstat,
     "merge": cmd_merge}[a.cmd](a)


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
