/*
 * cursor.h - bounds-checked, big-endian reader over received bytes.
 *
 * Every wire decoder in pfflowd reads through a cursor.  A read that would
 * go past the end sets a sticky error, returns zero and moves nothing, so a
 * decoder can read a whole record and test cursor_ok() once at the end.
 * No pointer casts into packet bytes: multi-byte values are assembled byte
 * by byte in network order.  Pure functions, no allocation, any thread.
 */
#ifndef PFF_WIRE_CURSOR_H
#define PFF_WIRE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t	*base;	/* first byte of the window */
	size_t		 len;	/* window size in bytes */
	size_t		 off;	/* next byte to read, 0..len */
	bool		 err;	/* sticky: a read went past len */
};

/* Start a cursor over len bytes at p (p may be NULL when len is 0). */
static inline void
cursor_init(struct cursor *c, const void *p, size_t len)
{
	c->base = p;
	c->len = len;
	c->off = 0;
	c->err = false;
}

/* Bytes left to read; 0 once the cursor is in error. */
static inline size_t
cursor_remaining(const struct cursor *c)
{
	return c->err ? 0 : c->len - c->off;
}

static inline bool
cursor_ok(const struct cursor *c)
{
	return !c->err;
}

/*
 * Reserve n bytes: returns a pointer to them and advances, or sets the error
 * and returns NULL.  Written as "n > remaining" so off + n cannot overflow.
 */
static inline const uint8_t *
cursor_take(struct cursor *c, size_t n)
{
	const uint8_t *p;

	if (c->err || n > c->len - c->off) {
		c->err = true;
		return NULL;
	}
	p = c->base != NULL ? c->base + c->off : NULL;	/* NULL + 0 is UB */
	c->off += n;
	return p;
}

static inline void
cursor_skip(struct cursor *c, size_t n)
{
	(void)cursor_take(c, n);
}

static inline uint8_t
cursor_u8(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 1);

	return p ? p[0] : 0;
}

static inline uint16_t
cursor_u16(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 2);

	return p ? (uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

static inline uint32_t
cursor_u32(struct cursor *c)
{
	const uint8_t *p = cursor_take(c, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3] : 0;
}

static inline uint64_t
cursor_u64(struct cursor *c)
{
	/* One take of 8, so a short read moves nothing (not 4 then fail). */
	const uint8_t *p = cursor_take(c, 8);
	uint64_t v = 0;
	size_t i;

	for (i = 0; p != NULL && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Move to absolute offset off; past the end sets the error. */
static inline void
cursor_seek(struct cursor *c, size_t off)
{
	if (c->err || off > c->len)
		c->err = true;
	else
		c->off = off;
}

/* Copy n opaque bytes into dst; on error dst is zero-filled. */
static inline void
cursor_copy(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *p = cursor_take(c, n);

	if (p != NULL)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

/*
 * Split off the next n bytes as a cursor of their own and advance past them.
 * If fewer than n bytes remain, the parent goes into error and the child is
 * empty and in error too.
 */
static inline struct cursor
cursor_sub(struct cursor *c, size_t n)
{
	struct cursor sub;
	const uint8_t *p = cursor_take(c, n);

	/* Test the error, not p: a zero-length window may have no base. */
	cursor_init(&sub, p, c->err ? 0 : n);
	sub.err = c->err;
	return sub;
}

#endif /* PFF_WIRE_CURSOR_H */
