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
    HIST_SYN = 0x001, /* SYN and SYN+ACK share it, as in Zeek */
    HIST_ACK = 0x004,
    HIST_DATA = 0x008,
    HIST_FIN = 0x010,
    HIST_RST = 0x020,
    HIST_FIN_RST = 0x040,
    HIST_MULTI_FLAG = 0x080,
};

/* Letters are stored in 5 bits each: the alphabet has 25 letters. */
#define HISTORY_LETTER_BITS 5

struct history {
    uint8_t packed[(HISTORY_CAP * HISTORY_LETTER_BITS + 7) / 8];
    uint8_t len;
    uint8_t seen[2]; /* enum history_once bits, by side: [0] orig, [1] resp */
};

void history_init(struct history *h);

/* Appends a letter; `upper` selects the originator's case. */
void history_add(struct history *h, char letter, bool upper);

/* Records `letter` the first time `mask` is seen for this side. Returns true
 * if the mask had been seen before (the letter was not added). */
bool history_check(struct history *h, unsigned mask, char letter, bool is_orig);

/* Logarithmic letters: adds the letter when count (already incremented)
 * reaches 1, 10, 100, ... Returns true if a letter was added. */
bool history_scaled(struct history *h, char letter, bool is_orig, uint32_t count);

/* Marks a role flip ('^'). As in Zeek, the seen bits stay with the role
 * (orig/resp), not with the host that earned them. */
void history_flip(struct history *h);

/* The i-th letter (i < len). */
char history_letter(const struct history *h, unsigned i);

/* Copies the history as a NUL-terminated string into buf (HISTORY_CAP + 1). */
void history_str(const struct history *h, char *buf);

#endif
