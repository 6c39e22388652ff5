/*
 * Zeek's conn.log writer and the ladder's layout, on verdicts and packets
 * built here: Zeek's rules for unset fields and escapes, the uid, local
 * address space, and a ladder's folding and width.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "decode.h"
#include "flow_packets.h"
#include "output_ladder.h"
#include "output_zeek.h"
#include "sink_file.h"
#include "strbuf.h"

static struct tv_verdict sample_verdict(void)
{
    struct tv_verdict v;
    memset(&v, 0, sizeof(v));
    v.flow_id = 7;
    v.first_us = 1700000000000000LL;
    v.last_us = v.first_us + 1500000;
    v.orig = (struct tv_endpoint_report){
        .family = 4, .addr = {10, 0, 0, 1}, .port = 40000, .pkts = 5, .bytes = 100};
    v.resp = (struct tv_endpoint_report){
        .family = 4, .addr = {192, 0, 2, 80}, .port = 8530, .pkts = 4, .bytes = 200};
    v.conn_state = "SF";
    v.history = "ShADadFf";
    v.level = TV_LEVEL_OK;
    return v;
}

/* The record lines of one flow written as TSV or JSON, through a sink
 * to a temporary file, read back. */
static char *zeek_write(const struct tv_verdict *v, enum output_zeek_form form)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    struct sink_file *sink = sink_file_create(fileno(f), 4096, false);
    ck_assert_ptr_nonnull(sink);
    struct output_zeek *z = output_zeek_create(sink, form, 0);
    ck_assert_ptr_nonnull(z);
    const char *bytes = NULL;
    size_t len = 0;
    ck_assert_int_eq(output_zeek_flow(z, v, &bytes, &len), OUTPUT_ZEEK_OK);
    output_zeek_write_flow(z, bytes, len);
    ck_assert_int_eq(output_zeek_close(z, 0), OUTPUT_ZEEK_OK);
    output_zeek_destroy(z);
    ck_assert(sink_file_flush(sink));
    sink_file_destroy(sink);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_ge(size, 0);
    rewind(f);
    char *text = calloc(1, (size_t)size + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

/* The n-th tab-separated field of the first record line. */
static char *tsv_field(const char *log, int n)
{
    const char *line = log;
    while (*line == '#')
        line = strchr(line, '\n') + 1;
    for (int i = 0; i < n; i++)
        line = strchr(line, '\t') + 1;
    size_t len = strcspn(line, "\t\n");
    char *out = calloc(1, len + 1);
    memcpy(out, line, len);
    return out;
}

START_TEST(test_tsv_has_zeek_header_lines_and_close)
{
    struct tv_verdict v = sample_verdict();
    char *log = zeek_write(&v, OUTPUT_ZEEK_TSV);
    ck_assert_ptr_nonnull(strstr(log, "#separator \\x09\n#set_separator\t,\n"));
    ck_assert_ptr_nonnull(strstr(log, "#fields\tts\tuid\tid.orig_h\tid.orig_p\t"));
    ck_assert_ptr_nonnull(strstr(log, "\ttunnel_parents\tip_proto\tflow_id\tverdict\t"));
    ck_assert_ptr_nonnull(strstr(log, "#close\t1970-01-01-00-00-00\n"));
    free(log);
}
END_TEST

START_TEST(test_unset_fields_are_dashes_and_duration_needs_time)
{
    struct tv_verdict v = sample_verdict();
    char *log = zeek_write(&v, OUTPUT_ZEEK_TSV);
    char *duration = tsv_field(log, 8);
    char *ip_bytes = tsv_field(log, 17);
    char *anomalies = tsv_field(log, 24);
    ck_assert_str_eq(duration, "1.500000");
    ck_assert_str_eq(ip_bytes, "-");
    ck_assert_str_eq(anomalies, "(empty)");
    free(duration);
    free(ip_bytes);
    free(anomalies);
    free(log);
    v.last_us = v.first_us; /* one instant: Zeek leaves duration and bytes unset */
    log = zeek_write(&v, OUTPUT_ZEEK_TSV);
    duration = tsv_field(log, 8);
    char *orig_bytes = tsv_field(log, 9);
    ck_assert_str_eq(duration, "-");
    ck_assert_str_eq(orig_bytes, "-");
    free(duration);
    free(orig_bytes);
    free(log);
}
END_TEST

START_TEST(test_missed_bytes_is_unset_after_a_content_gap)
{
    struct tv_verdict v = sample_verdict();
    char *log = zeek_write(&v, OUTPUT_ZEEK_TSV);
    char *missed = tsv_field(log, 14);
    ck_assert_str_eq(missed, "0");
    free(missed);
    free(log);
    v.history = "ShADgadFf";
    log = zeek_write(&v, OUTPUT_ZEEK_TSV);
    missed = tsv_field(log, 14);
    ck_assert_str_eq(missed, "-");
    free(missed);
    free(log);
}
END_TEST

START_TEST(test_tabs_and_backslashes_in_strings_are_escaped)
{
    struct tv_verdict v = sample_verdict();
    v.hint = "a\tb\\c, d";
    char *log = zeek_write(&v, OUTPUT_ZEEK_TSV);
    char *hint = tsv_field(log, 27);
    ck_assert_str_eq(hint, "a\\x09b\\x5cc, d");
    free(hint);
    free(log);
    log = zeek_write(&v, OUTPUT_ZEEK_JSON);
    ck_assert_ptr_nonnull(strstr(log, "\"hint\":\"a\\u0009b\\\\c, d\"}"));
    ck_assert_ptr_null(strstr(log, "orig_ip_bytes")); /* unset: left out */
    ck_assert_ptr_nonnull(strstr(log, "\"local_orig\":true,\"local_resp\":true"));
    free(log);
}
END_TEST

START_TEST(test_uid_is_stable_and_differs_between_flows)
{
    struct tv_verdict v = sample_verdict();
    char a[OUTPUT_ZEEK_UID_LEN], b[OUTPUT_ZEEK_UID_LEN], c[OUTPUT_ZEEK_UID_LEN];
    output_zeek_uid(&v, a);
    output_zeek_uid(&v, b);
    v.flow_id++;
    output_zeek_uid(&v, c);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_int_eq(a[0], 'C');
    ck_assert_uint_eq(strlen(a), OUTPUT_ZEEK_UID_LEN - 1);
    ck_assert_uint_eq(
        strspn(a + 1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
        OUTPUT_ZEEK_UID_LEN - 2);
}
END_TEST

START_TEST(test_local_is_private_and_special_address_space)
{
    static const uint8_t private4[16] = {172, 31, 255, 1};
    static const uint8_t public4[16] = {172, 32, 0, 1};
    static const uint8_t link6[16] = {0xfe, 0x80, [15] = 1};
    static const uint8_t mcast6[16] = {0xff, 0x02, [15] = 0xfb};
    ck_assert(output_zeek_is_local(4, private4));
    ck_assert(!output_zeek_is_local(4, public4));
    ck_assert(output_zeek_is_local(6, link6));
    ck_assert(!output_zeek_is_local(6, mcast6));
}
END_TEST

static void add_pkt(struct flow_pics *f, bool from_orig, uint8_t flags, uint32_t seq, uint32_t ack,
                    uint32_t len)
{
    ck_assert_uint_lt(f->pkt_count, f->pkt_cap);
    size_t i = f->pkt_count++;
    f->pkts[i] = (struct flow_pkt){.number = i + 1,
                                   .ts_us = f->verdict.first_us + (int64_t)i,
                                   .seq = seq,
                                   .ack = ack,
                                   .payload_len = len,
                                   .window = 100,
                                   .flags = flags,
                                   .wscale = -1,
                                   .from_orig = from_orig};
}

/* A flow of a handshake, then n data segments and acks alternately. */
static void ladder_flow(struct flow_pics *f, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->verdict = sample_verdict();
    f->pkt_cap = n + 8;
    f->pkts = calloc(f->pkt_cap, sizeof(*f->pkts));
    ck_assert_ptr_nonnull(f->pkts);
    uint32_t cseq = 1000, sseq = 5000;
    add_pkt(f, true, TCP_FLAG_SYN, cseq, 0, 0);
    add_pkt(f, false, TCP_FLAG_SYN | TCP_FLAG_ACK, sseq, cseq + 1, 0);
    add_pkt(f, true, TCP_FLAG_ACK, cseq + 1, sseq + 1, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t sent = (uint32_t)(i / 2) * 10;
        if (i % 2 == 0)
            add_pkt(f, true, TCP_FLAG_ACK | TCP_FLAG_PSH, cseq + 1 + sent, sseq + 1, 10);
        else
            add_pkt(f, false, TCP_FLAG_ACK, sseq + 1, cseq + 1 + sent + 10, 0);
    }
}

START_TEST(test_ladder_folds_plain_runs_and_fits_100_columns)
{
    struct flow_pics f;
    ladder_flow(&f, 40);
    struct strbuf b;
    strbuf_init(&b);
    output_ladder_flow(&b, &f);
    ck_assert(!strbuf_is_short(&b));
    ck_assert_ptr_nonnull(strstr(b.data, "[S] seq=0 len=0"));
    ck_assert_ptr_nonnull(strstr(b.data, "[S.] seq=0 ack=1 len=0"));
    ck_assert_ptr_nonnull(strstr(b.data, "first data"));
    ck_assert_ptr_nonnull(strstr(b.data, "last data"));
    /* 40 data-phase packets: first and last data drawn, the rest folded. */
    ck_assert_ptr_nonnull(strstr(b.data, "... 37 packets: orig 18 (180 bytes), resp 19"));
    for (const char *line = b.data; *line != '\0';) {
        size_t len = strcspn(line, "\n");
        ck_assert_uint_le(len, LADDER_WIDTH);
        line += len + (line[len] == '\n');
    }
    strbuf_free(&b);
    free(f.pkts);
}
END_TEST

static Suite *output_zeek_suite(void)
{
    Suite *s = suite_create("output_zeek");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_tsv_has_zeek_header_lines_and_close);
    tcase_add_test(tc, test_unset_fields_are_dashes_and_duration_needs_time);
    tcase_add_test(tc, test_missed_bytes_is_unset_after_a_content_gap);
    tcase_add_test(tc, test_tabs_and_backslashes_in_strings_are_escaped);
    tcase_add_test(tc, test_uid_is_stable_and_differs_between_flows);
    tcase_add_test(tc, test_local_is_private_and_special_address_space);
    tcase_add_test(tc, test_ladder_folds_plain_runs_and_fits_100_columns);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(output_zeek_suite());
}
