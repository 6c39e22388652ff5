/*
 * Input: mapping, buffering and decompression below the readers. See
 * input.h.
 *
 * Three ways bytes arrive: a mapping (or memory handed in whole), which is
 * the window itself when the data is plain; a descriptor read with read();
 * memory handed out in chunks. Compressed data always goes through the
 * decompressor into the window buffer, taking its input straight from the
 * mapping when there is one, so nothing is copied before decompression.
 *
 * Invariants: pos <= win_len; a stable window never moves; the window
 * buffer only ever holds bytes not yet consumed, moved to its front when
 * it is refilled.
 */
#include "input.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform.h"
#include "printf_format.h"

#include "banned.h"

/* input_stop_on(): set by a signal handler, read here. */
static const volatile sig_atomic_t *input_stop_flag;

void input_stop_on(const volatile sig_atomic_t *flag)
{
    input_stop_flag = flag;
}

static bool input_is_stopped(void)
{
    return input_stop_flag != NULL && *input_stop_flag;
}

/* A buffered window starts this large and doubles as blocks need. */
#define INPUT_BUF_LEN (1u << 20)
/* Compressed bytes read from a descriptor at once. */
#define INPUT_RAW_LEN  (256u << 10)
#define INPUT_PAGE_LEN 4096u
/* Pages further behind the read position than this are released, this
 * many at a time. The pipeline holds at most a few thousand packets in
 * flight, far less than the lag, so a released page is rarely read again. */
#define INPUT_RELEASE_LAG  (4u << 20)
#define INPUT_RELEASE_STEP (1u << 20)

/* The window of an input with no bytes at all. */
static const uint8_t input_nothing[1];

static struct input *input_new(void)
{
    struct input *in = calloc(1, sizeof(*in));
    if (in == NULL)
        return NULL;
    in->fd = -1;
    in->win = input_nothing;
    in->release_pos = SIZE_MAX;
    in->data_cap = UINT64_MAX;
    return in;
}

void input_close(struct input *in)
{
    if (in == NULL)
        return;
    platform_unmap(&in->mapping);
    if (in->owns_fd && in->fd >= 0)
        close(in->fd);
    decompress_destroy(in->dz);
    free(in->buf);
    free(in->raw_buf);
    free(in);
}

static void input_fail(struct input *in, const char *fmt, ...) TV_PRINTF(2, 3);

static void input_fail(struct input *in, const char *fmt, ...)
{
    if (!in->is_failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(in->error, sizeof(in->error), fmt, ap);
        va_end(ap);
    }
    in->is_failed = true;
    in->is_end = true;
}

void input_limit(struct input *in, uint64_t cap_len)
{
    in->data_cap = cap_len;
}

const char *input_error(const struct input *in)
{
    return in->is_failed ? in->error : "";
}

enum input_compression input_compression(const struct input *in)
{
    return in->compression;
}

const char *input_compression_name(enum input_compression compression)
{
    switch (compression) {
    case INPUT_GZIP:
        return "gzip";
    case INPUT_ZSTD:
        return "zstd";
    case INPUT_PLAIN:
        break;
    }
    return NULL;
}

/* Where the mapping is read from: the window of plain data, or the
 * decompressor's input. */
static size_t input_map_pos(const struct input *in)
{
    if (in->dz == NULL)
        return (size_t)(in->win - in->mapping.addr) + in->pos;
    return (size_t)(in->raw - in->mapping.addr);
}

void input_release(struct input *in)
{
    if (in->mapping.addr == NULL) {
        in->release_pos = SIZE_MAX;
        return;
    }
    size_t at = input_map_pos(in);
    if (at - in->released_len >= INPUT_RELEASE_LAG + INPUT_RELEASE_STEP) {
        size_t upto = (at - INPUT_RELEASE_LAG) / INPUT_PAGE_LEN * INPUT_PAGE_LEN;
        platform_map_release(&in->mapping, in->released_len, upto - in->released_len);
        in->released_len = upto;
    }
    if (in->dz == NULL) {
        size_t next = in->released_len + INPUT_RELEASE_LAG + INPUT_RELEASE_STEP;
        size_t base = (size_t)(in->win - in->mapping.addr);
        in->release_pos = next > base ? next - base : 0;
    }
}

