/*
 * Cisco VN-Tag (the port extender tag that became IEEE 802.1Qbh): four
 * bytes after its EtherType 0x8926 (direction, pointer, destination and
 * source virtual interfaces, looped and version bits), then the EtherType
 * of what follows, as a VLAN tag has.
 */
#include "decode_int.h"

#include "banned.h"

enum { VNTAG_LEN = 4 };

enum tv_decode_status decode_vntag(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    cursor_skip(c, VNTAG_LEN);
    uint16_t ethertype = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_ethertype(d, c, ethertype, depth + 1);
}
