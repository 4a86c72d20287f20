/*
 * collector.h - one flow collector: its address, its UDP socket, its own
 * flow_sequence, pacing and counters.
 *
 * Owned and used by the exporter thread only (after main has parsed and
 * opened it).  Sending uses sendmmsg in batches; a send error is counted
 * by errno and never stops the other collectors.
 */
#ifndef PFF_COLLECTOR_H
#define PFF_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct stats_emit;

#define COLLECTOR_ERRNO_MAX	256	/* errno values counted one by one */
#define COLLECTOR_SPEC_MAX	300

struct collector_conf {
	char		spec[COLLECTOR_SPEC_MAX];	/* as the user wrote it */
	struct sockaddr_storage addr;
	socklen_t	addrlen;
	unsigned	version;			/* 1 or 5 */
	uint8_t		engine_type, engine_id;
	unsigned	rate;		/* datagrams/s; 0 unlimited */
	unsigned	burst;		/* datagrams sent back to back */
};

struct collector_stats {
	uint64_t	datagrams;		/* sent */
	uint64_t	records;		/* in sent datagrams */
	uint64_t	bytes;			/* UDP payload bytes sent */
	uint64_t	queued_records;		/* counted by flow_sequence */
	uint64_t	dropped_records;	/* in datagrams not sent */
	uint64_t	dropped_datagrams;
	uint64_t	send_errors;		/* all errnos */
	uint64_t	errors_by_errno[COLLECTOR_ERRNO_MAX];
	uint64_t	pacing_waits;		/* waited for a token */
	uint64_t	send_retries;		/* file mode: buffer full, retried */
	uint64_t	last_errno;
};

struct collector {
	struct collector_conf	conf;
	int			fd;
	uint32_t		flow_sequence;	/* records queued before */
	double			tokens;		/* pacing bucket */
	int64_t			refill_ns;	/* monotonic, last refill */
	struct collector_stats	st;
};

/*
 * Parse "HOST:PORT", "[IPV6]:PORT" or "NAME:PORT" into c->addr (names are
 * resolved now, first address wins).  Returns 0, or -1 with a one-line
 * reason naming the input in err.  Main thread.
 */
int	collector_parse(struct collector_conf *c, const char *spec, char *err,
	    size_t errlen);

/* Open and connect the socket.  0, or -1 with err set.  Main thread. */
int	collector_open(struct collector *c, char *err, size_t errlen);
void	collector_close(struct collector *c);

/*
 * Send n prepared messages (msg_hdr.msg_iov set, unaddressed: the socket
 * is connected).  n_records[i] is the record count of message i.  With
 * lossless set (file mode) the pacing and a full socket buffer make it
 * wait; otherwise a message that cannot go is dropped and counted.
 * Exporter thread.
 */
void	collector_send(struct collector *c, struct mmsghdr *msgs,
	    const unsigned *n_records, unsigned n, bool lossless);

void	collector_stats_report(const struct collector *c, unsigned index,
	    const struct stats_emit *e);

#endif /* PFF_COLLECTOR_H */
