#!/bin/bash
# pcap -> pfflowd -> a real nfcapd: what the collector stored must be exactly
# what pfsyncgen says the capture holds.
#
# For every pfsync version (2, 3, 4) and every link type pfsyncgen writes
# (plus IPv6 transport on en10mb, raw and sll), one capture with malformed
# frames, other actions, big counters, NAT and IPv6 states is exported to a
# fresh nfcapd.  Per case:
#   - pfflowd exits 0 and reports records_v5 records sent, no send error
#   - nfdump record count == records_v5, packet sum == packets_v4,
#     byte sum == bytes_v4
#   - nfcapd saw no sequence failure
#   - the record list (proto, addresses, ports, packets, bytes, first and
#     last in ms) equals FLOWS.txt exactly
# Then the same with NetFlow v1 (no sequence numbers), an IPv6 collector
# ([::1]:port) and two collectors at once (each gets everything, each with
# its own sequence).

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd nfdump
require_binaries

VERSIONS="2 3 4"
LINKS="pfsync18 pfsync121 pfsync246 pfsync246-ip en10mb en10mb-vlan sll sll2
raw null loop"
IP6_LINKS="en10mb raw sll"
GENOPTS="--malformed --other-actions --big-pct 10 --nat-pct 20 --ipv6-pct 10
-n 300"

# Cases as "version link extra-option".
cases=
for v in $VERSIONS; do
	for l in $LINKS; do
		cases="$cases $v:$l:"
	done
	for l in $IP6_LINKS; do
		cases="$cases $v:$l:--ip6-transport"
	done
done
n_cases=$(echo $cases | wc -w)

PER_CASE=6
# v1: 5 (no sequence check); [::1]: 6; two collectors: 6.
plan $((n_cases * PER_CASE + 5 + PER_CASE + 6))

# fail_case DESC N REASON: report N failed tests for a case that could not run.
fail_case()
{
	local i
	for i in $(seq 1 "$2"); do
		not_ok "$1: $3"
	done
}

# check_collector DESC DIR PREFIX: the totals, sequence and flow list checks
# of one nfcapd directory against pfsyncgen's PREFIX.expect/.flows.
# SEQ=0 in the environment skips the sequence check (NetFlow v1).
check_collector()
{
	local desc=$1 dir=$2 p=$3 tot flows pkts bytes seqf
	tot=$(nfdump_totals "$dir")
	set -- $tot
	flows=${1:-} pkts=${2:-} bytes=${3:-}
	is_num "$flows" "$(expect records_v5 "$p.expect")" \
	    "$desc: nfcapd record count == records_v5"
	is_num "$pkts" "$(expect packets_v4 "$p.expect")" \
	    "$desc: nfcapd packet sum == packets_v4"
	is_num "$bytes" "$(expect bytes_v4 "$p.expect")" \
	    "$desc: nfcapd byte sum == bytes_v4"
	if [ "${SEQ:-1}" = 1 ]; then
		seqf=$(nfdump_seq_failures "$dir")
		is_num "$seqf" 0 "$desc: nfcapd saw no sequence failure"
	fi
	nfdump_flows "$dir" >"$p.got"
	flows_as_nfdump "$p.flows" >"$p.want"
	if cmp -s "$p.got" "$p.want"; then
		ok "$desc: nfdump record list == FLOWS.txt ($(wc -l <"$p.want") records)"
	else
		not_ok "$desc: nfdump record list == FLOWS.txt"
		diag "diff expected got (first lines):"
		diff "$p.want" "$p.got" | head -n 20 | sed 's/^/#   /'
		diag "$(diff "$p.want" "$p.got" | grep -c '^>') unexpected," \
		    "$(diff "$p.want" "$p.got" | grep -c '^<') missing records"
	fi
}

# run_export DESC PREFIX COLLECTOR-ARGS...: pfflowd -r PREFIX.pcap into the
# running nfcapd(s); check its exit status and its own count of records sent.
run_export()
{
	local desc=$1 p=$2 rc sent errs want
	shift 2
	run_pfflowd "$p.out" "$p.err" -r "$p.pcap" "$@"
	rc=$?
	want=$(expect records_v5 "$p.expect")
	sent=$(stat export.collector.0.records "$p.err")
	errs=$(stat export.collector.0.send_errors "$p.err")
	if [ "$rc" = 0 ] && [ "$sent" = "$want" ] && [ "$errs" = 0 ]; then
		ok "$desc: pfflowd exit 0, sent $want records, no send error"
		return 0
	fi
	not_ok "$desc: pfflowd exit 0, sent records_v5 records, no send error"
	diag "exit status $rc (want 0); export.collector.0.records '$sent'" \
	    "(want $want); send_errors '$errs' (want 0)"
	diag_file "$p.err" 30
	return 1
}

start_s=$(date +%s)
seed=0
for c in $cases; do
	IFS=: read -r v l x <<EOF
