/*
 * Command line: parses argv into struct cli_options, tcpdump style, and
 * holds the program's exit statuses, defined here once (the man page's
 * EXIT STATUS repeats them).
 *
 * Parsing never exits: a bad argument is reported as exactly one line on
 * stderr and CLI_ERROR is returned; main.c turns that into EXIT_ERROR.
 * Defaults and limits come from tv_config_default() and the table in
 * cli.c, so -h always shows what the program really uses.
 */
#ifndef TV_CLI_H
#define TV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tcpverdict.h"

/* Exit statuses, like diff and cmp: usable as `tcpverdict ... || alert`. */
#define EXIT_OK             0 /* no flow at or above the --fail-on level */
#define EXIT_FLOWS_AT_LEVEL 1 /* at least one flow at or above it */
#define EXIT_ERROR          2 /* bad arguments, unreadable input, write error */

enum cli_action {
    CLI_RUN = 0,
    CLI_HELP,
    CLI_VERSION,
    CLI_LIST_INTERFACES, /* -D */
};

/* The interim interval of a live capture unless --interim says otherwise:
 * long enough that ordinary connections end first, short enough that a
 * connection stuck open shows up within minutes. */
#define CLI_LIVE_INTERIM_US (300 * 1000000LL)

enum cli_status {
    CLI_OK = 0,
    CLI_ERROR, /* already reported on stderr */
};

/* What stdout carries (--json, --format). */
enum cli_format {
    CLI_FORMAT_TEXT = 0,
    CLI_FORMAT_JSON,
    CLI_FORMAT_ZEEK,      /* Zeek's conn.log, TSV */
    CLI_FORMAT_ZEEK_JSON, /* Zeek's conn.log, JSON lines */
};

/* --sensor: a name that fits a syslog HOSTNAME and a record id. */
#define CLI_SENSOR_LEN_CAP   64
#define CLI_DESTINATIONS_CAP 8 /* --syslog and --redis together */
#define CLI_SINK_WAIT_CAP_S  3600
#define CLI_CLAIM_IDLE_CAP_S 86400

enum cli_destination_kind {
    CLI_DESTINATION_SYSLOG = 0,
    CLI_DESTINATION_REDIS,
};

/* A remote destination as given: checked when it is made (outlets.c). */
struct cli_destination {
    enum cli_destination_kind kind;
    const char *spec; /* into argv */
};

struct cli_options {
    enum cli_action action;
    const char **inputs; /* owned array; the names point into argv */
    size_t input_count;
    const char **compare_inputs; /* owned array: --compare files, into argv */
    size_t compare_input_count;
    const char *write_path;  /* -w, or NULL; points into argv */
    uint64_t packet_cap;     /* -c; 0: no limit */
    bool quiet;              /* -q: the summary only */
    bool verbose;            /* -v: every anomaly of a flow */
    bool json;               /* --json, or --format json */
    enum cli_format format;  /* --format; --json is CLI_FORMAT_JSON */
    bool ladder;             /* --ladder: a sequence diagram of the flows shown */
    const char *graph_dir;   /* --graph DIR: an SVG graph per flow, or NULL; into argv */
    const char *report_path; /* --report FILE: the HTML report, or NULL; into argv */
    const char *export_path; /* --export FILE: the chosen flows' packets, or NULL; into argv */
    bool has_export_flow;    /* --export-flow ID: that flow only */
    uint64_t export_flow_id;
    enum tv_level fail_on;                /* exit 1 if a flow is at this level or above */
    char *filter;                         /* owned: trailing arguments joined, or NULL */
    const char *interface;                /* -i, or NULL for files; points into argv */
    uint32_t snaplen;                     /* -s, live */
    uint32_t buffer_kib;                  /* -B, live; 0: libpcap's default */
    bool promiscuous;                     /* not -p */
    const char *user;                     /* -Z, or NULL; points into argv */
    uint32_t worker_count;                /* -j */
    uint32_t ring_slots;                  /* --ring-slots, per worker */
    int64_t stats_interval_us;            /* --stats-interval; 0: only on SIGUSR1 */
    bool is_interim_set;                  /* --interim given: no live default */
    struct cli_destination *destinations; /* owned array: --syslog, --redis in order */
    size_t destination_count;
    uint64_t redis_maxlen;           /* --redis-maxlen; 0: no trimming */
    const char *redis_password_file; /* --redis-password-file, or NULL; into argv */
    int syslog_facility;             /* --syslog-facility, RFC 5424's number */
    const char *sensor;              /* --sensor, or NULL for the host name; into argv */
    uint64_t spool_cap_bytes;        /* --spool-size, per destination */
    int64_t sink_wait_ms;            /* --sink-wait */
    const char *spool_path;          /* --spool-file, or NULL; into argv */
    const char *from_redis;          /* --from-redis URL, or NULL; into argv */
    const char *redis_group;         /* --group, or NULL; into argv */
    const char *redis_consumer;      /* --consumer, or NULL for the host name; into argv */
    bool follow;                     /* --follow: wait for more records */
    int64_t claim_idle_ms;           /* --claim-idle */
    bool is_claim_idle_set;
    /* tv_config's services and roles point into these, and their names
     * into argv or strings. */
    struct tv_service *services; /* owned */
    size_t service_count;
    struct tv_role *roles; /* owned */
    size_t role_count;
    char **strings; /* owned, each owned: names read from --services-file */
    size_t string_count;
    struct tv_config config;
};

/* Fills opt (which cli_options_free() must release, whatever the result). */
enum cli_status cli_parse(int argc, char **argv, struct cli_options *opt);
void cli_options_free(struct cli_options *opt);

/* Letters, digits, '-', '_' and '.', 1 to CLI_SENSOR_LEN_CAP of them. */
bool cli_sensor_is_valid(const char *name);

/* -h: every option with its default and limits. */
void cli_usage(FILE *out);

#endif
