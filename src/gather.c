/*
 * --from-redis: sensors' records read from a stream and printed. See
 * gather.h.
 */
#include "config.h"

#include "gather.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "flow_packets.h"
#include "log.h"
#include "outlets.h"
#include "output_json.h"
#include "output_report.h"
#include "output_text.h"
#include "output_zeek.h"
#include "platform.h"
#include "record_parse.h"
#include "redis_url.h"
#include "sink_file.h"
#include "source_redis.h"
#include "summary.h"

#include "banned.h"

#define GATHER_OUTPUT_BUF_LEN    (256u << 10)
#define GATHER_SERVICE_CAP       256 /* service names the summary counts apart */
#define GATHER_NFLOG_CAP         256 /* NFLOG prefixes likewise */
#define GATHER_UNREADABLE_SAID   5   /* unreadable records said one by one on stderr */
#define GATHER_LINKTYPE_SCAN_CAP 400 /* link type numbers looked at for a name */

struct gather {
    const struct cli_options *opt; /* borrowed */
    struct sink_file *sink;        /* owned: standard output */
    struct output_json *json;      /* owned, with --json */
    struct output_text *text;      /* owned, for the table */
    struct output_zeek *zeek;      /* owned, with --format zeek or zeek-json */
    struct output_report *report;  /* owned, with --report */
    struct flow_packets *kept;     /* owned, with --report: the flows it shows */
    struct record_parse *parse;    /* owned */
    bool is_short;                 /* a record was lost for lack of memory */
    bool is_write_failed;          /* standard output could not be written */
    /* What was printed, for the summary. */
    struct tv_stats st;
    uint64_t *anomaly_flows; /* owned: tv_anomaly_code_count() */
    struct capture_stats capture;
    uint64_t ring_drops;
    uint64_t clock_jumps, clock_jumps_followed;
    char *service_names[GATHER_SERVICE_CAP]; /* owned */
    uint64_t service_flows[GATHER_SERVICE_CAP][TV_LEVEL_COUNT];
    size_t service_count;
    struct tv_nflog_prefix nflog[GATHER_NFLOG_CAP];
    char *nflog_prefixes[GATHER_NFLOG_CAP]; /* owned: theirs */
    size_t nflog_count;
    struct summary_sensor *sensors; /* owned, GATHER_SENSOR_CAP */
    char **sensor_names;            /* owned, each owned: the sensors' names */
    size_t sensor_count;
    uint64_t sensors_left_out;
    uint64_t unreadable;
};

/* The sensor's row, made on its first record; NULL past the cap. */
static struct summary_sensor *gather_sensor(struct gather *g, const char *name)
{
    for (size_t i = 0; i < g->sensor_count; i++)
        if (strcmp(g->sensors[i].name, name) == 0)
            return &g->sensors[i];
    if (g->sensor_count == GATHER_SENSOR_CAP) {
        g->sensors_left_out++;
        return NULL;
    }
    char *copy = strdup(name);
    if (copy == NULL) {
        g->is_short = true;
        return NULL;
    }
    g->sensor_names[g->sensor_count] = copy;
    struct summary_sensor *s = &g->sensors[g->sensor_count++];
    memset(s, 0, sizeof(*s));
    s->name = copy;
    return s;
}

/* The final flows by service name and by NFLOG prefix. */
static void gather_count_names(struct gather *g, const struct tv_verdict *v)
{
    if (v->service != NULL) {
        size_t i = 0;
        while (i < g->service_count && strcmp(g->service_names[i], v->service) != 0)
            i++;
        if (i == g->service_count && i < GATHER_SERVICE_CAP &&
            (g->service_names[i] = strdup(v->service)) != NULL)
            g->service_count++;
        if (i < g->service_count)
            g->service_flows[i][v->level]++;
    }
    if (v->nflog_prefix != NULL) {
        size_t i = 0;
        while (i < g->nflog_count && (g->nflog[i].group != v->nflog_group ||
                                      strcmp(g->nflog[i].prefix, v->nflog_prefix) != 0))
            i++;
        if (i == g->nflog_count && i < GATHER_NFLOG_CAP &&
            (g->nflog_prefixes[i] = strdup(v->nflog_prefix)) != NULL) {
            g->nflog[i].prefix = g->nflog_prefixes[i];
            g->nflog[i].group = v->nflog_group;
            g->nflog_count++;
        }
        if (i < g->nflog_count)
            g->nflog[i].flows++;
    }
}

