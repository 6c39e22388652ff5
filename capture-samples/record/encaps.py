"""One TCP connection inside each encapsulation, built with scapy, truth known by construction.

  encaps.py [--out DIR] [KIND...]   writes DIR/encap-KIND.pcap and DIR/encap-KIND.expect
  encaps.py --list                  names the kinds

Every capture holds the same connection: a handshake, 120 bytes from the
client, a pure ACK and 300 bytes from the server, the client's ACK, and FINs
both ways with a last ACK (history ShADadFf, conn_state SF), wrapped as the
kind says, both directions alike. Headers scapy has (802.1Q, MPLS, PPPoE,
GRE, ERSPAN, GTP-U, VXLAN, Geneve, LLC/SNAP) are scapy's; the others (PBB I-TAG,
VN-Tag, E-Tag, FabricPath, Teredo, AYIYA) are written here byte by byte from
their specifications. The .expect file is written from what was built: the
flows, their state and history, and where they were (VLANs, tunnels).

Addresses are private or documentation ranges; nothing is sent.
"""
import argparse
import pathlib
import struct
import sys

from scapy.all import (GRE, IP, LLC, SNAP, TCP, UDP, Dot1Q, Dot3, Ether, IPv6, PPPoE, PPP, Raw,
                       RawPcapWriter, fragment)
from scapy.contrib.erspan import ERSPAN_I, ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific
from scapy.contrib.geneve import GENEVE, GeneveOptions
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.contrib.mpls import MPLS
from scapy.layers.vxlan import VXLAN
import scapy

T0 = 1767225600.0  # 2026-01-01 00:00:00 UTC
CLIENT4, SERVER4 = "10.99.1.2", "10.99.2.2"
CLIENT6, SERVER6 = "fd99::1:2", "fd99::2:2"
CPORT, SPORT = 40000, 8530
CMAC, SMAC = "02:00:00:00:01:02", "02:00:00:00:01:01"
# Routers at the two ends of a tunnel: the client's side first.
ROUTER4 = ("192.0.2.1", "192.0.2.2")
ROUTER6 = ("2001:db8:ff::1", "2001:db8:ff::2")


def inner_ip(family, src_is_client, tcp):
    c, s = (CLIENT6, SERVER6) if family == 6 else (CLIENT4, SERVER4)
    src, dst = (c, s) if src_is_client else (s, c)
    ip = IPv6(src=src, dst=dst) if family == 6 else IP(src=src, dst=dst, flags="DF")
    return ip / tcp


def conversation(family=4, cport=CPORT, response_len=300):
    """The connection's packets as (is_from_client, tcp layer)."""
    seq = {True: 1000, False: 5000}
    out = []

    def send(from_client, flags, data=b""):
        ack = seq[not from_client] if "A" in flags else 0
        sport, dport = (cport, SPORT) if from_client else (SPORT, cport)
        tcp = TCP(sport=sport, dport=dport, flags=flags, seq=seq[from_client], ack=ack,
                  window=64240)
        if data:
            tcp = tcp / Raw(data)
        seq[from_client] += len(data) + ("S" in flags) + ("F" in flags)
        out.append((from_client, tcp))

    send(True, "S")
    send(False, "SA")
    send(True, "A")
    send(True, "PA", b"G" * 120)
    send(False, "A")
    send(False, "PA", b"H" * response_len)
    send(True, "A")
    send(True, "FA")
    send(False, "FA")
    send(True, "A")
    return out


def eth(from_client, ethertype, dst=None, src=None):
    d, s = (SMAC, CMAC) if from_client else (CMAC, SMAC)
    return Ether(dst=dst or d, src=src or s, type=ethertype)


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def eth_header(from_client, ethertype, dst=None, src=None):
    d, s = (SMAC, CMAC) if from_client else (CMAC, SMAC)
    return mac_bytes(dst or d) + mac_bytes(src or s) + struct.pack("!H", ethertype)


def outer4(from_client, routers=ROUTER4):
    a, b = routers
    return IP(src=a, dst=b) if from_client else IP(src=b, dst=a)


