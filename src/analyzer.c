/*
 * Analyzer: the core behind include/tcpverdict.h. For each packet it
 * decodes, finds or creates the flow, runs the TCP tracker, turns what the
 * tracker saw into anomalies, and ends flows when their time comes, so
 * that every flow gets exactly one verdict.
 *
 * Time is the packets' own: a flow times out when a later packet's
 * timestamp passes its deadline, or at the end of input. Deadlines:
 *   attempt list: first SYN + syn_timeout (an unanswered attempt does not
 *                 get more time by sending more; Zeek's attempt timer)
 *   active list:  last packet + idle_timeout
 *   closed list:  last packet + linger (late segments are charged to the
 *                 closed flow; a new SYN ends the linger at once)
 * Each list is appended in deadline order, so only its head needs checking.
 *
 * Where a flow was found (VLANs, tunnels) is part of its key, numbered by
 * a location table made when the first packet with a location comes;
 * packets in none pay one test for it.
 *
 * IP fragments go to a reassembler made when the first one comes, so that
 * captures without fragments pay nothing for it; a datagram it completes
 * is analysed like a packet that came whole, as of the fragment that
 * completed it. Its time-outs are checked as fragments arrive, on ticks and
 * at the end, never on the path of whole packets.
 */
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "decode.h"
#include "detect.h"
#include "flow_key.h"
#include "flow_table.h"
#include "ip_reassembly.h"
#include "nflog_prefixes.h"
#include "location_table.h"
#include "offload.h"
#include "services.h"
#include "tcp_state.h"
#include "tcpverdict.h"
#include "verdict.h"
#include "banned.h"

#define US_PER_S INT64_C(1000000)

/* An attempt still unanswered this long after its SYN is not just cut off
 * by the end of the capture: 3 s, the initial retransmission time-out. */
#define ATTEMPT_ANSWER_US (3 * US_PER_S)

struct tv_analyzer {
    struct tv_config cfg;
    tv_verdict_fn on_verdict;
    void *ctx;
    struct flow_table *flows;         /* owned */
    struct anomaly_pool *anomalies;   /* owned */
    struct ip_reassembly *frags;      /* owned; made at the first fragment */
    struct location_table *locations; /* owned; made at the first located packet */
    struct services services;
    struct offload offload;
    struct nflog_prefixes nflog; /* owned */
    struct tv_stats stats;
    uint64_t anomaly_flows[ANOMALY_COUNT];
    const char **service_names;                /* owned array of borrowed names */
    uint64_t (*service_flows)[TV_LEVEL_COUNT]; /* owned, by service and level */
    size_t service_count;
    uint64_t pkt_no;         /* 1-based position of the current packet in the input */
    uint32_t epb_flags;      /* the current packet's flags in the capture file */
    int64_t start_us;        /* first packet's timestamp */
    int64_t now_us;          /* latest timestamp seen: time never runs backwards */
    int64_t next_interim_us; /* when open flows next get an interim record */
    bool started;

    /* tv_analyzer_split(): one share of an input. */
    bool is_split;
    uint64_t *last_pkt;        /* owned, by flow slot: the packet that last put
                                  the flow at the tail of its list */
    tv_flow_start_fn on_start; /* borrowed */
    /* tv_analyzer_packet_shared(), during the call: the analyzers whose
     * flows count against one budget, this one among them. */
    struct tv_analyzer *const *share;
    size_t share_count;
};

void tv_config_default(struct tv_config *cfg)
{
    *cfg = (struct tv_config){
        .max_flows = 1000000,
        .evict_when_full = true,
        .idle_timeout_us = 3600 * US_PER_S,
        .syn_timeout_us = 75 * US_PER_S,
        .linger_us = 60 * US_PER_S,
        .grace_us = 10 * US_PER_S,
        .rst_idle_us = 60 * US_PER_S,
        .stall_us = 30 * US_PER_S,
        .verify_checksums = true,
        .frag_memcap = IP_REASSEMBLY_MEMCAP_DEFAULT,
        .frag_timeout_us = IP_REASSEMBLY_TIMEOUT_US_DEFAULT,
    };
}

struct tv_analyzer *tv_analyzer_create(const struct tv_config *cfg, tv_verdict_fn on_verdict,
                                       void *ctx)
{
    if (cfg == NULL || on_verdict == NULL || cfg->max_flows == 0 || cfg->idle_timeout_us <= 0 ||
        cfg->syn_timeout_us <= 0 || cfg->linger_us < 0 || cfg->grace_us < 0 ||
        cfg->rst_idle_us <= 0 || cfg->stall_us <= 0 || cfg->interim_us < 0 ||
        cfg->frag_memcap == 0 || (uint64_t)(size_t)cfg->frag_memcap != cfg->frag_memcap ||
        cfg->frag_timeout_us <= 0)
        return NULL;
    struct tv_analyzer *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->cfg = *cfg;
    a->on_verdict = on_verdict;
    a->ctx = ctx;
    services_init(&a->services, cfg);
    offload_init(&a->offload, cfg);
    size_t name_cap = services_name_cap(&a->services);
    a->service_names = calloc(name_cap, sizeof(*a->service_names));
    a->service_flows = calloc(name_cap, sizeof(*a->service_flows));
    if (a->service_names != NULL)
        a->service_count = services_all_names(&a->services, a->service_names);
    struct siphash_key hash_key = siphash_key_from_bytes(cfg->hash_key);
    a->flows = flow_table_create(cfg->max_flows, &hash_key);
    /* Every flow's records: no flow's anomalies can starve another's.
     * Pages are touched only as records are used; most flows have none. */
    uint64_t pool_cap = (uint64_t)cfg->max_flows * ANOMALY_FLOW_RECORDS;
    a->anomalies =
        anomaly_pool_create(pool_cap > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)pool_cap);
    if (a->flows == NULL || a->anomalies == NULL || a->service_names == NULL ||
        a->service_flows == NULL) {
        tv_analyzer_destroy(a);
        return NULL;
    }
    return a;
}

