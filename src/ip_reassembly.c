/*
 * IP fragment reassembly, as the Linux stack does it (net/ipv4/ip_fragment.c,
 * net/ipv6/reassembly.c and their shared net/ipv4/inet_fragment.c):
 *
 *  - A datagram is keyed by family, addresses, identification and protocol.
 *    Its time runs from its first fragment and is not extended by later
 *    ones (net.ipv4.ipfrag_time, 30 s).
 *  - Overlaps: since 2018 (Linux 4.19, "ip: discard IPv4 datagrams with
 *    overlapping segments") IPv4 follows what RFC 5722 4 (with erratum
 *    3089) requires of IPv6: a fragment that overlaps bytes already held
 *    discards the whole datagram, except a duplicate, one that lies wholly
 *    within a contiguous run of bytes already held, which is dropped alone
 *    (inet_frag_queue_insert(): IPFRAG_DUP and IPFRAG_OVERLAP).
 *  - A last fragment that ends before bytes already held, a second last
 *    fragment with another end, a fragment past a known end, an empty one
 *    and a datagram past 65,535 bytes discard the datagram (ip_frag_queue()).
 *    A non-last IPv4 fragment is cut to a multiple of 8 bytes; a non-last
 *    IPv6 fragment that is not one is dropped (RFC 8200 4.5), and so is a
 *    first IPv6 fragment that does not hold the whole TCP header (RFC 8200
 *    4.5, RFC 7112). Atomic IPv6 fragments never come here: decode treats
 *    them as whole packets (RFC 6946).
 *
 * The datagram is rebuilt behind the first fragment's link bytes, with the
 * first fragment's IP header: IPv4 with a new total length, no fragment
 * bits and a correct checksum; IPv6 with a new payload length and its
 * fragment header turned atomic (offset 0, M clear), which the decoder
 * reads as a whole packet. Bytes a fragment's capture cut off are missing
 * from the frame's end, as in any cut capture.
 *
 * Memory: every byte held (records, data, headers, run lists) counts
 * against the memcap; reaching it drops the oldest datagrams first. Only
 * fragments allocate; whole packets never reach this module.
 */
#include "ip_reassembly.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define BUCKETS_MIN     1024u  /* a power of two */
#define DATAGRAM_MAX    65535u /* IPv4 total length, IPv6 payload length */
#define IPV6_FIXED_LEN  40u
#define TCP_HEADER_LEN  20u
#define IPPROTO_NUM_TCP 6u

/* A contiguous span of data bytes held, [start, end). */
struct frag_run {
    uint32_t start;
    uint32_t end;
};

struct datagram {
    struct datagram *bucket_next;
    struct datagram *older; /* age list: oldest first */
    struct datagram *newer;
    uint32_t hash;
    struct ip_frag_key key;
    int64_t first_us;
    uint32_t total_len; /* data length, known once the last fragment came */
    bool has_last;
    bool has_first;
    bool has_bad_ip_csum;
    bool has_ports;
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t cut_at; /* lowest data offset a capture cut off, or UINT32_MAX */
    uint32_t fragment_count;
    uint8_t location_flips; /* of the fragments: key.location's tunnels the other way round */
    int linktype;
    uint8_t *head; /* owned: link bytes and IP header of the first fragment */
    uint32_t head_len;
    uint32_t link_len; /* link bytes at the start of head */
    uint8_t *data;     /* owned: data bytes by offset */
    uint32_t data_cap;
    struct frag_run *runs; /* owned: sorted, disjoint, not adjacent */
    uint32_t run_count;
    uint32_t run_cap;
    size_t mem; /* bytes charged to the memcap */
};

struct ip_reassembly {
    size_t memcap;
    int64_t timeout_us;
    size_t mem;
    size_t pending;
    struct datagram **buckets; /* owned, bucket_mask + 1 chains */
    uint32_t bucket_mask;
    struct siphash_key hash_key;
    struct datagram *oldest;
    struct datagram *newest;
    uint8_t *out; /* owned: the last frame handed out */
    size_t out_cap;
    struct ip_reassembly_stats stats;
};

