/*
 * The process: parses the command line, wires capture -> pipeline
 * (workers, each with its analyzer) -> output, handles signals and -Z,
 * prints the summary and chooses the exit status. The only place that
 * calls exit(); every other module reports a status and leaves the
 * decision here.
 *
 * This thread is the capture thread; verdicts are formatted on the worker
 * threads, each with its own formatter. Signal handlers only set flags or
 * ask the capture to stop; the work happens between bursts of packets.
 *
 * Exit status (cli.h): EXIT_ERROR for bad arguments, unreadable input or a
 * failed write; otherwise EXIT_FLOWS_AT_LEVEL if any flow's verdict reached
 * --fail-on, else EXIT_OK. Verdicts for what was read are still printed
 * when an input fails midway, since every flow gets exactly one verdict.
 * Input of which no packet could be analysed (a link type or an
 * encapsulation nothing decodes, records a reader could not read) is
 * unreadable input: zero flows there would read as "all clear". Input
 * only partly so gets the same line as a warning.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "decompress.h"
#include "flow_packets.h"
#include "gather.h"
#include "log.h"
#include "output_json.h"
#include "output_ladder.h"
#include "output_report.h"
#include "output_svg.h"
#include "output_text.h"
#include "output_zeek.h"
#include "outlets.h"
#include "path_compare.h"
#include "path_verdict.h"
#include "pipeline.h"
#include "platform.h"
#include "progress.h"
#include "sink_file.h"
#include "strbuf.h"
#include "tcpverdict.h"
#include "banned.h"

/* Records are written whole, so a large buffer means few write calls. */
#define MAIN_OUTPUT_BUF_LEN (256u * 1024u)

/* What goes through stdio (-h, --version, -D): out in one write, so that
 * a reader that stops at the line it wants (grep -q) does not cut us off. */
static char main_stdio_buf[1 << 16];

/* Set by signal handlers, read on the capture thread (this one). */
static struct capture *main_signal_capture;
static volatile sig_atomic_t main_stats_requested;
static volatile sig_atomic_t main_stop_count;  /* SIGINT and SIGTERM so far */
static volatile sig_atomic_t main_stop_signal; /* the first of them */
/* SIGHUPs so far, with destinations: their senders watch it. A lock-free
 * atomic, as a signal handler may change it and other threads read it. */
static atomic_uint main_reopen_count;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the SIGHUP count is changed in a signal handler");

/* Flows so far, for the progress line: counted on the workers, read on
 * the capture thread. */
struct run_counts {
    pthread_mutex_t lock; /* guards the counts */
    uint64_t flows;
    uint64_t failing; /* at or above --fail-on */
};

/* One analysis worker's output: its own formatter, so workers format in
 * parallel; records go whole to the one sink. */
struct worker_out {
    const struct cli_options *opt; /* borrowed */
    struct output_json *json;      /* owned, with --json */
    struct output_text *text;      /* owned, for the table */
    struct output_zeek *zeek;      /* owned, with --format zeek or zeek-json */
    struct flow_packets *pics;     /* borrowed: flows to draw, or NULL */
    struct flow_packets *exports;  /* borrowed: flows to export, or NULL */
    struct output_report *report;  /* borrowed: --report's tallies, or NULL */
    struct run_counts *counts;     /* borrowed: with the progress line, or NULL */
    struct flow_packets *compared; /* borrowed: --compare, the point being read, or NULL */
    bool is_second_point;          /* --compare: reading the second point */
    bool is_output_short;          /* a record was lost for lack of memory */
    /* With remote destinations: each record, as JSON, rides behind what
     * stdout gets, in one piece through the pipeline's ordering. */
    struct output_json *outlet_json; /* owned, unless stdout is JSON too */
    struct strbuf *blob;             /* owned: the piece being made */
};

/* The front of a piece (main_format() with destinations), copied in and
 * out byte-wise: the pipeline keeps no alignment. Then stdout_len bytes
 * for stdout, then json_len bytes of JSON (0: stdout's bytes are it). */
struct main_piece_head {
    uint64_t flow_id;
    uint32_t stdout_len;
    uint32_t json_len;
    int32_t level;
    uint8_t is_interim;
};

struct run {
    const struct cli_options *opt; /* borrowed */
    struct capture *cap;           /* borrowed */
    struct sink_file *sink;        /* owned: standard output */
    struct pipeline *pipeline;     /* owned */
    struct flow_packets *pics;     /* owned: flows to draw (--ladder), or NULL */
    struct flow_packets *exports;  /* owned: flows to export (--export), or NULL */
    struct output_report *report;  /* owned: with --report, or NULL */
    struct worker_out outs[PIPELINE_WORKER_CAP];
    size_t out_count;
    int64_t next_stats_ns; /* --stats-interval: when the next line is due */
    bool has_progress;     /* the progress line is drawn */
    struct progress progress;
    struct run_counts counts;
    struct flow_packets *compared[2];      /* owned: --compare, each point's flows */
    const struct summary_compare *compare; /* --compare: for the summary, else NULL */
    struct outlets *outlets;               /* owned: --redis, --syslog, or NULL */
    struct output_json *summary_json;      /* owned: the summary for them */
    int summary_level;                     /* the highest flow's: syslog's severity */
};

/* With destinations: the stdout record (len bytes, maybe none) and the
 * flow's JSON in one piece. */
