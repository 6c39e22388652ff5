/*
 * Capture thread to workers: numbering, sharding, batching, waiting, and
 * the workers' loop.
 *
 * Threads share nothing but the rings. The capture side's fields (batch
 * positions, counters, packet time) are touched only by the capture
 * thread; each worker's analyzer only by its worker, from pipeline_start()
 * until the join in pipeline_finish(). The end of input travels through
 * the ring as an END slot, so there is no flag to share.
 *
 * Verdicts do not depend on the number of workers: packet numbers are
 * global, and each packet carries the stream's clock (stream_clock.h: the
 * largest timestamp so far, unless one jumped far and nothing confirmed
 * it), so every worker sees the clock the single analyzer would have seen
 * at that packet. Before finishing, each worker's clock is set to the end
 * of the input. The analyzer only ever uses the largest time seen, so
 * with one worker this changes nothing.
 *
 * The clock is read here and nowhere below: live workers advance packet
 * time by wall time while their ring is empty.
 *
 * Several workers reading a file ("ordered") give the output of one,
 * byte for byte, in three ways:
 *   - Records carry their order key (struct tv_order) and pass the
 *     reorder stage, which this thread drains. Each worker marks how far
 *     it has got after each batch; a worker that gets no packet for a
 *     while is sent a tick (the clock as of the latest packet) every
 *     PIPELINE_SYNC_PACKETS, and whenever this thread waits, so that the
 *     stage never waits on a worker that has nothing to do.
 *   - Interim reports fall due by one rule for the whole input, applied
 *     here, and are sent to every worker at the packet where one analyzer
 *     would have made them.
 *   - One --max-flows for all: each packet makes at most one flow, so
 *     while the flows known to be tracked, plus the packets sent since,
 *     stay below it, no eviction can be due. When that headroom runs out,
 *     every worker is ticked to the next packet's time and waited for,
 *     and the flows counted. Far enough below the cap, the headroom starts
 *     again from there; otherwise this thread analyses each packet itself,
 *     on the idle workers' analyzers (handed over and back through the
 *     rings' release and acquire), and evicts across them what one
 *     analyzer would have (tv_analyzer_packet_shared()), until the flows
 *     fall far enough below the cap again. A full table is then as fast as
 *     one worker, and exactly the same.
 */
#include "pipeline.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "flow_key.h"
#include "ip_reassembly.h"
#include "log.h"
#include "platform.h"
#include "reorder.h"
#include "ring.h"
#include "stream_clock.h"
#include "utc_time.h"

#include "banned.h"

/* Slots published (and taken) at once: the shared indexes are touched once
 * per batch. Small next to any ring, so a batch never waits for room. */
#define PIPELINE_BATCH 64
/* How many packets ahead a worker asks for packet bytes. */
#define PIPELINE_PREFETCH 4
/* A live worker whose ring stays empty moves its clock this often. */
#define PIPELINE_TICK_NS 100000000LL
/* Waiting for a ring: spin this many times, then sleep, doubling up to the
 * cap, so an idle worker costs little and a busy one reacts at once. */
#define PIPELINE_SPIN_COUNT   64
#define PIPELINE_SLEEP_MIN_NS 20000L
#define PIPELINE_SLEEP_MAX_NS 1000000L
/* Reading a file, both sides are busy and the other one frees the ring
 * (or fills it) within a fraction of a millisecond: a longer sleep would
 * leave the thread that is not waiting idle as well. */
#define PIPELINE_FILE_SLEEP_MAX_NS 50000L
/* Datagrams whose fragments the capture thread can route at once, and
 * datagrams whose fragments it can hold until their first one comes. */
#define PIPELINE_FRAG_ROUTES 256u
#define PIPELINE_FRAG_HOLDS  256u
/* shard(): the packet was held, not handed to a worker yet. */
#define PIPELINE_HELD SIZE_MAX
/* Ordered: every worker gets a tick at least this often (packets), so that
 * the reorder stage writes as it goes. */
#define PIPELINE_SYNC_PACKETS 1024u
/* Ordered: bytes of records a worker may have waiting to be written. */
#define PIPELINE_LANE_CAP (4u * 1024u * 1024u)
/* Ordered: this close to --max-flows (or an eighth of it, if less), the
 * capture thread analyses the packets itself. */
#define PIPELINE_SERIAL_MARGIN 1024u
/* Clock jumps told on stderr one by one; the summary counts them all. */
#define PIPELINE_JUMPS_TOLD 10u

struct worker {
    struct pipeline *pl;          /* borrowed: the owner */
    size_t index;                 /* its lane in the reorder stage */
    void *format_ctx;             /* borrowed: pipeline_options.format's, for it */
    struct ring *ring;            /* owned */
    struct tv_analyzer *analyzer; /* owned; the worker thread's alone while it runs */
    pthread_t thread;
    bool is_running;
    /* The analyzer's side, with it: the worker thread's, or the capture
     * thread's while it analyses the packets itself. */
    bool has_clock;       /* its analyzer knows the input's start */
    bool is_handed_over;  /* the capture thread runs the analyzer: never wait */
    struct tv_order mark; /* ordered: every later record comes after it */

    /* Capture thread only. */
    size_t reserved;       /* slots writable from the ring's head */
    size_t filled;         /* of those, written and not yet committed */
    uint64_t sent_through; /* ordered: the latest packet number it was sent */
};

/* Where the fragments of one IP datagram go: to the worker of the TCP
 * flow that its first fragment names by its ports, so that the worker
 * reassembling them is the one tracking the flow. */
struct frag_route {
    struct ip_frag_key key;
    bool is_set;
    uint16_t worker;
};

/* A fragment held back: a copy, with the time and number it came with. */
struct held_frag {
    struct held_frag *next;
    int64_t ts_us;
    uint64_t number;
    uint32_t caplen;
    uint32_t wirelen;
    int linktype;
    uint8_t data[];
};

/* The fragments of one datagram that came before its first fragment, which
 * alone names the flow and so the worker: held in order until it comes,
 * or until the reassembly timeout, when they go to worker 0. */
struct frag_hold {
    struct frag_hold *next; /* oldest first */
    struct ip_frag_key key;
    int64_t first_us;
    size_t bytes;
    struct held_frag *head; /* owned */
    struct held_frag *tail;
};

