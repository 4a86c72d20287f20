/*
 * test_cursor.c - edges of the bounds-checked reader in wire/cursor.h.
 *
 * Every reader is tried at the last byte it may touch (must succeed) and
 * one byte further (must fail: sticky error, value 0, offset unchanged).
 * After an error nothing reads any more and cursor_remaining() is 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "wire/cursor.h"

/*
 * Ten distinct bytes so a wrong shift or byte order shows in the value:
 * 0x11 0x22 0x33 0x44 0x55 0x66 0x77 0x88 0x99 0xaa.
 */
static const uint8_t ten[10] = {
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa
};

/* Assert c is in error, read nothing more and reports nothing left. */
static void
assert_dead(struct cursor *c)
{
	uint8_t buf[4] = { 0xee, 0xee, 0xee, 0xee };
	const uint8_t zero[4] = { 0 };
	size_t off = c->off;

	assert_false(cursor_ok(c));
	assert_int_equal(cursor_remaining(c), 0);
	assert_int_equal(cursor_u8(c), 0);
	assert_int_equal(cursor_u16(c), 0);
	assert_int_equal(cursor_u32(c), 0);
	assert_int_equal(cursor_u64(c), 0);
	assert_null(cursor_take(c, 0));
	assert_null(cursor_take(c, 1));
	cursor_skip(c, 0);
	cursor_copy(c, buf, sizeof(buf));
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_false(cursor_ok(c));
	assert_int_equal(cursor_remaining(c), 0);
	assert_int_equal(c->off, off);
}

static void
test_init(void **state)
{
	struct cursor c;

	(void)state;
	cursor_init(&c, ten, sizeof(ten));
	assert_ptr_equal(c.base, ten);
	assert_int_equal(c.len, 10);
	assert_int_equal(c.off, 0);
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_remaining(&c), 10);
}

static void
test_u8_edges(void **state)
{
	struct cursor c;
	size_t i;

	(void)state;
	cursor_init(&c, ten, sizeof(ten));
	for (i = 0; i < sizeof(ten); i++) {
		assert_int_equal(cursor_u8(&c), ten[i]);
		assert_true(cursor_ok(&c));
		assert_int_equal(cursor_remaining(&c), sizeof(ten) - i - 1);
	}
	/* Exactly at the end: one more byte is one past it. */
	assert_int_equal(cursor_u8(&c), 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 10);
	assert_dead(&c);
}

static void
test_u16_edges(void **state)
{
	struct cursor c;

	(void)state;
	/* Last two bytes 0x99 0xaa are read whole. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 8);
	assert_int_equal(cursor_u16(&c), 0x99aa);
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_remaining(&c), 0);

	/* One byte left (0xaa): a u16 is one past the end. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 9);
	assert_int_equal(cursor_u16(&c), 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 9);
	assert_dead(&c);
}

static void
test_u32_edges(void **state)
{
	struct cursor c;

	(void)state;
	/* Last four bytes 0x77 0x88 0x99 0xaa. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 6);
	assert_int_equal(cursor_u32(&c), 0x778899aa);
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_remaining(&c), 0);

	/* Three bytes left: one short. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 7);
	assert_int_equal(cursor_u32(&c), 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 7);
	assert_dead(&c);
}

static void
test_u64_edges(void **state)
{
	struct cursor c;

	(void)state;
	/* Last eight bytes 0x33 .. 0xaa. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 2);
	assert_int_equal(cursor_u64(&c), 0x33445566778899aaULL);
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_remaining(&c), 0);

	/*
	 * Seven bytes left: the first four would fit, the whole u64 does
	 * not.  The read must fail as a whole: value 0, offset unchanged.
	 */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 3);
	assert_int_equal(cursor_u64(&c), 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 3);
	assert_dead(&c);

	/* Three bytes left: even the first half does not fit. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 7);
	assert_int_equal(cursor_u64(&c), 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 7);
	assert_dead(&c);
}

static void
test_big_endian_assembly(void **state)
{
	struct cursor c;

	(void)state;
	/* 0x11 | 0x22 0x33 | 0x44 0x55 0x66 0x77 | 0x88 0x99 0xaa ... */
	cursor_init(&c, ten, sizeof(ten));
	assert_int_equal(cursor_u8(&c), 0x11);
	assert_int_equal(cursor_u16(&c), 0x2233);
	assert_int_equal(cursor_u32(&c), 0x44556677);
	assert_int_equal(c.off, 7);
	assert_true(cursor_ok(&c));

	/* u64 from offset 0: 0x11 .. 0x88, high byte first. */
	cursor_init(&c, ten, sizeof(ten));
	assert_int_equal(cursor_u64(&c), 0x1122334455667788ULL);
	assert_int_equal(c.off, 8);

	/* High bits set: no sign extension anywhere. */
	{
		static const uint8_t ff[8] = {
			0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8
		};

		cursor_init(&c, ff, sizeof(ff));
		assert_int_equal(cursor_u16(&c), 0xfffe);
		cursor_init(&c, ff, sizeof(ff));
		assert_int_equal(cursor_u32(&c), 0xfffefdfcU);
		cursor_init(&c, ff, sizeof(ff));
		assert_int_equal(cursor_u64(&c), 0xfffefdfcfbfaf9f8ULL);
	}
}

