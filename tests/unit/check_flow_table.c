/* Flow table tests: lookup, capacity, time-out list order, slot reuse, and
 * bounded lookups when 5-tuples are chosen to share a bucket. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "flow_table.h"

/* The paper's SipHash test key, bytes 00 to 0f: the same as
 * TCPVERDICT_HASH_KEY=000102030405060708090a0b0c0d0e0f. */
static const struct siphash_key test_key = {UINT64_C(0x0706050403020100),
                                            UINT64_C(0x0f0e0d0c0b0a0908)};
static const struct siphash_key other_key = {UINT64_C(0x5851f42d4c957f2d),
                                             UINT64_C(0x14057b7ef767814f)};

static struct flow_key key_for(uint32_t n)
{
    struct flow_key k;
    memset(&k, 0, sizeof(k));
    k.family = 4;
    k.addr[0][0] = 10;
    k.addr[0][3] = (uint8_t)n;
    k.addr[1][0] = 10;
    k.addr[1][1] = (uint8_t)(n >> 8);
    k.port[0] = (uint16_t)(40000 + n);
    k.port[1] = 8530;
    return k;
}

START_TEST(test_inserted_flow_is_found_and_removed_flow_is_not)
{
    struct flow_table *t = flow_table_create(8, &test_key);
    struct flow_key k = key_for(1);
    struct flow *f = flow_table_insert(t, &k, FLOW_LIST_ACTIVE);
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_eq(flow_table_lookup(t, &k), f);
    struct flow_key other = key_for(2);
    ck_assert_ptr_null(flow_table_lookup(t, &other));
    flow_table_remove(t, f);
    ck_assert_ptr_null(flow_table_lookup(t, &k));
    ck_assert_uint_eq(flow_table_count(t), 0);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_table_refuses_beyond_its_cap_and_reuses_freed_slots)
{
    struct flow_table *t = flow_table_create(3, &test_key);
    struct flow *f[3];
    for (uint32_t i = 0; i < 3; i++) {
        struct flow_key k = key_for(i);
        f[i] = flow_table_insert(t, &k, FLOW_LIST_ACTIVE);
        ck_assert_ptr_nonnull(f[i]);
    }
    struct flow_key k = key_for(3);
    ck_assert_ptr_null(flow_table_insert(t, &k, FLOW_LIST_ACTIVE));
    flow_table_remove(t, f[1]);
    ck_assert_ptr_eq(flow_table_insert(t, &k, FLOW_LIST_ACTIVE), f[1]);
    for (uint32_t i = 0; i < 4; i++) {
        struct flow_key q = key_for(i);
        ck_assert_int_eq(flow_table_lookup(t, &q) != NULL, i != 1);
    }
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_touch_moves_a_flow_to_the_back_of_its_list)
{
    struct flow_table *t = flow_table_create(4, &test_key);
    struct flow_key a = key_for(1), b = key_for(2);
    struct flow *fa = flow_table_insert(t, &a, FLOW_LIST_ACTIVE);
    struct flow *fb = flow_table_insert(t, &b, FLOW_LIST_ACTIVE);
    ck_assert_ptr_eq(flow_table_oldest(t, FLOW_LIST_ACTIVE), fa);
    flow_table_touch(t, fa, FLOW_LIST_ACTIVE);
    ck_assert_ptr_eq(flow_table_oldest(t, FLOW_LIST_ACTIVE), fb);
    flow_table_touch(t, fb, FLOW_LIST_CLOSED);
    ck_assert_ptr_eq(flow_table_oldest(t, FLOW_LIST_ACTIVE), fa);
    ck_assert_ptr_eq(flow_table_oldest(t, FLOW_LIST_CLOSED), fb);
    ck_assert_ptr_null(flow_table_oldest(t, FLOW_LIST_ATTEMPT));
    flow_table_destroy(t);
}
END_TEST

/* An empty table takes n flows and finds each of them, and no other. */
static void fill_and_find(struct flow_table *t, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        struct flow_key k = key_for(i);
        ck_assert_ptr_null(flow_table_lookup(t, &k));
        ck_assert_ptr_nonnull(flow_table_insert(t, &k, FLOW_LIST_ACTIVE));
        ck_assert_ptr_nonnull(flow_table_lookup(t, &k));
    }
}

