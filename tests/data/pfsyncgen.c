/*
 * pfsyncgen - write a pcap of legacy pfsync frames whose flows are known.
 *
 * The tests need captures in which every byte, and every flow record the
 * daemon should make of them, is known in advance.  This program is on
 * purpose an independent implementation: C11 and libc only, no libpcap, no
 * project headers.  A misread offset in the parsers therefore cannot hide
 * behind the same misreading here.  Byte layouts follow wire-spec.md
 * sections 1-4 and 8-10; what a state becomes follows "The flow contract"
 * in ARCHITECTURE.md.
 *
 * Output is a pure function of the arguments: a private PRNG (splitmix64),
 * explicit little- and big-endian stores, no floating point, no clock, no
 * locale.  The same arguments give the same bytes on any machine.
 *
 * Readings of the brief that the expect file (-e) depends on:
 *  - -n counts the states of the regular DEL frames.  --malformed adds 8
 *    DEL messages on top: 5 good states (bad_len 1, trailing_bytes 1, and
 *    the neighbours in the bad_af and bad_direction frames) and 3 bad ones.
 *  - states_del counts every DEL message decoded, bad af/direction ones
 *    included, so it always equals msg.DEL.
 *  - zero_directions counts DEL states only.  INS and UPD states carry zero
 *    counters and ids that never see a DEL, so they can make no flow even
 *    where leftovers are exported at end of input.
 *  - ICMP states carry the query id in every port slot, so ICMP records
 *    show it as both source and destination port.
 *  - Ethernet frames are padded to 60 bytes: the strip must trim by the IP
 *    length.  An IPv6 fragment is a Fragment header (next header 44).
 *
 * Framed versions (-V 5, 1301, 1400, 1500, 6; wire-spec sections 5-7) and
 * --lifecycle on the legacy ones write state lifecycles instead: every
 * state is inserted (INS, small counters), may see compressed updates
 * (UPD_C) and one full UPD inside a bulk update (BUS start/end), and ends
 * by DEL_C, by a CLR of its creator, by a full DEL (--full-del-pct) or not
 * at all (a lost DEL_C: flushed at end of input).  Readings of that part:
 *  - The schedule is made in two passes.  The first packs every event
 *    into frames (<= 1500 bytes, one event per state per frame, a state's
 *    events in order); the second writes them, leaving out the DEL_C of
 *    the states then chosen as lost.  Leaving out a message never makes a
 *    frame later, so the time bounds of the first pass hold.
 *  - Nothing may expire during the capture.  A state's events are planned
 *    within 40 frames of its INS (25 flushes of one legacy packet per
 *    action); a record advances the clock <= 50 ms, so the span of a state
 *    is bounded by its record count times 50 ms, and the first pass
 *    checks that bound is under 15 s for ICMP (timeout 9, icmp.first 20 s),
 *    50 s for UDP (8, udp.multiple 60 s) and 86000 s for TCP (2,
 *    tcp.established 86400 s).  A lost state's span runs to the end of
 *    the capture, so only states whose bound allows it can be lost: on a
 *    long capture that is TCP ones plus the last few UDP/ICMP ones, and
 *    when there are fewer candidates than --lost-del-pct asks for, fewer
 *    are lost.  Expire fields say the full timeout (fresh activity).
 *  - Full states carry the sender's own AF_INET6 (24 OpenBSD, 28 FreeBSD).
 *  - A state that will lose its DEL_C never belongs to the cleared
 *    creator before the CLR, and a duplicate DEL_C still pending when its
 *    creator is cleared is not sent: a table may forget ended states on a
 *    CLR, and then that DEL_C would be unknown rather than duplicate.
 *  - msg.* count the messages a parser decodes: a section it skips (bad
 *    word length, count past the frame, unknown action) counts none, and
 *    nothing after a v5 unknown action counts.  Bad af/direction states
 *    still count under their action.  msg.EOF counts EOF subheaders a
 *    parser reaches.
 *  - flavour.* count framed frames with a whole header whose length field
 *    is >= 20, by the flavour that sent them.  Frames of version 5 whose
 *    bytes do not single out that flavour (the 240- and 242-byte walks to
 *    EOF both succeed or both fail, as in a frame with no full state) are
 *    also counted in v5_flavour_ambiguous.
 *  - --malformed, framed: frames of their own with 3 and 19 bytes
 *    (short_header 2), a length field of 12 in front of a sound INS and a
 *    header alone whose length says more (bad_len 2, nothing decoded);
 *    and, inside frames of the schedule: a DEL_C section whose count runs
 *    past the end (last, no EOF: bad_len), an unknown action (v5: 17
 *    before the EOF, which ends the frame; v6: 20 in 3-word messages,
 *    first, stepped over: bad_action), a v6 INS section of 65-word
 *    messages (first, stepped over: bad_len), an af 7 state after the
 *    first good one (bad_af) and states of direction 0 and 3 at both ends
 *    of a state section (bad_direction 2), and bytes inside the length
 *    after the EOF (v5) or after the last section (v6: trailing_bytes).
 *    In version 5 the count overrun, action 17 and bytes after EOF go
 *    only into frames without a full state, so what a parser decodes of
 *    them does not depend on its OpenBSD 4.5 / FreeBSD guess.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG		"pfsyncgen"
#define FRAME_MAX	4096	/* above any frame built (DEL: 20 + 6 * 240) */
#define LINK_MAX	64	/* link + IP headers in front of it */
#define ETH_MIN		60	/* NICs pad Ethernet to this (no FCS) */
#define T2026		1767225600ULL	/* 2026-01-01T00:00:00Z */
#define U32MAX		0xffffffffULL

enum { DIR_IN = 1, DIR_OUT = 2 };
enum { SK_WIRE = 0, SK_STACK = 1 };

/* Legacy action numbers (spec 4.2); 6 and 7 were never implemented. */
enum {
	A_CLR, A_INS, A_UPD, A_DEL, A_UPD_C, A_DEL_C, A_INS_F, A_DEL_F,
	A_UREQ, A_BUS, A_TDB, A_MAX
};
/* Names as the expect file spells them; NULL = never emitted. */
static const char *const act_name[A_MAX] = {
	"CLR", "INS", "UPD", "DEL", "UPD_C", "DEL_C", NULL, NULL,
	"UREQ", "BUS", "TDB"
};

/* Parser reasons, in the order the expect file lists them. */
enum {
	B_SHORT_HEADER, B_BAD_VERSION, B_UNSUPPORTED, B_BAD_ACTION, B_BAD_LEN,
	B_TRAILING, B_BAD_AF, B_BAD_DIRECTION, B_MAX
};
static const char *const bad_name[B_MAX] = {
	"short_header", "bad_version", "unsupported_version", "bad_action",
	"bad_len", "trailing_bytes", "bad_af", "bad_direction"
};

/* Capture (link/IP strip) reasons. */
enum {
	L_SHORT, L_NOT_IP, L_IP_HEADER, L_NOT_PFSYNC, L_FRAGMENT, L_TRUNCATED,
	L_MAX
};
static const char *const lbad_name[L_MAX] = {
	"short", "not_ip", "ip_header", "not_pfsync", "fragment", "truncated"
};

/* How a link type frames what it carries. */
enum lkind {
	LK_PFSYNC,	/* frame starts at the pfsync header */
	LK_PFSYNC_IP,	/* linktype 246 with the IP header kept (OpenBSD 7.4) */
	LK_RAW,		/* bare IP */
	LK_ETH, LK_ETH_VLAN, LK_SLL, LK_SLL2, LK_NULL, LK_LOOP
};

struct linkdef {
	const char	*name;
	uint32_t	 linktype;
	enum lkind	 kind;
};

static const struct linkdef links[] = {
	{ "pfsync18",		18,	LK_PFSYNC },
	{ "pfsync121",		121,	LK_PFSYNC },
	{ "pfsync246",		246,	LK_PFSYNC },
	{ "pfsync246-ip",	246,	LK_PFSYNC_IP },
	{ "en10mb",		1,	LK_ETH },
	{ "en10mb-vlan",	1,	LK_ETH_VLAN },
	{ "sll",		113,	LK_SLL },
	{ "sll2",		276,	LK_SLL2 },
	{ "raw",		101,	LK_RAW },
	{ "null",		0,	LK_NULL },
	{ "loop",		108,	LK_LOOP },
};

/* One side pair of a pf state key (36-byte form, spec 3.4). */
struct gkey {
	uint8_t		addr[2][16];
	uint16_t	port[2];
};

/* A generated state, before it is laid out for a wire version. */
struct gstate {
	uint64_t	 id;
	uint32_t	 creatorid, creation, expire, rule, nat_rule;
	uint64_t	 packets[2], bytes[2];	/* [0] initiator->responder */
	struct gkey	 key[2];		/* [SK_WIRE], [SK_STACK] */
	uint8_t		 af, proto, direction, timeout, log, updates;
	const char	*ifname;
};

/* Per-state properties chosen up front so the percentages come out exact. */
enum { S_V6 = 1, S_BIG = 2, S_NAT = 4, S_ZERO = 8,
	/* lifecycles: full UPD, second DEL_C, full DEL, DEL_C lost */
	S_UPD = 16, S_DUP = 32, S_FDEL = 64, S_LOST = 128 };

/* What one pcap record will be. */
enum pkind {
	P_DEL,		/* a good DEL frame of n states */
	P_OTHER,	/* a frame of another action (arg), no flows */
	P_MAL,		/* a malformed pfsync frame, arg = enum mal */
	P_LINK		/* a packet the link/IP strip rejects, arg: lmal */
};
enum mal {
	M_SHORT1, M_SHORT2, M_VER0, M_VER9, M_VER1, M_ACT11, M_ACT200,
	M_BADLEN, M_TRAIL, M_AF, M_DIR
};
enum lmal { LM_NOTPF, LM_FRAG_FIRST, LM_FRAG_LATER, LM_ARP, LM_TRUNC };

struct plan {
	uint8_t		kind, arg;
	uint8_t		n;		/* P_DEL: states; P_OTHER: messages */
	size_t		first;		/* P_DEL: index into the flag table */
};

struct expect {
	uint64_t	states_del, flows, flows_v4, flows_v6, zero_dirs;
	uint64_t	records_v5, packets_v4, bytes_v4, packets_v6, bytes_v6;
	uint64_t	frames, pfsync_frames;
	uint64_t	msg[A_MAX], bad[B_MAX], lbad[L_MAX];
	/* lifecycles and framed versions only */
	uint64_t	ins_ack, upd_req, eof;
	uint64_t	ended_delc, ended_clr, flushed, dups, unknown;
	uint64_t	flavour[4], v5_ambiguous;
};

static struct {
	/* options */
	const char		*out, *expect, *flows, *flows64;
	unsigned		 version;	/* 2..6, 1301, 1400, 1500 */
	const struct linkdef	*link;
	uint64_t		 nstates, seed;
	unsigned		 v6_pct, big_pct, nat_pct, zero_pct;
	bool			 malformed, other, ip6;
	bool			 lifecycle, clr, lc_opt;
	unsigned		 bulk_pct, lost_pct, dup_pct, fdel_pct;
	uint64_t		 unknown_del;
	/* generator state */
	uint64_t		 rng, t_usec, next_id;
	uint32_t		 creator[3], clr_creator;
	uint8_t			 chksum[16];
	uint16_t		 ipid;
	unsigned		 v6_toggle, nexact, nbig, nvlan, nbus;
	FILE			*fp;
	struct expect		 e;
	char			**rec;		/* v5 record lines, -f */
	size_t			 nrec, caprec;
	char			**rec64;	/* flow lines, -F */
	size_t			 nrec64, caprec64;
} g;

static void die(const char *, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ------------------------------------------------------------ bytes */

static void
be16(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint64_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v);
}

static void
be64(uint8_t *p, uint64_t v)
{
	be32(p, v >> 32);
	be32(p + 4, v);
}

