/*
 * The chosen flows' packets, read in a second pass (flow_packets.h). The
 * flows are found by a hash of their addresses and ports, both directions
 * alike; several flows may share a 5-tuple (one after another), so each
 * packet goes to the last one that started at or before it and has not
 * ended before it.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "decode.h"
#include "flow_key.h"
#include "flow_packets.h"
#include "ip_reassembly.h"
#include "banned.h"

struct flow_packets *flow_packets_create(void)
{
    struct flow_packets *fp = calloc(1, sizeof(*fp));
    if (fp == NULL)
        return NULL;
    if (pthread_mutex_init(&fp->lock, NULL) != 0) {
        free(fp);
        return NULL;
    }
    return fp;
}

void flow_packets_destroy(struct flow_packets *fp)
{
    if (fp == NULL)
        return;
    for (size_t i = 0; i < fp->flow_count; i++) {
        free(fp->flows[i].anomalies);
        free(fp->flows[i].strings);
        free(fp->flows[i].pkts);
    }
    free(fp->flows);
    pthread_mutex_destroy(&fp->lock);
    free(fp);
}

static size_t packets_strlen(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

/* Copies s to *at (if set) and returns the copy. */
static const char *packets_strcopy(const char *s, char **at)
{
    if (s == NULL)
        return NULL;
    size_t len = strlen(s) + 1;
    memcpy(*at, s, len);
    const char *copy = *at;
    *at += len;
    return copy;
}

/* The verdict into f, with everything it points to. */
static bool packets_copy_verdict(struct flow_pics *f, const struct tv_verdict *v)
{
    memset(f, 0, sizeof(*f));
    size_t len = packets_strlen(v->service) + packets_strlen(v->conn_state) +
                 packets_strlen(v->history) + packets_strlen(v->hint) +
                 packets_strlen(v->orig.role) + packets_strlen(v->resp.role);
    for (size_t i = 0; i < v->anomaly_count; i++)
        len += packets_strlen(v->anomalies[i].code);
    f->strings = malloc(len + 1);
    f->anomalies = v->anomaly_count != 0 ? calloc(v->anomaly_count, sizeof(*f->anomalies)) : NULL;
    if (f->strings == NULL || (v->anomaly_count != 0 && f->anomalies == NULL)) {
        free(f->strings);
        free(f->anomalies);
        return false;
    }
    char *at = f->strings;
    f->verdict = *v;
    f->verdict.service = packets_strcopy(v->service, &at);
    f->verdict.conn_state = packets_strcopy(v->conn_state, &at);
    f->verdict.history = packets_strcopy(v->history, &at);
    f->verdict.hint = packets_strcopy(v->hint, &at);
    f->verdict.orig.role = packets_strcopy(v->orig.role, &at);
    f->verdict.resp.role = packets_strcopy(v->resp.role, &at);
    for (size_t i = 0; i < v->anomaly_count; i++) {
        f->anomalies[i] = v->anomalies[i];
        f->anomalies[i].code = packets_strcopy(v->anomalies[i].code, &at);
    }
    f->verdict.anomalies = f->anomalies;
    return true;
}

bool flow_packets_keep(struct flow_packets *fp, const struct tv_verdict *v)
{
    bool is_ok = true;
    pthread_mutex_lock(&fp->lock);
    if (fp->flow_count >= FLOW_PACKETS_FLOW_CAP) {
        fp->flows_left_out++;
    } else {
        if (fp->flow_count == fp->flow_cap) {
            size_t cap = fp->flow_cap != 0 ? fp->flow_cap * 2 : 16;
            struct flow_pics *flows = realloc(fp->flows, cap * sizeof(*flows));
            if (flows != NULL) {
                fp->flows = flows;
                fp->flow_cap = cap;
            }
        }
        if (fp->flow_count < fp->flow_cap && packets_copy_verdict(&fp->flows[fp->flow_count], v))
            fp->flow_count++;
        else
            is_ok = false;
    }
    pthread_mutex_unlock(&fp->lock);
    return is_ok;
}

static int packets_by_flow_id(const void *a, const void *b)
{
    const struct flow_pics *fa = a;
    const struct flow_pics *fb = b;
    return fa->verdict.flow_id < fb->verdict.flow_id   ? -1
           : fa->verdict.flow_id > fb->verdict.flow_id ? 1
                                                       : 0;
}

/* The second pass: a hash of the flows' keys, chained in flow id order. */
struct packets_pass {
    struct flow_packets *fp;
    size_t *bucket; /* owned: first flow index + 1 per bucket, 0 for none */
    size_t *next;   /* owned: next flow index + 1 in the chain */
    size_t bucket_count;
    uint64_t number;             /* packets seen, numbered as the pipeline numbers them */
    struct ip_reassembly *frags; /* owned: fragments put together, as the analyzer does */
    bool is_short;               /* a packet record could not be kept */
    struct siphash_key hash_key; /* the run's, as the analyzers have it */
};