struct pipeline {
    struct pipeline_options opt; /* format_ctx not kept: see struct worker */
    struct tv_config config;     /* each worker's: its share of max_flows, unless ordered */
    struct siphash_key hash_key; /* config's, for choosing a flow's worker */
    struct worker workers[PIPELINE_WORKER_CAP];
    struct tv_analyzer *analyzers[PIPELINE_WORKER_CAP]; /* borrowed from workers */
    size_t worker_count;
    bool is_ordered;         /* a file, several workers: the output of one */
    struct reorder *reorder; /* owned, when ordered */

    /* Capture thread only. */
    struct stream_clock *clock; /* owned */
    struct pipeline_clock_jumps jumps;
    uint64_t packet_count;
    uint64_t ring_drops;
    uint64_t truncated;
    int64_t now_us;   /* largest packet time so far */
    int64_t start_us; /* the input's first packet time; written before the
                         first slot is committed, so the ring's release and
                         acquire make it visible to every worker */
    bool is_started;
    bool is_finished;
    struct frag_route frag_routes[PIPELINE_FRAG_ROUTES]; /* direct-mapped */
    struct frag_hold *holds;                             /* owned */
    size_t hold_count;
    size_t held_bytes; /* at most config.frag_memcap */
    uint8_t *scratch;  /* owned: a first fragment decoded as if whole */
    size_t scratch_cap;
    /* Ordered. */
    uint64_t number;          /* the latest packet handed on, or being handed on */
    uint64_t done_through;    /* the latest packet handed on whole: a tick may
                                 stand for it, not for one still on its way */
    uint64_t since_sync;      /* packets since every worker was last ticked */
    uint64_t headroom;        /* packets that can go to workers before the
                                 flows must be counted again */
    uint64_t serial_margin;   /* flows below max_flows to leave serial analysis */
    bool is_serial;           /* this thread analyses the packets itself */
    int64_t next_interim_us;  /* tv_interim_due()'s */
    uint64_t serial_unmarked; /* packets analysed here since the lanes' marks */
};

/* Sleeps a little longer each call; *wait_ns starts at 0. */
static void pipeline_backoff(long *wait_ns, unsigned *spins, bool is_live)
{
    if (*spins < PIPELINE_SPIN_COUNT) {
        (*spins)++;
        return;
    }
    *wait_ns = *wait_ns == 0 ? PIPELINE_SLEEP_MIN_NS : *wait_ns * 2;
    long max_ns = is_live ? PIPELINE_SLEEP_MAX_NS : PIPELINE_FILE_SLEEP_MAX_NS;
    if (*wait_ns > max_ns)
        *wait_ns = max_ns;
    platform_sleep_ns(*wait_ns);
}

static void pipeline_on_verdict(const struct tv_verdict *v, void *ctx);
static void pipeline_on_start(const struct tv_order *at, void *ctx);

struct pipeline *pipeline_create(const struct pipeline_options *opt, enum pipeline_status *status)
{
    *status = PIPELINE_ERR_NOMEM;
    if (opt->worker_count == 0 || opt->worker_count > PIPELINE_WORKER_CAP)
        return NULL;
    struct pipeline *pl = calloc(1, sizeof(*pl));
    if (pl == NULL)
        return NULL;
    pl->opt = *opt;
    pl->config = *opt->config;
    pl->hash_key = siphash_key_from_bytes(opt->config->hash_key);
    /* A jump of the clock larger than --idle-timeout could end every open
     * flow: such a jump must be confirmed. */
    pl->clock = stream_clock_create(pl->config.idle_timeout_us);
    if (pl->clock == NULL) {
        free(pl);
        return NULL;
    }
    size_t n = opt->worker_count;
    pl->worker_count = n;
    pl->is_ordered = n > 1 && !opt->is_live;
    if (pl->is_ordered) {
        /* Each worker's table can hold every flow: the budget is one. */
        uint64_t cap = pl->config.max_flows;
        pl->headroom = cap;
        pl->serial_margin = cap / 8 < PIPELINE_SERIAL_MARGIN ? cap / 8 : PIPELINE_SERIAL_MARGIN;
        pl->reorder = reorder_create(n, PIPELINE_LANE_CAP);
        if (pl->reorder == NULL) {
            pipeline_destroy(pl);
            return NULL;
        }
    } else {
        /* Live, --max-flows bounds the whole program: each worker gets
         * its share. */
        pl->config.max_flows = (uint32_t)((opt->config->max_flows + n - 1) / n);
    }
    for (size_t i = 0; i < n; i++) {
        struct worker *w = &pl->workers[i];
        w->pl = pl;
        w->index = i;
        w->format_ctx = opt->format_ctx[i];
        w->ring = ring_create(opt->slot_count, opt->data_cap);
        w->analyzer = tv_analyzer_create(&pl->config, pipeline_on_verdict, w);
        pl->analyzers[i] = w->analyzer;
        if (w->ring == NULL || w->analyzer == NULL ||
            (pl->is_ordered && !tv_analyzer_split(w->analyzer, pipeline_on_start))) {
            pipeline_destroy(pl);
            return NULL;
        }
    }
    *status = PIPELINE_OK;
    return pl;
}

static void frag_hold_free(struct frag_hold *h)
{
    struct held_frag *next;
    for (struct held_frag *f = h->head; f != NULL; f = next) {
        next = f->next;
        free(f);
    }
    free(h);
}

void pipeline_destroy(struct pipeline *pl)
{
    if (pl == NULL)
        return;
    pipeline_finish(pl);
    struct frag_hold *next;
    for (struct frag_hold *h = pl->holds; h != NULL; h = next) {
        next = h->next;
        frag_hold_free(h);
    }
    for (size_t i = 0; i < pl->worker_count; i++) {
        tv_analyzer_destroy(pl->workers[i].analyzer);
        ring_destroy(pl->workers[i].ring);
    }
    free(pl->scratch);
    reorder_destroy(pl->reorder);
    stream_clock_destroy(pl->clock);
    free(pl);
}

/* The analyzer's side: a record for output, through the reorder stage
 * when ordered. */
static void pipeline_on_verdict(const struct tv_verdict *v, void *ctx)
{
    struct worker *w = ctx;
    struct pipeline *pl = w->pl;
    const char *bytes = NULL;
    size_t len = pl->opt.format(v, w->format_ctx, &bytes);
    if (!pl->is_ordered) {
        if (len > 0)
            pl->opt.write(pl->opt.write_ctx, bytes, len);
        return;
    }
    /* A record lost for memory still counts its flow: the summary says
     * output is short. */
    (void)reorder_put(pl->reorder, w->index, &v->order, v->interim ? REORDER_INTERIM : REORDER_FLOW,
                      bytes, len, !w->is_handed_over);
}

