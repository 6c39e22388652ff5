/*
 * Flow table: fixed-capacity map from canonical 5-tuple to struct flow.
 * Does not interpret TCP; tcp_state.c does. Never allocates after
 * creation. Invariant: every live flow is in exactly one bucket chain and
 * on exactly one time-out list, oldest first; free slots are on the free
 * chain (through the hash link, with the previous-on-list link FLOW_FREE)
 * or at or above high_water. While draining, the hash links chain the
 * live flows in flow id order instead, and the buckets are no longer kept.
 *
 * Slots are indices, not pointers, and links take 28 bits each, so the
 * three links and the cold record's index fit in 14 bytes. Memory is
 * reserved with calloc, so pages are touched only as the table fills.
 *
 * Buckets are chosen by a keyed hash (flow_key.c), and a chain never grows
 * past FLOW_CHAIN_CAP flows: the flow that would make it longer turns the
 * bucket into a balanced search tree (an AA tree, ordered by key) of all of
 * its flows, so a lookup costs at most FLOW_CHAIN_CAP comparisons, or
 * about 2 log2 n in a bucket of n flows, whoever chose the 5-tuples. Keys
 * found to collide against one hash key are spread by any other; with a
 * secret key a tree is needed by chance about once in 10^13 insertions at
 * full load (a Poisson tail). A tree's links and level are in a node
 * array beside the slots, touched only by flows in trees; a bucket stays
 * a tree until it is empty.
 *
 * Two pools hold what only some flows need: IPv6 addresses (32 bytes that
 * an IPv4 flow would waste) and cold records (struct flow_cold). Each has a
 * record for every flow slot, so neither runs dry while the table has
 * room; their pages are touched only by the flows that use them.
 */
#include "flow_table.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct list {
    uint32_t head;
    uint32_t tail;
};

/* A flow's links while its bucket is a tree: children, and its AA level
 * (0 only for no node; a tree of n flows is at most 2 log2(n + 1) high). */
struct tree_node {
    uint32_t child[2]; /* [0] lower keys, [1] higher ones; FLOW_NONE for none */
    uint8_t level;
};

struct flow_table {
    struct flow *flows;           /* owned, flow_cap slots */
    struct slot_pool *ipv6_addrs; /* owned, uint8_t[2][16] per IPv6 flow */
    struct slot_pool *colds;      /* owned, struct flow_cold */
    uint32_t *buckets;            /* owned, bucket_mask + 1 chain heads or tree roots
                                     (BUCKET_TREE), stored as index + 1 so that
                                     calloc's zero pages mean "empty" untouched */
    uint32_t bucket_mask;
    uint32_t flow_cap;
    uint32_t count;
    uint32_t free_head;
    uint32_t high_water;
    int64_t epoch_us; /* the first flow's first packet: flows' times count from it */
    bool has_epoch;
    bool is_draining;
    struct list lists[FLOW_LIST_COUNT];
    struct tree_node *nodes; /* owned, flow_cap nodes, one per slot */
    struct siphash_key hash_key;
    uint64_t tree_flows; /* flows put in a bucket tree, counted once each */
};

enum { LINK_HASH = 0, LINK_PREV, LINK_NEXT };

#define LINK_BITS 28
#define LINK_MASK ((UINT32_C(1) << LINK_BITS) - 1)
#define LINK_NONE LINK_MASK /* FLOW_NONE or SLOT_NONE, as stored */

/* Marks a free slot in its previous-on-list link: never a slot index. */
#define FLOW_FREE (LINK_NONE - 1)

/* A bucket word's flag: it holds a tree's root rather than a chain's head. */
#define BUCKET_TREE  (UINT32_C(1) << 31)
#define BUCKET_INDEX (BUCKET_TREE - 1)
_Static_assert(FLOW_CAP_MAX < BUCKET_INDEX, "a slot index + 1 leaves the tree flag free");

_Static_assert(FLOW_CAP_MAX <= FLOW_FREE, "slot indices, below FLOW_CAP_MAX, stay below the marks");
_Static_assert(sizeof(struct flow) <= 112, "struct flow: 112 bytes at most (bench/README)");

static uint32_t link_get(const struct flow *f, int which)
{
    uint32_t i = f->link[which] & LINK_MASK;
    return i == LINK_NONE ? FLOW_NONE : i;
}

