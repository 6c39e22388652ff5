/*
 * pcapng, block by block. See reader_pcapng.h.
 *
 * A block is made contiguous (input_peek) only when it is parsed; blocks
 * that are skipped are consumed without that, so that a long one costs no
 * memory. Every field is read through a cursor over the block, in the
 * byte order of the section it is in. Interfaces belong to their section:
 * a new section header forgets them.
 */
#include "reader_pcapng.h"

#include <stdlib.h>

#include "cursor.h"
#include "banned.h"

/* Block types. */
#define PCAPNG_SHB              0x0a0d0d0au
#define PCAPNG_IDB              0x00000001u
#define PCAPNG_PB               0x00000002u /* obsolete packet block */
#define PCAPNG_SPB              0x00000003u
#define PCAPNG_EPB              0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1a2b3c4du

/* Type, length and the trailing copy of the length. */
#define PCAPNG_FRAME_LEN 12u
/* The shortest each parsed block can be. */
#define PCAPNG_SHB_MIN_LEN 28u
#define PCAPNG_IDB_MIN_LEN 20u
#define PCAPNG_EPB_MIN_LEN 32u
#define PCAPNG_SPB_MIN_LEN 16u
#define PCAPNG_PB_MIN_LEN  32u

#define PCAPNG_OPT_END      0
#define PCAPNG_OPT_FLAGS    2 /* epb_flags, and the obsolete pack_flags */
#define PCAPNG_OPT_TSRESOL  9
#define PCAPNG_OPT_TSOFFSET 14

#define PCAPNG_US_PER_S UINT64_C(1000000)

/* How an interface's timestamp units become microseconds. */
enum pcapng_ts_kind {
    PCAPNG_TS_SAME = 0, /* microseconds already */
    PCAPNG_TS_MUL,      /* coarser: times ts_factor */
    PCAPNG_TS_DIV,      /* finer, by a power of ten: divided by ts_factor */
    PCAPNG_TS_ZERO,     /* finer than 10^-25 s: every time rounds to 0 */
    PCAPNG_TS_POW2,     /* units of 2^-ts_shift s */
};

struct pcapng_interface {
    int linktype;
    uint32_t snaplen; /* 0: no limit */
    uint8_t ts_kind;  /* enum pcapng_ts_kind */
    uint8_t ts_shift;
    uint64_t ts_factor;
    int64_t ts_offset_us; /* if_tsoffset, inside +-READER_TS_MAX_US */
};

struct reader_pcapng {
    struct input *in; /* borrowed */
    bool is_big_endian;
    bool is_section_unknown; /* a version this reader does not know */
    uint16_t major;
    uint16_t minor;
    uint64_t section_offset;
    struct pcapng_interface *ifs; /* owned: this section's interfaces */
    uint32_t if_count;
    uint32_t if_cap;
    int64_t last_ts_us;
};

bool reader_pcapng_is_magic(const uint8_t *data)
{
    struct cursor c = cursor_make(data, 4);
    return cursor_le32(&c) == PCAPNG_SHB;
}

static uint32_t pcapng_u32(const struct reader_pcapng *r, struct cursor *c)
{
    return r->is_big_endian ? cursor_be32(c) : cursor_le32(c);
}

static uint16_t pcapng_u16(const struct reader_pcapng *r, struct cursor *c)
{
    return r->is_big_endian ? cursor_be16(c) : cursor_le16(c);
}

static uint64_t pcapng_u64(const struct reader_pcapng *r, struct cursor *c)
{
    uint64_t first = pcapng_u32(r, c);
    uint64_t second = pcapng_u32(r, c);
    return r->is_big_endian ? first << 32 | second : second << 32 | first;
}

static const char *pcapng_block_name(uint32_t type)
{
    switch (type) {
    case PCAPNG_SHB:
        return "section header block";
    case PCAPNG_IDB:
        return "interface description block";
    case PCAPNG_PB:
        return "packet block";
    case PCAPNG_SPB:
        return "simple packet block";
    case PCAPNG_EPB:
        return "enhanced packet block";
    default:
        return "block";
    }
}

