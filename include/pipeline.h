/*
 * pipeline.h - the whole data path, built and torn down in order.
 *
 *   capture --frame rings--> decode/0..N-1 --flow rings--> export --> UDP
 *
 * Owns the frame pools, the rings, the collectors' sockets and the stage
 * threads.  Main creates it, starts it, waits for it (end of input) or
 * stops it (signal), then reads the stats.  The daemon, the tests and the
 * benchmarks all run the pipeline through this interface.
 */
#ifndef PFF_PIPELINE_H
#define PFF_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct stats_emit;
struct pipeline;

/*
 * Open the input and the collectors' sockets, allocate every pool and
 * ring.  No thread runs yet.  NULL with a one-line reason in err.
 */
struct pipeline *pipeline_create(const struct conf *conf, char *err,
	    size_t errlen);

/*
 * Start export, decoders, capture (downstream first).  on_done (may be
 * NULL) is called on the exporter thread when everything is sent, so the
 * caller need not poll pipeline_finished().  0 or errno.
 */
int	pipeline_start(struct pipeline *p, void (*on_done)(void *arg),
	    void *arg);

/* Ask capture to stop; the rest drains.  Any thread. */
void	pipeline_stop(struct pipeline *p);

/* True once the exporter has sent or counted everything. */
bool	pipeline_finished(const struct pipeline *p);

/* Join every thread in pipeline order.  Main thread. */
void	pipeline_join(struct pipeline *p);

/* A read error from capture (truncated file...), or NULL. */
const char *pipeline_input_error(const struct pipeline *p);

void	pipeline_stats_report(const struct pipeline *p,
	    const struct stats_emit *e);

void	pipeline_destroy(struct pipeline *p);

struct pipeline_reload_result {
	unsigned	kept, added, removed;
	uint64_t	removed_sent, removed_dropped;	/* records */
};

/*
 * Swap in conf's collectors (SIGHUP): unchanged ones keep their socket,
 * queue and flow_sequence; added ones are opened; removed ones are
 * flushed (up to conf->drain_ms) and closed.  On error nothing changes.
 * Main thread; blocks for an RCU grace period and the flush.
 */
int	pipeline_reload(struct pipeline *p, const struct conf *conf,
	    char *err, size_t errlen, struct pipeline_reload_result *res);

#endif /* PFF_PIPELINE_H */
