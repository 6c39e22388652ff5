/*
 * Anomaly codes (shared/design/verdicts.md) and the per-flow record of
 * which ones occurred: count, direction, first packet and time.
 *
 * Records live in a fixed pool allocated once (a slot_pool), linked per flow, so the
 * memory for anomalies is bounded like the flow table. A flow with no
 * anomaly costs nothing here. A flow keeps at most ANOMALY_FLOW_RECORDS
 * records, and the pool holds that many for every flow the table can
 * hold, so no flow's anomalies can take another's records: what a flow
 * records depends on its own packets only (and not on how flows are
 * split among analyzers). An occurrence beyond the flow's records, or
 * beyond the pool, is still reflected in the flow's mask (so its verdict
 * level is right) and the shortfall is counted.
 */
#ifndef TV_ANOMALY_H
#define TV_ANOMALY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slot_pool.h"
#include "tcpverdict.h"

enum anomaly_code {
    ANOMALY_MIDSTREAM_START = 0,
    ANOMALY_ORPHAN_NO_STATE,
    ANOMALY_ORPHAN_AFTER_RST,
    ANOMALY_ORPHAN_AFTER_CLOSE,
    ANOMALY_UNSOLICITED_SYNACK,
    ANOMALY_UNSOLICITED_FIN,
    ANOMALY_UNSOLICITED_RST,
    ANOMALY_RST_REFUSED,
    ANOMALY_RST_ABORT,
    ANOMALY_RST_AFTER_FIN,
    ANOMALY_RST_AFTER_IDLE,
    ANOMALY_RST_OUT_OF_WINDOW,
    ANOMALY_RST_WITH_DATA,
    ANOMALY_SYN_TIMEOUT,
    ANOMALY_RETRANSMISSION_GIVEUP,
    ANOMALY_STALL,
    ANOMALY_CHECKSUM_OFFLOAD,
    ANOMALY_CHECKSUM_BAD,
    ANOMALY_TSO_SUPERSEGMENT,
    ANOMALY_GRO_COALESCED,
    ANOMALY_REORDERING,
    ANOMALY_ACK_UNSEEN,
    ANOMALY_TRUNCATED,
    ANOMALY_IP_FRAGMENTED,
    ANOMALY_IP_FRAGMENT_OVERLAP,
    ANOMALY_RST_INJECTED, /* --compare only: path_verdict.c */
    ANOMALY_COUNT
};

struct anomaly_info {
    const char *name; /* the JSON code */
    enum tv_level level;
};

extern const struct anomaly_info anomaly_info[ANOMALY_COUNT];

#define ANOMALY_NONE UINT32_MAX

/* Records a flow keeps at most, each one code from one side: more than
 * any flow of the test captures needs (8). */
#define ANOMALY_FLOW_RECORDS 12

struct anomaly_rec {
    uint64_t first_pkt;
    int64_t first_us;
    uint32_t count;
    uint32_t next; /* next record of the same flow, or ANOMALY_NONE */
    uint8_t code;  /* enum anomaly_code */
    bool from_orig;
};

/* What a flow keeps: the head of its record list and a bit per code. */
struct anomaly_set {
    uint32_t head;
    uint32_t mask;
};

/* Records of struct anomaly_rec; ANOMALY_NONE is the pool's SLOT_NONE. */
struct anomaly_pool {
    struct slot_pool *recs; /* owned */
    uint64_t over_flow_cap; /* occurrences a flow had no more records for */
};

/* NULL when out of memory, or cap is 0 or ANOMALY_NONE. */
struct anomaly_pool *anomaly_pool_create(uint32_t cap);
void anomaly_pool_destroy(struct anomaly_pool *pool);

static inline struct anomaly_rec *anomaly_rec_at(const struct anomaly_pool *pool, uint32_t i)
{
    return slot_pool_at(pool->recs, i);
}

/* Occurrences not recorded because the pool was empty or their flow had
 * ANOMALY_FLOW_RECORDS already. */
static inline uint64_t anomaly_pool_exhausted(const struct anomaly_pool *pool)
{
    return pool->recs->exhausted_count + pool->over_flow_cap;
}

static inline void anomaly_set_init(struct anomaly_set *set)
{
    set->head = ANOMALY_NONE;
    set->mask = 0;
}

static inline bool anomaly_set_has(const struct anomaly_set *set, enum anomaly_code code)
{
    return set->mask & (1u << code);
}

/* Counts one occurrence of code sent by one side. */
void anomaly_note(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code code,
                  bool from_orig, uint64_t pkt_no, int64_t ts_us);

/* Adds n occurrences at once (n > 0), e.g. retries counted by the tracker. */
void anomaly_note_n(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code code,
                    bool from_orig, uint32_t n, uint64_t pkt_no, int64_t ts_us);

/* Drops a code sent by one side (a provisional finding proved wrong). */
void anomaly_forget(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code code,
                    bool from_orig);

/* Re-files a code sent by one side under another, keeping its count and
 * first occurrence (a finding explained better once more is known). */
void anomaly_rename(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code from,
                    enum anomaly_code to, bool from_orig);

/* Swaps the direction of every record, after an originator flip. */
void anomaly_set_flip(struct anomaly_pool *pool, struct anomaly_set *set);

/* Returns the flow's records to the pool. */
void anomaly_set_release(struct anomaly_pool *pool, struct anomaly_set *set);

/* Highest level among the codes in the set. */
enum tv_level anomaly_set_level(const struct anomaly_set *set);

#endif
