/*
 * The readers: one capture file format each, over an input (input.h),
 * which has already taken care of mapping, buffering and decompression.
 *
 *   reader_pcap.c    classic pcap (micro- and nanosecond, either byte order)
 *   reader_pcapng.c  pcapng: every section and interface
 *   reader_netmon.c  Microsoft Network Monitor 1.x and 2.x (.cap)
 *
 * reader.c recognises the format by its magic number and hands out the
 * packets of any of them alike: each with its own link type (DLT_* as
 * libpcap numbers them, so that BPF filters and -w files can use it),
 * time in microseconds, lengths and pcapng flags. Readers never reject a
 * link type: a packet of one that nothing decodes is handed on like any
 * other, so that the analyzer counts it.
 *
 * Damage (a record that runs past the end, a length that lies) ends the
 * input with READER_ERROR and a message naming the byte offset; the
 * packets before it stand. A packet record that can be read but not
 * placed (no interface for it, a section of an unknown version) is
 * READER_UNREADABLE, and reading goes on.
 *
 * Packet bytes are those of the input: valid until input_close() when
 * the input is stable, otherwise until the next reader_next(). Layer 4,
 * but does no output of its own: callers report what it says.
 */
#ifndef TV_READER_H
#define TV_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "printf_format.h"

/* The largest packet libpcap accepts for most link types (its
 * MAXIMUM_SNAPLEN); reader_max_caplen() has the few exceptions. */
#define READER_MAX_CAPLEN 262144u
/* Packet times beyond the year 9999 (either way) are held there: far
 * inside int64_t, so that adding any time-out to them stays defined. */
#define READER_TS_MAX_US INT64_C(253402300799999999)

enum reader_format {
    READER_FORMAT_PCAP = 0,
    READER_FORMAT_PCAPNG,
    READER_FORMAT_NETMON,
    READER_FORMAT_COUNT
};

enum reader_status {
    READER_PACKET = 0, /* *pkt holds the next packet */
    READER_UNREADABLE, /* a packet record that cannot be read: reader_message() */
    READER_END,        /* no more records */
    READER_ERROR,      /* damaged: reader_message() says what and where; the input ends */
};

struct reader_packet {
    int linktype;        /* DLT_*; negative for media types with no libpcap number */
    int64_t ts_us;       /* microseconds since the epoch */
    const uint8_t *data; /* caplen bytes */
    uint32_t caplen;
    uint32_t wirelen;
    uint32_t epb_flags;    /* pcapng packet flags (TV_EPB_*), 0 where the format has none */
    uint32_t interface_id; /* pcapng: the interface in its section; 0 otherwise */
    uint64_t offset;       /* of its record in the input, for messages */
    bool is_big_endian;    /* the byte order its headers were recorded in */
    bool is_stable;        /* data stays valid until input_close() (reader_next sets it) */
};

/* What a reader said last: a message and the byte offset it is about. */
struct reader_note {
    char text[224];
    uint64_t offset;
};

struct reader;

/* Recognises in's format and opens its reader; in stays the caller's.
 * NULL, with a one-line reason in err, if in is not a capture file
 * tcpverdict reads, or its header is damaged. */
struct reader *reader_open(struct input *in, char *err, size_t err_len);
void reader_close(struct reader *r);

enum reader_format reader_format(const struct reader *r);
const char *reader_format_name(enum reader_format format);
/* The same as a one-word key: "pcap", "pcapng", "netmon". */
const char *reader_format_key(enum reader_format format);

/* The link type the file declares before any packet, or -1 (pcapng
 * declares one per interface, when the interface comes). */
int reader_linktype_hint(const struct reader *r);

enum reader_status reader_next(struct reader *r, struct reader_packet *pkt);

/* After READER_ERROR or READER_UNREADABLE. */
const struct reader_note *reader_note(const struct reader *r);

/* --- for the members of the family ------------------------------------ */

/* The largest caplen libpcap accepts for a link type. */
uint32_t reader_max_caplen(int dlt);

/* A LINKTYPE_* value from a file as the DLT_* value libpcap uses. */
int reader_linktype_to_dlt(uint32_t linktype);

/* seconds and microseconds (either may be out of their usual range) as
 * microseconds, held inside +-READER_TS_MAX_US. */
int64_t reader_ts_us(int64_t sec, int64_t usec);

/* Formats a note (printf style) at offset; returns READER_ERROR. */
enum reader_status reader_fail(struct reader_note *note, uint64_t offset, const char *fmt, ...)
    TV_PRINTF(3, 4);

/* The same for an unreadable packet record. */
enum reader_status reader_skip(struct reader_note *note, uint64_t offset, const char *fmt, ...)
    TV_PRINTF(3, 4);

/* When the input ended inside a record of want bytes at offset: the
 * input's own error if it failed, else a truncation. */
enum reader_status reader_truncated(struct reader_note *note, const struct input *in,
                                    uint64_t offset, const char *what, uint64_t want);

#endif
