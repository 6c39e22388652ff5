/*
 * Argument parsing with getopt_long, tcpdump style: short options for what
 * tcpdump has (-r -w -c -n -q -v -h), long ones for the rest, trailing
 * arguments joined by spaces into the BPF expression.
 *
 * Every bad argument gives exactly one line on stderr, naming the option
 * and the value, and ends parsing; getopt's own messages are turned off so
 * they cannot add a second line. Numbers are checked in full (digits only,
 * no sign, no trailing text, range), never taken with atoi.
 *
 * Defaults are never written here: they are read from tv_config_default(),
 * so -h and the program cannot disagree. The limits below are this file's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "banned.h"

/* Above this, the flow table alone would need more memory than hosts that
 * read captures usually have. */
#define CLI_MAX_FLOWS_CAP 100000000u
/* A year: longer "timeouts" are typing errors, and the product with 1e6
 * stays far inside int64_t. */
#define CLI_SECONDS_CAP 31536000.0

enum {
    OPT_JSON = 256,
    OPT_FAIL_ON,
    OPT_MAX_FLOWS,
    OPT_IDLE_TIMEOUT,
    OPT_SYN_TIMEOUT,
    OPT_LINGER,
    OPT_GRACE,
    OPT_RST_IDLE,
    OPT_STALL,
    OPT_NO_CHECKSUMS,
    OPT_NO_EVICT,
    OPT_VERSION,
};

static const struct option cli_long_options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"syn-timeout", required_argument, NULL, OPT_SYN_TIMEOUT},
    {"linger", required_argument, NULL, OPT_LINGER},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"rst-idle", required_argument, NULL, OPT_RST_IDLE},
    {"stall", required_argument, NULL, OPT_STALL},
    {"no-checksums", no_argument, NULL, OPT_NO_CHECKSUMS},
    {"no-evict", no_argument, NULL, OPT_NO_EVICT},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Leading ':' makes a missing argument return ':' rather than '?'. */
static const char cli_short_options[] = ":r:w:c:nqvh";

/* Durations given in seconds, each mapped to one tv_config field. A zero
 * grace or linger is meaningful (trust nothing to predate the input; emit
 * a closed flow at once); a zero timeout or threshold is not. */
struct cli_seconds_option {
    int id;
    const char *name;
    size_t offset; /* of the int64_t microseconds field in struct tv_config */
    bool may_be_zero;
    const char *help;
};

static const struct cli_seconds_option cli_seconds_options[] = {
    {OPT_IDLE_TIMEOUT, "idle-timeout", offsetof(struct tv_config, idle_timeout_us), false,
     "an open flow silent this long ends idle_timeout"},
    {OPT_SYN_TIMEOUT, "syn-timeout", offsetof(struct tv_config, syn_timeout_us), false,
     "an unanswered connection attempt ends syn_timeout"},
    {OPT_LINGER, "linger", offsetof(struct tv_config, linger_us), true,
     "a closed flow keeps collecting late segments"},
    {OPT_GRACE, "grace", offsetof(struct tv_config, grace_us), true,
     "flows seen this soon after input start may predate it"},
    {OPT_RST_IDLE, "rst-idle", offsetof(struct tv_config, rst_idle_us), false,
     "a RST after this much silence is rst_after_idle"},
    {OPT_STALL, "stall", offsetof(struct tv_config, stall_us), false,
     "outstanding data with no progress this long is a stall"},
};

#define CLI_SECONDS_OPTION_COUNT (sizeof(cli_seconds_options) / sizeof(cli_seconds_options[0]))

static int64_t *cli_config_field(struct tv_config *cfg, size_t offset)
{
    return (int64_t *)(void *)((char *)cfg + offset);
}

/* Digits only, with at most one '.' if allowed, and at least one digit:
 * strtoul and strtod would otherwise accept signs, spaces, hex, "inf". */
static bool cli_is_decimal(const char *s, bool allow_point)
{
    bool saw_digit = false;
    bool saw_point = false;
    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9') {
            saw_digit = true;
        } else if (*s == '.' && allow_point && !saw_point) {
            saw_point = true;
        } else {
            return false;
        }
    }
    return saw_digit;
}

