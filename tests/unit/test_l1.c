/* l1.c: the bounded in-process store: hits, expiry, eviction, the bound,
 * invalidation tickets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "l1.h"

#define FOREVER (1LL << 60)

static bool get(struct l1 *l1, const char *key, long long now, char *out,
                size_t outlen)
{
    char *body;
    size_t len;

    if (!l1_get(l1, key, now, &body, &len))
        return false;
    assert_true(len < outlen);
    memcpy(out, body, len + 1);
    l1_release(body);
    return true;
}

static void test_put_then_get(void **state)
{
    struct l1 *l1 = l1_open(1 << 16);
    char out[64];

    (void)state;
    assert_false(get(l1, "a", 0, out, sizeof(out)));
    assert_true(l1_put(l1, "a", "[1]", 3, FOREVER, l1_ticket(l1)));
    assert_true(get(l1, "a", 0, out, sizeof(out)));
    assert_string_equal(out, "[1]");
    /* Replacing a key keeps one entry. */
    assert_true(l1_put(l1, "a", "[22]", 4, FOREVER, l1_ticket(l1)));
    assert_true(get(l1, "a", 0, out, sizeof(out)));
    assert_string_equal(out, "[22]");
    assert_int_equal(l1_count(l1), 1);
    l1_close(l1);
}

static void test_expiry(void **state)
{
    struct l1 *l1 = l1_open(1 << 16);
    char out[64];

    (void)state;
    assert_true(l1_put(l1, "a", "[1]", 3, 1000, l1_ticket(l1)));
    assert_true(get(l1, "a", 999, out, sizeof(out)));
    assert_false(get(l1, "a", 1000, out, sizeof(out)));
    assert_int_equal(l1_count(l1), 0); /* an expired entry is freed */
    assert_int_equal(l1_bytes(l1), 0);
    l1_close(l1);
}

/* The bound holds after any sequence of inserts: least recently used
 * entries go first, a recently read one stays. */
static void test_bound_and_lru_eviction(void **state)
{
    const size_t max = 8192;
    struct l1 *l1 = l1_open(max);
    char body[1000], key[16], out[1100];

    (void)state;
    memset(body, 'x', sizeof(body));
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_true(l1_put(l1, key, body, sizeof(body), FOREVER,
                           l1_ticket(l1)));
        assert_true(l1_bytes(l1) <= max);
        /* Keep k0 hot. */
        assert_true(get(l1, "k0", 0, out, sizeof(out)) || i == 0);
    }
    assert_true(l1_count(l1) >= 6); /* ~7 fit in 8 KiB */
    assert_true(get(l1, "k0", 0, out, sizeof(out)));
    assert_true(get(l1, "k99", 0, out, sizeof(out)));
    assert_false(get(l1, "k1", 0, out, sizeof(out)));
    l1_close(l1);
}

static void test_entry_larger_than_bound_is_refused(void **state)
{
    struct l1 *l1 = l1_open(4096);
    char *big = calloc(1, 5000);

    (void)state;
    assert_true(l1_put(l1, "small", "[1]", 3, FOREVER, l1_ticket(l1)));
    assert_false(l1_put(l1, "big", big, 5000, FOREVER, l1_ticket(l1)));
    assert_int_equal(l1_count(l1), 1); /* nothing evicted for it */
    free(big);
    l1_close(l1);
}

static void test_invalidate_all_and_tickets(void **state)
{
    struct l1 *l1 = l1_open(1 << 16);
    uint64_t before = l1_ticket(l1);
    char out[64];

    (void)state;
    assert_true(l1_put(l1, "a", "[1]", 3, FOREVER, before));
    l1_invalidate_all(l1);
    assert_false(get(l1, "a", 0, out, sizeof(out)));
    assert_int_equal(l1_bytes(l1), 0);
    /* A body read before the invalidation cannot be stored after it. */
    assert_false(l1_put(l1, "a", "[1]", 3, FOREVER, before));
    assert_true(l1_put(l1, "a", "[2]", 3, FOREVER, l1_ticket(l1)));
    l1_close(l1);
}

/* A key's invalidation drops that key only, and refuses a put of that key
 * whose Redis read began before it; other keys' fills go on. */
