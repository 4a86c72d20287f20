/*
 * fuzz_pfsync.c - libFuzzer target over everything that reads captured
 * bytes: link/IP stripping, every pfsync parser, the flow contract and the
 * NetFlow encoder.
 *
 * Input: byte 0 picks a link type, the rest is one captured packet.  The
 * pfsync frame is copied into a buffer of exactly its length so that
 * AddressSanitizer catches any read past it.  Built with -fsanitize=fuzzer
 * it fuzzes; linked with replay_main.c it replays a corpus (make check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "link.h"
#include "pfsync.h"
#include "wire/netflow.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_links[] = {
	LINK_PFSYNC, LINK_PFSYNC_OPENBSD, LINK_PFSYNC_FREEBSD, LINK_ETHERNET,
	LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_RAW, LINK_NULL, LINK_LOOP,
	LINK_IPV4, LINK_IPV6, LINK_DLT_RAW_BSD, LINK_DLT_RAW_OPENBSD,
};
#define N_FUZZ_LINKS	(sizeof(fuzz_links) / sizeof(fuzz_links[0]))

static void
on_event(void *ctx, const struct pf_state_event *ev)
{
	struct nf_body *body = ctx;
	struct flow_record recs[2];
	uint64_t zero = 0, pk, by;
	uint32_t p32, b32;
	unsigned i, n;

	if (ev->kind != PF_EV_DELETE)
		return;
	n = flow_from_state(ev, 1767225600000ULL, FLOW_FINAL, recs, &zero);
	for (i = 0; i < n; i++) {
		if (recs[i].af != 4)
			continue;
		pk = recs[i].packets;
		by = recs[i].bytes;
		/* Bound the work: a 2^64 counter is 2^32 records. */
		for (unsigned k = 0; k < 4 && nf_split(&pk, &by, &p32, &b32);
		    k++) {
			nf_body_add(body, &recs[i], p32, b32);
			if (nf_body_full(body)) {
				nf_body_seal(body, 1767225600000ULL,
				    1767225600000ULL - 86400000ULL);
				nf_body_init(body, 5);
			}
		}
	}
}

/* Half the states belong to "another decoder": the skip path is fuzzed. */
static bool
owns_half(void *ctx, uint32_t creatorid, uint64_t id)
{
	(void)ctx;
	return ((creatorid ^ id) & 1) == 0;
}

/* As that decoder: no other decoder's state may ever get through. */
static void
on_event_half(void *ctx, const struct pf_state_event *ev)
{
	if (ev->kind != PF_EV_CLEAR && !owns_half(NULL, ev->creatorid, ev->id))
		abort();
	on_event(ctx, ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfsync_stats st, frame_st;
	struct nf_body body;
	struct pfsync_sink sink = { on_event, &body, NULL, NULL };
	struct link_frame lf;
	uint8_t *frame;

	if (size < 1)
		return 0;
	if (link_strip(fuzz_links[data[0] % N_FUZZ_LINKS], data + 1, size - 1,
	    &lf) >= 0)
		return 0;
	if (lf.off > size - 1 || lf.len > size - 1 - lf.off)
		abort();	/* link_strip pointed outside the packet */
	frame = malloc(lf.len ? lf.len : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 1 + lf.off, lf.len);
	memset(&st, 0, sizeof(st));
	memset(&frame_st, 0, sizeof(frame_st));
	nf_body_init(&body, 5);
	pfsync_parse(frame, lf.len, &sink, &st);
	/* Again as a second decoder would: owning half, frames elsewhere. */
	sink.event = on_event_half;
	sink.owns = owns_half;
	sink.frame_st = &frame_st;
	pfsync_parse(frame, lf.len, &sink, &st);
	free(frame);
	return 0;
}