static void
le32(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ------------------------------------------------------------ PRNG */

/* splitmix64: tiny, and identical everywhere; quality is ample here. */
static uint64_t
rnd(void)
{
	uint64_t z;

	z = (g.rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform enough in [lo, hi]; the ranges used are far below 2^64. */
static uint64_t
rnd_range(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static void
rnd_bytes(uint8_t *p, size_t n)
{
	while (n-- > 0)
		*p++ = (uint8_t)rnd();
}

/* ------------------------------------------------------------ output */

static void
xwrite(const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, g.fp) != n)
		die("%s: write: %s", g.out, strerror(errno));
}

/* The classic pcap file header, written little-endian byte by byte. */
static void
pcap_header(void)
{
	uint8_t h[24];

	le32(h, 0xa1b2c3d4);		/* magic: microsecond timestamps */
	le32(h + 4, 2 | 4 << 16);	/* version 2.4: two LE u16 */
	le32(h + 8, 0);			/* thiszone: UTC */
	le32(h + 12, 0);		/* sigfigs */
	le32(h + 16, 65535);		/* snaplen */
	le32(h + 20, g.link->linktype);
	xwrite(h, sizeof(h));
}

/*
 * Move the clock 1..50 ms on.  The sub-millisecond part is never zero, so
 * anything that rounds instead of truncating to milliseconds is caught.
 */
static void
tick(void)
{
	uint64_t d;

	do
		d = rnd_range(1000, 50000);
	while ((g.t_usec + d) % 1000 == 0);
	g.t_usec += d;
}

static uint64_t
arrival_ms(void)
{
	return g.t_usec / 1000;
}

static void
pcap_record(const uint8_t *p, size_t caplen, size_t origlen)
{
	uint8_t h[16];

	le32(h, g.t_usec / 1000000);	/* ts_sec */
	le32(h + 4, g.t_usec % 1000000);	/* ts_usec */
	le32(h + 8, caplen);		/* incl_len */
	le32(h + 12, origlen);		/* orig_len */
	xwrite(h, sizeof(h));
	xwrite(p, caplen);
	g.e.frames++;
}

/* ------------------------------------------------------------ link + IP */

static bool
link_has_ip(void)
{
	return g.link->kind != LK_PFSYNC;
}

static bool
link_is_eth(void)
{
	return g.link->kind == LK_ETH || g.link->kind == LK_ETH_VLAN;
}

/* Fragment shapes: none, first (MF, offset 0), a later one (offset 256). */
enum frag { FR_NONE, FR_FIRST, FR_LATER };

static const uint8_t mac_self[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t mac_peer[6] = { 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02 };

/*
 * The link header for a payload of the given ethertype.  Multicast goes to
 * the group MAC of 224.0.0.240 / ff12::f0, ARP to broadcast, anything else
 * (the TCP decoy) to a unicast peer.  Returns its length.
 */
static size_t
put_link(uint8_t *p, uint16_t ethertype, bool mcast)
{
	static const uint8_t mc4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xf0 };
	static const uint8_t mc6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0xf0 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *dst;
	uint32_t af = ethertype == 0x86dd ? 24 : 2;
	/* Linux packet types: 0 to us, 1 broadcast, 2 multicast */
	uint8_t pkttype;
	size_t n = 0;

	if (ethertype == 0x0806) {
		dst = bcast;
		pkttype = 1;
	} else if (mcast) {
		dst = ethertype == 0x86dd ? mc6 : mc4;
		pkttype = 2;
	} else {
		dst = mac_peer;
		pkttype = 0;
	}
	switch (g.link->kind) {
	case LK_PFSYNC:
	case LK_PFSYNC_IP:
	case LK_RAW:
		return 0;
	case LK_ETH:
	case LK_ETH_VLAN:
		memcpy(p, dst, 6);			/* destination MAC */
		memcpy(p + 6, mac_self, 6);		/* source MAC */
		n = 12;
		if (g.link->kind == LK_ETH_VLAN) {
			/* every 6th frame is QinQ: S-tag VID 200 outside */
			if (g.nvlan++ % 6 == 3) {
				be16(p + n, 0x88a8);	/* 802.1ad S-tag */
				be16(p + n + 2, 200);	/* PCP 0, VID 200 */
				n += 4;
			}
			be16(p + n, 0x8100);		/* 802.1Q C-tag */
			be16(p + n + 2, 100);		/* PCP 0, VID 100 */
			n += 4;
		}
		be16(p + n, ethertype);
		return n + 2;
	case LK_SLL:
		be16(p, pkttype);		/* packet type */
		be16(p + 2, 1);			/* ARPHRD_ETHER */
		be16(p + 4, 6);			/* link address length */
		memcpy(p + 6, mac_self, 6);	/* sender MAC, 8-byte field */
		p[12] = p[13] = 0;
		be16(p + 14, ethertype);	/* protocol */
		return 16;
	case LK_SLL2:
		be16(p, ethertype);		/* protocol */
		be16(p + 2, 0);			/* reserved */
		be32(p + 4, 2);			/* interface index */
		be16(p + 8, 1);			/* ARPHRD_ETHER */
		p[10] = pkttype;		/* packet type */
		p[11] = 6;			/* link address length */
		memcpy(p + 12, mac_self, 6);	/* sender MAC, 8-byte field */
		p[18] = p[19] = 0;
		return 20;
	case LK_NULL:
		le32(p, af);	/* host order of a little-endian writer */
		return 4;
	case LK_LOOP:
		be32(p, af);	/* OpenBSD loop: network order */
		return 4;
	}
	return 0;
}

static uint16_t
ip_cksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * IPv4 or IPv6 header (as --ip6-transport says) for paylen bytes of
 * proto.  pfsync goes to its group with TTL 255 (spec 1.1); the TCP decoy
 * goes unicast with TTL 64.  Returns the header length.
 */
static size_t
put_ip(uint8_t *p, size_t paylen, uint8_t proto, enum frag fr)
{
	bool pf = proto == 240;
	uint16_t off = fr == FR_LATER ? 256 : 0;

	if (g.ip6) {
		size_t hl = fr == FR_NONE ? 40 : 48;

		memset(p, 0, hl);
		be32(p, 0x60000000);		/* version 6, class/label 0 */
		be16(p + 4, paylen + hl - 40);	/* payload length */
		p[6] = fr == FR_NONE ? proto : 44;	/* next header */
		p[7] = pf ? 255 : 64;		/* hop limit */
		be16(p + 8, 0xfe80);		/* src fe80::1 */
		p[23] = 1;
		be16(p + 24, pf ? 0xff12 : 0xfe80);	/* dst ff12::f0 */
		p[39] = pf ? 0xf0 : 2;		/* or the peer fe80::2 */
		if (fr != FR_NONE) {
			p[40] = proto;		/* fragment header: next */
			/* offset in 8-byte units << 3, M flag in bit 0 */
			be16(p + 42, (uint16_t)(off / 8) << 3 |
			    (fr == FR_FIRST));
			be32(p + 44, 0x5f5f0000u | g.ipid++);
		}
		return hl;
	}
	memset(p, 0, 20);
	p[0] = 0x45;			/* version 4, IHL 5 */
	p[1] = pf ? 0x10 : 0;		/* TOS: IPTOS_LOWDELAY like pfsync */
	be16(p + 2, paylen + 20);	/* total length */
	be16(p + 4, g.ipid++);		/* identification */
	if (fr == FR_NONE)
		be16(p + 6, 0x4000);	/* DF, as pfsync sends */
	else				/* MF on the first, offset later */
		be16(p + 6, (fr == FR_FIRST ? 0x2000 : 0) | off / 8);
	p[8] = pf ? 255 : 64;		/* TTL */
	p[9] = proto;
	be32(p + 12, 0xc0a86401);	/* src 192.168.100.1 */
	/* dst 224.0.0.240, or the unicast peer 192.168.100.2 */
	be32(p + 16, pf ? 0xe00000f0 : 0xc0a86402);
	be16(p + 10, ip_cksum(p, 20));
	return 20;
}

/*
 * Put a payload on the link and write it.  On a bare pfsync link it is the
 * packet; otherwise link and IP headers go in front.  Ethernet is padded
 * to 60 bytes as a NIC would, so the strip has to trim by the IP length.
 * keep, if non-zero, captures only that many payload bytes after the IP
 * header, while the record's original length stays the real one.
 */
static void
send_ip(const uint8_t *pay, size_t len, uint8_t proto, enum frag fr,
    size_t keep)
{
	uint8_t pkt[FRAME_MAX + LINK_MAX + ETH_MIN];
	size_t n, hl;

	if (!link_has_ip()) {
		pcap_record(pay, len, len);
		return;
	}
	n = put_link(pkt, g.ip6 ? 0x86dd : 0x0800, proto == 240);
	n += put_ip(pkt + n, len, proto, fr);
	hl = n;
	memcpy(pkt + n, pay, len);
	n += len;
	if (link_is_eth() && n < ETH_MIN) {
		memset(pkt + n, 0, ETH_MIN - n);
		n = ETH_MIN;
	}
	pcap_record(pkt, keep != 0 && keep < len ? hl + keep : n, n);
}

/* Every packet that still holds a pfsync frame after the strip. */
static void
send_pfsync(const uint8_t *f, size_t len)
{
	g.e.pfsync_frames++;
	send_ip(f, len, 240, FR_NONE, 0);
}

/* ------------------------------------------------------------ states */

static size_t
hdr_size(unsigned version)
{
	return version <= 2 ? 4 : 20;
}

static size_t
state_size(void)
{
	return g.version == 2 ? 224 : 240;
}

/* Fixed message size per action (spec 4.2, 4.4). */
static size_t
msg_size(unsigned action)
{
	switch (action) {
	case A_CLR:
		return 24;
	case A_INS:
	case A_UPD:
	case A_DEL:
		return state_size();
	case A_UPD_C:
		return 88;
	case A_TDB:
		return 48;
	default:	/* DEL_C, UREQ, BUS */
		return 16;
	}
}

/* Legacy header (spec 4.1); the af byte is unused and left 0. */
static size_t
put_header(uint8_t *f, unsigned version, unsigned action, unsigned count)
{
	f[0] = (uint8_t)version;
	f[1] = 0;
	f[2] = (uint8_t)action;
	f[3] = (uint8_t)count;
	if (hdr_size(g.version) == 20)	/* ruleset MD5, opaque */
		memcpy(f + 4, g.chksum, 16);
	return hdr_size(g.version);
}

static void
gen_addr(uint8_t a[16], bool v6, int role)
{
	memset(a, 0, 16);
	if (v6) {
		be32(a, 0x20010db8);			/* 2001:db8::/32 */
		a[5] = role == 0 ? 0xff : (uint8_t)role;	/* /48 */
		rnd_bytes(a + 8, 8);			/* interface id */
		return;
	}
	switch (role) {
	case 0:		/* remote: documentation nets or anywhere public */
		switch (rnd() % 3) {
		case 0:
			be32(a, 0xc6336400 | rnd_range(1, 254));
			break;
		case 1:
			be32(a, 0xcb007100 | rnd_range(1, 254));
			break;
		default:
			do
				a[0] = (uint8_t)rnd_range(1, 223);
			while (a[0] == 10 || a[0] == 127);
			rnd_bytes(a + 1, 2);
			a[3] = (uint8_t)rnd_range(1, 254);
		}
		break;
	case 1:		/* local, as the stack sees it: 10.0.0.0/14 */
		be32(a, 0x0a000000 | rnd_range(1, 0x3fffe));
		break;
	default:	/* translated local end: 192.0.2.0/24 */
		be32(a, 0xc0000200 | rnd_range(1, 254));
	}
}

static uint16_t
svc_port(uint8_t proto)
{
	static const uint16_t tcp[] = { 22, 25, 80, 443, 993, 3389, 8080 };
	static const uint16_t udp[] = { 53, 123, 443, 500, 514, 4500 };

	if (proto == 6)
		return tcp[rnd() % (sizeof(tcp) / sizeof(tcp[0]))];
	return udp[rnd() % (sizeof(udp) / sizeof(udp[0]))];
}

/*
 * Counters.  [0] is initiator->responder.  Big ones straddle the NetFlow
 * 32-bit limit: the first two IPv4 big states carry exactly 0xffffffff and
 * 0x100000000 bytes (one record, two records); v2 cannot carry more than
 * 32 bits, so there "big" means close to 0xffffffff.
 */
static void
gen_counters(struct gstate *s, unsigned flags)
{
	uint64_t minsz = s->af == 2 ? 28 : 48;
	unsigned d, bd = rnd() & 1;

	for (d = 0; d < 2; d++) {
		s->packets[d] = rnd_range(1, 20000);
		s->bytes[d] = s->packets[d] * rnd_range(minsz, 1500);
	}
	if (flags & S_BIG) {
		uint64_t *pk = &s->packets[bd], *by = &s->bytes[bd];

		if (s->af == 2 && g.nexact < (g.version == 2 ? 1 : 2)) {
			*by = g.nexact++ == 0 ? U32MAX : U32MAX + 1;
			*pk = rnd_range(2000000, 4000000);
		} else if (g.version == 2) {
			if (g.nbig++ % 2 == 0) {
				*by = U32MAX;
				*pk = U32MAX - rnd_range(0, 65535);
			} else {
				*by = U32MAX - rnd_range(0, 1 << 20);
				*pk = *by / rnd_range(64, 1500);
			}
		} else if (g.nbig++ % 2 == 0) {
			/*
			 * Packets past 2^32.  Tiny packets keep the record
			 * count (set by bytes) at a handful.
			 */
			*pk = (U32MAX + 1) + rnd() % (1ULL << 31);
			*by = *pk + rnd() % *pk;
		} else {
			/* bytes past 2^33, 3..7 records */
			*by = (1ULL << 33) + rnd() % (1ULL << 34);
			*pk = *by / rnd_range(64, 1500);
		}
	}
	if (flags & S_ZERO) {
		d = flags & S_BIG ? 1 - bd : (unsigned)(rnd() & 1);
		s->packets[d] = s->bytes[d] = 0;
	}
}

/*
 * A state as pf would have it at deletion.  Orientation (spec 8.2/8.3):
 * index 1 is the local end, index 0 the remote end; the initiator is
 * addr[0] for IN and addr[1] for OUT.  NAT changes only the local end:
 * key[WIRE].addr[1] is the translated side, key[STACK].addr[1] the
 * internal one.
 */
static void
gen_state(struct gstate *s, unsigned flags)
{
	bool v6 = flags & S_V6, nat = flags & S_NAT;
	uint8_t remote[16], local[16], xlat[16];
	uint16_t rport, lport, xport;
	unsigned r;

	memset(s, 0, sizeof(*s));
	s->id = g.next_id;
	g.next_id += rnd_range(1, 64);
	/* v2 kernels only sent DELs for their own states (spec 4.5) */
	s->creatorid = g.version == 2 ? g.creator[0] : g.creator[rnd() % 3];
	s->direction = rnd() & 1 ? DIR_IN : DIR_OUT;
	s->af = v6 ? (g.v6_toggle++ % 2 ? 28 : 24) : 2;
	r = (unsigned)(rnd() % 10);
	s->proto = r < 5 ? 6 : r < 8 ? 17 : v6 ? 58 : 1;
	gen_addr(remote, v6, 0);
	gen_addr(local, v6, 1);
	gen_addr(xlat, v6, 2);
	if (s->proto == 1 || s->proto == 58) {
		/* ICMP: every port slot holds the query id */
		rport = lport = xport = (uint16_t)rnd_range(1, 65535);
	} else if (s->direction == DIR_IN) {
		/* remote client to a local service, rdr-to when NAT */
		rport = (uint16_t)rnd_range(1024, 65535);
		xport = svc_port(s->proto);
		lport = nat ? (uint16_t)rnd_range(1024, 9999) : xport;
	} else {
		/* local client out to a remote service, nat-to when NAT */
		rport = svc_port(s->proto);
		lport = (uint16_t)rnd_range(1024, 65535);
		xport = nat ? (uint16_t)rnd_range(50000, 65535) : lport;
	}
	memcpy(s->key[SK_WIRE].addr[0], remote, 16);
	memcpy(s->key[SK_WIRE].addr[1], nat ? xlat : local, 16);
	s->key[SK_WIRE].port[0] = rport;
	s->key[SK_WIRE].port[1] = xport;
	memcpy(s->key[SK_STACK].addr[0], remote, 16);
	memcpy(s->key[SK_STACK].addr[1], local, 16);
	s->key[SK_STACK].port[0] = rport;
	s->key[SK_STACK].port[1] = lport;
	s->rule = (uint32_t)rnd_range(0, 200);
	s->nat_rule = nat ? (uint32_t)rnd_range(0, 50) : 0xffffffff;
	s->creation = (uint32_t)rnd_range(0, 7200);
	s->expire = (uint32_t)rnd_range(0, 86400);
	s->timeout = (uint8_t)(s->proto == 6 ? rnd_range(0, 5) :
	    s->proto == 17 ? rnd_range(6, 8) : rnd_range(9, 10));
	s->log = rnd() % 4 == 0;
	s->updates = (uint8_t)rnd_range(0, 3);
	s->ifname = rnd() % 3 == 0 ? "em0" : "all";
	gen_counters(s, flags);
}

/* pfsync_state_peer (spec 3.2), filled plausibly; flows ignore it. */
static void
put_peer(uint8_t *p, const struct gstate *s, int side)
{
	uint64_t seq = rnd() & U32MAX;

	memset(p, 0, 32);		/* scrub block 0..7 unused */
	if (s->proto == 6) {
		be32(p + 8, seq);			/* seqlo */
		be32(p + 12, seq + rnd_range(1000, 65535));	/* seqhi */
		be16(p + 20, rnd_range(1024, 65535));	/* max_win */
		be16(p + 22, 1460);			/* mss */
		p[24] = (uint8_t)rnd_range(4, 10);	/* TCPS_*, closing */
		p[25] = 0x80 | 7;			/* wscale 7, flag */
	} else {
		/* 0 no traffic, 1 single, 2 multiple */
		p[24] = s->packets[side] == 0 ? 0 :
		    s->packets[side] == 1 ? 1 : 2;
	}
}

/* Lay a state out for the configured wire version (spec 4.3.2-4.3.4). */
static void
put_state(uint8_t *p, const struct gstate *s)
{
	const struct gkey *w = &s->key[SK_WIRE], *st = &s->key[SK_STACK];
	size_t t;
	unsigned d;

	memset(p, 0, state_size());
	be64(p, s->id);				/* 0: id, BE u64 */
	memcpy(p + 8, s->ifname, strlen(s->ifname));	/* 8: NUL-padded */
	if (g.version == 4) {
		/* 24: key[WIRE], 60: key[STACK], 36 bytes each */
		memcpy(p + 24, w->addr[0], 16);
		memcpy(p + 40, w->addr[1], 16);
		be16(p + 56, w->port[0]);
		be16(p + 58, w->port[1]);
		memcpy(p + 60, st->addr[0], 16);
		memcpy(p + 76, st->addr[1], 16);
		be16(p + 92, st->port[0]);
		be16(p + 94, st->port[1]);
	} else {
		/* hosts: 16 addr, 2 port, 6 pad */
		memcpy(p + 24, st->addr[1], 16);	/* 24: lan */
		be16(p + 40, st->port[1]);
		memcpy(p + 48, w->addr[1], 16);		/* 48: gwy */
		be16(p + 64, w->port[1]);
		memcpy(p + 72, w->addr[0], 16);		/* 72: ext */
		be16(p + 88, w->port[0]);
	}
	put_peer(p + 96, s, 0);			/* 96: src = initiator */
	put_peer(p + 128, s, 1);		/* 128: dst = responder */
	/* 160: rt_addr stays zero, no route-to */
	be32(p + 176, s->rule);			/* 176: rule */
	be32(p + 180, 0xffffffff);		/* 180: anchor, none */
	be32(p + 184, s->nat_rule);		/* 184: nat_rule */
	be32(p + 188, s->creation);		/* 188: age, seconds */
	be32(p + 192, s->expire);		/* 192: seconds left */
	if (g.version == 2) {
		/* 196: packets[2], 204: bytes[2], 32-bit */
		for (d = 0; d < 2; d++) {
			be32(p + 196 + 4 * d, s->packets[d]);
			be32(p + 204 + 4 * d, s->bytes[d]);
		}
		t = 212;
	} else {
		/* 196: packets[2][2], 212: bytes[2][2], high half first */
		for (d = 0; d < 2; d++) {
			be32(p + 196 + 8 * d, s->packets[d] >> 32);
			be32(p + 200 + 8 * d, s->packets[d]);
			be32(p + 212 + 8 * d, s->bytes[d] >> 32);
			be32(p + 216 + 8 * d, s->bytes[d]);
		}
		t = 228;
	}
	be32(p + t, s->creatorid);		/* creatorid */
	p[t + 4] = s->af;
	p[t + 5] = s->proto;
	p[t + 6] = s->direction;
	p[t + 7] = s->log;
	p[t + 8] = 0;				/* allow_opts/state_flags */
	p[t + 9] = s->timeout;
	p[t + 10] = 0;				/* sync_flags */
	p[t + 11] = s->updates;
}

/* ------------------------------------------------------------ expectations */

static void
fmt_ip4(char *b, size_t n, const uint8_t *a)
{
	snprintf(b, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/*
 * IPv6 text as RFC 5952 has it (inet_ntop's form): lower-case hex, no
 * leading zeros, the first longest run of two or more zero groups as "::".
 */
static void
fmt_ip6(char *b, size_t n, const uint8_t *a)
{
	unsigned w[8], i, best = 8, blen = 0, run;
	size_t o = 0;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i += run ? run : 1) {
		for (run = 0; i + run < 8 && w[i + run] == 0; run++)
			continue;
		if (run > blen && run >= 2) {
			best = i;
			blen = run;
		}
	}
	for (i = 0; i < 8 && o < n; i++) {
		if (i == best) {
			o += (size_t)snprintf(b + o, n - o, "::");
			i += blen - 1;
			continue;
		}
		o += (size_t)snprintf(b + o, n - o, "%s%x",
		    i > 0 && i != best + blen ? ":" : "", w[i]);
	}
}

static void
add_line(char ***v, size_t *nv, size_t *cap, const char *line)
{
	size_t len = strlen(line) + 1;

	if (*nv == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = realloc(*v, *cap * sizeof(**v));
		if (*v == NULL)
			die("out of memory");
	}
	if (((*v)[*nv] = malloc(len)) == NULL)
		die("out of memory");
	memcpy((*v)[(*nv)++], line, len);
}

static void
add_record(const char *line)
{
	add_line(&g.rec, &g.nrec, &g.caprec, line);
}

/*
 * What the flow contract makes of a state that ends with these counters:
 * the key is key[WIRE] for IN and key[STACK] for OUT; flow A runs from the
 * initiator with counters [0], flow B back with [1]; a direction with no
 * packets and no bytes is dropped; an IPv4 flow becomes as many v5 records
 * as it takes to keep each counter within 32 bits.  final says whether
 * the counters are a DEL's (final) or the last full state's (last-known).
 */
static void
expect_flows(const struct gstate *s, const uint64_t *pkt, const uint64_t *byt,
    uint64_t first, uint64_t last, bool final)
{
	const struct gkey *k = &s->key[s->direction == DIR_IN ?
	    SK_WIRE : SK_STACK];
	unsigned ini = s->direction == DIR_IN ? 0 : 1, d;

	for (d = 0; d < 2; d++) {
		unsigned src = d == 0 ? ini : 1 - ini, dst = 1 - src;
		uint64_t pk = pkt[d], by = byt[d];
		char sa[48], da[48], line[256];

		if (pk == 0 && by == 0) {
			g.e.zero_dirs++;
			continue;
		}
		g.e.flows++;
		if (g.flows64 != NULL) {
			if (s->af == 2) {
				fmt_ip4(sa, sizeof(sa), k->addr[src]);
				fmt_ip4(da, sizeof(da), k->addr[dst]);
			} else {
				sa[0] = da[0] = '[';
				fmt_ip6(sa + 1, sizeof(sa) - 2, k->addr[src]);
				fmt_ip6(da + 1, sizeof(da) - 2, k->addr[dst]);
				strcat(sa, "]");
				strcat(da, "]");
			}
			snprintf(line, sizeof(line), "%u %s %u %s %u %" PRIu64
			    " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s",
			    s->proto, sa, k->port[src], da, k->port[dst], pk,
			    by, first, last, final ? "final" : "last-known");
			add_line(&g.rec64, &g.nrec64, &g.caprec64, line);
		}
		if (s->af != 2) {
			g.e.flows_v6++;
			g.e.packets_v6 += pk;
			g.e.bytes_v6 += by;
			continue;
		}
		g.e.flows_v4++;
		g.e.packets_v4 += pk;
		g.e.bytes_v4 += by;
		fmt_ip4(sa, sizeof(sa), k->addr[src]);
		fmt_ip4(da, sizeof(da), k->addr[dst]);
		do {
			uint64_t rp = pk < U32MAX ? pk : U32MAX;
			uint64_t rb = by < U32MAX ? by : U32MAX;

			snprintf(line, sizeof(line), "%u %s %u %s %u %" PRIu64
			    " %" PRIu64 " %" PRIu64 " %" PRIu64, s->proto, sa,
			    k->port[src], da, k->port[dst], rp, rb, first,
			    last);
			add_record(line);
			g.e.records_v5++;
			pk -= rp;
			by -= rb;
		} while (pk > 0 || by > 0);
	}
}

/* A full DEL state that arrived at ms, with no earlier entry. */
static void
expect_state(const struct gstate *s, uint64_t ms)
{
	g.e.states_del++;
	expect_flows(s, s->packets, s->bytes,
	    ms - (uint64_t)s->creation * 1000, ms, true);
}

/* ------------------------------------------------------------ frames */

static unsigned *state_flags;	/* per regular DEL state, S_* bits */

/* Flags for a state outside the regular -n set: plain coin tosses. */
static unsigned
coin_flags(void)
{
	unsigned f = 0;

	f |= rnd() % 100 < g.v6_pct ? S_V6 : 0;
	f |= rnd() % 100 < g.big_pct ? S_BIG : 0;
	f |= rnd() % 100 < g.nat_pct ? S_NAT : 0;
	f |= rnd() % 100 < g.zero_pct ? S_ZERO : 0;
	return f;
}

static void
emit_del(const struct plan *pl)
{
	uint8_t f[FRAME_MAX];
	size_t len = put_header(f, g.version, A_DEL, pl->n);
	struct gstate s;
	unsigned i;

	for (i = 0; i < pl->n; i++) {
		gen_state(&s, state_flags[pl->first + i]);
		put_state(f + len, &s);
		len += state_size();
		expect_state(&s, arrival_ms());
	}
	g.e.msg[A_DEL] += pl->n;
	send_pfsync(f, len);
}

/*
 * Actions that must not make flows.  INS/UPD carry full states with new
 * ids and zero counters, so even a table that exports leftovers at end of
 * input has nothing to say; UPD_C, DEL_C and UREQ name ids nobody
 * inserted; CLR names a creator that owns no state.
 */
static void
emit_other(const struct plan *pl)
{
	uint8_t f[FRAME_MAX], *m;
	size_t len = put_header(f, g.version, pl->arg, pl->n);
	size_t sz = msg_size(pl->arg);
	struct gstate s;
	unsigned i;

	for (i = 0; i < pl->n; i++, len += sz) {
		m = f + len;
		memset(m, 0, sz);
		switch (pl->arg) {
		case A_INS:
		case A_UPD:
			gen_state(&s, coin_flags() & (S_V6 | S_NAT));
			s.packets[0] = s.packets[1] = 0;
			s.bytes[0] = s.bytes[1] = 0;
			put_state(m, &s);
			break;
		case A_UPD_C:
			gen_state(&s, 0);
			be64(m, s.id);			/* 0: id */
			put_peer(m + 8, &s, 0);		/* 8: src peer */
			put_peer(m + 40, &s, 1);	/* 40: dst peer */
			be32(m + 72, s.creatorid);	/* 72: creatorid */
			be32(m + 76, s.expire);		/* 76: expire */
			m[80] = s.timeout;		/* 80: timeout */
			m[81] = s.updates;		/* 81: updates */
			break;
		case A_DEL_C:
			be64(m, g.next_id);		/* 0: id */
			g.next_id += rnd_range(1, 64);
			be32(m + 8, g.creator[i % 3]);	/* 8: creatorid */
			m[12] = 10;			/* src.state */
			m[13] = 10;			/* dst.state */
			break;
		case A_UREQ:
			/* id 0 + creator 0 asks for a bulk update */
			if (pl->n == 1)
				break;
			be64(m, g.next_id);		/* 0: id */
			g.next_id += rnd_range(1, 64);
			be32(m + 8, g.creator[1]);	/* 8: creatorid */
			break;
		case A_CLR:
			memcpy(m, i ? "em0" : "", i ? 3 : 0);	/* 0: ifname */
			be32(m + 16, g.clr_creator);	/* 16: creatorid */
			break;
		case A_BUS:
			be32(m, g.creator[0]);		/* 0: creatorid */
			be32(m + 4, rnd_range(0, 30));	/* 4: endtime */
			/* 8: status, 1 start / 2 end, alternating */
			m[8] = (uint8_t)(1 + g.nbus++ % 2);
			break;
		case A_TDB:
			be32(m, rnd() & U32MAX);	/* 0: spi */
			m[4] = 16;			/* 4: sa_len */
			m[5] = 2;			/* 5: AF_INET */
			be32(m + 8, 0xc0a86402);	/* 8: sin_addr */
			be32(m + 32, rnd_range(1, 100000));	/* 32: rpl */
			be64(m + 36, rnd_range(1, 1 << 30));	/* 36: bytes */
			m[44] = 50;			/* 44: sproto ESP */
			m[45] = 1;			/* 45: updates */
			break;
		}
	}
	g.e.msg[pl->arg] += pl->n;
	send_pfsync(f, len);
}

/* A state that passes every check; its flows are expected. */
static size_t
good_state(uint8_t *m)
{
	struct gstate s;

	gen_state(&s, coin_flags());
	put_state(m, &s);
	expect_state(&s, arrival_ms());
	return state_size();
}

static void
emit_mal(const struct plan *pl)
{
	uint8_t f[FRAME_MAX];
	size_t len, hl = hdr_size(g.version), ss = state_size();
	struct gstate s;

	switch (pl->arg) {
	case M_SHORT1:
	case M_SHORT2:
		/* 1 or 3 bytes of a v2 header, 3 or 19 of a v3/v4 one */
		len = put_header(f, g.version, A_DEL, 1);
		len = pl->arg == M_SHORT1 ? (hl == 4 ? 1 : 3) : hl - 1;
		g.e.bad[B_SHORT_HEADER]++;
		break;
	case M_VER0:
	case M_VER9:
		/* a sound DEL frame in every other respect */
		len = put_header(f, pl->arg == M_VER0 ? 0 : 9, A_DEL, 1);
		gen_state(&s, 0);
		put_state(f + len, &s);
		len += ss;
		g.e.bad[B_BAD_VERSION]++;
		break;
	case M_VER1:
		/* v1: 4-byte header, then a raw host-order kernel struct */
		be32(f, 1 << 24 | A_DEL << 8 | 1);	/* v1, DEL, count 1 */
		rnd_bytes(f + 4, 200);
		len = 204;
		g.e.bad[B_UNSUPPORTED]++;
		break;
	case M_ACT11:
	case M_ACT200:
		len = put_header(f, g.version, pl->arg == M_ACT11 ? 11 : 200,
		    1);
		rnd_bytes(f + len, ss);
		len += ss;
		g.e.bad[B_BAD_ACTION]++;
		break;
	case M_BADLEN:
		/* count says 3, one whole state follows: it still counts */
		len = put_header(f, g.version, A_DEL, 3);
		len += good_state(f + len);
		g.e.msg[A_DEL]++;
		g.e.bad[B_BAD_LEN]++;
		break;
	case M_TRAIL:
		/* one state, then 7 bytes nobody accounts for */
		len = put_header(f, g.version, A_DEL, 1);
		len += good_state(f + len);
		rnd_bytes(f + len, 7);
		len += 7;
		g.e.msg[A_DEL]++;
		g.e.bad[B_TRAILING]++;
		break;
	case M_AF:
		/* good, af 7, good: the neighbours still make flows */
		len = put_header(f, g.version, A_DEL, 3);
		len += good_state(f + len);
		gen_state(&s, 0);
		put_state(f + len, &s);
		f[len + ss - 8] = 7;		/* af byte */
		len += ss;
		g.e.states_del++;
		len += good_state(f + len);
		g.e.msg[A_DEL] += 3;
		g.e.bad[B_BAD_AF]++;
		break;
	default:	/* M_DIR */
		/* direction 0 (PF_INOUT), good, direction 3 (PF_FWD) */
		len = put_header(f, g.version, A_DEL, 3);
		gen_state(&s, 0);
		put_state(f + len, &s);
		f[len + ss - 6] = 0;		/* direction byte */
		len += ss;
		len += good_state(f + len);
		gen_state(&s, 0);
		put_state(f + len, &s);
		f[len + ss - 6] = 3;
		len += ss;
		g.e.states_del += 2;
		g.e.msg[A_DEL] += 3;
		g.e.bad[B_BAD_DIRECTION] += 2;
		break;
	}
	send_pfsync(f, len);
}

static size_t framed_two_states(uint8_t *);

/* A frame of two fresh states: DEL (legacy) or INS (framed) + EOF. */
static size_t
two_state_frame(uint8_t *f)
{
	struct gstate s;
	size_t len;
	unsigned i;

	if (g.version >= 5)
		return framed_two_states(f);
	len = put_header(f, g.version, A_DEL, 2);
	for (i = 0; i < 2; i++, len += state_size()) {
		gen_state(&s, 0);
		put_state(f + len, &s);
	}
	return len;
}

/* Packets the link/IP strip must reject before any pfsync parsing. */
static void
emit_link(const struct plan *pl)
{
	uint8_t f[FRAME_MAX], pkt[ETH_MIN + 8];
	size_t len, n;

	switch (pl->arg) {
	case LM_NOTPF:
		/* a TCP SYN, 179 -> 179: IP, but not protocol 240 */
		memset(f, 0, 20);
		be16(f, 179);			/* source port */
		be16(f + 2, 179);		/* destination port */
		be32(f + 4, rnd() & U32MAX);	/* sequence */
		f[12] = 0x50;			/* data offset 5 */
		f[13] = 0x02;			/* SYN */
		be16(f + 14, 16384);		/* window */
		send_ip(f, 20, 6, FR_NONE, 0);
		g.e.lbad[L_NOT_PFSYNC]++;
		break;
	case LM_FRAG_FIRST:
	case LM_FRAG_LATER:
		/* half of a 2-state DEL frame, split at byte 256 */
		len = two_state_frame(f);
		if (pl->arg == LM_FRAG_FIRST)
			send_ip(f, 256, 240, FR_FIRST, 0);
		else
			send_ip(f + 256, len - 256, 240, FR_LATER, 0);
		g.e.lbad[L_FRAGMENT]++;
		break;
	case LM_ARP:
		/* who-has 192.168.100.2 tell 192.168.100.1 */
		n = put_link(pkt, 0x0806, false);
		be16(pkt + n, 1);		/* htype Ethernet */
		be16(pkt + n + 2, 0x0800);	/* ptype IPv4 */
		pkt[n + 4] = 6;			/* hlen */
		pkt[n + 5] = 4;			/* plen */
		be16(pkt + n + 6, 1);		/* request */
		memcpy(pkt + n + 8, mac_self, 6);	/* sender MAC */
		be32(pkt + n + 14, 0xc0a86401);	/* sender IP */
		memset(pkt + n + 18, 0, 6);	/* target MAC unknown */
		be32(pkt + n + 24, 0xc0a86402);	/* target IP */
		n += 28;
		memset(pkt + n, 0, sizeof(pkt) - n);
		n = n < ETH_MIN ? ETH_MIN : n;
		pcap_record(pkt, n, n);
		g.e.lbad[L_NOT_IP]++;
		break;
	default:	/* LM_TRUNC */
		/* a good-looking DEL frame captured only 100 bytes deep */
		len = two_state_frame(f);
		send_ip(f, len, 240, FR_NONE, 100);
		g.e.lbad[L_TRUNCATED]++;
		break;
	}
}

/* ------------------------------------------------------------ plan */

static struct plan *plan;
static size_t nplan, capplan;

static void
plan_add(unsigned kind, unsigned arg, unsigned n, size_t first)
{
	if (nplan == capplan) {
		capplan = capplan ? capplan * 2 : 64;
		plan = realloc(plan, capplan * sizeof(*plan));
		if (plan == NULL)
			die("out of memory");
	}
	plan[nplan].kind = (uint8_t)kind;
	plan[nplan].arg = (uint8_t)arg;
	plan[nplan].n = (uint8_t)n;
	plan[nplan].first = first;
	nplan++;
}

/*
 * Give exactly round(n * pct / 100) of the regular states the property,
 * rather than tossing a coin each, so a 40-state sample has its 4 IPv6
 * states and not, by bad luck, none.
 */
static void
pick(unsigned bit, unsigned pct)
{
	uint64_t n = g.nstates, k, i, j, t, *idx;

	if (n == 0 || pct == 0)
		return;
	k = (n * pct + 50) / 100;
	if ((idx = malloc(n * sizeof(*idx))) == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = 0; i < k; i++) {
		j = rnd_range(i, n - 1);
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		state_flags[idx[i]] |= bit;
	}
	free(idx);
}

static void
build_plan(void)
{
	uint64_t i, k;
	size_t j;
	struct plan t;

	state_flags = calloc(g.nstates + 1, sizeof(*state_flags));
	if (state_flags == NULL)
		die("out of memory");
	pick(S_V6, g.v6_pct);
	pick(S_BIG, g.big_pct);
	pick(S_NAT, g.nat_pct);
	pick(S_ZERO, g.zero_pct);
	/* 1..6 states per DEL frame, as a 1500-byte MTU allows */
	for (i = 0; i < g.nstates; i += k) {
		k = rnd_range(1, 6);
		k = k < g.nstates - i ? k : g.nstates - i;
		plan_add(P_DEL, 0, (unsigned)k, i);
	}
	if (g.other) {
		plan_add(P_OTHER, A_INS, (unsigned)rnd_range(1, 6), 0);
		plan_add(P_OTHER, A_INS, (unsigned)rnd_range(1, 6), 0);
		plan_add(P_OTHER, A_UPD, (unsigned)rnd_range(1, 6), 0);
		plan_add(P_OTHER, A_UPD, (unsigned)rnd_range(1, 6), 0);
		plan_add(P_OTHER, A_UPD_C, (unsigned)rnd_range(1, 16), 0);
		plan_add(P_OTHER, A_UPD_C, (unsigned)rnd_range(1, 16), 0);
		plan_add(P_OTHER, A_DEL_C, (unsigned)rnd_range(1, 40), 0);
		plan_add(P_OTHER, A_DEL_C, (unsigned)rnd_range(1, 40), 0);
		plan_add(P_OTHER, A_CLR, 2, 0);		/* all ifs, then em0 */
		plan_add(P_OTHER, A_UREQ, 1, 0);	/* bulk request */
		plan_add(P_OTHER, A_UREQ, 3, 0);
		plan_add(P_OTHER, A_BUS, 1, 0);		/* bulk start */
		plan_add(P_OTHER, A_BUS, 1, 0);		/* bulk end */
		plan_add(P_OTHER, A_TDB, (unsigned)rnd_range(1, 3), 0);
	}
	if (g.malformed) {
		for (i = M_SHORT1; i <= M_DIR; i++)
			plan_add(P_MAL, (unsigned)i, 0, 0);
		/*
		 * On linktype 246 an IP header is only recognised when it
		 * carries protocol 240, so a TCP packet or an IPv6 fragment
		 * header there would read as a pfsync version 0x45/0x60:
		 * leave those cases to the links that say "IP" outright.
		 */
		if (link_has_ip() && g.link->kind != LK_PFSYNC_IP)
			plan_add(P_LINK, LM_NOTPF, 0, 0);
		if (link_has_ip() && !(g.link->kind == LK_PFSYNC_IP && g.ip6)) {
			plan_add(P_LINK, LM_FRAG_FIRST, 0, 0);
			plan_add(P_LINK, LM_FRAG_LATER, 0, 0);
		}
		if (link_is_eth())
			plan_add(P_LINK, LM_ARP, 0, 0);
		if (link_has_ip())
			plan_add(P_LINK, LM_TRUNC, 0, 0);
	}
	/* interleave everything, then lead with a good DEL frame */
	for (j = nplan; j > 1; j--) {
		k = rnd_range(0, j - 1);
		t = plan[j - 1];
		plan[j - 1] = plan[k];
		plan[k] = t;
	}
	for (j = 0; j < nplan; j++) {
		if (plan[j].kind == P_DEL) {
			t = plan[0];
			plan[0] = plan[j];
			plan[j] = t;
			break;
		}
	}
}

/* ------------------------------------------------------------ framed */

/* Sender flavours of the framed versions (wire-spec 5.7). */
enum { FL_LEGACY, FL_OB45, FL_FBSD, FL_OB6, FL_MAX };
static const char *const fl_name[FL_MAX] = {
	NULL, "openbsd45", "freebsd", "openbsd6"
};

static unsigned
flavour(void)
{
	switch (g.version) {
	case 5:
		return FL_OB45;
	case 6:
		return FL_OB6;
	case 1301:
	case 1400:
	case 1500:
		return FL_FBSD;
	}
	return FL_LEGACY;
}

static bool
framed(void)
{
	return g.version >= 5;
}

/* Full state of the framed layout: spec 5.4.1, 5.4.2, 6.1-6.3. */
static size_t
fstate_size(void)
{
	switch (g.version) {
	case 5:
		return 240;
	case 1301:
		return 242;
	case 1400:
		return 277;
	case 1500:
		return 360;
	}
	return 264;
}

/* Where af and direction sit, to spoil them on purpose. */
static size_t
fstate_af_off(void)
{
	return g.version == 1500 ? 344 : g.version == 6 ? 250 : 232;
}

static size_t
fstate_dir_off(void)
{
	return g.version == 1500 ? 351 : g.version == 6 ? 252 : 234;
}

/* The 36-byte key form (spec 3.4); the 40-byte one adds rdomain, af. */
static void
put_key36(uint8_t *p, const struct gkey *k)
{
	memcpy(p, k->addr[0], 16);
	memcpy(p + 16, k->addr[1], 16);
	be16(p + 32, k->port[0]);
	be16(p + 34, k->port[1]);
}

/* Lay a state out for the framed version in -V. */
static void
put_fstate(uint8_t *p, const struct gstate *s)
{
	const char *orig;
	size_t c;
	unsigned d;

	memset(p, 0, fstate_size());
	be64(p, s->id);				/* 0: id */
	memcpy(p + 8, s->ifname, strlen(s->ifname));	/* 8: ifname */
	if (g.version == 6) {
		/* 24: key[WIRE], 64: key[STACK], 40 bytes each */
		put_key36(p + 24, &s->key[SK_WIRE]);
		p[24 + 38] = s->af;		/* +36 rdomain 0, +38 af */
		put_key36(p + 64, &s->key[SK_STACK]);
		p[64 + 38] = s->af;
		put_peer(p + 104, s, 0);	/* 104: src */
		put_peer(p + 136, s, 1);	/* 136: dst */
		be32(p + 184, s->rule);		/* 168: rt_addr 0; 184 */
		be32(p + 188, 0xffffffff);	/* 188: anchor */
		be32(p + 192, 0xffffffff);	/* 192: nat_rule, always */
		be32(p + 196, s->creation);	/* 196: age */
		be32(p + 200, s->expire);	/* 200: seconds left */
		c = 204;
	} else {
		/* 24: key[WIRE], 60: key[STACK], 36 bytes each */
		put_key36(p + 24, &s->key[SK_WIRE]);
		put_key36(p + 60, &s->key[SK_STACK]);
		put_peer(p + 96, s, 0);
		put_peer(p + 128, s, 1);
		be32(p + 176, s->rule);
		be32(p + 180, 0xffffffff);
		be32(p + 184, s->nat_rule);
		be32(p + 188, s->creation);
		be32(p + 192, s->expire);
		c = 196;
	}
	/* packets[2][2] then bytes[2][2], high half first */
	for (d = 0; d < 2; d++) {
		be32(p + c + 8 * d, s->packets[d] >> 32);
		be32(p + c + 4 + 8 * d, s->packets[d]);
		be32(p + c + 16 + 8 * d, s->bytes[d] >> 32);
		be32(p + c + 20 + 8 * d, s->bytes[d]);
	}
	be32(p + c + 32, s->creatorid);		/* 228, or 236 in v6 */
	switch (g.version) {
	case 5:		/* OpenBSD 4.5, as v4 */
		p[232] = s->af;
		p[233] = s->proto;
		p[234] = s->direction;
		p[235] = s->log;
		p[237] = s->timeout;		/* 236 state_flags 0 */
		p[239] = s->updates;		/* 238 sync_flags 0 */
		break;
	case 1301:
	case 1400:
		p[232] = s->af;
		p[233] = s->proto;
		p[234] = s->direction;
		/*
		 * 1301: 235 spare[2], 238 state_flags (u8);
		 * 1400: 235 state_flags (BE16), 238 spare.
		 */
		p[237] = s->log;
		p[239] = s->timeout;
		p[241] = s->updates;		/* 240 sync_flags 0 */
		if (g.version == 1400) {
			/* 242 qid, 244 pqid, 246/248 dnpipes: 0 */
			be32(p + 250, 0xffffffff);	/* rtableid -1 */
			be16(p + 256, s->proto == 6 ? 1460 : 0); /* max_mss */
		}
		break;
	case 1500:
		/* 232 tagname, 296 rt_ifname empty; 312 orig_ifname */
		orig = strcmp(s->ifname, "all") == 0 ? "igb0" : s->ifname;
		memcpy(p + 312, orig, strlen(orig));
		be32(p + 328, 0xffffffff);	/* rtableid -1 */
		be16(p + 342, s->proto == 6 ? 1460 : 0);	/* max_mss */
		p[344] = s->af;			/* wire_af */
		p[345] = s->af;			/* stack_af */
		p[347] = s->proto;		/* wire_proto */
		p[348] = s->proto;		/* stack_proto */
		p[349] = s->log;
		p[350] = s->timeout;
		p[351] = s->direction;
		break;
	default:	/* 6 */
		be16(p + 248, s->proto == 6 ? 1460 : 0);	/* max_mss */
		p[250] = s->af;
		p[251] = s->proto;
		p[252] = s->direction;
		p[253] = s->log;
		p[255] = s->timeout;		/* 254 rt 0 */
		p[257] = s->updates;		/* 256 sync_flags 0 */
		be16(p + 260, s->log ? 0x0004 : 0);	/* state_flags */
		break;
	}
}

/* Framed header (spec 5.1); the length goes in when the frame is done. */
static size_t
put_fheader(uint8_t *f)
{
	memset(f, 0, 20);
	f[0] = g.version == 6 ? 6 : 5;
	if (g.version != 6)		/* the 2023 rewrite leaves it zero */
		memcpy(f + 4, g.chksum, 16);
	return 20;
}

/* Subheader: v6 says the message length in 32-bit words, v5 pads. */
static size_t
put_sub(uint8_t *p, unsigned action, size_t msize, unsigned count)
{
	p[0] = (uint8_t)action;
	p[1] = g.version == 6 ? (uint8_t)(msize / 4) : 0;
	be16(p + 2, count);
	return 4;
}

/* Size of a v5 message under one reading; 0 = unknown there. */
static size_t
v5_msize(unsigned action, bool freebsd)
{
	switch (action) {
	case 0:
		return 20;
	case 1:
	case 3:
	case 6:
		return freebsd ? 242 : 240;
	case 2:
	case 5:
	case 7:
	case 10:
		return 12;
	case 4:
		return 84;
	case 11:
		return 48;
	case 13:
	case 14:
		return freebsd ? 277 : 0;
	case 15:
	case 16:
		return freebsd ? 360 : 0;
	}
	return 0;
}

/* Does a v5 frame walk, section by section, to an EOF ending at len? */
static bool
v5_walks(const uint8_t *f, size_t len, bool freebsd)
{
	size_t off = 20, sz;

	while (off + 4 <= len) {
		if (f[off] == 12)
			return off + 4 == len;
		if ((sz = v5_msize(f[off], freebsd)) == 0)
			return false;
		off += 4 + sz * ((size_t)f[off + 2] << 8 | f[off + 3]);
	}
	return false;
}

/* Every framed frame that reaches the parser goes out through here. */
static void
send_framed(const uint8_t *f, size_t len)
{
	unsigned fl = flavour();
	size_t hl;
	bool fb = fl == FL_FBSD;

	if (len >= 20 && (hl = (size_t)f[2] << 8 | f[3]) >= 20) {
		g.e.flavour[fl]++;
		hl = hl < len ? hl : len;
		if (f[0] == 5 && !(v5_walks(f, hl, fb) && !v5_walks(f, hl, !fb)))
			g.e.v5_ambiguous++;
	}
	send_pfsync(f, len);
}

/* ------------------------------------------------------------ lifecycles */

/* Timeout index, its OpenBSD default and the span a state may have. */
static uint8_t
lc_timeout(uint8_t proto)
{
	return proto == 6 ? 2 : proto == 17 ? 8 : 9;
}

static uint32_t
lc_tsecs(uint8_t proto)
{
	return proto == 6 ? 86400 : proto == 17 ? 60 : 20;
}

static uint64_t
lc_limit_ms(uint8_t proto)
{
	return proto == 6 ? 86000000 : proto == 17 ? 50000 : 15000;
}

/* Make a generated state look like a live one of this sender. */
static void
lc_fix(struct gstate *s)
{
	if (s->af != 2 && framed())
		s->af = flavour() == FL_FBSD ? 28 : 24;
	s->timeout = lc_timeout(s->proto);
	s->expire = lc_tsecs(s->proto);
	s->creation = (uint32_t)rnd_range(0, 3);
}

/* A frame of two fresh states that no parser will see whole. */
static size_t
framed_two_states(uint8_t *f)
{
	size_t len = put_fheader(f), ss = fstate_size();
	struct gstate s;
	unsigned i;

	len += put_sub(f + len, g.version == 1400 || g.version == 6 ? 13 :
	    g.version == 1500 ? 15 : 1, ss, 2);
	for (i = 0; i < 2; i++, len += ss) {
		gen_state(&s, 0);
		lc_fix(&s);
		put_fstate(f + len, &s);
	}
	if (g.version != 6)
		len += put_sub(f + len, 12, 0, 1);
	be16(f + 2, len);
	return len;
}

/* Sections in the order a frame carries them (OpenBSD 1.218 order). */
enum sec {
	SEC_UREQ, SEC_PLUS, SEC_TDB, SEC_IACK, SEC_UPDC, SEC_DELC, SEC_INS,
	SEC_UPD, SEC_DEL, SEC_MAX
};
/* The "plus" section: nothing, CLR, BUS start, BUS end. */
enum { PL_NONE, PL_CLR, PL_BUS1, PL_BUS2 };

/* Events: a state's own, then the ones that belong to no state. */
enum {
	EV_INS, EV_UPDC, EV_UPD, EV_DELC, EV_DEL, EV_DUP,
	EV_UNK, EV_IACK, EV_UREQ0, EV_UREQ, EV_TDB
};

/* Malformations of framed frames: in a frame of the schedule ... */
enum {
	INJ_NONE, INJ_OVERRUN, INJ_BADACT, INJ_V6SHORT, INJ_AF, INJ_DIR,
	INJ_TRAIL
};
/* ... and frames of their own. */
enum {
	X_SHORT3, X_SHORT19, X_LENLT, X_LENGT, X_LEG, X_LINK, X_CLR
};

static unsigned
sec_of(unsigned ev)
{
	static const uint8_t t[] = {
		[EV_INS] = SEC_INS, [EV_UPDC] = SEC_UPDC, [EV_UPD] = SEC_UPD,
		[EV_DELC] = SEC_DELC, [EV_DEL] = SEC_DEL, [EV_DUP] = SEC_DELC,
		[EV_UNK] = SEC_DELC, [EV_IACK] = SEC_IACK,
		[EV_UREQ0] = SEC_UREQ, [EV_UREQ] = SEC_UREQ,
		[EV_TDB] = SEC_TDB
	};

	return t[ev];
}

/* Action number of a section (spec 4.2, 5.2, 6). */
static unsigned
sec_action(unsigned sec, unsigned plus)
{
	bool fr = framed();

	switch (sec) {
	case SEC_UREQ:
		return fr ? 5 : A_UREQ;
	case SEC_PLUS:
		return plus == PL_CLR ? 0 : fr ? 10 : A_BUS;
	case SEC_TDB:
		return g.version == 6 ? 15 : fr ? 11 : A_TDB;
	case SEC_IACK:
		return 2;
	case SEC_UPDC:
		return A_UPD_C;
	case SEC_DELC:
		return fr ? 7 : A_DEL_C;
	case SEC_INS:
		return g.version == 1400 || g.version == 6 ? 13 :
		    g.version == 1500 ? 15 : A_INS;
	case SEC_UPD:
		return g.version == 1400 || g.version == 6 ? 14 :
		    g.version == 1500 ? 16 : fr ? 3 : A_UPD;
	default:
		return fr ? 6 : A_DEL;
	}
}

/* Bytes of one message of a section. */
static size_t
sec_msize(unsigned sec, unsigned plus)
{
	bool fr = framed();

	switch (sec) {
	case SEC_UREQ:
	case SEC_IACK:
	case SEC_DELC:
		return fr ? 12 : 16;
	case SEC_PLUS:
		return plus == PL_CLR ? (fr ? 20 : 24) : (fr ? 12 : 16);
	case SEC_TDB:
		return g.version == 6 ? 52 : 48;
	case SEC_UPDC:
		return fr ? 84 : 88;
	default:
		return fr ? fstate_size() : state_size();
	}
}

/* One state's life. */
struct lstate {
	struct gstate	 s;		/* s.packets/bytes: final counters */
	uint64_t	 ipk[2], iby[2];	/* counters in the INS */
	uint64_t	 upk[2], uby[2];	/* counters in the full UPD */
	uint64_t	 ins_ms, first_ms, last_ms;
	uint32_t	 ins_due, ins_item, end_item;
	uint32_t	 cabs;		/* creation, seconds since the epoch */
	uint8_t		 nev, next, kind[9], off[9];
	uint8_t		 sim, run;	/* LS_*: in pass 1, in pass 2 */
	bool		 upd_seen;
};
enum { LS_NEW, LS_LIVE, LS_DELC, LS_DEL, LS_CLR };

/* Something due at a step: a message of no state, a frame, a spoiler. */
struct due {
	uint32_t	 due, seq;
	uint8_t		 kind, arg;
	uint32_t	 creator;
	uint64_t	 id;
};

/* One pcap record (or, legacy, one flush of several). */
enum { IT_FRAME, IT_EXTRA };
struct item {
	uint32_t	 ev0, nev;	/* slice of L.sent */
	uint8_t		 type, plus, inj, xkind, xarg, nrec;
};

struct vec {
	uint32_t	*v;
	size_t		 n, cap;
};

#define RING	256		/* > the furthest a next event is due */
#define SPEC	0x80000000u	/* event reference: L.spec[ref & ~SPEC] */

static struct {
	struct lstate	*st;
	size_t		 n;
	struct due	*spec, *extra, *inj;
	size_t		 nspec, capspec, nextra, ninj;
	struct item	*it;
	size_t		 nit, capit;
	struct vec	 sent;
	uint64_t	*rec_before;	/* records before item i */
	uint32_t	 clr_cr, clr_step, clr_item;
	bool		 clr_done;
	uint64_t	 bus_ms;
} L;

static void
vpush(struct vec *v, uint32_t x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		if ((v->v = realloc(v->v, v->cap * sizeof(*v->v))) == NULL)
			die("out of memory");
	}
	v->v[v->n++] = x;
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (p == NULL)
		die("out of memory");
	return p;
}

static struct due *
add_due(struct due **a, size_t *n, size_t *cap, uint32_t due, unsigned kind,
    unsigned arg)
{
	struct due *d;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		if ((*a = realloc(*a, *cap * sizeof(**a))) == NULL)
			die("out of memory");
	}
	d = &(*a)[*n];
	memset(d, 0, sizeof(*d));
	d->due = due;
	d->seq = (uint32_t)(*n)++;
	d->kind = (uint8_t)kind;
	d->arg = (uint8_t)arg;
	return d;
}

static int
cmp_due(const void *a, const void *b)
{
	const struct due *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct item *
add_item(unsigned type)
{
	struct item *it;

	if (L.nit == L.capit) {
		L.capit = L.capit ? L.capit * 2 : 256;
		if ((L.it = realloc(L.it, L.capit * sizeof(*L.it))) == NULL)
			die("out of memory");
	}
	it = &L.it[L.nit++];
	memset(it, 0, sizeof(*it));
	it->type = (uint8_t)type;
	it->ev0 = (uint32_t)L.sent.n;
	it->nrec = 1;
	return it;
}

/*
 * Exactly round(n * pct / 100) states get the bit, drawn from those
 * without any excl bit (all of them if there are fewer).
 */
static void
pick_among(unsigned bit, unsigned pct, unsigned excl)
{
	uint64_t n = g.nstates, k, i, j, t, m = 0, *idx;

	if (n == 0 || pct == 0)
		return;
	k = (n * pct + 50) / 100;
	idx = xcalloc(n, sizeof(*idx));
	for (i = 0; i < n; i++)
		if (!(state_flags[i] & excl))
			idx[m++] = i;
	k = k < m ? k : m;
	for (i = 0; i < k; i++) {
		j = rnd_range(i, m - 1);
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		state_flags[idx[i]] |= bit;
	}
	free(idx);
}

/* Counters of the INS (small) and of the full UPD, from the final ones. */
static void
lc_counters(struct lstate *ls, unsigned flags)
{
	const struct gstate *s = &ls->s;
	uint64_t minsz = s->af == 2 ? 28 : 48, p, b;
	unsigned d;

	for (d = 0; d < 2; d++) {
		ls->ipk[d] = ls->iby[d] = 0;
		if (s->packets[d] != 0 || s->bytes[d] != 0) {
			p = rnd_range(1, s->packets[d] < 3 ? s->packets[d] : 3);
			b = p * rnd_range(minsz, 1500);
			ls->ipk[d] = p;
			ls->iby[d] = b < s->bytes[d] ? b : s->bytes[d];
		}
		/* a full DEL follows: the bulk saw about half of it */
		ls->upk[d] = s->packets[d];
		ls->uby[d] = s->bytes[d];
		if (flags & S_FDEL) {
			ls->upk[d] /= 2;
			ls->uby[d] /= 2;
			if (ls->upk[d] < ls->ipk[d])
				ls->upk[d] = ls->ipk[d];
			if (ls->uby[d] < ls->iby[d])
				ls->uby[d] = ls->iby[d];
		}
	}
}

/*
 * Offsets, in steps after the INS, of a state's events: k UPD_C and
 * maybe the UPD at distinct steps, then its end (DEL_C or full DEL), then
 * maybe the duplicate DEL_C a few steps later.
 */
static void
lc_schedule(struct lstate *ls, unsigned flags, unsigned window)
{
	bool used[64] = { false };
	unsigned k = (unsigned)rnd_range(0, 5), u = !!(flags & S_UPD);
	unsigned e = (unsigned)rnd_range(k + u + 1, window), c, o, pos, j;

	for (c = 0; c < k + u; c++) {
		do
			o = (unsigned)rnd_range(1, e - 1);
		while (used[o]);
		used[o] = true;
	}
	pos = u ? (unsigned)(rnd() % (k + u)) : 99;
	ls->kind[0] = EV_INS;
	ls->off[0] = 0;
	for (o = 1, j = 1; o < e; o++) {
		if (!used[o])
			continue;
		ls->kind[j] = j - 1 == pos ? EV_UPD : EV_UPDC;
		ls->off[j++] = (uint8_t)o;
	}
	ls->kind[j] = flags & S_FDEL ? EV_DEL : EV_DELC;
	ls->off[j++] = (uint8_t)e;
	if (flags & S_DUP) {
		ls->kind[j] = EV_DUP;
		ls->off[j++] = (uint8_t)(e + rnd_range(1, 10));
	}
	ls->nev = (uint8_t)j;
}

static uint32_t
any_creator(void)
{
	return g.version == 2 ? g.creator[0] : g.creator[rnd() % 3];
}

/* Everything decided before the frames are packed. */
static void
lc_setup(void)
{
	size_t n = g.nstates, i, xcap = 0, icap = 0;
	uint32_t due = 0, last;
	unsigned window = framed() ? 40 : 25, f, j;
	struct due *d;

	L.n = n;
	L.st = xcalloc(n, sizeof(*L.st));
	state_flags = xcalloc(n + 1, sizeof(*state_flags));
	pick(S_V6, g.v6_pct);
	pick(S_BIG, g.big_pct);
	pick(S_NAT, g.nat_pct);
	pick(S_ZERO, g.zero_pct);
	pick_among(S_FDEL, g.fdel_pct, 0);
	pick_among(S_UPD, g.bulk_pct, 0);
	/* a big counter can only show in a full state after the INS */
	for (i = 0; i < n; i++)
		if ((state_flags[i] & (S_BIG | S_FDEL)) == S_BIG)
			state_flags[i] |= S_UPD;
	pick_among(S_DUP, g.dup_pct, S_FDEL);
	for (i = 0; i < n; i++) {
		struct lstate *ls = &L.st[i];

		f = state_flags[i];
		gen_state(&ls->s, f & (S_V6 | S_BIG | S_NAT | S_ZERO));
		lc_fix(&ls->s);
		lc_counters(ls, f);
		/* about 1.5 new states per step */
		if (i > 0)
			due += rnd() % 3 != 0;
		ls->ins_due = due;
		lc_schedule(ls, f, window);
	}
	last = due;
	for (i = 0; i < g.unknown_del; i++) {
		d = add_due(&L.spec, &L.nspec, &L.capspec,
		    (uint32_t)rnd_range(0, last), EV_UNK, 0);
		d->id = g.next_id;
		g.next_id += rnd_range(1, 64);
		d->creator = any_creator();
	}
	if (g.other) {
		static const uint8_t ev[] = {
			EV_IACK, EV_IACK, EV_IACK, EV_IACK, EV_UREQ0, EV_UREQ,
			EV_UREQ, EV_TDB, EV_TDB
		};

		/* legacy has no INS_ACK */
		for (j = framed() ? 0 : 4; j < sizeof(ev); j++) {
			d = add_due(&L.spec, &L.nspec, &L.capspec,
			    (uint32_t)rnd_range(0, last), ev[j], 0);
			if (ev[j] == EV_IACK || ev[j] == EV_UREQ) {
				/* about a state that exists (or will) */
				size_t k = n ? (size_t)rnd_range(0, n - 1) : 0;

				d->id = n ? L.st[k].s.id : g.next_id++;
				d->creator = n ? L.st[k].s.creatorid :
				    g.creator[1];
			}
		}
		add_due(&L.extra, &L.nextra, &xcap,
		    (uint32_t)rnd_range(0, last), X_CLR, 0);
	}
	if (g.malformed) {
		if (framed()) {
			for (j = X_SHORT3; j <= X_LENGT; j++)
				add_due(&L.extra, &L.nextra, &xcap,
				    (uint32_t)rnd_range(0, last), j, 0);
			for (j = INJ_OVERRUN; j <= INJ_TRAIL; j++)
				if (j != INJ_V6SHORT || g.version == 6)
					add_due(&L.inj, &L.ninj, &icap,
					    (uint32_t)rnd_range(0, last), j,
					    0);
		} else {
			for (j = M_SHORT1; j <= M_DIR; j++)
				add_due(&L.extra, &L.nextra, &xcap,
				    (uint32_t)rnd_range(0, last), X_LEG, j);
		}
		/* the link cases of build_plan(), for the same reasons */
		if (link_has_ip() && g.link->kind != LK_PFSYNC_IP)
			add_due(&L.extra, &L.nextra, &xcap,
			    (uint32_t)rnd_range(0, last), X_LINK, LM_NOTPF);
		if (link_has_ip() && !(g.link->kind == LK_PFSYNC_IP && g.ip6))
			for (j = LM_FRAG_FIRST; j <= LM_FRAG_LATER; j++)
				add_due(&L.extra, &L.nextra, &xcap,
				    (uint32_t)rnd_range(0, last), X_LINK, j);
		if (link_is_eth())
			add_due(&L.extra, &L.nextra, &xcap,
			    (uint32_t)rnd_range(0, last), X_LINK, LM_ARP);
		if (link_has_ip())
			add_due(&L.extra, &L.nextra, &xcap,
			    (uint32_t)rnd_range(0, last), X_LINK, LM_TRUNC);
	}
	if (g.clr) {
		L.clr_cr = any_creator();
		L.clr_step = n ? L.st[rnd_range(n / 4, 3 * n / 4)].ins_due : 0;
	}
	if (L.nspec > 0)
		qsort(L.spec, L.nspec, sizeof(*L.spec), cmp_due);
	if (L.nextra > 0)
		qsort(L.extra, L.nextra, sizeof(*L.extra), cmp_due);
	if (L.ninj > 0)
		qsort(L.inj, L.ninj, sizeof(*L.inj), cmp_due);
}

static unsigned
ref_kind(uint32_t r)
{
	return r & SPEC ? L.spec[r & ~SPEC].kind : L.st[r >> 4].kind[r & 15];
}

/* What is in a frame being packed. */
struct fill {
	unsigned	cnt[SEC_MAX], plus;
	size_t		reserve;
};

static size_t
fill_size(const struct fill *fi)
{
	size_t n = 20 + (g.version == 6 ? 0 : 4) + fi->reserve;
	unsigned sec;

	for (sec = 0; sec < SEC_MAX; sec++)
		if (sec == SEC_PLUS ? fi->plus != PL_NONE : fi->cnt[sec] > 0)
			n += 4 + (sec == SEC_PLUS ? 1 : fi->cnt[sec]) *
			    sec_msize(sec, fi->plus);
	return n;
}

/* Room for one more message of sec?  Legacy: one packet per section. */
static bool
fits(const struct fill *fi, unsigned sec)
{
	size_t m = sec_msize(sec, PL_NONE);

	if (framed())
		return fill_size(fi) + (fi->cnt[sec] ? 0 : 4) + m <= 1500;
	return hdr_size(g.version) + (fi->cnt[sec] + 1) * m <= 1500 &&
	    fi->cnt[sec] < 255;
}

static size_t
inj_reserve(unsigned inj)
{
	bool v6 = g.version == 6;

	switch (inj) {
	case INJ_OVERRUN:
		return 28;
	case INJ_BADACT:
		return v6 ? 28 : 16;
	case INJ_V6SHORT:
		return 264;
	case INJ_AF:
		return fstate_size();
	case INJ_DIR:
		return 2 * fstate_size();
	default:
		return v6 ? 3 : 7;
	}
}

/*
 * Can the frame take the malformation?  Bad states go into a state
 * section; the others want a section that survives pass 2 (a DEL_C might
 * be a lost one) next to them.  In version 5 a frame that no longer walks
 * to its EOF does not tell OpenBSD 4.5 from FreeBSD 1301, so those
 * malformations go only where there is no full state (240 or 242 bytes)
 * to misread: what a parser decodes of them is the same either way.
 */
static bool
inj_ok(unsigned inj, const struct fill *fi)
{
	unsigned sec;

	if (inj == INJ_AF || inj == INJ_DIR)
		return fi->cnt[SEC_INS] > 0 || fi->cnt[SEC_UPD] > 0;
	if (g.version != 6 && inj != INJ_V6SHORT &&
	    (fi->cnt[SEC_INS] || fi->cnt[SEC_UPD] || fi->cnt[SEC_DEL]))
		return false;
	if (fi->plus != PL_NONE)
		return true;
	for (sec = 0; sec < SEC_MAX; sec++)
		if (sec != SEC_DELC && fi->cnt[sec] > 0)
			return true;
	return false;
}

/* Pass 1: a CLR ends every live state of its creator, now. */
static void
sim_clear(void)
{
	size_t i;

	for (i = 0; i < L.n; i++) {
		struct lstate *ls = &L.st[i];

		if (ls->s.creatorid != L.clr_cr)
			continue;
		if (ls->sim == LS_LIVE) {
			ls->sim = LS_CLR;
			ls->end_item = (uint32_t)L.nit;
			ls->next = ls->nev;	/* the rest is void */
		} else if (ls->sim == LS_DELC)
			ls->next = ls->nev;	/* no duplicate DEL_C */
	}
}

/* Pass 1: a state's event went into the frame of this step. */
static void
sim_take(uint32_t r, uint32_t step, struct vec *ring, size_t *ringn)
{
	struct lstate *ls;
	unsigned j, k;
	uint32_t due;

	vpush(&L.sent, r);
	if (r & SPEC)
		return;
	ls = &L.st[r >> 4];
	j = r & 15;
	k = ls->kind[j];
	if (k == EV_INS) {
		ls->sim = LS_LIVE;
		ls->ins_item = (uint32_t)L.nit;
	} else if (k == EV_DELC || k == EV_DEL) {
		ls->sim = k == EV_DELC ? LS_DELC : LS_DEL;
		ls->end_item = (uint32_t)L.nit;
	}
	ls->next = (uint8_t)(j + 1);
	if (ls->next < ls->nev) {
		due = ls->ins_due + ls->off[ls->next];
		due = due > step ? due : step + 1;
		vpush(&ring[due % RING], (uint32_t)((r >> 4) << 4 | ls->next));
		(*ringn)++;
	}
}

/*
 * Pass 1: pack the events into frames, step by step.  Events that do not
 * fit wait for the next step, oldest first; a state's next event becomes
 * due no earlier than the step after its previous one, so each frame has
 * at most one event of a state and a state's events stay in order.
 */
static void
simulate(void)
{
	struct vec ring[RING], cand = { 0 }, carry = { 0 }, *b;
	size_t ringn = 0, ni = 0, ns = 0, nx = 0, nj = 0, c, m;
	unsigned ep_len = 0, ep_max = 0, inj, k, sec;
	uint32_t step, r, ev0;
	bool bulk = false, hasupd, updok, idle;
	struct fill fi;
	struct item *it;

	memset(ring, 0, sizeof(ring));
	for (step = 0;; step++) {
		if (ni == L.n && ns == L.nspec && nx == L.nextra &&
		    ringn == 0 && carry.n == 0 && !bulk &&
		    (!g.clr || L.clr_done))
			break;
		/* frames of their own due now go first */
		while (nx < L.nextra && L.extra[nx].due <= step) {
			it = add_item(IT_EXTRA);
			it->xkind = L.extra[nx].kind;
			it->xarg = L.extra[nx++].arg;
		}
		cand.n = 0;
		for (c = 0; c < carry.n; c++)
			vpush(&cand, carry.v[c]);
		carry.n = 0;
		b = &ring[step % RING];
		for (c = 0; c < b->n; c++)
			vpush(&cand, b->v[c]);
		ringn -= b->n;
		b->n = 0;
		for (; ni < L.n && L.st[ni].ins_due <= step; ni++)
			vpush(&cand, (uint32_t)(ni << 4));
		for (; ns < L.nspec && L.spec[ns].due <= step; ns++)
			vpush(&cand, SPEC | (uint32_t)ns);

		memset(&fi, 0, sizeof(fi));
		if (g.clr && !L.clr_done && step >= L.clr_step) {
			fi.plus = PL_CLR;
			L.clr_item = (uint32_t)L.nit;
			sim_clear();
			L.clr_done = true;
		}
		/* drop what a CLR made void */
		for (c = m = 0, hasupd = false; c < cand.n; c++) {
			r = cand.v[c];
			if (!(r & SPEC) && (r & 15) != L.st[r >> 4].next)
				continue;
			hasupd |= ref_kind(r) == EV_UPD;
			cand.v[m++] = r;
		}
		cand.n = m;
		/*
		 * Full UPDs go only inside a bulk update: BUS start opens
		 * it in the plus section of a frame with UPDs; BUS end
		 * closes it 5..60 steps later, or once nothing at all is
		 * left (the UPDs of that frame wait for the next bulk).
		 */
		updok = false;
		if (bulk) {
			idle = ni == L.n && ns == L.nspec && ringn == 0 &&
			    cand.n == 0;
			if ((ep_len < ep_max && !idle) || fi.plus != PL_NONE) {
				updok = true;
				ep_len++;
			} else {
				fi.plus = PL_BUS2;
				bulk = false;
			}
		} else if (hasupd && fi.plus == PL_NONE) {
			fi.plus = PL_BUS1;
			bulk = true;
			ep_len = 1;
			ep_max = (unsigned)rnd_range(5, 60);
			updok = true;
		}
		inj = INJ_NONE;
		if (nj < L.ninj && L.inj[nj].due <= step) {
			inj = L.inj[nj].kind;
			fi.reserve = inj_reserve(inj);
		}
		ev0 = (uint32_t)L.sent.n;
		for (c = 0; c < cand.n; c++) {
			r = cand.v[c];
			k = ref_kind(r);
			sec = sec_of(k);
			if ((k == EV_UPD && !updok) || !fits(&fi, sec)) {
				vpush(&carry, r);
				continue;
			}
			fi.cnt[sec]++;
			sim_take(r, step, ring, &ringn);
		}
		if (L.sent.n == ev0 && fi.plus == PL_NONE)
			continue;
		it = add_item(IT_FRAME);
		it->ev0 = ev0;
		it->nev = (uint32_t)L.sent.n - ev0;
		it->plus = (uint8_t)fi.plus;
		if (inj != INJ_NONE && inj_ok(inj, &fi)) {
			it->inj = (uint8_t)inj;
			nj++;
		}
		if (!framed())
			for (sec = 0, it->nrec = 0; sec < SEC_MAX; sec++)
				it->nrec += sec == SEC_PLUS ?
				    fi.plus != PL_NONE : fi.cnt[sec] > 0;
	}
	/* malformations no frame took get a frame with an INS_ACK */
	for (; nj < L.ninj; nj++) {
		struct due *d = add_due(&L.spec, &L.nspec, &L.capspec, 0,
		    EV_IACK, 0);

		d->id = g.next_id;
		g.next_id += rnd_range(1, 64);
		d->creator = g.creator[0];
		it = add_item(IT_FRAME);
		vpush(&L.sent, SPEC | (uint32_t)(L.nspec - 1));
		it->nev = 1;
		it->inj = L.inj[nj].kind;
	}
	for (c = 0; c < RING; c++)
		free(ring[c].v);
	free(cand.v);
	free(carry.v);
}

/*
 * Between the passes: bound every span by 50 ms a record, check the ended
 * states, and choose the lost ones among those whose span to the end of
 * the capture stays under their limit.
 */
static void
choose_lost(void)
{
	uint64_t total, k, i, j, t, m = 0, *idx;
	size_t n = L.n;

	L.rec_before = xcalloc(L.nit + 1, sizeof(*L.rec_before));
	for (i = 0; i < L.nit; i++)
		L.rec_before[i + 1] = L.rec_before[i] + L.it[i].nrec;
	total = L.rec_before[L.nit];
	idx = xcalloc(n, sizeof(*idx));
	for (i = 0; i < n; i++) {
		struct lstate *ls = &L.st[i];
		uint64_t lim = lc_limit_ms(ls->s.proto);

		if (ls->sim == LS_NEW || ls->sim == LS_LIVE)
			die("internal: state %" PRIu64 " never ended", i);
		if ((L.rec_before[ls->end_item + 1] -
		    L.rec_before[ls->ins_item]) * 50 >= lim)
			die("internal: state %" PRIu64 " lives too long", i);
		if (ls->sim != LS_DELC ||
		    (state_flags[i] & (S_DUP | S_FDEL)) != 0)
			continue;
		if (g.clr && ls->s.creatorid == L.clr_cr &&
		    ls->ins_item < L.clr_item)
			continue;
		if ((total - L.rec_before[ls->ins_item]) * 50 >= lim)
			continue;
		idx[m++] = i;
	}
	k = n ? ((uint64_t)n * g.lost_pct + 50) / 100 : 0;
	k = k < m ? k : m;
	for (i = 0; i < k; i++) {
		j = rnd_range(i, m - 1);
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		state_flags[idx[i]] |= S_LOST;
	}
	free(idx);
}

/* Pass 2: flows of a state that ends now with its last-known counters. */
static void
lc_end(struct lstate *ls, unsigned how, uint64_t ms)
{
	if (ms - ls->ins_ms >= lc_limit_ms(ls->s.proto))
		die("internal: a state outlived its timeout");
	ls->run = (uint8_t)how;
	expect_flows(&ls->s, ls->upd_seen ? ls->upk : ls->ipk,
	    ls->upd_seen ? ls->uby : ls->iby, ls->first_ms, ls->last_ms,
	    false);
}

/* A full state of a lifecycle, with the counters and times it has now. */
static void
lc_put_full(uint8_t *m, const struct lstate *ls, const uint64_t *pk,
    const uint64_t *by, uint32_t creation, uint32_t expire)
{
	struct gstate t = ls->s;

	t.packets[0] = pk[0];
	t.packets[1] = pk[1];
	t.bytes[0] = by[0];
	t.bytes[1] = by[1];
	t.creation = creation;
	t.expire = expire;
	if (framed())
		put_fstate(m, &t);
	else
		put_state(m, &t);
}

/* id + creatorid, the start of DEL_C, INS_ACK and UPD_REQ. */
static void
put_idc(uint8_t *m, uint64_t id, uint32_t creator)
{
	be64(m, id);
	be32(m + 8, creator);
}

/* Pass 2: write one message of an event arriving at ms, and apply it. */
static void
put_event(uint8_t *m, uint32_t r, uint64_t ms)
{
	struct lstate *ls;
	struct due *d;
	struct gstate t;
	size_t sz = sec_msize(sec_of(ref_kind(r)), PL_NONE);

	memset(m, 0, sz);
	if (r & SPEC) {
		d = &L.spec[r & ~SPEC];
		switch (d->kind) {
		case EV_UNK:
			put_idc(m, d->id, d->creator);
			if (!framed())
				m[12] = m[13] = 10;	/* TCPS_TIME_WAIT */
			g.e.msg[A_DEL_C]++;
			g.e.unknown++;
			break;
		case EV_IACK:
			put_idc(m, d->id, d->creator);
			g.e.ins_ack++;
			break;
		case EV_UREQ0:
		case EV_UREQ:
			/* {0, 0} asks for a bulk update */
			put_idc(m, d->id, d->creator);
			if (framed())
				g.e.upd_req++;
			else
				g.e.msg[A_UREQ]++;
			break;
		default:	/* EV_TDB, spec 4.4 / 5.3 */
			be32(m, rnd() & U32MAX);	/* spi */
			m[4] = 16;			/* sa_len */
			m[5] = 2;			/* AF_INET */
			be32(m + 8, 0xc0a86402);	/* sin_addr */
			if (g.version == 6) {
				be64(m + 32, rnd_range(1, 100000));	/* rpl */
				be64(m + 40, rnd_range(1, 1 << 30));
				m[48] = 50;		/* ESP */
				m[49] = 1;
			} else {
				be32(m + 32, rnd_range(1, 100000));
				be64(m + 36, rnd_range(1, 1 << 30));
				m[44] = 50;
				m[45] = 1;
			}
			g.e.msg[A_TDB]++;
		}
		return;
	}
	ls = &L.st[r >> 4];
	switch (ls->kind[r & 15]) {
	case EV_INS:
		lc_put_full(m, ls, ls->ipk, ls->iby, ls->s.creation,
		    ls->s.expire);
		ls->run = LS_LIVE;
		ls->ins_ms = ls->last_ms = ms;
		ls->first_ms = ms - (uint64_t)ls->s.creation * 1000;
		ls->cabs = (uint32_t)(ms / 1000 - ls->s.creation);
		g.e.msg[A_INS]++;
		break;
	case EV_UPD:
		lc_put_full(m, ls, ls->upk, ls->uby,
		    (uint32_t)(ms / 1000 - ls->cabs), ls->s.expire);
		if (ls->run != LS_LIVE)
			die("internal: UPD of a dead state");
		ls->last_ms = ms;
		ls->upd_seen = true;
		g.e.msg[A_UPD]++;
		break;
	case EV_UPDC:
		/* the peers reflect the counters known so far */
		t = ls->s;
		memcpy(t.packets, ls->upd_seen ? ls->upk : ls->ipk,
		    sizeof(t.packets));
		be64(m, t.id);			/* 0: id */
		put_peer(m + 8, &t, 0);		/* 8: src */
		put_peer(m + 40, &t, 1);	/* 40: dst */
		be32(m + 72, t.creatorid);	/* 72: creatorid */
		if (!framed()) {
			be32(m + 76, t.expire);	/* 76: legacy only */
			m[81] = t.updates;
		}
		m[80] = t.timeout;		/* 80: timeout */
		if (ls->run != LS_LIVE)
			die("internal: UPD_C of a dead state");
		ls->last_ms = ms;
		g.e.msg[A_UPD_C]++;
		break;
	case EV_DELC:
	case EV_DUP:
		put_idc(m, ls->s.id, ls->s.creatorid);
		if (!framed())
			m[12] = m[13] = ls->s.proto == 6 ? 10 : 2;
		g.e.msg[A_DEL_C]++;
		if (ls->kind[r & 15] == EV_DUP) {
			if (ls->run != LS_DELC)
				die("internal: duplicate of a live state");
			g.e.dups++;
			break;
		}
		if (ls->run != LS_LIVE)
			die("internal: DEL_C of a dead state");
		g.e.ended_delc++;
		lc_end(ls, LS_DELC, ms);
		break;
	default:	/* EV_DEL: final counters, first from the entry */
		lc_put_full(m, ls, ls->s.packets, ls->s.bytes,
		    (uint32_t)(ms / 1000 - ls->cabs), 0);
		if (ls->run != LS_LIVE)
			die("internal: DEL of a dead state");
		if (ms - ls->ins_ms >= lc_limit_ms(ls->s.proto))
			die("internal: a state outlived its timeout");
		ls->run = LS_DEL;
		g.e.msg[A_DEL]++;
		g.e.states_del++;
		expect_flows(&ls->s, ls->s.packets, ls->s.bytes,
		    ls->first_ms, ms, true);
	}
}

/* Pass 2: the CLR or BUS message of a frame, and what a CLR ends. */
static void
put_plus(uint8_t *m, unsigned plus, uint64_t ms)
{
	size_t i;

	memset(m, 0, sec_msize(SEC_PLUS, plus));
	if (plus != PL_CLR) {
		be32(m, g.creator[0]);		/* 0: creatorid */
		if (plus == PL_BUS1)
			L.bus_ms = ms;
		/* 4: endtime, seconds since the request */
		be32(m + 4, plus == PL_BUS1 ? 0 : (ms - L.bus_ms) / 1000);
		m[8] = plus == PL_BUS1 ? 1 : 2;	/* 8: status */
		g.e.msg[A_BUS]++;
		return;
	}
	be32(m + 16, L.clr_cr);		/* ifname "" = every interface */
	g.e.msg[A_CLR]++;
	for (i = 0; i < L.n; i++)
		if (L.st[i].run == LS_LIVE && L.st[i].s.creatorid == L.clr_cr) {
			g.e.ended_clr++;
			lc_end(&L.st[i], LS_CLR, ms);
		}
}

/* A fresh state spoilt on purpose: af 7, or direction 0 or 3. */
static void
put_bad_state(uint8_t *m, unsigned inj, unsigned n)
{
	struct gstate s;

	gen_state(&s, 0);
	lc_fix(&s);
	put_fstate(m, &s);
	if (inj == INJ_AF) {
		m[fstate_af_off()] = 7;
		if (g.version == 1500)
			m[345] = 7;		/* stack_af */
		if (g.version == 6)
			m[24 + 38] = m[64 + 38] = 7;	/* key af */
		g.e.bad[B_BAD_AF]++;
	} else {
		m[fstate_dir_off()] = n == 0 ? 0 : 3;
		g.e.bad[B_BAD_DIRECTION]++;
	}
}

/* The events of an item, by section, leaving out the lost DEL_Cs. */
#define SEC_CAP	128
static void
gather(const struct item *it, uint32_t by[SEC_MAX][SEC_CAP],
    unsigned cnt[SEC_MAX])
{
	uint32_t i, r;
	unsigned sec;

	memset(cnt, 0, SEC_MAX * sizeof(*cnt));
	for (i = 0; i < it->nev; i++) {
		r = L.sent.v[it->ev0 + i];
		if (!(r & SPEC) && L.st[r >> 4].kind[r & 15] == EV_DELC &&
		    (state_flags[r >> 4] & S_LOST))
			continue;
		sec = sec_of(ref_kind(r));
		if (cnt[sec] == SEC_CAP)
			die("internal: section overflow");
		by[sec][cnt[sec]++] = r;
	}
}

/* Pass 2: one framed frame, malformed as planned. */
static void
emit_fframe(const struct item *it)
{
	static uint32_t by[SEC_MAX][SEC_CAP];
	unsigned cnt[SEC_MAX], sec, i, nbad = 0, tsec = SEC_MAX, pos = 0;
	uint8_t f[FRAME_MAX];
	size_t len, msz;
	uint64_t ms;
	bool v6 = g.version == 6, eof = !v6;
	struct gstate s;

	gather(it, by, cnt);
	for (sec = 0, i = it->plus != PL_NONE; sec < SEC_MAX; sec++)
		i += cnt[sec];
	if (i == 0 && it->inj == INJ_NONE)
		return;			/* only lost DEL_Cs were in it */
	tick();
	ms = arrival_ms();
	len = put_fheader(f);
	if (it->inj == INJ_AF || it->inj == INJ_DIR) {
		nbad = it->inj == INJ_AF ? 1 : 2;
		tsec = cnt[SEC_INS] || !cnt[SEC_UPD] ? SEC_INS : SEC_UPD;
		pos = cnt[tsec] > 0;
	}
	if (v6 && it->inj == INJ_BADACT) {
		/* unknown action 20: skipped by its word length */
		f[len] = 20;
		f[len + 1] = 3;
		be16(f + len + 2, 2);
		rnd_bytes(f + len + 4, 24);
		len += 28;
		g.e.bad[B_BAD_ACTION]++;
	} else if (it->inj == INJ_V6SHORT) {
		/* an INS section saying 65 words: shorter than a state */
		f[len] = (uint8_t)sec_action(SEC_INS, PL_NONE);
		f[len + 1] = 65;
		be16(f + len + 2, 1);
		gen_state(&s, 0);
		lc_fix(&s);
		put_fstate(f + len + 4, &s);
		len += 4 + 260;
		g.e.bad[B_BAD_LEN]++;
	}
	for (sec = 0; sec < SEC_MAX; sec++) {
		unsigned n = cnt[sec] + (sec == tsec ? nbad : 0), b = 0;
		unsigned slot;

		if (sec == SEC_PLUS) {
			if (it->plus == PL_NONE)
				continue;
			msz = sec_msize(sec, it->plus);
			len += put_sub(f + len, sec_action(sec, it->plus),
			    msz, 1);
			put_plus(f + len, it->plus, ms);
			len += msz;
			continue;
		}
		if (n == 0)
			continue;
		msz = sec_msize(sec, PL_NONE);
		len += put_sub(f + len, sec_action(sec, PL_NONE), msz, n);
		i = 0;
		for (slot = 0; slot < n; slot++, len += msz) {
			/* af: after the first good state; direction: ends */
			if (sec == tsec && (it->inj == INJ_AF ? slot == pos :
			    slot == 0 || slot == n - 1)) {
				put_bad_state(f + len, it->inj, b++);
				g.e.msg[sec == SEC_INS ? A_INS : A_UPD]++;
			} else
				put_event(f + len, by[sec][i++], ms);
		}
	}
	if (it->inj == INJ_OVERRUN) {
		/* DEL_C count 5, two messages present, frame ends */
		len += put_sub(f + len, sec_action(SEC_DELC, PL_NONE), 12, 5);
		for (i = 0; i < 2; i++, len += 12) {
			put_idc(f + len, g.next_id, any_creator());
			g.next_id += rnd_range(1, 64);
		}
		eof = false;
		g.e.bad[B_BAD_LEN]++;
	} else if (!v6 && it->inj == INJ_BADACT) {
		/* v5 action 17: the parser stops, EOF unseen */
		len += put_sub(f + len, 17, 0, 1);
		rnd_bytes(f + len, 12);
		len += 12;
		len += put_sub(f + len, 12, 0, 1);
		eof = false;
		g.e.bad[B_BAD_ACTION]++;
	}
	if (eof) {
		len += put_sub(f + len, 12, 0, 1);	/* EOF */
		g.e.eof++;
	}
	if (it->inj == INJ_TRAIL) {
		rnd_bytes(f + len, v6 ? 3 : 7);	/* inside the length */
		len += v6 ? 3 : 7;
		g.e.bad[B_TRAILING]++;
	}
	be16(f + 2, len);
	send_framed(f, len);
}

/* Pass 2: a legacy flush, one packet per section, each its own tick. */
static void
emit_lframe(const struct item *it)
{
	static uint32_t by[SEC_MAX][SEC_CAP];
	unsigned cnt[SEC_MAX], sec, i;
	uint8_t f[FRAME_MAX];
	size_t len, msz;

	gather(it, by, cnt);
	for (sec = 0; sec < SEC_MAX; sec++) {
		if (sec == SEC_PLUS ? it->plus == PL_NONE : cnt[sec] == 0)
			continue;
		tick();
		if (sec == SEC_PLUS) {
			len = put_header(f, g.version,
			    sec_action(sec, it->plus), 1);
			put_plus(f + len, it->plus, arrival_ms());
			send_pfsync(f, len + sec_msize(sec, it->plus));
			continue;
		}
		msz = sec_msize(sec, PL_NONE);
		len = put_header(f, g.version, sec_action(sec, PL_NONE),
		    cnt[sec]);
		for (i = 0; i < cnt[sec]; i++, len += msz)
			put_event(f + len, by[sec][i], arrival_ms());
		send_pfsync(f, len);
	}
}

/* Pass 2: a frame of its own (malformed, link-level, a CLR of nobody). */
static void
emit_extra(const struct item *it)
{
	struct plan pl;
	uint8_t f[FRAME_MAX];
	size_t len, ss = fstate_size();
	struct gstate s;

	memset(&pl, 0, sizeof(pl));
	pl.arg = it->xarg;
	tick();
	switch (it->xkind) {
	case X_LEG:
		pl.kind = P_MAL;
		emit_mal(&pl);
		return;
	case X_LINK:
		pl.kind = P_LINK;
		emit_link(&pl);
		return;
	case X_CLR:
		/* a creator with no states, on em0 only */
		len = framed() ? put_fheader(f) : put_header(f, g.version,
		    A_CLR, 1);
		if (framed())
			len += put_sub(f + len, 0, 20, 1);
		memset(f + len, 0, 24);
		memcpy(f + len, "em0", 3);
		be32(f + len + 16, g.clr_creator);
		len += framed() ? 20 : 24;
		g.e.msg[A_CLR]++;
		if (!framed()) {
			send_pfsync(f, len);
			return;
		}
		if (g.version != 6) {
			len += put_sub(f + len, 12, 0, 1);
			g.e.eof++;
		}
		be16(f + 2, len);
		break;
	case X_SHORT3:
		len = put_fheader(f);
		len = 3;
		g.e.bad[B_SHORT_HEADER]++;
		break;
	case X_SHORT19:
		len = put_fheader(f);
		be16(f + 2, 19);
		len = 19;
		g.e.bad[B_SHORT_HEADER]++;
		break;
	case X_LENLT:
		/* length 12 in front of a sound INS + EOF: nothing counts */
		len = put_fheader(f);
		len += put_sub(f + len, sec_action(SEC_INS, PL_NONE), ss, 1);
		gen_state(&s, 0);
		lc_fix(&s);
		put_fstate(f + len, &s);
		len += ss;
		if (g.version != 6)
			len += put_sub(f + len, 12, 0, 1);
		be16(f + 2, 12);
		g.e.bad[B_BAD_LEN]++;
		break;
	default:	/* X_LENGT: the header alone, saying more */
		len = put_fheader(f);
		be16(f + 2, 20 + 4 + ss);
		g.e.bad[B_BAD_LEN]++;
		break;
	}
	send_framed(f, len);
}

/* Pass 2: everything, then the states nobody ended. */
static void
emit_lifecycles(void)
{
	size_t i;
	uint64_t ms;

	for (i = 0; i < L.nit; i++) {
		const struct item *it = &L.it[i];

		if (it->type == IT_EXTRA)
			emit_extra(it);
		else if (framed())
			emit_fframe(it);
		else
			emit_lframe(it);
	}
	ms = arrival_ms();
	for (i = 0; i < L.n; i++) {
		struct lstate *ls = &L.st[i];

		if (ls->run == LS_LIVE) {
			if (!(state_flags[i] & S_LOST))
				die("internal: state %zu left alive", i);
			g.e.flushed++;
			lc_end(ls, LS_LIVE, ms);
		} else if (state_flags[i] & S_LOST)
			die("internal: lost state %zu ended", i);
	}
}

static void
lc_free(void)
{
	free(L.st);
	free(L.spec);
	free(L.extra);
	free(L.inj);
	free(L.it);
	free(L.sent.v);
	free(L.rec_before);
}

/* ------------------------------------------------------------ files */

static FILE *
open_out(const char *name, const char *mode)
{
	FILE *fp;

	if (strcmp(name, "-") == 0)
		return stdout;
	if ((fp = fopen(name, mode)) == NULL)
		die("%s: %s", name, strerror(errno));
	return fp;
}

static void
close_out(FILE *fp, const char *name)
{
	int bad = ferror(fp);

	if (fp == stdout)
		bad |= fflush(fp);
	else
		bad |= fclose(fp);
	if (bad)
		die("%s: write: %s", name, strerror(errno));
}

static void
kv(FILE *fp, const char *prefix, const char *key, uint64_t v)
{
	fprintf(fp, "%s%s %" PRIu64 "\n", prefix, key, v);
}

static void
write_expect(void)
{
	FILE *fp;
	unsigned i;

	if (g.expect == NULL)
		return;
	fp = open_out(g.expect, "w");
	kv(fp, "", "states_del", g.e.states_del);
	kv(fp, "", "flows", g.e.flows);
	kv(fp, "", "flows_v4", g.e.flows_v4);
	kv(fp, "", "flows_v6", g.e.flows_v6);
	kv(fp, "", "zero_directions", g.e.zero_dirs);
	kv(fp, "", "records_v5", g.e.records_v5);
	kv(fp, "", "packets_v4", g.e.packets_v4);
	kv(fp, "", "bytes_v4", g.e.bytes_v4);
	kv(fp, "", "packets_v6", g.e.packets_v6);
	kv(fp, "", "bytes_v6", g.e.bytes_v6);
	kv(fp, "", "frames", g.e.frames);
	kv(fp, "", "pfsync_frames", g.e.pfsync_frames);
	for (i = 0; i < A_MAX; i++)
		if (act_name[i] != NULL)
			kv(fp, "msg.", act_name[i], g.e.msg[i]);
	if (g.lifecycle) {
		kv(fp, "msg.", "INS_ACK", g.e.ins_ack);
		kv(fp, "msg.", "UPD_REQ", g.e.upd_req);
		kv(fp, "msg.", "EOF", g.e.eof);
	}
	for (i = 0; i < B_MAX; i++)
		kv(fp, "bad.", bad_name[i], g.e.bad[i]);
	for (i = 0; i < L_MAX; i++)
		kv(fp, "link.", lbad_name[i], g.e.lbad[i]);
	if (g.lifecycle) {
		kv(fp, "", "ended_del_c", g.e.ended_delc);
		kv(fp, "", "ended_clr", g.e.ended_clr);
		kv(fp, "", "flushed_at_end", g.e.flushed);
		kv(fp, "", "duplicates", g.e.dups);
		kv(fp, "", "unknown_deletes", g.e.unknown);
		for (i = FL_OB45; i < FL_MAX; i++)
			kv(fp, "flavour.", fl_name[i], g.e.flavour[i]);
		kv(fp, "", "v5_flavour_ambiguous", g.e.v5_ambiguous);
	}
	close_out(fp, g.expect);
}

static int
cmp_line(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);	/* byte order, as LC_ALL=C sort */
}

static void
write_lines(const char *name, char **v, size_t n)
{
	FILE *fp;
	size_t i;

	if (name == NULL)
		return;
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_line);
	fp = open_out(name, "w");
	for (i = 0; i < n; i++)
		fprintf(fp, "%s\n", v[i]);
	close_out(fp, name);
}

