#!/usr/bin/env bash
# The output formats chosen with --format: bad values refused in one line,
# the Zeek log the same with several analysis threads, and the table, JSON
# and Zeek's forms giving the same flows.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
sample=$SAMPLES_DIR/many-short.pcap
[ -f "$sample" ] || skip "sample not found: $sample"

check "--format with a bad value: exit 2, one line"
run --format nope -r "$sample"
[ "$RUN_STATUS" -eq 2 ] || fail "exit status $RUN_STATUS"
[ "$(line_count "$RUN_ERR")" -eq 1 ] || fail "$(line_count "$RUN_ERR") lines on stderr"
grep -q "zeek-json" "$RUN_ERR" || fail "the message does not name the formats"
done_check

# The #open and #close lines carry the wall clock.
strip_times() {
    grep -v -e '^#open' -e '^#close' "$1"
}

check "--format zeek: the same lines with -j 1 and -j 2 (sorted)"
run --format zeek -r "$sample"
strip_times "$RUN_OUT" | sort >"$TMP/j1"
run --format zeek -j 2 -r "$sample"
strip_times "$RUN_OUT" | sort >"$TMP/j2"
cmp -s "$TMP/j1" "$TMP/j2" || fail "-j 2 changes the Zeek log"
done_check

check "--format zeek: one line per flow, as many as --json has"
run --json -r "$sample"
flows=$(grep -c '"type":"flow"' "$RUN_OUT")
run --format zeek -r "$sample"
lines=$(grep -vc '^#' "$RUN_OUT")
[ "$lines" -eq "$flows" ] || fail "$lines Zeek lines, $flows flows"
tail -n 1 "$RUN_OUT" | grep -q '^#close' || fail "no #close at the end"
run --format zeek-json -r "$sample"
[ "$(line_count "$RUN_OUT")" -eq "$flows" ] || fail "zeek-json: $(line_count "$RUN_OUT") lines"
done_check

check "--format zeek with no flow: the header and #close"
make_pcap "$TMP/none.pcap" clean
run --format zeek -r "$TMP/none.pcap" host 192.0.2.1
[ "$RUN_STATUS" -eq 0 ] || fail "exit status $RUN_STATUS"
grep -q '^#fields' "$RUN_OUT" || fail "no #fields"
grep -q '^#close' "$RUN_OUT" || fail "no #close"
done_check

check "--format zeek: tcpverdict's fields after Zeek's, equal to --json's (demo)"
demo=$SAMPLES_DIR/demo.pcap
run --json -r "$demo"
cp "$RUN_OUT" "$TMP/demo.json"
run --format zeek -r "$demo"
python3 - "$RUN_OUT" "$TMP/demo.json" >"$TMP/zeek-fields.err" 2>&1 <<'PY' || fail "$(head -n 5 "$TMP/zeek-fields.err")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
fields = next(l for l in lines if l.startswith("#fields")).split("\t")[1:]
zeek_tail = fields.index("tunnel_parents")
ours = ["verdict", "anomalies", "winsock_orig", "winsock_resp", "hint"]
missing = [f for f in ours if f not in fields]
assert not missing, "missing columns: %s" % missing
assert all(fields.index(f) > zeek_tail for f in ours), "our columns before Zeek's: %s" % fields
by_id = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    if o["type"] == "flow":
        by_id[o["flow_id"]] = o
rows = [dict(zip(fields, l.split("\t"))) for l in lines if not l.startswith("#")]
assert len(rows) == len(by_id), "%d rows, %d flows" % (len(rows), len(by_id))
def unset(v):
    return "-" if v is None else str(v)
for r in rows:
    f = by_id[int(r["flow_id"])]
    codes = sorted(a["code"] for a in f["anomalies"])
    want = {"verdict": f["verdict"],
            "anomalies": ",".join(codes) if codes else "(empty)",
            "winsock_orig": unset(f["orig"]["winsock"]),
            "winsock_resp": unset(f["resp"]["winsock"]),
            "hint": unset(f["hint"])}
    got = {k: r[k] for k in want}
    got["anomalies"] = ",".join(sorted(got["anomalies"].split(","))) if got["anomalies"] != "(empty)" else "(empty)"
    assert got == want, "flow %s: %s != %s" % (r["flow_id"], got, want)
PY
done_check

finish
