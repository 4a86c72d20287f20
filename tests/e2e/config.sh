#!/bin/bash
# pfflowd.conf(5): the file, its checks, and the command line over it.
#
#   - every tests/conf/X.conf that has an X.ok: `pfflowd -n -v -f X.conf`
#     exits 0, prints exactly X.ok on stdout and nothing on stderr
#   - every X.ok reads back to itself: the normalized output is a valid
#     configuration that means the same (-n -v -f X.ok prints X.ok)
#   - `pfflowd -n -f X.conf` (no -v) prints nothing on stdout and
#     "pfflowd: configuration OK" on stderr; so does the sample
#     doc/pfflowd.conf.sample
#   - every tests/conf/bad-X.conf: exit status 1, nothing on stdout, and
#     the first stderr line is exactly bad-X.err
#   - a missing file and a binary file are refused the same way
#   - command-line flags override the file: every setting given as a flag
#     gives the same configuration as the file edited to that value; -n
#     collectors replace the file's (and take the file's defaults); a
#     trailing expression replaces the filter; -v after -f is the NetFlow
#     version, -v before it prints
#   - a real run (-f only: read, collector, threads, stats-file all from
#     the file) exports the generator's totals to nfcapd and writes the
#     JSON stats file
#
# The .ok and .err files are the specification: when pfflowd's output
# changes on purpose, regenerate them (make update-golden) and review the
# diff.  The commands run inside tests/conf, so messages name the files
# without a directory.

. "$(dirname "$0")/lib.sh"

require_binaries

srcdir=${top_srcdir:-$(dirname "$0")/../..}
CONF_DIR=$(cd "$srcdir/tests/conf" 2>/dev/null && pwd) ||
	bail_out "no tests/conf under $srcdir"
