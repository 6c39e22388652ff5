/*
 * Syslog transport (sink_syslog.h): RFC 5424 messages over UDP, TCP or a
 * Unix socket. The sockets are POSIX; the Windows build, which has no
 * /dev/log to talk to and whose Winsock differs in every call used here
 * (closesocket, WSAPoll, no MSG_NOSIGNAL), keeps the names and says that
 * the transport is not there.
 *
 * The context is used by one thread at a time (the outlet's sender), so
 * it holds its buffers instead of allocating per record. Invariant: fd is
 * -1 or a connected socket; is_stream and dgram_cap_len describe it.
 */
#include "sink_syslog.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printf_format.h"
#include "tcpverdict.h"

#ifndef _WIN32
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "utc_time.h"
#endif

#include "banned.h"

/* RFC 5424 6.2.1, table 1. 12-15 have no name anyone agrees on. */
#define SYSLOG_FACILITY_COUNT 24
static const char *const syslog_facility_names[SYSLOG_FACILITY_COUNT] = {
    [0] = "kern",      [1] = "user",    [2] = "mail",    [3] = "daemon",  [4] = "auth",
    [5] = "syslog",    [6] = "lpr",     [7] = "news",    [8] = "uucp",    [9] = "cron",
    [10] = "authpriv", [11] = "ftp",    [16] = "local0", [17] = "local1", [18] = "local2",
    [19] = "local3",   [20] = "local4", [21] = "local5", [22] = "local6", [23] = "local7",
};

int sink_syslog_facility(const char *name)
{
    if (name == NULL)
        return -1;
    for (int f = 0; f < SYSLOG_FACILITY_COUNT; f++)
        if (syslog_facility_names[f] != NULL && strcmp(name, syslog_facility_names[f]) == 0)
            return f;
    return -1;
}

static void syslog_fail(char *err, size_t err_len, const char *fmt, ...) TV_PRINTF(3, 4);