static void packets_key_of(const struct tv_verdict *v, struct flow_key *key)
{
    memset(key, 0, sizeof(*key));
    key->family = v->orig.family;
    memcpy(key->addr[0], v->orig.addr, sizeof(key->addr[0]));
    memcpy(key->addr[1], v->resp.addr, sizeof(key->addr[1]));
    key->port[0] = v->orig.port;
    key->port[1] = v->resp.port;
}

/* 0 if p was sent by v's originator, 1 by its responder, -1 if p is not
 * between v's endpoints. */
static int packets_side(const struct tv_verdict *v, const struct packet *p)
{
    size_t len = v->orig.family == 6 ? 16 : 4;
    if (p->family != v->orig.family)
        return -1;
    if (memcmp(p->src_addr, v->orig.addr, len) == 0 && p->tcp.src_port == v->orig.port &&
        memcmp(p->dst_addr, v->resp.addr, len) == 0 && p->tcp.dst_port == v->resp.port)
        return 0;
    if (memcmp(p->src_addr, v->resp.addr, len) == 0 && p->tcp.src_port == v->resp.port &&
        memcmp(p->dst_addr, v->orig.addr, len) == 0 && p->tcp.dst_port == v->orig.port)
        return 1;
    return -1;
}

static bool packets_index(struct packets_pass *pass)
{
    struct flow_packets *fp = pass->fp;
    pass->bucket_count = fp->flow_count * 2 + 1;
    pass->bucket = calloc(pass->bucket_count, sizeof(*pass->bucket));
    pass->next = calloc(fp->flow_count + 1, sizeof(*pass->next));
    if (pass->bucket == NULL || pass->next == NULL)
        return false;
    /* Last first, so that each chain runs in flow id order. */
    for (size_t i = fp->flow_count; i-- > 0;) {
        struct flow_key key;
        packets_key_of(&fp->flows[i].verdict, &key);
        size_t b = flow_key_hash(&key, &pass->hash_key) % pass->bucket_count;
        pass->next[i] = pass->bucket[b];
        pass->bucket[b] = i + 1;
    }
    return true;
}

/* The chosen flow p belongs to, or NULL; *side is who sent it. */
static struct flow_pics *packets_find(struct packets_pass *pass, const struct packet *p,
                                      int64_t ts_us, int *side)
{
    struct flow_key key;
    flow_key_from_packet(p, &key);
    size_t b = flow_key_hash(&key, &pass->hash_key) % pass->bucket_count;
    struct flow_pics *found = NULL;
    for (size_t i = pass->bucket[b]; i != 0; i = pass->next[i - 1]) {
        struct flow_pics *f = &pass->fp->flows[i - 1];
        if (f->verdict.flow_id > pass->number)
            break;
        int s = packets_side(&f->verdict, p);
        if (s >= 0 && ts_us <= f->verdict.last_us) {
            found = f;
            *side = s;
        }
    }
    return found;
}

/* RFC 2018 3: the SACK option's blocks, read from the TCP header, which
 * ends where the payload starts. The decoder keeps no options cursor, so
 * the header is found again: its data offset and ports must agree. */
static void packets_read_sack(const uint8_t *frame, uint32_t caplen, const struct packet *p,
                              struct flow_pkt *out)
{
    const uint8_t *payload = p->tcp.payload.data;
    if (payload < frame || payload > frame + caplen)
        return;
    size_t end = (size_t)(payload - frame);
    for (size_t hdr_len = 24; hdr_len <= 60; hdr_len += 4) {
        if (hdr_len > end)
            return;
        struct cursor c = cursor_make(frame + end - hdr_len, hdr_len);
        uint16_t sport = cursor_be16(&c);
        uint16_t dport = cursor_be16(&c);
        cursor_skip(&c, 8);
        uint8_t offset = cursor_u8(&c) >> 4;
        if (c.overrun || (size_t)offset * 4 != hdr_len || sport != p->tcp.src_port ||
            dport != p->tcp.dst_port)
            continue;
        cursor_skip(&c, 7);
        while (cursor_remaining(&c) > 0 && !c.overrun) {
            uint8_t kind = cursor_u8(&c);
            if (kind == 0)
                return;
            if (kind == 1)
                continue;
            uint8_t len = cursor_u8(&c);
            if (c.overrun || len < 2)
                return;
            struct cursor body = cursor_split(&c, (size_t)len - 2);
            if (body.overrun)
                return;
            while (kind == 5 && cursor_remaining(&body) >= 8 &&
                   out->sack_count < FLOW_PACKETS_SACK_CAP) {
                out->sack[out->sack_count][0] = cursor_be32(&body);
                out->sack[out->sack_count][1] = cursor_be32(&body);
                out->sack_count++;
            }
        }
        return;
    }
}

/* Kept whatever the caps: what the pictures must show. */
static bool packets_is_marked(const struct flow_pics *f, const struct packet *p, uint64_t number)
{
    if ((p->tcp.flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST)) != 0)
        return true;
    for (size_t i = 0; i < f->verdict.anomaly_count; i++)
        if (f->verdict.anomalies[i].first_pkt == number)
            return true;
    return false;
}

