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
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "decompress.h"
#include "log.h"
#include "output_json.h"
#include "output_text.h"
#include "pipeline.h"
#include "sink_file.h"
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

/* One analysis worker's output: its own formatter, so workers format in
 * parallel; records go whole to the one sink. */
struct worker_out {
    const struct cli_options *opt; /* borrowed */
    struct output_json *json;      /* owned, with --json */
    struct output_text *text;      /* owned, without --json */
    bool is_output_short;          /* a record was lost for lack of memory */
};

struct run {
    const struct cli_options *opt; /* borrowed */
    struct capture *cap;           /* borrowed */
    struct sink_file *sink;        /* owned: standard output */
    struct pipeline *pipeline;     /* owned */
    struct worker_out outs[PIPELINE_WORKER_CAP];
    size_t out_count;
    int64_t next_stats_ns; /* --stats-interval: when the next line is due */
};

/* On the thread analysing the flow: touches only that worker's out. */
static size_t main_format(const struct tv_verdict *v, void *ctx, const char **bytes)
{
    struct worker_out *out = ctx;
    size_t len = 0;
    if (out->opt->quiet)
        return 0;
    bool is_ok = out->json != NULL ? output_json_flow(out->json, v, bytes, &len) == OUTPUT_JSON_OK
                                   : output_text_flow(out->text, v, bytes, &len) == OUTPUT_TEXT_OK;
    if (!is_ok)
        out->is_output_short = true;
    return is_ok ? len : 0;
}

/* A formatted flow record whose turn has come; from any thread. */
static void main_write(void *ctx, const char *bytes, size_t len)
{
    struct run *run = ctx;
    if (run->outs[0].text != NULL)
        output_text_write_flow(run->outs[0].text, bytes, len);
    else
        sink_file_write(run->sink, bytes, len);
}

static void main_on_packet(const struct tv_packet *packet, void *ctx)
{
    struct run *run = ctx;
    pipeline_packet(run->pipeline, packet);
}

static int64_t main_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
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
        int64_t now_ns = main_monotonic_ns();
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

static void main_on_stats_signal(int sig)
{
    (void)sig;
    main_stats_requested = 1;
}

/* Pcap files are read through a mapping: if one is cut short while being
 * read, touching its lost pages raises SIGBUS on whichever thread reads
 * them. Nothing can be read from there on; say why, rather than die with
 * a bus error. Only write() and _exit() here: both are async-signal-safe. */
static void main_on_bus_error(int sig)
{
    (void)sig;
    static const char msg[] = "tcpverdict: an input file shrank while it was being read; "
                              "stopping\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)n;
    _exit(EXIT_ERROR);
}

/* SIGINT and SIGTERM end a capture or the reading of files cleanly;
 * SIGUSR1 asks for statistics. No SA_RESTART: the capture's poll, or a
 * read waiting on a pipe, must wake up. */
static void main_install_signals(struct capture *cap, bool is_live)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = main_on_stats_signal;
    sigaction(SIGUSR1, &sa, NULL);
    if (!is_live) {
        sa.sa_handler = main_on_bus_error;
        sigaction(SIGBUS, &sa, NULL);
    }
    main_signal_capture = cap;
    sa.sa_handler = main_on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* -Z: as tcpdump does, after the capture is open and before anything is
 * read: the user's groups, its group, then its user. Any failure stops the
 * run rather than go on with more privilege than asked for. */
static bool main_drop_privileges(const char *user)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        if (errno != 0)
            log_error("-Z %s: %s", user, strerror(errno));
        else
            log_error("-Z %s: no such user", user);
        return false;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        log_error("-Z %s: cannot change to that user: %s", user, strerror(errno));
        return false;
    }
    /* A process that can take root back has not dropped anything. */
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        log_error("-Z %s: root privileges could be regained; stopping", user);
        return false;
    }
    return true;
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
    for (size_t i = 0; i < run->out_count; i++) {
        struct worker_out *out = &run->outs[i];
        out->opt = opt;
        if (opt->json)
            out->json =
                i == 0 ? output_json_create(run->sink) : output_json_fork(run->outs[0].json);
        else
            out->text = i == 0 ? output_text_create(run->sink, opt->verbose)
                               : output_text_fork(run->outs[0].text);
        if (out->json == NULL && out->text == NULL)
            return false;
    }
    return true;
}

