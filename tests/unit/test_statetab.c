/*
 * test_statetab.c - the state table's contract: when a state ends, which
 * counters and times its flows carry, and how each way of ending (full
 * DEL, DEL_C, CLR, expiry, eviction, flush) and each oddity (duplicate or
 * unknown deletes, updates of unknown states) is counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "statetab.h"

#define MAX_OUT	64
#define T0	1767225600000ULL	/* 2026-01-01T00:00:00Z in ms */

struct out {
	unsigned		n;
	struct flow_record	r[MAX_OUT];
};

static void
collect(void *ctx, const struct flow_record *r)
{
	struct out *o = ctx;

	assert_true(o->n < MAX_OUT);
	o->r[o->n++] = *r;
}

static struct statetab *
make(struct out *o, unsigned capacity, uint8_t direction, bool last_known)
{
	struct statetab_conf c = { capacity, direction, last_known, 60000 };

	memset(o, 0, sizeof(*o));
	return statetab_create(&c, collect, o);
}

/*
 * A full state: IN, so key[WIRE] is the flow key; 192.0.2.1:1000 initiated
 * to 198.51.100.2:80.  key[STACK] differs (a redirect) so a wrong key
 * choice shows.
 */
static struct pf_state_event
full(enum pf_event_kind kind, uint32_t creator, uint64_t id, uint64_t pk0,
    uint64_t pk1, uint32_t creation_s)
{
	struct pf_state_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = (uint8_t)kind;
	ev.af = 4;
	ev.proto = 6;
	ev.direction = PFSYNC_DIR_IN;
	ev.timeout = 2;				/* tcp.established */
	ev.has_counters = true;
	ev.creatorid = creator;
	ev.id = id;
	ev.creation_s = creation_s;
	ev.packets[0] = pk0;
	ev.packets[1] = pk1;
	ev.bytes[0] = pk0 * 100;
	ev.bytes[1] = pk1 * 100;
	memcpy(ev.key[PF_SK_WIRE].addr[0], "\xc0\x00\x02\x01", 4);
	memcpy(ev.key[PF_SK_WIRE].addr[1], "\xc6\x33\x64\x02", 4);
	ev.key[PF_SK_WIRE].port[0] = 1000;
	ev.key[PF_SK_WIRE].port[1] = 80;
	memcpy(ev.key[PF_SK_STACK].addr[0], "\xc0\x00\x02\x01", 4);
	memcpy(ev.key[PF_SK_STACK].addr[1], "\x0a\x00\x00\x09", 4);
	ev.key[PF_SK_STACK].port[0] = 1000;
	ev.key[PF_SK_STACK].port[1] = 8080;
	strcpy(ev.ifname, "em0");
	return ev;
}

static struct pf_state_event
small(enum pf_event_kind kind, uint32_t creator, uint64_t id)
{
	struct pf_state_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = (uint8_t)kind;
	ev.creatorid = creator;
	ev.id = id;
	ev.timeout = 2;
	return ev;
}

