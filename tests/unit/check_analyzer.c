/*
 * Analyzer tests through the public API: flows end exactly once, with the
 * end, anomalies, Winsock codes and firewall view the design notes give.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "check_main.h"
#include "conversation.h"
#include "tcpverdict.h"

#define SYN      TCP_FLAG_SYN
#define ACK      TCP_FLAG_ACK
#define FIN      TCP_FLAG_FIN
#define RST      TCP_FLAG_RST
#define PSH      TCP_FLAG_PSH
#define MAX_SEEN 16

struct seen {
    char conn_state[8];
    char history[32];
    enum tv_end end;
    enum tv_level level;
    int orig_winsock;
    int resp_winsock;
    uint32_t attempt;
    uint64_t strict_drops;
    uint64_t loose_drops;
    uint64_t flow_id;
    int64_t first_us;
    int64_t last_us;
    char anomalies[160]; /* "code:dir:count " ... */
    bool has_hint;
    uint64_t first_anomaly_pkt;
    bool interim;
    uint16_t resp_port;
    char service[32];
    char resp_role[32];
    char nflog_prefix[140]; /* "-" for none */
    uint16_t nflog_group;
};

static struct seen seen[MAX_SEEN];
static int seen_count;
static struct tv_analyzer *an;
static struct conversation conv;
static int64_t now_us;
static uint32_t next_epb_flags; /* the capture file's flags for the next packet only */

static void on_verdict(const struct tv_verdict *v, void *ctx)
{
    (void)ctx;
    ck_assert_int_lt(seen_count, MAX_SEEN);
    struct seen *s = &seen[seen_count++];
    memset(s, 0, sizeof(*s));
    snprintf(s->conn_state, sizeof(s->conn_state), "%s", v->conn_state);
    snprintf(s->history, sizeof(s->history), "%s", v->history);
    s->end = v->end;
    s->level = v->level;
    s->orig_winsock = v->orig.winsock;
    s->resp_winsock = v->resp.winsock;
    s->attempt = v->attempt;
    s->strict_drops = v->strict_drops;
    s->loose_drops = v->loose_drops;
    s->flow_id = v->flow_id;
    s->first_us = v->first_us;
    s->last_us = v->last_us;
    s->has_hint = v->hint != NULL;
    s->first_anomaly_pkt = v->anomaly_count ? v->anomalies[0].first_pkt : 0;
    s->interim = v->interim;
    s->resp_port = v->resp.port;
    snprintf(s->service, sizeof(s->service), "%s", v->service ? v->service : "-");
    snprintf(s->resp_role, sizeof(s->resp_role), "%s", v->resp.role ? v->resp.role : "-");
    snprintf(s->nflog_prefix, sizeof(s->nflog_prefix), "%s",
             v->nflog_prefix ? v->nflog_prefix : "-");
    s->nflog_group = v->nflog_group;
    for (size_t i = 0; i < v->anomaly_count; i++) {
        size_t used = strlen(s->anomalies);
        snprintf(s->anomalies + used, sizeof(s->anomalies) - used, "%s:%s:%u ",
                 v->anomalies[i].code, v->anomalies[i].from_orig ? "orig" : "resp",
                 v->anomalies[i].count);
    }
}

static void start_with(const struct tv_config *cfg, uint16_t port)
{
    seen_count = 0;
    now_us = INT64_C(1700000000000000);
    an = tv_analyzer_create(cfg, on_verdict, NULL);
    ck_assert_ptr_nonnull(an);
    conversation_init(&conv, "10.0.0.5", 50123, "10.0.0.9", port);
}

static void start(uint32_t max_flows, uint16_t port)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.max_flows = max_flows;
    seen_count = 0;
    now_us = INT64_C(1700000000000000);
    an = tv_analyzer_create(&cfg, on_verdict, NULL);
    ck_assert_ptr_nonnull(an);
    conversation_init(&conv, "10.0.0.5", 50123, "10.0.0.9", port);
}

static void feed_packet(void)
{
    struct tv_packet p = {.linktype = LINK_ETHERNET,
                          .ts_us = now_us,
                          .data = conv.frame,
                          .caplen = (uint32_t)conv.frame_len,
                          .wirelen = (uint32_t)conv.frame_len,
                          .epb_flags = next_epb_flags};
    tv_analyzer_packet(an, &p);
    now_us += 1000;
    next_epb_flags = 0;
}

/* The conversation's next segment as a Linux firewall rule logs it
 * through NFLOG group `group` with `prefix` (NULL: none): the IP packet
 * behind the 4-byte NFLOG header and little-endian attributes. */
static void feed_nflog(int from, uint8_t flags, uint32_t len, uint16_t group, const char *prefix)
{
    conversation_send(&conv, from, flags, len);
    static uint8_t frame[sizeof(conv.frame) + 256];
    size_t n = 0;
    frame[n++] = 2; /* AF_INET */
    frame[n++] = 0;
    frame[n++] = (uint8_t)(group >> 8);
    frame[n++] = (uint8_t)group;
    if (prefix != NULL) {
        size_t text_len = strlen(prefix) + 1;
        frame[n++] = (uint8_t)(text_len + 4);
        frame[n++] = 0;
        frame[n++] = 10; /* NFULA_PREFIX */
        frame[n++] = 0;
        memcpy(frame + n, prefix, text_len);
        n += text_len;
        while (n % 4 != 0)
            frame[n++] = 0;
    }
    size_t ip_len = conv.frame_len - 14;
    frame[n++] = (uint8_t)(ip_len + 4);
    frame[n++] = (uint8_t)((ip_len + 4) >> 8);
    frame[n++] = 9; /* NFULA_PAYLOAD */
    frame[n++] = 0;
    memcpy(frame + n, conv.frame + 14, ip_len);
    n += ip_len;
    struct tv_packet p = {.linktype = LINK_NFLOG,
                          .ts_us = now_us,
                          .data = frame,
                          .caplen = (uint32_t)n,
                          .wirelen = (uint32_t)n};
    tv_analyzer_packet(an, &p);
    now_us += 1000;
}

static void feed(int from, uint8_t flags, uint32_t len)
{
    conversation_send(&conv, from, flags, len);
    feed_packet();
}

static void feed_at(int from, uint8_t flags, uint32_t len, uint32_t seq)
{
    conversation_send_at(&conv, from, flags, len, seq);
    feed_packet();
}