static void syslog_fail(char *err, size_t err_len, const char *fmt, ...)
{
    if (err == NULL || err_len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

#ifdef _WIN32

/* Nothing can make a context, so nothing below is ever given one. */
void *sink_syslog_create(const char *spec, char *err, size_t err_len)
{
    (void)spec;
    syslog_fail(err, err_len, "--syslog is not available in the Windows build");
    return NULL;
}

void sink_syslog_set_facility(void *ctx, int facility)
{
    (void)ctx;
    (void)facility;
}

void sink_syslog_set_app(void *ctx, const char *hostname)
{
    (void)ctx;
    (void)hostname;
}

const char *sink_syslog_label(const void *ctx)
{
    (void)ctx;
    return "";
}

size_t sink_syslog_format(void *ctx, const struct outlet_record *r, char *out, size_t cap)
{
    (void)ctx;
    (void)r;
    if (cap > 0)
        out[0] = '\0';
    return 0;
}

static enum outlet_result syslog_connect(void *ctx, char *err, size_t err_len)
{
    (void)ctx;
    syslog_fail(err, err_len, "--syslog is not available in the Windows build");
    return OUTLET_FATAL;
}

static enum outlet_result syslog_send(void *ctx, struct outlet_record *const *recs, size_t n,
                                      size_t *confirmed, char *err, size_t err_len)
{
    (void)recs;
    (void)n;
    *confirmed = 0;
    return syslog_connect(ctx, err, err_len);
}

static void syslog_disconnect(void *ctx)
{
    (void)ctx;
}

static void syslog_destroy(void *ctx)
{
    (void)ctx;
}

#else /* POSIX */

/* RFC 5424 6.2.1, table 2: the severities used. */
enum syslog_severity {
    SYSLOG_SEVERITY_ERROR = 3,
    SYSLOG_SEVERITY_WARNING = 4,
    SYSLOG_SEVERITY_NOTICE = 5,
    SYSLOG_SEVERITY_INFORMATIONAL = 6,
};

static const enum syslog_severity syslog_severity_of_level[TV_LEVEL_COUNT] = {
    [TV_LEVEL_OK] = SYSLOG_SEVERITY_INFORMATIONAL,
    [TV_LEVEL_NOTICE] = SYSLOG_SEVERITY_NOTICE,
    [TV_LEVEL_WARN] = SYSLOG_SEVERITY_WARNING,
    [TV_LEVEL_FAIL] = SYSLOG_SEVERITY_ERROR,
};

/* RFC 5424 6: field limits. */
#define SYSLOG_HOSTNAME_CAP 255
#define SYSLOG_MSGID_CAP    32
/* RFC 5612: the enterprise number reserved for documentation. */
#define SYSLOG_SD_ID        "tcpverdict@32473"

#define SYSLOG_UDP_PORT         "514" /* RFC 5426 3.3 */
#define SYSLOG_TCP_PORT         "601" /* IANA's syslog-conn; many servers also take 514 */
/* A DNS name is at most 253 bytes; a little room for a zone (%eth0). */
#define SYSLOG_HOST_CAP         256

/* The most a UDP datagram carries: 65535 less the UDP header and, over
 * IPv4, the IP header, which IPv6 keeps out of its payload length. */
#define SYSLOG_UDP4_CAP_LEN     65507
#define SYSLOG_UDP6_CAP_LEN     65527

/* Connecting and each send give up after this long without progress. */
#define SYSLOG_TIMEOUT_S        5
#define SYSLOG_STRINGIFY(x)     #x
#define SYSLOG_STRING(x)        SYSLOG_STRINGIFY(x)

/* A stream write gathers at most this many records or, past one record,
 * this many bytes. */
#define SYSLOG_CHUNK_RECORD_CAP 64
#define SYSLOG_CHUNK_LEN        65536
#define SYSLOG_MSG_LEN          4096 /* the message buffer's first size */

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* the BSDs without it have SO_NOSIGPIPE instead */
#endif

enum syslog_scheme { SYSLOG_UDP = 0, SYSLOG_TCP, SYSLOG_UNIX };

struct sink_syslog {
    enum syslog_scheme scheme;
    char host[SYSLOG_HOST_CAP]; /* udp and tcp: without brackets */
    char port[6];
    struct sockaddr_un unix_addr;     /* unix */
    char label[SYSLOG_HOST_CAP + 64]; /* "tcp:[::1]:601", for messages */
    int facility;
    char hostname[SYSLOG_HOSTNAME_CAP + 1]; /* "": the record's sensor */
    int fd;                                 /* -1: not connected */
    bool is_stream;                         /* octet-counting framing */
    size_t dgram_cap_len;                   /* the longest datagram fd sends */
    char *msg;                              /* owned: one message */
    size_t msg_cap;
    char *chunk; /* owned: framed messages for one stream write */
    size_t chunk_cap;
};

/* ---- Parsing ------------------------------------------------------- */

/* "0", "514": the port as given, checked; false with err otherwise. */
static bool syslog_parse_port(struct sink_syslog *s, const char *text, size_t len, char *err,
                              size_t err_len)
{
    if (len == 0) {
        syslog_fail(err, err_len, "--syslog: no port after ':'");
        return false;
    }
    unsigned long port = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') {
            syslog_fail(err, err_len, "--syslog: port \"%.*s\" is not a number", (int)len, text);
            return false;
        }
        if (port <= 65535)
            port = port * 10 + (unsigned long)(text[i] - '0');
    }
    if (port == 0 || port > 65535) {
        syslog_fail(err, err_len, "--syslog: port %.*s is not in 1-65535", (int)len, text);
        return false;
    }
    snprintf(s->port, sizeof(s->port), "%lu", port);
    return true;
}

