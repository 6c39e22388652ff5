/*
 * Zeek conn.log writer (output_zeek.h). Field names, order and types are
 * Zeek's conn.log as Zeek 6 writes it; tcpverdict's own fields follow
 * Zeek's, so that zeek-cut and scripts that read Zeek's columns by name
 * keep working. Values follow Zeek's rules where tcpverdict has the same
 * facts: duration and the byte counts are set only when the flow lasted
 * longer than an instant (Zeek leaves them unset for a lone packet), and
 * payload bytes are counted in sequence space, as Zeek counts them.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output_zeek.h"
#include "platform.h"
#include "strbuf.h"
#include "utc_time.h"

#include "banned.h"

/* What the original and its forks share: the stream's order. */
struct zeek_shared {
    pthread_mutex_t lock; /* guards wrote_header, and the writes it orders */
    bool wrote_header;
};

struct output_zeek {
    struct sink_file *out; /* borrowed */
    enum output_zeek_form form;
    int64_t open_time;
    struct zeek_shared own;     /* used by the original only */
    struct zeek_shared *shared; /* &own, or the original's for a fork */
    struct strbuf rec;          /* the record being assembled */
};

/* Zeek's fields and types, then ours. */
static const char *const zeek_fields[][2] = {
    {"ts", "time"},
    {"uid", "string"},
    {"id.orig_h", "addr"},
    {"id.orig_p", "port"},
    {"id.resp_h", "addr"},
    {"id.resp_p", "port"},
    {"proto", "enum"},
    {"service", "string"},
    {"duration", "interval"},
    {"orig_bytes", "count"},
    {"resp_bytes", "count"},
    {"conn_state", "string"},
    {"local_orig", "bool"},
    {"local_resp", "bool"},
    {"missed_bytes", "count"},
    {"history", "string"},
    {"orig_pkts", "count"},
    {"orig_ip_bytes", "count"},
    {"resp_pkts", "count"},
    {"resp_ip_bytes", "count"},
    {"tunnel_parents", "set[string]"},
    {"ip_proto", "count"},
    {"flow_id", "count"},
    {"verdict", "string"},
    {"anomalies", "set[string]"},
    {"winsock_orig", "count"},
    {"winsock_resp", "count"},
    {"hint", "string"},
};

#define ZEEK_FIELD_COUNT (sizeof(zeek_fields) / sizeof(zeek_fields[0]))

struct output_zeek *output_zeek_create(struct sink_file *out, enum output_zeek_form form,
                                       int64_t open_time)
{
    struct output_zeek *zeek = calloc(1, sizeof(*zeek));
    if (zeek == NULL)
        return NULL;
    zeek->out = out;
    zeek->form = form;
    zeek->open_time = open_time;
    strbuf_init(&zeek->rec);
    if (pthread_mutex_init(&zeek->own.lock, NULL) != 0) {
        free(zeek);
        return NULL;
    }
    zeek->shared = &zeek->own;
    return zeek;
}

struct output_zeek *output_zeek_fork(struct output_zeek *zeek)
{
    struct output_zeek *fork = calloc(1, sizeof(*fork));
    if (fork == NULL)
        return NULL;
    fork->out = zeek->out;
    fork->form = zeek->form;
    fork->open_time = zeek->open_time;
    fork->shared = zeek->shared;
    strbuf_init(&fork->rec);
    return fork;
}

void output_zeek_destroy(struct output_zeek *zeek)
{
    if (zeek == NULL)
        return;
    if (zeek->shared == &zeek->own)
        pthread_mutex_destroy(&zeek->own.lock);
    strbuf_free(&zeek->rec);
    free(zeek);
}

/* Zeek's log time stamps: local wall-clock time is what Zeek writes; UTC
 * here, so that a log reads the same wherever it was made. */
static void zeek_format_log_time(int64_t t, char *buf, size_t buf_len)
{
    utc_time_seconds(t, UTC_TIME_ZEEK, buf, buf_len);
}

