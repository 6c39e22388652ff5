/*
 * Location table: distinct locations in an array by id, with an
 * open-addressing index of ids over it (linear probing, at most half
 * full). Both grow by doubling, so memory follows the number of distinct
 * locations, which is small next to the number of flows: a few VLANs and
 * tunnels, rarely thousands. Entries are never removed; a location
 * outlives the flows found in it. Invariant: every stored location is in
 * canonical form (each tunnel's lower address as src, unused bytes zero).
 */
#include "location_table.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct location_table {
    struct tv_location *locs; /* owned: id i at locs[i - 1] */
    uint32_t *hashes;         /* owned: locs[i]'s hash */
    uint32_t count;
    uint32_t cap;
    uint16_t *index; /* owned: index_mask + 1 ids, 0 for an empty slot */
    uint32_t index_mask;
    uint16_t last_id; /* the last id found or made: consecutive packets mostly
                         come from one place (a mirror port's VLAN or session) */
    uint64_t lost_count;
};

struct location_table *location_table_create(void)
{
    return calloc(1, sizeof(struct location_table));
}

void location_table_destroy(struct location_table *t)
{
    if (t == NULL)
        return;
    free(t->locs);
    free(t->hashes);
    free(t->index);
    free(t);
}

static size_t addr_len(uint8_t family)
{
    return family == 6 ? 16 : 4;
}

/* Is a tunnel's source the higher address (to be swapped when stored)? */
static bool is_flipped(const struct tv_tunnel *tun)
{
    return memcmp(tun->src, tun->dst, addr_len(tun->family)) > 0;
}

/* FNV-1a: locations are few, and short to hash. */
static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* The hash of loc's canonical form, computed from loc as it is. */
static uint32_t location_hash(const struct tv_location *loc, uint8_t flips)
{
    uint8_t head[2 + 2 * TV_VLANS_CAP] = {loc->vlan_count, loc->tunnel_count};
    for (unsigned i = 0; i < loc->vlan_count; i++) {
        head[2 + 2 * i] = (uint8_t)(loc->vlan[i] >> 8);
        head[3 + 2 * i] = (uint8_t)loc->vlan[i];
    }
    uint32_t h = fnv(2166136261u, head, sizeof(head));
    for (unsigned i = 0; i < loc->tunnel_count; i++) {
        const struct tv_tunnel *tun = &loc->tunnels[i];
        bool flip = (flips >> i) & 1u;
        uint8_t kind[2] = {(uint8_t)tun->kind, tun->family};
        h = fnv(h, kind, sizeof(kind));
        h = fnv(h, flip ? tun->dst : tun->src, addr_len(tun->family));
        h = fnv(h, flip ? tun->src : tun->dst, addr_len(tun->family));
    }
    return h;
}

/* Does the stored (canonical) location s equal loc once flipped? */
static bool location_equal(const struct tv_location *s, const struct tv_location *loc,
                           uint8_t flips)
{
    if (s->vlan_count != loc->vlan_count || s->tunnel_count != loc->tunnel_count)
        return false;
    for (unsigned i = 0; i < loc->vlan_count; i++)
        if (s->vlan[i] != loc->vlan[i])
            return false;
    for (unsigned i = 0; i < loc->tunnel_count; i++) {
        const struct tv_tunnel *a = &s->tunnels[i];
        const struct tv_tunnel *b = &loc->tunnels[i];
        bool flip = (flips >> i) & 1u;
        size_t n = addr_len(b->family);
        if (a->kind != b->kind || a->family != b->family ||
            memcmp(a->src, flip ? b->dst : b->src, n) != 0 ||
            memcmp(a->dst, flip ? b->src : b->dst, n) != 0)
            return false;
    }
    return true;
}

static void canonical(const struct tv_location *loc, uint8_t flips, struct tv_location *out)
{
    memset(out, 0, sizeof(*out));
    out->vlan_count = loc->vlan_count;
    memcpy(out->vlan, loc->vlan, sizeof(out->vlan[0]) * loc->vlan_count);
    out->tunnel_count = loc->tunnel_count;
    for (unsigned i = 0; i < loc->tunnel_count; i++) {
        const struct tv_tunnel *tun = &loc->tunnels[i];
        bool flip = (flips >> i) & 1u;
        size_t n = addr_len(tun->family);
        out->tunnels[i].kind = tun->kind;
        out->tunnels[i].family = tun->family;
        memcpy(out->tunnels[i].src, flip ? tun->dst : tun->src, n);
        memcpy(out->tunnels[i].dst, flip ? tun->src : tun->dst, n);
    }
}

static void index_put(struct location_table *t, uint16_t id)
{
    uint32_t slot = t->hashes[id - 1] & t->index_mask;
    while (t->index[slot] != 0)
        slot = (slot + 1) & t->index_mask;
    t->index[slot] = id;
}

/* Room for one more location, the index staying at most half full. */
static bool make_room(struct location_table *t)
{
    if (t->count == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        if (cap > LOCATION_CAP)
            cap = LOCATION_CAP;
        struct tv_location *locs = realloc(t->locs, (size_t)cap * sizeof(*locs));
        if (locs == NULL)
            return false;
        t->locs = locs;
        uint32_t *hashes = realloc(t->hashes, (size_t)cap * sizeof(*hashes));
        if (hashes == NULL)
            return false;
        t->hashes = hashes;
        t->cap = cap;
    }
    uint32_t slots = t->index_mask + 1;
    if (t->index != NULL && (t->count + 1) * 2 <= slots)
        return true;
    uint32_t new_slots = t->index != NULL ? slots * 2 : 32;
    uint16_t *index = calloc(new_slots, sizeof(*index));
    if (index == NULL)
        return false;
    free(t->index);
    t->index = index;
    t->index_mask = new_slots - 1;
    for (uint32_t id = 1; id <= t->count; id++)
        index_put(t, (uint16_t)id);
    return true;
}

uint16_t location_table_intern(struct location_table *t, const struct tv_location *loc,
                               uint8_t *flips)
{
    uint8_t f = 0;
    for (unsigned i = 0; i < loc->tunnel_count; i++)
        if (is_flipped(&loc->tunnels[i]))
            f |= (uint8_t)(1u << i);
    *flips = f;
    if (loc->vlan_count == 0 && loc->tunnel_count == 0)
        return LOCATION_NONE;

    if (t->last_id != 0 && location_equal(&t->locs[t->last_id - 1], loc, f))
        return t->last_id;
    uint32_t hash = location_hash(loc, f);
    if (t->index != NULL) {
        for (uint32_t slot = hash & t->index_mask; t->index[slot] != 0;
             slot = (slot + 1) & t->index_mask) {
            uint16_t id = t->index[slot];
            if (t->hashes[id - 1] == hash && location_equal(&t->locs[id - 1], loc, f)) {
                t->last_id = id;
                return id;
            }
        }
    }
    if (t->count == LOCATION_CAP || !make_room(t)) {
        t->lost_count++;
        return LOCATION_LOST;
    }
    canonical(loc, f, &t->locs[t->count]);
    t->hashes[t->count] = hash;
    t->count++;
    index_put(t, (uint16_t)t->count);
    t->last_id = (uint16_t)t->count;
    return t->last_id;
}

const struct tv_location *location_table_get(const struct location_table *t, uint16_t id)
{
    if (t == NULL || id == LOCATION_NONE || id == LOCATION_LOST || id > t->count)
        return NULL;
    return &t->locs[id - 1];
}

uint64_t location_table_lost(const struct location_table *t)
{
    return t->lost_count;
}