static size_t main_piece(struct worker_out *out, const struct tv_verdict *v, const char **bytes,
                         size_t len)
{
    const char *json = NULL;
    size_t json_len = 0;
    /* stdout's record is the JSON, unless there is none (-q) */
    bool has_json = out->json != NULL && len > 0;
    struct output_json *formatter = out->json != NULL ? out->json : out->outlet_json;
    if (!has_json && output_json_flow(formatter, v, &json, &json_len) != OUTPUT_JSON_OK) {
        out->is_output_short = true;
        return len; /* stdout still gets its record */
    }
    struct main_piece_head head = {
        .flow_id = v->flow_id,
        .stdout_len = (uint32_t)len,
        .json_len = has_json ? 0 : (uint32_t)json_len,
        .level = (int32_t)v->level,
        .is_interim = v->interim,
    };
    strbuf_reset(out->blob);
    strbuf_append(out->blob, (const char *)&head, sizeof(head));
    if (len > 0)
        strbuf_append(out->blob, *bytes, len);
    if (!has_json)
        strbuf_append(out->blob, json, json_len);
    if (strbuf_is_short(out->blob)) {
        out->is_output_short = true;
        return 0;
    }
    *bytes = out->blob->data;
    return out->blob->len;
}

/* On the thread analysing the flow: touches only that worker's out. */
static size_t main_format(const struct tv_verdict *v, void *ctx, const char **bytes)
{
    struct worker_out *out = ctx;
    /* Drawn: the flows at or above --fail-on, or every flow a filter chose. */
    if (out->pics != NULL && !v->interim &&
        (out->opt->filter != NULL || v->level >= out->opt->fail_on) &&
        !flow_packets_keep(out->pics, v, NULL))
        out->is_output_short = true;
    /* Exported: the flows at or above --fail-on, or the one --export-flow names. */
    if (out->exports != NULL && !v->interim &&
        (out->opt->has_export_flow ? v->flow_id == out->opt->export_flow_id
                                   : v->level >= out->opt->fail_on) &&
        !flow_packets_keep(out->exports, v, NULL))
        out->is_output_short = true;
    if (out->report != NULL && !output_report_flow(out->report, v))
        out->is_output_short = true;
    if (out->counts != NULL && !v->interim) {
        pthread_mutex_lock(&out->counts->lock);
        out->counts->flows++;
        out->counts->failing += v->level >= out->opt->fail_on;
        pthread_mutex_unlock(&out->counts->lock);
    }
    /* --compare: written once both points are read, unless past the cap
     * of flows kept, when the flow is written as it is, with no path. */
    if (out->compared != NULL && v->interim && out->is_second_point)
        return 0; /* the first point's interim records stand for the flow */
    if (out->compared != NULL && !v->interim) {
        bool is_kept = false;
        if (!flow_packets_keep(out->compared, v, &is_kept))
            out->is_output_short = true;
        /* The second point's flows past the cap are counted, not written:
         * they may be the first's. */
        if (is_kept || out->is_second_point)
            return 0;
    }
    size_t len = 0;
    if (out->opt->quiet)
        return out->blob != NULL ? main_piece(out, v, bytes, 0) : 0;
    bool is_ok;
    if (out->json != NULL)
        is_ok = output_json_flow(out->json, v, bytes, &len) == OUTPUT_JSON_OK;
    else if (out->zeek != NULL)
        is_ok = output_zeek_flow(out->zeek, v, bytes, &len) == OUTPUT_ZEEK_OK;
    else
        is_ok = output_text_flow(out->text, v, bytes, &len) == OUTPUT_TEXT_OK;
    if (!is_ok)
        out->is_output_short = true;
    if (!is_ok)
        len = 0;
    return out->blob != NULL ? main_piece(out, v, bytes, len) : len;
}

/* A stdout record whose turn has come. */
static void main_write_stdout(struct run *run, const char *bytes, size_t len)
{
    if (run->outs[0].text != NULL)
        output_text_write_flow(run->outs[0].text, bytes, len);
    else if (run->outs[0].zeek != NULL)
        output_zeek_write_flow(run->outs[0].zeek, bytes, len);
    else
        sink_file_write(run->sink, bytes, len);
}

/* A formatted flow record whose turn has come; from any thread. */
static void main_write(void *ctx, const char *bytes, size_t len)
{
    struct run *run = ctx;
    struct main_piece_head head;
    if (run->outlets == NULL || len < sizeof(head)) {
        main_write_stdout(run, bytes, len);
        return;
    }
    memcpy(&head, bytes, sizeof(head));
    const char *body = bytes + sizeof(head);
    if (head.stdout_len > 0)
        main_write_stdout(run, body, head.stdout_len);
    const char *json = head.json_len > 0 ? body + head.stdout_len : body;
    size_t json_len = head.json_len > 0 ? head.json_len : head.stdout_len;
    outlets_flow(run->outlets, json, json_len, head.flow_id, head.is_interim != 0, head.level);
}

/* The summary as JSON, for the destinations. */
static void main_summary_tap(void *ctx, const char *line, size_t len)
{
    struct run *run = ctx;
    outlets_summary(run->outlets, line, len, run->summary_level);
}

static void main_on_packet(const struct tv_packet *packet, void *ctx)
{
    struct run *run = ctx;
    if (run->has_progress)
        progress_packet(&run->progress, packet->caplen);
    pipeline_packet(run->pipeline, packet);
}

