/*
 * TCP sequence-number arithmetic modulo 2^32 (RFC 9293 3.4): comparisons
 * that survive wraparound. Plain `<` on sequence numbers does not.
 */
#ifndef TV_TCP_SEQ_H
#define TV_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* Signed distance from b to a, in (-2^31, 2^31]. */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    /* Two's complement conversion spelled out: no implementation-defined cast. */
    return d <= INT32_MAX ? (int32_t)d : -(int32_t)(UINT32_MAX - d) - 1;
}

static inline bool seq_lt(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) < 0;
}

static inline bool seq_leq(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) <= 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) > 0;
}

static inline bool seq_geq(uint32_t a, uint32_t b)
{
    return seq_diff(a, b) >= 0;
}

/* lo <= s <= hi, all modulo 2^32. */
static inline bool seq_between(uint32_t s, uint32_t lo, uint32_t hi)
{
    return s - lo <= hi - lo;
}

#endif
