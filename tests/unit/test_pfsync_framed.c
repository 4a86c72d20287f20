/*
 * test_pfsync_framed.c - the framed pfsync formats, version 5 (OpenBSD 4.5,
 * FreeBSD 1301/1400/1500) and version 6 (OpenBSD >= 4.8), through
 * pfsync_parse() (wire-spec sections 3, 5 and 6).
 *
 * Fixtures are built field by field at the offsets of the wire-spec tables,
 * not from the packed structs in wire/pfsync.h (a mistake there would be
 * shared by parser and test), and every field gets a value no other field
 * has, so a parser reading at a shifted offset, in the wrong byte order or
 * with the counter halves swapped produces a wrong event.  Fields the parser
 * must skip (peers, rt_addr, rules, flags, FreeBSD's queue ids and tag
 * names, OpenBSD's rdomain) hold non-zero filler so a leak shows too.
 *
 * This binary also runs under ASan: the prefix and mutation tests hand the
 * parser exactly-sized heap buffers so any read past the end is caught.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pfsync.h"
#include "wire/pfsync.h"

#define MAX_EV	600		/* events the recording sink keeps */
#include "pfsync_fixture.h"

/* ------------------------------------------------------------ wire-spec */

/* Framed header (spec 5.1): version, pad, len (BE16), pfcksum 4/16. */
#define H_VERSION	0
#define H_PAD		1
#define H_LEN		2	/* header start to frame end, EOF included */
#define H_CKSUM		4
#define HDR_LEN		20

/* Subheader (spec 5.1): action, v6 words per message / v5 0, count BE16. */
#define SH_ACTION	0
#define SH_WORDS	1
#define SH_COUNT	2
#define SUBHDR_LEN	4

/* Action numbers (spec 5.2, 6); 13-16 differ between the two OSes. */
#define A_CLR		0
#define A_INS		1	/* v5 INS (FreeBSD INS_1301); v6 OINS */
#define A_INS_ACK	2
#define A_UPD		3	/* v5 UPD (FreeBSD UPD_1301); v6 OUPD */
#define A_UPD_C		4
#define A_UPD_REQ	5
#define A_DEL		6
#define A_DEL_C		7
#define A_INS_F		8
#define A_DEL_F		9
#define A_BUS		10
#define A_TDB		11	/* v5 TDB; v6 OTDB */
#define A_EOF		12
#define A_13		13	/* FreeBSD INS_1400; OpenBSD v6 INS */
#define A_14		14	/* FreeBSD UPD_1400; OpenBSD v6 UPD */
#define A_15		15	/* FreeBSD INS_1500; OpenBSD v6 TDB (52 B) */
#define A_16		16	/* FreeBSD UPD_1500 */

/*
 * Small messages (spec 5.3), offset/size:
 *   CLR                    ifname 0/16, creatorid 16/4
 *   INS_ACK, UPD_REQ, DEL_C  id 0/8, creatorid 8/4
 *   UPD_C                  id 0/8, src 8/32, dst 40/32, creatorid 72/4,
 *                          expire 76/4, timeout 80, state_flags 81, pad 82/2
 *   BUS                    creatorid 0/4, endtime 4/4, status 8, pad 9/3
 *   TDB                    spi, sockaddr, replay and byte counters: opaque
 */
#define CLR_SIZE	20
#define ID_MSG_SIZE	12
#define UPDC_SIZE	84
#define BUS_SIZE	12
#define TDB_SIZE	48	/* v5 TDB, v6 OTDB (11) */
#define TDB64_SIZE	52	/* v6 TDB (15) */

/* Every full state: id 0/8 (opaque, read BE), ifname 8/16, keys from 24. */
#define S_ID		0
#define S_IFNAME	8

/*
 * 36-byte keys (addr[0] 16, addr[1] 16, port[0] 2, port[1] 2): OpenBSD 4.5
 * (spec 5.4.1) and FreeBSD 1301/1400/1500 (spec 6.1-6.3) share bytes 0-231.
 */
#define K36_WIRE	24
#define K36_STACK	60
#define K36_SRC		96	/* peer, 32 */
#define K36_DST		128	/* peer, 32 */
#define K36_RT_ADDR	160	/* 16 */
#define K36_RULE	176
#define K36_ANCHOR	180
#define K36_NAT_RULE	184
#define K36_CREATION	188	/* BE u32, age in seconds */
#define K36_EXPIRE	192	/* BE u32, seconds left */
#define K36_PACKETS	196	/* 2 x (hi, lo) BE u32 */
#define K36_BYTES	212	/* 2 x (hi, lo) BE u32 */
#define K36_CREATORID	228

/* OpenBSD 4.5 tail (spec 5.4.1). */
#define O45_AF		232
#define O45_PROTO	233
#define O45_DIR		234
#define O45_LOG		235
#define O45_STFLAGS	236
#define O45_TIMEOUT	237
#define O45_SYNCFLAGS	238
#define O45_UPDATES	239
#define O45_SIZE	240

/* FreeBSD 1301 tail (spec 6.1). */
#define F13_AF		232
#define F13_PROTO	233
#define F13_DIR		234
#define F13_SPARE	235	/* 2 */
#define F13_LOG		237
#define F13_STFLAGS	238
#define F13_TIMEOUT	239
#define F13_SYNCFLAGS	240
#define F13_UPDATES	241
#define F13_SIZE	242

/* FreeBSD 1400 tail (spec 6.2). */
#define F14_AF		232
#define F14_PROTO	233
#define F14_DIR		234
#define F14_STFLAGS	235	/* BE u16 */
#define F14_LOG		237
#define F14_SPARE	238
#define F14_TIMEOUT	239
#define F14_SYNCFLAGS	240
#define F14_UPDATES	241
#define F14_QID		242
#define F14_PQID	244
#define F14_DNPIPE	246
#define F14_DNRPIPE	248
#define F14_RTABLEID	250
#define F14_MIN_TTL	254
#define F14_SET_TOS	255
#define F14_MAX_MSS	256
#define F14_SET_PRIO	258	/* 2 */
#define F14_RT		260
#define F14_RT_IFNAME	261	/* 16 */
#define F14_SIZE	277

/* FreeBSD 1500 tail (spec 6.3): no plain af/proto, use wire_af/proto. */
#define F15_TAGNAME	232	/* 64 */
#define F15_RT_IFNAME	296	/* 16 */
#define F15_ORIG_IFNAME	312	/* 16 */
#define F15_RTABLEID	328
#define F15_STFLAGS	332
#define F15_QID		334
#define F15_PQID	336
#define F15_DNPIPE	338
#define F15_DNRPIPE	340
#define F15_MAX_MSS	342
#define F15_WIRE_AF	344
#define F15_STACK_AF	345
#define F15_RT_AF	346
#define F15_WIRE_PROTO	347
#define F15_STACK_PROTO	348
#define F15_LOG		349
#define F15_TIMEOUT	350
#define F15_DIR		351
#define F15_RT		352
#define F15_MIN_TTL	353
#define F15_SET_TOS	354
#define F15_SET_PRIO	355	/* 2 */
#define F15_SPARE	357	/* 3 */
#define F15_SIZE	360

/*
 * OpenBSD v6 state (spec 5.4.2), 264 bytes = 66 words.  40-byte keys:
 * addr[0] 16, addr[1] 16, port[0] 2, port[1] 2, rdomain 36/2, af 38, pad 39.
 */
#define V6_WIRE		24
#define V6_STACK	64
#define V6_KEY_RDOMAIN	36
#define V6_KEY_AF	38
#define V6_KEY_PAD	39
#define V6_SRC		104
#define V6_DST		136
#define V6_RT_ADDR	168
#define V6_RULE		184
#define V6_ANCHOR	188
#define V6_NAT_RULE	192
#define V6_CREATION	196
#define V6_EXPIRE	200
#define V6_PACKETS	204
#define V6_BYTES	220
#define V6_CREATORID	236
#define V6_RTABLEID	240	/* 2 x BE i32 */
#define V6_MAX_MSS	248
#define V6_AF		250
#define V6_PROTO	251
#define V6_DIR		252
#define V6_LOG		253
#define V6_RT		254
#define V6_TIMEOUT	255
#define V6_SYNCFLAGS	256
#define V6_UPDATES	257
#define V6_MIN_TTL	258
#define V6_SET_TOS	259
#define V6_STFLAGS	260	/* BE u16 */
#define V6_SET_PRIO	262	/* 2 */
#define V6_SIZE		264
#define V6_WORDS	66

#define MAX_FRAME	8192
#define MAX_SECT	32

/* ------------------------------------------------------------- layouts */

enum lay {
	LAY_OBSD45,	/* v5, INS 1 / UPD 3 / DEL 6, 240 B */
	LAY_F1301,	/* v5, INS 1 / UPD 3, 242 B */
	LAY_F1400,	/* v5, INS 13 / UPD 14, 277 B */
	LAY_F1500,	/* v5, INS 15 / UPD 16, 360 B */
	LAY_OBSD6,	/* v6, INS 13 / UPD 14 / DEL 6, 264 B */
	LAY_MAX
};

static const struct lay_info {
	const char	*name;
	unsigned	version;
	unsigned	ins, upd;	/* action numbers */
	unsigned	flavour;	/* what by_flavour[] must say */
	size_t		size;
	size_t		af_off, dir_off;
	uint8_t		af6;		/* this OS's AF_INET6 */
} lays[LAY_MAX] = {
	[LAY_OBSD45] = { "openbsd45", 5, A_INS, A_UPD,
	    PFSYNC_FLAVOUR_OPENBSD45, O45_SIZE, O45_AF, O45_DIR, 24 },
	[LAY_F1301] = { "freebsd1301", 5, A_INS, A_UPD,
	    PFSYNC_FLAVOUR_FREEBSD, F13_SIZE, F13_AF, F13_DIR, 28 },
	[LAY_F1400] = { "freebsd1400", 5, A_13, A_14,
	    PFSYNC_FLAVOUR_FREEBSD, F14_SIZE, F14_AF, F14_DIR, 28 },
	[LAY_F1500] = { "freebsd1500", 5, A_15, A_16,
	    PFSYNC_FLAVOUR_FREEBSD, F15_SIZE, F15_WIRE_AF, F15_DIR, 28 },
	[LAY_OBSD6] = { "openbsd6", 6, A_13, A_14,
	    PFSYNC_FLAVOUR_OPENBSD6, V6_SIZE, V6_AF, V6_DIR, 24 },
};

/* ------------------------------------------------------------- helpers */

static unsigned
get16(const uint8_t *p, size_t off)
{
	return (unsigned)p[off] << 8 | p[off + 1];
}

/* Everything a full state carries, with values no two fields share. */
struct fields {
	uint64_t	id;
	char		ifname[PFSYNC_IFNAMSIZ + 1];
	uint8_t		wire_af;	/* 2, 24, 28 */
	uint8_t		af;		/* 4 or 6, as the event says */
	struct pf_key	key[2];		/* ports in host order */
	uint32_t	creation, expire;
	uint64_t	packets[2], bytes[2];
	uint32_t	creatorid;
	uint8_t		proto, direction, timeout;
};

