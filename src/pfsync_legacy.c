/*
 * pfsync_legacy.c - parsers for the single-action formats, versions 2, 3, 4
 * (wire-spec section 4): a header naming one action and a count, then count
 * messages whose size that action implies.
 *
 * The three versions differ only in the full state message: v2 has 32-bit
 * counters, v3 splits 64-bit counters in halves, v4 replaces the lan/gwy/ext
 * hosts by key[WIRE]/key[STACK].  Each gets its own small state reader; the
 * frame walk and the auxiliary messages are shared.
 */
#include <string.h>

#include "pfsync.h"
#include "stats.h"
#include "wire/cursor.h"

/* Message size per action for the 240-byte (v3/v4) and 224-byte (v2) states. */
static const size_t msg_size_v34[PFSYNC_L_MAX] = {
	[PFSYNC_L_CLR] = sizeof(struct pfsync_wire_l_clr),
	[PFSYNC_L_INS] = sizeof(struct pfsync_wire_state_v3),
	[PFSYNC_L_UPD] = sizeof(struct pfsync_wire_state_v3),
	[PFSYNC_L_DEL] = sizeof(struct pfsync_wire_state_v3),
	[PFSYNC_L_UPD_C] = sizeof(struct pfsync_wire_l_upd_c),
	[PFSYNC_L_DEL_C] = sizeof(struct pfsync_wire_l_del_c),
	[PFSYNC_L_UREQ] = sizeof(struct pfsync_wire_l_ureq),
	[PFSYNC_L_BUS] = sizeof(struct pfsync_wire_l_bus),
	[PFSYNC_L_TDB_UPD] = sizeof(struct pfsync_wire_l_tdb),
};
_Static_assert(sizeof(struct pfsync_wire_state_v3) ==
    sizeof(struct pfsync_wire_state_v4), "v3 and v4 states share a size");

size_t
pfsync_legacy_msg_size(unsigned version, unsigned action)
{
	if (version < PFSYNC_V2 || version > PFSYNC_V4 ||
	    action >= PFSYNC_L_MAX)
		return 0;
	if (version == PFSYNC_V2 && (action == PFSYNC_L_INS ||
	    action == PFSYNC_L_UPD || action == PFSYNC_L_DEL))
		return sizeof(struct pfsync_wire_state_v2);
	return msg_size_v34[action];
}

static void
read_host(struct cursor *c, uint8_t addr[16], uint16_t *port)
{
	cursor_copy(c, addr, PF_ADDR_LEN);
	*port = cursor_u16(c);
	cursor_skip(c, 6);
}

/*
 * v2/v3 hosts to keys (wire-spec 8.3): the local end is index 1, the
 * remote end index 0.  WIRE sees the translated local side (gwy), STACK the
 * internal one (lan); ext is the remote end in both.
 */
static void
hosts_to_keys(struct cursor *c, struct pf_key key[2])
{
	uint8_t lan[16], gwy[16], ext[16];
	uint16_t lan_port, gwy_port, ext_port;

	read_host(c, lan, &lan_port);
	read_host(c, gwy, &gwy_port);
	read_host(c, ext, &ext_port);
	memcpy(key[PF_SK_WIRE].addr[0], ext, 16);
	key[PF_SK_WIRE].port[0] = ext_port;
	memcpy(key[PF_SK_WIRE].addr[1], gwy, 16);
	key[PF_SK_WIRE].port[1] = gwy_port;
	memcpy(key[PF_SK_STACK].addr[0], ext, 16);
	key[PF_SK_STACK].port[0] = ext_port;
	memcpy(key[PF_SK_STACK].addr[1], lan, 16);
	key[PF_SK_STACK].port[1] = lan_port;
}

static void
read_key36(struct cursor *c, struct pf_key *k)
{
	cursor_copy(c, k->addr[0], PF_ADDR_LEN);
	cursor_copy(c, k->addr[1], PF_ADDR_LEN);
	k->port[0] = cursor_u16(c);
	k->port[1] = cursor_u16(c);
}

static void
read_ifname(struct cursor *c, char *ifname)
{
	cursor_copy(c, ifname, PFSYNC_IFNAMSIZ);
	ifname[PFSYNC_IFNAMSIZ] = '\0';
}

/* 64-bit counter sent as two BE u32 halves, high half first. */
static uint64_t
read_split64(struct cursor *c)
{
	return cursor_u64(c);
}

/*
 * The full-state reader of every legacy version; the version picks the host
 * or key block and the counter width.  Offsets are those of the packed
 * structs in wire/pfsync.h, which _Static_assert pins to the spec.
 */
