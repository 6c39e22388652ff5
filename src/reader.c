/*
 * The reader family's front: recognises the format, dispatches to its
 * member, and does what every member shares (link type numbers, time
 * limits, messages). See reader.h.
 *
 * Also makes Linux NFLOG packets recorded on a host of the other byte
 * order read as libpcap hands them out: NFLOG's TLV headers are in the
 * recording host's order, and libpcap swaps them for the reader's. That
 * happens in a copy, since the input may be a read-only mapping.
 */
#include "reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "reader_netmon.h"
#include "reader_pcap.h"
#include "reader_pcapng.h"
#include "banned.h"

#define READER_MAGIC_LEN        4
#define READER_DLT_NFLOG        239
#define READER_NFLOG_HEADER_LEN 4u /* family, version, resource id */
#define READER_NFLOG_TLV_LEN    4u /* length, type */

struct reader {
    enum reader_format format;
    const struct input *in;       /* borrowed */
    struct reader_pcap *pcap;     /* owned: the member in use */
    struct reader_pcapng *pcapng; /* owned */
    struct reader_netmon *netmon; /* owned */
    struct reader_note note;
    uint8_t *scratch; /* owned, READER_MAX_CAPLEN bytes once needed: swapped NFLOG */
    bool is_host_big_endian;
};

static const char *const reader_format_names[READER_FORMAT_COUNT] = {
    [READER_FORMAT_PCAP] = "pcap",
    [READER_FORMAT_PCAPNG] = "pcapng",
    [READER_FORMAT_NETMON] = "Network Monitor",
};

const char *reader_format_name(enum reader_format format)
{
    return (unsigned)format < READER_FORMAT_COUNT ? reader_format_names[format] : "unknown";
}

const char *reader_format_key(enum reader_format format)
{
    static const char *const keys[READER_FORMAT_COUNT] = {
        [READER_FORMAT_PCAP] = "pcap",
        [READER_FORMAT_PCAPNG] = "pcapng",
        [READER_FORMAT_NETMON] = "netmon",
    };
    return (unsigned)format < READER_FORMAT_COUNT ? keys[format] : "unknown";
}

static void reader_vnote(struct reader_note *note, uint64_t offset, const char *fmt, va_list ap)
    TV_PRINTF(3, 0);

static void reader_vnote(struct reader_note *note, uint64_t offset, const char *fmt, va_list ap)
{
    vsnprintf(note->text, sizeof(note->text), fmt, ap);
    note->offset = offset;
}

enum reader_status reader_fail(struct reader_note *note, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reader_vnote(note, offset, fmt, ap);
    va_end(ap);
    return READER_ERROR;
}

enum reader_status reader_skip(struct reader_note *note, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reader_vnote(note, offset, fmt, ap);
    va_end(ap);
    return READER_UNREADABLE;
}

enum reader_status reader_truncated(struct reader_note *note, const struct input *in,
                                    uint64_t offset, const char *what, uint64_t want)
{
    const char *error = input_error(in);
    if (error[0] != '\0')
        return reader_fail(note, offset, "%s", error);
    return reader_fail(note, offset, "truncated %s: %llu bytes announced, only %zu left", what,
                       (unsigned long long)want, input_available(in));
}

uint32_t reader_max_caplen(int dlt)
{
    /* libpcap's exceptions to MAXIMUM_SNAPLEN. */
    switch (dlt) {
    case 231: /* DLT_DBUS: whole D-Bus messages */
        return 128u << 20;
    case 279: /* DLT_EBHSCR */
        return 8u << 20;
    case 249: /* DLT_USBPCAP */
        return 1u << 20;
    default:
        return READER_MAX_CAPLEN;
    }
}

