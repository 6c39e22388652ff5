/*
 * Inputs and decompression: data compressed here with zlib and libzstd
 * themselves (so the truth is known by construction) must come out byte
 * for byte, from memory handed in whole, in chunks, from a file and from
 * a pipe; several members and frames are one stream; a cut or damaged
 * stream says so; compression is known by content, not by name.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "check_main.h"
#include "input.h"
#include "reader.h"

#define DATA_LEN (3u << 20) /* more than one window buffer */

static uint8_t *plain;

static void make_plain(void)
{
    if (plain != NULL)
        return;
    plain = malloc(DATA_LEN);
    ck_assert_ptr_nonnull(plain);
    uint32_t x = 12345;
    for (size_t i = 0; i < DATA_LEN; i++) {
        /* Compressible, but not trivially. */
        x = x * 1103515245u + 12345u;
        plain[i] = (uint8_t)(i % 97 < 60 ? i % 7 : x >> 24);
    }
}

struct buf {
    uint8_t *data;
    size_t len;
};

static void buf_add(struct buf *b, const uint8_t *p, size_t n)
{
    b->data = realloc(b->data, b->len + n + 1);
    ck_assert_ptr_nonnull(b->data);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* One gzip member of data[0, len). */
static void gzip_member(struct buf *out, const uint8_t *data, size_t len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    uint8_t *tmp = malloc(cap);
    ck_assert_ptr_nonnull(tmp);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = tmp;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    buf_add(out, tmp, cap - z.avail_out);
    deflateEnd(&z);
    free(tmp);
}

static void zstd_frame(struct buf *out, const uint8_t *data, size_t len)
{
    size_t cap = ZSTD_compressBound(len);
    uint8_t *tmp = malloc(cap);
    ck_assert_ptr_nonnull(tmp);
    size_t n = ZSTD_compress(tmp, cap, data, len, 3);
    ck_assert(!ZSTD_isError(n));
    buf_add(out, tmp, n);
    free(tmp);
}

/* Everything an input gives, by peeks of odd sizes; *error what it said. */
static struct buf drain(struct input *in, char *error, size_t error_len)
{
    struct buf got = {0};
    size_t step = 1;
    for (;;) {
        const uint8_t *p = input_peek(in, step);
        if (p == NULL) {
            size_t left = input_available(in);
            p = input_peek(in, left);
            ck_assert(left == 0 || p != NULL);
            if (left > 0)
                buf_add(&got, p, left);
            input_advance(in, left);
            break;
        }
        buf_add(&got, p, step);
        input_advance(in, step);
        step = step * 3 % 65537 + 1;
    }
    snprintf(error, error_len, "%s", input_error(in));
    ck_assert_uint_eq(input_offset(in), got.len);
    return got;
}

static void expect_memory(const struct buf *compressed, enum input_compression kind,
                          const uint8_t *want, size_t want_len, const char *want_error)
{
    static const size_t chunks[] = {0, 1, 13, 65536};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        struct input *in = input_open_memory(compressed->data, compressed->len, chunks[i]);
        ck_assert_ptr_nonnull(in);
        ck_assert_int_eq(input_compression(in), kind);
        char error[256];
        struct buf got = drain(in, error, sizeof(error));
        ck_assert_msg(got.len == want_len, "chunk %zu: %zu bytes, %zu expected", chunks[i], got.len,
                      want_len);
        ck_assert(want_len == 0 || memcmp(got.data, want, want_len) == 0);
        if (want_error == NULL)
            ck_assert_str_eq(error, "");
        else
            ck_assert_msg(strstr(error, want_error) != NULL, "'%s' lacks '%s'", error, want_error);
        free(got.data);
        input_close(in);
    }
}

START_TEST(test_gzip_members_come_out_as_one_stream)
{
    make_plain();
    struct buf gz = {0};
    gzip_member(&gz, plain, DATA_LEN / 3);
    gzip_member(&gz, plain + DATA_LEN / 3, DATA_LEN - DATA_LEN / 3);
    expect_memory(&gz, INPUT_GZIP, plain, DATA_LEN, NULL);
    /* Bytes after the last member that start no other are ignored. */
    buf_add(&gz, (const uint8_t *)"trailing", 8);
    expect_memory(&gz, INPUT_GZIP, plain, DATA_LEN, NULL);
    free(gz.data);
}
END_TEST