void tv_analyzer_destroy(struct tv_analyzer *a)
{
    if (a == NULL)
        return;
    flow_table_destroy(a->flows);
    free(a->last_pkt);
    anomaly_pool_destroy(a->anomalies);
    ip_reassembly_destroy(a->frags);
    nflog_prefixes_free(&a->nflog);
    location_table_destroy(a->locations);
    free(a->service_names);
    free(a->service_flows);
    free(a);
}

const struct tv_stats *tv_analyzer_stats(const struct tv_analyzer *a)
{
    return &a->stats;
}

/* The pools count their own shortfalls; the stats copy them after each
 * call that can take records. */
static void copy_pool_stats(struct tv_analyzer *a)
{
    a->stats.cold_records_short = flow_table_cold_exhausted(a->flows);
    a->stats.bucket_tree_flows = flow_table_tree_flows(a->flows);
    a->stats.anomaly_records_short = anomaly_pool_exhausted(a->anomalies);
}

uint64_t tv_analyzer_anomaly_flows(const struct tv_analyzer *a, size_t code)
{
    return code < ANOMALY_COUNT ? a->anomaly_flows[code] : 0;
}

bool tv_analyzer_capture_host(const struct tv_analyzer *a, struct tv_capture_host *out)
{
    return offload_capture_host(&a->offload, out);
}

size_t tv_analyzer_service_count(const struct tv_analyzer *a)
{
    return a->service_count;
}

const char *tv_analyzer_service_name(const struct tv_analyzer *a, size_t i)
{
    return i < a->service_count ? a->service_names[i] : NULL;
}

uint64_t tv_analyzer_service_flows(const struct tv_analyzer *a, size_t i, enum tv_level level)
{
    return i < a->service_count && (unsigned)level < TV_LEVEL_COUNT ? a->service_flows[i][level]
                                                                    : 0;
}

size_t tv_analyzer_nflog_prefix_count(const struct tv_analyzer *a)
{
    return a->nflog.count;
}

bool tv_analyzer_nflog_prefix(const struct tv_analyzer *a, size_t i, struct tv_nflog_prefix *out)
{
    if (i >= a->nflog.count)
        return false;
    const struct nflog_prefix *item = &a->nflog.items[i];
    *out = (struct tv_nflog_prefix){item->group, item->text, item->flows, item->first_pkt};
    return true;
}

static struct detect_ctx detect_ctx(struct tv_analyzer *a)
{
    return (struct detect_ctx){
        .cfg = &a->cfg,
        .flows = a->flows,
        .pool = a->anomalies,
        .offload = &a->offload,
        .pkt_no = a->pkt_no,
        .epb_flags = a->epb_flags,
        .now_us = a->now_us,
        .start_us = a->start_us,
    };
}

/* A connection attempt nobody answered: the originator is still opening. */
static bool is_attempt(const struct tcp_conn *c)
{
    return (c->ep[0].state == TCP_STATE_SYN_SENT || c->ep[0].state == TCP_STATE_SYN_ACK_SENT) &&
           c->ep[1].state == TCP_STATE_INACTIVE;
}

/* Finished as Zeek sees it: both sides closed, a reset, or one side
 * closed while the other never spoke, at the time of that close (Zeek
 * then deletes the connection tcp_close_delay later, whatever follows) or
 * still. Only then does linger apply. */
static bool is_finished(const struct tcp_conn *c)
{
    const struct tcp_endpoint *o = &c->ep[0];
    const struct tcp_endpoint *r = &c->ep[1];
    if (o->state == TCP_STATE_RESET || r->state == TCP_STATE_RESET)
        return true;
    if (o->close_complete || r->close_complete)
        return true;
    if (o->did_close && r->did_close)
        return true;
    return (o->did_close || r->did_close) &&
           (o->state == TCP_STATE_INACTIVE || r->state == TCP_STATE_INACTIVE);
}

/* How the flow ended, as far as its packets tell. */
static enum tv_end natural_end(const struct tv_analyzer *a, const struct flow *f,
                               enum tv_end otherwise)
{
    const struct tcp_conn *c = &f->conn;
    if (f->flags & FLOW_F_REFUSED)
        return TV_END_REFUSED;
    if (f->flags & FLOW_F_RST_SEEN)
        return TV_END_RST;
    if (c->ep[0].state == TCP_STATE_CLOSED || c->ep[1].state == TCP_STATE_CLOSED)
        return TV_END_FIN;
    if (anomaly_set_has(flow_table_anomalies(a->flows, f), ANOMALY_SYN_TIMEOUT))
        return TV_END_SYN_TIMEOUT;
    return otherwise;
}

