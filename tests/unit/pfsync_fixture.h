/*
 * pfsync_fixture.h - helpers shared by the pfsync parser tests,
 * test_pfsync_legacy.c (versions 2-4) and test_pfsync_framed.c (5, 6).
 *
 * It provides big-endian field writers (put8..put64) and distinct test
 * addresses (make_addr) for building fixtures; a sink that records every
 * event it is handed (seen, sink); parse(), which runs pfsync_parse() into
 * fresh stats and a fresh seen and checks the bookkeeping every frame must
 * satisfy, and parse_exact(), the same from an exactly-sized heap buffer
 * so ASan catches any read past the end; the assertions n_bad(),
 * assert_zero(), assert_short_header() and assert_events_sane(); and rnd(),
 * a fixed-seed PRNG for the random-frame and mutation loops.
 *
 * For the parser tests only.  Everything is static, one copy per test
 * binary; the includer defines MAX_EV, how many events seen keeps, first.
 */
#ifndef PFSYNC_FIXTURE_H
#define PFSYNC_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pfsync.h"

#ifndef MAX_EV
#error "define MAX_EV before including pfsync_fixture.h"
#endif

/* ------------------------------------------------------------- writers */

static inline void
put8(uint8_t *p, size_t off, unsigned v)
{
	p[off] = (uint8_t)v;
}

static inline void
put16(uint8_t *p, size_t off, unsigned v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = (uint8_t)(v >> 24);
	p[off + 1] = (uint8_t)(v >> 16);
	p[off + 2] = (uint8_t)(v >> 8);
	p[off + 3] = (uint8_t)v;
}

static inline void
put64(uint8_t *p, size_t off, uint64_t v)
{
	put32(p, off, (uint32_t)(v >> 32));
	put32(p, off + 4, (uint32_t)v);
}

/*
 * An address: IPv4 in the first 4 bytes (rest zero, as pf_addr), or a
 * 2001:db8::/32 IPv6 address; tag makes each one different.
 */
static inline void
make_addr(uint8_t a[16], uint8_t af, uint8_t tag)
{
	unsigned i;

	memset(a, 0, 16);
	if (af == 4) {
		a[0] = 10;
		a[1] = tag;
		a[2] = (uint8_t)(tag ^ 0x5a);
		a[3] = (uint8_t)(tag + 1);
		return;
	}
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	for (i = 4; i < 16; i++)
		a[i] = (uint8_t)(tag + i);
}

/* ---------------------------------------------------------------- sink */

/* What the sink saw: every call counted, the first MAX_EV kept. */
struct seen {
	unsigned		n;
	struct pf_state_event	ev[MAX_EV];
};

static struct seen seen;

static inline void
sink_event(void *ctx, const struct pf_state_event *ev)
{
	struct seen *s = ctx;

	if (s->n < MAX_EV)
		s->ev[s->n] = *ev;
	s->n++;
}

static const struct pfsync_sink sink = { .event = sink_event, .ctx = &seen };

/*
 * Parse p[0..len) into fresh stats and a fresh seen; check the bookkeeping
 * that must hold for every frame.
 */
static inline void
parse(const uint8_t *p, size_t len, struct pfsync_stats *st)
{
	memset(st, 0, sizeof(*st));
	memset(&seen, 0, sizeof(seen));
	pfsync_parse(p, len, &sink, st);
	assert_int_equal(st->frames, 1);
	assert_int_equal(st->events, seen.n);
}

/*
 * parse() a copy of p[0..len) held in a heap buffer of exactly len bytes,
 * so that ASan catches any read past the end.
 */
static inline void
parse_exact(const uint8_t *p, size_t len, struct pfsync_stats *st)
{
	uint8_t *buf;

	buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, p, len);
	parse(buf, len, st);
	free(buf);
}

/* ---------------------------------------------------------- assertions */

/* Sum of every bad[] counter. */
static inline uint64_t
n_bad(const struct pfsync_stats *st)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < PFSYNC_BAD_MAX; i++)
		n += st->bad[i];
	return n;
}

static inline void
assert_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		assert_int_equal(b[i], 0);
}

/* The frame was a short header and nothing else: no event, one error. */
static inline void
assert_short_header(const struct pfsync_stats *st)
{
	assert_int_equal(seen.n, 0);
	assert_int_equal(st->bad[PFSYNC_BAD_SHORT_HEADER], 1);
	assert_int_equal(n_bad(st), 1);
}

/*
 * What holds for every event seen kept, whatever the frame: a known kind,
 * a version from vmin to vmax, a terminated ifname and, for full states,
 * a valid af and direction, and counters too if full_counters.
 */
static inline void
assert_events_sane(unsigned vmin, unsigned vmax, int full_counters)
{
	unsigned i;

	for (i = 0; i < seen.n && i < MAX_EV; i++) {
		const struct pf_state_event *ev = &seen.ev[i];

		assert_true(ev->kind < PF_EV_MAX);
		assert_true(ev->version >= vmin && ev->version <= vmax);
		assert_true(memchr(ev->ifname, '\0',
		    sizeof(ev->ifname)) != NULL);
		if (ev->kind == PF_EV_INSERT ||
		    ev->kind == PF_EV_UPDATE ||
		    ev->kind == PF_EV_DELETE) {
			assert_true(ev->af == 4 || ev->af == 6);
			assert_true(ev->direction == PFSYNC_DIR_IN ||
			    ev->direction == PFSYNC_DIR_OUT);
			if (full_counters)
				assert_true(ev->has_counters);
		}
	}
}

/* ---------------------------------------------------------------- PRNG */

/* xorshift32: a fixed sequence, so a failure reproduces. */
static inline uint32_t
rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

#endif /* PFSYNC_FIXTURE_H */
