#!/bin/bash
# Stopping a live pfflowd: SIGTERM drains, a second signal does not wait,
# and the pidfile keeps a second daemon out.  Live capture on a veth pair
# between two network namespaces of this test's own (see live_netns.sh);
# pfflowd runs as root, drops to nobody and chroots to an empty directory,
# as a deployed daemon does, with its pidfile in a root-owned directory.
#
# Run A: a replay at 400 frames/s; SIGTERM once a third of it is captured,
# while tcpreplay is still sending:
#   - pfflowd writes its pid to the pidfile; a second pfflowd with the same
#     -p refuses to start (exit 1) with a message naming the pidfile and
#     the pid, and the first one runs on
#   - pfflowd logs that it drains, and exits 0 within the drain deadline
#   - the final dump: every frame captured was decoded; every record made
#     was queued for the collector; the identity holds (queued = sent +
#     dropped) with 0 in queue, and nothing was dropped
#   - nfcapd stored exactly the records pfflowd says it sent, with no
#     sequence failure
#   - the pidfile is gone, or (its directory being root's) emptied and
#     the log says why
# Run B: a collector paced at 1 datagram/s with a backlog of datagrams;
# one SIGTERM: pfflowd sends what it can until the drain deadline (2 s),
# then exits 0 and counts the rest as dropped_at_exit (identity holds,
# 0 in queue).
# Run C: the same backlog; two SIGTERMs 0.2 s apart: pfflowd exits at
# once (well before the drain deadline), status 1, without a final dump.
#
# Needs root (namespaces, a live capture); skipped otherwise.

. "$(dirname "$0")/netns.sh" "network namespaces, live capture" "$@"

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

require_cmd ip nsenter tcpreplay nfcapd nfdump
require_binaries

plan 16

ip link set lo up || bail_out "cannot bring lo up in the test namespace"
# LeakSanitizer cannot work in a chroot (no /proc): in an ASan build, leak
# checks are off for these runs; live_netns.sh and reload.sh keep them.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# ------------------------------------------------------------------ setup

make_peer || bail_out "cannot create the veth pair"
gen "$E2E_TMP/g" -V 3 -l en10mb -n 6000 -s 21 || bail_out "pfsyncgen failed"
FRAMES=$(expect frames "$E2E_TMP/g.expect")
gen "$E2E_TMP/s" -V 3 -l en10mb -n 2000 -s 22 || bail_out "pfsyncgen failed"
SFRAMES=$(expect frames "$E2E_TMP/s.expect")
start_nfcapd_any "$E2E_TMP/nf" || bail_out "cannot start nfcapd"
mkdir -m 0755 "$E2E_TMP/run" "$E2E_TMP/empty" ||
	bail_out "cannot create directories"
PIDFILE=$E2E_TMP/run/pfflowd.pid
COMMON="-i pff0 -t 2 --user nobody --chroot $E2E_TMP/empty"

# ------------------------------------------------------------------ run A

ERR=$E2E_TMP/a.err
# shellcheck disable=SC2086
if ! start_pfflowd "$ERR" $COMMON -p "$PIDFILE" \
    -n "127.0.0.1:$NFCAPD_PORT"; then
	diag_file "$ERR" 20
	bail_out "pfflowd did not start"
fi
is "$(cat "$PIDFILE" 2>/dev/null)" "$PFF_PID" "the pidfile holds pfflowd's pid"

# shellcheck disable=SC2086
timeout -k 5 20 "$PFFLOWD" -d $COMMON -p "$PIDFILE" -n 127.0.0.1:9 \
    >"$E2E_TMP/second.out" 2>"$E2E_TMP/second.err" </dev/null
rc=$?
want="pfflowd: pidfile '$PIDFILE' is held by pid $PFF_PID: pfflowd is already running"
got=$(sed -n 1p "$E2E_TMP/second.err")
if [ "$rc" = 1 ] && [ "$got" = "$want" ]; then
	ok "a second pfflowd with the same -p refuses, naming the pidfile"
else
	not_ok "a second pfflowd with the same -p refuses, naming the pidfile"
	diag "exit status $rc (want 1)" "want: $want" " got: $got"
fi
if kill -0 "$PFF_PID" 2>/dev/null &&
    [ "$(cat "$PIDFILE" 2>/dev/null)" = "$PFF_PID" ]; then
	ok "the first pfflowd runs on, its pidfile untouched"
else
	not_ok "the first pfflowd runs on, its pidfile untouched"
fi

in_peer tcpreplay -i pff1 --pps=400 "$E2E_TMP/g.pcap" \
    >"$E2E_TMP/replay.out" 2>&1 &
REPLAY=$!
_e2e_track "$REPLAY"
wait_stat "$PFF_PID" "$ERR" capture.frames $((FRAMES / 3)) 150
if kill -0 "$REPLAY" 2>/dev/null; then
	ok "SIGTERM mid-stream: the replay is still sending"
else
	not_ok "SIGTERM mid-stream: the replay is still sending"
	diag_file "$E2E_TMP/replay.out" 10
fi
kill -TERM "$PFF_PID"
wait_exit "$PFF_PID" 150
is "$EXIT_RC" 0 "SIGTERM: pfflowd exits 0"
if grep -q '^pfflowd: Terminated: draining the pipeline$' "$ERR"; then
	ok "pfflowd logs that it drains the pipeline"
