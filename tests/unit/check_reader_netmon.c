/*
 * The Network Monitor reader on files built here, whose every field is
 * known by construction: versions 1.x, 2.0 to 2.3, frames in an order the
 * frame table gives rather than file order, holes between frames, media
 * types per frame, the start time and per-frame UTC times, a table lost
 * to a cut, damaged offsets and lengths. Each file is read from memory
 * handed in whole and as a pipe gives it (copied to a temporary file
 * first); both must agree. Times are read in UTC here (TZ).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "input.h"
#include "reader.h"
#include "reader_netmon.h"

#define NM_HEADER_LEN 128u

struct nm {
    uint8_t data[1 << 16];
    size_t len;
    uint32_t offsets[32]; /* of the frames, in table order */
    size_t count;
};

static void nm_put(struct nm *b, size_t at, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        b->data[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void nm_append(struct nm *b, uint64_t v, int n)
{
    nm_put(b, b->len, v, n);
    b->len += (size_t)n;
}

/* 2001-02-03 04:05:06.789 */
#define NM_START_US INT64_C(981173106789000)

static void nm_header(struct nm *b, const char *magic, uint8_t major, uint8_t minor, uint16_t media)
{
    memset(b, 0, sizeof(*b));
    memcpy(b->data, magic, 4);
    b->data[4] = minor;
    b->data[5] = major;
    nm_put(b, 6, media, 2);
    static const uint16_t start[8] = {2001, 2, 6, 3, 4, 5, 6, 789};
    for (int i = 0; i < 8; i++)
        nm_put(b, 8 + 2 * (size_t)i, start[i], 2);
    b->len = NM_HEADER_LEN;
}

static const uint8_t payload[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                  0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05};

/* A 2.x frame: delta in microseconds, caplen bytes of payload, and the
 * trailer its minor version has. */
static void nm_frame2(struct nm *b, uint8_t minor, uint64_t delta_us, uint32_t caplen,
                      uint32_t wirelen, uint16_t media, uint64_t filetime)
{
    b->offsets[b->count++] = (uint32_t)b->len;
    nm_append(b, delta_us, 8);
    nm_append(b, wirelen, 4);
    nm_append(b, caplen, 4);
    memcpy(b->data + b->len, payload, caplen);
    b->len += caplen;
    if (minor >= 1)
        nm_append(b, media, 2);
    if (minor >= 2)
        nm_append(b, 0, 4); /* process */
    if (minor >= 3) {
        nm_append(b, filetime, 8);
        nm_append(b, 0, 1); /* time zone */
    }
}

static void nm_frame1(struct nm *b, uint32_t delta_ms, uint16_t caplen, uint16_t wirelen)
{
    b->offsets[b->count++] = (uint32_t)b->len;
    nm_append(b, delta_ms, 4);
    nm_append(b, wirelen, 2);
    nm_append(b, caplen, 2);
    memcpy(b->data + b->len, payload, caplen);
    b->len += caplen;
}

/* The frame table at the end, in the order given (default: file order). */
static void nm_table(struct nm *b, const size_t *order)
{
    size_t table_off = b->len;
    for (size_t i = 0; i < b->count; i++)
        nm_append(b, b->offsets[order != NULL ? order[i] : i], 4);
    nm_put(b, 24, table_off, 4);
    nm_put(b, 28, b->count * 4, 4);
}

struct nm_got {
    bool is_open;
    int hint;
    size_t count;
    int linktype[32];
    int64_t ts_us[32];
    uint32_t caplen[32];
    uint32_t wirelen[32];
    uint64_t offset[32];
    bool is_data_right[32];
    enum reader_status end;
    struct reader_note note;
};

static void nm_read_one_way(const uint8_t *data, size_t len, size_t chunk, struct nm_got *g)
{
    memset(g, 0, sizeof(*g));
    struct input *in = input_open_memory(data, len, chunk);
    ck_assert_ptr_nonnull(in);
    struct reader_netmon *r = reader_netmon_open(in, &g->note);
    g->is_open = r != NULL;
    if (r != NULL) {
        g->hint = reader_netmon_linktype(r);
        for (;;) {
            struct reader_packet pkt;
            enum reader_status status = reader_netmon_next(r, &pkt, &g->note);
            ck_assert_int_ne(status, READER_UNREADABLE);
            if (status != READER_PACKET) {
                g->end = status;
                break;
            }
            ck_assert(in->is_stable);
            size_t i = g->count++;
            ck_assert_uint_lt(i, 32);
            g->linktype[i] = pkt.linktype;
            g->ts_us[i] = pkt.ts_us;
            g->caplen[i] = pkt.caplen;
            g->wirelen[i] = pkt.wirelen;
            g->offset[i] = pkt.offset;
            g->is_data_right[i] =
                pkt.caplen <= sizeof(payload) && memcmp(pkt.data, payload, pkt.caplen) == 0;
        }
        reader_netmon_close(r);
    }
    input_close(in);
}

static void nm_read(const struct nm *b, size_t len, struct nm_got *g)
{
    nm_read_one_way(b->data, len, 0, g);
    struct nm_got piped;
    nm_read_one_way(b->data, len, 5, &piped);
    ck_assert_int_eq(piped.is_open, g->is_open);
    ck_assert_uint_eq(piped.count, g->count);
    ck_assert_int_eq(piped.end, g->end);
    ck_assert_str_eq(piped.note.text, g->note.text);
    ck_assert_mem_eq(piped.ts_us, g->ts_us, sizeof(g->ts_us));
    ck_assert_mem_eq(piped.linktype, g->linktype, sizeof(g->linktype));
    ck_assert_mem_eq(piped.caplen, g->caplen, sizeof(g->caplen));
}

static void utc(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
}

START_TEST(test_version_2_0_frames_count_from_the_start_time)
{
    utc();
    struct nm b;
    nm_header(&b, "GMBU", 2, 0, 1);
    nm_frame2(&b, 0, 0, 20, 60, 0, 0);
    nm_frame2(&b, 0, 1500000, 10, 1514, 0, 0);
    nm_frame2(&b, 0, (uint64_t)-211, 20, 20, 0, 0); /* before the start, as written */
    nm_table(&b, NULL);
    struct nm_got g;
    nm_read(&b, b.len, &g);
    ck_assert(g.is_open);
    ck_assert_int_eq(g.hint, 1);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 3);
    ck_assert_int_eq(g.ts_us[0], NM_START_US);
    ck_assert_int_eq(g.ts_us[1], NM_START_US + 1500000);
    ck_assert_int_eq(g.ts_us[2], NM_START_US - 211);
    ck_assert_uint_eq(g.caplen[1], 10);
    ck_assert_uint_eq(g.wirelen[1], 1514);
    for (size_t i = 0; i < g.count; i++) {
        ck_assert_int_eq(g.linktype[i], 1);
        ck_assert(g.is_data_right[i]);
        ck_assert_uint_eq(g.offset[i], b.offsets[i]);
    }
}
END_TEST

START_TEST(test_frames_come_in_table_order_across_holes)
{
    utc();
    struct nm b;
    nm_header(&b, "GMBU", 2, 0, 1);
    b.len += 40; /* a hole after the header */
    nm_frame2(&b, 0, 300, 5, 5, 0, 0);
    memset(b.data + b.len, 0xee, 13); /* garbage between frames */
    b.len += 13;
    nm_frame2(&b, 0, 100, 6, 6, 0, 0);
    nm_frame2(&b, 0, 200, 7, 7, 0, 0);
    static const size_t order[] = {1, 2, 0};
    nm_table(&b, order);
    struct nm_got g;
    nm_read(&b, b.len, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 3);
    ck_assert_int_eq(g.ts_us[0], NM_START_US + 100);
    ck_assert_int_eq(g.ts_us[1], NM_START_US + 200);
    ck_assert_int_eq(g.ts_us[2], NM_START_US + 300);
    ck_assert_uint_eq(g.caplen[0], 6);
}
END_TEST

START_TEST(test_media_types_per_frame_become_link_types)
{
    utc();
    struct nm b;
    nm_header(&b, "GMBU", 2, 1, 1);
    nm_frame2(&b, 1, 0, 20, 20, 1, 0);            /* Ethernet */
    nm_frame2(&b, 1, 1, 20, 20, 0, 0);            /* 0: Ethernet too */
    nm_frame2(&b, 1, 2, 20, 20, 9, 0);            /* raw IP */
    nm_frame2(&b, 1, 3, 20, 20, 0xe000 | 276, 0); /* pcap Linux cooked v2 */
    nm_frame2(&b, 1, 4, 20, 20, 0xe000 | 101, 0); /* pcap raw, as libpcap numbers it */
    nm_frame2(&b, 1, 5, 20, 20, 0xfffe, 0);       /* DNS cache: not a packet */
    nm_frame2(&b, 1, 6, 20, 20, 0xe080, 0);       /* 802.11 */
    nm_frame2(&b, 1, 7, 20, 20, 6, 0);            /* 802.11 with Network Monitor's header */
    nm_frame2(&b, 1, 8, 20, 20, 3, 0);            /* FDDI */
    nm_table(&b, NULL);
    struct nm_got g;
    nm_read(&b, b.len, &g);
    ck_assert_int_eq(g.hint, -1); /* per frame from 2.1 on */
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 8);
    static const int want[] = {1, 1, 12, 276, 12, 105, READER_NETMON_LINKTYPE(6), 10};
    for (size_t i = 0; i < 8; i++)
        ck_assert_int_eq(g.linktype[i], want[i]);
    uint16_t media = 0;
    ck_assert(reader_netmon_is_media_linktype(g.linktype[6], &media));
    ck_assert_uint_eq(media, 6);
    ck_assert(!reader_netmon_is_media_linktype(1, &media));
    ck_assert(!reader_netmon_is_media_linktype(-1, &media));
}
END_TEST