/* --- timestamps -------------------------------------------------------- */

static int64_t pcapng_clamp_us(uint64_t us)
{
    return us > (uint64_t)READER_TS_MAX_US ? READER_TS_MAX_US : (int64_t)us;
}

/* floor(ts * 10^6 / 2^shift), held at UINT64_MAX; shift < 128. */
static uint64_t pcapng_pow2_us(uint64_t ts, unsigned shift)
{
    if (shift == 0)
        return ts > UINT64_MAX / PCAPNG_US_PER_S ? UINT64_MAX : ts * PCAPNG_US_PER_S;
    uint64_t whole = shift < 64 ? ts >> shift : 0;
    uint64_t frac = shift < 64 ? ts & ((UINT64_C(1) << shift) - 1) : ts;
    /* frac < 2^shift: below 2^44 its product with 10^6 fits in 64 bits;
     * above, its low bits weigh less than a microsecond and go first. */
    uint64_t frac_us;
    if (shift <= 44) {
        frac_us = frac * PCAPNG_US_PER_S >> shift;
    } else {
        unsigned drop = shift - 44;
        uint64_t kept = drop < 64 ? frac >> drop : 0;
        frac_us = kept * PCAPNG_US_PER_S >> 44;
    }
    if (whole > (UINT64_MAX - frac_us) / PCAPNG_US_PER_S)
        return UINT64_MAX;
    return whole * PCAPNG_US_PER_S + frac_us;
}

static int64_t pcapng_ts_us(const struct pcapng_interface *ifc, uint64_t ts)
{
    uint64_t us = 0;
    switch ((enum pcapng_ts_kind)ifc->ts_kind) {
    case PCAPNG_TS_SAME:
        us = ts;
        break;
    case PCAPNG_TS_MUL:
        us = ts > UINT64_MAX / ifc->ts_factor ? UINT64_MAX : ts * ifc->ts_factor;
        break;
    case PCAPNG_TS_DIV:
        us = ts / ifc->ts_factor;
        break;
    case PCAPNG_TS_ZERO:
        us = 0;
        break;
    case PCAPNG_TS_POW2:
        us = pcapng_pow2_us(ts, ifc->ts_shift);
        break;
    }
    /* Both terms lie within +-READER_TS_MAX_US: the sum cannot overflow. */
    int64_t v = pcapng_clamp_us(us) + ifc->ts_offset_us;
    if (v > READER_TS_MAX_US)
        return READER_TS_MAX_US;
    if (v < -READER_TS_MAX_US)
        return -READER_TS_MAX_US;
    return v;
}

/* if_tsresol: bit 7 set, a negative power of two; else of ten. */
static void pcapng_set_resolution(struct pcapng_interface *ifc, uint8_t tsresol)
{
    unsigned exp = tsresol & 0x7fu;
    ifc->ts_factor = 1;
    if (tsresol & 0x80u) {
        ifc->ts_kind = PCAPNG_TS_POW2;
        ifc->ts_shift = (uint8_t)exp;
    } else if (exp == 6) {
        ifc->ts_kind = PCAPNG_TS_SAME;
    } else if (exp < 6) {
        ifc->ts_kind = PCAPNG_TS_MUL;
        for (unsigned i = exp; i < 6; i++)
            ifc->ts_factor *= 10;
    } else if (exp - 6 <= 19) {
        /* 10^19 is the largest power of ten a uint64_t holds. */
        ifc->ts_kind = PCAPNG_TS_DIV;
        for (unsigned i = 6; i < exp; i++)
            ifc->ts_factor *= 10;
    } else {
        ifc->ts_kind = PCAPNG_TS_ZERO;
    }
}

