/*
 * Unit tests for ip_reassembly.c. A whole TCP segment comes from the packet
 * builder; fragments are cut from it as a sender would (IPv4: the header
 * copied with new length and fragment field; IPv6: a fragment header
 * inserted), decoded by the real decoder and handed to the reassembler.
 * What the reassembled frame must say is the segment it was cut from.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "ip_reassembly.h"
#include "packet_builder.h"

static const struct siphash_key test_key = {UINT64_C(0x0706050403020100),
                                            UINT64_C(0x0f0e0d0c0b0a0908)};

enum {
    FRAME_CAP = 70000,
    ETH_LEN = 14,
    IP6_LEN = 40,
    FRAG_HDR_LEN = 8,
    PAYLOAD_LEN = 2400, /* TCP data of the whole segment */
};

#define US_PER_S INT64_C(1000000)

static uint8_t whole[FRAME_CAP];
static size_t whole_len;
static uint32_t ip_payload_len; /* TCP header and data */
static uint32_t ip_header_len;
static bool is_v6;
static uint8_t frag_buf[FRAME_CAP];
static struct packet pkt;
static struct ip_reassembly *ra;
static struct ip_datagram dgram;
static int64_t now_us;

static void build_whole(const char *src, const char *dst, uint32_t data_len)
{
    static uint8_t data[PAYLOAD_LEN];
    for (uint32_t i = 0; i < data_len; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    struct pb_tcp t = {.src = src,
                       .dst = dst,
                       .sport = 50123,
                       .dport = 8530,
                       .seq = 1000,
                       .ack = 2000,
                       .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
                       .wscale = -1,
                       .payload = data,
                       .payload_len = data_len};
    whole_len = pb_build(&t, whole, sizeof(whole));
    ck_assert_uint_gt(whole_len, 0);
    is_v6 = whole[12] == 0x86 && whole[13] == 0xdd;
    if (is_v6) {
        ip_header_len = IP6_LEN;
        ip_payload_len = (uint32_t)whole[ETH_LEN + 4] << 8 | whole[ETH_LEN + 5];
    } else {
        ip_header_len = (uint32_t)(whole[ETH_LEN] & 0x0f) * 4;
        ip_payload_len = ((uint32_t)whole[ETH_LEN + 2] << 8 | whole[ETH_LEN + 3]) - ip_header_len;
    }
}

static void setup(void)
{
    ra = ip_reassembly_create(IP_REASSEMBLY_MEMCAP_DEFAULT, IP_REASSEMBLY_TIMEOUT_US_DEFAULT,
                              &test_key);
    ck_assert_ptr_nonnull(ra);
    now_us = INT64_C(1700000000) * US_PER_S;
    build_whole("10.0.0.5", "10.0.0.9", PAYLOAD_LEN);
}

static void teardown(void)
{
    ip_reassembly_destroy(ra);
    ra = NULL;
}

static size_t cut(uint32_t off, uint32_t len, bool more, uint32_t id)
{
    size_t n = pb_fragment(whole, off, len, more, id, frag_buf, sizeof(frag_buf));
    ck_assert_uint_gt(n, 0);
    return n;
}

/* Offers a fragment, captured whole or cut to caplen bytes. */
static enum ip_reassembly_result offer_cut(uint32_t off, uint32_t len, bool more, uint32_t id,
                                           size_t caplen)
{
    size_t n = cut(off, len, more, id);
    if (caplen == 0 || caplen > n)
        caplen = n;
    ck_assert_int_eq(
        decode_packet(LINK_ETHERNET, frag_buf, (uint32_t)caplen, (uint32_t)n, true, &pkt),
        TV_DECODE_FRAGMENT);
    enum ip_reassembly_result res =
        ip_reassembly_add(ra, &pkt, LINK_ETHERNET, frag_buf, now_us, &dgram);
    ck_assert_uint_le(ip_reassembly_mem(ra), IP_REASSEMBLY_MEMCAP_DEFAULT);
    return res;
}

static enum ip_reassembly_result offer(uint32_t off, uint32_t len, bool more)
{
    return offer_cut(off, len, more, 77, 0);
}

/* The reassembled frame decodes to the very segment it was cut from. */
static void assert_datagram_decodes_to_the_whole(void)
{
    struct packet p;
    ck_assert_int_eq(
        decode_packet(dgram.linktype, dgram.frame, dgram.caplen, dgram.wirelen, true, &p),
        TV_DECODE_OK);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    if (!is_v6)
        ck_assert_int_eq(p.ip_csum, CSUM_OK);
    ck_assert_uint_eq(p.payload_len, PAYLOAD_LEN);
    ck_assert_uint_eq(p.tcp.src_port, 50123);
    ck_assert_uint_eq(p.tcp.seq, 1000);
    ck_assert_uint_eq(cursor_remaining(&p.tcp.payload), PAYLOAD_LEN);
    ck_assert_mem_eq(cursor_ptr(&p.tcp.payload), whole + ETH_LEN + ip_header_len + 20, PAYLOAD_LEN);
}

/* ... and nothing is left held. */
static void assert_datagram_is_the_whole(void)
{
    assert_datagram_decodes_to_the_whole();
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
    ck_assert_uint_eq(ip_reassembly_mem(ra), 0);
}

static const struct ip_reassembly_stats *stats(void)
{
    return ip_reassembly_stats(ra);
}

START_TEST(test_in_order_fragments_make_the_whole_segment)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(512, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(1024, ip_payload_len - 1024, false), IP_REASSEMBLY_DONE);
    ck_assert_uint_eq(dgram.fragment_count, 3);
    assert_datagram_is_the_whole();
    ck_assert_uint_eq(stats()->fragments, 3);
    ck_assert_uint_eq(stats()->reassembled, 1);
}
END_TEST