/* HOST[:PORT], HOST a name, an IPv4 address or a bracketed IPv6 one. */
static bool syslog_parse_inet(struct sink_syslog *s, const char *addr, const char *default_port,
                              char *err, size_t err_len)
{
    const char *host = addr;
    size_t host_len;
    const char *rest; /* after the host: "" or ":PORT" */
    bool is_bracketed = addr[0] == '[';
    if (is_bracketed) {
        const char *close = strchr(addr, ']');
        if (close == NULL) {
            syslog_fail(err, err_len, "--syslog: no ']' after '[' in \"%s\"", addr);
            return false;
        }
        host = addr + 1;
        host_len = (size_t)(close - host);
        rest = close + 1;
        if (rest[0] != '\0' && rest[0] != ':') {
            syslog_fail(err, err_len, "--syslog: \"%s\" after ']' is neither nothing nor :PORT",
                        rest);
            return false;
        }
        if (host_len > 0 && memchr(host, ':', host_len) == NULL) {
            syslog_fail(err, err_len, "--syslog: [%.*s] is not an IPv6 address", (int)host_len,
                        host);
            return false;
        }
    } else {
        const char *colon = strchr(addr, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            syslog_fail(err, err_len,
                        "--syslog: an IPv6 address goes in brackets: [%s] or [%s]:PORT", addr,
                        addr);
            return false;
        }
        host_len = colon != NULL ? (size_t)(colon - addr) : strlen(addr);
        rest = addr + host_len;
    }
    if (host_len == 0) {
        syslog_fail(err, err_len, "--syslog: no host in \"%s\"", addr);
        return false;
    }
    if (host_len >= sizeof(s->host)) {
        syslog_fail(err, err_len, "--syslog: the host name is longer than %zu bytes",
                    sizeof(s->host) - 1);
        return false;
    }
    memcpy(s->host, host, host_len);
    s->host[host_len] = '\0';
    if (rest[0] == ':') {
        if (!syslog_parse_port(s, rest + 1, strlen(rest + 1), err, err_len))
            return false;
    } else {
        snprintf(s->port, sizeof(s->port), "%s", default_port);
    }
    snprintf(s->label, sizeof(s->label), "%s:%s%s%s:%s", s->scheme == SYSLOG_TCP ? "tcp" : "udp",
             is_bracketed ? "[" : "", s->host, is_bracketed ? "]" : "", s->port);
    return true;
}

static bool syslog_parse_unix(struct sink_syslog *s, const char *path, char *err, size_t err_len)
{
    size_t path_len = strlen(path);
    if (path_len == 0) {
        syslog_fail(err, err_len, "--syslog: no path after \"unix:\"");
        return false;
    }
    if (path_len >= sizeof(s->unix_addr.sun_path)) {
        syslog_fail(err, err_len,
                    "--syslog: the socket path is %zu bytes long; a socket address holds %zu",
                    path_len, sizeof(s->unix_addr.sun_path) - 1);
        return false;
    }
    s->unix_addr.sun_family = AF_UNIX;
    memcpy(s->unix_addr.sun_path, path, path_len + 1);
    snprintf(s->label, sizeof(s->label), "unix:%s", path);
    return true;
}

/* Looks like a URL scheme (RFC 3986 3.1): "tls" in "tls:host:6514". */
static bool syslog_is_scheme_like(const char *text, size_t len)
{
    if (len == 0 || !((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= 'A' && text[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = text[i];
        bool is_alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!is_alnum && c != '+' && c != '-' && c != '.')
            return false;
    }
    return true;
}

static bool syslog_parse(struct sink_syslog *s, const char *spec, char *err, size_t err_len)
{
    if (spec == NULL || spec[0] == '\0') {
        syslog_fail(err, err_len,
                    "--syslog: no address: give udp:HOST[:PORT], tcp:HOST[:PORT] or unix:/PATH");
        return false;
    }
    const char *colon = strchr(spec, ':');
    size_t prefix_len = colon != NULL ? (size_t)(colon - spec) : 0;
    if (colon != NULL && prefix_len == 3 && strncmp(spec, "udp", 3) == 0) {
        s->scheme = SYSLOG_UDP;
        return syslog_parse_inet(s, colon + 1, SYSLOG_UDP_PORT, err, err_len);
    }
    if (colon != NULL && prefix_len == 3 && strncmp(spec, "tcp", 3) == 0) {
        s->scheme = SYSLOG_TCP;
        return syslog_parse_inet(s, colon + 1, SYSLOG_TCP_PORT, err, err_len);
    }
    if (colon != NULL && prefix_len == 4 && strncmp(spec, "unix", 4) == 0) {
        s->scheme = SYSLOG_UNIX;
        return syslog_parse_unix(s, colon + 1, err, err_len);
    }
    /* "host:514" is a bare address; "tls:host:6514" and "syslog://host"
     * name a scheme this transport does not speak. */
    if (colon != NULL && syslog_is_scheme_like(spec, prefix_len) &&
        (colon[1] == '/' || (colon[1] != ':' && strchr(colon + 1, ':') != NULL))) {
        syslog_fail(err, err_len, "--syslog: unknown scheme \"%.*s\": use udp, tcp or unix",
                    (int)prefix_len, spec);
        return false;
    }
    if (spec[0] == '/') {
        s->scheme = SYSLOG_UNIX;
        return syslog_parse_unix(s, spec, err, err_len);
    }
    s->scheme = SYSLOG_UDP;
    return syslog_parse_inet(s, spec, SYSLOG_UDP_PORT, err, err_len);
}

static void syslog_destroy(void *ctx);

void *sink_syslog_create(const char *spec, char *err, size_t err_len)
{
    struct sink_syslog *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        syslog_fail(err, err_len, "--syslog: out of memory");
        return NULL;
    }
    s->fd = -1;
    s->facility = SINK_SYSLOG_FACILITY_DAEMON;
    if (!syslog_parse(s, spec, err, err_len)) {
        syslog_destroy(s);
        return NULL;
    }
    s->msg_cap = SYSLOG_MSG_LEN;
    s->msg = malloc(s->msg_cap);
    if (s->msg == NULL) {
        syslog_fail(err, err_len, "--syslog: out of memory");
        syslog_destroy(s);
        return NULL;
    }
    return s;
}

void sink_syslog_set_facility(void *ctx, int facility)
{
    struct sink_syslog *s = ctx;
    if (facility >= 0 && facility < SYSLOG_FACILITY_COUNT)
        s->facility = facility;
}

void sink_syslog_set_app(void *ctx, const char *hostname)
{
    struct sink_syslog *s = ctx;
    snprintf(s->hostname, sizeof(s->hostname), "%s", hostname != NULL ? hostname : "");
}

const char *sink_syslog_label(const void *ctx)
{
    const struct sink_syslog *s = ctx;
    return s->label;
}

/* ---- Formatting ---------------------------------------------------- */

/* Bytes into out[0..cap), counting all of them, as snprintf does. */
struct syslog_out {
    char *buf;
    size_t cap;
    size_t len;
};

static void syslog_put(struct syslog_out *o, const char *bytes, size_t len)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, bytes, len < room ? len : room);
    }
    o->len += len;
}

