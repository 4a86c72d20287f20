/*
 * wire/pfsync.h - the pfsync wire formats pfflowd decodes.
 *
 * Facts only: versions, action numbers and names, message sizes and field
 * offsets, taken from ../shared/wire-spec.md (sections 3 and 4), which was
 * checked against the original kernel headers.  The packed structs below are
 * never overlaid on received bytes; they exist so the compiler proves that the
 * offsets the parsers use add up to the sizes the kernels send
 * (_Static_assert).  Parsers read fields through wire/cursor.h.
 *
 * Legacy frame (versions 2, 3, 4), one action per frame:
 *
 *   0       1       2       3       4                       20
 *   +-------+-------+-------+-------+-----------------------+
 *   |version|  af   |action | count | pf_chksum (v3/v4 only)|
 *   +-------+-------+-------+-------+-----------------------+
 *   | count x message of the size that action implies       |
 *   +-------------------------------------------------------+
 *
 * All multi-byte fields are big-endian.  The af byte of the header is unused.
 */
#ifndef PFF_WIRE_PFSYNC_H
#define PFF_WIRE_PFSYNC_H

#include <stddef.h>
#include <stdint.h>

/* Header version byte. */
enum {
	PFSYNC_V1 = 1,	/* OpenBSD 3.3/3.4: raw kernel struct, unsupportable */
	PFSYNC_V2 = 2,	/* OpenBSD 3.5-3.8: 224-byte state, 32-bit counters */
	PFSYNC_V3 = 3,	/* OpenBSD 3.9-4.3: 240-byte state, lan/gwy/ext */
	PFSYNC_V4 = 4,	/* OpenBSD 4.4: 240-byte state, key[wire]/key[stack] */
	PFSYNC_V5 = 5,	/* framed: OpenBSD 4.5, every FreeBSD >= 9 */
	PFSYNC_V6 = 6,	/* framed with word lengths: OpenBSD >= 4.8 */
};

#define PFSYNC_V2_HDR_LEN	4
#define PFSYNC_V34_HDR_LEN	20

/* Legacy (v2-v4) action numbers; one action per frame. */
enum pfsync_legacy_action {
	PFSYNC_L_CLR = 0,	/* clear states of a creator */
	PFSYNC_L_INS = 1,	/* full state inserted */
	PFSYNC_L_UPD = 2,	/* full state updated */
	PFSYNC_L_DEL = 3,	/* full state deleted, final counters */
	PFSYNC_L_UPD_C = 4,	/* compressed update, no counters */
	PFSYNC_L_DEL_C = 5,	/* compressed delete, no counters */
	PFSYNC_L_INS_F = 6,	/* never implemented by any kernel */
	PFSYNC_L_DEL_F = 7,	/* never implemented by any kernel */
	PFSYNC_L_UREQ = 8,	/* request for uncompressed state(s) */
	PFSYNC_L_BUS = 9,	/* bulk update status */
	PFSYNC_L_TDB_UPD = 10,	/* IPsec replay counters */
	PFSYNC_L_MAX = 11,
};

/* Address families as they appear in the state's af byte. */
enum {
	PFSYNC_AF_INET = 2,
	PFSYNC_AF_INET6_OPENBSD = 24,	/* also NetBSD */
	PFSYNC_AF_INET6_FREEBSD = 28,	/* also DragonFly */
};

/* State direction byte. */
enum {
	PFSYNC_DIR_IN = 1,
	PFSYNC_DIR_OUT = 2,
};

/* Key index: addresses as on the interface's wire, or as the stack saw them. */
enum { PF_SK_WIRE = 0, PF_SK_STACK = 1 };

#define PFSYNC_IFNAMSIZ	16
#define PF_ADDR_LEN	16	/* pf_addr: IPv4 in the first 4 bytes, or IPv6 */

/* pfsync_state_scrub (spec 3.1). */
struct pfsync_wire_scrub {
	uint16_t	pfss_flags;
	uint8_t		pfss_ttl;
	uint8_t		scrub_flag;
	uint32_t	pfss_ts_mod;
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_scrub) == 8, "scrub is 8 bytes");

/* pfsync_state_peer (spec 3.2): the same 32 bytes in every version. */
struct pfsync_wire_peer {
	struct pfsync_wire_scrub scrub;
	uint32_t	seqlo, seqhi, seqdiff;
	uint16_t	max_win, mss;
	uint8_t		state, wscale;
	uint8_t		pad[6];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_peer) == 32, "peer is 32 bytes");