START_TEST(test_zstd_frames_come_out_as_one_stream)
{
    make_plain();
    struct buf zs = {0};
    /* A skippable frame first, as some writers put one. */
    static const uint8_t skippable[] = {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4};
    buf_add(&zs, skippable, sizeof(skippable));
    zstd_frame(&zs, plain, DATA_LEN / 2);
    zstd_frame(&zs, plain + DATA_LEN / 2, DATA_LEN - DATA_LEN / 2);
    expect_memory(&zs, INPUT_ZSTD, plain, DATA_LEN, NULL);
    free(zs.data);
}
END_TEST

START_TEST(test_a_cut_or_damaged_stream_says_so)
{
    make_plain();
    struct buf gz = {0};
    gzip_member(&gz, plain, DATA_LEN);
    struct buf cut = {0};
    buf_add(&cut, gz.data, gz.len / 2);
    struct input *in = input_open_memory(cut.data, cut.len, 0);
    char error[256];
    struct buf got = drain(in, error, sizeof(error));
    ck_assert_ptr_nonnull(strstr(error, "gzip data ends in the middle"));
    ck_assert_uint_gt(got.len, 0); /* what came before the cut */
    ck_assert_mem_eq(got.data, plain, got.len);
    free(got.data);
    input_close(in);

    gz.data[gz.len / 2] ^= 0x55;
    in = input_open_memory(gz.data, gz.len, 0);
    got = drain(in, error, sizeof(error));
    ck_assert_ptr_nonnull(strstr(error, "gzip data is damaged"));
    free(got.data);
    input_close(in);

    struct buf zs = {0};
    zstd_frame(&zs, plain, DATA_LEN);
    zs.len -= 3;
    in = input_open_memory(zs.data, zs.len, 1000);
    got = drain(in, error, sizeof(error));
    ck_assert_ptr_nonnull(strstr(error, "zstd data ends in the middle"));
    free(got.data);
    input_close(in);
    free(gz.data);
    free(cut.data);
    free(zs.data);
}
END_TEST

/* A zstd frame of data with its content size and checksum, as zstd(1)
 * writes one. */
static void zstd_checked_frame(struct buf *out, const uint8_t *data, size_t len)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ck_assert_ptr_nonnull(cc);
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
    size_t cap = ZSTD_compressBound(len);
    uint8_t *tmp = malloc(cap);
    ck_assert_ptr_nonnull(tmp);
    size_t n = ZSTD_compress2(cc, tmp, cap, data, len);
    ck_assert(!ZSTD_isError(n));
    buf_add(out, tmp, n);
    free(tmp);
    ZSTD_freeCCtx(cc);
}

/* Whole in memory, as a mapping gives it, or in pieces, as a pipe does, a
 * damaged zstd frame gives the same bytes before the damage and the same
 * error: zstd decodes a frame lying whole in its input in one pass, which
 * on damage gives none of it, so the input never lets it (found by
 * fuzz_pcapng: a frame whose checksum did not match). */
START_TEST(test_a_damaged_zstd_frame_gives_the_same_bytes_whole_or_in_pieces)
{
    make_plain();
    const size_t len = 300000; /* three blocks */
    for (int damage = 0; damage < 2; damage++) {
        struct buf zs = {0};
        zstd_checked_frame(&zs, plain, len);
        /* The checksum, or the last block (the 4 bytes before are the
         * checksum): all 300000 bytes, or at least the first two blocks,
         * come out before the damage is found. */
        zs.data[zs.len - (damage == 0 ? 2 : 10)] ^= 0x5a;
        size_t good_len = damage == 0 ? len : 2 * 131072;
        struct buf first = {0};
        char first_error[256] = "";
        static const size_t chunks[] = {1, 0, 13, 4096, 65536};
        for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
            struct input *in = input_open_memory(zs.data, zs.len, chunks[i]);
            char error[256];
            struct buf got = drain(in, error, sizeof(error));
            ck_assert_msg(error[0] != '\0', "damage %d, chunk %zu: no error", damage, chunks[i]);
            if (i == 0) {
                first = got;
                snprintf(first_error, sizeof(first_error), "%s", error);
                ck_assert_uint_ge(first.len, good_len);
                ck_assert_mem_eq(first.data, plain, good_len);
            } else {
                ck_assert_msg(got.len == first.len,
                              "damage %d, chunk %zu: %zu bytes, %zu in pieces", damage, chunks[i],
                              got.len, first.len);
                ck_assert_str_eq(error, first_error);
                free(got.data);
            }
            input_close(in);
        }
        free(first.data);
        free(zs.data);
    }
}
END_TEST

