/*
 * Unit tests for where flows are found: location_table.c numbers each
 * distinct location once, whichever way round a packet carried its
 * tunnels; the flow key and table keep flows of the same addresses and
 * ports in different locations apart; and through the public API, each
 * verdict names its VLANs and tunnels, oriented as the flow's first packet
 * carried them.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"
#include "check_main.h"
#include "conversation.h"
#include "flow_key.h"
#include "flow_table.h"
#include "location_table.h"
#include "tcpverdict.h"

static const struct siphash_key test_key = {UINT64_C(0x0706050403020100),
                                            UINT64_C(0x0f0e0d0c0b0a0908)};

static struct tv_tunnel tunnel(enum tv_tunnel_kind kind, const char *src, const char *dst)
{
    struct tv_tunnel t = {.kind = kind};
    int af = strchr(src, ':') ? AF_INET6 : AF_INET;
    t.family = af == AF_INET6 ? 6 : 4;
    ck_assert_int_eq(inet_pton(af, src, t.src), 1);
    ck_assert_int_eq(inet_pton(af, dst, t.dst), 1);
    return t;
}

static struct tv_location vlans(uint16_t outer, uint16_t inner)
{
    struct tv_location loc = {.vlan_count = inner ? 2 : 1, .vlan = {outer, inner}};
    return loc;
}

/* ---- location_table ---- */

START_TEST(test_no_vlan_and_no_tunnel_is_location_none)
{
    struct location_table *t = location_table_create();
    ck_assert_ptr_nonnull(t);
    struct tv_location loc = {0};
    uint8_t flips = 0xff;
    ck_assert_uint_eq(location_table_intern(t, &loc, &flips), LOCATION_NONE);
    ck_assert_uint_eq(flips, 0);
    ck_assert_ptr_null(location_table_get(t, LOCATION_NONE));
    location_table_destroy(t);
    location_table_destroy(NULL);
}
END_TEST

START_TEST(test_same_location_gets_the_same_id_and_others_their_own)
{
    struct location_table *t = location_table_create();
    uint8_t flips;
    struct tv_location a = vlans(10, 0), b = vlans(10, 20), c = vlans(20, 10);
    uint16_t ia = location_table_intern(t, &a, &flips);
    uint16_t ib = location_table_intern(t, &b, &flips);
    uint16_t ic = location_table_intern(t, &c, &flips);
    ck_assert_uint_ne(ia, LOCATION_NONE);
    ck_assert_uint_ne(ia, ib);
    ck_assert_uint_ne(ib, ic); /* outer and inner are not interchangeable */
    ck_assert_uint_eq(location_table_intern(t, &a, &flips), ia);
    ck_assert_uint_eq(location_table_intern(t, &c, &flips), ic);
    const struct tv_location *got = location_table_get(t, ib);
    ck_assert_uint_eq(got->vlan_count, 2);
    ck_assert_uint_eq(got->vlan[0], 10);
    ck_assert_uint_eq(got->vlan[1], 20);
    location_table_destroy(t);
}
END_TEST

START_TEST(test_both_directions_of_a_tunnel_are_one_location)
{
    struct location_table *t = location_table_create();
    struct tv_location there = {.tunnel_count = 2};
    there.tunnels[0] = tunnel(TV_TUNNEL_GRE, "192.0.2.9", "192.0.2.1");
    there.tunnels[1] = tunnel(TV_TUNNEL_IP, "2001:db8::1", "2001:db8::2");
    struct tv_location back = {.tunnel_count = 2};
    back.tunnels[0] = tunnel(TV_TUNNEL_GRE, "192.0.2.1", "192.0.2.9");
    back.tunnels[1] = tunnel(TV_TUNNEL_IP, "2001:db8::2", "2001:db8::1");
    uint8_t f1, f2;
    uint16_t id = location_table_intern(t, &there, &f1);
    ck_assert_uint_eq(location_table_intern(t, &back, &f2), id);
    ck_assert_uint_eq(f1, 0x1); /* the GRE tunnel from its higher address */
    ck_assert_uint_eq(f2, 0x2);
    const struct tv_location *got = location_table_get(t, id);
    ck_assert_uint_eq(got->tunnels[0].src[3], 1); /* stored lower address first */
    ck_assert_uint_eq(got->tunnels[0].dst[3], 9);

    /* Another kind between the same addresses is another place. */
    struct tv_location other = there;
    other.tunnels[0].kind = TV_TUNNEL_ERSPAN;
    ck_assert_uint_ne(location_table_intern(t, &other, &f1), id);
    location_table_destroy(t);
}
END_TEST

