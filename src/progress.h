/*
 * The progress line of a long offline run: on stderr, one line rewritten
 * in place (percent of the input read, packets and packets per second,
 * flows and failing flows so far, time left) and erased at the end. Only
 * when stderr is a terminal, files are read and -q was not given; never
 * on a pipe. It appears once a run has lasted PROGRESS_AFTER_MS (the
 * environment's TCPVERDICT_PROGRESS_AFTER, in seconds, says otherwise)
 * and is redrawn at most every PROGRESS_EVERY_MS.
 *
 * The percentage counts the packets' bytes and their record headers
 * against the files' sizes, so it is close for pcap and pcapng and left
 * out for compressed input and standard input, whose size is not known.
 */
#ifndef TV_PROGRESS_H
#define TV_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_AFTER_MS 1000
#define PROGRESS_EVERY_MS 250

struct progress {
    FILE *out;          /* borrowed */
    uint64_t total_len; /* bytes of the inputs, 0 when not known */
    uint64_t read_len;  /* packet bytes and record headers handed on */
    uint64_t packets;
    int64_t start_ms;
    int64_t after_ms;
    int64_t last_ms; /* when the line was last drawn, 0 if never */
    size_t line_len; /* of the line on the screen */
};

/* Whether the line is wanted: stderr is a terminal, offline, not quiet. */
bool progress_wanted(bool is_live, bool quiet);

/* Sizes the inputs; now_ms is a monotonic clock. */
void progress_init(struct progress *p, FILE *out, const char *const *inputs, size_t input_count,
                   int64_t now_ms);

static inline void progress_packet(struct progress *p, uint32_t caplen)
{
    p->packets++;
    p->read_len += caplen + 16; /* a pcap record header; pcapng's are longer */
}

/* Redraws the line if it is due. */
void progress_update(struct progress *p, uint64_t flows, uint64_t failing, int64_t now_ms);

/* Erases the line, if it was drawn. */
void progress_end(struct progress *p);

#endif