/* Starts decompressing if the first bytes say the data is compressed. */
static bool input_detect(struct input *in, const uint8_t *first, size_t len)
{
    enum decompress_kind kind;
    if (!decompress_detect(first, len, &kind))
        return true;
    in->compression = kind == DECOMPRESS_GZIP ? INPUT_GZIP : INPUT_ZSTD;
    in->dz = decompress_create(kind);
    in->buf = malloc(INPUT_BUF_LEN);
    if (in->dz == NULL || in->buf == NULL)
        return false;
    in->buf_cap = INPUT_BUF_LEN;
    in->win = in->buf;
    in->win_len = 0;
    in->is_stable = false;
    return true;
}

/* Reads up to len raw bytes from the descriptor or the memory chunks:
 * the count, 0 at the end, or -1 after input_fail(). */
static ssize_t input_read_raw(struct input *in, uint8_t *out, size_t len)
{
    if (in->fd < 0) {
        size_t n = in->mem_len < len ? in->mem_len : len;
        if (n > in->mem_chunk)
            n = in->mem_chunk;
        if (n > 0)
            memcpy(out, in->mem, n);
        in->mem += n;
        in->mem_len -= n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(in->fd, out, len);
        if (n >= 0)
            return n;
        if (errno != EINTR) {
            input_fail(in, "read error: %s", strerror(errno));
            return -1;
        }
        /* Waiting on a pipe when told to stop: the data ends here. */
        if (input_is_stopped())
            return 0;
    }
}

/* Decompressor input: keeps what was not taken, reads more behind it. */
static void input_refill_raw(struct input *in)
{
    if (in->raw_buf == NULL) {
        in->raw_buf = malloc(INPUT_RAW_LEN);
        if (in->raw_buf == NULL) {
            input_fail(in, "%s", "out of memory");
            return;
        }
        in->raw_buf_cap = INPUT_RAW_LEN;
        if (in->raw_len > 0)
            memcpy(in->raw_buf, in->raw, in->raw_len); /* the bytes detection read */
    } else if (in->raw_len > 0 && in->raw != in->raw_buf) {
        memmove(in->raw_buf, in->raw, in->raw_len);
    }
    in->raw = in->raw_buf;
    if (in->raw_len == in->raw_buf_cap) {
        input_fail(in, "%s", "the decompressor takes no more input");
        return;
    }
    ssize_t n = input_read_raw(in, in->raw_buf + in->raw_len, in->raw_buf_cap - in->raw_len);
    if (n <= 0)
        in->is_raw_done = true;
    else
        in->raw_len += (size_t)n;
}

/* Appends decompressed or read bytes to the window buffer, up to its
 * capacity; sets is_end (and maybe is_failed) when nothing more comes. */
static void input_produce(struct input *in)
{
    uint8_t *out = in->buf + in->win_len;
    size_t room = in->buf_cap - in->win_len;
    if (in->dz == NULL) {
        ssize_t n = input_read_raw(in, out, room);
        if (n <= 0)
            in->is_end = true;
        else
            in->win_len += (size_t)n;
        return;
    }
    for (;;) {
        if (in->raw_len == 0 && !in->is_raw_done)
            input_refill_raw(in);
        size_t used = 0;
        size_t made = 0;
        enum decompress_status status =
            decompress_step(in->dz, in->raw, in->raw_len, &used, out, room, &made);
        in->raw += used;
        in->raw_len -= used;
        in->win_len += made;
        if (in->mapping.addr != NULL)
            input_release(in);
        if (status == DECOMPRESS_ERROR) {
            input_fail(in, "%s", decompress_error(in->dz));
            return;
        }
        if (status == DECOMPRESS_END) {
            in->is_end = made == 0;
            return;
        }
        if (in->win_offset + in->win_len > in->data_cap) {
            input_fail(in, "%s", "more decompressed data than allowed");
            return;
        }
        if (made > 0)
            return;
        if (in->is_raw_done) {
            if (!decompress_is_complete(in->dz))
                input_fail(in, "%s data ends in the middle: the file is cut short",
                           decompress_kind_name(in->compression == INPUT_GZIP ? DECOMPRESS_GZIP
                                                                              : DECOMPRESS_ZSTD));
            in->is_end = true;
            return;
        }
        if (used == 0)
            input_refill_raw(in);
    }
}