static void finish(void)
{
    tv_analyzer_finish(an);
    uint64_t final = 0;
    for (int i = 0; i < seen_count; i++)
        final += !seen[i].interim;
    ck_assert_uint_eq(tv_analyzer_stats(an)->flows, final); /* one verdict per flow */
    tv_analyzer_destroy(an);
    an = NULL;
}

static void handshake(void)
{
    feed(CLIENT, SYN, 0);
    feed(SERVER, SYN | ACK, 0);
    feed(CLIENT, ACK, 0);
}

START_TEST(test_graceful_flow_is_ok_and_ends_fin)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, PSH | ACK, 200);
    feed(SERVER, PSH | ACK, 900);
    feed(CLIENT, FIN | ACK, 0);
    feed(SERVER, FIN | ACK, 0);
    feed(CLIENT, ACK, 0);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].conn_state, "SF");
    ck_assert_int_eq(seen[0].end, TV_END_FIN);
    ck_assert_int_eq(seen[0].level, TV_LEVEL_OK);
    ck_assert_str_eq(seen[0].anomalies, "");
    ck_assert_uint_eq(seen[0].strict_drops, 0);
}
END_TEST

START_TEST(test_flow_of_hours_with_a_huge_packet_number_keeps_exact_times_and_id)
{
    const int64_t half_hour_us = INT64_C(1800) * 1000000;
    start(100, 8530);
    int64_t first_us = now_us;
    handshake();
    for (int i = 0; i < 6; i++) { /* three hours, well past 2^32 µs */
        now_us += half_hour_us;
        feed(CLIENT, PSH | ACK, 10);
        feed(SERVER, ACK, 0);
    }
    int64_t last_us = now_us;
    conversation_send(&conv, CLIENT, FIN | ACK, 0);
    struct tv_packet p = {.linktype = LINK_ETHERNET,
                          .ts_us = last_us,
                          .number = UINT64_MAX - 1, /* past 48 bits */
                          .data = conv.frame,
                          .caplen = (uint32_t)conv.frame_len,
                          .wirelen = (uint32_t)conv.frame_len};
    tv_analyzer_packet(an, &p);
    conversation_init(&conv, "10.0.0.6", 50124, "10.0.0.9", 8530);
    p.number = UINT64_MAX;
    conversation_send(&conv, CLIENT, SYN, 0);
    p.data = conv.frame;
    p.caplen = p.wirelen = (uint32_t)conv.frame_len;
    tv_analyzer_packet(an, &p);
    finish();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[0].flow_id, 1);
    ck_assert_int_eq(seen[0].first_us, first_us);
    ck_assert_int_eq(seen[0].last_us, last_us);
    ck_assert_str_eq(seen[0].history, "ShADaF");
    ck_assert_uint_eq(seen[1].flow_id, UINT64_MAX);
    ck_assert_int_eq(seen[1].first_us, last_us);
    ck_assert_str_eq(seen[1].history, "S");
}
END_TEST

/* Times at the ends of int64_t are held at +-TV_TS_MAX_US, where adding a
 * timeout cannot overflow (the sanitizer build would stop otherwise). */
START_TEST(test_times_at_the_ends_of_int64_are_held_in_range)
{
    static const int64_t extremes[] = {INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
    static const uint8_t flags[] = {SYN, SYN | ACK, ACK};
    for (size_t i = 0; i < sizeof(extremes) / sizeof(extremes[0]); i++) {
        start(4, 8530);
        for (int k = 0; k < 3; k++) {
            conversation_send(&conv, k == 1 ? SERVER : CLIENT, flags[k], 0);
            struct tv_packet p = {.linktype = LINK_ETHERNET,
                                  .ts_us = extremes[i],
                                  .data = conv.frame,
                                  .caplen = (uint32_t)conv.frame_len,
                                  .wirelen = (uint32_t)conv.frame_len};
            tv_analyzer_packet(an, &p);
        }
        tv_analyzer_tick(an, extremes[i]);
        finish();
        int64_t held = extremes[i] > 0 ? TV_TS_MAX_US : -TV_TS_MAX_US;
        ck_assert_int_eq(seen_count, 1);
        ck_assert_int_eq(seen[0].first_us, held);
        ck_assert_int_eq(seen[0].last_us, held);
        ck_assert_str_eq(seen[0].history, "ShA");
    }
}
END_TEST

START_TEST(test_each_refused_retry_is_a_flow_counting_attempts)
{
    start(100, 6050);
    for (int i = 0; i < 3; i++) {
        feed(CLIENT, SYN, 0);
        feed(SERVER, RST | ACK, 0);
    }
    finish();
    ck_assert_int_eq(seen_count, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(seen[i].conn_state, "REJ");
        ck_assert_int_eq(seen[i].end, TV_END_REFUSED);
        ck_assert_int_eq(seen[i].orig_winsock, TV_WINSOCK_ECONNREFUSED);
        ck_assert_uint_eq(seen[i].attempt, (uint32_t)i);
        ck_assert_str_eq(seen[i].anomalies, "rst_refused:resp:1 ");
        ck_assert(seen[i].has_hint); /* Arcserve agent not listening */
    }
}
END_TEST

START_TEST(test_a_flow_keeps_its_own_anomaly_records_and_no_more)
{
    /* Two flows' worth, as the analyzer sizes the pool for its table. */
    struct anomaly_pool *pool = anomaly_pool_create(2 * ANOMALY_FLOW_RECORDS);
    ck_assert_ptr_nonnull(pool);
    struct anomaly_set greedy;
    struct anomaly_set other;
    anomaly_set_init(&greedy);
    anomaly_set_init(&other);
    for (int code = 0; code < ANOMALY_FLOW_RECORDS + 3; code++)
        anomaly_note(pool, &greedy, (enum anomaly_code)code, true, 10u + (unsigned)code, 0);
    /* A flow past its records: counted, and its level still knows. */
    ck_assert_uint_eq(anomaly_pool_exhausted(pool), 3);
    ck_assert_uint_eq(greedy.mask, (1u << (ANOMALY_FLOW_RECORDS + 3)) - 1);
    unsigned recs = 0;
    for (uint32_t i = greedy.head; i != ANOMALY_NONE; i = anomaly_rec_at(pool, i)->next)
        recs++;
    ck_assert_uint_eq(recs, ANOMALY_FLOW_RECORDS);
    /* It took nothing of another flow's. */
    for (int code = 0; code < ANOMALY_FLOW_RECORDS; code++)
        anomaly_note(pool, &other, (enum anomaly_code)code, false, 99, 0);
    ck_assert_uint_eq(anomaly_pool_exhausted(pool), 3);
    anomaly_set_release(pool, &greedy);
    anomaly_set_release(pool, &other);
    anomaly_pool_destroy(pool);
}
END_TEST

START_TEST(test_segments_after_rst_are_orphans_a_strict_firewall_drops)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, RST | ACK, 0);
    for (int i = 0; i < 3; i++)
        feed(CLIENT, PSH | ACK, 100);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].conn_state, "RSTR");
    ck_assert_int_eq(seen[0].end, TV_END_RST);
    ck_assert_int_eq(seen[0].level, TV_LEVEL_FAIL);
    ck_assert_str_eq(seen[0].anomalies, "rst_abort:resp:1 orphan_after_rst:orig:3 ");
    ck_assert_int_eq(seen[0].orig_winsock, TV_WINSOCK_ECONNRESET);
    ck_assert_int_eq(seen[0].resp_winsock, TV_WINSOCK_NONE);
    ck_assert_uint_eq(seen[0].strict_drops, 3);
    ck_assert_uint_eq(seen[0].loose_drops, 0); /* a loose firewall adopts the ACKs */
    ck_assert(seen[0].has_hint);
}
END_TEST

