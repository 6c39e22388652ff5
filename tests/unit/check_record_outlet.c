/*
 * Outlet tests, against a scripted transport that records what reached
 * it: every record arrives once and in order; a connection broken mid
 * batch resends from the first unconfirmed record and counts the resends;
 * a destination down at first gets the records once it is up; a full
 * spool drops and counts; a refusal stops the sender and counts what was
 * left; an unsendable record is dropped alone; the wait at the end is
 * bounded; a reopen reconnects, and so does a change of the count it
 * watches (a SIGHUP handler's).
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "record_outlet.h"

#define FAKE_CAP 4096

/* What the sender thread does to it is read by the test under lock. */
struct fake {
    pthread_mutex_t lock;
    int connects;
    int connect_failures_left; /* OUTLET_RETRY this many times first */
    bool is_refusing;          /* connect() says OUTLET_FATAL */
    int break_after;           /* send: fail after confirming this many, once; -1 never */
    const char *unsendable;    /* the record with this id is too long */
    int disconnects;
    int delivered_count;
    char delivered[FAKE_CAP][16];
};

static struct fake *fake_new(void)
{
    struct fake *f = calloc(1, sizeof(*f));
    ck_assert_ptr_nonnull(f);
    pthread_mutex_init(&f->lock, NULL);
    f->break_after = -1;
    return f;
}

static enum outlet_result fake_connect(void *ctx, char *err, size_t err_len)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    enum outlet_result r = OUTLET_OK;
    if (f->is_refusing) {
        snprintf(err, err_len, "refused");
        r = OUTLET_FATAL;
    } else if (f->connect_failures_left > 0) {
        f->connect_failures_left--;
        snprintf(err, err_len, "down");
        r = OUTLET_RETRY;
    } else {
        f->connects++;
    }
    pthread_mutex_unlock(&f->lock);
    return r;
}

static enum outlet_result fake_send(void *ctx, struct outlet_record *const *recs, size_t n,
                                    size_t *confirmed, char *err, size_t err_len)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    enum outlet_result r = OUTLET_OK;
    size_t i = 0;
    for (; i < n; i++) {
        if (f->break_after == 0) {
            f->break_after = -1;
            snprintf(err, err_len, "broken");
            r = OUTLET_RETRY;
            break;
        }
        if (f->unsendable != NULL && strcmp(recs[i]->id, f->unsendable) == 0) {
            snprintf(err, err_len, "too long");
            r = OUTLET_UNSENDABLE;
            break;
        }
        if (f->break_after > 0)
            f->break_after--;
        ck_assert_int_lt(f->delivered_count, FAKE_CAP);
        snprintf(f->delivered[f->delivered_count++], sizeof(f->delivered[0]), "%s", recs[i]->id);
    }
    *confirmed = i;
    pthread_mutex_unlock(&f->lock);
    return r;
}

static void fake_disconnect(void *ctx)
{
    struct fake *f = ctx;
    pthread_mutex_lock(&f->lock);
    f->disconnects++;
    pthread_mutex_unlock(&f->lock);
}

static void fake_destroy(void *ctx)
{
    (void)ctx; /* the test frees it, after reading it */
}

static const struct outlet_transport fake_transport = {
    .name = "fake",
    .connect = fake_connect,
    .send = fake_send,
    .disconnect = fake_disconnect,
    .destroy = fake_destroy,
};

static void put_records(struct record_outlet *o, int first, int count)
{
    for (int i = first; i < first + count; i++) {
        char id[16];
        char json[32];
        snprintf(id, sizeof(id), "r%d", i);
        int len = snprintf(json, sizeof(json), "{\"n\":%d}", i);
        record_outlet_put(o, "flow", id, "s1", json, (size_t)len, 0, 1);
    }
}

