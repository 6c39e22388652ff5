/*
 * Network Monitor frames, through the frame table, from the whole file
 * in memory (input_whole). See reader_netmon.h.
 *
 * Every field is little-endian and read through a cursor over the file,
 * so no offset or length in it can lead a read outside it.
 */
#include "reader_netmon.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cursor.h"
#include "banned.h"

#define NETMON_HEADER_LEN   128u
#define NETMON_1_RECORD_LEN 8u  /* ms since start (32 bits), lengths (16 bits) */
#define NETMON_2_RECORD_LEN 16u /* us since start (64 bits), lengths (32 bits) */
/* The largest frame Wireshark reads from these files. */
#define NETMON_FRAME_CAP 262144u
/* 100 ns units from 1601-01-01 to 1970-01-01. */
#define NETMON_FILETIME_EPOCH_US INT64_C(11644473600000000)

/* Media types (NDIS medium numbers, as Network Monitor records them). */
#define NETMON_MEDIA_PCAP_BASE 0xe000u /* plus a pcap link type */
#define NETMON_MEDIA_WIFI_MSG  0xe080u /* 802.11 frames */

struct reader_netmon {
    const uint8_t *file; /* the whole file, stable (input_whole) */
    size_t file_len;
    uint8_t major;
    uint8_t minor;
    uint16_t media; /* the header's, for versions before 2.1 */
    int64_t start_us;
    struct cursor table; /* frame offsets still to read */
    bool is_sequential;  /* no usable table: frames in file order */
    size_t next_off;     /* in file order: the next frame */
    size_t table_off;    /* in file order: where frames end */
    uint32_t table_len;
    uint32_t stated_table_off;
    uint32_t frame_no;
};

bool reader_netmon_is_magic(const uint8_t *data)
{
    return memcmp(data, "GMBU", 4) == 0 || memcmp(data, "RTSS", 4) == 0;
}

bool reader_netmon_media_linktype(uint16_t media, int *linktype)
{
    if (media >= 0xffe0u)
        return false; /* events, network and DNS information, filters */
    switch (media) {
    case 0: /* some 3.4 captures: Ethernet frames recorded as 0 */
    case 1:
        *linktype = 1; /* DLT_EN10MB */
        return true;
    case 2:
        *linktype = 6; /* DLT_IEEE802: token ring */
        return true;
    case 3:
        *linktype = 10; /* DLT_FDDI (addresses bit-swapped) */
        return true;
    case 7:             /* tunnel interfaces */
    case 8:             /* wireless WAN */
    case 9:             /* raw IP frames */
        *linktype = 12; /* DLT_RAW */
        return true;
    case NETMON_MEDIA_WIFI_MSG:
        *linktype = 105; /* DLT_IEEE802_11 */
        return true;
    default:
        break;
    }
    /* 0xe080 to 0xe08a are message types of Microsoft's analyzers. */
    if ((media & 0xf000u) == NETMON_MEDIA_PCAP_BASE && (media < 0xe080u || media > 0xe08au))
        *linktype = reader_linktype_to_dlt(media & 0x0fffu);
    else
        *linktype = READER_NETMON_LINKTYPE(media);
    return true;
}

bool reader_netmon_is_media_linktype(int linktype, uint16_t *media)
{
    if (linktype > READER_NETMON_LINKTYPE(0) || linktype < READER_NETMON_LINKTYPE(0xffff))
        return false;
    *media = (uint16_t)(READER_NETMON_LINKTYPE(0) - linktype);
    return true;
}

int reader_netmon_linktype(const struct reader_netmon *r)
{
    int linktype = -1;
    if (r->major == 2 && r->minor >= 1)
        return -1;
    if (!reader_netmon_media_linktype(r->media, &linktype))
        return -1;
    return linktype;
}

/* The header's SYSTEMTIME, in the local time zone; 0 if it is not a time. */
static int64_t netmon_start_us(struct cursor *c)
{
    uint16_t f[8]; /* year, month, weekday, day, hour, minute, second, ms */
    for (int i = 0; i < 8; i++)
        f[i] = cursor_le16(c);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)f[0] - 1900;
    tm.tm_mon = (int)f[1] - 1;
    tm.tm_mday = f[3];
    tm.tm_hour = f[4];
    tm.tm_min = f[5];
    tm.tm_sec = f[6];
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return 0;
    return reader_ts_us((int64_t)t, (int64_t)f[7] * 1000);
}

struct reader_netmon *reader_netmon_open(struct input *in, struct reader_note *note)
{
    size_t len = 0;
    const uint8_t *file = input_whole(in, READER_NETMON_FILE_CAP, &len);
    if (file == NULL) {
        reader_fail(note, 0, "%s", input_error(in));
        return NULL;
    }
    if (len < NETMON_HEADER_LEN) {
        reader_fail(note, 0, "truncated Network Monitor header: %u bytes needed, only %zu",
                    NETMON_HEADER_LEN, len);
        return NULL;
    }
    struct cursor c = cursor_make(file, len);
    cursor_skip(&c, 4); /* magic */
    uint8_t minor = cursor_u8(&c);
    uint8_t major = cursor_u8(&c);
    if (major != 1 && major != 2) {
        reader_fail(note, 4, "Network Monitor format %u.%u, which this reader does not know", major,
                    minor);
        return NULL;
    }
    struct reader_netmon *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        reader_fail(note, 0, "out of memory");
        return NULL;
    }
    r->file = file;
    r->file_len = len;
    r->major = major;
    r->minor = minor;
    r->media = cursor_le16(&c);
    r->start_us = netmon_start_us(&c);
    uint32_t table_off = cursor_le32(&c);
    r->table_len = cursor_le32(&c);
    r->table_off = table_off;
    r->stated_table_off = table_off;
    /* A table that is not whole, or not in the file: frames in file order. */
    r->is_sequential = r->table_len % 4 != 0 || table_off > len || r->table_len > len - table_off;
    if (r->is_sequential) {
        r->next_off = NETMON_HEADER_LEN;
        if (r->table_off < NETMON_HEADER_LEN || r->table_off > len)
            r->table_off = len;
    } else {
        r->table = cursor_make(file + table_off, r->table_len);
    }
    return r;
}