START_TEST(test_unanswered_syns_time_out)
{
    start(100, 6051);
    uint32_t isn = conv.next_seq[CLIENT];
    feed(CLIENT, SYN, 0);
    now_us += 1000000;
    feed_at(CLIENT, SYN, 0, isn);
    now_us += 3000000;
    feed_at(CLIENT, SYN, 0, isn);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].conn_state, "S0");
    ck_assert_int_eq(seen[0].end, TV_END_SYN_TIMEOUT);
    ck_assert_int_eq(seen[0].orig_winsock, TV_WINSOCK_ETIMEDOUT);
    ck_assert_str_eq(seen[0].anomalies, "syn_timeout:orig:3 ");
    ck_assert_uint_eq(seen[0].first_anomaly_pkt, 1); /* dated from the first SYN */
}
END_TEST

START_TEST(test_attempt_ends_when_its_deadline_passes)
{
    start(100, 6051);
    feed(CLIENT, SYN, 0);
    now_us += INT64_C(76) * 1000000; /* past the 75 s default */
    conversation_init(&conv, "10.0.0.6", 50000, "10.0.0.9", 6051);
    feed(CLIENT, SYN, 0);
    ck_assert_int_eq(seen_count, 1); /* the first ended before the second began */
    ck_assert_int_eq(seen[0].end, TV_END_SYN_TIMEOUT);
    finish();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_int_eq(seen[1].end, TV_END_OPEN); /* a single SYN at the end: still open */
}
END_TEST

START_TEST(test_single_syn_unanswered_for_seconds_times_out_at_end)
{
    start(100, 6051);
    conversation_init(&conv, "10.0.0.6", 50001, "10.0.0.9", 8530);
    handshake(); /* other traffic, so that the input goes on */
    conversation_init(&conv, "10.0.0.5", 50123, "10.0.0.9", 6051);
    feed(CLIENT, SYN, 0);
    now_us += 5 * 1000000;
    conversation_init(&conv, "10.0.0.6", 50001, "10.0.0.9", 8530);
    conv.next_seq[CLIENT] = 1001;
    conv.next_seq[SERVER] = 5001;
    feed(CLIENT, ACK, 0);
    finish();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_int_eq(seen[1].end, TV_END_SYN_TIMEOUT);
    ck_assert_uint_eq(seen[1].first_anomaly_pkt, 4);
}
END_TEST

START_TEST(test_full_table_evicts_and_every_flow_gets_one_verdict)
{
    start(2, 8530);
    for (int i = 0; i < 5; i++) {
        conversation_init(&conv, "10.0.0.5", (uint16_t)(40000 + i), "10.0.0.9", 8530);
        handshake();
    }
    ck_assert_uint_eq(tv_analyzer_stats(an)->evictions, 3);
    finish();
    ck_assert_int_eq(seen_count, 5);
    int evicted = 0;
    for (int i = 0; i < 5; i++)
        evicted += seen[i].end == TV_END_EVICTED;
    ck_assert_int_eq(evicted, 3);
    ck_assert_int_eq(seen[4].end, TV_END_OPEN);
}
END_TEST

START_TEST(test_midstream_at_start_is_notice_but_later_is_orphan_no_state)
{
    start(100, 8530);
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, ACK, 0);
    now_us += INT64_C(60) * 1000000;
    conversation_init(&conv, "10.0.0.7", 50555, "10.0.0.9", 8530);
    feed(CLIENT, PSH | ACK, 100);
    feed(CLIENT, PSH | ACK, 100);
    finish();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_str_eq(seen[0].anomalies, "midstream_start:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_NOTICE);
    ck_assert_str_eq(seen[1].anomalies, "orphan_no_state:orig:2 ");
    ck_assert_int_eq(seen[1].level, TV_LEVEL_FAIL);
    ck_assert_uint_eq(seen[1].strict_drops, 2);
}
END_TEST

START_TEST(test_first_packet_from_server_port_makes_it_the_responder)
{
    start(100, 8530);
    feed(SERVER, PSH | ACK, 100);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].history, "^d");
    ck_assert_str_eq(seen[0].anomalies, "midstream_start:resp:1 ");
}
END_TEST

START_TEST(test_closed_flow_lingers_then_ends)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, FIN | ACK, 0);
    feed(SERVER, FIN | ACK, 0);
    feed(CLIENT, ACK, 0);
    ck_assert_int_eq(seen_count, 0);
    now_us += INT64_C(61) * 1000000;
    conversation_init(&conv, "10.0.0.8", 50666, "10.0.0.9", 8530);
    feed(CLIENT, SYN, 0);
    ck_assert_int_eq(seen_count, 1);
    ck_assert_int_eq(seen[0].end, TV_END_FIN);
    finish();
}
END_TEST

START_TEST(test_rst_after_fin_is_warn)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, FIN | ACK, 0);
    feed(SERVER, RST | ACK, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "rst_after_fin:resp:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_WARN);
}
END_TEST

START_TEST(test_rst_after_long_idle_is_rst_after_idle)
{
    start(100, 6050);
    handshake();
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, ACK, 0);
    now_us += INT64_C(20) * 60 * 1000000; /* the agent's 20-minute reply time-out */
    feed(SERVER, RST | ACK, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "rst_abort:resp:1 rst_after_idle:resp:1 ");
    ck_assert_int_eq(seen[0].orig_winsock, TV_WINSOCK_ECONNRESET);
}
END_TEST

