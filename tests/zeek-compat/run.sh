#!/usr/bin/env bash
# Zeek compatibility: compares tcpverdict's conn_state and history with the
# baselines of Zeek's own test traces in ../shared/corpus/zeek (see compare.py).
# Skipped (77) when the corpus is not beside the source tree.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=../e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"

[ -d "$CORPUS_DIR/zeek" ] || skip "corpus not found: $CORPUS_DIR/zeek"
require_python
require_binary

here=$top_srcdir/tests/zeek-compat
python3 "$here/compare.py" --tcpverdict "$TCPVERDICT" --corpus "$CORPUS_DIR/zeek" \
    --known "$here/KNOWN_DIFFERENCES" --checker "$CONTRACT_CHECKER" "$@"
