/*
 * decode.c - decoder threads: pfsync frames to state events to flows.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "backoff.h"
#include "decode.h"
#include "flow.h"
#include "stats.h"

/* How often (capture time) the table looks for states with lost deletes. */
#define EXPIRE_EVERY_MS	1000

struct decode {
	unsigned		 index;
	struct decode_conf	 conf;
	struct frame_pool	*pool;
	struct flow_ring	*out;
	const int		*upstream_done;
	struct statetab		*tab;
	uint64_t		 arrival_ms;	/* of the frame being parsed */
	uint64_t		 clock_ms;	/* latest capture (or wall) time */
	uint64_t		 next_expire_ms;
	pthread_t		 thread;
	bool			 started;
	int			 done;		/* atomic release */
	struct decode_stats	 st;
	struct pfsync_stats	 not_reported;	/* frame counters, i > 0 */
};

/* Hand a record to the exporter, waiting while its ring is full. */
static void
put_flow(void *ctx, const struct flow_record *r)
{
	struct decode *d = ctx;
	struct backoff bo;

	STAT_INC(d->st.flows);
	if (flow_ring_put(d->out, r))
		return;
	STAT_INC(d->st.flow_ring_waits);
	backoff_init(&bo, d->conf.live);
	while (!flow_ring_put(d->out, r))
		backoff_wait(&bo);
}

struct decode *
decode_create(unsigned index, const struct decode_conf *conf,
    struct frame_pool *pool, struct flow_ring *out, const int *upstream_done)
{
	struct decode *d = calloc(1, sizeof(*d));
	struct statetab_conf tc;

	if (d == NULL)
		return NULL;
	d->index = index;
	d->conf = *conf;
	d->pool = pool;
	d->out = out;
	d->upstream_done = upstream_done;
	memset(&tc, 0, sizeof(tc));
	tc.capacity = (conf->max_states + conf->n_decoders - 1) /
	    conf->n_decoders;
	tc.direction = conf->direction;
	tc.last_known = conf->last_known;
	tc.expire_margin_ms = conf->expire_margin_ms;
	d->tab = statetab_create(&tc, put_flow, d);
	if (d->tab == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

static bool
owns(void *ctx, uint32_t creatorid, uint64_t id)
{
	struct decode *d = ctx;

	return statetab_shard(creatorid, id, d->conf.n_decoders) == d->index;
}

static void
on_event(void *ctx, const struct pf_state_event *ev)
{
	struct decode *d = ctx;

	/* Every decoder applies a CLEAR to its shard; decoder 0 counts it. */
	if (ev->kind != PF_EV_CLEAR || d->index == 0)
		STAT_INC(d->st.events[ev->kind]);
	statetab_apply(d->tab, ev, d->arrival_ms);
}

/*
 * Advance the table's clock.  In file mode time is the capture's own, so
 * a file always gives the same flows; live, an idle sync network must not
 * stop the clock, so wall time counts too.
 */
static void
tick(struct decode *d, uint64_t now_ms)
{
	if (now_ms > d->clock_ms)
		d->clock_ms = now_ms;
	if (d->clock_ms >= d->next_expire_ms) {
		statetab_expire(d->tab, d->clock_ms);
		d->next_expire_ms = d->clock_ms + EXPIRE_EVERY_MS;
	}
}

static void *
decode_thread(void *arg)
{
	struct decode *d = arg;
	/* One decoder owns every state: no need to hash each message. */
	struct pfsync_sink sink = { on_event, d,
	    d->conf.n_decoders > 1 ? owns : NULL,
	    d->index == 0 ? &d->st.parse : &d->not_reported };
	struct backoff bo;
	struct frame *f;
	char name[16];
	bool upstream_done = false;

	snprintf(name, sizeof(name), "pff-dec/%u", d->index);
	pthread_setname_np(pthread_self(), name);
	backoff_init(&bo, d->conf.live);
	for (;;) {
		f = ptr_ring_get(&d->pool->full);
		if (f != NULL) {
			d->arrival_ms = f->ts_us / 1000;
			pfsync_parse(f->data, f->len, &sink, &d->st.parse);
			tick(d, d->arrival_ms);
			/* The free ring holds every slot: cannot fail. */
			if (!ptr_ring_put(&d->pool->free, f))
				abort();
			backoff_reset(&bo);
			continue;
		}
		if (d->conf.live && bo.n >= BACKOFF_YIELDS)
			tick(d, clock_wall_ms());	/* idle: vDSO, no syscall */
		/*
		 * Empty.  Once capture has said it is done (acquire pairs
		 * with its release), one more empty look means drained.
		 */
		if (upstream_done)
			break;
		upstream_done = __atomic_load_n(d->upstream_done,
		    __ATOMIC_ACQUIRE);
		if (!upstream_done)
			backoff_wait(&bo);
	}
	/* End of input or shutdown: what is still live ends now. */
	statetab_flush(d->tab);
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int
decode_start(struct decode *d)
{
	int rc = pthread_create(&d->thread, NULL, decode_thread, d);

	d->started = rc == 0;
	return rc;
}

void
decode_join(struct decode *d)
{
	if (d->started)
		pthread_join(d->thread, NULL);
	d->started = false;
}

void
decode_destroy(struct decode *d)
{
	if (d == NULL)
		return;
	statetab_destroy(d->tab);
	free(d);
}

const int *
decode_done_flag(const struct decode *d)
{
	return &d->done;
}

const struct decode_stats *
decode_stats(const struct decode *d)
{
	return &d->st;
}

const struct statetab_stats *
decode_statetab_stats(const struct decode *d)
{
	return statetab_stats(d->tab);
}

/* Sum counter arrays field by field: both structs are all uint64_t. */
static void
sum_u64(uint64_t *dst, const uint64_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] += STAT_GET(src[i]);
}

void
decode_stats_report(struct decode *const *ds, unsigned n,
    const struct stats_emit *e)
{
	const struct statetab_stats *tabs[DECODE_MAX];
	struct decode_stats sum;
	unsigned i;

	if (n > DECODE_MAX)
		n = DECODE_MAX;

	_Static_assert(sizeof(struct decode_stats) % sizeof(uint64_t) == 0,
	    "decode_stats is an array of counters");
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < n; i++) {
		sum_u64((uint64_t *)&sum, (const uint64_t *)&ds[i]->st,
		    sizeof(sum) / sizeof(uint64_t));
		tabs[i] = statetab_stats(ds[i]->tab);
	}
	pfsync_stats_report(&sum.parse, "decode", e);
	for (i = 0; i < PF_EV_MAX; i++)
		stats_emitf(e, sum.events[i], "decode.event.%s",
		    pf_event_name(i));
	stats_emitf(e, sum.flows, "decode.flows");
	stats_emitf(e, sum.flow_ring_waits, "decode.flow_ring_waits");
	statetab_stats_report(tabs, n, e);
}
