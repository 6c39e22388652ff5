/*
 * Records to a remote destination (a Redis stream, a syslog server),
 * without ever making the analysis wait for it. Each outlet owns a bounded
 * spool, in memory and counted in bytes, and one sender thread that takes
 * records from the spool's front in batches, hands them to the transport
 * and removes only those the transport confirms. While the destination is
 * unreachable the sender reconnects with backoff (100 ms doubling to 5 s)
 * and records wait; a record that finds the spool full is dropped and
 * counted, never silently: the caller reports the counts at the end.
 *
 * Delivery is at least once: a batch cut by a broken connection is sent
 * again from its first unconfirmed record, so a consumer may see a record
 * twice and dedupes on its id.
 *
 * record_outlet_put() may be called from one thread at a time (the output
 * writer); the counts may be read from any thread.
 */
#ifndef TV_RECORD_OUTLET_H
#define TV_RECORD_OUTLET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One record as the outlet holds it: the strings live in one allocation
 * with the record; json is the line --json prints, without its newline. */
struct outlet_record {
    struct outlet_record *next; /* spool order; the transport leaves it alone */
    const char *type;           /* "flow" or "summary" */
    const char *id;             /* unique per record across sensors and runs */
    const char *sensor;
    const char *json;
    size_t json_len;
    int level;          /* enum tv_level of the record: syslog's severity */
    int64_t made_us;    /* wall clock when the record was made */
    size_t spool_bytes; /* what this record costs in the spool */
    unsigned attempts;  /* times handed to the transport so far */
};

enum outlet_result {
    OUTLET_OK = 0,
    OUTLET_RETRY,      /* the connection failed: reconnect, send again */
    OUTLET_UNSENDABLE, /* this record can never be sent (too long): drop it */
    OUTLET_FATAL,      /* the destination refuses us (password, key type) */
};

/* What a destination provides. ctx is the transport's own state, used by
 * the sender thread only. err gets one line saying why, on failure. */
struct outlet_transport {
    const char *name; /* "redis", "syslog": for messages */
    /* Connects; OUTLET_OK, OUTLET_RETRY or OUTLET_FATAL. */
    enum outlet_result (*connect)(void *ctx, char *err, size_t err_len);
    /* Sends recs[0..n) in order; *confirmed: how many from the front are
     * delivered for certain (all n on OUTLET_OK). OUTLET_UNSENDABLE:
     * recs[*confirmed] is the record that can never be sent. */
    enum outlet_result (*send)(void *ctx, struct outlet_record *const *recs, size_t n,
                               size_t *confirmed, char *err, size_t err_len);
    /* Drops the connection; connect() may be called again. */
    void (*disconnect)(void *ctx);
    void (*destroy)(void *ctx);
};

struct outlet_counts {
    uint64_t queued;        /* records put */
    uint64_t sent;          /* confirmed by the destination */
    uint64_t retried;       /* sent again after a broken connection */
    uint64_t spooled;       /* records that had to wait for a connection */
    uint64_t dropped_full;  /* refused: the spool was full */
    uint64_t unsendable;    /* refused by the transport as too long */
    uint64_t dropped_fatal; /* left when the destination refused us */
    uint64_t unsent;        /* still in the spool when the outlet finished */
    uint64_t kept;          /* of those, kept for a later run (--spool-file) */
    uint64_t restored;      /* of those put, kept by an earlier run */
    uint64_t connects;      /* successful connections, the first included */
    uint64_t spool_peak_bytes;
    bool is_fatal;
    char last_error[200]; /* the last failure, "" if none */
};

struct record_outlet;

/* Takes ownership of ctx (destroyed with the outlet). label names the
 * destination in messages (its URL without a password). spool_cap_bytes
 * bounds what waits. Starts the sender thread. NULL if out of memory or
 * the thread cannot start. */
struct record_outlet *record_outlet_create(const struct outlet_transport *t, void *ctx,
                                           const char *label, size_t spool_cap_bytes);

/* Copies the record into the spool, or drops and counts it if the spool
 * is full. Never blocks on the destination. */
void record_outlet_put(struct record_outlet *o, const char *type, const char *id,
                       const char *sensor, const char *json, size_t json_len, int level,
                       int64_t made_us);

/* Counts n records put as ones an earlier run kept (--spool-file). */
void record_outlet_count_restored(struct record_outlet *o, uint64_t n);

/* Makes the sender drop its connection and connect afresh. */
void record_outlet_reopen(struct record_outlet *o);

/* The same each time *reopen_count changes, which a signal handler may
 * do (SIGHUP): the sender looks at it at least twice a second, whatever
 * the rest of the program is waiting for. */
void record_outlet_watch(struct record_outlet *o, const atomic_uint *reopen_count);

/* Waits up to wait_ms for the spool to empty; the sender goes on. */
void record_outlet_drain(struct record_outlet *o, int wait_ms);

/* Waits up to wait_ms for the spool to empty, then stops the sender;
 * what is left is counted as unsent. */
void record_outlet_finish(struct record_outlet *o, int wait_ms);

/* The same, but each record left is first offered to keep, in spool
 * order; those it takes (true) are counted as kept, not unsent. */
typedef bool (*record_outlet_keep_fn)(void *ctx, const struct outlet_record *rec);
void record_outlet_finish_keeping(struct record_outlet *o, int wait_ms, record_outlet_keep_fn keep,
                                  void *ctx);

void record_outlet_counts(struct record_outlet *o, struct outlet_counts *out);
const char *record_outlet_label(const struct record_outlet *o);

/* Finishes (without waiting) if not done, then frees. */
void record_outlet_destroy(struct record_outlet *o);

#endif
