/*
 * test_netflow.c - NetFlow v1/v5 encoding (wire-spec section 10, the flow
 * contract's "NetFlow v1/v5 split" and "Times" rules).
 *
 * Counter splitting is checked by summing the chunks back to the 64-bit
 * totals; headers and records are read back byte by byte at the offsets of
 * the spec tables; relative times are checked the way a collector uses
 * them (spec 10.5): export - (uint32)(SysUptime - First).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "flow.h"
#include "wire/netflow.h"

#define MAX32		UINT64_C(0xffffffff)
#define TWO31		(UINT64_C(1) << 31)
#define TWO32		(UINT64_C(1) << 32)

/* 2023-11-14 22:13:20.123 UTC: a realistic export time, in unix ms. */
#define EXPORT_MS	UINT64_C(1700000000123)

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* ----------------------------------------------------------- split */

/*
 * Split (packets, bytes) with nf_split and check: as many chunks as
 * nf_records_needed says, each taking min(remaining, 0xffffffff) of each
 * counter, sums exact.
 */
static void
check_split(uint64_t packets, uint64_t bytes, uint64_t want_chunks)
{
	uint64_t pk = packets, by = bytes, sum_pk = 0, sum_by = 0, n = 0;
	uint64_t left_pk, left_by;
	uint32_t out_pk, out_by;

	assert_int_equal(nf_records_needed(packets, bytes), want_chunks);
	while (nf_split(&pk, &by, &out_pk, &out_by)) {
		left_pk = packets - sum_pk;
		left_by = bytes - sum_by;
		assert_int_equal(out_pk, left_pk < MAX32 ? left_pk : MAX32);
		assert_int_equal(out_by, left_by < MAX32 ? left_by : MAX32);
		sum_pk += out_pk;
		sum_by += out_by;
		assert_int_equal(pk, packets - sum_pk);
		assert_int_equal(by, bytes - sum_by);
		n++;
		assert_true(n <= want_chunks);
	}
	assert_int_equal(n, want_chunks);
	assert_int_equal(sum_pk, packets);
	assert_int_equal(sum_by, bytes);
	assert_int_equal(pk, 0);
	assert_int_equal(by, 0);
}

static void
test_records_needed(void **state)
{
	(void)state;
	assert_int_equal(nf_records_needed(0, 0), 1);
	assert_int_equal(nf_records_needed(1, 1), 1);
	assert_int_equal(nf_records_needed(0, 1), 1);
	assert_int_equal(nf_records_needed(0xfffffffe, 0xfffffffe), 1);
	assert_int_equal(nf_records_needed(MAX32, MAX32), 1);
	assert_int_equal(nf_records_needed(TWO32, 1), 2);
	assert_int_equal(nf_records_needed(1, TWO32), 2);
	/* 2^33 + 5 = 2 x 0xffffffff + 7. */
	assert_int_equal(nf_records_needed((UINT64_C(1) << 33) + 5, 0), 3);
	assert_int_equal(nf_records_needed(2 * MAX32, 0), 2);
	assert_int_equal(nf_records_needed(2 * MAX32 + 1, 0), 3);
	assert_int_equal(nf_records_needed(UINT64_MAX, 0),
	    UINT64_MAX / MAX32);	/* 2^64-1 = (2^32+1) x (2^32-1) */
}

static void
test_split(void **state)
{
	(void)state;
	check_split(1, 1, 1);
	check_split(0, 60, 1);		/* bytes without packets: kept */
	check_split(3, 0, 1);
	check_split(0xfffffffe, 0xfffffffe, 1);
	check_split(MAX32, MAX32, 1);
	check_split(TWO32, TWO32, 2);
	check_split((UINT64_C(1) << 33) + 5, (UINT64_C(1) << 33) + 5, 3);
	/* Packets need 1 chunk, bytes 3: the later chunks carry 0 packets. */
	check_split(10, (UINT64_C(1) << 33) + 5, 3);
	/* Packets need 2 chunks, bytes 3. */
	check_split(TWO32, (UINT64_C(1) << 33) + 5, 3);
	/* Packets more than bytes (impossible, but both are split). */
	check_split((UINT64_C(1) << 33) + 5, TWO32, 3);
}

