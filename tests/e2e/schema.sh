#!/usr/bin/env bash
# man/tcpverdict.schema.json against what --json writes: every record of
# every capture sample (and of the peer corpus, when present), interim
# records, a run with a filter that leaves nothing, and -j 2. The schema is
# checked as a schema first, and shown to refuse records that break it.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
PYTHON=/usr/bin/python3
SCHEMA=$top_srcdir/man/tcpverdict.schema.json
[ -x "$PYTHON" ] || skip "$PYTHON is needed"
"$PYTHON" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed (apt-get install python3-jsonschema)"
[ -f "$SCHEMA" ] || fatal "schema not found: $SCHEMA"

# validate FILE...: every line of every NDJSON file against the schema.
validate() {
    "$PYTHON" - "$SCHEMA" "$@" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    for n, line in enumerate(open(path), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        for err in validator.iter_errors(rec):
            bad += 1
            if bad <= 10:
                print("%s:%d: %s at %s" % (path, n, err.message[:200],
                                            "/".join(str(p) for p in err.absolute_path)))
sys.exit(1 if bad else 0)
PY
}

check "the schema is a valid JSON Schema (2020-12)"
"$PYTHON" -c 'import json, sys, jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))' "$SCHEMA" ||
    fail "check_schema refuses it"
done_check

check "--json of every capture sample validates"
n=0
for cap in "$SAMPLES_DIR"/*.pcap "$SAMPLES_DIR"/*.pcapng "$CORPUS_DIR"/*/*.pcap "$CORPUS_DIR"/*/*.pcapng; do
    [ -f "$cap" ] || continue
    n=$((n + 1))
    run --json -r "$cap"
    case $RUN_STATUS in
    0 | 1) cp "$RUN_OUT" "$TMP/out.$n.ndjson" ;;
    *) ;; # unreadable input: no records to check
    esac
done
[ "$n" -gt 0 ] || fail "no capture found"
if ! report=$(validate "$TMP"/out.*.ndjson); then
    fail "records break the schema:"
    printf '%s\n' "$report" | sed 's/^/      /'
fi
done_check

check "interim records, a filter that leaves nothing, -j 2 and --capture-host validate"
demo=$SAMPLES_DIR/demo.pcap
run --json --interim 1 -r "$SAMPLES_DIR/stall-8530.pcap"
cp "$RUN_OUT" "$TMP/interim.ndjson"
grep -q '"interim":true' "$TMP/interim.ndjson" || fail "no interim record to check"
run --json -r "$demo" host 192.0.2.99
cp "$RUN_OUT" "$TMP/none.ndjson"
run --json -j 2 -r "$demo"
cp "$RUN_OUT" "$TMP/j2.ndjson"
run --json --capture-host 10.99.1.2 -r "$demo"
cp "$RUN_OUT" "$TMP/host.ndjson"
if ! report=$(validate "$TMP/interim.ndjson" "$TMP/none.ndjson" "$TMP/j2.ndjson" "$TMP/host.ndjson"); then
    fail "records break the schema:"
    printf '%s\n' "$report" | sed 's/^/      /'
fi
done_check

check "the schema refuses a record without a contract field, or of the wrong type"
run --json -r "$demo"
"$PYTHON" - "$RUN_OUT" "$TMP/broken.ndjson" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
flow = next(r for r in recs if r["type"] == "flow")
summary = next(r for r in recs if r["type"] == "summary")
out = open(sys.argv[2], "w")
for broken in (
    {k: v for k, v in flow.items() if k != "verdict"},
    dict(flow, flow_id="3"),
    dict(flow, verdict="bad"),
    dict(flow, orig=dict(flow["orig"], port=70000)),
    {k: v for k, v in flow.items() if k != "logs"},
    dict(flow, logs=[{"system": "tmg", "code": "0x80074e20", "name": None, "count": 0,
                      "network_error": None, "text": None}]),
    {k: v for k, v in summary.items() if k != "flows_by_verdict"},
    dict(summary, packets=-1),
    {"type": "other"},
):
    out.write(json.dumps(broken) + "\n")
PY
while IFS= read -r line; do
    printf '%s\n' "$line" >"$TMP/one.ndjson"
    if validate "$TMP/one.ndjson" >/dev/null; then
        fail "accepted: $(printf '%s' "$line" | cut -c1-120)"
    fi
done <"$TMP/broken.ndjson"
# Fields may be added: an unknown property is accepted.
"$PYTHON" -c 'import json, sys
r = json.loads(open(sys.argv[1]).readline()); r["added_later"] = 1
print(json.dumps(r))' "$RUN_OUT" >"$TMP/added.ndjson"
validate "$TMP/added.ndjson" >/dev/null || fail "a record with an added field is refused"
done_check

check "tcpverdict-json.5 names every anomaly code and summary field the program writes"
MAN5=$top_srcdir/man/tcpverdict-json.5
run --json -r "$demo"
"$PYTHON" - "$RUN_OUT" "$MAN5" >"$TMP/man.err" <<'PY' || fail "$(head -n 5 "$TMP/man.err")"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
summary = next(r for r in recs if r["type"] == "summary")
flow = next(r for r in recs if r["type"] == "flow")
page = open(sys.argv[2]).read()
named = set(re.findall(r"\bLi ([a-z_0-9]+)", page)) | set(re.findall(r"(?:Li|,) ([a-z_0-9]+)", page))
missing = [c for c in summary["flows_by_anomaly"] if ".It Li %s Pq" % c not in page]
missing += [k for k in list(summary) + list(flow) + list(flow["orig"]) if k not in named]
if missing:
    print("not in the page: %s" % missing)
    sys.exit(1)
PY
if command -v mandoc >/dev/null 2>&1; then
    mandoc -T lint -W warning "$MAN5" >"$TMP/lint" 2>&1 || true
    [ ! -s "$TMP/lint" ] || fail "mandoc -T lint: $(head -n 3 "$TMP/lint")"
fi
done_check

finish