def outer6(from_client, routers=ROUTER6):
    a, b = routers
    return IPv6(src=a, dst=b) if from_client else IPv6(src=b, dst=a)


def inner_frame(from_client, ip, dst=None, src=None):
    """The connection's own Ethernet frame, to be carried whole."""
    ethertype = 0x86DD if ip.version == 6 else 0x0800
    return bytes(eth(from_client, ethertype, dst, src) / ip)


# Each kind: (description, inner family, wrap(from_client, ip) -> frame bytes,
#             vlans, tunnels as (kind, src, dst) of the first packet).
KINDS = {}


def kind(name, description, family=4, vlans=(), tunnels=()):
    def register(fn):
        KINDS[name] = (description, family, fn, tuple(vlans), tuple(tunnels))
        return fn
    return register


@kind("qinq", "IPv4 behind an 802.1ad tag (VLAN 100) and an 802.1Q tag (VLAN 200)",
      vlans=(100, 200))
def _qinq(fc, ip):
    return bytes(eth(fc, 0x88A8) / Dot1Q(vlan=100, type=0x8100) / Dot1Q(vlan=200, type=0x0800)
                 / ip)


@kind("mpls", "IPv4 under two MPLS labels (unicast EtherType 0x8847)")
def _mpls(fc, ip):
    return bytes(eth(fc, 0x8847) / MPLS(label=16, s=0, ttl=64) / MPLS(label=1001, s=1, ttl=64) / ip)


@kind("mpls-ipv6", "IPv6 under an MPLS label and the IPv6 explicit null (multicast 0x8848)", 6)
def _mpls6(fc, ip):
    return bytes(eth(fc, 0x8848) / MPLS(label=17, s=0, ttl=64) / MPLS(label=2, s=1, ttl=64) / ip)


@kind("mpls-pw-cw", "an Ethernet pseudowire with the control word (RFC 4448) under two labels")
def _mpls_pw_cw(fc, ip):
    control_word = struct.pack("!I", 0x00000042)  # sequence number 0x42
    return (bytes(eth(fc, 0x8847) / MPLS(label=16, s=0, ttl=64) / MPLS(label=2000, s=1, ttl=64))
            + control_word + inner_frame(fc, ip))


@kind("mpls-pw", "an Ethernet pseudowire without the control word: the customer MACs begin "
      "with 0xa (not 0, 1, 4 or 6), as such pseudowires must for the payload to tell itself")
def _mpls_pw(fc, ip):
    d, s = ("a2:00:00:00:02:01", "a2:00:00:00:02:02")
    if not fc:
        d, s = s, d
    return (bytes(eth(fc, 0x8847) / MPLS(label=2001, s=1, ttl=64))
            + inner_frame(fc, ip, dst=d, src=s))


@kind("pppoe", "PPPoE session (0x8864), PPP protocol IPv4 (0x0021)")
def _pppoe(fc, ip):
    return bytes(eth(fc, 0x8864) / PPPoE(sessionid=0x1234) / PPP(proto=0x0021) / ip)


@kind("pppoe-ipv6", "PPPoE session, PPP protocol IPv6 (0x0057)", 6)
def _pppoe6(fc, ip):
    return bytes(eth(fc, 0x8864) / PPPoE(sessionid=0x1234) / PPP(proto=0x0057) / ip)


@kind("pbb", "802.1ah provider backbone bridging: B-TAG (VLAN 100, 0x88a8), I-TAG "
      "(0x88e7, I-SID 0x010203), the customer's frame", vlans=(100,))
def _pbb(fc, ip):
    btag = struct.pack("!HH", 0x88A8, 100)
    itag = struct.pack("!HI", 0x88E7, 0x00010203)
    backbone = eth_header(fc, 0)[:12]
    return backbone + btag + itag + inner_frame(fc, ip)


