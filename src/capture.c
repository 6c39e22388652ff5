/*
 * Packet input through libpcap, the only libpcap user: files, or one live
 * interface.
 *
 * Inputs are read strictly in the order given and form one stream: the
 * packet limit (-c) and the -w file span all of them, and the analyzer sees
 * one sequence of packets. Every input gets its own link type and its own
 * compiled copy of the filter, since BPF code depends on the link type.
 * Files are opened asking libpcap for microsecond timestamps, so nanosecond
 * pcap files are scaled by libpcap and the rest of the program sees one
 * resolution.
 *
 * Invariants: at most one input is open at a time (mappings outlive their
 * input); nothing is allocated per packet; the -w file, once open, has the
 * first input's link type.
 *
 * Classic pcap files on the link types tcpverdict decodes are read in
 * place (reader_pcap.c) once libpcap has checked their header: their packets
 * reach the callback as pointers into the mapped file, marked stable, and
 * the mappings stay until capture_destroy(), so a packet handed on may be
 * read after the callback returns (standard input too, when it is
 * redirected from such a file). The filter then runs here, with libpcap's
 * own interpreter. Other inputs (pcapng, pipes) are read through libpcap,
 * whose buffer is valid only until the next call.
 *
 * Reading is split into "open an input" and "drain an input". A live
 * interface is one more kind of input, opened before the run (so that the
 * caller can drop privileges in between) and drained without blocking:
 * this module waits in poll() itself, at most CAPTURE_WAKE_MS at a time, so
 * that a stop request or periodic work is never held up by a quiet line.
 * Interface timestamps are asked for in nanoseconds and scaled here.
 */
#include <errno.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "reader_pcap.h"
#include "banned.h"

/* The -w header's snap length. Not the first input's: a later input may
 * have a larger one, and readers reject records longer than the header's. */
#define CAPTURE_DUMP_SNAPLEN CAPTURE_FILE_SNAPLEN
/* Files: the caller's periodic work runs every this many packets. */
#define CAPTURE_FILE_PAUSE_PACKETS 65536

/* One opened input: a file or an interface. */
struct capture_input {
    const char *name;          /* as given; "-" is stdin */
    pcap_t *pcap;              /* owned */
    struct savefile *map;      /* owned by the capture's maps[]: read in place, or NULL */
    struct bpf_program filter; /* owned with has_filter; the mapped reader applies it */
    bool has_filter;
    int64_t stdin_start; /* "-": where the file on stdin was when opened; -1: not a file */
    int linktype;
    bool is_nano; /* timestamps carry nanoseconds */
};

struct capture {
    struct capture_options opt; /* pointers inside are borrowed */
    struct capture_stats stats;
    pcap_t *dump_pcap;         /* owned; a dead handle carrying the -w link type */
    pcap_dumper_t *dumper;     /* owned */
    int dump_errno;            /* first write error on the -w file, 0 if none */
    const char *dump_input;    /* borrowed: the input that fixed the link type */
    struct capture_input live; /* the interface, once capture_open() opened it */
    struct savefile **maps;    /* owned: mapped inputs, kept until the end */
    size_t map_count;
    volatile sig_atomic_t is_stop_requested;
};

static const char *capture_input_label(const char *name)
{
    return strcmp(name, "-") == 0 ? "standard input" : name;
}

static const char *capture_linktype_label(int linktype)
{
    const char *name = pcap_datalink_val_to_name(linktype);
    return name != NULL ? name : "unknown";
}

struct capture *capture_create(const struct capture_options *opt)
{
    struct capture *cap = calloc(1, sizeof(*cap));
    if (cap == NULL)
        return NULL;
    cap->opt = *opt;
    if (opt->input_count > 0) {
        cap->maps = calloc(opt->input_count, sizeof(*cap->maps));
        if (cap->maps == NULL) {
            free(cap);
            return NULL;
        }
    }
    return cap;
}

static void capture_close_input(struct capture_input *in);

