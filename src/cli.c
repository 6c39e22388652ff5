/*
 * Argument parsing with getopt_long, tcpdump style: short options for what
 * tcpdump has (-r -w -c -n -q -v -h -i -s -B -p -D -Z, and -j), long ones
 * for the rest, trailing arguments joined by spaces into the BPF
 * expression. Also reads --services-file.
 *
 * Every bad argument gives exactly one line on stderr, naming the option
 * and the value, and ends parsing; getopt's own messages are turned off so
 * they cannot add a second line. Numbers are checked in full (digits only,
 * no sign, no trailing text, range), never taken with atoi.
 *
 * Defaults are never written here: they are read from tv_config_default(),
 * so -h and the program cannot disagree. The limits below are this file's.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "capture.h"
#include "cli.h"
#include "log.h"
#include "outlets.h"
#include "pipeline.h"
#include "platform.h"
#include "sink_syslog.h"
#include "source_redis.h"

#include "banned.h"

/* Above this, the flow table alone would need more memory than hosts that
 * read captures usually have. */
#define CLI_MAX_FLOWS_CAP 100000000u
/* A year: longer "timeouts" are typing errors, and the product with 1e6
 * stays far inside int64_t. */
#define CLI_SECONDS_CAP 31536000.0
/* libpcap takes the buffer size in bytes as an int: just under 2 GiB. */
#define CLI_BUFFER_KIB_CAP 2097151u
/* Ring slots per worker: a power of two between these. */
#define CLI_RING_SLOTS_MIN 64u
#define CLI_RING_SLOTS_CAP 1048576u
/* Live rings absorb bursts the workers fall behind on; a file waits for
 * its workers, so a smaller ring is enough. */
#define CLI_RING_SLOTS_LIVE 4096u
#define CLI_RING_SLOTS_FILE 1024u
/* Bytes fragments awaiting reassembly may hold, per analysis thread:
 * 64 KiB holds one largest datagram; 1 GiB is far past any real need. */
#define CLI_FRAG_MEMCAP_MIN 65536u
#define CLI_FRAG_MEMCAP_CAP 1073741824u
/* Service and role names: printable, no spaces, at most this long. */
#define CLI_NAME_CAP 64
/* A services file is a short list written by hand: 4 MiB is tens of
 * thousands of lines, and a bound on what a wrong path (a log, a device)
 * can cost. */
#define CLI_SERVICES_FILE_CAP (4u << 20)
/* Services and roles named at most, from the command line and files
 * together: each flow looks them up in a list. */
#define CLI_SERVICES_CAP 1024u
#define CLI_ROLES_CAP    1024u

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
    OPT_INTERIM,
    OPT_STATS_INTERVAL,
    OPT_RING_SLOTS,
    OPT_SERVICE,
    OPT_ROLE,
    OPT_SERVICES_FILE,
    OPT_CAPTURE_HOST,
    OPT_FRAG_MEMCAP,
    OPT_FRAG_TIMEOUT,
    OPT_FORMAT,
    OPT_LADDER,
    OPT_GRAPH,
    OPT_REPORT,
    OPT_EXPORT,
    OPT_EXPORT_FLOW,
    OPT_COMPARE,
    OPT_SYSLOG,
    OPT_SYSLOG_FACILITY,
    OPT_SENSOR,
    OPT_SPOOL_SIZE,
    OPT_SINK_WAIT,
    OPT_REDIS,
    OPT_REDIS_MAXLEN,
    OPT_REDIS_PASSWORD_FILE,
    OPT_FROM_REDIS,
    OPT_GROUP,
    OPT_CONSUMER,
    OPT_FOLLOW,
    OPT_CLAIM_IDLE,
    OPT_SPOOL_FILE,
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
    {"interim", required_argument, NULL, OPT_INTERIM},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"ring-slots", required_argument, NULL, OPT_RING_SLOTS},
    {"service", required_argument, NULL, OPT_SERVICE},
    {"role", required_argument, NULL, OPT_ROLE},
    {"services-file", required_argument, NULL, OPT_SERVICES_FILE},
    {"capture-host", required_argument, NULL, OPT_CAPTURE_HOST},
    {"frag-memcap", required_argument, NULL, OPT_FRAG_MEMCAP},
    {"frag-timeout", required_argument, NULL, OPT_FRAG_TIMEOUT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"ladder", no_argument, NULL, OPT_LADDER},
    {"graph", required_argument, NULL, OPT_GRAPH},
    {"report", required_argument, NULL, OPT_REPORT},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"export-flow", required_argument, NULL, OPT_EXPORT_FLOW},
    {"compare", required_argument, NULL, OPT_COMPARE},
    {"syslog", required_argument, NULL, OPT_SYSLOG},
    {"syslog-facility", required_argument, NULL, OPT_SYSLOG_FACILITY},
    {"sensor", required_argument, NULL, OPT_SENSOR},
    {"spool-size", required_argument, NULL, OPT_SPOOL_SIZE},
    {"sink-wait", required_argument, NULL, OPT_SINK_WAIT},
    {"redis", required_argument, NULL, OPT_REDIS},
    {"redis-maxlen", required_argument, NULL, OPT_REDIS_MAXLEN},
    {"redis-password-file", required_argument, NULL, OPT_REDIS_PASSWORD_FILE},
    {"from-redis", required_argument, NULL, OPT_FROM_REDIS},
    {"group", required_argument, NULL, OPT_GROUP},
    {"consumer", required_argument, NULL, OPT_CONSUMER},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"claim-idle", required_argument, NULL, OPT_CLAIM_IDLE},
    {"spool-file", required_argument, NULL, OPT_SPOOL_FILE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Leading ':' makes a missing argument return ':' rather than '?'. */
static const char cli_short_options[] = ":r:w:c:nqvhi:s:B:pDZ:j:";

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
    {OPT_FRAG_TIMEOUT, "frag-timeout", offsetof(struct tv_config, frag_timeout_us), false,
     "an IP datagram incomplete this long is given up"},
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
    /* "-5" is a number, only not one in range: say so. */
    if (arg[0] == '-' && cli_is_decimal(arg + 1, false)) {
        log_error("%s: %s is out of range %" PRIu64 "-%" PRIu64 " (try -h)", name, arg, min, max);
        return CLI_ERROR;
    }
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

static enum cli_status cli_parse_seconds_value(const char *name, const char *arg, bool may_be_zero,
                                               int64_t *out_us)
{
    if (!cli_is_decimal(arg, true)) {
        log_error("--%s: '%s' is not a number of seconds (try -h)", name, arg);
        return CLI_ERROR;
    }
    char *end = NULL;
    errno = 0;
    double sec = strtod(arg, &end);
    if (end == arg || *end != '\0' || isnan(sec)) {
        log_error("--%s: '%s' is not a number of seconds (try -h)", name, arg);
        return CLI_ERROR;
    }
    /* The range first: converting a double outside int64_t's range is
     * undefined, and "1" with 400 zeros is infinity here (ERANGE). An
     * underflow to 0 is rounded below anyway. */
    bool in_range = sec >= 0.0 && sec <= CLI_SECONDS_CAP;
    /* Rounded to the analyzer's resolution; what rounds to 0 us is 0. */
    int64_t us = in_range ? (int64_t)(sec * 1e6 + 0.5) : 0;
    if (!in_range || (us == 0 && !may_be_zero)) {
        log_error("--%s: %s is out of range: %s to %.0f seconds (try -h)", name, arg,
                  may_be_zero ? "0" : "more than 0", CLI_SECONDS_CAP);
        return CLI_ERROR;
    }
    *out_us = us;
    return CLI_OK;
}

static enum cli_status cli_parse_seconds(const struct cli_seconds_option *so, const char *arg,
                                         struct tv_config *cfg)
{
    return cli_parse_seconds_value(so->name, arg, so->may_be_zero,
                                   cli_config_field(cfg, so->offset));
}

/* A service or role name: what a JSON reader and a terminal both show as
 * one word. */
static bool cli_is_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > CLI_NAME_CAP)
        return false;
    for (; *s != '\0'; s++)
        if (!isgraph((unsigned char)*s) || *s == '"' || *s == '\\')
            return false;
    return true;
}

