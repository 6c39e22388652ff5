/*
 * Detection: anomalies from segments and from finished flows. See detect.h
 * and shared/design/verdicts.md for the codes and their levels.
 *
 * A few findings are provisional while the flow goes on: a give-up is
 * withdrawn if the peer acknowledges after all, and bad checksums are
 * re-filed as offload when every packet of that side turns out bad. All
 * findings keep the packet number and time of their first occurrence.
 */
#include "detect.h"

#include "tcp_seq.h"
#include "banned.h"

/* Segments filled out of order before reordering is worth a warning:
 * one or two are noise on any path. */
#define REORDER_MIN_SEGMENTS 3

/* Retransmissions of the same data, with no ack in between, before a
 * sender counts as giving up once it falls silent (Windows gives up after
 * 5, Linux after 15 by default; 3 already shows back-off). */
#define GIVEUP_MIN_RETRANSMISSIONS 3

/* Without an MSS from the handshake, a segment above an Ethernet frame is
 * a super-segment. */
#define ETHERNET_MTU 1500

/* The flow's cold record, taken if need be; NULL (and the flow marked
 * partial) when none is left. */
static struct flow_cold *cold(struct detect_ctx *d, struct flow *f)
{
    struct flow_cold *c = flow_table_cold(d->flows, f);
    if (c == NULL)
        f->is_partial = 1;
    return c;
}

static void note_at(struct detect_ctx *d, struct flow *f, enum anomaly_code code, bool from_orig,
                    uint32_t n, uint64_t pkt_no, int64_t ts_us)
{
    struct flow_cold *c = cold(d, f);
    if (c != NULL)
        anomaly_note_n(d->pool, &c->anomalies, code, from_orig, n, pkt_no, ts_us);
}

static void note(struct detect_ctx *d, struct flow *f, enum anomaly_code code, bool from_orig)
{
    note_at(d, f, code, from_orig, 1, d->pkt_no, d->now_us);
}

static bool has(const struct detect_ctx *d, const struct flow *f, enum anomaly_code code)
{
    return anomaly_set_has(flow_table_anomalies(d->flows, f), code);
}

static bool has_from(const struct detect_ctx *d, const struct flow *f, enum anomaly_code code,
                     bool from_orig)
{
    const struct anomaly_set *set = flow_table_anomalies(d->flows, f);
    if (!anomaly_set_has(set, code))
        return false;
    for (uint32_t i = set->head; i != ANOMALY_NONE; i = anomaly_rec_at(d->pool, i)->next)
        if (anomaly_rec_at(d->pool, i)->code == code &&
            anomaly_rec_at(d->pool, i)->from_orig == from_orig)
            return true;
    return false;
}

void detect_first_packet(struct detect_ctx *d, struct flow *f, bool is_orig, uint8_t flags)
{
    if ((flags & TCP_FLAG_SYN) && !(flags & TCP_FLAG_ACK))
        return;
    f->flags |= FLOW_F_MIDSTREAM;
    if (d->now_us - d->start_us <= d->cfg->grace_us) {
        note(d, f, ANOMALY_MIDSTREAM_START, is_orig);
        return;
    }
    if (flags & TCP_FLAG_RST)
        note(d, f, ANOMALY_UNSOLICITED_RST, is_orig);
    else if (flags & TCP_FLAG_SYN)
        note(d, f, ANOMALY_UNSOLICITED_SYNACK, is_orig);
    else if ((flags & TCP_FLAG_FIN) && !(flags & TCP_FLAG_ACK))
        note(d, f, ANOMALY_UNSOLICITED_FIN, is_orig);
}

/*
 * Firewall views: a strict stateful firewall creates state only from a
 * SYN; a loose one (Linux conntrack with nf_conntrack_tcp_loose=1) also
 * adopts any segment that carries an ACK. Both drop state on an acceptable
 * RST. Counts the segments each would have dropped.
 */
