/*
 * -w: writes the packets tcpverdict analysed as a pcap file (microsecond
 * stamps, the writing host's byte order, as tcpdump -w writes), without
 * libpcap, so that -w works wherever files can be read.
 */
#ifndef TV_PCAP_WRITER_H
#define TV_PCAP_WRITER_H

#include <stdbool.h>
#include <stdint.h>

struct pcap_writer;

/* Creates path ("-" is standard output) and writes the file header for
 * linktype (a LINKTYPE_* value) and snaplen. NULL with errno set. */
struct pcap_writer *pcap_writer_open(const char *path, int linktype, uint32_t snaplen);

int pcap_writer_linktype(const struct pcap_writer *w);

/* Appends one record; ts_us outside what the format holds (1970 to 2106)
 * is clamped to it. false with errno set on a write error. */
bool pcap_writer_packet(struct pcap_writer *w, int64_t ts_us, const uint8_t *data, uint32_t caplen,
                        uint32_t wirelen);

/* Flushes what is buffered; false with errno set on a write error. */
bool pcap_writer_flush(struct pcap_writer *w);

/* Flushes and closes; false with errno set if anything failed. */
bool pcap_writer_close(struct pcap_writer *w);

#endif