struct ip_reassembly *ip_reassembly_create(size_t memcap, int64_t timeout_us,
                                           const struct siphash_key *hash_key)
{
    if (memcap == 0 || timeout_us <= 0)
        return NULL;
    struct ip_reassembly *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->memcap = memcap;
    r->timeout_us = timeout_us;
    r->hash_key = *hash_key;
    /* A bucket for every datagram the memcap can hold (each is charged at
     * least its struct), so chains stay short however many are pending;
     * calloc leaves the pages of unused buckets untouched. */
    size_t buckets = BUCKETS_MIN;
    while (buckets < memcap / sizeof(struct datagram) && buckets < (SIZE_MAX >> 4) &&
           buckets <= UINT32_MAX / 2)
        buckets <<= 1;
    r->bucket_mask = (uint32_t)(buckets - 1);
    r->buckets = calloc(buckets, sizeof(*r->buckets));
    if (r->buckets == NULL) {
        ip_reassembly_destroy(r);
        return NULL;
    }
    return r;
}

static void datagram_free(struct datagram *g)
{
    free(g->head);
    free(g->data);
    free(g->runs);
    free(g);
}

void ip_reassembly_destroy(struct ip_reassembly *r)
{
    if (r == NULL)
        return;
    struct datagram *next;
    for (struct datagram *g = r->oldest; g != NULL; g = next) {
        next = g->newer;
        datagram_free(g);
    }
    free(r->out);
    free(r->buckets);
    free(r);
}

void ip_frag_key_of(const struct packet *p, struct ip_frag_key *key)
{
    memset(key, 0, sizeof(*key));
    memcpy(key->src, p->src_addr, 16);
    memcpy(key->dst, p->dst_addr, 16);
    key->id = p->frag.id;
    key->family = p->family;
    key->protocol = p->frag.protocol;
    key->location = p->location_id;
}

bool ip_frag_key_eq(const struct ip_frag_key *a, const struct ip_frag_key *b)
{
    return a->id == b->id && a->family == b->family && a->protocol == b->protocol &&
           a->location == b->location && memcmp(a->src, b->src, 16) == 0 &&
           memcmp(a->dst, b->dst, 16) == 0;
}

/* FNV-1a, unkeyed, for the pipeline's direct-mapped fragment routes,
 * where a collision only sends a fragment to the first worker. */
uint32_t ip_frag_key_hash(const struct ip_frag_key *key)
{
    uint32_t h = 2166136261u;
    const uint8_t fixed[8] = {key->family,
                              key->protocol,
                              (uint8_t)(key->id >> 24),
                              (uint8_t)(key->id >> 16),
                              (uint8_t)(key->id >> 8),
                              (uint8_t)key->id,
                              (uint8_t)(key->location >> 8),
                              (uint8_t)key->location};
    for (size_t i = 0; i < sizeof(fixed); i++)
        h = (h ^ fixed[i]) * 16777619u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ key->src[i]) * 16777619u;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ key->dst[i]) * 16777619u;
    return h;
}

/* The datagram table's hash: SipHash-1-3 under the analyzer's key, so
 * that nobody who does not know it can make fragments of many datagrams
 * share a chain. */
static uint32_t datagram_hash(const struct ip_reassembly *r, const struct ip_frag_key *key)
{
    uint8_t msg[sizeof(key->src) + sizeof(key->dst) + 6];
    memcpy(msg, key->src, sizeof(key->src));
    memcpy(msg + 16, key->dst, sizeof(key->dst));
    msg[32] = (uint8_t)key->id;
    msg[33] = (uint8_t)(key->id >> 8);
    msg[34] = (uint8_t)(key->id >> 16);
    msg[35] = (uint8_t)(key->id >> 24);
    msg[36] = key->family;
    msg[37] = key->protocol;
    return (uint32_t)siphash13(&r->hash_key, msg, sizeof(msg));
}

static struct datagram *find(struct ip_reassembly *r, const struct ip_frag_key *key, uint32_t hash)
{
    for (struct datagram *g = r->buckets[hash & r->bucket_mask]; g != NULL; g = g->bucket_next)
        if (g->hash == hash && ip_frag_key_eq(&g->key, key))
            return g;
    return NULL;
}

/* Unlinks and frees g; the caller has counted why. */
static void drop(struct ip_reassembly *r, struct datagram *g)
{
    struct datagram **link = &r->buckets[g->hash & r->bucket_mask];
    while (*link != g)
        link = &(*link)->bucket_next;
    *link = g->bucket_next;
    if (g->older != NULL)
        g->older->newer = g->newer;
    else
        r->oldest = g->newer;
    if (g->newer != NULL)
        g->newer->older = g->older;
    else
        r->newest = g->older;
    r->mem -= g->mem;
    r->pending--;
    datagram_free(g);
}

/* Makes room for `extra` more bytes by dropping the oldest datagrams other
 * than keep; false if even that is not enough. */
