/*
 * test_pfsync_legacy.c - the single-action pfsync formats, versions 2, 3, 4
 * (wire-spec sections 3 and 4), through pfsync_parse().
 *
 * Fixtures are built field by field at the offsets of the wire-spec tables
 * (not from the structs in wire/pfsync.h), and every field gets a value no
 * other field has, so a parser reading at a shifted offset, in the wrong
 * byte order or with the counter halves swapped produces a wrong event.
 * Fields the parser must skip (peers, rt_addr, rules, flags) are filled
 * with non-zero filler so a leak into the event shows too.
 *
 * This binary also runs under ASan in CI: the prefix and garbage tests hand
 * the parser exactly-sized heap buffers so any read past the end is caught.
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

#define MAX_EV	300		/* events the recording sink keeps */
#include "pfsync_fixture.h"

/* ------------------------------------------------------------ wire-spec */

/* Header (spec 4.1): version 0, af 1 (unused), action 2, count 3. */
#define H_VERSION	0
#define H_AF		1
#define H_ACTION	2
#define H_COUNT		3
#define H_CHKSUM	4	/* v3/v4: 16 opaque bytes */
#define HDR_V2		4
#define HDR_V34		20

/* pfsync_state, offsets common to v2, v3, v4 (spec 4.3.2-4.3.4). */
#define S_ID		0	/* 8, opaque, read as BE u64 */
#define S_IFNAME	8	/* 16, NUL-padded */
#define S_LAN		24	/* v2/v3 host: addr 16, port 2, pad 6 */
#define S_GWY		48
#define S_EXT		72
#define S_KEY_WIRE	24	/* v4 key36: addr[0] 16, addr[1] 16, */
#define S_KEY_STACK	60	/*   port[0] 2, port[1] 2 */
#define S_SRC_PEER	96	/* 32 */
#define S_DST_PEER	128	/* 32 */
#define S_RT_ADDR	160	/* 16 */
#define S_RULE		176
#define S_ANCHOR	180
#define S_NAT_RULE	184
#define S_CREATION	188	/* BE u32, age in seconds */
#define S_EXPIRE	192	/* BE u32, seconds left */
#define S_PACKETS	196	/* v2: 2 x BE u32; v3/v4: 2 x (hi, lo) */

/* v2 tail (spec 4.3.2). */
#define S2_BYTES	204
#define S2_CREATORID	212
#define S2_AF		216
#define S2_SIZE		224

/* v3/v4 tail (spec 4.3.3, 4.3.4). */
#define S3_BYTES	212
#define S3_CREATORID	228
#define S3_AF		232
#define S3_SIZE		240
/*
 * After af, in both tails: proto +1, direction +2, log +3,
 * allow_opts/state_flags +4, timeout +5, sync_flags +6, updates +7.
 */

/*
 * Auxiliary messages (spec 4.4), offset/size:
 *   UPD_C  id 0/8, src 8/32, dst 40/32, creatorid 72/4, expire 76/4,
 *          timeout 80, updates 81, pad 82/6
 *   DEL_C  id 0/8, creatorid 8/4, src.state 12, dst.state 13, pad 14/2
 *   CLR    ifname 0/16, creatorid 16/4, pad 20/4
 *   UREQ   id 0/8, creatorid 8/4, pad 12/4
 *   BUS    creatorid 0/4, endtime 4/4, status 8, pad 9/7
 *   TDB    spi, sockaddr, rpl, cur_bytes, sproto, updates, pad
 */
#define UPDC_SIZE	88
#define DELC_SIZE	16
#define CLR_SIZE	24
#define UREQ_SIZE	16
#define BUS_SIZE	16
#define TDB_SIZE	48

#define MAX_FRAME	2048

/* ------------------------------------------------------------- helpers */

/* Everything a full state carries, with values no two fields share. */
struct fields {
	uint64_t	id;
	char		ifname[PFSYNC_IFNAMSIZ + 1];
	uint8_t		wire_af;	/* 2, 24, 28 */
	uint8_t		af;		/* 4 or 6, as the event says */
	/* v2/v3 hosts */
	uint8_t		lan[16], gwy[16], ext[16];
	uint16_t	lan_port, gwy_port, ext_port;
	/* v4 keys, as on the wire */
	struct pf_key	key[2];
	uint32_t	creation, expire;
	uint64_t	packets[2], bytes[2];
	uint32_t	creatorid;
	uint8_t		proto, direction, timeout;
};

/*
 * Values for state number n of a frame.  Ports have different high and
 * low bytes (a byte swap shows); counter halves differ (a hi/lo swap
 * shows); v2 counters have the top bit set (sign extension shows).
 */