/* pfsync_state_host (spec 3.3): v2, v3. */
struct pfsync_wire_host {
	uint8_t		addr[PF_ADDR_LEN];
	uint16_t	port;
	uint8_t		pad[6];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_host) == 24, "host is 24 bytes");

/* pfsync_state_key, 36-byte form (spec 3.4): v4, OpenBSD 4.5, FreeBSD. */
struct pfsync_wire_key36 {
	uint8_t		addr[2][PF_ADDR_LEN];
	uint16_t	port[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_key36) == 36, "key36 is 36 bytes");

/* Version 2 pfsync_state (spec 4.3.2): 224 bytes, 32-bit counters. */
struct pfsync_wire_state_v2 {
	uint8_t		id[8];
	char		ifname[PFSYNC_IFNAMSIZ];
	struct pfsync_wire_host lan, gwy, ext;
	struct pfsync_wire_peer src, dst;
	uint8_t		rt_addr[PF_ADDR_LEN];
	uint32_t	rule, anchor, nat_rule;
	uint32_t	creation;	/* age in seconds */
	uint32_t	expire;		/* seconds left */
	uint32_t	packets[2];	/* [0] initiator->responder */
	uint32_t	bytes[2];
	uint8_t		creatorid[4];
	uint8_t		af, proto, direction, log, allow_opts, timeout;
	uint8_t		sync_flags, updates;
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_state_v2) == 224, "v2 state");
_Static_assert(offsetof(struct pfsync_wire_state_v2, creation) == 188, "v2");
_Static_assert(offsetof(struct pfsync_wire_state_v2, packets) == 196, "v2");
_Static_assert(offsetof(struct pfsync_wire_state_v2, creatorid) == 212, "v2");
_Static_assert(offsetof(struct pfsync_wire_state_v2, af) == 216, "v2");

/* Version 3 pfsync_state (spec 4.3.3): 240 bytes, split 64-bit counters. */
struct pfsync_wire_state_v3 {
	uint8_t		id[8];
	char		ifname[PFSYNC_IFNAMSIZ];
	struct pfsync_wire_host lan, gwy, ext;
	struct pfsync_wire_peer src, dst;
	uint8_t		rt_addr[PF_ADDR_LEN];
	uint32_t	rule, anchor, nat_rule;
	uint32_t	creation, expire;
	uint32_t	packets[2][2];	/* [dir][0] high, [dir][1] low half */
	uint32_t	bytes[2][2];
	uint8_t		creatorid[4];
	uint8_t		af, proto, direction, log, state_flags, timeout;
	uint8_t		sync_flags, updates;
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_state_v3) == 240, "v3 state");
_Static_assert(offsetof(struct pfsync_wire_state_v3, lan) == 24, "v3");
_Static_assert(offsetof(struct pfsync_wire_state_v3, gwy) == 48, "v3");
_Static_assert(offsetof(struct pfsync_wire_state_v3, ext) == 72, "v3");
_Static_assert(offsetof(struct pfsync_wire_state_v3, packets) == 196, "v3");
_Static_assert(offsetof(struct pfsync_wire_state_v3, bytes) == 212, "v3");
_Static_assert(offsetof(struct pfsync_wire_state_v3, creatorid) == 228, "v3");
_Static_assert(offsetof(struct pfsync_wire_state_v3, af) == 232, "v3");

/*
 * Version 4 pfsync_state (spec 4.3.4): 240 bytes, same as OpenBSD 4.5's.
 * Bytes 24..95 hold key[WIRE], key[STACK] instead of lan/gwy/ext; only the
 * header version tells v3 and v4 apart.
 */
struct pfsync_wire_state_v4 {
	uint8_t		id[8];
	char		ifname[PFSYNC_IFNAMSIZ];
	struct pfsync_wire_key36 key[2];
	struct pfsync_wire_peer src, dst;
	uint8_t		rt_addr[PF_ADDR_LEN];
	uint32_t	rule, anchor, nat_rule;
	uint32_t	creation, expire;
	uint32_t	packets[2][2];
	uint32_t	bytes[2][2];
	uint8_t		creatorid[4];
	uint8_t		af, proto, direction, log, state_flags, timeout;
	uint8_t		sync_flags, updates;
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_state_v4) == 240, "v4 state");
_Static_assert(offsetof(struct pfsync_wire_state_v4, key) == 24, "v4");
_Static_assert(offsetof(struct pfsync_wire_state_v4, src) == 96, "v4");
_Static_assert(offsetof(struct pfsync_wire_state_v4, creatorid) == 228, "v4");