static void link_set(struct flow *f, int which, uint32_t i)
{
    f->link[which] = (f->link[which] & ~LINK_MASK) | (i == FLOW_NONE ? LINK_NONE : i);
}

static uint32_t cold_get(const struct flow *f)
{
    uint32_t i = f->cold_lo;
    for (int k = 0; k < 3; k++)
        i |= (f->link[k] >> LINK_BITS) << (16 + 4 * k);
    return i == LINK_NONE ? SLOT_NONE : i;
}

static void cold_set(struct flow *f, uint32_t i)
{
    uint32_t stored = i == SLOT_NONE ? LINK_NONE : i;
    f->cold_lo = (uint16_t)stored;
    for (int k = 0; k < 3; k++)
        f->link[k] = (f->link[k] & LINK_MASK) | (stored >> (16 + 4 * k) & 0xfu) << LINK_BITS;
}

typedef uint8_t ipv6_pair[2][16];

struct flow_table *flow_table_create(uint32_t flow_cap, const struct siphash_key *hash_key)
{
    if (flow_cap == 0 || flow_cap > FLOW_CAP_MAX)
        return NULL;
    struct flow_table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;

    /* Power-of-two buckets, at least as many as flows: chains stay short. */
    uint32_t buckets = 1;
    while (buckets < flow_cap)
        buckets <<= 1;
    t->bucket_mask = buckets - 1;
    t->flow_cap = flow_cap;
    t->free_head = FLOW_NONE;
    for (int i = 0; i < FLOW_LIST_COUNT; i++)
        t->lists[i] = (struct list){FLOW_NONE, FLOW_NONE};
    t->hash_key = *hash_key;
    t->flows = calloc(flow_cap, sizeof(*t->flows));
    t->nodes = calloc(flow_cap, sizeof(*t->nodes));
    t->buckets = calloc(buckets, sizeof(*t->buckets));
    t->ipv6_addrs = slot_pool_create(flow_cap, sizeof(ipv6_pair));
    t->colds = slot_pool_create(flow_cap, sizeof(struct flow_cold));
    if (t->flows == NULL || t->nodes == NULL || t->buckets == NULL || t->ipv6_addrs == NULL ||
        t->colds == NULL) {
        flow_table_destroy(t); /* accepts partial objects */
        return NULL;
    }
    return t;
}

void flow_table_destroy(struct flow_table *t)
{
    if (t == NULL)
        return;
    free(t->flows);
    free(t->nodes);
    free(t->buckets);
    slot_pool_destroy(t->ipv6_addrs);
    slot_pool_destroy(t->colds);
    free(t);
}

uint32_t flow_table_count(const struct flow_table *t)
{
    return t->count;
}

uint32_t flow_table_cap(const struct flow_table *t)
{
    return t->flow_cap;
}

static uint32_t index_of(const struct flow_table *t, const struct flow *f)
{
    return (uint32_t)(f - t->flows);
}

void flow_table_key(const struct flow_table *t, const struct flow *f, struct flow_key *out)
{
    memset(out, 0, sizeof(*out));
    out->port[0] = f->port[0];
    out->port[1] = f->port[1];
    out->location = f->location;
    if (f->is_ipv6) {
        out->family = 6;
        memcpy(out->addr, slot_pool_at(t->ipv6_addrs, f->addr[0]), sizeof(out->addr));
    } else {
        out->family = 4;
        memcpy(out->addr[0], &f->addr[0], 4);
        memcpy(out->addr[1], &f->addr[1], 4);
    }
}

/* Does f have this key? hash is the key's. An IPv6 flow keeps the hash's
 * low bits to rule out most other flows in its chain without reading its
 * addresses. */
static bool has_key(const struct flow_table *t, const struct flow *f, const struct flow_key *key,
                    uint32_t hash)
{
    if (f->port[0] != key->port[0] || f->port[1] != key->port[1] || f->location != key->location ||
        f->is_ipv6 != (key->family == 6))
        return false;
    if (f->is_ipv6)
        return f->addr[1] == hash &&
               memcmp(slot_pool_at(t->ipv6_addrs, f->addr[0]), key->addr, sizeof(ipv6_pair)) == 0;
    return memcmp(&f->addr[0], key->addr[0], 4) == 0 && memcmp(&f->addr[1], key->addr[1], 4) == 0;
}