static void count_service(struct tv_analyzer *a, const char *service, enum tv_level level)
{
    if (service == NULL)
        return;
    for (size_t i = 0; i < a->service_count; i++)
        if (a->service_names[i] == service) {
            a->service_flows[i][level]++;
            return;
        }
}

/* The NFLOG prefix the flow was logged with, into its verdict. */
static struct nflog_prefix *fill_nflog(const struct tv_analyzer *a, const struct flow *f,
                                       struct tv_verdict *v)
{
    const struct flow_cold *c = flow_table_cold_peek(a->flows, f);
    struct nflog_prefix *item = c != NULL ? nflog_prefixes_at(&a->nflog, c->nflog_prefix) : NULL;
    if (item != NULL) {
        v->nflog_prefix = item->text;
        v->nflog_group = item->group;
    }
    return item;
}

static void locate(struct tv_analyzer *a, struct packet *p);

/* Where the flow was found, its tunnels oriented as its first packet
 * carried them, into *where and v. */
static void locate_verdict(const struct tv_analyzer *a, const struct flow *f,
                           struct tv_location *where, struct tv_verdict *v)
{
    if (f->location == LOCATION_NONE)
        return;
    const struct tv_location *stored = location_table_get(a->locations, f->location);
    if (stored == NULL) {
        v->is_location_lost = true;
        return;
    }
    *where = *stored;
    for (unsigned i = 0; i < where->tunnel_count; i++) {
        if (!((f->tunnel_flips >> i) & 1u))
            continue;
        struct tv_tunnel *t = &where->tunnels[i];
        uint8_t src[sizeof(t->src)];
        memcpy(src, t->src, sizeof(src));
        memcpy(t->src, t->dst, sizeof(src));
        memcpy(t->dst, src, sizeof(src));
    }
    v->location = where;
}

/* The record's place at the current packet. */
static struct tv_order order_at(const struct tv_analyzer *a, enum tv_order_phase phase)
{
    return (struct tv_order){.ts_us = a->now_us, .pkt = a->pkt_no, .phase = (uint8_t)phase};
}

/* The packet that last put f at the tail of its list: the order of the
 * list, and so of flows that time out together. Kept only when split. */
static uint64_t last_pkt(const struct tv_analyzer *a, const struct flow *f)
{
    return a->last_pkt != NULL ? a->last_pkt[flow_table_slot(a->flows, f)] : 0;
}

static void note_touch(struct tv_analyzer *a, const struct flow *f)
{
    if (a->last_pkt != NULL)
        a->last_pkt[flow_table_slot(a->flows, f)] = a->pkt_no;
}

static void emit(struct tv_analyzer *a, struct flow *f, enum tv_end otherwise,
                 const struct tv_order *at)
{
    struct detect_ctx d = detect_ctx(a);
    detect_flow_end(&d, f);
    enum tv_end end = natural_end(a, f, otherwise);

    struct verdict_buf buf;
    struct tv_verdict v;
    struct tv_location where;
    verdict_build(a->flows, f, end, a->anomalies, &a->services, &buf, &v);
    locate_verdict(a, f, &where, &v);
    v.order = *at;
    const struct anomaly_set *set = flow_table_anomalies(a->flows, f);
    struct nflog_prefix *prefix = fill_nflog(a, f, &v);
    if (prefix != NULL)
        prefix->flows++;

    a->stats.flows++;
    a->stats.flows_by_level[v.level]++;
    a->stats.flows_by_end[v.end]++;
    count_service(a, v.service, v.level);
    for (unsigned code = 0; code < ANOMALY_COUNT; code++)
        if (set->mask & (1u << code))
            a->anomaly_flows[code]++;

    a->on_verdict(&v, a->ctx);
    struct flow_cold *c = flow_table_cold_peek(a->flows, f);
    if (c != NULL)
        anomaly_set_release(a->anomalies, &c->anomalies);
    flow_table_remove(a->flows, f);
}

/* The flow's cold half of the connection, if it has one. */
static const struct tcp_conn_cold *conn_cold(const struct tv_analyzer *a, const struct flow *f)
{
    const struct flow_cold *c = flow_table_cold_peek(a->flows, f);
    return c != NULL ? &c->conn : NULL;
}

/* An attempt that ran out of time: the opener's SYNs went unanswered. The
 * anomaly dates from the attempt's first packet, not from the moment the
 * time-out was noticed. */
static void end_attempt(struct tv_analyzer *a, struct flow *f, const struct tv_order *at)
{
    uint32_t syns = tcp_conn_pkts(&f->conn, conn_cold(a, f), 0);
    struct flow_cold *c = flow_table_cold(a->flows, f);
    if (c != NULL)
        anomaly_note_n(a->anomalies, &c->anomalies, ANOMALY_SYN_TIMEOUT, true, syns ? syns : 1,
                       flow_table_flow_id(a->flows, f), flow_table_first_us(a->flows, f));
    else
        f->is_partial = 1;
    emit(a, f, TV_END_SYN_TIMEOUT, at);
}

/*
 * Interim records: a long-lived flow should not wait for its end to be
 * seen. Every interim_us of packet time, each open flow at least that old
 * gets a record marked interim; its one final verdict still comes later.
 * A scan of the table, but only once per interval.
 */
