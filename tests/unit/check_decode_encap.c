/*
 * Unit tests for the encapsulation decoders (decode_mpls.c, decode_gre.c,
 * decode_erspan.c, ...). Each frame is built from the inside out: a TCP
 * segment from the packet builder as a raw IP packet, then each header
 * around it written here byte by byte from its specification, so a test
 * reads as "IPv6 in GRE with a key in IPv4 in Ethernet".
 */
#include <check.h>
#include <string.h>

#include "platform.h"
#include "check_main.h"
#include "packet_builder.h"

enum { FRAME_CAP = 2048, ETH_LEN = 14 };

struct frame {
    uint8_t bytes[FRAME_CAP];
    size_t len;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

/* The segment every test looks for inside: 10.0.0.1:40000 -> 10.0.0.2:80
 * (or 2001:db8::1 -> 2001:db8::2), 100 bytes of data. */
static struct pb_tcp segment(int family)
{
    struct pb_tcp t = {
        .src = family == 6 ? "2001:db8::1" : "10.0.0.1",
        .dst = family == 6 ? "2001:db8::2" : "10.0.0.2",
        .sport = 40000,
        .dport = 80,
        .seq = 1000,
        .ack = 2000,
        .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
        .payload_len = 100,
    };
    return t;
}

static struct frame inner_ip(int family)
{
    struct pb_tcp t = segment(family);
    struct frame f;
    f.len = pb_build_link(LINK_RAW, &t, f.bytes, sizeof(f.bytes));
    ck_assert_uint_gt(f.len, 0);
    return f;
}

static struct frame inner_eth(int family)
{
    struct pb_tcp t = segment(family);
    struct frame f;
    f.len = pb_build(&t, f.bytes, sizeof(f.bytes));
    ck_assert_uint_gt(f.len, 0);
    return f;
}

static void prepend(struct frame *f, const uint8_t *hdr, size_t n)
{
    ck_assert_uint_le(f->len + n, sizeof(f->bytes));
    memmove(f->bytes + n, f->bytes, f->len);
    memcpy(f->bytes, hdr, n);
    f->len += n;
}

static void wrap_eth(struct frame *f, uint16_t ethertype)
{
    uint8_t h[ETH_LEN] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    put16(h + 12, ethertype);
    prepend(f, h, sizeof(h));
}

/* Puts an 802.1Q or 802.1ad tag outermost, between the addresses and the type. */
static void wrap_vlan(struct frame *f, uint16_t tpid, uint16_t vid)
{
    ck_assert_uint_le(f->len + 4, sizeof(f->bytes));
    memmove(f->bytes + 16, f->bytes + 12, f->len - 12);
    put16(f->bytes + 12, tpid);
    put16(f->bytes + 14, vid);
    f->len += 4;
}

static uint16_t ip_sum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void wrap_ipv4(struct frame *f, uint8_t proto, const char *src, const char *dst)
{
    uint8_t h[20] = {0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, proto};
    put16(h + 2, (uint32_t)(f->len + sizeof(h)));
    ck_assert_int_eq(inet_pton(AF_INET, src, h + 12), 1);
    ck_assert_int_eq(inet_pton(AF_INET, dst, h + 16), 1);
    put16(h + 10, ip_sum(h, sizeof(h)));
    prepend(f, h, sizeof(h));
}

static void wrap_ipv6(struct frame *f, uint8_t next, const char *src, const char *dst)
{
    uint8_t h[40] = {0x60, 0, 0, 0, 0, 0, next, 64};
    put16(h + 4, (uint32_t)f->len);
    ck_assert_int_eq(inet_pton(AF_INET6, src, h + 8), 1);
    ck_assert_int_eq(inet_pton(AF_INET6, dst, h + 24), 1);
    prepend(f, h, sizeof(h));
}

static void wrap_udp(struct frame *f, uint16_t sport, uint16_t dport)
{
    uint8_t h[8] = {0};
    put16(h, sport);
    put16(h + 2, dport);
    put16(h + 4, (uint32_t)(f->len + sizeof(h)));
    prepend(f, h, sizeof(h)); /* checksum 0: none, for IPv4 */
}

enum { GRE_C = 0x8000, GRE_R = 0x4000, GRE_K = 0x2000, GRE_S = 0x1000 };

static void wrap_gre(struct frame *f, uint16_t flags, uint16_t protocol)
{
    uint8_t h[16];
    size_t n = 4;
    put16(h, flags);
    put16(h + 2, protocol);
    if (flags & GRE_C) {
        put32(h + n, 0xbeef0000);
        n += 4;
    }
    if (flags & GRE_K) {
        put32(h + n, 42);
        n += 4;
    }
    if (flags & GRE_S) {
        put32(h + n, 7);
        n += 4;
    }
    prepend(f, h, n);
}

/* Ethernet, IPv4 from 192.0.2.1 to 192.0.2.2, then what f holds as the
 * payload of `proto`. */
static void wrap_outer4(struct frame *f, uint8_t proto)
{
    wrap_ipv4(f, proto, "192.0.2.1", "192.0.2.2");
    wrap_eth(f, 0x0800);
}

static enum tv_decode_status decode(const struct frame *f, struct packet *p)
{
    uint32_t len = (uint32_t)f->len;
    return decode_packet(LINK_ETHERNET, f->bytes, len, len, true, p);
}

/* The segment of segment(family), found whole and with a good checksum. */
static void assert_inner(const struct frame *f, int family, struct packet *p)
{
    ck_assert_str_eq(tv_decode_status_name(decode(f, p)), "ok");
    ck_assert_uint_eq(p->family, family);
    ck_assert_uint_eq(p->tcp.src_port, 40000);
    ck_assert_uint_eq(p->tcp.dst_port, 80);
    ck_assert_uint_eq(p->tcp.seq, 1000);
    ck_assert_uint_eq(p->payload_len, 100);
    ck_assert_uint_eq(cursor_remaining(&p->tcp.payload), 100);
    ck_assert_int_eq(p->tcp_csum, CSUM_OK);
    ck_assert(!p->truncated);
    uint8_t want[16] = {0};
    ck_assert_int_eq(
        inet_pton(family == 6 ? AF_INET6 : AF_INET, family == 6 ? "2001:db8::2" : "10.0.0.2", want),
        1);
    ck_assert_mem_eq(p->dst_addr, want, 16);
}

static void assert_tunnel(const struct packet *p, unsigned i, enum tv_tunnel_kind kind,
                          const char *src, const char *dst)
{
    ck_assert_uint_gt(p->location.tunnel_count, i);
    const struct tv_tunnel *t = &p->location.tunnels[i];
    ck_assert_str_eq(tv_tunnel_kind_name(t->kind), tv_tunnel_kind_name(kind));
    int af = strchr(src, ':') ? AF_INET6 : AF_INET;
    ck_assert_uint_eq(t->family, af == AF_INET6 ? 6 : 4);
    uint8_t a[16] = {0}, b[16] = {0};
    ck_assert_int_eq(inet_pton(af, src, a), 1);
    ck_assert_int_eq(inet_pton(af, dst, b), 1);
    ck_assert_mem_eq(t->src, a, 16);
    ck_assert_mem_eq(t->dst, b, 16);
}

/*
 * Cuts f's capture at every length up to the end of the inner TCP header
 * (its last `tail` bytes are payload): each cut is a truncated packet (or
 * plain UDP where `udp_ok` says a UDP tunnel may not be recognised that
 * short), never a segment; from there on the segment is found, marked
 * truncated.
 */
static void assert_every_cut(const struct frame *f, size_t tail, bool udp_ok)
{
    uint32_t len = (uint32_t)f->len;
    for (uint32_t cut = 0; cut < len; cut++) {
        struct packet p;
        enum tv_decode_status status = decode_packet(LINK_ETHERNET, f->bytes, cut, len, true, &p);
        if (cut < len - tail) {
            if (!(status == TV_DECODE_TRUNCATED || (udp_ok && status == TV_DECODE_NOT_TCP)))
                ck_abort_msg("cut at %u of %u: %s", cut, len, tv_decode_status_name(status));
        } else {
            ck_assert_int_eq(status, TV_DECODE_OK);
            ck_assert(p.truncated);
        }
    }
}

/* ---- GRE ---- */

START_TEST(test_gre_with_every_option_yields_the_inner_packet)
{
    static const uint16_t flag_sets[] = {
        0, GRE_C, GRE_K, GRE_S, GRE_C | GRE_K, GRE_K | GRE_S, GRE_C | GRE_K | GRE_S};
    for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
        for (int family = 4; family <= 6; family += 2) {
            struct frame f = inner_ip(family);
            wrap_gre(&f, flag_sets[i], family == 6 ? 0x86dd : 0x0800);
            wrap_outer4(&f, 47);
            struct packet p;
            assert_inner(&f, family, &p);
            ck_assert_uint_eq(p.location.tunnel_count, 1);
            assert_tunnel(&p, 0, TV_TUNNEL_GRE, "192.0.2.1", "192.0.2.2");
            ck_assert_uint_eq(p.tunnel_depth, 1);
        }
    }
}
END_TEST