START_TEST(test_drain_gives_flows_in_flow_id_order_and_then_lookups_work_again)
{
    enum { CAP = 64, N = 50 };
    struct flow_table *t = flow_table_create(CAP, &test_key);
    /* Ids in a scrambled order, some past 48 bits, and slots reused out of
     * order: several runs for the merge. */
    for (uint32_t i = 0; i < N; i++) {
        struct flow_key k = key_for(i);
        struct flow *f = flow_table_insert(t, &k, (enum flow_list)(i % FLOW_LIST_COUNT));
        uint64_t id = (uint64_t)(i * 37 % N) + 1;
        flow_table_start(t, f, i % 7 == 0 ? id << 50 : id, 0);
    }
    for (uint32_t i = 0; i < N; i += 3) {
        struct flow_key k = key_for(i);
        flow_table_remove(t, flow_table_lookup(t, &k));
        struct flow_key k2 = key_for(1000 + i);
        flow_table_start(t, flow_table_insert(t, &k2, FLOW_LIST_ACTIVE), 5000 + i, 0);
    }
    uint32_t live = flow_table_count(t);
    uint64_t prev = 0;
    uint32_t n = 0;
    struct flow *next;
    for (struct flow *f = flow_table_drain(t); f != NULL; f = next) {
        next = flow_table_drain_next(t, f);
        uint64_t id = flow_table_flow_id(t, f);
        ck_assert_uint_gt(id, prev);
        prev = id;
        n++;
        flow_table_remove(t, f);
    }
    ck_assert_uint_eq(n, live);
    ck_assert_uint_eq(flow_table_count(t), 0);
    fill_and_find(t, CAP);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_drain_of_an_empty_table_gives_nothing)
{
    struct flow_table *t = flow_table_create(4, &test_key);
    ck_assert_ptr_null(flow_table_drain(t));
    fill_and_find(t, 4);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_flow_ids_past_48_bits_are_kept_exactly_in_the_cold_record)
{
    struct flow_table *t = flow_table_create(4, &test_key);
    struct flow_key a = key_for(1), b = key_for(2);
    struct flow *fa = flow_table_insert(t, &a, FLOW_LIST_ACTIVE);
    struct flow *fb = flow_table_insert(t, &b, FLOW_LIST_ACTIVE);
    flow_table_start(t, fa, (UINT64_C(1) << 48) - 1, 7);
    flow_table_start(t, fb, UINT64_MAX - 2, 7);
    ck_assert_uint_eq(flow_table_flow_id(t, fa), (UINT64_C(1) << 48) - 1);
    ck_assert_ptr_null(flow_table_cold_peek(t, fa)); /* fits: no record */
    ck_assert_uint_eq(flow_table_flow_id(t, fb), UINT64_MAX - 2);
    ck_assert_ptr_nonnull(flow_table_cold_peek(t, fb));
    ck_assert(!fb->is_partial);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_first_times_far_from_the_tables_first_are_kept_exactly)
{
    const int64_t epoch_us = INT64_C(1767225600000000);
    const int64_t range_us = INT64_C(1) << 48; /* about 8.9 years */
    struct flow_table *t = flow_table_create(4, &test_key);
    struct flow *f[4];
    for (uint32_t i = 0; i < 4; i++) {
        struct flow_key k = key_for(i);
        f[i] = flow_table_insert(t, &k, FLOW_LIST_ACTIVE);
    }
    flow_table_start(t, f[0], 1, epoch_us);
    flow_table_start(t, f[1], 2, epoch_us + range_us - 1);
    flow_table_start(t, f[2], 3, epoch_us + range_us);
    flow_table_start(t, f[3], 4, epoch_us - 1); /* before the table's first */
    ck_assert_int_eq(flow_table_first_us(t, f[0]), epoch_us);
    ck_assert_int_eq(flow_table_first_us(t, f[1]), epoch_us + range_us - 1);
    ck_assert_ptr_null(flow_table_cold_peek(t, f[1]));
    ck_assert_int_eq(flow_table_first_us(t, f[2]), epoch_us + range_us);
    ck_assert_ptr_nonnull(flow_table_cold_peek(t, f[2]));
    ck_assert_int_eq(flow_table_first_us(t, f[3]), epoch_us - 1);
    ck_assert_int_eq(flow_table_last_us(t, f[3]), epoch_us - 1);
    flow_table_set_last_us(t, f[3], INT64_MAX);
    ck_assert_int_eq(flow_table_last_us(t, f[3]), INT64_MAX);
    for (uint32_t i = 0; i < 4; i++)
        ck_assert(!f[i]->is_partial);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_cap_is_bounded_by_the_link_width)
{
    ck_assert_ptr_null(flow_table_create(FLOW_CAP_MAX + 1, &test_key));
    ck_assert_ptr_null(flow_table_create(UINT32_MAX, &test_key));
}
END_TEST

