#!/usr/bin/env python3
"""Check tcpverdict's verdicts for a recorded sample against its .expect file.

Usage: check_expect.py TCPVERDICT SAMPLE.expect

The .expect file (format in capture-samples/README) states what the recorded
scenario did: per flow, the conn_state, end, verdict, Winsock codes,
anomalies that must and must not appear, attempt, history, firewall view and
where it was found (VLANs, tunnels).
It was written from the scenario, not from tcpverdict's output, so this is
the test that the verdicts are right, not merely unchanged.

Prints one line per mismatch and a closing "N passed, N failed" line (flows).
Exit status 0 when every flow matches, 1 otherwise, 2 on a usage error.
"""
import json
import pathlib
import subprocess
import sys


def parse_expect(path):
    sample, args, flows, summary = {}, [], [], {}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, rest = line.partition(" ")
        if kind == "args":
            args = rest.split()
            continue
        fields = dict(item.split("=", 1) for item in rest.split())
        if kind == "sample":
            sample = fields
        elif kind == "summary":
            summary.update(fields)
        elif kind == "flow":
            fields["_line"] = lineno
            flows.append(fields)
        else:
            raise ValueError(f"{path}:{lineno}: unknown record {kind!r}")
    return sample, args, flows, summary


def summary_value(record, path):
    """The summary's value at a dotted path (decode.errors.bad_fcs, with list
    indexes: flows_by_nflog_prefix.0.flows), or None."""
    value = record
    for key in path.split("."):
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return None
    return value


def endpoint(side):
    addr = side["addr"]
    return f"[{addr}]:{side['port']}" if ":" in addr else f"{addr}:{side['port']}"


def winsock(value):
    return "-" if value is None else str(value)


def dash(value):
    return "-" if value is None else str(value)


def tunnel_list(tunnels):
    """KIND:SRC>DST,... outermost first, "-" for none, "?" when not known."""
    if tunnels is None:
        return "?"
    return ",".join(f"{t['kind']}:{t['src']}>{t['dst']}" for t in tunnels) or "-"


def anomaly_list(text):
    if text in (None, "-"):
        return []
    return [tuple(item.split(":")) for item in text.split(",")]


def check_flow(want, got):
    problems = []

    def same(key, actual):
        if key in want and want[key] != actual:
            problems.append(f"{key}: expected {want[key]}, got {actual}")

    same("conn_state", got["conn_state"])
    same("end", got["end"])
    same("verdict", got["verdict"])
    same("orig.winsock", winsock(got["orig"]["winsock"]))
    same("resp.winsock", winsock(got["resp"]["winsock"]))
    same("attempt", str(got["attempt"]))
    same("history", got["history"])
    same("firewall.strict_drops", str(got["firewall"]["strict_drops"]))
    same("pkts", str(got["orig"]["pkts"] + got["resp"]["pkts"]))
    nflog = got.get("nflog") or {}
    same("nflog.group", str(nflog.get("group", "-")))
    same("nflog.prefix", nflog.get("prefix", "-"))
    same("vlan", dash(got.get("vlan")))
    same("inner_vlan", dash(got.get("inner_vlan")))
    same("tunnels", tunnel_list(got.get("tunnels")))
    if "history_has" in want:
        missing = set(want["history_has"]) - set(got["history"])
        if missing:
            problems.append(f"history {got['history']} lacks {''.join(sorted(missing))}")

    reported = {(a["code"], a["dir"]): a["count"] for a in got["anomalies"]}
    codes = {code for code, _ in reported}
    for item in anomaly_list(want.get("anomalies")):
        code = item[0]
        if len(item) == 1:  # CODE alone: from either side
            if code not in codes:
                problems.append(f"anomaly {code} not reported")
            continue
        direction = item[1]
        if (code, direction) not in reported:
            problems.append(f"anomaly {code} from {direction} not reported")
        elif len(item) > 2 and str(reported[(code, direction)]) != item[2]:
            problems.append(f"anomaly {code} from {direction}: expected count {item[2]}, "
                            f"got {reported[(code, direction)]}")
    for code in want.get("absent", "").split(","):
        if code and code in codes:
            problems.append(f"anomaly {code} must not be reported")
    return problems


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary, expect_path = argv[1], pathlib.Path(argv[2])
    sample, args, wanted, summary_want = parse_expect(expect_path)
    pcap = expect_path.with_name(sample.get("pcap", expect_path.stem + ".pcap"))
    proc = subprocess.run([binary, "--json", "-r", str(pcap)] + args,
                          capture_output=True, check=False, timeout=300)
    if proc.returncode not in (0, 1):
        print(f"{expect_path.name}: tcpverdict exit {proc.returncode}: "
              f"{proc.stderr.decode(errors='replace').strip()}")
        print("0 passed, 1 failed")
        return 1
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    flows = [r for r in records if r.get("type") == "flow"]

    passed = failed = 0
    summaries = [r for r in records if r.get("type") == "summary"]
    for key, want in summary_want.items():
        got = summary_value(summaries[-1], key) if summaries else None
        if str(got) != want:
            print(f"{expect_path.name}: summary {key}: expected {want}, got {got}")
            failed += 1
    if "flows" in sample and int(sample["flows"]) != len(flows):
        print(f"{expect_path.name}: expected {sample['flows']} flows, got {len(flows)}")
        failed += 1

    # A flow is identified by orig, resp and attempt, and where it was found
    # when the line says (the same connection in two VLANs or tunnels is two
    # flows); repeated ones pair in order.
    def place(f):
        return {"vlan": dash(f.get("vlan")), "inner_vlan": dash(f.get("inner_vlan")),
                "tunnels": tunnel_list(f.get("tunnels"))}

    unused = list(flows)
    for want in wanted:
        match = next((f for f in unused
                      if endpoint(f["orig"]) == want.get("orig")
                      and endpoint(f["resp"]) == want.get("resp")
                      and str(f["attempt"]) == want.get("attempt", str(f["attempt"]))
                      and all(want.get(k, v) == v for k, v in place(f).items())), None)
        where = f"{expect_path.name}:{want['_line']} {want.get('orig')} -> {want.get('resp')}"
        if match is None:
            print(f"{where}: no such flow in the output")
            failed += 1
            continue
        unused.remove(match)
        problems = check_flow(want, match)
        for problem in problems:
            print(f"{where}: {problem}")
        if problems:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
