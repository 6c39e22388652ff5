/*
 * A consumer group's reader of a Redis stream. See source_redis.h.
 */
#include "config.h"

#include "source_redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

#include "log.h"
#include "platform.h"
#include "redis_url.h"

#include "banned.h"

#ifndef HAVE_HIREDIS
enum source_redis_status source_redis_run(const struct source_redis_options *opt,
                                          source_redis_fn on_record, source_redis_flush_fn on_flush,
                                          void *ctx, struct source_redis_counts *counts,
                                          char *label, size_t label_len, char *err, size_t err_len)
{
    (void)opt;
    (void)on_record;
    (void)on_flush;
    (void)ctx;
    memset(counts, 0, sizeof(*counts));
    snprintf(label, label_len, "redis");
    snprintf(err, err_len, "--from-redis is not available in this build (no hiredis)");
    return SOURCE_REDIS_ERROR;
}
#else

#define SOURCE_REDIS_TIMEOUT_S      5
#define SOURCE_REDIS_BLOCK_MS       "1000" /* a wait for new entries, between looks at *stop */
#define SOURCE_REDIS_BACKOFF_MIN_MS 100
#define SOURCE_REDIS_BACKOFF_MAX_MS 5000

/*
 * Takes each record id for its entry, in one round trip for a batch:
 * 1 the id is new, now this entry's; 2 it was this entry's already (the
 * entry is handed on again); 0 another entry carried it (a repeat).
 */
static const char source_redis_take_script[] =
    "local out = {}\n"
    "for i = 1, #ARGV, 2 do\n"
    "  local prev = redis.call('HGET', KEYS[1], ARGV[i])\n"
    "  if not prev then\n"
    "    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])\n"
    "    out[#out + 1] = 1\n"
    "  elseif prev == ARGV[i + 1] then\n"
    "    out[#out + 1] = 2\n"
    "  else\n"
    "    out[#out + 1] = 0\n"
    "  end\n"
    "end\n"
    "return out\n";

struct reader {
    const struct source_redis_options *opt;
    struct redis_url url;
    char *seen_key; /* owned: STREAM:seen:GROUP */
    redisContext *c;
    struct source_redis_counts *counts;
    source_redis_fn on_record;
    source_redis_flush_fn on_flush;
    void *ctx;
    char *err;
    size_t err_len;
    bool is_connection_lost; /* err says why; with follow, reconnect */
};

/* One entry of a batch, pointing into its reply. */
struct entry {
    const redisReply *id;
    struct source_redis_record rec;
    bool is_record; /* has type, id, sensor and json */
    int take;       /* the script's answer */
};

static int64_t source_redis_now_ms(void)
{
    return platform_monotonic_ns() / 1000000;
}

static void reader_disconnect(struct reader *r)
{
    if (r->c != NULL)
        redisFree(r->c);
    r->c = NULL;
}

/* A command's reply; NULL after a broken connection (said in err). */
static redisReply *reader_command(struct reader *r, int argc, const char **argv,
                                  const size_t *argvlen)
{
    redisReply *reply = redisCommandArgv(r->c, argc, argv, argvlen);
    if (reply == NULL) {
        snprintf(r->err, r->err_len, "%s: %s: %s", r->url.label, argv[0],
                 r->c->errstr[0] != '\0' ? r->c->errstr : "connection lost");
        r->is_connection_lost = true;
        reader_disconnect(r);
    }
    return reply;
}

static void reader_argv_lens(int argc, const char **argv, size_t *argvlen)
{
    for (int i = 0; i < argc; i++)
        argvlen[i] = strlen(argv[i]);
}

/* An error reply, said in err; freed. */
static bool reader_refused(struct reader *r, redisReply *reply, const char *what)
{
    if (reply->type != REDIS_REPLY_ERROR)
        return false;
    snprintf(r->err, r->err_len, "%s: %s: %s", r->url.label, what, reply->str);
    freeReplyObject(reply);
    return true;
}