START_TEST(test_version_2_3_frames_carry_utc_times)
{
    utc();
    struct nm b;
    nm_header(&b, "GMBU", 2, 3, 1);
    /* 100 ns units since 1601: 2023-11-14 22:13:20.1234567 */
    uint64_t filetime = (UINT64_C(1700000000) + UINT64_C(11644473600)) * 10000000 + 1234567;
    nm_frame2(&b, 3, 999, 20, 20, 1, filetime);
    nm_frame2(&b, 3, 999, 20, 20, 1, 0); /* the epoch of FILETIME itself */
    nm_table(&b, NULL);
    struct nm_got g;
    nm_read(&b, b.len, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 2);
    ck_assert_int_eq(g.ts_us[0], INT64_C(1700000000123456));
    ck_assert_int_eq(g.ts_us[1], -INT64_C(11644473600000000));
}
END_TEST

START_TEST(test_version_1_frames_in_milliseconds)
{
    utc();
    struct nm b;
    nm_header(&b, "RTSS", 1, 1, 1);
    nm_frame1(&b, 0, 14, 60);
    nm_frame1(&b, 2500, 20, 20);
    nm_table(&b, NULL);
    struct nm_got g;
    nm_read(&b, b.len, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 2);
    ck_assert_int_eq(g.ts_us[1], NM_START_US + 2500000);
    ck_assert_uint_eq(g.caplen[0], 14);
    ck_assert_uint_eq(g.wirelen[0], 60);
}
END_TEST