/* IPv4 or IPv6, as decode.c stores it: IPv4 in the first 4 bytes. */
static bool cli_parse_addr(const char *s, struct tv_role *out)
{
    memset(out->addr, 0, sizeof(out->addr));
    if (inet_pton(AF_INET, s, out->addr) == 1) {
        out->family = 4;
        return true;
    }
    if (inet_pton(AF_INET6, s, out->addr) == 1) {
        out->family = 6;
        return true;
    }
    return false;
}

/* Where a service or role came from, for messages: "--service" or
 * "FILE:LINE". */
struct cli_origin {
    const char *label;
};

static enum cli_status cli_add_service(struct cli_options *opt, const struct cli_origin *from,
                                       const char *port_text, const char *name)
{
    uint64_t port = 0;
    if (!cli_is_decimal(port_text, false) || strlen(port_text) > 5 ||
        (port = strtoull(port_text, NULL, 10)) == 0 || port > 65535) {
        log_error("%s: '%s' is not a port number 1-65535 (try -h)", from->label, port_text);
        return CLI_ERROR;
    }
    if (!cli_is_name(name)) {
        log_error("%s: '%s' is not a name (1-%d printable characters, no spaces or quotes)",
                  from->label, name, CLI_NAME_CAP);
        return CLI_ERROR;
    }
    /* The last one given for a port wins, so the command line can
     * override a file read before it. */
    for (size_t i = 0; i < opt->service_count; i++) {
        if (opt->services[i].port == port) {
            opt->services[i].name = name;
            return CLI_OK;
        }
    }
    if (opt->service_count >= CLI_SERVICES_CAP) {
        log_error("%s: more than %u services named", from->label, CLI_SERVICES_CAP);
        return CLI_ERROR;
    }
    struct tv_service *services =
        realloc(opt->services, (opt->service_count + 1) * sizeof(*services));
    if (services == NULL) {
        log_error("out of memory");
        return CLI_ERROR;
    }
    services[opt->service_count++] = (struct tv_service){.port = (uint16_t)port, .name = name};
    opt->services = services;
    return CLI_OK;
}

static enum cli_status cli_add_role(struct cli_options *opt, const struct cli_origin *from,
                                    const char *addr_text, const char *name)
{
    struct tv_role role = {.name = name};
    if (!cli_parse_addr(addr_text, &role)) {
        log_error("%s: '%s' is not an IPv4 or IPv6 address (try -h)", from->label, addr_text);
        return CLI_ERROR;
    }
    if (!cli_is_name(name)) {
        log_error("%s: '%s' is not a name (1-%d printable characters, no spaces or quotes)",
                  from->label, name, CLI_NAME_CAP);
        return CLI_ERROR;
    }
    for (size_t i = 0; i < opt->role_count; i++) {
        if (opt->roles[i].family == role.family &&
            memcmp(opt->roles[i].addr, role.addr, sizeof(role.addr)) == 0) {
            opt->roles[i].name = name;
            return CLI_OK;
        }
    }
    if (opt->role_count >= CLI_ROLES_CAP) {
        log_error("%s: more than %u roles named", from->label, CLI_ROLES_CAP);
        return CLI_ERROR;
    }
    struct tv_role *roles = realloc(opt->roles, (opt->role_count + 1) * sizeof(*roles));
    if (roles == NULL) {
        log_error("out of memory");
        return CLI_ERROR;
    }
    roles[opt->role_count++] = role;
    opt->roles = roles;
    return CLI_OK;
}

/* --service PORT=NAME and --role ADDR=NAME: split at the last '=' (an
 * IPv6 address has none, a name may not either). */
