#!/bin/bash
# Same input file, same flows, whatever the number of decoder threads.
#
# For pfsync v3 and v4, one capture (malformed frames, 20% big counters,
# 2000 states) is run through pfflowd -D with -t 1, -t 2 and -t 4, exporting
# to an nfcapd (a real listener: a port with nothing bound would answer with
# ICMP errors that pfflowd counts).  Per version:
#   - each run exits 0 with no send error
#   - every `flow ` debug line has the documented format (IPv6 ones marked
#     not-exported)
#   - the number of flow lines == flows; IPv4/IPv6 lines == flows_v4/flows_v6
#   - the IPv4 lines' packets/bytes add up to packets_v4/bytes_v4
#   - the sorted flow lines of -t 2 and -t 4 equal those of -t 1
#   - the flow and record counters in the stats agree across the runs

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd
require_binaries

VERSIONS="3 4"
THREADS="1 2 4"
STATS="decode.frames decode.events decode.flows
statetab.zero_directions statetab.flows_final statetab.flows_last_known
export.flows export.skipped_ipv6 export.records"

# One line per flow, as documented for -D:
#   flow <proto> <src>:<sport> -> <dst>:<dport> packets <P> bytes <B>
#   first <ms> last <ms> dir <in|out> state <16 hex>/<8 hex> <final|last-known>
# pfflowd(8) adds two things: the age of last-known counters
# ("last-known age 1234ms") and a " not-exported:ipv6" mark on IPv6 flows
# (which v5 cannot carry); the mark must be there exactly on IPv6 lines.
V4='[0-9]{1,3}(\.[0-9]{1,3}){3}'
V6='\[[0-9a-f:.]+\]'
HEAD="^flow [0-9]+"
TAIL=" packets [0-9]+ bytes [0-9]+ first [0-9]+ last [0-9]+ dir (in|out)"
TAIL="$TAIL state [0-9a-f]{16}/[0-9a-f]{8} (final|last-known( age [0-9]+ms)?)"
FLOW_RE="$HEAD $V4:[0-9]+ -> $V4:[0-9]+$TAIL\$"
FLOW_RE="$FLOW_RE|$HEAD $V6:[0-9]+ -> $V6:[0-9]+$TAIL not-exported:ipv6\$"

plan $((10 * $(echo $VERSIONS | wc -w)))

start_nfcapd_any "$E2E_TMP/sink" || bail_out "nfcapd did not start"
SINK="127.0.0.1:$NFCAPD_PORT"

for v in $VERSIONS; do
	p="$E2E_TMP/v$v"
	if ! gen "$p" -V "$v" -s "$v" --malformed --big-pct 20 -n 2000; then
		for i in $(seq 1 10); do not_ok "v$v: pfsyncgen failed"; done
		diag_file "$p.gen.err"
		continue
	fi

	for t in $THREADS; do
		run_pfflowd "$p.t$t.out" "$p.t$t.err" -D -t "$t" -r "$p.pcap" \
		    -n "$SINK"
		rc=$?
		errs=$(stat export.collector.0.send_errors "$p.t$t.err")
		if [ "$rc" = 0 ] && [ "$errs" = 0 ]; then
			ok "v$v -t $t: exit 0, no send error"
		else
			not_ok "v$v -t $t: exit 0, no send error"
			diag "exit $rc, send_errors '$errs'"
			diag_file "$p.t$t.err" 20
		fi
		grep '^flow ' "$p.t$t.err" | sort >"$p.t$t.flows"
	done

	bad=$(grep -Ev -- "$FLOW_RE" "$p.t1.flows" | head -n 5)
	if [ -z "$bad" ]; then
		ok "v$v: every -D flow line has the documented format"
	else
		not_ok "v$v: every -D flow line has the documented format"
		diag "$bad"
	fi

	is_num "$(wc -l <"$p.t1.flows")" "$(expect flows "$p.expect")" \
	    "v$v: number of -D flow lines == flows"

	split=$(awk '$3 ~ /^\[/ { v6++; next } { v4++ }
	    END { printf "%d %d\n", v4, v6 }' "$p.t1.flows")
	is "$split" "$(expect flows_v4 "$p.expect") $(expect flows_v6 \
	    "$p.expect")" "v$v: IPv4 and IPv6 flow lines == flows_v4 flows_v6"

	sums=$(awk '$3 !~ /^\[/ { p += $7; b += $9 }
	    END { printf "%.0f %.0f\n", p, b }' "$p.t1.flows")
	is "$sums" "$(expect packets_v4 "$p.expect") $(expect bytes_v4 \
	    "$p.expect")" "v$v: IPv4 flow lines add up to packets_v4 bytes_v4"

	for t in $THREADS; do
		[ "$t" = 1 ] && continue
		if cmp -s "$p.t1.flows" "$p.t$t.flows"; then
			ok "v$v: -t $t flows == -t 1 flows ($(wc -l <"$p.t1.flows") lines)"
		else
			not_ok "v$v: -t $t flows == -t 1 flows"
			diff "$p.t1.flows" "$p.t$t.flows" | head -n 10 |
			    sed 's/^/#   /'
			diag "$(diff "$p.t1.flows" "$p.t$t.flows" |
			    grep -c '^[<>]') lines differ"
		fi
	done

	# (A counter no run prints is badinput.sh's business, not ours.)
	bad= absent= n_cmp=0
	for s in $STATS; do
		ref=$(stat "$s" "$p.t1.err") || ref=missing
		all=
		for t in $THREADS; do
			got=$(stat "$s" "$p.t$t.err") || got=missing
			all="$all $got"
			[ "$got" = "$ref" ] ||
				bad="$bad $s(-t 1: $ref, -t $t: $got)"
		done
		if [ "$(echo $all | tr ' ' '\n' | sort -u)" = missing ]; then
			absent="$absent $s"
		else
			n_cmp=$((n_cmp + 1))
		fi
	done
	[ -z "$absent" ] || diag "v$v: no run printed:$absent"
	if [ -z "$bad" ]; then
		ok "v$v: $n_cmp flow and record counters equal for -t $THREADS"
	else
		not_ok "v$v: flow and record counters equal for -t $THREADS"
		diag "$bad"
	fi
done

stop_nfcapd
finish
