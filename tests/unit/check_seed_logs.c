/*
 * Seed logs on verdicts built here: each rule of seed_logs.c gives its
 * line (code spelled as seed-logs.md spells it, count, network error) on
 * the flows it is for, and not on the flows next to them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "seed_logs.h"

#define MAX_ANOMALIES 8

struct flow_case {
    struct tv_verdict v;
    struct tv_anomaly_report anomalies[MAX_ANOMALIES];
    struct seed_log logs[SEED_LOGS_CAP];
    size_t log_count;
};

static void flow_init(struct flow_case *f, uint16_t resp_port, enum tv_end end)
{
    memset(f, 0, sizeof(*f));
    f->v.flow_id = 1;
    f->v.orig = (struct tv_endpoint_report){
        .family = 4, .addr = {10, 99, 1, 2}, .port = 40001, .pkts = 5, .bytes = 87};
    f->v.resp = (struct tv_endpoint_report){
        .family = 4, .addr = {10, 99, 2, 2}, .port = resp_port, .pkts = 4, .bytes = 592};
    f->v.conn_state = "SF";
    f->v.history = "ShADadFf";
    f->v.end = end;
    f->v.anomalies = f->anomalies;
}

static void anomaly(struct flow_case *f, const char *code, bool from_orig, uint32_t count)
{
    ck_assert_uint_lt(f->v.anomaly_count, MAX_ANOMALIES);
    f->anomalies[f->v.anomaly_count++] = (struct tv_anomaly_report){
        .code = code, .level = TV_LEVEL_FAIL, .from_orig = from_orig, .count = count};
}

/* The three ways a connect or a connection fails for its opener, as the
 * analyzer reports them (winsock.md): reset by the responder (10054),
 * refused (10061), unanswered (10060). */
enum failure { RESET_BY_RESP, REFUSED, UNANSWERED };

static void flow_failed(struct flow_case *f, uint16_t resp_port, enum failure how)
{
    static const struct {
        enum tv_end end;
        const char *conn_state, *history;
        enum tv_winsock orig_winsock;
        const char *anomaly;
        bool from_orig;
        uint32_t count;
    } failures[] = {
        [RESET_BY_RESP] = {TV_END_RST, "RSTR", "ShADadr", TV_WINSOCK_ECONNRESET, "rst_abort", false,
                           1},
        [REFUSED] = {TV_END_REFUSED, "REJ", "Sr", TV_WINSOCK_ECONNREFUSED, "rst_refused", false, 1},
        [UNANSWERED] = {TV_END_SYN_TIMEOUT, "S0", "S", TV_WINSOCK_ETIMEDOUT, "syn_timeout", true,
                        3},
    };
    flow_init(f, resp_port, failures[how].end);
    f->v.conn_state = failures[how].conn_state;
    f->v.history = failures[how].history;
    f->v.orig.winsock = failures[how].orig_winsock;
    anomaly(f, failures[how].anomaly, failures[how].from_orig, failures[how].count);
}

static void build(struct flow_case *f)
{
    f->log_count = seed_logs_build(&f->v, f->logs);
    ck_assert_uint_le(f->log_count, SEED_LOGS_CAP);
}

/* The line of system with code, or NULL. */
static const struct seed_log *line(const struct flow_case *f, const char *system, const char *code)
{
    for (size_t i = 0; i < f->log_count; i++)
        if (strcmp(f->logs[i].info->system, system) == 0 &&
            strcmp(f->logs[i].info->code, code) == 0)
            return &f->logs[i];
    return NULL;
}

static size_t lines_of(const struct flow_case *f, const char *system)
{
    size_t n = 0;
    for (size_t i = 0; i < f->log_count; i++)
        n += strcmp(f->logs[i].info->system, system) == 0;
    return n;
}

/* Position of a line in the output, or -1. */
static int index_of(const struct flow_case *f, const char *system, const char *code)
{
    const struct seed_log *l = line(f, system, code);
    return l != NULL ? (int)(l - f->logs) : -1;
}

START_TEST(test_graceful_fin_close_is_tmg_graceful_shutdown_not_abortive)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_FIN);
    build(&f);
    const struct seed_log *l = line(&f, "tmg", "0x80074e20");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l->info->name, "FWX_E_GRACEFUL_SHUTDOWN");
    ck_assert_uint_eq(l->count, 1);
    ck_assert_ptr_null(line(&f, "tmg", "0x80074e21"));
    ck_assert_uint_eq(f.log_count, 1); /* nothing else went wrong */
}
END_TEST

