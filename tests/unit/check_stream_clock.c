/*
 * Stream clock tests: ordinary packets move the clock up, never back; a
 * packet stamped far off does not move it unless the packets after it
 * agree; a jump ahead that they confirm is followed, one behind goes on
 * from the clock with the packets' spacing; packets always come out in
 * input order, each jump is reported once.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "stream_clock.h"

#define S         INT64_C(1000000)
#define T0        (INT64_C(1795315042) * S) /* 2026-11-22 */
#define THRESHOLD (3600 * S)
#define OUT_CAP   64
#define JUMP_CAP  8
#define Y2037     (INT64_C(2114380800) * S)
#define Y1971     (INT64_C(44236800) * S)

struct seen {
    uint64_t numbers[OUT_CAP];
    int64_t clocks[OUT_CAP];
    size_t count;
    struct stream_clock_jump jumps[JUMP_CAP];
    size_t jump_count;
};

static void on_out(void *ctx, const struct tv_packet *packet, uint64_t number, int64_t clock_us)
{
    struct seen *s = ctx;
    ck_assert_uint_eq(packet->caplen, 1);
    ck_assert_uint_eq(packet->data[0], (uint8_t)number);
    ck_assert_uint_lt(s->count, OUT_CAP);
    s->numbers[s->count] = number;
    s->clocks[s->count] = clock_us;
    s->count++;
}

static void on_jump(void *ctx, const struct stream_clock_jump *jump)
{
    struct seen *s = ctx;
    ck_assert_uint_lt(s->jump_count, JUMP_CAP);
    s->jumps[s->jump_count++] = *jump;
}

static struct stream_clock *clk;
static struct seen seen;
static uint64_t next_number;

static void setup(void)
{
    clk = stream_clock_create(THRESHOLD);
    ck_assert_ptr_nonnull(clk);
    memset(&seen, 0, sizeof(seen));
    next_number = 0;
}

static void teardown(void)
{
    stream_clock_destroy(clk);
}

static void feed(int64_t ts_us)
{
    uint8_t byte = (uint8_t)++next_number;
    struct tv_packet p = {.ts_us = ts_us, .data = &byte, .caplen = 1, .wirelen = 1};
    stream_clock_packet(clk, &p, next_number, on_out, on_jump, &seen);
}

static void check_in_order(void)
{
    for (size_t i = 0; i < seen.count; i++)
        ck_assert_uint_eq(seen.numbers[i], i + 1);
}

START_TEST(test_ordinary_packets_move_the_clock_up_never_back)
{
    feed(T0);
    feed(T0 + 5 * S);
    feed(T0 + 2 * S); /* a little behind: the clock stays */
    feed(T0 + 3000 * S);
    ck_assert_uint_eq(seen.count, 4);
    ck_assert_int_eq(seen.clocks[0], T0);
    ck_assert_int_eq(seen.clocks[1], T0 + 5 * S);
    ck_assert_int_eq(seen.clocks[2], T0 + 5 * S);
    ck_assert_int_eq(seen.clocks[3], T0 + 3000 * S);
    ck_assert_uint_eq(seen.jump_count, 0);
    check_in_order();
}
END_TEST

START_TEST(test_one_packet_from_2037_and_one_from_1971_do_not_move_the_clock)
{
    feed(T0);
    feed(T0 + 1 * S);
    feed(Y2037);
    feed(T0 + 2 * S);
    feed(Y1971);
    feed(T0 + 3 * S);
    ck_assert_uint_eq(seen.count, 6);
    ck_assert_int_eq(seen.clocks[2], T0 + 1 * S); /* analysed as of the clock */
    ck_assert_int_eq(seen.clocks[3], T0 + 2 * S);
    ck_assert_int_eq(seen.clocks[4], T0 + 2 * S);
    ck_assert_int_eq(seen.clocks[5], T0 + 3 * S);
    ck_assert_uint_eq(seen.jump_count, 2);
    ck_assert_uint_eq(seen.jumps[0].first_pkt, 3);
    ck_assert_int_eq(seen.jumps[0].stamp_us, Y2037);
    ck_assert(!seen.jumps[0].is_followed);
    ck_assert_uint_eq(seen.jumps[1].first_pkt, 5);
    ck_assert_int_eq(seen.jumps[1].stamp_us, Y1971);
    ck_assert(!seen.jumps[1].is_followed);
    check_in_order();
}
END_TEST

