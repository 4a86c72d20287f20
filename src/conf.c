/*
 * conf.c - command-line parsing into struct conf.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "wire/pfsync.h"

enum {
	OPT_FLUSH_MS = 256,
	OPT_RATE,
	OPT_BURST,
	OPT_ENGINE_TYPE,
	OPT_ENGINE_ID,
	OPT_VERSION,
	OPT_MAX_STATES,
	OPT_LAST_KNOWN,
	OPT_EXPIRE_MARGIN,
	OPT_QUEUE,
	OPT_STATS_FILE,
	OPT_STATS_INTERVAL,
};

static const struct option long_opts[] = {
	{ "foreground", no_argument, NULL, 'd' },
	{ "debug", no_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ "interface", required_argument, NULL, 'i' },
	{ "collector", required_argument, NULL, 'n' },
	{ "read", required_argument, NULL, 'r' },
	{ "direction", required_argument, NULL, 'S' },
	{ "netflow-version", required_argument, NULL, 'v' },
	{ "threads", required_argument, NULL, 't' },
	{ "flush-ms", required_argument, NULL, OPT_FLUSH_MS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "engine-type", required_argument, NULL, OPT_ENGINE_TYPE },
	{ "engine-id", required_argument, NULL, OPT_ENGINE_ID },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "max-states", required_argument, NULL, OPT_MAX_STATES },
	{ "last-known", required_argument, NULL, OPT_LAST_KNOWN },
	{ "expire-margin", required_argument, NULL, OPT_EXPIRE_MARGIN },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ NULL, 0, NULL, 0 },
};

void
conf_usage(FILE *f)
{
	fprintf(f,
"usage: pfflowd [-dDh] [-i interface] [-n host:port] [-r file]\n"
"               [-S in|out|any] [-v 1|5] [-t threads] [bpf expression]\n"
"\n"
"Turn pf state messages (pfsync) into NetFlow datagrams.\n"
"\n"
"  -d, --foreground         stay in the foreground (with -i)\n"
"  -D, --debug              print every flow on stderr; implies -d\n"
"  -h, --help               show this help and exit\n"
"  -i, --interface IFACE    capture live on IFACE (default %s)\n"
"  -n, --collector HOST:PORT[,OPTION=VALUE...]\n"
"                           send NetFlow to HOST:PORT; IPv6 as [ADDR]:PORT;\n"
"                           repeat to send every flow to several collectors.\n"
"                           Options: version, engine-type, engine-id, rate,\n"
"                           burst, queue, sndbuf (bytes), source (address to\n"
"                           send from), group (collectors sharing a group\n"
"                           take turns: load balancing instead of mirroring)\n"
"  -r, --read FILE          read a pcap file, export it, print stats, exit\n"
"  -S, --direction DIR      export only states of direction in, out or any\n"
"                           (default any); a forwarded connection has one\n"
"                           state per direction, so pick one to count once\n"
"  -v, --netflow-version N  NetFlow version 5 (default) or 1\n"
"  -t, --threads N          decoder threads (default: online CPUs - 1,\n"
"                           at least 1; at most %d)\n"
"      --flush-ms MS        send a partly filled datagram once its oldest\n"
"                           flow has waited MS ms (default %d)\n"
"      --rate N             datagrams per second per collector; 0 means\n"
"                           unlimited (default %d)\n"
"      --burst N            datagrams sent back to back (default %d)\n"
"      --queue N            datagrams waiting per collector; when full,\n"
"                           live mode drops new ones and counts them, file\n"
"                           mode waits (default %d)\n"
"      --engine-type N      NetFlow v5 engine_type, 0-255 (default 0)\n"
"      --engine-id N        NetFlow v5 engine_id, 0-255 (default 0)\n"
"      --max-states N       states remembered at most; a full table ends\n"
"                           its oldest-idle state early (default %d)\n"
"      --last-known yes|no  export states that end without final counters\n"
"                           (compressed or lost deletes, CLR, eviction)\n"
"                           with their last-known counters (default yes)\n"
"      --expire-margin S    end a state S seconds after pf's default\n"
"                           timeout if its delete never came (default %d)\n"
"      --stats-file FILE    also write the statistics as JSON to FILE\n"
"                           (replaced atomically) on SIGUSR1, at exit and\n"
"                           every --stats-interval seconds (default %d)\n"
"      --version            print pfflowd's version and exit\n"
"\n"
"A trailing BPF expression further selects the captured packets.\n"
"pfsync versions read: 2, 3, 4 (final counters in full deletes); 5 and 6,\n"
"FreeBSD 1301/1400/1500 (last-known counters: see pfflowd(8)).\n",
	    CONF_DEFAULT_IFACE, CONF_MAX_THREADS, CONF_DEFAULT_FLUSH_MS,
	    CONF_DEFAULT_RATE, CONF_DEFAULT_BURST, CONF_DEFAULT_QUEUE,
	    CONF_DEFAULT_MAX_STATES, CONF_DEFAULT_EXPIRE_MARGIN_S,
	    CONF_DEFAULT_STATS_INTERVAL);
}

/* Parse an unsigned decimal in [lo, hi]; -1 with err naming opt on error. */
static int
parse_uint(const char *opt, const char *s, unsigned long lo,
    unsigned long hi, unsigned *out, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || s[0] == '-' ||
	    s[0] == '+' || v < lo || v > hi) {
		snprintf(err, errlen, "bad %s '%s': expected a number from "
		    "%lu to %lu", opt, s, lo, hi);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static unsigned
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 2)
		return 1;
	return n - 1 > CONF_MAX_THREADS ? CONF_MAX_THREADS : (unsigned)n - 1;
}

