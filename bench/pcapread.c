/*
 * pcapread.c - baseline (a) for the end-to-end benchmark: the cheapest
 * useful read of a capture.  libpcap reads the file packet by packet as
 * pfflowd's capture thread does (pcap_next_ex), and every captured byte is
 * summed so none of the reading can be skipped.  pfflowd cannot be faster
 * than this on the same file.
 *
 *   pcapread [--expect-packets N] [--json FILE] FILE.pcap
 *
 * Prints one SUMMARY line.  Conservation: bytes summed = the sum of the
 * captured lengths, and (with --expect-packets) every packet was read.
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "benchutil.h"

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	const char *path = NULL, *json = NULL;
	long long expect = -1;
	struct pcap_pkthdr *h;
	const u_char *p;
	uint64_t packets = 0, bytes = 0, touched = 0, sum = 0;
	double t0, c0, secs, cpu;
	pcap_t *pc;
	bool ok;
	FILE *f;
	int a, rc;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--expect-packets") == 0 && a + 1 < argc)
			expect = atoll(argv[++a]);
		else if (strcmp(argv[a], "--json") == 0 && a + 1 < argc)
			json = argv[++a];
		else if (argv[a][0] != '-' && path == NULL)
			path = argv[a];
		else
			path = NULL, a = argc;
	}
	if (path == NULL) {
		fprintf(stderr, "usage: pcapread [--expect-packets N] "
		    "[--json FILE] FILE.pcap\n");
		return 2;
	}
	t0 = bench_now_s();
	c0 = bench_cpu_s();
	if ((pc = pcap_open_offline(path, err)) == NULL) {
		fprintf(stderr, "pcapread: %s\n", err);
		return 1;
	}
	while ((rc = pcap_next_ex(pc, &h, &p)) == 1) {
		uint32_t i;

		packets++;
		bytes += h->caplen;
		/* A byte at a time: the compiler vectorises it anyway. */
		for (i = 0; i < h->caplen; i++)
			sum += p[i];
		touched += i;
	}
	if (rc == -1)
		fprintf(stderr, "pcapread: %s: %s\n", path, pcap_geterr(pc));
	pcap_close(pc);
	secs = bench_now_s() - t0;
	cpu = bench_cpu_s() - c0;
	ok = rc != -1 && touched == bytes &&
	    (expect < 0 || (uint64_t)expect == packets);
	printf("SUMMARY pcapread packets=%llu MB=%.1f seconds=%.3f "
	    "cpu_s=%.3f MB/s=%.0f checksum=%llu conservation=%s\n",
	    (unsigned long long)packets, bytes / 1e6, secs, cpu,
	    bytes / 1e6 / secs, (unsigned long long)sum, ok ? "ok" : "FAILED");
	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"bench\": \"pcapread\", \"packets\": %llu, "
		    "\"bytes\": %llu, \"seconds\": %.6f, \"cpu_s\": %.6f, "
		    "\"conservation\": %s}\n", (unsigned long long)packets,
		    (unsigned long long)bytes, secs, cpu,
		    ok ? "true" : "false");
		fclose(f);
	}
	return ok ? 0 : 1;
}
