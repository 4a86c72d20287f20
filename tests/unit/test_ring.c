/*
 * test_ring.c - the SPSC ring wrappers under a real producer and consumer
 * thread: nothing lost, nothing duplicated, order kept, through many
 * wrap-arounds of a small ring.  Also run under ThreadSanitizer.
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

static void
test_flow_ring_by_value(void **state)
{
	struct flow_job j;
	struct flow_record rec;
	struct backoff bo;
	pthread_t t;
	uint64_t expect = 1, bad = 0;
	uint8_t src[16];

	(void)state;
	assert_int_equal(flow_ring_init(&j.r, RING_SIZE), 0);
	assert_int_equal(pthread_create(&t, NULL, flow_producer, &j), 0);
	backoff_init(&bo, false);
	while (expect <= N_ITEMS) {
		if (!flow_ring_get(&j.r, &rec)) {
			backoff_wait(&bo);
			continue;
		}
		memset(src, (int)(expect & 0xff), sizeof(src));
		if (rec.packets != expect || rec.bytes != expect * 1000 ||
		    rec.first_ms != ~expect ||
		    rec.src_port != (uint16_t)expect ||
		    memcmp(rec.src, src, sizeof(src)) != 0)
			bad++;
		expect++;
	}
	pthread_join(t, NULL);
	assert_false(flow_ring_get(&j.r, &rec));
	assert_int_equal(bad, 0);
	flow_ring_fini(&j.r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptr_ring_capacity),
		cmocka_unit_test(test_ptr_ring_spsc),
		cmocka_unit_test(test_flow_ring_by_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