/* Ordered: a flow began, for the count of flows open at once. */
static void pipeline_on_start(const struct tv_order *at, void *ctx)
{
    struct worker *w = ctx;
    (void)reorder_put(w->pl->reorder, w->index, at, REORDER_START, NULL, 0, !w->is_handed_over);
}

/* A key after everything due at packet number at ts_us, up to phase. */
static struct tv_order pipeline_mark_at(int64_t ts_us, uint64_t number, uint8_t phase)
{
    return (struct tv_order){
        .ts_us = ts_us,
        .pkt = number,
        .phase = phase,
        .rank = UINT8_MAX,
        .seq = UINT64_MAX,
    };
}

static void worker_mark(struct worker *w, const struct tv_order *mark)
{
    if (tv_order_cmp(mark, &w->mark) > 0)
        w->mark = *mark;
}

/* Every analyzer starts its clock at the input's start, not at its own
 * first packet, so --grace means the same in each. */
static void worker_start_clock(struct worker *w)
{
    if (!w->has_clock) {
        tv_analyzer_tick(w->analyzer, w->pl->start_us);
        w->has_clock = true;
    }
}

/* Worker: one slot. Returns false at the end. */
static bool worker_take(struct worker *w, const struct ring_slot *slot, int64_t *last_us)
{
    switch ((enum ring_slot_kind)slot->kind) {
    case RING_SLOT_END:
        /* The input's last time: flows other workers saw later packets
         * for must not stay open in this one. */
        tv_analyzer_tick(w->analyzer, slot->ts_us);
        return false;
    case RING_SLOT_TICK: {
        worker_start_clock(w);
        tv_analyzer_tick(w->analyzer, slot->ts_us);
        struct tv_order mark = pipeline_mark_at(slot->ts_us, slot->number, UINT8_MAX);
        worker_mark(w, &mark);
        return true;
    }
    case RING_SLOT_INTERIM: {
        worker_start_clock(w);
        tv_analyzer_interim(w->analyzer, slot->ts_us, slot->number);
        struct tv_order mark = pipeline_mark_at(slot->ts_us, slot->number, TV_ORDER_INTERIM);
        worker_mark(w, &mark);
        return true;
    }
    case RING_SLOT_PACKET:
        break;
    }
    worker_start_clock(w);
    struct tv_packet packet = {
        .linktype = slot->linktype,
        .ts_us = slot->ts_us,
        .data = slot->ext_data != NULL ? slot->ext_data : slot->data,
        .caplen = slot->caplen,
        .wirelen = slot->wirelen,
        .number = slot->number,
        .epb_flags = slot->epb_flags,
        .has_frame_sum = slot->has_frame_sum,
        .frame_sum = slot->frame_sum,
    };
    tv_analyzer_packet(w->analyzer, &packet);
    *last_us = slot->ts_us;
    struct tv_order mark = pipeline_mark_at(slot->ts_us, slot->number, UINT8_MAX);
    worker_mark(w, &mark);
    return true;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    bool is_live = w->pl->opt.is_live;
    bool saw_packet = false;
    int64_t last_us = 0;        /* packet time of the latest packet */
    int64_t last_mono_ns = 0;   /* when it was taken */
    int64_t ticked_mono_ns = 0; /* when the clock last moved without one */
    long wait_ns = 0;
    unsigned spins = 0;

    for (;;) {
        size_t n = ring_peek(w->ring, PIPELINE_BATCH);
        if (n == 0) {
            if (is_live && saw_packet) {
                int64_t mono_ns = platform_monotonic_ns();
                if (mono_ns - ticked_mono_ns >= PIPELINE_TICK_NS) {
                    /* The capture's clock: the latest packet time plus
                     * the wall time that passed since, on a quiet line. */
                    tv_analyzer_tick(w->analyzer, last_us + (mono_ns - last_mono_ns) / 1000);
                    ticked_mono_ns = mono_ns;
                }
            }
            pipeline_backoff(&wait_ns, &spins, is_live);
            continue;
        }
        wait_ns = 0;
        spins = 0;
        bool is_more = true;
        for (size_t i = 0; i < n && is_more; i++) {
            /* Packets read in place come from memory the capture thread
             * last touched: ask for the next ones' headers early. */
            if (i + PIPELINE_PREFETCH < n) {
                const struct ring_slot *ahead = ring_peeked_slot(w->ring, i + PIPELINE_PREFETCH);
                if (ahead->ext_data != NULL)
                    __builtin_prefetch(ahead->ext_data);
            }
            is_more = worker_take(w, ring_peeked_slot(w->ring, i), &last_us);
        }
        /* Before the release: once the capture thread sees the ring
         * drained, it may take the analyzer's side over. */
        if (w->pl->is_ordered && is_more)
            reorder_mark(w->pl->reorder, w->index, &w->mark, true);
        ring_release(w->ring, n);
        if (!is_more)
            break;
        if (is_live) {
            saw_packet = true;
            last_mono_ns = platform_monotonic_ns();
            ticked_mono_ns = last_mono_ns;
        }
    }
    tv_analyzer_finish(w->analyzer);
    if (w->pl->is_ordered)
        reorder_close(w->pl->reorder, w->index);
    return NULL;
}

enum pipeline_status pipeline_start(struct pipeline *pl)
{
    /* Stop and statistics requests must reach the capture thread, whose
     * wait they wake. */
    platform_threads_quiet_begin();

    enum pipeline_status status = PIPELINE_OK;
    for (size_t i = 0; i < pl->worker_count; i++) {
        struct worker *w = &pl->workers[i];
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            status = PIPELINE_ERR_THREAD;
            break;
        }
        w->is_running = true;
    }
    platform_threads_quiet_end();
    return status;
}

static void frag_hold_release(struct pipeline *pl, struct frag_hold *h, size_t i);
static void frag_holds_expire(struct pipeline *pl);

/* Keeps a copy of a fragment that came before its first one; returns false
 * (the caller sends it to worker 0) if there is no room even after the
 * oldest held fragments went to worker 0. */
