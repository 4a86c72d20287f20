/*
 * bench_encode.c - NetFlow v5 encoding: flow records in, sealed datagrams
 * with a stamped header out, 64-bit counters split into 32-bit records.
 *
 * The loop is the exporter's without the rings and sockets: skip IPv6,
 * nf_split each flow into records, nf_body_add them, and for every full
 * body nf_body_seal it and write one collector's header in front of a
 * copy, as collector_enqueue does.  Flows are made up (benchutil.h) with
 * 5% IPv6 and 5% big counters unless told otherwise.
 *
 *   bench_encode [--smoke] [--json FILE] [--flows N] [--rounds R]
 *
 * Conservation, checked on a second pass over the same flows: flows in =
 * IPv4 encoded + IPv6 skipped; records = the sum of nf_records_needed;
 * datagrams = records / 30 rounded up; and the packet and byte counters
 * read back from the wire records add up to the 64-bit totals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "collector.h"
#include "wire/netflow.h"

#define V6_PCT		5
#define BIG_PCT		5
#define MAX_ROUNDS	15
#define ORIGIN_MS	(1767225600000ULL - 86400000ULL)

struct tally {
	uint64_t	flows, v4, v6, records, datagrams;
	uint64_t	packets, bytes;		/* read back from the wire */
};

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Seal, stamp a header into a datagram, and (checking) read it back. */
static void
emit(struct nf_body *b, struct collector_dgram *d, uint32_t *seq,
    struct tally *t, bool check)
{
	unsigned i;

	nf_body_seal(b, b->export_ms, ORIGIN_MS);
	nf_header_write(d->buf, b, *seq, 0, 0);
	memcpy(d->buf + NF5_HDR_LEN, b->rec, (size_t)b->n_records * NF_REC_LEN);
	d->n_records = (uint16_t)b->n_records;
	*seq += b->n_records;
	t->datagrams++;
	if (check)
		for (i = 0; i < b->n_records; i++) {
			const uint8_t *r = d->buf + NF5_HDR_LEN +
			    i * NF_REC_LEN;

			t->packets += rd32(r + 16);	/* dPkts */
			t->bytes += rd32(r + 20);	/* dOctets */
		}
	nf_body_init(b, 5);
}

static void
encode(const struct flow_record *fl, uint64_t n, struct tally *t, bool check)
{
	static struct collector_dgram d;
	struct nf_body b;
	uint32_t seq = 0, p32, b32;
	uint64_t i, pk, by;

	memset(t, 0, sizeof(*t));
	nf_body_init(&b, 5);
	for (i = 0; i < n; i++) {
		const struct flow_record *r = &fl[i];

		t->flows++;
		if (r->af != 4) {
			t->v6++;
			continue;
		}
		t->v4++;
		pk = r->packets;
		by = r->bytes;
		while (nf_split(&pk, &by, &p32, &b32)) {
			nf_body_add(&b, r, p32, b32);
			t->records++;
			if (nf_body_full(&b))
				emit(&b, &d, &seq, t, check);
		}
	}
	if (b.n_records > 0)
		emit(&b, &d, &seq, t, check);
}

int
main(int argc, char **argv)
{
	double secs[MAX_ROUNDS], best = 0, ns_per_rec;
	uint64_t n = 1000000, i, want_rec = 0, want_pk = 0, want_by = 0;
	const char *json = NULL;
	unsigned rounds = 5, r;
	struct flow_record *fl;
	struct tally t, chk;
	bool ok;
	FILE *f;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--smoke") == 0) {
			n = 2000;
			rounds = 1;
		} else if (strcmp(argv[a], "--json") == 0 && a + 1 < argc) {
			json = argv[++a];
		} else if (strcmp(argv[a], "--flows") == 0 && a + 1 < argc) {
			n = strtoull(argv[++a], NULL, 10);
		} else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) {
			rounds = (unsigned)strtoul(argv[++a], NULL, 10);
		} else {
			fprintf(stderr, "usage: bench_encode [--smoke] [--json "
			    "FILE] [--flows N] [--rounds R]\n");
			return 2;
		}
	}
	if (n < 1 || n > 50000000 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench_encode: flows 1..50000000, rounds "
		    "1..%d\n", MAX_ROUNDS);
		return 2;
	}
	if ((fl = malloc(n * sizeof(*fl))) == NULL) {
		perror("bench_encode");
		return 1;
	}
	for (i = 0; i < n; i++) {
		bench_make_flow(&fl[i], i, V6_PCT, BIG_PCT);
		if (fl[i].af == 4) {
			want_rec += nf_records_needed(fl[i].packets,
			    fl[i].bytes);
			want_pk += fl[i].packets;
			want_by += fl[i].bytes;
		}
	}
	for (r = 0; r < rounds; r++) {
		double t0 = bench_now_s();

		encode(fl, n, &t, false);
		secs[r] = bench_now_s() - t0;
		if (r == 0 || secs[r] < best)
			best = secs[r];
	}
	encode(fl, n, &chk, true);
	ok = chk.flows == n && chk.v4 + chk.v6 == n &&
	    chk.records == want_rec && t.records == want_rec &&
	    chk.datagrams == (want_rec + NF5_MAX_RECORDS - 1) /
	    NF5_MAX_RECORDS && chk.packets == want_pk && chk.bytes == want_by;
	if (!ok)
		fprintf(stderr, "bench_encode: conservation failed: records "
		    "%llu want %llu, packets %llu want %llu, bytes %llu want "
		    "%llu\n", (unsigned long long)chk.records,
		    (unsigned long long)want_rec,
		    (unsigned long long)chk.packets,
		    (unsigned long long)want_pk, (unsigned long long)chk.bytes,
		    (unsigned long long)want_by);
	ns_per_rec = best * 1e9 / (double)t.records;
	printf("SUMMARY encode flows=%llu ipv6_skipped=%llu records=%llu "
	    "datagrams=%llu flows/s=%.0f records/s=%.0f datagrams/s=%.0f "
	    "ns/record=%.1f conservation=%s\n", (unsigned long long)n,
	    (unsigned long long)t.v6, (unsigned long long)t.records,
	    (unsigned long long)t.datagrams, n / best, t.records / best,
	    t.datagrams / best, ns_per_rec, ok ? "ok" : "FAILED");
	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"bench\": \"encode\", \"flows\": %llu, "
		    "\"ipv6_pct\": %d, \"big_pct\": %d, "
		    "\"ipv6_skipped\": %llu, \"records\": %llu, "
		    "\"datagrams\": %llu, \"best_s\": %.6f, "
		    "\"flows_per_s\": %.0f, \"records_per_s\": %.0f, "
		    "\"datagrams_per_s\": %.0f, \"ns_per_record\": %.2f, "
		    "\"conservation\": %s}\n", (unsigned long long)n, V6_PCT,
		    BIG_PCT, (unsigned long long)t.v6,
		    (unsigned long long)t.records,
		    (unsigned long long)t.datagrams, best, n / best,
		    t.records / best, t.datagrams / best, ns_per_rec,
		    ok ? "true" : "false");
		fclose(f);
	}
	free(fl);
	return ok ? 0 : 1;
}
