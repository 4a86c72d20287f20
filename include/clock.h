/*
 * clock.h - the two clocks pfflowd reads: monotonic nanoseconds for
 * intervals and deadlines, wall milliseconds for flow and export times.
 * clock_gettime goes through the vDSO on Linux: no syscall.  Any thread.
 */
#ifndef PFF_CLOCK_H
#define PFF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Unix time in milliseconds. */
static inline uint64_t
clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif /* PFF_CLOCK_H */
