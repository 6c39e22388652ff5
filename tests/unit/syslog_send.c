/*
 * syslog_send SPEC SENSOR: sends the records on standard input, one JSON
 * object a line as --json prints them, through the syslog transport to
 * SPEC, as sensor SENSOR, in batches of a few, reconnecting on a retry as
 * the outlet's sender would. Record N (from 1) gets the id "SENSOR/N";
 * its level is its "verdict", its type its "type". For tests/e2e/syslog.sh:
 * exit status 0 once every record is confirmed, 1 on any failure, 2 on
 * bad usage.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "record_outlet.h"
#include "sink_syslog.h"
#include "tcpverdict.h"

#include "banned.h"

/* Several batches even for a small capture, so that batch edges are
 * crossed; a few retries, as a server may still be starting. */
#define SEND_BATCH_COUNT 5
#define SEND_RETRY_COUNT 20

struct send_line {
    struct outlet_record rec;
    char id[128];
    char type[16];
    char *json; /* owned */
};

static int64_t send_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Fills l from one line of JSON; false if it is not a record. */
static bool send_parse(struct send_line *l, char *json, size_t json_len, const char *sensor,
                       size_t number)
{
    json_object *root = json_tokener_parse(json);
    json_object *type = NULL, *verdict = NULL;
    if (root == NULL || !json_object_object_get_ex(root, "type", &type)) {
        json_object_put(root);
        return false;
    }
    snprintf(l->type, sizeof(l->type), "%s", json_object_get_string(type));
    int level = TV_LEVEL_OK;
    if (json_object_object_get_ex(root, "verdict", &verdict)) {
        level = tv_level_parse(json_object_get_string(verdict));
        if (level < 0)
            level = TV_LEVEL_OK;
    }
    json_object_put(root);
    snprintf(l->id, sizeof(l->id), "%s/%zu", sensor, number);
    l->json = json;
    l->rec = (struct outlet_record){
        .type = l->type,
        .id = l->id,
        .sensor = sensor,
        .json = json,
        .json_len = json_len,
        .level = level,
        .made_us = send_now_us(),
    };
    return true;
}

/* Sends recs[0..n), reconnecting after a retry; false on any failure. */
static bool send_all(void *ctx, struct outlet_record **recs, size_t n)
{
    const struct outlet_transport *t = sink_syslog_transport();
    char err[256];
    bool is_connected = false;
    int retries = 0;
    size_t done = 0;
    while (done < n) {
        if (!is_connected) {
            enum outlet_result res = t->connect(ctx, err, sizeof(err));
            if (res != OUTLET_OK) {
                if (res != OUTLET_RETRY || ++retries > SEND_RETRY_COUNT) {
                    fprintf(stderr, "syslog_send: %s\n", err);
                    return false;
                }
                nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
                continue;
            }
            is_connected = true;
        }
        size_t batch = n - done < SEND_BATCH_COUNT ? n - done : SEND_BATCH_COUNT;
        size_t confirmed = 0;
        enum outlet_result res = t->send(ctx, recs + done, batch, &confirmed, err, sizeof(err));
        done += confirmed;
        if (res == OUTLET_OK)
            continue;
        if (res != OUTLET_RETRY || ++retries > SEND_RETRY_COUNT) {
            fprintf(stderr, "syslog_send: record %zu: %s\n", done + 1, err);
            return false;
        }
        t->disconnect(ctx);
        is_connected = false;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: syslog_send SPEC SENSOR <records.ndjson\n");
        return 2;
    }
    char err[256];
    void *ctx = sink_syslog_create(argv[1], err, sizeof(err));
    if (ctx == NULL) {
        fprintf(stderr, "syslog_send: %s\n", err);
        return 2;
    }
    struct send_line *lines = NULL;
    size_t count = 0, cap = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    bool is_ok = true;
    while (is_ok && (len = getline(&line, &line_cap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (count == cap) {
            cap = cap > 0 ? cap * 2 : 64;
            struct send_line *more = realloc(lines, cap * sizeof(*lines));
            if (more == NULL) {
                is_ok = false;
                break;
            }
            lines = more;
        }
        char *json = malloc((size_t)len + 1);
        if (json == NULL) {
            is_ok = false;
            break;
        }
        memcpy(json, line, (size_t)len + 1);
        if (!send_parse(&lines[count], json, (size_t)len, argv[2], count + 1)) {
            fprintf(stderr, "syslog_send: line %zu is not a record\n", count + 1);
            free(json);
            is_ok = false;
            break;
        }
        count++;
    }
    free(line);
    struct outlet_record **recs = calloc(count > 0 ? count : 1, sizeof(*recs));
    if (recs == NULL)
        is_ok = false;
    for (size_t i = 0; recs != NULL && i < count; i++)
        recs[i] = &lines[i].rec;
    if (is_ok)
        is_ok = send_all(ctx, recs, count);
    sink_syslog_transport()->destroy(ctx);
    for (size_t i = 0; i < count; i++)
        free(lines[i].json);
    free(lines);
    free(recs);
    return is_ok ? 0 : 1;
}
