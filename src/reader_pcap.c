/*
 * Classic pcap records straight from a read-only mapping of the file.
 *
 * The file header is read again here, not trusted from libpcap: the file
 * may have been replaced in between, and the magic number says both the
 * byte order of every header field and the timestamp resolution. Records
 * are read through a cursor over the whole mapping, so no length in the
 * file can lead a read outside it.
 */
#include "reader_pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "banned.h"

#define SAVEFILE_HEADER_LEN        24u
#define SAVEFILE_RECORD_HEADER_LEN 16u
#define SAVEFILE_MAGIC_MICRO       0xa1b2c3d4u
#define SAVEFILE_MAGIC_NANO        0xa1b23c4du
#define SAVEFILE_MAGIC_MICRO_SWAP  0xd4c3b2a1u
#define SAVEFILE_MAGIC_NANO_SWAP   0x4d3cb2a1u
#define SAVEFILE_PAGE_LEN          4096u
/* Pages further behind the read position than this are released, this
 * many at a time. The pipeline holds at most a few thousand packets in
 * flight, far less than the lag, so a released page is rarely read again. */
#define SAVEFILE_RELEASE_LAG  (4u << 20)
#define SAVEFILE_RELEASE_STEP (1u << 20)

struct savefile {
    uint8_t *map; /* owned: map_len bytes, the whole file, read-only */
    size_t map_len;
    struct cursor c;     /* over the mapping; off is the next record */
    size_t released_len; /* pages before this offset were handed back */
    uint32_t snapshot_len;
    bool is_big_endian; /* the file's byte order */
    bool is_nano;       /* fractions are nanoseconds */
    char error[128];
};

static uint32_t savefile_u32(struct savefile *sf)
{
    return sf->is_big_endian ? cursor_be32(&sf->c) : cursor_le32(&sf->c);
}

static uint16_t savefile_u16(struct savefile *sf)
{
    return sf->is_big_endian ? cursor_be16(&sf->c) : cursor_le16(&sf->c);
}

/* Reads the file header; false if this is not a pcap 2.4 file. */
static bool savefile_read_header(struct savefile *sf)
{
    uint32_t magic = cursor_le32(&sf->c);
    switch (magic) {
    case SAVEFILE_MAGIC_MICRO:
        break;
    case SAVEFILE_MAGIC_NANO:
        sf->is_nano = true;
        break;
    case SAVEFILE_MAGIC_MICRO_SWAP:
        sf->is_big_endian = true;
        break;
    case SAVEFILE_MAGIC_NANO_SWAP:
        sf->is_big_endian = true;
        sf->is_nano = true;
        break;
    default:
        return false;
    }
    uint16_t major = savefile_u16(sf);
    uint16_t minor = savefile_u16(sf);
    /* Zone, accuracy, snapshot length and link type: libpcap's reading of
     * them is what counts, and the caller has it. */
    cursor_skip(&sf->c, SAVEFILE_HEADER_LEN - 8);
    /* Older versions may have caplen and len swapped in every record. */
    return !sf->c.overrun && major == 2 && minor == 4;
}

struct savefile *savefile_open_fd(int fd, uint64_t start, uint32_t snapshot_len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (uintmax_t)st.st_size > SIZE_MAX || (uint64_t)st.st_size < start ||
        (uint64_t)st.st_size - start < SAVEFILE_HEADER_LEN)
        return NULL;
    size_t len = (size_t)st.st_size;
    /* The whole file: mappings start on a page, the header need not. */
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return NULL;

    struct savefile *sf = calloc(1, sizeof(*sf));
    if (sf == NULL) {
        munmap(map, len);
        return NULL;
    }
    sf->map = map;
    sf->map_len = len;
    sf->c = cursor_make(map, len);
    cursor_skip(&sf->c, (size_t)start);
    sf->released_len = (size_t)start / SAVEFILE_PAGE_LEN * SAVEFILE_PAGE_LEN;
    sf->snapshot_len = snapshot_len;
    if (!savefile_read_header(sf)) {
        savefile_close(sf);
        return NULL;
    }
    /* Read once, front to back: more read-ahead, and pages not kept hot. */
    madvise(map, len, MADV_SEQUENTIAL);
    return sf;
}

struct savefile *savefile_open(const char *path, uint32_t snapshot_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct savefile *sf = savefile_open_fd(fd, 0, snapshot_len);
    close(fd); /* a mapping keeps the file */
    return sf;
}

void savefile_close(struct savefile *sf)
{
    if (sf == NULL)
        return;
    munmap(sf->map, sf->map_len);
    free(sf);
}

const char *savefile_error(const struct savefile *sf)
{
    return sf->error;
}

/* Hands back the pages far enough behind the read position. */
static void savefile_release_behind(struct savefile *sf)
{
    size_t pos = sf->c.off;
    if (pos - sf->released_len < SAVEFILE_RELEASE_LAG + SAVEFILE_RELEASE_STEP)
        return;
    size_t upto = (pos - SAVEFILE_RELEASE_LAG) / SAVEFILE_PAGE_LEN * SAVEFILE_PAGE_LEN;
    madvise(sf->map + sf->released_len, upto - sf->released_len, MADV_DONTNEED);
    sf->released_len = upto;
}

static enum savefile_status savefile_fail(struct savefile *sf, const char *what, uint32_t wanted,
                                          size_t got)
{
    snprintf(sf->error, sizeof(sf->error), "truncated dump file; tried to read %u %s, only got %zu",
             wanted, what, got);
    return SAVEFILE_ERROR;
}

enum savefile_status savefile_next(struct savefile *sf, struct savefile_record *rec)
{
    size_t left = cursor_remaining(&sf->c);
    if (left == 0)
        return SAVEFILE_END;
    if (left < SAVEFILE_RECORD_HEADER_LEN)
        return savefile_fail(sf, "header bytes", SAVEFILE_RECORD_HEADER_LEN, left);

    /* Seconds and fraction are signed 32-bit fields, as libpcap reads them. */
    int32_t sec = (int32_t)savefile_u32(sf);
    int32_t frac = (int32_t)savefile_u32(sf);
    uint32_t caplen = savefile_u32(sf);
    uint32_t wirelen = savefile_u32(sf);
    if (sf->is_nano)
        frac /= 1000;

    if (caplen > SAVEFILE_MAX_CAPLEN) {
        if (caplen > sf->snapshot_len)
            snprintf(sf->error, sizeof(sf->error),
                     "invalid packet capture length %u, bigger than snaplen of %u", caplen,
                     sf->snapshot_len);
        else
            snprintf(sf->error, sizeof(sf->error),
                     "invalid packet capture length %u, bigger than maximum of %u", caplen,
                     SAVEFILE_MAX_CAPLEN);
        return SAVEFILE_ERROR;
    }
    left = cursor_remaining(&sf->c);
    /* A record longer than the snapshot length is cut to it, the rest
     * skipped, as libpcap does: readers may rely on the snapshot length. */
    uint32_t kept_len = caplen > sf->snapshot_len ? sf->snapshot_len : caplen;
    if (left < kept_len)
        return savefile_fail(sf, "captured bytes", kept_len, left);
    if (left < caplen)
        return savefile_fail(sf, "captured bytes", caplen, left);

    rec->ts_sec = sec;
    rec->ts_usec = frac;
    rec->data = cursor_ptr(&sf->c);
    rec->caplen = kept_len;
    rec->wirelen = wirelen;
    cursor_skip(&sf->c, caplen);
    savefile_release_behind(sf);
    return SAVEFILE_PACKET;
}