static void
make_fields(struct fields *f, unsigned version, uint8_t wire_af, unsigned n)
{
	memset(f, 0, sizeof(*f));
	f->id = UINT64_C(0x0102030405060708) + ((uint64_t)n << 40);
	if (n % 2 == 0)
		strcpy(f->ifname, "em0");
	else
		strcpy(f->ifname, "abcdefghijklmnop");	/* 16, no NUL */
	f->wire_af = wire_af;
	f->af = wire_af == PFSYNC_AF_INET ? 4 : 6;
	make_addr(f->lan, f->af, (uint8_t)(0x10 + n));
	make_addr(f->gwy, f->af, (uint8_t)(0x30 + n));
	make_addr(f->ext, f->af, (uint8_t)(0x50 + n));
	f->lan_port = (uint16_t)(0x1234 + n);
	f->gwy_port = (uint16_t)(0x5678 + n);
	f->ext_port = (uint16_t)(0x9abc + n);
	make_addr(f->key[PF_SK_WIRE].addr[0], f->af, (uint8_t)(0x70 + n));
	make_addr(f->key[PF_SK_WIRE].addr[1], f->af, (uint8_t)(0x90 + n));
	make_addr(f->key[PF_SK_STACK].addr[0], f->af, (uint8_t)(0xb0 + n));
	make_addr(f->key[PF_SK_STACK].addr[1], f->af, (uint8_t)(0xd0 + n));
	f->key[PF_SK_WIRE].port[0] = (uint16_t)(0x2345 + n);
	f->key[PF_SK_WIRE].port[1] = (uint16_t)(0x6789 + n);
	f->key[PF_SK_STACK].port[0] = (uint16_t)(0xabcd + n);
	f->key[PF_SK_STACK].port[1] = (uint16_t)(0xef01 + n);
	f->creation = 0x00012345 + n;
	f->expire = 0x00000678 + n;
	if (version == PFSYNC_V2) {
		f->packets[0] = 0x81111111 + n;
		f->packets[1] = 0x82222222 + n;
		f->bytes[0] = 0x83333333 + n;
		f->bytes[1] = 0x84444444 + n;
	} else {
		f->packets[0] = UINT64_C(0x00000001a0000011) + n;
		f->packets[1] = UINT64_C(0x00000002b0000022) + n;
		f->bytes[0] = UINT64_C(0x00000003c0000033) + n;
		f->bytes[1] = UINT64_C(0x00000004d0000044) + n;
	}
	f->creatorid = 0xc0ffee01 + n;
	f->proto = n % 2 == 0 ? 6 : 17;
	f->direction = n % 2 == 0 ? PFSYNC_DIR_OUT : PFSYNC_DIR_IN;
	f->timeout = (uint8_t)(2 + n);
}

static void
put_host(uint8_t *m, size_t off, const uint8_t addr[16], uint16_t port)
{
	memcpy(m + off, addr, 16);
	put16(m, off + 16, port);
	memset(m + off + 18, 0xf1, 6);		/* pad, filler */
}

static void
put_key36(uint8_t *m, size_t off, const struct pf_key *k)
{
	memcpy(m + off, k->addr[0], 16);
	memcpy(m + off + 16, k->addr[1], 16);
	put16(m, off + 32, k->port[0]);
	put16(m, off + 34, k->port[1]);
}

/* Write one full state message of version at m; returns its size. */
static size_t
put_state(uint8_t *m, unsigned version, const struct fields *f)
{
	size_t tail, size;
	unsigned d;

	put64(m, S_ID, f->id);
	memset(m + S_IFNAME, 0, PFSYNC_IFNAMSIZ);
	memcpy(m + S_IFNAME, f->ifname, strlen(f->ifname));
	if (version == PFSYNC_V4) {
		put_key36(m, S_KEY_WIRE, &f->key[PF_SK_WIRE]);
		put_key36(m, S_KEY_STACK, &f->key[PF_SK_STACK]);
	} else {
		put_host(m, S_LAN, f->lan, f->lan_port);
		put_host(m, S_GWY, f->gwy, f->gwy_port);
		put_host(m, S_EXT, f->ext, f->ext_port);
	}
	/* Peers, rt_addr, rule numbers: never part of an event. */
	memset(m + S_SRC_PEER, 0xa5, 32);
	memset(m + S_DST_PEER, 0x5a, 32);
	memset(m + S_RT_ADDR, 0xc3, 16);
	put32(m, S_RULE, 0xdddd0001);
	put32(m, S_ANCHOR, 0xdddd0002);
	put32(m, S_NAT_RULE, 0xdddd0003);
	put32(m, S_CREATION, f->creation);
	put32(m, S_EXPIRE, f->expire);
	if (version == PFSYNC_V2) {
		for (d = 0; d < 2; d++) {
			put32(m, S_PACKETS + 4 * d, (uint32_t)f->packets[d]);
			put32(m, S2_BYTES + 4 * d, (uint32_t)f->bytes[d]);
		}
		put32(m, S2_CREATORID, f->creatorid);
		tail = S2_AF;
		size = S2_SIZE;
	} else {
		/* 64-bit counters as two BE u32, high half first. */
		for (d = 0; d < 2; d++) {
			put64(m, S_PACKETS + 8 * d, f->packets[d]);
			put64(m, S3_BYTES + 8 * d, f->bytes[d]);
		}
		put32(m, S3_CREATORID, f->creatorid);
		tail = S3_AF;
		size = S3_SIZE;
	}
	put8(m, tail + 0, f->wire_af);
	put8(m, tail + 1, f->proto);
	put8(m, tail + 2, f->direction);
	put8(m, tail + 3, 0x77);		/* log */
	put8(m, tail + 4, 0x01);		/* allow_opts / state_flags */
	put8(m, tail + 5, f->timeout);
	put8(m, tail + 6, 0x04);		/* sync_flags */
	put8(m, tail + 7, 0x09);		/* updates */
	return size;
}