START_TEST(test_malformed_packets_are_counted_not_tracked)
{
    start(100, 8530);
    uint8_t junk[10] = {0};
    struct tv_packet p = {.linktype = LINK_ETHERNET,
                          .ts_us = now_us,
                          .data = junk,
                          .caplen = sizeof(junk),
                          .wirelen = sizeof(junk)};
    tv_analyzer_packet(an, &p);
    p.linktype = 4242;
    tv_analyzer_packet(an, &p);
    const struct tv_stats *st = tv_analyzer_stats(an);
    ck_assert_uint_eq(st->packets, 2);
    ck_assert_uint_eq(st->tcp_packets, 0);
    ck_assert_uint_eq(st->decode[TV_DECODE_TRUNCATED] + st->decode[TV_DECODE_UNSUPPORTED_LINK], 2);
    finish();
    ck_assert_int_eq(seen_count, 0);
}
END_TEST

START_TEST(test_tick_ends_flows_while_no_packets_arrive)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, FIN | ACK, 0);
    feed(SERVER, FIN | ACK, 0);
    tv_analyzer_tick(an, now_us + INT64_C(30) * 1000000);
    ck_assert_int_eq(seen_count, 0); /* still lingering */
    tv_analyzer_tick(an, now_us + INT64_C(61) * 1000000);
    ck_assert_int_eq(seen_count, 1);
    ck_assert_int_eq(seen[0].end, TV_END_FIN);
    finish();
}
END_TEST

START_TEST(test_long_flow_gets_interim_records_then_one_final_verdict)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.interim_us = INT64_C(10) * 1000000;
    start_with(&cfg, 8530);
    handshake();
    for (int i = 0; i < 5; i++) {
        now_us += INT64_C(6) * 1000000;
        feed(CLIENT, PSH | ACK, 10);
    }
    finish();
    int interim = 0;
    for (int i = 0; i < seen_count; i++)
        interim += seen[i].interim;
    ck_assert_int_eq(interim, 3); /* at 10, 20 and 30 s of a 30 s flow */
    ck_assert_int_eq(seen_count, 4);
    ck_assert(!seen[3].interim);
    ck_assert_int_eq(seen[3].end, TV_END_OPEN);
    ck_assert_uint_eq(seen[0].flow_id, seen[3].flow_id);
}
END_TEST

START_TEST(test_caller_packet_numbers_become_flow_ids)
{
    start(100, 8530);
    conversation_send(&conv, CLIENT, SYN, 0);
    struct tv_packet p = {.linktype = LINK_ETHERNET,
                          .ts_us = now_us,
                          .data = conv.frame,
                          .caplen = (uint32_t)conv.frame_len,
                          .wirelen = (uint32_t)conv.frame_len,
                          .number = 4242};
    tv_analyzer_packet(an, &p);
    finish();
    ck_assert_uint_eq(seen[0].flow_id, 4242);
}
END_TEST

static void feed_cut(int from, uint8_t flags, uint32_t len, uint32_t caplen)
{
    conversation_send(&conv, from, flags, len);
    struct tv_packet p = {.linktype = LINK_ETHERNET,
                          .ts_us = now_us,
                          .data = conv.frame,
                          .caplen = caplen,
                          .wirelen = (uint32_t)conv.frame_len};
    tv_analyzer_packet(an, &p);
    now_us += 1000;
}

/* A handshake with MSS 1460 both ways and window scaling offered by both. */
static void handshake_with_options(void)
{
    conv.extra.mss = 1460;
    conv.extra.has_wscale = true;
    conv.extra.wscale = 7;
    feed(CLIENT, SYN, 0);
    conv.extra.mss = 1460;
    conv.extra.has_wscale = true;
    conv.extra.wscale = 7;
    feed(SERVER, SYN | ACK, 0);
    feed(CLIENT, ACK, 0);
}

static void late_start(void)
{
    /* Other traffic first, so that what follows is well past the grace. */
    conversation_init(&conv, "10.0.0.77", 40000, "10.0.0.78", 22);
    feed(CLIENT, SYN, 0);
    now_us += INT64_C(30) * 1000000;
    conversation_init(&conv, "10.0.0.5", 50123, "10.0.0.9", 8530);
}

static const struct seen *flow_to(uint16_t server_port)
{
    for (int i = 0; i < seen_count; i++)
        if (seen[i].resp_port == server_port)
            return &seen[i];
    ck_abort_msg("no flow to port %u", server_port);
    return NULL;
}

START_TEST(test_data_after_fin_exchange_is_orphan_after_close)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, FIN | ACK, 0);
    feed(SERVER, FIN | ACK, 0);
    feed(CLIENT, ACK, 0);
    feed_at(CLIENT, PSH | ACK, 50, conv.next_seq[CLIENT]);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "orphan_after_close:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_WARN);
    ck_assert_int_eq(seen[0].end, TV_END_FIN);
}
END_TEST

START_TEST(test_lone_control_segments_are_unsolicited)
{
    start(100, 8530);
    late_start();
    conversation_init(&conv, "10.0.0.5", 50001, "10.0.0.9", 8530);
    feed(SERVER, SYN | ACK, 0);
    conversation_init(&conv, "10.0.0.5", 50002, "10.0.0.9", 8531);
    feed(CLIENT, FIN, 0);
    conversation_init(&conv, "10.0.0.5", 50003, "10.0.0.9", 6050);
    feed(SERVER, RST, 0);
    finish();
    ck_assert_int_eq(seen_count, 4);
    ck_assert_str_eq(flow_to(8530)->anomalies, "unsolicited_synack:resp:1 ");
    ck_assert_str_eq(flow_to(8531)->anomalies, "unsolicited_fin:orig:1 ");
    ck_assert_str_eq(flow_to(6050)->anomalies, "unsolicited_rst:resp:1 ");
    ck_assert_int_eq(flow_to(8530)->level, TV_LEVEL_WARN);
}
END_TEST

START_TEST(test_rst_outside_the_window_is_flagged_and_not_believed)
{
    start(100, 8530);
    handshake_with_options();
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, ACK, 0);
    /* 1 GB beyond what the server may accept: its stack ignores it. */
    feed_at(CLIENT, RST, 0, conv.next_seq[CLIENT] + 1000000000u);
    feed(SERVER, PSH | ACK, 200);
    feed(CLIENT, ACK, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "rst_out_of_window:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_WARN);
    ck_assert_int_eq(seen[0].resp_winsock, TV_WINSOCK_NONE);
    ck_assert_uint_eq(seen[0].strict_drops, 0);
    ck_assert_int_ne(seen[0].end, TV_END_RST);
}
END_TEST