void capture_destroy(struct capture *cap)
{
    if (cap == NULL)
        return;
    capture_close_input(&cap->live);
    if (cap->dumper != NULL)
        pcap_dump_close(cap->dumper);
    if (cap->dump_pcap != NULL)
        pcap_close(cap->dump_pcap);
    for (size_t i = 0; i < cap->map_count; i++)
        savefile_close(cap->maps[i]);
    free(cap->maps);
    free(cap);
}

const struct capture_stats *capture_stats(const struct capture *cap)
{
    return &cap->stats;
}

const char *capture_lib_version(void)
{
    return pcap_lib_version();
}

static enum capture_status capture_open_file(const char *name, struct capture_input *in)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    /* Standard input redirected from a file can be mapped like a named
     * file, from where libpcap starts reading it (a pipe cannot seek). */
    in->stdin_start = strcmp(name, "-") == 0 ? (int64_t)lseek(STDIN_FILENO, 0, SEEK_CUR) : -1;
    /* "-" makes libpcap read stdin, as tcpdump -r - does. */
    in->pcap = pcap_open_offline_with_tstamp_precision(name, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (in->pcap == NULL) {
        /* libpcap names the file in some messages (fopen failed) only. */
        if (strncmp(errbuf, name, strlen(name)) == 0 && strcmp(name, "-") != 0)
            log_error("%s", errbuf);
        else
            log_error("%s: %s", capture_input_label(name), errbuf);
        return CAPTURE_ERR_OPEN;
    }
    in->name = name;
    in->linktype = pcap_datalink(in->pcap);
    return CAPTURE_OK;
}

/* Link types whose records libpcap hands out exactly as stored (it alters
 * some others, such as USB and NFLOG headers of swapped files), and that
 * tcpverdict decodes. */
static bool capture_is_mappable_linktype(int linktype)
{
    switch (linktype) {
    case DLT_NULL:
    case DLT_EN10MB:
    case DLT_RAW:
    case DLT_LOOP:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    default:
        return false;
    }
}

/* Switches a pcap 2.4 file to reading in place when it can be; otherwise
 * libpcap goes on reading it. */
static void capture_try_map(struct capture *cap, struct capture_input *in)
{
    bool is_stdin = strcmp(in->name, "-") == 0;
    if ((is_stdin && in->stdin_start < 0) || !capture_is_mappable_linktype(in->linktype) ||
        pcap_major_version(in->pcap) != 2 || pcap_minor_version(in->pcap) != 4 ||
        cap->map_count == cap->opt.input_count)
        return;
    int snapshot = pcap_snapshot(in->pcap);
    if (snapshot <= 0)
        return;
    in->map = is_stdin
                  ? savefile_open_fd(STDIN_FILENO, (uint64_t)in->stdin_start, (uint32_t)snapshot)
                  : savefile_open(in->name, (uint32_t)snapshot);
    if (in->map != NULL)
        cap->maps[cap->map_count++] = in->map;
}

static void capture_close_input(struct capture_input *in)
{
    if (in->pcap != NULL)
        pcap_close(in->pcap);
    in->pcap = NULL;
    if (in->has_filter)
        pcap_freecode(&in->filter);
    in->has_filter = false;
    in->map = NULL; /* the mapping stays: packets handed on may still be read */
}

static enum capture_status capture_apply_filter(const struct capture *cap, struct capture_input *in)
{
    if (cap->opt.filter == NULL)
        return CAPTURE_OK;

    /* Only "ip broadcast" needs a netmask. Offline there is no interface
     * to take one from, and an interface may have no IPv4 address; then
     * libpcap reports that case itself. */
    bpf_u_int32 netmask = PCAP_NETMASK_UNKNOWN;
    if (in == &cap->live) {
        char errbuf[PCAP_ERRBUF_SIZE] = "";
        bpf_u_int32 net = 0;
        if (pcap_lookupnet(in->name, &net, &netmask, errbuf) != 0)
            netmask = PCAP_NETMASK_UNKNOWN;
    }
    if (pcap_compile(in->pcap, &in->filter, cap->opt.filter, 1, netmask) != 0) {
        log_error("filter expression '%s': %s", cap->opt.filter, pcap_geterr(in->pcap));
        return CAPTURE_ERR_FILTER;
    }
    in->has_filter = true;
    if (pcap_setfilter(in->pcap, &in->filter) != 0) {
        log_error("filter expression '%s': %s", cap->opt.filter, pcap_geterr(in->pcap));
        return CAPTURE_ERR_FILTER;
    }
    return CAPTURE_OK;
}

