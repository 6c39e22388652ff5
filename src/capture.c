/*
 * Packet input: files through tcpverdict's readers, or one live interface
 * through libpcap, the only libpcap user (live capture, filters, -w).
 *
 * Inputs are read strictly in the order given and form one stream: the
 * packet limit (-c) and the -w file span all of them, and the analyzer sees
 * one sequence of packets. Within an input, packets may come with
 * different link types (pcapng has one per interface): the filter is
 * compiled once per link type (pcap_open_dead, pcap_compile) and run per
 * packet with pcap_offline_filter, the program chosen by the packet's link
 * type. Times come from the readers in microseconds.
 *
 * Invariants: at most one input is open at a time; mapped inputs stay
 * mapped until capture_destroy(), so that packets handed on by reference
 * (is_data_stable) may be read after the callback returns; nothing is
 * allocated per packet; the -w file, once open, has the link type of the
 * first packet written to it.
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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "input.h"
#include "log.h"
#include "pcap_writer.h"
#include "platform.h"
#include "reader.h"
#include "reader_netmon.h"
#include "banned.h"

/* The -w header's snap length. Not the first input's: a later input may
 * have a larger one, and readers reject records longer than the header's. */
#define CAPTURE_DUMP_SNAPLEN CAPTURE_FILE_SNAPLEN
/* Files: the caller's periodic work runs every this many packets. */
#define CAPTURE_FILE_PAUSE_PACKETS 65536
/* The -w file of a run that wrote no packet, and no input said a link
 * type: Ethernet, as tcpdump -w would. */
#define CAPTURE_DLT_EN10MB 1

/* The live interface, once capture_open() opened it. */
struct capture_input {
    const char *name;          /* borrowed */
    pcap_t *pcap;              /* owned */
    struct bpf_program filter; /* owned with has_filter */
    bool has_filter;
    int linktype;
    bool is_nano; /* timestamps carry nanoseconds */
};

/* The filter as compiled for one link type. */
struct capture_filter {
    int linktype;
    bool is_usable;          /* false: it does not compile for this link type */
    struct bpf_program prog; /* owned with is_usable */
};

/* One file being read. */
struct capture_file {
    const char *name; /* borrowed: as given, "-" is stdin */
    struct input *in; /* owned until kept or closed */
    struct reader *reader;
    bool has_warned_unreadable;
};

struct capture {
    struct capture_options opt; /* pointers inside are borrowed */
    struct capture_stats stats;
    struct pcap_writer *dumper;     /* owned: the -w file */
    int dump_errno;                 /* first write error on the -w file, 0 if none */
    const char *dump_input;         /* borrowed: the input that fixed the link type */
    int dump_linktype_hint;         /* the first input's declared link type, -1 if none */
    struct capture_input live;      /* the interface, once capture_open() opened it */
    char live_name[512];            /* -i resolved to a device name */
    struct capture_filter *filters; /* owned: one per link type met */
    size_t filter_count;
    size_t filter_cap;
    int last_linktype; /* of the packet before: its filter and counter */
    struct capture_filter *last_filter;
    uint64_t *last_count;
    struct input **kept; /* owned: mapped inputs, kept until the end */
    size_t kept_count;
    size_t kept_cap;
    volatile sig_atomic_t is_stop_requested;
};

static const char *capture_input_label(const char *name)
{
    return strcmp(name, "-") == 0 ? "standard input" : name;
}

/* A live handle's DLT_* value as files number it (LINKTYPE_*): they
 * differ for raw IP only, whose DLT value varies between systems. */
static int capture_file_linktype(int dlt)
{
#ifdef DLT_RAW
    if (dlt == DLT_RAW)
        return 101; /* LINKTYPE_RAW */
#endif
    return dlt;
}

/* libpcap is needed for live capture, filters and -w only: on Windows,
 * files can be read where Npcap is not installed. Says why not, once. */