START_TEST(test_gre_bridging_carries_a_whole_ethernet_frame)
{
    struct frame f = inner_eth(6);
    wrap_vlan(&f, 0x8100, 300);
    wrap_gre(&f, GRE_K, 0x6558);
    wrap_outer4(&f, 47);
    struct packet p;
    assert_inner(&f, 6, &p);
    assert_tunnel(&p, 0, TV_TUNNEL_GRE, "192.0.2.1", "192.0.2.2");
    ck_assert_uint_eq(p.location.vlan_count, 1);
    ck_assert_uint_eq(p.location.vlan[0], 300);
}
END_TEST

START_TEST(test_gre_over_ipv6_and_over_udp)
{
    struct frame f = inner_ip(4);
    wrap_gre(&f, 0, 0x0800);
    wrap_ipv6(&f, 47, "2001:db8:ff::1", "2001:db8:ff::2");
    wrap_eth(&f, 0x86dd);
    struct packet p;
    assert_inner(&f, 4, &p);
    assert_tunnel(&p, 0, TV_TUNNEL_GRE, "2001:db8:ff::1", "2001:db8:ff::2");

    f = inner_ip(6);
    wrap_gre(&f, GRE_K, 0x86dd);
    wrap_udp(&f, 51000, 4754);
    wrap_outer4(&f, 17);
    assert_inner(&f, 6, &p);
    assert_tunnel(&p, 0, TV_TUNNEL_GRE, "192.0.2.1", "192.0.2.2");
}
END_TEST

