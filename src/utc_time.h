/*
 * Times for people, always in UTC, so that the same capture reads the same
 * wherever it is analysed: the table, the report, the clock's warnings and
 * Zeek's log stamps all format them here.
 */
#ifndef TV_UTC_TIME_H
#define TV_UTC_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum utc_time_style {
    UTC_TIME_PLAIN = 0, /* "2024-05-01 12:00:00" */
    UTC_TIME_ZEEK,      /* "2024-05-01-12-00-00", as Zeek stamps #open and #close */
};

/* sec, seconds since 1970, in style; the plain count of seconds when the
 * C library cannot break it down (a year beyond its range). Returns the
 * length written, below len. */
size_t utc_time_seconds(int64_t sec, enum utc_time_style style, char *buf, size_t len);

/* us, microseconds since 1970, as "2024-05-01 12:00:00" and, with
 * has_fraction, ".123456". The second is floored: a time before 1970
 * still has its fraction in [0, 1) s after it. Returns the length
 * written, below len. */
size_t utc_time_format(int64_t us, bool has_fraction, char *buf, size_t len);

#endif
