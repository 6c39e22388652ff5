#!/usr/bin/env bash
# --report: the HTML page rendered in headless Chromium. For a few samples:
# every flow at or above --fail-on (as --json lists them) has its section in
# the rendered DOM, with its ladder and graph; every distinct hint is there
# once; the page loads nothing from outside and logs no console error; it
# prints to PDF with each flow on a page of its own. A screenshot of the
# page is kept as tests/report/report.png in the build tree. Skipped (77)
# without chromium.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

require_binary
require_python
command -v chromium >/dev/null 2>&1 || skip "chromium is needed"

# Headless, offline, with a profile of its own that is removed afterwards.
chrome() {
    local profile
    profile=$(mktemp -d "$TMP/chromium.XXXXXX")
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@"
}

artefacts=$top_builddir/tests/report
mkdir -p "$artefacts"

report_check() {
    local sample=$1 fail_on=$2
    local html=$TMP/$sample.html
    check "--report for $sample (--fail-on $fail_on)"
    run --json --fail-on "$fail_on" --report "$html" -r "$SAMPLES_DIR/$sample.pcap"
    if [ "$RUN_STATUS" -gt 1 ] || [ ! -s "$html" ]; then
        fail "exit status $RUN_STATUS"
        show_err
        done_check
        return
    fi
    cp "$RUN_OUT" "$TMP/$sample.ndjson"
    if grep -Eiq '<script|<link|<img|<iframe|src=|url\(|href="(https?|file|//)' "$html"; then
        fail "the page refers to something outside it"
    fi
    chrome --enable-logging=stderr --v=0 --dump-dom "file://$html" \
        >"$TMP/$sample.dom" 2>"$TMP/$sample.log" || fail "chromium --dump-dom failed"
    if grep -Eq 'Uncaught|:CONSOLE|console\.error' "$TMP/$sample.log"; then
        fail "console errors:"
        grep -E 'Uncaught|:CONSOLE|console\.error' "$TMP/$sample.log" | head -n 5
    fi
    python3 - "$TMP/$sample.dom" "$TMP/$sample.ndjson" "$fail_on" <<'PY' || fail "the DOM"
import json, sys
from html.parser import HTMLParser

levels = ["ok", "notice", "warn", "fail"]
dom, ndjson, fail_on = sys.argv[1], sys.argv[2], sys.argv[3]
flows = [r for r in map(json.loads, open(ndjson)) if r.get("type") == "flow"]
want = {f"flow-{r['flow_id']}" for r in flows
        if levels.index(r["verdict"]) >= levels.index(fail_on)}
hints = {r["hint"] for r in flows if r.get("hint")}

class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.stack, self.flow = {}, [], None
        self.hints, self.text = [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "flow" in a.get("class", "").split():
            self.flow = a.get("id")
            self.ids[self.flow] = {"pre": 0, "svg": 0, "seg": 0}
        elif self.flow and tag == "pre" and "ladder" in a.get("class", ""):
            self.ids[self.flow]["pre"] += 1
        elif self.flow and tag == "svg":
            self.ids[self.flow]["svg"] += 1
        elif self.flow and "seg" in a.get("class", "").split():
            self.ids[self.flow]["seg"] += 1
        elif tag == "li" and "hint" in a.get("class", "").split():
            self.text = []
        if "id" in a and tag == "section" and a["id"] in ("summary", "hints", "flows"):
            self.ids[a["id"]] = {}
    def handle_endtag(self, tag):
        if tag == "li" and self.text is not None:
            self.hints.append("".join(self.text).rsplit(" (", 1)[0])
            self.text = None
    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)

page = Page()
page.feed(open(dom, encoding="utf-8").read())
bad = []
for name in ("summary", "hints", "flows"):
    if name not in page.ids:
        bad.append(f"no section {name}")
got = {k for k in page.ids if k.startswith("flow-")}
if got != want:
    bad.append(f"flow sections {sorted(got)}, --json has {sorted(want)}")
for fid in sorted(got):
    s = page.ids[fid]
    if s["pre"] != 1 or s["svg"] != 1 or s["seg"] == 0:
        bad.append(f"{fid}: {s['pre']} ladders, {s['svg']} graphs, {s['seg']} segment marks")
if sorted(page.hints) != sorted(hints):
    bad.append(f"hints {page.hints}, --json has {sorted(hints)}")
for b in bad:
    print("    " + b)
print(f"    {len(got)} flow sections, {len(page.hints)} hints")
sys.exit(1 if bad else 0)
PY
    chrome --print-to-pdf="$TMP/$sample.pdf" --no-pdf-header-footer "file://$html" \
        >/dev/null 2>&1 || fail "chromium --print-to-pdf failed"
    local pages sections
    pages=$(grep -a -c '/Type /Page$\|/Type /Page[^s]' "$TMP/$sample.pdf" || true)
    sections=$(grep -c '<section class="flow"' "$html" || true)
    [ "$pages" -gt "$sections" ] ||
        fail "printed on $pages pages for $sections flows (each flow starts a page)"
    done_check
}

report_check orphan-after-rst-8530 fail
report_check demo fail
report_check offload-sender notice
report_check many-short ok

check "a screenshot of the report (kept as tests/report/report.png)"
run --fail-on fail --report "$artefacts/report.html" -r "$SAMPLES_DIR/demo.pcap"
chrome --screenshot="$artefacts/report.png" --window-size=1100,1600 \
    "file://$artefacts/report.html" >/dev/null 2>&1 || fail "chromium --screenshot failed"
[ -s "$artefacts/report.png" ] || fail "no screenshot"
head -c 8 "$artefacts/report.png" | od -An -tx1 | grep -q '89 50 4e 47' || fail "not a PNG"
done_check

check "--report - and --report from standard input: exit 2"
run --report - -r "$SAMPLES_DIR/demo.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "--report -: exit status $RUN_STATUS"
run --report "$TMP/x.html" -r - <"$SAMPLES_DIR/demo.pcap"
[ "$RUN_STATUS" -eq 2 ] || fail "stdin: exit status $RUN_STATUS"
done_check

finish
