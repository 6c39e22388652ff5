#!/usr/bin/env python3
"""Check tcpverdict's --graph SVG files against tshark's reading of the packets.

Runs `tcpverdict -q --fail-on ok --graph DIR -r CAPTURE` (every flow drawn),
parses each DIR/flow-ID.svg with Python's XML parser (so it must be well
formed) and checks, per flow and direction, against tshark:

  - the panel has one segment mark (class "seg") per frame that direction
    sent, each naming that frame (data-pkt);
  - marks of class "rst" are exactly the frames with RST set;
  - marks of class "orphan" are exactly the frames after the flow's first RST;
  - marks of class "rxmit" are frames tshark marks as a retransmission,
    fast retransmission, spurious retransmission or out-of-order segment;
  - the SACK bars (class "sack") are as many as the SACK blocks tshark reads
    in the peer's frames;
  - the anomalies' first packets are named at their marks.

Exit status: 0 pass, 1 fail, 77 tshark absent.
"""

import argparse
import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

NS = "{http://www.w3.org/2000/svg}"
TITLE = re.compile(r"^flow (\d+): (\S+) -> (\S+)  ")


def endpoint(text):
    addr, port = (text[1:].rsplit("]:", 1) if text.startswith("[")
                  else text.rsplit(":", 1))
    return ipaddress.ip_address(addr).compressed, int(port)


def sample_options(capture):
    """What tshark must be told about some samples, as tests/e2e/tshark-conv.sh
    tells it: what an MPLS pseudowire carries (nothing in the packets says),
    and that a frame the radio saw fail its FCS was never delivered."""
    name = os.path.basename(capture)
    if name == "encap-mpls-pw-cw.pcap":
        return ["-d", "mpls.label==2000,pwethcw"]
    if name == "encap-mpls-pw.pcap":
        return ["-d", "mpls.label==2001,pwethnocw"]
    if "radiotap" in name:
        return ["-Y", "radiotap.flags.badfcs == 0"]
    return []


def innermost(v, end):
    """The address of the IP header nearest TCP: inside a tunnel tshark
    lists every header's, outermost first."""
    layers = v["frame.protocols"].split(":")
    last_ip = max((i for i, p in enumerate(layers) if p == "ip"), default=-1)
    last_ipv6 = max((i for i, p in enumerate(layers) if p == "ipv6"), default=-1)
    field = "ipv6." + end if last_ipv6 > last_ip else "ip." + end
    return ipaddress.ip_address(v[field].split(",")[-1]).compressed


