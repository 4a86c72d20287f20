/*
 * collector.h - one flow collector: its address and options, its UDP
 * socket, its own flow_sequence, its queue of ready datagrams, its pacing
 * and its counters.
 *
 * Everything here runs on the exporter thread (main only parses and opens
 * collectors before the threads start, and closes removed ones after a
 * reload's grace period).  The queue is a plain ring with one user, so it
 * needs no atomics.  In live mode a collector never holds up another: a
 * full queue refuses the datagram and counts it.  In file mode the
 * exporter waits for room instead, so a replay is lossless even paced, and
 * the slowest collector sets the pace for all.
 *
 * Accounting, per collector, always true (the stats dump shows it):
 *   queued_records = records (sent) + dropped_queue_full_records
 *                    + dropped_send_error_records + dropped_at_exit_records
 *                    + in_queue_records
 */
#ifndef PFF_COLLECTOR_H
#define PFF_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wire/netflow.h"

struct stats_emit;

#define COLLECTOR_ERRNO_MAX	256	/* errno values counted one by one */
#define COLLECTOR_SPEC_MAX	300
#define COLLECTOR_GROUP_MAX	32
#define COLLECTOR_ORIGIN_MAX	256
#define COLLECTOR_NAME_MAX	32
#define COLLECTOR_SEND_BATCH	64	/* datagrams per sendmmsg */
#define NF_MAX_DGRAM_LEN	(NF5_HDR_LEN + NF5_MAX_RECORDS * NF_REC_LEN)

struct collector_conf {
	char		spec[COLLECTOR_SPEC_MAX];	/* as the user wrote it */
	char		origin[COLLECTOR_ORIGIN_MAX];	/* "FILE:LINE" or "" */
	struct sockaddr_storage addr;
	socklen_t	addrlen;
	struct sockaddr_storage source;		/* bind here first, if set */
	socklen_t	sourcelen;			/* 0: kernel chooses */
	unsigned	version;			/* 1 or 5 */
	uint8_t		engine_type, engine_id;
	unsigned	rate;		/* datagrams/s; 0 unlimited */
	unsigned	flow_rate;	/* NetFlow records/s; 0 unlimited */
	unsigned	burst;		/* datagrams sent back to back */
	unsigned	queue;		/* datagrams waiting, at most */
	unsigned	sndbuf;		/* socket send buffer; 0: default */
	char		group[COLLECTOR_GROUP_MAX]; /* load-balance group */
	/* Key in the statistics ("" : its position in the configuration). */
	char		name[COLLECTOR_NAME_MAX];
};

struct collector_stats {
	uint64_t	queued_records;		/* counted by flow_sequence */
	uint64_t	queued_datagrams;
	uint64_t	datagrams;		/* sent */
	uint64_t	records;		/* in sent datagrams */
	uint64_t	bytes;			/* UDP payload bytes sent */
	uint64_t	dropped_queue_full_records;	/* live: no room */
	uint64_t	dropped_queue_full_datagrams;
	uint64_t	dropped_send_error_records;	/* the kernel refused */
	uint64_t	dropped_send_error_datagrams;
	uint64_t	dropped_at_exit_records;	/* shutdown deadline */
	uint64_t	dropped_at_exit_datagrams;
	uint64_t	in_queue_records;	/* gauge */
	uint64_t	in_queue_datagrams;	/* gauge */
	uint64_t	queue_high_water;	/* gauge: datagrams */
	uint64_t	send_errors;		/* all errnos */
	uint64_t	errors_by_errno[COLLECTOR_ERRNO_MAX];
	uint64_t	last_errno;
	uint64_t	last_error_time;	/* unix seconds */
	uint64_t	send_retries;		/* buffer full, tried again */
	uint64_t	pacing_waits;		/* rounds held back by the rate */
	uint64_t	rate;			/* gauge: datagrams sent last s */
};

/* A datagram ready to go: header stamped for this collector. */
struct collector_dgram {
	uint16_t	len;
	uint16_t	n_records;
	uint8_t		buf[NF_MAX_DGRAM_LEN];
};

struct collector {
	struct collector_conf	 conf;
	int			 fd;
	uint32_t		 flow_sequence;	/* records queued before */
	double			 tokens;	/* pacing bucket, datagrams */
	double			 rtokens;	/* pacing bucket, records */
	int64_t			 refill_ns;	/* monotonic, last refill */
	int64_t			 rate_window_ns; /* start of this second */
	uint64_t		 rate_count;	/* sent in this second */
	struct collector_dgram	*q;		/* [q_size] */
	unsigned		 q_size;	/* power of two */
	unsigned		 q_head, q_tail; /* free-running counters */
	struct collector_stats	 st;
};

/* Defaults for a collector's options (conf.c fills them in). */
void	collector_conf_defaults(struct collector_conf *c);

/*
 * Parse "HOST:PORT[,option=value...]" ("[IPV6]:PORT", names resolved now,
 * first address wins).  Options: version, engine-type, engine-id, rate,
 * flow-rate, burst, queue, sndbuf, source, group, name.  Returns 0, or -1
 * with a one-line reason naming the input in err.  Main thread.
 */
int	collector_parse(struct collector_conf *c, const char *spec, char *err,
	    size_t errlen);

/* Parse "HOST:PORT" alone into addr (no options).  Same contract. */
int	collector_parse_addr(const char *spec, struct sockaddr_storage *addr,
	    socklen_t *addrlen, bool port_required, char *err, size_t errlen);

/*
 * Put "ORIGIN: " in front of err, the reason a collector failed to parse
 * or open, so a configuration file's user is pointed at the line.  No-op
 * for an empty or NULL origin (a collector given with -n).
 */
void	collector_err_origin(const char *origin, char *err, size_t errlen);

/* Open, bind, connect the socket; allocate the queue.  Main thread. */
int	collector_open(struct collector *c, char *err, size_t errlen);
void	collector_close(struct collector *c);

/* Datagrams queued and not yet sent. */
static inline unsigned
collector_queued(const struct collector *c)
{
	return c->q_tail - c->q_head;
}

static inline bool
collector_full(const struct collector *c)
{
	return collector_queued(c) == c->q_size;
}

/*
 * Stamp this collector's header on a sealed body and queue it.  The
 * records count against flow_sequence whether or not they are sent, so a
 * collector sees a gap exactly where a record meant for it was dropped.
 * With no room: lossless waits (sending, pacing) until there is; otherwise
 * the new datagram is dropped and counted: the queued ones keep their
 * place and nothing is copied twice.  Exporter thread.
 */
void	collector_enqueue(struct collector *c, const struct nf_body *b,
	    bool lossless);

/*
 * Send what the pacing allows now, in sendmmsg batches; never blocks.
 * Returns true if datagrams remain queued.  Exporter thread.
 */
bool	collector_flush(struct collector *c);

/*
 * Empty the queue before exit: keep sending (waiting on pacing and full
 * buffers) until deadline_ns (monotonic); what is left is counted as
 * dropped at exit.  Exporter thread.
 */
void	collector_drain(struct collector *c, int64_t deadline_ns);

/*
 * Counters as "export.collector.KEY.*": KEY is the collector's name, or
 * index (its position in the configuration) for an unnamed one.
 */
void	collector_stats_report(const struct collector *c, unsigned index,
	    const struct stats_emit *e);

#endif /* PFF_COLLECTOR_H */
