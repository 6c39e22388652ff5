/*
 * Zeek-compatible connection history: the string of letters that records
 * what each side did (shared/design/zeek-states.md). Upper case for the
 * originator, lower case for the responder.
 *
 * Owns only the repetition rules: once-per-direction letters, and the
 * logarithmic letters (c, g, t, w) that repeat at 1, 10, 100, ... events.
 * Which event deserves which letter is tcp_state.c's business.
 */
#ifndef TV_HISTORY_H
#define TV_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#define HISTORY_CAP 23 /* letters kept; later letters are counted, not stored */

/* Letters recorded at most once per direction: one bit each per side. */
enum history_once {
    HIST_SYN = 0x01, /* SYN and SYN+ACK share it, as in Zeek */
    HIST_ACK = 0x02,
    HIST_DATA = 0x04,
    HIST_FIN = 0x08,
    HIST_RST = 0x10,
    HIST_FIN_RST = 0x20,
    HIST_MULTI_FLAG = 0x40,
};

/* Letters are stored in 5 bits each: the alphabet has 25 letters. */
#define HISTORY_LETTER_BITS 5

/* Letters kept in struct history itself: all that nearly every connection
 * needs. The rest go to a struct history_more, which the caller keeps only
 * for connections that need one. */
#define HISTORY_INLINE 9

/* The first letters, the length and the seen bits of both sides, packed
 * into 64 bits (history.c has the layout). */
struct history {
    uint8_t bits[8];
};

struct history_more {
    uint8_t packed[((HISTORY_CAP - HISTORY_INLINE) * HISTORY_LETTER_BITS + 7) / 8];
};

void history_init(struct history *h);

unsigned history_len(const struct history *h);

/* Would the next letter go to a struct history_more? */
bool history_needs_more(const struct history *h);

/* Appends a letter; `upper` selects the originator's case. A letter that
 * needs `more` when it is NULL is dropped: the caller could not keep it
 * and must report the history as partial. */
void history_add(struct history *h, struct history_more *more, char letter, bool upper);

/* Marks `mask` seen for this side; returns true if it had been seen before.
 * The once-per-direction letter is the caller's to add when this returns
 * false. */
bool history_seen(struct history *h, unsigned mask, bool is_orig);

/* Logarithmic letters: is an event count (already incremented) one that
 * earns a letter? True at 1, 10, 100, ... */
bool history_is_scale_step(uint32_t count);

/* Marks a role flip ('^'), as history_add does a letter. As in Zeek, the
 * seen bits stay with the role (orig/resp), not with the host that earned
 * them. */
void history_flip(struct history *h, struct history_more *more);

/* The i-th letter (i < history_len()); more may be NULL if i < HISTORY_INLINE. */
char history_letter(const struct history *h, const struct history_more *more, unsigned i);

/* Copies the history as a NUL-terminated string into buf (HISTORY_CAP + 1);
 * more may be NULL if the history needs none. */
void history_str(const struct history *h, const struct history_more *more, char *buf);

#endif
