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

#include "banned.h"

/* Each connect, command and reply; a broker slower than this is down. */
#define SINK_REDIS_TIMEOUT_S 5

struct sink_redis {
    char *user;     /* owned, or NULL */
    char *password; /* owned, or NULL */
    char *host;     /* owned */
    int port;
    char *stream; /* owned */
    char maxlen[24];
    char label[320];
#ifdef HAVE_HIREDIS
    redisContext *c; /* owned while connected */
#endif
};

/* Frees r; err keeps what it says (or gets msg, if not NULL). */
static void *sink_redis_fail(struct sink_redis *r, char *err, size_t err_len, const char *msg)
{
    if (msg != NULL)
        snprintf(err, err_len, "%s", msg);
    if (r != NULL) {
        free(r->user);
        free(r->password);
        free(r->host);
        free(r->stream);
        free(r);
    }
    return NULL;
}

#ifdef HAVE_HIREDIS
static char *sink_redis_strndup(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

/* "[USER@]HOST[:PORT]": host and port into r; false with err set. */
static bool sink_redis_parse_authority(struct sink_redis *r, const char *at, size_t len, char *err,
                                       size_t err_len)
{
    const char *user_end = memchr(at, '@', len);
    if (user_end != NULL) {
        if (memchr(at, ':', (size_t)(user_end - at)) != NULL) {
            snprintf(err, err_len,
                     "--redis: no password in the URL (ps shows it): use "
                     "TCPVERDICT_REDIS_PASSWORD or --redis-password-file");
            return false;
        }
        if (user_end == at) {
            snprintf(err, err_len, "--redis: an empty user name before '@'");
            return false;
        }
        r->user = sink_redis_strndup(at, (size_t)(user_end - at));
        len -= (size_t)(user_end + 1 - at);
        at = user_end + 1;
    }
    const char *host = at;
    size_t host_len = len;
    const char *port = NULL;
    size_t port_len = 0;
    if (len > 0 && at[0] == '[') {
        const char *close = memchr(at, ']', len);
        if (close == NULL) {
            snprintf(err, err_len, "--redis: an IPv6 address without its ']'");
            return false;
        }
        host = at + 1;
        host_len = (size_t)(close - host);
        size_t rest = len - (size_t)(close + 1 - at);
        if (rest > 0) {
            if (close[1] != ':') {
                snprintf(err, err_len, "--redis: after ']' comes ':PORT' or '/STREAM'");
                return false;
            }
            port = close + 2;
            port_len = rest - 1;
        }
    } else {
        const char *colon = memchr(at, ':', len);
        if (colon != NULL) {
            host_len = (size_t)(colon - at);
            port = colon + 1;
            port_len = len - host_len - 1;
        }
    }
    if (host_len == 0) {
        snprintf(err, err_len, "--redis: no host in the URL");
        return false;
    }
    r->host = sink_redis_strndup(host, host_len);
    r->port = SINK_REDIS_PORT_DEFAULT;
    if (port != NULL) {
        unsigned long n = 0;
        bool is_number = port_len > 0 && port_len <= 5;
        for (size_t i = 0; is_number && i < port_len; i++) {
            is_number = port[i] >= '0' && port[i] <= '9';
            n = n * 10 + (unsigned long)(port[i] - '0');
        }
        if (!is_number || n == 0 || n > 65535) {
            snprintf(err, err_len, "--redis: the port is not a number from 1 to 65535");
            return false;
        }
        r->port = (int)n;
    }
    return true;
}

#endif

void *sink_redis_create(const char *url, const char *password, uint64_t maxlen, char *err,
                        size_t err_len)
{
#ifndef HAVE_HIREDIS
    (void)url;
    (void)password;
    (void)maxlen;
    return sink_redis_fail(NULL, err, err_len,
                           "--redis is not available in this build (no hiredis)");
#else
    static const char scheme[] = "redis://";
    if (strncmp(url, scheme, sizeof(scheme) - 1) != 0) {
        snprintf(err, err_len, "--redis: '%s' does not start with redis://", url);
        return NULL;
    }
    const char *at = url + sizeof(scheme) - 1;
    const char *slash = strchr(at, '/');
    if (slash == NULL || slash[1] == '\0') {
        snprintf(err, err_len, "--redis: '%s' names no stream (redis://HOST/STREAM)", url);
        return NULL;
    }
    struct sink_redis *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return sink_redis_fail(NULL, err, err_len, "out of memory");
    if (!sink_redis_parse_authority(r, at, (size_t)(slash - at), err, err_len))
        return sink_redis_fail(r, err, err_len, NULL);
    r->stream = strdup(slash + 1);
    if (password != NULL)
        r->password = strdup(password);
    if (r->stream == NULL || r->host == NULL || (password != NULL && r->password == NULL))
        return sink_redis_fail(r, err, err_len, "out of memory");
    if (maxlen > 0)
        snprintf(r->maxlen, sizeof(r->maxlen), "%" PRIu64, maxlen);
    bool is_v6 = strchr(r->host, ':') != NULL;
    snprintf(r->label, sizeof(r->label), "redis %s%s%s:%d/%s", is_v6 ? "[" : "", r->host,
             is_v6 ? "]" : "", r->port, r->stream);
    return r;
#endif
}

const char *sink_redis_label(const void *ctx)
{
    const struct sink_redis *r = ctx;
    return r->label;
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
    snprintf(err, err_len, "%s: %s: %s", r->label, what,
             r->c != NULL && r->c->errstr[0] != '\0' ? r->c->errstr : "connection lost");
    sink_redis_disconnect(r);
    return OUTLET_RETRY;
}

static enum outlet_result sink_redis_connect(void *ctx, char *err, size_t err_len)
{
    struct sink_redis *r = ctx;
    struct timeval tv = {SINK_REDIS_TIMEOUT_S, 0};
    sink_redis_disconnect(r);
    r->c = redisConnectWithTimeout(r->host, r->port, tv);
    if (r->c == NULL) {
        snprintf(err, err_len, "%s: out of memory", r->label);
        return OUTLET_RETRY;
    }
    if (r->c->err != 0)
        return sink_redis_broken(r, "connect", err, err_len);
    if (redisSetTimeout(r->c, tv) != REDIS_OK)
        return sink_redis_broken(r, "connect", err, err_len);
    if (r->password == NULL)
        return OUTLET_OK;
    const char *argv[3] = {"AUTH", r->user != NULL ? r->user : r->password, r->password};
    size_t argvlen[3] = {4, strlen(argv[1]), strlen(r->password)};
    redisReply *reply = redisCommandArgv(r->c, r->user != NULL ? 3 : 2, argv, argvlen);
    if (reply == NULL)
        return sink_redis_broken(r, "AUTH", err, err_len);
    enum outlet_result result = OUTLET_OK;
    if (reply->type == REDIS_REPLY_ERROR) {
        /* Any error to AUTH is a refusal: a wrong password stays wrong. */
        snprintf(err, err_len, "%s: AUTH%s%s: %s", r->label, r->user != NULL ? " as " : "",
                 r->user != NULL ? r->user : "", reply->str);
        result = OUTLET_FATAL;
    }
    freeReplyObject(reply);
    if (result != OUTLET_OK)
        sink_redis_disconnect(r);
    return result;
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
        argv[argc++] = r->stream;
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
            snprintf(err, err_len, "%s: XADD: %s", r->label, reply->str);
            result = sink_redis_is_refusal(reply->str) ? OUTLET_FATAL : OUTLET_RETRY;
        } else if (result == OUTLET_OK) {
            snprintf(err, err_len, "%s: XADD: an answer of type %d, not an entry id", r->label,
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
    free(r->user);
    if (r->password != NULL) {
        /* Not left in freed memory for a core file to show. */
        volatile char *p = r->password;
        while (*p != '\0')
            *p++ = '\0';
    }
    free(r->password);
    free(r->host);
    free(r->stream);
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