static void
test_take_edges(void **state)
{
	struct cursor c;
	const uint8_t *p;

	(void)state;
	cursor_init(&c, ten, sizeof(ten));
	p = cursor_take(&c, 10);
	assert_ptr_equal(p, ten);
	assert_int_equal(c.off, 10);
	assert_true(cursor_ok(&c));
	/* Zero bytes at the very end is still inside. */
	assert_non_null(cursor_take(&c, 0));
	assert_true(cursor_ok(&c));
	assert_null(cursor_take(&c, 1));
	assert_int_equal(c.off, 10);
	assert_dead(&c);

	/* Eleven of ten. */
	cursor_init(&c, ten, sizeof(ten));
	assert_null(cursor_take(&c, 11));
	assert_int_equal(c.off, 0);
	assert_dead(&c);
}

static void
test_take_overflow(void **state)
{
	struct cursor c;

	(void)state;
	/* off + SIZE_MAX wraps around size_t: must still be refused. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 1);
	assert_null(cursor_take(&c, SIZE_MAX));
	assert_int_equal(c.off, 1);
	assert_dead(&c);

	/* off + (SIZE_MAX - 5) wraps to off - 6: refused as well. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 7);
	assert_null(cursor_take(&c, SIZE_MAX - 5));
	assert_int_equal(c.off, 7);
	assert_dead(&c);

	/* cursor_skip goes through the same check. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, SIZE_MAX);
	assert_int_equal(c.off, 0);
	assert_dead(&c);
}

static void
test_sticky(void **state)
{
	struct cursor c;

	(void)state;
	/* Fail a big read while bytes remain: small reads must fail too. */
	cursor_init(&c, ten, sizeof(ten));
	assert_int_equal(cursor_u16(&c), 0x1122);
	cursor_skip(&c, 9);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 2);
	/* Eight bytes are physically there, yet nothing may be read. */
	assert_dead(&c);
}

static void
test_copy(void **state)
{
	struct cursor c;
	uint8_t dst[10];
	const uint8_t zero[10] = { 0 };

	(void)state;
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 4);
	memset(dst, 0xee, sizeof(dst));
	cursor_copy(&c, dst, 6);
	assert_true(cursor_ok(&c));
	assert_memory_equal(dst, ten + 4, 6);
	assert_int_equal(dst[6], 0xee);
	assert_int_equal(c.off, 10);

	/* One byte too many: dst is zero-filled, not partly copied. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 4);
	memset(dst, 0xee, sizeof(dst));
	cursor_copy(&c, dst, 7);
	assert_false(cursor_ok(&c));
	assert_memory_equal(dst, zero, 7);
	assert_int_equal(dst[7], 0xee);
	assert_int_equal(c.off, 4);
	assert_dead(&c);

	/* Already in error: zero-filled even though bytes are there. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 11);
	memset(dst, 0xee, sizeof(dst));
	cursor_copy(&c, dst, 2);
	assert_memory_equal(dst, zero, 2);
	assert_int_equal(dst[2], 0xee);
}

static void
test_sub_ok(void **state)
{
	struct cursor c, s;

	(void)state;
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 2);
	s = cursor_sub(&c, 5);
	/* Child: bytes 2..6 (0x33 .. 0x77); parent moved past them. */
	assert_true(cursor_ok(&c));
	assert_true(cursor_ok(&s));
	assert_int_equal(c.off, 7);
	assert_int_equal(cursor_remaining(&c), 3);
	assert_ptr_equal(s.base, ten + 2);
	assert_int_equal(s.len, 5);
	assert_int_equal(s.off, 0);
	assert_int_equal(cursor_u32(&s), 0x33445566);
	assert_int_equal(cursor_u8(&s), 0x77);
	assert_int_equal(cursor_remaining(&s), 0);
	/* The child ends at its own length, not the parent's. */
	assert_int_equal(cursor_u8(&s), 0);
	assert_false(cursor_ok(&s));
	/* Its error does not reach the parent. */
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_u8(&c), 0x88);

	/* A sub-cursor of exactly the rest. */
	cursor_init(&c, ten, sizeof(ten));
	s = cursor_sub(&c, 10);
	assert_true(cursor_ok(&c));
	assert_true(cursor_ok(&s));
	assert_int_equal(cursor_remaining(&c), 0);
	assert_int_equal(cursor_remaining(&s), 10);
}

