/* rows: ownership helpers for the shared row shapes. */
#include "rows.h"

#include <stdlib.h>

void product_list_free(struct product_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].name);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
