/*
 * Fuzzes decode_packet() with one frame. The selector byte picks the link
 * type (low nibble), whether the capture claims to have been cut (bit 4)
 * and whether checksums are verified (bit 5). Beyond not crashing, checks
 * the promises decode.h makes about a TV_DECODE_OK result.
 */
#include <stdlib.h>

#include "cursor.h"
#include "decode.h"
#include "fuzz.h"

#include "banned.h"

int fuzz_decode_input(const uint8_t *data, size_t size)
{
    struct cursor in = cursor_make(data, size);
    uint8_t selector = cursor_u8(&in);
    if (in.overrun || size > UINT32_MAX / 2)
        return 0;
    uint32_t caplen = (uint32_t)cursor_remaining(&in);
    uint32_t wirelen = (selector & 0x10) ? caplen + 1000 : caplen;
    struct packet p;
    enum tv_decode_status status = decode_packet(fuzz_linktype(selector), cursor_ptr(&in), caplen,
                                                 wirelen, !(selector & 0x20), &p);
    if (status >= TV_DECODE_STATUS_COUNT || tv_decode_status_name(status) == NULL)
        abort();
    if (status != TV_DECODE_OK)
        return 0;
    /* The payload cursor lies inside the frame and within the IP length. */
    if (p.l2_len > caplen || p.tcp.payload.len > p.payload_len || p.tcp.payload.off != 0 ||
        p.tcp.payload.data < cursor_ptr(&in) ||
        p.tcp.payload.data + p.tcp.payload.len > cursor_ptr(&in) + caplen)
        abort();
    if (p.family != 4 && p.family != 6)
        abort();
    /* Touch every payload byte so a sanitizer sees a bad cursor. */
    unsigned sum = 0;
    while (cursor_remaining(&p.tcp.payload) > 0)
        sum += cursor_u8(&p.tcp.payload);
    return sum == 0xffffffffu;
}

#ifdef TV_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decode_input(data, size);
    return 0;
}
#endif
