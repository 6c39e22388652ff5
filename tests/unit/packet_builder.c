/*
 * Test helper: writes real frames byte by byte. Checksums are computed here
 * independently of decode.c, so a decoder test never checks the decoder
 * against itself. Writes only into the caller's buffer; never allocates.
 * Invariant: every length written is the length of the bytes that follow,
 * unless the description asks for a lie (ip_len_zero, bad checksums).
 */
#include "packet_builder.h"

#include "platform.h"
#include <string.h>

#include "banned.h"

enum {
    ETH_HEADER_LEN = 14,
    VLAN_TAG_LEN = 4,
    IPV4_HEADER_LEN = 20,
    IPV6_HEADER_LEN = 40,
    TCP_OPTIONS_CAP = 40,
    IP_PROTO_TCP = 6,
};

struct pb_addrs {
    int family; /* 4 or 6 */
    uint8_t src[16];
    uint8_t dst[16];
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len % 2)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold16(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static bool parse_addrs(const struct pb_tcp *t, struct pb_addrs *a)
{
    memset(a, 0, sizeof(*a));
    a->family = strchr(t->src, ':') ? 6 : 4;
    int af = a->family == 6 ? AF_INET6 : AF_INET;
    return inet_pton(af, t->src, a->src) == 1 && inet_pton(af, t->dst, a->dst) == 1;
}

/* Linux's option order for a SYN: MSS, SACK-permitted + timestamps, window scale. */
static size_t put_options(const struct pb_tcp *t, uint8_t *o)
{
    size_t n = 0;
    if (t->mss) {
        o[n++] = 2;
        o[n++] = 4;
        put16(o + n, t->mss);
        n += 2;
    }
    if (t->sack_permitted && t->timestamp) {
        o[n++] = 4;
        o[n++] = 2;
    } else if (t->sack_permitted) {
        o[n++] = 1;
        o[n++] = 1;
        o[n++] = 4;
        o[n++] = 2;
    } else if (t->timestamp) {
        o[n++] = 1;
        o[n++] = 1;
    }
    if (t->timestamp) {
        o[n++] = 8;
        o[n++] = 10;
        put32(o + n, t->ts_val);
        put32(o + n + 4, t->ts_ecr);
        n += 8;
    }
    if (t->has_wscale && t->wscale >= 0) {
        o[n++] = 1;
        o[n++] = 3;
        o[n++] = 3;
        o[n++] = (uint8_t)t->wscale;
    }
    return n;
}

static uint32_t pseudo_sum(const struct pb_addrs *a, uint32_t tcp_len)
{
    size_t alen = a->family == 6 ? 16 : 4;
    uint32_t sum = sum16(0, a->src, alen);
    sum = sum16(sum, a->dst, alen);
    return sum + IP_PROTO_TCP + (tcp_len >> 16) + (tcp_len & 0xffff);
}

/* Writes the TCP segment at seg; returns its length. */
static size_t put_tcp(const struct pb_tcp *t, const struct pb_addrs *a, uint8_t *seg)
{
    uint8_t opts[TCP_OPTIONS_CAP];
    size_t opt_len = put_options(t, opts);
    size_t hdr_len = TCP_HEADER_MIN_LEN + opt_len;
    uint16_t window = t->zero_window ? 0 : (t->window ? t->window : 65535);

    put16(seg, t->sport);
    put16(seg + 2, t->dport);
    put32(seg + 4, t->seq);
    put32(seg + 8, t->ack);
    seg[12] = (uint8_t)(hdr_len / 4 << 4);
    seg[13] = t->flags;
    put16(seg + 14, window);
    put16(seg + 16, 0);
    put16(seg + 18, 0);
    memcpy(seg + TCP_HEADER_MIN_LEN, opts, opt_len);
    uint8_t *payload = seg + hdr_len;
    if (t->payload)
        memcpy(payload, t->payload, t->payload_len);
    else
        memset(payload, 'x', t->payload_len);

    size_t seg_len = hdr_len + t->payload_len;
    uint16_t partial = fold16(pseudo_sum(a, (uint32_t)seg_len));
    uint16_t good = (uint16_t)~fold16(sum16(pseudo_sum(a, (uint32_t)seg_len), seg, seg_len));
    uint16_t stored = good;
    if (t->partial_checksum) {
        stored = partial;
    } else if (t->bad_checksum) {
        /* Wrong, and unlike the offload pattern in either polarity. */
        uint16_t partial_inv = (uint16_t)~partial;
        stored = (uint16_t)(good ^ 0x0101);
        while (stored == partial || stored == partial_inv || stored == good ||
               (stored % 0xffff == 0 && good % 0xffff == 0))
            stored = (uint16_t)(stored + 0x0303);
    }
    put16(seg + 16, stored);
    return seg_len;
}

static size_t ip_packet_len(const struct pb_tcp *t, const struct pb_addrs *a)
{
    uint8_t opts[TCP_OPTIONS_CAP];
    size_t hdr = a->family == 6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
    return hdr + TCP_HEADER_MIN_LEN + put_options(t, opts) + t->payload_len;
}

/* Writes the IP packet at p; the caller has checked the room. */
static size_t put_ip(const struct pb_tcp *t, const struct pb_addrs *a, uint8_t *p)
{
    if (a->family == 6) {
        size_t seg_len = put_tcp(t, a, p + IPV6_HEADER_LEN);
        put32(p, 6u << 28);
        put16(p + 4, (uint32_t)seg_len);
        p[6] = IP_PROTO_TCP;
        p[7] = 64;
        memcpy(p + 8, a->src, 16);
        memcpy(p + 24, a->dst, 16);
        return IPV6_HEADER_LEN + seg_len;
    }
    size_t seg_len = put_tcp(t, a, p + IPV4_HEADER_LEN);
    size_t total = IPV4_HEADER_LEN + seg_len;
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, t->ip_len_zero ? 0 : (uint32_t)total);
    put16(p + 4, 0x1234);
    put16(p + 6, 0x4000); /* DF, not a fragment */
    p[8] = 64;
    p[9] = IP_PROTO_TCP;
    put16(p + 10, 0);
    memcpy(p + 12, a->src, 4);
    memcpy(p + 16, a->dst, 4);
    put16(p + 10, (uint16_t)~fold16(sum16(0, p, IPV4_HEADER_LEN)));
    return total;
}

