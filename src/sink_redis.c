/*
 * Records to a Redis stream through hiredis. See sink_redis.h.
 */
#include "config.h"

#include "sink_redis.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

#include "redis_url.h"

#include "banned.h"

/* Each connect, command and reply; a broker slower than this is down. */
#define SINK_REDIS_TIMEOUT_S 5

struct sink_redis {
    struct redis_url url;
    char *password; /* owned, or NULL */
    char maxlen[24];
#ifdef HAVE_HIREDIS
    redisContext *c; /* owned while connected */
#endif
};

void *sink_redis_create(const char *url, const char *password, uint64_t maxlen, char *err,
                        size_t err_len)
{
#ifndef HAVE_HIREDIS
    (void)url;
    (void)password;
    (void)maxlen;
    snprintf(err, err_len, "--redis is not available in this build (no hiredis)");
    return NULL;
#else
    struct sink_redis *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    bool is_made = redis_url_parse(url, "--redis", &r->url, err, err_len);
    if (is_made && password != NULL && (r->password = strdup(password)) == NULL) {
        snprintf(err, err_len, "out of memory");
        is_made = false;
    }
    if (!is_made) {
        redis_url_free(&r->url);
        free(r);
        return NULL;
    }
    if (maxlen > 0)
        snprintf(r->maxlen, sizeof(r->maxlen), "%" PRIu64, maxlen);
    return r;
#endif
}

const char *sink_redis_label(const void *ctx)
{
    const struct sink_redis *r = ctx;
    return r->url.label;
}

#ifdef HAVE_HIREDIS
/* An error reply that no retry mends. */
static bool sink_redis_is_refusal(const char *text)
{
    static const char *const refusals[] = {"WRONGPASS", "NOAUTH", "NOPERM", "WRONGTYPE"};
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
        if (strncmp(text, refusals[i], strlen(refusals[i])) == 0)
            return true;
    return false;
}

static void sink_redis_disconnect(void *ctx)
{
    struct sink_redis *r = ctx;
    if (r->c != NULL)
        redisFree(r->c);
    r->c = NULL;
}

/* A connection failure, said with what hiredis knows. */
static enum outlet_result sink_redis_broken(struct sink_redis *r, const char *what, char *err,
                                            size_t err_len)
{
    snprintf(err, err_len, "%s: %s: %s", r->url.label, what,
             r->c != NULL && r->c->errstr[0] != '\0' ? r->c->errstr : "connection lost");
    sink_redis_disconnect(r);
    return OUTLET_RETRY;
}

static enum outlet_result sink_redis_connect(void *ctx, char *err, size_t err_len)
{
    struct sink_redis *r = ctx;
    sink_redis_disconnect(r);
    void *conn = NULL;
    enum redis_url_result result =
        redis_url_connect(&r->url, r->password, SINK_REDIS_TIMEOUT_S, &conn, err, err_len);
    r->c = conn;
    return result == REDIS_URL_OK      ? OUTLET_OK
           : result == REDIS_URL_RETRY ? OUTLET_RETRY
                                       : OUTLET_FATAL;
}

static enum outlet_result sink_redis_send(void *ctx, struct outlet_record *const *recs, size_t n,
                                          size_t *confirmed, char *err, size_t err_len)
{
    struct sink_redis *r = ctx;
    *confirmed = 0;
    if (r->c == NULL)
        return sink_redis_broken(r, "send", err, err_len);
    for (size_t i = 0; i < n; i++) {
        const struct outlet_record *rec = recs[i];
        const char *argv[14];
        size_t argvlen[14];
        int argc = 0;
        argv[argc++] = "XADD";
        argv[argc++] = r->url.stream;
        if (r->maxlen[0] != '\0') {
            argv[argc++] = "MAXLEN";
            argv[argc++] = "~";
            argv[argc++] = r->maxlen;
        }
        argv[argc++] = "*";
        argv[argc++] = "type";
        argv[argc++] = rec->type;
        argv[argc++] = "id";
        argv[argc++] = rec->id;
        argv[argc++] = "sensor";
        argv[argc++] = rec->sensor;
        argv[argc++] = "json";
        int json_at = argc;
        argv[argc++] = rec->json;
        for (int a = 0; a < argc; a++)
            argvlen[a] = a == json_at ? rec->json_len : strlen(argv[a]);
        if (redisAppendCommandArgv(r->c, argc, argv, argvlen) != REDIS_OK)
            return sink_redis_broken(r, "XADD", err, err_len);
    }
    /* In order: a record is delivered once its entry id came back. */
    enum outlet_result result = OUTLET_OK;
    for (size_t i = 0; i < n; i++) {
        void *raw = NULL;
        if (redisGetReply(r->c, &raw) != REDIS_OK || raw == NULL)
            return sink_redis_broken(r, "XADD", err, err_len);
        redisReply *reply = raw;
        if (reply->type == REDIS_REPLY_STRING && result == OUTLET_OK) {
            (*confirmed)++;
        } else if (reply->type == REDIS_REPLY_ERROR && result == OUTLET_OK) {
            snprintf(err, err_len, "%s: XADD: %s", r->url.label, reply->str);
            result = sink_redis_is_refusal(reply->str) ? OUTLET_FATAL : OUTLET_RETRY;
        } else if (result == OUTLET_OK) {
            snprintf(err, err_len, "%s: XADD: an answer of type %d, not an entry id", r->url.label,
                     reply->type);
            result = OUTLET_RETRY;
        }
        /* The replies after an error are read all the same, so that the
         * connection stays in step; those records go again. */
        freeReplyObject(reply);
    }
    if (result != OUTLET_OK)
        sink_redis_disconnect(r);
    return result;
}

static void sink_redis_destroy(void *ctx)
{
    struct sink_redis *r = ctx;
    sink_redis_disconnect(r);
    if (r->password != NULL) {
        /* Not left in freed memory for a core file to show. */
        volatile char *p = r->password;
        while (*p != '\0')
            *p++ = '\0';
    }
    free(r->password);
    redis_url_free(&r->url);
    free(r);
}

static const struct outlet_transport sink_redis_ops = {
    .name = "redis",
    .connect = sink_redis_connect,
    .send = sink_redis_send,
    .disconnect = sink_redis_disconnect,
    .destroy = sink_redis_destroy,
};

const struct outlet_transport *sink_redis_transport(void)
{
    return &sink_redis_ops;
}
#else
const struct outlet_transport *sink_redis_transport(void)
{
    return NULL;
}
#endif
