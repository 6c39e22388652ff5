/*
 * TCP tracker: follows both directions of one connection as a passive
 * observer and keeps Zeek-compatible endpoint states, history and
 * conn_state (shared/design/zeek-states.md), so that a flow reads the same
 * here as in a conn.log.
 *
 * It does not decide time-outs, flow identity or verdicts: the flow table
 * and the analyzer do. It reports what it saw in each segment through a
 * `struct tcp_event`, from which the anomaly engine works.
 *
 * Endpoint states, as an observer of both sides sees them. Each side moves
 * on what it sends, except where noted:
 *
 *                 SYN                 FIN
 *   INACTIVE --------> SYN_SENT -----------------------> CLOSED
 *      |  \  SYN+ACK                \  peer's SYN+ACK      |
 *      |   '--------> SYN_ACK_SENT   '--> ESTABLISHED --FIN'
 *      |  other                           |  (peer moves it) |
 *      '--------> PARTIAL ----FIN---------+------------------'
 *                                         |  RST from any state but RESET
 *                                         '------------> RESET
 *
 * A side that answers a SYN with SYN+ACK goes straight to ESTABLISHED and
 * moves the SYN's sender there too. A RST after a FIN exchange leaves
 * CLOSED sides alone; a FIN after the peer's FIN-then-RST turns that RST
 * back into a normal close.
 *
 * Sequence numbers are compared with tcp_seq.h; relative sequence numbers
 * count from each side's initial sequence number (or from one before the
 * first sequence seen, for a side whose SYN was not captured).
 */
#include "tcp_state.h"

#include <stddef.h>
#include <string.h>

#include "tcp_seq.h"
#include "banned.h"

/* A sequence jump this large on a SYN or RST is not believed (Zeek's limit). */
#define TOO_LARGE_SEQ_DELTA 1048576

/* RFC 7323 2.3: a shift count above 14 is treated as 14. */
#define WSCALE_MAX 14

const struct tcp_conn_cold *tcp_cold_or_zero(const struct tcp_conn_cold *cold)
{
    static const struct tcp_conn_cold zero;
    return cold != NULL ? cold : &zero;
}

/* Side i's cold half, taken on first need; NULL when none is left. */
static struct tcp_endpoint_cold *cold_ep(struct tcp_cold_ref *r, int i)
{
    if (r->cold == NULL)
        r->cold = r->take(r->ctx);
    return r->cold != NULL ? &r->cold->ep[i] : NULL;
}

/* Side i's cold half for reading: zeros when it has none. */
static const struct tcp_endpoint_cold *cold_peek(const struct tcp_cold_ref *r, int i)
{
    return &tcp_cold_or_zero(r->cold)->ep[i];
}

/* Stores a 16-bit history sequence that lives in the cold half; zero, the
 * value of a connection without one, needs no record. */
static void set_cold_seq(struct tcp_cold_ref *r, int i, size_t field_off, uint16_t value)
{
    if (value == 0 && r->cold == NULL)
        return;
    struct tcp_endpoint_cold *ec = cold_ep(r, i);
    if (ec != NULL)
        memcpy((unsigned char *)ec + field_off, &value, sizeof(value));
}

/* Appends a history letter, taking the cold half when the letter goes
 * past the ones the connection keeps inline. */
static void add_letter(struct tcp_conn *c, struct tcp_cold_ref *r, char letter, bool is_orig)
{
    if (history_needs_more(&c->history) && r->cold == NULL)
        r->cold = r->take(r->ctx);
    history_add(&c->history, r->cold != NULL ? &r->cold->history : NULL, letter, is_orig);
}

/* A once-per-direction letter: added the first time mask is seen from this
 * side. Returns true if it had been seen before. */
static bool check_letter(struct tcp_conn *c, struct tcp_cold_ref *r, unsigned mask, char letter,
                         bool is_orig)
{
    if (history_seen(&c->history, mask, is_orig))
        return true;
    add_letter(c, r, letter, is_orig);
    return false;
}

/* A logarithmic letter for an event count, already incremented. */
static void scaled_letter(struct tcp_conn *c, struct tcp_cold_ref *r, char letter, bool is_orig,
                          uint32_t count)
{
    if (history_is_scale_step(count))
        add_letter(c, r, letter, is_orig);
}

uint32_t tcp_conn_pkts(const struct tcp_conn *c, const struct tcp_conn_cold *cold, int i)
{
    return (uint32_t)tcp_cold_or_zero(cold)->ep[i].pkts_hi << 16 | c->pkts_lo[i];
}

/* One more segment from side i. Past 65,535 the count needs the cold half;
 * without one it stays at 65,535 (the caller, which take told, reports the
 * connection as partial). */
