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

    if (len == 0 || len > 20)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (s[i] < '0' || s[i] > '9')
            return false;
        /* 20 digits can spell more than UINT64_MAX: refuse, never wrap. */
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

bool entry_split(const char *v, size_t len, uint64_t *tag, const char **body,
                 size_t *body_len)
{
    const char *nl = memchr(v, '\n', len < 22 ? len : 22);

    if (nl == NULL || !entry_parse_gen(v, (size_t)(nl - v), tag))
        return false;
    *body = nl + 1;
    *body_len = len - (size_t)(nl - v) - 1;
    return true;
}
