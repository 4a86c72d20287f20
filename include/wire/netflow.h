/*
 * wire/netflow.h - NetFlow v1 and v5 datagrams (spec section 10).
 *
 *   v5: header 24 bytes, then 1..30 records of 48 bytes (max 1464 bytes)
 *   v1: header 16 bytes, then 1..24 records of 48 bytes (max 1168 bytes)
 *
 * All fields big-endian.  Counters are 32-bit and times are milliseconds of
 * the exporter's SysUptime, so this is the only place where pfflowd's 64-bit
 * counters are split and its absolute times made relative.
 *
 * The datagram is built in two parts so one body can go to many collectors:
 * nf_body (the records, shared) and a per-collector header stamped with
 * that collector's flow_sequence and engine id.  Builders are owned by the
 * exporter thread; nothing here blocks or allocates.
 */
#ifndef PFF_WIRE_NETFLOW_H
#define PFF_WIRE_NETFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow_record;

#define NF1_HDR_LEN		16
#define NF5_HDR_LEN		24
#define NF_REC_LEN		48
#define NF1_MAX_RECORDS		24
#define NF5_MAX_RECORDS		30
#define NF_MAX_HDR_LEN		NF5_HDR_LEN
#define NF_MAX_RECORDS		NF5_MAX_RECORDS
#define NF_COUNTER_MAX		UINT32_C(0xffffffff)

struct nf5_wire_header {
	uint16_t	version, count;
	uint32_t	sys_uptime, unix_secs, unix_nsecs, flow_sequence;
	uint8_t		engine_type, engine_id;
	uint16_t	sampling_interval;
} __attribute__((packed));
_Static_assert(sizeof(struct nf5_wire_header) == NF5_HDR_LEN, "v5 header");

struct nf1_wire_header {
	uint16_t	version, count;
	uint32_t	sys_uptime, unix_secs, unix_nsecs;
} __attribute__((packed));
_Static_assert(sizeof(struct nf1_wire_header) == NF1_HDR_LEN, "v1 header");

struct nf5_wire_record {
	uint32_t	srcaddr, dstaddr, nexthop;
	uint16_t	input, output;
	uint32_t	d_pkts, d_octets, first, last;
	uint16_t	srcport, dstport;
	uint8_t		pad1, tcp_flags, prot, tos;
	uint16_t	src_as, dst_as;
	uint8_t		src_mask, dst_mask;
	uint16_t	pad2;
} __attribute__((packed));
_Static_assert(sizeof(struct nf5_wire_record) == NF_REC_LEN, "v5 record");

struct nf1_wire_record {
	uint32_t	srcaddr, dstaddr, nexthop;
	uint16_t	input, output;
	uint32_t	d_pkts, d_octets, first, last;
	uint16_t	srcport, dstport, pad1;
	uint8_t		prot, tos, tcp_flags;
	uint8_t		pad2[3];
	uint32_t	reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct nf1_wire_record) == NF_REC_LEN, "v1 record");

/*
 * Number of wire records a flow needs: a counter above 0xffffffff is split
 * into chunks of min(remaining, 0xffffffff) packets and bytes each, so the
 * sums over the chunks equal the 64-bit totals.  At least 1.
 */
uint64_t nf_records_needed(uint64_t packets, uint64_t bytes);

/* A datagram body under construction: records only, no header yet. */
struct nf_body {
	unsigned	version;		/* 1 or 5 */
	unsigned	max_records;		/* 24 or 30 */
	unsigned	n_records;
	uint64_t	export_ms;		/* unix ms stamped in the header */
	uint32_t	sys_uptime;		/* ms, modulo 2^32 */
	uint8_t		rec[NF_MAX_RECORDS * NF_REC_LEN];
	uint64_t	first_ms[NF_MAX_RECORDS];	/* absolute, until sealed */
	uint64_t	last_ms[NF_MAX_RECORDS];
};

/* Empty body for version (1 or 5). */
void	nf_body_init(struct nf_body *b, unsigned version);

static inline bool
nf_body_full(const struct nf_body *b)
{
	return b->n_records == b->max_records;
}

/*
 * Append one wire record with the given 32-bit counters.  The caller splits
 * (see nf_records_needed / nf_split).  Times stay absolute until sealed.
 */
void	nf_body_add(struct nf_body *b, const struct flow_record *r,
	    uint32_t packets, uint32_t bytes);

/*
 * Split helper: take the next chunk of a 64-bit pair; returns false when
 * nothing remains.  Start with *pk = packets, *by = bytes.  Inline: the
 * exporter calls it for every flow.
 */
static inline bool
nf_split(uint64_t *pk, uint64_t *by, uint32_t *out_pk, uint32_t *out_by)
{
	uint64_t p = *pk < NF_COUNTER_MAX ? *pk : NF_COUNTER_MAX;
	uint64_t b = *by < NF_COUNTER_MAX ? *by : NF_COUNTER_MAX;

	if (p == 0 && b == 0)
		return false;
	*out_pk = (uint32_t)p;
	*out_by = (uint32_t)b;
	*pk -= p;
	*by -= b;
	return true;
}

/*
 * Seal the body: export time export_ms (unix ms, >= every record's end) and
 * uptime origin origin_ms (unix ms where SysUptime is 0).  Writes SysUptime
 * and each record's First/Last as (t - origin) mod 2^32, after clamping each
 * t into [export - 2^31 + 1, export] so collectors that subtract with signed
 * 32-bit arithmetic agree, and First <= Last.
 */
void	nf_body_seal(struct nf_body *b, uint64_t export_ms, uint64_t origin_ms);

/* Bytes of header for the body's version. */
size_t	nf_header_len(const struct nf_body *b);

/*
 * Write the header for a sealed body into hdr (nf_header_len bytes):
 * flow_sequence (v5 only) = records sent to this collector before this one.
 */
void	nf_header_write(uint8_t *hdr, const struct nf_body *b,
	    uint32_t flow_sequence, uint8_t engine_type, uint8_t engine_id);

#endif /* PFF_WIRE_NETFLOW_H */
