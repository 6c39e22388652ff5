/*
 * Linux NFLOG (LINKTYPE_NFLOG): what a firewall rule with an NFLOG
 * target (iptables -j NFLOG, nftables log group N) hands to user space,
 * as tcpdump -i nflog:N captures it. A 4-byte header (address family,
 * version, group in network byte order), then netlink attributes: a
 * length that counts its own 4-byte header, a type, the value, padding
 * to 4 bytes. The packet itself is NFULA_PAYLOAD, from its network
 * header on; NFULA_PREFIX is the text the rule logged it with.
 *
 * The attribute lengths and types are in the byte order of the host
 * that captured, which the link layer does not record (libpcap swaps
 * them on reading; a file copied as is does not): the order in which
 * the attributes add up to the frame, with types that exist, is taken,
 * little-endian first when both do.
 */
#include "decode_int.h"

#include "banned.h"

enum {
    NFLOG_HEADER_LEN = 4,
    NFLOG_TLV_HEADER_LEN = 4,
    NFLOG_TYPE_MASK = 0x3fff, /* above: the netlink nested and byte-order flags */
    NFLOG_TYPE_MAX = 64,      /* well past the last type defined (NFULA_L2HDR, 21) */
    NFULA_PAYLOAD = 9,
    NFULA_PREFIX = 10,
    NFLOG_PREFIX_CAP = 128, /* the kernel's is 128 bytes with the NUL */
};

static uint16_t tlv_u16(struct cursor *c, bool is_little_endian)
{
    return is_little_endian ? cursor_le16(c) : cursor_be16(c);
}

/* True if the attributes read in this byte order walk to the end of the
 * frame, every one long enough for its header and of a type that exists;
 * the capture may have cut the last one, even in its header (a snap
 * length). Each step takes at least 4 bytes, so the walk ends. */
static bool tlvs_fit(struct cursor c, bool is_little_endian)
{
    for (unsigned count = 0; cursor_remaining(&c) > 0; count++) {
        uint16_t len = tlv_u16(&c, is_little_endian);
        uint16_t type = tlv_u16(&c, is_little_endian) & NFLOG_TYPE_MASK;
        if (c.overrun)
            return count > 0;
        if (len < NFLOG_TLV_HEADER_LEN || type == 0 || type > NFLOG_TYPE_MAX)
            return false;
        size_t padded = (size_t)len - NFLOG_TLV_HEADER_LEN + (4u - len % 4u) % 4u;
        if (padded >= cursor_remaining(&c))
            return true; /* the last one */
        cursor_skip(&c, padded);
    }
    return false; /* no attribute at all */
}

/* The prefix as logged, up to its NUL, at most the kernel's length. */
static struct cursor prefix_text(struct cursor value)
{
    struct cursor scan = value;
    size_t len = 0;
    while (len < NFLOG_PREFIX_CAP && cursor_remaining(&scan) > 0 && cursor_u8(&scan) != 0)
        len++;
    return cursor_split(&value, len);
}

/* NFULA_PAYLOAD: the packet from its network header. The family in the
 * NFLOG header says which, and so does the version nibble. */
static enum tv_decode_status decode_payload(struct decoder *d, struct cursor *payload)
{
    uint8_t ip_version = peek_ip_version(payload);
    if (!cursor_has(payload, 1))
        return TV_DECODE_TRUNCATED;
    if (ip_version == 4)
        return decode_ipv4(d, payload, 0);
    if (ip_version == 6)
        return decode_ipv6(d, payload, 0);
    return TV_DECODE_BAD_IP_VERSION;
}

enum tv_decode_status decode_nflog(struct decoder *d, struct cursor *c)
{
    cursor_skip(c, 1); /* family */
    uint8_t version = cursor_u8(c);
    uint16_t group = cursor_be16(c);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;
    if (version != 0)
        return TV_DECODE_UNSUPPORTED_FRAME;

    bool is_little_endian = true;
    if (!tlvs_fit(*c, true)) {
        if (!tlvs_fit(*c, false))
            return cursor_remaining(c) < NFLOG_TLV_HEADER_LEN ? TV_DECODE_TRUNCATED
                                                              : TV_DECODE_UNSUPPORTED_FRAME;
        is_little_endian = false;
    }

    struct packet *p = d->out;
    p->has_log = true;
    p->log_group = group;
    struct cursor payload = {0};
    bool has_payload = false;
    bool is_cut = false;
    /* Bounded as in tlvs_fit(): each step takes at least 4 bytes or ends. */
    while (cursor_remaining(c) > 0) {
        uint16_t len = tlv_u16(c, is_little_endian);
        uint16_t type = tlv_u16(c, is_little_endian) & NFLOG_TYPE_MASK;
        if (c->overrun || len < NFLOG_TLV_HEADER_LEN) {
            is_cut = true;
            break;
        }
        size_t value_len = (size_t)len - NFLOG_TLV_HEADER_LEN;
        size_t have = cursor_remaining(c);
        is_cut = value_len > have;
        struct cursor value = cursor_split(c, is_cut ? have : value_len);
        if (type == NFULA_PREFIX) {
            p->log_prefix = prefix_text(value);
        } else if (type == NFULA_PAYLOAD && !has_payload) {
            payload = value;
            has_payload = true;
        }
        size_t pad = (4u - len % 4u) % 4u;
        cursor_skip(c, pad < cursor_remaining(c) ? pad : cursor_remaining(c));
    }
    if (has_payload)
        return decode_payload(d, &payload);
    /* Without the payload: cut before it, or logged without it. */
    return is_cut || d->uncaptured_len > 0 ? TV_DECODE_TRUNCATED : TV_DECODE_UNSUPPORTED_FRAME;
}
