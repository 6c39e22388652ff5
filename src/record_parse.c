/*
 * Records read back into verdicts. See record_parse.h.
 *
 * The line is parsed into a json-c tree, which rp keeps until the next
 * line: the verdict's strings point into it. Timestamps are read from
 * the number's own text, as they were written ("%lld.%06lld"), so that no
 * float conversion can move them by a microsecond.
 */
#include "record_parse.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "platform.h"
#include "printf_format.h"

#include "banned.h"

struct record_parse {
    struct json_tokener *tok;
    struct json_object *root; /* owned: the last line's tree */
    struct tv_anomaly_report anomalies[RECORD_PARSE_ANOMALY_CAP];
    struct tv_location location;
    struct tv_path path;
};

/* One line's reading: the first problem found is the one said. */
struct reading {
    char *err;
    size_t err_len;
    bool is_bad;
};

static void TV_PRINTF(2, 3) bad(struct reading *r, const char *fmt, ...)
{
    if (r->is_bad)
        return;
    r->is_bad = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->err_len, fmt, ap);
    va_end(ap);
}

struct record_parse *record_parse_create(void)
{
    struct record_parse *rp = calloc(1, sizeof(*rp));
    if (rp == NULL)
        return NULL;
    rp->tok = json_tokener_new();
    if (rp->tok == NULL) {
        free(rp);
        return NULL;
    }
    return rp;
}

void record_parse_destroy(struct record_parse *rp)
{
    if (rp == NULL)
        return;
    json_object_put(rp->root);
    json_tokener_free(rp->tok);
    free(rp);
}

/* The member key of obj: *val (NULL for JSON null); false if absent, or
 * said as bad if required. */
static bool member(struct reading *r, struct json_object *obj, const char *where, const char *key,
                   bool is_required, struct json_object **val)
{
    *val = NULL;
    if (obj != NULL && json_object_object_get_ex(obj, key, val))
        return true;
    if (is_required)
        bad(r, "%s%s is missing", where, key);
    return false;
}

/* An integer from 0 to max. */
static bool read_u64(struct reading *r, struct json_object *val, const char *where, const char *key,
                     uint64_t max, uint64_t *out)
{
    if (val == NULL || !json_object_is_type(val, json_type_int)) {
        bad(r, "%s%s is not an integer", where, key);
        return false;
    }
    /* json-c keeps integers past INT64_MAX unsigned: those read back as
     * INT64_MAX through get_int64, negative ones never do. */
    if (json_object_get_int64(val) < 0 || json_object_get_uint64(val) > max) {
        bad(r, "%s%s is out of range 0-%llu", where, key, (unsigned long long)max);
        return false;
    }
    *out = json_object_get_uint64(val);
    return true;
}

static uint64_t need_u64(struct reading *r, struct json_object *obj, const char *where,
                         const char *key, uint64_t max)
{
    struct json_object *val = NULL;
    uint64_t n = 0;
    if (member(r, obj, where, key, true, &val))
        read_u64(r, val, where, key, max, &n);
    return n;
}

/* An integer, or null / absent (false). */
static bool maybe_u64(struct reading *r, struct json_object *obj, const char *where,
                      const char *key, uint64_t max, uint64_t *out)
{
    struct json_object *val = NULL;
    *out = 0;
    if (!member(r, obj, where, key, false, &val) || val == NULL)
        return false;
    return read_u64(r, val, where, key, max, out);
}

static bool need_bool(struct reading *r, struct json_object *obj, const char *where,
                      const char *key, bool is_required)
{
    struct json_object *val = NULL;
    if (!member(r, obj, where, key, is_required, &val))
        return false;
    if (val == NULL || !json_object_is_type(val, json_type_boolean)) {
        bad(r, "%s%s is not true or false", where, key);
        return false;
    }
    return json_object_get_boolean(val) != 0;
}

/* A string; NULL for null where is_nullable, bad otherwise. Valid while
 * the tree is. A string with a NUL in it would not read back the same. */
static const char *need_string(struct reading *r, struct json_object *obj, const char *where,
                               const char *key, bool is_nullable)
{
    struct json_object *val = NULL;
    if (!member(r, obj, where, key, true, &val))
        return NULL;
    if (val == NULL && is_nullable)
        return NULL;
    if (val == NULL || !json_object_is_type(val, json_type_string)) {
        bad(r, "%s%s is not a string", where, key);
        return NULL;
    }
    const char *s = json_object_get_string(val);
    if (strlen(s) != (size_t)json_object_get_string_len(val)) {
        bad(r, "%s%s holds a NUL character", where, key);
        return NULL;
    }
    return s;
}

