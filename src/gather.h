/*
 * --from-redis: the records sensors sent to a Redis stream, read as one
 * reader of a consumer group (source_redis.h) and printed as a local
 * analysis prints its own: the table, --json, --format zeek or zeek-json,
 * --report; then one summary over every sensor read, with a line (or a
 * "sensors" entry) for each.
 *
 * With --json the records are printed exactly as the sensors made them;
 * the other outputs read each flow record back into a verdict first
 * (record_parse.h). The summary's flow counts are those of the final
 * flow records printed; its packet counts are the sums of the sensors'
 * own summaries that were read.
 */
#ifndef TV_GATHER_H
#define TV_GATHER_H

#include <signal.h>

#include "cli.h"

/* Sensors the summary names, each with its own counts; the records of
 * any more are printed and counted in the totals only. */
#define GATHER_SENSOR_CAP 1024

/* Runs --from-redis; returns the exit status. *stop (a signal's count)
 * ends a --follow reading; *stop_signal is then the signal, for the
 * summary. */
int gather_run(const struct cli_options *opt, const volatile sig_atomic_t *stop,
               const volatile sig_atomic_t *stop_signal);

#endif
