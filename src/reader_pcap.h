/*
 * Classic pcap files (pcap-savefile(5)): microsecond and nanosecond
 * magic numbers, either byte order, versions 2.0 to 2.4 (and the records
 * of older libpcap variants with their lengths swapped, as libpcap reads
 * them), and the 24-byte records of the patched libpcap that wrote
 * magic 0xa1b2cd34.
 *
 * Records are read under libpcap's rules, so that the two readers give
 * the same packets (tests compare them): a record longer than the
 * snapshot length is cut to it, the rest skipped; one longer than the
 * largest snapshot length, or running past the end of the data, ends the
 * input with libpcap's own message.
 */
#ifndef TV_READER_PCAP_H
#define TV_READER_PCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "reader.h"

/* The pcap magic numbers, as the first four bytes read little-endian. */
#define READER_PCAP_MAGIC_MICRO   0xa1b2c3d4u
#define READER_PCAP_MAGIC_NANO    0xa1b23c4du
#define READER_PCAP_MAGIC_PATCHED 0xa1b2cd34u

struct reader_pcap;

/* Reads the file header at in's read position. NULL (note says why, in
 * libpcap's words where libpcap has them) if it is not one. */
struct reader_pcap *reader_pcap_open(struct input *in, struct reader_note *note);
void reader_pcap_close(struct reader_pcap *r);

enum reader_status reader_pcap_next(struct reader_pcap *r, struct reader_packet *pkt,
                                    struct reader_note *note);

/* The file's link type (DLT_*) and snapshot length, as libpcap adjusts it. */
int reader_pcap_linktype(const struct reader_pcap *r);
uint32_t reader_pcap_snapshot(const struct reader_pcap *r);

/* True if the four bytes at data are a pcap magic number. */
bool reader_pcap_is_magic(const uint8_t *data);

#endif
