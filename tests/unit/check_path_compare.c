/*
 * Matcher tests: one flow built by hand at two capture points, the second
 * with its clock an hour ahead and the originator's sequence numbers
 * shifted (a firewall that randomises ISNs), one router between them. A
 * clean transfer has no drops; a segment lost between the points and
 * retransmitted is one drop, its retransmission none; a RST only the
 * farther point saw was injected.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "decode.h"
#include "path_compare.h"

#define HOUR_US   3600000000LL
#define ISN_SHIFT 1000u
#define DELAY_US  5000

struct point {
    struct flow_packets fp;
    struct flow_pics flow;
    struct flow_pkt pkts[64];
};

static void point_init(struct point *pt)
{
    memset(pt, 0, sizeof(*pt));
    struct tv_verdict *v = &pt->flow.verdict;
    v->flow_id = 1;
    v->orig.family = v->resp.family = 4;
    memcpy(v->orig.addr, (uint8_t[]){10, 0, 0, 1}, 4);
    memcpy(v->resp.addr, (uint8_t[]){10, 0, 0, 2}, 4);
    v->orig.port = 40000;
    v->resp.port = 8530;
    pt->flow.pkts = pt->pkts;
    pt->fp.flows = &pt->flow;
    pt->fp.flow_count = 1;
}

/* One segment: at the first point at t_us, at the second (if reached)
 * DELAY_US later on a clock an hour ahead, one TTL lower. From orig, the
 * first point is nearer the sender; from resp, the second. */
static void send_seg(struct point *a, struct point *b, bool from_orig, int64_t t_us, uint32_t seq,
                     uint32_t ack, uint8_t flags, uint32_t len, uint16_t ip_id, bool reaches)
{
    struct flow_pkt p = {.ts_us = t_us,
                         .seq = seq,
                         .ack = ack,
                         .payload_len = len,
                         .flags = flags,
                         .from_orig = from_orig,
                         .ip_id = ip_id,
                         .ttl = 64,
                         .window = 500,
                         .wscale = -1};
    struct point *near_pt = from_orig ? a : b, *far_pt = from_orig ? b : a;
    struct flow_pkt at_far = p;
    at_far.ttl = 63;
    /* Times: the second point's clock is an hour ahead. */
    int64_t t_near = t_us, t_far = t_us + DELAY_US;
    p.ts_us = near_pt == b ? t_near + HOUR_US : t_near;
    at_far.ts_us = far_pt == b ? t_far + HOUR_US : t_far;
    /* The second point sees orig's numbers shifted. */
    struct flow_pkt *at_b = near_pt == b ? &p : &at_far;
    if (from_orig)
        at_b->seq += ISN_SHIFT;
    else
        at_b->ack += ISN_SHIFT;
    p.number = near_pt->flow.pkt_count + 1;
    near_pt->pkts[near_pt->flow.pkt_count++] = p;
    if (reaches) {
        at_far.number = far_pt->flow.pkt_count + 1;
        far_pt->pkts[far_pt->flow.pkt_count++] = at_far;
    }
}

/* Handshake, five 1000-byte segments from orig (lost[i]: the i-th never
 * reaches the second point; it is retransmitted 300 ms later), ACKs, a
 * FIN each way. */
static void transfer(struct point *a, struct point *b, const bool lost[5])
{
    point_init(a);
    point_init(b);
    uint32_t c = 100000, s = 900000;
    int64_t t = 1000000;
    uint16_t id = 1;
    send_seg(a, b, true, t, c, 0, TCP_FLAG_SYN, 0, id++, true);
    send_seg(a, b, false, t + 10000, s, c + 1, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, 7, true);
    send_seg(a, b, true, t + 20000, c + 1, s + 1, TCP_FLAG_ACK, 0, id++, true);
    for (int i = 0; i < 5; i++)
        send_seg(a, b, true, t + 30000 + i * 100, c + 1 + 1000u * (uint32_t)i, s + 1, TCP_FLAG_ACK,
                 1000, id++, !lost[i]);
    for (int i = 0; i < 5; i++)
        if (lost[i])
            send_seg(a, b, true, t + 330000 + i * 100, c + 1 + 1000u * (uint32_t)i, s + 1,
                     TCP_FLAG_ACK, 1000, id++, true);
    send_seg(a, b, false, t + 400000, s + 1, c + 5001, TCP_FLAG_ACK, 0, 8, true);
    send_seg(a, b, true, t + 500000, c + 5001, s + 1, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, id++, true);
    send_seg(a, b, false, t + 510000, s + 1, c + 5002, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, 9, true);
    send_seg(a, b, true, t + 520000, c + 5002, s + 2, TCP_FLAG_ACK, 0, id++, true);
    /* Both points capture a while longer: an end marker each. */
    a->fp.has_span = b->fp.has_span = true;
    a->fp.span_first_us = t;
    a->fp.span_last_us = t + 2000000;
    b->fp.span_first_us = t + HOUR_US;
    b->fp.span_last_us = t + HOUR_US + 2000000;
}

