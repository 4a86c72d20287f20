/*
 * collector.c - addresses, sockets, pacing and sendmmsg for one collector.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "stats.h"

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
collector_parse(struct collector_conf *c, const char *spec, char *err,
    size_t errlen)
{
	char host[COLLECTOR_SPEC_MAX];
	const char *port, *end;
	struct addrinfo hints, *res;
	char *stop;
	unsigned long pnum;
	size_t hlen;
	int rc;

	if (strlen(spec) >= sizeof(c->spec)) {
		snprintf(err, errlen, "collector '%.40s...' is too long", spec);
		return -1;
	}
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (end == NULL || end[1] != ':') {
			snprintf(err, errlen, "bad collector '%s': expected "
			    "[IPV6]:PORT", spec);
			return -1;
		}
		hlen = (size_t)(end - spec - 1);
		memcpy(host, spec + 1, hlen);
		port = end + 2;
	} else {
		end = strrchr(spec, ':');
		if (end == NULL || end == spec || strchr(spec, ':') != end) {
			snprintf(err, errlen, "bad collector '%s': expected "
			    "HOST:PORT (IPv6 as [ADDR]:PORT)", spec);
			return -1;
		}
		hlen = (size_t)(end - spec);
		memcpy(host, spec, hlen);
		port = end + 1;
	}
	host[hlen] = '\0';
	errno = 0;
	pnum = strtoul(port, &stop, 10);
	if (*port == '\0' || *stop != '\0' || errno != 0 || pnum == 0 ||
	    pnum > 65535 || port[0] == '-' || port[0] == '+') {
		snprintf(err, errlen, "bad collector '%s': port '%s' is not "
		    "a number from 1 to 65535", spec, port);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback v6. */
		hints.ai_flags = AI_NUMERICSERV;
		rc = getaddrinfo(host, port, &hints, &res);
	}
	if (rc != 0) {
		snprintf(err, errlen, "bad collector '%s': cannot resolve "
		    "'%s': %s", spec, host, gai_strerror(rc));
		return -1;
	}
	memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
	c->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(c->spec, sizeof(c->spec), "%s", spec);
	return 0;
}

int
collector_open(struct collector *c, char *err, size_t errlen)
{
	c->fd = socket(c->conf.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "collector '%s': socket: %s",
		    c->conf.spec, strerror(errno));
		return -1;
	}
	/*
	 * Connected, so the kernel reports ICMP errors (ECONNREFUSED) for
	 * this collector on its own socket and sendmmsg needs no addresses.
	 */
	if (connect(c->fd, (struct sockaddr *)&c->conf.addr,
	    c->conf.addrlen) != 0) {
		snprintf(err, errlen, "collector '%s': connect: %s",
		    c->conf.spec, strerror(errno));
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->tokens = c->conf.burst;
	c->refill_ns = mono_ns();
	return 0;
}

void
collector_close(struct collector *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Datagrams the token bucket allows now (at least 1 when it has one). */
static unsigned
pacing_allow(struct collector *c, unsigned want)
{
	int64_t now;

	if (c->conf.rate == 0)
		return want;
	now = mono_ns();
	c->tokens += (double)(now - c->refill_ns) * c->conf.rate / 1e9;
	if (c->tokens > c->conf.burst)
		c->tokens = c->conf.burst;
	c->refill_ns = now;
	if (c->tokens < 1.0)
		return 0;
	return c->tokens < want ? (unsigned)c->tokens : want;
}

/* Sleep until the bucket holds one token. */
static void
pacing_wait(struct collector *c)
{
	double missing = 1.0 - c->tokens;
	long ns = (long)(missing * 1e9 / c->conf.rate) + 1000;
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	STAT_INC(c->st.pacing_waits);
	nanosleep(&ts, NULL);
}

static void
count_error(struct collector *c, int err)
{
	STAT_INC(c->st.send_errors);
	STAT_INC(c->st.errors_by_errno[err > 0 && err < COLLECTOR_ERRNO_MAX ?
	    err : 0]);
	STAT_SET(c->st.last_errno, err);
}

static void
count_drop(struct collector *c, unsigned records)
{
	STAT_INC(c->st.dropped_datagrams);
	STAT_ADD(c->st.dropped_records, records);
}

void
collector_send(struct collector *c, struct mmsghdr *msgs,
    const unsigned *n_records, unsigned n, bool lossless)
{
	unsigned i = 0, allow, k;
	int sent;

	while (i < n) {
		allow = pacing_allow(c, n - i);
		if (allow == 0) {
			if (lossless) {
				pacing_wait(c);
				continue;
			}
			for (; i < n; i++)
				count_drop(c, n_records[i]);
			return;
		}
		sent = sendmmsg(c->fd, msgs + i, allow, lossless ? 0 :
		    MSG_DONTWAIT);
		if (sent > 0) {
			for (k = i; k < i + (unsigned)sent; k++) {
				STAT_INC(c->st.datagrams);
				STAT_ADD(c->st.records, n_records[k]);
				STAT_ADD(c->st.bytes, msgs[k].msg_len);
			}
			if (c->conf.rate != 0)
				c->tokens -= sent;
			i += (unsigned)sent;
			continue;
		}
		if (errno == EINTR)
			continue;
		/*
		 * A full buffer in file mode is worth waiting for (nothing is
		 * lost, so it is no error); every other error (ECONNREFUSED
		 * from an earlier ICMP, EAGAIN in live mode...) costs this one
		 * datagram, not the batch.
		 */
		if (lossless && (errno == ENOBUFS || errno == EAGAIN)) {
			struct timespec ts = { 0, 100000 };

			STAT_INC(c->st.send_retries);
			nanosleep(&ts, NULL);
			continue;
		}
		count_error(c, errno);
		count_drop(c, n_records[i]);
		i++;
	}
}

void
collector_stats_report(const struct collector *c, unsigned index,
    const struct stats_emit *e)
{
	const struct collector_stats *st = &c->st;
	unsigned i;

	stats_emitf(e, STAT_GET(st->queued_records),
	    "export.collector.%u.queued_records", index);
	stats_emitf(e, STAT_GET(st->datagrams),
	    "export.collector.%u.datagrams", index);
	stats_emitf(e, STAT_GET(st->records), "export.collector.%u.records",
	    index);
	stats_emitf(e, STAT_GET(st->bytes), "export.collector.%u.bytes",
	    index);
	stats_emitf(e, STAT_GET(st->dropped_records),
	    "export.collector.%u.dropped_records", index);
	stats_emitf(e, STAT_GET(st->dropped_datagrams),
	    "export.collector.%u.dropped_datagrams", index);
	stats_emitf(e, STAT_GET(st->send_errors),
	    "export.collector.%u.send_errors", index);
	for (i = 0; i < COLLECTOR_ERRNO_MAX; i++) {
		uint64_t v = STAT_GET(st->errors_by_errno[i]);
		const char *name = i ? strerrorname_np((int)i) : NULL;
		char lower[32];
		size_t k;

		if (v == 0)
			continue;
		/* Counter names are lower case: "errno.econnrefused". */
		snprintf(lower, sizeof(lower), "%s", name ? name : "other");
		for (k = 0; lower[k] != '\0'; k++)
			lower[k] = (char)tolower((unsigned char)lower[k]);
		stats_emitf(e, v, "export.collector.%u.errno.%s", index,
		    lower);
	}
	stats_emitf(e, STAT_GET(st->pacing_waits),
	    "export.collector.%u.pacing_waits", index);
	stats_emitf(e, STAT_GET(st->send_retries),
	    "export.collector.%u.send_retries", index);
}
