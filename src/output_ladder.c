/*
 * Text sequence diagrams (output_ladder.h). Layout, in columns:
 *
 *   0-10   time since the flow's first packet, seconds, six decimals
 *   12-63  the arrow between the two endpoints' bars
 *   65-99  the note: packet number and what the packet was
 *
 * The note is cut to fit; the arrow's label always fits, since tcpdump's
 * flag letters keep it short.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "output_ladder.h"
#include "platform.h"

#include "banned.h"

#define LADDER_TIME_WIDTH  11
#define LADDER_ARROW_WIDTH 52
#define LADDER_NOTE_WIDTH  (LADDER_WIDTH - LADDER_TIME_WIDTH - 1 - LADDER_ARROW_WIDTH - 1)

void output_ladder_endpoint(const struct tv_endpoint_report *ep, char *buf, size_t buf_len)
{
    char addr[INET6_ADDRSTRLEN] = "?";
    bool is_v6 = ep->family == 6;
    if (inet_ntop(is_v6 ? AF_INET6 : AF_INET, ep->addr, addr, sizeof(addr)) == NULL)
        snprintf(addr, sizeof(addr), "?");
    snprintf(buf, buf_len, is_v6 ? "[%s]:%u" : "%s:%u", addr, (unsigned)ep->port);
}

void output_ladder_title(struct strbuf *out, const struct tv_verdict *v)
{
    char orig[64], resp[64];
    output_ladder_endpoint(&v->orig, orig, sizeof(orig));
    output_ladder_endpoint(&v->resp, resp, sizeof(resp));
    strbuf_appendf(out, "flow %" PRIu64 ": %s -> %s  %s %s %s %s %s", v->flow_id, orig, resp,
                   v->service != NULL ? v->service : "-",
                   v->conn_state != NULL ? v->conn_state : "-",
                   v->history != NULL && v->history[0] != '\0' ? v->history : "-",
                   v->interim ? "interim" : tv_end_name(v->end), tv_level_name(v->level));
}

/* tcpdump's flag letters, ACK as ".". */
static void ladder_flags(uint8_t flags, char *buf, size_t buf_len)
{
    static const struct {
        uint8_t flag;
        char letter;
    } letters[] = {
        {TCP_FLAG_SYN, 'S'}, {TCP_FLAG_FIN, 'F'}, {TCP_FLAG_PSH, 'P'}, {TCP_FLAG_RST, 'R'},
        {TCP_FLAG_URG, 'U'}, {TCP_FLAG_ECE, 'E'}, {TCP_FLAG_CWR, 'W'}, {TCP_FLAG_ACK, '.'},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]) && n + 1 < buf_len; i++)
        if ((flags & letters[i].flag) != 0)
            buf[n++] = letters[i].letter;
    if (n == 0 && buf_len > 1)
        buf[n++] = '-';
    buf[n] = '\0';
}

static void ladder_note_add(char *note, const char *what)
{
    size_t len = strlen(note);
    snprintf(note + len, LADDER_NOTE_LEN - len, "%s%s", len > 0 ? ", " : "", what);
}

void output_ladder_marks(const struct flow_pics *f, bool *marks, char (*notes)[LADDER_NOTE_LEN])
{
    size_t first_data[2] = {SIZE_MAX, SIZE_MAX};
    size_t last_data[2] = {SIZE_MAX, SIZE_MAX};
    for (size_t i = 0; i < f->pkt_count; i++) {
        const struct flow_pkt *k = &f->pkts[i];
        int side = k->from_orig ? 0 : 1;
        if (k->payload_len > 0) {
            if (first_data[side] == SIZE_MAX)
                first_data[side] = i;
            last_data[side] = i;
        }
    }
    bool saw_syn[2] = {false, false};
    bool saw_synack = false;
    bool saw_handshake_ack = false;
    bool saw_rst = false;
    size_t after_rst = 0;
    for (size_t i = 0; i < f->pkt_count; i++) {
        const struct flow_pkt *k = &f->pkts[i];
        int side = k->from_orig ? 0 : 1;
        char *note = notes[i];
        note[0] = '\0';
        bool is_syn = (k->flags & TCP_FLAG_SYN) != 0;
        bool mark = (k->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST)) != 0;
        for (size_t a = 0; a < f->verdict.anomaly_count; a++) {
            if (f->verdict.anomalies[a].first_pkt == k->number) {
                ladder_note_add(note, f->verdict.anomalies[a].code);
                mark = true;
            }
        }
        if (is_syn && saw_syn[side])
            ladder_note_add(note, (k->flags & TCP_FLAG_ACK) != 0 ? "SYN-ACK again" : "SYN retry");
        if (is_syn) {
            saw_syn[side] = true;
            if ((k->flags & TCP_FLAG_ACK) != 0)
                saw_synack = true;
        } else if (saw_synack && !saw_handshake_ack && k->from_orig &&
                   (k->flags & TCP_FLAG_ACK) != 0) {
            saw_handshake_ack = true;
            mark = true;
        }
        if (i == first_data[side]) {
            ladder_note_add(note, "first data");
            mark = true;
        }
        if (i == last_data[side] && i != first_data[side]) {
            ladder_note_add(note, "last data");
            mark = true;
        }
        if (saw_rst && (k->flags & TCP_FLAG_RST) == 0 && after_rst < LADDER_AFTER_RST_CAP) {
            after_rst++;
            if (note[0] == '\0')
                ladder_note_add(note, "after RST");
            mark = true;
        }
        if ((k->flags & TCP_FLAG_RST) != 0)
            saw_rst = true;
        marks[i] = mark;
    }
}

