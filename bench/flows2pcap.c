/*
 * flows2pcap.c - the packets behind a list of flows, for baseline (c):
 * softflowd exporting the same flows that pfflowd exports from pfsync.
 *
 * Reads pfsyncgen's flow list (-F: "proto src sport dst dport packets
 * bytes first_ms last_ms provenance" per line; -f lines, without the
 * provenance word, work too) and writes an Ethernet/IPv4 pcap in which
 * each IPv4 flow is up to --max-packets packets (the first at first_ms,
 * the last at last_ms, evenly in between) whose IP lengths share the
 * flow's bytes, clamped to 20..1500 bytes.  Only the headers are
 * captured (snaplen), the original length says how big each packet was,
 * which is all a flow meter reads.  IPv6 flows are left out: NetFlow v5
 * cannot carry them and pfflowd skips them too.
 *
 *   flows2pcap -o OUT.pcap [--max-flows N] [--max-packets K] FLOWS.txt
 *
 * Bounded on purpose: K packets per flow (default 2) keep the capture,
 * and softflowd's run, small whatever the flows' real packet counts;
 * the comparison is CPU per exported flow, not per packet.  Prints one
 * SUMMARY line: flows read, IPv4 flows written, packets.  Conservation:
 * written flows = IPv4 flows read (up to N), packets = their capped sum.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_LEN		14
#define IP_LEN		20
#define TCP_LEN		20
#define UDP_LEN		8
#define ICMP_LEN	8

struct flow {
	uint32_t	src, dst;	/* host order */
	uint16_t	sport, dport;
	uint8_t		proto;
	uint32_t	n_pk;		/* packets written */
	uint64_t	bytes;		/* layer-3 bytes to share out */
	uint64_t	first_ms, last_ms;
};

/* One packet to write: which flow, which of its packets, when. */
struct pkt {
	uint64_t	t_us;
	uint32_t	flow;
	uint32_t	k;
};

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
parse_ip4(const char *s, uint32_t *out)
{
	unsigned a, b, c, d;
	char tail;

	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
	    a > 255 || b > 255 || c > 255 || d > 255)
		return false;
	*out = a << 24 | b << 16 | c << 8 | d;
	return true;
}