static struct json_object *need_type(struct reading *r, struct json_object *obj, const char *where,
                                     const char *key, enum json_type type, bool is_nullable)
{
    struct json_object *val = NULL;
    if (!member(r, obj, where, key, true, &val))
        return NULL;
    if (val == NULL && is_nullable)
        return NULL;
    if (val == NULL || !json_object_is_type(val, type)) {
        bad(r, "%s%s is not %s", where, key, type == json_type_object ? "an object" : "an array");
        return NULL;
    }
    return val;
}

/* Seconds to the microsecond, from the number's text: -?D+(.D{1,6})? */
static int64_t need_ts(struct reading *r, struct json_object *obj, const char *where,
                       const char *key)
{
    struct json_object *val = NULL;
    if (!member(r, obj, where, key, true, &val))
        return 0;
    if (val == NULL ||
        (!json_object_is_type(val, json_type_double) && !json_object_is_type(val, json_type_int))) {
        bad(r, "%s%s is not a number", where, key);
        return 0;
    }
    const char *p = json_object_get_string(val);
    bool is_negative = *p == '-';
    p += is_negative;
    uint64_t sec = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 19)
            sec = sec * 10 + (uint64_t)(*p - '0');
    uint64_t us = 0;
    size_t frac = 0;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9' && frac < 7; p++, frac++)
            us = us * 10 + (uint64_t)(*p - '0');
    if (digits == 0 || digits > 18 || *p != '\0' || frac > 6) {
        bad(r, "%s%s is not seconds to the microsecond", where, key);
        return 0;
    }
    for (; frac < 6; frac++)
        us *= 10;
    uint64_t mag = sec * 1000000 + us;
    if (mag > (uint64_t)TV_TS_MAX_US) {
        bad(r, "%s%s is past the year 9999", where, key);
        return 0;
    }
    return is_negative ? -(int64_t)mag : (int64_t)mag;
}

/* Milliseconds as --compare prints them ("%.3f"). */
static double read_ms(struct reading *r, struct json_object *val, const char *where,
                      const char *key)
{
    if (val == NULL ||
        (!json_object_is_type(val, json_type_double) && !json_object_is_type(val, json_type_int))) {
        bad(r, "%s%s is not a number", where, key);
        return 0;
    }
    return json_object_get_double(val);
}

/* An address string: IPv4 dotted, else IPv6. */
static bool read_addr(struct reading *r, struct json_object *obj, const char *where,
                      const char *key, uint8_t *family, uint8_t addr[16])
{
    const char *text = need_string(r, obj, where, key, false);
    if (text == NULL)
        return false;
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, text, addr) == 1) {
        *family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, text, addr) == 1) {
        *family = 6;
        return true;
    }
    bad(r, "%s%s '%s' is not an IPv4 or IPv6 address", where, key, text);
    return false;
}

static enum tv_winsock read_winsock(struct reading *r, struct json_object *obj, const char *where)
{
    uint64_t n = 0;
    if (!maybe_u64(r, obj, where, "winsock", 65535, &n))
        return TV_WINSOCK_NONE;
    if (n != TV_WINSOCK_ECONNABORTED && n != TV_WINSOCK_ECONNRESET && n != TV_WINSOCK_ETIMEDOUT &&
        n != TV_WINSOCK_ECONNREFUSED)
        bad(r, "%swinsock %llu is not an error this program names", where, (unsigned long long)n);
    return (enum tv_winsock)n;
}

static void read_endpoint(struct reading *r, struct json_object *root, const char *key,
                          struct tv_endpoint_report *ep)
{
    char where[8];
    snprintf(where, sizeof(where), "%s.", key);
    struct json_object *obj = need_type(r, root, "", key, json_type_object, false);
    if (obj == NULL)
        return;
    read_addr(r, obj, where, "addr", &ep->family, ep->addr);
    ep->port = (uint16_t)need_u64(r, obj, where, "port", 65535);
    ep->pkts = need_u64(r, obj, where, "pkts", UINT64_MAX);
    ep->bytes = need_u64(r, obj, where, "bytes", UINT64_MAX);
    ep->winsock = read_winsock(r, obj, where);
    struct json_object *role = NULL;
    if (member(r, obj, where, "role", false, &role) && role != NULL)
        ep->role = need_string(r, obj, where, "role", true);
}

