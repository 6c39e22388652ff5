/*
 * Replays fuzz inputs without libFuzzer: every file named on the command
 * line, and every regular file in each directory named, goes through
 * every entry point. Used by `make check` (run_corpus.sh), so the corpus guards
 * against regressions on machines without clang. Exits non-zero only if
 * an input cannot be read; a crash is the failure it exists to catch.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#include "banned.h"

static int replay_file(const char *path, unsigned *count)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "run_one: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = buf == NULL || ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        fprintf(stderr, "run_one: cannot read %s\n", path);
        return 1;
    }
    fuzz_decode_input(buf, len);
    fuzz_analyzer_input(buf, len);
    fuzz_pcapng_input(buf, len);
    fuzz_file_input(buf, len);
    fuzz_record_input(buf, len);
    free(buf);
    (*count)++;
    return 0;
}

static int replay_path(const char *path, unsigned *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "run_one: no such file: %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path, count);

    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "run_one: cannot list %s\n", path);
        return 1;
    }
    int failed = 0;
    const struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char child[4096];
        int n = snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof(child))
            continue;
        struct stat cst;
        if (stat(child, &cst) == 0 && S_ISREG(cst.st_mode))
            failed |= replay_file(child, count);
    }
    closedir(dir);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: run_one FILE|DIR...\n");
        return 2;
    }
    unsigned count = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++)
        failed |= replay_path(argv[i], &count);
    printf("run_one: %u inputs replayed through decode, analyzer, pcapng reader, file and record\n",
           count);
    return failed ? 1 : 0;
}