static void syslog_putc(struct syslog_out *o, char c)
{
    syslog_put(o, &c, 1);
}

static void syslog_puts(struct syslog_out *o, const char *s)
{
    syslog_put(o, s, strlen(s));
}

/* RFC 5424 6: HOSTNAME, MSGID are 1*N PRINTUSASCII (33-126), "-" when
 * there is nothing; anything else becomes '_', so that one odd sensor
 * name cannot shift the fields after it. */
static void syslog_put_name(struct syslog_out *o, const char *s, size_t cap_len)
{
    if (s == NULL || s[0] == '\0') {
        syslog_putc(o, '-');
        return;
    }
    for (size_t i = 0; i < cap_len && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        syslog_putc(o, c >= 33 && c <= 126 ? (char)c : '_');
    }
}

/* RFC 5424 6.3.3: '"', '\' and ']' are escaped in a PARAM-VALUE. */
static void syslog_put_param(struct syslog_out *o, const char *name, const char *value)
{
    syslog_putc(o, ' ');
    syslog_puts(o, name);
    syslog_put(o, "=\"", 2);
    for (const char *p = value != NULL ? value : ""; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\' || *p == ']')
            syslog_putc(o, '\\');
        syslog_putc(o, *p);
    }
    syslog_putc(o, '"');
}

/* RFC 5424 6.2.3: "2026-12-04T17:43:44.123456Z"; "-" for no time, or
 * for one without a four-digit year, which the grammar cannot write. */
static void syslog_put_time(struct syslog_out *o, int64_t us)
{
    char t[48];
    size_t len = us != 0 ? utc_time_format(us, true, t, sizeof(t)) : 0;
    if (len != 26 || t[0] < '0' || t[0] > '9' || t[4] != '-' || t[10] != ' ') {
        syslog_putc(o, '-');
        return;
    }
    t[10] = 'T';
    syslog_put(o, t, len);
    syslog_putc(o, 'Z');
}

static enum syslog_severity syslog_severity(const struct outlet_record *r)
{
    if (r->type != NULL && strcmp(r->type, "summary") == 0)
        return SYSLOG_SEVERITY_NOTICE;
    if (r->level >= 0 && r->level < TV_LEVEL_COUNT)
        return syslog_severity_of_level[r->level];
    return SYSLOG_SEVERITY_INFORMATIONAL;
}

