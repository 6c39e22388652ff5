/*
 * TCP header and option decoding (RFC 9293 3.1, 3.2). Knows nothing of the
 * IP layer: decode.c hands in a cursor that starts at the TCP header and
 * ends where the captured part of the segment ends, and checks lengths and
 * checksums against the IP header. Options are read only inside the header
 * the data offset declares; a malformed option stops parsing and is
 * flagged, never read past.
 */
#include "decode.h"

#include "banned.h"

enum {
    TCP_OPT_EOL = 0,
    TCP_OPT_NOP = 1,
    TCP_OPT_MSS = 2,       /* RFC 9293 3.2 */
    TCP_OPT_WSCALE = 3,    /* RFC 7323 2.2 */
    TCP_OPT_SACK_PERM = 4, /* RFC 2018 2 */
    TCP_OPT_TIMESTAMP = 8, /* RFC 7323 3.2 */
};

/* Reads one option's body. A known kind with the wrong length is malformed;
 * its value is not used, but the length still frames the next option. */
static void decode_option(uint8_t kind, struct cursor *body, struct tcp_options *opt)
{
    size_t len = cursor_remaining(body);
    switch (kind) {
    case TCP_OPT_MSS:
        if (len == 2)
            opt->mss = cursor_be16(body);
        else
            opt->malformed = true;
        break;
    case TCP_OPT_WSCALE:
        if (len == 1) {
            /* RFC 7323 2.3: shifts above 14 are out of range and get flagged
             * later; past 127 they only need to stay out of range here. */
            uint8_t shift = cursor_u8(body);
            opt->wscale = (int8_t)(shift > INT8_MAX ? INT8_MAX : shift);
        } else {
            opt->malformed = true;
        }
        break;
    case TCP_OPT_SACK_PERM:
        if (len == 0)
            opt->sack_permitted = true;
        else
            opt->malformed = true;
        break;
    case TCP_OPT_TIMESTAMP:
        if (len == 8) {
            opt->has_timestamp = true;
            opt->ts_val = cursor_be32(body);
            opt->ts_ecr = cursor_be32(body);
        } else {
            opt->malformed = true;
        }
        break;
    default:
        break; /* SACK blocks, MD5, TFO, ...: not needed for verdicts */
    }
}

static void decode_options(struct cursor *c, struct tcp_options *opt)
{
    while (cursor_remaining(c) > 0) {
        uint8_t kind = cursor_u8(c);
        if (kind == TCP_OPT_EOL)
            return;
        if (kind == TCP_OPT_NOP)
            continue;
        uint8_t len = cursor_u8(c);
        /* RFC 9293 3.2: the length counts kind and length bytes, so < 2 is a lie. */
        if (c->overrun || len < 2) {
            opt->malformed = true;
            return;
        }
        struct cursor body = cursor_split(c, (size_t)len - 2);
        if (body.overrun) {
            opt->malformed = true;
            return;
        }
        decode_option(kind, &body, opt);
    }
}

enum tv_decode_status decode_tcp(struct cursor *c, struct tcp_segment *seg)
{
    seg->src_port = cursor_be16(c);
    seg->dst_port = cursor_be16(c);
    seg->seq = cursor_be32(c);
    seg->ack = cursor_be32(c);
    uint8_t data_offset = cursor_u8(c) >> 4;
    seg->flags = cursor_u8(c);
    seg->window = cursor_be16(c);
    seg->checksum = cursor_be16(c);
    seg->urgent = cursor_be16(c);

    struct tcp_options *opt = &seg->opt;
    opt->mss = 0;
    opt->wscale = -1;
    opt->sack_permitted = false;
    opt->has_timestamp = false;
    opt->ts_val = 0;
    opt->ts_ecr = 0;
    opt->malformed = false;
    seg->payload = cursor_make(cursor_ptr(c), 0);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;

    size_t header_len = (size_t)data_offset * 4;
    if (header_len < TCP_HEADER_MIN_LEN)
        return TV_DECODE_BAD_TCP_OFFSET;

    struct cursor options = cursor_split(c, header_len - TCP_HEADER_MIN_LEN);
    if (options.overrun)
        return TV_DECODE_TRUNCATED;
    decode_options(&options, opt);
    seg->payload = cursor_split(c, cursor_remaining(c));
    return TV_DECODE_OK;
}
