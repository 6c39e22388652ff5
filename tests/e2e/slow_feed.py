#!/usr/bin/env python3
import struct, sys, time
# slow_feed.py COUNT SECONDS: COUNT clean connections (port 8530), one a second of
# packet time, written as a pcap to stdout over SECONDS of wall time.
count, seconds = int(sys.argv[1]), float(sys.argv[2])
CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
FIN, SYN, PSH, ACK = 0x01, 0x02, 0x08, 0x10
def checksum(data):
    if len(data) % 2: data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16: total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp + payload
out = sys.stdout.buffer
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)); out.flush()
t0 = 1700000000
for i in range(count):
    cp, c, s = 20000 + i, 1000 * i, 5000 * i
    d = b"x" * 10
    pk = [frame(CLIENT, SERVER, cp, 8530, c, 0, SYN), frame(SERVER, CLIENT, 8530, cp, s, c + 1, SYN | ACK),
          frame(CLIENT, SERVER, cp, 8530, c + 1, s + 1, ACK), frame(CLIENT, SERVER, cp, 8530, c + 1, s + 1, PSH | ACK, d),
          frame(SERVER, CLIENT, 8530, cp, s + 1, c + 11, ACK | FIN), frame(CLIENT, SERVER, cp, 8530, c + 11, s + 2, ACK | FIN)]
    # No last ACK: with --linger 0 it would open a flow of its own.
    for k, p in enumerate(pk):
        us = k * 1000
        out.write(struct.pack("<IIII", t0 + i, us, len(p), len(p)) + p)
    out.flush()
    time.sleep(seconds / count)
