/*
 * MPLS label stacks (RFC 3032), unicast and multicast alike: the entries
 * up to the one marked bottom of stack, then a payload that names itself.
 * MPLS says nothing of its payload, so the first nibble after the stack
 * decides, as Wireshark's heuristics do:
 *   4 or 6  IPv4 or IPv6 (also when the bottom label is an explicit null:
 *           0 for IPv4, 2 for IPv6, RFC 3032 2.1)
 *   0       the pseudowire control word (RFC 4385 3), then Ethernet
 *           (RFC 4448)
 *   1       the pseudowire associated channel (RFC 4385 5): OAM, not data
 *   other   Ethernet without a control word
 * An Ethernet pseudowire without a control word whose destination MAC
 * starts with 4 or 6 is taken for IP: the ambiguity RFC 4385 is there to
 * remove, which is why such pseudowires should use it. A generic
 * associated channel label (13, RFC 5586) at the bottom is OAM too. The
 * stack itself counts as one encapsulation; more than MPLS_LABELS_CAP
 * entries is given up as too deep.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    MPLS_LABELS_CAP = 16,
    MPLS_BOTTOM_OF_STACK = 0x100,
    MPLS_LABEL_IPV4_NULL = 0,
    MPLS_LABEL_IPV6_NULL = 2,
    MPLS_LABEL_GAL = 13,
    PW_CONTROL_WORD_LEN = 4,
};

enum tv_decode_status decode_mpls(struct decoder *d, struct cursor *c, unsigned depth)
{
    if (encap_is_too_deep(depth))
        return TV_DECODE_ENCAP_TOO_DEEP;
    uint32_t entry;
    for (unsigned labels = 0;; labels++) {
        if (labels == MPLS_LABELS_CAP)
            return TV_DECODE_ENCAP_TOO_DEEP;
        entry = cursor_be32(c);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        if (entry & MPLS_BOTTOM_OF_STACK)
            break;
    }
    uint32_t label = entry >> 12;
    if (label == MPLS_LABEL_IPV4_NULL)
        return decode_ipv4(d, c, depth + 1);
    if (label == MPLS_LABEL_IPV6_NULL)
        return decode_ipv6(d, c, depth + 1);
    if (label == MPLS_LABEL_GAL)
        return TV_DECODE_NOT_IP;
    if (!cursor_has(c, 1))
        return TV_DECODE_TRUNCATED;
    switch (peek_ip_version(c)) {
    case 4:
        return decode_ipv4(d, c, depth + 1);
    case 6:
        return decode_ipv6(d, c, depth + 1);
    case 0:
        cursor_skip(c, PW_CONTROL_WORD_LEN);
        if (c->overrun)
            return TV_DECODE_TRUNCATED;
        return decode_ethernet(d, c, depth + 1);
    case 1:
        return TV_DECODE_NOT_IP;
    default:
        return decode_ethernet(d, c, depth + 1);
    }
}