/* A name of a fixed set: its index, or -1 (said as bad). */
static int read_name(struct reading *r, struct json_object *obj, const char *where, const char *key,
                     const char *(*name_of)(int), int count)
{
    const char *text = need_string(r, obj, where, key, false);
    if (text == NULL)
        return -1;
    for (int i = 0; i < count; i++) {
        const char *name = name_of(i);
        if (name != NULL && strcmp(name, text) == 0)
            return i;
    }
    bad(r, "%s%s '%s' is not one this program knows", where, key, text);
    return -1;
}

static const char *end_name(int i)
{
    return tv_end_name((enum tv_end)i);
}

static const char *level_name(int i)
{
    return tv_level_name((enum tv_level)i);
}

static const char *tunnel_name(int i)
{
    return tv_tunnel_kind_name((enum tv_tunnel_kind)i);
}

static const char *point_name(int i)
{
    return tv_point_name((enum tv_point)i);
}

/* "orig" or "resp": true for orig. */
static bool read_dir(struct reading *r, struct json_object *obj, const char *where)
{
    const char *dir = need_string(r, obj, where, "dir", false);
    if (dir != NULL && strcmp(dir, "orig") != 0 && strcmp(dir, "resp") != 0)
        bad(r, "%sdir '%s' is not orig or resp", where, dir);
    return dir != NULL && strcmp(dir, "orig") == 0;
}

static void read_anomalies(struct reading *r, struct record_parse *rp, struct json_object *root,
                           struct tv_verdict *v)
{
    struct json_object *arr = need_type(r, root, "", "anomalies", json_type_array, false);
    if (arr == NULL)
        return;
    size_t n = json_object_array_length(arr);
    if (n > RECORD_PARSE_ANOMALY_CAP) {
        bad(r, "anomalies: %zu entries, more than %u", n, (unsigned)RECORD_PARSE_ANOMALY_CAP);
        return;
    }
    for (size_t i = 0; i < n && !r->is_bad; i++) {
        struct json_object *a = json_object_array_get_idx(arr, i);
        char where[40];
        snprintf(where, sizeof(where), "anomalies[%zu].", i);
        if (a == NULL || !json_object_is_type(a, json_type_object)) {
            bad(r, "anomalies[%zu] is not an object", i);
            return;
        }
        struct tv_anomaly_report *out = &rp->anomalies[i];
        out->code = need_string(r, a, where, "code", false);
        /* A code of a newer version has no level here: notice, the
         * least that is worth saying. */
        out->level = TV_LEVEL_NOTICE;
        for (size_t c = 0; out->code != NULL && c < ANOMALY_COUNT; c++)
            if (strcmp(anomaly_info[c].name, out->code) == 0)
                out->level = anomaly_info[c].level;
        out->from_orig = read_dir(r, a, where);
        out->count = (uint32_t)need_u64(r, a, where, "count", UINT32_MAX);
        out->first_pkt = need_u64(r, a, where, "first_pkt", UINT64_MAX);
        out->first_us = need_ts(r, a, where, "first_ts");
    }
    v->anomalies = rp->anomalies;
    v->anomaly_count = n;
}

/* "vlan", "inner_vlan", "tunnels": absent in records older than them. */
static void read_location(struct reading *r, struct record_parse *rp, struct json_object *root,
                          struct tv_verdict *v)
{
    struct tv_location *loc = &rp->location;
    uint64_t vlan = 0;
    if (maybe_u64(r, root, "", "vlan", 4095, &vlan)) {
        loc->vlan[loc->vlan_count++] = (uint16_t)vlan;
        if (maybe_u64(r, root, "", "inner_vlan", 4095, &vlan))
            loc->vlan[loc->vlan_count++] = (uint16_t)vlan;
    } else if (maybe_u64(r, root, "", "inner_vlan", 4095, &vlan)) {
        bad(r, "inner_vlan without vlan");
    }
    struct json_object *tunnels = NULL;
    if (member(r, root, "", "tunnels", false, &tunnels) && tunnels == NULL)
        v->is_location_lost = true;
    if (tunnels != NULL) {
        if (!json_object_is_type(tunnels, json_type_array)) {
            bad(r, "tunnels is not an array");
            return;
        }
        size_t n = json_object_array_length(tunnels);
        if (n > TV_ENCAP_DEPTH_CAP) {
            bad(r, "tunnels: %zu, more than %d", n, TV_ENCAP_DEPTH_CAP);
            return;
        }
        for (size_t i = 0; i < n && !r->is_bad; i++) {
            struct json_object *t = json_object_array_get_idx(tunnels, i);
            char where[24];
            snprintf(where, sizeof(where), "tunnels[%zu].", i);
            if (t == NULL || !json_object_is_type(t, json_type_object)) {
                bad(r, "tunnels[%zu] is not an object", i);
                return;
            }
            struct tv_tunnel *out = &loc->tunnels[i];
            int kind = read_name(r, t, where, "kind", tunnel_name, TV_TUNNEL_KIND_COUNT);
            out->kind = kind < 0 ? TV_TUNNEL_IP : (enum tv_tunnel_kind)kind;
            uint8_t src_family = 0;
            read_addr(r, t, where, "src", &src_family, out->src);
            read_addr(r, t, where, "dst", &out->family, out->dst);
            if (!r->is_bad && src_family != out->family)
                bad(r, "%ssrc and dst are of two families", where);
        }
        loc->tunnel_count = (uint8_t)n;
    }
    if (loc->vlan_count > 0 || loc->tunnel_count > 0)
        v->location = loc;
}