/* Each of first..first+count-1 exactly once, in order, and nothing else. */
static void assert_delivered_in_order(struct fake *f, int first, int count)
{
    pthread_mutex_lock(&f->lock);
    ck_assert_int_eq(f->delivered_count, count);
    for (int i = 0; i < count; i++) {
        char id[16];
        snprintf(id, sizeof(id), "r%d", first + i);
        ck_assert_str_eq(f->delivered[i], id);
    }
    pthread_mutex_unlock(&f->lock);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

START_TEST(test_every_record_arrives_once_in_order)
{
    struct fake *f = fake_new();
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    ck_assert_ptr_nonnull(o);
    put_records(o, 0, 1000); /* several batches */
    record_outlet_finish(o, 5000);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.queued, 1000);
    ck_assert_uint_eq(c.sent, 1000);
    ck_assert_uint_eq(c.retried + c.dropped_full + c.unsent + c.dropped_fatal + c.unsendable, 0);
    ck_assert_uint_eq(c.connects, 1);
    assert_delivered_in_order(f, 0, 1000);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_a_broken_batch_resends_from_the_first_unconfirmed)
{
    struct fake *f = fake_new();
    f->break_after = 3;
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    put_records(o, 0, 10);
    record_outlet_finish(o, 5000);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.sent, 10);
    ck_assert_uint_gt(c.retried, 0); /* the records after the break went again */
    ck_assert_uint_le(c.retried, 7);
    ck_assert_uint_eq(c.connects, 2);
    ck_assert_str_eq(c.last_error, "broken");
    assert_delivered_in_order(f, 0, 10);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_records_wait_for_a_destination_that_is_down_at_first)
{
    struct fake *f = fake_new();
    f->connect_failures_left = 2; /* 100 ms, then 200 ms of backoff */
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    put_records(o, 0, 5);
    record_outlet_finish(o, 5000);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.sent, 5);
    ck_assert_uint_eq(c.spooled, 5);
    ck_assert_str_eq(c.last_error, "down");
    assert_delivered_in_order(f, 0, 5);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_a_full_spool_drops_and_counts)
{
    struct fake *f = fake_new();
    f->connect_failures_left = 1000000; /* never up */
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 4096);
    put_records(o, 0, 200);
    record_outlet_finish(o, 50);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.queued, 200);
    ck_assert_uint_gt(c.dropped_full, 0);
    ck_assert_uint_eq(c.sent, 0);
    ck_assert_uint_eq(c.dropped_full + c.unsent, 200);
    ck_assert_uint_le(c.spool_peak_bytes, 4096);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_a_refusal_stops_the_sender_and_counts_the_rest)
{
    struct fake *f = fake_new();
    f->is_refusing = true;
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    put_records(o, 0, 20);
    record_outlet_finish(o, 5000);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert(c.is_fatal);
    ck_assert_str_eq(c.last_error, "refused");
    ck_assert_uint_eq(c.sent, 0);
    ck_assert_uint_eq(c.dropped_fatal, 20);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_an_unsendable_record_is_dropped_alone)
{
    struct fake *f = fake_new();
    f->unsendable = "r4";
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    put_records(o, 0, 10);
    record_outlet_finish(o, 5000);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.sent, 9);
    ck_assert_uint_eq(c.unsendable, 1);
    ck_assert_uint_eq(c.connects, 1);
    pthread_mutex_lock(&f->lock);
    ck_assert_int_eq(f->delivered_count, 9);
    ck_assert_str_eq(f->delivered[3], "r3");
    ck_assert_str_eq(f->delivered[4], "r5");
    pthread_mutex_unlock(&f->lock);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_the_wait_at_the_end_is_bounded)
{
    struct fake *f = fake_new();
    f->connect_failures_left = 1000000;
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    put_records(o, 0, 3);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    record_outlet_finish(o, 300);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert(took_s >= 0.25);
    ck_assert(took_s < 3.0);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.unsent, 3);
    record_outlet_put(o, "flow", "late", "s1", "{}", 2, 0, 1); /* after the end: counted */
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.unsent, 4);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_a_reopen_reconnects)
{
    struct fake *f = fake_new();
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    put_records(o, 0, 3);
    record_outlet_drain(o, 5000);
    record_outlet_reopen(o);
    for (int i = 0; i < 200; i++) { /* up to 2 s */
        pthread_mutex_lock(&f->lock);
        bool is_back = f->connects == 2;
        pthread_mutex_unlock(&f->lock);
        if (is_back)
            break;
        sleep_ms(10);
    }
    put_records(o, 3, 3);
    record_outlet_finish(o, 5000);
    struct outlet_counts c;
    record_outlet_counts(o, &c);
    ck_assert_uint_eq(c.connects, 2);
    ck_assert_uint_eq(c.sent, 6);
    pthread_mutex_lock(&f->lock);
    ck_assert_int_ge(f->disconnects, 1);
    pthread_mutex_unlock(&f->lock);
    assert_delivered_in_order(f, 0, 6);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

START_TEST(test_a_change_of_the_watched_count_reconnects)
{
    struct fake *f = fake_new();
    static atomic_uint count;
    struct record_outlet *o = record_outlet_create(&fake_transport, f, "fake", 1 << 20);
    record_outlet_watch(o, &count);
    put_records(o, 0, 2);
    record_outlet_drain(o, 5000);
    atomic_fetch_add(&count, 1); /* as a SIGHUP handler does: no signal to the sender */
    bool is_back = false;
    for (int i = 0; i < 300 && !is_back; i++) { /* up to 3 s; the sender looks twice a second */
        pthread_mutex_lock(&f->lock);
        is_back = f->connects == 2;
        pthread_mutex_unlock(&f->lock);
        if (!is_back)
            sleep_ms(10);
    }
    ck_assert(is_back);
    record_outlet_destroy(o);
    free(f);
}
END_TEST

static Suite *record_outlet_suite(void)
{
    Suite *s = suite_create("record_outlet");
    TCase *tc = tcase_create("record_outlet");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_every_record_arrives_once_in_order);
    tcase_add_test(tc, test_a_broken_batch_resends_from_the_first_unconfirmed);
    tcase_add_test(tc, test_records_wait_for_a_destination_that_is_down_at_first);
    tcase_add_test(tc, test_a_full_spool_drops_and_counts);
    tcase_add_test(tc, test_a_refusal_stops_the_sender_and_counts_the_rest);
    tcase_add_test(tc, test_an_unsendable_record_is_dropped_alone);
    tcase_add_test(tc, test_the_wait_at_the_end_is_bounded);
    tcase_add_test(tc, test_a_reopen_reconnects);
    tcase_add_test(tc, test_a_change_of_the_watched_count_reconnects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(record_outlet_suite());
}
