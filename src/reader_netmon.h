/*
 * Microsoft Network Monitor capture files (.cap): format 1.x, and 2.x as
 * Network Monitor 2.x and 3.x write it (and `editcap -F netmon2`): the
 * 128-byte header, the frame table at its end that says where each frame
 * is (frames need not be in file order, nor back to back), per-frame media
 * types from version 2.1 on, and UTC times per frame from 2.3 on.
 *
 * The frame table makes the format one to read out of order: a pipe or
 * compressed data is first copied whole to a temporary file (input_whole).
 * If the table is missing or damaged (a file cut short loses it first),
 * frames are read in file order instead, and the input ends with a note
 * that says so.
 *
 * Times before version 2.3 count from a start time the header gives in
 * the capturing machine's local time, without its time zone: it is read
 * in this machine's local time zone (TZ), as Network Monitor and
 * Wireshark read it. Media types become libpcap link types where there is
 * one (Ethernet, token ring, FDDI, raw IP, 802.11, and the pcap link
 * types Network Monitor records as 0xE000 plus the type); the others get
 * a negative link type that nothing decodes. Network Monitor's own
 * records (filters, network and DNS information) are not packets and are
 * passed over.
 */
#ifndef TV_READER_NETMON_H
#define TV_READER_NETMON_H

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "reader.h"

/* Frame offsets are 32 bits: no file is longer. */
#define READER_NETMON_FILE_CAP UINT64_C(0xffffffff)
/* The link type of a media type with no libpcap number. */
#define READER_NETMON_LINKTYPE(media) (-(0x10000 + (int)(media)))

struct reader_netmon;

struct reader_netmon *reader_netmon_open(struct input *in, struct reader_note *note);
void reader_netmon_close(struct reader_netmon *r);

enum reader_status reader_netmon_next(struct reader_netmon *r, struct reader_packet *pkt,
                                      struct reader_note *note);

/* The header's media type as a link type; -1 from 2.1 on (per frame). */
int reader_netmon_linktype(const struct reader_netmon *r);

/* The link type for a media type; false for Network Monitor's own
 * records, which are not packets. */
bool reader_netmon_media_linktype(uint16_t media, int *linktype);

/* True if linktype stands for a media type with no libpcap number. */
bool reader_netmon_is_media_linktype(int linktype, uint16_t *media);

bool reader_netmon_is_magic(const uint8_t *data);

#endif