/* The order of a bucket tree: family, location, ports, then address
 * bytes. Any total order of keys would do; this one reads the flow's
 * inline fields first. */
static int key_cmp(const struct flow_table *t, const struct flow_key *key, const struct flow *f)
{
    int c = (key->family == 6) - (int)f->is_ipv6;
    if (c == 0)
        c = (key->location > f->location) - (key->location < f->location);
    if (c == 0)
        c = (key->port[0] > f->port[0]) - (key->port[0] < f->port[0]);
    if (c == 0)
        c = (key->port[1] > f->port[1]) - (key->port[1] < f->port[1]);
    if (c != 0)
        return c;
    if (f->is_ipv6)
        return memcmp(key->addr, slot_pool_at(t->ipv6_addrs, f->addr[0]), sizeof(ipv6_pair));
    c = memcmp(key->addr[0], &f->addr[0], 4);
    return c != 0 ? c : memcmp(key->addr[1], &f->addr[1], 4);
}

static uint8_t tree_level(const struct flow_table *t, uint32_t i)
{
    return i == FLOW_NONE ? 0 : t->nodes[i].level;
}

/* AA tree rebalancing (Andersson, "Balanced search trees made simple",
 * 1993): skew removes a left child on the node's own level, split a
 * second right child on it. Both return the subtree's new root. */
static uint32_t tree_skew(struct flow_table *t, uint32_t i)
{
    if (i == FLOW_NONE)
        return i;
    uint32_t left = t->nodes[i].child[0];
    if (left == FLOW_NONE || t->nodes[left].level != t->nodes[i].level)
        return i;
    t->nodes[i].child[0] = t->nodes[left].child[1];
    t->nodes[left].child[1] = i;
    return left;
}

static uint32_t tree_split(struct flow_table *t, uint32_t i)
{
    if (i == FLOW_NONE)
        return i;
    uint32_t right = t->nodes[i].child[1];
    if (right == FLOW_NONE || tree_level(t, t->nodes[right].child[1]) != t->nodes[i].level)
        return i;
    t->nodes[i].child[1] = t->nodes[right].child[0];
    t->nodes[right].child[0] = i;
    t->nodes[right].level++;
    return right;
}

/* Inserts slot x, whose key is key and not in the tree; returns the root. */
static uint32_t tree_insert(struct flow_table *t, uint32_t root, uint32_t x,
                            const struct flow_key *key)
{
    if (root == FLOW_NONE) {
        t->nodes[x] = (struct tree_node){{FLOW_NONE, FLOW_NONE}, 1};
        return x;
    }
    int side = key_cmp(t, key, &t->flows[root]) > 0;
    t->nodes[root].child[side] = tree_insert(t, t->nodes[root].child[side], x, key);
    return tree_split(t, tree_skew(t, root));
}

/* After a removal below i: lowers i (and its right child on its level)
 * to one above its lower child, then restores the AA shape. */
static uint32_t tree_rebalance(struct flow_table *t, uint32_t i)
{
    struct tree_node *n = &t->nodes[i];
    uint8_t low = tree_level(t, n->child[0]);
    uint8_t right_level = tree_level(t, n->child[1]);
    uint8_t should = (uint8_t)((low < right_level ? low : right_level) + 1);
    if (should < n->level) {
        n->level = should;
        if (should < right_level)
            t->nodes[n->child[1]].level = should;
    }
    i = tree_skew(t, i);
    n = &t->nodes[i];
    n->child[1] = tree_skew(t, n->child[1]);
    uint32_t right = n->child[1];
    if (right != FLOW_NONE)
        t->nodes[right].child[1] = tree_skew(t, t->nodes[right].child[1]);
    i = tree_split(t, i);
    t->nodes[i].child[1] = tree_split(t, t->nodes[i].child[1]);
    return i;
}

/* Takes the lowest node out of the subtree at root into *min; returns the
 * subtree's new root. */
static uint32_t tree_take_min(struct flow_table *t, uint32_t root, uint32_t *min)
{
    if (t->nodes[root].child[0] == FLOW_NONE) {
        *min = root;
        return t->nodes[root].child[1];
    }
    t->nodes[root].child[0] = tree_take_min(t, t->nodes[root].child[0], min);
    return tree_rebalance(t, root);
}