size_t sink_syslog_format(void *ctx, const struct outlet_record *r, char *out, size_t cap)
{
    const struct sink_syslog *s = ctx;
    struct syslog_out o = {.buf = out, .cap = cap, .len = 0};
    char num[32];
    /* RFC 5424 6.2: HEADER = PRI VERSION SP TIMESTAMP SP HOSTNAME SP
     * APP-NAME SP PROCID SP MSGID. */
    snprintf(num, sizeof(num), "<%d>1 ", s->facility * 8 + (int)syslog_severity(r));
    syslog_puts(&o, num);
    syslog_put_time(&o, r->made_us);
    syslog_putc(&o, ' ');
    syslog_put_name(&o, s->hostname[0] != '\0' ? s->hostname : r->sensor, SYSLOG_HOSTNAME_CAP);
    snprintf(num, sizeof(num), " tcpverdict %ld ", (long)getpid());
    syslog_puts(&o, num);
    syslog_put_name(&o, r->type, SYSLOG_MSGID_CAP);
    syslog_puts(&o, " [" SYSLOG_SD_ID);
    syslog_put_param(&o, "id", r->id);
    syslog_put_param(&o, "sensor", r->sensor);
    syslog_put_param(&o, "level", tv_level_name((enum tv_level)r->level));
    /* RFC 5424 6.4: MSG-ANY, no BOM: JSON is UTF-8 only by convention. */
    syslog_put(&o, "] ", 2);
    syslog_put(&o, r->json, r->json_len);
    if (cap > 0)
        out[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

/* ---- Connecting ---------------------------------------------------- */

static void syslog_disconnect(void *ctx)
{
    struct sink_syslog *s = ctx;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static int64_t syslog_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for a non-blocking connect() to end, SYSLOG_TIMEOUT_S at most;
 * false with errno set if it failed. */
static bool syslog_wait_connected(int fd)
{
    int64_t deadline_ms = syslog_now_ms() + SYSLOG_TIMEOUT_S * 1000;
    for (;;) {
        int64_t left_ms = deadline_ms - syslog_now_ms();
        if (left_ms <= 0) {
            errno = ETIMEDOUT;
            return false;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int rc = poll(&p, 1, (int)left_ms);
        if (rc > 0)
            break;
        if (rc < 0 && errno != EINTR)
            return false;
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
        return false;
    if (so_error != 0) {
        errno = so_error;
        return false;
    }
    return true;
}

static int syslog_close_failed(int fd)
{
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* A connected socket, blocking, whose sends give up after the timeout;
 * -1 with errno set. */
static int syslog_open(int family, int type, int protocol, const struct sockaddr *addr,
                       socklen_t addr_len)
{
    int fd = socket(family, type, protocol);
    if (fd < 0)
        return -1;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        return syslog_close_failed(fd);
    /* Non-blocking, so that an unanswered SYN costs the timeout and not
     * the system's minutes of retries. An interrupted connect() goes on
     * in the background, as one in progress does. */
    if (connect(fd, addr, addr_len) != 0 &&
        ((errno != EINPROGRESS && errno != EINTR) || !syslog_wait_connected(fd)))
        return syslog_close_failed(fd);
    struct timeval timeout = {.tv_sec = SYSLOG_TIMEOUT_S};
    if (fcntl(fd, F_SETFL, flags) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) != 0)
        return syslog_close_failed(fd);
#ifdef SO_NOSIGPIPE
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one)) != 0)
        return syslog_close_failed(fd);
#endif
    return fd;
}

/* "Connection refused", and something plainer for a send timeout. */
static const char *syslog_strerror(int e)
{
    if (e == EAGAIN || e == EWOULDBLOCK)
        return "no progress in " SYSLOG_STRING(SYSLOG_TIMEOUT_S) " s";
    return strerror(e);
}

static enum outlet_result syslog_connect_inet(struct sink_syslog *s, char *err, size_t err_len)
{
    bool is_tcp = s->scheme == SYSLOG_TCP;
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = is_tcp ? SOCK_STREAM : SOCK_DGRAM,
        .ai_protocol = is_tcp ? IPPROTO_TCP : IPPROTO_UDP,
        .ai_flags = AI_NUMERICSERV,
    };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(s->host, s->port, &hints, &res);
    if (rc != 0) {
        syslog_fail(err, err_len, "syslog %s: cannot resolve %s: %s", s->label, s->host,
                    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return OUTLET_RETRY;
    }
    int last_errno = EADDRNOTAVAIL; /* if no address was given at all */
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = syslog_open(ai->ai_family, ai->ai_socktype, ai->ai_protocol, ai->ai_addr,
                             ai->ai_addrlen);
        if (fd >= 0) {
            s->fd = fd;
            s->is_stream = is_tcp;
            s->dgram_cap_len =
                ai->ai_family == AF_INET6 ? SYSLOG_UDP6_CAP_LEN : SYSLOG_UDP4_CAP_LEN;
            break;
        }
        last_errno = errno;
    }
    freeaddrinfo(res);
    if (s->fd < 0) {
        syslog_fail(err, err_len, "syslog %s: connect: %s", s->label, strerror(last_errno));
        return OUTLET_RETRY;
    }
    return OUTLET_OK;
}

static enum outlet_result syslog_connect_unix(struct sink_syslog *s, char *err, size_t err_len)
{
    const struct sockaddr *addr = (const struct sockaddr *)&s->unix_addr;
    socklen_t addr_len = sizeof(s->unix_addr);
    s->is_stream = false;
    s->fd = syslog_open(AF_UNIX, SOCK_DGRAM, 0, addr, addr_len);
    if (s->fd < 0 && errno == EPROTOTYPE) { /* the path is a stream socket */
        s->is_stream = true;
        s->fd = syslog_open(AF_UNIX, SOCK_STREAM, 0, addr, addr_len);
    }
    if (s->fd < 0) {
        syslog_fail(err, err_len, "syslog %s: connect: %s", s->label, strerror(errno));
        return OUTLET_RETRY;
    }
    /* The kernel knows the limit (the socket's buffer) and says EMSGSIZE. */
    s->dgram_cap_len = SIZE_MAX;
    return OUTLET_OK;
}

static enum outlet_result syslog_connect(void *ctx, char *err, size_t err_len)
{
    struct sink_syslog *s = ctx;
    syslog_disconnect(s);
    if (s->scheme == SYSLOG_UNIX)
        return syslog_connect_unix(s, err, err_len);
    return syslog_connect_inet(s, err, err_len);
}

/* ---- Sending ------------------------------------------------------- */

static bool syslog_reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t new_cap = *cap * 2 > need ? *cap * 2 : need;
    char *p = realloc(*buf, new_cap);
    if (p == NULL)
        return false;
    *buf = p;
    *cap = new_cap;
    return true;
}

