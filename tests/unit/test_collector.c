/*
 * test_collector.c - one collector's queue, socket and counters against a
 * real UDP socket on loopback (no other address is ever used).
 *
 *   - a collector whose port nobody listens on counts ECONNREFUSED by
 *     errno and drops only the datagrams the kernel refused; once a
 *     socket listens on the port, the collector is used again, and every
 *     gap in the flow_sequence the listener sees is a datagram counted as
 *     dropped
 *   - live mode, queue full: the newest datagram is refused and counted,
 *     its records still advance flow_sequence, so the listener sees a gap
 *     of exactly the refused records
 *   - flow-rate: a second token bucket, in records, lets through exactly
 *     the datagrams whose records it holds
 *   - every step keeps the collector's identity: queued records = sent +
 *     dropped by reason + still queued
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "flow.h"
#include "wire/netflow.h"

#define EXPORT_MS	UINT64_C(1700000000123)

/* A sealed v5 body of n records. */
static void
make_body(struct nf_body *b, unsigned n)
{
	struct flow_record r;
	unsigned i;

	nf_body_init(b, 5);
	for (i = 0; i < n; i++) {
		memset(&r, 0, sizeof(r));
		r.src[0] = 10;
		r.src[3] = (uint8_t)i;
		r.dst[0] = 192;
		r.af = 4;
		r.proto = 6;
		r.first_ms = r.last_ms = r.seen_ms = EXPORT_MS - 1000;
		nf_body_add(b, &r, 1, 40);
	}
	nf_body_seal(b, EXPORT_MS, EXPORT_MS - 60000);
}