/* The Windows Update line for a server's 408 is logged once for the
 * flows that saw one: the count itself is not in the record. */
static void read_logs(struct reading *r, struct json_object *root, struct tv_verdict *v)
{
    struct json_object *logs = NULL;
    if (!member(r, root, "", "logs", false, &logs) || logs == NULL)
        return;
    if (!json_object_is_type(logs, json_type_array)) {
        bad(r, "logs is not an array");
        return;
    }
    for (size_t i = 0; i < json_object_array_length(logs); i++) {
        struct json_object *line = json_object_array_get_idx(logs, i);
        struct json_object *system = NULL;
        struct json_object *code = NULL;
        if (line != NULL && json_object_object_get_ex(line, "system", &system) &&
            json_object_object_get_ex(line, "code", &code) &&
            json_object_is_type(system, json_type_string) &&
            json_object_is_type(code, json_type_string) &&
            strcmp(json_object_get_string(system), "windows_update") == 0 &&
            strcmp(json_object_get_string(code), "0x8024401C") == 0)
            v->http_408 = 1;
    }
}

/* {"orig": N, "resp": N} */
static void read_both_u64(struct reading *r, struct json_object *obj, const char *key,
                          uint64_t out[2])
{
    struct json_object *both = need_type(r, obj, "path.", key, json_type_object, false);
    char where[64];
    snprintf(where, sizeof(where), "path.%s.", key);
    out[0] = need_u64(r, both, where, "orig", UINT64_MAX);
    out[1] = need_u64(r, both, where, "resp", UINT64_MAX);
}

static void read_both_bool(struct reading *r, struct json_object *obj, const char *key, bool out[2])
{
    struct json_object *both = need_type(r, obj, "path.changed.", key, json_type_object, false);
    char where[64];
    snprintf(where, sizeof(where), "path.changed.%s.", key);
    out[0] = need_bool(r, both, where, "orig", true);
    out[1] = need_bool(r, both, where, "resp", true);
}

/* Per direction: *objs[d] the value, NULL where null. False if bad. */
static bool read_sides(struct reading *r, struct json_object *obj, const char *where,
                       const char *key, struct json_object *sides[2])
{
    char inner[64];
    snprintf(inner, sizeof(inner), "%s%s.", where, key);
    struct json_object *both = need_type(r, obj, where, key, json_type_object, false);
    for (int d = 0; d < 2; d++)
        member(r, both, inner, d == 0 ? "orig" : "resp", true, &sides[d]);
    return !r->is_bad;
}

static void read_path_packets(struct reading *r, struct json_object *path, const char *key,
                              const uint64_t count[2], struct tv_path_packet first[2])
{
    struct json_object *sides[2];
    if (!read_sides(r, path, "path.", key, sides))
        return;
    for (int d = 0; d < 2; d++) {
        char where[64];
        snprintf(where, sizeof(where), "path.%s.%s.", key, d == 0 ? "orig" : "resp");
        if ((sides[d] == NULL) != (count[d] == 0)) {
            bad(r, "path.%s.%s does not match its count", key, d == 0 ? "orig" : "resp");
            return;
        }
        if (sides[d] == NULL)
            continue;
        first[d].has[0] = maybe_u64(r, sides[d], where, "first_pkt", UINT64_MAX, &first[d].pkt[0]);
        first[d].has[1] = maybe_u64(r, sides[d], where, "second_pkt", UINT64_MAX, &first[d].pkt[1]);
        first[d].first_us = need_ts(r, sides[d], where, "ts");
    }
}

