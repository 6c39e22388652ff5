/*
 * tcpverdict public API: feed packets to an analyzer, receive exactly one
 * verdict per TCP flow through a callback.
 *
 * This is the only public header. main.c, the pipeline, the golden tests and
 * the fuzzers all drive the analyzer through it. The analyzer does no I/O,
 * starts no threads and never reads the clock: time is the packet's
 * timestamp, so the same packets always give the same verdicts.
 *
 * Everything a verdict points to (strings, the anomaly array) is valid only
 * during the callback; copy what you keep.
 */
#ifndef TCPVERDICT_H
#define TCPVERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tv_level { TV_LEVEL_OK = 0, TV_LEVEL_NOTICE, TV_LEVEL_WARN, TV_LEVEL_FAIL, TV_LEVEL_COUNT };

/* Why a flow's verdict was emitted; the JSON "end" field. */
enum tv_end {
    TV_END_FIN = 0,
    TV_END_RST,
    TV_END_REFUSED,
    TV_END_SYN_TIMEOUT,
    TV_END_IDLE_TIMEOUT,
    TV_END_EVICTED,
    TV_END_OPEN,
    TV_END_COUNT
};

/* Winsock error an endpoint's application most likely saw, 0 for none. */
enum tv_winsock {
    TV_WINSOCK_NONE = 0,
    TV_WINSOCK_ECONNABORTED = 10053,
    TV_WINSOCK_ECONNRESET = 10054,
    TV_WINSOCK_ETIMEDOUT = 10060,
    TV_WINSOCK_ECONNREFUSED = 10061,
};

/* pcapng packet flags (epb_flags) the analyzer reads: the direction, and
 * what the capturing host's NIC was left to do or had done. */
#define TV_EPB_DIRECTION_MASK 0x00000003u
#define TV_EPB_INBOUND        0x00000001u
#define TV_EPB_OUTBOUND       0x00000002u
#define TV_EPB_CSUM_NOT_READY 0x00000200u /* transmit checksum left to the NIC */
#define TV_EPB_CSUM_VALID     0x00000400u /* the NIC verified the checksum */
#define TV_EPB_TSO            0x00000800u /* the NIC will cut it into segments */

/* One captured packet as handed to the analyzer. The bytes are borrowed
 * for the duration of tv_analyzer_packet(). */
/* Packet times are held within +-TV_TS_MAX_US (the end of the year 9999):
 * a time beyond is taken as that bound, so that no sum with a timeout can
 * overflow. */
#define TV_TS_MAX_US INT64_C(253402300799999999)

struct tv_packet {
    int linktype;  /* LINKTYPE_* / DLT_* value of the capture */
    int64_t ts_us; /* capture timestamp, microseconds since the epoch */
    const uint8_t *data;
    uint32_t caplen;     /* bytes captured */
    uint32_t wirelen;    /* bytes on the wire */
    uint32_t epb_flags;  /* pcapng enhanced packet block flags (TV_EPB_*), 0 if none */
    uint64_t number;     /* 1-based position in the whole input, so that several
                            analyzers fed from one stream agree; 0: the
                            analyzer counts the packets it is given */
    bool is_data_stable; /* data stays valid after the packet is handed on
                            (a mapped file), so it need not be copied */
    bool has_frame_sum;  /* frame_sum is set */
    uint32_t frame_sum;  /* RFC 1071 sum of data[0, caplen), unfolded, as a
                            thread with time to spare computed it: the TCP
                            checksum is then derived without reading the
                            payload again */
};

/* A TCP port named as a service (--service PORT=NAME). */
struct tv_service {
    uint16_t port;
    const char *name; /* borrowed for the analyzer's lifetime */
};

/* An address given a role name (--role ADDR=NAME). */
struct tv_role {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    const char *name; /* borrowed for the analyzer's lifetime */
};

