/*
 * collector.c - per-collector options, socket, queue, pacing and sending.
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

#include "clock.h"
#include "collector.h"
#include "conf.h"
#include "decimal.h"
#include "stats.h"

#define RETRY_NS	100000L		/* wait on a full socket buffer */

static void
sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	nanosleep(&ts, NULL);
}

void
collector_conf_defaults(struct collector_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->version = 5;
	c->rate = CONF_DEFAULT_RATE;
	c->burst = CONF_DEFAULT_BURST;
	c->queue = CONF_DEFAULT_QUEUE;
}

int
collector_parse_addr(const char *spec, struct sockaddr_storage *addr,
    socklen_t *addrlen, bool port_required, char *err, size_t errlen)
{
	char host[COLLECTOR_SPEC_MAX];
	const char *port = NULL, *end;
	struct addrinfo hints, *res;
	unsigned long pnum = 0;
	size_t hlen;
	int rc;

	if (strlen(spec) >= sizeof(host)) {
		snprintf(err, errlen, "address '%.40s...' is too long", spec);
		return -1;
	}
	if (spec[0] == '[') {
		end = strchr(spec, ']');
		if (end == NULL || (end[1] != ':' && (port_required ||
		    end[1] != '\0'))) {
			snprintf(err, errlen, "bad address '%s': expected "
			    "[IPV6]%s", spec, port_required ? ":PORT" : "");
			return -1;
		}
		hlen = (size_t)(end - spec - 1);
		memcpy(host, spec + 1, hlen);
		if (end[1] == ':')
			port = end + 2;
	} else {
		end = strrchr(spec, ':');
		if (port_required && (end == NULL || end == spec ||
		    strchr(spec, ':') != end)) {
			snprintf(err, errlen, "bad address '%s': expected "
			    "HOST:PORT (IPv6 as [ADDR]:PORT)", spec);
			return -1;
		}
		if (!port_required)
			end = NULL;		/* a bare host or address */
		hlen = end ? (size_t)(end - spec) : strlen(spec);
		memcpy(host, spec, hlen);
		if (end != NULL)
			port = end + 1;
	}
	host[hlen] = '\0';
	if (port != NULL) {
		if (!decimal_in_range(port, 1, 65535, &pnum)) {
			snprintf(err, errlen, "bad address '%s': port '%s' is "
			    "not a number from 1 to 65535", spec, port);
			return -1;
		}
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
		snprintf(err, errlen, "bad address '%s': cannot resolve "
		    "'%s': %s", spec, host, gai_strerror(rc));
		return -1;
	}
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	*addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int
option_uint(const char *spec, const char *key, const char *val,
    unsigned long lo, unsigned long hi, unsigned *out, char *err,
    size_t errlen)
{
	unsigned long v;

	if (!decimal_in_range(val, lo, hi, &v)) {
		snprintf(err, errlen, "collector '%s': bad %s '%s': expected "
		    "a number from %lu to %lu", spec, key, val, lo, hi);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/*
 * A name becomes part of counter names ("export.collector.NAME.records"):
 * a letter first, so it never reads as a position, then letters, digits
 * and '_', which every monitoring system takes in a metric name.
 */
static bool
valid_name(const char *s, size_t max)
{
	size_t i;

	if (!isalpha((unsigned char)s[0]) || strlen(s) >= max)
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* One "key=value" of a collector spec. */
static int
collector_option(struct collector_conf *c, const char *spec, char *kv,
    char *err, size_t errlen)
{
	char *val = strchr(kv, '=');
	unsigned v;

	if (val == NULL) {
		snprintf(err, errlen, "collector '%s': option '%s' needs "
		    "=value", spec, kv);
		return -1;
	}
	*val++ = '\0';
	if (strcmp(kv, "version") == 0) {
		/* Two values, not a range: the message names both. */
		v = strcmp(val, "1") == 0 ? 1 : strcmp(val, "5") == 0 ? 5 : 0;
		if (v == 0) {
			snprintf(err, errlen, "collector '%s': bad version "
			    "'%s': expected 1 or 5", spec, val);
			return -1;
		}
		c->version = v;
	} else if (strcmp(kv, "engine-type") == 0) {
		if (option_uint(spec, kv, val, 0, 255, &v, err, errlen))
			return -1;
		c->engine_type = (uint8_t)v;
	} else if (strcmp(kv, "engine-id") == 0) {
		if (option_uint(spec, kv, val, 0, 255, &v, err, errlen))
			return -1;
		c->engine_id = (uint8_t)v;
	} else if (strcmp(kv, "rate") == 0) {
		return option_uint(spec, kv, val, 0, 100000000, &c->rate, err,
		    errlen);
	} else if (strcmp(kv, "flow-rate") == 0) {
		return option_uint(spec, kv, val, 0, 1000000000, &c->flow_rate,
		    err, errlen);
	} else if (strcmp(kv, "burst") == 0) {
		return option_uint(spec, kv, val, 1, 1000000, &c->burst, err,
		    errlen);
	} else if (strcmp(kv, "queue") == 0) {
		return option_uint(spec, kv, val, 1, 1u << 20, &c->queue, err,
		    errlen);
	} else if (strcmp(kv, "sndbuf") == 0) {
		return option_uint(spec, kv, val, 0, 1u << 30, &c->sndbuf,
		    err, errlen);
	} else if (strcmp(kv, "source") == 0) {
		return collector_parse_addr(val, &c->source, &c->sourcelen,
		    false, err, errlen);
	} else if (strcmp(kv, "group") == 0) {
		if (*val == '\0' || strlen(val) >= sizeof(c->group)) {
			snprintf(err, errlen, "collector '%s': bad group "
			    "'%s': 1 to %zu characters", spec, val,
			    sizeof(c->group) - 1);
			return -1;
		}
		snprintf(c->group, sizeof(c->group), "%s", val);
	} else if (strcmp(kv, "name") == 0) {
		if (!valid_name(val, sizeof(c->name))) {
			snprintf(err, errlen, "collector '%s': bad name '%s': "
			    "a letter, then up to %zu letters, digits or '_'",
			    spec, val, sizeof(c->name) - 2);
			return -1;
		}
		snprintf(c->name, sizeof(c->name), "%s", val);
	} else {
		snprintf(err, errlen, "collector '%s': unknown option '%s' "
		    "(version, engine-type, engine-id, rate, flow-rate, burst, "
		    "queue, sndbuf, source, group, name)", spec, kv);
		return -1;
	}
	return 0;
}

int
collector_parse(struct collector_conf *c, const char *spec, char *err,
    size_t errlen)
{
	char buf[COLLECTOR_SPEC_MAX], *opt, *next;

	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "collector '%.40s...' is too long", spec);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	opt = strchr(buf, ',');
	if (opt != NULL)
		*opt++ = '\0';
	if (collector_parse_addr(buf, &c->addr, &c->addrlen, true, err,
	    errlen) != 0)
		return -1;
	for (; opt != NULL; opt = next) {
		next = strchr(opt, ',');
		if (next != NULL)
			*next++ = '\0';
		if (collector_option(c, spec, opt, err, errlen) != 0)
			return -1;
	}
	snprintf(c->spec, sizeof(c->spec), "%s", spec);
	return 0;
}

void
collector_err_origin(const char *origin, char *err, size_t errlen)
{
	char why[512];

	if (origin == NULL || origin[0] == '\0' || errlen == 0)
		return;
	snprintf(why, sizeof(why), "%s", err);
	snprintf(err, errlen, "%s: %s", origin, why);
}

/*
 * The record bucket holds burst full datagrams' worth, so that it never
 * keeps back a datagram the datagram bucket would let through.
 */
static double
record_depth(const struct collector *c)
{
	return (double)c->conf.burst *
	    (c->conf.version == 1 ? NF1_MAX_RECORDS : NF5_MAX_RECORDS);
}

int
collector_open(struct collector *c, char *err, size_t errlen)
{
	int sb = (int)c->conf.sndbuf;

	c->q_size = 1;
	while (c->q_size < c->conf.queue)
		c->q_size <<= 1;
	/* calloc: a queue's pages cost memory only once used. */
	c->q = calloc(c->q_size, sizeof(*c->q));
	if (c->q == NULL) {
		snprintf(err, errlen, "collector '%s': no memory for a queue "
		    "of %u datagrams", c->conf.spec, c->q_size);
		return -1;
	}
	c->fd = socket(c->conf.addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "collector '%s': socket: %s",
		    c->conf.spec, strerror(errno));
		return -1;
	}
	if (sb > 0 && setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sb,
	    sizeof(sb)) != 0) {
		snprintf(err, errlen, "collector '%s': sndbuf %d: %s",
		    c->conf.spec, sb, strerror(errno));
		return -1;
	}
	if (c->conf.sourcelen != 0 && bind(c->fd,
	    (struct sockaddr *)&c->conf.source, c->conf.sourcelen) != 0) {
		snprintf(err, errlen, "collector '%s': cannot bind source: "
		    "%s", c->conf.spec, strerror(errno));
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
		return -1;
	}
	c->tokens = c->conf.burst;
	c->rtokens = record_depth(c);
	c->refill_ns = c->rate_window_ns = clock_mono_ns();
	return 0;
}

void
collector_close(struct collector *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->q);
	c->q = NULL;
}

