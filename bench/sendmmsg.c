/*
 * sendmmsg.c - baseline (b) for the end-to-end benchmark: the kernel's
 * best case for sending what pfflowd sends.  N prebuilt NetFlow v5
 * datagrams of 1464 bytes (30 records) to each sink, in blocking
 * sendmmsg batches of 64 per sink, sinks taken in turn as pfflowd's
 * exporter takes its collectors; only the flow_sequence is stamped, so
 * the sinks (bench/sink) check the datagrams as they check pfflowd's.
 *
 *   sendmmsg --datagrams N [--json FILE] PORT...
 *
 * Sends to 127.0.0.1:PORT for each PORT.  Prints one SUMMARY line.
 * Conservation: every datagram was accepted by the kernel (sent = N x
 * sinks); bench/run then checks that the sinks received them all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"

#define MAX_SINKS	16
#define BATCH		64	/* = COLLECTOR_SEND_BATCH */
#define N_RECORDS	30
#define DGRAM_LEN	(24 + N_RECORDS * 48)

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * A plausible v5 datagram: header (version 5, count 30, times), records
 * with addresses and counters filled; flow_sequence (offset 16) is
 * stamped per send.
 */
static void
build(uint8_t *d, unsigned salt)
{
	unsigned r;

	memset(d, 0, DGRAM_LEN);
	d[1] = 5;			/* version */
	d[3] = N_RECORDS;		/* count */
	be32(d + 4, 86400000);		/* SysUptime */
	be32(d + 8, 1767225600);	/* unix_secs */
	for (r = 0; r < N_RECORDS; r++) {
		uint8_t *p = d + 24 + r * 48;

		be32(p, 0x0a000000u | (salt * N_RECORDS + r));	/* src */
		be32(p + 4, 0xc6336400u | r);			/* dst */
		be32(p + 16, 10 + r);				/* dPkts */
		be32(p + 20, 1500 * (10 + r));			/* dOctets */
		p[38] = 6;					/* TCP */
	}
}

int
main(int argc, char **argv)
{
	static uint8_t dg[MAX_SINKS][BATCH][DGRAM_LEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint32_t seq[MAX_SINKS] = { 0 };
	int fd[MAX_SINKS];
	const char *json = NULL;
	unsigned k = 0, s, i, batch;
	unsigned long long n = 0, done = 0, sent_total = 0;
	double t0, c0, secs, cpu;
	FILE *f;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--datagrams") == 0 && a + 1 < argc) {
			n = strtoull(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "--json") == 0 && a + 1 < argc) {
			json = argv[++a];
		} else if (argv[a][0] != '-' && k < MAX_SINKS) {
			struct sockaddr_in sin;

			memset(&sin, 0, sizeof(sin));
			sin.sin_family = AF_INET;
			sin.sin_port = htons((uint16_t)atoi(argv[a]));
			sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			fd[k] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (fd[k] < 0 || connect(fd[k],
			    (struct sockaddr *)&sin, sizeof(sin)) != 0) {
				perror("sendmmsg: socket");
				return 1;
			}
			for (i = 0; i < BATCH; i++)
				build(dg[k][i], i);
			k++;
		} else {
			k = 0;
			break;
		}
	}
	if (k == 0 || n == 0) {
		fprintf(stderr, "usage: sendmmsg --datagrams N [--json FILE] "
		    "PORT...\n");
		return 2;
	}
	t0 = bench_now_s();
	c0 = bench_cpu_s();
	while (done < n) {
		batch = n - done < BATCH ? (unsigned)(n - done) : BATCH;
		for (s = 0; s < k; s++) {
			unsigned off = 0;

			for (i = 0; i < batch; i++) {
				be32(dg[s][i] + 16, seq[s]);
				seq[s] += N_RECORDS;
				iov[i].iov_base = dg[s][i];
				iov[i].iov_len = DGRAM_LEN;
				memset(&msgs[i], 0, sizeof(msgs[i]));
				msgs[i].msg_hdr.msg_iov = &iov[i];
				msgs[i].msg_hdr.msg_iovlen = 1;
			}
			while (off < batch) {
				int r = sendmmsg(fd[s], msgs + off,
				    batch - off, 0);

				if (r < 0 && errno != EINTR) {
					perror("sendmmsg");
					return 1;
				}
				if (r > 0)
					off += (unsigned)r;
			}
			sent_total += off;
		}
		done += batch;
	}
	secs = bench_now_s() - t0;
	cpu = bench_cpu_s() - c0;
	printf("SUMMARY sendmmsg sinks=%u datagrams=%llu copies=%llu "
	    "seconds=%.3f cpu_s=%.3f dgrams/s=%.0f conservation=%s\n", k, n,
	    sent_total, secs, cpu, sent_total / secs,
	    sent_total == n * k ? "ok" : "FAILED");
	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"bench\": \"sendmmsg\", \"sinks\": %u, "
		    "\"datagrams_per_sink\": %llu, \"copies\": %llu, "
		    "\"seconds\": %.6f, \"cpu_s\": %.6f, \"conservation\": "
		    "%s}\n", k, n, sent_total, secs, cpu,
		    sent_total == n * k ? "true" : "false");
		fclose(f);
	}
	for (s = 0; s < k; s++)
		close(fd[s]);
	return sent_total == n * k ? 0 : 1;
}
