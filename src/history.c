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

static unsigned code_of(char letter, bool upper)
{
    if (letter == '^')
        return FLIP_CODE;
    const char *at = strchr(alphabet, tolower((unsigned char)letter));
    if (at == NULL || *at == '\0')
        return OTHER_CODE;
    return (unsigned)(at - alphabet) + 1 + (upper ? UPPER_CODE : 0);
}

static void put_code(struct history *h, unsigned code)
{
    unsigned bit = (unsigned)h->len * HISTORY_LETTER_BITS;
    for (unsigned b = 0; b < HISTORY_LETTER_BITS; b++, bit++)
        if (code & (1u << b))
            h->packed[bit / 8] = (uint8_t)(h->packed[bit / 8] | 1u << (bit % 8));
    h->len++;
}

char history_letter(const struct history *h, unsigned i)
{
    unsigned bit = i * HISTORY_LETTER_BITS;
    unsigned code = 0;
    for (unsigned b = 0; b < HISTORY_LETTER_BITS; b++, bit++)
        code |= (unsigned)(h->packed[bit / 8] >> (bit % 8) & 1u) << b;
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

void history_add(struct history *h, char letter, bool upper)
{
    if (h->len >= HISTORY_CAP)
        return;
    put_code(h, code_of(letter, upper));
}

bool history_check(struct history *h, unsigned mask, char letter, bool is_orig)
{
    uint8_t *seen = &h->seen[is_orig ? 0 : 1];
    if (*seen & mask)
        return true;
    *seen = (uint8_t)(*seen | mask);
    history_add(h, letter, is_orig);
    return false;
}

bool history_scaled(struct history *h, char letter, bool is_orig, uint32_t count)
{
    /* Letters at 1, 10, 100, ... events: the count says the order of magnitude. */
    uint32_t threshold = 1;
    while (threshold < count && threshold <= UINT32_MAX / 10)
        threshold *= 10;
    if (threshold != count)
        return false;
    history_add(h, letter, is_orig);
    return true;
}

void history_flip(struct history *h)
{
    if (h->len < HISTORY_CAP)
        put_code(h, FLIP_CODE);
}

void history_str(const struct history *h, char *buf)
{
    for (unsigned i = 0; i < h->len; i++)
        buf[i] = history_letter(h, i);
    buf[h->len] = '\0';
}
