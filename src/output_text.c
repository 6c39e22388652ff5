/*
 * The table for people. Each record is assembled in one growable buffer,
 * reused from record to record, and written whole to the sink, so a
 * reader on a pipe never sees half a line from us.
 *
 * What is shown is chosen here, not in the analyzer: the "main" anomaly of
 * a flow is the first one at the flow's highest anomaly level (the analyzer
 * lists them in order of first occurrence), with "+N" for the others.
 * Timestamps are UTC, so the same capture reads the same everywhere.
 *
 * Forks assemble records in their own buffers and share the original's
 * header flag, under its lock, held only while a record is written.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "output_text.h"
#include "platform.h"
#include "seed_logs.h"
#include "sink_file.h"
#include "utc_time.h"

#include "banned.h"

/* "2024-05-01 12:00:00.123456" and "255.255.255.255:65535". */
#define TEXT_TS_WIDTH       26
#define TEXT_ENDPOINT_WIDTH 21

/* Large enough for "[" + INET6_ADDRSTRLEN + "]:65535". */
#define TEXT_ENDPOINT_LEN 56
#define TEXT_TS_LEN       48

/* What the original and its forks share: the stream's order. */
struct text_shared {
    pthread_mutex_t lock; /* guards wrote_header, and the writes it orders */
    bool wrote_header;
};

struct output_text {
    struct sink_file *out; /* borrowed */
    bool verbose;
    struct text_shared own;     /* used by the original only */
    struct text_shared *shared; /* &own, or the original's for a fork */
    char *buf;                  /* owned: the record being assembled */
    size_t buf_len;
    size_t buf_cap;
    bool is_short; /* an append failed for lack of memory */
};

struct output_text *output_text_create(struct sink_file *out, bool verbose)
{
    struct output_text *text = calloc(1, sizeof(*text));
    if (text == NULL)
        return NULL;
    text->out = out;
    text->verbose = verbose;
    if (pthread_mutex_init(&text->own.lock, NULL) != 0) {
        free(text);
        return NULL;
    }
    text->shared = &text->own;
    return text;
}

struct output_text *output_text_fork(struct output_text *text)
{
    struct output_text *fork = calloc(1, sizeof(*fork));
    if (fork == NULL)
        return NULL;
    fork->out = text->out;
    fork->verbose = text->verbose;
    fork->shared = text->shared;
    return fork;
}

void output_text_destroy(struct output_text *text)
{
    if (text == NULL)
        return;
    if (text->shared == &text->own)
        pthread_mutex_destroy(&text->own.lock);
    free(text->buf);
    free(text);
}

static void text_appendf(struct output_text *text, const char *fmt, ...) LOG_PRINTF(2, 3);

static void text_appendf(struct output_text *text, const char *fmt, ...)
{
    if (text->is_short)
        return;
    for (;;) {
        size_t room = text->buf_cap - text->buf_len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(room != 0 ? text->buf + text->buf_len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            text->is_short = true;
            return;
        }
        if ((size_t)n < room) {
            text->buf_len += (size_t)n;
            return;
        }
        size_t cap = text->buf_cap != 0 ? text->buf_cap : 512;
        while (cap - text->buf_len <= (size_t)n)
            cap *= 2;
        char *buf = realloc(text->buf, cap);
        if (buf == NULL) {
            text->is_short = true;
            return;
        }
        text->buf = buf;
        text->buf_cap = cap;
    }
}

static void text_write_header(struct sink_file *out);

void output_text_write_flow(struct output_text *text, const char *bytes, size_t len)
{
    pthread_mutex_lock(&text->shared->lock);
    if (!text->shared->wrote_header) {
        text_write_header(text->out);
        text->shared->wrote_header = true;
    }
    sink_file_write(text->out, bytes, len);
    pthread_mutex_unlock(&text->shared->lock);
}

/* Writes the assembled summary and starts the next record empty. */
static enum output_text_status text_flush_record(struct output_text *text)
{
    enum output_text_status status = text->is_short ? OUTPUT_TEXT_ERR_NOMEM : OUTPUT_TEXT_OK;
    if (status == OUTPUT_TEXT_OK && text->buf_len != 0) {
        pthread_mutex_lock(&text->shared->lock);
        sink_file_write(text->out, text->buf, text->buf_len);
        pthread_mutex_unlock(&text->shared->lock);
    }
    text->buf_len = 0;
    text->is_short = false;
    return status;
}

