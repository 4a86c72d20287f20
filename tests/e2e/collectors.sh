#!/bin/bash
# Several collectors at once, file mode (-r): each has its own queue, its
# own flow_sequence and its own counters, and one that fails does not
# disturb the others.
#
# Run 1: one capture to three collectors: nfcapd (nfdump), pmacct's
# nfacctd with its sequence checks on, and a UDP port nobody listens on.
#   - pfflowd exits 0; every collector was offered records_v5 records
#   - per collector the conservation identity holds (collector.h):
#       queued_records = records + dropped_queue_full_records
#           + dropped_send_error_records + dropped_at_exit_records
#           + in_queue_records, with in_queue_records 0 at exit
#   - nfcapd and nfacctd lost nothing (every dropped_* 0), and each stored
#     records_v5 records, packets_v4 packets, bytes_v4 bytes
#   - nfcapd saw no sequence failure; nfacctd logged no "expecting flow"
#     (its v5 sequence check, enabled by nfacctd_disable_checks: false)
#   - the closed port counted errno.econnrefused > 0 (== send_errors)
#   - positive control: a second export to the same nfacctd restarts at
#     sequence 0, and nfacctd logs "expecting flow '<records_v5>' but
#     received '0'": the check is armed, and run 1 ended where it should
# Run 2: a load-balance group of two nfcapd (group=lb), a plain v5 nfcapd
# and a NetFlow v1 nfcapd in one run:
#   - the group members share the records: their pfflowd counts add up to
#     records_v5, both > 0; together their nfcapd totals are the capture's
#     and their record lists together are FLOWS.txt (each record once)
#   - each member saw no sequence failure (each has its own sequence)
#   - the v5 and the v1 collector each got the full totals
# Run 3: the same capture to one nfcapd behind flow-rate=records/2,burst=1:
#   - pfflowd exits 0 having sent every record, none dropped, with pacing
#     waits, and took at least (records - 30) / rate seconds
#   - its nfcapd got the full totals with no sequence failure
#
# nfacctd totals come from its print plugin (CSV, appended every second,
# aggregated per 5-tuple with the "flows" primitive = NetFlow records).

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd nfdump nfacctd
require_binaries

plan 21

start_s=$(date +%s)

# --------------------------------------------------------------- helpers

# no_drops_sum ERR N: print the sum of every dropped_* record counter of N.
no_drops_sum()
{
	local err=$1 c="export.collector.$2" f s x
	f=$(stat "$c.dropped_queue_full_records" "$err") || return 1
	s=$(stat "$c.dropped_send_error_records" "$err") || return 1
	x=$(stat "$c.dropped_at_exit_records" "$err") || return 1
	echo $((f + s + x))
}

# want_totals PREFIX: "records packets bytes" that pfsyncgen promises.
want_totals()
{
	echo "$(expect records_v5 "$1.expect") $(expect packets_v4 \
	    "$1.expect") $(expect bytes_v4 "$1.expect")"
}

# add_totals "a b c" "d e f": element-wise sum (floating point in awk is
# exact below 2^53, far above these sums).
add_totals()
{
	echo "$1 $2" | awk 'NF == 6 { printf "%.0f %.0f %.0f\n", $1 + $4,
	    $2 + $5, $3 + $6 }'
}

# ------------------------------------------------------------- nfacctd

NFACCTD_PID=
NFACCTD_PLUGIN=
NFACCTD_PORT=
NFACCTD_DIR=

