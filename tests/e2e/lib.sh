# Shared helpers for the end-to-end tests (sourced, never run).
#
# The tests speak TAP for automake's tap-driver.sh: a plan line `1..N`, one
# `ok`/`not ok` line per test, diagnostics as `# ` lines.  Each script sources
# this file, calls `plan N` (or `skip_all REASON`), runs its tests and ends
# with `finish`.
#
# Environment (set by `make check`, see AM_TESTS_ENVIRONMENT in Makefile.am):
#   PFFLOWD, PFSYNCGEN  absolute paths of the daemon and the capture generator
#   top_srcdir          source tree (relative to the build directory)
# Optional:
#   E2E_KEEP=1          keep the temporary directory for inspection
#   E2E_TIMEOUT=SECS    upper bound for one pfflowd run (default 120)
#
# Every wait in here is bounded and polls for a condition (a bound port, a
# log line, a process gone); nothing sleeps and hopes.

set -u
export LC_ALL=C
export TZ=UTC

E2E_NAME=$(basename "$0" .sh)
E2E_TIMEOUT=${E2E_TIMEOUT:-120}

if [ -z "${top_builddir:-}" ]; then
	top_builddir=.
fi
PFFLOWD=${PFFLOWD:-$top_builddir/pfflowd}
PFSYNCGEN=${PFSYNCGEN:-$top_builddir/pfsyncgen}

# ------------------------------------------------------------------ TAP

_tap_n=0
_tap_failed=0
_tap_planned=

# plan N: print the plan; call once, before the first test.
plan()
{
	_tap_planned=$1
	echo "1..$1"
}

# skip_all REASON: the whole script does not apply here.
skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

# bail_out REASON: stop everything (tap-driver reports an error).
bail_out()
{
	echo "Bail out! $E2E_NAME: $*"
	exit 1
}

diag()
{
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do
		printf '# %s\n' "$line"
	done
}

# diag_file FILE [MAXLINES]: show (the head of) a file as diagnostics.
diag_file()
{
	local f=$1 max=${2:-40} n
	if [ ! -e "$f" ]; then
		diag "($f does not exist)"
		return
	fi
	n=$(wc -l <"$f")
	diag "--- $f ($n lines)"
	head -n "$max" "$f" | sed 's/^/#   /'
	if [ "$n" -gt "$max" ]; then
		diag "    ... $((n - max)) more lines"
	fi
}

ok()
{
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

not_ok()
{
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}

# skip DESC REASON
skip()
{
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

# is GOT EXPECTED DESC: string equality, with both values on failure.
is()
{
	if [ "$1" = "$2" ]; then
		ok "$3"
		return 0
	fi
	not_ok "$3"
	diag "expected: '$2'" "     got: '$1'"
	return 1
}

# is_num GOT EXPECTED DESC: both must be decimal integers and equal.
is_num()
{
	case "$1" in '' | *[!0-9]*) ;; *)
		case "$2" in '' | *[!0-9]*) ;; *)
			if [ "$1" -eq "$2" ]; then
				ok "$3"
				return 0
			fi ;;
		esac ;;
	esac
	not_ok "$3"
	diag "expected: '$2'" "     got: '$1'"
	return 1
}

