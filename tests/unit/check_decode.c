/*
 * Unit tests for decode.c and decode_tcp.c. Frames come from the packet
 * builder; the few shapes it cannot describe (IPv4 options, IPv6 extension
 * headers, tunnels, lies in length fields) are made by editing a built
 * frame at the offsets named below, so each test still reads as a fact.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "packet_builder.h"

enum {
    FRAME_CAP = 2048,
    ETH_LEN = 14,
    IP_OFF = ETH_LEN,       /* untagged Ethernet */
    TCP4_OFF = IP_OFF + 20, /* IPv4 without options */
    TCP6_OFF = IP_OFF + 40, /* IPv6 without extension headers */
    IP6_NEXT_OFF = IP_OFF + 6,
};

struct frame {
    uint8_t bytes[FRAME_CAP];
    size_t len;
};

static struct pb_tcp syn4(void)
{
    struct pb_tcp t = {.src = "10.0.0.1",
                       .dst = "10.0.0.2",
                       .sport = 40000,
                       .dport = 80,
                       .seq = 1000,
                       .flags = TCP_FLAG_SYN,
                       .mss = 1460,
                       .has_wscale = true,
                       .wscale = 7,
                       .sack_permitted = true,
                       .timestamp = true,
                       .ts_val = 11,
                       .ts_ecr = 0};
    return t;
}

static struct pb_tcp data6(void)
{
    struct pb_tcp t = {.src = "2001:db8::1",
                       .dst = "2001:db8::2",
                       .sport = 40000,
                       .dport = 443,
                       .seq = 5,
                       .ack = 9,
                       .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
                       .payload_len = 100};
    return t;
}

static struct frame build_link(int linktype, const struct pb_tcp *t)
{
    struct frame f;
    f.len = pb_build_link(linktype, t, f.bytes, sizeof(f.bytes));
    ck_assert_uint_gt(f.len, 0);
    return f;
}

static struct frame build(const struct pb_tcp *t)
{
    return build_link(LINK_ETHERNET, t);
}

/* Every decode here runs twice: summing the segment itself, and deriving
 * its sum from the whole frame's as the pipeline provides it. Both must
 * agree on everything, the checksum verdicts above all. */
static enum tv_decode_status decode_link(int linktype, const struct frame *f, struct packet *p)
{
    uint32_t len = (uint32_t)f->len;
    enum tv_decode_status status = decode_packet(linktype, f->bytes, len, len, true, p);
    struct packet q;
    enum tv_decode_status summed =
        decode_packet_summed(linktype, f->bytes, len, len, csum_add(0, f->bytes, len), &q);
    ck_assert_int_eq(summed, status);
    if (status == TV_DECODE_OK) {
        ck_assert_int_eq(q.tcp_csum, p->tcp_csum);
        ck_assert_int_eq(q.ip_csum, p->ip_csum);
        ck_assert_uint_eq(q.payload_len, p->payload_len);
    }
    return status;
}

static enum tv_decode_status decode(const struct frame *f, struct packet *p)
{
    return decode_link(LINK_ETHERNET, f, p);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void insert(struct frame *f, size_t at, const uint8_t *bytes, size_t n)
{
    ck_assert_uint_le(f->len + n, sizeof(f->bytes));
    memmove(f->bytes + at + n, f->bytes + at, f->len - at);
    memcpy(f->bytes + at, bytes, n);
    f->len += n;
}

static void ipv4_fix_header_csum(struct frame *f, size_t ip_off)
{
    size_t header_len = (size_t)(f->bytes[ip_off] & 0x0f) * 4;
    put16(f->bytes + ip_off + 10, 0);
    put16(f->bytes + ip_off + 10,
          (uint16_t)~csum_fold(csum_add(0, f->bytes + ip_off, (uint32_t)header_len)));
}

/* Puts an extension header right after the fixed IPv6 header, first in the
 * chain; its first byte becomes the old next-header value. */
static void ipv6_push_ext(struct frame *f, uint8_t type, const uint8_t *ext, size_t n)
{
    uint8_t hdr[256];
    memcpy(hdr, ext, n);
    hdr[0] = f->bytes[IP6_NEXT_OFF];
    insert(f, TCP6_OFF, hdr, n);
    f->bytes[IP6_NEXT_OFF] = type;
    put16(f->bytes + IP_OFF + 4, get16(f->bytes + IP_OFF + 4) + (uint32_t)n);
}

START_TEST(test_ipv4_syn_decodes_header_and_options)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.family, 4);
    ck_assert_uint_eq(p.src_addr[3], 1);
    ck_assert_uint_eq(p.dst_addr[3], 2);
    ck_assert_uint_eq(p.src_addr[4], 0);
    ck_assert_uint_eq(p.ttl, 64);
    ck_assert_uint_eq(p.ip_id, 0x1234);
    ck_assert_uint_eq(p.l2_len, ETH_LEN);
    ck_assert_uint_eq(p.tcp.src_port, 40000);
    ck_assert_uint_eq(p.tcp.dst_port, 80);
    ck_assert_uint_eq(p.tcp.seq, 1000);
    ck_assert_uint_eq(p.tcp.flags, TCP_FLAG_SYN);
    ck_assert_uint_eq(p.tcp.window, 65535);
    ck_assert_uint_eq(p.tcp.opt.mss, 1460);
    ck_assert_int_eq(p.tcp.opt.wscale, 7);
    ck_assert(p.tcp.opt.sack_permitted);
    ck_assert(p.tcp.opt.has_timestamp);
    ck_assert_uint_eq(p.tcp.opt.ts_val, 11);
    ck_assert(!p.tcp.opt.malformed);
    ck_assert_uint_eq(p.payload_len, 0);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    ck_assert_int_eq(p.ip_csum, CSUM_OK);
    ck_assert(!p.truncated);
}
END_TEST