static void count_segment(struct tcp_conn *c, struct tcp_cold_ref *r, int i)
{
    uint32_t pkts = tcp_conn_pkts(c, r->cold, i);
    if (pkts == UINT32_MAX)
        return;
    pkts++;
    if (pkts > UINT16_MAX) {
        struct tcp_endpoint_cold *ec = cold_ep(r, i);
        if (ec == NULL)
            return;
        ec->pkts_hi = (uint16_t)(pkts >> 16);
    }
    c->pkts_lo[i] = (uint16_t)pkts;
}

void tcp_conn_init(struct tcp_conn *c)
{
    memset(c, 0, sizeof(*c));
    history_init(&c->history);
}

const char *tcp_state_name(enum tcp_state s)
{
    switch (s) {
    case TCP_STATE_INACTIVE:
        return "INACTIVE";
    case TCP_STATE_SYN_SENT:
        return "SYN_SENT";
    case TCP_STATE_SYN_ACK_SENT:
        return "SYN_ACK_SENT";
    case TCP_STATE_PARTIAL:
        return "PARTIAL";
    case TCP_STATE_ESTABLISHED:
        return "ESTABLISHED";
    case TCP_STATE_CLOSED:
        return "CLOSED";
    case TCP_STATE_RESET:
        return "RESET";
    }
    return "?";
}

static void set_state(struct tcp_endpoint *e, enum tcp_state s)
{
    e->prev_state = e->state;
    e->state = (uint8_t)s;
}

static void init_seq(struct tcp_endpoint *e, struct tcp_endpoint_cold *ec, uint32_t start,
                     uint32_t last)
{
    e->start_seq = start;
    e->ack_seq = start;
    e->last_seq = last;
    e->contig_seq = start + 1;
    if (ec != NULL) {
        ec->seq_wraps = 0;
        ec->hole_end_seq = start + 1;
        ec->has_hole = 0;
    }
}

/*
 * Contiguous data, as a reassembler would deliver it. One hole is
 * remembered; once it is filled, everything up to the highest sequence
 * seen counts as delivered. That is exact for a single loss or reordering
 * and a fair approximation for several.
 */
static void advance_contig(struct tcp_endpoint *e, struct tcp_endpoint_cold *ec, uint32_t to)
{
    if (!seq_gt(to, e->contig_seq))
        return;
    e->contig_seq = to;
    if (ec != NULL && ec->has_hole && seq_geq(e->contig_seq, ec->hole_end_seq)) {
        ec->has_hole = 0;
        if (seq_gt(e->last_seq, e->contig_seq))
            e->contig_seq = e->last_seq;
    }
}

/* A hole filled this soon after it opened was reordering, not a loss
 * repaired by retransmission (which takes at least a round trip and, on
 * a time-out, far longer). */
#define REORDER_MS 20

/* Returns true if the segment filled a hole soon after it opened. */
static bool note_data(struct tcp_endpoint *e, struct tcp_cold_ref *r, int i, uint32_t seq,
                      uint32_t end, uint32_t conn_ms)
{
    /* Only a connection with a hole has a cold half to look at here. */
    struct tcp_endpoint_cold *ec = r->cold != NULL ? &r->cold->ep[i] : NULL;
    if (seq_leq(seq, e->contig_seq)) {
        bool fills =
            ec != NULL && ec->has_hole && seq_gt(end, e->contig_seq) && seq_geq(seq, e->contig_seq);
        bool fast = fills && conn_ms - ec->hole_ms <= REORDER_MS;
        advance_contig(e, ec, end);
        if (fast && ec->ooo_count < UINT16_MAX)
            ec->ooo_count++;
        return fast;
    }
    ec = cold_ep(r, i);
    if (ec == NULL)
        return false; /* the hole goes unrecorded; the caller was told */
    if (!ec->has_hole) {
        ec->has_hole = 1;
        ec->hole_end_seq = seq;
        ec->hole_ms = conn_ms;
    } else if (seq_lt(seq, ec->hole_end_seq)) {
        ec->hole_end_seq = seq;
    }
    return false;
}

bool tcp_conn_first_packet_flips(const struct tcp_segment *seg, bool src_is_server,
                                 bool dst_is_server)
{
    uint8_t f = seg->flags;
    if ((f & TCP_FLAG_SYN) && !(f & TCP_FLAG_ACK))
        return false; /* a SYN names its sender the originator */
    /* The side that sends SYN+ACK is answering: it is the responder
     * (verdicts.md), even when the SYN was not captured. */
    if ((f & TCP_FLAG_SYN) && (f & TCP_FLAG_ACK))
        return true;
    if (!src_is_server)
        return false;
    /* Both plausible servers: favour the lower port as the server. */
    if (dst_is_server)
        return seg->src_port < seg->dst_port;
    return true;
}

