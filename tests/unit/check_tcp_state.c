/*
 * Tracker tests: conn_state and history as zeek-states.md defines them,
 * driven by real segments from the packet builder.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "conversation.h"
#include "tcp_state.h"

#define SYN TCP_FLAG_SYN
#define ACK TCP_FLAG_ACK
#define FIN TCP_FLAG_FIN
#define RST TCP_FLAG_RST
#define PSH TCP_FLAG_PSH

struct fixture {
    struct conversation conv;
    struct tcp_conn conn;
    struct tcp_conn_cold cold_store;
    struct tcp_cold_ref cold; /* takes cold_store, unless cold_left is false */
    bool cold_left;
    int cold_takes;
    struct tcp_event ev;
    bool flipped;
    uint32_t ms; /* the next segment's time into the connection */
    char history[HISTORY_CAP + 1];
};

static struct fixture fx;

static struct tcp_conn_cold *take_cold(void *ctx)
{
    (void)ctx;
    fx.cold_takes++;
    if (!fx.cold_left)
        return NULL;
    memset(&fx.cold_store, 0, sizeof(fx.cold_store));
    return &fx.cold_store;
}

static void setup(void)
{
    memset(&fx, 0, sizeof(fx));
    conversation_init(&fx.conv, "10.0.0.5", 50123, "10.0.0.9", 8530);
    tcp_conn_init(&fx.conn);
    fx.cold = (struct tcp_cold_ref){NULL, take_cold, NULL};
    fx.cold_left = true;
}

static const struct tcp_endpoint_cold *cold_ep(int i)
{
    return &tcp_cold_or_zero(fx.cold.cold)->ep[i];
}

static const char *state_name(void)
{
    return tcp_conn_state_name(&fx.conn, fx.cold.cold);
}

static uint64_t size_of(int i)
{
    return tcp_endpoint_size(&fx.conn.ep[i], cold_ep(i));
}

/* The client is the originator unless a test flips roles. */
static void send_seg(int from, uint8_t flags, uint32_t len)
{
    const struct packet *p = conversation_send(&fx.conv, from, flags, len);
    fx.flipped = tcp_conn_segment(&fx.conn, &fx.cold, from == CLIENT, p, fx.ms, &fx.ev);
}

static void send_at(int from, uint8_t flags, uint32_t len, uint32_t seq)
{
    const struct packet *p = conversation_send_at(&fx.conv, from, flags, len, seq);
    fx.flipped = tcp_conn_segment(&fx.conn, &fx.cold, from == CLIENT, p, fx.ms, &fx.ev);
}

static const char *history(void)
{
    history_str(&fx.conn.history, fx.cold.cold != NULL ? &fx.cold.cold->history : NULL, fx.history);
    return fx.history;
}

static void handshake(void)
{
    send_seg(CLIENT, SYN, 0);
    send_seg(SERVER, SYN | ACK, 0);
    send_seg(CLIENT, ACK, 0);
}

START_TEST(test_graceful_close_is_sf)
{
    handshake();
    send_seg(CLIENT, PSH | ACK, 100);
    send_seg(SERVER, ACK, 0);
    send_seg(SERVER, PSH | ACK, 300);
    send_seg(CLIENT, ACK, 0);
    send_seg(CLIENT, FIN | ACK, 0);
    send_seg(SERVER, FIN | ACK, 0);
    send_seg(CLIENT, ACK, 0);
    ck_assert_str_eq(state_name(), "SF");
    ck_assert_str_eq(history(), "ShADadFf");
    ck_assert_uint_eq(size_of(0), 100);
    ck_assert_uint_eq(size_of(1), 300);
    ck_assert(tcp_conn_is_closed(&fx.conn));
}
END_TEST

START_TEST(test_unanswered_syn_is_s0)
{
    send_seg(CLIENT, SYN, 0);
    ck_assert_str_eq(state_name(), "S0");
    ck_assert_str_eq(history(), "S");
}
END_TEST

START_TEST(test_retransmitted_syn_adds_no_letter)
{
    uint32_t isn = fx.conv.next_seq[CLIENT];
    send_seg(CLIENT, SYN, 0);
    send_at(CLIENT, SYN, 0, isn);
    ck_assert(fx.ev.is_syn_retry);
    ck_assert_str_eq(history(), "S");
    ck_assert_str_eq(state_name(), "S0");
}
END_TEST