SAMPLE=$(cd "$srcdir/doc" 2>/dev/null && pwd)/pfflowd.conf.sample
# Absolute, since the commands run in CONF_DIR.
case "$PFFLOWD" in /*) ;; *) PFFLOWD=$(pwd)/$PFFLOWD ;; esac
case "$PFSYNCGEN" in /*) ;; *) PFSYNCGEN=$(pwd)/$PFSYNCGEN ;; esac

good=$(cd "$CONF_DIR" && for f in *.conf; do
	[ -e "${f%.conf}.ok" ] && echo "${f%.conf}"; done)
bad=$(cd "$CONF_DIR" && for f in bad-*.conf; do echo "${f%.conf}"; done)
n_good=$(echo "$good" | wc -w)
n_bad=$(echo "$bad" | wc -w)
[ "$n_good" -gt 0 ] && [ "$n_bad" -gt 0 ] ||
	bail_out "no golden configurations in $CONF_DIR"

plan $((2 * n_good + 2 + n_bad + 4 + 9 + 2 + 3))

# in_conf OUT ERR ARGS...: run pfflowd ARGS inside CONF_DIR; its status.
in_conf()
{
	local out=$1 err=$2
	shift 2
	(cd "$CONF_DIR" && timeout -k 5 30 "$PFFLOWD" "$@") >"$out" 2>"$err"
}

# show_diff WANT GOT: a unified diff as diagnostics.
show_diff()
{
	diff -u "$1" "$2" >"$E2E_TMP/diff.txt"
	diag_file "$E2E_TMP/diff.txt" 40
}

# ------------------------------------------------------- golden outputs

for c in $good; do
	in_conf "$E2E_TMP/$c.out" "$E2E_TMP/$c.err" -n -v -f "$c.conf"
	rc=$?
	if [ "$rc" = 0 ] && cmp -s "$CONF_DIR/$c.ok" "$E2E_TMP/$c.out" &&
	    [ ! -s "$E2E_TMP/$c.err" ]; then
		ok "$c.conf: -n -v prints $c.ok"
	else
		not_ok "$c.conf: -n -v prints $c.ok"
		diag "exit status $rc"
		show_diff "$CONF_DIR/$c.ok" "$E2E_TMP/$c.out"
		diag_file "$E2E_TMP/$c.err" 5
	fi
done

for c in $good; do
	in_conf "$E2E_TMP/$c.rt" "$E2E_TMP/$c.rterr" -n -v -f "$c.ok"
	rc=$?
	if [ "$rc" = 0 ] && cmp -s "$CONF_DIR/$c.ok" "$E2E_TMP/$c.rt"; then
		ok "$c.ok reads back to itself"
	else
		not_ok "$c.ok reads back to itself"
		diag "exit status $rc"
		show_diff "$CONF_DIR/$c.ok" "$E2E_TMP/$c.rt"
		diag_file "$E2E_TMP/$c.rterr" 5
	fi
done

# check_ok DESC FILE: -n -f FILE says it is fine and prints nothing else.
check_ok()
{
	local desc=$1 f=$2 rc
	in_conf "$E2E_TMP/chk.out" "$E2E_TMP/chk.err" -n -f "$f"
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$E2E_TMP/chk.out" ] &&
	    [ "$(cat "$E2E_TMP/chk.err")" = "pfflowd: configuration OK" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "exit status $rc"
		diag_file "$E2E_TMP/chk.out" 5
		diag_file "$E2E_TMP/chk.err" 5
	fi
}

check_ok "-n -f full.conf: 'configuration OK' on stderr, nothing else" \
    full.conf
if [ -f "$SAMPLE" ]; then
	check_ok "doc/pfflowd.conf.sample is a valid configuration" "$SAMPLE"
else
	not_ok "doc/pfflowd.conf.sample is a valid configuration"
	diag "$SAMPLE does not exist"
fi

# ------------------------------------------------------ bad configurations

# check_err DESC WANT ARGS...: exit 1, empty stdout, first stderr line WANT.
check_err()
{
	local desc=$1 want=$2 rc got
	shift 2
	in_conf "$E2E_TMP/bad.out" "$E2E_TMP/bad.err" "$@"
	rc=$?
	got=$(sed -n 1p "$E2E_TMP/bad.err")
	if [ "$rc" = 1 ] && [ ! -s "$E2E_TMP/bad.out" ] &&
	    [ "$got" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "exit status $rc (want 1)" "want: $want" " got: $got"
		diag_file "$E2E_TMP/bad.out" 5
	fi
}

for c in $bad; do
	if [ ! -f "$CONF_DIR/$c.err" ]; then
		not_ok "$c.conf: refused with $c.err"
		diag "$c.err is missing"
		continue
	fi
	check_err "$c.conf: exit 1, $(cat "$CONF_DIR/$c.err")" \
	    "$(cat "$CONF_DIR/$c.err")" -n -f "$c.conf"
done

check_err "a missing file is refused, naming it" \
    "pfflowd: cannot read configuration 'no-such.conf': No such file or directory" \
    -n -f no-such.conf
printf 'threads 1\n\000\n' >"$E2E_TMP/nul.conf"
check_err "a file holding a NUL byte is refused" \
    "pfflowd: $E2E_TMP/nul.conf: not a text file" -n -f "$E2E_TMP/nul.conf"

# A collector is parsed once the whole file is read, and its socket opened
# later still: both errors still name the file and the collector's line.
# Collectors given with -n replace the file's, and their errors name none.
printf 'threads 1\n\ncollector 127.0.0.1:2055 {\n\tsource 192.0.2.1\n}\n' \
    >"$E2E_TMP/source.conf"
check_err "a source address that cannot be bound names FILE:LINE" \
    "pfflowd: $E2E_TMP/source.conf:3: collector '127.0.0.1:2055,source=192.0.2.1': cannot bind source: Cannot assign requested address" \
    -f "$E2E_TMP/source.conf" -r "$(cd "$srcdir/tests/data" && pwd)/sample.pcap"
check_err "a bad -n collector over a file's names no line" \
    "pfflowd: bad address '127.0.0.1:0': port '0' is not a number from 1 to 65535" \
    -n -f minimal.conf -n 127.0.0.1:0

# ------------------------------------------------ flags override the file

# print_conf OUT ARGS...: -n -v ARGS into OUT; 0 if pfflowd exited 0.
print_conf()
{
	local out=$1
	shift
	in_conf "$out" "$out.err" -n -v "$@"
}

# same_conf DESC A B: the two printouts are identical.
same_conf()
{
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		show_diff "$2" "$3"
		diag_file "$3.err" 5
	fi
}

# Every setting as a flag, against full.conf where each is set too.
sed -e 's/^interface .*/interface "em2"/' \
    -e 's/^threads .*/threads 2/' \
    -e 's/^direction .*/direction out/' \
    -e 's/^netflow-version .*/netflow-version 5/' \
    -e 's/^flush-ms .*/flush-ms 10/' \
    -e 's/^rate .*/rate 100/' \
    -e 's/^flow-rate .*/flow-rate 3000/' \
    -e 's/^burst .*/burst 1/' \
    -e 's/^queue .*/queue 2/' \
    -e 's/^engine-type .*/engine-type 0/' \
    -e 's/^engine-id .*/engine-id 1/' \
    -e 's/^max-states .*/max-states 16/' \
    -e 's/^last-known .*/last-known yes/' \
    -e 's/^expire-margin .*/expire-margin 0/' \
    -e 's|^stats-file .*|stats-file "/tmp/s.json"|' \
    -e 's/^stats-interval .*/stats-interval 1/' \
    -e 's|^pidfile .*|pidfile "/tmp/p.pid"|' \
    -e 's/^user .*/user "nobody"/' \
    -e 's/^chroot .*/chroot ""/' \
    -e 's/^syslog-facility .*/syslog-facility user/' \
    "$CONF_DIR/full.conf" >"$E2E_TMP/edited.conf"
