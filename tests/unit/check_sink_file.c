/*
 * Sink tests: records reach the file only whole, in order, once the
 * buffer would overflow or on a flush; a record larger than the buffer
 * goes out alone; immediate mode writes each at once; a write error is
 * kept and reported, as on a full disk.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "sink_file.h"

static int fd;

static void setup(void)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    fd = dup(fileno(f));
    fclose(f);
    ck_assert_int_ge(fd, 0);
}

static void teardown(void)
{
    close(fd);
}

/* What the file holds so far (no pread(2) on Windows: the offset is put
 * back at the end, where the sink's next write goes). */
static size_t file_text(char *buf, size_t cap)
{
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ssize_t n = read(fd, buf, cap - 1);
    ck_assert_int_ge(n, 0);
    ck_assert_int_ge(lseek(fd, 0, SEEK_END), n);
    buf[n] = '\0';
    return (size_t)n;
}

static const char rec30[] = "a record of exactly 30 bytes.\n";

START_TEST(test_only_whole_records_reach_the_file)
{
    struct sink_file *s = sink_file_create(fd, 100, false);
    ck_assert_ptr_nonnull(s);
    char buf[1024];
    for (int i = 0; i < 3; i++)
        sink_file_write(s, rec30, 30);
    ck_assert_uint_eq(file_text(buf, sizeof(buf)), 0); /* gathered */
    sink_file_write(s, rec30, 30);                     /* 120 > 100: the three go first */
    ck_assert_uint_eq(file_text(buf, sizeof(buf)), 90);
    ck_assert(sink_file_flush(s));
    ck_assert_uint_eq(file_text(buf, sizeof(buf)), 120);
    sink_file_destroy(s);
}
END_TEST

START_TEST(test_a_record_larger_than_the_buffer_goes_out_alone_in_order)
{
    struct sink_file *s = sink_file_create(fd, 64, false);
    char big[200];
    memset(big, 'b', sizeof(big));
    big[sizeof(big) - 1] = '\n';
    sink_file_write(s, "first\n", 6);
    sink_file_write(s, big, sizeof(big));
    char buf[1024];
    ck_assert_uint_eq(file_text(buf, sizeof(buf)), 6 + sizeof(big));
    ck_assert(strncmp(buf, "first\nbbb", 9) == 0);
    sink_file_destroy(s); /* flushes */
}
END_TEST

START_TEST(test_immediate_mode_writes_each_record_at_once)
{
    struct sink_file *s = sink_file_create(fd, 4096, true);
    char buf[1024];
    sink_file_write(s, rec30, 30);
    ck_assert_uint_eq(file_text(buf, sizeof(buf)), 30);
    sink_file_write(s, rec30, 30);
    ck_assert_uint_eq(file_text(buf, sizeof(buf)), 60);
    sink_file_destroy(s);
}
END_TEST

START_TEST(test_a_full_disk_is_reported)
{
    int full = open("/dev/full", O_WRONLY);
    if (full < 0)
        return; /* no /dev/full here */
    struct sink_file *s = sink_file_create(full, 64, false);
    sink_file_write(s, rec30, 30);
    errno = 0;
    ck_assert(!sink_file_flush(s));
    ck_assert_int_eq(errno, ENOSPC);
    sink_file_write(s, rec30, 30); /* dropped: the error stays */
    ck_assert(!sink_file_flush(s));
    sink_file_destroy(s);
    close(full);
}
END_TEST

static Suite *sink_file_suite(void)
{
    Suite *s = suite_create("sink_file");
    TCase *tc = tcase_create("sink_file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_only_whole_records_reach_the_file);
    tcase_add_test(tc, test_a_record_larger_than_the_buffer_goes_out_alone_in_order);
    tcase_add_test(tc, test_immediate_mode_writes_each_record_at_once);
    tcase_add_test(tc, test_a_full_disk_is_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(sink_file_suite());
}
