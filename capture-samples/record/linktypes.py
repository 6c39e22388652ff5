"""Captures of the link types tcpverdict reads beside Ethernet, built with scapy.

  linktypes.py [--out DIR] [NAME...]
      writes DIR/linktype-NAME.pcap and DIR/linktype-NAME.expect for each
      link type named (all of them by default; --list names them).

Each capture holds the same conversations behind its own link header: a
fetch from 8530 that closes with FINs both ways, a connection to 6050 that
the server resets, and, where the link type carries IPv6, the fetch again
over IPv6. Around them go the frames of each link that are not IP (802.11
beacons and null frames, PPP LCP, Cisco SLARP keepalives, FDDI station
management) and, on 802.11, frames a capture cannot read: protected
(encrypted) data and a frame that failed its FCS. The .expect file is
written here from what was built, never from an analyzer's output.

Link headers scapy has (802.11, radiotap, LLC/SNAP, PPP in HDLC framing)
come from scapy; the others (FDDI, PPI, full PPP, Cisco HDLC, NFLOG) are
written out field by field from their specifications. The addresses are
those of record.sh's namespaces and documentation prefixes; nothing is
sent.
"""
import argparse
import pathlib
import struct
import sys
import zlib

from scapy.all import IP, TCP, IPv6, Raw, wrpcap
from scapy.layers.dot11 import Dot11, Dot11Beacon, Dot11Elt, Dot11QoS, RadioTap
from scapy.layers.l2 import LLC, SNAP
from scapy.layers.ppp import HDLC, PPP

CLIENT4, SERVER4 = "10.99.1.2", "10.99.2.2"
CLIENT6, SERVER6 = "fd99::1:2", "fd99::2:2"
# 802.11 stations: the client, the access point (BSSID) and the router
# behind it; a second AP for the four-address (WDS) form.
STA, AP, ROUTER, AP2 = ("02:00:00:00:0a:02", "02:00:00:00:0a:01",
                        "02:00:00:00:0a:fe", "02:00:00:00:0a:03")
T0 = 1767225600.0  # 2026-01-01 00:00:00 UTC

# pcap-linktype(7)
LINKTYPE = {
    "fddi": 10, "80211": 105, "radiotap": 127, "ppi": 192, "ppp": 9,
    "ppp-hdlc": 50, "chdlc": 104, "ipv4": 228, "ipv6": 229, "nflog": 239,
    "nflog-be": 239,
}


class Segment:
    """One TCP segment: the IP packet and who sent it, at time t."""

    count = 0

    def __init__(self, ip, from_client, flags, t):
        self.ip, self.from_client, self.flags, self.t = ip, from_client, flags, t
        self.is_v6 = ip.version == 6
        Segment.count += 1
        self.number = Segment.count  # 802.11 sequence numbers
    def raw(self):
        return bytes(self.ip)


class Conversation:
    """A client and a server, each side's next sequence number kept."""

    def __init__(self, client, server, sport, dport, t):
        self.client, self.server, self.sport, self.dport = client, server, sport, dport
        self.t, self.segments = t, []
        self.seq = {True: 1000, False: 5000}
        self.ident = 200
        self.is_v6 = ":" in client

    def send(self, from_client, flags, data=b"", dt=0.01):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sport, dport = (self.sport, self.dport) if from_client else (self.dport, self.sport)
        seq = self.seq[from_client]
        ack = self.seq[not from_client] if "A" in flags else 0
        self.ident += 1
        ip = (IPv6(src=src, dst=dst, hlim=64) if self.is_v6
              else IP(src=src, dst=dst, id=self.ident, flags="DF", ttl=64))
        seg = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=64240)
        if "S" in flags:
            seg.options = [("MSS", 1460)]
        pkt = ip / seg / Raw(data) if data else ip / seg
        pkt = pkt.__class__(bytes(pkt))  # lengths and checksums computed
        self.seq[from_client] = seq + len(data) + ("S" in flags) + ("F" in flags)
        self.t += dt
        self.segments.append(Segment(pkt, from_client, flags, self.t))

    def expect(self, **facts):
        self.facts = facts
        return self


def request():
    return b"GET /ClientWebService/client.asmx HTTP/1.1\r\nHost: wsus\r\n\r\n".ljust(87, b"x")


