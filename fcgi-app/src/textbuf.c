/* textbuf: appending formatted text, fixed or growing (see textbuf.h). */
#include "textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct textbuf textbuf_fixed(char *out, size_t outlen)
{
    struct textbuf b = {out, 0, outlen, false, outlen == 0};

    if (outlen > 0)
        out[0] = '\0';
    return b;
}

struct textbuf textbuf_growing(size_t cap)
{
    struct textbuf b = {malloc(cap), 0, cap, true, false};

    b.failed = b.text == NULL;
    if (b.text != NULL)
        b.text[0] = '\0';
    return b;
}

/* Marks b failed; a growing buffer's text goes. */
static void fail(struct textbuf *b)
{
    if (b->grows) {
        free(b->text);
        b->text = NULL;
    }
    b->failed = true;
}

void textbuf_put(struct textbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    while (!b->failed) {
        va_start(ap, fmt);
        n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            break;
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        if (!b->grows)
            break;
        char *bigger = realloc(b->text, b->cap * 2 + (size_t)n);
        if (bigger == NULL)
            break;
        b->text = bigger;
        b->cap = b->cap * 2 + (size_t)n;
    }
    if (!b->failed)
        fail(b);
}
