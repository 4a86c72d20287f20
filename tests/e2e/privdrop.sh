#!/bin/bash
# Dropping root: a live pfflowd started as root runs every thread as the
# unprivileged user, in the chroot, with no capability left, and still
# captures, exports, dumps and stops.  In a network namespace of this
# test's own, on its loopback (nothing leaves it).
#
# The user is a system user made for this test (useradd -r, removed at the
# end), so its uid and gid are pfflowd's alone; nobody if useradd fails.
#   - pfflowd -d -i lo --user U --chroot DIR logs "capturing on lo"
#   - in every thread (/proc/PID/task/*/status): Uid and Gid are U's
#     (real, effective, saved, filesystem), Groups is U's group alone,
#     CapPrm and CapEff are 0
#   - /proc/PID/root and /proc/PID/cwd are DIR
#   - it still captures after the drop: the frames tcpreplay writes onto
#     lo are all counted in a SIGUSR1 dump, and the stats file (in a
#     directory U may write, named before the chroot) is written then
#   - SIGTERM: exit status 0, and nfcapd got every record
#   - --chroot "": the threads still run as U; /proc/PID/root is /
#   - the default user _pfflowd, when the system has it, is taken without
#     --user; an unknown --user is refused: exit 1, a message naming it
#
# Needs root; skipped otherwise.

. "$(dirname "$0")/netns.sh" "dropping privileges" "$@"

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"

require_cmd ip tcpreplay nfcapd nfdump jq
require_binaries

plan 12

ip link set lo up || bail_out "cannot bring lo up in the test namespace"
# LeakSanitizer cannot work in a chroot (no /proc): off for these runs.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# ------------------------------------------------------------- the user

TUSER=
if command -v useradd >/dev/null 2>&1; then
	TUSER=pffe2e$$
	if ! useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$TUSER" \
	    >/dev/null 2>&1; then
		TUSER=
	fi
fi
CREATED=$TUSER
[ -n "$TUSER" ] || TUSER=nobody
_pd_cleanup()
{
	_e2e_cleanup
	if [ -n "$CREATED" ]; then
		userdel "$CREATED" >/dev/null 2>&1
		getent group "$CREATED" >/dev/null 2>&1 &&
			groupdel "$CREATED" >/dev/null 2>&1
	fi
}
trap _pd_cleanup EXIT
TUID=$(id -u "$TUSER") || bail_out "no user $TUSER"
TGID=$(id -g "$TUSER") || bail_out "no group for $TUSER"
diag "running pfflowd as $TUSER ($TUID:$TGID)"

# --------------------------------------------------------------- helpers

