/*
 * frame.c - frame pools and the ring storage behind them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ring.h"

int
ptr_ring_init(struct ptr_ring *r, unsigned size)
{
	r->buf = calloc(size, sizeof(*r->buf));
	if (r->buf == NULL)
		return -ENOMEM;
	ck_ring_init(&r->ring, size);
	return 0;
}

void
ptr_ring_fini(struct ptr_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

int
flow_ring_init(struct flow_ring *r, unsigned size)
{
	r->buf = calloc(size, sizeof(*r->buf));
	if (r->buf == NULL)
		return -ENOMEM;
	ck_ring_init(&r->ring, size);
	return 0;
}

void
flow_ring_fini(struct flow_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

int
frame_pool_init(struct frame_pool *fp, unsigned n_slots)
{
	unsigned i;

	memset(fp, 0, sizeof(*fp));
	fp->n_slots = n_slots;
	fp->slots = calloc(n_slots, sizeof(*fp->slots));
	/* A ring of N holds N - 1: size both rings to hold every slot. */
	if (fp->slots == NULL || ptr_ring_init(&fp->full, n_slots * 2) != 0 ||
	    ptr_ring_init(&fp->free, n_slots * 2) != 0) {
		frame_pool_fini(fp);
		return -ENOMEM;
	}
	for (i = 0; i < n_slots; i++)
		(void)ptr_ring_put(&fp->free, &fp->slots[i]);
	return 0;
}

void
frame_pool_fini(struct frame_pool *fp)
{
	free(fp->slots);
	fp->slots = NULL;
	ptr_ring_fini(&fp->full);
	ptr_ring_fini(&fp->free);
}
