/*
 * pfsync_framed.c - the framed formats: version 5 (OpenBSD 4.5 and every
 * FreeBSD since 9.0, hence pfSense and OPNsense) and version 6 (OpenBSD
 * 4.8 onward).  A 20-byte header with the frame length, then sections of
 * one action each (wire-spec section 5).
 *
 * The walk trusts the frame and section lengths and checks every count
 * against them (wire-spec 5.6).  Version 6 states each section's message
 * length, so unknown actions are stepped over; version 5 does not, so an
 * unknown action ends the frame, as it does in the kernels.
 */
#include <string.h>

#include "pfsync.h"
#include "stats.h"

/* Message size by flavour and action; 0 = no such message there. */
static const uint16_t msg_size[PFSYNC_FLAVOUR_MAX][PFSYNC_F_MAX] = {
	[PFSYNC_FLAVOUR_OPENBSD45] = {
		[PFSYNC_F_CLR] = sizeof(struct pfsync_wire_clr),
		[PFSYNC_F_INS_1301] = sizeof(struct pfsync_wire_state_v4),
		[PFSYNC_F_INS_ACK] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_UPD_1301] = sizeof(struct pfsync_wire_state_v4),
		[PFSYNC_F_UPD_C] = sizeof(struct pfsync_wire_upd_c),
		[PFSYNC_F_UPD_REQ] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_DEL] = sizeof(struct pfsync_wire_state_v4),
		[PFSYNC_F_DEL_C] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_BUS] = sizeof(struct pfsync_wire_bus),
		[PFSYNC_F_TDB] = PFSYNC_TDB_LEN,
	},
	[PFSYNC_FLAVOUR_FREEBSD] = {
		[PFSYNC_F_CLR] = sizeof(struct pfsync_wire_clr),
		[PFSYNC_F_INS_1301] = sizeof(struct pfsync_wire_state_1301),
		[PFSYNC_F_INS_ACK] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_UPD_1301] = sizeof(struct pfsync_wire_state_1301),
		[PFSYNC_F_UPD_C] = sizeof(struct pfsync_wire_upd_c),
		[PFSYNC_F_UPD_REQ] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_DEL] = sizeof(struct pfsync_wire_state_1301),
		[PFSYNC_F_DEL_C] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_BUS] = sizeof(struct pfsync_wire_bus),
		[PFSYNC_F_TDB] = PFSYNC_TDB_LEN,
		[PFSYNC_F_13] = sizeof(struct pfsync_wire_state_1400),
		[PFSYNC_F_14] = sizeof(struct pfsync_wire_state_1400),
		[PFSYNC_F_15] = sizeof(struct pfsync_wire_state_1500),
		[PFSYNC_F_16] = sizeof(struct pfsync_wire_state_1500),
	},
	/* v6: OINS (1), OUPD (3), OTDB (11) and EOF are deprecated. */
	[PFSYNC_FLAVOUR_OPENBSD6] = {
		[PFSYNC_F_CLR] = sizeof(struct pfsync_wire_clr),
		[PFSYNC_F_INS_ACK] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_UPD_C] = sizeof(struct pfsync_wire_upd_c),
		[PFSYNC_F_UPD_REQ] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_DEL] = sizeof(struct pfsync_wire_state_v6),
		[PFSYNC_F_DEL_C] = sizeof(struct pfsync_wire_id),
		[PFSYNC_F_BUS] = sizeof(struct pfsync_wire_bus),
		[PFSYNC_F_13] = sizeof(struct pfsync_wire_state_v6),
		[PFSYNC_F_14] = sizeof(struct pfsync_wire_state_v6),
		[PFSYNC_F_15] = PFSYNC_TDB64_LEN,
	},
};

/* What each action is, for counting; PFSYNC_MSG_MAX = unknown. */
static const uint8_t msg_kind[PFSYNC_FLAVOUR_MAX][PFSYNC_F_MAX] = {
#define COMMON_KINDS							\
	[PFSYNC_F_CLR] = PFSYNC_MSG_CLR,				\
	[PFSYNC_F_INS_1301] = PFSYNC_MSG_INS,				\
	[PFSYNC_F_INS_ACK] = PFSYNC_MSG_INS_ACK,			\
	[PFSYNC_F_UPD_1301] = PFSYNC_MSG_UPD,				\
	[PFSYNC_F_UPD_C] = PFSYNC_MSG_UPD_C,				\
	[PFSYNC_F_UPD_REQ] = PFSYNC_MSG_UPD_REQ,			\
	[PFSYNC_F_DEL] = PFSYNC_MSG_DEL,				\
	[PFSYNC_F_DEL_C] = PFSYNC_MSG_DEL_C,				\
	[PFSYNC_F_INS_F] = PFSYNC_MSG_INS_F,				\
	[PFSYNC_F_DEL_F] = PFSYNC_MSG_DEL_F,				\
	[PFSYNC_F_BUS] = PFSYNC_MSG_BUS,				\
	[PFSYNC_F_TDB] = PFSYNC_MSG_TDB,				\
	[PFSYNC_F_EOF] = PFSYNC_MSG_EOF
	[PFSYNC_FLAVOUR_OPENBSD45] = {
		COMMON_KINDS,
		[PFSYNC_F_13] = PFSYNC_MSG_MAX,
		[PFSYNC_F_14] = PFSYNC_MSG_MAX,
		[PFSYNC_F_15] = PFSYNC_MSG_MAX,
		[PFSYNC_F_16] = PFSYNC_MSG_MAX,
	},
	[PFSYNC_FLAVOUR_FREEBSD] = {
		COMMON_KINDS,
		[PFSYNC_F_13] = PFSYNC_MSG_INS,
		[PFSYNC_F_14] = PFSYNC_MSG_UPD,
		[PFSYNC_F_15] = PFSYNC_MSG_INS,
		[PFSYNC_F_16] = PFSYNC_MSG_UPD,
	},
	[PFSYNC_FLAVOUR_OPENBSD6] = {
		COMMON_KINDS,
		[PFSYNC_F_13] = PFSYNC_MSG_INS,
		[PFSYNC_F_14] = PFSYNC_MSG_UPD,
		[PFSYNC_F_15] = PFSYNC_MSG_TDB,
		[PFSYNC_F_16] = PFSYNC_MSG_MAX,
	},
#undef COMMON_KINDS
};

