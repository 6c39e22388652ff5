/*
 * JSON lines, and the only json-c user.
 *
 * The summary is built as a tree, serialized once with
 * JSON_C_TO_STRING_PLAIN and freed with one json_object_put() on the root:
 * json_object_object_add() takes ownership of every value added. A value
 * that could not be allocated marks the whole record as failed rather than
 * silently turning into a JSON null. Flow records, one per flow and so the
 * hot path, are written directly in the same form (see output_json_flow).
 *
 * Field names and their meaning are a promise (verdicts.md): fields may be
 * added, never renamed. "Not known" is null, never 0 or "".
 *
 * Timestamps are json-c doubles carrying their own text, "%lld.%06lld"
 * from the integer microseconds, so no float formatting ever reaches the
 * output and it is byte-identical from run to run.
 *
 * Forks format into their own buffers, so worker threads format in
 * parallel; records are written whole to the sink, which serializes them.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "output_json.h"
#include "platform.h"
#include "seed_logs.h"
#include "sink_file.h"

#include "banned.h"

struct output_json {
    struct sink_file *out; /* borrowed, or NULL: the tap only */
    output_json_tap_fn tap;
    void *tap_ctx;
    char *line; /* owned: one serialized record and its newline */
    size_t line_cap;
};

/* A record being built; is_short is set by the first failed allocation. */
struct json_record {
    struct json_object *root; /* owned */
    bool is_short;
};

struct output_json *output_json_create(struct sink_file *out)
{
    struct output_json *json = calloc(1, sizeof(*json));
    if (json == NULL)
        return NULL;
    json->out = out;
    return json;
}

void output_json_set_tap(struct output_json *json, output_json_tap_fn tap, void *ctx)
{
    json->tap = tap;
    json->tap_ctx = ctx;
}

struct output_json *output_json_fork(struct output_json *json)
{
    return output_json_create(json->out);
}

void output_json_destroy(struct output_json *json)
{
    if (json == NULL)
        return;
    free(json->line);
    free(json);
}

const char *output_json_lib_version(void)
{
    return json_c_version();
}

static struct json_object *json_new_object(struct json_record *rec)
{
    struct json_object *obj = json_object_new_object();
    if (obj == NULL)
        rec->is_short = true;
    return obj;
}

/* Adds val to obj, which takes it. A NULL val is an allocation that failed;
 * nulls that mean "not known" go through json_add_null(). */
static void json_add(struct json_record *rec, struct json_object *obj, const char *key,
                     struct json_object *val)
{
    if (obj == NULL || val == NULL || json_object_object_add(obj, key, val) != 0) {
        json_object_put(val);
        rec->is_short = true;
    }
}

static void json_add_null(struct json_record *rec, struct json_object *obj, const char *key)
{
    if (obj == NULL || json_object_object_add(obj, key, NULL) != 0)
        rec->is_short = true;
}

static void json_add_u64(struct json_record *rec, struct json_object *obj, const char *key,
                         uint64_t n)
{
    json_add(rec, obj, key, json_object_new_uint64(n));
}

static void json_add_string(struct json_record *rec, struct json_object *obj, const char *key,
                            const char *s)
{
    if (s == NULL)
        json_add_null(rec, obj, key);
    else
        json_add(rec, obj, key, json_object_new_string(s));
}

/* Every record opens with its "type", the key readers dispatch on. */
static struct json_object *json_record_start(struct json_record *rec, const char *type)
{
    rec->root = json_new_object(rec);
    json_add_string(rec, rec->root, "type", type);
    return rec->root;
}