static bool make_room(struct ip_reassembly *r, struct datagram *keep, size_t extra)
{
    while (r->mem + extra > r->memcap) {
        struct datagram *victim = r->oldest;
        if (victim != NULL && victim == keep)
            victim = victim->newer;
        if (victim == NULL)
            return false;
        r->stats.memcap_drops++;
        drop(r, victim);
    }
    return true;
}

/* Grows an owned buffer, charging the growth. */
static bool grow(struct ip_reassembly *r, struct datagram *g, void **buf, size_t old_len,
                 size_t new_len)
{
    if (new_len <= old_len)
        return true;
    if (!make_room(r, g, new_len - old_len))
        return false;
    void *bigger = realloc(*buf, new_len);
    if (bigger == NULL)
        return false;
    *buf = bigger;
    r->mem += new_len - old_len;
    g->mem += new_len - old_len;
    return true;
}

static struct datagram *create(struct ip_reassembly *r, const struct ip_frag_key *key,
                               uint32_t hash, int64_t ts_us)
{
    if (!make_room(r, NULL, sizeof(struct datagram)))
        return NULL;
    struct datagram *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->hash = hash;
    g->key = *key;
    g->first_us = ts_us;
    g->cut_at = UINT32_MAX;
    g->mem = sizeof(*g);
    r->mem += g->mem;
    r->pending++;
    struct datagram **bucket = &r->buckets[hash & r->bucket_mask];
    g->bucket_next = *bucket;
    *bucket = g;
    g->older = r->newest;
    if (r->newest != NULL)
        r->newest->newer = g;
    else
        r->oldest = g;
    r->newest = g;
    return g;
}

void ip_reassembly_expire(struct ip_reassembly *r, int64_t now_us)
{
    while (r->oldest != NULL && now_us - r->oldest->first_us > r->timeout_us) {
        r->stats.timed_out++;
        drop(r, r->oldest);
    }
}

void ip_reassembly_finish(struct ip_reassembly *r)
{
    while (r->oldest != NULL) {
        r->stats.incomplete++;
        drop(r, r->oldest);
    }
}

size_t ip_reassembly_pending(const struct ip_reassembly *r)
{
    return r->pending;
}

size_t ip_reassembly_mem(const struct ip_reassembly *r)
{
    return r->mem;
}

const struct ip_reassembly_stats *ip_reassembly_stats(const struct ip_reassembly *r)
{
    return &r->stats;
}

/* Where [start, end) goes among g's runs, Linux's way: fits a gap (OK),
 * lies wholly within one run (a duplicate), or meets held bytes otherwise
 * (an overlap). Runs that merely touch it are not overlaps. */
static enum ip_reassembly_result place(const struct datagram *g, uint32_t start, uint32_t end)
{
    for (uint32_t i = 0; i < g->run_count; i++) {
        const struct frag_run *run = &g->runs[i];
        if (end <= run->start || start >= run->end)
            continue;
        if (start >= run->start && end <= run->end)
            return IP_REASSEMBLY_DUPLICATE;
        return IP_REASSEMBLY_OVERLAP;
    }
    return IP_REASSEMBLY_PENDING;
}

/* Adds [start, end), known to meet no run, merging the runs it touches. */
static bool add_run(struct ip_reassembly *r, struct datagram *g, uint32_t start, uint32_t end)
{
    uint32_t i = 0;
    while (i < g->run_count && g->runs[i].end < start)
        i++;
    bool joins_prev = i < g->run_count && g->runs[i].end == start;
    uint32_t next = joins_prev ? i + 1 : i;
    bool joins_next = next < g->run_count && g->runs[next].start == end;
    if (joins_prev && joins_next) {
        g->runs[i].end = g->runs[next].end;
        memmove(&g->runs[next], &g->runs[next + 1], (g->run_count - next - 1) * sizeof(*g->runs));
        g->run_count--;
        return true;
    }
    if (joins_prev) {
        g->runs[i].end = end;
        return true;
    }
    if (joins_next) {
        g->runs[next].start = start;
        return true;
    }
    if (g->run_count == g->run_cap) {
        uint32_t cap = g->run_cap ? g->run_cap * 2 : 4;
        void *runs = g->runs;
        if (!grow(r, g, &runs, g->run_cap * sizeof(*g->runs), cap * sizeof(*g->runs)))
            return false;
        g->runs = runs;
        g->run_cap = cap;
    }
    memmove(&g->runs[i + 1], &g->runs[i], (g->run_count - i) * sizeof(*g->runs));
    g->runs[i] = (struct frag_run){start, end};
    g->run_count++;
    return true;
}

