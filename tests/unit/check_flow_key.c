/*
 * Unit tests for flow_key.c: both directions of a connection share one key
 * and one hash, and the side says who sent the packet.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "flow_key.h"
#include "packet_builder.h"

static const struct siphash_key test_key = {UINT64_C(0x0706050403020100),
                                            UINT64_C(0x0f0e0d0c0b0a0908)};

/* Decodes the segment t describes; fails the test if it does not decode. */
static struct packet decoded(const struct pb_tcp *t)
{
    uint8_t frame[256];
    size_t len = pb_build(t, frame, sizeof(frame));
    ck_assert_uint_gt(len, 0);
    struct packet p;
    ck_assert_int_eq(decode_packet(LINK_ETHERNET, frame, (uint32_t)len, (uint32_t)len, true, &p),
                     TV_DECODE_OK);
    return p;
}

static struct pb_tcp segment(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
    struct pb_tcp t = {
        .src = src, .dst = dst, .sport = sport, .dport = dport, .flags = TCP_FLAG_ACK};
    return t;
}

START_TEST(test_both_directions_give_the_same_key)
{
    static const char *addrs[][2] = {{"10.0.0.1", "10.0.0.2"}, {"2001:db8::2", "2001:db8::1"}};
    for (size_t i = 0; i < 2; i++) {
        struct pb_tcp there = segment(addrs[i][0], 40000, addrs[i][1], 80);
        struct pb_tcp back = segment(addrs[i][1], 80, addrs[i][0], 40000);
        struct packet p1 = decoded(&there), p2 = decoded(&back);
        struct flow_key k1, k2;
        int side1 = flow_key_from_packet(&p1, &k1);
        int side2 = flow_key_from_packet(&p2, &k2);
        ck_assert(flow_key_equal(&k1, &k2));
        ck_assert_uint_eq(flow_key_hash(&k1, &test_key), flow_key_hash(&k2, &test_key));
        ck_assert_int_eq(side1 + side2, 1);
    }
}
END_TEST

START_TEST(test_lower_endpoint_is_side_zero)
{
    struct pb_tcp t = segment("10.0.0.9", 1, "10.0.0.10", 2);
    struct packet p = decoded(&t);
    struct flow_key k;
    ck_assert_int_eq(flow_key_from_packet(&p, &k), 0);
    ck_assert_uint_eq(k.port[0], 1);
    ck_assert_uint_eq(k.addr[1][3], 10);
    ck_assert_uint_eq(k.family, 4);
}
END_TEST

START_TEST(test_same_address_orders_by_port)
{
    struct pb_tcp t = segment("127.0.0.1", 5000, "127.0.0.1", 80);
    struct packet p = decoded(&t);
    struct flow_key k;
    ck_assert_int_eq(flow_key_from_packet(&p, &k), 1);
    ck_assert_uint_eq(k.port[0], 80);
    ck_assert_uint_eq(k.port[1], 5000);
}
END_TEST

START_TEST(test_different_ports_are_different_flows)
{
    struct pb_tcp a = segment("10.0.0.1", 40000, "10.0.0.2", 80);
    struct pb_tcp b = segment("10.0.0.1", 40001, "10.0.0.2", 80);
    struct packet pa = decoded(&a), pb = decoded(&b);
    struct flow_key ka, kb;
    flow_key_from_packet(&pa, &ka);
    flow_key_from_packet(&pb, &kb);
    ck_assert(!flow_key_equal(&ka, &kb));
    ck_assert_uint_ne(flow_key_hash(&ka, &test_key), flow_key_hash(&kb, &test_key));
}
END_TEST

START_TEST(test_hash_is_deterministic_and_spreads_low_bits)
{
    enum { KEYS = 4096, BUCKETS = 256 };
    static unsigned counts[BUCKETS];
    memset(counts, 0, sizeof(counts));
    struct flow_key k;
    memset(&k, 0, sizeof(k));
    k.family = 4;
    k.addr[0][0] = 10;
    k.addr[1][0] = 10;
    k.addr[1][3] = 1;
    k.port[1] = 443;
    for (unsigned i = 0; i < KEYS; i++) {
        k.port[0] = (uint16_t)(32768 + i);
        uint64_t h = flow_key_hash(&k, &test_key);
        ck_assert_uint_eq(h, flow_key_hash(&k, &test_key));
        counts[h % BUCKETS]++;
    }
    /* 16 per bucket on average; sequential ports must not pile up. */
    for (unsigned b = 0; b < BUCKETS; b++)
        ck_assert_uint_lt(counts[b], 48);
}
END_TEST

START_TEST(test_the_hash_depends_on_the_key)
{
    static const struct siphash_key other = {1, 2};
    struct flow_key k;
    memset(&k, 0, sizeof(k));
    k.family = 4;
    k.addr[0][0] = 10;
    k.port[0] = 1;
    ck_assert_uint_ne(flow_key_hash(&k, &test_key), flow_key_hash(&k, &other));
}
END_TEST

/* The high bits pick shards evenly, and in [0, n). */
START_TEST(test_shards_are_even_and_in_range)
{
    enum { KEYS = 8000, SHARDS = 4 };
    unsigned counts[SHARDS] = {0};
    struct flow_key k;
    memset(&k, 0, sizeof(k));
    k.family = 6;
    k.port[1] = 443;
    for (unsigned i = 0; i < KEYS; i++) {
        k.port[0] = (uint16_t)i;
        uint32_t s = flow_key_shard(flow_key_hash(&k, &test_key), SHARDS);
        ck_assert_uint_lt(s, SHARDS);
        counts[s]++;
    }
    for (unsigned s = 0; s < SHARDS; s++)
        ck_assert_uint_gt(counts[s], KEYS / SHARDS * 9 / 10);
    ck_assert_uint_eq(flow_key_shard(UINT64_MAX, 3), 2);
    ck_assert_uint_eq(flow_key_shard(0, 3), 0);
}
END_TEST

START_TEST(test_addresses_format_like_inet_ntop)
{
    char buf[64];
    const uint8_t v4[16] = {192, 0, 2, 1};
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    flow_key_addr_str(4, v4, buf, sizeof(buf));
    ck_assert_str_eq(buf, "192.0.2.1");
    flow_key_addr_str(6, v6, buf, sizeof(buf));
    ck_assert_str_eq(buf, "2001:db8::1");
    flow_key_addr_str(6, v6, buf, 4);
    ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *flow_key_suite(void)
{
    Suite *s = suite_create("flow_key");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_both_directions_give_the_same_key);
    tcase_add_test(tc, test_lower_endpoint_is_side_zero);
    tcase_add_test(tc, test_same_address_orders_by_port);
    tcase_add_test(tc, test_different_ports_are_different_flows);
    tcase_add_test(tc, test_hash_is_deterministic_and_spreads_low_bits);
    tcase_add_test(tc, test_addresses_format_like_inet_ntop);
    tcase_add_test(tc, test_the_hash_depends_on_the_key);
    tcase_add_test(tc, test_shards_are_even_and_in_range);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(flow_key_suite());
}
