/*
 * Classic pcap files read in place: the file is mapped read-only and each
 * record is handed out as a pointer into the mapping, so a packet is never
 * copied on its way in, neither by the kernel into a read buffer nor from
 * there into the pipeline.
 *
 * Only what libpcap itself would hand out, record by record: capture.c
 * opens every file through libpcap first (which checks the file header and
 * says what the link type and snapshot length are), and uses this reader
 * only for pcap version 2.4 files on the link types tcpverdict decodes.
 * Records are read under libpcap's rules (a record longer than the
 * snapshot length is cut to it, one longer than the largest snapshot
 * length or running past the end of the file ends the file with libpcap's
 * message), so the two readers give the same packets; tests compare them.
 *
 * Packet bytes stay valid until savefile_close(), however far reading has
 * gone. Pages well behind the read position are handed back to the kernel
 * as reading goes on, so that a large file does not stay resident; a late
 * reader of such a page simply faults it in again from the page cache.
 *
 * A file that shrinks while mapped makes reading past its new end raise
 * SIGBUS; files being appended to are read up to their size at opening.
 */
#ifndef TV_READER_PCAP_H
#define TV_READER_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest record libpcap accepts for the link types tcpverdict
 * decodes (its MAXIMUM_SNAPLEN). */
#define SAVEFILE_MAX_CAPLEN 262144u

enum savefile_status {
    SAVEFILE_PACKET = 0, /* *rec holds the next packet */
    SAVEFILE_END,        /* no more records */
    SAVEFILE_ERROR,      /* a damaged record: savefile_error() says what; the file ends here */
};

struct savefile_record {
    int64_t ts_sec;  /* as the record says (a signed 32-bit field) */
    int32_t ts_usec; /* the fraction, in microseconds, not normalized */
    const uint8_t *data;
    uint32_t caplen;
    uint32_t wirelen;
};

struct savefile;

/*
 * Maps path for reading. snapshot_len is the file's snapshot length as
 * libpcap adjusted it (pcap_snapshot()). Returns NULL when the file cannot
 * be read this way (not a regular file, not pcap 2.4, too large to map,
 * out of memory); the caller then reads it through libpcap.
 */
struct savefile *savefile_open(const char *path, uint32_t snapshot_len);
/* The same for an open descriptor (standard input redirected from a file)
 * whose pcap header starts start bytes into the file; fd stays the
 * caller's. */
struct savefile *savefile_open_fd(int fd, uint64_t start, uint32_t snapshot_len);
void savefile_close(struct savefile *sf);

enum savefile_status savefile_next(struct savefile *sf, struct savefile_record *rec);

/* After SAVEFILE_ERROR: what was wrong, in libpcap's words. */
const char *savefile_error(const struct savefile *sf);

#endif