/* Formats r into s->msg; false if memory is short. */
static bool syslog_render(struct sink_syslog *s, const struct outlet_record *r, size_t *len)
{
    *len = sink_syslog_format(s, r, s->msg, s->msg_cap);
    if (*len < s->msg_cap)
        return true;
    if (!syslog_reserve(&s->msg, &s->msg_cap, *len + 1))
        return false;
    *len = sink_syslog_format(s, r, s->msg, s->msg_cap);
    return true;
}

static enum outlet_result syslog_send_datagrams(struct sink_syslog *s,
                                                struct outlet_record *const *recs, size_t n,
                                                size_t *confirmed, char *err, size_t err_len)
{
    for (size_t i = 0; i < n; i++) {
        size_t len;
        if (!syslog_render(s, recs[i], &len)) {
            syslog_fail(err, err_len, "syslog %s: out of memory", s->label);
            return OUTLET_RETRY;
        }
        if (len > s->dgram_cap_len) {
            syslog_fail(err, err_len, "syslog %s: a message of %zu bytes; a datagram holds %zu",
                        s->label, len, s->dgram_cap_len);
            return OUTLET_UNSENDABLE;
        }
        ssize_t sent;
        do
            sent = send(s->fd, s->msg, len, MSG_NOSIGNAL);
        while (sent < 0 && errno == EINTR);
        if (sent < 0 && errno == EMSGSIZE) {
            syslog_fail(err, err_len, "syslog %s: a message of %zu bytes is too long to send",
                        s->label, len);
            return OUTLET_UNSENDABLE;
        }
        /* ECONNREFUSED here is the ICMP port unreachable that an earlier
         * datagram met: this one was not sent. */
        if (sent < 0) {
            syslog_fail(err, err_len, "syslog %s: send: %s", s->label, syslog_strerror(errno));
            return OUTLET_RETRY;
        }
        if ((size_t)sent != len) {
            syslog_fail(err, err_len, "syslog %s: send: %zd of %zu bytes", s->label, sent, len);
            return OUTLET_RETRY;
        }
        *confirmed = i + 1;
    }
    return OUTLET_OK;
}

