#!/bin/bash
# Bad input is counted by reason and skipped, never fatal.
#
# For pfsync v2, v3 and v4, on Ethernet and on Linux SLL2, a capture with
# every kind of malformed frame pfsyncgen makes (--malformed) and the other
# pfsync actions (--other-actions) is exported to an nfcapd sink.  Per
# capture:
#   - pfflowd exits 0
#   - capture.bad.<reason> == link.<reason>   for every reason
#   - decode.bad.<reason>  == bad.<reason>    for every reason
#   - decode.msg.<KIND>    == msg.<KIND>      for every kind
#   - capture.packets == frames, capture.frames == decode.frames ==
#     pfsync_frames, and capture.packets == capture.frames + capture.bad.*
#   - decode.flows == flows, export.skipped_ipv6 == flows_v6,
#     export.records == records_v5; statetab.zero_directions and
#     statetab.flushed as the generator's INS/UPD-only states imply
#   - export.flows == decode.flows, and collector 0's queued_records ==
#     records + every dropped_*_records + in_queue_records ==
#     export.records (collector.h)
# Then damaged files:
#   - cut in the middle of a record's data, and in the middle of a record
#     header: exit 0, a message naming the file, exactly the records before
#     the cut read, and what was decoded from them exported (nfcapd gets
#     every record pfflowd says it sent, and there are some)
#   - only the 24-byte pcap header: exit 0, nothing read, nothing sent

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd nfdump od
require_binaries

VERSIONS="2 3 4"
LINKS="en10mb sll2"
LINK_BAD="short not_ip ip_header not_pfsync fragment truncated"
DECODE_BAD="short_header bad_version unsupported_version bad_action bad_len
trailing_bytes bad_af bad_direction"
MSGS="CLR INS UPD DEL UPD_C DEL_C UREQ BUS TDB"
PER_CAPTURE=7

n_captures=$(($(echo $VERSIONS | wc -w) * $(echo $LINKS | wc -w)))
plan $((n_captures * PER_CAPTURE + 2 * 5 + 3))

start_nfcapd_any "$E2E_TMP/sink" || bail_out "nfcapd did not start"
SINK="127.0.0.1:$NFCAPD_PORT"
SINK_PID=$NFCAPD_PID

# names PREFIX FIXED-LIST EXPECT STATS STATPREFIX: the fixed list of reasons
# plus any other PREFIX.* key pfsyncgen wrote or STATPREFIX.* pfflowd printed.
names()
{
	{
		printf '%s\n' $2
		awk -v p="$1." 'index($1, p) == 1 { print substr($1, length(p) + 1) }' "$3"
		awk -v p="$5." '/^[A-Za-z0-9_.]+ [0-9]+$/ && index($1, p) == 1 {
		    print substr($1, length(p) + 1) }' "$4"
	} | sort -u
}

# compare_group DESC EXPECT-PREFIX FIXED STAT-PREFIX PREFIX: every
# STAT-PREFIX.<name> equals EXPECT-PREFIX.<name> (an absent EXPECT key is 0;
# an absent stat is a failure for the fixed names, 0 for others).
compare_group()
{
	local desc=$1 ep=$2 fixed=$3 sp=$4 p=$5 name want got bad= checked=0
	for name in $(names "$ep" "$fixed" "$p.expect" "$p.err" "$sp"); do
		want=$(expect0 "$ep.$name" "$p.expect")
		if ! got=$(stat "$sp.$name" "$p.err"); then
			case " $(echo $fixed) " in
			*" $name "*) got=missing ;;
			*) got=0 ;;
			esac
		fi
		checked=$((checked + 1))
		[ "$got" = "$want" ] ||
			bad="$bad $sp.$name=$got (want $ep.$name=$want);"
	done
	if [ -z "$bad" ]; then
		ok "$desc: $sp.* == $ep.* ($checked counters)"
	else
		not_ok "$desc: $sp.* == $ep.*"
		diag "$bad"
	fi
}