static void report_interim(struct tv_analyzer *a)
{
    struct tv_order at = order_at(a, TV_ORDER_INTERIM);
    for (int l = 0; l < FLOW_LIST_COUNT; l++) {
        if (l == FLOW_LIST_CLOSED)
            continue;
        for (struct flow *f = flow_table_oldest(a->flows, (enum flow_list)l); f != NULL;
             f = flow_table_next(a->flows, f)) {
            if (a->now_us - flow_table_first_us(a->flows, f) < a->cfg.interim_us)
                continue;
            struct verdict_buf buf;
            struct tv_verdict v;
            struct tv_location where;
            verdict_build(a->flows, f, TV_END_OPEN, a->anomalies, &a->services, &buf, &v);
            fill_nflog(a, f, &v);
            locate_verdict(a, f, &where, &v);
            v.interim = true;
            at.rank = (uint8_t)l;
            at.seq = last_pkt(a, f);
            v.order = at;
            a->on_verdict(&v, a->ctx);
        }
    }
}

/* When a flow's time is up, by the rule of the list it is on. Derived,
 * not stored: 8 bytes a flow is 8 MB at a million flows. An attempt's time
 * runs from the flow's first packet, its SYN in all but the rare flow that
 * began with other traffic. */
static int64_t deadline(const struct tv_analyzer *a, const struct flow *f)
{
    switch ((enum flow_list)f->list) {
    case FLOW_LIST_ATTEMPT:
        return flow_table_first_us(a->flows, f) + a->cfg.syn_timeout_us;
    case FLOW_LIST_CLOSED:
        return flow_table_last_us(a->flows, f) + a->cfg.linger_us;
    case FLOW_LIST_ACTIVE:
    case FLOW_LIST_COUNT:
        break;
    }
    return flow_table_last_us(a->flows, f) + a->cfg.idle_timeout_us;
}

/* Lists in the order they are swept for flows due at the same time. */
static const enum flow_list timeout_lists[FLOW_LIST_COUNT] = {
    FLOW_LIST_ATTEMPT,
    FLOW_LIST_CLOSED,
    FLOW_LIST_ACTIVE,
};

/*
 * Ends the flows whose time is up, earliest deadline first across the
 * lists. Each list is in deadline order (its flows were appended as of
 * the clock, which never goes back, and an attempt only joins its list
 * at its first packet), so a flow's time-out depends on its deadline
 * alone, never on a flow ahead of it: however the flows are split among
 * analyzers, each one times out where it would in one.
 */
static void expire(struct tv_analyzer *a, int64_t now_us)
{
    for (;;) {
        struct flow *due = NULL;
        int64_t due_us = 0;
        uint8_t rank = 0;
        for (uint8_t r = 0; r < FLOW_LIST_COUNT; r++) {
            struct flow *f = flow_table_oldest(a->flows, timeout_lists[r]);
            if (f == NULL)
                continue;
            int64_t d = deadline(a, f);
            if (d < now_us && (due == NULL || d < due_us)) {
                due = f;
                due_us = d;
                rank = r;
            }
        }
        if (due == NULL)
            return;
        struct tv_order at = {
            .ts_us = due_us,
            .pkt = UINT64_MAX,
            .phase = TV_ORDER_TIMEOUT,
            .rank = rank,
            .seq = last_pkt(a, due),
        };
        if (due->list == FLOW_LIST_ATTEMPT)
            end_attempt(a, due, &at);
        else
            emit(a, due, TV_END_IDLE_TIMEOUT, &at);
    }
}

/* Makes room by ending the flow that matters least among those of the
 * analyzers in `all` (one, or a split input's): a closed one lingering,
 * else the attempt or open flow silent the longest. Lists are in order of
 * the packet that last appended to them, so the oldest across analyzers
 * is the one whose packet came first. The record is due at a's packet. */
static bool evict_one(struct tv_analyzer *a, struct tv_analyzer *const *all, size_t count)
{
    struct flow *head[FLOW_LIST_COUNT] = {NULL};
    struct tv_analyzer *owner[FLOW_LIST_COUNT] = {NULL};
    for (size_t j = 0; j < count; j++)
        for (int l = 0; l < FLOW_LIST_COUNT; l++) {
            struct flow *f = flow_table_oldest(all[j]->flows, (enum flow_list)l);
            if (f != NULL &&
                (head[l] == NULL || last_pkt(all[j], f) < last_pkt(owner[l], head[l]))) {
                head[l] = f;
                owner[l] = all[j];
            }
        }
    int l = FLOW_LIST_CLOSED;
    if (head[l] == NULL) {
        l = FLOW_LIST_ATTEMPT;
        const struct flow *active = head[FLOW_LIST_ACTIVE];
        if (head[l] == NULL ||
            (active != NULL && flow_table_last_us(owner[FLOW_LIST_ACTIVE]->flows, active) <
                                   flow_table_last_us(owner[l]->flows, head[l])))
            l = FLOW_LIST_ACTIVE;
    }
    if (head[l] == NULL)
        return false;
    struct tv_order at = order_at(a, TV_ORDER_EVICT);
    owner[l]->stats.evictions++;
    emit(owner[l], head[l], TV_END_EVICTED, &at);
    return true;
}