START_TEST(test_syn_answered_by_rst_is_rej)
{
    send_seg(CLIENT, SYN, 0);
    send_seg(SERVER, RST | ACK, 0);
    ck_assert(fx.ev.is_rst_refusal);
    ck_assert_str_eq(state_name(), "REJ");
    ck_assert_str_eq(history(), "Sr");
}
END_TEST

START_TEST(test_responder_reset_is_rstr)
{
    handshake();
    send_seg(CLIENT, PSH | ACK, 10);
    send_seg(SERVER, RST | ACK, 0);
    ck_assert(!fx.ev.is_rst_refusal);
    ck_assert_str_eq(state_name(), "RSTR");
    ck_assert_str_eq(history(), "ShADr");
}
END_TEST

START_TEST(test_originator_reset_is_rsto)
{
    handshake();
    send_seg(SERVER, PSH | ACK, 10);
    send_seg(CLIENT, RST | ACK, 0);
    ck_assert_str_eq(state_name(), "RSTO");
    ck_assert_str_eq(history(), "ShAdR");
}
END_TEST

START_TEST(test_syn_then_own_rst_is_rstos0)
{
    send_seg(CLIENT, SYN, 0);
    send_seg(CLIENT, RST, 0);
    ck_assert_str_eq(state_name(), "RSTOS0");
    ck_assert_str_eq(history(), "SR");
}
END_TEST

START_TEST(test_lone_rst_is_oth)
{
    send_seg(CLIENT, RST, 0);
    ck_assert_str_eq(state_name(), "OTH");
    ck_assert_str_eq(history(), "R");
}
END_TEST

START_TEST(test_syn_then_fin_without_answer_is_sh)
{
    send_seg(CLIENT, SYN, 0);
    send_seg(CLIENT, FIN | ACK, 0);
    ck_assert_str_eq(state_name(), "SH");
}
END_TEST

START_TEST(test_half_closes_are_s2_and_s3)
{
    handshake();
    send_seg(CLIENT, FIN | ACK, 0);
    ck_assert_str_eq(state_name(), "S2");

    setup();
    handshake();
    send_seg(SERVER, FIN | ACK, 0);
    ck_assert_str_eq(state_name(), "S3");
}
END_TEST

START_TEST(test_established_without_close_is_s1)
{
    handshake();
    send_seg(CLIENT, PSH | ACK, 5);
    ck_assert_str_eq(state_name(), "S1");
}
END_TEST

START_TEST(test_midstream_traffic_is_oth)
{
    send_seg(CLIENT, PSH | ACK, 50);
    send_seg(SERVER, PSH | ACK, 70);
    send_seg(CLIENT, ACK, 0);
    ck_assert_str_eq(state_name(), "OTH");
    ck_assert_str_eq(history(), "DdA");
    /* The first segment of a side is not a retransmission of itself. */
    ck_assert_uint_eq(cold_ep(0)->rxmit_count, 0);
    ck_assert_uint_eq(size_of(0), 50);
}
END_TEST

START_TEST(test_synack_then_fin_without_syn_is_shr)
{
    /* The server is the originator here: it is the only side whose
     * packets are seen, as the tracker is told. */
    send_seg(SERVER, SYN | ACK, 0);
    send_seg(SERVER, FIN | ACK, 0);
    ck_assert_str_eq(state_name(), "SHR");
}
END_TEST

START_TEST(test_resent_payload_is_retransmission_with_log_letters)
{
    handshake();
    uint32_t seq = fx.conv.next_seq[CLIENT];
    send_seg(CLIENT, PSH | ACK, 100);
    for (int i = 0; i < 9; i++)
        send_at(CLIENT, PSH | ACK, 100, seq);
    ck_assert(fx.ev.is_retransmission);
    ck_assert_uint_eq(cold_ep(0)->rxmit_count, 9);
    ck_assert_str_eq(history(), "ShADT");
    send_at(CLIENT, PSH | ACK, 100, seq);
    ck_assert_str_eq(history(), "ShADTT"); /* the 10th adds a second T */
}
END_TEST

