/*
 * The Ethernet family: the frame header, then the EtherType behind any
 * stack of VLAN tags, to the network header or the encapsulation it names
 * (MPLS, PPPoE, PBB, VN-Tag, E-Tag, FabricPath: each in a decode_*.c of
 * its own). A type field below 0x0600 is an IEEE 802.3 length, and an
 * 802.2 LLC header follows it.
 */
#include "decode_int.h"

#include "banned.h"

/* IEEE 802.1Q/802.1ad: tags stack, each hiding the next type behind a TCI. */
static bool is_vlan_type(uint16_t ethertype)
{
    return ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
           ethertype == ETHERTYPE_QINQ_OLD;
}

/*
 * The port extenders' tags: Cisco VN-Tag (EtherType 0x8926, four bytes:
 * direction, pointer, destination and source virtual interfaces, looped
 * and version bits; it became IEEE 802.1Qbh) and IEEE 802.1BR E-Tag
 * (0x893f, six bytes: priority, drop eligibility, the ingress and
 * destination E-channel ids with their extensions, the group bits). Both
 * are followed, as a VLAN tag is, by the EtherType of what they carry.
 */
enum { VNTAG_LEN = 4, ETAG_LEN = 6 };

static enum tv_decode_status decode_port_tag(struct decoder *d, struct cursor *c, size_t tag_len,
                                             unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    cursor_skip(c, tag_len);
    uint16_t ethertype = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_ethertype(d, c, ethertype, depth + 1);
}

enum tv_decode_status decode_ethertype(struct decoder *d, struct cursor *c, uint16_t ethertype,
                                       unsigned depth)
{
    for (unsigned tags = 0; is_vlan_type(ethertype); tags++) {
        if (tags == VLAN_TAGS_CAP)
            return TV_DECODE_ENCAP_TOO_DEEP;
        uint16_t tci = cursor_be16(c); /* priority, DEI, VLAN id */
        ethertype = cursor_be16(c);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        encap_note_vlan(d, tci);
    }
    switch (ethertype) {
    case ETHERTYPE_IPV4:
        return decode_ipv4(d, c, depth);
    case ETHERTYPE_IPV6:
        return decode_ipv6(d, c, depth);
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MCAST:
        return decode_mpls(d, c, depth);
    case ETHERTYPE_PPPOE_SESSION:
        return decode_pppoe(d, c, depth);
    case ETHERTYPE_PBB:
        return decode_pbb(d, c, depth);
    case ETHERTYPE_VNTAG:
        return decode_port_tag(d, c, VNTAG_LEN, depth);
    case ETHERTYPE_ETAG:
        return decode_port_tag(d, c, ETAG_LEN, depth);
    case ETHERTYPE_FABRICPATH:
        return decode_fabricpath(d, c, depth);
    default:
        return TV_DECODE_NOT_IP;
    }
}

/*
 * IEEE 802.3 framing: the length, then IEEE 802.2 LLC. Only SNAP (RFC
 * 1042: DSAP and SSAP 0xaa, unnumbered information, OUI 00-00-00 or the
 * 802.1H 00-00-f8) carries an EtherType; other SAPs (STP, NetBIOS, IPX)
 * are not IP. The length bounds the frame as IP's own length would, so
 * padding is left out; a frame rebuilt from fragments could not keep it.
 */
static enum tv_decode_status ether_llc_snap(struct decoder *d, struct cursor *c, uint16_t length,
                                            unsigned depth)
{
    struct layer llc = layer_claim(d, c, length);
    struct cursor *l = &llc.c;
    uint8_t dsap = cursor_u8(l);
    uint8_t ssap = cursor_u8(l);
    uint8_t control = cursor_u8(l);
    if (l->overrun)
        return TV_DECODE_TRUNCATED;
    if (dsap != 0xaa || ssap != 0xaa || control != 0x03)
        return TV_DECODE_NOT_IP;
    uint32_t oui = (uint32_t)cursor_u8(l) << 16;
    oui |= cursor_be16(l);
    uint16_t ethertype = cursor_be16(l);
    if (l->overrun)
        return TV_DECODE_TRUNCATED;
    if (oui != 0x000000 && oui != 0x0000f8)
        return TV_DECODE_NOT_IP;
    d->out->tunnel_depth++;
    return decode_ethertype(d, l, ethertype, depth);
}

enum tv_decode_status decode_ethernet(struct decoder *d, struct cursor *c, unsigned depth)
{
    cursor_skip(c, 12); /* destination and source MAC */
    uint16_t ethertype = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (ethertype >= ETHER_MIN_TYPE)
        return decode_ethertype(d, c, ethertype, depth);
    if (ethertype <= ETHER_MAX_LEN_FIELD)
        return ether_llc_snap(d, c, ethertype, depth);
    return TV_DECODE_NOT_IP; /* 1501 to 1535: neither (IEEE 802.3 3.2.6) */
}