/*
 * Datagrams, from the head of the queue, that both token buckets allow
 * now: rate (datagrams/s, up to burst) and flow-rate (records/s).
 */
static unsigned
pacing_allow(struct collector *c, unsigned want)
{
	double dt, need = 0;
	int64_t now;
	unsigned n = want, i;

	if (c->conf.rate == 0 && c->conf.flow_rate == 0)
		return want;
	now = clock_mono_ns();
	dt = (double)(now - c->refill_ns) / 1e9;
	c->refill_ns = now;
	if (c->conf.rate != 0) {
		c->tokens += dt * c->conf.rate;
		if (c->tokens > c->conf.burst)
			c->tokens = c->conf.burst;
		if (c->tokens < n)
			n = c->tokens < 1.0 ? 0 : (unsigned)c->tokens;
	}
	if (c->conf.flow_rate != 0) {
		c->rtokens += dt * c->conf.flow_rate;
		if (c->rtokens > record_depth(c))
			c->rtokens = record_depth(c);
		for (i = 0; i < n; i++) {
			need += c->q[(c->q_head + i) & (c->q_size - 1)].n_records;
			if (need > c->rtokens)
				break;
		}
		n = i;
	}
	return n;
}

/* How long until both buckets let the head of the queue go. */
static long
pacing_delay_ns(const struct collector *c)
{
	double wait = 0, w;

	if (c->conf.rate != 0 && c->tokens < 1.0)
		wait = (1.0 - c->tokens) / c->conf.rate;
	if (c->conf.flow_rate != 0 && collector_queued(c) > 0) {
		w = (c->q[c->q_head & (c->q_size - 1)].n_records - c->rtokens) /
		    c->conf.flow_rate;
		if (w > wait)
			wait = w;
	}
	return wait > 0 ? (long)(wait * 1e9) + 1000 : RETRY_NS;
}

