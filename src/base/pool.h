/* Worker pool: a few threads run blocking work (database queries, password hashing, image
 * decoding) and hand the results back to the event-loop thread as completions.
 *
 * Threading: pool_submit(), pool_run_completions() and pool_destroy() are called from the
 * loop thread only. work() runs on a worker thread and must not touch loop-owned state;
 * done() runs on the loop thread, inside pool_run_completions(). */
#ifndef PONGD_POOL_H
#define PONGD_POOL_H

#include <stddef.h>

typedef struct pool pool_t;

/* worker: the context of the thread running the job (pool_worker_t.init's result, e.g.
 * its own database connection), NULL for a pool without one. */
typedef void (*pool_work_fn)(void *arg, void *worker);
/* status: 0 after work() ran; ERR_AGAIN when the pool was destroyed before it ran. */
typedef void (*pool_done_fn)(void *arg, int status);

/* Per-thread context: init(index, arg) runs on each worker thread when it starts and its
 * result is handed to every job that thread runs; fini(ctx, arg) runs on the thread when
 * it stops. */
typedef struct {
    void *(*init)(int index, void *arg);
    void (*fini)(void *ctx, void *arg);
    void *arg;
} pool_worker_t;

/* wake(wake_arg) is called from a worker thread after it queues a completion; it must be
 * thread-safe and make the loop call pool_run_completions() soon (lws_cancel_service).
 * `worker` may be NULL (no per-thread context); it is copied. */
pool_t *pool_create(int threads, size_t max_queued, void (*wake)(void *), void *wake_arg, const pool_worker_t *worker);

/* Queues a job. ERR_FULL when max_queued jobs are already waiting: the caller answers
 * "busy" (503) instead of queueing without end. done() is always called exactly once for
 * an accepted job. */
int pool_submit(pool_t *p, pool_work_fn work, pool_done_fn done, void *arg);

/* Batches: jobs submitted with the same `batch` function and `key` may be run together by
 * one thread, batch(args, n, worker) with 1 <= n <= POOL_BATCH_MAX of their args (in
 * submission order), e.g. many reads sent to the database in one round trip. done() is
 * still called once per job. */
#define POOL_BATCH_MAX 64
typedef void (*pool_batch_fn)(void **args, int n, void *worker);
int pool_submit_batch(pool_t *p, pool_batch_fn batch, const void *key, pool_done_fn done, void *arg);

/* Runs done() for every finished job; returns how many ran. */
size_t pool_run_completions(pool_t *p);

/* Deferred wake-ups. By default pool_submit() wakes a thread for every job. After
 * pool_defer_wakeups(p), pool_submit() only queues, and the loop calls pool_kick() once per
 * turn (after servicing its sockets): it wakes as many idle threads as there are jobs
 * waiting. A woken thread on the loop's core preempts the loop at once, so per-job wake-ups
 * cost a pair of context switches per request; per turn, one pair serves every job the turn
 * queued. */
void pool_defer_wakeups(pool_t *p);
void pool_kick(pool_t *p);

size_t pool_queued(const pool_t *p);   /* jobs waiting for a thread */
size_t pool_inflight(const pool_t *p); /* accepted jobs whose done() has not run yet */

/* Stops the threads after their current job, then calls done(arg, ERR_AGAIN) for jobs that
 * never ran and done(arg, 0) for finished ones, and frees the pool. */
void pool_destroy(pool_t *p);

#endif