static int
cmp_pkt(const void *a, const void *b)
{
	const struct pkt *x = a, *y = b;

	if (x->t_us != y->t_us)
		return x->t_us < y->t_us ? -1 : 1;
	if (x->flow != y->flow)
		return x->flow < y->flow ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* The IP checksum, so that tools which verify it accept the packets. */
static uint16_t
ip_sum(const uint8_t *p)
{
	uint32_t s = 0;
	unsigned i;

	for (i = 0; i < IP_LEN; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
write_pkt(FILE *o, const struct flow *f, const struct pkt *pk, uint16_t *ipid)
{
	uint8_t b[16 + ETH_LEN + IP_LEN + TCP_LEN];
	uint8_t *e = b + 16, *ip = e + ETH_LEN, *l4 = ip + IP_LEN;
	unsigned l4len = f->proto == 6 ? TCP_LEN : f->proto == 17 ? UDP_LEN :
	    f->proto == 1 ? ICMP_LEN : 0;
	uint64_t share = f->bytes / f->n_pk;
	unsigned iplen, caplen = ETH_LEN + IP_LEN + l4len;

	/* The last takes the remainder: the bytes add up unless clamped. */
	if (pk->k == f->n_pk - 1)
		share = f->bytes - share * (f->n_pk - 1);
	iplen = share < IP_LEN + l4len ? IP_LEN + l4len :
	    share > 1500 ? 1500 : (unsigned)share;
	memset(b, 0, sizeof(b));
	le32(b, (uint32_t)(pk->t_us / 1000000));	/* ts_sec */
	le32(b + 4, (uint32_t)(pk->t_us % 1000000));	/* ts_usec */
	le32(b + 8, caplen);				/* incl_len */
	le32(b + 12, ETH_LEN + iplen);			/* orig_len */
	e[0] = 0x02;					/* dst MAC, local */
	e[6] = 0x02;					/* src MAC, local */
	e[11] = 1;
	be16(e + 12, 0x0800);				/* IPv4 */
	ip[0] = 0x45;					/* v4, IHL 5 */
	be16(ip + 2, (uint16_t)iplen);
	be16(ip + 4, (*ipid)++);
	ip[6] = 0x40;					/* DF */
	ip[8] = 64;					/* TTL */
	ip[9] = f->proto;
	be32(ip + 12, f->src);
	be32(ip + 16, f->dst);
	be16(ip + 10, ip_sum(ip));
	if (f->proto == 6) {
		be16(l4, f->sport);
		be16(l4 + 2, f->dport);
		be32(l4 + 4, pk->k);			/* seq */
		l4[12] = 0x50;				/* data offset 5 */
		l4[13] = pk->k == 0 ? 0x02 : 0x10;	/* SYN, then ACK */
		be16(l4 + 14, 65535);
	} else if (f->proto == 17) {
		be16(l4, f->sport);
		be16(l4 + 2, f->dport);
		be16(l4 + 4, (uint16_t)(iplen - IP_LEN));
	} else if (f->proto == 1) {
		l4[0] = 8;				/* echo request */
		be16(l4 + 4, f->sport);			/* id */
		be16(l4 + 6, (uint16_t)pk->k);		/* sequence */
	}
	fwrite(b, 1, 16 + caplen, o);
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *in = NULL;
	unsigned long long max_flows = ~0ULL, n_read = 0, n_v6 = 0;
	unsigned max_pk = 2;
	struct flow *fl = NULL;
	struct pkt *pk = NULL;
	size_t n_fl = 0, cap_fl = 0, n_pk = 0, i;
	uint64_t want_pk = 0;
	uint16_t ipid = 1;
	uint8_t gh[24];
	char line[512];
	FILE *fi, *fo;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-o") == 0 && a + 1 < argc)
			out = argv[++a];
		else if (strcmp(argv[a], "--max-flows") == 0 && a + 1 < argc)
			max_flows = strtoull(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--max-packets") == 0 && a + 1 < argc)
			max_pk = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (argv[a][0] != '-' && in == NULL)
			in = argv[a];
		else
			out = NULL, a = argc;
	}
	if (out == NULL || in == NULL || max_pk < 1 || max_pk > 1000) {
		fprintf(stderr, "usage: flows2pcap -o OUT.pcap [--max-flows N]"
		    " [--max-packets K (1..1000)] FLOWS.txt\n");
		return 2;
	}
	if ((fi = fopen(in, "r")) == NULL) {
		perror(in);
		return 1;
	}
	while (n_fl < max_flows && fgets(line, sizeof(line), fi) != NULL) {
		char sa[64], da[64];
		unsigned proto, sp, dp;
		uint64_t packets, bytes, first, last;
		struct flow *f;

		if (sscanf(line, "%u %63s %u %63s %u %" SCNu64 " %" SCNu64
		    " %" SCNu64 " %" SCNu64, &proto, sa, &sp, da, &dp,
		    &packets, &bytes, &first, &last) != 9) {
			fprintf(stderr, "flows2pcap: %s: bad line: %s", in,
			    line);
			return 1;
		}
		n_read++;
		if (sa[0] == '[') {
			n_v6++;
			continue;
		}
		if (n_fl == cap_fl) {
			cap_fl = cap_fl ? cap_fl * 2 : 65536;
			if ((fl = realloc(fl, cap_fl * sizeof(*fl))) == NULL) {
				perror("flows2pcap");
				return 1;
			}
		}
		f = &fl[n_fl];
		if (!parse_ip4(sa, &f->src) || !parse_ip4(da, &f->dst)) {
			fprintf(stderr, "flows2pcap: bad address: %s", line);
			return 1;
		}
		f->proto = (uint8_t)proto;
		f->sport = (uint16_t)sp;
		f->dport = (uint16_t)dp;
		f->n_pk = packets == 0 ? 1 : packets < max_pk ?
		    (uint32_t)packets : max_pk;
		f->bytes = bytes;
		f->first_ms = first;
		f->last_ms = last < first ? first : last;
		want_pk += f->n_pk;
		n_fl++;
	}
	fclose(fi);
	if ((pk = malloc((want_pk ? want_pk : 1) * sizeof(*pk))) == NULL) {
		perror("flows2pcap");
		return 1;
	}
	for (i = 0; i < n_fl; i++) {
		uint32_t k;
		uint64_t span = (fl[i].last_ms - fl[i].first_ms) * 1000;

		for (k = 0; k < fl[i].n_pk; k++) {
			pk[n_pk].flow = (uint32_t)i;
			pk[n_pk].k = k;
			pk[n_pk].t_us = fl[i].first_ms * 1000 +
			    (fl[i].n_pk > 1 ? span * k / (fl[i].n_pk - 1) : 0);
			n_pk++;
		}
	}
	/* A capture is in time order: flows interleave. */
	qsort(pk, n_pk, sizeof(*pk), cmp_pkt);
	if ((fo = fopen(out, "wb")) == NULL) {
		perror(out);
		return 1;
	}
	/* pcap global header, little-endian, microseconds, Ethernet. */
	memset(gh, 0, sizeof(gh));
	le32(gh, 0xa1b2c3d4);
	gh[4] = 2;					/* version 2.4 */
	gh[6] = 4;
	le32(gh + 16, 65535);				/* snaplen */
	le32(gh + 20, 1);				/* LINKTYPE_ETHERNET */
	fwrite(gh, 1, sizeof(gh), fo);
	for (i = 0; i < n_pk; i++)
		write_pkt(fo, &fl[pk[i].flow], &pk[i], &ipid);
	if (fclose(fo) != 0) {
		perror(out);
		return 1;
	}
	printf("SUMMARY flows2pcap flows_read=%llu ipv6_skipped=%llu "
	    "flows=%zu packets=%zu max_packets_per_flow=%u conservation=%s\n",
	    n_read, n_v6, n_fl, n_pk, max_pk,
	    n_pk == want_pk && n_fl + n_v6 == n_read ? "ok" : "FAILED");
	free(fl);
	free(pk);
	return n_pk == want_pk && n_fl + n_v6 == n_read ? 0 : 1;
}
