#!/usr/bin/env python3
"""Check tcpverdict's --format zeek and zeek-json against Zeek's own conn.log.

For every <stem>.conn.log in the corpus directory (Zeek's conn.log for
<stem>.pcap or .pcapng, as Zeek's test suite recorded it), runs tcpverdict
--format zeek with Zeek's timers, parses the TSV with the small reader below
(the way zeek-cut reads it: the #separator, #fields and #types lines, then
one line per connection, "-" for unset) and compares, for each of Zeek's TCP
rows, the columns both measure:

  proto conn_state history orig_pkts resp_pkts orig_bytes resp_bytes
  local_orig local_resp missed_bytes (where ours is set)

Rows pair with our lines by connection (either orientation), in order. Every
disagreement must be listed in CONN_LOG_DIFFERENCES (the format of
KNOWN_DIFFERENCES, with these field names); a listed one that no longer
occurs is reported as stale.

On every trace it also checks the log itself: the header lines Zeek writes,
Zeek's field names and types in Zeek's order, #close at the end, every line
as many fields as #fields; that --format zeek-json gives the same values
(unset fields left out, as Zeek's JSON writer does); and that every line
says what --json says of the same flow (flow_id), field by field.

Exit status: 0 pass, 1 fail, 77 nothing to compare (corpus absent).
"""

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import ZEEK_IGNORED_CHECKSUMS, ZEEK_TIMERS, find_capture, norm_addr  # noqa: E402

RUN_TIMEOUT_S = 300
FIELDS = ("proto", "conn_state", "history", "orig_pkts", "resp_pkts", "orig_bytes",
          "resp_bytes", "local_orig", "local_resp", "missed_bytes")
# Zeek's conn.log columns, names and types, as Zeek 6 writes them.
ZEEK_COLUMNS = [
    ("ts", "time"), ("uid", "string"), ("id.orig_h", "addr"), ("id.orig_p", "port"),
    ("id.resp_h", "addr"), ("id.resp_p", "port"), ("proto", "enum"), ("service", "string"),
    ("duration", "interval"), ("orig_bytes", "count"), ("resp_bytes", "count"),
    ("conn_state", "string"), ("local_orig", "bool"), ("local_resp", "bool"),
    ("missed_bytes", "count"), ("history", "string"), ("orig_pkts", "count"),
    ("orig_ip_bytes", "count"), ("resp_pkts", "count"), ("resp_ip_bytes", "count"),
    ("tunnel_parents", "set[string]"), ("ip_proto", "count"),
]
OUR_COLUMNS = [("flow_id", "count"), ("verdict", "string"), ("anomalies", "set[string]"),
               ("winsock_orig", "count"), ("winsock_resp", "count"), ("hint", "string")]


# Zeek's checksum setting for each conn.log: the traces of compare.py, but
# chksums_localhost-bad-chksum.conn.log is the run with checksums checked;
# its run that ignored them for the host with bad checksums is a variant.
IGNORED_CHECKSUMS = ZEEK_IGNORED_CHECKSUMS - {"chksums_localhost-bad-chksum"}
# Logs of a trace made with other settings, <trace>.<variant>.conn.log, that
# tcpverdict can match: log stem -> (trace, checksums ignored).
VARIANTS = {"chksums_localhost-bad-chksum.ignore-nets": ("chksums_localhost-bad-chksum", True)}


class LogError(Exception):
    pass


def unescape(value):
    """Zeek's \\xNN escapes undone."""
    out, i = [], 0
    while i < len(value):
        if value.startswith("\\x", i) and i + 4 <= len(value):
            out.append(chr(int(value[i + 2:i + 4], 16)))
            i += 4
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def read_zeek_cut(lines):
    """zeek-cut's output with its header line (some baselines keep only that)."""
    lines = [line for line in lines if line and not line.startswith("#")]
    fields = lines[0].split("\t")
    rows = [dict(zip(fields, (None if v == "-" else v for v in line.split("\t"))))
            for line in lines[1:]]
    for row in rows:
        row.setdefault("proto", "tcp")
    return fields, None, rows