/*
 * Values for state number n.  Ports have different high and low bytes (a
 * byte swap shows); counter halves differ (a hi/lo swap shows); the id has
 * eight different bytes and its first byte is no action number, so a walk
 * that lands on it by mistake does not look like a subheader.
 */
static void
make_fields(struct fields *f, uint8_t wire_af, unsigned n)
{
	static const uint8_t protos[] = { 6, 17, 1, 58 };

	memset(f, 0, sizeof(*f));
	f->id = UINT64_C(0xa1b2c3d4e5f60718) + ((uint64_t)n << 32);
	if (n % 2 == 0)
		strcpy(f->ifname, "em0");
	else
		strcpy(f->ifname, "abcdefghijklmnop");	/* 16, no NUL */
	f->wire_af = wire_af;
	f->af = wire_af == 2 ? 4 : 6;
	make_addr(f->key[PF_SK_WIRE].addr[0], f->af, (uint8_t)(0x10 + n));
	make_addr(f->key[PF_SK_WIRE].addr[1], f->af, (uint8_t)(0x30 + n));
	make_addr(f->key[PF_SK_STACK].addr[0], f->af, (uint8_t)(0x50 + n));
	make_addr(f->key[PF_SK_STACK].addr[1], f->af, (uint8_t)(0x70 + n));
	f->key[PF_SK_WIRE].port[0] = (uint16_t)(0x2345 + n);
	f->key[PF_SK_WIRE].port[1] = (uint16_t)(0x6789 + n);
	f->key[PF_SK_STACK].port[0] = (uint16_t)(0xabcd + n);
	f->key[PF_SK_STACK].port[1] = (uint16_t)(0xef01 + n);
	f->creation = 0x00012345 + n;
	f->expire = 0x00000678 + n;
	f->packets[0] = UINT64_C(0x00000001a0000011) + n;
	f->packets[1] = UINT64_C(0x00000002b0000022) + n;
	f->bytes[0] = UINT64_C(0x00000003c0000033) + n;
	f->bytes[1] = UINT64_C(0x00000004d0000044) + n;
	f->creatorid = 0xc0ffee01 + n;
	f->proto = protos[n % 4];
	f->direction = n % 2 == 0 ? 2 : 1;	/* out, in */
	f->timeout = (uint8_t)(2 + n % 20);
}

static void
put_key36(uint8_t *m, size_t off, const struct pf_key *k)
{
	memcpy(m + off, k->addr[0], 16);
	memcpy(m + off + 16, k->addr[1], 16);
	put16(m, off + 32, k->port[0]);
	put16(m, off + 34, k->port[1]);
}

static void
put_key40(uint8_t *m, size_t off, const struct pf_key *k, uint8_t af)
{
	put_key36(m, off, k);
	put16(m, off + V6_KEY_RDOMAIN, 0x0d0e);	/* rdomain, not in events */
	put8(m, off + V6_KEY_AF, af);
	put8(m, off + V6_KEY_PAD, 0x5c);
}

/*
 * The part of a state before its tail: id, ifname, keys, peers, rt_addr,
 * rules, creation, expire, counters, creatorid.  The offsets after the keys
 * are the 36-byte-key ones, plus shift (8 for the v6 40-byte keys).
 */
static void
put_head(uint8_t *m, const struct fields *f, size_t shift)
{
	unsigned d;

	put64(m, S_ID, f->id);
	memset(m + S_IFNAME, 0, PFSYNC_IFNAMSIZ);
	memcpy(m + S_IFNAME, f->ifname, strlen(f->ifname));
	/* Peers, rt_addr, rule numbers: never part of an event. */
	memset(m + K36_SRC + shift, 0xa5, 32);
	memset(m + K36_DST + shift, 0x5a, 32);
	memset(m + K36_RT_ADDR + shift, 0xc3, 16);
	put32(m, K36_RULE + shift, 0xdddd0001);
	put32(m, K36_ANCHOR + shift, 0xdddd0002);
	put32(m, K36_NAT_RULE + shift, 0xdddd0003);
	put32(m, K36_CREATION + shift, f->creation);
	put32(m, K36_EXPIRE + shift, f->expire);
	/* 64-bit counters as two BE u32, high half first. */
	for (d = 0; d < 2; d++) {
		put64(m, K36_PACKETS + shift + 8 * d, f->packets[d]);
		put64(m, K36_BYTES + shift + 8 * d, f->bytes[d]);
	}
	put32(m, K36_CREATORID + shift, f->creatorid);
}

/* Write one full state of layout l at m; returns its size. */
static size_t
put_state(uint8_t *m, enum lay l, const struct fields *f)
{
	memset(m, 0xf1, lays[l].size);		/* pads and spares: filler */
	switch (l) {
	case LAY_OBSD45:
		put_key36(m, K36_WIRE, &f->key[PF_SK_WIRE]);
		put_key36(m, K36_STACK, &f->key[PF_SK_STACK]);
		put_head(m, f, 0);
		put8(m, O45_AF, f->wire_af);
		put8(m, O45_PROTO, f->proto);
		put8(m, O45_DIR, f->direction);
		put8(m, O45_LOG, 0x81);
		put8(m, O45_STFLAGS, 0x82);
		put8(m, O45_TIMEOUT, f->timeout);
		put8(m, O45_SYNCFLAGS, 0x84);
		put8(m, O45_UPDATES, 0x89);
		break;
	case LAY_F1301:
		put_key36(m, K36_WIRE, &f->key[PF_SK_WIRE]);
		put_key36(m, K36_STACK, &f->key[PF_SK_STACK]);
		put_head(m, f, 0);
		put8(m, F13_AF, f->wire_af);
		put8(m, F13_PROTO, f->proto);
		put8(m, F13_DIR, f->direction);
		put16(m, F13_SPARE, 0x8a8b);
		put8(m, F13_LOG, 0x81);
		put8(m, F13_STFLAGS, 0x82);
		put8(m, F13_TIMEOUT, f->timeout);
		put8(m, F13_SYNCFLAGS, 0x84);
		put8(m, F13_UPDATES, 0x89);
		break;
	case LAY_F1400:
		put_key36(m, K36_WIRE, &f->key[PF_SK_WIRE]);
		put_key36(m, K36_STACK, &f->key[PF_SK_STACK]);
		put_head(m, f, 0);
		put8(m, F14_AF, f->wire_af);
		put8(m, F14_PROTO, f->proto);
		put8(m, F14_DIR, f->direction);
		put16(m, F14_STFLAGS, 0x8283);
		put8(m, F14_LOG, 0x81);
		put8(m, F14_SPARE, 0x8a);
		put8(m, F14_TIMEOUT, f->timeout);
		put8(m, F14_SYNCFLAGS, 0x84);
		put8(m, F14_UPDATES, 0x89);
		put16(m, F14_QID, 0x9192);
		put16(m, F14_PQID, 0x9394);
		put16(m, F14_DNPIPE, 0x9596);
		put16(m, F14_DNRPIPE, 0x9798);
		put32(m, F14_RTABLEID, 0x999a9b9c);
		put8(m, F14_MIN_TTL, 0x9d);
		put8(m, F14_SET_TOS, 0x9e);
		put16(m, F14_MAX_MSS, 0x9fa0);
		put16(m, F14_SET_PRIO, 0xa1a2);
		put8(m, F14_RT, 0xa3);
		memcpy(m + F14_RT_IFNAME, "rtif0rtif0rtif0r", 16);
		break;
	case LAY_F1500:
		put_key36(m, K36_WIRE, &f->key[PF_SK_WIRE]);
		put_key36(m, K36_STACK, &f->key[PF_SK_STACK]);
		put_head(m, f, 0);
		/* Where 1301 has af/proto/direction, 1500 has the tag name. */
		memset(m + F15_TAGNAME, 0, 64);
		memcpy(m + F15_TAGNAME, "tagname-of-the-rule", 19);
		memset(m + F15_RT_IFNAME, 0, 16);
		memcpy(m + F15_RT_IFNAME, "rtif0", 5);
		memset(m + F15_ORIG_IFNAME, 0, 16);
		memcpy(m + F15_ORIG_IFNAME, "origif0", 7);
		put32(m, F15_RTABLEID, 0x999a9b9c);
		put16(m, F15_STFLAGS, 0x8283);
		put16(m, F15_QID, 0x9192);
		put16(m, F15_PQID, 0x9394);
		put16(m, F15_DNPIPE, 0x9596);
		put16(m, F15_DNRPIPE, 0x9798);
		put16(m, F15_MAX_MSS, 0x9fa0);
		put8(m, F15_WIRE_AF, f->wire_af);
		/* stack af maps to the other family: reading it shows */
		put8(m, F15_STACK_AF, f->wire_af == 2 ? 28 : 2);
		put8(m, F15_RT_AF, 0xa4);
		put8(m, F15_WIRE_PROTO, f->proto);
		put8(m, F15_STACK_PROTO, 0xa5);
		put8(m, F15_LOG, 0x81);
		put8(m, F15_TIMEOUT, f->timeout);
		put8(m, F15_DIR, f->direction);
		put8(m, F15_RT, 0xa3);
		put8(m, F15_MIN_TTL, 0x9d);
		put8(m, F15_SET_TOS, 0x9e);
		put16(m, F15_SET_PRIO, 0xa1a2);
		memset(m + F15_SPARE, 0xa6, 3);
		break;
	case LAY_OBSD6:
		/* The wire key's af is the state's; 0 = "same" on stack. */
		put_key40(m, V6_WIRE, &f->key[PF_SK_WIRE], f->wire_af);
		put_key40(m, V6_STACK, &f->key[PF_SK_STACK], 0);
		put_head(m, f, V6_SRC - K36_SRC);
		put32(m, V6_RTABLEID, 0x999a9b9c);
		put32(m, V6_RTABLEID + 4, 0x8d8e8f90);
		put16(m, V6_MAX_MSS, 0x9fa0);
		put8(m, V6_AF, f->wire_af);
		put8(m, V6_PROTO, f->proto);
		put8(m, V6_DIR, f->direction);
		put8(m, V6_LOG, 0x81);
		put8(m, V6_RT, 0xa3);
		put8(m, V6_TIMEOUT, f->timeout);
		put8(m, V6_SYNCFLAGS, 0x84);
		put8(m, V6_UPDATES, 0x89);
		put8(m, V6_MIN_TTL, 0x9d);
		put8(m, V6_SET_TOS, 0x9e);
		put16(m, V6_STFLAGS, 0x8283);
		put16(m, V6_SET_PRIO, 0xa1a2);
		break;
	default:
		fail();
	}
	return lays[l].size;
}

/* ------------------------------------------------------------- frames */

