/*
 * Teredo (RFC 4380 5.1.1): IPv6 in UDP over IPv4 through NATs. The IPv6
 * packet may follow an authentication indicator (0x0001, two lengths, the
 * client id and authentication value they give, an 8-byte nonce and a
 * confirmation byte) and then an origin indication (0x0000, the obfuscated
 * origin port and address, 8 bytes in all), in that order. Anything else
 * on the Teredo port is plain UDP; a bubble (an IPv6 header with no next
 * header) is not TCP.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    TEREDO_AUTH = 0x0001,
    TEREDO_ORIGIN = 0x0000,
    TEREDO_NONCE_CONFIRMATION_LEN = 9,
    TEREDO_ORIGIN_LEN = 8,
};

static uint16_t peek_be16(const struct cursor *c)
{
    struct cursor peek = *c;
    return cursor_be16(&peek);
}

enum tv_decode_status decode_teredo(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (!cursor_has(c, 2))
        return TV_DECODE_NOT_TCP; /* nothing Teredo could be */
    if (peek_be16(c) == TEREDO_AUTH) {
        cursor_skip(c, 2);
        uint8_t id_len = cursor_u8(c);
        uint8_t auth_len = cursor_u8(c);
        cursor_skip(c, (size_t)id_len + auth_len + TEREDO_NONCE_CONFIRMATION_LEN);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
    }
    if (cursor_has(c, 2) && peek_be16(c) == TEREDO_ORIGIN) {
        cursor_skip(c, TEREDO_ORIGIN_LEN);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
    }
    if (!cursor_has(c, 1) || peek_ip_version(c) != 6)
        return TV_DECODE_NOT_TCP;
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    encap_note_tunnel(d, TV_TUNNEL_TEREDO);
    return decode_ipv6(d, c, depth + 1);
}
