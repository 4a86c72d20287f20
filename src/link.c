/*
 * link.c - strip link and IP headers down to the pfsync frame.
 *
 * Two ways pfsync reaches a capture: on the pfsync0 pseudo-interface
 * (DLT_PFSYNC, the frame itself, or since OpenBSD 7.4 with its IPv4 header
 * still in front), or on the sync network as IP protocol 240 inside
 * Ethernet, Linux cooked, raw or loopback framing.
 */
#include <string.h>

#include "link.h"
#include "wire/cursor.h"

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define MAX_VLAN_TAGS	4

#define IP4_MIN_HDR	20
#define IP6_HDR		40
#define IP4_MF		0x2000
#define IP4_OFFMASK	0x1fff

/* BSD address families seen in NULL/LOOP headers. */
#define BSD_AF_INET	2
#define BSD_AF_INET6_OPENBSD	24
#define BSD_AF_INET6_FREEBSD	28
#define BSD_AF_INET6_DARWIN	30

static const char *const bad_names[LINK_BAD_MAX] = {
	[LINK_BAD_SHORT] = "short",
	[LINK_BAD_NOT_IP] = "not_ip",
	[LINK_BAD_IP_HEADER] = "ip_header",
	[LINK_BAD_NOT_PFSYNC] = "not_pfsync",
	[LINK_BAD_FRAGMENT] = "fragment",
	[LINK_BAD_TRUNCATED] = "truncated",
};

const char *
link_bad_name(unsigned reason)
{
	return reason < LINK_BAD_MAX ? bad_names[reason] : "unknown";
}

static const struct {
	int		 type;
	const char	*name;
} link_types[] = {
	{ LINK_NULL, "NULL" },
	{ LINK_ETHERNET, "EN10MB" },
	{ LINK_DLT_RAW_BSD, "RAW" },
	{ LINK_DLT_RAW_OPENBSD, "RAW" },
	{ LINK_PFSYNC_OPENBSD, "PFSYNC" },
	{ LINK_RAW, "RAW" },
	{ LINK_LOOP, "LOOP" },
	{ LINK_LINUX_SLL, "LINUX_SLL" },
	{ LINK_PFSYNC_FREEBSD, "PFSYNC" },
	{ LINK_IPV4, "IPV4" },
	{ LINK_IPV6, "IPV6" },
	{ LINK_PFSYNC, "PFSYNC" },
	{ LINK_LINUX_SLL2, "LINUX_SLL2" },
};

bool
link_supported(int linktype)
{
	size_t i;

	for (i = 0; i < sizeof(link_types) / sizeof(link_types[0]); i++)
		if (link_types[i].type == linktype)
			return true;
	return false;
}

const char *
link_name(int linktype)
{
	size_t i;

	for (i = 0; i < sizeof(link_types) / sizeof(link_types[0]); i++)
		if (link_types[i].type == linktype)
			return link_types[i].name;
	return "unsupported";
}

static int
strip_ipv4(const uint8_t *p, size_t len, size_t off, struct link_frame *out)
{
	struct cursor c;
	unsigned ihl, total, frag, proto;

	cursor_init(&c, p + off, len - off);
	ihl = (cursor_u8(&c) & 0x0f) * 4u;
	cursor_skip(&c, 1);			/* TOS */
	total = cursor_u16(&c);
	cursor_skip(&c, 2);			/* id */
	frag = cursor_u16(&c);
	cursor_skip(&c, 1);			/* TTL */
	proto = cursor_u8(&c);
	cursor_skip(&c, 2);			/* checksum */
	cursor_copy(&c, out->src, 4);
	if (!cursor_ok(&c))
		return LINK_BAD_SHORT;
	if (ihl < IP4_MIN_HDR || total < ihl)
		return LINK_BAD_IP_HEADER;
	if (proto != IPPROTO_PFSYNC_NUM)
		return LINK_BAD_NOT_PFSYNC;
	if (frag & (IP4_MF | IP4_OFFMASK))
		return LINK_BAD_FRAGMENT;
	if (total > len - off)
		return LINK_BAD_TRUNCATED;
	memset(out->src + 4, 0, 12);
	out->src_af = 4;
	out->off = off + ihl;
	out->len = total - ihl;	/* trims link-layer padding */
	return -1;
}

