/*
 * Flow key: the canonical bidirectional 5-tuple of a TCP packet, and where
 * it was found (the packet's location id, set by the analyzer). Both
 * directions of a connection map to the same key; `flow_key_from_packet`
 * also says which side of the key sent the packet.
 */
#ifndef TV_FLOW_KEY_H
#define TV_FLOW_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "siphash.h"

/* Side 0 is the lower (address, port) pair, side 1 the higher. The same
 * addresses and ports in another VLAN or tunnel are another flow. */
struct flow_key {
    uint8_t addr[2][16];
    uint16_t port[2];
    uint16_t location; /* location_table.h's id of where it was found, 0 for none */
    uint8_t family;    /* 4 or 6 */
};

/* Fills key from p; returns the side (0 or 1) that sent p. */
int flow_key_from_packet(const struct packet *p, struct flow_key *key);

bool flow_key_equal(const struct flow_key *a, const struct flow_key *b);

/* Keyed hash of the key (SipHash-1-3); both directions of a flow hash
 * alike by construction. Tables take buckets from the low bits, the
 * pipeline a worker from the high ones (flow_key_shard), so that each
 * worker's table still uses all of its buckets. */
uint64_t flow_key_hash(const struct flow_key *key, const struct siphash_key *hash_key);

/* One of n shards for a hash, from its high 32 bits: a multiply and a
 * shift rather than a modulo. */
static inline uint32_t flow_key_shard(uint64_t hash, uint32_t n)
{
    return (uint32_t)((hash >> 32) * n >> 32);
}

/* Formats an address of the key's family into buf (at least 46 bytes). */
void flow_key_addr_str(uint8_t family, const uint8_t addr[16], char *buf, unsigned buf_len);

#endif