def graceful(client, server, sport, t):
    """Handshake, request, response, the server closes, then the client."""
    c = Conversation(client, server, sport, 8530, t)
    c.send(True, "S")
    c.send(False, "SA")
    c.send(True, "A")
    c.send(True, "PA", request())
    c.send(False, "A")
    c.send(False, "PA", b"HTTP/1.1 200 OK\r\nContent-Length: 512\r\n\r\n".ljust(592, b"r"))
    c.send(False, "FA")
    c.send(True, "FA")
    c.send(False, "A")
    return c.expect(conn_state="SF", end="fin", verdict="ok", winsock=("-", "-"),
                    anomalies="-", history="ShADadfF")


def reset(client, server, sport, t):
    """Handshake, request, part of a response, then the server aborts."""
    c = Conversation(client, server, sport, 6050, t)
    c.send(True, "S")
    c.send(False, "SA")
    c.send(True, "A")
    c.send(True, "PA", request())
    c.send(False, "PA", b"r" * 100)
    c.send(False, "RA", dt=0.2)
    return c.expect(conn_state="RSTR", end="rst", verdict="fail", winsock=("10054", "-"),
                    anomalies="rst_abort:resp", history="ShADdr")


def conversations(base_port, v4=True, v6=True):
    convs = []
    t = T0
    if v4:
        convs.append(graceful(CLIENT4, SERVER4, base_port, t))
        convs.append(reset(CLIENT4, SERVER4, base_port + 1, t + 1))
    if v6:
        convs.append(graceful(CLIENT6, SERVER6, base_port + 2, t + 2))
        if not v4:
            convs.append(reset(CLIENT6, SERVER6, base_port + 3, t + 3))
    return convs


def ethertype(seg):
    return 0x86DD if seg.is_v6 else 0x0800


def snap(seg):
    return bytes(LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=ethertype(seg)))


# ---- link headers -------------------------------------------------------

def fddi(seg):
    """ANSI X3.139: frame control (asynchronous LLC, priority 0), two
    48-bit addresses, then LLC/SNAP."""
    dst, src = (bytes.fromhex("02000000fe01"), bytes.fromhex("020000000201"))
    if not seg.from_client:
        dst, src = src, dst
    return bytes([0x50]) + dst + src + snap(seg) + seg.raw()


def fddi_extra(t):
    """A station management frame (SMT NIF) and an LLC frame for spanning
    tree: ring traffic, not IP."""
    smt = bytes([0x41]) + bytes.fromhex("ffffffffffff") + bytes.fromhex("020000000201") \
        + bytes([0x01, 0x01, 0x01, 0x00]) + b"\x00" * 28
    stp = bytes([0x50]) + bytes.fromhex("0180c2000000") + bytes.fromhex("020000000201") \
        + bytes([0x42, 0x42, 0x03]) + b"\x00" * 35
    return [(t - 0.5, smt), (t - 0.4, stp)]


def wlan_header(seg, qos, wds):
    """The 802.11 MAC header of a data frame: To DS from the station, From
    DS toward it, both (four addresses) between two access points."""
    if wds:
        a = dict(addr1=AP2, addr2=AP, addr3=ROUTER, addr4=STA) if seg.from_client \
            else dict(addr1=AP, addr2=AP2, addr3=STA, addr4=ROUTER)
        fc = "to-DS+from-DS"
    elif seg.from_client:
        a, fc = dict(addr1=AP, addr2=STA, addr3=ROUTER), "to-DS"
    else:
        a, fc = dict(addr1=STA, addr2=AP, addr3=ROUTER), "from-DS"
    hdr = Dot11(type=2, subtype=8 if qos else 0, FCfield=fc, SC=(seg.number % 4096) << 4, **a)
    if qos:
        hdr = hdr / Dot11QoS(TID=0)
    return bytes(hdr)


def wlan(seg, pad_to_32=False):
    """QoS data for the server's frames, plain data for the client's, and
    the IPv6 conversation between two access points (WDS)."""
    hdr = wlan_header(seg, qos=not seg.from_client, wds=seg.is_v6)
    if pad_to_32:
        hdr += b"\x00" * ((4 - len(hdr) % 4) % 4)
    return hdr + snap(seg) + seg.raw()