START_TEST(test_ipv6_segment_decodes_addresses_and_payload)
{
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.family, 6);
    ck_assert_uint_eq(p.src_addr[0], 0x20);
    ck_assert_uint_eq(p.src_addr[15], 1);
    ck_assert_uint_eq(p.dst_addr[15], 2);
    ck_assert_uint_eq(p.ttl, 64);
    ck_assert_uint_eq(p.ip_len, 40 + 20 + 100);
    ck_assert_uint_eq(p.payload_len, 100);
    ck_assert_uint_eq(p.tcp.payload.len, 100);
    ck_assert_uint_eq(p.tcp.opt.mss, 0);
    ck_assert_int_eq(p.tcp.opt.wscale, -1);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    ck_assert_int_eq(p.ip_csum, CSUM_UNVERIFIED);
}
END_TEST

static const struct {
    int linktype;
    uint32_t l2_len;
    bool v4, v6;
} link_cases[] = {
    {LINK_ETHERNET, 14, true, true},   {LINK_NULL, 4, true, true},
    {LINK_LOOP, 4, true, true},        {LINK_LINUX_SLL, 16, true, true},
    {LINK_LINUX_SLL2, 20, true, true}, {LINK_RAW, 0, true, true},
    {LINK_RAW_DLT, 0, true, true},     {LINK_RAW_DLT_BSD, 0, true, true},
    {LINK_IPV4, 0, true, false},       {LINK_IPV6, 0, false, true},
};

START_TEST(test_every_link_type_yields_the_same_segment)
{
    size_t n = (size_t)_i;
    struct pb_tcp v4 = syn4(), v6 = data6();
    const struct pb_tcp *variants[2] = {link_cases[n].v4 ? &v4 : NULL,
                                        link_cases[n].v6 ? &v6 : NULL};
    for (size_t i = 0; i < 2; i++) {
        if (variants[i] == NULL)
            continue;
        struct frame f = build_link(link_cases[n].linktype, variants[i]);
        struct packet p;
        ck_assert_int_eq(decode_link(link_cases[n].linktype, &f, &p), TV_DECODE_OK);
        ck_assert_uint_eq(p.l2_len, link_cases[n].l2_len);
        ck_assert_uint_eq(p.family, i == 0 ? 4 : 6);
        ck_assert_uint_eq(p.tcp.src_port, 40000);
        ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    }
}
END_TEST

START_TEST(test_null_link_family_is_read_in_either_byte_order)
{
    static const uint8_t inet6_families[] = {24, 28, 30};
    struct pb_tcp t = data6();
    struct frame f = build_link(LINK_NULL, &t);
    struct packet p;
    for (size_t i = 0; i < sizeof(inet6_families); i++) {
        memset(f.bytes, 0, 4);
        f.bytes[0] = inet6_families[i]; /* little-endian host */
        ck_assert_int_eq(decode_link(LINK_NULL, &f, &p), TV_DECODE_OK);
        memset(f.bytes, 0, 4);
        f.bytes[3] = inet6_families[i]; /* big-endian host */
        ck_assert_int_eq(decode_link(LINK_NULL, &f, &p), TV_DECODE_OK);
    }
    f.bytes[3] = 7;
    ck_assert_int_eq(decode_link(LINK_NULL, &f, &p), TV_DECODE_NOT_IP);
}
END_TEST

START_TEST(test_unknown_link_type_is_unsupported)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    ck_assert_int_eq(decode_link(147, &f, &p), TV_DECODE_UNSUPPORTED_LINK); /* DLT_USER0 */
    ck_assert_int_eq(decode_link(-1, &f, &p), TV_DECODE_UNSUPPORTED_LINK);
}
END_TEST

