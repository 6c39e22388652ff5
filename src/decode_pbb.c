/*
 * Provider backbone bridging (IEEE 802.1ah, "MAC-in-MAC"): after the
 * backbone frame's own addresses and B-TAG (a VLAN tag of EtherType
 * 0x88a8, taken off as any other), the I-TAG's EtherType 0x88e7, four
 * bytes of I-TAG (priority, drop eligibility, use-customer-address bit
 * and the 24-bit service instance id), and then the customer's whole
 * Ethernet frame.
 */
#include "decode_int.h"

#include "banned.h"

enum { PBB_ITAG_LEN = 4 };

enum tv_decode_status decode_pbb(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    cursor_skip(c, PBB_ITAG_LEN);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    return decode_ethernet(d, c, depth + 1);
}