/* The -w file takes the first input's link type; a pcap file holds one. */
static enum capture_status capture_prepare_dump(struct capture *cap, const struct capture_input *in)
{
    if (cap->opt.write_path == NULL)
        return CAPTURE_OK;

    if (cap->dumper != NULL) {
        int dump_linktype = pcap_datalink(cap->dump_pcap);
        if (in->linktype == dump_linktype)
            return CAPTURE_OK;
        log_error("%s: link type %s differs from %s of %s; -w %s can hold only one",
                  capture_input_label(in->name), capture_linktype_label(in->linktype),
                  capture_linktype_label(dump_linktype), capture_input_label(cap->dump_input),
                  cap->opt.write_path);
        return CAPTURE_ERR_LINKTYPE;
    }

    cap->dump_pcap = pcap_open_dead_with_tstamp_precision(in->linktype, CAPTURE_DUMP_SNAPLEN,
                                                          PCAP_TSTAMP_PRECISION_MICRO);
    if (cap->dump_pcap == NULL)
        return CAPTURE_ERR_NOMEM;
    cap->dumper = pcap_dump_open(cap->dump_pcap, cap->opt.write_path);
    if (cap->dumper == NULL) {
        log_error("%s", pcap_geterr(cap->dump_pcap));
        return CAPTURE_ERR_WRITE;
    }
    cap->dump_input = in->name;
    return CAPTURE_OK;
}

static bool capture_limit_reached(const struct capture *cap)
{
    return cap->opt.packet_cap != 0 && cap->stats.packets >= cap->opt.packet_cap;
}

/* Copies a packet to the -w file. pcap_dump() reports nothing, so the
 * stream's error flag is read after each write: errno still says why, and
 * the copy stops at the first failure while the analysis goes on. */
static void capture_dump(struct capture *cap, const struct pcap_pkthdr *hdr, const u_char *data)
{
    errno = 0;
    pcap_dump((u_char *)cap->dumper, hdr, data);
    if (ferror(pcap_dump_file(cap->dumper)))
        cap->dump_errno = errno != 0 ? errno : EIO;
}

/* One packet of a file to the -w copy and the callback; packet carries
 * what stays the same for the whole input. */
static void capture_deliver(struct capture *cap, const struct pcap_pkthdr *hdr, const u_char *data,
                            struct tv_packet *packet, capture_packet_fn on_packet,
                            capture_pause_fn on_pause, void *ctx)
{
    packet->ts_us = (int64_t)hdr->ts.tv_sec * 1000000 + (int64_t)hdr->ts.tv_usec;
    packet->data = data;
    packet->caplen = hdr->caplen;
    packet->wirelen = hdr->len;
    cap->stats.packets++;
    if (cap->dumper != NULL && cap->dump_errno == 0)
        capture_dump(cap, hdr, data);
    on_packet(packet, ctx);
    if (cap->stats.packets % CAPTURE_FILE_PAUSE_PACKETS == 0)
        on_pause(ctx);
}

/* Hands on every packet of one input until it ends, fails or the limit is
 * reached. A read error is not fatal: a capture cut short (a disk full, a
 * copy interrupted) still has useful packets before the cut. */
static void capture_drain(struct capture *cap, const struct capture_input *in,
                          capture_packet_fn on_packet, capture_pause_fn on_pause, void *ctx)
{
    struct tv_packet packet = {.linktype = in->linktype};

    while (!capture_limit_reached(cap) && !cap->is_stop_requested) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc = pcap_next_ex(in->pcap, &hdr, &data);
        if (rc == PCAP_ERROR_BREAK)
            return; /* end of file */
        if (rc == 0)
            continue; /* a live read timeout; files never return it */
        if (rc != 1) {
            log_warn("%s: %s; the rest of it is skipped", capture_input_label(in->name),
                     pcap_geterr(in->pcap));
            cap->stats.input_errors++;
            return;
        }

        /* libpcap does not expose pcapng EPB flags through pcap_next_ex. */
        capture_deliver(cap, hdr, data, &packet, on_packet, on_pause, ctx);
    }
}

