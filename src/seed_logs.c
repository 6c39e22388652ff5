/*
 * Seed logs (seed_logs.h): what Forefront TMG, the Arcserve Backup server
 * and the Windows Update client would most likely have logged for a flow,
 * derived from its verdict only (end, anomalies, the firewall view, the
 * Winsock code of each side, the ports and the attempt number).
 *
 * Sources are shared/design/seed-logs.md for the codes, names and wording,
 * winsock.md for which side saw which error and verdicts.md for what each
 * anomaly means. Codes are spelled as seed-logs.md spells them, since that
 * is how the logs print them. A message text is given only where
 * seed-logs.md quotes it whole from a verified English source.
 *
 * Each rule says what a system would log, not what it did: the capture
 * cannot show whether TMG was on the path. Where the notes leave a case
 * open, no line is given rather than a guess.
 */
#include "seed_logs.h"

#include <stdbool.h>
#include <string.h>

#include "anomaly.h"
#include "banned.h"

enum seed_log_kind {
    TMG_GRACEFUL_SHUTDOWN = 0,
    TMG_ABORTIVE_SHUTDOWN,
    TMG_NO_SERVER_REPLY,
    TMG_BAD_TCP_CHECKSUM,
    TMG_SEQ_ACK_MISMATCH,
    TMG_NOT_SYN_DROPPED,
    ARCSERVE_AGENT_NOT_LISTENING,
    ARCSERVE_RECEIVE_FAILED,
    ARCSERVE_RECONNECT_TIMEOUT,
    WU_CANNOT_CONNECT,
    WU_TIMEOUT,
    WU_CONNECTION_ERROR,
    WU_HTTP_REQUEST_TIMEOUT,
    SEED_LOG_KIND_COUNT
};

/* System, code, name and wording in one row, so they cannot drift. */
static const struct seed_log_info seed_log_info[SEED_LOG_KIND_COUNT] = {
    /* TMG firewall log, with the Closed Connection action; the name is
     * documented, that a FIN close is what causes it is not. */
    [TMG_GRACEFUL_SHUTDOWN] = {"tmg", "0x80074e20", "FWX_E_GRACEFUL_SHUTDOWN", NULL, true},
    /* Unverified in seed-logs.md; it is what TMG logged in the WSUS case
     * of winsock.md, and the TMG SDK calls a close by RST abortive. */
    [TMG_ABORTIVE_SHUTDOWN] = {"tmg", "0x80074e21", "FWX_E_ABORTIVE_SHUTDOWN", NULL, true},
    /* Wspfwerr.h packet-filter codes, whose texts name the wire event. */
    [TMG_NO_SERVER_REPLY] = {"tmg", "0xC0040038", "FWX_E_TCP_NO_SERVER_REPLY",
                             "Connection was closed because no SYN/ACK reply was received from "
                             "the server",
                             false},
    [TMG_BAD_TCP_CHECKSUM] = {"tmg", "0xC0040031", "FWX_E_BAD_TCP_CHECKSUM_DROPPED", NULL, false},
    [TMG_SEQ_ACK_MISMATCH] = {"tmg", "0xC0040034", "FWX_E_SEQ_ACK_MISMATCH", NULL, false},
    [TMG_NOT_SYN_DROPPED] = {"tmg", "0xC0040017", "FWX_E_TCP_NOT_SYN_PACKET_DROPPED",
                             "A non-SYN packet was dropped because it was sent by a source that "
                             "does not have an established connection with the Forefront TMG "
                             "computer",
                             false},
    /* Arcserve messages have no symbolic names; their English wording is
     * not verified (only NEC's Japanese), so none is given. E8572 itself
     * is not found in any source: that it means a refused connect is the
     * meaning given to it, not a documented one. */
    [ARCSERVE_AGENT_NOT_LISTENING] = {"arcserve", "E8572", NULL, NULL, true},
    [ARCSERVE_RECEIVE_FAILED] = {"arcserve", "E8535", NULL, NULL, false},
    [ARCSERVE_RECONNECT_TIMEOUT] = {"arcserve", "E3392", NULL, NULL, false},
    /* WinHTTP errors as WUA reports them (wua-networking-error-codes);
     * that a refused SYN is what "cannot connect" means is inferred. */
    [WU_CANNOT_CONNECT] = {"windows_update", "0x80072EFD", "ERROR_WINHTTP_CANNOT_CONNECT",
                           "Connection to the server failed", true},
    [WU_TIMEOUT] = {"windows_update", "0x80072EE2", "ERROR_WINHTTP_TIMEOUT", NULL, false},
    [WU_CONNECTION_ERROR] = {"windows_update", "0x80072EFE", "ERROR_WINHTTP_CONNECTION_ERROR", NULL,
                             false},
    /* Documented as the server's 408, and only that: a time-out of the
     * client's own is 0x80072EE2 above. */
    [WU_HTTP_REQUEST_TIMEOUT] = {"windows_update", "0x8024401C",
                                 "WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT", "Same as HTTP status 408",
                                 false},
};

