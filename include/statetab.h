/*
 * statetab.h - one decoder's shard of the pf state table.
 *
 * Framed pfsync (OpenBSD >= 4.5, FreeBSD >= 9) announces a state with a
 * full INS, then sends compressed updates and a compressed delete that
 * carry no counters.  To export such a state at its end, pfflowd must
 * remember it: the flow key, when it started, when it was last active and
 * the last full counters seen.  The legacy versions' full DELs go through
 * the same table so a state ends exactly once.
 *
 * Each decoder thread owns one shard, keyed by (creatorid, id); a state's
 * events all reach the same shard, in capture order.  No other thread
 * touches a shard: expiry runs on the owning decoder, driven by capture
 * time, and the stats dump reads only the shard's counters (stats.h), so
 * the table needs no RCU and no locks.
 *
 * Memory is bounded: capacity entries are reserved at creation (pages are
 * touched only as states arrive).  A full table ends its oldest-idle state
 * early ("evicted") rather than grow.
 */
#ifndef PFF_STATETAB_H
#define PFF_STATETAB_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "pfsync.h"

struct stats_emit;

/* Where a state's flows go (the decoder puts them on its flow ring). */
typedef void statetab_emit_fn(void *ctx, const struct flow_record *r);

struct statetab_conf {
	unsigned	capacity;	/* states (live + recently ended) */
	uint8_t		direction;	/* -S: 0 any, PFSYNC_DIR_IN or _OUT */
	bool		last_known;	/* export flows without final counters */
	uint64_t	expire_margin_ms; /* beyond pf's own timeout */
};

struct statetab_stats {
	uint64_t	live;		/* gauge: states in the table */
	uint64_t	high_water;	/* gauge: most live at once */
	uint64_t	inserted;	/* new states (INS or first full UPD) */
	uint64_t	refreshed;	/* full INS/UPD of a known state */
	uint64_t	updates_c;	/* UPD_C of a known state */
	uint64_t	updates_c_unknown; /* UPD_C of a state never seen */
	uint64_t	after_end;	/* full state of an ended state */
	uint64_t	ended_delete;	/* full DEL: final counters */
	uint64_t	ended_delete_unseen; /* ... of a state never seen */
	uint64_t	ended_delete_c;	/* DEL_C */
	uint64_t	ended_clear;	/* covered by a CLR */
	uint64_t	expired;	/* no delete within timeout + margin */
	uint64_t	evicted;	/* table full: oldest-idle ended early */
	uint64_t	flushed;	/* still live at end of input / stop */
	uint64_t	duplicates;	/* delete of a state already ended */
	uint64_t	deletes_unknown; /* DEL_C of a state never seen */
	uint64_t	filtered_direction; /* ended states -S leaves out */
	uint64_t	flows_final;	/* records with final counters */
	uint64_t	flows_last_known; /* records with last-known ones */
	uint64_t	skipped_last_known; /* not exported: --last-known no */
	uint64_t	zero_directions; /* no packets and no bytes */
};

struct statetab;

/* NULL on ENOMEM.  Owner thread (or setup). */
struct statetab *statetab_create(const struct statetab_conf *conf,
	    statetab_emit_fn *emit, void *emit_ctx);
void	statetab_destroy(struct statetab *t);

/*
 * Apply one event that arrived at arrival_ms (unix ms).  Ending a state
 * emits its flows through the callback.  Owner thread; never blocks except
 * in the callback; no allocation.
 */
void	statetab_apply(struct statetab *t, const struct pf_state_event *ev,
	    uint64_t arrival_ms);

/* End states idle past their pf timeout + margin as of now_ms. */
void	statetab_expire(struct statetab *t, uint64_t now_ms);

/* End every live state (end of input or shutdown). */
void	statetab_flush(struct statetab *t);

const struct statetab_stats *statetab_stats(const struct statetab *t);

/* Shard of a state among n: every decoder computes the same answer. */
unsigned statetab_shard(uint32_t creatorid, uint64_t id, unsigned n);

/* Emit the sum of several shards' counters under "statetab.". */
void	statetab_stats_report(const struct statetab_stats *const *st,
	    unsigned n, const struct stats_emit *e);

#endif /* PFF_STATETAB_H */
