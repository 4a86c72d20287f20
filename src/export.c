/*
 * export.c - the exporter thread: merge, split, seal, dispatch, send.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu/urcu-memb.h>

#include "clock.h"
#include "backoff.h"
#include "export.h"
#include "flow.h"
#include "stats.h"
#include "wire/netflow.h"

#define DRAIN_BURST	256	/* records taken from one ring at a time */
/*
 * Records loaded ahead of use.  The decoders wrote them on another core,
 * so each is a cache miss when its turn comes.  Measured on a cold stream
 * of 1M records through the encoder: 23 ns a record without, 18 with 4
 * ahead, 14 with 16, 13.7 with 32.
 */
#define PREFETCH_AHEAD	16

static inline void
prefetch_record(const struct flow_record *r)
{
	__builtin_prefetch(r);
	__builtin_prefetch((const char *)r + sizeof(*r) - 1);
}

/*
 * SysUptime starts one day before the first export, so that pf states
 * older than the daemon (but younger than a day) still get a First that
 * needs no wrap; older ones wrap, which the modulo-2^32 rule allows.
 */
#define UPTIME_HEADROOM_MS	(24ULL * 3600 * 1000)

/* Where a sealed body goes: one collector, or a group taken in turn. */
struct target {
	unsigned	version;
	unsigned	n_members;
	unsigned	next;		/* round-robin cursor */
	unsigned	member[EXPORT_MAX_TARGETS];	/* collector indexes */
};

/* The body being filled for one NetFlow version. */
struct builder {
	bool		in_use;
	int64_t		started_ns;	/* first record of cur */
	struct nf_body	cur;
};

struct export_set {
	unsigned		 n_coll;
	struct collector	*coll[EXPORT_MAX_TARGETS];
	unsigned		 n_targets;
	struct target		 targets[EXPORT_MAX_TARGETS];
	bool			 v1, v5;	/* versions in use */
};

struct export {
	struct export_conf	 conf;
	struct flow_ring	*rings;
	const int *const	*done_flags;
	unsigned		 n_rings;
	/*
	 * RCU-protected: main publishes a new set on reload, the exporter
	 * reads it inside read-side critical sections, and main frees the
	 * old one after a grace period.
	 */
	struct export_set	*set;
	struct export_set	*cur_set;	/* exporter: set being used */
	struct builder		 v1, v5;
	uint64_t		 origin_ms;	/* SysUptime zero, unix ms */
	bool			 have_origin;
	pthread_t		 thread;
	bool			 started;
	int			 done;		/* atomic release */
	struct export_stats	 st;
};

