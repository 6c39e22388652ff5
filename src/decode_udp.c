/*
 * UDP, for the tunnels it carries (VXLAN, Geneve): the inner frame is the
 * one a flow is about. Any other UDP is not TCP.
 */
#include "decode_int.h"

#include "banned.h"

/* VXLAN (RFC 7348 5) and Geneve (RFC 8926 3) both carry a whole inner
 * frame; the inner packet is the one the flow is about. */
static enum tv_decode_status decode_tunnel(struct decoder *d, struct layer *udp, uint16_t dst_port,
                                           unsigned depth)
{
    struct cursor *c = &udp->c;
    if (depth >= TUNNELS_CAP)
        return TV_DECODE_NOT_TCP;
    if (dst_port == PORT_VXLAN) {
        uint8_t flags = cursor_u8(c);
        cursor_skip(c, VXLAN_HEADER_LEN - 1);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        if (!(flags & 0x08)) /* the I flag: a valid VNI follows */
            return TV_DECODE_NOT_TCP;
        d->out->tunnel_depth++;
        return decode_ethernet(d, c, depth + 1);
    }
    uint8_t ver_optlen = cursor_u8(c);
    cursor_skip(c, 1); /* O and C flags */
    uint16_t protocol = cursor_be16(c);
    cursor_skip(c, 4); /* VNI, reserved */
    cursor_skip(c, (size_t)(ver_optlen & 0x3f) * 4);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (ver_optlen >> 6 != 0) /* RFC 8926 3.4: unknown versions are dropped */
        return TV_DECODE_NOT_TCP;
    d->out->tunnel_depth++;
    if (protocol == ETHERTYPE_TEB)
        return decode_ethernet(d, c, depth + 1);
    return decode_ethertype(d, c, protocol, depth + 1);
}

enum tv_decode_status decode_udp(struct decoder *d, struct layer *l, unsigned depth)
{
    struct cursor *c = &l->c;
    cursor_skip(c, 2);
    uint16_t dst_port = cursor_be16(c);
    cursor_skip(c, 4);
    /* A UDP header we cannot see is UDP all the same: skipped, not broken. */
    if (c->overrun || (dst_port != PORT_VXLAN && dst_port != PORT_GENEVE))
        return TV_DECODE_NOT_TCP;
    return decode_tunnel(d, l, dst_port, depth);
}
