/*
 * spool_file: records kept between runs read back as they were written,
 * lines that are not records skipped and counted, the file replaced only
 * once the new one is whole, and removed when nothing is left to keep.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "spool_file.h"

struct seen {
    char lines[8][256];
    size_t count;
};

static void collect(void *ctx, const char *destination, const struct outlet_record *rec)
{
    struct seen *s = ctx;
    if (s->count < 8)
        snprintf(s->lines[s->count++], sizeof(s->lines[0]), "%s|%s|%s|%s|%d|%lld|%.*s", destination,
                 rec->type, rec->id, rec->sensor, rec->level, (long long)rec->made_us,
                 (int)rec->json_len, rec->json);
}

static struct outlet_record record(const char *type, const char *id, const char *json)
{
    struct outlet_record r = {.type = type,
                              .id = id,
                              .sensor = "s1",
                              .json = json,
                              .json_len = strlen(json),
                              .level = 3,
                              .made_us = 1796000000000001};
    return r;
}

static void temp_path(char *path, size_t len)
{
    snprintf(path, len, "%s/tv-spool-XXXXXX", getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

START_TEST(test_records_read_back_as_written)
{
    char path[256], err[256];
    temp_path(path, sizeof(path));
    struct spool_file *f = spool_file_create(path, err, sizeof(err));
    struct outlet_record a = record("flow", "s1:r:3", "{\"type\":\"flow\",\"x\":\"a\\tb\"}");
    struct outlet_record b = record("summary", "s1:r:summary", "{\"type\":\"summary\"}");
    ck_assert(spool_file_add(f, "redis 127.0.0.1:6379/v", &a));
    ck_assert(spool_file_add(f, "syslog udp:[::1]:514", &b));
    ck_assert_uint_eq(spool_file_count(f), 2);
    ck_assert(spool_file_commit(f, err, sizeof(err)));
    spool_file_destroy(f);
    struct seen s = {0};
    struct spool_file_counts counts;
    ck_assert(spool_file_read(path, 1 << 20, collect, &s, &counts, err, sizeof(err)));
    ck_assert_uint_eq(counts.records, 2);
    ck_assert_uint_eq(counts.bad, 0);
    ck_assert_str_eq(s.lines[0], "redis 127.0.0.1:6379/v|flow|s1:r:3|s1|3|1796000000000001|"
                                 "{\"type\":\"flow\",\"x\":\"a\\tb\"}");
    ck_assert_str_eq(s.lines[1], "syslog udp:[::1]:514|summary|s1:r:summary|s1|3|"
                                 "1796000000000001|{\"type\":\"summary\"}");
    unlink(path);
}
END_TEST

START_TEST(test_what_is_not_a_record_is_skipped_and_counted)
{
    char path[256], err[256];
    temp_path(path, sizeof(path));
    FILE *out = fopen(path, "w");
    fputs("tv1\td\tflow\tid1\ts\t0\t5\t{\"a\":1}\n", out);        /* good */
    fputs("tv2\td\tflow\tid2\ts\t0\t5\t{\"a\":1}\n", out);        /* another version */
    fputs("tv1\td\tpacket\tid3\ts\t0\t5\t{\"a\":1}\n", out);      /* a type not known */
    fputs("tv1\td\tflow\tid4\ts\t9\t5\t{\"a\":1}\n", out);        /* a level past fail */
    fputs("tv1\td\tflow\t\ts\t0\t5\t{\"a\":1}\n", out);           /* no id */
    fputs("tv1\td\tflow\tid6\ts\t0\t5\tnot json\n", out);         /* not an object */
    fputs("tv1\td\tflow\tid7\ts\t0\t5\t{\"a\":1}\textra\n", out); /* a tab in the JSON */
    fputs("tv1\td\tflow\tid8\ts\t0\t-5\t{\"a\":1}\n", out);       /* made before 1970 */
    fputs("tv1\td\tflow\tid9\ts\t0\t5\t{\"a\":1}", out);          /* cut short */
    fclose(out);
    struct seen s = {0};
    struct spool_file_counts counts;
    ck_assert(spool_file_read(path, 1 << 20, collect, &s, &counts, err, sizeof(err)));
    ck_assert_uint_eq(counts.records, 1);
    ck_assert_uint_eq(counts.bad, 8);
    ck_assert_str_eq(s.lines[0], "d|flow|id1|s|0|5|{\"a\":1}");
    /* Past the cap, lines are counted, not read. */
    memset(&s, 0, sizeof(s));
    ck_assert(spool_file_read(path, 10, collect, &s, &counts, err, sizeof(err)));
    ck_assert_uint_eq(counts.records, 0);
    unlink(path);
}
END_TEST

START_TEST(test_nothing_kept_removes_the_file_and_tabs_are_refused)
{
    char path[256], err[256];
    temp_path(path, sizeof(path));
    struct spool_file *f = spool_file_create(path, err, sizeof(err));
    struct outlet_record tabbed = record("flow", "s1:r:3", "{\"a\":\"\t\"}");
    ck_assert(!spool_file_add(f, "d", &tabbed));
    struct outlet_record plain = record("flow", "s1:r:3", "{}");
    ck_assert(!spool_file_add(f, "a\tb", &plain));
    ck_assert_uint_eq(spool_file_count(f), 0);
    ck_assert(spool_file_commit(f, err, sizeof(err)));
    spool_file_destroy(f);
    ck_assert_int_ne(access(path, F_OK), 0);
    /* A file that does not exist holds nothing: not an error. */
    struct seen s = {0};
    struct spool_file_counts counts;
    ck_assert(spool_file_read(path, 1 << 20, collect, &s, &counts, err, sizeof(err)));
    ck_assert_uint_eq(counts.records, 0);
    /* A directory is refused. */
    ck_assert(!spool_file_read("/", 1 << 20, collect, &s, &counts, err, sizeof(err)));
    ck_assert(strstr(err, "not a regular file") != NULL);
}
END_TEST

static Suite *spool_file_suite(void)
{
    Suite *s = suite_create("spool_file");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_records_read_back_as_written);
    tcase_add_test(tc, test_what_is_not_a_record_is_skipped_and_counted);
    tcase_add_test(tc, test_nothing_kept_removes_the_file_and_tabs_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(spool_file_suite());
}