static bool frag_hold_add(struct pipeline *pl, const struct ip_frag_key *key,
                          const struct tv_packet *packet, uint64_t number)
{
    size_t size = sizeof(struct held_frag) + packet->caplen;
    struct frag_hold *h = pl->holds;
    while (h != NULL && !ip_frag_key_eq(&h->key, key))
        h = h->next;
    while (pl->holds != NULL && (pl->held_bytes + size > pl->config.frag_memcap ||
                                 (h == NULL && pl->hold_count == PIPELINE_FRAG_HOLDS))) {
        if (pl->holds == h)
            h = NULL;
        frag_hold_release(pl, pl->holds, 0);
    }
    if (size > pl->config.frag_memcap)
        return false;
    struct held_frag *f = malloc(size);
    if (f == NULL)
        return false;
    if (h == NULL) {
        h = calloc(1, sizeof(*h));
        if (h == NULL) {
            free(f);
            return false;
        }
        h->key = *key;
        h->first_us = pl->now_us;
        struct frag_hold **link = &pl->holds;
        while (*link != NULL)
            link = &(*link)->next;
        *link = h;
        pl->hold_count++;
    }
    *f = (struct held_frag){
        .ts_us = pl->now_us,
        .number = number,
        .caplen = packet->caplen,
        .wirelen = packet->wirelen,
        .linktype = packet->linktype,
    };
    memcpy(f->data, packet->data, packet->caplen);
    if (h->tail != NULL)
        h->tail->next = f;
    else
        h->head = f;
    h->tail = f;
    h->bytes += size;
    pl->held_bytes += size;
    return true;
}

/* Protocols whose datagram may hold a TCP segment further in: IP in IP,
 * GRE and the UDP tunnels. */
static bool is_tunnel_protocol(uint8_t protocol)
{
    return protocol == 4 || protocol == 41 || protocol == 47 || protocol == 17;
}

/* Capture thread: decodes the first fragment p of a tunnel's datagram as
 * if it were the whole datagram (a copy of the frame with the fragment
 * bits cleared), into *inner; true if a TCP segment shows in it, as it
 * does when the inner headers came in the first fragment. */
static bool pipeline_decode_first_fragment(struct pipeline *pl, const struct packet *p,
                                           const struct tv_packet *packet, struct packet *inner)
{
    const struct ip_fragment *fr = &p->frag;
    const uint8_t *header = cursor_ptr(&fr->header);
    size_t header_len = cursor_remaining(&fr->header);
    if (header < packet->data || (size_t)(header - packet->data) + header_len > packet->caplen)
        return false;
    size_t at = (size_t)(header - packet->data);
    if (packet->caplen > pl->scratch_cap) {
        uint8_t *bigger = realloc(pl->scratch, packet->caplen);
        if (bigger == NULL)
            return false;
        pl->scratch = bigger;
        pl->scratch_cap = packet->caplen;
    }
    memcpy(pl->scratch, packet->data, packet->caplen);
    if (p->family == 4) {
        pl->scratch[at + 6] = 0; /* flags and offset (RFC 791 3.1) */
        pl->scratch[at + 7] = 0;
    } else {
        pl->scratch[at + header_len - 5] &= 0xfe; /* M: offset 0, an atomic fragment */
    }
    return decode_packet(packet->linktype, pl->scratch, packet->caplen, packet->wirelen, false,
                         inner) == TV_DECODE_OK;
}

/* Capture thread: the worker of the TCP flow a datagram's first fragment
 * names, if it names one: by the ports that follow its IP header, or for
 * a tunnel by the segment inside. */
static bool pipeline_first_fragment_worker(struct pipeline *pl, const struct packet *p,
                                           const struct tv_packet *packet, uint16_t *worker)
{
    const struct ip_fragment *fr = &p->frag;
    struct packet named;
    if (fr->protocol == 6) {
        if (cursor_remaining(&fr->data) < 4)
            return false;
        named = *p;
        struct cursor ports = fr->data;
        named.tcp.src_port = cursor_be16(&ports);
        named.tcp.dst_port = cursor_be16(&ports);
    } else if (!is_tunnel_protocol(fr->protocol) ||
               !pipeline_decode_first_fragment(pl, p, packet, &named)) {
        return false;
    }
    struct flow_key flow;
    flow_key_from_packet(&named, &flow);
    *worker =
        (uint16_t)flow_key_shard(flow_key_hash(&flow, &pl->hash_key), (uint32_t)pl->worker_count);
    return true;
}

/* Capture thread: worker for an IP fragment. The first fragment names the
 * flow, by its TCP ports or by the segment inside the tunnel it cuts; the
 * others follow it, and those that came before it are held until it
 * comes. Fragments of no TCP datagram, and those whose route another
 * datagram took over, go to worker 0. */
static size_t pipeline_frag_shard(struct pipeline *pl, const struct packet *p,
                                  const struct tv_packet *packet, uint64_t number)
{
    frag_holds_expire(pl);
    const struct ip_fragment *fr = &p->frag;
    struct ip_frag_key key;
    ip_frag_key_of(p, &key);
    struct frag_route *route = &pl->frag_routes[ip_frag_key_hash(&key) % PIPELINE_FRAG_ROUTES];
    if (fr->offset == 0) {
        uint16_t worker = 0;
        bool is_named = pipeline_first_fragment_worker(pl, p, packet, &worker);
        if (is_named)
            *route = (struct frag_route){.key = key, .is_set = true, .worker = worker};
        for (struct frag_hold *h = pl->holds; h != NULL; h = h->next)
            if (ip_frag_key_eq(&h->key, &key)) {
                frag_hold_release(pl, h, worker);
                break;
            }
        if (is_named || !(route->is_set && ip_frag_key_eq(&route->key, &key)))
            return worker;
    }
    if (route->is_set && ip_frag_key_eq(&route->key, &key))
        return route->worker;
    if ((fr->protocol == 6 || is_tunnel_protocol(fr->protocol)) && fr->offset != 0 &&
        frag_hold_add(pl, &key, packet, number))
        return PIPELINE_HELD;
    return 0;
}

/* Capture thread: worker for a packet, with more than one. Both directions
 * of a TCP flow hash alike; anything that is not a TCP segment or its
 * fragment goes to worker 0, which counts it as the single analyzer would. */
static size_t pipeline_shard(struct pipeline *pl, const struct tv_packet *packet, uint64_t number)
{
    struct packet p;
    enum tv_decode_status status =
        decode_packet(packet->linktype, packet->data, packet->caplen, packet->wirelen, false, &p);
    if (status == TV_DECODE_FRAGMENT)
        return pipeline_frag_shard(pl, &p, packet, number);
    if (status != TV_DECODE_OK)
        return 0;
    struct flow_key key;
    flow_key_from_packet(&p, &key);
    return flow_key_shard(flow_key_hash(&key, &pl->hash_key), (uint32_t)pl->worker_count);
}