static char *write_temp(const uint8_t *data, size_t len, const char *suffix)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/check_input_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

START_TEST(test_compression_is_known_by_content_not_by_name)
{
    make_plain();
    struct buf zs = {0};
    zstd_frame(&zs, plain, 100000);
    char *path = write_temp(zs.data, zs.len, ".pcap");
    char err[256];
    struct input *in = input_open(path, err, sizeof(err));
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(input_compression(in), INPUT_ZSTD);
    char error[256];
    struct buf got = drain(in, error, sizeof(error));
    ck_assert_uint_eq(got.len, 100000);
    ck_assert_mem_eq(got.data, plain, 100000);
    free(got.data);
    input_close(in);
    unlink(path);

    path = write_temp(plain, 1000, ".gz");
    in = input_open(path, err, sizeof(err));
    ck_assert_ptr_nonnull(in);
    ck_assert_int_eq(input_compression(in), INPUT_PLAIN);
    ck_assert(in->is_stable); /* a plain regular file: mapped */
    input_close(in);
    unlink(path);
    free(zs.data);
}
END_TEST

struct writer {
    int fd;
    const uint8_t *data;
    size_t len;
};

static void *write_all(void *arg)
{
    struct writer *w = arg;
    for (size_t off = 0; off < w->len;) {
        size_t n = w->len - off < 1000 ? w->len - off : 1000; /* a pipe's small pieces */
        ssize_t done = write(w->fd, w->data + off, n);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            break;
        off += (size_t)done;
    }
    close(w->fd);
    return NULL;
}

/* Opens standard input as a pipe that a thread fills with data. */
static struct input *open_piped(const uint8_t *data, size_t len, pthread_t *thread,
                                struct writer *w, int *saved_stdin)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    *saved_stdin = dup(STDIN_FILENO);
    ck_assert_int_ge(dup2(fds[0], STDIN_FILENO), 0);
    close(fds[0]);
    *w = (struct writer){.fd = fds[1], .data = data, .len = len};
    ck_assert_int_eq(pthread_create(thread, NULL, write_all, w), 0);
    char err[256];
    struct input *in = input_open("-", err, sizeof(err));
    ck_assert_msg(in != NULL, "%s", err);
    ck_assert(!in->is_stable);
    return in;
}

static void close_piped(struct input *in, pthread_t thread, int saved_stdin)
{
    input_close(in);
    pthread_join(thread, NULL);
    dup2(saved_stdin, STDIN_FILENO);
    close(saved_stdin);
}

START_TEST(test_a_pipe_gives_the_same_bytes_plain_or_compressed)
{
    make_plain();
    struct buf gz = {0};
    gzip_member(&gz, plain, DATA_LEN);
    struct buf zs = {0};
    zstd_frame(&zs, plain, DATA_LEN);
    const struct buf sources[] = {{plain, DATA_LEN}, gz, zs};
    static const enum input_compression kinds[] = {INPUT_PLAIN, INPUT_GZIP, INPUT_ZSTD};
    for (size_t i = 0; i < 3; i++) {
        pthread_t thread;
        struct writer w;
        int saved_stdin;
        struct input *in = open_piped(sources[i].data, sources[i].len, &thread, &w, &saved_stdin);
        ck_assert_int_eq(input_compression(in), kinds[i]);
        char error[256];
        struct buf got = drain(in, error, sizeof(error));
        ck_assert_str_eq(error, "");
        ck_assert_uint_eq(got.len, DATA_LEN);
        ck_assert_mem_eq(got.data, plain, DATA_LEN);
        free(got.data);
        close_piped(in, thread, saved_stdin);
    }
    free(gz.data);
    free(zs.data);
}
END_TEST