/* Moves the unread bytes to the buffer's front and makes room for n. */
static bool input_make_room(struct input *in, size_t n)
{
    size_t left = in->win_len - in->pos;
    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, left);
        in->win_offset += in->pos;
        in->pos = 0;
        in->win_len = left;
    }
    if (in->buf_cap >= n)
        return true;
    size_t cap = in->buf_cap;
    while (cap < n)
        cap *= 2;
    uint8_t *bigger = realloc(in->buf, cap);
    if (bigger == NULL) {
        input_fail(in, "%s", "out of memory");
        return false;
    }
    in->buf = bigger;
    in->buf_cap = cap;
    in->win = bigger;
    return true;
}

const uint8_t *input_fill(struct input *in, size_t n)
{
    if (in->is_stable || in->is_end)
        return NULL;
    if (n > INPUT_PEEK_CAP) {
        input_fail(in, "%s", "a record longer than 64 MiB");
        return NULL;
    }
    if (!input_make_room(in, n))
        return NULL;
    /* Decompressing from memory, fill the buffer: fewer, larger steps.
     * From a pipe, do not wait for more than was asked. */
    bool is_raw_whole = in->dz != NULL && in->fd < 0 && in->mem_chunk == 0;
    while (in->win_len < in->buf_cap && !in->is_end) {
        input_produce(in);
        if (in->win_len >= n && !is_raw_whole)
            break;
    }
    return in->win_len >= n ? in->buf : NULL;
}

bool input_skip(struct input *in, uint64_t n)
{
    for (;;) {
        size_t left = in->win_len - in->pos;
        if (n <= left) {
            input_advance(in, (size_t)n);
            return true;
        }
        input_advance(in, left);
        n -= left;
        if (input_fill(in, 1) == NULL)
            return false;
    }
}

static struct input *input_open_fail(struct input *in, char *err, size_t err_len, const char *what)
{
    snprintf(err, err_len, "%s", what);
    input_close(in);
    return NULL;
}

/* Maps a regular file's data from start; false if it cannot be (then it
 * is read with read()). */
static bool input_map(struct input *in, int fd, const struct stat *st, uint64_t start)
{
    if (!S_ISREG(st->st_mode) || st->st_size <= 0 || (uintmax_t)st->st_size > SIZE_MAX ||
        (uint64_t)st->st_size <= start)
        return false;
    size_t len = (size_t)st->st_size;
    /* The whole file: mappings start on a page, the data need not. */
    if (!platform_map_file(fd, len, &in->mapping))
        return false;
    platform_map_sequential(&in->mapping);
    in->released_len = (size_t)start / INPUT_PAGE_LEN * INPUT_PAGE_LEN;
    in->win = in->mapping.addr + start;
    in->win_len = len - (size_t)start;
    in->is_stable = true;
    in->release_pos = 0;
    return true;
}