static void firewall_view(struct detect_ctx *d, struct flow *f, uint8_t flags, bool ends_state)
{
    bool pure_syn = (flags & TCP_FLAG_SYN) && !(flags & TCP_FLAG_ACK);
    if (pure_syn)
        f->flags |= FLOW_F_FIREWALL_OK | FLOW_F_LOOSE_OK;
    else if ((flags & TCP_FLAG_ACK) && !(flags & TCP_FLAG_RST))
        f->flags |= FLOW_F_LOOSE_OK;

    /* A loose firewall adopts whatever a strict one does: no loose drop
     * without a strict one, so only strict drops need the cold record. */
    if (!(f->flags & FLOW_F_FIREWALL_OK)) {
        struct flow_cold *c = cold(d, f);
        if (c != NULL && c->strict_drops < UINT32_MAX)
            c->strict_drops++;
        if (c != NULL && !(f->flags & FLOW_F_LOOSE_OK) && c->loose_drops < UINT32_MAX)
            c->loose_drops++;
    }
    if (ends_state)
        f->flags &= (uint8_t) ~(FLOW_F_FIREWALL_OK | FLOW_F_LOOSE_OK);
}

/* Data this side sent that its peer has not acknowledged: not its SYN
 * (or the byte before its first segment, which stands for one), nor its FIN. */
static bool has_outstanding(const struct tcp_endpoint *e)
{
    uint32_t data_top = e->last_seq - (e->saw_fin ? 1u : 0u);
    uint32_t first_data = e->start_seq + 1;
    uint32_t acked = seq_gt(e->ack_seq, first_data) ? e->ack_seq : first_data;
    return seq_gt(data_top, acked);
}

/* Larger than the receiver said it accepts, or than an Ethernet frame. */
static bool is_supersegment(const struct packet *p, const struct tcp_endpoint *receiver)
{
    if (p->ip_len_zero)
        return true;
    if (receiver->mss != 0)
        return p->payload_len > receiver->mss;
    return p->ip_len > ETHERNET_MTU;
}

static void offload_anomalies(struct detect_ctx *d, struct flow *f, bool is_orig,
                              const struct packet *p, const struct tcp_endpoint *receiver)
{
    bool partial = p->tcp_csum == CSUM_PARTIAL || p->ip_csum == CSUM_PARTIAL;
    if (partial) {
        /* Evidence of where the capture was taken only if the packet was
         * still on its sender: a forwarded one kept a partial sum by way
         * of a virtual path, not the capture host's NIC. */
        if (offload_ttl_is_initial(p->ttl))
            offload_note_partial(d->offload, p->family, p->src_addr);
        note(d, f, ANOMALY_CHECKSUM_OFFLOAD, is_orig);
    }
    bool coalesced = false;
    if (p->payload_len > 0 && is_supersegment(p, receiver)) {
        coalesced = offload_classify(d->offload, p, d->epb_flags) == SEGMENT_GRO;
        note(d, f, coalesced ? ANOMALY_GRO_COALESCED : ANOMALY_TSO_SUPERSEGMENT, is_orig);
    }
    /* A coalesced segment carries the first original segment's checksum,
     * wrong for the whole: an artifact of receive offload, not damage. */
    if ((p->tcp_csum == CSUM_BAD && !coalesced) || p->ip_csum == CSUM_BAD)
        note(d, f, ANOMALY_CHECKSUM_BAD, is_orig);
    if (p->truncated)
        note(d, f, ANOMALY_TRUNCATED, is_orig);
}

static void rst_anomalies(struct detect_ctx *d, struct flow *f, bool is_orig,
                          const struct packet *p, const struct tcp_event *ev, int64_t idle_us)
{
    if (p->payload_len > 0)
        note(d, f, ANOMALY_RST_WITH_DATA, is_orig);
    if (!ev->rst_acceptable) {
        /* The receiver ignores it (RFC 9293 3.10.7.4): injection, or an
         * offload engine answering for a connection it no longer has. */
        note(d, f, ANOMALY_RST_OUT_OF_WINDOW, is_orig);
        return;
    }
    if (f->flags & FLOW_F_RST_SEEN)
        return; /* a repeated RST adds nothing */
    f->flags |= FLOW_F_RST_SEEN;
    /* Who sent it matters (the other side's application got 10054) only
     * when it ended a connection or an attempt; a RST out of nowhere did
     * neither. */
    uint8_t sent_by = is_orig ? FLOW_F_RST_BY_ORIG : FLOW_F_RST_BY_RESP;
    if (ev->is_rst_refusal) {
        f->flags |= FLOW_F_REFUSED | sent_by;
        note(d, f, ANOMALY_RST_REFUSED, is_orig);
        return;
    }
    uint8_t me = ev->state_before;
    uint8_t peer = ev->peer_state_before;
    bool was_open = me == TCP_STATE_ESTABLISHED || me == TCP_STATE_PARTIAL ||
                    me == TCP_STATE_CLOSED || peer == TCP_STATE_ESTABLISHED ||
                    peer == TCP_STATE_PARTIAL || peer == TCP_STATE_CLOSED;
    if (!was_open)
        return;
    f->flags |= sent_by;
    if (me == TCP_STATE_CLOSED || peer == TCP_STATE_CLOSED) {
        note(d, f, ANOMALY_RST_AFTER_FIN, is_orig);
        return;
    }
    /* An abort says what happened; a long silence before it says why
     * (an application's reply time-out, a firewall's idle time-out). */
    note(d, f, ANOMALY_RST_ABORT, is_orig);
    if (idle_us > d->cfg->rst_idle_us)
        note(d, f, ANOMALY_RST_AFTER_IDLE, is_orig);
}