START_TEST(test_past_the_cap_locations_are_lost_and_counted)
{
    struct location_table *t = location_table_create();
    struct tv_location loc = {.tunnel_count = 1};
    loc.tunnels[0] = tunnel(TV_TUNNEL_TEREDO, "10.0.0.1", "192.0.2.1");
    uint8_t flips;
    for (uint32_t i = 0; i < LOCATION_CAP; i++) {
        loc.tunnels[0].src[2] = (uint8_t)(i >> 8);
        loc.tunnels[0].src[3] = (uint8_t)i;
        ck_assert_uint_eq(location_table_intern(t, &loc, &flips), i + 1);
    }
    loc.tunnels[0].src[1] = 1;
    ck_assert_uint_eq(location_table_intern(t, &loc, &flips), LOCATION_LOST);
    ck_assert_uint_eq(location_table_lost(t), 1);
    ck_assert_ptr_null(location_table_get(t, LOCATION_LOST));
    /* Those already known still are. */
    loc.tunnels[0].src[1] = 0;
    loc.tunnels[0].src[2] = 0;
    loc.tunnels[0].src[3] = 7;
    ck_assert_uint_eq(location_table_intern(t, &loc, &flips), 8);
    location_table_destroy(t);
}
END_TEST

/* ---- flow key and table ---- */

START_TEST(test_location_is_part_of_the_flow_key)
{
    struct pb_tcp seg = {.src = "10.0.0.1",
                         .dst = "10.0.0.2",
                         .sport = 40000,
                         .dport = 80,
                         .flags = TCP_FLAG_ACK,
                         .wscale = -1};
    uint8_t frame[128];
    size_t len = pb_build(&seg, frame, sizeof(frame));
    struct packet p;
    ck_assert_int_eq(decode_packet(LINK_ETHERNET, frame, (uint32_t)len, (uint32_t)len, true, &p),
                     TV_DECODE_OK);
    struct flow_key plain, here, there;
    flow_key_from_packet(&p, &plain);
    p.location_id = 3;
    flow_key_from_packet(&p, &here);
    p.location_id = 4;
    flow_key_from_packet(&p, &there);
    ck_assert(!flow_key_equal(&plain, &here));
    ck_assert(!flow_key_equal(&here, &there));
    ck_assert_uint_ne(flow_key_hash(&here, &test_key), flow_key_hash(&there, &test_key));

    struct flow_table *t = flow_table_create(8, &test_key);
    struct flow *a = flow_table_insert(t, &here, FLOW_LIST_ACTIVE);
    struct flow *b = flow_table_insert(t, &there, FLOW_LIST_ACTIVE);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_eq(flow_table_lookup(t, &here), a);
    ck_assert_ptr_eq(flow_table_lookup(t, &there), b);
    ck_assert_ptr_null(flow_table_lookup(t, &plain));
    struct flow_key back;
    flow_table_key(t, b, &back);
    ck_assert(flow_key_equal(&back, &there));
    flow_table_destroy(t);
}
END_TEST

START_TEST(test_flow_record_stays_within_its_budget)
{
    /* bench/README: 112 bytes of flow record, the location id included. */
    ck_assert_uint_le(sizeof(struct flow), 112);
}
END_TEST

/* ---- through the analyzer ---- */

#define MAX_SEEN 8

struct seen {
    uint16_t vlan_count;
    uint16_t vlan[2];
    struct tv_location where;
    bool has_location;
    char history[32];
    uint64_t orig_pkts;
    uint64_t resp_pkts;
    char anomalies[96];
};

static struct seen seen[MAX_SEEN];
static int seen_count;
static struct tv_analyzer *an;
static struct conversation conv;
static int64_t now_us;

static void on_verdict(const struct tv_verdict *v, void *ctx)
{
    (void)ctx;
    ck_assert_int_lt(seen_count, MAX_SEEN);
    struct seen *s = &seen[seen_count++];
    memset(s, 0, sizeof(*s));
    s->has_location = v->location != NULL;
    if (v->location != NULL)
        s->where = *v->location;
    snprintf(s->history, sizeof(s->history), "%s", v->history);
    s->orig_pkts = v->orig.pkts;
    s->resp_pkts = v->resp.pkts;
    for (size_t i = 0; i < v->anomaly_count; i++) {
        size_t used = strlen(s->anomalies);
        snprintf(s->anomalies + used, sizeof(s->anomalies) - used, "%s ", v->anomalies[i].code);
    }
}