@kind("vntag", "Cisco VN-Tag (0x8926), then IPv4")
def _vntag(fc, ip):
    tag = struct.pack("!HI", 0x8926, 0x80010002 if fc else 0x00020001)
    return eth_header(fc, 0)[:12] + tag + struct.pack("!H", 0x0800) + bytes(ip)


@kind("etag", "802.1BR E-Tag (0x893f), then a VLAN tag (VLAN 7) and IPv4", vlans=(7,))
def _etag(fc, ip):
    tag = struct.pack("!H", 0x893F) + bytes([0x20, 0x00, 0x10, 0x05, 0x00, 0x00])
    return (eth_header(fc, 0)[:12] + tag + struct.pack("!HHH", 0x8100, 7, 0x0800) + bytes(ip))


@kind("fabricpath", "Cisco FabricPath: outer switch addresses, 0x8903, FTag 1 and TTL 32, "
      "then the original frame")
def _fabricpath(fc, ip):
    outer = eth_header(fc, 0x8903, dst="02:00:0a:00:00:01" if fc else "02:00:0b:00:00:01",
                       src="02:00:0b:00:00:01" if fc else "02:00:0a:00:00:01")
    return outer + struct.pack("!H", 1 << 6 | 32) + inner_frame(fc, ip)


@kind("llc-snap", "IEEE 802.3 framing with LLC and SNAP (RFC 1042), then IPv4")
def _llc_snap(fc, ip):
    d, s = (SMAC, CMAC) if fc else (CMAC, SMAC)
    return bytes(Dot3(dst=d, src=s) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800)
                 / ip)


@kind("gre", "IPv4 in GRE with key and sequence number (RFC 2890) over IPv4",
      tunnels=[("gre", ROUTER4[0], ROUTER4[1])])
def _gre(fc, ip):
    seq = _gre.seq = getattr(_gre, "seq", 0) + 1
    return bytes(eth(fc, 0x0800) / outer4(fc)
                 / GRE(key_present=1, key=42, seqnum_present=1, sequence_number=seq) / ip)


@kind("gre-ipv6", "IPv6 in GRE with a checksum over IPv6", 6,
      tunnels=[("gre", ROUTER6[0], ROUTER6[1])])
def _gre6(fc, ip):
    return bytes(eth(fc, 0x86DD) / outer6(fc) / GRE(chksum_present=1) / ip)


@kind("gre-teb", "a whole Ethernet frame in GRE (transparent Ethernet bridging, 0x6558)",
      tunnels=[("gre", ROUTER4[0], ROUTER4[1])])
def _gre_teb(fc, ip):
    return bytes(eth(fc, 0x0800) / outer4(fc) / GRE(proto=0x6558) / Raw(inner_frame(fc, ip)))


@kind("gre-udp", "IPv4 in GRE over UDP (RFC 8086, port 4754)",
      tunnels=[("gre", ROUTER4[0], ROUTER4[1])])
def _gre_udp(fc, ip):
    return bytes(eth(fc, 0x0800) / outer4(fc) / UDP(sport=50001, dport=4754) / GRE(proto=0x0800)
                 / ip)


# ERSPAN: a switch mirrors both directions to a collector; every packet
# goes from the switch to the collector, whoever sent the mirrored frame.
SWITCH, COLLECTOR = "192.0.2.10", "192.0.2.20"


@kind("erspan-i", "ERSPAN type I: GRE 0x88be without sequence number, the mirrored frame",
      tunnels=[("erspan", SWITCH, COLLECTOR)])
def _erspan_i(fc, ip):
    return bytes(eth(True, 0x0800) / IP(src=SWITCH, dst=COLLECTOR) / GRE(proto=0x88BE)
                 / ERSPAN_I() / Raw(inner_frame(fc, ip)))


@kind("erspan-ii", "ERSPAN type II: GRE 0x88be with sequence number, the 8-byte header "
      "(session 5)", tunnels=[("erspan", SWITCH, COLLECTOR)])
