/*
 * test_flow.c - the flow contract (ARCHITECTURE.md "The flow contract",
 * wire-spec 8.2, 8.3, 9.1): which key, which end is the initiator, which
 * counters go with which direction, what is dropped, and the debug line.
 *
 * Every event has four different addresses and ports in its two keys, so
 * a record built from the wrong key or the wrong index shows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "pfsync.h"

#define ARRIVAL_MS	UINT64_C(1700000000123)

/* IPv4 address a.b.c.d into a pf_addr (first 4 bytes, rest zero). */
static void
set4(uint8_t a[16], uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	memset(a, 0, 16);
	a[0] = b0;
	a[1] = b1;
	a[2] = b2;
	a[3] = b3;
}

/*
 * An IPv4 TCP state with both keys distinct:
 *   key[WIRE]  = 203.0.113.9:51000 <-> 198.51.100.1:8443
 *   key[STACK] = 203.0.113.9:51000 <-> 10.0.0.5:443
 * counters [0] 10 packets / 1500 bytes, [1] 20 / 30000.
 */
static void
make_event(struct pf_state_event *ev, uint8_t direction)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = PF_EV_DELETE;
	ev->version = 3;
	ev->af = 4;
	ev->proto = 6;
	ev->direction = direction;
	ev->timeout = 5;
	ev->has_counters = true;
	ev->creatorid = 0xdeadbeef;
	ev->id = UINT64_C(0x0123456789abcdef);
	ev->creation_s = 300;
	ev->expire_s = 90;
	ev->packets[0] = 10;
	ev->bytes[0] = 1500;
	ev->packets[1] = 20;
	ev->bytes[1] = 30000;
	set4(ev->key[PF_SK_WIRE].addr[0], 203, 0, 113, 9);
	set4(ev->key[PF_SK_WIRE].addr[1], 198, 51, 100, 1);
	ev->key[PF_SK_WIRE].port[0] = 51000;
	ev->key[PF_SK_WIRE].port[1] = 8443;
	set4(ev->key[PF_SK_STACK].addr[0], 203, 0, 113, 9);
	set4(ev->key[PF_SK_STACK].addr[1], 10, 0, 0, 5);
	ev->key[PF_SK_STACK].port[0] = 51000;
	ev->key[PF_SK_STACK].port[1] = 443;
	strcpy(ev->ifname, "em0");
}

/* One record: endpoints, counters, orientation, the copied fields. */
static void
assert_record(const struct flow_record *r, const struct pf_state_event *ev,
    const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
    unsigned d, unsigned prov)
{
	assert_memory_equal(r->src, src, 16);
	assert_int_equal(r->src_port, sport);
	assert_memory_equal(r->dst, dst, 16);
	assert_int_equal(r->dst_port, dport);
	assert_int_equal(r->packets, ev->packets[d]);
	assert_int_equal(r->bytes, ev->bytes[d]);
	assert_int_equal(r->reverse, d);
	assert_int_equal(r->af, ev->af);
	assert_int_equal(r->proto, ev->proto);
	assert_int_equal(r->direction, ev->direction);
	assert_int_equal(r->state_id, ev->id);
	assert_int_equal(r->creatorid, ev->creatorid);
	assert_int_equal(r->provenance, prov);
	assert_int_equal(r->first_ms,
	    ARRIVAL_MS - (uint64_t)ev->creation_s * 1000);
	assert_int_equal(r->last_ms, ARRIVAL_MS);
	assert_int_equal(r->seen_ms, ARRIVAL_MS);
}

static void
test_in_state(void **state)
{
	struct pf_state_event ev;
	struct flow_record out[2];
	const struct pf_key *k;
	uint64_t n_zero = 0;

	(void)state;
	/*
	 * IN: key[WIRE] (pre-rdr, as received); the initiator is addr[0],
	 * 203.0.113.9:51000, talking to 198.51.100.1:8443.
	 */
	make_event(&ev, PFSYNC_DIR_IN);
	k = &ev.key[PF_SK_WIRE];
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_FINAL, out,
	    &n_zero), 2);
	assert_int_equal(n_zero, 0);
	assert_record(&out[0], &ev, k->addr[0], 51000, k->addr[1], 8443, 0,
	    FLOW_FINAL);
	assert_record(&out[1], &ev, k->addr[1], 8443, k->addr[0], 51000, 1,
	    FLOW_FINAL);
}

static void
test_out_state(void **state)
{
	struct pf_state_event ev;
	struct flow_record out[2];
	const struct pf_key *k;
	uint64_t n_zero = 0;

	(void)state;
	/*
	 * OUT: key[STACK] (pre-NAT, as the stack sent it); the initiator
	 * is addr[1], 10.0.0.5:443, towards 203.0.113.9:51000.
	 */
	make_event(&ev, PFSYNC_DIR_OUT);
	k = &ev.key[PF_SK_STACK];
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_LAST_KNOWN,
	    out, &n_zero), 2);
	assert_int_equal(n_zero, 0);
	assert_record(&out[0], &ev, k->addr[1], 443, k->addr[0], 51000, 0,
	    FLOW_LAST_KNOWN);
	assert_record(&out[1], &ev, k->addr[0], 51000, k->addr[1], 443, 1,
	    FLOW_LAST_KNOWN);
}

