/*
 * conf.c - settings: defaults, one setter per name, the command line, the
 * normalized printout.  The file's syntax is in conf_file.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "decimal.h"
#include "wire/pfsync.h"

enum {
	OPT_FLUSH_MS = 256,
	OPT_RATE,
	OPT_FLOW_RATE,
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
	OPT_USER,
	OPT_CHROOT,
	OPT_SYSLOG_FACILITY,
	OPT_CHECK,
	OPT_PRINT,
};

static const struct option long_opts[] = {
	{ "foreground", no_argument, NULL, 'd' },
	{ "debug", no_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ "config", required_argument, NULL, 'f' },
	{ "interface", required_argument, NULL, 'i' },
	{ "collector", required_argument, NULL, 'n' },
	{ "pidfile", required_argument, NULL, 'p' },
	{ "read", required_argument, NULL, 'r' },
	{ "direction", required_argument, NULL, 'S' },
	{ "netflow-version", required_argument, NULL, 'v' },
	{ "threads", required_argument, NULL, 't' },
	{ "flush-ms", required_argument, NULL, OPT_FLUSH_MS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "flow-rate", required_argument, NULL, OPT_FLOW_RATE },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "engine-type", required_argument, NULL, OPT_ENGINE_TYPE },
	{ "engine-id", required_argument, NULL, OPT_ENGINE_ID },
	{ "max-states", required_argument, NULL, OPT_MAX_STATES },
	{ "last-known", required_argument, NULL, OPT_LAST_KNOWN },
	{ "expire-margin", required_argument, NULL, OPT_EXPIRE_MARGIN },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "user", required_argument, NULL, OPT_USER },
	{ "chroot", required_argument, NULL, OPT_CHROOT },
	{ "syslog-facility", required_argument, NULL, OPT_SYSLOG_FACILITY },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "print-config", no_argument, NULL, OPT_PRINT },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Options that are settings, by the name they have in pfflowd.conf. */
static const struct {
	int		 opt;
	const char	*key;
} opt_keys[] = {
	{ 'i', "interface" }, { 'n', "collector" }, { 'p', "pidfile" },
	{ 'r', "read" }, { 'S', "direction" }, { 'v', "netflow-version" },
	{ 't', "threads" }, { OPT_FLUSH_MS, "flush-ms" },
	{ OPT_RATE, "rate" }, { OPT_FLOW_RATE, "flow-rate" },
	{ OPT_BURST, "burst" }, { OPT_QUEUE, "queue" },
	{ OPT_ENGINE_TYPE, "engine-type" }, { OPT_ENGINE_ID, "engine-id" },
	{ OPT_MAX_STATES, "max-states" }, { OPT_LAST_KNOWN, "last-known" },
	{ OPT_EXPIRE_MARGIN, "expire-margin" },
	{ OPT_STATS_FILE, "stats-file" },
	{ OPT_STATS_INTERVAL, "stats-interval" }, { OPT_USER, "user" },
	{ OPT_CHROOT, "chroot" }, { OPT_SYSLOG_FACILITY, "syslog-facility" },
};

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

