/*
 * The pcapng reader on files built here block by block, whose every field
 * is known by construction: every block type, both byte orders, several
 * sections, interfaces with their own link type, snapshot length and
 * timestamp resolution, every truncation offset, lying lengths. Each file
 * is read from memory handed in whole (as a mapping reads) and as a pipe
 * gives it, a few bytes at a time; both must agree. Real pcapng files of
 * the shared corpus, when it is there, are compared with libpcap's reading.
 */
#include <check.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "input.h"
#include "reader.h"
#include "reader_pcapng.h"

/* --- building files ---------------------------------------------------- */

struct ng {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool is_big_endian;
    size_t starts[64]; /* offsets of the blocks, in order */
    size_t block_count;
};

static void ng_init(struct ng *b)
{
    memset(b, 0, sizeof(*b));
    b->cap = 1 << 16;
    b->data = malloc(b->cap);
    ck_assert_ptr_nonnull(b->data);
}

static void ng_free(struct ng *b)
{
    free(b->data);
}

static void ng_bytes(struct ng *b, const void *p, size_t n)
{
    while (b->len + n > b->cap) {
        b->cap *= 2;
        b->data = realloc(b->data, b->cap);
        ck_assert_ptr_nonnull(b->data);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void ng_u8(struct ng *b, uint8_t v)
{
    ng_bytes(b, &v, 1);
}

static void ng_u16(struct ng *b, uint16_t v)
{
    uint8_t p[2];
    for (int i = 0; i < 2; i++)
        p[i] = (uint8_t)(b->is_big_endian ? v >> (8 - 8 * i) : v >> (8 * i));
    ng_bytes(b, p, 2);
}

static void ng_u32(struct ng *b, uint32_t v)
{
    uint8_t p[4];
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(b->is_big_endian ? v >> (24 - 8 * i) : v >> (8 * i));
    ng_bytes(b, p, 4);
}

static void ng_u64(struct ng *b, uint64_t v)
{
    if (b->is_big_endian) {
        ng_u32(b, (uint32_t)(v >> 32));
        ng_u32(b, (uint32_t)v);
    } else {
        ng_u32(b, (uint32_t)v);
        ng_u32(b, (uint32_t)(v >> 32));
    }
}

static void ng_pad(struct ng *b)
{
    while (b->len % 4 != 0)
        ng_u8(b, 0);
}

static void ng_put32_at(struct ng *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->data[at + i] = (uint8_t)(b->is_big_endian ? v >> (24 - 8 * i) : v >> (8 * i));
}

static size_t ng_begin(struct ng *b, uint32_t type)
{
    size_t start = b->len;
    ck_assert_uint_lt(b->block_count, 64);
    b->starts[b->block_count++] = start;
    ng_u32(b, type);
    ng_u32(b, 0);
    return start;
}

static void ng_end(struct ng *b, size_t start)
{
    ng_pad(b);
    uint32_t len = (uint32_t)(b->len - start + 4);
    ng_u32(b, len);
    ng_put32_at(b, start + 4, len);
}

static void ng_option(struct ng *b, uint16_t code, const void *value, uint16_t len)
{
    ng_u16(b, code);
    ng_u16(b, len);
    ng_bytes(b, value, len);
    ng_pad(b);
}

static void ng_end_of_options(struct ng *b)
{
    ng_u16(b, 0);
    ng_u16(b, 0);
}

static void ng_shb(struct ng *b, bool is_big_endian, uint16_t major, uint16_t minor)
{
    b->is_big_endian = is_big_endian;
    size_t start = ng_begin(b, 0x0a0d0d0au);
    ng_u32(b, 0x1a2b3c4du);
    ng_u16(b, major);
    ng_u16(b, minor);
    ng_u64(b, UINT64_MAX);       /* section length unknown */
    ng_option(b, 4, "check", 5); /* shb_userappl */
    ng_end_of_options(b);
    ng_end(b, start);
}

/* tsresol < 0: no if_tsresol; has_offset: an if_tsoffset of offset_s. */
static void ng_idb(struct ng *b, uint16_t linktype, uint32_t snaplen, int tsresol, bool has_offset,
                   int64_t offset_s)
{
    size_t start = ng_begin(b, 1);
    ng_u16(b, linktype);
    ng_u16(b, 0);
    ng_u32(b, snaplen);
    ng_option(b, 2, "eth0", 4); /* if_name */
    if (tsresol >= 0) {
        uint8_t r = (uint8_t)tsresol;
        ng_option(b, 9, &r, 1);
    }
    if (has_offset) {
        ng_u16(b, 14);
        ng_u16(b, 8);
        ng_u64(b, (uint64_t)offset_s);
    }
    ng_end_of_options(b);
    ng_end(b, start);
}

static const uint8_t frame[] = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
    25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
    49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70};

/* flags < 0: no epb_flags option. */
static void ng_epb(struct ng *b, uint32_t if_id, uint64_t ts, uint32_t caplen, uint32_t wirelen,
                   int64_t flags)
{
    ck_assert_uint_le(caplen, sizeof(frame));
    size_t start = ng_begin(b, 6);
    ng_u32(b, if_id);
    ng_u32(b, (uint32_t)(ts >> 32));
    ng_u32(b, (uint32_t)ts);
    ng_u32(b, caplen);
    ng_u32(b, wirelen);
    ng_bytes(b, frame, caplen);
    ng_pad(b);
    ng_option(b, 1, "a comment", 9); /* opt_comment, before the flags */
    if (flags >= 0) {
        ng_u16(b, 2);
        ng_u16(b, 4);
        ng_u32(b, (uint32_t)flags);
    }
    ng_end_of_options(b);
    ng_end(b, start);
}

static void ng_spb(struct ng *b, uint32_t wirelen, uint32_t stored)
{
    size_t start = ng_begin(b, 3);
    ng_u32(b, wirelen);
    ng_bytes(b, frame, stored);
    ng_end(b, start);
}

static void ng_pb(struct ng *b, uint16_t if_id, uint64_t ts, uint32_t caplen, uint32_t flags)
{
    size_t start = ng_begin(b, 2);
    ng_u16(b, if_id);
    ng_u16(b, 0); /* drops */
    ng_u32(b, (uint32_t)(ts >> 32));
    ng_u32(b, (uint32_t)ts);
    ng_u32(b, caplen);
    ng_u32(b, caplen);
    ng_bytes(b, frame, caplen);
    ng_pad(b);
    ng_u16(b, 2);
    ng_u16(b, 4);
    ng_u32(b, flags);
    ng_end_of_options(b);
    ng_end(b, start);
}

/* A block the reader has no use for: body_len bytes of 0x5a. */
static void ng_other(struct ng *b, uint32_t type, size_t body_len)
{
    size_t start = ng_begin(b, type);
    for (size_t i = 0; i < body_len; i++)
        ng_u8(b, 0x5a);
    ng_end(b, start);
}

/* --- reading them ------------------------------------------------------ */

#define READ_CAP 32

struct got_packet {
    int linktype;
    int64_t ts_us;
    uint32_t caplen;
    uint32_t wirelen;
    uint32_t epb_flags;
    uint32_t interface_id;
    uint64_t offset;
    bool is_big_endian;
    bool is_data_right; /* the bytes are frame's first caplen */
};

struct got {
    bool is_open;
    struct got_packet pkts[READ_CAP];
    size_t count;
    size_t unreadable;
    enum reader_status end;
    struct reader_note note;       /* of the end, or the open failure */
    struct reader_note first_skip; /* of the first READER_UNREADABLE */
};

static void read_one_way(const uint8_t *data, size_t len, size_t chunk, struct got *g)
{
    memset(g, 0, sizeof(*g));
    struct input *in = input_open_memory(data, len, chunk);
    ck_assert_ptr_nonnull(in);
    struct reader_pcapng *r = reader_pcapng_open(in, &g->note);
    g->is_open = r != NULL;
    if (r != NULL) {
        for (;;) {
            struct reader_packet pkt;
            struct reader_note note;
            enum reader_status status = reader_pcapng_next(r, &pkt, &note);
            if (status == READER_UNREADABLE) {
                if (g->unreadable++ == 0)
                    g->first_skip = note;
                continue;
            }
            if (status != READER_PACKET) {
                g->end = status;
                if (status == READER_ERROR)
                    g->note = note;
                break;
            }
            ck_assert_uint_lt(g->count, READ_CAP);
            struct got_packet *p = &g->pkts[g->count++];
            p->linktype = pkt.linktype;
            p->ts_us = pkt.ts_us;
            p->caplen = pkt.caplen;
            p->wirelen = pkt.wirelen;
            p->epb_flags = pkt.epb_flags;
            p->interface_id = pkt.interface_id;
            p->offset = pkt.offset;
            p->is_big_endian = pkt.is_big_endian;
            p->is_data_right =
                pkt.caplen <= sizeof(frame) && memcmp(pkt.data, frame, pkt.caplen) == 0;
        }
        reader_pcapng_close(r);
    }
    input_close(in);
}

/* Reads data whole and in chunks of several sizes; all must agree. */
static void read_all(const uint8_t *data, size_t len, struct got *g)
{
    static const size_t chunks[] = {1, 3, 7, 64, 4096};
    read_one_way(data, len, 0, g);
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        struct got other;
        read_one_way(data, len, chunks[i], &other);
        ck_assert_int_eq(other.is_open, g->is_open);
        ck_assert_uint_eq(other.count, g->count);
        ck_assert_uint_eq(other.unreadable, g->unreadable);
        ck_assert_int_eq(other.end, g->end);
        ck_assert_str_eq(other.note.text, g->note.text);
        ck_assert_uint_eq(other.note.offset, g->note.offset);
        ck_assert_mem_eq(other.pkts, g->pkts, g->count * sizeof(g->pkts[0]));
    }
}

