/*
 * decimal.h - the one reader of unsigned decimal settings (conf.c,
 * collector.c): base 10, no sign, nothing after the digits, within
 * [lo, hi].  The callers word the error, naming the setting.
 */
#ifndef PFF_DECIMAL_H
#define PFF_DECIMAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

static inline bool
decimal_in_range(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul alone would take "+5", and "-1" as ULONG_MAX. */
	if (*s == '\0' || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

#endif /* PFF_DECIMAL_H */