/* One line on stderr: what came in and what was lost so far. */
static void main_print_stats(struct run *run)
{
    struct pipeline_stats ps;
    capture_update_stats(run->cap);
    pipeline_stats(run->pipeline, &ps);
    const struct capture_stats *cs = capture_stats(run->cap);
    if (cs->has_kernel_drops)
        log_info("stats: %" PRIu64 " packets, %" PRIu64 " dropped by the kernel, %" PRIu64
                 " by the interface, %" PRIu64 " by tcpverdict (ring full), %zu queued",
                 cs->packets, cs->kernel_drops, cs->if_drops, ps.ring_drops, ps.backlog);
    else
        log_info("stats: %" PRIu64 " packets, %zu queued", cs->packets, ps.backlog);
}

/* Between bursts: publish what is batched, then periodic work. */
static void main_on_pause(void *ctx)
{
    struct run *run = ctx;
    pipeline_flush(run->pipeline);
    bool is_due = false;
    if (run->opt->stats_interval_us > 0) {
        int64_t now_ns = platform_monotonic_ns();
        if (now_ns >= run->next_stats_ns) {
            is_due = true;
            run->next_stats_ns = now_ns + run->opt->stats_interval_us * 1000;
        }
    }
    if (main_stats_requested) {
        main_stats_requested = 0;
        is_due = true;
    }
    if (is_due)
        main_print_stats(run);
    if (run->has_progress) {
        pthread_mutex_lock(&run->counts.lock);
        uint64_t flows = run->counts.flows;
        uint64_t failing = run->counts.failing;
        pthread_mutex_unlock(&run->counts.lock);
        progress_update(&run->progress, flows, failing, platform_monotonic_ns() / 1000000);
    }
}

/* The first SIGINT or SIGTERM stops the reading: what was read is
 * analysed to its end and reported as usual. A second ends the process
 * at once (exit 128 + the signal), after the record being written if one
 * is; a third even before that record is whole. */
static void main_on_stop_signal(int sig)
{
    if (main_stop_count == 0) {
        main_stop_count = 1;
        main_stop_signal = sig;
        if (main_signal_capture != NULL)
            capture_stop(main_signal_capture);
        return;
    }
    if (main_stop_count++ == 1) {
        sink_file_exit(128 + sig); /* returns if a record is being written */
        return;
    }
    _exit(128 + sig);
}

static void main_on_stats_request(void)
{
    main_stats_requested = 1;
}

static void main_on_reopen_request(void)
{
    atomic_fetch_add(&main_reopen_count, 1);
}

/* SIGINT and SIGTERM (on Windows Ctrl-C, Ctrl-Break and the console
 * closing) end a capture or the reading of files cleanly; SIGUSR1 asks
 * for statistics. Pcap files are read through a mapping: if one is cut
 * short while being read, nothing can be read from there on; the
 * platform says why, rather than die with a bus error. */
static void main_install_signals(struct capture *cap, bool is_live, bool has_outlets)
{
    platform_on_stats(main_on_stats_request);
    /* Only with destinations to reconnect: else a hangup ends us, as it
     * ends tcpdump. */
    if (has_outlets)
        platform_on_reopen(main_on_reopen_request);
    if (!is_live)
        platform_on_input_lost(EXIT_ERROR);
    main_signal_capture = cap;
    platform_on_stop(main_on_stop_signal);
}

/* -Z: after the capture is open and before anything is read. */
static bool main_drop_privileges(const char *user)
{
    char err[256];
    if (platform_drop_privileges(user, err, sizeof(err)))
        return true;
    log_error("-Z %s: %s", user, err);
    return false;
}

static bool main_any_flow_at(const struct tv_stats *st, enum tv_level level)
{
    for (int l = (int)level; l < TV_LEVEL_COUNT; l++)
        if (st->flows_by_level[l] != 0)
            return true;
    return false;
}

/* One formatter per worker: the first is the original, which also writes
 * the summary; the others are its forks. */
static bool main_create_outputs(struct run *run)
{
    const struct cli_options *opt = run->opt;
    run->out_count = opt->worker_count;
    if ((opt->ladder || opt->graph_dir != NULL || opt->report_path != NULL) &&
        (run->pics = flow_packets_create()) == NULL)
        return false;
    if (opt->report_path != NULL && (run->report = output_report_create()) == NULL)
        return false;
    if (opt->export_path != NULL && (run->exports = flow_packets_create_export()) == NULL)
        return false;
    if (opt->compare_input_count != 0 &&
        ((run->compared[0] = flow_packets_create_compare()) == NULL ||
         (run->compared[1] = flow_packets_create_compare()) == NULL))
        return false;
    for (size_t i = 0; i < run->out_count; i++) {
        struct worker_out *out = &run->outs[i];
        out->opt = opt;
        out->pics = run->pics;
        out->exports = run->exports;
        out->report = run->report;
        out->compared = run->compared[0];
        out->counts = run->has_progress ? &run->counts : NULL;
        if (opt->format == CLI_FORMAT_JSON)
            out->json =
                i == 0 ? output_json_create(run->sink) : output_json_fork(run->outs[0].json);
        else if (opt->format == CLI_FORMAT_ZEEK || opt->format == CLI_FORMAT_ZEEK_JSON)
            out->zeek = i == 0
                            ? output_zeek_create(run->sink,
                                                 opt->format == CLI_FORMAT_ZEEK ? OUTPUT_ZEEK_TSV
                                                                                : OUTPUT_ZEEK_JSON,
                                                 (int64_t)time(NULL))
                            : output_zeek_fork(run->outs[0].zeek);
        else
            out->text = i == 0 ? output_text_create(run->sink, opt->verbose)
                               : output_text_fork(run->outs[0].text);
        if (out->json == NULL && out->text == NULL && out->zeek == NULL)
            return false;
        if (run->outlets != NULL) {
            out->blob = malloc(sizeof(*out->blob));
            if (out->blob == NULL)
                return false;
            strbuf_init(out->blob);
            if (out->json == NULL && (out->outlet_json = output_json_create(NULL)) == NULL)
                return false;
        }
    }
    if (run->outlets != NULL) {
        run->summary_json = output_json_create(NULL);
        if (run->summary_json == NULL)
            return false;
        output_json_set_tap(run->summary_json, main_summary_tap, run);
    }
    return true;
}

