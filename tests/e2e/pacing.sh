#!/bin/bash
# Live mode (-i lo): a paced collector with a short queue must drop, count
# what it drops, and leave the exact gap in its flow_sequence; an unpaced
# collector next to it must lose nothing.
#
# pfflowd captures on lo and exports to FAST (an nfcapd, default pacing)
# and SLOW (an nfcapd behind rate=50,burst=5,queue=8).  tcpreplay puts a
# pfsync capture (its addresses rewritten to 127.N.M.2 -> 127.N.M.3, N and M
# random, which a BPF expression on pfflowd's command line selects; its
# MACs to unicast ones lo does not own, so the IP stack never takes the
# frames) onto lo at a bounded rate; pfflowd's own NetFlow datagrams on lo
# are UDP, which its capture filter (IP protocol 240) leaves out.  Once a
# SIGUSR1 dump shows every frame decoded, SIGTERM.  (As root, pfflowd gives
# up root once its capture and sockets are open: to nobody, chrooted into
# a directory of the test.)  Then:
#   - capture.frames == decode.frames == the capture's frames (nothing
#     lost on lo, none of pfflowd's own UDP picked up)
#   - pfflowd exits 0 after SIGTERM with a final dump
#   - FAST: records == queued_records == records_v5, no drop of any kind
#   - FAST's nfcapd: records_v5 records, packets_v4, bytes_v4, no
#     sequence failure
#   - SLOW: queued_records == records_v5, dropped_queue_full_records > 0,
#     and the identity queued = records + dropped (all kinds) + in_queue
#     holds with in_queue 0
#   - SLOW's nfcapd stored exactly SLOW's records counter
#   - SLOW's nfcapd saw sequence failures: > 0, and at most one per
#     dropped datagram.  nfdump 1.7.1 counts failures (datagrams whose
#     sequence is not the previous one + its count), not missing records,
#     so the record relation is asserted as received + dropped == queued
#   - on the wire (dumpcap on lo, if it can capture): SLOW's datagrams
#     start at sequence 0, never go back or overlap, the records they
#     carry add up to what nfcapd stored, the number of gaps equals
#     nfcapd's sequence failures, and the gaps plus what was dropped
#     after the last datagram sent add up to exactly the dropped records
# Needs the right to capture and inject on lo (root); else skipped.
#
# The replay runs at E2E_PACING_PPS frames/s (default 2000), not
# --topspeed: pfflowd's live ring (snaplen 65535, 16 MiB, immediate mode)
# holds about 128 frames, and a burst of 1471 frames at line rate on lo
# lost all but 128 of them in the kernel (capture.pcap.drop).

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd nfdump tcpreplay tcprewrite
require_binaries

start_s=$(date +%s)
PPS=${E2E_PACING_PPS:-2000}	# replay speed: well within pfflowd's ring

PF_PID=
PF_ERR=$E2E_TMP/pfflowd.err

# exit_status PID TENTHS: wait (polling every 0.1 s, at most TENTHS times)
# for our child PID to end; its exit status in EXIT_RC, or "timeout" (and
# KILL) if it does not end.  Not in a $(...): only this shell can wait.
EXIT_RC=
exit_status()
{
	local pid=$1 n=$2
	while [ "$n" -gt 0 ]; do
		if ! kill -0 "$pid" 2>/dev/null ||
		    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]
		then
			wait "$pid" 2>/dev/null
			EXIT_RC=$?
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	kill -KILL "$pid" 2>/dev/null
	_wait_gone "$pid" 50
	EXIT_RC=timeout
}

# ---------------------------------------------------------- the setup

P=$E2E_TMP/live
gen "$P" -V 3 -l en10mb -n 5000 --big-pct 5 -s 21 ||
	bail_out "pfsyncgen failed: $(head -n 3 "$P.gen.err")"
# Addresses of this run only: pfflowd's BPF expression selects them, so a
# concurrent run putting frames on lo does not count here.
NET=127.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
SRC_IP=$NET.2
DST_IP=$NET.3
tcprewrite --srcipmap="0.0.0.0/0:$SRC_IP/32" \
    --dstipmap="0.0.0.0/0:$DST_IP/32" \
    --enet-smac=02:00:00:00:00:02 --enet-dmac=02:00:00:00:00:03 \
    --fixcsum -i "$P.pcap" -o "$P.lo.pcap" >"$P.rewrite.log" 2>&1 ||
	bail_out "tcprewrite failed: $(head -n 3 "$P.rewrite.log")"