static void compare(struct point *a, struct point *b, struct path_compare *pc)
{
    ck_assert(path_compare_run(&a->fp, &b->fp, pc));
    ck_assert_uint_eq(pc->flows_both, 1);
}

START_TEST(test_a_clean_transfer_has_no_drops_through_clock_and_isn_offsets)
{
    static struct point a, b;
    transfer(&a, &b, (bool[5]){false});
    struct path_compare pc;
    compare(&a, &b, &pc);
    const struct tv_path *p = &pc.first[0];
    ck_assert_int_eq(p->seen_at, TV_POINT_NONE);
    ck_assert_int_eq(p->near_orig, TV_POINT_FIRST);
    ck_assert_uint_eq(p->dropped[0], 0);
    ck_assert_uint_eq(p->dropped[1], 0);
    ck_assert_uint_eq(p->injected[0], 0);
    ck_assert_uint_eq(p->injected[1], 0);
    ck_assert(p->has_seq_offset[0]);
    ck_assert_uint_eq(p->seq_offset[0], ISN_SHIFT);
    ck_assert(!p->has_seq_offset[1]);
    ck_assert_int_eq(p->hops[0], 1);
    ck_assert_int_eq(p->hops[1], 1);
    ck_assert(p->has_clock_offset);
    ck_assert(p->clock_offset_ms > 3600000.0 - 1 && p->clock_offset_ms < 3600000.0 + 1);
    ck_assert(p->delay_median_ms[0] > 4.0 && p->delay_median_ms[0] < 6.0);
    path_compare_free(&pc);
}
END_TEST

START_TEST(test_a_loss_repaired_is_one_drop)
{
    static struct point a, b;
    transfer(&a, &b, (bool[5]){false, false, true, false, false});
    struct path_compare pc;
    compare(&a, &b, &pc);
    const struct tv_path *p = &pc.first[0];
    ck_assert_uint_eq(p->dropped[0], 1);
    ck_assert_uint_eq(p->dropped[1], 0);
    ck_assert_uint_eq(p->injected[0], 0);
    ck_assert(p->dropped_first[0].has[0]);
    ck_assert(p->dropped_first[0].has[1]); /* the retransmission got through */
    path_compare_free(&pc);
}
END_TEST

START_TEST(test_a_rst_only_the_farther_point_saw_was_injected)
{
    static struct point a, b;
    transfer(&a, &b, (bool[5]){false});
    /* A RST as if from resp, at the first point only (nearer orig). */
    struct flow_pkt rst = {.ts_us = 1700000,
                           .seq = 900002,
                           .flags = TCP_FLAG_RST,
                           .ttl = 64,
                           .ip_id = 0,
                           .wscale = -1,
                           .number = a.flow.pkt_count + 1};
    a.pkts[a.flow.pkt_count++] = rst;
    struct path_compare pc;
    compare(&a, &b, &pc);
    const struct tv_path *p = &pc.first[0];
    ck_assert_uint_eq(p->injected[1], 1);
    ck_assert_uint_eq(p->injected_rst[1], 1);
    ck_assert_uint_eq(p->injected[0], 0);
    ck_assert_uint_eq(p->dropped[0], 0);
    path_compare_free(&pc);
}
END_TEST

/*
 * The same transfer, each segment placed at each point by hand, for the
 * cases where the two points see different packets of one sending: the
 * second point's clock is offset (and drifts), and may see the originator
 * translated (NAT).
 */
struct clock {
    int64_t offset_us;
    double drift_ppm; /* the second clock gains this much per second */
};

static int64_t second_clock(const struct clock *ck, int64_t t_us)
{
    return t_us + ck->offset_us + (int64_t)((double)t_us * ck->drift_ppm / 1e6);
}

static void put(struct point *pt, struct flow_pkt p)
{
    p.number = pt->flow.pkt_count + 1;
    ck_assert_uint_lt(pt->flow.pkt_count, sizeof(pt->pkts) / sizeof(pt->pkts[0]));
    pt->pkts[pt->flow.pkt_count++] = p;
}

static struct flow_pkt seg(bool from_orig, int64_t t_us, uint32_t seq, uint32_t ack, uint8_t flags,
                           uint32_t len, uint16_t ip_id, uint8_t ttl)
{
    return (struct flow_pkt){.ts_us = t_us,
                             .seq = seq,
                             .ack = ack,
                             .payload_len = len,
                             .flags = flags,
                             .from_orig = from_orig,
                             .ip_id = ip_id,
                             .ttl = ttl,
                             .window = 500,
                             .wscale = -1};
}

