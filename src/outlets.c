/*
 * The run's remote destinations. See outlets.h.
 */
#include "outlets.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "log.h"
#include "platform.h"
#include "record_outlet.h"
#include "sink_redis.h"
#include "sink_syslog.h"
#include "spool_file.h"

#include "banned.h"

/* SENSOR:RUN:FLOW_ID:iSEQ, with room to spare. */
#define OUTLETS_ID_LEN (CLI_SENSOR_LEN_CAP + 64)

/* A record of the spool file for none of this run's destinations: kept
 * for a run that has its destination. One allocation, strings after it. */
struct outlets_foreign {
    struct outlets_foreign *next;
    const char *destination;
    struct outlet_record rec;
};

struct outlets {
    struct record_outlet *dest[OUTLETS_CAP];
    size_t count;
    const char *spool_path;          /* --spool-file, or NULL */
    struct outlets_foreign *foreign; /* owned, in file order (reversed while read) */
    uint64_t foreign_bytes;
    uint64_t foreign_dropped; /* past --spool-size: not kept again */
    uint64_t spool_cap_bytes;
    char sensor[CLI_SENSOR_LEN_CAP + 1];
    char run_id[17];
    uint64_t record_seq; /* records put so far: interim ids */
    int64_t wait_ms;     /* --sink-wait, for drain and finish together */
    int64_t deadline_ns; /* set by the first drain */
};

static int64_t outlets_wall_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The host's name, or "unknown" if it has none we can use as a sensor's. */
static void outlets_default_sensor(char *out, size_t len)
{
    snprintf(out, len, "unknown");
#ifndef _WIN32
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        return;
    host[sizeof(host) - 1] = '\0';
    size_t host_len = strlen(host);
    if (cli_sensor_is_valid(host) && host_len < len)
        memcpy(out, host, host_len + 1);
#endif
}

bool outlets_redis_password(const struct cli_options *opt, char *out, size_t cap,
                            bool *has_password)
{
    *has_password = false;
    if (opt->redis_password_file == NULL) {
        const char *env = getenv("TCPVERDICT_REDIS_PASSWORD");
        if (env == NULL || env[0] == '\0')
            return true;
        if (strlen(env) >= cap) {
            log_error("TCPVERDICT_REDIS_PASSWORD: longer than %zu bytes", cap - 1);
            return false;
        }
        snprintf(out, cap, "%s", env);
        *has_password = true;
        return true;
    }
    FILE *f = fopen(opt->redis_password_file, "r");
    if (f == NULL) {
        log_error("--redis-password-file %s: %s", opt->redis_password_file, strerror(errno));
        return false;
    }
    bool is_read = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    size_t len = is_read ? strcspn(out, "\r\n") : 0;
    if (len == 0 || len >= cap - 1) {
        log_error("--redis-password-file %s: the first line should be the password, of 1 to "
                  "%zu bytes",
                  opt->redis_password_file, cap - 2);
        return false;
    }
    out[len] = '\0';
    *has_password = true;
    return true;
}

static bool outlets_add(struct outlets *o, const struct cli_options *opt,
                        const struct cli_destination *d, const char *password)
{
    char err[256] = "";
    bool is_redis = d->kind == CLI_DESTINATION_REDIS;
    void *ctx = is_redis ? sink_redis_create(d->spec, password, opt->redis_maxlen, err, sizeof(err))
                         : sink_syslog_create(d->spec, err, sizeof(err));
    if (ctx == NULL) {
        log_error("%s", err[0] != '\0' ? err : "out of memory");
        return false;
    }
    if (!is_redis)
        sink_syslog_set_facility(ctx, opt->syslog_facility);
    char label[320];
    if (is_redis)
        snprintf(label, sizeof(label), "%s", sink_redis_label(ctx));
    else
        snprintf(label, sizeof(label), "syslog %s", sink_syslog_label(ctx));
    o->dest[o->count] =
        record_outlet_create(is_redis ? sink_redis_transport() : sink_syslog_transport(), ctx,
                             label, opt->spool_cap_bytes);
    if (o->dest[o->count] == NULL) {
        log_error("%s: cannot start its sender: out of memory", label);
        return false;
    }
    o->count++;
    return true;
}

static char *outlets_copy(char **at, const char *s, size_t len)
{
    char *copy = *at;
    memcpy(copy, s, len);
    copy[len] = '\0';
    *at += len + 1;
    return copy;
}

