#!/usr/bin/python3
"""Writes the captures of tests/e2e/clock.sh with scapy, each packet known by
construction (run with /usr/bin/python3, where scapy is installed).

usage: make_clock_pcap.py KIND OUT
  clean     50 healthy connections at once, from 10.1.0.1-50 to 10.2.0.1:8530:
            handshakes, then 20 rounds a second apart of a 100-byte request,
            a 200-byte response and its ACK on every connection, then FIN both
            ways; every one ends ok, fin, SF, ShADdFf
  lies      the same packets, but the client ACK of connection 7 in round 10
            is stamped 2037-01-01 and that of connection 33 in round 11
            1971-06-01 (packets 1674 and 1902, in their places)
  silence   connection 40001 -> 8530 open, 3 rounds, then 2 hours of silence,
            then 4 more rounds and FIN both ways
"""
import sys

from scapy.all import IP, TCP, Ether, Raw, wrpcap

T0 = 1795315042.0  # 2026-11-22 02:37:22 UTC
Y2037 = 2114380800.0
Y1971 = 44582400.0
SERVER = "10.2.0.1"
ROUNDS = 20


def pkt(t, src, dst, sport, dport, flags, seq, ack, payload=b""):
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst, ttl=64)
    p = p / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=65535)
    if payload:
        p = p / Raw(payload)
    p.time = t
    return p


class Conn:
    def __init__(self, client, sport):
        self.client, self.sport = client, sport
        self.cseq, self.sseq = 1000, 5000

    def c(self, t, flags, payload=b""):
        p = pkt(t, self.client, SERVER, self.sport, 8530, flags, self.cseq, self.sseq, payload)
        self.cseq += len(payload) + (1 if "S" in flags or "F" in flags else 0)
        return p

    def s(self, t, flags, payload=b""):
        p = pkt(t, SERVER, self.client, 8530, self.sport, flags, self.sseq, self.cseq, payload)
        self.sseq += len(payload) + (1 if "S" in flags or "F" in flags else 0)
        return p

    def open(self, t):
        syn = self.c(t, "S")
        syn[TCP].ack = 0
        return [syn, self.s(t + 0.0002, "SA"), self.c(t + 0.0004, "A")]

    def round(self, t):
        return [
            self.c(t, "PA", b"q" * 100),
            self.s(t + 0.0003, "PA", b"r" * 200),
            self.c(t + 0.0005, "A"),
        ]

    def close(self, t):
        return [self.c(t, "FA"), self.s(t + 0.0002, "FA"), self.c(t + 0.0004, "A")]


def many(lies):
    conns = [Conn("10.1.0.%d" % (i + 1), 40000 + i) for i in range(50)]
    pkts = []
    for i, c in enumerate(conns):
        pkts += c.open(T0 + i * 0.001)
    for r in range(ROUNDS):
        for i, c in enumerate(conns):
            round_pkts = c.round(T0 + 1 + r + i * 0.001)
            if lies and (r, i) == (10, 7):
                round_pkts[2].time = Y2037
            if lies and (r, i) == (11, 33):
                round_pkts[2].time = Y1971
            pkts += round_pkts
    for i, c in enumerate(conns):
        pkts += c.close(T0 + 2 + ROUNDS + i * 0.001)
    return pkts


def silence():
    c = Conn("10.1.0.1", 40001)
    pkts = c.open(T0)
    for r in range(3):
        pkts += c.round(T0 + 1 + r)
    for r in range(4):
        pkts += c.round(T0 + 7200 + r)
    return pkts + c.close(T0 + 7210)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    pkts = {"clean": lambda: many(False), "lies": lambda: many(True), "silence": silence}[kind]()
    wrpcap(out, pkts)


if __name__ == "__main__":
    main()
