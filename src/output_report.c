/*
 * The HTML report (output_report.h). The page is assembled in memory and
 * written with one fwrite. Host pairs are tallied in an open-addressing
 * table that never grows past REPORT_PAIR_CAP; hints in a short list.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "output_ladder.h"
#include "output_report.h"
#include "output_svg.h"
#include "seed_logs.h"
#include "strbuf.h"
#include "platform.h"
#include "utc_time.h"

#include "banned.h"

struct report_pair {
    bool is_used;
    uint8_t family;
    uint8_t addr[2][16]; /* originator, responder */
    uint64_t flows[TV_LEVEL_COUNT];
};

struct report_hint {
    char *text; /* owned */
    uint64_t flows;
};

struct output_report {
    pthread_mutex_t lock;      /* guards everything below */
    struct report_pair *pairs; /* owned: 2 * REPORT_PAIR_CAP slots */
    size_t pair_count;
    uint64_t other_pair_flows[TV_LEVEL_COUNT]; /* pairs past the cap */
    struct report_hint hints[REPORT_HINT_CAP];
    size_t hint_count;
    uint64_t other_hint_flows;
    int64_t first_us; /* of the first flow */
    int64_t last_us;
    bool has_times;
};

#define REPORT_PAIR_SLOTS (2 * REPORT_PAIR_CAP)

struct output_report *output_report_create(void)
{
    struct output_report *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->pairs = calloc(REPORT_PAIR_SLOTS, sizeof(*r->pairs));
    if (r->pairs == NULL || pthread_mutex_init(&r->lock, NULL) != 0) {
        free(r->pairs);
        free(r);
        return NULL;
    }
    return r;
}

void output_report_destroy(struct output_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->hint_count; i++)
        free(r->hints[i].text);
    free(r->pairs);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static uint64_t report_hash(const struct tv_verdict *v)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < 16; i++)
        h = (h ^ v->orig.addr[i]) * 1099511628211ULL;
    for (size_t i = 0; i < 16; i++)
        h = (h ^ v->resp.addr[i]) * 1099511628211ULL;
    return h ^ v->orig.family;
}

static void report_tally_pair(struct output_report *r, const struct tv_verdict *v)
{
    size_t slot = (size_t)(report_hash(v) % REPORT_PAIR_SLOTS);
    for (size_t probe = 0; probe < REPORT_PAIR_SLOTS; probe++) {
        struct report_pair *p = &r->pairs[(slot + probe) % REPORT_PAIR_SLOTS];
        if (!p->is_used) {
            if (r->pair_count >= REPORT_PAIR_CAP)
                break;
            p->is_used = true;
            p->family = v->orig.family;
            memcpy(p->addr[0], v->orig.addr, 16);
            memcpy(p->addr[1], v->resp.addr, 16);
            r->pair_count++;
        }
        if (p->family == v->orig.family && memcmp(p->addr[0], v->orig.addr, 16) == 0 &&
            memcmp(p->addr[1], v->resp.addr, 16) == 0) {
            p->flows[v->level]++;
            return;
        }
    }
    r->other_pair_flows[v->level]++;
}

static bool report_tally_hint(struct output_report *r, const char *hint)
{
    for (size_t i = 0; i < r->hint_count; i++) {
        if (strcmp(r->hints[i].text, hint) == 0) {
            r->hints[i].flows++;
            return true;
        }
    }
    if (r->hint_count >= REPORT_HINT_CAP) {
        r->other_hint_flows++;
        return true;
    }
    char *copy = strdup(hint);
    if (copy == NULL)
        return false;
    r->hints[r->hint_count++] = (struct report_hint){copy, 1};
    return true;
}

bool output_report_flow(struct output_report *r, const struct tv_verdict *v)
{
    if (v->interim)
        return true;
    pthread_mutex_lock(&r->lock);
    report_tally_pair(r, v);
    bool is_ok = v->hint == NULL || report_tally_hint(r, v->hint);
    if (!r->has_times || v->first_us < r->first_us)
        r->first_us = v->first_us;
    if (!r->has_times || v->last_us > r->last_us)
        r->last_us = v->last_us;
    r->has_times = true;
    pthread_mutex_unlock(&r->lock);
    return is_ok;
}

