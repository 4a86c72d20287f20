/*
 * flow.c - the flow contract (ARCHITECTURE.md): one pf state, two
 * directions, the key pflow(4) would report, 64-bit counters.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "flow.h"

unsigned
flow_from_state(const struct pf_state_event *ev, uint64_t arrival_ms,
    enum flow_provenance prov, struct flow_record out[2], uint64_t *n_zero)
{
	uint64_t age_ms = (uint64_t)ev->creation_s * 1000;

	return flow_from_state_at(ev, age_ms < arrival_ms ?
	    arrival_ms - age_ms : 0, arrival_ms, prov, 0, out, n_zero);
}

unsigned
flow_from_state_at(const struct pf_state_event *ev, uint64_t first_ms,
    uint64_t last_ms, enum flow_provenance prov, uint32_t age_ms,
    struct flow_record out[2], uint64_t *n_zero)
{
	/*
	 * Inbound states are reported as received on the wire (pre-rdr),
	 * outbound ones as the stack sent them (pre-NAT), as pflow(4) does.
	 * pf puts a packet's source at index 0 for IN and 1 for OUT, so that
	 * index is the initiator in both keys.
	 */
	const struct pf_key *k = &ev->key[ev->direction == PFSYNC_DIR_IN ?
	    PF_SK_WIRE : PF_SK_STACK];
	unsigned ini = ev->direction == PFSYNC_DIR_IN ? 0 : 1;
	unsigned d, n = 0;

	for (d = 0; d < 2; d++) {
		struct flow_record *r = &out[n];
		/* d == 0: initiator -> responder; d == 1: the reverse. */
		unsigned s = d == 0 ? ini : 1 - ini;

		if (ev->packets[d] == 0 && ev->bytes[d] == 0) {
			(*n_zero)++;
			continue;
		}
		memset(r, 0, sizeof(*r));
		r->packets = ev->packets[d];
		r->bytes = ev->bytes[d];
		r->first_ms = first_ms;
		r->last_ms = last_ms;
		r->seen_ms = last_ms;
		r->counters_age_ms = age_ms;
		r->state_id = ev->id;
		r->creatorid = ev->creatorid;
		memcpy(r->src, k->addr[s], 16);
		memcpy(r->dst, k->addr[1 - s], 16);
		r->src_port = k->port[s];
		r->dst_port = k->port[1 - s];
		r->af = ev->af;
		r->proto = ev->proto;
		r->direction = ev->direction;
		r->reverse = (uint8_t)d;
		r->provenance = (uint8_t)prov;
		n++;
	}
	return n;
}

static void
format_addr(char *buf, size_t len, uint8_t af, const uint8_t addr[16])
{
	char tmp[INET6_ADDRSTRLEN];

	if (af == 6) {
		inet_ntop(AF_INET6, addr, tmp, sizeof(tmp));
		snprintf(buf, len, "[%s]", tmp);
	} else {
		inet_ntop(AF_INET, addr, tmp, sizeof(tmp));
		snprintf(buf, len, "%s", tmp);
	}
}

char *
flow_format(const struct flow_record *r, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN + 2], dst[INET6_ADDRSTRLEN + 2];
	char prov[48];

	format_addr(src, sizeof(src), r->af, r->src);
	format_addr(dst, sizeof(dst), r->af, r->dst);
	if (r->provenance == FLOW_FINAL)
		snprintf(prov, sizeof(prov), "final");
	else
		snprintf(prov, sizeof(prov), "last-known age %" PRIu32 "ms",
		    r->counters_age_ms);
	snprintf(buf, len, "flow %u %s:%u -> %s:%u packets %" PRIu64
	    " bytes %" PRIu64 " first %" PRIu64 " last %" PRIu64
	    " dir %s state %016" PRIx64 "/%08" PRIx32 " %s",
	    r->proto, src, r->src_port, dst, r->dst_port, r->packets, r->bytes,
	    r->first_ms, r->last_ms,
	    r->direction == PFSYNC_DIR_IN ? "in" : "out",
	    r->state_id, r->creatorid, prov);
	return buf;
}