/* Outstanding data, a peer that has spoken, and no ack for too long.
 * at_end: noticed when the flow ended, not at one of its packets; the
 * finding is then dated from the flow itself (its first packet and the
 * moment progress stopped), so that it does not depend on which other
 * packets this analyzer happened to see last. */
static void check_stall(struct detect_ctx *d, struct flow *f, uint32_t conn_ms, bool at_end)
{
    if (f->flags & FLOW_F_STALLED)
        return;
    int64_t quiet_us = (int64_t)(conn_ms - f->progress_ms) * 1000;
    if (quiet_us <= d->cfg->stall_us)
        return;
    for (int side = 0; side < 2; side++) {
        const struct tcp_endpoint *e = &f->conn.ep[side];
        if (f->conn.ep[!side].state != TCP_STATE_INACTIVE && has_outstanding(e)) {
            if (at_end)
                note_at(d, f, ANOMALY_STALL, side == 0, 1, flow_table_flow_id(d->flows, f),
                        flow_table_first_us(d->flows, f) + (int64_t)f->progress_ms * 1000);
            else
                note(d, f, ANOMALY_STALL, side == 0);
            f->flags |= FLOW_F_STALLED;
            return;
        }
    }
}

void detect_segment(struct detect_ctx *d, struct flow *f, bool is_orig, const struct packet *p,
                    const struct tcp_event *ev, int64_t idle_us, uint32_t conn_ms)
{
    uint8_t flags = p->tcp.flags;
    const struct tcp_endpoint *receiver = &f->conn.ep[is_orig ? 1 : 0];

    bool rst_ends_state = (flags & TCP_FLAG_RST) && ev->rst_acceptable;
    bool was_reset = f->flags & FLOW_F_RST_SEEN;
    firewall_view(d, f, flags, rst_ends_state);
    offload_anomalies(d, f, is_orig, p, receiver);

    if (flags & TCP_FLAG_RST) {
        rst_anomalies(d, f, is_orig, p, ev, idle_us);
    } else if (was_reset && !(flags & TCP_FLAG_SYN)) {
        /* The Forefront TMG case: the sender still believes in a
         * connection that a RST ended; a firewall drops these. */
        note(d, f, ANOMALY_ORPHAN_AFTER_RST, is_orig);
    } else if (ev->was_closed && f->conn.ep[0].did_close && f->conn.ep[1].did_close &&
               p->payload_len > 0) {
        note(d, f, ANOMALY_ORPHAN_AFTER_CLOSE, is_orig);
    }

    /* No handshake ever seen and well past the capture's start: whoever
     * forwarded these segments had no state for them. */
    if ((f->flags & FLOW_F_MIDSTREAM) && !has(d, f, ANOMALY_MIDSTREAM_START) &&
        !f->conn.ep[0].saw_syn && !f->conn.ep[1].saw_syn &&
        !(flags & (TCP_FLAG_RST | TCP_FLAG_SYN)) &&
        !((flags & TCP_FLAG_FIN) && !(flags & TCP_FLAG_ACK)))
        note(d, f, ANOMALY_ORPHAN_NO_STATE, is_orig);

    if (ev->ack_beyond_data)
        note(d, f, ANOMALY_ACK_UNSEEN, is_orig);

    /* Both need the sender's cold half, which a hole or a retransmission
     * gave it. */
    const struct flow_cold *c = flow_table_cold_peek(d->flows, f);
    const struct tcp_endpoint_cold *sender = &tcp_cold_or_zero(c ? &c->conn : NULL)->ep[!is_orig];
    if (ev->filled_hole_fast) {
        if (sender->ooo_count == REORDER_MIN_SEGMENTS)
            note_at(d, f, ANOMALY_REORDERING, is_orig, REORDER_MIN_SEGMENTS, d->pkt_no, d->now_us);
        else if (sender->ooo_count > REORDER_MIN_SEGMENTS)
            note(d, f, ANOMALY_REORDERING, is_orig);
    }

    /* Retransmissions piling up with no ack: a give-up in the making,
     * settled when the flow ends; an ack for that data withdraws it. */
    if (ev->is_retransmission && sender->rxmit_streak >= GIVEUP_MIN_RETRANSMISSIONS &&
        !has_from(d, f, ANOMALY_RETRANSMISSION_GIVEUP, is_orig))
        note(d, f, ANOMALY_RETRANSMISSION_GIVEUP, is_orig);
    if (ev->ack_advanced) {
        if (has_from(d, f, ANOMALY_RETRANSMISSION_GIVEUP, !is_orig))
            anomaly_forget(d->pool, &cold(d, f)->anomalies, ANOMALY_RETRANSMISSION_GIVEUP,
                           !is_orig);
        f->progress_ms = conn_ms;
    } else if (!was_reset) {
        /* After an acceptable RST nothing is outstanding: what the
         * sender still sends is orphaned, not waiting for an ack. */
        check_stall(d, f, conn_ms, false);
    }
}

