/*
 * main.c - pfflowd: parse the command line, build the pipeline, then wait
 * for signals until the input ends.  Everything else is in libpfflowd.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "pipeline.h"
#include "stats.h"

#define MAIN_TICK_NS	100000000L	/* how often main checks for the end */

enum main_action { ACT_STOP, ACT_DUMP, ACT_IGNORE };

/* Every signal main handles, and what it means. */
static const struct {
	int			sig;
	enum main_action	action;
} signal_table[] = {
	{ SIGTERM, ACT_STOP },
	{ SIGINT, ACT_STOP },
	{ SIGUSR1, ACT_DUMP },
	{ SIGHUP, ACT_IGNORE },	/* reload arrives with the config file */
	{ SIGPIPE, ACT_IGNORE },
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

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
write_stats_file(const struct conf *conf, const struct pipeline *p)
{
	int rc;

	if (conf->stats_file == NULL)
		return;
	rc = stats_write_json(conf->stats_file, wall_ms(), report, p);
	if (rc != 0)
		log_warn("cannot write stats file '%s': %s",
		    conf->stats_file, strerror(-rc));
}

/* The dump: to syslog once detached, else stderr; and the JSON file. */
static void
dump_stats(const struct conf *conf, const struct pipeline *p, bool to_syslog)
{
	struct stats_emit e = stats_emit_file(stderr);

	if (to_syslog) {
		e.counter = log_counter;
		e.ctx = NULL;
	}
	pipeline_stats_report(p, &e);
	fflush(stderr);
	write_stats_file(conf, p);
}

int
main(int argc, char **argv)
{
	struct conf conf;
	struct pipeline *p;
	sigset_t sigs;
	siginfo_t si;
	struct timespec tick = { 0, MAIN_TICK_NS };
	char err[1024];
	bool detached = false, stopping = false;
	uint64_t next_file_ms = 0;
	size_t i;
	int rc, sig;

	switch (conf_parse_args(&conf, argc, argv, err, sizeof(err))) {
	case CONF_EXIT:
		return 0;
	case CONF_ERROR:
		usage_error(err);
		return 1;
	case CONF_RUN:
		break;
	}
	log_init("pfflowd", false, conf.debug);

	/* Only main handles signals: block them before any thread exists. */
	sigemptyset(&sigs);
	for (i = 0; i < sizeof(signal_table) / sizeof(signal_table[0]); i++)
		sigaddset(&sigs, signal_table[i].sig);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	p = pipeline_create(&conf, err, sizeof(err));
	if (p == NULL) {
		usage_error(err);
		conf_free(&conf);
		return 1;
	}
	if (conf.file == NULL && !conf.foreground) {
		if (daemon(0, 0) != 0) {
			log_err("cannot detach: %s", strerror(errno));
			return 1;
		}
		detached = true;
		log_init("pfflowd", true, conf.debug);
	}
	if ((rc = pipeline_start(p)) != 0) {
		log_err("cannot start threads: %s", strerror(rc));
		return 1;
	}
	if (!detached && conf.file == NULL)
		log_info("capturing on %s", conf.iface);

	next_file_ms = wall_ms() + conf.stats_interval_s * 1000ULL;
	while (!pipeline_finished(p)) {
		if (conf.stats_file != NULL && wall_ms() >= next_file_ms) {
			write_stats_file(&conf, p);
			next_file_ms = wall_ms() + conf.stats_interval_s * 1000ULL;
		}
		sig = sigtimedwait(&sigs, &si, &tick);
		if (sig < 0)
			continue;	/* timeout or EINTR: look again */
		for (i = 0; i < sizeof(signal_table) /
		    sizeof(signal_table[0]); i++) {
			if (signal_table[i].sig != sig)
				continue;
			if (signal_table[i].action == ACT_DUMP) {
				dump_stats(&conf, p, detached);
			} else if (signal_table[i].action == ACT_STOP) {
				if (stopping)
					_exit(1);	/* second signal */
				stopping = true;
				log_info("%s: draining the pipeline",
				    strsignal(sig));
				pipeline_stop(p);
			}
		}
	}
	pipeline_join(p);
	if (pipeline_input_error(p) != NULL)
		log_warn("%s (flows read before the error were exported)",
		    pipeline_input_error(p));
	dump_stats(&conf, p, detached);
	pipeline_destroy(p);
	conf_free(&conf);
	return 0;
}
