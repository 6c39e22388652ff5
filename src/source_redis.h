/*
 * Records read from a Redis stream as one reader of a consumer group
 * (--from-redis): the stream that sensors' --redis fills, each entry one
 * record with the fields type, id, sensor and json.
 *
 * Delivery to the group is at least once, and a sensor may have added a
 * record twice (it sends again what Redis did not confirm), so readers
 * share one record of the ids they have taken: a hash beside the stream,
 * STREAM:seen:GROUP, record id -> the entry that carried it. An entry
 * whose id was taken from another entry is a repeat: acknowledged, not
 * handed on. An entry handed on again (its reader died before
 * acknowledging it) is handed on again, so a crash repeats a record
 * rather than losing one.
 *
 * The reading, in order: this reader's own pending entries (read by an
 * earlier run under the same consumer name and never acknowledged);
 * then the entries other readers left pending longer than claim_idle_ms
 * (XAUTOCLAIM), and again every claim_idle_ms with follow; then new
 * entries. Each batch is handed on, then acknowledged (XACK). Without
 * follow the reading ends when the group has nothing new; with it, it
 * waits for more until *stop is nonzero, reconnecting when the broker
 * goes away.
 */
#ifndef TV_SOURCE_REDIS_H
#define TV_SOURCE_REDIS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOURCE_REDIS_BATCH         256   /* entries asked for at once */
#define SOURCE_REDIS_CLAIM_IDLE_MS 60000 /* --claim-idle's default */
#define SOURCE_REDIS_NAME_LEN_CAP  128   /* --group and --consumer names */

struct source_redis_options {
    const char *url;      /* redis://[USER@]HOST[:PORT]/STREAM */
    const char *password; /* or NULL */
    const char *group;
    const char *consumer;
    int64_t claim_idle_ms;
    bool follow;
    const volatile sig_atomic_t *stop; /* nonzero: stop at the next batch */
};

/* One entry's record; valid during the callback. */
struct source_redis_record {
    const char *type; /* "flow" or "summary"; other types are handed on too */
    const char *id;
    const char *sensor;
    const char *json;
    size_t json_len;
};

/* False: stop reading (memory is short); the batch is not acknowledged. */
typedef bool (*source_redis_fn)(const struct source_redis_record *rec, void *ctx);
/* After a batch's records, before they are acknowledged: what was made of
 * them must be written out, or a crash now would lose them. False: it
 * could not be (a write error); the reading stops, unacknowledged. */
typedef bool (*source_redis_flush_fn)(void *ctx);

struct source_redis_counts {
    uint64_t entries;     /* read from the stream, claimed ones included */
    uint64_t records;     /* handed on */
    uint64_t repeats;     /* a record another entry carried: skipped */
    uint64_t redelivered; /* entries handed on again: their reader never acknowledged */
    uint64_t claimed;     /* taken over from other readers */
    uint64_t malformed;   /* without the fields a record needs: acknowledged, skipped */
    uint64_t trimmed;     /* pending, but trimmed from the stream before read */
    uint64_t connects;
};

enum source_redis_status {
    SOURCE_REDIS_OK = 0,
    SOURCE_REDIS_ERROR,   /* said in err: unreachable, refused, not a stream */
    SOURCE_REDIS_STOPPED, /* the callback said stop */
};

/* The stream's label ("redis HOST:PORT/STREAM") in label. */
enum source_redis_status source_redis_run(const struct source_redis_options *opt,
                                          source_redis_fn on_record, source_redis_flush_fn on_flush,
                                          void *ctx, struct source_redis_counts *counts,
                                          char *label, size_t label_len, char *err, size_t err_len);

#endif