/* Connects, and makes the group if there is none (from the stream's
 * start, so that a new group reads what sensors sent before it). */
static bool reader_connect(struct reader *r, bool *is_refused)
{
    void *conn = NULL;
    *is_refused = false;
    r->is_connection_lost = false;
    enum redis_url_result result = redis_url_connect(
        &r->url, r->opt->password, SOURCE_REDIS_TIMEOUT_S, &conn, r->err, r->err_len);
    if (result != REDIS_URL_OK) {
        *is_refused = result == REDIS_URL_REFUSED;
        r->is_connection_lost = !*is_refused;
        return false;
    }
    r->c = conn;
    r->counts->connects++;
    const char *argv[] = {"XGROUP", "CREATE", r->url.stream, r->opt->group, "0", "MKSTREAM"};
    size_t argvlen[6];
    reader_argv_lens(6, argv, argvlen);
    redisReply *reply = reader_command(r, 6, argv, argvlen);
    if (reply == NULL)
        return false;
    if (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9) == 0) {
        freeReplyObject(reply); /* the group is there already */
        return true;
    }
    if (reader_refused(r, reply, "XGROUP CREATE")) {
        *is_refused = true;
        reader_disconnect(r);
        return false;
    }
    freeReplyObject(reply);
    return true;
}

static const redisReply *reply_field(const redisReply *fields, const char *name)
{
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i];
        const redisReply *v = fields->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING &&
            strcmp(k->str, name) == 0)
            return v;
    }
    return NULL;
}

/* A string of no NUL bytes, else NULL. */
static const char *reply_text(const redisReply *v)
{
    return v != NULL && strlen(v->str) == v->len ? v->str : NULL;
}

/* An entry of a reply, [id, [field, value, ...]] ([id, nil] once trimmed). */
static bool entry_read(const redisReply *raw, struct entry *e, struct source_redis_counts *counts)
{
    memset(e, 0, sizeof(*e));
    if (raw->type != REDIS_REPLY_ARRAY || raw->elements != 2 ||
        raw->element[0]->type != REDIS_REPLY_STRING)
        return false;
    e->id = raw->element[0];
    const redisReply *fields = raw->element[1];
    if (fields->type != REDIS_REPLY_ARRAY) {
        counts->trimmed++;
        return true;
    }
    const redisReply *json = reply_field(fields, "json");
    e->rec.type = reply_text(reply_field(fields, "type"));
    e->rec.id = reply_text(reply_field(fields, "id"));
    e->rec.sensor = reply_text(reply_field(fields, "sensor"));
    e->rec.json = json != NULL ? json->str : NULL;
    e->rec.json_len = json != NULL ? json->len : 0;
    e->is_record = e->rec.type != NULL && e->rec.id != NULL && e->rec.sensor != NULL &&
                   e->rec.json != NULL && e->rec.id[0] != '\0';
    counts->malformed += !e->is_record;
    return true;
}

/* A command's argument vector and lengths, for argc arguments. */
static bool reader_argv_alloc(struct reader *r, size_t argc, const char ***argv, size_t **argvlen)
{
    *argv = malloc(argc * sizeof(**argv));
    *argvlen = malloc(argc * sizeof(**argvlen));
    if (*argv != NULL && *argvlen != NULL)
        return true;
    free(*argv);
    free(*argvlen);
    snprintf(r->err, r->err_len, "out of memory");
    return false;
}

