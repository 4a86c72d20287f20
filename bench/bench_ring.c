/*
 * bench_ring.c - the hand-offs between pipeline threads, two threads each.
 *
 *   flow   decoder -> exporter: struct flow_record by value into a flow
 *          ring of pfflowd's default size (8192), read in place in
 *          bursts as the exporter reads them
 *   frame  capture -> decoder -> capture: struct frame pointers through a
 *          frame pool's full ring and back through its free ring, the
 *          capture side touching each frame's header as it fills it
 * Both sides wait the way the stages do (backoff.h) and count how often
 * they found the ring full or empty.
 *
 *   bench_ring [--smoke] [--json FILE] [--records N] [--rounds R]
 *
 * Conservation: the consumer gets every entry exactly once and in order
 * (it checks a sequence number in each), so got = put and the sum of the
 * sequence numbers matches.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "benchutil.h"
#include "frame.h"
#include "ring.h"

#define FLOW_RING_SIZE	8192	/* conf.c's default flow ring */
#define FRAME_SLOTS	1024	/* conf.c's default frame slots */
#define MAX_ROUNDS	15
#define BORROW_MAX	256	/* export.c's DRAIN_BURST */

struct side {
	uint64_t	n;		/* entries to move */
	uint64_t	got;		/* consumer: entries taken */
	uint64_t	sum;		/* consumer: sum of sequence numbers */
	uint64_t	out_of_order;	/* consumer: entries not in sequence */
	uint64_t	waits;		/* full (producer) / empty (consumer) */
};

struct pair {
	struct flow_ring	 ring;
	struct frame_pool	 pool;
	struct side		 prod, cons;
};

/* The exporter's way: borrow a burst in place, then release it. */
static void *
flow_consumer(void *arg)
{
	struct pair *p = arg;
	const struct flow_record *r;
	struct backoff bo;
	unsigned k, n;

	backoff_init(&bo, false);
	while (p->cons.got < p->cons.n) {
		if ((n = flow_ring_borrow(&p->ring, &r, BORROW_MAX)) == 0) {
			p->cons.waits++;
			backoff_wait(&bo);
			continue;
		}
		backoff_reset(&bo);
		for (k = 0; k < n; k++) {
			if (r[k].state_id != p->cons.got)
				p->cons.out_of_order++;
			p->cons.sum += r[k].state_id;
			p->cons.got++;
		}
		flow_ring_release(&p->ring, n);
	}
	return NULL;
}

static void
flow_producer(struct pair *p)
{
	struct flow_record r;
	struct backoff bo;
	uint64_t i;

	backoff_init(&bo, false);
	bench_make_flow(&r, 0, 0, 0);
	for (i = 0; i < p->prod.n; i++) {
		r.state_id = i;
		backoff_reset(&bo);
		while (!flow_ring_put(&p->ring, &r)) {
			p->prod.waits++;
			backoff_wait(&bo);
		}
	}
}

static void *
frame_consumer(void *arg)
{
	struct pair *p = arg;
	struct backoff bo;
	struct frame *f;

	backoff_init(&bo, false);
	while (p->cons.got < p->cons.n) {
		if ((f = ptr_ring_get(&p->pool.full)) == NULL) {
			p->cons.waits++;
			backoff_wait(&bo);
			continue;
		}
		backoff_reset(&bo);
		if (f->seq != p->cons.got)
			p->cons.out_of_order++;
		p->cons.sum += f->seq;
		p->cons.got++;
		/* The free ring holds every slot: cannot fail. */
		if (!ptr_ring_put(&p->pool.free, f))
			abort();
	}
	return NULL;
}

static void
frame_producer(struct pair *p)
{
	struct backoff bo;
	struct frame *f;
	uint64_t i;

	backoff_init(&bo, false);
	for (i = 0; i < p->prod.n; i++) {
		backoff_reset(&bo);
		while ((f = ptr_ring_get(&p->pool.free)) == NULL) {
			p->prod.waits++;
			backoff_wait(&bo);
		}
		f->seq = i;
		f->ts_us = i;
		f->len = 64;
		/* The full ring has room for every slot: cannot fail. */
		if (!ptr_ring_put(&p->pool.full, f))
			abort();
	}
}