/* A UDP socket bound to 127.0.0.1:port (0: any free port); returns fd. */
static int
listen_udp(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(*port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/*
 * Receive every datagram already on fd (loopback delivers within the
 * send); seq[] gets their flow_sequence values.  Returns the count.
 */
static unsigned
receive_all(int fd, uint32_t *seq, unsigned max)
{
	uint8_t buf[NF_MAX_DGRAM_LEN];
	struct pollfd p = { fd, POLLIN, 0 };
	unsigned n = 0;
	ssize_t len;

	while (n < max && poll(&p, 1, 200) == 1) {
		len = recv(fd, buf, sizeof(buf), 0);
		assert_true(len >= NF5_HDR_LEN);
		seq[n++] = (uint32_t)buf[16] << 24 | (uint32_t)buf[17] << 16 |
		    (uint32_t)buf[18] << 8 | buf[19];
	}
	return n;
}

static void
open_collector(struct collector *c, uint16_t port, const char *opts)
{
	char spec[128], err[256];

	memset(c, 0, sizeof(*c));
	collector_conf_defaults(&c->conf);
	snprintf(spec, sizeof(spec), "127.0.0.1:%u,rate=0%s", port, opts);
	if (collector_parse(&c->conf, spec, err, sizeof(err)) != 0 ||
	    collector_open(c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
assert_identity(const struct collector *c)
{
	const struct collector_stats *st = &c->st;

	assert_int_equal(st->queued_records, st->records +
	    st->dropped_queue_full_records + st->dropped_send_error_records +
	    st->dropped_at_exit_records + st->in_queue_records);
}

static void
test_refused_then_back(void **state)
{
	struct timespec ms = { 0, 1000000 };
	struct collector c;
	struct nf_body b;
	uint32_t seq[16];
	uint16_t port = 0;
	uint64_t sent_before, dropped_before, base;
	unsigned i, got;
	int fd;

	(void)state;
	make_body(&b, NF5_MAX_RECORDS);
	/* A free port: bound, then closed again. */
	fd = listen_udp(&port);
	close(fd);
	open_collector(&c, port, "");

	/*
	 * Nobody listens.  The port-unreachable for one datagram comes back
	 * when the kernel gets to it, and the socket's next send reports it:
	 * send one at a time until that has happened (bounded).
	 */
	for (i = 0; i < 200 && (i < 8 ||
	    c.st.dropped_send_error_datagrams == 0); i++) {
		collector_enqueue(&c, &b, false);
		collector_flush(&c);
		nanosleep(&ms, NULL);
	}
	assert_int_equal(collector_queued(&c), 0);
	assert_int_equal(c.st.datagrams + c.st.dropped_send_error_datagrams,
	    i);
	assert_true(c.st.dropped_send_error_datagrams > 0);
	assert_int_equal(c.st.send_errors, c.st.dropped_send_error_datagrams);
	assert_int_equal(c.st.errors_by_errno[ECONNREFUSED], c.st.send_errors);
	assert_int_equal(c.st.last_errno, ECONNREFUSED);
	assert_identity(&c);

	/*
	 * Someone listens again: the collector is used again.  Let the last
	 * port-unreachables arrive first; the socket then holds at most one
	 * error, which costs at most one datagram.
	 */
	nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	fd = listen_udp(&port);
	sent_before = c.st.datagrams;
	dropped_before = c.st.dropped_send_error_datagrams;
	base = c.st.queued_records;	/* the next flow_sequence */
	for (i = 0; i < 8; i++)
		collector_enqueue(&c, &b, false);
	collector_flush(&c);
	got = receive_all(fd, seq, 16);
	assert_true(c.st.dropped_send_error_datagrams - dropped_before <= 1);
	assert_int_equal(c.st.datagrams - sent_before, got);
	assert_true(got >= 7);
	/*
	 * The listener's sequence numbers: the 8 datagrams of 30 records
	 * start at base, in order; those it did not get are exactly the
	 * ones counted as dropped.
	 */
	for (i = 0; i < got; i++) {
		assert_int_equal((seq[i] - base) % NF5_MAX_RECORDS, 0);
		assert_true(seq[i] >= base);
		assert_true(seq[i] <= base + 7 * NF5_MAX_RECORDS);
		if (i > 0)
			assert_true(seq[i] > seq[i - 1]);
	}
	assert_int_equal(8 - got,
	    c.st.dropped_send_error_datagrams - dropped_before);
	assert_identity(&c);
	collector_close(&c);
	close(fd);
}

static void
test_live_queue_full_refuses_newest(void **state)
{
	struct collector c;
	struct nf_body b;
	uint32_t seq[16];
	uint16_t port = 0;
	unsigned got;
	int fd;

	(void)state;
	make_body(&b, NF5_MAX_RECORDS);
	fd = listen_udp(&port);
	open_collector(&c, port, ",queue=4");

	/* Six offered to a queue of four, live: the last two are refused. */
	collector_enqueue(&c, &b, false);
	collector_enqueue(&c, &b, false);
	collector_enqueue(&c, &b, false);
	collector_enqueue(&c, &b, false);
	collector_enqueue(&c, &b, false);
	collector_enqueue(&c, &b, false);
	assert_int_equal(c.st.dropped_queue_full_datagrams, 2);
	assert_int_equal(c.st.dropped_queue_full_records,
	    2 * NF5_MAX_RECORDS);
	assert_int_equal(c.st.queue_high_water, 4);
	/* One more after room is made: its sequence skips the refused. */
	collector_flush(&c);
	collector_enqueue(&c, &b, false);
	collector_flush(&c);
	assert_identity(&c);
	assert_int_equal(c.st.in_queue_records, 0);
	got = receive_all(fd, seq, 16);
	assert_int_equal(got, 5);
	assert_int_equal(seq[0], 0);
	assert_int_equal(seq[3], 3 * NF5_MAX_RECORDS);
	assert_int_equal(seq[4], 6 * NF5_MAX_RECORDS);	/* the gap: 60 */
	collector_close(&c);
	close(fd);
}

/*
 * flow-rate: a bucket of burst full datagrams' records.  Right after
 * open it is full, so exactly burst datagrams of 30 records go; a short
 * one fits where a full one does not; the rest waits, and a drain with
 * time enough sends it all.
 */
static void
test_flow_rate_bucket(void **state)
{
	struct collector c;
	struct nf_body full, part;
	uint32_t seq[16];
	uint16_t port = 0;
	int fd;

	(void)state;
	make_body(&full, NF5_MAX_RECORDS);
	make_body(&part, 10);
	fd = listen_udp(&port);
	/* 60 records/s: a stall of 0.5 s would be needed to refill 30. */
	open_collector(&c, port, ",flow-rate=60,burst=2");
	collector_enqueue(&c, &full, false);
	collector_enqueue(&c, &full, false);
	collector_enqueue(&c, &full, false);
	assert_true(collector_flush(&c));	/* something left */
	assert_int_equal(c.st.datagrams, 2);
	assert_int_equal(collector_queued(&c), 1);
	assert_true(c.st.pacing_waits >= 1);
	collector_drain(&c, INT64_MAX);
	assert_int_equal(c.st.datagrams, 3);
	assert_int_equal(receive_all(fd, seq, 16), 3);

	/* Records, not datagrams: 10-record bodies fit three to a full one. */
	collector_close(&c);
	open_collector(&c, port, ",flow-rate=60,burst=1");
	collector_enqueue(&c, &part, false);
	collector_enqueue(&c, &part, false);
	collector_enqueue(&c, &part, false);
	collector_enqueue(&c, &part, false);
	collector_flush(&c);
	assert_int_equal(c.st.datagrams, 3);
	assert_int_equal(c.st.records, 30);
	collector_drain(&c, INT64_MAX);
	assert_int_equal(c.st.datagrams, 4);
	assert_identity(&c);
	assert_int_equal(receive_all(fd, seq, 16), 4);
	collector_close(&c);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_then_back),
		cmocka_unit_test(test_live_queue_full_refuses_newest),
		cmocka_unit_test(test_flow_rate_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
