/*
 * Single-producer single-consumer ring of fixed-size packet slots, the
 * only link between the capture thread and an analysis worker.
 *
 * One thread produces, one consumes; nothing else may touch a ring while
 * both run. The producer owns a slot from ring_reserve() until
 * ring_commit() publishes it, the consumer from ring_peek() until
 * ring_release() hands it back. Both sides work in batches: reserve or
 * peek several slots, fill or read them, then publish them with one store,
 * so that the shared indexes are touched once per batch, not per packet.
 *
 * The ring never blocks and never allocates after creation: a full ring
 * makes ring_reserve() return 0 and the caller decides (drop, or wait).
 * Waiting, counting drops and what a slot means belong to the caller.
 */
#ifndef TV_RING_H
#define TV_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a slot carries; the ring itself never looks. */
enum ring_slot_kind {
    RING_SLOT_PACKET = 0, /* a captured packet: every field below */
    RING_SLOT_END,        /* no more slots will follow; ts_us is the last time */
    RING_SLOT_TICK,       /* no packet: the clock is ts_us as of packet `number` */
    RING_SLOT_INTERIM,    /* interim reports are due at packet `number`, at ts_us */
};

/* One slot: a small header, then up to data_cap bytes of packet, unless
 * the packet's bytes are elsewhere (ext_data). */
struct ring_slot {
    int64_t ts_us;           /* packet time, microseconds since the epoch */
    uint64_t number;         /* 1-based position in the whole input */
    const uint8_t *ext_data; /* the packet, where it stays valid; NULL: in data[] */
    uint32_t caplen;         /* bytes of packet */
    uint32_t wirelen;
    int32_t linktype;
    uint32_t frame_sum; /* with has_frame_sum: the packet's RFC 1071 sum */
    uint32_t epb_flags; /* the capture file's packet flags (TV_EPB_*) */
    uint8_t kind;       /* enum ring_slot_kind */
    uint8_t has_frame_sum;
    uint8_t data[];
};

struct ring;

/* slot_count must be a power of two, at least 2; data_cap is the largest
 * packet a slot holds. NULL if an argument is out of range or memory is
 * short. */
struct ring *ring_create(size_t slot_count, size_t data_cap);
void ring_destroy(struct ring *ring);

size_t ring_slot_count(const struct ring *ring);
size_t ring_data_cap(const struct ring *ring);

/* Producer. Makes up to want slots writable and returns how many (0: the
 * ring is full). Slots reserved earlier and not yet committed count among
 * them, so calling it again for more is cheap. */
size_t ring_reserve(struct ring *ring, size_t want);
/* The i-th reserved slot, i < the last ring_reserve() result. */
struct ring_slot *ring_reserved_slot(struct ring *ring, size_t i);
/* Publishes the first n reserved slots, in order. */
void ring_commit(struct ring *ring, size_t n);

/* Consumer. Makes up to want published slots readable and returns how
 * many (0: the ring is empty). */
size_t ring_peek(struct ring *ring, size_t want);
/* The i-th peeked slot, i < the last ring_peek() result. */
const struct ring_slot *ring_peeked_slot(const struct ring *ring, size_t i);
/* Hands the first n peeked slots back to the producer. */
void ring_release(struct ring *ring, size_t n);

/* Producer: has the consumer released every slot committed? If so, it
 * is done with them and with whatever it wrote while reading them: the
 * producer sees all of that. */
bool ring_is_drained(struct ring *ring);

/* Slots published and not yet released, as either side can see it; only
 * approximate while the other side runs. */
size_t ring_backlog(struct ring *ring);

#endif