static void main_destroy_outputs(struct run *run)
{
    /* Forks borrow the original: they go first. */
    for (size_t i = run->out_count; i-- > 0;) {
        output_text_destroy(run->outs[i].text);
        output_json_destroy(run->outs[i].json);
        output_zeek_destroy(run->outs[i].zeek);
        output_json_destroy(run->outs[i].outlet_json);
        if (run->outs[i].blob != NULL)
            strbuf_free(run->outs[i].blob);
        free(run->outs[i].blob);
    }
    output_json_destroy(run->summary_json);
    run->summary_json = NULL;
    flow_packets_destroy(run->pics);
    run->pics = NULL;
    flow_packets_destroy(run->exports);
    run->exports = NULL;
    output_report_destroy(run->report);
    run->report = NULL;
    for (int pt = 0; pt < 2; pt++) {
        flow_packets_destroy(run->compared[pt]);
        run->compared[pt] = NULL;
    }
}

/* After the pipeline finished: the summary, and whether any record was lost. */
static bool main_summary(struct run *run, const struct tv_stats *st, const uint64_t *anomaly_flows)
{
    struct pipeline_stats ps;
    pipeline_stats(run->pipeline, &ps);
    struct summary_findings findings;
    if (!pipeline_findings(run->pipeline, &findings))
        return false;
    findings.stop_signal = main_stop_count > 0 ? main_stop_signal : 0;
    findings.compare = run->compare;
    /* The destinations' counts once the flows' records are delivered, or
     * --sink-wait has passed. */
    struct summary_outlet outlets[OUTLETS_CAP];
    if (run->outlets != NULL) {
        findings.outlets = outlets;
        findings.outlet_count = outlets_drain(run->outlets, outlets, OUTLETS_CAP);
    }
    struct worker_out *out = &run->outs[0];
    bool is_ok;
    /* Zeek's log has no summary: it ends with #close. */
    if (out->zeek != NULL)
        is_ok = output_zeek_close(out->zeek, (int64_t)time(NULL)) == OUTPUT_ZEEK_OK;
    else if (out->json != NULL)
        is_ok = output_json_summary(out->json, st, anomaly_flows, capture_stats(run->cap),
                                    ps.ring_drops, &findings) == OUTPUT_JSON_OK;
    else
        is_ok = output_text_summary(out->text, st, anomaly_flows, capture_stats(run->cap),
                                    ps.ring_drops, &findings) == OUTPUT_TEXT_OK;
    run->summary_level = TV_LEVEL_OK;
    for (int l = 0; l < TV_LEVEL_COUNT; l++)
        if (st->flows_by_level[l] != 0)
            run->summary_level = l;
    if (run->summary_json != NULL &&
        output_json_summary(run->summary_json, st, anomaly_flows, capture_stats(run->cap),
                            ps.ring_drops, &findings) != OUTPUT_JSON_OK)
        is_ok = false;
    pipeline_findings_free(&findings);
    for (size_t i = 0; i < run->out_count; i++)
        if (run->outs[i].is_output_short)
            is_ok = false;
    return is_ok;
}

/* Writes text to path whole; false (said on stderr) if it cannot. */
static bool main_write_file(const char *path, const struct strbuf *text)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        log_error("%s: %s", path, strerror(errno));
        return false;
    }
    bool is_ok = fwrite(text->data, 1, text->len, f) == text->len;
    int saved = errno;
    if (fclose(f) != 0 || !is_ok) {
        log_error("%s: %s", path, strerror(is_ok ? errno : saved));
        return false;
    }
    return true;
}

/* --graph DIR: one SVG file per flow drawn. */
static bool main_write_graphs(struct run *run)
{
    const char *dir = run->opt->graph_dir;
    if (platform_make_dir(dir) != 0 && errno != EEXIST) {
        log_error("--graph %s: %s", dir, strerror(errno));
        return false;
    }
    struct strbuf b;
    strbuf_init(&b);
    bool is_ok = true;
    for (size_t i = 0; i < run->pics->flow_count && is_ok; i++) {
        strbuf_reset(&b);
        output_svg_flow(&b, &run->pics->flows[i], true);
        char path[4096];
        int n = snprintf(path, sizeof(path), "%s/flow-%" PRIu64 ".svg", dir,
                         run->pics->flows[i].verdict.flow_id);
        if (strbuf_is_short(&b)) {
            log_error("out of memory drawing flow %" PRIu64, run->pics->flows[i].verdict.flow_id);
            is_ok = false;
        } else if (n < 0 || (size_t)n >= sizeof(path)) {
            log_error("--graph %s: the directory name is too long", dir);
            is_ok = false;
        } else {
            is_ok = main_write_file(path, &b);
        }
    }
    strbuf_free(&b);
    return is_ok;
}

/* After the analysis, before the summary: the input read again for the
 * packets of the flows to draw, and their diagrams. */
