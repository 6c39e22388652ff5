/*
 * Flow table: fixed-capacity map from canonical 5-tuple to struct flow.
 * Does not interpret TCP; tcp_state.c does. Never allocates after
 * creation. Invariant: every live flow is in exactly one bucket chain and
 * on exactly one time-out list; each list is in the order flows were last
 * appended to it, so its head is the first to time out.
 */
#ifndef TV_FLOW_TABLE_H
#define TV_FLOW_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "anomaly.h"
#include "flow_key.h"
#include "slot_pool.h"
#include "tcp_state.h"

#define FLOW_NONE UINT32_MAX

/* Flows a table can hold at most: slot links are 28 bits. */
#define FLOW_CAP_MAX ((UINT32_C(1) << 28) - 2)

/* Time-out lists; each has one rule for its deadline (see analyzer.c). */
enum flow_list {
    FLOW_LIST_ATTEMPT = 0, /* connection attempt not yet answered */
    FLOW_LIST_ACTIVE,      /* anything open */
    FLOW_LIST_CLOSED,      /* closed, lingering for late segments */
    FLOW_LIST_COUNT
};

/*
 * What only some flows need, in a record of the table's cold pool taken
 * when first needed and returned when the flow leaves the table: the
 * cold half of the connection, anomalies, segments a firewall would have
 * dropped (only flows without a handshake, or after a RST), refused
 * attempts before this one, and the NFLOG prefix it was logged with.
 */
struct flow_cold {
    struct tcp_conn_cold conn;
    struct anomaly_set anomalies;
    uint32_t strict_drops; /* firewall views, see detect.c */
    uint32_t loose_drops;
    uint16_t attempt; /* refused attempts on this 5-tuple before this flow */
    /* High bits of the flow's id and times, for the rare flow whose values
     * do not fit the bits kept in struct flow (has_wide_*). */
    uint16_t flow_id_hi;     /* bits 48..63 */
    uint16_t first_after_hi; /* bits 48..63 */
    uint16_t nflog_prefix;   /* the analyzer's reference of the NFLOG prefix its
                                packets first came with; 0: none */
    uint32_t last_after_hi;  /* bits 32..63 */
    uint16_t http_408;       /* responder segments opening an HTTP 408 reply */
};

/*
 * A tracked flow. The key is kept compact: IPv4 addresses inline, IPv6
 * addresses in a record of the table's address pool (flow_table_key()
 * gives the whole key back). The id and times keep the low bits that
 * nearly every flow needs, the rest in the cold record: read them with
 * the accessors below. The links are the table's (flow_table.c).
 */
struct flow {
    /* 28-bit slot links: [0] next in the hash chain, [1] previous and [2]
     * next on the time-out list; their top 4 bits hold bits 16..27 of the
     * cold record's index, cold_lo the rest. */
    uint32_t link[3];
    uint32_t addr[2]; /* IPv4: the key's addresses, as on the wire;
                         IPv6: [0] address record, [1] the key's hash */
    uint16_t port[2];
    uint16_t location; /* where it was found: location_table.h's id, 0 for none */
    uint16_t cold_lo;
    uint32_t progress_ms;     /* last time either side's data was newly acked, ms
                                 after the first packet: stalls are measured from it */
    uint32_t last_after_us;   /* last packet, µs after the first: bits 0..31 */
    uint32_t flow_id_lo;      /* input position of the first packet: bits 0..31 */
    uint32_t first_after_lo;  /* first packet, µs after the table's epoch: bits 0..31 */
    uint16_t first_after_mid; /* bits 32..47 */
    uint16_t flow_id_mid;     /* bits 32..47 */
    uint8_t list : 2;         /* enum flow_list */
    uint8_t orig_side : 1;    /* key side (0 or 1) of the originator */
    uint8_t is_ipv6 : 1;
    uint8_t is_partial : 1;  /* a cold record was needed and none was left */
    uint8_t has_wide_id : 1; /* the flow id's high bits are in the cold record */
    uint8_t has_wide_first : 1;
    uint8_t has_wide_last : 1;
    uint8_t flags;        /* FLOW_F_* */
    uint8_t tunnel_flips; /* tunnels its first packet carried from the higher address */
    struct tcp_conn conn;
};

enum {
    FLOW_F_RST_SEEN = 0x01,    /* an acceptable RST ended the connection */
    FLOW_F_MIDSTREAM = 0x02,   /* first packet not a SYN */
    FLOW_F_FIREWALL_OK = 0x04, /* a strict firewall would have state */
    FLOW_F_LOOSE_OK = 0x08,    /* a loose firewall would have state */
    FLOW_F_RST_BY_ORIG = 0x10, /* who sent the first acceptable RST */
    FLOW_F_RST_BY_RESP = 0x20,
    FLOW_F_REFUSED = 0x40, /* the attempt was answered by RST */
    FLOW_F_STALLED = 0x80, /* a stall was reported */
};