static void
test_split_chunks(void **state)
{
	uint64_t pk = TWO32, by = (UINT64_C(1) << 33) + 5;
	uint32_t op, ob;

	(void)state;
	/* Exactly: (ffffffff, ffffffff), (1, ffffffff), (0, 7), done. */
	assert_true(nf_split(&pk, &by, &op, &ob));
	assert_int_equal(op, MAX32);
	assert_int_equal(ob, MAX32);
	assert_true(nf_split(&pk, &by, &op, &ob));
	assert_int_equal(op, 1);
	assert_int_equal(ob, MAX32);
	assert_true(nf_split(&pk, &by, &op, &ob));
	assert_int_equal(op, 0);
	assert_int_equal(ob, 7);
	assert_false(nf_split(&pk, &by, &op, &ob));
	assert_false(nf_split(&pk, &by, &op, &ob));

	/* Nothing at all: nothing remains from the start. */
	pk = 0;
	by = 0;
	assert_false(nf_split(&pk, &by, &op, &ob));
	assert_int_equal(pk, 0);
	assert_int_equal(by, 0);
}

/* ---------------------------------------------------------- bodies */

/*
 * A record to encode: 10.1.2.3:40000 -> 192.0.2.80:443, proto 6; n
 * shifts the addresses and ports so records differ.
 */
static void
make_record(struct flow_record *r, unsigned n, uint64_t first_ms,
    uint64_t last_ms)
{
	memset(r, 0, sizeof(*r));
	r->src[0] = 10;
	r->src[1] = 1;
	r->src[2] = 2;
	r->src[3] = (uint8_t)(3 + n);
	r->dst[0] = 192;
	r->dst[1] = 0;
	r->dst[2] = 2;
	r->dst[3] = (uint8_t)(80 + n);
	r->src_port = (uint16_t)(40000 + n);
	r->dst_port = (uint16_t)(443 + n);
	r->af = 4;
	r->proto = n % 2 ? 17 : 6;
	r->direction = 2;
	r->first_ms = first_ms;
	r->last_ms = last_ms;
	r->seen_ms = last_ms;
	r->packets = 1000 + n;
	r->bytes = 100000 + n;
}

static void
test_body_full(void **state)
{
	struct nf_body b;
	struct flow_record r;
	unsigned i;

	(void)state;
	make_record(&r, 0, EXPORT_MS - 5000, EXPORT_MS - 1000);
	nf_body_init(&b, 5);
	assert_int_equal(b.version, 5);
	assert_int_equal(b.max_records, 30);
	assert_int_equal(b.n_records, 0);
	for (i = 0; i < 30; i++) {
		assert_false(nf_body_full(&b));
		nf_body_add(&b, &r, 1, 2);
	}
	assert_true(nf_body_full(&b));
	assert_int_equal(b.n_records, 30);

	nf_body_init(&b, 1);
	assert_int_equal(b.version, 1);
	assert_int_equal(b.max_records, 24);
	for (i = 0; i < 24; i++) {
		assert_false(nf_body_full(&b));
		nf_body_add(&b, &r, 1, 2);
	}
	assert_true(nf_body_full(&b));
	assert_int_equal(b.n_records, 24);
}

static void
test_header_v5(void **state)
{
	struct nf_body b;
	struct flow_record r;
	uint8_t hdr[NF5_HDR_LEN + 4];
	unsigned i;

	(void)state;
	/* Three records, exporter up for 123456789 ms. */
	nf_body_init(&b, 5);
	for (i = 0; i < 3; i++) {
		make_record(&r, i, EXPORT_MS - 5000, EXPORT_MS - 1000);
		nf_body_add(&b, &r, 1, 2);
	}
	nf_body_seal(&b, EXPORT_MS, EXPORT_MS - 123456789);
	assert_int_equal(nf_header_len(&b), 24);
	memset(hdr, 0xee, sizeof(hdr));
	nf_header_write(hdr, &b, 0x01020304, 0xa1, 0xb2);
	assert_int_equal(get16(hdr + 0), 5);		/* version */
	assert_int_equal(get16(hdr + 2), 3);		/* count */
	assert_int_equal(get32(hdr + 4), 123456789);	/* SysUptime */
	assert_int_equal(get32(hdr + 8), 1700000000);	/* unix_secs */
	assert_int_equal(get32(hdr + 12), 123000000);	/* unix_nsecs */
	assert_int_equal(get32(hdr + 16), 0x01020304);	/* flow_sequence */
	assert_int_equal(hdr[20], 0xa1);		/* engine_type */
	assert_int_equal(hdr[21], 0xb2);		/* engine_id */
	assert_int_equal(get16(hdr + 22), 0);		/* sampling */
	/* Nothing written past the 24 bytes. */
	assert_int_equal(hdr[24], 0xee);
	assert_int_equal(hdr[27], 0xee);
}