static bool main_pictures(struct run *run, const struct capture_options *cap_opt)
{
    if (run->pics == NULL || run->pics->flow_count == 0)
        return true;
    enum capture_status status = flow_packets_read(run->pics, cap_opt, &run->opt->config);
    if (status == CAPTURE_ERR_NOMEM) {
        log_error("out of memory reading the packets of the flows to draw");
        return false;
    }
    if (status != CAPTURE_OK)
        return false; /* the capture said why */
    bool is_ok = true;
    if (run->opt->ladder) {
        struct strbuf b;
        strbuf_init(&b);
        for (size_t i = 0; i < run->pics->flow_count; i++) {
            strbuf_reset(&b);
            strbuf_puts(&b, "\n"); /* after the table, and between diagrams */
            output_ladder_flow(&b, &run->pics->flows[i]);
            if (strbuf_is_short(&b))
                is_ok = false;
            else
                sink_file_write(run->sink, b.data, b.len);
        }
        if (run->pics->flows_left_out != 0) {
            strbuf_reset(&b);
            strbuf_appendf(&b, "(%" PRIu64 " more flows to draw past the first %u: not drawn)\n\n",
                           run->pics->flows_left_out, (unsigned)FLOW_PACKETS_FLOW_CAP);
            if (!strbuf_is_short(&b))
                sink_file_write(run->sink, b.data, b.len);
        }
        strbuf_free(&b);
    }
    if (is_ok && run->opt->graph_dir != NULL)
        is_ok = main_write_graphs(run);
    return is_ok;
}

/* --export: the input read twice more, for the exported flows' packets. */
static bool main_export(struct run *run, const struct capture_options *cap_opt)
{
    if (run->exports == NULL)
        return true;
    const struct cli_options *opt = run->opt;
    uint64_t written = 0;
    enum capture_status status =
        flow_packets_export(run->exports, cap_opt, &opt->config, opt->export_path, &written);
    if (status == CAPTURE_ERR_NOMEM) {
        log_error("--export %s: out of memory reading the packets of the flows", opt->export_path);
        return false;
    }
    if (status != CAPTURE_OK)
        return false; /* said on stderr */
    if (run->exports->flows_left_out != 0)
        log_warn("--export %s: %" PRIu64 " flows past the first %u left out", opt->export_path,
                 run->exports->flows_left_out, (unsigned)FLOW_PACKETS_EXPORT_FLOW_CAP);
    if (run->exports->frags_left_out != 0)
        log_warn("--export %s: %" PRIu64 " IP fragments left out (more than %u datagrams "
                 "unfinished at once)",
                 opt->export_path, run->exports->frags_left_out, (unsigned)FLOW_PACKETS_FRAG_CAP);
    if (opt->has_export_flow && run->exports->flow_count == 0)
        log_warn("--export-flow %" PRIu64 ": no such flow; %s holds no packets",
                 opt->export_flow_id, opt->export_path);
    else
        log_info("--export %s: %" PRIu64 " packets of %zu flow%s", opt->export_path, written,
                 run->exports->flow_count, run->exports->flow_count == 1 ? "" : "s");
    return true;
}

/* --report: the page, once the summary is known. */
static bool main_write_report(struct run *run, const struct tv_stats *st)
{
    if (run->report == NULL)
        return true;
    struct summary_findings findings;
    if (!pipeline_findings(run->pipeline, &findings)) {
        log_error("--report: out of memory");
        return false;
    }
    struct report_run rr = {
        .inputs = run->opt->inputs,
        .input_count = run->opt->input_count,
        .filter = run->opt->filter,
        .fail_on = run->opt->fail_on,
        .stats = st,
        .capture = capture_stats(run->cap),
        .findings = &findings,
        .pics = run->pics,
        .version = PACKAGE_VERSION,
    };
    bool is_ok = output_report_write(run->report, run->opt->report_path, &rr);
    pipeline_findings_free(&findings);
    return is_ok;
}

/* The link types read that nothing decodes, as "A, B"; how many. */
static size_t main_undecoded_linktypes(const struct capture_stats *cs, char *buf, size_t buf_len)
{
    size_t count = 0;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cs->linktype_count; i++) {
        int linktype = cs->linktypes[i].linktype;
        if (cs->linktypes[i].packets == 0 || tv_linktype_is_decoded(linktype))
            continue;
        char name[48];
        int n = snprintf(buf + used, buf_len - used, "%s%s", count > 0 ? ", " : "",
                         capture_linktype_name(linktype, name, sizeof(name)));
        if (n < 0 || (size_t)n >= buf_len - used)
            break;
        used += (size_t)n;
        count++;
    }
    return count;
}

/* After the summary: one line on what could not be analysed, if anything,
 * an error when that was everything read (then true is returned), else a
 * warning; and a note when no TCP came at all, since zero flows is then
 * a true answer. */