static enum cli_status cli_add_pair(struct cli_options *opt, int id, const char *arg)
{
    const char *option = id == OPT_SERVICE ? "--service" : "--role";
    const char *eq = strrchr(arg, '=');
    if (eq == NULL || eq == arg) {
        log_error("%s: '%s' is not %s (try -h)", option, arg,
                  id == OPT_SERVICE ? "PORT=NAME" : "ADDR=NAME");
        return CLI_ERROR;
    }
    char key[INET6_ADDRSTRLEN + 1];
    size_t key_len = (size_t)(eq - arg);
    if (key_len >= sizeof(key)) {
        log_error("%s: '%s' is not %s (try -h)", option, arg,
                  id == OPT_SERVICE ? "PORT=NAME" : "ADDR=NAME");
        return CLI_ERROR;
    }
    memcpy(key, arg, key_len);
    key[key_len] = '\0';
    struct cli_origin from = {option};
    return id == OPT_SERVICE ? cli_add_service(opt, &from, key, eq + 1)
                             : cli_add_role(opt, &from, key, eq + 1);
}

/* Keeps a copy of a name read from a file for as long as opt lives. */
static const char *cli_keep_string(struct cli_options *opt, const char *s)
{
    char **strings = realloc(opt->strings, (opt->string_count + 1) * sizeof(*strings));
    if (strings == NULL)
        return NULL;
    opt->strings = strings;
    char *copy = strdup(s);
    if (copy == NULL)
        return NULL;
    strings[opt->string_count++] = copy;
    return copy;
}

/* One line of a services file, comment already cut: "service PORT NAME",
 * "role ADDR NAME", or nothing. */
static enum cli_status cli_services_line(struct cli_options *opt, const struct cli_origin *from,
                                         char *line)
{
    char *save = NULL;
    char *kind = strtok_r(line, " \t\r\n", &save);
    if (kind == NULL)
        return CLI_OK;
    char *key = strtok_r(NULL, " \t\r\n", &save);
    char *name = strtok_r(NULL, " \t\r\n", &save);
    char *extra = strtok_r(NULL, " \t\r\n", &save);
    bool is_service = strcmp(kind, "service") == 0;
    if ((!is_service && strcmp(kind, "role") != 0) || key == NULL || name == NULL ||
        extra != NULL) {
        log_error("%s: expected 'service PORT NAME' or 'role ADDR NAME'", from->label);
        return CLI_ERROR;
    }
    const char *kept = cli_keep_string(opt, name);
    if (kept == NULL) {
        log_error("out of memory");
        return CLI_ERROR;
    }
    return is_service ? cli_add_service(opt, from, key, kept) : cli_add_role(opt, from, key, kept);
}

/*
 * Reads a whole regular file of at most cap bytes into a NUL-terminated
 * buffer (owned by the caller). Opened without blocking, so that a FIFO
 * with no writer is refused at once instead of waited on; read to the cap
 * plus one, so that a file growing while read cannot pass the cap.
 */
static enum cli_status cli_slurp(const char *option, const char *path, size_t cap, char **out,
                                 size_t *out_len)
{
    uint64_t size = 0;
    const char *kind = NULL;
    int fd = platform_open_regular(path, &size, &kind);
    if (fd < 0 && kind != NULL) {
        log_error("%s %s: %s, not a regular file", option, path, kind);
        return CLI_ERROR;
    }
    if (fd < 0) {
        log_error("%s %s: %s", option, path, strerror(errno));
        return CLI_ERROR;
    }
    if (size > cap) {
        log_error("%s %s: %" PRIu64 " bytes, above the cap of %zu bytes", option, path, size, cap);
        close(fd);
        return CLI_ERROR;
    }
    char *buf = malloc(cap + 2);
    if (buf == NULL) {
        log_error("out of memory");
        close(fd);
        return CLI_ERROR;
    }
    size_t len = 0;
    while (len <= cap) {
        ssize_t got = read(fd, buf + len, cap + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            log_error("%s %s: %s", option, path, strerror(errno));
            free(buf);
            close(fd);
            return CLI_ERROR;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    if (len > cap) {
        log_error("%s %s: grew while read, above the cap of %zu bytes", option, path, cap);
        free(buf);
        return CLI_ERROR;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return CLI_OK;
}

static enum cli_status cli_read_services_file(struct cli_options *opt, const char *path)
{
    char *text = NULL;
    size_t text_len = 0;
    if (cli_slurp("--services-file", path, CLI_SERVICES_FILE_CAP, &text, &text_len) != CLI_OK)
        return CLI_ERROR;
    enum cli_status status = CLI_OK;
    unsigned long line_no = 0;
    char *line = text;
    while (status == CLI_OK && line < text + text_len) {
        line_no++;
        char *eol = memchr(line, '\n', (size_t)(text + text_len - line));
        char *next = eol != NULL ? eol + 1 : text + text_len;
        if (eol != NULL)
            *eol = '\0';
        char label[512];
        snprintf(label, sizeof(label), "%s:%lu", path, line_no);
        struct cli_origin from = {label};
        if (strlen(line) != (size_t)(next - line) - (eol != NULL)) {
            log_error("%s: a NUL byte: not a text file", from.label);
            status = CLI_ERROR;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        status = cli_services_line(opt, &from, line);
        line = next;
    }
    free(text);
    return status;
}

static enum cli_status cli_set_capture_host(struct cli_options *opt, const char *arg)
{
    if (!cli_parse_addr(arg, &opt->config.capture_host)) {
        log_error("--capture-host: '%s' is not an IPv4 or IPv6 address (try -h)", arg);
        return CLI_ERROR;
    }
    opt->config.capture_host.name = NULL;
    opt->config.have_capture_host = true;
    return CLI_OK;
}

static enum cli_status cli_set_ring_slots(struct cli_options *opt, const char *arg)
{
    uint64_t n = 0;
    if (cli_parse_count("--ring-slots", arg, CLI_RING_SLOTS_MIN, CLI_RING_SLOTS_CAP, &n) != CLI_OK)
        return CLI_ERROR;
    if ((n & (n - 1)) != 0) {
        log_error("--ring-slots: %s is not a power of two (try -h)", arg);
        return CLI_ERROR;
    }
    opt->ring_slots = (uint32_t)n;
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

/* --compare FILE: the second capture point's files, in order. */
static enum cli_status cli_add_compare_input(struct cli_options *opt, const char *name)
{
    if (name[0] == '\0' || strcmp(name, "-") == 0) {
        log_error("--compare: name a file (it is read more than once) (try -h)");
        return CLI_ERROR;
    }
    const char **inputs =
        realloc(opt->compare_inputs, (opt->compare_input_count + 1) * sizeof(*inputs));
    if (inputs == NULL) {
        log_error("out of memory");
        return CLI_ERROR;
    }
    inputs[opt->compare_input_count++] = name;
    opt->compare_inputs = inputs;
    return CLI_OK;
}

bool cli_sensor_is_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > CLI_SENSOR_LEN_CAP)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

/* A consumer group's or reader's name: what redis-cli would take whole. */
static bool cli_group_name_is_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > SOURCE_REDIS_NAME_LEN_CAP)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] <= ' ' || name[i] > '~')
            return false;
    return true;
}