/* Whether a new flow may start: there is room, or room was made. */
static bool make_room(struct tv_analyzer *a)
{
    struct tv_analyzer *const self[1] = {a};
    struct tv_analyzer *const *all = self;
    size_t count = 1;
    uint64_t flows = flow_table_count(a->flows);
    if (a->share != NULL) {
        all = a->share;
        count = a->share_count;
        flows = 0;
        for (size_t j = 0; j < count; j++)
            flows += flow_table_count(all[j]->flows);
    }
    if (flows < a->cfg.max_flows && flow_table_count(a->flows) < flow_table_cap(a->flows))
        return true;
    return a->cfg.evict_when_full && evict_one(a, all, count);
}

static struct flow *new_flow(struct tv_analyzer *a, const struct flow_key *key, int side,
                             const struct packet *p)
{
    if (!make_room(a)) {
        a->stats.refused_flows++;
        return NULL;
    }
    struct flow *f = flow_table_insert(a->flows, key, FLOW_LIST_ACTIVE);
    if (f == NULL) {
        a->stats.refused_flows++;
        return NULL;
    }
    flow_table_start(a->flows, f, a->pkt_no, a->now_us);
    note_touch(a, f);
    if (a->on_start != NULL) {
        struct tv_order at = order_at(a, TV_ORDER_START);
        a->on_start(&at, a->ctx);
    }
    tcp_conn_init(&f->conn);
    f->tunnel_flips = p->location_flips;
    f->orig_side = side != 0;
    if (tcp_conn_first_packet_flips(&p->tcp, services_is_server_port(&a->services, p->tcp.src_port),
                                    services_is_server_port(&a->services, p->tcp.dst_port))) {
        f->orig_side = side == 0;
        history_flip(&f->conn.history, NULL); /* the first letter: kept in the flow */
    }
    if (flow_table_count(a->flows) > a->stats.max_concurrent_flows)
        a->stats.max_concurrent_flows = flow_table_count(a->flows);
    return f;
}

/* Puts f on the list of its deadline rule. An attempt's deadline runs
 * from the flow's first packet and does not move, so it joins its list
 * only at that packet: one that only later looked like an attempt would
 * be out of deadline order there, and stays an open flow. */
static void schedule(struct tv_analyzer *a, struct flow *f)
{
    enum flow_list list = FLOW_LIST_ACTIVE;
    if (is_finished(&f->conn))
        list = FLOW_LIST_CLOSED;
    else if (is_attempt(&f->conn) &&
             (f->list == FLOW_LIST_ATTEMPT || flow_table_flow_id(a->flows, f) == a->pkt_no))
        list = FLOW_LIST_ATTEMPT;
    if (list == FLOW_LIST_ATTEMPT && f->list == FLOW_LIST_ATTEMPT)
        return;
    flow_table_touch(a->flows, f, list);
    note_touch(a, f);
}

/* How the tracker takes a flow's cold record when it first needs one. */
struct cold_taker {
    struct tv_analyzer *a;
    struct flow *f;
};

static struct tcp_conn_cold *take_cold(void *ctx)
{
    struct cold_taker *t = ctx;
    struct flow_cold *c = flow_table_cold(t->a->flows, t->f);
    if (c == NULL) {
        t->f->is_partial = 1;
        return NULL;
    }
    return &c->conn;
}

/* A flow keeps the first NFLOG prefix its packets came with. Without a
 * record to keep it in, the prefix is not shown; the analysis is whole. */
static void note_nflog(struct tv_analyzer *a, struct flow *f, const struct packet *p)
{
    const struct flow_cold *seen = flow_table_cold_peek(a->flows, f);
    if (seen != NULL && seen->nflog_prefix != 0)
        return;
    struct flow_cold *c = flow_table_cold(a->flows, f);
    if (c != NULL)
        c->nflog_prefix = nflog_prefixes_ref(&a->nflog, p->log_group, p->log_prefix, a->pkt_no);
}

/*
 * An HTTP reply with status 408 (Request Timeout) in the clear, at the
 * start of a responder's segment: the one case where the Windows Update
 * client reports 0x8024401C (seed_logs.c). Only the status line's first
 * 12 bytes are looked at, and only when the segment starts with 'H'.
 */
static bool is_http_408(const struct packet *p)
{
    static const char status[] = "HTTP/1.x 408";
    struct cursor c = p->tcp.payload;
    uint8_t b[sizeof(status) - 1];
    if (!cursor_has(&c, sizeof(b)) || cursor_ptr(&c)[0] != 'H')
        return false;
    cursor_copy(&c, b, sizeof(b));
    for (size_t i = 0; i < sizeof(status) - 1; i++)
        if (status[i] != 'x' && b[i] != (uint8_t)status[i])
            return false;
    return b[7] == '0' || b[7] == '1';
}

static void note_http_408(struct tv_analyzer *a, struct flow *f)
{
    struct flow_cold *c = flow_table_cold(a->flows, f);
    if (c == NULL)
        f->is_partial = 1;
    else if (c->http_408 < UINT16_MAX)
        c->http_408++;
}