static bool main_report_unreadable(struct run *run, const struct tv_stats *st)
{
    const struct capture_stats *cs = capture_stats(run->cap);
    struct summary_unreadable u = summary_unreadable_count(st, cs->unreadable_records);
    uint64_t read = st->packets + cs->unreadable_records;
    if (u.packets > 0) {
        char what[768] = "";
        size_t used = 0;
        if (u.link_type > 0) {
            char names[512];
            size_t n = main_undecoded_linktypes(cs, names, sizeof(names));
            int len = snprintf(what + used, sizeof(what) - used,
                               "%" PRIu64 " of link type%s %s, which tcpverdict does not decode",
                               u.link_type, n > 1 ? "s" : "", n > 0 ? names : "unknown");
            used = len > 0 && (size_t)len < sizeof(what) - used ? used + (size_t)len : used;
        }
        if (u.encapsulation > 0) {
            int len = snprintf(what + used, sizeof(what) - used,
                               "%s%" PRIu64 " in an encapsulation it does not decode (decode "
                               "errors in the summary)",
                               used > 0 ? "; " : "", u.encapsulation);
            used = len > 0 && (size_t)len < sizeof(what) - used ? used + (size_t)len : used;
        }
        if (u.encrypted > 0) {
            int len = snprintf(what + used, sizeof(what) - used,
                               "%s%" PRIu64 " encrypted (802.11 protected frames, which "
                               "cannot be read without the network's keys)",
                               used > 0 ? "; " : "", u.encrypted);
            used = len > 0 && (size_t)len < sizeof(what) - used ? used + (size_t)len : used;
        }
        if (u.block > 0)
            snprintf(what + used, sizeof(what) - used,
                     "%s%" PRIu64 " in packet records the reader could not read (warnings above)",
                     used > 0 ? "; " : "", u.block);
        if (u.packets == read) {
            log_error("none of the %" PRIu64 " packets read could be analysed: %s", read, what);
            return true;
        }
        log_warn("%" PRIu64 " of the %" PRIu64 " packets read could not be analysed: %s", u.packets,
                 read, what);
    }
    if (st->tcp_packets == 0 && read == 0)
        log_info("no packets%s: no flows to report",
                 run->opt->filter != NULL ? " matched the filter expression" : " in the input");
    else if (st->tcp_packets == 0)
        log_info("no TCP in the %" PRIu64 " packets read: no flows to report", read);
    return false;
}

/* Creates the pipeline once the capture is open (its snap length sizes
 * the ring slots). */
static bool main_start_pipeline(struct run *run)
{
    const struct cli_options *opt = run->opt;
    void *ctx[PIPELINE_WORKER_CAP];
    for (size_t i = 0; i < run->out_count; i++)
        ctx[i] = &run->outs[i];
    struct pipeline_options pipe_opt = {
        .worker_count = opt->worker_count,
        .slot_count = opt->ring_slots,
        .data_cap = capture_max_caplen(run->cap),
        .is_live = opt->interface != NULL,
        .config = &opt->config,
        .format = main_format,
        .format_ctx = ctx,
        .write = main_write,
        .write_ctx = run,
    };
    enum pipeline_status status;
    run->pipeline = pipeline_create(&pipe_opt, &status);
    if (run->pipeline == NULL) {
        log_error("cannot start %" PRIu32 " analysis thread(s) for %" PRIu32
                  " flows: out of memory",
                  opt->worker_count, opt->config.max_flows);
        return false;
    }
    if (pipeline_start(run->pipeline) != PIPELINE_OK) {
        log_error("cannot start the analysis threads: %s", strerror(errno != 0 ? errno : EAGAIN));
        return false;
    }
    return true;
}

/* The summary's counts follow the records written: take a flow's away or
 * put it in (sign -1 or 1). */
static void main_count_flow(const struct tv_verdict *v, int sign, struct tv_stats *st,
                            uint64_t *anomaly_flows)
{
    uint64_t delta = sign > 0 ? 1 : (uint64_t)-1; /* wraps back: counts never go below 0 */
    st->flows += delta;
    st->flows_by_level[v->level] += delta;
    st->flows_by_end[v->end] += delta;
    summary_count_anomalies(v, anomaly_flows, delta);
}

/* --compare, after the first point was analysed: its flows' packets, the
 * second point analysed and read the same way, the two compared, and the
 * records written: the first point's flows in flow id order, then the
 * flows only the second point saw. The summary counts what was written. */
static bool main_compare(struct run *run, const struct capture_options *first_opt,
                         struct tv_stats *st, uint64_t *anomaly_flows, struct summary_compare *sc)
{
    const struct cli_options *opt = run->opt;
    enum capture_status status = flow_packets_read(run->compared[0], first_opt, &opt->config);
    if (status != CAPTURE_OK) {
        if (status == CAPTURE_ERR_NOMEM)
            log_error("--compare: out of memory reading the first point's packets");
        return false;
    }
    struct capture_options second_opt = *first_opt;
    second_opt.inputs = opt->compare_inputs;
    second_opt.input_count = opt->compare_input_count;
    second_opt.write_path = NULL;
    struct capture *first_cap = run->cap;
    struct pipeline *first_pipeline = run->pipeline;
    bool has_progress = run->has_progress;
    run->has_progress = false;
    run->pipeline = NULL;
    run->cap = capture_create(&second_opt);
    for (size_t i = 0; i < run->out_count; i++) {
        run->outs[i].compared = run->compared[1];
        run->outs[i].is_second_point = true;
    }
    main_signal_capture = run->cap;
    bool is_ok = run->cap != NULL;
    if (is_ok) {
        status = capture_open(run->cap);
        is_ok = status == CAPTURE_OK && main_start_pipeline(run);
    }
    if (is_ok) {
        status = capture_run(run->cap, main_on_packet, main_on_pause, run);
        pipeline_flush(run->pipeline);
        pipeline_finish(run->pipeline);
        struct tv_stats second;
        uint64_t *second_anomalies = calloc(tv_anomaly_code_count() + 1, sizeof(uint64_t));
        is_ok = status == CAPTURE_OK && second_anomalies != NULL;
        if (is_ok) {
            pipeline_totals(run->pipeline, &second, second_anomalies);
            sc->inputs = capture_stats(run->cap)->inputs_read;
            sc->packets = second.packets;
            sc->tcp_packets = second.tcp_packets;
            sc->flows = second.flows;
            sc->flows_not_compared =
                run->compared[0]->flows_left_out + run->compared[1]->flows_left_out;
        }
        free(second_anomalies);
    }
    pipeline_destroy(run->pipeline);
    if (is_ok) {
        status = flow_packets_read(run->compared[1], &second_opt, &opt->config);
        if (status == CAPTURE_ERR_NOMEM)
            log_error("--compare: out of memory reading the second point's packets");
        is_ok = status == CAPTURE_OK;
    }
    capture_destroy(run->cap);
    run->cap = first_cap;
    run->pipeline = first_pipeline;
    run->has_progress = has_progress;
    main_signal_capture = first_cap;
    if (!is_ok)
        return false; /* the capture said why */