START_TEST(test_gre_version_1_and_rfc1701_routing_are_unsupported)
{
    static const uint16_t flags[] = {0x0001, GRE_R, 0x0800, 0x0400};
    for (size_t i = 0; i < 4; i++) {
        struct frame f = inner_ip(4);
        wrap_gre(&f, flags[i], 0x0800);
        wrap_outer4(&f, 47);
        struct packet p;
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_UNSUPPORTED_ENCAP);
        ck_assert(tv_decode_status_is_unreadable(TV_DECODE_UNSUPPORTED_ENCAP));
    }
}
END_TEST

START_TEST(test_gre_keepalive_and_other_protocols_are_not_ip)
{
    struct frame f = inner_ip(4);
    wrap_gre(&f, 0, 0x0000);
    wrap_outer4(&f, 47);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_gre_cut_at_every_offset_is_truncated)
{
    struct frame f = inner_ip(4);
    wrap_gre(&f, GRE_C | GRE_K | GRE_S, 0x0800);
    wrap_outer4(&f, 47);
    assert_every_cut(&f, 100, false);
}
END_TEST

/* ---- ERSPAN ---- */

static void wrap_erspan_ii(struct frame *f)
{
    uint8_t h[8] = {0x10, 0x0a, 0x08, 0x05, 0, 0, 0, 1}; /* version 1, VLAN 10, session 5 */
    prepend(f, h, sizeof(h));
    wrap_gre(f, GRE_S, 0x88be);
}

static void wrap_erspan_iii(struct frame *f, bool has_subheader, uint8_t frame_type)
{
    if (has_subheader) {
        uint8_t sub[8] = {0x04, 0, 0, 0, 0, 0, 0, 0}; /* platform id 1 */
        prepend(f, sub, sizeof(sub));
    }
    uint8_t h[12] = {0x20, 0x0a, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44, 0, 0};
    put16(h + 10, (uint32_t)frame_type << 10 | (has_subheader ? 1u : 0u));
    prepend(f, h, sizeof(h));
    wrap_gre(f, GRE_S, 0x22eb);
}

START_TEST(test_erspan_types_i_ii_and_iii_yield_the_mirrored_frame)
{
    for (int type = 1; type <= 4; type++) {
        struct frame f = inner_eth(4);
        if (type == 1)
            wrap_gre(&f, 0, 0x88be);
        else if (type == 2)
            wrap_erspan_ii(&f);
        else
            wrap_erspan_iii(&f, type == 4, 0);
        wrap_outer4(&f, 47);
        struct packet p;
        assert_inner(&f, 4, &p);
        ck_assert_uint_eq(p.location.tunnel_count, 1);
        assert_tunnel(&p, 0, TV_TUNNEL_ERSPAN, "192.0.2.1", "192.0.2.2");
    }
}
END_TEST

START_TEST(test_erspan_iii_may_carry_ip_without_ethernet)
{
    for (int family = 4; family <= 6; family += 2) {
        struct frame f = inner_ip(family);
        wrap_erspan_iii(&f, true, 2);
        wrap_outer4(&f, 47);
        struct packet p;
        assert_inner(&f, family, &p);
    }
}
END_TEST

START_TEST(test_erspan_unknown_version_and_frame_type_are_unsupported)
{
    struct frame f = inner_eth(4);
    uint8_t h[8] = {0x30}; /* version 3 */
    prepend(&f, h, sizeof(h));
    wrap_gre(&f, GRE_S, 0x88be);
    wrap_outer4(&f, 47);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_UNSUPPORTED_ENCAP);

    f = inner_eth(4);
    wrap_erspan_iii(&f, false, 3);
    wrap_outer4(&f, 47);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_UNSUPPORTED_ENCAP);
}
END_TEST

START_TEST(test_erspan_cut_at_every_offset_is_truncated)
{
    struct frame f = inner_eth(6);
    wrap_erspan_iii(&f, true, 0);
    wrap_outer4(&f, 47);
    assert_every_cut(&f, 100, false);
    f = inner_eth(4);
    wrap_erspan_ii(&f);
    wrap_outer4(&f, 47);
    assert_every_cut(&f, 100, false);
}
END_TEST

/* ---- IP in IP ---- */

START_TEST(test_ip_in_ip_of_both_versions_in_both_versions)
{
    for (int inner = 4; inner <= 6; inner += 2) {
        for (int outer = 4; outer <= 6; outer += 2) {
            struct frame f = inner_ip(inner);
            uint8_t proto = inner == 6 ? 41 : 4;
            if (outer == 4) {
                wrap_outer4(&f, proto);
            } else {
                wrap_ipv6(&f, proto, "2001:db8:ff::1", "2001:db8:ff::2");
                wrap_eth(&f, 0x86dd);
            }
            struct packet p;
            assert_inner(&f, inner, &p);
            assert_tunnel(&p, 0, TV_TUNNEL_IP, outer == 4 ? "192.0.2.1" : "2001:db8:ff::1",
                          outer == 4 ? "192.0.2.2" : "2001:db8:ff::2");
        }
    }
}
END_TEST