/* UTC, as the table prints it, with microseconds when asked. */
static void report_time_us(int64_t us, bool has_fraction, char *buf, size_t len)
{
    size_t n = utc_time_format(us, has_fraction, buf, len);
    snprintf(buf + n, len - n, " UTC");
}

static void report_time(int64_t us, char *buf, size_t len)
{
    report_time_us(us, false, buf, len);
}

static void report_addr(uint8_t family, const uint8_t *addr, char *buf, size_t len)
{
    if (inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len) == NULL)
        snprintf(buf, len, "?");
}

static const char *report_winsock(enum tv_winsock w)
{
    switch (w) {
    case TV_WINSOCK_ECONNABORTED:
        return "10053 WSAECONNABORTED: the connection was aborted by this host";
    case TV_WINSOCK_ECONNRESET:
        return "10054 WSAECONNRESET: the connection was reset by the peer";
    case TV_WINSOCK_ETIMEDOUT:
        return "10060 WSAETIMEDOUT: the connection attempt timed out";
    case TV_WINSOCK_ECONNREFUSED:
        return "10061 WSAECONNREFUSED: the connection was refused";
    case TV_WINSOCK_NONE:
        break;
    }
    return "none";
}

static const char report_css[] =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:1000px}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ccc;margin-top:2em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}td.n{text-align:right}"
    ".lv-ok{color:#2a7a2a}.lv-notice{color:#1f4e9c}.lv-warn{color:#b36b00}"
    ".lv-fail{color:#b00000;font-weight:bold}"
    "pre.ladder{font-size:11px;line-height:1.25;background:#fafafa;border:1px solid #ddd;"
    "padding:.5em;overflow-x:auto}"
    "svg.tsg{max-width:100%;height:auto;border:1px solid #ddd}"
    "section.flow{margin-top:2em}.muted{color:#666}table.facts th{width:11em}"
    "nav ul{columns:2}"
    "@media print{body{margin:0;max-width:none}nav{display:none}"
    "section.flow{break-before:page}pre.ladder{font-size:8px;overflow:visible;"
    "white-space:pre}h2{break-after:avoid}table,figure{break-inside:avoid}"
    "a{color:inherit;text-decoration:none}}";

static void report_level_cell(struct strbuf *b, enum tv_level level)
{
    strbuf_appendf(b, "<td class=\"lv-%s\">%s</td>", tv_level_name(level), tv_level_name(level));
}

static void report_head(struct strbuf *b, const struct output_report *r,
                        const struct report_run *run)
{
    strbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<title>tcpverdict report: ");
    for (size_t i = 0; i < run->input_count; i++) {
        strbuf_puts(b, i > 0 ? ", " : "");
        strbuf_put_xml(b, run->inputs[i]);
    }
    strbuf_appendf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n", report_css);
    strbuf_puts(b, "<header>\n<h1>tcpverdict report</h1>\n<p>");
    for (size_t i = 0; i < run->input_count; i++) {
        strbuf_puts(b, i > 0 ? ", " : "Input: <code>");
        strbuf_put_xml(b, run->inputs[i]);
    }
    strbuf_puts(b, "</code>");
    if (run->filter != NULL) {
        strbuf_puts(b, ", filter <code>");
        strbuf_put_xml(b, run->filter);
        strbuf_puts(b, "</code>");
    }
    strbuf_appendf(b, ". %" PRIu64 " packets read, %" PRIu64 " TCP, %" PRIu64 " flows",
                   run->stats->packets, run->stats->tcp_packets, run->stats->flows);
    if (r->has_times) {
        char first[48], last[48];
        report_time(r->first_us, first, sizeof(first));
        report_time(r->last_us, last, sizeof(last));
        strbuf_appendf(b, ", from %s to %s", first, last);
    }
    strbuf_appendf(b, ".</p>\n</header>\n");
}