    struct path_compare pc;
    if (!path_compare_run(run->compared[0], run->compared[1], &pc)) {
        log_error("--compare: out of memory comparing the two points");
        return false;
    }
    sc->flows_both = pc.flows_both;
    sc->flows_first_only = pc.flows_first_only;
    sc->flows_second_only = pc.flows_second_only;
    sc->has_clock_offset = pc.has_clock_offset;
    sc->clock_offset_ms = pc.clock_offset_ms;
    sc->clock_drift_ppm = pc.clock_drift_ppm;
    uint64_t number_base = st->packets;
    for (int pt = 0; pt < 2 && is_ok; pt++) {
        const struct flow_packets *fp = run->compared[pt];
        const struct tv_path *paths = pt == 0 ? pc.first : pc.second;
        for (size_t i = 0; i < fp->flow_count && is_ok; i++) {
            if (pt == 1 && paths[i].seen_at != TV_POINT_SECOND)
                continue; /* written with the first point's record */
            struct path_verdict pv;
            if (!path_verdict_make(&fp->flows[i].verdict, &paths[i], number_base, &pv)) {
                is_ok = false;
                break;
            }
            for (int d = 0; d < 2; d++) {
                sc->dropped[d] += paths[i].dropped[d];
                sc->injected[d] += paths[i].injected[d];
                sc->unverified[d] += paths[i].unverified[d];
            }
            if (pt == 0)
                main_count_flow(&fp->flows[i].verdict, -1, st, anomaly_flows);
            main_count_flow(&pv.v, 1, st, anomaly_flows);
            const char *bytes = NULL;
            size_t len = main_format(&pv.v,
                                     &(struct worker_out){.opt = opt,
                                                          .json = run->outs[0].json,
                                                          .text = run->outs[0].text,
                                                          .outlet_json = run->outs[0].outlet_json,
                                                          .blob = run->outs[0].blob},
                                     &bytes);
            if (len > 0)
                main_write(run, bytes, len);
            path_verdict_free(&pv);
        }
    }
    path_compare_free(&pc);
    if (!is_ok)
        log_error("--compare: out of memory writing the records");
    if (sc->flows_not_compared != 0)
        log_warn("--compare: %" PRIu64 " flows past the first %u of a point were not compared",
                 sc->flows_not_compared, (unsigned)FLOW_PACKETS_COMPARE_FLOW_CAP);
    return is_ok;
}