def wlan_extra(t):
    """A beacon, a null frame (power save) and an ACK: not IP. Two CCMP
    protected QoS data frames: encrypted, so unreadable, whatever they
    carry."""
    beacon = bytes(Dot11(type=0, subtype=8, addr1="ff:ff:ff:ff:ff:ff", addr2=AP, addr3=AP)
                   / Dot11Beacon(cap="ESS") / Dot11Elt(ID="SSID", info=b"wsus-lab"))
    null = bytes(Dot11(type=2, subtype=4, FCfield="to-DS+pw-mgt", addr1=AP, addr2=STA,
                       addr3=AP))
    ack = bytes(Dot11(type=1, subtype=13, addr1=STA))
    frames = [(t - 0.5, beacon), (t - 0.4, null), (t - 0.3, ack)]
    for i in range(2):
        hdr = bytes(Dot11(type=2, subtype=8, FCfield="to-DS+protected", addr1=AP, addr2=STA,
                          addr3=ROUTER) / Dot11QoS(TID=0))
        ccmp = bytes([i + 1, 0, 0, 0x20, 0, 0, 0, 0])  # PN, key id 0, extended IV
        body = bytes((i * 37 + k * 11) % 251 for k in range(120))  # ciphertext and MIC
        frames.append((t - 0.2 + i * 0.05, hdr + ccmp + body))
    return frames


def fcs(frame):
    return struct.pack("<I", zlib.crc32(frame) & 0xFFFFFFFF)


def radiotap(seg):
    """Radiotap with Flags (FCS at the end), Rate and Channel; the server's
    QoS frames padded to 32 bits (the data-pad flag), as some drivers do."""
    pad = not seg.from_client
    flags = "FCS+pad" if pad else "FCS"
    frame = wlan(seg, pad_to_32=pad)
    rt = RadioTap(present="Flags+Rate+Channel", Flags=flags, Rate=54,
                  ChannelFrequency=5180, ChannelFlags="5GHz+OFDM")
    return bytes(rt) + frame + fcs(frame)


def radiotap_extra(t):
    """The 802.11 extras behind radiotap, and a copy of a data frame that
    failed its FCS: the radio never delivered it."""
    out = []
    for when, frame in wlan_extra(t):
        rt = RadioTap(present="Flags+Rate", Flags="FCS", Rate=6)
        out.append((when, bytes(rt) + frame + fcs(frame)))
    return out


def radiotap_bad_fcs(seg):
    frame = bytearray(wlan(seg))
    frame[-1] ^= 0xFF  # damaged in the air
    rt = RadioTap(present="Flags+Rate", Flags="FCS+badFCS", Rate=54)
    return bytes(rt) + bytes(frame) + fcs(bytes(frame)[:-1] + bytes([frame[-1] ^ 0xFF]))


def ppi(seg):
    """PPI 1.0.7: the 8-byte header, one 802.11-Common field (type 2,
    20 bytes: TSF timer, flags, rate, channel, FHSS, signal, noise), then
    the 802.11 frame (link type 105)."""
    common = struct.pack("<QHHHHBBbb", int(seg.t * 1e6) & (2**64 - 1), 0x0000, 108, 5180,
                         0x0140, 0, 0, -40, -95)
    field = struct.pack("<HH", 2, len(common)) + common
    header = struct.pack("<BBHI", 0, 0, 8 + len(field), 105)
    return header + field + wlan(seg)


def ppi_extra(t):
    out = []
    for when, frame in wlan_extra(t):
        header = struct.pack("<BBHI", 0, 0, 8, 105)
        out.append((when, header + frame))
    return out


def ppp(seg):
    """RFC 1661/1662: the client's frames in full (address, control, a
    2-byte protocol), the server's with address, control and protocol
    field compression (one byte: 0x21 or 0x57), as each side negotiated."""
    if seg.from_client:
        return bytes([0xFF, 0x03]) + struct.pack(">H", 0x0057 if seg.is_v6 else 0x0021) \
            + seg.raw()
    return bytes(PPP(proto=0x57 if seg.is_v6 else 0x21)) + seg.raw()


def lcp_frames(t):
    """LCP Configure-Request and -Ack (magic number), IPCP Configure-Request:
    link control, not IP."""
    lcp_req = bytes([0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x0A,
                     0x05, 0x06, 0x12, 0x34, 0x56, 0x78])
    lcp_ack = bytes([0xFF, 0x03, 0xC0, 0x21, 0x02, 0x01, 0x00, 0x0A,
                     0x05, 0x06, 0x12, 0x34, 0x56, 0x78])
    ipcp = bytes([0xFF, 0x03, 0x80, 0x21, 0x01, 0x01, 0x00, 0x0A,
                  0x03, 0x06, 10, 99, 1, 2])
    return [(t - 0.5, lcp_req), (t - 0.45, lcp_ack), (t - 0.4, ipcp)]