static void read_path_changed(struct reading *r, struct json_object *path, struct tv_path *p)
{
    const char *where = "path.changed.";
    struct json_object *changed = need_type(r, path, "path.", "changed", json_type_object, false);
    struct json_object *sides[2];
    if (changed == NULL || !read_sides(r, changed, where, "hops", sides))
        return;
    for (int d = 0; d < 2; d++) {
        if (sides[d] == NULL)
            continue;
        if (!json_object_is_type(sides[d], json_type_int) ||
            json_object_get_int64(sides[d]) < -255 || json_object_get_int64(sides[d]) > 255) {
            bad(r, "path.changed.hops is not a number from -255 to 255");
            return;
        }
        p->has_hops[d] = true;
        p->hops[d] = (int)json_object_get_int64(sides[d]);
    }
    if (!read_sides(r, changed, where, "mss", sides))
        return;
    for (int d = 0; d < 2; d++) {
        if (sides[d] == NULL)
            continue;
        p->mss_from[d] = (uint16_t)need_u64(r, sides[d], "path.changed.mss.", "from", 65535);
        p->mss_to[d] = (uint16_t)need_u64(r, sides[d], "path.changed.mss.", "to", 65535);
        if (!r->is_bad && p->mss_from[d] == p->mss_to[d])
            bad(r, "path.changed.mss: from and to are the same");
    }
    read_both_bool(r, changed, "wscale_stripped", p->is_wscale_stripped);
    read_both_bool(r, changed, "sack_permitted_stripped", p->is_sack_permitted_stripped);
    read_both_bool(r, changed, "timestamps_stripped", p->is_timestamp_stripped);
    struct json_object *rewritten =
        need_type(r, changed, where, "timestamps_rewritten", json_type_object, false);
    p->timestamp_rewritten[0] =
        need_u64(r, rewritten, "path.changed.timestamps_rewritten.", "orig", UINT64_MAX);
    p->timestamp_rewritten[1] =
        need_u64(r, rewritten, "path.changed.timestamps_rewritten.", "resp", UINT64_MAX);
    if (!read_sides(r, changed, where, "seq_offset", sides))
        return;
    for (int d = 0; d < 2; d++) {
        uint64_t n = 0;
        if (sides[d] != NULL && read_u64(r, sides[d], "path.changed.seq_offset.",
                                         d == 0 ? "orig" : "resp", UINT32_MAX, &n)) {
            p->has_seq_offset[d] = true;
            p->seq_offset[d] = (uint32_t)n;
        }
    }
    if (!read_sides(r, changed, where, "dscp", sides))
        return;
    for (int d = 0; d < 2; d++) {
        if (sides[d] == NULL)
            continue;
        p->dscp_changed[d] = need_u64(r, sides[d], "path.changed.dscp.", "count", UINT64_MAX);
        p->dscp_from[d] = (uint8_t)need_u64(r, sides[d], "path.changed.dscp.", "from", 63);
        p->dscp_to[d] = (uint8_t)need_u64(r, sides[d], "path.changed.dscp.", "to", 63);
        if (!r->is_bad && p->dscp_changed[d] == 0)
            bad(r, "path.changed.dscp.count is 0");
    }
    if (!read_sides(r, changed, where, "translated", sides))
        return;
    for (int d = 0; d < 2; d++) {
        if (sides[d] == NULL)
            continue;
        uint8_t family = 0;
        p->is_translated[d] = true;
        read_addr(r, sides[d], "path.changed.translated.", "addr", &family, p->peer_addr[d]);
        p->peer_port[d] =
            (uint16_t)need_u64(r, sides[d], "path.changed.translated.", "port", 65535);
        if (!r->is_bad && p->peer_family != 0 && p->peer_family != family)
            bad(r, "path.changed.translated: two families");
        p->peer_family = family;
    }
}

