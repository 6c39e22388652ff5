/*
 * Time-sequence graphs (output_svg.h). Each panel maps time to x and the
 * relative sequence number (Wireshark's, flow_packets_bases()) to y, y
 * growing upwards. The window edge can be far above the data (a large
 * scaled window); it is clipped to the panel so that the data stays
 * readable, and the clip is said in the panel's legend.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "output_ladder.h"
#include "output_svg.h"
#include "banned.h"

#define SVG_WIDTH    960
#define SVG_PANEL_H  340
#define SVG_TITLE_H  36
#define SVG_MARGIN_L 90
#define SVG_MARGIN_R 24
#define SVG_MARGIN_T 28
#define SVG_MARGIN_B 40
/* The window edge is drawn up to this many times the data's height. */
#define SVG_WINDOW_CLIP 1.5

struct svg_panel {
    const struct flow_pics *f;
    const struct flow_bases *bases;
    int side;  /* 0: the originator's data, 1: the responder's */
    double y0; /* top of the panel, in the document */
    double t_max_s;
    double seq_max;
    bool is_window_clipped;
};

/* A coordinate to one decimal, by integer arithmetic: printf's own
 * floating-point conversion is most of the time a large graph takes. */
static void svg_put_coord(struct strbuf *out, double v)
{
    long long tenths = (long long)(v * 10 + (v < 0 ? -0.5 : 0.5));
    const char *sign = tenths < 0 ? "-" : "";
    if (tenths < 0)
        tenths = -tenths;
    strbuf_appendf(out, "%s%lld.%lld", sign, tenths / 10, tenths % 10);
}

/* A line element of the given class for one packet. */
static void svg_put_line(struct strbuf *out, const char *cls, uint64_t number, double x1, double y1,
                         double x2, double y2)
{
    strbuf_appendf(out, "<line class=\"%s\" data-pkt=\"%" PRIu64 "\" x1=\"", cls, number);
    svg_put_coord(out, x1);
    strbuf_puts(out, "\" y1=\"");
    svg_put_coord(out, y1);
    strbuf_puts(out, "\" x2=\"");
    svg_put_coord(out, x2);
    strbuf_puts(out, "\" y2=\"");
    svg_put_coord(out, y2);
    strbuf_puts(out, "\"/>\n");
}

static double svg_x(const struct svg_panel *p, int64_t ts_us)
{
    double t = (double)(ts_us - p->f->verdict.first_us) / 1e6;
    double w = SVG_WIDTH - SVG_MARGIN_L - SVG_MARGIN_R;
    return SVG_MARGIN_L + (p->t_max_s > 0 ? t / p->t_max_s * w : 0);
}

static double svg_y(const struct svg_panel *p, double seq)
{
    double h = SVG_PANEL_H - SVG_MARGIN_T - SVG_MARGIN_B;
    if (seq > p->seq_max)
        seq = p->seq_max;
    if (seq < 0)
        seq = 0;
    return p->y0 + SVG_MARGIN_T + h - (p->seq_max > 0 ? seq / p->seq_max * h : 0);
}

/* A sequence number relative to a side's base; wraps like the wire's. */
static double svg_rel(const struct flow_bases *b, int side, uint32_t seq)
{
    return (double)(uint32_t)(seq - b->base[side]);
}

/* The peer's window, scaled as RFC 7323 2.2 says: only when both SYNs
 * offered scaling, and never on a SYN. */
static double svg_window(const struct flow_bases *b, const struct flow_pkt *k)
{
    int peer = k->from_orig ? 0 : 1;
    bool is_scaled = b->wscale[0] >= 0 && b->wscale[1] >= 0 && (k->flags & TCP_FLAG_SYN) == 0;
    int shift = b->wscale[peer] > 14 ? 14 : b->wscale[peer];
    return is_scaled ? (double)k->window * (double)(1u << shift) : (double)k->window;
}

/* A "nice" step for about n ticks over [0, max]. */
static double svg_tick_step(double max, int n)
{
    if (max <= 0)
        return 1;
    double raw = max / n;
    double mag = 1;
    for (int i = 0; i < 40 && mag * 10 <= raw; i++)
        mag *= 10;
    for (int i = 0; i < 40 && mag > raw; i++)
        mag /= 10;
    double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
}

