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

finish
