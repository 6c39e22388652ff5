/*
 * Flow table: fixed-capacity map from canonical 5-tuple to struct flow.
 * Does not interpret TCP; tcp_state.c does. Never allocates after
 * creation. Invariant: every live flow is in exactly one bucket chain and
 * on exactly one time-out list, oldest first; free slots are on the free
 * chain (through hash_next) or at or above high_water.
 *
 * Slots are indices, not pointers, so links cost 4 bytes. Memory is
 * reserved with calloc, so pages are touched only as the table fills.
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

struct flow_table {
    struct flow *flows;           /* owned, flow_cap slots */
    struct slot_pool *ipv6_addrs; /* owned, uint8_t[2][16] per IPv6 flow */
    struct slot_pool *colds;      /* owned, struct flow_cold */
    uint32_t *buckets;            /* owned, bucket_mask + 1 chain heads, stored as index + 1
                                     so that calloc's zero pages mean "empty" untouched */
    uint32_t bucket_mask;
    uint32_t flow_cap;
    uint32_t count;
    uint32_t free_head;
    uint32_t high_water;
    struct list lists[FLOW_LIST_COUNT];
};

_Static_assert(sizeof(struct flow) <= 136, "struct flow: 136 bytes at most (bench/README)");

typedef uint8_t ipv6_pair[2][16];

