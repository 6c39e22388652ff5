/*
 * The stream's clock: the time that ends flows (time-outs) and measures
 * the time between packets, taken from the packets' stamps but not
 * hijacked by one that lies.
 *
 * A packet stamped within threshold_us (--idle-timeout: a jump any larger
 * could end every open flow) of the clock is ordinary: the clock moves up
 * to it, never back. A packet stamped further ahead or behind starts a
 * jump, which later packets must confirm: it and the packets after it are
 * held back until STREAM_CLOCK_CONFIRM packets in a row agree with each
 * other (each within threshold_us of the one before) and not with the
 * clock. Then the jump is followed: ahead, the clock moves on to them, as
 * after a real silence; behind, time cannot go back, so the clock goes on
 * from where it was, keeping the packets' spacing (their stamps are taken
 * with an offset from then on). A jump that the next packets do not
 * confirm (one comes back near the clock, or the input ends first) was a
 * lie: its packets are analysed as if they came at the clock's time, in
 * their place in the input, and the clock does not move for them.
 *
 * Either way each jump is reported (on_jump), with its first packet's
 * number and stamp. Packets come out (out) in input order, each with the
 * clock time it is analysed at. No I/O, no threads: the pipeline's
 * capture thread alone uses it, so that every worker sees one clock.
 */
#ifndef TV_STREAM_CLOCK_H
#define TV_STREAM_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpverdict.h"

/* Packets in a row that make a jump real: the one that jumped and three
 * more. Fewer, and they are held no longer than it takes them to come. */
#define STREAM_CLOCK_CONFIRM 4

/* A packet, as it comes out: its bytes valid during the call only. */
typedef void (*stream_clock_out_fn)(void *ctx, const struct tv_packet *packet, uint64_t number,
                                    int64_t clock_us);

struct stream_clock_jump {
    uint64_t first_pkt; /* number of the packet that jumped */
    int64_t stamp_us;   /* its stamp, as the input has it */
    int64_t clock_us;   /* the clock then */
    uint32_t packets;   /* packets in a row that agreed with it */
    bool is_followed;   /* confirmed: the clock went with it */
};

typedef void (*stream_clock_jump_fn)(void *ctx, const struct stream_clock_jump *jump);

struct stream_clock;

/* NULL if memory is short or threshold_us is not positive. */
struct stream_clock *stream_clock_create(int64_t threshold_us);
void stream_clock_destroy(struct stream_clock *c);

/* One packet (number: its place in the input). It, and any packets held
 * before it whose fate it decides, come out through out; jumps decided
 * are reported through on_jump. A jumping packet that cannot be held for
 * lack of memory comes out at once, at the clock's time. */
void stream_clock_packet(struct stream_clock *c, const struct tv_packet *packet, uint64_t number,
                         stream_clock_out_fn out, stream_clock_jump_fn on_jump, void *ctx);

/* End of input: packets still held were not confirmed; they come out. */
void stream_clock_finish(struct stream_clock *c, stream_clock_out_fn out,
                         stream_clock_jump_fn on_jump, void *ctx);

/* The clock now (0 before the first packet). */
int64_t stream_clock_now(const struct stream_clock *c);

#endif
