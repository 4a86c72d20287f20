/*
 * stats.c - formatting counters for a dump; the counters themselves live
 * in each stage's context (stats.h).
 */
#include <stdarg.h>
#include <stdio.h>

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
