/*
 * test_pipeline.c - the whole threaded pipeline in one process: a pcap of
 * pfsync v3 DEL frames written with libpcap, pfflowd's stages with several
 * decoders, and a UDP socket on loopback standing in for the collector.
 * Checks what arrives on the wire: every record, sums, consecutive
 * flow_sequence, and the same records for 1 and 3 decoder threads.  Also
 * the run ThreadSanitizer watches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "pipeline.h"
#include "stats.h"
#include "wire/netflow.h"

#define N_STATES	3000
#define STATES_PER_FRAME 6
#define V3_STATE_LEN	240
#define V3_HDR_LEN	20
#define MAX_RECORDS	(2 * N_STATES + 16)

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * State i as a v3 DEL message (wire-spec 4.3.3): ext 198.51.100.(i%250)
 * port 443, lan = gwy 10.0.(i/250).(i%250) port 1024+i, direction OUT for
 * even i; packets[0] = i + 1, packets[1] = 2i (zero for state 0, so that
 * direction is dropped), bytes = 100 x packets.
 */
static void
write_state(uint8_t *s, unsigned i)
{
	uint64_t pk0 = i + 1, pk1 = 2 * (uint64_t)i;
	unsigned h;

	memset(s, 0, V3_STATE_LEN);
	put32(s + 0, 0x10000000);
	put32(s + 4, i);			/* id */
	memcpy(s + 8, "em0", 3);		/* ifname */
	for (h = 0; h < 2; h++) {		/* lan at 24, gwy at 48 */
		uint8_t *host = s + 24 + 24 * h;

		host[0] = 10;
		host[2] = (uint8_t)(i / 250);
		host[3] = (uint8_t)(i % 250);
		host[16] = (uint8_t)((1024 + i) >> 8);
		host[17] = (uint8_t)(1024 + i);
	}
	s[72] = 198; s[73] = 51; s[74] = 100; s[75] = (uint8_t)(i % 250);
	s[88] = 443 >> 8; s[89] = 443 & 0xff;	/* ext port */
	put32(s + 188, 10);			/* creation: 10 s ago */
	put32(s + 200, (uint32_t)pk0);		/* packets[0] low half */
	put32(s + 208, (uint32_t)pk1);		/* packets[1] low half */
	put32(s + 216, (uint32_t)(pk0 * 100));	/* bytes[0] low half */
	put32(s + 224, (uint32_t)(pk1 * 100));	/* bytes[1] low half */
	put32(s + 228, 0xc0ffee00);		/* creatorid */
	s[232] = 2;				/* af INET */
	s[233] = 6;				/* TCP */
	s[234] = i % 2 ? 1 : 2;			/* direction */
}