static void
write_flows(void)
{
	write_lines(g.flows, g.rec, g.nrec);
	write_lines(g.flows64, g.rec64, g.nrec64);
}

/* ------------------------------------------------------------ options */

static void
usage(FILE *fp)
{
	fputs("usage: " PROG " -o OUT.pcap [-e EXPECT.txt] [-f FLOWS.txt]"
	    " [-F FLOWS64.txt]\n"
	    "           [-V 2|3|4|5|6|1301|1400|1500] [-l LINK] [-n STATES]"
	    " [-s SEED]\n"
	    "           [--ipv6-pct P] [--big-pct P] [--nat-pct P]"
	    " [--zero-pct P]\n"
	    "           [--malformed] [--other-actions] [--ip6-transport]\n"
	    "           [--lifecycle] [--bulk-pct P] [--lost-del-pct P]"
	    " [--dup-del-pct P]\n"
	    "           [--full-del-pct P] [--unknown-del N] [--clr]\n"
	    "LINK: pfsync18 pfsync121 pfsync246 (default) pfsync246-ip"
	    " en10mb en10mb-vlan\n"
	    "      sll sll2 raw null loop\n"
	    "-V 5: OpenBSD 4.5; 1301, 1400, 1500: FreeBSD message versions;"
	    " 6: OpenBSD >= 4.8.\n"
	    "Framed versions, and legacy ones with --lifecycle, write state"
	    " lifecycles.\n"
	    "Defaults: -V 3 -n 100 -s 1, percentages 10 10 20 10; lifecycles:"
	    " bulk 20,\n"
	    "lost 5, dup 5, full DEL 0, 2 unknown deletes."
	    "  A file named - is stdout.\n", fp);
}

