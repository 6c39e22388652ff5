/*
 * The capture module over files: a run can be repeated on the same
 * capture, and a second capture made in the same process, with the same
 * packets each time; packets handed on by reference stay readable until
 * capture_destroy(); the filter is compiled per link type; -w refuses a
 * second link type. Files are built here from the recorded samples.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "check_main.h"

#define KEPT_CAP 4096

struct seen {
    uint64_t packets;
    uint64_t stable;
    uint64_t sum;                  /* of every byte, time and length */
    const uint8_t *kept[KEPT_CAP]; /* stable packets, to read again later */
    uint32_t kept_len[KEPT_CAP];
    uint64_t kept_sum;
    size_t kept_count;
    uint64_t by_linktype[2]; /* Ethernet, other */
};

static void on_packet(const struct tv_packet *p, void *ctx)
{
    struct seen *s = ctx;
    s->packets++;
    s->sum += (uint64_t)p->ts_us + p->caplen + p->wirelen + (uint64_t)p->linktype;
    for (uint32_t i = 0; i < p->caplen; i++)
        s->sum += p->data[i];
    s->by_linktype[p->linktype == 1 ? 0 : 1]++;
    if (p->is_data_stable) {
        s->stable++;
        if (s->kept_count < KEPT_CAP) {
            s->kept[s->kept_count] = p->data;
            s->kept_len[s->kept_count++] = p->caplen;
            for (uint32_t i = 0; i < p->caplen; i++)
                s->kept_sum += p->data[i];
        }
    }
}

static void on_pause(void *ctx)
{
    (void)ctx;
}

static uint64_t reread_kept(const struct seen *s)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < s->kept_count; i++)
        for (uint32_t k = 0; k < s->kept_len[i]; k++)
            sum += s->kept[i][k];
    return sum;
}

static const char *sample(const char *name)
{
    static char paths[4][4096];
    static int next;
    const char *top = getenv("top_srcdir");
    char *path = paths[next++ % 4];
    snprintf(path, sizeof(paths[0]), "%s/capture-samples/%s", top != NULL ? top : ".", name);
    return path;
}

static enum capture_status run_once(const char *const *inputs, size_t count, const char *filter,
                                    const char *write_path, struct seen *s, struct capture **keep)
{
    struct capture_options opt = {
        .inputs = inputs, .input_count = count, .filter = filter, .write_path = write_path};
    struct capture *cap = capture_create(&opt);
    ck_assert_ptr_nonnull(cap);
    memset(s, 0, sizeof(*s));
    enum capture_status status = capture_run(cap, on_packet, on_pause, s);
    if (keep != NULL)
        *keep = cap;
    else
        capture_destroy(cap);
    return status;
}

START_TEST(test_a_run_repeated_gives_the_same_packets_and_counts)
{
    const char *inputs[] = {sample("demo.pcap"), sample("refused-6050.pcap")};
    struct capture_options opt = {.inputs = inputs, .input_count = 2};
    struct capture *cap = capture_create(&opt);
    ck_assert_ptr_nonnull(cap);
    struct seen first;
    struct seen second;
    memset(&first, 0, sizeof(first));
    memset(&second, 0, sizeof(second));
    ck_assert_int_eq(capture_run(cap, on_packet, on_pause, &first), CAPTURE_OK);
    struct capture_stats stats = *capture_stats(cap);
    ck_assert_int_eq(capture_run(cap, on_packet, on_pause, &second), CAPTURE_OK);
    ck_assert_uint_gt(first.packets, 0);
    ck_assert_uint_eq(second.packets, first.packets);
    ck_assert(second.sum == first.sum);
    ck_assert_uint_eq(capture_stats(cap)->packets, stats.packets);
    ck_assert_uint_eq(capture_stats(cap)->inputs_read, 2);
    ck_assert_uint_eq(capture_stats(cap)->inputs_by_format[READER_FORMAT_PCAP], 2);
    /* Both runs' packets were handed on by reference: all still readable. */
    ck_assert_uint_eq(first.stable, first.packets);
    ck_assert(reread_kept(&first) == first.kept_sum);
    ck_assert(reread_kept(&second) == second.kept_sum);
    capture_destroy(cap);

    /* A second capture in the same process reads the same. */
    struct seen third;
    ck_assert_int_eq(run_once(inputs, 2, NULL, NULL, &third, NULL), CAPTURE_OK);
    ck_assert(third.sum == first.sum);
}
END_TEST

/* demo.pcap as pcapng with a second interface of another link type: the
 * same packets behind a Linux cooked v2 header on interface 1. */