print_conf "$E2E_TMP/want.txt" -f "$E2E_TMP/edited.conf"
print_conf "$E2E_TMP/flags.txt" -f full.conf -i em2 -t 2 -S out -v 5 \
    --flush-ms 10 --rate 100 --flow-rate 3000 --burst 1 --queue 2 \
    --engine-type 0 \
    --engine-id 1 --max-states 16 --last-known yes --expire-margin 0 \
    --stats-file /tmp/s.json --stats-interval 1 -p /tmp/p.pid \
    --user nobody --chroot "" --syslog-facility user
rc=$?
if [ "$rc" = 0 ] && grep -qx 'threads 2' "$E2E_TMP/flags.txt" &&
    grep -qx 'chroot ""' "$E2E_TMP/flags.txt"; then
	same_conf "every setting as a flag overrides the file's value" \
	    "$E2E_TMP/want.txt" "$E2E_TMP/flags.txt"
else
	not_ok "every setting as a flag overrides the file's value"
	diag "exit status $rc"
	diag_file "$E2E_TMP/flags.txt" 30
	diag_file "$E2E_TMP/flags.txt.err" 5
fi

# The long forms of the short flags do the same.
print_conf "$E2E_TMP/long.txt" --config full.conf --interface em2 \
    --threads 2 --direction out --netflow-version 5 --flush-ms 10 \
    --rate 100 --flow-rate 3000 --burst 1 --queue 2 --engine-type 0 \
    --engine-id 1 \
    --max-states 16 --last-known yes --expire-margin 0 \
    --stats-file /tmp/s.json --stats-interval 1 --pidfile /tmp/p.pid \
    --user nobody --chroot "" --syslog-facility user
same_conf "the long options override the same way" "$E2E_TMP/want.txt" \
    "$E2E_TMP/long.txt"

# -n collectors replace the file's three, and take the file's defaults.
print_conf "$E2E_TMP/n.txt" -f full.conf -n 127.0.0.1:9 \
    -n '[::1]:10,rate=5'
{
	sed '/^collector /,$d' "$CONF_DIR/full.ok"
	printf 'collector 127.0.0.1:9 {\n\tversion 1\n\tengine-type 7\n'
	printf '\tengine-id 9\n\trate 2000\n\tflow-rate 45000\n\tburst 8\n'
	printf '\tqueue 512\n\tsndbuf 0\n}\n'
	printf 'collector [::1]:10 {\n\tversion 1\n\tengine-type 7\n'
	printf '\tengine-id 9\n\trate 5\n\tflow-rate 45000\n\tburst 8\n'
	printf '\tqueue 512\n\tsndbuf 0\n}\n'
} >"$E2E_TMP/n.want"
same_conf "-n collectors replace the file's and inherit its defaults" \
    "$E2E_TMP/n.want" "$E2E_TMP/n.txt"

# A trailing expression replaces the file's filter.
print_conf "$E2E_TMP/bpf.txt" -f full.conf src host 192.0.2.99
sed 's/^filter .*/filter "src host 192.0.2.99"/' "$CONF_DIR/full.ok" \
    >"$E2E_TMP/bpf.want"
same_conf "a trailing expression replaces the file's filter" \
    "$E2E_TMP/bpf.want" "$E2E_TMP/bpf.txt"

# -v: before -f it asks for the printout, with a value it is the version.
print_conf "$E2E_TMP/v1.txt" -f minimal.conf -v 1
sed -e 's/^netflow-version 5/netflow-version 1/' \
    -e 's/^\tversion 5/\tversion 1/' "$CONF_DIR/minimal.ok" >"$E2E_TMP/v1.want"
same_conf "-n -v -f F -v 1: prints, with NetFlow version 1" \
    "$E2E_TMP/v1.want" "$E2E_TMP/v1.txt"