START_TEST(test_a_jump_ahead_that_later_packets_confirm_is_followed)
{
    feed(T0);
    for (int i = 0; i < STREAM_CLOCK_CONFIRM; i++)
        feed(T0 + 7200 * S + i * S); /* two hours of silence, then traffic */
    feed(T0 + 7210 * S);
    ck_assert_uint_eq(seen.count, 1 + STREAM_CLOCK_CONFIRM + 1);
    for (int i = 0; i < STREAM_CLOCK_CONFIRM; i++)
        ck_assert_int_eq(seen.clocks[1 + i], T0 + 7200 * S + i * S); /* their own times */
    ck_assert_uint_eq(seen.jump_count, 1);
    ck_assert(seen.jumps[0].is_followed);
    ck_assert_uint_eq(seen.jumps[0].packets, STREAM_CLOCK_CONFIRM);
    check_in_order();
}
END_TEST

START_TEST(test_a_jump_back_that_later_packets_confirm_keeps_their_spacing)
{
    feed(T0);
    feed(T0 + 10 * S);
    int64_t back = T0 - 86400 * S; /* a second capture, a day earlier */
    for (int i = 0; i < STREAM_CLOCK_CONFIRM + 2; i++)
        feed(back + i * 2 * S);
    ck_assert_uint_eq(seen.count, 2 + STREAM_CLOCK_CONFIRM + 2);
    for (int i = 0; i < STREAM_CLOCK_CONFIRM + 2; i++)
        ck_assert_int_eq(seen.clocks[2 + i], T0 + 10 * S + i * 2 * S);
    ck_assert_uint_eq(seen.jump_count, 1);
    ck_assert(seen.jumps[0].is_followed);
    ck_assert_int_eq(seen.jumps[0].stamp_us, back);
    check_in_order();
}
END_TEST

START_TEST(test_too_few_agreeing_packets_are_no_jump)
{
    feed(T0);
    for (int i = 0; i < STREAM_CLOCK_CONFIRM - 1; i++)
        feed(Y2037 + i * S);
    ck_assert_uint_eq(seen.count, 1); /* held */
    feed(T0 + 1 * S);                 /* back near the clock */
    ck_assert_uint_eq(seen.count, 1 + STREAM_CLOCK_CONFIRM);
    for (int i = 0; i < STREAM_CLOCK_CONFIRM - 1; i++)
        ck_assert_int_eq(seen.clocks[1 + i], T0);
    ck_assert_uint_eq(seen.jump_count, 1);
    ck_assert(!seen.jumps[0].is_followed);
    ck_assert_uint_eq(seen.jumps[0].packets, STREAM_CLOCK_CONFIRM - 1);
    check_in_order();
}
END_TEST

START_TEST(test_a_jump_still_weighed_at_the_end_is_not_followed)
{
    feed(T0);
    feed(Y2037);
    feed(Y2037 + S);
    stream_clock_finish(clk, on_out, on_jump, &seen);
    ck_assert_uint_eq(seen.count, 3);
    ck_assert_int_eq(seen.clocks[1], T0);
    ck_assert_int_eq(seen.clocks[2], T0);
    ck_assert_uint_eq(seen.jump_count, 1);
    ck_assert(!seen.jumps[0].is_followed);
    check_in_order();
}
END_TEST

START_TEST(test_two_lies_in_a_row_far_apart_are_two_jumps)
{
    feed(T0);
    feed(Y2037);
    feed(Y1971);
    feed(T0 + S);
    ck_assert_uint_eq(seen.count, 4);
    ck_assert_uint_eq(seen.jump_count, 2);
    ck_assert_uint_eq(seen.jumps[0].first_pkt, 2);
    ck_assert_uint_eq(seen.jumps[1].first_pkt, 3);
    ck_assert_int_eq(seen.clocks[1], T0);
    ck_assert_int_eq(seen.clocks[2], T0);
    check_in_order();
}
END_TEST

START_TEST(test_extreme_stamps_do_not_overflow)
{
    feed(INT64_MIN);
    feed(INT64_MAX);
    feed(INT64_MIN + 1);
    feed(0);
    stream_clock_finish(clk, on_out, on_jump, &seen);
    ck_assert_uint_eq(seen.count, 4);
    check_in_order();
}
END_TEST

static Suite *stream_clock_suite(void)
{
    Suite *s = suite_create("stream_clock");
    TCase *tc = tcase_create("stream_clock");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ordinary_packets_move_the_clock_up_never_back);
    tcase_add_test(tc, test_one_packet_from_2037_and_one_from_1971_do_not_move_the_clock);
    tcase_add_test(tc, test_a_jump_ahead_that_later_packets_confirm_is_followed);
    tcase_add_test(tc, test_a_jump_back_that_later_packets_confirm_keeps_their_spacing);
    tcase_add_test(tc, test_too_few_agreeing_packets_are_no_jump);
    tcase_add_test(tc, test_a_jump_still_weighed_at_the_end_is_not_followed);
    tcase_add_test(tc, test_two_lies_in_a_row_far_apart_are_two_jumps);
    tcase_add_test(tc, test_extreme_stamps_do_not_overflow);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(stream_clock_suite());
}
