#!/bin/bash
# SIGHUP under load: the collectors are swapped live, the unchanged one
# does not notice.  Live capture on a veth pair between two network
# namespaces of this test's own (see live_netns.sh); pfflowd runs as root
# and drops to nobody, with -f naming its configuration by absolute path.
#
# Collectors, each an nfcapd on this namespace's loopback:
#   K   in the file before and after the reload, unchanged: kept; named
#       "kept", so its counters are export.collector.kept.* throughout
#       although its position changes
#   R   only before: removed
#   N   only after: added
# While tcpreplay sends a capture at 250 frames/s, the file is rewritten
# (R out, N in, threads changed) and pfflowd gets SIGHUP.
#   - the log says "reloaded '<file>': 1 collectors kept, 1 added,
#     1 removed (removed ones sent S records, dropped D)", and warns that
#     the thread count needs a restart; the replay was still running
#   - K, kept with its socket, queue and sequence, got every record of the
#     capture: its nfcapd stored records_v5 / packets_v4 / bytes_v4 with
#     no sequence failure, and its identity holds (queued = sent +
#     dropped, 0 in queue)
#   - N's identity holds; it got part of the records, and its nfcapd all
#     it sent, with no sequence failure
#   - R's nfcapd got the S records the log reports, without a sequence
#     failure, and nothing was lost at the swap: S + D + N's queued
#     records = records_v5 (each datagram went to R or to N)
#   - a bad file on SIGHUP: "reload failed, keeping the running
#     configuration: <file>:<line>: <reason>" and the dump still shows the
#     same two collectors; pfflowd exits 0 on SIGTERM
# The -f path forms a deployment uses must reload too:
#   - after a chroot (the default for a live daemon), -f /abs/path
#   - without a chroot, -f relative/path
#
# Needs root (namespaces, a live capture); skipped otherwise.

. "$(dirname "$0")/netns.sh" "network namespaces, live capture" "$@"

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

