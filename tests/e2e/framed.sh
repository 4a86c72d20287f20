#!/bin/bash
# Framed pfsync (OpenBSD 4.5 and 6, FreeBSD 1301/1400/1500) and legacy
# compressed updates through the state table, into a real nfcapd.
#
# pfsyncgen writes state lifecycles (INS, UPD_C..., bulk UPDs, DEL_C), lost
# and duplicated deletes, unknown deletes, a CLR, several creatorids, NAT,
# IPv6 and malformed frames, and says what the table must make of them.
# Per flavour and link type:
#   - nfcapd: record count, packet and byte sums, the full record list,
#     zero sequence failures
#   - pfflowd -D: every flow (IPv4 and IPv6) with its times and whether its
#     counters are final or last-known equals the generator's FLOWS64
#   - how states ended (DEL_C, CLR, flush at end), duplicates and unknown
#     deletes, and every malformed-frame reason, counted as expected
#   - -t 1, 2 and 4 print the same flows
# Then the table's bound: more live states than --max-states evicts exactly
# the excess, loses no flow, and keeps memory small.

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd nfdump
require_binaries

# version:link cases; each flavour on pfsync0 and on a sync network.
CASES="5:pfsync18 5:en10mb 6:pfsync18 6:pfsync246-ip 6:en10mb-vlan
1301:pfsync121 1301:sll 1400:pfsync121 1400:en10mb 1400:sll2
1500:pfsync121 1500:raw 3:en10mb"
GENOPTS="--malformed --clr --big-pct 5 --nat-pct 20 --ipv6-pct 10 -n 400"
PER_CASE=10
n_cases=$(echo $CASES | wc -w)
plan $((n_cases * PER_CASE + 6))

# pfflowd's -D lines as FLOWS64 lines: proto src sport dst dport packets
# bytes first last provenance.
debug_as_flows64()
{
	awk '/^flow / {
		src = $3; sub(/:[0-9]+$/, "", src)
		sp = $3; sub(/.*:/, "", sp)
		dst = $5; sub(/:[0-9]+$/, "", dst)
		dp = $5; sub(/.*:/, "", dp)
		print $2, src, sp, dst, dp, $7, $9, $11, $13, $18
	}' "$1" | LC_ALL=C sort
}

