/*
 * Anomaly table and per-flow anomaly records. See anomaly.h.
 *
 * Invariant: every record taken from the pool is on exactly one flow's
 * list.
 */
#include "anomaly.h"

#include <stdlib.h>

#include "banned.h"

/* Name, JSON code and level in one row, so they cannot drift. */
const struct anomaly_info anomaly_info[ANOMALY_COUNT] = {
    [ANOMALY_MIDSTREAM_START] = {"midstream_start", TV_LEVEL_NOTICE},
    [ANOMALY_ORPHAN_NO_STATE] = {"orphan_no_state", TV_LEVEL_FAIL},
    [ANOMALY_ORPHAN_AFTER_RST] = {"orphan_after_rst", TV_LEVEL_FAIL},
    [ANOMALY_ORPHAN_AFTER_CLOSE] = {"orphan_after_close", TV_LEVEL_WARN},
    [ANOMALY_UNSOLICITED_SYNACK] = {"unsolicited_synack", TV_LEVEL_WARN},
    [ANOMALY_UNSOLICITED_FIN] = {"unsolicited_fin", TV_LEVEL_WARN},
    [ANOMALY_UNSOLICITED_RST] = {"unsolicited_rst", TV_LEVEL_WARN},
    [ANOMALY_RST_REFUSED] = {"rst_refused", TV_LEVEL_FAIL},
    [ANOMALY_RST_ABORT] = {"rst_abort", TV_LEVEL_FAIL},
    [ANOMALY_RST_AFTER_FIN] = {"rst_after_fin", TV_LEVEL_WARN},
    [ANOMALY_RST_AFTER_IDLE] = {"rst_after_idle", TV_LEVEL_FAIL},
    [ANOMALY_RST_OUT_OF_WINDOW] = {"rst_out_of_window", TV_LEVEL_WARN},
    [ANOMALY_RST_WITH_DATA] = {"rst_with_data", TV_LEVEL_NOTICE},
    [ANOMALY_SYN_TIMEOUT] = {"syn_timeout", TV_LEVEL_FAIL},
    [ANOMALY_RETRANSMISSION_GIVEUP] = {"retransmission_giveup", TV_LEVEL_FAIL},
    [ANOMALY_STALL] = {"stall", TV_LEVEL_WARN},
    [ANOMALY_CHECKSUM_OFFLOAD] = {"checksum_offload", TV_LEVEL_NOTICE},
    [ANOMALY_CHECKSUM_BAD] = {"checksum_bad", TV_LEVEL_FAIL},
    [ANOMALY_TSO_SUPERSEGMENT] = {"tso_supersegment", TV_LEVEL_NOTICE},
    [ANOMALY_GRO_COALESCED] = {"gro_coalesced", TV_LEVEL_NOTICE},
    [ANOMALY_REORDERING] = {"reordering", TV_LEVEL_WARN},
    [ANOMALY_ACK_UNSEEN] = {"ack_unseen", TV_LEVEL_WARN},
    [ANOMALY_TRUNCATED] = {"truncated", TV_LEVEL_NOTICE},
    [ANOMALY_IP_FRAGMENTED] = {"ip_fragmented", TV_LEVEL_NOTICE},
    [ANOMALY_IP_FRAGMENT_OVERLAP] = {"ip_fragment_overlap", TV_LEVEL_WARN},
    [ANOMALY_RST_INJECTED] = {"rst_injected", TV_LEVEL_FAIL},
};

struct anomaly_pool *anomaly_pool_create(uint32_t cap)
{
    struct anomaly_pool *pool = calloc(1, sizeof(*pool));
    if (pool == NULL)
        return NULL;
    pool->recs = slot_pool_create(cap, sizeof(struct anomaly_rec));
    if (pool->recs == NULL) {
        anomaly_pool_destroy(pool);
        return NULL;
    }
    return pool;
}

void anomaly_pool_destroy(struct anomaly_pool *pool)
{
    if (pool == NULL)
        return;
    slot_pool_destroy(pool->recs);
    free(pool);
}