static void track(struct tv_analyzer *a, const struct packet *p, bool is_reassembled)
{
    struct flow_key key;
    int side = flow_key_from_packet(p, &key);
    struct flow *f = flow_table_lookup(a->flows, &key);
    uint16_t attempt = 0;

    if (f != NULL && tcp_conn_is_reuse(&f->conn, &p->tcp)) {
        /* A new connection on the same 5-tuple: the old one ends now. */
        const struct flow_cold *c = flow_table_cold_peek(a->flows, f);
        uint16_t before = c != NULL ? c->attempt : 0;
        if ((f->flags & FLOW_F_REFUSED) && before < UINT16_MAX)
            attempt = before + 1u;
        struct tv_order at = order_at(a, TV_ORDER_REUSE);
        if (is_attempt(&f->conn))
            end_attempt(a, f, &at);
        else
            emit(a, f, TV_END_OPEN, &at);
        f = NULL;
    }
    bool is_new = f == NULL;
    if (is_new) {
        f = new_flow(a, &key, side, p);
        if (f == NULL)
            return;
        if (attempt > 0) {
            struct flow_cold *c = flow_table_cold(a->flows, f);
            if (c != NULL)
                c->attempt = attempt;
            else
                f->is_partial = 1;
        }
    }

    if (p->log_prefix.len != 0)
        note_nflog(a, f, p);

    bool is_orig = side == f->orig_side;
    int64_t idle_us = a->now_us - flow_table_last_us(a->flows, f);
    struct detect_ctx d = detect_ctx(a);
    if (is_new)
        detect_first_packet(&d, f, is_orig, p->tcp.flags);

    int64_t conn_ms = (a->now_us - flow_table_first_us(a->flows, f)) / 1000;
    uint32_t conn_ms32 = conn_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)conn_ms;
    struct tcp_event ev;
    struct flow_cold *cold = flow_table_cold_peek(a->flows, f);
    struct cold_taker taker = {a, f};
    struct tcp_cold_ref cold_ref = {cold != NULL ? &cold->conn : NULL, take_cold, &taker};
    if (tcp_conn_segment(&f->conn, &cold_ref, is_orig, p, conn_ms32, &ev)) {
        /* SYN+ACK had come before its SYN: the other side opened. */
        f->orig_side = !f->orig_side;
        is_orig = !is_orig;
        cold = flow_table_cold_peek(a->flows, f);
        if (cold != NULL)
            anomaly_set_flip(a->anomalies, &cold->anomalies);
        uint8_t rst_bits = f->flags & (FLOW_F_RST_BY_ORIG | FLOW_F_RST_BY_RESP);
        f->flags = (uint8_t)((f->flags & ~rst_bits) |
                             ((rst_bits & FLOW_F_RST_BY_ORIG) ? FLOW_F_RST_BY_RESP : 0) |
                             ((rst_bits & FLOW_F_RST_BY_RESP) ? FLOW_F_RST_BY_ORIG : 0));
    }
    flow_table_set_last_us(a->flows, f, a->now_us);
    detect_segment(&d, f, is_orig, p, &ev, idle_us, conn_ms32);
    if (!is_orig && is_http_408(p))
        note_http_408(a, f);
    if (is_reassembled)
        detect_ip_fragmented(&d, f, is_orig);
    schedule(a, f);
}

/* A TCP segment, whole or reassembled: counted, then tracked. */
static void analyse(struct tv_analyzer *a, const struct packet *p, bool is_reassembled)
{
    a->stats.tcp_packets++;
    if (p->ip_csum == CSUM_BAD)
        a->stats.ip_checksum_bad++;
    if (p->tcp_csum == CSUM_BAD || p->tcp_csum == CSUM_PARTIAL)
        a->stats.tcp_checksum_bad++;
    else if (p->tcp_csum == CSUM_UNVERIFIED && a->cfg.verify_checksums)
        a->stats.tcp_checksum_unverified++;
    track(a, p, is_reassembled);
}

static void copy_frag_stats(struct tv_analyzer *a)
{
    const struct ip_reassembly_stats *s = ip_reassembly_stats(a->frags);
    a->stats.ip_frag_reassembled = s->reassembled;
    a->stats.ip_frag_timed_out = s->timed_out;
    a->stats.ip_frag_memcap_drops = s->memcap_drops;
    a->stats.ip_frag_overlaps = s->overlaps;
    a->stats.ip_frag_duplicates = s->duplicates;
    a->stats.ip_frag_malformed = s->malformed;
    a->stats.ip_frag_incomplete = s->incomplete;
}

/* Overlapping fragments discarded a datagram: the flow it belonged to, if
 * its first fragment named the ports and the flow is known, is told. */
static void note_overlap(struct tv_analyzer *a, const struct packet *p,
                         const struct ip_datagram *dg)
{
    if (!dg->has_ports)
        return;
    struct packet named = *p;
    named.tcp.src_port = dg->src_port;
    named.tcp.dst_port = dg->dst_port;
    struct flow_key key;
    int side = flow_key_from_packet(&named, &key);
    struct flow *f = flow_table_lookup(a->flows, &key);
    if (f == NULL)
        return;
    struct detect_ctx d = detect_ctx(a);
    detect_ip_fragment_overlap(&d, f, side == f->orig_side);
}

/*
 * Where a reassembled segment was: where its fragments were (dg), with
 * whatever VLANs and tunnels the datagram itself holds (as decoding the
 * rebuilt frame found them) inside that. A frame rebuilt with the link
 * bytes of its first fragment shows the whole path again; one rebuilt
 * without them (the fragments were in a tunnel) only the part inside.
 */