static void read_ng(const struct ng *b, struct got *g)
{
    read_all(b->data, b->len, g);
}

/* --- tests ------------------------------------------------------------- */

START_TEST(test_every_block_type_is_read_or_skipped_by_its_length)
{
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 1, 0);
    ng_idb(&b, 1, 65535, -1, false, 0);
    ng_other(&b, 4, 20); /* name resolution */
    ng_epb(&b, 0, 1000000, 60, 60, -1);
    ng_other(&b, 5, 28); /* interface statistics */
    ng_spb(&b, 70, 70);
    ng_other(&b, 0x0a, 40);         /* decryption secrets */
    ng_pb(&b, 0, 2000000, 42, 0x2); /* obsolete packet block, outbound */
    ng_other(&b, 0xbad, 12);        /* custom, may be copied */
    ng_other(&b, 0x40000bad, 0);    /* custom, not to be copied */
    ng_other(&b, 9, 100);           /* systemd journal export */
    ng_other(&b, 0x12345678, 8);    /* a type nobody knows */
    ng_epb(&b, 0, 3000000, 10, 1500, 0x1);
    struct got g;
    read_ng(&b, &g);
    ck_assert(g.is_open);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 4);
    ck_assert_uint_eq(g.unreadable, 0);
    /* enhanced */
    ck_assert_int_eq(g.pkts[0].linktype, 1);
    ck_assert_int_eq(g.pkts[0].ts_us, 1000000);
    ck_assert_uint_eq(g.pkts[0].caplen, 60);
    ck_assert_uint_eq(g.pkts[0].epb_flags, 0);
    ck_assert_uint_eq(g.pkts[0].offset, b.starts[3]);
    /* simple: the time of the packet before it */
    ck_assert_int_eq(g.pkts[1].ts_us, 1000000);
    ck_assert_uint_eq(g.pkts[1].caplen, 70);
    ck_assert_uint_eq(g.pkts[1].wirelen, 70);
    /* obsolete, with its pack_flags */
    ck_assert_int_eq(g.pkts[2].ts_us, 2000000);
    ck_assert_uint_eq(g.pkts[2].caplen, 42);
    ck_assert_uint_eq(g.pkts[2].epb_flags, 0x2);
    /* enhanced, cut by the capture */
    ck_assert_uint_eq(g.pkts[3].caplen, 10);
    ck_assert_uint_eq(g.pkts[3].wirelen, 1500);
    ck_assert_uint_eq(g.pkts[3].epb_flags, 0x1);
    for (size_t i = 0; i < g.count; i++)
        ck_assert(g.pkts[i].is_data_right);
    ng_free(&b);
}
END_TEST