static bool capture_pcap_ready(void)
{
    static bool is_reported;
    char err[256];
    if (platform_pcap_available(err, sizeof(err)))
        return true;
    if (!is_reported)
        log_error("%s", err);
    is_reported = true;
    return false;
}

/* The same without a message, for names in messages. */
static bool capture_pcap_present(void)
{
    char err[256];
    return platform_pcap_available(err, sizeof(err));
}

/* The link types tcpverdict decodes, named as libpcap names them, so that
 * summaries name them alike where libpcap (Npcap) is not installed. */
static const struct {
    int linktype;
    const char *name;
    const char *description;
} capture_linktypes[] = {
    {0, "NULL", "BSD loopback"},
    {1, "EN10MB", "Ethernet"},
    {9, "PPP", "PPP"},
    {10, "FDDI", "FDDI"},
    {12, "RAW", "Raw IP"},
    {50, "PPP_SERIAL", "PPP over serial"},
    {104, "C_HDLC", "Cisco HDLC"},
    {105, "IEEE802_11", "802.11"},
    {108, "LOOP", "OpenBSD loopback"},
    {113, "LINUX_SLL", "Linux cooked v1"},
    {127, "IEEE802_11_RADIO", "802.11 plus radiotap header"},
    {192, "PPI", "Per-Packet Information"},
    {228, "IPV4", "Raw IPv4"},
    {229, "IPV6", "Raw IPv6"},
    {239, "NFLOG", "Linux netfilter log messages"},
    {276, "LINUX_SLL2", "Linux cooked v2"},
};
#define CAPTURE_LINKTYPES_KNOWN (sizeof(capture_linktypes) / sizeof(capture_linktypes[0]))

static size_t capture_linktype_index(int linktype)
{
    for (size_t i = 0; i < CAPTURE_LINKTYPES_KNOWN; i++)
        if (capture_linktypes[i].linktype == linktype)
            return i;
    return CAPTURE_LINKTYPES_KNOWN;
}

const char *capture_linktype_name(int linktype, char *buf, size_t buf_len)
{
    uint16_t media = 0;
    size_t known = capture_linktype_index(linktype);
    const char *name = NULL;
    if (known < CAPTURE_LINKTYPES_KNOWN)
        name = capture_linktypes[known].name;
    else if (linktype >= 0 && capture_pcap_present())
        name = pcap_datalink_val_to_name(linktype);
    if (name != NULL)
        snprintf(buf, buf_len, "%s", name);
    else if (reader_netmon_is_media_linktype(linktype, &media))
        snprintf(buf, buf_len, "NETMON_MEDIA_0x%04x", media);
    else
        snprintf(buf, buf_len, "LINKTYPE_%d", linktype);
    return buf;
}

const char *capture_linktype_description(int linktype)
{
    size_t known = capture_linktype_index(linktype);
    if (known < CAPTURE_LINKTYPES_KNOWN)
        return capture_linktypes[known].description;
    return linktype >= 0 && capture_pcap_present() ? pcap_datalink_val_to_description(linktype)
                                                   : NULL;
}

/* A link type's name for messages, in one of two buffers per call site. */
#define CAPTURE_NAME_LEN 48

struct capture *capture_create(const struct capture_options *opt)
{
    struct capture *cap = calloc(1, sizeof(*cap));
    if (cap == NULL)
        return NULL;
    cap->opt = *opt;
    cap->dump_linktype_hint = -1;
    return cap;
}

static void capture_close_live(struct capture_input *in);

static void capture_free_filters(struct capture *cap)
{
    for (size_t i = 0; i < cap->filter_count; i++)
        if (cap->filters[i].is_usable)
            pcap_freecode(&cap->filters[i].prog);
    free(cap->filters);
    cap->filters = NULL;
    cap->filter_count = 0;
    cap->filter_cap = 0;
    cap->last_filter = NULL;
}

