/*
 * capture.c - the capture thread: libpcap, link/IP stripping, frame pool.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "clock.h"
#include "backoff.h"
#include "capture.h"
#include "stats.h"

/*
 * Only pfsync's own IP protocol, whatever the IP version, untagged or
 * behind one or two 802.1Q tags.  libpcap's "vlan" shifts the offsets of
 * everything after it in the expression, even across "or", so the tagged
 * alternatives nest inside the first "vlan" instead of repeating it.
 */
#define PFSYNC_IP	"(ip proto 240 or ip6 proto 240)"
#define SYNC_NET_FILTER	"(" PFSYNC_IP " or (vlan and (" PFSYNC_IP \
	" or (vlan and " PFSYNC_IP "))))"
/*
 * In immediate mode Linux gives each ring slot the snaplen, so 65535 would
 * leave a 16 MiB ring only ~250 frames.  Nothing longer than FRAME_DATA_MAX
 * plus its headers is kept anyway (capture.bad.too_big or truncated).
 */
#define LIVE_SNAPLEN	(FRAME_DATA_MAX + 256)
#define LIVE_BUFFER	(32 * 1024 * 1024)
#define LIVE_TIMEOUT_MS	100	/* how late a stop request may be seen */
#define LIVE_BATCH	256
#define PCAP_STATS_NS	100000000LL	/* libpcap counters: one getsockopt */

struct capture {
	pcap_t			*pcap;
	int			 linktype;
	bool			 file_mode;
	char			 input[256];	/* file or interface name */
	struct frame_pool	*pools;
	unsigned		 n_pools;
	struct frame		**spare;	/* [n_pools] slot held for next */
	uint64_t		 seq;
	pthread_t		 thread;
	bool			 started;
	int			 stop;		/* atomic: stop requested */
	int			 done;		/* atomic release: finished */
	char			 read_error[PCAP_ERRBUF_SIZE + 300];
	struct capture_stats	 st;
};

static bool
is_pfsync_link(int linktype)
{
	return linktype == LINK_PFSYNC || linktype == LINK_PFSYNC_OPENBSD ||
	    linktype == LINK_PFSYNC_FREEBSD;
}