static void pipeline_commit(struct worker *w)
{
    if (w->filled == 0)
        return;
    ring_commit(w->ring, w->filled);
    w->reserved -= w->filled;
    w->filled = 0;
}

static void pipeline_commit_all(struct pipeline *pl)
{
    for (size_t i = 0; i < pl->worker_count; i++)
        pipeline_commit(&pl->workers[i]);
}

/* Ordered: writes the records whose turn has come. */
static void pipeline_drain(struct pipeline *pl)
{
    if (pl->is_ordered)
        reorder_drain(pl->reorder, pl->opt.write, pl->opt.write_ctx);
}

/* Capture thread: a writable slot of w's ring without waiting, or NULL. */
static struct ring_slot *pipeline_try_slot(struct worker *w)
{
    if (w->filled == w->reserved) {
        w->reserved = ring_reserve(w->ring, w->filled + PIPELINE_BATCH);
        if (w->filled == w->reserved)
            return NULL;
    }
    return ring_reserved_slot(w->ring, w->filled);
}

/* A slot that carries no packet. */
static void pipeline_fill_control(struct worker *w, struct ring_slot *slot,
                                  enum ring_slot_kind kind, int64_t ts_us, uint64_t number)
{
    slot->kind = (uint8_t)kind;
    slot->ext_data = NULL;
    slot->has_frame_sum = 0;
    slot->ts_us = ts_us;
    slot->number = number;
    slot->caplen = 0;
    slot->wirelen = 0;
    slot->linktype = 0;
    slot->epb_flags = 0;
    w->filled++;
}

/* Ordered: every worker not sent as far as the last packet handed on whole
 * gets the clock as of that packet, where its ring has room, so that its
 * mark moves on; then everything goes out and the records due are
 * written. (The clock is already the next packet's, if one is on its way:
 * no later packet is earlier.) */
static void pipeline_tick_idle(struct pipeline *pl)
{
    for (size_t i = 0; i < pl->worker_count; i++) {
        struct worker *w = &pl->workers[i];
        if (w->sent_through >= pl->done_through || !w->is_running)
            continue;
        struct ring_slot *slot = pipeline_try_slot(w);
        if (slot == NULL)
            continue;
        pipeline_fill_control(w, slot, RING_SLOT_TICK, pl->now_us, pl->done_through);
        w->sent_through = pl->done_through;
    }
    pipeline_commit_all(pl);
    pipeline_drain(pl);
}

/* Capture thread: a writable slot of w's ring, or NULL if the ring is full
 * and the source cannot wait. */
static struct ring_slot *pipeline_slot(struct worker *w, bool may_wait)
{
    long wait_ns = 0;
    unsigned spins = 0;
    while (w->filled == w->reserved) {
        w->reserved = ring_reserve(w->ring, w->filled + PIPELINE_BATCH);
        if (w->filled < w->reserved)
            break;
        /* Full: what is batched must go out before anything frees up. */
        pipeline_commit(w);
        if (!may_wait)
            return NULL;
        /* The worker may be waiting for its records to be written, which
         * may wait for the other workers' marks. */
        if (w->pl->is_ordered)
            pipeline_tick_idle(w->pl);
        pipeline_backoff(&wait_ns, &spins, w->pl->opt.is_live);
    }
    return ring_reserved_slot(w->ring, w->filled);
}

/* Capture thread: hands one packet to w, as of packet time ts_us. */
static inline void pipeline_put(struct pipeline *pl, struct worker *w,
                                const struct tv_packet *packet, int64_t ts_us, uint64_t number)
{
    struct ring_slot *slot = pipeline_slot(w, !pl->opt.is_live);
    if (slot == NULL) {
        pl->ring_drops++;
        return;
    }
    uint32_t caplen = packet->caplen;
    if (caplen > pl->opt.data_cap) {
        caplen = (uint32_t)pl->opt.data_cap;
        pl->truncated++;
    }
    slot->kind = RING_SLOT_PACKET;
    slot->ts_us = ts_us;
    slot->number = number;
    slot->caplen = caplen;
    slot->wirelen = packet->wirelen;
    slot->linktype = packet->linktype;
    slot->epb_flags = packet->epb_flags;
    if (packet->is_data_stable) {
        /* No copy: the bytes stay where they are until the run ends. With
         * the copy saved, this thread has time to sum them, which spares
         * the worker a second pass over the payload for the checksum. */
        slot->ext_data = packet->data;
        slot->frame_sum = csum_add(0, packet->data, caplen);
        slot->has_frame_sum = 1;
    } else {
        slot->ext_data = NULL;
        slot->has_frame_sum = 0;
        memcpy(slot->data, packet->data, caplen);
    }
    if (++w->filled == PIPELINE_BATCH)
        pipeline_commit(w);
}

/* Ordered: waits until every worker has done all it was sent, writing
 * records meanwhile (a worker may wait for that). Then this thread sees
 * everything the workers did and may use their analyzers. */
static void pipeline_wait_idle(struct pipeline *pl)
{
    pipeline_commit_all(pl);
    long wait_ns = 0;
    unsigned spins = 0;
    for (;;) {
        bool is_idle = true;
        for (size_t i = 0; i < pl->worker_count; i++)
            if (pl->workers[i].is_running && !ring_is_drained(pl->workers[i].ring))
                is_idle = false;
        if (is_idle)
            return;
        pipeline_drain(pl);
        pipeline_backoff(&wait_ns, &spins, false);
    }
}

static uint64_t pipeline_flow_count(const struct pipeline *pl)
{
    uint64_t flows = 0;
    for (size_t i = 0; i < pl->worker_count; i++)
        flows += tv_analyzer_flow_count(pl->analyzers[i]);
    return flows;
}

/* Serial analysis: the lanes' marks go to the reorder stage. */
static void pipeline_publish_marks(struct pipeline *pl)
{
    for (size_t i = 0; i < pl->worker_count; i++)
        reorder_mark(pl->reorder, i, &pl->workers[i].mark, false);
    pl->serial_unmarked = 0;
    pipeline_drain(pl);
}

/* Whether flows ends serial analysis (or keeps it away). */
static bool pipeline_has_room(const struct pipeline *pl, uint64_t flows)
{
    return flows < pl->config.max_flows && pl->config.max_flows - flows > pl->serial_margin;
}

