/*
 * Undelivered records on disk between runs. See spool_file.h.
 */
#include "spool_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "banned.h"

#define SPOOL_FILE_MAGIC  "tv1"
#define SPOOL_FILE_FIELDS 8

struct spool_file {
    char *path;     /* owned */
    char *tmp_path; /* owned: path.new, written first */
    FILE *out;
    uint64_t count;
    bool is_write_failed;
    int write_errno;
};

/* A decimal integer of the whole field, within [min, max]. */
static bool spool_file_number(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
        return false;
    *out = n;
    return true;
}

/* One line, its newline gone, into a record; false if it is not one. */
static bool spool_file_parse(char *line, const char **destination, struct outlet_record *rec)
{
    char *field[SPOOL_FILE_FIELDS];
    size_t n = 0;
    char *at = line;
    while (n < SPOOL_FILE_FIELDS - 1) {
        char *tab = strchr(at, '\t');
        if (tab == NULL)
            return false;
        *tab = '\0';
        field[n++] = at;
        at = tab + 1;
    }
    field[n] = at; /* the JSON: the rest of the line */
    int64_t level = 0;
    int64_t made_us = 0;
    if (strcmp(field[0], SPOOL_FILE_MAGIC) != 0 || field[1][0] == '\0' || field[3][0] == '\0' ||
        (strcmp(field[2], "flow") != 0 && strcmp(field[2], "summary") != 0) ||
        !spool_file_number(field[5], 0, 3, &level) ||
        !spool_file_number(field[6], 0, INT64_MAX, &made_us) || field[7][0] != '{' ||
        strchr(field[7], '\t') != NULL)
        return false;
    memset(rec, 0, sizeof(*rec));
    *destination = field[1];
    rec->type = field[2];
    rec->id = field[3];
    rec->sensor = field[4];
    rec->level = (int)level;
    rec->made_us = made_us;
    rec->json = field[7];
    rec->json_len = strlen(field[7]);
    return true;
}

/* The next line, its newline kept, into *buf (grown as needed); false at
 * the end of the file or if memory is short (*is_short). getline() is
 * not in every C library this builds with. */
static bool spool_file_line(FILE *f, char **buf, size_t *cap, size_t *len, bool *is_short)
{
    *len = 0;
    for (;;) {
        if (*cap - *len < 2) {
            size_t bigger = *cap != 0 ? *cap * 2 : 4096;
            char *grown = realloc(*buf, bigger);
            if (grown == NULL) {
                *is_short = true;
                return false;
            }
            *buf = grown;
            *cap = bigger;
        }
        if (fgets(*buf + *len, (int)(*cap - *len > INT32_MAX ? INT32_MAX : *cap - *len), f) == NULL)
            return *len > 0;
        /* A NUL read from the file ends what strlen sees: the line is
         * then not a record, which the caller finds. */
        *len += strlen(*buf + *len);
        if (*len > 0 && (*buf)[*len - 1] == '\n')
            return true;
        if (feof(f))
            return *len > 0;
    }
}

bool spool_file_read(const char *path, uint64_t cap_bytes, spool_file_record_fn fn, void *ctx,
                     struct spool_file_counts *counts, char *err, size_t err_len)
{
    memset(counts, 0, sizeof(*counts));
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return true; /* nothing was kept */
        snprintf(err, err_len, "--spool-file %s: %s", path, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, err_len, "--spool-file %s: not a regular file", path);
        return false;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_len, "--spool-file %s: %s", path, strerror(errno));
        return false;
    }
    char *line = NULL;
    size_t cap = 0;
    size_t len = 0;
    uint64_t read_bytes = 0;
    bool is_short = false;
    while (spool_file_line(f, &line, &cap, &len, &is_short)) {
        read_bytes += len;
        if (read_bytes > cap_bytes || line[len - 1] != '\n') {
            counts->bad++;
            continue;
        }
        line[len - 1] = '\0';
        const char *destination = NULL;
        struct outlet_record rec;
        if (!spool_file_parse(line, &destination, &rec)) {
            counts->bad++;
            continue;
        }
        fn(ctx, destination, &rec);
        counts->records++;
    }
    bool is_ok = !ferror(f) && !is_short;
    if (!is_ok)
        snprintf(err, err_len, "--spool-file %s: %s", path,
                 is_short ? "out of memory" : strerror(errno));
    free(line);
    fclose(f);
    return is_ok;
}