# check_creds DESC PID UID GID [ROOT]: every thread of PID runs as UID:GID
# (all four ids), with GID as its only group and no capability; the
# process's root and cwd are ROOT (when given).
check_creds()
{
	local desc=$1 pid=$2 uid=$3 gid=$4 root=${5:-} t bad= n=0
	for t in /proc/"$pid"/task/*; do
		n=$((n + 1))
		awk -v u="$uid" -v g="$gid" -v t="$t" '
		    $1 == "Uid:" && !($2 == u && $3 == u && $4 == u && $5 == u) ||
		    $1 == "Gid:" && !($2 == g && $3 == g && $4 == g && $5 == g) ||
		    $1 == "Groups:" && !(NF == 2 && $2 == g) ||
		    ($1 == "CapPrm:" || $1 == "CapEff:") && $2 !~ /^0+$/ {
			print t ": " $0; bad = 1 }
		    END { exit bad }' "$t/status" >>"$E2E_TMP/creds.txt" ||
			bad=1
	done
	if [ "$n" -lt 3 ]; then
		bad=1
		echo "only $n threads" >>"$E2E_TMP/creds.txt"
	fi
	if [ -z "$bad" ]; then
		ok "$desc: all $n threads run as $uid:$gid, group $gid" \
		    "alone, no capability"
	else
		not_ok "$desc: every thread runs as $uid:$gid, no capability"
		diag_file "$E2E_TMP/creds.txt" 20
	fi
	rm -f "$E2E_TMP/creds.txt"
	[ -n "$root" ] || return 0
	# Without a chroot, -d leaves the working directory alone.
	if [ "$(readlink "/proc/$pid/root")" = "$root" ] &&
	    { [ "$root" = / ] ||
	    [ "$(readlink "/proc/$pid/cwd")" = "$root" ]; }; then
		ok "$desc: /proc/PID/root is $root"
	else
		not_ok "$desc: /proc/PID/root is $root"
		diag "root -> $(readlink "/proc/$pid/root")" \
		    "cwd -> $(readlink "/proc/$pid/cwd")"
	fi
}

# ------------------------------------------------------------------ setup

mkdir -m 0755 "$E2E_TMP/empty" "$E2E_TMP/stats" ||
	bail_out "cannot create directories"
chown "$TUSER" "$E2E_TMP/stats"
CHROOT=$(cd "$E2E_TMP/empty" && pwd -P)
STATS=$E2E_TMP/stats/pfflowd.json
gen "$E2E_TMP/g" -V 3 -l en10mb -n 300 -s 41 || bail_out "pfsyncgen failed"
FRAMES=$(expect frames "$E2E_TMP/g.expect")
RECORDS=$(expect records_v5 "$E2E_TMP/g.expect")
start_nfcapd_any "$E2E_TMP/nf" || bail_out "cannot start nfcapd"

# ------------------------------------------------------- user and chroot

ERR=$E2E_TMP/a.err
if start_pfflowd "$ERR" -i lo -t 2 -n "127.0.0.1:$NFCAPD_PORT" \
    --user "$TUSER" --chroot "$CHROOT" --stats-file "$STATS"; then
	ok "pfflowd -d -i lo --user $TUSER --chroot DIR: capturing on lo"
else
	not_ok "pfflowd -d -i lo --user $TUSER --chroot DIR: capturing on lo"
	diag_file "$ERR" 20
	bail_out "pfflowd did not start"
fi
check_creds "--user $TUSER --chroot DIR" "$PFF_PID" "$TUID" "$TGID" \
    "$CHROOT"

tcpreplay -i lo --pps=1000 "$E2E_TMP/g.pcap" >"$E2E_TMP/replay.out" 2>&1 ||
	diag_file "$E2E_TMP/replay.out" 10
if wait_stat "$PFF_PID" "$ERR" capture.frames "$FRAMES" 100; then
	ok "after the drop it captures: all $FRAMES frames in the SIGUSR1 dump"
else
	not_ok "after the drop it captures: all $FRAMES frames in the dump"
	diag_file "$E2E_TMP/dump.txt" 10
fi
got=$(jq -r '.counters["capture.frames"]' "$STATS" 2>/dev/null)
owner=$(command stat -c %u "$STATS" 2>/dev/null)
if [ "$got" = "$FRAMES" ] && [ "$owner" = "$TUID" ]; then
	ok "the stats file is written after the chroot, by $TUSER"
else
	not_ok "the stats file is written after the chroot, by $TUSER"
	diag "capture.frames in $STATS: '$got'; owner uid '$owner'"
	grep '^pfflowd:' "$ERR" >"$E2E_TMP/log.txt"
	diag_file "$E2E_TMP/log.txt" 10
fi
wait_stat "$PFF_PID" "$ERR" export.collector.0.records "$RECORDS" 50
kill -TERM "$PFF_PID"
wait_exit "$PFF_PID" 150
is "$EXIT_RC" 0 "SIGTERM: exit status 0"
stop_nfcapd
is "$(nfdump_totals "$E2E_TMP/nf" | awk '{ print $1 }')" "$RECORDS" \
    "nfcapd got all $RECORDS records, sent after the drop"

# ------------------------------------------------------------- no chroot

ERR=$E2E_TMP/b.err
if start_pfflowd "$ERR" -i lo -t 1 -n 127.0.0.1:9 --user "$TUSER" \
    --chroot ""; then
	check_creds "--chroot \"\"" "$PFF_PID" "$TUID" "$TGID" /
	kill -TERM "$PFF_PID"
	wait_exit "$PFF_PID" 150
else
	not_ok "--chroot \"\": every thread runs as $TUSER"
	not_ok "--chroot \"\": /proc/PID/root is /"
	diag_file "$ERR" 20
fi

# --------------------------------------------------------- default user

if getent passwd _pfflowd >/dev/null 2>&1; then
	ERR=$E2E_TMP/c.err
	if start_pfflowd "$ERR" -i lo -t 1 -n 127.0.0.1:9 --chroot ""; then
		check_creds "no --user: _pfflowd" "$PFF_PID" \
		    "$(id -u _pfflowd)" "$(id -g _pfflowd)"
		kill -TERM "$PFF_PID"
		wait_exit "$PFF_PID" 150
	else
		not_ok "no --user: every thread runs as _pfflowd"
		diag_file "$ERR" 20
	fi
else
	skip "no --user: every thread runs as _pfflowd" \
	    "this system has no _pfflowd user"
fi

ERR=$E2E_TMP/d.err
timeout -k 5 20 "$PFFLOWD" -d -i lo -n 127.0.0.1:9 --user pff-no-such-user \
    --chroot "" </dev/null >/dev/null 2>"$ERR"
rc=$?
want="pfflowd: user 'pff-no-such-user' does not exist: create it (e.g. useradd -r -s /usr/sbin/nologin pff-no-such-user) or set --user"
is "$rc" 1 "an unknown --user: exit status 1"
is "$(sed -n 1p "$ERR")" "$want" "an unknown --user: the message names it"

finish
