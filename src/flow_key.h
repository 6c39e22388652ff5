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

/* Hash of the key; both directions of a flow hash alike by construction. */
uint32_t flow_key_hash(const struct flow_key *key);

/* Formats an address of the key's family into buf (at least 46 bytes). */
void flow_key_addr_str(uint8_t family, const uint8_t addr[16], char *buf, unsigned buf_len);

#endif