static void read_path(struct reading *r, struct record_parse *rp, struct json_object *root,
                      struct tv_verdict *v)
{
    struct json_object *path = NULL;
    if (!member(r, root, "", "path", false, &path))
        return;
    if (path == NULL || !json_object_is_type(path, json_type_object)) {
        bad(r, "path is not an object");
        return;
    }
    struct tv_path *p = &rp->path;
    const char *where = "path.";
    const char *seen_at = need_string(r, path, where, "seen_at", false);
    if (seen_at != NULL && strcmp(seen_at, "both") != 0) {
        int pt = read_name(r, path, where, "seen_at", point_name, TV_POINT_SECOND + 1);
        p->seen_at = pt < 0 ? TV_POINT_NONE : (enum tv_point)pt;
    }
    struct json_object *near_orig = NULL;
    if (member(r, path, where, "near_orig", true, &near_orig) && near_orig != NULL) {
        int pt = read_name(r, path, where, "near_orig", point_name, TV_POINT_SECOND + 1);
        p->near_orig = pt < 0 ? TV_POINT_NONE : (enum tv_point)pt;
    }
    p->placed_by = need_string(r, path, where, "placed_by", true);
    p->paired_by = need_string(r, path, where, "paired_by", true);
    struct json_object *ids = need_type(r, path, where, "flow_id_at", json_type_object, false);
    p->has_flow_id_at[0] =
        maybe_u64(r, ids, "path.flow_id_at.", "first", UINT64_MAX, &p->flow_id_at[0]);
    p->has_flow_id_at[1] =
        maybe_u64(r, ids, "path.flow_id_at.", "second", UINT64_MAX, &p->flow_id_at[1]);
    p->is_complete = need_bool(r, path, where, "complete", true);
    read_both_u64(r, path, "dropped", p->dropped);
    read_path_packets(r, path, "dropped_first", p->dropped, p->dropped_first);
    read_both_u64(r, path, "dropped_after_rst", p->dropped_after_rst);
    read_both_u64(r, path, "injected", p->injected);
    read_path_packets(r, path, "injected_first", p->injected, p->injected_first);
    read_both_u64(r, path, "injected_rst", p->injected_rst);
    read_both_u64(r, path, "unverified", p->unverified);
    read_path_changed(r, path, p);
    struct json_object *sides[2];
    if (read_sides(r, path, where, "delay_ms", sides))
        for (int d = 0; d < 2; d++) {
            struct json_object *val = NULL;
            if (sides[d] == NULL)
                continue;
            p->has_delay[d] = true;
            if (member(r, sides[d], "path.delay_ms.", "median", true, &val))
                p->delay_median_ms[d] = read_ms(r, val, "path.delay_ms.", "median");
            if (member(r, sides[d], "path.delay_ms.", "max", true, &val))
                p->delay_max_ms[d] = read_ms(r, val, "path.delay_ms.", "max");
        }
    struct json_object *offset = NULL;
    if (member(r, path, where, "clock_offset_ms", true, &offset) && offset != NULL) {
        p->has_clock_offset = true;
        p->clock_offset_ms = read_ms(r, offset, where, "clock_offset_ms");
    }
    struct json_object *host = NULL;
    if (member(r, path, where, "offload_suspect_host", true, &host) && host != NULL)
        p->is_offload_suspect =
            read_addr(r, path, where, "offload_suspect_host", &p->host_family, p->host_addr);
    v->path = p;
}

/* The line parsed into rp's tree, an object whose "type" is type. */
static struct json_object *parse_line(struct reading *r, struct record_parse *rp, const char *line,
                                      size_t len, const char *type, bool *is_nomem)
{
    *is_nomem = false;
    json_object_put(rp->root);
    rp->root = NULL;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len > RECORD_PARSE_LINE_CAP) {
        bad(r, "a record of %zu bytes, more than %u", len, (unsigned)RECORD_PARSE_LINE_CAP);
        return NULL;
    }
    if (memchr(line, '\0', len) != NULL) {
        bad(r, "a NUL byte in the record");
        return NULL;
    }
    json_tokener_reset(rp->tok);
    rp->root = json_tokener_parse_ex(rp->tok, line, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(rp->tok);
    if (jerr == json_tokener_continue) {
        bad(r, "not JSON: the record ends early");
        return NULL;
    }
    if (jerr != json_tokener_success || rp->root == NULL) {
        /* json-c 0.16 says a failed allocation only as a parse error,
         * and a bare null parses to no object. */
        bad(r, "not JSON: %s", json_tokener_error_desc(jerr));
        return NULL;
    }
    if ((size_t)json_tokener_get_parse_end(rp->tok) != len) {
        bad(r, "not JSON: something follows the record");
        return NULL;
    }
    if (!json_object_is_type(rp->root, json_type_object)) {
        bad(r, "not a JSON object");
        return NULL;
    }
    const char *got = need_string(r, rp->root, "", "type", false);
    if (got != NULL && strcmp(got, type) != 0)
        bad(r, "type is '%s', not '%s'", got, type);
    return r->is_bad ? NULL : rp->root;
}

