/*
 * main.c - pfflowd: settings, the process (pidfile, detaching, dropping
 * root), the pipeline, then signals until the input ends.  The data path
 * is in libpfflowd.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "pipeline.h"
#include "stats.h"

#define MAIN_TICK_NS	100000000L	/* how often main checks for the end */

enum main_action { ACT_STOP, ACT_DUMP, ACT_RELOAD, ACT_WAKE, ACT_IGNORE };

/* Every signal main handles, and what it means. */
static const struct {
	int			sig;
	enum main_action	action;
} signal_table[] = {
	{ SIGTERM, ACT_STOP },
	{ SIGINT, ACT_STOP },
	{ SIGUSR1, ACT_DUMP },
	{ SIGHUP, ACT_RELOAD },
	{ SIGUSR2, ACT_WAKE },	/* the exporter is done: look now */
	{ SIGPIPE, ACT_IGNORE },
};

/* On the exporter thread: wake main from sigtimedwait at once. */
static void
wake_main(void *arg)
{
	pthread_kill(*(pthread_t *)arg, SIGUSR2);
}

/* What main keeps between the pieces below. */
struct daemon_state {
	int		 argc;
	char		**argv;
	struct conf	 conf;
	struct pipeline	*p;
	bool		 detached;
	int		 config_dir;	/* for reloads after a chroot */
	int		 stats_dir;
	int		 pid_fd, pid_dir;
};

static void
usage_error(const char *msg)
{
	fprintf(stderr, "pfflowd: %s\n", msg);
	fprintf(stderr, "Try 'pfflowd --help' for more information.\n");
}

static void
log_counter(void *ctx, const char *name, uint64_t value)
{
	(void)ctx;
	log_info("%s %llu", name, (unsigned long long)value);
}

static void
report(const void *arg, const struct stats_emit *e)
{
	pipeline_stats_report(arg, e);
}

static void
write_stats_file(const struct daemon_state *d)
{
	int rc;

	if (d->conf.stats_file == NULL)
		return;
	rc = stats_write_json(d->stats_dir, d->conf.stats_file, clock_wall_ms(),
	    report, d->p);
	if (rc != 0)
		log_warn("cannot write stats file '%s': %s",
		    d->conf.stats_file, strerror(-rc));
}

/* The dump: to syslog once detached, else stderr; and the JSON file. */
static void
dump_stats(const struct daemon_state *d)
{
	struct stats_emit e = stats_emit_file(stderr);

	if (d->detached) {
		e.counter = log_counter;
		e.ctx = NULL;
	}
	pipeline_stats_report(d->p, &e);
	fflush(stderr);
	write_stats_file(d);
}

/* The normalized text of a conf up to its collectors. */
static char *
settings_text(const struct conf *c)
{
	char *buf = NULL, *coll;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	conf_print(f, c);
	fclose(f);
	if (buf != NULL && (coll = strstr(buf, "\ncollector ")) != NULL)
		coll[1] = '\0';
	return buf;
}

static bool
same_settings(const struct conf *a, const struct conf *b)
{
	char *ta = settings_text(a), *tb = settings_text(b);
	bool same = ta != NULL && tb != NULL && strcmp(ta, tb) == 0;

	free(ta);
	free(tb);
	return same;
}

/*
 * SIGHUP: read the file again (relative to its directory, opened before
 * any chroot) with the same command-line overrides; a bad file keeps the
 * old configuration.  Collectors are swapped live; other settings need a
 * restart, which is said, not silently ignored.
 */
static void
reload(struct daemon_state *d)
{
	struct pipeline_reload_result res;
	struct conf next;
	char err[1024];

	if (d->conf.config_file == NULL) {
		log_warn("SIGHUP: no configuration file (-f) to reload");
		return;
	}
	if (conf_parse_args_at(&next, d->argc, d->argv, d->config_dir, err,
	    sizeof(err)) != CONF_RUN) {
		log_err("reload failed, keeping the running configuration: "
		    "%s", err);
		conf_free(&next);
		return;
	}
	if (pipeline_reload(d->p, &next, err, sizeof(err), &res) != 0) {
		log_err("reload failed, keeping the running configuration: "
		    "%s", err);
		conf_free(&next);
		return;
	}
	log_info("reloaded '%s': %u collectors kept, %u added, %u removed "
	    "(removed ones sent %llu records, dropped %llu)",
	    d->conf.config_file, res.kept, res.added, res.removed,
	    (unsigned long long)res.removed_sent,
	    (unsigned long long)res.removed_dropped);
	/*
	 * Only the collectors change on reload; everything else keeps its
	 * running value (a half-applied setting would be worse), and the
	 * log says so when the file asked for more.
	 */
	if (!same_settings(&d->conf, &next))
		log_warn("reload: settings other than collectors changed in "
		    "'%s'; they take effect after a restart",
		    d->conf.config_file);
	conf_free(&next);
}

/*
 * Live mode as root gives up root once the capture and the sockets are
 * open; with -r only when a user was asked for.
 */
