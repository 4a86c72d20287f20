/*
 * test_ring.c - the SPSC ring wrappers under a real producer and consumer
 * thread: nothing lost, nothing duplicated, order kept, through many
 * wrap-arounds of a small ring; flow records read in place as the
 * exporter reads them.  Also run under ThreadSanitizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "backoff.h"
#include "ring.h"

#define N_ITEMS		200000
#define RING_SIZE	64	/* small: forces constant full/empty */

struct ptr_job {
	struct ptr_ring	r;
	uint64_t	bad_order;
};

static void *
ptr_producer(void *arg)
{
	struct ptr_job *j = arg;
	struct backoff bo;
	uintptr_t i;

	backoff_init(&bo, false);
	for (i = 1; i <= N_ITEMS; i++)
		while (!ptr_ring_put(&j->r, (void *)i))
			backoff_wait(&bo);
	return NULL;
}

static void
test_ptr_ring_spsc(void **state)
{
	struct ptr_job j;
	struct backoff bo;
	pthread_t t;
	uintptr_t expect = 1;
	void *p;

	(void)state;
	memset(&j, 0, sizeof(j));
	assert_int_equal(ptr_ring_init(&j.r, RING_SIZE), 0);
	assert_int_equal(pthread_create(&t, NULL, ptr_producer, &j), 0);
	backoff_init(&bo, false);
	while (expect <= N_ITEMS) {
		p = ptr_ring_get(&j.r);
		if (p == NULL) {
			backoff_wait(&bo);
			continue;
		}
		if ((uintptr_t)p != expect)
			j.bad_order++;
		expect++;
	}
	pthread_join(t, NULL);
	assert_null(ptr_ring_get(&j.r));
	assert_int_equal(j.bad_order, 0);
	ptr_ring_fini(&j.r);
}

static void
test_ptr_ring_capacity(void **state)
{
	struct ptr_ring r;
	uintptr_t i;

	(void)state;
	assert_int_equal(ptr_ring_init(&r, 8), 0);
	/* A ring of N holds N - 1. */
	for (i = 1; i <= 7; i++)
		assert_true(ptr_ring_put(&r, (void *)i));
	assert_false(ptr_ring_put(&r, (void *)i));
	for (i = 1; i <= 7; i++)
		assert_ptr_equal(ptr_ring_get(&r), (void *)i);
	assert_null(ptr_ring_get(&r));
	ptr_ring_fini(&r);
}

struct flow_job {
	struct flow_ring r;
};

static void *
flow_producer(void *arg)
{
	struct flow_job *j = arg;
	struct flow_record rec;
	struct backoff bo;
	uint64_t i;

	memset(&rec, 0, sizeof(rec));
	backoff_init(&bo, false);
	for (i = 1; i <= N_ITEMS; i++) {
		/* Every field derived from i, so a torn copy shows. */
		rec.packets = i;
		rec.bytes = i * 1000;
		rec.first_ms = ~i;
		rec.src_port = (uint16_t)i;
		memset(rec.src, (int)(i & 0xff), sizeof(rec.src));
		while (!flow_ring_put(&j->r, &rec))
			backoff_wait(&bo);
	}
	return NULL;
}

/* Records are read in place, in bursts of at most max. */
static void
consume_flows(struct flow_job *j, unsigned max, uint64_t *bad)
{
	const struct flow_record *rec = NULL;
	struct backoff bo;
	uint64_t expect = 1;
	uint8_t src[16];
	unsigned k, n;

	backoff_init(&bo, false);
	while (expect <= N_ITEMS) {
		if ((n = flow_ring_borrow(&j->r, &rec, max)) == 0) {
			backoff_wait(&bo);
			continue;
		}
		if (n > max)
			(*bad)++;
		for (k = 0; k < n; k++, expect++) {
			memset(src, (int)(expect & 0xff), sizeof(src));
			if (rec[k].packets != expect ||
			    rec[k].bytes != expect * 1000 ||
			    rec[k].first_ms != ~expect ||
			    rec[k].src_port != (uint16_t)expect ||
			    memcmp(rec[k].src, src, sizeof(src)) != 0)
				(*bad)++;
		}
		flow_ring_release(&j->r, n);
	}
}

static void
run_flow_job(unsigned max)
{
	const struct flow_record *rec = NULL;
	struct flow_job j;
	pthread_t t;
	uint64_t bad = 0;

	assert_int_equal(flow_ring_init(&j.r, RING_SIZE), 0);
	assert_int_equal(pthread_create(&t, NULL, flow_producer, &j), 0);
	consume_flows(&j, max, &bad);
	pthread_join(t, NULL);
	assert_int_equal(flow_ring_borrow(&j.r, &rec, max), 0);
	assert_int_equal(bad, 0);
	flow_ring_fini(&j.r);
}

/* One at a time: every hand-off is a full/empty race. */
static void
test_flow_ring_one_by_one(void **state)
{
	(void)state;
	run_flow_job(1);
}

/* Bursts larger than the ring: borrows stop at the end of the buffer. */
static void
test_flow_ring_bursts(void **state)
{
	(void)state;
	run_flow_job(RING_SIZE * 2);
}

/*
 * Single-threaded: a borrow never crosses the end of the buffer, never
 * exceeds max, and the records released make room for exactly as many.
 */
static void
test_flow_ring_borrow_bounds(void **state)
{
	const struct flow_record *rec = NULL;
	struct flow_record in;
	struct flow_ring r;
	unsigned i;

	(void)state;
	memset(&in, 0, sizeof(in));
	assert_int_equal(flow_ring_init(&r, 8), 0);
	assert_int_equal(flow_ring_borrow(&r, &rec, 8), 0);
	for (i = 0; i < 7; i++) {
		in.state_id = i;
		assert_true(flow_ring_put(&r, &in));
	}
	assert_false(flow_ring_put(&r, &in));		/* holds 7 */
	assert_int_equal(flow_ring_borrow(&r, &rec, 3), 3);
	assert_int_equal(rec[0].state_id, 0);
	assert_int_equal(rec[2].state_id, 2);
	/* Borrowed is not released: still full. */
	assert_false(flow_ring_put(&r, &in));
	flow_ring_release(&r, 3);
	for (i = 7; i < 10; i++) {
		in.state_id = i;
		assert_true(flow_ring_put(&r, &in));	/* slots 7, 0, 1 */
	}
	assert_false(flow_ring_put(&r, &in));
	/* 3..7 before the end of the buffer, then 8 and 9 at its start. */
	assert_int_equal(flow_ring_borrow(&r, &rec, 100), 5);
	assert_int_equal(rec[0].state_id, 3);
	assert_int_equal(rec[4].state_id, 7);
	flow_ring_release(&r, 5);
	assert_int_equal(flow_ring_borrow(&r, &rec, 100), 2);
	assert_int_equal(rec[0].state_id, 8);
	assert_int_equal(rec[1].state_id, 9);
	flow_ring_release(&r, 2);
	assert_int_equal(flow_ring_borrow(&r, &rec, 100), 0);
	flow_ring_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptr_ring_capacity),
		cmocka_unit_test(test_ptr_ring_spsc),
		cmocka_unit_test(test_flow_ring_borrow_bounds),
		cmocka_unit_test(test_flow_ring_one_by_one),
		cmocka_unit_test(test_flow_ring_bursts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
