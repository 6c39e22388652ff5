/*
 * Classic pcap records, from a mapping in place or through a buffer.
 *
 * The magic number says both the byte order of every header field and
 * the timestamp resolution. Every field is read through a cursor over the
 * bytes input_peek() made contiguous, so no length in the file can lead a
 * read outside them.
 */
#include "reader_pcap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cursor.h"
#include "banned.h"

#define PCAP_HEADER_LEN         24u
#define PCAP_RECORD_LEN         16u
#define PCAP_PATCHED_RECORD_LEN 24u /* ifindex, protocol, pkt_type and padding follow */
#define PCAP_DLT_EN10MB         1
/* The link type field's low bits; the upper ones say whether frames end in
 * an FCS (pcap-savefile(5)). */
#define PCAP_LINKTYPE_MASK 0x03ffffffu

enum pcap_lengths {
    PCAP_LENGTHS_AS_IS = 0,
    PCAP_LENGTHS_SWAPPED,       /* before 2.3: caplen and len the other way round */
    PCAP_LENGTHS_MAYBE_SWAPPED, /* 2.3: some writers swapped them, some did not */
};

struct reader_pcap {
    struct input *in; /* borrowed */
    uint32_t snapshot_len;
    uint32_t max_caplen;
    uint32_t record_len;
    int linktype;
    enum pcap_lengths lengths;
    bool is_big_endian;
    bool is_nano;
};

static uint32_t pcap_u32(struct cursor *c, bool is_big_endian)
{
    return is_big_endian ? cursor_be32(c) : cursor_le32(c);
}

static uint16_t pcap_u16(struct cursor *c, bool is_big_endian)
{
    return is_big_endian ? cursor_be16(c) : cursor_le16(c);
}

static uint32_t pcap_swap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

bool reader_pcap_is_magic(const uint8_t *data)
{
    struct cursor c = cursor_make(data, 4);
    uint32_t magic = cursor_le32(&c);
    uint32_t swapped = pcap_swap32(magic);
    return magic == READER_PCAP_MAGIC_MICRO || magic == READER_PCAP_MAGIC_NANO ||
           magic == READER_PCAP_MAGIC_PATCHED || swapped == READER_PCAP_MAGIC_MICRO ||
           swapped == READER_PCAP_MAGIC_NANO || swapped == READER_PCAP_MAGIC_PATCHED;
}

struct reader_pcap *reader_pcap_open(struct input *in, struct reader_note *note)
{
    uint64_t at = input_offset(in);
    const uint8_t *hdr = input_peek(in, PCAP_HEADER_LEN);
    if (hdr == NULL) {
        if (input_error(in)[0] != '\0')
            reader_fail(note, at, "%s", input_error(in));
        else
            reader_fail(note, at,
                        "truncated dump file; tried to read %u file header bytes, only got %zu",
                        PCAP_HEADER_LEN, input_available(in));
        return NULL;
    }
    struct cursor c = cursor_make(hdr, PCAP_HEADER_LEN);
    uint32_t magic = cursor_le32(&c);
    bool is_big_endian = false;
    if (!reader_pcap_is_magic(hdr)) {
        reader_fail(note, at, "not a pcap file");
        return NULL;
    }
    if (magic != READER_PCAP_MAGIC_MICRO && magic != READER_PCAP_MAGIC_NANO &&
        magic != READER_PCAP_MAGIC_PATCHED) {
        is_big_endian = true;
        magic = pcap_swap32(magic);
    }
    uint16_t major = pcap_u16(&c, is_big_endian);
    uint16_t minor = pcap_u16(&c, is_big_endian);
    cursor_skip(&c, 8); /* time zone and accuracy: always 0 in practice */
    uint32_t snaplen = pcap_u32(&c, is_big_endian);
    uint32_t linktype = pcap_u32(&c, is_big_endian);
    if (major < 2) {
        reader_fail(note, at, "archaic pcap savefile format");
        return NULL;
    }
    if (!((major == 2 && minor <= 4) || (major == 543 && minor == 0))) {
        reader_fail(note, at, "unsupported pcap savefile version %u.%u", major, minor);
        return NULL;
    }

