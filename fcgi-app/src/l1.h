/*
 * l1: the responder's in-process copy of hot answers (one per process,
 * shared by its threads). A bounded map from cache key to body bytes, each
 * with an expiry; least recently used entries are evicted to stay within
 * max_bytes, and nothing ever grows past it.
 *
 * Coherence is not decided here: tracking.c calls l1_invalidate_key() when
 * Redis says an entry's key changed, l1_invalidate_all() when the
 * generation changed, or when it can no longer tell. An
 * insert carries the ticket taken before the Redis read that produced it,
 * and is refused when an invalidation came in between, so a copy read
 * before a write can never be stored after that write's invalidation.
 */
#ifndef L1_H
#define L1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct l1;

/* An empty store holding at most max_bytes (keys, bodies and bookkeeping
 * counted). NULL when out of memory. Thread-safe from here on. */
struct l1 *l1_open(size_t max_bytes);
void l1_close(struct l1 *l1);

/* The current invalidation epoch, to pass to l1_put() later. */
uint64_t l1_ticket(struct l1 *l1);

/* Looks key up at now_ms (monotonic). On a hit, *body points at the stored
 * bytes (NUL-terminated, shared: never written, released with
 * l1_release(), not free()) and *len is their length; they stay valid until
 * released, even if the entry is dropped meanwhile. Expired entries are
 * dropped and miss. */
bool l1_get(struct l1 *l1, const char *key, long long now_ms, char **body,
            size_t *len);

/* l1_get(), and on a hit *expires_ms is the entry's expiry (monotonic ms,
 * as given to l1_put()). */
bool l1_get_until(struct l1 *l1, const char *key, long long now_ms,
                  char **body, size_t *len, long long *expires_ms);

/* Lets go of a body l1_get() handed out; NULL is ignored. */
void l1_release(char *bytes);

/* Stores a copy of body under key until expires_ms (monotonic), unless an
 * invalidation of key (or of a key sharing its bucket, or of everything)
 * happened since ticket, or the entry alone exceeds the bound. Evicts the
 * least recently used entries to make room. Returns true when stored. */
bool l1_put(struct l1 *l1, const char *key, const char *body, size_t len,
            long long expires_ms, uint64_t ticket);

/* Drops key's entry, if any, and starts a new epoch for its bucket (so a
 * put of key whose read began before this is refused: a key sharing the
 * bucket too, which only costs its next read a Redis trip). */
void l1_invalidate_key(struct l1 *l1, const char *key);

/* Drops every entry and starts a new epoch. */
void l1_invalidate_all(struct l1 *l1);

/* Bytes and entries held now (for tests and stats). */
size_t l1_bytes(struct l1 *l1);
size_t l1_count(struct l1 *l1);

#endif