def ppp_hdlc(seg):
    """RFC 1662 HDLC-like framing, address and control always present."""
    return bytes(HDLC(address=0xFF, control=0x03)) \
        + struct.pack(">H", 0x0057 if seg.is_v6 else 0x0021) + seg.raw()


def chdlc(seg):
    """Cisco HDLC (RFC 1547 4.3.1): address 0x0f (unicast), control 0, an
    EtherType."""
    return struct.pack(">BBH", 0x0F, 0x00, ethertype(seg)) + seg.raw()


def slarp_frames(t):
    """SLARP keepalives (EtherType 0x8035) from both ends, broadcast."""
    out = []
    for i, seq in enumerate((1, 2)):
        body = struct.pack(">IIIH", 2, seq, seq - 1, 0xFFFF)
        out.append((t - 0.5 + i * 0.1, struct.pack(">BBH", 0x8F, 0x00, 0x8035) + body))
    return out


def raw_ip(seg):
    return seg.raw()


def tlv(kind, value, big_endian=False):
    """A netlink attribute as the capturing host wrote it, in its byte
    order: length with its 4-byte header, type, value, padding to 4 bytes."""
    head = struct.pack(">HH" if big_endian else "<HH", 4 + len(value), kind)
    return head + value + b"\x00" * ((4 - len(value) % 4) % 4)


NFULA_PACKET_HDR, NFULA_MARK, NFULA_TIMESTAMP, NFULA_IFINDEX_INDEV = 1, 2, 3, 4
NFULA_PAYLOAD, NFULA_PREFIX, NFULA_UID = 9, 10, 11


def nflog_record(seg, group, prefix, big_endian=False):
    """What nfnetlink_log hands a listener: family, version 0, the group in
    network byte order, then the attributes in the kernel's order, the
    prefix (NUL-terminated) after the packet header and the payload last.
    The attribute values are in network byte order on every host."""
    be = big_endian
    family = 10 if seg.is_v6 else 2
    out = struct.pack(">BBH", family, 0, group)
    out += tlv(NFULA_PACKET_HDR, struct.pack(">HBB", ethertype(seg), 1, 0), be)  # LOCAL_IN
    if prefix is not None:
        out += tlv(NFULA_PREFIX, prefix.encode() + b"\x00", be)
    out += tlv(NFULA_MARK, struct.pack(">I", 0), be)
    out += tlv(NFULA_IFINDEX_INDEV, struct.pack(">I", 2), be)
    sec = int(seg.t)
    out += tlv(NFULA_TIMESTAMP, struct.pack(">QQ", sec, int((seg.t - sec) * 1e6)), be)
    return out + tlv(NFULA_PAYLOAD, seg.raw(), be)


# The firewall rules of the NFLOG capture: which packets each logs, with
# which group and prefix. The 6050 connection's SYN is logged by a rule
# without a prefix; the flow keeps the first prefix it meets.
def nflog_rule(conv, seg):
    if conv.dport == 8530:
        return 5, "wsus-in:"
    if "S" in seg.flags and "A" not in seg.flags:
        return 6, None
    if "R" in seg.flags:
        return 7, "agent-reset:"
    return 6, "agent:"


def nflog_prefix_of(conv):
    for seg in conv.segments:
        group, prefix = nflog_rule(conv, seg)
        if prefix is not None:
            return group, prefix
    return None


# name: (the link header of a segment, the link's other frames, IPv4, IPv6)
CASES = {
    "fddi": (fddi, fddi_extra, True, True),
    "80211": (wlan, wlan_extra, True, True),
    "radiotap": (radiotap, radiotap_extra, True, True),
    "ppi": (ppi, ppi_extra, True, True),
    "ppp": (ppp, lcp_frames, True, True),
    "ppp-hdlc": (ppp_hdlc, lcp_frames, True, True),
    "chdlc": (chdlc, slarp_frames, True, True),
    "ipv4": (raw_ip, None, True, False),
    "ipv6": (raw_ip, None, False, True),
    "nflog": (None, None, True, True),
    "nflog-be": (None, None, True, True),
}


# Each sample's client ports: 40100 + 10 x its slot, so that no two share a
# flow; new samples go at the end, so that the others keep theirs.
PORT_SLOTS = ["80211", "chdlc", "fddi", "ipv4", "ipv6", "nflog", "ppi", "ppp", "ppp-hdlc",
              "radiotap", "nflog-be"]


