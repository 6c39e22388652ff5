#!/usr/bin/env python3
"""Compare tcpverdict's conn_state and history with Zeek's on Zeek's own traces.

For every <stem>.expected.tsv in the corpus directory (one row per TCP
connection: orig_h orig_p resp_h resp_p conn_state history, "-" where Zeek's
baseline does not say), runs tcpverdict --json on <stem>.pcap or
<stem>.pcapng, pairs Zeek's rows with our flows and compares the two fields.

Pairing:
  - rows with addresses pair with our flows of the same connection (either
    orientation); a connection that appears several times pairs up in time
    order. A flow we report with originator and responder swapped is paired
    but disagrees on every compared field.
  - rows with "-" addresses then pair with our remaining flows in time order.
  - a "-" conn_state or history is not compared.
  - a row with no flow of ours disagrees on every compared field.
  - our flows left over are listed; they do not count.

Every disagreement must be listed in KNOWN_DIFFERENCES (format at its top).
The run fails if conn_state agreement is below 95 %, history agreement below
90 %, a disagreement is not listed, tcpverdict fails on a trace, or its output
breaks the JSON contract. Listed differences that no longer occur are reported
as stale, without failing.

Exit status: 0 pass, 1 fail, 77 nothing to compare (corpus absent).
"""

import argparse
import ipaddress
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

CONN_STATE_MIN_PCT = 95.0
HISTORY_MIN_PCT = 90.0
FIELDS = ("conn_state", "history")
RUN_TIMEOUT_S = 300

# Traces whose baseline Zeek produced with -C (checksums ignored: bad-checksum
# packets analysed as good, no "c" history letter). tcpverdict's equivalent is
# --no-checksums. Source: the trace table of shared/corpus/README.md, which
# lists the options of the Zeek test behind each trace.
ZEEK_IGNORED_CHECKSUMS = {
    "tcp_missing-syn",
    "tcp_retransmit-fast009",
    "wikipedia",
    "tcp_retransmit-timeout",
    "tcp_ctu-64702-888",
    "tcp_single-rst",
    "tcp_syn-then-rst",
    "tcp_syn-then-stuff-then-rst",
    "tcp_ssh-dups",
    "tcp_reassembly",
    "tcp_timestamp",
    "ipv4_fragmented-syn",
    "tcp-http-with-padding",
    "krb_kerberos_tso",
    "ldap_simpleauth",
    "ldap_missing_krbtgt_ldap_request",
    "trunc_ipv4-truncated-broken-header",
    "trunc_ipv4-internally-truncated-header",
    "trunc_ip-discarder-truncated-tcp-oob",
    "ip-bogus-header-len",
    # Not -C, but the same for this trace: the README says its expected.tsv is
    # the run with ignore_checksums_nets covering the only host whose packets
    # carry bad checksums.
    "chksums_localhost-bad-chksum",
}


def norm_addr(addr):
    """Canonical text of an address, so 2001:DB8::1 and 2001:db8:0::1 match."""
    if addr == "-":
        return addr
    try:
        return ipaddress.ip_address(addr).compressed
    except ValueError:
        return addr