struct tv_config {
    uint32_t max_flows;      /* flow table capacity, at most 2^28 - 2 */
    bool evict_when_full;    /* true: evict the oldest idle flow; false: refuse */
    int64_t idle_timeout_us; /* an open flow silent this long ends idle_timeout */
    int64_t syn_timeout_us;  /* an unanswered connection attempt ends syn_timeout */
    int64_t linger_us;       /* a closed flow keeps collecting late segments */
    int64_t grace_us;        /* packets this close to input start may predate it */
    int64_t rst_idle_us;     /* a RST after this much silence is rst_after_idle */
    int64_t stall_us;        /* outstanding data with no progress this long */
    bool verify_checksums;   /* check IPv4 header and TCP checksums */
    int64_t interim_us;      /* an open flow gets an interim record this often; 0: never */
    const struct tv_service *services; /* in addition to the built-in ones */
    size_t service_count;
    const struct tv_role *roles;
    size_t role_count;
    bool have_capture_host;      /* capture_host says where the capture was taken */
    struct tv_role capture_host; /* its name is not used */
    uint64_t frag_memcap;        /* bytes IP fragments awaiting reassembly may hold */
    int64_t frag_timeout_us;     /* an incomplete datagram is given up this long after
                                    its first fragment */
    /* Key of the flow table's hash (SipHash-1-3, 16 bytes). No verdict,
     * record or count depends on it except bucket_tree_flows; a key that
     * nobody outside knows keeps chosen 5-tuples from crowding one bucket.
     * tv_config_default() leaves it zero; the program draws it at random. */
    uint8_t hash_key[16];
};

void tv_config_default(struct tv_config *cfg);

struct tv_endpoint_report {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
    uint64_t pkts;
    uint64_t bytes; /* payload bytes, counted in sequence space like Zeek */
    enum tv_winsock winsock;
    const char *role; /* configured role name, or NULL */
};

struct tv_anomaly_report {
    const char *code;
    enum tv_level level;
    bool from_orig; /* direction that sent it */
    uint32_t count;
    uint64_t first_pkt; /* 1-based position in the input */
    int64_t first_us;
};

/* Encapsulations with endpoints of their own that a flow can be found
 * inside, as Zeek's tunnel types. MPLS, PPPoE, PBB and the port tags have
 * none: they do not make a location. */
enum tv_tunnel_kind {
    TV_TUNNEL_IP = 0, /* IP in IP: IPv4 or IPv6 in IPv4 or IPv6 */
    TV_TUNNEL_GRE,    /* GRE (RFC 2784/2890), also over UDP (RFC 8086) */
    TV_TUNNEL_ERSPAN, /* ERSPAN types I, II and III, in GRE */
    TV_TUNNEL_VXLAN,
    TV_TUNNEL_GENEVE,
    TV_TUNNEL_TEREDO,
    TV_TUNNEL_AYIYA,
    TV_TUNNEL_GTPU,
    TV_TUNNEL_KIND_COUNT
};

/* Encapsulations of every kind nested in one packet, at most; one more is
 * TV_DECODE_ENCAP_TOO_DEEP. Tunnels are some of them. */
#define TV_ENCAP_DEPTH_CAP 8
#define TV_VLANS_CAP       2 /* VLAN ids a location keeps: Zeek's vlan and inner_vlan */

/* One tunnel a packet came through: its kind and the outer header's
 * addresses. */
struct tv_tunnel {
    enum tv_tunnel_kind kind;
    uint8_t family; /* of the outer header, 4 or 6 */
    uint8_t src[16];
    uint8_t dst[16];
};

/* Where a flow was found: the first VLAN ids of its packets, outermost
 * first, and the tunnels around it, outermost first. Two flows with the
 * same addresses and ports in different locations are two flows. */
struct tv_location {
    uint8_t vlan_count; /* 0 to TV_VLANS_CAP */
    uint16_t vlan[TV_VLANS_CAP];
    uint8_t tunnel_count; /* 0 to TV_ENCAP_DEPTH_CAP */
    struct tv_tunnel tunnels[TV_ENCAP_DEPTH_CAP];
};

/* "ip", "gre", "erspan", "vxlan", "geneve", "teredo", "ayiya", "gtpu". */
const char *tv_tunnel_kind_name(enum tv_tunnel_kind kind);

