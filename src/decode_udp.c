/*
 * UDP, for the tunnels it carries: the inner packet is the one a flow is
 * about. VXLAN and Geneve are here; GRE over UDP, Teredo, AYIYA and GTP-U
 * have files of their own. Any other UDP is not TCP.
 *
 * VXLAN, Geneve and GRE are known by their destination port. Teredo, AYIYA
 * and GTP-U use their port on both sides (a Teredo server or relay
 * answers from 3544, GTP-U peers both use 2152), so either port will do;
 * their decoders check that the bytes look the part and call anything
 * else plain UDP, since a port is only a hint.
 */
#include "decode_int.h"

#include "banned.h"

/* VXLAN (RFC 7348 5) and Geneve (RFC 8926 3) both carry a whole inner
 * frame; the inner packet is the one the flow is about. */
static enum tv_decode_status decode_vxlan_geneve(struct decoder *d, struct layer *udp,
                                                 uint16_t dst_port, unsigned depth)
{
    struct cursor *c = &udp->c;
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    if (dst_port == PORT_VXLAN) {
        uint8_t flags = cursor_u8(c);
        cursor_skip(c, VXLAN_HEADER_LEN - 1);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        if (!(flags & 0x08)) /* the I flag: a valid VNI follows */
            return TV_DECODE_NOT_TCP;
        encap_note_tunnel(d, TV_TUNNEL_VXLAN);
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
    encap_note_tunnel(d, TV_TUNNEL_GENEVE);
    if (protocol == ETHERTYPE_TEB)
        return decode_ethernet(d, c, depth + 1);
    return decode_ethertype(d, c, protocol, depth + 1);
}

static bool either_port(uint16_t a, uint16_t b, uint16_t port)
{
    return a == port || b == port;
}

enum tv_decode_status decode_udp(struct decoder *d, struct layer *l, unsigned depth)
{
    struct cursor *c = &l->c;
    uint16_t src_port = cursor_be16(c);
    uint16_t dst_port = cursor_be16(c);
    cursor_skip(c, 4);
    /* A UDP header we cannot see is UDP all the same: skipped, not broken. */
    if (c->overrun)
        return TV_DECODE_NOT_TCP;
    l->claimed_len -= UDP_HEADER_LEN;
    switch (dst_port) {
    case PORT_VXLAN:
    case PORT_GENEVE:
        return decode_vxlan_geneve(d, l, dst_port, depth);
    case PORT_GRE_UDP:
        return decode_gre(d, c, depth);
    default:
        break;
    }
    if (either_port(src_port, dst_port, PORT_GTPU))
        return decode_gtpu(d, l, depth);
    if (either_port(src_port, dst_port, PORT_TEREDO))
        return decode_teredo(d, c, depth);
    if (either_port(src_port, dst_port, PORT_AYIYA))
        return decode_ayiya(d, c, depth);
    return TV_DECODE_NOT_TCP;
}