def read_zeek_tsv(text, require_close):
    """A Zeek ASCII log: (fields, types, rows as dicts, with None for unset)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] == "" or not lines[0].startswith("#separator "):
        # Zeek's btest baselines start with a comment line of their own.
        rest = list(lines)
        while lines and not lines[0].startswith("#separator "):
            lines.pop(0)
        if not lines:
            if not require_close and len(rest) > 1:
                return read_zeek_cut(rest)
            raise LogError("no #separator line")
    sep = unescape(lines[0].split(" ", 1)[1])
    meta, rows, closed = {}, [], False
    for n, line in enumerate(lines[1:], 2):
        if line.startswith("#"):
            key, _, value = line[1:].partition(sep)
            if not _:
                key, _, value = line[1:].partition(" ")
            if key in meta and key in ("fields", "types"):
                raise LogError(f"line {n}: a second #{key}")
            meta[key] = value
            if key == "close":
                closed = True
            continue
        if closed:
            raise LogError(f"line {n}: a record after #close")
        if "fields" not in meta or "types" not in meta:
            raise LogError(f"line {n}: a record before #fields and #types")
        fields = meta["fields"].split(sep)
        values = line.split(sep)
        if len(values) != len(fields):
            raise LogError(f"line {n}: {len(values)} values for {len(fields)} fields")
        row = {}
        for name, value in zip(fields, values):
            row[name] = None if value == meta.get("unset_field", "-") else unescape(value)
        rows.append(row)
    for key, want in (("set_separator", ","), ("empty_field", "(empty)"),
                      ("unset_field", "-"), ("path", "conn")):
        if meta.get(key) != want:
            raise LogError(f"#{key} is {meta.get(key)!r}, not {want!r}")
    if "open" not in meta:
        raise LogError("no #open line")
    if require_close and not closed:
        raise LogError("no #close line")
    fields, types = meta["fields"].split(sep), meta["types"].split(sep)
    if len(fields) != len(types):
        raise LogError("#fields and #types differ in length")
    return fields, types, rows


def run(binary, capture, fmt, ignore):
    cmd = [binary, "--format", fmt, "-r", str(capture)] + ZEEK_TIMERS
    if ignore:
        cmd.append("--no-checksums")
    proc = subprocess.run(cmd, capture_output=True, timeout=RUN_TIMEOUT_S, check=False)
    if proc.returncode not in (0, 1):
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise LogError(f"--format {fmt}: exit status {proc.returncode}: " + " | ".join(err[:3]))
    return proc.stdout.decode()


def typed(value, ztype):
    """A TSV value as Zeek's JSON writer gives it."""
    if value is None:
        return None
    if ztype in ("count", "port"):
        return int(value)
    if ztype in ("time", "interval"):
        return float(value)
    if ztype == "bool":
        return value == "T"
    if ztype.startswith("set["):
        return [] if value == "(empty)" else value.split(",")
    return value


def check_log_shape(fields, types):
    want = ZEEK_COLUMNS + OUR_COLUMNS
    got = list(zip(fields, types))
    if got != want:
        raise LogError(f"columns {got} are not Zeek's then ours {want}")