START_TEST(test_raw_link_with_other_version_is_bad_ip_version)
{
    struct pb_tcp t = syn4();
    struct frame f = build_link(LINK_RAW, &t);
    struct packet p;
    f.bytes[0] = 0x55;
    ck_assert_int_eq(decode_link(LINK_RAW, &f, &p), TV_DECODE_BAD_IP_VERSION);
    ck_assert_int_eq(decode_link(LINK_IPV4, &f, &p), TV_DECODE_BAD_IP_VERSION);
    ck_assert_int_eq(decode_link(LINK_IPV6, &f, &p), TV_DECODE_BAD_IP_VERSION);
}
END_TEST

START_TEST(test_vlan_tag_is_skipped)
{
    struct pb_tcp t = syn4();
    t.vlan = 42;
    struct frame f = build(&t);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.l2_len, ETH_LEN + 4);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
}
END_TEST

START_TEST(test_qinq_tags_of_every_kind_are_skipped)
{
    static const uint8_t outer_tags[] = {0x88, 0xa8, 0, 7, 0x91, 0x00, 0, 8, 0x81, 0x00, 0, 9};
    struct pb_tcp t = data6();
    t.vlan = 10;
    struct frame f = build(&t);
    insert(&f, 12, outer_tags, sizeof(outer_tags));
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.l2_len, ETH_LEN + 4 + sizeof(outer_tags));
}
END_TEST

START_TEST(test_endless_vlan_tags_are_too_deep)
{
    static const uint8_t tag[] = {0x81, 0x00, 0, 1};
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    for (int i = 0; i < 20; i++)
        insert(&f, 12, tag, sizeof(tag));
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_ENCAP_TOO_DEEP);
}
END_TEST

START_TEST(test_arp_and_8023_frames_are_not_ip)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    put16(f.bytes + 12, 0x0806);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
    put16(f.bytes + 12, 0x0040); /* an 802.3 length, not a type */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_IP);
    ck_assert(!tv_decode_status_is_error(TV_DECODE_NOT_IP));
}
END_TEST

START_TEST(test_ipv4_options_are_skipped)
{
    /* Record Route with room for one address, then NOP and EOL. */
    static const uint8_t options[] = {7, 7, 4, 0, 0, 0, 0, 1};
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    insert(&f, TCP4_OFF, options, sizeof(options));
    f.bytes[IP_OFF] = 0x47;
    put16(f.bytes + IP_OFF + 2, get16(f.bytes + IP_OFF + 2) + sizeof(options));
    ipv4_fix_header_csum(&f, IP_OFF);
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_int_eq(p.ip_csum, CSUM_OK);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    ck_assert_uint_eq(p.tcp.opt.mss, 1460);
}
END_TEST

START_TEST(test_ihl_below_five_is_bad_header_len)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
        f.bytes[IP_OFF] = (uint8_t)(0x40 | ihl);
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_IP_HEADER_LEN);
    }
}
END_TEST

START_TEST(test_header_longer_than_total_length_is_bad_header_len)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    put16(f.bytes + IP_OFF + 2, 24);
    f.bytes[IP_OFF] = 0x47;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_IP_HEADER_LEN);
}
END_TEST

START_TEST(test_total_length_shorter_than_headers_is_bad_total_len)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    put16(f.bytes + IP_OFF + 2, 19);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_IP_TOTAL_LEN);
    put16(f.bytes + IP_OFF + 2, 20 + 12); /* room for only part of TCP */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_IP_TOTAL_LEN);
    put16(f.bytes + IP_OFF + 2, 20 + 24); /* TCP header says 40 */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_TCP_OFFSET);
}
END_TEST

START_TEST(test_ethernet_padding_is_not_payload)
{
    struct pb_tcp t = syn4();
    t.mss = 0;
    t.has_wscale = false;
    t.sack_permitted = false;
    t.timestamp = false;
    t.flags = TCP_FLAG_ACK;
    t.payload_len = 2;
    struct frame f = build(&t);
    ck_assert_uint_eq(f.len, 56);
    memset(f.bytes + f.len, 0xa5, 4); /* to the 60-byte minimum, not zeros */
    f.len += 4;
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.payload_len, 2);
    ck_assert_uint_eq(p.tcp.payload.len, 2);
    ck_assert_uint_eq(p.ip_len, 42);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
}
END_TEST

START_TEST(test_snap_length_cut_sets_truncated_and_keeps_length)
{
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    struct packet p;
    uint32_t snap = TCP6_OFF + 20 + 10;
    ck_assert_int_eq(decode_packet(LINK_ETHERNET, f.bytes, snap, (uint32_t)f.len, true, &p),
                     TV_DECODE_OK);
    ck_assert(p.truncated);
    ck_assert_uint_eq(p.payload_len, 100);
    ck_assert_uint_eq(p.tcp.payload.len, 10);
    ck_assert_int_eq(p.tcp_csum, CSUM_UNVERIFIED);
}
END_TEST

