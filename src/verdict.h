/*
 * Verdict: turns a finished flow into the public `struct tv_verdict`
 * record: conn_state and history, end, level, Winsock code per side,
 * service and hint. Decides nothing about when a flow ends.
 */
#ifndef TV_VERDICT_H
#define TV_VERDICT_H

#include "anomaly.h"
#include "flow_table.h"
#include "history.h"
#include "services.h"
#include "tcpverdict.h"

/* Storage the verdict's strings and arrays point into. */
struct verdict_buf {
    char history[HISTORY_CAP + 2]; /* with room for the partial mark */
    struct tv_anomaly_report anomalies[2 * ANOMALY_COUNT];
};

/* Fills out from f, a flow of t that ended (or, for an interim record,
 * stands) as `end`; out points into buf and the pool until they change.
 * A flow whose analysis is partial (a cold record was needed and none was
 * left) ends its history with 'x'. */
void verdict_build(const struct flow_table *t, const struct flow *f, enum tv_end end,
                   const struct anomaly_pool *pool, const struct services *services,
                   struct verdict_buf *buf, struct tv_verdict *out);

#endif
