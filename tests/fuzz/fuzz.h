/*
 * fuzz: what the libFuzzer targets in this folder share. Each target is one
 * fuzz_<name>.c defining LLVMFuzzerTestOneInput; a broken property aborts
 * with a line naming it, which libFuzzer reports as a crash and saves.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, printing what, unless ok. */
void fuzz_require(bool ok, const char *what);

/* A validation message meant for a 400 body: non-empty, NUL-terminated
 * within cap bytes, and {"error": msg} as json_render_error() writes it
 * reads back (jansson) as exactly msg, so it is valid UTF-8 and the client
 * gets the message, not the out-of-memory fallback. */
void fuzz_check_message(const char *msg, size_t cap);

/* A copy of data with a NUL after it (caller frees); NULL when out of
 * memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
