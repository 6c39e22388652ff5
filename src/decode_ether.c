/*
 * The Ethernet family: the frame header, then the EtherType behind any
 * stack of VLAN tags, to the network header it names.
 */
#include "decode_int.h"

#include "banned.h"

/* IEEE 802.1Q/802.1ad: tags stack, each hiding the next type behind a TCI. */
static bool is_vlan_type(uint16_t ethertype)
{
    return ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
           ethertype == ETHERTYPE_QINQ_OLD;
}

enum tv_decode_status decode_ethertype(struct decoder *d, struct cursor *c, uint16_t ethertype,
                                       unsigned depth)
{
    for (unsigned tags = 0; is_vlan_type(ethertype); tags++) {
        if (tags == VLAN_TAGS_CAP)
            return TV_DECODE_NOT_IP;
        cursor_skip(c, 2); /* priority, DEI, VLAN id */
        ethertype = cursor_be16(c);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
    }
    switch (ethertype) {
    case ETHERTYPE_IPV4:
        return decode_ipv4(d, c, depth);
    case ETHERTYPE_IPV6:
        return decode_ipv6(d, c, depth);
    default:
        return TV_DECODE_NOT_IP;
    }
}

enum tv_decode_status decode_ethernet(struct decoder *d, struct cursor *c, unsigned depth)
{
    cursor_skip(c, 12); /* destination and source MAC */
    uint16_t ethertype = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_ethertype(d, c, ethertype, depth);
}