START_TEST(test_ip_in_ip_of_the_wrong_version_is_bad)
{
    struct frame f = inner_ip(6);
    wrap_outer4(&f, 4);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_IP_VERSION);
}
END_TEST

START_TEST(test_ip_in_ip_cut_at_every_offset_is_truncated)
{
    struct frame f = inner_ip(6);
    wrap_outer4(&f, 41);
    assert_every_cut(&f, 100, false);
}
END_TEST

/* ---- MPLS ---- */

static void wrap_labels(struct frame *f, const uint32_t *labels, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        uint8_t e[4];
        put32(e, labels[i] << 12 | (i == n - 1 ? 0x100u : 0u) | 64u);
        prepend(f, e, 4);
    }
}

START_TEST(test_mpls_payload_is_told_by_its_first_nibble)
{
    static const uint32_t labels[] = {16, 17, 18};
    for (int family = 4; family <= 6; family += 2) {
        for (size_t n = 1; n <= 3; n++) {
            struct frame f = inner_ip(family);
            wrap_labels(&f, labels, n);
            wrap_eth(&f, n == 2 ? 0x8848 : 0x8847);
            struct packet p;
            assert_inner(&f, family, &p);
            ck_assert_uint_eq(p.location.tunnel_count, 0);
        }
    }
}
END_TEST

START_TEST(test_mpls_explicit_null_names_the_payload)
{
    static const uint32_t v4_null[] = {100, 0};
    static const uint32_t v6_null[] = {2};
    struct frame f = inner_ip(4);
    wrap_labels(&f, v4_null, 2);
    wrap_eth(&f, 0x8847);
    struct packet p;
    assert_inner(&f, 4, &p);
    f = inner_ip(6);
    wrap_labels(&f, v6_null, 1);
    wrap_eth(&f, 0x8847);
    assert_inner(&f, 6, &p);
}
END_TEST

START_TEST(test_mpls_ethernet_pseudowire_with_and_without_control_word)
{
    static const uint32_t labels[] = {16, 1000};
    static const uint8_t control_word[4] = {0, 0, 0, 9};
    /* The inner destination MAC begins with 0x02 (nibble 0), so a frame
     * without control word needs a MAC of another nibble. */
    struct frame f = inner_eth(4);
    prepend(&f, control_word, 4);
    wrap_labels(&f, labels, 2);
    wrap_eth(&f, 0x8847);
    struct packet p;
    assert_inner(&f, 4, &p);

    f = inner_eth(6);
    f.bytes[0] = 0xa2; /* nibble 0xa: Ethernet without a control word */
    wrap_labels(&f, labels, 2);
    wrap_eth(&f, 0x8847);
    assert_inner(&f, 6, &p);
}
END_TEST

START_TEST(test_mpls_associated_channels_are_not_ip)
{
    static const uint32_t gal[] = {16, 13};
    static const uint32_t pw[] = {16};
    static const uint8_t ach[4] = {0x10, 0, 0, 0x21};
    struct frame f = inner_ip(4);
    wrap_labels(&f, gal, 2);
    wrap_eth(&f, 0x8847);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
    f = inner_ip(4);
    prepend(&f, ach, 4);
    wrap_labels(&f, pw, 1);
    wrap_eth(&f, 0x8847);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_mpls_stack_without_bottom_is_too_deep)
{
    uint32_t labels[20];
    for (size_t i = 0; i < 20; i++)
        labels[i] = 16 + (uint32_t)i;
    struct frame f = inner_ip(4);
    wrap_labels(&f, labels, 16);
    wrap_eth(&f, 0x8847);
    struct packet p;
    assert_inner(&f, 4, &p);
    f = inner_ip(4);
    wrap_labels(&f, labels, 17);
    wrap_eth(&f, 0x8847);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_ENCAP_TOO_DEEP);
}
END_TEST

START_TEST(test_mpls_cut_at_every_offset_is_truncated)
{
    static const uint32_t labels[] = {16, 1000};
    static const uint8_t control_word[4] = {0, 0, 0, 9};
    struct frame f = inner_eth(4);
    prepend(&f, control_word, 4);
    wrap_labels(&f, labels, 2);
    wrap_eth(&f, 0x8847);
    assert_every_cut(&f, 100, false);
}
END_TEST

/* ---- PPPoE ---- */

static void wrap_pppoe(struct frame *f, uint16_t protocol, bool compressed, size_t padding)
{
    uint8_t h[8] = {0x11, 0x00, 0x12, 0x34};
    size_t n = compressed ? 7 : 8;
    put16(h + 4, (uint32_t)(f->len + n - 6));
    if (compressed)
        h[6] = (uint8_t)protocol;
    else
        put16(h + 6, protocol);
    prepend(f, h, n);
    memset(f->bytes + f->len, 0xee, padding);
    f->len += padding;
    wrap_eth(f, 0x8864);
}

START_TEST(test_pppoe_session_carries_ipv4_and_ipv6)
{
    for (int family = 4; family <= 6; family += 2) {
        for (int compressed = 0; compressed <= 1; compressed++) {
            struct frame f = inner_ip(family);
            wrap_pppoe(&f, family == 6 ? 0x0057 : 0x0021, compressed, 0);
            struct packet p;
            assert_inner(&f, family, &p);
            ck_assert_uint_eq(p.tunnel_depth, 1);
        }
    }
}
END_TEST