/* Join the trailing arguments into one filter expression. */
static int
join_bpf(struct conf *c, int argc, char **argv, char *err, size_t errlen)
{
	size_t len = 0;
	int i;

	if (optind >= argc)
		return 0;
	for (i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	c->bpf = malloc(len);
	if (c->bpf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->bpf[0] = '\0';
	for (i = optind; i < argc; i++) {
		if (i > optind)
			strcat(c->bpf, " ");
		strcat(c->bpf, argv[i]);
	}
	return 0;
}

enum conf_result
conf_parse_args(struct conf *c, int argc, char **argv, char *err,
    size_t errlen)
{
	unsigned rate = CONF_DEFAULT_RATE, burst = CONF_DEFAULT_BURST;
	unsigned queue = CONF_DEFAULT_QUEUE, etype = 0, eid = 0, i, j;
	const char *specs[CONF_MAX_COLLECTORS];
	int ch;

	memset(c, 0, sizeof(*c));
	c->version = 5;
	c->threads = default_threads();
	c->flush_ms = CONF_DEFAULT_FLUSH_MS;
	c->max_states = CONF_DEFAULT_MAX_STATES;
	c->stats_interval_s = CONF_DEFAULT_STATS_INTERVAL;
	c->drain_ms = CONF_DEFAULT_DRAIN_MS;
	c->last_known = true;
	c->expire_margin_s = CONF_DEFAULT_EXPIRE_MARGIN_S;
	c->frame_slots = 1024;
	c->flow_ring = 8192;
	optind = 1;
	opterr = 0;	/* we word the errors ourselves */
	while ((ch = getopt_long(argc, argv, ":dDhi:n:r:S:v:t:", long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			c->foreground = true;
			break;
		case 'D':
			c->debug = true;
			c->foreground = true;
			break;
		case 'h':
			conf_usage(stdout);
			return CONF_EXIT;
		case OPT_VERSION:
			printf("pfflowd %s\n", PACKAGE_VERSION);
			return CONF_EXIT;
		case 'i':
			c->iface = optarg;
			break;
		case 'r':
			c->file = optarg;
			break;
		case 'n':
			if (c->n_collectors == CONF_MAX_COLLECTORS) {
				snprintf(err, errlen, "too many collectors "
				    "(at most %d)", CONF_MAX_COLLECTORS);
				return CONF_ERROR;
			}
			/* Parsed after the loop: -v, --rate... are defaults. */
			specs[c->n_collectors++] = optarg;
			break;
		case 'S':
			if (strcmp(optarg, "in") == 0)
				c->direction = PFSYNC_DIR_IN;
			else if (strcmp(optarg, "out") == 0)
				c->direction = PFSYNC_DIR_OUT;
			else if (strcmp(optarg, "any") == 0)
				c->direction = 0;
			else {
				snprintf(err, errlen, "bad direction '%s': "
				    "expected in, out or any", optarg);
				return CONF_ERROR;
			}
			break;
		case 'v':
			if (strcmp(optarg, "1") == 0)
				c->version = 1;
			else if (strcmp(optarg, "5") == 0)
				c->version = 5;
			else {
				snprintf(err, errlen, "bad NetFlow version "
				    "'%s': expected 1 or 5", optarg);
				return CONF_ERROR;
			}
			break;
		case 't':
			if (parse_uint("thread count", optarg, 1,
			    CONF_MAX_THREADS, &c->threads, err, errlen))
				return CONF_ERROR;
			break;
		case OPT_FLUSH_MS:
			if (parse_uint("--flush-ms", optarg, 1, 3600000,
			    &c->flush_ms, err, errlen))
				return CONF_ERROR;
			break;
		case OPT_RATE:
			if (parse_uint("--rate", optarg, 0, 100000000, &rate,
			    err, errlen))
				return CONF_ERROR;
			break;
		case OPT_BURST:
			if (parse_uint("--burst", optarg, 1, 1000000, &burst,
			    err, errlen))
				return CONF_ERROR;
			break;
		case OPT_ENGINE_TYPE:
			if (parse_uint("--engine-type", optarg, 0, 255, &etype,
			    err, errlen))
				return CONF_ERROR;
			break;
		case OPT_ENGINE_ID:
			if (parse_uint("--engine-id", optarg, 0, 255, &eid,
			    err, errlen))
				return CONF_ERROR;
			break;
		case OPT_QUEUE:
			if (parse_uint("--queue", optarg, 1, 1u << 20, &queue,
			    err, errlen))
				return CONF_ERROR;
			break;
		case OPT_STATS_FILE:
			c->stats_file = optarg;
			break;
		case OPT_STATS_INTERVAL:
			if (parse_uint("--stats-interval", optarg, 1, 86400,
			    &c->stats_interval_s, err, errlen))
				return CONF_ERROR;
			break;
		case OPT_MAX_STATES:
			if (parse_uint("--max-states", optarg, 16, 1u << 30,
			    &c->max_states, err, errlen))
				return CONF_ERROR;
			break;
		case OPT_LAST_KNOWN:
			if (strcmp(optarg, "yes") == 0)
				c->last_known = true;
			else if (strcmp(optarg, "no") == 0)
				c->last_known = false;
			else {
				snprintf(err, errlen, "bad --last-known '%s': "
				    "expected yes or no", optarg);
				return CONF_ERROR;
			}
			break;
		case OPT_EXPIRE_MARGIN:
			if (parse_uint("--expire-margin", optarg, 0, 86400,
			    &c->expire_margin_s, err, errlen))
				return CONF_ERROR;
			break;
		case ':':
			if (optopt != 0 && optopt < 256)
				snprintf(err, errlen, "option '-%c' needs an "
				    "argument", optopt);
			else
				snprintf(err, errlen, "option '%s' needs an "
				    "argument", argv[optind - 1]);
			return CONF_ERROR;
		default:
			if (optopt != 0 && optopt < 256)
				snprintf(err, errlen, "unknown option '-%c'",
				    optopt);
			else
				snprintf(err, errlen, "unknown option '%s'",
				    argv[optind - 1]);
			return CONF_ERROR;
		}
	}
	if (join_bpf(c, argc, argv, err, errlen) != 0)
		return CONF_ERROR;
	if (c->file != NULL && c->iface != NULL) {
		snprintf(err, errlen, "-r '%s' and -i '%s' exclude each other",
		    c->file, c->iface);
		return CONF_ERROR;
	}
	if (c->file == NULL && c->iface == NULL)
		c->iface = CONF_DEFAULT_IFACE;
	if (c->n_collectors == 0 && !c->debug) {
		snprintf(err, errlen, "no collector: give -n HOST:PORT "
		    "(or -D to only print flows)");
		return CONF_ERROR;
	}
	for (i = 0; i < c->n_collectors; i++) {
		struct collector_conf *cc = &c->collectors[i];

		collector_conf_defaults(cc);
		cc->version = c->version;
		cc->rate = rate;
		cc->burst = burst;
		cc->queue = queue;
		cc->engine_type = (uint8_t)etype;
		cc->engine_id = (uint8_t)eid;
		if (collector_parse(cc, specs[i], err, errlen) != 0)
			return CONF_ERROR;
		/* One body per version: a group must share one. */
		for (j = 0; j < i; j++) {
			const struct collector_conf *o = &c->collectors[j];

			if (cc->group[0] != '\0' &&
			    strcmp(cc->group, o->group) == 0 &&
			    cc->version != o->version) {
				snprintf(err, errlen, "collectors '%s' and "
				    "'%s' share group '%s' but not a NetFlow "
				    "version", o->spec, cc->spec, cc->group);
				return CONF_ERROR;
			}
		}
	}
	return CONF_RUN;
}

void
conf_free(struct conf *c)
{
	free(c->bpf);
	c->bpf = NULL;
}