/*
 * --compare: what the path between two capture points did to a flow. The
 * first point is the -r input, the second the --compare input; [0] is the
 * originator's direction (what it sent), [1] the responder's. Packet
 * numbers are positions in that point's own input.
 */
enum tv_point { TV_POINT_NONE = 0, TV_POINT_FIRST, TV_POINT_SECOND };

/* "first", "second"; NULL for TV_POINT_NONE. */
const char *tv_point_name(enum tv_point point);

struct tv_path_packet {
    bool has[2];      /* [0] in the first point's input, [1] in the second's */
    uint64_t pkt[2];  /* its number there */
    int64_t first_us; /* when the point nearer its sender saw it */
};

struct tv_path {
    enum tv_point seen_at;   /* NONE: seen at both points */
    enum tv_point near_orig; /* the point nearer the originator; NONE if not known */
    const char *placed_by;   /* the evidence for near_orig: "ttl", "timing",
                                "one_side", "offload" or "assumed" */
    const char *paired_by;   /* how the two points' records were paired: "tuple",
                                "nat"; NULL when seen at one point only */
    bool has_flow_id_at[2];  /* the flow's id in each point's own input */
    uint64_t flow_id_at[2];
    bool is_complete;                       /* every packet of the flow at both points was kept */
    uint64_t dropped[2];                    /* transmissions that never reached the farther point */
    struct tv_path_packet dropped_first[2]; /* pkt[far] is what got through later */
    uint64_t injected[2]; /* segments at the farther point never sent past the nearer */
    struct tv_path_packet injected_first[2];
    uint64_t injected_rst[2]; /* of them, RSTs: forged on that side's behalf */
    struct tv_path_packet injected_rst_first[2];
    uint64_t dropped_after_rst[2]; /* of the drops, after the flow's first RST */
    uint64_t unverified[2];        /* sent while the other point was not capturing */
    /* Seen at one point only, though the other captured on one of its
     * endpoints: that host's stack never saw it (TCP Chimney, TOE). */
    bool is_offload_suspect;
    uint8_t host_family;
    uint8_t host_addr[16]; /* that endpoint */
    /* changed: what the path rewrote, per direction */
    bool has_hops[2];
    int hops[2];                     /* TTL / hop limit lost between the points */
    uint16_t mss_from[2], mss_to[2]; /* SYN's MSS when it changed, else 0 */
    bool is_wscale_stripped[2];
    bool is_sack_permitted_stripped[2];
    bool is_timestamp_stripped[2];
    uint64_t timestamp_rewritten[2]; /* packets whose TSval changed */
    bool has_seq_offset[2];
    uint32_t seq_offset[2]; /* second point's sequence numbers minus the first's */
    uint64_t dscp_changed[2];
    uint8_t dscp_from[2], dscp_to[2]; /* of the first such packet */
    bool is_translated[2];            /* address or port of that endpoint rewritten */
    uint8_t peer_family;
    uint8_t peer_addr[2][16]; /* the endpoints as the second point saw them */
    uint16_t peer_port[2];
    bool has_delay[2];
    double delay_median_ms[2], delay_max_ms[2]; /* one way, between the points */
    bool has_clock_offset;
    double clock_offset_ms; /* second point's clock minus the first's */
};

/*
 * Where a record stands in the order one analyzer emits them, so that the
 * records of analyzers that each saw a share of one input can be merged
 * into that order (tv_order_cmp()). A record is due at a packet (the
 * packet's clock time and number, then the phase within that packet), or
 * at a time: a time-out is due after every packet of its deadline's time
 * and before any later one (pkt is UINT64_MAX). Records at the end of
 * input come last, in flow id order. Keys of one input never repeat.
 */
enum tv_order_phase {
    TV_ORDER_TIMEOUT = 0, /* rank: attempt, closed, active list; seq: last packet */
    TV_ORDER_INTERIM,     /* rank: attempt, active list; seq: last packet */
    TV_ORDER_REUSE,       /* a new connection on the 5-tuple ended the old one */
    TV_ORDER_EVICT,       /* the table was full */
    TV_ORDER_START,       /* a flow began (tv_analyzer_split()'s on_start) */
    TV_ORDER_END,         /* end of input; seq: flow id */
};

