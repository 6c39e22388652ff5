/*
 * Packet input: reads one or more capture files in order, as one stream,
 * and hands each packet that passes the BPF filter to a callback as a
 * struct tv_packet. Optionally copies those packets to a pcap file (-w).
 *
 * The only module that uses libpcap. It does not interpret packets (the
 * analyzer does) and does not decide exit statuses (main.c does): it reports
 * a status and counts, and says what went wrong on stderr through log.c.
 *
 * Packet bytes handed to the callback are valid only until it returns.
 * Timestamps are always microseconds, whatever the file's precision.
 */
#ifndef TV_CAPTURE_H
#define TV_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpverdict.h"

enum capture_status {
    CAPTURE_OK = 0,
    CAPTURE_ERR_OPEN,     /* an input could not be opened */
    CAPTURE_ERR_FILTER,   /* the BPF expression does not compile for an input */
    CAPTURE_ERR_LINKTYPE, /* -w, and inputs of different link types */
    CAPTURE_ERR_WRITE,    /* the -w file could not be created or written */
    CAPTURE_ERR_NOMEM,
};

struct capture_options {
    const char *const *inputs; /* file names, "-" for stdin; borrowed */
    size_t input_count;
    const char *filter;     /* BPF expression, or NULL for every packet */
    uint64_t packet_cap;    /* stop after this many packets; 0: no limit */
    const char *write_path; /* -w file, or NULL */
};

struct capture_stats {
    uint64_t packets;      /* passed the filter and handed to the callback */
    uint64_t inputs_read;  /* inputs opened */
    uint64_t input_errors; /* inputs cut short by a read error */
    bool has_kernel_drops; /* false for files: nothing is dropped */
    uint64_t kernel_drops;
};

typedef void (*capture_packet_fn)(const struct tv_packet *packet, void *ctx);

struct capture;

/* Opens the -w file lazily (its link type is the first input's), so
 * creation itself only allocates. Keeps opt (and what it points to) for the
 * lifetime of the capture. Returns NULL if memory is short. */
struct capture *capture_create(const struct capture_options *opt);
void capture_destroy(struct capture *cap);

/* Reads every input in order, calling on_packet for each packet kept.
 * A read error inside an input is a warning: that input ends there, the
 * next one is read, and input_errors counts it. Anything else stops the run
 * and is returned; packets already handed on stay handed on. */
enum capture_status capture_run(struct capture *cap, capture_packet_fn on_packet, void *ctx);

const struct capture_stats *capture_stats(const struct capture *cap);

/* "libpcap version ...", for --version. */
const char *capture_lib_version(void);

#endif
