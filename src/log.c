/*
 * log.c - one sink for operational messages.  The settings are written
 * once by main before threads exist and only read afterwards.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static const char *log_progname = "pfflowd";
static bool log_to_syslog;
static bool log_debug_on;

void
log_init(const char *progname, bool to_syslog, bool debug, int facility)
{
	log_progname = progname;
	log_to_syslog = to_syslog;
	log_debug_on = debug;
	if (to_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, facility);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char buf[1024];
	va_list ap;

	if (lvl == LOG_LVL_DEBUG && !log_debug_on)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_to_syslog)
		syslog(prio[lvl], "%s", buf);
	else
		fprintf(stderr, "%s: %s\n", log_progname, buf);
}
