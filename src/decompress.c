/*
 * gzip through zlib's inflate (gzip wrapper only), zstd through libzstd's
 * streaming decoder. See decompress.h.
 *
 * Invariant: once a step returned END or ERROR, every later step returns
 * the same and touches nothing. zlib counts in uInt, so large buffers are
 * handed to it in pieces.
 */
#include "decompress.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
/* next_in is then const, as our input is. */
#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>

#include "banned.h"

/* RFC 1952 2.3.1: ID1, ID2. */
#define GZIP_ID1 0x1f
#define GZIP_ID2 0x8b
/* RFC 8878 3.1.1 and 3.1.2: a frame's magic number, and the range of
 * skippable frames' (little-endian). */
#define ZSTD_FRAME_MAGIC     0xfd2fb528u
#define ZSTD_SKIPPABLE_MAGIC 0x184d2a50u
#define ZSTD_SKIPPABLE_MASK  0xfffffff0u
/* RFC 8878 3.1.1.2: a block is at most 128 KiB after its 3-byte header. */
#define ZSTD_UNIT_MAX (128u * 1024 + 3)

struct decompress {
    enum decompress_kind kind;
    enum decompress_status final; /* END or ERROR once reached; OK before */
    bool is_in_unit;              /* inside a gzip member or zstd frame */
    bool has_member;              /* gzip: a member was started, so reset before the next */
    z_stream z;                   /* gzip; initialised with has_z */
    bool has_z;
    ZSTD_DStream *zs;     /* owned: zstd */
    size_t zstd_next_len; /* input zstd asked for next; 0 at a frame's start */
    char error[160];
};

struct decompress *decompress_create(enum decompress_kind kind)
{
    struct decompress *dz = calloc(1, sizeof(*dz));
    if (dz == NULL)
        return NULL;
    dz->kind = kind;
    if (kind == DECOMPRESS_GZIP) {
        /* 16 + window bits: the gzip wrapper and nothing else. */
        if (inflateInit2(&dz->z, 16 + MAX_WBITS) != Z_OK) {
            free(dz);
            return NULL;
        }
        dz->has_z = true;
    } else {
        dz->zs = ZSTD_createDStream();
        if (dz->zs == NULL || ZSTD_isError(ZSTD_initDStream(dz->zs))) {
            decompress_destroy(dz);
            return NULL;
        }
    }
    return dz;
}

void decompress_destroy(struct decompress *dz)
{
    if (dz == NULL)
        return;
    if (dz->has_z)
        inflateEnd(&dz->z);
    ZSTD_freeDStream(dz->zs);
    free(dz);
}

const char *decompress_error(const struct decompress *dz)
{
    return dz->error;
}

bool decompress_is_complete(const struct decompress *dz)
{
    return dz->final == DECOMPRESS_END || (dz->final == DECOMPRESS_OK && !dz->is_in_unit);
}

static enum decompress_status decompress_fail(struct decompress *dz, const char *what)
{
    snprintf(dz->error, sizeof(dz->error), "%s data is damaged (%s)",
             decompress_kind_name(dz->kind), what != NULL ? what : "no reason given");
    dz->final = DECOMPRESS_ERROR;
    return DECOMPRESS_ERROR;
}

static uInt decompress_uint(size_t n)
{
    return n > UINT_MAX ? UINT_MAX : (uInt)n;
}

static enum decompress_status gzip_step(struct decompress *dz, const uint8_t *in, size_t in_len,
                                        size_t *consumed, uint8_t *out, size_t out_cap,
                                        size_t *produced)
{
    size_t in_off = 0;
    size_t out_off = 0;
    while (out_off < out_cap) {
        if (!dz->is_in_unit) {
            /* Between members: another one, or the end of the gzip data. */
            size_t left = in_len - in_off;
            if (left == 0)
                break;
            if (in[in_off] != GZIP_ID1 || (left >= 2 && in[in_off + 1] != GZIP_ID2)) {
                dz->final = DECOMPRESS_END;
                break;
            }
            if (left < 2)
                break; /* the rest of the magic comes with more input */
            if (dz->has_member && inflateReset(&dz->z) != Z_OK)
                return decompress_fail(dz, "cannot restart");
            dz->has_member = true;
            dz->is_in_unit = true;
        }
        dz->z.next_in = in + in_off;
        dz->z.avail_in = decompress_uint(in_len - in_off);
        dz->z.next_out = out + out_off;
        dz->z.avail_out = decompress_uint(out_cap - out_off);
        uInt avail_in = dz->z.avail_in;
        uInt avail_out = dz->z.avail_out;
        int rc = inflate(&dz->z, Z_NO_FLUSH);
        size_t taken = avail_in - dz->z.avail_in;
        size_t given = avail_out - dz->z.avail_out;
        in_off += taken;
        out_off += given;
        if (rc == Z_STREAM_END) {
            dz->is_in_unit = false;
            continue;
        }
        if (rc == Z_OK || rc == Z_BUF_ERROR) {
            if (taken == 0 && given == 0)
                break; /* needs more input, or more room */
            continue;
        }
        /* What came out before the damage is good: the caller keeps it. */
        *consumed = in_off;
        *produced = out_off;
        if (rc == Z_MEM_ERROR)
            return decompress_fail(dz, "out of memory");
        return decompress_fail(dz, dz->z.msg);
    }
    *consumed = in_off;
    *produced = out_off;
    return dz->final;
}

