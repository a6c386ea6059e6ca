/*
 * binlog_rows: sizes column values in row images and reads the primary key
 * out of them (binlog_rows.h). Owns the binlog's column encodings only;
 * what to do with a key, or with a failure, is the caller's.
 */
#include "binlog_rows.h"

#include <stdlib.h>
#include <string.h>

/* MYSQL_TYPE_* codes as the binlog writes them (mysql_com.h's values,
 * repeated so this file needs no client header). */
enum {
    T_DECIMAL = 0, T_TINY = 1, T_SHORT = 2, T_LONG = 3, T_FLOAT = 4,
    T_DOUBLE = 5, T_NULL = 6, T_TIMESTAMP = 7, T_LONGLONG = 8, T_INT24 = 9,
    T_DATE = 10, T_TIME = 11, T_DATETIME = 12, T_YEAR = 13, T_NEWDATE = 14,
    T_VARCHAR = 15, T_BIT = 16, T_TIMESTAMP2 = 17, T_DATETIME2 = 18,
    T_TIME2 = 19, T_JSON = 245, T_NEWDECIMAL = 246, T_ENUM = 247,
    T_SET = 248, T_TINY_BLOB = 249, T_MEDIUM_BLOB = 250, T_LONG_BLOB = 251,
    T_BLOB = 252, T_VAR_STRING = 253, T_STRING = 254, T_GEOMETRY = 255
};

/* Optional metadata field codes (mariadb_rpl.h, opt_metadata_field_type). */
enum { OPT_COLUMN_NAME = 4, OPT_SIMPLE_PRIMARY_KEY = 8 };

/* How many metadata bytes a column of this type has; -1: a type we do not
 * size. */
static int meta_bytes(unsigned char type)
{
    switch (type) {
    case T_TINY: case T_SHORT: case T_LONG: case T_LONGLONG: case T_INT24:
    case T_DATE: case T_TIME: case T_DATETIME: case T_YEAR: case T_NEWDATE:
    case T_TIMESTAMP: case T_NULL:
        return 0;
    case T_FLOAT: case T_DOUBLE: case T_BLOB: case T_TINY_BLOB:
    case T_MEDIUM_BLOB: case T_LONG_BLOB: case T_GEOMETRY: case T_JSON:
    case T_TIMESTAMP2: case T_DATETIME2: case T_TIME2:
        return 1;
    case T_VARCHAR: case T_VAR_STRING: case T_BIT: case T_NEWDECIMAL:
    case T_STRING: case T_ENUM: case T_SET:
        return 2;
    default:
        return -1;
    }
}

static bool is_integer(unsigned char type)
{
    return type == T_TINY || type == T_SHORT || type == T_INT24 ||
           type == T_LONG || type == T_LONGLONG;
}

int binlog_table_load(struct binlog_table *t, const unsigned char *types,
                      uint32_t count, const unsigned char *meta,
                      size_t meta_len, uint32_t key_column)
{
    size_t at = 0;

    memset(t, 0, sizeof(*t));
    if (count == 0 || key_column >= count || !is_integer(types[key_column]))
        return -1;
    t->types = malloc(count);
    t->meta = calloc(count, sizeof(*t->meta));
    if (t->types == NULL || t->meta == NULL)
        goto fail;
    memcpy(t->types, types, count);
    for (uint32_t i = 0; i < count; i++) {
        int n = meta_bytes(types[i]);

        if (n < 0 || at + (size_t)n > meta_len)
            goto fail;
        if (n == 1)
            t->meta[i] = meta[at];
        else if (n == 2 && (types[i] == T_VARCHAR || types[i] == T_VAR_STRING))
            t->meta[i] = (uint16_t)(meta[at] | meta[at + 1] << 8);
        else if (n == 2) /* (precision, scale), (real type, length), ... */
            t->meta[i] = (uint16_t)(meta[at] << 8 | meta[at + 1]);
        at += (size_t)n;
    }
    if (at != meta_len)
        goto fail;
    t->column_count = count;
    t->key_column = key_column;
    return 0;
fail:
    binlog_table_free(t);
    return -1;
}

void binlog_table_free(struct binlog_table *t)
{
    free(t->types);
    free(t->meta);
    memset(t, 0, sizeof(*t));
}

/* A length-encoded integer at *p (before end); advances *p. -1: short. */
static int lenenc(const unsigned char **p, const unsigned char *end,
                  uint64_t *out)
{
    unsigned char first;
    size_t n;

    if (*p >= end)
        return -1;
    first = *(*p)++;
    if (first < 251) {
        *out = first;
        return 0;
    }
    n = first == 0xfc ? 2 : first == 0xfd ? 3 : first == 0xfe ? 8 : 0;
    if (n == 0 || (size_t)(end - *p) < n)
        return -1;
    *out = 0;
    for (size_t i = 0; i < n; i++)
        *out |= (uint64_t)(*p)[i] << (8 * i);
    *p += n;
    return 0;
}

int binlog_key_column(const unsigned char *pk, size_t pk_len,
                      const unsigned char *names, size_t names_len,
                      uint32_t count, uint32_t *key_column)
{
    const unsigned char *p, *end;
    uint64_t v;

    if (pk != NULL && pk_len > 0) {
        p = pk;
        end = pk + pk_len;
        if (lenenc(&p, end, &v) == 0 && p == end && v < count) {
            *key_column = (uint32_t)v;
            return 0;
        }
        return -1; /* a composite key: no single id per row */
    }
    if (names == NULL)
        return -1;
    p = names;
    end = names + names_len;
    for (uint32_t i = 0; i < count; i++) {
        if (lenenc(&p, end, &v) != 0 || v > (uint64_t)(end - p))
            return -1;
        if (v == 2 && memcmp(p, "id", 2) == 0) {
            *key_column = i;
            return 0;
        }
        p += v;
    }
    return -1;
}