struct input *input_open(const char *path, char *err, size_t err_len)
{
    struct input *in = input_new();
    if (in == NULL)
        return input_open_fail(NULL, err, err_len, "out of memory");
    uint64_t start = 0;
    if (strcmp(path, "-") == 0) {
        in->fd = platform_stdin_fd();
        off_t at = lseek(in->fd, 0, SEEK_CUR);
        start = at > 0 ? (uint64_t)at : 0;
    } else {
        do
            in->fd = platform_open_read(path);
        while (in->fd < 0 && errno == EINTR && !input_is_stopped());
        if (in->fd < 0)
            return input_open_fail(in, err, err_len, strerror(errno));
        in->owns_fd = true;
    }
    struct stat st;
    if (fstat(in->fd, &st) != 0)
        return input_open_fail(in, err, err_len, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return input_open_fail(in, err, err_len, strerror(EISDIR));

    if (input_map(in, in->fd, &st, start)) {
        if (in->owns_fd)
            close(in->fd); /* the mapping keeps the file */
        in->fd = -1;
        in->owns_fd = false;
        const uint8_t *data = in->win;
        size_t len = in->win_len;
        if (!input_detect(in, data, len))
            return input_open_fail(in, err, err_len, "out of memory");
        if (in->dz != NULL) {
            in->raw = data;
            in->raw_len = len;
            in->is_raw_done = true;
            in->release_pos = SIZE_MAX; /* released as the decompressor reads */
        } else {
            input_release(in);
        }
        return in;
    }

    /* Read with read(): a few bytes first, to see whether they are
     * compressed. */
    in->buf = malloc(INPUT_BUF_LEN);
    if (in->buf == NULL)
        return input_open_fail(in, err, err_len, "out of memory");
    in->buf_cap = INPUT_BUF_LEN;
    in->win = in->buf;
    while (in->win_len < 8 && !in->is_end)
        input_produce(in);
    if (in->is_failed)
        return input_open_fail(in, err, err_len, in->error);
    enum decompress_kind kind;
    if (decompress_detect(in->buf, in->win_len, &kind)) {
        /* What was read is compressed: it becomes the decompressor's input. */
        in->raw_buf = in->buf;
        in->raw_buf_cap = in->buf_cap;
        in->raw = in->raw_buf;
        in->raw_len = in->win_len;
        in->is_raw_done = in->is_end;
        in->is_end = false;
        in->buf = NULL;
        in->win_len = 0;
        if (!input_detect(in, in->raw, in->raw_len))
            return input_open_fail(in, err, err_len, "out of memory");
    }
    return in;
}

struct input *input_open_memory(const uint8_t *data, size_t len, size_t chunk_len)
{
    struct input *in = input_new();
    if (in == NULL)
        return NULL;
    if (chunk_len == 0) {
        in->win = len > 0 ? data : input_nothing;
        in->win_len = len;
        in->is_stable = true;
        if (!input_detect(in, data, len)) {
            input_close(in);
            return NULL;
        }
        if (in->dz != NULL) {
            in->raw = data;
            in->raw_len = len;
            in->is_raw_done = true;
        }
        return in;
    }
    in->mem = data;
    in->mem_len = len;
    in->mem_chunk = chunk_len;
    enum decompress_kind kind;
    if (decompress_detect(data, len, &kind)) {
        if (!input_detect(in, data, len)) {
            input_close(in);
            return NULL;
        }
        return in;
    }
    in->buf = malloc(INPUT_BUF_LEN);
    if (in->buf == NULL) {
        input_close(in);
        return NULL;
    }
    in->buf_cap = INPUT_BUF_LEN;
    in->win = in->buf;
    return in;
}

/* Copies the whole data into an unlinked temporary file and maps it. */
static const uint8_t *input_spool(struct input *in, uint64_t cap_len, size_t *len)
{
    int fd = platform_temp_fd();
    if (fd < 0) {
        input_fail(in, "cannot make a temporary file: %s", strerror(errno));
        return NULL;
    }
    uint64_t total = 0;
    for (;;) {
        for (size_t off = 0; off < in->win_len;) {
            ssize_t n = write(fd, in->buf + off, in->win_len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                input_fail(in, "cannot write a temporary file: %s", strerror(errno));
                close(fd);
                return NULL;
            }
            off += (size_t)n;
        }
        total += in->win_len;
        in->win_len = 0;
        if (total > cap_len || total > in->data_cap) {
            input_fail(in, "%s", "the data is longer than the format allows");
            close(fd);
            return NULL;
        }
        if (in->is_end)
            break;
        input_produce(in);
    }
    if (in->is_failed || total > SIZE_MAX) {
        close(fd);
        return NULL;
    }
    if (in->mapping.addr != NULL) {
        /* The compressed file: all of it is decompressed now. */
        platform_unmap(&in->mapping);
        in->raw = NULL;
        in->raw_len = 0;
    }
    struct stat st;
    bool is_mapped = fstat(fd, &st) == 0 && input_map(in, fd, &st, 0);
    close(fd);
    if (total == 0) {
        in->win = input_nothing;
        in->is_stable = true;
    } else if (!is_mapped) {
        input_fail(in, "cannot map a temporary file: %s", strerror(errno));
        return NULL;
    }
    free(in->buf);
    in->buf = NULL;
    in->buf_cap = 0;
    *len = in->win_len;
    return in->win;
}

const uint8_t *input_whole(struct input *in, uint64_t cap_len, size_t *len)
{
    if (in->win_offset != 0) {
        input_fail(in, "%s", "cannot go back to the start");
        return NULL;
    }
    if (in->is_stable) {
        if (in->win_len > cap_len) {
            input_fail(in, "%s", "the data is longer than the format allows");
            return NULL;
        }
        *len = in->win_len;
        /* Read out of order: handing pages back would only cost reads. */
        in->release_pos = SIZE_MAX;
        return in->win;
    }
    const uint8_t *data = input_spool(in, cap_len, len);
    if (data != NULL)
        in->release_pos = SIZE_MAX;
    return data;
}