void
conf_usage(FILE *f)
{
	fprintf(f,
"usage: pfflowd [-dDh] [-f file] [-i interface] [-n host:port] [-p pidfile]\n"
"               [-r file] [-S in|out|any] [-v 1|5] [-t threads]\n"
"               [bpf expression]\n"
"       pfflowd -n [-v] -f file\n"
"\n"
"Turn pf state messages (pfsync) into NetFlow datagrams.\n"
"\n"
"  -d, --foreground         stay in the foreground (with -i)\n"
"  -D, --debug              print every flow on stderr; implies -d\n"
"  -h, --help               show this help and exit\n"
"  -f, --config FILE        read settings from FILE (pfflowd.conf(5));\n"
"                           command-line flags override it\n"
"  -n -f FILE, --check-config\n"
"                           check the configuration and exit; with -v\n"
"                           (--print-config) print it normalized\n"
"  -i, --interface IFACE    capture live on IFACE (default %s)\n"
"  -n, --collector HOST:PORT[,OPTION=VALUE...]\n"
"                           send NetFlow to HOST:PORT; IPv6 as [ADDR]:PORT;\n"
"                           repeat to send every flow to several collectors.\n"
"                           Options: version, engine-type, engine-id, rate,\n"
"                           flow-rate, burst, queue, sndbuf (bytes), source\n"
"                           (address to send from), group (collectors\n"
"                           sharing a group take turns: load balancing\n"
"                           instead of mirroring), name (its key in the\n"
"                           statistics instead of its position)\n"
"  -p, --pidfile FILE       write the daemon's pid to FILE; refuse to start\n"
"                           if another pfflowd holds it\n"
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
"      --flow-rate N        NetFlow records per second per collector, a\n"
"                           second limit on top of --rate; 0 means\n"
"                           unlimited (default 0)\n"
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
"                           every --stats-interval seconds\n"
"      --stats-interval S   how often the stats file is rewritten\n"
"                           (default %d)\n"
"      --user NAME          live mode as root: run as NAME once the capture\n"
"                           and sockets are open (default %s)\n"
"      --chroot DIR         and chroot to DIR; \"\" for none (default %s)\n"
"      --syslog-facility F  daemon, user or local0-local7 (default daemon)\n"
"      --version            print pfflowd's version and exit\n"
"\n"
"A trailing BPF expression further selects the captured packets.\n"
"pfsync versions read: 2, 3, 4 (final counters in full deletes); 5 and 6,\n"
"FreeBSD 1301/1400/1500 (last-known counters: see pfflowd(8)).\n",
	    CONF_DEFAULT_IFACE, CONF_MAX_THREADS, CONF_DEFAULT_FLUSH_MS,
	    CONF_DEFAULT_RATE, CONF_DEFAULT_BURST, CONF_DEFAULT_QUEUE,
	    CONF_DEFAULT_MAX_STATES, CONF_DEFAULT_EXPIRE_MARGIN_S,
	    CONF_DEFAULT_STATS_INTERVAL, CONF_DEFAULT_USER,
	    CONF_DEFAULT_CHROOT);
}

static unsigned
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 2)
		return 1;
	return n - 1 > CONF_MAX_THREADS ? CONF_MAX_THREADS : (unsigned)n - 1;
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->version = 5;
	c->threads = default_threads();
	c->flush_ms = CONF_DEFAULT_FLUSH_MS;
	c->max_states = CONF_DEFAULT_MAX_STATES;
	c->last_known = true;
	c->expire_margin_s = CONF_DEFAULT_EXPIRE_MARGIN_S;
	c->stats_interval_s = CONF_DEFAULT_STATS_INTERVAL;
	c->drain_ms = CONF_DEFAULT_DRAIN_MS;
	c->syslog_facility = LOG_DAEMON;
	c->rate = CONF_DEFAULT_RATE;
	c->burst = CONF_DEFAULT_BURST;
	c->queue = CONF_DEFAULT_QUEUE;
	c->frame_slots = 1024;
	c->flow_ring = 8192;
}

const char *
conf_strdup(struct conf *c, const char *s)
{
	char *d;

	if (c->n_strings == CONF_MAX_STRINGS || (d = strdup(s)) == NULL)
		return NULL;
	c->strings[c->n_strings++] = d;
	return d;
}

void
conf_free(struct conf *c)
{
	unsigned i;

	for (i = 0; i < c->n_strings; i++)
		free(c->strings[i]);
	c->n_strings = 0;
}

