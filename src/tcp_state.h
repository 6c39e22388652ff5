/*
 * TCP connection tracker as a passive observer of both directions: endpoint
 * states, sequence and acknowledgement tracking, Zeek-compatible history
 * and conn_state, and the per-segment facts the anomaly engine needs.
 * Knows nothing of flow tables, time-outs or output.
 */
#ifndef TV_TCP_STATE_H
#define TV_TCP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "history.h"

/* Endpoint states as Zeek names them (zeek-states.md); a passive observer
 * cannot see the RFC 9293 states of the hosts themselves. */
enum tcp_state {
    TCP_STATE_INACTIVE = 0,
    TCP_STATE_SYN_SENT,
    TCP_STATE_SYN_ACK_SENT,
    TCP_STATE_PARTIAL,
    TCP_STATE_ESTABLISHED,
    TCP_STATE_CLOSED,
    TCP_STATE_RESET,
};

/* One direction of a connection, named by the host that sends it: what
 * every connection needs. What only some need is in tcp_endpoint_cold. */
struct tcp_endpoint {
    uint32_t start_seq;  /* ISN, or one before the first sequence seen */
    uint32_t last_seq;   /* one past the highest sequence sent */
    uint32_t ack_seq;    /* highest sequence of ours the peer acknowledged */
    uint32_t contig_seq; /* our data seen without a hole up to here */
    /* Low 16 bits of the relative sequence of the last FIN end: enough to
     * tell a repeat from a new one (a history letter), and wrong only for
     * repeats exactly a multiple of 64 KiB apart. The SYN's and RST's are
     * kept the same way in tcp_endpoint_cold. */
    uint16_t hist_fin_seq;
    uint16_t mss;       /* from the SYN, 0 if none */
    uint16_t window;    /* last advertised window, unscaled */
    uint16_t state : 3; /* enum tcp_state */
    uint16_t prev_state : 3;
    uint16_t wscale : 4; /* negotiated shift, 0..14 */
    uint16_t did_close : 1;
    uint16_t saw_syn : 1;
    uint16_t saw_fin : 1;
    uint16_t wscale_offered : 1; /* our SYN carried a window scale option */
    uint16_t close_complete : 1; /* when we closed, the connection was over:
                                    we reset, or the peer had closed or never
                                    spoken (Zeek's close_complete) */
};

/*
 * The rest of an endpoint: zero for a connection without holes,
 * retransmissions, bad checksums, zero windows, content gaps, repeated
 * SYNs or RSTs at a new sequence, or 4 GiB of data. A connection gets it
 * (struct tcp_conn_cold) only when one of those first happens.
 */
struct tcp_endpoint_cold {
    uint32_t hole_end_seq; /* with has_hole: where data resumed after the hole */
    uint32_t hole_ms;      /* with has_hole: when it opened, ms into the connection */
    uint32_t rxmit_count;  /* segments that resent sequence space */
    uint16_t hist_syn_seq; /* as hist_fin_seq, for the last SYN */
    uint16_t hist_rst_seq; /* as hist_fin_seq, for the last RST */
    uint16_t csum_count;   /* segments with a bad checksum (saturating) */
    uint16_t win0_count;   /* zero-window advertisements (saturating) */
    uint16_t gap_count;    /* content gaps (saturating) */
    uint16_t ooo_count;    /* holes filled soon after they opened: reordering */
    uint16_t pkts_hi;      /* bits 16..31 of tcp_conn's pkts_lo */
    uint8_t seq_wraps;     /* times last_seq wrapped past 2^32 (saturating) */
    uint8_t has_hole : 1;
    uint8_t rxmit_streak : 3; /* retransmissions since the peer last acked
                                 new data (saturates at 7) */
};