START_TEST(test_pppoe_length_leaves_padding_out)
{
    struct frame f = inner_ip(4);
    /* The inner IPv4 claims no more than it has: the padding would show
     * only if the PPPoE length were not applied before IP's. */
    wrap_pppoe(&f, 0x0021, false, 20);
    struct packet p;
    assert_inner(&f, 4, &p);
}
END_TEST

START_TEST(test_pppoe_control_protocols_are_not_ip_and_other_versions_unsupported)
{
    struct frame f = inner_ip(4);
    wrap_pppoe(&f, 0xc021, false, 0); /* LCP */
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
    f.bytes[ETH_LEN] = 0x12;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_UNSUPPORTED_ENCAP);
    f.bytes[ETH_LEN] = 0x11;
    put16(f.bytes + ETH_LEN + 4, 1); /* length 1: no room for a protocol */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_ENCAP);
}
END_TEST

START_TEST(test_pppoe_cut_at_every_offset_is_truncated)
{
    struct frame f = inner_ip(6);
    wrap_pppoe(&f, 0x0057, false, 0);
    assert_every_cut(&f, 100, false);
}
END_TEST

/* ---- Ethernet family tags ---- */

/* Puts a tag of `len` bytes (its EtherType first) before the frame's type. */
static void insert_tag(struct frame *f, uint16_t ethertype, size_t len)
{
    uint8_t tag[16] = {0};
    put16(tag, ethertype);
    for (size_t i = 2; i < len; i++)
        tag[i] = (uint8_t)(0x40 + i);
    ck_assert_uint_le(f->len + len, sizeof(f->bytes));
    memmove(f->bytes + 12 + len, f->bytes + 12, f->len - 12);
    memcpy(f->bytes + 12, tag, len);
    f->len += len;
}

START_TEST(test_vntag_and_etag_are_skipped_to_the_next_type)
{
    struct frame f = inner_eth(4);
    insert_tag(&f, 0x8926, 6);
    struct packet p;
    assert_inner(&f, 4, &p);
    f = inner_eth(6);
    insert_tag(&f, 0x893f, 8);
    wrap_vlan(&f, 0x8100, 7);
    assert_inner(&f, 6, &p);
    ck_assert_uint_eq(p.location.vlan[0], 7);
}
END_TEST

START_TEST(test_pbb_and_fabricpath_carry_the_customer_frame)
{
    struct frame f = inner_eth(4);
    uint8_t itag[4] = {0, 0x01, 0x00, 0x2a};
    prepend(&f, itag, 4);
    wrap_eth(&f, 0x88e7);
    wrap_vlan(&f, 0x88a8, 100); /* the backbone's B-TAG */
    struct packet p;
    assert_inner(&f, 4, &p);
    ck_assert_uint_eq(p.location.vlan_count, 1);
    ck_assert_uint_eq(p.location.vlan[0], 100);

    f = inner_eth(6);
    uint8_t ftag[2] = {0x00, 0x3f};
    prepend(&f, ftag, 2);
    wrap_eth(&f, 0x8903);
    assert_inner(&f, 6, &p);
}
END_TEST

START_TEST(test_tags_cut_at_every_offset_are_truncated)
{
    struct frame f = inner_eth(4);
    insert_tag(&f, 0x893f, 8);
    insert_tag(&f, 0x8926, 6);
    uint8_t itag[4] = {0, 0x01, 0x00, 0x2a};
    prepend(&f, itag, 4);
    wrap_eth(&f, 0x88e7);
    uint8_t ftag[2] = {0x00, 0x3f};
    prepend(&f, ftag, 2);
    wrap_eth(&f, 0x8903);
    assert_every_cut(&f, 100, false);
}
END_TEST

/* An 802.3 frame: the length where the type would be, then LLC. */
static void wrap_llc_snap(struct frame *f, uint8_t dsap, uint32_t oui, uint16_t ethertype)
{
    /* f holds an Ethernet frame; its type becomes the SNAP header's. */
    uint8_t type[2] = {f->bytes[12], f->bytes[13]};
    uint8_t llc[8] = {dsap, dsap, 0x03, (uint8_t)(oui >> 16), (uint8_t)(oui >> 8), (uint8_t)oui};
    put16(llc + 6, ethertype ? ethertype : (uint32_t)(type[0] << 8 | type[1]));
    ck_assert_uint_le(f->len + 8, sizeof(f->bytes));
    memmove(f->bytes + 22, f->bytes + 14, f->len - 14);
    memcpy(f->bytes + 14, llc, 8);
    f->len += 8;
    put16(f->bytes + 12, (uint32_t)(f->len - 14));
}

