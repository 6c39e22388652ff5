/*
 * Offline packet input through libpcap, the only libpcap user.
 *
 * Inputs are read strictly in the order given and form one stream: the
 * packet limit (-c) and the -w file span all of them, and the analyzer sees
 * one sequence of packets. Every input gets its own link type and its own
 * compiled copy of the filter, since BPF code depends on the link type.
 * Files are opened asking libpcap for microsecond timestamps, so nanosecond
 * pcap files are scaled by libpcap and the rest of the program sees one
 * resolution.
 *
 * Invariants: at most one input is open at a time; nothing is allocated
 * per packet (libpcap owns the buffer pcap_next_ex hands out, valid until
 * the next call); the -w file, once open, has the first input's link type.
 *
 * Reading is split into "open an input" and "drain an input" so that a
 * live interface can later be opened as another kind of input and drained
 * by the same loop.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "log.h"
#include "banned.h"

/* The -w header's snap length. Not the first input's: a later input may
 * have a larger one, and readers reject records longer than the header's. */
#define CAPTURE_DUMP_SNAPLEN 262144

struct capture {
    struct capture_options opt; /* pointers inside are borrowed */
    struct capture_stats stats;
    pcap_t *dump_pcap;      /* owned; a dead handle carrying the -w link type */
    pcap_dumper_t *dumper;  /* owned */
    int dump_errno;         /* first write error on the -w file, 0 if none */
    const char *dump_input; /* borrowed: the input that fixed the link type */
};

/* One opened input: a file now, an interface later. */
struct capture_input {
    const char *name; /* as given; "-" is stdin */
    pcap_t *pcap;     /* owned */
    int linktype;
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
    return cap;
}

void capture_destroy(struct capture *cap)
{
    if (cap == NULL)
        return;
    if (cap->dumper != NULL)
        pcap_dump_close(cap->dumper);
    if (cap->dump_pcap != NULL)
        pcap_close(cap->dump_pcap);
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

static void capture_close_input(struct capture_input *in)
{
    if (in->pcap != NULL)
        pcap_close(in->pcap);
    in->pcap = NULL;
}

static enum capture_status capture_apply_filter(const struct capture *cap,
                                                const struct capture_input *in)
{
    if (cap->opt.filter == NULL)
        return CAPTURE_OK;

    struct bpf_program prog;
    /* Offline there is no interface to take a netmask from; only
     * "ip broadcast" needs one, and libpcap reports that case itself. */
    if (pcap_compile(in->pcap, &prog, cap->opt.filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        log_error("filter expression '%s': %s", cap->opt.filter, pcap_geterr(in->pcap));
        return CAPTURE_ERR_FILTER;
    }
    int rc = pcap_setfilter(in->pcap, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
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

/* Hands on every packet of one input until it ends, fails or the limit is
 * reached. A read error is not fatal: a capture cut short (a disk full, a
 * copy interrupted) still has useful packets before the cut. */
static void capture_drain(struct capture *cap, const struct capture_input *in,
                          capture_packet_fn on_packet, void *ctx)
{
    struct tv_packet packet = {.linktype = in->linktype};

    while (!capture_limit_reached(cap)) {
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

        packet.ts_us = (int64_t)hdr->ts.tv_sec * 1000000 + (int64_t)hdr->ts.tv_usec;
        packet.data = data;
        packet.caplen = hdr->caplen;
        packet.wirelen = hdr->len;
        /* libpcap does not expose pcapng EPB flags through pcap_next_ex. */
        packet.epb_flags = 0;

        cap->stats.packets++;
        if (cap->dumper != NULL && cap->dump_errno == 0)
            capture_dump(cap, hdr, data);
        on_packet(&packet, ctx);
    }
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

enum capture_status capture_run(struct capture *cap, capture_packet_fn on_packet, void *ctx)
{
    enum capture_status status = CAPTURE_OK;

    for (size_t i = 0; i < cap->opt.input_count && !capture_limit_reached(cap); i++) {
        struct capture_input in = {0};
        status = capture_open_file(cap->opt.inputs[i], &in);
        if (status == CAPTURE_OK)
            status = capture_apply_filter(cap, &in);
        if (status == CAPTURE_OK)
            status = capture_prepare_dump(cap, &in);
        if (status == CAPTURE_OK) {
            cap->stats.inputs_read++;
            capture_drain(cap, &in, on_packet, ctx);
        }
        capture_close_input(&in);
        if (status != CAPTURE_OK)
            break;
    }

    enum capture_status dump_status = capture_finish_dump(cap);
    return status != CAPTURE_OK ? status : dump_status;
}