struct tv_order {
    int64_t ts_us;
    uint64_t pkt;
    uint8_t phase; /* enum tv_order_phase */
    uint8_t rank;
    uint64_t seq;
};

/* <0, 0 or >0 as a comes before, with or after b. */
int tv_order_cmp(const struct tv_order *a, const struct tv_order *b);

struct tv_verdict {
    uint64_t flow_id; /* input position of the flow's first packet: unique, and
                         the same however the input is split among analyzers */
    int64_t first_us;
    int64_t last_us;
    struct tv_endpoint_report orig;
    struct tv_endpoint_report resp;
    const char *service;    /* NULL when the port is not a known service */
    const char *conn_state; /* Zeek conn_state */
    const char *history;    /* Zeek history */
    enum tv_end end;
    enum tv_level level;
    const struct tv_anomaly_report *anomalies;
    size_t anomaly_count;
    uint64_t strict_drops; /* segments a SYN-only stateful firewall would drop */
    uint64_t loose_drops;  /* segments a firewall adopting bare ACKs would drop */
    uint32_t attempt;      /* refused attempts on this 5-tuple before this flow */
    uint32_t http_408;     /* HTTP 408 (Request Timeout) replies seen in the clear */
    const char *hint;      /* one-line advice, or NULL */
    /* Captured by NFLOG: the prefix the firewall rule logged the flow's
     * first packet that had one with, and that rule's group; NULL and 0
     * otherwise. */
    const char *nflog_prefix;
    uint16_t nflog_group;
    bool interim; /* the flow goes on; its final record comes later */
    /* Where the flow was found: NULL in no VLAN and no tunnel. The tunnels'
     * src and dst are as the flow's first packet carried them. */
    const struct tv_location *location;
    bool is_location_lost;      /* too many locations to keep: where is not known */
    struct tv_order order;      /* where it stands among the input's records; the
                                   last packet (seq) only with tv_analyzer_split() */
    const struct tv_path *path; /* --compare only, else NULL */
};

typedef void (*tv_verdict_fn)(const struct tv_verdict *verdict, void *ctx);

/* Packet-level outcomes, counted in tv_stats.decode. TV_DECODE_OK and the
 * "skipped" statuses are normal traffic; the others are malformed input. */
enum tv_decode_status {
    TV_DECODE_OK = 0,
    TV_DECODE_TRUNCATED,        /* a header ends before its length says */
    TV_DECODE_UNSUPPORTED_LINK, /* link type not decoded */
    TV_DECODE_NOT_IP,           /* skipped: ARP, LLDP, ... */
    TV_DECODE_BAD_IP_VERSION,
    TV_DECODE_BAD_IP_HEADER_LEN, /* IHL < 5 or beyond the packet */
    TV_DECODE_BAD_IP_TOTAL_LEN,  /* total length shorter than the headers */
    TV_DECODE_FRAGMENT,          /* an IP fragment, handed to reassembly */
    TV_DECODE_NOT_TCP,           /* skipped: UDP, ICMP, ... */
    TV_DECODE_BAD_TCP_OFFSET,    /* data offset < 5 or beyond the segment */
    TV_DECODE_BAD_EXT_HEADER,    /* malformed IPv6 extension header chain */
    TV_DECODE_ENCRYPTED,         /* 802.11 protected frame: unreadable without its keys */
    TV_DECODE_UNSUPPORTED_FRAME, /* a link frame with no one packet to read: an 802.11
                                    fragment or A-MSDU, compressed PPP, an NFLOG record
                                    without payload, a PPI frame of a link type not
                                    decoded, a radiotap, PPI or NFLOG header of a
                                    version not known */
    TV_DECODE_BAD_FCS,           /* the radio saw the frame fail its check sequence */
    TV_DECODE_UNSUPPORTED_ENCAP, /* an encapsulation of a version or kind not decoded */
    TV_DECODE_BAD_ENCAP,         /* an encapsulation header contradicts itself */
    TV_DECODE_ENCAP_TOO_DEEP,    /* more encapsulations nested than TV_ENCAP_DEPTH_CAP */
    TV_DECODE_STATUS_COUNT
};