/* Bytes of link header (and VLAN tag) before the IP packet. */
static size_t link_header_len(int linktype, const struct pb_tcp *t)
{
    switch (linktype) {
    case LINK_ETHERNET:
        return ETH_HEADER_LEN + (t->vlan ? VLAN_TAG_LEN : 0);
    case LINK_NULL:
    case LINK_LOOP:
        return 4;
    case LINK_LINUX_SLL:
        return 16;
    case LINK_LINUX_SLL2:
        return 20;
    default:
        return 0;
    }
}

static bool link_is_known(int linktype)
{
    switch (linktype) {
    case LINK_ETHERNET:
    case LINK_NULL:
    case LINK_LOOP:
    case LINK_LINUX_SLL:
    case LINK_LINUX_SLL2:
    case LINK_RAW:
    case LINK_RAW_DLT:
    case LINK_RAW_DLT_BSD:
    case LINK_IPV4:
    case LINK_IPV6:
        return true;
    default:
        return false;
    }
}

static void put_link(int linktype, const struct pb_tcp *t, int family, uint8_t *p)
{
    uint16_t ethertype = family == 6 ? 0x86dd : 0x0800;
    uint32_t af = family == 6 ? 24 : 2; /* AF_INET6 as NetBSD/OpenBSD number it */

    switch (linktype) {
    case LINK_ETHERNET: {
        static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
        memcpy(p, macs, sizeof(macs));
        size_t off = 12;
        if (t->vlan) {
            put16(p + off, 0x8100);
            put16(p + off + 2, t->vlan & 0x0fff);
            off += VLAN_TAG_LEN;
        }
        put16(p + off, ethertype);
        break;
    }
    case LINK_NULL:
        /* Host byte order: written little-endian, as most capture hosts are. */
        p[0] = (uint8_t)af;
        p[1] = p[2] = p[3] = 0;
        break;
    case LINK_LOOP:
        put32(p, af);
        break;
    case LINK_LINUX_SLL:
        put16(p, 0);     /* packet type: to us */
        put16(p + 2, 1); /* ARPHRD_ETHER */
        put16(p + 4, 6); /* address length */
        memset(p + 6, 0, 8);
        p[6] = 0x02;
        p[11] = 0x01;
        put16(p + 14, ethertype);
        break;
    case LINK_LINUX_SLL2:
        put16(p, ethertype);
        put16(p + 2, 0); /* reserved */
        put32(p + 4, 2); /* interface index */
        put16(p + 8, 1); /* ARPHRD_ETHER */
        p[10] = 0;       /* packet type */
        p[11] = 6;       /* address length */
        memset(p + 12, 0, 8);
        p[12] = 0x02;
        p[17] = 0x01;
        break;
    default:
        break;
    }
}