/* Parse an unsigned decimal in [lo, hi]; -1 with err naming key on error. */
static int
parse_uint(const char *key, const char *s, unsigned long lo,
    unsigned long hi, unsigned *out, char *err, size_t errlen)
{
	unsigned long v;

	if (!decimal_in_range(s, lo, hi, &v)) {
		snprintf(err, errlen, "bad %s '%s': expected a number from "
		    "%lu to %lu", key, s, lo, hi);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
set_string(struct conf *c, const char **field, const char *val, char *err,
    size_t errlen)
{
	if ((*field = conf_strdup(c, val)) == NULL) {
		snprintf(err, errlen, "too many settings");
		return -1;
	}
	return 0;
}

int
conf_set(struct conf *c, const char *key, const char *val, char *err,
    size_t errlen)
{
	size_t i;

	if (strcmp(key, "interface") == 0)
		return set_string(c, &c->iface, val, err, errlen);
	if (strcmp(key, "read") == 0)
		return set_string(c, &c->file, val, err, errlen);
	if (strcmp(key, "filter") == 0)
		return set_string(c, &c->bpf, val, err, errlen);
	if (strcmp(key, "pidfile") == 0)
		return set_string(c, &c->pidfile, val, err, errlen);
	if (strcmp(key, "user") == 0)
		return set_string(c, &c->user, val, err, errlen);
	if (strcmp(key, "chroot") == 0)
		return set_string(c, &c->chroot_dir, val, err, errlen);
	if (strcmp(key, "stats-file") == 0)
		return set_string(c, &c->stats_file, val, err, errlen);
	if (strcmp(key, "collector") == 0) {
		if (c->n_specs == CONF_MAX_COLLECTORS) {
			snprintf(err, errlen, "too many collectors (at most "
			    "%d)", CONF_MAX_COLLECTORS);
			return -1;
		}
		c->spec_origin[c->n_specs] = NULL;	/* conf_file sets it */
		return set_string(c, &c->specs[c->n_specs++], val, err,
		    errlen);
	}
	if (strcmp(key, "direction") == 0) {
		if (strcmp(val, "in") == 0)
			c->direction = PFSYNC_DIR_IN;
		else if (strcmp(val, "out") == 0)
			c->direction = PFSYNC_DIR_OUT;
		else if (strcmp(val, "any") == 0)
			c->direction = 0;
		else {
			snprintf(err, errlen, "bad direction '%s': expected "
			    "in, out or any", val);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "netflow-version") == 0) {
		if (strcmp(val, "1") != 0 && strcmp(val, "5") != 0) {
			snprintf(err, errlen, "bad NetFlow version '%s': "
			    "expected 1 or 5", val);
			return -1;
		}
		c->version = (unsigned)atoi(val);
		return 0;
	}
	if (strcmp(key, "last-known") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0) {
			snprintf(err, errlen, "bad last-known '%s': expected "
			    "yes or no", val);
			return -1;
		}
		c->last_known = val[0] == 'y';
		return 0;
	}
	if (strcmp(key, "syslog-facility") == 0) {
		for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]);
		    i++)
			if (strcmp(val, facilities[i].name) == 0) {
				c->syslog_facility = facilities[i].facility;
				return 0;
			}
		snprintf(err, errlen, "bad syslog facility '%s': expected "
		    "daemon, user or local0-local7", val);
		return -1;
	}
	if (strcmp(key, "threads") == 0)
		return parse_uint("thread count", val, 1, CONF_MAX_THREADS,
		    &c->threads, err, errlen);
	if (strcmp(key, "flush-ms") == 0)
		return parse_uint("flush-ms", val, 1, 3600000, &c->flush_ms,
		    err, errlen);
	if (strcmp(key, "flow-rate") == 0)
		return parse_uint("flow-rate", val, 0, 1000000000,
		    &c->flow_rate, err, errlen);
	if (strcmp(key, "rate") == 0)
		return parse_uint("rate", val, 0, 100000000, &c->rate, err,
		    errlen);
	if (strcmp(key, "burst") == 0)
		return parse_uint("burst", val, 1, 1000000, &c->burst, err,
		    errlen);
	if (strcmp(key, "queue") == 0)
		return parse_uint("queue", val, 1, 1u << 20, &c->queue, err,
		    errlen);
	if (strcmp(key, "engine-type") == 0)
		return parse_uint("engine-type", val, 0, 255, &c->engine_type,
		    err, errlen);
	if (strcmp(key, "engine-id") == 0)
		return parse_uint("engine-id", val, 0, 255, &c->engine_id,
		    err, errlen);
	if (strcmp(key, "max-states") == 0)
		return parse_uint("max-states", val, 16, 1u << 30,
		    &c->max_states, err, errlen);
	if (strcmp(key, "expire-margin") == 0)
		return parse_uint("expire-margin", val, 0, 86400,
		    &c->expire_margin_s, err, errlen);
	if (strcmp(key, "stats-interval") == 0)
		return parse_uint("stats-interval", val, 1, 86400,
		    &c->stats_interval_s, err, errlen);
	snprintf(err, errlen, "unknown setting '%s'", key);
	return -1;
}