/* if_tsoffset: signed seconds, held so that their microseconds fit. */
static void pcapng_set_offset(struct pcapng_interface *ifc, uint64_t raw)
{
    const int64_t sec_cap = READER_TS_MAX_US / 1000000;
    int64_t sec = raw <= INT64_MAX ? (int64_t)raw : -(int64_t)(~raw) - 1;
    if (sec > sec_cap)
        sec = sec_cap;
    else if (sec < -sec_cap)
        sec = -sec_cap;
    ifc->ts_offset_us = sec * 1000000;
}

/* --- blocks ------------------------------------------------------------ */

struct reader_pcapng *reader_pcapng_open(struct input *in, struct reader_note *note)
{
    struct reader_pcapng *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        reader_fail(note, input_offset(in), "out of memory");
        return NULL;
    }
    r->in = in;
    /* The first section header is read with the first reader_next(); only
     * check here that it is one whole. */
    const uint8_t *head = input_peek(in, PCAPNG_SHB_MIN_LEN);
    if (head == NULL) {
        reader_truncated(note, in, input_offset(in), "section header block", PCAPNG_SHB_MIN_LEN);
        reader_pcapng_close(r);
        return NULL;
    }
    return r;
}

void reader_pcapng_close(struct reader_pcapng *r)
{
    if (r == NULL)
        return;
    free(r->ifs);
    free(r);
}

/* A block's length as its header states it: at least its frame and min_len,
 * a multiple of 4, within what this reader parses. */
static enum reader_status pcapng_check_len(struct reader_note *note, uint64_t at, uint32_t type,
                                           uint32_t len, uint32_t min_len, bool is_parsed)
{
    if (len < PCAPNG_FRAME_LEN || len % 4 != 0)
        return reader_fail(note, at, "%s at byte %llu has length %u, not a multiple of 4 from 12",
                           pcapng_block_name(type), (unsigned long long)at, len);
    if (len < min_len)
        return reader_fail(note, at, "%s at byte %llu is %u bytes long, too short for one",
                           pcapng_block_name(type), (unsigned long long)at, len);
    if (is_parsed && len > READER_PCAPNG_BLOCK_CAP)
        return reader_fail(note, at,
                           "%s at byte %llu is %u bytes long, more than the %u this "
                           "reader takes",
                           pcapng_block_name(type), (unsigned long long)at, len,
                           READER_PCAPNG_BLOCK_CAP);
    return READER_PACKET;
}

static enum reader_status pcapng_short(struct reader_pcapng *r, struct reader_note *note,
                                       uint64_t at, uint32_t type, uint64_t want, uint64_t got)
{
    const char *error = input_error(r->in);
    if (error[0] != '\0')
        return reader_fail(note, at, "%s", error);
    return reader_fail(note, at, "truncated %s at byte %llu: %llu bytes announced, only %llu left",
                       pcapng_block_name(type), (unsigned long long)at, (unsigned long long)want,
                       (unsigned long long)got);
}

/* The whole block at the read position, trailing length checked; NULL
 * with *status set if it cannot be had. */
static const uint8_t *pcapng_block(struct reader_pcapng *r, struct reader_note *note, uint64_t at,
                                   uint32_t type, uint32_t len, enum reader_status *status)
{
    const uint8_t *blk = input_peek(r->in, len);
    if (blk == NULL) {
        *status = pcapng_short(r, note, at, type, len, input_available(r->in));
        return NULL;
    }
    struct cursor tail = cursor_make(blk + len - 4, 4);
    uint32_t trailer = pcapng_u32(r, &tail);
    if (trailer != len) {
        *status = reader_fail(note, at,
                              "%s at byte %llu: its length is %u at the start, %u at "
                              "the end",
                              pcapng_block_name(type), (unsigned long long)at, len, trailer);
        return NULL;
    }
    return blk;
}

