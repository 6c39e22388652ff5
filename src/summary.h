/*
 * What the summary reports beyond counters: where the capture was taken
 * (stated or inferred) and flows per service, added up over the analysis
 * workers. Filled by the pipeline, printed by the output modules.
 */
#ifndef TV_SUMMARY_H
#define TV_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpverdict.h"

struct summary_findings {
    bool has_capture_host;
    struct tv_capture_host capture_host;
    size_t service_count;
    const char **service_names;                /* owned by the filler */
    uint64_t (*service_flows)[TV_LEVEL_COUNT]; /* owned by the filler */
};

#endif
