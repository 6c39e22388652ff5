/*
 * GTP-U, the user plane of mobile networks (3GPP TS 29.281 5): version 1
 * with the protocol type bit set, message type 255 (G-PDU) for user data,
 * a length of what follows the first 8 bytes, the tunnel endpoint id; the
 * sequence number, N-PDU number and next extension header type when any
 * of the E, S and PN flags is set; then extension headers (5.2), each a
 * length in 4-byte words, its content and the next one's type, until type
 * 0. The user's packet follows, IPv4 or IPv6 by its first nibble; other
 * PDU types are not IP. Signalling (echo, error indication, end marker)
 * and other GTP versions on the port are not TCP.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    GTPU_HEADER_LEN = 8,
    GTPU_OPTIONAL_LEN = 4,
    GTPU_VERSION_PT = 0x30, /* version 1, protocol type GTP */
    GTPU_FLAGS_OPTIONAL = 0x07,
    GTPU_G_PDU = 255,
};

enum tv_decode_status decode_gtpu(struct decoder *d, struct layer *l, unsigned depth)
{
    struct cursor *c = &l->c;
    uint8_t flags = cursor_u8(c);
    uint8_t type = cursor_u8(c);
    uint16_t length = cursor_be16(c);
    cursor_skip(c, 4); /* TEID */
    if (c->overrun || (flags & 0xf0) != GTPU_VERSION_PT)
        return TV_DECODE_NOT_TCP; /* not GTPv1-U */
    if (type != GTPU_G_PDU)
        return TV_DECODE_NOT_TCP;
    if (length > l->claimed_len - GTPU_HEADER_LEN)
        return TV_DECODE_BAD_ENCAP; /* more than the UDP datagram holds */
    struct layer pdu = layer_claim(d, c, length);
    c = &pdu.c;

    if (flags & GTPU_FLAGS_OPTIONAL) {
        cursor_skip(c, 3); /* sequence number, N-PDU number */
        uint8_t next = cursor_u8(c);
        /* Each header takes 4 bytes or more of a length already bounded. */
        while (next != 0 && !c->overrun) {
            uint8_t words = cursor_u8(c);
            if (words == 0 && !c->overrun)
                return TV_DECODE_BAD_ENCAP;
            cursor_skip(c, (size_t)words * 4 - 2);
            next = cursor_u8(c);
        }
        /* Cut by the capture, or running past the length claimed. */
        if (c->overrun)
            return c->len < length ? TV_DECODE_TRUNCATED : TV_DECODE_BAD_ENCAP;
    }
    if (!cursor_has(c, 1))
        return c->len < length ? TV_DECODE_TRUNCATED : TV_DECODE_NOT_IP;
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    switch (peek_ip_version(c)) {
    case 4:
        encap_note_tunnel(d, TV_TUNNEL_GTPU);
        return decode_ipv4(d, c, depth + 1);
    case 6:
        encap_note_tunnel(d, TV_TUNNEL_GTPU);
        return decode_ipv6(d, c, depth + 1);
    default:
        return TV_DECODE_NOT_IP;
    }
}