/*
 * Where a side's sequence space starts (Zeek's init_endpoint): set by its
 * SYN, or guessed from its first segment so that relative numbers stay
 * consistent. A SYN with a new ISN restarts the numbering.
 */
static void init_endpoint(struct tcp_endpoint *e, struct tcp_endpoint_cold *ec, uint8_t flags,
                          uint32_t seq, uint32_t seq_end)
{
    bool syn = flags & TCP_FLAG_SYN;
    switch ((enum tcp_state)e->state) {
    case TCP_STATE_INACTIVE:
        if (syn)
            init_seq(e, ec, seq, seq_end);
        else
            /* One before the first byte, as if a SYN had been seen; the
             * first segment itself must not look like a retransmission. */
            init_seq(e, ec, seq - 1, seq);
        break;
    case TCP_STATE_SYN_SENT:
    case TCP_STATE_SYN_ACK_SENT:
        if (syn && seq != e->start_seq)
            init_seq(e, ec, seq, seq_end);
        break;
    case TCP_STATE_ESTABLISHED:
    case TCP_STATE_PARTIAL:
        /* A SYN inside a connection: guess it is the one that really
         * sets the connection up. */
        if (syn)
            init_seq(e, ec, seq, seq_end);
        break;
    case TCP_STATE_RESET:
        /* Numbers set only by an earlier RST may have come from a spoofed
         * one; a SYN from this side is better evidence. */
        if (syn && e->prev_state == TCP_STATE_INACTIVE)
            init_seq(e, ec, seq, seq_end);
        break;
    case TCP_STATE_CLOSED:
        break;
    }
}

/* The peer's sequence space, guessed from an ACK when the peer is silent. */
static void init_peer(struct tcp_endpoint *peer, struct tcp_endpoint_cold *ec, uint32_t ack)
{
    init_seq(peer, ec, ack - 1, ack - 1);
}

/* Returns true if the ack acknowledged new data of e. */
static bool update_ack_seq(struct tcp_endpoint *e, struct tcp_endpoint_cold *ec, uint32_t ack)
{
    int32_t delta = seq_diff(ack, e->ack_seq);
    /* An ack of exactly 0 far ahead is more likely broken than a
     * connection that happens to land on 0. */
    if (ack == 0 && delta > TOO_LARGE_SEQ_DELTA)
        return false;
    if (delta <= 0)
        return false;
    e->ack_seq = ack;
    if (ec != NULL)
        ec->rxmit_streak = 0;
    return true;
}

static void update_last_seq_value(struct tcp_endpoint *e, struct tcp_cold_ref *r, int i,
                                  uint32_t seq_end)
{
    /* Wraps of the offset from the ISN, which is what sizes are made of. */
    if ((uint32_t)(seq_end - e->start_seq) < (uint32_t)(e->last_seq - e->start_seq)) {
        struct tcp_endpoint_cold *ec = cold_ep(r, i);
        if (ec != NULL && ec->seq_wraps < UINT8_MAX)
            ec->seq_wraps++;
    }
    e->last_seq = seq_end;
}

/* Advances the highest sequence sent; returns its change (may be negative)
 * and flags resent payload as a retransmission. */