/* Write a legacy header; returns its length. */
static size_t
put_header(uint8_t *p, unsigned version, unsigned action, unsigned count)
{
	put8(p, H_VERSION, version);
	put8(p, H_AF, 0x99);		/* unused by senders: must be ignored */
	put8(p, H_ACTION, action);
	put8(p, H_COUNT, count);
	if (version == PFSYNC_V2)
		return HDR_V2;
	memset(p + H_CHKSUM, 0xee, 16);	/* ruleset MD5, opaque */
	return HDR_V34;
}

/*
 * A whole frame of n full states of one action; states get fields
 * make_fields(k) for k = 0..n-1, all with wire_af.  Returns the length.
 */
static size_t
build_states(uint8_t *p, unsigned version, unsigned action, unsigned n,
    uint8_t wire_af, struct fields *f)
{
	size_t len;
	unsigned k;

	memset(p, 0, MAX_FRAME);
	len = put_header(p, version, action, n);
	for (k = 0; k < n; k++) {
		make_fields(&f[k], version, wire_af, k);
		len += put_state(p + len, version, &f[k]);
	}
	return len;
}

static void
assert_key(const struct pf_key *k, const uint8_t a0[16], uint16_t p0,
    const uint8_t a1[16], uint16_t p1)
{
	assert_memory_equal(k->addr[0], a0, 16);
	assert_memory_equal(k->addr[1], a1, 16);
	assert_int_equal(k->port[0], p0);
	assert_int_equal(k->port[1], p1);
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
	if (version == PFSYNC_V4) {
		/* Keys exactly as on the wire. */
		assert_key(&ev->key[PF_SK_WIRE],
		    f->key[PF_SK_WIRE].addr[0], f->key[PF_SK_WIRE].port[0],
		    f->key[PF_SK_WIRE].addr[1], f->key[PF_SK_WIRE].port[1]);
		assert_key(&ev->key[PF_SK_STACK],
		    f->key[PF_SK_STACK].addr[0], f->key[PF_SK_STACK].port[0],
		    f->key[PF_SK_STACK].addr[1], f->key[PF_SK_STACK].port[1]);
	} else {
		/* Spec 8.3: WIRE = {ext, gwy}, STACK = {ext, lan}. */
		assert_key(&ev->key[PF_SK_WIRE], f->ext, f->ext_port,
		    f->gwy, f->gwy_port);
		assert_key(&ev->key[PF_SK_STACK], f->ext, f->ext_port,
		    f->lan, f->lan_port);
	}
	assert_int_equal(ev->ifname[PFSYNC_IFNAMSIZ], '\0');
	assert_string_equal(ev->ifname, f->ifname);
}

/* ------------------------------------------------------ full states */

static void
test_msg_sizes(void **state)
{
	(void)state;
	assert_int_equal(pfsync_legacy_msg_size(2, PFSYNC_L_INS), 224);
	assert_int_equal(pfsync_legacy_msg_size(2, PFSYNC_L_UPD), 224);
	assert_int_equal(pfsync_legacy_msg_size(2, PFSYNC_L_DEL), 224);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_DEL), 240);
	assert_int_equal(pfsync_legacy_msg_size(4, PFSYNC_L_INS), 240);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_CLR), CLR_SIZE);
	assert_int_equal(pfsync_legacy_msg_size(2, PFSYNC_L_UPD_C), UPDC_SIZE);
	assert_int_equal(pfsync_legacy_msg_size(4, PFSYNC_L_DEL_C), DELC_SIZE);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_UREQ), UREQ_SIZE);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_BUS), BUS_SIZE);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_TDB_UPD), TDB_SIZE);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_INS_F), 0);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_DEL_F), 0);
	assert_int_equal(pfsync_legacy_msg_size(3, PFSYNC_L_MAX), 0);
	assert_int_equal(pfsync_legacy_msg_size(1, PFSYNC_L_DEL), 0);
	assert_int_equal(pfsync_legacy_msg_size(5, PFSYNC_L_DEL), 0);
}

/* One DEL of the given version and wire af; every field checked. */
static void
check_one_del(unsigned version, uint8_t wire_af)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[1];
	struct pfsync_stats st;
	size_t len;

	len = build_states(p, version, PFSYNC_L_DEL, 1, wire_af, f);
	assert_int_equal(len, version == PFSYNC_V2 ? 4 + 224 : 20 + 240);
	parse(p, len, &st);
	assert_int_equal(seen.n, 1);
	assert_state_event(&seen.ev[0], version, PF_EV_DELETE, &f[0]);
	assert_int_equal(st.by_version[version], 1);
	assert_int_equal(st.msgs[PFSYNC_MSG_DEL], 1);
	assert_int_equal(n_bad(&st), 0);
}

static void
test_v2_del(void **state)
{
	(void)state;
	check_one_del(PFSYNC_V2, PFSYNC_AF_INET);
}

static void
test_v3_del(void **state)
{
	(void)state;
	check_one_del(PFSYNC_V3, PFSYNC_AF_INET);
}

static void
test_v4_del(void **state)
{
	(void)state;
	check_one_del(PFSYNC_V4, PFSYNC_AF_INET);
}

static void
test_ipv6(void **state)
{
	unsigned v;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		check_one_del(v, PFSYNC_AF_INET6_OPENBSD);	/* 24 */
		check_one_del(v, PFSYNC_AF_INET6_FREEBSD);	/* 28 */
	}
}