START_TEST(test_both_byte_orders_read_alike)
{
    struct got le;
    struct got be;
    for (int order = 0; order < 2; order++) {
        struct ng b;
        ng_init(&b);
        ng_shb(&b, order == 1, 1, 0);
        ng_idb(&b, 113, 0, 9, true, 7);
        ng_epb(&b, 0, UINT64_C(1700000000123456789), 33, 40, 0x202);
        ng_spb(&b, 20, 20);
        ng_pb(&b, 0, 5000, 8, 0x1);
        read_ng(&b, order == 0 ? &le : &be);
        ng_free(&b);
    }
    ck_assert_uint_eq(le.count, 3);
    ck_assert_int_eq(le.end, READER_END);
    ck_assert_uint_eq(be.count, le.count);
    for (size_t i = 0; i < le.count; i++) {
        ck_assert(!le.pkts[i].is_big_endian);
        ck_assert(be.pkts[i].is_big_endian);
        be.pkts[i].is_big_endian = false;
    }
    ck_assert_mem_eq(be.pkts, le.pkts, le.count * sizeof(le.pkts[0]));
    ck_assert_int_eq(le.pkts[0].ts_us, INT64_C(1700000007123456)); /* ns, plus 7 s */
    ck_assert_uint_eq(le.pkts[0].epb_flags, 0x202);
}
END_TEST

