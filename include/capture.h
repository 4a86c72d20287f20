/*
 * capture.h - the capture stage: libpcap in, pfsync frames out.
 *
 * One thread ("pff-cap") reads a pcap file or a live interface, strips
 * link and IP headers (link.h), and copies each pfsync frame into a free
 * slot of every decoder's frame pool (each decoder keeps the states of its
 * own shard, decode.h).  It never parses pfsync.  File mode is lossless:
 * with no free slot it waits.  Live mode never blocks: with no free slot
 * it drops the frame and counts it.
 */
#ifndef PFF_CAPTURE_H
#define PFF_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "link.h"

struct stats_emit;

struct capture_conf {
	const char	*file;		/* pcap file, or NULL for live */
	const char	*iface;		/* live interface when file is NULL */
	const char	*bpf;		/* extra filter expression or NULL */
};

struct capture_stats {
	uint64_t	packets;		/* read from libpcap */
	uint64_t	frames;			/* pfsync frames passed on */
	uint64_t	bytes;			/* pfsync bytes passed on */
	uint64_t	bad[LINK_BAD_MAX];	/* packets without a frame */
	uint64_t	too_big;		/* frame > FRAME_DATA_MAX */
	uint64_t	ring_full_drops;	/* live mode: no free slot */
	uint64_t	ring_full_waits;	/* file mode: waited for a slot */
	uint64_t	dropped_at_stop;	/* stop came while waiting */
	uint64_t	pcap_recv;		/* live: libpcap ps_recv */
	uint64_t	pcap_drop;		/* live: dropped by the kernel */
	uint64_t	pcap_ifdrop;		/* live: dropped by the NIC */
};

struct capture;

/*
 * Open the file or interface and check its link type.  pools[0..n) are the
 * decoders' frame pools.  On failure returns NULL with a one-line reason
 * naming the input in err.  Main thread.
 */
struct capture *capture_create(const struct capture_conf *conf,
	    struct frame_pool *pools, unsigned n_pools, char *err,
	    size_t errlen);

/* Start the thread.  Returns 0 or a positive errno. */
int	capture_start(struct capture *cap);

/*
 * Ask the thread to stop reading (any thread).  Frames already passed on
 * are still decoded: downstream stages drain after capture_done().
 */
void	capture_stop(struct capture *cap);

/* Set (release) once the thread has passed on its last frame. */
const int *capture_done_flag(const struct capture *cap);

/* Wait for the thread.  Main thread. */
void	capture_join(struct capture *cap);

/* Close libpcap, free.  After join. */
void	capture_destroy(struct capture *cap);

/* True if the input is a file (lossless mode). */
bool	capture_is_file(const struct capture *cap);

/* A read error libpcap reported (file truncated...), or NULL. */
const char *capture_error(const struct capture *cap);

void	capture_stats_report(const struct capture *cap,
	    const struct stats_emit *e);

#endif /* PFF_CAPTURE_H */