/* A record the spool file kept: to its destination's spool, first. */
static void outlets_restore(void *ctx, const char *destination, const struct outlet_record *rec)
{
    struct outlets *o = ctx;
    for (size_t i = 0; i < o->count; i++)
        if (strcmp(record_outlet_label(o->dest[i]), destination) == 0) {
            record_outlet_put(o->dest[i], rec->type, rec->id, rec->sensor, rec->json, rec->json_len,
                              rec->level, rec->made_us);
            record_outlet_count_restored(o->dest[i], 1);
            return;
        }
    size_t dest_len = strlen(destination), type_len = strlen(rec->type);
    size_t id_len = strlen(rec->id), sensor_len = strlen(rec->sensor);
    size_t bytes = sizeof(struct outlets_foreign) + dest_len + type_len + id_len + sensor_len +
                   rec->json_len + 5;
    struct outlets_foreign *f =
        o->foreign_bytes + bytes <= o->spool_cap_bytes ? malloc(bytes) : NULL;
    if (f == NULL) {
        o->foreign_dropped++;
        return;
    }
    char *at = (char *)(f + 1);
    f->rec = *rec;
    f->destination = outlets_copy(&at, destination, dest_len);
    f->rec.type = outlets_copy(&at, rec->type, type_len);
    f->rec.id = outlets_copy(&at, rec->id, id_len);
    f->rec.sensor = outlets_copy(&at, rec->sensor, sensor_len);
    f->rec.json = outlets_copy(&at, rec->json, rec->json_len);
    f->next = o->foreign;
    o->foreign = f;
    o->foreign_bytes += bytes;
}

/* --spool-file: what an earlier run kept, put before any new record. */
static bool outlets_read_spool(struct outlets *o)
{
    char err[512];
    struct spool_file_counts counts;
    if (!spool_file_read(o->spool_path, o->spool_cap_bytes * o->count, outlets_restore, o, &counts,
                         err, sizeof(err))) {
        log_error("%s", err);
        return false;
    }
    /* Read in file order, each put at the front: turned back. */
    struct outlets_foreign *in_order = NULL;
    while (o->foreign != NULL) {
        struct outlets_foreign *f = o->foreign;
        o->foreign = f->next;
        f->next = in_order;
        in_order = f;
    }
    o->foreign = in_order;
    if (counts.records > 0)
        log_info("--spool-file %s: %" PRIu64 " records an earlier run kept, sent first%s",
                 o->spool_path, counts.records,
                 o->foreign != NULL ? " (some for destinations not given now: kept)" : "");
    if (counts.bad > 0)
        log_warn("--spool-file %s: %" PRIu64 " lines that are not records skipped", o->spool_path,
                 counts.bad);
    if (o->foreign_dropped > 0)
        log_warn("--spool-file %s: %" PRIu64 " records for destinations not given now dropped: "
                 "past --spool-size",
                 o->spool_path, o->foreign_dropped);
    return true;
}

struct outlets *outlets_create(const struct cli_options *opt, bool *is_error)
{
    *is_error = false;
    if (opt->destination_count == 0)
        return NULL;
    *is_error = true;
    struct outlets *o = calloc(1, sizeof(*o));
    if (o == NULL) {
        log_error("out of memory");
        return NULL;
    }
    if (opt->sensor != NULL)
        snprintf(o->sensor, sizeof(o->sensor), "%s", opt->sensor);
    else
        outlets_default_sensor(o->sensor, sizeof(o->sensor));
    uint8_t run[8];
    if (!platform_random_bytes(run, sizeof(run))) {
        log_error("cannot draw a run id from the system's random source");
        free(o);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(run); i++)
        snprintf(o->run_id + 2 * i, 3, "%02x", run[i]);
    o->wait_ms = opt->sink_wait_ms;
    o->spool_path = opt->spool_path;
    o->spool_cap_bytes = opt->spool_cap_bytes;
    char password[OUTLETS_PASSWORD_CAP];
    bool has_password = false;
    bool is_made = true;
    for (size_t i = 0; is_made && i < opt->destination_count; i++) {
        const struct cli_destination *d = &opt->destinations[i];
        if (d->kind == CLI_DESTINATION_REDIS && !has_password &&
            !outlets_redis_password(opt, password, sizeof(password), &has_password))
            is_made = false;
        else
            is_made = outlets_add(o, opt, d, has_password ? password : NULL);
    }
    /* The transports keep their copies: none is left here. */
    volatile char *p = password;
    for (size_t i = 0; i < sizeof(password); i++)
        p[i] = '\0';
    if (is_made && o->spool_path != NULL)
        is_made = outlets_read_spool(o);
    if (!is_made) {
        outlets_destroy(o);
        return NULL;
    }
    *is_error = false;
    return o;
}

void outlets_destroy(struct outlets *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->count; i++)
        record_outlet_destroy(o->dest[i]);
    while (o->foreign != NULL) {
        struct outlets_foreign *f = o->foreign;
        o->foreign = f->next;
        free(f);
    }
    free(o);
}

static void outlets_put(struct outlets *o, const char *type, const char *id, const char *json,
                        size_t len, int level)
{
    if (len > 0 && json[len - 1] == '\n')
        len--;
    int64_t made_us = outlets_wall_us();
    for (size_t i = 0; i < o->count; i++)
        record_outlet_put(o->dest[i], type, id, o->sensor, json, len, level, made_us);
    o->record_seq++;
}

