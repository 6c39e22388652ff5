/*
 * What the decode_*.c files share: the layer and decoder state of one
 * frame, the numbers the headers use, and each decoder's entry point.
 * Private to the decoders; decode.h is the interface.
 */
#ifndef TV_DECODE_INT_H
#define TV_DECODE_INT_H

#include <stddef.h>
#include <string.h>

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

/* The numbers encapsulations are known by. */
enum {
    ETHERTYPE_MPLS = 0x8847,       /* RFC 3032 */
    ETHERTYPE_MPLS_MCAST = 0x8848, /* RFC 5332 */
    ETHERTYPE_PPPOE_SESSION = 0x8864,
    ETHERTYPE_PBB = 0x88e7,        /* IEEE 802.1ah I-TAG */
    ETHERTYPE_VNTAG = 0x8926,      /* Cisco VN-Tag (802.1Qbh) */
    ETHERTYPE_ETAG = 0x893f,       /* IEEE 802.1BR */
    ETHERTYPE_FABRICPATH = 0x8903, /* Cisco FabricPath */
    ETHERTYPE_ERSPAN_II = 0x88be,  /* ERSPAN types I and II */
    ETHERTYPE_ERSPAN_III = 0x22eb,
    ETHER_MAX_LEN_FIELD = 0x05dc, /* 1500: up to here the field is an 802.3 length */
    ETHER_MIN_TYPE = 0x0600,      /* from here it is an EtherType */
    IPPROTO_NUM_IPIP = 4,
    IPPROTO_NUM_IPV6 = 41,
    IPPROTO_NUM_GRE = 47,
    PORT_GTPU = 2152,    /* 3GPP TS 29.281 4.4.2.3 */
    PORT_TEREDO = 3544,  /* RFC 4380 */
    PORT_GRE_UDP = 4754, /* RFC 8086 */
    PORT_AYIYA = 5072,
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

/*
 * Encapsulations, one decoder file each. `depth` counts the ones already
 * opened, of every kind together; each decoder refuses to open one more
 * than TV_ENCAP_DEPTH_CAP, so that no packet can nest the decoder deeper
 * (VLAN tags have a cap of their own and are not counted).
 */
static inline bool encap_is_too_deep(unsigned depth)
{
    return depth >= TV_ENCAP_DEPTH_CAP;
}

/* A VLAN tag's TCI: the first TV_VLANS_CAP ids tell where the packet was. */
static inline void encap_note_vlan(struct decoder *d, uint16_t tci)
{
    struct tv_location *loc = &d->out->location;
    if (loc->vlan_count < TV_VLANS_CAP)
        loc->vlan[loc->vlan_count++] = tci & 0x0fff;
}

/* The packet goes on inside a tunnel whose outer IP header is the one
 * decoded last: its addresses are still those of d->out. */
static inline void encap_note_tunnel(struct decoder *d, enum tv_tunnel_kind kind)
{
    struct packet *p = d->out;
    struct tv_location *loc = &p->location;
    if (loc->tunnel_count < TV_ENCAP_DEPTH_CAP) {
        struct tv_tunnel *t = &loc->tunnels[loc->tunnel_count++];
        t->kind = kind;
        t->family = p->family;
        memcpy(t->src, p->src_addr, sizeof(t->src));
        memcpy(t->dst, p->dst_addr, sizeof(t->dst));
    }
    p->tunnel_depth++;
}

/* The Ethernet family's encapsulations, each given the bytes after its
 * EtherType. */
enum tv_decode_status decode_mpls(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_pppoe(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_pbb(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_fabricpath(struct decoder *d, struct cursor *c, unsigned depth);

/* IP's: the bytes after the outer IP (or UDP) header, within its claim. */
enum tv_decode_status decode_gre(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_erspan(struct decoder *d, struct cursor *c, uint16_t protocol,
                                    bool gre_has_seq, unsigned depth);
enum tv_decode_status decode_ip_in_ip(struct decoder *d, struct cursor *c, uint8_t protocol,
                                      unsigned depth);

/* UDP's, given the bytes after the UDP header within the datagram's claim. */
enum tv_decode_status decode_teredo(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_ayiya(struct decoder *d, struct cursor *c, unsigned depth);
enum tv_decode_status decode_gtpu(struct decoder *d, struct layer *l, unsigned depth);

#endif