def check_against_json(stem, rows, binary, capture, ignore, problems):
    out = run(binary, capture, "json", ignore)
    flows = {}
    for line in out.splitlines():
        rec = json.loads(line)
        if rec.get("type") == "flow":
            flows[rec["flow_id"]] = rec
    if len(flows) != len(rows):
        problems.append(f"{stem}: {len(rows)} zeek lines, {len(flows)} --json flows")
    for row in rows:
        rec = flows.get(int(row["flow_id"]))
        if rec is None:
            problems.append(f"{stem}: flow_id {row['flow_id']} not in --json")
            continue
        lasted = rec["ts_last"] > rec["ts_first"]
        want = {
            "ts": "%.6f" % rec["ts_first"],
            "id.orig_h": rec["orig"]["addr"], "id.orig_p": str(rec["orig"]["port"]),
            "id.resp_h": rec["resp"]["addr"], "id.resp_p": str(rec["resp"]["port"]),
            "service": rec["service"], "conn_state": rec["conn_state"],
            "history": rec["history"],
            "orig_pkts": str(rec["orig"]["pkts"]), "resp_pkts": str(rec["resp"]["pkts"]),
            "orig_bytes": str(rec["orig"]["bytes"]) if lasted else None,
            "resp_bytes": str(rec["resp"]["bytes"]) if lasted else None,
            "verdict": rec["verdict"],
            "anomalies": ",".join(a["code"] for a in rec["anomalies"]) or "(empty)",
            "winsock_orig": None if rec["orig"]["winsock"] is None
            else str(rec["orig"]["winsock"]),
            "winsock_resp": None if rec["resp"]["winsock"] is None
            else str(rec["resp"]["winsock"]),
            "hint": rec["hint"],
        }
        for name, value in want.items():
            if row[name] != value:
                problems.append(f"{stem}: flow {row['flow_id']} {name}: zeek {row[name]!r}, "
                                f"--json {value!r}")
        if lasted:
            dur = rec["ts_last"] - rec["ts_first"]
            if abs(float(row["duration"]) - dur) > 2e-6:
                problems.append(f"{stem}: flow {row['flow_id']} duration {row['duration']}, "
                                f"--json {dur:.6f}")


def check_zeek_json(stem, fields, types, rows, binary, capture, ignore, problems):
    out = run(binary, capture, "zeek-json", ignore)
    objs = [json.loads(line) for line in out.splitlines()]
    if len(objs) != len(rows):
        problems.append(f"{stem}: {len(objs)} zeek-json lines, {len(rows)} zeek lines")
        return
    for obj, row in zip(objs, rows):
        want = {}
        for name, ztype in zip(fields, types):
            value = typed(row[name], ztype)
            if value is not None:
                want[name] = value
        if list(obj) != [k for k in fields if k in want]:
            problems.append(f"{stem}: zeek-json keys {list(obj)} not in Zeek's order")
        for key in set(obj) | set(want):
            a, b = obj.get(key), want.get(key)
            same = (abs(a - b) < 1e-6 if isinstance(a, float) and isinstance(b, (int, float))
                    else a == b)
            if not same:
                problems.append(f"{stem}: uid {row['uid']} {key}: zeek-json {a!r}, tsv {b!r}")


def read_known(path):
    known, problems = {}, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(None, 8)
            if (len(parts) < 9 or parts[5] not in FIELDS
                    or not parts[6].startswith("zeek=") or not parts[7].startswith("ours=")):
                problems.append(f"{path.name}:{n}: expected 'trace orig_h orig_p resp_h "
                                f"resp_p field zeek=VALUE ours=VALUE reason': {line.strip()}")
                continue
            key = (parts[0], norm_addr(parts[1]), parts[2], norm_addr(parts[3]), parts[4],
                   parts[5], parts[6][5:], parts[7][5:])
            known[key] = n
    return known, problems


def show(value):
    return "-" if value is None else value


