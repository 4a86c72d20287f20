#!/bin/bash
# Statistics while pfflowd runs and at its end: SIGUSR1 dumps on stderr and
# the --stats-file JSON.
#
# A file run (-r) made slow by pacing: --rate 25 --burst 1 for collector 0
# (an nfcapd), so its queue drains for a few seconds after the capture has
# been read; collector 1 (another nfcapd) overrides that with rate=0,burst=32
# and is done at once.  With --stats-file F --stats-interval 1:
#   - the interval alone writes F while pfflowd runs (before any SIGUSR1)
#   - a SIGUSR1 dump taken mid-run adds up: capture.frames ==
#     decode.frames == the capture's frames; per collector
#     queued = records + dropped (all kinds) + in_queue, with collector 0
#     still holding records (in_queue_records > 0)
#   - collector 1 is not held up by collector 0 (collector.h: "A collector
#     never holds up another"): mid-run it has nothing left in its queue
#   - the F written for that SIGUSR1 parses (jq), has a numeric time_ms,
#     and the same counter names as the stderr dump
#   - F is replaced atomically: read back-to-back while SIGUSR1s rewrite it,
#     every read parses and the inode changes (rename, not rewrite in place)
#   - pfflowd exits 0; the F written at exit holds exactly the final stderr
#     dump (every name, every value, no duplicate, nothing more), its
#     time_ms lies within the run, and no F.tmp is left behind
#   - pacing in file mode loses nothing: collector 0 dropped nothing and its
#     nfcapd got every record, without a sequence failure
#
# A dump taken while threads run is documented (stats.h) as "consistent
# enough": here only the exporter still runs, sending one datagram every
# 40 ms, so the identity is checked on a dump that has no other writer.

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd nfdump jq
require_binaries

plan 12

start_s=$(date +%s)
P=$E2E_TMP/slow
F=$E2E_TMP/stats.json
ERR=$E2E_TMP/pfflowd.err
PF_PID=

