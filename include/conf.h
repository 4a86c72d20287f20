/*
 * conf.h - pfflowd's settings: defaults, pfflowd.conf, the command line.
 *
 * The command line is compatible with the original pfflowd (-d -D -h -i -n
 * -r -S -v and a trailing BPF expression) and extended with long options.
 * Every setting has one name, used by the long option and by the file
 * (pfflowd.conf(5)); conf_set() is the one place a value is checked.  The
 * file is read first and command-line flags override it; collectors given
 * with -n replace the file's.  Main builds a conf before any thread
 * starts, and a fresh one on SIGHUP; a conf is never changed once built.
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

#define CONF_DEFAULT_USER	"_pfflowd"
#define CONF_DEFAULT_CHROOT	"/var/empty"
#define CONF_MAX_STRINGS	96

struct conf {
	const char	*config_file;	/* -f: pfflowd.conf, or NULL */
	bool		 check_only;	/* -n -f: check the file and exit */
	bool		 print_config;	/* -v with -n: print it normalized */
	const char	*file;		/* -r: pcap file */
	const char	*iface;		/* -i: live interface */
	const char	*bpf;		/* filter expression, or NULL */
	const char	*pidfile;	/* -p, or NULL */
	const char	*user;		/* drop privileges to; NULL: default */
	const char	*chroot_dir;	/* "": none; NULL: default */
	int		 syslog_facility; /* LOG_DAEMON... */
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
	/* Collector defaults, and the collectors as "ADDR,opt=val..." */
	unsigned	 rate, flow_rate, burst, queue, engine_type, engine_id;
	const char	*specs[CONF_MAX_COLLECTORS];
	/* "FILE:LINE" of a spec from the -f file, for its errors; NULL: -n */
	const char	*spec_origin[CONF_MAX_COLLECTORS];
	unsigned	 n_specs;
	struct collector_conf collectors[CONF_MAX_COLLECTORS];
	unsigned	 n_collectors;
	char		*strings[CONF_MAX_STRINGS];	/* owned copies */
	unsigned	 n_strings;
};

enum conf_result {
	CONF_RUN,	/* settings complete: run */
	CONF_EXIT,	/* --help or --version printed: exit 0 */
	CONF_ERROR,	/* err holds a one-line reason: exit 1 */
};

/* Fill c from argv (c is reset first).  Main thread. */
enum conf_result conf_parse_args(struct conf *c, int argc, char **argv,
	    char *err, size_t errlen);

/*
 * The same, reading the -f file relative to dirfd (AT_FDCWD, or the
 * file's directory opened before a chroot, so SIGHUP can still read it).
 */
enum conf_result conf_parse_args_at(struct conf *c, int argc, char **argv,
	    int dirfd, char *err, size_t errlen);

/* Defaults only.  */
void	conf_defaults(struct conf *c);

/*
 * Set one setting by its name ("threads", "rate", "collector"...) from a
 * string.  0, or -1 with a one-line reason naming the value in err.
 */
int	conf_set(struct conf *c, const char *key, const char *val, char *err,
	    size_t errlen);

/* Keep a copy of s for the conf's lifetime; NULL when out of room. */
const char *conf_strdup(struct conf *c, const char *s);

/*
 * Read pfflowd.conf (src/conf_file.c) into c: settings, and collector
 * blocks.  Errors are "FILE:LINE: reason".  0 or -1.
 */
int	conf_load_file(struct conf *c, const char *path, int dirfd, char *err,
	    size_t errlen);

/* Resolve collectors and check the whole; after file and flags. */
int	conf_finish(struct conf *c, char *err, size_t errlen);

/* The normalized configuration, as pfflowd.conf text (-n -v). */
void	conf_print(FILE *f, const struct conf *c);

/* Text form of one collector, for printing and for telling changes. */
void	conf_collector_text(const struct collector_conf *cc, char *buf,
	    size_t len);

void	conf_free(struct conf *c);

/* The --help text. */
void	conf_usage(FILE *f);

#endif /* PFF_CONF_H */
