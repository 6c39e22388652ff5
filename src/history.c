/*
 * Zeek-compatible history string. See history.h for the contract.
 *
 * Invariant: len <= HISTORY_CAP; letters beyond the cap are dropped (a
 * history that long has long since stopped telling a story). The "seen"
 * bits belong to roles: a flip does not move them, as in Zeek, so a side
 * that earned a letter before a flip cannot earn it again under its new role.
 */
#include "history.h"

#include <ctype.h>
#include <string.h>

#include "banned.h"

/*
 * Letter codes: 0 unused, 1..12 the responder's letters in this order,
 * 17..28 the originator's, FLIP_CODE the role flip. Five bits each, so a
 * full history takes 15 bytes rather than 23.
 */
static const char alphabet[] = "shadfrcgtwiq";
#define UPPER_CODE 16u
#define FLIP_CODE  15u
#define OTHER_CODE 31u /* a letter outside the alphabet: shown as '?' */

/* struct history's 64 bits: HISTORY_INLINE letters, then the length, then
 * the seen bits of the originator and of the responder. */
#define LEN_POS   (HISTORY_INLINE * HISTORY_LETTER_BITS)
#define LEN_BITS  5
#define SEEN_POS  (LEN_POS + LEN_BITS)
#define SEEN_BITS 7

_Static_assert(HISTORY_LETTER_BITS <= 8 && LEN_BITS <= 8 && SEEN_BITS <= 8,
               "a field spans at most two bytes (get_bits, put_bits)");
_Static_assert(HISTORY_CAP < 1u << LEN_BITS, "history length fits its field");
_Static_assert(HIST_MULTI_FLAG < 1u << SEEN_BITS, "seen bits fit their field");
_Static_assert(SEEN_POS + 2 * SEEN_BITS <= 8 * sizeof(struct history), "history fits 64 bits");

/* Fields are at most 8 bits wide, so one spans at most two bytes; the
 * second is read or written only when the field reaches into it. */
static unsigned get_bits(const uint8_t *bytes, unsigned pos, unsigned n)
{
    unsigned at = pos / 8;
    unsigned shift = pos % 8;
    unsigned v = (unsigned)bytes[at] >> shift;
    if (shift + n > 8)
        v |= (unsigned)bytes[at + 1] << (8 - shift);
    return v & ((1u << n) - 1);
}

static void put_bits(uint8_t *bytes, unsigned pos, unsigned n, unsigned v)
{
    unsigned at = pos / 8;
    unsigned shift = pos % 8;
    unsigned mask = ((1u << n) - 1) << shift;
    unsigned word = bytes[at];
    if (shift + n > 8)
        word |= (unsigned)bytes[at + 1] << 8;
    word = (word & ~mask) | ((v << shift) & mask);
    bytes[at] = (uint8_t)word;
    if (shift + n > 8)
        bytes[at + 1] = (uint8_t)(word >> 8);
}

static unsigned code_of(char letter, bool upper)
{
    if (letter == '^')
        return FLIP_CODE;
    const char *at = strchr(alphabet, tolower((unsigned char)letter));
    if (at == NULL || *at == '\0')
        return OTHER_CODE;
    return (unsigned)(at - alphabet) + 1 + (upper ? UPPER_CODE : 0);
}

unsigned history_len(const struct history *h)
{
    return get_bits(h->bits, LEN_POS, LEN_BITS);
}

bool history_needs_more(const struct history *h)
{
    unsigned len = history_len(h);
    return len >= HISTORY_INLINE && len < HISTORY_CAP;
}

static void put_code(struct history *h, struct history_more *more, unsigned code)
{
    unsigned len = history_len(h);
    if (len >= HISTORY_CAP)
        return;
    if (len < HISTORY_INLINE)
        put_bits(h->bits, len * HISTORY_LETTER_BITS, HISTORY_LETTER_BITS, code);
    else if (more != NULL)
        put_bits(more->packed, (len - HISTORY_INLINE) * HISTORY_LETTER_BITS, HISTORY_LETTER_BITS,
                 code);
    else
        return;
    put_bits(h->bits, LEN_POS, LEN_BITS, len + 1);
}

char history_letter(const struct history *h, const struct history_more *more, unsigned i)
{
    unsigned code = 0;
    if (i < HISTORY_INLINE)
        code = get_bits(h->bits, i * HISTORY_LETTER_BITS, HISTORY_LETTER_BITS);
    else if (more != NULL)
        code =
            get_bits(more->packed, (i - HISTORY_INLINE) * HISTORY_LETTER_BITS, HISTORY_LETTER_BITS);
    if (code == FLIP_CODE)
        return '^';
    if (code == OTHER_CODE || code == 0)
        return '?';
    char c = alphabet[(code & (UPPER_CODE - 1)) - 1];
    return (char)(code & UPPER_CODE ? toupper((unsigned char)c) : c);
}

void history_init(struct history *h)
{
    memset(h, 0, sizeof(*h));
}

void history_add(struct history *h, struct history_more *more, char letter, bool upper)
{
    put_code(h, more, code_of(letter, upper));
}

bool history_seen(struct history *h, unsigned mask, bool is_orig)
{
    unsigned pos = SEEN_POS + (is_orig ? 0 : SEEN_BITS);
    unsigned seen = get_bits(h->bits, pos, SEEN_BITS);
    if (seen & mask)
        return true;
    put_bits(h->bits, pos, SEEN_BITS, seen | mask);
    return false;
}

bool history_is_scale_step(uint32_t count)
{
    /* Letters at 1, 10, 100, ... events: the count says the order of magnitude. */
    uint32_t threshold = 1;
    while (threshold < count && threshold <= UINT32_MAX / 10)
        threshold *= 10;
    return threshold == count;
}

void history_flip(struct history *h, struct history_more *more)
{
    put_code(h, more, FLIP_CODE);
}

void history_str(const struct history *h, const struct history_more *more, char *buf)
{
    unsigned len = history_len(h);
    for (unsigned i = 0; i < len; i++)
        buf[i] = history_letter(h, more, i);
    buf[len] = '\0';
}
