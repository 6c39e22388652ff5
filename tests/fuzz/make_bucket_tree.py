#!/usr/bin/python3
"""Writes corpus/flow-bucket-tree, a fuzz_analyzer input whose 5-tuples all
share bucket 0 of the 256-bucket table fuzz_analyzer makes, under the
all-zero hash key that tv_config_default() leaves: bench/synflood.py's search.
So the replay in make check, and the fuzzer from it, go through the bucket
tree: 40 SYNs (the tree is made at the 17th), half of them refused; an ARP
frame 655 s later, which expires them all (removals, the bucket a chain
again); 20 more SYNs (a tree again at the 17th) left for the drain at the
end.

    tests/fuzz/make_bucket_tree.py tests/fuzz/corpus/flow-bucket-tree
"""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "bench"))
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"  # CPython's SipHash-1-3 with the zero key
    os.execv(sys.executable, [sys.executable] + sys.argv)
import synflood  # noqa: E402


def rst_ack_frame(addr, port, seq):
    tcp = struct.pack("!HHIIBBHHH", synflood.SERVER_PORT, port, 0, (seq + 1) & 0xFFFFFFFF,
                      5 << 4, 0x14, 0, 0, 0)
    pseudo = synflood.SERVER_ADDR + addr + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", synflood.checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     synflood.SERVER_ADDR, addr)
    ip = ip[:10] + struct.pack("!H", synflood.checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
    return eth + ip + tcp


def record(frame, gap):
    return struct.pack("!HH", len(frame), gap) + frame


def main():
    clients = synflood.chosen_clients(bytes(16), 256, 60)
    out = bytearray([0, 0])  # Ethernet; 256 flows, no eviction, checksums verified
    for n, (addr, port) in enumerate(clients[:40]):
        out += record(synflood.syn_frame(addr, port, n * 1000), 0)
        if n % 2:
            out += record(rst_ack_frame(addr, port, n * 1000), 1)
    # An ARP frame 655 s on: the clock passes every deadline.
    arp = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x06" + bytes(28)
    out += record(arp, 65535)
    for n, (addr, port) in enumerate(clients[40:]):
        out += record(synflood.syn_frame(addr, port, n), 1)
    with open(sys.argv[1], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