def compare(stem, zeek_rows, ours):
    """Differences (keys as in read_known) of one trace, and our unpaired lines."""
    by_conn = defaultdict(list)
    for row in ours:
        by_conn[frozenset(((norm_addr(row["id.orig_h"]), row["id.orig_p"]),
                           (norm_addr(row["id.resp_h"]), row["id.resp_p"])))].append(row)
    diffs, compared, agreed = [], 0, 0
    for z in zeek_rows:
        if z["proto"] != "tcp":
            continue
        if "id.orig_h" in z:
            zo = (norm_addr(z["id.orig_h"]), z["id.orig_p"])
            zr = (norm_addr(z["id.resp_h"]), z["id.resp_p"])
            queue = by_conn.get(frozenset((zo, zr)), [])
        else:
            # A cut without addresses: our lines in order.
            zo = zr = ("-", "-")
            queue = [row for q in by_conn.values() for row in q][:1]
            for q in by_conn.values():
                if queue and queue[0] in q:
                    q.remove(queue[0])
        o = queue.pop(0) if queue else None
        swapped = o is not None and zo[0] != "-" and (
            norm_addr(o["id.orig_h"]) != zo[0] or o["id.orig_p"] != zo[1])
        for field in FIELDS:
            if field not in z or z[field] is None:
                continue
            if o is None:
                ours_value = "missing"
            elif o[field] is None and field == "missed_bytes":
                continue  # not measured on this flow: nothing to compare
            else:
                ours_value = show(o[field])
                if swapped:
                    ours_value = "swapped:" + ours_value
            compared += 1
            if ours_value == z[field]:
                agreed += 1
            else:
                diffs.append((stem, zo[0], zo[1], zr[0], zr[1], field, z[field], ours_value))
    return diffs, compared, agreed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tcpverdict", required=True)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--known", required=True, type=Path)
    ap.add_argument("traces", nargs="*")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        print(f"SKIP: corpus directory {args.corpus} not found")
        return 77
    stems = sorted(p.name[:-len(".conn.log")] for p in args.corpus.glob("*.conn.log"))
    # Logs of a trace made with other settings: <trace>.<variant>.conn.log.
    stems = [s for s in stems
             if find_capture(args.corpus, VARIANTS.get(s, (s,))[0]) is not None]
    if args.traces:
        stems = [s for s in stems if s in args.traces]
    if not stems:
        print("SKIP: no conn.log with its capture in the corpus")
        return 77
    known, problems = read_known(args.known)
    all_diffs, ran, compared, agreed = [], set(), 0, 0
    for stem in stems:
        trace, ignore = VARIANTS.get(stem, (stem, stem in IGNORED_CHECKSUMS))
        capture = find_capture(args.corpus, trace)
        ran.add(stem)
        try:
            _, _, zeek_rows = read_zeek_tsv(
                (args.corpus / (stem + ".conn.log")).read_text(encoding="utf-8"),
                require_close=False)
            fields, types, ours = read_zeek_tsv(run(args.tcpverdict, capture, "zeek", ignore),
                                                require_close=True)
            check_log_shape(fields, types)
            check_zeek_json(stem, fields, types, ours, args.tcpverdict, capture, ignore, problems)
            check_against_json(stem, ours, args.tcpverdict, capture, ignore, problems)
        except (LogError, ValueError, KeyError) as e:
            problems.append(f"{stem}: {e}")
            continue
        diffs, c, a = compare(stem, zeek_rows, ours)
        compared += c
        agreed += a
        all_diffs.extend(diffs)
        opts = " --no-checksums" if ignore else ""
        print(f"{stem}.conn.log, {capture.name}{opts}: {sum(r['proto'] == 'tcp' for r in zeek_rows)} Zeek TCP rows, "
              f"{len(ours)} lines of ours; {a}/{c} values agree")
        for d in diffs:
            print(f"  {'known' if d in known else 'NEW  '} "
                  "%s %s %s %s %s %s zeek=%s ours=%s" % d)
    seen = set(all_diffs)
    for d, n in sorted(known.items(), key=lambda kv: kv[1]):
        if d not in seen and d[0] in ran:
            print(f"warning: {args.known.name}:{n} no longer occurs (stale)")
    unlisted = [d for d in all_diffs if d not in known]
    for p in problems:
        print(f"FAIL: {p}")
    if unlisted:
        print(f"FAIL: {len(unlisted)} difference(s) not listed in {args.known.name} (NEW above)")
    print(f"{len(ran)} traces, {agreed}/{compared} values agree with Zeek's conn.log")
    return 1 if problems or unlisted else 0


if __name__ == "__main__":
    sys.exit(main())