static enum cli_status cli_parse_count(const char *name, const char *arg, uint64_t min,
                                       uint64_t max, uint64_t *out)
{
    if (!cli_is_decimal(arg, false)) {
        log_error("%s: '%s' is not a number (try -h)", name, arg);
        return CLI_ERROR;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(arg, &end, 10);
    if (end == arg || *end != '\0') {
        log_error("%s: '%s' is not a number (try -h)", name, arg);
        return CLI_ERROR;
    }
    if (errno == ERANGE || n < min || n > max) {
        log_error("%s: %s is out of range %" PRIu64 "-%" PRIu64 " (try -h)", name, arg, min, max);
        return CLI_ERROR;
    }
    *out = (uint64_t)n;
    return CLI_OK;
}

static enum cli_status cli_parse_seconds(const struct cli_seconds_option *so, const char *arg,
                                         struct tv_config *cfg)
{
    if (!cli_is_decimal(arg, true)) {
        log_error("--%s: '%s' is not a number of seconds (try -h)", so->name, arg);
        return CLI_ERROR;
    }
    char *end = NULL;
    errno = 0;
    double sec = strtod(arg, &end);
    if (end == arg || *end != '\0' || !isfinite(sec)) {
        log_error("--%s: '%s' is not a number of seconds (try -h)", so->name, arg);
        return CLI_ERROR;
    }
    /* Rounded to the analyzer's resolution; what rounds to 0 us is 0. */
    int64_t us = (int64_t)(sec * 1e6 + 0.5);
    if (errno == ERANGE || sec > CLI_SECONDS_CAP || (us == 0 && !so->may_be_zero)) {
        log_error("--%s: %s is out of range: %s to %.0f seconds (try -h)", so->name, arg,
                  so->may_be_zero ? "0" : "more than 0", CLI_SECONDS_CAP);
        return CLI_ERROR;
    }
    *cli_config_field(cfg, so->offset) = us;
    return CLI_OK;
}

static const struct cli_seconds_option *cli_find_seconds_option(int id)
{
    for (size_t i = 0; i < CLI_SECONDS_OPTION_COUNT; i++)
        if (cli_seconds_options[i].id == id)
            return &cli_seconds_options[i];
    return NULL;
}

static const char *cli_long_name(int id)
{
    for (const struct option *o = cli_long_options; o->name != NULL; o++)
        if (o->val == id)
            return o->name;
    return "?";
}

static enum cli_status cli_add_input(struct cli_options *opt, const char *name)
{
    if (strcmp(name, "-") == 0) {
        for (size_t i = 0; i < opt->input_count; i++) {
            if (strcmp(opt->inputs[i], "-") == 0) {
                log_error("-r -: standard input can be read only once");
                return CLI_ERROR;
            }
        }
    }
    const char **inputs = realloc(opt->inputs, (opt->input_count + 1) * sizeof(*inputs));
    if (inputs == NULL) {
        log_error("out of memory");
        return CLI_ERROR;
    }
    inputs[opt->input_count++] = name;
    opt->inputs = inputs;
    return CLI_OK;
}

static enum cli_status cli_set_write_path(struct cli_options *opt, const char *path)
{
    if (opt->write_path != NULL) {
        log_error("-w: only one output file (try -h)");
        return CLI_ERROR;
    }
    if (strcmp(path, "-") == 0) {
        log_error("-w -: standard output carries the verdicts; name a file (try -h)");
        return CLI_ERROR;
    }
    opt->write_path = path;
    return CLI_OK;
}

static enum cli_status cli_join_filter(struct cli_options *opt, int argc, char **argv, int first)
{
    if (first >= argc)
        return CLI_OK;
    size_t len = 0;
    for (int i = first; i < argc; i++)
        len += strlen(argv[i]) + 1;
    opt->filter = malloc(len);
    if (opt->filter == NULL) {
        log_error("out of memory");
        return CLI_ERROR;
    }
    char *p = opt->filter;
    for (int i = first; i < argc; i++) {
        size_t arg_len = strlen(argv[i]);
        memcpy(p, argv[i], arg_len);
        p += arg_len;
        *p++ = i + 1 < argc ? ' ' : '\0';
    }
    return CLI_OK;
}

/* getopt_long's '?': an unknown option, or a long one given a value it
 * does not take. */
static void cli_report_bad_option(int bad_opt, const char *arg)
{
    if (bad_opt >= OPT_JSON)
        log_error("option '--%s' takes no argument (try -h)", cli_long_name(bad_opt));
    else if (bad_opt > 0)
        log_error("unknown option '-%c' (try -h)", bad_opt);
    else
        log_error("unknown option '%s' (try -h)", arg);
}

static void cli_report_missing_argument(int bad_opt)
{
    if (bad_opt >= OPT_JSON)
        log_error("option '--%s' needs an argument (try -h)", cli_long_name(bad_opt));
    else
        log_error("option '-%c' needs an argument (try -h)", bad_opt);
}

static enum cli_status cli_handle_option(struct cli_options *opt, int c, const char *arg)
{
    uint64_t n = 0;
    int level;

    switch (c) {
    case 'r':
        return cli_add_input(opt, arg);
    case 'w':
        return cli_set_write_path(opt, arg);
    case 'c':
        return cli_parse_count("-c", arg, 1, UINT64_MAX, &opt->packet_cap);
    case 'n':
        return CLI_OK; /* names are never resolved anyway */
    case 'q':
        opt->quiet = true;
        return CLI_OK;
    case 'v':
        opt->verbose = true;
        return CLI_OK;
    case OPT_JSON:
        opt->json = true;
        return CLI_OK;
    case OPT_FAIL_ON:
        level = tv_level_parse(arg);
        if (level < 0) {
            log_error("--fail-on: '%s' is not one of ok, notice, warn, fail (try -h)", arg);
            return CLI_ERROR;
        }
        opt->fail_on = (enum tv_level)level;
        return CLI_OK;
    case OPT_MAX_FLOWS:
        if (cli_parse_count("--max-flows", arg, 1, CLI_MAX_FLOWS_CAP, &n) != CLI_OK)
            return CLI_ERROR;
        opt->config.max_flows = (uint32_t)n;
        return CLI_OK;
    case OPT_NO_CHECKSUMS:
        opt->config.verify_checksums = false;
        return CLI_OK;
    case OPT_NO_EVICT:
        opt->config.evict_when_full = false;
        return CLI_OK;
    default:
        break;
    }
    const struct cli_seconds_option *so = cli_find_seconds_option(c);
    if (so == NULL) {
        log_error("option %d is not handled", c);
        return CLI_ERROR;
    }
    return cli_parse_seconds(so, arg, &opt->config);
}

enum cli_status cli_parse(int argc, char **argv, struct cli_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->action = CLI_RUN;
    opt->fail_on = TV_LEVEL_FAIL;
    tv_config_default(&opt->config);

    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, cli_short_options, cli_long_options, NULL);
        if (c == -1)
            break;
        if (c == '?') {
            cli_report_bad_option(optopt, argv[optind - 1]);
            return CLI_ERROR;
        }
        if (c == ':') {
            cli_report_missing_argument(optopt);
            return CLI_ERROR;
        }
        if (c == 'h' || c == OPT_VERSION) {
            opt->action = c == 'h' ? CLI_HELP : CLI_VERSION;
            return CLI_OK;
        }
        if (cli_handle_option(opt, c, optarg) != CLI_OK)
            return CLI_ERROR;
    }

    if (cli_join_filter(opt, argc, argv, optind) != CLI_OK)
        return CLI_ERROR;
    if (opt->input_count == 0) {
        log_error("no input: give -r FILE, or -r - for standard input (live capture is not "
                  "supported yet; try -h)");
        return CLI_ERROR;
    }
    return CLI_OK;
}