static uint64_t little_endian(const unsigned char *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Bytes of a packed DECIMAL(precision, scale) (MySQL's decimal_bin_size). */
static size_t decimal_size(unsigned precision, unsigned scale)
{
    static const unsigned char digits[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
    unsigned intg = precision - scale;

    return (size_t)(intg / 9 * 4 + digits[intg % 9] + scale / 9 * 4 +
                    digits[scale % 9]);
}

/* The stored length of one value of column i at p (avail bytes left).
 * Returns 0 with *len set, or -1 (unknown type, short buffer). */
static int value_size(const struct binlog_table *t, uint32_t i,
                      const unsigned char *p, size_t avail, size_t *len)
{
    uint16_t m = t->meta[i];
    size_t prefix = 0, fixed = 0;

    switch (t->types[i]) {
    case T_TINY: case T_YEAR: fixed = 1; break;
    case T_SHORT: fixed = 2; break;
    case T_INT24: case T_DATE: case T_NEWDATE: case T_TIME: fixed = 3; break;
    case T_LONG: case T_FLOAT: case T_TIMESTAMP: fixed = 4; break;
    case T_LONGLONG: case T_DOUBLE: case T_DATETIME: fixed = 8; break;
    case T_NULL: fixed = 0; break;
    case T_TIMESTAMP2: fixed = 4 + (m + 1u) / 2; break;
    case T_DATETIME2: fixed = 5 + (m + 1u) / 2; break;
    case T_TIME2: fixed = 3 + (m + 1u) / 2; break;
    case T_NEWDECIMAL:
        if ((m & 0xff) > (m >> 8))
            return -1;
        fixed = decimal_size(m >> 8, m & 0xff);
        break;
    case T_BIT: fixed = (m & 0xff) + ((m >> 8) ? 1u : 0u); break;
    case T_ENUM: case T_SET: fixed = m & 0xff; break;
    case T_VARCHAR: case T_VAR_STRING: prefix = m > 255 ? 2 : 1; break;
    case T_BLOB: case T_TINY_BLOB: case T_MEDIUM_BLOB: case T_LONG_BLOB:
    case T_GEOMETRY: case T_JSON:
        if (m < 1 || m > 4)
            return -1;
        prefix = m;
        break;
    case T_STRING: {
        unsigned real = m >> 8, max = m & 0xff;

        if ((real & 0x30) != 0x30) { /* lengths past 255: high bits here */
            max |= ((real & 0x30) ^ 0x30) << 4;
            real |= 0x30;
        }
        if (real == T_ENUM || real == T_SET)
            fixed = m & 0xff;
        else if (real == T_STRING)
            prefix = max > 255 ? 2 : 1;
        else
            return -1;
        break;
    }
    default:
        return -1;
    }
    if (prefix == 0) {
        *len = fixed;
    } else {
        if (avail < prefix)
            return -1;
        *len = prefix + (size_t)little_endian(p, prefix);
    }
    return *len <= avail ? 0 : -1;
}

static bool bit_set(const unsigned char *bits, uint32_t i)
{
    return (bits[i / 8] >> (i % 8)) & 1;
}

/* One row image at *p: reads the key into *key, advances *p. -1: bad. */
static int row_image(const struct binlog_table *t, const unsigned char *present,
                     const unsigned char **p, const unsigned char *end,
                     uint64_t *key)
{
    uint32_t n_present = 0, j = 0;
    const unsigned char *nulls;
    bool have_key = false;

    for (uint32_t i = 0; i < t->column_count; i++)
        n_present += bit_set(present, i);
    if ((size_t)(end - *p) < (n_present + 7) / 8)
        return -1;
    nulls = *p;
    *p += (n_present + 7) / 8;
    for (uint32_t i = 0; i < t->column_count; i++) {
        size_t len;

        if (!bit_set(present, i))
            continue;
        if (bit_set(nulls, j++))
            continue; /* NULL: no bytes; a NULL key stays unseen */
        if (value_size(t, i, *p, (size_t)(end - *p), &len) != 0)
            return -1;
        if (i == t->key_column) {
            *key = little_endian(*p, len);
            have_key = true;
        }
        *p += len;
    }
    return have_key ? 0 : -1;
}

long binlog_rows_keys(const struct binlog_table *t, uint32_t column_count,
                      const unsigned char *present,
                      const unsigned char *present_after, bool update,
                      const unsigned char *data, size_t len, binlog_key_fn fn,
                      void *arg)
{
    const unsigned char *p = data, *end = data + len;
    long rows = 0;

    if (t->types == NULL || column_count != t->column_count ||
        present == NULL || (update && present_after == NULL) || data == NULL)
        return -1;
    while (p < end) {
        uint64_t key, after;

        if (row_image(t, present, &p, end, &key) != 0)
            return -1;
        if (!update) {
            if (fn(key, false, arg) != 0)
                return -1;
        } else if (row_image(t, present_after, &p, end, &after) != 0) {
            return -1;
        } else if (after == key) {
            if (fn(key, false, arg) != 0)
                return -1;
        } else if (fn(key, true, arg) != 0 || fn(after, true, arg) != 0) {
            return -1;
        }
        rows++;
    }
    return rows;
}