void anomaly_note_n(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code code,
                    bool from_orig, uint32_t n, uint64_t pkt_no, int64_t ts_us)
{
    set->mask |= 1u << code;
    uint32_t *link = &set->head;
    unsigned recs = 0;
    while (*link != ANOMALY_NONE) {
        struct anomaly_rec *r = anomaly_rec_at(pool, *link);
        if (r->code == code && r->from_orig == from_orig) {
            r->count = n > UINT32_MAX - r->count ? UINT32_MAX : r->count + n;
            return;
        }
        link = &r->next;
        recs++;
    }
    if (recs >= ANOMALY_FLOW_RECORDS) {
        pool->over_flow_cap++;
        return;
    }
    uint32_t i = slot_pool_take(pool->recs); /* counts the shortfall itself */
    if (i == ANOMALY_NONE)
        return;
    /* Appended at the tail: the list stays in order of first occurrence. */
    *anomaly_rec_at(pool, i) = (struct anomaly_rec){
        .first_pkt = pkt_no,
        .first_us = ts_us,
        .count = n,
        .next = ANOMALY_NONE,
        .code = (uint8_t)code,
        .from_orig = from_orig,
    };
    *link = i;
}

void anomaly_note(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code code,
                  bool from_orig, uint64_t pkt_no, int64_t ts_us)
{
    anomaly_note_n(pool, set, code, from_orig, 1, pkt_no, ts_us);
}

/* Recomputes the mask from the records left. */
static void refresh_mask(const struct anomaly_pool *pool, struct anomaly_set *set)
{
    set->mask = 0;
    for (uint32_t i = set->head; i != ANOMALY_NONE; i = anomaly_rec_at(pool, i)->next)
        set->mask |= 1u << anomaly_rec_at(pool, i)->code;
}

void anomaly_forget(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code code,
                    bool from_orig)
{
    uint32_t *link = &set->head;
    while (*link != ANOMALY_NONE) {
        struct anomaly_rec *r = anomaly_rec_at(pool, *link);
        if (r->code == code && r->from_orig == from_orig) {
            uint32_t i = *link;
            *link = r->next;
            slot_pool_put(pool->recs, i);
            break;
        }
        link = &r->next;
    }
    refresh_mask(pool, set);
}

void anomaly_rename(struct anomaly_pool *pool, struct anomaly_set *set, enum anomaly_code from,
                    enum anomaly_code to, bool from_orig)
{
    struct anomaly_rec *target = NULL;
    struct anomaly_rec *source = NULL;
    for (uint32_t i = set->head; i != ANOMALY_NONE; i = anomaly_rec_at(pool, i)->next) {
        struct anomaly_rec *r = anomaly_rec_at(pool, i);
        if (r->from_orig != from_orig)
            continue;
        if (r->code == from)
            source = r;
        else if (r->code == to)
            target = r;
    }
    if (source == NULL)
        return;
    if (target == NULL) {
        source->code = (uint8_t)to;
    } else {
        /* Both exist: fold the counts into the earlier record's code. */
        target->count =
            source->count > UINT32_MAX - target->count ? UINT32_MAX : target->count + source->count;
        if (source->first_pkt < target->first_pkt) {
            target->first_pkt = source->first_pkt;
            target->first_us = source->first_us;
        }
        anomaly_forget(pool, set, from, from_orig);
    }
    refresh_mask(pool, set);
}

void anomaly_set_flip(struct anomaly_pool *pool, struct anomaly_set *set)
{
    for (uint32_t i = set->head; i != ANOMALY_NONE; i = anomaly_rec_at(pool, i)->next)
        anomaly_rec_at(pool, i)->from_orig = !anomaly_rec_at(pool, i)->from_orig;
}

void anomaly_set_release(struct anomaly_pool *pool, struct anomaly_set *set)
{
    uint32_t i = set->head;
    while (i != ANOMALY_NONE) {
        uint32_t next = anomaly_rec_at(pool, i)->next;
        slot_pool_put(pool->recs, i);
        i = next;
    }
    anomaly_set_init(set);
}

enum tv_level anomaly_set_level(const struct anomaly_set *set)
{
    enum tv_level level = TV_LEVEL_OK;
    for (unsigned code = 0; code < ANOMALY_COUNT; code++)
        if ((set->mask & (1u << code)) && anomaly_info[code].level > level)
            level = anomaly_info[code].level;
    return level;
}