int reader_linktype_to_dlt(uint32_t linktype)
{
    /* The few LINKTYPE_* values whose DLT_* differs on Linux; the rest are
     * the same number (pcap-linktype(7)). */
    switch (linktype) {
    case 100: /* ATM_RFC1483 */
        return 11;
    case 101: /* RAW */
        return 12;
    case 102: /* SLIP_BSDOS */
        return 15;
    case 103: /* PPP_BSDOS */
        return 16;
    case 106: /* ATM_CLIP */
        return 19;
    default:
        return linktype > 0x7fffffffu ? -1 : (int)linktype;
    }
}

int64_t reader_ts_us(int64_t sec, int64_t usec)
{
    const int64_t sec_cap = READER_TS_MAX_US / 1000000 + 1;
    if (sec > sec_cap)
        sec = sec_cap;
    else if (sec < -sec_cap)
        sec = -sec_cap;
    if (usec > READER_TS_MAX_US)
        usec = READER_TS_MAX_US;
    else if (usec < -READER_TS_MAX_US)
        usec = -READER_TS_MAX_US;
    int64_t us = sec * 1000000 + usec;
    if (us > READER_TS_MAX_US)
        return READER_TS_MAX_US;
    if (us < -READER_TS_MAX_US)
        return -READER_TS_MAX_US;
    return us;
}

static bool reader_host_is_big_endian(void)
{
    const uint16_t probe = 1;
    uint8_t first;
    memcpy(&first, &probe, 1);
    return first == 0;
}

/* A message for data that is not a capture file tcpverdict reads. */
static void reader_explain(struct input *in, char *err, size_t err_len)
{
    /* Up to 8 bytes: some magic numbers are longer than a capture's. */
    size_t len = 8;
    const uint8_t *magic = input_peek(in, len);
    if (magic == NULL) {
        len = input_available(in);
        magic = input_peek(in, len);
    }
    enum decompress_kind kind;
    const char *other = decompress_unsupported_name(magic, len);
    if (decompress_detect(magic, len, &kind))
        snprintf(err, err_len, "compressed twice (%s inside): decompress it once first",
                 decompress_kind_name(kind));
    else if (other != NULL)
        snprintf(err, err_len,
                 "compressed with %s, which tcpverdict does not read: decompress it first "
                 "(only gzip and zstd are read as they are)",
                 other);
    else
        snprintf(err, err_len,
                 "not a capture file tcpverdict reads (pcap, pcapng, Network Monitor); it starts "
                 "with %02x %02x %02x %02x",
                 magic[0], magic[1], magic[2], magic[3]);
}

struct reader *reader_open(struct input *in, char *err, size_t err_len)
{
    const uint8_t *magic = input_peek(in, READER_MAGIC_LEN);
    if (magic == NULL) {
        if (input_error(in)[0] != '\0')
            snprintf(err, err_len, "%s", input_error(in));
        else if (input_available(in) == 0)
            snprintf(err, err_len, "empty: not a capture file");
        else
            snprintf(err, err_len, "%zu bytes: too short to be a capture file",
                     input_available(in));
        return NULL;
    }
    struct reader *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    r->in = in;
    r->is_host_big_endian = reader_host_is_big_endian();
    bool is_ok;
    if (reader_pcap_is_magic(magic)) {
        r->format = READER_FORMAT_PCAP;
        r->pcap = reader_pcap_open(in, &r->note);
        is_ok = r->pcap != NULL;
    } else if (reader_pcapng_is_magic(magic)) {
        r->format = READER_FORMAT_PCAPNG;
        r->pcapng = reader_pcapng_open(in, &r->note);
        is_ok = r->pcapng != NULL;
    } else if (reader_netmon_is_magic(magic)) {
        r->format = READER_FORMAT_NETMON;
        r->netmon = reader_netmon_open(in, &r->note);
        is_ok = r->netmon != NULL;
    } else {
        reader_explain(in, err, err_len);
        free(r);
        return NULL;
    }
    if (!is_ok) {
        snprintf(err, err_len, "%s", r->note.text);
        reader_close(r);
        return NULL;
    }
    return r;
}