START_TEST(test_rst_in_the_window_is_believed)
{
    start(100, 8530);
    handshake_with_options();
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, ACK, 0);
    feed_at(CLIENT, RST, 0, conv.next_seq[CLIENT] + 1000u); /* inside a 65535 << 7 window */
    finish();
    ck_assert_str_eq(seen[0].anomalies, "rst_abort:orig:1 ");
    ck_assert_int_eq(seen[0].resp_winsock, TV_WINSOCK_ECONNRESET);
}
END_TEST

START_TEST(test_rst_to_a_syn_with_the_wrong_ack_is_not_a_refusal)
{
    start(100, 6050);
    uint32_t isn = conv.next_seq[CLIENT];
    feed(CLIENT, SYN, 0);
    conv.next_seq[CLIENT] = isn; /* an injected RST acking the ISN itself */
    feed(SERVER, RST | ACK, 0);
    conv.next_seq[CLIENT] = isn + 1;
    feed(SERVER, SYN | ACK, 0);
    feed(CLIENT, ACK, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "rst_out_of_window:resp:1 ");
    ck_assert_int_ne(seen[0].end, TV_END_REFUSED);
    ck_assert_int_eq(seen[0].orig_winsock, TV_WINSOCK_NONE);
}
END_TEST

START_TEST(test_rst_carrying_payload_is_rst_with_data)
{
    start(100, 8530);
    handshake();
    feed(SERVER, RST | ACK, 30);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "rst_with_data:resp:1 rst_abort:resp:1 ");
}
END_TEST

START_TEST(test_retransmissions_never_acked_are_a_giveup)
{
    start(100, 6050);
    handshake();
    uint32_t seq = conv.next_seq[CLIENT];
    feed(CLIENT, PSH | ACK, 100);
    for (int i = 0; i < 5; i++) {
        now_us += (INT64_C(1) << i) * 200000; /* back-off */
        feed_at(CLIENT, PSH | ACK, 100, seq);
    }
    finish();
    ck_assert_str_eq(seen[0].anomalies, "retransmission_giveup:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_FAIL);
    ck_assert_int_eq(seen[0].orig_winsock, TV_WINSOCK_ECONNABORTED);
}
END_TEST

START_TEST(test_retransmissions_finally_acked_are_no_giveup)
{
    start(100, 6050);
    handshake();
    uint32_t seq = conv.next_seq[CLIENT];
    feed(CLIENT, PSH | ACK, 100);
    for (int i = 0; i < 4; i++)
        feed_at(CLIENT, PSH | ACK, 100, seq);
    feed(SERVER, ACK, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "");
    ck_assert_int_eq(seen[0].orig_winsock, TV_WINSOCK_NONE);
}
END_TEST

START_TEST(test_outstanding_data_without_progress_is_a_stall)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, ACK, 0);
    feed(SERVER, PSH | ACK, 1000);
    conv.next_seq[SERVER] -= 1000; /* the client's acks stay behind it */
    now_us += INT64_C(40) * 1000000;
    conv.extra.zero_window = true;
    feed_at(CLIENT, ACK, 0, conv.next_seq[CLIENT]);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "stall:resp:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_WARN);
}
END_TEST

/* Zeek's TCP_Reassembler counts a side that closed from ESTABLISHED as
 * clean: a gap the peer's ack reveals after that side's FIN is recorded. */
START_TEST(test_gap_revealed_after_a_fin_from_established_is_recorded)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, ACK, 0);
    feed(SERVER, PSH | ACK, 100);
    conv.next_seq[SERVER] += 500; /* the server sent 500 more, not captured */
    feed(SERVER, FIN | ACK, 0);
    feed(CLIENT, ACK, 0);
    feed(CLIENT, FIN | ACK, 0);
    feed(SERVER, ACK, 0);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].conn_state, "SF");
    ck_assert_str_eq(seen[0].history, "ShADadfgF");
}
END_TEST

/* Zeek decides at a FIN whether the close is complete: with a peer that
 * never spoke it is, and the connection goes away tcp_close_delay (5 s)
 * later; an ack from the peer does not reopen it, and segments after that
 * start connections of their own. */
START_TEST(test_fin_to_a_silent_peer_completes_the_close)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.linger_us = INT64_C(5) * 1000000;
    start_with(&cfg, 8530);
    now_us += INT64_C(20) * 1000000; /* past the grace: not a capture cut */
    feed(SERVER, FIN | ACK, 0);
    feed(CLIENT, ACK, 0);
    now_us += INT64_C(8) * 1000000;
    feed(CLIENT, RST, 0);
    now_us += INT64_C(8) * 1000000;
    feed(SERVER, RST, 0);
    finish();
    ck_assert_int_eq(seen_count, 3);
    ck_assert_str_eq(seen[0].conn_state, "SHR");
    ck_assert_str_eq(seen[0].history, "^fA");
    ck_assert_str_eq(seen[1].conn_state, "OTH");
    ck_assert_str_eq(seen[1].history, "R");
    ck_assert_str_eq(seen[2].conn_state, "RSTRH");
    ck_assert_str_eq(seen[2].history, "^r");
}
END_TEST

/* Data sent after an acceptable RST is never outstanding: the orphans of
 * a reset flow are no stall, however long the flow lingers. */
START_TEST(test_orphans_after_a_reset_are_not_a_stall)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, RST | ACK, 0);
    for (int i = 0; i < 3; i++)
        feed(CLIENT, PSH | ACK, 100);
    tv_analyzer_tick(an, now_us + INT64_C(70) * 1000000); /* the linger ends */
    ck_assert_int_eq(seen_count, 1);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "rst_abort:resp:1 orphan_after_rst:orig:3 ");
}
END_TEST

/* Feeds [off, off + len) of the IP payload of the segment last built. */
static void feed_fragment(uint32_t off, uint32_t len, bool more, uint32_t id)
{
    static uint8_t buf[70000];
    size_t n = pb_fragment(conv.frame, off, len, more, id, buf, sizeof(buf));
    ck_assert_uint_gt(n, 0);
    struct tv_packet p = {.linktype = LINK_ETHERNET,
                          .ts_us = now_us,
                          .data = buf,
                          .caplen = (uint32_t)n,
                          .wirelen = (uint32_t)n};
    tv_analyzer_packet(an, &p);
    now_us += 1000;
}