START_TEST(test_last_times_out_of_the_inline_range_are_kept_exactly)
{
    const int64_t first_us = INT64_C(1767225600000000);
    const int64_t range_us = INT64_C(1) << 32;
    struct flow_table *t = flow_table_create(4, &test_key);
    struct flow_key a = key_for(1), b = key_for(2);
    struct flow *fa = flow_table_insert(t, &a, FLOW_LIST_ACTIVE);
    struct flow *fb = flow_table_insert(t, &b, FLOW_LIST_ACTIVE);
    flow_table_start(t, fa, 1, first_us);
    flow_table_start(t, fb, 2, first_us);
    ck_assert_int_eq(flow_table_last_us(t, fa), first_us);
    ck_assert_int_eq(flow_table_first_us(t, fa), first_us);

    flow_table_set_last_us(t, fa, first_us + range_us - 1); /* the last inline one */
    ck_assert_int_eq(flow_table_last_us(t, fa), first_us + range_us - 1);
    ck_assert_ptr_null(flow_table_cold_peek(t, fa));
    flow_table_set_last_us(t, fa, first_us + range_us); /* a flow of over 71 minutes */
    ck_assert_int_eq(flow_table_last_us(t, fa), first_us + range_us);
    ck_assert_ptr_nonnull(flow_table_cold_peek(t, fa));
    flow_table_set_last_us(t, fa, first_us + 3 * range_us + 5);
    ck_assert_int_eq(flow_table_last_us(t, fa), first_us + 3 * range_us + 5);
    flow_table_set_last_us(t, fa, first_us + 10); /* back in range: still exact */
    ck_assert_int_eq(flow_table_last_us(t, fa), first_us + 10);

    flow_table_set_last_us(t, fb, first_us - 1); /* before the first packet */
    ck_assert_int_eq(flow_table_last_us(t, fb), first_us - 1);
    ck_assert_int_eq(flow_table_first_us(t, fb), first_us);
    ck_assert(!fa->is_partial && !fb->is_partial);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_many_colliding_inserts_and_removes_keep_the_table_consistent)
{
    enum { CAP = 1000 };
    struct flow_table *t = flow_table_create(CAP, &test_key);
    for (uint32_t round = 0; round < 5; round++) {
        for (uint32_t i = 0; i < CAP; i++) {
            struct flow_key k = key_for(i + round);
            ck_assert_ptr_nonnull(flow_table_insert(t, &k, FLOW_LIST_ACTIVE));
        }
        ck_assert_uint_eq(flow_table_count(t), CAP);
        for (uint32_t i = 0; i < CAP; i++) {
            struct flow_key k = key_for(i + round);
            struct flow *f = flow_table_lookup(t, &k);
            ck_assert_ptr_nonnull(f);
            flow_table_remove(t, f);
        }
        ck_assert_uint_eq(flow_table_count(t), 0);
    }
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_zero_cap_is_refused)
{
    ck_assert_ptr_null(flow_table_create(0, &test_key));
    flow_table_destroy(NULL);
}
END_TEST

static struct flow_key key6_for(uint32_t n)
{
    struct flow_key k;
    memset(&k, 0, sizeof(k));
    k.family = 6;
    k.addr[0][0] = 0x20;
    k.addr[0][15] = (uint8_t)n;
    k.addr[1][0] = 0x20;
    k.addr[1][1] = 0x01;
    k.addr[1][14] = (uint8_t)(n >> 8);
    k.port[0] = (uint16_t)(40000 + n);
    k.port[1] = 443;
    return k;
}