# start_nfacctd DIR PORT: nfacctd on 127.0.0.1:PORT, print plugin "p"
# appending CSV to DIR/out.csv every second with start/end markers, log in
# DIR/nfacctd.log.  Waits (~10 s) until nfacctd has the port bound and its
# plugin has started.
start_nfacctd()
{
	local dir=$1 port=$2 n
	mkdir -p "$dir" || return 1
	cat >"$dir/nfacctd.conf" <<EOF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $port
nfacctd_disable_checks: false
nfacctd_pipe_size: 4194304
logfile: $dir/nfacctd.log
pidfile: $dir/nfacctd.pid
plugins: print[p]
print_output[p]: csv
print_output_file[p]: $dir/out.csv
print_output_file_append[p]: true
print_refresh_time[p]: 1
print_markers[p]: true
aggregate[p]: src_host, dst_host, src_port, dst_port, proto, flows
EOF
	nfacctd -f "$dir/nfacctd.conf" >"$dir/stdout" 2>&1 </dev/null &
	NFACCTD_PID=$!
	NFACCTD_PORT=$port
	NFACCTD_DIR=$dir
	_e2e_track "$NFACCTD_PID"
	n=100
	while [ "$n" -gt 0 ]; do
		if udp_port_bound "$port" "$NFACCTD_PID" &&
		    grep -q 'p/print ): cache entries' "$dir/nfacctd.log" \
		    2>/dev/null && [ -s "$dir/nfacctd.pid-print-p" ]; then
			NFACCTD_PLUGIN=$(cat "$dir/nfacctd.pid-print-p")
			case "$NFACCTD_PLUGIN" in
			'' | *[!0-9]*) NFACCTD_PLUGIN= ;;
			*) _e2e_track "$NFACCTD_PLUGIN" ;;
			esac
			return 0
		fi
		kill -0 "$NFACCTD_PID" 2>/dev/null || break
		sleep 0.1
		n=$((n - 1))
	done
	diag "nfacctd did not start on 127.0.0.1:$port"
	diag_file "$dir/nfacctd.log" 20
	diag_file "$dir/stdout" 10
	stop_nfacctd
	return 1
}

start_nfacctd_any()
{
	local i p
	for i in 1 2 3 4 5; do
		p=$(free_udp_port) || return 1
		start_nfacctd "$1" "$p" 2>/dev/null && return 0
		rm -rf "$1"
	done
	return 1
}

# stop_nfacctd: SIGINT the core process (nfacctd ignores SIGTERM; on
# SIGINT it purges and ends its plugin, ~2 s), wait for both (~10 s), then
# KILL by pid whatever is left.
stop_nfacctd()
{
	local pid=$NFACCTD_PID plugin=$NFACCTD_PLUGIN
	[ -n "$pid" ] || return 0
	NFACCTD_PID=
	NFACCTD_PLUGIN=
	kill -INT "$pid" 2>/dev/null
	if ! _wait_gone "$pid" 100; then
		diag "nfacctd $pid did not exit within 10 s of SIGINT; killing"
		kill -KILL "$pid" 2>/dev/null
		_wait_gone "$pid" 50
	fi
	_e2e_untrack "$pid"
	[ -n "$plugin" ] || return 0
	# The plugin is the core's child: normally gone with it.
	_wait_gone "$plugin" 50 || kill -KILL "$plugin" 2>/dev/null
	_e2e_untrack "$plugin"
	return 0
}

# On any exit, nfacctd first (SIGINT), then lib.sh's cleanup.
trap 'stop_nfacctd; _e2e_cleanup' EXIT

# nfacctd_totals CSV: "flows packets bytes" summed over the complete
# (--START..--END) blocks of the print plugin's output.
nfacctd_totals()
{
	[ -r "$1" ] || { echo "0 0 0"; return 0; }
	awk -F, '
	/^--START/ { in_b = 1; bf = bp = bb = 0; next }
	/^--END/ { if (in_b) { f += bf; p += bp; b += bb }; in_b = 0; next }
	in_b && $1 != "SRC_IP" && NF >= 8 { bp += $6; bf += $7; bb += $8 }
	END { printf "%.0f %.0f %.0f\n", f, p, b }' "$1"
}

# nfacctd_purges: how many cache purges nfacctd's print plugin has ended.
nfacctd_purges()
{
	grep -c 'Purging cache - END' "$NFACCTD_DIR/nfacctd.log" 2>/dev/null
}