START_TEST(test_reversed_fragments_make_the_whole_segment)
{
    ck_assert_int_eq(offer(1024, ip_payload_len - 1024, false), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(512, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_DONE);
    assert_datagram_is_the_whole();
}
END_TEST

START_TEST(test_ipv6_fragments_make_the_whole_segment)
{
    build_whole("2001:db8::5", "2001:db8::9", PAYLOAD_LEN);
    ck_assert_int_eq(offer(512, ip_payload_len - 512, false), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_DONE);
    ck_assert_int_eq(dgram.linktype, LINK_ETHERNET);
    assert_datagram_is_the_whole();
}
END_TEST

START_TEST(test_a_duplicate_is_dropped_and_the_datagram_kept)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_DUPLICATE);
    ck_assert_int_eq(offer(512, 512, true), IP_REASSEMBLY_PENDING);
    /* Within the run the first two made: a duplicate too. */
    ck_assert_int_eq(offer(256, 512, true), IP_REASSEMBLY_DUPLICATE);
    ck_assert_int_eq(offer(1024, ip_payload_len - 1024, false), IP_REASSEMBLY_DONE);
    ck_assert_uint_eq(stats()->duplicates, 2);
    assert_datagram_is_the_whole();
}
END_TEST

/* Linux since 4.19 (and RFC 5722 for IPv6): any other overlap discards the
 * whole datagram; later fragments of it start again and never complete. */
static void assert_overlap_discards(uint32_t off, uint32_t len, bool more)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(1024, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(off, len, more), IP_REASSEMBLY_OVERLAP);
    ck_assert_uint_eq(stats()->overlaps, 1);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
    ck_assert(dgram.has_ports);
    ck_assert_uint_eq(dgram.src_port, 50123);
    ck_assert_uint_eq(dgram.dst_port, 8530);
    ck_assert_int_eq(offer(512, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(1536, ip_payload_len - 1536, false), IP_REASSEMBLY_PENDING);
    ip_reassembly_finish(ra);
    ck_assert_uint_eq(stats()->incomplete, 1);
    ck_assert_uint_eq(stats()->reassembled, 0);
}

START_TEST(test_overlap_into_the_start_of_held_bytes_discards_the_datagram)
{
    assert_overlap_discards(512, 520, true); /* runs 8 bytes into [1024, 1536) */
}
END_TEST

START_TEST(test_overlap_past_the_end_of_held_bytes_discards_the_datagram)
{
    assert_overlap_discards(504, 512, true); /* starts 8 bytes inside [0, 512) */
}
END_TEST

START_TEST(test_fragment_covering_held_bytes_discards_the_datagram)
{
    assert_overlap_discards(1016, 528, true); /* [1016, 1544) holds [1024, 1536) */
}
END_TEST

START_TEST(test_fragment_across_two_runs_discards_the_datagram)
{
    assert_overlap_discards(256, 1024, true); /* from inside one run into the next */
}
END_TEST

START_TEST(test_overlapping_last_fragment_discards_the_datagram)
{
    assert_overlap_discards(1528, ip_payload_len - 1528, false);
}
END_TEST

