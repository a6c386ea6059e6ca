/*
 * gtid: parsing and merging of write positions (see gtid.h). Its Lua twin,
 * GTID_RECORD_LUA, must give the same text for the same inputs; the test
 * program test_positions checks them against each other on a private
 * redis-server.
 */
#include "gtid.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GTID_DIGITS_MAX 20
#define GTID_UUID_LEN 36

enum gtid_format { GTID_NONE, GTID_MARIADB, GTID_MYSQL };

/* One domain or UUID: key is its domain number or lower-case UUID, high the
 * seq or highest interval end (digits, no leading zero), and the element's
 * canonical text is key_text + rest. */
struct gtid_element {
    char key[GTID_UUID_LEN + 1];
    char high[GTID_DIGITS_MAX + 1];
    const char *rest; /* after the key: "-server-seq" or ":intervals" */
    size_t rest_len;
};

struct gtid_set {
    enum gtid_format format;
    size_t n;
    struct gtid_element e[2 * GTID_ELEMENTS_MAX]; /* room for a merge */
};

/* Digits, 1 to 20 of them, no leading zero: copied into out. */
static bool take_digits(const char *s, size_t len, char *out)
{
    if (len == 0 || len > GTID_DIGITS_MAX || (s[0] == '0' && len > 1))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* a > b for digit strings without leading zeros. */
static bool digits_greater(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    return la != lb ? la > lb : strcmp(a, b) > 0;
}

/* "domain-server-seq". */
static bool parse_mariadb(const char *s, size_t len, struct gtid_element *e)
{
    const char *d1 = memchr(s, '-', len), *d2;
    char server[GTID_DIGITS_MAX + 1];

    if (d1 == NULL)
        return false;
    d2 = memchr(d1 + 1, '-', len - (size_t)(d1 + 1 - s));
    if (d2 == NULL)
        return false;
    if (!take_digits(s, (size_t)(d1 - s), e->key) ||
        !take_digits(d1 + 1, (size_t)(d2 - d1 - 1), server) ||
        !take_digits(d2 + 1, len - (size_t)(d2 + 1 - s), e->high))
        return false;
    e->rest = d1;
    e->rest_len = len - (size_t)(d1 - s);
    return true;
}

static bool is_uuid(const char *s)
{
    for (size_t i = 0; i < GTID_UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* "uuid:N[-M][:N[-M]...]", N >= 1, M >= N. */
static bool parse_mysql(const char *s, size_t len, struct gtid_element *e)
{
    const char *p = s + GTID_UUID_LEN + 1, *end = s + len;

    if (len <= GTID_UUID_LEN + 1 || !is_uuid(s) || s[GTID_UUID_LEN] != ':')
        return false;
    for (size_t i = 0; i < GTID_UUID_LEN; i++)
        e->key[i] = (char)tolower((unsigned char)s[i]);
    e->key[GTID_UUID_LEN] = '\0';
    e->high[0] = '\0';
    e->rest = s + GTID_UUID_LEN;
    e->rest_len = len - GTID_UUID_LEN;
    for (;;) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *iv_end = colon != NULL ? colon : end;
        const char *dash = memchr(p, '-', (size_t)(iv_end - p));
        char lo[GTID_DIGITS_MAX + 1], hi[GTID_DIGITS_MAX + 1];

        if (dash == NULL) {
            if (!take_digits(p, (size_t)(iv_end - p), lo))
                return false;
            strcpy(hi, lo);
        } else if (!take_digits(p, (size_t)(dash - p), lo) ||
                   !take_digits(dash + 1, (size_t)(iv_end - dash - 1), hi)) {
            return false;
        }
        if (strcmp(lo, "0") == 0 || digits_greater(lo, hi))
            return false;
        if (digits_greater(hi, e->high))
            strcpy(e->high, hi);
        if (colon == NULL)
            return true;
        p = colon + 1;
    }
}

/* Adds e to set, or keeps the one already there for its key unless e is
 * ahead of it (on a tie the earlier one stays, as in the Lua). 1 when e's
 * key is new, 0 when it was there, -1 when the set is full. */
static int add(struct gtid_set *set, const struct gtid_element *e)
{
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->e[i].key, e->key) != 0)
            continue;
        if (digits_greater(e->high, set->e[i].high))
            set->e[i] = *e;
        return 0;
    }
    if (set->n == sizeof(set->e) / sizeof(set->e[0]))
        return -1;
    set->e[set->n++] = *e;
    return 1;
}

/* Parses s into set (which may already hold another position's elements
 * of the same format). Whitespace is allowed only after a comma. */
static bool parse_into(const char *s, struct gtid_set *set)
{
    size_t count = 0;
    const char *p = s;

    if (s == NULL || *s == '\0')
        return false;
    for (;;) {
        size_t len = strcspn(p, ",");
        struct gtid_element e;
        enum gtid_format f;
        int added;

        if (parse_mariadb(p, len, &e))
            f = GTID_MARIADB;
        else if (parse_mysql(p, len, &e))
            f = GTID_MYSQL;
        else
            return false;
        if (set->format != GTID_NONE && set->format != f)
            return false;
        set->format = f;
        added = add(set, &e);
        if (added < 0 || (count += (size_t)added) > GTID_ELEMENTS_MAX)
            return false;
        if (p[len] == '\0')
            return true;
        p += len + 1;
        while (isspace((unsigned char)*p))
            p++;
    }
}

static int compare_elements(const void *a, const void *b)
{
    const struct gtid_element *x = a, *y = b;

    /* Domain numbers have no leading zero: length, then text, is order. */
    if (strlen(x->key) != strlen(y->key))
        return strlen(x->key) < strlen(y->key) ? -1 : 1;
    return strcmp(x->key, y->key);
}

int gtid_merge(const char *a, const char *b, char *out, size_t outlen)
{
    struct gtid_set *set = calloc(1, sizeof(*set));
    size_t used = 0;
    int rc = -1;

    if (outlen > 0)
        out[0] = '\0';
    if (set == NULL || outlen == 0)
        goto free_set;
    if ((a != NULL && !parse_into(a, set)) || !parse_into(b, set))
        goto free_set;
    qsort(set->e, set->n, sizeof(set->e[0]), compare_elements);
    for (size_t i = 0; i < set->n; i++) {
        const struct gtid_element *e = &set->e[i];
        int w = snprintf(out + used, outlen - used, "%s%s%.*s",
                         i > 0 ? "," : "", e->key, (int)e->rest_len, e->rest);

        if (w < 0 || (size_t)w >= outlen - used) {
            out[0] = '\0';
            goto free_set;
        }
        used += (size_t)w;
    }
    rc = 0;
free_set:
    free(set);
    return rc;
}