static void
test_header_v1(void **state)
{
	struct nf_body b;
	struct flow_record r;
	uint8_t hdr[NF1_HDR_LEN + 8];
	unsigned i;

	(void)state;
	nf_body_init(&b, 1);
	for (i = 0; i < 2; i++) {
		make_record(&r, i, EXPORT_MS - 5000, EXPORT_MS - 1000);
		nf_body_add(&b, &r, 1, 2);
	}
	nf_body_seal(&b, EXPORT_MS + 876, EXPORT_MS - 42000);
	assert_int_equal(nf_header_len(&b), 16);
	memset(hdr, 0xee, sizeof(hdr));
	nf_header_write(hdr, &b, 77, 1, 2);
	assert_int_equal(get16(hdr + 0), 1);		/* version */
	assert_int_equal(get16(hdr + 2), 2);		/* count */
	assert_int_equal(get32(hdr + 4), 42876);	/* SysUptime */
	/* 1700000000123 + 876 = 1700000000999 ms. */
	assert_int_equal(get32(hdr + 8), 1700000000);	/* unix_secs */
	assert_int_equal(get32(hdr + 12), 999000000);	/* unix_nsecs */
	/* v1 has no sequence or engine: the header ends at 16. */
	assert_int_equal(hdr[16], 0xee);
	assert_int_equal(hdr[23], 0xee);
}

/*
 * Record i of a sealed body against the fields it came from: every offset
 * of spec 10.2 (v1) or 10.4 (v5).
 */
static void
check_record(const struct nf_body *b, unsigned i, const struct flow_record *r,
    uint32_t packets, uint32_t bytes, uint32_t first, uint32_t last)
{
	const uint8_t *p = b->rec + (size_t)i * NF_REC_LEN;
	unsigned k;

	assert_memory_equal(p + 0, r->src, 4);		/* srcaddr */
	assert_memory_equal(p + 4, r->dst, 4);		/* dstaddr */
	assert_int_equal(get32(p + 8), 0);		/* nexthop */
	assert_int_equal(get16(p + 12), 0);		/* input */
	assert_int_equal(get16(p + 14), 0);		/* output */
	assert_int_equal(get32(p + 16), packets);	/* dPkts */
	assert_int_equal(get32(p + 20), bytes);		/* dOctets */
	assert_int_equal(get32(p + 24), first);		/* First */
	assert_int_equal(get32(p + 28), last);		/* Last */
	assert_int_equal(get16(p + 32), r->src_port);	/* srcport */
	assert_int_equal(get16(p + 34), r->dst_port);	/* dstport */
	if (b->version == 5) {
		assert_int_equal(p[36], 0);		/* pad1 */
		assert_int_equal(p[37], 0);		/* tcp_flags */
		assert_int_equal(p[38], r->proto);	/* prot */
		assert_int_equal(p[39], 0);		/* tos */
		assert_int_equal(get16(p + 40), 0);	/* src_as */
		assert_int_equal(get16(p + 42), 0);	/* dst_as */
		assert_int_equal(p[44], 0);		/* src_mask */
		assert_int_equal(p[45], 0);		/* dst_mask */
		assert_int_equal(get16(p + 46), 0);	/* pad2 */
	} else {
		assert_int_equal(get16(p + 36), 0);	/* pad1 */
		assert_int_equal(p[38], r->proto);	/* prot */
		assert_int_equal(p[39], 0);		/* tos */
		assert_int_equal(p[40], 0);		/* tcp_flags */
		for (k = 41; k < 48; k++)		/* pad2, reserved */
			assert_int_equal(p[k], 0);
	}
}