/* The same for a mapped input: the filter runs here, and the packet bytes
 * stay where they are. */
static void capture_drain_mapped(struct capture *cap, const struct capture_input *in,
                                 capture_packet_fn on_packet, capture_pause_fn on_pause, void *ctx)
{
    struct tv_packet packet = {.linktype = in->linktype, .is_data_stable = true};

    while (!capture_limit_reached(cap) && !cap->is_stop_requested) {
        struct savefile_record rec;
        enum savefile_status status = savefile_next(in->map, &rec);
        if (status == SAVEFILE_END)
            return;
        if (status != SAVEFILE_PACKET) {
            log_warn("%s: %s; the rest of it is skipped", capture_input_label(in->name),
                     savefile_error(in->map));
            cap->stats.input_errors++;
            return;
        }
        struct pcap_pkthdr hdr = {.caplen = rec.caplen, .len = rec.wirelen};
        hdr.ts.tv_sec = (time_t)rec.ts_sec;
        hdr.ts.tv_usec = rec.ts_usec;
        if (in->has_filter && pcap_offline_filter(&in->filter, &hdr, rec.data) == 0)
            continue;
        capture_deliver(cap, &hdr, rec.data, &packet, on_packet, on_pause, ctx);
    }
}

/* The state pcap_dispatch() hands to its callback. */
struct capture_dispatch {
    struct capture *cap;
    const struct capture_input *in;
    capture_packet_fn on_packet;
    void *ctx;
};

static void capture_on_live_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
    struct capture_dispatch *d = (struct capture_dispatch *)(void *)user;
    struct capture *cap = d->cap;
    /* ts.tv_usec holds nanoseconds when the handle was set to them. */
    int64_t frac_us = d->in->is_nano ? hdr->ts.tv_usec / 1000 : hdr->ts.tv_usec;
    struct tv_packet packet = {
        .linktype = d->in->linktype,
        .ts_us = (int64_t)hdr->ts.tv_sec * 1000000 + frac_us,
        .data = data,
        .caplen = hdr->caplen,
        .wirelen = hdr->len,
    };
    cap->stats.packets++;
    if (cap->dumper != NULL && cap->dump_errno == 0)
        capture_dump(cap, hdr, data);
    d->on_packet(&packet, d->ctx);
}

/* Live: hands on packets until stopped, the limit, or a read error. */
static enum capture_status capture_drain_live(struct capture *cap, capture_packet_fn on_packet,
                                              capture_pause_fn on_pause, void *ctx)
{
    struct capture_input *in = &cap->live;
    struct capture_dispatch d = {.cap = cap, .in = in, .on_packet = on_packet, .ctx = ctx};
    struct pollfd pfd = {.fd = pcap_get_selectable_fd(in->pcap), .events = POLLIN};

    while (!capture_limit_reached(cap) && !cap->is_stop_requested) {
        int want = -1;
        if (cap->opt.packet_cap != 0) {
            uint64_t left = cap->opt.packet_cap - cap->stats.packets;
            want = left > INT_MAX ? INT_MAX : (int)left;
        }
        int n = pcap_dispatch(in->pcap, want, capture_on_live_packet, (u_char *)&d);
        if (n == PCAP_ERROR_BREAK)
            break;
        if (n < 0) {
            log_error("%s: %s", in->name, pcap_geterr(in->pcap));
            return CAPTURE_ERR_LIVE;
        }
        on_pause(ctx);
        if (n > 0)
            continue;
        /* Nothing waiting: sleep until something is, a signal, or the
         * next wake-up. An interrupted poll just goes round again. */
        if (poll(&pfd, 1, CAPTURE_WAKE_MS) < 0 && errno != EINTR) {
            log_error("%s: %s", in->name, strerror(errno));
            return CAPTURE_ERR_LIVE;
        }
    }
    return CAPTURE_OK;
}

