/*
 * export.c - the exporter thread: merge, split, batch, send.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "backoff.h"
#include "export.h"
#include "flow.h"
#include "stats.h"
#include "wire/netflow.h"

#define EXPORT_BATCH	32	/* sealed bodies per sendmmsg round */
#define DRAIN_BURST	256	/* records taken from one ring at a time */
/*
 * SysUptime starts one day before the first export, so that pf states
 * older than the daemon (but younger than a day) still get a First that
 * needs no wrap; older ones wrap, which the modulo-2^32 rule allows.
 */
#define UPTIME_HEADROOM_MS	(24ULL * 3600 * 1000)

struct export {
	struct export_conf	 conf;
	struct flow_ring	*rings;
	const int *const	*done_flags;
	unsigned		 n_rings;
	struct collector	*coll;
	unsigned		 n_coll;
	uint64_t		 origin_ms;	/* SysUptime zero, unix ms */
	bool			 have_origin;
	int64_t			 body_started_ns; /* first record of cur */
	struct nf_body		 cur;		/* being filled */
	unsigned		 n_sealed;	/* bodies[0..n_sealed) ready */
	struct nf_body		 bodies[EXPORT_BATCH];
	unsigned		 n_records[EXPORT_BATCH];
	uint8_t			 hdrs[EXPORT_BATCH][NF_MAX_HDR_LEN];
	struct iovec		 iov[EXPORT_BATCH][2];
	struct mmsghdr		 msgs[EXPORT_BATCH];
	pthread_t		 thread;
	bool			 started;
	int			 done;		/* atomic release */
	struct export_stats	 st;
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct export *
export_create(const struct export_conf *conf, struct flow_ring *rings,
    const int *const *done_flags, unsigned n_rings,
    struct collector *collectors, unsigned n_coll)
{
	struct export *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->conf = *conf;
	x->rings = rings;
	x->done_flags = done_flags;
	x->n_rings = n_rings;
	x->coll = collectors;
	x->n_coll = n_coll;
	nf_body_init(&x->cur, conf->version);
	return x;
}

/* Send every sealed body to every collector, then start over. */
static void
send_sealed(struct export *x)
{
	unsigned c, i;

	if (x->n_sealed == 0)
		return;
	for (c = 0; c < x->n_coll; c++) {
		struct collector *col = &x->coll[c];

		for (i = 0; i < x->n_sealed; i++) {
			struct nf_body *b = &x->bodies[i];

			/* flow_sequence counts every record queued for
			 * this collector, sent or not. */
			nf_header_write(x->hdrs[i], b, col->flow_sequence,
			    col->conf.engine_type, col->conf.engine_id);
			col->flow_sequence += b->n_records;
			STAT_ADD(col->st.queued_records, b->n_records);
			x->n_records[i] = b->n_records;
			x->iov[i][0].iov_base = x->hdrs[i];
			x->iov[i][0].iov_len = nf_header_len(b);
			x->iov[i][1].iov_base = b->rec;
			x->iov[i][1].iov_len = (size_t)b->n_records *
			    NF_REC_LEN;
			memset(&x->msgs[i], 0, sizeof(x->msgs[i]));
			x->msgs[i].msg_hdr.msg_iov = x->iov[i];
			x->msgs[i].msg_hdr.msg_iovlen = 2;
		}
		collector_send(col, x->msgs, x->n_records, x->n_sealed,
		    x->conf.file_mode);
	}
	x->n_sealed = 0;
}

/*
 * Close the body being filled and queue it for sending.  File mode: the
 * export time is the latest capture time among its records (so a file
 * always gives the same datagrams); live: now.
 */
static void
seal_body(struct export *x)
{
	struct nf_body *b = &x->cur;
	uint64_t export_ms = b->export_ms;

	if (b->n_records == 0)
		return;
	if (!x->conf.file_mode) {
		uint64_t now = wall_ms();

		if (now > export_ms)
			export_ms = now;
	}
	if (!x->have_origin) {
		x->origin_ms = export_ms - UPTIME_HEADROOM_MS;
		x->have_origin = true;
	}
	nf_body_seal(b, export_ms, x->origin_ms);
	STAT_INC(x->st.datagrams);
	x->bodies[x->n_sealed++] = *b;
	nf_body_init(b, x->conf.version);
	if (x->n_sealed == EXPORT_BATCH)
		send_sealed(x);
}

static void
debug_print(const struct flow_record *r)
{
	char line[512];

	flow_format(r, line, sizeof(line));
	fprintf(stderr, "%s%s\n", line, r->af == 6 ?
	    " not-exported:ipv6" : "");
}

static void
export_record(struct export *x, const struct flow_record *r)
{
	uint64_t pk = r->packets, by = r->bytes;
	uint32_t p32, b32;
	unsigned n = 0;

	STAT_INC(x->st.flows);
	if (x->conf.debug)
		debug_print(r);
	if (r->af != 4) {
		STAT_INC(x->st.skipped_ipv6);
		return;
	}
	/* A direction always has packets or bytes (flow.c drops empties). */
	while (nf_split(&pk, &by, &p32, &b32)) {
		struct nf_body *b = &x->cur;

		if (b->n_records == 0)
			x->body_started_ns = mono_ns();
		nf_body_add(b, r, p32, b32);
		n++;
		if (nf_body_full(b))
			seal_body(x);
	}
	STAT_ADD(x->st.records, n);
	if (n > 1)
		STAT_INC(x->st.split_flows);
}

/* Take what the decoders have queued; returns the number of records. */
static unsigned
drain_rings(struct export *x)
{
	struct flow_record r;
	unsigned i, k, got = 0;

	for (i = 0; i < x->n_rings; i++) {
		for (k = 0; k < DRAIN_BURST && flow_ring_get(&x->rings[i], &r);
		    k++)
			export_record(x, &r);
		got += k;
	}
	return got;
}

static bool
upstream_done(const struct export *x)
{
	unsigned i;

	for (i = 0; i < x->n_rings; i++)
		if (!__atomic_load_n(x->done_flags[i], __ATOMIC_ACQUIRE))
			return false;
	return true;
}

static void *
export_thread(void *arg)
{
	struct export *x = arg;
	struct backoff bo;
	bool done_seen = false;
	int64_t flush_ns = (int64_t)x->conf.flush_ms * 1000000;

	pthread_setname_np(pthread_self(), "pff-exp");
	backoff_reset(&bo);
	for (;;) {
		if (drain_rings(x) > 0) {
			backoff_reset(&bo);
			continue;
		}
		/* Idle: nothing queued right now. */
		if (x->cur.n_records > 0 &&
		    mono_ns() - x->body_started_ns >= flush_ns) {
			STAT_INC(x->st.flushes_idle);
			seal_body(x);
		}
		send_sealed(x);
		/* All decoders done (acquire) and one more empty drain. */
		if (done_seen)
			break;
		done_seen = upstream_done(x);
		if (!done_seen)
			backoff_wait(&bo);
	}
	seal_body(x);
	send_sealed(x);
	fflush(stderr);
	__atomic_store_n(&x->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int
export_start(struct export *x)
{
	int rc = pthread_create(&x->thread, NULL, export_thread, x);

	x->started = rc == 0;
	return rc;
}

void
export_join(struct export *x)
{
	if (x->started)
		pthread_join(x->thread, NULL);
	x->started = false;
}

void
export_destroy(struct export *x)
{
	free(x);
}

const int *
export_done_flag(const struct export *x)
{
	return &x->done;
}

void
export_stats_report(const struct export *x, const struct stats_emit *e)
{
	const struct export_stats *st = &x->st;
	unsigned c;

	stats_emitf(e, STAT_GET(st->flows), "export.flows");
	stats_emitf(e, STAT_GET(st->skipped_ipv6), "export.skipped_ipv6");
	stats_emitf(e, STAT_GET(st->records), "export.records");
	stats_emitf(e, STAT_GET(st->split_flows), "export.split_flows");
	stats_emitf(e, STAT_GET(st->datagrams), "export.datagrams");
	stats_emitf(e, STAT_GET(st->flushes_idle), "export.flushes_idle");
	for (c = 0; c < x->n_coll; c++)
		collector_stats_report(&x->coll[c], c, e);
}
