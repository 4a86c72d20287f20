/*
 * pfsync_msg.c - readers for the messages every pfsync version shares in
 * spirit if not in bytes: the full state (seven layouts, one table), the
 * compressed update and delete, and the clear.
 *
 * All full-state layouts start alike (id at 0, ifname at 8, the address
 * block at 24) and differ in the address block and in where the scalar
 * fields sit, so a layout is a table of offsets (wire-spec 4.3, 5.4, 6).
 * The packed structs in wire/pfsync.h pin the same offsets at compile time.
 */
#include <string.h>

#include "pfsync.h"
#include "stats.h"

enum addr_block {
	ADDR_HOSTS,	/* lan, gwy, ext: 3 x 24 bytes (v2, v3) */
	ADDR_KEY36,	/* key[WIRE], key[STACK]: 2 x 36 bytes */
	ADDR_KEY40,	/* key[WIRE], key[STACK]: 2 x 40 bytes (OpenBSD v6) */
};

#define STATE_ADDR_OFF	24

struct layout {
	uint16_t	size;
	uint8_t		addr;		/* enum addr_block */
	uint8_t		counters32;	/* v2: plain u32 counters */
	uint16_t	creation, packets, bytes, creatorid;
	uint16_t	expire, af, proto, direction, timeout;
};

#define OFF(type, f)	((uint16_t)offsetof(struct type, f))

static const struct layout layouts[PFSYNC_LAYOUT_MAX] = {
	[PFSYNC_LAYOUT_V2] = {
		sizeof(struct pfsync_wire_state_v2), ADDR_HOSTS, 1,
		OFF(pfsync_wire_state_v2, creation),
		OFF(pfsync_wire_state_v2, packets),
		OFF(pfsync_wire_state_v2, bytes),
		OFF(pfsync_wire_state_v2, creatorid),
		OFF(pfsync_wire_state_v2, expire),
		OFF(pfsync_wire_state_v2, af),
		OFF(pfsync_wire_state_v2, proto),
		OFF(pfsync_wire_state_v2, direction),
		OFF(pfsync_wire_state_v2, timeout),
	},
	[PFSYNC_LAYOUT_V3] = {
		sizeof(struct pfsync_wire_state_v3), ADDR_HOSTS, 0,
		OFF(pfsync_wire_state_v3, creation),
		OFF(pfsync_wire_state_v3, packets),
		OFF(pfsync_wire_state_v3, bytes),
		OFF(pfsync_wire_state_v3, creatorid),
		OFF(pfsync_wire_state_v3, expire),
		OFF(pfsync_wire_state_v3, af),
		OFF(pfsync_wire_state_v3, proto),
		OFF(pfsync_wire_state_v3, direction),
		OFF(pfsync_wire_state_v3, timeout),
	},
	[PFSYNC_LAYOUT_V4] = {
		sizeof(struct pfsync_wire_state_v4), ADDR_KEY36, 0,
		OFF(pfsync_wire_state_v4, creation),
		OFF(pfsync_wire_state_v4, packets),
		OFF(pfsync_wire_state_v4, bytes),
		OFF(pfsync_wire_state_v4, creatorid),
		OFF(pfsync_wire_state_v4, expire),
		OFF(pfsync_wire_state_v4, af),
		OFF(pfsync_wire_state_v4, proto),
		OFF(pfsync_wire_state_v4, direction),
		OFF(pfsync_wire_state_v4, timeout),
	},
	[PFSYNC_LAYOUT_FREEBSD_1301] = {
		sizeof(struct pfsync_wire_state_1301), ADDR_KEY36, 0,
		OFF(pfsync_wire_state_1301, creation),
		OFF(pfsync_wire_state_1301, packets),
		OFF(pfsync_wire_state_1301, bytes),
		OFF(pfsync_wire_state_1301, creatorid),
		OFF(pfsync_wire_state_1301, expire),
		OFF(pfsync_wire_state_1301, af),
		OFF(pfsync_wire_state_1301, proto),
		OFF(pfsync_wire_state_1301, direction),
		OFF(pfsync_wire_state_1301, timeout),
	},
	/* 1400 and 1500 share 1301's first 232 bytes (through creatorid). */
	[PFSYNC_LAYOUT_FREEBSD_1400] = {
		sizeof(struct pfsync_wire_state_1400), ADDR_KEY36, 0,
		OFF(pfsync_wire_state_1301, creation),
		OFF(pfsync_wire_state_1301, packets),
		OFF(pfsync_wire_state_1301, bytes),
		OFF(pfsync_wire_state_1301, creatorid),
		OFF(pfsync_wire_state_1301, expire),
		OFF(pfsync_wire_state_1400, af),
		OFF(pfsync_wire_state_1400, proto),
		OFF(pfsync_wire_state_1400, direction),
		OFF(pfsync_wire_state_1400, timeout),
	},
	[PFSYNC_LAYOUT_FREEBSD_1500] = {
		sizeof(struct pfsync_wire_state_1500), ADDR_KEY36, 0,
		OFF(pfsync_wire_state_1301, creation),
		OFF(pfsync_wire_state_1301, packets),
		OFF(pfsync_wire_state_1301, bytes),
		OFF(pfsync_wire_state_1301, creatorid),
		OFF(pfsync_wire_state_1301, expire),
		/* 1500 has no plain af/proto: the wire key's are the ones. */
		OFF(pfsync_wire_state_1500, wire_af),
		OFF(pfsync_wire_state_1500, wire_proto),
		OFF(pfsync_wire_state_1500, direction),
		OFF(pfsync_wire_state_1500, timeout),
	},
	[PFSYNC_LAYOUT_OPENBSD_V6] = {
		sizeof(struct pfsync_wire_state_v6), ADDR_KEY40, 0,
		OFF(pfsync_wire_state_v6, creation),
		OFF(pfsync_wire_state_v6, packets),
		OFF(pfsync_wire_state_v6, bytes),
		OFF(pfsync_wire_state_v6, creatorid),
		OFF(pfsync_wire_state_v6, expire),
		OFF(pfsync_wire_state_v6, af),
		OFF(pfsync_wire_state_v6, proto),
		OFF(pfsync_wire_state_v6, direction),
		OFF(pfsync_wire_state_v6, timeout),
	},
};
_Static_assert(offsetof(struct pfsync_wire_l_upd_c, creatorid) ==
    offsetof(struct pfsync_wire_upd_c, creatorid) &&
    offsetof(struct pfsync_wire_l_del_c, creatorid) ==
    offsetof(struct pfsync_wire_id, creatorid),
    "legacy and framed UPD_C/DEL_C put creatorid at the same offsets");
