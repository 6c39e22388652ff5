/*
 * Two capture points compared flow by flow (path_compare.h). Times are
 * carried in the first point's clock and sequence numbers in the first
 * point's numbering; the second point's are converted as they are read.
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "path_compare.h"
#include "banned.h"

/* A segment arriving this much before its sender sent it is still the
 * same segment: the clock offset is an estimate. Added to the estimate's
 * own uncertainty, half the time between the points and back. */
#define COMPARE_TOLERANCE_US 2000
/* A segment may reach the farther point this late, plus four times the
 * largest delay seen between the points. */
#define COMPARE_LATE_MIN_US 1000000
/* At the ends of a capture: a segment whose copy would have come this
 * much (plus four times the largest delay seen) after the other point's
 * last packet is not known to be lost. */
#define COMPARE_MARGIN_MIN_US 10000
/* Flows of one 5-tuple at both points are one flow if they start this
 * close; for address translation, closer still. */
#define COMPARE_NAT_START_US 1000000
/* The offset is fitted as a line only over this much time. */
#define COMPARE_DRIFT_SPAN_US    10000000
#define COMPARE_DRIFT_SAMPLE_CAP 256
/* Of the segments paired one to one, this share (per mille) with equal
 * IPv4 IDs means the path keeps them, and they may tell segments apart. */
#define COMPARE_IP_ID_KEPT_PERMILLE 900

/* One direction of one flow at one point. */
struct compare_view {
    const struct flow_pkt **pkts;
    size_t count;
};

/* A segment in the common numbering: the first point's clock and sequence
 * space, relative to the nearer point's first sequence number, unwrapped. */
struct compare_seg {
    int64_t ts_us;
    int64_t start;
    int64_t end;
    uint64_t key; /* bare segments: what identifies them */
    uint32_t index;
    const struct flow_pkt *p;
};

/* Time differences of the segments paired one to one, per direction. */
struct compare_diffs {
    int64_t *diff_us; /* second point's time minus the first's, sorted */
    size_t count;
    int ttl_median; /* TTL at the first point minus at the second */
    size_t ip_id_same;
    uint64_t dscp_changed;
    uint8_t dscp_first_at_a, dscp_first_at_b;
    uint64_t ts_rewritten;
    uint64_t ts_stripped_a_to_b; /* timestamp at the first point, none at the second */
    uint64_t ts_stripped_b_to_a;
};

struct compare_pair {
    size_t a, b;
    bool is_swapped; /* the second point's originator is the first's responder */
    bool is_nat;
    struct compare_view view[2][2]; /* [point][direction], in the first's orientation */
    uint32_t seq_offset[2];         /* second point's numbers minus the first's */
    struct compare_diffs diffs[2];
    int64_t mid_us;
    bool has_offset;
    int64_t offset_us;
    int64_t half_rtt_us; /* between the points, where known */
    bool has_rst;
    int64_t rst_us; /* the flow's first RST at either point, in the first's clock */
    enum tv_point near_orig;
    const char *placed_by;
};

struct compare_run {
    const struct flow_packets *fp[2];
    struct compare_pair *pairs;
    size_t pair_count;
    size_t *peer_of[2]; /* pair index + 1, or 0 */
    int64_t span_first_us[2], span_last_us[2];
    bool has_model;
    int64_t model_t0_us;
    double model_offset_us;
    double model_slope; /* offset change per microsecond */
    bool is_short;
};

static int compare_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static int compare_int(const void *x, const void *y)
{
    int a = *(const int *)x, b = *(const int *)y;
    return (a > b) - (a < b);
}

static int compare_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Sequence space a segment takes: its payload, and one for SYN and FIN. */
static uint32_t compare_seq_len(const struct flow_pkt *p)
{
    return p->payload_len + ((p->flags & TCP_FLAG_SYN) != 0) + ((p->flags & TCP_FLAG_FIN) != 0);
}

static int64_t compare_model_at(const struct compare_run *run, int64_t t_us);

/* ---- pairing ---- */

static const struct tv_endpoint_report *compare_end(const struct tv_verdict *v, int side)
{
    return side == 0 ? &v->orig : &v->resp;
}

static bool compare_same_end(const struct tv_endpoint_report *x, const struct tv_endpoint_report *y)
{
    return x->family == y->family && x->port == y->port &&
           memcmp(x->addr, y->addr, x->family == 6 ? 16 : 4) == 0;
}

/* 1: the same endpoints the same way round; -1: the other way; 0: not. */
static int compare_same_tuple(const struct tv_verdict *x, const struct tv_verdict *y)
{
    if (compare_same_end(&x->orig, &y->orig) && compare_same_end(&x->resp, &y->resp))
        return 1;
    if (compare_same_end(&x->orig, &y->resp) && compare_same_end(&x->resp, &y->orig))
        return -1;
    return 0;
}

/* The originator's first SYN (without ACK). */
static const struct flow_pkt *compare_first_syn(const struct flow_pics *f, bool from_orig)
{
    for (size_t i = 0; i < f->pkt_count; i++) {
        const struct flow_pkt *p = &f->pkts[i];
        if (p->from_orig == from_orig && (p->flags & TCP_FLAG_SYN) != 0 &&
            (from_orig ? (p->flags & TCP_FLAG_ACK) == 0 : true))
            return p;
    }
    return NULL;
}

static bool compare_add_pair(struct compare_run *run, size_t a, size_t b, bool is_swapped,
                             bool is_nat)
{
    if (run->peer_of[0][a] != 0 || run->peer_of[1][b] != 0)
        return false;
    struct compare_pair *pr = &run->pairs[run->pair_count++];
    memset(pr, 0, sizeof(*pr));
    pr->a = a;
    pr->b = b;
    pr->is_swapped = is_swapped;
    pr->is_nat = is_nat;
    run->peer_of[0][a] = run->pair_count;
    run->peer_of[1][b] = run->pair_count;
    return true;
}

/* The second point's flows by a hash of their endpoints, for pairing. */
struct compare_index_entry {
    uint64_t key;
    size_t flow;
};

struct compare_index {
    struct compare_index_entry *e;
    size_t count;
};