/*
 * A frame under construction.  Each section's subheader offset, end and
 * number of events it should give are kept for the prefix and mutation
 * tests.
 */
struct frame {
	uint8_t		b[MAX_FRAME];
	size_t		len;
	unsigned	version;
	unsigned	n_sect;
	size_t		sect[MAX_SECT];		/* subheader offset */
	size_t		sect_end[MAX_SECT];	/* first byte after it */
	unsigned	sect_events[MAX_SECT];
};

/* Header: version, pad 0, len filled in by frame_done(), checksum. */
static void
frame_init(struct frame *fr, unsigned version)
{
	memset(fr, 0, sizeof(*fr));
	fr->version = version;
	put8(fr->b, H_VERSION, version);
	put8(fr->b, H_PAD, 0);
	memset(fr->b + H_CKSUM, 0xee, 16);	/* ruleset MD5, opaque */
	fr->len = HDR_LEN;
}

/*
 * Append a subheader (action, byte 1 as given, count) and body_len bytes
 * of filler for the caller to fill; returns the body offset.
 */
static size_t
frame_sect_raw(struct frame *fr, unsigned action, unsigned byte1,
    unsigned count, size_t body_len, unsigned n_events)
{
	size_t body;

	assert_true(fr->len + SUBHDR_LEN + body_len <= MAX_FRAME);
	assert_true(fr->n_sect < MAX_SECT);
	fr->sect[fr->n_sect] = fr->len;
	put8(fr->b, fr->len + SH_ACTION, action);
	put8(fr->b, fr->len + SH_WORDS, byte1);
	put16(fr->b, fr->len + SH_COUNT, count);
	body = fr->len + SUBHDR_LEN;
	memset(fr->b + body, 0x3c, body_len);
	fr->len = body + body_len;
	fr->sect_end[fr->n_sect] = fr->len;
	fr->sect_events[fr->n_sect] = n_events;
	fr->n_sect++;
	return body;
}

/* A section of count messages of size bytes; v6 byte 1 = size in words. */
static size_t
frame_sect(struct frame *fr, unsigned action, unsigned count, size_t size,
    unsigned n_events)
{
	return frame_sect_raw(fr, action, fr->version == 6 ? size / 4 : 0,
	    count, count * size, n_events);
}

/* EOF (spec 5.1): action 12, count 1, no body. */
static void
frame_eof(struct frame *fr)
{
	frame_sect_raw(fr, A_EOF, 0, 1, 0, 0);
}

/* Header len = every byte so far; returns it. */
static size_t
frame_done(struct frame *fr)
{
	put16(fr->b, H_LEN, (unsigned)fr->len);
	return fr->len;
}

/*
 * A section of count full states of layout l and action, fields
 * make_fields(first + k) into f[first + k]; wire af alternates between af_a
 * and af_b.
 */
static void
add_states(struct frame *fr, enum lay l, unsigned action, unsigned count,
    uint8_t af_a, uint8_t af_b, struct fields *f, unsigned first)
{
	size_t m;
	unsigned k;

	m = frame_sect(fr, action, count, lays[l].size, count);
	for (k = 0; k < count; k++) {
		make_fields(&f[first + k], k % 2 ? af_b : af_a, first + k);
		m += put_state(fr->b + m, l, &f[first + k]);
	}
}

/* UPD_C n: id, creatorid, expire, timeout all distinct. */
static uint64_t
updc_id(unsigned n)
{
	return UINT64_C(0x9192939495969798) + ((uint64_t)n << 24);
}

static void
put_upd_c(uint8_t *m, unsigned n)
{
	put64(m, 0, updc_id(n));		/* id */
	memset(m + 8, 0xa5, 32);		/* src peer */
	memset(m + 40, 0x5a, 32);		/* dst peer */
	put32(m, 72, 0x21222324 + n);		/* creatorid */
	put32(m, 76, 0x00003132 + n);		/* expire (0 from senders) */
	put8(m, 80, 3 + n % 20);		/* timeout */
	put8(m, 81, 0x8b);			/* state_flags / pad */
	put16(m, 82, 0xf1f1);			/* pad */
}

static uint64_t
delc_id(unsigned n)
{
	return UINT64_C(0xb1b2b3b4b5b6b7b8) + ((uint64_t)n << 16);
}

/* DEL_C / INS_ACK / UPD_REQ n: id 0/8, creatorid 8/4. */
static void
put_id_msg(uint8_t *m, uint64_t id, uint32_t creatorid)
{
	put64(m, 0, id);
	put32(m, 8, creatorid);
}

/* CLR: ifname 0/16, creatorid 16/4. */
static void
put_clr(uint8_t *m, const char *ifname, uint32_t creatorid)
{
	memset(m, 0, 16);
	memcpy(m, ifname, strlen(ifname));
	put32(m, 16, creatorid);
}

/* ---------------------------------------------------------- assertions */

static uint64_t
n_flavour(const struct pfsync_stats *st)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < PFSYNC_FLAVOUR_MAX; i++)
		n += st->by_flavour[i];
	return n;
}

static void
assert_key(const struct pf_key *got, const struct pf_key *want)
{
	assert_memory_equal(got->addr[0], want->addr[0], 16);
	assert_memory_equal(got->addr[1], want->addr[1], 16);
	assert_int_equal(got->port[0], want->port[0]);
	assert_int_equal(got->port[1], want->port[1]);
}

/* Every field of a full-state event against the fields it was built from. */
static void
assert_state_event(const struct pf_state_event *ev, unsigned version,
    unsigned kind, const struct fields *f)
{
	assert_int_equal(ev->kind, kind);
	assert_int_equal(ev->version, version);
	assert_int_equal(ev->af, f->af);
	assert_int_equal(ev->proto, f->proto);
	assert_int_equal(ev->direction, f->direction);
	assert_int_equal(ev->timeout, f->timeout);
	assert_true(ev->has_counters);
	assert_int_equal(ev->creatorid, f->creatorid);
	assert_int_equal(ev->id, f->id);
	assert_int_equal(ev->creation_s, f->creation);
	assert_int_equal(ev->expire_s, f->expire);
	assert_int_equal(ev->packets[0], f->packets[0]);
	assert_int_equal(ev->packets[1], f->packets[1]);
	assert_int_equal(ev->bytes[0], f->bytes[0]);
	assert_int_equal(ev->bytes[1], f->bytes[1]);
	assert_key(&ev->key[PF_SK_WIRE], &f->key[PF_SK_WIRE]);
	assert_key(&ev->key[PF_SK_STACK], &f->key[PF_SK_STACK]);
	assert_int_equal(ev->ifname[PFSYNC_IFNAMSIZ], '\0');
	assert_string_equal(ev->ifname, f->ifname);
}

/* Event fields an UPDATE_C / DELETE_C / CLEAR does not carry stay zero. */
static void
assert_no_state_fields(const struct pf_state_event *ev)
{
	assert_int_equal(ev->af, 0);
	assert_int_equal(ev->proto, 0);
	assert_int_equal(ev->direction, 0);
	assert_false(ev->has_counters);
	assert_int_equal(ev->creation_s, 0);
	assert_int_equal(ev->packets[0], 0);
	assert_int_equal(ev->packets[1], 0);
	assert_int_equal(ev->bytes[0], 0);
	assert_int_equal(ev->bytes[1], 0);
	assert_zero(ev->key, sizeof(ev->key));
}

static void
assert_upd_c(const struct pf_state_event *ev, unsigned version, unsigned n)
{
	assert_int_equal(ev->kind, PF_EV_UPDATE_C);
	assert_int_equal(ev->version, version);
	assert_int_equal(ev->id, updc_id(n));
	assert_int_equal(ev->creatorid, 0x21222324 + n);
	assert_int_equal(ev->expire_s, 0x3132 + n);
	assert_int_equal(ev->timeout, 3 + n % 20);
	assert_no_state_fields(ev);
	assert_string_equal(ev->ifname, "");
}

static void
assert_del_c(const struct pf_state_event *ev, unsigned version, unsigned n)
{
	assert_int_equal(ev->kind, PF_EV_DELETE_C);
	assert_int_equal(ev->version, version);
	assert_int_equal(ev->id, delc_id(n));
	assert_int_equal(ev->creatorid, 0x41424344 + n);
	assert_int_equal(ev->timeout, 0);
	assert_int_equal(ev->expire_s, 0);
	assert_no_state_fields(ev);
	assert_string_equal(ev->ifname, "");
}

/* Two events are the same in every field the parser fills. */
static void
assert_event_equal(const struct pf_state_event *a,
    const struct pf_state_event *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->af, b->af);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->direction, b->direction);
	assert_int_equal(a->timeout, b->timeout);
	assert_int_equal(a->has_counters, b->has_counters);
	assert_int_equal(a->creatorid, b->creatorid);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->creation_s, b->creation_s);
	assert_int_equal(a->expire_s, b->expire_s);
	assert_int_equal(a->packets[0], b->packets[0]);
	assert_int_equal(a->packets[1], b->packets[1]);
	assert_int_equal(a->bytes[0], b->bytes[0]);
	assert_int_equal(a->bytes[1], b->bytes[1]);
	assert_key(&a->key[0], &b->key[0]);
	assert_key(&a->key[1], &b->key[1]);
	assert_string_equal(a->ifname, b->ifname);
}

/* ------------------------------------------------------ sizes, kinds */