START_TEST(test_missing_last_fragment_leaves_the_datagram_incomplete)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(512, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 1);
    ck_assert_uint_gt(ip_reassembly_mem(ra), 1024);
    ip_reassembly_finish(ra);
    ck_assert_uint_eq(stats()->incomplete, 1);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
    ck_assert_uint_eq(ip_reassembly_mem(ra), 0);
}
END_TEST

START_TEST(test_fragments_past_the_timeout_are_given_up)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    now_us += 29 * US_PER_S;
    ck_assert_int_eq(offer(512, 512, true), IP_REASSEMBLY_PENDING);
    now_us += 2 * US_PER_S; /* 31 s after the first: the time runs from it */
    ck_assert_int_eq(offer(1024, ip_payload_len - 1024, false), IP_REASSEMBLY_PENDING);
    ck_assert_uint_eq(stats()->timed_out, 1);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 1); /* the last one, alone */
    now_us += 31 * US_PER_S;
    ip_reassembly_expire(ra, now_us);
    ck_assert_uint_eq(stats()->timed_out, 2);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
}
END_TEST

START_TEST(test_memcap_drops_the_oldest_datagram_and_counts_it)
{
    ip_reassembly_destroy(ra);
    const size_t memcap = 8192;
    ra = ip_reassembly_create(memcap, IP_REASSEMBLY_TIMEOUT_US_DEFAULT, &test_key);
    for (uint32_t id = 1; id <= 8; id++) {
        ck_assert_int_eq(offer_cut(0, 1024, true, id, 0), IP_REASSEMBLY_PENDING);
        ck_assert_uint_le(ip_reassembly_mem(ra), memcap);
    }
    ck_assert_uint_gt(stats()->memcap_drops, 0);
    ck_assert_uint_eq(stats()->memcap_drops + ip_reassembly_pending(ra), 8);
    /* The newest is still there and completes. */
    ck_assert_int_eq(offer_cut(1024, ip_payload_len - 1024, false, 8, 0), IP_REASSEMBLY_DONE);
    assert_datagram_decodes_to_the_whole();
}
END_TEST

START_TEST(test_tiny_first_ipv4_fragment_is_reassembled_as_linux_does)
{
    ck_assert_int_eq(offer(0, 8, true), IP_REASSEMBLY_PENDING); /* ports and sequence only */
    ck_assert_int_eq(offer(8, ip_payload_len - 8, false), IP_REASSEMBLY_DONE);
    assert_datagram_is_the_whole();
}
END_TEST

START_TEST(test_first_ipv6_fragment_without_the_whole_tcp_header_is_dropped)
{
    build_whole("2001:db8::5", "2001:db8::9", PAYLOAD_LEN);
    ck_assert_int_eq(offer(0, 16, true), IP_REASSEMBLY_MALFORMED);
    ck_assert_uint_eq(stats()->malformed, 1);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
}
END_TEST

START_TEST(test_fragment_past_65535_bytes_discards_the_datagram)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(65528, 16, false), IP_REASSEMBLY_MALFORMED);
    ck_assert_uint_eq(stats()->malformed, 1);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
}
END_TEST

START_TEST(test_last_fragments_that_disagree_on_the_end_discard_the_datagram)
{
    ck_assert_int_eq(offer(1024, 512, false), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(1024, 256, false), IP_REASSEMBLY_MALFORMED);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
    ck_assert_int_eq(offer(1024, 512, false), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(1536, 8, true), IP_REASSEMBLY_MALFORMED); /* past the end */
    ck_assert_uint_eq(stats()->malformed, 2);
}
END_TEST

START_TEST(test_empty_fragment_discards_the_datagram)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(512, 4, true), IP_REASSEMBLY_MALFORMED); /* cut to 0 bytes */
    ck_assert_uint_eq(ip_reassembly_pending(ra), 0);
}
END_TEST

START_TEST(test_ipv6_fragment_not_a_multiple_of_8_is_dropped_alone)
{
    build_whole("2001:db8::5", "2001:db8::9", PAYLOAD_LEN);
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(512, 500, true), IP_REASSEMBLY_MALFORMED);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 1);
    ck_assert_int_eq(offer(512, ip_payload_len - 512, false), IP_REASSEMBLY_DONE);
    assert_datagram_is_the_whole();
}
END_TEST

START_TEST(test_ipv6_atomic_fragment_is_a_whole_packet)
{
    build_whole("2001:db8::5", "2001:db8::9", PAYLOAD_LEN);
    size_t n = cut(0, ip_payload_len, false, 5);
    struct packet p;
    ck_assert_int_eq(decode_packet(LINK_ETHERNET, frag_buf, (uint32_t)n, (uint32_t)n, true, &p),
                     TV_DECODE_OK);
    ck_assert_int_eq(p.tcp_csum, CSUM_OK);
    ck_assert_uint_eq(p.payload_len, PAYLOAD_LEN);
}
END_TEST

