/*
 * request: turns the untrusted parts of a request (query string, path id)
 * into validated values. Pure functions: no I/O, no allocation.
 */
#ifndef REQUEST_H
#define REQUEST_H

#include <stddef.h>
#include <stdint.h>

#define REQUEST_LIMIT_DEFAULT 100
#define REQUEST_LIMIT_MAX 1000
#define REQUEST_OFFSET_MAX 1000000

struct product_query {
    uint32_t limit;
    uint32_t offset;
};

/* Messages name the parameter and what is wrong, for a 400 body. */
#define REQUEST_ERR_MAX 160

/*
 * Parses "limit=&offset=" (percent-encoded, each key at most once, nothing
 * else). qs may be NULL or empty for the defaults. Returns 0, or -1 with a
 * message in err.
 */
int request_parse_query(const char *qs, struct product_query *out, char *err,
                        size_t errlen);

/* Parses a product id from a path segment: 1..4294967295, digits only. */
int request_parse_id(const char *text, uint32_t *out, char *err,
                     size_t errlen);

#endif