void capture_destroy(struct capture *cap)
{
    if (cap == NULL)
        return;
    capture_close_live(&cap->live);
    pcap_writer_close(cap->dumper);
    capture_free_filters(cap);
    for (size_t i = 0; i < cap->kept_count; i++)
        input_close(cap->kept[i]);
    free(cap->kept);
    free(cap);
}

const struct capture_stats *capture_stats(const struct capture *cap)
{
    return &cap->stats;
}

const char *capture_lib_version(void)
{
    return capture_pcap_present() ? pcap_lib_version() : "libpcap: not found";
}

static void capture_close_live(struct capture_input *in)
{
    if (in->pcap != NULL)
        pcap_close(in->pcap);
    in->pcap = NULL;
    if (in->has_filter)
        pcap_freecode(&in->filter);
    in->has_filter = false;
}

/* The counter of packets of a link type, taken in the stats table. */
static uint64_t *capture_linktype_counter(struct capture *cap, int linktype)
{
    struct capture_stats *st = &cap->stats;
    for (size_t i = 0; i < st->linktype_count; i++)
        if (st->linktypes[i].linktype == linktype)
            return &st->linktypes[i].packets;
    if (st->linktype_count == CAPTURE_LINKTYPE_CAP)
        return &st->other_linktype_packets;
    st->linktypes[st->linktype_count].linktype = linktype;
    return &st->linktypes[st->linktype_count++].packets;
}