/* How the orig's 5000 bytes of data look at each point. */
enum data_shape {
    DATA_SAME,      /* five 1000-byte segments at both */
    DATA_TSO,       /* one 5000-byte super-segment at the first (the sender's
                       host capture), five on the wire at the second */
    DATA_GRO,       /* five at the first, joined into one at the second (the
                       receiver's host capture) */
    DATA_REORDERED, /* the second point gets the 2nd and 3rd swapped */
};

static void transfer_shaped(struct point *a, struct point *b, const struct clock *ck,
                            enum data_shape shape, bool is_nat)
{
    point_init(a);
    point_init(b);
    if (is_nat) {
        memcpy(b->flow.verdict.orig.addr, (uint8_t[]){192, 0, 2, 7}, 4);
        b->flow.verdict.orig.port = 61000;
    }
    uint32_t c = 100000, s = 900000;
    int64_t t = 1000000, d = DELAY_US;
    /* orig's packets: first point at t, second at t + d; resp's the other way. */
#define ORIG(ts, pkt_a, pkt_b)                                                                     \
    do {                                                                                           \
        struct flow_pkt x_ = (pkt_a), y_ = (pkt_b);                                                \
        x_.ts_us = (ts);                                                                           \
        y_.ts_us = second_clock(ck, (ts) + d);                                                     \
        y_.ttl = (uint8_t)(x_.ttl - 1);                                                            \
        put(a, x_);                                                                                \
        put(b, y_);                                                                                \
    } while (0)
#define RESP(ts, pkt)                                                                              \
    do {                                                                                           \
        struct flow_pkt x_ = (pkt), y_ = (pkt);                                                    \
        y_.ts_us = second_clock(ck, (ts));                                                         \
        x_.ts_us = (ts) + d;                                                                       \
        x_.ttl = (uint8_t)(y_.ttl - 1);                                                            \
        put(b, y_);                                                                                \
        put(a, x_);                                                                                \
    } while (0)
    struct flow_pkt syn = seg(true, 0, c, 0, TCP_FLAG_SYN, 0, 1, 64);
    ORIG(t, syn, syn);
    RESP(t + 10000, seg(false, 0, s, c + 1, TCP_FLAG_SYN | TCP_FLAG_ACK, 0, 7, 64));
    struct flow_pkt ack = seg(true, 0, c + 1, s + 1, TCP_FLAG_ACK, 0, 2, 64);
    ORIG(t + 20000, ack, ack);
    int64_t t_data = t + 30000;
    if (shape == DATA_TSO) {
        /* The NIC cuts the super-segment: IP IDs 3..7, as it counts them. */
        struct flow_pkt big = seg(true, t_data, c + 1, s + 1, TCP_FLAG_ACK, 5000, 3, 64);
        put(a, big);
        for (int i = 0; i < 5; i++) {
            struct flow_pkt m = seg(true, 0, c + 1 + 1000u * (uint32_t)i, s + 1, TCP_FLAG_ACK, 1000,
                                    (uint16_t)(3 + i), 63);
            m.ts_us = second_clock(ck, t_data + d + i * 10);
            put(b, m);
        }
    } else {
        for (int i = 0; i < 5; i++) {
            int j = shape == DATA_REORDERED && (i == 1 || i == 2) ? 3 - i : i;
            struct flow_pkt m = seg(true, t_data + i * 100, c + 1 + 1000u * (uint32_t)i, s + 1,
                                    TCP_FLAG_ACK, 1000, (uint16_t)(3 + i), 64);
            put(a, m);
            if (shape == DATA_GRO)
                continue;
            struct flow_pkt r = seg(true, 0, c + 1 + 1000u * (uint32_t)j, s + 1, TCP_FLAG_ACK, 1000,
                                    (uint16_t)(3 + j), 63);
            r.ts_us = second_clock(ck, t_data + i * 100 + d);
            put(b, r);
        }
        if (shape == DATA_GRO) {
            /* GRO keeps the first segment's header: its IP ID. */
            struct flow_pkt big = seg(true, 0, c + 1, s + 1, TCP_FLAG_ACK, 5000, 3, 63);
            big.ts_us = second_clock(ck, t_data + 400 + d);
            put(b, big);
        }
    }
    RESP(t + 400000, seg(false, 0, s + 1, c + 5001, TCP_FLAG_ACK, 0, 8, 64));
    struct flow_pkt fin = seg(true, 0, c + 5001, s + 1, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, 8, 64);
    ORIG(t + 500000, fin, fin);
    RESP(t + 510000, seg(false, 0, s + 1, c + 5002, TCP_FLAG_FIN | TCP_FLAG_ACK, 0, 9, 64));
    struct flow_pkt last = seg(true, 0, c + 5002, s + 2, TCP_FLAG_ACK, 0, 9, 64);
    ORIG(t + 520000, last, last);
#undef ORIG
#undef RESP
    a->fp.has_span = b->fp.has_span = true;
    a->fp.span_first_us = t;
    a->fp.span_last_us = t + 2000000;
    b->fp.span_first_us = second_clock(ck, t);
    b->fp.span_last_us = second_clock(ck, t + 2000000);
}