START_TEST(test_fragments_are_skipped)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    put16(f.bytes + IP_OFF + 6, 0x2000); /* MF */
    ipv4_fix_header_csum(&f, IP_OFF);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_FRAGMENT);
    put16(f.bytes + IP_OFF + 6, 0x0010); /* offset 128 */
    ipv4_fix_header_csum(&f, IP_OFF);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_FRAGMENT);
    ck_assert(!tv_decode_status_is_error(TV_DECODE_FRAGMENT));
}
END_TEST

START_TEST(test_tso_zero_total_length_takes_length_from_frame)
{
    struct pb_tcp t = syn4();
    t.flags = TCP_FLAG_ACK;
    t.payload_len = 1400 * 3;
    t.ip_len_zero = true;
    t.partial_checksum = true;
    struct frame f;
    f.len = pb_build(&t, f.bytes, sizeof(f.bytes));
    ck_assert_uint_eq(f.len, 0); /* too big for the test frame: use a bigger one */
    static uint8_t big[8192];
    size_t len = pb_build(&t, big, sizeof(big));
    ck_assert_uint_gt(len, 0);
    struct packet p;
    ck_assert_int_eq(decode_packet(LINK_ETHERNET, big, (uint32_t)len, (uint32_t)len, true, &p),
                     TV_DECODE_OK);
    ck_assert(p.ip_len_zero);
    ck_assert_uint_eq(p.ip_len, len - ETH_LEN);
    ck_assert_uint_eq(p.payload_len, 4200);
    ck_assert_int_eq(p.tcp_csum, CSUM_PARTIAL);
}
END_TEST

START_TEST(test_udp_and_icmp_are_not_tcp)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    f.bytes[IP_OFF + 9] = 17;
    ipv4_fix_header_csum(&f, IP_OFF);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_TCP);
    f.bytes[IP_OFF + 9] = 1;
    ipv4_fix_header_csum(&f, IP_OFF);
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_TCP);
}
END_TEST

START_TEST(test_ipv6_option_headers_are_walked)
{
    static const uint8_t pad_options[8] = {0, 0, 1, 4, 0, 0, 0, 0};
    static const uint8_t ah[16] = {0, 2}; /* 4-byte units, plus 2 */
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    ipv6_push_ext(&f, 60, pad_options, sizeof(pad_options));
    ipv6_push_ext(&f, 51, ah, sizeof(ah));
    ipv6_push_ext(&f, 0, pad_options, sizeof(pad_options));
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_uint_eq(p.payload_len, 100);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    ck_assert_uint_eq(p.ip_len, 40 + 32 + 120);
}
END_TEST

START_TEST(test_atomic_fragment_is_a_whole_packet)
{
    static const uint8_t atomic[8] = {0, 0, 0, 0, 1, 2, 3, 4};
    static const uint8_t first_piece[8] = {0, 0, 0, 1, 1, 2, 3, 4};
    static const uint8_t later_piece[8] = {0, 0, 0x05, 0x00, 1, 2, 3, 4};
    struct pb_tcp t = data6();
    struct packet p;
    struct frame f = build(&t);
    ipv6_push_ext(&f, 44, atomic, sizeof(atomic));
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    f = build(&t);
    ipv6_push_ext(&f, 44, first_piece, sizeof(first_piece));
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_FRAGMENT);
    f = build(&t);
    ipv6_push_ext(&f, 44, later_piece, sizeof(later_piece));
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_FRAGMENT);
}
END_TEST

START_TEST(test_esp_mobility_and_no_next_header_are_not_tcp)
{
    static const uint8_t types[] = {50, 59, 135};
    struct pb_tcp t = data6();
    struct packet p;
    for (size_t i = 0; i < sizeof(types); i++) {
        struct frame f = build(&t);
        f.bytes[IP6_NEXT_OFF] = types[i];
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_NOT_TCP);
    }
}
END_TEST

START_TEST(test_ext_header_longer_than_payload_is_bad)
{
    static const uint8_t huge[8] = {0, 200};
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    ipv6_push_ext(&f, 60, huge, sizeof(huge));
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_EXT_HEADER);
}
END_TEST

START_TEST(test_bad_option_inside_ext_header_is_bad)
{
    static const uint8_t overlong_option[8] = {0, 0, 1, 9};
    static const uint8_t short_home_address[8] = {0, 0, 0xc9, 4};
    struct pb_tcp t = data6();
    struct packet p;
    struct frame f = build(&t);
    ipv6_push_ext(&f, 60, overlong_option, sizeof(overlong_option));
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_EXT_HEADER);
    f = build(&t);
    ipv6_push_ext(&f, 60, short_home_address, sizeof(short_home_address));
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_EXT_HEADER);
}
END_TEST