START_TEST(test_rst_close_is_tmg_abortive_shutdown_not_graceful)
{
    struct flow_case f;
    flow_failed(&f, 8530, RESET_BY_RESP);
    build(&f);
    const struct seed_log *l = line(&f, "tmg", "0x80074e21");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l->info->name, "FWX_E_ABORTIVE_SHUTDOWN");
    ck_assert_ptr_null(line(&f, "tmg", "0x80074e20"));
}
END_TEST

START_TEST(test_orphans_after_rst_are_not_syn_drops_counted_by_strict_firewall)
{
    struct flow_case f;
    flow_failed(&f, 8530, RESET_BY_RESP);
    anomaly(&f, "orphan_after_rst", true, 3);
    f.v.strict_drops = 3;
    f.v.loose_drops = 0;
    build(&f);
    const struct seed_log *l = line(&f, "tmg", "0xC0040017");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l->info->name, "FWX_E_TCP_NOT_SYN_PACKET_DROPPED");
    ck_assert_uint_eq(l->count, 3);
    ck_assert_ptr_nonnull(l->info->text);
    ck_assert(strncmp(l->info->text, "A non-SYN packet was dropped", 28) == 0);
    /* The reset closed the connection first, then came the drops. */
    ck_assert_int_lt(index_of(&f, "tmg", "0x80074e21"), index_of(&f, "tmg", "0xC0040017"));
}
END_TEST

START_TEST(test_no_drop_line_without_strict_drops)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_RST);
    anomaly(&f, "rst_abort", false, 1);
    build(&f);
    ck_assert_ptr_null(line(&f, "tmg", "0xC0040017"));
}
END_TEST

START_TEST(test_flow_without_firewall_state_has_drops_but_no_closed_connection)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_FIN);
    f.v.history = "DdAFf";
    anomaly(&f, "orphan_no_state", true, 4);
    anomaly(&f, "orphan_no_state", false, 2);
    f.v.strict_drops = 6;
    build(&f);
    ck_assert_ptr_null(line(&f, "tmg", "0x80074e20"));
    ck_assert_uint_eq(line(&f, "tmg", "0xC0040017")->count, 6);

    flow_init(&f, 6050, TV_END_RST);
    f.v.conn_state = "RSTRH";
    anomaly(&f, "unsolicited_rst", false, 1);
    f.v.strict_drops = 1;
    build(&f);
    ck_assert_ptr_null(line(&f, "tmg", "0x80074e21"));
    ck_assert_uint_eq(line(&f, "tmg", "0xC0040017")->count, 1);
}
END_TEST

START_TEST(test_connection_older_than_capture_is_not_dropped_for_its_missing_syn)
{
    struct flow_case f;
    flow_init(&f, 8531, TV_END_FIN);
    anomaly(&f, "midstream_start", true, 1);
    f.v.strict_drops = 6; /* the capture missed the SYN, the firewall did not */
    build(&f);
    ck_assert_ptr_nonnull(line(&f, "tmg", "0x80074e20"));
    ck_assert_ptr_null(line(&f, "tmg", "0xC0040017"));

    /* Only what came after the RST is dropped. */
    flow_init(&f, 8531, TV_END_RST);
    anomaly(&f, "midstream_start", true, 1);
    anomaly(&f, "rst_abort", false, 1);
    anomaly(&f, "orphan_after_rst", true, 2);
    f.v.strict_drops = 9;
    build(&f);
    ck_assert_ptr_nonnull(line(&f, "tmg", "0x80074e21"));
    ck_assert_uint_eq(line(&f, "tmg", "0xC0040017")->count, 2);
}
END_TEST

START_TEST(test_rst_out_of_window_is_seq_ack_mismatch_and_ack_unseen_is_not)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_FIN);
    anomaly(&f, "rst_out_of_window", false, 1);
    build(&f);
    const struct seed_log *l = line(&f, "tmg", "0xC0040034");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l->info->name, "FWX_E_SEQ_ACK_MISMATCH");
    ck_assert_uint_eq(l->count, 1);
    ck_assert_ptr_nonnull(line(&f, "tmg", "0x80074e20")); /* the RST changed nothing */

    flow_init(&f, 8530, TV_END_FIN);
    anomaly(&f, "ack_unseen", true, 3);
    build(&f);
    ck_assert_ptr_null(line(&f, "tmg", "0xC0040034"));
}
END_TEST

