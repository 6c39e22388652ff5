/*
 * Streaming decompression of gzip (zlib) and zstd (libzstd) data, the two
 * formats capture files are most often kept in. The only module that
 * uses zlib and libzstd. Knows nothing of files or capture formats: the
 * caller (input.c) hands in compressed bytes and takes decompressed ones.
 *
 * Several gzip members or zstd frames one after the other (as `cat a.gz
 * b.gz` or a parallel compressor makes) are one stream. Bytes after the
 * last gzip member that do not start another are ignored, as gzip -d
 * ignores them. Memory is bounded: zstd frames that need a window larger
 * than libzstd's default limit (128 MiB) are refused with libzstd's
 * message.
 */
#ifndef TV_DECOMPRESS_H
#define TV_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum decompress_kind {
    DECOMPRESS_GZIP = 0,
    DECOMPRESS_ZSTD,
};

enum decompress_status {
    DECOMPRESS_OK = 0, /* call again: with more input, or more room */
    DECOMPRESS_END,    /* the compressed data ended; what follows is not ours */
    DECOMPRESS_ERROR,  /* damaged data: decompress_error() says what */
};

struct decompress;

/* NULL if memory is short. */
struct decompress *decompress_create(enum decompress_kind kind);
void decompress_destroy(struct decompress *dz);

/* Decompresses from in[0, in_len) into out[0, out_cap), saying how much it
 * took and gave. Either it takes all the input, or it fills the output,
 * or it ends (END, ERROR; what it gave before an error is good). With
 * in_len 0 it only flushes what it holds. */
enum decompress_status decompress_step(struct decompress *dz, const uint8_t *in, size_t in_len,
                                       size_t *consumed, uint8_t *out, size_t out_cap,
                                       size_t *produced);

/* At the end of the compressed input: true if the data ended where a
 * member or frame ends, false if it was cut in the middle of one. */
bool decompress_is_complete(const struct decompress *dz);

const char *decompress_error(const struct decompress *dz);

/* "gzip" or "zstd". */
const char *decompress_kind_name(enum decompress_kind kind);

/* The kind whose magic number data starts with; false if none (or fewer
 * bytes than a magic number). */
bool decompress_detect(const uint8_t *data, size_t len, enum decompress_kind *kind);

/* A compression format this module does not read, named ("xz", "bzip2",
 * "lz4"), or NULL: so that such a file gets a message that says so. */
const char *decompress_unsupported_name(const uint8_t *data, size_t len);

/* "zlib 1.2.13", "libzstd 1.5.4": for --version. */
const char *decompress_zlib_version(void);
const char *decompress_zstd_version(void);

#endif
