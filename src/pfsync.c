/*
 * pfsync.c - dispatch a pfsync frame to the parser of its version, and the
 * name tables every parser and the stats dump share.
 */
#include <stddef.h>

#include "pfsync.h"
#include "stats.h"

static const char *const msg_names[PFSYNC_MSG_MAX] = {
	[PFSYNC_MSG_CLR] = "CLR",
	[PFSYNC_MSG_INS] = "INS",
	[PFSYNC_MSG_UPD] = "UPD",
	[PFSYNC_MSG_DEL] = "DEL",
	[PFSYNC_MSG_UPD_C] = "UPD_C",
	[PFSYNC_MSG_DEL_C] = "DEL_C",
	[PFSYNC_MSG_INS_F] = "INS_F",
	[PFSYNC_MSG_DEL_F] = "DEL_F",
	[PFSYNC_MSG_UREQ] = "UREQ",
	[PFSYNC_MSG_BUS] = "BUS",
	[PFSYNC_MSG_TDB] = "TDB",
	[PFSYNC_MSG_INS_ACK] = "INS_ACK",
	[PFSYNC_MSG_UPD_REQ] = "UPD_REQ",
	[PFSYNC_MSG_EOF] = "EOF",
};

static const char *const bad_names[PFSYNC_BAD_MAX] = {
	[PFSYNC_BAD_SHORT_HEADER] = "short_header",
	[PFSYNC_BAD_VERSION] = "bad_version",
	[PFSYNC_BAD_UNSUPPORTED] = "unsupported_version",
	[PFSYNC_BAD_ACTION] = "bad_action",
	[PFSYNC_BAD_LEN] = "bad_len",
	[PFSYNC_BAD_TRAILING] = "trailing_bytes",
	[PFSYNC_BAD_AF] = "bad_af",
	[PFSYNC_BAD_DIRECTION] = "bad_direction",
};

static const char *const event_names[PF_EV_MAX] = {
	[PF_EV_INSERT] = "INSERT",
	[PF_EV_UPDATE] = "UPDATE",
	[PF_EV_UPDATE_C] = "UPDATE_C",
	[PF_EV_DELETE] = "DELETE",
	[PF_EV_DELETE_C] = "DELETE_C",
	[PF_EV_CLEAR] = "CLEAR",
};

const char *
pfsync_msg_name(unsigned kind)
{
	return kind < PFSYNC_MSG_MAX ? msg_names[kind] : "unknown";
}

const char *
pfsync_bad_name(unsigned reason)
{
	return reason < PFSYNC_BAD_MAX ? bad_names[reason] : "unknown";
}

const char *
pf_event_name(unsigned kind)
{
	return kind < PF_EV_MAX ? event_names[kind] : "unknown";
}

void
pfsync_parse(const uint8_t *p, size_t len, const struct pfsync_sink *sink,
    struct pfsync_stats *st)
{
	struct pfsync_stats *fst = pfsync_frame_stats(sink, st);
	unsigned version;

	STAT_INC(fst->frames);
	if (len < 1) {
		STAT_INC(fst->by_version[0]);
		STAT_INC(fst->bad[PFSYNC_BAD_SHORT_HEADER]);
		return;
	}
	version = p[0];
	STAT_INC(fst->by_version[version < 8 ? version : 0]);

	switch (version) {
	case PFSYNC_V2:
	case PFSYNC_V3:
	case PFSYNC_V4:
		pfsync_legacy_parse(p, len, sink, st);
		break;
	case PFSYNC_V5:
	case PFSYNC_V6:
		pfsync_framed_parse(p, len, sink, st);
		break;
	case PFSYNC_V1:
		/* Raw kernel structs of OpenBSD 3.3/3.4: no portable layout. */
		STAT_INC(fst->bad[PFSYNC_BAD_UNSUPPORTED]);
		break;
	default:
		STAT_INC(fst->bad[PFSYNC_BAD_VERSION]);
		break;
	}
}

void
pfsync_stats_report(const struct pfsync_stats *st, const char *prefix,
    const struct stats_emit *e)
{
	unsigned i;

	stats_emitf(e, STAT_GET(st->frames), "%s.frames", prefix);
	for (i = 1; i < 8; i++)
		stats_emitf(e, STAT_GET(st->by_version[i]), "%s.version.v%u",
		    prefix, i);
	stats_emitf(e, STAT_GET(st->by_version[0]), "%s.version.other",
	    prefix);
	for (i = 0; i < PFSYNC_FLAVOUR_MAX; i++)
		stats_emitf(e, STAT_GET(st->by_flavour[i]), "%s.flavour.%s",
		    prefix, pfsync_flavour_name(i));
	for (i = 0; i < PFSYNC_MSG_MAX; i++)
		stats_emitf(e, STAT_GET(st->msgs[i]), "%s.msg.%s", prefix,
		    pfsync_msg_name(i));
	for (i = 0; i < PFSYNC_BAD_MAX; i++)
		stats_emitf(e, STAT_GET(st->bad[i]), "%s.bad.%s", prefix,
		    pfsync_bad_name(i));
	stats_emitf(e, STAT_GET(st->events), "%s.events", prefix);
}
