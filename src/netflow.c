/*
 * netflow.c - NetFlow v1/v5 encoding: 32-bit counter splitting, relative
 * times modulo 2^32, and the header stamped per collector.
 */
#include <endian.h>
#include <stddef.h>
#include <string.h>

#include "flow.h"
#include "wire/netflow.h"

_Static_assert(offsetof(struct nf5_wire_record, prot) == 38, "v5 prot");
_Static_assert(offsetof(struct nf1_wire_record, prot) == 38, "v1 prot");
_Static_assert(offsetof(struct nf5_wire_record, first) == 24, "First");

/* Largest distance before the export time a collector can represent. */
#define NF_MAX_AGE_MS	(UINT64_C(1) << 31)

/* One store each: these run once per record on the exporter's hot path. */
static inline void
put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static uint64_t
chunks(uint64_t v)
{
	return v / NF_COUNTER_MAX + (v % NF_COUNTER_MAX != 0);
}

uint64_t
nf_records_needed(uint64_t packets, uint64_t bytes)
{
	uint64_t np = chunks(packets), nb = chunks(bytes);
	uint64_t n = np > nb ? np : nb;

	return n ? n : 1;
}

void
nf_body_init(struct nf_body *b, unsigned version)
{
	b->version = version;
	b->max_records = version == 1 ? NF1_MAX_RECORDS : NF5_MAX_RECORDS;
	b->n_records = 0;
	b->export_ms = 0;
	b->sys_uptime = 0;
}

/*
 * v1 and v5 records put every field pfflowd fills at the same offsets:
 * both have prot at 38 (v5: pad1 36, tcp_flags 37; v1: pad1 36..37, its
 * tcp_flags at 40).  What pfsync cannot tell (nexthop, ifindexes, ToS, TCP
 * flags, AS, masks) stays zero.  First and Last (24..31) are left for
 * nf_body_seal, which writes them for every record.
 */
void
nf_body_add(struct nf_body *b, const struct flow_record *r, uint32_t packets,
    uint32_t bytes)
{
	uint8_t *p = b->rec + (size_t)b->n_records * NF_REC_LEN;

	memcpy(p + 0, r->src, 4);	/* srcaddr, already network order */
	memcpy(p + 4, r->dst, 4);	/* dstaddr */
	memset(p + 8, 0, 8);		/* nexthop, input, output */
	put32(p + 16, packets);		/* dPkts */
	put32(p + 20, bytes);		/* dOctets */
	put16(p + 32, r->src_port);
	put16(p + 34, r->dst_port);
	p[36] = 0;
	p[37] = 0;
	p[38] = r->proto;		/* prot */
	p[39] = 0;
	memset(p + 40, 0, 8);
	b->first_ms[b->n_records] = r->first_ms;
	b->last_ms[b->n_records] = r->last_ms;
	if (r->seen_ms > b->export_ms)
		b->export_ms = r->seen_ms;
	b->n_records++;
}

/* Clamp t into the window a collector can represent before export. */
static uint64_t
clamp_time(uint64_t t, uint64_t export_ms)
{
	uint64_t oldest = export_ms >= NF_MAX_AGE_MS - 1 ?
	    export_ms - (NF_MAX_AGE_MS - 1) : 0;

	if (t > export_ms)
		return export_ms;
	return t < oldest ? oldest : t;
}

void
nf_body_seal(struct nf_body *b, uint64_t export_ms, uint64_t origin_ms)
{
	unsigned i;

	b->export_ms = export_ms;
	/* Unsigned subtraction then truncation: exactly modulo 2^32. */
	b->sys_uptime = (uint32_t)(export_ms - origin_ms);
	for (i = 0; i < b->n_records; i++) {
		uint8_t *p = b->rec + (size_t)i * NF_REC_LEN;
		uint64_t last = clamp_time(b->last_ms[i], export_ms);
		uint64_t first = clamp_time(b->first_ms[i], export_ms);

		if (first > last)
			first = last;
		put32(p + 24, (uint32_t)(first - origin_ms));
		put32(p + 28, (uint32_t)(last - origin_ms));
	}
}

size_t
nf_header_len(const struct nf_body *b)
{
	return b->version == 1 ? NF1_HDR_LEN : NF5_HDR_LEN;
}

void
nf_header_write(uint8_t *hdr, const struct nf_body *b,
    uint32_t flow_sequence, uint8_t engine_type, uint8_t engine_id)
{
	put16(hdr + 0, (uint16_t)b->version);
	put16(hdr + 2, (uint16_t)b->n_records);
	put32(hdr + 4, b->sys_uptime);
	put32(hdr + 8, (uint32_t)(b->export_ms / 1000));
	put32(hdr + 12, (uint32_t)(b->export_ms % 1000) * 1000000u);
	if (b->version == 1)
		return;
	put32(hdr + 16, flow_sequence);
	hdr[20] = engine_type;
	hdr[21] = engine_id;
	put16(hdr + 22, 0);		/* sampling: none */
}
