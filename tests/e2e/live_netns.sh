#!/bin/bash
# Live capture (-i) end to end, on a veth pair between two network
# namespaces of this test's own: nothing leaves them.
#
#   this script's namespace (unshare --net): pfflowd -d -i pff0 and nfcapd
#       on this namespace's loopback
#   a peer namespace (held by a sleeping process): tcpreplay writes a
#       generated Ethernet capture (pfsync v3) onto pff1, the other end
#
# Run 1, at a bounded rate (1000 frames/s: a sync network, not a flood):
#   - pfflowd logs "capturing on pff0" (after dropping root to nobody)
#   - within a bounded wait its SIGUSR1 dump shows every frame captured,
#     and capture.pcap.recv / capture.pcap.drop lines, recv counting at
#     least those frames (libpcap's counters are current, not stale)
#   - SIGTERM: exit status 0; the final dump's collector identity holds
#     (queued = sent + dropped, 0 in queue) and nothing was dropped
#   - nfcapd stored the generator's records_v5 / packets_v4 / bytes_v4
#     with no sequence failure
# Run 2, the same capture at top speed: whatever the kernel could not
# hand over is counted, never lost silently: capture.packets +
# capture.pcap.drop = capture.pcap.recv.
#
# Needs root (namespaces, a live capture); skipped otherwise.

. "$(dirname "$0")/netns.sh" "network namespaces, live capture" "$@"

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

require_cmd ip nsenter tcpreplay nfcapd nfdump
require_binaries

plan 10

ip link set lo up || bail_out "cannot bring lo up in the test namespace"

# ------------------------------------------------------------------ setup

make_peer || bail_out "cannot create the veth pair"
gen "$E2E_TMP/g" -V 3 -l en10mb -n 2000 -s 11 || bail_out "pfsyncgen failed"
FRAMES=$(expect frames "$E2E_TMP/g.expect")
RECORDS=$(expect records_v5 "$E2E_TMP/g.expect")
WANT="$RECORDS $(expect packets_v4 "$E2E_TMP/g.expect") $(expect bytes_v4 \
    "$E2E_TMP/g.expect")"
start_nfcapd_any "$E2E_TMP/nf" || bail_out "cannot start nfcapd"

# ------------------------------------------------------------------ run 1

ERR=$E2E_TMP/pfflowd.err
if start_pfflowd "$ERR" -i pff0 -t 2 -n "127.0.0.1:$NFCAPD_PORT" \
    --user nobody --chroot ""; then
	ok "pfflowd -d -i pff0: capturing on pff0"
else
	not_ok "pfflowd -d -i pff0: capturing on pff0"
	diag_file "$ERR" 20
	bail_out "pfflowd did not start"
fi

in_peer tcpreplay -i pff1 --pps=1000 "$E2E_TMP/g.pcap" \
    >"$E2E_TMP/replay.out" 2>&1
rc=$?
sent=$(awk '/Successful packets:/ { print $3 }' "$E2E_TMP/replay.out")
if [ "$rc" = 0 ] && [ "$sent" = "$FRAMES" ]; then
	ok "tcpreplay wrote all $FRAMES frames onto pff1"
else
	not_ok "tcpreplay wrote all $FRAMES frames onto pff1"
	diag "exit status $rc, sent '$sent'"
	diag_file "$E2E_TMP/replay.out" 20
fi

if wait_stat "$PFF_PID" "$ERR" capture.frames "$FRAMES" 150; then
	ok "the SIGUSR1 dump shows all $FRAMES frames captured"
else
	not_ok "the SIGUSR1 dump shows all $FRAMES frames captured"
	diag_file "$E2E_TMP/dump.txt" 20
fi
# libpcap's counters are refreshed by the capture thread (every 100 ms).
wait_stat "$PFF_PID" "$ERR" capture.pcap.recv "$FRAMES" 50
recv=$(stat capture.pcap.recv "$E2E_TMP/dump.txt")
drop=$(stat capture.pcap.drop "$E2E_TMP/dump.txt")
if [ -n "$recv" ] && [ -n "$drop" ] && [ "$recv" -ge "$FRAMES" ]; then
	ok "the dump shows capture.pcap.recv ($recv, every frame) and" \
	    "capture.pcap.drop ($drop)"
else
	not_ok "the dump shows capture.pcap.recv (counting every frame) and" \
	    "capture.pcap.drop"
	diag "capture.pcap.recv '$recv' (want >= $FRAMES, the frames captured)"
	diag "capture.pcap.drop '$drop'"
fi

# Every record is out once the flush timer (1 s) has sent the last one.
wait_stat "$PFF_PID" "$ERR" export.collector.0.records "$RECORDS" 100

kill -TERM "$PFF_PID"
wait_exit "$PFF_PID" 150
is "$EXIT_RC" 0 "SIGTERM: pfflowd exits 0"
last_dump "$ERR" >"$E2E_TMP/final.txt"
check_identity "final dump: identity holds" "$E2E_TMP/final.txt" 0
is "$(stat export.collector.0.records "$E2E_TMP/final.txt")" "$RECORDS" \
    "final dump: all $RECORDS records sent"

stop_nfcapd
is "$(nfdump_totals "$E2E_TMP/nf")" "$WANT" \
    "nfcapd stored records_v5 packets_v4 bytes_v4 of the generator"
is "$(nfdump_seq_failures "$E2E_TMP/nf")" 0 "nfcapd saw no sequence failure"

# ------------------------------------------------------------------ run 2

ERR2=$E2E_TMP/burst.err
if start_pfflowd "$ERR2" -i pff0 -t 1 -n 127.0.0.1:9 --user nobody \
    --chroot ""; then
	in_peer tcpreplay -i pff1 --topspeed "$E2E_TMP/g.pcap" \
	    >"$E2E_TMP/burst.out" 2>&1
	# Stop once the kernel has handed over what it kept: the count of
	# packets read stays the same for 0.3 s.  The final dump, after the
	# capture has stopped, has libpcap's final counters.
	n=30
	prev=-1
	while [ "$n" -gt 0 ]; do
		dump "$PFF_PID" "$ERR2" || break
		p=$(stat capture.packets "$E2E_TMP/dump.txt")
		[ "${p:-0}" -gt 0 ] && [ "$p" = "$prev" ] && break
		prev=$p
		sleep 0.3
		n=$((n - 1))
	done
	kill -TERM "$PFF_PID"
	wait_exit "$PFF_PID" 150
	last_dump "$ERR2" >"$E2E_TMP/burst.txt"
	r=$(stat capture.pcap.recv "$E2E_TMP/burst.txt")
	p=$(stat capture.packets "$E2E_TMP/burst.txt")
	d=$(stat capture.pcap.drop "$E2E_TMP/burst.txt")
	if [ "$EXIT_RC" = 0 ] && [ "${r:-0}" -ge "$FRAMES" ] &&
	    [ $((p + d)) -eq "$r" ]; then
		ok "top speed: every packet captured or counted dropped" \
		    "($p captured + $d dropped = $r received)"
	else
		not_ok "top speed: every packet captured or counted dropped"
		diag "exit $EXIT_RC; recv=$r packets=$p pcap.drop=$d"
	fi
	[ "${d:-0}" -gt 0 ] &&
		diag "the kernel dropped $d of $FRAMES frames sent at top speed"
else
	not_ok "top speed: every packet captured or counted dropped"
	diag_file "$ERR2" 20
fi

finish
