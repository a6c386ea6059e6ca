/*
 * entry: parsing of cache entries and generation tags, moved out of cache.c
 * so that it can be tested and fuzzed without hiredis. Writing an
 * entry stays with cache.c (its store script builds "<gen>\n<body>").
 */
#include "entry.h"

#include <string.h>

bool entry_parse_gen(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0 || len > 19 || (s[0] == '0' && len > 1))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits fit in 64 bits */
    }
    if (v > (uint64_t)INT64_MAX)
        return false;
    *out = v;
    return true;
}

bool entry_split(const char *v, size_t len, uint64_t *tag, uint64_t *upto,
                 const char **body, size_t *body_len)
{
    const char *nl = memchr(v, '\n', len < ENTRY_TAG_MAX ? len : ENTRY_TAG_MAX);
    const char *colon;
    uint64_t bound = 0;

    if (nl == NULL)
        return false;
    colon = memchr(v, ':', (size_t)(nl - v));
    if (colon == NULL) {
        if (!entry_parse_gen(v, (size_t)(nl - v), tag))
            return false;
    } else if (!entry_parse_gen(v, (size_t)(colon - v), tag) ||
               !entry_parse_gen(colon + 1, (size_t)(nl - colon - 1), &bound) ||
               bound == 0) {
        return false;
    }
    *upto = bound;
    *body = nl + 1;
    *body_len = len - (size_t)(nl - v) - 1;
    return true;
}
