/*
 * statetab.c - a shard of the pf state table: chained hash over a fixed
 * entry array, one idle-ordered list per pf timeout class, and a list of
 * recently ended states kept to recognise duplicate deletes.
 */
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "statetab.h"

#define NIL		UINT32_MAX
#define PFTM_CLASSES	24	/* 0..22 as pf numbers them, 23: unknown */
#define LIST_ENDED	PFTM_CLASSES
#define N_LISTS		(PFTM_CLASSES + 1)
/* Keep an ended state this long to spot other members' late deletes. */
#define ENDED_KEEP_MS	(300 * 1000ULL)

/*
 * pf's default timeouts by PFTM index, seconds (wire-spec 8.5).  Rules may
 * override them and FreeBSD's later indices differ, so they only bound how
 * long a state with a lost delete lingers.  20-22 are states pf is already
 * removing: they need no more than the margin.
 */
static const uint32_t pftm_default_s[PFTM_CLASSES] = {
	120, 30, 86400, 900, 45, 90, 60, 30, 60, 20,	/* 0-9 */
	10, 60, 30, 60, 60, 10, 0, 0, 0, 30,		/* 10-19 */
	0, 0, 0,					/* 20-22 */
	86400,						/* unknown */
};

enum entry_state { ENTRY_FREE, ENTRY_LIVE, ENTRY_ENDED };

struct entry {
	uint64_t	id;
	uint32_t	creatorid;
	uint32_t	hnext;		/* hash chain */
	uint32_t	prev, next;	/* the list it is on */
	uint64_t	first_ms;	/* start: first full state - its age */
	uint64_t	last_ms;	/* last activity (full state or UPD_C) */
	uint64_t	counters_ms;	/* arrival of the counters; ENDED: end */
	uint64_t	packets[2], bytes[2];
	struct pf_key	key;		/* the flow key: WIRE if IN, else STACK */
	uint8_t		af, proto, direction;
	uint8_t		list;		/* timeout class, or LIST_ENDED */
	uint8_t		state;		/* enum entry_state */
	char		ifname[PFSYNC_IFNAMSIZ];
};

struct list {
	uint32_t	head, tail;	/* head: oldest */
};

struct statetab {
	struct statetab_conf	 conf;
	statetab_emit_fn	*emit;
	void			*emit_ctx;
	struct entry		*e;		/* [capacity] */
	uint32_t		*bucket;	/* [mask + 1] */
	uint32_t		 mask;
	uint32_t		 n_used;	/* e[0..n_used) ever handed out */
	uint32_t		 free_head;	/* recycled entries, via hnext */
	uint64_t		 now_ms;	/* latest capture time seen */
	struct list		 lists[N_LISTS];
	struct statetab_stats	 st;
};

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t
mix(uint32_t creatorid, uint64_t id)
{
	uint64_t z = id ^ ((uint64_t)creatorid << 32 | creatorid);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned
statetab_shard(uint32_t creatorid, uint64_t id, unsigned n)
{
	/* High bits pick the shard, low bits the bucket inside it. */
	return (unsigned)((mix(creatorid, id) >> 40) % n);
}

struct statetab *
statetab_create(const struct statetab_conf *conf, statetab_emit_fn *emit,
    void *emit_ctx)
{
	struct statetab *t = calloc(1, sizeof(*t));
	uint32_t nb = 16, i;

	if (t == NULL)
		return NULL;
	t->conf = *conf;
	if (t->conf.capacity < 16)
		t->conf.capacity = 16;
	while (nb < t->conf.capacity && nb < (1u << 31))
		nb <<= 1;
	t->mask = nb - 1;
	/* calloc: untouched pages cost no memory until states arrive. */
	t->e = calloc(t->conf.capacity, sizeof(*t->e));
	t->bucket = malloc((size_t)nb * sizeof(*t->bucket));
	if (t->e == NULL || t->bucket == NULL) {
		statetab_destroy(t);
		return NULL;
	}
	memset(t->bucket, 0xff, (size_t)nb * sizeof(*t->bucket));
	t->free_head = NIL;
	for (i = 0; i < N_LISTS; i++)
		t->lists[i].head = t->lists[i].tail = NIL;
	t->emit = emit;
	t->emit_ctx = emit_ctx;
	return t;
}

void
statetab_destroy(struct statetab *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t->bucket);
	free(t);
}

