#!/usr/bin/env bash
# Replay the fuzz corpus through the parsers (TAP).  Under the ASan build a
# read past any frame or a UBSan finding fails this test.
set -u
replay="${top_builddir:-.}/tests/fuzz/fuzz_pfsync_replay"
corpus="${top_srcdir:-.}/tests/fuzz/corpus"
echo "1..2"
n=$(find "$corpus" -type f | wc -l)
if [ "$n" -ge 50 ]; then
	echo "ok 1 - corpus has $n inputs"
else
	echo "not ok 1 - corpus has only $n inputs (expected >= 50)"
fi
if out=$("$replay" "$corpus" 2>&1); then
	echo "ok 2 - $out"
else
	echo "not ok 2 - replay failed"
	printf '%s\n' "$out" | tail -30 | sed 's/^/# /'
fi