static int32_t update_last_seq(struct tcp_conn *c, struct tcp_cold_ref *r, bool is_orig,
                               uint8_t flags, uint32_t seq_end, uint32_t len, struct tcp_event *ev)
{
    int i = is_orig ? 0 : 1;
    struct tcp_endpoint *e = &c->ep[i];
    int32_t delta = seq_diff(seq_end, e->last_seq);
    bool syn_or_rst = flags & (TCP_FLAG_SYN | TCP_FLAG_RST);

    if (syn_or_rst && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
        return delta; /* outlandish: don't let it move our numbering */
    if ((flags & TCP_FLAG_FIN) && e->last_seq == e->start_seq + 1) {
        /* Only the SYN and the FIN seen: trust the FIN even backwards, so
         * connections over 2 GB keep their size. */
        update_last_seq_value(e, r, i, seq_end);
        return delta;
    }
    if (e->state == TCP_STATE_RESET)
        return delta; /* after a RST, sequence numbers mean nothing */
    if (delta > 0) {
        update_last_seq_value(e, r, i, seq_end);
    } else if (len > 0) {
        ev->is_retransmission = true;
        struct tcp_endpoint_cold *ec = cold_ep(r, i);
        if (ec == NULL)
            return delta;
        if (ec->rxmit_count < UINT32_MAX)
            ec->rxmit_count++;
        if (ec->rxmit_streak < 7)
            ec->rxmit_streak++;
        scaled_letter(c, r, 'T', is_orig, ec->rxmit_count);
    }
    return delta;
}

/* History letters for the segment's flags (Zeek's rules, zeek-states.md). */
static void update_history(struct tcp_conn *c, struct tcp_cold_ref *r, bool is_orig, uint8_t flags,
                           uint32_t rel_seq, uint32_t len)
{
    int i = is_orig ? 0 : 1;
    struct tcp_endpoint *e = &c->ep[i];
    bool syn = flags & TCP_FLAG_SYN;
    bool fin = flags & TCP_FLAG_FIN;
    bool rst = flags & TCP_FLAG_RST;
    int control_count = syn + fin + rst;

    if (control_count > 1) {
        if (fin && rst)
            check_letter(c, r, HIST_FIN_RST, 'I', is_orig);
        else
            check_letter(c, r, HIST_MULTI_FLAG, 'Q', is_orig);
        return;
    }
    if (syn) {
        char letter = (flags & TCP_FLAG_ACK) ? 'H' : 'S';
        /* SYN and SYN+ACK share one seen bit; a repeat counts only with a
         * new sequence number. */
        if (check_letter(c, r, HIST_SYN, letter, is_orig) &&
            (uint16_t)rel_seq != cold_peek(r, i)->hist_syn_seq)
            add_letter(c, r, letter, is_orig);
        set_cold_seq(r, i, offsetof(struct tcp_endpoint_cold, hist_syn_seq), (uint16_t)rel_seq);
        return;
    }
    if (fin) {
        /* A FIN's sequence number is that of the byte after its data. */
        if (check_letter(c, r, HIST_FIN, 'F', is_orig) &&
            (uint16_t)(rel_seq + len) != e->hist_fin_seq)
            add_letter(c, r, 'F', is_orig);
        e->hist_fin_seq = (uint16_t)(rel_seq + len);
        return;
    }
    if (rst) {
        if (check_letter(c, r, HIST_RST, 'R', is_orig) &&
            (uint16_t)rel_seq != cold_peek(r, i)->hist_rst_seq)
            add_letter(c, r, 'R', is_orig);
        set_cold_seq(r, i, offsetof(struct tcp_endpoint_cold, hist_rst_seq), (uint16_t)rel_seq);
        return;
    }
    if (len > 0)
        check_letter(c, r, HIST_DATA, 'D', is_orig);
    else if (flags & TCP_FLAG_ACK)
        check_letter(c, r, HIST_ACK, 'A', is_orig);
}

/*
 * Zero windows are worth a letter only while they can matter: not on or
 * after a RST, and not once the peer has finished sending (its FIN).
 */
static void note_window(struct tcp_conn *c, struct tcp_cold_ref *r, bool is_orig,
                        const struct tcp_segment *s)
{
    struct tcp_endpoint *e = &c->ep[is_orig ? 0 : 1];
    const struct tcp_endpoint *peer = &c->ep[is_orig ? 1 : 0];
    e->window = s->window;
    if (s->window != 0 || (s->flags & TCP_FLAG_RST) || peer->state == TCP_STATE_CLOSED ||
        e->state == TCP_STATE_RESET)
        return;
    struct tcp_endpoint_cold *ec = cold_ep(r, is_orig ? 0 : 1);
    if (ec == NULL)
        return;
    if (ec->win0_count < UINT16_MAX)
        ec->win0_count++;
    scaled_letter(c, r, 'W', is_orig, ec->win0_count);
}

static void note_syn_options(struct tcp_endpoint *e, struct tcp_endpoint *peer,
                             const struct tcp_segment *s)
{
    e->mss = s->opt.mss;
    e->wscale_offered = s->opt.wscale >= 0;
    if (s->opt.wscale < 0) {
        e->wscale = 0;
        if (s->flags & TCP_FLAG_ACK)
            peer->wscale = 0; /* the answer declines: no scaling either way */
        return;
    }
    e->wscale = (uint8_t)(s->opt.wscale > WSCALE_MAX ? WSCALE_MAX : s->opt.wscale);
}

/* Established, or closed straight from established: a side whose
 * sequence numbers can be trusted to reveal a gap (Zeek's is_clean()). */
static bool is_clean(const struct tcp_endpoint *e)
{
    return e->state == TCP_STATE_ESTABLISHED ||
           (e->state == TCP_STATE_CLOSED && e->prev_state == TCP_STATE_ESTABLISHED);
}

/*
 * Content gap: the receiver acknowledges data the capture never showed
 * (Zeek's reassembler trims to the ack and reports the bytes it skipped).
 * Recorded while both sides are established or cleanly closing, as Zeek's
 * history does whatever report_gaps_for_partial says (that setting gates
 * only the content_gap event). Returns true if the ack runs past
 * everything the sender was seen to send.
 */
static bool note_ack_gap(struct tcp_conn *c, struct tcp_cold_ref *r, bool is_orig, uint32_t ack)
{
    const struct tcp_endpoint *e = &c->ep[is_orig ? 0 : 1];
    int peer_i = is_orig ? 1 : 0;
    struct tcp_endpoint *peer = &c->ep[peer_i];
    /* An ack of the peer's FIN covers one sequence number that is no data. */
    uint32_t data_ack = ack;
    if (peer->saw_fin && seq_geq(ack, peer->last_seq))
        data_ack = peer->last_seq - 1;
    bool beyond = seq_gt(ack, peer->last_seq);
    if (!seq_gt(data_ack, peer->contig_seq))
        return beyond;
    advance_contig(peer, r->cold != NULL ? &r->cold->ep[peer_i] : NULL, data_ack);
    if (is_clean(e) && is_clean(peer)) {
        struct tcp_endpoint_cold *ec = cold_ep(r, peer_i);
        if (ec == NULL)
            return beyond;
        if (ec->gap_count < UINT16_MAX)
            ec->gap_count++;
        scaled_letter(c, r, 'G', !is_orig, ec->gap_count);
    }
    return beyond;
}

/* Per-state handlers: what this segment does to its sender's state. */

struct transition {
    bool do_close; /* the sender finished (FIN) or aborted (RST) */
    bool flip;     /* roles must be swapped (SYN and SYN+ACK seen reversed) */
};

static void tcp_on_inactive(struct tcp_conn *c, struct tcp_endpoint *e, struct tcp_endpoint *peer,
                            bool is_orig, const struct tcp_segment *s, uint32_t len,
                            struct transition *t)
{
    uint8_t f = s->flags;

    if (f & TCP_FLAG_SYN) {
        if (is_orig) {
            set_state(e, (f & TCP_FLAG_ACK) ? TCP_STATE_SYN_ACK_SENT : TCP_STATE_SYN_SENT);
        } else {
            if (!(f & TCP_FLAG_ACK) && peer->state == TCP_STATE_SYN_ACK_SENT &&
                s->seq == e->start_seq) {
                /* The SYN+ACK was captured before its SYN: the roles are
                 * the other way round. */
                t->flip = true;
                set_state(peer, TCP_STATE_ESTABLISHED);
            }
            if (peer->state == TCP_STATE_SYN_SENT)
                set_state(peer, TCP_STATE_ESTABLISHED);
            set_state(e, TCP_STATE_ESTABLISHED);
        }
    }
    if (f & TCP_FLAG_FIN) {
        set_state(e, TCP_STATE_CLOSED);
        t->do_close = true;
    }
    if (f & TCP_FLAG_RST) {
        set_state(e, TCP_STATE_RESET);
        t->do_close = true;
    }
    if (e->state != TCP_STATE_INACTIVE)
        return;

    /* No control flag moved us. */
    if (!is_orig && len == 0 && peer->state == TCP_STATE_SYN_SENT)
        return; /* some stacks ack a SYN before answering it */
    if ((f & TCP_FLAG_ACK) && peer->state == TCP_STATE_ESTABLISHED) {
        /* The peer's SYN+ACK was seen, our SYN was missed: established. */
        set_state(e, TCP_STATE_ESTABLISHED);
        return;
    }
    set_state(e, TCP_STATE_PARTIAL);
    (void)c;
}

static void tcp_on_syn_sent(struct tcp_endpoint *e, const struct tcp_segment *s,
                            struct transition *t)
{
    if (s->flags & TCP_FLAG_FIN) {
        set_state(e, TCP_STATE_CLOSED);
        t->do_close = true;
    }
    if (s->flags & TCP_FLAG_RST) {
        set_state(e, TCP_STATE_RESET);
        t->do_close = true;
    }
}

static void tcp_on_established(struct tcp_endpoint *e, struct tcp_endpoint *peer,
                               const struct tcp_segment *s, struct transition *t)
{
    uint8_t f = s->flags;

    if ((f & TCP_FLAG_SYN) && !(f & TCP_FLAG_ACK) && e->state == TCP_STATE_PARTIAL &&
        peer->state == TCP_STATE_INACTIVE)
        set_state(e, TCP_STATE_SYN_SENT); /* SYN after a partial start: a new attempt */

    if ((f & TCP_FLAG_FIN) && !(f & TCP_FLAG_RST)) {
        set_state(e, TCP_STATE_CLOSED);
        /* The peer's FIN then RST was a normal close after all. */
        if (peer->state == TCP_STATE_RESET && peer->prev_state == TCP_STATE_CLOSED)
            set_state(peer, TCP_STATE_CLOSED);
        t->do_close = true;
    }
    if (f & TCP_FLAG_RST) {
        set_state(e, TCP_STATE_RESET);
        t->do_close = true;
    }
}

static void tcp_on_closed(struct tcp_endpoint *e, const struct tcp_endpoint *peer,
                          const struct tcp_segment *s, struct transition *t)
{
    /* After a FIN exchange a RST changes nothing; after our FIN alone it
     * aborts what the peer was still sending. */
    if ((s->flags & TCP_FLAG_RST) && peer->state != TCP_STATE_CLOSED) {
        set_state(e, TCP_STATE_RESET);
        if (!e->did_close)
            t->do_close = true;
    }
}

static void tcp_on_reset(void)
{
    /* Nothing moves a side out of RESET; late segments are the anomaly
     * engine's business (orphan_after_rst). */
}

static void update_state(struct tcp_conn *c, struct tcp_endpoint *e, struct tcp_endpoint *peer,
                         bool is_orig, const struct tcp_segment *s, uint32_t len,
                         struct transition *t)
{
    switch ((enum tcp_state)e->state) {
    case TCP_STATE_INACTIVE:
        tcp_on_inactive(c, e, peer, is_orig, s, len, t);
        break;
    case TCP_STATE_SYN_SENT:
    case TCP_STATE_SYN_ACK_SENT:
        tcp_on_syn_sent(e, s, t);
        break;
    case TCP_STATE_ESTABLISHED:
    case TCP_STATE_PARTIAL:
        tcp_on_established(e, peer, s, t);
        break;
    case TCP_STATE_CLOSED:
        tcp_on_closed(e, peer, s, t);
        break;
    case TCP_STATE_RESET:
        tcp_on_reset();
        break;
    }
}

uint32_t tcp_endpoint_peer_window(const struct tcp_endpoint *e, const struct tcp_endpoint *peer)
{
    if (!e->saw_syn || !peer->saw_syn)
        return UINT32_MAX; /* the scale was negotiated out of sight */
    unsigned shift = e->wscale_offered && peer->wscale_offered ? peer->wscale : 0;
    return (uint32_t)peer->window << shift;
}

/*
 * RFC 9293 3.10.7.4: a RST is acceptable if its sequence number is in the
 * receiver's window; otherwise the receiver ignores it (RFC 5961 adds a
 * challenge ACK). A RST answering a SYN is judged by its ack instead
 * (3.10.7.3). Any RST whose window we could not follow is given the
 * benefit of the doubt.
 */
static bool rst_is_acceptable(const struct tcp_endpoint *e, const struct tcp_endpoint *peer,
                              const struct tcp_segment *s)
{
    if (peer->state == TCP_STATE_SYN_SENT && e->state == TCP_STATE_INACTIVE)
        /* 3.10.7.3: in SYN-SENT only a RST that acknowledges the SYN counts. */
        return (s->flags & TCP_FLAG_ACK) && s->ack == peer->start_seq + 1;
    if (peer->state == TCP_STATE_SYN_ACK_SENT || e->state == TCP_STATE_INACTIVE)
        return true;
    uint32_t window = tcp_endpoint_peer_window(e, peer);
    if (window == UINT32_MAX)
        return true;
    uint32_t rcv_nxt = e->ack_seq;
    if (seq_between(s->seq, rcv_nxt, e->last_seq))
        return true; /* at or behind what we sent: data in flight */
    return seq_between(s->seq, rcv_nxt, rcv_nxt + (window ? window : 1));
}

bool tcp_conn_segment(struct tcp_conn *c, struct tcp_cold_ref *r, bool is_orig,
                      const struct packet *p, uint32_t conn_ms, struct tcp_event *ev)
{
    int i = is_orig ? 0 : 1;
    struct tcp_endpoint *e = &c->ep[i];
    struct tcp_endpoint *peer = &c->ep[1 - i];
    const struct tcp_segment *s = &p->tcp;
    uint8_t f = s->flags;
    uint32_t len = p->payload_len;

    memset(ev, 0, sizeof(*ev));
    ev->state_before = e->state;
    ev->peer_state_before = peer->state;
    ev->was_closed = tcp_conn_is_closed(c);

    count_segment(c, r, i);
    /* Zeek's "c": any wrong checksum in the capture, offload artifact or
     * not. Unlike Zeek, the segment is still analysed. */
    if (p->tcp_csum == CSUM_BAD || p->tcp_csum == CSUM_PARTIAL) {
        struct tcp_endpoint_cold *ec = cold_ep(r, i);
        if (ec != NULL && ec->csum_count < UINT16_MAX)
            ec->csum_count++;
        if (ec != NULL)
            scaled_letter(c, r, 'C', is_orig, ec->csum_count);
    }

    /* RFC 9293 3.4: SYN and FIN occupy sequence space; a RST's payload
     * (a diagnostic text, if any) is not part of the stream. */
    uint32_t seg_len = len + !!(f & TCP_FLAG_SYN) + !!(f & TCP_FLAG_FIN);
    if (f & TCP_FLAG_RST)
        seg_len -= len;
    uint32_t seq_end = s->seq + seg_len;

    if (f & TCP_FLAG_RST)
        ev->rst_acceptable = rst_is_acceptable(e, peer, s);
    init_endpoint(e, r->cold != NULL ? &r->cold->ep[i] : NULL, f, s->seq, seq_end);
    uint32_t rel_seq = s->seq - e->start_seq;
    update_history(c, r, is_orig, f, rel_seq, len);
    note_window(c, r, is_orig, s);
    if (f & TCP_FLAG_SYN) {
        e->saw_syn = 1;
        note_syn_options(e, peer, s);
    }
    if (f & TCP_FLAG_FIN)
        e->saw_fin = 1;

    bool ack_valid = false;
    if (f & TCP_FLAG_ACK) {
        if (peer->state == TCP_STATE_INACTIVE) {
            init_peer(peer, r->cold != NULL ? &r->cold->ep[1 - i] : NULL, s->ack);
        } else if (seq_diff(s->ack, peer->start_seq) >= 0 || cold_peek(r, 1 - i)->seq_wraps) {
            ack_valid = true;
            if (!(f & TCP_FLAG_RST)) /* a RST's ack is not trusted */
                ev->ack_advanced =
                    update_ack_seq(peer, r->cold != NULL ? &r->cold->ep[1 - i] : NULL, s->ack);
        }
    }

    update_last_seq(c, r, is_orig, f, seq_end, len, ev);
    /* Payload the capture cut short is data the observer never had: a later
     * ack over it shows as a content gap, as in a reassembler. */
    if (len > 0 && !(f & TCP_FLAG_RST) && cursor_remaining(&s->payload) >= len) {
        uint32_t data_seq = s->seq + !!(f & TCP_FLAG_SYN);
        ev->filled_hole_fast = note_data(e, r, i, data_seq, data_seq + len, conn_ms);
    }

    struct transition t = {false, false};
    update_state(c, e, peer, is_orig, s, len, &t);

    /* Acks are judged after the state change, so that an ack running
     * ahead in a closing FIN or RST is not taken for a gap. */
    if (ack_valid && !(f & TCP_FLAG_RST))
        ev->ack_beyond_data = note_ack_gap(c, r, is_orig, s->ack);

    /* A RST from a responder that never answered, to a side still opening:
     * the connection was refused. */
    if ((f & TCP_FLAG_RST) && !is_orig && ev->state_before == TCP_STATE_INACTIVE &&
        (ev->peer_state_before == TCP_STATE_SYN_SENT ||
         ev->peer_state_before == TCP_STATE_SYN_ACK_SENT))
        ev->is_rst_refusal = true;
    if ((f & TCP_FLAG_SYN) && !(f & TCP_FLAG_ACK) && ev->state_before == TCP_STATE_SYN_SENT)
        ev->is_syn_retry = true;

    if (t.do_close && !e->did_close) {
        /* Decided once, at the first close: a peer that speaks only
         * afterwards does not reopen the connection. */
        e->did_close = 1;
        e->close_complete =
            e->state == TCP_STATE_RESET || peer->did_close || peer->state == TCP_STATE_INACTIVE;
    }
    if (t.flip) {
        if (history_needs_more(&c->history) && r->cold == NULL)
            r->cold = r->take(r->ctx); /* for the flip's letter */
        tcp_conn_flip(c, r->cold);
    }
    return t.flip;
}

void tcp_conn_flip(struct tcp_conn *c, struct tcp_conn_cold *cold)
{
    struct tcp_endpoint tmp = c->ep[0];
    c->ep[0] = c->ep[1];
    c->ep[1] = tmp;
    uint16_t tmp_pkts = c->pkts_lo[0];
    c->pkts_lo[0] = c->pkts_lo[1];
    c->pkts_lo[1] = tmp_pkts;
    if (cold != NULL) {
        struct tcp_endpoint_cold tmp_cold = cold->ep[0];
        cold->ep[0] = cold->ep[1];
        cold->ep[1] = tmp_cold;
    }
    history_flip(&c->history, cold != NULL ? &cold->history : NULL);
}

bool tcp_conn_is_closed(const struct tcp_conn *c)
{
    return c->ep[0].did_close || c->ep[1].did_close;
}

bool tcp_conn_is_reuse(const struct tcp_conn *c, const struct tcp_segment *seg)
{
    if (!(seg->flags & TCP_FLAG_SYN))
        return false;
    const struct tcp_endpoint *orig = &c->ep[0];
    const struct tcp_endpoint *resp = &c->ep[1];
    const struct tcp_endpoint *opener = orig;
    if (seg->flags & TCP_FLAG_ACK) {
        /* A SYN+ACK reopens only a half-seen connection. */
        if (orig->state != TCP_STATE_INACTIVE)
            return false;
        opener = resp;
    }
    if (tcp_conn_is_closed(c))
        return true;
    if (seg->seq == opener->start_seq)
        return false; /* the same attempt, retransmitted */
    if (!(seg->flags & TCP_FLAG_ACK) && opener->state == TCP_STATE_SYN_ACK_SENT &&
        resp->state == TCP_STATE_INACTIVE && seg->seq == resp->start_seq)
        return false; /* SYN and SYN+ACK captured in reverse order */
    return true;
}

static bool is_inactive(const struct tcp_endpoint *e)
{
    return e->state == TCP_STATE_INACTIVE || e->state == TCP_STATE_PARTIAL;
}

/* "^?S[^HAFGIQ]*R.*": a SYN (possibly after a flip) and a RST with nothing
 * between them that shows an answer or an established exchange. */
static bool history_is_syn_then_rst(const struct history *h, const struct history_more *more)
{
    unsigned len = history_len(h);
    unsigned i = 0;
    if (i < len && history_letter(h, more, i) == '^')
        i++;
    if (i >= len || history_letter(h, more, i) != 'S')
        return false;
    for (i++; i < len; i++) {
        char l = history_letter(h, more, i);
        if (l == 'R')
            return true;
        if (l == 'H' || l == 'A' || l == 'F' || l == 'G' || l == 'I' || l == 'Q')
            return false;
    }
    return false;
}

const char *tcp_conn_state_name(const struct tcp_conn *c, const struct tcp_conn_cold *cold)
{
    cold = tcp_cold_or_zero(cold);
    const struct tcp_endpoint *o = &c->ep[0];
    const struct tcp_endpoint *r = &c->ep[1];

    if (r->state == TCP_STATE_RESET) {
        if (o->state == TCP_STATE_SYN_SENT || o->state == TCP_STATE_SYN_ACK_SENT ||
            (o->state == TCP_STATE_RESET && tcp_endpoint_size(o, &cold->ep[0]) == 0 &&
             tcp_endpoint_size(r, &cold->ep[1]) == 0))
            return "REJ";
        if (is_inactive(o))
            return "RSTRH";
        return "RSTR";
    }
    if (o->state == TCP_STATE_RESET) {
        if (is_inactive(r))
            return history_is_syn_then_rst(&c->history, &cold->history) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (o->state == TCP_STATE_CLOSED && r->state == TCP_STATE_CLOSED)
        return "SF";
    if (o->state == TCP_STATE_CLOSED)
        return is_inactive(r) ? "SH" : "S2";
    if (r->state == TCP_STATE_CLOSED)
        return is_inactive(o) ? "SHR" : "S3";
    if (o->state == TCP_STATE_SYN_SENT && r->state == TCP_STATE_INACTIVE)
        return "S0";
    if (o->state == TCP_STATE_ESTABLISHED && r->state == TCP_STATE_ESTABLISHED)
        return "S1";
    return "OTH";
}

uint64_t tcp_endpoint_size(const struct tcp_endpoint *e, const struct tcp_endpoint_cold *ec)
{
    if (e->state == TCP_STATE_INACTIVE)
        return 0;
    /* Sequence space used, or acknowledged if the peer acked more than we
     * saw, less the SYN (or the guessed byte before the first segment) and
     * the FIN: bytes as Zeek counts them. */
    uint32_t top = seq_gt(e->ack_seq, e->last_seq) ? e->ack_seq : e->last_seq;
    uint64_t size = ((uint64_t)ec->seq_wraps << 32) + (uint32_t)(top - e->start_seq);
    if (size != 0)
        size--;
    if (e->saw_fin && size != 0)
        size--;
    return size;
}
