/*
 * stderr messages with the program's prefix. Each message is assembled in
 * one buffer and written with one call, so that lines from this process's
 * threads, or from a concurrent writer, do not interleave mid-way (stdio
 * locks the stream for each call). A message longer than the buffer is
 * cut, never lost.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"
#include "banned.h"

#define LOG_PREFIX "tcpverdict: "

static void log_vwrite(const char *kind, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

static void log_vwrite(const char *kind, const char *fmt, va_list ap)
{
    char line[1024];
    int len = snprintf(line, sizeof(line), "%s%s", LOG_PREFIX, kind);
    if (len < 0)
        return;
    size_t used = (size_t)len;
    if (used < sizeof(line)) {
        int body_len = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
        if (body_len > 0)
            used += (size_t)body_len;
    }
    /* Keep room for the newline even when the message was cut. */
    if (used > sizeof(line) - 2)
        used = sizeof(line) - 2;
    line[used++] = '\n';
    fwrite(line, 1, used, stderr);
    fflush(stderr);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite("", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite("warning: ", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite("", fmt, ap);
    va_end(ap);
}