    struct reader_pcap *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        reader_fail(note, at, "out of memory");
        return NULL;
    }
    r->in = in;
    r->is_big_endian = is_big_endian;
    r->is_nano = magic == READER_PCAP_MAGIC_NANO;
    r->record_len = magic == READER_PCAP_MAGIC_PATCHED ? PCAP_PATCHED_RECORD_LEN : PCAP_RECORD_LEN;
    r->linktype = reader_linktype_to_dlt(linktype & PCAP_LINKTYPE_MASK);
    r->max_caplen = reader_max_caplen(r->linktype);
    /* libpcap keeps any snapshot length up to INT_MAX, even above the
     * largest packet it accepts. */
    r->snapshot_len = snaplen == 0 || snaplen > INT_MAX ? r->max_caplen : snaplen;
    if (magic == READER_PCAP_MAGIC_PATCHED && r->linktype == PCAP_DLT_EN10MB)
        /* Maybe cooked captures with a made-up Ethernet header added. */
        r->snapshot_len = r->snapshot_len <= INT_MAX - 14 ? r->snapshot_len + 14 : INT_MAX;
    if (major == 543 || minor < 3)
        r->lengths = PCAP_LENGTHS_SWAPPED;
    else if (minor == 3)
        r->lengths = PCAP_LENGTHS_MAYBE_SWAPPED;
    input_advance(in, PCAP_HEADER_LEN);
    return r;
}

void reader_pcap_close(struct reader_pcap *r)
{
    free(r);
}

int reader_pcap_linktype(const struct reader_pcap *r)
{
    return r->linktype;
}

uint32_t reader_pcap_snapshot(const struct reader_pcap *r)
{
    return r->snapshot_len;
}

/* The input ended (or failed) short of want bytes of a record. */
static enum reader_status pcap_short(struct reader_pcap *r, struct reader_note *note, uint64_t at,
                                     const char *what, uint32_t want, size_t got)
{
    const char *error = input_error(r->in);
    if (error[0] != '\0')
        return reader_fail(note, at, "%s", error);
    return reader_fail(note, at, "truncated dump file; tried to read %u %s, only got %zu", want,
                       what, got);
}

enum reader_status reader_pcap_next(struct reader_pcap *r, struct reader_packet *pkt,
                                    struct reader_note *note)
{
    struct input *in = r->in;
    uint64_t at = input_offset(in);
    const uint8_t *hdr = input_peek(in, r->record_len);
    if (hdr == NULL) {
        size_t left = input_available(in);
        if (left == 0 && input_error(in)[0] == '\0')
            return READER_END;
        return pcap_short(r, note, at, "header bytes", r->record_len, left);
    }
    struct cursor c = cursor_make(hdr, r->record_len);
    /* Seconds and fraction are signed 32-bit fields, as libpcap reads them. */
    int32_t sec = (int32_t)pcap_u32(&c, r->is_big_endian);
    int32_t frac = (int32_t)pcap_u32(&c, r->is_big_endian);
    uint32_t caplen = pcap_u32(&c, r->is_big_endian);
    uint32_t wirelen = pcap_u32(&c, r->is_big_endian);
    if (r->is_nano)
        frac /= 1000;
    if (r->lengths == PCAP_LENGTHS_SWAPPED ||
        (r->lengths == PCAP_LENGTHS_MAYBE_SWAPPED && caplen > wirelen)) {
        uint32_t t = caplen;
        caplen = wirelen;
        wirelen = t;
    }

    if (caplen > r->max_caplen) {
        if (caplen > r->snapshot_len)
            return reader_fail(note, at,
                               "invalid packet capture length %u, bigger than snaplen of %d",
                               caplen, (int)r->snapshot_len);
        return reader_fail(note, at, "invalid packet capture length %u, bigger than maximum of %u",
                           caplen, r->max_caplen);
    }
    /* A record longer than the snapshot length is cut to it, the rest
     * skipped, as libpcap does: readers may rely on the snapshot length. */
    uint32_t kept_len = caplen > r->snapshot_len ? r->snapshot_len : caplen;
    const uint8_t *rec = input_peek(in, (size_t)r->record_len + caplen);
    if (rec == NULL) {
        size_t left = input_available(in) - r->record_len;
        return pcap_short(r, note, at, "captured bytes", left < kept_len ? kept_len : caplen, left);
    }

    pkt->linktype = r->linktype;
    pkt->ts_us = reader_ts_us(sec, frac);
    pkt->data = rec + r->record_len;
    pkt->caplen = kept_len;
    pkt->wirelen = wirelen;
    pkt->epb_flags = 0;
    pkt->interface_id = 0;
    pkt->offset = at;
    pkt->is_big_endian = r->is_big_endian;
    input_advance(in, (size_t)r->record_len + caplen);
    return READER_PACKET;
}