require_cmd ip nsenter tcpreplay nfcapd nfdump
require_binaries
# Absolute: one case runs pfflowd from another directory.
HERE=$(pwd)
case "$PFFLOWD" in /*) ;; *) PFFLOWD=$HERE/$PFFLOWD ;; esac

plan 17

ip link set lo up || bail_out "cannot bring lo up in the test namespace"

# --------------------------------------------------------------- helpers

# start_nfcapd_named NAME: start_nfcapd_any into $E2E_TMP/NAME; remember
# its pid, directory and port as NAME_PID, NAME_DIR, NAME_PORT.
start_nfcapd_named()
{
	start_nfcapd_any "$E2E_TMP/$1" || return 1
	eval "$1_PID=\$NFCAPD_PID $1_DIR=\$NFCAPD_DIR $1_PORT=\$NFCAPD_PORT"
}

# stop_nfcapd_named NAME
stop_nfcapd_named()
{
	eval "NFCAPD_PID=\$$1_PID NFCAPD_DIR=\$$1_DIR"
	stop_nfcapd
}

# wait_log ERR RE TENTHS: wait until a line of ERR matches RE.
wait_log()
{
	local n=$3
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ------------------------------------------------------------------ setup

chmod 0755 "$E2E_TMP"	# nobody reads the file by its path after the drop
mkdir -m 0755 "$E2E_TMP/etc" "$E2E_TMP/empty" ||
	bail_out "cannot create directories"
make_peer || bail_out "cannot create the veth pair"
gen "$E2E_TMP/g" -V 3 -l en10mb -n 4000 -s 31 || bail_out "pfsyncgen failed"
FRAMES=$(expect frames "$E2E_TMP/g.expect")
RECORDS=$(expect records_v5 "$E2E_TMP/g.expect")
WANT="$RECORDS $(expect packets_v4 "$E2E_TMP/g.expect") $(expect bytes_v4 \
    "$E2E_TMP/g.expect")"
for c in K R N; do
	start_nfcapd_named $c || bail_out "cannot start nfcapd $c"
done

CONF=$E2E_TMP/etc/pfflowd.conf
cat >"$CONF" <<EOT
interface "pff0"
threads 2
collector 127.0.0.1:$K_PORT {
	name kept
}
collector 127.0.0.1:$R_PORT
EOT

# ------------------------------------------------------------- the reload

ERR=$E2E_TMP/pfflowd.err
if ! start_pfflowd "$ERR" -f "$CONF" --user nobody --chroot ""; then
	diag_file "$ERR" 20
	bail_out "pfflowd did not start"
fi
DUMP_NCOLL=2
# 250 frames/s: about 4.4 s of replay, so that even a sanitizer build,
# whose SIGUSR1 dumps are slow, reloads while frames are still coming.
in_peer tcpreplay -i pff1 --pps=250 "$E2E_TMP/g.pcap" \
    >"$E2E_TMP/replay.out" 2>&1 &
REPLAY=$!
_e2e_track "$REPLAY"
wait_stat "$PFF_PID" "$ERR" capture.frames $((FRAMES / 4)) 150
K_BEFORE=$(stat export.collector.kept.records "$E2E_TMP/dump.txt")

cat >"$CONF.new" <<EOT
# R removed, N added, K unchanged; a thread count that needs a restart.
interface "pff0"
threads 3
collector 127.0.0.1:$N_PORT
collector 127.0.0.1:$K_PORT {
	name kept
}
EOT
mv "$CONF.new" "$CONF"
kill -HUP "$PFF_PID"
RE="^pfflowd: reloaded '$CONF': 1 collectors kept, 1 added, 1 removed \(removed ones sent [0-9]+ records, dropped [0-9]+\)$"
if wait_log "$ERR" "$RE" 100; then
	ok "SIGHUP: reloaded, 1 collectors kept, 1 added, 1 removed"
else
	not_ok "SIGHUP: reloaded, 1 collectors kept, 1 added, 1 removed"
	grep '^pfflowd:' "$ERR" >"$E2E_TMP/log.txt"
	diag_file "$E2E_TMP/log.txt" 10
fi
if kill -0 "$REPLAY" 2>/dev/null; then
	ok "the reload happened under load: the replay was still sending"
else
	not_ok "the reload happened under load: the replay was still sending"
fi
if grep -q "^pfflowd: reload: settings other than collectors changed in '.*'; they take effect after a restart\$" "$ERR"; then
	ok "the changed thread count is reported as needing a restart"
else
	not_ok "the changed thread count is reported as needing a restart"
fi
line=$(grep -E "$RE" "$ERR" | tail -1)
R_SENT=$(echo "$line" | sed -E 's/.*sent ([0-9]+) records, dropped ([0-9]+)\)$/\1/')
R_DROPPED=$(echo "$line" | sed -E 's/.*sent ([0-9]+) records, dropped ([0-9]+)\)$/\2/')

_wait_gone "$REPLAY" 300
_e2e_untrack "$REPLAY"
wait_stat "$PFF_PID" "$ERR" capture.frames "$FRAMES" 100
# K moved from position 0 to 1; its name kept its counters' key.
wait_stat "$PFF_PID" "$ERR" export.collector.kept.records "$RECORDS" 100
if [ -n "$K_BEFORE" ] && [ "$K_BEFORE" -gt 0 ] &&
    [ "$(stat export.collector.kept.records "$E2E_TMP/dump.txt")" = \
    "$RECORDS" ] &&
    [ -z "$(stat export.collector.1.records "$E2E_TMP/dump.txt")" ]; then
	ok "the named collector's counters keep their key across the reload"
else
	not_ok "the named collector's counters keep their key across the reload"
	diag "before: kept.records '$K_BEFORE'; after: kept.records" \
	    "'$(stat export.collector.kept.records "$E2E_TMP/dump.txt")'," \
	    "1.records '$(stat export.collector.1.records "$E2E_TMP/dump.txt")'"
fi

# A bad file keeps the running configuration.
cat >"$CONF" <<EOT
interface "pff0"
collector 127.0.0.1:$K_PORT {
	name kept
}
threads 0
EOT
kill -HUP "$PFF_PID"
want="pfflowd: reload failed, keeping the running configuration: $CONF:5: bad thread count '0': expected a number from 1 to 64"
if wait_log "$ERR" "^pfflowd: reload failed" 100 &&
    grep -qxF "$want" "$ERR"; then
	ok "a bad file on SIGHUP: the reload fails and says why"
else
	not_ok "a bad file on SIGHUP: the reload fails and says why"
	diag "want: $want"
	grep '^pfflowd:' "$ERR" >"$E2E_TMP/log.txt"
	diag_file "$E2E_TMP/log.txt" 10
fi
if dump "$PFF_PID" "$ERR" &&
    [ -n "$(stat export.collector.0.records "$E2E_TMP/dump.txt")" ] &&
    [ -n "$(stat export.collector.kept.records "$E2E_TMP/dump.txt")" ] &&
    [ "$(grep -c '^export\.collector\.[^.]*\.records ' \
    "$E2E_TMP/dump.txt")" = 2 ]; then
	ok "after the failed reload the same two collectors run"
else
	not_ok "after the failed reload the same two collectors run"
	grep '^export\.collector\..*\.records ' "$E2E_TMP/dump.txt" \
	    >"$E2E_TMP/c.txt"
	diag_file "$E2E_TMP/c.txt" 10
fi

kill -TERM "$PFF_PID"
wait_exit "$PFF_PID" 150
is "$EXIT_RC" 0 "SIGTERM: pfflowd exits 0"
F=$E2E_TMP/final.txt
last_dump "$ERR" >"$F"

# K: every record, no gap.
check_identity "kept collector: identity holds" "$F" kept
is "$(stat export.collector.kept.records "$F")" "$RECORDS" \
    "kept collector: sent every record of the capture"
for c in K R N; do
	stop_nfcapd_named $c
done
is "$(nfdump_totals "$K_DIR")" "$WANT" \
    "kept collector's nfcapd stored the generator's totals"
is "$(nfdump_seq_failures "$K_DIR")" 0 \
    "kept collector's nfcapd saw no sequence failure"

# N: part of them.
check_identity "added collector: identity holds" "$F" 0
n_sent=$(stat export.collector.0.records "$F")
n_queued=$(stat export.collector.0.queued_records "$F")
if [ -n "$n_sent" ] && [ "$n_sent" -gt 0 ] && [ "$n_sent" -lt "$RECORDS" ] &&
    [ "$(nfdump_totals "$N_DIR" | awk '{ print $1 }')" = "$n_sent" ] &&
    [ "$(nfdump_seq_failures "$N_DIR")" = 0 ]; then
	ok "added collector: its nfcapd stored the $n_sent records sent," \
	    "no sequence failure"
else
	not_ok "added collector: its nfcapd stored the records sent"
	diag "sent '$n_sent' of $RECORDS; nfcapd: $(nfdump_totals "$N_DIR")," \
	    "sequence failures $(nfdump_seq_failures "$N_DIR")"
fi

# R: what it sent before the swap, and nothing lost at the swap.
if [ -n "$R_SENT" ] && [ "$R_SENT" -gt 0 ] &&
    [ "$(nfdump_totals "$R_DIR" | awk '{ print $1 }')" = "$R_SENT" ] &&
    [ "$(nfdump_seq_failures "$R_DIR")" = 0 ]; then
	ok "removed collector: its nfcapd stored the $R_SENT records the" \
	    "log reports, no sequence failure"
else
	not_ok "removed collector: its nfcapd stored the records the log" \
	    "reports"
	diag "log: sent '$R_SENT' dropped '$R_DROPPED'; nfcapd:" \
	    "$(nfdump_totals "$R_DIR"), sequence failures" \
	    "$(nfdump_seq_failures "$R_DIR")"
fi
is "$((${R_SENT:-0} + ${R_DROPPED:-0} + ${n_queued:-0}))" "$RECORDS" \
    "every datagram went to the removed or the added collector, once"

# ------------------------------------------------ the -f forms that reload

# reload_case DESC DIR CONF_ARG ARGS...: in DIR, start pfflowd -f
# CONF_ARG ARGS (the file then has one collector), add a collector to the
# file, SIGHUP: the log must say it reloaded, 1 kept and 1 added.
reload_case()
{
	local desc=$1 dir=$2 arg=$3 err
	shift 3
	err=$E2E_TMP/case$RANDOM.err
	printf 'interface "lo"\nthreads 1\ncollector 127.0.0.1:9\n' >"$CONF"
	cd "$dir" || return
	if ! start_pfflowd "$err" -f "$arg" "$@"; then
		cd "$HERE" || return
		not_ok "$desc"
		diag_file "$err" 10
		return
	fi
	cd "$HERE" || return
	printf 'collector 127.0.0.1:10\n' >>"$CONF"
	kill -HUP "$PFF_PID"
	if wait_log "$err" "^pfflowd: reload(ed| failed)" 50 &&
	    grep -q "^pfflowd: reloaded '$arg': 1 collectors kept, 1 added, 0 removed" "$err"; then
		ok "$desc"
	else
		not_ok "$desc"
		grep '^pfflowd:' "$err" >"$E2E_TMP/log.txt"
		diag_file "$E2E_TMP/log.txt" 10
	fi
	kill -TERM "$PFF_PID"
	wait_exit "$PFF_PID" 150 || kill -KILL "$PFF_PID" 2>/dev/null
}

# LeakSanitizer cannot work in a chroot (no /proc).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    reload_case "reload after chroot, -f by absolute path" / "$CONF" \
    --user nobody --chroot "$E2E_TMP/empty"
reload_case "reload with -f by relative path" "$E2E_TMP" etc/pfflowd.conf \
    --user nobody --chroot ""

finish
