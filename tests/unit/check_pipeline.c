/*
 * Pipeline tests: both directions of a flow meet on one worker, packet
 * numbers are global, every flow gets its verdict at the end, the workers'
 * counters add up, and the records written are those of one analyzer,
 * in its order, whatever the number of workers, also when the flow table
 * is full and flows are evicted.
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "packet_builder.h"
#include "pipeline.h"

#define FLOW_COUNT   200
#define RECORD_CAP   (FLOW_COUNT * 2)
#define WORKER_COUNT 4

/* What a worker's verdict callback saw: private to that worker. */
struct seen {
    uint64_t flow_ids[RECORD_CAP];
    uint64_t orig_pkts[RECORD_CAP];
    uint64_t resp_pkts[RECORD_CAP];
    size_t count;
};

static size_t on_verdict(const struct tv_verdict *v, void *ctx, const char **bytes)
{
    struct seen *s = ctx;
    (void)bytes;
    if (s->count < RECORD_CAP) {
        s->flow_ids[s->count] = v->flow_id;
        s->orig_pkts[s->count] = v->orig.pkts;
        s->resp_pkts[s->count] = v->resp.pkts;
    }
    s->count++;
    return 0;
}

static void write_nothing(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    (void)len;
}

static void send_segment(struct pipeline *pl, int64_t ts_us, const struct pb_tcp *t)
{
    uint8_t frame[256];
    size_t len = pb_build(t, frame, sizeof(frame));
    ck_assert_uint_gt(len, 0);
    struct tv_packet p = {
        .linktype = LINK_ETHERNET,
        .ts_us = ts_us,
        .data = frame,
        .caplen = (uint32_t)len,
        .wirelen = (uint32_t)len,
    };
    pipeline_packet(pl, &p);
}

/* A pipeline of worker_count workers reporting into seen[]. */
static struct pipeline *make_pipeline(size_t worker_count, bool is_live, struct seen *seen)
{
    static struct tv_config cfg;
    tv_config_default(&cfg);
    void *ctx[PIPELINE_WORKER_CAP];
    for (size_t i = 0; i < worker_count; i++)
        ctx[i] = &seen[i];
    struct pipeline_options opt = {
        .worker_count = worker_count,
        .slot_count = 64,
        .data_cap = 256,
        .is_live = is_live,
        .config = &cfg,
        .format = on_verdict,
        .format_ctx = ctx,
        .write = write_nothing,
    };
    enum pipeline_status status;
    struct pipeline *pl = pipeline_create(&opt, &status);
    ck_assert_ptr_nonnull(pl);
    return pl;
}

/* FLOW_COUNT refused connections: a SYN out, a RST/ACK back. */
static void run_flows(size_t worker_count, struct seen *seen, struct tv_stats *st)
{
    struct pipeline *pl = make_pipeline(worker_count, false, seen);
    ck_assert_int_eq(pipeline_start(pl), PIPELINE_OK);
    int64_t ts = 1700000000000000;
    for (int i = 0; i < FLOW_COUNT; i++) {
        uint16_t port = (uint16_t)(40000 + i);
        struct pb_tcp syn = {.src = "10.0.0.1",
                             .dst = "10.0.0.2",
                             .sport = port,
                             .dport = 6050,
                             .seq = 1000,
                             .flags = TCP_FLAG_SYN,
                             .wscale = -1};
        struct pb_tcp rst = {.src = "10.0.0.2",
                             .dst = "10.0.0.1",
                             .sport = 6050,
                             .dport = port,
                             .ack = 1001,
                             .flags = TCP_FLAG_RST | TCP_FLAG_ACK,
                             .wscale = -1};
        send_segment(pl, ts + i * 1000, &syn);
        send_segment(pl, ts + i * 1000 + 100, &rst);
    }
    pipeline_flush(pl);
    pipeline_finish(pl);
    uint64_t *anomaly_flows = calloc(tv_anomaly_code_count(), sizeof(*anomaly_flows));
    pipeline_totals(pl, st, anomaly_flows);
    struct pipeline_stats ps;
    pipeline_stats(pl, &ps);
    ck_assert_uint_eq(ps.packets, 2 * FLOW_COUNT);
    ck_assert_uint_eq(ps.ring_drops, 0);
    ck_assert_uint_eq(ps.backlog, 0);
    free(anomaly_flows);
    pipeline_destroy(pl);
}

