#!/usr/bin/python3
"""Writes a SYN flood as a pcap file: FLOWS distinct client 5-tuples, each
sending REPEAT SYNs to one server, with correct checksums.

The tuples are either drawn at random from a seed (--random), or found by
searching: only those whose flow hash under KEY (tcpverdict's SipHash-1-3
of the canonical 5-tuple, as src/flow_key.c computes it) falls in bucket 0
of a table of BUCKETS buckets are kept, so that a tcpverdict run with
TCPVERDICT_HASH_KEY=KEY and --max-flows BUCKETS has all of them in one
bucket. Under any other key they are as spread as random ones.

    bench/synflood.py --key 0000... --buckets 8192 --flows 8192 -w chosen.pcap
    bench/synflood.py --random --flows 5000000 -w flood.pcap

The search costs about BUCKETS hashes per flow kept. SipHash is written out
here from the paper's description; with the all-zero key it is also what
CPython 3.11 and later compute for hash(bytes) under PYTHONHASHSEED=0, which
is about twenty times as fast, so the search uses that when the interpreter
agrees with the written-out function on sample inputs. Same options, same
bytes.
"""

import argparse
import os
import random
import struct
import sys

MASK64 = (1 << 64) - 1

SERVER_ADDR = bytes([192, 0, 2, 80])
SERVER_PORT = 80
START_US = 1767225600 * 1000000  # 2026-01-01 00:00:00 UTC
SYN_GAP_US = 1  # between two flows' SYNs in a round
REPEAT_GAP_US = 200000  # between two rounds


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK64


def siphash(key, msg, c_rounds, d_rounds):
    """SipHash-c-d of msg (bytes) under a 16-byte key."""
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(n):
        v0, v1, v2, v3 = v
        for _ in range(n):
            v0 = (v0 + v1) & MASK64
            v1 = rotl(v1, 13) ^ v0
            v0 = rotl(v0, 32)
            v2 = (v2 + v3) & MASK64
            v3 = rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & MASK64
            v3 = rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & MASK64
            v1 = rotl(v1, 17) ^ v2
            v2 = rotl(v2, 32)
        v[:] = [v0, v1, v2, v3]

    whole = len(msg) - len(msg) % 8
    words = [int.from_bytes(msg[i:i + 8], "little") for i in range(0, whole, 8)]
    words.append(int.from_bytes(msg[whole:], "little") | (len(msg) & 0xFF) << 56)
    for m in words:
        v[3] ^= m
        rounds(c_rounds)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(d_rounds)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def siphash13(key, msg):
    return siphash(key, msg, 1, 3)


def flow_key_message(addr_a, port_a, addr_b, port_b):
    """The bytes src/flow_key.c hashes for an IPv4 5-tuple seen outside any
    VLAN or tunnel: family 4, location 0, the ports of side 0 and side 1
    (little-endian), their addresses; side 0 is the lower (address, port)
    endpoint."""
    if (addr_a, port_a) > (addr_b, port_b):
        addr_a, port_a, addr_b, port_b = addr_b, port_b, addr_a, port_a
    return bytes([4]) + struct.pack("<HHH", 0, port_a, port_b) + addr_a + addr_b


def fast_hash(key):
    """A faster siphash13(key, .) through CPython's hash(), or None."""
    if key != bytes(16) or os.environ.get("PYTHONHASHSEED") != "0":
        return None
    if sys.hash_info.algorithm != "siphash13" or sys.hash_info.width != 64:
        return None
    samples = [bytes(range(n)) for n in (1, 8, 13, 37)] + [b"tcpverdict"]
    if any(hash(m) & MASK64 != siphash13(key, m) for m in samples):
        return None
    return lambda m: hash(m) & MASK64


def client_of(i):
    """The i-th candidate client endpoint: 10.0.0.1 and up, ports 1024-64999."""
    n = 1 + i // 63976
    return bytes([10, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF]), 1024 + i % 63976


def chosen_clients(key, buckets, flows):
    h = fast_hash(key)
    if h is None:
        h = lambda m: siphash13(key, m)  # noqa: E731
    mask = buckets - 1
    found = []
    i = 0
    while len(found) < flows:
        addr, port = client_of(i)
        if h(flow_key_message(addr, port, SERVER_ADDR, SERVER_PORT)) & mask == 0:
            found.append((addr, port))
        i += 1
        if i >= (63976 << 24) - 63976:
            sys.exit("synflood.py: ran out of candidate tuples")
    return found


def random_clients(seed, flows):
    rng = random.Random(seed)
    space = (63976 << 24) - 63976
    if flows > space:
        sys.exit("synflood.py: more flows than candidate tuples")
    return [client_of(i) for i in rng.sample(range(space), flows)]


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn_frame(addr, port, seq):
    tcp = struct.pack("!HHIIBBHHH", port, SERVER_PORT, seq, 0, 6 << 4, 0x02, 64240, 0, 0)
    tcp += struct.pack("!BBH", 2, 4, 1460) + b"\x01\x01\x04\x02"  # MSS, NOP, NOP, SACK-perm
    pseudo = addr + SERVER_ADDR + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, addr,
                     SERVER_ADDR)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp


def write_pcap(path, clients, repeat):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        round_us = len(clients) * SYN_GAP_US + REPEAT_GAP_US
        for r in range(repeat):
            base = START_US + r * round_us
            for n, (addr, port) in enumerate(clients):
                frame = syn_frame(addr, port, (n * 2654435761) & 0xFFFFFFFF)
                ts = base + n * SYN_GAP_US
                out.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(frame),
                                      len(frame)))
                out.write(frame)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--key", default="0" * 32,
                   help="32 hex digits, as TCPVERDICT_HASH_KEY (default: all zeros)")
    p.add_argument("--buckets", type=int, default=8192,
                   help="buckets of the table searched against, a power of two "
                        "(tcpverdict --max-flows rounded up to one; default 8192)")
    p.add_argument("--flows", type=int, required=True, help="distinct 5-tuples")
    p.add_argument("--repeat", type=int, default=1, help="SYNs per 5-tuple (default 1)")
    p.add_argument("--random", action="store_true",
                   help="random tuples from --seed instead of chosen ones")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-w", dest="out", required=True, help="pcap file to write")
    a = p.parse_args()
    try:
        key = bytes.fromhex(a.key)
    except ValueError:
        key = b""
    if len(key) != 16:
        p.error("--key: not 32 hexadecimal digits")
    if a.buckets < 1 or a.buckets & (a.buckets - 1):
        p.error("--buckets: not a power of two")
    if a.flows < 1 or a.repeat < 1:
        p.error("--flows and --repeat must be positive")
    if not a.random and key == bytes(16) and os.environ.get("PYTHONHASHSEED") != "0":
        # CPython's own SipHash-1-3 has the all-zero key under seed 0.
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    if a.random:
        clients = random_clients(a.seed, a.flows)
    else:
        clients = chosen_clients(key, a.buckets, a.flows)
    write_pcap(a.out, clients, a.repeat)


if __name__ == "__main__":
    main()