/* Decimal digits only, within [lo, hi]; anything else names itself. */
static uint64_t
num(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9' ||
	    (v = strtoull(s, &end, 10), errno != 0) || *end != '\0' ||
	    v < lo || v > hi)
		die("%s: bad value '%s' (want %" PRIu64 "..%" PRIu64 ")",
		    opt, s, lo, hi);
	return v;
}

/*
 * Options that take a value; "-x V", "--xx V" and "--xx=V" all work.
 * Those from LC_FIRST on only make sense for lifecycles.
 */
static const char *const valopts[] = {
	"-o", "-e", "-f", "-V", "-l", "-n", "-s",
	"--ipv6-pct", "--big-pct", "--nat-pct", "--zero-pct", "-F",
	"--bulk-pct", "--lost-del-pct", "--dup-del-pct", "--full-del-pct",
	"--unknown-del"
};
#define LC_FIRST	12

static void
set_opt(const char *opt, const char *v)
{
	size_t j, nl = sizeof(links) / sizeof(links[0]);

	if (strcmp(opt, "-o") == 0)
		g.out = v;
	else if (strcmp(opt, "-e") == 0)
		g.expect = v;
	else if (strcmp(opt, "-f") == 0)
		g.flows = v;
	else if (strcmp(opt, "-F") == 0)
		g.flows64 = v;
	else if (strcmp(opt, "-V") == 0) {
		g.version = (unsigned)num(opt, v, 2, 1500);
		if (g.version > 6 && g.version != 1301 &&
		    g.version != 1400 && g.version != 1500)
			die("-V: bad value '%s' (want 2 3 4 5 6 1301 1400"
			    " 1500)", v);
	} else if (strcmp(opt, "--bulk-pct") == 0)
		g.bulk_pct = (unsigned)num(opt, v, 0, 100);
	else if (strcmp(opt, "--lost-del-pct") == 0)
		g.lost_pct = (unsigned)num(opt, v, 0, 100);
	else if (strcmp(opt, "--dup-del-pct") == 0)
		g.dup_pct = (unsigned)num(opt, v, 0, 100);
	else if (strcmp(opt, "--full-del-pct") == 0)
		g.fdel_pct = (unsigned)num(opt, v, 0, 100);
	else if (strcmp(opt, "--unknown-del") == 0)
		g.unknown_del = num(opt, v, 0, 1000000);
	else if (strcmp(opt, "-n") == 0)
		g.nstates = num(opt, v, 0, 1000000);
	else if (strcmp(opt, "-s") == 0)
		g.seed = num(opt, v, 0, UINT64_MAX);
	else if (strcmp(opt, "--ipv6-pct") == 0)
		g.v6_pct = (unsigned)num(opt, v, 0, 100);
	else if (strcmp(opt, "--big-pct") == 0)
		g.big_pct = (unsigned)num(opt, v, 0, 100);
	else if (strcmp(opt, "--nat-pct") == 0)
		g.nat_pct = (unsigned)num(opt, v, 0, 100);
	else if (strcmp(opt, "--zero-pct") == 0)
		g.zero_pct = (unsigned)num(opt, v, 0, 100);
	else {	/* -l */
		for (j = 0; j < nl && strcmp(v, links[j].name) != 0; j++)
			continue;
		if (j == nl)
			die("-l: unknown link type '%s' (-h lists them)", v);
		g.link = &links[j];
	}
}