seed=200
for c in $CASES; do
	v=${c%%:*} l=${c#*:}
	seed=$((seed + 1))
	desc="V$v $l"
	p="$E2E_TMP/f$v-$l"
	extra=
	[ "$v" -le 4 ] && extra=--lifecycle
	if ! gen "$p" -V "$v" -l "$l" -s "$seed" -F "$p.f64" $extra $GENOPTS
	then
		for i in $(seq $PER_CASE); do not_ok "$desc: pfsyncgen failed"
		done
		diag_file "$p.gen.err"
		continue
	fi
	if ! start_nfcapd_any "$p.nfcapd"; then
		for i in $(seq $PER_CASE); do not_ok "$desc: nfcapd did not start"
		done
		continue
	fi
	run_pfflowd "$p.out" "$p.err" -D -t 2 -r "$p.pcap" \
	    -n "127.0.0.1:$NFCAPD_PORT"
	rc=$?
	stop_nfcapd || diag "$desc: nfcapd did not stop cleanly"
	is "$rc" 0 "$desc: pfflowd exit status"

	set -- $(nfdump_totals "$p.nfcapd")
	is_num "${1:-}" "$(expect records_v5 "$p.expect")" \
	    "$desc: nfcapd record count == records_v5"
	is "${2:-}/${3:-}" \
	    "$(expect packets_v4 "$p.expect")/$(expect bytes_v4 "$p.expect")" \
	    "$desc: nfcapd packet/byte sums == packets_v4/bytes_v4"
	is_num "$(nfdump_seq_failures "$p.nfcapd")" 0 \
	    "$desc: nfcapd saw no sequence failure"
	nfdump_flows "$p.nfcapd" >"$p.got"
	flows_as_nfdump "$p.flows" >"$p.want"
	if cmp -s "$p.got" "$p.want"; then
		ok "$desc: nfdump record list == FLOWS.txt"
	else
		not_ok "$desc: nfdump record list == FLOWS.txt"
		diff "$p.want" "$p.got" | head -n 10 | sed 's/^/#   /'
	fi

	debug_as_flows64 "$p.err" >"$p.got64"
	LC_ALL=C sort "$p.f64" >"$p.want64"
	if cmp -s "$p.got64" "$p.want64"; then
		ok "$desc: flows, times and provenance == FLOWS64 ($(wc -l <"$p.want64"))"
	else
		not_ok "$desc: flows, times and provenance == FLOWS64"
		diff "$p.want64" "$p.got64" | head -n 10 | sed 's/^/#   /'
	fi

	got= want=
	for pair in ended_delete_c=ended_del_c ended_clear=ended_clr \
	    flushed=flushed_at_end duplicates=duplicates \
	    deletes_unknown=unknown_deletes; do
		got="$got $(stat "statetab.${pair%%=*}" "$p.err")"
		want="$want $(expect "${pair#*=}" "$p.expect")"
	done
	is "$got" "$want" \
	    "$desc: ended by DEL_C/CLR/flush, duplicates, unknown deletes"

	got= want=
	for r in short_header bad_version unsupported_version bad_action \
	    bad_len trailing_bytes bad_af bad_direction; do
		got="$got $(stat "decode.bad.$r" "$p.err")"
		want="$want $(expect0 "bad.$r" "$p.expect")"
	done
	is "$got" "$want" "$desc: malformed frames counted by reason"

	same=1
	for t in 1 4; do
		run_pfflowd "$p.out$t" "$p.err$t" -D -t "$t" -r "$p.pcap"
		debug_as_flows64 "$p.err$t" | cmp -s - "$p.got64" || same=0
	done
	is "$same" 1 "$desc: -t 1, 2 and 4 print the same flows"

	if [ "$(stat statetab.live "$p.err")" = 0 ] &&
	    [ "$(stat export.collector.0.queued_records "$p.err")" = \
	    "$(stat export.collector.0.records "$p.err")" ]; then
		ok "$desc: no state left, every queued record sent"
	else
		not_ok "$desc: no state left, every queued record sent"
		grep -E '^(statetab.live|export.collector.0)' "$p.err" |
		    sed 's/^/#   /' | head -n 20
	fi
done

# The bound: 20,000 states of which about half are never deleted, a table
# of 5,000, one decoder: of the states still alive at the end of the
# capture (the generator's flushed_at_end), all but 5,000 are evicted
# (oldest idle first) and 5,000 flushed; every state ends exactly once;
# every flow is still exported; the process stays small.
desc="--max-states 5000"
p="$E2E_TMP/bound"
if gen "$p" -V 6 -l pfsync18 -s 7 -n 20000 --lost-del-pct 100 \
    --dup-del-pct 0 --bulk-pct 0 --unknown-del 0 --ipv6-pct 0 -F "$p.f64"
then
	run_pfflowd "$p.out" "$p.err" -D -t 1 --max-states 5000 -r "$p.pcap"
	is "$?" 0 "$desc: pfflowd exit status"
	is "$(stat statetab.evicted "$p.err") $(stat statetab.flushed "$p.err")" \
	    "$(( $(expect flushed_at_end "$p.expect") - 5000 )) 5000" \
	    "$desc: evicted == alive at end - max-states, 5000 flushed"
	is "$(( $(stat statetab.evicted "$p.err") +
	    $(stat statetab.ended_delete_c "$p.err") +
	    $(stat statetab.flushed "$p.err") ))" \
	    "$(stat statetab.inserted "$p.err")" \
	    "$desc: every inserted state ended exactly once"
	is "$(stat statetab.high_water "$p.err")" 5000 \
	    "$desc: never more than max-states live"
	debug_as_flows64 "$p.err" | awk '{print $1,$2,$3,$4,$5,$6,$7}' \
	    >"$p.got"
	awk '{print $1,$2,$3,$4,$5,$6,$7}' "$p.f64" | LC_ALL=C sort >"$p.want"
	if cmp -s "$p.got" "$p.want"; then
		ok "$desc: every state's flows exported ($(wc -l <"$p.want"))"
	else
		not_ok "$desc: every state's flows exported"
		diff "$p.want" "$p.got" | head -n 10 | sed 's/^/#   /'
	fi
	rss=$(stat process.max_rss_kib "$p.err")
	if ldd "$PFFLOWD" 2>/dev/null | grep -q 'lib[atu][sb]*san'; then
		# Sanitizer shadow memory says nothing about pfflowd's own.
		skip "$desc: peak RSS (built with a sanitizer)"
	elif [ -n "$rss" ] && [ "$rss" -lt 65536 ]; then
		ok "$desc: peak RSS $rss KiB < 64 MiB"
	else
		not_ok "$desc: peak RSS '$rss' KiB < 64 MiB"
	fi
else
	for i in 1 2 3 4 5 6; do not_ok "$desc: pfsyncgen failed"; done
	diag_file "$p.gen.err"
fi

finish