static void text_format_ts(int64_t ts_us, char *buf, size_t buf_len)
{
    utc_time_format(ts_us, true, buf, buf_len);
}

static void text_format_endpoint(const struct tv_endpoint_report *ep, char *buf, size_t buf_len)
{
    char addr[INET6_ADDRSTRLEN] = "?";
    bool is_v6 = ep->family == 6;
    if (inet_ntop(is_v6 ? AF_INET6 : AF_INET, ep->addr, addr, sizeof(addr)) == NULL)
        snprintf(addr, sizeof(addr), "?");
    snprintf(buf, buf_len, is_v6 ? "[%s]:%u" : "%s:%u", addr, (unsigned)ep->port);
}

static const char *text_or_dash(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : "-";
}

static const char *text_winsock_name(enum tv_winsock winsock)
{
    switch (winsock) {
    case TV_WINSOCK_ECONNABORTED:
        return "WSAECONNABORTED";
    case TV_WINSOCK_ECONNRESET:
        return "WSAECONNRESET";
    case TV_WINSOCK_ETIMEDOUT:
        return "WSAETIMEDOUT";
    case TV_WINSOCK_ECONNREFUSED:
        return "WSAECONNREFUSED";
    case TV_WINSOCK_NONE:
        break;
    }
    return "none";
}

static const struct tv_anomaly_report *text_main_anomaly(const struct tv_verdict *v)
{
    const struct tv_anomaly_report *main_anomaly = NULL;
    for (size_t i = 0; i < v->anomaly_count; i++)
        if (main_anomaly == NULL || v->anomalies[i].level > main_anomaly->level)
            main_anomaly = &v->anomalies[i];
    return main_anomaly;
}

static void text_write_header(struct sink_file *out)
{
    char line[256];
    int n = snprintf(line, sizeof(line), "%-*s  %*s    %-*s  %-14s %-6s %-12s %-12s %-7s %s\n",
                     TEXT_TS_WIDTH, "FIRST (UTC)", TEXT_ENDPOINT_WIDTH, "ORIG", TEXT_ENDPOINT_WIDTH,
                     "RESP", "SERVICE", "STATE", "HISTORY", "END", "VERDICT", "ANOMALY");
    if (n > 0 && (size_t)n < sizeof(line))
        sink_file_write(out, line, (size_t)n);
}

/* "location vlan 10, inner vlan 20, gre 192.0.2.1 -> 192.0.2.2", when
 * the flow was found in a VLAN or a tunnel. */
static void text_append_location(struct output_text *text, const struct tv_verdict *v)
{
    const struct tv_location *loc = v->location;
    if (v->is_location_lost) {
        text_appendf(text, "    location unknown (more locations than could be kept)\n");
        return;
    }
    if (loc == NULL)
        return;
    text_appendf(text, "    location");
    const char *sep = " ";
    if (loc->vlan_count > 0) {
        text_appendf(text, "%svlan %u", sep, (unsigned)loc->vlan[0]);
        sep = ", ";
    }
    if (loc->vlan_count > 1)
        text_appendf(text, ", inner vlan %u", (unsigned)loc->vlan[1]);
    for (unsigned i = 0; i < loc->tunnel_count; i++) {
        const struct tv_tunnel *t = &loc->tunnels[i];
        int af = t->family == 6 ? AF_INET6 : AF_INET;
        char src[INET6_ADDRSTRLEN] = "?";
        char dst[INET6_ADDRSTRLEN] = "?";
        if (inet_ntop(af, t->src, src, sizeof(src)) == NULL)
            snprintf(src, sizeof(src), "?");
        if (inet_ntop(af, t->dst, dst, sizeof(dst)) == NULL)
            snprintf(dst, sizeof(dst), "?");
        text_appendf(text, "%s%s %s -> %s", sep, tv_tunnel_kind_name(t->kind), src, dst);
        sep = ", ";
    }
    text_appendf(text, "\n");
}

