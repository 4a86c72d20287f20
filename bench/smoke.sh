#!/usr/bin/env bash
# Run every benchmark once on a tiny input (TAP): no timing is asserted,
# only that each runs, exits 0, prints its SUMMARY line(s) and conserves
# records (no SUMMARY line says conservation=FAILED).  The last test runs
# bench/run --smoke: every end-to-end path, sinks and baselines included.
set -u
b="${top_builddir:-.}/bench"
gen="${PFSYNCGEN:-${top_builddir:-.}/pfsyncgen}"
srcdir="${top_srcdir:-$(dirname "$0")/..}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pff-smoke.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# bench_parse reads captures: one per wire-version family, tiny.
for v in 3 6 1400; do
	"$gen" -V "$v" -n 200 -s 1 -o "$tmp/v$v.pcap" -e "$tmp/v$v.exp" \
	    >/dev/null 2>&1
done

# name|command: the command runs with "$b" as the bench directory.
benches=(
	"bench_statetab|$b/bench_statetab --smoke"
	"bench_parse|$b/bench_parse --smoke $tmp/v3.pcap $tmp/v6.pcap $tmp/v1400.pcap"
	"bench_encode|$b/bench_encode --smoke"
	"bench_ring|$b/bench_ring --smoke"
	"bench_send|$b/bench_send --smoke"
	"run|bash $srcdir/bench/run --smoke --no-profile --out $tmp/run"
)
echo "1..${#benches[@]}"
i=0
for entry in "${benches[@]}"; do
	name=${entry%%|*}
	cmd=${entry#*|}
	i=$((i + 1))
	if [ "$name" = run ] && ! command -v jq >/dev/null; then
		echo "ok $i - $name --smoke # SKIP jq not installed"
		continue
	fi
	# A tree whose Makefile.am does not build it yet skips, and says so.
	prog=${cmd%% *}
	[ "$name" = run ] && prog=$b/sink
	if [ ! -x "$prog" ]; then
		echo "ok $i - $name --smoke # SKIP $prog not built"
		continue
	fi
	# shellcheck disable=SC2086
	if out=$($cmd 2>&1) &&
	    printf '%s\n' "$out" | grep -q '^SUMMARY .*conservation=ok' &&
	    ! printf '%s\n' "$out" | grep -q '^SUMMARY .*conservation=FAILED'; then
		echo "ok $i - $name --smoke"
	else
		echo "not ok $i - $name --smoke"
		printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
	fi
done
