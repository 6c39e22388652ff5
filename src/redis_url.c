/*
 * Redis URLs and connections. See redis_url.h.
 */
#include "config.h"

#include "redis_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

#include "banned.h"

static char *redis_url_strndup(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

/* "1".."65535" of exactly len bytes; 0 if not. */
static int redis_url_port(const char *s, size_t len)
{
    unsigned long n = 0;
    if (len == 0 || len > 5)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        n = n * 10 + (unsigned long)(s[i] - '0');
    }
    return n <= 65535 ? (int)n : 0;
}

/* "[USER@]HOST[:PORT]" into u; false with err set. */
static bool redis_url_parse_authority(struct redis_url *u, const char *at, size_t len,
                                      const char *option, char *err, size_t err_len)
{
    const char *user_end = memchr(at, '@', len);
    if (user_end != NULL) {
        if (memchr(at, ':', (size_t)(user_end - at)) != NULL) {
            snprintf(err, err_len,
                     "%s: no password in the URL (ps shows it): use "
                     "TCPVERDICT_REDIS_PASSWORD or --redis-password-file",
                     option);
            return false;
        }
        if (user_end == at) {
            snprintf(err, err_len, "%s: an empty user name before '@'", option);
            return false;
        }
        if ((u->user = redis_url_strndup(at, (size_t)(user_end - at))) == NULL)
            return false;
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
            snprintf(err, err_len, "%s: an IPv6 address without its ']'", option);
            return false;
        }
        host = at + 1;
        host_len = (size_t)(close - host);
        size_t rest = len - (size_t)(close + 1 - at);
        if (rest > 0) {
            if (close[1] != ':') {
                snprintf(err, err_len, "%s: after ']' comes ':PORT' or '/STREAM'", option);
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
        snprintf(err, err_len, "%s: no host in the URL", option);
        return false;
    }
    if ((u->host = redis_url_strndup(host, host_len)) == NULL)
        return false;
    u->port = REDIS_URL_PORT_DEFAULT;
    if (port != NULL && (u->port = redis_url_port(port, port_len)) == 0) {
        snprintf(err, err_len, "%s: the port is not a number from 1 to 65535", option);
        return false;
    }
    return true;
}

bool redis_url_parse(const char *url, const char *option, struct redis_url *u, char *err,
                     size_t err_len)
{
    static const char scheme[] = "redis://";
    memset(u, 0, sizeof(*u));
    snprintf(err, err_len, "out of memory");
    if (strncmp(url, scheme, sizeof(scheme) - 1) != 0) {
        snprintf(err, err_len, "%s: '%s' does not start with redis://", option, url);
        return false;
    }
    const char *at = url + sizeof(scheme) - 1;
    const char *slash = strchr(at, '/');
    if (slash == NULL || slash[1] == '\0') {
        snprintf(err, err_len, "%s: '%s' names no stream (redis://HOST/STREAM)", option, url);
        return false;
    }
    if (!redis_url_parse_authority(u, at, (size_t)(slash - at), option, err, err_len))
        return false;
    if ((u->stream = strdup(slash + 1)) == NULL)
        return false;
    bool is_v6 = strchr(u->host, ':') != NULL;
    snprintf(u->label, sizeof(u->label), "redis %s%s%s:%d/%s", is_v6 ? "[" : "", u->host,
             is_v6 ? "]" : "", u->port, u->stream);
    err[0] = '\0';
    return true;
}

void redis_url_free(struct redis_url *u)
{
    free(u->user);
    free(u->host);
    free(u->stream);
    memset(u, 0, sizeof(*u));
}

#ifdef HAVE_HIREDIS
/* A connection failure, said with what hiredis knows; c is freed. */
static enum redis_url_result redis_url_broken(const struct redis_url *u, redisContext *c,
                                              const char *what, char *err, size_t err_len)
{
    snprintf(err, err_len, "%s: %s: %s", u->label, what,
             c != NULL && c->errstr[0] != '\0' ? c->errstr : "connection lost");
    if (c != NULL)
        redisFree(c);
    return REDIS_URL_RETRY;
}

enum redis_url_result redis_url_connect(const struct redis_url *u, const char *password,
                                        int timeout_s, void **conn, char *err, size_t err_len)
{
    struct timeval tv = {timeout_s, 0};
    *conn = NULL;
    redisContext *c = redisConnectWithTimeout(u->host, u->port, tv);
    if (c == NULL) {
        snprintf(err, err_len, "%s: out of memory", u->label);
        return REDIS_URL_RETRY;
    }
    if (c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK)
        return redis_url_broken(u, c, "connect", err, err_len);
    if (password != NULL) {
        const char *argv[3] = {"AUTH", u->user != NULL ? u->user : password, password};
        size_t argvlen[3] = {4, strlen(argv[1]), strlen(password)};
        redisReply *reply = redisCommandArgv(c, u->user != NULL ? 3 : 2, argv, argvlen);
        if (reply == NULL)
            return redis_url_broken(u, c, "AUTH", err, err_len);
        if (reply->type == REDIS_REPLY_ERROR) {
            snprintf(err, err_len, "%s: AUTH%s%s: %s", u->label, u->user != NULL ? " as " : "",
                     u->user != NULL ? u->user : "", reply->str);
            freeReplyObject(reply);
            redisFree(c);
            return REDIS_URL_REFUSED;
        }
        freeReplyObject(reply);
    }
    *conn = c;
    return REDIS_URL_OK;
}
#else
enum redis_url_result redis_url_connect(const struct redis_url *u, const char *password,
                                        int timeout_s, void **conn, char *err, size_t err_len)
{
    (void)password;
    (void)timeout_s;
    *conn = NULL;
    snprintf(err, err_len, "%s: not available in this build (no hiredis)", u->label);
    return REDIS_URL_REFUSED;
}
#endif
