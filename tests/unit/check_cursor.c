/*
 * Unit tests for cursor.h: byte order, bounds, and the sticky overrun flag
 * that lets decoders check once per header.
 */
#include <check.h>
#include <stdlib.h>

#include "check_main.h"
#include "cursor.h"

static const uint8_t bytes[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};

START_TEST(test_reads_assemble_big_and_little_endian)
{
    struct cursor c = cursor_make(bytes, sizeof(bytes));
    ck_assert_uint_eq(cursor_be16(&c), 0x1234);
    ck_assert_uint_eq(cursor_le16(&c), 0x7856);
    ck_assert_uint_eq(cursor_u8(&c), 0x9a);
    c = cursor_make(bytes, sizeof(bytes));
    ck_assert_uint_eq(cursor_be32(&c), 0x12345678u);
    c = cursor_make(bytes, sizeof(bytes));
    ck_assert_uint_eq(cursor_le32(&c), 0x78563412u);
    ck_assert_uint_eq(cursor_remaining(&c), 2);
    ck_assert(!c.overrun);
}
END_TEST

START_TEST(test_read_past_end_returns_zero_and_stays_put)
{
    struct cursor c = cursor_make(bytes, 3);
    cursor_skip(&c, 1);
    ck_assert_uint_eq(cursor_be32(&c), 0);
    ck_assert(c.overrun);
    ck_assert_uint_eq(c.off, 1);
}
END_TEST

START_TEST(test_overrun_is_sticky)
{
    struct cursor c = cursor_make(bytes, 2);
    (void)cursor_be32(&c);
    /* Two bytes remain, but a reader that ignored the flag gets nothing. */
    ck_assert_uint_eq(cursor_be16(&c), 0);
    ck_assert_uint_eq(cursor_u8(&c), 0);
    ck_assert(c.overrun);
    ck_assert(!cursor_has(&c, 0));
}
END_TEST

START_TEST(test_split_bounds_the_subcursor_and_advances)
{
    struct cursor c = cursor_make(bytes, sizeof(bytes));
    struct cursor sub = cursor_split(&c, 2);
    ck_assert_uint_eq(sub.len, 2);
    ck_assert_uint_eq(cursor_be16(&sub), 0x1234);
    (void)cursor_u8(&sub);
    ck_assert(sub.overrun);
    ck_assert(!c.overrun);
    ck_assert_uint_eq(cursor_u8(&c), 0x56);
}
END_TEST

START_TEST(test_split_past_end_overruns_both)
{
    struct cursor c = cursor_make(bytes, sizeof(bytes));
    struct cursor sub = cursor_split(&c, sizeof(bytes) + 1);
    ck_assert(sub.overrun);
    ck_assert(c.overrun);
    ck_assert_uint_eq(sub.len, 0);
}
END_TEST

START_TEST(test_copy_past_end_zero_fills)
{
    uint8_t out[8];
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = 0xee;
    struct cursor c = cursor_make(bytes, sizeof(bytes));
    cursor_copy(&c, out, sizeof(out));
    ck_assert(c.overrun);
    for (size_t i = 0; i < sizeof(out); i++)
        ck_assert_uint_eq(out[i], 0);
}
END_TEST

START_TEST(test_skip_to_exact_end_is_not_overrun)
{
    struct cursor c = cursor_make(bytes, sizeof(bytes));
    cursor_skip(&c, sizeof(bytes));
    ck_assert(!c.overrun);
    ck_assert_uint_eq(cursor_remaining(&c), 0);
    cursor_skip(&c, 1);
    ck_assert(c.overrun);
}
END_TEST

START_TEST(test_huge_lengths_do_not_wrap)
{
    struct cursor c = cursor_make(bytes, sizeof(bytes));
    cursor_skip(&c, 1);
    ck_assert(!cursor_has(&c, SIZE_MAX));
    cursor_skip(&c, SIZE_MAX);
    ck_assert(c.overrun);
    ck_assert_uint_eq(c.off, 1);
}
END_TEST

static Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_reads_assemble_big_and_little_endian);
    tcase_add_test(tc, test_read_past_end_returns_zero_and_stays_put);
    tcase_add_test(tc, test_overrun_is_sticky);
    tcase_add_test(tc, test_split_bounds_the_subcursor_and_advances);
    tcase_add_test(tc, test_split_past_end_overruns_both);
    tcase_add_test(tc, test_copy_past_end_zero_fills);
    tcase_add_test(tc, test_skip_to_exact_end_is_not_overrun);
    tcase_add_test(tc, test_huge_lengths_do_not_wrap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(cursor_suite());
}