static void pipeline_leave_serial(struct pipeline *pl, uint64_t flows)
{
    pipeline_publish_marks(pl);
    for (size_t i = 0; i < pl->worker_count; i++)
        pl->workers[i].is_handed_over = false;
    pl->is_serial = false;
    pl->headroom = pl->config.max_flows - flows;
}

/* Ordered, the headroom used up: every worker's flows that time out by the
 * next packet end, the flows are counted, and either the headroom starts
 * again or this thread analyses the packets from here. */
static void pipeline_count_flows(struct pipeline *pl)
{
    for (size_t i = 0; i < pl->worker_count; i++) {
        struct worker *w = &pl->workers[i];
        if (!w->is_running)
            continue;
        pipeline_fill_control(w, pipeline_slot(w, true), RING_SLOT_TICK, pl->now_us,
                              pl->number - 1);
    }
    pipeline_wait_idle(pl);
    uint64_t flows = pipeline_flow_count(pl);
    if (pipeline_has_room(pl, flows)) {
        pl->headroom = pl->config.max_flows - flows;
        return;
    }
    pl->is_serial = true;
    for (size_t i = 0; i < pl->worker_count; i++)
        pl->workers[i].is_handed_over = true;
}

/* Serial: one packet analysed here, against the one budget. */
static void pipeline_serial_packet(struct pipeline *pl, size_t i, const struct tv_packet *packet,
                                   int64_t ts_us, uint64_t number)
{
    for (size_t j = 0; j < pl->worker_count; j++)
        worker_start_clock(&pl->workers[j]);
    struct tv_packet p = *packet;
    p.ts_us = ts_us;
    p.number = number;
    p.has_frame_sum = false;
    tv_analyzer_packet_shared(pl->analyzers, pl->worker_count, i, &p);
    struct tv_order mark = pipeline_mark_at(ts_us, number, UINT8_MAX);
    for (size_t j = 0; j < pl->worker_count; j++)
        worker_mark(&pl->workers[j], &mark);
    uint64_t flows = pipeline_flow_count(pl);
    if (pipeline_has_room(pl, flows))
        pipeline_leave_serial(pl, flows);
    else if (++pl->serial_unmarked >= PIPELINE_BATCH)
        pipeline_publish_marks(pl);
}

/* Capture thread: one packet to worker i, or, ordered and serial,
 * analysed here. */
static void pipeline_deliver(struct pipeline *pl, size_t i, const struct tv_packet *packet,
                             int64_t ts_us, uint64_t number)
{
    if (pl->is_ordered) {
        if (!pl->is_serial && pl->headroom == 0)
            pipeline_count_flows(pl);
        if (pl->is_serial) {
            pipeline_serial_packet(pl, i, packet, ts_us, number);
            return;
        }
        pl->headroom--;
        if (number > pl->workers[i].sent_through)
            pl->workers[i].sent_through = number;
    }
    pipeline_put(pl, &pl->workers[i], packet, ts_us, number);
}

/* Hands h's fragments to worker i, in the order they came, and frees h. */
static void frag_hold_release(struct pipeline *pl, struct frag_hold *h, size_t i)
{
    struct frag_hold **link = &pl->holds;
    while (*link != h)
        link = &(*link)->next;
    *link = h->next;
    pl->hold_count--;
    pl->held_bytes -= h->bytes;
    for (struct held_frag *f = h->head; f != NULL; f = f->next) {
        struct tv_packet packet = {
            .linktype = f->linktype,
            .data = f->data,
            .caplen = f->caplen,
            .wirelen = f->wirelen,
        };
        pipeline_deliver(pl, i, &packet, f->ts_us, f->number);
    }
    frag_hold_free(h);
}

/* Held fragments whose datagram's time ran out go to worker 0, where they
 * time out as they would have with one worker. */
static void frag_holds_expire(struct pipeline *pl)
{
    while (pl->holds != NULL && pl->now_us - pl->holds->first_us > pl->config.frag_timeout_us)
        frag_hold_release(pl, pl->holds, 0);
}

/* Ordered: interim reports, due by the rule one analyzer follows, for
 * every worker's flows as of this packet. */
static void pipeline_interim(struct pipeline *pl)
{
    if (!tv_interim_due(pl->config.interim_us, pl->start_us, &pl->next_interim_us, pl->now_us))
        return;
    for (size_t i = 0; i < pl->worker_count; i++) {
        struct worker *w = &pl->workers[i];
        if (pl->is_serial) {
            worker_start_clock(w);
            tv_analyzer_interim(w->analyzer, pl->now_us, pl->number);
            struct tv_order mark = pipeline_mark_at(pl->now_us, pl->number, TV_ORDER_INTERIM);
            worker_mark(w, &mark);
        } else if (w->is_running) {
            pipeline_fill_control(w, pipeline_slot(w, true), RING_SLOT_INTERIM, pl->now_us,
                                  pl->number);
        }
    }
}

/* Ordered: every so often, every worker's mark moves on. */
static void pipeline_sync(struct pipeline *pl)
{
    pl->since_sync = 0;
    if (pl->is_serial)
        pipeline_publish_marks(pl);
    else
        pipeline_tick_idle(pl);
}

/* "2037-01-01 00:00:00 UTC" */
static void pipeline_format_time(int64_t us, char *buf, size_t len)
{
    size_t n = utc_time_format(us, false, buf, len);
    snprintf(buf + n, len - n, " UTC");
}

/* "3.2 hours", "10.1 years" */
static void pipeline_format_span(int64_t us, char *buf, size_t len)
{
    double s = (double)us / 1e6;
    if (s < 0)
        s = -s;
    if (s < 120)
        snprintf(buf, len, "%.1f s", s);
    else if (s < 7200)
        snprintf(buf, len, "%.1f minutes", s / 60);
    else if (s < 2 * 86400)
        snprintf(buf, len, "%.1f hours", s / 3600);
    else if (s < 2 * 365.25 * 86400)
        snprintf(buf, len, "%.1f days", s / 86400);
    else
        snprintf(buf, len, "%.1f years", s / (365.25 * 86400));
}