def endpoint(addr, port):
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def build(name, out_dir):
    wrap, extra, v4, v6 = CASES[name]
    Segment.count = 0  # the same sample whatever else is built
    base_port = 40100 + 10 * PORT_SLOTS.index(name)
    convs = conversations(base_port, v4, v6)
    frames = []
    for conv in convs:
        for seg in conv.segments:
            if name.startswith("nflog"):
                group, prefix = nflog_rule(conv, seg)
                frames.append((seg.t, nflog_record(seg, group, prefix, name == "nflog-be")))
            else:
                frames.append((seg.t, wrap(seg)))
    others = extra(T0) if extra is not None else []
    frames += others
    bad_fcs = 0
    if name == "radiotap":
        # The response segment of the first conversation once more, damaged.
        seg = convs[0].segments[5]
        frames.append((seg.t + 0.001, radiotap_bad_fcs(seg)))
        bad_fcs = 1
    frames.sort(key=lambda f: f[0])
    pkts = []
    for when, data in frames:
        p = Raw(data)
        p.time = when
        pkts.append(p)
    pcap = out_dir / f"linktype-{name}.pcap"
    # nflog-be: as a big-endian host writes the file, header and attributes.
    wrpcap(str(pcap), pkts, linktype=LINKTYPE[name], endianness=">" if name == "nflog-be" else "")

    encrypted = 2 if name in ("80211", "radiotap", "ppi") else 0
    not_ip = len(others) - encrypted
    lines = [f"# linktype-{name}: built by capture-samples/record/linktypes.py (scapy), "
             f"link type {LINKTYPE[name]}",
             f"sample name=linktype-{name} pcap=linktype-{name}.pcap flows={len(convs)} "
             f"capture_host=-"]
    tcp = sum(len(c.segments) for c in convs)
    summary = [f"tcp_packets={tcp}", f"unreadable.encrypted={encrypted}",
               f"unreadable.packets={encrypted}", f"decode.skipped.encrypted={encrypted}",
               f"decode.skipped.not_ip={not_ip}", f"decode.errors.bad_fcs={bad_fcs}",
               f"decode_errors={bad_fcs}"]
    if name.startswith("nflog"):
        # Flows by prefix, in the order the prefixes first came.
        counts = []
        for conv in sorted(convs, key=lambda c: c.segments[0].t):
            kept = nflog_prefix_of(conv)
            for item in counts:
                if item[0] == kept:
                    item[1] += 1
                    break
            else:
                counts.append([kept, 1])
        for i, ((group, prefix), flows) in enumerate(counts):
            summary += [f"flows_by_nflog_prefix.{i}.group={group}",
                        f"flows_by_nflog_prefix.{i}.prefix={prefix}",
                        f"flows_by_nflog_prefix.{i}.flows={flows}"]
        summary.append(f"flows_by_nflog_prefix.{len(counts)}=None")
    lines.append("summary " + " ".join(summary))
    for conv in convs:
        f = conv.facts
        fields = [f"orig={endpoint(conv.client, conv.sport)}",
                  f"resp={endpoint(conv.server, conv.dport)}",
                  f"conn_state={f['conn_state']}", f"end={f['end']}", f"verdict={f['verdict']}",
                  f"orig.winsock={f['winsock'][0]}", f"resp.winsock={f['winsock'][1]}",
                  f"anomalies={f['anomalies']}", "attempt=0", f"history={f['history']}",
                  f"pkts={len(conv.segments)}",
                  "absent=truncated,checksum_bad,checksum_offload,midstream_start"]
        if name.startswith("nflog"):
            group, prefix = nflog_prefix_of(conv)
            fields += [f"nflog.group={group}", f"nflog.prefix={prefix}"]
        lines.append("flow " + " ".join(fields))
    (out_dir / f"linktype-{name}.expect").write_text("\n".join(lines) + "\n")
    print(f"linktype-{name}: {len(pkts)} frames, {tcp} TCP segments, {len(convs)} flows")


def main():
    p = argparse.ArgumentParser(prog="linktypes")
    p.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent))
    p.add_argument("--list", action="store_true")
    p.add_argument("names", nargs="*")
    a = p.parse_args()
    if a.list:
        print("\n".join(sorted(CASES)))
        return
    for name in a.names:
        if name not in CASES:
            sys.exit(f"linktypes: no link type {name!r} (--list names them)")
    out_dir = pathlib.Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in a.names or sorted(CASES):
        build(name, out_dir)


if __name__ == "__main__":
    main()
