/*
 * Text output for people: a header, one aligned line per flow, then a
 * summary block. With verbose set, each flow line is followed by every
 * anomaly, the endpoints' Winsock errors and the hint.
 *
 * Columns have fixed widths sized for IPv4 so that lines can be written as
 * flows end, without holding them back; a longer IPv6 address or history
 * widens its own line only. A flow record (with its detail lines) is
 * formatted for the caller, who writes it with output_text_write_flow()
 * once its turn has come (the pipeline puts records in order), so that
 * the header comes out once, before the first; the summary is written to
 * the sink. Threads format with their own forks. Write errors stay with
 * the sink.
 */
#ifndef TV_OUTPUT_TEXT_H
#define TV_OUTPUT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "sink_file.h"
#include "summary.h"
#include "tcpverdict.h"

enum output_text_status {
    OUTPUT_TEXT_OK = 0,
    OUTPUT_TEXT_ERR_NOMEM,
};

struct output_text;

/* Borrows out, which must outlive the returned object. NULL if memory is
 * short. */
struct output_text *output_text_create(struct sink_file *out, bool verbose);
/* Another formatter for text's sink, for another thread. Borrows text,
 * which must outlive it. NULL if memory is short. */
struct output_text *output_text_fork(struct output_text *text);
void output_text_destroy(struct output_text *text);

/* Formats v: *bytes, *len bytes, valid until the next call on text. */
enum output_text_status output_text_flow(struct output_text *text, const struct tv_verdict *v,
                                         const char **bytes, size_t *len);

/* Writes a formatted flow record, after the header if it is the first.
 * Safe from any thread, on the original or a fork. */
void output_text_write_flow(struct output_text *text, const char *bytes, size_t len);

/* At the end: as output_json_summary(). */
enum output_text_status output_text_summary(struct output_text *text, const struct tv_stats *st,
                                            const uint64_t *anomaly_flows,
                                            const struct capture_stats *capture,
                                            uint64_t ring_drops,
                                            const struct summary_findings *findings);

#endif