START_TEST(test_unanswered_syn_is_no_server_reply_once)
{
    struct flow_case f;
    flow_failed(&f, 8530, UNANSWERED);
    build(&f);
    const struct seed_log *l = line(&f, "tmg", "0xC0040038");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l->info->name, "FWX_E_TCP_NO_SERVER_REPLY");
    ck_assert_uint_eq(l->count, 1); /* one connection, however many SYNs */
    ck_assert_str_eq(l->info->text,
                     "Connection was closed because no SYN/ACK reply was received from the server");
    ck_assert_ptr_null(line(&f, "tmg", "0x80074e20"));
    ck_assert_ptr_null(line(&f, "tmg", "0x80074e21"));
}
END_TEST

START_TEST(test_real_corruption_is_bad_checksum_and_offload_artifact_never)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_FIN);
    anomaly(&f, "checksum_bad", true, 2);
    build(&f);
    const struct seed_log *l = line(&f, "tmg", "0xC0040031");
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l->info->name, "FWX_E_BAD_TCP_CHECKSUM_DROPPED");
    ck_assert_uint_eq(l->count, 2);

    flow_init(&f, 8530, TV_END_FIN);
    anomaly(&f, "checksum_offload", false, 19);
    anomaly(&f, "tso_supersegment", false, 15);
    build(&f);
    ck_assert_ptr_null(line(&f, "tmg", "0xC0040031"));
    ck_assert_uint_eq(f.log_count, 1); /* the graceful close only */
}
END_TEST

START_TEST(test_refused_agent_is_e8572_on_the_first_attempt)
{
    struct flow_case f;
    flow_failed(&f, 6050, REFUSED);
    build(&f);
    const struct seed_log *l = line(&f, "arcserve", "E8572");
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq(l->count, 1);
    ck_assert_uint_eq(l->network_error, TV_WINSOCK_NONE);
    ck_assert_uint_eq(lines_of(&f, "arcserve"), 1);
    ck_assert_uint_eq(lines_of(&f, "tmg"), 0); /* nothing was established */

    f.v.attempt = 2; /* the stack's retry within the same connect() */
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "arcserve"), 0);
}
END_TEST

START_TEST(test_unanswered_agent_is_reconnect_timeout_with_10060)
{
    struct flow_case f;
    flow_failed(&f, 6051, UNANSWERED);
    build(&f);
    const struct seed_log *l = line(&f, "arcserve", "E3392");
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq(l->network_error, 10060);
    ck_assert_ptr_null(line(&f, "arcserve", "E8535")); /* nothing was being received */
    ck_assert_ptr_null(line(&f, "arcserve", "E8572"));
}
END_TEST

START_TEST(test_agent_reset_is_receive_failure_then_reconnect_timeout_with_10054)
{
    struct flow_case f;
    flow_failed(&f, 6050, RESET_BY_RESP);
    anomaly(&f, "rst_after_idle", false, 1);
    build(&f);
    ck_assert_ptr_nonnull(line(&f, "arcserve", "E8535"));
    const struct seed_log *l = line(&f, "arcserve", "E3392");
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq(l->network_error, 10054);
    ck_assert_int_lt(index_of(&f, "arcserve", "E8535"), index_of(&f, "arcserve", "E3392"));
    ck_assert_int_lt(index_of(&f, "tmg", "0x80074e21"), index_of(&f, "arcserve", "E8535"));
    ck_assert_uint_eq(line(&f, "arcserve", "E8535")->network_error, TV_WINSOCK_NONE);
}
END_TEST

START_TEST(test_server_giving_up_is_receive_failure_with_10053)
{
    struct flow_case f;
    flow_init(&f, 6051, TV_END_OPEN);
    f.v.conn_state = "S1";
    f.v.orig.winsock = TV_WINSOCK_ECONNABORTED;
    anomaly(&f, "retransmission_giveup", true, 1);
    build(&f);
    ck_assert_ptr_nonnull(line(&f, "arcserve", "E8535"));
    ck_assert_uint_eq(line(&f, "arcserve", "E3392")->network_error, 10053);
    ck_assert_uint_eq(lines_of(&f, "tmg"), 0); /* still open through the firewall */
}
END_TEST

START_TEST(test_server_own_abort_gives_no_arcserve_line)
{
    struct flow_case f;
    flow_init(&f, 6051, TV_END_RST);
    f.v.conn_state = "RSTO";
    f.v.resp.winsock = TV_WINSOCK_ECONNRESET; /* the agent received the RST */
    anomaly(&f, "rst_abort", true, 1);
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "arcserve"), 0);
    ck_assert_ptr_nonnull(line(&f, "tmg", "0x80074e21"));
}
END_TEST