START_TEST(test_endless_ext_header_chain_is_bad)
{
    static const uint8_t pad[8] = {0};
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    for (int i = 0; i < 40; i++)
        ipv6_push_ext(&f, 60, pad, sizeof(pad));
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_EXT_HEADER);
}
END_TEST

START_TEST(test_ext_header_cut_by_capture_is_truncated)
{
    static const uint8_t pad[16] = {0, 1};
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    ipv6_push_ext(&f, 0, pad, sizeof(pad));
    struct packet p;
    ck_assert_int_eq(decode_packet(LINK_ETHERNET, f.bytes, TCP6_OFF + 9, (uint32_t)f.len, true, &p),
                     TV_DECODE_TRUNCATED);
}
END_TEST

/* RFC 8200 8.1: the sender computed the checksum with the final routing
 * destination, while the header shows the next hop. */
START_TEST(test_routing_header_final_destination_is_in_pseudo_header)
{
    static const char next_hop[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x77};
    for (int routing_type = 0; routing_type <= 2; routing_type += 2) {
        struct pb_tcp t = data6();
        struct frame f = build(&t);
        uint8_t rh[24] = {0, 2, (uint8_t)routing_type, 1};
        memcpy(rh + 8, f.bytes + IP_OFF + 24, 16); /* the final destination */
        memcpy(f.bytes + IP_OFF + 24, next_hop, 16);
        ipv6_push_ext(&f, 43, rh, sizeof(rh));
        struct packet p;
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
        ck_assert_int_eq(p.tcp_csum, CSUM_OK);
        ck_assert_uint_eq(p.dst_addr[15], 0x77); /* flows keep the header's address */

        rh[3] = 0; /* no segments left: the header's destination is final */
        memcpy(f.bytes + TCP6_OFF, rh, 4);
        f.bytes[TCP6_OFF] = 6;
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
        ck_assert_int_eq(p.tcp_csum, CSUM_BAD);
    }
}
END_TEST

/* RFC 6275 6.3: a mobile node's home address replaces the source. */
START_TEST(test_home_address_option_is_the_pseudo_header_source)
{
    static const char care_of[16] = {0x20, 0x01, 0x0d, 0xb8, 0xca, 0xfe, [15] = 1};
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    uint8_t dest_opts[24] = {0, 2, 1, 2, 0, 0, 0xc9, 16};
    memcpy(dest_opts + 8, f.bytes + IP_OFF + 8, 16);
    memcpy(f.bytes + IP_OFF + 8, care_of, 16);
    ipv6_push_ext(&f, 60, dest_opts, sizeof(dest_opts));
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    ck_assert_uint_eq(p.src_addr[4], 0xca);
}
END_TEST

START_TEST(test_checksums_good_bad_and_partial_in_both_families)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    struct pb_tcp *cases[2] = {&v4, &v6};
    for (size_t i = 0; i < 2; i++) {
        struct pb_tcp t = *cases[i];
        struct packet p;
        struct frame f = build(&t);
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
        ck_assert_int_eq(p.tcp_csum, CSUM_OK);

        t.bad_checksum = true;
        f = build(&t);
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
        ck_assert_int_eq(p.tcp_csum, CSUM_BAD);

        t.bad_checksum = false;
        t.partial_checksum = true;
        f = build(&t);
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
        ck_assert_int_eq(p.tcp_csum, CSUM_PARTIAL);

        size_t csum_off = (i == 0 ? TCP4_OFF : TCP6_OFF) + 16;
        put16(f.bytes + csum_off, (uint16_t)~get16(f.bytes + csum_off));
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
        ck_assert_int_eq(p.tcp_csum, CSUM_PARTIAL);

        ck_assert_int_eq(
            decode_packet(LINK_ETHERNET, f.bytes, (uint32_t)f.len, (uint32_t)f.len, false, &p),
            TV_DECODE_OK);
        ck_assert_int_eq(p.tcp_csum, CSUM_UNVERIFIED);
        ck_assert_int_eq(p.ip_csum, CSUM_UNVERIFIED);
    }
}
END_TEST

START_TEST(test_payload_corruption_is_a_bad_checksum)
{
    struct pb_tcp t = data6();
    struct frame f = build(&t);
    f.bytes[f.len - 1] ^= 0x40;
    struct packet p;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_int_eq(p.tcp_csum, CSUM_BAD);
}
END_TEST

START_TEST(test_ipv4_header_checksum_is_verified)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    f.bytes[IP_OFF + 8] = 63; /* TTL changed, checksum not */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_int_eq(p.ip_csum, CSUM_BAD);
    put16(f.bytes + IP_OFF + 10, 0); /* left for the NIC */
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
    ck_assert_int_eq(p.ip_csum, CSUM_PARTIAL);
}
END_TEST