/* A clock jump decided: counted for the summary, and told on stderr. */
static void pipeline_on_jump(void *ctx, const struct stream_clock_jump *jump)
{
    struct pipeline *pl = ctx;
    struct pipeline_clock_jumps *j = &pl->jumps;
    if (j->count < PIPELINE_JUMP_PKTS_CAP)
        j->first_pkts[j->count] = jump->first_pkt;
    j->count++;
    if (jump->is_followed)
        j->followed++;
    /* A long silence, as later packets confirm: nothing to tell. */
    if (jump->is_followed && jump->stamp_us > jump->clock_us)
        return;
    if (++j->told > PIPELINE_JUMPS_TOLD)
        return;
    char stamp[64];
    char clock[64];
    char span[32];
    pipeline_format_time(jump->stamp_us, stamp, sizeof(stamp));
    pipeline_format_time(jump->clock_us, clock, sizeof(clock));
    int64_t d = jump->stamp_us > jump->clock_us ? jump->stamp_us - jump->clock_us
                                                : jump->clock_us - jump->stamp_us;
    pipeline_format_span(d < 0 ? INT64_MAX : d, span, sizeof(span));
    const char *way = jump->stamp_us > jump->clock_us ? "ahead of" : "behind";
    if (!jump->is_followed)
        log_warn("packet %" PRIu64 " is stamped %s, %s %s the stream's time (%s), and %s: "
                 "analysed as of the stream's time, which it does not move",
                 jump->first_pkt, stamp, span, way, clock,
                 jump->packets > 1 ? "too few packets after it agree"
                                   : "no packet after it agrees");
    else
        log_warn("packet %" PRIu64 " is stamped %s, %s %s the stream's time (%s), and the %" PRIu32
                 " packets from it agree: time cannot go back, so the stream's time goes on from "
                 "%s, keeping their spacing",
                 jump->first_pkt, stamp, span, way, clock, jump->packets, clock);
    if (j->told == PIPELINE_JUMPS_TOLD)
        log_warn("more clock jumps are counted in the summary only");
}

static void pipeline_take(void *ctx, const struct tv_packet *packet, uint64_t number,
                          int64_t clock_us);

void pipeline_packet(struct pipeline *pl, const struct tv_packet *packet)
{
    pl->packet_count++;
    uint64_t number = packet->number != 0 ? packet->number : pl->packet_count;
    stream_clock_packet(pl->clock, packet, number, pipeline_take, pipeline_on_jump, pl);
}

/* A packet with the clock time it is analysed at, in input order. */
static void pipeline_take(void *ctx, const struct tv_packet *packet, uint64_t number,
                          int64_t clock_us)
{
    struct pipeline *pl = ctx;
    pl->now_us = clock_us;
    if (!pl->is_started) {
        /* Before the first slot is committed: the ring's release and
         * acquire make it visible to every worker. */
        pl->start_us = pl->now_us;
        pl->is_started = true;
    }
    pl->number = number;
    if (pl->is_ordered)
        pipeline_interim(pl);
    size_t i = 0;
    if (pl->worker_count == 1 || (i = pipeline_shard(pl, packet, number)) != PIPELINE_HELD)
        pipeline_deliver(pl, i, packet, pl->now_us, number);
    if (number > pl->done_through)
        pl->done_through = number;
    if (pl->is_ordered && ++pl->since_sync >= PIPELINE_SYNC_PACKETS)
        pipeline_sync(pl);
}

void pipeline_flush(struct pipeline *pl)
{
    pipeline_commit_all(pl);
    if (pl->is_ordered)
        pipeline_sync(pl);
}

void pipeline_finish(struct pipeline *pl)
{
    if (pl->is_finished)
        return;
    pl->is_finished = true;
    /* Packets still held for a clock jump nothing confirmed. */
    if (pl->workers[0].is_running)
        stream_clock_finish(pl->clock, pipeline_take, pipeline_on_jump, pl);
    /* Fragments still held never met their first one: worker 0 counts them. */
    while (pl->holds != NULL && pl->workers[0].is_running)
        frag_hold_release(pl, pl->holds, 0);
    if (pl->is_serial)
        pipeline_leave_serial(pl, pipeline_flow_count(pl));
    for (size_t i = 0; i < pl->worker_count; i++) {
        struct worker *w = &pl->workers[i];
        if (!w->is_running) {
            if (pl->is_ordered)
                reorder_close(pl->reorder, i);
            continue;
        }
        /* The end must arrive even in a live run: wait for room. */
        pipeline_fill_control(w, pipeline_slot(w, true), RING_SLOT_END, pl->now_us, 0);
        pipeline_commit(w);
    }
    if (pl->is_ordered) {
        /* The workers end their flows; their records wait for the rest. */
        long wait_ns = 0;
        unsigned spins = 0;
        while (!reorder_is_done(pl->reorder)) {
            if (reorder_drain(pl->reorder, pl->opt.write, pl->opt.write_ctx) > 0) {
                wait_ns = 0;
                spins = 0;
            } else {
                pipeline_backoff(&wait_ns, &spins, false);
            }
        }
    }
    for (size_t i = 0; i < pl->worker_count; i++) {
        struct worker *w = &pl->workers[i];
        if (w->is_running)
            pthread_join(w->thread, NULL);
        w->is_running = false;
    }
}

void pipeline_stats(const struct pipeline *pl, struct pipeline_stats *out)
{
    out->packets = pl->packet_count - pl->ring_drops;
    out->ring_drops = pl->ring_drops;
    out->truncated = pl->truncated;
    out->backlog = 0;
    for (size_t i = 0; i < pl->worker_count; i++)
        out->backlog += ring_backlog(pl->workers[i].ring);
}

