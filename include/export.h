/*
 * export.h - the export stage: flow records in, NetFlow datagrams out.
 *
 * One thread ("pff-exp") merges the decoders' flow rings, splits 64-bit
 * counters into NetFlow records and fills one datagram body per NetFlow
 * version in use.  Each sealed body goes to every target: a collector of
 * its own (mirror, the default), or one member of a load-balance group in
 * turn.  The collector stamps its own header (flow_sequence, engine) and
 * queues the datagram; queues are sent with sendmmsg as pacing allows
 * (collector.h).  A partly filled body goes out once its first record has
 * waited flush_ms, and at the end of input.
 */
#ifndef PFF_EXPORT_H
#define PFF_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "ring.h"

struct stats_emit;

struct export_conf {
	unsigned	version;	/* NetFlow 1 or 5 */
	unsigned	flush_ms;	/* partial datagram max age */
	bool		file_mode;	/* times from the capture; lossless */
	bool		debug;		/* -D: one line per flow on stderr */
	unsigned	drain_ms;	/* live shutdown: queue flush deadline */
	/* Called on the exporter thread once done is set (or NULL). */
	void		(*on_done)(void *arg);
	void		*on_done_arg;
};

struct export_stats {
	uint64_t	flows;		/* records taken from the decoders */
	uint64_t	skipped_ipv6;	/* v1/v5 carry IPv4 only */
	uint64_t	records;	/* NetFlow records after splitting */
	uint64_t	split_flows;	/* flows that needed more than one */
	uint64_t	datagrams;	/* bodies sealed (all versions) */
	uint64_t	flushes_idle;	/* bodies sealed by flush_ms */
};

#define EXPORT_MAX_TARGETS	16	/* as many as collectors */

struct export;

/*
 * The collectors the exporter sends to, and how (mirror targets and
 * load-balance groups).  A set is immutable once published: a reload
 * publishes a new one (RCU), and collectors present in both keep their
 * socket, queue and flow_sequence because the new set points at the same
 * collector objects.  Collectors stay owned by the caller (pipeline.c);
 * once published, only the exporter thread touches them.
 */
struct export_set;

/* A set over coll[0..n); NULL on ENOMEM or n > EXPORT_MAX_TARGETS. */
struct export_set *export_set_create(struct collector *const *coll,
	    unsigned n);
void	export_set_free(struct export_set *s);
unsigned export_set_size(const struct export_set *s);
struct collector *export_set_get(const struct export_set *s, unsigned i);

/*
 * An exporter reading rings[0..n_rings) (decoder i's ring, finished when
 * *done_flags[i] is set) and sending to the collectors of set.  NULL on
 * ENOMEM.  Main thread.
 */
struct export *export_create(const struct export_conf *conf,
	    struct flow_ring *rings, const int *const *done_flags,
	    unsigned n_rings, struct export_set *set);

/*
 * Publish a new set and return the old one once the exporter can no
 * longer be using it (an RCU grace period): the caller may then drain and
 * close the collectors only the old set had.  Main thread; blocks for the
 * grace period.
 */
struct export_set *export_swap_set(struct export *x, struct export_set *s);

/* The set in use; main thread (the only one that changes it). */
const struct export_set *export_current_set(const struct export *x);

/* Set conf.on_done before the thread starts.  Main thread. */
void	export_set_on_done(struct export *x, void (*fn)(void *arg),
	    void *arg);

int	export_start(struct export *x);	/* 0 or a positive errno */
void	export_join(struct export *x);
void	export_destroy(struct export *x);

/* Set (release) once every record is sent or counted. */
const int *export_done_flag(const struct export *x);

void	export_stats_report(const struct export *x,
	    const struct stats_emit *e);

#endif /* PFF_EXPORT_H */
