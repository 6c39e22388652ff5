/*
 * Packet decoding below TCP: IPv4, IPv6 extension headers, and the IP and
 * TCP checksums, with the public entry points. The link layers are in
 * decode_link.c, the Ethernet family in decode_ether.c, UDP tunnels in
 * decode_udp.c, each other encapsulation in a decode_*.c of its own;
 * decode_tcp.c reads the TCP header itself; flows are someone else's
 * business.
 *
 * Two lengths travel together through every layer: the bytes captured
 * (a cursor) and the bytes the headers claim (`claimed_len`). Lengths come
 * from the headers, never from the frame, so link padding is not payload;
 * a claim longer than the capture is a cut capture, reported through
 * `truncated`, while a claim that contradicts the packet's own headers is
 * malformed. Every loop over headers is bounded. Invariant of struct
 * layer: cursor_remaining(&l->c) <= l->claimed_len.
 */
#include "decode_int.h"

#include <stddef.h>
#include <string.h>

#include "banned.h"

static const struct {
    const char *name;
    bool is_error;
} status_info[TV_DECODE_STATUS_COUNT] = {
    [TV_DECODE_OK] = {"ok", false},
    [TV_DECODE_TRUNCATED] = {"truncated", true},
    [TV_DECODE_UNSUPPORTED_LINK] = {"unsupported_link", true},
    [TV_DECODE_NOT_IP] = {"not_ip", false},
    [TV_DECODE_BAD_IP_VERSION] = {"bad_ip_version", true},
    [TV_DECODE_BAD_IP_HEADER_LEN] = {"bad_ip_header_len", true},
    [TV_DECODE_BAD_IP_TOTAL_LEN] = {"bad_ip_total_len", true},
    [TV_DECODE_FRAGMENT] = {"fragment", false},
    [TV_DECODE_NOT_TCP] = {"not_tcp", false},
    [TV_DECODE_BAD_TCP_OFFSET] = {"bad_tcp_offset", true},
    [TV_DECODE_BAD_EXT_HEADER] = {"bad_ext_header", true},
    [TV_DECODE_ENCRYPTED] = {"encrypted", false},
    [TV_DECODE_UNSUPPORTED_FRAME] = {"unsupported_frame", false},
    [TV_DECODE_BAD_FCS] = {"bad_fcs", true},
    [TV_DECODE_UNSUPPORTED_ENCAP] = {"unsupported_encap", true},
    [TV_DECODE_BAD_ENCAP] = {"bad_encap", true},
    [TV_DECODE_ENCAP_TOO_DEEP] = {"encap_too_deep", true},
};

static const char *const tunnel_kind_names[TV_TUNNEL_KIND_COUNT] = {
    [TV_TUNNEL_IP] = "ip",       [TV_TUNNEL_GRE] = "gre",       [TV_TUNNEL_ERSPAN] = "erspan",
    [TV_TUNNEL_VXLAN] = "vxlan", [TV_TUNNEL_GENEVE] = "geneve", [TV_TUNNEL_TEREDO] = "teredo",
    [TV_TUNNEL_AYIYA] = "ayiya", [TV_TUNNEL_GTPU] = "gtpu",
};

const char *tv_tunnel_kind_name(enum tv_tunnel_kind kind)
{
    if ((unsigned)kind >= TV_TUNNEL_KIND_COUNT)
        return "unknown";
    return tunnel_kind_names[kind];
}

const char *tv_decode_status_name(enum tv_decode_status status)
{
    if ((unsigned)status >= TV_DECODE_STATUS_COUNT)
        return "unknown";
    return status_info[status].name;
}

bool tv_decode_status_is_error(enum tv_decode_status status)
{
    if ((unsigned)status >= TV_DECODE_STATUS_COUNT)
        return true;
    return status_info[status].is_error;
}

bool tv_decode_status_is_unreadable(enum tv_decode_status status)
{
    switch (status) {
    case TV_DECODE_UNSUPPORTED_LINK:
    case TV_DECODE_ENCRYPTED:
    case TV_DECODE_UNSUPPORTED_FRAME:
    case TV_DECODE_UNSUPPORTED_ENCAP:
    case TV_DECODE_ENCAP_TOO_DEEP:
        return true;
    default:
        return false;
    }
}

/* Sums big-endian 16-bit words. Only the last chunk of a sum may have an
 * odd length: its final byte is padded with zero (RFC 1071 1). */
