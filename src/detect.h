/*
 * Detection: turns what the tracker saw in each segment, and what a flow
 * looks like when it ends, into anomalies (shared/design/verdicts.md), and
 * keeps the flow's stateful-firewall view. Decides nothing about when
 * flows begin or end; the analyzer does.
 */
#ifndef TV_DETECT_H
#define TV_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly.h"
#include "decode.h"
#include "flow_table.h"
#include "offload.h"
#include "tcp_state.h"
#include "tcpverdict.h"

/* The analyzer's state that detection reads and updates. */
struct detect_ctx {
    const struct tv_config *cfg;
    struct flow_table *flows;
    struct anomaly_pool *pool;
    struct offload *offload;
    uint64_t pkt_no;    /* the current packet's position in the input */
    uint32_t epb_flags; /* the current packet's flags in the capture file (TV_EPB_*) */
    int64_t now_us;
    int64_t start_us; /* the input's first packet */
};

/* A new flow's first packet: a SYN, or traffic whose start was not seen. */
void detect_first_packet(struct detect_ctx *d, struct flow *f, bool is_orig, uint8_t flags);

/* One segment after the tracker has processed it. idle_us is how long the
 * flow was silent before it; conn_ms is its time into the flow. */
void detect_segment(struct detect_ctx *d, struct flow *f, bool is_orig, const struct packet *p,
                    const struct tcp_event *ev, int64_t idle_us, uint32_t conn_ms);

/* The segment just tracked came as IP fragments, reassembled. */
void detect_ip_fragmented(struct detect_ctx *d, struct flow *f, bool is_orig);

/* Fragments of a datagram this side sent overlapped, and it was discarded. */
void detect_ip_fragment_overlap(struct detect_ctx *d, struct flow *f, bool is_orig);

/* Findings that only the end of a flow settles (give-ups, stalls, how
 * consistent its bad checksums were). */
void detect_flow_end(struct detect_ctx *d, struct flow *f);

#endif
