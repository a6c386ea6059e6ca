/*
 * rows: the row shapes shared by the store (MySQL), the JSON renderer and
 * the handlers. Plain data, no behaviour beyond freeing a list.
 */
#ifndef ROWS_H
#define ROWS_H

#include <stddef.h>
#include <stdint.h>

/* The schema's VARCHAR(255) in utf8mb4: up to 4 bytes a character. */
#define PRODUCT_NAME_BYTES_MAX 1020
/* Writes accept names up to 255 bytes (so any valid name fits the column). */
#define PRODUCT_INPUT_NAME_MAX 255
/* DECIMAL(10,2). */
#define PRODUCT_PRICE_MAX 99999999.99

struct product {
    uint32_t id;
    char *name; /* owned, NUL-terminated UTF-8 */
    double price;
};

struct product_list {
    struct product *items; /* owned */
    size_t count;
};

/* A validated write body (POST / PUT). */
struct product_input {
    char name[PRODUCT_INPUT_NAME_MAX + 1];
    double price;
};

/* Frees every name and the array; safe on an empty list. */
void product_list_free(struct product_list *list);

#endif