/* No drop and no injection either way, the first point nearer orig. */
static void check_clean(const struct tv_path *p)
{
    ck_assert_int_eq(p->seen_at, TV_POINT_NONE);
    ck_assert_int_eq(p->near_orig, TV_POINT_FIRST);
    ck_assert_uint_eq(p->dropped[0], 0);
    ck_assert_uint_eq(p->dropped[1], 0);
    ck_assert_uint_eq(p->injected[0], 0);
    ck_assert_uint_eq(p->injected[1], 0);
}

START_TEST(test_super_segments_and_the_segments_they_became_are_one_sending)
{
    static struct point a, b;
    struct clock ck = {0, 0};
    transfer_shaped(&a, &b, &ck, DATA_TSO, false);
    struct path_compare pc;
    compare(&a, &b, &pc);
    check_clean(&pc.first[0]);
    path_compare_free(&pc);
}
END_TEST

START_TEST(test_segments_joined_by_gro_are_no_drop)
{
    static struct point a, b;
    struct clock ck = {0, 0};
    transfer_shaped(&a, &b, &ck, DATA_GRO, false);
    struct path_compare pc;
    compare(&a, &b, &pc);
    check_clean(&pc.first[0]);
    path_compare_free(&pc);
}
END_TEST

START_TEST(test_reordering_between_the_points_is_no_drop)
{
    static struct point a, b;
    struct clock ck = {0, 0};
    transfer_shaped(&a, &b, &ck, DATA_REORDERED, false);
    struct path_compare pc;
    compare(&a, &b, &pc);
    check_clean(&pc.first[0]);
    path_compare_free(&pc);
}
END_TEST

/* A clock an hour behind, and one an hour ahead gaining 50 ppm. */
START_TEST(test_clocks_an_hour_apart_with_drift_change_nothing)
{
    static const struct clock clocks[] = {{-HOUR_US, 0}, {HOUR_US, 50}};
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        static struct point a, b;
        transfer_shaped(&a, &b, &clocks[i], DATA_SAME, false);
        struct path_compare pc;
        compare(&a, &b, &pc);
        const struct tv_path *p = &pc.first[0];
        check_clean(p);
        ck_assert(p->has_clock_offset);
        double want_ms = (double)clocks[i].offset_us / 1000.0;
        ck_assert(p->clock_offset_ms > want_ms - 1.0 && p->clock_offset_ms < want_ms + 1.0);
        ck_assert(p->delay_median_ms[0] > 3.0 && p->delay_median_ms[0] < 7.0);
        ck_assert(p->delay_median_ms[1] > 3.0 && p->delay_median_ms[1] < 7.0);
        path_compare_free(&pc);
    }
}
END_TEST

START_TEST(test_a_translated_originator_is_paired_and_reported)
{
    static struct point a, b;
    struct clock ck = {0, 0};
    transfer_shaped(&a, &b, &ck, DATA_SAME, true);
    struct path_compare pc;
    compare(&a, &b, &pc);
    const struct tv_path *p = &pc.first[0];
    check_clean(p);
    ck_assert_str_eq(p->paired_by, "nat");
    ck_assert(p->is_translated[0]);
    ck_assert(!p->is_translated[1]);
    ck_assert_uint_eq(p->peer_port[0], 61000);
    ck_assert_mem_eq(p->peer_addr[0], ((uint8_t[]){192, 0, 2, 7}), 4);
    path_compare_free(&pc);
}
END_TEST

static Suite *path_compare_suite(void)
{
    Suite *s = suite_create("path_compare");
    TCase *tc = tcase_create("path_compare");
    tcase_add_test(tc, test_a_clean_transfer_has_no_drops_through_clock_and_isn_offsets);
    tcase_add_test(tc, test_a_loss_repaired_is_one_drop);
    tcase_add_test(tc, test_a_rst_only_the_farther_point_saw_was_injected);
    tcase_add_test(tc, test_super_segments_and_the_segments_they_became_are_one_sending);
    tcase_add_test(tc, test_segments_joined_by_gro_are_no_drop);
    tcase_add_test(tc, test_reordering_between_the_points_is_no_drop);
    tcase_add_test(tc, test_clocks_an_hour_apart_with_drift_change_nothing);
    tcase_add_test(tc, test_a_translated_originator_is_paired_and_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(path_compare_suite());
}