static const char *const flavour_names[PFSYNC_FLAVOUR_MAX] = {
	[PFSYNC_FLAVOUR_OPENBSD45] = "openbsd45",
	[PFSYNC_FLAVOUR_FREEBSD] = "freebsd",
	[PFSYNC_FLAVOUR_OPENBSD6] = "openbsd6",
};

size_t
pfsync_framed_msg_size(enum pfsync_flavour fl, unsigned action)
{
	return fl < PFSYNC_FLAVOUR_MAX && action < PFSYNC_F_MAX ?
	    msg_size[fl][action] : 0;
}

unsigned
pfsync_framed_msg_kind(enum pfsync_flavour fl, unsigned action)
{
	return fl < PFSYNC_FLAVOUR_MAX && action < PFSYNC_F_MAX ?
	    msg_kind[fl][action] : PFSYNC_MSG_MAX;
}

const char *
pfsync_flavour_name(unsigned fl)
{
	return fl < PFSYNC_FLAVOUR_MAX ? flavour_names[fl] : "unknown";
}

/*
 * How well a v5 frame walks with this flavour's sizes: 2 if the walk meets
 * an EOF subheader (what every v5 sender ends with), 1 if it ends exactly
 * at the frame length without one, 0 if a section does not fit or an
 * action is unknown.  Ending at the length is not enough on its own: with
 * two 240-byte states before the EOF, 2 x 242 = 480 + 4 and a FreeBSD walk
 * would swallow the EOF as state bytes.
 */
static int
v5_walk_score(const uint8_t *p, size_t frame_len, enum pfsync_flavour fl)
{
	struct cursor c;
	unsigned action, count;
	size_t size;

	cursor_init(&c, p, frame_len);
	cursor_seek(&c, PFSYNC_FRAMED_HDR_LEN);
	while (cursor_ok(&c) && cursor_remaining(&c) >= PFSYNC_SUBHDR_LEN) {
		action = cursor_u8(&c);
		cursor_skip(&c, 1);
		count = cursor_u16(&c);
		if (action == PFSYNC_F_EOF)
			return 2;
		size = pfsync_framed_msg_size(fl, action);
		if (size == 0)
			return 0;
		cursor_skip(&c, (size_t)count * size);
	}
	return cursor_ok(&c) && cursor_remaining(&c) == 0 ? 1 : 0;
}

/*
 * OpenBSD 4.5 and FreeBSD both say version 5 (wire-spec 5.7).  FreeBSD
 * alone has actions 13-16; otherwise the full-state size (240 or 242) that
 * walks the frame better decides, FreeBSD on a tie: OpenBSD 4.5 is rare.
 */
static enum pfsync_flavour
v5_flavour(const uint8_t *p, size_t frame_len)
{
	if (v5_walk_score(p, frame_len, PFSYNC_FLAVOUR_OPENBSD45) >
	    v5_walk_score(p, frame_len, PFSYNC_FLAVOUR_FREEBSD))
		return PFSYNC_FLAVOUR_OPENBSD45;
	return PFSYNC_FLAVOUR_FREEBSD;
}

static enum pfsync_layout
state_layout(enum pfsync_flavour fl, unsigned action)
{
	switch (fl) {
	case PFSYNC_FLAVOUR_OPENBSD45:
		return PFSYNC_LAYOUT_V4;
	case PFSYNC_FLAVOUR_OPENBSD6:
		return PFSYNC_LAYOUT_OPENBSD_V6;
	default:
		if (action == PFSYNC_F_13 || action == PFSYNC_F_14)
			return PFSYNC_LAYOUT_FREEBSD_1400;
		if (action == PFSYNC_F_15 || action == PFSYNC_F_16)
			return PFSYNC_LAYOUT_FREEBSD_1500;
		return PFSYNC_LAYOUT_FREEBSD_1301;
	}
}