# finish: end of script; the exit status says whether anything failed.
finish()
{
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" != "$_tap_n" ]; then
		diag "planned $_tap_planned tests but ran $_tap_n"
		exit 1
	fi
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

# ------------------------------------------------------------ temp dir

# Processes we started (nfcapd, tshark); the EXIT trap ends them by pid.
_e2e_pids=

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pfflowd-e2e-$E2E_NAME.XXXXXX") ||
	bail_out "cannot create a temporary directory"

_e2e_cleanup()
{
	local pid
	for pid in $_e2e_pids; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in $_e2e_pids; do
		_wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null
	done
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "# kept $E2E_TMP"
	else
		rm -rf "$E2E_TMP"
	fi
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

_e2e_track()
{
	_e2e_pids="$_e2e_pids $1"
}

_e2e_untrack()
{
	local p out=
	for p in $_e2e_pids; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	_e2e_pids=$out
}

# _wait_gone PID TENTHS: wait until PID has exited (and been reaped if it is
# our child), polling every 0.1 s at most TENTHS times.
_wait_gone()
{
	local pid=$1 n=$2
	while [ "$n" -gt 0 ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			return 0
		fi
		# A zombie child still answers kill -0: reap it if it is ours.
		if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			wait "$pid" 2>/dev/null
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# --------------------------------------------------------- binaries

# require_binaries [pfflowd] [pfsyncgen]: the programs under test (default:
# both) must exist, or nothing here means anything.
require_binaries()
{
	local b
	for b in "${@:-pfflowd pfsyncgen}"; do
		case "$b" in
		*pfflowd*) [ -x "$PFFLOWD" ] ||
			bail_out "PFFLOWD ($PFFLOWD) is not executable" ;;
		esac
		case "$b" in
		*pfsyncgen*) [ -x "$PFSYNCGEN" ] ||
			bail_out "PFSYNCGEN ($PFSYNCGEN) is not executable" ;;
		esac
	done
}

# require_cmd CMD...: skip the whole script when a tool is missing.
require_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			skip_all "$c is not installed"
	done
}

# gen OUT_PREFIX ARGS...: run pfsyncgen, writing OUT_PREFIX.pcap,
# OUT_PREFIX.expect and OUT_PREFIX.flows.  Returns its status; its stderr is
# in OUT_PREFIX.gen.err.
gen()
{
	local p=$1
	shift
	"$PFSYNCGEN" -o "$p.pcap" -e "$p.expect" -f "$p.flows" "$@" \
	    >"$p.gen.out" 2>"$p.gen.err"
}

# expect KEY FILE: the value of `KEY value` in a pfsyncgen EXPECT file, or
# nothing (status 1) when the key is absent.
expect()
{
	awk -v k="$1" '$1 == k { v = $2; found = 1 }
	    END { if (found) print v; exit !found }' "$2"
}

# expect0 KEY FILE: like expect, but an absent key counts as 0 (the bad.*,
# link.* and msg.* keys only list what the generator produced).
expect0()
{
	expect "$1" "$2" || echo 0
}

# stat NAME FILE: the value of the `NAME value` stats line pfflowd printed on
# stderr (saved in FILE); nothing and status 1 when there is none.  Names are
# lower case except the message kinds (decode.msg.UPD_C).  (This shadows
# coreutils stat(1) in the test scripts; use `command stat` or wc.)
stat()
{
	awk -v k="$1" '/^[A-Za-z0-9_.]+ [0-9]+$/ && $1 == k { v = $2; found = 1 }
	    END { if (found) print v; exit !found }' "$2"
}

# last_dump ERR: the last stats dump in a pfflowd stderr file, "name value"
# lines only.  Every dump lists the same counters in the same order, so the
# last one starts at the last line naming the first counter of the first.
last_dump()
{
	awk '!/^[A-Za-z0-9_.]+ [0-9]+$/ { next }
	    first == "" { first = $1 }
	    $1 == first { n = 0 }
	    { l[n++] = $0 }
	    END { for (i = 0; i < n; i++) print l[i] }' "$1"
}

# n_dumps ERR: how many dumps ERR holds (lines naming the first counter).
n_dumps()
{
	awk '!/^[A-Za-z0-9_.]+ [0-9]+$/ { next }
	    first == "" { first = $1 }
	    $1 == first { n++ }
	    END { print n + 0 }' "$1" 2>/dev/null || echo 0
}

# usr1_dump PID ERR OUT: SIGUSR1 pfflowd PID, wait (~5 s) until that dump
# is in its stderr file ERR and complete (one more dump, and ERR no longer
# growing), write it to OUT.  1 if pfflowd did not answer.
usr1_dump()
{
	local pid=$1 err=$2 out=$3 before n=50 size=-1 now
	before=$(n_dumps "$err")
	kill -USR1 "$pid" 2>/dev/null || return 1
	while [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
		[ "$(n_dumps "$err")" -gt "$before" ] || continue
		now=$(wc -c <"$err")
		[ "$now" = "$size" ] && break
		size=$now
	done
	[ "$n" -gt 0 ] || return 1
	last_dump "$err" >"$out"
}

# identity DUMP KEY: "queued sum in_queue" for collector KEY (its name or
# position), sum = sent + every dropped_* + in_queue records; "missing"
# (and 1) when a counter is not in DUMP.  collector.h's identity holds
# when queued = sum.
identity()
{
	local d=$1 c="export.collector.$2" q r f s x i
	q=$(stat "$c.queued_records" "$d")
	r=$(stat "$c.records" "$d")
	f=$(stat "$c.dropped_queue_full_records" "$d")
	s=$(stat "$c.dropped_send_error_records" "$d")
	x=$(stat "$c.dropped_at_exit_records" "$d")
	i=$(stat "$c.in_queue_records" "$d")
	if [ -z "$q" ] || [ -z "$r" ] || [ -z "$f" ] || [ -z "$s" ] ||
	    [ -z "$x" ] || [ -z "$i" ]; then
		echo "missing"
		return 1
	fi
	echo "$q $((r + f + s + x + i)) $i"
}

# check_identity DESC DUMP KEY: collector KEY's identity holds in DUMP and
# nothing is left in its queue (a dump at exit).
check_identity()
{
	local desc=$1 d=$2 key=$3 id
	id=$(identity "$d" "$key")
	set -- $id
	if [ "$#" = 3 ] && [ "$1" = "$2" ] && [ "$3" = 0 ]; then
		ok "$desc ($1 queued = sent + dropped, 0 in queue)"
		return 0
	fi
	not_ok "$desc"
	diag "queued, sent + dropped + in_queue, in_queue: $id"
	grep "^export\.collector\.$key\." "$d" >"$E2E_TMP/diag.txt"
	diag_file "$E2E_TMP/diag.txt" 30
	return 1
}

# run_pfflowd OUT ERR ARGS...: run pfflowd with a time bound; stdout to OUT,
# stderr to ERR; returns pfflowd's exit status (124 = timed out).
run_pfflowd()
{
	local out=$1 err=$2
	shift 2
	timeout -k 5 "$E2E_TIMEOUT" "$PFFLOWD" "$@" >"$out" 2>"$err"
}

# ------------------------------------------------------------ UDP ports

# udp_port_bound PORT [PID]: is a UDP socket bound to PORT (by PID)?
# Uses ss(8) when it is there, else /proc/net/udp{,6} (and, for PID, the
# socket inodes in /proc/PID/fd).
udp_port_bound()
{
	local port=$1 pid=${2:-} lines inodes ino
	if command -v ss >/dev/null 2>&1; then
		lines=$(ss -Hlunp "sport = :$port" 2>/dev/null) || return 1
		[ -n "$lines" ] || return 1
		[ -z "$pid" ] && return 0
		case "$lines" in *"pid=$pid,"*) return 0 ;; esac
		return 1
	fi
	inodes=$(cat /proc/net/udp /proc/net/udp6 2>/dev/null |
	    awk -v p="$(printf '%04X' "$port")" '
		NR > 1 { split($2, a, ":"); if (a[2] == p) print $10 }')
	[ -n "$inodes" ] || return 1
	[ -z "$pid" ] && return 0
	for ino in $inodes; do
		ls -l "/proc/$pid/fd" 2>/dev/null |
		    grep -q "socket:\[$ino\]" && return 0
	done
	return 1
}

# free_udp_port: print a UDP port in 20000-60000 that nothing is bound to.
# Other test runs may share the machine, so the pick is random and whoever
# binds it next (start_nfcapd) checks that it got it.
free_udp_port()
{
	local i p
	for i in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
		if ! udp_port_bound "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# --------------------------------------------------------------- nfcapd

NFCAPD_PID=
NFCAPD_DIR=
NFCAPD_PORT=

# start_nfcapd DIR PORT [BIND]: run nfcapd in the background writing flow
# files into DIR (created), listening on BIND (default 127.0.0.1) PORT; wait
# until nfcapd itself has the port bound (at most ~10 s).  Sets NFCAPD_PID,
# NFCAPD_DIR, NFCAPD_PORT; its log is DIR.log.  Returns 1 if it never got
# the port (then the log says why).
start_nfcapd()
{
	local dir=$1 port=$2 bind=${3:-127.0.0.1} n fam=-4
	case "$bind" in *:*) fam=-6 ;; esac
	mkdir -p "$dir" || return 1
	# -B: a larger receive buffer, so a burst from pfflowd in file mode is
	# not dropped by the kernel before nfcapd reads it (capped by
	# net.core.rmem_max).
	nfcapd $fam -w "$dir" -p "$port" -b "$bind" -P "$dir.pid" \
	    -B 4194304 >"$dir.log" 2>&1 </dev/null &
	NFCAPD_PID=$!
	NFCAPD_DIR=$dir
	NFCAPD_PORT=$port
	_e2e_track "$NFCAPD_PID"
	n=100
	while [ "$n" -gt 0 ]; do
		udp_port_bound "$port" "$NFCAPD_PID" && return 0
		kill -0 "$NFCAPD_PID" 2>/dev/null || break
		sleep 0.1
		n=$((n - 1))
	done
	diag "nfcapd did not bind 127.0.0.1:$port"
	diag_file "$dir.log"
	stop_nfcapd
	return 1
}

# start_nfcapd_any DIR [BIND]: start_nfcapd on a free port, retrying a few
# times if another process wins the race for it.
start_nfcapd_any()
{
	local i p
	for i in 1 2 3 4 5; do
		p=$(free_udp_port) || return 1
		start_nfcapd "$1" "$p" "${2:-127.0.0.1}" 2>/dev/null && return 0
		rm -rf "$1" "$1.log" "$1.pid"
	done
	return 1
}

# stop_nfcapd: SIGTERM the running nfcapd and wait (at most ~10 s) until it
# has exited, i.e. renamed nfcapd.current.* to its final flow file.
# udp_rx_queued PORT: bytes waiting in the receive queue of the UDP socket
# bound to PORT (0 when none), from /proc/net/udp{,6}.
udp_rx_queued()
{
	local hex sum=0
	# Field 5 is tx_queue:rx_queue in hex (plain awk has no hex input).
	for hex in $(cat /proc/net/udp /proc/net/udp6 2>/dev/null |
	    awk -v p="$(printf '%04X' "$1")" 'NR > 1 { split($2, a, ":")
		if (a[2] == p) { split($5, q, ":"); print q[2] } }'); do
		sum=$((sum + 16#$hex))
	done
	echo "$sum"
}

stop_nfcapd()
{
	local pid=$NFCAPD_PID n=50
	[ -n "$pid" ] || return 0
	NFCAPD_PID=
	# Datagrams still queued on its socket would be lost to SIGTERM: let
	# nfcapd read them first (bounded, ~5 s).
	while [ -n "${NFCAPD_PORT:-}" ] && [ "$n" -gt 0 ] &&
	    [ "$(udp_rx_queued "$NFCAPD_PORT")" != 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -TERM "$pid" 2>/dev/null
	if ! _wait_gone "$pid" 100; then
		diag "nfcapd $pid did not exit within 10 s of SIGTERM; killing"
		kill -KILL "$pid" 2>/dev/null
		_wait_gone "$pid" 50
		_e2e_untrack "$pid"
		return 1
	fi
	_e2e_untrack "$pid"
	if ls "$NFCAPD_DIR"/nfcapd.current.* >/dev/null 2>&1; then
		diag "nfcapd left $(ls "$NFCAPD_DIR"/nfcapd.current.*)"
		return 1
	fi
	return 0
}

# nfdump_totals DIR: print "flows packets bytes" over all flow files in DIR.
nfdump_totals()
{
	nfdump -R "$1" -I 2>/dev/null | awk -F': *' '
	    $1 == "Flows" { f = $2 } $1 == "Packets" { p = $2 }
	    $1 == "Bytes" { b = $2 }
	    END { if (f == "" || p == "" || b == "") exit 1
		  print f, p, b }'
}

# nfdump_seq_failures DIR: print the number of sequence failures nfcapd saw
# (nfdump -I "Sequence failures:" summed over the files).
nfdump_seq_failures()
{
	nfdump -R "$1" -I 2>/dev/null | awk -F': *' '
	    $1 == "Sequence failures" { s = $2; found = 1 }
	    END { if (!found) exit 1; print s }'
}

# nfdump_flows DIR: print every record in DIR as a line of the FLOWS.txt
# format of pfsyncgen (but see flows_as_nfdump), sorted (LC_ALL=C):
#   <proto> <srcip> <sport> <dstip> <dport> <packets> <bytes> <first_ms> <last_ms>
# -N keeps numbers unscaled and the protocol numeric.  The times are taken
# from %ts/%te ("YYYY-MM-DD HH:MM:SS.mmm", in UTC because TZ=UTC), not from
# %tsr/%ter: nfdump 1.7.1 misprints the milliseconds of %ter
# (x.995 s prints as x.095).
nfdump_flows()
{
	nfdump -R "$1" -q -N -6 \
	    -o 'fmt:%pr|%sa|%sp|%da|%dp|%pkt|%byt|%ts|%te' 2>/dev/null |
	awk -F'|' '
	# days_from_civil (H. Hinnant): days since 1970-01-01 for a date in
	# the proleptic Gregorian calendar.
	function days(y, m, d,    era, yoe, doy, doe) {
		y -= (m <= 2)
		era = int((y >= 0 ? y : y - 399) / 400)
		yoe = y - era * 400
		doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
		doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
		return era * 146097 + doe - 719468
	}
	function ms(s,    a, b, t) {
		# "2023-11-14 22:13:19.995"
		gsub(/^ +| +$/, "", s)
		split(s, a, /[- :.]/)
		t = days(a[1] + 0, a[2] + 0, a[3] + 0) * 86400 + \
		    a[4] * 3600 + a[5] * 60 + a[6]
		return sprintf("%.0f", t * 1000 + a[7])
	}
	function trim(s) { gsub(/^ +| +$/, "", s); return s }
	NF == 9 {
		dp = trim($5)
		# ICMP: nfcapd keeps the v5 dst port as "type.code", with type
		# the low byte of the (host-order) port: rebuild the port.
		if (split(dp, tc, /\./) == 2)
			dp = tc[2] * 256 + tc[1]
		printf "%s %s %s %s %s %s %s %s %s\n", trim($1), trim($2),
		    trim($3), trim($4), dp, trim($6), trim($7),
		    ms($8), ms($9)
	}' | sort
}

# flows_as_nfdump FLOWS: the expected FLOWS.txt lines as nfdump_flows can
# show them: nfcapd does not keep the source port of an ICMP record (%sp
# prints 0), so that one field is zeroed for protocol 1.  The wire value is
# checked by tshark.sh.
flows_as_nfdump()
{
	awk '$1 == 1 { $3 = 0 } { print }' "$1" | sort
}

# ------------------------------------------------------------ pcap bits

# pcap_header FILE LINKTYPE: write a 24-byte little-endian pcap global
# header (magic a1b2c3d4, version 2.4, thiszone 0, sigfigs 0, snaplen 65535,
# network LINKTYPE) and nothing else.
pcap_header()
{
	local f=$1 lt=$2 b0 b1 b2 b3
	b0=$(printf '%03o' $((lt & 255)))
	b1=$(printf '%03o' $(((lt >> 8) & 255)))
	b2=$(printf '%03o' $(((lt >> 16) & 255)))
	b3=$(printf '%03o' $(((lt >> 24) & 255)))
	# magic         version  zone        sigfigs     snaplen 65535
	printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000'"\\$b0\\$b1\\$b2\\$b3" \
	    >"$f"
}

# pcap_record_offsets FILE: print "offset caplen" for every record of a
# classic pcap file (either byte order), one per line.
pcap_record_offsets()
{
	od -An -v -tu1 "$1" | awk '
	{ for (i = 1; i <= NF; i++) b[n++] = $i }
	function u32(o) {
		if (le)
			return b[o] + b[o+1] * 256 + b[o+2] * 65536 + \
			    b[o+3] * 16777216
		return b[o+3] + b[o+2] * 256 + b[o+1] * 65536 + \
		    b[o] * 16777216
	}
	END {
		if (n < 24)
			exit 1
		if (b[0] == 212 && b[1] == 195 && b[2] == 178 && b[3] == 161)
			le = 1
		else if (b[0] == 161 && b[1] == 178 && b[2] == 195 && b[3] == 212)
			le = 0
		else if (b[0] == 77 && b[1] == 60 && b[2] == 178 && b[3] == 161)
			le = 1
		else if (b[0] == 161 && b[1] == 178 && b[2] == 60 && b[3] == 77)
			le = 0
		else
			exit 1
		o = 24
		while (o + 16 <= n) {
			cl = u32(o + 8)
			if (o + 16 + cl > n)
				break
			printf "%d %d\n", o, cl
			o += 16 + cl
		}
	}'
}