static void
test_msg_sizes(void **state)
{
	static const struct {
		unsigned fl, action;
		size_t size;
	} t[] = {
		{ PFSYNC_FLAVOUR_OPENBSD45, A_CLR, CLR_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_INS, O45_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_UPD, O45_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_DEL, O45_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_INS_ACK, ID_MSG_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_UPD_C, UPDC_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_UPD_REQ, ID_MSG_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_DEL_C, ID_MSG_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_BUS, BUS_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_TDB, TDB_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_13, 0 },
		{ PFSYNC_FLAVOUR_OPENBSD45, A_INS_F, 0 },
		{ PFSYNC_FLAVOUR_FREEBSD, A_INS, F13_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, A_UPD, F13_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, A_13, F14_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, A_14, F14_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, A_15, F15_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, A_16, F15_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, A_UPD_C, UPDC_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, A_TDB, TDB_SIZE },
		{ PFSYNC_FLAVOUR_FREEBSD, 17, 0 },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_13, V6_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_14, V6_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_DEL, V6_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_15, TDB64_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_CLR, CLR_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_DEL_C, ID_MSG_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_UPD_C, UPDC_SIZE },
		{ PFSYNC_FLAVOUR_OPENBSD6, A_INS, 0 },	/* OINS */
		{ PFSYNC_FLAVOUR_OPENBSD6, A_UPD, 0 },	/* OUPD */
		{ PFSYNC_FLAVOUR_OPENBSD6, A_TDB, 0 },	/* OTDB */
		{ PFSYNC_FLAVOUR_OPENBSD6, A_16, 0 },
		{ PFSYNC_FLAVOUR_OPENBSD6, 255, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(pfsync_framed_msg_size(t[i].fl, t[i].action),
		    t[i].size);
	assert_int_equal(pfsync_framed_msg_kind(PFSYNC_FLAVOUR_FREEBSD, A_13),
	    PFSYNC_MSG_INS);
	assert_int_equal(pfsync_framed_msg_kind(PFSYNC_FLAVOUR_FREEBSD, A_16),
	    PFSYNC_MSG_UPD);
	assert_int_equal(pfsync_framed_msg_kind(PFSYNC_FLAVOUR_OPENBSD6,
	    A_15), PFSYNC_MSG_TDB);
	assert_int_equal(pfsync_framed_msg_kind(PFSYNC_FLAVOUR_OPENBSD6,
	    A_EOF), PFSYNC_MSG_EOF);
}

/* ------------------------------------------------------ full states */

/*
 * One frame per layout: INS x2, UPD x1, and for the OpenBSD ones DEL x1
 * (v6 accepts a full DEL, OpenBSD 4.5 has one), then EOF in v5.  The
 * states alternate between af 2 and this OS's AF_INET6 unless af_b says.
 */
static size_t
build_layout_frame(struct frame *fr, enum lay l, uint8_t af_a, uint8_t af_b,
    struct fields *f, unsigned *n)
{
	const struct lay_info *li = &lays[l];

	frame_init(fr, li->version);
	add_states(fr, l, li->ins, 2, af_a, af_b, f, 0);
	add_states(fr, l, li->upd, 1, af_b, af_a, f, 2);
	*n = 3;
	if (l == LAY_OBSD45 || l == LAY_OBSD6) {
		add_states(fr, l, A_DEL, 1, af_a, af_b, f, 3);
		*n = 4;
	}
	if (li->version == 5)
		frame_eof(fr);
	return frame_done(fr);
}

static void
check_layout(enum lay l, uint8_t af_a, uint8_t af_b)
{
	static struct frame fr;
	const struct lay_info *li = &lays[l];
	struct fields f[4];
	struct pfsync_stats st;
	unsigned n;
	size_t len, want;

	len = build_layout_frame(&fr, l, af_a, af_b, f, &n);
	/* header + (sub + 2 states) + (sub + 1) [+ (sub + 1)] [+ EOF] */
	want = HDR_LEN + n * (SUBHDR_LEN + li->size) - SUBHDR_LEN +
	    (li->version == 5 ? SUBHDR_LEN : 0);
	assert_int_equal(len, want);
	assert_int_equal(get16(fr.b, H_LEN), len);
	if (li->version == 6) {
		assert_int_equal(fr.b[HDR_LEN + SH_WORDS], V6_WORDS);
		assert_int_equal(fr.b[HDR_LEN + SH_ACTION], A_13);
	}

	parse(fr.b, len, &st);
	assert_int_equal(seen.n, n);
	assert_state_event(&seen.ev[0], li->version, PF_EV_INSERT, &f[0]);
	assert_state_event(&seen.ev[1], li->version, PF_EV_INSERT, &f[1]);
	assert_state_event(&seen.ev[2], li->version, PF_EV_UPDATE, &f[2]);
	if (n == 4)
		assert_state_event(&seen.ev[3], li->version, PF_EV_DELETE,
		    &f[3]);
	assert_int_equal(st.by_version[li->version], 1);
	assert_int_equal(st.by_flavour[li->flavour], 1);
	assert_int_equal(n_flavour(&st), 1);
	assert_int_equal(st.msgs[PFSYNC_MSG_INS], 2);
	assert_int_equal(st.msgs[PFSYNC_MSG_UPD], 1);
	assert_int_equal(st.msgs[PFSYNC_MSG_DEL], n == 4 ? 1 : 0);
	assert_int_equal(st.msgs[PFSYNC_MSG_EOF], li->version == 5 ? 1 : 0);
	assert_int_equal(n_bad(&st), 0);
}

static void
test_openbsd45_states(void **state)
{
	(void)state;
	check_layout(LAY_OBSD45, 2, 24);
}

static void
test_freebsd1301_states(void **state)
{
	(void)state;
	check_layout(LAY_F1301, 2, 28);
}

static void
test_freebsd1400_states(void **state)
{
	(void)state;
	check_layout(LAY_F1400, 2, 28);
}

static void
test_freebsd1500_states(void **state)
{
	(void)state;
	check_layout(LAY_F1500, 2, 28);
}

static void
test_openbsd6_states(void **state)
{
	(void)state;
	check_layout(LAY_OBSD6, 2, 24);
}

/* Either BSD's AF_INET6 is IPv6 in every layout; IPv4-only frames too. */
static void
test_address_families(void **state)
{
	unsigned l;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		check_layout(l, 24, 24);
		check_layout(l, 28, 28);
		check_layout(l, 24, 28);
		check_layout(l, 2, 2);
	}
}

/*
 * An OpenBSD v6 INS written out byte by byte where it matters,
 * independent of the builders above: catches a builder and a parser that
 * agree on a mistake.
 */
static void
test_openbsd6_literal(void **state)
{
	static uint8_t p[HDR_LEN + SUBHDR_LEN + V6_SIZE];
	static const uint8_t wire0[4] = { 203, 0, 113, 99 };
	static const uint8_t wire1[4] = { 198, 51, 100, 7 };
	static const uint8_t stack0[4] = { 203, 0, 113, 98 };
	static const uint8_t stack1[4] = { 192, 168, 1, 10 };
	struct pfsync_stats st;
	const struct pf_state_event *ev;

	(void)state;
	memset(p, 0, sizeof(p));
	/* Header: version 6, pad 0, len 288 (0x0120), checksum 0. */
	p[0] = 6;
	p[2] = 0x01;
	p[3] = 0x20;
	/* Subheader at 20: action 13 (INS), 66 words (264 B), count 1. */
	p[20] = 13;
	p[21] = 66;
	p[23] = 1;
	/* The state starts at 24.  id 00000000deadbeef, ifname "vio0". */
	put32(p, 24 + 4, 0xdeadbeef);
	memcpy(p + 24 + 8, "vio0", 4);
	/*
	 * key[WIRE] at 24: addr[0] 203.0.113.99, addr[1] 198.51.100.7,
	 * port[0] 443 (0x01bb) at +32, port[1] 61000 (0xee48) at +34,
	 * rdomain 5 at +36, af 2 at +38.  key[STACK] at 64: 203.0.113.98,
	 * 192.168.1.10, ports 8443 (0x20fb), 1025 (0x0401), rdomain 5.
	 */
	memcpy(p + 24 + 24, wire0, 4);
	memcpy(p + 24 + 40, wire1, 4);
	put16(p, 24 + 56, 0x01bb);
	put16(p, 24 + 58, 0xee48);
	put16(p, 24 + 60, 5);
	p[24 + 62] = 2;
	memcpy(p + 24 + 64, stack0, 4);
	memcpy(p + 24 + 80, stack1, 4);
	put16(p, 24 + 96, 0x20fb);
	put16(p, 24 + 98, 0x0401);
	put16(p, 24 + 100, 5);
	/* creation 300 s at 196, expire 10 s at 200. */
	put32(p, 24 + 196, 300);
	put32(p, 24 + 200, 10);
	/*
	 * packets[0] = 2^32 + 5: high 1 at 204, low 5 at 208; packets[1] =
	 * 7: low at 216; bytes[0] = 1000: low at 224; bytes[1] = 2^33:
	 * high 2 at 228.
	 */
	put32(p, 24 + 204, 1);
	put32(p, 24 + 208, 5);
	put32(p, 24 + 216, 7);
	put32(p, 24 + 224, 1000);
	put32(p, 24 + 228, 2);
	/* creatorid 0a0b0c0d at 236; rtableid 3, 4 at 240, 244. */
	put32(p, 24 + 236, 0x0a0b0c0d);
	put32(p, 24 + 240, 3);
	put32(p, 24 + 244, 4);
	/*
	 * af 2 at 250, proto 17 (UDP) at 251, direction 1 (in) at 252,
	 * log 1 at 253, timeout 7 at 255, state_flags 0x0004 (pflow) at 260.
	 */
	p[24 + 250] = 2;
	p[24 + 251] = 17;
	p[24 + 252] = 1;
	p[24 + 253] = 1;
	p[24 + 255] = 7;
	put16(p, 24 + 260, 0x0004);

	parse(p, sizeof(p), &st);
	assert_int_equal(seen.n, 1);
	ev = &seen.ev[0];
	assert_int_equal(ev->kind, PF_EV_INSERT);
	assert_int_equal(ev->version, 6);
	assert_int_equal(ev->id, 0xdeadbeef);
	assert_string_equal(ev->ifname, "vio0");
	assert_memory_equal(ev->key[PF_SK_WIRE].addr[0], wire0, 4);
	assert_memory_equal(ev->key[PF_SK_WIRE].addr[1], wire1, 4);
	assert_memory_equal(ev->key[PF_SK_STACK].addr[0], stack0, 4);
	assert_memory_equal(ev->key[PF_SK_STACK].addr[1], stack1, 4);
	assert_int_equal(ev->key[PF_SK_WIRE].port[0], 443);
	assert_int_equal(ev->key[PF_SK_WIRE].port[1], 61000);
	assert_int_equal(ev->key[PF_SK_STACK].port[0], 8443);
	assert_int_equal(ev->key[PF_SK_STACK].port[1], 1025);
	assert_int_equal(ev->creation_s, 300);
	assert_int_equal(ev->expire_s, 10);
	assert_int_equal(ev->packets[0], UINT64_C(0x100000005));
	assert_int_equal(ev->packets[1], 7);
	assert_int_equal(ev->bytes[0], 1000);
	assert_int_equal(ev->bytes[1], UINT64_C(0x200000000));
	assert_int_equal(ev->creatorid, 0x0a0b0c0d);
	assert_int_equal(ev->af, 4);
	assert_int_equal(ev->proto, 17);
	assert_int_equal(ev->direction, PFSYNC_DIR_IN);
	assert_int_equal(ev->timeout, 7);
	assert_int_equal(st.by_flavour[PFSYNC_FLAVOUR_OPENBSD6], 1);
	assert_int_equal(n_bad(&st), 0);
}

/* ------------------------------------------------------------ flavour */

/* n full states of layout l at action, then EOF; all decode, flavour l's. */
static void
check_flavour(enum lay l, unsigned action, unsigned n)
{
	static struct frame fr;
	struct fields f[8];
	struct pfsync_stats st;
	size_t len;
	unsigned k, kind;

	frame_init(&fr, 5);
	add_states(&fr, l, action, n, 2, lays[l].af6, f, 0);
	frame_eof(&fr);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(st.by_flavour[lays[l].flavour], 1);
	assert_int_equal(n_flavour(&st), 1);
	assert_int_equal(seen.n, n);
	kind = action == A_INS || action == A_13 || action == A_15 ?
	    PF_EV_INSERT : action == A_DEL ? PF_EV_DELETE : PF_EV_UPDATE;
	for (k = 0; k < n; k++)
		assert_state_event(&seen.ev[k], 5, kind, &f[k]);
	assert_int_equal(n_bad(&st), 0);
}

