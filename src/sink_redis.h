/*
 * Records to a Redis stream: each record one entry, added by XADD with the
 * fields type, id, sensor and json (the record as --json prints it). A
 * transport for record_outlet.h: the outlet's sender thread calls it,
 * nothing else does.
 *
 * A batch is one pipelined round trip: every XADD is written, then the
 * replies are read in order, and a record is confirmed by the entry id
 * Redis answers it with. An error reply that retrying cannot mend (a wrong
 * password, a user without the right, a key that is not a stream) stops
 * the outlet; any other, and a broken connection, makes it reconnect and
 * send again from the first unconfirmed record.
 *
 * The password never comes from the URL, which would show in ps: the
 * caller reads it from the environment or a file.
 *
 * Without hiredis (the Windows build), sink_redis_create() says so and
 * returns NULL.
 */
#ifndef TV_SINK_REDIS_H
#define TV_SINK_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include "record_outlet.h"

#define SINK_REDIS_PORT_DEFAULT 6379

/* url: redis://[USER@]HOST[:PORT]/STREAM, HOST a name, an IPv4 address
 * or a bracketed IPv6 one. password may be NULL (no AUTH); with USER it
 * is that ACL user's. maxlen: 0, or trim the stream to about that many
 * entries (MAXLEN ~). Neither connects nor resolves. NULL, with one line
 * in err, if url is not valid (a password in it among the reasons) or
 * memory is short. */
void *sink_redis_create(const char *url, const char *password, uint64_t maxlen, char *err,
                        size_t err_len);

/* "redis HOST:PORT/STREAM": the destination for messages. */
const char *sink_redis_label(const void *ctx);

const struct outlet_transport *sink_redis_transport(void);

#endif
