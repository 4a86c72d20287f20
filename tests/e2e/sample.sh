#!/bin/bash
# The bundled sample (what ./quickstart shows a new user) still gives, at a
# real nfcapd, exactly the totals recorded beside it in sample.expect.

. "$(dirname "$0")/lib.sh"

require_cmd nfcapd nfdump
require_binaries

plan 3
S="$top_srcdir/tests/data/sample"
start_nfcapd_any "$E2E_TMP/nf" || bail_out "cannot start nfcapd"
run_pfflowd "$E2E_TMP/out" "$E2E_TMP/err" -r "$S.pcap" \
    -n "127.0.0.1:$NFCAPD_PORT"
is "$?" 0 "pfflowd -r sample.pcap exits 0"
stop_nfcapd || diag "nfcapd did not stop cleanly"
is "$(nfdump_totals "$E2E_TMP/nf")" "$(expect records_v5 "$S.expect") \
$(expect packets_v4 "$S.expect") $(expect bytes_v4 "$S.expect")" \
    "nfcapd records, packets, bytes == sample.expect"
is_num "$(nfdump_seq_failures "$E2E_TMP/nf")" 0 \
    "nfcapd saw no sequence failure"
finish
