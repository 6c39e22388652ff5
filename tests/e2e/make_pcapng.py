#!/usr/bin/env python3
"""Writes small pcapng files whose every packet is known by construction,
for the end-to-end tests (tests/e2e/readers.sh). Standard library only.

usage: make_pcapng.py KIND OUT
  epb-flags     one connection captured on the client 10.0.0.1 (Ethernet):
                its packets marked outbound, the server's inbound; one client
                segment with a wrong checksum marked "checksum not ready"; one
                server segment larger than the MSS with a right checksum
  no-flags      the same packets with no flags at all
  sections      two sections, little- then big-endian, whose interfaces have
                other link types (Ethernet, raw IP, Linux cooked v2) and
                timestamp resolutions (micro, nano, 2^-20 s with an offset);
                one connection per interface, as `cat a.pcapng b.pcapng`
                makes from two captures
"""
import struct
import sys

LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL2 = 1, 101, 276
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
# epb_flags (draft-ietf-opsawg-pcapng): direction in bits 0-1, the NIC's
# checksum and segmentation work in bits 9-11.
INBOUND, OUTBOUND = 0x1, 0x2
CSUM_NOT_READY, CSUM_VALID, TSO = 1 << 9, 1 << 10, 1 << 11


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def tcp_ip(src, dst, sport, dport, seq, ack, flags, payload=b"", mss=0, bad_checksum=False):
    """An IPv4 packet carrying one TCP segment, checksums right unless told."""
    options = struct.pack("!BBH", 2, 4, mss) if mss else b""
    offset = (20 + len(options)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, offset << 4, flags, 65535, 0, 0)
    tcp += options
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    csum = checksum(pseudo + tcp + payload)
    if bad_checksum:
        csum ^= 0x5A5A  # junk: neither right nor the pseudo-header partial sum
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp + payload


def link(linktype, ip_packet):
    if linktype == LINKTYPE_ETHERNET:
        return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip_packet
    if linktype == LINKTYPE_LINUX_SLL2:
        # protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address
        return struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01") + ip_packet
    return ip_packet


class Writer:
    def __init__(self):
        self.out = bytearray()
        self.order = "<"

    def block(self, btype, body):
        body += b"\0" * (-len(body) % 4)
        length = 12 + len(body)
        self.out += struct.pack(self.order + "II", btype, length) + body
        self.out += struct.pack(self.order + "I", length)

    def option(self, code, value):
        return struct.pack(self.order + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)

    def section(self, big_endian):
        self.order = ">" if big_endian else "<"
        body = struct.pack(self.order + "IHHq", 0x1A2B3C4D, 1, 0, -1)
        body += self.option(4, b"make_pcapng.py") + struct.pack("<I", 0)
        self.block(0x0A0D0D0A, body)

    def interface(self, linktype, tsresol=None, tsoffset=None, snaplen=0):
        body = struct.pack(self.order + "HHI", linktype, 0, snaplen)
        if tsresol is not None:
            body += self.option(9, bytes([tsresol]))
        if tsoffset is not None:
            body += self.option(14, struct.pack(self.order + "q", tsoffset))
        body += struct.pack("<I", 0)
        self.block(1, body)

    def packet(self, interface, ts_units, data, flags=None):
        body = struct.pack(self.order + "IIIII", interface, ts_units >> 32, ts_units & 0xFFFFFFFF,
                           len(data), len(data))
        body += data + b"\0" * (-len(data) % 4)
        if flags is not None:
            body += self.option(2, struct.pack(self.order + "I", flags))
            body += struct.pack("<I", 0)
        self.block(6, body)


def connection(client, server, cport, sport, big=0, bad=False):
    """(from the client, packet, what is special about it) for one exchange:
    handshake, data both ways, FINs; with bad, one client segment with a
    wrong checksum; with big, the client's data in one segment that long."""
    c, s = 1000, 5000
    steps = [
        (True, SYN, b"", {"mss": 1460}),
        (False, SYN | ACK, b"", {"mss": 1460}),
        (True, ACK, b"", {}),
        (True, PSH | ACK, b"G" * (big or 87), {}),
        (True, PSH | ACK, b"H" * 40, {"bad": bad}),
        (False, PSH | ACK, b"r" * 512, {}),
        (True, FIN | ACK, b"", {}),
        (False, FIN | ACK, b"", {}),
        (True, ACK, b"", {}),
    ]
    seq = {True: c, False: s}
    packets = []
    for from_client, flags, payload, extra in steps:
        src, dst = (client, server) if from_client else (server, client)
        sp, dp = (cport, sport) if from_client else (sport, cport)
        ack = seq[not from_client] if flags & ACK else 0
        pkt = tcp_ip(ip4(src), ip4(dst), sp, dp, seq[from_client], ack, flags, payload,
                     mss=extra.get("mss", 0), bad_checksum=extra.get("bad", False))
        seq[from_client] += len(payload) + (1 if flags & (SYN | FIN) else 0)
        packets.append((from_client, pkt, extra))
    return packets


def epb_flags(path, with_flags):
    w = Writer()
    w.section(False)
    w.interface(LINKTYPE_ETHERNET)
    t = 1_700_000_000_000_000
    for i, (from_client, pkt, extra) in enumerate(connection("10.0.0.1", "10.0.0.2", 40001,
                                                             8530, big=20000, bad=True)):
        flags = None
        if with_flags:
            flags = OUTBOUND if from_client else INBOUND
            if extra.get("bad"):
                flags |= CSUM_NOT_READY
        w.packet(0, t + i * 1000, link(LINKTYPE_ETHERNET, pkt), flags)
    open(path, "wb").write(w.out)


def sections(path):
    w = Writer()
    w.section(False)
    w.interface(LINKTYPE_ETHERNET)            # 0: microseconds
    w.interface(LINKTYPE_RAW, tsresol=9)      # 1: nanoseconds
    t = 1_700_000_000
    for i, (_, pkt, _) in enumerate(connection("10.1.0.1", "10.1.0.2", 41001, 80)):
        w.packet(0, (t * 10**6) + i * 1000, link(LINKTYPE_ETHERNET, pkt))
    for i, (_, pkt, _) in enumerate(connection("10.2.0.1", "10.2.0.2", 42001, 443)):
        w.packet(1, (t + 1) * 10**9 + i * 1_000_000, link(LINKTYPE_RAW, pkt))
    w.section(True)
    # 2^-20 s units, 1000 s before the offset adds them back.
    w.interface(LINKTYPE_LINUX_SLL2, tsresol=0x80 | 20, tsoffset=1000)
    for i, (_, pkt, _) in enumerate(connection("10.3.0.1", "10.3.0.2", 43001, 8531)):
        w.packet(0, ((t + 2 - 1000) << 20) + i * 1024, link(LINKTYPE_LINUX_SLL2, pkt))
    open(path, "wb").write(w.out)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "epb-flags":
        epb_flags(path, True)
    elif kind == "no-flags":
        epb_flags(path, False)
    elif kind == "sections":
        sections(path)
    else:
        sys.exit("make_pcapng.py: unknown kind " + kind)


if __name__ == "__main__":
    main()
