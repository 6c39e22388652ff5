/*
 * A Redis stream named by URL, redis://[USER@]HOST[:PORT]/STREAM, as
 * --redis and --from-redis take it, and the connection to it: connect,
 * then AUTH when there is a password. Shared by the stream's writer
 * (sink_redis.c) and its reader (source_redis.c).
 *
 * The URL never holds the password, which ps would show: the caller
 * reads it from the environment or a file.
 */
#ifndef TV_REDIS_URL_H
#define TV_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

#define REDIS_URL_PORT_DEFAULT 6379
#define REDIS_URL_LABEL_LEN    320

struct redis_url {
    char *user; /* owned, or NULL */
    char *host; /* owned: a name or an address, without brackets */
    int port;
    char *stream;                    /* owned */
    char label[REDIS_URL_LABEL_LEN]; /* "redis HOST:PORT/STREAM", for messages */
};

/* Fills u from url; option ("--redis") opens the one line err gets when
 * url is not valid (a password in it among the reasons) or memory is
 * short. u needs redis_url_free() either way. */
bool redis_url_parse(const char *url, const char *option, struct redis_url *u, char *err,
                     size_t err_len);
void redis_url_free(struct redis_url *u);

enum redis_url_result {
    REDIS_URL_OK = 0,
    REDIS_URL_RETRY,   /* not reachable now: try again later */
    REDIS_URL_REFUSED, /* AUTH refused: a wrong password stays wrong */
};

/* Connects to u and authenticates with password (NULL: no AUTH; with a
 * user, that ACL user's). Connect, each command and each reply wait at
 * most timeout_s. *conn is a redisContext, NULL unless REDIS_URL_OK; err
 * says why not. Without hiredis, always REDIS_URL_REFUSED. */
enum redis_url_result redis_url_connect(const struct redis_url *u, const char *password,
                                        int timeout_s, void **conn, char *err, size_t err_len);

#endif