static void
test_ipv6(void **state)
{
	struct pf_state_event ev;
	struct flow_record out[2];
	const struct pf_key *k;
	uint64_t n_zero = 0;
	unsigned i;

	(void)state;
	/* All 16 bytes of each address are copied. */
	make_event(&ev, PFSYNC_DIR_IN);
	ev.af = 6;
	ev.proto = 17;
	for (i = 0; i < 16; i++) {
		ev.key[PF_SK_WIRE].addr[0][i] = (uint8_t)(0x20 + i);
		ev.key[PF_SK_WIRE].addr[1][i] = (uint8_t)(0x40 + i);
	}
	k = &ev.key[PF_SK_WIRE];
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_FINAL, out,
	    &n_zero), 2);
	assert_record(&out[0], &ev, k->addr[0], 51000, k->addr[1], 8443, 0,
	    FLOW_FINAL);
	assert_record(&out[1], &ev, k->addr[1], 8443, k->addr[0], 51000, 1,
	    FLOW_FINAL);
}

static void
test_zero_direction(void **state)
{
	struct pf_state_event ev;
	struct flow_record out[2];
	const struct pf_key *k;
	uint64_t n_zero = 5;

	(void)state;
	/* Nothing came back: one record, one zero direction counted. */
	make_event(&ev, PFSYNC_DIR_OUT);
	ev.packets[1] = 0;
	ev.bytes[1] = 0;
	k = &ev.key[PF_SK_STACK];
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_FINAL, out,
	    &n_zero), 1);
	assert_int_equal(n_zero, 6);	/* added to, not overwritten */
	assert_record(&out[0], &ev, k->addr[1], 443, k->addr[0], 51000, 0,
	    FLOW_FINAL);

	/* Only the reverse direction carried traffic: it comes first. */
	make_event(&ev, PFSYNC_DIR_IN);
	ev.packets[0] = 0;
	ev.bytes[0] = 0;
	k = &ev.key[PF_SK_WIRE];
	n_zero = 0;
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_FINAL, out,
	    &n_zero), 1);
	assert_int_equal(n_zero, 1);
	assert_record(&out[0], &ev, k->addr[1], 8443, k->addr[0], 51000, 1,
	    FLOW_FINAL);

	/* Neither: no record, two zero directions. */
	ev.packets[1] = 0;
	ev.bytes[1] = 0;
	n_zero = 0;
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_FINAL, out,
	    &n_zero), 0);
	assert_int_equal(n_zero, 2);
}

static void
test_partly_zero_kept(void **state)
{
	struct pf_state_event ev;
	struct flow_record out[2];
	uint64_t n_zero = 0;

	(void)state;
	/*
	 * Only a direction with zero packets AND zero bytes is dropped:
	 * 0 packets / 40 bytes (v2 counters that wrapped) and 3 packets /
	 * 0 bytes are both kept.
	 */
	make_event(&ev, PFSYNC_DIR_IN);
	ev.packets[0] = 0;
	ev.bytes[0] = 40;
	ev.packets[1] = 3;
	ev.bytes[1] = 0;
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_FINAL, out,
	    &n_zero), 2);
	assert_int_equal(n_zero, 0);
	assert_int_equal(out[0].packets, 0);
	assert_int_equal(out[0].bytes, 40);
	assert_int_equal(out[1].packets, 3);
	assert_int_equal(out[1].bytes, 0);
}

static void
test_times_and_counters(void **state)
{
	struct pf_state_event ev;
	struct flow_record out[2];
	uint64_t n_zero = 0;

	(void)state;
	/* 64-bit counters pass through whole; age 0xffffffff s. */
	make_event(&ev, PFSYNC_DIR_OUT);
	ev.packets[0] = UINT64_C(0x123456789a);
	ev.bytes[0] = UINT64_C(0xfedcba9876543210);
	ev.creation_s = 0xffffffff;
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS * 10, FLOW_FINAL,
	    out, &n_zero), 2);
	assert_int_equal(out[0].packets, UINT64_C(0x123456789a));
	assert_int_equal(out[0].bytes, UINT64_C(0xfedcba9876543210));
	assert_int_equal(out[0].first_ms,
	    ARRIVAL_MS * 10 - UINT64_C(0xffffffff) * 1000);
	assert_int_equal(out[0].last_ms, ARRIVAL_MS * 10);
	assert_int_equal(out[1].first_ms, out[0].first_ms);

	/* Age 0: first == last == arrival. */
	make_event(&ev, PFSYNC_DIR_IN);
	ev.creation_s = 0;
	assert_int_equal(flow_from_state(&ev, ARRIVAL_MS, FLOW_FINAL, out,
	    &n_zero), 2);
	assert_int_equal(out[0].first_ms, ARRIVAL_MS);
	assert_int_equal(out[0].last_ms, ARRIVAL_MS);
}

