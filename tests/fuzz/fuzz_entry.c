/*
 * libFuzzer target: what cache.c reads back from Redis, through entry.c: a
 * generation tag ("<gen>") and an entry ("<gen>[:<upto>]\n<body>"), fed as the raw
 * stored bytes (a corrupt or foreign value is possible: anyone with access
 * to Redis can write one). Beyond "no crash, no overread":
 * - an accepted generation is 1 to 19 digits, at most INT64_MAX (Redis'
 *   INCR range), and exactly the number they spell: nothing wraps;
 * - an accepted entry splits at its first newline: the tag (and the bound,
 *   after a colon) are what entry_parse_gen reads from the bytes before it,
 *   and the body is every byte after it, inside the input;
 * - a round trip: the first 8 input bytes as a generation and the rest as
 *   a body, written as cache.c's store script writes them ("%llu\n" or
 *   "%llu:%llu\n", then the body), split back to the same generation,
 *   bound and bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "fuzz.h"

static void check_gen(const char *s, size_t len)
{
    char shown[24];
    uint64_t gen;

    if (!entry_parse_gen(s, len, &gen))
        return;
    fuzz_require(len >= 1 && len <= 19 && gen <= (uint64_t)INT64_MAX,
                 "generation of 1 to 19 digits in INCR's range");
    snprintf(shown, sizeof(shown), "%" PRIu64, gen);
    fuzz_require(strlen(shown) == len && memcmp(shown, s, len) == 0,
                 "generation is the number its digits spell");
}

static void check_split(const char *v, size_t len)
{
    const char *body = NULL;
    size_t body_len = 0, tag_len;
    const char *colon;
    uint64_t tag, upto, again;

    if (!entry_split(v, len, &tag, &upto, &body, &body_len))
        return;
    fuzz_require(body > v && body <= v + len && body[-1] == '\n' &&
                     (size_t)(body - v) + body_len == len,
                 "body is the rest of the value after a newline");
    tag_len = (size_t)(body - v) - 1;
    fuzz_require(memchr(v, '\n', tag_len) == NULL, "split at the first newline");
    colon = memchr(v, ':', tag_len);
    if (colon == NULL) {
        fuzz_require(upto == 0 && entry_parse_gen(v, tag_len, &again) &&
                         again == tag,
                     "tag is the generation before the newline");
        return;
    }
    fuzz_require(entry_parse_gen(v, (size_t)(colon - v), &again) &&
                     again == tag,
                 "tag is the generation before the colon");
    fuzz_require(entry_parse_gen(colon + 1, tag_len - (size_t)(colon - v) - 1,
                                 &again) &&
                     again == upto && upto > 0,
                 "bound is the number after the colon, never 0");
}

static void check_round_trip(const uint8_t *data, size_t size)
{
    uint64_t gen = 0, bound = 0, tag = 0, upto = 0;
    const char *body = NULL;
    size_t body_len = 0, head;
    char *value;

    if (size < 8)
        return;
    memcpy(&gen, data, 8);
    gen &= (uint64_t)INT64_MAX; /* what INCR can hold */
    bound = gen % 7 == 0 ? 0 : gen / 3 + 1; /* some entries bounded */
    /* The longest tag line is ENTRY_TAG_MAX bytes; snprintf adds a NUL. */
    value = malloc(size - 8 + ENTRY_TAG_MAX + 1);
    if (value == NULL)
        return;
    if (bound == 0)
        head = (size_t)snprintf(value, ENTRY_TAG_MAX + 1, "%" PRIu64 "\n",
                                gen);
    else
        head = (size_t)snprintf(value, ENTRY_TAG_MAX + 1,
                                "%" PRIu64 ":%" PRIu64 "\n", gen, bound);
    memcpy(value + head, data + 8, size - 8);
    fuzz_require(entry_split(value, head + size - 8, &tag, &upto, &body,
                             &body_len),
                 "a stored entry splits");
    fuzz_require(tag == gen && upto == bound && body_len == size - 8 &&
                     memcmp(body, data + 8, body_len) == 0,
                 "a stored entry splits back to its generation and body");
    free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan sees any read past the value's end. */
    char *v = malloc(size ? size : 1);

    if (v == NULL)
        return 0;
    memcpy(v, data, size);
    check_gen(v, size);
    check_split(v, size);
    check_round_trip(data, size);
    free(v);
    return 0;
}
