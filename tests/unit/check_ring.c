/*
 * Ring tests: order, wraparound, full and empty, batches, slot limits, and
 * a two-thread stress run whose slots carry sequence numbers, so that a
 * lost, repeated or reordered slot is caught. The stress count is
 * TV_RING_STRESS slots (default 20 million, a few seconds; set it to
 * hundreds of millions for a long run).
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "ring.h"

#define STRESS_DEFAULT_COUNT 20000000ULL

/* Writes one slot carrying n in its header and its first data bytes. */
static void put(struct ring *r, size_t i, uint64_t n)
{
    struct ring_slot *s = ring_reserved_slot(r, i);
    s->kind = RING_SLOT_PACKET;
    s->number = n;
    s->caplen = sizeof(n);
    memcpy(s->data, &n, sizeof(n));
}

static uint64_t got(const struct ring *r, size_t i)
{
    const struct ring_slot *s = ring_peeked_slot(r, i);
    uint64_t n;
    memcpy(&n, s->data, sizeof(n));
    ck_assert_uint_eq(n, s->number);
    return n;
}

START_TEST(test_bad_sizes_are_refused)
{
    ck_assert_ptr_null(ring_create(0, 64));
    ck_assert_ptr_null(ring_create(1, 64));
    ck_assert_ptr_null(ring_create(3, 64));
    ck_assert_ptr_null(ring_create(1000, 64));
    ck_assert_ptr_null(ring_create(16, (size_t)1 << 30));
    struct ring *r = ring_create(2, 0);
    ck_assert_ptr_nonnull(r);
    ring_destroy(r);
    ring_destroy(NULL);
}
END_TEST

START_TEST(test_new_ring_is_empty_and_all_room)
{
    struct ring *r = ring_create(8, 64);
    ck_assert_uint_eq(ring_slot_count(r), 8);
    ck_assert_uint_eq(ring_data_cap(r), 64);
    ck_assert_uint_eq(ring_peek(r, 1), 0);
    ck_assert_uint_eq(ring_reserve(r, 100), 8);
    ck_assert_uint_eq(ring_backlog(r), 0);
    ring_destroy(r);
}
END_TEST

START_TEST(test_slots_come_out_in_order)
{
    struct ring *r = ring_create(16, 64);
    ck_assert_uint_eq(ring_reserve(r, 5), 5);
    for (size_t i = 0; i < 5; i++)
        put(r, i, 100 + i);
    ring_commit(r, 5);
    ck_assert_uint_eq(ring_backlog(r), 5);
    ck_assert_uint_eq(ring_peek(r, 16), 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_uint_eq(got(r, i), 100 + i);
    ring_release(r, 5);
    ck_assert_uint_eq(ring_peek(r, 1), 0);
    ring_destroy(r);
}
END_TEST

START_TEST(test_uncommitted_slots_are_invisible)
{
    struct ring *r = ring_create(8, 64);
    ck_assert_uint_eq(ring_reserve(r, 4), 4);
    put(r, 0, 1);
    put(r, 1, 2);
    ck_assert_uint_eq(ring_peek(r, 8), 0);
    ring_commit(r, 1);
    ck_assert_uint_eq(ring_peek(r, 8), 1);
    ck_assert_uint_eq(got(r, 0), 1);
    /* The second slot was written but not committed: reserving again
     * must hand it back at the same place. */
    ck_assert_uint_eq(ring_reserve(r, 1), 1);
    ck_assert_uint_eq(ring_reserved_slot(r, 0)->number, 2);
    ring_destroy(r);
}
END_TEST

START_TEST(test_full_ring_refuses_until_released)
{
    struct ring *r = ring_create(4, 64);
    ck_assert_uint_eq(ring_reserve(r, 4), 4);
    for (size_t i = 0; i < 4; i++)
        put(r, i, i);
    ring_commit(r, 4);
    ck_assert_uint_eq(ring_reserve(r, 1), 0);
    ck_assert_uint_eq(ring_peek(r, 2), 2);
    ring_release(r, 1);
    ck_assert_uint_eq(ring_reserve(r, 4), 1);
    ring_release(r, 1);
    ck_assert_uint_eq(ring_reserve(r, 4), 2);
    ring_destroy(r);
}
END_TEST

START_TEST(test_wraparound_keeps_order)
{
    struct ring *r = ring_create(8, 64);
    uint64_t next_in = 0;
    uint64_t next_out = 0;
    /* Odd batch sizes, so that batches straddle the end of the array. */
    for (int round = 0; round < 1000; round++) {
        size_t want = 1 + (size_t)round % 7;
        size_t n = ring_reserve(r, want);
        for (size_t i = 0; i < n; i++)
            put(r, i, next_in++);
        ring_commit(r, n);
        size_t m = ring_peek(r, 1 + (size_t)round % 5);
        for (size_t i = 0; i < m; i++)
            ck_assert_uint_eq(got(r, i), next_out++);
        ring_release(r, m);
    }
    size_t m = ring_peek(r, 8);
    for (size_t i = 0; i < m; i++)
        ck_assert_uint_eq(got(r, i), next_out++);
    ck_assert_uint_eq(next_in, next_out);
    ck_assert_uint_gt(next_in, 8 * 100);
    ring_destroy(r);
}
END_TEST

START_TEST(test_batches_are_partial_when_short)
{
    struct ring *r = ring_create(8, 64);
    ck_assert_uint_eq(ring_reserve(r, 6), 6);
    for (size_t i = 0; i < 6; i++)
        put(r, i, i);
    ring_commit(r, 6);
    ck_assert_uint_eq(ring_reserve(r, 6), 2);
    ck_assert_uint_eq(ring_peek(r, 4), 4);
    ring_release(r, 4);
    ck_assert_uint_eq(ring_peek(r, 4), 2);
    ck_assert_uint_eq(got(r, 0), 4);
    ck_assert_uint_eq(got(r, 1), 5);
    ring_destroy(r);
}
END_TEST

START_TEST(test_slot_holds_data_cap_bytes)
{
    /* Slots sized to a page multiple and not: every byte of every slot is
     * usable and no slot overlaps its neighbour. */
    size_t caps[] = {1, 63, 64, 4096 - sizeof(struct ring_slot), 65535};
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        size_t cap = caps[c];
        struct ring *r = ring_create(4, cap);
        ck_assert_uint_eq(ring_reserve(r, 4), 4);
        for (size_t i = 0; i < 4; i++)
            memset(ring_reserved_slot(r, i)->data, (int)(0x10 + i), cap);
        ring_commit(r, 4);
        ck_assert_uint_eq(ring_peek(r, 4), 4);
        for (size_t i = 0; i < 4; i++) {
            const uint8_t *d = ring_peeked_slot(r, i)->data;
            ck_assert_uint_eq(d[0], 0x10 + i);
            ck_assert_uint_eq(d[cap - 1], 0x10 + i);
            ck_assert_uint_eq(((uintptr_t)ring_peeked_slot(r, i)) % 8, 0);
        }
        ring_destroy(r);
    }
}
END_TEST