static void svg_axes(struct strbuf *out, const struct svg_panel *p, const char *title)
{
    double left = SVG_MARGIN_L;
    double right = SVG_WIDTH - SVG_MARGIN_R;
    double top = p->y0 + SVG_MARGIN_T;
    double bottom = p->y0 + SVG_PANEL_H - SVG_MARGIN_B;
    strbuf_appendf(out, "<g class=\"panel\" data-side=\"%s\">\n", p->side == 0 ? "orig" : "resp");
    strbuf_appendf(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"ptitle\">", left, top - 10);
    strbuf_put_xml(out, title);
    strbuf_puts(out, "</text>\n");
    strbuf_appendf(out,
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n",
                   left, top, right - left, bottom - top);
    double step = svg_tick_step(p->t_max_s, 8);
    for (double t = 0; t <= p->t_max_s * 1.0001 && p->t_max_s > 0; t += step) {
        double x = left + t / p->t_max_s * (right - left);
        strbuf_appendf(
            out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%g</text>\n",
            x, top, x, bottom, x, bottom + 14, t);
    }
    strbuf_appendf(out,
                   "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\" text-anchor=\"middle\">"
                   "time since the flow's first packet (s)</text>\n",
                   (left + right) / 2, bottom + 32);
    step = svg_tick_step(p->seq_max, 6);
    for (double s = 0; s <= p->seq_max * 1.0001 && p->seq_max > 0; s += step) {
        double y = svg_y(p, s);
        strbuf_appendf(
            out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.0f</text>\n",
            left, y, right, y, left - 6, y + 4, s);
    }
    strbuf_appendf(out,
                   "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\" text-anchor=\"middle\" "
                   "transform=\"rotate(-90 %.1f %.1f)\">relative sequence number</text>\n",
                   left - 70, (top + bottom) / 2, left - 70, (top + bottom) / 2);
}

/* The panel's scales: time over the whole flow, sequence over this
 * direction's data, the peer's acknowledgments and (clipped) window. */
static void svg_scale(struct svg_panel *p)
{
    const struct flow_pics *f = p->f;
    double data_max = 1;
    double win_max = 0;
    p->t_max_s = (double)(f->verdict.last_us - f->verdict.first_us) / 1e6;
    for (size_t i = 0; i < f->pkt_count; i++) {
        const struct flow_pkt *k = &f->pkts[i];
        double t = (double)(k->ts_us - f->verdict.first_us) / 1e6;
        if (t > p->t_max_s)
            p->t_max_s = t;
        bool is_ours = (k->from_orig ? 0 : 1) == p->side;
        if (is_ours) {
            double end = svg_rel(p->bases, p->side, k->seq) + k->payload_len;
            if (end > data_max)
                data_max = end;
        } else if ((k->flags & TCP_FLAG_ACK) != 0 && p->bases->has[p->side]) {
            double ack = svg_rel(p->bases, p->side, k->ack);
            if (ack > data_max && ack < 4294967296.0 / 2)
                data_max = ack;
            double edge = ack + svg_window(p->bases, k);
            if (edge > win_max)
                win_max = edge;
        }
    }
    if (p->t_max_s <= 0)
        p->t_max_s = 0.001;
    p->seq_max = data_max * 1.05;
    if (win_max > p->seq_max) {
        double clip = data_max * SVG_WINDOW_CLIP;
        p->is_window_clipped = win_max > clip;
        p->seq_max = p->is_window_clipped ? clip : win_max * 1.02;
    }
}