/* Group collectors into targets: same group name, one target. */
struct export_set *
export_set_create(struct collector *const *coll, unsigned n)
{
	struct export_set *s;
	unsigned c, t;

	if (n > EXPORT_MAX_TARGETS || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (c = 0; c < n; c++) {
		const struct collector_conf *cc = &coll[c]->conf;
		struct target *tg = NULL;

		s->coll[s->n_coll++] = coll[c];
		for (t = 0; cc->group[0] != '\0' && t < s->n_targets; t++)
			if (strcmp(s->coll[s->targets[t].member[0]]->conf.group,
			    cc->group) == 0)
				tg = &s->targets[t];
		if (tg == NULL) {
			tg = &s->targets[s->n_targets++];
			tg->version = cc->version;
		}
		tg->member[tg->n_members++] = c;
		if (cc->version == 1)
			s->v1 = true;
		else
			s->v5 = true;
	}
	return s;
}

void
export_set_free(struct export_set *s)
{
	free(s);
}

unsigned
export_set_size(const struct export_set *s)
{
	return s->n_coll;
}

struct collector *
export_set_get(const struct export_set *s, unsigned i)
{
	return s->coll[i];
}

struct export *
export_create(const struct export_conf *conf, struct flow_ring *rings,
    const int *const *done_flags, unsigned n_rings, struct export_set *set)
{
	struct export *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->conf = *conf;
	x->rings = rings;
	x->done_flags = done_flags;
	x->n_rings = n_rings;
	x->set = set;
	x->v1.in_use = set->v1;
	x->v5.in_use = set->v5;
	nf_body_init(&x->v1.cur, 1);
	nf_body_init(&x->v5.cur, 5);
	return x;
}

struct export_set *
export_swap_set(struct export *x, struct export_set *s)
{
	struct export_set *old;

	/*
	 * rcu_xchg_pointer orders s's initialisation before its publication,
	 * and rcu_dereference orders the exporter's reads after it; TSan sees
	 * neither, so it is told (RING_RELEASE here, RING_ACQUIRE in
	 * set_enter).
	 */
	RING_RELEASE(s);
	old = rcu_xchg_pointer(&x->set, s);

	/* After this, no exporter read-side section can still see old. */
	urcu_memb_synchronize_rcu();
	/* TSan cannot see the grace period: tell it what it orders. */
	RING_ACQUIRE(old);
	return old;
}

const struct export_set *
export_current_set(const struct export *x)
{
	return x->set;		/* main is the only writer: no RCU needed */
}

/*
 * Hand a sealed body to each target of its version.  Called inside the
 * exporter's read-side critical section (x->cur_set is valid).  The
 * round-robin cursor lives in the set, which only this thread writes.
 */
static void
dispatch(struct export *x, const struct nf_body *b)
{
	struct export_set *s = x->cur_set;
	unsigned t;

	for (t = 0; t < s->n_targets; t++) {
		struct target *tg = &s->targets[t];

		if (tg->version != b->version)
			continue;
		collector_enqueue(s->coll[tg->member[tg->next]], b,
		    x->conf.file_mode);
		tg->next = (tg->next + 1) % tg->n_members;
	}
}

/*
 * Close a builder's body and dispatch it.  File mode: the export time is
 * the latest capture time among its records (so a file always gives the
 * same datagrams); live: now.
 */
static void
seal(struct export *x, struct builder *bl)
{
	struct nf_body *b = &bl->cur;
	uint64_t export_ms = b->export_ms;

	if (b->n_records == 0)
		return;
	if (!x->conf.file_mode) {
		uint64_t now = clock_wall_ms();

		if (now > export_ms)
			export_ms = now;
	}
	if (!x->have_origin) {
		x->origin_ms = export_ms - UPTIME_HEADROOM_MS;
		x->have_origin = true;
	}
	nf_body_seal(b, export_ms, x->origin_ms);
	STAT_INC(x->st.datagrams);
	dispatch(x, b);
	nf_body_init(b, b->version);
}

static void
add_record(struct export *x, struct builder *bl, const struct flow_record *r,
    uint32_t pk, uint32_t by)
{
	if (!bl->in_use)
		return;
	if (bl->cur.n_records == 0)
		bl->started_ns = clock_mono_ns();
	nf_body_add(&bl->cur, r, pk, by);
	if (nf_body_full(&bl->cur))
		seal(x, bl);
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
		add_record(x, &x->v5, r, p32, b32);
		add_record(x, &x->v1, r, p32, b32);
		n++;
	}
	STAT_ADD(x->st.records, n);
	if (n > 1)
		STAT_INC(x->st.split_flows);
}

/*
 * Take what the decoders have queued, reading the records in place, and
 * loading each PREFETCH_AHEAD records before its turn; returns the number
 * of records.
 */