START_TEST(test_zero_window_is_w)
{
    handshake();
    const struct packet *p = conversation_send(&fx.conv, SERVER, ACK, 0);
    struct packet zero = *p;
    zero.tcp.window = 0;
    tcp_conn_segment(&fx.conn, &fx.cold, false, &zero, fx.ms, &fx.ev);
    ck_assert_str_eq(history(), "ShAaw");
}
END_TEST

START_TEST(test_ack_over_unseen_data_is_a_gap)
{
    handshake();
    /* The client's first 1000 bytes were never captured. */
    fx.conv.next_seq[CLIENT] += 1000;
    send_seg(CLIENT, PSH | ACK, 100);
    send_seg(SERVER, ACK, 0);
    ck_assert_str_eq(history(), "ShADaG");
    ck_assert_uint_eq(cold_ep(0)->gap_count, 1);
}
END_TEST

START_TEST(test_ack_of_fin_is_not_a_gap)
{
    handshake();
    send_seg(CLIENT, PSH | ACK, 100);
    send_seg(CLIENT, FIN | ACK, 0);
    send_seg(SERVER, ACK, 0);
    ck_assert_uint_eq(cold_ep(0)->gap_count, 0);
}
END_TEST

START_TEST(test_data_across_sequence_wrap_is_not_retransmission)
{
    fx.conv.next_seq[CLIENT] = 0xFFFFFF00u;
    handshake();
    send_seg(CLIENT, PSH | ACK, 0x80);
    send_seg(CLIENT, PSH | ACK, 0x100); /* crosses 2^32 */
    send_seg(CLIENT, PSH | ACK, 0x100);
    ck_assert_uint_eq(cold_ep(0)->rxmit_count, 0);
    ck_assert_uint_eq(size_of(0), 0x280);
}
END_TEST

START_TEST(test_fin_then_rst_from_same_side_closes_normally)
{
    handshake();
    send_seg(CLIENT, FIN | ACK, 0);
    send_seg(SERVER, FIN | ACK, 0);
    send_seg(CLIENT, RST, 0);
    /* After a FIN exchange a RST changes nothing. */
    ck_assert_str_eq(state_name(), "SF");
}
END_TEST

START_TEST(test_synack_before_syn_flips_roles)
{
    /* Captured in reverse: the server's SYN+ACK, seen as the originator's
     * first packet, then the client's SYN. */
    uint32_t client_isn = fx.conv.next_seq[CLIENT];
    fx.conv.next_seq[CLIENT] = client_isn + 1; /* what the SYN+ACK acks */
    const struct packet *p = conversation_send(&fx.conv, SERVER, SYN | ACK, 0);
    ck_assert(!tcp_conn_segment(&fx.conn, &fx.cold, true, p, fx.ms, &fx.ev));
    p = conversation_send_at(&fx.conv, CLIENT, SYN, 0, client_isn);
    ck_assert(tcp_conn_segment(&fx.conn, &fx.cold, false, p, fx.ms, &fx.ev));
    ck_assert_str_eq(history(), "Hs^");
    p = conversation_send(&fx.conv, CLIENT, ACK, 0);
    tcp_conn_segment(&fx.conn, &fx.cold, true, p, fx.ms, &fx.ev);
    ck_assert_str_eq(history(), "Hs^A");
    ck_assert_str_eq(state_name(), "S1");
    ck_assert_uint_eq(tcp_conn_pkts(&fx.conn, fx.cold.cold, 0), 2); /* the counts flipped too */
    ck_assert_uint_eq(tcp_conn_pkts(&fx.conn, fx.cold.cold, 1), 1);
}
END_TEST

START_TEST(test_new_syn_after_close_is_reuse)
{
    send_seg(CLIENT, SYN, 0);
    send_seg(SERVER, RST | ACK, 0);
    const struct packet *p = conversation_send(&fx.conv, CLIENT, SYN, 0);
    ck_assert(tcp_conn_is_reuse(&fx.conn, &p->tcp));
}
END_TEST

START_TEST(test_same_isn_on_open_attempt_is_not_reuse)
{
    uint32_t isn = fx.conv.next_seq[CLIENT];
    send_seg(CLIENT, SYN, 0);
    const struct packet *p = conversation_send_at(&fx.conv, CLIENT, SYN, 0, isn);
    ck_assert(!tcp_conn_is_reuse(&fx.conn, &p->tcp));
    p = conversation_send_at(&fx.conv, CLIENT, SYN, 0, isn + 77777);
    ck_assert(tcp_conn_is_reuse(&fx.conn, &p->tcp));
}
END_TEST