START_TEST(test_segment_reassembled_from_fragments_is_tracked_and_ip_fragmented)
{
    start(100, 8530);
    handshake();
    conversation_send(&conv, CLIENT, PSH | ACK, 1400); /* 1420 bytes of TCP */
    feed_fragment(1024, 396, false, 9);                /* the last one first */
    feed_fragment(0, 1024, true, 9);
    feed(SERVER, ACK, 0);
    feed(CLIENT, FIN | ACK, 0);
    feed(SERVER, FIN | ACK, 0);
    feed(CLIENT, ACK, 0);
    const struct tv_stats *st = tv_analyzer_stats(an);
    ck_assert_uint_eq(st->ip_fragments, 2);
    ck_assert_uint_eq(st->ip_frag_reassembled, 1);
    ck_assert_uint_eq(st->decode[TV_DECODE_FRAGMENT], 2);
    ck_assert_uint_eq(st->tcp_packets, 8);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].conn_state, "SF");
    ck_assert_str_eq(seen[0].history, "ShADaFf");
    ck_assert_str_eq(seen[0].anomalies, "ip_fragmented:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_NOTICE);
}
END_TEST

START_TEST(test_overlapping_fragments_discard_the_segment_and_warn_on_the_flow)
{
    start(100, 8530);
    handshake();
    conversation_send(&conv, CLIENT, PSH | ACK, 1400);
    feed_fragment(0, 1024, true, 9);
    feed_fragment(1016, 404, false, 9); /* 8 bytes over the first */
    const struct tv_stats *st = tv_analyzer_stats(an);
    ck_assert_uint_eq(st->ip_frag_overlaps, 1);
    ck_assert_uint_eq(st->ip_frag_reassembled, 0);
    ck_assert_uint_eq(st->tcp_packets, 3);
    finish();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].history, "ShA");
    ck_assert_str_eq(seen[0].anomalies, "ip_fragment_overlap:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_WARN);
}
END_TEST

START_TEST(test_fragments_never_completed_are_counted_at_the_end)
{
    start(100, 8530);
    handshake();
    conversation_send(&conv, CLIENT, PSH | ACK, 1400);
    feed_fragment(0, 1024, true, 9);
    conversation_send(&conv, CLIENT, PSH | ACK, 1400);
    feed_fragment(0, 1024, true, 10);
    now_us += INT64_C(31) * 1000000;
    feed_fragment(1024, 396, false, 10); /* too late: its first one timed out */
    tv_analyzer_finish(an);
    const struct tv_stats *st = tv_analyzer_stats(an);
    ck_assert_uint_eq(st->ip_fragments, 3);
    ck_assert_uint_eq(st->ip_frag_timed_out, 2);
    ck_assert_uint_eq(st->ip_frag_incomplete, 1);
    ck_assert_uint_eq(st->ip_frag_reassembled, 0);
    ck_assert_int_eq(seen_count, 1);
    ck_assert_str_eq(seen[0].anomalies, "");
    tv_analyzer_destroy(an);
    an = NULL;
}
END_TEST

START_TEST(test_partial_sum_checksums_are_offload_and_infer_the_capture_host)
{
    start(100, 8530);
    handshake();
    conv.extra.partial_checksum = true;
    feed(CLIENT, PSH | ACK, 100);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "checksum_offload:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_NOTICE);
}
END_TEST

START_TEST(test_one_corrupted_segment_is_checksum_bad)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, PSH | ACK, 100);
    conv.extra.bad_checksum = true;
    feed(CLIENT, PSH | ACK, 100);
    feed(CLIENT, PSH | ACK, 100);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "checksum_bad:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_FAIL);
}
END_TEST

START_TEST(test_every_packet_bad_from_one_side_is_offload)
{
    start(100, 8530);
    for (int i = 0; i < 3; i++) {
        conv.extra.bad_checksum = true;
        feed(CLIENT, i == 0 ? SYN : PSH | ACK, i == 0 ? 0 : 100);
        if (i == 0)
            feed(SERVER, SYN | ACK, 0);
    }
    finish();
    ck_assert_str_eq(seen[0].anomalies, "checksum_offload:orig:3 ");
}
END_TEST

START_TEST(test_segment_above_mss_from_the_capture_host_is_tso)
{
    start(100, 8530);
    handshake_with_options();
    conv.extra.partial_checksum = true;
    feed(SERVER, PSH | ACK, 20000);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "checksum_offload:resp:1 tso_supersegment:resp:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_NOTICE);
}
END_TEST

START_TEST(test_segment_above_mss_received_by_the_capture_host_is_gro)
{
    start(100, 8530);
    handshake_with_options();
    conv.extra.partial_checksum = true; /* the client is the capture host */
    feed(CLIENT, PSH | ACK, 100);
    feed(SERVER, PSH | ACK, 20000);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "checksum_offload:orig:1 gro_coalesced:resp:1 ");
}
END_TEST

START_TEST(test_tso_length_zero_is_a_supersegment)
{
    start(100, 8530);
    handshake_with_options();
    conv.extra.partial_checksum = true;
    conv.extra.ip_len_zero = true;
    feed(SERVER, PSH | ACK, 3000);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "checksum_offload:resp:1 tso_supersegment:resp:1 ");
}
END_TEST

START_TEST(test_bad_checksum_the_file_says_was_not_ready_is_offload_never_damage)
{
    start(100, 8530);
    handshake();
    feed(CLIENT, PSH | ACK, 100);
    conv.extra.bad_checksum = true; /* junk, not the partial sum */
    next_epb_flags = TV_EPB_OUTBOUND | TV_EPB_CSUM_NOT_READY;
    feed(CLIENT, PSH | ACK, 100);
    feed(CLIENT, PSH | ACK, 100);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "checksum_offload:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_NOTICE);
}
END_TEST

START_TEST(test_bad_checksum_the_nic_found_valid_is_no_anomaly)
{
    start(100, 8530);
    handshake();
    conv.extra.bad_checksum = true;
    next_epb_flags = TV_EPB_INBOUND | TV_EPB_CSUM_VALID;
    feed(CLIENT, PSH | ACK, 100);
    feed(CLIENT, PSH | ACK, 100);
    ck_assert_uint_eq(tv_analyzer_stats(an)->tcp_checksum_bad, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_OK);
}
END_TEST

