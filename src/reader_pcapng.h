/*
 * pcapng files (draft-ietf-opsawg-pcapng), read by tcpverdict itself:
 * every section, each with its own byte order (as `cat a.pcapng b.pcapng`
 * makes), every interface with its own link type, snapshot length,
 * timestamp resolution (if_tsresol, powers of ten and of two) and offset
 * (if_tsoffset); enhanced, simple and obsolete packet blocks, with their
 * flags; name resolution, statistics, decryption secrets, custom and
 * unknown blocks skipped by their length.
 *
 * Damage ends the input (READER_ERROR, naming the block's byte offset): a
 * block that runs past the end of the data, whose two length fields
 * differ, or too short for what it must hold. A packet block that names
 * no interface of its section, or sits in a section of a version this
 * reader does not know, is READER_UNREADABLE, and reading goes on.
 *
 * Timestamps are converted in 64-bit arithmetic that cannot overflow,
 * whatever the resolution and offset: results beyond READER_TS_MAX_US are
 * held there. A simple packet block has no time of its own: it takes the
 * time of the packet before it.
 */
#ifndef TV_READER_PCAPNG_H
#define TV_READER_PCAPNG_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "reader.h"

/* Blocks this reader parses (section headers, interfaces, packets) are at
 * most this long; longer ones are damage. Others are skipped, however long. */
#define READER_PCAPNG_BLOCK_CAP (16u << 20)
/* Interfaces one section may declare. */
#define READER_PCAPNG_INTERFACE_CAP 65536u

struct reader_pcapng;

/* Reads the first section header at in's read position; NULL (note says
 * why) if there is none. */
struct reader_pcapng *reader_pcapng_open(struct input *in, struct reader_note *note);
void reader_pcapng_close(struct reader_pcapng *r);

enum reader_status reader_pcapng_next(struct reader_pcapng *r, struct reader_packet *pkt,
                                      struct reader_note *note);

/* True if the four bytes at data are a section header's block type. */
bool reader_pcapng_is_magic(const uint8_t *data);

#endif
