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

void history_init(struct history *h)
{
    memset(h, 0, sizeof(*h));
}

void history_add(struct history *h, char letter, bool upper)
{
    if (h->len >= HISTORY_CAP)
        return;
    int c = (unsigned char)letter;
    h->letters[h->len++] = (char)(upper ? toupper(c) : tolower(c));
}

bool history_check(struct history *h, unsigned mask, char letter, bool is_orig)
{
    uint16_t *seen = &h->seen[is_orig ? 0 : 1];
    if (*seen & mask)
        return true;
    *seen = (uint16_t)(*seen | mask);
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
        h->letters[h->len++] = '^';
}

void history_str(const struct history *h, char *buf)
{
    memcpy(buf, h->letters, h->len);
    buf[h->len] = '\0';
}
