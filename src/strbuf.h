/*
 * A growable text buffer for the output modules that assemble a record,
 * a diagram or a page before writing it whole. An append that finds no
 * memory marks the buffer short and later appends do nothing, so callers
 * check once, at the end (strbuf_is_short()).
 */
#ifndef TV_STRBUF_H
#define TV_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

struct strbuf {
    char *data; /* owned; NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
    bool is_short; /* an append failed for lack of memory */
};

void strbuf_init(struct strbuf *b);
void strbuf_free(struct strbuf *b);
/* Empties the buffer, keeping its memory, and forgets a shortage. */
void strbuf_reset(struct strbuf *b);

void strbuf_appendf(struct strbuf *b, const char *fmt, ...) LOG_PRINTF(2, 3);
void strbuf_append(struct strbuf *b, const char *s, size_t len);
void strbuf_puts(struct strbuf *b, const char *s);
/* n copies of c. */
void strbuf_repeat(struct strbuf *b, char c, size_t n);

/* s with &, <, >, " and ' written as entities: for HTML and SVG text. */
void strbuf_put_xml(struct strbuf *b, const char *s);
/* s as a JSON string, quotes included. */
void strbuf_put_json(struct strbuf *b, const char *s);

static inline bool strbuf_is_short(const struct strbuf *b)
{
    return b->is_short;
}

#endif