_Static_assert(offsetof(struct pfsync_wire_state_v2, lan) == STATE_ADDR_OFF &&
    offsetof(struct pfsync_wire_state_v4, key) == STATE_ADDR_OFF &&
    offsetof(struct pfsync_wire_state_v6, key) == STATE_ADDR_OFF,
    "every layout's address block starts at 24");

size_t
pfsync_layout_size(enum pfsync_layout l)
{
	return l < PFSYNC_LAYOUT_MAX ? layouts[l].size : 0;
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
read_hosts(struct cursor *c, struct pf_key key[2])
{
	struct pf_key *w = &key[PF_SK_WIRE], *s = &key[PF_SK_STACK];

	read_host(c, s->addr[1], &s->port[1]);		/* lan */
	read_host(c, w->addr[1], &w->port[1]);		/* gwy */
	read_host(c, w->addr[0], &w->port[0]);		/* ext */
	memcpy(s->addr[0], w->addr[0], PF_ADDR_LEN);
	s->port[0] = w->port[0];
}

/* 36-byte key, or 40 with rdomain and af that flows do not need. */
static void
read_key(struct cursor *c, struct pf_key *k, size_t key_len)
{
	cursor_copy(c, k->addr[0], PF_ADDR_LEN);
	cursor_copy(c, k->addr[1], PF_ADDR_LEN);
	k->port[0] = cursor_u16(c);
	k->port[1] = cursor_u16(c);
	cursor_skip(c, key_len - 36);
}

static void
read_ifname(struct cursor *c, char *ifname)
{
	cursor_copy(c, ifname, PFSYNC_IFNAMSIZ);
	ifname[PFSYNC_IFNAMSIZ] = '\0';
}

static uint8_t
u8_at(struct cursor *c, size_t off)
{
	cursor_seek(c, off);
	return cursor_u8(c);
}

static uint32_t
u32_at(struct cursor *c, size_t off)
{
	cursor_seek(c, off);
	return cursor_u32(c);
}

bool
pfsync_read_state(enum pfsync_layout l, struct cursor *m,
    struct pf_state_event *ev, int *bad)
{
	const struct layout *ly = &layouts[l];
	unsigned d;

	ev->id = cursor_u64(m);
	read_ifname(m, ev->ifname);
	switch (ly->addr) {
	case ADDR_HOSTS:
		read_hosts(m, ev->key);
		break;
	default:
		read_key(m, &ev->key[PF_SK_WIRE], ly->addr == ADDR_KEY40 ?
		    40 : 36);
		read_key(m, &ev->key[PF_SK_STACK], ly->addr == ADDR_KEY40 ?
		    40 : 36);
		break;
	}
	ev->creation_s = u32_at(m, ly->creation);
	ev->expire_s = u32_at(m, ly->expire);
	cursor_seek(m, ly->packets);
	for (d = 0; d < 2; d++)	/* v3+: high half first, then low */
		ev->packets[d] = ly->counters32 ? cursor_u32(m) : cursor_u64(m);
	cursor_seek(m, ly->bytes);
	for (d = 0; d < 2; d++)
		ev->bytes[d] = ly->counters32 ? cursor_u32(m) : cursor_u64(m);
	ev->creatorid = u32_at(m, ly->creatorid);
	ev->af = pfsync_af(u8_at(m, ly->af));
	ev->proto = u8_at(m, ly->proto);
	ev->direction = u8_at(m, ly->direction);
	ev->timeout = u8_at(m, ly->timeout);
	ev->has_counters = true;
	*bad = -1;
	if (!cursor_ok(m))
		return false;
	if (ev->af == 0)
		*bad = PFSYNC_BAD_AF;
	else if (ev->direction != PFSYNC_DIR_IN &&
	    ev->direction != PFSYNC_DIR_OUT)
		*bad = PFSYNC_BAD_DIRECTION;
	return *bad < 0;
}

bool
pfsync_unowned(const struct pfsync_sink *sink, unsigned kind,
    enum pfsync_layout l, const struct cursor *m)
{
	struct cursor peek = *m;	/* look, do not move */
	uint64_t id;
	size_t creator_off;

	if (sink->owns == NULL)
		return false;
	switch (kind) {
	case PFSYNC_MSG_INS:
	case PFSYNC_MSG_UPD:
	case PFSYNC_MSG_DEL:
		creator_off = layouts[l].creatorid;
		break;
	case PFSYNC_MSG_UPD_C:
		creator_off = offsetof(struct pfsync_wire_upd_c, creatorid);
		break;
	case PFSYNC_MSG_DEL_C:
		/* Same offset in the legacy 16-byte and framed 12-byte form. */
		creator_off = offsetof(struct pfsync_wire_id, creatorid);
		break;
	default:
		return false;		/* CLR and the rest: every decoder */
	}
	id = cursor_u64(&peek);
	cursor_seek(&peek, creator_off);
	return cursor_ok(&peek) &&
	    !sink->owns(sink->ctx, cursor_u32(&peek), id);
}

/* UPD_C: id 0/8, peers 8/64, creatorid 72/4, expire 76/4, timeout 80/1. */
bool
pfsync_read_upd_c(struct cursor *m, struct pf_state_event *ev)
{
	ev->kind = PF_EV_UPDATE_C;
	ev->id = cursor_u64(m);
	cursor_skip(m, 2 * sizeof(struct pfsync_wire_peer));
	ev->creatorid = cursor_u32(m);
	ev->expire_s = cursor_u32(m);
	ev->timeout = cursor_u8(m);
	return cursor_ok(m);
}

/* DEL_C: id 0/8, creatorid 8/4 (legacy adds peer states and pad). */
bool
pfsync_read_del_c(struct cursor *m, struct pf_state_event *ev)
{
	ev->kind = PF_EV_DELETE_C;
	ev->id = cursor_u64(m);
	ev->creatorid = cursor_u32(m);
	return cursor_ok(m);
}

/* CLR: ifname 0/16 (empty = every interface), creatorid 16/4. */
bool
pfsync_read_clr(struct cursor *m, struct pf_state_event *ev)
{
	ev->kind = PF_EV_CLEAR;
	read_ifname(m, ev->ifname);
	ev->creatorid = cursor_u32(m);
	return cursor_ok(m);
}

void
pfsync_deliver(const struct pfsync_sink *sink, struct pfsync_stats *st,
    unsigned kind, const struct pf_state_event *ev, bool ok, int bad)
{
	struct pfsync_stats *fst = pfsync_frame_stats(sink, st);
	/*
	 * The parser has already stepped over other decoders' states
	 * (pfsync_unowned), so a state message here is ours; a CLEAR concerns
	 * every decoder and is counted by the one reporting frames.
	 */
	bool owned = ev->kind != PF_EV_CLEAR || fst == st;

	if (ev->kind == PF_EV_MAX) {		/* concerns no state */
		STAT_INC(fst->msgs[kind]);
		return;
	}
	if (owned) {
		STAT_INC(st->msgs[kind]);
		if (bad >= 0)
			STAT_INC(st->bad[bad]);
	}
	if (!ok)
		return;
	if (owned)
		STAT_INC(st->events);
	if (owned || ev->kind == PF_EV_CLEAR)
		sink->event(sink->ctx, ev);
}
