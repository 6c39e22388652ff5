/*
 * The chosen flows' packets, read in a second pass (flow_packets.h). The
 * flows are found by a hash of their addresses and ports, both directions
 * alike; several flows may share a 5-tuple (one after another), so each
 * packet goes to the last one that started at or before it and has not
 * ended before it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "decode.h"
#include "flow_key.h"
#include "flow_packets.h"
#include "ip_reassembly.h"
#include "log.h"
#include "pcap_writer.h"
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
    fp->flow_cap_limit = FLOW_PACKETS_FLOW_CAP;
    fp->pkt_cap_limit = FLOW_PACKETS_PKT_CAP;
    fp->total_cap_limit = FLOW_PACKETS_TOTAL_CAP;
    return fp;
}

struct flow_packets *flow_packets_create_compare(void)
{
    struct flow_packets *fp = flow_packets_create();
    if (fp != NULL) {
        fp->flow_cap_limit = FLOW_PACKETS_COMPARE_FLOW_CAP;
        fp->pkt_cap_limit = FLOW_PACKETS_COMPARE_PKT_CAP;
        fp->total_cap_limit = FLOW_PACKETS_COMPARE_TOTAL_CAP;
    }
    return fp;
}

struct flow_packets *flow_packets_create_export(void)
{
    struct flow_packets *fp = flow_packets_create();
    if (fp != NULL) {
        fp->is_export = true;
        fp->flow_cap_limit = FLOW_PACKETS_EXPORT_FLOW_CAP;
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
    free(fp->numbers);
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

bool flow_packets_keep(struct flow_packets *fp, const struct tv_verdict *v, bool *is_kept)
{
    bool is_ok = true;
    bool kept = false;
    pthread_mutex_lock(&fp->lock);
    if (fp->flow_count >= fp->flow_cap_limit) {
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
        kept = fp->flow_count < fp->flow_cap && packets_copy_verdict(&fp->flows[fp->flow_count], v);
        fp->flow_count += kept;
        is_ok = kept;
    }
    pthread_mutex_unlock(&fp->lock);
    if (is_kept != NULL)
        *is_kept = kept;
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
    /* --export: the fragments of datagrams not yet whole, oldest first
     * (a ring), each by its number and what names its datagram. */
    struct packets_frag *pending; /* owned, FLOW_PACKETS_FRAG_CAP of them */
    size_t pending_first;
    size_t pending_count;
};

struct packets_frag {
    uint64_t number;
    uint32_t id;
    uint8_t family;
    uint8_t src_addr[16];
    uint8_t dst_addr[16];
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
    bool is_over = f->pkt_count >= fp->pkt_cap_limit || fp->total_pkts >= fp->total_cap_limit;
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
    out->ip_id = p->ip_id;
    out->mss = p->tcp.opt.mss;
    out->ttl = p->ttl;
    out->tos = p->tos;
    out->has_sack_permitted = p->tcp.opt.sack_permitted;
    out->has_timestamp = p->tcp.opt.has_timestamp;
    out->ts_val = p->tcp.opt.ts_val;
    packets_read_sack(frame, caplen, p, out);
    fp->total_pkts++;
}

/* --export: one more packet number to copy; numbers come almost in
 * order (a datagram's fragments when it is whole), sorted at the end. */
static void packets_add_number(struct packets_pass *pass, uint64_t number)
{
    struct flow_packets *fp = pass->fp;
    if (fp->number_count == fp->number_cap) {
        size_t cap = fp->number_cap != 0 ? fp->number_cap * 2 : 256;
        uint64_t *numbers = realloc(fp->numbers, cap * sizeof(*numbers));
        if (numbers == NULL) {
            pass->is_short = true;
            return;
        }
        fp->numbers = numbers;
        fp->number_cap = cap;
    }
    fp->numbers[fp->number_count++] = number;
}

static bool packets_frag_is(const struct packets_frag *k, const struct packets_frag *of)
{
    return k->id == of->id && k->family == of->family &&
           memcmp(k->src_addr, of->src_addr, sizeof(k->src_addr)) == 0 &&
           memcmp(k->dst_addr, of->dst_addr, sizeof(k->dst_addr)) == 0;
}