static void gather_count_flow(struct gather *g, const struct tv_verdict *v,
                              struct summary_sensor *sensor)
{
    if (v->interim) {
        if (sensor != NULL)
            sensor->interim++;
        return;
    }
    g->st.flows++;
    g->st.flows_by_level[v->level]++;
    g->st.flows_by_end[v->end]++;
    summary_count_anomalies(v, g->anomaly_flows, 1);
    gather_count_names(g, v);
    if (sensor != NULL) {
        sensor->flows++;
        sensor->flows_by_level[v->level]++;
    }
}

static void gather_say_unreadable(struct gather *g, const struct source_redis_record *rec,
                                  const char *why)
{
    g->unreadable++;
    if (g->unreadable <= GATHER_UNREADABLE_SAID)
        log_warn("--from-redis: record %s: %s%s", rec->id, why,
                 g->unreadable == GATHER_UNREADABLE_SAID ? " (no more such lines)" : "");
}

/* Whether a record read back; if not, memory short or the record said
 * on stderr and counted. */
static bool gather_is_read(struct gather *g, const struct source_redis_record *rec,
                           enum record_parse_status status, const char *err)
{
    if (status == RECORD_PARSE_NOMEM)
        g->is_short = true;
    else if (status != RECORD_PARSE_OK)
        gather_say_unreadable(g, rec, err);
    return status == RECORD_PARSE_OK;
}

/* A flow record printed, as stdout takes it. */
static void gather_flow(struct gather *g, const struct source_redis_record *rec,
                        struct summary_sensor *sensor)
{
    struct tv_verdict v;
    char err[256];
    enum record_parse_status status =
        record_parse_flow(g->parse, rec->json, rec->json_len, &v, err, sizeof(err));
    if (!gather_is_read(g, rec, status, err))
        return;
    gather_count_flow(g, &v, sensor);
    if (g->report != NULL && !output_report_flow(g->report, &v))
        g->is_short = true;
    if (g->kept != NULL && !v.interim && v.level >= g->opt->fail_on &&
        !flow_packets_keep(g->kept, &v, NULL))
        g->is_short = true;
    if (g->opt->quiet)
        return;
    const char *bytes = NULL;
    size_t len = 0;
    if (g->json != NULL) {
        /* As the sensor made it: fields of a newer version stay. */
        sink_file_write(g->sink, rec->json, rec->json_len);
        if (rec->json_len == 0 || rec->json[rec->json_len - 1] != '\n')
            sink_file_write(g->sink, "\n", 1);
    } else if (g->zeek != NULL) {
        if (output_zeek_flow(g->zeek, &v, &bytes, &len) == OUTPUT_ZEEK_OK)
            output_zeek_write_flow(g->zeek, bytes, len);
        else
            g->is_short = true;
    } else if (output_text_flow(g->text, &v, &bytes, &len) == OUTPUT_TEXT_OK) {
        output_text_write_flow(g->text, bytes, len);
    } else {
        g->is_short = true;
    }
}

/* A link type as a summary names it: its number, or -1. */
static int gather_linktype(const char *name)
{
    for (int linktype = 0; linktype < GATHER_LINKTYPE_SCAN_CAP; linktype++) {
        char buf[48];
        if (strcmp(capture_linktype_name(linktype, buf, sizeof(buf)), name) == 0)
            return linktype;
    }
    return -1;
}