/* One packet's arrow line. */
static void ladder_arrow(struct strbuf *out, const struct flow_pics *f, const struct flow_pkt *k,
                         const struct flow_bases *bases, const char *note)
{
    int side = k->from_orig ? 0 : 1;
    char flags[12];
    ladder_flags(k->flags, flags, sizeof(flags));
    char label[LADDER_ARROW_WIDTH + 16];
    int n = snprintf(label, sizeof(label), "[%s] seq=%" PRIu32, flags, k->seq - bases->base[side]);
    if ((k->flags & TCP_FLAG_ACK) != 0 && n > 0 && (size_t)n < sizeof(label))
        n += snprintf(label + n, sizeof(label) - (size_t)n, " ack=%" PRIu32,
                      bases->has[1 - side] ? k->ack - bases->base[1 - side] : k->ack);
    if (n > 0 && (size_t)n < sizeof(label))
        n += snprintf(label + n, sizeof(label) - (size_t)n, " len=%" PRIu32, k->payload_len);
    if (k->window == 0 && (k->flags & TCP_FLAG_RST) == 0 && n > 0 && (size_t)n < sizeof(label))
        snprintf(label + n, sizeof(label) - (size_t)n, " win=0");
    size_t label_len = strlen(label);
    /* "|-- label -->|" or "|<-- label --|": bars, a tip and 2 + 2 dashes,
     * 2 spaces around the label. */
    size_t inside = LADDER_ARROW_WIDTH - 2;
    if (label_len > inside - 7)
        label_len = inside - 7;
    size_t dashes = inside - label_len - 2 - 1;

    int64_t rel_us = k->ts_us - f->verdict.first_us;
    const char *sign = rel_us < 0 ? "-" : "";
    uint64_t abs_us = rel_us < 0 ? (uint64_t)(-(rel_us + 1)) + 1 : (uint64_t)rel_us;
    char when[32];
    snprintf(when, sizeof(when), "%s%" PRIu64 ".%06" PRIu64, sign, abs_us / 1000000,
             abs_us % 1000000);
    strbuf_appendf(out, "%*s |", LADDER_TIME_WIDTH, when);
    if (k->from_orig) {
        strbuf_puts(out, "-- ");
        strbuf_append(out, label, label_len);
        strbuf_puts(out, " ");
        strbuf_repeat(out, '-', dashes - 2);
        strbuf_puts(out, ">");
    } else {
        strbuf_puts(out, "<");
        strbuf_repeat(out, '-', dashes - 2);
        strbuf_puts(out, " ");
        strbuf_append(out, label, label_len);
        strbuf_puts(out, " --");
    }
    char full[LADDER_NOTE_LEN + 32];
    snprintf(full, sizeof(full), "pkt %" PRIu64 "%s%s", k->number, note[0] != '\0' ? " " : "",
             note);
    size_t full_len = strlen(full);
    if (full_len > LADDER_NOTE_WIDTH) {
        full_len = LADDER_NOTE_WIDTH;
        full[full_len - 1] = '~';
    }
    strbuf_puts(out, "| ");
    strbuf_append(out, full, full_len);
    strbuf_puts(out, "\n");
}

/* What a run of folded packets held. */
struct ladder_fold {
    size_t first; /* index of the run's first packet */
    uint64_t pkts[2];
    uint64_t bytes[2];
    int64_t first_us;
    int64_t last_us;
};

