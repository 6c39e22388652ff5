/*
 * A verdict with what two capture points proved (path_verdict.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "path_verdict.h"
#include "banned.h"

static const char *path_side(int d)
{
    return d == 0 ? "orig" : "resp";
}

/* The packet's number in the one output: the second point's numbers
 * come after the first's. */
static uint64_t path_number(const struct tv_path_packet *p, uint64_t number_base)
{
    return p->has[0] ? p->pkt[0] : number_base + p->pkt[1];
}

static void path_hint(const struct tv_verdict *in, const struct tv_path *p, char *hint,
                      size_t hint_len)
{
    hint[0] = '\0';
    if (p->seen_at != TV_POINT_NONE) {
        if (!p->is_offload_suspect)
            return;
        snprintf(hint, hint_len,
                 "seen only at the %s point, though the %s captured on one of its endpoints: "
                 "that host's stack never saw the connection, as with TCP Chimney or TOE offload; "
                 "check the NIC's offload settings",
                 tv_point_name(p->seen_at), p->seen_at == TV_POINT_FIRST ? "second" : "first");
        return;
    }
    for (int d = 0; d < 2; d++) {
        if (p->injected_rst[d] == 0)
            continue;
        int near_pt = (p->near_orig == TV_POINT_FIRST) == (d == 0) ? 0 : 1;
        snprintf(hint, hint_len,
                 "the RST from %s was injected between the two capture points: the %s point saw "
                 "it, the %s point, nearer %s, never did; a middlebox forged it",
                 path_side(d), near_pt == 0 ? "second" : "first", near_pt == 0 ? "first" : "second",
                 path_side(d));
        return;
    }
    uint64_t after_rst = p->dropped_after_rst[0] + p->dropped_after_rst[1];
    if (after_rst != 0) {
        snprintf(hint, hint_len,
                 "%" PRIu64 " segment%s after the RST dropped between the two capture points: "
                 "a stateful firewall dropping non-SYN segments of a closed connection (TMG logs "
                 "0xC0040017); check NIC offloads (TCP Chimney, RSS) on the sender",
                 after_rst, after_rst == 1 ? "" : "s");
        return;
    }
    if (p->dropped[0] + p->dropped[1] != 0)
        snprintf(hint, hint_len,
                 "dropped between the two capture points: %" PRIu64 " from orig, %" PRIu64
                 " from resp%s%s",
                 p->dropped[0], p->dropped[1], in->hint != NULL ? "; " : "",
                 in->hint != NULL ? in->hint : "");
}

bool path_verdict_make(const struct tv_verdict *in, const struct tv_path *path,
                       uint64_t number_base, struct path_verdict *out)
{
    memset(out, 0, sizeof(*out));
    out->v = *in;
    out->v.path = path;
    out->anomalies = malloc((in->anomaly_count + 2) * sizeof(*out->anomalies));
    if (out->anomalies == NULL)
        return false;
    /* The second point's own records: numbered after the first's. */
    uint64_t base = path->seen_at == TV_POINT_SECOND ? number_base : 0;
    out->v.flow_id += base;
    for (size_t i = 0; i < in->anomaly_count; i++) {
        out->anomalies[i] = in->anomalies[i];
        out->anomalies[i].first_pkt += base;
    }
    size_t n = in->anomaly_count;
    for (int d = 0; d < 2 && path->seen_at == TV_POINT_NONE; d++) {
        if (path->injected_rst[d] == 0)
            continue;
        const struct tv_path_packet *first = &path->injected_rst_first[d];
        out->anomalies[n++] = (struct tv_anomaly_report){
            .code = anomaly_info[ANOMALY_RST_INJECTED].name,
            .level = anomaly_info[ANOMALY_RST_INJECTED].level,
            .from_orig = d == 0,
            .count =
                path->injected_rst[d] > UINT32_MAX ? UINT32_MAX : (uint32_t)path->injected_rst[d],
            .first_pkt = path_number(first, number_base),
            .first_us = first->first_us,
        };
        if (out->v.level < anomaly_info[ANOMALY_RST_INJECTED].level)
            out->v.level = anomaly_info[ANOMALY_RST_INJECTED].level;
    }
    out->v.anomalies = out->anomalies;
    out->v.anomaly_count = n;
    path_hint(in, path, out->hint, sizeof(out->hint));
    if (out->hint[0] != '\0')
        out->v.hint = out->hint;
    return true;
}

void path_verdict_free(struct path_verdict *pv)
{
    free(pv->anomalies);
    pv->anomalies = NULL;
}
