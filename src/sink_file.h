/*
 * Records to a file descriptor (standard output), written whole: records
 * are gathered in a buffer and handed to write(2) only in whole records,
 * so that whatever stops the program, even a signal that ends it at once,
 * leaves no record cut in the file or pipe. A record larger than the
 * buffer goes out by itself, right away.
 *
 * Safe to call from several threads: each record is added under a lock,
 * so records never interleave. The first write error is kept (errno) and
 * later writes are dropped; the caller asks at the end. The only file
 * besides ring.c with atomics: for a forced exit from a signal handler.
 */
#ifndef TV_SINK_FILE_H
#define TV_SINK_FILE_H

#include <stdbool.h>
#include <stddef.h>

struct sink_file;

/* Borrows fd. With is_immediate (a live capture), every record goes out
 * as soon as it is added. NULL if memory is short. */
struct sink_file *sink_file_create(int fd, size_t buf_cap, bool is_immediate);
/* Flushes, then frees. */
void sink_file_destroy(struct sink_file *s);

/* One whole record. */
void sink_file_write(struct sink_file *s, const char *bytes, size_t len);

/* Writes out what is gathered. Returns false, with errno set, if this or
 * an earlier write failed. */
bool sink_file_flush(struct sink_file *s);

/* Async-signal-safe: ends the process with status, at once, or, if a
 * record is being written (by any thread, to any sink), right after it.
 * What is gathered and not yet written is lost. */
void sink_file_exit(int status);

#endif
