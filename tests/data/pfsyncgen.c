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
enum { S_V6 = 1, S_BIG = 2, S_NAT = 4, S_ZERO = 8 };

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
};

static struct {
	/* options */
	const char		*out, *expect, *flows;
	unsigned		 version;
	const struct linkdef	*link;
	uint64_t		 nstates, seed;
	unsigned		 v6_pct, big_pct, nat_pct, zero_pct;
	bool			 malformed, other, ip6;
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

static void
add_record(const char *line)
{
	size_t len = strlen(line) + 1;

	if (g.nrec == g.caprec) {
		g.caprec = g.caprec ? g.caprec * 2 : 256;
		g.rec = realloc(g.rec, g.caprec * sizeof(*g.rec));
		if (g.rec == NULL)
			die("out of memory");
	}
	if ((g.rec[g.nrec] = malloc(len)) == NULL)
		die("out of memory");
	memcpy(g.rec[g.nrec++], line, len);
}

/*
 * What the flow contract makes of a decoded DEL state that arrived at ms:
 * the key is key[WIRE] for IN and key[STACK] for OUT; flow A runs from the
 * initiator with counters [0], flow B back with [1]; a direction with no
 * packets and no bytes is dropped; an IPv4 flow becomes as many v5 records
 * as it takes to keep each counter within 32 bits.
 */
static void
expect_state(const struct gstate *s, uint64_t ms)
{
	const struct gkey *k = &s->key[s->direction == DIR_IN ?
	    SK_WIRE : SK_STACK];
	unsigned ini = s->direction == DIR_IN ? 0 : 1, d;

	g.e.states_del++;
	for (d = 0; d < 2; d++) {
		unsigned src = d == 0 ? ini : 1 - ini, dst = 1 - src;
		uint64_t pk = s->packets[d], by = s->bytes[d];
		char sa[16], da[16], line[160];

		if (pk == 0 && by == 0) {
			g.e.zero_dirs++;
			continue;
		}
		g.e.flows++;
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
			    k->port[src], da, k->port[dst], rp, rb,
			    ms - (uint64_t)s->creation * 1000, ms);
			add_record(line);
			g.e.records_v5++;
			pk -= rp;
			by -= rb;
		} while (pk > 0 || by > 0);
	}
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

/* Packets the link/IP strip must reject before any pfsync parsing. */
static void
emit_link(const struct plan *pl)
{
	uint8_t f[FRAME_MAX], pkt[ETH_MIN + 8];
	size_t len, n;
	struct gstate s;
	unsigned i;

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
		len = put_header(f, g.version, A_DEL, 2);
		for (i = 0; i < 2; i++, len += state_size()) {
			gen_state(&s, 0);
			put_state(f + len, &s);
		}
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
		len = put_header(f, g.version, A_DEL, 2);
		for (i = 0; i < 2; i++, len += state_size()) {
			gen_state(&s, 0);
			put_state(f + len, &s);
		}
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
	for (i = 0; i < B_MAX; i++)
		kv(fp, "bad.", bad_name[i], g.e.bad[i]);
	for (i = 0; i < L_MAX; i++)
		kv(fp, "link.", lbad_name[i], g.e.lbad[i]);
	close_out(fp, g.expect);
}

static int
cmp_line(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);	/* byte order, as LC_ALL=C sort */
}

static void
write_flows(void)
{
	FILE *fp;
	size_t i;

	if (g.flows == NULL)
		return;
	if (g.nrec > 0)
		qsort(g.rec, g.nrec, sizeof(*g.rec), cmp_line);
	fp = open_out(g.flows, "w");
	for (i = 0; i < g.nrec; i++)
		fprintf(fp, "%s\n", g.rec[i]);
	close_out(fp, g.flows);
}

/* ------------------------------------------------------------ options */

static void
usage(FILE *fp)
{
	fputs("usage: " PROG " -o OUT.pcap [-e EXPECT.txt] [-f FLOWS.txt]"
	    " [-V 2|3|4] [-l LINK]\n"
	    "           [-n STATES] [-s SEED] [--ipv6-pct P] [--big-pct P]"
	    " [--nat-pct P]\n"
	    "           [--zero-pct P] [--malformed] [--other-actions]"
	    " [--ip6-transport]\n"
	    "LINK: pfsync18 pfsync121 pfsync246 (default) pfsync246-ip"
	    " en10mb en10mb-vlan\n"
	    "      sll sll2 raw null loop\n"
	    "Defaults: -V 3 -n 100 -s 1, percentages 10 10 20 10."
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

/* Options that take a value; "-x V", "--xx V" and "--xx=V" all work. */
static const char *const valopts[] = {
	"-o", "-e", "-f", "-V", "-l", "-n", "-s",
	"--ipv6-pct", "--big-pct", "--nat-pct", "--zero-pct"
};

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
	else if (strcmp(opt, "-V") == 0)
		g.version = (unsigned)num(opt, v, 2, 4);
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
		}
		eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
		ol = eq != NULL ? (size_t)(eq - a) : strlen(a);
		for (j = 0; j < nv; j++)
			if (strlen(valopts[j]) == ol &&
			    strncmp(a, valopts[j], ol) == 0)
				break;
		if (j == nv)
			die("%s: unknown option (-h for help)", a);
		if (eq != NULL)
			set_opt(valopts[j], eq + 1);
		else if (i + 1 < argc)
			set_opt(valopts[j], argv[++i]);
		else
			die("%s: missing value", a);
	}
	if (g.out == NULL)
		die("-o OUT.pcap is required (-h for help)");
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
	close_out(g.fp, g.out);
	write_expect();
	write_flows();
	for (i = 0; i < g.nrec; i++)
		free(g.rec[i]);
	free(g.rec);
	free(plan);
	free(state_flags);
	return 0;
}