/* The script's answer for each record of the batch. */
static bool reader_take(struct reader *r, struct entry *entries, size_t n)
{
    size_t records = 0;
    for (size_t i = 0; i < n; i++)
        records += entries[i].is_record;
    if (records == 0)
        return true;
    /* EVAL SCRIPT 1 KEY, then (record id, entry id) pairs */
    size_t argc = 4 + 2 * records;
    const char **argv = NULL;
    size_t *argvlen = NULL;
    if (!reader_argv_alloc(r, argc, &argv, &argvlen))
        return false;
    argv[0] = "EVAL";
    argv[1] = source_redis_take_script;
    argv[2] = "1";
    argv[3] = r->seen_key;
    size_t a = 4;
    for (size_t i = 0; i < n; i++) {
        if (!entries[i].is_record)
            continue;
        argv[a++] = entries[i].rec.id;
        argv[a++] = entries[i].id->str;
    }
    reader_argv_lens((int)argc, argv, argvlen);
    redisReply *reply = reader_command(r, (int)argc, argv, argvlen);
    free(argv);
    free(argvlen);
    if (reply == NULL)
        return false;
    if (reader_refused(r, reply, "EVAL (the record ids taken)"))
        return false;
    bool is_ok = reply->type == REDIS_REPLY_ARRAY && reply->elements == records;
    for (size_t i = 0, k = 0; is_ok && i < n; i++) {
        if (!entries[i].is_record)
            continue;
        const redisReply *take = reply->element[k++];
        is_ok = take->type == REDIS_REPLY_INTEGER;
        entries[i].take = is_ok ? (int)take->integer : 0;
    }
    if (!is_ok)
        snprintf(r->err, r->err_len, "%s: EVAL: an answer not of %zu integers", r->url.label,
                 records);
    freeReplyObject(reply);
    return is_ok;
}

static bool reader_ack(struct reader *r, const struct entry *entries, size_t n)
{
    size_t argc = 3 + n;
    const char **argv = NULL;
    size_t *argvlen = NULL;
    if (!reader_argv_alloc(r, argc, &argv, &argvlen))
        return false;
    argv[0] = "XACK";
    argv[1] = r->url.stream;
    argv[2] = r->opt->group;
    for (size_t i = 0; i < n; i++)
        argv[3 + i] = entries[i].id->str;
    reader_argv_lens((int)argc, argv, argvlen);
    redisReply *reply = reader_command(r, (int)argc, argv, argvlen);
    free(argv);
    free(argvlen);
    if (reply == NULL || reader_refused(r, reply, "XACK"))
        return false;
    freeReplyObject(reply);
    return true;
}

/*
 * A batch of entries (an array reply): taken, handed on, acknowledged.
 * *last gets the last entry id (for reading one's own pending entries
 * on). False on an error said in err, or when the callback said stop.
 */
static bool reader_batch(struct reader *r, const redisReply *list, bool is_claimed, char *last,
                         size_t last_len, bool *is_stopped)
{
    *is_stopped = false;
    if (list->elements == 0)
        return true;
    struct entry *entries = calloc(list->elements, sizeof(*entries));
    if (entries == NULL) {
        snprintf(r->err, r->err_len, "out of memory");
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < list->elements; i++)
        if (entry_read(list->element[i], &entries[n], r->counts))
            n++;
    r->counts->entries += n;
    if (is_claimed)
        r->counts->claimed += n;
    bool is_ok = reader_take(r, entries, n);
    for (size_t i = 0; is_ok && i < n; i++) {
        if (!entries[i].is_record)
            continue;
        if (entries[i].take == 0) {
            r->counts->repeats++;
            continue;
        }
        r->counts->redelivered += entries[i].take == 2;
        if (!r->on_record(&entries[i].rec, r->ctx)) {
            *is_stopped = true;
            is_ok = false;
            break;
        }
        r->counts->records++;
    }
    /* Acknowledged once handed on and written: a reader that dies before
     * this leaves them pending, for itself or another to claim. */
    if (is_ok && !r->on_flush(r->ctx)) {
        *is_stopped = true;
        is_ok = false;
    }
    if (is_ok)
        is_ok = reader_ack(r, entries, n);
    if (is_ok && n > 0)
        snprintf(last, last_len, "%s", entries[n - 1].id->str);
    free(entries);
    return is_ok;
}