static void locate_reassembled(struct tv_analyzer *a, struct packet *p,
                               const struct ip_datagram *dg)
{
    struct tv_location *inside = &p->location;
    if (inside->vlan_count == 0 && inside->tunnel_count == 0) {
        p->location_id = dg->location_id;
        p->location_flips = dg->location_flips;
        return;
    }
    if (dg->has_link_bytes || dg->location_id == LOCATION_NONE) {
        locate(a, p);
        return;
    }
    const struct tv_location *outer = location_table_get(a->locations, dg->location_id);
    if (outer == NULL) {
        p->location_id = dg->location_id; /* lost, and the rest with it */
        return;
    }
    struct tv_location whole = *outer;
    for (unsigned i = 0; i < whole.tunnel_count; i++)
        if ((dg->location_flips >> i) & 1u) {
            struct tv_tunnel *t = &whole.tunnels[i];
            uint8_t src[sizeof(t->src)];
            memcpy(src, t->src, sizeof(src));
            memcpy(t->src, t->dst, sizeof(src));
            memcpy(t->dst, src, sizeof(src));
        }
    for (unsigned i = 0; i < inside->vlan_count && whole.vlan_count < TV_VLANS_CAP; i++)
        whole.vlan[whole.vlan_count++] = inside->vlan[i];
    for (unsigned i = 0; i < inside->tunnel_count && whole.tunnel_count < TV_ENCAP_DEPTH_CAP; i++)
        whole.tunnels[whole.tunnel_count++] = inside->tunnels[i];
    *inside = whole;
    locate(a, p);
}

/* Hands a fragment to the reassembler. Returns true if it completed a TCP
 * segment, which is then in *p (the fragment no longer). */
static bool take_fragment(struct tv_analyzer *a, const struct tv_packet *pkt, struct packet *p)
{
    a->stats.ip_fragments++;
    if (a->frags == NULL) {
        struct siphash_key hash_key = siphash_key_from_bytes(a->cfg.hash_key);
        a->frags =
            ip_reassembly_create((size_t)a->cfg.frag_memcap, a->cfg.frag_timeout_us, &hash_key);
        if (a->frags == NULL) {
            a->stats.ip_frag_memcap_drops++;
            return false;
        }
    }
    /* The fragment's own time where it is behind the clock: a fragment a
     * pipeline held back for its flow's worker keeps the time it came. */
    int64_t ts_us = pkt->ts_us < a->now_us ? pkt->ts_us : a->now_us;
    struct ip_datagram dg;
    enum ip_reassembly_result result =
        ip_reassembly_add(a->frags, p, pkt->linktype, pkt->data, ts_us, &dg);
    copy_frag_stats(a);
    if (result == IP_REASSEMBLY_OVERLAP && p->frag.protocol == 6)
        note_overlap(a, p, &dg);
    if (result != IP_REASSEMBLY_DONE)
        return false;
    if (decode_packet(dg.linktype, dg.frame, dg.caplen, dg.wirelen, a->cfg.verify_checksums, p) !=
        TV_DECODE_OK)
        return false; /* not TCP, or broken inside: the fragments were counted */
    locate_reassembled(a, p, &dg);
    if (dg.has_bad_ip_csum && a->cfg.verify_checksums)
        p->ip_csum = CSUM_BAD; /* the header rebuilt for it is right; a fragment's was not */
    return true;
}

/* Numbers where p was found (location_id and flips; the decoder left them
 * 0). Without memory for the table, the location is lost, as when it is
 * full. */
static void locate(struct tv_analyzer *a, struct packet *p)
{
    if (a->locations == NULL) {
        a->locations = location_table_create();
        if (a->locations == NULL) {
            p->location_id = LOCATION_LOST;
            a->stats.location_records_short++;
            return;
        }
    }
    p->location_id = location_table_intern(a->locations, &p->location, &p->location_flips);
    if (p->location_id == LOCATION_LOST)
        a->stats.location_records_short++;
}

/* Moves packet time forward (never back) and ends the flows it passes. */
static void advance(struct tv_analyzer *a, int64_t ts_us)
{
    if (!a->started) {
        a->started = true;
        a->start_us = ts_us;
        a->now_us = ts_us;
    }
    if (ts_us > a->now_us)
        a->now_us = ts_us;
    expire(a, a->now_us);
    /* A split input's interim reports are its driver's to call. */
    if (!a->is_split &&
        tv_interim_due(a->cfg.interim_us, a->start_us, &a->next_interim_us, a->now_us))
        report_interim(a);
}

bool tv_interim_due(int64_t interval_us, int64_t start_us, int64_t *next_us, int64_t now_us)
{
    if (interval_us <= 0)
        return false;
    if (*next_us == 0)
        *next_us = start_us + interval_us;
    if (now_us < *next_us)
        return false;
    int64_t behind = (now_us - *next_us) / interval_us;
    *next_us += (behind + 1) * interval_us;
    return true;
}

void tv_analyzer_interim(struct tv_analyzer *a, int64_t now_us, uint64_t pkt_no)
{
    advance(a, now_us);
    a->pkt_no = pkt_no;
    report_interim(a);
    copy_pool_stats(a);
}

bool tv_analyzer_split(struct tv_analyzer *a, tv_flow_start_fn on_start)
{
    if (a->last_pkt == NULL)
        a->last_pkt = calloc(flow_table_cap(a->flows), sizeof(*a->last_pkt));
    if (a->last_pkt == NULL)
        return false;
    a->is_split = true;
    a->on_start = on_start;
    return true;
}

