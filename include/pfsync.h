/*
 * pfsync.h - pfsync frame parsers: bytes in, normalized state events out.
 *
 * One small parser per wire version (src/pfsync_legacy.c holds v2, v3, v4);
 * this module dispatches a frame on its version byte.  Everything after the
 * parser is version-independent: it sees only struct pf_state_event.
 *
 * Runs on a decoder thread.  Never blocks, allocates, logs or locks: a bad
 * frame or message bumps a named counter in the caller's pfsync_stats and the
 * parser goes on with whatever the lengths still make sense of.
 */
#ifndef PFF_PFSYNC_H
#define PFF_PFSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/cursor.h"
#include "wire/pfsync.h"

/* What happened to a state, independent of the wire version. */
enum pf_event_kind {
	PF_EV_INSERT,	/* full state, new */
	PF_EV_UPDATE,	/* full state, refreshed */
	PF_EV_UPDATE_C,	/* compressed update: id, timeout; no counters */
	PF_EV_DELETE,	/* full state, ended; counters are final */
	PF_EV_DELETE_C,	/* compressed delete: id only */
	PF_EV_CLEAR,	/* every state of creatorid (on ifname if set) ended */
	PF_EV_MAX
};

/* One side pair of a pf state key; both keys share this orientation. */
struct pf_key {
	uint8_t		addr[2][16];	/* network order; IPv4 in first 4 */
	uint16_t	port[2];	/* host order */
};

/*
 * A decoded state message.  Fields a kind does not carry are zero: an
 * UPDATE_C has id/creatorid/timeout/expire only, a CLEAR has creatorid and
 * ifname only.
 */
struct pf_state_event {
	uint8_t		kind;		/* enum pf_event_kind */
	uint8_t		version;	/* pfsync wire version it came from */
	uint8_t		af;		/* 4 or 6; 0 when the kind has none */
	uint8_t		proto;		/* IANA protocol number */
	uint8_t		direction;	/* PFSYNC_DIR_IN or PFSYNC_DIR_OUT */
	uint8_t		timeout;	/* PFTM index */
	bool		has_counters;	/* packets/bytes are meaningful */
	uint32_t	creatorid;	/* creator host id (opaque, BE value) */
	uint64_t	id;		/* state id (opaque, BE value) */
	uint32_t	creation_s;	/* age of the state, seconds */
	uint32_t	expire_s;	/* seconds until pf would expire it */
	uint64_t	packets[2];	/* [0] initiator->responder, [1] back */
	uint64_t	bytes[2];	/* layer-3 octets, same orientation */
	struct pf_key	key[2];		/* [PF_SK_WIRE], [PF_SK_STACK] */
	char		ifname[PFSYNC_IFNAMSIZ + 1];	/* NUL-terminated */
};

/* Why a frame or message was (partly) skipped.  Names: pfsync_bad_name(). */
enum pfsync_bad {
	PFSYNC_BAD_SHORT_HEADER,	/* frame shorter than its header */
	PFSYNC_BAD_VERSION,		/* version byte pfflowd does not know */
	PFSYNC_BAD_UNSUPPORTED,		/* known version not decodable (v1) */
	PFSYNC_BAD_ACTION,		/* action number unknown for version */
	PFSYNC_BAD_LEN,			/* count x size runs past the frame */
	PFSYNC_BAD_TRAILING,		/* bytes left after count messages */
	PFSYNC_BAD_AF,			/* address family not 2, 24 or 28 */
	PFSYNC_BAD_DIRECTION,		/* direction not in (1) or out (2) */
	PFSYNC_BAD_MAX
};

/* Parser counters; owned and written by one decoder thread (stats.h). */
struct pfsync_stats {
	uint64_t	frames;			/* frames handed to the parser */
	uint64_t	by_version[8];		/* [v] frames of version v, [0] other */
	uint64_t	by_flavour[PFSYNC_FLAVOUR_MAX];	/* framed frames */
	uint64_t	msgs[PFSYNC_MSG_MAX];	/* messages seen, by kind */
	uint64_t	bad[PFSYNC_BAD_MAX];	/* by reason */
	uint64_t	events;			/* events handed to the sink */
};

/*
 * Where events go: called once per decoded message, in frame order.
 *
 * When several decoders parse the same frame (decode.c shards the state
 * table), each owns some states: owns() says which (NULL: all), and only
 * the owner counts and receives a state's messages.  A CLEAR goes to every
 * decoder since each must clear its own states.  Frame-level counters
 * (frames, versions, framing errors, messages that concern no state) go to
 * frame_st, so that exactly one decoder reports them; NULL means the st
 * argument of the parse call.
 */