START_TEST(test_sections_each_have_their_byte_order_and_interfaces)
{
    /* As `cat a.pcapng b.pcapng` makes: a second section header, in the
     * other byte order, forgets the first section's interfaces. */
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 1, 0);
    ng_idb(&b, 1, 0, -1, false, 0);
    ng_idb(&b, 228, 0, -1, false, 0);
    ng_epb(&b, 1, 10, 20, 20, -1);
    ng_epb(&b, 0, 20, 20, 20, -1);
    ng_shb(&b, true, 1, 2);
    ng_idb(&b, 276, 0, -1, false, 0);
    ng_epb(&b, 0, 30, 20, 20, -1);
    ng_epb(&b, 1, 40, 20, 20, -1); /* interface 1 was the first section's */
    ng_epb(&b, 0, 50, 20, 20, -1);
    struct got g;
    read_ng(&b, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 4);
    ck_assert_int_eq(g.pkts[0].linktype, 228);
    ck_assert_uint_eq(g.pkts[0].interface_id, 1);
    ck_assert_int_eq(g.pkts[1].linktype, 1);
    ck_assert_int_eq(g.pkts[2].linktype, 276);
    ck_assert(g.pkts[2].is_big_endian);
    ck_assert_int_eq(g.pkts[3].ts_us, 50);
    ck_assert_uint_eq(g.unreadable, 1);
    ck_assert_uint_eq(g.first_skip.offset, b.starts[8]);
    ck_assert_ptr_nonnull(strstr(g.first_skip.text, "names interface 1, but its section has 1"));
    ng_free(&b);
}
END_TEST