static void gather_add_linktype(struct capture_stats *cs, const char *name, uint64_t packets)
{
    int linktype = strcmp(name, "other") == 0 ? -1 : gather_linktype(name);
    if (linktype < 0) {
        cs->other_linktype_packets += packets;
        return;
    }
    for (size_t i = 0; i < cs->linktype_count; i++)
        if (cs->linktypes[i].linktype == linktype) {
            cs->linktypes[i].packets += packets;
            return;
        }
    if (cs->linktype_count == CAPTURE_LINKTYPE_CAP) {
        cs->other_linktype_packets += packets;
        return;
    }
    cs->linktypes[cs->linktype_count].linktype = linktype;
    cs->linktypes[cs->linktype_count++].packets = packets;
}

/* A sensor's summary: its packet counters added to the totals. */
static void gather_summary(struct gather *g, const struct source_redis_record *rec,
                           struct summary_sensor *sensor)
{
    struct record_summary rs;
    char err[256];
    enum record_parse_status status =
        record_parse_summary(g->parse, rec->json, rec->json_len, &rs, err, sizeof(err));
    if (!gather_is_read(g, rec, status, err))
        return;
    struct tv_stats *st = &g->st;
    const struct tv_stats *in = &rs.stats;
    st->packets += in->packets;
    st->tcp_packets += in->tcp_packets;
    for (int s = 0; s < TV_DECODE_STATUS_COUNT; s++)
        st->decode[s] += in->decode[s];
    st->ip_checksum_bad += in->ip_checksum_bad;
    st->tcp_checksum_bad += in->tcp_checksum_bad;
    st->tcp_checksum_unverified += in->tcp_checksum_unverified;
    st->evictions += in->evictions;
    st->refused_flows += in->refused_flows;
    /* Sensors apart each hold their own flows: at most the sum at once. */
    st->max_concurrent_flows += in->max_concurrent_flows;
    st->cold_records_short += in->cold_records_short;
    st->anomaly_records_short += in->anomaly_records_short;
    st->location_records_short += in->location_records_short;
    st->ip_fragments += in->ip_fragments;
    st->ip_frag_reassembled += in->ip_frag_reassembled;
    st->ip_frag_timed_out += in->ip_frag_timed_out;
    st->ip_frag_memcap_drops += in->ip_frag_memcap_drops;
    st->ip_frag_overlaps += in->ip_frag_overlaps;
    st->ip_frag_duplicates += in->ip_frag_duplicates;
    st->ip_frag_malformed += in->ip_frag_malformed;
    st->ip_frag_incomplete += in->ip_frag_incomplete;
    st->bucket_tree_flows += in->bucket_tree_flows;
    struct capture_stats *cs = &g->capture;
    cs->inputs_read += rs.inputs;
    cs->input_errors += rs.input_errors;
    for (int f = 0; f < READER_FORMAT_COUNT; f++)
        cs->inputs_by_format[f] += rs.inputs_by_format[f];
    cs->inputs_gzip += rs.inputs_gzip;
    cs->inputs_zstd += rs.inputs_zstd;
    cs->unreadable_records += rs.unreadable_records;
    for (size_t i = 0; i < rs.linktype_count; i++)
        gather_add_linktype(cs, rs.linktypes[i].name, rs.linktypes[i].packets);
    if (rs.has_kernel_drops) {
        cs->has_kernel_drops = true;
        cs->kernel_drops += rs.kernel_drops;
        cs->if_drops += rs.if_drops;
    }
    g->ring_drops += rs.ring_drops;
    g->clock_jumps += rs.clock_jumps;
    g->clock_jumps_followed += rs.clock_jumps_followed;
    if (sensor != NULL) {
        sensor->summaries++;
        sensor->inputs += rs.inputs;
        sensor->packets += in->packets;
        sensor->tcp_packets += in->tcp_packets;
    }
}

static bool gather_on_record(const struct source_redis_record *rec, void *ctx)
{
    struct gather *g = ctx;
    struct summary_sensor *sensor = gather_sensor(g, rec->sensor);
    if (strcmp(rec->type, "flow") == 0)
        gather_flow(g, rec, sensor);
    else if (strcmp(rec->type, "summary") == 0)
        gather_summary(g, rec, sensor);
    else
        gather_say_unreadable(g, rec, "of a type this version does not know");
    /* Memory short: stop before acknowledging what was not printed. */
    return !g->is_short;
}