/* Join the trailing arguments into one filter expression. */
static int
join_bpf(struct conf *c, int first, int argc, char **argv, char *err,
    size_t errlen)
{
	size_t len = 0;
	char *bpf;
	int i;

	if (first >= argc)
		return 0;
	for (i = first; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((bpf = malloc(len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bpf[0] = '\0';
	for (i = first; i < argc; i++) {
		if (i > first)
			strcat(bpf, " ");
		strcat(bpf, argv[i]);
	}
	c->bpf = conf_strdup(c, bpf);
	free(bpf);
	if (c->bpf == NULL) {
		snprintf(err, errlen, "too many settings");
		return -1;
	}
	return 0;
}

/*
 * pfflowd's -n names a collector, yet "pfflowd -n -f FILE" checks a file,
 * as in other daemons.  A collector never starts with '-', so an -n
 * followed by an option (or nothing) is the check flag, and so is -n
 * inside "-nv"/"-vn"; a -v followed by an option is then "verbose".  These
 * flags are taken out before getopt sees the rest.
 */
static int
take_check_flags(struct conf *c, int argc, char **argv, char **out)
{
	int i, n = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		bool next_is_opt = i + 1 >= argc || argv[i + 1][0] == '-';

		if ((strcmp(argv[i], "-n") == 0 && next_is_opt) ||
		    strcmp(argv[i], "-nv") == 0 || strcmp(argv[i], "-vn") == 0)
			c->check_only = true;
	}
	out[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		bool next_is_opt = i + 1 >= argc || argv[i + 1][0] == '-';

		if (strcmp(argv[i], "--") == 0) {
			for (; i < argc; i++)
				out[n++] = argv[i];
			break;
		}
		if (strcmp(argv[i], "-n") == 0 && next_is_opt)
			continue;
		if (strcmp(argv[i], "-nv") == 0 || strcmp(argv[i], "-vn") == 0 ||
		    (c->check_only && strcmp(argv[i], "-v") == 0 &&
		    next_is_opt)) {
			c->print_config = true;
			continue;
		}
		out[n++] = argv[i];
	}
	out[n] = NULL;
	return n;
}

static int
set_opt(struct conf *c, int opt, const char *val, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(opt_keys) / sizeof(opt_keys[0]); i++)
		if (opt_keys[i].opt == opt)
			return conf_set(c, opt_keys[i].key, val, err, errlen);
	snprintf(err, errlen, "internal: option %d has no setting", opt);
	return -1;
}

static void
unknown_option(char **argv, int ch, char *err, size_t errlen)
{
	char name[3] = { '-', (char)optopt, '\0' };
	const char *opt = optopt != 0 && optopt < 256 ? name :
	    argv[optind - 1];

	if (ch == ':')
		snprintf(err, errlen, "option '%s' needs an argument", opt);
	else
		snprintf(err, errlen, "unknown option '%s'", opt);
}

enum conf_result
conf_parse_args_at(struct conf *c, int argc, char **argv, int dirfd,
    char *err, size_t errlen)
{
	char **av = calloc((size_t)argc + 1, sizeof(*av));
	const char *cli_specs[CONF_MAX_COLLECTORS];
	unsigned n_cli = 0, i;
	enum conf_result res = CONF_ERROR;
	int ac, ch, pass, cli_input = 0;

	conf_defaults(c);
	if (av == NULL) {
		snprintf(err, errlen, "out of memory");
		return CONF_ERROR;
	}
	ac = take_check_flags(c, argc, argv, av);
	opterr = 0;	/* we word the errors ourselves */
	/*
	 * Pass 0 finds -f and the flags that end at once; pass 1 applies
	 * the rest over the file, so the command line wins.
	 */
	for (pass = 0; pass < 2; pass++) {
		/*
		 * 0, not 1: glibc then also forgets where it was inside a
		 * cluster of flags, which a parse that stopped on an error
		 * (or a reload's re-parse) would otherwise leave behind.
		 */
		optind = 0;
		while ((ch = getopt_long(ac, av, ":dDhf:i:n:p:r:S:v:t:",
		    long_opts, NULL)) != -1) {
			if (ch == ':' || ch == '?') {
				unknown_option(av, ch, err, errlen);
				goto out;
			}
			if (pass == 0) {
				if (ch == 'h') {
					conf_usage(stdout);
					res = CONF_EXIT;
					goto out;
				} else if (ch == OPT_VERSION) {
					printf("pfflowd %s\n", PACKAGE_VERSION);
					res = CONF_EXIT;
					goto out;
				} else if (ch == 'f') {
					c->config_file = conf_strdup(c, optarg);
				} else if (ch == OPT_CHECK) {
					c->check_only = true;
				} else if (ch == OPT_PRINT) {
					c->check_only = c->print_config = true;
				}
				continue;
			}
			switch (ch) {
			case 'd':
				c->foreground = true;
				break;
			case 'D':
				c->debug = c->foreground = true;
				break;
			case 'f':
			case OPT_CHECK:
			case OPT_PRINT:
				break;
			case 'r':
			case 'i':
				/*
				 * One input: a flag's replaces the file's, but
				 * -r and -i together are a contradiction.
				 */
				if (cli_input != 0 && cli_input != ch) {
					snprintf(err, errlen, "-r '%s' and -i '%s' "
					    "exclude each other", ch == 'r' ?
					    optarg : c->file, ch == 'i' ? optarg :
					    c->iface);
					goto out;
				}
				cli_input = ch;
				c->file = c->iface = NULL;
				if (set_opt(c, ch, optarg, err, errlen) != 0)
					goto out;
				break;
			case 'n':
				/* Flags' collectors replace the file's. */
				if (n_cli == CONF_MAX_COLLECTORS) {
					snprintf(err, errlen, "too many "
					    "collectors (at most %d)",
					    CONF_MAX_COLLECTORS);
					goto out;
				}
				cli_specs[n_cli++] = optarg;
				break;
			default:
				if (set_opt(c, ch, optarg, err, errlen) != 0)
					goto out;
				break;
			}
		}
		if (pass == 0 && c->config_file != NULL &&
		    conf_load_file(c, c->config_file, dirfd, err, errlen) != 0)
			goto out;
		if (pass == 0 && c->check_only && c->config_file == NULL) {
			snprintf(err, errlen, "-n without a collector checks a "
			    "configuration: give -f FILE");
			goto out;
		}
	}
	if (n_cli > 0) {
		c->n_specs = 0;
		for (i = 0; i < n_cli; i++)
			if (conf_set(c, "collector", cli_specs[i], err,
			    errlen) != 0)
				goto out;
	}
	if (join_bpf(c, optind, ac, av, err, errlen) != 0 ||
	    conf_finish(c, err, errlen) != 0)
		goto out;
	res = CONF_RUN;
out:
	free(av);
	return res;
}

enum conf_result
conf_parse_args(struct conf *c, int argc, char **argv, char *err,
    size_t errlen)
{
	return conf_parse_args_at(c, argc, argv, AT_FDCWD, err, errlen);
}

int
conf_finish(struct conf *c, char *err, size_t errlen)
{
	unsigned i, j;

	if (c->file != NULL && c->iface != NULL) {
		snprintf(err, errlen, "read '%s' and interface '%s' exclude "
		    "each other", c->file, c->iface);
		return -1;
	}
	if (c->file == NULL && c->iface == NULL)
		c->iface = CONF_DEFAULT_IFACE;
	if (c->n_specs == 0 && !c->debug && !c->check_only) {
		snprintf(err, errlen, "no collector: give -n HOST:PORT "
		    "(or -D to only print flows)");
		return -1;
	}
	c->n_collectors = 0;
	for (i = 0; i < c->n_specs; i++) {
		struct collector_conf *cc = &c->collectors[i];

		collector_conf_defaults(cc);
		cc->version = c->version;
		cc->rate = c->rate;
		cc->flow_rate = c->flow_rate;
		cc->burst = c->burst;
		cc->queue = c->queue;
		cc->engine_type = (uint8_t)c->engine_type;
		cc->engine_id = (uint8_t)c->engine_id;
		if (collector_parse(cc, c->specs[i], err, errlen) != 0) {
			collector_err_origin(c->spec_origin[i], err, errlen);
			return -1;
		}
		if (c->spec_origin[i] != NULL)
			snprintf(cc->origin, sizeof(cc->origin), "%s",
			    c->spec_origin[i]);
		c->n_collectors++;
		for (j = 0; j < i; j++) {
			const struct collector_conf *o = &c->collectors[j];

			/* A name is a key in the statistics: one each. */
			if (cc->name[0] != '\0' &&
			    strcmp(cc->name, o->name) == 0) {
				snprintf(err, errlen, "collectors '%s' and "
				    "'%s' share name '%s'", o->spec, cc->spec,
				    cc->name);
				collector_err_origin(cc->origin, err, errlen);
				return -1;
			}
			/* One body per version: a group must share one. */
			if (cc->group[0] != '\0' &&
			    strcmp(cc->group, o->group) == 0 &&
			    cc->version != o->version) {
				snprintf(err, errlen, "collectors '%s' and "
				    "'%s' share group '%s' but not a NetFlow "
				    "version", o->spec, cc->spec, cc->group);
				collector_err_origin(cc->origin, err, errlen);
				return -1;
			}
		}
	}
	return 0;
}

static const char *
facility_name(int facility)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].facility == facility)
			return facilities[i].name;
	return "daemon";
}

