/*
 * bench_parse.c - pfsync frame parsing per wire version: frames in, state
 * events out, nothing else (no table, no threads).
 *
 * Each input is a capture from tests/data/pfsyncgen.  Its frames are read
 * with libpcap and stripped to the pfsync header (link.h) into one buffer
 * first, so the timed loop is pfsync_parse() alone, handing every event to
 * a sink that counts it by kind.
 *
 *   bench_parse [--smoke] [--json FILE] [--rounds R] [NAME=]FILE.pcap...
 *
 * NAME labels the input (default: the file's base name).  --smoke runs one
 * round.  Conservation, every round: frames parsed = frames read; every
 * message about a state is an event or a counted bad_af/bad_direction;
 * the sink got every event.  When FILE.exp (pfsyncgen -e) sits next to the
 * capture, the frame count and every msg.* count must also match it.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "link.h"
#include "pfsync.h"

#define MAX_INPUTS	16
#define MAX_ROUNDS	15

struct frames {
	uint8_t		*data;		/* frames back to back */
	size_t		*off;		/* [n + 1] */
	size_t		 n, cap, data_len, data_cap;
};

struct counts {
	uint64_t	events;
	uint64_t	by_kind[PF_EV_MAX];
};

struct result {
	char		 name[64];
	uint64_t	 frames, bytes, events, msgs;
	double		 best_s;
	bool		 ok;
};

static void
on_event(void *ctx, const struct pf_state_event *ev)
{
	struct counts *c = ctx;

	c->events++;
	c->by_kind[ev->kind < PF_EV_MAX ? ev->kind : 0]++;
}

static void *
grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 4096;
	if ((p = realloc(p, *cap * elem)) == NULL) {
		perror("bench_parse");
		exit(1);
	}
	return p;
}

/* Read every pfsync frame of a capture; -1 on a read error. */
static int
load(const char *path, struct frames *fr)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *pkt;
	struct link_frame lf;
	pcap_t *pc;
	int rc, lt;

	memset(fr, 0, sizeof(*fr));
	if ((pc = pcap_open_offline(path, err)) == NULL) {
		fprintf(stderr, "bench_parse: %s\n", err);
		return -1;
	}
	lt = pcap_datalink(pc);
	fr->off = grow(fr->off, &fr->cap, 1, sizeof(*fr->off));
	fr->off[0] = 0;
	while ((rc = pcap_next_ex(pc, &h, &pkt)) == 1) {
		if (link_strip(lt, pkt, h->caplen, &lf) != -1)
			continue;
		fr->data = grow(fr->data, &fr->data_cap,
		    fr->data_len + lf.len, 1);
		memcpy(fr->data + fr->data_len, pkt + lf.off, lf.len);
		fr->data_len += lf.len;
		fr->off = grow(fr->off, &fr->cap, fr->n + 2, sizeof(*fr->off));
		fr->off[++fr->n] = fr->data_len;
	}
	if (rc == -1)
		fprintf(stderr, "bench_parse: %s: %s\n", path,
		    pcap_geterr(pc));
	pcap_close(pc);
	return rc == -1 ? -1 : 0;
}

/*
 * Compare with pfsyncgen's expect file ("name value" lines): frames and
 * every msg.* line.  Returns false on a mismatch; true if there is none.
 */
static bool
check_expect(const char *pcap_path, const struct pfsync_stats *st,
    uint64_t frames)
{
	char path[4096], line[256], key[128];
	unsigned long long v;
	size_t len = strlen(pcap_path);
	bool ok = true;
	unsigned k;
	FILE *f;

	if (len > 5 && strcmp(pcap_path + len - 5, ".pcap") == 0)
		len -= 5;
	snprintf(path, sizeof(path), "%.*s.exp", (int)len, pcap_path);
	if ((f = fopen(path, "r")) == NULL)
		return true;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%127s %llu", key, &v) != 2)
			continue;
		if (strcmp(key, "frames") == 0 && v != frames) {
			fprintf(stderr, "bench_parse: %s: frames %llu, "
			    "expected %llu\n", pcap_path,
			    (unsigned long long)frames, v);
			ok = false;
		}
		if (strncmp(key, "msg.", 4) != 0)
			continue;
		for (k = 0; k < PFSYNC_MSG_MAX; k++)
			if (strcmp(key + 4, pfsync_msg_name(k)) == 0 &&
			    st->msgs[k] != v) {
				fprintf(stderr, "bench_parse: %s: %s %llu, "
				    "expected %llu\n", pcap_path, key,
				    (unsigned long long)st->msgs[k], v);
				ok = false;
			}
	}
	fclose(f);
	return ok;
}

/* Messages that are about a state: each is an event or a bad one. */
static uint64_t
state_msgs(const struct pfsync_stats *st)
{
	static const unsigned kinds[] = { PFSYNC_MSG_CLR, PFSYNC_MSG_INS,
	    PFSYNC_MSG_UPD, PFSYNC_MSG_DEL, PFSYNC_MSG_UPD_C,
	    PFSYNC_MSG_DEL_C };
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		n += st->msgs[kinds[i]];
	return n;
}