/*
 * A v3 DEL written out byte by byte where it matters, independent of the
 * builder above: catches a builder and a parser that agree on a mistake.
 */
static void
test_v3_del_literal(void **state)
{
	static uint8_t p[HDR_V34 + S3_SIZE];
	struct pfsync_stats st;
	const struct pf_state_event *ev;
	static const uint8_t lan[4] = { 192, 168, 1, 10 };
	static const uint8_t gwy[4] = { 198, 51, 100, 7 };
	static const uint8_t ext[4] = { 203, 0, 113, 99 };

	(void)state;
	memset(p, 0, sizeof(p));
	/* Header: version 3, af 0, action 3 (DEL), count 1, checksum 0. */
	put8(p, 0, 3);
	put8(p, 2, 3);
	put8(p, 3, 1);
	/* The state starts at 20.  id 00000000deadbeef, ifname "vio0". */
	put32(p, 20 + 4, 0xdeadbeef);
	memcpy(p + 20 + 8, "vio0", 4);
	/*
	 * lan 192.168.1.10 port 1025 (0x0401) at 24/40, gwy 198.51.100.7
	 * port 61000 (0xee48) at 48/64, ext 203.0.113.99 port 443 (0x01bb)
	 * at 72/88.
	 */
	memcpy(p + 20 + 24, lan, 4);
	put16(p, 20 + 40, 0x0401);
	memcpy(p + 20 + 48, gwy, 4);
	put16(p, 20 + 64, 0xee48);
	memcpy(p + 20 + 72, ext, 4);
	put16(p, 20 + 88, 0x01bb);
	/* creation 300 s at 188, expire 10 s at 192. */
	put32(p, 20 + 188, 300);
	put32(p, 20 + 192, 10);
	/*
	 * packets[0] = 2^32 + 5: high half 1 at 196, low half 5 at 200;
	 * packets[1] = 7: 0 at 204, 7 at 208; bytes[0] = 1000: 0 at 212,
	 * 1000 at 216; bytes[1] = 2^33: 2 at 220, 0 at 224.
	 */
	put32(p, 20 + 196, 1);
	put32(p, 20 + 200, 5);
	put32(p, 20 + 208, 7);
	put32(p, 20 + 216, 1000);
	put32(p, 20 + 220, 2);
	/*
	 * creatorid 0a0b0c0d at 228; af 2 at 232, proto 6 (TCP) at 233,
	 * direction 2 (out) at 234, timeout 2 at 237.
	 */
	put32(p, 20 + 228, 0x0a0b0c0d);
	put8(p, 20 + 232, 2);
	put8(p, 20 + 233, 6);
	put8(p, 20 + 234, 2);
	put8(p, 20 + 237, 2);

	parse(p, sizeof(p), &st);
	assert_int_equal(seen.n, 1);
	ev = &seen.ev[0];
	assert_int_equal(ev->kind, PF_EV_DELETE);
	assert_int_equal(ev->version, 3);
	assert_int_equal(ev->id, 0xdeadbeef);
	assert_string_equal(ev->ifname, "vio0");
	assert_memory_equal(ev->key[PF_SK_WIRE].addr[0], ext, 4);
	assert_memory_equal(ev->key[PF_SK_WIRE].addr[1], gwy, 4);
	assert_memory_equal(ev->key[PF_SK_STACK].addr[0], ext, 4);
	assert_memory_equal(ev->key[PF_SK_STACK].addr[1], lan, 4);
	assert_int_equal(ev->key[PF_SK_WIRE].port[0], 443);
	assert_int_equal(ev->key[PF_SK_WIRE].port[1], 61000);
	assert_int_equal(ev->key[PF_SK_STACK].port[0], 443);
	assert_int_equal(ev->key[PF_SK_STACK].port[1], 1025);
	assert_int_equal(ev->creation_s, 300);
	assert_int_equal(ev->expire_s, 10);
	assert_int_equal(ev->packets[0], UINT64_C(0x100000005));
	assert_int_equal(ev->packets[1], 7);
	assert_int_equal(ev->bytes[0], 1000);
	assert_int_equal(ev->bytes[1], UINT64_C(0x200000000));
	assert_int_equal(ev->creatorid, 0x0a0b0c0d);
	assert_int_equal(ev->af, 4);
	assert_int_equal(ev->proto, 6);
	assert_int_equal(ev->direction, PFSYNC_DIR_OUT);
	assert_int_equal(ev->timeout, 2);
}

static void
test_several_states(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[6];
	struct pfsync_stats st;
	unsigned v, k;
	size_t len;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		/* Six states fill a 1500-byte MTU (spec 4.1). */
		len = build_states(p, v, PFSYNC_L_DEL, 6, PFSYNC_AF_INET, f);
		parse(p, len, &st);
		assert_int_equal(seen.n, 6);
		for (k = 0; k < 6; k++)
			assert_state_event(&seen.ev[k], v, PF_EV_DELETE,
			    &f[k]);
		assert_int_equal(st.msgs[PFSYNC_MSG_DEL], 6);
		assert_int_equal(st.by_version[v], 1);
		assert_int_equal(n_bad(&st), 0);
	}
}