/* INS, UPD_C, bulk UPD, UPD_C, DEL_C: last-known counters and times. */
static void
test_lifecycle_last_known(void **state)
{
	struct out o;
	struct statetab *t = make(&o, 100, 0, true);
	struct pf_state_event ins = full(PF_EV_INSERT, 7, 1, 1, 1, 2);
	struct pf_state_event upd = full(PF_EV_UPDATE, 7, 1, 50, 40, 9);
	struct pf_state_event upc = small(PF_EV_UPDATE_C, 7, 1);
	struct pf_state_event del = small(PF_EV_DELETE_C, 7, 1);
	const struct statetab_stats *st = statetab_stats(t);

	(void)state;
	statetab_apply(t, &ins, T0 + 1000);
	statetab_apply(t, &upc, T0 + 4000);
	statetab_apply(t, &upd, T0 + 8000);
	statetab_apply(t, &upc, T0 + 9500);
	assert_int_equal(o.n, 0);
	statetab_apply(t, &del, T0 + 12000);
	assert_int_equal(o.n, 2);
	/* Initiator -> responder on key[WIRE] (IN state), then back. */
	assert_memory_equal(o.r[0].src, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(o.r[0].dst, "\xc6\x33\x64\x02", 4);
	assert_int_equal(o.r[0].src_port, 1000);
	assert_int_equal(o.r[0].dst_port, 80);
	assert_int_equal(o.r[0].packets, 50);	/* the bulk UPD's counters */
	assert_int_equal(o.r[0].bytes, 5000);
	assert_int_equal(o.r[1].packets, 40);
	assert_memory_equal(o.r[1].src, "\xc6\x33\x64\x02", 4);
	/* Start from the INS (arrival - age), end at the last activity. */
	assert_int_equal(o.r[0].first_ms, T0 + 1000 - 2000);
	assert_int_equal(o.r[0].last_ms, T0 + 9500);
	assert_int_equal(o.r[0].seen_ms, T0 + 12000);
	assert_int_equal(o.r[0].provenance, FLOW_LAST_KNOWN);
	assert_int_equal(o.r[0].counters_age_ms, 1500);
	assert_int_equal(st->inserted, 1);
	assert_int_equal(st->refreshed, 1);
	assert_int_equal(st->updates_c, 2);
	assert_int_equal(st->ended_delete_c, 1);
	assert_int_equal(st->flows_last_known, 2);
	assert_int_equal(st->live, 0);
	/* Another member's DEL_C for the same state: not exported again. */
	statetab_apply(t, &del, T0 + 12500);
	assert_int_equal(o.n, 2);
	assert_int_equal(st->duplicates, 1);
	statetab_destroy(t);
}

/* Full DEL: final counters; with or without a prior INS. */
static void
test_full_delete(void **state)
{
	struct out o;
	struct statetab *t = make(&o, 100, 0, true);
	struct pf_state_event ins = full(PF_EV_INSERT, 7, 1, 1, 0, 0);
	struct pf_state_event del1 = full(PF_EV_DELETE, 7, 1, 70, 60, 30);
	struct pf_state_event del2 = full(PF_EV_DELETE, 7, 2, 5, 0, 10);
	const struct statetab_stats *st = statetab_stats(t);

	(void)state;
	statetab_apply(t, &ins, T0);
	statetab_apply(t, &del1, T0 + 30000);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.r[0].packets, 70);
	assert_int_equal(o.r[0].provenance, FLOW_FINAL);
	assert_int_equal(o.r[0].first_ms, T0);	/* from the INS */
	assert_int_equal(o.r[0].last_ms, T0 + 30000);
	/* Never seen: still flows; zero reverse direction dropped. */
	statetab_apply(t, &del2, T0 + 40000);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.r[2].first_ms, T0 + 30000);
	assert_int_equal(o.r[2].last_ms, T0 + 40000);
	assert_int_equal(st->ended_delete, 2);
	assert_int_equal(st->ended_delete_unseen, 1);
	assert_int_equal(st->zero_directions, 1);
	assert_int_equal(st->flows_final, 3);
	/* A retransmitted DEL is a duplicate. */
	statetab_apply(t, &del2, T0 + 40001);
	assert_int_equal(o.n, 3);
	assert_int_equal(st->duplicates, 1);
	statetab_destroy(t);
}

static void
test_unknown_messages(void **state)
{
	struct out o;
	struct statetab *t = make(&o, 100, 0, true);
	struct pf_state_event upc = small(PF_EV_UPDATE_C, 1, 99);
	struct pf_state_event delc = small(PF_EV_DELETE_C, 1, 99);
	const struct statetab_stats *st = statetab_stats(t);

	(void)state;
	statetab_apply(t, &upc, T0);
	statetab_apply(t, &delc, T0);
	assert_int_equal(o.n, 0);
	assert_int_equal(st->updates_c_unknown, 1);
	assert_int_equal(st->deletes_unknown, 1);
	assert_int_equal(st->live, 0);
	statetab_destroy(t);
}

/* CLR: one creator's states (on one interface if named) end. */
static void
test_clear(void **state)
{
	struct out o;
	struct statetab *t = make(&o, 100, 0, true);
	struct pf_state_event a = full(PF_EV_INSERT, 7, 1, 3, 0, 0);
	struct pf_state_event b = full(PF_EV_INSERT, 7, 2, 3, 0, 0);
	struct pf_state_event c = full(PF_EV_INSERT, 8, 3, 3, 0, 0);
	struct pf_state_event clr = small(PF_EV_CLEAR, 7, 0);
	const struct statetab_stats *st = statetab_stats(t);

	(void)state;
	strcpy(b.ifname, "em1");
	statetab_apply(t, &a, T0);
	statetab_apply(t, &b, T0);
	statetab_apply(t, &c, T0);
	strcpy(clr.ifname, "em1");
	statetab_apply(t, &clr, T0 + 10);	/* creator 7 on em1: b */
	assert_int_equal(o.n, 1);
	assert_int_equal(o.r[0].state_id, 2);
	clr.ifname[0] = '\0';
	statetab_apply(t, &clr, T0 + 20);	/* creator 7 anywhere: a */
	assert_int_equal(o.n, 2);
	assert_int_equal(o.r[1].state_id, 1);
	assert_int_equal(st->ended_clear, 2);
	assert_int_equal(st->live, 1);
	statetab_flush(t);			/* c */
	assert_int_equal(o.n, 3);
	assert_int_equal(st->flushed, 1);
	statetab_destroy(t);
}