const struct statetab_stats *
statetab_stats(const struct statetab *t)
{
	return &t->st;
}

/* ------------------------------------------------------------ lists */

static void
list_remove(struct statetab *t, uint32_t i)
{
	struct entry *x = &t->e[i];
	struct list *l = &t->lists[x->list];

	if (x->prev != NIL)
		t->e[x->prev].next = x->next;
	else
		l->head = x->next;
	if (x->next != NIL)
		t->e[x->next].prev = x->prev;
	else
		l->tail = x->prev;
}

static void
list_append(struct statetab *t, uint32_t i, unsigned list)
{
	struct entry *x = &t->e[i];
	struct list *l = &t->lists[list];

	x->list = (uint8_t)list;
	x->next = NIL;
	x->prev = l->tail;
	if (l->tail != NIL)
		t->e[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

/* ------------------------------------------------------------ hash */

static uint32_t
lookup(const struct statetab *t, uint32_t creatorid, uint64_t id)
{
	uint32_t i = t->bucket[mix(creatorid, id) & t->mask];

	while (i != NIL && (t->e[i].id != id ||
	    t->e[i].creatorid != creatorid))
		i = t->e[i].hnext;
	return i;
}

static void
hash_insert(struct statetab *t, uint32_t i)
{
	uint32_t *b = &t->bucket[mix(t->e[i].creatorid, t->e[i].id) &
	    t->mask];

	t->e[i].hnext = *b;
	*b = i;
}

static void
hash_remove(struct statetab *t, uint32_t i)
{
	uint32_t *p = &t->bucket[mix(t->e[i].creatorid, t->e[i].id) &
	    t->mask];

	while (*p != i)
		p = &t->e[*p].hnext;
	*p = t->e[i].hnext;
}

/* Unlink an entry completely and put it on the free list. */
static void
release(struct statetab *t, uint32_t i)
{
	list_remove(t, i);
	hash_remove(t, i);
	t->e[i].state = ENTRY_FREE;
	t->e[i].hnext = t->free_head;
	t->free_head = i;
}

/* ------------------------------------------------------------ flows */

static unsigned
timeout_class(uint8_t timeout)
{
	return timeout < PFTM_CLASSES - 1 ? timeout : PFTM_CLASSES - 1;
}

/*
 * Turn an entry into its flows.  Final counters come from a full DELETE;
 * everything else ends with the last full counters the table saw.  The
 * records are stamped as seen at the table's current time, which is when
 * the state ended as far as the capture tells.
 */
static void
emit_flows(struct statetab *t, const struct entry *x, uint64_t last_ms,
    enum flow_provenance prov)
{
	struct pf_state_event ev;
	struct flow_record recs[2];
	uint64_t zero = 0;
	uint64_t age = last_ms - x->counters_ms;
	unsigned i, n;

	if (t->conf.direction != 0 && x->direction != t->conf.direction) {
		STAT_INC(t->st.filtered_direction);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.af = x->af;
	ev.proto = x->proto;
	ev.direction = x->direction;
	ev.creatorid = x->creatorid;
	ev.id = x->id;
	memcpy(ev.packets, x->packets, sizeof(ev.packets));
	memcpy(ev.bytes, x->bytes, sizeof(ev.bytes));
	/* The entry holds only the chosen key; either slot serves. */
	ev.key[PF_SK_WIRE] = ev.key[PF_SK_STACK] = x->key;
	n = flow_from_state_at(&ev, x->first_ms, last_ms, prov,
	    age > UINT32_MAX ? UINT32_MAX : (uint32_t)age, recs, &zero);
	STAT_ADD(t->st.zero_directions, zero);
	if (prov == FLOW_LAST_KNOWN && !t->conf.last_known) {
		STAT_ADD(t->st.skipped_last_known, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (t->now_ms > recs[i].seen_ms)
			recs[i].seen_ms = t->now_ms;
		t->emit(t->emit_ctx, &recs[i]);
	}
	if (prov == FLOW_FINAL)
		STAT_ADD(t->st.flows_final, n);
	else
		STAT_ADD(t->st.flows_last_known, n);
}

/* A live entry ends: emit, then keep it as ENDED to catch duplicates. */
static void
end_entry(struct statetab *t, uint32_t i, uint64_t end_ms,
    enum flow_provenance prov)
{
	struct entry *x = &t->e[i];

	emit_flows(t, x, prov == FLOW_FINAL ? end_ms : x->last_ms, prov);
	list_remove(t, i);
	x->state = ENTRY_ENDED;
	x->counters_ms = end_ms;	/* ENDED: when it ended */
	list_append(t, i, LIST_ENDED);
	STAT_SET(t->st.live, STAT_GET(t->st.live) - 1);
}

/* ------------------------------------------------------------ alloc */

/* The live entry idle the longest, across the timeout classes. */
static uint32_t
oldest_idle(const struct statetab *t)
{
	uint32_t best = NIL;
	unsigned c;

	for (c = 0; c < PFTM_CLASSES; c++) {
		uint32_t h = t->lists[c].head;

		if (h != NIL && (best == NIL ||
		    t->e[h].last_ms < t->e[best].last_ms))
			best = h;
	}
	return best;
}

/*
 * An unused entry, or NIL.  Recycles the oldest ended entry first; a live
 * one is evicted (ended early with last-known counters) only if evict.
 */
static uint32_t
alloc_entry(struct statetab *t, bool evict)
{
	uint32_t i;

	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = t->e[i].hnext;
		return i;
	}
	if (t->n_used < t->conf.capacity)
		return t->n_used++;
	if (t->lists[LIST_ENDED].head != NIL) {
		i = t->lists[LIST_ENDED].head;
		release(t, i);
		t->free_head = t->e[i].hnext;
		return i;
	}
	if (!evict || (i = oldest_idle(t)) == NIL)
		return NIL;
	STAT_INC(t->st.evicted);
	end_entry(t, i, t->e[i].last_ms, FLOW_LAST_KNOWN);
	release(t, i);
	t->free_head = t->e[i].hnext;
	return i;
}

/* ------------------------------------------------------------ events */

static void
take_full_state(struct entry *x, const struct pf_state_event *ev,
    uint64_t arrival_ms)
{
	memcpy(x->packets, ev->packets, sizeof(x->packets));
	memcpy(x->bytes, ev->bytes, sizeof(x->bytes));
	x->counters_ms = arrival_ms;
	x->last_ms = arrival_ms;
}

static uint64_t
start_ms(const struct pf_state_event *ev, uint64_t arrival_ms)
{
	uint64_t age = (uint64_t)ev->creation_s * 1000;

	return age < arrival_ms ? arrival_ms - age : 0;
}

/* A new entry from a full state; NIL when the table cannot make room. */
static uint32_t
new_entry(struct statetab *t, const struct pf_state_event *ev,
    uint64_t arrival_ms, bool evict)
{
	uint32_t i = alloc_entry(t, evict);
	struct entry *x;
	uint64_t live;

	if (i == NIL)
		return NIL;
	x = &t->e[i];
	memset(x, 0, sizeof(*x));
	x->id = ev->id;
	x->creatorid = ev->creatorid;
	x->af = ev->af;
	x->proto = ev->proto;
	x->direction = ev->direction;
	/* The flow contract's key choice, made once (flow.h). */
	x->key = ev->key[ev->direction == PFSYNC_DIR_IN ? PF_SK_WIRE :
	    PF_SK_STACK];
	memcpy(x->ifname, ev->ifname, PFSYNC_IFNAMSIZ);
	x->first_ms = start_ms(ev, arrival_ms);
	x->state = ENTRY_LIVE;
	hash_insert(t, i);
	live = STAT_GET(t->st.live) + 1;
	STAT_SET(t->st.live, live);
	if (live > STAT_GET(t->st.high_water))
		STAT_SET(t->st.high_water, live);
	return i;
}

static void
on_full_state(struct statetab *t, const struct pf_state_event *ev,
    uint64_t arrival_ms)
{
	uint32_t i = lookup(t, ev->creatorid, ev->id);

	if (i != NIL && t->e[i].state == ENTRY_ENDED) {
		STAT_INC(t->st.after_end);
		return;
	}
	if (i == NIL) {
		i = new_entry(t, ev, arrival_ms, true);
		if (i == NIL)
			return;		/* capacity 0 cannot happen: >= 16 */
		STAT_INC(t->st.inserted);
	} else {
		STAT_INC(t->st.refreshed);
		list_remove(t, i);
	}
	take_full_state(&t->e[i], ev, arrival_ms);
	list_append(t, i, timeout_class(ev->timeout));
}

static void
on_update_c(struct statetab *t, const struct pf_state_event *ev,
    uint64_t arrival_ms)
{
	uint32_t i = lookup(t, ev->creatorid, ev->id);

	if (i == NIL || t->e[i].state != ENTRY_LIVE) {
		STAT_INC(t->st.updates_c_unknown);
		return;
	}
	STAT_INC(t->st.updates_c);
	t->e[i].last_ms = arrival_ms;
	list_remove(t, i);
	list_append(t, i, timeout_class(ev->timeout));
}

/* A full DELETE carries the final counters: no prior entry needed. */
static void
on_delete(struct statetab *t, const struct pf_state_event *ev,
    uint64_t arrival_ms)
{
	uint32_t i = lookup(t, ev->creatorid, ev->id);

	if (i != NIL && t->e[i].state == ENTRY_ENDED) {
		STAT_INC(t->st.duplicates);
		return;
	}
	STAT_INC(t->st.ended_delete);
	if (i == NIL) {
		STAT_INC(t->st.ended_delete_unseen);
		/* Keeping it for duplicate checks must not evict a live one. */
		i = new_entry(t, ev, arrival_ms, false);
		if (i == NIL) {
			struct entry tmp;

			memset(&tmp, 0, sizeof(tmp));
			tmp.id = ev->id;
			tmp.creatorid = ev->creatorid;
			tmp.af = ev->af;
			tmp.proto = ev->proto;
			tmp.direction = ev->direction;
			tmp.key = ev->key[ev->direction == PFSYNC_DIR_IN ?
			    PF_SK_WIRE : PF_SK_STACK];
			tmp.first_ms = start_ms(ev, arrival_ms);
			take_full_state(&tmp, ev, arrival_ms);
			emit_flows(t, &tmp, arrival_ms, FLOW_FINAL);
			return;
		}
		list_append(t, i, timeout_class(ev->timeout));
	}
	take_full_state(&t->e[i], ev, arrival_ms);
	end_entry(t, i, arrival_ms, FLOW_FINAL);
}

static void
on_delete_c(struct statetab *t, const struct pf_state_event *ev,
    uint64_t arrival_ms)
{
	uint32_t i = lookup(t, ev->creatorid, ev->id);

	if (i == NIL) {
		STAT_INC(t->st.deletes_unknown);
		return;
	}
	if (t->e[i].state == ENTRY_ENDED) {
		STAT_INC(t->st.duplicates);
		return;
	}
	STAT_INC(t->st.ended_delete_c);
	end_entry(t, i, arrival_ms, FLOW_LAST_KNOWN);
}

/* Every live state of a creator (on one interface if named) is gone. */
static void
on_clear(struct statetab *t, const struct pf_state_event *ev,
    uint64_t arrival_ms)
{
	unsigned c;
	uint32_t i, next;

	for (c = 0; c < PFTM_CLASSES; c++) {
		for (i = t->lists[c].head; i != NIL; i = next) {
			struct entry *x = &t->e[i];

			next = x->next;
			if (x->creatorid != ev->creatorid ||
			    (ev->ifname[0] != '\0' && strncmp(x->ifname,
			    ev->ifname, PFSYNC_IFNAMSIZ) != 0))
				continue;
			STAT_INC(t->st.ended_clear);
			end_entry(t, i, arrival_ms, FLOW_LAST_KNOWN);
		}
	}
}

void
statetab_apply(struct statetab *t, const struct pf_state_event *ev,
    uint64_t arrival_ms)
{
	if (arrival_ms > t->now_ms)
		t->now_ms = arrival_ms;
	switch (ev->kind) {
	case PF_EV_INSERT:
	case PF_EV_UPDATE:
		on_full_state(t, ev, arrival_ms);
		break;
	case PF_EV_UPDATE_C:
		on_update_c(t, ev, arrival_ms);
		break;
	case PF_EV_DELETE:
		on_delete(t, ev, arrival_ms);
		break;
	case PF_EV_DELETE_C:
		on_delete_c(t, ev, arrival_ms);
		break;
	case PF_EV_CLEAR:
		on_clear(t, ev, arrival_ms);
		break;
	default:
		break;
	}
}

void
statetab_expire(struct statetab *t, uint64_t now_ms)
{
	unsigned c;
	uint32_t i;

	if (now_ms > t->now_ms)
		t->now_ms = now_ms;
	/* Each class list is idle-ordered, so its head expires first. */
	for (c = 0; c < PFTM_CLASSES; c++) {
		uint64_t keep = (uint64_t)pftm_default_s[c] * 1000 +
		    t->conf.expire_margin_ms;

		while ((i = t->lists[c].head) != NIL &&
		    t->e[i].last_ms + keep < now_ms) {
			STAT_INC(t->st.expired);
			end_entry(t, i, t->e[i].last_ms, FLOW_LAST_KNOWN);
		}
	}
	while ((i = t->lists[LIST_ENDED].head) != NIL &&
	    t->e[i].counters_ms + ENDED_KEEP_MS < now_ms)
		release(t, i);
}

void
statetab_flush(struct statetab *t)
{
	unsigned c;
	uint32_t i;

	for (c = 0; c < PFTM_CLASSES; c++) {
		while ((i = t->lists[c].head) != NIL) {
			STAT_INC(t->st.flushed);
			end_entry(t, i, t->e[i].last_ms, FLOW_LAST_KNOWN);
		}
	}
}

void
statetab_stats_report(const struct statetab_stats *const *st, unsigned n,
    const struct stats_emit *e)
{
	static const struct {
		size_t		 off;
		const char	*name;
	} fields[] = {
#define F(x)	{ offsetof(struct statetab_stats, x), #x }
		F(live), F(high_water), F(inserted), F(refreshed),
		F(updates_c), F(updates_c_unknown), F(after_end),
		F(ended_delete), F(ended_delete_unseen), F(ended_delete_c),
		F(ended_clear), F(expired), F(evicted), F(flushed),
		F(duplicates), F(deletes_unknown), F(filtered_direction),
		F(flows_final), F(flows_last_known), F(skipped_last_known),
		F(zero_directions),
#undef F
	};
	size_t f;
	unsigned i;

	for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		uint64_t sum = 0;

		for (i = 0; i < n; i++)
			sum += STAT_GET(*(const uint64_t *)(const void *)
			    ((const char *)st[i] + fields[f].off));
		stats_emitf(e, sum, "statetab.%s", fields[f].name);
	}
}
