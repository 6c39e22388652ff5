/*
 * The stream's clock (stream_clock.h). Holds at most STREAM_CLOCK_CONFIRM - 1
 * packets, copied, while a jump is weighed; every other packet passes
 * straight through. Stamps are 64-bit microseconds from any input, so
 * every sum and difference saturates instead of overflowing.
 */
#include "stream_clock.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

struct held_packet {
    struct tv_packet packet; /* data points to bytes[] */
    uint64_t number;
    int64_t at_us; /* its stamp with the offset */
    uint8_t bytes[];
};

struct stream_clock {
    int64_t threshold_us;
    int64_t now_us;
    int64_t offset_us; /* added to stamps since a jump back was followed */
    bool is_started;
    /* The jump being weighed: its packets, oldest first. */
    struct held_packet *held[STREAM_CLOCK_CONFIRM];
    size_t held_count;
};

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static bool is_near(const struct stream_clock *c, int64_t a_us, int64_t b_us)
{
    int64_t d = sat_sub(a_us, b_us);
    return d <= c->threshold_us && d >= -c->threshold_us;
}

struct stream_clock *stream_clock_create(int64_t threshold_us)
{
    if (threshold_us <= 0)
        return NULL;
    struct stream_clock *c = calloc(1, sizeof(*c));
    if (c != NULL)
        c->threshold_us = threshold_us;
    return c;
}

static void release_held(struct stream_clock *c)
{
    for (size_t i = 0; i < c->held_count; i++)
        free(c->held[i]);
    c->held_count = 0;
}

void stream_clock_destroy(struct stream_clock *c)
{
    if (c == NULL)
        return;
    release_held(c);
    free(c);
}

int64_t stream_clock_now(const struct stream_clock *c)
{
    return c->now_us;
}

static void report(struct stream_clock *c, bool is_followed, stream_clock_jump_fn on_jump,
                   void *ctx)
{
    const struct held_packet *first = c->held[0];
    struct stream_clock_jump jump = {
        .first_pkt = first->number,
        .stamp_us = first->packet.ts_us,
        .clock_us = c->now_us,
        .packets = (uint32_t)c->held_count,
        .is_followed = is_followed,
    };
    on_jump(ctx, &jump);
}

/* Not confirmed: the held packets come out at the clock's time. */
static void reject(struct stream_clock *c, stream_clock_out_fn out, stream_clock_jump_fn on_jump,
                   void *ctx)
{
    if (c->held_count == 0)
        return;
    report(c, false, on_jump, ctx);
    for (size_t i = 0; i < c->held_count; i++)
        out(ctx, &c->held[i]->packet, c->held[i]->number, c->now_us);
    release_held(c);
}

/* Confirmed: ahead, the clock goes to them; behind, it goes on from where
 * it is, and later stamps are shifted as theirs. */
static void follow(struct stream_clock *c, stream_clock_out_fn out, stream_clock_jump_fn on_jump,
                   void *ctx)
{
    report(c, true, on_jump, ctx);
    int64_t shift_us = 0;
    if (c->held[0]->at_us < c->now_us) {
        shift_us = sat_sub(c->now_us, c->held[0]->at_us);
        c->offset_us = sat_add(c->offset_us, shift_us);
    }
    for (size_t i = 0; i < c->held_count; i++) {
        int64_t at_us = sat_add(c->held[i]->at_us, shift_us);
        if (at_us > c->now_us)
            c->now_us = at_us;
        out(ctx, &c->held[i]->packet, c->held[i]->number, c->now_us);
    }
    release_held(c);
}

static bool hold(struct stream_clock *c, const struct tv_packet *packet, uint64_t number,
                 int64_t at_us)
{
    struct held_packet *h = malloc(sizeof(*h) + packet->caplen);
    if (h == NULL)
        return false;
    h->packet = *packet;
    memcpy(h->bytes, packet->data, packet->caplen);
    h->packet.data = h->bytes;
    h->packet.is_data_stable = false;
    h->number = number;
    h->at_us = at_us;
    c->held[c->held_count++] = h;
    return true;
}

void stream_clock_packet(struct stream_clock *c, const struct tv_packet *packet, uint64_t number,
                         stream_clock_out_fn out, stream_clock_jump_fn on_jump, void *ctx)
{
    int64_t at_us = sat_add(packet->ts_us, c->offset_us);
    if (!c->is_started) {
        c->is_started = true;
        c->now_us = at_us;
    }
    if (is_near(c, at_us, c->now_us)) {
        reject(c, out, on_jump, ctx);
        if (at_us > c->now_us)
            c->now_us = at_us;
        out(ctx, packet, number, c->now_us);
        return;
    }
    /* Far from the clock, and from the jump being weighed: another one. */
    if (c->held_count > 0 && !is_near(c, at_us, c->held[c->held_count - 1]->at_us))
        reject(c, out, on_jump, ctx);
    if (!hold(c, packet, number, at_us)) {
        /* No memory to weigh it: it does not move the clock. */
        reject(c, out, on_jump, ctx);
        out(ctx, packet, number, c->now_us);
        return;
    }
    if (c->held_count == STREAM_CLOCK_CONFIRM)
        follow(c, out, on_jump, ctx);
}

void stream_clock_finish(struct stream_clock *c, stream_clock_out_fn out,
                         stream_clock_jump_fn on_jump, void *ctx)
{
    reject(c, out, on_jump, ctx);
}
