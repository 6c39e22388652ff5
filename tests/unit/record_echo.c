/*
 * Reads --json's lines on stdin and writes each flow record as it reads
 * back: parsed by record_parse, printed again by output_json. For
 * tests/e2e/records.sh, which holds the two to being each other's
 * inverse. Other lines are skipped, unless -a makes every line a flow
 * record to read. A line that does not read back is
 * said on stderr with its number, and the exit status is 1.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output_json.h"
#include "record_parse.h"

int main(int argc, char **argv)
{
    bool is_every_line = argc > 1 && strcmp(argv[1], "-a") == 0;
    struct record_parse *rp = record_parse_create();
    struct output_json *json = output_json_create(NULL);
    if (rp == NULL || json == NULL)
        return 2;
    /* Whole lines of up to the cap, read with fgets (getline() is not
     * in every C library this builds with). */
    size_t cap = RECORD_PARSE_LINE_CAP + 2;
    char *line = malloc(cap);
    if (line == NULL)
        return 2;
    unsigned long number = 0;
    int status = 0;
    while (fgets(line, (int)cap, stdin) != NULL) {
        size_t len = strlen(line);
        number++;
        if (!is_every_line && strncmp(line, "{\"type\":\"flow\"", 14) != 0)
            continue;
        struct tv_verdict v;
        char err[256];
        const char *bytes = NULL;
        size_t out_len = 0;
        if (record_parse_flow(rp, line, len, &v, err, sizeof(err)) != RECORD_PARSE_OK) {
            fprintf(stderr, "line %lu: %s\n", number, err);
            status = 1;
        } else if (output_json_flow(json, &v, &bytes, &out_len) != OUTPUT_JSON_OK) {
            fprintf(stderr, "line %lu: out of memory\n", number);
            status = 1;
        } else {
            fwrite(bytes, 1, out_len, stdout);
        }
    }
    free(line);
    output_json_destroy(json);
    record_parse_destroy(rp);
    return status;
}
