/*
 * decode.h - the decoder stage: frames in, flow records out.
 *
 * N threads ("pff-dec/i"), each with its own frame pool (frame.h) and its
 * own flow ring to the exporter.  A decoder parses each frame (pfsync.h)
 * into state events and turns every full DELETE into flow records under
 * the flow contract (flow.h).  The other events are counted by kind.  A
 * decoder waits when its flow ring is full; it never drops a record.
 */
#ifndef PFF_DECODE_H
#define PFF_DECODE_H

#include <stdint.h>

#include "frame.h"
#include "pfsync.h"
#include "ring.h"

struct stats_emit;

struct decode_conf {
	uint8_t		direction;	/* 0 any, PFSYNC_DIR_IN or _OUT */
};

struct decode_stats {
	struct pfsync_stats parse;
	uint64_t	events[PF_EV_MAX];	/* by kind */
	uint64_t	filtered_direction;	/* states skipped by -S */
	uint64_t	flows;			/* records handed to export */
	uint64_t	zero_directions;	/* no packets, no bytes */
	uint64_t	flow_ring_waits;	/* export was behind */
};

struct decode;

/*
 * A decoder reading frames from pool, writing records to out, finishing
 * once *upstream_done is set and its pool's frame ring is empty.  Returns
 * NULL on ENOMEM.  Main thread.
 */
struct decode *decode_create(unsigned index, const struct decode_conf *conf,
	    struct frame_pool *pool, struct flow_ring *out,
	    const int *upstream_done);

int	decode_start(struct decode *d);	/* 0 or a positive errno */
void	decode_join(struct decode *d);
void	decode_destroy(struct decode *d);

/* Set (release) once the decoder has put its last record. */
const int *decode_done_flag(const struct decode *d);

/* The decoder's counters; read by main for dumps (stats.h). */
const struct decode_stats *decode_stats(const struct decode *d);

/* Emit the sum of several decoders' counters under "decode.". */
void	decode_stats_report(struct decode *const *ds, unsigned n,
	    const struct stats_emit *e);

#endif /* PFF_DECODE_H */