START_TEST(test_compact_keys_give_back_the_whole_key)
{
    struct flow_table *t = flow_table_create(4, &test_key);
    struct flow_key k4 = key_for(7);
    struct flow_key k6 = key6_for(7);
    struct flow *f4 = flow_table_insert(t, &k4, FLOW_LIST_ACTIVE);
    struct flow *f6 = flow_table_insert(t, &k6, FLOW_LIST_ACTIVE);
    ck_assert_ptr_eq(flow_table_lookup(t, &k4), f4);
    ck_assert_ptr_eq(flow_table_lookup(t, &k6), f6);
    struct flow_key out;
    flow_table_key(t, f4, &out);
    ck_assert(flow_key_equal(&out, &k4));
    flow_table_key(t, f6, &out);
    ck_assert(flow_key_equal(&out, &k6));
    /* Same ports and the IPv4 bytes of an IPv6 key: a different flow. */
    struct flow_key other = k6;
    other.addr[1][15] = 1;
    ck_assert_ptr_null(flow_table_lookup(t, &other));
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_ipv6_flows_fill_the_table_and_free_their_addresses)
{
    enum { CAP = 16 };
    struct flow_table *t = flow_table_create(CAP, &test_key);
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < CAP; i++) {
            struct flow_key k = key6_for(i + round * CAP);
            ck_assert_ptr_nonnull(flow_table_insert(t, &k, FLOW_LIST_ACTIVE));
        }
        for (uint32_t i = 0; i < CAP; i++) {
            struct flow_key k = key6_for(i + round * CAP);
            struct flow *f = flow_table_lookup(t, &k);
            ck_assert_ptr_nonnull(f);
            flow_table_remove(t, f);
        }
    }
    ck_assert_uint_eq(flow_table_count(t), 0);
    flow_table_destroy(t);
}
END_TEST

/* The smallest table of at least cap flows has this many buckets. */
static uint32_t buckets_for(uint32_t cap)
{
    uint32_t b = 1;
    while (b < cap)
        b <<= 1;
    return b;
}

/* Fills keys[0..n) with distinct 5-tuples whose hash under hash_key lands
 * in bucket 0 of `buckets`, every eighth an IPv6 one, in increasing order
 * of ports (the worst order for an unbalanced tree). */
static void colliding_keys(const struct siphash_key *hash_key, uint32_t buckets,
                           struct flow_key *keys, uint32_t n)
{
    uint32_t found = 0;
    for (uint32_t c = 0; found < n; c++) {
        struct flow_key k = found % 8 == 7 ? key6_for(0) : key_for(0);
        k.port[0] = (uint16_t)(1024 + c % 60000);
        k.addr[0][2] = (uint8_t)(c / 60000);
        if ((flow_key_hash(&k, hash_key) & (buckets - 1)) == 0)
            keys[found++] = k;
        ck_assert_uint_lt(c, 200u * buckets * n); /* the search ends */
    }
}

/* At most: the chain, or an AA tree's height (2 log2(n + 1)). */
static uint32_t probe_bound(uint32_t n)
{
    uint32_t log2 = 0;
    while ((UINT32_C(1) << log2) < n + 1)
        log2++;
    return 2 * log2 > FLOW_CHAIN_CAP ? 2 * log2 : FLOW_CHAIN_CAP;
}

