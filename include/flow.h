/*
 * flow.h - the flow contract: what a pf state becomes.
 *
 * A flow record is one direction of one pf state with 64-bit counters and
 * absolute millisecond times.  NetFlow's 32-bit fields and relative times
 * exist only in the encoders (wire/netflow.h).  Pure functions, any thread.
 */
#ifndef PFF_FLOW_H
#define PFF_FLOW_H

#include <stdint.h>

#include "pfsync.h"

/* Where a record's counters came from. */
enum flow_provenance {
	FLOW_FINAL,		/* a full DELETE: the kernel's final counters */
	FLOW_LAST_KNOWN,	/* the last full state seen before the end */
};

struct flow_record {
	uint64_t	packets;	/* this direction, 64-bit */
	uint64_t	bytes;		/* layer-3 octets, 64-bit */
	uint64_t	first_ms;	/* unix ms: state start */
	uint64_t	last_ms;	/* unix ms: last activity seen */
	uint64_t	seen_ms;	/* unix ms: arrival of the ending message */
	uint64_t	state_id;	/* pf state id, for debug output */
	uint32_t	creatorid;
	uint32_t	counters_age_ms; /* LAST_KNOWN: age of the counters */
	uint8_t		src[16];	/* network order; IPv4 in first 4 */
	uint8_t		dst[16];
	uint16_t	src_port;	/* host order */
	uint16_t	dst_port;
	uint8_t		af;		/* 4 or 6 */
	uint8_t		proto;
	uint8_t		direction;	/* the state's: PFSYNC_DIR_IN/OUT */
	uint8_t		reverse;	/* 0 initiator->responder, 1 back */
	uint8_t		provenance;	/* enum flow_provenance */
	uint8_t		pad[3];
};

/*
 * Turn a full state into at most two records (out[0], out[1]) under the
 * flow contract: IN states use key[WIRE], OUT states key[STACK]; the
 * initiator is addr[0] for IN and addr[1] for OUT; a direction with zero
 * packets and zero bytes is dropped.  start = arrival - creation age,
 * end = arrival.  Returns the number of records written (0..2) and adds the
 * number of dropped zero directions to *n_zero.
 */
unsigned flow_from_state(const struct pf_state_event *ev, uint64_t arrival_ms,
	    enum flow_provenance prov, struct flow_record out[2],
	    uint64_t *n_zero);

/*
 * The same with the times and provenance given: first_ms, last_ms are the
 * state's start and last activity (unix ms); age_ms is how old last-known
 * counters are at last_ms (0 for final ones).  The state table uses this.
 */
unsigned flow_from_state_at(const struct pf_state_event *ev,
	    uint64_t first_ms, uint64_t last_ms, enum flow_provenance prov,
	    uint32_t age_ms, struct flow_record out[2], uint64_t *n_zero);

/*
 * Format a record as one readable line (no newline) into buf; returns buf.
 * Used by -D: "flow 6 10.0.0.1:1234 -> 10.0.0.2:80 packets 3 bytes 180 ...".
 */
char	*flow_format(const struct flow_record *r, char *buf, size_t len);

#endif /* PFF_FLOW_H */
