/*
 * quiet_thread: a helper thread that never takes a signal. The responder
 * reads its stop signals through a signalfd (workers.c), which needs them
 * blocked in every thread; the binlog invalidator's handlers must
 * interrupt its main thread's reads. A helper started with them unblocked
 * could take SIGTERM itself: the responder would die of it instead of
 * stopping gracefully (multiwatch then restarts it, and a container stop
 * ends in SIGKILL).
 */
#ifndef QUIET_THREAD_H
#define QUIET_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread (the
 * caller's mask is left as it was). 0, or an error number. */
int start_thread_quietly(pthread_t *thread, void *(*run)(void *), void *arg);

#endif