size_t pb_build_link(int linktype, const struct pb_tcp *t, uint8_t *buf, size_t cap)
{
    struct pb_addrs a;
    if (!link_is_known(linktype) || !parse_addrs(t, &a))
        return 0;
    if ((linktype == LINK_IPV4 && a.family != 4) || (linktype == LINK_IPV6 && a.family != 6))
        return 0;
    size_t l2 = link_header_len(linktype, t);
    size_t len = l2 + ip_packet_len(t, &a);
    if (len > cap || (a.family == 4 && !t->ip_len_zero && len - l2 > 0xffff) ||
        (a.family == 6 && len - l2 - IPV6_HEADER_LEN > 0xffff))
        return 0;
    put_link(linktype, t, a.family, buf);
    put_ip(t, &a, buf + l2);
    return len;
}

size_t pb_build(const struct pb_tcp *t, uint8_t *buf, size_t cap)
{
    return pb_build_link(LINK_ETHERNET, t, buf, cap);
}

size_t pb_fragment(const uint8_t *frame, uint32_t off, uint32_t len, bool more, uint32_t id,
                   uint8_t *buf, size_t cap)
{
    enum { ETH = 14, IP6 = 40, FRAG = 8 };
    bool is_v6 = frame[12] == 0x86 && frame[13] == 0xdd;
    if (!is_v6) {
        size_t ihl = (size_t)(frame[ETH] & 0x0f) * 4;
        if (cap < ETH + ihl + len)
            return 0;
        memcpy(buf, frame, ETH + ihl);
        memcpy(buf + ETH + ihl, frame + ETH + ihl + off, len);
        uint8_t *ip = buf + ETH;
        put16(ip + 2, (uint32_t)ihl + len);
        put16(ip + 4, id);
        put16(ip + 6, (more ? 0x2000u : 0) | off / 8);
        put16(ip + 10, 0);
        put16(ip + 10, (uint16_t)~fold16(sum16(0, ip, ihl)));
        return ETH + ihl + len;
    }
    if (cap < ETH + IP6 + FRAG + len)
        return 0;
    memcpy(buf, frame, ETH + IP6);
    uint8_t *ip = buf + ETH;
    uint8_t *fh = ip + IP6;
    fh[0] = ip[6]; /* the upper layer */
    fh[1] = 0;
    ip[6] = 44;
    put16(fh + 2, off | (more ? 1u : 0));
    put32(fh + 4, id);
    memcpy(fh + FRAG, frame + ETH + IP6 + off, len);
    put16(ip + 4, FRAG + len);
    return ETH + IP6 + FRAG + len;
}
