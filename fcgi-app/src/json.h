/*
 * json: every JSON text the service writes or reads, through jansson. The
 * only file that includes jansson.h.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "rows.h"

/* Each render returns a malloc'd compact JSON text (caller frees) and its
 * length in *len, or NULL when out of memory. */
char *json_render_products(const struct product_list *list, size_t *len);
char *json_render_product(const struct product *p, size_t *len);

/* {"error": msg}. Never NULL: falls back to a static text on OOM, so the
 * result must be released with json_free_error(). */
char *json_render_error(const char *msg, size_t *len);
void json_free_error(char *body);

/* {"error": msg, "id": id}: an error about a product that exists (a write
 * committed, then something failed). malloc'd; NULL when out of memory. */
char *json_render_error_id(const char *msg, uint32_t id, size_t *len);

/* {"key": "value", ...} from npairs (key, value) string pairs laid out as
 * pairs[2i], pairs[2i+1]. For small status bodies (health). */
char *json_render_object(size_t *len, const char *const *pairs, size_t npairs);

/* npairs of an array of pairs (an array, not a pointer), so the count
 * cannot fall behind the array. */
#define JSON_PAIR_COUNT(pairs) (sizeof(pairs) / sizeof((pairs)[0]) / 2)

/* {"name": number, ...} from parallel arrays. For counters (stats). */
char *json_render_counts(size_t *len, const char *const *names,
                         const unsigned long long *values, size_t n);

/* Message buffer size for json_parse_product_input(). */
#define JSON_ERR_MAX 160

/*
 * Validates a write body: an object with exactly "name" (non-empty string,
 * at most PRODUCT_INPUT_NAME_MAX bytes, no NUL) and "price" (number, 0 to
 * PRODUCT_PRICE_MAX). Returns 0, or -1 with a message naming the field.
 */
int json_parse_product_input(const char *body, size_t len,
                             struct product_input *out, char *err,
                             size_t errlen);

#endif