_Static_assert(SEED_LOG_KIND_COUNT <= SEED_LOGS_CAP, "SEED_LOGS_CAP too small");

struct seed_logs_out {
    struct seed_log *lines;
    size_t count;
};

static void add(struct seed_logs_out *out, enum seed_log_kind kind, uint64_t count,
                enum tv_winsock network_error)
{
    if (count == 0)
        return;
    out->lines[out->count++] = (struct seed_log){
        .info = &seed_log_info[kind],
        .count = count,
        .network_error = network_error,
    };
}

/* Occurrences of an anomaly code on the flow, from either side. */
static uint64_t anomaly_total(const struct tv_verdict *v, enum anomaly_code code)
{
    uint64_t total = 0;
    for (size_t i = 0; i < v->anomaly_count; i++)
        if (strcmp(v->anomalies[i].code, anomaly_info[code].name) == 0)
            total += v->anomalies[i].count;
    return total;
}

static bool has_anomaly(const struct tv_verdict *v, enum anomaly_code code)
{
    return anomaly_total(v, code) > 0;
}

/* A connect() the originator's application saw refused. A Windows
 * client's retries after a RST (winsock.md, KB175523) are flows of their
 * own on the same 5-tuple, all within that one connect(), so only the
 * first attempt counts: the application reports once. */
static bool is_refused_connect(const struct tv_verdict *v)
{
    return v->end == TV_END_REFUSED && v->attempt == 0;
}

/*
 * Forefront TMG, for any flow through it.
 *
 * Closed Connection lines need a connection TMG knew. verdicts.md names
 * orphan_no_state and the unsolicited codes as the firewall's view of "no
 * connection for this packet": such a flow never had state there, so its
 * packets are drops (0xC0040017), not a connection that closed. A flow
 * that predates the capture (midstream_start) was open through TMG.
 *
 * A FIN close is graceful (0x80074e20, as TMG's own sample lines show);
 * a close by RST is abortive (0x80074e21, the SDK's meaning of abortive).
 * A refused attempt closed nothing that was established, and seed-logs.md
 * gives no code for it.
 */
static void tmg_logs(const struct tv_verdict *v, struct seed_logs_out *out)
{
    bool had_state =
        !has_anomaly(v, ANOMALY_ORPHAN_NO_STATE) && !has_anomaly(v, ANOMALY_UNSOLICITED_SYNACK) &&
        !has_anomaly(v, ANOMALY_UNSOLICITED_FIN) && !has_anomaly(v, ANOMALY_UNSOLICITED_RST);
    if (had_state && v->end == TV_END_FIN)
        add(out, TMG_GRACEFUL_SHUTDOWN, 1, TV_WINSOCK_NONE);
    if (had_state && v->end == TV_END_RST)
        add(out, TMG_ABORTIVE_SHUTDOWN, 1, TV_WINSOCK_NONE);

    /* "no SYN/ACK reply was received from the server": one connection. */
    if (has_anomaly(v, ANOMALY_SYN_TIMEOUT))
        add(out, TMG_NO_SERVER_REPLY, 1, TV_WINSOCK_NONE);

    /* Real corruption only: checksum_offload is the capture host's NIC
     * not having filled the checksum yet, and the wire carried a good one
     * (offloads.md), so TMG saw nothing wrong. */
    add(out, TMG_BAD_TCP_CHECKSUM, anomaly_total(v, ANOMALY_CHECKSUM_BAD), TV_WINSOCK_NONE);

    /* An invalid sequence number: a RST outside the receiver's window is
     * the one out-of-window segment the verdict names. ack_unseen is not
     * one: it acknowledges data the capture missed but the path carried. */
    add(out, TMG_SEQ_ACK_MISMATCH, anomaly_total(v, ANOMALY_RST_OUT_OF_WINDOW), TV_WINSOCK_NONE);

    /* TMG creates state only on a SYN, as the strict firewall view does,
     * so its drops are strict_drops. Except when the connection predates
     * the capture: TMG saw that SYN, and drops only what came after a RST
     * ended the connection. */
    uint64_t drops = has_anomaly(v, ANOMALY_MIDSTREAM_START)
                         ? anomaly_total(v, ANOMALY_ORPHAN_AFTER_RST)
                         : v->strict_drops;
    add(out, TMG_NOT_SYN_DROPPED, drops, TV_WINSOCK_NONE);
}

