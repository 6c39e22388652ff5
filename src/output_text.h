/*
 * Text output for people: a header, one aligned line per flow, then a
 * summary block. With verbose set, each flow line is followed by every
 * anomaly, the endpoints' Winsock errors and the hint.
 *
 * Columns have fixed widths sized for IPv4 so that lines can be written as
 * flows end, without holding them back; a longer IPv6 address or history
 * widens its own line only. Each record (a flow with its detail lines, or
 * the summary) is written with a single fwrite under a lock shared with
 * the object's forks, so threads formatting with their own forks never
 * interleave and the header comes out once. Write errors stay on the
 * stream for the caller's ferror().
 */
#ifndef TV_OUTPUT_TEXT_H
#define TV_OUTPUT_TEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "summary.h"
#include "tcpverdict.h"

enum output_text_status {
    OUTPUT_TEXT_OK = 0,
    OUTPUT_TEXT_ERR_NOMEM,
};

struct output_text;

/* Borrows out, which must outlive the returned object. NULL if memory is
 * short. */
struct output_text *output_text_create(FILE *out, bool verbose);
/* Another writer to text's stream, for another thread. Borrows text, which
 * must outlive it. NULL if memory is short. */
struct output_text *output_text_fork(struct output_text *text);
void output_text_destroy(struct output_text *text);

enum output_text_status output_text_flow(struct output_text *text, const struct tv_verdict *v);

/* At the end: as output_json_summary(). */
enum output_text_status output_text_summary(struct output_text *text, const struct tv_stats *st,
                                            const uint64_t *anomaly_flows,
                                            const struct capture_stats *capture,
                                            uint64_t ring_drops,
                                            const struct summary_findings *findings);

#endif
