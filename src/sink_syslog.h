/*
 * Records to a syslog server, as RFC 5424 messages: the record's JSON is
 * the MSG, and a structured-data element repeats its id, sensor and level
 * so that a server can file records without parsing JSON. A transport for
 * record_outlet.h: the outlet's sender thread calls it, nothing else does.
 *
 * Three ways to the server. udp:HOST[:PORT] (default 514): one message a
 * datagram (RFC 5426). tcp:HOST[:PORT] (default 601): octet-counting
 * framing, "LEN SP MSG" (RFC 6587 3.4.1). unix:/PATH: a datagram socket
 * such as /dev/log, one message a datagram, or, if the path is a stream
 * socket, octet counting as over TCP.
 *
 * What "confirmed" means here: syslog has no acknowledgement, over any of
 * the three, so a record counts as delivered once the kernel took all of
 * it (a datagram sent, or the last byte of its frame written to the
 * stream). A server that dies with records in its socket buffer loses
 * them unseen; a stream that the server closed is noticed before the next
 * batch, and a datagram that met ICMP port unreachable fails the next
 * send (the socket is connected), so records after it are sent again.
 *
 * Not in the Windows build: sink_syslog_create() says so and returns NULL.
 */
#ifndef TV_SINK_SYSLOG_H
#define TV_SINK_SYSLOG_H

#include <stddef.h>

#include "record_outlet.h"

/* RFC 5424 6.2.1: the default facility of the records. */
#define SINK_SYSLOG_FACILITY_DAEMON 3

/* Checks spec, "[udp:|tcp:|unix:]ADDRESS" (a bare ADDRESS is unix if it
 * starts with '/', else udp), and makes the transport's context; neither
 * connects nor resolves the host. NULL, with one line in err, if spec is
 * not valid or memory is short. */
void *sink_syslog_create(const char *spec, char *err, size_t err_len);

/* The RFC 5424 number (0-23) of a facility: "kern", "user", "mail",
 * "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
 * "ftp", "local0" to "local7"; -1 if name is none of them. */
int sink_syslog_facility(const char *name);

/* facility: 0-23, as sink_syslog_facility() gives it. */
void sink_syslog_set_facility(void *ctx, int facility);

/* The HOSTNAME field of every message; NULL or "" for the default, the
 * record's sensor. Copied. */
void sink_syslog_set_app(void *ctx, const char *hostname);

/* The destination as "udp:HOST:PORT", "tcp:[ADDR]:PORT" or "unix:PATH",
 * the default port filled in: for messages, and the outlet's label. */
const char *sink_syslog_label(const void *ctx);

/* The transport whose context sink_syslog_create() makes. */
const struct outlet_transport *sink_syslog_transport(void);

/* One record as the message sent, without framing, in out[0..cap) and
 * NUL-terminated if cap > 0. Returns the message's whole length, as
 * snprintf does: out holds all of it only if that is below cap. */
size_t sink_syslog_format(void *ctx, const struct outlet_record *r, char *out, size_t cap);

#endif