START_TEST(test_llc_snap_frames_carry_their_ethertype)
{
    for (int family = 4; family <= 6; family += 2) {
        struct frame f = inner_eth(family);
        wrap_llc_snap(&f, 0xaa, 0, 0);
        /* Padding after the length is not IP's. */
        memset(f.bytes + f.len, 0, 10);
        f.len += 10;
        struct packet p;
        assert_inner(&f, family, &p);
    }
    struct frame f = inner_eth(4);
    wrap_llc_snap(&f, 0xaa, 0x0000f8, 0);
    struct packet p;
    assert_inner(&f, 4, &p);
    f = inner_eth(4);
    wrap_llc_snap(&f, 0x42, 0, 0); /* spanning tree's SAP */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
    f = inner_eth(4);
    wrap_llc_snap(&f, 0xaa, 0x00000c, 0); /* a vendor's own protocol numbers */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_llc_snap_cut_at_every_offset_is_truncated)
{
    struct frame f = inner_eth(6);
    wrap_llc_snap(&f, 0xaa, 0, 0);
    assert_every_cut(&f, 100, false);
}
END_TEST

/* ---- UDP tunnels ---- */

static void wrap_teredo(struct frame *f, bool auth, bool origin, bool from_server)
{
    if (origin) {
        uint8_t h[8] = {0x00, 0x00, 0xf2, 0x27, 0x3f, 0xff, 0xfd, 0xfe};
        prepend(f, h, sizeof(h));
    }
    if (auth) {
        uint8_t h[4 + 3 + 2 + 9] = {0x00, 0x01, 3, 2, 'a', 'b', 'c', 0x55, 0x66,
                                    1,    2,    3, 4, 5,   6,   7,   8,    0};
        prepend(f, h, sizeof(h));
    }
    wrap_udp(f, from_server ? 3544 : 50000, from_server ? 50000 : 3544);
    wrap_outer4(f, 17);
}

START_TEST(test_teredo_with_and_without_indicators)
{
    for (int shape = 0; shape < 8; shape++) {
        struct frame f = inner_ip(6);
        wrap_teredo(&f, shape & 1, shape & 2, shape & 4);
        struct packet p;
        assert_inner(&f, 6, &p);
        assert_tunnel(&p, 0, TV_TUNNEL_TEREDO, "192.0.2.1", "192.0.2.2");
    }
}
END_TEST

START_TEST(test_other_udp_on_the_teredo_port_is_not_tcp)
{
    struct frame f = inner_ip(4); /* IPv4 is not what Teredo carries */
    wrap_teredo(&f, false, true, false);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_TCP);
}
END_TEST

static void wrap_ayiya(struct frame *f, uint8_t next_header, uint8_t opcode)
{
    /* identity 2^4 = 16 bytes, signature 5 words = 20 bytes (SHA-1) */
    uint8_t h[8 + 16 + 20] = {0x41, 0x52, (uint8_t)(0x20 | opcode), next_header, 0x65, 0x43,
                              0x21, 0x00};
    memset(h + 8, 0x77, 36);
    prepend(f, h, sizeof(h));
    wrap_udp(f, 5072, 5072);
    wrap_outer4(f, 17);
}

START_TEST(test_ayiya_forward_carries_ipv6_and_ipv4)
{
    for (int family = 4; family <= 6; family += 2) {
        struct frame f = inner_ip(family);
        wrap_ayiya(&f, family == 6 ? 41 : 4, 1);
        struct packet p;
        assert_inner(&f, family, &p);
        assert_tunnel(&p, 0, TV_TUNNEL_AYIYA, "192.0.2.1", "192.0.2.2");
    }
    struct frame f = inner_ip(6);
    wrap_ayiya(&f, 41, 2); /* echo request */
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_TCP);
}
END_TEST

/* GTP-U G-PDU; ext_count extension headers of 4 and 8 bytes when > 0. */
static void wrap_gtpu(struct frame *f, int ext_count, uint8_t type)
{
    uint8_t h[8 + 4 + 4 + 8];
    size_t n = 8;
    h[0] = ext_count >= 0 ? 0x30 | 0x04 | (ext_count > 0 ? 0x02 : 0) : 0x30;
    if (ext_count >= 0) {
        put16(h + 8, 77);
        h[10] = 0;
        h[11] = ext_count > 0 ? 0x85 : 0; /* PDU session container */
        n += 4;
        if (ext_count > 0) {
            uint8_t one[4] = {1, 0x10, 0x09, ext_count > 1 ? 0x40 : 0};
            memcpy(h + n, one, 4);
            n += 4;
        }
        if (ext_count > 1) {
            uint8_t two[8] = {2, 1, 2, 3, 4, 5, 6, 0};
            memcpy(h + n, two, 8);
            n += 8;
        }
    }
    h[1] = type;
    put16(h + 2, (uint32_t)(f->len + n - 8));
    put32(h + 4, 0x1234abcd);
    prepend(f, h, n);
    wrap_udp(f, 2152, 2152);
    wrap_outer4(f, 17);
}

START_TEST(test_gtpu_with_and_without_extension_headers)
{
    for (int ext = -1; ext <= 2; ext++) {
        for (int family = 4; family <= 6; family += 2) {
            struct frame f = inner_ip(family);
            wrap_gtpu(&f, ext, 255);
            struct packet p;
            assert_inner(&f, family, &p);
            assert_tunnel(&p, 0, TV_TUNNEL_GTPU, "192.0.2.1", "192.0.2.2");
        }
    }
}
END_TEST