in_conf "$E2E_TMP/v2.out" "$E2E_TMP/v2.err" -n -f minimal.conf -v 1
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$E2E_TMP/v2.out" ] &&
    [ "$(cat "$E2E_TMP/v2.err")" = "pfflowd: configuration OK" ]; then
	ok "-n -f F -v 1: checks only (the -v is the version)"
else
	not_ok "-n -f F -v 1: checks only (the -v is the version)"
	diag "exit status $rc"
	diag_file "$E2E_TMP/v2.out" 5
fi

# The long spellings of the check.
in_conf "$E2E_TMP/pc.out" "$E2E_TMP/pc.err" --print-config -f minimal.conf
same_conf "--print-config -f F prints the same as -n -v -f F" \
    "$CONF_DIR/minimal.ok" "$E2E_TMP/pc.out"
in_conf "$E2E_TMP/cc.out" "$E2E_TMP/cc.err" --check-config -f minimal.conf
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$E2E_TMP/cc.out" ] &&
    [ "$(cat "$E2E_TMP/cc.err")" = "pfflowd: configuration OK" ]; then
	ok "--check-config -f F checks only"
else
	not_ok "--check-config -f F checks only"
	diag "exit status $rc"
	diag_file "$E2E_TMP/cc.err" 5
fi

check_err "-n without -f is refused" \
    "pfflowd: -n without a collector checks a configuration: give -f FILE" \
    -n -t 2

# ------------------------------------------------------------ the manuals

# Every option --help lists is in pfflowd(8), as "Fl -long" or "Fl x".
missing=
for o in $("$PFFLOWD" --help | grep -oE '(^|[ ,(])--?[a-zA-Z][a-z-]*' |
    sed 's/^[ ,(]//' | sort -u); do
	case "$o" in
	--*) grep -qE "(^|[ .])Fl -${o#--}( |$)" "$srcdir/doc/pfflowd.8" ;;
	*) grep -qE "(^|[ .])Fl [a-zA-Z]*${o#-}[a-zA-Z]*( |$)" \
	    "$srcdir/doc/pfflowd.8" ;;
	esac || missing="$missing $o"
done
is "${missing# }" "" "pfflowd(8) documents every option --help lists"

# Every setting and collector option the normalized output can hold (all
# of them are in full.ok) is an ".It Ic name" of pfflowd.conf(5).
missing=
for k in $(awk '$1 != "}" { print $1 }' "$CONF_DIR/full.ok" | sort -u); do
	grep -qE "^\.It Ic $k( |$)" "$srcdir/doc/pfflowd.conf.5" ||
	    missing="$missing $k"
done
is "${missing# }" "" "pfflowd.conf(5) documents every setting"

# ------------------------------------------------------- a run from a file

if ! command -v nfcapd >/dev/null 2>&1 || ! command -v nfdump >/dev/null ||
    ! command -v jq >/dev/null; then
	skip "a run configured by the file alone" "nfcapd, nfdump or jq missing"
	skip "its stats file" "nfcapd, nfdump or jq missing"
	skip "its nfcapd saw no sequence failure" "nfcapd, nfdump or jq missing"
	finish
fi

gen "$E2E_TMP/g" -V 3 -n 500 -s 7 || bail_out "pfsyncgen failed"
start_nfcapd_any "$E2E_TMP/nf" || bail_out "cannot start nfcapd"
cat >"$E2E_TMP/run.conf" <<EOF
# Everything from the file: no flags but -f.
read "$E2E_TMP/g.pcap"
threads 2
stats-file "$E2E_TMP/stats.json"
collector 127.0.0.1:$NFCAPD_PORT {
	rate 0
}
EOF
run_pfflowd "$E2E_TMP/run.out" "$E2E_TMP/run.err" -f "$E2E_TMP/run.conf"
rc=$?
stop_nfcapd
want="$(expect records_v5 "$E2E_TMP/g.expect") $(expect packets_v4 \
    "$E2E_TMP/g.expect") $(expect bytes_v4 "$E2E_TMP/g.expect")"
got=$(nfdump_totals "$E2E_TMP/nf")
if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
	ok "a run configured by the file alone exports every record ($want)"
else
	not_ok "a run configured by the file alone exports every record"
	diag "exit status $rc" "want: $want" " got: $got"
	diag_file "$E2E_TMP/run.err" 20
fi
got=$(jq -r '.counters["export.collector.0.records"]' \
    "$E2E_TMP/stats.json" 2>/dev/null)
is "$got" "$(expect records_v5 "$E2E_TMP/g.expect")" \
    "its stats file (stats-file in the file) counts the records sent"
is "$(nfdump_seq_failures "$E2E_TMP/nf")" 0 \
    "its nfcapd saw no sequence failure"

finish
