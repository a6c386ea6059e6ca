/*
 * libFuzzer target: the query string of GET /products and the id segment
 * of /products/{id} (request.c). The input is the raw text, as nginx passes
 * QUERY_STRING (and the decoded path segment). Beyond "no crash, no leak":
 * - an accepted query has limit in [1, REQUEST_LIMIT_MAX] and offset in
 *   [0, REQUEST_OFFSET_MAX], and its canonical form, plain and fully
 *   percent-encoded, parses back to the same values;
 * - an accepted id is in [1, UINT32_MAX] and is the number the digits
 *   spell (leading zeros aside), so no value wraps;
 * - every refusal has a message that a JSON error body carries intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "request.h"

/* "limit" -> "%6C%69%6D%69%74". */
static void encode_all(const char *in, char *out, size_t outlen)
{
    size_t o = 0;

    for (; *in != '\0' && o + 4 <= outlen; in++)
        o += (size_t)snprintf(out + o, outlen - o, "%%%02X",
                              (unsigned char)*in);
    out[o] = '\0';
}

static void check_round_trip(const struct product_query *q)
{
    char canon[64], key_limit[32], key_offset[32], enc[128], err[REQUEST_ERR_MAX];
    struct product_query back;

    snprintf(canon, sizeof(canon), "offset=%u&limit=%u", (unsigned)q->offset,
             (unsigned)q->limit);
    fuzz_require(request_parse_query(canon, &back, err, sizeof(err)) == 0 &&
                     back.limit == q->limit && back.offset == q->offset,
                 "canonical query parses back to the same values");
    encode_all("limit", key_limit, sizeof(key_limit));
    encode_all("offset", key_offset, sizeof(key_offset));
    snprintf(enc, sizeof(enc), "%s=%u&%s=%u", key_limit, (unsigned)q->limit,
             key_offset, (unsigned)q->offset);
    fuzz_require(request_parse_query(enc, &back, err, sizeof(err)) == 0 &&
                     back.limit == q->limit && back.offset == q->offset,
                 "percent-encoded query parses back to the same values");
}

static void check_id(const char *text)
{
    char err[REQUEST_ERR_MAX], shown[16];
    const char *digits = text;
    uint32_t id = 0;

    if (request_parse_id(text, &id, err, sizeof(err)) != 0) {
        fuzz_check_message(err, sizeof(err));
        return;
    }
    fuzz_require(id >= 1, "id at least 1");
    while (digits[0] == '0' && digits[1] != '\0')
        digits++;
    snprintf(shown, sizeof(shown), "%u", (unsigned)id);
    fuzz_require(strcmp(shown, digits) == 0, "id is the number its digits spell");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[REQUEST_ERR_MAX];
    struct product_query q;
    char *text = fuzz_strndup(data, size);

    if (text == NULL)
        return 0;
    if (request_parse_query(text, &q, err, sizeof(err)) == 0) {
        fuzz_require(q.limit >= 1 && q.limit <= REQUEST_LIMIT_MAX,
                     "limit in range");
        fuzz_require(q.offset <= REQUEST_OFFSET_MAX, "offset in range");
        check_round_trip(&q);
    } else {
        fuzz_check_message(err, sizeof(err));
    }
    check_id(text);
    free(text);
    return 0;
}