START_TEST(test_gtpu_signalling_is_not_tcp_and_lies_are_bad)
{
    struct frame f = inner_ip(4);
    wrap_gtpu(&f, -1, 1); /* echo request */
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_TCP);

    f = inner_ip(4);
    wrap_gtpu(&f, 2, 255);
    size_t gtp = ETH_LEN + 20 + 8;
    put16(f.bytes + gtp + 2, 2000); /* more than the datagram */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_ENCAP);
    put16(f.bytes + gtp + 2, 6); /* less than its own extension headers */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_ENCAP);
    put16(f.bytes + gtp + 2, (uint32_t)(f.len - gtp - 8));
    f.bytes[gtp + 12] = 0; /* an extension header of length 0 */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_ENCAP);
}
END_TEST

START_TEST(test_udp_tunnels_cut_at_every_offset_are_truncated_or_udp)
{
    struct frame f = inner_ip(6);
    wrap_teredo(&f, true, true, false);
    assert_every_cut(&f, 100, true);
    f = inner_ip(6);
    wrap_ayiya(&f, 41, 1);
    assert_every_cut(&f, 100, true);
    f = inner_ip(4);
    wrap_gtpu(&f, 2, 255);
    assert_every_cut(&f, 100, true);
    f = inner_ip(4);
    wrap_gre(&f, GRE_K, 0x0800);
    wrap_udp(&f, 1, 4754);
    wrap_outer4(&f, 17);
    assert_every_cut(&f, 100, true);
}
END_TEST

/* ---- where the packet was: VLANs and tunnel paths ---- */

START_TEST(test_location_keeps_the_first_two_vlans_and_every_tunnel_in_order)
{
    struct frame f = inner_eth(4);
    wrap_vlan(&f, 0x8100, 30); /* inside the tunnel: the third tag */
    wrap_gre(&f, 0, 0x6558);
    wrap_ipv4(&f, 47, "198.51.100.1", "198.51.100.2");
    wrap_outer4(&f, 4); /* IPv4 in IPv4 around the GRE */
    wrap_vlan(&f, 0x8100, 20);
    wrap_vlan(&f, 0x88a8, 10);
    struct packet p;
    assert_inner(&f, 4, &p);
    ck_assert_uint_eq(p.location.vlan_count, 2);
    ck_assert_uint_eq(p.location.vlan[0], 10);
    ck_assert_uint_eq(p.location.vlan[1], 20);
    ck_assert_uint_eq(p.location.tunnel_count, 2);
    assert_tunnel(&p, 0, TV_TUNNEL_IP, "192.0.2.1", "192.0.2.2");
    assert_tunnel(&p, 1, TV_TUNNEL_GRE, "198.51.100.1", "198.51.100.2");
    ck_assert_uint_eq(p.location_id, 0);
}
END_TEST

START_TEST(test_a_plain_packet_has_no_location)
{
    struct frame f = inner_eth(6);
    struct packet p;
    memset(&p, 0xa5, sizeof(p)); /* what a previous packet may have left */
    assert_inner(&f, 6, &p);
    ck_assert_uint_eq(p.location.vlan_count, 0);
    ck_assert_uint_eq(p.location.tunnel_count, 0);
    ck_assert_uint_eq(p.location_id, 0);
    ck_assert_uint_eq(p.location_flips, 0);
}
END_TEST

/* ---- the depth limit, all kinds together ---- */

START_TEST(test_nesting_deeper_than_the_cap_is_given_up)
{
    struct frame f = inner_ip(4);
    for (int depth = 1; depth <= TV_ENCAP_DEPTH_CAP + 1; depth++) {
        /* Alternately IP in IP and GRE, each in IPv4. */
        if (depth % 2)
            wrap_ipv4(&f, 4, "192.0.2.1", "192.0.2.2");
        else {
            wrap_gre(&f, 0, 0x0800);
            wrap_ipv4(&f, 47, "192.0.2.3", "192.0.2.4");
        }
        struct frame outer = f;
        wrap_eth(&outer, 0x0800);
        struct packet p;
        enum tv_decode_status status = decode(&outer, &p);
        if (depth <= TV_ENCAP_DEPTH_CAP) {
            ck_assert_int_eq(status, TV_DECODE_OK);
            ck_assert_uint_eq(p.location.tunnel_count, depth);
        } else {
            ck_assert_int_eq(status, TV_DECODE_ENCAP_TOO_DEEP);
        }
    }
}
END_TEST

START_TEST(test_self_nesting_tags_stop_at_the_cap)
{
    /* VN-Tag in VN-Tag, MPLS in Ethernet in MPLS: nothing loops past the cap. */
    struct frame f = inner_eth(4);
    for (int i = 0; i < TV_ENCAP_DEPTH_CAP + 1; i++)
        insert_tag(&f, 0x8926, 6);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_ENCAP_TOO_DEEP);

    static const uint32_t label[] = {16};
    f = inner_eth(6);
    for (int i = 0; i < TV_ENCAP_DEPTH_CAP + 1; i++) {
        f.bytes[0] = 0xa2;
        wrap_labels(&f, label, 1);
        wrap_eth(&f, 0x8847);
        enum tv_decode_status status = decode(&f, &p);
        ck_assert_int_eq(status, i < TV_ENCAP_DEPTH_CAP ? TV_DECODE_OK : TV_DECODE_ENCAP_TOO_DEEP);
    }
    ck_assert(tv_decode_status_is_error(TV_DECODE_ENCAP_TOO_DEEP));
    ck_assert(tv_decode_status_is_unreadable(TV_DECODE_ENCAP_TOO_DEEP));
    ck_assert_str_eq(tv_decode_status_name(TV_DECODE_ENCAP_TOO_DEEP), "encap_too_deep");
}
END_TEST