/*
 * Spec 5.7: 242-byte states at 1/3/6 ending exactly at EOF are FreeBSD,
 * and so is any of 13-16.  Every count a 1500-byte frame can carry, and a
 * few more.
 */
static void
test_flavour_freebsd(void **state)
{
	unsigned n;

	(void)state;
	for (n = 1; n <= 8; n++) {
		check_flavour(LAY_F1301, A_INS, n);
		check_flavour(LAY_F1301, A_UPD, n);
		check_flavour(LAY_F1301, A_DEL, n);
		check_flavour(LAY_F1400, A_13, n);
		check_flavour(LAY_F1400, A_14, n);
		check_flavour(LAY_F1500, A_15, n);
		check_flavour(LAY_F1500, A_16, n);
	}
}

/*
 * Spec 5.7: 240-byte states at 1/3/6 ending exactly at EOF are OpenBSD
 * 4.5.  Two states are the trap: 2 x 242 = 2 x 240 + the 4-byte EOF, so a
 * FreeBSD walk that swallows the EOF as state bytes also ends at len.
 */
static void
test_flavour_openbsd45(void **state)
{
	unsigned n;

	(void)state;
	for (n = 1; n <= 8; n++) {
		check_flavour(LAY_OBSD45, A_INS, n);
		check_flavour(LAY_OBSD45, A_UPD, n);
		check_flavour(LAY_OBSD45, A_DEL, n);
	}
}

/* Any action 13-16 makes a v5 frame FreeBSD, whatever else it holds. */
static void
test_flavour_13_16(void **state)
{
	static struct frame fr;
	struct fields f[4];
	struct pfsync_stats st;
	size_t len, m;

	(void)state;
	/* A 240-byte INS (OpenBSD 4.5 size) followed by a 1400 INS. */
	frame_init(&fr, 5);
	add_states(&fr, LAY_OBSD45, A_INS, 1, 2, 2, f, 0);
	add_states(&fr, LAY_F1400, A_13, 1, 2, 2, f, 1);
	frame_eof(&fr);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(st.by_flavour[PFSYNC_FLAVOUR_FREEBSD], 1);
	assert_int_equal(n_flavour(&st), 1);

	/* Only small messages and a 1500 UPD. */
	frame_init(&fr, 5);
	m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	add_states(&fr, LAY_F1500, A_16, 1, 28, 28, f, 0);
	frame_eof(&fr);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(st.by_flavour[PFSYNC_FLAVOUR_FREEBSD], 1);
	assert_int_equal(seen.n, 2);
	assert_del_c(&seen.ev[0], 5, 0);
	assert_state_event(&seen.ev[1], 5, PF_EV_UPDATE, &f[0]);
	assert_int_equal(n_bad(&st), 0);
}

/* ------------------------------------------------- small messages */

static void
test_upd_c(void **state)
{
	static struct frame fr;
	struct pfsync_stats st;
	unsigned v, k;
	size_t len, m;

	(void)state;
	for (v = 5; v <= 6; v++) {
		frame_init(&fr, v);
		m = frame_sect(&fr, A_UPD_C, 3, UPDC_SIZE, 3);
		if (v == 6)
			assert_int_equal(fr.b[HDR_LEN + SH_WORDS], 21);
		for (k = 0; k < 3; k++)
			put_upd_c(fr.b + m + k * UPDC_SIZE, k);
		if (v == 5)
			frame_eof(&fr);
		len = frame_done(&fr);
		assert_int_equal(len, HDR_LEN + SUBHDR_LEN + 3 * UPDC_SIZE +
		    (v == 5 ? SUBHDR_LEN : 0));
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 3);
		for (k = 0; k < 3; k++)
			assert_upd_c(&seen.ev[k], v, k);
		assert_int_equal(st.msgs[PFSYNC_MSG_UPD_C], 3);
		assert_int_equal(n_bad(&st), 0);
	}
}

/*
 * v5 frame of DEL_C, CLR and INS_ACK, with every byte spelled out.  Its
 * sections fit both v5 flavours alike.
 */
static const uint8_t v5_small[] = {
	/* header: version 5, pad 0, len 92 (0x005c), checksum 16 x 0xee */
	0x05, 0x00, 0x00, 0x5c,
	0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
	0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
	/* 20: subheader DEL_C (7), pad 0, count 2 */
	0x07, 0x00, 0x00, 0x02,
	/* 24: id 0x0a0b0c0d0e0f1011, creatorid 0x31323334 */
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
	0x31, 0x32, 0x33, 0x34,
	/* 36: id 0x8a8b8c8d8e8f9091, creatorid 0xb1b2b3b4 */
	0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91,
	0xb1, 0xb2, 0xb3, 0xb4,
	/* 48: subheader CLR (0), pad 0, count 1 */
	0x00, 0x00, 0x00, 0x01,
	/* 52: ifname "carp0123456789ab" (16, no NUL), creatorid 0xe1e2e3e4 */
	'c', 'a', 'r', 'p', '0', '1', '2', '3',
	'4', '5', '6', '7', '8', '9', 'a', 'b',
	0xe1, 0xe2, 0xe3, 0xe4,
	/* 72: subheader INS_ACK (2), pad 0, count 1 */
	0x02, 0x00, 0x00, 0x01,
	/* 76: id 0x0102030405060708, creatorid 0x11121314: no event */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x11, 0x12, 0x13, 0x14,
	/* 88: EOF (12), pad 0, count 1; 92 = len */
	0x0c, 0x00, 0x00, 0x01,
};

static void
test_del_c_clr_literal(void **state)
{
	struct pfsync_stats st;
	const struct pf_state_event *ev;

	(void)state;
	assert_int_equal(sizeof(v5_small), 92);
	parse(v5_small, sizeof(v5_small), &st);
	assert_int_equal(seen.n, 3);
	ev = &seen.ev[0];
	assert_int_equal(ev->kind, PF_EV_DELETE_C);
	assert_int_equal(ev->version, 5);
	assert_int_equal(ev->id, UINT64_C(0x0a0b0c0d0e0f1011));
	assert_int_equal(ev->creatorid, 0x31323334);
	assert_int_equal(ev->timeout, 0);
	assert_no_state_fields(ev);
	ev = &seen.ev[1];
	assert_int_equal(ev->kind, PF_EV_DELETE_C);
	assert_int_equal(ev->id, UINT64_C(0x8a8b8c8d8e8f9091));
	assert_int_equal(ev->creatorid, 0xb1b2b3b4);
	ev = &seen.ev[2];
	assert_int_equal(ev->kind, PF_EV_CLEAR);
	assert_int_equal(ev->version, 5);
	assert_int_equal(ev->creatorid, 0xe1e2e3e4);
	assert_int_equal(ev->ifname[PFSYNC_IFNAMSIZ], '\0');
	assert_string_equal(ev->ifname, "carp0123456789ab");
	assert_int_equal(ev->id, 0);
	assert_no_state_fields(ev);
	assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 2);
	assert_int_equal(st.msgs[PFSYNC_MSG_CLR], 1);
	assert_int_equal(st.msgs[PFSYNC_MSG_INS_ACK], 1);
	assert_int_equal(st.msgs[PFSYNC_MSG_EOF], 1);
	assert_int_equal(n_flavour(&st), 1);
	assert_int_equal(n_bad(&st), 0);
}

static void
test_del_c_clr_v6(void **state)
{
	static struct frame fr;
	struct pfsync_stats st;
	size_t len, m;
	unsigned k;

	(void)state;
	frame_init(&fr, 6);
	m = frame_sect(&fr, A_CLR, 2, CLR_SIZE, 2);	/* 5 words */
	assert_int_equal(fr.b[HDR_LEN + SH_WORDS], 5);
	put_clr(fr.b + m, "", 0x51525354);		/* all interfaces */
	put_clr(fr.b + m + CLR_SIZE, "pppoe0", 0x61626364);
	m = frame_sect(&fr, A_DEL_C, 4, ID_MSG_SIZE, 4);	/* 3 words */
	assert_int_equal(fr.b[fr.sect[1] + SH_WORDS], 3);
	for (k = 0; k < 4; k++)
		put_id_msg(fr.b + m + k * ID_MSG_SIZE, delc_id(k),
		    0x41424344 + k);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 6);
	assert_int_equal(seen.ev[0].kind, PF_EV_CLEAR);
	assert_int_equal(seen.ev[0].version, 6);
	assert_string_equal(seen.ev[0].ifname, "");
	assert_int_equal(seen.ev[0].creatorid, 0x51525354);
	assert_no_state_fields(&seen.ev[0]);
	assert_int_equal(seen.ev[1].kind, PF_EV_CLEAR);
	assert_string_equal(seen.ev[1].ifname, "pppoe0");
	assert_int_equal(seen.ev[1].creatorid, 0x61626364);
	for (k = 0; k < 4; k++)
		assert_del_c(&seen.ev[2 + k], 6, k);
	assert_int_equal(st.msgs[PFSYNC_MSG_CLR], 2);
	assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 4);
	assert_int_equal(st.msgs[PFSYNC_MSG_EOF], 0);
	assert_int_equal(n_bad(&st), 0);
}

/* INS_ACK, UPD_REQ, BUS, TDB: counted as messages, no event, no error. */
static void
test_counted_only(void **state)
{
	static const struct {
		unsigned version, action, kind;
		size_t size;
	} t[] = {
		{ 5, A_INS_ACK, PFSYNC_MSG_INS_ACK, ID_MSG_SIZE },
		{ 5, A_UPD_REQ, PFSYNC_MSG_UPD_REQ, ID_MSG_SIZE },
		{ 5, A_BUS, PFSYNC_MSG_BUS, BUS_SIZE },
		{ 5, A_TDB, PFSYNC_MSG_TDB, TDB_SIZE },
		{ 6, A_INS_ACK, PFSYNC_MSG_INS_ACK, ID_MSG_SIZE },
		{ 6, A_UPD_REQ, PFSYNC_MSG_UPD_REQ, ID_MSG_SIZE },
		{ 6, A_BUS, PFSYNC_MSG_BUS, BUS_SIZE },
		{ 6, A_15, PFSYNC_MSG_TDB, TDB64_SIZE },	/* 13 words */
	};
	static struct frame fr;
	struct pfsync_stats st;
	unsigned i;
	size_t len;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		frame_init(&fr, t[i].version);
		/* Bodies are 0x3c filler: id/creatorid/spi, never read. */
		frame_sect(&fr, t[i].action, 3, t[i].size, 0);
		if (t[i].version == 5)
			frame_eof(&fr);
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 0);
		assert_int_equal(st.events, 0);
		assert_int_equal(st.msgs[t[i].kind], 3);
		assert_int_equal(st.msgs[PFSYNC_MSG_EOF],
		    t[i].version == 5 ? 1 : 0);
		assert_int_equal(n_bad(&st), 0);
	}
}