/* Packets whose bytes stay valid (a mapped file) go to the workers by
 * reference, with their sum computed on the capture side: the workers'
 * checksum verdicts must be those of copied packets. Every third segment
 * carries a wrong checksum, every fifth odd-length payload. */
static void run_checksums(bool is_data_stable, struct tv_stats *st)
{
    enum { SEGMENT_COUNT = 300 };
    static uint8_t frames[SEGMENT_COUNT][256];
    static struct seen seen[2];
    memset(seen, 0, sizeof(seen));
    struct pipeline *pl = make_pipeline(2, false, seen);
    ck_assert_int_eq(pipeline_start(pl), PIPELINE_OK);
    for (int i = 0; i < SEGMENT_COUNT; i++) {
        struct pb_tcp t = {.src = i % 2 ? "10.0.0.1" : "2001:db8::1",
                           .dst = i % 2 ? "10.0.0.2" : "2001:db8::2",
                           .sport = (uint16_t)(40000 + i % 7),
                           .dport = 445,
                           .seq = 1000u + (uint32_t)i * 100u,
                           .ack = 1,
                           .flags = TCP_FLAG_ACK,
                           .payload_len = (uint32_t)(i % 5 == 0 ? 33 : 64),
                           .bad_checksum = i % 3 == 0,
                           .vlan = (uint16_t)(i % 4 == 0 ? 7 : 0),
                           .wscale = -1};
        size_t len = pb_build(&t, frames[i], sizeof(frames[i]));
        ck_assert_uint_gt(len, 0);
        struct tv_packet p = {
            .linktype = LINK_ETHERNET,
            .ts_us = 1700000000000000 + i,
            .data = frames[i],
            .caplen = (uint32_t)len,
            .wirelen = (uint32_t)len,
            .is_data_stable = is_data_stable,
        };
        pipeline_packet(pl, &p);
    }
    pipeline_flush(pl);
    pipeline_finish(pl);
    uint64_t *anomaly_flows = calloc(tv_anomaly_code_count(), sizeof(*anomaly_flows));
    pipeline_totals(pl, st, anomaly_flows);
    free(anomaly_flows);
    pipeline_destroy(pl);
    ck_assert_uint_eq(st->tcp_packets, SEGMENT_COUNT);
    ck_assert_uint_eq(st->tcp_checksum_bad, SEGMENT_COUNT / 3);
}

START_TEST(test_stable_packets_are_summed_on_the_capture_side)
{
    struct tv_stats copied;
    struct tv_stats in_place;
    run_checksums(false, &copied);
    run_checksums(true, &in_place);
    ck_assert_uint_eq(in_place.tcp_checksum_bad, copied.tcp_checksum_bad);
    ck_assert_uint_eq(in_place.tcp_checksum_unverified, copied.tcp_checksum_unverified);
    ck_assert_uint_eq(in_place.tcp_checksum_unverified, 0);
}
END_TEST

