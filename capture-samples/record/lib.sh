#!/usr/bin/env bash
# Shared helpers of record.sh and its scenarios (record/scenarios/*.sh):
# namespaces and topology, capture, checks of what was recorded, the
# .expect writer, the client and server helper (record/tvrec.py).  Sourced
# by record.sh after it has set SCRIPT_DIR and OUTDIR.
# shellcheck shell=bash disable=SC2034,SC2154

readonly PFX="tvrec-$$-"
readonly NODE="${PFX}node" RTR="${PFX}rtr" SRV="${PFX}srv"
readonly N4=10.99.1.2 R4N=10.99.1.1 R4S=10.99.2.1 S4=10.99.2.2
readonly N6=fd99::1:2 R6N=fd99::1:1 R6S=fd99::2:1 S6=fd99::2:2
readonly PY=${PYTHON:-/usr/bin/python3}
# Hard limit for any one process this script waits on, in seconds.
readonly LIMIT=40

WORK=""
KERNEL=$(uname -r)
BG_PIDS=()
CAP_PID=""
CAP_LOG=""
CAP2_PID=""
CAP2_LOG=""

readonly HELPER=$SCRIPT_DIR/record/tvrec.py

die() {
	echo "record.sh: $*" >&2
	exit 1
}

note() { echo "record.sh: $*" >&2; }

cleanup() {
	local pid ns
	set +e
	for pid in "${BG_PIDS[@]}" ${CAP_PID:+"$CAP_PID"} ${CAP2_PID:+"$CAP2_PID"}; do
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
	for pid in "${BG_PIDS[@]}" ${CAP_PID:+"$CAP_PID"} ${CAP2_PID:+"$CAP2_PID"}; do
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
	timeout "$LIMIT" ip netns exec "$ns" "$PY" "$HELPER" "$@"
}

# Start the Python helper in the background; its pid goes to BG_PIDS.
py_ns_bg() {
	local ns=$1 log=$2
	shift 2
	timeout "$LIMIT" ip netns exec "$ns" "$PY" "$HELPER" "$@" >"$log" 2>&1 &
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

# Two capture points: cap_pair_start NS DEV FIRST NS DEV SECOND starts
# both; cap_pair_stop stops both (each must have lost nothing).  Before
# they stop, the node and the server each send a UDP datagram to the
# router's side nearer them (port 9, discard): each point's last packet
# shows that it was still capturing after the flows' last segments, which
# it would otherwise not know.
readonly PAIR_FILTER="tcp or arp or udp port 9"
cap_pair_start() {
	cap_start "$1" "$2" "$3" 262144 "$PAIR_FILTER"
	CAP2_PID=$CAP_PID
	CAP2_LOG=$CAP_LOG
	cap_start "$4" "$5" "$6" 262144 "$PAIR_FILTER"
}

# mark_end NS ADDR: one datagram to ADDR's port 9.
mark_end() {
	in_ns "$1" "$PY" -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"end", (sys.argv[1], 9))' "$2"
}

cap_pair_stop() {
	sleep 0.3
	mark_end "$NODE" "$R4N"
	mark_end "$SRV" "$R4S"
	cap_stop
	CAP_PID=$CAP2_PID
	CAP_LOG=$CAP2_LOG
	CAP2_PID=""
	cap_stop
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
	"$PY" "$HELPER" pcapstat --pcap "$1" >"$2"
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
		echo "# $name: ${ORIGIN:-recorded by capture-samples/record.sh on Linux $KERNEL}"
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

# Two-point samples go to OUTDIR/two-point/: NAME.first.pcap (the point
# nearer the node), NAME.second.pcap and NAME.expect, whose "pair" line
# names them.  expect_pair_begin NAME FLOWS
expect_pair_begin() {
	local name=$1 flows=$2
	EXPECT="$WORK/$name.expect"
	{
		echo "# $name: ${ORIGIN:-recorded by capture-samples/record.sh on Linux $KERNEL}"
		echo "pair name=$name first=$name.first.pcap second=$name.second.pcap flows=$flows"
	} >"$EXPECT"
}

finish_pair() {
	local name=$1 pt
	mkdir -p "$OUTDIR/two-point"
	for pt in first second; do
		mv "$WORK/$name.$pt.pcap" "$OUTDIR/two-point/$name.$pt.pcap"
	done
	mv "$WORK/$name.expect" "$OUTDIR/two-point/$name.expect"
	note "  wrote $OUTDIR/two-point/$name.{first,second}.pcap"
}

# The router forwards through a tun device served by the impairment helper
# (record/tvrec.py impair: seeded loss and delay, every drop logged), since
# the kernel here may lack netem.  Both directions go through it, so each
# packet is forwarded twice: two hops between the router's two sides.
# impair_up SEED LOSS DELAY_MIN_MS DELAY_MAX_MS
impair_up() {
	py_ns_bg "$RTR" "$WORK/impair.out" impair --dev tvimp0 --seed "$1" --loss "$2" \
		--delay-min "$3" --delay-max "$4" --log "$WORK/impair.log" \
		--ready "$WORK/impair.ready" --stop "$WORK/impair.stop"
	wait_file "$WORK/impair.ready" 10
	ip -n "$RTR" link set tvimp0 up
	local c
	for c in all default tvimp0 rtr-n rtr-s; do
		in_ns "$RTR" sysctl -qw "net.ipv4.conf.$c.rp_filter=0"
		in_ns "$RTR" sysctl -qw "net.ipv4.conf.$c.send_redirects=0"
	done
	ip -n "$RTR" route add default dev tvimp0 table 100
	ip -n "$RTR" rule add iif rtr-n lookup 100
	ip -n "$RTR" rule add iif rtr-s lookup 100
}

impair_down() {
	touch "$WORK/impair.stop"
}

# impair_drops SRC SPORT DST DPORT: packets the helper dropped in that direction.
impair_drops() {
	grep -c "^drop src=$1 sport=$2 dst=$3 dport=$4 " "$WORK/impair.log" || true
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

# --- what several scenarios share --------------------------------------------------

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

# --- facts from a capture; host firewalls ---------------------------------------------

# Seconds between the first packet of FILE and the first one matching PATTERN.
since_start() {
	tcpdump -tt -nn -r "$1" 2>/dev/null | RE=$2 awk 'NR == 1 { t0 = $1 }
		$0 ~ ENVIRON["RE"] { printf "%.1f\n", $1 - t0; exit }'
}

# flowstat FILE SRC SPORT DST DPORT: the data SRC sent as the capture shows it.
flowstat() {
	"$PY" "$HELPER" flowstat --pcap "$1" --src "$2" --sport "$3" \
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