START_TEST(test_interfaces_have_their_own_link_type_snaplen_and_resolution)
{
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 1, 0);
    ng_idb(&b, 1, 16, -1, false, 0);         /* 0: Ethernet, 16 bytes, microseconds */
    ng_idb(&b, 101, 0, 9, false, 0);         /* 1: LINKTYPE_RAW, nanoseconds */
    ng_idb(&b, 105, 0, 0x80 | 20, false, 0); /* 2: 802.11, 2^-20 s */
    ng_idb(&b, 113, 0, 3, true, 1000);       /* 3: milliseconds, 1000 s later */
    ng_idb(&b, 0, 0, 0, true, -1700000000);  /* 4: seconds, an offset back */
    ng_idb(&b, 1, 0, 0x80, false, 0);        /* 5: 2^0 s: seconds too */
    ng_idb(&b, 1, 0, 0x80 | 30, false, 0);   /* 6: 2^-30 s */
    ng_epb(&b, 0, 1700000000000001, 60, 60, -1);
    ng_epb(&b, 1, UINT64_C(1700000000999999999), 20, 20, -1);
    ng_epb(&b, 2, (UINT64_C(1700000000) << 20) | (1u << 19), 20, 20, -1); /* and a half */
    ng_epb(&b, 3, 1700000000123, 20, 20, -1);
    ng_epb(&b, 4, 1700000042, 20, 20, -1);
    ng_epb(&b, 5, 1700000000, 20, 20, -1);
    ng_epb(&b, 6, (UINT64_C(1700000000) << 30) + (UINT64_C(1) << 30) / 4, 20, 20, -1);
    struct got g;
    read_ng(&b, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 7);
    ck_assert_int_eq(g.pkts[0].linktype, 1);
    ck_assert_uint_eq(g.pkts[0].caplen, 16); /* cut to the snapshot length */
    ck_assert_uint_eq(g.pkts[0].wirelen, 60);
    ck_assert_int_eq(g.pkts[0].ts_us, INT64_C(1700000000000001));
    ck_assert_int_eq(g.pkts[1].linktype, 12); /* as libpcap numbers it */
    ck_assert_int_eq(g.pkts[1].ts_us, INT64_C(1700000000999999));
    ck_assert_int_eq(g.pkts[2].linktype, 105);
    ck_assert_int_eq(g.pkts[2].ts_us, INT64_C(1700000000500000));
    ck_assert_int_eq(g.pkts[3].ts_us, INT64_C(1700001000123000));
    ck_assert_int_eq(g.pkts[4].ts_us, INT64_C(42000000));
    ck_assert_int_eq(g.pkts[5].ts_us, INT64_C(1700000000000000));
    ck_assert_int_eq(g.pkts[6].ts_us, INT64_C(1700000000250000));
    ng_free(&b);
}
END_TEST

START_TEST(test_any_resolution_offset_and_time_stay_in_range)
{
    static const uint64_t times[] = {
        0, 1, 999999, UINT32_MAX, UINT64_C(1) << 52, UINT64_C(1) << 63, UINT64_MAX - 1, UINT64_MAX};
    static const int64_t offsets[] = {INT64_MIN, -INT64_C(253402300800), -1,       0,
                                      1,         INT64_C(253402300800),  INT64_MAX};
    for (int resol = 0; resol < 256; resol++) {
        for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
            struct ng b;
            ng_init(&b);
            ng_shb(&b, (resol & 1) != 0, 1, 0);
            ng_idb(&b, 1, 0, resol, true, offsets[o]);
            for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++)
                ng_epb(&b, 0, times[t], 4, 4, -1);
            struct got g;
            read_one_way(b.data, b.len, 0, &g);
            ck_assert_uint_eq(g.count, sizeof(times) / sizeof(times[0]));
            for (size_t t = 0; t < g.count; t++) {
                ck_assert_int_le(g.pkts[t].ts_us, READER_TS_MAX_US);
                ck_assert_int_ge(g.pkts[t].ts_us, -READER_TS_MAX_US);
                /* A later time never reads as an earlier one. */
                if (t > 0)
                    ck_assert_int_ge(g.pkts[t].ts_us, g.pkts[t - 1].ts_us);
            }
            ng_free(&b);
        }
    }
}
END_TEST

/* A small file and the offsets where its blocks start. */
static void small_file(struct ng *b)
{
    ng_init(b);
    ng_shb(b, false, 1, 0);
    ng_idb(b, 1, 0, -1, false, 0);
    ng_epb(b, 0, 1, 60, 60, 0x2);
    ng_other(b, 5, 24);
    ng_epb(b, 0, 2, 13, 13, -1);
    ng_spb(b, 30, 30);
    ng_epb(b, 0, 3, 7, 7, 0x1);
}

