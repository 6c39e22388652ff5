/*
 * record_parse: records read back as the contract defines them. The lines
 * are the golden records of capture-samples/client-abort-6051.pcap
 * (tests/golden/expected), whose values tshark and Zeek confirm there:
 * flow 3, 10.99.1.2:40004 -> 10.99.2.2:6051, reset by the originator
 * (RSTO, ShADadR), the responder's application seeing 10054.
 * tests/e2e/records.sh holds every flow line of every sample to reading
 * back byte for byte.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "record_parse.h"

static char flow_line[4096];
static char summary_line[8192];

/* The golden file's two lines. */
static void load_golden(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof(path), "%s/tests/golden/expected/client-abort-6051.ndjson",
             top != NULL ? top : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert(fgets(flow_line, sizeof(flow_line), f) != NULL);
    ck_assert(fgets(summary_line, sizeof(summary_line), f) != NULL);
    fclose(f);
}

START_TEST(test_flow_reads_back_its_fields)
{
    load_golden();
    struct record_parse *rp = record_parse_create();
    struct tv_verdict v;
    char err[256];
    ck_assert_int_eq(record_parse_flow(rp, flow_line, strlen(flow_line), &v, err, sizeof(err)),
                     RECORD_PARSE_OK);
    ck_assert_uint_eq(v.flow_id, 3);
    ck_assert_int_eq(v.first_us, INT64_C(1795315045757690));
    ck_assert_int_eq(v.last_us, INT64_C(1795315045958293));
    ck_assert_uint_eq(v.orig.family, 4);
    ck_assert_uint_eq(v.orig.addr[3], 2);
    ck_assert_uint_eq(v.orig.port, 40004);
    ck_assert_uint_eq(v.orig.pkts, 5);
    ck_assert_uint_eq(v.orig.bytes, 87);
    ck_assert_int_eq(v.orig.winsock, TV_WINSOCK_NONE);
    ck_assert_uint_eq(v.resp.port, 6051);
    ck_assert_int_eq(v.resp.winsock, TV_WINSOCK_ECONNRESET);
    ck_assert_str_eq(v.service, "arcserve-agent");
    ck_assert_str_eq(v.conn_state, "RSTO");
    ck_assert_str_eq(v.history, "ShADadR");
    ck_assert_int_eq(v.end, TV_END_RST);
    ck_assert_int_eq(v.level, TV_LEVEL_FAIL);
    ck_assert_uint_eq(v.anomaly_count, 1);
    ck_assert_str_eq(v.anomalies[0].code, "rst_abort");
    ck_assert(v.anomalies[0].from_orig);
    ck_assert_uint_eq(v.anomalies[0].first_pkt, 10);
    ck_assert(v.location == NULL && !v.is_location_lost && v.path == NULL && !v.interim);
    ck_assert(v.hint != NULL && strstr(v.hint, "10054") != NULL);
    record_parse_destroy(rp);
}
END_TEST

START_TEST(test_summary_reads_back_its_counts)
{
    load_golden();
    struct record_parse *rp = record_parse_create();
    struct record_summary s;
    char err[256];
    ck_assert_int_eq(
        record_parse_summary(rp, summary_line, strlen(summary_line), &s, err, sizeof(err)),
        RECORD_PARSE_OK);
    ck_assert_uint_eq(s.inputs, 1);
    ck_assert_uint_eq(s.stats.packets, 10);
    ck_assert_uint_eq(s.stats.tcp_packets, 8);
    ck_assert_uint_eq(s.stats.flows, 1);
    ck_assert_uint_eq(s.inputs_by_format[READER_FORMAT_PCAP], 1);
    ck_assert(!s.has_kernel_drops);
    /* The two packets that were not TCP were not IP at all. */
    ck_assert_uint_eq(s.stats.decode[TV_DECODE_OK] + s.stats.decode[TV_DECODE_NOT_IP] +
                          s.stats.decode[TV_DECODE_NOT_TCP],
                      10);
    ck_assert_uint_eq(s.linktype_count, 1);
    ck_assert_str_eq(s.linktypes[0].name, "EN10MB");
    ck_assert_uint_eq(s.linktypes[0].packets, 10);
    record_parse_destroy(rp);
}
END_TEST

/* line, changed by replacing from with to, is refused naming word. */
static void expect_refused(struct record_parse *rp, const char *from, const char *to,
                           const char *word)
{
    char line[8192];
    const char *at = strstr(flow_line, from);
    ck_assert_msg(at != NULL, "%s is not in the golden line", from);
    snprintf(line, sizeof(line), "%.*s%s%s", (int)(at - flow_line), flow_line, to,
             at + strlen(from));
    struct tv_verdict v;
    char err[256] = "";
    ck_assert_int_eq(record_parse_flow(rp, line, strlen(line), &v, err, sizeof(err)),
                     RECORD_PARSE_BAD);
    ck_assert_msg(strstr(err, word) != NULL, "'%s' does not name %s", err, word);
}

START_TEST(test_broken_lines_are_refused_with_the_field_named)
{
    load_golden();
    struct record_parse *rp = record_parse_create();
    expect_refused(rp, "\"flow_id\":3,", "", "flow_id is missing");
    expect_refused(rp, "\"port\":40004", "\"port\":-1", "orig.port");
    expect_refused(rp, "\"winsock\":10054", "\"winsock\":1", "resp.winsock");
    expect_refused(rp, "\"end\":\"rst\"", "\"end\":\"RST\"", "end");
    expect_refused(rp, "\"first_pkt\":10", "\"first_pkt\":1.5", "anomalies[0].first_pkt");
    expect_refused(rp, "1795315045.757690", "1795315045.7576901", "ts_first");
    expect_refused(rp, "\"addr\":\"10.99.2.2\"", "\"addr\":\"10.99.2\"", "resp.addr");
    expect_refused(rp, "\"type\":\"flow\"", "\"type\":\"summary\"", "type");
    expect_refused(rp, "}]}", "}]", "not JSON");
    record_parse_destroy(rp);
}
END_TEST

START_TEST(test_a_refusal_leaves_the_next_line_whole)
{
    load_golden();
    struct record_parse *rp = record_parse_create();
    struct tv_verdict v;
    char err[256];
    ck_assert_int_eq(record_parse_flow(rp, "{\"type\":\"flow\"}", 15, &v, err, sizeof(err)),
                     RECORD_PARSE_BAD);
    ck_assert_int_eq(record_parse_flow(rp, "null", 4, &v, err, sizeof(err)), RECORD_PARSE_BAD);
    ck_assert_int_eq(record_parse_flow(rp, flow_line, strlen(flow_line), &v, err, sizeof(err)),
                     RECORD_PARSE_OK);
    ck_assert_str_eq(v.history, "ShADadR");
    record_parse_destroy(rp);
}
END_TEST

static Suite *record_parse_suite(void)
{
    Suite *s = suite_create("record_parse");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_flow_reads_back_its_fields);
    tcase_add_test(tc, test_summary_reads_back_its_counts);
    tcase_add_test(tc, test_broken_lines_are_refused_with_the_field_named);
    tcase_add_test(tc, test_a_refusal_leaves_the_next_line_whole);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(record_parse_suite());
}