static unsigned
drain_rings(struct export *x)
{
	const struct flow_record *r;
	unsigned i, k, n, got = 0;

	for (i = 0; i < x->n_rings; i++) {
		n = flow_ring_borrow(&x->rings[i], &r, DRAIN_BURST);
		for (k = 0; k < n; k++) {
			if (k + PREFETCH_AHEAD < n)
				prefetch_record(&r[k + PREFETCH_AHEAD]);
			export_record(x, &r[k]);
		}
		if (n > 0)
			flow_ring_release(&x->rings[i], n);
		got += n;
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

/* Seal bodies whose first record has waited flush_ms. */
static void
seal_old(struct export *x, struct builder *bl, int64_t now)
{
	if (bl->cur.n_records > 0 &&
	    now - bl->started_ns >= (int64_t)x->conf.flush_ms * 1000000) {
		STAT_INC(x->st.flushes_idle);
		seal(x, bl);
	}
}

/* Send queues; full batches only, unless everything should go now. */
static void
flush_collectors(struct export *x, bool all)
{
	struct export_set *s = x->cur_set;
	unsigned c;

	for (c = 0; c < s->n_coll; c++)
		if (all || collector_queued(s->coll[c]) >=
		    COLLECTOR_SEND_BATCH)
			collector_flush(s->coll[c]);
}

/*
 * Enter a read-side critical section and pick up the current set.  A new
 * set may want a builder an old one did not (a v1 collector added).
 */
static void
set_enter(struct export *x)
{
	urcu_memb_read_lock();
	x->cur_set = rcu_dereference(x->set);
	RING_ACQUIRE(x->cur_set);
	x->v1.in_use = x->cur_set->v1;
	x->v5.in_use = x->cur_set->v5;
}

static void
set_leave(struct export *x)
{
	/* Pairs with the acquire after synchronize_rcu (export_swap_set). */
	RING_RELEASE(x->cur_set);
	x->cur_set = NULL;
	urcu_memb_read_unlock();
}

/*
 * Empty every queue before exit.  All collectors take turns against the
 * one deadline, so a slow (paced) collector cannot use up the others'
 * time: each round sends what every bucket allows, then waits briefly.
 */
static void
drain_all(struct export_set *s, int64_t deadline_ns)
{
	struct timespec pause = { 0, 100000 };
	bool left = true;
	unsigned c;

	while (left && clock_mono_ns() < deadline_ns) {
		left = false;
		for (c = 0; c < s->n_coll; c++)
			left |= collector_flush(s->coll[c]);
		if (left)
			nanosleep(&pause, NULL);
	}
	/* Past the deadline: what is left is counted as dropped at exit. */
	for (c = 0; c < s->n_coll; c++)
		collector_drain(s->coll[c], 0);
}

static void *
export_thread(void *arg)
{
	struct export *x = arg;
	struct backoff bo;
	bool done_seen = false;
	int64_t deadline;

	pthread_setname_np(pthread_self(), "pff-exp");
	/* memb flavour: a reader registers once, then read locks are cheap. */
	urcu_memb_register_thread();
	backoff_init(&bo, !x->conf.file_mode);
	for (;;) {
		set_enter(x);
		if (drain_rings(x) > 0) {
			flush_collectors(x, false);
			set_leave(x);
			backoff_reset(&bo);
			continue;
		}
		/* Idle: nothing queued by the decoders right now. */
		seal_old(x, &x->v5, clock_mono_ns());
		seal_old(x, &x->v1, clock_mono_ns());
		flush_collectors(x, true);
		set_leave(x);
		/* All decoders done (acquire) and one more empty drain. */
		if (done_seen)
			break;
		done_seen = upstream_done(x);
		if (!done_seen)
			backoff_wait(&bo);	/* outside the read section */
	}
	set_enter(x);
	seal(x, &x->v5);
	seal(x, &x->v1);
	/* File mode loses nothing: no deadline.  Live: a bounded wait. */
	deadline = x->conf.file_mode ? INT64_MAX :
	    clock_mono_ns() + (int64_t)x->conf.drain_ms * 1000000;
	drain_all(x->cur_set, deadline);
	set_leave(x);
	urcu_memb_unregister_thread();
	fflush(stderr);
	__atomic_store_n(&x->done, 1, __ATOMIC_RELEASE);
	if (x->conf.on_done != NULL)
		x->conf.on_done(x->conf.on_done_arg);
	return NULL;
}

void
export_set_on_done(struct export *x, void (*fn)(void *arg), void *arg)
{
	x->conf.on_done = fn;
	x->conf.on_done_arg = arg;
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
	for (c = 0; c < x->set->n_coll; c++)
		collector_stats_report(x->set->coll[c], c, e);
}
