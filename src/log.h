/*
 * Messages for people, on stderr, each one line prefixed "tcpverdict: ".
 * Used by layers 4-5 only; layers 0-3 never print (bad input there is data,
 * counted by the analyzer). Callers write the message without the prefix or
 * a trailing newline. Safe to call from several threads at once.
 */
#ifndef TV_LOG_H
#define TV_LOG_H

#include "printf_format.h"

#define LOG_PRINTF(fmt_idx, arg_idx) TV_PRINTF(fmt_idx, arg_idx)

/* Something stops the run; the caller decides the exit status. */
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Something the user should know while the run goes on. */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Information asked for, such as periodic statistics. */
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