static int
install_filter(struct capture *cap, const char *user, char *err, size_t errlen)
{
	struct bpf_program prog;
	char expr[4096];

	/* On pfsync0 every packet is pfsync; elsewhere select protocol 240. */
	if (is_pfsync_link(cap->linktype)) {
		if (user == NULL)
			return 0;
		snprintf(expr, sizeof(expr), "%s", user);
	} else if (user != NULL) {
		/* The user's part first: our "vlan" would shift its offsets. */
		snprintf(expr, sizeof(expr), "(%s) and %s", user,
		    SYNC_NET_FILTER);
	} else if (!cap->file_mode) {
		snprintf(expr, sizeof(expr), "%s", SYNC_NET_FILTER);
	} else {
		/* Files: see every packet so the non-pfsync ones are counted. */
		return 0;
	}
	if (pcap_compile(cap->pcap, &prog, expr, 1,
	    PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad filter expression '%s': %s", expr,
		    pcap_geterr(cap->pcap));
		return -1;
	}
	if (pcap_setfilter(cap->pcap, &prog) != 0) {
		snprintf(err, errlen, "cannot set filter '%s': %s", expr,
		    pcap_geterr(cap->pcap));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

static pcap_t *
open_live(const char *iface, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_create(iface, ebuf);
	int rc;

	if (p == NULL) {
		snprintf(err, errlen, "cannot capture on '%s': %s", iface,
		    ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, LIVE_SNAPLEN);
	pcap_set_promisc(p, 1);		/* a mirror port is not ours */
	pcap_set_timeout(p, LIVE_TIMEOUT_MS);
	pcap_set_immediate_mode(p, 1);	/* never hold a frame back */
	pcap_set_buffer_size(p, LIVE_BUFFER);
	rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "cannot capture on '%s': %s", iface,
		    rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, ebuf) != 0) {
		snprintf(err, errlen, "cannot capture on '%s': %s", iface,
		    ebuf);
		pcap_close(p);
		return NULL;
	}
	return p;
}

struct capture *
capture_create(const struct capture_conf *conf, struct frame_pool *pools,
    unsigned n_pools, char *err, size_t errlen)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	char ebuf[PCAP_ERRBUF_SIZE];

	if (cap == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cap->pools = pools;
	cap->n_pools = n_pools;
	cap->spare = calloc(n_pools, sizeof(*cap->spare));
	if (cap->spare == NULL) {
		snprintf(err, errlen, "out of memory");
		free(cap);
		return NULL;
	}
	cap->file_mode = conf->file != NULL;
	snprintf(cap->input, sizeof(cap->input), "%s",
	    cap->file_mode ? conf->file : conf->iface);
	if (cap->file_mode) {
		cap->pcap = pcap_open_offline(conf->file, ebuf);
		if (cap->pcap == NULL)
			snprintf(err, errlen, "cannot read '%s': %s",
			    conf->file, ebuf);
	} else {
		cap->pcap = open_live(conf->iface, err, errlen);
	}
	if (cap->pcap == NULL) {
		free(cap->spare);
		free(cap);
		return NULL;
	}
	cap->linktype = pcap_datalink(cap->pcap);
	if (!link_supported(cap->linktype)) {
		const char *name = pcap_datalink_val_to_name(cap->linktype);

		snprintf(err, errlen, "'%s': link type %d (%s) is not "
		    "supported; pfflowd reads pfsync, Ethernet, Linux SLL/SLL2, "
		    "raw IP and NULL/LOOP", cap->input, cap->linktype,
		    name ? name : "unknown");
		capture_destroy(cap);
		return NULL;
	}
	if (install_filter(cap, conf->bpf, err, errlen) != 0) {
		capture_destroy(cap);
		return NULL;
	}
	return cap;
}

/*
 * Hold one free slot of every decoder in cap->spare.  File mode waits for
 * them (lossless); live mode never blocks: false means drop this frame
 * (the slots already held stay held for the next one).  Also false when a
 * stop request arrives while waiting.
 */
static bool
reserve_slots(struct capture *cap)
{
	struct backoff bo;
	unsigned i;
	bool waited = false;

	for (i = 0; i < cap->n_pools; i++) {
		if (cap->spare[i] != NULL)
			continue;
		cap->spare[i] = ptr_ring_get(&cap->pools[i].free);
		if (cap->spare[i] != NULL)
			continue;
		if (!cap->file_mode) {
			STAT_INC(cap->st.ring_full_drops);
			return false;
		}
		if (!waited)
			STAT_INC(cap->st.ring_full_waits);
		waited = true;
		backoff_init(&bo, false);	/* waiting happens in file mode */
		while ((cap->spare[i] = ptr_ring_get(&cap->pools[i].free)) ==
		    NULL) {
			if (__atomic_load_n(&cap->stop, __ATOMIC_RELAXED)) {
				STAT_INC(cap->st.dropped_at_stop);
				return false;
			}
			backoff_wait(&bo);
		}
	}
	return true;
}

static void
handle_packet(struct capture *cap, const struct pcap_pkthdr *h,
    const uint8_t *bytes)
{
	struct link_frame lf;
	struct frame *f;
	unsigned i;
	int rc;

	STAT_INC(cap->st.packets);
	/*
	 * A snaplen-cut pfsync0 packet has no IP length to show it; count it
	 * here.  IP-carried frames are checked against their IP length.
	 */
	if (h->caplen < h->len && is_pfsync_link(cap->linktype)) {
		STAT_INC(cap->st.bad[LINK_BAD_TRUNCATED]);
		return;
	}
	rc = link_strip(cap->linktype, bytes, h->caplen, &lf);
	if (rc >= 0) {
		STAT_INC(cap->st.bad[rc]);
		return;
	}
	if (lf.len > FRAME_DATA_MAX) {
		STAT_INC(cap->st.too_big);
		return;
	}
	/*
	 * Every decoder gets every frame: each applies the states of its own
	 * shard, and all of them see the same frames in the same order.
	 */
	if (!reserve_slots(cap))
		return;
	for (i = 0; i < cap->n_pools; i++) {
		f = cap->spare[i];
		cap->spare[i] = NULL;
		f->ts_us = (uint64_t)h->ts.tv_sec * 1000000u +
		    (uint64_t)h->ts.tv_usec;
		f->seq = cap->seq;
		f->len = (uint32_t)lf.len;
		f->src_af = lf.src_af;
		memcpy(f->src, lf.src, sizeof(f->src));
		memcpy(f->data, bytes + lf.off, lf.len);
		/* The full ring holds every slot of its pool: cannot fail. */
		if (!ptr_ring_put(&cap->pools[i].full, f))
			abort();
	}
	cap->seq++;
	STAT_INC(cap->st.frames);
	STAT_ADD(cap->st.bytes, lf.len);
}

static void
dispatch_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	handle_packet((void *)user, h, bytes);
}

static void
read_file(struct capture *cap)
{
	struct pcap_pkthdr *h;
	const u_char *bytes;
	int rc;

	while (!__atomic_load_n(&cap->stop, __ATOMIC_RELAXED)) {
		rc = pcap_next_ex(cap->pcap, &h, &bytes);
		if (rc == 1) {
			handle_packet(cap, h, bytes);
		} else if (rc == PCAP_ERROR_BREAK) {
			break;			/* end of file */
		} else {
			snprintf(cap->read_error, sizeof(cap->read_error),
			    "error reading '%s': %s", cap->input,
			    pcap_geterr(cap->pcap));
			break;
		}
	}
}

