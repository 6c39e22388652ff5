/*
 * Syslog transport tests: specs are checked when the transport is made,
 * each mistake with its own message; a record becomes exactly the RFC 5424
 * message expected; and the message reaches a local receiver whole, one a
 * datagram over UDP and a Unix datagram socket, octet-counted over TCP
 * and a Unix stream socket, with *confirmed right when a batch is cut.
 * Receivers listen on 127.0.0.1, ::1 and in a temporary directory only.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "sink_syslog.h"
#include "tcpverdict.h"

#include "banned.h"

/* 2026-12-04T17:43:44.123456Z */
#define MADE_US INT64_C(1796406224123456)

static struct outlet_record record(const char *type, const char *id, const char *sensor,
                                   const char *json, int level, int64_t made_us)
{
    struct outlet_record r = {
        .type = type,
        .id = id,
        .sensor = sensor,
        .json = json,
        .json_len = strlen(json),
        .level = level,
        .made_us = made_us,
    };
    return r;
}

static struct outlet_record flow(const char *json, int level)
{
    return record("flow", "probe-1/7", "probe-1", json, level, MADE_US);
}

static void *make(const char *spec)
{
    char err[200] = "";
    void *ctx = sink_syslog_create(spec, err, sizeof(err));
    ck_assert_msg(ctx != NULL, "%s: %s", spec, err);
    return ctx;
}

