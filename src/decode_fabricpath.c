/*
 * Cisco FabricPath: the outer header is an Ethernet header whose
 * addresses name switches (switch, sub-switch and port ids) and whose
 * EtherType is 0x8903, followed by two bytes of forwarding tag (10 bits)
 * and TTL (6 bits); the original Ethernet frame, with its own addresses,
 * follows whole.
 */
#include "decode_int.h"

#include "banned.h"

enum { FABRICPATH_FTAG_TTL_LEN = 2 };

enum tv_decode_status decode_fabricpath(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    cursor_skip(c, FABRICPATH_FTAG_TTL_LEN);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_ethernet(d, c, depth + 1);
}
