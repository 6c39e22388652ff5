/*
 * PPPoE session stage (RFC 2516 4, EtherType 0x8864): the PPPoE header,
 * then a PPP frame whose protocol field (RFC 1661 2) names IPv4 (0x0021)
 * or IPv6 (0x0057); LCP, IPCP and the rest are not IP. The protocol field
 * may be compressed to one byte (RFC 1661 6.5): a first byte with its low
 * bit set is the whole field. The discovery stage has an EtherType of its
 * own (0x8863) and is not IP.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    PPPOE_VER_TYPE = 0x11, /* version 1, type 1 */
    PPPOE_CODE_SESSION = 0x00,
    PPP_PROTO_IPV4 = 0x0021,
    PPP_PROTO_IPV6 = 0x0057,
};

enum tv_decode_status decode_pppoe(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    uint8_t ver_type = cursor_u8(c);
    uint8_t code = cursor_u8(c);
    cursor_skip(c, 2); /* session id */
    uint16_t length = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (ver_type != PPPOE_VER_TYPE)
        return TV_DECODE_UNSUPPORTED_ENCAP;
    if (code != PPPOE_CODE_SESSION)
        return TV_DECODE_NOT_IP;

    /* The length bounds the PPP frame: Ethernet padding is not in it. */
    struct layer ppp = layer_claim(d, c, length);
    uint16_t protocol = cursor_u8(&ppp.c);
    if (!(protocol & 1))
        protocol = (uint16_t)(protocol << 8 | cursor_u8(&ppp.c));
    if (ppp.c.overrun)
        return length < 2 ? TV_DECODE_BAD_ENCAP : TV_DECODE_TRUNCATED;
    d->out->tunnel_depth++;
    switch (protocol) {
    case PPP_PROTO_IPV4:
        return decode_ipv4(d, &ppp.c, depth + 1);
    case PPP_PROTO_IPV6:
        return decode_ipv6(d, &ppp.c, depth + 1);
    default:
        return TV_DECODE_NOT_IP;
    }
}