# json_pairs FILE: the counters of a stats JSON as sorted "name value"
# lines (jq 1.6 prints numbers as doubles: exact below 2^53, which every
# counter here is, far).
json_pairs()
{
	jq -r '.counters | to_entries[] | "\(.key) \(.value)"' "$1" | sort
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

gen "$P" -V 3 -n 1500 -s 31 ||
	bail_out "pfsyncgen failed: $(head -n 3 "$P.gen.err")"
FRAMES=$(expect frames "$P.expect")
WANT_REC=$(expect records_v5 "$P.expect")
WANT="$WANT_REC $(expect packets_v4 "$P.expect") $(expect bytes_v4 \
    "$P.expect")"

start_nfcapd_any "$E2E_TMP/c0" || bail_out "nfcapd did not start"
C0_PID=$NFCAPD_PID C0_PORT=$NFCAPD_PORT
start_nfcapd_any "$E2E_TMP/c1" || bail_out "nfcapd did not start"
C1_PID=$NFCAPD_PID C1_PORT=$NFCAPD_PORT

t0=$(now_ms)
: >"$ERR"
timeout -k 5 "$E2E_TIMEOUT" "$PFFLOWD" -r "$P.pcap" --rate 25 --burst 1 \
    --stats-file "$F" --stats-interval 1 \
    -n "127.0.0.1:$C0_PORT" -n "127.0.0.1:$C1_PORT,rate=0,burst=32" \
    >"$E2E_TMP/pfflowd.out" 2>"$ERR" </dev/null &
# Signals go to pfflowd itself (timeout does not pass SIGUSR1 on).
TO_PID=$!
_e2e_track "$TO_PID"
n=50
while [ "$n" -gt 0 ] && [ -z "$PF_PID" ]; do
	PF_PID=$(ps -o pid= --ppid "$TO_PID" 2>/dev/null | tr -d ' ')
	[ -n "$PF_PID" ] || sleep 0.1
	n=$((n - 1))
done
[ -n "$PF_PID" ] || bail_out "pfflowd did not start"

# 1. the interval writes the file while pfflowd runs.  Until then no
# SIGUSR1: the file also says that pfflowd has blocked the signal.
n=100
while [ "$n" -gt 0 ] && [ ! -s "$F" ] && kill -0 "$PF_PID" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
if [ -s "$F" ] && kill -0 "$PF_PID" 2>/dev/null; then
	ok "--stats-interval 1 wrote the stats file while pfflowd runs"
else
	not_ok "--stats-interval 1 wrote the stats file while pfflowd runs"
	diag "file: $(ls -l "$F" 2>&1)"
	diag_file "$ERR" 10
fi

# 2-5. a dump mid-run (the first one with every frame decoded).
D=$E2E_TMP/mid.txt
n=10
while [ "$n" -gt 0 ]; do
	usr1_dump "$PF_PID" "$ERR" "$D" || break
	[ "$(stat decode.frames "$D")" = "$FRAMES" ] && break
	sleep 0.2
	n=$((n - 1))
done
cf=$(stat capture.frames "$D" 2>/dev/null)
df=$(stat decode.frames "$D" 2>/dev/null)
if [ "$cf" = "$FRAMES" ] && [ "$df" = "$FRAMES" ]; then
	ok "SIGUSR1 mid-run: capture.frames == decode.frames == $FRAMES"
else
	not_ok "SIGUSR1 mid-run: capture.frames == decode.frames == frames"
	diag "capture.frames '$cf', decode.frames '$df', want $FRAMES"
fi
id0=$(identity "$D" 0)
id1=$(identity "$D" 1)
set -- $id0
if [ "$#" = 3 ] && [ "$1" = "$2" ] && [ "$3" -gt 0 ]; then
	ok "SIGUSR1 mid-run: collector 0 identity $1 queued = $2 (sent +" \
	    "dropped + in_queue), $3 records still queued"
else
	not_ok "SIGUSR1 mid-run: collector 0 identity, in_queue_records > 0"
	diag "queued sum in_queue: '$id0'"
	grep '^export\.collector\.0\.' "$D" >"$E2E_TMP/diag.txt"
	diag_file "$E2E_TMP/diag.txt" 25
fi
set -- $id1
if [ "$#" = 3 ] && [ "$1" = "$2" ] && [ "$1" = "$WANT_REC" ]; then
	ok "SIGUSR1 mid-run: collector 1 identity $1 queued = $2 (sent +" \
	    "dropped + in_queue)"
else
	not_ok "SIGUSR1 mid-run: collector 1 identity"
	diag "queued sum in_queue: '$id1' (want $WANT_REC queued)"
fi
# collector.h: "A collector never holds up another".  Collector 1 is not
# paced, so by now (seconds after the capture was read) it has sent
# everything, the last partly filled datagram included (the capture's
# record count is not a multiple of 30, so there is one).
[ $((WANT_REC % 30)) != 0 ] ||
	diag "records_v5 $WANT_REC is a multiple of 30: no partly filled" \
	    "last datagram, the next check proves less"
if [ "$#" = 3 ] && [ "$3" = 0 ]; then
	ok "SIGUSR1 mid-run: unpaced collector 1 not held up by paced" \
	    "collector 0 (0 records in its queue)"
else
	not_ok "SIGUSR1 mid-run: unpaced collector 1 not held up by paced" \
	    "collector 0 (0 records in its queue)"
	diag "collector 1 in_queue_records '${3:-}' while collector 0 still\
 drains $(stat export.collector.0.in_queue_records "$D") queued records"
fi

# 6. the JSON written for that SIGUSR1 (after the stderr dump: wait until
# it has the dump's names).
cut -d' ' -f1 "$D" | sort >"$E2E_TMP/mid.names"
n=50
while [ "$n" -gt 0 ]; do
	if jq -e '.time_ms | numbers' "$F" >/dev/null 2>&1 &&
	    json_pairs "$F" | cut -d' ' -f1 | cmp -s - "$E2E_TMP/mid.names"
	then
		break
	fi
	sleep 0.1
	n=$((n - 1))
done
if [ "$n" -gt 0 ]; then
	ok "stats file on SIGUSR1: parses, numeric time_ms, the dump's" \
	    "$(wc -l <"$E2E_TMP/mid.names") counter names"
else
	not_ok "stats file on SIGUSR1: parses, time_ms, the dump's names"
	jq . "$F" 2>&1 | head -n 5 | sed 's/^/#   /'
	json_pairs "$F" 2>/dev/null | cut -d' ' -f1 |
	    diff "$E2E_TMP/mid.names" - | head -n 10 | sed 's/^/#   /'
fi

# 7. atomic replacement: rewrite it with SIGUSR1 while reading it back.
reads=0 bad=0 inodes=
ino_last=
n=300
while [ "$n" -gt 0 ] && kill -0 "$PF_PID" 2>/dev/null; do
	kill -USR1 "$PF_PID" 2>/dev/null
	for _ in 1 2 3; do
		if content=$(cat "$F" 2>/dev/null) &&
		    printf '%s' "$content" |
		    jq -e '.counters | length > 0' >/dev/null 2>&1; then
			:
		else
			bad=$((bad + 1))
			printf '%s\n' "$content" >"$E2E_TMP/bad.json"
		fi
		reads=$((reads + 1))
		ino=$(command stat -c %i "$F" 2>/dev/null)
		if [ -n "$ino" ] && [ "$ino" != "$ino_last" ]; then
			inodes="$inodes $ino"
			ino_last=$ino
		fi
	done
	n=$((n - 1))
done
n_ino=$(echo $inodes | wc -w)
if [ "$bad" = 0 ] && [ "$reads" -ge 10 ] && [ "$n_ino" -ge 2 ]; then
	ok "stats file replaced atomically: $reads reads all parse," \
	    "$n_ino inodes seen"
else
	not_ok "stats file replaced atomically (every read parses, the" \
	    "inode changes)"
	diag "$reads reads, $bad did not parse, inodes:$inodes"
	[ -s "$E2E_TMP/bad.json" ] && diag_file "$E2E_TMP/bad.json" 10
fi

# 8. the end
exit_rc=timeout
n=600
while [ "$n" -gt 0 ]; do
	if ! kill -0 "$TO_PID" 2>/dev/null ||
	    [ "$(ps -o stat= -p "$TO_PID" 2>/dev/null | cut -c1)" = Z ]; then
		wait "$TO_PID" 2>/dev/null
		exit_rc=$?
		break
	fi
	sleep 0.1
	n=$((n - 1))
done
_e2e_untrack "$TO_PID"
t1=$(now_ms)
last_dump "$ERR" >"$E2E_TMP/final.txt"
is "$exit_rc" 0 "pfflowd exit 0"

# 9. JSON at exit == final dump, every name and value
sort "$E2E_TMP/final.txt" >"$E2E_TMP/final.sorted"
json_pairs "$F" >"$E2E_TMP/json.sorted" 2>"$E2E_TMP/json.err"
# Lines of the counters object in the raw text: a duplicate name would
# collapse in jq but not here.
raw=$(sed -n '/"counters"/,$p' "$F" |
    grep -cE '^ *"[A-Za-z0-9_.]+": [0-9]+,?$')
if [ -s "$E2E_TMP/final.sorted" ] &&
    cmp -s "$E2E_TMP/final.sorted" "$E2E_TMP/json.sorted" &&
    [ "$raw" = "$(wc -l <"$E2E_TMP/final.sorted")" ]; then
	ok "stats file at exit == final stderr dump" \
	    "($(wc -l <"$E2E_TMP/final.sorted") counters, names and values)"
else
	not_ok "stats file at exit == final stderr dump"
	diag "dump lines $(wc -l <"$E2E_TMP/final.sorted"), JSON pairs" \
	    "$(wc -l <"$E2E_TMP/json.sorted"), raw JSON counter lines $raw"
	diff "$E2E_TMP/final.sorted" "$E2E_TMP/json.sorted" | head -n 20 |
	    sed 's/^/#   /'
	diag_file "$E2E_TMP/json.err" 5
fi

# 10. time_ms within the run, no .tmp left
tm=$(jq -r '.time_ms' "$F" 2>/dev/null)
if [ -n "$tm" ] && [ "$tm" -ge "$t0" ] 2>/dev/null &&
    [ "$tm" -le "$t1" ] && [ ! -e "$F.tmp" ]; then
	ok "stats file at exit: time_ms within the run, no $(basename \
	    "$F").tmp left"
else
	not_ok "stats file at exit: time_ms within the run, no .tmp left"
	diag "time_ms '$tm', run from $t0 to $t1 ms"
	ls -la "$E2E_TMP" | sed 's/^/#   /'
fi

# 11-12. pacing in file mode is lossless
NFCAPD_PID=$C0_PID NFCAPD_DIR=$E2E_TMP/c0
stop_nfcapd || diag "nfcapd 0 did not stop cleanly"
NFCAPD_PID=$C1_PID NFCAPD_DIR=$E2E_TMP/c1
stop_nfcapd || diag "nfcapd 1 did not stop cleanly"
id=$(identity "$E2E_TMP/final.txt" 0)
r=$(stat export.collector.0.records "$E2E_TMP/final.txt")
w=$(stat export.collector.0.pacing_waits "$E2E_TMP/final.txt")
if [ "$id" = "$WANT_REC $WANT_REC 0" ] && [ "$r" = "$WANT_REC" ] &&
    [ -n "$w" ] && [ "$w" -gt 0 ]; then
	ok "paced collector 0: all $r records sent, none dropped," \
	    "$w pacing waits"
else
	not_ok "paced collector 0: all records sent, none dropped," \
	    "pacing waits > 0"
	diag "queued sum in_queue '$id', records '$r', pacing_waits '$w'," \
	    "want $WANT_REC"
fi
is "$(nfdump_totals "$E2E_TMP/c0") seq $(nfdump_seq_failures \
    "$E2E_TMP/c0")" "$WANT seq 0" \
    "paced collector 0: nfcapd totals == the capture's, no sequence failure"

diag "runtime $(($(date +%s) - start_s)) s"
finish
