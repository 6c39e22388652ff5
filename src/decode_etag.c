/*
 * IEEE 802.1BR E-Tag (bridge port extension): six bytes after its
 * EtherType 0x893f (priority, drop eligibility, the ingress and the
 * destination E-channel ids with their extensions, the group bits), then
 * the EtherType of what follows.
 */
#include "decode_int.h"

#include "banned.h"

enum { ETAG_LEN = 6 };

enum tv_decode_status decode_etag(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    cursor_skip(c, ETAG_LEN);
    uint16_t ethertype = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_ethertype(d, c, ethertype, depth + 1);
}