void pipeline_totals(const struct pipeline *pl, struct tv_stats *stats, uint64_t *anomaly_flows)
{
    size_t code_count = tv_anomaly_code_count();
    memset(stats, 0, sizeof(*stats));
    memset(anomaly_flows, 0, code_count * sizeof(*anomaly_flows));
    for (size_t i = 0; i < pl->worker_count; i++) {
        const struct tv_analyzer *a = pl->workers[i].analyzer;
        const struct tv_stats *st = tv_analyzer_stats(a);
        stats->packets += st->packets;
        stats->tcp_packets += st->tcp_packets;
        for (int s = 0; s < TV_DECODE_STATUS_COUNT; s++)
            stats->decode[s] += st->decode[s];
        stats->ip_checksum_bad += st->ip_checksum_bad;
        stats->tcp_checksum_bad += st->tcp_checksum_bad;
        stats->tcp_checksum_unverified += st->tcp_checksum_unverified;
        stats->flows += st->flows;
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            stats->flows_by_level[l] += st->flows_by_level[l];
        for (int e = 0; e < TV_END_COUNT; e++)
            stats->flows_by_end[e] += st->flows_by_end[e];
        stats->evictions += st->evictions;
        stats->refused_flows += st->refused_flows;
        stats->cold_records_short += st->cold_records_short;
        stats->anomaly_records_short += st->anomaly_records_short;
        stats->location_records_short += st->location_records_short;
        stats->ip_fragments += st->ip_fragments;
        stats->ip_frag_reassembled += st->ip_frag_reassembled;
        stats->ip_frag_timed_out += st->ip_frag_timed_out;
        stats->ip_frag_memcap_drops += st->ip_frag_memcap_drops;
        stats->ip_frag_overlaps += st->ip_frag_overlaps;
        stats->ip_frag_duplicates += st->ip_frag_duplicates;
        stats->ip_frag_malformed += st->ip_frag_malformed;
        stats->ip_frag_incomplete += st->ip_frag_incomplete;
        stats->bucket_tree_flows += st->bucket_tree_flows;
        /* Peaks of different workers need not coincide: the sum is an
         * upper bound, exact with one worker; ordered, the merged count
         * is exact. */
        stats->max_concurrent_flows += st->max_concurrent_flows;
        for (size_t c = 0; c < code_count; c++)
            anomaly_flows[c] += tv_analyzer_anomaly_flows(a, c);
    }
    if (pl->is_ordered)
        stats->max_concurrent_flows = reorder_max_flows(pl->reorder);
}

/* Earlier first met first: the order one analyzer keeps them in. */
static int pipeline_nflog_order(const void *a, const void *b)
{
    const struct tv_nflog_prefix *x = a;
    const struct tv_nflog_prefix *y = b;
    return (x->first_pkt > y->first_pkt) - (x->first_pkt < y->first_pkt);
}

/* NFLOG prefixes: each worker kept its own; the same group and text add
 * up, in the order the input first met them, as with one worker, whatever
 * flows each worker was given (the hash key decides that). */
static bool pipeline_nflog_prefixes(const struct pipeline *pl, struct summary_findings *out)
{
    size_t cap = 0;
    for (size_t i = 0; i < pl->worker_count; i++)
        cap += tv_analyzer_nflog_prefix_count(pl->workers[i].analyzer);
    out->nflog_prefixes = calloc(cap ? cap : 1, sizeof(*out->nflog_prefixes));
    if (out->nflog_prefixes == NULL) {
        pipeline_findings_free(out);
        return false;
    }
    for (size_t i = 0; i < pl->worker_count; i++) {
        const struct tv_analyzer *a = pl->workers[i].analyzer;
        struct tv_nflog_prefix p;
        for (size_t k = 0; tv_analyzer_nflog_prefix(a, k, &p); k++) {
            size_t j = 0;
            while (j < out->nflog_prefix_count &&
                   (out->nflog_prefixes[j].group != p.group ||
                    strcmp(out->nflog_prefixes[j].prefix, p.prefix) != 0))
                j++;
            if (j == out->nflog_prefix_count)
                out->nflog_prefixes[out->nflog_prefix_count++] = (struct tv_nflog_prefix){
                    .group = p.group, .prefix = p.prefix, .first_pkt = p.first_pkt};
            out->nflog_prefixes[j].flows += p.flows;
            if (p.first_pkt < out->nflog_prefixes[j].first_pkt)
                out->nflog_prefixes[j].first_pkt = p.first_pkt;
        }
    }
    /* Distinct prefixes were first met at distinct packets, so the order
     * is total. */
    qsort(out->nflog_prefixes, out->nflog_prefix_count, sizeof(*out->nflog_prefixes),
          pipeline_nflog_order);
    return true;
}

bool pipeline_findings(const struct pipeline *pl, struct summary_findings *out)
{
    memset(out, 0, sizeof(*out));
    /* Every worker has the same configuration, so the same services in the
     * same order; counts add up by index. */
    const struct tv_analyzer *first = pl->workers[0].analyzer;
    size_t n = tv_analyzer_service_count(first);
    out->service_names = calloc(n ? n : 1, sizeof(*out->service_names));
    out->service_flows = calloc(n ? n : 1, sizeof(*out->service_flows));
    if (out->service_names == NULL || out->service_flows == NULL) {
        pipeline_findings_free(out);
        return false;
    }
    out->service_count = n;
    out->clock_jumps = pl->jumps.count;
    out->clock_jumps_followed = pl->jumps.followed;
    out->clock_jump_pkt_count =
        pl->jumps.count < PIPELINE_JUMP_PKTS_CAP ? (size_t)pl->jumps.count : PIPELINE_JUMP_PKTS_CAP;
    memcpy(out->clock_jump_pkts, pl->jumps.first_pkts,
           out->clock_jump_pkt_count * sizeof(out->clock_jump_pkts[0]));
    for (size_t s = 0; s < n; s++)
        out->service_names[s] = tv_analyzer_service_name(first, s);
    for (size_t i = 0; i < pl->worker_count; i++) {
        const struct tv_analyzer *a = pl->workers[i].analyzer;
        for (size_t s = 0; s < n; s++)
            for (int l = 0; l < TV_LEVEL_COUNT; l++)
                out->service_flows[s][l] += tv_analyzer_service_flows(a, s, (enum tv_level)l);
        /* Each worker saw only its flows: evidence for the same host adds
         * up, and the best-supported host wins. */
        struct tv_capture_host host;
        if (!tv_analyzer_capture_host(a, &host))
            continue;
        if (out->has_capture_host && out->capture_host.family == host.family &&
            memcmp(out->capture_host.addr, host.addr, sizeof(host.addr)) == 0) {
            out->capture_host.evidence_pkts += host.evidence_pkts;
            out->capture_host.direction_pkts += host.direction_pkts;
        } else if (!out->has_capture_host ||
                   host.direction_pkts > out->capture_host.direction_pkts ||
                   (host.direction_pkts == out->capture_host.direction_pkts &&
                    host.evidence_pkts > out->capture_host.evidence_pkts)) {
            out->capture_host = host;
            out->has_capture_host = true;
        }
    }
    return pipeline_nflog_prefixes(pl, out);
}

void pipeline_findings_free(struct summary_findings *f)
{
    free(f->nflog_prefixes);
    f->nflog_prefixes = NULL;
    f->nflog_prefix_count = 0;
    free(f->service_names);
    free(f->service_flows);
    f->service_names = NULL;
    f->service_flows = NULL;
    f->service_count = 0;
}