/* Removes slot x (key key, in the tree); returns the new root. Nodes are
 * flows, so x's successor takes x's place rather than its contents. */
static uint32_t tree_remove(struct flow_table *t, uint32_t root, uint32_t x,
                            const struct flow_key *key)
{
    if (root == x) {
        struct tree_node *n = &t->nodes[x];
        if (n->child[1] == FLOW_NONE)
            return n->child[0]; /* a leaf: AA nodes have no lone left child */
        uint32_t next = FLOW_NONE;
        uint32_t right = tree_take_min(t, n->child[1], &next);
        t->nodes[next] = (struct tree_node){{n->child[0], right}, n->level};
        return tree_rebalance(t, next);
    }
    int side = key_cmp(t, key, &t->flows[root]) > 0;
    t->nodes[root].child[side] = tree_remove(t, t->nodes[root].child[side], x, key);
    return tree_rebalance(t, root);
}

/* The slot holding key, or FLOW_NONE; counts the flows compared into
 * *steps. */
static uint32_t find(const struct flow_table *t, const struct flow_key *key, uint64_t hash,
                     uint32_t *steps)
{
    uint32_t word = t->buckets[hash & t->bucket_mask];
    uint32_t i = (word & BUCKET_INDEX) - 1;
    if (word & BUCKET_TREE) {
        while (i != FLOW_NONE) {
            (*steps)++;
            int c = key_cmp(t, key, &t->flows[i]);
            if (c == 0)
                return i;
            i = t->nodes[i].child[c > 0];
        }
        return FLOW_NONE;
    }
    while (i != FLOW_NONE) {
        const struct flow *f = &t->flows[i];
        (*steps)++;
        if (has_key(t, f, key, (uint32_t)hash))
            return i;
        i = link_get(f, LINK_HASH);
    }
    return FLOW_NONE;
}

struct flow *flow_table_lookup(struct flow_table *t, const struct flow_key *key)
{
    uint32_t steps = 0;
    uint32_t i = find(t, key, flow_key_hash(key, &t->hash_key), &steps);
    return i == FLOW_NONE ? NULL : &t->flows[i];
}

uint32_t flow_table_probe_len(const struct flow_table *t, const struct flow_key *key)
{
    uint32_t steps = 0;
    find(t, key, flow_key_hash(key, &t->hash_key), &steps);
    return steps;
}

uint64_t flow_table_tree_flows(const struct flow_table *t)
{
    return t->tree_flows;
}

struct flow_cold *flow_table_cold(struct flow_table *t, struct flow *f)
{
    uint32_t i = cold_get(f);
    if (i == SLOT_NONE) {
        i = slot_pool_take(t->colds);
        if (i == SLOT_NONE)
            return NULL;
        cold_set(f, i);
        struct flow_cold *c = slot_pool_at(t->colds, i);
        anomaly_set_init(&c->anomalies);
        return c;
    }
    return slot_pool_at(t->colds, i);
}

struct flow_cold *flow_table_cold_peek(const struct flow_table *t, const struct flow *f)
{
    uint32_t i = cold_get(f);
    return i == SLOT_NONE ? NULL : slot_pool_at(t->colds, i);
}

const struct anomaly_set *flow_table_anomalies(const struct flow_table *t, const struct flow *f)
{
    static const struct anomaly_set none = {ANOMALY_NONE, 0};
    const struct flow_cold *c = flow_table_cold_peek(t, f);
    return c != NULL ? &c->anomalies : &none;
}

uint64_t flow_table_cold_exhausted(const struct flow_table *t)
{
    return t->colds->exhausted_count;
}

/* The low 48 bits of a value, as a flow keeps them. */
static uint64_t join48(uint32_t lo, uint16_t mid)
{
    return (uint64_t)mid << 32 | lo;
}

/* Keeps v's low 48 bits in lo and mid; returns its bits 48..63. */
static uint16_t split48(uint64_t v, uint32_t *lo, uint16_t *mid)
{
    *lo = (uint32_t)v;
    *mid = (uint16_t)(v >> 32);
    return (uint16_t)(v >> 48);
}

uint64_t flow_table_flow_id(const struct flow_table *t, const struct flow *f)
{
    uint64_t id = join48(f->flow_id_lo, f->flow_id_mid);
    if (f->has_wide_id)
        id |= (uint64_t)flow_table_cold_peek(t, f)->flow_id_hi << 48;
    return id;
}