/* Sections of count 0 are legal and empty. */
static void
test_count_zero(void **state)
{
	static const unsigned actions[] = { A_CLR, A_UPD_C, A_DEL_C, A_13 };
	static const size_t sizes[] = { CLR_SIZE, UPDC_SIZE, ID_MSG_SIZE,
	    V6_SIZE };
	static struct frame fr;
	struct pfsync_stats st;
	unsigned v, i;
	size_t len;

	(void)state;
	for (v = 5; v <= 6; v++) {
		frame_init(&fr, v);
		for (i = 0; i < 4; i++)
			frame_sect(&fr, actions[i], 0, sizes[i], 0);
		if (v == 5)
			frame_eof(&fr);
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 0);
		assert_int_equal(n_bad(&st), 0);
		assert_int_equal(n_flavour(&st), 1);
	}
}

/* ------------------------------------------------------ mixed frames */

/*
 * CLR, 3 INS, 17 UPD_C (a 1500-byte frame's worth), 5 DEL_C, then EOF in
 * v5: 26 events in frame order.
 */
static size_t
build_mixed(struct frame *fr, enum lay l, struct fields *f)
{
	const struct lay_info *li = &lays[l];
	size_t m;
	unsigned k;

	frame_init(fr, li->version);
	m = frame_sect(fr, A_CLR, 1, CLR_SIZE, 1);
	put_clr(fr->b + m, "carp0", 0x71727374);
	add_states(fr, l, li->ins, 3, 2, li->af6, f, 0);
	m = frame_sect(fr, A_UPD_C, 17, UPDC_SIZE, 17);
	for (k = 0; k < 17; k++)
		put_upd_c(fr->b + m + k * UPDC_SIZE, k);
	m = frame_sect(fr, A_DEL_C, 5, ID_MSG_SIZE, 5);
	for (k = 0; k < 5; k++)
		put_id_msg(fr->b + m + k * ID_MSG_SIZE, delc_id(k),
		    0x41424344 + k);
	if (li->version == 5)
		frame_eof(fr);
	return frame_done(fr);
}

static void
check_mixed_events(unsigned version, const struct fields *f)
{
	unsigned k;

	assert_int_equal(seen.n, 26);
	assert_int_equal(seen.ev[0].kind, PF_EV_CLEAR);
	assert_int_equal(seen.ev[0].version, version);
	assert_string_equal(seen.ev[0].ifname, "carp0");
	assert_int_equal(seen.ev[0].creatorid, 0x71727374);
	for (k = 0; k < 3; k++)
		assert_state_event(&seen.ev[1 + k], version, PF_EV_INSERT,
		    &f[k]);
	for (k = 0; k < 17; k++)
		assert_upd_c(&seen.ev[4 + k], version, k);
	for (k = 0; k < 5; k++)
		assert_del_c(&seen.ev[21 + k], version, k);
}

static void
test_mixed_sections(void **state)
{
	static struct frame fr;
	struct fields f[3];
	struct pfsync_stats st;
	size_t len;
	unsigned l;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		len = build_mixed(&fr, l, f);
		assert_int_equal(get16(fr.b, H_LEN), len);
		parse(fr.b, len, &st);
		check_mixed_events(lays[l].version, f);
		assert_int_equal(st.by_flavour[lays[l].flavour], 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_CLR], 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_INS], 3);
		assert_int_equal(st.msgs[PFSYNC_MSG_UPD_C], 17);
		assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 5);
		assert_int_equal(st.msgs[PFSYNC_MSG_EOF],
		    lays[l].version == 5 ? 1 : 0);
		assert_int_equal(n_bad(&st), 0);
	}
}

/* ----------------------------------------------------------- malformed */

static void
test_short_header(void **state)
{
	uint8_t whole[HDR_LEN];
	struct pfsync_stats st;
	size_t n;
	unsigned v;

	(void)state;
	for (v = 5; v <= 6; v++) {
		/* 1..19 bytes of a header saying version v, len 20. */
		memset(whole, 0, sizeof(whole));
		whole[H_VERSION] = (uint8_t)v;
		put16(whole, H_LEN, HDR_LEN);
		for (n = 1; n < HDR_LEN; n++) {
			parse_exact(whole, n, &st);
			assert_short_header(&st);
			assert_int_equal(st.by_version[v], 1);
		}
	}
	/* A bare 20-byte header, len 20: empty, fine. */
	{
		uint8_t h[HDR_LEN] = { 6, 0, 0, HDR_LEN };

		parse(h, sizeof(h), &st);
		assert_int_equal(seen.n, 0);
		assert_int_equal(n_bad(&st), 0);
	}
}

/* Header len < 20: the frame is nonsense, nothing decoded. */
static void
test_header_len_too_small(void **state)
{
	static const unsigned lens[] = { 0, 1, 4, 19 };
	static struct frame fr;
	struct fields f[3];
	struct pfsync_stats st;
	size_t len;
	unsigned l, i;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			len = build_mixed(&fr, l, f);
			put16(fr.b, H_LEN, lens[i]);
			parse(fr.b, len, &st);
			assert_int_equal(seen.n, 0);
			assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
			assert_int_equal(n_bad(&st), 1);
		}
	}
}

/*
 * Header len > captured: bad_len, and the sections that were captured are
 * decoded all the same.
 */
static void
test_header_len_too_big(void **state)
{
	static struct frame fr;
	struct fields f[3];
	struct pfsync_stats st;
	size_t len;
	unsigned l;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		/* Everything captured (v5: EOF included), len 100 more. */
		len = build_mixed(&fr, l, f);
		put16(fr.b, H_LEN, (unsigned)len + 100);
		parse(fr.b, len, &st);
		check_mixed_events(lays[l].version, f);
		assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
		assert_int_equal(n_bad(&st), 1);
		assert_int_equal(st.by_flavour[lays[l].flavour], 1);

		/* len 65535 */
		put16(fr.b, H_LEN, 0xffff);
		parse(fr.b, len, &st);
		check_mixed_events(lays[l].version, f);
		assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
		assert_int_equal(n_bad(&st), 1);
	}

	/*
	 * FreeBSD 1400 frame captured to the end of its UPD_C section (no
	 * DEL_C, no EOF), header len as sent: CLR, 3 INS, 17 UPD_C.
	 */
	len = build_mixed(&fr, LAY_F1400, f);
	parse(fr.b, fr.sect_end[2], &st);
	assert_int_equal(seen.n, 21);
	assert_int_equal(seen.ev[0].kind, PF_EV_CLEAR);
	assert_state_event(&seen.ev[3], 5, PF_EV_INSERT, &f[2]);
	assert_upd_c(&seen.ev[20], 5, 16);
	assert_true(st.bad[PFSYNC_BAD_LEN] >= 1);
	assert_int_equal(n_bad(&st), st.bad[PFSYNC_BAD_LEN]);

	/* The same cut half-way into the DEL_C section. */
	parse(fr.b, fr.sect_end[2] + SUBHDR_LEN + 2 * ID_MSG_SIZE + 5, &st);
	assert_int_equal(seen.n, 21);
	assert_upd_c(&seen.ev[20], 5, 16);
	assert_true(st.bad[PFSYNC_BAD_LEN] >= 1);
	assert_int_equal(n_bad(&st), st.bad[PFSYNC_BAD_LEN]);
}

/* Captured bytes beyond header len: trailing, every event delivered. */
static void
test_captured_beyond_len(void **state)
{
	static struct frame fr;
	struct fields f[3];
	struct pfsync_stats st;
	size_t len;
	unsigned l;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		len = build_mixed(&fr, l, f);
		/* 7 bytes of a DEL_C subheader and more, outside len. */
		memcpy(fr.b + len, "\x07\x00\x00\x01\x3c\x3c\x3c", 7);
		parse(fr.b, len + 7, &st);
		check_mixed_events(lays[l].version, f);
		assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
		assert_int_equal(n_bad(&st), 1);
		assert_int_equal(st.by_flavour[lays[l].flavour], 1);
	}
}

/*
 * A section whose count x size runs past the frame: bad_len, the earlier
 * sections' events delivered, nothing after.
 */
static void
test_section_overrun(void **state)
{
	static const unsigned counts[] = { 3, 100, 65535 };
	static struct frame fr;
	struct fields f[3];
	struct pfsync_stats st;
	size_t len, m;
	unsigned l, i, k;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		if (l == LAY_OBSD45)
			continue;	/* a broken frame has no sure flavour */
		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			/* CLR, 2 states, UPD_C saying count but holding 2 */
			frame_init(&fr, lays[l].version);
			m = frame_sect(&fr, A_CLR, 1, CLR_SIZE, 1);
			put_clr(fr.b + m, "em1", 0x71727374);
			add_states(&fr, l, lays[l].ins, 2, 2, lays[l].af6, f,
			    0);
			m = frame_sect(&fr, A_UPD_C, 2, UPDC_SIZE, 0);
			for (k = 0; k < 2; k++)
				put_upd_c(fr.b + m + k * UPDC_SIZE, k);
			put16(fr.b, fr.sect[2] + SH_COUNT, counts[i]);
			len = frame_done(&fr);
			parse(fr.b, len, &st);
			assert_int_equal(seen.n, 3);
			assert_int_equal(seen.ev[0].kind, PF_EV_CLEAR);
			assert_state_event(&seen.ev[1], lays[l].version,
			    PF_EV_INSERT, &f[0]);
			assert_state_event(&seen.ev[2], lays[l].version,
			    PF_EV_INSERT, &f[1]);
			assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
			assert_int_equal(n_bad(&st), 1);
			assert_int_equal(st.msgs[PFSYNC_MSG_UPD_C], 0);
		}
	}
	/* OpenBSD 4.5 sizes with only flavour-neutral messages. */
	frame_init(&fr, 5);
	m = frame_sect(&fr, A_DEL_C, 2, ID_MSG_SIZE, 2);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	put_id_msg(fr.b + m + ID_MSG_SIZE, delc_id(1), 0x41424345);
	m = frame_sect(&fr, A_UPD_C, 1, UPDC_SIZE, 0);
	put_upd_c(fr.b + m, 0);
	put16(fr.b, fr.sect[1] + SH_COUNT, 2);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 2);
	assert_del_c(&seen.ev[0], 5, 0);
	assert_del_c(&seen.ev[1], 5, 1);
	assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
	assert_int_equal(n_bad(&st), 1);
}

/*
 * v5 cannot step over an action it does not know (spec 5.1): bad_action
 * and the rest of the frame is dropped.
 */