/* The first fragment's link bytes and IP header, the head of the frame to
 * be rebuilt. Link bytes are kept only without tunnels, whose outer
 * lengths would no longer fit the datagram. */
static bool keep_head(struct ip_reassembly *r, struct datagram *g, const struct packet *p,
                      int linktype, const uint8_t *frame)
{
    uint32_t link_len = p->tunnel_depth == 0 ? p->l2_len : 0;
    uint32_t header_len = (uint32_t)cursor_remaining(&p->frag.header);
    void *head = g->head;
    if (!grow(r, g, &head, g->head_len, (size_t)link_len + header_len))
        return false;
    g->head = head;
    if (link_len > 0)
        memcpy(g->head, frame, link_len);
    memcpy(g->head + link_len, cursor_ptr(&p->frag.header), header_len);
    g->head_len = link_len + header_len;
    g->link_len = link_len;
    if (link_len > 0)
        g->linktype = linktype;
    else
        g->linktype = p->family == 6 ? LINK_IPV6 : LINK_IPV4;
    g->has_first = true;
    if (p->frag.protocol == IPPROTO_NUM_TCP && cursor_remaining(&p->frag.data) >= 4) {
        struct cursor ports = p->frag.data;
        g->src_port = cursor_be16(&ports);
        g->dst_port = cursor_be16(&ports);
        g->has_ports = true;
    }
    return true;
}