/* An address as the file would write it: 192.0.2.1:9995, [::1]:2055. */
static void
addr_text(const struct sockaddr_storage *ss, bool with_port, char *buf,
    size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		if (with_port)
			snprintf(buf, len, "[%s]:%u", host, port);
		else
			snprintf(buf, len, "%s", host);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		if (with_port)
			snprintf(buf, len, "%s:%u", host, port);
		else
			snprintf(buf, len, "%s", host);
	}
}

void
conf_collector_text(const struct collector_conf *cc, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 8], src[INET6_ADDRSTRLEN + 24] = "";
	char group[COLLECTOR_GROUP_MAX + 16] = "";
	char name[COLLECTOR_NAME_MAX + 16] = "";

	addr_text(&cc->addr, true, addr, sizeof(addr));
	if (cc->sourcelen != 0) {
		char s[INET6_ADDRSTRLEN + 8];

		addr_text(&cc->source, false, s, sizeof(s));
		snprintf(src, sizeof(src), "\tsource %s\n", s);
	}
	/* Group names hold no '"', ',' or '=' (collector.c): no escaping. */
	if (cc->group[0] != '\0')
		snprintf(group, sizeof(group), "\tgroup \"%s\"\n", cc->group);
	/* Names are letters, digits and '_' only. */
	if (cc->name[0] != '\0')
		snprintf(name, sizeof(name), "\tname %s\n", cc->name);
	snprintf(buf, len, "collector %s {\n%s\tversion %u\n\tengine-type %u\n"
	    "\tengine-id %u\n\trate %u\n\tflow-rate %u\n\tburst %u\n"
	    "\tqueue %u\n\tsndbuf %u\n%s%s}\n", addr, name, cc->version,
	    cc->engine_type, cc->engine_id, cc->rate, cc->flow_rate, cc->burst,
	    cc->queue, cc->sndbuf, src, group);
}