/*
 * RFC 1071 ones'-complement sum. The hot loop adds 8 bytes at a time in
 * host byte order with end-around carry; RFC 1071 2(B): the sum in one
 * byte order is the byte-swapped sum in the other, so one swap at the end
 * gives the network-order result. Every load lies within [data, data+len),
 * a span the caller took from a cursor.
 */
static bool host_is_little_endian(void)
{
    const uint16_t probe = 1;
    uint8_t first;
    memcpy(&first, &probe, 1);
    return first == 1;
}

/* Adds the 8 bytes at p to a 64-bit ones'-complement lane. */
static inline uint64_t csum_add64(uint64_t lane, const uint8_t *p)
{
    uint64_t word;
    memcpy(&word, p, sizeof(word));
    lane += word;
    return lane + (lane < word); /* end-around carry */
}

uint32_t csum_add(uint32_t sum, const uint8_t *data, uint32_t len)
{
    /* Four independent sums, so that each carry waits only on its own
     * chain; ones'-complement addition lets them be combined at the end. */
    uint64_t wide = 0;
    uint32_t i = 0;
    if (len >= 64) { /* headers and addresses are summed whole without them */
        /* Named variables, not an array: kept in registers at -O2. */
        uint64_t lane0 = 0;
        uint64_t lane1 = 0;
        uint64_t lane2 = 0;
        uint64_t lane3 = 0;
        for (; len - i >= 32; i += 32) {
            lane0 = csum_add64(lane0, data + i);
            lane1 = csum_add64(lane1, data + i + 8);
            lane2 = csum_add64(lane2, data + i + 16);
            lane3 = csum_add64(lane3, data + i + 24);
        }
        wide = lane0;
        wide += lane1;
        wide += wide < lane1;
        wide += lane2;
        wide += wide < lane2;
        wide += lane3;
        wide += wide < lane3;
    }
    for (; len - i >= 8; i += 8)
        wide = csum_add64(wide, data + i);
    wide = (wide & 0xffffffffu) + (wide >> 32);
    wide = (wide & 0xffffffffu) + (wide >> 32);
    wide = (wide & 0xffff) + (wide >> 16);
    wide = (wide & 0xffff) + (wide >> 16);
    wide = (wide & 0xffff) + (wide >> 16);
    uint16_t part = (uint16_t)wide;
    if (host_is_little_endian())
        part = (uint16_t)((part >> 8) | (part << 8));

    uint64_t acc = (uint64_t)sum + part;
    for (; len - i >= 2; i += 2)
        acc += (uint32_t)data[i] << 8 | data[i + 1];
    if (len - i == 1)
        acc += (uint32_t)data[i] << 8;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

/* Folds the carries back in (end-around carry). Not complemented: a region
 * that includes a correct checksum folds to 0xffff. */
uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

static uint16_t csum_swap(uint16_t v)
{
    return (uint16_t)((v >> 8) | (v << 8));
}

/*
 * The sum of data[off, off + span_len) from the sum of all of data: the
 * bytes before and after the span are summed and taken away, since
 * ones'-complement subtraction is addition of the complement. Bytes at
 * odd offsets sit in the low half of the frame's 16-bit words, so a part
 * that starts at an odd offset counts byte-swapped (RFC 1071 2(B)). The
 * result may be 0x0000 where summing the span gives 0xffff: both are zero
 * in ones'-complement arithmetic, and adding either to a non-zero sum
 * folds to the same value.
 */
uint16_t csum_span(uint32_t total, const uint8_t *data, uint32_t len, uint32_t off,
                   uint32_t span_len)
{
    uint32_t end = off + span_len;
    uint16_t before = csum_fold(csum_add(0, data, off));
    uint16_t after = csum_fold(csum_add(0, data + end, len - end));
    if (end & 1u)
        after = csum_swap(after);
    uint32_t sum = (uint32_t)csum_fold(total) + (uint16_t)~before + (uint16_t)~after;
    uint16_t span = csum_fold(sum);
    return (off & 1u) ? csum_swap(span) : span;
}

static uint32_t csum_add32(uint32_t sum, uint32_t v)
{
    uint64_t acc = (uint64_t)sum + (v >> 16) + (v & 0xffff);
    return (uint32_t)(acc & 0xffffffffu) + (uint32_t)(acc >> 32);
}

/* The TCP pseudo-header (RFC 9293 3.1, RFC 8200 8.1) without the segment. */
static uint32_t pseudo_header_sum(uint8_t family, const uint8_t *src, const uint8_t *dst,
                                  uint32_t tcp_len)
{
    uint32_t addr_len = family == 6 ? 16 : 4;
    uint32_t sum = csum_add(0, src, addr_len);
    sum = csum_add(sum, dst, addr_len);
    sum = csum_add32(sum, IPPROTO_NUM_TCP);
    return csum_add32(sum, tcp_len);
}

static bool is_partial_sum(uint16_t stored, uint32_t pseudo_sum)
{
    uint16_t partial = csum_fold(pseudo_sum);
    uint16_t partial_inv = (uint16_t)~partial;
    return stored == partial || stored == partial_inv;
}

/*
 * Transmit checksum offload leaves the pseudo-header sum in the field for
 * the NIC to finish; captured on the sender, it looks wrong. Linux and
 * Windows store the folded sum, some stacks its complement. For a
 * segmentation offload (LSO) super-segment, Windows leaves the length out
 * of that sum, since each segment the NIC cuts will have its own.
 */
static enum csum_result tcp_checksum(const struct decoder *d, const struct cursor *seg,
                                     uint16_t stored, uint32_t pseudo_sum,
                                     uint32_t pseudo_sum_no_len)
{
    const uint8_t *start = cursor_ptr(seg);
    uint32_t len = (uint32_t)cursor_remaining(seg);
    uint32_t sum;
    if (d->has_frame_sum && start >= d->frame && len <= d->caplen &&
        (size_t)(start - d->frame) <= d->caplen - len)
        sum = csum_add32(pseudo_sum, csum_span(d->frame_sum, d->frame, d->caplen,
                                               (uint32_t)(start - d->frame), len));
    else
        sum = csum_add(pseudo_sum, start, len);
    if (csum_fold(sum) == 0xffff)
        return CSUM_OK;
    if (is_partial_sum(stored, pseudo_sum) || is_partial_sum(stored, pseudo_sum_no_len))
        return CSUM_PARTIAL;
    return CSUM_BAD;
}

/*
 * TCP over IP: `l` spans the segment as the IP header claims it. Checks
 * the segment against that claim and verifies the checksum when all of it
 * was captured.
 */
static enum tv_decode_status decode_tcp_in_ip(struct decoder *d, struct layer *l,
                                              const uint8_t *pseudo_src, const uint8_t *pseudo_dst)
{
    struct packet *p = d->out;
    if (l->claimed_len < TCP_HEADER_MIN_LEN)
        return TV_DECODE_BAD_IP_TOTAL_LEN;

    struct cursor whole = l->c;
    /* The data offset is a claim too: it must fit in the segment. */
    struct cursor peek = l->c;
    cursor_skip(&peek, 12);
    uint8_t data_offset = cursor_u8(&peek) >> 4;
    if (!peek.overrun && data_offset >= 5 && (uint32_t)data_offset * 4 > l->claimed_len)
        return TV_DECODE_BAD_TCP_OFFSET;

    enum tv_decode_status status = decode_tcp(&l->c, &p->tcp);
    if (status != TV_DECODE_OK)
        return status;
    p->payload_len = l->claimed_len - (uint32_t)data_offset * 4;

    p->tcp_csum = CSUM_UNVERIFIED;
    if (d->verify_checksums && cursor_remaining(&whole) == l->claimed_len) {
        uint32_t pseudo_no_len = pseudo_header_sum(p->family, pseudo_src, pseudo_dst, 0);
        uint32_t pseudo = csum_add32(pseudo_no_len, l->claimed_len);
        p->tcp_csum = tcp_checksum(d, &whole, p->tcp.checksum, pseudo, pseudo_no_len);
    }
    return TV_DECODE_OK;
}

static enum tv_decode_status decode_ip_payload(struct decoder *d, struct layer *l, uint8_t proto,
                                               const uint8_t *pseudo_src, const uint8_t *pseudo_dst,
                                               unsigned depth)
{
    if (proto == IPPROTO_NUM_TCP)
        return decode_tcp_in_ip(d, l, pseudo_src, pseudo_dst);
    switch (proto) {
    case IPPROTO_NUM_UDP:
        return decode_udp(d, l, depth);
    case IPPROTO_NUM_IPIP:
    case IPPROTO_NUM_IPV6:
        return decode_ip_in_ip(d, &l->c, proto, depth);
    case IPPROTO_NUM_GRE:
        return decode_gre(d, &l->c, depth);
    default:
        return TV_DECODE_NOT_TCP;
    }
}

/* The outermost bad header checksum stays reported through inner layers. */
static void set_ip_csum(struct packet *p, enum csum_result result)
{
    if (p->ip_csum != CSUM_BAD)
        p->ip_csum = result;
}

/* RFC 791 3.1. */
enum tv_decode_status decode_ipv4(struct decoder *d, struct cursor *c, unsigned depth)
{
    struct packet *p = d->out;
    const struct cursor header_start = *c;
    p->l2_len = (uint32_t)(cursor_ptr(c) - d->frame);
    if (!cursor_has(c, 1))
        return TV_DECODE_TRUNCATED;
    if (peek_ip_version(c) != 4)
        return TV_DECODE_BAD_IP_VERSION;

    uint8_t version_ihl = cursor_u8(c);
    uint8_t tos = cursor_u8(c); /* DSCP, ECN */
    uint16_t total_len = cursor_be16(c);
    uint16_t ip_id = cursor_be16(c);
    uint16_t frag = cursor_be16(c);
    uint8_t ttl = cursor_u8(c);
    uint8_t proto = cursor_u8(c);
    uint16_t header_csum = cursor_be16(c);
    uint8_t src[4], dst[4];
    cursor_copy(c, src, 4);
    cursor_copy(c, dst, 4);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;

    uint32_t header_len = (uint32_t)(version_ihl & 0x0f) * 4;
    if (header_len < IPV4_HEADER_MIN_LEN)
        return TV_DECODE_BAD_IP_HEADER_LEN;

    p->family = 4;
    memset(p->src_addr, 0, sizeof(p->src_addr));
    memset(p->dst_addr, 0, sizeof(p->dst_addr));
    memcpy(p->src_addr, src, 4);
    memcpy(p->dst_addr, dst, 4);
    p->ttl = ttl;
    p->tos = tos;
    p->ip_id = ip_id;

    /* Total length 0: a TSO / BIG TCP super-segment handed over before the
     * stack filled it in; the frame is the only length there is. */
    struct cursor rest = header_start;
    uint32_t ip_len = total_len;
    p->ip_len_zero = total_len == 0;
    if (p->ip_len_zero) {
        struct layer whole = {header_start, 0};
        ip_len = wire_remaining(d, &whole);
    } else if (total_len < IPV4_HEADER_MIN_LEN) {
        return TV_DECODE_BAD_IP_TOTAL_LEN;
    }
    /* A header longer than the datagram it claims is malformed; longer
     * than a frame that supplied the length, it is cut. */
    if (header_len > ip_len)
        return p->ip_len_zero ? TV_DECODE_TRUNCATED : TV_DECODE_BAD_IP_HEADER_LEN;
    p->ip_len = ip_len;

    struct layer ip = layer_claim(d, &rest, ip_len);
    struct cursor header = ip.c;
    cursor_skip(&header, header_len);
    if (header.overrun)
        return TV_DECODE_TRUNCATED;
    if (d->verify_checksums) {
        /* A zero that does not verify is a checksum left for the NIC to
         * fill in (IPv4 header checksum offload), reported like the TCP
         * partial sum. */
        uint32_t sum = csum_add(0, cursor_ptr(&ip.c), header_len);
        enum csum_result result = CSUM_OK;
        if (csum_fold(sum) != 0xffff)
            result = header_csum == 0 ? CSUM_PARTIAL : CSUM_BAD;
        set_ip_csum(p, result);
    }
    layer_skip(&ip, header_len);

    /* RFC 791 3.2: MF set or a nonzero offset means a fragment. */
    if ((frag & 0x2000) || (frag & 0x1fff)) {
        p->frag = (struct ip_fragment){
            .id = ip_id,
            .offset = (uint32_t)(frag & 0x1fff) * 8,
            .data_len = ip.claimed_len,
            .protocol = proto,
            .more_fragments = (frag & 0x2000) != 0,
            .header = cursor_make(cursor_ptr(&header_start), header_len),
            .data = ip.c,
        };
        return TV_DECODE_FRAGMENT;
    }
    return decode_ip_payload(d, &ip, proto, p->src_addr, p->dst_addr, depth);
}

/* Addresses that replace the header's in the TCP pseudo-header. */
struct ipv6_pseudo {
    uint8_t src[16];
    uint8_t dst[16];
};

/* RFC 8200 4.2 TLV options. A Home Address option (RFC 6275 6.3) means the
 * packet left the mobile node's home address: that is the source the
 * checksum was computed with (RFC 6275 6.3, RFC 8200 8.1). */
static enum tv_decode_status scan_dest_options(struct cursor opts, struct ipv6_pseudo *ps)
{
    while (cursor_remaining(&opts) > 0) {
        uint8_t type = cursor_u8(&opts);
        if (type == 0) /* Pad1 */
            continue;
        uint8_t len = cursor_u8(&opts);
        struct cursor data = cursor_split(&opts, len);
        if (opts.overrun)
            return TV_DECODE_BAD_EXT_HEADER;
        if (type == 0xc9) {
            if (len != 16)
                return TV_DECODE_BAD_EXT_HEADER;
            cursor_copy(&data, ps->src, 16);
        }
    }
    return TV_DECODE_OK;
}

/* RFC 8200 4.4 / 8.1: with segments left, the address the checksum was
 * computed with is the final one in the routing header. Type 0 (RFC 2460)
 * lists addresses in order; type 2 (RFC 6275 6.4) holds one; the Segment
 * Routing Header (type 4, RFC 8754 2) keeps the final segment first. */
static enum tv_decode_status scan_routing(struct cursor hdr, uint8_t hdr_ext_len,
                                          struct ipv6_pseudo *ps)
{
    uint8_t type = cursor_u8(&hdr);
    uint8_t segments_left = cursor_u8(&hdr);
    cursor_skip(&hdr, 4);
    if (hdr.overrun)
        return TV_DECODE_BAD_EXT_HEADER;
    if (segments_left == 0)
        return TV_DECODE_OK;
    size_t addr_count = hdr_ext_len / 2u;
    switch (type) {
    case 0:
    case 2:
        if (hdr_ext_len % 2 != 0 || addr_count == 0 || (type == 2 && addr_count != 1))
            return TV_DECODE_BAD_EXT_HEADER;
        cursor_skip(&hdr, (addr_count - 1) * 16);
        cursor_copy(&hdr, ps->dst, 16);
        break;
    case 4:
        if (addr_count == 0)
            return TV_DECODE_BAD_EXT_HEADER;
        cursor_copy(&hdr, ps->dst, 16);
        break;
    default:
        break;
    }
    return hdr.overrun ? TV_DECODE_BAD_EXT_HEADER : TV_DECODE_OK;
}

/*
 * Walks the extension header chain (RFC 8200 4) up to an upper-layer
 * header. On return *proto is that header's number and l spans it.
 */
static enum tv_decode_status walk_ext_headers(struct layer *l, uint8_t *proto,
                                              struct ipv6_pseudo *ps, struct packet *p,
                                              const uint8_t *ip_start)
{
    for (unsigned count = 0;; count++) {
        uint8_t next = *proto;
        uint32_t len;
        /* ESP (50), No Next Header (59), Mobility (135) and the rest end
         * the walk too, and are not TCP. */
        if (next != IPPROTO_NUM_HOPOPTS && next != IPPROTO_NUM_ROUTING &&
            next != IPPROTO_NUM_FRAGMENT && next != IPPROTO_NUM_DSTOPTS && next != IPPROTO_NUM_AH)
            return TV_DECODE_OK;
        if (count == EXT_HEADERS_CAP)
            return TV_DECODE_BAD_EXT_HEADER;

        struct cursor peek = l->c;
        uint8_t next_header = cursor_u8(&peek);
        uint8_t hdr_ext_len = cursor_u8(&peek);
        if (l->claimed_len < 2)
            return TV_DECODE_BAD_EXT_HEADER;
        if (peek.overrun)
            return TV_DECODE_TRUNCATED;
        if (next == IPPROTO_NUM_FRAGMENT)
            len = 8; /* RFC 8200 4.5: fixed size; the second byte is reserved */
        else if (next == IPPROTO_NUM_AH)
            len = ((uint32_t)hdr_ext_len + 2) * 4; /* RFC 4302 2.2 */
        else
            len = ((uint32_t)hdr_ext_len + 1) * 8; /* RFC 8200 4.3-4.6 */
        if (len > l->claimed_len)
            return TV_DECODE_BAD_EXT_HEADER;

        struct cursor hdr = cursor_split(&l->c, len);
        if (hdr.overrun)
            return TV_DECODE_TRUNCATED;
        l->claimed_len -= len;
        cursor_skip(&hdr, 2);

        enum tv_decode_status status = TV_DECODE_OK;
        if (next == IPPROTO_NUM_FRAGMENT) {
            uint16_t offset_flags = cursor_be16(&hdr);
            /* RFC 8200 4.5 / RFC 6946: offset 0 with M clear is an atomic
             * fragment, the whole packet; anything else is a piece. */
            if (offset_flags & 0xfff9) {
                p->frag = (struct ip_fragment){
                    .id = cursor_be32(&hdr),
                    .offset = offset_flags & 0xfff8u,
                    .data_len = l->claimed_len,
                    .protocol = next_header,
                    .more_fragments = (offset_flags & 1u) != 0,
                    .header = cursor_make(ip_start, (size_t)(cursor_ptr(&l->c) - ip_start)),
                    .data = l->c,
                };
                return TV_DECODE_FRAGMENT;
            }
        } else if (next == IPPROTO_NUM_ROUTING) {
            status = scan_routing(hdr, hdr_ext_len, ps);
        } else if (next == IPPROTO_NUM_DSTOPTS) {
            status = scan_dest_options(hdr, ps);
        }
        if (status != TV_DECODE_OK)
            return status;
        *proto = next_header;
    }
}

/* RFC 8200 3. */
enum tv_decode_status decode_ipv6(struct decoder *d, struct cursor *c, unsigned depth)
{
    struct packet *p = d->out;
    const uint8_t *ip_start = cursor_ptr(c);
    p->l2_len = (uint32_t)(cursor_ptr(c) - d->frame);
    if (!cursor_has(c, 1))
        return TV_DECODE_TRUNCATED;
    if (peek_ip_version(c) != 6)
        return TV_DECODE_BAD_IP_VERSION;

    uint32_t first_word = cursor_be32(c); /* version, traffic class, flow label */
    uint16_t payload_len = cursor_be16(c);
    uint8_t proto = cursor_u8(c);
    uint8_t hop_limit = cursor_u8(c);
    struct ipv6_pseudo ps;
    cursor_copy(c, ps.src, 16);
    cursor_copy(c, ps.dst, 16);
    if (c->overrun)
        return TV_DECODE_TRUNCATED;

    p->family = 6;
    memcpy(p->src_addr, ps.src, 16);
    memcpy(p->dst_addr, ps.dst, 16);
    p->ttl = hop_limit;
    p->tos = (uint8_t)(first_word >> 20);
    p->ip_id = 0;

    /* Payload length 0 with a jumbo option, or from GSO: the frame says. */
    struct cursor rest = *c;
    p->ip_len_zero = payload_len == 0;
    uint32_t claimed = payload_len;
    if (p->ip_len_zero) {
        struct layer whole = {rest, 0};
        claimed = wire_remaining(d, &whole);
    }
    p->ip_len = claimed > UINT32_MAX - IPV6_HEADER_LEN ? UINT32_MAX : claimed + IPV6_HEADER_LEN;

    struct layer ip = layer_claim(d, &rest, claimed);
    enum tv_decode_status status = walk_ext_headers(&ip, &proto, &ps, p, ip_start);
    if (status != TV_DECODE_OK)
        return status;
    return decode_ip_payload(d, &ip, proto, ps.src, ps.dst, depth);
}

static enum tv_decode_status decode_frame(struct decoder *d, int linktype, const uint8_t *data,
                                          uint32_t caplen, uint32_t wirelen)
{
    static const uint8_t empty[1];
    struct packet *out = d->out;
    memset(out, 0, offsetof(struct packet, frag)); /* frag is set where it applies */
    out->location.vlan_count = 0;
    out->location.tunnel_count = 0;
    out->tcp_csum = CSUM_UNVERIFIED;
    out->ip_csum = CSUM_UNVERIFIED;
    if (data == NULL) {
        caplen = 0;
        d->has_frame_sum = false;
    }
    d->frame = data ? data : empty;
    d->caplen = caplen;
    d->uncaptured_len = wirelen > caplen ? wirelen - caplen : 0;
    struct cursor c = cursor_make(d->frame, caplen);
    return decode_link(d, linktype, &c);
}

enum tv_decode_status decode_packet(int linktype, const uint8_t *data, uint32_t caplen,
                                    uint32_t wirelen, bool verify_checksums, struct packet *out)
{
    struct decoder d = {.verify_checksums = verify_checksums, .out = out};
    return decode_frame(&d, linktype, data, caplen, wirelen);
}

enum tv_decode_status decode_packet_summed(int linktype, const uint8_t *data, uint32_t caplen,
                                           uint32_t wirelen, uint32_t frame_sum, struct packet *out)
{
    struct decoder d = {
        .verify_checksums = true,
        .has_frame_sum = true,
        .frame_sum = frame_sum,
        .out = out,
    };
    return decode_frame(&d, linktype, data, caplen, wirelen);
}
