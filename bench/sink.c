/*
 * sink.c - a counting NetFlow v5 collector for the benchmarks.
 *
 * Binds one UDP port on loopback, counts datagrams and records, checks
 * every flow_sequence (nfsink.h), and exits once no datagram has come for
 * --idle-ms, on SIGTERM/SIGINT (after taking what is already queued), or
 * after --max-s at the latest.  Prints one "SINK ..." line and, with
 * --json, the same figures as JSON (with the CLOCK_MONOTONIC times of the
 * first and last datagram, which bench/run sets against pfflowd's
 * start).  bench/run starts one per collector and compares its counts
 * with what pfflowd says it sent.
 *
 *   sink [--addr A] [--port P] [--port-file F] [--rcvbuf BYTES]
 *        [--idle-ms MS] [--max-s S] [--expect-records N] [--json F]
 *
 * --port 0 (default) lets the kernel choose; --port-file then receives
 * the number (written whole, by rename), which is how bench/run knows the
 * sink is ready without sleeping.  Exit status 0 when every datagram was
 * a good v5 one, in sequence, none was dropped by the kernel, and (with
 * --expect-records) the records add up; 1 otherwise; 2 on a usage or
 * socket error.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "nfsink.h"

/* Quiet time that ends the drain after a stop signal. */
#define SINK_DRAIN_MS	200

struct opts {
	const char	*addr;
	unsigned	 port;
	const char	*port_file;
	long		 rcvbuf;
	long		 idle_ms;
	long		 max_s;
	long long	 expect_records;	/* -1: not checked */
	const char	*json;
};

static void
usage(void)
{
	fprintf(stderr, "usage: sink [--addr A] [--port P] [--port-file F] "
	    "[--rcvbuf BYTES]\n            [--idle-ms MS] [--max-s S] "
	    "[--expect-records N] [--json F]\n");
	exit(2);
}

static long long
num(const char *opt, const char *v, long long lo, long long hi)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || n < lo || n > hi) {
		fprintf(stderr, "sink: %s: bad value '%s'\n", opt, v);
		exit(2);
	}
	return n;
}

static void
parse(struct opts *o, int argc, char **argv)
{
	int a;

	o->addr = "127.0.0.1";
	o->rcvbuf = 128L << 20;
	o->idle_ms = 2000;
	o->max_s = 300;
	o->expect_records = -1;
	for (a = 1; a < argc; a++) {
		const char *k = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (v == NULL)
			usage();
		a++;
		if (strcmp(k, "--addr") == 0)
			o->addr = v;
		else if (strcmp(k, "--port") == 0)
			o->port = (unsigned)num(k, v, 0, 65535);
		else if (strcmp(k, "--port-file") == 0)
			o->port_file = v;
		else if (strcmp(k, "--rcvbuf") == 0)
			o->rcvbuf = (long)num(k, v, 0, 1L << 30);
		else if (strcmp(k, "--idle-ms") == 0)
			o->idle_ms = (long)num(k, v, 1, 3600000);
		else if (strcmp(k, "--max-s") == 0)
			o->max_s = (long)num(k, v, 1, 86400);
		else if (strcmp(k, "--expect-records") == 0)
			o->expect_records = num(k, v, 0, 1LL << 62);
		else if (strcmp(k, "--json") == 0)
			o->json = v;
		else
			usage();
	}
}