const char *tv_decode_status_name(enum tv_decode_status status);
bool tv_decode_status_is_error(enum tv_decode_status status);
/* The packet could not be analysed at all: a link type or an encapsulation
 * nothing here decodes. An input of nothing but such packets is an error
 * for the program, since zero flows would read as "all clear". */
bool tv_decode_status_is_unreadable(enum tv_decode_status status);

/* True if packets of this link type (DLT_* / LINKTYPE_*) are decoded. */
bool tv_linktype_is_decoded(int linktype);

struct tv_stats {
    uint64_t packets;     /* every packet handed to the analyzer */
    uint64_t tcp_packets; /* decoded as TCP and tracked */
    uint64_t decode[TV_DECODE_STATUS_COUNT];
    uint64_t ip_checksum_bad;
    uint64_t tcp_checksum_bad;
    uint64_t tcp_checksum_unverified; /* not captured whole */
    uint64_t flows;                   /* verdicts emitted */
    uint64_t flows_by_level[TV_LEVEL_COUNT];
    uint64_t flows_by_end[TV_END_COUNT];
    uint64_t evictions;     /* flows ended early because the table was full */
    uint64_t refused_flows; /* packets not tracked: table full, eviction off */
    uint64_t max_concurrent_flows;
    /* Records needed and none left, so that some flows were analysed only
     * in part (their history ends in 'x'), or an anomaly occurrence went
     * unrecorded (still counted in the flow's verdict level). The pools
     * hold every flow's share, so only a flow with more than 12 distinct
     * anomaly records (code and side) runs short, of its own. */
    uint64_t cold_records_short;     /* a flow's record for what few flows need */
    uint64_t anomaly_records_short;  /* an anomaly's first occurrence */
    uint64_t location_records_short; /* a location, after 65,534 distinct ones: flows
                                        found there share one unknown location */
    /* IP fragments (each also counted in decode[TV_DECODE_FRAGMENT]) and
     * what became of their datagrams. */
    uint64_t ip_fragments;
    uint64_t ip_frag_reassembled;  /* datagrams completed, then analysed */
    uint64_t ip_frag_timed_out;    /* incomplete when frag_timeout_us ran out */
    uint64_t ip_frag_memcap_drops; /* dropped to stay within frag_memcap */
    uint64_t ip_frag_overlaps;     /* discarded: their fragments overlapped */
    uint64_t ip_frag_duplicates;   /* fragments repeating bytes already held, dropped */
    uint64_t ip_frag_malformed;    /* fragments or datagrams discarded as inconsistent */
    uint64_t ip_frag_incomplete;   /* still incomplete at the end of input */
    /* Flows put in a hash bucket's search tree because the bucket's chain
     * was full: 5-tuples chosen against the hash key, or chance about once
     * in 10^13 flows at full table with a key nobody knows. */
    uint64_t bucket_tree_flows;
};

struct tv_analyzer;

/* Returns NULL if cfg is invalid or memory is short. */
struct tv_analyzer *tv_analyzer_create(const struct tv_config *cfg, tv_verdict_fn on_verdict,
                                       void *ctx);
void tv_analyzer_destroy(struct tv_analyzer *analyzer);

void tv_analyzer_packet(struct tv_analyzer *analyzer, const struct tv_packet *packet);

/* Advances packet time without a packet (live capture while the line is
 * quiet), ending the flows whose time is up. Time never moves back. The
 * first tick or packet starts the clock: analyzers fed from one input
 * should all be ticked with its first timestamp before their packets. */
void tv_analyzer_tick(struct tv_analyzer *analyzer, int64_t now_us);

/* End of input: every flow still tracked gets its verdict (end "open",
 * or the timeout it has already passed). */
void tv_analyzer_finish(struct tv_analyzer *analyzer);