static void start(void)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.max_flows = 64;
    seen_count = 0;
    now_us = INT64_C(1700000000000000);
    an = tv_analyzer_create(&cfg, on_verdict, NULL);
    ck_assert_ptr_nonnull(an);
    conversation_init(&conv, "10.0.0.5", 50123, "10.0.0.9", 8530);
}

static void finish(void)
{
    tv_analyzer_finish(an);
    tv_analyzer_destroy(an);
    an = NULL;
}

/* How a frame of the conversation is wrapped: untagged, in one or two
 * VLANs, or in GRE between two routers whose addresses follow the
 * direction of the packet. */
struct place {
    uint16_t vlan[2];
    const char *router[2]; /* [0] the client's side, [1] the server's */
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static size_t wrap(const struct place *where, int from, const uint8_t *eth, size_t len,
                   uint8_t *out)
{
    size_t n = 12;
    memcpy(out, eth, 12);
    for (int i = 0; i < 2 && where->vlan[i]; i++) {
        put16(out + n, i == 0 && where->vlan[1] ? 0x88a8 : 0x8100);
        put16(out + n + 2, where->vlan[i]);
        n += 4;
    }
    if (where->router[0] == NULL) {
        memcpy(out + n, eth + 12, len - 12);
        return n + len - 12;
    }
    put16(out + n, 0x0800);
    n += 2;
    uint8_t *ip = out + n;
    size_t inner = len - 14;
    memset(ip, 0, 24);
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(24 + inner));
    ip[8] = 64;
    ip[9] = 47;
    ck_assert_int_eq(inet_pton(AF_INET, where->router[from], ip + 12), 1);
    ck_assert_int_eq(inet_pton(AF_INET, where->router[!from], ip + 16), 1);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, (uint16_t)~sum);
    put16(ip + 22, 0x0800); /* GRE: no options, IPv4 */
    memcpy(ip + 24, eth + 14, inner);
    return n + 24 + inner;
}

static void feed_frame(const struct place *where, int from, const uint8_t *eth, size_t len)
{
    static uint8_t out[70100];
    size_t n = wrap(where, from, eth, len, out);
    struct tv_packet p = {.linktype = LINK_ETHERNET,
                          .ts_us = now_us,
                          .data = out,
                          .caplen = (uint32_t)n,
                          .wirelen = (uint32_t)n};
    tv_analyzer_packet(an, &p);
    now_us += 1000;
}

static void feed(const struct place *where, int from, uint8_t flags, uint32_t len)
{
    conversation_send(&conv, from, flags, len);
    feed_frame(where, from, conv.frame, conv.frame_len);
}

/* The same connection (a handshake, 100 bytes each way and a close: 8
 * packets) in each place at once, packet by packet in turn, so that
 * nothing but the place tells them apart. */
static void same_connection_in(const struct place *const *where, int count)
{
    static const struct {
        int from;
        uint8_t flags;
        uint32_t len;
    } steps[] = {
        {CLIENT, TCP_FLAG_SYN, 0},
        {SERVER, TCP_FLAG_SYN | TCP_FLAG_ACK, 0},
        {CLIENT, TCP_FLAG_ACK, 0},
        {CLIENT, TCP_FLAG_PSH | TCP_FLAG_ACK, 100},
        {SERVER, TCP_FLAG_PSH | TCP_FLAG_ACK, 100},
        {CLIENT, TCP_FLAG_FIN | TCP_FLAG_ACK, 0},
        {SERVER, TCP_FLAG_FIN | TCP_FLAG_ACK, 0},
        {CLIENT, TCP_FLAG_ACK, 0},
    };
    static struct conversation convs[4];
    ck_assert_int_le(count, 4);
    for (int i = 0; i < count; i++)
        convs[i] = conv;
    for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
        for (int i = 0; i < count; i++) {
            conv = convs[i];
            feed(where[i], steps[k].from, steps[k].flags, steps[k].len);
            convs[i] = conv;
        }
}

START_TEST(test_same_connection_in_two_vlans_is_two_flows)
{
    static const struct place vlan10 = {{10, 0}, {NULL, NULL}};
    static const struct place qinq = {{20, 30}, {NULL, NULL}};
    static const struct place plain = {{0, 0}, {NULL, NULL}};
    static const struct place *const places[] = {&vlan10, &qinq, &plain};
    start();
    same_connection_in(places, 3);
    finish();
    ck_assert_int_eq(seen_count, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(seen[i].history, "ShADdFf");
        ck_assert_uint_eq(seen[i].orig_pkts, 5);
        ck_assert_uint_eq(seen[i].resp_pkts, 3);
        ck_assert_str_eq(seen[i].anomalies, "");
    }
    ck_assert(seen[0].has_location);
    ck_assert_uint_eq(seen[0].where.vlan_count, 1);
    ck_assert_uint_eq(seen[0].where.vlan[0], 10);
    ck_assert_uint_eq(seen[1].where.vlan_count, 2);
    ck_assert_uint_eq(seen[1].where.vlan[0], 20);
    ck_assert_uint_eq(seen[1].where.vlan[1], 30);
    ck_assert(!seen[2].has_location);
}
END_TEST

