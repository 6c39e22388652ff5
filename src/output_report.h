/*
 * --report FILE.html: one self-contained HTML page to attach to a ticket
 * (no script, no external asset: styles and graphs are inline). It holds
 * the capture's summary (flows by verdict, by service and by host pair,
 * where the capture was taken and why that is believed), every distinct
 * hint once, and for each flow at or above --fail-on its verdict,
 * anomalies, Winsock errors, firewall view, ladder and time-sequence
 * graph. Print styles keep each flow on its own page.
 *
 * Every verdict is handed to output_report_flow() (any thread) for the
 * tallies; the page is written at the end, after the flows' packets were
 * read (flow_packets.h).
 */
#ifndef TV_OUTPUT_REPORT_H
#define TV_OUTPUT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "flow_packets.h"
#include "summary.h"
#include "tcpverdict.h"

/* Host pairs and hints tallied at most; more are counted together. */
#define REPORT_PAIR_CAP 10000
#define REPORT_HINT_CAP 256

struct output_report;

struct output_report *output_report_create(void);
void output_report_destroy(struct output_report *r);

/* Tallies one verdict (any thread). False if memory is short. */
bool output_report_flow(struct output_report *r, const struct tv_verdict *v);

/* What the page says of the run beside the tallies. */
struct report_run {
    const char *const *inputs; /* borrowed */
    size_t input_count;
    const char *filter; /* or NULL */
    enum tv_level fail_on;
    const struct tv_stats *stats;
    const struct capture_stats *capture;
    const struct summary_findings *findings;
    const struct flow_packets *pics; /* the flows drawn, their packets read */
    const char *version;
};

/* Writes the page to path; false (said on stderr) if it cannot. */
bool output_report_write(struct output_report *r, const char *path, const struct report_run *run);

#endif