void outlets_flow(struct outlets *o, const char *json, size_t len, uint64_t flow_id,
                  bool is_interim, int level)
{
    char id[OUTLETS_ID_LEN];
    if (is_interim)
        snprintf(id, sizeof(id), "%s:%s:%" PRIu64 ":i%" PRIu64, o->sensor, o->run_id, flow_id,
                 o->record_seq);
    else
        snprintf(id, sizeof(id), "%s:%s:%" PRIu64, o->sensor, o->run_id, flow_id);
    outlets_put(o, "flow", id, json, len, level);
}

void outlets_summary(struct outlets *o, const char *json, size_t len, int level)
{
    char id[OUTLETS_ID_LEN];
    snprintf(id, sizeof(id), "%s:%s:summary", o->sensor, o->run_id);
    outlets_put(o, "summary", id, json, len, level);
}

void outlets_watch(struct outlets *o, const atomic_uint *reopen_count)
{
    for (size_t i = 0; i < o->count; i++)
        record_outlet_watch(o->dest[i], reopen_count);
}

/* What is left of --sink-wait, counted from the first call. */
static int outlets_wait_left_ms(struct outlets *o)
{
    int64_t now_ns = platform_monotonic_ns();
    if (o->deadline_ns == 0)
        o->deadline_ns = now_ns + o->wait_ms * 1000000;
    int64_t left_ms = (o->deadline_ns - now_ns) / 1000000;
    return left_ms > 0 ? (int)left_ms : 0;
}

size_t outlets_drain(struct outlets *o, struct summary_outlet *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < o->count; i++) {
        record_outlet_drain(o->dest[i], outlets_wait_left_ms(o));
        if (n < cap) {
            out[n].label = record_outlet_label(o->dest[i]);
            record_outlet_counts(o->dest[i], &out[n].counts);
            n++;
        }
    }
    return n;
}

/* A record left at the end, into the spool file's new content. */
struct outlets_keeping {
    struct spool_file *file;
    const char *destination;
};

static bool outlets_keep(void *ctx, const struct outlet_record *rec)
{
    const struct outlets_keeping *k = ctx;
    return spool_file_add(k->file, k->destination, rec);
}

bool outlets_finish(struct outlets *o)
{
    bool is_whole = true;
    struct spool_file *file = NULL;
    char err[512] = "";
    if (o->spool_path != NULL &&
        (file = spool_file_create(o->spool_path, err, sizeof(err))) == NULL)
        log_error("%s", err);
    for (size_t i = 0; i < o->count; i++) {
        struct outlets_keeping k = {file, record_outlet_label(o->dest[i])};
        record_outlet_finish_keeping(o->dest[i], outlets_wait_left_ms(o),
                                     file != NULL ? outlets_keep : NULL, &k);
    }
    /* Kept again: the earlier runs' records for destinations not given. */
    uint64_t foreign_lost = o->foreign_dropped;
    for (const struct outlets_foreign *f = o->foreign; f != NULL; f = f->next)
        foreign_lost += file == NULL || !spool_file_add(file, f->destination, &f->rec);
    uint64_t kept = file != NULL ? spool_file_count(file) : 0;
    bool is_kept = file != NULL && spool_file_commit(file, err, sizeof(err));
    spool_file_destroy(file);
    if (file != NULL && !is_kept)
        log_error("%s", err);
    else if (kept > 0)
        log_info("--spool-file %s: %" PRIu64 " records kept, to be sent at the next start",
                 o->spool_path, kept);
    if (foreign_lost > 0) {
        is_whole = false;
        log_error("--spool-file %s: %" PRIu64 " records of an earlier run, for destinations not "
                  "given now, not kept",
                  o->spool_path, foreign_lost);
    }
    for (size_t i = 0; i < o->count; i++) {
        struct outlet_counts c;
        record_outlet_counts(o->dest[i], &c);
        const char *label = record_outlet_label(o->dest[i]);
        /* Kept records whose file could not be written are lost after all. */
        uint64_t unsent = c.unsent + (is_kept ? 0 : c.kept);
        uint64_t lost = c.dropped_full + c.unsendable + c.dropped_fatal + unsent;
        if (lost == 0)
            continue;
        is_whole = false;
        log_error("%s: %" PRIu64 " of %" PRIu64 " records not delivered (%" PRIu64
                  " dropped: spool full, %" PRIu64 " too long to send, %" PRIu64
                  " refused, %" PRIu64 " still waiting after --sink-wait)%s%s",
                  label, lost, c.queued, c.dropped_full, c.unsendable, c.dropped_fatal, unsent,
                  c.last_error[0] != '\0' ? "; last error: " : "", c.last_error);
    }
    return is_whole;
}
