/* gate: slots, a bounded queue, a bounded wait. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "gate.h"

static void test_slots_then_refusal(void **state)
{
    struct gate *g = gate_open(2, 0);

    (void)state;
    assert_non_null(g);
    assert_true(gate_enter(g, 0));
    assert_true(gate_enter(g, 0));
    assert_false(gate_enter(g, 0)); /* full, no queue */
    gate_leave(g);
    assert_true(gate_enter(g, 0));
    gate_leave(g);
    gate_leave(g);
    gate_close(g);
}

static void test_full_queue_turns_away_at_once(void **state)
{
    struct gate *g = gate_open(1, 0);
    long long started;

    (void)state;
    assert_true(gate_enter(g, 0));
    started = clock_mono_ms();
    assert_false(gate_enter(g, 5000)); /* no room to wait: no wait */
    assert_true(clock_mono_ms() - started < 1000);
    gate_leave(g);
    gate_close(g);
}

static void test_wait_is_bounded(void **state)
{
    struct gate *g = gate_open(1, 1);
    long long waited;

    (void)state;
    assert_true(gate_enter(g, 0));
    waited = clock_mono_ms();
    assert_false(gate_enter(g, 50));
    waited = clock_mono_ms() - waited;
    assert_true(waited >= 45 && waited < 2000);
    gate_leave(g);
    gate_close(g);
}

static void *leave_soon(void *arg)
{
    clock_sleep_ms(30);
    gate_leave(arg);
    return NULL;
}

static void test_waiter_gets_freed_slot(void **state)
{
    struct gate *g = gate_open(1, 1);
    pthread_t t;

    (void)state;
    assert_true(gate_enter(g, 0));
    assert_int_equal(pthread_create(&t, NULL, leave_soon, g), 0);
    assert_true(gate_enter(g, 5000));
    pthread_join(t, NULL);
    gate_leave(g);
    gate_close(g);
}

/* A refresh (the one rebuild of a key a write deleted) waits for a slot
 * even when the flood's queue is full, and gets the freed slot. */
static void test_refresh_waits_past_a_full_queue(void **state)
{
    struct gate *g = gate_open(1, 0);
    pthread_t t;

    (void)state;
    assert_true(gate_enter(g, 0));
    assert_false(gate_enter(g, 5000)); /* a flood's miss: turned away */
    assert_int_equal(pthread_create(&t, NULL, leave_soon, g), 0);
    assert_true(gate_enter_refresh(g, 5000));
    pthread_join(t, NULL);
    gate_leave(g);
    gate_close(g);
}

static void test_null_gate_lets_in(void **state)
{
    (void)state;
    assert_true(gate_enter(NULL, 0));
    gate_leave(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_then_refusal),
        cmocka_unit_test(test_full_queue_turns_away_at_once),
        cmocka_unit_test(test_wait_is_bounded),
        cmocka_unit_test(test_waiter_gets_freed_slot),
        cmocka_unit_test(test_null_gate_lets_in),
        cmocka_unit_test(test_refresh_waits_past_a_full_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