struct flow_table *flow_table_create(uint32_t flow_cap)
{
    if (flow_cap == 0 || flow_cap >= FLOW_NONE / 2)
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
    t->flows = calloc(flow_cap, sizeof(*t->flows));
    t->buckets = calloc(buckets, sizeof(*t->buckets));
    t->ipv6_addrs = slot_pool_create(flow_cap, sizeof(ipv6_pair));
    t->colds = slot_pool_create(flow_cap, sizeof(struct flow_cold));
    if (t->flows == NULL || t->buckets == NULL || t->ipv6_addrs == NULL || t->colds == NULL) {
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
    if (f->is_ipv6) {
        out->family = 6;
        memcpy(out->addr, slot_pool_at(t->ipv6_addrs, f->addr[0]), sizeof(out->addr));
    } else {
        out->family = 4;
        memcpy(out->addr[0], &f->addr[0], 4);
        memcpy(out->addr[1], &f->addr[1], 4);
    }
}

/* Does f have this key? hash is the key's. An IPv6 flow keeps the hash to
 * rule out most other flows in its chain without reading its addresses. */
static bool has_key(const struct flow_table *t, const struct flow *f, const struct flow_key *key,
                    uint32_t hash)
{
    if (f->port[0] != key->port[0] || f->port[1] != key->port[1] ||
        f->is_ipv6 != (key->family == 6))
        return false;
    if (f->is_ipv6)
        return f->addr[1] == hash &&
               memcmp(slot_pool_at(t->ipv6_addrs, f->addr[0]), key->addr, sizeof(ipv6_pair)) == 0;
    return memcmp(&f->addr[0], key->addr[0], 4) == 0 && memcmp(&f->addr[1], key->addr[1], 4) == 0;
}

struct flow *flow_table_lookup(struct flow_table *t, const struct flow_key *key)
{
    uint32_t hash = flow_key_hash(key);
    uint32_t i = t->buckets[hash & t->bucket_mask] - 1;
    while (i != FLOW_NONE) {
        struct flow *f = &t->flows[i];
        if (has_key(t, f, key, hash))
            return f;
        i = f->hash_next;
    }
    return NULL;
}

struct flow_cold *flow_table_cold(struct flow_table *t, struct flow *f)
{
    if (f->cold == SLOT_NONE) {
        f->cold = slot_pool_take(t->colds);
        if (f->cold == SLOT_NONE)
            return NULL;
        struct flow_cold *c = slot_pool_at(t->colds, f->cold);
        anomaly_set_init(&c->anomalies);
        return c;
    }
    return slot_pool_at(t->colds, f->cold);
}

struct flow_cold *flow_table_cold_peek(const struct flow_table *t, const struct flow *f)
{
    return f->cold == SLOT_NONE ? NULL : slot_pool_at(t->colds, f->cold);
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

static void list_append(struct flow_table *t, uint32_t i, enum flow_list which)
{
    struct list *l = &t->lists[which];
    struct flow *f = &t->flows[i];
    f->list = (unsigned)which & 3u;
    f->list_prev = l->tail;
    f->list_next = FLOW_NONE;
    if (l->tail == FLOW_NONE)
        l->head = i;
    else
        t->flows[l->tail].list_next = i;
    l->tail = i;
}

static void list_unlink(struct flow_table *t, uint32_t i)
{
    struct flow *f = &t->flows[i];
    struct list *l = &t->lists[f->list];
    if (f->list_prev == FLOW_NONE)
        l->head = f->list_next;
    else
        t->flows[f->list_prev].list_next = f->list_next;
    if (f->list_next == FLOW_NONE)
        l->tail = f->list_prev;
    else
        t->flows[f->list_next].list_prev = f->list_prev;
}

struct flow *flow_table_insert(struct flow_table *t, const struct flow_key *key,
                               enum flow_list list)
{
    if (t->free_head == FLOW_NONE && t->high_water >= t->flow_cap)
        return NULL;
    uint32_t hash = flow_key_hash(key);
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
        t->free_head = t->flows[i].hash_next;
    } else {
        i = t->high_water++;
    }
    struct flow *f = &t->flows[i];
    memset(f, 0, sizeof(*f));
    f->cold = SLOT_NONE;
    f->port[0] = key->port[0];
    f->port[1] = key->port[1];
    if (addr_rec != SLOT_NONE) {
        f->is_ipv6 = 1;
        f->addr[0] = addr_rec;
        f->addr[1] = hash;
    } else {
        memcpy(&f->addr[0], key->addr[0], 4);
        memcpy(&f->addr[1], key->addr[1], 4);
    }
    uint32_t *bucket = &t->buckets[hash & t->bucket_mask];
    f->hash_next = *bucket - 1;
    *bucket = i + 1;
    list_append(t, i, list);
    t->count++;
    return f;
}

void flow_table_remove(struct flow_table *t, struct flow *f)
{
    uint32_t i = index_of(t, f);
    struct flow_key key;
    flow_table_key(t, f, &key);
    uint32_t *bucket = &t->buckets[flow_key_hash(&key) & t->bucket_mask];
    if (*bucket - 1 == i) {
        *bucket = f->hash_next + 1;
    } else {
        uint32_t *link = &t->flows[*bucket - 1].hash_next;
        while (*link != i)
            link = &t->flows[*link].hash_next;
        *link = f->hash_next;
    }
    list_unlink(t, i);
    if (f->is_ipv6)
        slot_pool_put(t->ipv6_addrs, f->addr[0]);
    if (f->cold != SLOT_NONE)
        slot_pool_put(t->colds, f->cold);
    f->cold = SLOT_NONE;
    f->hash_next = t->free_head;
    t->free_head = i;
    t->count--;
}

void flow_table_touch(struct flow_table *t, struct flow *f, enum flow_list list)
{
    uint32_t i = index_of(t, f);
    if (f->list == list && f->list_next == FLOW_NONE)
        return; /* already the newest */
    list_unlink(t, i);
    list_append(t, i, list);
}

struct flow *flow_table_oldest(struct flow_table *t, enum flow_list list)
{
    uint32_t i = t->lists[list].head;
    return i == FLOW_NONE ? NULL : &t->flows[i];
}

struct flow *flow_table_next(struct flow_table *t, const struct flow *f)
{
    return f->list_next == FLOW_NONE ? NULL : &t->flows[f->list_next];
}

static int compare_flow_id(const void *a, const void *b)
{
    const struct flow *fa = *(const struct flow *const *)a;
    const struct flow *fb = *(const struct flow *const *)b;
    return (fa->flow_id > fb->flow_id) - (fa->flow_id < fb->flow_id);
}

uint32_t flow_table_all(struct flow_table *t, struct flow **out)
{
    uint32_t n = 0;
    for (int l = 0; l < FLOW_LIST_COUNT; l++)
        for (uint32_t i = t->lists[l].head; i != FLOW_NONE; i = t->flows[i].list_next)
            out[n++] = &t->flows[i];
    qsort(out, n, sizeof(*out), compare_flow_id);
    return n;
}
