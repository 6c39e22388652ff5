#!/usr/bin/env bash
# --format zeek and zeek-json against Zeek's own conn.log files in
# ../shared/corpus/zeek (see conn_log.py). Skipped (77) when the corpus is not
# beside the source tree.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

[ -d "$CORPUS_DIR/zeek" ] || skip "corpus not found: $CORPUS_DIR/zeek"
require_python
require_binary

here=$top_srcdir/tests/zeek-compat
python3 "$here/conn_log.py" --tcpverdict "$TCPVERDICT" --corpus "$CORPUS_DIR/zeek" \
    --known "$here/CONN_LOG_DIFFERENCES" "$@"