/* Many firewalls drop fragments: the path problem this tool looks for. */
void detect_ip_fragmented(struct detect_ctx *d, struct flow *f, bool is_orig)
{
    note(d, f, ANOMALY_IP_FRAGMENTED, is_orig);
}

void detect_ip_fragment_overlap(struct detect_ctx *d, struct flow *f, bool is_orig)
{
    note(d, f, ANOMALY_IP_FRAGMENT_OVERLAP, is_orig);
}

/*
 * Bad checksums on every packet one side sent are that host's offload
 * writing junk rather than the partial sum (offloads.md), not damage; so
 * are those of a host known to be the capture host.
 */
static void settle_checksums(struct detect_ctx *d, struct flow *f)
{
    for (int side = 0; side < 2; side++) {
        if (!has_from(d, f, ANOMALY_CHECKSUM_BAD, side == 0))
            continue;
        /* The anomaly's record is in the cold record: it exists. */
        struct flow_cold *c = flow_table_cold_peek(d->flows, f);
        const struct tcp_endpoint_cold *ec = &c->conn.ep[side];
        struct flow_key key;
        flow_table_key(d->flows, f, &key);
        int key_side = side == 0 ? f->orig_side : !f->orig_side;
        bool every_packet =
            ec->csum_count >= 2 && ec->csum_count == tcp_conn_pkts(&f->conn, &c->conn, side);
        if (every_packet || offload_is_capture_host(d->offload, key.family, key.addr[key_side]))
            anomaly_rename(d->pool, &c->anomalies, ANOMALY_CHECKSUM_BAD, ANOMALY_CHECKSUM_OFFLOAD,
                           side == 0);
    }
}

void detect_flow_end(struct detect_ctx *d, struct flow *f)
{
    for (int side = 0; side < 2; side++)
        if (has_from(d, f, ANOMALY_RETRANSMISSION_GIVEUP, side == 0) &&
            !has_outstanding(&f->conn.ep[side]))
            anomaly_forget(d->pool, &cold(d, f)->anomalies, ANOMALY_RETRANSMISSION_GIVEUP,
                           side == 0);
    /* A reset flow's stall, if any, showed by the RST: what follows it
     * and the linger are no time waiting for an ack. */
    if (!has(d, f, ANOMALY_RETRANSMISSION_GIVEUP) && !(f->flags & FLOW_F_RST_SEEN)) {
        int64_t elapsed_ms = (d->now_us - flow_table_first_us(d->flows, f)) / 1000;
        check_stall(d, f, elapsed_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)elapsed_ms, true);
    }
    settle_checksums(d, f);
}