def _erspan_ii(fc, ip):
    seq = _erspan_ii.seq = getattr(_erspan_ii, "seq", 0) + 1
    return bytes(eth(True, 0x0800) / IP(src=SWITCH, dst=COLLECTOR)
                 / GRE(proto=0x88BE, seqnum_present=1, sequence_number=seq)
                 / ERSPAN_II(ver=1, vlan=10, session_id=5, index=1) / Raw(inner_frame(fc, ip)))


@kind("erspan-iii", "ERSPAN type III: GRE 0x22eb, the 12-byte header and the platform "
      "sub-header (O bit)", tunnels=[("erspan", SWITCH, COLLECTOR)])
def _erspan_iii(fc, ip):
    seq = _erspan_iii.seq = getattr(_erspan_iii, "seq", 0) + 1
    return bytes(eth(True, 0x0800) / IP(src=SWITCH, dst=COLLECTOR)
                 / GRE(proto=0x22EB, seqnum_present=1, sequence_number=seq)
                 / ERSPAN_III(ver=2, session_id=6, timestamp=seq, o=1)
                 / ERSPAN_PlatformSpecific(platf_id=3, info1=1, info2=2)
                 / Raw(inner_frame(fc, ip)))


@kind("ipip", "IPv4 in IPv4 (protocol 4)", tunnels=[("ip", ROUTER4[0], ROUTER4[1])])
def _ipip(fc, ip):
    return bytes(eth(fc, 0x0800) / outer4(fc) / ip)


@kind("6in4", "IPv6 in IPv4 (protocol 41)", 6, tunnels=[("ip", ROUTER4[0], ROUTER4[1])])
def _6in4(fc, ip):
    return bytes(eth(fc, 0x0800) / outer4(fc) / ip)


@kind("4in6", "IPv4 in IPv6 (next header 4)", tunnels=[("ip", ROUTER6[0], ROUTER6[1])])
def _4in6(fc, ip):
    return bytes(eth(fc, 0x86DD) / outer6(fc) / ip)


@kind("6in6", "IPv6 in IPv6 (next header 41)", 6, tunnels=[("ip", ROUTER6[0], ROUTER6[1])])
def _6in6(fc, ip):
    return bytes(eth(fc, 0x86DD) / outer6(fc) / ip)


# Teredo: the client behind its NAT (public 198.51.100.7:40001) and a relay
# (192.0.2.100:3544); the relay's packets carry an origin indication, and
# the client's first one an authentication indicator as well.
TEREDO_CLIENT, TEREDO_RELAY = "198.51.100.7", "192.0.2.100"


def teredo_origin(port, addr):
    """RFC 4380 5.1.1: the origin port and address, each bit inverted."""
    a = bytes(b ^ 0xFF for b in bytes(int(x) for x in addr.split(".")))
    return struct.pack("!HH", 0x0000, port ^ 0xFFFF) + a


@kind("teredo", "IPv6 in UDP over IPv4 (Teredo, port 3544), with origin indications from "
      "the relay and an authentication indicator on the client's first packet", 6,
      tunnels=[("teredo", TEREDO_CLIENT, TEREDO_RELAY)])
def _teredo(fc, ip):
    if fc:
        outer = IP(src=TEREDO_CLIENT, dst=TEREDO_RELAY) / UDP(sport=40001, dport=3544)
        first = not getattr(_teredo, "sent", False)
        _teredo.sent = True
        head = (struct.pack("!HBB", 0x0001, 4, 0) + b"cid0" + b"\x01\x02\x03\x04\x05\x06\x07\x08"
                + b"\x00") if first else b""
    else:
        outer = IP(src=TEREDO_RELAY, dst=TEREDO_CLIENT) / UDP(sport=3544, dport=40001)
        head = teredo_origin(3544, TEREDO_RELAY)
    return bytes(eth(fc, 0x0800) / outer / Raw(head + bytes(ip)))


@kind("ayiya", "IPv6 in AYIYA (UDP port 5072): 16-byte identity, SHA-1 signature, "
      "the forward operation", 6, tunnels=[("ayiya", "198.51.100.8", "192.0.2.50")])