struct flow_table;

/* A bucket's chain holds at most this many flows; more make it a tree. */
#define FLOW_CHAIN_CAP 16u

/* NULL when out of memory, or flow_cap is 0 or above FLOW_CAP_MAX. Buckets
 * are chosen by flow_key_hash() under hash_key. */
struct flow_table *flow_table_create(uint32_t flow_cap, const struct siphash_key *hash_key);
void flow_table_destroy(struct flow_table *t);

uint32_t flow_table_count(const struct flow_table *t);
uint32_t flow_table_cap(const struct flow_table *t);

struct flow *flow_table_lookup(struct flow_table *t, const struct flow_key *key);

/* Flows a lookup of key compares, found or not: at most FLOW_CHAIN_CAP in
 * a chain, about 2 log2 n in a tree of n (for tests and benchmarks). */
uint32_t flow_table_probe_len(const struct flow_table *t, const struct flow_key *key);

/* Flows put in a bucket tree because their chain was full, each counted
 * once, however often it moved. */
uint64_t flow_table_tree_flows(const struct flow_table *t);

/* The flow's whole key. */
void flow_table_key(const struct flow_table *t, const struct flow *f, struct flow_key *out);

/* The flow's cold record, taken from the pool the first time; NULL when
 * the pool is empty. The pool has a record for every flow the table can
 * hold, so that needs a record lost elsewhere; the count of such failures
 * is flow_table_cold_exhausted(). */
struct flow_cold *flow_table_cold(struct flow_table *t, struct flow *f);

/* The flow's cold record if it has one, else NULL. */
struct flow_cold *flow_table_cold_peek(const struct flow_table *t, const struct flow *f);

/* The flow's anomalies: none if it has no cold record. */
const struct anomaly_set *flow_table_anomalies(const struct flow_table *t, const struct flow *f);

uint64_t flow_table_cold_exhausted(const struct flow_table *t);

/*
 * Starts f's id and times: its first packet is input position flow_id, at
 * ts_us. Exact for any values; the rare id past 2^48, or first packet
 * outside 2^48 µs (about 8.9 years) after the table's first one, needs the
 * cold record. When none is left the flow is marked partial.
 */
void flow_table_start(struct flow_table *t, struct flow *f, uint64_t flow_id, int64_t ts_us);

/* The input position of the flow's first packet. */
uint64_t flow_table_flow_id(const struct flow_table *t, const struct flow *f);

/* The time of the flow's first packet. */
int64_t flow_table_first_us(const struct flow_table *t, const struct flow *f);

/* The time of the flow's last packet, and setting it. Exact for any time;
 * one more than 2^32 µs (about 71 minutes) after the flow's first packet,
 * or before it, needs the cold record. When none is left the flow is
 * marked partial. */
int64_t flow_table_last_us(const struct flow_table *t, const struct flow *f);
void flow_table_set_last_us(struct flow_table *t, struct flow *f, int64_t ts_us);

/* Adds a zeroed flow for key at the tail of `list`; NULL when full. */
struct flow *flow_table_insert(struct flow_table *t, const struct flow_key *key,
                               enum flow_list list);

/* Removes f, returning its records to their pools (its anomaly records
 * are the caller's to release first). */
void flow_table_remove(struct flow_table *t, struct flow *f);

/* Moves f to the tail of `list`. */
void flow_table_touch(struct flow_table *t, struct flow *f, enum flow_list list);

/* The flow's slot: below flow_table_cap(), the same while it is tracked,
 * so that a caller can keep more per flow in an array of its own. */
uint32_t flow_table_slot(const struct flow_table *t, const struct flow *f);

/* The flow at the head of a list (the first to time out), or NULL. */
struct flow *flow_table_oldest(struct flow_table *t, enum flow_list list);

/* The flow after f on its list, or NULL. */
struct flow *flow_table_next(struct flow_table *t, const struct flow *f);

/*
 * Ends lookups, to take every flow out in flow id order without memory
 * beyond the table's own: returns the first flow, and flow_table_drain_next()
 * each next one. Only flow_table_remove() and the accessors may be used on
 * the table after this; removing a flow does not disturb the order of the
 * rest, provided its successor was fetched before.
 */
struct flow *flow_table_drain(struct flow_table *t);
struct flow *flow_table_drain_next(struct flow_table *t, const struct flow *f);

#endif