START_TEST(test_whole_data_from_a_pipe_is_copied_to_a_temporary_file)
{
    make_plain();
    struct buf gz = {0};
    gzip_member(&gz, plain, DATA_LEN);
    pthread_t thread;
    struct writer w;
    int saved_stdin;
    struct input *in = open_piped(gz.data, gz.len, &thread, &w, &saved_stdin);
    ck_assert_ptr_nonnull(input_peek(in, 4)); /* as a reader looks at the magic */
    size_t len = 0;
    const uint8_t *all = input_whole(in, UINT32_MAX, &len);
    ck_assert_ptr_nonnull(all);
    ck_assert(in->is_stable);
    ck_assert_uint_eq(len, DATA_LEN);
    ck_assert_mem_eq(all, plain, DATA_LEN);
    close_piped(in, thread, saved_stdin);

    /* Longer than the format allows. */
    in = open_piped(gz.data, gz.len, &thread, &w, &saved_stdin);
    ck_assert_ptr_null(input_whole(in, DATA_LEN - 1, &len));
    ck_assert_ptr_nonnull(strstr(input_error(in), "longer than the format allows"));
    /* The writer may block on a full pipe: drain what is left. */
    uint8_t sink[4096];
    while (read(STDIN_FILENO, sink, sizeof(sink)) > 0)
        ;
    close_piped(in, thread, saved_stdin);
    free(gz.data);
}
END_TEST

START_TEST(test_skipping_crosses_refills)
{
    make_plain();
    struct input *in = input_open_memory(plain, DATA_LEN, 777);
    ck_assert(input_skip(in, 2000001));
    const uint8_t *p = input_peek(in, 10);
    ck_assert_ptr_nonnull(p);
    ck_assert_mem_eq(p, plain + 2000001, 10);
    ck_assert_uint_eq(input_offset(in), 2000001);
    ck_assert(!input_skip(in, DATA_LEN));
    ck_assert_uint_eq(input_offset(in), DATA_LEN);
    input_close(in);
}
END_TEST

START_TEST(test_what_is_not_a_capture_is_named)
{
    static const struct {
        const uint8_t bytes[8];
        const char *says;
    } cases[] = {
        {{0xfd, '7', 'z', 'X', 'Z', 0, 0, 0}, "compressed with xz"},
        {{'B', 'Z', 'h', '9', 0x31, 0x41, 0, 0}, "compressed with bzip2"},
        {{'P', 'K', 3, 4, 0, 0, 0, 0}, "compressed with zip"},
        {{'h', 'e', 'l', 'l', 'o', '!', '\n', 0}, "not a capture file tcpverdict reads"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct input *in = input_open_memory(cases[i].bytes, 8, 0);
        char err[256];
        ck_assert_ptr_null(reader_open(in, err, sizeof(err)));
        ck_assert_msg(strstr(err, cases[i].says) != NULL, "'%s'", err);
        input_close(in);
    }
    /* gzip inside gzip */
    struct buf inner = {0};
    gzip_member(&inner, (const uint8_t *)"abcdefgh", 8);
    struct buf outer = {0};
    gzip_member(&outer, inner.data, inner.len);
    struct input *in = input_open_memory(outer.data, outer.len, 0);
    char err[256];
    ck_assert_ptr_null(reader_open(in, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "compressed twice"));
    input_close(in);
    in = input_open_memory(outer.data, 0, 0);
    ck_assert_ptr_null(reader_open(in, err, sizeof(err)));
    ck_assert_str_eq(err, "empty: not a capture file");
    input_close(in);
    free(inner.data);
    free(outer.data);
}
END_TEST

START_TEST(test_more_than_a_buffered_input_takes_at_once_is_an_error)
{
    make_plain();
    struct input *in = input_open_memory(plain, DATA_LEN, 4096);
    ck_assert_ptr_null(input_peek(in, INPUT_PEEK_CAP + 1));
    ck_assert_ptr_nonnull(strstr(input_error(in), "64 MiB"));
    input_close(in);
}
END_TEST

static Suite *input_suite(void)
{
    Suite *s = suite_create("input");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_gzip_members_come_out_as_one_stream);
    tcase_add_test(tc, test_zstd_frames_come_out_as_one_stream);
    tcase_add_test(tc, test_a_cut_or_damaged_stream_says_so);
    tcase_add_test(tc, test_a_damaged_zstd_frame_gives_the_same_bytes_whole_or_in_pieces);
    tcase_add_test(tc, test_compression_is_known_by_content_not_by_name);
    tcase_add_test(tc, test_a_pipe_gives_the_same_bytes_plain_or_compressed);
    tcase_add_test(tc, test_whole_data_from_a_pipe_is_copied_to_a_temporary_file);
    tcase_add_test(tc, test_skipping_crosses_refills);
    tcase_add_test(tc, test_what_is_not_a_capture_is_named);
    tcase_add_test(tc, test_more_than_a_buffered_input_takes_at_once_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_main_run(input_suite());
}
