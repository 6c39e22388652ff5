/*
 * AYIYA, "Anything In Anything" (draft-massar-v6ops-ayiya-02 5): an
 * 8-byte header (identity length as a power of two and identity type,
 * signature length in 4-byte words and hash method, authentication method
 * and operation, next header, epoch time), the identity and the signature,
 * then the packet. Only the forward operation (1) carries one, and only an
 * IPv4 (4) or IPv6 (41) next header is IP, as in Zeek; anything else on
 * the AYIYA port is plain UDP.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    AYIYA_HEADER_LEN = 8,
    AYIYA_OP_FORWARD = 1,
};

enum tv_decode_status decode_ayiya(struct decoder *d, struct cursor *c, unsigned depth)
{
    uint8_t id = cursor_u8(c);
    uint8_t sig = cursor_u8(c);
    uint8_t auth_op = cursor_u8(c);
    uint8_t next_header = cursor_u8(c);
    cursor_skip(c, AYIYA_HEADER_LEN - 4); /* epoch time */
    if (c->overrun)
        return TV_DECODE_NOT_TCP; /* too short to be AYIYA */
    if ((auth_op & 0x0f) != AYIYA_OP_FORWARD ||
        (next_header != IPPROTO_NUM_IPIP && next_header != IPPROTO_NUM_IPV6))
        return TV_DECODE_NOT_TCP;
    cursor_skip(c, ((size_t)1 << (id >> 4)) + (size_t)(sig >> 4) * 4);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    encap_note_tunnel(d, TV_TUNNEL_AYIYA);
    if (next_header == IPPROTO_NUM_IPIP)
        return decode_ipv4(d, c, depth + 1);
    return decode_ipv6(d, c, depth + 1);
}