static enum capture_status capture_finish_dump(struct capture *cap)
{
    if (cap->dumper == NULL)
        return CAPTURE_OK;
    errno = 0;
    if (cap->dump_errno == 0 &&
        (pcap_dump_flush(cap->dumper) != 0 || ferror(pcap_dump_file(cap->dumper))))
        cap->dump_errno = errno != 0 ? errno : EIO;
    if (cap->dump_errno == 0)
        return CAPTURE_OK;
    log_error("%s: %s", cap->opt.write_path, strerror(cap->dump_errno));
    return CAPTURE_ERR_WRITE;
}

/* pcap_activate()'s errors in words a user can act on. */
static void capture_report_activate(const struct capture_input *in, int rc)
{
    const char *detail = pcap_geterr(in->pcap);
    switch (rc) {
    case PCAP_ERROR_PERM_DENIED:
        log_error("%s: no permission to capture (run as root or with CAP_NET_RAW): %s", in->name,
                  detail);
        break;
    case PCAP_ERROR_NO_SUCH_DEVICE:
        log_error("%s: no such interface (try -D): %s", in->name, detail);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        log_error("%s: the interface is not up", in->name);
        break;
    default:
        log_error("%s: %s: %s", in->name, pcap_statustostr(rc), detail);
        break;
    }
}

static enum capture_status capture_activate(struct capture *cap, struct capture_input *in)
{
    pcap_t *p = in->pcap;
    uint32_t buffer_kib = cap->opt.buffer_kib != 0 ? cap->opt.buffer_kib : CAPTURE_LIVE_BUFFER_KIB;
    /* Immediate mode: verdicts should not wait for a kernel buffer to fill
     * on a quiet line. */
    if (pcap_set_snaplen(p, (int)cap->opt.snaplen) != 0 ||
        pcap_set_promisc(p, cap->opt.promiscuous ? 1 : 0) != 0 ||
        pcap_set_immediate_mode(p, 1) != 0 || pcap_set_timeout(p, CAPTURE_WAKE_MS) != 0 ||
        pcap_set_buffer_size(p, (int)(buffer_kib * 1024)) != 0) {
        log_error("%s: cannot set capture options", in->name);
        return CAPTURE_ERR_LIVE;
    }
    /* Nanoseconds where the platform has them; microseconds otherwise. */
    in->is_nano = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;

    int rc = pcap_activate(p);
    if (rc < 0) {
        capture_report_activate(in, rc);
        return CAPTURE_ERR_LIVE;
    }
    if (rc > 0)
        log_warn("%s: %s: %s", in->name, pcap_statustostr(rc), pcap_geterr(p));
    in->is_nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    in->linktype = pcap_datalink(p);
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    if (pcap_setnonblock(p, 1, errbuf) != 0) {
        log_error("%s: %s", in->name, errbuf);
        return CAPTURE_ERR_LIVE;
    }
    return CAPTURE_OK;
}

enum capture_status capture_open(struct capture *cap)
{
    if (cap->opt.interface == NULL || cap->live.pcap != NULL)
        return CAPTURE_OK;
    struct capture_input *in = &cap->live;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    in->name = cap->opt.interface;
    in->pcap = pcap_create(in->name, errbuf);
    if (in->pcap == NULL) {
        log_error("%s: %s", in->name, errbuf);
        return CAPTURE_ERR_LIVE;
    }
    enum capture_status status = capture_activate(cap, in);
    if (status == CAPTURE_OK)
        status = capture_apply_filter(cap, in);
    if (status != CAPTURE_OK) {
        capture_close_input(in);
        return status;
    }
    cap->stats.inputs_read = 1;
    cap->stats.has_kernel_drops = true;
    /* As tcpdump says it: a user (or a script) knows the capture is on. */
    log_info("listening on %s, link-type %s, snapshot length %d bytes", in->name,
             capture_linktype_label(in->linktype), pcap_snapshot(in->pcap));
    return CAPTURE_OK;
}

