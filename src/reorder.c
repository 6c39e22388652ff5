/*
 * Reorder stage (reorder.h). Each lane has three lists of records: the
 * producer's pending list (its thread only), the published list (under
 * the lane's lock, with the producer's mark), and the merger's taken list
 * (the merger only). The producer publishes in batches, at each mark or
 * when its pending bytes pass a threshold; the merger takes a lane's whole
 * published list at once, only when it has used up what it took before.
 * So the lock is taken once per batch on each side, never per record.
 *
 * The merger writes the least head among the taken lists as long as every
 * lane whose taken list is empty is closed or marked past that key: its
 * later records, taken or not yet put, all come after its mark.
 */
#include "reorder.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Pending bytes a producer publishes at once without waiting for a mark. */
#define REORDER_PUBLISH_LEN (64u * 1024u)

struct reorder_entry {
    struct reorder_entry *next;
    struct tv_order key;
    uint8_t kind; /* enum reorder_kind */
    size_t len;
    char bytes[];
};

struct entry_list {
    struct reorder_entry *head; /* owned, oldest first */
    struct reorder_entry *tail;
};

struct reorder_lane {
    /* The producer's. */
    struct entry_list pending;
    size_t pending_len;

    /* Shared, under lock. */
    pthread_mutex_t lock;
    pthread_cond_t taken; /* the merger took the published list */
    struct entry_list published;
    size_t published_len;
    struct tv_order mark;
    bool is_closed;

    /* The merger's. */
    struct entry_list take;
    struct tv_order take_mark; /* the mark published with the list taken */
    bool take_closed;
};

struct reorder {
    size_t lane_count;
    size_t lane_cap;
    struct reorder_lane *lanes; /* owned */
    uint64_t open_flows;        /* merger only */
    uint64_t max_flows;
};

static const struct tv_order order_first = {
    .ts_us = INT64_MIN,
};

static void list_append(struct entry_list *l, struct entry_list *more)
{
    if (more->head == NULL)
        return;
    if (l->tail != NULL)
        l->tail->next = more->head;
    else
        l->head = more->head;
    l->tail = more->tail;
    more->head = NULL;
    more->tail = NULL;
}

static void list_free(struct entry_list *l)
{
    struct reorder_entry *next;
    for (struct reorder_entry *e = l->head; e != NULL; e = next) {
        next = e->next;
        free(e);
    }
    l->head = NULL;
    l->tail = NULL;
}

struct reorder *reorder_create(size_t lane_count, size_t lane_cap)
{
    if (lane_count == 0)
        return NULL;
    struct reorder *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->lanes = calloc(lane_count, sizeof(*r->lanes));
    if (r->lanes == NULL) {
        free(r);
        return NULL;
    }
    r->lane_cap = lane_cap;
    for (size_t i = 0; i < lane_count; i++) {
        struct reorder_lane *l = &r->lanes[i];
        if (pthread_mutex_init(&l->lock, NULL) != 0)
            break;
        if (pthread_cond_init(&l->taken, NULL) != 0) {
            pthread_mutex_destroy(&l->lock);
            break;
        }
        l->mark = order_first;
        l->take_mark = order_first;
        r->lane_count++;
    }
    if (r->lane_count != lane_count) {
        reorder_destroy(r);
        return NULL;
    }
    return r;
}

void reorder_destroy(struct reorder *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->lane_count; i++) {
        struct reorder_lane *l = &r->lanes[i];
        list_free(&l->pending);
        list_free(&l->published);
        list_free(&l->take);
        pthread_cond_destroy(&l->taken);
        pthread_mutex_destroy(&l->lock);
    }
    free(r->lanes);
    free(r);
}

/* Hands the pending records to the merger with the mark. */
static void lane_publish(struct reorder *r, struct reorder_lane *l, const struct tv_order *mark,
                         bool is_closed, bool may_wait)
{
    pthread_mutex_lock(&l->lock);
    while (may_wait && l->published_len >= r->lane_cap && l->pending.head != NULL)
        pthread_cond_wait(&l->taken, &l->lock);
    list_append(&l->published, &l->pending);
    l->published_len += l->pending_len;
    if (tv_order_cmp(mark, &l->mark) > 0)
        l->mark = *mark;
    l->is_closed = l->is_closed || is_closed;
    pthread_mutex_unlock(&l->lock);
    l->pending_len = 0;
}