/* The header lines, written whole (TSV only); under the shared lock. */
static void zeek_write_header(const struct output_zeek *zeek)
{
    if (zeek->form != OUTPUT_ZEEK_TSV)
        return;
    char open[32];
    zeek_format_log_time(zeek->open_time, open, sizeof(open));
    struct strbuf h;
    strbuf_init(&h);
    strbuf_appendf(&h,
                   "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
                   "#path\tconn\n#open\t%s\n#fields",
                   open);
    for (size_t i = 0; i < ZEEK_FIELD_COUNT; i++)
        strbuf_appendf(&h, "\t%s", zeek_fields[i][0]);
    strbuf_puts(&h, "\n#types");
    for (size_t i = 0; i < ZEEK_FIELD_COUNT; i++)
        strbuf_appendf(&h, "\t%s", zeek_fields[i][1]);
    strbuf_puts(&h, "\n");
    if (!strbuf_is_short(&h))
        sink_file_write(zeek->out, h.data, h.len);
    strbuf_free(&h);
}

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t zeek_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t zeek_mix_bytes(uint64_t h, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = zeek_mix(h ^ p[i]);
    return h;
}

void output_zeek_uid(const struct tv_verdict *v, char uid[OUTPUT_ZEEK_UID_LEN])
{
    uint64_t h = zeek_mix(v->flow_id);
    h = zeek_mix(h ^ (uint64_t)v->first_us);
    h = zeek_mix_bytes(h, v->orig.addr, sizeof(v->orig.addr));
    h = zeek_mix_bytes(h, v->resp.addr, sizeof(v->resp.addr));
    h = zeek_mix(h ^ ((uint64_t)v->orig.port << 16 | v->resp.port));
    /* 96 bits in all, as Zeek's: three 32-bit limbs, most significant
     * first, divided by 62 once per digit. */
    uint64_t h2 = zeek_mix(h);
    uint32_t limb[3] = {(uint32_t)h2, (uint32_t)(h >> 32), (uint32_t)h};
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uid[0] = 'C';
    for (size_t i = OUTPUT_ZEEK_UID_LEN - 2; i >= 1; i--) {
        uint64_t rem = 0;
        for (size_t l = 0; l < 3; l++) {
            uint64_t cur = rem << 32 | limb[l];
            limb[l] = (uint32_t)(cur / 62);
            rem = cur % 62;
        }
        uid[i] = digits[rem];
    }
    uid[OUTPUT_ZEEK_UID_LEN - 1] = '\0';
}

struct zeek_net {
    uint8_t family;
    uint8_t prefix_len;
    uint8_t addr[16];
};

/* Private and special-purpose address space (IANA's registries), which
 * Zeek takes as local by default (Site::private_address_space_is_local). */
static const struct zeek_net zeek_local_nets[] = {
    {4, 8, {0}},
    {4, 8, {10}},
    {4, 10, {100, 64}},
    {4, 8, {127}},
    {4, 16, {169, 254}},
    {4, 12, {172, 16}},
    {4, 24, {192, 0, 0}},
    {4, 24, {192, 0, 2}},
    {4, 16, {192, 168}},
    {4, 15, {198, 18}},
    {4, 24, {198, 51, 100}},
    {4, 24, {203, 0, 113}},
    {4, 24, {224, 0, 0}},
    {4, 4, {240}},
    {6, 128, {0}},
    {6, 128, {[15] = 1}},
    {6, 48, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}},
    {6, 64, {0x01, 0x00}},
    {6, 32, {0x20, 0x01, 0x0d, 0xb8}},
    {6, 7, {0xfc}},
    {6, 10, {0xfe, 0x80}},
};

static bool zeek_in_net(const struct zeek_net *net, const uint8_t *addr)
{
    size_t full = net->prefix_len / 8;
    if (memcmp(net->addr, addr, full) != 0)
        return false;
    size_t rest = net->prefix_len % 8;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (addr[full] & mask) == (net->addr[full] & mask);
}