static void report_levels(struct strbuf *b, const struct report_run *run)
{
    strbuf_puts(b, "<section id=\"summary\">\n<h2>Summary</h2>\n<h3>Flows by verdict</h3>\n"
                   "<table class=\"levels\"><tr><th>verdict</th><th>flows</th></tr>\n");
    for (int l = TV_LEVEL_COUNT - 1; l >= 0; l--) {
        strbuf_puts(b, "<tr>");
        report_level_cell(b, (enum tv_level)l);
        strbuf_appendf(b, "<td class=\"n\">%" PRIu64 "</td></tr>\n", run->stats->flows_by_level[l]);
    }
    strbuf_puts(b, "</table>\n");
    const struct summary_findings *fi = run->findings;
    strbuf_puts(b, "<h3>Flows by service</h3>\n<table class=\"services\"><tr><th>service</th>"
                   "<th>flows</th><th>ok</th><th>notice</th><th>warn</th><th>fail</th></tr>\n");
    size_t shown = 0;
    for (size_t i = 0; fi != NULL && i < fi->service_count; i++) {
        uint64_t total = 0;
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            total += fi->service_flows[i][l];
        if (total == 0)
            continue;
        strbuf_puts(b, "<tr><td>");
        strbuf_put_xml(b, fi->service_names[i]);
        strbuf_appendf(b, "</td><td class=\"n\">%" PRIu64 "</td>", total);
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            strbuf_appendf(b, "<td class=\"n\">%" PRIu64 "</td>", fi->service_flows[i][l]);
        strbuf_puts(b, "</tr>\n");
        shown++;
    }
    if (shown == 0)
        strbuf_puts(b,
                    "<tr><td colspan=\"6\" class=\"muted\">no flow on a known service</td></tr>\n");
    strbuf_puts(b, "</table>\n");
}

static int report_pair_order(const void *a, const void *b)
{
    const struct report_pair *pa = a;
    const struct report_pair *pb = b;
    for (int l = TV_LEVEL_COUNT - 1; l >= 0; l--)
        if (pa->flows[l] != pb->flows[l])
            return pa->flows[l] > pb->flows[l] ? -1 : 1;
    int c = memcmp(pa->addr, pb->addr, sizeof(pa->addr));
    return c;
}

/* Host pairs shown at most: the worst first. */
#define REPORT_PAIRS_SHOWN 50