/* A syslog server never writes on the stream (RFC 6587 has no replies),
 * so a readable socket is one the server closed or reset. Checked before
 * each batch: TCP takes the first writes after the server's FIN without
 * complaint, and records confirmed then would be lost. */
static bool syslog_stream_is_open(struct sink_syslog *s, char *err, size_t err_len)
{
    char discard[512];
    for (int tries = 0; tries < 16; tries++) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int rc = poll(&p, 1, 0);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return true; /* quiet; a failed poll is left for send to find */
        ssize_t got = recv(s->fd, discard, sizeof(discard), MSG_DONTWAIT);
        if (got > 0 || (got < 0 && errno == EINTR))
            continue; /* whatever the server said, dropped */
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (got == 0)
            syslog_fail(err, err_len, "syslog %s: the server closed the connection", s->label);
        else
            syslog_fail(err, err_len, "syslog %s: %s", s->label, strerror(errno));
        return false;
    }
    return true; /* a talkative server, but an open one */
}

/* All of bytes, across short writes and signals; false with errno set.
 * *written: what went, even on failure. */
static bool syslog_write_all(int fd, const char *bytes, size_t len, size_t *written)
{
    *written = 0;
    while (*written < len) {
        ssize_t n = send(fd, bytes + *written, len - *written, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        *written += (size_t)n;
    }
    return true;
}

/* RFC 6587 3.4.1: octet counting, "MSG-LEN SP SYSLOG-MSG", records
 * gathered into one write each chunk. */
static enum outlet_result syslog_send_stream(struct sink_syslog *s,
                                             struct outlet_record *const *recs, size_t n,
                                             size_t *confirmed, char *err, size_t err_len)
{
    if (!syslog_stream_is_open(s, err, err_len))
        return OUTLET_RETRY;
    size_t i = 0;
    while (i < n) {
        size_t ends[SYSLOG_CHUNK_RECORD_CAP]; /* each record's end in the chunk */
        size_t count = 0;
        size_t chunk_len = 0;
        while (i < n && count < SYSLOG_CHUNK_RECORD_CAP &&
               (count == 0 || chunk_len < SYSLOG_CHUNK_LEN)) {
            size_t len;
            char prefix[24];
            if (!syslog_render(s, recs[i], &len) ||
                !syslog_reserve(&s->chunk, &s->chunk_cap, chunk_len + sizeof(prefix) + len)) {
                syslog_fail(err, err_len, "syslog %s: out of memory", s->label);
                return OUTLET_RETRY;
            }
            int prefix_len = snprintf(prefix, sizeof(prefix), "%zu ", len);
            memcpy(s->chunk + chunk_len, prefix, (size_t)prefix_len);
            memcpy(s->chunk + chunk_len + (size_t)prefix_len, s->msg, len);
            chunk_len += (size_t)prefix_len + len;
            ends[count++] = chunk_len;
            i++;
        }
        size_t written;
        if (!syslog_write_all(s->fd, s->chunk, chunk_len, &written)) {
            syslog_fail(err, err_len, "syslog %s: send: %s", s->label, syslog_strerror(errno));
            for (size_t k = 0; k < count && ends[k] <= written; k++)
                (*confirmed)++;
            return OUTLET_RETRY;
        }
        *confirmed += count;
    }
    return OUTLET_OK;
}

static enum outlet_result syslog_send(void *ctx, struct outlet_record *const *recs, size_t n,
                                      size_t *confirmed, char *err, size_t err_len)
{
    struct sink_syslog *s = ctx;
    *confirmed = 0;
    if (s->fd < 0) {
        syslog_fail(err, err_len, "syslog %s: not connected", s->label);
        return OUTLET_RETRY;
    }
    if (s->is_stream)
        return syslog_send_stream(s, recs, n, confirmed, err, err_len);
    return syslog_send_datagrams(s, recs, n, confirmed, err, err_len);
}

static void syslog_destroy(void *ctx)
{
    struct sink_syslog *s = ctx;
    if (s == NULL)
        return;
    syslog_disconnect(s);
    free(s->msg);
    free(s->chunk);
    free(s);
}

#endif /* POSIX */

const struct outlet_transport *sink_syslog_transport(void)
{
    static const struct outlet_transport transport = {
        .name = "syslog",
        .connect = syslog_connect,
        .send = syslog_send,
        .disconnect = syslog_disconnect,
        .destroy = syslog_destroy,
    };
    return &transport;
}
