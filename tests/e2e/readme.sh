#!/usr/bin/env bash
# The README's "$ tcpverdict ..." examples are what the tool prints on the
# bundled samples: each block is run and compared line by line (the table
# and -v lines up to the first blank line; with -q, what comes before the
# summary), and every capture file the examples name exists.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

require_binary
require_python
README=$top_srcdir/README
[ -f "$README" ] || fatal "README not found: $README"

check "every README example of the table, -v and --ladder prints what the README shows"
if ! report=$(cd "$top_srcdir" && python3 - "$README" "$TCPVERDICT" <<'PY'
import shlex, subprocess, sys
lines = open(sys.argv[1]).read().split("\n")
binary = sys.argv[2]
bad = 0
examples = 0
for i, l in enumerate(lines):
    if not l.startswith("    $ tcpverdict "):
        continue
    cmd = shlex.split(l[6:])
    examples += 1
    shown = []
    for m in lines[i + 1:]:
        if m.strip() == "" or m.startswith("    $ ") or m.startswith("    (then"):
            break
        shown.append(m[4:] if m.startswith("    ") else m)
    out = subprocess.run([binary] + cmd[1:], capture_output=True, text=True).stdout.split("\n")
    if "-q" in cmd:
        got = out[:out.index("summary")] if "summary" in out else out
        got = [g for g in got if g != ""][: len(shown)]
        shown = [s for s in shown if s != ""]
    else:
        got = out[: out.index("")] if "" in out else out
    if got != shown:
        bad += 1
        print("README line %d: %s" % (i + 1, l.strip()))
        for s, g in zip(shown + [""] * len(got), got + [""] * len(shown)):
            if s != g:
                print("  shown: %s\n  got:   %s" % (s[:100], g[:100]))
                break
if examples == 0:
    print("no example found")
    bad = 1
sys.exit(1 if bad else 0)
PY
); then
    fail "examples differ:"
    printf '%s\n' "$report" | head -n 20 | sed 's/^/      /'
fi
done_check

check "the capture files the README and the manual name exist"
missing=$(cd "$top_srcdir" && grep -ho 'capture-samples/[A-Za-z0-9._-]*\.pcap' README man/tcpverdict.1 |
    sort -u | while read -r f; do [ -f "$f" ] || printf '%s ' "$f"; done)
[ -z "$missing" ] || fail "not found: $missing"
done_check

finish