static void text_append_details(struct output_text *text, const struct tv_verdict *v)
{
    char ts[TEXT_TS_LEN];
    text_appendf(text,
                 "    packets  orig %" PRIu64 " (%" PRIu64 " bytes), resp %" PRIu64 " (%" PRIu64
                 " bytes)\n",
                 v->orig.pkts, v->orig.bytes, v->resp.pkts, v->resp.bytes);
    for (size_t i = 0; i < v->anomaly_count; i++) {
        const struct tv_anomaly_report *a = &v->anomalies[i];
        text_format_ts(a->first_us, ts, sizeof(ts));
        text_appendf(text,
                     "    anomaly  %s (%s) from %s x%" PRIu32 ", first packet %" PRIu64 " at %s\n",
                     text_or_dash(a->code), tv_level_name(a->level), a->from_orig ? "orig" : "resp",
                     a->count, a->first_pkt, ts);
    }
    if (v->orig.winsock != TV_WINSOCK_NONE)
        text_appendf(text, "    winsock  orig %d %s\n", (int)v->orig.winsock,
                     text_winsock_name(v->orig.winsock));
    if (v->resp.winsock != TV_WINSOCK_NONE)
        text_appendf(text, "    winsock  resp %d %s\n", (int)v->resp.winsock,
                     text_winsock_name(v->resp.winsock));
    if (v->strict_drops != 0 || v->loose_drops != 0)
        text_appendf(text, "    firewall %" PRIu64 " dropped if strict, %" PRIu64 " if loose\n",
                     v->strict_drops, v->loose_drops);
    struct seed_log logs[SEED_LOGS_CAP];
    size_t log_count = seed_logs_build(v, logs);
    for (size_t i = 0; i < log_count; i++) {
        const struct seed_log *s = &logs[i];
        text_appendf(text, "    log      %s %s%s%s x%" PRIu64, s->info->system, s->info->code,
                     s->info->name != NULL ? " " : "", s->info->name != NULL ? s->info->name : "",
                     s->count);
        if (s->network_error != TV_WINSOCK_NONE)
            text_appendf(text, ", network error %d", (int)s->network_error);
        text_appendf(text, "%s\n", s->info->is_likely ? " (likely)" : "");
    }
    if (v->attempt != 0)
        text_appendf(text, "    attempt  %" PRIu32 " refused before this one\n", v->attempt);
    if (v->hint != NULL)
        text_appendf(text, "    hint     %s\n", v->hint);
    if (v->nflog_prefix != NULL)
        text_appendf(text, "    nflog    group %u, prefix \"%s\"\n", (unsigned)v->nflog_group,
                     v->nflog_prefix);
    text_append_location(text, v);
}

/* --compare: where the flow was seen, and what the path between the
 * points did to each direction (what each side sent). */
static void text_append_path(struct output_text *text, const struct tv_path *p)
{
    if (p->seen_at != TV_POINT_NONE) {
        text_appendf(text, "    path     seen at the %s point only%s\n", tv_point_name(p->seen_at),
                     p->is_offload_suspect ? ", though the other captured on one of its endpoints"
                                           : "");
        return;
    }
    text_appendf(text, "    path     seen at both; the %s point is nearer orig (by %s)%s\n",
                 text_or_dash(tv_point_name(p->near_orig)), text_or_dash(p->placed_by),
                 p->is_complete ? "" : "; too many packets to compare");
    for (int d = 0; d < 2; d++) {
        text_appendf(text, "    path     %s: dropped %" PRIu64 ", injected %" PRIu64,
                     d == 0 ? "orig" : "resp", p->dropped[d], p->injected[d]);
        if (p->injected_rst[d] != 0)
            text_appendf(text, " (%" PRIu64 " RST)", p->injected_rst[d]);
        if (p->has_hops[d])
            text_appendf(text, ", %d hop%s", p->hops[d], p->hops[d] == 1 ? "" : "s");
        if (p->has_delay[d])
            text_appendf(text, ", delay %.3f ms (max %.3f)", p->delay_median_ms[d],
                         p->delay_max_ms[d]);
        if (p->mss_from[d] != p->mss_to[d])
            text_appendf(text, ", MSS %u -> %u", (unsigned)p->mss_from[d], (unsigned)p->mss_to[d]);
        if (p->is_wscale_stripped[d])
            text_appendf(text, ", window scale stripped");
        if (p->is_sack_permitted_stripped[d])
            text_appendf(text, ", SACK-permitted stripped");
        if (p->has_seq_offset[d])
            text_appendf(text, ", sequence numbers shifted by %" PRIu32, p->seq_offset[d]);
        if (p->is_translated[d]) {
            struct tv_endpoint_report peer = {.family = p->peer_family, .port = p->peer_port[d]};
            memcpy(peer.addr, p->peer_addr[d], sizeof(peer.addr));
            char ep[TEXT_ENDPOINT_LEN];
            text_format_endpoint(&peer, ep, sizeof(ep));
            text_appendf(text, ", translated to %s", ep);
        }
        if (p->dscp_changed[d] != 0)
            text_appendf(text, ", DSCP %u -> %u", (unsigned)p->dscp_from[d],
                         (unsigned)p->dscp_to[d]);
        text_appendf(text, "\n");
    }
}