int64_t flow_table_first_us(const struct flow_table *t, const struct flow *f)
{
    uint64_t after = join48(f->first_after_lo, f->first_after_mid);
    if (f->has_wide_first)
        after |= (uint64_t)flow_table_cold_peek(t, f)->first_after_hi << 48;
    /* Modulo 2^64, as it was stored: exact for any two times. */
    return (int64_t)((uint64_t)t->epoch_us + after);
}

int64_t flow_table_last_us(const struct flow_table *t, const struct flow *f)
{
    uint64_t after = f->last_after_us;
    if (f->has_wide_last)
        after |= (uint64_t)flow_table_cold_peek(t, f)->last_after_hi << 32;
    return (int64_t)((uint64_t)flow_table_first_us(t, f) + after);
}

/* The cold record for a value's high bits; NULL, and the flow partial,
 * when none is left. */
static struct flow_cold *wide_cold(struct flow_table *t, struct flow *f)
{
    struct flow_cold *c = flow_table_cold(t, f);
    if (c == NULL)
        f->is_partial = 1;
    return c;
}

void flow_table_start(struct flow_table *t, struct flow *f, uint64_t flow_id, int64_t ts_us)
{
    if (!t->has_epoch) {
        t->epoch_us = ts_us;
        t->has_epoch = true;
    }
    uint16_t id_hi = split48(flow_id, &f->flow_id_lo, &f->flow_id_mid);
    struct flow_cold *c = id_hi != 0 ? wide_cold(t, f) : NULL;
    f->has_wide_id = c != NULL;
    if (c != NULL)
        c->flow_id_hi = id_hi;
    uint64_t after = (uint64_t)ts_us - (uint64_t)t->epoch_us;
    uint16_t after_hi = split48(after, &f->first_after_lo, &f->first_after_mid);
    c = after_hi != 0 ? wide_cold(t, f) : NULL;
    f->has_wide_first = c != NULL;
    if (c != NULL)
        c->first_after_hi = after_hi;
    f->last_after_us = 0;
    f->has_wide_last = 0;
}

void flow_table_set_last_us(struct flow_table *t, struct flow *f, int64_t ts_us)
{
    uint64_t after = (uint64_t)ts_us - (uint64_t)flow_table_first_us(t, f);
    f->last_after_us = (uint32_t)after;
    if (after >> 32 == 0 && !f->has_wide_last)
        return;
    struct flow_cold *c = wide_cold(t, f);
    if (c != NULL) {
        c->last_after_hi = (uint32_t)(after >> 32);
        f->has_wide_last = 1;
    }
}

static void list_append(struct flow_table *t, uint32_t i, enum flow_list which)
{
    struct list *l = &t->lists[which];
    struct flow *f = &t->flows[i];
    f->list = (unsigned)which & 3u;
    link_set(f, LINK_PREV, l->tail);
    link_set(f, LINK_NEXT, FLOW_NONE);
    if (l->tail == FLOW_NONE)
        l->head = i;
    else
        link_set(&t->flows[l->tail], LINK_NEXT, i);
    l->tail = i;
}

static void list_unlink(struct flow_table *t, uint32_t i)
{
    struct flow *f = &t->flows[i];
    struct list *l = &t->lists[f->list];
    uint32_t prev = link_get(f, LINK_PREV);
    uint32_t next = link_get(f, LINK_NEXT);
    if (prev == FLOW_NONE)
        l->head = next;
    else
        link_set(&t->flows[prev], LINK_NEXT, next);
    if (next == FLOW_NONE)
        l->tail = prev;
    else
        link_set(&t->flows[next], LINK_PREV, prev);
}

/* Turns a full chain into a tree of its flows. */
static uint32_t chain_to_tree(struct flow_table *t, uint32_t head)
{
    uint32_t root = FLOW_NONE;
    for (uint32_t i = head; i != FLOW_NONE;) {
        uint32_t next = link_get(&t->flows[i], LINK_HASH);
        link_set(&t->flows[i], LINK_HASH, FLOW_NONE);
        struct flow_key key;
        flow_table_key(t, &t->flows[i], &key);
        root = tree_insert(t, root, i, &key);
        t->tree_flows++;
        i = next;
    }
    return root;
}