def _ayiya(fc, ip):
    a, b = "198.51.100.8", "192.0.2.50"
    outer = IP(src=a, dst=b) if fc else IP(src=b, dst=a)
    # identity length 2^4 and type 1 (integer), signature 5 words and SHA-1 (2),
    # authentication method 2 (shared secret) and operation 1 (forward), IPv6.
    header = bytes([0x41, 0x52, 0x21, 41]) + struct.pack("!I", 1767225600)
    header += bytes(range(16)) + bytes(20)
    return bytes(eth(fc, 0x0800) / outer / UDP(sport=5072, dport=5072) / Raw(header + bytes(ip)))


@kind("gtpu", "IPv4 in GTP-U (UDP port 2152), G-PDUs with a sequence number and a PDU "
      "session container extension header", tunnels=[("gtpu", "192.0.2.30", "192.0.2.40")])
def _gtpu(fc, ip):
    a, b = "192.0.2.30", "192.0.2.40"  # the base station and the user plane function
    outer = IP(src=a, dst=b) if fc else IP(src=b, dst=a)
    seq = _gtpu.seq = getattr(_gtpu, "seq", 0) + 1
    gtp = GTP_U_Header(E=1, S=1, gtp_type=255, teid=0x100 if fc else 0x200, seq=seq,
                       next_ex=0x85)
    container = GTPPDUSessionContainer(type=1 if fc else 0, QFI=9, NextExtHdr=0)
    return bytes(eth(fc, 0x0800) / outer / UDP(sport=2152, dport=2152) / gtp / container / ip)


@kind("vxlan", "a whole Ethernet frame in VXLAN (UDP port 4789, VNI 42)",
      tunnels=[("vxlan", ROUTER4[0], ROUTER4[1])])
def _vxlan(fc, ip):
    return bytes(eth(fc, 0x0800) / outer4(fc) / UDP(sport=50002 if fc else 50003, dport=4789)
                 / VXLAN(vni=42, flags=0x08) / Raw(inner_frame(fc, ip)))


@kind("geneve", "IPv6 in Geneve (UDP port 6081, VNI 7) with one 8-byte option, no Ethernet "
      "inside", 6, tunnels=[("geneve", ROUTER4[0], ROUTER4[1])])
def _geneve(fc, ip):
    option = GeneveOptions(classid=0x0102, type=0x80, data=b"\x00\x00\x00\x2a")
    return bytes(eth(fc, 0x0800) / outer4(fc) / UDP(sport=50004 if fc else 50005, dport=6081)
                 / GENEVE(vni=7, proto=0x86DD, options=[option]) / ip)


def build(fn, family):
    frames = []
    t = T0
    for from_client, tcp in conversation(family):
        t += 0.01
        frames.append((t, fn(from_client, inner_ip(family, from_client, tcp.copy()))))
    return frames


def expect_flow(family, vlans=(), tunnels=(), attempt=0, cport=CPORT, fragmented=False):
    c, s = (f"[{CLIENT6}]", f"[{SERVER6}]") if family == 6 else (CLIENT4, SERVER4)
    tun = ",".join(f"{k}:{a}>{b}" for k, a, b in tunnels) or "-"
    verdict, anomalies = ("notice", "ip_fragmented:resp:1") if fragmented else ("ok", "-")
    return (f"flow orig={c}:{cport} resp={s}:{SPORT} conn_state=SF end=fin verdict={verdict} "
            f"orig.winsock=- resp.winsock=- anomalies={anomalies} attempt={attempt} "
            f"history=ShADadFf "
            f"vlan={vlans[0] if vlans else '-'} inner_vlan={vlans[1] if len(vlans) > 1 else '-'} "
            f"tunnels={tun}")