/* IPv6 extension headers a sender's stack may put before protocol 240. */
#define IP6_HOPOPTS	0
#define IP6_ROUTING	43
#define IP6_FRAGMENT	44
#define IP6_DSTOPTS	60
#define IP6_MAX_EXT	8

static int
strip_ipv6(const uint8_t *p, size_t len, size_t off, struct link_frame *out)
{
	struct cursor c;
	unsigned payload, next, n_ext = 0;
	size_t hdrs = IP6_HDR;
	bool fragment = false;

	cursor_init(&c, p + off, len - off);
	cursor_skip(&c, 4);			/* version, class, label */
	payload = cursor_u16(&c);
	next = cursor_u8(&c);
	cursor_skip(&c, 1);			/* hop limit */
	cursor_copy(&c, out->src, 16);
	cursor_skip(&c, 16);			/* destination */
	if (!cursor_ok(&c))
		return LINK_BAD_SHORT;
	if (payload == 0)		/* jumbogram: never pfsync */
		return LINK_BAD_IP_HEADER;
	/* Walk extension headers to learn the protocol (and fragmenting). */
	while (next != IPPROTO_PFSYNC_NUM && n_ext++ < IP6_MAX_EXT) {
		unsigned ext_next, ext_len;

		if (next != IP6_HOPOPTS && next != IP6_ROUTING &&
		    next != IP6_FRAGMENT && next != IP6_DSTOPTS)
			break;
		ext_next = cursor_u8(&c);
		ext_len = cursor_u8(&c);
		if (next == IP6_FRAGMENT) {
			/* Offset or more-fragments set: a real fragment. */
			if (cursor_u16(&c) & 0xfff9)
				fragment = true;
			cursor_skip(&c, 4);	/* identification */
			hdrs += 8;
		} else {
			cursor_skip(&c, 6 + (size_t)ext_len * 8);
			hdrs += 8 + (size_t)ext_len * 8;
		}
		if (!cursor_ok(&c))
			return LINK_BAD_SHORT;
		next = ext_next;
	}
	if (next != IPPROTO_PFSYNC_NUM)
		return LINK_BAD_NOT_PFSYNC;
	if (fragment)
		return LINK_BAD_FRAGMENT;
	if (payload > len - off - IP6_HDR)
		return LINK_BAD_TRUNCATED;
	if (payload < hdrs - IP6_HDR)
		return LINK_BAD_IP_HEADER;
	out->src_af = 6;
	out->off = off + hdrs;
	out->len = payload - (hdrs - IP6_HDR);
	return -1;
}

/* Dispatch on the IP version nibble at p[off]. */
static int
strip_ip(const uint8_t *p, size_t len, size_t off, struct link_frame *out)
{
	if (off >= len)
		return LINK_BAD_SHORT;
	switch (p[off] >> 4) {
	case 4:
		return strip_ipv4(p, len, off, out);
	case 6:
		return strip_ipv6(p, len, off, out);
	default:
		return LINK_BAD_NOT_IP;
	}
}

static int
strip_ethertype(unsigned type, const uint8_t *p, size_t len, size_t off,
    struct link_frame *out)
{
	if (type == ETHERTYPE_IPV4 && off < len && p[off] >> 4 == 4)
		return strip_ipv4(p, len, off, out);
	if (type == ETHERTYPE_IPV6 && off < len && p[off] >> 4 == 6)
		return strip_ipv6(p, len, off, out);
	if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6)
		return off < len ? LINK_BAD_IP_HEADER : LINK_BAD_SHORT;
	return LINK_BAD_NOT_IP;
}

