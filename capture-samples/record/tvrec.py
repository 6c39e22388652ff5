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
        elif a.mode == "timeout408":
            # A request that does not end in time gets HTTP 408, as web
            # servers answer a client too slow to send its headers.
            conn.settimeout(a.request_timeout)
            try:
                read_head(conn)
                conn.sendall(response(a.body))
            except socket.timeout:
                conn.sendall(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                print("result=SENT408", flush=True)
            conn.close()
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
    elif a.mode == "partial":
        # The request's first lines, never its end: the server gives up.
        s = connect(a, a.sport)
        s.sendall(request(0).split(b"\r\n")[0] + b"\r\nHost: wsus\r\n")
        head = read_head(s)
        read_eof(s)
        s.close()
        print("result=%s" % (head.split(b" ")[1].decode() if head else "EOF"), flush=True)
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


# --- impairment ---------------------------------------------------------------

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def tcp_fields(pkt):
    """(src, sport, dst, dport, flags, seq, payload length) of an IPv4 TCP
    packet, or None."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return None
    ihl = (pkt[0] & 15) * 4
    total = struct.unpack("!H", pkt[2:4])[0]
    if len(pkt) < ihl + 20:
        return None
    sport, dport, seq = struct.unpack("!HHI", pkt[ihl:ihl + 8])
    off = (pkt[ihl + 12] >> 4) * 4
    flags = pkt[ihl + 13]
    src = socket.inet_ntoa(pkt[12:16])
    dst = socket.inet_ntoa(pkt[16:20])
    return src, sport, dst, dport, flags, seq, total - ihl - off


def cmd_impair(a):
    """Packets routed through the tun device come back out of it after a
    seeded random delay, or not at all (a seeded loss).  Every packet it
    dropped is logged: that log, not an analyzer, is the truth."""
    import fcntl
    import heapq
    import random
    import select
    rng = random.Random(a.seed)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", a.dev.encode(), IFF_TUN | IFF_NO_PI))
    touch(a.ready)
    held = []
    order = 0
    log = open(a.log, "w", encoding="ascii")
    end = time.monotonic() + LIMIT
    while time.monotonic() < end and not os.path.exists(a.stop):
        now = time.monotonic()
        while held and held[0][0] <= now:
            os.write(fd, heapq.heappop(held)[2])
        wait = 0.05 if not held else max(0.0, held[0][0] - now)
        r, _, _ = select.select([fd], [], [], min(wait, 0.05))
        if not r:
            continue
        pkt = os.read(fd, 65535)
        f = tcp_fields(pkt)
        if f is not None and rng.random() < a.loss:
            src, sport, dst, dport, flags, seq, plen = f
            log.write("drop src=%s sport=%d dst=%s dport=%d flags=0x%02x seq=%d len=%d\n"
                      % (src, sport, dst, dport, flags, seq, plen))
            log.flush()
            continue
        delay = rng.uniform(a.delay_min, a.delay_max) / 1000.0
        order += 1
        heapq.heappush(held, (time.monotonic() + delay, order, pkt))
    for _, _, pkt in sorted(held):
        os.write(fd, pkt)
    log.close()


def main():
    p = argparse.ArgumentParser(prog="tvrec")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("server")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--mode", choices=["close", "abort", "serve", "timeout408"], required=True)
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--body", type=int, default=512)
    s.add_argument("--abort-after", type=float, default=0.2)
    s.add_argument("--close-after", type=float, default=0.0)
    s.add_argument("--request-timeout", type=float, default=0.5)
    s.add_argument("--ready")
    c = sub.add_parser("client")
    c.add_argument("--mode", required=True, choices=[
        "fetch", "refused", "connect-only", "wait-reset", "abort", "shut-close",
        "phased", "partial"])
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
    im = sub.add_parser("impair")
    im.add_argument("--dev", required=True)
    im.add_argument("--seed", type=int, required=True)
    im.add_argument("--loss", type=float, default=0.0)
    im.add_argument("--delay-min", type=float, default=0.0, help="ms")
    im.add_argument("--delay-max", type=float, default=0.0, help="ms")
    im.add_argument("--log", required=True)
    im.add_argument("--ready", required=True)
    im.add_argument("--stop", required=True)
    m = sub.add_parser("merge")
    m.add_argument("--out", required=True)
    m.add_argument("inputs", nargs="+")
    a = p.parse_args()
    {"server": cmd_server, "client": cmd_client, "craft": cmd_craft,
     "inject": cmd_inject, "flowstat": cmd_flowstat, "pcapstat": cmd_pcapstat,
     "merge": cmd_merge, "impair": cmd_impair}[a.cmd](a)


if __name__ == "__main__":
    main()