bool output_zeek_is_local(uint8_t family, const uint8_t *addr)
{
    for (size_t i = 0; i < sizeof(zeek_local_nets) / sizeof(zeek_local_nets[0]); i++)
        if (zeek_local_nets[i].family == family && zeek_in_net(&zeek_local_nets[i], addr))
            return true;
    return false;
}

static void zeek_format_addr(const struct tv_endpoint_report *ep, char *buf, size_t buf_len)
{
    if (inet_ntop(ep->family == 6 ? AF_INET6 : AF_INET, ep->addr, buf, (socklen_t)buf_len) == NULL)
        snprintf(buf, buf_len, "-");
}

/* A time as Zeek writes it: seconds, six decimals. */
static void zeek_format_time(int64_t us, char *buf, size_t buf_len)
{
    int64_t sec = us / 1000000;
    int64_t frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        sec--;
    }
    snprintf(buf, buf_len, "%" PRId64 ".%06" PRId64, sec, frac);
}

/* A string field in TSV: Zeek escapes the separator, backslash and what
 * is not printable as \xNN (and, inside a set, the set separator); an
 * empty string is the empty field. */
static void zeek_put_tsv_string(struct strbuf *b, const char *s, bool is_in_set)
{
    if (s == NULL) {
        strbuf_puts(b, "-");
        return;
    }
    if (s[0] == '\0') {
        strbuf_puts(b, "(empty)");
        return;
    }
    if (strcmp(s, "-") == 0) {
        strbuf_puts(b, "\\x2d");
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\' || (is_in_set && *p == ','))
            strbuf_appendf(b, "\\x%02x", *p);
        else
            strbuf_append(b, (const char *)p, 1);
    }
}

/* The facts of one record, in the fields' order, each as text or NULL
 * (unset); strings are quoted for JSON by their kind. */
enum zeek_kind { ZEEK_NUM, ZEEK_STR, ZEEK_BOOL, ZEEK_SET };

static bool zeek_has_gap(const char *history)
{
    return history != NULL && (strchr(history, 'g') != NULL || strchr(history, 'G') != NULL);
}

static void zeek_sep(struct output_zeek *zeek, size_t *i)
{
    if (*i > 0)
        strbuf_puts(&zeek->rec, zeek->form == OUTPUT_ZEEK_TSV ? "\t" : ",");
    (*i)++;
}

/* One field: in TSV always written ("-" when unset), in JSON left out
 * when unset. `text` is the value as written in TSV (escaped by kind). */
static void zeek_field(struct output_zeek *zeek, size_t *i, size_t field, enum zeek_kind kind,
                       const char *text)
{
    struct strbuf *b = &zeek->rec;
    if (zeek->form == OUTPUT_ZEEK_TSV) {
        zeek_sep(zeek, i);
        if (text == NULL)
            strbuf_puts(b, "-");
        else if (kind == ZEEK_STR)
            zeek_put_tsv_string(b, text, false);
        else if (kind == ZEEK_BOOL)
            strbuf_puts(b, strcmp(text, "true") == 0 ? "T" : "F");
        else
            strbuf_puts(b, text);
        return;
    }
    if (text == NULL)
        return;
    zeek_sep(zeek, i);
    strbuf_put_json(b, zeek_fields[field][0]);
    strbuf_puts(b, ":");
    if (kind == ZEEK_STR)
        strbuf_put_json(b, text);
    else
        strbuf_puts(b, text);
}

static void zeek_u64(char *buf, size_t len, uint64_t n)
{
    snprintf(buf, len, "%" PRIu64, n);
}

/* The anomaly codes, as Zeek writes a set: "a,b" in TSV, ["a","b"] in
 * JSON; "(empty)" and [] for none. */