struct pfsync_sink {
	void	(*event)(void *ctx, const struct pf_state_event *ev);
	void	*ctx;
	bool	(*owns)(void *ctx, uint32_t creatorid, uint64_t id);
	struct pfsync_stats *frame_st;
};

/*
 * Parse one pfsync frame (link and IP headers already stripped).  Calls
 * sink->event for every good state message, counts everything in st.
 * Never reads outside p[0..len).
 */
void	pfsync_parse(const uint8_t *p, size_t len,
	    const struct pfsync_sink *sink, struct pfsync_stats *st);

/* The legacy (v2, v3, v4) parser; pfsync_parse() calls it. */
void	pfsync_legacy_parse(const uint8_t *p, size_t len,
	    const struct pfsync_sink *sink, struct pfsync_stats *st);

/* The framed (v5, v6) parser; pfsync_parse() calls it. */
void	pfsync_framed_parse(const uint8_t *p, size_t len,
	    const struct pfsync_sink *sink, struct pfsync_stats *st);

/*
 * Message readers shared by every version's parser (src/pfsync_msg.c).
 * Each reads one message from a cursor spanning exactly that message.
 */
enum pfsync_layout {
	PFSYNC_LAYOUT_V2,		/* 224 B, hosts, 32-bit counters */
	PFSYNC_LAYOUT_V3,		/* 240 B, hosts */
	PFSYNC_LAYOUT_V4,		/* 240 B, 36-byte keys; = OpenBSD 4.5 */
	PFSYNC_LAYOUT_FREEBSD_1301,	/* 242 B */
	PFSYNC_LAYOUT_FREEBSD_1400,	/* 277 B */
	PFSYNC_LAYOUT_FREEBSD_1500,	/* 360 B */
	PFSYNC_LAYOUT_OPENBSD_V6,	/* 264 B, 40-byte keys */
	PFSYNC_LAYOUT_MAX
};

/* Bytes of a full state in this layout. */
size_t	pfsync_layout_size(enum pfsync_layout l);

/*
 * Read a full state into ev (kind and version are the caller's).  False
 * when no flow can be made of it: *bad is then PFSYNC_BAD_AF or _DIRECTION,
 * or -1 if the cursor ran short.
 */
bool	pfsync_read_state(enum pfsync_layout l, struct cursor *m,
	    struct pf_state_event *ev, int *bad);

/*
 * Count one parsed message of kind (enum pfsync_msg_kind) and hand it to
 * the sink as the sharding rules above say.  ev->kind is PF_EV_MAX for a
 * message that concerns no state; ok tells whether ev is usable, bad is a
 * pfsync_bad reason or -1.  Shared by the parsers, which must already have
 * skipped states the sink does not own (pfsync_unowned).
 */
void	pfsync_deliver(const struct pfsync_sink *sink, struct pfsync_stats *st,
	    unsigned kind, const struct pf_state_event *ev, bool ok, int bad);

/* The counters frame-level events go to (see struct pfsync_sink). */
static inline struct pfsync_stats *
pfsync_frame_stats(const struct pfsync_sink *sink, struct pfsync_stats *st)
{
	return sink->frame_st != NULL ? sink->frame_st : st;
}

/*
 * True when a message of kind (enum pfsync_msg_kind) concerns a state the
 * sink does not own: its parser can skip it without decoding it.  Looks
 * only at the state's creatorid and id.  l is the full-state layout.
 */
bool	pfsync_unowned(const struct pfsync_sink *sink, unsigned kind,
	    enum pfsync_layout l, const struct cursor *m);

/* Compressed update, compressed delete, clear: same prefix everywhere. */
bool	pfsync_read_upd_c(struct cursor *m, struct pf_state_event *ev);
bool	pfsync_read_del_c(struct cursor *m, struct pf_state_event *ev);
bool	pfsync_read_clr(struct cursor *m, struct pf_state_event *ev);

const char *pfsync_bad_name(unsigned reason);
const char *pf_event_name(unsigned kind);

/* Map a wire af byte to 4 or 6; 0 for anything else. */
static inline uint8_t
pfsync_af(uint8_t wire_af)
{
	if (wire_af == PFSYNC_AF_INET)
		return 4;
	if (wire_af == PFSYNC_AF_INET6_OPENBSD ||
	    wire_af == PFSYNC_AF_INET6_FREEBSD)
		return 6;
	return 0;
}

struct stats_emit;
/* Emit st under prefix ("decode"); main thread. */
void	pfsync_stats_report(const struct pfsync_stats *st, const char *prefix,
	    const struct stats_emit *e);

#endif /* PFF_PFSYNC_H */