uint32_t tv_analyzer_flow_count(const struct tv_analyzer *a)
{
    return flow_table_count(a->flows);
}

int tv_order_cmp(const struct tv_order *a, const struct tv_order *b)
{
    if (a->ts_us != b->ts_us)
        return a->ts_us < b->ts_us ? -1 : 1;
    if (a->pkt != b->pkt)
        return a->pkt < b->pkt ? -1 : 1;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return 0;
}

/* A time held within +-TV_TS_MAX_US, where sums with any timeout or
 * difference of two times fit in 64 bits. */
static int64_t clamp_ts(int64_t ts_us)
{
    return ts_us > TV_TS_MAX_US ? TV_TS_MAX_US : ts_us < -TV_TS_MAX_US ? -TV_TS_MAX_US : ts_us;
}

void tv_analyzer_tick(struct tv_analyzer *a, int64_t now_us)
{
    /* A tick may also start the clock: analyzers sharing one input then
     * agree on when it began, whichever packets each one gets. */
    advance(a, clamp_ts(now_us));
    if (a->frags != NULL) {
        ip_reassembly_expire(a->frags, a->now_us);
        copy_frag_stats(a);
    }
    copy_pool_stats(a);
}

void tv_analyzer_packet(struct tv_analyzer *a, const struct tv_packet *pkt)
{
    struct tv_packet held;
    if (pkt->ts_us != clamp_ts(pkt->ts_us)) {
        held = *pkt;
        held.ts_us = clamp_ts(pkt->ts_us);
        pkt = &held;
    }
    a->stats.packets++;
    /* A packet number from the caller keeps flow ids and first_pkt global
     * when one input is split among several analyzers. */
    a->pkt_no = pkt->number ? pkt->number : a->pkt_no + 1;
    advance(a, pkt->ts_us);

    struct packet p;
    enum tv_decode_status status = pkt->has_frame_sum && a->cfg.verify_checksums
                                       ? decode_packet_summed(pkt->linktype, pkt->data, pkt->caplen,
                                                              pkt->wirelen, pkt->frame_sum, &p)
                                       : decode_packet(pkt->linktype, pkt->data, pkt->caplen,
                                                       pkt->wirelen, a->cfg.verify_checksums, &p);
    a->stats.decode[status]++;
    if (p.location.vlan_count != 0 || p.location.tunnel_count != 0)
        locate(a, &p);
    /* One call of analyse(), so that the path of whole packets stays
     * as the compiler would lay it out without fragments. */
    bool is_reassembled = false;
    if (status != TV_DECODE_OK) {
        if (status != TV_DECODE_FRAGMENT || !take_fragment(a, pkt, &p)) {
            copy_pool_stats(a); /* advancing may have ended flows */
            return;
        }
        is_reassembled = true;
    }
    a->epb_flags = pkt->epb_flags;
    offload_note_flags(&a->offload, &p, pkt->epb_flags);
    analyse(a, &p, is_reassembled);
    copy_pool_stats(a);
}

bool tv_linktype_is_decoded(int linktype)
{
    /* The decoder answers unsupported_link for a link type it does not
     * know, whatever the bytes, and something else (truncated) for one it
     * knows, given none. */
    static const uint8_t nothing[1];
    struct packet p;
    return decode_packet(linktype, nothing, 0, 0, false, &p) != TV_DECODE_UNSUPPORTED_LINK;
}

void tv_analyzer_finish(struct tv_analyzer *a)
{
    if (a->frags != NULL) {
        ip_reassembly_expire(a->frags, a->now_us);
        ip_reassembly_finish(a->frags);
        copy_frag_stats(a);
    }
    struct flow *next;
    for (struct flow *f = flow_table_drain(a->flows); f != NULL; f = next) {
        next = flow_table_drain_next(a->flows, f);
        struct tv_order at = {
            .ts_us = INT64_MAX,
            .pkt = UINT64_MAX,
            .phase = TV_ORDER_END,
            .seq = flow_table_flow_id(a->flows, f),
        };
        /* No answer to the end of the input, with SYNs retried or for longer
         * than the classic initial retransmission time-out (RFC 1122
         * 4.2.3.1): a time-out, not merely an attempt cut off by the end of
         * the capture. */
        if (is_attempt(&f->conn) &&
            (tcp_conn_pkts(&f->conn, conn_cold(a, f), 0) > 1 ||
             a->now_us - flow_table_first_us(a->flows, f) > ATTEMPT_ANSWER_US))
            end_attempt(a, f, &at);
        else
            emit(a, f, TV_END_OPEN, &at);
    }
    copy_pool_stats(a);
}

void tv_analyzer_packet_shared(struct tv_analyzer *const *all, size_t count, size_t i,
                               const struct tv_packet *packet)
{
    /* Every flow whose time is up before this packet ends first, in
     * whichever analyzer, as it would in one. */
    for (size_t j = 0; j < count; j++)
        if (j != i)
            tv_analyzer_tick(all[j], packet->ts_us);
    struct tv_analyzer *a = all[i];
    a->share = all;
    a->share_count = count;
    tv_analyzer_packet(a, packet);
    a->share = NULL;
    a->share_count = 0;
    for (size_t j = 0; j < count; j++)
        if (j != i)
            copy_pool_stats(all[j]);
}