static void zeek_anomaly_set(const struct output_zeek *zeek, const struct tv_verdict *v,
                             struct strbuf *out)
{
    if (zeek->form == OUTPUT_ZEEK_TSV) {
        if (v->anomaly_count == 0)
            strbuf_puts(out, "(empty)");
        for (size_t a = 0; a < v->anomaly_count; a++) {
            if (a > 0)
                strbuf_puts(out, ",");
            zeek_put_tsv_string(out, v->anomalies[a].code != NULL ? v->anomalies[a].code : "?",
                                true);
        }
        return;
    }
    strbuf_puts(out, "[");
    for (size_t a = 0; a < v->anomaly_count; a++) {
        if (a > 0)
            strbuf_puts(out, ",");
        strbuf_put_json(out, v->anomalies[a].code != NULL ? v->anomalies[a].code : "?");
    }
    strbuf_puts(out, "]");
}

static void zeek_record(struct output_zeek *zeek, const struct tv_verdict *v)
{
    char ts[32], uid[OUTPUT_ZEEK_UID_LEN], orig_h[INET6_ADDRSTRLEN], resp_h[INET6_ADDRSTRLEN];
    char orig_p[8], resp_p[8], duration[32], orig_bytes[24], resp_bytes[24];
    char orig_pkts[24], resp_pkts[24], flow_id[24], ws_orig[16], ws_resp[16];
    zeek_format_time(v->first_us, ts, sizeof(ts));
    output_zeek_uid(v, uid);
    zeek_format_addr(&v->orig, orig_h, sizeof(orig_h));
    zeek_format_addr(&v->resp, resp_h, sizeof(resp_h));
    snprintf(orig_p, sizeof(orig_p), "%u", (unsigned)v->orig.port);
    snprintf(resp_p, sizeof(resp_p), "%u", (unsigned)v->resp.port);
    /* Zeek sets duration and bytes only for a connection that lasted. */
    bool has_duration = v->last_us > v->first_us;
    zeek_format_time(v->last_us - v->first_us, duration, sizeof(duration));
    zeek_u64(orig_bytes, sizeof(orig_bytes), v->orig.bytes);
    zeek_u64(resp_bytes, sizeof(resp_bytes), v->resp.bytes);
    zeek_u64(orig_pkts, sizeof(orig_pkts), v->orig.pkts);
    zeek_u64(resp_pkts, sizeof(resp_pkts), v->resp.pkts);
    zeek_u64(flow_id, sizeof(flow_id), v->flow_id);
    snprintf(ws_orig, sizeof(ws_orig), "%d", (int)v->orig.winsock);
    snprintf(ws_resp, sizeof(ws_resp), "%d", (int)v->resp.winsock);
    struct strbuf set;
    strbuf_init(&set);
    zeek_anomaly_set(zeek, v, &set);
    if (strbuf_is_short(&set))
        zeek->rec.is_short = true;

    size_t i = 0;
    size_t f = 0;
    if (zeek->form == OUTPUT_ZEEK_JSON)
        strbuf_puts(&zeek->rec, "{");
    zeek_field(zeek, &i, f++, ZEEK_NUM, ts);
    zeek_field(zeek, &i, f++, ZEEK_STR, uid);
    zeek_field(zeek, &i, f++, ZEEK_STR, orig_h);
    zeek_field(zeek, &i, f++, ZEEK_NUM, orig_p);
    zeek_field(zeek, &i, f++, ZEEK_STR, resp_h);
    zeek_field(zeek, &i, f++, ZEEK_NUM, resp_p);
    zeek_field(zeek, &i, f++, ZEEK_STR, "tcp");
    zeek_field(zeek, &i, f++, ZEEK_STR, v->service);
    zeek_field(zeek, &i, f++, ZEEK_NUM, has_duration ? duration : NULL);
    zeek_field(zeek, &i, f++, ZEEK_NUM, has_duration ? orig_bytes : NULL);
    zeek_field(zeek, &i, f++, ZEEK_NUM, has_duration ? resp_bytes : NULL);
    zeek_field(zeek, &i, f++, ZEEK_STR, v->conn_state);
    zeek_field(zeek, &i, f++, ZEEK_BOOL,
               output_zeek_is_local(v->orig.family, v->orig.addr) ? "true" : "false");
    zeek_field(zeek, &i, f++, ZEEK_BOOL,
               output_zeek_is_local(v->resp.family, v->resp.addr) ? "true" : "false");
    zeek_field(zeek, &i, f++, ZEEK_NUM, zeek_has_gap(v->history) ? NULL : "0");
    zeek_field(zeek, &i, f++, ZEEK_STR, v->history);
    zeek_field(zeek, &i, f++, ZEEK_NUM, orig_pkts);
    zeek_field(zeek, &i, f++, ZEEK_NUM, NULL); /* orig_ip_bytes: not measured */
    zeek_field(zeek, &i, f++, ZEEK_NUM, resp_pkts);
    zeek_field(zeek, &i, f++, ZEEK_NUM, NULL); /* resp_ip_bytes: not measured */
    zeek_field(zeek, &i, f++, ZEEK_SET, NULL); /* tunnel_parents: no tunnel uids */
    zeek_field(zeek, &i, f++, ZEEK_NUM, "6");
    zeek_field(zeek, &i, f++, ZEEK_NUM, flow_id);
    zeek_field(zeek, &i, f++, ZEEK_STR, tv_level_name(v->level));
    zeek_field(zeek, &i, f++, ZEEK_SET, set.data != NULL ? set.data : "");
    zeek_field(zeek, &i, f++, ZEEK_NUM, v->orig.winsock != TV_WINSOCK_NONE ? ws_orig : NULL);
    zeek_field(zeek, &i, f++, ZEEK_NUM, v->resp.winsock != TV_WINSOCK_NONE ? ws_resp : NULL);
    zeek_field(zeek, &i, f++, ZEEK_STR, v->hint);
    strbuf_puts(&zeek->rec, zeek->form == OUTPUT_ZEEK_JSON ? "}\n" : "\n");
    strbuf_free(&set);
}

