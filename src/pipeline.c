/*
 * pipeline.c - wiring the stages together and taking them apart in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "clock.h"
#include "capture.h"
#include "decode.h"
#include "export.h"
#include "pipeline.h"
#include "stats.h"

struct pipeline {
	unsigned		 n_dec;
	struct frame_pool	*pools;		/* [n_dec] */
	struct flow_ring	*flow_rings;	/* [n_dec] */
	const int		**dec_done;	/* [n_dec] */
	struct decode		**dec;		/* [n_dec] */
	struct capture		*cap;
	struct export		*exp;
};

/* Smallest power of two >= n. */
static unsigned
pow2(unsigned n)
{
	unsigned p = 4;

	while (p < n)
		p <<= 1;
	return p;
}

/* Close and free the collectors of set that keep does not also hold. */
static void
close_set(struct export_set *set, const struct export_set *keep)
{
	unsigned i, j;

	for (i = 0; i < export_set_size(set); i++) {
		struct collector *c = export_set_get(set, i);
		bool kept = false;

		for (j = 0; keep != NULL && j < export_set_size(keep); j++)
			kept |= export_set_get(keep, j) == c;
		if (!kept) {
			collector_close(c);
			free(c);
		}
	}
	export_set_free(set);
}

/*
 * The collectors conf names, as a set: a collector of old whose settings
 * are unchanged is reused as it is (socket, queue, flow_sequence), every
 * other one is opened now.  NULL with err set; nothing of old is touched.
 */