static char *
write_pcap(void)
{
	static char path[64];
	uint8_t frame[V3_HDR_LEN + STATES_PER_FRAME * V3_STATE_LEN];
	struct pcap_pkthdr h;
	pcap_dumper_t *d;
	pcap_t *p;
	unsigned i = 0, k;
	int fd;

	snprintf(path, sizeof(path), "/tmp/pff-test-pipeline-XXXXXX");
	fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	p = pcap_open_dead(DLT_PFSYNC, 65535);
	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	while (i < N_STATES) {
		unsigned n = N_STATES - i < STATES_PER_FRAME ?
		    N_STATES - i : STATES_PER_FRAME;

		memset(frame, 0, V3_HDR_LEN);
		frame[0] = 3;			/* version */
		frame[2] = 3;			/* action DEL */
		frame[3] = (uint8_t)n;		/* count */
		for (k = 0; k < n; k++)
			write_state(frame + V3_HDR_LEN + k * V3_STATE_LEN,
			    i + k);
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1767225600 + i / 10;
		h.ts.tv_usec = (i % 10) * 1000;
		h.caplen = h.len = V3_HDR_LEN + n * V3_STATE_LEN;
		pcap_dump((u_char *)d, &h, frame);
		i += n;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return path;
}

struct received {
	unsigned	n_dgrams;
	unsigned	n_records;
	unsigned	seq_errors;
	uint64_t	packets, bytes;
	/* Records as "first port, packets, bytes", sorted for comparison. */
	uint64_t	keys[MAX_RECORDS];
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
receive_all(int fd, struct received *rx)
{
	uint8_t buf[2048];
	struct pollfd pfd = { fd, POLLIN, 0 };
	uint32_t next_seq = 0;
	ssize_t n;
	unsigned count, r;

	memset(rx, 0, sizeof(*rx));
	/* The pipeline has finished: everything sent is queued here. */
	while (poll(&pfd, 1, 200) > 0) {
		n = recv(fd, buf, sizeof(buf), 0);
		assert_true(n >= NF5_HDR_LEN);
		count = (unsigned)buf[2] << 8 | buf[3];
		assert_int_equal(buf[1], 5);
		assert_true(count >= 1 && count <= NF5_MAX_RECORDS);
		assert_int_equal((size_t)n, NF5_HDR_LEN + count * NF_REC_LEN);
		if (get32(buf + 16) != next_seq)
			rx->seq_errors++;
		next_seq = get32(buf + 16) + count;
		for (r = 0; r < count; r++) {
			const uint8_t *rec = buf + NF5_HDR_LEN + r * NF_REC_LEN;
			uint64_t pk = get32(rec + 16), by = get32(rec + 20);

			assert_true(rx->n_records < MAX_RECORDS);
			rx->packets += pk;
			rx->bytes += by;
			rx->keys[rx->n_records++] =
			    (uint64_t)((unsigned)rec[32] << 8 | rec[33]) << 48 |
			    pk << 24 | (by & 0xffffff);
		}
		rx->n_dgrams++;
	}
	qsort(rx->keys, rx->n_records, sizeof(rx->keys[0]), cmp_u64);
}

static int
open_sink(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
run_pipeline(const char *file, unsigned threads, struct received *rx)
{
	struct conf c;
	struct pipeline *p;
	struct timespec tick = { 0, 1000000 };
	char spec[64], err[512], tbuf[8];
	char a0[] = "pfflowd", a1[] = "-r", a3[] = "-n", a5[] = "-t";
	char a7[] = "--rate", a8[] = "0";
	char *argv[] = { a0, a1, (char *)(uintptr_t)file, a3, spec, a5, tbuf,
	    a7, a8, NULL };
	uint16_t port;
	int fd = open_sink(&port);

	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	snprintf(tbuf, sizeof(tbuf), "%u", threads);
	assert_int_equal(conf_parse_args(&c, 9, argv, err, sizeof(err)),
	    CONF_RUN);
	p = pipeline_create(&c, err, sizeof(err));
	if (p == NULL)
		fail_msg("pipeline_create: %s", err);
	assert_int_equal(pipeline_start(p, NULL, NULL), 0);
	while (!pipeline_finished(p))
		nanosleep(&tick, NULL);
	pipeline_join(p);
	assert_null(pipeline_input_error(p));
	pipeline_destroy(p);
	conf_free(&c);
	receive_all(fd, rx);
	close(fd);
}

static void
test_every_record_arrives(void **state)
{
	static struct received one, three;
	char *file = write_pcap();
	uint64_t pk = 0, i;

	(void)state;
	/* Expected: state 0 has one direction, every other state two. */
	for (i = 0; i < N_STATES; i++)
		pk += (i + 1) + 2 * i;
	run_pipeline(file, 1, &one);
	run_pipeline(file, 3, &three);
	unlink(file);

	assert_int_equal(one.n_records, 2 * N_STATES - 1);
	assert_int_equal(one.packets, pk);
	assert_int_equal(one.bytes, pk * 100);
	assert_int_equal(one.seq_errors, 0);
	assert_int_equal(one.n_dgrams, (2 * N_STATES - 1 + 29) / 30);

	assert_int_equal(three.n_records, one.n_records);
	assert_int_equal(three.seq_errors, 0);
	assert_memory_equal(three.keys, one.keys,
	    one.n_records * sizeof(one.keys[0]));
}

/* A stop request while frames are in flight must still drain and join. */
static void
test_stop_drains(void **state)
{
	struct conf c;
	struct pipeline *p;
	char *file = write_pcap();
	char a0[] = "pfflowd", a1[] = "-D", a2[] = "-r", a4[] = "-t";
	char a5[] = "2";
	char *argv[] = { a0, a1, a2, file, a4, a5, NULL };
	char err[512];
	struct timespec tick = { 0, 1000000 };

	(void)state;
	assert_int_equal(conf_parse_args(&c, 6, argv, err, sizeof(err)),
	    CONF_RUN);
	c.debug = false;	/* -D only to run without a collector */
	p = pipeline_create(&c, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(pipeline_start(p, NULL, NULL), 0);
	pipeline_stop(p);
	while (!pipeline_finished(p))
		nanosleep(&tick, NULL);
	pipeline_join(p);
	pipeline_destroy(p);
	conf_free(&c);
	unlink(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_record_arrives),
		cmocka_unit_test(test_stop_drains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
