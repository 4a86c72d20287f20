/*
 * stats.c - formatting counters for a dump; the counters themselves live
 * in each stage's context (stats.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <stdbool.h>

#include "stats.h"

void
stats_emitf(const struct stats_emit *e, uint64_t value, const char *fmt, ...)
{
	char name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	e->counter(e->ctx, name, value);
}

static void
emit_line(void *ctx, const char *name, uint64_t value)
{
	fprintf((FILE *)ctx, "%s %llu\n", name, (unsigned long long)value);
}

struct stats_emit
stats_emit_file(FILE *f)
{
	struct stats_emit e = { emit_line, f };

	return e;
}

struct json_ctx {
	FILE	*f;
	bool	 first;
};

/* Counter names are [a-z0-9_.] plus upper-case kinds: no escaping. */
static void
emit_json(void *ctx, const char *name, uint64_t value)
{
	struct json_ctx *j = ctx;

	fprintf(j->f, "%s\n    \"%s\": %llu", j->first ? "" : ",", name,
	    (unsigned long long)value);
	j->first = false;
}

int
stats_write_json(int dirfd, const char *path, uint64_t unix_ms,
    void (*report)(const void *arg, const struct stats_emit *e),
    const void *arg)
{
	char tmp[4096];
	struct json_ctx j;
	struct stats_emit e = { emit_json, &j };
	const char *name = path;
	int rc = 0, fd;

	if (dirfd != AT_FDCWD && strrchr(path, '/') != NULL)
		name = strrchr(path, '/') + 1;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return -errno;
	j.f = fdopen(fd, "w");
	j.first = true;
	if (j.f == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	fprintf(j.f, "{\n  \"time_ms\": %llu,\n  \"counters\": {",
	    (unsigned long long)unix_ms);
	report(arg, &e);
	fprintf(j.f, "\n  }\n}\n");
	if (ferror(j.f))
		rc = -EIO;
	if (fclose(j.f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, name) != 0)
		rc = -errno;
	if (rc != 0)
		unlinkat(dirfd, tmp, 0);
	return rc;
}