static int
strip_ethernet(const uint8_t *p, size_t len, struct link_frame *out)
{
	struct cursor c;
	unsigned type, tags = 0;

	cursor_init(&c, p, len);
	cursor_skip(&c, 12);			/* destination, source MAC */
	type = cursor_u16(&c);
	while ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	    type == ETHERTYPE_QINQ_OLD) && tags++ < MAX_VLAN_TAGS) {
		cursor_skip(&c, 2);		/* PCP, DEI, VLAN id */
		type = cursor_u16(&c);
	}
	if (!cursor_ok(&c))
		return LINK_BAD_SHORT;
	return strip_ethertype(type, p, len, c.off, out);
}

/* BSD loopback: a 4-byte address family, in the given byte order. */
static int
strip_loopback(const uint8_t *p, size_t len, bool host_order,
    struct link_frame *out)
{
	uint32_t af;

	if (len < 4)
		return LINK_BAD_SHORT;
	af = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	/*
	 * DLT_NULL is in the byte order of the machine that captured, which
	 * the file does not say; an AF value is small, so a big one is the
	 * other order.
	 */
	if (host_order && af > 0xffff)
		af = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[1] << 8 | p[0];
	switch (af) {
	case BSD_AF_INET:
	case BSD_AF_INET6_OPENBSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return strip_ip(p, len, 4, out);
	default:
		return LINK_BAD_NOT_IP;
	}
}

/*
 * pfsync0: the frame itself, unless an IP header carrying protocol 240 is
 * in front (OpenBSD >= 7.4).  No pfsync version starts with 0x4_ or 0x6_,
 * so the test cannot mistake a frame for a header.
 */
static int
strip_pfsync(const uint8_t *p, size_t len, struct link_frame *out)
{
	if (len >= IP4_MIN_HDR && p[0] >> 4 == 4 &&
	    p[9] == IPPROTO_PFSYNC_NUM)
		return strip_ipv4(p, len, 0, out);
	if (len >= IP6_HDR && p[0] >> 4 == 6 && p[6] == IPPROTO_PFSYNC_NUM)
		return strip_ipv6(p, len, 0, out);
	out->off = 0;
	out->len = len;
	out->src_af = 0;
	memset(out->src, 0, sizeof(out->src));
	return -1;
}

int
link_strip(int linktype, const uint8_t *p, size_t caplen,
    struct link_frame *out)
{
	memset(out, 0, sizeof(*out));
	switch (linktype) {
	case LINK_PFSYNC:
	case LINK_PFSYNC_OPENBSD:
	case LINK_PFSYNC_FREEBSD:
		return strip_pfsync(p, caplen, out);
	case LINK_ETHERNET:
		return strip_ethernet(p, caplen, out);
	case LINK_LINUX_SLL:
		if (caplen < 16)
			return LINK_BAD_SHORT;
		return strip_ethertype((unsigned)p[14] << 8 | p[15], p,
		    caplen, 16, out);
	case LINK_LINUX_SLL2:
		if (caplen < 20)
			return LINK_BAD_SHORT;
		return strip_ethertype((unsigned)p[0] << 8 | p[1], p, caplen,
		    20, out);
	case LINK_RAW:
	case LINK_DLT_RAW_BSD:
	case LINK_DLT_RAW_OPENBSD:
		return strip_ip(p, caplen, 0, out);
	case LINK_IPV4:
		return caplen ? strip_ipv4(p, caplen, 0, out) : LINK_BAD_SHORT;
	case LINK_IPV6:
		return caplen ? strip_ipv6(p, caplen, 0, out) : LINK_BAD_SHORT;
	case LINK_NULL:
		return strip_loopback(p, caplen, true, out);
	case LINK_LOOP:
		return strip_loopback(p, caplen, false, out);
	default:
		return LINK_BAD_NOT_IP;
	}
}