/* The run as one line; a run of one or two is drawn rather than folded. */
static void ladder_fold_line(struct strbuf *out, const struct flow_pics *f,
                             const struct flow_bases *bases, const struct ladder_fold *fold)
{
    uint64_t pkts = fold->pkts[0] + fold->pkts[1];
    if (pkts == 0)
        return;
    if (pkts <= 2) {
        for (size_t i = fold->first; i < fold->first + pkts; i++)
            ladder_arrow(out, f, &f->pkts[i], bases, "");
        return;
    }
    int64_t span_us = fold->last_us - fold->first_us;
    strbuf_appendf(out,
                   "%*s :  ... %" PRIu64 " packet%s: orig %" PRIu64 " (%" PRIu64
                   " bytes), resp %" PRIu64 " (%" PRIu64 " bytes) over %" PRId64 ".%06" PRId64
                   " s\n",
                   LADDER_TIME_WIDTH, "", pkts, pkts == 1 ? "" : "s", fold->pkts[0], fold->bytes[0],
                   fold->pkts[1], fold->bytes[1], span_us / 1000000, span_us % 1000000);
}

/* A silence this long before a packet drawn gets a line of its own. */
#define LADDER_IDLE_US 1000000

static void ladder_idle_line(struct strbuf *out, int64_t gap_us)
{
    strbuf_appendf(out, "%*s :  (%" PRId64 ".%03" PRId64 " s without a packet)\n",
                   LADDER_TIME_WIDTH, "", gap_us / 1000000, (gap_us % 1000000) / 1000);
}

void output_ladder_flow(struct strbuf *out, const struct flow_pics *f)
{
    const struct tv_verdict *v = &f->verdict;
    output_ladder_title(out, v);
    strbuf_puts(out, "\n");
    char orig[64], resp[64];
    output_ladder_endpoint(&v->orig, orig, sizeof(orig));
    output_ladder_endpoint(&v->resp, resp, sizeof(resp));
    for (size_t a = 0; a < v->anomaly_count; a++)
        strbuf_appendf(out, "  %s (%s) from %s x%" PRIu32 ", first at pkt %" PRIu64 "\n",
                       v->anomalies[a].code, tv_level_name(v->anomalies[a].level),
                       v->anomalies[a].from_orig ? "orig" : "resp", v->anomalies[a].count,
                       v->anomalies[a].first_pkt);
    /* The column heads: both endpoints if they fit over the arrow, else
     * "orig" and "resp" with the endpoints named above. */
    size_t room = LADDER_ARROW_WIDTH - 2;
    if (strlen(orig) + strlen(resp) + 2 <= room) {
        strbuf_appendf(out, "%*s  %-*s%s\n", LADDER_TIME_WIDTH, "time (s)",
                       (int)(LADDER_ARROW_WIDTH - strlen(resp)), orig, resp);
    } else {
        strbuf_appendf(out, "  orig %s\n  resp %s\n", orig, resp);
        strbuf_appendf(out, "%*s  %-*s%s\n", LADDER_TIME_WIDTH, "time (s)", LADDER_ARROW_WIDTH - 4,
                       "orig", "resp");
    }
    if (f->pkt_count == 0) {
        strbuf_appendf(out, "%*s :  (no packets of this flow found on the second reading)\n",
                       LADDER_TIME_WIDTH, "");
    } else {
        bool *marks = calloc(f->pkt_count, sizeof(*marks));
        char(*notes)[LADDER_NOTE_LEN] = calloc(f->pkt_count, sizeof(*notes));
        if (marks == NULL || notes == NULL) {
            out->is_short = true;
        } else {
            struct flow_bases bases;
            flow_packets_bases(f, &bases);
            output_ladder_marks(f, marks, notes);
            struct ladder_fold fold = {0, {0, 0}, {0, 0}, 0, 0};
            for (size_t i = 0; i < f->pkt_count; i++) {
                const struct flow_pkt *k = &f->pkts[i];
                if (marks[i]) {
                    ladder_fold_line(out, f, &bases, &fold);
                    memset(&fold, 0, sizeof(fold));
                    if (i > 0 && k->ts_us - f->pkts[i - 1].ts_us >= LADDER_IDLE_US)
                        ladder_idle_line(out, k->ts_us - f->pkts[i - 1].ts_us);
                    ladder_arrow(out, f, k, &bases, notes[i]);
                    continue;
                }
                int side = k->from_orig ? 0 : 1;
                if (fold.pkts[0] + fold.pkts[1] == 0) {
                    fold.first = i;
                    fold.first_us = k->ts_us;
                }
                fold.last_us = k->ts_us;
                fold.pkts[side]++;
                fold.bytes[side] += k->payload_len;
            }
            ladder_fold_line(out, f, &bases, &fold);
        }
        free(marks);
        free(notes);
    }
    if (f->pkts_left_out != 0)
        strbuf_appendf(out,
                       "%*s :  (%" PRIu64 " packets past the limit of %u a flow not kept: "
                       "not drawn)\n",
                       LADDER_TIME_WIDTH, "", f->pkts_left_out, (unsigned)FLOW_PACKETS_PKT_CAP);
}