/* Publish the port: a reader polling for the file never sees it half. */
static int
write_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct nfsink s;
	struct opts o;
	struct pollfd pfd[2];
	sigset_t sigs;
	int64_t start, deadline, drain_until = 0;
	long long drops;
	double secs;
	int sfd, rc, ok;
	FILE *f;

	memset(&o, 0, sizeof(o));
	parse(&o, argc, argv);
	/* Signals arrive as reads on sfd: no handler, no global flag. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if ((sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0) {
		perror("sink: signalfd");
		return 2;
	}
	if ((rc = nfsink_open(&s, o.addr, (uint16_t)o.port,
	    (int)o.rcvbuf)) != 0) {
		fprintf(stderr, "sink: %s:%u: %s\n", o.addr, o.port,
		    strerror(-rc));
		return 2;
	}
	if (o.port_file != NULL && write_port_file(o.port_file, s.port)) {
		perror(o.port_file);
		return 2;
	}
	start = clock_mono_ns();
	deadline = start + o.max_s * 1000000000LL;
	pfd[0].fd = s.fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		int64_t now = clock_mono_ns(), quiet_until;
		long wait_ms;

		/* Until the first datagram only max-s bounds the wait. */
		quiet_until = s.first_ns == 0 ? deadline :
		    s.last_ns + o.idle_ms * 1000000LL;
		if (drain_until != 0 && drain_until < quiet_until)
			quiet_until = drain_until;
		if (quiet_until > deadline)
			quiet_until = deadline;
		if (now >= quiet_until)
			break;
		wait_ms = (long)((quiet_until - now) / 1000000) + 1;
		if (poll(pfd, 2, (int)(wait_ms > 1000 ? 1000 : wait_ms)) < 0 &&
		    errno != EINTR) {
			perror("sink: poll");
			return 2;
		}
		rc = 0;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) < 0)
				perror("sink: signalfd read");
			pfd[1].fd = -1;		/* once is enough */
			drain_until = clock_mono_ns() +
			    SINK_DRAIN_MS * 1000000LL;
		}
		if ((pfd[0].revents & POLLIN) &&
		    (rc = nfsink_poll(&s, 0)) < 0) {
			fprintf(stderr, "sink: recv: %s\n", strerror(-rc));
			return 2;
		}
		/* Each datagram pushes a drain's quiet time further out. */
		if (drain_until != 0 && rc > 0)
			drain_until = s.last_ns + SINK_DRAIN_MS * 1000000LL;
	}
	drops = nfsink_kernel_drops(&s);
	secs = s.first_ns != 0 ? (s.last_ns - s.first_ns) / 1e9 : 0;
	ok = s.seq_gaps == 0 && s.bad == 0 && drops <= 0 &&
	    (o.expect_records < 0 ||
	    (long long)s.records == o.expect_records);
	printf("SINK port=%u datagrams=%llu records=%llu bytes=%llu "
	    "seq_gaps=%llu missing_records=%llu bad=%llu kernel_drops=%lld "
	    "seconds=%.3f %s\n", s.port, (unsigned long long)s.datagrams,
	    (unsigned long long)s.records, (unsigned long long)s.bytes,
	    (unsigned long long)s.seq_gaps,
	    (unsigned long long)s.missing_records,
	    (unsigned long long)s.bad, drops, secs, ok ? "ok" : "FAILED");
	if (o.json != NULL) {
		if ((f = fopen(o.json, "w")) == NULL) {
			perror(o.json);
			return 2;
		}
		fprintf(f, "{\"port\": %u, \"datagrams\": %llu, \"records\": "
		    "%llu, \"bytes\": %llu, \"seq_gaps\": %llu, "
		    "\"missing_records\": %llu, \"bad\": %llu, "
		    "\"kernel_drops\": %lld, \"seconds\": %.6f, "
		    "\"first_mono_s\": %.6f, \"last_mono_s\": %.6f, "
		    "\"ok\": %s}\n", s.port, (unsigned long long)s.datagrams,
		    (unsigned long long)s.records, (unsigned long long)s.bytes,
		    (unsigned long long)s.seq_gaps,
		    (unsigned long long)s.missing_records,
		    (unsigned long long)s.bad, drops, secs, s.first_ns / 1e9,
		    s.last_ns / 1e9, ok ? "true" : "false");
		fclose(f);
	}
	nfsink_close(&s);
	return ok ? 0 : 1;
}