struct spool_file *spool_file_create(const char *path, char *err, size_t err_len)
{
    struct spool_file *f = calloc(1, sizeof(*f));
    size_t len = strlen(path) + sizeof(".new");
    if (f == NULL || (f->path = strdup(path)) == NULL || (f->tmp_path = malloc(len)) == NULL) {
        snprintf(err, err_len, "out of memory");
        spool_file_destroy(f);
        return NULL;
    }
    snprintf(f->tmp_path, len, "%s.new", path);
    return f;
}

static bool spool_file_is_plain(const char *s, size_t len)
{
    return memchr(s, '\t', len) == NULL && memchr(s, '\n', len) == NULL &&
           memchr(s, '\0', len) == NULL;
}

bool spool_file_add(struct spool_file *f, const char *destination, const struct outlet_record *rec)
{
    if (!spool_file_is_plain(destination, strlen(destination)) ||
        !spool_file_is_plain(rec->type, strlen(rec->type)) ||
        !spool_file_is_plain(rec->id, strlen(rec->id)) ||
        !spool_file_is_plain(rec->sensor, strlen(rec->sensor)) ||
        !spool_file_is_plain(rec->json, rec->json_len) || f->is_write_failed)
        return false;
    /* Opened with the first record: no file for none. */
    if (f->out == NULL && (f->out = fopen(f->tmp_path, "w")) == NULL) {
        f->is_write_failed = true;
        f->write_errno = errno;
        return false;
    }
    fprintf(f->out, "%s\t%s\t%s\t%s\t%s\t%d\t%" PRId64 "\t", SPOOL_FILE_MAGIC, destination,
            rec->type, rec->id, rec->sensor, rec->level, rec->made_us);
    fwrite(rec->json, 1, rec->json_len, f->out);
    if (fputc('\n', f->out) == EOF) {
        f->is_write_failed = true;
        f->write_errno = errno;
        return false;
    }
    f->count++;
    return true;
}

uint64_t spool_file_count(const struct spool_file *f)
{
    return f->count;
}

bool spool_file_commit(struct spool_file *f, char *err, size_t err_len)
{
    if (f->out == NULL && !f->is_write_failed) {
        if (remove(f->path) != 0 && errno != ENOENT) {
            snprintf(err, err_len, "--spool-file %s: %s", f->path, strerror(errno));
            return false;
        }
        return true;
    }
    bool is_ok = !f->is_write_failed && f->out != NULL && fflush(f->out) == 0;
#ifndef _WIN32
    /* On disk before it takes the old file's place. */
    is_ok = is_ok && fsync(fileno(f->out)) == 0;
#endif
    int saved = f->is_write_failed ? f->write_errno : errno;
    if (f->out != NULL && fclose(f->out) != 0 && is_ok) {
        is_ok = false;
        saved = errno;
    }
    f->out = NULL;
    if (is_ok && rename(f->tmp_path, f->path) != 0) {
        is_ok = false;
        saved = errno;
    }
    if (!is_ok) {
        snprintf(err, err_len, "--spool-file %s: %s", f->tmp_path, strerror(saved));
        remove(f->tmp_path);
    }
    return is_ok;
}

void spool_file_destroy(struct spool_file *f)
{
    if (f == NULL)
        return;
    if (f->out != NULL) {
        fclose(f->out);
        remove(f->tmp_path);
    }
    free(f->path);
    free(f->tmp_path);
    free(f);
}
