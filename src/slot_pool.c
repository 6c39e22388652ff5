/*
 * Slot pool. See slot_pool.h.
 *
 * A free record holds the index of the next free one in its first four
 * bytes; a taken record is zeroed, so its owner never sees that link.
 */
#include "slot_pool.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct slot_pool *slot_pool_create(uint32_t cap, size_t slot_len)
{
    if (cap == 0 || cap == SLOT_NONE || slot_len == 0)
        return NULL;
    struct slot_pool *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    /* Whole 8-byte units: room for the link, and alignment for records
     * that hold 64-bit fields. */
    p->slot_len = (slot_len + 7) / 8 * 8;
    p->cap = cap;
    p->free_head = SLOT_NONE;
    p->slots = calloc(cap, p->slot_len);
    if (p->slots == NULL) {
        slot_pool_destroy(p); /* accepts partial objects */
        return NULL;
    }
    return p;
}

void slot_pool_destroy(struct slot_pool *p)
{
    if (p == NULL)
        return;
    free(p->slots);
    free(p);
}

uint32_t slot_pool_take(struct slot_pool *p)
{
    uint32_t i;
    if (p->free_head != SLOT_NONE) {
        i = p->free_head;
        memcpy(&p->free_head, slot_pool_at(p, i), sizeof(p->free_head));
        memset(slot_pool_at(p, i), 0, p->slot_len);
    } else if (p->high_water < p->cap) {
        i = p->high_water++; /* still zero from calloc */
    } else {
        p->exhausted_count++;
        return SLOT_NONE;
    }
    p->used_count++;
    return i;
}

void slot_pool_put(struct slot_pool *p, uint32_t i)
{
    memcpy(slot_pool_at(p, i), &p->free_head, sizeof(p->free_head));
    p->free_head = i;
    p->used_count--;
}