FRAMES=$(expect frames "$P.expect")
WANT_REC=$(expect records_v5 "$P.expect")
WANT="$WANT_REC $(expect packets_v4 "$P.expect") $(expect bytes_v4 \
    "$P.expect")"

start_nfcapd_any "$E2E_TMP/fast" || bail_out "nfcapd FAST did not start"
FAST_PID=$NFCAPD_PID FAST_PORT=$NFCAPD_PORT
start_nfcapd_any "$E2E_TMP/slow" || bail_out "nfcapd SLOW did not start"
SLOW_PID=$NFCAPD_PID SLOW_PORT=$NFCAPD_PORT

# Optional: SLOW's datagrams on the wire, for the exact sequence checks.
CAP=$E2E_TMP/slow.pcap
DC_PID=
WIRE=0
SENTINEL_PORT=
if command -v dumpcap >/dev/null 2>&1 && command -v tshark >/dev/null 2>&1
then
	SENTINEL_PORT=$(free_udp_port) || bail_out "no free UDP port"
	dumpcap -q -P -i lo -f "udp and (dst port $SLOW_PORT or dst port \
$SENTINEL_PORT)" -w "$CAP" </dev/null >"$E2E_TMP/dumpcap.out" \
	    2>"$E2E_TMP/dumpcap.err" &
	DC_PID=$!
	_e2e_track "$DC_PID"
	# Capturing once the file has its header (dumpcap writes it after
	# opening the device); bounded, ~10 s.
	n=100
	while [ "$n" -gt 0 ] && [ ! -s "$CAP" ] &&
	    kill -0 "$DC_PID" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	if [ ! -s "$CAP" ] || ! kill -0 "$DC_PID" 2>/dev/null; then
		diag "dumpcap cannot capture on lo; no wire checks:" \
		    "$(head -n 2 "$E2E_TMP/dumpcap.err")"
		kill -TERM "$DC_PID" 2>/dev/null
		_wait_gone "$DC_PID" 50 || kill -KILL "$DC_PID" 2>/dev/null
		_e2e_untrack "$DC_PID"
		DC_PID=
	else
		WIRE=1
	fi
fi

# pfflowd in the foreground, in the background of this script.  As root
# it gives up root once the capture and its sockets are open: to nobody
# (root if there is no such user), chrooted into an empty directory of ours
# (not the default /var/empty).
RUN_AS=nobody
id nobody >/dev/null 2>&1 || RUN_AS=root
: >"$PF_ERR"
# LeakSanitizer (ASan builds) needs /proc, which the chroot hides.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
"$PFFLOWD" -d -i lo --user "$RUN_AS" --chroot "$E2E_TMP/chroot" \
    -n "127.0.0.1:$FAST_PORT" \
    -n "127.0.0.1:$SLOW_PORT,rate=50,burst=5,queue=8" \
    "src host $SRC_IP and dst host $DST_IP" \
    >"$E2E_TMP/pfflowd.out" 2>"$PF_ERR" </dev/null &
PF_PID=$!
_e2e_track "$PF_PID"
n=100
while [ "$n" -gt 0 ] && ! grep -q 'capturing on lo' "$PF_ERR"; do
	if ! kill -0 "$PF_PID" 2>/dev/null; then
		_wait_gone "$PF_PID" 10
		_e2e_untrack "$PF_PID"
		# No right to capture: not applicable here.  Anything else
		# is pfflowd's failure.
		grep -q "cannot capture on 'lo'" "$PF_ERR" &&
			skip_all "pfflowd cannot capture on lo:" \
			    "$(head -n 1 "$PF_ERR")"
		bail_out "pfflowd -i lo exited at start: $(head -n 2 "$PF_ERR")"
	fi
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || bail_out "pfflowd did not say 'capturing on lo' in 10 s"

if ! timeout 60 tcpreplay -i lo --pps="$PPS" "$P.lo.pcap" \
    >"$E2E_TMP/tcpreplay.out" 2>&1; then
	skip_all "tcpreplay cannot send on lo:" \
	    "$(grep -v -i warning "$E2E_TMP/tcpreplay.out" | head -n 1)"
fi

plan 11

