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
    struct point *near = from_orig ? a : b, *far = from_orig ? b : a;
    struct flow_pkt at_far = p;
    at_far.ttl = 63;
    /* Times: the second point's clock is an hour ahead. */
    int64_t t_near = t_us, t_far = t_us + DELAY_US;
    p.ts_us = near == b ? t_near + HOUR_US : t_near;
    at_far.ts_us = far == b ? t_far + HOUR_US : t_far;
    /* The second point sees orig's numbers shifted. */
    struct flow_pkt *at_b = near == b ? &p : &at_far;
    if (from_orig)
        at_b->seq += ISN_SHIFT;
    else
        at_b->ack += ISN_SHIFT;
    p.number = near->flow.pkt_count + 1;
    near->pkts[near->flow.pkt_count++] = p;
    if (reaches) {
        at_far.number = far->flow.pkt_count + 1;
        far->pkts[far->flow.pkt_count++] = at_far;
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

static Suite *path_compare_suite(void)
{
    Suite *s = suite_create("path_compare");
    TCase *tc = tcase_create("path_compare");
    tcase_add_test(tc, test_a_clean_transfer_has_no_drops_through_clock_and_isn_offsets);
    tcase_add_test(tc, test_a_loss_repaired_is_one_drop);
    tcase_add_test(tc, test_a_rst_only_the_farther_point_saw_was_injected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(path_compare_suite());
}
