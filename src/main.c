/*
 * The process: parses the command line, wires capture -> analyzer ->
 * output, prints the summary and chooses the exit status. The only place
 * that calls exit(); every other module reports a status and leaves the
 * decision here.
 *
 * Exit status (cli.h): EXIT_ERROR for bad arguments, unreadable input or a
 * failed write; otherwise EXIT_FLOWS_AT_LEVEL if any flow's verdict reached
 * --fail-on, else EXIT_OK. Verdicts for what was read are still printed
 * when an input fails midway, since every flow gets exactly one verdict.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cli.h"
#include "log.h"
#include "output_json.h"
#include "output_text.h"
#include "tcpverdict.h"
#include "banned.h"

/* Records are written whole, so a large buffer means few write calls. */
static char stdout_buf[1 << 18];

struct run {
    const struct cli_options *opt; /* borrowed */
    struct tv_analyzer *analyzer;  /* owned */
    struct output_json *json;      /* owned, with --json */
    struct output_text *text;      /* owned, without --json */
    bool is_output_short;          /* a record was lost for lack of memory */
};

static void main_on_verdict(const struct tv_verdict *v, void *ctx)
{
    struct run *run = ctx;
    if (run->opt->quiet)
        return;
    if (run->json != NULL) {
        if (output_json_flow(run->json, v) != OUTPUT_JSON_OK)
            run->is_output_short = true;
    } else if (output_text_flow(run->text, v) != OUTPUT_TEXT_OK) {
        run->is_output_short = true;
    }
}

static void main_on_packet(const struct tv_packet *packet, void *ctx)
{
    struct run *run = ctx;
    tv_analyzer_packet(run->analyzer, packet);
}

static void main_summary(struct run *run, const struct capture_stats *capture)
{
    bool is_ok = run->json != NULL
                     ? output_json_summary(run->json, run->analyzer, capture) == OUTPUT_JSON_OK
                     : output_text_summary(run->text, run->analyzer, capture) == OUTPUT_TEXT_OK;
    if (!is_ok)
        run->is_output_short = true;
}

static bool main_any_flow_at(const struct tv_analyzer *analyzer, enum tv_level level)
{
    const struct tv_stats *st = tv_analyzer_stats(analyzer);
    for (int l = (int)level; l < TV_LEVEL_COUNT; l++)
        if (st->flows_by_level[l] != 0)
            return true;
    return false;
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
    };
    struct capture *cap = capture_create(&cap_opt);
    if (opt->json)
        run.json = output_json_create(stdout);
    else
        run.text = output_text_create(stdout, opt->verbose);
    run.analyzer = tv_analyzer_create(&opt->config, main_on_verdict, &run);

    int status = EXIT_ERROR;
    if (cap == NULL || (run.json == NULL && run.text == NULL)) {
        log_error("out of memory");
    } else if (run.analyzer == NULL) {
        log_error("cannot start the analyzer for %" PRIu32 " flows: out of memory",
                  opt->config.max_flows);
    } else {
        enum capture_status cap_status = capture_run(cap, main_on_packet, &run);
        const struct capture_stats *cap_stats = capture_stats(cap);
        /* An input that failed before anything was read leaves nothing to
         * report; otherwise what was read gets its verdicts. */
        if (cap_status == CAPTURE_OK || cap_stats->packets != 0) {
            tv_analyzer_finish(run.analyzer);
            main_summary(&run, cap_stats);
        }
        if (cap_status == CAPTURE_ERR_NOMEM)
            log_error("out of memory");
        if (run.is_output_short)
            log_error("out of memory: some output is missing");
        if (cap_status == CAPTURE_OK && !run.is_output_short)
            status = main_any_flow_at(run.analyzer, opt->fail_on) ? EXIT_FLOWS_AT_LEVEL : EXIT_OK;
    }

    tv_analyzer_destroy(run.analyzer);
    output_text_destroy(run.text);
    output_json_destroy(run.json);
    capture_destroy(cap);
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
    setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));

    struct cli_options opt;
    int status = EXIT_ERROR;
    if (cli_parse(argc, argv, &opt) == CLI_OK) {
        switch (opt.action) {
        case CLI_HELP:
            cli_usage(stdout);
            status = EXIT_OK;
            break;
        case CLI_VERSION:
            printf("tcpverdict %s\n%s\njson-c %s\n", PACKAGE_VERSION, capture_lib_version(),
                   output_json_lib_version());
            status = EXIT_OK;
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