static struct export_set *
open_set(const struct conf *conf, const struct export_set *old, char *err,
    size_t errlen)
{
	struct collector *coll[CONF_MAX_COLLECTORS];
	struct export_set *set;
	char want[1024], have[1024];
	unsigned i, j, n_new = 0;

	for (i = 0; i < conf->n_collectors; i++) {
		coll[i] = NULL;
		conf_collector_text(&conf->collectors[i], want, sizeof(want));
		for (j = 0; old != NULL && j < export_set_size(old); j++) {
			struct collector *c = export_set_get(old, j);
			bool taken = false;
			unsigned k;

			conf_collector_text(&c->conf, have, sizeof(have));
			for (k = 0; k < i; k++)
				taken |= coll[k] == c;
			if (!taken && strcmp(want, have) == 0) {
				coll[i] = c;
				break;
			}
		}
		if (coll[i] != NULL)
			continue;
		coll[i] = calloc(1, sizeof(*coll[i]));
		if (coll[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		n_new++;
		coll[i]->conf = conf->collectors[i];
		coll[i]->fd = -1;
		if (collector_open(coll[i], err, errlen) != 0) {
			collector_err_origin(coll[i]->conf.origin, err,
			    errlen);
			collector_close(coll[i]);
			free(coll[i]);
			goto fail;
		}
	}
	if ((set = export_set_create(coll, conf->n_collectors)) != NULL)
		return set;
	snprintf(err, errlen, "out of memory");
fail:
	/* Undo only what this call opened. */
	while (i-- > 0) {
		bool reused = false;

		for (j = 0; old != NULL && j < export_set_size(old); j++)
			reused |= export_set_get(old, j) == coll[i];
		if (!reused) {
			collector_close(coll[i]);
			free(coll[i]);
		}
	}
	(void)n_new;
	return NULL;
}

struct pipeline *
pipeline_create(const struct conf *conf, char *err, size_t errlen)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct capture_conf cc = { conf->file, conf->iface, conf->bpf };
	struct export_conf xc = { conf->version, conf->flush_ms,
	    conf->file != NULL, conf->debug, conf->drain_ms };
	struct export_set *set = NULL;
	struct decode_conf dc = { conf->threads, (uint8_t)conf->direction,
	    conf->file == NULL, conf->last_known, conf->max_states,
	    (uint64_t)conf->expire_margin_s * 1000 };
	unsigned i, n = conf->threads;

	if (p == NULL)
		goto nomem;
	p->n_dec = n;
	p->pools = calloc(n, sizeof(*p->pools));
	p->flow_rings = calloc(n, sizeof(*p->flow_rings));
	p->dec_done = calloc(n, sizeof(*p->dec_done));
	p->dec = calloc(n, sizeof(*p->dec));
	if (!p->pools || !p->flow_rings || !p->dec_done || !p->dec)
		goto nomem;
	if ((set = open_set(conf, NULL, err, errlen)) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (frame_pool_init(&p->pools[i], pow2(conf->frame_slots)) ||
		    flow_ring_init(&p->flow_rings[i], pow2(conf->flow_ring)))
			goto nomem;
	}
	p->cap = capture_create(&cc, p->pools, n, err, errlen);
	if (p->cap == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		p->dec[i] = decode_create(i, &dc, &p->pools[i],
		    &p->flow_rings[i], capture_done_flag(p->cap));
		if (p->dec[i] == NULL)
			goto nomem;
		p->dec_done[i] = decode_done_flag(p->dec[i]);
	}
	p->exp = export_create(&xc, p->flow_rings, p->dec_done, n, set);
	if (p->exp == NULL)
		goto nomem;
	return p;
nomem:
	snprintf(err, errlen, "out of memory setting up %u decoders", n);
fail:
	if (set != NULL && (p == NULL || p->exp == NULL))
		close_set(set, NULL);
	pipeline_destroy(p);
	return NULL;
}

int
pipeline_start(struct pipeline *p, void (*on_done)(void *arg), void *arg)
{
	unsigned i;
	int rc;

	export_set_on_done(p->exp, on_done, arg);
	/* Consumers first, so nothing waits on a thread that is not there. */
	if ((rc = export_start(p->exp)) != 0)
		return rc;
	for (i = 0; i < p->n_dec; i++)
		if ((rc = decode_start(p->dec[i])) != 0)
			return rc;
	return capture_start(p->cap);
}

void
pipeline_stop(struct pipeline *p)
{
	capture_stop(p->cap);
}

bool
pipeline_finished(const struct pipeline *p)
{
	return __atomic_load_n(export_done_flag(p->exp), __ATOMIC_ACQUIRE);
}

void
pipeline_join(struct pipeline *p)
{
	unsigned i;

	/* Pipeline order: each stage ends after the one feeding it. */
	capture_join(p->cap);
	for (i = 0; i < p->n_dec; i++)
		decode_join(p->dec[i]);
	export_join(p->exp);
}

const char *
pipeline_input_error(const struct pipeline *p)
{
	return capture_error(p->cap);
}

void
pipeline_stats_report(const struct pipeline *p, const struct stats_emit *e)
{
	struct rusage ru;

	/* Memory is bounded by configuration: show what it came to. */
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		stats_emitf(e, (uint64_t)ru.ru_maxrss, "process.max_rss_kib");
	capture_stats_report(p->cap, e);
	decode_stats_report(p->dec, p->n_dec, e);
	export_stats_report(p->exp, e);
}

void
pipeline_destroy(struct pipeline *p)
{
	unsigned i;

	if (p == NULL)
		return;
	if (p->exp != NULL)
		close_set((struct export_set *)export_current_set(p->exp),
		    NULL);
	export_destroy(p->exp);
	for (i = 0; p->dec && i < p->n_dec; i++)
		decode_destroy(p->dec[i]);
	capture_destroy(p->cap);
	for (i = 0; p->pools && i < p->n_dec; i++) {
		frame_pool_fini(&p->pools[i]);
		flow_ring_fini(&p->flow_rings[i]);
	}
	free(p->pools);
	free(p->flow_rings);
	free(p->dec_done);
	free(p->dec);
	free(p);
}

int
pipeline_reload(struct pipeline *p, const struct conf *conf, char *err,
    size_t errlen, struct pipeline_reload_result *res)
{
	const struct export_set *cur = export_current_set(p->exp);
	struct export_set *set, *old;
	int64_t deadline;
	unsigned i, j;

	memset(res, 0, sizeof(*res));
	if ((set = open_set(conf, cur, err, errlen)) == NULL)
		return -1;
	for (i = 0; i < export_set_size(set); i++) {
		bool kept = false;

		for (j = 0; j < export_set_size(cur); j++)
			kept |= export_set_get(cur, j) == export_set_get(set, i);
		if (kept)
			res->kept++;
		else
			res->added++;
	}
	old = export_swap_set(p->exp, set);
	/*
	 * The grace period is over: the exporter no longer uses old, so the
	 * collectors only old had are ours to flush and close.
	 */
	deadline = clock_mono_ns() + (int64_t)conf->drain_ms * 1000000;
	for (i = 0; i < export_set_size(old); i++) {
		struct collector *c = export_set_get(old, i);
		bool kept = false;

		for (j = 0; j < export_set_size(set); j++)
			kept |= export_set_get(set, j) == c;
		if (kept)
			continue;
		collector_drain(c, deadline);
		res->removed++;
		res->removed_sent += c->st.records;
		res->removed_dropped += c->st.dropped_queue_full_records +
		    c->st.dropped_send_error_records +
		    c->st.dropped_at_exit_records;
	}
	close_set(old, set);
	return 0;
}
