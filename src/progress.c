/*
 * The progress line (progress.h). Written with \r and erased with spaces,
 * not terminal escapes, so that it works on any terminal.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progress.h"
#include "banned.h"

bool progress_wanted(bool is_live, bool quiet)
{
    return !is_live && !quiet && isatty(STDERR_FILENO) == 1;
}

/* A file's size if it is a plain, uncompressed one; else 0. */
static uint64_t progress_file_len(const char *path)
{
    if (strcmp(path, "-") == 0)
        return 0;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    unsigned char magic[4] = {0};
    size_t n = fread(magic, 1, sizeof(magic), f);
    fclose(f);
    bool is_gzip = n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    bool is_zstd =
        n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
    return is_gzip || is_zstd ? 0 : (uint64_t)st.st_size;
}

void progress_init(struct progress *p, FILE *out, const char *const *inputs, size_t input_count,
                   int64_t now_ms)
{
    memset(p, 0, sizeof(*p));
    p->out = out;
    p->start_ms = now_ms;
    p->after_ms = PROGRESS_AFTER_MS;
    const char *after = getenv("TCPVERDICT_PROGRESS_AFTER");
    if (after != NULL) {
        char *end = NULL;
        double sec = strtod(after, &end);
        if (end != after && *end == '\0' && sec >= 0 && sec < 1e6)
            p->after_ms = (int64_t)(sec * 1000);
    }
    for (size_t i = 0; i < input_count; i++) {
        uint64_t len = progress_file_len(inputs[i]);
        if (len == 0) {
            p->total_len = 0; /* one unknown size makes the whole unknown */
            break;
        }
        p->total_len += len;
    }
}

/* "1.2 GB", "340 MB", "12 kB". */
static void progress_bytes(uint64_t n, char *buf, size_t len)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1000 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000;
        u++;
    }
    snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

void progress_update(struct progress *p, uint64_t flows, uint64_t failing, int64_t now_ms)
{
    int64_t elapsed_ms = now_ms - p->start_ms;
    if (elapsed_ms < p->after_ms || (p->last_ms != 0 && now_ms - p->last_ms < PROGRESS_EVERY_MS))
        return;
    p->last_ms = now_ms;
    double elapsed_s = elapsed_ms > 0 ? (double)elapsed_ms / 1000 : 0.001;
    char line[256];
    int n = 0;
    if (p->total_len > 0) {
        double frac = (double)p->read_len / (double)p->total_len;
        if (frac > 0.99)
            frac = 0.99;
        char total[32];
        progress_bytes(p->total_len, total, sizeof(total));
        n = snprintf(line, sizeof(line), "tcpverdict: %2.0f%% of %s, ", frac * 100, total);
        double left_s = frac > 0 ? elapsed_s * (1 - frac) / frac : 0;
        char rest[160];
        snprintf(rest, sizeof(rest),
                 "%" PRIu64 " packets (%.0f/s), %" PRIu64 " flows, %" PRIu64
                 " failing, about %.0f s left",
                 p->packets, (double)p->packets / elapsed_s, flows, failing, left_s);
        if (n > 0 && (size_t)n < sizeof(line))
            snprintf(line + n, sizeof(line) - (size_t)n, "%s", rest);
    } else {
        char read[32];
        progress_bytes(p->read_len, read, sizeof(read));
        snprintf(line, sizeof(line),
                 "tcpverdict: %s read, %" PRIu64 " packets (%.0f/s), %" PRIu64 " flows, %" PRIu64
                 " failing",
                 read, p->packets, (double)p->packets / elapsed_s, flows, failing);
    }
    size_t len = strlen(line);
    /* Spaces over what is left of a longer line before. */
    int pad = p->line_len > len ? (int)(p->line_len - len) : 0;
    fprintf(p->out, "\r%s%*s", line, pad, "");
    fflush(p->out);
    p->line_len = len;
}

void progress_end(struct progress *p)
{
    if (p->line_len == 0)
        return;
    fprintf(p->out, "\r%*s\r", (int)p->line_len, "");
    fflush(p->out);
    p->line_len = 0;
}
