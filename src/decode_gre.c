/*
 * GRE (RFC 2784), with the key and sequence number of RFC 2890, over IP
 * (protocol 47) or UDP (RFC 8086, port 4754). The protocol type is an
 * EtherType, so whatever the Ethernet family decodes can ride inside:
 * IPv4, IPv6, MPLS (RFC 4023), and 0x6558, transparent Ethernet bridging,
 * a whole Ethernet frame; 0x88be and 0x22eb are ERSPAN mirror sessions
 * (decode_erspan.c). Version 1, PPTP's enhanced GRE (RFC 2637), and the
 * source routing of RFC 1701, which RFC 2784 2.3 tells receivers without
 * it to discard, are not decoded. The checksum is not verified: the
 * packet inside has its own.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    GRE_FLAG_CHECKSUM = 0x8000,
    GRE_FLAG_ROUTING = 0x4000, /* RFC 1701 */
    GRE_FLAG_KEY = 0x2000,     /* RFC 2890 2.1 */
    GRE_FLAG_SEQ = 0x1000,     /* RFC 2890 2.2 */
    GRE_RFC1701_ONLY = 0x0c00, /* strict source route, recursion's first bit */
    GRE_VERSION = 0x0007,
    GRE_OPTION_LEN = 4, /* checksum and reserved, key, sequence number: 4 each */
};

enum tv_decode_status decode_gre(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    uint16_t flags = cursor_be16(c);
    uint16_t protocol = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    /* RFC 2784 2.3: bits 1 to 5 set need RFC 1701; RFC 2784 2.3.1: a
     * version other than 0 is discarded (1 is PPTP's). */
    if ((flags & (GRE_FLAG_ROUTING | GRE_RFC1701_ONLY)) || (flags & GRE_VERSION) != 0)
        return TV_DECODE_UNSUPPORTED_ENCAP;
    unsigned options = ((flags & GRE_FLAG_CHECKSUM) != 0) + ((flags & GRE_FLAG_KEY) != 0) +
                       ((flags & GRE_FLAG_SEQ) != 0);
    cursor_skip(c, (size_t)options * GRE_OPTION_LEN);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;

    switch (protocol) {
    case ETHERTYPE_ERSPAN_II:
    case ETHERTYPE_ERSPAN_III:
        encap_note_tunnel(d, TV_TUNNEL_ERSPAN);
        return decode_erspan(d, c, protocol, (flags & GRE_FLAG_SEQ) != 0, depth + 1);
    case ETHERTYPE_TEB:
        encap_note_tunnel(d, TV_TUNNEL_GRE);
        return decode_ethernet(d, c, depth + 1);
    default:
        encap_note_tunnel(d, TV_TUNNEL_GRE);
        return decode_ethertype(d, c, protocol, depth + 1);
    }
}