START_TEST(test_packets_marked_outbound_name_their_sender_the_capture_host)
{
    start(100, 8530);
    struct tv_capture_host host;
    handshake();
    ck_assert(!tv_analyzer_capture_host(an, &host)); /* nothing says where, yet */
    for (int i = 0; i < 3; i++) {
        next_epb_flags = TV_EPB_OUTBOUND;
        feed(SERVER, PSH | ACK, 100);
        next_epb_flags = TV_EPB_INBOUND;
        feed(CLIENT, ACK, 0);
    }
    ck_assert(tv_analyzer_capture_host(an, &host));
    ck_assert_uint_eq(host.family, 4);
    ck_assert_mem_eq(host.addr, ((const uint8_t[4]){10, 0, 0, 9}), 4);
    ck_assert_uint_eq(host.direction_pkts, 3);
    ck_assert_uint_eq(host.evidence_pkts, 0);
    ck_assert(!host.stated);
    finish();
}
END_TEST

START_TEST(test_supersegment_direction_comes_from_the_file_first)
{
    /* Said to be captured on the sender, but the file marks the segment
     * as received: coalesced on receipt, whatever the user thought. */
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.max_flows = 100;
    cfg.have_capture_host = true;
    cfg.capture_host = (struct tv_role){.family = 4, .addr = {10, 0, 0, 9}};
    start_with(&cfg, 8530);
    handshake_with_options();
    feed(SERVER, PSH | ACK, 20000);
    next_epb_flags = TV_EPB_INBOUND;
    feed(SERVER, PSH | ACK, 20000);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "tso_supersegment:resp:1 gro_coalesced:resp:1 ");
    /* The same sent (outbound): built by the sender's segmentation
     * offload, where a partial sum is not needed to tell. */
    start(100, 8530);
    handshake_with_options();
    next_epb_flags = TV_EPB_OUTBOUND;
    feed(SERVER, PSH | ACK, 20000);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "tso_supersegment:resp:1 ");
    /* No direction, but marked as segmentation offloaded. */
    start(100, 8530);
    handshake_with_options();
    next_epb_flags = TV_EPB_TSO;
    feed(SERVER, PSH | ACK, 20000);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "tso_supersegment:resp:1 ");
}
END_TEST

START_TEST(test_link_types_decoded_and_statuses_unreadable)
{
    static const int decoded[] = {0,   1,   9,   10,  12,  14,  50,  101, 104,
                                  105, 108, 113, 127, 192, 228, 229, 239, 276};
    for (size_t i = 0; i < sizeof(decoded) / sizeof(decoded[0]); i++)
        ck_assert_msg(tv_linktype_is_decoded(decoded[i]), "link type %d", decoded[i]);
    ck_assert(!tv_linktype_is_decoded(147)); /* DLT_USER0: nobody's */
    ck_assert(!tv_linktype_is_decoded(-65537));
    ck_assert(tv_decode_status_is_unreadable(TV_DECODE_UNSUPPORTED_LINK));
    ck_assert(!tv_decode_status_is_unreadable(TV_DECODE_OK));
    ck_assert(!tv_decode_status_is_unreadable(TV_DECODE_NOT_TCP));
    ck_assert(!tv_decode_status_is_unreadable(TV_DECODE_TRUNCATED));
    ck_assert(tv_decode_status_is_unreadable(TV_DECODE_ENCRYPTED));
    ck_assert(tv_decode_status_is_unreadable(TV_DECODE_UNSUPPORTED_FRAME));
    ck_assert(!tv_decode_status_is_unreadable(TV_DECODE_BAD_FCS));
}
END_TEST

START_TEST(test_nflog_flows_keep_the_first_prefix_they_were_logged_with)
{
    start(100, 8530);
    feed_nflog(CLIENT, SYN, 0, 0, NULL); /* logged by a rule without a prefix */
    feed_nflog(SERVER, SYN | ACK, 0, 5, "NEW-IN ");
    feed_nflog(CLIENT, ACK, 0, 6, "EST-IN ");
    feed_nflog(CLIENT, ACK | PSH, 10, 6, "EST-IN ");
    feed_nflog(SERVER, RST, 0, 7, "RST\x01\xe9");
    conversation_init(&conv, "10.0.0.6", 50124, "10.0.0.9", 8530);
    feed_nflog(CLIENT, SYN, 0, 5, "NEW-IN ");
    conversation_init(&conv, "10.0.0.7", 50125, "10.0.0.9", 8530);
    feed_nflog(CLIENT, SYN, 0, 5, NULL);
    conversation_init(&conv, "10.0.0.8", 50126, "10.0.0.9", 8530);
    feed_nflog(CLIENT, SYN, 0, 7, "RST\x01\xe9");
    tv_analyzer_finish(an);
    ck_assert_int_eq(seen_count, 4);
    ck_assert_str_eq(seen[0].nflog_prefix, "NEW-IN ");
    ck_assert_uint_eq(seen[0].nflog_group, 5);
    ck_assert_str_eq(seen[1].nflog_prefix, "NEW-IN ");
    ck_assert_str_eq(seen[2].nflog_prefix, "-");
    ck_assert_uint_eq(seen[2].nflog_group, 0);
    /* Bytes a terminal or JSON cannot take as they are come out as '?'. */
    ck_assert_str_eq(seen[3].nflog_prefix, "RST??");
    ck_assert_uint_eq(tv_analyzer_nflog_prefix_count(an), 2);
    struct tv_nflog_prefix p;
    ck_assert(tv_analyzer_nflog_prefix(an, 0, &p));
    ck_assert_str_eq(p.prefix, "NEW-IN ");
    ck_assert_uint_eq(p.group, 5);
    ck_assert_uint_eq(p.flows, 2);
    ck_assert(tv_analyzer_nflog_prefix(an, 1, &p));
    ck_assert_str_eq(p.prefix, "RST??");
    ck_assert_uint_eq(p.flows, 1);
    ck_assert(!tv_analyzer_nflog_prefix(an, 2, &p));
    ck_assert_uint_eq(tv_analyzer_stats(an)->tcp_packets, 8);
    tv_analyzer_destroy(an);
    an = NULL;
}
END_TEST