# Every frame through capture and decode: bounded polling with SIGUSR1.
n=75
got_c=
got_d=
while [ "$n" -gt 0 ]; do
	if usr1_dump "$PF_PID" "$PF_ERR" "$E2E_TMP/dump.txt"; then
		got_c=$(stat capture.frames "$E2E_TMP/dump.txt")
		got_d=$(stat decode.frames "$E2E_TMP/dump.txt")
		[ "$got_d" = "$FRAMES" ] && [ "$got_c" = "$FRAMES" ] && break
		[ "${got_c:-0}" -gt "$FRAMES" ] && break
	elif ! kill -0 "$PF_PID" 2>/dev/null; then
		break
	fi
	sleep 0.2
	n=$((n - 1))
done
if [ "$got_c" = "$FRAMES" ] && [ "$got_d" = "$FRAMES" ]; then
	ok "live on lo: capture.frames == decode.frames == $FRAMES frames"
else
	not_ok "live on lo: capture.frames == decode.frames == frames"
	diag "capture.frames '$got_c', decode.frames '$got_d'," \
	    "want $FRAMES" "$(grep '^capture\.' "$E2E_TMP/dump.txt")"
	diag_file "$E2E_TMP/tcpreplay.out" 12
fi

# SIGTERM: drain (at most 2 s in live mode), final dump, exit 0.
dumps_before=$(n_dumps "$PF_ERR")
kill -TERM "$PF_PID" 2>/dev/null
exit_status "$PF_PID" 150
rc=$EXIT_RC
_e2e_untrack "$PF_PID"
last_dump "$PF_ERR" >"$E2E_TMP/final.txt"
if [ "$rc" = 0 ] && grep -q 'draining the pipeline' "$PF_ERR" &&
    [ "$(n_dumps "$PF_ERR")" -gt "$dumps_before" ] &&
    [ -n "$(stat export.collector.1.rate "$E2E_TMP/final.txt")" ]; then
	ok "SIGTERM: pfflowd drained, printed a final dump, exit 0"
else
	not_ok "SIGTERM: pfflowd drained, printed a final dump, exit 0"
	diag "exit status '$rc'"
	diag_file "$PF_ERR" 10
fi
F=$E2E_TMP/final.txt

# Stop the sniffer after a sentinel it must have seen last.
if [ "$WIRE" = 1 ]; then
	printf 'pfflowd-e2e-sentinel' >"/dev/udp/127.0.0.1/$SENTINEL_PORT"
	n=100
	while [ "$n" -gt 0 ] && ! grep -aq 'pfflowd-e2e-sentinel' "$CAP"; do
		sleep 0.1
		n=$((n - 1))
	done
	[ "$n" -gt 0 ] || diag "dumpcap never wrote the sentinel datagram"
	kill -TERM "$DC_PID" 2>/dev/null
	_wait_gone "$DC_PID" 100 || kill -KILL "$DC_PID" 2>/dev/null
	_e2e_untrack "$DC_PID"
fi
NFCAPD_PID=$FAST_PID NFCAPD_DIR=$E2E_TMP/fast
stop_nfcapd || diag "nfcapd FAST did not stop cleanly"
NFCAPD_PID=$SLOW_PID NFCAPD_DIR=$E2E_TMP/slow
stop_nfcapd || diag "nfcapd SLOW did not stop cleanly"

# ---------------------------------------------------------------- FAST

c=export.collector.0
fq=$(stat $c.queued_records "$F")
fr=$(stat $c.records "$F")
fd=$(($(stat $c.dropped_queue_full_records "$F" || echo 999999) +
    $(stat $c.dropped_send_error_records "$F" || echo 999999) +
    $(stat $c.dropped_at_exit_records "$F" || echo 999999)))
if [ "$fq" = "$WANT_REC" ] && [ "$fr" = "$WANT_REC" ] && [ "$fd" = 0 ]; then
	ok "FAST: records == queued_records == records_v5 ($fr), no drop"
else
	not_ok "FAST: records == queued_records == records_v5, no drop"
	diag "queued_records '$fq', records '$fr', want $WANT_REC;" \
	    "dropped (all kinds) $fd"
fi
is "$(nfdump_totals "$E2E_TMP/fast") seq $(nfdump_seq_failures \
    "$E2E_TMP/fast")" "$WANT seq 0" \
    "FAST nfcapd: records packets bytes == the capture's, no sequence failure"

# ---------------------------------------------------------------- SLOW

c=export.collector.1
sq=$(stat $c.queued_records "$F")
sr=$(stat $c.records "$F")
sf=$(stat $c.dropped_queue_full_records "$F")
sfd=$(stat $c.dropped_queue_full_datagrams "$F")
ss_=$(stat $c.dropped_send_error_records "$F")
sx=$(stat $c.dropped_at_exit_records "$F")
is_num "$sq" "$WANT_REC" "SLOW: queued_records == records_v5"
if [ -n "$sf" ] && [ "$sf" -gt 0 ] && [ -n "$sfd" ] && [ "$sfd" -gt 0 ]; then
	ok "SLOW: dropped $sf records in $sfd datagrams for a full queue"
