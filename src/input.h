/*
 * Input: the bytes of one capture file, as the readers (reader_*.c) see
 * them, whatever holds them. A regular file (named, or standard input
 * redirected from one) is mapped and read in place; a pipe, a terminal or
 * other special file is read through a buffer. Data compressed with gzip
 * or zstd is recognised by its magic number, not by a file name, and
 * decompressed here (decompress.c), from a mapping or from a pipe, so
 * that the readers above never know it was compressed.
 *
 * Readers see a window over the (decompressed) bytes: input_peek() makes
 * the next n bytes contiguous and returns them without consuming them,
 * input_advance() consumes. Pointers into a stable input (is_stable: a
 * mapped file, or memory handed in whole) stay valid until input_close();
 * into any other, until the next input_peek(), input_skip() or
 * input_whole(). Offsets count from the start of the capture data: for
 * standard input, from where it was when opened; for compressed data, in
 * the decompressed bytes.
 *
 * Pages of a mapping well behind the read position are handed back to the
 * kernel as reading goes on, so that a large file does not stay resident;
 * a late reader of such a page faults it in again from the page cache. A
 * mapped file that shrinks while it is read raises SIGBUS (main.c says so).
 */
#ifndef TV_INPUT_H
#define TV_INPUT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"

#include "decompress.h"

/* The most a buffered input makes contiguous at once. */
#define INPUT_PEEK_CAP (64u << 20)

enum input_compression {
    INPUT_PLAIN = 0,
    INPUT_GZIP,
    INPUT_ZSTD,
};

struct input {
    /* The window, read by the inline functions below; input.c's to write. */
    const uint8_t *win; /* win_len bytes; win[pos] is the next to read */
    size_t win_len;
    size_t pos;
    uint64_t win_offset; /* offset of win[0] in the capture data */
    size_t release_pos;  /* mapped: reaching it hands back pages behind */
    bool is_stable;      /* window pointers live until input_close() */

    /* The rest is input.c's. */
    enum input_compression compression;
    int fd;                      /* -1 once done with it */
    bool owns_fd;                /* false for standard input */
    struct platform_map mapping; /* owned: of the file, or addr NULL */
    size_t released_len;         /* mapping pages before this were handed back */
    uint8_t *buf;                /* owned: the window of a buffered input */
    size_t buf_cap;
    const uint8_t *raw; /* compressed bytes not yet decompressed */
    size_t raw_len;
    uint8_t *raw_buf; /* owned: where raw points when read from fd or in chunks */
    size_t raw_buf_cap;
    bool is_raw_done;   /* no more raw bytes will come */
    const uint8_t *mem; /* memory input read in chunks: the rest of it */
    size_t mem_len;
    size_t mem_chunk;
    struct decompress *dz; /* owned, for compressed data */
    uint64_t data_cap;     /* decompressed bytes beyond this are an error */
    bool is_end;           /* no more bytes will come into the window */
    bool is_failed;        /* a read or decompression error ended it */
    char error[192];
};

/*
 * Opens path ("-": standard input). Returns NULL, with the reason in err,
 * if it cannot be opened or read at all.
 */
struct input *input_open(const char *path, char *err, size_t err_len);

/* Memory as an input (tests, fuzzing): handed in whole (chunk_len 0), so
 * that it reads like a mapped file, or given chunk_len bytes at a time, as
 * a pipe gives them. data must outlive the input. NULL if memory is short. */
struct input *input_open_memory(const uint8_t *data, size_t len, size_t chunk_len);

void input_close(struct input *in);

/* While *flag (set by a signal handler) is set, a read or open that a
 * signal interrupts ends the input there instead of waiting on (a pipe's
 * data ends, a FIFO's opening fails), for every input. NULL: never. */
void input_stop_on(const volatile sig_atomic_t *flag);

/* Makes decompressed data longer than cap_len an error (fuzzing: a small
 * input may decompress to gigabytes). Unlimited by default. */
void input_limit(struct input *in, uint64_t cap_len);

/* Out of line: input_peek() when the window is short. */
const uint8_t *input_fill(struct input *in, size_t n);
void input_release(struct input *in);

/* The next n bytes, contiguous, or NULL if the data ends (or fails)
 * first: input_available() then says how many are left, input_error()
 * whether it failed. */
static inline const uint8_t *input_peek(struct input *in, size_t n)
{
    if (in->win_len - in->pos >= n)
        return in->win + in->pos;
    return input_fill(in, n);
}

/* Consumes n bytes of those the last input_peek() returned. */
static inline void input_advance(struct input *in, size_t n)
{
    in->pos += n;
    if (in->pos >= in->release_pos)
        input_release(in);
}

/* Bytes in the window from the read position: after a failed
 * input_peek(), all that is left. */
static inline size_t input_available(const struct input *in)
{
    return in->win_len - in->pos;
}

/* Offset of the read position. */
static inline uint64_t input_offset(const struct input *in)
{
    return in->win_offset + in->pos;
}

/* Consumes n bytes without making them contiguous. False if the data
 * ends (or fails) first; everything up to there is consumed. */
bool input_skip(struct input *in, uint64_t n);

/* Every byte from offset 0, contiguous and stable, for formats read out of
 * order: a buffered input is first copied to an unlinked temporary file,
 * which is then mapped. Only before anything was consumed. NULL if that
 * fails or the data is longer than cap_len (input_error() says which). */
const uint8_t *input_whole(struct input *in, uint64_t cap_len, size_t *len);

/* Why the data ended early: a read or decompression error; "" if it just
 * ended. */
const char *input_error(const struct input *in);

enum input_compression input_compression(const struct input *in);
/* "gzip", "zstd", or NULL for plain data. */
const char *input_compression_name(enum input_compression compression);

#endif