/* Serializes the record as one line and frees the tree. */
static enum output_json_status json_emit(struct output_json *json, struct json_record *rec)
{
    size_t len = 0;
    const char *text = NULL;
    if (!rec->is_short && rec->root != NULL)
        text = json_object_to_json_string_length(
            rec->root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (text != NULL && len + 1 > json->line_cap) {
        size_t cap = json->line_cap != 0 ? json->line_cap : 1024;
        while (cap < len + 1)
            cap *= 2;
        char *line = realloc(json->line, cap);
        if (line == NULL) {
            text = NULL;
        } else {
            json->line = line;
            json->line_cap = cap;
        }
    }
    if (text != NULL) {
        memcpy(json->line, text, len);
        json->line[len] = '\n';
        if (json->out != NULL)
            sink_file_write(json->out, json->line, len + 1);
        if (json->tap != NULL)
            json->tap(json->tap_ctx, json->line, len);
    }
    json_object_put(rec->root);
    rec->root = NULL;
    return text != NULL ? OUTPUT_JSON_OK : OUTPUT_JSON_ERR_NOMEM;
}

/*
 * Flow records, the hot path, are written directly into the line buffer:
 * building a json-c tree costs an allocation per value, several times the
 * cost of analysing the flow. The text is the same as json-c's
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE would give (the
 * golden tests hold it to that), strings escaped as json-c escapes them.
 */
struct line {
    struct output_json *json;
    size_t len;
    bool is_short; /* an allocation failed: the record is not written */
};

static void line_reserve(struct line *l, size_t more)
{
    struct output_json *json = l->json;
    if (l->is_short || l->len + more <= json->line_cap)
        return;
    size_t cap = json->line_cap != 0 ? json->line_cap : 1024;
    while (cap < l->len + more)
        cap *= 2;
    char *buf = realloc(json->line, cap);
    if (buf == NULL) {
        l->is_short = true;
        return;
    }
    json->line = buf;
    json->line_cap = cap;
}

static inline void line_put(struct line *l, const char *text, size_t n)
{
    if (l->len + n > l->json->line_cap) {
        line_reserve(l, n);
        if (l->is_short)
            return;
    }
    memcpy(l->json->line + l->len, text, n);
    l->len += n;
}

static void line_str(struct line *l, const char *text)
{
    line_put(l, text, strlen(text));
}

static void line_u64(struct line *l, uint64_t n)
{
    char digits[20];
    size_t i = sizeof(digits);
    do {
        digits[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    line_put(l, digits + i, sizeof(digits) - i);
}

/* A JSON string: quotes, backslash and control characters escaped. */
static void line_quoted(struct line *l, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    line_put(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        /* Names and codes are plain: copy each run of safe bytes at once. */
        size_t run = 0;
        while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > 0) {
            line_put(l, (const char *)p, run);
            p += run - 1;
            continue;
        }
        char esc[6];
        switch (*p) {
        case '"':
            line_put(l, "\\\"", 2);
            break;
        case '\\':
            line_put(l, "\\\\", 2);
            break;
        case '\b':
            line_put(l, "\\b", 2);
            break;
        case '\f':
            line_put(l, "\\f", 2);
            break;
        case '\n':
            line_put(l, "\\n", 2);
            break;
        case '\r':
            line_put(l, "\\r", 2);
            break;
        case '\t':
            line_put(l, "\\t", 2);
            break;
        default: /* another control character */
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 0xf];
            line_put(l, esc, sizeof(esc));
            break;
        }
    }
    line_put(l, "\"", 1);
}

/* "key": with the separator that precedes every key but an object's first. */
static void line_key(struct line *l, const char *key, bool is_first)
{
    if (!is_first)
        line_put(l, ",", 1);
    line_put(l, "\"", 1);
    line_str(l, key);
    line_put(l, "\":", 2);
}

static void line_string_or_null(struct line *l, const char *text)
{
    if (text == NULL)
        line_put(l, "null", 4);
    else
        line_quoted(l, text);
}

static void line_ts(struct line *l, int64_t ts_us)
{
    /* Magnitude in unsigned arithmetic, so INT64_MIN does not overflow. */
    uint64_t mag_us = ts_us < 0 ? 0 - (uint64_t)ts_us : (uint64_t)ts_us;
    if (ts_us < 0)
        line_put(l, "-", 1);
    line_u64(l, mag_us / 1000000);
    char frac[7];
    uint64_t us = mag_us % 1000000;
    for (int i = 5; i >= 0; i--) {
        frac[1 + i] = (char)('0' + us % 10);
        us /= 10;
    }
    frac[0] = '.';
    line_put(l, frac, sizeof(frac));
}

/* An address as a JSON string. IPv4 is written here: inet_ntop formats it
 * through printf, which costs more than the rest of the record. */
static void line_addr(struct line *l, uint8_t family, const uint8_t *addr)
{
    if (family != 6) {
        line_put(l, "\"", 1);
        for (int i = 0; i < 4; i++) {
            if (i > 0)
                line_put(l, ".", 1);
            line_u64(l, addr[i]);
        }
        line_put(l, "\"", 1);
        return;
    }
    char text[INET6_ADDRSTRLEN] = "";
    if (inet_ntop(AF_INET6, addr, text, sizeof(text)) == NULL)
        text[0] = '\0';
    line_quoted(l, text);
}

/* A Winsock error code, null for none. */
static void line_winsock(struct line *l, enum tv_winsock code)
{
    if (code == TV_WINSOCK_NONE)
        line_put(l, "null", 4);
    else
        line_u64(l, (uint64_t)code);
}

static void line_endpoint(struct line *l, const char *key, const struct tv_endpoint_report *ep)
{
    line_key(l, key, false);
    line_put(l, "{", 1);
    line_key(l, "addr", true);
    line_addr(l, ep->family, ep->addr);
    line_key(l, "port", false);
    line_u64(l, ep->port);
    line_key(l, "pkts", false);
    line_u64(l, ep->pkts);
    line_key(l, "bytes", false);
    line_u64(l, ep->bytes);
    line_key(l, "winsock", false);
    line_winsock(l, ep->winsock);
    line_key(l, "role", false);
    line_string_or_null(l, ep->role);
    line_put(l, "}", 1);
}

static void line_anomalies(struct line *l, const struct tv_verdict *v)
{
    line_key(l, "anomalies", false);
    line_put(l, "[", 1);
    for (size_t i = 0; i < v->anomaly_count; i++) {
        const struct tv_anomaly_report *a = &v->anomalies[i];
        if (i != 0)
            line_put(l, ",", 1);
        line_put(l, "{", 1);
        line_key(l, "code", true);
        line_quoted(l, a->code);
        line_key(l, "dir", false);
        line_str(l, a->from_orig ? "\"orig\"" : "\"resp\"");
        line_key(l, "count", false);
        line_u64(l, a->count);
        line_key(l, "first_pkt", false);
        line_u64(l, a->first_pkt);
        line_key(l, "first_ts", false);
        line_ts(l, a->first_us);
        line_put(l, "}", 1);
    }
    line_put(l, "]", 1);
}

/* Added to the contract: where the flow was found. "vlan" and "inner_vlan"
 * as Zeek logs them; "tunnels", outermost first, each with the outer
 * addresses its first packet carried (Zeek's tunnel_parents names the
 * tunnels' connections instead). All null when the location was lost. */
static void line_location(struct line *l, const struct tv_verdict *v)
{
    const struct tv_location *loc = v->location;
    uint8_t vlans = loc != NULL ? loc->vlan_count : 0;
    line_key(l, "vlan", false);
    if (vlans > 0)
        line_u64(l, loc->vlan[0]);
    else
        line_put(l, "null", 4);
    line_key(l, "inner_vlan", false);
    if (vlans > 1)
        line_u64(l, loc->vlan[1]);
    else
        line_put(l, "null", 4);
    line_key(l, "tunnels", false);
    if (v->is_location_lost) {
        line_put(l, "null", 4);
        return;
    }
    line_put(l, "[", 1);
    for (unsigned i = 0; loc != NULL && i < loc->tunnel_count; i++) {
        const struct tv_tunnel *t = &loc->tunnels[i];
        if (i != 0)
            line_put(l, ",", 1);
        line_put(l, "{", 1);
        line_key(l, "kind", true);
        line_quoted(l, tv_tunnel_kind_name(t->kind));
        line_key(l, "src", false);
        line_addr(l, t->family, t->src);
        line_key(l, "dst", false);
        line_addr(l, t->family, t->dst);
        line_put(l, "}", 1);
    }
    line_put(l, "]", 1);
}

/* --compare: milliseconds, to the microsecond. */
static void line_ms(struct line *l, double ms)
{
    char text[48];
    int n = snprintf(text, sizeof(text), "%.3f", ms);
    if (n > 0 && (size_t)n < sizeof(text))
        line_put(l, text, (size_t)n);
    else
        line_put(l, "null", 4);
}

static void line_point(struct line *l, enum tv_point point)
{
    const char *name = tv_point_name(point);
    if (name == NULL)
        line_put(l, "null", 4);
    else
        line_quoted(l, name);
}

/* {"orig": N, "resp": N} */
static void line_both_u64(struct line *l, const char *key, const uint64_t n[2])
{
    line_key(l, key, false);
    line_put(l, "{", 1);
    line_key(l, "orig", true);
    line_u64(l, n[0]);
    line_key(l, "resp", false);
    line_u64(l, n[1]);
    line_put(l, "}", 1);
}

static void line_both_bool(struct line *l, const char *key, const bool b[2])
{
    line_key(l, key, false);
    line_put(l, "{", 1);
    line_key(l, "orig", true);
    line_str(l, b[0] ? "true" : "false");
    line_key(l, "resp", false);
    line_str(l, b[1] ? "true" : "false");
    line_put(l, "}", 1);
}

/* The first segment of a kind: its number at each point (null where it
 * was not seen), and when the point nearer its sender saw it. */
static void line_path_packets(struct line *l, const char *key, const uint64_t count[2],
                              const struct tv_path_packet first[2])
{
    line_key(l, key, false);
    line_put(l, "{", 1);
    for (int d = 0; d < 2; d++) {
        line_key(l, d == 0 ? "orig" : "resp", d == 0);
        if (count[d] == 0) {
            line_put(l, "null", 4);
            continue;
        }
        const struct tv_path_packet *p = &first[d];
        line_put(l, "{", 1);
        line_key(l, "first_pkt", true);
        if (p->has[0])
            line_u64(l, p->pkt[0]);
        else
            line_put(l, "null", 4);
        line_key(l, "second_pkt", false);
        if (p->has[1])
            line_u64(l, p->pkt[1]);
        else
            line_put(l, "null", 4);
        line_key(l, "ts", false);
        line_ts(l, p->first_us);
        line_put(l, "}", 1);
    }
    line_put(l, "}", 1);
}

/* What the path rewrote, per direction; null where nothing was. */
static void line_path_changed(struct line *l, const struct tv_path *p)
{
    line_key(l, "changed", false);
    line_put(l, "{", 1);
    line_key(l, "hops", true);
    line_put(l, "{", 1);
    for (int d = 0; d < 2; d++) {
        line_key(l, d == 0 ? "orig" : "resp", d == 0);
        if (!p->has_hops[d]) {
            line_put(l, "null", 4);
        } else if (p->hops[d] < 0) {
            line_put(l, "-", 1);
            line_u64(l, (uint64_t)(-(int64_t)p->hops[d]));
        } else {
            line_u64(l, (uint64_t)p->hops[d]);
        }
    }
    line_put(l, "}", 1);
    line_key(l, "mss", false);
    line_put(l, "{", 1);
    for (int d = 0; d < 2; d++) {
        line_key(l, d == 0 ? "orig" : "resp", d == 0);
        if (p->mss_from[d] == p->mss_to[d]) {
            line_put(l, "null", 4);
            continue;
        }
        line_put(l, "{", 1);
        line_key(l, "from", true);
        line_u64(l, p->mss_from[d]);
        line_key(l, "to", false);
        line_u64(l, p->mss_to[d]);
        line_put(l, "}", 1);
    }
    line_put(l, "}", 1);
    line_both_bool(l, "wscale_stripped", p->is_wscale_stripped);
    line_both_bool(l, "sack_permitted_stripped", p->is_sack_permitted_stripped);
    line_both_bool(l, "timestamps_stripped", p->is_timestamp_stripped);
    line_both_u64(l, "timestamps_rewritten", p->timestamp_rewritten);
    line_key(l, "seq_offset", false);
    line_put(l, "{", 1);
    for (int d = 0; d < 2; d++) {
        line_key(l, d == 0 ? "orig" : "resp", d == 0);
        if (p->has_seq_offset[d])
            line_u64(l, p->seq_offset[d]);
        else
            line_put(l, "null", 4);
    }
    line_put(l, "}", 1);
    line_key(l, "dscp", false);
    line_put(l, "{", 1);
    for (int d = 0; d < 2; d++) {
        line_key(l, d == 0 ? "orig" : "resp", d == 0);
        if (p->dscp_changed[d] == 0) {
            line_put(l, "null", 4);
            continue;
        }
        line_put(l, "{", 1);
        line_key(l, "count", true);
        line_u64(l, p->dscp_changed[d]);
        line_key(l, "from", false);
        line_u64(l, p->dscp_from[d]);
        line_key(l, "to", false);
        line_u64(l, p->dscp_to[d]);
        line_put(l, "}", 1);
    }
    line_put(l, "}", 1);
    line_key(l, "translated", false);
    line_put(l, "{", 1);
    for (int d = 0; d < 2; d++) {
        line_key(l, d == 0 ? "orig" : "resp", d == 0);
        if (!p->is_translated[d]) {
            line_put(l, "null", 4);
            continue;
        }
        line_put(l, "{", 1);
        line_key(l, "addr", true);
        line_addr(l, p->peer_family, p->peer_addr[d]);
        line_key(l, "port", false);
        line_u64(l, p->peer_port[d]);
        line_put(l, "}", 1);
    }
    line_put(l, "}", 1);
    line_put(l, "}", 1);
}

/* Added to the contract, with --compare: what the path between the two
 * capture points did to the flow. */
static void line_path(struct line *l, const struct tv_path *p)
{
    line_key(l, "path", false);
    line_put(l, "{", 1);
    line_key(l, "seen_at", true);
    line_quoted(l, p->seen_at == TV_POINT_NONE ? "both" : tv_point_name(p->seen_at));
    line_key(l, "near_orig", false);
    line_point(l, p->near_orig);
    line_key(l, "placed_by", false);
    line_string_or_null(l, p->placed_by);
    line_key(l, "paired_by", false);
    line_string_or_null(l, p->paired_by);
    line_key(l, "flow_id_at", false);
    line_put(l, "{", 1);
    for (int pt = 0; pt < 2; pt++) {
        line_key(l, pt == 0 ? "first" : "second", pt == 0);
        if (p->has_flow_id_at[pt])
            line_u64(l, p->flow_id_at[pt]);
        else
            line_put(l, "null", 4);
    }
    line_put(l, "}", 1);
    line_key(l, "complete", false);
    line_str(l, p->is_complete ? "true" : "false");
    line_both_u64(l, "dropped", p->dropped);
    line_path_packets(l, "dropped_first", p->dropped, p->dropped_first);
    line_both_u64(l, "dropped_after_rst", p->dropped_after_rst);
    line_both_u64(l, "injected", p->injected);
    line_path_packets(l, "injected_first", p->injected, p->injected_first);
    line_both_u64(l, "injected_rst", p->injected_rst);
    line_both_u64(l, "unverified", p->unverified);
    line_path_changed(l, p);
    line_key(l, "delay_ms", false);
    line_put(l, "{", 1);
    for (int d = 0; d < 2; d++) {
        line_key(l, d == 0 ? "orig" : "resp", d == 0);
        if (!p->has_delay[d]) {
            line_put(l, "null", 4);
            continue;
        }
        line_put(l, "{", 1);
        line_key(l, "median", true);
        line_ms(l, p->delay_median_ms[d]);
        line_key(l, "max", false);
        line_ms(l, p->delay_max_ms[d]);
        line_put(l, "}", 1);
    }
    line_put(l, "}", 1);
    line_key(l, "clock_offset_ms", false);
    if (p->has_clock_offset)
        line_ms(l, p->clock_offset_ms);
    else
        line_put(l, "null", 4);
    line_key(l, "offload_suspect_host", false);
    if (p->is_offload_suspect)
        line_addr(l, p->host_family, p->host_addr);
    else
        line_put(l, "null", 4);
    line_put(l, "}", 1);
}

/* Added to the contract: the lines the systems in the path would most
 * likely have logged (seed_logs.c), [] when none. "name", "text" and
 * "network_error" are null where the system has none; "likely" marks a
 * line inferred from the wire event rather than documented for it. */
static void line_logs(struct line *l, const struct tv_verdict *v)
{
    struct seed_log logs[SEED_LOGS_CAP];
    size_t n = seed_logs_build(v, logs);
    line_key(l, "logs", false);
    line_put(l, "[", 1);
    for (size_t i = 0; i < n; i++) {
        const struct seed_log *s = &logs[i];
        if (i != 0)
            line_put(l, ",", 1);
        line_put(l, "{", 1);
        line_key(l, "system", true);
        line_quoted(l, s->info->system);
        line_key(l, "code", false);
        line_quoted(l, s->info->code);
        line_key(l, "name", false);
        line_string_or_null(l, s->info->name);
        line_key(l, "count", false);
        line_u64(l, s->count);
        line_key(l, "network_error", false);
        line_winsock(l, s->network_error);
        line_key(l, "text", false);
        line_string_or_null(l, s->info->text);
        line_key(l, "likely", false);
        line_str(l, s->info->is_likely ? "true" : "false");
        line_put(l, "}", 1);
    }
    line_put(l, "]", 1);
}

enum output_json_status output_json_flow(struct output_json *json, const struct tv_verdict *v,
                                         const char **bytes, size_t *len)
{
    struct line l = {json, 0, false};
    line_put(&l, "{", 1);
    line_key(&l, "type", true);
    line_str(&l, "\"flow\"");
    line_key(&l, "flow_id", false);
    line_u64(&l, v->flow_id);
    line_key(&l, "ts_first", false);
    line_ts(&l, v->first_us);
    line_key(&l, "ts_last", false);
    line_ts(&l, v->last_us);
    line_endpoint(&l, "orig", &v->orig);
    line_endpoint(&l, "resp", &v->resp);
    line_key(&l, "service", false);
    line_string_or_null(&l, v->service);
    line_key(&l, "conn_state", false);
    line_quoted(&l, v->conn_state);
    line_key(&l, "history", false);
    line_quoted(&l, v->history);
    line_key(&l, "end", false);
    line_quoted(&l, tv_end_name(v->end));
    line_key(&l, "verdict", false);
    line_quoted(&l, tv_level_name(v->level));
    line_anomalies(&l, v);
    line_key(&l, "firewall", false);
    line_put(&l, "{", 1);
    line_key(&l, "strict_drops", true);
    line_u64(&l, v->strict_drops);
    line_key(&l, "loose_drops", false);
    line_u64(&l, v->loose_drops);
    line_put(&l, "}", 1);
    line_key(&l, "attempt", false);
    line_u64(&l, v->attempt);
    line_key(&l, "hint", false);
    line_string_or_null(&l, v->hint);
    /* Added to the contract, on flows captured by NFLOG with a prefix. */
    if (v->nflog_prefix != NULL) {
        line_key(&l, "nflog", false);
        line_put(&l, "{", 1);
        line_key(&l, "group", true);
        line_u64(&l, v->nflog_group);
        line_key(&l, "prefix", false);
        line_quoted(&l, v->nflog_prefix);
        line_put(&l, "}", 1);
    }
    /* Added to the contract: an interim record of a flow that goes on. */
    line_key(&l, "interim", false);
    line_str(&l, v->interim ? "true" : "false");
    line_location(&l, v);
    line_logs(&l, v);
    if (v->path != NULL)
        line_path(&l, v->path);
    line_put(&l, "}\n", 2);
    if (l.is_short)
        return OUTPUT_JSON_ERR_NOMEM;
    *bytes = json->line;
    *len = l.len;
    return OUTPUT_JSON_OK;
}

/* Decode outcomes: "ok", then every other status under "skipped" (normal
 * traffic that is not ours) or "errors" (malformed), all keys present so
 * that consumers need no defaults. */
static void json_add_both(struct json_record *rec, struct json_object *obj, const char *key,
                          const uint64_t n[2])
{
    struct json_object *both = json_new_object(rec);
    json_add_u64(rec, both, "orig", n[0]);
    json_add_u64(rec, both, "resp", n[1]);
    json_add(rec, obj, key, both);
}

/* Added to the contract, with --compare: the second point's input (the
 * counts above are the first's) and what pairing the flows found. */
static void json_add_compare(struct json_record *rec, struct json_object *root,
                             const struct summary_compare *c)
{
    struct json_object *cmp = json_new_object(rec);
    json_add_u64(rec, cmp, "inputs", c->inputs);
    json_add_u64(rec, cmp, "packets", c->packets);
    json_add_u64(rec, cmp, "tcp_packets", c->tcp_packets);
    json_add_u64(rec, cmp, "flows", c->flows);
    json_add_u64(rec, cmp, "flows_both", c->flows_both);
    json_add_u64(rec, cmp, "flows_first_only", c->flows_first_only);
    json_add_u64(rec, cmp, "flows_second_only", c->flows_second_only);
    json_add_u64(rec, cmp, "flows_not_compared", c->flows_not_compared);
    json_add_both(rec, cmp, "dropped", c->dropped);
    json_add_both(rec, cmp, "injected", c->injected);
    json_add_both(rec, cmp, "unverified", c->unverified);
    if (c->has_clock_offset) {
        struct json_object *off = json_object_new_double(c->clock_offset_ms);
        struct json_object *drift = json_object_new_double(c->clock_drift_ppm);
        json_add(rec, cmp, "clock_offset_ms", off);
        json_add(rec, cmp, "clock_drift_ppm", drift);
    } else {
        json_add_null(rec, cmp, "clock_offset_ms");
        json_add_null(rec, cmp, "clock_drift_ppm");
    }
    json_add(rec, root, "compare", cmp);
}

static void json_add_decode(struct json_record *rec, struct json_object *root,
                            const struct tv_stats *st)
{
    struct json_object *decode = json_new_object(rec);
    struct json_object *skipped = json_new_object(rec);
    struct json_object *errors = json_new_object(rec);
    uint64_t error_count = 0;

    json_add_u64(rec, decode, "ok", st->decode[TV_DECODE_OK]);
    for (int s = 0; s < TV_DECODE_STATUS_COUNT; s++) {
        enum tv_decode_status status = (enum tv_decode_status)s;
        if (status == TV_DECODE_OK)
            continue;
        bool is_error = tv_decode_status_is_error(status);
        if (is_error)
            error_count += st->decode[s];
        json_add_u64(rec, is_error ? errors : skipped, tv_decode_status_name(status),
                     st->decode[s]);
    }
    json_add(rec, decode, "skipped", skipped);
    json_add(rec, decode, "errors", errors);
    json_add(rec, root, "decode", decode);
    json_add_u64(rec, root, "decode_errors", error_count);
}

/* Added to the contract: the file formats read (inputs of each, and how
 * many were compressed), packets by link type, and the packets that could
 * not be analysed at all, by cause. */
static void json_add_input(struct json_record *rec, struct json_object *root,
                           const struct tv_stats *st, const struct capture_stats *capture)
{
    struct json_object *formats = json_new_object(rec);
    for (int f = 0; f < READER_FORMAT_COUNT; f++)
        json_add_u64(rec, formats, reader_format_key((enum reader_format)f),
                     capture->inputs_by_format[f]);
    json_add_u64(rec, formats, "gzip", capture->inputs_gzip);
    json_add_u64(rec, formats, "zstd", capture->inputs_zstd);
    json_add(rec, root, "formats", formats);

    struct json_object *linktypes = json_new_object(rec);
    for (size_t i = 0; i < capture->linktype_count; i++) {
        char name[48];
        if (capture->linktypes[i].packets == 0)
            continue; /* met, but no packet of it passed the filter */
        json_add_u64(rec, linktypes,
                     capture_linktype_name(capture->linktypes[i].linktype, name, sizeof(name)),
                     capture->linktypes[i].packets);
    }
    if (capture->other_linktype_packets > 0)
        json_add_u64(rec, linktypes, "other", capture->other_linktype_packets);
    json_add(rec, root, "link_types", linktypes);

    struct summary_unreadable u = summary_unreadable_count(st, capture->unreadable_records);
    struct json_object *unreadable = json_new_object(rec);
    json_add_u64(rec, unreadable, "packets", u.packets);
    json_add_u64(rec, unreadable, "link_type", u.link_type);
    json_add_u64(rec, unreadable, "encapsulation", u.encapsulation);
    json_add_u64(rec, unreadable, "encrypted", u.encrypted);
    json_add_u64(rec, unreadable, "block", u.block);
    json_add(rec, root, "unreadable", unreadable);
}

/* Added to the contract, with --from-redis only: the stream read and
 * what came of its entries, and each sensor's records and own counts. */
static void json_add_stream(struct json_record *rec, struct json_object *root,
                            const struct summary_stream *ss)
{
    const struct source_redis_counts *c = &ss->counts;
    struct json_object *stream = json_new_object(rec);
    json_add_string(rec, stream, "source", ss->source);
    json_add_string(rec, stream, "group", ss->group);
    json_add_string(rec, stream, "consumer", ss->consumer);
    json_add_u64(rec, stream, "entries", c->entries);
    json_add_u64(rec, stream, "records", c->records);
    json_add_u64(rec, stream, "repeats", c->repeats);
    json_add_u64(rec, stream, "redelivered", c->redelivered);
    json_add_u64(rec, stream, "claimed", c->claimed);
    json_add_u64(rec, stream, "malformed", c->malformed);
    json_add_u64(rec, stream, "trimmed", c->trimmed);
    json_add_u64(rec, stream, "unreadable", ss->unreadable);
    json_add_u64(rec, stream, "connects", c->connects);
    json_add_u64(rec, stream, "sensors_left_out", ss->sensors_left_out);
    json_add(rec, root, "stream", stream);

    struct json_object *sensors = json_object_new_array();
    if (sensors == NULL)
        rec->is_short = true;
    for (size_t i = 0; sensors != NULL && i < ss->sensor_count; i++) {
        const struct summary_sensor *s = &ss->sensors[i];
        struct json_object *item = json_new_object(rec);
        json_add_string(rec, item, "sensor", s->name);
        json_add_u64(rec, item, "summaries", s->summaries);
        json_add_u64(rec, item, "inputs", s->inputs);
        json_add_u64(rec, item, "packets", s->packets);
        json_add_u64(rec, item, "tcp_packets", s->tcp_packets);
        json_add_u64(rec, item, "flows", s->flows);
        struct json_object *by_level = json_new_object(rec);
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            json_add_u64(rec, by_level, tv_level_name((enum tv_level)l), s->flows_by_level[l]);
        json_add(rec, item, "flows_by_verdict", by_level);
        json_add_u64(rec, item, "interim", s->interim);
        if (item != NULL && json_object_array_add(sensors, item) != 0) {
            json_object_put(item);
            rec->is_short = true;
        }
    }
    json_add(rec, root, "sensors", sensors);
}

enum output_json_status output_json_summary(struct output_json *json, const struct tv_stats *st,
                                            const uint64_t *anomaly_flows,
                                            const struct capture_stats *capture,
                                            uint64_t ring_drops,
                                            const struct summary_findings *findings)
{
    struct json_record rec = {0};
    struct json_object *root = json_record_start(&rec, "summary");
    json_add_u64(&rec, root, "inputs", capture->inputs_read);
    json_add_u64(&rec, root, "packets", st->packets);
    json_add_u64(&rec, root, "tcp_packets", st->tcp_packets);
    json_add_u64(&rec, root, "flows", st->flows);

    struct json_object *by_level = json_new_object(&rec);
    for (int l = 0; l < TV_LEVEL_COUNT; l++)
        json_add_u64(&rec, by_level, tv_level_name((enum tv_level)l), st->flows_by_level[l]);
    json_add(&rec, root, "flows_by_verdict", by_level);

    struct json_object *by_end = json_new_object(&rec);
    for (int e = 0; e < TV_END_COUNT; e++)
        json_add_u64(&rec, by_end, tv_end_name((enum tv_end)e), st->flows_by_end[e]);
    json_add(&rec, root, "flows_by_end", by_end);

    struct json_object *by_anomaly = json_new_object(&rec);
    for (size_t c = 0; c < tv_anomaly_code_count(); c++)
        json_add_u64(&rec, by_anomaly, tv_anomaly_code_name(c), anomaly_flows[c]);
    json_add(&rec, root, "flows_by_anomaly", by_anomaly);

    /* Added to the contract: flows per service, by verdict, for the
     * services that had any. */
    struct json_object *by_service = json_new_object(&rec);
    for (size_t i = 0; i < findings->service_count; i++) {
        uint64_t total = 0;
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            total += findings->service_flows[i][l];
        if (total == 0)
            continue;
        struct json_object *levels = json_new_object(&rec);
        json_add_u64(&rec, levels, "flows", total);
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            json_add_u64(&rec, levels, tv_level_name((enum tv_level)l),
                         findings->service_flows[i][l]);
        json_add(&rec, by_service, findings->service_names[i], levels);
    }
    json_add(&rec, root, "flows_by_service", by_service);

    /* Added to the contract: flows by the NFLOG prefix they were logged
     * with, in the order first seen. */
    struct json_object *by_prefix = json_object_new_array();
    if (by_prefix == NULL)
        rec.is_short = true;
    for (size_t i = 0; by_prefix != NULL && i < findings->nflog_prefix_count; i++) {
        const struct tv_nflog_prefix *p = &findings->nflog_prefixes[i];
        struct json_object *item = json_new_object(&rec);
        json_add_u64(&rec, item, "group", p->group);
        json_add_string(&rec, item, "prefix", p->prefix);
        json_add_u64(&rec, item, "flows", p->flows);
        if (item != NULL && json_object_array_add(by_prefix, item) != 0) {
            json_object_put(item);
            rec.is_short = true;
        }
    }
    json_add(&rec, root, "flows_by_nflog_prefix", by_prefix);

    /* Added to the contract, with --syslog only: the remote destinations
     * and what each took when the summary was made, the summary itself
     * not counted. */
    struct json_object *outputs = NULL;
    if (findings->outlet_count > 0 && (outputs = json_object_new_array()) == NULL)
        rec.is_short = true;
    for (size_t i = 0; outputs != NULL && i < findings->outlet_count; i++) {
        const struct summary_outlet *so = &findings->outlets[i];
        struct json_object *item = json_new_object(&rec);
        json_add_string(&rec, item, "destination", so->label);
        json_add_u64(&rec, item, "records", so->counts.queued);
        json_add_u64(&rec, item, "sent", so->counts.sent);
        json_add_u64(&rec, item, "retried", so->counts.retried);
        json_add_u64(&rec, item, "spooled", so->counts.spooled);
        json_add_u64(&rec, item, "dropped_spool_full", so->counts.dropped_full);
        json_add_u64(&rec, item, "unsendable", so->counts.unsendable);
        json_add_u64(&rec, item, "refused", so->counts.dropped_fatal);
        json_add_u64(&rec, item, "waiting",
                     so->counts.queued - so->counts.sent - so->counts.dropped_full -
                         so->counts.unsendable - so->counts.dropped_fatal);
        json_add_u64(&rec, item, "connects", so->counts.connects);
        json_add_u64(&rec, item, "spool_peak_bytes", so->counts.spool_peak_bytes);
        /* Added to the contract: records put that an earlier run kept
         * (--spool-file). */
        json_add_u64(&rec, item, "restored", so->counts.restored);
        json_add_string(&rec, item, "last_error",
                        so->counts.last_error[0] != '\0' ? so->counts.last_error : NULL);
        if (item != NULL && json_object_array_add(outputs, item) != 0) {
            json_object_put(item);
            rec.is_short = true;
        }
    }
    if (outputs != NULL)
        json_add(&rec, root, "outputs", outputs);

    if (findings->stream != NULL)
        json_add_stream(&rec, root, findings->stream);

    /* Added to the contract: where the capture was taken, and how we know. */
    if (findings->has_capture_host) {
        const struct tv_capture_host *h = &findings->capture_host;
        char addr[INET6_ADDRSTRLEN] = "";
        if (inet_ntop(h->family == 6 ? AF_INET6 : AF_INET, h->addr, addr, sizeof(addr)) == NULL)
            addr[0] = '\0';
        struct json_object *host = json_new_object(&rec);
        json_add_string(&rec, host, "addr", addr);
        json_add_string(&rec, host, "how", h->stated ? "stated" : "inferred");
        json_add_u64(&rec, host, "partial_checksum_pkts", h->evidence_pkts);
        /* Added to the contract: packets the capture file marks as sent by it. */
        json_add_u64(&rec, host, "direction_pkts", h->direction_pkts);
        json_add(&rec, root, "capture_host", host);
    } else {
        json_add_null(&rec, root, "capture_host");
    }

    json_add_decode(&rec, root, st);

    struct json_object *checksums = json_new_object(&rec);
    json_add_u64(&rec, checksums, "ip_bad", st->ip_checksum_bad);
    json_add_u64(&rec, checksums, "tcp_bad", st->tcp_checksum_bad);
    json_add_u64(&rec, checksums, "tcp_unverified", st->tcp_checksum_unverified);
    json_add(&rec, root, "checksums", checksums);

    /* Added to the contract: IP fragments and what became of them. */
    struct json_object *frags = json_new_object(&rec);
    json_add_u64(&rec, frags, "seen", st->ip_fragments);
    json_add_u64(&rec, frags, "reassembled", st->ip_frag_reassembled);
    json_add_u64(&rec, frags, "timed_out", st->ip_frag_timed_out);
    json_add_u64(&rec, frags, "memcap_drops", st->ip_frag_memcap_drops);
    json_add_u64(&rec, frags, "overlaps", st->ip_frag_overlaps);
    json_add_u64(&rec, frags, "duplicates", st->ip_frag_duplicates);
    json_add_u64(&rec, frags, "malformed", st->ip_frag_malformed);
    json_add_u64(&rec, frags, "incomplete", st->ip_frag_incomplete);
    json_add(&rec, root, "ip_fragments", frags);

    json_add_u64(&rec, root, "evictions", st->evictions);
    json_add_u64(&rec, root, "refused_flows", st->refused_flows);
    json_add_u64(&rec, root, "max_concurrent_flows", st->max_concurrent_flows);
    /* Added to the contract: flows in crowded hash buckets' search trees. */
    json_add_u64(&rec, root, "bucket_tree_flows", st->bucket_tree_flows);
    /* Added to the contract: records needed when their pool was empty. */
    struct json_object *short_of = json_new_object(&rec);
    json_add_u64(&rec, short_of, "cold", st->cold_records_short);
    json_add_u64(&rec, short_of, "anomaly", st->anomaly_records_short);
    json_add_u64(&rec, short_of, "location", st->location_records_short);
    json_add(&rec, root, "records_short", short_of);
    json_add_u64(&rec, root, "input_errors", capture->input_errors);
    /* Added to the contract: the signal that stopped the reading, when one
     * did; what was read before it is all reported. */
    json_add_string(&rec, root, "stop_signal",
                    findings->stop_signal == 0         ? NULL
                    : findings->stop_signal == SIGTERM ? "SIGTERM"
                                                       : "SIGINT");
    /* Added to the contract: packets stamped far from the stream's time,
     * whether the clock followed them, and where they were. */
    json_add_u64(&rec, root, "clock_jumps", findings->clock_jumps);
    json_add_u64(&rec, root, "clock_jumps_followed", findings->clock_jumps_followed);
    struct json_object *jump_pkts = json_object_new_array();
    if (jump_pkts == NULL)
        rec.is_short = true;
    for (size_t i = 0; jump_pkts != NULL && i < findings->clock_jump_pkt_count; i++) {
        struct json_object *n = json_object_new_uint64(findings->clock_jump_pkts[i]);
        if (n == NULL || json_object_array_add(jump_pkts, n) != 0) {
            json_object_put(n);
            rec.is_short = true;
        }
    }
    json_add(&rec, root, "clock_jump_pkts", jump_pkts);
    if (findings->compare != NULL)
        json_add_compare(&rec, root, findings->compare);
    if (capture->has_kernel_drops) {
        json_add_u64(&rec, root, "kernel_drops", capture->kernel_drops);
        json_add_u64(&rec, root, "if_drops", capture->if_drops);
    } else {
        json_add_null(&rec, root, "kernel_drops");
        json_add_null(&rec, root, "if_drops");
    }
    /* Added to the contract: packets tcpverdict itself could not keep up
     * with (live only; a file is read as fast as the workers go). */
    json_add_u64(&rec, root, "ring_drops", ring_drops);
    json_add_input(&rec, root, st, capture);
    return json_emit(json, &rec);
}
