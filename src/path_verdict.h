/*
 * A flow's verdict with what the path between two capture points did to
 * it (--compare). What two captures prove replaces what one can only
 * suspect:
 *
 * - a RST the farther point saw, and the point nearer its supposed sender
 *   never did, was forged between the points: rst_injected (fail), from
 *   the side it pretends to come from, at the point it appeared;
 * - segments dropped between the points after the flow's RST are a
 *   stateful firewall's not-SYN drops made certain (Forefront TMG logs
 *   0xC0040017 for each): the hint says so instead of "a firewall drops";
 * - other drops between the points are named in the hint;
 * - a flow seen at one point only, when the other point captured on one
 *   of its endpoints, never went through that host's stack: how TCP
 *   Chimney / TOE offloaded connections look.
 */
#ifndef TV_PATH_VERDICT_H
#define TV_PATH_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "tcpverdict.h"

#define PATH_VERDICT_HINT_LEN 512

struct path_verdict {
    struct tv_verdict v;
    struct tv_anomaly_report *anomalies; /* owned: the flow's, and rst_injected */
    char hint[PATH_VERDICT_HINT_LEN];
};

/* out->v is in's verdict with path and its consequences; flow ids and
 * packet numbers of the second point's own records are moved past the
 * first point's (number_base), so that they stay unique in one output.
 * False if memory is short. */
bool path_verdict_make(const struct tv_verdict *in, const struct tv_path *path,
                       uint64_t number_base, struct path_verdict *out);
void path_verdict_free(struct path_verdict *pv);

#endif