/* Before a batch is acknowledged: its records out of our buffers. */
static bool gather_on_flush(void *ctx)
{
    struct gather *g = ctx;
    if (g->is_write_failed)
        return false;
    if (sink_file_flush(g->sink))
        return true;
    g->is_write_failed = true;
    return false;
}

static bool gather_create_outputs(struct gather *g)
{
    const struct cli_options *opt = g->opt;
    g->sink = sink_file_create(STDOUT_FILENO, GATHER_OUTPUT_BUF_LEN, opt->follow);
    g->parse = record_parse_create();
    g->anomaly_flows = calloc(tv_anomaly_code_count() + 1, sizeof(*g->anomaly_flows));
    g->sensors = calloc(GATHER_SENSOR_CAP, sizeof(*g->sensors));
    g->sensor_names = calloc(GATHER_SENSOR_CAP, sizeof(*g->sensor_names));
    if (g->sink == NULL || g->parse == NULL || g->anomaly_flows == NULL || g->sensors == NULL ||
        g->sensor_names == NULL)
        return false;
    if (opt->report_path != NULL &&
        ((g->report = output_report_create()) == NULL || (g->kept = flow_packets_create()) == NULL))
        return false;
    if (opt->format == CLI_FORMAT_JSON)
        return (g->json = output_json_create(g->sink)) != NULL;
    if (opt->format == CLI_FORMAT_ZEEK || opt->format == CLI_FORMAT_ZEEK_JSON)
        return (g->zeek = output_zeek_create(
                    g->sink, opt->format == CLI_FORMAT_ZEEK ? OUTPUT_ZEEK_TSV : OUTPUT_ZEEK_JSON,
                    (int64_t)time(NULL))) != NULL;
    return (g->text = output_text_create(g->sink, opt->verbose)) != NULL;
}

static void gather_destroy(struct gather *g)
{
    output_json_destroy(g->json);
    output_text_destroy(g->text);
    output_zeek_destroy(g->zeek);
    output_report_destroy(g->report);
    flow_packets_destroy(g->kept);
    record_parse_destroy(g->parse);
    free(g->anomaly_flows);
    for (size_t i = 0; g->sensor_names != NULL && i < g->sensor_count; i++)
        free(g->sensor_names[i]);
    free(g->sensor_names);
    free(g->sensors);
    for (size_t i = 0; i < g->service_count; i++)
        free(g->service_names[i]);
    for (size_t i = 0; i < g->nflog_count; i++)
        free(g->nflog_prefixes[i]);
}

/* The summary over every sensor read, and --report's page. */
static bool gather_write_summary(struct gather *g, const struct summary_stream *stream,
                                 const char *label, int stop_signal)
{
    const char *names[GATHER_SERVICE_CAP];
    for (size_t i = 0; i < g->service_count; i++)
        names[i] = g->service_names[i];
    struct summary_findings findings = {
        .service_count = g->service_count,
        .service_names = names,
        .service_flows = g->service_flows,
        .nflog_prefix_count = g->nflog_count,
        .nflog_prefixes = g->nflog,
        .clock_jumps = g->clock_jumps,
        .clock_jumps_followed = g->clock_jumps_followed,
        .stream = stream,
        .stop_signal = stop_signal,
    };
    bool is_ok;
    if (g->zeek != NULL)
        is_ok = output_zeek_close(g->zeek, (int64_t)time(NULL)) == OUTPUT_ZEEK_OK;
    else if (g->json != NULL)
        is_ok = output_json_summary(g->json, &g->st, g->anomaly_flows, &g->capture, g->ring_drops,
                                    &findings) == OUTPUT_JSON_OK;
    else
        is_ok = output_text_summary(g->text, &g->st, g->anomaly_flows, &g->capture, g->ring_drops,
                                    &findings) == OUTPUT_TEXT_OK;
    if (g->report != NULL) {
        const char *inputs[1] = {label};
        struct report_run rr = {
            .inputs = inputs,
            .input_count = 1,
            .fail_on = g->opt->fail_on,
            .stats = &g->st,
            .capture = &g->capture,
            .findings = &findings,
            .pics = g->kept,
            .version = PACKAGE_VERSION,
        };
        if (!output_report_write(g->report, g->opt->report_path, &rr))
            is_ok = false;
    }
    return is_ok;
}

