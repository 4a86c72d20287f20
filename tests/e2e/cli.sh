#!/bin/bash
# pfflowd's command line: every bad input is refused with exit status 1, a
# first stderr line `pfflowd: <message>` that names the bad input, and a
# usage hint on the next line; good collector forms are accepted; -h prints
# a usage that lists every option.
#
# Every run that could get past option parsing reads an empty capture (a
# bare pcap header), so nothing is ever sent.

. "$(dirname "$0")/lib.sh"

require_binaries pfflowd

EMPTY=$E2E_TMP/empty.pcap
pcap_header "$EMPTY" 1 # Ethernet, no records

# bad_case DESC NEEDLE ARGS...: pfflowd ARGS must exit 1; the first stderr
# line starts with "pfflowd: " and contains NEEDLE (or, for "~RE", matches
# the extended regular expression RE); a second line exists
# and points at the usage (mentions --help, -h or usage).
n_bad=0
bad_case()
{
	local desc=$1 needle=$2 rc l1 l2 why=
	shift 2
	n_bad=$((n_bad + 1))
	local out=$E2E_TMP/bad$n_bad.out err=$E2E_TMP/bad$n_bad.err
	E2E_TIMEOUT=20 run_pfflowd "$out" "$err" "$@"
	rc=$?
	l1=$(sed -n 1p "$err")
	l2=$(sed -n 2p "$err")
	[ "$rc" = 1 ] || why="exit status $rc, want 1"
	case "$l1" in
	"pfflowd: "*) ;;
	*) why="${why:+$why; }first stderr line does not start with 'pfflowd: '" ;;
	esac
	case "$needle" in
	"~"*)
		printf '%s\n' "$l1" | grep -Eq -- "${needle#"~"}" ||
		    why="${why:+$why; }first stderr line does not match /${needle#"~"}/" ;;
	*)
		case "$l1" in
		*"$needle"*) ;;
		*) why="${why:+$why; }first stderr line does not name '$needle'" ;;
		esac ;;
	esac
	if ! printf '%s\n' "$l2" | grep -Eqi -- '--help|(^|[^a-z])-h([^a-z]|$)|usage'
	then
		why="${why:+$why; }no usage hint on the second stderr line"
	fi
	if [ -z "$why" ]; then
		ok "$desc: exit 1, message names the input"
	else
		not_ok "$desc: exit 1, message names the input"
		diag "pfflowd $*" "$why"
		diag_file "$err" 10
	fi
}

# good_case DESC ARGS...: pfflowd ARGS exits 0.
good_case()
{
	local desc=$1 rc
	shift
	n_bad=$((n_bad + 1))
	local out=$E2E_TMP/good$n_bad.out err=$E2E_TMP/good$n_bad.err
	E2E_TIMEOUT=20 run_pfflowd "$out" "$err" "$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		ok "$desc: accepted (exit 0)"
	else
		not_ok "$desc: accepted (exit 0)"
		diag "pfflowd $*" "exit status $rc"
		diag_file "$err" 10
	fi
}

plan 23

P=$(free_udp_port) || bail_out "no free UDP port"
C="127.0.0.1:$P"

bad_case "-n without a port" nocolon -r "$EMPTY" -n nocolon
bad_case "-n port out of range" 127.0.0.1:99999 -r "$EMPTY" -n 127.0.0.1:99999
bad_case "-n port 0" 127.0.0.1:0 -r "$EMPTY" -n 127.0.0.1:0
bad_case "-n unclosed IPv6 bracket" '[::1:5' -r "$EMPTY" -n '[::1:5'
bad_case "-n empty port" '127.0.0.1:' -r "$EMPTY" -n '127.0.0.1:'
bad_case "-r missing file" /nonexistent/file.pcap \
    -r /nonexistent/file.pcap -n "$C"

LT147=$E2E_TMP/linktype147.pcap
pcap_header "$LT147" 147 # LINKTYPE_USER0: nothing pfflowd decodes
bad_case "-r unsupported link type 147" "$LT147" -r "$LT147" -n "$C"

TEXT=$E2E_TMP/not-a-pcap.pcap
printf 'This is not a capture file.\nJust text, %s.\n' "$RANDOM" >"$TEXT"
bad_case "-r file that is not a pcap" "$TEXT" -r "$TEXT" -n "$C"

bad_case "-S sideways" sideways -r "$EMPTY" -n "$C" -S sideways
bad_case "-v 7" '~(^|[^0-9])7([^0-9]|$)' -r "$EMPTY" -n "$C" -v 7
bad_case "-t 0" '~(^|[^0-9.:])0([^0-9]|$)' -r "$EMPTY" -n "$C" -t 0
bad_case "-t abc" abc -r "$EMPTY" -n "$C" -t abc
bad_case "-t 65 (above the maximum)" '~(^|[^0-9])65([^0-9]|$)' -r "$EMPTY" -n "$C" -t 65
bad_case "--flush-ms abc" abc -r "$EMPTY" -n "$C" --flush-ms abc
bad_case "unknown long option" --no-such-option \
    -r "$EMPTY" -n "$C" --no-such-option

# Live capture on the default interface: only testable when it is absent.
if ip link show pfsync0 >/dev/null 2>&1; then
	skip "no -r, no -i, no pfsync0" "this host has a pfsync0"
else
	bad_case "no -r, no -i, no pfsync0" pfsync0 -n "$C"
fi

good_case "-n 127.0.0.1:PORT" -r "$EMPTY" -n "127.0.0.1:$P"
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	good_case "-n [::1]:PORT" -r "$EMPTY" -n "[::1]:$P"
else
	skip "-n [::1]:PORT" "no ::1 on lo"
fi
good_case "-n localhost:PORT" -r "$EMPTY" -n "localhost:$P"
good_case "-S in / -v 1 / -t 3 / --flush-ms 5" -r "$EMPTY" -n "$C" \
    -S in -v 1 -t 3 --flush-ms 5

# -h: exit 0 and a usage that lists every option.
E2E_TIMEOUT=20 run_pfflowd "$E2E_TMP/h.out" "$E2E_TMP/h.err" -h
rc=$?
is "$rc" 0 "-h exits 0"
cat "$E2E_TMP/h.out" "$E2E_TMP/h.err" >"$E2E_TMP/h.all"
missing=
# A letter counts when it is in an option cluster: "-X" or "[-abX...]".
for o in d D h i n r S v t; do
	grep -Eq -- "(^|[[ ,])-[A-Za-z]*$o" "$E2E_TMP/h.all" ||
		missing="$missing -$o"
done
grep -q -- '--flush-ms' "$E2E_TMP/h.all" || missing="$missing --flush-ms"
if [ -z "$missing" ] && grep -qi usage "$E2E_TMP/h.all"; then
	ok "-h prints a usage listing every option"
else
	not_ok "-h prints a usage listing every option"
	diag "missing:${missing:- (none; but no 'usage')}"
	diag_file "$E2E_TMP/h.all"
fi

# The README's option list is the --help text, word for word.
"$PFFLOWD" -h >"$E2E_TMP/help.txt" 2>&1
if python3 -c 'import sys; sys.exit(open(sys.argv[1]).read().strip() not in
    open(sys.argv[2]).read())' "$E2E_TMP/help.txt" "$top_srcdir/README"; then
	ok "README holds pfflowd -h verbatim"
else
	not_ok "README holds pfflowd -h verbatim"
	diag "update the Options section of README from 'pfflowd -h'"
fi

finish