# wait_nfacctd_flows N: bounded (~20 s) wait until nfacctd's output holds at
# least N records, then one more purge (so nothing is still on its way);
# prints the totals.
wait_nfacctd_flows()
{
	local want=$1 n=200 tot purges
	while [ "$n" -gt 0 ]; do
		tot=$(nfacctd_totals "$NFACCTD_DIR/out.csv")
		[ "${tot%% *}" -ge "$want" ] && break
		sleep 0.1
		n=$((n - 1))
	done
	purges=$(nfacctd_purges)
	n=50
	while [ "$n" -gt 0 ] && [ "$(nfacctd_purges)" -le "$purges" ]; do
		sleep 0.1
		n=$((n - 1))
	done
	nfacctd_totals "$NFACCTD_DIR/out.csv"
}

# -------------------------------------------------------------- run 1

P=$E2E_TMP/three
gen "$P" -V 3 -n 5000 --big-pct 5 -s 11 ||
	bail_out "pfsyncgen failed: $(head -n 3 "$P.gen.err")"
WANT=$(want_totals "$P")
WANT_REC=$(expect records_v5 "$P.expect")

start_nfcapd_any "$E2E_TMP/nfcapd1" || bail_out "nfcapd did not start"
NFC_PID=$NFCAPD_PID NFC_PORT=$NFCAPD_PORT
start_nfacctd_any "$E2E_TMP/nfacctd" || bail_out "nfacctd did not start"
CLOSED=$(free_udp_port) || bail_out "no free UDP port"

run_pfflowd "$P.out" "$P.err" -r "$P.pcap" -n "127.0.0.1:$NFC_PORT" \
    -n "127.0.0.1:$NFACCTD_PORT" -n "127.0.0.1:$CLOSED"
rc=$?
last_dump "$P.err" >"$P.dump"
why=
[ "$rc" = 0 ] || why="exit status $rc"
for c in 0 1 2; do
	q=$(stat "export.collector.$c.queued_records" "$P.dump")
	[ "$q" = "$WANT_REC" ] ||
		why="${why:+$why; }collector $c queued_records '$q'"
done
if [ -z "$why" ]; then
	ok "3 collectors: pfflowd exit 0, each offered $WANT_REC records"
else
	not_ok "3 collectors: pfflowd exit 0, each offered records_v5 records"
	diag "$why (want $WANT_REC)"
	diag_file "$P.err" 20
fi

check_identity "nfcapd collector (0): identity holds" "$P.dump" 0
check_identity "nfacctd collector (1): identity holds" "$P.dump" 1
check_identity "closed port (2): identity holds" "$P.dump" 2

for c in 0 1; do
	d=$(no_drops_sum "$P.dump" "$c")
	r=$(stat "export.collector.$c.records" "$P.dump")
	if [ "$d" = 0 ] && [ "$r" = "$WANT_REC" ]; then
		ok "collector $c: no drop of any kind, $r records sent"
	else
		not_ok "collector $c: no drop of any kind, records_v5 sent"
		diag "dropped (all kinds) '$d', records '$r' (want $WANT_REC)"
	fi
done

errs=$(stat export.collector.2.send_errors "$P.dump")
refused=$(stat export.collector.2.errno.econnrefused "$P.dump")
if [ -n "$refused" ] && [ "$refused" -gt 0 ] && [ "$refused" = "$errs" ]
then
	ok "closed port: errno.econnrefused $refused > 0, == send_errors"
else
	not_ok "closed port: errno.econnrefused > 0, == send_errors"
	diag "errno.econnrefused '$refused', send_errors '$errs'"
	grep '^export\.collector\.2\.' "$P.dump" >"$E2E_TMP/diag.txt"
	diag_file "$E2E_TMP/diag.txt" 30
fi

# nfcapd: totals and sequence.
NFCAPD_PID=$NFC_PID NFCAPD_DIR=$E2E_TMP/nfcapd1
stop_nfcapd || diag "nfcapd did not stop cleanly"
is "$(nfdump_totals "$E2E_TMP/nfcapd1")" "$WANT" \
    "nfcapd: records packets bytes == records_v5 packets_v4 bytes_v4"
is_num "$(nfdump_seq_failures "$E2E_TMP/nfcapd1")" 0 \
    "nfcapd: no sequence failure"

