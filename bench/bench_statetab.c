/*
 * bench_statetab.c - state-table operations per second and memory, at a
 * small and at a big-firewall table size.
 *
 * For each size N: insert N states (full INS), refresh each with one
 * UPD_C, then end each with a DEL_C, timing each phase; RSS is read at
 * the peak (N live states).  Prints one SUMMARY line and writes JSON.
 *   bench_statetab [--smoke] [--json FILE] [N...]   (default 10000 1000000)
 * --smoke runs 1000 states and only checks conservation (make check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "statetab.h"

struct sink {
	uint64_t	records;
};

static void
count(void *ctx, const struct flow_record *r)
{
	(void)r;
	((struct sink *)ctx)->records++;
}

static void
make_state(struct pf_state_event *ev, enum pf_event_kind kind, uint64_t i)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint8_t)kind;
	ev->creatorid = 0x0badcafe;
	ev->id = i;
	if (kind != PF_EV_INSERT)
		return;
	ev->af = 4;
	ev->proto = 6;
	ev->direction = i & 1 ? PFSYNC_DIR_IN : PFSYNC_DIR_OUT;
	ev->timeout = 2;
	ev->has_counters = true;
	ev->packets[0] = ev->packets[1] = 1 + i % 7;
	ev->bytes[0] = ev->bytes[1] = 60 * (1 + i % 7);
	ev->key[0].addr[0][0] = ev->key[1].addr[0][0] = 10;
	memcpy(&ev->key[0].addr[1][0], &i, 4);
	ev->key[1] = ev->key[0];
}

struct result {
	unsigned	n;
	double		insert_per_s, update_per_s, delete_per_s, rss_mib;
	double		rss_base_mib;
	uint64_t	records;
};

static int
run(unsigned n, struct result *res)
{
	struct statetab_conf conf = { n, 0, true, 60000 };
	struct sink sink = { 0 };
	struct pf_state_event ev;
	struct statetab *t;
	double t0;
	uint64_t i, base = 1767225600000ULL;

	res->n = n;
	res->rss_base_mib = bench_rss_mib();
	t = statetab_create(&conf, count, &sink);
	if (t == NULL)
		return -1;
	t0 = bench_now_s();
	for (i = 0; i < n; i++) {
		make_state(&ev, PF_EV_INSERT, i);
		statetab_apply(t, &ev, base + i / 1000);
	}
	res->insert_per_s = n / (bench_now_s() - t0);
	res->rss_mib = bench_rss_mib();
	t0 = bench_now_s();
	for (i = 0; i < n; i++) {
		make_state(&ev, PF_EV_UPDATE_C, i);
		statetab_apply(t, &ev, base + 1000 + i / 1000);
	}
	res->update_per_s = n / (bench_now_s() - t0);
	t0 = bench_now_s();
	for (i = 0; i < n; i++) {
		make_state(&ev, PF_EV_DELETE_C, i);
		statetab_apply(t, &ev, base + 2000 + i / 1000);
	}
	res->delete_per_s = n / (bench_now_s() - t0);
	res->records = sink.records;
	/* Conservation: every state ended by DEL_C, two directions each. */
	if (statetab_stats(t)->ended_delete_c != n || sink.records != 2ULL * n ||
	    statetab_stats(t)->live != 0) {
		fprintf(stderr, "bench_statetab: conservation failed at %u: "
		    "ended %llu, records %llu\n", n, (unsigned long long)
		    statetab_stats(t)->ended_delete_c,
		    (unsigned long long)sink.records);
		statetab_destroy(t);
		return -1;
	}
	statetab_destroy(t);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned sizes[8] = { 10000, 1000000 }, n_sizes = 2, i;
	const char *json = NULL;
	struct result res[8];
	FILE *f;
	int a, smoke = 0, user_sizes = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--smoke") == 0) {
			smoke = 1;
		} else if (strcmp(argv[a], "--json") == 0 && a + 1 < argc) {
			json = argv[++a];
		} else if (n_sizes < 8 || !user_sizes) {
			if (!user_sizes)
				n_sizes = 0;
			user_sizes = 1;
			sizes[n_sizes++] = (unsigned)strtoul(argv[a], NULL, 10);
		}
	}
	if (smoke) {
		sizes[0] = 1000;
		n_sizes = 1;
	}
	for (i = 0; i < n_sizes; i++) {
		if (run(sizes[i], &res[i]) != 0)
			return 1;
		printf("SUMMARY statetab states=%u insert/s=%.0f update_c/s=%.0f "
		    "delete_c/s=%.0f rss_mib=%.1f (base %.1f) records=%llu "
		    "conservation=ok\n", res[i].n, res[i].insert_per_s,
		    res[i].update_per_s, res[i].delete_per_s, res[i].rss_mib,
		    res[i].rss_base_mib, (unsigned long long)res[i].records);
	}
	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"bench\": \"statetab\", \"runs\": [");
		for (i = 0; i < n_sizes; i++)
			fprintf(f, "%s{\"states\": %u, \"insert_per_s\": %.0f, "
			    "\"update_c_per_s\": %.0f, \"delete_c_per_s\": %.0f, "
			    "\"rss_mib\": %.1f, \"rss_base_mib\": %.1f, "
			    "\"records\": %llu}", i ? ", " : "", res[i].n,
			    res[i].insert_per_s, res[i].update_per_s,
			    res[i].delete_per_s, res[i].rss_mib,
			    res[i].rss_base_mib,
			    (unsigned long long)res[i].records);
		fprintf(f, "]}\n");
		fclose(f);
	}
	return 0;
}