/* The peer's acknowledgments and window edge: two step lines. */
static void svg_ack_lines(struct strbuf *out, const struct svg_panel *p)
{
    const struct flow_pics *f = p->f;
    if (!p->bases->has[p->side])
        return;
    for (int pass = 0; pass < 2; pass++) {
        bool is_first = true;
        double last_y = 0;
        struct strbuf pts;
        strbuf_init(&pts);
        size_t n = 0;
        for (size_t i = 0; i < f->pkt_count; i++) {
            const struct flow_pkt *k = &f->pkts[i];
            if ((k->from_orig ? 0 : 1) == p->side || (k->flags & TCP_FLAG_ACK) == 0)
                continue;
            double ack = svg_rel(p->bases, p->side, k->ack);
            double v = pass == 0 ? ack : ack + svg_window(p->bases, k);
            double x = svg_x(p, k->ts_us);
            double y = svg_y(p, v);
            if (!is_first) {
                strbuf_puts(&pts, " ");
                svg_put_coord(&pts, x);
                strbuf_puts(&pts, ",");
                svg_put_coord(&pts, last_y);
                strbuf_puts(&pts, " ");
            }
            svg_put_coord(&pts, x);
            strbuf_puts(&pts, ",");
            svg_put_coord(&pts, y);
            is_first = false;
            last_y = y;
            n++;
        }
        if (n > 0)
            strbuf_appendf(out, "<polyline class=\"%s\" points=\"%s\"/>\n",
                           pass == 0 ? "ack" : "win", pts.data);
        if (strbuf_is_short(&pts))
            out->is_short = true;
        strbuf_free(&pts);
    }
}

static const char *svg_anomaly_at(const struct flow_pics *f, uint64_t number)
{
    for (size_t a = 0; a < f->verdict.anomaly_count; a++)
        if (f->verdict.anomalies[a].first_pkt == number)
            return f->verdict.anomalies[a].code;
    return NULL;
}

static void svg_segments(struct strbuf *out, const struct svg_panel *p)
{
    const struct flow_pics *f = p->f;
    double highest = -1;
    bool saw_rst = false;
    for (size_t i = 0; i < f->pkt_count; i++) {
        const struct flow_pkt *k = &f->pkts[i];
        int side = k->from_orig ? 0 : 1;
        if ((k->flags & TCP_FLAG_RST) != 0 && side != p->side)
            saw_rst = true;
        if (side != p->side) {
            /* The peer's SACK blocks, beside the time it sent them. */
            for (size_t s = 0; s < k->sack_count && p->bases->has[p->side]; s++) {
                double x = svg_x(p, k->ts_us) + 2;
                strbuf_appendf(out,
                               "<line class=\"sack\" data-pkt=\"%" PRIu64
                               "\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                               k->number, x, svg_y(p, svg_rel(p->bases, p->side, k->sack[s][0])), x,
                               svg_y(p, svg_rel(p->bases, p->side, k->sack[s][1])));
            }
            continue;
        }
        double x = svg_x(p, k->ts_us);
        double lo = svg_rel(p->bases, side, k->seq);
        double hi = lo + k->payload_len;
        bool is_rxmit = k->payload_len > 0 && lo < highest;
        if (hi > highest)
            highest = hi;
        const char *cls = (k->flags & TCP_FLAG_RST) != 0   ? "seg rst"
                          : saw_rst                        ? "seg orphan"
                          : is_rxmit                       ? "seg rxmit"
                          : (k->flags & TCP_FLAG_SYN) != 0 ? "seg syn"
                          : (k->flags & TCP_FLAG_FIN) != 0 ? "seg fin"
                                                           : "seg";
        if ((k->flags & TCP_FLAG_RST) != 0)
            saw_rst = true;
        if (k->payload_len > 0)
            svg_put_line(out, cls, k->number, x, svg_y(p, lo), x, svg_y(p, hi));
        else
            svg_put_line(out, cls, k->number, x - 3, svg_y(p, lo), x + 3, svg_y(p, lo));
        if ((k->flags & TCP_FLAG_RST) != 0)
            strbuf_appendf(out, "<text class=\"rst\" x=\"%.1f\" y=\"%.1f\">R</text>\n", x + 4,
                           svg_y(p, lo) - 4);
        const char *code = svg_anomaly_at(f, k->number);
        if (code != NULL) {
            strbuf_appendf(
                out, "<text class=\"anomaly\" data-pkt=\"%" PRIu64 "\" x=\"%.1f\" y=\"%.1f\">",
                k->number, x + 4, svg_y(p, hi) - 14);
            strbuf_put_xml(out, code);
            strbuf_puts(out, "</text>\n");
        }
    }
}

