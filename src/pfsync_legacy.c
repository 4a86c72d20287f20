/*
 * pfsync_legacy.c - parsers for the single-action formats, versions 2, 3, 4
 * (wire-spec section 4): a header naming one action and a count, then count
 * messages whose size that action implies.
 *
 * The three versions differ only in the full state message: v2 has 32-bit
 * counters, v3 splits 64-bit counters in halves, v4 replaces the lan/gwy/ext
 * hosts by key[WIRE]/key[STACK].  Each is a layout of pfsync_msg.c; this
 * file walks the frame.
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
_Static_assert(PFSYNC_LAYOUT_V3 - PFSYNC_LAYOUT_V2 == PFSYNC_V3 - PFSYNC_V2 &&
    PFSYNC_LAYOUT_V4 - PFSYNC_LAYOUT_V2 == PFSYNC_V4 - PFSYNC_V2,
    "legacy layouts follow the version numbers");

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

/*
 * Decode one message of the given action into ev.  Returns true if ev
 * should go to the sink.
 */
static bool
read_message(struct cursor *c, unsigned version, unsigned action,
    struct pf_state_event *ev, int *bad)
{
	static const uint8_t state_event_kind[] = {
		[PFSYNC_L_INS] = PF_EV_INSERT,
		[PFSYNC_L_UPD] = PF_EV_UPDATE,
		[PFSYNC_L_DEL] = PF_EV_DELETE,
	};
	static const uint8_t layout[] = {
		[PFSYNC_V2] = PFSYNC_LAYOUT_V2,
		[PFSYNC_V3] = PFSYNC_LAYOUT_V3,
		[PFSYNC_V4] = PFSYNC_LAYOUT_V4,
	};

	switch (action) {
	case PFSYNC_L_INS:
	case PFSYNC_L_UPD:
	case PFSYNC_L_DEL:
		ev->kind = state_event_kind[action];
		return pfsync_read_state(layout[version], c, ev, bad);
	case PFSYNC_L_UPD_C:
		return pfsync_read_upd_c(c, ev);
	case PFSYNC_L_DEL_C:
		return pfsync_read_del_c(c, ev);
	case PFSYNC_L_CLR:
		return pfsync_read_clr(c, ev);
	default:
		/* UREQ, BUS, TDB_UPD: nothing a flow needs. */
		return false;
	}
}

void
pfsync_legacy_parse(const uint8_t *p, size_t len,
    const struct pfsync_sink *sink, struct pfsync_stats *st)
{
	struct pfsync_stats *fst = pfsync_frame_stats(sink, st);
	struct cursor c;
	unsigned version, action, count, i;
	size_t hdr_len, msg_size, n_whole;

	cursor_init(&c, p, len);
	version = cursor_u8(&c);
	hdr_len = version == PFSYNC_V2 ? PFSYNC_V2_HDR_LEN : PFSYNC_V34_HDR_LEN;
	if (len < hdr_len) {
		STAT_INC(fst->bad[PFSYNC_BAD_SHORT_HEADER]);
		return;
	}
	(void)cursor_u8(&c);		/* af: unused by every sender */
	action = cursor_u8(&c);
	count = cursor_u8(&c);
	cursor_skip(&c, hdr_len - 4);	/* v3/v4 ruleset checksum */

	msg_size = pfsync_legacy_msg_size(version, action);
	if (msg_size == 0) {
		STAT_INC(fst->bad[PFSYNC_BAD_ACTION]);
		return;
	}

	/*
	 * count is a u8, so count * msg_size cannot overflow.  A frame that
	 * promises more than it holds still yields its whole messages; bytes
	 * after the last message are counted but harmless.
	 */
	n_whole = cursor_remaining(&c) / msg_size;
	if (n_whole < count) {
		STAT_INC(fst->bad[PFSYNC_BAD_LEN]);
		count = (unsigned)n_whole;
	} else if (cursor_remaining(&c) > (size_t)count * msg_size) {
		STAT_INC(fst->bad[PFSYNC_BAD_TRAILING]);
	}

	for (i = 0; i < count; i++) {
		struct pf_state_event ev;
		struct cursor m = cursor_sub(&c, msg_size);
		int bad = -1;
		bool ok;

		/* Another decoder's state: not ours to decode or count. */
		if (pfsync_unowned(sink, action, (enum pfsync_layout)
		    (version - PFSYNC_V2 + PFSYNC_LAYOUT_V2), &m))
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.kind = PF_EV_MAX;		/* until a reader says what */
		ev.version = (uint8_t)version;
		ok = read_message(&m, version, action, &ev, &bad);
		pfsync_deliver(sink, st, action, &ev, ok, bad);
	}
}
