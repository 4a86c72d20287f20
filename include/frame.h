/*
 * frame.h - a captured pfsync frame and the preallocated pool it lives in.
 *
 * The capture thread copies each pfsync frame (link and IP headers already
 * stripped) into a free slot of every decoder's pool, stamps it, and passes
 * the pointers on through the decoders' frame rings (each decoder keeps the
 * states of its own shard).  A decoder hands its slot back through its free
 * ring when done.  Each decoder owns a fixed number of slots, so memory is
 * bounded and nothing is allocated per frame.
 */
#ifndef PFF_FRAME_H
#define PFF_FRAME_H

#include <stdint.h>

#include "ring.h"

/*
 * Largest pfsync frame kept.  Senders fit frames to the sync interface MTU
 * (1500 usually, 9000 with jumbo frames); anything larger is counted as
 * capture.bad.too_big and skipped.
 */
#define FRAME_DATA_MAX	9216

struct frame {
	uint64_t	ts_us;		/* capture time, unix microseconds */
	uint64_t	seq;		/* capture order, from 0 */
	uint32_t	len;		/* bytes in data */
	uint8_t		src_af;		/* 4, 6, or 0: sender unknown */
	uint8_t		src[16];	/* sender IP, network order */
	uint8_t		data[FRAME_DATA_MAX];
};

/* One decoder's slots and the two rings that circulate them. */
struct frame_pool {
	struct frame	*slots;
	unsigned	 n_slots;
	struct ptr_ring	 full;	/* capture -> decoder */
	struct ptr_ring	 free;	/* decoder -> capture */
};

/*
 * Allocate n_slots (power of two) slots, all on the free ring.  Returns 0
 * or -ENOMEM.  Setup thread, before the stages start.
 */
int	frame_pool_init(struct frame_pool *fp, unsigned n_slots);
void	frame_pool_fini(struct frame_pool *fp);

#endif /* PFF_FRAME_H */