static void
test_v5_bad_action(void **state)
{
	static const unsigned actions[] = { 17, 20, 255, A_INS_F, A_DEL_F };
	static struct frame fr;
	struct fields f[2];
	struct pfsync_stats st;
	size_t len, m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		/* CLR, DEL_C, the bad one (12 bytes of body), DEL_C, EOF. */
		frame_init(&fr, 5);
		m = frame_sect(&fr, A_CLR, 1, CLR_SIZE, 1);
		put_clr(fr.b + m, "em0", 0x71727374);
		m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
		put_id_msg(fr.b + m, delc_id(0), 0x41424344);
		frame_sect(&fr, actions[i], 1, 12, 0);
		m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 0);
		put_id_msg(fr.b + m, delc_id(1), 0x41424345);
		frame_eof(&fr);
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 2);
		assert_int_equal(seen.ev[0].kind, PF_EV_CLEAR);
		assert_del_c(&seen.ev[1], 5, 0);
		assert_int_equal(st.bad[PFSYNC_BAD_ACTION], 1);
		assert_int_equal(n_bad(&st), 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_EOF], 0);
	}

	/* FreeBSD 1301 INS, then 17: the INS is decoded, then stop. */
	frame_init(&fr, 5);
	add_states(&fr, LAY_F1301, A_INS, 1, 28, 28, f, 0);
	frame_sect(&fr, 17, 1, 12, 0);
	add_states(&fr, LAY_F1301, A_INS, 1, 28, 28, f, 1);
	frame_eof(&fr);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(st.by_flavour[PFSYNC_FLAVOUR_FREEBSD], 1);
	assert_int_equal(seen.n, 1);
	assert_state_event(&seen.ev[0], 5, PF_EV_INSERT, &f[0]);
	assert_int_equal(st.bad[PFSYNC_BAD_ACTION], 1);
	assert_int_equal(n_bad(&st), 1);

	/* FreeBSD 1400 UPD, then 17. */
	frame_init(&fr, 5);
	add_states(&fr, LAY_F1400, A_14, 1, 2, 2, f, 0);
	frame_sect(&fr, 17, 2, 40, 0);
	frame_eof(&fr);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 1);
	assert_state_event(&seen.ev[0], 5, PF_EV_UPDATE, &f[0]);
	assert_int_equal(st.bad[PFSYNC_BAD_ACTION], 1);
	assert_int_equal(n_bad(&st), 1);
}

/*
 * v6 steps over an action it does not know by the section's own word
 * length (spec 5.1) and decodes what follows.
 */
static void
test_v6_unknown_action(void **state)
{
	static const unsigned actions[] = { 16, 17, 20, 255 };
	static struct frame fr;
	struct pfsync_stats st;
	size_t len, m;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		/* CLR, unknown (5 words x 2), DEL_C x2, unknown (0 words). */
		frame_init(&fr, 6);
		m = frame_sect(&fr, A_CLR, 1, CLR_SIZE, 1);
		put_clr(fr.b + m, "em0", 0x71727374);
		frame_sect_raw(&fr, actions[i], 5, 2, 40, 0);
		m = frame_sect(&fr, A_DEL_C, 2, ID_MSG_SIZE, 2);
		put_id_msg(fr.b + m, delc_id(0), 0x41424344);
		put_id_msg(fr.b + m + ID_MSG_SIZE, delc_id(1), 0x41424345);
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 3);
		assert_int_equal(seen.ev[0].kind, PF_EV_CLEAR);
		assert_del_c(&seen.ev[1], 6, 0);
		assert_del_c(&seen.ev[2], 6, 1);
		assert_int_equal(st.bad[PFSYNC_BAD_ACTION], 1);
		assert_int_equal(n_bad(&st), 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 2);
	}

	/* An unknown section that runs past the frame: bad_len too, stop. */
	frame_init(&fr, 6);
	m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	frame_sect_raw(&fr, 20, 5, 3, 40, 0);	/* says 60 bytes, has 40 */
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 1);
	assert_del_c(&seen.ev[0], 6, 0);
	assert_int_equal(st.bad[PFSYNC_BAD_ACTION], 1);
	assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
	assert_int_equal(n_bad(&st), 2);
}

/*
 * v6 deprecated actions (spec 5.2): OINS 1, OUPD 3, OTDB 11 are errors the
 * receiver steps over by their length.
 */
static void
test_v6_deprecated(void **state)
{
	static const struct {
		unsigned action, words;
	} t[] = {
		{ A_INS, 60 },		/* 240-byte OpenBSD 4.5 state */
		{ A_UPD, 60 },
		{ A_TDB, 12 },		/* 48-byte OTDB */
		{ A_INS_F, 3 },
		{ A_DEL_F, 3 },
	};
	static struct frame fr;
	struct fields f[2];
	struct pfsync_stats st;
	size_t len;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		frame_init(&fr, 6);
		add_states(&fr, LAY_OBSD6, A_13, 1, 2, 2, f, 0);
		frame_sect_raw(&fr, t[i].action, t[i].words, 2,
		    2 * t[i].words * 4, 0);
		add_states(&fr, LAY_OBSD6, A_14, 1, 24, 24, f, 1);
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 2);
		assert_state_event(&seen.ev[0], 6, PF_EV_INSERT, &f[0]);
		assert_state_event(&seen.ev[1], 6, PF_EV_UPDATE, &f[1]);
		assert_int_equal(st.bad[PFSYNC_BAD_ACTION], 1);
		assert_int_equal(n_bad(&st), 1);
	}
}

/*
 * v6 known action whose word length is shorter than the struct: bad_len,
 * skipped by its own length; longer: the known prefix is read and the
 * walk steps by the stated length (spec 5.1).
 */
static void
test_v6_word_length(void **state)
{
	static struct frame fr;
	struct fields f[4];
	struct pfsync_stats st;
	size_t len, m;
	unsigned k;

	(void)state;
	/* INS, 10 words x 2, then a DEL_C that must still decode. */
	frame_init(&fr, 6);
	frame_sect_raw(&fr, A_13, 10, 2, 80, 0);
	m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 1);
	assert_del_c(&seen.ev[0], 6, 0);
	assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
	assert_int_equal(n_bad(&st), 1);
	assert_int_equal(st.msgs[PFSYNC_MSG_INS], 0);

	/* 65 words (one short of 66) and a DEL_C section of 2 words. */
	frame_init(&fr, 6);
	frame_sect_raw(&fr, A_14, 65, 1, 260, 0);
	frame_sect_raw(&fr, A_DEL_C, 2, 3, 24, 0);
	m = frame_sect(&fr, A_UPD_C, 1, UPDC_SIZE, 1);
	put_upd_c(fr.b + m, 0);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 1);
	assert_upd_c(&seen.ev[0], 6, 0);
	assert_int_equal(st.bad[PFSYNC_BAD_LEN], 2);
	assert_int_equal(n_bad(&st), 2);

	/*
	 * Longer than known: 70-word states (280 B) and 4-word DEL_C.  The
	 * first 264 / 12 bytes are the messages; the rest is 0x3c filler.
	 */
	frame_init(&fr, 6);
	m = frame_sect_raw(&fr, A_13, 70, 2, 2 * 280, 2);
	for (k = 0; k < 2; k++) {
		make_fields(&f[k], k ? 24 : 2, k);
		put_state(fr.b + m + k * 280, LAY_OBSD6, &f[k]);
	}
	m = frame_sect_raw(&fr, A_DEL_C, 4, 2, 32, 2);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	put_id_msg(fr.b + m + 16, delc_id(1), 0x41424345);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 4);
	assert_state_event(&seen.ev[0], 6, PF_EV_INSERT, &f[0]);
	assert_state_event(&seen.ev[1], 6, PF_EV_INSERT, &f[1]);
	assert_del_c(&seen.ev[2], 6, 0);
	assert_del_c(&seen.ev[3], 6, 1);
	assert_int_equal(n_bad(&st), 0);
}

/*
 * v5: anything after EOF, inside header len, is trailing and not read
 * (spec 5.1: a listener simply stops at EOF).  One v5 layout.
 */
static void
check_after_eof(enum lay l)
{
	static struct frame fr;
	struct fields f[3];
	struct pfsync_stats st;
	size_t len, m;

	/* INS, EOF, then a whole DEL_C section, all inside len. */
	frame_init(&fr, 5);
	add_states(&fr, l, lays[l].ins, 1, 2, 2, f, 0);
	frame_eof(&fr);
	m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 0);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 1);
	assert_state_event(&seen.ev[0], 5, PF_EV_INSERT, &f[0]);
	assert_int_equal(st.msgs[PFSYNC_MSG_EOF], 1);
	assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 0);
	assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
	assert_int_equal(n_bad(&st), 1);
	assert_int_equal(st.by_flavour[lays[l].flavour], 1);
}

static void
test_after_eof(void **state)
{
	static struct frame fr;
	struct pfsync_stats st;
	size_t len, m;

	(void)state;
	check_after_eof(LAY_F1301);
	check_after_eof(LAY_F1400);
	check_after_eof(LAY_F1500);

	/* Flavour-neutral: DEL_C, EOF, 3 stray bytes. */
	frame_init(&fr, 5);
	m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	frame_eof(&fr);
	memset(fr.b + fr.len, 0x07, 3);
	fr.len += 3;
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 1);
	assert_del_c(&seen.ev[0], 5, 0);
	assert_int_equal(st.msgs[PFSYNC_MSG_EOF], 1);
	assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
	assert_int_equal(n_bad(&st), 1);

	/*
	 * v6 has no EOF (deprecated): an OpenBSD receiver calls it a bad
	 * action and stops, a listener simply stops.  Either way the DEL_C
	 * after it is not read.
	 */
	frame_init(&fr, 6);
	m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
	put_id_msg(fr.b + m, delc_id(0), 0x41424344);
	frame_eof(&fr);
	m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 0);
	put_id_msg(fr.b + m, delc_id(1), 0x41424345);
	len = frame_done(&fr);
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 1);
	assert_del_c(&seen.ev[0], 6, 0);
	assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 1);
}

/* The same with 240-byte OpenBSD 4.5 states before the EOF. */
static void
test_after_eof_openbsd45(void **state)
{
	(void)state;
	check_after_eof(LAY_OBSD45);
}

/* 1..3 stray bytes after the last section (no EOF): trailing. */
static void
test_stray_bytes(void **state)
{
	static struct frame fr;
	struct fields f[3];
	struct pfsync_stats st;
	size_t len, m, n;

	(void)state;
	for (n = 1; n <= 3; n++) {
		/* v6: two full states, then n bytes, len counting them. */
		frame_init(&fr, 6);
		add_states(&fr, LAY_OBSD6, A_13, 2, 2, 24, f, 0);
		memset(fr.b + fr.len, 0x07, n);
		fr.len += n;
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 2);
		assert_state_event(&seen.ev[0], 6, PF_EV_INSERT, &f[0]);
		assert_state_event(&seen.ev[1], 6, PF_EV_INSERT, &f[1]);
		assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
		assert_int_equal(n_bad(&st), 1);

		/* v5 FreeBSD 1400, no EOF. */
		frame_init(&fr, 5);
		add_states(&fr, LAY_F1400, A_13, 2, 2, 28, f, 0);
		memset(fr.b + fr.len, 0x0c, n);
		fr.len += n;
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 2);
		assert_state_event(&seen.ev[0], 5, PF_EV_INSERT, &f[0]);
		assert_state_event(&seen.ev[1], 5, PF_EV_INSERT, &f[1]);
		assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
		assert_int_equal(n_bad(&st), 1);

		/* v5, flavour-neutral DEL_C, no EOF. */
		frame_init(&fr, 5);
		m = frame_sect(&fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
		put_id_msg(fr.b + m, delc_id(0), 0x41424344);
		memset(fr.b + fr.len, 0x00, n);
		fr.len += n;
		len = frame_done(&fr);
		parse(fr.b, len, &st);
		assert_int_equal(seen.n, 1);
		assert_del_c(&seen.ev[0], 5, 0);
		assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
		assert_int_equal(n_bad(&st), 1);
	}
}