/* One run of n entries; returns seconds, or -1 if conservation fails. */
static double
run(bool frames, uint64_t n, struct pair *p)
{
	pthread_t th;
	double t0, secs;
	uint64_t want = n * (n - 1) / 2;

	memset(p, 0, sizeof(*p));
	p->prod.n = p->cons.n = n;
	if (frames ? frame_pool_init(&p->pool, FRAME_SLOTS) :
	    flow_ring_init(&p->ring, FLOW_RING_SIZE)) {
		fprintf(stderr, "bench_ring: no memory\n");
		exit(1);
	}
	t0 = bench_now_s();
	if (pthread_create(&th, NULL, frames ? frame_consumer : flow_consumer,
	    p) != 0)
		abort();
	if (frames)
		frame_producer(p);
	else
		flow_producer(p);
	pthread_join(th, NULL);
	secs = bench_now_s() - t0;
	if (frames)
		frame_pool_fini(&p->pool);
	else
		flow_ring_fini(&p->ring);
	if (p->cons.got != n || p->cons.out_of_order != 0 ||
	    p->cons.sum != want) {
		fprintf(stderr, "bench_ring: %s: got %llu of %llu, %llu out of "
		    "order\n", frames ? "frame" : "flow",
		    (unsigned long long)p->cons.got, (unsigned long long)n,
		    (unsigned long long)p->cons.out_of_order);
		return -1;
	}
	return secs;
}

int
main(int argc, char **argv)
{
	static const char *const name[2] = { "flow", "frame" };
	double rate[2][MAX_ROUNDS], med[2];
	uint64_t waits[2][2] = { { 0 } };
	uint64_t n = 10000000;
	const char *json = NULL;
	unsigned rounds = 5, r, k;
	struct pair p;
	bool ok = true;
	FILE *f;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--smoke") == 0) {
			n = 20000;
			rounds = 1;
		} else if (strcmp(argv[a], "--json") == 0 && a + 1 < argc) {
			json = argv[++a];
		} else if (strcmp(argv[a], "--records") == 0 && a + 1 < argc) {
			n = strtoull(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) {
			rounds = (unsigned)strtoul(argv[++a], NULL, 10);
		} else {
			fprintf(stderr, "usage: bench_ring [--smoke] [--json "
			    "FILE] [--records N] [--rounds R]\n");
			return 2;
		}
	}
	if (n < 2 || n > 1000000000 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench_ring: records 2..1e9, rounds 1..%d\n",
		    MAX_ROUNDS);
		return 2;
	}
	for (r = 0; r < rounds; r++)
		for (k = 0; k < 2; k++) {
			double s = run(k == 1, n, &p);

			if (s < 0) {
				ok = false;
				s = 1e9;
			}
			rate[k][r] = n / s;
			waits[k][0] += p.prod.waits;
			waits[k][1] += p.cons.waits;
		}
	for (k = 0; k < 2; k++)
		med[k] = bench_median(rate[k], rounds);
	printf("SUMMARY ring entries=%llu rounds=%u flow_records/s=%.0f "
	    "frame_handoffs/s=%.0f flow_full_waits=%llu "
	    "flow_empty_waits=%llu conservation=%s\n", (unsigned long long)n,
	    rounds, med[0], med[1], (unsigned long long)waits[0][0],
	    (unsigned long long)waits[0][1], ok ? "ok" : "FAILED");
	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"bench\": \"ring\", \"entries\": %llu, "
		    "\"rounds\": %u", (unsigned long long)n, rounds);
		for (k = 0; k < 2; k++)
			fprintf(f, ", \"%s\": {\"per_s\": %.0f, "
			    "\"producer_waits\": %llu, \"consumer_waits\": "
			    "%llu}", name[k], med[k],
			    (unsigned long long)waits[k][0],
			    (unsigned long long)waits[k][1]);
		fprintf(f, ", \"flow_ring_size\": %d, \"frame_slots\": %d, "
		    "\"conservation\": %s}\n", FLOW_RING_SIZE, FRAME_SLOTS,
		    ok ? "true" : "false");
		fclose(f);
	}
	return ok ? 0 : 1;
}