/* --from-redis: the options that belong to it, and those that belong to
 * reading packets, which it does not do. */
static enum cli_status cli_check_from_redis(const struct cli_options *opt)
{
    if (opt->from_redis == NULL) {
        const char *stray = opt->redis_group != NULL      ? "--group"
                            : opt->redis_consumer != NULL ? "--consumer"
                            : opt->follow                 ? "--follow"
                            : opt->is_claim_idle_set      ? "--claim-idle"
                                                          : NULL;
        if (stray != NULL) {
            log_error("%s goes with --from-redis (try -h)", stray);
            return CLI_ERROR;
        }
        return CLI_OK;
    }
    if (opt->redis_group == NULL) {
        log_error("--from-redis: give the consumer group with --group NAME (try -h)");
        return CLI_ERROR;
    }
    const char *clash = opt->input_count != 0           ? "-r"
                        : opt->interface != NULL        ? "-i"
                        : opt->compare_input_count != 0 ? "--compare"
                        : opt->write_path != NULL       ? "-w"
                        : opt->filter != NULL           ? "a filter expression"
                        : opt->ladder                   ? "--ladder"
                        : opt->graph_dir != NULL        ? "--graph"
                        : opt->export_path != NULL      ? "--export"
                        : opt->destination_count != 0   ? "--syslog or --redis"
                                                        : NULL;
    if (clash != NULL) {
        log_error("--from-redis reads records, not packets: not with %s (try -h)", clash);
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* --syslog SPEC, --redis URL: checked when the destination is made
 * (outlets.c), before anything is read. */
static enum cli_status cli_add_destination(struct cli_options *opt, enum cli_destination_kind kind,
                                           const char *spec)
{
    if (opt->destination_count >= CLI_DESTINATIONS_CAP) {
        log_error("%s: %d destinations at most, --syslog and --redis together (try -h)",
                  kind == CLI_DESTINATION_REDIS ? "--redis" : "--syslog", CLI_DESTINATIONS_CAP);
        return CLI_ERROR;
    }
    struct cli_destination *d =
        realloc(opt->destinations, (opt->destination_count + 1) * sizeof(*d));
    if (d == NULL) {
        log_error("out of memory");
        return CLI_ERROR;
    }
    d[opt->destination_count++] = (struct cli_destination){.kind = kind, .spec = spec};
    opt->destinations = d;
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

/* --format: what stdout carries. */
static enum cli_status cli_set_format(struct cli_options *opt, const char *arg)
{
    static const struct {
        const char *name;
        enum cli_format format;
    } formats[] = {
        {"text", CLI_FORMAT_TEXT},
        {"json", CLI_FORMAT_JSON},
        {"zeek", CLI_FORMAT_ZEEK},
        {"zeek-json", CLI_FORMAT_ZEEK_JSON},
    };
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (strcmp(arg, formats[i].name) == 0) {
            opt->format = formats[i].format;
            opt->json = opt->format == CLI_FORMAT_JSON;
            return CLI_OK;
        }
    }
    log_error("--format: '%s' is not one of text, json, zeek, zeek-json (try -h)", arg);
    return CLI_ERROR;
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
    int64_t us = 0;
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
    case 'i':
        opt->interface = arg;
        return CLI_OK;
    case 's':
        if (cli_parse_count("-s", arg, 1, CAPTURE_FILE_SNAPLEN, &n) != CLI_OK)
            return CLI_ERROR;
        opt->snaplen = (uint32_t)n;
        return CLI_OK;
    case 'B':
        if (cli_parse_count("-B", arg, 1, CLI_BUFFER_KIB_CAP, &n) != CLI_OK)
            return CLI_ERROR;
        opt->buffer_kib = (uint32_t)n;
        return CLI_OK;
    case 'p':
        opt->promiscuous = false;
        return CLI_OK;
    case 'Z':
        opt->user = arg;
        return CLI_OK;
    case 'j':
        if (cli_parse_count("-j", arg, 1, PIPELINE_WORKER_CAP, &n) != CLI_OK)
            return CLI_ERROR;
        opt->worker_count = (uint32_t)n;
        return CLI_OK;
    case OPT_INTERIM:
        opt->is_interim_set = true;
        return cli_parse_seconds_value("interim", arg, true, &opt->config.interim_us);
    case OPT_STATS_INTERVAL:
        return cli_parse_seconds_value("stats-interval", arg, false, &opt->stats_interval_us);
    case OPT_RING_SLOTS:
        return cli_set_ring_slots(opt, arg);
    case OPT_SERVICE:
    case OPT_ROLE:
        return cli_add_pair(opt, c, arg);
    case OPT_SERVICES_FILE:
        return cli_read_services_file(opt, arg);
    case OPT_CAPTURE_HOST:
        return cli_set_capture_host(opt, arg);
    case 'q':
        opt->quiet = true;
        return CLI_OK;
    case 'v':
        opt->verbose = true;
        return CLI_OK;
    case OPT_JSON:
        opt->json = true;
        opt->format = CLI_FORMAT_JSON;
        return CLI_OK;
    case OPT_FORMAT:
        return cli_set_format(opt, arg);
    case OPT_LADDER:
        opt->ladder = true;
        return CLI_OK;
    case OPT_GRAPH:
        if (arg[0] == '\0') {
            log_error("--graph: name a directory (try -h)");
            return CLI_ERROR;
        }
        opt->graph_dir = arg;
        return CLI_OK;
    case OPT_REPORT:
        if (arg[0] == '\0' || strcmp(arg, "-") == 0) {
            log_error("--report: name a file (standard output carries the verdicts) (try -h)");
            return CLI_ERROR;
        }
        opt->report_path = arg;
        return CLI_OK;
    case OPT_EXPORT:
        if (arg[0] == '\0' || strcmp(arg, "-") == 0) {
            log_error("--export: name a file (standard output carries the verdicts) (try -h)");
            return CLI_ERROR;
        }
        opt->export_path = arg;
        return CLI_OK;
    case OPT_COMPARE:
        return cli_add_compare_input(opt, arg);
    case OPT_SYSLOG:
        return cli_add_destination(opt, CLI_DESTINATION_SYSLOG, arg);
    case OPT_REDIS:
        return cli_add_destination(opt, CLI_DESTINATION_REDIS, arg);
    case OPT_REDIS_MAXLEN:
        return cli_parse_count("--redis-maxlen", arg, 1, UINT64_MAX, &opt->redis_maxlen);
    case OPT_REDIS_PASSWORD_FILE:
        if (arg[0] == '\0') {
            log_error("--redis-password-file: name a file (try -h)");
            return CLI_ERROR;
        }
        opt->redis_password_file = arg;
        return CLI_OK;
    case OPT_SPOOL_FILE:
        if (arg[0] == '\0') {
            log_error("--spool-file: name a file (try -h)");
            return CLI_ERROR;
        }
        opt->spool_path = arg;
        return CLI_OK;
    case OPT_FROM_REDIS:
        opt->from_redis = arg;
        return CLI_OK;
    case OPT_GROUP:
    case OPT_CONSUMER:
        if (!cli_group_name_is_valid(arg)) {
            log_error("%s: '%s' is not 1 to %d printable characters without spaces (try -h)",
                      c == OPT_GROUP ? "--group" : "--consumer", arg, SOURCE_REDIS_NAME_LEN_CAP);
            return CLI_ERROR;
        }
        if (c == OPT_GROUP)
            opt->redis_group = arg;
        else
            opt->redis_consumer = arg;
        return CLI_OK;
    case OPT_FOLLOW:
        opt->follow = true;
        return CLI_OK;
    case OPT_CLAIM_IDLE:
        if (cli_parse_seconds_value("--claim-idle", arg, true, &us) != CLI_OK)
            return CLI_ERROR;
        if (us > (int64_t)CLI_CLAIM_IDLE_CAP_S * 1000000) {
            log_error("--claim-idle: %s is out of range 0-%d (try -h)", arg, CLI_CLAIM_IDLE_CAP_S);
            return CLI_ERROR;
        }
        opt->claim_idle_ms = us / 1000;
        opt->is_claim_idle_set = true;
        return CLI_OK;
    case OPT_SYSLOG_FACILITY:
        opt->syslog_facility = sink_syslog_facility(arg);
        if (opt->syslog_facility < 0) {
            log_error("--syslog-facility: '%s' is not one of kern, user, mail, daemon, auth, "
                      "syslog, lpr, news, uucp, cron, authpriv, ftp, local0 to local7 (try -h)",
                      arg);
            return CLI_ERROR;
        }
        return CLI_OK;
    case OPT_SENSOR:
        if (!cli_sensor_is_valid(arg)) {
            log_error("--sensor: '%s' is not 1 to %d letters, digits, '-', '_' or '.' (try -h)",
                      arg, CLI_SENSOR_LEN_CAP);
            return CLI_ERROR;
        }
        opt->sensor = arg;
        return CLI_OK;
    case OPT_SPOOL_SIZE:
        return cli_parse_count("--spool-size", arg, OUTLETS_SPOOL_MIN_BYTES,
                               OUTLETS_SPOOL_MAX_BYTES, &opt->spool_cap_bytes);
    case OPT_SINK_WAIT:
        if (cli_parse_seconds_value("--sink-wait", arg, true, &us) != CLI_OK)
            return CLI_ERROR;
        if (us > CLI_SINK_WAIT_CAP_S * 1000000LL) {
            log_error("--sink-wait: %s is out of range 0-%d (try -h)", arg, CLI_SINK_WAIT_CAP_S);
            return CLI_ERROR;
        }
        opt->sink_wait_ms = us / 1000;
        return CLI_OK;
    case OPT_EXPORT_FLOW:
        opt->has_export_flow = true;
        return cli_parse_count("--export-flow", arg, 1, UINT64_MAX, &opt->export_flow_id);
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
    case OPT_FRAG_MEMCAP:
        if (cli_parse_count("--frag-memcap", arg, CLI_FRAG_MEMCAP_MIN, CLI_FRAG_MEMCAP_CAP, &n) !=
            CLI_OK)
            return CLI_ERROR;
        opt->config.frag_memcap = n;
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

/* Hex digit value, or -1. */
static int cli_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * The flow hash key: TCPVERDICT_HASH_KEY (32 hex digits, the key's bytes
 * in order) when set, so that a benchmark can be repeated with the same
 * buckets; else 16 bytes from the kernel's random source, so that nobody
 * outside can choose 5-tuples that share a bucket. Output is the same
 * whatever the key.
 */
static enum cli_status cli_set_hash_key(struct cli_options *opt)
{
    const char *text = getenv("TCPVERDICT_HASH_KEY");
    uint8_t *key = opt->config.hash_key;
    if (text == NULL) {
        if (!platform_random_bytes(key, sizeof(opt->config.hash_key))) {
            log_error("cannot draw a hash key from the system's random source");
            return CLI_ERROR;
        }
        return CLI_OK;
    }
    bool is_hex = strlen(text) == 2 * sizeof(opt->config.hash_key);
    for (size_t i = 0; is_hex && i < sizeof(opt->config.hash_key); i++) {
        int hi = cli_hex_digit(text[2 * i]);
        int lo = cli_hex_digit(text[2 * i + 1]);
        is_hex = hi >= 0 && lo >= 0;
        if (is_hex)
            key[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!is_hex) {
        log_error("TCPVERDICT_HASH_KEY: '%.40s' is not %zu hexadecimal digits", text,
                  2 * sizeof(opt->config.hash_key));
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* The pictures of flows read the input a second time, for the packets of
 * the flows they draw: a pipe or an interface cannot be read again. */
static enum cli_status cli_check_pictures(const struct cli_options *opt)
{
    if (opt->has_export_flow && opt->export_path == NULL) {
        log_error("--export-flow ID: give --export FILE for its packets (try -h)");
        return CLI_ERROR;
    }
    if (opt->export_path != NULL && opt->write_path != NULL &&
        strcmp(opt->export_path, opt->write_path) == 0) {
        log_error("--export %s: -w writes that file too: give them different names (try -h)",
                  opt->export_path);
        return CLI_ERROR;
    }
    if (!opt->ladder && opt->graph_dir == NULL && opt->report_path == NULL &&
        opt->export_path == NULL)
        return CLI_OK;
    const char *what = opt->ladder                ? "--ladder"
                       : opt->graph_dir != NULL   ? "--graph"
                       : opt->report_path != NULL ? "--report"
                                                  : "--export";
    bool is_stdin = false;
    for (size_t i = 0; i < opt->input_count; i++) {
        struct stat st;
        /* A named pipe (or /dev/stdin on one) is read once, like "-". */
        is_stdin = is_stdin || strcmp(opt->inputs[i], "-") == 0 ||
                   (stat(opt->inputs[i], &st) == 0 && S_ISFIFO(st.st_mode));
    }
    if (opt->interface != NULL || is_stdin) {
        log_error("%s reads the input twice, for the packets of its flows: give -r "
                  "FILE, not %s (try -h)",
                  what, opt->interface != NULL ? "-i" : "standard input or a pipe");
        return CLI_ERROR;
    }
    if (opt->ladder && opt->format != CLI_FORMAT_TEXT) {
        log_error("--ladder draws text after the table: not with --json or --format (try -h)");
        return CLI_ERROR;
    }
    return CLI_OK;
}

/* --compare reads both points' files twice (the flows, then their
 * packets) and holds the packets: files only, and one output of verdicts. */
static enum cli_status cli_check_compare(const struct cli_options *opt)
{
    if (opt->compare_input_count == 0)
        return CLI_OK;
    if (opt->interface != NULL) {
        log_error("--compare compares two captures already made: give -r FILE, not -i (try -h)");
        return CLI_ERROR;
    }
    for (size_t i = 0; i < opt->input_count; i++) {
        struct stat st;
        if (strcmp(opt->inputs[i], "-") == 0 ||
            (stat(opt->inputs[i], &st) == 0 && S_ISFIFO(st.st_mode))) {
            log_error("--compare reads the input twice: give -r FILE, not standard input or a "
                      "pipe (try -h)");
            return CLI_ERROR;
        }
    }
    /* The second point is read after the first: a file that cannot be
     * opened is said now, not after the first point's flows are held. */
    for (size_t i = 0; i < opt->compare_input_count; i++) {
        struct stat st;
        const char *name = opt->compare_inputs[i];
        if (stat(name, &st) != 0) {
            log_error("--compare %s: %s", name, strerror(errno));
            return CLI_ERROR;
        }
        if (!S_ISREG(st.st_mode)) {
            log_error("--compare %s: not a regular file (it is read twice) (try -h)", name);
            return CLI_ERROR;
        }
    }
    if (opt->ladder || opt->graph_dir != NULL || opt->report_path != NULL ||
        opt->export_path != NULL) {
        log_error("--compare: not with --ladder, --graph, --report or --export (try -h)");
        return CLI_ERROR;
    }
    if (opt->format == CLI_FORMAT_ZEEK || opt->format == CLI_FORMAT_ZEEK_JSON) {
        log_error("--compare: Zeek's log has no place for the path; use --json or the table "
                  "(try -h)");
        return CLI_ERROR;
    }
    return CLI_OK;
}

enum cli_status cli_parse(int argc, char **argv, struct cli_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->action = CLI_RUN;
    opt->fail_on = TV_LEVEL_FAIL;
    opt->snaplen = CAPTURE_LIVE_SNAPLEN;
    opt->promiscuous = true;
    opt->worker_count = 1;
    opt->syslog_facility = SINK_SYSLOG_FACILITY_DAEMON;
    opt->spool_cap_bytes = OUTLETS_SPOOL_DEFAULT_BYTES;
    opt->sink_wait_ms = OUTLETS_WAIT_DEFAULT_MS;
    opt->claim_idle_ms = SOURCE_REDIS_CLAIM_IDLE_MS;
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
        if (c == 'h' || c == OPT_VERSION || c == 'D') {
            opt->action = c == 'h' ? CLI_HELP : c == 'D' ? CLI_LIST_INTERFACES : CLI_VERSION;
            return CLI_OK;
        }
        if (cli_handle_option(opt, c, optarg) != CLI_OK)
            return CLI_ERROR;
    }

    if (cli_join_filter(opt, argc, argv, optind) != CLI_OK)
        return CLI_ERROR;
    if (cli_check_from_redis(opt) != CLI_OK)
        return CLI_ERROR;
    if (opt->spool_path != NULL && opt->destination_count == 0) {
        log_error("--spool-file keeps records for --redis or --syslog: give one (try -h)");
        return CLI_ERROR;
    }
    if (opt->from_redis != NULL)
        return CLI_OK;
    if (opt->input_count == 0 && opt->interface == NULL) {
        log_error("no input: give -r FILE (-r - for standard input) or -i INTERFACE (try -h)");
        return CLI_ERROR;
    }
    if (opt->input_count != 0 && opt->interface != NULL) {
        log_error("-i and -r: read files or capture live, not both (try -h)");
        return CLI_ERROR;
    }
    if (cli_check_pictures(opt) != CLI_OK || cli_check_compare(opt) != CLI_OK)
        return CLI_ERROR;
    if (cli_set_hash_key(opt) != CLI_OK)
        return CLI_ERROR;
    bool is_live = opt->interface != NULL;
    if (is_live && !opt->is_interim_set)
        opt->config.interim_us = CLI_LIVE_INTERIM_US;
    if (opt->ring_slots == 0)
        opt->ring_slots = is_live ? CLI_RING_SLOTS_LIVE : CLI_RING_SLOTS_FILE;
    /* The arrays are final now; the analyzers borrow them from here. */
    opt->config.services = opt->services;
    opt->config.service_count = opt->service_count;
    opt->config.roles = opt->roles;
    opt->config.role_count = opt->role_count;
    return CLI_OK;
}

void cli_options_free(struct cli_options *opt)
{
    free(opt->inputs);
    free(opt->compare_inputs);
    free(opt->destinations);
    free(opt->filter);
    free(opt->services);
    free(opt->roles);
    for (size_t i = 0; i < opt->string_count; i++)
        free(opt->strings[i]);
    free(opt->strings);
    opt->inputs = NULL;
    opt->compare_inputs = NULL;
    opt->destinations = NULL;
    opt->filter = NULL;
    opt->services = NULL;
    opt->roles = NULL;
    opt->strings = NULL;
    opt->string_count = 0;
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

/* The highest link type number looked at for -h: past every LINKTYPE_*. */
#define CLI_LINKTYPE_SCAN_CAP 400

/* -h: the link types decoded, as libpcap describes them, each once. */
static void cli_usage_linktypes(FILE *out)
{
    const char *seen[CLI_LINKTYPE_SCAN_CAP] = {0};
    size_t seen_count = 0;
    size_t column = 0;
    fprintf(out, "Link types decoded:");
    column = strlen("Link types decoded:");
    for (int linktype = 0; linktype < CLI_LINKTYPE_SCAN_CAP; linktype++) {
        const char *name = capture_linktype_description(linktype);
        if (name == NULL || !tv_linktype_is_decoded(linktype))
            continue;
        bool is_seen = false;
        for (size_t i = 0; i < seen_count && !is_seen; i++)
            is_seen = strcmp(seen[i], name) == 0;
        if (is_seen)
            continue;
        size_t len = strlen(name) + (seen_count > 0 ? 2 : 1);
        if (column + len > 78) {
            fprintf(out, "%s\n ", seen_count > 0 ? "," : "");
            column = 1;
        } else if (seen_count > 0) {
            fprintf(out, ",");
            column++;
        }
        fprintf(out, " %s", name);
        column += strlen(name) + 1;
        seen[seen_count++] = name;
    }
    fprintf(out, ".\n");
}

void cli_usage(FILE *out)
{
    struct tv_config cfg;
    tv_config_default(&cfg);

    fprintf(out,
            "usage: tcpverdict [options] -r FILE [-r FILE ...] [expression]\n"
            "       tcpverdict [options] -i INTERFACE [expression]\n"
            "       tcpverdict [options] --from-redis URL --group NAME\n"
            "       tcpverdict -D\n"
            "Reads TCP packets from capture files or an interface; prints one verdict per\n"
            "TCP flow.\n"
            "\n"
            "  -r FILE             read FILE (pcap, pcapng or Network Monitor, plain or\n"
            "                      gzip- or zstd-compressed; '-' is standard input);\n"
            "                      repeat to read several files in order as one stream\n"
            "  -i INTERFACE        capture live on INTERFACE until -c, SIGINT or SIGTERM;\n"
            "                      verdicts come as flows end\n"
            "  -D                  list the interfaces -i can capture on\n"
            "  -s SNAPLEN          live: bytes kept per packet (1 to %u; default: %u)\n"
            "  -B KIB              live: kernel buffer in KiB (1 to %u; default: %u)\n"
            "  -p                  live: do not put the interface in promiscuous mode\n"
            "                      (default: promiscuous)\n"
            "  -Z USER             once the capture is open, run as USER (and its groups)\n"
            "  -j N                analysis threads (1 to %d; default: 1); the flows, and\n"
            "                      --max-flows, are shared among them\n"
            "  -w FILE             also write the packets that pass the filter to FILE (pcap)\n"
            "  -c N                stop after N packets (1 to %" PRIu64 "; default: no limit)\n"
            "  -n                  accepted; names are never resolved\n"
            "  -q                  print the summary only\n"
            "  -v                  list every anomaly of a flow in the table\n"
            "  --json              one JSON object per line instead of the table\n"
            "  --format FORMAT     text (the table), json (as --json), zeek (Zeek's conn.log,\n"
            "                      tab-separated) or zeek-json (conn.log as Zeek's JSON)\n"
            "  --ladder            after the table, a sequence diagram of each flow at or\n"
            "                      above --fail-on (every flow when a filter is given);\n"
            "                      reads the files a second time\n"
            "  --graph DIR         write DIR/flow-ID.svg, a time-sequence graph of each of\n"
            "                      those flows (DIR is created if missing)\n"
            "  --report FILE       write FILE, one self-contained HTML page: the summary,\n"
            "                      the hints, and each of those flows with its diagram\n"
            "                      and graph\n"
            "  --export FILE       write FILE (pcap): every packet of each flow at or above\n"
            "                      --fail-on, as read; reads the files twice more\n"
            "  --export-flow ID    with --export: the packets of flow ID only\n"
            "  --compare FILE      the same traffic captured at a second point (repeat for\n"
            "                      several files): each flow gains what the path between\n"
            "                      the points dropped, injected and changed\n"
            "  --syslog SPEC       also send each record to syslog as RFC 5424, SPEC being\n"
            "                      udp:HOST[:PORT] (default port 514), tcp:HOST[:PORT]\n"
            "                      (601, octet-counted) or unix:PATH; repeatable\n"
            "  --syslog-facility NAME  daemon (default), local0 to local7, user, ...\n"
            "  --redis URL         also add each record to a Redis stream:\n"
            "                      redis://[USER@]HOST[:PORT]/STREAM (port 6379); the\n"
            "                      password from TCPVERDICT_REDIS_PASSWORD or the file\n"
            "                      --redis-password-file names; repeatable\n"
            "  --redis-maxlen N    trim each stream to about N entries (MAXLEN ~)\n"
            "  --sensor NAME       this sensor's name in records sent (default: host name)\n"
            "  --spool-size BYTES  records waiting for a destination hold at most this much\n"
            "                      each; past it they are dropped and counted (%llu to\n"
            "                      %llu; default: %llu)\n"
            "  --sink-wait SEC     at the end, wait this long for records to be delivered\n"
            "                      (0 to %d; default: %d)\n"
            "  --spool-file FILE   keep the records still undelivered at the end in FILE,\n"
            "                      and send those FILE holds first at the next start\n"
            "  --from-redis URL    instead of reading packets, print the records sensors\n"
            "                      added to the stream URL (as --redis takes it), read as\n"
            "                      one reader of the consumer group --group; each record\n"
            "                      once, then a summary over all sensors\n"
            "  --group NAME        the consumer group (made, from the stream's start, if\n"
            "                      missing)\n"
            "  --consumer NAME     this reader's name in the group (default: host name)\n"
            "  --follow            wait for more records until SIGINT or SIGTERM (default:\n"
            "                      stop when the group has read the whole stream)\n"
            "  --claim-idle SEC    take over entries another reader has left\n"
            "                      unacknowledged this long (0 to %d; default: %d)\n"
            "  --fail-on LEVEL     exit %d if a flow is at LEVEL or above:\n"
            "                      ok, notice, warn or fail (default: fail)\n"
            "  --max-flows N       flows tracked at once (1 to %u; default: %" PRIu32 ")\n"
            "  --no-evict          when full, refuse new flows instead of evicting the\n"
            "                      oldest idle one (default: %s)\n",
            (unsigned)CAPTURE_FILE_SNAPLEN, (unsigned)CAPTURE_LIVE_SNAPLEN, CLI_BUFFER_KIB_CAP,
            (unsigned)CAPTURE_LIVE_BUFFER_KIB, PIPELINE_WORKER_CAP, (uint64_t)UINT64_MAX,
            (unsigned long long)OUTLETS_SPOOL_MIN_BYTES,
            (unsigned long long)OUTLETS_SPOOL_MAX_BYTES,
            (unsigned long long)OUTLETS_SPOOL_DEFAULT_BYTES, CLI_SINK_WAIT_CAP_S,
            OUTLETS_WAIT_DEFAULT_MS / 1000, CLI_CLAIM_IDLE_CAP_S, SOURCE_REDIS_CLAIM_IDLE_MS / 1000,
            EXIT_FLOWS_AT_LEVEL, CLI_MAX_FLOWS_CAP, cfg.max_flows,
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

    char interim[32];
    cli_format_seconds(CLI_LIVE_INTERIM_US, interim, sizeof(interim));
    fprintf(out,
            "  --interim SEC       an open flow gets an interim record this often; 0: never\n"
            "                      (0 to %.0f; default: 0 for files, %s live)\n"
            "  --stats-interval SEC  live: a statistics line on stderr this often; SIGUSR1\n"
            "                      asks for one at any time (default: SIGUSR1 only)\n"
            "  --ring-slots N      packets queued per analysis thread, a power of two\n"
            "                      (%u to %u; default: %u live, %u for files)\n"
            "  --service PORT=NAME name a TCP port as a service; repeatable, the last one for\n"
            "                      a port wins (built in: 80, 443, 8530, 8531, 6050, 6051)\n"
            "  --role ADDR=NAME    name an IPv4 or IPv6 address's role; repeatable\n"
            "  --services-file FILE  read 'service PORT NAME' and 'role ADDR NAME' lines\n"
            "                      ('#' starts a comment) from a regular file of at most\n"
            "                      %u MiB; %u services and %u roles at most in all\n"
            "  --capture-host ADDR the capture was taken on ADDR (default: inferred)\n",
            CLI_SECONDS_CAP, interim, CLI_RING_SLOTS_MIN, CLI_RING_SLOTS_CAP, CLI_RING_SLOTS_LIVE,
            CLI_RING_SLOTS_FILE, CLI_SERVICES_FILE_CAP >> 20, CLI_SERVICES_CAP, CLI_ROLES_CAP);
    fprintf(out,
            "  --frag-memcap BYTES IP fragments awaiting reassembly hold at most this much\n"
            "                      per analysis thread; the oldest datagrams are dropped\n"
            "                      first (%u to %u; default: %" PRIu64 ")\n",
            CLI_FRAG_MEMCAP_MIN, CLI_FRAG_MEMCAP_CAP, cfg.frag_memcap);
    fprintf(out,
            "  --no-checksums      do not verify IP and TCP checksums (default: %s)\n"
            "  -h, --help          this help\n"
            "  --version           the program's and its libraries' versions\n"
            "  expression          a BPF filter as in tcpdump: the trailing arguments,\n"
            "                      joined by spaces\n"
            "\n"
            "Formats read: pcap (micro- and nanosecond), pcapng (every section and\n"
            "interface), Microsoft Network Monitor 1.x and 2.x; any of them compressed\n"
            "with gzip or zstd, recognised by content, from files and from pipes.\n",
            cfg.verify_checksums ? "verify" : "do not verify");
    cli_usage_linktypes(out);
    fprintf(out,
            "\n"
            "Exit status: %d no flow at or above --fail-on, %d at least one, %d error\n"
            "(also when no packet read could be analysed; see the manual page).\n"
            "Environment: TCPVERDICT_HASH_KEY, 32 hex digits, fixes the flow table's hash\n"
            "key (default: random each run; the output does not depend on it).\n",
            EXIT_OK, EXIT_FLOWS_AT_LEVEL, EXIT_ERROR);
}