bool reorder_put(struct reorder *r, size_t lane, const struct tv_order *key, enum reorder_kind kind,
                 const char *bytes, size_t len, bool may_wait)
{
    struct reorder_lane *l = &r->lanes[lane];
    struct reorder_entry *e = malloc(sizeof(*e) + len);
    if (e == NULL)
        return false;
    e->next = NULL;
    e->key = *key;
    e->kind = (uint8_t)kind;
    e->len = len;
    if (len > 0)
        memcpy(e->bytes, bytes, len);
    struct entry_list one = {e, e};
    list_append(&l->pending, &one);
    l->pending_len += sizeof(*e) + len;
    /* Records come in key order: nothing later precedes this one. */
    if (l->pending_len >= REORDER_PUBLISH_LEN)
        lane_publish(r, l, key, false, may_wait);
    return true;
}

void reorder_mark(struct reorder *r, size_t lane, const struct tv_order *mark, bool may_wait)
{
    lane_publish(r, &r->lanes[lane], mark, false, may_wait);
}

void reorder_close(struct reorder *r, size_t lane)
{
    struct reorder_lane *l = &r->lanes[lane];
    const struct tv_order last = {
        .ts_us = INT64_MAX,
        .pkt = UINT64_MAX,
        .phase = UINT8_MAX,
        .rank = UINT8_MAX,
        .seq = UINT64_MAX,
    };
    lane_publish(r, l, &last, true, false);
}

/* Takes a lane's published records, if its taken ones are used up. */
static void lane_take(struct reorder_lane *l)
{
    if (l->take.head != NULL)
        return;
    pthread_mutex_lock(&l->lock);
    list_append(&l->take, &l->published);
    l->published_len = 0;
    l->take_mark = l->mark;
    l->take_closed = l->is_closed;
    pthread_cond_signal(&l->taken);
    pthread_mutex_unlock(&l->lock);
}

/* The lane holding the least record that may be written now, or -1. */
static long next_lane(const struct reorder *r)
{
    long best = -1;
    for (size_t i = 0; i < r->lane_count; i++) {
        const struct reorder_entry *e = r->lanes[i].take.head;
        if (e != NULL && (best < 0 || tv_order_cmp(&e->key, &r->lanes[best].take.head->key) < 0))
            best = (long)i;
    }
    if (best < 0)
        return -1;
    const struct tv_order *key = &r->lanes[best].take.head->key;
    for (size_t i = 0; i < r->lane_count; i++) {
        const struct reorder_lane *l = &r->lanes[i];
        if (l->take.head == NULL && !l->take_closed && tv_order_cmp(&l->take_mark, key) <= 0)
            return -1;
    }
    return best;
}

size_t reorder_drain(struct reorder *r, reorder_write_fn write, void *ctx)
{
    size_t written = 0;
    for (;;) {
        for (size_t i = 0; i < r->lane_count; i++)
            lane_take(&r->lanes[i]);
        size_t before = written;
        long i;
        while ((i = next_lane(r)) >= 0) {
            struct reorder_lane *l = &r->lanes[i];
            struct reorder_entry *e = l->take.head;
            l->take.head = e->next;
            if (l->take.head == NULL)
                l->take.tail = NULL;
            if (e->kind == REORDER_START) {
                if (++r->open_flows > r->max_flows)
                    r->max_flows = r->open_flows;
            } else if (e->kind == REORDER_FLOW && r->open_flows > 0) {
                r->open_flows--;
            }
            if (e->len > 0)
                write(ctx, e->bytes, e->len);
            free(e);
            written++;
            if (l->take.head == NULL)
                lane_take(l);
        }
        if (written == before)
            return written;
    }
}

bool reorder_is_done(struct reorder *r)
{
    for (size_t i = 0; i < r->lane_count; i++) {
        struct reorder_lane *l = &r->lanes[i];
        lane_take(l);
        if (!l->take_closed || l->take.head != NULL)
            return false;
    }
    return true;
}

uint64_t reorder_max_flows(const struct reorder *r)
{
    return r->max_flows;
}