else
	not_ok "SLOW: dropped_queue_full_records > 0"
	diag "dropped_queue_full_records '$sf', _datagrams '$sfd'"
fi
check_identity "SLOW: identity holds" "$F" 1

slow_tot=$(nfdump_totals "$E2E_TMP/slow")
slow_rec=${slow_tot%% *}
is_num "$slow_rec" "$sr" "SLOW nfcapd stored exactly SLOW's records counter"

seqf=$(nfdump_seq_failures "$E2E_TMP/slow")
if [ -n "$seqf" ] && [ -n "$sfd" ] && [ "$seqf" -gt 0 ] &&
    [ "$seqf" -le "$sfd" ] && [ -n "$slow_rec" ] &&
    [ $((slow_rec + sf + ss_ + sx)) = "$sq" ]; then
	ok "SLOW nfcapd: $seqf sequence failures (0 < n <= $sfd dropped" \
	    "datagrams); $slow_rec received + $((sf + ss_ + sx)) dropped" \
	    "== $sq queued"
else
	not_ok "SLOW nfcapd: 0 < sequence failures <= dropped datagrams;" \
	    "received + dropped == queued"
	diag "sequence failures '$seqf', dropped datagrams '$sfd'," \
	    "received '$slow_rec', dropped records $((sf + ss_ + sx))," \
	    "queued '$sq'"
fi

# ---------------------------------------------------------------- wire

if [ "$WIRE" != 1 ]; then
	skip "SLOW on the wire: sequence gaps == dropped records" \
	    "no capture on lo (dumpcap)"
	skip "SLOW on the wire: gaps == nfcapd sequence failures" \
	    "no capture on lo (dumpcap)"
else
	tshark -n -r "$CAP" -d "udp.port==$SLOW_PORT,cflow" \
	    -Y "udp.dstport == $SLOW_PORT" -T fields -E separator=/t \
	    -e frame.number -e cflow.count -e cflow.sequence \
	    >"$E2E_TMP/wire.txt" 2>"$E2E_TMP/wire.err"
	# gaps: datagrams whose sequence is not previous + count (what
	# nfcapd counts); missing: the records those gaps skip, plus the
	# first sequence (0 if nothing before it was dropped); bad: a
	# sequence that goes back or overlaps.
	read -r dg recs gaps missing last bad <<EOF
$(awk -F'\t' '
	{ s = $3 + 0; c = $2 + 0 }
	NR == 1 { missing = s }
	NR > 1 {
		d = s - next_s
		if (d < 0) bad++
		else if (d > 0) { gaps++; missing += d }
	}
	{ next_s = s + c; recs += c; n++ }
	END { printf "%d %d %d %d %d %d\n", n, recs, gaps, missing,
	    next_s, bad }' "$E2E_TMP/wire.txt")
EOF
	# After the last datagram sent, pfflowd may still have dropped some:
	# the sequence it would have used next is queued_records.
	trailing=$((sq - last))
	sd=$(stat $c.datagrams "$F")
	if [ "$dg" = "$sd" ] && [ "$recs" = "$sr" ] && [ "$bad" = 0 ] &&
	    [ "$trailing" -ge 0 ] &&
	    [ $((missing + trailing)) = $((sf + ss_ + sx)) ]; then
		ok "SLOW on the wire: $dg datagrams, $recs records, sequence" \
		    "monotonic; gaps $missing + $trailing after the last" \
		    "== $((sf + ss_ + sx)) dropped records"
	else
		not_ok "SLOW on the wire: datagrams, records, monotonic" \
		    "sequence, gaps == dropped records"
		diag "wire: $dg datagrams (stat '$sd'), $recs records" \
		    "(stat '$sr'), $bad going back, gaps skip $missing," \
		    "trailing $trailing; dropped $((sf + ss_ + sx))"
		diag_file "$E2E_TMP/wire.txt" 20
		diag_file "$E2E_TMP/wire.err" 5
	fi
	is_num "$gaps" "$seqf" \
	    "SLOW on the wire: $gaps sequence gaps == nfcapd's sequence failures"
fi

diag "runtime $(($(date +%s) - start_s)) s"
finish
