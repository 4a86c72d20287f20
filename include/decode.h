/*
 * decode.h - the decoder stage: frames in, flow records out.
 *
 * N threads ("pff-dec/i"), each with its own frame pool (frame.h), its own
 * shard of the state table (statetab.h) and its own flow ring to the
 * exporter.  Every decoder sees every frame, in capture order, and parses
 * it (pfsync.h), but applies only the events of the states it owns (shard
 * = hash of creatorid and id), so one state's events are applied in order
 * by one thread and the result does not depend on the thread count.
 * Decoder 0 alone reports the frame-level counters.  A decoder waits when
 * its flow ring is full; it never drops a record.
 */
#ifndef PFF_DECODE_H
#define PFF_DECODE_H

#include <stdint.h>

#include "frame.h"
#include "pfsync.h"
#include "ring.h"
#include "statetab.h"

struct stats_emit;

#define DECODE_MAX	64	/* decoder threads at most */

struct decode_conf {
	unsigned	n_decoders;	/* shards */
	uint8_t		direction;	/* 0 any, PFSYNC_DIR_IN or _OUT */
	bool		live;		/* clock: capture time or wall time */
	bool		last_known;	/* export flows without final counters */
	unsigned	max_states;	/* whole table, all shards */
	uint64_t	expire_margin_ms;
};

struct decode_stats {
	struct pfsync_stats parse;
	uint64_t	events[PF_EV_MAX];	/* applied, by kind */
	uint64_t	flows;			/* records handed to export */
	uint64_t	flow_ring_waits;	/* export was behind */
};

struct decode;

/*
 * Decoder index (of conf->n_decoders) reading frames from pool, writing
 * records to out, finishing once *upstream_done is set and its pool's
 * frame ring is empty: it then ends the states still live in its shard.
 * Returns NULL on ENOMEM.  Main thread.
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

/* The decoder's table shard counters. */
const struct statetab_stats *decode_statetab_stats(const struct decode *d);

/* Emit the sum of several decoders' counters under "decode.". */
void	decode_stats_report(struct decode *const *ds, unsigned n,
	    const struct stats_emit *e);

#endif /* PFF_DECODE_H */