static void
read_state(struct cursor *c, unsigned version, struct pf_state_event *ev)
{
	unsigned d;

	ev->id = cursor_u64(c);
	read_ifname(c, ev->ifname);
	if (version == PFSYNC_V4) {
		read_key36(c, &ev->key[PF_SK_WIRE]);
		read_key36(c, &ev->key[PF_SK_STACK]);
	} else {
		hosts_to_keys(c, ev->key);
	}
	cursor_skip(c, 2 * sizeof(struct pfsync_wire_peer));	/* src, dst */
	cursor_skip(c, PF_ADDR_LEN);			/* rt_addr */
	cursor_skip(c, 3 * 4);				/* rule, anchor, nat */
	ev->creation_s = cursor_u32(c);
	ev->expire_s = cursor_u32(c);
	if (version == PFSYNC_V2) {
		for (d = 0; d < 2; d++)
			ev->packets[d] = cursor_u32(c);
		for (d = 0; d < 2; d++)
			ev->bytes[d] = cursor_u32(c);
	} else {
		for (d = 0; d < 2; d++)
			ev->packets[d] = read_split64(c);
		for (d = 0; d < 2; d++)
			ev->bytes[d] = read_split64(c);
	}
	ev->creatorid = cursor_u32(c);
	ev->af = cursor_u8(c);		/* wire af; mapped by the caller */
	ev->proto = cursor_u8(c);
	ev->direction = cursor_u8(c);
	cursor_skip(c, 2);		/* log, allow_opts/state_flags */
	ev->timeout = cursor_u8(c);
	cursor_skip(c, 2);		/* sync_flags, updates */
	ev->has_counters = true;
}

/*
 * Validate what the flow contract depends on.  Returns false (and counts)
 * for a state no flow can be made from.
 */
static bool
state_sane(struct pf_state_event *ev, struct pfsync_stats *st)
{
	uint8_t af = pfsync_af(ev->af);

	if (af == 0) {
		STAT_INC(st->bad[PFSYNC_BAD_AF]);
		return false;
	}
	ev->af = af;
	if (ev->direction != PFSYNC_DIR_IN && ev->direction != PFSYNC_DIR_OUT) {
		STAT_INC(st->bad[PFSYNC_BAD_DIRECTION]);
		return false;
	}
	return true;
}

static const uint8_t state_event_kind[] = {
	[PFSYNC_L_INS] = PF_EV_INSERT,
	[PFSYNC_L_UPD] = PF_EV_UPDATE,
	[PFSYNC_L_DEL] = PF_EV_DELETE,
};

/*
 * Decode one message of the given action into ev.  Returns true if ev
 * should go to the sink.
 */
static bool
read_message(struct cursor *c, unsigned version, unsigned action,
    struct pf_state_event *ev, struct pfsync_stats *st)
{
	switch (action) {
	case PFSYNC_L_INS:
	case PFSYNC_L_UPD:
	case PFSYNC_L_DEL:
		read_state(c, version, ev);
		ev->kind = state_event_kind[action];
		return cursor_ok(c) && state_sane(ev, st);
	case PFSYNC_L_UPD_C:
		ev->kind = PF_EV_UPDATE_C;
		ev->id = cursor_u64(c);
		cursor_skip(c, 2 * sizeof(struct pfsync_wire_peer));
		ev->creatorid = cursor_u32(c);
		ev->expire_s = cursor_u32(c);
		ev->timeout = cursor_u8(c);
		return cursor_ok(c);
	case PFSYNC_L_DEL_C:
		ev->kind = PF_EV_DELETE_C;
		ev->id = cursor_u64(c);
		ev->creatorid = cursor_u32(c);
		return cursor_ok(c);
	case PFSYNC_L_CLR:
		ev->kind = PF_EV_CLEAR;
		read_ifname(c, ev->ifname);
		ev->creatorid = cursor_u32(c);
		return cursor_ok(c);
	default:
		/* UREQ, BUS, TDB_UPD: nothing a flow needs. */
		return false;
	}
}

void
pfsync_legacy_parse(const uint8_t *p, size_t len,
    const struct pfsync_sink *sink, struct pfsync_stats *st)
{
	struct cursor c;
	unsigned version, action, count, i;
	size_t hdr_len, msg_size, n_whole;

	cursor_init(&c, p, len);
	version = cursor_u8(&c);
	hdr_len = version == PFSYNC_V2 ? PFSYNC_V2_HDR_LEN : PFSYNC_V34_HDR_LEN;
	if (len < hdr_len) {
		STAT_INC(st->bad[PFSYNC_BAD_SHORT_HEADER]);
		return;
	}
	(void)cursor_u8(&c);		/* af: unused by every sender */
	action = cursor_u8(&c);
	count = cursor_u8(&c);
	cursor_skip(&c, hdr_len - 4);	/* v3/v4 ruleset checksum */

	msg_size = pfsync_legacy_msg_size(version, action);
	if (msg_size == 0) {
		STAT_INC(st->bad[PFSYNC_BAD_ACTION]);
		return;
	}

	/*
	 * count is a u8, so count * msg_size cannot overflow.  A frame that
	 * promises more than it holds still yields its whole messages; bytes
	 * after the last message are counted but harmless.
	 */
	n_whole = cursor_remaining(&c) / msg_size;
	if (n_whole < count) {
		STAT_INC(st->bad[PFSYNC_BAD_LEN]);
		count = (unsigned)n_whole;
	} else if (cursor_remaining(&c) > (size_t)count * msg_size) {
		STAT_INC(st->bad[PFSYNC_BAD_TRAILING]);
	}

	for (i = 0; i < count; i++) {
		struct pf_state_event ev;
		struct cursor m = cursor_sub(&c, msg_size);

		memset(&ev, 0, sizeof(ev));
		ev.version = (uint8_t)version;
		STAT_INC(st->msgs[action]);
		if (read_message(&m, version, action, &ev, st)) {
			STAT_INC(st->events);
			sink->event(sink->ctx, &ev);
		}
	}
}