# nfacctd: totals once flushed, and its log.
got=$(wait_nfacctd_flows "$WANT_REC")
if ! is "$got" "$WANT" \
    "nfacctd: flows packets bytes == records_v5 packets_v4 bytes_v4"; then
	diag_file "$NFACCTD_DIR/nfacctd.log" 30
fi
seqlog=$(grep -E "expecting flow|Missing data" "$NFACCTD_DIR/nfacctd.log")
if [ -z "$seqlog" ]; then
	ok "nfacctd: no sequence error logged"
else
	not_ok "nfacctd: no sequence error logged"
	diag "$seqlog"
fi

# Positive control: a new export starts at sequence 0 again.
C=$E2E_TMP/ctl
if gen "$C" -V 3 -n 20 -s 12 &&
    run_pfflowd "$C.out" "$C.err" -r "$C.pcap" -n "127.0.0.1:$NFACCTD_PORT"
then
	n=100
	while [ "$n" -gt 0 ] &&
	    ! grep -q "expecting flow" "$NFACCTD_DIR/nfacctd.log"; do
		sleep 0.1
		n=$((n - 1))
	done
	line=$(grep -m 1 "expecting flow" "$NFACCTD_DIR/nfacctd.log")
	case "$line" in
	*"expecting flow '$WANT_REC' but received '0'"*)
		ok "nfacctd check armed: restart logs expecting" \
		    "'$WANT_REC' (= records_v5) but received '0'" ;;
	*)
		not_ok "nfacctd check armed: restart logs expecting" \
		    "'records_v5' but received '0'"
		diag "want: expecting flow '$WANT_REC' but received '0'" \
		    "got: '$line'" ;;
	esac
else
	not_ok "nfacctd check armed: second export ran"
	diag_file "$C.gen.err" 5
	diag_file "$C.err" 10
fi
stop_nfacctd

# -------------------------------------------------------------- run 2

P=$E2E_TMP/lb
gen "$P" -V 4 -n 3000 --big-pct 5 --nat-pct 20 -s 13 ||
	bail_out "pfsyncgen failed: $(head -n 3 "$P.gen.err")"
WANT=$(want_totals "$P")
WANT_REC=$(expect records_v5 "$P.expect")
pids=
ports=
for name in lb1 v5 lb2 v1; do
	start_nfcapd_any "$E2E_TMP/$name" ||
		bail_out "nfcapd $name did not start"
	pids="$pids $NFCAPD_PID"
	ports="$ports $NFCAPD_PORT"
done
set -- $ports
# Collector indexes: 0 lb1, 1 v5, 2 lb2, 3 v1.
run_pfflowd "$P.out" "$P.err" -r "$P.pcap" \
    -n "127.0.0.1:$1,group=lb" -n "127.0.0.1:$2" \
    -n "127.0.0.1:$3,group=lb" -n "127.0.0.1:$4,version=1"
rc=$?
last_dump "$P.err" >"$P.dump"
set -- $pids
i=0
for name in lb1 v5 lb2 v1; do
	i=$((i + 1))
	eval "NFCAPD_PID=\${$i}"
	NFCAPD_DIR=$E2E_TMP/$name
	stop_nfcapd || diag "nfcapd $name did not stop cleanly"
done

r0=$(stat export.collector.0.records "$P.dump")
r2=$(stat export.collector.2.records "$P.dump")
why=
[ "$rc" = 0 ] || why="exit status $rc"
for c in 0 1 2 3; do
	id=$(identity "$P.dump" "$c")
	set -- $id
	[ "$#" = 3 ] && [ "$1" = "$2" ] && [ "$3" = 0 ] ||
		why="${why:+$why; }collector $c identity: $id"
	[ "$(no_drops_sum "$P.dump" "$c")" = 0 ] ||
		why="${why:+$why; }collector $c dropped records"
done
if [ -z "$why" ] && [ -n "$r0" ] && [ -n "$r2" ] && [ "$r0" -gt 0 ] &&
    [ "$r2" -gt 0 ] && [ $((r0 + r2)) = "$WANT_REC" ]; then
	ok "group lb: members sent $r0 + $r2 = records_v5; 4 identities," \
	    "no drops, exit 0"