def read_expected(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            if not line.strip():
                continue
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            for side in ("orig_h", "resp_h"):
                row[side] = norm_addr(row[side])
            rows.append(row)
    return rows


class Flow:
    def __init__(self, rec):
        self.orig = (norm_addr(rec["orig"]["addr"]), str(rec["orig"]["port"]))
        self.resp = (norm_addr(rec["resp"]["addr"]), str(rec["resp"]["port"]))
        self.ts = rec["ts_first"]
        self.flow_id = rec["flow_id"]
        self.conn_state = rec["conn_state"]
        self.history = rec["history"]
        self.verdict = rec.get("verdict")

    def __str__(self):
        return "%s %s %s %s %s %s" % (
            *self.orig, *self.resp, self.conn_state, self.history)


def difference(trace, row, field, ours):
    """One field of one Zeek row on which we disagree, as KNOWN_DIFFERENCES keys it:
    (trace, orig_h, orig_p, resp_h, resp_p, field, zeek value, our value)."""
    return (trace, row["orig_h"], row["orig_p"], row["resp_h"], row["resp_p"],
            field, row[field], ours)


def describe(diff):
    """A difference as a KNOWN_DIFFERENCES line, without the reason."""
    return "%s %s %s %s %s %s zeek=%s ours=%s" % diff


def read_known(path):
    """KNOWN_DIFFERENCES: the keys of listed differences, and format problems."""
    known, problems = {}, []
    if not path.exists():
        return known, [f"{path} not found"]
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
            trace, oh, op, rh, rp, field = parts[:6]
            key = (trace, norm_addr(oh), op, norm_addr(rh), rp, field,
                   parts[6][len("zeek="):], parts[7][len("ours="):])
            known[key] = n
    return known, problems


def find_capture(corpus, stem):
    for ext in (".pcap", ".pcapng"):
        path = corpus / (stem + ext)
        if path.exists():
            return path
    return None


# Zeek's default connection timers, in tcpverdict's options, so that flows
# begin and end where Zeek's do: tcp_attempt_delay (an unanswered attempt is
# dropped 5 s after its SYN), tcp_close_delay (a closed connection is
# forgotten 5 s after its last packet) and tcp_inactivity_timeout (5 min).
# tcpverdict's own defaults are longer on purpose (late segments after a RST
# are charged to the flow that the RST ended; an agent idle for 20 minutes
# is still one flow).
ZEEK_TIMERS = ["--syn-timeout", "5", "--linger", "5", "--idle-timeout", "300"]


def run_tcpverdict(binary, capture, ignore_checksums):
    cmd = [binary, "--json", "-r", str(capture)] + ZEEK_TIMERS
    if ignore_checksums:
        cmd.append("--no-checksums")
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=RUN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {RUN_TIMEOUT_S} s"
    if proc.returncode not in (0, 1):
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        return None, f"exit status {proc.returncode}: " + " | ".join(err[:5])
    return proc.stdout, None


def contract_problems(checker, output):
    if checker is None:
        return []
    proc = subprocess.run([sys.executable, str(checker)], input=output,
                          capture_output=True, check=False)
    if proc.returncode == 0:
        return []
    return proc.stdout.decode(errors="replace").strip().splitlines()


def parse_flows(output):
    flows = []
    for line in output.decode(errors="replace").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if isinstance(rec, dict) and rec.get("type") == "flow":
            flows.append(Flow(rec))
    flows.sort(key=lambda fl: (fl.ts, fl.flow_id))
    return flows


def pair(rows, flows):
    """[(row, flow or None, swapped)] in row order, and our unpaired flows."""
    by_conn = defaultdict(list)
    for fl in flows:
        by_conn[frozenset((fl.orig, fl.resp))].append(fl)
    used = set()
    paired = [None] * len(rows)
    for i, row in enumerate(rows):
        if row["orig_h"] == "-":
            continue
        orig, resp = (row["orig_h"], row["orig_p"]), (row["resp_h"], row["resp_p"])
        queue = by_conn.get(frozenset((orig, resp)), [])
        if queue:
            fl = queue.pop(0)
            used.add(id(fl))
            paired[i] = (row, fl, fl.orig != orig)
        else:
            paired[i] = (row, None, False)
    rest = [fl for fl in flows if id(fl) not in used]
    for i, row in enumerate(rows):
        if paired[i] is None:
            fl = rest.pop(0) if rest else None
            paired[i] = (row, fl, False)
    return paired, rest


class Tally:
    def __init__(self):
        self.agree = dict.fromkeys(FIELDS, 0)
        self.compared = dict.fromkeys(FIELDS, 0)

    def add(self, other):
        for field in FIELDS:
            self.agree[field] += other.agree[field]
            self.compared[field] += other.compared[field]

    def pct(self, field):
        if self.compared[field] == 0:
            return 100.0
        return 100.0 * self.agree[field] / self.compared[field]

    def line(self, field):
        return (f"{field}: {self.agree[field]}/{self.compared[field]} flows agree "
                f"({self.pct(field):.1f}%)")


def compare_trace(trace, rows, flows):
    """Tally, differences and report lines for one trace."""
    tally, diffs, lines = Tally(), [], []
    paired, extra = pair(rows, flows)
    for row, fl, swapped in paired:
        where = f"{row['orig_h']} {row['orig_p']} {row['resp_h']} {row['resp_p']}"
        if fl is None:
            lines.append(f"  missing: no flow for Zeek's {where} "
                         f"{row['conn_state']} {row['history']}")
        elif swapped:
            lines.append(f"  swapped: Zeek's {where} is ours {fl}")
        for field in FIELDS:
            if row[field] == "-":
                continue
            tally.compared[field] += 1
            if fl is None:
                ours = "missing"
            else:
                ours = getattr(fl, field)
                if swapped:
                    ours = "swapped:" + ours
            if ours == row[field]:
                tally.agree[field] += 1
            else:
                diffs.append(difference(trace, row, field, ours))
    for fl in extra:
        lines.append(f"  extra (not counted): {fl}")
    return tally, diffs, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tcpverdict", required=True, help="the binary to test")
    ap.add_argument("--corpus", required=True, type=Path, help="shared/corpus/zeek")
    ap.add_argument("--known", required=True, type=Path, help="KNOWN_DIFFERENCES")
    ap.add_argument("--checker", type=Path, help="check-contract.py (skipped if absent)")
    ap.add_argument("traces", nargs="*", help="only these trace stems")
    args = ap.parse_args()

    if not args.corpus.is_dir():
        print(f"SKIP: corpus directory {args.corpus} not found")
        return 77
    checker = args.checker if args.checker and args.checker.exists() else None
    if checker is None:
        print("note: contract checker not found; contract checks skipped")

    stems = sorted(p.name[:-len(".expected.tsv")] for p in args.corpus.glob("*.expected.tsv"))
    if args.traces:
        stems = [s for s in stems if s in args.traces]
    if not stems:
        print(f"SKIP: no *.expected.tsv in {args.corpus}")
        return 77

    known, problems = read_known(args.known)
    total, all_diffs, ran = Tally(), [], set()
    for stem in stems:
        capture = find_capture(args.corpus, stem)
        if capture is None:
            problems.append(f"{stem}: no .pcap or .pcapng beside {stem}.expected.tsv")
            continue
        ran.add(stem)
        rows = read_expected(args.corpus / (stem + ".expected.tsv"))
        ignore = stem in ZEEK_IGNORED_CHECKSUMS
        output, error = run_tcpverdict(args.tcpverdict, capture, ignore)
        if error:
            problems.append(f"{stem}: tcpverdict failed: {error}")
            output = b""
        for p in contract_problems(checker, output) if not error else []:
            problems.append(f"{stem}: contract: {p}")
        try:
            flows = parse_flows(output)
        except (ValueError, KeyError, TypeError) as e:
            problems.append(f"{stem}: unreadable output ({e})")
            flows = []
        tally, diffs, lines = compare_trace(stem, rows, flows)
        total.add(tally)
        all_diffs.extend(diffs)
        opts = " --no-checksums" if ignore else ""
        print(f"{capture.name}{opts}: {len(rows)} Zeek rows, {len(flows)} flows of ours; "
              f"conn_state {tally.agree['conn_state']}/{tally.compared['conn_state']}, "
              f"history {tally.agree['history']}/{tally.compared['history']}")
        for d in diffs:
            print(f"  {'known' if d in known else 'NEW  '} {describe(d)}")
        for line in lines:
            print(line)

    print()
    seen = set(all_diffs)
    unlisted = [d for d in all_diffs if d not in known]
    # With a selection of traces, entries for the others say nothing.
    stale = sorted((n, d) for d, n in known.items()
                   if d not in seen and (d[0] in ran or not args.traces))
    for n, d in stale:
        print(f"warning: {args.known.name}:{n} no longer occurs (stale): {describe(d)}")

    failed = False
    for p in problems:
        print(f"FAIL: {p}")
        failed = True
    if unlisted:
        print(f"FAIL: {len(unlisted)} disagreement(s) not listed in {args.known.name} "
              "(marked NEW above)")
        failed = True
    for field, minimum in (("conn_state", CONN_STATE_MIN_PCT), ("history", HISTORY_MIN_PCT)):
        if total.pct(field) < minimum:
            print(f"FAIL: {field} agreement below {minimum:.0f}%")
            failed = True

    print(f"{len(ran)} traces")
    for field in FIELDS:
        print(total.line(field))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