void reader_netmon_close(struct reader_netmon *r)
{
    free(r);
}

/* The trailer after a frame's data, by version: none before 2.1; the
 * media type; then a process index; then a UTC time and a time zone. */
static size_t netmon_trailer_len(const struct reader_netmon *r)
{
    if (r->major != 2 || r->minor == 0)
        return 0;
    if (r->minor == 1)
        return 2;
    if (r->minor == 2)
        return 6;
    return 15;
}

/* Reads the frame at off; *next is where the next one would start. */
static enum reader_status netmon_frame(struct reader_netmon *r, struct reader_note *note,
                                       size_t off, struct reader_packet *pkt, size_t *next)
{
    size_t hdr_len = r->major == 1 ? NETMON_1_RECORD_LEN : NETMON_2_RECORD_LEN;
    struct cursor c = cursor_make(r->file, r->file_len);
    cursor_skip(&c, off);
    if (c.overrun)
        return reader_fail(note, off,
                           "frame %u: the frame table places it at byte %zu, past the end of "
                           "the file (%zu bytes)",
                           r->frame_no, off, r->file_len);
    if (!cursor_has(&c, hdr_len))
        return reader_fail(note, off,
                           "truncated frame %u at byte %zu: %zu header bytes, only %zu left",
                           r->frame_no, off, hdr_len, cursor_remaining(&c));
    int64_t delta_us;
    uint32_t wirelen;
    uint32_t caplen;
    if (r->major == 1) {
        delta_us = (int64_t)cursor_le32(&c) * 1000;
        wirelen = cursor_le16(&c);
        caplen = cursor_le16(&c);
    } else {
        /* Microseconds, documented as unsigned, yet earlier frames are
         * written negative: read as Wireshark does, ten times the value
         * taken as a signed count of 100 ns. */
        uint64_t raw = cursor_le32(&c);
        raw |= (uint64_t)cursor_le32(&c) << 32;
        uint64_t tenth = raw * 10u;
        int64_t delta_100ns = tenth <= INT64_MAX ? (int64_t)tenth : -(int64_t)(~tenth) - 1;
        delta_us = delta_100ns / 10;
        wirelen = cursor_le32(&c);
        caplen = cursor_le32(&c);
    }
    if (caplen > NETMON_FRAME_CAP)
        return reader_fail(note, off,
                           "frame %u at byte %zu holds %u bytes, more than the %u a "
                           "frame may",
                           r->frame_no, off, caplen, NETMON_FRAME_CAP);
    size_t trailer_len = netmon_trailer_len(r);
    if (!cursor_has(&c, (size_t)caplen + trailer_len))
        return reader_fail(note, off,
                           "truncated frame %u at byte %zu: %zu bytes announced, only "
                           "%zu left",
                           r->frame_no, off, hdr_len + caplen + trailer_len,
                           hdr_len + cursor_remaining(&c));
    pkt->data = cursor_ptr(&c);
    cursor_skip(&c, caplen);
    uint16_t media = r->media;
    int64_t ts_us = r->start_us + delta_us;
    if (trailer_len > 0)
        media = cursor_le16(&c);
    if (trailer_len >= 15) {
        cursor_skip(&c, 4); /* process */
        uint64_t filetime = cursor_le32(&c);
        filetime |= (uint64_t)cursor_le32(&c) << 32;
        ts_us = (int64_t)(filetime / 10) - NETMON_FILETIME_EPOCH_US;
        cursor_skip(&c, 1); /* time zone */
    }
    *next = c.off;
    int linktype = 0;
    if (!reader_netmon_media_linktype(media, &linktype))
        return READER_END; /* not a packet: the caller goes on */
    pkt->linktype = linktype;
    pkt->ts_us = reader_ts_us(0, ts_us);
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->epb_flags = 0;
    pkt->interface_id = 0;
    pkt->offset = off;
    pkt->is_big_endian = false;
    return READER_PACKET;
}

enum reader_status reader_netmon_next(struct reader_netmon *r, struct reader_packet *pkt,
                                      struct reader_note *note)
{
    for (;;) {
        size_t off;
        if (r->is_sequential) {
            if (r->next_off >= r->table_off)
                return reader_fail(note, r->next_off,
                                   "no usable frame table (the header places %u bytes of it at "
                                   "byte %u of %zu): frames were read in file order, up to byte "
                                   "%zu",
                                   r->table_len, r->stated_table_off, r->file_len, r->next_off);
            off = r->next_off;
        } else {
            if (cursor_remaining(&r->table) < 4)
                return READER_END;
            off = cursor_le32(&r->table);
        }
        size_t next = 0;
        enum reader_status status = netmon_frame(r, note, off, pkt, &next);
        r->frame_no++;
        if (r->is_sequential && status != READER_ERROR)
            r->next_off = next;
        if (status != READER_END)
            return status;
    }
}
