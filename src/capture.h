/*
 * Packet input: reads one or more capture files in order, as one stream,
 * or captures live from one interface, and hands each packet that passes
 * the BPF filter to a callback as a struct tv_packet. Optionally copies
 * those packets to a pcap file (-w).
 *
 * Files are read by tcpverdict's own readers (reader.h: pcap, pcapng,
 * Network Monitor, any of them gzip- or zstd-compressed); libpcap
 * captures live, compiles and runs the filter and writes -w, and this is
 * the only module that uses it. It does not interpret packets (the
 * analyzer does) and does not decide exit statuses (main.c does): it
 * reports a status and counts, and says what went wrong on stderr through
 * log.c.
 *
 * Packet bytes handed to the callback are valid only until it returns,
 * unless the packet says is_data_stable: then until capture_destroy().
 * Timestamps are always microseconds, whatever the file's or the
 * interface's precision. Everything runs on the calling thread, except
 * capture_stop(), which a signal handler may call.
 */
#ifndef TV_CAPTURE_H
#define TV_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "reader.h"
#include "tcpverdict.h"

enum capture_status {
    CAPTURE_OK = 0,
    CAPTURE_ERR_OPEN,     /* an input could not be opened */
    CAPTURE_ERR_FILTER,   /* the BPF expression does not compile for an input */
    CAPTURE_ERR_LINKTYPE, /* -w, and packets of different link types */
    CAPTURE_ERR_WRITE,    /* the -w file could not be created or written */
    CAPTURE_ERR_NOMEM,
    CAPTURE_ERR_LIVE, /* the interface could not be opened or read */
};

/* The largest packet a file may hold for the link types we decode
 * (libpcap's own limit), and the snap length a live capture defaults to:
 * a whole IP datagram of the largest size, as segmentation offload makes. */
#define CAPTURE_FILE_SNAPLEN 262144
#define CAPTURE_LIVE_SNAPLEN 65535
/* The kernel buffer of a live capture, unless -B says otherwise. In
 * immediate mode every packet takes a frame sized for the snap length, so
 * libpcap's usual 2 MiB holds only a few dozen packets: a burst overflows
 * it before the capture thread is even scheduled. 64 MiB holds a thousand
 * frames at the default snap length, many more at a small one. */
#define CAPTURE_LIVE_BUFFER_KIB 65536

struct capture_options {
    const char *const *inputs; /* file names, "-" for stdin; borrowed */
    size_t input_count;
    const char *filter;     /* BPF expression, or NULL for every packet */
    uint64_t packet_cap;    /* stop after this many packets; 0: no limit */
    const char *write_path; /* -w file, or NULL */
    const char *interface;  /* -i: capture live from it instead of files; borrowed */
    uint32_t snaplen;       /* live: bytes kept per packet */
    uint32_t buffer_kib;    /* live: kernel buffer; 0: CAPTURE_LIVE_BUFFER_KIB */
    bool promiscuous;       /* live */
};

/* Link types whose packets are counted one by one; more are counted together. */
#define CAPTURE_LINKTYPE_CAP 32

struct capture_linktype_count {
    int linktype; /* DLT_*, as reader.h numbers them */
    uint64_t packets;
};

struct capture_stats {
    uint64_t packets;      /* passed the filter and handed to the callback */
    uint64_t inputs_read;  /* inputs opened */
    uint64_t input_errors; /* inputs cut short by a read error */
    uint64_t inputs_by_format[READER_FORMAT_COUNT];
    uint64_t inputs_gzip; /* of those, compressed */
    uint64_t inputs_zstd;
    uint64_t unreadable_records; /* packet records a reader could not read */
    /* Packets handed on, by link type, in the order the types came. */
    struct capture_linktype_count linktypes[CAPTURE_LINKTYPE_CAP];
    size_t linktype_count;
    uint64_t other_linktype_packets; /* of link types beyond the table */
    bool is_stopped;                 /* files: capture_stop() ended the reading early */
    bool has_kernel_drops;           /* false for files: nothing is dropped */
    uint64_t kernel_drops;           /* live: no room in the kernel's buffer (ps_drop) */
    uint64_t if_drops;               /* live: dropped by the interface or driver (ps_ifdrop) */
};

typedef void (*capture_packet_fn)(const struct tv_packet *packet, void *ctx);
/* No packet for now: after a burst, or when a live read waited in vain
 * (at least every CAPTURE_WAKE_MS). A place for periodic work. */
typedef void (*capture_pause_fn)(void *ctx);

#define CAPTURE_WAKE_MS 100

struct capture;

/* Opens the -w file lazily (its link type is the first packet's), so
 * creation itself only allocates. Keeps opt (and what it points to) for the
 * lifetime of the capture. Returns NULL if memory is short. */
struct capture *capture_create(const struct capture_options *opt);
void capture_destroy(struct capture *cap);

/* Live: opens and activates the interface and sets the filter, so that
 * privileges can be dropped before anything is read. Files: does nothing,
 * each file is opened when its turn comes. */
enum capture_status capture_open(struct capture *cap);

/* The largest caplen a packet may have once open: the snap length. */
uint32_t capture_max_caplen(const struct capture *cap);

/* Reads every input in order (or the interface until capture_stop() or
 * the packet limit), calling on_packet for each packet kept and on_pause
 * between bursts. A read error inside a file is a warning: that input
 * ends there, the next one is read, and input_errors counts it. So is a
 * packet record a reader cannot read (unreadable_records), once per input.
 * Anything else stops the run and is returned; packets already handed on
 * stay handed on.
 *
 * With -w, every packet written must have the first one's link type (a
 * pcap file holds one): a packet of another type stops the run with
 * CAPTURE_ERR_LINKTYPE. The filter is compiled once for each link type
 * met; if it does not compile for the first one, that is
 * CAPTURE_ERR_FILTER, for a later one a warning, and that type's packets
 * do not match.
 *
 * A run may be repeated on the same capture: the inputs are read again
 * from their start (standard input only if it is a file), the counters
 * start again, and -w goes on writing to the file already open. */
enum capture_status capture_run(struct capture *cap, capture_packet_fn on_packet,
                                capture_pause_fn on_pause, void *ctx);

/* Async-signal-safe: the run ends after the packet being handed on, and a
 * read waiting on a pipe ends at once, as if the data had ended there. */
void capture_stop(struct capture *cap);

/* Live: refreshes the kernel's counters (call on the capturing thread). */
void capture_update_stats(struct capture *cap);
const struct capture_stats *capture_stats(const struct capture *cap);

/* -D: the interfaces libpcap can capture on, one per line, numbered. */
enum capture_status capture_list_interfaces(FILE *out);

/* "libpcap version ...", for --version. */
const char *capture_lib_version(void);

/* A link type's short name ("EN10MB"), libpcap's where it has one. */
const char *capture_linktype_name(int linktype, char *buf, size_t buf_len);
/* Its description ("Ethernet"), or NULL if libpcap has none. */
const char *capture_linktype_description(int linktype);

#endif