/* Compiles the filter for a link type, once. NULL if memory is short. */
static struct capture_filter *capture_filter_for(struct capture *cap, int linktype,
                                                 const char *input_name,
                                                 enum capture_status *status)
{
    for (size_t i = 0; i < cap->filter_count; i++)
        if (cap->filters[i].linktype == linktype)
            return &cap->filters[i];
    if (cap->filter_count == cap->filter_cap) {
        size_t n = cap->filter_cap == 0 ? 4 : cap->filter_cap * 2;
        struct capture_filter *filters = realloc(cap->filters, n * sizeof(*filters));
        if (filters == NULL) {
            *status = CAPTURE_ERR_NOMEM;
            return NULL;
        }
        cap->filters = filters;
        cap->filter_cap = n;
    }
    struct capture_filter *f = &cap->filters[cap->filter_count];
    memset(f, 0, sizeof(*f));
    f->linktype = linktype;
    /* A dead handle of the link type: all pcap_compile() needs. Only "ip
     * broadcast" needs a netmask, and a file has none to give. */
    if (!capture_pcap_ready()) {
        *status = CAPTURE_ERR_FILTER;
        return NULL;
    }
    pcap_t *dead = pcap_open_dead(linktype, CAPTURE_FILE_SNAPLEN);
    if (dead == NULL) {
        *status = CAPTURE_ERR_NOMEM;
        return NULL;
    }
    f->is_usable = pcap_compile(dead, &f->prog, cap->opt.filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
    char name[CAPTURE_NAME_LEN];
    capture_linktype_name(linktype, name, sizeof(name));
    if (!f->is_usable && cap->filter_count == 0) {
        /* The first link type: the expression itself is most likely wrong. */
        log_error("filter expression '%s': %s", cap->opt.filter, pcap_geterr(dead));
        pcap_close(dead);
        *status = CAPTURE_ERR_FILTER;
        return NULL;
    }
    if (!f->is_usable)
        log_warn("%s: filter expression '%s' does not apply to link type %s (%s): its packets "
                 "are left out",
                 capture_input_label(input_name), cap->opt.filter, name, pcap_geterr(dead));
    pcap_close(dead);
    cap->filter_count++;
    return f;
}

/* The -w file takes the first packet's link type; a pcap file holds one. */
static enum capture_status capture_prepare_dump(struct capture *cap, int linktype,
                                                const char *input_name, uint64_t offset)
{
    if (cap->dumper != NULL) {
        int dump_linktype = pcap_writer_linktype(cap->dumper);
        if (linktype == dump_linktype)
            return CAPTURE_OK;
        char name[CAPTURE_NAME_LEN];
        char dump_name[CAPTURE_NAME_LEN];
        log_error("%s: a packet of link type %s (at byte %llu) follows packets of %s from %s; "
                  "-w %s writes a pcap file, which holds one link type: write one interface at "
                  "a time (tshark -Y 'frame.interface_id == N' selects one)",
                  capture_input_label(input_name),
                  capture_linktype_name(linktype, name, sizeof(name)), (unsigned long long)offset,
                  capture_linktype_name(dump_linktype, dump_name, sizeof(dump_name)),
                  capture_input_label(cap->dump_input), cap->opt.write_path);
        return CAPTURE_ERR_LINKTYPE;
    }

    cap->dumper = pcap_writer_open(cap->opt.write_path, linktype, CAPTURE_DUMP_SNAPLEN);
    if (cap->dumper == NULL) {
        log_error("%s: %s", cap->opt.write_path, strerror(errno));
        return CAPTURE_ERR_WRITE;
    }
    cap->dump_input = input_name;
    return CAPTURE_OK;
}

static bool capture_limit_reached(const struct capture *cap)
{
    return cap->opt.packet_cap != 0 && cap->stats.packets >= cap->opt.packet_cap;
}

/* Copies a packet to the -w file. pcap_dump() reports nothing, so the
 * stream's error flag is read after each write: errno still says why, and
 * the copy stops at the first failure while the analysis goes on. */
static void capture_dump(struct capture *cap, int64_t ts_us, const uint8_t *data, uint32_t caplen,
                         uint32_t wirelen)
{
    if (!pcap_writer_packet(cap->dumper, ts_us, data, caplen, wirelen))
        cap->dump_errno = errno != 0 ? errno : EIO;
}

/* A packet time as libpcap's header has it: whole seconds and a
 * non-negative fraction. */
static void capture_set_time(struct pcap_pkthdr *hdr, int64_t ts_us)
{
    int64_t sec = ts_us / 1000000;
    int64_t usec = ts_us % 1000000;
    if (usec < 0) {
        usec += 1000000;
        sec--;
    }
    hdr->ts.tv_sec = (time_t)sec;
    hdr->ts.tv_usec = (suseconds_t)usec;
}

/* A new link type within the files: its filter, its counter, and whether
 * the -w file can take it. */
static enum capture_status capture_switch_linktype(struct capture *cap, int linktype,
                                                   const char *input_name)
{
    enum capture_status status = CAPTURE_OK;
    cap->last_filter = NULL;
    if (cap->opt.filter != NULL) {
        cap->last_filter = capture_filter_for(cap, linktype, input_name, &status);
        if (cap->last_filter == NULL)
            return status;
    }
    cap->last_linktype = linktype;
    cap->last_count = capture_linktype_counter(cap, linktype);
    return CAPTURE_OK;
}

/* One packet of a file: the filter, the -w copy and the callback. */
static enum capture_status capture_deliver(struct capture *cap, struct capture_file *file,
                                           const struct reader_packet *rp,
                                           capture_packet_fn on_packet, capture_pause_fn on_pause,
                                           void *ctx)
{
    if (rp->linktype != cap->last_linktype || cap->last_count == NULL) {
        enum capture_status status = capture_switch_linktype(cap, rp->linktype, file->name);
        if (status != CAPTURE_OK)
            return status;
    }
    struct pcap_pkthdr hdr = {.caplen = rp->caplen, .len = rp->wirelen};
    capture_set_time(&hdr, rp->ts_us);
    if (cap->last_filter != NULL &&
        (!cap->last_filter->is_usable ||
         pcap_offline_filter(&cap->last_filter->prog, &hdr, rp->data) == 0))
        return CAPTURE_OK;
    if (cap->opt.write_path != NULL && cap->dump_errno == 0) {
        if (cap->dumper == NULL || rp->linktype != pcap_writer_linktype(cap->dumper)) {
            enum capture_status status =
                capture_prepare_dump(cap, rp->linktype, file->name, rp->offset);
            if (status != CAPTURE_OK)
                return status;
        }
        capture_dump(cap, rp->ts_us, rp->data, rp->caplen, rp->wirelen);
    }
    struct tv_packet packet = {
        .linktype = rp->linktype,
        .ts_us = rp->ts_us,
        .data = rp->data,
        .caplen = rp->caplen,
        .wirelen = rp->wirelen,
        .epb_flags = rp->epb_flags,
        .is_data_stable = rp->is_stable,
    };
    cap->stats.packets++;
    (*cap->last_count)++;
    on_packet(&packet, ctx);
    if (cap->stats.packets % CAPTURE_FILE_PAUSE_PACKETS == 0)
        on_pause(ctx);
    return CAPTURE_OK;
}

/* Where a reader's message is about, as the user can find it. */
static const char *capture_where(const struct capture_file *file)
{
    switch (input_compression(file->in)) {
    case INPUT_GZIP:
        return " of the data gzip-decompressed";
    case INPUT_ZSTD:
        return " of the data zstd-decompressed";
    case INPUT_PLAIN:
        break;
    }
    return "";
}

/* Hands on every packet of one file until it ends, fails or the limit is
 * reached. A damaged record is not fatal: a capture cut short (a disk
 * full, a copy interrupted) still has useful packets before the cut. */
static enum capture_status capture_drain_file(struct capture *cap, struct capture_file *file,
                                              capture_packet_fn on_packet,
                                              capture_pause_fn on_pause, void *ctx)
{
    while (!capture_limit_reached(cap) && !cap->is_stop_requested) {
        struct reader_packet rp;
        enum reader_status rs = reader_next(file->reader, &rp);
        if (rs == READER_PACKET) {
            enum capture_status status = capture_deliver(cap, file, &rp, on_packet, on_pause, ctx);
            if (status != CAPTURE_OK)
                return status;
            continue;
        }
        /* Told to stop while waiting on a pipe: the data ended there. */
        if (rs == READER_END || cap->is_stop_requested)
            break;
        const struct reader_note *note = reader_note(file->reader);
        if (rs == READER_UNREADABLE) {
            cap->stats.unreadable_records++;
            if (!file->has_warned_unreadable)
                log_warn("%s: %s%s; such packets are not analysed (counted as unreadable)",
                         capture_input_label(file->name), note->text, capture_where(file));
            file->has_warned_unreadable = true;
            continue;
        }
        log_warn("%s: %s (at byte %llu%s); the rest of it is skipped",
                 capture_input_label(file->name), note->text, (unsigned long long)note->offset,
                 capture_where(file));
        cap->stats.input_errors++;
        break;
    }
    return CAPTURE_OK;
}

/* Keeps a mapped input open until capture_destroy(): packets handed on by
 * reference point into it. False if memory is short (then it is closed,
 * and reading stops). */
static bool capture_keep(struct capture *cap, struct input *in)
{
    if (cap->kept_count == cap->kept_cap) {
        size_t n = cap->kept_cap == 0 ? 4 : cap->kept_cap * 2;
        struct input **kept = realloc(cap->kept, n * sizeof(*kept));
        if (kept == NULL)
            return false;
        cap->kept = kept;
        cap->kept_cap = n;
    }
    cap->kept[cap->kept_count++] = in;
    return true;
}

static enum capture_status capture_read_file(struct capture *cap, const char *name,
                                             capture_packet_fn on_packet, capture_pause_fn on_pause,
                                             void *ctx)
{
    char err[256] = "";
    struct capture_file file = {.name = name};
    file.in = input_open(name, err, sizeof(err));
    if (file.in == NULL) {
        if (cap->is_stop_requested)
            return CAPTURE_OK; /* a FIFO nobody had opened yet */
        log_error("%s: %s", capture_input_label(name), err);
        return CAPTURE_ERR_OPEN;
    }
    file.reader = reader_open(file.in, err, sizeof(err));
    if (file.reader == NULL) {
        input_close(file.in);
        if (cap->is_stop_requested)
            return CAPTURE_OK; /* stopped before its header came whole */
        log_error("%s: %s", capture_input_label(name), err);
        return CAPTURE_ERR_OPEN;
    }
    struct capture_stats *st = &cap->stats;
    st->inputs_read++;
    st->inputs_by_format[reader_format(file.reader)]++;
    if (input_compression(file.in) == INPUT_GZIP)
        st->inputs_gzip++;
    else if (input_compression(file.in) == INPUT_ZSTD)
        st->inputs_zstd++;
    if (cap->dump_linktype_hint < 0)
        cap->dump_linktype_hint = reader_linktype_hint(file.reader);

    uint64_t packets_before = st->packets;
    enum capture_status status = capture_drain_file(cap, &file, on_packet, on_pause, ctx);
    reader_close(file.reader);
    /* Packets of a stable input were handed on by reference. */
    if (file.in->is_stable && st->packets != packets_before) {
        if (!capture_keep(cap, file.in)) {
            input_close(file.in);
            return CAPTURE_ERR_NOMEM;
        }
    } else {
        input_close(file.in);
    }
    return status;
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
    (*cap->last_count)++;
    if (cap->dumper != NULL && cap->dump_errno == 0)
        capture_dump(cap, packet.ts_us, data, hdr->caplen, hdr->len);
    d->on_packet(&packet, d->ctx);
}

/* Live: hands on packets until stopped, the limit, or a read error. */
static enum capture_status capture_drain_live(struct capture *cap, capture_packet_fn on_packet,
                                              capture_pause_fn on_pause, void *ctx)
{
    struct capture_input *in = &cap->live;
    struct capture_dispatch d = {.cap = cap, .in = in, .on_packet = on_packet, .ctx = ctx};

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
         * next wake-up. */
        if (!platform_pcap_wait(in->pcap, CAPTURE_WAKE_MS)) {
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
    if (cap->dump_errno == 0 && !pcap_writer_flush(cap->dumper))
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
        pcap_set_promisc(p, cap->opt.promiscuous ? 1 : 0) != 0 || platform_pcap_immediate(p) != 0 ||
        pcap_set_timeout(p, CAPTURE_WAKE_MS) != 0 ||
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

/* Live: the filter compiled for the interface's link type, with its
 * netmask (only "ip broadcast" needs one; an interface may have no IPv4
 * address, and then libpcap reports that case itself). */
static enum capture_status capture_apply_live_filter(const struct capture *cap,
                                                     struct capture_input *in)
{
    if (cap->opt.filter == NULL)
        return CAPTURE_OK;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    bpf_u_int32 net = 0;
    bpf_u_int32 netmask = PCAP_NETMASK_UNKNOWN;
    if (pcap_lookupnet(in->name, &net, &netmask, errbuf) != 0)
        netmask = PCAP_NETMASK_UNKNOWN;
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

/*
 * -i as dumpcap takes it: a device name; else the description that -D
 * prints beside one (on Windows the friendly name, "Ethernet 2", beside
 * \Device\NPF_{GUID}); else the number -D gives it. Anything else is
 * handed to libpcap as it is, which says what is wrong with it.
 */
static const char *capture_resolve_interface(const char *wanted, char *buf, size_t buf_len)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, errbuf) != 0)
        return wanted;
    const char *found = NULL;
    for (const pcap_if_t *d = all; d != NULL && found == NULL; d = d->next)
        if (strcmp(d->name, wanted) == 0)
            found = d->name;
    for (const pcap_if_t *d = all; d != NULL && found == NULL; d = d->next)
        if (d->description != NULL && strcmp(d->description, wanted) == 0)
            found = d->name;
    char *end = NULL;
    unsigned long number = strtoul(wanted, &end, 10);
    if (found == NULL && wanted[0] >= '1' && wanted[0] <= '9' && *end == '\0') {
        unsigned long n = 0;
        for (const pcap_if_t *d = all; d != NULL && found == NULL; d = d->next)
            if (++n == number)
                found = d->name;
    }
    const char *name = wanted;
    if (found != NULL && (size_t)snprintf(buf, buf_len, "%s", found) < buf_len)
        name = buf;
    pcap_freealldevs(all);
    return name;
}

enum capture_status capture_open(struct capture *cap)
{
    if (cap->opt.interface == NULL || cap->live.pcap != NULL)
        return CAPTURE_OK;
    struct capture_input *in = &cap->live;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    if (!capture_pcap_ready())
        return CAPTURE_ERR_LIVE;
    in->name =
        capture_resolve_interface(cap->opt.interface, cap->live_name, sizeof(cap->live_name));
    in->pcap = pcap_create(in->name, errbuf);
    if (in->pcap == NULL) {
        log_error("%s: %s", in->name, errbuf);
        return CAPTURE_ERR_LIVE;
    }
    enum capture_status status = capture_activate(cap, in);
    if (status == CAPTURE_OK)
        status = capture_apply_live_filter(cap, in);
    if (status != CAPTURE_OK) {
        capture_close_live(in);
        return status;
    }
    cap->stats.inputs_read = 1;
    cap->stats.has_kernel_drops = true;
    /* As tcpdump says it: a user (or a script) knows the capture is on. */
    char name[CAPTURE_NAME_LEN];
    log_info("listening on %s, link-type %s, snapshot length %d bytes", in->name,
             capture_linktype_name(in->linktype, name, sizeof(name)), pcap_snapshot(in->pcap));
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
    if (!capture_pcap_ready())
        return CAPTURE_ERR_LIVE;
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
    cap->stats.inputs_read = 1;
    cap->stats.has_kernel_drops = true;
    cap->last_count = capture_linktype_counter(cap, cap->live.linktype);
    enum capture_status status = CAPTURE_OK;
    if (cap->opt.write_path != NULL && cap->dumper == NULL)
        status =
            capture_prepare_dump(cap, capture_file_linktype(cap->live.linktype), cap->live.name, 0);
    if (status == CAPTURE_OK)
        status = capture_drain_live(cap, on_packet, on_pause, ctx);
    capture_update_stats(cap);
    enum capture_status dump_status = capture_finish_dump(cap);
    return status != CAPTURE_OK ? status : dump_status;
}

enum capture_status capture_run(struct capture *cap, capture_packet_fn on_packet,
                                capture_pause_fn on_pause, void *ctx)
{
    /* A run counts for itself; the filters compiled stay good. */
    memset(&cap->stats, 0, sizeof(cap->stats));
    cap->last_count = NULL;
    if (cap->opt.interface != NULL)
        return capture_run_live(cap, on_packet, on_pause, ctx);

    enum capture_status status = CAPTURE_OK;
    /* A stop ends a read that waits on a pipe, not just the packet loop. */
    input_stop_on(&cap->is_stop_requested);
    for (size_t i = 0; i < cap->opt.input_count && status == CAPTURE_OK &&
                       !capture_limit_reached(cap) && !cap->is_stop_requested;
         i++)
        status = capture_read_file(cap, cap->opt.inputs[i], on_packet, on_pause, ctx);
    input_stop_on(NULL);
    cap->stats.is_stopped = cap->is_stop_requested != 0;

    /* tcpdump -w writes a file even when no packet came: so does -w here,
     * with the link type the first input declared. */
    if (status == CAPTURE_OK && cap->opt.write_path != NULL && cap->dumper == NULL)
        status = capture_prepare_dump(
            cap, cap->dump_linktype_hint >= 0 ? cap->dump_linktype_hint : CAPTURE_DLT_EN10MB,
            cap->opt.input_count > 0 ? cap->opt.inputs[0] : "-", 0);
    enum capture_status dump_status = capture_finish_dump(cap);
    return status != CAPTURE_OK ? status : dump_status;
}