/* Puts slot i, whose key is key, in its bucket: at the head of the chain
 * while the chain is short, else in the bucket's tree. */
static void bucket_add(struct flow_table *t, uint32_t *bucket, uint32_t i,
                       const struct flow_key *key)
{
    uint32_t head = (*bucket & BUCKET_INDEX) - 1;
    if (!(*bucket & BUCKET_TREE)) {
        uint32_t len = 0;
        for (uint32_t j = head; j != FLOW_NONE && len < FLOW_CHAIN_CAP;
             j = link_get(&t->flows[j], LINK_HASH))
            len++;
        if (len < FLOW_CHAIN_CAP) {
            link_set(&t->flows[i], LINK_HASH, head);
            *bucket = i + 1;
            return;
        }
        head = chain_to_tree(t, head);
    }
    link_set(&t->flows[i], LINK_HASH, FLOW_NONE);
    t->tree_flows++;
    *bucket = (tree_insert(t, head, i, key) + 1) | BUCKET_TREE;
}

struct flow *flow_table_insert(struct flow_table *t, const struct flow_key *key,
                               enum flow_list list)
{
    if (t->free_head == FLOW_NONE && t->high_water >= t->flow_cap)
        return NULL;
    uint64_t hash = flow_key_hash(key, &t->hash_key);
    uint32_t addr_rec = SLOT_NONE;
    if (key->family == 6) {
        /* Never fails while a flow slot is free: the pool has one record
         * per slot, returned with its flow. */
        addr_rec = slot_pool_take(t->ipv6_addrs);
        if (addr_rec == SLOT_NONE)
            return NULL;
        memcpy(slot_pool_at(t->ipv6_addrs, addr_rec), key->addr, sizeof(ipv6_pair));
    }
    uint32_t i;
    if (t->free_head != FLOW_NONE) {
        i = t->free_head;
        t->free_head = link_get(&t->flows[i], LINK_HASH);
    } else {
        i = t->high_water++;
    }
    struct flow *f = &t->flows[i];
    memset(f, 0, sizeof(*f));
    cold_set(f, SLOT_NONE);
    f->port[0] = key->port[0];
    f->port[1] = key->port[1];
    f->location = key->location;
    if (addr_rec != SLOT_NONE) {
        f->is_ipv6 = 1;
        f->addr[0] = addr_rec;
        f->addr[1] = (uint32_t)hash;
    } else {
        memcpy(&f->addr[0], key->addr[0], 4);
        memcpy(&f->addr[1], key->addr[1], 4);
    }
    bucket_add(t, &t->buckets[hash & t->bucket_mask], i, key);
    list_append(t, i, list);
    t->count++;
    return f;
}

void flow_table_remove(struct flow_table *t, struct flow *f)
{
    uint32_t i = index_of(t, f);
    struct flow_key key;
    flow_table_key(t, f, &key);
    uint32_t *bucket = &t->buckets[flow_key_hash(&key, &t->hash_key) & t->bucket_mask];
    if (t->is_draining) {
        /* Chains and trees are gone; once every flow has left, every
         * bucket that had one has been emptied here, and lookups work
         * again. */
        *bucket = 0;
    } else if (*bucket & BUCKET_TREE) {
        uint32_t root = tree_remove(t, (*bucket & BUCKET_INDEX) - 1, i, &key);
        *bucket = root == FLOW_NONE ? 0 : (root + 1) | BUCKET_TREE;
    } else if (*bucket - 1 == i) {
        *bucket = link_get(f, LINK_HASH) + 1;
    } else {
        struct flow *before = &t->flows[*bucket - 1];
        while (link_get(before, LINK_HASH) != i)
            before = &t->flows[link_get(before, LINK_HASH)];
        link_set(before, LINK_HASH, link_get(f, LINK_HASH));
    }
    list_unlink(t, i);
    if (f->is_ipv6)
        slot_pool_put(t->ipv6_addrs, f->addr[0]);
    if (cold_get(f) != SLOT_NONE)
        slot_pool_put(t->colds, cold_get(f));
    cold_set(f, SLOT_NONE);
    link_set(f, LINK_PREV, FLOW_FREE);
    link_set(f, LINK_HASH, t->free_head);
    t->free_head = i;
    t->count--;
    if (t->count == 0)
        t->is_draining = false;
}

