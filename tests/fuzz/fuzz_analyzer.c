/*
 * Fuzzes the analyzer through the public API only, as main.c drives it: a
 * sequence of frames with timestamps, then finish. The config byte picks a
 * 4-flow table over a 256-flow one (bit 0), turns eviction on (bit 1) and checksum checks off
 * (bit 2), gives IP fragments the smallest memcap (bit 3), and starts the
 * clock near the top (bit 4) or at the bottom (bit 5) of int64_t, so table
 * and fragment memory pressure, timeouts and extreme times get exercised. Every verdict's
 * strings are read to catch dangling pointers.
 */
#include <string.h>

#include "cursor.h"
#include "fuzz.h"
#include "tcpverdict.h"

#include "banned.h"

static void on_verdict(const struct tv_verdict *v, void *ctx)
{
    size_t *seen = ctx;
    const char *strings[] = {v->service,   v->conn_state, v->history,     v->hint,
                             v->orig.role, v->resp.role,  v->nflog_prefix};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (strings[i] != NULL)
            *seen += strlen(strings[i]);
    for (size_t i = 0; i < v->anomaly_count; i++)
        *seen += strlen(v->anomalies[i].code);
    (*seen)++;
}

int fuzz_analyzer_input(const uint8_t *data, size_t size)
{
    struct cursor in = cursor_make(data, size);
    uint8_t selector = cursor_u8(&in);
    uint8_t config_bits = cursor_u8(&in);
    if (in.overrun)
        return 0;

    struct tv_config cfg;
    tv_config_default(&cfg);
    /* Small tables: the default capacity costs more to create than a run. */
    cfg.max_flows = (config_bits & 0x01) ? 4 : 256;
    cfg.evict_when_full = (config_bits & 0x02) != 0;
    cfg.verify_checksums = (config_bits & 0x04) == 0;
    if (config_bits & 0x08)
        cfg.frag_memcap = 65536;
    size_t seen = 0;
    struct tv_analyzer *a = tv_analyzer_create(&cfg, on_verdict, &seen);
    if (a == NULL)
        return 0;

    /* Bits 4 and 5 start the clock at the ends of int64_t, which the
     * analyzer must hold in range rather than overflow. */
    int64_t ts_us = INT64_C(1700000000000000);
    if (config_bits & 0x10)
        ts_us = INT64_MAX - INT64_C(1000000);
    else if (config_bits & 0x20)
        ts_us = INT64_MIN;
    while (cursor_remaining(&in) >= 4) {
        uint16_t len = cursor_be16(&in);
        uint16_t gap = cursor_be16(&in);
        size_t take = len < cursor_remaining(&in) ? len : cursor_remaining(&in);
        struct cursor frame = cursor_split(&in, take);
        int64_t gap_us = (int64_t)gap * 10000;
        ts_us = ts_us > INT64_MAX - gap_us ? INT64_MAX : ts_us + gap_us;
        struct tv_packet pkt = {
            .linktype = fuzz_linktype(selector),
            .ts_us = ts_us,
            .data = cursor_ptr(&frame),
            .caplen = (uint32_t)take,
            .wirelen = (selector & 0x10) ? (uint32_t)take + 1000 : (uint32_t)take,
            .epb_flags = 0,
        };
        tv_analyzer_packet(a, &pkt);
    }
    tv_analyzer_finish(a);
    (void)tv_analyzer_stats(a);
    struct tv_nflog_prefix prefix;
    for (size_t i = 0; tv_analyzer_nflog_prefix(a, i, &prefix); i++)
        seen += strlen(prefix.prefix) + prefix.flows;
    tv_analyzer_destroy(a);
    return seen == 0;
}

#ifdef TV_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_analyzer_input(data, size);
    return 0;
}
#endif
