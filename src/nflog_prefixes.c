/*
 * NFLOG prefixes, kept once each. See nflog_prefixes.h.
 */
#include "nflog_prefixes.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* The text as output can show it whatever the rule wrote: bytes outside
 * printable ASCII become '?', so that JSON and the terminal stay whole. */
static void prefix_copy(char *out, struct cursor text)
{
    size_t n = 0;
    while (n < NFLOG_PREFIX_LEN_CAP && cursor_remaining(&text) > 0) {
        uint8_t b = cursor_u8(&text);
        out[n++] = b >= 0x20 && b < 0x7f ? (char)b : '?';
    }
    out[n] = '\0';
}

uint16_t nflog_prefixes_ref(struct nflog_prefixes *p, uint16_t group, struct cursor text,
                            uint64_t pkt_no)
{
    char wanted[NFLOG_PREFIX_LEN_CAP + 1];
    prefix_copy(wanted, text);
    /* Linear: once per flow, over the few prefixes of a ruleset. */
    for (size_t i = 0; i < p->count; i++)
        if (p->items[i].group == group && strcmp(p->items[i].text, wanted) == 0)
            return (uint16_t)(i + 1);
    if (p->count == p->cap) {
        size_t cap = p->cap == 0 ? 8 : p->cap * 2;
        struct nflog_prefix *items =
            cap <= NFLOG_PREFIXES_CAP ? realloc(p->items, cap * sizeof(*items)) : NULL;
        if (items == NULL) {
            p->refused++;
            return 0;
        }
        p->items = items;
        p->cap = cap;
    }
    struct nflog_prefix *item = &p->items[p->count++];
    item->group = group;
    memcpy(item->text, wanted, sizeof(item->text));
    item->flows = 0;
    item->first_pkt = pkt_no;
    return (uint16_t)p->count;
}

struct nflog_prefix *nflog_prefixes_at(const struct nflog_prefixes *p, uint16_t ref)
{
    return ref != 0 && ref <= p->count ? &p->items[ref - 1] : NULL;
}

void nflog_prefixes_free(struct nflog_prefixes *p)
{
    free(p->items);
    *p = (struct nflog_prefixes){0};
}
