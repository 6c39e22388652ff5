/*
 * Packet decoding: link layer, IPv4/IPv6 and TCP, from captured bytes to a
 * `struct packet` view. Reads only through cursor.h. Knows nothing of flows.
 *
 * The decoded view borrows the packet bytes (options and payload cursors
 * point into them), so it is valid only as long as those bytes are.
 * Malformed and truncated input is reported through the status, never by
 * crashing; a packet decoded with DECODE_OK always has a usable TCP header.
 */
#ifndef TV_DECODE_H
#define TV_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "tcpverdict.h"

/* Link types, as numbered in pcap files (LINKTYPE_*) and by libpcap (DLT_*). */
enum {
    LINK_NULL = 0, /* BSD loopback, host-order family */
    LINK_ETHERNET = 1,
    LINK_PPP = 9, /* RFC 1661, with or without RFC 1662 address and control */
    LINK_FDDI = 10,
    LINK_RAW_DLT = 12, /* DLT_RAW on most platforms */
    LINK_RAW_DLT_BSD = 14,
    LINK_PPP_HDLC = 50, /* PPP in HDLC-like framing, or Cisco HDLC */
    LINK_RAW = 101,     /* LINKTYPE_RAW */
    LINK_C_HDLC = 104,  /* Cisco HDLC (RFC 1547 4.3.1) */
    LINK_IEEE802_11 = 105,
    LINK_LOOP = 108, /* OpenBSD loopback, network-order family */
    LINK_LINUX_SLL = 113,
    LINK_IEEE802_11_RADIOTAP = 127,
    LINK_PPI = 192,
    LINK_IPV4 = 228,
    LINK_IPV6 = 229,
    LINK_NFLOG = 239, /* Linux netfilter NFLOG */
    LINK_LINUX_SLL2 = 276,
};

enum {
    TCP_FLAG_FIN = 0x01,
    TCP_FLAG_SYN = 0x02,
    TCP_FLAG_RST = 0x04,
    TCP_FLAG_PSH = 0x08,
    TCP_FLAG_ACK = 0x10,
    TCP_FLAG_URG = 0x20,
    TCP_FLAG_ECE = 0x40,
    TCP_FLAG_CWR = 0x80,
};

#define TCP_HEADER_MIN_LEN 20u

/* Outcome of a checksum check. */
enum csum_result {
    CSUM_UNVERIFIED = 0, /* not captured whole, or checking disabled */
    CSUM_OK,
    CSUM_BAD,     /* wrong, and not the offload pattern below */
    CSUM_PARTIAL, /* wrong, but equal to the pseudo-header partial sum:
                     transmit checksum offload on the sending host */
};

struct tcp_options {
    uint16_t mss;  /* 0 if absent */
    int8_t wscale; /* -1 if absent; the raw shift count, not clamped */
    bool sack_permitted;
    bool has_timestamp;
    uint32_t ts_val;
    uint32_t ts_ecr;
    bool malformed; /* an option ran past the header; parsing stopped */
};

struct tcp_segment {
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;   /* TCP_FLAG_* */
    uint16_t window; /* raw, unscaled */
    uint16_t checksum;
    uint16_t urgent;
    struct tcp_options opt;
    struct cursor payload; /* captured payload bytes only (may be short) */
};

/*
 * An IP fragment, as decode_packet() found it on TV_DECODE_FRAGMENT; not
 * set (not even cleared) for other statuses, so that whole packets pay
 * nothing for it. ip_reassembly.c puts fragments together.
 */
struct ip_fragment {
    uint32_t id;          /* IPv4 identification, or the IPv6 fragment header's */
    uint32_t offset;      /* of the data in the original datagram, bytes */
    uint32_t data_len;    /* the data's length as the headers claim it */
    uint8_t protocol;     /* the upper-layer protocol of the datagram */
    bool more_fragments;  /* MF / M flag */
    struct cursor header; /* IPv4: its header; IPv6: the fixed header through the
                             end of the fragment header */
    struct cursor data;   /* the data as captured (may be short of data_len) */
};

struct packet {
    uint8_t family;       /* 4 or 6 */
    uint8_t src_addr[16]; /* IPv4 in the first 4 bytes, rest zero */
    uint8_t dst_addr[16];
    uint8_t ttl;          /* hop limit for IPv6 */
    uint8_t tos;          /* IPv4 type of service, IPv6 traffic class: DSCP and ECN */
    uint16_t ip_id;       /* IPv4 identification, 0 for IPv6 */
    bool ip_len_zero;     /* IPv4 total length 0 (TSO / BIG TCP): length taken from the capture */
    uint32_t ip_len;      /* IP datagram length in effect: header + payload, without link padding */
    uint32_t l2_len;      /* bytes before the IP header in the frame (link + tags + tunnels) */
    uint8_t tunnel_depth; /* encapsulations removed whose headers hold lengths (IP
                             tunnels, PPPoE, 802.3): a frame rebuilt from the
                             fragments inside them cannot keep those headers */
    enum csum_result ip_csum; /* IPv4 header checksum */
    enum csum_result tcp_csum;
    uint32_t payload_len; /* TCP payload by the IP length: what the sender sent */
    bool truncated;       /* capture cut the packet (snap length) */
    struct tcp_segment tcp;
    /* NFLOG: the group that logged the packet and the prefix its rule
     * gave (without the NUL; empty when none); has_log otherwise false. */
    bool has_log;
    uint16_t log_group;
    struct cursor log_prefix;
    uint16_t location_id;    /* the analyzer's number for `location`; 0 from the decoder */
    uint8_t location_flips;  /* the analyzer's: tunnels whose src is the higher address */
    struct ip_fragment frag; /* not cleared: see struct ip_fragment */
    /* Where the packet was found. Of the decoder's clearing only the
     * counts, so that packets in no VLAN and no tunnel pay nothing. */
    struct tv_location location;
};

/*
 * Decodes one captured frame. caplen bytes are available at data; wirelen
 * is the original length. On TV_DECODE_OK, out describes a TCP segment.
 * On other statuses, out's fields are unspecified.
 */
enum tv_decode_status decode_packet(int linktype, const uint8_t *data, uint32_t caplen,
                                    uint32_t wirelen, bool verify_checksums, struct packet *out);

/* The same with checksums verified, given frame_sum = csum_add(0, data,
 * caplen) computed beforehand (by another thread): the TCP checksum then
 * costs a sum of the headers around the segment, not of its payload. */
enum tv_decode_status decode_packet_summed(int linktype, const uint8_t *data, uint32_t caplen,
                                           uint32_t wirelen, uint32_t frame_sum,
                                           struct packet *out);

/* Decodes a TCP header and options from c (positioned at the TCP header).
 * Used by decode_packet; exposed for tests. */
enum tv_decode_status decode_tcp(struct cursor *c, struct tcp_segment *seg);

/* Ones'-complement sum helpers, exposed for tests. Result is folded to 16 bits. */
uint32_t csum_add(uint32_t sum, const uint8_t *data, uint32_t len);
uint16_t csum_fold(uint32_t sum);
/* The folded sum of data[off, off + span_len) derived from total, the sum
 * of data[0, len); may be 0x0000 where a direct sum folds to 0xffff. */
uint16_t csum_span(uint32_t total, const uint8_t *data, uint32_t len, uint32_t off,
                   uint32_t span_len);

#endif