/* The reader's name in the group unless --consumer gives one: the host's,
 * so that a reader started again on the same host takes up its own
 * pending entries at once. */
static void gather_default_consumer(char *out, size_t len)
{
    snprintf(out, len, "tcpverdict");
#ifndef _WIN32
    char host[256];
    if (gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        if (host[0] != '\0')
            snprintf(out, len, "%.*s", SOURCE_REDIS_NAME_LEN_CAP, host);
    }
#endif
}

int gather_run(const struct cli_options *opt, const volatile sig_atomic_t *stop,
               const volatile sig_atomic_t *stop_signal)
{
    char password[OUTLETS_PASSWORD_CAP];
    bool has_password = false;
    if (!outlets_redis_password(opt, password, sizeof(password), &has_password))
        return EXIT_ERROR;
    struct gather g = {.opt = opt};
    if (!gather_create_outputs(&g)) {
        log_error("out of memory");
        sink_file_destroy(g.sink);
        gather_destroy(&g);
        return EXIT_ERROR;
    }
    char consumer[SOURCE_REDIS_NAME_LEN_CAP + 1];
    if (opt->redis_consumer != NULL)
        snprintf(consumer, sizeof(consumer), "%s", opt->redis_consumer);
    else
        gather_default_consumer(consumer, sizeof(consumer));
    struct source_redis_options src = {
        .url = opt->from_redis,
        .password = has_password ? password : NULL,
        .group = opt->redis_group,
        .consumer = consumer,
        .claim_idle_ms = opt->claim_idle_ms,
        .follow = opt->follow,
        .stop = stop,
    };
    struct summary_stream stream = {.group = opt->redis_group, .consumer = consumer};
    char label[REDIS_URL_LABEL_LEN];
    char err[512] = "";
    enum source_redis_status status =
        source_redis_run(&src, gather_on_record, gather_on_flush, &g, &stream.counts, label,
                         sizeof(label), err, sizeof(err));
    volatile char *p = password;
    while (has_password && *p != '\0')
        *p++ = '\0';
    int exit_status = EXIT_ERROR;
    /* Nothing read at all: the error is the whole answer. */
    if (status == SOURCE_REDIS_ERROR && stream.counts.entries == 0) {
        log_error("%s", err);
    } else {
        if (status == SOURCE_REDIS_ERROR)
            log_error("%s: the reading stopped; the summary counts what was read", err);
        stream.source = label;
        stream.unreadable = g.unreadable;
        stream.sensors = g.sensors;
        stream.sensor_count = g.sensor_count;
        stream.sensors_left_out = g.sensors_left_out;
        bool is_ok = gather_write_summary(&g, &stream, label, *stop != 0 ? *stop_signal : 0);
        if (g.is_short || !is_ok)
            log_error("out of memory: some output is missing");
        if (status == SOURCE_REDIS_OK && is_ok && !g.is_short) {
            exit_status = EXIT_OK;
            for (int l = (int)opt->fail_on; l < TV_LEVEL_COUNT; l++)
                if (g.st.flows_by_level[l] != 0)
                    exit_status = EXIT_FLOWS_AT_LEVEL;
        }
    }
    if (!sink_file_flush(g.sink)) {
        if (!platform_is_broken_pipe(errno))
            log_error("standard output: %s", strerror(errno));
        exit_status = EXIT_ERROR;
    }
    gather_destroy(&g);
    sink_file_destroy(g.sink);
    return exit_status;
}
