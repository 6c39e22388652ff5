/*
 * Flow key: orders the two (address, port) endpoints of a packet so that
 * both directions of a connection give the same key, and hashes that key.
 * Leaves lookup and collisions to flow_table.c. The hash is keyed
 * (siphash.h), so that nobody without the key can choose keys that land
 * in one bucket or one shard. Invariant: address bytes past the family's
 * length are zero (decode.c guarantees it for IPv4), so keys compare
 * whole.
 */
#include "flow_key.h"

#include <string.h>

#include "platform.h"

#include "banned.h"

/* Compares (address, port) endpoints: addresses bytewise, then ports. */
static int endpoint_cmp(const uint8_t *addr_a, uint16_t port_a, const uint8_t *addr_b,
                        uint16_t port_b)
{
    int c = memcmp(addr_a, addr_b, 16);
    if (c != 0)
        return c;
    return (port_a > port_b) - (port_a < port_b);
}

int flow_key_from_packet(const struct packet *p, struct flow_key *key)
{
    memset(key, 0, sizeof(*key));
    key->family = p->family;
    key->location = p->location_id;
    /* A packet from an endpoint to itself keeps side 0 both ways: there is
     * no other order to tell the directions apart by. */
    int side =
        endpoint_cmp(p->src_addr, p->tcp.src_port, p->dst_addr, p->tcp.dst_port) <= 0 ? 0 : 1;
    memcpy(key->addr[side], p->src_addr, 16);
    key->port[side] = p->tcp.src_port;
    memcpy(key->addr[1 - side], p->dst_addr, 16);
    key->port[1 - side] = p->tcp.dst_port;
    return side;
}

bool flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
    return a->family == b->family && a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
           a->location == b->location && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/*
 * SipHash-1-3 of the key's bytes: family, location and both ports
 * (little-endian), then both addresses, 4 bytes each for IPv4, so an IPv4
 * key is 15 bytes (two words) and an IPv6 key 39. Nothing the hash decides shows in the output
 * (flow ids, verdicts and their order do not depend on buckets or
 * shards), so the key can be secret and different on every run.
 */
uint64_t flow_key_hash(const struct flow_key *key, const struct siphash_key *hash_key)
{
    uint8_t msg[7 + 2 * 16];
    size_t addr_len = key->family == 6 ? 16 : 4;
    msg[0] = key->family;
    msg[1] = (uint8_t)key->location;
    msg[2] = (uint8_t)(key->location >> 8);
    msg[3] = (uint8_t)key->port[0];
    msg[4] = (uint8_t)(key->port[0] >> 8);
    msg[5] = (uint8_t)key->port[1];
    msg[6] = (uint8_t)(key->port[1] >> 8);
    memcpy(msg + 7, key->addr[0], addr_len);
    memcpy(msg + 7 + addr_len, key->addr[1], addr_len);
    return siphash13(hash_key, msg, 7 + 2 * addr_len);
}

void flow_key_addr_str(uint8_t family, const uint8_t addr[16], char *buf, unsigned buf_len)
{
    if (buf_len == 0)
        return;
    int af = family == 6 ? AF_INET6 : AF_INET;
    if (inet_ntop(af, addr, buf, buf_len) == NULL)
        buf[0] = '\0';
}
