/*
 * json: builds response bodies and parses write bodies with jansson. Prices
 * are printed with 15 significant digits, enough for DECIMAL(10,2) to come
 * out as written in the table (19.99, not 19.989999999999998).
 */
#include "json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

static json_t *product_to_json(const struct product *p)
{
    /* "s" would reject invalid UTF-8 from the database; the table is
     * utf8mb4 so that cannot happen, and NULL then signals it loudly. */
    /* -0.0 == 0: a zero price is written 0, whatever its sign bit. */
    return json_pack("{s:I, s:s, s:f}", "id", (json_int_t)p->id, "name",
                     p->name, "price", p->price == 0 ? 0.0 : p->price);
}

static char *dump(json_t *value, size_t *len)
{
    char *text;

    if (value == NULL)
        return NULL;
    text = json_dumps(value, DUMP_FLAGS);
    json_decref(value);
    if (text != NULL)
        *len = strlen(text);
    return text;
}

char *json_render_products(const struct product_list *list, size_t *len)
{
    json_t *array = json_array();

    if (array == NULL)
        return NULL;
    for (size_t i = 0; i < list->count; i++) {
        json_t *item = product_to_json(&list->items[i]);
        if (item == NULL || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return dump(array, len);
}

char *json_render_product(const struct product *p, size_t *len)
{
    return dump(product_to_json(p), len);
}

static char oom_error[] = "{\"error\":\"out of memory\"}";

char *json_render_error(const char *msg, size_t *len)
{
    char *text = dump(json_pack("{s:s}", "error", msg), len);

    if (text == NULL) {
        *len = sizeof(oom_error) - 1;
        return oom_error;
    }
    return text;
}

char *json_render_error_id(const char *msg, uint32_t id, size_t *len)
{
    return dump(json_pack("{s:s, s:I}", "error", msg, "id", (json_int_t)id),
                len);
}

void json_free_error(char *body)
{
    if (body != oom_error)
        free(body);
}

char *json_render_object(size_t *len, const char *const *pairs, size_t npairs)
{
    json_t *obj = json_object();

    if (obj == NULL)
        return NULL;
    for (size_t i = 0; i < npairs * 2; i += 2) {
        if (json_object_set_new(obj, pairs[i], json_string(pairs[i + 1])) !=
            0) {
            json_decref(obj);
            return NULL;
        }
    }
    return dump(obj, len);
}

char *json_render_counts(size_t *len, const char *const *names,
                         const unsigned long long *values, size_t n)
{
    json_t *obj = json_object();

    if (obj == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (json_object_set_new(obj, names[i],
                                json_integer((json_int_t)values[i])) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return dump(obj, len);
}

/* jansson's error text quotes the client's bytes ("invalid escape near
 * '...'"), which may be invalid UTF-8: json_render_error() cannot encode
 * that, and the client would read "out of memory" instead of the reason.
 * Anything but printable ASCII becomes '?'. */
static void ascii_only(char *text)
{
    for (; *text != '\0'; text++)
        if ((unsigned char)*text < 0x20 || (unsigned char)*text > 0x7e)
            *text = '?';
}

int json_parse_product_input(const char *body, size_t len,
                             struct product_input *out, char *err,
                             size_t errlen)
{
    json_error_t jerr;
    json_t *root, *name, *price;
    const char *key;
    json_t *value;
    int rc = -1;

    /* REJECT_DUPLICATES: {"price":1,"price":-1} must not pick one. */
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "body: malformed JSON at line %d column %d: %s",
                 jerr.line, jerr.column, jerr.text);
        ascii_only(err);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "body: must be a JSON object");
        goto out;
    }
    json_object_foreach(root, key, value) {
        if (strcmp(key, "name") != 0 && strcmp(key, "price") != 0) {
            snprintf(err, errlen,
                     "body: unknown field (allowed: name, price)");
            goto out;
        }
    }
    name = json_object_get(root, "name");
    price = json_object_get(root, "price");
    if (!json_is_string(name)) {
        snprintf(err, errlen, "name: required, must be a string");
        goto out;
    }
    /* No NUL inside: jansson refuses \u0000 unless JSON_ALLOW_NUL. */
    if (json_string_length(name) == 0 ||
        json_string_length(name) > PRODUCT_INPUT_NAME_MAX) {
        snprintf(err, errlen, "name: must be 1 to %d bytes of text",
                 PRODUCT_INPUT_NAME_MAX);
        goto out;
    }
    if (!json_is_number(price)) {
        snprintf(err, errlen, "price: required, must be a number");
        goto out;
    }
    out->price = json_number_value(price);
    if (!isfinite(out->price) || out->price < 0 ||
        out->price > PRODUCT_PRICE_MAX) {
        snprintf(err, errlen, "price: must be between 0 and %.2f",
                 PRODUCT_PRICE_MAX);
        goto out;
    }
    if (out->price == 0)
        out->price = 0.0; /* -0.0 passes the range check: store 0 */
    memcpy(out->name, json_string_value(name), json_string_length(name) + 1);
    rc = 0;
out:
    json_decref(root);
    return rc;
}
