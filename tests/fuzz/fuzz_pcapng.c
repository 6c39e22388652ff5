/*
 * Fuzzes the pcapng reader with a whole file: read once as a mapping
 * would hand it (all of it at once) and once as a pipe would, a few bytes
 * at a time, and the two readings must agree packet for packet. Beyond
 * not crashing, checks what reader_pcapng.h promises: packet bytes inside
 * the input, times inside +-READER_TS_MAX_US, an error naming an offset
 * inside the data.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "input.h"
#include "reader.h"
#include "reader_pcapng.h"

#include "banned.h"

/* Packets read at most: enough to go through any block sequence. */
#define FUZZ_PCAPNG_PACKET_CAP 100000

struct fuzz_pcapng_digest {
    uint64_t packets;
    uint64_t unreadable;
    uint64_t sum; /* of times, lengths, flags and every packet byte */
    enum reader_status end;
    uint64_t end_offset;
};

static void fuzz_pcapng_read(const uint8_t *data, size_t size, size_t chunk,
                             struct fuzz_pcapng_digest *d)
{
    memset(d, 0, sizeof(*d));
    struct input *in = input_open_memory(data, size, chunk);
    if (in == NULL)
        return;
    /* Compressed data is read too; its offsets count decompressed bytes. */
    uint64_t limit = (uint64_t)size * 4 + 4096;
    input_limit(in, limit);
    struct reader_note note;
    struct reader_pcapng *r = reader_pcapng_open(in, &note);
    if (r == NULL) {
        d->end = READER_ERROR;
        input_close(in);
        return;
    }
    while (d->packets < FUZZ_PCAPNG_PACKET_CAP) {
        struct reader_packet pkt;
        enum reader_status status = reader_pcapng_next(r, &pkt, &note);
        if (status == READER_UNREADABLE) {
            d->unreadable++;
            continue;
        }
        if (status != READER_PACKET) {
            d->end = status;
            if (status == READER_ERROR) {
                d->end_offset = note.offset;
                if (note.text[0] == '\0' || note.offset > limit)
                    abort();
            }
            break;
        }
        if (pkt.ts_us > READER_TS_MAX_US || pkt.ts_us < -READER_TS_MAX_US || pkt.caplen > limit ||
            pkt.offset > limit)
            abort();
        if (in->is_stable && pkt.caplen > 0 &&
            (pkt.data < data || pkt.data + pkt.caplen > data + size))
            abort();
        d->packets++;
        d->sum += (uint64_t)pkt.ts_us + pkt.caplen + pkt.wirelen + pkt.epb_flags +
                  (uint64_t)pkt.linktype + pkt.interface_id;
        for (uint32_t i = 0; i < pkt.caplen; i++)
            d->sum += pkt.data[i];
    }
    reader_pcapng_close(r);
    input_close(in);
}

int fuzz_pcapng_input(const uint8_t *data, size_t size)
{
    struct fuzz_pcapng_digest whole;
    struct fuzz_pcapng_digest piped;
    fuzz_pcapng_read(data, size, 0, &whole);
    fuzz_pcapng_read(data, size, 1 + size % 61, &piped);
    if (whole.packets != piped.packets || whole.unreadable != piped.unreadable ||
        whole.sum != piped.sum || whole.end != piped.end || whole.end_offset != piped.end_offset)
        abort();
    return whole.packets == UINT64_MAX;
}

#ifdef TV_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_pcapng_input(data, size);
    return 0;
}
#endif