enum record_parse_status record_parse_flow(struct record_parse *rp, const char *line, size_t len,
                                           struct tv_verdict *out, char *err, size_t err_len)
{
    struct reading r = {err, err_len, false};
    bool is_nomem = false;
    memset(out, 0, sizeof(*out));
    memset(&rp->location, 0, sizeof(rp->location));
    memset(&rp->path, 0, sizeof(rp->path));
    struct json_object *root = parse_line(&r, rp, line, len, "flow", &is_nomem);
    if (root == NULL)
        return is_nomem ? RECORD_PARSE_NOMEM : RECORD_PARSE_BAD;
    out->flow_id = need_u64(&r, root, "", "flow_id", UINT64_MAX);
    out->first_us = need_ts(&r, root, "", "ts_first");
    out->last_us = need_ts(&r, root, "", "ts_last");
    read_endpoint(&r, root, "orig", &out->orig);
    read_endpoint(&r, root, "resp", &out->resp);
    out->service = need_string(&r, root, "", "service", true);
    out->conn_state = need_string(&r, root, "", "conn_state", false);
    out->history = need_string(&r, root, "", "history", false);
    int end = read_name(&r, root, "", "end", end_name, TV_END_COUNT);
    out->end = end < 0 ? TV_END_OPEN : (enum tv_end)end;
    int level = read_name(&r, root, "", "verdict", level_name, TV_LEVEL_COUNT);
    out->level = level < 0 ? TV_LEVEL_OK : (enum tv_level)level;
    read_anomalies(&r, rp, root, out);
    struct json_object *fw = need_type(&r, root, "", "firewall", json_type_object, false);
    out->strict_drops = need_u64(&r, fw, "firewall.", "strict_drops", UINT64_MAX);
    out->loose_drops = need_u64(&r, fw, "firewall.", "loose_drops", UINT64_MAX);
    uint64_t attempt = 0;
    maybe_u64(&r, root, "", "attempt", UINT32_MAX, &attempt);
    out->attempt = (uint32_t)attempt;
    out->hint = need_string(&r, root, "", "hint", true);
    struct json_object *nflog = NULL;
    if (member(&r, root, "", "nflog", false, &nflog)) {
        if (nflog == NULL || !json_object_is_type(nflog, json_type_object)) {
            bad(&r, "nflog is not an object");
        } else {
            out->nflog_group = (uint16_t)need_u64(&r, nflog, "nflog.", "group", 65535);
            out->nflog_prefix = need_string(&r, nflog, "nflog.", "prefix", false);
        }
    }
    out->interim = need_bool(&r, root, "", "interim", false);
    read_location(&r, rp, root, out);
    read_logs(&r, root, out);
    read_path(&r, rp, root, out);
    return r.is_bad ? RECORD_PARSE_BAD : RECORD_PARSE_OK;
}

/* Every integer of an object (absent: none), by key, into the counters
 * names[i] names; keys not named are left. */
static void read_counters(struct reading *r, struct json_object *root, const char *key,
                          const char *const *names, uint64_t *const *out, size_t count)
{
    struct json_object *obj = NULL;
    if (!member(r, root, "", key, false, &obj))
        return;
    if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
        bad(r, "%s is not an object", key);
        return;
    }
    char where[48];
    snprintf(where, sizeof(where), "%s.", key);
    for (size_t i = 0; i < count; i++)
        maybe_u64(r, obj, where, names[i], UINT64_MAX, out[i]);
}

static void read_decode(struct reading *r, struct json_object *root, struct tv_stats *st)
{
    struct json_object *decode = NULL;
    if (!member(r, root, "", "decode", false, &decode))
        return;
    if (decode == NULL || !json_object_is_type(decode, json_type_object)) {
        bad(r, "decode is not an object");
        return;
    }
    maybe_u64(r, decode, "decode.", "ok", UINT64_MAX, &st->decode[TV_DECODE_OK]);
    for (int pass = 0; pass < 2; pass++) {
        const char *key = pass == 0 ? "skipped" : "errors";
        struct json_object *part = NULL;
        if (!member(r, decode, "decode.", key, false, &part))
            continue;
        if (part == NULL || !json_object_is_type(part, json_type_object)) {
            bad(r, "decode.%s is not an object", key);
            return;
        }
        char where[24];
        snprintf(where, sizeof(where), "decode.%s.", key);
        for (int s = 1; s < TV_DECODE_STATUS_COUNT; s++)
            if (tv_decode_status_is_error((enum tv_decode_status)s) == (pass == 1))
                maybe_u64(r, part, where, tv_decode_status_name((enum tv_decode_status)s),
                          UINT64_MAX, &st->decode[s]);
    }
}

static void read_link_types(struct reading *r, struct json_object *root, struct record_summary *out)
{
    struct json_object *types = NULL;
    if (!member(r, root, "", "link_types", false, &types))
        return;
    if (types == NULL || !json_object_is_type(types, json_type_object)) {
        bad(r, "link_types is not an object");
        return;
    }
    json_object_object_foreach(types, name, val)
    {
        if (out->linktype_count == RECORD_PARSE_LINKTYPE_CAP) {
            bad(r, "link_types: more than %u", (unsigned)RECORD_PARSE_LINKTYPE_CAP);
            return;
        }
        uint64_t n = 0;
        if (!read_u64(r, val, "link_types.", name, UINT64_MAX, &n))
            return;
        out->linktypes[out->linktype_count].name = name;
        out->linktypes[out->linktype_count++].packets = n;
    }
}

