/*
 * JSON output: one object per line on the given stream, the contract of
 * shared/design/verdicts.md. A "flow" line per verdict, then exactly one
 * "summary" line. The only module that uses json-c.
 *
 * Output is deterministic: the same verdicts give the same bytes, with
 * timestamps printed as seconds with exactly six decimals. Flow records
 * are formatted for the caller to write (the pipeline puts them in
 * order); the summary is written to the sink. Several threads can each
 * format records with their own fork. Write errors stay with the sink.
 */
#ifndef TV_OUTPUT_JSON_H
#define TV_OUTPUT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "sink_file.h"
#include "summary.h"
#include "tcpverdict.h"

enum output_json_status {
    OUTPUT_JSON_OK = 0,
    OUTPUT_JSON_ERR_NOMEM,
};

struct output_json;

/* Borrows out, which must outlive the returned object. NULL if memory is
 * short. */
struct output_json *output_json_create(struct sink_file *out);
/* Another formatter for json's sink, for another thread. NULL if memory
 * is short. */
struct output_json *output_json_fork(struct output_json *json);

/* Records built through json_emit (the summary) are also handed to tap,
 * whole and without their newline; out given to output_json_create() may
 * then be NULL, for the tap only. */
typedef void (*output_json_tap_fn)(void *ctx, const char *line, size_t len);
void output_json_set_tap(struct output_json *json, output_json_tap_fn tap, void *ctx);
void output_json_destroy(struct output_json *json);

/* Formats v as one line: *bytes, *len bytes with the newline, valid until
 * the next call on json. */
enum output_json_status output_json_flow(struct output_json *json, const struct tv_verdict *v,
                                         const char **bytes, size_t *len);

/* At the end: the analyzers' counters added up, the flows that carried
 * each anomaly code (tv_anomaly_code_count() entries), the capture's
 * counters and the packets lost to full rings. */
enum output_json_status output_json_summary(struct output_json *json, const struct tv_stats *st,
                                            const uint64_t *anomaly_flows,
                                            const struct capture_stats *capture,
                                            uint64_t ring_drops,
                                            const struct summary_findings *findings);

/* "json-c version ...", for --version. */
const char *output_json_lib_version(void);

#endif
