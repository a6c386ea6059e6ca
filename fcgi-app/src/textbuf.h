/*
 * textbuf: printf-style appending to a text buffer, with the bounds check
 * written once. Two kinds: a fixed buffer (framing.c's CGI header block),
 * where an answer that does not fit marks the buffer failed, and a growing
 * one (metrics_text.c's Prometheus page), which reallocates and fails only
 * when memory runs out. Either way a failure sticks: later appends do
 * nothing, and the caller checks once at the end.
 */
#ifndef TEXTBUF_H
#define TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
    char *text; /* NUL-terminated while not failed; NULL once a growing
                 * buffer's allocation failed (it is then freed) */
    size_t len, cap;
    bool grows;
    bool failed;
};

/* A fixed buffer over out[0..outlen). */
struct textbuf textbuf_fixed(char *out, size_t outlen);

/* A growing buffer of cap bytes to start with (malloc; caller frees text).
 * failed when even that could not be had. */
struct textbuf textbuf_growing(size_t cap);

__attribute__((format(printf, 2, 3))) void textbuf_put(struct textbuf *b,
                                                       const char *fmt, ...);

#endif
