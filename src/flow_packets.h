/*
 * The packets of chosen flows, for the pictures of them (--ladder,
 * --graph, --report): flows are chosen as their verdicts come (copies of
 * the verdicts are kept), then the input is read a second time and each
 * TCP packet of a chosen flow is kept in a small record: time, direction,
 * flags, sequence and acknowledgment numbers, window, payload length and
 * SACK blocks. The analyzer's 128 bytes per flow stay as they are; only
 * the chosen flows cost anything, and only after the analysis.
 *
 * A packet belongs to a chosen flow when it has the flow's addresses and
 * ports, comes at or after the flow's first packet (by position in the
 * input, numbered as the pipeline numbers them) and no later than its
 * last packet's time. IP fragments are put together as the analyzer puts
 * them; a reassembled segment counts as the packet of its last fragment.
 *
 * Limits: FLOW_PACKETS_FLOW_CAP flows are kept (more are counted), and
 * FLOW_PACKETS_PKT_CAP packets of one flow, FLOW_PACKETS_TOTAL_CAP in all;
 * past them only SYN, FIN and RST segments and each anomaly's first packet
 * are kept, and the flow says how many others were left out.
 */
#ifndef TV_FLOW_PACKETS_H
#define TV_FLOW_PACKETS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "tcpverdict.h"

#define FLOW_PACKETS_FLOW_CAP  1000
#define FLOW_PACKETS_PKT_CAP   100000
#define FLOW_PACKETS_TOTAL_CAP 2000000
#define FLOW_PACKETS_SACK_CAP  4 /* RFC 2018 3: at most 4 blocks fit */

/* One packet of a flow, numbers as on the wire (not relative). */
struct flow_pkt {
    uint64_t number; /* 1-based position in the input */
    int64_t ts_us;
    uint32_t seq;
    uint32_t ack;
    uint32_t payload_len;                    /* by the IP length: what the sender sent */
    uint32_t sack[FLOW_PACKETS_SACK_CAP][2]; /* left and right edges */
    uint16_t window;                         /* raw, unscaled */
    uint8_t flags;                           /* TCP_FLAG_* */
    uint8_t sack_count;
    int8_t wscale; /* the SYN's window scale option, -1 if none */
    bool from_orig;
    /* For --compare: what a path between two capture points may change. */
    uint16_t ip_id; /* IPv4 identification, 0 for IPv6 */
    uint16_t mss;   /* MSS option, 0 if none */
    uint8_t ttl;    /* hop limit for IPv6 */
    uint8_t tos;    /* DSCP and ECN */
    bool has_sack_permitted;
    bool has_timestamp;
    uint32_t ts_val;
};

/* A chosen flow: its verdict, copied, and its packets once read. */
struct flow_pics {
    struct tv_verdict verdict;           /* strings and anomalies point into this record */
    struct tv_anomaly_report *anomalies; /* owned */
    char *strings;                       /* owned: service, states, history, hint, codes */
    struct flow_pkt *pkts;               /* owned, in input order */
    size_t pkt_count;
    size_t pkt_cap;
    uint64_t pkts_left_out; /* over the caps: counted, not kept */
};

struct flow_packets {
    pthread_mutex_t lock;    /* guards flows while verdicts come from the workers */
    struct flow_pics *flows; /* owned */
    size_t flow_count;
    size_t flow_cap;
    uint64_t flows_left_out; /* chosen past the flow cap */
    size_t total_pkts;
    /* --export: the chosen flows' packet numbers are kept, not their
     * records, and flow_packets_export() copies those packets. */
    bool is_export;
    size_t flow_cap_limit;  /* FLOW_PACKETS_FLOW_CAP, or FLOW_PACKETS_EXPORT_FLOW_CAP */
    size_t pkt_cap_limit;   /* FLOW_PACKETS_PKT_CAP, or FLOW_PACKETS_COMPARE_PKT_CAP */
    size_t total_cap_limit; /* FLOW_PACKETS_TOTAL_CAP, or FLOW_PACKETS_COMPARE_TOTAL_CAP */
    uint64_t *numbers;      /* owned: packets to export, by position in the input */
    size_t number_count;
    size_t number_cap;
    uint64_t frags_left_out; /* fragments of exported flows forgotten before their datagram ended */
    /* The times of the first and last packet read, of any kind: when the
     * input's capture was certainly running. */
    bool has_span;
    int64_t span_first_us;
    int64_t span_last_us;
};

struct flow_packets *flow_packets_create(void);

/* --compare: every flow of one capture point, and more packets of each,
 * for path_compare.h. About 90 bytes a packet kept. */
#define FLOW_PACKETS_COMPARE_FLOW_CAP  200000
#define FLOW_PACKETS_COMPARE_PKT_CAP   1000000
#define FLOW_PACKETS_COMPARE_TOTAL_CAP 4000000
struct flow_packets *flow_packets_create_compare(void);

/* --export: every packet of a chosen flow, copied as read. Fragments are
 * held (their numbers only) until their datagram is whole and shows its
 * flow; FLOW_PACKETS_FRAG_CAP of them at a time. */
#define FLOW_PACKETS_EXPORT_FLOW_CAP 1000000
#define FLOW_PACKETS_FRAG_CAP        4096
struct flow_packets *flow_packets_create_export(void);

/* After the analysis: reads the inputs twice more (with opt, its -w left
 * out), once for the numbers of the chosen flows' packets, once to copy
 * those packets, byte for byte with their timestamps, to a pcap file at
 * path. The file takes the first exported packet's link type (Ethernet
 * when there is none); a packet of another link type is
 * CAPTURE_ERR_LINKTYPE, a write error CAPTURE_ERR_WRITE (said on stderr). */
enum capture_status flow_packets_export(struct flow_packets *fp, const struct capture_options *opt,
                                        const struct tv_config *cfg, const char *path,
                                        uint64_t *written);
void flow_packets_destroy(struct flow_packets *fp);

/* Keeps a copy of v (any thread), unless the flow cap is reached (counted
 * in flows_left_out; *is_kept, if not NULL, says which). False if memory
 * is short. */
bool flow_packets_keep(struct flow_packets *fp, const struct tv_verdict *v, bool *is_kept);

/* After the analysis: sorts the flows by flow id, reads the inputs again
 * with opt (its -w left out) and keeps the chosen flows' packets; IP
 * fragments are put together with cfg's memcap and timeout. */
enum capture_status flow_packets_read(struct flow_packets *fp, const struct capture_options *opt,
                                      const struct tv_config *cfg);

/* Wireshark's relative numbers: a direction's base is its SYN's sequence,
 * else one before the first sequence it was seen to send. */
struct flow_bases {
    bool has[2]; /* [0] originator, [1] responder */
    uint32_t base[2];
    int8_t wscale[2]; /* each side's SYN window scale option, -1 if none */
};
void flow_packets_bases(const struct flow_pics *f, struct flow_bases *out);

#endif
