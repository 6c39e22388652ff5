#!/usr/bin/env python3
"""Check tcpverdict --compare against a two-point sample's .expect file.

Usage: check_pair.py TCPVERDICT SAMPLE.expect

The .expect (capture-samples/two-point/, written by record.sh from what the
scenario did: firewall counters, the impairment helper's log of its drops)
names the two captures on its "pair" line and, per flow, facts keyed as
the flow record has them: verdict=fail, anomalies=CODE:DIR:COUNT,...,
path.dropped.orig=3, path.changed.translated.resp=- (null), and ranges
path.delay_ms.orig.median=2..12.  Exit status 0 when every fact holds.
"""
import json
import pathlib
import subprocess
import sys


def lookup(record, dotted):
    value = record
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return "?"
        value = value[key]
    return value


def holds(want, got):
    if want == "-":
        return got is None
    if ".." in want and isinstance(got, (int, float)) and not isinstance(got, bool):
        lo, hi = (float(x) for x in want.split(".."))
        return lo <= got <= hi
    if isinstance(got, bool):
        return want == ("true" if got else "false")
    return str(got) == want


def endpoint(side):
    addr = side["addr"]
    return f"[{addr}]:{side['port']}" if ":" in addr else f"{addr}:{side['port']}"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary, expect = argv[1], pathlib.Path(argv[2])
    pair, flows = {}, []
    for line in expect.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, _, rest = line.partition(" ")
        fields = dict(item.split("=", 1) for item in rest.split())
        if kind == "pair":
            pair = fields
        elif kind == "flow":
            flows.append(fields)
    first = expect.with_name(pair["first"])
    second = expect.with_name(pair["second"])
    proc = subprocess.run([binary, "--json", "-r", str(first), "--compare", str(second)],
                          capture_output=True, check=False, timeout=300)
    if proc.returncode not in (0, 1):
        print(f"{expect.name}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')}")
        return 1
    records = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    got = [r for r in records if r.get("type") == "flow"]
    problems = []
    if len(got) != int(pair["flows"]):
        problems.append(f"{len(got)} flow records, expected {pair['flows']}")
    for want in flows:
        match = [r for r in got if endpoint(r["orig"]) == want["orig"]
                 and endpoint(r["resp"]) == want["resp"]]
        if len(match) != 1:
            problems.append(f"{want['orig']} -> {want['resp']}: {len(match)} records")
            continue
        rec = match[0]
        for key, value in want.items():
            if key in ("orig", "resp"):
                continue
            if key == "anomalies":
                have = {(a["code"], a["dir"]): a["count"] for a in rec["anomalies"]}
                for item in value.split(","):
                    code, direction, count = item.split(":")
                    if str(have.get((code, direction))) != count:
                        problems.append(f"anomaly {code}:{direction}: expected {count}, "
                                        f"got {have.get((code, direction))}")
                continue
            actual = lookup(rec, key)
            if not holds(value, actual):
                problems.append(f"{key}: expected {value}, got {actual}")
    for p in problems:
        print(f"{expect.name}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
