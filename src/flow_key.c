/*
 * Flow key: orders the two (address, port) endpoints of a packet so that
 * both directions of a connection give the same key, and hashes that key.
 * Leaves lookup and collisions to flow_table.c. The hash has a fixed seed:
 * the same packets always land in the same buckets and shards, so runs are
 * reproducible. Invariant: address bytes past the family's length are zero
 * (decode.c guarantees it for IPv4), so keys compare and hash whole.
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

/* Eight address bytes as one word, in host order: the hash only has to
 * be the same for the same key on one machine (nothing it decides shows
 * in the output: flow ids, verdicts and their order do not depend on
 * buckets or shards). */
static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* One multiply-xorshift round per word, then the splitmix64 finalizer, so
 * that every input bit reaches the low bits buckets are chosen by. */
static uint64_t mix(uint64_t h, uint64_t word)
{
    h ^= word;
    h *= 0x9e3779b97f4a7c15u;
    return h ^ h >> 29;
}

uint32_t flow_key_hash(const struct flow_key *key)
{
    uint64_t h = 0x243f6a8885a308d3u ^ key->family;
    for (int side = 0; side < 2; side++) {
        h = mix(h, load64(key->addr[side]));
        h = mix(h, load64(key->addr[side] + 8));
    }
    h = mix(h, (uint64_t)key->location << 32 | (uint64_t)key->port[0] << 16 | key->port[1]);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    h ^= h >> 31;
    return (uint32_t)(h ^ h >> 32);
}

void flow_key_addr_str(uint8_t family, const uint8_t addr[16], char *buf, unsigned buf_len)
{
    if (buf_len == 0)
        return;
    int af = family == 6 ? AF_INET6 : AF_INET;
    if (inet_ntop(af, addr, buf, buf_len) == NULL)
        buf[0] = '\0';
}