static void
test_sub_fail(void **state)
{
	struct cursor c, s;

	(void)state;
	/* Six wanted, five left: parent and child both in error. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 5);
	s = cursor_sub(&c, 6);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 5);
	assert_false(cursor_ok(&s));
	assert_int_equal(s.len, 0);
	assert_int_equal(cursor_remaining(&s), 0);
	assert_dead(&c);
	assert_dead(&s);

	/* Overflowing length. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 1);
	s = cursor_sub(&c, SIZE_MAX);
	assert_false(cursor_ok(&c));
	assert_false(cursor_ok(&s));
	assert_int_equal(s.len, 0);

	/* Parent already in error: even a zero-length child is in error. */
	cursor_init(&c, ten, sizeof(ten));
	cursor_skip(&c, 11);
	s = cursor_sub(&c, 0);
	assert_false(cursor_ok(&c));
	assert_false(cursor_ok(&s));
	assert_dead(&s);
}

static void
test_null_base(void **state)
{
	struct cursor c, s;
	uint8_t dst[2] = { 0xee, 0xee };

	(void)state;
	cursor_init(&c, NULL, 0);
	assert_true(cursor_ok(&c));
	assert_int_equal(cursor_remaining(&c), 0);
	/* Nothing to read: zero bytes is fine, one is past the end. */
	cursor_skip(&c, 0);
	assert_true(cursor_ok(&c));
	cursor_copy(&c, dst, 0);
	assert_true(cursor_ok(&c));
	assert_int_equal(dst[0], 0xee);
	assert_int_equal(cursor_u8(&c), 0);
	assert_false(cursor_ok(&c));
	assert_int_equal(c.off, 0);
	assert_dead(&c);

	cursor_init(&c, NULL, 0);
	assert_int_equal(cursor_u64(&c), 0);
	assert_dead(&c);

	cursor_init(&c, NULL, 0);
	cursor_copy(&c, dst, 2);
	assert_int_equal(dst[0], 0);
	assert_int_equal(dst[1], 0);
	assert_dead(&c);

	/*
	 * A zero-length child of an empty, healthy cursor: "fewer than n
	 * bytes remain" is false, so neither may be in error.
	 */
	cursor_init(&c, NULL, 0);
	s = cursor_sub(&c, 0);
	assert_true(cursor_ok(&c));
	assert_true(cursor_ok(&s));
	assert_int_equal(cursor_remaining(&s), 0);

	/* A one-byte child of it: both in error. */
	cursor_init(&c, NULL, 0);
	s = cursor_sub(&c, 1);
	assert_false(cursor_ok(&c));
	assert_false(cursor_ok(&s));
	assert_dead(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_u8_edges),
		cmocka_unit_test(test_u16_edges),
		cmocka_unit_test(test_u32_edges),
		cmocka_unit_test(test_u64_edges),
		cmocka_unit_test(test_big_endian_assembly),
		cmocka_unit_test(test_take_edges),
		cmocka_unit_test(test_take_overflow),
		cmocka_unit_test(test_sticky),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_sub_ok),
		cmocka_unit_test(test_sub_fail),
		cmocka_unit_test(test_null_base),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