START_TEST(test_other_ports_get_no_arcserve_lines)
{
    static const uint16_t ports[] = {8530, 6049, 6052, 7000};
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        struct flow_case f;
        flow_failed(&f, ports[i], RESET_BY_RESP);
        build(&f);
        ck_assert_uint_eq(lines_of(&f, "arcserve"), 0);

        flow_failed(&f, ports[i], REFUSED);
        build(&f);
        ck_assert_uint_eq(lines_of(&f, "arcserve"), 0);
    }
    /* The agent's port as the client's does not make an agent flow. */
    struct flow_case f;
    flow_init(&f, 7000, TV_END_SYN_TIMEOUT);
    f.v.orig.port = 6050;
    f.v.orig.winsock = TV_WINSOCK_ETIMEDOUT;
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "arcserve"), 0);
}
END_TEST

START_TEST(test_wsus_client_errors_follow_its_winsock_code)
{
    static const uint16_t ports[] = {80, 443, 8530, 8531};
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        struct flow_case f;
        flow_failed(&f, ports[i], REFUSED);
        build(&f);
        ck_assert_str_eq(line(&f, "windows_update", "0x80072EFD")->info->name,
                         "ERROR_WINHTTP_CANNOT_CONNECT");
        ck_assert_uint_eq(lines_of(&f, "windows_update"), 1);

        flow_failed(&f, ports[i], UNANSWERED);
        build(&f);
        ck_assert_str_eq(line(&f, "windows_update", "0x80072EE2")->info->name,
                         "ERROR_WINHTTP_TIMEOUT");
        ck_assert_uint_eq(lines_of(&f, "windows_update"), 1);

        flow_init(&f, ports[i], TV_END_OPEN);
        f.v.orig.winsock = TV_WINSOCK_ECONNABORTED;
        build(&f);
        ck_assert_ptr_nonnull(line(&f, "windows_update", "0x80072EE2"));

        flow_failed(&f, ports[i], RESET_BY_RESP);
        build(&f);
        ck_assert_str_eq(line(&f, "windows_update", "0x80072EFE")->info->name,
                         "ERROR_WINHTTP_CONNECTION_ERROR");
        ck_assert_uint_eq(lines_of(&f, "windows_update"), 1);
        ck_assert_int_lt(index_of(&f, "tmg", "0x80074e21"),
                         index_of(&f, "windows_update", "0x80072EFE"));
    }
}
END_TEST

START_TEST(test_wsus_client_lines_only_for_its_own_errors_and_ports)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_FIN); /* a good fetch */
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "windows_update"), 0);

    flow_init(&f, 8530, TV_END_RST); /* the server got the reset, not the client */
    f.v.resp.winsock = TV_WINSOCK_ECONNRESET;
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "windows_update"), 0);

    flow_failed(&f, 6050, RESET_BY_RESP);
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "windows_update"), 0);

    flow_failed(&f, 8530, REFUSED);
    f.v.attempt = 1;
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "windows_update"), 0);
}
END_TEST

/* 0x8024401C is documented as the server's HTTP 408 and nothing else: a
 * WSUS flow with a 408 seen gets it once, however many 408s; a time-out
 * of the client's own (10060) is 0x80072EE2 and never 0x8024401C. */
START_TEST(test_http_408_is_request_timeout_only_where_seen)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_FIN);
    f.v.http_408 = 2;
    build(&f);
    const struct seed_log *l = line(&f, "windows_update", "0x8024401C");
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq(l->count, 1);
    ck_assert(!l->info->is_likely);
    ck_assert_str_eq(l->info->text, "Same as HTTP status 408");

    flow_failed(&f, 8531, UNANSWERED);
    build(&f);
    ck_assert_ptr_null(line(&f, "windows_update", "0x8024401C"));
    ck_assert_ptr_nonnull(line(&f, "windows_update", "0x80072EE2"));

    flow_init(&f, 6050, TV_END_FIN); /* not a WSUS port */
    f.v.http_408 = 1;
    build(&f);
    ck_assert_uint_eq(lines_of(&f, "windows_update"), 0);
}
END_TEST

/* "likely" marks the lines seed-logs.md gives no documented cause for:
 * the TMG close codes, E8572 and 0x80072EFD; the rest quote their cause. */