def write(out, name, description, frames, flows):
    pcap = out / f"{name}.pcap"
    writer = RawPcapWriter(str(pcap), linktype=1, sync=True)
    writer.write_header(None)
    for t, frame in frames:
        sec = int(t)
        writer.write_packet(frame, sec=sec, usec=int(round((t - sec) * 1e6)))
    writer.close()
    lines = [f"# {name}: built by capture-samples/record/encaps.py (scapy {scapy.VERSION}): "
             f"{description}",
             f"sample name={name} pcap={name}.pcap flows={len(flows)}"] + flows
    (out / f"{name}.expect").write_text("\n".join(lines) + "\n")
    print(f"{name}: {len(frames)} packets, {len(flows)} flows")


def build_two_places(out):
    """The same connection twice in VLANs 10 and 20, and twice in GRE between
    two pairs of routers, packet by packet in turn: four flows of one 5-tuple."""
    places = [
        ((10,), (), lambda fc, ip: bytes(eth(fc, 0x8100) / Dot1Q(vlan=10, type=0x0800) / ip)),
        ((20,), (), lambda fc, ip: bytes(eth(fc, 0x8100) / Dot1Q(vlan=20, type=0x0800) / ip)),
        ((), (("gre",) + ROUTER4,),
         lambda fc, ip: bytes(eth(fc, 0x0800) / outer4(fc) / GRE() / ip)),
        ((), (("gre", "198.51.100.1", "198.51.100.2"),),
         lambda fc, ip: bytes(eth(fc, 0x0800) / outer4(fc, ("198.51.100.1", "198.51.100.2"))
                              / GRE() / ip)),
    ]
    frames, t = [], T0
    for from_client, tcp in conversation(4):
        for _, _, wrap in places:
            t += 0.0025
            frames.append((t, wrap(from_client, inner_ip(4, from_client, tcp.copy()))))
    flows = [expect_flow(4, v, tun) for v, tun, _ in places]
    write(out, "encap-two-places", "the same connection (one 5-tuple) in VLAN 10, in VLAN 20, "
          "and in GRE between two pairs of routers, interleaved: four flows", frames, flows)


def build_gre_fragmented(out):
    """Eight connections in GRE whose 1400-byte responses the outer IPv4 header
    cuts in two (a tunnel router with the inner MTU set too high), the
    fragments of every other connection last first: eight flows, each told
    it came fragmented."""
    frames, flows, t = [], [], T0
    for n in range(8):
        cport = CPORT + n
        for from_client, tcp in conversation(4, cport, 1400):
            t += 0.01
            packet = outer4(from_client) / GRE() / inner_ip(4, from_client, tcp.copy())
            packet.id = 0x100 + len(frames)
            if len(packet) <= 1200:
                frames.append((t, bytes(eth(from_client, 0x0800) / packet)))
                continue
            pieces = fragment(packet, fragsize=1024)
            if n % 2:
                pieces = pieces[::-1]
            for piece in pieces:
                frames.append((t, bytes(eth(from_client, 0x0800) / piece)))
        flows.append(expect_flow(4, (), (("gre",) + ROUTER4,), cport=cport, fragmented=True))
    write(out, "encap-gre-fragmented", "eight connections in GRE, their 1400-byte responses "
          "cut in two by the outer IPv4 header, every other one last fragment first", frames,
          flows)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("kinds", nargs="*")
    a = ap.parse_args(argv)
    names = list(KINDS) + ["two-places", "gre-fragmented"]
    if a.list:
        for name in names:
            special = {"two-places": build_two_places, "gre-fragmented": build_gre_fragmented}
            doc = KINDS[name][0] if name in KINDS else special[name].__doc__
            print(name, "-", " ".join(doc.split()))
        return 0
    unknown = [k for k in a.kinds if k not in names]
    if unknown:
        print("encaps.py: unknown kind " + ", ".join(unknown), file=sys.stderr)
        return 2
    out = pathlib.Path(a.out)
    for name in a.kinds or names:
        if name == "two-places":
            build_two_places(out)
            continue
        if name == "gre-fragmented":
            build_gre_fragmented(out)
            continue
        description, family, fn, vlans, tunnels = KINDS[name]
        write(out, f"encap-{name}", description, build(fn, family),
              [expect_flow(family, vlans, tunnels)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
