#!/usr/bin/env python3
"""Check tcpverdict's --ladder diagrams against tshark's reading of the packets.

Runs `tcpverdict -q --ladder -r CAPTURE OPTIONS...` and parses every diagram:
its title (flow id, endpoints), each arrow (time since the flow's first
packet, direction, flags, relative seq/ack, length, packet number) and each
folded line (packets and bytes per direction). Then reads the same capture
with tshark (-T fields: frame.number, frame.time_epoch, addresses, ports,
tcp.flags, tcp.seq, tcp.ack, tcp.len, Wireshark's relative numbers) and
checks, for each diagram:

  - every arrow says what tshark says of that frame: direction, flags, seq,
    ack (when the ACK flag is set), length, time since the flow's first frame;
  - the arrows and folded counts add up to the flow's frames, per direction,
    packets and payload bytes (the flow: frames of its 5-tuple from its first
    packet to the next diagram's flow on the same 5-tuple, if any);
  - every SYN, FIN and RST frame of the flow has its arrow;
  - the anomaly lines' first packets have arrows;
  - no line is wider than 100 columns.

With --expected FILE, the diagrams must also equal FILE byte for byte (the
golden ladder; tshark decides whether it is right, the file that it stays).
With --update, FILE is written instead (review the diff).

Exit status: 0 pass, 1 fail, 77 tshark absent.
"""

import argparse
import re
import shutil
import subprocess
import sys
from collections import defaultdict

WIDTH = 100
FLAG_BITS = {"S": 0x02, "F": 0x01, "P": 0x08, "R": 0x04, "U": 0x20, "E": 0x40, "W": 0x80,
             ".": 0x10}
TITLE = re.compile(r"^flow (\d+): (\S+) -> (\S+)  ")
ARROW = re.compile(r"^\s*(-?\d+\.\d{6}) \|(-- |<-+ )\[([SFPRUEW.-]+)\] seq=(\d+)"
                   r"(?: ack=(\d+))? len=(\d+)(?: win=0)? -*>?-*\| pkt (\d+)")
FOLD = re.compile(r"^\s+:  \.\.\. (\d+) packets?: orig (\d+) \((\d+) bytes\), "
                  r"resp (\d+) \((\d+) bytes\)")
ANOMALY = re.compile(r"^  (\w+) \((\w+)\) from (orig|resp) x(\d+), first at pkt (\d+)$")


def split_endpoint(text):
    if text.startswith("["):
        addr, port = text[1:].rsplit("]:", 1)
    else:
        addr, port = text.rsplit(":", 1)
    return addr, int(port)


def ladder_text(output):
    """The diagrams: from the first title to the summary."""
    lines = output.split("\n")
    start = next((i for i, line in enumerate(lines) if TITLE.match(line)), len(lines))
    end = next((i for i, line in enumerate(lines) if line == "summary"), len(lines))
    return "\n".join(lines[start:end]).rstrip("\n") + "\n"


def parse_ladders(text):
    flows, cur = [], None
    for line in text.split("\n"):
        m = TITLE.match(line)
        if m:
            cur = {"id": int(m.group(1)), "orig": split_endpoint(m.group(2)),
                   "resp": split_endpoint(m.group(3)), "arrows": [], "folds": [],
                   "anomalies": [], "lines": 0}
            flows.append(cur)
            continue
        if cur is None:
            continue
        m = ARROW.match(line)
        if m:
            cur["arrows"].append({
                "t": float(m.group(1)), "from_orig": m.group(2) == "-- ",
                "flags": sum(FLAG_BITS[c] for c in m.group(3) if c in FLAG_BITS),
                "seq": int(m.group(4)), "ack": None if m.group(5) is None else int(m.group(5)),
                "len": int(m.group(6)), "pkt": int(m.group(7)), "line": line})
            continue
        m = FOLD.match(line)
        if m:
            cur["folds"].append(tuple(int(g) for g in m.groups()))
            continue
        m = ANOMALY.match(line)
        if m:
            cur["anomalies"].append((m.group(1), int(m.group(5))))
    return flows