static void
test_ins_upd(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[2];
	struct pfsync_stats st;
	unsigned v;
	size_t len;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		len = build_states(p, v, PFSYNC_L_INS, 2, PFSYNC_AF_INET, f);
		parse(p, len, &st);
		assert_int_equal(seen.n, 2);
		assert_state_event(&seen.ev[0], v, PF_EV_INSERT, &f[0]);
		assert_state_event(&seen.ev[1], v, PF_EV_INSERT, &f[1]);
		assert_int_equal(st.msgs[PFSYNC_MSG_INS], 2);
		assert_int_equal(n_bad(&st), 0);

		len = build_states(p, v, PFSYNC_L_UPD, 2,
		    PFSYNC_AF_INET6_FREEBSD, f);
		parse(p, len, &st);
		assert_int_equal(seen.n, 2);
		assert_state_event(&seen.ev[0], v, PF_EV_UPDATE, &f[0]);
		assert_state_event(&seen.ev[1], v, PF_EV_UPDATE, &f[1]);
		assert_int_equal(st.msgs[PFSYNC_MSG_UPD], 2);
		assert_int_equal(n_bad(&st), 0);
	}
}

/* The legacy parser can be called on its own and decodes the same way. */
static void
test_legacy_entry(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[2];
	struct pfsync_stats st;
	size_t len;

	(void)state;
	len = build_states(p, PFSYNC_V4, PFSYNC_L_DEL, 2, PFSYNC_AF_INET, f);
	memset(&st, 0, sizeof(st));
	memset(&seen, 0, sizeof(seen));
	pfsync_legacy_parse(p, len, &sink, &st);
	assert_int_equal(seen.n, 2);
	assert_int_equal(st.events, 2);
	assert_state_event(&seen.ev[0], PFSYNC_V4, PF_EV_DELETE, &f[0]);
	assert_state_event(&seen.ev[1], PFSYNC_V4, PF_EV_DELETE, &f[1]);
	assert_int_equal(n_bad(&st), 0);
}

/* ------------------------------------------------- auxiliary messages */

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
test_upd_c(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct pfsync_stats st;
	const struct pf_state_event *ev;
	size_t len, m;
	unsigned k;

	(void)state;
	/* v2 header (4 bytes), action 4 (UPD_C), two 88-byte messages. */
	memset(p, 0, sizeof(p));
	len = put_header(p, PFSYNC_V2, PFSYNC_L_UPD_C, 2);
	for (k = 0; k < 2; k++) {
		m = len;
		put64(p, m + 0, UINT64_C(0x1112131415161718) + k);	/* id */
		memset(p + m + 8, 0xa5, 32);		/* src peer */
		memset(p + m + 40, 0x5a, 32);		/* dst peer */
		put32(p, m + 72, 0x21222324 + k);	/* creatorid */
		put32(p, m + 76, 0x00003132 + k);	/* expire */
		put8(p, m + 80, 5 + k);			/* timeout */
		put8(p, m + 81, 0x42);			/* updates */
		memset(p + m + 82, 0xf1, 6);		/* pad, filler */
		len += UPDC_SIZE;
	}
	assert_int_equal(len, 4 + 2 * 88);
	parse(p, len, &st);
	assert_int_equal(seen.n, 2);
	for (k = 0; k < 2; k++) {
		ev = &seen.ev[k];
		assert_int_equal(ev->kind, PF_EV_UPDATE_C);
		assert_int_equal(ev->version, 2);
		assert_int_equal(ev->id, UINT64_C(0x1112131415161718) + k);
		assert_int_equal(ev->creatorid, 0x21222324 + k);
		assert_int_equal(ev->expire_s, 0x3132 + k);
		assert_int_equal(ev->timeout, 5 + k);
		assert_no_state_fields(ev);
		assert_string_equal(ev->ifname, "");
	}
	assert_int_equal(st.msgs[PFSYNC_MSG_UPD_C], 2);
	assert_int_equal(n_bad(&st), 0);
}

static void
test_del_c(void **state)
{
	/*
	 * v3 header: 03 (version) 00 (af) 05 (DEL_C) 02 (count), 16 bytes
	 * checksum; then two 16-byte DEL_C: id (8), creatorid (4),
	 * src.state, dst.state, pad (2).
	 */
	static const uint8_t p[HDR_V34 + 2 * DELC_SIZE] = {
		0x03, 0x00, 0x05, 0x02,
		0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
		0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
		/* id 0x0a0b0c0d0e0f1011, creatorid 0x31323334 */
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
		0x31, 0x32, 0x33, 0x34, 0x04, 0x05, 0xf1, 0xf1,
		/* id 0x8a8b8c8d8e8f9091, creatorid 0xb1b2b3b4 */
		0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91,
		0xb1, 0xb2, 0xb3, 0xb4, 0x0a, 0x0a, 0xf1, 0xf1,
	};
	struct pfsync_stats st;
	const struct pf_state_event *ev;

	(void)state;
	parse(p, sizeof(p), &st);
	assert_int_equal(seen.n, 2);
	ev = &seen.ev[0];
	assert_int_equal(ev->kind, PF_EV_DELETE_C);
	assert_int_equal(ev->version, 3);
	assert_int_equal(ev->id, UINT64_C(0x0a0b0c0d0e0f1011));
	assert_int_equal(ev->creatorid, 0x31323334);
	assert_int_equal(ev->timeout, 0);
	assert_int_equal(ev->expire_s, 0);
	assert_no_state_fields(ev);
	ev = &seen.ev[1];
	assert_int_equal(ev->kind, PF_EV_DELETE_C);
	assert_int_equal(ev->id, UINT64_C(0x8a8b8c8d8e8f9091));
	assert_int_equal(ev->creatorid, 0xb1b2b3b4);
	assert_int_equal(st.msgs[PFSYNC_MSG_DEL_C], 2);
	assert_int_equal(n_bad(&st), 0);
}

