/*
 * Growable text buffer (strbuf.h). Grows by doubling, so appending n bytes
 * one at a time costs O(n).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "banned.h"

void strbuf_init(struct strbuf *b)
{
    memset(b, 0, sizeof(*b));
}

void strbuf_free(struct strbuf *b)
{
    free(b->data);
    strbuf_init(b);
}

void strbuf_reset(struct strbuf *b)
{
    b->len = 0;
    b->is_short = false;
    if (b->data != NULL)
        b->data[0] = '\0';
}

/* Room for `more` bytes and a NUL after what is there. */
static bool strbuf_reserve(struct strbuf *b, size_t more)
{
    if (b->is_short)
        return false;
    if (b->cap - b->len > more)
        return true;
    size_t cap = b->cap != 0 ? b->cap : 256;
    while (cap - b->len <= more) {
        if (cap > SIZE_MAX / 2) {
            b->is_short = true;
            return false;
        }
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (data == NULL) {
        b->is_short = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void strbuf_appendf(struct strbuf *b, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !b->is_short; tries++) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(room != 0 ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->is_short = true;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        if (!strbuf_reserve(b, (size_t)n))
            return;
    }
}

void strbuf_append(struct strbuf *b, const char *s, size_t len)
{
    if (!strbuf_reserve(b, len))
        return;
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
    strbuf_append(b, s, strlen(s));
}

void strbuf_repeat(struct strbuf *b, char c, size_t n)
{
    if (!strbuf_reserve(b, n))
        return;
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_put_xml(struct strbuf *b, const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            strbuf_puts(b, "&amp;");
            break;
        case '<':
            strbuf_puts(b, "&lt;");
            break;
        case '>':
            strbuf_puts(b, "&gt;");
            break;
        case '"':
            strbuf_puts(b, "&quot;");
            break;
        case '\'':
            strbuf_puts(b, "&#39;");
            break;
        default:
            strbuf_append(b, p, 1);
            break;
        }
    }
}

void strbuf_put_json(struct strbuf *b, const char *s)
{
    strbuf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_appendf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            strbuf_appendf(b, "\\u%04x", *p);
        else
            strbuf_append(b, (const char *)p, 1);
    }
    strbuf_append(b, "\"", 1);
}
