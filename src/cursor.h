/*
 * Bounds-checked reader over packet bytes. Every packet byte in tcpverdict is
 * read through these helpers: no casts to structs, no hand indexing.
 *
 * Values are assembled byte by byte, so alignment and byte order never
 * matter. Invariant: off <= len. A read past the end returns zero, leaves
 * the cursor where it was and sets the sticky `overrun` flag; callers check
 * the flag once per header.
 */
#ifndef TV_CURSOR_H
#define TV_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
    const uint8_t *data; /* borrowed */
    size_t len;
    size_t off;
    bool overrun;
};

static inline struct cursor cursor_make(const uint8_t *data, size_t len)
{
    struct cursor c = {data, len, 0, false};
    return c;
}

static inline size_t cursor_remaining(const struct cursor *c)
{
    return c->len - c->off;
}

/* True if n more bytes can be read. Cannot overflow: off <= len. */
static inline bool cursor_has(const struct cursor *c, size_t n)
{
    return !c->overrun && c->len - c->off >= n;
}

static inline const uint8_t *cursor_ptr(const struct cursor *c)
{
    return c->data + c->off;
}

static inline uint8_t cursor_u8(struct cursor *c)
{
    if (!cursor_has(c, 1)) {
        c->overrun = true;
        return 0;
    }
    return c->data[c->off++];
}

static inline uint16_t cursor_be16(struct cursor *c)
{
    if (!cursor_has(c, 2)) {
        c->overrun = true;
        return 0;
    }
    const uint8_t *p = c->data + c->off;
    c->off += 2;
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint16_t cursor_le16(struct cursor *c)
{
    if (!cursor_has(c, 2)) {
        c->overrun = true;
        return 0;
    }
    const uint8_t *p = c->data + c->off;
    c->off += 2;
    return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static inline uint32_t cursor_be32(struct cursor *c)
{
    if (!cursor_has(c, 4)) {
        c->overrun = true;
        return 0;
    }
    const uint8_t *p = c->data + c->off;
    c->off += 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t cursor_le32(struct cursor *c)
{
    if (!cursor_has(c, 4)) {
        c->overrun = true;
        return 0;
    }
    const uint8_t *p = c->data + c->off;
    c->off += 4;
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Copies n bytes into out, or sets overrun and zero-fills out. */
static inline void cursor_copy(struct cursor *c, uint8_t *out, size_t n)
{
    if (!cursor_has(c, n)) {
        c->overrun = true;
        for (size_t i = 0; i < n; i++)
            out[i] = 0;
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = c->data[c->off + i];
    c->off += n;
}

static inline void cursor_skip(struct cursor *c, size_t n)
{
    if (!cursor_has(c, n)) {
        c->overrun = true;
        return;
    }
    c->off += n;
}

/*
 * Splits off the next n bytes as a cursor of their own and advances past
 * them. If fewer than n remain, the result is overrun (and so is c).
 */
static inline struct cursor cursor_split(struct cursor *c, size_t n)
{
    struct cursor sub = {c->data + c->off, 0, 0, false};
    if (!cursor_has(c, n)) {
        c->overrun = true;
        sub.overrun = true;
        return sub;
    }
    sub.len = n;
    c->off += n;
    return sub;
}

#endif