/* Every prefix of a frame decodes to a status, never past the bytes. */
START_TEST(test_truncation_at_every_byte_is_handled)
{
    struct pb_tcp v4 = syn4(), v6 = data6();
    v4.vlan = 5;
    v4.payload_len = 3;
    v6.timestamp = true;
    const struct pb_tcp *cases[2] = {&v4, &v6};
    for (size_t i = 0; i < 2; i++) {
        struct frame f = build(cases[i]);
        size_t headers_end = f.len - cases[i]->payload_len;
        for (size_t cut = 0; cut <= f.len; cut++) {
            /* A copy of exactly cut bytes, so ASan sees any read past it. */
            uint8_t *copy = malloc(cut ? cut : 1);
            ck_assert_ptr_nonnull(copy);
            memcpy(copy, f.bytes, cut);
            struct packet p;
            enum tv_decode_status status =
                decode_packet(LINK_ETHERNET, copy, (uint32_t)cut, (uint32_t)f.len, true, &p);
            if (cut < headers_end) {
                ck_assert_int_eq(status, TV_DECODE_TRUNCATED);
            } else {
                ck_assert_int_eq(status, TV_DECODE_OK);
                ck_assert_int_eq(p.truncated, cut < f.len);
                ck_assert_int_eq(p.tcp_csum, cut < f.len ? CSUM_UNVERIFIED : CSUM_OK);
                ck_assert_uint_eq(p.tcp.payload.len, cut - headers_end);
            }
            free(copy);
        }
    }
}
END_TEST

START_TEST(test_data_offset_below_five_is_bad_offset)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    f.bytes[TCP4_OFF + 12] = 0x40;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_TCP_OFFSET);
    ck_assert(tv_decode_status_is_error(TV_DECODE_BAD_TCP_OFFSET));
}
END_TEST

START_TEST(test_data_offset_beyond_segment_is_bad_offset)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    f.bytes[TCP4_OFF + 12] = 0xf0;
    ck_assert_int_eq(decode(&f, &p), TV_DECODE_BAD_TCP_OFFSET);
}
END_TEST

/* decode_tcp alone, over hand-placed options after a 20-byte header. */
static enum tv_decode_status tcp_with_options(const uint8_t *opts, size_t opt_len,
                                              struct tcp_segment *seg)
{
    uint8_t hdr[60] = {0};
    hdr[12] = (uint8_t)((20 + opt_len) / 4 << 4);
    memcpy(hdr + 20, opts, opt_len);
    struct cursor c = cursor_make(hdr, 20 + opt_len);
    return decode_tcp(&c, seg);
}

START_TEST(test_option_with_length_below_two_is_malformed)
{
    static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 5, 0, 1, 1};
    struct tcp_segment seg;
    ck_assert_int_eq(tcp_with_options(opts, sizeof(opts), &seg), TV_DECODE_OK);
    ck_assert_uint_eq(seg.opt.mss, 1460);
    ck_assert(seg.opt.malformed);
}
END_TEST

START_TEST(test_option_running_past_header_is_malformed)
{
    static const uint8_t opts[] = {1, 8, 10, 0};
    struct tcp_segment seg;
    ck_assert_int_eq(tcp_with_options(opts, sizeof(opts), &seg), TV_DECODE_OK);
    ck_assert(seg.opt.malformed);
    ck_assert(!seg.opt.has_timestamp);
}
END_TEST

START_TEST(test_known_option_with_wrong_length_is_malformed_but_parsing_goes_on)
{
    static const uint8_t opts[] = {2, 3, 0, 3, 3, 14, 0, 0};
    struct tcp_segment seg;
    ck_assert_int_eq(tcp_with_options(opts, sizeof(opts), &seg), TV_DECODE_OK);
    ck_assert(seg.opt.malformed);
    ck_assert_uint_eq(seg.opt.mss, 0);
    ck_assert_int_eq(seg.opt.wscale, 14);
}
END_TEST

START_TEST(test_end_of_option_list_stops_parsing)
{
    static const uint8_t opts[] = {0, 2, 4, 0x05, 0xb4, 0, 0, 0};
    struct tcp_segment seg;
    ck_assert_int_eq(tcp_with_options(opts, sizeof(opts), &seg), TV_DECODE_OK);
    ck_assert_uint_eq(seg.opt.mss, 0);
    ck_assert(!seg.opt.malformed);
}
END_TEST

START_TEST(test_huge_window_scale_stays_out_of_range)
{
    static const uint8_t opts[] = {3, 3, 255, 1};
    struct tcp_segment seg;
    ck_assert_int_eq(tcp_with_options(opts, sizeof(opts), &seg), TV_DECODE_OK);
    ck_assert_int_gt(seg.opt.wscale, 14);
}
END_TEST

