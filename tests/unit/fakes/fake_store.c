/* An in-memory stand-in for store.c (MySQL): two fixed rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cache.h"
#include "fakes.h"
#include "store.h"

struct fake_store_state fake_store;
struct store {
    int unused;
};
static struct store the_store;

struct store *store_open(const struct store_options *opt)
{
    (void)opt;
    return &the_store;
}

void store_close(struct store *s)
{
    (void)s;
}

enum store_result store_fetch_products(struct store *s, uint32_t limit,
                                       uint32_t offset,
                                       struct product_list *out)
{
    (void)s;
    fake_store.reads++;
    out->items = NULL;
    out->count = 0;
    if (fake_store.result != STORE_OK)
        return fake_store.result;
    out->count = offset >= 2 ? 0 : limit < 2 ? limit : 2; /* two rows */
    out->items = calloc(2, sizeof(*out->items));
    for (size_t i = 0; i < out->count; i++) {
        out->items[i].id = (uint32_t)i + 1;
        out->items[i].name = strdup(i == 0 ? "One" : "Two");
        out->items[i].price = 1.5 * (double)(i + 1);
    }
    return STORE_OK;
}

enum store_result store_fetch_product(struct store *s, uint32_t id,
                                      struct product *out)
{
    (void)s;
    fake_store.reads++;
    if (fake_store.result != STORE_OK)
        return fake_store.result;
    if (id > 2)
        return STORE_NOT_FOUND;
    out->id = id;
    out->name = strdup("One");
    out->price = 1.5;
    return STORE_OK;
}

enum store_result store_insert_product(struct store *s,
                                       const struct product_input *in,
                                       uint32_t *id, char txn[STORE_TXN_MAX])
{
    (void)s;
    (void)in;
    snprintf(txn, STORE_TXN_MAX, "%s", fake_store.txn);
    fake_store.writes++;
    *id = fake_store.next_id;
    return fake_store.result;
}

enum store_result store_update_product(struct store *s, uint32_t id,
                                       const struct product_input *in,
                                       char txn[STORE_TXN_MAX])
{
    (void)s;
    (void)in;
    snprintf(txn, STORE_TXN_MAX, "%s", fake_store.txn);
    fake_store.writes++;
    if (fake_store.result == STORE_OK && id > 2)
        return STORE_NOT_FOUND;
    return fake_store.result;
}

enum store_result store_delete_product(struct store *s, uint32_t id,
                                       char txn[STORE_TXN_MAX])
{
    (void)s;
    snprintf(txn, STORE_TXN_MAX, "%s", fake_store.txn);
    fake_store.writes++;
    if (fake_store.result == STORE_OK && id > 2)
        return STORE_NOT_FOUND;
    return fake_store.result;
}

int store_ping(struct store *s)
{
    (void)s;
    return fake_store.result == STORE_DOWN ? -1 : 0;
}

static const char *no_env(const char *name)
{
    (void)name;
    return NULL;
}

static struct app *used_app;
static struct config *used_cfg;

void fakes_use(struct app *app, struct config *cfg)
{
    used_app = app;
    used_cfg = cfg;
}

int fakes_setup_writes(void **state)
{
    (void)state;
    fakes_app_init(used_app, used_cfg);
    snprintf(used_cfg->admin_token, sizeof(used_cfg->admin_token), "%s",
             FAKES_TOKEN);
    return 0;
}

int fakes_teardown(void **state)
{
    (void)state;
    fakes_reset();
    return 0;
}

void fakes_app_init(struct app *app, struct config *cfg)
{
    char err[256];

    fakes_reset();
    if (config_load(cfg, no_env, err, sizeof(err)) != 0)
        abort(); /* the defaults themselves are broken */
    app->cfg = cfg;
    app->cache = cache_open(NULL);
    app->reader = store_open(NULL);
    app->writer = store_open(NULL);
    app->replicas = NULL; /* no read replicas (readhost.c) */
    app->replica_count = 0;
}

/* Read replicas are not faked: with replica_count 0 these never run. */
int store_gtid_position(struct store *s, char *out, size_t outlen)
{
    (void)s;
    (void)out;
    (void)outlen;
    return -1;
}

enum store_result store_gtid_wait(struct store *s, const char *pos,
                                  long long timeout_ms)
{
    (void)s;
    (void)pos;
    (void)timeout_ms;
    return STORE_DOWN;
}