static void
count_error(struct collector *c, int err)
{
	STAT_INC(c->st.send_errors);
	STAT_INC(c->st.errors_by_errno[err > 0 && err < COLLECTOR_ERRNO_MAX ?
	    err : 0]);
	STAT_SET(c->st.last_errno, err);
	STAT_SET(c->st.last_error_time, (uint64_t)time(NULL));
}

/* Take the oldest queued datagram off, counting it as dropped. */
static void
drop_head(struct collector *c, uint64_t *dgrams, uint64_t *records)
{
	struct collector_dgram *d = &c->q[c->q_head & (c->q_size - 1)];

	STAT_INC(*dgrams);
	STAT_ADD(*records, d->n_records);
	STAT_SET(c->st.in_queue_records,
	    STAT_GET(c->st.in_queue_records) - d->n_records);
	c->q_head++;
}

static void
update_rate(struct collector *c, unsigned sent)
{
	int64_t now = clock_mono_ns();

	c->rate_count += sent;
	if (now - c->rate_window_ns >= 1000000000LL) {
		STAT_SET(c->st.rate, c->rate_count * 1000000000ULL /
		    (uint64_t)(now - c->rate_window_ns));
		c->rate_count = 0;
		c->rate_window_ns = now;
	}
}

bool
collector_flush(struct collector *c)
{
	struct mmsghdr msgs[COLLECTOR_SEND_BATCH];
	struct iovec iov[COLLECTOR_SEND_BATCH];
	unsigned n, i, mask = c->q_size - 1;
	int sent;

	while (collector_queued(c) > 0) {
		n = collector_queued(c);
		if (n > COLLECTOR_SEND_BATCH)
			n = COLLECTOR_SEND_BATCH;
		n = pacing_allow(c, n);
		if (n == 0) {
			STAT_INC(c->st.pacing_waits);
			break;
		}
		for (i = 0; i < n; i++) {
			struct collector_dgram *d = &c->q[(c->q_head + i) &
			    mask];

			iov[i].iov_base = d->buf;
			iov[i].iov_len = d->len;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		sent = sendmmsg(c->fd, msgs, n, MSG_DONTWAIT);
		if (sent > 0) {
			for (i = 0; i < (unsigned)sent; i++) {
				struct collector_dgram *d =
				    &c->q[c->q_head & mask];

				STAT_INC(c->st.datagrams);
				STAT_ADD(c->st.records, d->n_records);
				if (c->conf.flow_rate != 0)
					c->rtokens -= d->n_records;
				STAT_ADD(c->st.bytes, d->len);
				STAT_SET(c->st.in_queue_records,
				    STAT_GET(c->st.in_queue_records) -
				    d->n_records);
				c->q_head++;
			}
			if (c->conf.rate != 0)
				c->tokens -= sent;
			update_rate(c, (unsigned)sent);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			/* The socket buffer is full: nothing lost, later. */
			STAT_INC(c->st.send_retries);
			break;
		}
		/*
		 * Any other error (ECONNREFUSED after an ICMP port
		 * unreachable, EHOSTUNREACH...) costs this one datagram; the
		 * collector is tried again with the next.
		 */
		count_error(c, errno);
		drop_head(c, &c->st.dropped_send_error_datagrams,
		    &c->st.dropped_send_error_records);
	}
	STAT_SET(c->st.in_queue_datagrams, collector_queued(c));
	/*
	 * An empty queue starts over at slot 0: a collector that keeps up
	 * then cycles through a few warm slots instead of walking (and
	 * page-faulting) through the whole, mostly idle, queue.
	 */
	if (collector_queued(c) == 0)
		c->q_head = c->q_tail = 0;
	return collector_queued(c) > 0;
}

void
collector_enqueue(struct collector *c, const struct nf_body *b,
    bool lossless)
{
	struct collector_dgram *d;
	size_t hlen = nf_header_len(b);
	unsigned queued;

	STAT_ADD(c->st.queued_records, b->n_records);
	STAT_INC(c->st.queued_datagrams);
	while (collector_full(c)) {
		if (!lossless) {
			/* Refuse the newest: the gap starts where overload
			 * started, and nothing queued is copied twice. */
			STAT_INC(c->st.dropped_queue_full_datagrams);
			STAT_ADD(c->st.dropped_queue_full_records,
			    b->n_records);
			c->flow_sequence += b->n_records;
			return;
		}
		if (collector_flush(c) && collector_full(c))
			sleep_ns(pacing_delay_ns(c));
	}
	d = &c->q[c->q_tail & (c->q_size - 1)];
	nf_header_write(d->buf, b, c->flow_sequence, c->conf.engine_type,
	    c->conf.engine_id);
	memcpy(d->buf + hlen, b->rec, (size_t)b->n_records * NF_REC_LEN);
	d->len = (uint16_t)(hlen + (size_t)b->n_records * NF_REC_LEN);
	d->n_records = (uint16_t)b->n_records;
	c->flow_sequence += b->n_records;
	c->q_tail++;
	queued = collector_queued(c);
	STAT_ADD(c->st.in_queue_records, b->n_records);
	STAT_SET(c->st.in_queue_datagrams, queued);
	if (queued > STAT_GET(c->st.queue_high_water))
		STAT_SET(c->st.queue_high_water, queued);
}

void
collector_drain(struct collector *c, int64_t deadline_ns)
{
	while (collector_flush(c) && clock_mono_ns() < deadline_ns)
		sleep_ns(pacing_delay_ns(c));
	while (collector_queued(c) > 0)
		drop_head(c, &c->st.dropped_at_exit_datagrams,
		    &c->st.dropped_at_exit_records);
	STAT_SET(c->st.in_queue_datagrams, 0);
}

void
collector_stats_report(const struct collector *c, unsigned index,
    const struct stats_emit *e)
{
	static const struct {
		size_t		 off;
		const char	*name;
	} fields[] = {
#define F(x)	{ offsetof(struct collector_stats, x), #x }
		F(queued_records), F(queued_datagrams), F(records),
		F(datagrams), F(bytes), F(dropped_queue_full_records),
		F(dropped_queue_full_datagrams),
		F(dropped_send_error_records),
		F(dropped_send_error_datagrams), F(dropped_at_exit_records),
		F(dropped_at_exit_datagrams), F(in_queue_records),
		F(in_queue_datagrams), F(queue_high_water), F(send_errors),
		F(last_errno), F(last_error_time), F(send_retries),
		F(pacing_waits), F(rate),
#undef F
	};
	const struct collector_stats *st = &c->st;
	char key[COLLECTOR_NAME_MAX];
	size_t f;
	unsigned i;

	/* Named: a key that survives a reload; else the position. */
	if (c->conf.name[0] != '\0')
		snprintf(key, sizeof(key), "%s", c->conf.name);
	else
		snprintf(key, sizeof(key), "%u", index);

	for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
		stats_emitf(e, STAT_GET(*(const uint64_t *)(const void *)
		    ((const char *)st + fields[f].off)),
		    "export.collector.%s.%s", key, fields[f].name);
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
		stats_emitf(e, v, "export.collector.%s.errno.%s", key,
		    lower);
	}
}
