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

#endif /* PFF_WIRE_PFSYNC_H */