/* XREADGROUP from start_id ("0": own pending; ">": new). *is_empty if
 * nothing came. */
static bool reader_read(struct reader *r, const char *start_id, bool is_blocking, bool *is_empty,
                        char *last, size_t last_len, bool *is_stopped)
{
    char count[16];
    snprintf(count, sizeof(count), "%d", SOURCE_REDIS_BATCH);
    const char *argv[12];
    int argc = 0;
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = r->opt->group;
    argv[argc++] = r->opt->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = count;
    if (is_blocking) {
        argv[argc++] = "BLOCK";
        argv[argc++] = SOURCE_REDIS_BLOCK_MS;
    }
    argv[argc++] = "STREAMS";
    argv[argc++] = r->url.stream;
    argv[argc++] = start_id;
    size_t argvlen[12];
    reader_argv_lens(argc, argv, argvlen);
    *is_empty = true;
    *is_stopped = false;
    redisReply *reply = reader_command(r, argc, argv, argvlen);
    if (reply == NULL || reader_refused(r, reply, "XREADGROUP"))
        return false;
    bool is_ok = true;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1 &&
        reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[0]->elements == 2 &&
        reply->element[0]->element[1]->type == REDIS_REPLY_ARRAY) {
        const redisReply *list = reply->element[0]->element[1];
        *is_empty = list->elements == 0;
        is_ok = reader_batch(r, list, false, last, last_len, is_stopped);
    } else if (reply->type != REDIS_REPLY_NIL) {
        snprintf(r->err, r->err_len, "%s: XREADGROUP: an answer that is not a stream's entries",
                 r->url.label);
        is_ok = false;
    }
    freeReplyObject(reply);
    return is_ok;
}

/* Own pending entries, from the first on. */
static bool reader_own_pending(struct reader *r, bool *is_stopped)
{
    char last[64] = "0";
    bool is_empty = false;
    while (!is_empty)
        if (!reader_read(r, last, false, &is_empty, last, sizeof(last), is_stopped))
            return false;
    return true;
}

/* Other readers' entries pending longer than claim_idle_ms. */
static bool reader_claim(struct reader *r, bool *is_stopped)
{
    char cursor[64] = "0-0";
    char idle[24];
    char count[16];
    snprintf(idle, sizeof(idle), "%lld", (long long)r->opt->claim_idle_ms);
    snprintf(count, sizeof(count), "%d", SOURCE_REDIS_BATCH);
    *is_stopped = false;
    do {
        const char *argv[] = {"XAUTOCLAIM", r->url.stream, r->opt->group, r->opt->consumer,
                              idle,         cursor,        "COUNT",       count};
        size_t argvlen[8];
        reader_argv_lens(8, argv, argvlen);
        redisReply *reply = reader_command(r, 8, argv, argvlen);
        if (reply == NULL || reader_refused(r, reply, "XAUTOCLAIM"))
            return false;
        bool is_ok = reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
                     reply->element[0]->type == REDIS_REPLY_STRING &&
                     reply->element[1]->type == REDIS_REPLY_ARRAY;
        if (!is_ok) {
            snprintf(r->err, r->err_len, "%s: XAUTOCLAIM: an answer not of a cursor and entries",
                     r->url.label);
        } else {
            /* Entries trimmed while pending: gone from the group now. */
            if (reply->elements >= 3 && reply->element[2]->type == REDIS_REPLY_ARRAY)
                r->counts->trimmed += reply->element[2]->elements;
            snprintf(cursor, sizeof(cursor), "%s", reply->element[0]->str);
            char last[64];
            is_ok = reader_batch(r, reply->element[1], true, last, sizeof(last), is_stopped);
        }
        freeReplyObject(reply);
        if (!is_ok)
            return false;
    } while (strcmp(cursor, "0-0") != 0);
    return true;
}

static bool reader_is_stopping(const struct reader *r)
{
    return r->opt->stop != NULL && *r->opt->stop != 0;
}