START_TEST(test_same_connection_in_two_tunnels_is_two_flows_oriented_by_their_first_packet)
{
    static const struct place one = {{0, 0}, {"192.0.2.200", "192.0.2.100"}};
    static const struct place two = {{0, 0}, {"198.51.100.1", "198.51.100.2"}};
    static const struct place *const places[] = {&one, &two};
    start();
    same_connection_in(places, 2);
    finish();
    ck_assert_int_eq(seen_count, 2);
    for (int i = 0; i < 2; i++) {
        ck_assert_str_eq(seen[i].history, "ShADdFf");
        ck_assert_str_eq(seen[i].anomalies, "");
        ck_assert_uint_eq(seen[i].where.tunnel_count, 1);
        ck_assert_int_eq(seen[i].where.tunnels[0].kind, TV_TUNNEL_GRE);
    }
    /* The client's router first, though its address is the higher. */
    ck_assert_uint_eq(seen[0].where.tunnels[0].src[3], 200);
    ck_assert_uint_eq(seen[0].where.tunnels[0].dst[3], 100);
    ck_assert_uint_eq(seen[1].where.tunnels[0].src[3], 1);
    ck_assert_uint_eq(seen[1].where.tunnels[0].dst[3], 2);
}
END_TEST

START_TEST(test_fragments_inside_a_tunnel_stay_with_its_flow)
{
    static const struct place one = {{0, 0}, {"192.0.2.1", "192.0.2.2"}};
    static const struct place two = {{0, 0}, {"192.0.2.3", "192.0.2.4"}};
    start();
    struct conversation saved = conv;
    feed(&two, CLIENT, TCP_FLAG_SYN, 0); /* the same 5-tuple elsewhere, first */
    conv = saved;
    feed(&one, CLIENT, TCP_FLAG_SYN, 0);
    feed(&one, SERVER, TCP_FLAG_SYN | TCP_FLAG_ACK, 0);
    feed(&one, CLIENT, TCP_FLAG_ACK, 0);
    conversation_send(&conv, CLIENT, TCP_FLAG_PSH | TCP_FLAG_ACK, 1400);
    static uint8_t piece[2048];
    size_t n = pb_fragment(conv.frame, 1024, 396, false, 77, piece, sizeof(piece));
    feed_frame(&one, CLIENT, piece, n);
    n = pb_fragment(conv.frame, 0, 1024, true, 77, piece, sizeof(piece));
    feed_frame(&one, CLIENT, piece, n);
    feed(&one, SERVER, TCP_FLAG_ACK, 0);
    const struct tv_stats *st = tv_analyzer_stats(an);
    ck_assert_uint_eq(st->ip_frag_reassembled, 1);
    finish();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[0].orig_pkts, 1); /* the SYN elsewhere, alone */
    ck_assert_uint_eq(seen[0].where.tunnels[0].src[3], 3);
    ck_assert_uint_eq(seen[1].orig_pkts, 3); /* SYN, ACK and the reassembled segment */
    ck_assert_uint_eq(seen[1].resp_pkts, 2);
    ck_assert_str_eq(seen[1].anomalies, "ip_fragmented ");
    ck_assert_uint_eq(seen[1].where.tunnels[0].src[3], 1);
}
END_TEST

START_TEST(test_a_tunnel_packet_fragmented_outside_stays_with_its_flow)
{
    static const struct place one = {{0, 0}, {"192.0.2.1", "192.0.2.2"}};
    static const struct place plain = {{0, 0}, {NULL, NULL}};
    start();
    feed(&one, CLIENT, TCP_FLAG_SYN, 0);
    feed(&one, SERVER, TCP_FLAG_SYN | TCP_FLAG_ACK, 0);
    feed(&one, CLIENT, TCP_FLAG_ACK, 0);
    /* The GRE packet around a 1400-byte segment, cut by its outer IPv4. */
    conversation_send(&conv, CLIENT, TCP_FLAG_PSH | TCP_FLAG_ACK, 1400);
    static uint8_t whole[2048], piece[2048];
    size_t len = wrap(&one, CLIENT, conv.frame, conv.frame_len, whole);
    uint32_t outer_payload = (uint32_t)(len - 14 - 20);
    size_t n = pb_fragment(whole, 0, 1024, true, 5, piece, sizeof(piece));
    feed_frame(&plain, CLIENT, piece, n);
    n = pb_fragment(whole, 1024, outer_payload - 1024, false, 5, piece, sizeof(piece));
    feed_frame(&plain, CLIENT, piece, n);
    feed(&one, SERVER, TCP_FLAG_ACK, 0);
    ck_assert_uint_eq(tv_analyzer_stats(an)->ip_frag_reassembled, 1);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0].orig_pkts, 3);
    ck_assert_uint_eq(seen[0].where.tunnel_count, 1);
    ck_assert_uint_eq(seen[0].where.tunnels[0].src[3], 1);
}
END_TEST