static void
parse_args(int argc, char **argv)
{
	size_t j, nv = sizeof(valopts) / sizeof(valopts[0]), ol;
	const char *a, *eq;
	int i;

	g.version = 3;
	g.link = &links[2];	/* pfsync246 */
	g.nstates = 100;
	g.seed = 1;
	g.v6_pct = 10;
	g.big_pct = 10;
	g.nat_pct = 20;
	g.zero_pct = 10;
	g.bulk_pct = 20;
	g.lost_pct = 5;
	g.dup_pct = 5;
	g.unknown_del = 2;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--malformed") == 0) {
			g.malformed = true;
			continue;
		} else if (strcmp(a, "--other-actions") == 0) {
			g.other = true;
			continue;
		} else if (strcmp(a, "--ip6-transport") == 0) {
			g.ip6 = true;
			continue;
		} else if (strcmp(a, "--lifecycle") == 0) {
			g.lifecycle = true;
			continue;
		} else if (strcmp(a, "--clr") == 0) {
			g.clr = g.lc_opt = true;
			continue;
		}
		eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
		ol = eq != NULL ? (size_t)(eq - a) : strlen(a);
		for (j = 0; j < nv; j++)
			if (strlen(valopts[j]) == ol &&
			    strncmp(a, valopts[j], ol) == 0)
				break;
		if (j == nv)
			die("%s: unknown option (-h for help)", a);
		if (j >= LC_FIRST)
			g.lc_opt = true;
		if (eq != NULL)
			set_opt(valopts[j], eq + 1);
		else if (i + 1 < argc)
			set_opt(valopts[j], argv[++i]);
		else
			die("%s: missing value", a);
	}
	if (g.out == NULL)
		die("-o OUT.pcap is required (-h for help)");
	if (g.version >= 5)
		g.lifecycle = true;
	if (g.lc_opt && !g.lifecycle)
		die("lifecycle options need --lifecycle or a framed -V");
	if (g.fdel_pct > 0 && g.version >= 5 && g.version != 6)
		die("--full-del-pct: no version 5 sender sends a full DEL");
}