START_TEST(test_both_directions_meet_on_one_worker)
{
    static struct seen seen[WORKER_COUNT];
    memset(seen, 0, sizeof(seen));
    struct tv_stats st;
    run_flows(WORKER_COUNT, seen, &st);
    size_t total = 0;
    size_t busy_workers = 0;
    for (size_t w = 0; w < WORKER_COUNT; w++) {
        total += seen[w].count;
        busy_workers += seen[w].count != 0;
        /* A flow split between workers would show as two one-sided flows. */
        for (size_t i = 0; i < seen[w].count; i++) {
            ck_assert_uint_eq(seen[w].orig_pkts[i], 1);
            ck_assert_uint_eq(seen[w].resp_pkts[i], 1);
        }
    }
    ck_assert_uint_eq(total, FLOW_COUNT);
    ck_assert_uint_gt(busy_workers, 1);
    ck_assert_uint_eq(st.flows, FLOW_COUNT);
    ck_assert_uint_eq(st.packets, 2 * FLOW_COUNT);
    ck_assert_uint_eq(st.flows_by_end[TV_END_REFUSED], FLOW_COUNT);
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

START_TEST(test_flow_ids_are_global_packet_numbers)
{
    static struct seen one[1];
    static struct seen many[WORKER_COUNT];
    memset(one, 0, sizeof(one));
    memset(many, 0, sizeof(many));
    struct tv_stats st;
    run_flows(1, one, &st);
    run_flows(WORKER_COUNT, many, &st);

    uint64_t ids[FLOW_COUNT];
    size_t n = 0;
    for (size_t w = 0; w < WORKER_COUNT; w++)
        for (size_t i = 0; i < many[w].count && n < FLOW_COUNT; i++)
            ids[n++] = many[w].flow_ids[i];
    ck_assert_uint_eq(n, FLOW_COUNT);
    qsort(ids, n, sizeof(ids[0]), cmp_u64);
    qsort(one[0].flow_ids, one[0].count, sizeof(ids[0]), cmp_u64);
    /* Flow i starts at packet 2i+1, whichever worker tracked it. */
    for (size_t i = 0; i < FLOW_COUNT; i++) {
        ck_assert_uint_eq(ids[i], 2 * i + 1);
        ck_assert_uint_eq(one[0].flow_ids[i], 2 * i + 1);
    }
}
END_TEST

START_TEST(test_open_flows_end_at_finish)
{
    static struct seen seen[2];
    memset(seen, 0, sizeof(seen));
    struct pipeline *pl = make_pipeline(2, true, seen);
    ck_assert_int_eq(pipeline_start(pl), PIPELINE_OK);
    for (int i = 0; i < 10; i++) {
        struct pb_tcp ack = {.src = "10.0.0.1",
                             .dst = "10.0.0.2",
                             .sport = (uint16_t)(1024 + i),
                             .dport = 80,
                             .seq = 5,
                             .ack = 7,
                             .flags = TCP_FLAG_ACK,
                             .wscale = -1};
        send_segment(pl, 1700000000000000 + i, &ack);
    }
    pipeline_flush(pl);
    pipeline_finish(pl);
    ck_assert_uint_eq(seen[0].count + seen[1].count, 10);
    struct tv_stats st;
    uint64_t *anomaly_flows = calloc(tv_anomaly_code_count(), sizeof(*anomaly_flows));
    pipeline_totals(pl, &st, anomaly_flows);
    ck_assert_uint_eq(st.flows_by_end[TV_END_OPEN], 10);
    free(anomaly_flows);
    pipeline_destroy(pl);
}
END_TEST

START_TEST(test_full_live_ring_counts_drops)
{
    static struct seen seen[1];
    memset(seen, 0, sizeof(seen));
    struct pipeline *pl = make_pipeline(1, true, seen);
    /* Workers not started: nothing drains, so the ring fills. */
    for (int i = 0; i < 100; i++) {
        struct pb_tcp syn = {.src = "10.0.0.1",
                             .dst = "10.0.0.2",
                             .sport = (uint16_t)(1024 + i),
                             .dport = 80,
                             .seq = 5,
                             .flags = TCP_FLAG_SYN,
                             .wscale = -1};
        send_segment(pl, 1700000000000000 + i, &syn);
    }
    struct pipeline_stats ps;
    pipeline_stats(pl, &ps);
    ck_assert_uint_eq(ps.ring_drops, 100 - 64);
    ck_assert_uint_eq(ps.packets, 64);
    pipeline_destroy(pl);
}
END_TEST

/* Records as text, one line each, and the stream they were written to. */
struct line_out {
    char line[160];
};

struct stream {
    pthread_mutex_t lock; /* unordered pipelines write from every worker */
    char *text;
    size_t len;
    size_t cap;
};

static size_t format_line(const struct tv_verdict *v, void *ctx, const char **bytes)
{
    struct line_out *out = ctx;
    int n = snprintf(out->line, sizeof(out->line),
                     "%" PRIu64 " %s %s %" PRIu64 "/%" PRIu64 " %" PRId64 "%s\n", v->flow_id,
                     tv_end_name(v->end), tv_level_name(v->level), v->orig.pkts, v->resp.pkts,
                     v->last_us, v->interim ? " interim" : "");
    *bytes = out->line;
    return n > 0 ? (size_t)n : 0;
}

static void write_line(void *ctx, const char *bytes, size_t len)
{
    struct stream *st = ctx;
    pthread_mutex_lock(&st->lock);
    if (st->len + len + 1 > st->cap) {
        st->cap = (st->len + len + 1) * 2;
        st->text = realloc(st->text, st->cap);
        ck_assert_ptr_nonnull(st->text);
    }
    memcpy(st->text + st->len, bytes, len);
    st->len += len;
    st->text[st->len] = '\0';
    pthread_mutex_unlock(&st->lock);
}

/*
 * A mixed input, the same for any number of workers: connections that
 * close, are refused, stay open, go quiet long enough to time out, and
 * SYNs nobody answers, with many packets sharing a timestamp (time
 * that stands still or runs back), so that ties decide the order.
 */
static void send_mixed(struct pipeline *pl, int flow_count)
{
    int64_t t0 = 1700000000000000;
    for (int i = 0; i < flow_count; i++) {
        uint16_t port = (uint16_t)(20000 + i);
        int64_t ts = t0 + (int64_t)(i / 3) * 1000000; /* three flows a second */
        struct pb_tcp syn = {.src = "10.0.0.1",
                             .dst = "10.0.0.2",
                             .sport = port,
                             .dport = (uint16_t)(i % 2 ? 8530 : 6050),
                             .seq = 1000,
                             .flags = TCP_FLAG_SYN,
                             .wscale = -1};
        send_segment(pl, ts, &syn);
        if (i % 5 == 4)
            continue; /* unanswered */
        if (i % 5 == 3) {
            struct pb_tcp rst = {.src = "10.0.0.2",
                                 .dst = "10.0.0.1",
                                 .sport = syn.dport,
                                 .dport = port,
                                 .ack = 1001,
                                 .flags = TCP_FLAG_RST | TCP_FLAG_ACK,
                                 .wscale = -1};
            send_segment(pl, ts, &rst);
            continue;
        }
        struct pb_tcp synack = {.src = "10.0.0.2",
                                .dst = "10.0.0.1",
                                .sport = syn.dport,
                                .dport = port,
                                .seq = 5000,
                                .ack = 1001,
                                .flags = TCP_FLAG_SYN | TCP_FLAG_ACK,
                                .wscale = -1};
        struct pb_tcp ack = {.src = "10.0.0.1",
                             .dst = "10.0.0.2",
                             .sport = port,
                             .dport = syn.dport,
                             .seq = 1001,
                             .ack = 5001,
                             .flags = TCP_FLAG_ACK,
                             .wscale = -1};
        send_segment(pl, ts + 100, &synack);
        /* Time that runs back is clamped: the same time again. */
        send_segment(pl, ts - 5000000, &ack);
        if (i % 5 == 0) {
            struct pb_tcp fin = ack;
            fin.flags = TCP_FLAG_FIN | TCP_FLAG_ACK;
            struct pb_tcp fin2 = synack;
            fin2.flags = TCP_FLAG_FIN | TCP_FLAG_ACK;
            fin2.seq = 5001;
            fin2.ack = 1002;
            send_segment(pl, ts + 200, &fin);
            send_segment(pl, ts + 200, &fin2);
        }
    }
}

/* The records a pipeline of worker_count workers writes for send_mixed(). */
static char *run_mixed(size_t worker_count, const struct tv_config *cfg, int flow_count,
                       struct tv_stats *st)
{
    static struct line_out outs[PIPELINE_WORKER_CAP];
    void *ctx[PIPELINE_WORKER_CAP];
    for (size_t i = 0; i < worker_count; i++)
        ctx[i] = &outs[i];
    struct stream stream = {.lock = PTHREAD_MUTEX_INITIALIZER};
    struct pipeline_options opt = {
        .worker_count = worker_count,
        .slot_count = 64,
        .data_cap = 256,
        .config = cfg,
        .format = format_line,
        .format_ctx = ctx,
        .write = write_line,
        .write_ctx = &stream,
    };
    enum pipeline_status status;
    struct pipeline *pl = pipeline_create(&opt, &status);
    ck_assert_ptr_nonnull(pl);
    ck_assert_int_eq(pipeline_start(pl), PIPELINE_OK);
    send_mixed(pl, flow_count);
    pipeline_flush(pl);
    pipeline_finish(pl);
    uint64_t *anomaly_flows = calloc(tv_anomaly_code_count(), sizeof(*anomaly_flows));
    pipeline_totals(pl, st, anomaly_flows);
    free(anomaly_flows);
    pipeline_destroy(pl);
    ck_assert_ptr_nonnull(stream.text);
    return stream.text;
}

/* -j 1 to -j 4, twice each: the same bytes, and the same counts. */
static void check_same_as_one(const struct tv_config *cfg, int flow_count, uint64_t *evictions)
{
    struct tv_stats one;
    char *expected = run_mixed(1, cfg, flow_count, &one);
    for (size_t n = 2; n <= WORKER_COUNT; n++)
        for (int run = 0; run < 2; run++) {
            struct tv_stats st;
            char *got = run_mixed(n, cfg, flow_count, &st);
            ck_assert_str_eq(got, expected);
            ck_assert_uint_eq(st.flows, one.flows);
            ck_assert_uint_eq(st.evictions, one.evictions);
            ck_assert_uint_eq(st.refused_flows, one.refused_flows);
            ck_assert_uint_eq(st.max_concurrent_flows, one.max_concurrent_flows);
            free(got);
        }
    *evictions = one.evictions;
    free(expected);
}

START_TEST(test_workers_write_the_records_of_one_in_its_order)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.idle_timeout_us = 20 * 1000000;
    cfg.syn_timeout_us = 7 * 1000000;
    cfg.linger_us = 3 * 1000000;
    cfg.interim_us = 30 * 1000000;
    uint64_t evictions;
    check_same_as_one(&cfg, 300, &evictions);
    ck_assert_uint_eq(evictions, 0);
}
END_TEST

