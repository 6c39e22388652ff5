"""Captures built with scapy for record.sh, whose truth is known by construction.

  craft.py fragment --pcap IN --out OUT --src ADDR --sport PORT --size N [--reverse]
      copies a recorded capture, cutting every data segment ADDR:PORT sent
      that is longer than N bytes into IP fragments of N data bytes (IPv4
      or IPv6, as a sender with a smaller MTU would), in order (or last
      first, as some paths deliver them), each with the segment's timestamp.
  craft.py build CASE --out OUT
      writes the capture of one crafted case (see CASES).

Addresses are those of record.sh's namespaces; nothing is sent.
"""
import argparse
import sys

from scapy.all import (IP, TCP, Ether, IPv6, IPv6ExtHdrFragment, Raw, fragment, fragment6,
                       rdpcap, wrpcap)

CLIENT, SERVER = "10.99.1.2", "10.99.2.2"
CMAC, SMAC = "02:00:00:00:01:02", "02:00:00:00:01:01"
T0 = 1767225600.0  # 2026-01-01 00:00:00 UTC


def cmd_fragment(a):
    out, ident = [], 0x4000
    for pkt in rdpcap(a.pcap):
        ip = pkt[IP] if IP in pkt else (pkt[IPv6] if IPv6 in pkt else None)
        if (ip is None or TCP not in pkt or ip.src != a.src or pkt[TCP].sport != a.sport
                or len(pkt[TCP].payload) <= a.size):
            out.append(pkt)
            continue
        ident += 1
        eth = Ether(src=pkt[Ether].src, dst=pkt[Ether].dst)
        if IP in pkt:
            whole = pkt[IP].copy()
            whole.flags = 0  # no DF: fragmentation allowed
            whole.id = ident
            del whole.chksum
            pieces = fragment(whole, fragsize=a.size)
        else:
            head = pkt[IPv6].copy()
            upper = head.payload
            head.remove_payload()
            del head.nh  # computed again: the fragment header follows
            del head.plen
            whole = head / IPv6ExtHdrFragment(id=ident, nh=6) / upper
            pieces = fragment6(whole, a.size + 40 + 8)
        if a.reverse:
            pieces = list(pieces)[::-1]
        for p in pieces:
            frame = eth / p
            frame.time = pkt.time
            out.append(frame)
    wrpcap(a.out, out)
    print("result=OK packets=%d" % len(out))


class Conversation:
    """A client and a server on 8530, each side's next sequence number kept."""

    def __init__(self, sport, t=T0):
        self.sport, self.t, self.pkts = sport, t, []
        self.seq = {CLIENT: 1000, SERVER: 5000}
        self.ident = 100

    def frame(self, src, flags, data=b"", seq=None, ack=None, dt=0.01):
        dst = SERVER if src == CLIENT else CLIENT
        sport, dport = (self.sport, 8530) if src == CLIENT else (8530, self.sport)
        if seq is None:
            seq = self.seq[src]
        if ack is None:
            ack = self.seq[dst] if "A" in flags else 0
        self.ident += 1
        ip = IP(src=src, dst=dst, id=self.ident, flags="DF")
        seg = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=64240)
        frame = Ether(src=CMAC if src == CLIENT else SMAC,
                      dst=SMAC if src == CLIENT else CMAC) / ip / seg
        if data:
            frame = frame / Raw(data)
        used = len(data) + ("S" in flags) + ("F" in flags)
        if "R" not in flags:
            self.seq[src] = max(self.seq[src], seq + used)
        self.t += dt
        return frame

    def send(self, src, flags, data=b"", seq=None, ack=None, dt=0.01):
        frame = self.frame(src, flags, data, seq, ack, dt)
        frame.time = self.t
        self.pkts.append(frame)
        return frame

    def handshake(self):
        self.send(CLIENT, "S")
        self.send(SERVER, "SA")
        self.send(CLIENT, "A")

    def close(self):
        self.send(SERVER, "FA")
        self.send(CLIENT, "FA")
        self.send(SERVER, "A")


def request():
    return b"GET /ClientWebService/client.asmx HTTP/1.1\r\nHost: wsus\r\n\r\n".ljust(87, b"x")