else
	not_ok "pfflowd logs that it drains the pipeline"
	grep '^pfflowd:' "$ERR" >"$E2E_TMP/log.txt"
	diag_file "$E2E_TMP/log.txt" 10
fi
_wait_gone "$REPLAY" 300
_e2e_untrack "$REPLAY"

F=$E2E_TMP/a.final
last_dump "$ERR" >"$F"
cf=$(stat capture.frames "$F")
df=$(stat decode.frames "$F")
if [ -n "$cf" ] && [ "$cf" -gt 0 ] && [ "$cf" -lt "$FRAMES" ] &&
    [ "$cf" = "$df" ]; then
	ok "final dump: every frame captured was decoded ($cf of $FRAMES sent)"
else
	not_ok "final dump: every frame captured was decoded"
	diag "capture.frames=$cf decode.frames=$df, replay of $FRAMES"
fi
er=$(stat export.records "$F")
is "$(stat export.collector.0.queued_records "$F")" "$er" \
    "final dump: every record made ($er) was queued for the collector"
check_identity "final dump: identity holds" "$F" 0
dropped=$(( $(stat export.collector.0.dropped_queue_full_records "$F") + \
    $(stat export.collector.0.dropped_send_error_records "$F") + \
    $(stat export.collector.0.dropped_at_exit_records "$F") ))
is "$dropped" 0 "final dump: nothing dropped"
stop_nfcapd
sent=$(stat export.collector.0.records "$F")
got=$(nfdump_totals "$E2E_TMP/nf" | awk '{ print $1 }')
is "$got" "$sent" "nfcapd stored exactly the $sent records sent"
is "$(nfdump_seq_failures "$E2E_TMP/nf")" 0 "nfcapd saw no sequence failure"
# Its directory is root's and pfflowd runs as nobody by then: it cannot
# unlink the file, so it empties it (naming no process) and says so.
if [ ! -e "$PIDFILE" ] || { [ ! -s "$PIDFILE" ] &&
    grep -q "^pfflowd: cannot remove pidfile '$PIDFILE' (Permission denied); emptied it instead" "$ERR"; }; then
	ok "the pidfile is removed at exit, or emptied with a log line saying why"
else
	not_ok "the pidfile is removed at exit, or emptied with a log line saying why"
	diag "$PIDFILE still there, holding '$(cat "$PIDFILE")'"
	grep pidfile "$ERR" | sed 's/^/#   /'
fi

# ------------------------------------------------------------- runs B, C

# backlog ERR: start pfflowd with a collector paced at 1 datagram/s, replay
# the small capture and wait until the queue holds over 50 datagrams.
backlog()
{
	local err=$1 q
	# shellcheck disable=SC2086
	start_pfflowd "$err" $COMMON -n 127.0.0.1:9,rate=1,burst=1 || return 1
	in_peer tcpreplay -i pff1 --pps=2000 "$E2E_TMP/s.pcap" \
	    >/dev/null 2>&1
	wait_stat "$PFF_PID" "$err" capture.frames "$SFRAMES" 100 || return 1
	wait_stat "$PFF_PID" "$err" export.collector.0.in_queue_datagrams 50 \
	    50 || return 1
}

ERRB=$E2E_TMP/b.err
if backlog "$ERRB"; then
	t0=$(date +%s%N)
	kill -TERM "$PFF_PID"
	wait_exit "$PFF_PID" 150
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	last_dump "$ERRB" >"$E2E_TMP/b.final"
	x=$(stat export.collector.0.dropped_at_exit_records "$E2E_TMP/b.final")
	if [ "$EXIT_RC" = 0 ] && [ "$ms" -ge 1500 ] && [ "$ms" -lt 10000 ] &&
	    [ "${x:-0}" -gt 0 ]; then
		ok "backlog, one SIGTERM: drains until the deadline ($ms ms)," \
		    "exit 0, $x records dropped at exit"
	else
		not_ok "backlog, one SIGTERM: drains until the deadline, exit 0," \
		    "the rest dropped at exit"
		diag "exit $EXIT_RC after $ms ms; dropped_at_exit_records '$x'"
	fi
	check_identity "backlog, one SIGTERM: identity holds" \
	    "$E2E_TMP/b.final" 0
else
	not_ok "backlog, one SIGTERM: drains until the deadline"
	not_ok "backlog, one SIGTERM: identity holds"
	diag "no backlog built"
	diag_file "$ERRB" 20
fi

ERRC=$E2E_TMP/c.err
if backlog "$ERRC"; then
	dumps=$(grep -c '^capture\.packets ' "$ERRC")
	kill -TERM "$PFF_PID"
	sleep 0.2
	t0=$(date +%s%N)
	kill -TERM "$PFF_PID"
	wait_exit "$PFF_PID" 150
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	after=$(grep -c '^capture\.packets ' "$ERRC")
	if [ "$EXIT_RC" = 1 ] && [ "$ms" -lt 1000 ] &&
	    [ "$after" = "$dumps" ]; then
		ok "two SIGTERMs: exits at once ($ms ms after the second)," \
		    "status 1, no final dump"
	else
		not_ok "two SIGTERMs: exits at once, status 1, no final dump"
		diag "exit $EXIT_RC, $ms ms after the second signal," \
		    "dumps before $dumps, after $after"
	fi
else
	not_ok "two SIGTERMs: exits at once"
	diag "no backlog built"
	diag_file "$ERRC" 20
fi

finish
