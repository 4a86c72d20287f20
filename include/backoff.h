/*
 * backoff.h - how a pipeline thread waits when its ring is empty (or, in
 * file mode, when the next ring is full).
 *
 * Spin briefly (the other side is usually microseconds away), then yield,
 * then sleep in growing steps up to 1 ms so an idle daemon costs nothing.
 * The syscalls happen only on the idle path, never per record.
 */
#ifndef PFF_BACKOFF_H
#define PFF_BACKOFF_H

#include <sched.h>
#include <time.h>

#include <ck_pr.h>

struct backoff {
	unsigned	n;	/* consecutive idle rounds */
};

#define BACKOFF_SPINS	64
#define BACKOFF_YIELDS	(BACKOFF_SPINS + 16)
#define BACKOFF_MAX_NS	1000000L

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
		struct timespec ts = { 0, ns < BACKOFF_MAX_NS ? ns :
		    BACKOFF_MAX_NS };

		nanosleep(&ts, NULL);
	}
}

#endif /* PFF_BACKOFF_H */
