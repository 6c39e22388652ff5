/*
 * Reorder stage tests: records from several lanes come out in key order,
 * none before every lane has marked past it or closed; flow starts and
 * final records count the flows open at once in the merged order; a
 * producer may publish in pieces; two producer threads at once give the
 * same merged stream every time.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "reorder.h"

struct collected {
    char text[1 << 16];
    size_t len;
};

static void collect(void *ctx, const char *bytes, size_t len)
{
    struct collected *c = ctx;
    ck_assert_uint_lt(c->len + len, sizeof(c->text));
    memcpy(c->text + c->len, bytes, len);
    c->len += len;
    c->text[c->len] = '\0';
}

static struct tv_order at(uint64_t pkt)
{
    return (struct tv_order){.ts_us = (int64_t)pkt * 10, .pkt = pkt, .phase = TV_ORDER_REUSE};
}

static void put(struct reorder *r, size_t lane, uint64_t pkt, enum reorder_kind kind)
{
    char line[32];
    int n = snprintf(line, sizeof(line), "%zu:%llu ", lane, (unsigned long long)pkt);
    struct tv_order key = at(pkt);
    ck_assert(reorder_put(r, lane, &key, kind, line, kind == REORDER_START ? 0 : (size_t)n, false));
}

START_TEST(test_records_come_out_in_key_order_once_every_lane_is_past_them)
{
    struct reorder *r = reorder_create(2, 1 << 20);
    struct collected out = {0};
    put(r, 0, 1, REORDER_FLOW);
    put(r, 0, 5, REORDER_FLOW);
    struct tv_order m = at(5);
    reorder_mark(r, 0, &m, false);
    /* Lane 1 has said nothing: it could still put packet 1's record. */
    ck_assert_uint_eq(reorder_drain(r, collect, &out), 0);
    put(r, 1, 3, REORDER_FLOW);
    m = at(4);
    reorder_mark(r, 1, &m, false);
    reorder_drain(r, collect, &out);
    ck_assert_str_eq(out.text, "0:1 1:3 ");
    /* 5 waits: lane 1 is only past 4. */
    ck_assert(!reorder_is_done(r));
    reorder_close(r, 1);
    reorder_drain(r, collect, &out);
    ck_assert_str_eq(out.text, "0:1 1:3 0:5 ");
    reorder_close(r, 0);
    ck_assert(reorder_is_done(r));
    reorder_destroy(r);
}
END_TEST

START_TEST(test_flows_open_at_once_are_counted_in_the_merged_order)
{
    struct reorder *r = reorder_create(2, 1 << 20);
    struct collected out = {0};
    /* Lane 0: flow a from 1 to 6; lane 1: flow b from 2 to 3, c from 4 to 8. */
    put(r, 0, 1, REORDER_START);
    put(r, 0, 6, REORDER_FLOW);
    put(r, 1, 2, REORDER_START);
    put(r, 1, 3, REORDER_FLOW);
    put(r, 1, 4, REORDER_START);
    put(r, 1, 5, REORDER_INTERIM);
    put(r, 1, 8, REORDER_FLOW);
    reorder_close(r, 0);
    reorder_close(r, 1);
    reorder_drain(r, collect, &out);
    ck_assert_str_eq(out.text, "1:3 1:5 0:6 1:8 ");
    ck_assert_uint_eq(reorder_max_flows(r), 2);
    reorder_destroy(r);
}
END_TEST

static void count_bytes(void *ctx, const char *bytes, size_t len)
{
    (void)bytes;
    *(size_t *)ctx += len;
}

START_TEST(test_a_lane_may_publish_in_pieces)
{
    struct reorder *r = reorder_create(2, 1 << 30);
    static char big[40000];
    memset(big, 'x', sizeof(big));
    for (uint64_t p = 1; p <= 4; p++) {
        struct tv_order key = at(p * 2);
        ck_assert(reorder_put(r, 0, &key, REORDER_FLOW, big, sizeof(big), false));
    }
    /* Past the publishing threshold the records so far are the merger's,
     * marked by the last one's key, before any mark: with lane 1 closed,
     * they come out. */
    reorder_close(r, 1);
    size_t written = 0;
    ck_assert_uint_eq(reorder_drain(r, count_bytes, &written), 4);
    ck_assert_uint_eq(written, 4 * sizeof(big));
    reorder_close(r, 0);
    ck_assert(reorder_is_done(r));
    reorder_destroy(r);
}
END_TEST

struct producer {
    struct reorder *r;
    size_t lane;
};

/* Lane i puts the packets p with p % 3 == i, marking after every tenth. */
static void *produce(void *arg)
{
    struct producer *p = arg;
    for (uint64_t n = 1; n <= 3000; n++) {
        if (n % 3 == p->lane) {
            char line[32];
            int len = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)n);
            struct tv_order key = at(n);
            ck_assert(reorder_put(p->r, p->lane, &key, REORDER_FLOW, line, (size_t)len, true));
        }
        if (n % 10 == 0) {
            struct tv_order mark = at(n);
            mark.phase = UINT8_MAX;
            reorder_mark(p->r, p->lane, &mark, true);
        }
    }
    reorder_close(p->r, p->lane);
    return NULL;
}

START_TEST(test_three_producer_threads_merge_into_one_order)
{
    static struct collected out;
    memset(&out, 0, sizeof(out));
    /* A small cap: producers wait for the merger now and then. */
    struct reorder *r = reorder_create(3, 256);
    pthread_t threads[3];
    struct producer producers[3];
    for (size_t i = 0; i < 3; i++) {
        producers[i] = (struct producer){r, i};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, produce, &producers[i]), 0);
    }
    while (!reorder_is_done(r))
        reorder_drain(r, collect, &out);
    for (size_t i = 0; i < 3; i++)
        pthread_join(threads[i], NULL);
    reorder_drain(r, collect, &out);
    char expected[1 << 16];
    size_t len = 0;
    for (unsigned n = 1; n <= 3000; n++)
        len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%u\n", n);
    ck_assert_str_eq(out.text, expected);
    reorder_destroy(r);
}
END_TEST

static Suite *reorder_suite(void)
{
    Suite *s = suite_create("reorder");
    TCase *tc = tcase_create("reorder");
    tcase_add_test(tc, test_records_come_out_in_key_order_once_every_lane_is_past_them);
    tcase_add_test(tc, test_flows_open_at_once_are_counted_in_the_merged_order);
    tcase_add_test(tc, test_a_lane_may_publish_in_pieces);
    tcase_add_test(tc, test_three_producer_threads_merge_into_one_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(reorder_suite());
}