uint32_t capture_max_caplen(const struct capture *cap)
{
    if (cap->live.pcap == NULL)
        return CAPTURE_FILE_SNAPLEN;
    /* The kernel may have raised or lowered what was asked for. */
    int snaplen = pcap_snapshot(cap->live.pcap);
    return snaplen > 0 ? (uint32_t)snaplen : cap->opt.snaplen;
}

void capture_stop(struct capture *cap)
{
    cap->is_stop_requested = 1;
    /* Also ends a pcap_dispatch() under way; libpcap allows the call from
     * a signal handler. */
    if (cap->live.pcap != NULL)
        pcap_breakloop(cap->live.pcap);
}

void capture_update_stats(struct capture *cap)
{
    struct pcap_stat ps;
    if (cap->live.pcap == NULL || pcap_stats(cap->live.pcap, &ps) != 0)
        return;
    cap->stats.kernel_drops = ps.ps_drop;
    cap->stats.if_drops = ps.ps_ifdrop;
}

enum capture_status capture_list_interfaces(FILE *out)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, errbuf) != 0) {
        log_error("cannot list interfaces: %s", errbuf);
        return CAPTURE_ERR_LIVE;
    }
    unsigned n = 0;
    for (const pcap_if_t *d = all; d != NULL; d = d->next) {
        fprintf(out, "%u.%s", ++n, d->name);
        if (d->description != NULL)
            fprintf(out, " (%s)", d->description);
        if (d->flags & PCAP_IF_LOOPBACK)
            fprintf(out, " [Loopback]");
        else if (d->flags & PCAP_IF_UP)
            fprintf(out, " [%s]", (d->flags & PCAP_IF_RUNNING) ? "Up, Running" : "Up");
        fprintf(out, "\n");
    }
    pcap_freealldevs(all);
    if (n == 0) {
        log_error("no interface to capture on (is this user allowed to capture?)");
        return CAPTURE_ERR_LIVE;
    }
    return CAPTURE_OK;
}

static enum capture_status capture_run_live(struct capture *cap, capture_packet_fn on_packet,
                                            capture_pause_fn on_pause, void *ctx)
{
    if (cap->live.pcap == NULL) {
        enum capture_status status = capture_open(cap);
        if (status != CAPTURE_OK)
            return status;
    }
    enum capture_status status = capture_prepare_dump(cap, &cap->live);
    if (status == CAPTURE_OK)
        status = capture_drain_live(cap, on_packet, on_pause, ctx);
    capture_update_stats(cap);
    enum capture_status dump_status = capture_finish_dump(cap);
    return status != CAPTURE_OK ? status : dump_status;
}

enum capture_status capture_run(struct capture *cap, capture_packet_fn on_packet,
                                capture_pause_fn on_pause, void *ctx)
{
    if (cap->opt.interface != NULL)
        return capture_run_live(cap, on_packet, on_pause, ctx);

    enum capture_status status = CAPTURE_OK;
    for (size_t i = 0;
         i < cap->opt.input_count && !capture_limit_reached(cap) && !cap->is_stop_requested; i++) {
        struct capture_input in = {0};
        status = capture_open_file(cap->opt.inputs[i], &in);
        if (status == CAPTURE_OK)
            status = capture_apply_filter(cap, &in);
        if (status == CAPTURE_OK)
            status = capture_prepare_dump(cap, &in);
        if (status == CAPTURE_OK) {
            cap->stats.inputs_read++;
            capture_try_map(cap, &in);
            if (in.map != NULL)
                capture_drain_mapped(cap, &in, on_packet, on_pause, ctx);
            else
                capture_drain(cap, &in, on_packet, on_pause, ctx);
        }
        capture_close_input(&in);
        if (status != CAPTURE_OK)
            break;
    }

    enum capture_status dump_status = capture_finish_dump(cap);
    return status != CAPTURE_OK ? status : dump_status;
}