static void
bench(const char *path, const struct frames *fr, unsigned rounds,
    struct result *res)
{
	struct pfsync_stats st;
	struct counts c;
	struct pfsync_sink sink = { on_event, &c, NULL, NULL };
	unsigned r;
	size_t i;

	res->frames = fr->n;
	res->bytes = fr->data_len;
	res->ok = true;
	for (r = 0; r < rounds; r++) {
		double t0;

		memset(&st, 0, sizeof(st));
		memset(&c, 0, sizeof(c));
		t0 = bench_now_s();
		for (i = 0; i < fr->n; i++)
			pfsync_parse(fr->data + fr->off[i],
			    fr->off[i + 1] - fr->off[i], &sink, &st);
		t0 = bench_now_s() - t0;
		if (r == 0 || t0 < res->best_s)
			res->best_s = t0;
		if (st.frames != fr->n || c.events != st.events ||
		    state_msgs(&st) != st.events +
		    st.bad[PFSYNC_BAD_AF] + st.bad[PFSYNC_BAD_DIRECTION]) {
			fprintf(stderr, "bench_parse: %s: frames %llu of %zu, "
			    "events %llu (sink %llu), state messages %llu\n",
			    res->name, (unsigned long long)st.frames, fr->n,
			    (unsigned long long)st.events,
			    (unsigned long long)c.events,
			    (unsigned long long)state_msgs(&st));
			res->ok = false;
		}
	}
	res->events = st.events;
	res->msgs = 0;
	for (i = 0; i < PFSYNC_MSG_MAX; i++)
		res->msgs += st.msgs[i];
	if (!check_expect(path, &st, fr->n))
		res->ok = false;
}

int
main(int argc, char **argv)
{
	struct result res[MAX_INPUTS];
	const char *json = NULL, *paths[MAX_INPUTS];
	unsigned rounds = 3, n_in = 0, i;
	struct frames fr;
	bool ok = true;
	FILE *f;
	int a;

	memset(res, 0, sizeof(res));
	for (a = 1; a < argc; a++) {
		const char *eq, *slash;

		if (strcmp(argv[a], "--smoke") == 0) {
			rounds = 1;
		} else if (strcmp(argv[a], "--json") == 0 && a + 1 < argc) {
			json = argv[++a];
		} else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) {
			rounds = (unsigned)strtoul(argv[++a], NULL, 10);
		} else if (argv[a][0] != '-' && n_in < MAX_INPUTS) {
			eq = strchr(argv[a], '=');
			paths[n_in] = eq ? eq + 1 : argv[a];
			slash = strrchr(paths[n_in], '/');
			snprintf(res[n_in].name, sizeof(res[n_in].name), "%.*s",
			    eq ? (int)(eq - argv[a]) :
			    (int)strcspn(slash ? slash + 1 : paths[n_in], "."),
			    eq ? argv[a] : slash ? slash + 1 : paths[n_in]);
			n_in++;
		} else {
			fprintf(stderr, "usage: bench_parse [--smoke] [--json "
			    "FILE] [--rounds R] [NAME=]FILE.pcap...\n");
			return 2;
		}
	}
	if (n_in == 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bench_parse: give 1..%d captures and 1..%d "
		    "rounds\n", MAX_INPUTS, MAX_ROUNDS);
		return 2;
	}
	for (i = 0; i < n_in; i++) {
		if (load(paths[i], &fr) != 0)
			return 1;
		bench(paths[i], &fr, rounds, &res[i]);
		free(fr.data);
		free(fr.off);
		ok = ok && res[i].ok;
		printf("SUMMARY parse input=%s frames=%llu MB=%.1f "
		    "messages=%llu events=%llu frames/s=%.0f events/s=%.0f "
		    "MB/s=%.0f conservation=%s\n", res[i].name,
		    (unsigned long long)res[i].frames, res[i].bytes / 1e6,
		    (unsigned long long)res[i].msgs,
		    (unsigned long long)res[i].events,
		    res[i].frames / res[i].best_s,
		    res[i].events / res[i].best_s,
		    res[i].bytes / 1e6 / res[i].best_s,
		    res[i].ok ? "ok" : "FAILED");
	}
	if (json != NULL) {
		if ((f = fopen(json, "w")) == NULL) {
			perror(json);
			return 1;
		}
		fprintf(f, "{\"bench\": \"parse\", \"rounds\": %u, \"runs\": [",
		    rounds);
		for (i = 0; i < n_in; i++)
			fprintf(f, "%s{\"input\": \"%s\", \"frames\": %llu, "
			    "\"bytes\": %llu, \"messages\": %llu, \"events\": "
			    "%llu, \"best_s\": %.6f, \"frames_per_s\": %.0f, "
			    "\"events_per_s\": %.0f, \"mb_per_s\": %.1f, "
			    "\"conservation\": %s}", i ? ", " : "", res[i].name,
			    (unsigned long long)res[i].frames,
			    (unsigned long long)res[i].bytes,
			    (unsigned long long)res[i].msgs,
			    (unsigned long long)res[i].events, res[i].best_s,
			    res[i].frames / res[i].best_s,
			    res[i].events / res[i].best_s,
			    res[i].bytes / 1e6 / res[i].best_s,
			    res[i].ok ? "true" : "false");
		fprintf(f, "]}\n");
		fclose(f);
	}
	return ok ? 0 : 1;
}