/*
 * Applications on the originator, which log what their socket saw: a
 * line for a refused connect, and lines for the Winsock errors the
 * verdict gives the originator (up to three codes each; 0 ends a list).
 */
struct app_line {
    enum seed_log_kind kind;
    bool on_refused;
    enum tv_winsock on_winsock[3];
    bool quotes_error; /* the line repeats the Winsock code as network_error */
};

struct app {
    uint16_t ports[4]; /* the servers it talks to; 0 ends the list */
    struct app_line lines[3];
    bool reports_http_408; /* logs a server's HTTP 408 reply (WU_HTTP_REQUEST_TIMEOUT) */
};

/*
 * The Arcserve Backup server, on flows to an agent (6050 Universal Agent,
 * 6051 client agent: winsock.md, seed-logs.md 2).
 *
 * E8572, agent not listening: the connect was refused (10061).
 *
 * E8535, failed to receive data from the agent: an established connection
 * that ended under the server, reset by the agent's side (10054) or given
 * up by its own retransmissions (10053).
 *
 * E3392, TCP reconnect time-out, quotes the network error: NEC lists
 * 10060, 10054 and 10053 with it, whichever side timed out. It follows
 * E8535 in the job log, and comes alone for an unanswered connect (10060).
 */
static const struct app arcserve = {
    {6050, 6051},
    {
        {ARCSERVE_AGENT_NOT_LISTENING, true, {0}, false},
        {ARCSERVE_RECEIVE_FAILED, false, {TV_WINSOCK_ECONNRESET, TV_WINSOCK_ECONNABORTED}, false},
        {ARCSERVE_RECONNECT_TIMEOUT,
         false,
         {TV_WINSOCK_ETIMEDOUT, TV_WINSOCK_ECONNRESET, TV_WINSOCK_ECONNABORTED},
         true},
    },
    false,
};

/*
 * The Windows Update client, on flows to WSUS (80/443 on older setups,
 * 8530/8531 since Server 2012: seed-logs.md 3); WinHTTP reports what its
 * socket saw.
 *
 * 0x80072EFD, cannot connect: a SYN answered by RST (10061).
 *
 * 0x80072EE2, time-out: unanswered SYNs (10060), or the client's own
 * retransmissions expiring with nothing received (10053): "TCP/IP
 * time-out behavior, regardless of time-out values set in WinHTTP".
 *
 * 0x80072EFE, connection error: "reset or terminated", a RST the client
 * received (10054). No line for an early FIN: the verdict cannot tell
 * one from the end of a reply.
 *
 * 0x8024401C, "same as HTTP status 408": only where the server's 408
 * reply is seen in the clear (HTTP, not HTTPS), whatever the TCP end.
 */
static const struct app windows_update = {
    {80, 443, 8530, 8531},
    {
        {WU_CANNOT_CONNECT, true, {0}, false},
        {WU_TIMEOUT, false, {TV_WINSOCK_ETIMEDOUT, TV_WINSOCK_ECONNABORTED}, false},
        {WU_CONNECTION_ERROR, false, {TV_WINSOCK_ECONNRESET}, false},
    },
    true,
};

static bool app_serves(const struct app *app, uint16_t port)
{
    for (size_t i = 0; i < sizeof(app->ports) / sizeof(app->ports[0]) && app->ports[i] != 0; i++)
        if (app->ports[i] == port)
            return true;
    return false;
}

static bool line_applies(const struct app_line *line, const struct tv_verdict *v)
{
    if (line->on_refused)
        return is_refused_connect(v);
    for (size_t i = 0; i < sizeof(line->on_winsock) / sizeof(line->on_winsock[0]); i++)
        if (line->on_winsock[i] != TV_WINSOCK_NONE && line->on_winsock[i] == v->orig.winsock)
            return true;
    return false;
}

static void app_logs(const struct app *app, const struct tv_verdict *v, struct seed_logs_out *out)
{
    if (!app_serves(app, v->resp.port))
        return;
    for (size_t i = 0; i < sizeof(app->lines) / sizeof(app->lines[0]); i++)
        if (line_applies(&app->lines[i], v))
            add(out, app->lines[i].kind, 1,
                app->lines[i].quotes_error ? v->orig.winsock : TV_WINSOCK_NONE);
    /* Reported once, for the request the server gave up waiting for. */
    if (app->reports_http_408 && v->http_408 > 0)
        add(out, WU_HTTP_REQUEST_TIMEOUT, 1, TV_WINSOCK_NONE);
}

size_t seed_logs_build(const struct tv_verdict *v, struct seed_log *lines)
{
    struct seed_logs_out out = {lines, 0};
    tmg_logs(v, &out);
    app_logs(&arcserve, v, &out);
    app_logs(&windows_update, v, &out);
    return out.count;
}
