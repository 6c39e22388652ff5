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
#include <string.h>

#include "record_outlet.h"
#include "source_redis.h"
#include "tcpverdict.h"

/* Clock jumps whose first packet the summary names. */
#define SUMMARY_CLOCK_JUMP_PKTS 16

struct summary_findings {
    bool has_capture_host;
    struct tv_capture_host capture_host;
    size_t service_count;
    const char **service_names;                /* owned by the filler */
    uint64_t (*service_flows)[TV_LEVEL_COUNT]; /* owned by the filler */
    size_t nflog_prefix_count;
    struct tv_nflog_prefix *nflog_prefixes; /* owned by the filler; flows added up */
    int stop_signal;                        /* SIGINT or SIGTERM that stopped the run, 0 if none */
    /* Packets stamped far from the stream's time (stream_clock.h): jumps,
     * those the clock followed, the first packet of the first few. */
    uint64_t clock_jumps;
    uint64_t clock_jumps_followed;
    uint64_t clock_jump_pkts[SUMMARY_CLOCK_JUMP_PKTS];
    size_t clock_jump_pkt_count;
    const struct summary_compare *compare; /* --compare, else NULL */
    const struct summary_outlet *outlets;  /* --syslog destinations */
    size_t outlet_count;
    const struct summary_stream *stream; /* --from-redis, else NULL */
};

/* --from-redis: what one sensor's records said, of those this reader
 * read. */
struct summary_sensor {
    const char *name;                        /* owned by the filler */
    uint64_t summaries;                      /* its runs' summaries */
    uint64_t inputs, packets, tcp_packets;   /* as those summaries say */
    uint64_t flows;                          /* final flow records */
    uint64_t flows_by_level[TV_LEVEL_COUNT]; /* of them */
    uint64_t interim;                        /* interim records */
};

/* --from-redis: the stream read, and its records by sensor. */
struct summary_stream {
    const char *source; /* "redis HOST:PORT/STREAM" */
    const char *group;
    const char *consumer;
    struct source_redis_counts counts;
    uint64_t unreadable; /* records whose JSON did not read back: skipped */
    const struct summary_sensor *sensors;
    size_t sensor_count;
    uint64_t sensors_left_out; /* sensors past the table's cap */
};

/* A remote destination and what it took, when the summary was made (the
 * summary itself not counted). */
struct summary_outlet {
    const char *label; /* borrowed: the destination, without a password */
    struct outlet_counts counts;
};

/* --compare: the second point's input and what pairing found; [0] the
 * originators' segments, [1] the responders'. */
struct summary_compare {
    uint64_t inputs;
    uint64_t packets;
    uint64_t tcp_packets;
    uint64_t flows;      /* the second point's flows */
    uint64_t flows_both; /* paired */
    uint64_t flows_first_only;
    uint64_t flows_second_only;
    uint64_t flows_not_compared; /* past the caps: no path */
    uint64_t dropped[2];
    uint64_t injected[2];
    uint64_t unverified[2];
    bool has_clock_offset;
    double clock_offset_ms; /* second point's clock minus the first's */
    double clock_drift_ppm;
};

/* Adds delta (1, or (uint64_t)-1 to take a flow away) to the count of
 * each anomaly code v carries: once a flow, though it may carry a code in
 * both directions. anomaly_flows has tv_anomaly_code_count() entries. */
static inline void summary_count_anomalies(const struct tv_verdict *v, uint64_t *anomaly_flows,
                                           uint64_t delta)
{
    size_t code_count = tv_anomaly_code_count();
    for (size_t i = 0; i < v->anomaly_count; i++) {
        bool is_repeat = false;
        for (size_t k = 0; k < i && !is_repeat; k++)
            is_repeat = strcmp(v->anomalies[k].code, v->anomalies[i].code) == 0;
        for (size_t c = 0; c < code_count && !is_repeat; c++)
            if (strcmp(tv_anomaly_code_name(c), v->anomalies[i].code) == 0) {
                anomaly_flows[c] += delta;
                break;
            }
    }
}

/* Packets that could not be analysed at all, by cause. */
struct summary_unreadable {
    uint64_t packets;       /* all of them */
    uint64_t link_type;     /* of a link type nothing decodes */
    uint64_t encapsulation; /* inside one nothing decodes */
    uint64_t encrypted;     /* 802.11 protected frames */
    uint64_t block;         /* records a reader could not read (unreadable_records) */
};

/* From the analyzers' counts and the readers' (records never handed on). */
static inline struct summary_unreadable summary_unreadable_count(const struct tv_stats *st,
                                                                 uint64_t unreadable_records)
{
    struct summary_unreadable u = {.block = unreadable_records};
    for (int s = 0; s < TV_DECODE_STATUS_COUNT; s++) {
        enum tv_decode_status status = (enum tv_decode_status)s;
        if (!tv_decode_status_is_unreadable(status))
            continue;
        if (status == TV_DECODE_UNSUPPORTED_LINK)
            u.link_type += st->decode[s];
        else if (status == TV_DECODE_ENCRYPTED)
            u.encrypted += st->decode[s];
        else
            u.encapsulation += st->decode[s];
    }
    u.packets = u.link_type + u.encapsulation + u.encrypted + u.block;
    return u;
}

#endif
