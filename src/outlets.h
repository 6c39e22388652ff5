/*
 * The run's remote destinations (--redis, --syslog): one record_outlet each, the
 * sensor's name and the run's id, and the record ids built from them.
 *
 * Every record gets an id unique across sensors and runs, so that a
 * consumer of several sensors' records, which may see one twice (delivery
 * is at least once), can drop the repeat:
 *   SENSOR:RUN:FLOW_ID          a flow's final record
 *   SENSOR:RUN:FLOW_ID:iSEQ     an interim record (SEQ: the record's place
 *                               in the run's output)
 *   SENSOR:RUN:summary          the summary
 * RUN is 16 hex digits drawn at random when the run starts.
 *
 * Called from the output writer (one thread at a time) and, at the end,
 * from the main thread.
 */
#ifndef TV_OUTLETS_H
#define TV_OUTLETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "summary.h"

/* Spool default and limits (--spool-size), the wait at the end (--sink-wait). */
#define OUTLETS_SPOOL_DEFAULT_BYTES (64ull << 20)
#define OUTLETS_SPOOL_MIN_BYTES     (64ull << 10)
#define OUTLETS_SPOOL_MAX_BYTES     (16ull << 30)
#define OUTLETS_WAIT_DEFAULT_MS     30000
#define OUTLETS_CAP                 8 /* destinations in all */
/* A password file holds one line, the password, of this much at most. */
#define OUTLETS_PASSWORD_CAP 1024

struct outlets;

/* NULL with *is_error false when opt names no destination; NULL with
 * *is_error true after an error said on stderr (a bad --syslog). */
struct outlets *outlets_create(const struct cli_options *opt, bool *is_error);
void outlets_destroy(struct outlets *o);

/* The Redis password into out (cap bytes): --redis-password-file's first
 * line, else TCPVERDICT_REDIS_PASSWORD, else none (*has_password false).
 * False after an error said on stderr. For --from-redis too. */
bool outlets_redis_password(const struct cli_options *opt, char *out, size_t cap,
                            bool *has_password);

/* json: the record as --json prints it; its newline, if any, is not sent. */
void outlets_flow(struct outlets *o, const char *json, size_t len, uint64_t flow_id,
                  bool is_interim, int level);
void outlets_summary(struct outlets *o, const char *json, size_t len, int level);

/* Every destination reconnects each time *reopen_count changes (a
 * SIGHUP handler's count), within half a second, whatever the reading
 * waits for. */
void outlets_watch(struct outlets *o, const atomic_uint *reopen_count);

/* Waits, up to the time left of --sink-wait, for what is spooled to be
 * delivered; then fills the summary's view of each destination. */
size_t outlets_drain(struct outlets *o, struct summary_outlet *out, size_t cap);

/* Delivers what is left within the time left, stops the senders, and
 * says on stderr what was not delivered. False if any record was lost. */
bool outlets_finish(struct outlets *o);

#endif
