/*
 * nfsink.h - a counting NetFlow v5 receiver on one loopback UDP socket.
 *
 * Shared by bench/sink.c (a process that bench/run starts per collector)
 * and bench_send.c (receiver threads inside the benchmark), so the end-to-
 * end figures and the stage figures count datagrams the same way.
 *
 * A sink counts datagrams, records and bytes, and checks each v5 header:
 * count agrees with the length, and flow_sequence equals the records seen
 * before it (pfflowd starts every collector at 0).  A datagram whose
 * flow_sequence is ahead of that is a gap: records were lost on the way
 * (or never sent); the distance is added to missing_records.  What the
 * kernel dropped because the socket queue was full is read from
 * /proc/net/udp, the only place that counts it once the queue has room
 * again.
 *
 * One thread owns a sink.  Nothing here allocates after nfsink_open.
 */
#ifndef PFF_BENCH_NFSINK_H
#define PFF_BENCH_NFSINK_H

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define NFSINK_BATCH	64	/* datagrams per recvmmsg */
#define NFSINK_DGRAM_MAX 2048	/* > 1464, so an oversize one shows as bad */

struct nfsink {
	int		fd;
	uint16_t	port;		/* host order, bound */
	uint32_t	next_seq;	/* flow_sequence expected next */
	uint64_t	datagrams;
	uint64_t	records;	/* v5 records in good datagrams */
	uint64_t	bytes;		/* UDP payload bytes */
	uint64_t	seq_gaps;	/* datagrams not at next_seq */
	uint64_t	missing_records; /* records those gaps skipped */
	uint64_t	bad;		/* not v5, or length != 24 + 48 count */
	int64_t		first_ns;	/* monotonic: first datagram, or 0 */
	int64_t		last_ns;	/* monotonic: latest datagram */
	uint8_t		buf[NFSINK_BATCH][NFSINK_DGRAM_MAX];
};

/*
 * Bind addr:port (port 0: the kernel picks; s->port says which) with a
 * receive buffer of rcvbuf bytes.  SO_RCVBUFFORCE passes rmem_max when we
 * are root; otherwise the kernel's cap applies and a slow sink shows as
 * kernel drops.  Returns 0 or -errno.
 */
static inline int
nfsink_open(struct nfsink *s, const char *addr, uint16_t port, int rcvbuf)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (rcvbuf > 0 && setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE,
	    &rcvbuf, sizeof(rcvbuf)) != 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		close(s->fd);
		return -EINVAL;
	}
	if (bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sin, &sl) != 0) {
		int e = errno;

		close(s->fd);
		return -e;
	}
	s->port = ntohs(sin.sin_port);
	return 0;
}

static inline uint32_t
nfsink_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Check and count one datagram of len bytes. */
static inline void
nfsink_count(struct nfsink *s, const uint8_t *p, size_t len)
{
	unsigned version, count;
	uint32_t seq;

	s->datagrams++;
	s->bytes += len;
	if (len < 24) {
		s->bad++;
		return;
	}
	version = (unsigned)p[0] << 8 | p[1];
	count = (unsigned)p[2] << 8 | p[3];
	if (version != 5 || count == 0 || count > 30 ||
	    len != 24 + 48 * (size_t)count) {
		s->bad++;
		return;
	}
	seq = nfsink_be32(p + 16);
	if (seq != s->next_seq) {
		s->seq_gaps++;
		/* Unsigned distance: a sequence that wrapped stays small. */
		s->missing_records += (uint32_t)(seq - s->next_seq);
	}
	s->next_seq = seq + count;
	s->records += count;
}

/*
 * Wait up to timeout_ms for datagrams and take every one queued now.
 * Returns how many arrived, 0 on timeout, or -errno.
 */
static inline int
nfsink_poll(struct nfsink *s, int timeout_ms)
{
	struct mmsghdr msgs[NFSINK_BATCH];
	struct iovec iov[NFSINK_BATCH];
	struct pollfd pfd = { s->fd, POLLIN, 0 };
	int n, i, total = 0;

	n = poll(&pfd, 1, timeout_ms);
	if (n <= 0)
		return n < 0 && errno != EINTR ? -errno : 0;
	for (;;) {
		for (i = 0; i < NFSINK_BATCH; i++) {
			iov[i].iov_base = s->buf[i];
			iov[i].iov_len = sizeof(s->buf[i]);
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(s->fd, msgs, NFSINK_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		s->last_ns = clock_mono_ns();
		if (s->first_ns == 0)
			s->first_ns = s->last_ns;
		for (i = 0; i < n; i++)
			nfsink_count(s, s->buf[i], msgs[i].msg_len);
		total += n;
		if (n < NFSINK_BATCH)
			break;
	}
	return total;
}

/*
 * Datagrams the kernel dropped on this socket (queue full), from the
 * "drops" column of /proc/net/udp; -1 if the line is not found.
 */
static inline long long
nfsink_kernel_drops(const struct nfsink *s)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512], want[32];
	long long drops = -1;

	if (f == NULL)
		return -1;
	/* Local address as the kernel prints it: 127.0.0.1 is 0100007F. */
	snprintf(want, sizeof(want), ":%04X ", s->port);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *loc = strchr(line, ':'), *end;

		/* "  sl  local_address rem_address ..." : local is field 2 */
		if (loc == NULL || (loc = strchr(loc + 1, ':')) == NULL ||
		    strncmp(loc, want, strlen(want)) != 0)
			continue;
		end = line + strlen(line);
		while (end > line && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		while (end > line && end[-1] != ' ')
			end--;
		drops = atoll(end);
		break;
	}
	fclose(f);
	return drops;
}

static inline void
nfsink_close(struct nfsink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

#endif /* PFF_BENCH_NFSINK_H */
