/*
 * One line of JSON, as a sensor's record read from a stream, through
 * record_parse as a flow record and as a summary. Whatever the bytes, it
 * must refuse or read them without reading outside them; a flow it reads
 * must hold what the contract allows (an anomaly count within its cap,
 * known levels and ends).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "record_parse.h"

#include "banned.h"

int fuzz_record_input(const uint8_t *data, size_t size)
{
    struct record_parse *rp = record_parse_create();
    if (rp == NULL)
        return 0;
    struct tv_verdict v;
    char err[256];
    const char *line = (const char *)data;
    if (record_parse_flow(rp, line, size, &v, err, sizeof(err)) == RECORD_PARSE_OK) {
        if (v.anomaly_count > RECORD_PARSE_ANOMALY_CAP || (unsigned)v.level >= TV_LEVEL_COUNT ||
            (unsigned)v.end >= TV_END_COUNT || v.conn_state == NULL || v.history == NULL)
            abort();
        /* Touch what the verdict points to, so a sanitizer sees a bad pointer. */
        size_t sum = 0;
        for (size_t i = 0; i < v.anomaly_count; i++)
            sum += v.anomalies[i].code[0] + v.anomalies[i].count;
        if (v.location != NULL)
            sum += v.location->tunnel_count + v.location->vlan_count;
        if (v.path != NULL)
            sum += v.path->dropped[0] +
                   (v.path->placed_by != NULL ? (size_t)(unsigned char)v.path->placed_by[0] : 0);
        if (sum == 1)
            err[0] = '\0';
    }
    struct record_summary summary;
    if (record_parse_summary(rp, line, size, &summary, err, sizeof(err)) == RECORD_PARSE_OK &&
        summary.linktype_count > RECORD_PARSE_LINKTYPE_CAP)
        abort();
    record_parse_destroy(rp);
    return 0;
}

#ifdef TV_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_record_input(data, size);
    return 0;
}
#endif