static void packets_add(struct packets_pass *pass, struct flow_pics *f, int side,
                        const struct tv_packet *tp, const uint8_t *frame, uint32_t caplen,
                        const struct packet *p)
{
    struct flow_packets *fp = pass->fp;
    bool is_over = f->pkt_count >= FLOW_PACKETS_PKT_CAP || fp->total_pkts >= FLOW_PACKETS_TOTAL_CAP;
    if (is_over && !packets_is_marked(f, p, pass->number)) {
        f->pkts_left_out++;
        return;
    }
    if (f->pkt_count == f->pkt_cap) {
        size_t cap = f->pkt_cap != 0 ? f->pkt_cap * 2 : 64;
        struct flow_pkt *pkts = realloc(f->pkts, cap * sizeof(*pkts));
        if (pkts == NULL) {
            pass->is_short = true;
            f->pkts_left_out++;
            return;
        }
        f->pkts = pkts;
        f->pkt_cap = cap;
    }
    struct flow_pkt *out = &f->pkts[f->pkt_count++];
    memset(out, 0, sizeof(*out));
    out->number = pass->number;
    out->ts_us = tp->ts_us;
    out->seq = p->tcp.seq;
    out->ack = p->tcp.ack;
    out->payload_len = p->payload_len;
    out->window = p->tcp.window;
    out->flags = p->tcp.flags;
    out->wscale = p->tcp.opt.wscale;
    out->from_orig = side == 0;
    packets_read_sack(frame, caplen, p, out);
    fp->total_pkts++;
}

static void packets_on_packet(const struct tv_packet *tp, void *ctx)
{
    struct packets_pass *pass = ctx;
    pass->number++;
    struct packet p;
    const uint8_t *frame = tp->data;
    uint32_t caplen = tp->caplen;
    enum tv_decode_status status =
        decode_packet(tp->linktype, frame, caplen, tp->wirelen, false, &p);
    if (status == TV_DECODE_FRAGMENT && pass->frags != NULL) {
        /* The datagram's segment is the fragment's that completes it, as
         * the analyzer and Wireshark both place it. */
        struct ip_datagram dg;
        if (ip_reassembly_add(pass->frags, &p, tp->linktype, tp->data, tp->ts_us, &dg) !=
            IP_REASSEMBLY_DONE)
            return;
        frame = dg.frame;
        caplen = dg.caplen;
        status = decode_packet(dg.linktype, frame, caplen, dg.wirelen, false, &p);
    }
    if (status != TV_DECODE_OK)
        return;
    int side = -1;
    struct flow_pics *f = packets_find(pass, &p, tp->ts_us, &side);
    if (f != NULL)
        packets_add(pass, f, side, tp, frame, caplen, &p);
}

static void packets_on_pause(void *ctx)
{
    (void)ctx;
}

enum capture_status flow_packets_read(struct flow_packets *fp, const struct capture_options *opt,
                                      const struct tv_config *cfg)
{
    if (fp->flow_count == 0)
        return CAPTURE_OK;
    qsort(fp->flows, fp->flow_count, sizeof(*fp->flows), packets_by_flow_id);
    struct packets_pass pass = {.fp = fp, .hash_key = siphash_key_from_bytes(cfg->hash_key)};
    pass.frags =
        ip_reassembly_create((size_t)cfg->frag_memcap, cfg->frag_timeout_us, &pass.hash_key);
    if (pass.frags == NULL || !packets_index(&pass)) {
        ip_reassembly_destroy(pass.frags);
        free(pass.bucket);
        free(pass.next);
        return CAPTURE_ERR_NOMEM;
    }
    struct capture_options again = *opt;
    again.write_path = NULL;
    struct capture *cap = capture_create(&again);
    enum capture_status status = CAPTURE_ERR_NOMEM;
    if (cap != NULL) {
        status = capture_open(cap);
        if (status == CAPTURE_OK)
            status = capture_run(cap, packets_on_packet, packets_on_pause, &pass);
    }
    capture_destroy(cap);
    ip_reassembly_destroy(pass.frags);
    free(pass.bucket);
    free(pass.next);
    if (status == CAPTURE_OK && pass.is_short)
        status = CAPTURE_ERR_NOMEM;
    return status;
}

void flow_packets_bases(const struct flow_pics *f, struct flow_bases *out)
{
    memset(out, 0, sizeof(*out));
    out->wscale[0] = out->wscale[1] = -1;
    bool saw_syn[2] = {false, false};
    for (size_t i = 0; i < f->pkt_count; i++) {
        const struct flow_pkt *k = &f->pkts[i];
        int side = k->from_orig ? 0 : 1;
        if ((k->flags & TCP_FLAG_SYN) != 0 && !saw_syn[side]) {
            saw_syn[side] = true;
            out->base[side] = k->seq;
            out->has[side] = true;
            out->wscale[side] = k->wscale;
        } else if (!out->has[side]) {
            /* Wireshark: a side first seen without its SYN starts at 1. */
            out->base[side] = k->seq - 1;
            out->has[side] = true;
        }
    }
}