seed=0
for v in $VERSIONS; do
for l in $LINKS; do
	seed=$((seed + 1))
	desc="v$v $l"
	p="$E2E_TMP/v$v-$l"
	if ! gen "$p" -V "$v" -l "$l" -s "$seed" -n 300 --malformed \
	    --other-actions --ipv6-pct 10 --big-pct 10; then
		for i in $(seq 1 $PER_CAPTURE); do
			not_ok "$desc: pfsyncgen failed"
		done
		diag_file "$p.gen.err"
		continue
	fi
	run_pfflowd "$p.out" "$p.err" -r "$p.pcap" -n "$SINK"
	rc=$?
	if [ "$rc" = 0 ]; then
		ok "$desc: exit 0"
	else
		not_ok "$desc: exit 0"
		diag "exit status $rc"
		diag_file "$p.err" 20
	fi
	compare_group "$desc" link "$LINK_BAD" capture.bad "$p"
	compare_group "$desc" bad "$DECODE_BAD" decode.bad "$p"
	compare_group "$desc" msg "$MSGS" decode.msg "$p"

	# Frames: every pcap record is handed to a decoder, counted as bad at
	# the link layer or (live mode only, so 0 here) dropped on a full ring.
	cap_bad=$(awk '/^capture\.(bad\.[a-z0-9_]+|ring_full_drops) [0-9]+$/ {
	    s += $2 } END { printf "%d\n", s }' "$p.err")
	got="$(stat capture.packets "$p.err") $(stat capture.frames "$p.err")"
	got="$got $(stat decode.frames "$p.err")"
	want="$(expect frames "$p.expect") $(expect pfsync_frames "$p.expect")"
	want="$want $(expect pfsync_frames "$p.expect")"
	set -- $got
	if [ "$got" = "$want" ] && [ "${1:-x}" = $((${2:-0} + cap_bad)) ]; then
		ok "$desc: frames accounted for (packets frames decoded: $got)"
	else
		not_ok "$desc: frames accounted for"
		diag "capture.packets capture.frames decode.frames: '$got'" \
		    "want (frames pfsync_frames pfsync_frames): '$want'" \
		    "sum of capture.bad.* and capture.ring_full_drops: $cap_bad"
	fi

	bad=
	for pair in decode.flows=flows export.skipped_ipv6=flows_v6 \
	    export.records=records_v5; do
		got=$(stat "${pair%%=*}" "$p.err") || got=missing
		want=$(expect "${pair#*=}" "$p.expect") || want=missing
		[ "$got" = "$want" ] ||
			bad="$bad ${pair%%=*}=$got (want ${pair#*=}=$want);"
	done
	# The generator's INS and UPD messages are states of their own, with
	# zero counters, that never get a delete: the state table flushes
	# them at end of input and both their directions are empty.
	got=$(stat statetab.zero_directions "$p.err") || got=missing
	want=$(( $(expect zero_directions "$p.expect") + 2 * (
	    $(expect msg.INS "$p.expect") + $(expect msg.UPD "$p.expect")) ))
	[ "$got" = "$want" ] ||
		bad="$bad statetab.zero_directions=$got (want $want: zero_directions + 2 x (INS + UPD));"
	got=$(stat statetab.flushed "$p.err") || got=missing
	want=$(( $(expect msg.INS "$p.expect") + $(expect msg.UPD "$p.expect") ))
	[ "$got" = "$want" ] ||
		bad="$bad statetab.flushed=$got (want INS + UPD = $want);"
	if [ -z "$bad" ]; then
		ok "$desc: flows, zero directions, flushed states, skipped IPv6, records as expected"
	else
		not_ok "$desc: flows, zero directions, flushed states, skipped IPv6, records as expected"
		diag "$bad"
	fi

	# The balances doc/architecture.md promises for the exporter.
	ef=$(stat export.flows "$p.err") || ef=missing
	df=$(stat decode.flows "$p.err") || df=missing
	er=$(stat export.records "$p.err") || er=missing
	q=$(stat export.collector.0.queued_records "$p.err") || q=missing
	r=$(stat export.collector.0.records "$p.err") || r=missing
	d=$(awk '/^export\.collector\.0\.(dropped_[a-z_]+_records|in_queue_records) [0-9]+$/ {
	    s += $2; n++ } END { if (n == 4) print s; else print "missing" }' \
	    "$p.err")
	case "$ef$df$er$q$r$d" in
	*[!0-9]*) sum=x ;;
	*) sum=$((r + d)) ;;
	esac
	if [ "$ef" = "$df" ] && [ "$q" = "$er" ] && [ "$q" = "$sum" ]; then
		ok "$desc: export.flows == decode.flows; queued == records + dropped == export.records"
	else
		not_ok "$desc: export.flows == decode.flows; queued == records + dropped == export.records"
		diag "export.flows $ef, decode.flows $df; export.records $er," \
		    "collector.0 queued_records $q records $r dropped+queued $d"
	fi