int
main(int argc, char **argv)
{
	size_t i;

	parse_args(argc, argv);
	g.rng = g.seed;
	/* start 2026-01-01 + < 1 day, sub-millisecond part never zero */
	g.t_usec = (T2026 + rnd_range(0, 86399)) * 1000000 +
	    rnd_range(0, 999) * 1000 + rnd_range(1, 999);
	for (i = 0; i < 3; i++)
		g.creator[i] = (uint32_t)rnd_range(1, U32MAX);
	do
		g.clr_creator = (uint32_t)rnd_range(1, U32MAX);
	while (g.clr_creator == g.creator[0] || g.clr_creator == g.creator[1]
	    || g.clr_creator == g.creator[2]);
	rnd_bytes(g.chksum, sizeof(g.chksum));
	g.next_id = rnd();
	g.ipid = (uint16_t)rnd();
	if (g.lifecycle) {
		lc_setup();
		simulate();
		choose_lost();
		g.fp = open_out(g.out, "wb");
		pcap_header();
		emit_lifecycles();
		goto done;
	}
	build_plan();

	g.fp = open_out(g.out, "wb");
	pcap_header();
	for (i = 0; i < nplan; i++) {
		tick();
		switch (plan[i].kind) {
		case P_DEL:
			emit_del(&plan[i]);
			break;
		case P_OTHER:
			emit_other(&plan[i]);
			break;
		case P_MAL:
			emit_mal(&plan[i]);
			break;
		default:
			emit_link(&plan[i]);
		}
	}
done:
	close_out(g.fp, g.out);
	write_expect();
	write_flows();
	for (i = 0; i < g.nrec; i++)
		free(g.rec[i]);
	free(g.rec);
	for (i = 0; i < g.nrec64; i++)
		free(g.rec64[i]);
	free(g.rec64);
	lc_free();
	free(plan);
	free(state_flags);
	return 0;
}