enum output_text_status output_text_flow(struct output_text *text, const struct tv_verdict *v,
                                         const char **bytes, size_t *len)
{
    char ts[TEXT_TS_LEN];
    char orig[TEXT_ENDPOINT_LEN];
    char resp[TEXT_ENDPOINT_LEN];
    text_format_ts(v->first_us, ts, sizeof(ts));
    text_format_endpoint(&v->orig, orig, sizeof(orig));
    text_format_endpoint(&v->resp, resp, sizeof(resp));

    text_appendf(text, "%-*s  %*s -> %-*s  %-14s %-6s %-12s %-12s %-7s ", TEXT_TS_WIDTH, ts,
                 TEXT_ENDPOINT_WIDTH, orig, TEXT_ENDPOINT_WIDTH, resp, text_or_dash(v->service),
                 text_or_dash(v->conn_state), text_or_dash(v->history),
                 v->interim ? "interim" : tv_end_name(v->end), tv_level_name(v->level));
    const struct tv_anomaly_report *main_anomaly = text_main_anomaly(v);
    if (main_anomaly == NULL)
        text_appendf(text, "-\n");
    else if (v->anomaly_count > 1)
        text_appendf(text, "%s +%zu\n", text_or_dash(main_anomaly->code), v->anomaly_count - 1);
    else
        text_appendf(text, "%s\n", text_or_dash(main_anomaly->code));

    if (text->verbose)
        text_append_details(text, v);
    else if (v->path != NULL && v->hint != NULL)
        text_appendf(text, "    hint     %s\n", v->hint);
    if (v->path != NULL)
        text_append_path(text, v->path);
    enum output_text_status status = text->is_short ? OUTPUT_TEXT_ERR_NOMEM : OUTPUT_TEXT_OK;
    *bytes = text->buf;
    *len = status == OUTPUT_TEXT_OK ? text->buf_len : 0;
    text->buf_len = 0;
    text->is_short = false;
    return status;
}

/* Appends ", name N" (the first without the comma) when N is not zero. */
static void text_append_count(struct output_text *text, bool *is_first, const char *name,
                              uint64_t count)
{
    if (count == 0)
        return;
    text_appendf(text, "%s%s %" PRIu64, *is_first ? "" : ", ", name, count);
    *is_first = false;
}

static void text_end_list(struct output_text *text, bool is_empty)
{
    text_appendf(text, "%s\n", is_empty ? "none" : "");
}

static void text_append_decode(struct output_text *text, const struct tv_stats *st,
                               bool want_errors)
{
    bool is_first = true;
    text_appendf(text, "  decode %-9s ", want_errors ? "errors" : "skipped");
    for (int s = 0; s < TV_DECODE_STATUS_COUNT; s++) {
        enum tv_decode_status status = (enum tv_decode_status)s;
        if (status != TV_DECODE_OK && tv_decode_status_is_error(status) == want_errors)
            text_append_count(text, &is_first, tv_decode_status_name(status), st->decode[s]);
    }
    text_end_list(text, is_first);
}