START_TEST(test_keys_chosen_to_collide_keep_lookups_bounded)
{
    enum { CAP = 2048 };
    static struct flow_key keys[CAP];
    colliding_keys(&test_key, buckets_for(CAP), keys, CAP);
    struct flow_table *t = flow_table_create(CAP, &test_key);
    for (uint32_t i = 0; i < CAP; i++) {
        struct flow *f = flow_table_insert(t, &keys[i], (enum flow_list)(i % FLOW_LIST_COUNT));
        ck_assert_ptr_nonnull(f);
        flow_table_start(t, f, (uint64_t)(i * 7919 % CAP) + 1, 0);
        ck_assert_uint_le(flow_table_probe_len(t, &keys[i]), probe_bound(i + 1));
    }
    /* Every one of them, and more than the chain holds, went to a tree. */
    ck_assert_uint_eq(flow_table_tree_flows(t), CAP);
    uint32_t longest = 0;
    for (uint32_t i = 0; i < CAP; i++) {
        struct flow *f = flow_table_lookup(t, &keys[i]);
        ck_assert_ptr_nonnull(f);
        struct flow_key back;
        flow_table_key(t, f, &back);
        ck_assert(flow_key_equal(&back, &keys[i]));
        uint32_t len = flow_table_probe_len(t, &keys[i]);
        longest = len > longest ? len : longest;
    }
    ck_assert_uint_le(longest, probe_bound(CAP));
    /* Removing every other one, in a scrambled order, keeps the rest
     * reachable within the bound and the removed ones gone. */
    for (uint32_t j = 0; j < CAP; j++) {
        uint32_t i = j * 7919 % CAP;
        if (i % 2 == 0)
            flow_table_remove(t, flow_table_lookup(t, &keys[i]));
    }
    ck_assert_uint_eq(flow_table_count(t), CAP / 2);
    for (uint32_t i = 0; i < CAP; i++) {
        ck_assert_int_eq(flow_table_lookup(t, &keys[i]) != NULL, i % 2 == 1);
        ck_assert_uint_le(flow_table_probe_len(t, &keys[i]), probe_bound(CAP / 2));
    }
    /* Drained in flow id order, trees and all; then the bucket is a plain
     * chain again: new flows in it are no tree's. */
    uint64_t prev = 0;
    struct flow *next;
    for (struct flow *f = flow_table_drain(t); f != NULL; f = next) {
        next = flow_table_drain_next(t, f);
        ck_assert_uint_gt(flow_table_flow_id(t, f), prev);
        prev = flow_table_flow_id(t, f);
        flow_table_remove(t, f);
    }
    ck_assert_uint_eq(flow_table_count(t), 0);
    for (uint32_t i = 0; i < FLOW_CHAIN_CAP; i++)
        ck_assert_ptr_nonnull(flow_table_insert(t, &keys[i], FLOW_LIST_ACTIVE));
    ck_assert_uint_eq(flow_table_tree_flows(t), CAP);
    ck_assert_uint_le(flow_table_probe_len(t, &keys[FLOW_CHAIN_CAP - 1]), FLOW_CHAIN_CAP);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_a_tree_emptied_by_removals_becomes_a_chain_again)
{
    enum { CAP = 64, N = 40 };
    static struct flow_key keys[N];
    colliding_keys(&test_key, buckets_for(CAP), keys, N);
    struct flow_table *t = flow_table_create(CAP, &test_key);
    for (uint32_t round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < N; i++)
            ck_assert_ptr_nonnull(flow_table_insert(t, &keys[i], FLOW_LIST_ACTIVE));
        for (uint32_t i = N; i-- > 0;) {
            ck_assert_uint_le(flow_table_probe_len(t, &keys[i]), probe_bound(i + 1));
            flow_table_remove(t, flow_table_lookup(t, &keys[i]));
            ck_assert_ptr_null(flow_table_lookup(t, &keys[i]));
        }
        ck_assert_uint_eq(flow_table_count(t), 0);
    }
    ck_assert_uint_eq(flow_table_tree_flows(t), 3 * N);
    flow_table_destroy(t);
}
END_TEST

/* Inserts and removes in a random order (a fixed LCG), within one crowded
 * bucket, agree with a plain array of what should be there, and every
 * lookup stays within the bound at every size. */
