/*
 * What the decode_*.c files share: the layer and decoder state of one
 * frame, the numbers the headers use, and each decoder's entry point.
 * Private to the decoders; decode.h is the interface.
 */
#ifndef TV_DECODE_INT_H
#define TV_DECODE_INT_H

#include <stddef.h>

#include "decode.h"

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_VLAN = 0x8100,     /* IEEE 802.1Q */
    ETHERTYPE_QINQ = 0x88a8,     /* IEEE 802.1ad */
    ETHERTYPE_QINQ_OLD = 0x9100, /* pre-standard QinQ */
    ETHERTYPE_TEB = 0x6558,      /* transparent Ethernet bridging (Geneve) */
    ETH_HEADER_LEN = 14,
    SLL_HEADER_LEN = 16,
    SLL2_HEADER_LEN = 20,
    VLAN_TAGS_CAP = 8,
    TUNNELS_CAP = 4,
    EXT_HEADERS_CAP = 16,
    IPV4_HEADER_MIN_LEN = 20,
    IPV6_HEADER_LEN = 40,
    UDP_HEADER_LEN = 8,
    VXLAN_HEADER_LEN = 8,
    GENEVE_HEADER_LEN = 8,
    PORT_VXLAN = 4789,   /* RFC 7348 5 */
    PORT_GENEVE = 6081,  /* RFC 8926 3.3 */
    LLC_SAP_SNAP = 0xaa, /* IEEE 802.2 / RFC 1042: SNAP follows the LLC header */
    LLC_CONTROL_UI = 0x03,
    LLC_SNAP_HEADER_LEN = 8, /* DSAP, SSAP, control, OUI (3), EtherType (2) */
};

enum {
    IPPROTO_NUM_HOPOPTS = 0,
    IPPROTO_NUM_TCP = 6,
    IPPROTO_NUM_UDP = 17,
    IPPROTO_NUM_ROUTING = 43,
    IPPROTO_NUM_FRAGMENT = 44,
    IPPROTO_NUM_AH = 51,
    IPPROTO_NUM_DSTOPTS = 60,
};

/* Address family numbers of the BSD loopback header: AF_INET is 2
 * everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS). */
enum {
    BSD_AF_INET = 2,
    BSD_AF_INET6_NETBSD = 24,
    BSD_AF_INET6_FREEBSD = 28,
    BSD_AF_INET6_DARWIN = 30,
};

/* What one protocol layer hands the next. */
struct layer {
    struct cursor c;      /* captured bytes of this layer, within its claim */
    uint32_t claimed_len; /* what the enclosing header says this layer spans */
};

/* Decoding state shared by all layers of one frame. */
struct decoder {
    const uint8_t *frame;
    uint32_t caplen;
    uint32_t uncaptured_len; /* wire bytes the capture cut off the end */
    bool verify_checksums;
    bool has_frame_sum;
    uint32_t frame_sum; /* csum_add(0, frame, caplen), with has_frame_sum */
    struct packet *out;
};

/* Wire length of what is left of l: its captured bytes plus what the
 * capture cut off, since a snap length only ever cuts the end. */
static inline uint32_t wire_remaining(const struct decoder *d, const struct layer *l)
{
    uint64_t len = (uint64_t)cursor_remaining(&l->c) + d->uncaptured_len;
    return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

/*
 * Narrows the captured bytes to a header's claim. A claim past the wire
 * length is a cut capture (or a lying header): either way the bytes are
 * missing, which is what `truncated` records.
 */
static inline struct layer layer_claim(struct decoder *d, struct cursor *c, uint32_t claimed_len)
{
    struct layer l;
    size_t have = cursor_remaining(c);
    if (claimed_len > have)
        d->out->truncated = true;
    l.c = cursor_split(c, claimed_len < have ? claimed_len : have);
    l.claimed_len = claimed_len;
    return l;
}

/* Steps over n bytes the caller has checked are both claimed and captured. */
static inline void layer_skip(struct layer *l, uint32_t n)
{
    cursor_skip(&l->c, n);
    l->claimed_len -= n;
}

/* The IP version nibble, without moving c; 0 if nothing was captured. */
static inline uint8_t peek_ip_version(const struct cursor *c)
{
    struct cursor peek = *c;
    return cursor_u8(&peek) >> 4;
}

/* Entry points, one per header family; depth counts the encapsulations
 * already opened. */
enum tv_decode_status decode_link(struct decoder *d, int linktype, struct cursor *c);
enum tv_decode_status decode_ethernet(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_ethertype(struct decoder *d, struct cursor *c, uint16_t ethertype,
                                       unsigned depth);
/* An IEEE 802.2 LLC header, on 802.3 length-framed Ethernet, FDDI and
 * 802.11: SNAP with an EtherType goes on to that network header; any
 * other LLC payload is not IP. */
enum tv_decode_status decode_llc_snap(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_ipv4(struct decoder *d, struct cursor *c, unsigned depth);
/* Link types of their own files: decode_link_80211.c, decode_link_serial.c
 * and decode_link_nflog.c. */
enum tv_decode_status decode_ieee80211(struct decoder *d, struct cursor *c);
enum tv_decode_status decode_radiotap(struct decoder *d, struct cursor *c);
enum tv_decode_status decode_ppi(struct decoder *d, struct cursor *c);
enum tv_decode_status decode_ppp(struct decoder *d, struct cursor *c);
enum tv_decode_status decode_ppp_hdlc(struct decoder *d, struct cursor *c);
enum tv_decode_status decode_cisco_hdlc(struct decoder *d, struct cursor *c);
enum tv_decode_status decode_nflog(struct decoder *d, struct cursor *c);
enum tv_decode_status decode_ipv6(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_udp(struct decoder *d, struct layer *l, unsigned depth);

#endif
