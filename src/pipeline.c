/*
 * pipeline.c - wiring the stages together and taking them apart in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	struct collector	*coll;		/* [n_coll] */
	unsigned		 n_coll;
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

struct pipeline *
pipeline_create(const struct conf *conf, char *err, size_t errlen)
{
	struct pipeline *p = calloc(1, sizeof(*p));
	struct capture_conf cc = { conf->file, conf->iface, conf->bpf };
	struct export_conf xc = { conf->version, conf->flush_ms,
	    conf->file != NULL, conf->debug, conf->drain_ms };
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
	p->coll = calloc(conf->n_collectors ? conf->n_collectors : 1,
	    sizeof(*p->coll));
	if (!p->pools || !p->flow_rings || !p->dec_done || !p->dec ||
	    !p->coll)
		goto nomem;
	for (i = 0; i < conf->n_collectors; i++) {
		memset(&p->coll[i], 0, sizeof(p->coll[i]));
		p->coll[i].conf = conf->collectors[i];
		p->coll[i].fd = -1;
		p->n_coll++;
		if (collector_open(&p->coll[i], err, errlen) != 0)
			goto fail;
	}
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
	p->exp = export_create(&xc, p->flow_rings, p->dec_done, n, p->coll,
	    p->n_coll);
	if (p->exp == NULL)
		goto nomem;
	return p;
nomem:
	snprintf(err, errlen, "out of memory setting up %u decoders", n);
fail:
	pipeline_destroy(p);
	return NULL;
}

int
pipeline_start(struct pipeline *p)
{
	unsigned i;
	int rc;

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
	export_destroy(p->exp);
	for (i = 0; p->dec && i < p->n_dec; i++)
		decode_destroy(p->dec[i]);
	capture_destroy(p->cap);
	for (i = 0; i < p->n_coll; i++)
		collector_close(&p->coll[i]);
	for (i = 0; p->pools && i < p->n_dec; i++) {
		frame_pool_fini(&p->pools[i]);
		flow_ring_fini(&p->flow_rings[i]);
	}
	free(p->pools);
	free(p->flow_rings);
	free(p->dec_done);
	free(p->dec);
	free(p->coll);
	free(p);
}