/* Runs the analysis; returns the exit status. */
static int main_run(const struct cli_options *opt)
{
    struct run run = {.opt = opt};
    run.has_progress = progress_wanted(opt->interface != NULL, opt->quiet) &&
                       pthread_mutex_init(&run.counts.lock, NULL) == 0;
    if (run.has_progress)
        progress_init(&run.progress, stderr, opt->inputs, opt->input_count,
                      platform_monotonic_ns() / 1000000);
    struct capture_options cap_opt = {
        .inputs = opt->inputs,
        .input_count = opt->input_count,
        .filter = opt->filter,
        .packet_cap = opt->packet_cap,
        .write_path = opt->write_path,
        .interface = opt->interface,
        .snaplen = opt->snaplen,
        .buffer_kib = opt->buffer_kib,
        .promiscuous = opt->promiscuous,
    };
    bool is_outlet_error = false;
    run.outlets = outlets_create(opt, &is_outlet_error);
    if (is_outlet_error)
        return EXIT_ERROR;
    if (run.outlets != NULL)
        outlets_watch(run.outlets, &main_reopen_count);
    run.cap = capture_create(&cap_opt);
    /* A live capture's verdicts are wanted as flows end, not when a
     * buffer fills. */
    run.sink = sink_file_create(STDOUT_FILENO, MAIN_OUTPUT_BUF_LEN, opt->interface != NULL);
    if (run.cap == NULL || run.sink == NULL || !main_create_outputs(&run)) {
        log_error("out of memory");
        main_destroy_outputs(&run);
        sink_file_destroy(run.sink);
        capture_destroy(run.cap);
        outlets_destroy(run.outlets);
        return EXIT_ERROR;
    }

    int status = EXIT_ERROR;
    /* Before the capture opens: it says "listening on" once it is open,
     * and a script may answer that line with a signal at once. */
    main_install_signals(run.cap, opt->interface != NULL, run.outlets != NULL);
    enum capture_status cap_status = capture_open(run.cap);
    if (cap_status == CAPTURE_OK && (opt->user == NULL || main_drop_privileges(opt->user)) &&
        main_start_pipeline(&run)) {
        if (opt->stats_interval_us > 0)
            run.next_stats_ns = platform_monotonic_ns() + opt->stats_interval_us * 1000;
        cap_status = capture_run(run.cap, main_on_packet, main_on_pause, &run);
        if (run.has_progress)
            progress_end(&run.progress);
        if (capture_stats(run.cap)->is_stopped && opt->interface == NULL)
            log_info("stopped by %s after %" PRIu64 " packets: the flows seen so far end "
                     "\"open\"",
                     main_stop_signal == SIGTERM ? "SIGTERM" : "SIGINT",
                     capture_stats(run.cap)->packets);
        pipeline_flush(run.pipeline);
        pipeline_finish(run.pipeline);

        struct tv_stats st;
        uint64_t *anomaly_flows = calloc(tv_anomaly_code_count() + 1, sizeof(*anomaly_flows));
        if (anomaly_flows == NULL) {
            log_error("out of memory");
        } else {
            pipeline_totals(run.pipeline, &st, anomaly_flows);
            bool is_output_whole = true;
            bool is_unreadable = false;
            bool is_drawn = true;
            struct summary_compare sc = {0};
            if (cap_status == CAPTURE_OK && run.compared[0] != NULL) {
                if (main_compare(&run, &cap_opt, &st, anomaly_flows, &sc))
                    run.compare = &sc;
                else
                    is_drawn = false;
            }
            /* An input that failed before anything was read leaves nothing
             * to report; otherwise what was read gets its verdicts. */
            if (cap_status == CAPTURE_OK || capture_stats(run.cap)->packets != 0) {
                /* A picture not drawn was said on stderr: exit 2. */
                if (cap_status == CAPTURE_OK && !main_pictures(&run, &cap_opt))
                    is_drawn = false;
                if (cap_status == CAPTURE_OK && is_drawn && !main_export(&run, &cap_opt))
                    is_drawn = false;
                is_output_whole = main_summary(&run, &st, anomaly_flows);
                if (cap_status == CAPTURE_OK && is_drawn && !main_write_report(&run, &st))
                    is_drawn = false;
                /* After a failure the input was not all read: no verdict on it. */
                is_unreadable = cap_status == CAPTURE_OK && main_report_unreadable(&run, &st);
            }
            if (cap_status == CAPTURE_ERR_NOMEM)
                log_error("out of memory");
            if (!is_output_whole)
                log_error("out of memory: some output is missing");
            if (cap_status == CAPTURE_OK && is_output_whole && !is_unreadable && is_drawn)
                status = main_any_flow_at(&st, opt->fail_on) ? EXIT_FLOWS_AT_LEVEL : EXIT_OK;
            free(anomaly_flows);
        }
    }

    pipeline_destroy(run.pipeline);
    main_destroy_outputs(&run);
    /* A record that did not reach a destination is an error, said on
     * stderr: exit 2 like a failed write. */
    if (run.outlets != NULL && !outlets_finish(run.outlets))
        status = EXIT_ERROR;
    outlets_destroy(run.outlets);
    /* Everything written must have reached its destination; a full disk
     * must not pass for a clean run. */
    if (!sink_file_flush(run.sink)) {
        if (!platform_is_broken_pipe(errno))
            log_error("standard output: %s", strerror(errno));
        status = EXIT_ERROR;
    }
    sink_file_destroy(run.sink);
    main_signal_capture = NULL;
    capture_destroy(run.cap);
    if (run.has_progress)
        pthread_mutex_destroy(&run.counts.lock);
    return status;
}

/* Everything on stdout must have reached its destination; a full disk
 * must not pass for a clean run. */
static int main_check_stdout(int status)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return status;
    if (!platform_is_broken_pipe(errno))
        log_error("standard output: %s", strerror(errno != 0 ? errno : EIO));
    return EXIT_ERROR;
}

int main(int argc, char **argv)
{
    /* A reader that goes away (| head) ends us quietly, as it ends other
     * filters, even if our parent ignored SIGPIPE. */
    platform_default_broken_pipe();
    platform_console_setup();

    struct cli_options opt;
    int status = EXIT_ERROR;
    setvbuf(stdout, main_stdio_buf, _IOFBF, sizeof(main_stdio_buf));
    enum cli_status cli_status = cli_parse(argc, argv, &opt);
    if (cli_status == CLI_OK) {
        switch (opt.action) {
        case CLI_HELP:
            cli_usage(stdout);
            status = EXIT_OK;
            break;
        case CLI_VERSION:
            printf("tcpverdict %s\n%s\njson-c %s\n%s\n%s\n", PACKAGE_VERSION, capture_lib_version(),
                   output_json_lib_version(), decompress_zlib_version(), decompress_zstd_version());
            status = EXIT_OK;
            break;
        case CLI_LIST_INTERFACES:
            status = capture_list_interfaces(stdout) == CAPTURE_OK ? EXIT_OK : EXIT_ERROR;
            break;
        case CLI_RUN:
            if (opt.from_redis != NULL) {
                /* SIGINT or SIGTERM ends a --follow reading as it ends a
                 * capture: what was read gets its summary. */
                main_signal_capture = NULL;
                platform_on_stop(main_on_stop_signal);
                status = gather_run(&opt, &main_stop_count, &main_stop_signal);
            } else {
                status = main_run(&opt);
            }
            break;
        }
    }
    cli_options_free(&opt);
    errno = 0;
    exit(main_check_stdout(status));
}