START_TEST(test_a_file_cut_short_is_read_in_file_order_and_says_so)
{
    utc();
    struct nm b;
    nm_header(&b, "GMBU", 2, 0, 1);
    nm_frame2(&b, 0, 0, 20, 20, 0, 0);
    nm_frame2(&b, 0, 1, 20, 20, 0, 0);
    nm_frame2(&b, 0, 2, 20, 20, 0, 0);
    size_t frames_end = b.len;
    nm_table(&b, NULL);
    for (size_t cut = NM_HEADER_LEN; cut < b.len; cut++) {
        struct nm_got g;
        nm_read(&b, cut, &g);
        ck_assert(g.is_open);
        ck_assert_int_eq(g.end, READER_ERROR);
        size_t whole = 0;
        for (size_t i = 0; i < 3; i++)
            whole += (i + 1 < 3 ? b.offsets[i + 1] : frames_end) <= cut;
        ck_assert_msg(g.count == whole, "cut at %zu: %zu frames", cut, g.count);
        if (cut >= frames_end)
            ck_assert_ptr_nonnull(strstr(g.note.text, "no usable frame table"));
        else if (cut != b.offsets[whole])
            ck_assert_msg(strstr(g.note.text, "truncated frame") != NULL, "cut at %zu: %s", cut,
                          g.note.text);
    }
    /* Not even a header. */
    struct nm_got g;
    nm_read(&b, 100, &g);
    ck_assert(!g.is_open);
    ck_assert_ptr_nonnull(strstr(g.note.text, "truncated Network Monitor header"));
}
END_TEST