static void main_destroy_outputs(struct run *run)
{
    /* Forks borrow the original: they go first. */
    for (size_t i = run->out_count; i-- > 0;) {
        output_text_destroy(run->outs[i].text);
        output_json_destroy(run->outs[i].json);
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
    struct worker_out *out = &run->outs[0];
    bool is_ok = out->json != NULL
                     ? output_json_summary(out->json, st, anomaly_flows, capture_stats(run->cap),
                                           ps.ring_drops, &findings) == OUTPUT_JSON_OK
                     : output_text_summary(out->text, st, anomaly_flows, capture_stats(run->cap),
                                           ps.ring_drops, &findings) == OUTPUT_TEXT_OK;
    pipeline_findings_free(&findings);
    for (size_t i = 0; i < run->out_count; i++)
        if (run->outs[i].is_output_short)
            is_ok = false;
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

/* Runs the analysis; returns the exit status. */
static int main_run(const struct cli_options *opt)
{
    struct run run = {.opt = opt};
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
    run.cap = capture_create(&cap_opt);
    /* A live capture's verdicts are wanted as flows end, not when a
     * buffer fills. */
    run.sink = sink_file_create(STDOUT_FILENO, MAIN_OUTPUT_BUF_LEN, opt->interface != NULL);
    if (run.cap == NULL || run.sink == NULL || !main_create_outputs(&run)) {
        log_error("out of memory");
        main_destroy_outputs(&run);
        sink_file_destroy(run.sink);
        capture_destroy(run.cap);
        return EXIT_ERROR;
    }

    int status = EXIT_ERROR;
    enum capture_status cap_status = capture_open(run.cap);
    main_install_signals(run.cap, opt->interface != NULL);
    if (cap_status == CAPTURE_OK && (opt->user == NULL || main_drop_privileges(opt->user)) &&
        main_start_pipeline(&run)) {
        if (opt->stats_interval_us > 0)
            run.next_stats_ns = main_monotonic_ns() + opt->stats_interval_us * 1000;
        cap_status = capture_run(run.cap, main_on_packet, main_on_pause, &run);
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
            /* An input that failed before anything was read leaves nothing
             * to report; otherwise what was read gets its verdicts. */
            if (cap_status == CAPTURE_OK || capture_stats(run.cap)->packets != 0) {
                is_output_whole = main_summary(&run, &st, anomaly_flows);
                /* After a failure the input was not all read: no verdict on it. */
                is_unreadable = cap_status == CAPTURE_OK && main_report_unreadable(&run, &st);
            }
            if (cap_status == CAPTURE_ERR_NOMEM)
                log_error("out of memory");
            if (!is_output_whole)
                log_error("out of memory: some output is missing");
            if (cap_status == CAPTURE_OK && is_output_whole && !is_unreadable)
                status = main_any_flow_at(&st, opt->fail_on) ? EXIT_FLOWS_AT_LEVEL : EXIT_OK;
            free(anomaly_flows);
        }
    }

    pipeline_destroy(run.pipeline);
    main_destroy_outputs(&run);
    /* Everything written must have reached its destination; a full disk
     * must not pass for a clean run. */
    if (!sink_file_flush(run.sink)) {
        if (errno != EPIPE)
            log_error("standard output: %s", strerror(errno));
        status = EXIT_ERROR;
    }
    sink_file_destroy(run.sink);
    main_signal_capture = NULL;
    capture_destroy(run.cap);
    return status;
}

/* Everything on stdout must have reached its destination; a full disk
 * must not pass for a clean run. */
static int main_check_stdout(int status)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return status;
    if (errno != EPIPE)
        log_error("standard output: %s", strerror(errno != 0 ? errno : EIO));
    return EXIT_ERROR;
}

int main(int argc, char **argv)
{
    /* A reader that goes away (| head) ends us quietly, as it ends other
     * filters, even if our parent ignored SIGPIPE. */
    signal(SIGPIPE, SIG_DFL);

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
            status = main_run(&opt);
            break;
        }
    }
    cli_options_free(&opt);
    errno = 0;
    exit(main_check_stdout(status));
}