/* Decode one message; true if ev goes to the sink. */
static bool
read_message(struct cursor *m, enum pfsync_flavour fl, unsigned kind,
    unsigned action, struct pf_state_event *ev, int *bad)
{
	switch (kind) {
	case PFSYNC_MSG_INS:
	case PFSYNC_MSG_UPD:
	case PFSYNC_MSG_DEL:
		ev->kind = kind == PFSYNC_MSG_INS ? PF_EV_INSERT :
		    kind == PFSYNC_MSG_UPD ? PF_EV_UPDATE : PF_EV_DELETE;
		return pfsync_read_state(state_layout(fl, action), m, ev, bad);
	case PFSYNC_MSG_UPD_C:
		return pfsync_read_upd_c(m, ev);
	case PFSYNC_MSG_DEL_C:
		return pfsync_read_del_c(m, ev);
	case PFSYNC_MSG_CLR:
		return pfsync_read_clr(m, ev);
	default:
		/* INS_ACK, UPD_REQ, BUS, TDB: nothing a flow needs. */
		return false;
	}
}

void
pfsync_framed_parse(const uint8_t *p, size_t len,
    const struct pfsync_sink *sink, struct pfsync_stats *st)
{
	struct pfsync_stats *fst = pfsync_frame_stats(sink, st);
	struct cursor c;
	enum pfsync_flavour fl;
	unsigned version, action, words, count, kind, i;
	size_t frame_len, size, known;

	cursor_init(&c, p, len);
	version = cursor_u8(&c);
	cursor_skip(&c, 1);			/* pad */
	frame_len = cursor_u16(&c);
	cursor_skip(&c, 16);			/* ruleset checksum */
	if (!cursor_ok(&c)) {
		STAT_INC(fst->bad[PFSYNC_BAD_SHORT_HEADER]);
		return;
	}
	/* The header's length wins over what was captured, both ways. */
	if (frame_len < PFSYNC_FRAMED_HDR_LEN) {
		STAT_INC(fst->bad[PFSYNC_BAD_LEN]);
		return;
	}
	if (frame_len > len) {
		STAT_INC(fst->bad[PFSYNC_BAD_LEN]);
		frame_len = len;	/* keep the sections that are here */
	} else if (frame_len < len) {
		STAT_INC(fst->bad[PFSYNC_BAD_TRAILING]);
	}
	fl = version == PFSYNC_V6 ? PFSYNC_FLAVOUR_OPENBSD6 :
	    v5_flavour(p, frame_len);
	STAT_INC(fst->by_flavour[fl]);

	cursor_init(&c, p, frame_len);
	cursor_seek(&c, PFSYNC_FRAMED_HDR_LEN);
	while (cursor_remaining(&c) >= PFSYNC_SUBHDR_LEN) {
		action = cursor_u8(&c);
		words = cursor_u8(&c);
		count = cursor_u16(&c);
		kind = pfsync_framed_msg_kind(fl, action);
		known = pfsync_framed_msg_size(fl, action);
		if (kind == PFSYNC_MSG_EOF) {
			/* v5 ends here; v6 deprecated it: stop all the same. */
			STAT_INC(fst->msgs[PFSYNC_MSG_EOF]);
			if (cursor_remaining(&c) != 0)
				STAT_INC(fst->bad[PFSYNC_BAD_TRAILING]);
			return;
		}
		if (fl == PFSYNC_FLAVOUR_OPENBSD6) {
			size = (size_t)words * 4;
			if (known == 0 || size < known) {
				/*
				 * Unknown or deprecated action, or shorter
				 * than the struct we know: skip the section
				 * by its own length, as OpenBSD does.
				 */
				STAT_INC(fst->bad[known == 0 ?
				    PFSYNC_BAD_ACTION : PFSYNC_BAD_LEN]);
				if ((size_t)count * size >
				    cursor_remaining(&c)) {
					STAT_INC(fst->bad[PFSYNC_BAD_LEN]);
					return;
				}
				cursor_skip(&c, (size_t)count * size);
				continue;
			}
		} else {
			size = known;
			if (size == 0) {
				/* v5 cannot step over what it does not know. */
				STAT_INC(fst->bad[PFSYNC_BAD_ACTION]);
				return;
			}
		}
		/* count <= 65535 and size <= 1020: no overflow. */
		if ((size_t)count * size > cursor_remaining(&c)) {
			STAT_INC(fst->bad[PFSYNC_BAD_LEN]);
			return;
		}
		for (i = 0; i < count; i++) {
			struct pf_state_event ev;
			struct cursor m = cursor_sub(&c, size);
			int bad = -1;
			bool ok;

			/* Another decoder's state: not ours to decode. */
			if (pfsync_unowned(sink, kind, state_layout(fl,
			    action), &m))
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.kind = PF_EV_MAX;	/* until a reader says what */
			ev.version = (uint8_t)version;
			ok = read_message(&m, fl, kind, action, &ev, &bad);
			pfsync_deliver(sink, st, kind, &ev, ok, bad);
		}
	}
	if (cursor_remaining(&c) != 0)
		STAT_INC(fst->bad[PFSYNC_BAD_TRAILING]);
}