static void
update_pcap_stats(struct capture *cap)
{
	struct pcap_stat ps;

	if (pcap_stats(cap->pcap, &ps) != 0)
		return;
	STAT_SET(cap->st.pcap_recv, ps.ps_recv);
	STAT_SET(cap->st.pcap_drop, ps.ps_drop);
	STAT_SET(cap->st.pcap_ifdrop, ps.ps_ifdrop);
}

/*
 * Live reading waits in poll(2) on libpcap's descriptor with a timeout, so
 * the stop flag and libpcap's own counters are looked at every 100 ms even
 * when no frame comes: in immediate mode a blocking pcap_dispatch would
 * wait for the next packet however long that takes.
 */
static void
read_live(struct capture *cap)
{
	int64_t next_stats = clock_mono_ns() + PCAP_STATS_NS;
	struct pollfd pfd = { pcap_get_selectable_fd(cap->pcap), POLLIN, 0 };
	int rc;

	while (!__atomic_load_n(&cap->stop, __ATOMIC_RELAXED)) {
		if (pfd.fd >= 0 && poll(&pfd, 1, LIVE_TIMEOUT_MS) < 0 &&
		    errno != EINTR)
			break;
		rc = pcap_dispatch(cap->pcap, LIVE_BATCH, dispatch_cb,
		    (u_char *)cap);
		if (rc == PCAP_ERROR) {
			snprintf(cap->read_error, sizeof(cap->read_error),
			    "capture on '%s' failed: %s", cap->input,
			    pcap_geterr(cap->pcap));
			break;
		}
		if (clock_mono_ns() >= next_stats) {
			update_pcap_stats(cap);
			next_stats = clock_mono_ns() + PCAP_STATS_NS;
		}
	}
	update_pcap_stats(cap);
}

static void *
capture_thread(void *arg)
{
	struct capture *cap = arg;

	pthread_setname_np(pthread_self(), "pff-cap");
	if (cap->file_mode)
		read_file(cap);
	else
		read_live(cap);
	/* Release: every frame put before this is visible to a decoder
	 * that sees done == 1 (it then drains its ring once more). */
	__atomic_store_n(&cap->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int
capture_start(struct capture *cap)
{
	int rc = pthread_create(&cap->thread, NULL, capture_thread, cap);

	cap->started = rc == 0;
	return rc;
}

void
capture_stop(struct capture *cap)
{
	__atomic_store_n(&cap->stop, 1, __ATOMIC_RELAXED);
	/* Wakes a blocked pcap_dispatch on Linux; elsewhere the timeout. */
	if (!cap->file_mode)
		pcap_breakloop(cap->pcap);
}

const int *
capture_done_flag(const struct capture *cap)
{
	return &cap->done;
}

void
capture_join(struct capture *cap)
{
	if (cap->started)
		pthread_join(cap->thread, NULL);
	cap->started = false;
}

void
capture_destroy(struct capture *cap)
{
	if (cap == NULL)
		return;
	if (cap->pcap != NULL)
		pcap_close(cap->pcap);
	free(cap->spare);
	free(cap);
}

bool
capture_is_file(const struct capture *cap)
{
	return cap->file_mode;
}

const char *
capture_error(const struct capture *cap)
{
	return cap->read_error[0] ? cap->read_error : NULL;
}

void
capture_stats_report(const struct capture *cap, const struct stats_emit *e)
{
	const struct capture_stats *st = &cap->st;
	unsigned i;

	stats_emitf(e, STAT_GET(st->packets), "capture.packets");
	stats_emitf(e, STAT_GET(st->frames), "capture.frames");
	stats_emitf(e, STAT_GET(st->bytes), "capture.bytes");
	for (i = 0; i < LINK_BAD_MAX; i++)
		stats_emitf(e, STAT_GET(st->bad[i]), "capture.bad.%s",
		    link_bad_name(i));
	stats_emitf(e, STAT_GET(st->too_big), "capture.bad.too_big");
	stats_emitf(e, STAT_GET(st->ring_full_drops),
	    "capture.ring_full_drops");
	stats_emitf(e, STAT_GET(st->ring_full_waits),
	    "capture.ring_full_waits");
	stats_emitf(e, STAT_GET(st->dropped_at_stop),
	    "capture.dropped_at_stop");
	if (!cap->file_mode) {
		stats_emitf(e, STAT_GET(st->pcap_recv), "capture.pcap.recv");
		stats_emitf(e, STAT_GET(st->pcap_drop), "capture.pcap.drop");
		stats_emitf(e, STAT_GET(st->pcap_ifdrop),
		    "capture.pcap.ifdrop");
	}
}