/* Waits ms, looking at *stop every 100 ms. */
static void reader_pause(const struct reader *r, int64_t ms)
{
    for (int64_t waited = 0; waited < ms && !reader_is_stopping(r); waited += 100) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* One connection's reading; false when it ended in an error. */
static bool reader_session(struct reader *r, bool *is_stopped, bool *is_done)
{
    *is_done = false;
    if (!reader_own_pending(r, is_stopped) || !reader_claim(r, is_stopped))
        return false;
    int64_t next_claim_ms = source_redis_now_ms() + r->opt->claim_idle_ms;
    while (!reader_is_stopping(r)) {
        bool is_empty = false;
        char last[64];
        if (!reader_read(r, ">", r->opt->follow, &is_empty, last, sizeof(last), is_stopped))
            return false;
        if (is_empty && !r->opt->follow)
            break;
        if (r->opt->follow && source_redis_now_ms() >= next_claim_ms) {
            if (!reader_claim(r, is_stopped))
                return false;
            next_claim_ms = source_redis_now_ms() + r->opt->claim_idle_ms;
        }
    }
    *is_done = true;
    return true;
}

enum source_redis_status source_redis_run(const struct source_redis_options *opt,
                                          source_redis_fn on_record, source_redis_flush_fn on_flush,
                                          void *ctx, struct source_redis_counts *counts,
                                          char *label, size_t label_len, char *err, size_t err_len)
{
    memset(counts, 0, sizeof(*counts));
    struct reader r = {.opt = opt,
                       .counts = counts,
                       .on_record = on_record,
                       .on_flush = on_flush,
                       .ctx = ctx,
                       .err = err,
                       .err_len = err_len};
    snprintf(label, label_len, "redis");
    if (!redis_url_parse(opt->url, "--from-redis", &r.url, err, err_len)) {
        redis_url_free(&r.url);
        return SOURCE_REDIS_ERROR;
    }
    snprintf(label, label_len, "%s", r.url.label);
    size_t key_len = strlen(r.url.stream) + strlen(opt->group) + sizeof(":seen:");
    r.seen_key = malloc(key_len);
    if (r.seen_key == NULL) {
        snprintf(err, err_len, "out of memory");
        redis_url_free(&r.url);
        return SOURCE_REDIS_ERROR;
    }
    snprintf(r.seen_key, key_len, "%s:seen:%s", r.url.stream, opt->group);

    enum source_redis_status status = SOURCE_REDIS_ERROR;
    int64_t backoff_ms = SOURCE_REDIS_BACKOFF_MIN_MS;
    bool was_lost = false;
    for (;;) {
        bool is_refused = false;
        bool is_stopped = false;
        bool is_done = false;
        if (reader_connect(&r, &is_refused)) {
            if (was_lost)
                log_info("%s: back", r.url.label);
            was_lost = false;
            backoff_ms = SOURCE_REDIS_BACKOFF_MIN_MS;
            if (reader_session(&r, &is_stopped, &is_done)) {
                status = SOURCE_REDIS_OK;
                break;
            }
        }
        if (is_stopped) {
            status = SOURCE_REDIS_STOPPED;
            break;
        }
        /* Only a lost connection is worth waiting out, and only when
         * told to follow the stream. */
        if (!opt->follow || !r.is_connection_lost || reader_is_stopping(&r))
            break;
        if (!was_lost)
            log_warn("%s (trying again)", err);
        was_lost = true;
        reader_pause(&r, backoff_ms);
        if (reader_is_stopping(&r)) {
            status = SOURCE_REDIS_OK;
            break;
        }
        backoff_ms = backoff_ms * 2 > SOURCE_REDIS_BACKOFF_MAX_MS ? SOURCE_REDIS_BACKOFF_MAX_MS
                                                                  : backoff_ms * 2;
    }
    reader_disconnect(&r);
    free(r.seen_key);
    redis_url_free(&r.url);
    return status;
}
#endif
