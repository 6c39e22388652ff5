/*
 * Verdict records. See verdict.h.
 *
 * The Winsock code of each side follows winsock.md: a side that received
 * an acceptable RST saw 10054, the opener of a refused connection 10061,
 * the opener of an unanswered one 10060. Hints are one line, tied to a
 * service and the anomaly that explains the flow, for the cases tcpverdict
 * was built for.
 */
#include "verdict.h"

#include <string.h>

#include "services.h"
#include "banned.h"

const char *tv_level_name(enum tv_level level)
{
    static const char *const names[TV_LEVEL_COUNT] = {"ok", "notice", "warn", "fail"};
    return (unsigned)level < TV_LEVEL_COUNT ? names[level] : "?";
}

int tv_level_parse(const char *name)
{
    for (int l = 0; l < TV_LEVEL_COUNT; l++)
        if (strcmp(name, tv_level_name((enum tv_level)l)) == 0)
            return l;
    return -1;
}

const char *tv_point_name(enum tv_point point)
{
    switch (point) {
    case TV_POINT_FIRST:
        return "first";
    case TV_POINT_SECOND:
        return "second";
    case TV_POINT_NONE:
        break;
    }
    return NULL;
}

const char *tv_end_name(enum tv_end end)
{
    static const char *const names[TV_END_COUNT] = {
        "fin", "rst", "refused", "syn_timeout", "idle_timeout", "evicted", "open",
    };
    return (unsigned)end < TV_END_COUNT ? names[end] : "?";
}

size_t tv_anomaly_code_count(void)
{
    return ANOMALY_COUNT;
}

const char *tv_anomaly_code_name(size_t code)
{
    return code < ANOMALY_COUNT ? anomaly_info[code].name : NULL;
}

struct hint {
    const char *service_prefix;
    enum anomaly_code code;
    const char *text;
};

/* First match wins; the order puts the most telling anomaly first. */
static const struct hint hints[] = {
    {"wsus", ANOMALY_ORPHAN_AFTER_RST,
     "non-SYN segments after a RST toward WSUS: a stateful firewall drops them; check NIC offloads "
     "on the sender (netsh int tcp set global chimney=disabled rss=disabled)"},
    {"wsus", ANOMALY_ORPHAN_NO_STATE,
     "segments toward WSUS with no connection state: a firewall drops them; check TCP Chimney "
     "offload and RSS on the sender"},
    {"arcserve", ANOMALY_RST_REFUSED,
     "nothing listening on the agent port: the Arcserve agent service is not running or not "
     "listening (E8572)"},
    {"arcserve", ANOMALY_SYN_TIMEOUT,
     "SYNs to the agent unanswered: a firewall drops them or the agent host is down (10060, "
     "E3392)"},
    {"arcserve", ANOMALY_RST_AFTER_IDLE,
     "RST after a long idle on the agent connection: the agent reply time-out (default 20 "
     "minutes) expired"},
    {"arcserve", ANOMALY_RETRANSMISSION_GIVEUP,
     "the agent connection's data went unacknowledged until the sender gave up (10053 there): "
     "a firewall that lost its state, or the agent host stopped answering (E3392)"},
    {"arcserve", ANOMALY_STALL,
     "the agent connection stalled with data outstanding: the agent is busy or blocked; its "
     "reply time-out is 20 minutes by default (E8535)"},
    {"arcserve", ANOMALY_RST_ABORT,
     "the agent connection was reset (10054): agent restart or crash, or a middlebox that lost "
     "its state"},
    {"wsus", ANOMALY_RETRANSMISSION_GIVEUP,
     "data toward WSUS went unacknowledged until the sender gave up: a firewall dropping it as "
     "not belonging to a connection; check TCP Chimney offload and RSS on the sender"},
    {"wsus", ANOMALY_RST_ABORT,
     "the WSUS connection was reset: look for the firewall's abortive-shutdown log entries and "
     "offload settings on the sender"},
};