static void put_be16(uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

/* Rebuilds the whole frame into r->out. */
static bool rebuild(struct ip_reassembly *r, const struct datagram *g, struct ip_datagram *out)
{
    size_t len = (size_t)g->head_len + g->total_len;
    if (len > r->out_cap) {
        uint8_t *bigger = realloc(r->out, len);
        if (bigger == NULL)
            return false;
        r->out = bigger;
        r->out_cap = len;
    }
    memcpy(r->out, g->head, g->head_len);
    memcpy(r->out + g->head_len, g->data, g->total_len);
    uint8_t *ip = r->out + g->link_len;
    uint32_t header_len = g->head_len - g->link_len;
    if (g->key.family == 4) {
        put_be16(ip + 2, header_len + g->total_len);
        put_be16(ip + 6, 0); /* no fragment bits: DF was clear anyway */
        put_be16(ip + 10, 0);
        uint16_t sum = csum_fold(csum_add(0, ip, header_len));
        put_be16(ip + 10, (uint16_t)~sum);
    } else {
        put_be16(ip + 4, header_len - IPV6_FIXED_LEN + g->total_len);
        put_be16(ip + header_len - 6, 0); /* the fragment header: atomic now */
    }
    uint32_t captured = g->cut_at < g->total_len ? g->cut_at : g->total_len;
    *out = (struct ip_datagram){
        .linktype = g->linktype,
        .frame = r->out,
        .caplen = g->head_len + captured,
        .wirelen = (uint32_t)len,
        .fragment_count = g->fragment_count,
        .location_id = g->key.location,
        .location_flips = g->location_flips,
        .has_link_bytes = g->link_len > 0,
        .has_bad_ip_csum = g->has_bad_ip_csum,
    };
    return true;
}

/* Checks a fragment's span against what its datagram already knows, as
 * ip_frag_queue() / ip6_frag_queue() do. Returns PENDING if it may be
 * placed, with *end possibly cut to a multiple of 8; MALFORMED(fragment
 * alone) is told apart by *drop_datagram. */
static enum ip_reassembly_result check_span(const struct datagram *g, const struct packet *p,
                                            uint32_t offset, uint32_t *end, bool *drop_datagram)
{
    *drop_datagram = true;
    uint32_t limit = DATAGRAM_MAX;
    if (p->family == 4)
        limit -= (uint32_t)cursor_remaining(&p->frag.header);
    if (*end > limit)
        return IP_REASSEMBLY_MALFORMED;
    if (!p->frag.more_fragments) {
        uint32_t held_end = g->run_count ? g->runs[g->run_count - 1].end : 0;
        if (*end < held_end || (g->has_last && *end != g->total_len))
            return IP_REASSEMBLY_MALFORMED;
    } else {
        if (*end & 7u) {
            if (p->family == 6) {
                *drop_datagram = false;
                return IP_REASSEMBLY_MALFORMED;
            }
            *end &= ~7u;
        }
        if (g->has_last && *end > g->total_len)
            return IP_REASSEMBLY_MALFORMED;
    }
    if (*end == offset)
        return IP_REASSEMBLY_MALFORMED;
    return IP_REASSEMBLY_PENDING;
}

enum ip_reassembly_result ip_reassembly_add(struct ip_reassembly *r, const struct packet *p,
                                            int linktype, const uint8_t *frame, int64_t ts_us,
                                            struct ip_datagram *out)
{
    r->stats.fragments++;
    ip_reassembly_expire(r, ts_us);
    const struct ip_fragment *fr = &p->frag;
    if (fr->data_len > DATAGRAM_MAX) {
        r->stats.malformed++; /* no fragment is that long */
        return IP_REASSEMBLY_MALFORMED;
    }
    uint32_t offset = fr->offset;
    uint32_t end = offset + fr->data_len; /* both below 2^17: no overflow */

    if (p->family == 6 && offset == 0 && fr->protocol == IPPROTO_NUM_TCP &&
        fr->data_len < TCP_HEADER_LEN) {
        r->stats.malformed++; /* RFC 8200 4.5: the first fragment is dropped */
        return IP_REASSEMBLY_MALFORMED;
    }

    struct ip_frag_key key;
    ip_frag_key_of(p, &key);
    uint32_t hash = datagram_hash(r, &key);
    struct datagram *g = find(r, &key, hash);
    bool is_new = g == NULL;
    if (is_new) {
        g = create(r, &key, hash, ts_us);
        if (g == NULL) {
            r->stats.memcap_drops++;
            return IP_REASSEMBLY_MEMCAP;
        }
        g->location_flips = p->location_flips;
    }

    bool drop_datagram;
    enum ip_reassembly_result result = check_span(g, p, offset, &end, &drop_datagram);
    if (result == IP_REASSEMBLY_PENDING)
        result = place(g, offset, end);
    if (result == IP_REASSEMBLY_DUPLICATE) {
        r->stats.duplicates++;
        return result;
    }
    if (result != IP_REASSEMBLY_PENDING) {
        if (result == IP_REASSEMBLY_OVERLAP) {
            r->stats.overlaps++;
            *out = (struct ip_datagram){
                .has_ports = g->has_ports,
                .src_port = g->src_port,
                .dst_port = g->dst_port,
                .fragment_count = g->fragment_count + 1,
            };
        } else {
            r->stats.malformed++;
        }
        if (drop_datagram || is_new)
            drop(r, g);
        return result;
    }

    /* Room for the bytes, then the bytes: captured ones copied, the rest
     * (cut by the snap length) left as zeros and remembered. */
    void *data = g->data;
    uint32_t cap = end > g->data_cap ? (end + 1023u) & ~1023u : g->data_cap;
    if (!grow(r, g, &data, g->data_cap, cap) ||
        (offset == 0 && !keep_head(r, g, p, linktype, frame))) {
        r->stats.memcap_drops++;
        drop(r, g);
        return IP_REASSEMBLY_MEMCAP;
    }
    g->data = data;
    if (cap > g->data_cap)
        memset(g->data + g->data_cap, 0, cap - g->data_cap);
    g->data_cap = cap;
    uint32_t captured = (uint32_t)cursor_remaining(&fr->data);
    if (captured > end - offset)
        captured = end - offset;
    memcpy(g->data + offset, cursor_ptr(&fr->data), captured);
    if (captured < end - offset && offset + captured < g->cut_at)
        g->cut_at = offset + captured;
    if (!add_run(r, g, offset, end)) {
        r->stats.memcap_drops++;
        drop(r, g);
        return IP_REASSEMBLY_MEMCAP;
    }
    g->fragment_count++;
    if (p->ip_csum == CSUM_BAD)
        g->has_bad_ip_csum = true;
    if (!fr->more_fragments) {
        g->has_last = true;
        g->total_len = end;
    }

    if (!g->has_last || !g->has_first || g->run_count != 1 || g->runs[0].start != 0 ||
        g->runs[0].end != g->total_len)
        return IP_REASSEMBLY_PENDING;
    /* ip_frag_reasm() / ip6_frag_reasm(): the whole must fit its length
     * field (here with the IPv6 fragment header kept). */
    uint32_t header_len = g->head_len - g->link_len;
    uint32_t length_field =
        g->key.family == 4 ? header_len + g->total_len : header_len - IPV6_FIXED_LEN + g->total_len;
    if (length_field > DATAGRAM_MAX) {
        r->stats.malformed++;
        drop(r, g);
        return IP_REASSEMBLY_MALFORMED;
    }
    if (!rebuild(r, g, out)) {
        r->stats.memcap_drops++;
        drop(r, g);
        return IP_REASSEMBLY_MEMCAP;
    }
    r->stats.reassembled++;
    drop(r, g);
    return IP_REASSEMBLY_DONE;
}