static void
test_clr(void **state)
{
	/*
	 * v4 header: 04 00 00 (CLR) 02 (count), checksum; then two 24-byte
	 * CLR: ifname (16), creatorid (4), pad (4).  The first names all
	 * interfaces (""), the second a 16-byte name with no NUL.
	 */
	static const uint8_t p[HDR_V34 + 2 * CLR_SIZE] = {
		0x04, 0x00, 0x00, 0x02,
		0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
		0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
		/* ifname "" */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* creatorid 0x51525354, pad */
		0x51, 0x52, 0x53, 0x54, 0xf1, 0xf1, 0xf1, 0xf1,
		/* ifname "carp0123456789ab" */
		'c', 'a', 'r', 'p', '0', '1', '2', '3',
		'4', '5', '6', '7', '8', '9', 'a', 'b',
		/* creatorid 0xe1e2e3e4, pad */
		0xe1, 0xe2, 0xe3, 0xe4, 0xf1, 0xf1, 0xf1, 0xf1,
	};
	struct pfsync_stats st;
	const struct pf_state_event *ev;

	(void)state;
	parse(p, sizeof(p), &st);
	assert_int_equal(seen.n, 2);
	ev = &seen.ev[0];
	assert_int_equal(ev->kind, PF_EV_CLEAR);
	assert_int_equal(ev->version, 4);
	assert_int_equal(ev->creatorid, 0x51525354);
	assert_string_equal(ev->ifname, "");
	assert_int_equal(ev->id, 0);
	assert_no_state_fields(ev);
	ev = &seen.ev[1];
	assert_int_equal(ev->kind, PF_EV_CLEAR);
	assert_int_equal(ev->creatorid, 0xe1e2e3e4);
	assert_int_equal(ev->ifname[PFSYNC_IFNAMSIZ], '\0');
	assert_string_equal(ev->ifname, "carp0123456789ab");
	assert_int_equal(st.msgs[PFSYNC_MSG_CLR], 2);
	assert_int_equal(n_bad(&st), 0);
}

/* UREQ, BUS, TDB_UPD: counted as messages, no event, no error. */
static void
test_counted_only(void **state)
{
	static const struct {
		unsigned action, kind;
		size_t size;
	} t[] = {
		{ PFSYNC_L_UREQ, PFSYNC_MSG_UREQ, UREQ_SIZE },
		{ PFSYNC_L_BUS, PFSYNC_MSG_BUS, BUS_SIZE },
		{ PFSYNC_L_TDB_UPD, PFSYNC_MSG_TDB, TDB_SIZE },
	};
	static uint8_t p[MAX_FRAME];
	struct pfsync_stats st;
	unsigned i, v;
	size_t len;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			memset(p, 0x3c, sizeof(p));	/* message filler */
			len = put_header(p, v, t[i].action, 3);
			len += 3 * t[i].size;
			parse(p, len, &st);
			assert_int_equal(seen.n, 0);
			assert_int_equal(st.events, 0);
			assert_int_equal(st.msgs[t[i].kind], 3);
			assert_int_equal(n_bad(&st), 0);
		}
	}
}

/* ----------------------------------------------------------- malformed */

static void
test_short_header(void **state)
{
	/* 02 00 03: a v2 header missing its count byte. */
	static const uint8_t v2[3] = { 0x02, 0x00, 0x03 };
	/* 03 00 03 01 and 15 of the 16 checksum bytes. */
	static const uint8_t v3[19] = { 0x03, 0x00, 0x03, 0x01 };
	struct pfsync_stats st;
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(v2); n++) {
		parse(v2, n, &st);
		assert_short_header(&st);
	}
	parse(v3, sizeof(v3), &st);
	assert_short_header(&st);
	/* The same 19 bytes as v4. */
	{
		uint8_t v4[19];

		memcpy(v4, v3, sizeof(v4));
		v4[0] = 4;
		parse(v4, sizeof(v4), &st);
		assert_int_equal(st.bad[PFSYNC_BAD_SHORT_HEADER], 1);
		assert_int_equal(n_bad(&st), 1);
	}
}

static void
test_bad_version(void **state)
{
	static const uint8_t versions[] = { 0, 7, 255 };
	/* version, af 0, action 3 (DEL), count 0, checksum */
	uint8_t p[HDR_V34] = { 0, 0, 3, 0 };
	struct pfsync_stats st;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(versions); i++) {
		p[0] = versions[i];
		parse(p, sizeof(p), &st);
		assert_int_equal(seen.n, 0);
		assert_int_equal(st.bad[PFSYNC_BAD_VERSION], 1);
		assert_int_equal(n_bad(&st), 1);
		if (versions[i] != 7)
			assert_int_equal(st.by_version[0], 1);
	}
}