static void test_invalidate_key_and_tickets(void **state)
{
    struct l1 *l1 = l1_open(1 << 16);
    uint64_t before = l1_ticket(l1);
    char out[64];

    (void)state;
    assert_true(l1_put(l1, "a", "[1]", 3, FOREVER, before));
    assert_true(l1_put(l1, "b", "[2]", 3, FOREVER, before));
    l1_invalidate_key(l1, "a");
    assert_false(get(l1, "a", 0, out, sizeof(out)));
    assert_true(get(l1, "b", 0, out, sizeof(out)));
    assert_false(l1_put(l1, "a", "[1]", 3, FOREVER, before));
    /* Another key's fill is not refused by it (a stream of writes to some
     * keys must not keep every other key out of L1). */
    assert_true(l1_put(l1, "c", "[3]", 3, FOREVER, before));
    assert_true(l1_put(l1, "a", "[4]", 3, FOREVER, l1_ticket(l1)));
    l1_invalidate_key(l1, "absent"); /* no entry: still a new epoch */
    assert_true(get(l1, "a", 0, out, sizeof(out)));
    l1_close(l1);
}

/* A body being sent outlives its entry: dropped, replaced or the whole
 * store closed, the bytes stay valid until the reply lets go (ASan and
 * valgrind runs would report a use after free or a leak). */
static void test_body_outlives_its_entry(void **state)
{
    struct l1 *l1 = l1_open(1 << 16);
    char *first, *second;
    size_t len;

    (void)state;
    assert_true(l1_put(l1, "a", "[1]", 3, FOREVER, l1_ticket(l1)));
    assert_true(l1_get(l1, "a", 0, &first, &len));
    assert_true(l1_get(l1, "a", 0, &second, &len));
    assert_ptr_equal(first, second); /* shared, not copied */
    l1_invalidate_all(l1);
    assert_true(l1_put(l1, "a", "[2]", 3, FOREVER, l1_ticket(l1)));
    assert_string_equal(first, "[1]");
    l1_release(first);
    l1_close(l1);
    assert_string_equal(second, "[1]");
    l1_release(second);
    l1_release(NULL);
}

static void test_bytes_body_verbatim(void **state)
{
    struct l1 *l1 = l1_open(1 << 16);
    const char body[] = "[ {\"id\" : 1} ]\0tail";
    char *got;
    size_t len;

    (void)state;
    assert_true(l1_put(l1, "a", body, sizeof(body) - 1, FOREVER,
                       l1_ticket(l1)));
    assert_true(l1_get(l1, "a", 0, &got, &len));
    assert_int_equal(len, sizeof(body) - 1);
    assert_memory_equal(got, body, len);
    l1_release(got);
    l1_close(l1);
}

/* Threads of one process share the store: concurrent puts, gets and
 * invalidations keep it within its bound and consistent (run under ASan
 * and valgrind by make asan / make valgrind). */
static struct l1 *shared;
#define SHARED_MAX 16384

static void *hammer(void *arg)
{
    unsigned int seed = (unsigned int)(uintptr_t)arg;
    char key[16], body[600], *got;
    size_t len;

    memset(body, 'b', sizeof(body));
    for (int i = 0; i < 20000; i++) {
        int op = rand_r(&seed) % 100;

        snprintf(key, sizeof(key), "k%d", rand_r(&seed) % 64);
        if (op < 50) {
            if (l1_get(shared, key, 0, &got, &len)) {
                if (len > sizeof(body) || memcmp(got, body, len) != 0)
                    abort();
                l1_release(got);
            }
        } else if (op < 98) {
            l1_put(shared, key, body, (size_t)(rand_r(&seed) % 600), FOREVER,
                   l1_ticket(shared));
        } else {
            l1_invalidate_all(shared);
        }
        if (l1_bytes(shared) > SHARED_MAX)
            abort();
    }
    return NULL;
}

static void test_threads_share_one_store(void **state)
{
    pthread_t threads[4];

    (void)state;
    shared = l1_open(SHARED_MAX);
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, hammer,
                                        (void *)(i + 1)),
                         0);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    assert_true(l1_bytes(shared) <= SHARED_MAX);
    l1_close(shared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_then_get),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_bound_and_lru_eviction),
        cmocka_unit_test(test_entry_larger_than_bound_is_refused),
        cmocka_unit_test(test_invalidate_all_and_tickets),
        cmocka_unit_test(test_invalidate_key_and_tickets),
        cmocka_unit_test(test_body_outlives_its_entry),
        cmocka_unit_test(test_bytes_body_verbatim),
        cmocka_unit_test(test_threads_share_one_store),
    };
    return cmocka_run_group_tests_name("l1", tests, NULL, NULL);
}
