/*
 * Link layers: from a capture's link type to the first network header.
 */
#include "decode_int.h"

#include "banned.h"

/*
 * IEEE 802.2 LLC with a SNAP header (RFC 1042): DSAP and SSAP 0xaa, an
 * unnumbered-information control byte, then an OUI and an EtherType. OUI
 * 00-00-00 is RFC 1042 encapsulation and 00-00-f8 IEEE 802.1H bridge
 * tunnelling: both carry the EtherType as Ethernet would. Other OUIs
 * number protocols of their own; other SAPs (STP, NetBIOS) are not IP.
 */
enum tv_decode_status decode_llc_snap(struct decoder *d, struct cursor *c, unsigned depth)
{
    uint8_t dsap = cursor_u8(c);
    uint8_t ssap = cursor_u8(c);
    uint8_t control = cursor_u8(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (dsap != LLC_SAP_SNAP || ssap != LLC_SAP_SNAP || control != LLC_CONTROL_UI)
        return TV_DECODE_NOT_IP;
    uint32_t oui = (uint32_t)cursor_u8(c) << 16;
    oui |= cursor_be16(c);
    uint16_t ethertype = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (oui != 0x000000 && oui != 0x0000f8)
        return TV_DECODE_NOT_IP;
    return decode_ethertype(d, c, ethertype, depth);
}

/*
 * FDDI (ANSI X3.139): frame control, destination and source addresses,
 * then LLC. Frame control 0101 0PPP (asynchronous) or 1101 0PPP
 * (synchronous) with 48-bit addresses is an LLC frame; the others are
 * the ring's own (tokens, SMT, MAC frames). The addresses are in the
 * ring's bit order, which does not matter here.
 */
static enum tv_decode_status decode_fddi(struct decoder *d, struct cursor *c)
{
    uint8_t frame_control = cursor_u8(c);
    cursor_skip(c, 12);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if ((frame_control & 0x78) != 0x50)
        return TV_DECODE_NOT_IP;
    return decode_llc_snap(d, c, 0);
}

/* Raw IP link types carry no type field: the version nibble says. */
static enum tv_decode_status decode_raw_ip(struct decoder *d, struct cursor *c)
{
    uint8_t version = peek_ip_version(c);
    if (!cursor_has(c, 1))
        return TV_DECODE_TRUNCATED;
    if (version == 4)
        return decode_ipv4(d, c, 0);
    if (version == 6)
        return decode_ipv6(d, c, 0);
    return TV_DECODE_BAD_IP_VERSION;
}

static enum tv_decode_status decode_bsd_family(struct decoder *d, struct cursor *c, uint32_t family)
{
    switch (family) {
    case BSD_AF_INET:
        return decode_ipv4(d, c, 0);
    case BSD_AF_INET6_NETBSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
        return decode_ipv6(d, c, 0);
    default:
        return TV_DECODE_NOT_IP;
    }
}

/* DLT_NULL stores the family in the capturing host's byte order, which the
 * file does not record: the value is small, so whichever order yields a
 * small number is the right one. */
static enum tv_decode_status decode_null(struct decoder *d, struct cursor *c)
{
    struct cursor peek = *c;
    uint32_t family_le = cursor_le32(&peek);
    uint32_t family_be = cursor_be32(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_bsd_family(d, c, family_le <= 0xffff ? family_le : family_be);
}

enum tv_decode_status decode_link(struct decoder *d, int linktype, struct cursor *c)
{
    switch (linktype) {
    case LINK_ETHERNET:
        return decode_ethernet(d, c, 0);
    case LINK_NULL:
        return decode_null(d, c);
    case LINK_LOOP: {
        uint32_t family = cursor_be32(c);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        return decode_bsd_family(d, c, family);
    }
    case LINK_LINUX_SLL: {
        cursor_skip(c, SLL_HEADER_LEN - 2);
        uint16_t protocol = cursor_be16(c);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        return decode_ethertype(d, c, protocol, 0);
    }
    case LINK_LINUX_SLL2: {
        uint16_t protocol = cursor_be16(c);
        cursor_skip(c, SLL2_HEADER_LEN - 2);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        return decode_ethertype(d, c, protocol, 0);
    }
    case LINK_RAW:
    case LINK_RAW_DLT:
    case LINK_RAW_DLT_BSD:
        return decode_raw_ip(d, c);
    case LINK_IPV4:
        return decode_ipv4(d, c, 0);
    case LINK_IPV6:
        return decode_ipv6(d, c, 0);
    case LINK_FDDI:
        return decode_fddi(d, c);
    case LINK_IEEE802_11:
        return decode_ieee80211(d, c);
    case LINK_IEEE802_11_RADIOTAP:
        return decode_radiotap(d, c);
    case LINK_PPI:
        return decode_ppi(d, c);
    case LINK_PPP:
        return decode_ppp(d, c);
    case LINK_PPP_HDLC:
        return decode_ppp_hdlc(d, c);
    case LINK_C_HDLC:
        return decode_cisco_hdlc(d, c);
    case LINK_NFLOG:
        return decode_nflog(d, c);
    default:
        return TV_DECODE_UNSUPPORTED_LINK;
    }
}