done
done

# The tests below want their own collector.
NFCAPD_PID=$SINK_PID NFCAPD_DIR=$E2E_TMP/sink
stop_nfcapd

# truncated CASE WHERE: a good capture cut inside the middle record; WHERE
# is "data" (half of its captured bytes) or "header" (8 of its 16 header
# bytes).  5 tests.
truncated()
{
	local desc="pcap cut in a record's $2" p="$E2E_TMP/$1" recs n k off cl cut
	local rc sent got
	if ! gen "$p.full" -V 4 -l en10mb -s 42 -n 300 --ipv6-pct 0; then
		for i in 1 2 3 4 5; do not_ok "$desc: pfsyncgen failed"; done
		return
	fi
	pcap_record_offsets "$p.full.pcap" >"$p.offsets"
	n=$(wc -l <"$p.offsets")
	k=$((n / 2))
	read -r off cl <<EOF
$(sed -n "$((k + 1))p" "$p.offsets")
EOF
	if [ "$2" = data ]; then
		cut=$((off + 16 + cl / 2))
	else
		cut=$((off + 8))
	fi
	head -c "$cut" "$p.full.pcap" >"$p.pcap"
	diag "$desc: $n records; cut at byte $cut, inside record $((k + 1))" \
	    "(offset $off, $cl bytes captured)"

	if ! start_nfcapd_any "$p.nfcapd"; then
		for i in 1 2 3 4 5; do not_ok "$desc: nfcapd did not start"; done
		return
	fi
	run_pfflowd "$p.out" "$p.err" -r "$p.pcap" -n "127.0.0.1:$NFCAPD_PORT"
	rc=$?
	stop_nfcapd
	if [ "$rc" = 0 ]; then
		ok "$desc: exit 0"
	else
		not_ok "$desc: exit 0"
		diag "exit status $rc"
		diag_file "$p.err" 20
	fi
	# The message is not a stats line and names the file.
	if grep -v -E '^[A-Za-z0-9_.]+ [0-9]+$' "$p.err" | grep -v '^flow ' |
	    grep -qF -- "$p.pcap"; then
		ok "$desc: a message names the file"
	else
		not_ok "$desc: a message names the file"
		diag_file "$p.err" 10
	fi
	is_num "$(stat capture.packets "$p.err")" "$k" \
	    "$desc: the $k records before the cut are read"
	sent=$(stat export.collector.0.records "$p.err")
	if [ "${sent:-0}" -gt 0 ] 2>/dev/null &&
	    [ "$(stat decode.flows "$p.err")" -gt 0 ] 2>/dev/null; then
		ok "$desc: flows decoded and exported ($sent records)"
	else
		not_ok "$desc: flows decoded and exported"
		diag "decode.flows '$(stat decode.flows "$p.err")'," \
		    "export.collector.0.records '$sent'"
	fi
	got=$(nfdump_totals "$p.nfcapd")
	is_num "${got%% *}" "${sent:-x}" \
	    "$desc: nfcapd got every record pfflowd sent"
}
truncated cut-data data
truncated cut-header header

# Only the pcap header.
p="$E2E_TMP/empty"
if gen "$p.full" -V 3 -l pfsync246 -n 10; then
	head -c 24 "$p.full.pcap" >"$p.pcap"
else
	pcap_header "$p.pcap" 246
fi
start_nfcapd_any "$p.nfcapd" || bail_out "nfcapd did not start"
run_pfflowd "$p.out" "$p.err" -r "$p.pcap" -n "127.0.0.1:$NFCAPD_PORT"
rc=$?
stop_nfcapd
is "$rc" 0 "header-only pcap: exit 0"
got="$(stat capture.packets "$p.err") $(stat decode.flows "$p.err")"
got="$got $(stat export.records "$p.err") $(stat export.datagrams "$p.err")"
is "$got" "0 0 0 0" \
    "header-only pcap: capture.packets decode.flows export.records export.datagrams all 0"
is "$(nfdump_totals "$p.nfcapd")" "0 0 0" "header-only pcap: nfcapd got nothing"
finish