static char *two_linktypes(void)
{
    /* Each call a new name: without fork() the tests share this buffer. */
    static char path[32];
    snprintf(path, sizeof(path), "%s", "check_capture_XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *out = fdopen(fd, "wb");
    FILE *in = fopen(sample("demo.pcap"), "rb");
    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(in);
    uint8_t hdr[24];
    ck_assert_uint_eq(fread(hdr, 1, 24, in), 24);
    static const uint8_t shb[28] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0,    0,    0x4d, 0x3c,
                                    0x2b, 0x1a, 1,    0,    0,  0, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 28, 0, 0,    0};
    static const uint8_t idb_eth[20] = {1, 0, 0, 0, 20, 0, 0,  0, 1, 0,
                                        0, 0, 0, 0, 0,  0, 20, 0, 0, 0};
    static const uint8_t idb_sll2[20] = {1, 0, 0, 0, 20, 0, 0,  0, 0x14, 1,
                                         0, 0, 0, 0, 0,  0, 20, 0, 0,    0};
    fwrite(shb, 1, sizeof(shb), out);
    fwrite(idb_eth, 1, sizeof(idb_eth), out);
    fwrite(idb_sll2, 1, sizeof(idb_sll2), out);
    uint8_t rec[16];
    static uint8_t frame[65536 + 20];
    while (fread(rec, 1, 16, in) == 16) {
        uint32_t sec = rec[0] | rec[1] << 8 | rec[2] << 16 | (uint32_t)rec[3] << 24;
        uint32_t usec = rec[4] | rec[5] << 8 | rec[6] << 16 | (uint32_t)rec[7] << 24;
        uint32_t caplen = rec[8] | rec[9] << 8 | rec[10] << 16 | (uint32_t)rec[11] << 24;
        ck_assert_uint_le(caplen, 65536);
        ck_assert_uint_eq(fread(frame + 20, 1, caplen, in), caplen);
        uint64_t ts = (uint64_t)sec * 1000000 + usec;
        for (int iface = 0; iface < 2; iface++) {
            const uint8_t *data = frame + 20;
            uint32_t len = caplen;
            if (iface == 1) {
                /* SLL2: protocol (the Ethernet type), reserved, ifindex,
                 * hardware type, packet type, address length, address. */
                uint8_t type_hi = frame[20 + 12];
                uint8_t type_lo = frame[20 + 13];
                uint8_t *sll = frame + 20 + 14 - 20;
                memset(sll, 0, 20);
                sll[0] = type_hi;
                sll[1] = type_lo;
                sll[9] = 1;
                sll[11] = 6;
                data = sll;
                len = caplen - 14 + 20;
            }
            uint32_t padded = (len + 3) & ~3u;
            uint32_t block = 32 + padded;
            uint32_t f[7] = {6,   block, (uint32_t)iface, (uint32_t)(ts >> 32), (uint32_t)ts,
                             len, len};
            for (int i = 0; i < 7; i++)
                for (int k = 0; k < 4; k++)
                    fputc((int)(f[i] >> (8 * k)) & 0xff, out);
            fwrite(data, 1, len, out);
            for (uint32_t i = len; i < padded; i++)
                fputc(0, out);
            for (int k = 0; k < 4; k++)
                fputc((int)(block >> (8 * k)) & 0xff, out);
        }
    }
    fclose(in);
    fclose(out);
    return path;
}

START_TEST(test_the_filter_is_compiled_for_each_link_type)
{
    char *path = two_linktypes();
    const char *inputs[] = {path};
    struct seen all;
    struct seen filtered;
    struct seen plain;
    ck_assert_int_eq(run_once(inputs, 1, NULL, NULL, &all, NULL), CAPTURE_OK);
    ck_assert_uint_eq(all.by_linktype[0], all.by_linktype[1]);
    ck_assert_int_eq(run_once(inputs, 1, "tcp port 8530", NULL, &filtered, NULL), CAPTURE_OK);
    const char *demo[] = {sample("demo.pcap")};
    ck_assert_int_eq(run_once(demo, 1, "tcp port 8530", NULL, &plain, NULL), CAPTURE_OK);
    ck_assert_uint_gt(plain.packets, 0);
    /* The same packets matched on both interfaces, whatever their header. */
    ck_assert_uint_eq(filtered.by_linktype[0], plain.packets);
    ck_assert_uint_eq(filtered.by_linktype[1], plain.packets);
    /* An expression for Ethernet only: the other link type is left out. */
    ck_assert_int_eq(run_once(inputs, 1, "ether broadcast", NULL, &filtered, NULL), CAPTURE_OK);
    ck_assert_uint_eq(filtered.by_linktype[1], 0);
    ck_assert_uint_gt(filtered.by_linktype[0], 0);
    /* One that compiles for no link type at all is an error. */
    ck_assert_int_eq(run_once(inputs, 1, "tcp port port", NULL, &filtered, NULL),
                     CAPTURE_ERR_FILTER);
    unlink(path);
}
END_TEST

START_TEST(test_w_refuses_a_second_link_type)
{
    char *path = two_linktypes();
    const char *inputs[] = {path};
    char out[] = "check_capture_w_XXXXXX";
    int fd = mkstemp(out);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct seen s;
    ck_assert_int_eq(run_once(inputs, 1, NULL, out, &s, NULL), CAPTURE_ERR_LINKTYPE);
    ck_assert_uint_eq(s.packets, 1); /* the first packet, written; the second refused */
    /* One link type only: written whole. */
    ck_assert_int_eq(run_once(inputs, 1, "ether broadcast or not ether broadcast", out, &s, NULL),
                     CAPTURE_OK);
    unlink(out);
    unlink(path);
}
END_TEST

static Suite *capture_suite(void)
{
    Suite *s = suite_create("capture");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_a_run_repeated_gives_the_same_packets_and_counts);
    tcase_add_test(tc, test_the_filter_is_compiled_for_each_link_type);
    tcase_add_test(tc, test_w_refuses_a_second_link_type);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(capture_suite());
}