/* A quoted string the file syntax reads back: \" and \\ escaped. */
static void
print_string(FILE *f, const char *key, const char *val)
{
	if (val == NULL)
		return;
	fprintf(f, "%s \"", key);
	for (; *val != '\0'; val++) {
		if (*val == '"' || *val == '\\')
			fputc('\\', f);
		fputc(*val, f);
	}
	fputs("\"\n", f);
}

void
conf_print(FILE *f, const struct conf *c)
{
	static const char *const dir[] = { "any", "in", "out" };
	char buf[1024];
	unsigned i;

	print_string(f, "interface", c->iface);
	print_string(f, "read", c->file);
	print_string(f, "filter", c->bpf);
	fprintf(f, "threads %u\n", c->threads);
	fprintf(f, "direction %s\n", dir[c->direction <= 2 ? c->direction : 0]);
	fprintf(f, "netflow-version %u\n", c->version);
	fprintf(f, "flush-ms %u\n", c->flush_ms);
	fprintf(f, "max-states %u\n", c->max_states);
	fprintf(f, "last-known %s\n", c->last_known ? "yes" : "no");
	fprintf(f, "expire-margin %u\n", c->expire_margin_s);
	fprintf(f, "rate %u\nflow-rate %u\nburst %u\nqueue %u\n", c->rate,
	    c->flow_rate, c->burst, c->queue);
	fprintf(f, "engine-type %u\nengine-id %u\n", c->engine_type,
	    c->engine_id);
	print_string(f, "stats-file", c->stats_file);
	fprintf(f, "stats-interval %u\n", c->stats_interval_s);
	print_string(f, "pidfile", c->pidfile);
	print_string(f, "user", c->user ? c->user : CONF_DEFAULT_USER);
	print_string(f, "chroot", c->chroot_dir ? c->chroot_dir :
	    CONF_DEFAULT_CHROOT);
	fprintf(f, "syslog-facility %s\n", facility_name(c->syslog_facility));
	for (i = 0; i < c->n_collectors; i++) {
		conf_collector_text(&c->collectors[i], buf, sizeof(buf));
		fprintf(f, "%s", buf);
	}
}
