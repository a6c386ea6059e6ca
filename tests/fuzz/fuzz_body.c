/*
 * libFuzzer target: the JSON body of POST /products and PUT
 * /products/{id} (json_parse_product_input in json.c), fed as the raw body
 * bytes. Beyond "no crash, no leak":
 * - an accepted body has a name of 1 to PRODUCT_INPUT_NAME_MAX bytes, with
 *   no NUL inside, in valid UTF-8, and a finite price in [0,
 *   PRODUCT_PRICE_MAX];
 * - what was accepted, written back as {"name": ..., "price": ...},
 *   parses to the same name bytes and the same price (a round trip);
 * - every refusal has a message that a JSON error body carries intact
 *   (jansson's own error text is quoted in it, so this is not a given).
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"

static void check_accepted(const struct product_input *in)
{
    size_t len = strnlen(in->name, sizeof(in->name));
    struct product_input back;
    char err[JSON_ERR_MAX];
    json_t *obj;
    char *text;

    fuzz_require(len >= 1 && len <= PRODUCT_INPUT_NAME_MAX,
                 "name of 1 to PRODUCT_INPUT_NAME_MAX bytes");
    fuzz_require(isfinite(in->price) && in->price >= 0 &&
                     in->price <= PRODUCT_PRICE_MAX,
                 "price finite and in range");
    /* "s" refuses invalid UTF-8: NULL here would mean a bad name got in. */
    obj = json_pack("{s:s, s:f}", "name", in->name, "price", in->price);
    fuzz_require(obj != NULL, "accepted name is valid UTF-8");
    text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(obj);
    if (text == NULL)
        return; /* out of memory */
    fuzz_require(json_parse_product_input(text, strlen(text), &back, err,
                                          sizeof(err)) == 0,
                 "accepted input, written back, is accepted");
    fuzz_require(strcmp(back.name, in->name) == 0 && back.price == in->price,
                 "accepted input round-trips");
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[JSON_ERR_MAX];
    struct product_input in;

    if (json_parse_product_input((const char *)data, size, &in, err,
                                 sizeof(err)) == 0)
        check_accepted(&in);
    else
        fuzz_check_message(err, sizeof(err));
    return 0;
}
