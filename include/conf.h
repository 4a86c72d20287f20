/*
 * conf.h - pfflowd's settings and the command line that sets them.
 *
 * The command line is compatible with the original pfflowd (-d -D -h -i -n
 * -r -S -v and a trailing BPF expression) and extended with long options.
 * Parsed once by main before any thread starts; read-only afterwards.
 */
#ifndef PFF_CONF_H
#define PFF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "collector.h"

#define CONF_MAX_COLLECTORS	16
#define CONF_MAX_THREADS	64
#define CONF_DEFAULT_IFACE	"pfsync0"
#define CONF_DEFAULT_FLUSH_MS	1000
/*
 * 10,000 datagrams/s is a quarter of what a default nfcapd socket absorbs
 * on a small machine and half of pmacct nfacctd's; bursts of 32 match one
 * sendmmsg batch.
 */
#define CONF_DEFAULT_RATE	10000
#define CONF_DEFAULT_BURST	32
/*
 * 4096 datagrams (6 MiB, touched only when used) hold a firewall's flush
 * of some 120,000 flow records, 0.4 s at the default rate.
 */
#define CONF_DEFAULT_QUEUE	4096
#define CONF_DEFAULT_DRAIN_MS	2000
#define CONF_DEFAULT_STATS_INTERVAL	10
/* A big firewall: pf's own default limit is 100,000 states. */
#define CONF_DEFAULT_MAX_STATES	1000000
#define CONF_DEFAULT_EXPIRE_MARGIN_S	60

struct conf {
	const char	*file;		/* -r: pcap file */
	const char	*iface;		/* -i: live interface */
	char		*bpf;		/* trailing arguments, joined; owned */
	bool		 foreground;	/* -d */
	bool		 debug;		/* -D */
	unsigned	 direction;	/* -S: 0 any, PFSYNC_DIR_IN, _OUT */
	unsigned	 version;	/* -v: NetFlow 1 or 5 */
	unsigned	 threads;	/* -t: decoder threads */
	unsigned	 flush_ms;
	unsigned	 max_states;	/* --max-states: whole table */
	bool		 last_known;	/* --last-known yes|no */
	unsigned	 expire_margin_s; /* --expire-margin */
	const char	*stats_file;	/* --stats-file: JSON, or NULL */
	unsigned	 stats_interval_s;
	unsigned	 drain_ms;	/* live shutdown: queue deadline */
	unsigned	 frame_slots;	/* frames in flight per decoder */
	unsigned	 flow_ring;	/* records queued per decoder */
	struct collector_conf collectors[CONF_MAX_COLLECTORS];
	unsigned	 n_collectors;
};

enum conf_result {
	CONF_RUN,	/* settings complete: run */
	CONF_EXIT,	/* --help or --version printed: exit 0 */
	CONF_ERROR,	/* err holds a one-line reason: exit 1 */
};

/* Fill c from argv (c is reset first).  Main thread. */
enum conf_result conf_parse_args(struct conf *c, int argc, char **argv,
	    char *err, size_t errlen);

void	conf_free(struct conf *c);

/* The --help text. */
void	conf_usage(FILE *f);

#endif /* PFF_CONF_H */
