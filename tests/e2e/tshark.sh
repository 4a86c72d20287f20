#!/bin/bash
# pfflowd's NetFlow v5 datagrams as Wireshark sees them on the wire.
#
# tshark captures on lo while pfflowd exports one capture (malformed frames,
# other actions, big counters, NAT and IPv6 states) to an nfcapd (a listener,
# so no ICMP port-unreachable comes back).  Then, decoding the port as cflow:
#   - the number of datagrams equals pfflowd's export.collector.0.datagrams
#   - every datagram is version 5 with 1..30 records, and its UDP payload is
#     exactly 24 + 48 * count bytes
#   - no malformed packet, no expert info of severity warning or above
#   - the counts add up to records_v5
#   - flow_sequence is consecutive: each datagram's = previous + previous count
#   - every record decoded from the wire (proto, addresses, ports, packets,
#     bytes, absolute first/last in ms from sysUptime/unix_secs/unix_nsecs)
#     equals FLOWS.txt, ICMP ports included
# Without the right to capture (not root), the script is skipped.

. "$(dirname "$0")/lib.sh"

require_cmd tshark nfcapd
require_binaries

P="$E2E_TMP/cap"
CAP=$E2E_TMP/lo.pcapng
TSERR=$E2E_TMP/tshark.err

gen "$P" -V 3 -l en10mb-vlan -s 7 --malformed --other-actions \
    --big-pct 10 --nat-pct 20 --ipv6-pct 10 -n 300 ||
	bail_out "pfsyncgen failed: $(head -n 3 "$P.gen.err")"
start_nfcapd_any "$E2E_TMP/nfcapd" || bail_out "nfcapd did not start"
PORT=$NFCAPD_PORT
# After pfflowd has exited, one datagram to SENTINEL_PORT marks the end:
# once tshark has it, it has everything pfflowd sent before it on lo.
SENTINEL_PORT=$(free_udp_port) || bail_out "no free UDP port"

tshark -n -i lo -f "udp and (dst port $PORT or dst port $SENTINEL_PORT)" \
    -w "$CAP" </dev/null >"$E2E_TMP/tshark.out" 2>"$TSERR" &
TSHARK_PID=$!
_e2e_track "$TSHARK_PID"

# Wait (bounded, ~30 s: the first start of tshark loads every dissector)
# until the capture really runs.  "Capturing on" alone is not enough: tshark
# prints it before dumpcap has opened the device, and without the right to
# capture, dumpcap fails after it.  Running means: dumpcap's "Capture
# started" message, or the capture file has its pcapng header.
capture_running()
{
	grep -q 'Capture started' "$TSERR" 2>/dev/null && return 0
	grep -q 'Capturing on' "$TSERR" 2>/dev/null && [ -s "$CAP" ]
}
n=300
while [ "$n" -gt 0 ] && ! capture_running; do
	if ! kill -0 "$TSHARK_PID" 2>/dev/null; then
		_wait_gone "$TSHARK_PID" 10
		why=$(grep -m 1 -E '^(tshark|dumpcap): ' "$TSERR")
		skip_all "tshark cannot capture on lo: ${why:-$(head -n 1 "$TSERR")}"
	fi
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || skip_all "tshark did not start capturing on lo within 30 s"
# It may still fail just after opening the file: give it no benefit of the
# doubt on a permission error.
if grep -q 'permission' "$TSERR" || ! kill -0 "$TSHARK_PID" 2>/dev/null; then
	skip_all "tshark cannot capture on lo:" \
	    "$(grep -m 1 -E '^(tshark|dumpcap): ' "$TSERR")"
fi

plan 9

# 1. the export itself
run_pfflowd "$P.out" "$P.err" -r "$P.pcap" -n "127.0.0.1:$PORT"
rc=$?
want_records=$(expect records_v5 "$P.expect")
sent_dg=$(stat export.collector.0.datagrams "$P.err")
sent_rec=$(stat export.collector.0.records "$P.err")
if [ "$rc" = 0 ] && [ "$sent_rec" = "$want_records" ]; then
	ok "pfflowd exit 0, $sent_rec records in $sent_dg datagrams"
else
	not_ok "pfflowd exit 0, records_v5 records sent"
	diag "exit $rc; export.collector.0.records '$sent_rec'" \
	    "(want $want_records)"
	diag_file "$P.err" 30
fi

printf 'end of test' >"/dev/udp/127.0.0.1/$SENTINEL_PORT" ||
	diag "could not send the sentinel datagram"
n=300
while [ "$n" -gt 0 ]; do
	seen=$(tshark -n -r "$CAP" -Y "udp.dstport == $SENTINEL_PORT" \
	    2>/dev/null | wc -l)
	[ "$seen" -ge 1 ] && break
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || diag "tshark never showed the sentinel datagram"
kill -INT "$TSHARK_PID" 2>/dev/null
_wait_gone "$TSHARK_PID" 100 || kill -KILL "$TSHARK_PID" 2>/dev/null
_e2e_untrack "$TSHARK_PID"
stop_nfcapd

