/*
 * gate: a counting semaphore with a bounded queue, shared by the threads of
 * one responder process. reads.c passes every cache rebuild (a MySQL read
 * for a miss) through it, so that misses can hold at most `slots` threads in
 * MySQL and `waiters` more threads waiting for a slot: the rest of the
 * process's threads stay free for hits, whatever a flood of misses does.
 */
#ifndef GATE_H
#define GATE_H

#include <stdbool.h>
#include <stddef.h>

struct gate;

/* A gate letting `slots` (>= 1) holders in at once, with at most `waiters`
 * more waiting. NULL when out of memory. */
struct gate *gate_open(size_t slots, size_t waiters);
void gate_close(struct gate *g);

/* Takes a slot, waiting up to wait_ms for one. false (at once when the
 * queue is full, else after wait_ms) when none came: the caller does not
 * enter and must not call gate_leave(). A NULL gate always lets in. */
bool gate_enter(struct gate *g, long long wait_ms);

/* gate_enter() for a refresh (products.c: the one rebuild of a key a write
 * just invalidated): waits up to wait_ms even when the queue is full. The
 * bound on such waiters is the keys writes invalidate, not the traffic. */
bool gate_enter_refresh(struct gate *g, long long wait_ms);

/* Gives the slot back (and wakes one waiter). */
void gate_leave(struct gate *g);

#endif