def tshark_frames(capture):
    fields = ["frame.number", "frame.protocols", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
              "tcp.srcport",
              "tcp.dstport", "tcp.flags", "tcp.options.sack_le", "tcp.analysis.retransmission",
              "tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission",
              "tcp.analysis.out_of_order"]
    rxmit_fields = fields[-4:]
    cmd = ["tshark", "-n", "-r", capture, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"] + sample_options(capture)
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    frames = []
    for line in out.splitlines():
        v = dict(zip(fields, line.split("\t")))
        if not v.get("tcp.srcport"):
            continue
        frames.append({
            "n": int(v["frame.number"]),
            "src": (innermost(v, "src"), int(v["tcp.srcport"].split(",")[-1])),
            "dst": (innermost(v, "dst"), int(v["tcp.dstport"].split(",")[-1])),
            "flags": int(v["tcp.flags"], 16),
            "sacks": len([x for x in v["tcp.options.sack_le"].split(",") if x]),
            "rxmit": any(v[k] for k in rxmit_fields),
        })
    return frames


def classes(el):
    return set(el.get("class", "").split())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tcpverdict", required=True)
    ap.add_argument("capture")
    args = ap.parse_args()
    if shutil.which("tshark") is None:
        print("SKIP: tshark not found")
        return 77
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        gdir = Path(tmp) / "graphs"
        proc = subprocess.run([args.tcpverdict, "-q", "--fail-on", "ok", "--graph", str(gdir),
                               "-r", args.capture], capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 1):
            print(f"FAIL: exit status {proc.returncode}: {proc.stderr.strip()}")
            return 1
        graphs = {}
        for path in sorted(gdir.glob("flow-*.svg")):
            try:
                root = ET.parse(path).getroot()
            except ET.ParseError as e:
                problems.append(f"{path.name}: not well-formed XML: {e}")
                continue
            title = root.find(f"{NS}text[@class='title']")
            m = TITLE.match(title.text if title is not None else "")
            if root.tag != f"{NS}svg" or m is None:
                problems.append(f"{path.name}: no <svg> root with a flow title")
                continue
            graphs[int(m.group(1))] = (root, endpoint(m.group(2)), endpoint(m.group(3)))
    frames = tshark_frames(args.capture)
    by_tuple = defaultdict(list)
    for fid, (_, orig, resp) in graphs.items():
        by_tuple[frozenset((orig, resp))].append(fid)
    marks = 0
    for fid, (root, orig, resp) in sorted(graphs.items()):
        key = frozenset((orig, resp))
        end = min([o for o in by_tuple[key] if o > fid], default=float("inf"))
        mine = [f for f in frames if fid <= f["n"] < end and frozenset((f["src"], f["dst"])) == key]
        first_rst = min((f["n"] for f in mine if f["flags"] & 0x04), default=None)
        name = f"flow {fid}"
        panels = {g.get("data-side"): g for g in root.iter(f"{NS}g")
                  if "panel" in classes(g)}
        if set(panels) != {"orig", "resp"}:
            problems.append(f"{name}: panels {sorted(panels)}, not orig and resp")
            continue
        for side, sender in (("orig", orig), ("resp", resp)):
            sent = [f for f in mine if f["src"] == sender]
            peer = [f for f in mine if f["src"] != sender]
            segs = [e for e in panels[side].iter() if "seg" in classes(e)]
            marks += len(segs)
            got = sorted(int(e.get("data-pkt")) for e in segs)
            if got != [f["n"] for f in sent]:
                problems.append(f"{name} {side}: {len(segs)} segment marks, tshark "
                                f"{len(sent)} frames")
            by_class = defaultdict(set)
            for e in segs:
                for c in classes(e):
                    by_class[c].add(int(e.get("data-pkt")))
            want_rst = {f["n"] for f in sent if f["flags"] & 0x04}
            if by_class["rst"] != want_rst:
                problems.append(f"{name} {side}: rst marks {sorted(by_class['rst'])}, "
                                f"tshark {sorted(want_rst)}")
            want_orphan = {f["n"] for f in sent if first_rst is not None and f["n"] > first_rst
                           and not f["flags"] & 0x04}
            if by_class["orphan"] != want_orphan:
                problems.append(f"{name} {side}: orphan marks {sorted(by_class['orphan'])}, "
                                f"frames after the RST {sorted(want_orphan)}")
            flagged = {f["n"] for f in sent if f["rxmit"]}
            if not by_class["rxmit"] <= flagged:
                problems.append(f"{name} {side}: rxmit marks {sorted(by_class['rxmit'] - flagged)}"
                                " are not retransmissions or out of order for tshark")
            sacks = sum(1 for e in panels[side].iter() if "sack" in classes(e))
            want_sacks = sum(f["sacks"] for f in peer)
            if sacks != want_sacks:
                problems.append(f"{name} {side}: {sacks} SACK bars, tshark {want_sacks} blocks")
        for e in root.iter(f"{NS}text"):
            if "anomaly" in classes(e) and int(e.get("data-pkt")) not in {f["n"] for f in mine}:
                problems.append(f"{name}: anomaly named at {e.get('data-pkt')}, not its frame")
    if not graphs:
        problems.append("no graph written")
    for p in problems:
        print(f"FAIL: {p}")
    print(f"{args.capture}: {len(graphs)} graphs, {marks} segment marks checked against tshark, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