/* Wraps an inner Ethernet frame in Ethernet/IPv4/UDP and a tunnel header. */
static struct frame tunnel(uint16_t port, const struct frame *inner)
{
    static const uint8_t vxlan[8] = {0x08, 0, 0, 0, 0, 0, 0x2a, 0};
    static const uint8_t geneve[8] = {0, 0, 0x65, 0x58, 0, 0, 0x2a, 0};
    struct pb_tcp outer_desc = syn4();
    outer_desc.mss = 0;
    outer_desc.has_wscale = false;
    outer_desc.sack_permitted = false;
    outer_desc.timestamp = false;
    struct frame f = build(&outer_desc); /* Ethernet + IPv4 + 20 bytes */
    f.len = TCP4_OFF;
    uint8_t udp[8] = {0};
    put16(udp, 55555);
    put16(udp + 2, port);
    put16(udp + 4, 8 + 8 + (uint32_t)inner->len);
    insert(&f, f.len, udp, sizeof(udp));
    insert(&f, f.len, port == 4789 ? vxlan : geneve, 8);
    insert(&f, f.len, inner->bytes, inner->len);
    f.bytes[IP_OFF + 9] = 17;
    put16(f.bytes + IP_OFF + 2, (uint32_t)(f.len - IP_OFF));
    ipv4_fix_header_csum(&f, IP_OFF);
    return f;
}

START_TEST(test_vxlan_and_geneve_yield_the_inner_segment)
{
    static const uint16_t ports[] = {4789, 6081};
    struct pb_tcp t = data6();
    t.bad_checksum = true;
    struct frame inner = build(&t);
    for (size_t i = 0; i < 2; i++) {
        struct frame f = tunnel(ports[i], &inner);
        struct packet p;
        ck_assert_int_eq(decode(&f, &p), TV_DECODE_OK);
        ck_assert_uint_eq(p.tunnel_depth, 1);
        ck_assert_uint_eq(p.family, 6);
        ck_assert_uint_eq(p.l2_len, TCP4_OFF + 16 + ETH_LEN);
        ck_assert_uint_eq(p.tcp.dst_port, 443);
        ck_assert_uint_eq(p.payload_len, 100);
        ck_assert_int_eq(p.tcp_csum, CSUM_BAD);
        ck_assert_int_eq(p.ip_csum, CSUM_OK);
    }
}
END_TEST

START_TEST(test_nested_tunnels_stop_at_the_cap)
{
    struct pb_tcp t = syn4();
    struct frame f = build(&t);
    struct packet p;
    for (int depth = 1; depth <= TV_ENCAP_DEPTH_CAP + 2; depth++) {
        f = tunnel(depth % 2 ? 4789 : 6081, &f);
        enum tv_decode_status status = decode(&f, &p);
        ck_assert_int_eq(status,
                         depth <= TV_ENCAP_DEPTH_CAP ? TV_DECODE_OK : TV_DECODE_ENCAP_TOO_DEEP);
    }
}
END_TEST

START_TEST(test_every_status_has_a_name_and_skips_are_not_errors)
{
    for (int s = 0; s < TV_DECODE_STATUS_COUNT; s++) {
        const char *name = tv_decode_status_name((enum tv_decode_status)s);
        ck_assert_ptr_nonnull(name);
        ck_assert_str_ne(name, "unknown");
    }
    ck_assert_str_eq(tv_decode_status_name(TV_DECODE_TRUNCATED), "truncated");
    ck_assert_str_eq(tv_decode_status_name(TV_DECODE_BAD_EXT_HEADER), "bad_ext_header");
    ck_assert(!tv_decode_status_is_error(TV_DECODE_OK));
    ck_assert(!tv_decode_status_is_error(TV_DECODE_NOT_TCP));
    ck_assert(tv_decode_status_is_error(TV_DECODE_TRUNCATED));
    ck_assert(tv_decode_status_is_error(TV_DECODE_UNSUPPORTED_LINK));
}
END_TEST

/* RFC 1071 section 3's worked example. */
/* The span's sum derived from the total must be the span's own sum, up to
 * the two zeros of ones'-complement arithmetic, at every alignment. */
START_TEST(test_span_sum_from_the_frame_sum_matches_a_direct_sum)
{
    uint8_t data[301];
    uint32_t seed = 12345;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof(data); i++) {
            seed = seed * 1103515245u + 12345u;
            data[i] = (uint8_t)(round % 7 == 0 ? 0xff : seed >> 16);
        }
        uint32_t len = (uint32_t)(round % 2 == 0 ? sizeof(data) : sizeof(data) - 1 - round % 9);
        uint32_t total = csum_add(0, data, len);
        for (uint32_t off = 0; off < 40; off++) {
            for (uint32_t span = 0; off + span <= len; span += 1 + span / 3) {
                uint16_t derived = csum_span(total, data, len, off, span);
                uint16_t direct = csum_fold(csum_add(0, data + off, span));
                if (derived != direct)
                    ck_assert_msg((derived == 0 && direct == 0xffff) ||
                                      (derived == 0xffff && direct == 0),
                                  "off %u span %u len %u: %04x, direct %04x", off, span, len,
                                  derived, direct);
            }
        }
    }
}
END_TEST