static void svg_legend(struct strbuf *out, const struct svg_panel *p)
{
    double x = SVG_WIDTH - SVG_MARGIN_R - 420;
    double y = p->y0 + SVG_MARGIN_T - 10;
    strbuf_appendf(out,
                   "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">"
                   "<tspan class=\"l-seg\">| segment</tspan>  "
                   "<tspan class=\"l-rxmit\">| retransmitted</tspan>  "
                   "<tspan class=\"l-ack\">— ack</tspan>  "
                   "<tspan class=\"l-win\">— window%s</tspan>  "
                   "<tspan class=\"l-sack\">| SACK</tspan>  "
                   "<tspan class=\"l-orphan\">| after RST</tspan></text>\n",
                   x, y, p->is_window_clipped ? " (clipped)" : "");
    strbuf_puts(out, "</g>\n");
}

static void svg_panel(struct strbuf *out, const struct flow_pics *f, const struct flow_bases *b,
                      int side, double y0)
{
    struct svg_panel p = {.f = f, .bases = b, .side = side, .y0 = y0};
    svg_scale(&p);
    char ep[64];
    output_ladder_endpoint(side == 0 ? &f->verdict.orig : &f->verdict.resp, ep, sizeof(ep));
    char title[128];
    snprintf(title, sizeof(title), "sent by the %s, %s", side == 0 ? "originator" : "responder",
             ep);
    svg_axes(out, &p, title);
    svg_ack_lines(out, &p);
    svg_segments(out, &p);
    svg_legend(out, &p);
}

void output_svg_flow(struct strbuf *out, const struct flow_pics *f, bool standalone)
{
    double height = SVG_TITLE_H + 2 * SVG_PANEL_H;
    if (standalone)
        strbuf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    strbuf_appendf(out,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tsg\" data-flow=\"%" PRIu64
                   "\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\">\n",
                   f->verdict.flow_id, SVG_WIDTH, height, SVG_WIDTH, height);
    strbuf_puts(out, "<style>"
                     "text{font-family:sans-serif;font-size:11px;fill:#222}"
                     ".title{font-size:14px;font-weight:bold}.ptitle{font-weight:bold}"
                     ".frame{fill:none;stroke:#888}.grid{stroke:#e4e4e4}"
                     ".seg{stroke:#1f4e9c;stroke-width:2}.seg.syn,.seg.fin{stroke:#2a8a2a}"
                     ".seg.rxmit{stroke:#d62728}.seg.rst{stroke:#b00000;stroke-width:3}"
                     ".seg.orphan{stroke:#ff7f0e;stroke-width:3}"
                     ".ack{fill:none;stroke:#7b3fa0;stroke-width:1.2}"
                     ".win{fill:none;stroke:#9aa83a;stroke-width:1;stroke-dasharray:4 2}"
                     ".sack{stroke:#17a2b8;stroke-width:3}"
                     "text.rst{fill:#b00000;font-weight:bold}text.anomaly{fill:#b00000}"
                     ".l-seg{fill:#1f4e9c}.l-rxmit{fill:#d62728}.l-ack{fill:#7b3fa0}"
                     ".l-win{fill:#9aa83a}.l-sack{fill:#17a2b8}.l-orphan{fill:#ff7f0e}"
                     "</style>\n");
    struct strbuf title;
    strbuf_init(&title);
    output_ladder_title(&title, &f->verdict);
    strbuf_appendf(out, "<text class=\"title\" x=\"%d\" y=\"22\">", SVG_MARGIN_L);
    strbuf_put_xml(out, title.data != NULL ? title.data : "");
    strbuf_puts(out, "</text>\n");
    strbuf_free(&title);
    struct flow_bases bases;
    flow_packets_bases(f, &bases);
    svg_panel(out, f, &bases, 0, SVG_TITLE_H);
    svg_panel(out, f, &bases, 1, SVG_TITLE_H + SVG_PANEL_H);
    strbuf_puts(out, "</svg>\n");
}
