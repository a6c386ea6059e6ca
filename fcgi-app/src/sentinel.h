/*
 * sentinel: finding the Redis master. Without Sentinels a connection goes
 * to the configured host/port or socket; with REDIS_SENTINELS it goes to
 * the master of the process's lease (master_lease.h: the Sentinels asked
 * every 100 ms) or, before that runs, of the first Sentinel that answers,
 * and checks with ROLE that the server really is a master (a Sentinel may
 * answer with a master that was just demoted). cache.c and tracking.c call
 * this on every (re)connect; they drop a connection when the lease names
 * another master or runs out.
 *
 * The generation across a failover or a restart: a promoted replica may
 * lack the last generation bumps (replication is asynchronous), and a Redis
 * restarted with persistence on reloads an old snapshot (an old generation
 * with the entries built under it). On connecting, the caller may ask for
 * the epoch check (sentinel_connect's gen_key), in both modes: when this
 * Redis' identity (run_id, new on every start, and master_replid, new on
 * every promotion) differs from the one recorded next to the generation,
 * the generation is advanced (to at least Redis' clock in microseconds,
 * never backwards) and the recorded write position is marked lost (gtid.h).
 * Every entry built before then misses, whatever bumps were lost.
 */
#ifndef SENTINEL_H
#define SENTINEL_H

#include <stdbool.h>
#include <stddef.h>

struct redisContext;
struct cache_options;
struct host_port;

/* Connects to the Redis master described by opt, with opt's timeout on
 * connect and commands (and TCP keep-alive on TCP). With gen_key, runs the
 * epoch check above. NULL on failure, with the reason
 * in why. The caller frees the context with redisFree. */
struct redisContext *sentinel_connect(const struct cache_options *opt,
                                      const char *gen_key, char *why,
                                      size_t whylen);

/* A connection to one Sentinel, with timeout_ms on connect and commands;
 * NULL, with the reason in why, when it does not answer. */
struct redisContext *sentinel_open(const struct host_port *sentinel,
                                   long long timeout_ms, char *why,
                                   size_t whylen);

/* Asks the Sentinel on ctx for the address of master name. */
bool sentinel_query_master(struct redisContext *ctx, const char *name,
                           struct host_port *master);

#endif