START_TEST(test_every_tunnel_kind_has_a_name)
{
    static const char *const names[] = {"ip",     "gre",    "erspan", "vxlan",
                                        "geneve", "teredo", "ayiya",  "gtpu"};
    ck_assert_uint_eq(TV_TUNNEL_KIND_COUNT, sizeof(names) / sizeof(names[0]));
    for (int k = 0; k < TV_TUNNEL_KIND_COUNT; k++)
        ck_assert_str_eq(tv_tunnel_kind_name((enum tv_tunnel_kind)k), names[k]);
    ck_assert_str_eq(tv_tunnel_kind_name(TV_TUNNEL_KIND_COUNT), "unknown");
}
END_TEST

static Suite *decode_encap_suite(void)
{
    Suite *s = suite_create("decode_encap");
    TCase *gre = tcase_create("gre");
    tcase_add_test(gre, test_gre_with_every_option_yields_the_inner_packet);
    tcase_add_test(gre, test_gre_bridging_carries_a_whole_ethernet_frame);
    tcase_add_test(gre, test_gre_over_ipv6_and_over_udp);
    tcase_add_test(gre, test_gre_version_1_and_rfc1701_routing_are_unsupported);
    tcase_add_test(gre, test_gre_keepalive_and_other_protocols_are_not_ip);
    tcase_add_test(gre, test_gre_cut_at_every_offset_is_truncated);
    tcase_add_test(gre, test_erspan_types_i_ii_and_iii_yield_the_mirrored_frame);
    tcase_add_test(gre, test_erspan_iii_may_carry_ip_without_ethernet);
    tcase_add_test(gre, test_erspan_unknown_version_and_frame_type_are_unsupported);
    tcase_add_test(gre, test_erspan_cut_at_every_offset_is_truncated);
    suite_add_tcase(s, gre);

    TCase *ip = tcase_create("ip_in_ip");
    tcase_add_test(ip, test_ip_in_ip_of_both_versions_in_both_versions);
    tcase_add_test(ip, test_ip_in_ip_of_the_wrong_version_is_bad);
    tcase_add_test(ip, test_ip_in_ip_cut_at_every_offset_is_truncated);
    suite_add_tcase(s, ip);

    TCase *ether = tcase_create("ether");
    tcase_add_test(ether, test_mpls_payload_is_told_by_its_first_nibble);
    tcase_add_test(ether, test_mpls_explicit_null_names_the_payload);
    tcase_add_test(ether, test_mpls_ethernet_pseudowire_with_and_without_control_word);
    tcase_add_test(ether, test_mpls_associated_channels_are_not_ip);
    tcase_add_test(ether, test_mpls_stack_without_bottom_is_too_deep);
    tcase_add_test(ether, test_mpls_cut_at_every_offset_is_truncated);
    tcase_add_test(ether, test_pppoe_session_carries_ipv4_and_ipv6);
    tcase_add_test(ether, test_pppoe_length_leaves_padding_out);
    tcase_add_test(ether, test_pppoe_control_protocols_are_not_ip_and_other_versions_unsupported);
    tcase_add_test(ether, test_pppoe_cut_at_every_offset_is_truncated);
    tcase_add_test(ether, test_vntag_and_etag_are_skipped_to_the_next_type);
    tcase_add_test(ether, test_pbb_and_fabricpath_carry_the_customer_frame);
    tcase_add_test(ether, test_tags_cut_at_every_offset_are_truncated);
    tcase_add_test(ether, test_llc_snap_frames_carry_their_ethertype);
    tcase_add_test(ether, test_llc_snap_cut_at_every_offset_is_truncated);
    suite_add_tcase(s, ether);

    TCase *udp = tcase_create("udp");
    tcase_add_test(udp, test_teredo_with_and_without_indicators);
    tcase_add_test(udp, test_other_udp_on_the_teredo_port_is_not_tcp);
    tcase_add_test(udp, test_ayiya_forward_carries_ipv6_and_ipv4);
    tcase_add_test(udp, test_gtpu_with_and_without_extension_headers);
    tcase_add_test(udp, test_gtpu_signalling_is_not_tcp_and_lies_are_bad);
    tcase_add_test(udp, test_udp_tunnels_cut_at_every_offset_are_truncated_or_udp);
    suite_add_tcase(s, udp);

    TCase *where = tcase_create("location");
    tcase_add_test(where, test_location_keeps_the_first_two_vlans_and_every_tunnel_in_order);
    tcase_add_test(where, test_a_plain_packet_has_no_location);
    tcase_add_test(where, test_nesting_deeper_than_the_cap_is_given_up);
    tcase_add_test(where, test_self_nesting_tags_stop_at_the_cap);
    tcase_add_test(where, test_every_tunnel_kind_has_a_name);
    suite_add_tcase(s, where);
    return s;
}

int main(void)
{
    return check_main_run(decode_encap_suite());
}