START_TEST(test_every_truncation_offset_of_a_small_file)
{
    struct ng b;
    small_file(&b);
    /* Packets whose blocks end at or before each cut. */
    static const size_t packet_block[] = {2, 4, 5, 6};
    for (size_t cut = 0; cut <= b.len; cut++) {
        struct got g;
        read_all(b.data, cut, &g);
        if (cut < 28) {
            ck_assert_msg(!g.is_open, "cut at %zu", cut);
            continue;
        }
        ck_assert(g.is_open);
        size_t whole = 0;
        size_t cut_block = b.block_count;
        for (size_t i = 0; i < b.block_count; i++) {
            size_t end = i + 1 < b.block_count ? b.starts[i + 1] : b.len;
            if (end > cut && b.starts[i] < cut && cut_block == b.block_count)
                cut_block = i;
        }
        for (size_t i = 0; i < sizeof(packet_block) / sizeof(packet_block[0]); i++) {
            size_t end =
                packet_block[i] + 1 < b.block_count ? b.starts[packet_block[i] + 1] : b.len;
            whole += end <= cut;
        }
        ck_assert_msg(g.count == whole, "cut at %zu: %zu packets, %zu whole", cut, g.count, whole);
        if (cut_block == b.block_count) {
            ck_assert_msg(g.end == READER_END, "cut at %zu, between blocks: %s", cut, g.note.text);
        } else {
            ck_assert_msg(g.end == READER_ERROR, "cut at %zu", cut);
            ck_assert_uint_eq(g.note.offset, b.starts[cut_block]);
            ck_assert_ptr_nonnull(strstr(g.note.text, "truncated"));
            char at[32];
            snprintf(at, sizeof(at), "byte %zu", b.starts[cut_block]);
            ck_assert_msg(strstr(g.note.text, at) != NULL, "'%s' names no %s", g.note.text, at);
        }
    }
    ng_free(&b);
}
END_TEST

/* Reads b after patching a 32-bit field at off; returns the outcome. */
static void read_patched(const struct ng *b, size_t off, uint32_t v, struct got *g)
{
    uint8_t *copy = malloc(b->len);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, b->data, b->len);
    for (int i = 0; i < 4; i++)
        copy[off + i] = (uint8_t)(v >> (8 * i)); /* small_file is little-endian */
    read_all(copy, b->len, g);
    free(copy);
}

START_TEST(test_lying_block_lengths_end_the_input_naming_the_block)
{
    struct ng b;
    small_file(&b);
    size_t epb = b.starts[4];
    uint32_t epb_len = (uint32_t)(b.starts[5] - epb);
    static const uint32_t lies[] = {0, 4, 11, 12, 13, 30, 0x7ffffffcu, 0xfffffffcu, 0xffffffffu};
    for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
        struct got g;
        read_patched(&b, epb + 4, lies[i], &g);
        ck_assert_int_eq(g.end, READER_ERROR);
        ck_assert_uint_eq(g.note.offset, epb);
        ck_assert_uint_eq(g.count, 1); /* the packet before stands */
    }
    /* The trailing copy of the length differs. */
    struct got g;
    read_patched(&b, epb + epb_len - 4, epb_len + 4, &g);
    ck_assert_int_eq(g.end, READER_ERROR);
    ck_assert_uint_eq(g.note.offset, epb);
    ck_assert_ptr_nonnull(strstr(g.note.text, "at the end"));
    /* A skipped block lies the same way. */
    read_patched(&b, b.starts[3] + (b.starts[4] - b.starts[3]) - 4, 8, &g);
    ck_assert_int_eq(g.end, READER_ERROR);
    ck_assert_uint_eq(g.note.offset, b.starts[3]);
    /* Captured length beyond the block. */
    read_patched(&b, epb + 20, 200, &g);
    ck_assert_int_eq(g.end, READER_ERROR);
    ck_assert_ptr_nonnull(strstr(g.note.text, "room for"));
    /* The byte-order magic of the section header. */
    read_patched(&b, 8, 0x12345678u, &g);
    ck_assert(g.is_open);
    ck_assert_int_eq(g.end, READER_ERROR);
    ck_assert_ptr_nonnull(strstr(g.note.text, "byte-order magic"));
    ng_free(&b);
}
END_TEST

