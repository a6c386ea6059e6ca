/* health: liveness and readiness bodies; the readiness check's cache. */
#include "health.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cache.h"
#include "clock.h"
#include "json.h"
#include "store.h"

void health_live(struct reply *r)
{
    static const char *const pairs[] = {"status", "ok"};
    size_t len = 0;
    char *body = json_render_object(&len, pairs, JSON_PAIR_COUNT(pairs));

    reply_json(r, 200, body, len);
}

struct health_cache {
    pthread_mutex_t lock;
    bool known, mysql_up, redis_up;
    long long checked_ms; /* when the last check began */
};

struct health_cache *health_cache_open(void)
{
    struct health_cache *hc = calloc(1, sizeof(*hc));

    if (hc != NULL)
        pthread_mutex_init(&hc->lock, NULL);
    return hc;
}

void health_cache_close(struct health_cache *hc)
{
    if (hc == NULL)
        return;
    pthread_mutex_destroy(&hc->lock);
    free(hc);
}

/* Pings what the mode needs; with a cache, at most once per
 * HEALTH_CACHE_MS: the thread that finds the answer old checks again, the
 * others meanwhile take the previous answer rather than pile up on a
 * database that may be hanging. */
static void check(struct app *app, bool *mysql_up, bool *redis_up)
{
    struct health_cache *hc = app->ready_cache;
    bool cached = app->cfg->mode == APP_MODE_CACHED;
    long long now = clock_mono_ms();

    if (hc != NULL) {
        pthread_mutex_lock(&hc->lock);
        if (hc->known && now - hc->checked_ms < HEALTH_CACHE_MS) {
            *mysql_up = hc->mysql_up;
            *redis_up = hc->redis_up;
            pthread_mutex_unlock(&hc->lock);
            return;
        }
        hc->checked_ms = now; /* this thread checks */
        pthread_mutex_unlock(&hc->lock);
    }
    *mysql_up = store_ping(app->reader) == 0;
    *redis_up = !cached || cache_ping(app->cache) == 0;
    if (hc != NULL) {
        pthread_mutex_lock(&hc->lock);
        hc->known = true;
        hc->mysql_up = *mysql_up;
        hc->redis_up = *redis_up;
        pthread_mutex_unlock(&hc->lock);
    }
}

void health_ready(struct app *app, struct reply *r)
{
    bool cached = app->cfg->mode == APP_MODE_CACHED;
    bool mysql_up, redis_up;

    check(app, &mysql_up, &redis_up);
    const char *down = !mysql_up && !redis_up ? "mysql and redis are down"
                       : !mysql_up            ? "mysql is down"
                                              : "redis is down";
    const char *pairs[] = {
        mysql_up && redis_up ? "status" : "error",
        mysql_up && redis_up ? "ready" : down,
        "mode", config_mode_name(app->cfg->mode),
        "mysql", mysql_up ? "up" : "down",
        "redis", !cached ? "unused" : redis_up ? "up" : "down",
    };
    size_t len = 0;
    char *body = json_render_object(&len, pairs, JSON_PAIR_COUNT(pairs));

    reply_json(r, mysql_up && redis_up ? 200 : 503, body, len);
}