/*
 * A full state with an af pfflowd cannot use, or a direction that is
 * neither in nor out: counted, no event, the other states still decode.
 */
static void
check_bad_state_byte(enum lay l, int is_af, uint8_t value)
{
	static struct frame fr;
	const struct lay_info *li = &lays[l];
	struct fields f[3];
	struct pfsync_stats st;
	size_t len, off;

	frame_init(&fr, li->version);
	add_states(&fr, l, li->ins, 3, 2, li->af6, f, 0);
	if (li->version == 5)
		frame_eof(&fr);
	len = frame_done(&fr);
	/* The middle state of the section. */
	off = HDR_LEN + SUBHDR_LEN + li->size +
	    (is_af ? li->af_off : li->dir_off);
	fr.b[off] = value;
	parse(fr.b, len, &st);
	assert_int_equal(seen.n, 2);
	assert_state_event(&seen.ev[0], li->version, PF_EV_INSERT, &f[0]);
	assert_state_event(&seen.ev[1], li->version, PF_EV_INSERT, &f[2]);
	assert_int_equal(st.msgs[PFSYNC_MSG_INS], 3);
	assert_int_equal(st.bad[is_af ? PFSYNC_BAD_AF :
	    PFSYNC_BAD_DIRECTION], 1);
	assert_int_equal(n_bad(&st), 1);
	assert_int_equal(st.by_flavour[li->flavour], 1);
}

static void
test_bad_af(void **state)
{
	unsigned l;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		check_bad_state_byte(l, 1, 7);
		check_bad_state_byte(l, 1, 0);
		check_bad_state_byte(l, 1, 30);	/* macOS AF_INET6: not pf */
	}
}

static void
test_bad_direction(void **state)
{
	unsigned l;

	(void)state;
	for (l = 0; l < LAY_MAX; l++) {
		check_bad_state_byte(l, 0, 0);
		check_bad_state_byte(l, 0, 3);
	}
}

/* ------------------------------------------------------ robustness */

/* The valid frames the robustness tests start from. */
#define N_BASE	(LAY_MAX * 3)

static struct frame bases[N_BASE];
static unsigned base_events[N_BASE];
static int base_strict[N_BASE];	/* prefixes have one sure flavour */

/* Every counted-only kind and a CLR, in one frame of version v. */
static size_t
build_small(struct frame *fr, unsigned v)
{
	size_t m;

	frame_init(fr, v);
	m = frame_sect(fr, A_CLR, 1, CLR_SIZE, 1);
	put_clr(fr->b + m, "", 0x71727374);
	frame_sect(fr, A_INS_ACK, 2, ID_MSG_SIZE, 0);
	frame_sect(fr, A_UPD_REQ, 1, ID_MSG_SIZE, 0);
	frame_sect(fr, A_BUS, 1, BUS_SIZE, 0);
	frame_sect(fr, v == 5 ? A_TDB : A_15, 2,
	    v == 5 ? TDB_SIZE : TDB64_SIZE, 0);
	m = frame_sect(fr, A_DEL_C, 1, ID_MSG_SIZE, 1);
	put_id_msg(fr->b + m, delc_id(0), 0x41424344);
	if (v == 5)
		frame_eof(fr);
	return frame_done(fr);
}

static void
build_bases(void)
{
	struct fields f[4];
	unsigned l, n, i = 0;

	for (l = 0; l < LAY_MAX; l++) {
		build_layout_frame(&bases[i], l, 2, lays[l].af6, f, &n);
		base_events[i] = n;
		base_strict[i++] = l != LAY_OBSD45 && l != LAY_F1301;
		build_mixed(&bases[i], l, f);
		base_events[i] = 26;
		base_strict[i++] = l != LAY_OBSD45 && l != LAY_F1301;
		build_small(&bases[i], lays[l].version);
		base_events[i] = 2;
		base_strict[i++] = 1;
	}
}

/*
 * Every prefix of every valid frame, each in a heap buffer of exactly that
 * size.  Short prefixes are short headers; longer ones give exactly the
 * events of the sections wholly inside, the same as the full frame's, and
 * a length error.  Prefixes of 240/242-byte-state frames may look like the
 * other v5 flavour: for them only the bookkeeping is checked.
 */
static void
test_prefixes(void **state)
{
	static struct seen full;
	struct pfsync_stats st;
	const struct frame *fr;
	size_t n;
	unsigned b, s, want, k;

	(void)state;
	build_bases();
	for (b = 0; b < N_BASE; b++) {
		fr = &bases[b];
		parse(fr->b, fr->len, &st);
		assert_int_equal(seen.n, base_events[b]);
		assert_int_equal(n_bad(&st), 0);
		full = seen;
		for (n = 0; n <= fr->len; n++) {
			parse_exact(fr->b, n, &st);
			if (n < HDR_LEN) {
				assert_short_header(&st);
				continue;
			}
			if (n == fr->len) {
				assert_int_equal(seen.n, base_events[b]);
				assert_int_equal(n_bad(&st), 0);
				continue;
			}
			assert_true(st.bad[PFSYNC_BAD_LEN] >= 1);
			if (!base_strict[b])
				continue;
			for (want = 0, s = 0; s < fr->n_sect; s++)
				if (fr->sect_end[s] <= n)
					want += fr->sect_events[s];
			assert_int_equal(seen.n, want);
			for (k = 0; k < want; k++)
				assert_event_equal(&seen.ev[k], &full.ev[k]);
			assert_int_equal(n_bad(&st),
			    st.bad[PFSYNC_BAD_LEN] +
			    st.bad[PFSYNC_BAD_TRAILING]);
		}
	}
}

/* One random change of the kind a broken or hostile sender makes. */
static void
mutate(uint8_t *p, size_t *len, const struct frame *fr, uint32_t *seed)
{
	size_t sh = fr->sect[rnd(seed) % fr->n_sect];
	uint32_t r = rnd(seed);

	switch (r % 8) {
	case 0:		/* flip a byte */
		if (*len > 0)
			p[rnd(seed) % *len] ^= (uint8_t)(1 + rnd(seed) % 255);
		break;
	case 1:		/* a count: small, near the real one, or huge */
		if (sh + SUBHDR_LEN <= *len)
			put16(p, sh + SH_COUNT, r & 0x100 ? rnd(seed) % 8 :
			    r & 0x200 ? 0xffff : rnd(seed) & 0xffff);
		break;
	case 2:		/* a v6 word length */
		if (sh + SUBHDR_LEN <= *len)
			p[sh + SH_WORDS] = (uint8_t)rnd(seed);
		break;
	case 3:		/* an action */
		if (sh + SUBHDR_LEN <= *len)
			p[sh + SH_ACTION] = (uint8_t)(rnd(seed) % 20);
		break;
	case 4:		/* the header length */
		put16(p, H_LEN, r & 0x100 ? (unsigned)(*len + rnd(seed) % 9) -
		    4 : rnd(seed) & 0xffff);
		break;
	case 5:		/* cut the capture */
		*len = rnd(seed) % (*len + 1);
		break;
	case 6:		/* capture some bytes more */
		*len += rnd(seed) % 64;
		break;
	default:	/* the other framed version */
		p[H_VERSION] ^= 5 ^ 6;
		break;
	}
}

/*
 * 50,000 mutations of the valid frames, each parsed from an exactly-sized
 * heap buffer.  Only invariants are checked: no read out of bounds (ASan),
 * every sink call counted, every event well-formed.
 */
static void
test_mutations(void **state)
{
	static uint8_t work[MAX_FRAME + 64 * 8];
	struct pfsync_stats st;
	const struct frame *fr;
	uint32_t seed = 0x5eed5005;
	uint64_t n_msgs;
	unsigned iter, i, k, n_mut;
	size_t len;

	(void)state;
	build_bases();
	for (iter = 0; iter < 50000; iter++) {
		fr = &bases[rnd(&seed) % N_BASE];
		memset(work, 0x3c, sizeof(work));
		memcpy(work, fr->b, fr->len);
		len = fr->len;
		n_mut = 1 + rnd(&seed) % 4;
		for (k = 0; k < n_mut; k++)
			mutate(work, &len, fr, &seed);
		parse_exact(work, len, &st);
		assert_true(n_flavour(&st) <= 1);
		for (n_msgs = 0, i = 0; i < PFSYNC_MSG_MAX; i++)
			if (i != PFSYNC_MSG_EOF)
				n_msgs += st.msgs[i];
		assert_true(st.events <= n_msgs);
		assert_events_sane(5, 6, 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_sizes),
		cmocka_unit_test(test_openbsd45_states),
		cmocka_unit_test(test_freebsd1301_states),
		cmocka_unit_test(test_freebsd1400_states),
		cmocka_unit_test(test_freebsd1500_states),
		cmocka_unit_test(test_openbsd6_states),
		cmocka_unit_test(test_address_families),
		cmocka_unit_test(test_openbsd6_literal),
		cmocka_unit_test(test_flavour_freebsd),
		cmocka_unit_test(test_flavour_openbsd45),
		cmocka_unit_test(test_flavour_13_16),
		cmocka_unit_test(test_upd_c),
		cmocka_unit_test(test_del_c_clr_literal),
		cmocka_unit_test(test_del_c_clr_v6),
		cmocka_unit_test(test_counted_only),
		cmocka_unit_test(test_count_zero),
		cmocka_unit_test(test_mixed_sections),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_header_len_too_small),
		cmocka_unit_test(test_header_len_too_big),
		cmocka_unit_test(test_captured_beyond_len),
		cmocka_unit_test(test_section_overrun),
		cmocka_unit_test(test_v5_bad_action),
		cmocka_unit_test(test_v6_unknown_action),
		cmocka_unit_test(test_v6_deprecated),
		cmocka_unit_test(test_v6_word_length),
		cmocka_unit_test(test_after_eof),
		cmocka_unit_test(test_after_eof_openbsd45),
		cmocka_unit_test(test_stray_bytes),
		cmocka_unit_test(test_bad_af),
		cmocka_unit_test(test_bad_direction),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