void reader_close(struct reader *r)
{
    if (r == NULL)
        return;
    reader_pcap_close(r->pcap);
    reader_pcapng_close(r->pcapng);
    reader_netmon_close(r->netmon);
    free(r->scratch);
    free(r);
}

enum reader_format reader_format(const struct reader *r)
{
    return r->format;
}

int reader_linktype_hint(const struct reader *r)
{
    switch (r->format) {
    case READER_FORMAT_PCAP:
        return reader_pcap_linktype(r->pcap);
    case READER_FORMAT_NETMON:
        return reader_netmon_linktype(r->netmon);
    case READER_FORMAT_PCAPNG:
    case READER_FORMAT_COUNT:
        break;
    }
    return -1;
}

const struct reader_note *reader_note(const struct reader *r)
{
    return &r->note;
}

/* Swaps each NFLOG TLV's length and type into this host's order, as
 * libpcap does, in a copy: the walk stops at the first TLV that does not
 * fit. Returns the copy, or data unchanged if there is nothing to swap. */
static const uint8_t *reader_swap_nflog(struct reader *r, const struct reader_packet *pkt)
{
    if (pkt->caplen < READER_NFLOG_HEADER_LEN || pkt->wirelen < READER_NFLOG_HEADER_LEN ||
        pkt->caplen > READER_MAX_CAPLEN)
        return pkt->data;
    struct cursor c = cursor_make(pkt->data, pkt->caplen);
    cursor_skip(&c, 1); /* family */
    if (cursor_u8(&c) != 0)
        return pkt->data; /* a version nothing knows the layout of */
    if (r->scratch == NULL) {
        r->scratch = malloc(READER_MAX_CAPLEN);
        if (r->scratch == NULL)
            return pkt->data;
    }
    struct cursor all = cursor_make(pkt->data, pkt->caplen);
    cursor_copy(&all, r->scratch, pkt->caplen);
    cursor_skip(&c, 2); /* resource id */
    uint32_t cap_left = pkt->caplen - READER_NFLOG_HEADER_LEN;
    uint32_t len_left = pkt->wirelen - READER_NFLOG_HEADER_LEN;
    while (cap_left >= READER_NFLOG_TLV_LEN) {
        size_t at = c.off;
        uint16_t length = pkt->is_big_endian ? cursor_be16(&c) : cursor_le16(&c);
        cursor_skip(&c, 2);
        for (size_t i = at; i < at + READER_NFLOG_TLV_LEN; i += 2) {
            uint8_t t = r->scratch[i];
            r->scratch[i] = r->scratch[i + 1];
            r->scratch[i + 1] = t;
        }
        uint32_t size = ((uint32_t)length + 3u) & ~3u;
        if (size < READER_NFLOG_TLV_LEN || cap_left < size || len_left < size)
            break;
        cursor_skip(&c, size - READER_NFLOG_TLV_LEN);
        cap_left -= size;
        len_left -= size;
    }
    return r->scratch;
}

enum reader_status reader_next(struct reader *r, struct reader_packet *pkt)
{
    enum reader_status status;
    switch (r->format) {
    case READER_FORMAT_PCAP:
        status = reader_pcap_next(r->pcap, pkt, &r->note);
        break;
    case READER_FORMAT_PCAPNG:
        status = reader_pcapng_next(r->pcapng, pkt, &r->note);
        break;
    default:
        status = reader_netmon_next(r->netmon, pkt, &r->note);
        break;
    }
    if (status != READER_PACKET)
        return status;
    pkt->is_stable = r->in->is_stable;
    if (pkt->linktype == READER_DLT_NFLOG && pkt->is_big_endian != r->is_host_big_endian) {
        pkt->data = reader_swap_nflog(r, pkt);
        pkt->is_stable = pkt->is_stable && pkt->data != r->scratch;
    }
    return status;
}