/* Per-segment facts the tracker found, for the anomaly engine. */
struct tcp_event {
    bool is_retransmission;
    bool is_syn_retry;     /* SYN repeated while still opening */
    bool is_rst_refusal;   /* RST answering a SYN */
    bool ack_beyond_data;  /* acknowledges sequence space the peer was never seen to send */
    bool rst_acceptable;   /* a RST in the receiver's window (RFC 9293 3.10.7.4),
                              or answering a SYN, or not judgeable */
    bool was_closed;       /* the connection was already closed before this segment */
    bool ack_advanced;     /* acknowledged new data of the peer */
    bool filled_hole_fast; /* data that arrived out of order, soon after the
                              segment that overtook it */
    uint8_t state_before;  /* this side's state before the segment */
    uint8_t peer_state_before;
};

struct tcp_conn {
    struct tcp_endpoint ep[2]; /* [0] originator, [1] responder */
    /* Segments each side sent, saturating at 2^32 - 1 (tcp_conn_pkts()):
     * bits 0..15, the rest in the cold half, which only a connection of
     * 65,536 segments or more needs for them. */
    uint16_t pkts_lo[2];
    struct history history;
};

struct tcp_conn_cold {
    struct tcp_endpoint_cold ep[2]; /* [0] originator, [1] responder */
    struct history_more history;    /* letters after the first HISTORY_INLINE */
};

/*
 * Where the tracker finds a connection's cold half: `cold` if it has one
 * (else NULL), and `take` to get one the first time it is needed. take
 * returns a zeroed record, or NULL when none is left; the tracker then
 * goes on without what it could not record, and the caller, which take
 * told, must report the connection's analysis as partial.
 */
struct tcp_cold_ref {
    struct tcp_conn_cold *cold;
    struct tcp_conn_cold *(*take)(void *ctx);
    void *ctx;
};

/* A connection's cold half, or all zeros if it has none. */
const struct tcp_conn_cold *tcp_cold_or_zero(const struct tcp_conn_cold *cold);

void tcp_conn_init(struct tcp_conn *c);

/* The first-packet role heuristic: returns true if the sender of the first
 * packet should be the responder. The flags say whether the segment's
 * source and destination ports are likely server ports. */
bool tcp_conn_first_packet_flips(const struct tcp_segment *seg, bool src_is_server,
                                 bool dst_is_server);

/*
 * Processes one segment. `is_orig` says whether the originator sent it;
 * `conn_ms` is the segment's time in ms since the connection's first
 * segment. Returns true if the caller must swap originator and responder
 * (SYN and SYN+ACK seen in reverse order); the tracker has already swapped
 * its own endpoints.
 */
bool tcp_conn_segment(struct tcp_conn *c, struct tcp_cold_ref *cold, bool is_orig,
                      const struct packet *p, uint32_t conn_ms, struct tcp_event *ev);

/* The receive window e's peer last advertised, in bytes, scaled when both
 * SYNs negotiated scaling (RFC 7323 2.2); UINT32_MAX when it cannot be known. */
uint32_t tcp_endpoint_peer_window(const struct tcp_endpoint *e, const struct tcp_endpoint *peer);

/* Swaps the two endpoints (cold halves too; cold may be NULL) and marks
 * the flip in the history. */
void tcp_conn_flip(struct tcp_conn *c, struct tcp_conn_cold *cold);

/* Zeek reuse rule: does this SYN on an existing flow start a new connection? */
bool tcp_conn_is_reuse(const struct tcp_conn *c, const struct tcp_segment *seg);

/* Both sides closed, either side reset, or one side closed and the other silent. */
bool tcp_conn_is_closed(const struct tcp_conn *c);

const char *tcp_conn_state_name(const struct tcp_conn *c, const struct tcp_conn_cold *cold);

/* Segments side i sent; cold may be NULL. */
uint32_t tcp_conn_pkts(const struct tcp_conn *c, const struct tcp_conn_cold *cold, int i);

/* Payload bytes of one side counted in sequence space, as Zeek's size;
 * ec is that side's cold half (tcp_cold_or_zero). */
uint64_t tcp_endpoint_size(const struct tcp_endpoint *e, const struct tcp_endpoint_cold *ec);

const char *tcp_state_name(enum tcp_state s);

#endif
