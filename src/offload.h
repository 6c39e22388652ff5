/*
 * Offload attribution (shared/design/offloads.md): a capture taken on an
 * end host shows packets as the host's stack handed them to the NIC or got
 * them from it. Bad checksums equal to the pseudo-header partial sum are
 * the sending host's transmit checksum offload; segments above the MSS are
 * segmentation offload on the sender (TSO/GSO) or coalescing on the
 * receiver (GRO/LRO). Which one depends on where the capture was taken,
 * which the user may state and which is otherwise inferred: the host whose
 * packets the capture file marks as sent on its interface (pcapng
 * epb_flags, outbound), else the host whose sent packets carry partial
 * sums, is the capture host.
 *
 * The capture file may also say outright what the NIC was left to do: a
 * checksum "not ready" is the transmit offload's, never damage; one the
 * NIC found "valid" is good; "segmentation offloaded" is TSO.
 *
 * Keeps a small bounded table of hosts seen sending partial sums or
 * marked as senders; decides nothing about flows.
 */
#ifndef TV_OFFLOAD_H
#define TV_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "tcpverdict.h"

#define OFFLOAD_HOSTS_CAP 8

struct offload_host {
    uint8_t family;
    uint8_t addr[16];
    uint64_t partial_pkts;   /* packets sent with a partial-sum checksum */
    uint64_t direction_pkts; /* packets the capture file marks as sent by it */
};

struct offload {
    struct offload_host hosts[OFFLOAD_HOSTS_CAP];
    unsigned host_count;
    uint64_t untracked_pkts; /* partial sums from hosts beyond the table */
    bool stated;             /* the user said where the capture was taken */
    uint8_t stated_family;
    uint8_t stated_addr[16];
};

enum segment_offload {
    SEGMENT_TSO, /* built by the sender's NIC offload: captured on the sender */
    SEGMENT_GRO, /* coalesced on receipt: captured on the receiver */
};

void offload_init(struct offload *o, const struct tv_config *cfg);

/* Counts a packet from src whose checksum is the partial sum. */
void offload_note_partial(struct offload *o, uint8_t family, const uint8_t src[16]);

/* What the capture file says of a decoded packet (epb_flags): its
 * checksum results as the NIC left them, and, for a packet marked
 * outbound that its sender's stack just made, that its source is the
 * capture host. */
void offload_note_flags(struct offload *o, struct packet *p, uint32_t epb_flags);

/* Is this host the capture host, as stated or as inferred so far? */
bool offload_is_capture_host(const struct offload *o, uint8_t family, const uint8_t addr[16]);

/* Was this TTL (hop limit) set by the packet's sender, not decremented? */
bool offload_ttl_is_initial(uint8_t ttl);

/* Where an oversized segment from src to dst came from; epb_flags are
 * the capture file's word on the packet, which goes first. */
enum segment_offload offload_classify(const struct offload *o, const struct packet *p,
                                      uint32_t epb_flags);

/* The capture host as stated or inferred; false if unknown. */
bool offload_capture_host(const struct offload *o, struct tv_capture_host *out);

#endif
