/*
 * --spool-file: the records a run could not deliver, kept on disk for the
 * next run to send first. One line a record, its fields apart by tabs:
 *
 *   tv1 DESTINATION TYPE ID SENSOR LEVEL MADE_US JSON
 *
 * DESTINATION is the label of the destination it was for ("redis
 * HOST:PORT/STREAM", "syslog tcp:HOST:PORT"), so that it goes where it was
 * going; no field holds a tab or a newline (JSON escapes both), and one
 * that would is not kept. The file is written whole beside itself and
 * renamed over the old one, so a run that dies leaves the old file, whose
 * records the next run sends (again: delivery is at least once).
 */
#ifndef TV_SPOOL_FILE_H
#define TV_SPOOL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record_outlet.h"

/* A line read back: its record, and the destination it was for. */
typedef void (*spool_file_record_fn)(void *ctx, const char *destination,
                                     const struct outlet_record *rec);

struct spool_file_counts {
    uint64_t records; /* read and handed on */
    uint64_t bad;     /* lines that are not a record: skipped */
};

/* Reads path, if it exists, calling fn for each record. False, with one
 * line in err, if it exists and cannot be read or is not a regular file.
 * A file longer than cap_bytes is read up to it; the rest is counted bad. */
bool spool_file_read(const char *path, uint64_t cap_bytes, spool_file_record_fn fn, void *ctx,
                     struct spool_file_counts *counts, char *err, size_t err_len);

struct spool_file;

/* Starts writing the new content of path (beside it, not over it yet).
 * NULL, with err, if it cannot. */
struct spool_file *spool_file_create(const char *path, char *err, size_t err_len);
/* False if rec (or destination) cannot be kept: a tab or newline in it,
 * or the write failed (said at commit). */
bool spool_file_add(struct spool_file *f, const char *destination, const struct outlet_record *rec);
/* Records added so far. */
uint64_t spool_file_count(const struct spool_file *f);
/* With records: written out and renamed over path. Without: path
 * removed. False, with err, if that failed (the old file then stays). */
bool spool_file_commit(struct spool_file *f, char *err, size_t err_len);
/* Without commit: the new content is thrown away. */
void spool_file_destroy(struct spool_file *f);

#endif