START_TEST(test_packets_of_no_interface_are_unreadable_and_reading_goes_on)
{
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 1, 0);
    ng_spb(&b, 20, 20); /* before any interface */
    ng_idb(&b, 1, 0, -1, false, 0);
    ng_idb(&b, 1, 0, -1, false, 0);
    ng_epb(&b, 5, 1, 20, 20, -1);
    ng_epb(&b, UINT32_MAX, 1, 20, 20, -1);
    ng_pb(&b, 2, 1, 20, 0);
    ng_epb(&b, 1, 2, 20, 20, -1);
    struct got g;
    read_ng(&b, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.unreadable, 4);
    ck_assert_uint_eq(g.count, 1);
    ck_assert_uint_eq(g.pkts[0].interface_id, 1);
    ck_assert_uint_eq(g.first_skip.offset, b.starts[1]);
    ck_assert_ptr_nonnull(strstr(g.first_skip.text, "before any interface"));
    ng_free(&b);
}
END_TEST

START_TEST(test_a_section_of_an_unknown_version_is_unreadable_until_the_next)
{
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 2, 0);
    ng_idb(&b, 1, 0, -1, false, 0);
    ng_epb(&b, 0, 1, 20, 20, -1);
    ng_spb(&b, 20, 20);
    ng_shb(&b, false, 1, 0);
    ng_idb(&b, 1, 0, -1, false, 0);
    ng_epb(&b, 0, 2, 20, 20, -1);
    struct got g;
    read_ng(&b, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.unreadable, 2);
    ck_assert_ptr_nonnull(strstr(g.first_skip.text, "version 2.0"));
    ck_assert_uint_eq(g.count, 1);
    ck_assert_int_eq(g.pkts[0].ts_us, 2);
    ng_free(&b);
}
END_TEST

START_TEST(test_malformed_options_keep_the_packet)
{
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 1, 0);
    ng_idb(&b, 1, 0, -1, false, 0);
    /* An option whose length runs past the block: options end there. */
    size_t start = ng_begin(&b, 6);
    ng_u32(&b, 0);
    ng_u32(&b, 0);
    ng_u32(&b, 9);
    ng_u32(&b, 4);
    ng_u32(&b, 4);
    ng_bytes(&b, frame, 4);
    ng_u16(&b, 2);
    ng_u16(&b, 400);
    ng_u32(&b, 0x2);
    ng_end(&b, start);
    struct got g;
    read_ng(&b, &g);
    ck_assert_int_eq(g.end, READER_END);
    ck_assert_uint_eq(g.count, 1);
    ck_assert_int_eq(g.pkts[0].ts_us, 9);
    ck_assert_uint_eq(g.pkts[0].epb_flags, 0);
    ng_free(&b);
}
END_TEST

START_TEST(test_too_many_interfaces_in_one_section_is_damage)
{
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 1, 0);
    for (uint32_t i = 0; i <= READER_PCAPNG_INTERFACE_CAP; i++) {
        size_t start = b.len;
        ng_u32(&b, 1);
        ng_u32(&b, 20);
        ng_u16(&b, 1);
        ng_u16(&b, 0);
        ng_u32(&b, 0);
        ng_u32(&b, 20);
        (void)start;
    }
    struct got g;
    read_one_way(b.data, b.len, 0, &g);
    ck_assert_int_eq(g.end, READER_ERROR);
    ck_assert_ptr_nonnull(strstr(g.note.text, "interfaces in one section"));
    ng_free(&b);
}
END_TEST