/* A section header: its byte order, version, and no interfaces yet. */
static enum reader_status pcapng_section(struct reader_pcapng *r, struct reader_note *note,
                                         uint64_t at)
{
    const uint8_t *head = input_peek(r->in, 12);
    if (head == NULL)
        return pcapng_short(r, note, at, PCAPNG_SHB, 12, input_available(r->in));
    struct cursor c = cursor_make(head, 12);
    cursor_skip(&c, 8);
    uint32_t bom = cursor_le32(&c);
    if (bom == PCAPNG_BYTE_ORDER_MAGIC)
        r->is_big_endian = false;
    else if (bom == 0x4d3c2b1au)
        r->is_big_endian = true;
    else
        return reader_fail(note, at, "section header block at byte %llu has no byte-order magic",
                           (unsigned long long)at);
    c = cursor_make(head + 4, 4);
    uint32_t len = pcapng_u32(r, &c);
    enum reader_status status =
        pcapng_check_len(note, at, PCAPNG_SHB, len, PCAPNG_SHB_MIN_LEN, true);
    if (status != READER_PACKET)
        return status;
    const uint8_t *blk = pcapng_block(r, note, at, PCAPNG_SHB, len, &status);
    if (blk == NULL)
        return status;
    c = cursor_make(blk + 12, 4);
    r->major = pcapng_u16(r, &c);
    r->minor = pcapng_u16(r, &c);
    /* Minor versions only add; a new major version may change anything. */
    r->is_section_unknown = r->major != 1;
    r->section_offset = at;
    r->if_count = 0;
    input_advance(r->in, len);
    return READER_PACKET;
}

/* Walks options in c until the end marker or the end of c, calling
 * want(code, value) for each; a malformed one ends the walk. */
struct pcapng_option {
    uint16_t code;
    struct cursor value;
};

static bool pcapng_next_option(const struct reader_pcapng *r, struct cursor *c,
                               struct pcapng_option *opt)
{
    if (!cursor_has(c, 4))
        return false;
    opt->code = pcapng_u16(r, c);
    uint16_t len = pcapng_u16(r, c);
    if (opt->code == PCAPNG_OPT_END)
        return false;
    opt->value = cursor_split(c, len);
    if (opt->value.overrun)
        return false;
    cursor_skip(c, (4u - len % 4u) % 4u);
    return true;
}

static enum reader_status pcapng_interface(struct reader_pcapng *r, struct reader_note *note,
                                           uint64_t at, const uint8_t *blk, uint32_t len)
{
    if (r->is_section_unknown)
        return READER_PACKET;
    if (r->if_count == READER_PCAPNG_INTERFACE_CAP)
        return reader_fail(note, at,
                           "interface description block at byte %llu: more than %u "
                           "interfaces in one section",
                           (unsigned long long)at, READER_PCAPNG_INTERFACE_CAP);
    if (r->if_count == r->if_cap) {
        uint32_t cap = r->if_cap == 0 ? 8 : r->if_cap * 2;
        struct pcapng_interface *ifs = realloc(r->ifs, cap * sizeof(*ifs));
        if (ifs == NULL)
            return reader_fail(note, at, "out of memory");
        r->ifs = ifs;
        r->if_cap = cap;
    }
    struct cursor c = cursor_make(blk + 8, len - PCAPNG_FRAME_LEN);
    struct pcapng_interface ifc = {0};
    ifc.linktype = reader_linktype_to_dlt(pcapng_u16(r, &c));
    cursor_skip(&c, 2); /* reserved */
    ifc.snaplen = pcapng_u32(r, &c);
    pcapng_set_resolution(&ifc, 6);
    struct pcapng_option opt;
    while (pcapng_next_option(r, &c, &opt)) {
        if (opt.code == PCAPNG_OPT_TSRESOL && cursor_has(&opt.value, 1))
            pcapng_set_resolution(&ifc, cursor_u8(&opt.value));
        else if (opt.code == PCAPNG_OPT_TSOFFSET && cursor_has(&opt.value, 8))
            pcapng_set_offset(&ifc, pcapng_u64(r, &opt.value));
    }
    r->ifs[r->if_count++] = ifc;
    return READER_PACKET;
}