START_TEST(test_a_full_table_evicts_what_one_worker_would)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.max_flows = 40;
    uint64_t evictions;
    check_same_as_one(&cfg, 600, &evictions);
    ck_assert_uint_gt(evictions, 100);
}
END_TEST

START_TEST(test_a_full_table_without_eviction_refuses_what_one_worker_would)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.max_flows = 40;
    cfg.evict_when_full = false;
    cfg.syn_timeout_us = 20 * 1000000;
    cfg.linger_us = 2 * 1000000;
    uint64_t evictions;
    check_same_as_one(&cfg, 600, &evictions);
    ck_assert_uint_eq(evictions, 0);
}
END_TEST

static Suite *pipeline_suite(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("pipeline");
    tcase_add_test(tc, test_both_directions_meet_on_one_worker);
    tcase_add_test(tc, test_stable_packets_are_summed_on_the_capture_side);
    tcase_add_test(tc, test_flow_ids_are_global_packet_numbers);
    tcase_add_test(tc, test_open_flows_end_at_finish);
    tcase_add_test(tc, test_full_live_ring_counts_drops);
    tcase_add_test(tc, test_workers_write_the_records_of_one_in_its_order);
    tcase_add_test(tc, test_a_full_table_evicts_what_one_worker_would);
    tcase_add_test(tc, test_a_full_table_without_eviction_refuses_what_one_worker_would);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(pipeline_suite());
}