void flow_table_touch(struct flow_table *t, struct flow *f, enum flow_list list)
{
    uint32_t i = index_of(t, f);
    if (f->list == list && link_get(f, LINK_NEXT) == FLOW_NONE)
        return; /* already the newest */
    list_unlink(t, i);
    list_append(t, i, list);
}

uint32_t flow_table_slot(const struct flow_table *t, const struct flow *f)
{
    return index_of(t, f);
}

struct flow *flow_table_oldest(struct flow_table *t, enum flow_list list)
{
    uint32_t i = t->lists[list].head;
    return i == FLOW_NONE ? NULL : &t->flows[i];
}

struct flow *flow_table_next(struct flow_table *t, const struct flow *f)
{
    uint32_t next = link_get(f, LINK_NEXT);
    return next == FLOW_NONE ? NULL : &t->flows[next];
}

static uint64_t id_at(const struct flow_table *t, uint32_t i)
{
    const struct flow *f = &t->flows[i];
    if (f->has_wide_id)
        return flow_table_flow_id(t, f);
    return join48(f->flow_id_lo, f->flow_id_mid);
}

/* Merges two chains sorted by flow id into one. */
static uint32_t merge(struct flow_table *t, uint32_t a, uint32_t b)
{
    uint32_t head = FLOW_NONE;
    struct flow *tail = NULL; /* the merged chain's last flow */
    while (a != FLOW_NONE && b != FLOW_NONE) {
        uint32_t *take = id_at(t, a) < id_at(t, b) ? &a : &b;
        if (tail == NULL)
            head = *take;
        else
            link_set(tail, LINK_HASH, *take);
        tail = &t->flows[*take];
        *take = link_get(tail, LINK_HASH);
    }
    uint32_t rest = a != FLOW_NONE ? a : b;
    if (tail == NULL)
        return rest;
    link_set(tail, LINK_HASH, rest);
    return head;
}

/*
 * Sorts a chain by flow id in place: a merge sort of the ascending runs
 * already in it, combined like the digits of a binary counter, so a chain
 * of slots taken in arrival order (the common case) costs one pass and any
 * order at most n log n comparisons.
 */
static uint32_t sort_chain(struct flow_table *t, uint32_t head)
{
    uint32_t bins[33]; /* bins[k]: 2^k runs merged, or FLOW_NONE; 2^32 runs at most */
    for (size_t k = 0; k < sizeof(bins) / sizeof(bins[0]); k++)
        bins[k] = FLOW_NONE;
    uint32_t i = head;
    while (i != FLOW_NONE) {
        uint32_t run = i;
        uint32_t next;
        while ((next = link_get(&t->flows[i], LINK_HASH)) != FLOW_NONE &&
               id_at(t, i) < id_at(t, next))
            i = next;
        link_set(&t->flows[i], LINK_HASH, FLOW_NONE);
        i = next;
        size_t k = 0;
        while (bins[k] != FLOW_NONE) {
            run = merge(t, bins[k], run);
            bins[k++] = FLOW_NONE;
        }
        bins[k] = run;
    }
    uint32_t sorted = FLOW_NONE;
    for (size_t k = 0; k < sizeof(bins) / sizeof(bins[0]); k++)
        if (bins[k] != FLOW_NONE)
            sorted = merge(t, bins[k], sorted);
    return sorted;
}

struct flow *flow_table_drain(struct flow_table *t)
{
    /* Slot order first: slots are mostly taken in arrival order. */
    uint32_t head = FLOW_NONE;
    struct flow *tail = NULL;
    for (uint32_t i = 0; i < t->high_water; i++) {
        if (link_get(&t->flows[i], LINK_PREV) == FLOW_FREE)
            continue;
        if (tail == NULL)
            head = i;
        else
            link_set(tail, LINK_HASH, i);
        tail = &t->flows[i];
    }
    if (tail != NULL)
        link_set(tail, LINK_HASH, FLOW_NONE);
    t->is_draining = t->count > 0;
    head = sort_chain(t, head);
    return head == FLOW_NONE ? NULL : &t->flows[head];
}

struct flow *flow_table_drain_next(struct flow_table *t, const struct flow *f)
{
    uint32_t next = link_get(f, LINK_HASH);
    return next == FLOW_NONE ? NULL : &t->flows[next];
}