static void
check_records(unsigned version)
{
	struct nf_body b;
	struct flow_record r[3];
	uint64_t origin = EXPORT_MS - 3600000;	/* up for one hour */
	unsigned i;

	/* Distinct counters per record, high bit set on one. */
	static const uint32_t pk[3] = { 1, 0x89abcdef, 0 };
	static const uint32_t by[3] = { 40, 0xfedcba98, 60 };

	/*
	 * A reused body holds the last datagram's bytes: start dirty, so a
	 * byte nf_body_add or nf_body_seal leaves unwritten shows.
	 */
	memset(&b, 0xa5, sizeof(b));
	nf_body_init(&b, version);
	for (i = 0; i < 3; i++) {
		make_record(&r[i], i, EXPORT_MS - 60000 + i * 1000,
		    EXPORT_MS - 10000 + i * 1000);
		nf_body_add(&b, &r[i], pk[i], by[i]);
	}
	nf_body_seal(&b, EXPORT_MS, origin);
	assert_int_equal(b.sys_uptime, 3600000);
	for (i = 0; i < 3; i++)
		check_record(&b, i, &r[i], pk[i], by[i],
		    3600000 - 60000 + i * 1000, 3600000 - 10000 + i * 1000);
}

static void
test_records_v5(void **state)
{
	(void)state;
	check_records(5);
}

static void
test_records_v1(void **state)
{
	(void)state;
	check_records(1);
}

/*
 * The exporter's loop in miniature: 65 records go out as 30, 30 and 5,
 * each header's flow_sequence counting the records sent before it.
 */
static void
test_sequence(void **state)
{
	static const unsigned want_count[3] = { 30, 30, 5 };
	static const uint32_t want_seq[3] = { 0, 30, 60 };
	struct nf_body b;
	struct flow_record r;
	uint8_t hdr[NF5_HDR_LEN];
	uint32_t seq = 0;
	unsigned i, n_dgram = 0;

	(void)state;
	nf_body_init(&b, 5);
	for (i = 0; i < 65; i++) {
		make_record(&r, i, EXPORT_MS - 5000, EXPORT_MS - 1000);
		nf_body_add(&b, &r, 1, 100);
		if (nf_body_full(&b) || i == 64) {
			nf_body_seal(&b, EXPORT_MS, EXPORT_MS - 99000);
			nf_header_write(hdr, &b, seq, 0, 0);
			assert_true(n_dgram < 3);
			assert_int_equal(get16(hdr + 2), want_count[n_dgram]);
			assert_int_equal(get32(hdr + 16), want_seq[n_dgram]);
			/* Its first record is record number seq. */
			assert_int_equal(b.rec[3], (uint8_t)(3 + seq));
			seq += b.n_records;
			n_dgram++;
			nf_body_init(&b, 5);
		}
	}
	assert_int_equal(n_dgram, 3);
	assert_int_equal(seq, 65);
}

/* ---------------------------------------------------------- times */

/* What a collector computes from First (spec 10.5), in unix ms. */
static uint64_t
collector_time(uint64_t export_ms, uint32_t sys_uptime, uint32_t rel)
{
	return export_ms - (uint32_t)(sys_uptime - rel);
}

static void
test_uptime_wrap(void **state)
{
	struct nf_body b;
	struct flow_record r[2];
	uint64_t origin = EXPORT_MS - TWO32 - 12345;
	uint32_t up, first, last;
	const uint8_t *p;

	(void)state;
	/*
	 * Up for 2^32 + 12345 ms (~49.7 days): SysUptime has wrapped once
	 * and reads 12345.  Record 0 starts 5 s before export (after the
	 * wrap); record 1 starts 20 s before (before the wrap).
	 */
	make_record(&r[0], 0, EXPORT_MS - 5000, EXPORT_MS - 1000);
	make_record(&r[1], 1, EXPORT_MS - 20000, EXPORT_MS - 15000);
	nf_body_init(&b, 5);
	nf_body_add(&b, &r[0], 1, 1);
	nf_body_add(&b, &r[1], 1, 1);
	nf_body_seal(&b, EXPORT_MS, origin);
	up = b.sys_uptime;
	assert_int_equal(up, 12345);

	p = b.rec;
	first = get32(p + 24);
	last = get32(p + 28);
	assert_int_equal(first, 12345 - 5000);
	assert_int_equal(last, 12345 - 1000);
	assert_int_equal((uint32_t)(up - first), 5000);
	assert_int_equal(collector_time(EXPORT_MS, up, first),
	    EXPORT_MS - 5000);
	assert_int_equal(collector_time(EXPORT_MS, up, last), EXPORT_MS - 1000);

	p = b.rec + NF_REC_LEN;
	first = get32(p + 24);
	last = get32(p + 28);
	/* 12345 - 20000 mod 2^32 = 2^32 - 7655 */
	assert_int_equal(first, (uint32_t)(12345 - 20000));
	assert_int_equal(last, (uint32_t)(12345 - 15000));
	assert_int_equal((uint32_t)(up - first), 20000);
	assert_int_equal(collector_time(EXPORT_MS, up, first),
	    EXPORT_MS - 20000);
	assert_int_equal(collector_time(EXPORT_MS, up, last),
	    EXPORT_MS - 15000);
	/* First <= Last in modular terms. */
	assert_true((int32_t)(last - first) >= 0);
}