START_TEST(test_a_block_longer_than_the_reader_takes_is_damage_a_skipped_one_is_not)
{
    struct ng b;
    ng_init(&b);
    ng_shb(&b, false, 1, 0);
    ng_idb(&b, 1, 0, -1, false, 0);
    ng_other(&b, 0xbad, READER_PCAPNG_BLOCK_CAP + 4); /* skipped, however long */
    ng_epb(&b, 0, 1, 20, 20, -1);
    size_t start = ng_begin(&b, 6);
    ng_u32(&b, 0);
    ng_u32(&b, 0);
    ng_u32(&b, 0);
    ng_u32(&b, READER_PCAPNG_BLOCK_CAP);
    ng_u32(&b, READER_PCAPNG_BLOCK_CAP);
    for (size_t i = 0; i < READER_PCAPNG_BLOCK_CAP; i++)
        ng_u8(&b, 0);
    ng_end(&b, start);
    struct got g;
    read_one_way(b.data, b.len, 0, &g);
    ck_assert_uint_eq(g.count, 1);
    ck_assert_int_eq(g.end, READER_ERROR);
    ck_assert_uint_eq(g.note.offset, start);
    ck_assert_ptr_nonnull(strstr(g.note.text, "more than"));
    read_one_way(b.data, b.len, 65536, &g);
    ck_assert_uint_eq(g.count, 1);
    ck_assert_uint_eq(g.note.offset, start);
    ng_free(&b);
}
END_TEST

/* --- against libpcap, on real files ------------------------------------ */

static unsigned compare_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 7 || strcmp(e->d_name + len - 7, ".pcapng") != 0)
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        char errbuf[PCAP_ERRBUF_SIZE];
        pcap_t *p =
            pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
        if (p == NULL)
            continue;
        char err[256];
        struct input *in = input_open(path, err, sizeof(err));
        ck_assert_ptr_nonnull(in);
        struct reader_note note;
        struct reader_pcapng *r = reader_pcapng_open(in, &note);
        ck_assert_msg(r != NULL, "%s: %s", path, note.text);
        struct pcap_pkthdr *hdr;
        const u_char *data;
        uint64_t count = 0;
        while (pcap_next_ex(p, &hdr, &data) == 1) {
            struct reader_packet pkt;
            ck_assert_int_eq(reader_pcapng_next(r, &pkt, &note), READER_PACKET);
            ck_assert_int_eq(pkt.linktype, pcap_datalink(p));
            ck_assert_int_eq(pkt.ts_us, (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec);
            ck_assert_uint_eq(pkt.caplen, hdr->caplen);
            ck_assert_uint_eq(pkt.wirelen, hdr->len);
            ck_assert_mem_eq(pkt.data, data, hdr->caplen);
            count++;
        }
        struct reader_packet pkt;
        ck_assert_int_eq(reader_pcapng_next(r, &pkt, &note), READER_END);
        ck_assert_uint_gt(count, 0);
        reader_pcapng_close(r);
        input_close(in);
        pcap_close(p);
        n++;
    }
    closedir(d);
    return n;
}

START_TEST(test_real_files_read_as_libpcap_reads_them)
{
    const char *top = getenv("top_srcdir");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/../shared/corpus/zeek", top != NULL ? top : ".");
    unsigned n = compare_dir(dir);
    if (n == 0)
        fprintf(stderr, "check_reader_pcapng: no pcapng files in %s to compare\n", dir);
}
END_TEST

static Suite *reader_pcapng_suite(void)
{
    Suite *s = suite_create("reader_pcapng");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_every_block_type_is_read_or_skipped_by_its_length);
    tcase_add_test(tc, test_both_byte_orders_read_alike);
    tcase_add_test(tc, test_sections_each_have_their_byte_order_and_interfaces);
    tcase_add_test(tc, test_interfaces_have_their_own_link_type_snaplen_and_resolution);
    tcase_add_test(tc, test_any_resolution_offset_and_time_stay_in_range);
    tcase_add_test(tc, test_every_truncation_offset_of_a_small_file);
    tcase_add_test(tc, test_lying_block_lengths_end_the_input_naming_the_block);
    tcase_add_test(tc, test_packets_of_no_interface_are_unreadable_and_reading_goes_on);
    tcase_add_test(tc, test_a_section_of_an_unknown_version_is_unreadable_until_the_next);
    tcase_add_test(tc, test_malformed_options_keep_the_packet);
    tcase_add_test(tc, test_too_many_interfaces_in_one_section_is_damage);
    tcase_add_test(tc, test_a_block_longer_than_the_reader_takes_is_damage_a_skipped_one_is_not);
    tcase_add_test(tc, test_real_files_read_as_libpcap_reads_them);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(reader_pcapng_suite());
}