static enum decompress_status zstd_step(struct decompress *dz, const uint8_t *in, size_t in_len,
                                        size_t *consumed, uint8_t *out, size_t out_cap,
                                        size_t *produced)
{
    ZSTD_inBuffer zin = {in, in_len, 0};
    ZSTD_outBuffer zout = {out, out_cap, 0};
    while (zout.pos < zout.size) {
        size_t in_before = zin.pos;
        size_t out_before = zout.pos;
        /* No more input than zstd asks for next (a frame's first byte
         * alone, then a block header, a block, the checksum): an error
         * keeps none of what the call that met it decoded, so the bytes
         * before damage must come out in calls of their own, the same
         * whether the input lies whole in memory or comes in pieces. One
         * byte first also keeps zstd off its one-pass path for a frame
         * that lies whole in the input, which on damage gives nothing. */
        size_t want = dz->zstd_next_len > 0 ? dz->zstd_next_len : 1;
        /* And never less than a whole unit: zstd decodes a raw block in
         * whatever pieces arrive, and where its window buffer wraps
         * depends on those pieces, so a block whose offsets reach past
         * the window would decode from a pipe and be damage from memory.
         * Fed whole units only, both see the same. Data cut inside a unit
         * then ends without that unit's part: decompress_is_complete()
         * says so. Only a skippable frame's content is longer than a
         * block, and it makes no output: that is taken as it comes. */
        if (zin.size - zin.pos < want && want <= ZSTD_UNIT_MAX)
            break;
        size_t in_len_all = zin.size;
        if (zin.size - zin.pos > want)
            zin.size = zin.pos + want;
        size_t rc = ZSTD_decompressStream(dz->zs, &zout, &zin);
        zin.size = in_len_all;
        if (ZSTD_isError(rc)) {
            *consumed = zin.pos;
            *produced = zout.pos;
            return decompress_fail(dz, ZSTD_getErrorName(rc));
        }
        if (zin.pos == in_before && zout.pos == out_before)
            break; /* what it says then is only how much input it wants */
        /* 0: a frame is decoded and flushed in full. */
        dz->is_in_unit = rc != 0;
        dz->zstd_next_len = rc;
    }
    *consumed = zin.pos;
    *produced = zout.pos;
    return DECOMPRESS_OK;
}

enum decompress_status decompress_step(struct decompress *dz, const uint8_t *in, size_t in_len,
                                       size_t *consumed, uint8_t *out, size_t out_cap,
                                       size_t *produced)
{
    *consumed = 0;
    *produced = 0;
    if (dz->final != DECOMPRESS_OK)
        return dz->final;
    if (dz->kind == DECOMPRESS_GZIP)
        return gzip_step(dz, in, in_len, consumed, out, out_cap, produced);
    return zstd_step(dz, in, in_len, consumed, out, out_cap, produced);
}

const char *decompress_kind_name(enum decompress_kind kind)
{
    return kind == DECOMPRESS_GZIP ? "gzip" : "zstd";
}

static uint32_t decompress_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool decompress_detect(const uint8_t *data, size_t len, enum decompress_kind *kind)
{
    if (len >= 2 && data[0] == GZIP_ID1 && data[1] == GZIP_ID2) {
        *kind = DECOMPRESS_GZIP;
        return true;
    }
    if (len >= 4) {
        uint32_t magic = decompress_le32(data);
        if (magic == ZSTD_FRAME_MAGIC || (magic & ZSTD_SKIPPABLE_MASK) == ZSTD_SKIPPABLE_MAGIC) {
            *kind = DECOMPRESS_ZSTD;
            return true;
        }
    }
    return false;
}

const char *decompress_unsupported_name(const uint8_t *data, size_t len)
{
    static const struct {
        const char *name;
        uint8_t magic[6];
        size_t magic_len;
    } others[] = {
        {"xz", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
        {"lz4", {0x04, 0x22, 0x4d, 0x18}, 4},
        {"zip", {'P', 'K', 0x03, 0x04}, 4},
        {"7-zip", {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}, 6},
        {"bzip2", {'B', 'Z', 'h'}, 3},
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        size_t n = others[i].magic_len;
        if (len < n)
            continue;
        bool is_match = true;
        for (size_t k = 0; k < n && is_match; k++)
            is_match = data[k] == others[i].magic[k];
        if (is_match)
            return others[i].name;
    }
    return NULL;
}

const char *decompress_zlib_version(void)
{
    static char version[48];
    snprintf(version, sizeof(version), "zlib %s", zlibVersion());
    return version;
}

const char *decompress_zstd_version(void)
{
    static char version[48];
    snprintf(version, sizeof(version), "libzstd %s", ZSTD_versionString());
    return version;
}