START_TEST(test_fin_and_rst_together_is_i)
{
    handshake();
    send_seg(CLIENT, FIN | RST | ACK, 0);
    ck_assert_str_eq(history(), "ShAI");
}
END_TEST

START_TEST(test_bad_checksum_is_c_and_still_tracked)
{
    handshake();
    struct packet p = *conversation_send(&fx.conv, CLIENT, PSH | ACK, 10);
    p.tcp_csum = CSUM_BAD;
    tcp_conn_segment(&fx.conn, &fx.cold, true, &p, fx.ms, &fx.ev);
    ck_assert_str_eq(history(), "ShACD");
    ck_assert_uint_eq(cold_ep(0)->csum_count, 1);
}
END_TEST

START_TEST(test_clean_connection_needs_no_cold_half)
{
    handshake();
    send_seg(CLIENT, PSH | ACK, 100);
    send_seg(SERVER, PSH | ACK, 300);
    send_seg(CLIENT, FIN | ACK, 0);
    send_seg(SERVER, FIN | ACK, 0);
    send_seg(CLIENT, ACK, 0);
    ck_assert_str_eq(history(), "ShADdFf");
    ck_assert_int_eq(fx.cold_takes, 0);
    ck_assert_ptr_null(fx.cold.cold);
}
END_TEST

START_TEST(test_hole_takes_the_cold_half_once)
{
    handshake();
    uint32_t seq = fx.conv.next_seq[CLIENT];
    send_at(CLIENT, PSH | ACK, 100, seq + 100); /* overtook the first segment */
    ck_assert_int_eq(fx.cold_takes, 1);
    ck_assert(cold_ep(0)->has_hole);
    send_at(CLIENT, PSH | ACK, 100, seq);
    ck_assert(fx.ev.filled_hole_fast);
    ck_assert(!cold_ep(0)->has_hole);
    ck_assert_uint_eq(cold_ep(0)->ooo_count, 1);
    ck_assert_int_eq(fx.cold_takes, 1);
}
END_TEST

START_TEST(test_tracker_survives_when_no_cold_half_is_left)
{
    fx.cold_left = false;
    handshake();
    uint32_t seq = fx.conv.next_seq[CLIENT];
    send_seg(CLIENT, PSH | ACK, 100);
    send_at(CLIENT, PSH | ACK, 100, seq);
    ck_assert(fx.ev.is_retransmission); /* still seen, just not counted */
    ck_assert_ptr_null(fx.cold.cold);
    ck_assert_int_ge(fx.cold_takes, 1);
    send_seg(CLIENT, FIN | ACK, 0);
    send_seg(SERVER, FIN | ACK, 0);
    ck_assert_str_eq(state_name(), "SF");
    ck_assert_uint_eq(size_of(0), 100);
}
END_TEST

/* Ten letters, none of which needs the cold half for anything else. */
static void ten_letters(void)
{
    handshake();
    send_seg(CLIENT, PSH | ACK, 100);
    send_seg(SERVER, ACK, 0);
    send_seg(SERVER, PSH | ACK, 300);
    send_seg(CLIENT, SYN | FIN, 0);
    send_seg(SERVER, SYN | FIN, 0);
    send_seg(CLIENT, FIN | RST, 0);
    ck_assert_uint_eq(history_len(&fx.conn.history), HISTORY_INLINE);
    ck_assert_int_eq(fx.cold_takes, 0);
    send_seg(SERVER, FIN | RST, 0);
}

START_TEST(test_history_past_the_inline_letters_goes_to_the_cold_half)
{
    ten_letters();
    ck_assert_int_eq(fx.cold_takes, 1);
    ck_assert_str_eq(history(), "ShADadQqIi");
}
END_TEST

START_TEST(test_history_past_the_inline_letters_is_dropped_without_a_cold_half)
{
    fx.cold_left = false;
    ten_letters();
    ck_assert_int_eq(fx.cold_takes, 1); /* the caller was told */
    ck_assert_str_eq(history(), "ShADadQqI");
}
END_TEST