static uint64_t compare_mix(uint64_t h, const uint8_t *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= bytes[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t compare_end_hash(uint64_t h, const struct tv_endpoint_report *e)
{
    uint8_t port[2] = {(uint8_t)(e->port >> 8), (uint8_t)e->port};
    h = compare_mix(h, &e->family, 1);
    h = compare_mix(h, e->addr, e->family == 6 ? 16 : 4);
    return compare_mix(h, port, 2);
}

/* Both endpoints, in an order that does not depend on who opened. */
static uint64_t compare_tuple_hash(const struct tv_verdict *v)
{
    uint64_t x = compare_end_hash(1469598103934665603ull, &v->orig);
    uint64_t y = compare_end_hash(1469598103934665603ull, &v->resp);
    return x < y ? x * 31 + y : y * 31 + x;
}

enum compare_key_kind { COMPARE_BY_TUPLE, COMPARE_BY_RESP, COMPARE_BY_ORIG };

static uint64_t compare_key(const struct tv_verdict *v, enum compare_key_kind kind)
{
    switch (kind) {
    case COMPARE_BY_TUPLE:
        return compare_tuple_hash(v);
    case COMPARE_BY_RESP:
        return compare_end_hash(1469598103934665603ull, &v->resp);
    case COMPARE_BY_ORIG:
        break;
    }
    return compare_end_hash(1469598103934665603ull, &v->orig);
}

static int compare_index_cmp(const void *x, const void *y)
{
    const struct compare_index_entry *a = x, *b = y;
    if (a->key != b->key)
        return (a->key > b->key) - (a->key < b->key);
    return (a->flow > b->flow) - (a->flow < b->flow);
}

static bool compare_index_build(struct compare_index *ix, const struct flow_packets *fp,
                                enum compare_key_kind kind)
{
    ix->e = malloc((fp->flow_count + 1) * sizeof(*ix->e));
    ix->count = fp->flow_count;
    if (ix->e == NULL)
        return false;
    for (size_t i = 0; i < fp->flow_count; i++)
        ix->e[i] = (struct compare_index_entry){compare_key(&fp->flows[i].verdict, kind), i};
    qsort(ix->e, ix->count, sizeof(*ix->e), compare_index_cmp);
    return true;
}

/* The first entry with key, or count. */
static size_t compare_index_find(const struct compare_index *ix, uint64_t key)
{
    size_t lo = 0, hi = ix->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->e[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The second point's flow of a's 5-tuple that a pairs with: the one whose
 * SYN has a's sequence number, else the first unpaired one (the flows of
 * one 5-tuple one after another keep their order at both points). */
static bool compare_pair_by_tuple(struct compare_run *run)
{
    const struct flow_packets *fa = run->fp[0], *fb = run->fp[1];
    struct compare_index ix;
    if (!compare_index_build(&ix, fb, COMPARE_BY_TUPLE)) {
        free(ix.e);
        return false;
    }
    for (int by_syn = 1; by_syn >= 0; by_syn--) {
        for (size_t i = 0; i < fa->flow_count; i++) {
            if (run->peer_of[0][i] != 0)
                continue;
            const struct flow_pics *x = &fa->flows[i];
            const struct flow_pkt *sx = compare_first_syn(x, true);
            if (by_syn && sx == NULL)
                continue;
            uint64_t key = compare_tuple_hash(&x->verdict);
            for (size_t k = compare_index_find(&ix, key); k < ix.count && ix.e[k].key == key; k++) {
                size_t j = ix.e[k].flow;
                if (run->peer_of[1][j] != 0)
                    continue;
                const struct flow_pics *y = &fb->flows[j];
                int way = compare_same_tuple(&x->verdict, &y->verdict);
                if (way == 0)
                    continue;
                if (by_syn) {
                    const struct flow_pkt *sy = compare_first_syn(y, way > 0);
                    if (sy == NULL || sy->seq != sx->seq)
                        continue;
                }
                compare_add_pair(run, i, j, way < 0, false);
                break;
            }
        }
    }
    free(ix.e);
    return true;
}

/* Address translation: the same responder (source NAT) or originator
 * (destination NAT), and the same SYN sequence number; with a clock
 * offset known, the same responder and a SYN at the same time (the
 * translator rewrote the sequence numbers too). */
static bool compare_pair_by_nat(struct compare_run *run, enum compare_key_kind kind, bool by_time)
{
    const struct flow_packets *fa = run->fp[0], *fb = run->fp[1];
    struct compare_index ix;
    if (!compare_index_build(&ix, fb, kind)) {
        free(ix.e);
        return false;
    }
    for (size_t i = 0; i < fa->flow_count; i++) {
        if (run->peer_of[0][i] != 0)
            continue;
        const struct flow_pics *x = &fa->flows[i];
        const struct flow_pkt *sx = compare_first_syn(x, true);
        if (sx == NULL)
            continue;
        size_t best = SIZE_MAX;
        int64_t best_gap = COMPARE_NAT_START_US;
        uint64_t key = compare_key(&x->verdict, kind);
        for (size_t k = compare_index_find(&ix, key); k < ix.count && ix.e[k].key == key; k++) {
            size_t j = ix.e[k].flow;
            if (run->peer_of[1][j] != 0)
                continue;
            const struct flow_pics *y = &fb->flows[j];
            const struct flow_pkt *sy = compare_first_syn(y, true);
            const struct tv_endpoint_report *ex =
                kind == COMPARE_BY_RESP ? &x->verdict.resp : &x->verdict.orig;
            const struct tv_endpoint_report *ey =
                kind == COMPARE_BY_RESP ? &y->verdict.resp : &y->verdict.orig;
            if (sy == NULL || !compare_same_end(ex, ey))
                continue;
            if (!by_time && sy->seq == sx->seq) {
                best = j;
                break;
            }
            if (by_time) {
                int64_t gap = sy->ts_us - compare_model_at(run, sx->ts_us) - sx->ts_us;
                gap = gap < 0 ? -gap : gap;
                if (gap < best_gap) {
                    best_gap = gap;
                    best = j;
                }
            }
        }
        if (best != SIZE_MAX)
            compare_add_pair(run, i, best, false, true);
    }
    free(ix.e);
    return true;
}

/* ---- one to one: the clock offset, placement and what changed ---- */

static bool compare_build_views(struct compare_pair *pr, const struct flow_pics *x,
                                const struct flow_pics *y)
{
    const struct flow_pics *f[2] = {x, y};
    for (int pt = 0; pt < 2; pt++) {
        for (int d = 0; d < 2; d++) {
            pr->view[pt][d].pkts = malloc((f[pt]->pkt_count + 1) * sizeof(*pr->view[pt][d].pkts));
            if (pr->view[pt][d].pkts == NULL)
                return false;
        }
        for (size_t i = 0; i < f[pt]->pkt_count; i++) {
            const struct flow_pkt *p = &f[pt]->pkts[i];
            int d = p->from_orig ? 0 : 1;
            if (pt == 1 && pr->is_swapped)
                d = 1 - d;
            struct compare_view *v = &pr->view[pt][d];
            v->pkts[v->count++] = p;
        }
    }
    return true;
}

static void compare_free_views(struct compare_pair *pr)
{
    for (int pt = 0; pt < 2; pt++)
        for (int d = 0; d < 2; d++) {
            free(pr->view[pt][d].pkts);
            pr->view[pt][d].pkts = NULL;
        }
    for (int d = 0; d < 2; d++) {
        free(pr->diffs[d].diff_us);
        pr->diffs[d].diff_us = NULL;
    }
}

/* Direction d's offset in sequence numbers: from the SYNs when both points
 * saw one; else from the first segment with data whose IPv4 ID and length
 * the other point saw; else none. */
static uint32_t compare_seq_offset(const struct compare_view *va, const struct compare_view *vb,
                                   uint8_t family)
{
    const struct flow_pkt *sa = NULL, *sb = NULL;
    for (size_t i = 0; i < va->count && sa == NULL; i++)
        if (va->pkts[i]->flags & TCP_FLAG_SYN)
            sa = va->pkts[i];
    for (size_t i = 0; i < vb->count && sb == NULL; i++)
        if (vb->pkts[i]->flags & TCP_FLAG_SYN)
            sb = vb->pkts[i];
    if (sa != NULL && sb != NULL)
        return sb->seq - sa->seq;
    if (family != 4)
        return 0;
    for (size_t i = 0; i < va->count && i < 64; i++) {
        const struct flow_pkt *p = va->pkts[i];
        if (p->payload_len == 0)
            continue;
        for (size_t j = 0; j < vb->count; j++)
            if (vb->pkts[j]->ip_id == p->ip_id && vb->pkts[j]->payload_len == p->payload_len)
                return vb->pkts[j]->seq - p->seq;
    }
    return 0;
}

/* What identifies a bare segment (no sequence space): its numbers, flags,
 * window and, where kept, IP ID. Segments with data are identified by
 * where their data starts. */
static uint64_t compare_bare_key(uint32_t seq, uint32_t ack, const struct flow_pkt *p,
                                 bool use_ip_id)
{
    uint64_t h = 1469598103934665603ull;
    uint32_t parts[5] = {seq, ack,
                         p->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST | TCP_FLAG_ACK),
                         p->window, use_ip_id ? p->ip_id : 0};
    for (size_t i = 0; i < 5; i++) {
        h ^= parts[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return h & ~(1ull << 63);
}

struct compare_ident {
    uint64_t key;
    const struct flow_pkt *p;
};

static int compare_ident_cmp(const void *x, const void *y)
{
    const struct compare_ident *a = x, *b = y;
    if (a->key != b->key)
        return (a->key > b->key) - (a->key < b->key);
    return (a->p->number > b->p->number) - (a->p->number < b->p->number);
}

static struct compare_ident *compare_idents(const struct compare_view *v, uint32_t seq_off,
                                            uint32_t ack_off)
{
    struct compare_ident *out = malloc((v->count + 1) * sizeof(*out));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < v->count; i++) {
        const struct flow_pkt *p = v->pkts[i];
        uint32_t seq = p->seq - seq_off;
        out[i].p = p;
        out[i].key = compare_seq_len(p) > 0 ? (1ull << 63) | seq
                                            : compare_bare_key(seq, p->ack - ack_off, p, false);
    }
    qsort(out, v->count, sizeof(*out), compare_ident_cmp);
    return out;
}

/* Segments that occur exactly once at each point, paired: their time
 * differences and what the path changed in them. */
static bool compare_one_to_one(struct compare_pair *pr, int d)
{
    const struct compare_view *va = &pr->view[0][d], *vb = &pr->view[1][d];
    struct compare_ident *ia = compare_idents(va, 0, 0);
    struct compare_ident *ib = compare_idents(vb, pr->seq_offset[d], pr->seq_offset[1 - d]);
    size_t cap = (va->count < vb->count ? va->count : vb->count) + 1;
    struct compare_diffs *df = &pr->diffs[d];
    df->diff_us = malloc(cap * sizeof(*df->diff_us));
    int *ttl = malloc(cap * sizeof(*ttl));
    bool is_ok = ia != NULL && ib != NULL && df->diff_us != NULL && ttl != NULL;
    size_t i = 0, j = 0;
    while (is_ok && i < va->count && j < vb->count) {
        if (ia[i].key != ib[j].key) {
            if (ia[i].key < ib[j].key)
                i++;
            else
                j++;
            continue;
        }
        size_t ni = i, nj = j;
        while (ni < va->count && ia[ni].key == ia[i].key)
            ni++;
        while (nj < vb->count && ib[nj].key == ib[j].key)
            nj++;
        if (ni - i == 1 && nj - j == 1) {
            const struct flow_pkt *pa = ia[i].p, *pb = ib[j].p;
            df->diff_us[df->count] = pb->ts_us - pa->ts_us;
            ttl[df->count] = (int)pa->ttl - (int)pb->ttl;
            df->count++;
            df->ip_id_same += pa->ip_id == pb->ip_id;
            if ((pa->tos >> 2) != (pb->tos >> 2) && df->dscp_changed++ == 0) {
                df->dscp_first_at_a = (uint8_t)(pa->tos >> 2);
                df->dscp_first_at_b = (uint8_t)(pb->tos >> 2);
            }
            if (pa->has_timestamp && pb->has_timestamp && pa->ts_val != pb->ts_val)
                df->ts_rewritten++;
            df->ts_stripped_a_to_b += pa->has_timestamp && !pb->has_timestamp;
            df->ts_stripped_b_to_a += !pa->has_timestamp && pb->has_timestamp;
        }
        i = ni;
        j = nj;
    }
    if (is_ok && df->count > 0) {
        qsort(df->diff_us, df->count, sizeof(*df->diff_us), compare_i64);
        qsort(ttl, df->count, sizeof(*ttl), compare_int);
        df->ttl_median = ttl[df->count / 2];
    }
    free(ia);
    free(ib);
    free(ttl);
    return is_ok;
}

/* Which point is nearer the originator, from what pairing one to one
 * showed: the TTL first (routers between the points lower it), then the
 * time (the nearer point sees a sender's segments first). */
static void compare_place(struct compare_pair *pr)
{
    const struct compare_diffs *d0 = &pr->diffs[0], *d1 = &pr->diffs[1];
    if (d0->count > 0 && d1->count > 0) {
        /* Orig's segments lose TTL from the first point to the second when
         * the first is nearer the originator, and the responder's the other
         * way round. */
        int score = d0->ttl_median - d1->ttl_median;
        if (score != 0) {
            pr->near_orig = score > 0 ? TV_POINT_FIRST : TV_POINT_SECOND;
            pr->placed_by = "ttl";
        } else {
            int64_t m0 = d0->diff_us[d0->count / 2], m1 = d1->diff_us[d1->count / 2];
            if (m0 != m1) {
                pr->near_orig = m0 > m1 ? TV_POINT_FIRST : TV_POINT_SECOND;
                pr->placed_by = "timing";
            }
        }
        if (pr->near_orig == TV_POINT_FIRST) {
            pr->offset_us = (d0->diff_us[0] + d1->diff_us[d1->count - 1]) / 2;
            pr->half_rtt_us = (d0->diff_us[0] - d1->diff_us[d1->count - 1]) / 2;
            pr->has_offset = true;
        } else if (pr->near_orig == TV_POINT_SECOND) {
            pr->offset_us = (d0->diff_us[d0->count - 1] + d1->diff_us[0]) / 2;
            pr->half_rtt_us = (d1->diff_us[0] - d0->diff_us[d0->count - 1]) / 2;
            pr->has_offset = true;
        }
        if (pr->half_rtt_us < 0)
            pr->half_rtt_us = -pr->half_rtt_us;
        return;
    }
    for (int d = 0; d < 2; d++) {
        const struct compare_diffs *df = &pr->diffs[d];
        if (df->count > 0 && df->ttl_median != 0) {
            /* The first point is nearer this direction's sender. */
            bool first_near_sender = df->ttl_median > 0;
            pr->near_orig = (first_near_sender == (d == 0)) ? TV_POINT_FIRST : TV_POINT_SECOND;
            pr->placed_by = "ttl";
        }
    }
}

/* The offset model: a line through the flows' own offsets over time
 * (Theil and Sen's median slope, robust to the odd flow), or their median
 * when they span too little time to show drift. */
static bool compare_fit_model(struct compare_run *run)
{
    size_t n = 0;
    for (size_t i = 0; i < run->pair_count; i++)
        n += run->pairs[i].has_offset;
    if (n == 0)
        return true;
    size_t step = n > COMPARE_DRIFT_SAMPLE_CAP ? n / COMPARE_DRIFT_SAMPLE_CAP + 1 : 1;
    size_t m = 0;
    int64_t *t = malloc(n * sizeof(*t));
    double *off = malloc(n * sizeof(*off));
    double *slopes = NULL;
    bool is_ok = t != NULL && off != NULL;
    for (size_t i = 0, k = 0; is_ok && i < run->pair_count; i++) {
        if (!run->pairs[i].has_offset)
            continue;
        if (k++ % step == 0) {
            t[m] = run->pairs[i].mid_us;
            off[m] = (double)run->pairs[i].offset_us;
            m++;
        }
    }
    if (is_ok) {
        int64_t t_min = t[0], t_max = t[0];
        for (size_t i = 1; i < m; i++) {
            t_min = t[i] < t_min ? t[i] : t_min;
            t_max = t[i] > t_max ? t[i] : t_max;
        }
        run->model_t0_us = t_min;
        run->model_slope = 0;
        if (m >= 3 && t_max - t_min >= COMPARE_DRIFT_SPAN_US) {
            slopes = malloc(m * m / 2 * sizeof(*slopes) + sizeof(*slopes));
            size_t s = 0;
            for (size_t i = 0; slopes != NULL && i < m; i++)
                for (size_t j = i + 1; j < m; j++)
                    if (t[j] != t[i])
                        slopes[s++] = (off[j] - off[i]) / (double)(t[j] - t[i]);
            if (slopes != NULL && s > 0) {
                qsort(slopes, s, sizeof(*slopes), compare_double);
                run->model_slope = slopes[s / 2];
            }
        }
        for (size_t i = 0; i < m; i++)
            off[i] -= run->model_slope * (double)(t[i] - t_min);
        qsort(off, m, sizeof(*off), compare_double);
        run->model_offset_us = off[m / 2];
        run->has_model = true;
    }
    free(t);
    free(off);
    free(slopes);
    return is_ok;
}

static int64_t compare_model_at(const struct compare_run *run, int64_t t_us)
{
    return (int64_t)(run->model_offset_us + run->model_slope * (double)(t_us - run->model_t0_us));
}

/* Placement from weaker evidence, once the offset model is known. */
static void compare_place_late(const struct compare_run *run, struct compare_pair *pr)
{
    if (pr->near_orig != TV_POINT_NONE)
        return;
    for (int d = 0; d < 2 && run->has_model; d++) {
        const struct compare_diffs *df = &pr->diffs[d];
        if (df->count == 0)
            continue;
        int64_t late = df->diff_us[df->count / 2] - pr->offset_us;
        if (late != 0) {
            bool first_near_sender = late > 0;
            pr->near_orig = (first_near_sender == (d == 0)) ? TV_POINT_FIRST : TV_POINT_SECOND;
            pr->placed_by = "timing";
            return;
        }
    }
    /* TSO: a segment longer than any the other point saw of that sender,
     * and longer than one frame holds, was captured on the sender's host. */
    for (int d = 0; d < 2; d++) {
        uint32_t longest[2] = {0, 0};
        for (int pt = 0; pt < 2; pt++)
            for (size_t i = 0; i < pr->view[pt][d].count; i++)
                if (pr->view[pt][d].pkts[i]->payload_len > longest[pt])
                    longest[pt] = pr->view[pt][d].pkts[i]->payload_len;
        for (int pt = 0; pt < 2; pt++)
            if (longest[pt] > 1500 && longest[pt] > longest[1 - pt]) {
                bool first_near_sender = pt == 0;
                pr->near_orig = (first_near_sender == (d == 0)) ? TV_POINT_FIRST : TV_POINT_SECOND;
                pr->placed_by = "offload";
                return;
            }
    }
    for (int d = 0; d < 2; d++)
        for (int pt = 0; pt < 2; pt++)
            if (pr->view[pt][d].count > 0 && pr->view[1 - pt][d].count == 0) {
                bool first_near_sender = pt == 0;
                pr->near_orig = (first_near_sender == (d == 0)) ? TV_POINT_FIRST : TV_POINT_SECOND;
                pr->placed_by = "one_side";
                return;
            }
    pr->near_orig = TV_POINT_FIRST;
    pr->placed_by = "assumed";
}

/* ---- matching one direction ---- */

struct compare_dir {
    const struct compare_run *run;
    const struct compare_pair *pr;
    int d;
    int near_pt; /* 0: the first point, 1: the second */
    int64_t tolerance_us;
    int64_t late_us;   /* how late a bare segment's copy may come */
    int64_t margin_us; /* how late any copy may come, at the ends of a capture */
    bool use_ip_id;    /* the path keeps IPv4 IDs: they tell sendings apart */
    struct tv_path *path;
};

/* The segments of one point in the common numbering. */
static struct compare_seg *compare_segs(const struct compare_dir *cd, int pt, uint32_t base,
                                        bool use_ip_id, size_t *count)
{
    const struct compare_view *v = &cd->pr->view[pt][cd->d];
    struct compare_seg *out = malloc((v->count + 1) * sizeof(*out));
    if (out == NULL)
        return NULL;
    uint32_t seq_off = pt == 1 ? cd->pr->seq_offset[cd->d] : 0;
    uint32_t ack_off = pt == 1 ? cd->pr->seq_offset[1 - cd->d] : 0;
    int64_t time_off = pt == 1 ? cd->pr->offset_us : 0;
    int64_t prev = 0;
    for (size_t i = 0; i < v->count; i++) {
        const struct flow_pkt *p = v->pkts[i];
        uint32_t seq = p->seq - seq_off;
        uint32_t rel = seq - base;
        int64_t r = prev + (int64_t)(int32_t)(rel - (uint32_t)prev);
        prev = r;
        out[i].ts_us = p->ts_us - time_off;
        out[i].start = r;
        out[i].end = r + compare_seq_len(p);
        out[i].key = compare_bare_key(seq, p->ack - ack_off, p, use_ip_id);
        out[i].index = (uint32_t)i;
        out[i].p = p;
    }
    *count = v->count;
    return out;
}

static int compare_seg_by_time(const void *x, const void *y)
{
    const struct compare_seg *a = x, *b = y;
    if (a->ts_us != b->ts_us)
        return (a->ts_us > b->ts_us) - (a->ts_us < b->ts_us);
    return (a->index > b->index) - (a->index < b->index);
}

static int compare_seg_by_key(const void *x, const void *y)
{
    const struct compare_seg *a = x, *b = y;
    if (a->key != b->key)
        return (a->key > b->key) - (a->key < b->key);
    return compare_seg_by_time(x, y);
}

/* Who sent each byte last, as seen at the nearer point: ranges in order,
 * not overlapping, each with its transmission. */
struct compare_owner {
    int64_t start, end;
    size_t seg; /* index into the nearer point's data segments */
};

struct compare_owners {
    struct compare_owner *r;
    size_t count, cap;
};

/* The first range ending after start: ranges do not overlap, so their
 * ends are in order. */
static size_t compare_owners_after(const struct compare_owners *o, int64_t start)
{
    size_t lo = 0, hi = o->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->r[mid].end <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Sets seg as the owner of [start, end); *prev is who owned start
 * before (SIZE_MAX if nobody did). */
static bool compare_owners_set(struct compare_owners *o, int64_t start, int64_t end, size_t seg,
                               size_t *prev)
{
    size_t first = compare_owners_after(o, start), last = first;
    while (last < o->count && o->r[last].start < end)
        last++;
    *prev = first < last ? o->r[first].seg : SIZE_MAX;
    struct compare_owner keep[3];
    size_t n = 0;
    if (first < last && o->r[first].start < start)
        keep[n++] = (struct compare_owner){o->r[first].start, start, o->r[first].seg};
    keep[n++] = (struct compare_owner){start, end, seg};
    if (first < last && o->r[last - 1].end > end)
        keep[n++] = (struct compare_owner){end, o->r[last - 1].end, o->r[last - 1].seg};
    size_t new_count = o->count - (last - first) + n;
    if (new_count > o->cap) {
        size_t cap = o->cap != 0 ? o->cap * 2 : 64;
        while (cap < new_count)
            cap *= 2;
        struct compare_owner *r = realloc(o->r, cap * sizeof(*r));
        if (r == NULL)
            return false;
        o->r = r;
        o->cap = cap;
    }
    memmove(&o->r[first + n], &o->r[last], (o->count - last) * sizeof(*o->r));
    memcpy(&o->r[first], keep, n * sizeof(*keep));
    o->count = new_count;
    return true;
}

/* Which transmission a copy at the farther point was: the owner of its
 * bytes when it came, unless an earlier transmission of them (still on its
 * way when the sender repeated it, as after a spurious retransmission) has
 * the copy's IPv4 ID or TCP timestamp. */
#define COMPARE_HISTORY_CAP 8
struct compare_credit {
    const struct compare_seg *ns;
    const size_t *prev;
    const struct flow_pkt *copy;
    bool use_ip_id;
    bool use_timestamp;
};

static bool compare_same_sending(const struct compare_credit *cr, const struct flow_pkt *p)
{
    if (cr->use_ip_id && p->ip_id == cr->copy->ip_id)
        return true;
    return cr->use_timestamp && p->has_timestamp && cr->copy->has_timestamp &&
           p->ts_val == cr->copy->ts_val;
}

static size_t compare_credit_to(const struct compare_credit *cr, size_t owner)
{
    if (!cr->use_ip_id && !cr->use_timestamp)
        return owner;
    size_t at = owner;
    for (int i = 0; i < COMPARE_HISTORY_CAP && at != SIZE_MAX; i++, at = cr->prev[at])
        if (compare_same_sending(cr, cr->ns[at].p))
            return at;
    return owner;
}

/* Credits the owners of [start, end) with the bytes; true if some bytes
 * had no owner (never sent past the nearer point). */
static bool compare_owners_cover(const struct compare_owners *o, int64_t start, int64_t end,
                                 const struct compare_credit *cr, uint64_t *covered)
{
    size_t lo = compare_owners_after(o, start);
    int64_t at = start;
    bool has_gap = false;
    for (size_t i = lo; i < o->count && o->r[i].start < end; i++) {
        int64_t s = o->r[i].start > start ? o->r[i].start : start;
        int64_t e = o->r[i].end < end ? o->r[i].end : end;
        has_gap |= s > at;
        covered[compare_credit_to(cr, o->r[i].seg)] += (uint64_t)(e - s);
        at = e;
    }
    return has_gap || at < end;
}

static bool compare_in_span(const struct compare_dir *cd, int pt, int64_t ts_us, int64_t before_us,
                            int64_t after_us)
{
    int64_t off = pt == 1 ? cd->pr->offset_us : 0;
    return ts_us >= cd->run->span_first_us[pt] - off + before_us &&
           ts_us <= cd->run->span_last_us[pt] - off - after_us;
}

/* Counts s and keeps the earliest in input order as the first: data and
 * bare segments are judged in separate sweeps, so they come out of
 * order. True when s is now the first. */
static bool compare_note(struct tv_path_packet *first, uint64_t *count, int pt,
                         const struct compare_seg *s)
{
    if ((*count)++ != 0 && first->pkt[pt] <= s->p->number)
        return false;
    *first = (struct tv_path_packet){0};
    first->has[pt] = true;
    first->pkt[pt] = s->p->number;
    first->first_us = s->p->ts_us;
    return true;
}

static bool compare_drop(struct compare_dir *cd, const struct compare_seg *s)
{
    if (cd->pr->has_rst && s->ts_us >= cd->pr->rst_us)
        cd->path->dropped_after_rst[cd->d]++;
    return compare_note(&cd->path->dropped_first[cd->d], &cd->path->dropped[cd->d], cd->near_pt, s);
}

static void compare_inject(struct compare_dir *cd, const struct compare_seg *s)
{
    int far_pt = 1 - cd->near_pt;
    if (s->p->flags & TCP_FLAG_RST)
        compare_note(&cd->path->injected_rst_first[cd->d], &cd->path->injected_rst[cd->d], far_pt,
                     s);
    compare_note(&cd->path->injected_first[cd->d], &cd->path->injected[cd->d], far_pt, s);
}

/* Segments with sequence space: drops, injections, delays. */
static bool compare_data(struct compare_dir *cd, struct compare_seg *ns, size_t n_count,
                         struct compare_seg *fs, size_t f_count)
{
    int far_pt = 1 - cd->near_pt;
    int d = cd->d;
    uint64_t *covered = calloc(n_count + 1, sizeof(*covered));
    size_t *prev = calloc(n_count + 1, sizeof(*prev));
    struct compare_owners owners = {0};
    bool is_ok = covered != NULL && prev != NULL;
    const struct compare_diffs *df = &cd->pr->diffs[d];
    struct compare_credit cr = {
        .ns = ns,
        .prev = prev,
        .use_ip_id = cd->use_ip_id,
        .use_timestamp = df->count > 0 && df->ts_rewritten == 0,
    };
    size_t i = 0, j = 0;
    while (is_ok && (i < n_count || j < f_count)) {
        if (i < n_count && (j == f_count || ns[i].ts_us <= fs[j].ts_us + cd->tolerance_us)) {
            is_ok = compare_owners_set(&owners, ns[i].start, ns[i].end, i, &prev[i]);
            i++;
            continue;
        }
        cr.copy = fs[j].p;
        bool has_gap = compare_owners_cover(&owners, fs[j].start, fs[j].end, &cr, covered);
        if (has_gap && compare_in_span(cd, cd->near_pt, fs[j].ts_us, cd->margin_us, 0))
            compare_inject(cd, &fs[j]);
        j++;
    }
    for (size_t k = 0; is_ok && k < n_count; k++) {
        if (covered[k] >= (uint64_t)(ns[k].end - ns[k].start))
            continue;
        if (!compare_in_span(cd, far_pt, ns[k].ts_us, 0, cd->margin_us)) {
            cd->path->unverified[d]++;
            continue;
        }
        if (!compare_drop(cd, &ns[k]))
            continue;
        /* What got through in its place: the first later segment at the
         * farther point with any of its bytes. */
        for (size_t m = 0; m < f_count; m++)
            if (fs[m].ts_us > ns[k].ts_us && fs[m].start < ns[k].end && fs[m].end > ns[k].start) {
                cd->path->dropped_first[d].has[far_pt] = true;
                cd->path->dropped_first[d].pkt[far_pt] = fs[m].p->number;
                break;
            }
    }
    free(covered);
    free(prev);
    free(owners.r);
    return is_ok;
}

/* Bare segments, one to one by key, each to the earliest copy that came
 * in time. */
static void compare_bare(struct compare_dir *cd, struct compare_seg *ns, size_t n_count,
                         struct compare_seg *fs, size_t f_count)
{
    int far_pt = 1 - cd->near_pt;
    int d = cd->d;
    qsort(ns, n_count, sizeof(*ns), compare_seg_by_key);
    qsort(fs, f_count, sizeof(*fs), compare_seg_by_key);
    size_t i = 0, j = 0;
    while (i < n_count || j < f_count) {
        uint64_t key =
            i < n_count && (j == f_count || ns[i].key <= fs[j].key) ? ns[i].key : fs[j].key;
        for (; j < f_count && fs[j].key == key; j++) {
            while (i < n_count && ns[i].key == key && ns[i].ts_us < fs[j].ts_us - cd->late_us) {
                if (compare_in_span(cd, far_pt, ns[i].ts_us, 0, cd->margin_us))
                    compare_drop(cd, &ns[i]);
                else
                    cd->path->unverified[d]++;
                i++;
            }
            if (i < n_count && ns[i].key == key && ns[i].ts_us <= fs[j].ts_us + cd->tolerance_us)
                i++;
            else if (compare_in_span(cd, cd->near_pt, fs[j].ts_us, cd->margin_us, 0))
                compare_inject(cd, &fs[j]);
        }
        for (; i < n_count && ns[i].key == key; i++) {
            if (compare_in_span(cd, far_pt, ns[i].ts_us, 0, cd->margin_us))
                compare_drop(cd, &ns[i]);
            else
                cd->path->unverified[d]++;
        }
    }
}

static size_t compare_split(struct compare_seg *all, size_t count, struct compare_seg *bare,
                            size_t *bare_count)
{
    size_t data = 0;
    *bare_count = 0;
    for (size_t i = 0; i < count; i++) {
        if (all[i].end > all[i].start)
            all[data++] = all[i];
        else
            bare[(*bare_count)++] = all[i];
    }
    return data;
}

static bool compare_direction(const struct compare_run *run, const struct compare_pair *pr, int d,
                              struct tv_path *path)
{
    struct compare_dir cd = {.run = run, .pr = pr, .d = d, .path = path};
    bool first_near_sender = (pr->near_orig == TV_POINT_FIRST) == (d == 0);
    cd.near_pt = first_near_sender ? 0 : 1;
    int far_pt = 1 - cd.near_pt;
    const struct compare_diffs *df = &pr->diffs[d];
    cd.tolerance_us = COMPARE_TOLERANCE_US + pr->half_rtt_us;
    int64_t max_delay = 0;
    for (int k = 0; k < 2; k++) {
        const struct compare_diffs *x = &pr->diffs[k];
        for (size_t i = 0; i < x->count; i++) {
            int64_t delay = x->diff_us[i] - pr->offset_us;
            delay = delay < 0 ? -delay : delay;
            max_delay = delay > max_delay ? delay : max_delay;
        }
    }
    cd.late_us = COMPARE_LATE_MIN_US + 4 * max_delay;
    cd.margin_us = max_delay > 0 ? COMPARE_MARGIN_MIN_US + 4 * max_delay : COMPARE_LATE_MIN_US;
    bool use_ip_id = run->fp[0]->flows[pr->a].verdict.orig.family == 4 && df->count > 0 &&
                     df->ip_id_same * 1000 >= df->count * COMPARE_IP_ID_KEPT_PERMILLE;
    cd.use_ip_id = use_ip_id;
    const struct compare_view *nv = &pr->view[cd.near_pt][d];
    uint32_t base = 0;
    if (nv->count > 0)
        base = nv->pkts[0]->seq - (cd.near_pt == 1 ? pr->seq_offset[d] : 0);
    size_t n_count = 0, f_count = 0;
    struct compare_seg *ns = compare_segs(&cd, cd.near_pt, base, use_ip_id, &n_count);
    struct compare_seg *fs = compare_segs(&cd, far_pt, base, use_ip_id, &f_count);
    struct compare_seg *nb = malloc((n_count + 1) * sizeof(*nb));
    struct compare_seg *fb = malloc((f_count + 1) * sizeof(*fb));
    bool is_ok = ns != NULL && fs != NULL && nb != NULL && fb != NULL;
    if (is_ok) {
        qsort(ns, n_count, sizeof(*ns), compare_seg_by_time);
        qsort(fs, f_count, sizeof(*fs), compare_seg_by_time);
        size_t nb_count = 0, fb_count = 0;
        size_t nd = compare_split(ns, n_count, nb, &nb_count);
        size_t fd = compare_split(fs, f_count, fb, &fb_count);
        is_ok = compare_data(&cd, ns, nd, fs, fd);
        compare_bare(&cd, nb, nb_count, fb, fb_count);
    }
    free(ns);
    free(fs);
    free(nb);
    free(fb);
    return is_ok;
}

/* ---- what changed, and the record ---- */

static const struct flow_pkt *compare_view_syn(const struct compare_view *v)
{
    for (size_t i = 0; i < v->count; i++)
        if (v->pkts[i]->flags & TCP_FLAG_SYN)
            return v->pkts[i];
    return NULL;
}

static void compare_changed(const struct compare_run *run, const struct compare_pair *pr,
                            struct tv_path *path)
{
    const struct tv_verdict *va = &run->fp[0]->flows[pr->a].verdict;
    const struct tv_verdict *vb = &run->fp[1]->flows[pr->b].verdict;
    for (int d = 0; d < 2; d++) {
        bool first_near_sender = (pr->near_orig == TV_POINT_FIRST) == (d == 0);
        int near_pt = first_near_sender ? 0 : 1;
        const struct compare_diffs *df = &pr->diffs[d];
        if (df->count > 0) {
            path->has_hops[d] = true;
            path->hops[d] = near_pt == 0 ? df->ttl_median : -df->ttl_median;
            path->has_delay[d] = true;
            double *delay = malloc(df->count * sizeof(*delay));
            if (delay != NULL) {
                for (size_t i = 0; i < df->count; i++) {
                    int64_t x = df->diff_us[i] - pr->offset_us;
                    delay[i] = (double)(near_pt == 0 ? x : -x) / 1000.0;
                }
                qsort(delay, df->count, sizeof(*delay), compare_double);
                path->delay_median_ms[d] = delay[df->count / 2];
                path->delay_max_ms[d] = delay[df->count - 1];
                free(delay);
            } else {
                path->has_delay[d] = false;
            }
            path->dscp_changed[d] = df->dscp_changed;
            path->dscp_from[d] = near_pt == 0 ? df->dscp_first_at_a : df->dscp_first_at_b;
            path->dscp_to[d] = near_pt == 0 ? df->dscp_first_at_b : df->dscp_first_at_a;
            path->timestamp_rewritten[d] = df->ts_rewritten;
            uint64_t stripped = near_pt == 0 ? df->ts_stripped_a_to_b : df->ts_stripped_b_to_a;
            path->is_timestamp_stripped[d] = stripped * 2 > df->count;
        }
        const struct flow_pkt *sn = compare_view_syn(&pr->view[near_pt][d]);
        const struct flow_pkt *sf = compare_view_syn(&pr->view[1 - near_pt][d]);
        if (sn != NULL && sf != NULL) {
            if (sn->mss != sf->mss) {
                path->mss_from[d] = sn->mss;
                path->mss_to[d] = sf->mss;
            }
            path->is_wscale_stripped[d] = sn->wscale >= 0 && sf->wscale < 0;
            path->is_sack_permitted_stripped[d] = sn->has_sack_permitted && !sf->has_sack_permitted;
            path->is_timestamp_stripped[d] |= sn->has_timestamp && !sf->has_timestamp;
        }
        path->has_seq_offset[d] = pr->seq_offset[d] != 0;
        path->seq_offset[d] = pr->seq_offset[d];
        const struct tv_endpoint_report *ea = compare_end(va, d);
        const struct tv_endpoint_report *eb = compare_end(vb, pr->is_swapped ? 1 - d : d);
        path->is_translated[d] = !compare_same_end(ea, eb);
        path->peer_family = eb->family;
        memcpy(path->peer_addr[d], eb->addr, sizeof(path->peer_addr[d]));
        path->peer_port[d] = eb->port;
    }
}

static bool compare_pair_path(struct compare_run *run, struct compare_pair *pr,
                              struct tv_path *path)
{
    const struct flow_pics *fa = &run->fp[0]->flows[pr->a];
    const struct flow_pics *fb = &run->fp[1]->flows[pr->b];
    path->seen_at = TV_POINT_NONE;
    path->near_orig = pr->near_orig;
    path->placed_by = pr->placed_by;
    path->paired_by = pr->is_nat ? "nat" : "tuple";
    path->has_flow_id_at[0] = path->has_flow_id_at[1] = true;
    path->flow_id_at[0] = fa->verdict.flow_id;
    path->flow_id_at[1] = fb->verdict.flow_id;
    path->is_complete = fa->pkts_left_out == 0 && fb->pkts_left_out == 0;
    const struct flow_pics *f[2] = {fa, fb};
    for (int pt = 0; pt < 2; pt++)
        for (size_t i = 0; i < f[pt]->pkt_count; i++) {
            if ((f[pt]->pkts[i].flags & TCP_FLAG_RST) == 0)
                continue;
            int64_t t = f[pt]->pkts[i].ts_us - (pt == 1 ? pr->offset_us : 0);
            if (!pr->has_rst || t < pr->rst_us)
                pr->rst_us = t;
            pr->has_rst = true;
            break;
        }
    path->has_clock_offset = pr->has_offset || run->has_model;
    path->clock_offset_ms = (double)pr->offset_us / 1000.0;
    compare_changed(run, pr, path);
    if (!path->is_complete)
        return true; /* packets left out would read as drops */
    for (int d = 0; d < 2; d++)
        if (!compare_direction(run, pr, d, path))
            return false;
    return true;
}

/* When each point was capturing: its input's first and last packet of
 * any kind, else its flows' packets. */
static void compare_spans(struct compare_run *run)
{
    for (int pt = 0; pt < 2; pt++) {
        const struct flow_packets *fp = run->fp[pt];
        bool has = fp->has_span;
        run->span_first_us[pt] = fp->span_first_us;
        run->span_last_us[pt] = fp->span_last_us;
        for (size_t i = 0; i < fp->flow_count; i++)
            for (size_t k = 0; k < fp->flows[i].pkt_count; k++) {
                int64_t t = fp->flows[i].pkts[k].ts_us;
                if (!has || t < run->span_first_us[pt])
                    run->span_first_us[pt] = t;
                if (!has || t > run->span_last_us[pt])
                    run->span_last_us[pt] = t;
                has = true;
            }
    }
}

/* A point that captured on an endpoint's own host: one address is an
 * endpoint of nearly all its flows (and the other end of them varies). */
#define COMPARE_HOST_PERMILLE 900
static const struct tv_endpoint_report *compare_host(const struct flow_packets *fp)
{
    if (fp->flow_count < 2)
        return NULL;
    const struct tv_endpoint_report *candidate[2] = {&fp->flows[0].verdict.orig,
                                                     &fp->flows[0].verdict.resp};
    const struct tv_endpoint_report *host = NULL;
    for (int c = 0; c < 2; c++) {
        const struct tv_endpoint_report *x = candidate[c];
        size_t len = x->family == 6 ? 16 : 4;
        size_t count = 0;
        for (size_t i = 0; i < fp->flow_count; i++) {
            const struct tv_verdict *v = &fp->flows[i].verdict;
            count += v->orig.family == x->family && (memcmp(v->orig.addr, x->addr, len) == 0 ||
                                                     memcmp(v->resp.addr, x->addr, len) == 0);
        }
        if (count * 1000 >= fp->flow_count * COMPARE_HOST_PERMILLE) {
            if (host != NULL)
                return NULL; /* both ends of every flow: not one host's view */
            host = x;
        }
    }
    return host;
}

static bool compare_has_addr(const struct tv_verdict *v, const struct tv_endpoint_report *x)
{
    size_t len = x->family == 6 ? 16 : 4;
    return v->orig.family == x->family &&
           (memcmp(v->orig.addr, x->addr, len) == 0 || memcmp(v->resp.addr, x->addr, len) == 0);
}

static bool compare_first_pass(struct compare_run *run, struct compare_pair *pr)
{
    const struct flow_pics *fa = &run->fp[0]->flows[pr->a];
    const struct flow_pics *fb = &run->fp[1]->flows[pr->b];
    if (!compare_build_views(pr, fa, fb))
        return false;
    for (int d = 0; d < 2; d++)
        pr->seq_offset[d] =
            compare_seq_offset(&pr->view[0][d], &pr->view[1][d], fa->verdict.orig.family);
    for (int d = 0; d < 2; d++)
        if (!compare_one_to_one(pr, d))
            return false;
    pr->mid_us = fa->verdict.first_us / 2 + fa->verdict.last_us / 2;
    compare_place(pr);
    return true;
}

bool path_compare_run(const struct flow_packets *a, const struct flow_packets *b,
                      struct path_compare *out)
{
    memset(out, 0, sizeof(*out));
    struct compare_run run = {.fp = {a, b}};
    size_t pair_cap = (a->flow_count < b->flow_count ? a->flow_count : b->flow_count) + 1;
    run.pairs = calloc(pair_cap, sizeof(*run.pairs));
    run.peer_of[0] = calloc(a->flow_count + 1, sizeof(size_t));
    run.peer_of[1] = calloc(b->flow_count + 1, sizeof(size_t));
    out->first = calloc(a->flow_count + 1, sizeof(*out->first));
    out->second = calloc(b->flow_count + 1, sizeof(*out->second));
    bool is_ok = run.pairs != NULL && run.peer_of[0] != NULL && run.peer_of[1] != NULL &&
                 out->first != NULL && out->second != NULL;
    if (is_ok) {
        compare_spans(&run);
        is_ok = compare_pair_by_tuple(&run) && compare_pair_by_nat(&run, COMPARE_BY_RESP, false) &&
                compare_pair_by_nat(&run, COMPARE_BY_ORIG, false);
    }
    size_t first_pass_done = 0;
    for (; is_ok && first_pass_done < run.pair_count; first_pass_done++)
        is_ok = compare_first_pass(&run, &run.pairs[first_pass_done]);
    if (is_ok)
        is_ok = compare_fit_model(&run);
    if (is_ok && run.has_model) {
        /* Translated flows whose sequence numbers were rewritten too: by
         * the time of their SYNs, now that the clocks can be compared. */
        is_ok = compare_pair_by_nat(&run, COMPARE_BY_RESP, true);
        for (; is_ok && first_pass_done < run.pair_count; first_pass_done++)
            is_ok = compare_first_pass(&run, &run.pairs[first_pass_done]);
    }
    for (size_t i = 0; is_ok && i < run.pair_count; i++) {
        struct compare_pair *pr = &run.pairs[i];
        if (!pr->has_offset && run.has_model)
            pr->offset_us = compare_model_at(&run, pr->mid_us);
        compare_place_late(&run, pr);
        is_ok = compare_pair_path(&run, pr, &out->first[pr->a]);
        out->second[pr->b] = out->first[pr->a];
        compare_free_views(pr);
    }
    for (size_t i = 0; i < run.pair_count; i++)
        compare_free_views(&run.pairs[i]);
    const struct tv_endpoint_report *host[2] = {compare_host(a), compare_host(b)};
    for (int pt = 0; is_ok && pt < 2; pt++) {
        const struct flow_packets *fp = run.fp[pt];
        const struct tv_endpoint_report *other_host = host[1 - pt];
        struct tv_path *paths = pt == 0 ? out->first : out->second;
        for (size_t i = 0; i < fp->flow_count; i++) {
            if (run.peer_of[pt][i] != 0)
                continue;
            struct tv_path *p = &paths[i];
            p->seen_at = pt == 0 ? TV_POINT_FIRST : TV_POINT_SECOND;
            p->near_orig = TV_POINT_NONE;
            p->has_flow_id_at[pt] = true;
            p->flow_id_at[pt] = fp->flows[i].verdict.flow_id;
            p->is_complete = fp->flows[i].pkts_left_out == 0;
            if (other_host != NULL && compare_has_addr(&fp->flows[i].verdict, other_host)) {
                p->is_offload_suspect = true;
                p->host_family = other_host->family;
                memcpy(p->host_addr, other_host->addr, sizeof(p->host_addr));
            }
            if (pt == 0)
                out->flows_first_only++;
            else
                out->flows_second_only++;
        }
    }
    out->flows_both = run.pair_count;
    out->has_clock_offset = run.has_model;
    out->clock_offset_ms = run.model_offset_us / 1000.0;
    out->clock_drift_ppm = run.model_slope * 1e6;
    out->peer_of_first = run.peer_of[0];
    free(run.peer_of[1]);
    free(run.pairs);
    if (!is_ok) {
        path_compare_free(out);
        return false;
    }
    return true;
}

void path_compare_free(struct path_compare *pc)
{
    if (pc == NULL)
        return;
    free(pc->first);
    free(pc->second);
    free(pc->peer_of_first);
    memset(pc, 0, sizeof(*pc));
}