static const char *pick_hint(const char *service, const struct anomaly_set *set)
{
    if (service == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
        if (strncmp(service, hints[i].service_prefix, strlen(hints[i].service_prefix)) == 0 &&
            anomaly_set_has(set, hints[i].code))
            return hints[i].text;
    return NULL;
}

static void fill_endpoint(const struct flow_key *key, int side, const struct tcp_endpoint *e,
                          const struct tcp_endpoint_cold *ec, uint32_t pkts,
                          const struct services *services, struct tv_endpoint_report *out)
{
    out->family = key->family;
    memcpy(out->addr, key->addr[side], sizeof(out->addr));
    out->port = key->port[side];
    out->pkts = pkts;
    out->bytes = tcp_endpoint_size(e, ec);
    out->winsock = TV_WINSOCK_NONE;
    out->role = services_role(services, key->family, key->addr[side]);
}

/* Which side's application saw which error (winsock.md). */
static void assign_winsock(const struct flow *f, const struct anomaly_set *set,
                           const struct anomaly_pool *pool, struct tv_verdict *v)
{
    if (v->end == TV_END_REFUSED) {
        v->orig.winsock = TV_WINSOCK_ECONNREFUSED;
        return;
    }
    if (anomaly_set_has(set, ANOMALY_SYN_TIMEOUT)) {
        v->orig.winsock = TV_WINSOCK_ETIMEDOUT;
        return;
    }
    /* The side that did not send the first acceptable RST received it. */
    if (f->flags & FLOW_F_RST_BY_ORIG)
        v->resp.winsock = TV_WINSOCK_ECONNRESET;
    else if (f->flags & FLOW_F_RST_BY_RESP)
        v->orig.winsock = TV_WINSOCK_ECONNRESET;
    /* A side whose retransmissions expired aborted the connection itself. */
    for (uint32_t i = set->head; i != ANOMALY_NONE; i = anomaly_rec_at(pool, i)->next) {
        const struct anomaly_rec *r = anomaly_rec_at(pool, i);
        if (r->code != ANOMALY_RETRANSMISSION_GIVEUP)
            continue;
        struct tv_endpoint_report *side = r->from_orig ? &v->orig : &v->resp;
        if (side->winsock == TV_WINSOCK_NONE)
            side->winsock = TV_WINSOCK_ECONNABORTED;
    }
}

void verdict_build(const struct flow_table *t, const struct flow *f, enum tv_end end,
                   const struct anomaly_pool *pool, const struct services *services,
                   struct verdict_buf *buf, struct tv_verdict *out)
{
    memset(out, 0, sizeof(*out));
    struct flow_key key;
    flow_table_key(t, f, &key);
    const struct flow_cold *c = flow_table_cold_peek(t, f);
    const struct tcp_conn_cold *cold = c != NULL ? &c->conn : NULL;
    const struct anomaly_set *set = flow_table_anomalies(t, f);
    int orig = f->orig_side;
    out->flow_id = flow_table_flow_id(t, f);
    out->first_us = flow_table_first_us(t, f);
    out->last_us = flow_table_last_us(t, f);
    fill_endpoint(&key, orig, &f->conn.ep[0], &tcp_cold_or_zero(cold)->ep[0],
                  tcp_conn_pkts(&f->conn, cold, 0), services, &out->orig);
    fill_endpoint(&key, !orig, &f->conn.ep[1], &tcp_cold_or_zero(cold)->ep[1],
                  tcp_conn_pkts(&f->conn, cold, 1), services, &out->resp);
    out->service = services_name(services, out->resp.port);
    out->conn_state = tcp_conn_state_name(&f->conn, cold);
    history_str(&f->conn.history, cold != NULL ? &cold->history : NULL, buf->history);
    if (f->is_partial) {
        size_t len = strlen(buf->history);
        buf->history[len] = 'x';
        buf->history[len + 1] = '\0';
    }
    out->history = buf->history;
    out->end = end;
    out->level = anomaly_set_level(set);

    size_t n = 0;
    for (uint32_t i = set->head; i != ANOMALY_NONE && n < 2 * ANOMALY_COUNT;
         i = anomaly_rec_at(pool, i)->next) {
        const struct anomaly_rec *r = anomaly_rec_at(pool, i);
        buf->anomalies[n++] = (struct tv_anomaly_report){
            .code = anomaly_info[r->code].name,
            .level = anomaly_info[r->code].level,
            .from_orig = r->from_orig,
            .count = r->count,
            .first_pkt = r->first_pkt,
            .first_us = r->first_us,
        };
    }
    out->anomalies = buf->anomalies;
    out->anomaly_count = n;
    out->strict_drops = c != NULL ? c->strict_drops : 0;
    out->loose_drops = c != NULL ? c->loose_drops : 0;
    out->attempt = c != NULL ? c->attempt : 0;
    out->http_408 = c != NULL ? c->http_408 : 0;
    assign_winsock(f, set, pool, out);
    out->hint = pick_hint(out->service, set);
}