/* Legacy auxiliary messages (spec 4.4). */
struct pfsync_wire_l_upd_c {
	uint8_t		id[8];
	struct pfsync_wire_peer src, dst;
	uint8_t		creatorid[4];
	uint32_t	expire;
	uint8_t		timeout, updates;
	uint8_t		pad[6];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_l_upd_c) == 88, "legacy UPD_C");

struct pfsync_wire_l_del_c {
	uint8_t		id[8];
	uint8_t		creatorid[4];
	uint8_t		src_state, dst_state;
	uint8_t		pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_l_del_c) == 16, "legacy DEL_C");

struct pfsync_wire_l_ureq {
	uint8_t		id[8];
	uint8_t		creatorid[4];
	uint8_t		pad[4];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_l_ureq) == 16, "legacy UREQ");

struct pfsync_wire_l_clr {
	char		ifname[PFSYNC_IFNAMSIZ];
	uint8_t		creatorid[4];
	uint8_t		pad[4];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_l_clr) == 24, "legacy CLR");

struct pfsync_wire_l_bus {
	uint8_t		creatorid[4];
	uint32_t	endtime;
	uint8_t		status;
	uint8_t		pad[7];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_l_bus) == 16, "legacy BUS");

struct pfsync_wire_l_tdb {
	uint32_t	spi;
	uint8_t		dst[28];
	uint32_t	rpl;
	uint64_t	cur_bytes;
	uint8_t		sproto, updates;
	uint8_t		pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_l_tdb) == 48, "legacy TDB");

/*
 * Size of one legacy message for (version, action); 0 when the action does
 * not exist in that version or carries no defined message (INS_F, DEL_F).
 */
size_t	pfsync_legacy_msg_size(unsigned version, unsigned action);

/*
 * Message kinds across all versions, for counting "messages by action".
 * A legacy action number n is kind n; framed versions map onto the same
 * kinds (plus the framed-only ones) so the stats read alike for every sender.
 */
enum pfsync_msg_kind {
	PFSYNC_MSG_CLR,
	PFSYNC_MSG_INS,
	PFSYNC_MSG_UPD,
	PFSYNC_MSG_DEL,
	PFSYNC_MSG_UPD_C,
	PFSYNC_MSG_DEL_C,
	PFSYNC_MSG_INS_F,
	PFSYNC_MSG_DEL_F,
	PFSYNC_MSG_UREQ,
	PFSYNC_MSG_BUS,
	PFSYNC_MSG_TDB,
	PFSYNC_MSG_INS_ACK,	/* framed only */
	PFSYNC_MSG_UPD_REQ,	/* framed only */
	PFSYNC_MSG_EOF,		/* framed only */
	PFSYNC_MSG_MAX
};
_Static_assert((int)PFSYNC_MSG_TDB == (int)PFSYNC_L_TDB_UPD,
    "legacy action n is kind n");

/* Printable kind name ("DEL", "UPD_C", ...); "unknown" past the table. */
const char *pfsync_msg_name(unsigned kind);

/*
 * Framed formats (wire-spec section 5): versions 5 and 6.
 *
 *   0       1       2               4                               20
 *   +-------+-------+---------------+-------------------------------+
 *   |version| pad   |  len (BE16)   | pfcksum (16, opaque)          |
 *   +-------+-------+---------------+-------------------------------+
 *   | action | v6: msg len in words, v5: 0 | count (BE16) |  subheader
 *   | count x message                                     |  repeated
 *   +-----------------------------------------------------+
 *   [ EOF subheader: v5 senders always end with it ]
 *
 * len covers the header and every section.  In v6 a section's message
 * size is byte 1 x 4, so unknown actions can be stepped over; in v5 the
 * size follows from the action (and the flavour, OpenBSD 4.5 or FreeBSD).
 */
#define PFSYNC_FRAMED_HDR_LEN	20
#define PFSYNC_SUBHDR_LEN	4

struct pfsync_wire_framed_header {
	uint8_t		version, pad;
	uint16_t	len;
	uint8_t		pfcksum[16];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_framed_header) ==
    PFSYNC_FRAMED_HDR_LEN, "framed header");

