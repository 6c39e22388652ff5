/*
 * Seed logs: the lines the systems in a flow's path would most likely have
 * written about it (Forefront TMG's firewall log, the Arcserve Backup
 * server's job log, the Windows Update client's log), so that a user can
 * grep their own logs for them. A pure function of a finished verdict: no
 * I/O, no clock, no state. The rules and their sources are in seed_logs.c;
 * writing the lines out is left to the outputs.
 */
#ifndef TV_SEED_LOGS_H
#define TV_SEED_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpverdict.h"

/* One kind of line, as its system writes it. */
struct seed_log_info {
    const char *system; /* "tmg", "arcserve" or "windows_update" */
    const char *code;   /* exactly as the system prints it */
    const char *name;   /* symbolic name, or NULL where the system has none */
    const char *text;   /* documented English message wording, or NULL */
    bool is_likely;     /* the wire event is inferred to cause the line, not
                           documented to (seed-logs.md marks it P or U) */
};

/* A line a flow would have caused: count times, and for the Arcserve
 * reconnect time-out the Winsock error it quotes (else TV_WINSOCK_NONE). */
struct seed_log {
    const struct seed_log_info *info; /* static */
    uint64_t count;
    enum tv_winsock network_error;
};

/* No flow causes more lines than there are kinds, each at most once. */
#define SEED_LOGS_CAP 13

/* Fills out (room for SEED_LOGS_CAP) with the lines v would have caused,
 * TMG's first, then Arcserve's, then Windows Update's, each system's in a
 * fixed order; returns how many. */
size_t seed_logs_build(const struct tv_verdict *v, struct seed_log *out);

#endif