static void report_pairs(struct strbuf *b, struct output_report *r)
{
    struct report_pair *list = calloc(r->pair_count + 1, sizeof(*list));
    if (list == NULL) {
        b->is_short = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < REPORT_PAIR_SLOTS; i++)
        if (r->pairs[i].is_used)
            list[n++] = r->pairs[i];
    qsort(list, n, sizeof(*list), report_pair_order);
    strbuf_puts(b, "<h3>Flows by host pair</h3>\n<table class=\"pairs\"><tr><th>originator</th>"
                   "<th>responder</th><th>ok</th><th>notice</th><th>warn</th><th>fail</th></tr>\n");
    for (size_t i = 0; i < n && i < REPORT_PAIRS_SHOWN; i++) {
        char a[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
        report_addr(list[i].family, list[i].addr[0], a, sizeof(a));
        report_addr(list[i].family, list[i].addr[1], c, sizeof(c));
        strbuf_appendf(b, "<tr><td>%s</td><td>%s</td>", a, c);
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            strbuf_appendf(b, "<td class=\"n\">%" PRIu64 "</td>", list[i].flows[l]);
        strbuf_puts(b, "</tr>\n");
    }
    uint64_t rest[TV_LEVEL_COUNT];
    memcpy(rest, r->other_pair_flows, sizeof(rest));
    for (size_t i = REPORT_PAIRS_SHOWN; i < n; i++)
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            rest[l] += list[i].flows[l];
    if (n > REPORT_PAIRS_SHOWN || r->pair_count >= REPORT_PAIR_CAP) {
        strbuf_puts(b, "<tr><td colspan=\"2\" class=\"muted\">other pairs</td>");
        for (int l = 0; l < TV_LEVEL_COUNT; l++)
            strbuf_appendf(b, "<td class=\"n\">%" PRIu64 "</td>", rest[l]);
        strbuf_puts(b, "</tr>\n");
    }
    strbuf_puts(b, "</table>\n");
    free(list);
}

static void report_capture_host(struct strbuf *b, const struct report_run *run)
{
    strbuf_puts(b, "<h3>Capture host</h3>\n<p id=\"capture-host\">");
    const struct summary_findings *fi = run->findings;
    if (fi == NULL || !fi->has_capture_host) {
        strbuf_puts(b, "Not known: the capture file does not mark directions, and no host's "
                       "packets carry transmit-offload partial checksums. Give it with "
                       "<code>--capture-host ADDR</code>.");
    } else {
        const struct tv_capture_host *h = &fi->capture_host;
        char addr[INET6_ADDRSTRLEN];
        report_addr(h->family, h->addr, addr, sizeof(addr));
        if (h->stated)
            strbuf_appendf(b, "<b>%s</b>, as stated with --capture-host.", addr);
        else if (h->direction_pkts > 0)
            strbuf_appendf(
                b, "<b>%s</b>, inferred: the capture file marks %" PRIu64 " packets as sent by it.",
                addr, h->direction_pkts);
        else
            strbuf_appendf(b,
                           "<b>%s</b>, inferred: %" PRIu64
                           " packets it sent carry transmit-offload partial checksums, so the "
                           "capture saw them before the NIC filled the checksum.",
                           addr, h->evidence_pkts);
    }
    strbuf_puts(b, "</p>\n</section>\n");
}

static void report_hints(struct strbuf *b, const struct output_report *r)
{
    strbuf_puts(b, "<section id=\"hints\">\n<h2>Hints</h2>\n");
    if (r->hint_count == 0) {
        strbuf_puts(b, "<p class=\"muted\">No flow came with a hint.</p>\n</section>\n");
        return;
    }
    strbuf_puts(b, "<ul>\n");
    for (size_t i = 0; i < r->hint_count; i++) {
        strbuf_puts(b, "<li class=\"hint\">");
        strbuf_put_xml(b, r->hints[i].text);
        strbuf_appendf(b, " <span class=\"muted\">(%" PRIu64 " flow%s)</span></li>\n",
                       r->hints[i].flows, r->hints[i].flows == 1 ? "" : "s");
    }
    if (r->other_hint_flows != 0)
        strbuf_appendf(b, "<li class=\"muted\">%" PRIu64 " flows with other hints</li>\n",
                       r->other_hint_flows);
    strbuf_puts(b, "</ul>\n</section>\n");
}

static void report_fact(struct strbuf *b, const char *name, const char *value)
{
    strbuf_appendf(b, "<tr><th>%s</th><td>", name);
    strbuf_put_xml(b, value != NULL && value[0] != '\0' ? value : "-");
    strbuf_puts(b, "</td></tr>\n");
}

/* The lines the systems on the path would have logged (seed_logs.c), to
 * search their logs for. */
static void report_logs(struct strbuf *b, const struct tv_verdict *v)
{
    struct seed_log logs[SEED_LOGS_CAP];
    size_t n = seed_logs_build(v, logs);
    if (n == 0)
        return;
    strbuf_puts(b, "<table class=\"logs\"><tr><th>system</th><th>code</th><th>name</th>"
                   "<th>count</th><th>network error</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const struct seed_log *s = &logs[i];
        strbuf_puts(b, "<tr><td>");
        strbuf_put_xml(b, s->info->system);
        strbuf_puts(b, "</td><td>");
        strbuf_put_xml(b, s->info->code);
        strbuf_puts(b, "</td><td>");
        strbuf_put_xml(b, s->info->name != NULL ? s->info->name : "-");
        strbuf_appendf(b, "</td><td class=\"n\">%" PRIu64 "</td><td>", s->count);
        if (s->network_error != TV_WINSOCK_NONE)
            strbuf_appendf(b, "%d", (int)s->network_error);
        else
            strbuf_puts(b, "-");
        strbuf_puts(b, "</td></tr>\n");
    }
    strbuf_puts(b, "</table>\n");
}

static void report_one_flow(struct strbuf *b, const struct flow_pics *f)
{
    const struct tv_verdict *v = &f->verdict;
    char orig[64], resp[64], text[256];
    output_ladder_endpoint(&v->orig, orig, sizeof(orig));
    output_ladder_endpoint(&v->resp, resp, sizeof(resp));
    strbuf_appendf(b, "<section class=\"flow\" id=\"flow-%" PRIu64 "\">\n<h3>flow %" PRIu64 ": ",
                   v->flow_id, v->flow_id);
    strbuf_put_xml(b, orig);
    strbuf_puts(b, " &rarr; ");
    strbuf_put_xml(b, resp);
    strbuf_appendf(b, " <span class=\"lv-%s\">%s</span></h3>\n", tv_level_name(v->level),
                   tv_level_name(v->level));
    strbuf_puts(b, "<table class=\"facts\">\n");
    report_fact(b, "service", v->service);
    report_fact(b, "ended", v->interim ? "interim" : tv_end_name(v->end));
    report_fact(b, "conn_state", v->conn_state);
    report_fact(b, "history", v->history);
    char first[64];
    report_time_us(v->first_us, true, first, sizeof(first));
    snprintf(text, sizeof(text), "%s, lasting %.6f s", first,
             (double)(v->last_us - v->first_us) / 1e6);
    report_fact(b, "first packet", text);
    snprintf(text, sizeof(text), "%" PRIu64 " packets, %" PRIu64 " bytes%s%s", v->orig.pkts,
             v->orig.bytes, v->orig.role != NULL ? ", role " : "",
             v->orig.role != NULL ? v->orig.role : "");
    report_fact(b, "originator sent", text);
    snprintf(text, sizeof(text), "%" PRIu64 " packets, %" PRIu64 " bytes%s%s", v->resp.pkts,
             v->resp.bytes, v->resp.role != NULL ? ", role " : "",
             v->resp.role != NULL ? v->resp.role : "");
    report_fact(b, "responder sent", text);
    report_fact(b, "Winsock, originator", report_winsock(v->orig.winsock));
    report_fact(b, "Winsock, responder", report_winsock(v->resp.winsock));
    snprintf(text, sizeof(text),
             "a strict firewall (state only from a SYN) would drop %" PRIu64
             " segments, a loose one (adopting a bare ACK) %" PRIu64,
             v->strict_drops, v->loose_drops);
    report_fact(b, "firewall view", text);
    if (v->attempt != 0) {
        snprintf(text, sizeof(text), "%" PRIu32 " refused before this one", v->attempt);
        report_fact(b, "attempts", text);
    }
    report_fact(b, "hint", v->hint);
    strbuf_puts(b, "</table>\n");
    if (v->anomaly_count > 0) {
        strbuf_puts(b, "<table class=\"anomalies\"><tr><th>anomaly</th><th>level</th>"
                       "<th>from</th><th>count</th><th>first packet</th><th>at</th></tr>\n");
        for (size_t a = 0; a < v->anomaly_count; a++) {
            const struct tv_anomaly_report *an = &v->anomalies[a];
            char at[64];
            report_time_us(an->first_us, true, at, sizeof(at));
            strbuf_puts(b, "<tr><td>");
            strbuf_put_xml(b, an->code);
            strbuf_puts(b, "</td>");
            report_level_cell(b, an->level);
            strbuf_appendf(b,
                           "<td>%s</td><td class=\"n\">%" PRIu32 "</td><td class=\"n\">%" PRIu64
                           "</td><td>%s</td></tr>\n",
                           an->from_orig ? "orig" : "resp", an->count, an->first_pkt, at);
        }
        strbuf_puts(b, "</table>\n");
    }
    report_logs(b, v);
    /* Every flow of an analysis has packets; one read from a sensor's
     * record (--from-redis) has none here to draw. */
    if (f->pkt_count == 0 && f->pkts_left_out == 0) {
        strbuf_puts(b, "<p class=\"muted\">A sensor's record: its packets are not here to "
                       "draw.</p>\n</section>\n");
        return;
    }
    struct strbuf ladder;
    strbuf_init(&ladder);
    output_ladder_flow(&ladder, f);
    strbuf_puts(b, "<figure>\n<figcaption>Sequence diagram</figcaption>\n<pre class=\"ladder\">");
    strbuf_put_xml(b, ladder.data != NULL ? ladder.data : "");
    strbuf_puts(b, "</pre>\n</figure>\n");
    if (strbuf_is_short(&ladder))
        b->is_short = true;
    strbuf_free(&ladder);
    strbuf_puts(b, "<figure>\n<figcaption>Time-sequence graph</figcaption>\n");
    output_svg_flow(b, f, false);
    strbuf_puts(b, "</figure>\n</section>\n");
}

static void report_flows(struct strbuf *b, const struct report_run *run)
{
    const struct flow_packets *pics = run->pics;
    size_t count = pics != NULL ? pics->flow_count : 0;
    strbuf_appendf(b, "<section id=\"flows\">\n<h2>Flows at or above %s (%zu)</h2>\n",
                   tv_level_name(run->fail_on), count);
    if (count == 0) {
        strbuf_puts(b, "<p class=\"muted\">None.</p>\n</section>\n");
        return;
    }
    strbuf_puts(b, "<nav><ul>\n");
    for (size_t i = 0; i < count; i++) {
        const struct tv_verdict *v = &pics->flows[i].verdict;
        char orig[64], resp[64];
        output_ladder_endpoint(&v->orig, orig, sizeof(orig));
        output_ladder_endpoint(&v->resp, resp, sizeof(resp));
        strbuf_appendf(b, "<li><a href=\"#flow-%" PRIu64 "\">flow %" PRIu64 "</a> ", v->flow_id,
                       v->flow_id);
        strbuf_put_xml(b, orig);
        strbuf_puts(b, " &rarr; ");
        strbuf_put_xml(b, resp);
        strbuf_appendf(b, " <span class=\"lv-%s\">%s</span>", tv_level_name(v->level),
                       tv_level_name(v->level));
        if (v->anomaly_count > 0) {
            strbuf_puts(b, " ");
            strbuf_put_xml(b, v->anomalies[0].code);
        }
        strbuf_puts(b, "</li>\n");
    }
    strbuf_puts(b, "</ul></nav>\n");
    if (pics->flows_left_out != 0)
        strbuf_appendf(b,
                       "<p class=\"muted\">%" PRIu64 " more flows past the first %u are not "
                       "shown.</p>\n",
                       pics->flows_left_out, (unsigned)FLOW_PACKETS_FLOW_CAP);
    for (size_t i = 0; i < count; i++)
        report_one_flow(b, &pics->flows[i]);
    strbuf_puts(b, "</section>\n");
}

bool output_report_write(struct output_report *r, const char *path, const struct report_run *run)
{
    struct strbuf b;
    strbuf_init(&b);
    pthread_mutex_lock(&r->lock);
    report_head(&b, r, run);
    report_levels(&b, run);
    report_pairs(&b, r);
    report_capture_host(&b, run);
    report_hints(&b, r);
    pthread_mutex_unlock(&r->lock);
    report_flows(&b, run);
    strbuf_appendf(&b, "<footer><p class=\"muted\">tcpverdict %s</p></footer>\n</body>\n</html>\n",
                   run->version);
    bool is_ok = !strbuf_is_short(&b);
    if (!is_ok) {
        log_error("--report %s: out of memory", path);
    } else {
        FILE *f = fopen(path, "wb");
        if (f == NULL) {
            log_error("--report %s: %s", path, strerror(errno));
            is_ok = false;
        } else {
            is_ok = fwrite(b.data, 1, b.len, f) == b.len;
            if (fclose(f) != 0 || !is_ok) {
                log_error("--report %s: %s", path, strerror(errno != 0 ? errno : EIO));
                is_ok = false;
            }
        }
    }
    strbuf_free(&b);
    return is_ok;
}
