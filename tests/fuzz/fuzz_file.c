/*
 * Fuzzes a whole capture file the way the program reads it: whatever its
 * format (pcap, pcapng, Network Monitor) and compression (gzip, zstd),
 * through the input, the reader family and the analyzer, as capture.c and
 * the pipeline hand packets on. Every verdict's strings are read to catch
 * dangling pointers. Decompressed data is capped, so that a small input
 * cannot make the run a long one.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "input.h"
#include "reader.h"
#include "tcpverdict.h"

#include "banned.h"

#define FUZZ_FILE_PACKET_CAP 100000
#define FUZZ_FILE_DATA_CAP   (64u << 20)

static void fuzz_file_on_verdict(const struct tv_verdict *v, void *ctx)
{
    size_t *seen = ctx;
    const char *strings[] = {v->service, v->conn_state, v->history, v->hint};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i] != NULL)
            *seen += strlen(strings[i]);
    for (size_t i = 0; i < v->anomaly_count; i++)
        *seen += strlen(v->anomalies[i].code);
    (*seen)++;
}

static size_t fuzz_file_read(const uint8_t *data, size_t size, size_t chunk)
{
    struct input *in = input_open_memory(data, size, chunk);
    if (in == NULL)
        return 0;
    input_limit(in, FUZZ_FILE_DATA_CAP);
    char err[256];
    struct reader *r = reader_open(in, err, sizeof(err));
    if (r == NULL) {
        if (err[0] == '\0')
            abort(); /* a refusal always says why */
        input_close(in);
        return 0;
    }
    struct tv_config cfg;
    tv_config_default(&cfg);
    cfg.max_flows = 64; /* the default costs more to create than a run */
    size_t seen = 0;
    struct tv_analyzer *a = tv_analyzer_create(&cfg, fuzz_file_on_verdict, &seen);
    if (a == NULL) {
        reader_close(r);
        input_close(in);
        return 0;
    }
    for (unsigned n = 0; n < FUZZ_FILE_PACKET_CAP; n++) {
        struct reader_packet pkt;
        enum reader_status status = reader_next(r, &pkt);
        if (status == READER_UNREADABLE) {
            if (reader_note(r)->text[0] == '\0')
                abort();
            continue;
        }
        if (status != READER_PACKET) {
            if (status == READER_ERROR && reader_note(r)->text[0] == '\0')
                abort();
            break;
        }
        if (pkt.ts_us > READER_TS_MAX_US || pkt.ts_us < -READER_TS_MAX_US)
            abort();
        struct tv_packet packet = {
            .linktype = pkt.linktype,
            .ts_us = pkt.ts_us,
            .data = pkt.data,
            .caplen = pkt.caplen,
            .wirelen = pkt.wirelen,
            .epb_flags = pkt.epb_flags,
            .is_data_stable = pkt.is_stable,
        };
        tv_analyzer_packet(a, &packet);
    }
    tv_analyzer_finish(a);
    struct tv_capture_host host;
    (void)tv_analyzer_capture_host(a, &host);
    tv_analyzer_destroy(a);
    reader_close(r);
    input_close(in);
    return seen;
}

int fuzz_file_input(const uint8_t *data, size_t size)
{
    size_t whole = fuzz_file_read(data, size, 0);
    size_t piped = fuzz_file_read(data, size, 1 + size % 509);
    /* Whole or in pieces, the same packets give the same verdicts; only a
     * cap reached on one way and not the other may part them. */
    if (whole != piped && size < 4096)
        abort();
    return whole == SIZE_MAX;
}

#ifdef TV_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file_input(data, size);
    return 0;
}
#endif
