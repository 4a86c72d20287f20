/*
 * benchutil.h - clocks, memory and made-up flow records for the
 * benchmarks and the baseline tools (pcapread, sendmmsg, rusage).
 *
 * Flows are a pure function of their index and the percentages, through
 * splitmix64, so every run and every benchmark sees the same ones.  The
 * mix follows the capture generator's: half TCP, 30% UDP, 20% ICMP, a
 * given share of IPv6 and of counters past 32 bits.
 */
#ifndef PFF_BENCH_BENCHUTIL_H
#define PFF_BENCH_BENCHUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "clock.h"
#include "flow.h"

static inline double
bench_now_s(void)
{
	return (double)clock_mono_ns() / 1e9;
}

/* User + system CPU seconds of the whole process (every thread). */
static inline double
bench_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Resident set size in MiB, from /proc (Linux); -1 if unknown. */
static inline double
bench_rss_mib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atof(line + 6);
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static inline uint64_t
bench_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Middle of a small sorted-in-place array (n <= 16). */
static inline double
bench_median(double *v, unsigned n)
{
	unsigned i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Flow record number i.  big_pct of them carry counters past 2^32 (two to
 * five NetFlow records each), v6_pct are IPv6 (v5 skips them).
 */
static inline void
bench_make_flow(struct flow_record *r, uint64_t i, unsigned v6_pct,
    unsigned big_pct)
{
	uint64_t h = bench_mix64(i), h2 = bench_mix64(i ^ 0x5bd1e995);
	unsigned pr = (unsigned)(h % 10);

	memset(r, 0, sizeof(*r));
	r->af = (h >> 8) % 100 < v6_pct ? 6 : 4;
	r->proto = pr < 5 ? 6 : pr < 8 ? 17 : r->af == 6 ? 58 : 1;
	r->packets = 1 + (h2 >> 12) % 20000;
	r->bytes = r->packets * (40 + (h2 >> 40) % 1460);
	if ((h >> 16) % 100 < big_pct) {
		r->packets += (uint64_t)1 << 32;
		r->bytes += (uint64_t)((h >> 24) % 4 + 1) << 32;
	}
	r->first_ms = 1767225600000ULL + i;
	r->last_ms = r->first_ms + (h2 >> 50) % 60000;
	r->seen_ms = r->last_ms + 1000;
	r->state_id = i;
	r->creatorid = 0x0badcafe;
	r->src[0] = 10;
	memcpy(&r->src[1], &i, 3);
	r->dst[0] = 198;
	r->dst[1] = 51;
	r->dst[2] = 100;
	r->dst[3] = (uint8_t)h;
	r->src_port = (uint16_t)(1024 + (h >> 32) % 64000);
	r->dst_port = r->proto == 6 ? 443 : r->proto == 17 ? 53 : 0;
	r->direction = (h >> 48) & 1 ? 1 : 2;
	r->reverse = (h >> 49) & 1;
	r->provenance = FLOW_FINAL;
}

#endif /* PFF_BENCH_BENCHUTIL_H */