def tshark_frames(capture):
    fields = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
              "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.ack", "tcp.len"]
    cmd = ["tshark", "-n", "-r", capture, "-o", "tcp.relative_sequence_numbers:TRUE",
           "-o", "tcp.analyze_sequence_numbers:TRUE", "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    frames = []
    for line in out.splitlines():
        v = dict(zip(fields, line.split("\t")))
        if not v.get("tcp.srcport"):
            continue
        frames.append({
            "n": int(v["frame.number"]), "t": float(v["frame.time_epoch"]),
            "src": (v["ip.src"] or v["ipv6.src"], int(v["tcp.srcport"])),
            "dst": (v["ip.dst"] or v["ipv6.dst"], int(v["tcp.dstport"])),
            "flags": int(v["tcp.flags"], 16), "seq": int(v["tcp.seq"]),
            "ack": int(v["tcp.ack"]) if v["tcp.ack"] else 0, "len": int(v["tcp.len"])})
    return frames


def norm(ep):
    import ipaddress
    return (ipaddress.ip_address(ep[0]).compressed, ep[1])


def check(flows, frames, problems):
    by_tuple = defaultdict(list)
    for fl in flows:
        by_tuple[frozenset((norm(fl["orig"]), norm(fl["resp"])))].append(fl)
    for fl in flows:
        key = frozenset((norm(fl["orig"]), norm(fl["resp"])))
        later = [o["id"] for o in by_tuple[key] if o["id"] > fl["id"]]
        end = min(later) if later else float("inf")
        mine = [f for f in frames if fl["id"] <= f["n"] < end
                and frozenset((norm(f["src"]), norm(f["dst"]))) == key]
        name = f"flow {fl['id']}"
        if not mine:
            problems.append(f"{name}: tshark has no frame of it")
            continue
        t0 = mine[0]["t"]
        by_n = {f["n"]: f for f in mine}
        for a in fl["arrows"]:
            f = by_n.get(a["pkt"])
            if f is None:
                problems.append(f"{name}: pkt {a['pkt']} is not a frame of the flow for tshark")
                continue
            from_orig = norm(f["src"]) == norm(fl["orig"])
            want = {"from_orig": from_orig, "flags": f["flags"] & 0xff, "seq": f["seq"],
                    "len": f["len"], "ack": f["ack"] if f["flags"] & 0x10 else None}
            for k, v in want.items():
                if a[k] != v:
                    problems.append(f"{name}: pkt {a['pkt']} {k}: ladder {a[k]}, tshark {v}")
            if abs(a["t"] - (f["t"] - t0)) > 1.5e-6:
                problems.append(f"{name}: pkt {a['pkt']} time {a['t']:.6f}, "
                                f"tshark {f['t'] - t0:.6f}")
        drawn = {a["pkt"] for a in fl["arrows"]}
        for side, is_orig in ((0, True), (1, False)):
            pk = sum(1 for a in fl["arrows"] if a["from_orig"] == is_orig)
            by = sum(a["len"] for a in fl["arrows"] if a["from_orig"] == is_orig)
            pk += sum(fo[1 + 2 * side] for fo in fl["folds"])
            by += sum(fo[2 + 2 * side] for fo in fl["folds"])
            want = [f for f in mine if (norm(f["src"]) == norm(fl["orig"])) == is_orig]
            tp, tb = len(want), sum(f["len"] for f in want)
            who = "orig" if is_orig else "resp"
            if (pk, by) != (tp, tb):
                problems.append(f"{name}: {who} drawn and folded {pk} packets {by} bytes, "
                                f"tshark {tp} packets {tb} bytes")
        for f in mine:
            if f["flags"] & 0x07 and f["n"] not in drawn:
                problems.append(f"{name}: frame {f['n']} (flags {f['flags']:#x}) has no arrow")
        for code, pkt in fl["anomalies"]:
            if pkt not in drawn:
                problems.append(f"{name}: {code}'s first packet {pkt} has no arrow")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tcpverdict", required=True)
    ap.add_argument("--expected")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("capture")
    ap.add_argument("options", nargs="*")
    args = ap.parse_args()
    if shutil.which("tshark") is None:
        print("SKIP: tshark not found")
        return 77
    proc = subprocess.run([args.tcpverdict, "-q", "--ladder", "-r", args.capture] + args.options,
                          capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        print(f"FAIL: tcpverdict exit status {proc.returncode}: {proc.stderr.strip()}")
        return 1
    text = ladder_text(proc.stdout)
    problems = []
    for n, line in enumerate(text.split("\n"), 1):
        if len(line) > WIDTH:
            problems.append(f"line {n} is {len(line)} columns wide")
    flows = parse_ladders(text)
    if not flows:
        problems.append("no diagram")
    check(flows, tshark_frames(args.capture), problems)
    if args.expected:
        if args.update:
            with open(args.expected, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            with open(args.expected, encoding="utf-8") as f:
                if f.read() != text:
                    problems.append(f"the diagrams differ from {args.expected}")
    arrows = sum(len(fl["arrows"]) for fl in flows)
    for p in problems:
        print(f"FAIL: {p}")
    print(f"{args.capture}: {len(flows)} diagrams, {arrows} arrows checked against tshark, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