static void
test_clamp(void **state)
{
	struct nf_body b;
	struct flow_record r[4];
	uint64_t origin = EXPORT_MS - 1000000;
	uint32_t up, first, last;
	const uint8_t *p;
	unsigned i;

	(void)state;
	/* 0: starts 2^31 + 5000 ms before export; ends 10 ms before. */
	make_record(&r[0], 0, EXPORT_MS - TWO31 - 5000, EXPORT_MS - 10);
	/* 1: starts and ends more than 2^31 ms before export. */
	make_record(&r[1], 1, EXPORT_MS - TWO31 - 9000,
	    EXPORT_MS - TWO31 - 100);
	/* 2: exactly at the limit, 2^31 - 1 ms before: not moved. */
	make_record(&r[2], 2, EXPORT_MS - TWO31 + 1, EXPORT_MS);
	/* 3: start after end (a creation age rounded up): First <= Last. */
	make_record(&r[3], 3, EXPORT_MS - 1000, EXPORT_MS - 2000);
	nf_body_init(&b, 5);
	for (i = 0; i < 4; i++)
		nf_body_add(&b, &r[i], 1, 1);
	nf_body_seal(&b, EXPORT_MS, origin);
	up = b.sys_uptime;
	assert_int_equal(up, 1000000);

	/*
	 * Clamped to export - 2^31 + 1: the oldest time a signed 32-bit
	 * subtraction still places before SysUptime.
	 */
	p = b.rec;
	first = get32(p + 24);
	last = get32(p + 28);
	assert_int_equal((uint32_t)(up - first), TWO31 - 1);
	assert_int_equal(first, (uint32_t)(EXPORT_MS - TWO31 + 1 - origin));
	assert_true((int32_t)(up - first) > 0);
	assert_int_equal((uint32_t)(up - last), 10);
	assert_true((int32_t)(last - first) >= 0);

	/* Both ends clamped: First == Last, still <= SysUptime. */
	p = b.rec + NF_REC_LEN;
	first = get32(p + 24);
	last = get32(p + 28);
	assert_int_equal((uint32_t)(up - first), TWO31 - 1);
	assert_int_equal((uint32_t)(up - last), TWO31 - 1);
	assert_true((int32_t)(last - first) >= 0);

	p = b.rec + 2 * NF_REC_LEN;
	first = get32(p + 24);
	last = get32(p + 28);
	assert_int_equal((uint32_t)(up - first), TWO31 - 1);
	assert_int_equal(last, up);
	assert_true((int32_t)(last - first) >= 0);

	p = b.rec + 3 * NF_REC_LEN;
	first = get32(p + 24);
	last = get32(p + 28);
	assert_true((int32_t)(last - first) >= 0);
	assert_true((uint32_t)(up - first) <= 2000);
	assert_true((uint32_t)(up - last) >= 1000);
	assert_true((uint32_t)(up - last) <= 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_needed),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_chunks),
		cmocka_unit_test(test_body_full),
		cmocka_unit_test(test_header_v5),
		cmocka_unit_test(test_header_v1),
		cmocka_unit_test(test_records_v5),
		cmocka_unit_test(test_records_v1),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_uptime_wrap),
		cmocka_unit_test(test_clamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