struct pfsync_wire_subheader {
	uint8_t		action;
	uint8_t		len;		/* v6: words per message; v5: 0 */
	uint16_t	count;
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_subheader) == PFSYNC_SUBHDR_LEN,
    "subheader");

/* Framed action numbers; 13-16 mean different things per OS. */
enum pfsync_framed_action {
	PFSYNC_F_CLR = 0,
	PFSYNC_F_INS_1301 = 1,	/* OpenBSD 4.5 INS; OpenBSD v6 OINS */
	PFSYNC_F_INS_ACK = 2,
	PFSYNC_F_UPD_1301 = 3,	/* OpenBSD 4.5 UPD; OpenBSD v6 OUPD */
	PFSYNC_F_UPD_C = 4,
	PFSYNC_F_UPD_REQ = 5,
	PFSYNC_F_DEL = 6,	/* full state; never sent, v6 accepts it */
	PFSYNC_F_DEL_C = 7,
	PFSYNC_F_INS_F = 8,
	PFSYNC_F_DEL_F = 9,
	PFSYNC_F_BUS = 10,
	PFSYNC_F_TDB = 11,	/* OpenBSD v6: OTDB */
	PFSYNC_F_EOF = 12,
	PFSYNC_F_13 = 13,	/* FreeBSD INS_1400; OpenBSD v6 INS */
	PFSYNC_F_14 = 14,	/* FreeBSD UPD_1400; OpenBSD v6 UPD */
	PFSYNC_F_15 = 15,	/* FreeBSD INS_1500; OpenBSD v6 TDB */
	PFSYNC_F_16 = 16,	/* FreeBSD UPD_1500 */
	PFSYNC_F_MAX = 17,
};

/* Which state layout a framed frame uses (spec 5.7, 6). */
enum pfsync_flavour {
	PFSYNC_FLAVOUR_OPENBSD45,	/* v5, 240-byte state at 1/3/6 */
	PFSYNC_FLAVOUR_FREEBSD,		/* v5, 242 at 1/3/6, 277 at 13/14,
					   360 at 15/16 */
	PFSYNC_FLAVOUR_OPENBSD6,	/* v6, 264-byte state at 13/14/6 */
	PFSYNC_FLAVOUR_MAX
};

/* 40-byte key of OpenBSD v6 (spec 3.4). */
struct pfsync_wire_key40 {
	uint8_t		addr[2][PF_ADDR_LEN];
	uint16_t	port[2];
	uint16_t	rdomain;
	uint8_t		af, pad;
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_key40) == 40, "key40 is 40 bytes");

/* FreeBSD pfsync_state_1301 (spec 6.1): 242 bytes. */
struct pfsync_wire_state_1301 {
	uint8_t		id[8];
	char		ifname[PFSYNC_IFNAMSIZ];
	struct pfsync_wire_key36 key[2];
	struct pfsync_wire_peer src, dst;
	uint8_t		rt_addr[PF_ADDR_LEN];
	uint32_t	rule, anchor, nat_rule;
	uint32_t	creation, expire;
	uint32_t	packets[2][2];
	uint32_t	bytes[2][2];
	uint8_t		creatorid[4];
	uint8_t		af, proto, direction;
	uint8_t		spare[2];
	uint8_t		log, state_flags, timeout, sync_flags, updates;
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_state_1301) == 242, "1301 state");
_Static_assert(offsetof(struct pfsync_wire_state_1301, af) == 232, "1301");
_Static_assert(offsetof(struct pfsync_wire_state_1301, timeout) == 239,
    "1301");

/* FreeBSD pfsync_state_1400 (spec 6.2): 277 bytes. */
struct pfsync_wire_state_1400 {
	uint8_t		head[232];	/* as 1301: id .. creatorid */
	uint8_t		af, proto, direction;
	uint16_t	state_flags;
	uint8_t		log, spare, timeout, sync_flags, updates;
	uint16_t	qid, pqid, dnpipe, dnrpipe;
	int32_t		rtableid;
	uint8_t		min_ttl, set_tos;
	uint16_t	max_mss;
	uint8_t		set_prio[2];
	uint8_t		rt;
	char		rt_ifname[PFSYNC_IFNAMSIZ];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_state_1400) == 277, "1400 state");
_Static_assert(offsetof(struct pfsync_wire_state_1400, timeout) == 239,
    "1400");

