/*
 * Test helper: builds real frames (Ethernet or another link type, IPv4 or
 * IPv6, TCP with options and payload, correct checksums unless told
 * otherwise) so tests read as "a SYN from A to B", not as hex dumps.
 */
#ifndef TV_PACKET_BUILDER_H
#define TV_PACKET_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct pb_tcp {
    const char *src; /* "10.0.0.1" or "2001:db8::1": the family follows */
    const char *dst;
    uint16_t sport;
    uint16_t dport;
    uint32_t seq;
    uint32_t ack;
    uint8_t flags;   /* TCP_FLAG_* */
    uint16_t window; /* 0 means 65535 unless zero_window */
    bool zero_window;
    const uint8_t *payload; /* NULL with payload_len > 0: filled with 'x' */
    uint32_t payload_len;
    uint16_t mss;    /* 0: no MSS option */
    int wscale;      /* <0: no window scale option (use -1); 0 is a valid shift */
    bool has_wscale; /* set with wscale >= 0 */
    bool sack_permitted;
    bool timestamp;
    uint32_t ts_val;
    uint32_t ts_ecr;
    bool bad_checksum;     /* store a wrong TCP checksum */
    bool partial_checksum; /* store the pseudo-header partial sum (tx offload) */
    bool ip_len_zero;      /* IPv4 total length 0, as TSO captures show */
    uint16_t vlan;         /* 0: untagged; else one 802.1Q tag */
};

/* Builds an Ethernet frame; returns its length, 0 if cap is too small. */
size_t pb_build(const struct pb_tcp *t, uint8_t *buf, size_t cap);

/* Builds the same IP packet behind another link type (LINK_*). */
size_t pb_build_link(int linktype, const struct pb_tcp *t, uint8_t *buf, size_t cap);

/* Cuts bytes [off, off + len) of the IP payload of an untagged Ethernet
 * frame from pb_build() into a fragment, as a sender would: IPv4 with the
 * header copied (new length, fragment field, checksum), IPv6 with a
 * fragment header after the fixed header. Returns its length, 0 if cap is
 * too small. */
size_t pb_fragment(const uint8_t *frame, uint32_t off, uint32_t len, bool more, uint32_t id,
                   uint8_t *buf, size_t cap);

#endif