START_TEST(test_inferred_lines_are_marked_likely)
{
    struct flow_case f;
    flow_init(&f, 8530, TV_END_FIN);
    build(&f);
    ck_assert(line(&f, "tmg", "0x80074e20")->info->is_likely);
    flow_failed(&f, 8530, RESET_BY_RESP);
    build(&f);
    ck_assert(line(&f, "tmg", "0x80074e21")->info->is_likely);
    ck_assert(!line(&f, "windows_update", "0x80072EFE")->info->is_likely);
    flow_failed(&f, 6050, REFUSED);
    build(&f);
    ck_assert(line(&f, "arcserve", "E8572")->info->is_likely);
    flow_failed(&f, 8530, REFUSED);
    build(&f);
    ck_assert(line(&f, "windows_update", "0x80072EFD")->info->is_likely);
    flow_failed(&f, 6051, UNANSWERED);
    build(&f);
    ck_assert(!line(&f, "tmg", "0xC0040038")->info->is_likely);
    ck_assert(!line(&f, "arcserve", "E3392")->info->is_likely);
}
END_TEST

START_TEST(test_open_flow_with_nothing_wrong_has_no_lines)
{
    struct flow_case f;
    flow_init(&f, 7000, TV_END_OPEN);
    f.v.conn_state = "S1";
    build(&f);
    ck_assert_uint_eq(f.log_count, 0);
}
END_TEST

START_TEST(test_codes_are_spelled_as_the_systems_print_them)
{
    struct flow_case f;
    flow_failed(&f, 6051, UNANSWERED);
    anomaly(&f, "checksum_bad", true, 1);
    anomaly(&f, "rst_out_of_window", false, 1);
    f.v.strict_drops = 1;
    build(&f);
    static const char *const codes[] = {"0xC0040038", "0xC0040031", "0xC0040034", "0xC0040017",
                                        "E3392"};
    ck_assert_uint_eq(f.log_count, sizeof(codes) / sizeof(codes[0]));
    for (size_t i = 0; i < f.log_count; i++)
        ck_assert_str_eq(f.logs[i].info->code, codes[i]);
    ck_assert_ptr_null(line(&f, "arcserve", "E3392")->info->name);
    ck_assert_ptr_null(line(&f, "arcserve", "E3392")->info->text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("seed_logs");
    TCase *tmg = tcase_create("tmg");
    tcase_add_test(tmg, test_graceful_fin_close_is_tmg_graceful_shutdown_not_abortive);
    tcase_add_test(tmg, test_rst_close_is_tmg_abortive_shutdown_not_graceful);
    tcase_add_test(tmg, test_orphans_after_rst_are_not_syn_drops_counted_by_strict_firewall);
    tcase_add_test(tmg, test_no_drop_line_without_strict_drops);
    tcase_add_test(tmg, test_flow_without_firewall_state_has_drops_but_no_closed_connection);
    tcase_add_test(tmg, test_connection_older_than_capture_is_not_dropped_for_its_missing_syn);
    tcase_add_test(tmg, test_rst_out_of_window_is_seq_ack_mismatch_and_ack_unseen_is_not);
    tcase_add_test(tmg, test_unanswered_syn_is_no_server_reply_once);
    tcase_add_test(tmg, test_real_corruption_is_bad_checksum_and_offload_artifact_never);
    suite_add_tcase(s, tmg);
    TCase *arcserve = tcase_create("arcserve");
    tcase_add_test(arcserve, test_refused_agent_is_e8572_on_the_first_attempt);
    tcase_add_test(arcserve, test_unanswered_agent_is_reconnect_timeout_with_10060);
    tcase_add_test(arcserve, test_agent_reset_is_receive_failure_then_reconnect_timeout_with_10054);
    tcase_add_test(arcserve, test_server_giving_up_is_receive_failure_with_10053);
    tcase_add_test(arcserve, test_server_own_abort_gives_no_arcserve_line);
    tcase_add_test(arcserve, test_other_ports_get_no_arcserve_lines);
    suite_add_tcase(s, arcserve);
    TCase *wu = tcase_create("windows_update");
    tcase_add_test(wu, test_wsus_client_errors_follow_its_winsock_code);
    tcase_add_test(wu, test_wsus_client_lines_only_for_its_own_errors_and_ports);
    tcase_add_test(wu, test_http_408_is_request_timeout_only_where_seen);
    suite_add_tcase(s, wu);
    TCase *all = tcase_create("all");
    tcase_add_test(all, test_open_flow_with_nothing_wrong_has_no_lines);
    tcase_add_test(all, test_codes_are_spelled_as_the_systems_print_them);
    tcase_add_test(all, test_inferred_lines_are_marked_likely);
    suite_add_tcase(s, all);
    return check_main_run(s);
}