/*
 * One input split among several analyzers (by 5-tuple, both directions to
 * the same one), whose records merged by their order give the records of
 * a single analyzer, byte for byte. Call before the first packet:
 * verdicts then carry their whole order key (each flow's last packet is
 * kept, 8 bytes a flow), on_start is called with the key of every flow's
 * first packet (so that a merger can count flows open at once), and
 * interim reports come only from tv_analyzer_interim(), which the caller
 * calls on every analyzer when the rule (tv_interim_due()) says so for
 * the whole input. Returns false if memory is short.
 */
typedef void (*tv_flow_start_fn)(const struct tv_order *at, void *ctx);
bool tv_analyzer_split(struct tv_analyzer *analyzer, tv_flow_start_fn on_start);

/* Interim records for the open flows, as of packet pkt_no at now_us. */
void tv_analyzer_interim(struct tv_analyzer *analyzer, int64_t now_us, uint64_t pkt_no);

/* The interim rule (tv_config.interim_us): given the input's start and
 * the time of the next report (0 before the first), whether one is due at
 * now_us; *next_us moves on when it is. */
bool tv_interim_due(int64_t interval_us, int64_t start_us, int64_t *next_us, int64_t now_us);

/* Flows tracked now. */
uint32_t tv_analyzer_flow_count(const struct tv_analyzer *analyzer);

/*
 * One packet for all[i], with one flow budget (all[i]'s max_flows) shared
 * by the count analyzers of one split input: every analyzer's clock is
 * first moved to the packet's time, and if the packet needs a new flow
 * while the analyzers together hold max_flows, the flow a single analyzer
 * would have ended to make room ends, in whichever analyzer holds it. All
 * of them must be the caller's alone during the call.
 */
void tv_analyzer_packet_shared(struct tv_analyzer *const *all, size_t count, size_t i,
                               const struct tv_packet *packet);

const struct tv_stats *tv_analyzer_stats(const struct tv_analyzer *analyzer);

/* Number of anomaly codes, and flows that carried each one. */
size_t tv_anomaly_code_count(void);
const char *tv_anomaly_code_name(size_t code);
uint64_t tv_analyzer_anomaly_flows(const struct tv_analyzer *analyzer, size_t code);

/* Where the capture was taken: stated with --capture-host, or inferred from
 * the packets (the host whose packets the capture file marks as sent on
 * its interface, else the host whose sent packets carry transmit-offload
 * partial checksums). Returns false when unknown. */
struct tv_capture_host {
    uint8_t family;
    uint8_t addr[16];
    bool stated;             /* given by the user, not inferred */
    uint64_t evidence_pkts;  /* packets it sent with partial-sum checksums */
    uint64_t direction_pkts; /* packets it sent that the file marks outbound */
};

bool tv_analyzer_capture_host(const struct tv_analyzer *analyzer, struct tv_capture_host *out);

/* NFLOG prefixes flows were logged with, in the order first seen, and
 * the final verdicts of flows with each. */
struct tv_nflog_prefix {
    uint16_t group;
    const char *prefix; /* valid for the analyzer's lifetime */
    uint64_t flows;
    uint64_t first_pkt; /* input position of the packet it was first met in */
};

size_t tv_analyzer_nflog_prefix_count(const struct tv_analyzer *analyzer);
bool tv_analyzer_nflog_prefix(const struct tv_analyzer *analyzer, size_t i,
                              struct tv_nflog_prefix *out);

/* Per-service counts: services (built-in and configured) by index. */
size_t tv_analyzer_service_count(const struct tv_analyzer *analyzer);
const char *tv_analyzer_service_name(const struct tv_analyzer *analyzer, size_t i);
uint64_t tv_analyzer_service_flows(const struct tv_analyzer *analyzer, size_t i,
                                   enum tv_level level);

const char *tv_level_name(enum tv_level level);
const char *tv_end_name(enum tv_end end);
/* Parses "ok", "notice", "warn", "fail"; returns -1 otherwise. */
int tv_level_parse(const char *name);

#ifdef __cplusplus
}
#endif

#endif
