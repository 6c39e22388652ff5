/*
 * IP in IP: IPv4 in IPv4 (protocol 4, RFC 2003), IPv6 in IPv4 (protocol
 * 41, "6in4", RFC 4213 3.5), and either in IPv6 (RFC 2473). The inner
 * header must be of the version the protocol number names; a packet whose
 * inner header says otherwise is a bad IP version, as anywhere else.
 */
#include "decode_int.h"

#include "banned.h"

enum tv_decode_status decode_ip_in_ip(struct decoder *d, struct cursor *c, uint8_t protocol,
                                      unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    encap_note_tunnel(d, TV_TUNNEL_IP);
    if (protocol == IPPROTO_NUM_IPIP)
        return decode_ipv4(d, c, depth + 1);
    return decode_ipv6(d, c, depth + 1);
}