void cli_options_free(struct cli_options *opt)
{
    free(opt->inputs);
    free(opt->filter);
    opt->inputs = NULL;
    opt->filter = NULL;
}

/* Seconds from microseconds, without trailing zeros: "60", "0.5". */
static void cli_format_seconds(int64_t us, char *buf, size_t buf_len)
{
    int len = snprintf(buf, buf_len, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
    if (len <= 0 || (size_t)len >= buf_len)
        return;
    char *p = buf + len - 1;
    while (*p == '0')
        *p-- = '\0';
    if (*p == '.')
        *p = '\0';
}

void cli_usage(FILE *out)
{
    struct tv_config cfg;
    tv_config_default(&cfg);

    fprintf(out,
            "usage: tcpverdict [options] -r FILE [-r FILE ...] [expression]\n"
            "Reads TCP packets from capture files; prints one verdict per TCP flow.\n"
            "\n"
            "  -r FILE             read FILE (pcap or pcapng; '-' is standard input);\n"
            "                      repeat to read several files in order as one stream\n"
            "  -w FILE             also write the packets that pass the filter to FILE (pcap)\n"
            "  -c N                stop after N packets (1 to %" PRIu64 "; default: no limit)\n"
            "  -n                  accepted; names are never resolved\n"
            "  -q                  print the summary only\n"
            "  -v                  list every anomaly of a flow in the table\n"
            "  --json              one JSON object per line instead of the table\n"
            "  --fail-on LEVEL     exit %d if a flow is at LEVEL or above:\n"
            "                      ok, notice, warn or fail (default: fail)\n"
            "  --max-flows N       flows tracked at once (1 to %u; default: %" PRIu32 ")\n"
            "  --no-evict          when full, refuse new flows instead of evicting the\n"
            "                      oldest idle one (default: %s)\n",
            (uint64_t)UINT64_MAX, EXIT_FLOWS_AT_LEVEL, CLI_MAX_FLOWS_CAP, cfg.max_flows,
            cfg.evict_when_full ? "evict" : "refuse");

    for (size_t i = 0; i < CLI_SECONDS_OPTION_COUNT; i++) {
        const struct cli_seconds_option *so = &cli_seconds_options[i];
        char opt_name[32];
        char def[32];
        snprintf(opt_name, sizeof(opt_name), "--%s SEC", so->name);
        cli_format_seconds(*cli_config_field(&cfg, so->offset), def, sizeof(def));
        fprintf(out, "  %-19s %s\n  %-19s (%s to %.0f; default: %s)\n", opt_name, so->help, "",
                so->may_be_zero ? "0" : "more than 0", CLI_SECONDS_CAP, def);
    }

    fprintf(out,
            "  --no-checksums      do not verify IP and TCP checksums (default: %s)\n"
            "  -h, --help          this help\n"
            "  --version           the program's and its libraries' versions\n"
            "  expression          a BPF filter as in tcpdump: the trailing arguments,\n"
            "                      joined by spaces\n"
            "\n"
            "Exit status: %d no flow at or above --fail-on, %d at least one, %d error.\n",
            cfg.verify_checksums ? "verify" : "do not verify", EXIT_OK, EXIT_FLOWS_AT_LEVEL,
            EXIT_ERROR);
}
