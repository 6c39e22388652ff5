/*
 * ERSPAN, the mirror port sent across a network in GRE. Type I is GRE
 * protocol 0x88be without a sequence number and without a header of its
 * own: the mirrored Ethernet frame follows GRE. Types II and III carry a
 * header whose first nibble is its version: 1 for type II (8 bytes,
 * protocol 0x88be) and 2 for type III (12 bytes, protocol 0x22eb, and an
 * 8-byte platform-specific sub-header after it when its O bit is set);
 * each protocol number is accepted with either version, as some switches
 * mix them. A type III header's frame type says whether an Ethernet frame
 * (0) or an IP packet without one (2) follows. The mirrored frame may have
 * been cut (the T bit): its IP length then says more than is there, which
 * is what `truncated` records.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    ERSPAN_II_VERSION = 1,
    ERSPAN_III_VERSION = 2,
    ERSPAN_II_HEADER_LEN = 8,
    ERSPAN_III_HEADER_LEN = 12,
    ERSPAN_III_SUBHEADER_LEN = 8,
    ERSPAN_III_FRAME_ETHERNET = 0,
    ERSPAN_III_FRAME_IP = 2,
};

/* Type III (the header's last 16 bits: P, frame type (5), hardware id (6),
 * D, granularity (2), O). */
static enum tv_decode_status decode_erspan_iii(struct decoder *d, struct cursor *c, unsigned depth)
{
    cursor_skip(c, ERSPAN_III_HEADER_LEN - 2);
    uint16_t last = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (last & 1u)
        cursor_skip(c, ERSPAN_III_SUBHEADER_LEN);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    switch ((last >> 10) & 0x1f) {
    case ERSPAN_III_FRAME_ETHERNET:
        return decode_ethernet(d, c, depth);
    case ERSPAN_III_FRAME_IP:
        if (!cursor_has(c, 1))
            return TV_DECODE_TRUNCATED;
        if (peek_ip_version(c) == 6)
            return decode_ipv6(d, c, depth);
        return decode_ipv4(d, c, depth);
    default:
        return TV_DECODE_UNSUPPORTED_ENCAP;
    }
}

enum tv_decode_status decode_erspan(struct decoder *d, struct cursor *c, uint16_t protocol,
                                    bool gre_has_seq, unsigned depth)
{
    if (protocol == ETHERTYPE_ERSPAN_II && !gre_has_seq)
        return decode_ethernet(d, c, depth); /* type I */
    if (!cursor_has(c, 1))
        return TV_DECODE_TRUNCATED;
    switch (peek_ip_version(c)) { /* the same nibble, the version of ERSPAN */
    case ERSPAN_II_VERSION:
        cursor_skip(c, ERSPAN_II_HEADER_LEN);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        return decode_ethernet(d, c, depth);
    case ERSPAN_III_VERSION:
        return decode_erspan_iii(d, c, depth);
    default:
        return TV_DECODE_UNSUPPORTED_ENCAP;
    }
}
