/*
 * libFuzzer target for the two parsers that take raw client bytes: the
 * query string (request.c) and the write body (json.c). The first input
 * byte picks the parser. Properties checked beyond "no crash, no leak":
 * a parsed limit/offset is always in range, an accepted name fits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[REQUEST_ERR_MAX > JSON_ERR_MAX ? REQUEST_ERR_MAX : JSON_ERR_MAX];
    char *text;

    if (size == 0)
        return 0;
    text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (data[0] & 1) {
        struct product_query q;
        uint32_t id;
        if (request_parse_query(text, &q, err, sizeof(err)) == 0 &&
            (q.limit < 1 || q.limit > REQUEST_LIMIT_MAX ||
             q.offset > REQUEST_OFFSET_MAX))
            abort();
        if (request_parse_id(text, &id, err, sizeof(err)) == 0 && id == 0)
            abort();
    } else {
        struct product_input in;
        if (json_parse_product_input(text, size - 1, &in, err,
                                     sizeof(err)) == 0 &&
            (strlen(in.name) == 0 || strlen(in.name) > PRODUCT_INPUT_NAME_MAX ||
             !(in.price >= 0 && in.price <= PRODUCT_PRICE_MAX)))
            abort();
    }
    free(text);
    return 0;
}