enum record_parse_status record_parse_summary(struct record_parse *rp, const char *line, size_t len,
                                              struct record_summary *out, char *err, size_t err_len)
{
    struct reading r = {err, err_len, false};
    bool is_nomem = false;
    memset(out, 0, sizeof(*out));
    struct json_object *root = parse_line(&r, rp, line, len, "summary", &is_nomem);
    if (root == NULL)
        return is_nomem ? RECORD_PARSE_NOMEM : RECORD_PARSE_BAD;
    struct tv_stats *st = &out->stats;
    out->inputs = need_u64(&r, root, "", "inputs", UINT64_MAX);
    st->packets = need_u64(&r, root, "", "packets", UINT64_MAX);
    st->tcp_packets = need_u64(&r, root, "", "tcp_packets", UINT64_MAX);
    st->flows = need_u64(&r, root, "", "flows", UINT64_MAX);
    read_decode(&r, root, st);
    static const char *const checksum_names[] = {"ip_bad", "tcp_bad", "tcp_unverified"};
    uint64_t *const checksums[] = {&st->ip_checksum_bad, &st->tcp_checksum_bad,
                                   &st->tcp_checksum_unverified};
    read_counters(&r, root, "checksums", checksum_names, checksums, 3);
    static const char *const frag_names[] = {"seen",     "reassembled", "timed_out", "memcap_drops",
                                             "overlaps", "duplicates",  "malformed", "incomplete"};
    uint64_t *const frags[] = {&st->ip_fragments,      &st->ip_frag_reassembled,
                               &st->ip_frag_timed_out, &st->ip_frag_memcap_drops,
                               &st->ip_frag_overlaps,  &st->ip_frag_duplicates,
                               &st->ip_frag_malformed, &st->ip_frag_incomplete};
    read_counters(&r, root, "ip_fragments", frag_names, frags, 8);
    static const char *const short_names[] = {"cold", "anomaly", "location"};
    uint64_t *const shorts[] = {&st->cold_records_short, &st->anomaly_records_short,
                                &st->location_records_short};
    read_counters(&r, root, "records_short", short_names, shorts, 3);
    maybe_u64(&r, root, "", "evictions", UINT64_MAX, &st->evictions);
    maybe_u64(&r, root, "", "refused_flows", UINT64_MAX, &st->refused_flows);
    maybe_u64(&r, root, "", "max_concurrent_flows", UINT64_MAX, &st->max_concurrent_flows);
    maybe_u64(&r, root, "", "bucket_tree_flows", UINT64_MAX, &st->bucket_tree_flows);
    maybe_u64(&r, root, "", "input_errors", UINT64_MAX, &out->input_errors);
    maybe_u64(&r, root, "", "ring_drops", UINT64_MAX, &out->ring_drops);
    maybe_u64(&r, root, "", "clock_jumps", UINT64_MAX, &out->clock_jumps);
    maybe_u64(&r, root, "", "clock_jumps_followed", UINT64_MAX, &out->clock_jumps_followed);
    out->has_kernel_drops = maybe_u64(&r, root, "", "kernel_drops", UINT64_MAX, &out->kernel_drops);
    maybe_u64(&r, root, "", "if_drops", UINT64_MAX, &out->if_drops);
    const char *format_names[READER_FORMAT_COUNT + 2];
    uint64_t *formats[READER_FORMAT_COUNT + 2];
    for (int f = 0; f < READER_FORMAT_COUNT; f++) {
        format_names[f] = reader_format_key((enum reader_format)f);
        formats[f] = &out->inputs_by_format[f];
    }
    format_names[READER_FORMAT_COUNT] = "gzip";
    formats[READER_FORMAT_COUNT] = &out->inputs_gzip;
    format_names[READER_FORMAT_COUNT + 1] = "zstd";
    formats[READER_FORMAT_COUNT + 1] = &out->inputs_zstd;
    read_counters(&r, root, "formats", format_names, formats, READER_FORMAT_COUNT + 2);
    read_link_types(&r, root, out);
    static const char *const unreadable_names[] = {"block"};
    uint64_t *const unreadable[] = {&out->unreadable_records};
    read_counters(&r, root, "unreadable", unreadable_names, unreadable, 1);
    return r.is_bad ? RECORD_PARSE_BAD : RECORD_PARSE_OK;
}
