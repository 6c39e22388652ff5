/*
 * Reorder stage: merges the records of several lanes, one per analysis
 * worker, into the one order a single analyzer would have written them
 * in, by their keys (struct tv_order), so that the output does not depend
 * on the number of workers or on how fast each one ran.
 *
 * Each lane has one producer at a time (its worker, or the capture thread
 * while the workers are idle), which puts its records in key order and
 * marks how far it has got: every record it puts later comes after the
 * mark. The merger (one thread) writes a record once no lane can still
 * put one before it. Records are formatted bytes; the stage never looks
 * inside them. It also counts flows open at once, from the flow starts
 * and final records that pass through it, in the merged order.
 *
 * Bounded: a producer that has published lane_cap bytes the merger has
 * not taken waits (when it may) until the merger takes them, so a lane
 * holds at most about twice lane_cap.
 */
#ifndef TV_REORDER_H
#define TV_REORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpverdict.h"

enum reorder_kind {
    REORDER_FLOW = 0, /* a flow's final record: one flow fewer */
    REORDER_INTERIM,  /* an interim record: the flow goes on */
    REORDER_START,    /* a flow began: no bytes */
};

/* Where merged records go: one call per whole record. */
typedef void (*reorder_write_fn)(void *ctx, const char *bytes, size_t len);

struct reorder;

/* NULL if memory is short. */
struct reorder *reorder_create(size_t lane_count, size_t lane_cap);
void reorder_destroy(struct reorder *r);

/* Producer of the lane: one record (len may be 0), after every record put
 * in the lane before it. Returns false if memory is short (the record is
 * lost, its flow still counted). */
bool reorder_put(struct reorder *r, size_t lane, const struct tv_order *key, enum reorder_kind kind,
                 const char *bytes, size_t len, bool may_wait);

/* Producer: everything the lane puts from now on comes after mark, and
 * what it put so far is handed to the merger. Waits while the merger has
 * not taken lane_cap bytes, if may_wait. */
void reorder_mark(struct reorder *r, size_t lane, const struct tv_order *mark, bool may_wait);

/* Producer: the lane puts nothing more. */
void reorder_close(struct reorder *r, size_t lane);

/* Merger: writes every record that no lane can precede any more; returns
 * how many it wrote (or counted). Never waits for a producer. */
size_t reorder_drain(struct reorder *r, reorder_write_fn write, void *ctx);

/* Merger: every lane closed and everything written. */
bool reorder_is_done(struct reorder *r);

/* Merger: the most flows open at once so far, in the merged order. */
uint64_t reorder_max_flows(const struct reorder *r);

#endif
