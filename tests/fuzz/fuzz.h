/*
 * Fuzz entry points. Each takes one input and must never crash, hang or
 * read outside it, whatever the bytes. run_one.c replays a corpus through
 * both without libFuzzer; built with -DTV_FUZZ_LIBFUZZER, each file also
 * defines LLVMFuzzerTestOneInput for its own libFuzzer binary.
 */
#ifndef TV_FUZZ_H
#define TV_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* One frame: selector byte (link type and capture options), then the bytes. */
int fuzz_decode_input(const uint8_t *data, size_t size);

/* A packet sequence: selector byte, config byte, then records of
 * be16 length, be16 gap in units of 10 ms, and that many frame bytes. */
int fuzz_analyzer_input(const uint8_t *data, size_t size);

/* A whole pcapng file through the pcapng reader, whole and in pieces. */
int fuzz_pcapng_input(const uint8_t *data, size_t size);

/* A whole capture file, any format, plain or compressed, through the
 * input, the readers and the analyzer. */
int fuzz_file_input(const uint8_t *data, size_t size);

/* One line of JSON through record_parse, as a flow record and as a
 * summary. */
int fuzz_record_input(const uint8_t *data, size_t size);

/* Link type for a selector: every decoded type, plus one that is not.
 * With bits 6 and 7 clear the low nibble picks from the first list, as it
 * did before the second existed, so that older seeds keep their meaning;
 * with either set, from the link types added since (FDDI, 802.11 plain,
 * radiotap and PPI, PPP, PPP in HDLC framing, Cisco HDLC, NFLOG). */
static inline int fuzz_linktype(uint8_t selector)
{
    static const int linktypes[] = {1, 0, 108, 113, 276, 101, 12, 14, 228, 229, 147};
    static const int added[] = {10, 105, 127, 192, 9, 50, 104, 239};
    if ((selector & 0xc0) == 0)
        return linktypes[(selector & 0x0f) % (sizeof(linktypes) / sizeof(linktypes[0]))];
    return added[(selector & 0x0f) % (sizeof(added) / sizeof(added[0]))];
}

#ifdef TV_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif

#endif