START_TEST(test_fragment_cut_by_the_capture_leaves_the_datagram_cut)
{
    ck_assert_int_eq(offer(0, 512, true), IP_REASSEMBLY_PENDING);
    /* The middle fragment lost its last 100 bytes to the snap length. */
    size_t frame_len = ETH_LEN + ip_header_len + 512;
    ck_assert_int_eq(offer_cut(512, 512, true, 77, frame_len - 100), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer(1024, ip_payload_len - 1024, false), IP_REASSEMBLY_DONE);
    ck_assert_uint_lt(dgram.caplen, dgram.wirelen);
    struct packet p;
    ck_assert_int_eq(
        decode_packet(dgram.linktype, dgram.frame, dgram.caplen, dgram.wirelen, true, &p),
        TV_DECODE_OK);
    ck_assert(p.truncated);
    ck_assert_int_eq(p.tcp_csum, CSUM_UNVERIFIED);
    ck_assert_uint_eq(p.payload_len, PAYLOAD_LEN);
}
END_TEST

START_TEST(test_datagrams_of_different_ids_stay_apart)
{
    ck_assert_int_eq(offer_cut(0, 512, true, 1, 0), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer_cut(0, 512, true, 2, 0), IP_REASSEMBLY_PENDING);
    ck_assert_int_eq(offer_cut(512, ip_payload_len - 512, false, 2, 0), IP_REASSEMBLY_DONE);
    ck_assert_uint_eq(ip_reassembly_pending(ra), 1);
    ck_assert_int_eq(offer_cut(512, ip_payload_len - 512, false, 1, 0), IP_REASSEMBLY_DONE);
    assert_datagram_is_the_whole();
}
END_TEST

START_TEST(test_invalid_limits_are_refused)
{
    ck_assert_ptr_null(ip_reassembly_create(0, IP_REASSEMBLY_TIMEOUT_US_DEFAULT, &test_key));
    ck_assert_ptr_null(ip_reassembly_create(IP_REASSEMBLY_MEMCAP_DEFAULT, 0, &test_key));
    ip_reassembly_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ip_reassembly");
    TCase *tc = tcase_create("fragments");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_in_order_fragments_make_the_whole_segment);
    tcase_add_test(tc, test_reversed_fragments_make_the_whole_segment);
    tcase_add_test(tc, test_ipv6_fragments_make_the_whole_segment);
    tcase_add_test(tc, test_a_duplicate_is_dropped_and_the_datagram_kept);
    tcase_add_test(tc, test_overlap_into_the_start_of_held_bytes_discards_the_datagram);
    tcase_add_test(tc, test_overlap_past_the_end_of_held_bytes_discards_the_datagram);
    tcase_add_test(tc, test_fragment_covering_held_bytes_discards_the_datagram);
    tcase_add_test(tc, test_fragment_across_two_runs_discards_the_datagram);
    tcase_add_test(tc, test_overlapping_last_fragment_discards_the_datagram);
    tcase_add_test(tc, test_missing_last_fragment_leaves_the_datagram_incomplete);
    tcase_add_test(tc, test_fragments_past_the_timeout_are_given_up);
    tcase_add_test(tc, test_memcap_drops_the_oldest_datagram_and_counts_it);
    tcase_add_test(tc, test_tiny_first_ipv4_fragment_is_reassembled_as_linux_does);
    tcase_add_test(tc, test_first_ipv6_fragment_without_the_whole_tcp_header_is_dropped);
    tcase_add_test(tc, test_fragment_past_65535_bytes_discards_the_datagram);
    tcase_add_test(tc, test_last_fragments_that_disagree_on_the_end_discard_the_datagram);
    tcase_add_test(tc, test_empty_fragment_discards_the_datagram);
    tcase_add_test(tc, test_ipv6_fragment_not_a_multiple_of_8_is_dropped_alone);
    tcase_add_test(tc, test_ipv6_atomic_fragment_is_a_whole_packet);
    tcase_add_test(tc, test_fragment_cut_by_the_capture_leaves_the_datagram_cut);
    tcase_add_test(tc, test_datagrams_of_different_ids_stay_apart);
    tcase_add_test(tc, test_invalid_limits_are_refused);
    suite_add_tcase(s, tc);
    return check_main_run(s);
}