/* The formats and link types read, and what could not be analysed. */
static void text_append_input(struct output_text *text, const struct tv_stats *st,
                              const struct capture_stats *capture)
{
    bool is_first = true;
    text_appendf(text, "  formats          ");
    for (int f = 0; f < READER_FORMAT_COUNT; f++)
        text_append_count(text, &is_first, reader_format_name((enum reader_format)f),
                          capture->inputs_by_format[f]);
    if (capture->inputs_gzip > 0 || capture->inputs_zstd > 0)
        text_appendf(text, " (compressed: %" PRIu64 " gzip, %" PRIu64 " zstd)",
                     capture->inputs_gzip, capture->inputs_zstd);
    text_appendf(text, "%s\n", is_first ? (capture->has_kernel_drops ? "live" : "none") : "");

    is_first = true;
    text_appendf(text, "  link types       ");
    for (size_t i = 0; i < capture->linktype_count; i++) {
        int linktype = capture->linktypes[i].linktype;
        char name[48];
        if (capture->linktypes[i].packets == 0)
            continue; /* met, but no packet of it passed the filter */
        text_appendf(text, "%s%s %" PRIu64 "%s", is_first ? "" : ", ",
                     capture_linktype_name(linktype, name, sizeof(name)),
                     capture->linktypes[i].packets,
                     tv_linktype_is_decoded(linktype) ? "" : " (not decoded)");
        is_first = false;
    }
    text_append_count(text, &is_first, "other", capture->other_linktype_packets);
    text_end_list(text, is_first);

    struct summary_unreadable u = summary_unreadable_count(st, capture->unreadable_records);
    if (u.packets == 0)
        text_appendf(text, "  unreadable       none\n");
    else
        text_appendf(text,
                     "  unreadable       %" PRIu64 " packets: %" PRIu64
                     " of a link type not decoded, %" PRIu64 " in an encapsulation not decoded, "
                     "%" PRIu64 " encrypted, %" PRIu64 " in records not readable\n",
                     u.packets, u.link_type, u.encapsulation, u.encrypted, u.block);
}

/* --from-redis: the stream read, then a line per sensor. */
static void text_append_stream(struct output_text *text, const struct summary_stream *ss)
{
    const struct source_redis_counts *c = &ss->counts;
    text_appendf(text,
                 "  read from        %s, group %s as %s: %" PRIu64 " entries, %" PRIu64
                 " records (%" PRIu64 " repeats skipped, %" PRIu64 " claimed, %" PRIu64
                 " again after a reader died, %" PRIu64 " malformed, %" PRIu64
                 " unreadable, %" PRIu64 " trimmed before read)\n",
                 ss->source, ss->group, ss->consumer, c->entries, c->records, c->repeats,
                 c->claimed, c->redelivered, c->malformed, ss->unreadable, c->trimmed);
    if (ss->sensor_count == 0) {
        text_appendf(text, "  sensors          none\n");
        return;
    }
    size_t width = 6;
    for (size_t i = 0; i < ss->sensor_count; i++)
        if (strlen(ss->sensors[i].name) > width)
            width = strlen(ss->sensors[i].name);
    text_appendf(text, "  sensors          %-*s %5s %12s %7s %7s %7s %7s %7s\n", (int)width,
                 "sensor", "runs", "packets", "flows", "ok", "notice", "warn", "fail");
    for (size_t i = 0; i < ss->sensor_count; i++) {
        const struct summary_sensor *s = &ss->sensors[i];
        text_appendf(text,
                     "                   %-*s %5" PRIu64 " %12" PRIu64 " %7" PRIu64 " %7" PRIu64
                     " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 "\n",
                     (int)width, s->name, s->summaries, s->packets, s->flows,
                     s->flows_by_level[TV_LEVEL_OK], s->flows_by_level[TV_LEVEL_NOTICE],
                     s->flows_by_level[TV_LEVEL_WARN], s->flows_by_level[TV_LEVEL_FAIL]);
    }
    if (ss->sensors_left_out > 0)
        text_appendf(text, "                   (%" PRIu64 " more sensors, in the totals only)\n",
                     ss->sensors_left_out);
}