static void
test_unsupported_version(void **state)
{
	/* v1: 01 00 03 (DEL) 01, then a raw kernel struct nobody can read. */
	static uint8_t p[4 + 256] = { 0x01, 0x00, 0x03, 0x01 };
	struct pfsync_stats st;

	(void)state;
	parse(p, sizeof(p), &st);
	assert_int_equal(seen.n, 0);
	assert_int_equal(st.bad[PFSYNC_BAD_UNSUPPORTED], 1);
	assert_int_equal(n_bad(&st), 1);
	assert_int_equal(st.by_version[1], 1);
}

static void
test_bad_action(void **state)
{
	static const unsigned actions[] = { 11, 255 };
	static uint8_t p[MAX_FRAME];
	struct pfsync_stats st;
	unsigned i, v;
	size_t len;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		for (i = 0; i < 2; i++) {
			memset(p, 0, sizeof(p));
			len = put_header(p, v, actions[i], 1) + 240;
			parse(p, len, &st);
			assert_int_equal(seen.n, 0);
			assert_int_equal(st.bad[PFSYNC_BAD_ACTION], 1);
			assert_int_equal(n_bad(&st), 1);
		}
	}
}

/* INS_F / DEL_F were never implemented: no event, whatever is counted. */
static void
test_unimplemented_action(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct pfsync_stats st;
	unsigned a;
	size_t len;

	(void)state;
	for (a = PFSYNC_L_INS_F; a <= PFSYNC_L_DEL_F; a++) {
		memset(p, 0, sizeof(p));
		len = put_header(p, PFSYNC_V3, a, 2) + 2 * 240;
		parse(p, len, &st);
		assert_int_equal(seen.n, 0);
	}
}

static void
test_bad_len(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[1];
	struct pfsync_stats st;
	unsigned v;
	size_t len;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		/* count says 3, one whole state follows. */
		len = build_states(p, v, PFSYNC_L_DEL, 1, PFSYNC_AF_INET, f);
		p[H_COUNT] = 3;
		parse(p, len, &st);
		assert_int_equal(seen.n, 1);
		assert_state_event(&seen.ev[0], v, PF_EV_DELETE, &f[0]);
		assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
		assert_int_equal(n_bad(&st), 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_DEL], 1);

		/* count 3, one state and half of the next. */
		len += (v == PFSYNC_V2 ? S2_SIZE : S3_SIZE) / 2;
		parse(p, len, &st);
		assert_int_equal(seen.n, 1);
		assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
		assert_int_equal(n_bad(&st), 1);
	}
}

static void
test_trailing(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[2];
	struct pfsync_stats st;
	unsigned v;
	size_t len;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		/* One state and 5 bytes more. */
		len = build_states(p, v, PFSYNC_L_DEL, 1, PFSYNC_AF_INET, f);
		memset(p + len, 0x7e, 5);
		parse(p, len + 5, &st);
		assert_int_equal(seen.n, 1);
		assert_state_event(&seen.ev[0], v, PF_EV_DELETE, &f[0]);
		assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
		assert_int_equal(n_bad(&st), 1);

		/* count 1 but two whole states: only the first is read. */
		len = build_states(p, v, PFSYNC_L_DEL, 2, PFSYNC_AF_INET, f);
		p[H_COUNT] = 1;
		parse(p, len, &st);
		assert_int_equal(seen.n, 1);
		assert_state_event(&seen.ev[0], v, PF_EV_DELETE, &f[0]);
		assert_int_equal(st.bad[PFSYNC_BAD_TRAILING], 1);
		assert_int_equal(n_bad(&st), 1);
	}
}

static void
test_bad_af(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[3];
	struct pfsync_stats st;
	unsigned v;
	size_t len, af_off, size, hdr;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		hdr = v == PFSYNC_V2 ? HDR_V2 : HDR_V34;
		size = v == PFSYNC_V2 ? S2_SIZE : S3_SIZE;
		af_off = v == PFSYNC_V2 ? S2_AF : S3_AF;

		len = build_states(p, v, PFSYNC_L_DEL, 1, PFSYNC_AF_INET, f);
		p[hdr + af_off] = 7;
		parse(p, len, &st);
		assert_int_equal(seen.n, 0);
		assert_int_equal(st.bad[PFSYNC_BAD_AF], 1);
		assert_int_equal(n_bad(&st), 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_DEL], 1);

		/* The bad state in the middle: the others still decode. */
		len = build_states(p, v, PFSYNC_L_DEL, 3, PFSYNC_AF_INET, f);
		p[hdr + size + af_off] = 30;	/* macOS AF_INET6: not pf */
		parse(p, len, &st);
		assert_int_equal(seen.n, 2);
		assert_state_event(&seen.ev[0], v, PF_EV_DELETE, &f[0]);
		assert_state_event(&seen.ev[1], v, PF_EV_DELETE, &f[2]);
		assert_int_equal(st.bad[PFSYNC_BAD_AF], 1);
		assert_int_equal(n_bad(&st), 1);
		assert_int_equal(st.msgs[PFSYNC_MSG_DEL], 3);
	}
}