START_TEST(test_ones_complement_sum_matches_rfc1071)
{
    static const uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    ck_assert_uint_eq(csum_fold(csum_add(0, words, sizeof(words))), 0xddf2);
    /* An odd tail is padded with a zero byte. */
    ck_assert_uint_eq(csum_fold(csum_add(0, words, 3)), 0xf201);
}
END_TEST

static Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *link = tcase_create("link");
    tcase_add_test(link, test_ipv4_syn_decodes_header_and_options);
    tcase_add_test(link, test_span_sum_from_the_frame_sum_matches_a_direct_sum);
    tcase_add_test(link, test_ipv6_segment_decodes_addresses_and_payload);
    tcase_add_loop_test(link, test_every_link_type_yields_the_same_segment, 0,
                        (int)(sizeof(link_cases) / sizeof(link_cases[0])));
    tcase_add_test(link, test_null_link_family_is_read_in_either_byte_order);
    tcase_add_test(link, test_unknown_link_type_is_unsupported);
    tcase_add_test(link, test_raw_link_with_other_version_is_bad_ip_version);
    tcase_add_test(link, test_vlan_tag_is_skipped);
    tcase_add_test(link, test_qinq_tags_of_every_kind_are_skipped);
    tcase_add_test(link, test_endless_vlan_tags_are_too_deep);
    tcase_add_test(link, test_arp_and_8023_frames_are_not_ip);
    suite_add_tcase(s, link);

    TCase *ip = tcase_create("ip");
    tcase_add_test(ip, test_ipv4_options_are_skipped);
    tcase_add_test(ip, test_ihl_below_five_is_bad_header_len);
    tcase_add_test(ip, test_header_longer_than_total_length_is_bad_header_len);
    tcase_add_test(ip, test_total_length_shorter_than_headers_is_bad_total_len);
    tcase_add_test(ip, test_ethernet_padding_is_not_payload);
    tcase_add_test(ip, test_snap_length_cut_sets_truncated_and_keeps_length);
    tcase_add_test(ip, test_fragments_are_skipped);
    tcase_add_test(ip, test_tso_zero_total_length_takes_length_from_frame);
    tcase_add_test(ip, test_udp_and_icmp_are_not_tcp);
    tcase_add_test(ip, test_ipv6_option_headers_are_walked);
    tcase_add_test(ip, test_atomic_fragment_is_a_whole_packet);
    tcase_add_test(ip, test_esp_mobility_and_no_next_header_are_not_tcp);
    tcase_add_test(ip, test_ext_header_longer_than_payload_is_bad);
    tcase_add_test(ip, test_bad_option_inside_ext_header_is_bad);
    tcase_add_test(ip, test_endless_ext_header_chain_is_bad);
    tcase_add_test(ip, test_ext_header_cut_by_capture_is_truncated);
    tcase_add_test(ip, test_vxlan_and_geneve_yield_the_inner_segment);
    tcase_add_test(ip, test_nested_tunnels_stop_at_the_cap);
    suite_add_tcase(s, ip);

    TCase *csum = tcase_create("checksum");
    tcase_add_test(csum, test_routing_header_final_destination_is_in_pseudo_header);
    tcase_add_test(csum, test_home_address_option_is_the_pseudo_header_source);
    tcase_add_test(csum, test_checksums_good_bad_and_partial_in_both_families);
    tcase_add_test(csum, test_payload_corruption_is_a_bad_checksum);
    tcase_add_test(csum, test_ipv4_header_checksum_is_verified);
    tcase_add_test(csum, test_ones_complement_sum_matches_rfc1071);
    suite_add_tcase(s, csum);

    TCase *tcp = tcase_create("tcp");
    tcase_add_test(tcp, test_truncation_at_every_byte_is_handled);
    tcase_add_test(tcp, test_data_offset_below_five_is_bad_offset);
    tcase_add_test(tcp, test_data_offset_beyond_segment_is_bad_offset);
    tcase_add_test(tcp, test_option_with_length_below_two_is_malformed);
    tcase_add_test(tcp, test_option_running_past_header_is_malformed);
    tcase_add_test(tcp, test_known_option_with_wrong_length_is_malformed_but_parsing_goes_on);
    tcase_add_test(tcp, test_end_of_option_list_stops_parsing);
    tcase_add_test(tcp, test_huge_window_scale_stays_out_of_range);
    tcase_add_test(tcp, test_every_status_has_a_name_and_skips_are_not_errors);
    suite_add_tcase(s, tcp);
    return s;
}

int main(void)
{
    return check_main_run(decode_suite());
}
