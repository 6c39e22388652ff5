/*
 * Serial link types: PPP (LINKTYPE_PPP), PPP in HDLC-like framing
 * (LINKTYPE_PPP_HDLC) and Cisco HDLC (LINKTYPE_C_HDLC). Captures hold
 * the frames unstuffed and without flags or FCS, so that each is a short
 * header and the network packet.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    PPP_ADDRESS_ALL = 0xff,           /* RFC 1662 3.1 */
    PPP_PROTO_IPV4 = 0x0021,          /* RFC 1332 */
    PPP_PROTO_VJ_COMPRESSED = 0x002d, /* RFC 1144 Van Jacobson TCP/IP header compression */
    PPP_PROTO_VJ_UNCOMPRESSED = 0x002f,
    PPP_PROTO_MULTILINK = 0x003d,       /* RFC 1990: fragments of a packet */
    PPP_PROTO_IPV6 = 0x0057,            /* RFC 5072 */
    PPP_PROTO_COMPRESSED_LINK = 0x00fb, /* RFC 1962: compressed, per link */
    PPP_PROTO_COMPRESSED = 0x00fd,
    CISCO_HDLC_UNICAST = 0x0f,
    CISCO_HDLC_BROADCAST = 0x8f,
};

/*
 * RFC 1661 2: the Protocol field, one byte when Protocol-Field-Compression
 * left out a high byte of zero (the low byte of every protocol number is
 * odd, the high byte even, so the first byte says which).
 */
static enum tv_decode_status decode_ppp_protocol(struct decoder *d, struct cursor *c)
{
    uint16_t protocol = cursor_u8(c);
    if (!(protocol & 1u))
        protocol = (uint16_t)(protocol << 8 | cursor_u8(c));
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    switch (protocol) {
    case PPP_PROTO_IPV4:
        return decode_ipv4(d, c, 0);
    case PPP_PROTO_IPV6:
        return decode_ipv6(d, c, 0);
    case PPP_PROTO_VJ_COMPRESSED:
    case PPP_PROTO_VJ_UNCOMPRESSED:
    case PPP_PROTO_MULTILINK:
    case PPP_PROTO_COMPRESSED_LINK:
    case PPP_PROTO_COMPRESSED:
        return TV_DECODE_UNSUPPORTED_FRAME; /* IP, perhaps TCP, in a form not read */
    default:
        return TV_DECODE_NOT_IP; /* LCP, IPCP, authentication, ... */
    }
}

/* PPP, with the RFC 1662 address and control bytes or without them
 * (Address-and-Control-Field-Compression, or no HDLC framing at all).
 * No protocol number starts with 0xff, so that byte is the address. */
enum tv_decode_status decode_ppp(struct decoder *d, struct cursor *c)
{
    struct cursor peek = *c;
    uint8_t address = cursor_u8(&peek);
    if (peek.overrun)
        return TV_DECODE_TRUNCATED;
    if (address == PPP_ADDRESS_ALL) {
        cursor_skip(c, 2); /* address, control (UI) */
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
    }
    return decode_ppp_protocol(d, c);
}

/* Cisco HDLC (RFC 1547 4.3.1): address, control, then an EtherType. */
enum tv_decode_status decode_cisco_hdlc(struct decoder *d, struct cursor *c)
{
    cursor_skip(c, 2);
    uint16_t protocol = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_ethertype(d, c, protocol, 0);
}

/* LINKTYPE_PPP_HDLC holds either: the address byte tells them apart. */
enum tv_decode_status decode_ppp_hdlc(struct decoder *d, struct cursor *c)
{
    struct cursor peek = *c;
    uint8_t address = cursor_u8(&peek);
    if (peek.overrun)
        return TV_DECODE_TRUNCATED;
    if (address == CISCO_HDLC_UNICAST || address == CISCO_HDLC_BROADCAST)
        return decode_cisco_hdlc(d, c);
    return decode_ppp(d, c);
}