static int
give_up_root(const struct daemon_state *d, char *err, size_t errlen)
{
	const struct conf *c = &d->conf;
	bool skipped;

	if (c->file != NULL && c->user == NULL)
		return 0;
	if (drop_privileges(c->user ? c->user : CONF_DEFAULT_USER,
	    c->chroot_dir ? c->chroot_dir : CONF_DEFAULT_CHROOT, &skipped,
	    err, errlen) != 0)
		return -1;
	if (skipped && c->file == NULL)
		log_warn("not running as root: privileges not dropped, no "
		    "chroot");
	return 0;
}

static int
open_dirs(struct daemon_state *d, char *err, size_t errlen)
{
	const struct conf *c = &d->conf;

	d->config_dir = d->stats_dir = d->pid_dir = AT_FDCWD;
	d->pid_fd = -1;
	/* Directories outside a coming chroot, for *at() calls later. */
	if (c->config_file != NULL && (d->config_dir =
	    dir_of(c->config_file)) < 0) {
		snprintf(err, errlen, "cannot open the directory of '%s': %s",
		    c->config_file, strerror(errno));
		return -1;
	}
	if (c->stats_file != NULL && (d->stats_dir =
	    dir_of(c->stats_file)) < 0) {
		snprintf(err, errlen, "cannot open the directory of '%s': %s",
		    c->stats_file, strerror(errno));
		return -1;
	}
	if (c->pidfile != NULL) {
		if ((d->pid_fd = pidfile_open(c->pidfile, err, errlen)) < 0)
			return -1;
		d->pid_dir = dir_of(c->pidfile);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct daemon_state d;
	static pthread_t main_thread;
	sigset_t sigs;
	siginfo_t si;
	struct timespec tick = { 0, MAIN_TICK_NS };
	char err[1024];
	bool stopping = false;
	uint64_t next_file_ms;
	size_t i;
	int rc, sig;

	d.argc = argc;
	d.argv = argv;
	switch (conf_parse_args(&d.conf, argc, argv, err, sizeof(err))) {
	case CONF_EXIT:
		return 0;
	case CONF_ERROR:
		usage_error(err);
		return 1;
	case CONF_RUN:
		break;
	}
	if (d.conf.check_only) {
		if (d.conf.print_config)
			conf_print(stdout, &d.conf);
		else
			fprintf(stderr, "pfflowd: configuration OK\n");
		conf_free(&d.conf);
		return 0;
	}
	log_init("pfflowd", false, d.conf.debug, d.conf.syslog_facility);

	/* Only main handles signals: block them before any thread exists. */
	sigemptyset(&sigs);
	for (i = 0; i < sizeof(signal_table) / sizeof(signal_table[0]); i++)
		sigaddset(&sigs, signal_table[i].sig);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (open_dirs(&d, err, sizeof(err)) != 0 ||
	    (d.p = pipeline_create(&d.conf, err, sizeof(err))) == NULL) {
		usage_error(err);
		conf_free(&d.conf);
		return 1;
	}
	if (d.conf.file == NULL && !d.conf.foreground) {
		/* The syslog socket opens now, before chroot hides /dev/log. */
		log_init("pfflowd", true, d.conf.debug,
		    d.conf.syslog_facility);
		if (daemon(0, 0) != 0) {
			log_err("cannot detach: %s", strerror(errno));
			return 1;
		}
		d.detached = true;
	}
	if ((d.pid_fd >= 0 && pidfile_write(d.pid_fd, err, sizeof(err))) ||
	    give_up_root(&d, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return 1;
	}
	main_thread = pthread_self();
	if ((rc = pipeline_start(d.p, wake_main, &main_thread)) != 0) {
		log_err("cannot start threads: %s", strerror(rc));
		return 1;
	}
	if (d.conf.file == NULL)
		log_info("capturing on %s", d.conf.iface);

	next_file_ms = clock_wall_ms() + d.conf.stats_interval_s * 1000ULL;
	while (!pipeline_finished(d.p)) {
		if (d.conf.stats_file != NULL && clock_wall_ms() >= next_file_ms) {
			write_stats_file(&d);
			next_file_ms = clock_wall_ms() +
			    d.conf.stats_interval_s * 1000ULL;
		}
		sig = sigtimedwait(&sigs, &si, &tick);
		if (sig < 0)
			continue;	/* timeout or EINTR: look again */
		for (i = 0; i < sizeof(signal_table) /
		    sizeof(signal_table[0]); i++) {
			if (signal_table[i].sig != sig)
				continue;
			switch (signal_table[i].action) {
			case ACT_DUMP:
				dump_stats(&d);
				break;
			case ACT_RELOAD:
				reload(&d);
				break;
			case ACT_STOP:
				if (stopping)
					_exit(1);	/* second signal */
				stopping = true;
				log_info("%s: draining the pipeline",
				    strsignal(sig));
				pipeline_stop(d.p);
				break;
			case ACT_WAKE:
			case ACT_IGNORE:
				break;
			}
		}
	}
	pipeline_join(d.p);
	if (pipeline_input_error(d.p) != NULL)
		log_warn("%s (flows read before the error were exported)",
		    pipeline_input_error(d.p));
	dump_stats(&d);
	if (d.conf.pidfile != NULL &&
	    pidfile_remove(d.pid_fd, d.pid_dir, d.conf.pidfile, err,
	    sizeof(err)) != 0)
		log_info("%s", err);
	pipeline_destroy(d.p);
	conf_free(&d.conf);
	return 0;
}
