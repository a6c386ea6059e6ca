/* health: liveness and readiness bodies. */
#include "health.h"

#include <stdbool.h>

#include "cache.h"
#include "json.h"
#include "store.h"

void health_live(struct reply *r)
{
    static const char *const pairs[] = {"status", "ok"};
    size_t len = 0;
    char *body = json_render_object(&len, pairs, JSON_PAIR_COUNT(pairs));

    reply_json(r, 200, body, len);
}

void health_ready(struct app *app, struct reply *r)
{
    bool cached = app->cfg->mode == APP_MODE_CACHED;
    bool mysql_up = store_ping(app->reader) == 0;
    bool redis_up = !cached || cache_ping(app->cache) == 0;
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
