/*
 * stats.h - counters: who writes them, who reads them, how they are named.
 *
 * Every thread owns its counter blocks and is their only writer; the main
 * thread reads them at any time for a dump.  A single writer needs no
 * read-modify-write atomics: STAT_INC is a relaxed load and a relaxed store,
 * two plain moves on x86, so the hot path pays nothing for being observable.
 * The relaxed atomics only promise that a reader sees a whole 64-bit value
 * (no torn reads) and that TSan knows the race is intended; a dump taken
 * while threads run is a consistent-enough snapshot, the one at exit (after
 * every join) is exact.
 *
 * Names in dumps are dotted, lower case: "decode.bad.short_header".
 */
#ifndef PFF_STATS_H
#define PFF_STATS_H

#include <stdint.h>
#include <stdio.h>

#define STAT_ADD(ctr, n)						\
	__atomic_store_n(&(ctr), __atomic_load_n(&(ctr), __ATOMIC_RELAXED) + \
	    (uint64_t)(n), __ATOMIC_RELAXED)
#define STAT_INC(ctr)	STAT_ADD(ctr, 1)
#define STAT_GET(ctr)	__atomic_load_n(&(ctr), __ATOMIC_RELAXED)
/* For gauges such as a high-water mark: last writer wins, single writer. */
#define STAT_SET(ctr, v) __atomic_store_n(&(ctr), (uint64_t)(v), __ATOMIC_RELAXED)

/*
 * Where a dump goes: one call per counter, name already dotted.  The
 * emitter decides the format (text lines for humans, syslog, JSON later).
 */
struct stats_emit {
	void	(*counter)(void *ctx, const char *name, uint64_t value);
	void	*ctx;
};

/* Emit one counter whose name is printf-formatted.  Any thread. */
void	stats_emitf(const struct stats_emit *e, uint64_t value,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An emitter that writes "name value" lines to f. */
struct stats_emit stats_emit_file(FILE *f);

/*
 * Write a dump as one JSON object to path, atomically: into path.tmp, then
 * rename(2), so a poller never reads half a file.  dirfd is AT_FDCWD, or
 * path's directory opened before a chroot (path's last component is then
 * used).  report() fills the emitter it is given.  0, or -errno.  Main
 * thread.
 */
int	stats_write_json(int dirfd, const char *path, uint64_t unix_ms,
	    void (*report)(const void *arg, const struct stats_emit *e),
	    const void *arg);

#endif /* PFF_STATS_H */
