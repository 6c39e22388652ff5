/*
 * SPSC ring: the only file with atomics.
 *
 * head and tail count slots since creation and never wrap in practice
 * (2^64 slots); a slot's place is the count masked by slot_count - 1.
 * Slots [tail, head) are published and belong to the consumer; the rest
 * belong to the producer. Only the producer stores head and only the
 * consumer stores tail, so each index has one writer and needs no
 * read-modify-write.
 *
 * Each side keeps a cached copy of the other side's index on its own
 * cache line and reloads it only when the copy says there is not enough
 * room (or data): in the steady state a batch costs one store of the own
 * index and no load of the other's, and the line holding an index moves
 * between cores once per batch rather than once per slot.
 *
 * Slot memory is one anonymous mapping: pages are zero-filled on first
 * touch, so a slot sized for a large snap length costs real memory only
 * as far as packets actually fill it.
 */
#include "ring.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "platform.h"

#include "banned.h"

#define RING_CACHE_LINE 64
#define RING_PAGE_LEN   4096
/* Limits that keep every product below far inside size_t. */
#define RING_SLOT_COUNT_CAP ((size_t)1 << 24)
#define RING_DATA_CAP       ((size_t)1 << 28)

struct ring {
    /* Producer's line: its index, and its view of the consumer's. */
    alignas(RING_CACHE_LINE) _Atomic uint64_t head;
    uint64_t tail_cache;

    /* Consumer's line: its index, and its view of the producer's. */
    alignas(RING_CACHE_LINE) _Atomic uint64_t tail;
    uint64_t head_cache;

    /* Read-only after creation: shared by both sides without traffic. */
    alignas(RING_CACHE_LINE) uint8_t *slots; /* owned: a mapping of map_len bytes */
    size_t map_len;
    size_t slot_count;
    size_t stride_len; /* bytes from one slot to the next */
    size_t data_cap;
};

/* A stride that is a multiple of the page size would put every slot
 * header in the same cache set; one extra line spreads them out. */
static size_t ring_stride(size_t data_cap)
{
    size_t len = sizeof(struct ring_slot) + data_cap;
    len = (len + RING_CACHE_LINE - 1) / RING_CACHE_LINE * RING_CACHE_LINE;
    if (len % RING_PAGE_LEN == 0)
        len += RING_CACHE_LINE;
    return len;
}

struct ring *ring_create(size_t slot_count, size_t data_cap)
{
    if (slot_count < 2 || slot_count > RING_SLOT_COUNT_CAP ||
        (slot_count & (slot_count - 1)) != 0 || data_cap > RING_DATA_CAP)
        return NULL;

    struct ring *ring = platform_aligned_alloc(RING_CACHE_LINE, sizeof(*ring));
    if (ring == NULL)
        return NULL;
    ring->slots = NULL;
    ring->slot_count = slot_count;
    ring->data_cap = data_cap;
    ring->stride_len = ring_stride(data_cap);
    ring->map_len = slot_count * ring->stride_len;
    ring->tail_cache = 0;
    ring->head_cache = 0;
    atomic_init(&ring->head, 0);
    atomic_init(&ring->tail, 0);

    void *map = platform_pages_alloc(ring->map_len);
    if (map == NULL) {
        ring_destroy(ring);
        return NULL;
    }
    ring->slots = map;
    return ring;
}

void ring_destroy(struct ring *ring)
{
    if (ring == NULL)
        return;
    if (ring->slots != NULL)
        platform_pages_free(ring->slots, ring->map_len);
    platform_aligned_free(ring);
}

size_t ring_slot_count(const struct ring *ring)
{
    return ring->slot_count;
}

size_t ring_data_cap(const struct ring *ring)
{
    return ring->data_cap;
}

static struct ring_slot *ring_slot_at(const struct ring *ring, uint64_t index)
{
    size_t place = (size_t)(index & (ring->slot_count - 1));
    return (struct ring_slot *)(void *)(ring->slots + place * ring->stride_len);
}

size_t ring_reserve(struct ring *ring, size_t want)
{
    /* Relaxed: only this thread stores head, so it reads its own value. */
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    uint64_t room = ring->slot_count - (head - ring->tail_cache);
    if (room < want) {
        /* Acquire: the consumer's reads of the slots it released must be
         * finished before we overwrite them. Pairs with ring_release(). */
        ring->tail_cache = atomic_load_explicit(&ring->tail, memory_order_acquire);
        room = ring->slot_count - (head - ring->tail_cache);
    }
    return room < want ? (size_t)room : want;
}

struct ring_slot *ring_reserved_slot(struct ring *ring, size_t i)
{
    /* Relaxed: the producer's own index, as in ring_reserve(). */
    return ring_slot_at(ring, atomic_load_explicit(&ring->head, memory_order_relaxed) + i);
}

void ring_commit(struct ring *ring, size_t n)
{
    /* Relaxed: the producer's own index. */
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    /* Release: the consumer must see the slots' bytes before the new head.
     * Pairs with the acquire in ring_peek(). */
    atomic_store_explicit(&ring->head, head + n, memory_order_release);
}

size_t ring_peek(struct ring *ring, size_t want)
{
    /* Relaxed: only this thread stores tail. */
    uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint64_t ready = ring->head_cache - tail;
    if (ready < want) {
        /* Acquire: the slots' bytes written before the producer's commit
         * are visible once we see its head. Pairs with ring_commit(). */
        ring->head_cache = atomic_load_explicit(&ring->head, memory_order_acquire);
        ready = ring->head_cache - tail;
    }
    return ready < want ? (size_t)ready : want;
}

const struct ring_slot *ring_peeked_slot(const struct ring *ring, size_t i)
{
    /* Relaxed: the consumer's own index. */
    return ring_slot_at(ring, atomic_load_explicit(&ring->tail, memory_order_relaxed) + i);
}

void ring_release(struct ring *ring, size_t n)
{
    /* Relaxed: the consumer's own index. */
    uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    /* Release: our reads of these slots happen before the producer may
     * reuse them. Pairs with the acquire in ring_reserve(). */
    atomic_store_explicit(&ring->tail, tail + n, memory_order_release);
}

bool ring_is_drained(struct ring *ring)
{
    /* Relaxed: the producer's own index. */
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    /* Acquire: what the consumer did before releasing the last slot
     * happens before what the producer does next. Pairs with
     * ring_release(). */
    ring->tail_cache = atomic_load_explicit(&ring->tail, memory_order_acquire);
    return ring->tail_cache == head;
}

size_t ring_backlog(struct ring *ring)
{
    /* Relaxed, both: a figure for people, never used to touch a slot. The
     * two loads are not ordered, so a stale head may trail the tail. */
    uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    return head >= tail ? (size_t)(head - tail) : 0;
}