/* FreeBSD pfsync_state_1500 (spec 6.3): 360 bytes. */
struct pfsync_wire_state_1500 {
	uint8_t		head[232];	/* as 1301: id .. creatorid */
	char		tagname[64];
	char		rt_ifname[PFSYNC_IFNAMSIZ];
	char		orig_ifname[PFSYNC_IFNAMSIZ];
	int32_t		rtableid;
	uint16_t	state_flags, qid, pqid, dnpipe, dnrpipe, max_mss;
	uint8_t		wire_af, stack_af, rt_af, wire_proto, stack_proto;
	uint8_t		log, timeout, direction, rt, min_ttl, set_tos;
	uint8_t		set_prio[2];
	uint8_t		spare[3];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_state_1500) == 360, "1500 state");
_Static_assert(offsetof(struct pfsync_wire_state_1500, wire_af) == 344,
    "1500");
_Static_assert(offsetof(struct pfsync_wire_state_1500, timeout) == 350,
    "1500");
_Static_assert(offsetof(struct pfsync_wire_state_1500, direction) == 351,
    "1500");

/* OpenBSD v6 pfsync_state (spec 5.4.2): 264 bytes = 66 words. */
struct pfsync_wire_state_v6 {
	uint8_t		id[8];
	char		ifname[PFSYNC_IFNAMSIZ];
	struct pfsync_wire_key40 key[2];
	struct pfsync_wire_peer src, dst;
	uint8_t		rt_addr[PF_ADDR_LEN];
	uint32_t	rule, anchor, nat_rule;
	uint32_t	creation, expire;
	uint32_t	packets[2][2];
	uint32_t	bytes[2][2];
	uint8_t		creatorid[4];
	int32_t		rtableid[2];
	uint16_t	max_mss;
	uint8_t		af, proto, direction, log, rt, timeout;
	uint8_t		sync_flags, updates, min_ttl, set_tos;
	uint16_t	state_flags;
	uint8_t		set_prio[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_state_v6) == 264, "v6 state");
_Static_assert(offsetof(struct pfsync_wire_state_v6, src) == 104, "v6");
_Static_assert(offsetof(struct pfsync_wire_state_v6, creation) == 196, "v6");
_Static_assert(offsetof(struct pfsync_wire_state_v6, packets) == 204, "v6");
_Static_assert(offsetof(struct pfsync_wire_state_v6, creatorid) == 236, "v6");
_Static_assert(offsetof(struct pfsync_wire_state_v6, af) == 250, "v6");
_Static_assert(offsetof(struct pfsync_wire_state_v6, timeout) == 255, "v6");

/* Framed small messages (spec 5.3). */
struct pfsync_wire_clr {
	char		ifname[PFSYNC_IFNAMSIZ];
	uint8_t		creatorid[4];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_clr) == 20, "framed CLR");

struct pfsync_wire_id {		/* INS_ACK, UPD_REQ, DEL_C */
	uint8_t		id[8];
	uint8_t		creatorid[4];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_id) == 12, "framed id message");

struct pfsync_wire_upd_c {
	uint8_t		id[8];
	struct pfsync_wire_peer src, dst;
	uint8_t		creatorid[4];
	uint32_t	expire;		/* always 0 from v5/v6 senders */
	uint8_t		timeout;
	uint8_t		state_flags;
	uint8_t		pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_upd_c) == 84, "framed UPD_C");

struct pfsync_wire_bus {
	uint8_t		creatorid[4];
	uint32_t	endtime;
	uint8_t		status;
	uint8_t		pad[3];
} __attribute__((packed));
_Static_assert(sizeof(struct pfsync_wire_bus) == 12, "framed BUS");

#define PFSYNC_TDB_LEN		48	/* v5 TDB, OpenBSD v6 OTDB (11) */
#define PFSYNC_TDB64_LEN	52	/* OpenBSD v6 TDB (15) */

/*
 * Bytes of one message of action in a frame of this flavour; 0 when the
 * action has no defined message there.  For OpenBSD v6 this is the size
 * pfflowd understands; the frame's own word length steps the walk.
 */
size_t	pfsync_framed_msg_size(enum pfsync_flavour fl, unsigned action);

/* Message kind (for counting) of a framed action in a flavour. */
unsigned pfsync_framed_msg_kind(enum pfsync_flavour fl, unsigned action);

const char *pfsync_flavour_name(unsigned fl);

#endif /* PFF_WIRE_PFSYNC_H */
