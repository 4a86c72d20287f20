#!/usr/bin/env bash
# Run every benchmark once on a tiny input (TAP): no timing is asserted,
# only that each runs, prints its SUMMARY line and conserves records.
set -u
b="${top_builddir:-.}/bench"
benches=(bench_statetab)
echo "1..${#benches[@]}"
i=0
for name in "${benches[@]}"; do
	i=$((i + 1))
	if out=$("$b/$name" --smoke 2>&1) &&
	    printf '%s\n' "$out" | grep -q '^SUMMARY .*conservation=ok'; then
		echo "ok $i - $name --smoke"
	else
		echo "not ok $i - $name --smoke"
		printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
	fi
done
