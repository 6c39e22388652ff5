/*
 * Slot pool: a fixed number of fixed-size records, taken and returned one
 * at a time, for state that only some flows need (IPv6 addresses, the cold
 * half of a connection, anomaly records). Never allocates after creation;
 * memory comes from calloc, so pages are touched only as records are first
 * used, and a freed record is reused before a new one is touched.
 * Invariant: every record is taken, on the free chain, or at or above
 * high_water (never used).
 */
#ifndef TV_SLOT_POOL_H
#define TV_SLOT_POOL_H

#include <stddef.h>
#include <stdint.h>

#define SLOT_NONE UINT32_MAX

struct slot_pool {
    unsigned char *slots; /* owned, cap records of slot_len bytes */
    size_t slot_len;
    uint32_t cap;
    uint32_t free_head;  /* returned records, chained through their first bytes */
    uint32_t high_water; /* records never used yet start here */
    uint32_t used_count;
    uint64_t exhausted_count; /* takes that found the pool empty */
};

/* slot_len is rounded up to hold the free chain's link; NULL when out of
 * memory or cap is 0 or SLOT_NONE. */
struct slot_pool *slot_pool_create(uint32_t cap, size_t slot_len);
void slot_pool_destroy(struct slot_pool *p);

/* A zeroed record's index, or SLOT_NONE (counted) when all are taken. */
uint32_t slot_pool_take(struct slot_pool *p);

/* Returns a record taken with slot_pool_take. */
void slot_pool_put(struct slot_pool *p, uint32_t i);

static inline void *slot_pool_at(const struct slot_pool *p, uint32_t i)
{
    return p->slots + (size_t)i * p->slot_len;
}

#endif
