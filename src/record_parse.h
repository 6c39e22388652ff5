/*
 * Records read back: a "flow" line as --json prints it, turned into the
 * struct tv_verdict it was printed from, so that records gathered from
 * sensors (--from-redis) go through the same table, Zeek and report
 * formatters as the verdicts of a local analysis. The inverse of
 * output_json_flow(): every flow line it prints reads back into a verdict
 * it prints byte for byte the same (tests/e2e/records.sh holds it to
 * that). And a "summary" line's counts, for the consumer's per-sensor
 * columns.
 *
 * Lines come from the network and are not trusted: every field is
 * checked for its type and range, and a line that fails is refused with
 * the field named, never half read. Fields added to the contract after a
 * record was made may be absent; those the contract has always had may
 * not. Fields this version does not know are ignored.
 */
#ifndef TV_RECORD_PARSE_H
#define TV_RECORD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"
#include "tcpverdict.h"

/* A line longer than this is refused before it is parsed. */
#define RECORD_PARSE_LINE_CAP (1u << 20)
/* Anomaly entries a flow may carry: twice the codes there are, and room
 * for a newer version's. */
#define RECORD_PARSE_ANOMALY_CAP 256

enum record_parse_status {
    RECORD_PARSE_OK = 0,
    RECORD_PARSE_BAD,   /* err says which field, and how */
    RECORD_PARSE_NOMEM, /* memory is short */
};

struct record_parse;

struct record_parse *record_parse_create(void);
void record_parse_destroy(struct record_parse *rp);

/* A flow record's line (its newline optional) into *out, which points
 * into rp until the next call on rp. */
enum record_parse_status record_parse_flow(struct record_parse *rp, const char *line, size_t len,
                                           struct tv_verdict *out, char *err, size_t err_len);

/* Link types a summary may name. */
#define RECORD_PARSE_LINKTYPE_CAP 64

/* What a sensor's summary says of its run: the counters of the contract's
 * summary, those absent in an older record left 0. */
struct record_summary {
    struct tv_stats stats;
    uint64_t inputs;
    uint64_t input_errors;
    uint64_t inputs_by_format[READER_FORMAT_COUNT];
    uint64_t inputs_gzip;
    uint64_t inputs_zstd;
    uint64_t unreadable_records;
    bool has_kernel_drops;
    uint64_t kernel_drops;
    uint64_t if_drops;
    uint64_t ring_drops;
    uint64_t clock_jumps;
    uint64_t clock_jumps_followed;
    size_t linktype_count;
    struct {
        const char *name; /* as the summary names it; into rp */
        uint64_t packets;
    } linktypes[RECORD_PARSE_LINKTYPE_CAP];
};

enum record_parse_status record_parse_summary(struct record_parse *rp, const char *line, size_t len,
                                              struct record_summary *out, char *err,
                                              size_t err_len);

#endif