struct stress {
    struct ring *ring;
    uint64_t count;
    uint64_t mismatches; /* consumer's findings */
    uint64_t received;
};

static void *stress_producer(void *arg)
{
    struct stress *st = arg;
    uint64_t next = 0;
    while (next < st->count) {
        uint64_t left = st->count - next;
        size_t n = ring_reserve(st->ring, left < 32 ? (size_t)left : 32);
        for (size_t i = 0; i < n; i++)
            put(st->ring, i, next++);
        if (n != 0)
            ring_commit(st->ring, n);
    }
    return NULL;
}

static void *stress_consumer(void *arg)
{
    struct stress *st = arg;
    uint64_t want = 0;
    while (want < st->count) {
        size_t n = ring_peek(st->ring, 32);
        for (size_t i = 0; i < n; i++) {
            const struct ring_slot *s = ring_peeked_slot(st->ring, i);
            uint64_t v;
            memcpy(&v, s->data, sizeof(v));
            if (v != want || s->number != want)
                st->mismatches++;
            want++;
        }
        if (n != 0)
            ring_release(st->ring, n);
    }
    st->received = want;
    return NULL;
}

static uint64_t stress_count(void)
{
    const char *env = getenv("TV_RING_STRESS");
    if (env == NULL || *env == '\0')
        return STRESS_DEFAULT_COUNT;
    char *end = NULL;
    unsigned long long n = strtoull(env, &end, 10);
    return end != env && *end == '\0' && n > 0 ? n : STRESS_DEFAULT_COUNT;
}

START_TEST(test_two_threads_lose_repeat_and_reorder_nothing)
{
    struct stress st = {.ring = ring_create(1024, 16), .count = stress_count()};
    ck_assert_ptr_nonnull(st.ring);
    pthread_t producer;
    pthread_t consumer;
    ck_assert_int_eq(pthread_create(&consumer, NULL, stress_consumer, &st), 0);
    ck_assert_int_eq(pthread_create(&producer, NULL, stress_producer, &st), 0);
    pthread_join(producer, NULL);
    pthread_join(consumer, NULL);
    ck_assert_uint_eq(st.received, st.count);
    ck_assert_uint_eq(st.mismatches, 0);
    ck_assert_uint_eq(ring_peek(st.ring, 1), 0);
    printf("ring stress: %llu slots through, none lost, repeated or reordered\n",
           (unsigned long long)st.count);
    ring_destroy(st.ring);
}
END_TEST

static Suite *ring_suite(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("ring");
    tcase_add_test(tc, test_bad_sizes_are_refused);
    tcase_add_test(tc, test_new_ring_is_empty_and_all_room);
    tcase_add_test(tc, test_slots_come_out_in_order);
    tcase_add_test(tc, test_uncommitted_slots_are_invisible);
    tcase_add_test(tc, test_full_ring_refuses_until_released);
    tcase_add_test(tc, test_wraparound_keeps_order);
    tcase_add_test(tc, test_batches_are_partial_when_short);
    tcase_add_test(tc, test_slot_holds_data_cap_bytes);
    suite_add_tcase(s, tc);

    TCase *stress = tcase_create("stress");
    /* A long manual run (TV_RING_STRESS) must not be cut by the default. */
    tcase_set_timeout(stress, 3600);
    tcase_add_test(stress, test_two_threads_lose_repeat_and_reorder_nothing);
    suite_add_tcase(s, stress);
    return s;
}

int main(void)
{
    return check_main_run(ring_suite());
}