static void packets_frag_of(const struct packet *p, uint64_t number, struct packets_frag *out)
{
    memset(out, 0, sizeof(*out));
    out->number = number;
    out->id = p->frag.id;
    out->family = p->family;
    memcpy(out->src_addr, p->src_addr, sizeof(out->src_addr));
    memcpy(out->dst_addr, p->dst_addr, sizeof(out->dst_addr));
}

/* A fragment waits for its datagram; the oldest is forgotten when full. */
static void packets_frag_hold(struct packets_pass *pass, const struct packets_frag *k)
{
    if (pass->pending_count == FLOW_PACKETS_FRAG_CAP) {
        pass->pending_first = (pass->pending_first + 1) % FLOW_PACKETS_FRAG_CAP;
        pass->pending_count--;
        pass->fp->frags_left_out++;
    }
    pass->pending[(pass->pending_first + pass->pending_count++) % FLOW_PACKETS_FRAG_CAP] = *k;
}

/* The datagram of k is whole (or given up): its fragments held so far
 * leave the ring, and are exported when is_exported. */
static void packets_frag_release(struct packets_pass *pass, const struct packets_frag *k,
                                 bool is_exported)
{
    size_t kept = 0;
    for (size_t i = 0; i < pass->pending_count; i++) {
        struct packets_frag *e = &pass->pending[(pass->pending_first + i) % FLOW_PACKETS_FRAG_CAP];
        if (packets_frag_is(e, k)) {
            if (is_exported)
                packets_add_number(pass, e->number);
        } else {
            pass->pending[(pass->pending_first + kept++) % FLOW_PACKETS_FRAG_CAP] = *e;
        }
    }
    pass->pending_count = kept;
}

static void packets_export_packet(struct packets_pass *pass, const struct tv_packet *tp)
{
    struct packet p;
    enum tv_decode_status status =
        decode_packet(tp->linktype, tp->data, tp->caplen, tp->wirelen, false, &p);
    if (status == TV_DECODE_FRAGMENT && pass->frags != NULL) {
        struct packets_frag k;
        packets_frag_of(&p, pass->number, &k);
        struct ip_datagram dg;
        enum ip_reassembly_result r =
            ip_reassembly_add(pass->frags, &p, tp->linktype, tp->data, tp->ts_us, &dg);
        if (r == IP_REASSEMBLY_PENDING || r == IP_REASSEMBLY_DUPLICATE) {
            packets_frag_hold(pass, &k);
            return;
        }
        bool is_exported = false;
        if (r == IP_REASSEMBLY_DONE && decode_packet(dg.linktype, dg.frame, dg.caplen, dg.wirelen,
                                                     false, &p) == TV_DECODE_OK) {
            int side = -1;
            is_exported = packets_find(pass, &p, tp->ts_us, &side) != NULL;
        } else if (r == IP_REASSEMBLY_OVERLAP && dg.has_ports) {
            /* Discarded, but the analyzer charged it to the flow of its
             * first fragment's ports: its fragments go with that flow. */
            p.tcp.src_port = dg.src_port;
            p.tcp.dst_port = dg.dst_port;
            int side = -1;
            is_exported = packets_find(pass, &p, tp->ts_us, &side) != NULL;
        }
        packets_frag_release(pass, &k, is_exported);
        if (is_exported)
            packets_add_number(pass, pass->number);
        return;
    }
    if (status != TV_DECODE_OK)
        return;
    int side = -1;
    if (packets_find(pass, &p, tp->ts_us, &side) != NULL)
        packets_add_number(pass, pass->number);
}

