/*
 * IP fragment reassembly, IPv4 and IPv6: fragments in (as decode found
 * them), whole datagrams out, rebuilt as frames the decoder reads like any
 * other. Knows nothing of TCP or flows; the analyzer owns one and hands it
 * only fragments, so that whole packets never reach it.
 *
 * Memory is bounded by a memcap, time by a timeout in packet time, and
 * overlaps are resolved as the Linux stack resolves them (see the .c).
 */
#ifndef TV_IP_REASSEMBLY_H
#define TV_IP_REASSEMBLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "siphash.h"

/* Linux's defaults: net.ipv4.ipfrag_high_thresh (4 MiB) and
 * net.ipv4.ipfrag_time (30 s). */
#define IP_REASSEMBLY_MEMCAP_DEFAULT     ((size_t)4 << 20)
#define IP_REASSEMBLY_TIMEOUT_US_DEFAULT (INT64_C(30) * 1000000)

/* What names the fragments of one datagram: addresses, identification and
 * protocol (RFC 791 3.2, RFC 8200 4.5), as Linux keys its queues, and
 * where they were found (the packet's location id), since the same
 * addresses in two tunnels are two senders. */
struct ip_frag_key {
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t id;
    uint16_t location;
    uint8_t family;
    uint8_t protocol;
};

/* The key of fragment p (decoded with TV_DECODE_FRAGMENT). */
void ip_frag_key_of(const struct packet *p, struct ip_frag_key *key);
bool ip_frag_key_eq(const struct ip_frag_key *a, const struct ip_frag_key *b);
uint32_t ip_frag_key_hash(const struct ip_frag_key *key);

struct ip_reassembly_stats {
    uint64_t fragments;    /* fragments offered */
    uint64_t reassembled;  /* datagrams completed */
    uint64_t timed_out;    /* datagrams still incomplete when their time ran out */
    uint64_t memcap_drops; /* datagrams dropped to stay within the memcap */
    uint64_t overlaps;     /* datagrams discarded because fragments overlapped */
    uint64_t duplicates;   /* fragments that only repeated bytes already held */
    uint64_t malformed;    /* fragments or datagrams discarded as inconsistent */
    uint64_t incomplete;   /* datagrams still incomplete at the end of input */
};

enum ip_reassembly_result {
    IP_REASSEMBLY_PENDING = 0, /* kept; the datagram is not complete yet */
    IP_REASSEMBLY_DONE,        /* the datagram is complete: see struct ip_datagram */
    IP_REASSEMBLY_DUPLICATE,   /* nothing new: dropped, the datagram kept */
    IP_REASSEMBLY_OVERLAP,     /* the datagram was discarded */
    IP_REASSEMBLY_MALFORMED,   /* the fragment, or its whole datagram, was discarded */
    IP_REASSEMBLY_MEMCAP,      /* no room: the fragment's datagram was dropped */
};

/* What ip_reassembly_add() tells about the datagram it finished or
 * discarded. The frame is valid until the next call. */
struct ip_datagram {
    int linktype;            /* of frame */
    const uint8_t *frame;    /* link bytes of the first fragment, then the datagram */
    uint32_t caplen;         /* bytes of frame (short where fragments were cut) */
    uint32_t wirelen;        /* the frame's whole length */
    uint32_t fragment_count; /* fragments that made it */
    uint16_t location_id;    /* the fragments' location id and flips (struct packet), which
                                the frame no longer shows when they were in a tunnel */
    uint8_t location_flips;
    bool has_link_bytes;  /* frame begins with the first fragment's link bytes */
    bool has_bad_ip_csum; /* an IPv4 fragment's header checksum was wrong */
    /* With IP_REASSEMBLY_OVERLAP: the TCP ports of the first fragment,
     * when it had come and carried them. */
    bool has_ports;
    uint16_t src_port;
    uint16_t dst_port;
};

struct ip_reassembly;

/* NULL when memory is short, or memcap or timeout_us is 0. Datagrams are
 * found by a hash keyed by hash_key, in a bucket for every datagram the
 * memcap can hold. */
struct ip_reassembly *ip_reassembly_create(size_t memcap, int64_t timeout_us,
                                           const struct siphash_key *hash_key);
void ip_reassembly_destroy(struct ip_reassembly *r);

/*
 * Takes one fragment: p as decode_packet() left it on TV_DECODE_FRAGMENT,
 * from a frame of the given link type. Datagrams older than the timeout
 * are given up first. On IP_REASSEMBLY_DONE and IP_REASSEMBLY_OVERLAP, out
 * says more.
 */
enum ip_reassembly_result ip_reassembly_add(struct ip_reassembly *r, const struct packet *p,
                                            int linktype, const uint8_t *frame, int64_t ts_us,
                                            struct ip_datagram *out);

/* Gives up the datagrams whose time ran out by now_us. */
void ip_reassembly_expire(struct ip_reassembly *r, int64_t now_us);

/* End of input: what is still incomplete is counted and freed. */
void ip_reassembly_finish(struct ip_reassembly *r);

/* Datagrams in progress, and the bytes they hold (as the memcap counts). */
size_t ip_reassembly_pending(const struct ip_reassembly *r);
size_t ip_reassembly_mem(const struct ip_reassembly *r);

const struct ip_reassembly_stats *ip_reassembly_stats(const struct ip_reassembly *r);

#endif