/* A lost delete: the state ends after pf's timeout plus the margin. */
static void
test_expiry(void **state)
{
	struct out o;
	struct statetab *t = make(&o, 100, 0, true);
	struct pf_state_event udp = full(PF_EV_INSERT, 7, 1, 2, 2, 0);
	struct pf_state_event tcp = full(PF_EV_INSERT, 7, 2, 2, 2, 0);
	const struct statetab_stats *st = statetab_stats(t);

	(void)state;
	udp.timeout = 8;			/* udp.multiple: 60 s */
	udp.proto = 17;
	statetab_apply(t, &tcp, T0);		/* tcp.established: 1 day */
	statetab_apply(t, &udp, T0 + 1000);
	statetab_expire(t, T0 + 1000 + 120000);	/* exactly 60 + 60 s */
	assert_int_equal(o.n, 0);
	statetab_expire(t, T0 + 1000 + 120001);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.r[0].proto, 17);
	assert_int_equal(o.r[0].last_ms, T0 + 1000);
	assert_int_equal(st->expired, 1);
	assert_int_equal(st->live, 1);
	statetab_destroy(t);
}

/* A full table ends its oldest-idle state to make room. */
static void
test_eviction(void **state)
{
	struct out o;
	struct statetab *t = make(&o, 16, 0, true);
	const struct statetab_stats *st = statetab_stats(t);
	struct pf_state_event ev;
	uint64_t i;

	(void)state;
	for (i = 0; i < 16; i++) {
		ev = full(PF_EV_INSERT, 7, i, 1, 0, 0);
		statetab_apply(t, &ev, T0 + i);
	}
	/* Touch state 0 so state 1 is now the oldest idle. */
	ev = small(PF_EV_UPDATE_C, 7, 0);
	statetab_apply(t, &ev, T0 + 100);
	ev = full(PF_EV_INSERT, 7, 16, 1, 0, 0);
	statetab_apply(t, &ev, T0 + 200);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.r[0].state_id, 1);
	assert_int_equal(st->evicted, 1);
	assert_int_equal(st->live, 16);
	assert_int_equal(st->high_water, 16);
	/* Ended entries are reused before live ones are evicted. */
	ev = small(PF_EV_DELETE_C, 7, 5);
	statetab_apply(t, &ev, T0 + 300);
	ev = full(PF_EV_INSERT, 7, 17, 1, 0, 0);
	statetab_apply(t, &ev, T0 + 400);
	assert_int_equal(st->evicted, 1);
	assert_int_equal(st->live, 16);
	statetab_destroy(t);
}

static void
test_direction_filter_and_no_last_known(void **state)
{
	struct out o;
	struct statetab *t = make(&o, 100, PFSYNC_DIR_OUT, false);
	struct pf_state_event in = full(PF_EV_DELETE, 7, 1, 3, 3, 0);
	struct pf_state_event out = full(PF_EV_DELETE, 7, 2, 3, 3, 0);
	struct pf_state_event ins = full(PF_EV_INSERT, 7, 3, 3, 3, 0);
	struct pf_state_event delc = small(PF_EV_DELETE_C, 7, 3);
	const struct statetab_stats *st = statetab_stats(t);

	(void)state;
	out.direction = PFSYNC_DIR_OUT;
	ins.direction = PFSYNC_DIR_OUT;
	statetab_apply(t, &in, T0);
	assert_int_equal(o.n, 0);
	assert_int_equal(st->filtered_direction, 1);
	statetab_apply(t, &out, T0);
	assert_int_equal(o.n, 2);
	/* OUT uses key[STACK]: initiator is addr[1] (10.0.0.9:8080). */
	assert_memory_equal(o.r[0].src, "\x0a\x00\x00\x09", 4);
	assert_int_equal(o.r[0].src_port, 8080);
	statetab_apply(t, &ins, T0);
	statetab_apply(t, &delc, T0 + 5);
	assert_int_equal(o.n, 2);
	assert_int_equal(st->skipped_last_known, 2);
	statetab_destroy(t);
}

static void
test_shard_is_stable(void **state)
{
	unsigned n, seen[4] = { 0 };
	uint64_t id;

	(void)state;
	for (id = 0; id < 4000; id++) {
		n = statetab_shard(0xdeadbeef, id, 4);
		assert_true(n < 4);
		assert_int_equal(n, statetab_shard(0xdeadbeef, id, 4));
		seen[n]++;
	}
	for (n = 0; n < 4; n++)
		assert_true(seen[n] > 800);	/* roughly even */
	assert_int_equal(statetab_shard(1, 2, 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle_last_known),
		cmocka_unit_test(test_full_delete),
		cmocka_unit_test(test_unknown_messages),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_direction_filter_and_no_last_known),
		cmocka_unit_test(test_shard_is_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