void output_zeek_write_flow(struct output_zeek *zeek, const char *bytes, size_t len)
{
    pthread_mutex_lock(&zeek->shared->lock);
    if (!zeek->shared->wrote_header) {
        zeek_write_header(zeek);
        zeek->shared->wrote_header = true;
    }
    sink_file_write(zeek->out, bytes, len);
    pthread_mutex_unlock(&zeek->shared->lock);
}

enum output_zeek_status output_zeek_flow(struct output_zeek *zeek, const struct tv_verdict *v,
                                         const char **bytes, size_t *len)
{
    strbuf_reset(&zeek->rec);
    zeek_record(zeek, v);
    bool is_short = strbuf_is_short(&zeek->rec);
    *bytes = zeek->rec.data;
    *len = is_short ? 0 : zeek->rec.len;
    return is_short ? OUTPUT_ZEEK_ERR_NOMEM : OUTPUT_ZEEK_OK;
}

enum output_zeek_status output_zeek_close(struct output_zeek *zeek, int64_t close_time)
{
    strbuf_reset(&zeek->rec);
    if (zeek->form == OUTPUT_ZEEK_TSV) {
        char close[32];
        zeek_format_log_time(close_time, close, sizeof(close));
        strbuf_appendf(&zeek->rec, "#close\t%s\n", close);
    }
    bool is_short = strbuf_is_short(&zeek->rec);
    /* The header too, if no flow wrote it. */
    output_zeek_write_flow(zeek, zeek->rec.data != NULL ? zeek->rec.data : "",
                           is_short ? 0 : zeek->rec.len);
    strbuf_reset(&zeek->rec);
    return is_short ? OUTPUT_ZEEK_ERR_NOMEM : OUTPUT_ZEEK_OK;
}