START_TEST(test_segments_overtaken_in_flight_are_reordering)
{
    start(100, 8530);
    handshake();
    for (int i = 0; i < 4; i++) {
        uint32_t seq = conv.next_seq[SERVER];
        feed_at(SERVER, ACK, 1000, seq + 1000); /* the second segment first */
        feed_at(SERVER, ACK, 1000, seq);        /* then the one it overtook */
        conv.next_seq[SERVER] = seq + 2000;
        feed(CLIENT, ACK, 0);
    }
    finish();
    ck_assert_str_eq(seen[0].anomalies, "reordering:resp:4 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_WARN);
}
END_TEST

START_TEST(test_ack_for_data_never_captured_is_ack_unseen)
{
    start(100, 8530);
    handshake();
    feed(SERVER, PSH | ACK, 100);
    conv.next_seq[SERVER] += 500; /* the server sent 500 more, not captured */
    feed(CLIENT, ACK, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "ack_unseen:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_WARN);
}
END_TEST

START_TEST(test_packet_cut_by_the_snap_length_is_truncated)
{
    start(100, 8530);
    handshake();
    feed_cut(CLIENT, PSH | ACK, 1000, 96);
    feed(SERVER, ACK, 0);
    finish();
    ck_assert_str_eq(seen[0].anomalies, "truncated:orig:1 ");
    ck_assert_int_eq(seen[0].level, TV_LEVEL_NOTICE);
}
END_TEST

START_TEST(test_configured_service_and_role_are_reported)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    struct tv_service svc = {9999, "my-agent"};
    struct tv_role role = {.family = 4, .addr = {10, 0, 0, 9}, .name = "backup-server"};
    cfg.services = &svc;
    cfg.service_count = 1;
    cfg.roles = &role;
    cfg.role_count = 1;
    start_with(&cfg, 9999);
    feed(SERVER, PSH | ACK, 10); /* server speaks first: the port makes it the responder */
    ck_assert_uint_ge(tv_analyzer_service_count(an), 4);
    finish();
    ck_assert_str_eq(seen[0].service, "my-agent");
    ck_assert_str_eq(seen[0].resp_role, "backup-server");
    ck_assert_str_eq(seen[0].history, "^d");
}
END_TEST

START_TEST(test_invalid_config_is_refused)
{
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.max_flows = 0;
    ck_assert_ptr_null(tv_analyzer_create(&cfg, on_verdict, NULL));
    tv_config_default(&cfg);
    ck_assert_ptr_null(tv_analyzer_create(&cfg, NULL, NULL));
    tv_analyzer_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analyzer");
    TCase *tc = tcase_create("verdicts");
    tcase_add_test(tc, test_graceful_flow_is_ok_and_ends_fin);
    tcase_add_test(tc, test_a_flow_keeps_its_own_anomaly_records_and_no_more);
    tcase_add_test(tc, test_flow_of_hours_with_a_huge_packet_number_keeps_exact_times_and_id);
    tcase_add_test(tc, test_times_at_the_ends_of_int64_are_held_in_range);
    tcase_add_test(tc, test_each_refused_retry_is_a_flow_counting_attempts);
    tcase_add_test(tc, test_segments_after_rst_are_orphans_a_strict_firewall_drops);
    tcase_add_test(tc, test_unanswered_syns_time_out);
    tcase_add_test(tc, test_attempt_ends_when_its_deadline_passes);
    tcase_add_test(tc, test_single_syn_unanswered_for_seconds_times_out_at_end);
    tcase_add_test(tc, test_full_table_evicts_and_every_flow_gets_one_verdict);
    tcase_add_test(tc, test_midstream_at_start_is_notice_but_later_is_orphan_no_state);
    tcase_add_test(tc, test_first_packet_from_server_port_makes_it_the_responder);
    tcase_add_test(tc, test_closed_flow_lingers_then_ends);
    tcase_add_test(tc, test_rst_after_fin_is_warn);
    tcase_add_test(tc, test_rst_after_long_idle_is_rst_after_idle);
    tcase_add_test(tc, test_malformed_packets_are_counted_not_tracked);
    tcase_add_test(tc, test_tick_ends_flows_while_no_packets_arrive);
    tcase_add_test(tc, test_long_flow_gets_interim_records_then_one_final_verdict);
    tcase_add_test(tc, test_caller_packet_numbers_become_flow_ids);
    tcase_add_test(tc, test_data_after_fin_exchange_is_orphan_after_close);
    tcase_add_test(tc, test_lone_control_segments_are_unsolicited);
    tcase_add_test(tc, test_rst_outside_the_window_is_flagged_and_not_believed);
    tcase_add_test(tc, test_rst_in_the_window_is_believed);
    tcase_add_test(tc, test_rst_to_a_syn_with_the_wrong_ack_is_not_a_refusal);
    tcase_add_test(tc, test_rst_carrying_payload_is_rst_with_data);
    tcase_add_test(tc, test_retransmissions_never_acked_are_a_giveup);
    tcase_add_test(tc, test_retransmissions_finally_acked_are_no_giveup);
    tcase_add_test(tc, test_outstanding_data_without_progress_is_a_stall);
    tcase_add_test(tc, test_gap_revealed_after_a_fin_from_established_is_recorded);
    tcase_add_test(tc, test_fin_to_a_silent_peer_completes_the_close);
    tcase_add_test(tc, test_orphans_after_a_reset_are_not_a_stall);
    tcase_add_test(tc, test_segment_reassembled_from_fragments_is_tracked_and_ip_fragmented);
    tcase_add_test(tc, test_overlapping_fragments_discard_the_segment_and_warn_on_the_flow);
    tcase_add_test(tc, test_fragments_never_completed_are_counted_at_the_end);
    tcase_add_test(tc, test_partial_sum_checksums_are_offload_and_infer_the_capture_host);
    tcase_add_test(tc, test_one_corrupted_segment_is_checksum_bad);
    tcase_add_test(tc, test_every_packet_bad_from_one_side_is_offload);
    tcase_add_test(tc, test_segment_above_mss_from_the_capture_host_is_tso);
    tcase_add_test(tc, test_segment_above_mss_received_by_the_capture_host_is_gro);
    tcase_add_test(tc, test_tso_length_zero_is_a_supersegment);
    tcase_add_test(tc, test_bad_checksum_the_file_says_was_not_ready_is_offload_never_damage);
    tcase_add_test(tc, test_bad_checksum_the_nic_found_valid_is_no_anomaly);
    tcase_add_test(tc, test_packets_marked_outbound_name_their_sender_the_capture_host);
    tcase_add_test(tc, test_supersegment_direction_comes_from_the_file_first);
    tcase_add_test(tc, test_link_types_decoded_and_statuses_unreadable);
    tcase_add_test(tc, test_nflog_flows_keep_the_first_prefix_they_were_logged_with);
    tcase_add_test(tc, test_segments_overtaken_in_flight_are_reordering);
    tcase_add_test(tc, test_ack_for_data_never_captured_is_ack_unseen);
    tcase_add_test(tc, test_packet_cut_by_the_snap_length_is_truncated);
    tcase_add_test(tc, test_configured_service_and_role_are_reported);
    tcase_add_test(tc, test_invalid_config_is_refused);
    suite_add_tcase(s, tc);
    return check_main_run(s);
}