/* The packet's flags option, 0 without one. */
static uint32_t pcapng_flags(const struct reader_pcapng *r, struct cursor options)
{
    struct pcapng_option opt;
    while (pcapng_next_option(r, &options, &opt))
        if (opt.code == PCAPNG_OPT_FLAGS && cursor_has(&opt.value, 4))
            return pcapng_u32(r, &opt.value);
    return 0;
}

/* What every packet block shares once its own fields are read. */
static enum reader_status pcapng_packet(struct reader_pcapng *r, struct reader_note *note,
                                        uint64_t at, uint32_t type, uint32_t if_id, uint64_t ts,
                                        bool has_ts, struct reader_packet *pkt)
{
    if (r->is_section_unknown)
        return reader_skip(note, at,
                           "%s at byte %llu is in a section of pcapng version %u.%u "
                           "(at byte %llu), which this reader does not know",
                           pcapng_block_name(type), (unsigned long long)at, r->major, r->minor,
                           (unsigned long long)r->section_offset);
    if (if_id >= r->if_count)
        return reader_skip(note, at, "%s at byte %llu names interface %u, but its section has %u",
                           pcapng_block_name(type), (unsigned long long)at, if_id, r->if_count);
    const struct pcapng_interface *ifc = &r->ifs[if_id];
    if (ifc->snaplen != 0 && pkt->caplen > ifc->snaplen)
        pkt->caplen = ifc->snaplen;
    pkt->linktype = ifc->linktype;
    pkt->interface_id = if_id;
    pkt->offset = at;
    pkt->is_big_endian = r->is_big_endian;
    if (has_ts)
        r->last_ts_us = pcapng_ts_us(ifc, ts);
    pkt->ts_us = r->last_ts_us;
    return READER_PACKET;
}

/* Enhanced packet blocks, and the obsolete packet blocks laid out alike
 * (a 16-bit interface and a drop count where the 32-bit interface is). */
static enum reader_status pcapng_epb(struct reader_pcapng *r, struct reader_note *note, uint64_t at,
                                     uint32_t type, const uint8_t *blk, uint32_t len,
                                     struct reader_packet *pkt)
{
    struct cursor c = cursor_make(blk + 8, len - PCAPNG_FRAME_LEN);
    uint32_t if_id = type == PCAPNG_PB ? pcapng_u16(r, &c) : pcapng_u32(r, &c);
    if (type == PCAPNG_PB)
        cursor_skip(&c, 2);
    uint64_t ts_high = pcapng_u32(r, &c);
    uint64_t ts_low = pcapng_u32(r, &c);
    uint32_t caplen = pcapng_u32(r, &c);
    uint32_t wirelen = pcapng_u32(r, &c);
    size_t room = cursor_remaining(&c);
    if (caplen > room)
        return reader_fail(note, at,
                           "%s at byte %llu says it holds %u bytes of packet, but has "
                           "room for %zu",
                           pcapng_block_name(type), (unsigned long long)at, caplen, room);
    pkt->data = cursor_ptr(&c);
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    /* Data is padded to 4 bytes; room is a multiple of 4, so the padding fits. */
    cursor_skip(&c, ((size_t)caplen + 3u) & ~(size_t)3u);
    pkt->epb_flags = pcapng_flags(r, c);
    return pcapng_packet(r, note, at, type, if_id, ts_high << 32 | ts_low, true, pkt);
}

static enum reader_status pcapng_spb(struct reader_pcapng *r, struct reader_note *note, uint64_t at,
                                     const uint8_t *blk, uint32_t len, struct reader_packet *pkt)
{
    struct cursor c = cursor_make(blk + 8, len - PCAPNG_FRAME_LEN);
    uint32_t wirelen = pcapng_u32(r, &c);
    size_t room = cursor_remaining(&c);
    /* The captured length is not stated: the original one, as far as the
     * block and the snapshot length allow. */
    pkt->caplen = wirelen < room ? wirelen : (uint32_t)room;
    pkt->wirelen = wirelen;
    pkt->data = cursor_ptr(&c);
    pkt->epb_flags = 0;
    if (!r->is_section_unknown && r->if_count == 0)
        return reader_skip(note, at,
                           "simple packet block at byte %llu comes before any interface "
                           "of its section",
                           (unsigned long long)at);
    return pcapng_packet(r, note, at, PCAPNG_SPB, 0, 0, false, pkt);
}