# One line per datagram, in capture (= send) order; the per-record fields
# hold one value per record, separated by commas.
tshark -n -r "$CAP" -d "udp.port==$PORT,cflow" -Y "udp.dstport == $PORT" \
    -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e udp.length -e cflow.version -e cflow.count \
    -e cflow.sequence -e cflow.sysuptime -e cflow.unix_secs \
    -e cflow.unix_nsecs -e cflow.protocol -e cflow.srcaddr -e cflow.srcport \
    -e cflow.dstaddr -e cflow.dstport -e cflow.packets -e cflow.octets \
    -e cflow.timestart -e cflow.timeend >"$E2E_TMP/dg.txt" 2>"$E2E_TMP/dg.err"

# 2. as many datagrams on the wire as pfflowd says it sent
n_dg=$(wc -l <"$E2E_TMP/dg.txt")
if [ "$n_dg" -gt 0 ] && [ "$n_dg" = "$sent_dg" ]; then
	ok "$n_dg datagrams captured == export.collector.0.datagrams"
else
	not_ok "datagrams captured == export.collector.0.datagrams (> 0)"
	diag "captured $n_dg, pfflowd says '$sent_dg'"
	diag_file "$E2E_TMP/dg.err" 5
fi

# 3. version 5 everywhere
bad=$(awk -F'\t' '$3 != 5 { print "frame " $1 ": version " $3 }' \
    "$E2E_TMP/dg.txt")
if [ -z "$bad" ]; then ok "every datagram is NetFlow version 5"
else not_ok "every datagram is NetFlow version 5"; diag "$bad"; fi

# 4. 1..30 records each, and the UDP payload is exactly header + records
bad=$(awk -F'\t' '
	$4 < 1 || $4 > 30 { print "frame " $1 ": count " $4; next }
	$2 - 8 != 24 + 48 * $4 {
		print "frame " $1 ": count " $4 " but UDP payload " ($2 - 8) \
		    " bytes, want " (24 + 48 * $4)
	}' "$E2E_TMP/dg.txt")
if [ -z "$bad" ]; then
	ok "every datagram holds 1..30 records and is 24 + 48 * count bytes"
else
	not_ok "every datagram holds 1..30 records and is 24 + 48 * count bytes"
	diag "$bad"
fi

# 5. Wireshark finds nothing wrong
tshark -n -r "$CAP" -d "udp.port==$PORT,cflow" \
    -Y "udp.dstport == $PORT && (_ws.malformed || _ws.expert.severity >= warning)" \
    >"$E2E_TMP/expert.txt" 2>"$E2E_TMP/expert.err"
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$E2E_TMP/expert.txt" ]; then
	ok "no malformed packet, no expert warning"
else
	not_ok "no malformed packet, no expert warning"
	diag "tshark exit $rc"
	diag_file "$E2E_TMP/expert.txt" 10
	diag_file "$E2E_TMP/expert.err" 5
fi

# 6. every record is there
sum=$(awk -F'\t' '{ s += $4 } END { printf "%d\n", s }' "$E2E_TMP/dg.txt")
is_num "$sum" "$want_records" "sum of cflow.count == records_v5"

# 7. flow_sequence counts records: next = previous + previous count
bad=$(awk -F'\t' '
	NR > 1 && $5 != (seq + cnt) % 4294967296 {
		print "frame " $1 ": sequence " $5 ", want " \
		    (seq + cnt) % 4294967296 " (previous " seq " + " cnt ")"
	}
	{ seq = $5; cnt = $4 }' "$E2E_TMP/dg.txt")
if [ -z "$bad" ]; then
	first=$(awk -F'\t' 'NR == 1 { print $5 }' "$E2E_TMP/dg.txt")
	ok "flow_sequence consecutive (first $first)"
else
	not_ok "flow_sequence consecutive"
	diag "$bad"
fi

# 8. the records on the wire == FLOWS.txt.  Times: tshark shows sysUptime,
# First and Last as seconds with 9 decimals; absolute ms = unix_secs * 1000
# + unix_nsecs / 10^6 - ((sysUptime - First) mod 2^32).
awk -F'\t' '
	function ms(s,    a, n) {
		n = split(s, a, /\./)
		return a[1] * 1000 + (n > 1 ? substr(a[2] "000", 1, 3) : 0)
	}
	{
		now = $7 * 1000 + int($8 / 1000000)
		up = ms($6)
		n = split($9, pr, ",")
		split($10, sa, ","); split($11, sp, ",")
		split($12, da, ","); split($13, dp, ",")
		split($14, pk, ","); split($15, by, ",")
		split($16, ts, ","); split($17, te, ",")
		for (i = 1; i <= n; i++) {
			f = now - ((up - ms(ts[i]) + 4294967296) % 4294967296)
			l = now - ((up - ms(te[i]) + 4294967296) % 4294967296)
			printf "%s %s %s %s %s %s %s %.0f %.0f\n", pr[i],
			    sa[i], sp[i], da[i], dp[i], pk[i], by[i], f, l
		}
	}' "$E2E_TMP/dg.txt" | sort >"$E2E_TMP/wire.flows"
if cmp -s "$E2E_TMP/wire.flows" "$P.flows"; then
	ok "records on the wire == FLOWS.txt ($(wc -l <"$P.flows") records)"
else
	not_ok "records on the wire == FLOWS.txt"
	diff "$P.flows" "$E2E_TMP/wire.flows" | head -n 20 | sed 's/^/#   /'
fi

# 9. and pfflowd's own books agree with the wire
is "$(stat export.collector.0.send_errors "$P.err")" 0 \
    "export.collector.0.send_errors == 0"

finish
