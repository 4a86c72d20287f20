# daemon.sh - helpers for the tests that run pfflowd as a live daemon
# (live_netns.sh, reload.sh, shutdown.sh, privdrop.sh): a peer network
# namespace joined by a veth pair, starting pfflowd and waiting for it,
# SIGUSR1 dumps and their counters.  Sourced after lib.sh.

# make_peer: a second namespace, held by a sleeping process (PEER), and a
# veth pair: pff0 here, pff1 there, both up, IPv6 off (no stray packets).
PEER=
make_peer()
{
	local n=50
	unshare --net sleep 3600 </dev/null >/dev/null 2>&1 &
	PEER=$!
	_e2e_track "$PEER"
	while [ "$(readlink "/proc/$PEER/ns/net" 2>/dev/null)" = \
	    "$(readlink /proc/self/ns/net)" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	ip link add pff0 type veth peer name pff1 netns "$PEER" || return 1
	sysctl -qw net.ipv6.conf.pff0.disable_ipv6=1 2>/dev/null
	in_peer sysctl -qw net.ipv6.conf.pff1.disable_ipv6=1 2>/dev/null
	ip link set pff0 up && in_peer ip link set pff1 up
}

in_peer()
{
	nsenter --net="/proc/$PEER/ns/net" "$@"
}

# start_pfflowd ERR ARGS...: pfflowd -d ARGS in the background (PFF_PID),
# stderr to ERR; wait (~10 s) for "capturing on".
PFF_PID=
start_pfflowd()
{
	local err=$1 n=100
	shift
	"$PFFLOWD" -d "$@" </dev/null >/dev/null 2>"$err" &
	PFF_PID=$!
	_e2e_track "$PFF_PID"
	while [ "$n" -gt 0 ]; do
		grep -qs '^pfflowd: capturing on ' "$err" && return 0
		kill -0 "$PFF_PID" 2>/dev/null || return 1
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_exit PID TENTHS: wait for our child PID to exit; its status in
# EXIT_RC (124 if it did not exit in time).
EXIT_RC=
wait_exit()
{
	local pid=$1 n=$2
	while [ "$n" -gt 0 ]; do
		if ! kill -0 "$pid" 2>/dev/null ||
		    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			wait "$pid"
			EXIT_RC=$?
			_e2e_untrack "$pid"
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	EXIT_RC=124
	return 1
}

# dump PID ERR: SIGUSR1, wait (~5 s) until the new dump is complete (the
# last line of each of its DUMP_NCOLL collectors), then copy it alone to
# $E2E_TMP/dump.txt.
DUMP_NCOLL=1
dump()
{
	local pid=$1 err=$2 before n=50
	before=$(grep -sc '^export\.collector\.[A-Za-z0-9_]*\.rate ' "$err")
	kill -USR1 "$pid" 2>/dev/null || return 1
	while [ "$n" -gt 0 ]; do
		if [ "$(grep -sc '^export\.collector\.[A-Za-z0-9_]*\.rate ' "$err")" \
		    -ge $((before + DUMP_NCOLL)) ]; then
			last_dump "$err" >"$E2E_TMP/dump.txt"
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_stat PID ERR NAME MIN TENTHS: dump until NAME >= MIN (bounded).
wait_stat()
{
	local pid=$1 err=$2 name=$3 min=$4 n=$5 v
	while [ "$n" -gt 0 ]; do
		if dump "$pid" "$err"; then
			v=$(stat "$name" "$E2E_TMP/dump.txt")
			[ -n "$v" ] && [ "$v" -ge "$min" ] && return 0
		fi
		sleep 0.2
		n=$((n - 2))
	done
	return 1
}
