/*
 * ring.h - the single-producer/single-consumer rings between stages.
 *
 * Every ring in pfflowd has exactly one producer thread and one consumer
 * thread, so all use ck_ring's *_spsc variants: no locks, no RMW atomics.
 * A ring of size N (a power of two) holds N - 1 entries.
 *
 *   frame ring   capture -> decoder/i   struct frame *; full: file mode
 *                                       waits, live mode drops and counts
 *   free ring    decoder/i -> capture   struct frame * returned for reuse
 *   flow ring    decoder/i -> exporter  struct flow_record by value, read
 *                                       in place (flow_ring_borrow); full:
 *                                       the decoder waits (backpressure
 *                                       reaches capture through the frame
 *                                       ring)
 *
 * After a successful put the producer no longer owns the entry; after a
 * successful get the consumer does.  ck_ring publishes the slot with a
 * store fence before moving the producer index, and the consumer reads the
 * index with a load fence before the slot, so the entry's bytes are visible
 * to the consumer before it can see the entry.
 *
 * ThreadSanitizer does not understand ck's fences on plain/volatile memory;
 * under TSan we tell it about the same release/acquire pairing on the ring
 * object (tests/tsan.supp silences the ck internals themselves).
 */
#ifndef PFF_RING_H
#define PFF_RING_H

#include <stdbool.h>
#include <stdlib.h>

#include <ck_ring.h>

#include "flow.h"

#if defined(__SANITIZE_THREAD__)
#define PFF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PFF_TSAN 1
#endif
#endif

#ifdef PFF_TSAN
void	__tsan_acquire(void *addr);
void	__tsan_release(void *addr);
#define RING_RELEASE(r)	__tsan_release(r)
#define RING_ACQUIRE(r)	__tsan_acquire(r)
#else
#define RING_RELEASE(r)	((void)0)
#define RING_ACQUIRE(r)	((void)0)
#endif

/* A ring of pointers. */
struct ptr_ring {
	struct ck_ring		 ring;
	struct ck_ring_buffer	*buf;
};

/* size: power of two >= 4.  Returns 0 or -ENOMEM.  Setup thread. */
int	ptr_ring_init(struct ptr_ring *r, unsigned size);
void	ptr_ring_fini(struct ptr_ring *r);

/* Producer thread only.  False when full. */
static inline bool
ptr_ring_put(struct ptr_ring *r, void *p)
{
	RING_RELEASE(r);
	return ck_ring_enqueue_spsc(&r->ring, r->buf, p);
}

/* Consumer thread only.  NULL when empty. */
static inline void *
ptr_ring_get(struct ptr_ring *r)
{
	void *p;

	if (!ck_ring_dequeue_spsc(&r->ring, r->buf, &p))
		return NULL;
	RING_ACQUIRE(r);
	return p;
}

/* A ring of flow records, stored by value (no pool, no allocation). */
CK_RING_PROTOTYPE(flow, flow_record)

struct flow_ring {
	struct ck_ring		 ring;
	struct flow_record	*buf;
};

int	flow_ring_init(struct flow_ring *r, unsigned size);
void	flow_ring_fini(struct flow_ring *r);

/* Producer thread only.  Copies *rec; false when full. */
static inline bool
flow_ring_put(struct flow_ring *r, const struct flow_record *rec)
{
	/* Pairs with flow_ring_release: the slot may be one just released. */
	RING_ACQUIRE(&r->ring.c_head);
	RING_RELEASE(r);
	/* ck's prototype takes a non-const pointer but only reads it. */
	return ck_ring_enqueue_spsc_flow(&r->ring, r->buf,
	    (struct flow_record *)(uintptr_t)rec);
}

/*
 * Consumer thread only: borrow up to max queued records in place instead
 * of copying them out one at a time.  Returns how many (0 when empty);
 * they are contiguous from *first (a borrow stops at the end of the
 * buffer) and stay the consumer's until flow_ring_release.
 *
 * This is ck's single-consumer dequeue (_ck_ring_dequeue_sc in ck_ring.h
 * 0.7.1) taken apart: read the producer's index, fence, use the slots,
 * fence, move the consumer's index.  The exporter uses it because the
 * per-record copy and the per-record read of the producer's index (a cache
 * line the decoder writes on every put) were a measurable part of the
 * export stage's cost.
 */
static inline unsigned
flow_ring_borrow(struct flow_ring *r, const struct flow_record **first,
    unsigned max)
{
	unsigned c = r->ring.c_head;
	unsigned n = ck_pr_load_uint(&r->ring.p_tail) - c;
	unsigned to_end = r->ring.size - (c & r->ring.mask);

	if (n == 0)
		return 0;
	/* The producer's index before the slots it published. */
	ck_pr_fence_load();
	RING_ACQUIRE(r);
	if (n > to_end)
		n = to_end;
	if (n > max)
		n = max;
	*first = &r->buf[c & r->ring.mask];
	return n;
}

/* Consumer thread only: hand the first n borrowed records back. */
static inline void
flow_ring_release(struct flow_ring *r, unsigned n)
{
	/* Every read of the slots before the producer may reuse them. */
	ck_pr_fence_release();
	RING_RELEASE(&r->ring.c_head);
	ck_pr_store_uint(&r->ring.c_head, r->ring.c_head + n);
}

/* Entries currently queued; approximate while both sides run. */
static inline unsigned
flow_ring_size(struct flow_ring *r)
{
	return ck_ring_size(&r->ring);
}

#endif /* PFF_RING_H */
