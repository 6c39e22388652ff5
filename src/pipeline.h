/*
 * The pipeline: one capture thread feeding N analysis workers, each with
 * its own ring and its own tv_analyzer (its shard of the flows).
 *
 * The capture thread (the caller of pipeline_packet()) numbers packets
 * across the whole input, keeps packet time from running backwards, and
 * sends each packet to the worker chosen by a symmetric hash of its
 * 5-tuple, so that both directions of a flow meet on one worker and the
 * verdicts do not depend on the number of workers. Workers report
 * verdicts through the callback, on their own threads: whatever the
 * callback touches must be private to the worker (verdict_ctx) or safe to
 * share.
 *
 * Files are a fast source: when a ring is full the capture thread waits.
 * A live source cannot wait: a full ring drops the packet and counts it.
 * Live workers that see no packet advance their clock by wall time, so
 * flows end when they should even on a quiet line.
 *
 * A file read by several workers gives the output of one, byte for byte:
 * records pass a reorder stage (reorder.h) that writes them in the order
 * one analyzer would have, and the workers' flows count against one
 * --max-flows, which, when nearly reached, the capture thread enforces by
 * analysing packets itself, one at a time, with every worker idle (see
 * pipeline.c). Live, each worker writes its records as its flows end and
 * has its share of --max-flows.
 */
#ifndef TV_PIPELINE_H
#define TV_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reorder.h"
#include "summary.h"
#include "tcpverdict.h"

#define PIPELINE_WORKER_CAP 64

enum pipeline_status {
    PIPELINE_OK = 0,
    PIPELINE_ERR_NOMEM,  /* rings or analyzers could not be created */
    PIPELINE_ERR_THREAD, /* a worker thread could not be started */
};

/* Formats a verdict as a record, on the thread that analysed it: sets
 * *bytes (valid until the next call with the same ctx) and returns the
 * length; 0: nothing to write. */
typedef size_t (*pipeline_format_fn)(const struct tv_verdict *v, void *ctx, const char **bytes);

struct pipeline_options {
    size_t worker_count; /* 1 to PIPELINE_WORKER_CAP */
    size_t slot_count;   /* per ring, a power of two */
    size_t data_cap;     /* bytes of packet a slot holds; longer ones are cut */
    bool is_live;
    const struct tv_config *config; /* copied; max_flows is shared among workers */
    pipeline_format_fn format;
    void *const *format_ctx; /* worker_count entries, one per worker; the entries
                                are borrowed, the array only during creation */
    /* Whole records, in order. With several workers reading a file, on
     * the capture thread; otherwise on the workers' threads, several at
     * once: then it must be safe to call from any thread. */
    reorder_write_fn write;
    void *write_ctx; /* borrowed */
};

/* Counters of the capture side, readable on the capture thread at any time. */
struct pipeline_stats {
    uint64_t packets;    /* handed to workers */
    uint64_t ring_drops; /* lost to a full ring (live only) */
    uint64_t truncated;  /* longer than a slot, cut to data_cap */
    size_t backlog;      /* slots waiting in the rings, approximately */
};

/* Clock jumps so far (capture thread). */
#define PIPELINE_JUMP_PKTS_CAP SUMMARY_CLOCK_JUMP_PKTS
struct pipeline_clock_jumps {
    uint64_t count;
    uint64_t followed;
    uint64_t told; /* on stderr */
    uint64_t first_pkts[PIPELINE_JUMP_PKTS_CAP];
};

struct pipeline;

/* Creates the rings and the analyzers; no thread runs yet. NULL with
 * *status set on failure. */
struct pipeline *pipeline_create(const struct pipeline_options *opt, enum pipeline_status *status);
/* Stops the workers if they still run, then frees everything. */
void pipeline_destroy(struct pipeline *pl);

/* Starts the workers. They run with the process's asynchronous signals
 * blocked, so signals reach the capture thread. */
enum pipeline_status pipeline_start(struct pipeline *pl);

/* Capture thread: one packet, copied into a slot before returning, or,
 * when its bytes are stable (packet->is_data_stable), passed by reference
 * with their sum (the checksum then costs the worker only the headers). */
void pipeline_packet(struct pipeline *pl, const struct tv_packet *packet);

/* Capture thread: no more packets for now; publishes what is batched so
 * that workers see it without waiting for a full batch, and writes the
 * records whose turn has come. */
void pipeline_flush(struct pipeline *pl);

/* Capture thread, at the end of input: every worker drains its ring, ends
 * its remaining flows (tv_analyzer_finish) and stops; every record is
 * written. */
void pipeline_finish(struct pipeline *pl);

void pipeline_stats(const struct pipeline *pl, struct pipeline_stats *out);

/* After pipeline_finish(): every worker's analyzer statistics added up,
 * and the flows that carried each anomaly code (anomaly_flows holds
 * tv_anomaly_code_count() entries). */
void pipeline_totals(const struct pipeline *pl, struct tv_stats *stats, uint64_t *anomaly_flows);

/* The capture host and per-service counts over all workers. Allocates the
 * service arrays; pipeline_findings_free() releases them. Returns false if
 * memory is short. */
bool pipeline_findings(const struct pipeline *pl, struct summary_findings *out);
void pipeline_findings_free(struct summary_findings *f);

#endif
