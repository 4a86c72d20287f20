/*
 * decode.c - decoder threads: pfsync frames to flow records.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "decode.h"
#include "flow.h"
#include "stats.h"

struct decode {
	unsigned		 index;
	struct decode_conf	 conf;
	struct frame_pool	*pool;
	struct flow_ring	*out;
	const int		*upstream_done;
	uint64_t		 arrival_ms;	/* of the frame being parsed */
	pthread_t		 thread;
	bool			 started;
	int			 done;		/* atomic release */
	struct decode_stats	 st;
};

struct decode *
decode_create(unsigned index, const struct decode_conf *conf,
    struct frame_pool *pool, struct flow_ring *out, const int *upstream_done)
{
	struct decode *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->index = index;
	d->conf = *conf;
	d->pool = pool;
	d->out = out;
	d->upstream_done = upstream_done;
	return d;
}

/* Hand a record to the exporter, waiting while its ring is full. */
static void
put_flow(struct decode *d, const struct flow_record *r)
{
	struct backoff bo;

	if (flow_ring_put(d->out, r))
		return;
	STAT_INC(d->st.flow_ring_waits);
	backoff_reset(&bo);
	while (!flow_ring_put(d->out, r))
		backoff_wait(&bo);
}

static void
on_event(void *ctx, const struct pf_state_event *ev)
{
	struct decode *d = ctx;
	struct flow_record recs[2];
	uint64_t zero = 0;
	unsigned i, n;

	STAT_INC(d->st.events[ev->kind]);
	if (ev->kind != PF_EV_DELETE || !ev->has_counters)
		return;
	if (d->conf.direction != 0 && ev->direction != d->conf.direction) {
		STAT_INC(d->st.filtered_direction);
		return;
	}
	n = flow_from_state(ev, d->arrival_ms, FLOW_FINAL, recs, &zero);
	STAT_ADD(d->st.zero_directions, zero);
	for (i = 0; i < n; i++)
		put_flow(d, &recs[i]);
	STAT_ADD(d->st.flows, n);
}

static void *
decode_thread(void *arg)
{
	struct decode *d = arg;
	struct pfsync_sink sink = { on_event, d };
	struct backoff bo;
	struct frame *f;
	char name[16];
	bool upstream_done = false;

	snprintf(name, sizeof(name), "pff-dec/%u", d->index);
	pthread_setname_np(pthread_self(), name);
	backoff_reset(&bo);
	for (;;) {
		f = ptr_ring_get(&d->pool->full);
		if (f != NULL) {
			d->arrival_ms = f->ts_us / 1000;
			pfsync_parse(f->data, f->len, &sink, &d->st.parse);
			/* The free ring holds every slot: cannot fail. */
			if (!ptr_ring_put(&d->pool->free, f))
				abort();
			backoff_reset(&bo);
			continue;
		}
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
	struct decode_stats sum;
	unsigned i;

	_Static_assert(sizeof(struct decode_stats) % sizeof(uint64_t) == 0,
	    "decode_stats is an array of counters");
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < n; i++)
		sum_u64((uint64_t *)&sum, (const uint64_t *)&ds[i]->st,
		    sizeof(sum) / sizeof(uint64_t));
	pfsync_stats_report(&sum.parse, "decode", e);
	for (i = 0; i < PF_EV_MAX; i++)
		stats_emitf(e, sum.events[i], "decode.event.%s",
		    pf_event_name(i));
	stats_emitf(e, sum.filtered_direction, "decode.filtered_direction");
	stats_emitf(e, sum.flows, "decode.flows");
	stats_emitf(e, sum.zero_directions, "decode.zero_directions");
	stats_emitf(e, sum.flow_ring_waits, "decode.flow_ring_waits");
}