START_TEST(test_damaged_offsets_and_lengths_end_the_input)
{
    utc();
    struct nm b;
    nm_header(&b, "GMBU", 2, 0, 1);
    nm_frame2(&b, 0, 0, 20, 20, 0, 0);
    nm_frame2(&b, 0, 1, 20, 20, 0, 0);
    nm_table(&b, NULL);
    size_t table_off = b.len - 8;
    struct nm_got g;
    /* The second frame's table entry points past the end. */
    struct nm bad = b;
    nm_put(&bad, table_off + 4, 0xfffffff0u, 4);
    nm_read(&bad, bad.len, &g);
    ck_assert_uint_eq(g.count, 1);
    ck_assert_int_eq(g.end, READER_ERROR);
    ck_assert_ptr_nonnull(strstr(g.note.text, "past the end of the file"));
    /* A frame longer than any. */
    bad = b;
    nm_put(&bad, b.offsets[1] + 12, 262145, 4);
    nm_read(&bad, bad.len, &g);
    ck_assert_uint_eq(g.count, 1);
    ck_assert_ptr_nonnull(strstr(g.note.text, "more than"));
    /* A frame whose data runs into the end of the file. */
    bad = b;
    nm_put(&bad, b.offsets[1] + 12, 200, 4);
    nm_read(&bad, bad.len, &g);
    ck_assert_uint_eq(g.count, 1);
    ck_assert_ptr_nonnull(strstr(g.note.text, "truncated frame 1"));
    /* A table length that is not whole entries: frames in file order. */
    bad = b;
    nm_put(&bad, 28, 7, 4);
    nm_read(&bad, bad.len, &g);
    ck_assert_uint_eq(g.count, 2);
    ck_assert_ptr_nonnull(strstr(g.note.text, "no usable frame table"));
    /* A version nothing knows. */
    bad = b;
    bad.data[5] = 3;
    nm_read(&bad, bad.len, &g);
    ck_assert(!g.is_open);
    ck_assert_ptr_nonnull(strstr(g.note.text, "format 3.0"));
}
END_TEST

START_TEST(test_an_empty_capture_has_no_frames)
{
    struct nm b;
    nm_header(&b, "GMBU", 2, 1, 1);
    nm_table(&b, NULL);
    struct nm_got g;
    nm_read(&b, b.len, &g);
    ck_assert(g.is_open);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 0);
}
END_TEST

static Suite *reader_netmon_suite(void)
{
    Suite *s = suite_create("reader_netmon");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_version_2_0_frames_count_from_the_start_time);
    tcase_add_test(tc, test_frames_come_in_table_order_across_holes);
    tcase_add_test(tc, test_media_types_per_frame_become_link_types);
    tcase_add_test(tc, test_version_2_3_frames_carry_utc_times);
    tcase_add_test(tc, test_version_1_frames_in_milliseconds);
    tcase_add_test(tc, test_a_file_cut_short_is_read_in_file_order_and_says_so);
    tcase_add_test(tc, test_damaged_offsets_and_lengths_end_the_input);
    tcase_add_test(tc, test_an_empty_capture_has_no_frames);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(reader_netmon_suite());
}