static void
test_bad_direction(void **state)
{
	static const uint8_t dirs[] = { 0, 3 };
	static uint8_t p[MAX_FRAME];
	struct fields f[1];
	struct pfsync_stats st;
	unsigned v, i;
	size_t len, dir_off;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		/* direction is the byte after af and proto */
		dir_off = v == PFSYNC_V2 ? HDR_V2 + S2_AF : HDR_V34 + S3_AF;
		dir_off += 2;
		for (i = 0; i < sizeof(dirs); i++) {
			len = build_states(p, v, PFSYNC_L_DEL, 1,
			    PFSYNC_AF_INET, f);
			p[dir_off] = dirs[i];
			parse(p, len, &st);
			assert_int_equal(seen.n, 0);
			assert_int_equal(st.bad[PFSYNC_BAD_DIRECTION], 1);
			assert_int_equal(n_bad(&st), 1);
		}
	}
}

static void
test_count_zero(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct pfsync_stats st;
	unsigned v, a;
	size_t len;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		for (a = PFSYNC_L_CLR; a <= PFSYNC_L_DEL_C; a++) {
			memset(p, 0, sizeof(p));
			len = put_header(p, v, a, 0);
			parse(p, len, &st);
			assert_int_equal(seen.n, 0);
			assert_int_equal(n_bad(&st), 0);
			assert_int_equal(st.by_version[v], 1);
		}
	}
}

/* ------------------------------------------------------ robustness */

/*
 * Every prefix of a valid frame, each in a heap buffer of exactly that
 * size: short prefixes are short headers, longer ones yield exactly the
 * whole messages they hold and one bad_len.
 */
static void
check_prefixes(const uint8_t *frame, size_t len, size_t hdr, size_t size,
    unsigned count)
{
	struct pfsync_stats st;
	size_t n;

	for (n = 0; n <= len; n++) {
		parse_exact(frame, n, &st);
		if (n < hdr) {
			assert_short_header(&st);
		} else if (n < len) {
			assert_int_equal(seen.n, (n - hdr) / size);
			assert_int_equal(st.bad[PFSYNC_BAD_LEN], 1);
			assert_int_equal(n_bad(&st), 1);
		} else {
			assert_int_equal(seen.n, count);
			assert_int_equal(n_bad(&st), 0);
		}
	}
}

static void
test_prefixes(void **state)
{
	static uint8_t p[MAX_FRAME];
	struct fields f[3];
	unsigned v;
	size_t len, hdr;

	(void)state;
	for (v = PFSYNC_V2; v <= PFSYNC_V4; v++) {
		hdr = v == PFSYNC_V2 ? HDR_V2 : HDR_V34;
		len = build_states(p, v, PFSYNC_L_DEL, 3,
		    PFSYNC_AF_INET6_OPENBSD, f);
		check_prefixes(p, len, hdr,
		    v == PFSYNC_V2 ? S2_SIZE : S3_SIZE, 3);

		memset(p, 0x42, sizeof(p));
		len = put_header(p, v, PFSYNC_L_UPD_C, 3) + 3 * UPDC_SIZE;
		check_prefixes(p, len, hdr, UPDC_SIZE, 3);

		memset(p, 0x42, sizeof(p));
		len = put_header(p, v, PFSYNC_L_DEL_C, 4) + 4 * DELC_SIZE;
		check_prefixes(p, len, hdr, DELC_SIZE, 4);

		memset(p, 0x42, sizeof(p));
		len = put_header(p, v, PFSYNC_L_CLR, 2) + 2 * CLR_SIZE;
		check_prefixes(p, len, hdr, CLR_SIZE, 2);
	}
}

/*
 * Random frames, most of them with a plausible version and action so the
 * parser gets past the header.  Only invariants are checked: no read out
 * of bounds (ASan), every sink call counted, every full-state event sane.
 */
static void
test_garbage(void **state)
{
	static uint8_t work[1600];
	struct pfsync_stats st;
	uint32_t seed = 0x5eed1234;
	unsigned iter;
	size_t len, j;

	(void)state;
	for (iter = 0; iter < 50000; iter++) {
		len = rnd(&seed) % sizeof(work);
		for (j = 0; j < len; j++)
			work[j] = (uint8_t)rnd(&seed);
		if (len > 0 && iter % 4 != 0)
			work[0] = (uint8_t)(2 + rnd(&seed) % 3);
		if (len > 2 && iter % 4 != 0)
			work[2] = (uint8_t)(rnd(&seed) % 12);
		if (len > 3 && iter % 2 == 0)
			work[3] = (uint8_t)(rnd(&seed) % 8);
		parse_exact(work, len, &st);
		/* Versions 2-4; has_counters is not required here. */
		assert_events_sane(2, 4, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_sizes),
		cmocka_unit_test(test_v2_del),
		cmocka_unit_test(test_v3_del),
		cmocka_unit_test(test_v4_del),
		cmocka_unit_test(test_v3_del_literal),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_several_states),
		cmocka_unit_test(test_ins_upd),
		cmocka_unit_test(test_legacy_entry),
		cmocka_unit_test(test_upd_c),
		cmocka_unit_test(test_del_c),
		cmocka_unit_test(test_clr),
		cmocka_unit_test(test_counted_only),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_unsupported_version),
		cmocka_unit_test(test_bad_action),
		cmocka_unit_test(test_unimplemented_action),
		cmocka_unit_test(test_bad_len),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_bad_af),
		cmocka_unit_test(test_bad_direction),
		cmocka_unit_test(test_count_zero),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