$c
EOF
	seed=$((seed + 1))
	desc="v$v $l${x:+ $x}"
	p="$E2E_TMP/v$v-$l${x:+-ip6}"
	if ! gen "$p" -V "$v" -l "$l" -s "$seed" $x $GENOPTS; then
		fail_case "$desc" $PER_CASE "pfsyncgen failed"
		diag_file "$p.gen.err"
		continue
	fi
	if ! start_nfcapd_any "$p.nfcapd"; then
		fail_case "$desc" $PER_CASE "nfcapd did not start"
		continue
	fi
	run_export "$desc" "$p" -n "127.0.0.1:$NFCAPD_PORT"
	stop_nfcapd || diag "$desc: nfcapd did not stop cleanly"
	check_collector "$desc" "$p.nfcapd" "$p"
done

# NetFlow v1: same records, no sequence numbers.
desc="NetFlow v1 (v4 en10mb)"
p="$E2E_TMP/nfv1"
if ! gen "$p" -V 4 -l en10mb -s 101 $GENOPTS; then
	fail_case "$desc" 5 "pfsyncgen failed"
elif ! start_nfcapd_any "$p.nfcapd"; then
	fail_case "$desc" 5 "nfcapd did not start"
else
	run_export "$desc" "$p" -v 1 -n "127.0.0.1:$NFCAPD_PORT"
	stop_nfcapd || diag "$desc: nfcapd did not stop cleanly"
	SEQ=0 check_collector "$desc" "$p.nfcapd" "$p"
fi

# A collector given as [::1]:port.
desc="IPv6 collector [::1]"
p="$E2E_TMP/c6"
if ! ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	for i in $(seq 1 $PER_CASE); do
		skip "$desc" "no ::1 on lo"
	done
elif ! gen "$p" -V 4 -l pfsync246 -s 102 $GENOPTS; then
	fail_case "$desc" $PER_CASE "pfsyncgen failed"
elif ! start_nfcapd_any "$p.nfcapd" ::1; then
	fail_case "$desc" $PER_CASE "nfcapd did not start on ::1"
else
	run_export "$desc" "$p" -n "[::1]:$NFCAPD_PORT"
	stop_nfcapd || diag "$desc: nfcapd did not stop cleanly"
	check_collector "$desc" "$p.nfcapd" "$p"
fi

# Two collectors: each gets every record, with its own sequence numbers.
desc="two collectors"
p="$E2E_TMP/two"
if ! gen "$p" -V 3 -l pfsync246 -s 103 $GENOPTS; then
	fail_case "$desc" 6 "pfsyncgen failed"
elif ! start_nfcapd_any "$p.a"; then
	fail_case "$desc" 6 "nfcapd did not start"
else
	pid_a=$NFCAPD_PID port_a=$NFCAPD_PORT
	if ! start_nfcapd_any "$p.b"; then
		NFCAPD_PID=$pid_a NFCAPD_DIR=$p.a stop_nfcapd
		fail_case "$desc" 6 "second nfcapd did not start"
	else
		pid_b=$NFCAPD_PID port_b=$NFCAPD_PORT
		run_pfflowd "$p.out" "$p.err" -r "$p.pcap" \
		    -n "127.0.0.1:$port_a" -n "127.0.0.1:$port_b"
		rc=$?
		NFCAPD_PID=$pid_a NFCAPD_DIR=$p.a
		stop_nfcapd
		NFCAPD_PID=$pid_b NFCAPD_DIR=$p.b
		stop_nfcapd
		want=$(expect records_v5 "$p.expect")
		r0=$(stat export.collector.0.records "$p.err")
		r1=$(stat export.collector.1.records "$p.err")
		if [ "$rc" = 0 ] && [ "$r0" = "$want" ] && [ "$r1" = "$want" ]
		then
			ok "$desc: pfflowd exit 0, $want records sent to each"
		else
			not_ok "$desc: pfflowd exit 0, records_v5 sent to each"
			diag "exit $rc; collector.0.records '$r0'," \
			    "collector.1.records '$r1' (want $want)"
			diag_file "$p.err" 30
		fi
		for side in a b; do
			tot=$(nfdump_totals "$p.$side")
			is "$tot" "$(expect records_v5 "$p.expect") $(expect \
			    packets_v4 "$p.expect") $(expect bytes_v4 "$p.expect")" \
			    "$desc: collector $side totals (records packets bytes)"
			is_num "$(nfdump_seq_failures "$p.$side")" 0 \
			    "$desc: collector $side saw no sequence failure"
		done
		nfdump_flows "$p.a" >"$p.a.got"
		nfdump_flows "$p.b" >"$p.b.got"
		flows_as_nfdump "$p.flows" >"$p.want"
		if cmp -s "$p.a.got" "$p.want" && cmp -s "$p.b.got" "$p.want"
		then
			ok "$desc: both record lists == FLOWS.txt"
		else
			not_ok "$desc: both record lists == FLOWS.txt"
			diff "$p.want" "$p.a.got" | head -n 10 | sed 's/^/#  a /'
			diff "$p.want" "$p.b.got" | head -n 10 | sed 's/^/#  b /'
		fi
	fi
fi

diag "runtime $(($(date +%s) - start_s)) s"
finish
