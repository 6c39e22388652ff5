/*
 * The prefixes Linux firewall rules logged packets with (NFLOG), each
 * kept once with its group: a flow keeps only a small reference to the
 * one its packets first came with, and the summary counts flows by
 * prefix. Grows as prefixes appear, to a cap: a ruleset has few.
 */
#ifndef TV_NFLOG_PREFIXES_H
#define TV_NFLOG_PREFIXES_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

#define NFLOG_PREFIX_LEN_CAP 128 /* as the kernel keeps them */
#define NFLOG_PREFIXES_CAP   1024

struct nflog_prefix {
    uint16_t group;
    char text[NFLOG_PREFIX_LEN_CAP + 1]; /* printable ASCII, others as '?' */
    uint64_t flows;                      /* final verdicts of flows logged with it */
    uint64_t first_pkt;                  /* input position where it was first met */
};

struct nflog_prefixes {
    struct nflog_prefix *items; /* owned */
    size_t count;
    size_t cap;
    uint64_t refused; /* prefixes not kept: the cap reached, or no memory */
};

/* The reference (index + 1) of group and the prefix text, met at input
 * position pkt_no; 0 when it cannot be kept. */
uint16_t nflog_prefixes_ref(struct nflog_prefixes *p, uint16_t group, struct cursor text,
                            uint64_t pkt_no);

/* The prefix of a reference, or NULL for 0. */
struct nflog_prefix *nflog_prefixes_at(const struct nflog_prefixes *p, uint16_t ref);

void nflog_prefixes_free(struct nflog_prefixes *p);

#endif