static void packets_on_packet(const struct tv_packet *tp, void *ctx)
{
    struct packets_pass *pass = ctx;
    struct flow_packets *fp = pass->fp;
    pass->number++;
    if (!fp->has_span || tp->ts_us < fp->span_first_us)
        fp->span_first_us = tp->ts_us;
    if (!fp->has_span || tp->ts_us > fp->span_last_us)
        fp->span_last_us = tp->ts_us;
    fp->has_span = true;
    if (pass->fp->is_export) {
        packets_export_packet(pass, tp);
        return;
    }
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
    if (fp->is_export)
        pass.pending = calloc(FLOW_PACKETS_FRAG_CAP, sizeof(*pass.pending));
    if (pass.frags == NULL || !packets_index(&pass) || (fp->is_export && pass.pending == NULL)) {
        ip_reassembly_destroy(pass.frags);
        free(pass.bucket);
        free(pass.next);
        free(pass.pending);
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
    free(pass.pending);
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

static int packets_by_number(const void *a, const void *b)
{
    uint64_t na = *(const uint64_t *)a;
    uint64_t nb = *(const uint64_t *)b;
    return na < nb ? -1 : na > nb ? 1 : 0;
}

/* The copying pass: packets by number, in input order. */
struct packets_copy {
    const struct flow_packets *fp;
    const char *path;
    struct pcap_writer *w; /* owned */
    uint64_t number;
    size_t next; /* index of the next number to copy */
    uint64_t written;
    enum capture_status status;
};

static void packets_on_copy(const struct tv_packet *tp, void *ctx)
{
    struct packets_copy *copy = ctx;
    copy->number++;
    if (copy->status != CAPTURE_OK || copy->next >= copy->fp->number_count ||
        copy->fp->numbers[copy->next] != copy->number)
        return;
    copy->next++;
    if (copy->w == NULL) {
        copy->w = pcap_writer_open(copy->path, tp->linktype, CAPTURE_FILE_SNAPLEN);
        if (copy->w == NULL) {
            log_error("--export %s: %s", copy->path, strerror(errno));
            copy->status = CAPTURE_ERR_WRITE;
            return;
        }
    } else if (pcap_writer_linktype(copy->w) != tp->linktype) {
        log_error("--export %s: the flows come in packets of link types %d and %d, and a pcap "
                  "file holds one: export from one input at a time",
                  copy->path, pcap_writer_linktype(copy->w), tp->linktype);
        copy->status = CAPTURE_ERR_LINKTYPE;
        return;
    }
    if (!pcap_writer_packet(copy->w, tp->ts_us, tp->data, tp->caplen, tp->wirelen)) {
        log_error("--export %s: %s", copy->path, strerror(errno));
        copy->status = CAPTURE_ERR_WRITE;
        return;
    }
    copy->written++;
}

enum capture_status flow_packets_export(struct flow_packets *fp, const struct capture_options *opt,
                                        const struct tv_config *cfg, const char *path,
                                        uint64_t *written)
{
    *written = 0;
    enum capture_status status = flow_packets_read(fp, opt, cfg);
    if (status != CAPTURE_OK)
        return status;
    if (fp->number_count > 0) /* numbers is NULL then, which qsort may not be given */
        qsort(fp->numbers, fp->number_count, sizeof(*fp->numbers), packets_by_number);
    size_t unique = 0;
    for (size_t i = 0; i < fp->number_count; i++)
        if (unique == 0 || fp->numbers[unique - 1] != fp->numbers[i])
            fp->numbers[unique++] = fp->numbers[i];
    fp->number_count = unique;

    struct packets_copy copy = {.fp = fp, .path = path, .status = CAPTURE_OK};
    if (fp->number_count != 0) {
        struct capture_options again = *opt;
        again.write_path = NULL;
        struct capture *cap = capture_create(&again);
        status = CAPTURE_ERR_NOMEM;
        if (cap != NULL) {
            status = capture_open(cap);
            if (status == CAPTURE_OK)
                status = capture_run(cap, packets_on_copy, packets_on_pause, &copy);
        }
        capture_destroy(cap);
        if (status == CAPTURE_OK)
            status = copy.status;
    }
    /* No packet to copy: an empty file all the same, for the next tool. */
    if (status == CAPTURE_OK && copy.w == NULL) {
        copy.w = pcap_writer_open(path, 1 /* LINKTYPE_ETHERNET */, CAPTURE_FILE_SNAPLEN);
        if (copy.w == NULL) {
            log_error("--export %s: %s", path, strerror(errno));
            status = CAPTURE_ERR_WRITE;
        }
    }
    if (copy.w != NULL && !pcap_writer_close(copy.w) && status == CAPTURE_OK) {
        log_error("--export %s: %s", path, strerror(errno));
        status = CAPTURE_ERR_WRITE;
    }
    *written = copy.written;
    return status;
}