/* Consumes a block that is not parsed, checking only its frame. */
static enum reader_status pcapng_skip_block(struct reader_pcapng *r, struct reader_note *note,
                                            uint64_t at, uint32_t type, uint32_t len)
{
    if (!input_skip(r->in, len - 4))
        return pcapng_short(r, note, at, type, len, input_offset(r->in) - at);
    const uint8_t *tail = input_peek(r->in, 4);
    if (tail == NULL)
        return pcapng_short(r, note, at, type, len,
                            input_offset(r->in) - at + input_available(r->in));
    struct cursor c = cursor_make(tail, 4);
    uint32_t trailer = pcapng_u32(r, &c);
    if (trailer != len)
        return reader_fail(note, at,
                           "%s at byte %llu: its length is %u at the start, %u at the end",
                           pcapng_block_name(type), (unsigned long long)at, len, trailer);
    input_advance(r->in, 4);
    return READER_PACKET;
}

static uint32_t pcapng_min_len(uint32_t type)
{
    switch (type) {
    case PCAPNG_IDB:
        return PCAPNG_IDB_MIN_LEN;
    case PCAPNG_EPB:
        return PCAPNG_EPB_MIN_LEN;
    case PCAPNG_SPB:
        return PCAPNG_SPB_MIN_LEN;
    case PCAPNG_PB:
        return PCAPNG_PB_MIN_LEN;
    default:
        return PCAPNG_FRAME_LEN;
    }
}

enum reader_status reader_pcapng_next(struct reader_pcapng *r, struct reader_packet *pkt,
                                      struct reader_note *note)
{
    struct input *in = r->in;
    for (;;) {
        uint64_t at = input_offset(in);
        const uint8_t *head = input_peek(in, 8);
        if (head == NULL) {
            size_t left = input_available(in);
            if (left == 0 && input_error(in)[0] == '\0')
                return READER_END;
            if (input_error(in)[0] != '\0')
                return reader_fail(note, at, "%s", input_error(in));
            return reader_fail(note, at, "truncated block header at byte %llu: %zu of its 8 bytes",
                               (unsigned long long)at, left);
        }
        struct cursor c = cursor_make(head, 8);
        uint32_t type = pcapng_u32(r, &c);
        enum reader_status status;
        if (type == PCAPNG_SHB) {
            status = pcapng_section(r, note, at);
            if (status != READER_PACKET)
                return status;
            continue;
        }
        uint32_t len = pcapng_u32(r, &c);
        bool is_parsed =
            type == PCAPNG_IDB || type == PCAPNG_EPB || type == PCAPNG_SPB || type == PCAPNG_PB;
        status = pcapng_check_len(note, at, type, len, pcapng_min_len(type), is_parsed);
        if (status != READER_PACKET)
            return status;
        if (!is_parsed) {
            status = pcapng_skip_block(r, note, at, type, len);
            if (status != READER_PACKET)
                return status;
            continue;
        }
        const uint8_t *blk = pcapng_block(r, note, at, type, len, &status);
        if (blk == NULL)
            return status;
        if (type == PCAPNG_IDB)
            status = pcapng_interface(r, note, at, blk, len);
        else if (type == PCAPNG_SPB)
            status = pcapng_spb(r, note, at, blk, len, pkt);
        else
            status = pcapng_epb(r, note, at, type, blk, len, pkt);
        if (status == READER_ERROR)
            return status;
        input_advance(in, len);
        if (type != PCAPNG_IDB)
            return status;
    }
}
