/* UTC times for people (utc_time.h). */
#include "utc_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "banned.h"

/* snprintf's return, as the length it left in buf. */
static size_t utc_written(int n, size_t len)
{
    if (n < 0 || len == 0)
        return 0;
    return (size_t)n < len ? (size_t)n : len - 1;
}

size_t utc_time_seconds(int64_t sec, enum utc_time_style style, char *buf, size_t len)
{
    if (len == 0)
        return 0;
    time_t t = (time_t)sec;
    struct tm tm;
    size_t n = 0;
    if ((int64_t)t == sec && gmtime_r(&t, &tm) != NULL)
        n = style == UTC_TIME_ZEEK ? strftime(buf, len, "%Y-%m-%d-%H-%M-%S", &tm)
                                   : strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    if (n == 0)
        n = utc_written(snprintf(buf, len, "%" PRId64, sec), len);
    return n;
}

size_t utc_time_format(int64_t us, bool has_fraction, char *buf, size_t len)
{
    int64_t sec = us / 1000000;
    int64_t frac_us = us % 1000000;
    if (frac_us < 0) {
        frac_us += 1000000;
        sec--;
    }
    size_t n = utc_time_seconds(sec, UTC_TIME_PLAIN, buf, len);
    if (has_fraction && n + 1 < len)
        n += utc_written(snprintf(buf + n, len - n, ".%06" PRId64, frac_us), len - n);
    return n;
}
