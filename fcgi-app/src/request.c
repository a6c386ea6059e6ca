/*
 * request: strict parsing of the query string and path ids. Modelled on
 * kcgi's split-decode-validate: split on '&', percent-decode key and value,
 * then accept a number only if every byte of it is a digit and it fits.
 */
#include "request.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Longest key or value we decode; anything longer is rejected as such. */
#define PART_MAX 64

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes [in, in+len) into out. '+' stays '+' so that "limit=+5" fails the
 * digit check instead of silently becoming " 5". Returns -1 on a broken
 * escape, a NUL byte or an over-long part. */
static int percent_decode(const char *in, size_t len, char *out, size_t outlen)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return -1;
            hi = hex_value(in[i + 1]);
            lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return -1;
            i += 2;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/* Digits only, no sign, no spaces, value in [min, max]. */
static bool parse_uint(const char *text, uint64_t min, uint64_t max,
                       uint64_t *out)
{
    uint64_t v = 0;

    if (text[0] == '\0')
        return false;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max)
            return false; /* also stops overflow: max < UINT64_MAX / 10 */
    }
    if (v < min)
        return false;
    *out = v;
    return true;
}

/* Copies a client-supplied name into a message, shortened and limited to
 * printable ASCII so the error body stays small and readable. */
static void quote_name(const char *name, char *out, size_t outlen)
{
    size_t o = 0;

    for (; *name != '\0' && o + 1 < outlen && o < 32; name++)
        out[o++] = (*name >= 0x20 && *name < 0x7f) ? *name : '?';
    out[o] = '\0';
}

/* The parameters /products accepts, each an integer in [min, max]. */
struct query_param {
    const char *name;
    uint64_t min, max;
    uint32_t *dest;
    bool seen;
};

static struct query_param *find_param(struct query_param *params, size_t n,
                                      const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].name, key) == 0)
            return &params[i];
    return NULL;
}

int request_parse_query(const char *qs, struct product_query *out, char *err,
                        size_t errlen)
{
    struct query_param params[] = {
        {"limit", 1, REQUEST_LIMIT_MAX, &out->limit, false},
        {"offset", 0, REQUEST_OFFSET_MAX, &out->offset, false},
    };
    const size_t nparams = sizeof(params) / sizeof(params[0]);

    out->limit = REQUEST_LIMIT_DEFAULT;
    out->offset = 0;
    if (qs == NULL)
        return 0;
    for (const char *p = qs; *p != '\0';) {
        const char *amp = strchr(p, '&');
        size_t pair_len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', pair_len);
        char key[PART_MAX + 1], value[PART_MAX + 1];
        struct query_param *param;
        uint64_t v;

        if (pair_len == 0) /* "a=1&&b=2" or a trailing '&': nothing to read */
            goto next;
        if (percent_decode(p, eq ? (size_t)(eq - p) : pair_len, key,
                           sizeof(key)) != 0) {
            snprintf(err, errlen, "query: invalid or over-long parameter name");
            return -1;
        }
        param = find_param(params, nparams, key);
        if (param == NULL) {
            char shown[40];
            quote_name(key, shown, sizeof(shown));
            snprintf(err, errlen,
                     "%s: unknown query parameter (allowed: limit, offset)",
                     shown[0] ? shown : "(empty)");
            return -1;
        }
        if (eq == NULL) {
            snprintf(err, errlen, "%s: missing value", key);
            return -1;
        }
        if (percent_decode(eq + 1, pair_len - (size_t)(eq + 1 - p), value,
                           sizeof(value)) != 0) {
            snprintf(err, errlen, "%s: invalid percent-encoding or too long",
                     key);
            return -1;
        }
        /* Repeats are refused rather than resolved: which one a cache or
         * proxy in front would pick is anybody's guess. */
        if (param->seen) {
            snprintf(err, errlen, "%s: given more than once", key);
            return -1;
        }
        param->seen = true;
        if (!parse_uint(value, param->min, param->max, &v)) {
            snprintf(err, errlen, "%s: must be an integer between %llu and %llu",
                     key, (unsigned long long)param->min,
                     (unsigned long long)param->max);
            return -1;
        }
        *param->dest = (uint32_t)v;
    next:
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    return 0;
}

int request_parse_id(const char *text, uint32_t *out, char *err,
                     size_t errlen)
{
    uint64_t v;

    if (text == NULL || !parse_uint(text, 1, UINT32_MAX, &v)) {
        snprintf(err, errlen, "id: must be an integer between 1 and %u",
                 (unsigned)UINT32_MAX);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}