enum output_text_status output_text_summary(struct output_text *text, const struct tv_stats *st,
                                            const uint64_t *anomaly_flows,
                                            const struct capture_stats *capture,
                                            uint64_t ring_drops,
                                            const struct summary_findings *findings)
{
    bool is_first;

    pthread_mutex_lock(&text->shared->lock);
    bool wrote_header = text->shared->wrote_header;
    pthread_mutex_unlock(&text->shared->lock);
    if (wrote_header)
        text_appendf(text, "\n");
    text_appendf(text, "summary\n");
    text_appendf(text,
                 "  inputs           %" PRIu64 " read, %" PRIu64 " cut short by read errors\n",
                 capture->inputs_read, capture->input_errors);
    if (findings->clock_jumps != 0) {
        text_appendf(text, "  clock jumps      %" PRIu64 " (%" PRIu64 " followed), first at packet",
                     findings->clock_jumps, findings->clock_jumps_followed);
        for (size_t i = 0; i < findings->clock_jump_pkt_count; i++)
            text_appendf(text, "%s %" PRIu64, i == 0 ? "" : ",", findings->clock_jump_pkts[i]);
        text_appendf(text, "%s\n",
                     findings->clock_jumps > findings->clock_jump_pkt_count ? ", ..." : "");
    }
    if (findings->compare != NULL) {
        const struct summary_compare *c = findings->compare;
        text_appendf(text,
                     "  compared with    %" PRIu64 " input%s, %" PRIu64 " packets, %" PRIu64
                     " flow%s: %" PRIu64 " seen at both points, %" PRIu64
                     " at the first only, %" PRIu64 " at the second only\n",
                     c->inputs, c->inputs == 1 ? "" : "s", c->packets, c->flows,
                     c->flows == 1 ? "" : "s", c->flows_both, c->flows_first_only,
                     c->flows_second_only);
        text_appendf(text,
                     "  between points   dropped orig %" PRIu64 ", resp %" PRIu64
                     "; injected orig %" PRIu64 ", resp %" PRIu64 "\n",
                     c->dropped[0], c->dropped[1], c->injected[0], c->injected[1]);
        if (c->has_clock_offset)
            text_appendf(text, "  clock offset     %+.3f ms (second minus first), drift %.3f ppm\n",
                         c->clock_offset_ms, c->clock_drift_ppm);
    }
    for (size_t i = 0; i < findings->outlet_count; i++) {
        const struct summary_outlet *so = &findings->outlets[i];
        const struct outlet_counts *c = &so->counts;
        text_appendf(text,
                     "  sent to          %s: %" PRIu64 " of %" PRIu64 " records (%" PRIu64
                     " retried, %" PRIu64 " spooled, %" PRIu64 " dropped: spool full, %" PRIu64
                     " too long)%s\n",
                     so->label, c->sent, c->queued, c->retried, c->spooled, c->dropped_full,
                     c->unsendable, c->restored > 0 ? "; some kept by an earlier run" : "");
    }
    if (findings->stream != NULL)
        text_append_stream(text, findings->stream);
    if (findings->stop_signal != 0)
        text_appendf(text, "  stopped by       %s: the flows seen so far end open\n",
                     findings->stop_signal == SIGTERM ? "SIGTERM" : "SIGINT");
    text_append_input(text, st, capture);
    text_appendf(text, "  packets          %" PRIu64 " (%" PRIu64 " TCP)\n", st->packets,
                 st->tcp_packets);

    text_appendf(text, "  flows            %" PRIu64 ":", st->flows);
    for (int l = 0; l < TV_LEVEL_COUNT; l++)
        text_appendf(text, "%s %s %" PRIu64, l == 0 ? "" : ",", tv_level_name((enum tv_level)l),
                     st->flows_by_level[l]);
    text_appendf(text, "\n");

    is_first = true;
    text_appendf(text, "  ends             ");
    for (int e = 0; e < TV_END_COUNT; e++)
        text_append_count(text, &is_first, tv_end_name((enum tv_end)e), st->flows_by_end[e]);
    text_end_list(text, is_first);

    is_first = true;
    text_appendf(text, "  anomalies        ");
    for (size_t c = 0; c < tv_anomaly_code_count(); c++)
        text_append_count(text, &is_first, tv_anomaly_code_name(c), anomaly_flows[c]);
    text_end_list(text, is_first);

    is_first = true;
    text_appendf(text, "  services         ");
    for (size_t i = 0; i < findings->service_count; i++) {
        uint64_t total = 0;
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            total += findings->service_flows[i][l];
        if (total == 0)
            continue;
        text_appendf(text, "%s%s %" PRIu64 " (%" PRIu64 " fail)", is_first ? "" : ", ",
                     findings->service_names[i], total, findings->service_flows[i][TV_LEVEL_FAIL]);
        is_first = false;
    }
    text_end_list(text, is_first);

    if (findings->nflog_prefix_count > 0) {
        text_appendf(text, "  nflog prefixes   ");
        for (size_t i = 0; i < findings->nflog_prefix_count; i++) {
            const struct tv_nflog_prefix *p = &findings->nflog_prefixes[i];
            text_appendf(text, "%s\"%s\" (group %u) %" PRIu64, i == 0 ? "" : ", ", p->prefix,
                         (unsigned)p->group, p->flows);
        }
        text_appendf(text, "\n");
    }

    if (findings->has_capture_host) {
        const struct tv_capture_host *h = &findings->capture_host;
        char addr[INET6_ADDRSTRLEN] = "?";
        if (inet_ntop(h->family == 6 ? AF_INET6 : AF_INET, h->addr, addr, sizeof(addr)) == NULL)
            addr[0] = '?', addr[1] = '\0';
        if (h->stated)
            text_appendf(text, "  capture host     %s (stated)\n", addr);
        else if (h->direction_pkts > 0)
            text_appendf(text,
                         "  capture host     %s (inferred: the capture file marks %" PRIu64
                         " packets as sent by it)\n",
                         addr, h->direction_pkts);
        else
            text_appendf(text,
                         "  capture host     %s (inferred: %" PRIu64
                         " packets it sent carry transmit-offload partial checksums)\n",
                         addr, h->evidence_pkts);
    }

    text_append_decode(text, st, false);
    text_append_decode(text, st, true);
    text_appendf(text,
                 "  checksums        %" PRIu64 " bad IP, %" PRIu64 " bad TCP, %" PRIu64
                 " TCP not verifiable\n",
                 st->ip_checksum_bad, st->tcp_checksum_bad, st->tcp_checksum_unverified);
    if (st->ip_fragments > 0)
        text_appendf(text,
                     "  ip fragments     %" PRIu64 ": %" PRIu64 " datagrams reassembled, %" PRIu64
                     " timed out, %" PRIu64 " dropped at the memcap, %" PRIu64
                     " discarded for overlaps, %" PRIu64 " malformed, %" PRIu64
                     " incomplete at the end; %" PRIu64 " duplicate fragments\n",
                     st->ip_fragments, st->ip_frag_reassembled, st->ip_frag_timed_out,
                     st->ip_frag_memcap_drops, st->ip_frag_overlaps, st->ip_frag_malformed,
                     st->ip_frag_incomplete, st->ip_frag_duplicates);
    text_appendf(text,
                 "  flow table       %" PRIu64 " at most at once, %" PRIu64 " evicted, %" PRIu64
                 " packets refused\n",
                 st->max_concurrent_flows, st->evictions, st->refused_flows);
    if (st->bucket_tree_flows > 0)
        text_appendf(text,
                     "  hash buckets     %" PRIu64
                     " flows in search trees of crowded buckets (chosen 5-tuples)\n",
                     st->bucket_tree_flows);
    /* Records a flow needed when none was free: its analysis is partial. */
    if (st->cold_records_short == 0 && st->anomaly_records_short == 0 &&
        st->location_records_short == 0)
        text_appendf(text, "  detail lost      none\n");
    else
        text_appendf(text,
                     "  detail lost      no room %" PRIu64
                     " times for a flow's extra state, %" PRIu64 " for an anomaly, %" PRIu64
                     " for a location: those flows were analysed in part\n",
                     st->cold_records_short, st->anomaly_records_short, st->location_records_short);
    if (capture->has_kernel_drops)
        text_appendf(text,
                     "  drops            %" PRIu64 " by the kernel, %" PRIu64
                     " by the interface, %" PRIu64 " by tcpverdict (ring full)\n",
                     capture->kernel_drops, capture->if_drops, ring_drops);
    else
        text_appendf(text, "  drops            none (not a live capture)\n");
    return text_flush_record(text);
}
