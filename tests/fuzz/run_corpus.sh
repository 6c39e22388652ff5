#!/bin/sh
# Replays the fuzz corpus through both fuzz entry points (see tests/fuzz/README).
set -eu
: "${top_srcdir:=.}" "${top_builddir:=.}"
exec "$top_builddir/tests/fuzz/run_one" "$top_srcdir"/tests/fuzz/corpus/*