/* The message formatted, in a buffer that is the caller's to free. */
static char *format(void *ctx, const struct outlet_record *r, size_t *len)
{
    size_t need = sink_syslog_format(ctx, r, NULL, 0);
    char *out = malloc(need + 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(sink_syslog_format(ctx, r, out, need + 1), need);
    ck_assert_uint_eq(strlen(out), need);
    if (len != NULL)
        *len = need;
    return out;
}

static void assert_formats_as(void *ctx, const struct outlet_record *r, const char *expected)
{
    char *got = format(ctx, r, NULL);
    ck_assert_str_eq(got, expected);
    free(got);
}

/* The header before HOSTNAME, checked; what follows it returned. */
static const char *after_time(const char *msg, int pri, const char *time)
{
    char head[80];
    snprintf(head, sizeof(head), "<%d>1 %s ", pri, time);
    ck_assert_msg(strncmp(msg, head, strlen(head)) == 0, "%s does not start with %s", msg, head);
    return msg + strlen(head);
}

static void send_ok(void *ctx, struct outlet_record *const *recs, size_t n)
{
    size_t confirmed = 99;
    char err[200] = "";
    enum outlet_result res =
        sink_syslog_transport()->send(ctx, recs, n, &confirmed, err, sizeof(err));
    ck_assert_msg(res == OUTLET_OK, "send: %d %s", (int)res, err);
    ck_assert_uint_eq(confirmed, n);
}

static void connect_ok(void *ctx)
{
    char err[200] = "";
    enum outlet_result res = sink_syslog_transport()->connect(ctx, err, sizeof(err));
    ck_assert_msg(res == OUTLET_OK, "connect: %s", err);
}

static void destroy(void *ctx)
{
    sink_syslog_transport()->destroy(ctx);
}

/* ---- Specs --------------------------------------------------------- */

START_TEST(test_good_specs_name_their_destination_with_the_default_port)
{
    static const struct {
        const char *spec, *label;
    } cases[] = {
        {"udp:127.0.0.1", "udp:127.0.0.1:514"},
        {"udp:127.0.0.1:5514", "udp:127.0.0.1:5514"},
        {"tcp:logs.example.com", "tcp:logs.example.com:601"},
        {"tcp:logs.example.com:6514", "tcp:logs.example.com:6514"},
        {"tcp:[::1]", "tcp:[::1]:601"},
        {"udp:[::1]:5514", "udp:[::1]:5514"},
        {"udp:[fe80::1%lo]:0514", "udp:[fe80::1%lo]:514"},
        {"loghost", "udp:loghost:514"},
        {"loghost:65535", "udp:loghost:65535"},
        {"[2001:db8::1]:1", "udp:[2001:db8::1]:1"},
        {"unix:/dev/log", "unix:/dev/log"},
        {"/run/systemd/journal/syslog", "unix:/run/systemd/journal/syslog"},
        {"unix:relative.sock", "unix:relative.sock"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        void *ctx = make(cases[i].spec);
        ck_assert_str_eq(sink_syslog_label(ctx), cases[i].label);
        destroy(ctx);
    }
}
END_TEST

START_TEST(test_each_bad_spec_says_what_is_wrong)
{
    char long_path[200];
    memset(long_path, 'p', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    char long_host[300];
    memset(long_host, 'h', sizeof(long_host) - 1);
    memcpy(long_host, "tcp:", 4);
    long_host[sizeof(long_host) - 1] = '\0';
    static const struct {
        const char *spec, *err;
    } cases[] = {
        {"", "--syslog: no address: give udp:HOST[:PORT], tcp:HOST[:PORT] or unix:/PATH"},
        {"udp:", "--syslog: no host in \"\""},
        {"tcp::601", "--syslog: no host in \":601\""},
        {"udp:[]:514", "--syslog: no host in \"[]:514\""},
        {"udp:host:70000", "--syslog: port 70000 is not in 1-65535"},
        {"tcp:host:0", "--syslog: port 0 is not in 1-65535"},
        {"tcp:host:99999999999999999999", "--syslog: port 99999999999999999999 is not in 1-65535"},
        {"udp:host:syslog", "--syslog: port \"syslog\" is not a number"},
        {"udp:host:-1", "--syslog: port \"-1\" is not a number"},
        {"tcp:host:", "--syslog: no port after ':'"},
        {"host:5 14", "--syslog: port \"5 14\" is not a number"},
        {"tls:host:6514", "--syslog: unknown scheme \"tls\": use udp, tcp or unix"},
        {"syslog://host", "--syslog: unknown scheme \"syslog\": use udp, tcp or unix"},
        {"UDP:host:514", "--syslog: unknown scheme \"UDP\": use udp, tcp or unix"},
        {"udp:::1", "--syslog: an IPv6 address goes in brackets: [::1] or [::1]:PORT"},
        {"udp:[::1", "--syslog: no ']' after '[' in \"[::1\""},
        {"udp:[::1]514", "--syslog: \"514\" after ']' is neither nothing nor :PORT"},
        {"udp:[10.0.0.1]", "--syslog: [10.0.0.1] is not an IPv6 address"},
        {"unix:", "--syslog: no path after \"unix:\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[200] = "";
        ck_assert_msg(sink_syslog_create(cases[i].spec, err, sizeof(err)) == NULL, "%s",
                      cases[i].spec);
        ck_assert_str_eq(err, cases[i].err);
    }
    char err[200] = "";
    ck_assert_ptr_null(sink_syslog_create(long_path, err, sizeof(err)));
    char expected[200];
    snprintf(expected, sizeof(expected),
             "--syslog: the socket path is 199 bytes long; a socket address holds %zu",
             sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
    ck_assert_str_eq(err, expected);
    ck_assert_ptr_null(sink_syslog_create(long_host, err, sizeof(err)));
    ck_assert_str_eq(err, "--syslog: the host name is longer than 255 bytes");
}
END_TEST

START_TEST(test_facility_names_are_rfc_5424_numbers)
{
    static const char *const names[] = {"kern", "user", "mail", "daemon", "auth",     "syslog",
                                        "lpr",  "news", "uucp", "cron",   "authpriv", "ftp"};
    for (int i = 0; i < 12; i++)
        ck_assert_int_eq(sink_syslog_facility(names[i]), i);
    char local[24];
    for (int i = 0; i < 8; i++) {
        snprintf(local, sizeof(local), "local%d", i);
        ck_assert_int_eq(sink_syslog_facility(local), 16 + i);
    }
    ck_assert_int_eq(sink_syslog_facility("local8"), -1);
    ck_assert_int_eq(sink_syslog_facility("LOCAL0"), -1);
    ck_assert_int_eq(sink_syslog_facility("security"), -1);
    ck_assert_int_eq(sink_syslog_facility(""), -1);
    ck_assert_int_eq(sink_syslog_facility(NULL), -1);
}
END_TEST

/* ---- The message --------------------------------------------------- */

START_TEST(test_a_flow_record_formats_as_rfc_5424)
{
    void *ctx = make("udp:127.0.0.1");
    struct outlet_record r = flow("{\"type\":\"flow\",\"verdict\":\"fail\"}", TV_LEVEL_FAIL);
    char expected[300];
    snprintf(expected, sizeof(expected),
             "<27>1 2026-12-04T17:43:44.123456Z probe-1 tcpverdict %ld flow "
             "[tcpverdict@32473 id=\"probe-1/7\" sensor=\"probe-1\" level=\"fail\"] "
             "{\"type\":\"flow\",\"verdict\":\"fail\"}",
             (long)getpid());
    assert_formats_as(ctx, &r, expected);
    destroy(ctx);
}
END_TEST

START_TEST(test_pri_is_facility_times_8_plus_the_level_severity)
{
    void *ctx = make("udp:127.0.0.1");
    static const struct {
        int level, pri;
    } daemon_cases[] = {
        {TV_LEVEL_OK, 30},     /* daemon.info */
        {TV_LEVEL_NOTICE, 29}, /* daemon.notice */
        {TV_LEVEL_WARN, 28},   /* daemon.warning */
        {TV_LEVEL_FAIL, 27},   /* daemon.err */
    };
    for (size_t i = 0; i < sizeof(daemon_cases) / sizeof(daemon_cases[0]); i++) {
        struct outlet_record r = flow("{}", daemon_cases[i].level);
        char *msg = format(ctx, &r, NULL);
        after_time(msg, daemon_cases[i].pri, "2026-12-04T17:43:44.123456Z");
        free(msg);
    }
    /* A summary is a notice, whatever its level. */
    struct outlet_record summary =
        record("summary", "probe-1/end", "probe-1", "{}", TV_LEVEL_FAIL, MADE_US);
    char *msg = format(ctx, &summary, NULL);
    const char *rest = after_time(msg, 29, "2026-12-04T17:43:44.123456Z");
    char tail[120];
    snprintf(tail, sizeof(tail), "probe-1 tcpverdict %ld summary [", (long)getpid());
    ck_assert(strncmp(rest, tail, strlen(tail)) == 0);
    free(msg);

    struct outlet_record r = flow("{}", TV_LEVEL_FAIL);
    sink_syslog_set_facility(ctx, sink_syslog_facility("local7"));
    msg = format(ctx, &r, NULL);
    after_time(msg, 23 * 8 + 3, "2026-12-04T17:43:44.123456Z");
    free(msg);
    sink_syslog_set_facility(ctx, sink_syslog_facility("kern"));
    r.level = TV_LEVEL_OK;
    msg = format(ctx, &r, NULL);
    after_time(msg, 6, "2026-12-04T17:43:44.123456Z");
    free(msg);
    destroy(ctx);
}
END_TEST

START_TEST(test_timestamps_are_utc_with_microseconds)
{
    void *ctx = make("udp:127.0.0.1");
    static const struct {
        int64_t made_us;
        const char *time;
    } cases[] = {
        {MADE_US, "2026-12-04T17:43:44.123456Z"},
        {INT64_C(1796406224000001), "2026-12-04T17:43:44.000001Z"},
        {1, "1970-01-01T00:00:00.000001Z"},
        {INT64_C(86399999999), "1970-01-01T23:59:59.999999Z"},
        {-1, "1969-12-31T23:59:59.999999Z"},
        {0, "-"}, /* no time */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct outlet_record r = flow("{}", TV_LEVEL_OK);
        r.made_us = cases[i].made_us;
        char *msg = format(ctx, &r, NULL);
        after_time(msg, 30, cases[i].time);
        free(msg);
    }
    destroy(ctx);
}
END_TEST

START_TEST(test_sd_param_values_escape_quote_backslash_and_bracket)
{
    void *ctx = make("udp:127.0.0.1");
    struct outlet_record r = record("flow", "a\"b\\c]d", "s[1]", "{}", TV_LEVEL_WARN, MADE_US);
    char *msg = format(ctx, &r, NULL);
    ck_assert_ptr_nonnull(strstr(
        msg, " [tcpverdict@32473 id=\"a\\\"b\\\\c\\]d\" sensor=\"s[1\\]\" level=\"warn\"] {}"));
    free(msg);
    destroy(ctx);
}
END_TEST

START_TEST(test_hostname_is_the_sensor_in_printable_ascii)
{
    void *ctx = make("udp:127.0.0.1");
    char expected[400];
    /* Space, tab and the two bytes of a UTF-8 letter each become '_'; the
     * structured data keeps the name as it is. */
    struct outlet_record r = record("flow", "x", "web 01\t\xc3\xa4", "{}", TV_LEVEL_OK, MADE_US);
    snprintf(expected, sizeof(expected),
             "<30>1 2026-12-04T17:43:44.123456Z web_01___ tcpverdict %ld flow "
             "[tcpverdict@32473 id=\"x\" sensor=\"web 01\t\xc3\xa4\" level=\"ok\"] {}",
             (long)getpid());
    assert_formats_as(ctx, &r, expected);

    r.sensor = "";
    char *msg = format(ctx, &r, NULL);
    const char *rest = after_time(msg, 30, "2026-12-04T17:43:44.123456Z");
    ck_assert(strncmp(rest, "- tcpverdict ", 13) == 0);
    ck_assert_ptr_nonnull(strstr(rest, " sensor=\"\" "));
    free(msg);

    char long_sensor[301];
    memset(long_sensor, 's', 300);
    long_sensor[300] = '\0';
    r.sensor = long_sensor;
    msg = format(ctx, &r, NULL);
    rest = after_time(msg, 30, "2026-12-04T17:43:44.123456Z");
    ck_assert_uint_eq(strcspn(rest, " "), 255);
    free(msg);

    sink_syslog_set_app(ctx, "collector.example");
    r.sensor = "probe-1";
    msg = format(ctx, &r, NULL);
    rest = after_time(msg, 30, "2026-12-04T17:43:44.123456Z");
    ck_assert(strncmp(rest, "collector.example tcpverdict ", 29) == 0);
    ck_assert_ptr_nonnull(strstr(rest, " sensor=\"probe-1\" "));
    free(msg);
    sink_syslog_set_app(ctx, NULL);
    msg = format(ctx, &r, NULL);
    rest = after_time(msg, 30, "2026-12-04T17:43:44.123456Z");
    ck_assert(strncmp(rest, "probe-1 tcpverdict ", 19) == 0);
    free(msg);
    destroy(ctx);
}
END_TEST

START_TEST(test_format_returns_the_length_it_needs_like_snprintf)
{
    void *ctx = make("udp:127.0.0.1");
    struct outlet_record r = flow("{\"type\":\"flow\"}", TV_LEVEL_OK);
    size_t len;
    char *whole = format(ctx, &r, &len);
    char small[11];
    memset(small, 'x', sizeof(small));
    ck_assert_uint_eq(sink_syslog_format(ctx, &r, small, 10), len);
    ck_assert_int_eq(small[9], '\0');
    ck_assert(memcmp(small, whole, 9) == 0);
    ck_assert_int_eq(small[10], 'x'); /* nothing past cap */
    free(whole);
    destroy(ctx);
}
END_TEST

/* ---- Receivers ----------------------------------------------------- */

static void set_receive_timeout(int fd)
{
    struct timeval tv = {.tv_sec = 10};
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
}

/* A socket bound to 127.0.0.1 (or ::1) on a port of the system's choice;
 * *port gets the port. -1 if the family is not there. */
static int bind_loopback(int family, int type, int *port)
{
    int fd = socket(family, type, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        len = sizeof(*in6);
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
        close(fd);
        return -1;
    }
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                    : ((struct sockaddr_in6 *)&ss)->sin6_port);
    set_receive_timeout(fd);
    return fd;
}

static int bind_unix(const char *path, int type)
{
    int fd = socket(AF_UNIX, type, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un un;
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&un, sizeof(un)), 0);
    set_receive_timeout(fd);
    return fd;
}

static char temp_dir[64];

static void make_temp_dir(void)
{
    snprintf(temp_dir, sizeof(temp_dir), "/tmp/check_sink_syslog.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
}

static void remove_temp_dir(const char *socket_name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", temp_dir, socket_name);
    unlink(path);
    rmdir(temp_dir);
}

/* Receives one datagram and checks it is the message of r. */
static void expect_datagram(int fd, void *ctx, const struct outlet_record *r)
{
    size_t len;
    char *expected = format(ctx, r, &len);
    char *got = malloc(70000);
    ck_assert_ptr_nonnull(got);
    ssize_t n = recv(fd, got, 70000, 0);
    ck_assert_int_eq(n, (ssize_t)len);
    ck_assert(memcmp(got, expected, len) == 0);
    /* Parsed back: MSG is the JSON, after the structured data. */
    got[n] = '\0';
    const char *sd_end = strstr(got, "\"] ");
    ck_assert_ptr_nonnull(sd_end);
    ck_assert_str_eq(sd_end + 3, r->json);
    free(expected);
    free(got);
}

/* Reads one octet-counted frame (RFC 6587 3.4.1) from a stream and checks
 * that it holds the message of r. */
static void expect_frame(int fd, void *ctx, const struct outlet_record *r)
{
    size_t len;
    char *expected = format(ctx, r, &len);
    size_t frame_len = 0;
    for (;;) {
        char c;
        ck_assert_int_eq(recv(fd, &c, 1, 0), 1);
        if (c == ' ')
            break;
        ck_assert(c >= '0' && c <= '9');
        frame_len = frame_len * 10 + (size_t)(c - '0');
    }
    ck_assert_uint_eq(frame_len, len);
    char *got = malloc(len + 1);
    ck_assert_ptr_nonnull(got);
    size_t have = 0;
    while (have < len) {
        ssize_t n = recv(fd, got + have, len - have, 0);
        ck_assert_int_gt(n, 0);
        have += (size_t)n;
    }
    ck_assert(memcmp(got, expected, len) == 0);
    free(expected);
    free(got);
}

/* ---- UDP ----------------------------------------------------------- */

static void *make_at(const char *scheme, const char *host, int port)
{
    char spec[80];
    snprintf(spec, sizeof(spec), "%s:%s:%d", scheme, host, port);
    return make(spec);
}

START_TEST(test_udp_sends_one_message_a_datagram)
{
    int port;
    int rx = bind_loopback(AF_INET, SOCK_DGRAM, &port);
    ck_assert_int_ge(rx, 0);
    void *ctx = make_at("udp", "127.0.0.1", port);
    connect_ok(ctx);
    struct outlet_record a = flow("{\"n\":1}", TV_LEVEL_OK);
    struct outlet_record b = flow("{\"n\":2,\"s\":\"x] \\\"y\"}", TV_LEVEL_WARN);
    struct outlet_record c =
        record("summary", "probe-1/end", "probe-1", "{\"type\":\"summary\"}", TV_LEVEL_OK, MADE_US);
    struct outlet_record *recs[] = {&a, &b, &c};
    send_ok(ctx, recs, 3);
    expect_datagram(rx, ctx, &a);
    expect_datagram(rx, ctx, &b);
    expect_datagram(rx, ctx, &c);
    destroy(ctx);
    close(rx);
}
END_TEST

START_TEST(test_udp_reaches_a_bracketed_ipv6_address)
{
    int port;
    int rx = bind_loopback(AF_INET6, SOCK_DGRAM, &port);
    if (rx < 0)
        return; /* no IPv6 loopback here */
    void *ctx = make_at("udp", "[::1]", port);
    connect_ok(ctx);
    struct outlet_record a = flow("{\"n\":1}", TV_LEVEL_OK);
    struct outlet_record *recs[] = {&a};
    send_ok(ctx, recs, 1);
    expect_datagram(rx, ctx, &a);
    destroy(ctx);
    close(rx);
}
END_TEST

/* A record of json_len bytes of JSON whose whole message is msg_len. */
static char *json_of_message_len(void *ctx, size_t msg_len, struct outlet_record *r)
{
    struct outlet_record probe = flow("", TV_LEVEL_OK);
    size_t overhead = sink_syslog_format(ctx, &probe, NULL, 0);
    ck_assert_uint_gt(msg_len, overhead + 2);
    size_t json_len = msg_len - overhead;
    char *json = malloc(json_len + 1);
    ck_assert_ptr_nonnull(json);
    memset(json, ' ', json_len);
    json[0] = '{';
    json[json_len - 1] = '}';
    json[json_len] = '\0';
    *r = flow(json, TV_LEVEL_OK);
    ck_assert_uint_eq(sink_syslog_format(ctx, r, NULL, 0), msg_len);
    return json;
}

START_TEST(test_udp_message_longer_than_an_ipv4_datagram_is_unsendable)
{
    int port;
    int rx = bind_loopback(AF_INET, SOCK_DGRAM, &port);
    ck_assert_int_ge(rx, 0);
    int rcvbuf = 1 << 20;
    setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    void *ctx = make_at("udp", "127.0.0.1", port);
    connect_ok(ctx);
    struct outlet_record small = flow("{}", TV_LEVEL_OK);
    struct outlet_record largest, too_long;
    char *json_largest = json_of_message_len(ctx, 65507, &largest);
    char *json_too_long = json_of_message_len(ctx, 65508, &too_long);

    struct outlet_record *recs[] = {&small, &largest, &too_long, &small};
    size_t confirmed = 99;
    char err[200] = "";
    enum outlet_result res =
        sink_syslog_transport()->send(ctx, recs, 4, &confirmed, err, sizeof(err));
    ck_assert_int_eq(res, OUTLET_UNSENDABLE);
    ck_assert_uint_eq(confirmed, 2);
    char expected[200];
    snprintf(expected, sizeof(expected),
             "syslog udp:127.0.0.1:%d: a message of 65508 bytes; a datagram holds 65507", port);
    ck_assert_str_eq(err, expected);
    expect_datagram(rx, ctx, &small);
    expect_datagram(rx, ctx, &largest);

    /* The sender drops it and goes on with the rest. */
    send_ok(ctx, recs + 3, 1);
    expect_datagram(rx, ctx, &small);
    free(json_largest);
    free(json_too_long);
    destroy(ctx);
    close(rx);
}
END_TEST

START_TEST(test_udp_to_a_closed_port_asks_for_a_retry)
{
    int port;
    int rx = bind_loopback(AF_INET, SOCK_DGRAM, &port);
    ck_assert_int_ge(rx, 0);
    close(rx); /* nothing listens there now: ICMP port unreachable */
    void *ctx = make_at("udp", "127.0.0.1", port);
    connect_ok(ctx);
    struct outlet_record a = flow("{}", TV_LEVEL_OK);
    struct outlet_record *recs[] = {&a};
    enum outlet_result res = OUTLET_OK;
    char err[200] = "";
    size_t confirmed = 0;
    /* The refusal comes back with a later send: the first goes out. */
    for (int i = 0; i < 100 && res == OUTLET_OK; i++) {
        res = sink_syslog_transport()->send(ctx, recs, 1, &confirmed, err, sizeof(err));
        if (res == OUTLET_OK)
            nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
    }
    ck_assert_int_eq(res, OUTLET_RETRY);
    ck_assert_uint_eq(confirmed, 0);
    char expected[200];
    snprintf(expected, sizeof(expected), "syslog udp:127.0.0.1:%d: send: %s", port,
             strerror(ECONNREFUSED));
    ck_assert_str_eq(err, expected);
    destroy(ctx);
}
END_TEST

/* ---- TCP ----------------------------------------------------------- */

static int listen_loopback(int *port)
{
    int fd = bind_loopback(AF_INET, SOCK_STREAM, port);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    return fd;
}

static int accept_one(int listener)
{
    int fd = accept(listener, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    set_receive_timeout(fd);
    return fd;
}

START_TEST(test_tcp_frames_a_batch_by_octet_counting)
{
    int port;
    int listener = listen_loopback(&port);
    void *ctx = make_at("tcp", "127.0.0.1", port);
    connect_ok(ctx);
    struct outlet_record a = flow("{\"n\":1}", TV_LEVEL_OK);
    struct outlet_record b = flow("{\"n\":2,\"text\":\"two\\nlines\"}", TV_LEVEL_FAIL);
    struct outlet_record c = flow("{\"n\":3}", TV_LEVEL_NOTICE);
    struct outlet_record *recs[] = {&a, &b, &c};
    send_ok(ctx, recs, 3);
    int rx = accept_one(listener);
    expect_frame(rx, ctx, &a);
    expect_frame(rx, ctx, &b);
    expect_frame(rx, ctx, &c);

    /* The server closes: the next batch is not taken as sent. */
    close(rx);
    close(listener);
    size_t confirmed = 99;
    char err[200] = "";
    enum outlet_result res =
        sink_syslog_transport()->send(ctx, recs, 2, &confirmed, err, sizeof(err));
    ck_assert_int_eq(res, OUTLET_RETRY);
    ck_assert_uint_eq(confirmed, 0);
    char expected[200];
    snprintf(expected, sizeof(expected),
             "syslog tcp:127.0.0.1:%d: the server closed the connection", port);
    ck_assert_str_eq(err, expected);

    /* And reconnecting to nothing is a retry too, saying why. */
    res = sink_syslog_transport()->connect(ctx, err, sizeof(err));
    ck_assert_int_eq(res, OUTLET_RETRY);
    snprintf(expected, sizeof(expected), "syslog tcp:127.0.0.1:%d: connect: %s", port,
             strerror(ECONNREFUSED));
    ck_assert_str_eq(err, expected);
    res = sink_syslog_transport()->send(ctx, recs, 1, &confirmed, err, sizeof(err));
    ck_assert_int_eq(res, OUTLET_RETRY);
    ck_assert_uint_eq(confirmed, 0);
    destroy(ctx);
}
END_TEST

/* A server that reads the first frame of the batch and goes away, leaving
 * the rest unread: its close resets the connection mid-batch. */
struct reader_args {
    int listener;
    size_t read_len;
};

static void *read_then_close(void *p)
{
    const struct reader_args *args = p;
    int fd = accept(args->listener, NULL, NULL);
    if (fd < 0)
        return NULL;
    char buf[4096];
    size_t have = 0;
    while (have < args->read_len) {
        size_t want = args->read_len - have < sizeof(buf) ? args->read_len - have : sizeof(buf);
        ssize_t n = recv(fd, buf, want, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    close(fd);
    return NULL;
}

START_TEST(test_tcp_batch_cut_mid_way_confirms_the_records_written_whole)
{
    int port;
    int listener = bind_loopback(AF_INET, SOCK_STREAM, &port);
    ck_assert_int_ge(listener, 0);
    /* Small, so that the long record cannot hide in the server's buffer. */
    int rcvbuf = 4096;
    ck_assert_int_eq(setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)), 0);
    ck_assert_int_eq(listen(listener, 4), 0);
    void *ctx = make_at("tcp", "127.0.0.1", port);
    connect_ok(ctx);

    struct outlet_record first = flow("{\"n\":1}", TV_LEVEL_OK);
    struct outlet_record longer;
    char *json = json_of_message_len(ctx, 16u << 20, &longer);
    size_t first_len = sink_syslog_format(ctx, &first, NULL, 0);
    char prefix[24];
    struct reader_args args = {
        .listener = listener,
        .read_len = first_len + (size_t)snprintf(prefix, sizeof(prefix), "%zu ", first_len),
    };
    pthread_t reader;
    ck_assert_int_eq(pthread_create(&reader, NULL, read_then_close, &args), 0);

    struct outlet_record *recs[] = {&first, &longer, &first};
    size_t confirmed = 99;
    char err[200] = "";
    enum outlet_result res =
        sink_syslog_transport()->send(ctx, recs, 3, &confirmed, err, sizeof(err));
    pthread_join(reader, NULL);
    ck_assert_int_eq(res, OUTLET_RETRY);
    ck_assert_uint_eq(confirmed, 1);
    char expected[200];
    snprintf(expected, sizeof(expected), "syslog tcp:127.0.0.1:%d: send: ", port);
    ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0, "%s", err);
    free(json);
    destroy(ctx);
    close(listener);
}
END_TEST

START_TEST(test_send_without_a_connection_asks_for_a_retry)
{
    void *ctx = make("tcp:127.0.0.1:9");
    struct outlet_record a = flow("{}", TV_LEVEL_OK);
    struct outlet_record *recs[] = {&a};
    size_t confirmed = 99;
    char err[200] = "";
    ck_assert_int_eq(sink_syslog_transport()->send(ctx, recs, 1, &confirmed, err, sizeof(err)),
                     OUTLET_RETRY);
    ck_assert_uint_eq(confirmed, 0);
    ck_assert_str_eq(err, "syslog tcp:127.0.0.1:9: not connected");
    sink_syslog_transport()->disconnect(ctx); /* harmless when not connected */
    destroy(ctx);
    destroy(NULL);
}
END_TEST

/* ---- Unix sockets -------------------------------------------------- */

START_TEST(test_unix_datagram_socket_gets_one_message_a_datagram)
{
    make_temp_dir();
    char path[128];
    snprintf(path, sizeof(path), "%s/log", temp_dir);
    int rx = bind_unix(path, SOCK_DGRAM);
    void *ctx = make(path); /* a bare path is a Unix socket */
    connect_ok(ctx);
    struct outlet_record a = flow("{\"n\":1}", TV_LEVEL_OK);
    struct outlet_record b = flow("{\"n\":2}", TV_LEVEL_WARN);
    struct outlet_record *recs[] = {&a, &b};
    send_ok(ctx, recs, 2);
    expect_datagram(rx, ctx, &a);
    expect_datagram(rx, ctx, &b);

    /* Beyond the socket's buffer: the kernel says EMSGSIZE. */
    struct outlet_record huge;
    char *json = json_of_message_len(ctx, 8u << 20, &huge);
    struct outlet_record *more[] = {&a, &huge, &b};
    size_t confirmed = 99;
    char err[200] = "";
    ck_assert_int_eq(sink_syslog_transport()->send(ctx, more, 3, &confirmed, err, sizeof(err)),
                     OUTLET_UNSENDABLE);
    ck_assert_uint_eq(confirmed, 1);
    char expected[200];
    snprintf(expected, sizeof(expected),
             "syslog unix:%s: a message of %u bytes is too long to send", path, 8u << 20);
    ck_assert_str_eq(err, expected);
    expect_datagram(rx, ctx, &a);
    free(json);
    destroy(ctx);
    close(rx);
    remove_temp_dir("log");
}
END_TEST

START_TEST(test_unix_stream_socket_gets_octet_counted_frames)
{
    make_temp_dir();
    char path[128];
    snprintf(path, sizeof(path), "%s/stream", temp_dir);
    int listener = bind_unix(path, SOCK_STREAM);
    ck_assert_int_eq(listen(listener, 4), 0);
    char spec[160];
    snprintf(spec, sizeof(spec), "unix:%s", path);
    void *ctx = make(spec);
    connect_ok(ctx);
    struct outlet_record a = flow("{\"n\":1}", TV_LEVEL_OK);
    struct outlet_record b = flow("{\"n\":2}", TV_LEVEL_FAIL);
    struct outlet_record *recs[] = {&a, &b};
    send_ok(ctx, recs, 2);
    int rx = accept_one(listener);
    expect_frame(rx, ctx, &a);
    expect_frame(rx, ctx, &b);
    close(rx);
    destroy(ctx);
    close(listener);
    remove_temp_dir("stream");
}
END_TEST

START_TEST(test_unix_socket_that_is_not_there_asks_for_a_retry)
{
    make_temp_dir();
    char spec[160];
    snprintf(spec, sizeof(spec), "unix:%s/none", temp_dir);
    void *ctx = make(spec);
    char err[200] = "";
    ck_assert_int_eq(sink_syslog_transport()->connect(ctx, err, sizeof(err)), OUTLET_RETRY);
    char expected[200];
    snprintf(expected, sizeof(expected), "syslog %s: connect: %s", spec, strerror(ENOENT));
    ck_assert_str_eq(err, expected);
    destroy(ctx);
    remove_temp_dir("none");
}
END_TEST

static Suite *sink_syslog_suite(void)
{
    Suite *s = suite_create("sink_syslog");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_good_specs_name_their_destination_with_the_default_port);
    tcase_add_test(tc, test_each_bad_spec_says_what_is_wrong);
    tcase_add_test(tc, test_facility_names_are_rfc_5424_numbers);
    tcase_add_test(tc, test_a_flow_record_formats_as_rfc_5424);
    tcase_add_test(tc, test_pri_is_facility_times_8_plus_the_level_severity);
    tcase_add_test(tc, test_timestamps_are_utc_with_microseconds);
    tcase_add_test(tc, test_sd_param_values_escape_quote_backslash_and_bracket);
    tcase_add_test(tc, test_hostname_is_the_sensor_in_printable_ascii);
    tcase_add_test(tc, test_format_returns_the_length_it_needs_like_snprintf);
    suite_add_tcase(s, tc);
    tc = tcase_create("send");
    tcase_add_test(tc, test_udp_sends_one_message_a_datagram);
    tcase_add_test(tc, test_udp_reaches_a_bracketed_ipv6_address);
    tcase_add_test(tc, test_udp_message_longer_than_an_ipv4_datagram_is_unsendable);
    tcase_add_test(tc, test_udp_to_a_closed_port_asks_for_a_retry);
    tcase_add_test(tc, test_tcp_frames_a_batch_by_octet_counting);
    tcase_add_test(tc, test_tcp_batch_cut_mid_way_confirms_the_records_written_whole);
    tcase_add_test(tc, test_send_without_a_connection_asks_for_a_retry);
    tcase_add_test(tc, test_unix_datagram_socket_gets_one_message_a_datagram);
    tcase_add_test(tc, test_unix_stream_socket_gets_octet_counted_frames);
    tcase_add_test(tc, test_unix_socket_that_is_not_there_asks_for_a_retry);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(sink_syslog_suite());
}