START_TEST(test_random_inserts_and_removes_in_one_bucket_agree_with_a_reference)
{
    enum { CAP = 512, OPS = 20000 };
    static struct flow_key keys[CAP];
    static bool present[CAP];
    memset(present, 0, sizeof(present));
    colliding_keys(&test_key, buckets_for(CAP), keys, CAP);
    struct flow_table *t = flow_table_create(CAP, &test_key);
    uint32_t rng = 12345;
    uint32_t count = 0;
    for (uint32_t op = 0; op < OPS; op++) {
        rng = rng * 1103515245u + 12345u;
        uint32_t i = (rng >> 8) % CAP;
        if (present[i]) {
            flow_table_remove(t, flow_table_lookup(t, &keys[i]));
            count--;
        } else {
            ck_assert_ptr_nonnull(flow_table_insert(t, &keys[i], FLOW_LIST_ACTIVE));
            count++;
        }
        present[i] = !present[i];
        ck_assert_uint_eq(flow_table_count(t), count);
        if (op % 97 == 0) {
            for (uint32_t j = 0; j < CAP; j++) {
                ck_assert_int_eq(flow_table_lookup(t, &keys[j]) != NULL, present[j]);
                ck_assert_uint_le(flow_table_probe_len(t, &keys[j]), probe_bound(count));
            }
        }
    }
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_keys_colliding_under_one_key_are_spread_by_another)
{
    enum { CAP = 2048 };
    static struct flow_key keys[CAP];
    colliding_keys(&test_key, buckets_for(CAP), keys, CAP);
    struct flow_table *t = flow_table_create(CAP, &other_key);
    for (uint32_t i = 0; i < CAP; i++)
        ck_assert_ptr_nonnull(flow_table_insert(t, &keys[i], FLOW_LIST_ACTIVE));
    ck_assert_uint_eq(flow_table_tree_flows(t), 0);
    for (uint32_t i = 0; i < CAP; i++)
        ck_assert_uint_lt(flow_table_probe_len(t, &keys[i]), 10);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_a_full_table_of_ordinary_flows_needs_no_tree)
{
    enum { CAP = 1u << 16 };
    struct flow_table *t = flow_table_create(CAP, &test_key);
    for (uint32_t i = 0; i < CAP; i++) {
        struct flow_key k = key_for(i);
        k.addr[0][2] = (uint8_t)(i >> 16);
        k.port[0] = (uint16_t)i;
        ck_assert_ptr_nonnull(flow_table_insert(t, &k, FLOW_LIST_ACTIVE));
    }
    ck_assert_uint_eq(flow_table_tree_flows(t), 0);
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_cold_record_is_taken_once_and_returned_with_its_flow)
{
    enum { CAP = 4 };
    struct flow_table *t = flow_table_create(CAP, &test_key);
    for (uint32_t round = 0; round < 3; round++) {
        struct flow *flows[CAP];
        for (uint32_t i = 0; i < CAP; i++) {
            struct flow_key k = key_for(i);
            flows[i] = flow_table_insert(t, &k, FLOW_LIST_ACTIVE);
            ck_assert_ptr_null(flow_table_cold_peek(t, flows[i]));
            ck_assert_uint_eq(flow_table_anomalies(t, flows[i])->mask, 0);
            struct flow_cold *c = flow_table_cold(t, flows[i]);
            ck_assert_ptr_nonnull(c);
            ck_assert_uint_eq(c->strict_drops, 0); /* zeroed, even when reused */
            ck_assert_uint_eq(c->anomalies.head, ANOMALY_NONE);
            c->strict_drops = 5;
            ck_assert_ptr_eq(flow_table_cold(t, flows[i]), c);
            ck_assert_ptr_eq(flow_table_cold_peek(t, flows[i]), c);
        }
        for (uint32_t i = 0; i < CAP; i++)
            flow_table_remove(t, flows[i]);
    }
    /* One record per flow slot: never short while flows are. */
    ck_assert_uint_eq(flow_table_cold_exhausted(t), 0);
    flow_table_destroy(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flow_table");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_inserted_flow_is_found_and_removed_flow_is_not);
    tcase_add_test(tc, test_table_refuses_beyond_its_cap_and_reuses_freed_slots);
    tcase_add_test(tc, test_touch_moves_a_flow_to_the_back_of_its_list);
    tcase_add_test(tc, test_drain_gives_flows_in_flow_id_order_and_then_lookups_work_again);
    tcase_add_test(tc, test_drain_of_an_empty_table_gives_nothing);
    tcase_add_test(tc, test_flow_ids_past_48_bits_are_kept_exactly_in_the_cold_record);
    tcase_add_test(tc, test_last_times_out_of_the_inline_range_are_kept_exactly);
    tcase_add_test(tc, test_first_times_far_from_the_tables_first_are_kept_exactly);
    tcase_add_test(tc, test_cap_is_bounded_by_the_link_width);
    tcase_add_test(tc, test_many_colliding_inserts_and_removes_keep_the_table_consistent);
    tcase_add_test(tc, test_zero_cap_is_refused);
    tcase_add_test(tc, test_compact_keys_give_back_the_whole_key);
    tcase_add_test(tc, test_ipv6_flows_fill_the_table_and_free_their_addresses);
    tcase_add_test(tc, test_cold_record_is_taken_once_and_returned_with_its_flow);
    tcase_add_test(tc, test_keys_chosen_to_collide_keep_lookups_bounded);
    tcase_add_test(tc, test_a_tree_emptied_by_removals_becomes_a_chain_again);
    tcase_add_test(tc, test_random_inserts_and_removes_in_one_bucket_agree_with_a_reference);
    tcase_add_test(tc, test_keys_colliding_under_one_key_are_spread_by_another);
    tcase_add_test(tc, test_a_full_table_of_ordinary_flows_needs_no_tree);
    suite_add_tcase(s, tc);
    return check_main_run(s);
}