/* ----------------------------------------------------------- format */

static void
make_record4(struct flow_record *r)
{
	memset(r, 0, sizeof(*r));
	r->proto = 6;
	set4(r->src, 10, 1, 2, 3);
	r->src_port = 40000;
	set4(r->dst, 192, 0, 2, 80);
	r->dst_port = 443;
	r->packets = 12;
	r->bytes = 3456;
	r->first_ms = UINT64_C(1700000000000);
	r->last_ms = UINT64_C(1700000012345);
	r->seen_ms = r->last_ms;
	r->direction = PFSYNC_DIR_OUT;
	r->state_id = UINT64_C(0x0123456789abcdef);
	r->creatorid = 0xdeadbeef;
	r->af = 4;
	r->provenance = FLOW_FINAL;
}

static void
test_format_ipv4(void **state)
{
	struct flow_record r;
	char buf[256];

	(void)state;
	make_record4(&r);
	assert_ptr_equal(flow_format(&r, buf, sizeof(buf)), buf);
	assert_string_equal(buf,
	    "flow 6 10.1.2.3:40000 -> 192.0.2.80:443 packets 12 bytes 3456 "
	    "first 1700000000000 last 1700000012345 dir out "
	    "state 0123456789abcdef/deadbeef final");

	/* Small ids keep their leading zeros; dir in. */
	r.state_id = 1;
	r.creatorid = 0x2a;
	r.direction = PFSYNC_DIR_IN;
	r.proto = 1;
	r.src_port = 0;
	r.dst_port = 0;
	flow_format(&r, buf, sizeof(buf));
	assert_string_equal(buf,
	    "flow 1 10.1.2.3:0 -> 192.0.2.80:0 packets 12 bytes 3456 "
	    "first 1700000000000 last 1700000012345 dir in "
	    "state 0000000000000001/0000002a final");
}

static void
test_format_ipv6(void **state)
{
	/* 2001:db8::1 and 2001:db8:0:1::2 */
	static const uint8_t a[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	static const uint8_t b[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2
	};
	struct flow_record r;
	char buf[256];

	(void)state;
	make_record4(&r);
	r.af = 6;
	r.proto = 17;
	memcpy(r.src, a, 16);
	memcpy(r.dst, b, 16);
	r.src_port = 53;
	r.dst_port = 5353;
	r.packets = UINT64_MAX;
	r.bytes = UINT64_C(1) << 40;
	r.direction = PFSYNC_DIR_IN;
	flow_format(&r, buf, sizeof(buf));
	assert_string_equal(buf,
	    "flow 17 [2001:db8::1]:53 -> [2001:db8:0:1::2]:5353 "
	    "packets 18446744073709551615 bytes 1099511627776 "
	    "first 1700000000000 last 1700000012345 dir in "
	    "state 0123456789abcdef/deadbeef final");
}

static void
test_format_last_known(void **state)
{
	static const char want[] =
	    "flow 6 10.1.2.3:40000 -> 192.0.2.80:443 packets 12 bytes 3456 "
	    "first 1700000000000 last 1700000012345 dir out "
	    "state 0123456789abcdef/deadbeef last-known";
	struct flow_record r;
	char buf[256];
	const char *rest;

	(void)state;
	make_record4(&r);
	r.provenance = FLOW_LAST_KNOWN;
	r.counters_age_ms = 4500;
	flow_format(&r, buf, sizeof(buf));
	/*
	 * The line ends in "last-known".  ARCHITECTURE.md also wants the
	 * counters' age shown, so " age <ms>ms" may follow; nothing else.
	 */
	assert_memory_equal(buf, want, sizeof(want) - 1);
	rest = buf + sizeof(want) - 1;
	if (*rest != '\0')
		assert_string_equal(rest, " age 4500ms");
}

static void
test_format_truncates(void **state)
{
	struct flow_record r;
	char full[256];
	char *small;
	size_t n;

	(void)state;
	make_record4(&r);
	flow_format(&r, full, sizeof(full));
	/* Every buffer size: NUL-terminated prefix, never past len. */
	for (n = 1; n <= strlen(full) + 1; n++) {
		small = malloc(n);
		assert_non_null(small);
		flow_format(&r, small, n);
		assert_int_equal(strlen(small), n - 1);
		assert_memory_equal(small, full, n - 1);
		free(small);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_state),
		cmocka_unit_test(test_out_state),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_zero_direction),
		cmocka_unit_test(test_partly_zero_kept),
		cmocka_unit_test(test_times_and_counters),
		cmocka_unit_test(test_format_ipv4),
		cmocka_unit_test(test_format_ipv6),
		cmocka_unit_test(test_format_last_known),
		cmocka_unit_test(test_format_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