else
	not_ok "group lb: members share records_v5 (both > 0); identities," \
	    "no drops, exit 0"
	diag "${why:-} lb1 records '$r0', lb2 records '$r2', want sum $WANT_REC"
	diag_file "$P.err" 20
fi

t1=$(nfdump_totals "$E2E_TMP/lb1")
t2=$(nfdump_totals "$E2E_TMP/lb2")
is "$(add_totals "$t1" "$t2")" "$WANT" \
    "group lb: nfcapd lb1 + lb2 totals == the capture's"
is_num "$(nfdump_seq_failures "$E2E_TMP/lb1")" 0 \
    "group lb: lb1 saw no sequence failure"
is_num "$(nfdump_seq_failures "$E2E_TMP/lb2")" 0 \
    "group lb: lb2 saw no sequence failure"
{ nfdump_flows "$E2E_TMP/lb1"; nfdump_flows "$E2E_TMP/lb2"; } | sort \
    >"$P.got"
flows_as_nfdump "$P.flows" >"$P.want"
if cmp -s "$P.got" "$P.want"; then
	ok "group lb: lb1 + lb2 record lists == FLOWS.txt" \
	    "($(wc -l <"$P.want") records, each once)"
else
	not_ok "group lb: lb1 + lb2 record lists == FLOWS.txt"
	diff "$P.want" "$P.got" | head -n 20 | sed 's/^/#   /'
fi

t=$(nfdump_totals "$E2E_TMP/v5")
s=$(nfdump_seq_failures "$E2E_TMP/v5")
is "$t seq $s" "$WANT seq 0" \
    "v5 next to the group: full totals, no sequence failure"
is "$(nfdump_totals "$E2E_TMP/v1")" "$WANT" \
    "v1 next to v5: full totals (records packets bytes)"

# -------------------------------------------------------------- run 3

# flow-rate in file mode: the replay waits for the record bucket instead
# of dropping, so the collector gets everything, and the run cannot be
# shorter than the bucket allows: (records - its depth) / rate seconds.
# A lower bound only: a slow machine makes the run longer, never shorter.
RATE=$(((WANT_REC + 1) / 2))		# about 2 s of records
start_nfcapd_any "$E2E_TMP/fr" || bail_out "nfcapd fr did not start"
NFCAPD_DIR=$E2E_TMP/fr
t0=$(date +%s%N)
run_pfflowd "$P.fr.out" "$P.fr.err" -r "$P.pcap" \
    -n "127.0.0.1:$NFCAPD_PORT,rate=0,flow-rate=$RATE,burst=1,name=fr"
rc=$?
t1=$(date +%s%N)
stop_nfcapd || diag "nfcapd fr did not stop cleanly"
last_dump "$P.fr.err" >"$P.fr.dump"
min_ms=$(((WANT_REC - 30) * 1000 / RATE))	# depth: burst 1 = 30 records
ms=$(((t1 - t0) / 1000000))
sent=$(stat export.collector.fr.records "$P.fr.dump")
waits=$(stat export.collector.fr.pacing_waits "$P.fr.dump")
if [ "$rc" = 0 ] && [ "$sent" = "$WANT_REC" ] &&
    [ "$(no_drops_sum "$P.fr.dump" fr)" = 0 ] && [ "${waits:-0}" -gt 0 ] &&
    [ "$ms" -ge "$min_ms" ]; then
	ok "flow-rate=$RATE, file mode: all $WANT_REC records sent in $ms ms" \
	    "(>= $min_ms), paced ($waits waits), none dropped"
else
	not_ok "flow-rate=$RATE, file mode: all records sent, paced, none" \
	    "dropped"
	diag "exit $rc; records '$sent' of $WANT_REC; pacing_waits '$waits';" \
	    "$ms ms, at least $min_ms expected"
	diag_file "$P.fr.err" 10
fi
t=$(nfdump_totals "$E2E_TMP/fr")
s=$(nfdump_seq_failures "$E2E_TMP/fr")
is "$t seq $s" "$WANT seq 0" \
    "flow-rate: its nfcapd got the full totals, no sequence failure"

diag "runtime $(($(date +%s) - start_s)) s"
finish