START_TEST(test_a_tunnel_inside_fragments_in_a_tunnel_adds_to_its_path)
{
    /* IPv4 in IPv4 whose outer header the sender cut, all in GRE: the
     * reassembled datagram is rebuilt without the GRE around it. */
    static const struct place gre = {{0, 0}, {"192.0.2.1", "192.0.2.2"}};
    static const struct place plain = {{0, 0}, {NULL, NULL}};
    start();
    conversation_send(&conv, CLIENT, TCP_FLAG_SYN, 1400); /* a SYN with data: one packet */
    static uint8_t ipip[2048], piece[2048], framed[2048];
    /* Ethernet + IPv4 (198.51.100.9 -> .10, protocol 4) + the segment's IP packet. */
    static const struct place ip_in_ip = {{0, 0}, {"198.51.100.9", "198.51.100.10"}};
    size_t len = wrap(&ip_in_ip, CLIENT, conv.frame, conv.frame_len, ipip);
    ipip[14 + 9] = 4; /* IP in IP, not GRE: the GRE header's 4 bytes go */
    memmove(ipip + 14 + 20, ipip + 14 + 24, len - 38);
    len -= 4;
    put16(ipip + 14 + 2, (uint32_t)(len - 14));
    ipip[14 + 10] = 0;
    ipip[14 + 11] = 0;
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ipip[14 + i] << 8 | ipip[14 + i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ipip + 14 + 10, (uint16_t)~sum);
    uint32_t payload = (uint32_t)(len - 14 - 20);
    size_t n = pb_fragment(ipip, 0, 1024, true, 6, piece, sizeof(piece));
    memcpy(framed, piece, n);
    feed_frame(&gre, CLIENT, framed, n);
    n = pb_fragment(ipip, 1024, payload - 1024, false, 6, piece, sizeof(piece));
    memcpy(framed, piece, n);
    feed_frame(&gre, CLIENT, framed, n);
    (void)plain;
    ck_assert_uint_eq(tv_analyzer_stats(an)->ip_frag_reassembled, 1);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0].where.tunnel_count, 2);
    ck_assert_int_eq(seen[0].where.tunnels[0].kind, TV_TUNNEL_GRE);
    ck_assert_uint_eq(seen[0].where.tunnels[0].src[3], 1);
    ck_assert_int_eq(seen[0].where.tunnels[1].kind, TV_TUNNEL_IP);
    ck_assert_uint_eq(seen[0].where.tunnels[1].src[3], 9);
}
END_TEST

static Suite *location_suite(void)
{
    Suite *s = suite_create("location");
    TCase *table = tcase_create("table");
    tcase_add_test(table, test_no_vlan_and_no_tunnel_is_location_none);
    tcase_add_test(table, test_same_location_gets_the_same_id_and_others_their_own);
    tcase_add_test(table, test_both_directions_of_a_tunnel_are_one_location);
    tcase_add_test(table, test_past_the_cap_locations_are_lost_and_counted);
    tcase_add_test(table, test_location_is_part_of_the_flow_key);
    tcase_add_test(table, test_flow_record_stays_within_its_budget);
    suite_add_tcase(s, table);
    TCase *flows = tcase_create("flows");
    tcase_add_test(flows, test_same_connection_in_two_vlans_is_two_flows);
    tcase_add_test(flows,
                   test_same_connection_in_two_tunnels_is_two_flows_oriented_by_their_first_packet);
    tcase_add_test(flows, test_fragments_inside_a_tunnel_stay_with_its_flow);
    tcase_add_test(flows, test_a_tunnel_packet_fragmented_outside_stays_with_its_flow);
    tcase_add_test(flows, test_a_tunnel_inside_fragments_in_a_tunnel_adds_to_its_path);
    suite_add_tcase(s, flows);
    return s;
}

int main(void)
{
    return check_main_run(location_suite());
}