def case_gap_after_fin():
    """The server's last 300 bytes are missing from the capture; the client's
    ack of the server's FIN reveals them after that FIN (Zeek: 'g')."""
    c = Conversation(40040)
    c.handshake()
    c.send(CLIENT, "PA", request())
    c.send(SERVER, "A")
    c.send(SERVER, "PA", b"r" * 100)
    c.seq[SERVER] += 300  # sent, never captured
    c.send(SERVER, "FA")
    c.send(CLIENT, "A")
    c.send(CLIENT, "FA")
    c.send(SERVER, "A")
    return c.pkts


def case_fin_to_silent_peer():
    """Mid-stream: the server's FIN/ACK comes first, the client only acks it;
    8 s and 16 s later each side sends a RST."""
    c = Conversation(40041, T0 + 20)
    c.send(SERVER, "FA")
    c.send(CLIENT, "A")
    c.send(CLIENT, "R", seq=c.seq[CLIENT], dt=8.0)
    c.send(SERVER, "R", seq=c.seq[SERVER], dt=8.0)
    return c.pkts


def case_stall_after_reset():
    """The server resets while 1000 bytes of the client are in flight; the
    client sends three orphans; 70 s later another connection runs whole."""
    c = Conversation(40042)
    c.handshake()
    c.send(CLIENT, "PA", request())
    c.send(SERVER, "A")
    c.send(CLIENT, "PA", b"p" * 1000)
    c.send(SERVER, "RA")
    for _ in range(3):
        c.send(CLIENT, "PA", b"o" * 120, dt=0.1)
    d = Conversation(40043, c.t + 70)
    d.handshake()
    d.send(CLIENT, "PA", request())
    d.send(SERVER, "PA", b"r" * 592)
    d.send(CLIENT, "A")
    d.close()
    return c.pkts + d.pkts


def case_fragment_overlap():
    """The client's 1400-byte request comes as two IPv4 fragments whose
    second overlaps the first by 8 bytes with other content: a receiver
    discards the datagram, and the segment is sent again whole 0.2 s later."""
    c = Conversation(40044)
    c.handshake()
    body = b"q" * 1400
    whole = c.frame(CLIENT, "PA", body)
    ip = whole[IP].copy()
    ip.flags = 0
    ip.id = 0x5151
    del ip.chksum
    del ip[TCP].chksum
    raw = bytes(ip)  # header and checksums computed
    hlen = (raw[0] & 0x0F) * 4
    payload = raw[hlen:]
    first = IP(raw[:hlen]) / Raw(payload[:1024])
    first.flags, first.frag = "MF", 0
    second = IP(raw[:hlen]) / Raw(b"Z" * 8 + payload[1024:])
    second.flags, second.frag = 0, (1024 - 8) // 8
    for p in (first, second):
        del p.len
        del p.chksum
        frame = Ether(src=CMAC, dst=SMAC) / p
        c.t += 0.001
        frame.time = c.t
        c.pkts.append(frame)
    c.t += 0.2
    again = whole.copy()
    again.time = c.t
    c.pkts.append(again)
    c.send(SERVER, "A")
    c.send(SERVER, "PA", b"r" * 592)
    c.send(CLIENT, "A")
    c.close()
    return c.pkts


CASES = {
    "gap-after-fin": case_gap_after_fin,
    "fin-to-silent-peer": case_fin_to_silent_peer,
    "stall-after-reset": case_stall_after_reset,
    "fragment-overlap": case_fragment_overlap,
}


def cmd_build(a):
    pkts = CASES[a.case]()
    wrpcap(a.out, pkts)
    print("result=OK packets=%d" % len(pkts))


def main():
    p = argparse.ArgumentParser(prog="craft")
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fragment")
    for name in ("--pcap", "--out", "--src"):
        f.add_argument(name, required=True)
    f.add_argument("--sport", type=int, required=True)
    f.add_argument("--size", type=int, required=True)
    f.add_argument("--reverse", action="store_true")
    b = sub.add_parser("build")
    b.add_argument("case", choices=sorted(CASES))
    b.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cmd == "fragment" and a.size % 8:
        sys.exit("craft: --size must be a multiple of 8")
    {"fragment": cmd_fragment, "build": cmd_build}[a.cmd](a)


if __name__ == "__main__":
    main()
