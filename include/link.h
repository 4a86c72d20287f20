/*
 * link.h - from a captured packet to the pfsync frame inside it.
 *
 * Knows the link types pfflowd accepts and the IPv4/IPv6 headers that carry
 * pfsync (IP protocol 240).  Pure functions over the captured bytes; the
 * capture thread calls them once per packet.  Never parses pfsync itself.
 */
#ifndef PFF_LINK_H
#define PFF_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPPROTO_PFSYNC_NUM	240

/* pcap link types (LINKTYPE_* values as they appear in savefiles). */
enum {
	LINK_NULL = 0,		/* BSD loopback, host-order AF word */
	LINK_ETHERNET = 1,
	LINK_RAW = 101,		/* raw IPv4 or IPv6 */
	LINK_LOOP = 108,	/* OpenBSD loopback, network-order AF word */
	LINK_LINUX_SLL = 113,
	LINK_PFSYNC_OPENBSD = 18,	/* DLT_PFSYNC on OpenBSD */
	LINK_PFSYNC_FREEBSD = 121,	/* DLT_PFSYNC on FreeBSD */
	LINK_IPV4 = 228,
	LINK_IPV6 = 229,
	LINK_PFSYNC = 246,	/* LINKTYPE_PFSYNC */
	LINK_LINUX_SLL2 = 276,
	LINK_DLT_RAW_BSD = 12,	/* DLT_RAW on most BSDs */
	LINK_DLT_RAW_OPENBSD = 14,
};

/* Why a captured packet carried no pfsync frame.  Names: link_bad_name(). */
enum link_bad {
	LINK_BAD_SHORT,		/* shorter than its link header */
	LINK_BAD_NOT_IP,	/* ethertype / AF is not IPv4 or IPv6 */
	LINK_BAD_IP_HEADER,	/* IP version/IHL/length make no sense */
	LINK_BAD_NOT_PFSYNC,	/* IP protocol is not 240 */
	LINK_BAD_FRAGMENT,	/* an IP fragment: not reassembled */
	LINK_BAD_TRUNCATED,	/* captured less than the IP length says */
	LINK_BAD_MAX
};

/* A pfsync frame located inside a packet. */
struct link_frame {
	size_t		off;		/* first byte of the pfsync header */
	size_t		len;		/* pfsync bytes (IP padding trimmed) */
	uint8_t		src_af;		/* 4, 6, or 0 when no IP header */
	uint8_t		src[16];	/* sender address, network order */
};

/* True if pfflowd can read this link type. */
bool	link_supported(int linktype);

/* Human name for a link type ("EN10MB", "PFSYNC", ...). */
const char *link_name(int linktype);

/*
 * Locate the pfsync frame in p[0..caplen).  Returns -1 and fills *out, or
 * returns the enum link_bad reason.  For pfsync link types a leading IPv4
 * or IPv6 header carrying protocol 240 is detected and skipped.
 */
int	link_strip(int linktype, const uint8_t *p, size_t caplen,
	    struct link_frame *out);

const char *link_bad_name(unsigned reason);

#endif /* PFF_LINK_H */