START_TEST(test_segment_counts_past_16_bits_go_to_the_cold_half)
{
    handshake(); /* two from the client */
    for (uint32_t n = 2; n < UINT16_MAX; n++)
        send_seg(CLIENT, ACK, 0);
    ck_assert_uint_eq(tcp_conn_pkts(&fx.conn, fx.cold.cold, 0), UINT16_MAX);
    ck_assert_int_eq(fx.cold_takes, 0);
    send_seg(CLIENT, ACK, 0);
    ck_assert_int_eq(fx.cold_takes, 1);
    ck_assert_uint_eq(tcp_conn_pkts(&fx.conn, fx.cold.cold, 0), UINT16_MAX + 1u);
    for (int n = 0; n < 4; n++)
        send_seg(CLIENT, ACK, 0);
    ck_assert_uint_eq(tcp_conn_pkts(&fx.conn, fx.cold.cold, 0), UINT16_MAX + 5u);
    ck_assert_uint_eq(tcp_conn_pkts(&fx.conn, fx.cold.cold, 1), 1);
    ck_assert_str_eq(history(), "ShA");
}
END_TEST

START_TEST(test_segment_count_stays_at_16_bits_without_a_cold_half)
{
    fx.cold_left = false;
    handshake();
    for (uint32_t n = 2; n < UINT16_MAX + 10u; n++)
        send_seg(CLIENT, ACK, 0);
    ck_assert_int_ge(fx.cold_takes, 1); /* the caller was told */
    ck_assert_uint_eq(tcp_conn_pkts(&fx.conn, NULL, 0), UINT16_MAX);
}
END_TEST

static Suite *tcp_state_suite(void)
{
    Suite *s = suite_create("tcp_state");
    TCase *tc = tcase_create("zeek");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_graceful_close_is_sf);
    tcase_add_test(tc, test_segment_counts_past_16_bits_go_to_the_cold_half);
    tcase_add_test(tc, test_segment_count_stays_at_16_bits_without_a_cold_half);
    tcase_add_test(tc, test_history_past_the_inline_letters_goes_to_the_cold_half);
    tcase_add_test(tc, test_history_past_the_inline_letters_is_dropped_without_a_cold_half);
    tcase_add_test(tc, test_unanswered_syn_is_s0);
    tcase_add_test(tc, test_retransmitted_syn_adds_no_letter);
    tcase_add_test(tc, test_syn_answered_by_rst_is_rej);
    tcase_add_test(tc, test_responder_reset_is_rstr);
    tcase_add_test(tc, test_originator_reset_is_rsto);
    tcase_add_test(tc, test_syn_then_own_rst_is_rstos0);
    tcase_add_test(tc, test_lone_rst_is_oth);
    tcase_add_test(tc, test_syn_then_fin_without_answer_is_sh);
    tcase_add_test(tc, test_half_closes_are_s2_and_s3);
    tcase_add_test(tc, test_established_without_close_is_s1);
    tcase_add_test(tc, test_midstream_traffic_is_oth);
    tcase_add_test(tc, test_synack_then_fin_without_syn_is_shr);
    tcase_add_test(tc, test_resent_payload_is_retransmission_with_log_letters);
    tcase_add_test(tc, test_zero_window_is_w);
    tcase_add_test(tc, test_ack_over_unseen_data_is_a_gap);
    tcase_add_test(tc, test_ack_of_fin_is_not_a_gap);
    tcase_add_test(tc, test_data_across_sequence_wrap_is_not_retransmission);
    tcase_add_test(tc, test_fin_then_rst_from_same_side_closes_normally);
    tcase_add_test(tc, test_synack_before_syn_flips_roles);
    tcase_add_test(tc, test_new_syn_after_close_is_reuse);
    tcase_add_test(tc, test_same_isn_on_open_attempt_is_not_reuse);
    tcase_add_test(tc, test_fin_and_rst_together_is_i);
    tcase_add_test(tc, test_bad_checksum_is_c_and_still_tracked);
    tcase_add_test(tc, test_clean_connection_needs_no_cold_half);
    tcase_add_test(tc, test_hole_takes_the_cold_half_once);
    tcase_add_test(tc, test_tracker_survives_when_no_cold_half_is_left);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(tcp_state_suite());
}
