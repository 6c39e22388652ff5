/*
 * Throughput floors for bench/run: what reading a capture costs on this
 * machine before any TCP analysis.
 *
 *   floor 1 FILE   pcap_next_ex() in a loop, counting packets
 *   floor 2 FILE   the same, plus each TCP packet's canonical 5-tuple
 *                  hashed into an open-addressing table (Ethernet with
 *                  802.1Q/QinQ tags, raw IP; IPv4 and IPv6 without
 *                  extension headers)
 *
 * Prints the counts so that the work cannot be optimised away. Parsing is
 * deliberately minimal: floor 2 is the least any flow tracker must do.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "banned.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define PROTO_TCP      6
#define LINKTYPE_RAW   101

/* Canonical 5-tuple: side 0 holds the lower (address, port) pair. */
struct key {
    uint8_t addr[2][16];
    uint16_t port[2];
    uint8_t family;
    uint8_t pad[3];
};

struct slot {
    struct key key;
    uint32_t packet_count; /* 0: empty */
};

struct table {
    struct slot *slots; /* owned, mask + 1 */
    size_t mask;
    size_t count;
};

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Multiply-xorshift mix over the key's 8-byte words. */
static uint64_t key_hash(const struct key *k)
{
    const uint8_t *p = (const uint8_t *)k;
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < sizeof(*k); i += 8) {
        h ^= load64(p + i);
        h *= 0xbf58476d1ce4e5b9u;
        h ^= h >> 31;
    }
    return h;
}

static bool table_init(struct table *t, size_t cap)
{
    t->slots = calloc(cap, sizeof(*t->slots));
    t->mask = cap - 1;
    t->count = 0;
    return t->slots != NULL;
}

static struct slot *table_probe(struct table *t, const struct key *k)
{
    size_t i = (size_t)key_hash(k) & t->mask;
    while (t->slots[i].packet_count != 0 && memcmp(&t->slots[i].key, k, sizeof(*k)) != 0)
        i = (i + 1) & t->mask;
    return &t->slots[i];
}

/* Doubles the table once it is half full, so probe runs stay short. */
static bool table_grow(struct table *t)
{
    struct table bigger;
    if (!table_init(&bigger, (t->mask + 1) * 2))
        return false;
    for (size_t i = 0; i <= t->mask; i++) {
        if (t->slots[i].packet_count != 0) {
            *table_probe(&bigger, &t->slots[i].key) = t->slots[i];
            bigger.count++;
        }
    }
    free(t->slots);
    *t = bigger;
    return true;
}

static bool table_count(struct table *t, const struct key *k)
{
    struct slot *s = table_probe(t, k);
    if (s->packet_count == 0) {
        s->key = *k;
        t->count++;
        if (t->count * 2 > t->mask + 1) {
            s->packet_count = 1;
            return table_grow(t);
        }
    }
    s->packet_count++;
    return true;
}

/* Reads the ports after an IP header and orders the two sides. */
static bool key_finish(struct cursor *c, struct key *k, const uint8_t *src, const uint8_t *dst,
                       size_t addr_len)
{
    uint16_t sport = cursor_be16(c);
    uint16_t dport = cursor_be16(c);
    if (c->overrun)
        return false;
    int order = memcmp(src, dst, addr_len);
    bool swap = order > 0 || (order == 0 && sport > dport);
    memcpy(k->addr[swap ? 1 : 0], src, addr_len);
    memcpy(k->addr[swap ? 0 : 1], dst, addr_len);
    k->port[swap ? 1 : 0] = sport;
    k->port[swap ? 0 : 1] = dport;
    return true;
}

static bool key_from_ip(struct cursor *c, struct key *k)
{
    struct cursor peek = *c;
    uint8_t version = cursor_u8(&peek) >> 4;
    if (version == 4) {
        uint8_t ihl = cursor_u8(c) & 0x0f;
        cursor_skip(c, 5);
        uint16_t frag = cursor_be16(c);
        cursor_skip(c, 1);
        uint8_t proto = cursor_u8(c);
        cursor_skip(c, 2);
        uint8_t src[4], dst[4];
        cursor_copy(c, src, 4);
        cursor_copy(c, dst, 4);
        if (c->overrun || ihl < 5 || proto != PROTO_TCP || (frag & 0x1fff) != 0)
            return false;
        cursor_skip(c, (size_t)(ihl - 5) * 4);
        k->family = 4;
        return key_finish(c, k, src, dst, 4);
    }
    if (version == 6) {
        cursor_skip(c, 6);
        uint8_t next = cursor_u8(c);
        cursor_skip(c, 1);
        uint8_t src[16], dst[16];
        cursor_copy(c, src, 16);
        cursor_copy(c, dst, 16);
        if (c->overrun || next != PROTO_TCP)
            return false;
        k->family = 6;
        return key_finish(c, k, src, dst, 16);
    }
    return false;
}

static bool key_from_packet(int linktype, const uint8_t *data, size_t len, struct key *k)
{
    struct cursor c = cursor_make(data, len);
    memset(k, 0, sizeof(*k));
    if (linktype == LINKTYPE_RAW)
        return key_from_ip(&c, k);
    if (linktype != DLT_EN10MB)
        return false;
    cursor_skip(&c, 12);
    uint16_t type = cursor_be16(&c);
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
        cursor_skip(&c, 2);
        type = cursor_be16(&c);
    }
    if (c.overrun || (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6))
        return false;
    return key_from_ip(&c, k);
}

static int usage(void)
{
    fputs("usage: floor 1|2 FILE\n"
          "  1  count packets read with pcap_next_ex()\n"
          "  2  also hash each TCP packet's 5-tuple into an open-addressing table\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "1") != 0 && strcmp(argv[1], "2") != 0))
        return usage();
    bool is_hashing = argv[1][0] == '2';

    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pcap = pcap_open_offline(argv[2], errbuf);
    if (pcap == NULL) {
        fprintf(stderr, "floor: %s\n", errbuf);
        return 1;
    }
    int linktype = pcap_datalink(pcap);

    struct table table = {0};
    if (is_hashing && !table_init(&table, 1u << 16)) {
        fprintf(stderr, "floor: %s\n", strerror(ENOMEM));
        pcap_close(pcap);
        return 1;
    }

    uint64_t packet_count = 0;
    uint64_t tcp_count = 0;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    bool is_ok = true;
    while ((rc = pcap_next_ex(pcap, &hdr, &data)) == 1) {
        packet_count++;
        if (!is_hashing)
            continue;
        struct key k;
        if (key_from_packet(linktype, data, hdr->caplen, &k)) {
            tcp_count++;
            if (!table_count(&table, &k)) {
                fprintf(stderr, "floor: %s\n", strerror(ENOMEM));
                is_ok = false;
                break;
            }
        }
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "floor: %s\n", pcap_geterr(pcap));
        is_ok = false;
    }
    if (is_hashing)
        printf("packets %" PRIu64 " tcp %" PRIu64 " flows %zu\n", packet_count, tcp_count,
               table.count);
    else
        printf("packets %" PRIu64 "\n", packet_count);
    free(table.slots);
    pcap_close(pcap);
    return is_ok ? 0 : 1;
}
