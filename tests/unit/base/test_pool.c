/* pool: jobs run on workers, completions on the calling thread, bounded queue, shutdown.
 * Waits are bounded (condition variables with a deadline); no sleep decides a result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool.h"
#include "util.h"

#define WAIT_S 10

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned wakes;          /* wake() calls */
    bool blocker_started, release;
    pthread_t loop;          /* the thread that calls pool_* */
    atomic_int worked;
    int done_calls;
} ctx_t;

typedef struct {
    ctx_t *ctx;
    pthread_t worker;
    atomic_int work_runs;
    int done_calls;
    int status;
    bool done_on_loop;
} job_t;

static void ctx_init(ctx_t *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->loop = pthread_self();
}

static void ctx_fini(ctx_t *c) {
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}

static struct timespec deadline(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_S;
    return ts;
}

static void wake(void *arg) {
    ctx_t *c = arg;
    pthread_mutex_lock(&c->mu);
    c->wakes++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->worker = pthread_self();
    atomic_fetch_add(&j->work_runs, 1);
    atomic_fetch_add(&j->ctx->worked, 1);
}

static void done(void *arg, int status) {
    job_t *j = arg;
    j->done_calls++;
    j->status = status;
    j->done_on_loop = pthread_equal(pthread_self(), j->ctx->loop);
    j->ctx->done_calls++;
}

/* Blocks its worker until ctx->release. */
static void block_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    ctx_t *c = j->ctx;
    j->worker = pthread_self();
    atomic_fetch_add(&j->work_runs, 1);
    pthread_mutex_lock(&c->mu);
    c->blocker_started = true;
    pthread_cond_broadcast(&c->cv);
    while (!c->release) pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

/* The loop: runs completions until ctx->done_calls reaches want, sleeping on wake(). */
static void run_until(pool_t *p, ctx_t *c, int want) {
    struct timespec dl = deadline();
    for (;;) {
        pthread_mutex_lock(&c->mu);
        unsigned seen = c->wakes;
        pthread_mutex_unlock(&c->mu);
        pool_run_completions(p);
        if (c->done_calls >= want) return;
        pthread_mutex_lock(&c->mu);
        int rc = 0;
        while (c->wakes == seen && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&c->cv, &c->mu, &dl);
        pthread_mutex_unlock(&c->mu);
        if (rc == ETIMEDOUT) fail_msg("timed out: %d of %d completions", c->done_calls, want);
    }
}

static void wait_blocker_started(ctx_t *c) {
    struct timespec dl = deadline();
    pthread_mutex_lock(&c->mu);
    int rc = 0;
    while (!c->blocker_started && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&c->cv, &c->mu, &dl);
    pthread_mutex_unlock(&c->mu);
    if (rc == ETIMEDOUT) fail_msg("the blocking job never started");
}

static void release(ctx_t *c) {
    pthread_mutex_lock(&c->mu);
    c->release = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void test_all_jobs_complete(void **state) {
    (void)state;
    enum { N = 200 };
    ctx_t c;
    ctx_init(&c);
    job_t *jobs = calloc(N, sizeof *jobs);
    pool_t *p = pool_create(4, N, wake, &c, NULL);
    assert_non_null(p);
    assert_int_equal(pool_inflight(p), 0);
    for (int i = 0; i < N; i++) {
        jobs[i].ctx = &c;
        assert_int_equal(pool_submit(p, work, done, &jobs[i]), 0);
    }
    assert_int_equal(pool_inflight(p), N); /* no done() can have run yet */
    run_until(p, &c, N);
    assert_int_equal(pool_inflight(p), 0);
    assert_int_equal(pool_queued(p), 0);
    assert_int_equal(atomic_load(&c.worked), N);
    assert_true(c.wakes >= 1);
    for (int i = 0; i < N; i++) {
        assert_int_equal(atomic_load(&jobs[i].work_runs), 1);
        assert_int_equal(jobs[i].done_calls, 1);
        assert_int_equal(jobs[i].status, 0);
        assert_true(jobs[i].done_on_loop);
        assert_false(pthread_equal(jobs[i].worker, c.loop)); /* work ran elsewhere */
    }
    assert_int_equal(pool_run_completions(p), 0);
    pool_destroy(p);
    for (int i = 0; i < N; i++) assert_int_equal(jobs[i].done_calls, 1); /* not again */
    free(jobs);
    ctx_fini(&c);
}

static void test_done_may_be_null_and_no_wake(void **state) {
    (void)state;
    ctx_t c;
    ctx_init(&c);
    job_t j = { .ctx = &c };
    pool_t *p = pool_create(0, 4, NULL, NULL, NULL); /* 0 threads: at least one is started */
    assert_non_null(p);
    assert_int_equal(pool_submit(p, work, NULL, &j), 0);
    pool_destroy(p); /* either ran (done NULL) or never ran: no crash, no leak */
    assert_true(atomic_load(&j.work_runs) <= 1);
    pool_destroy(NULL);
    ctx_fini(&c);
}

static void test_full_queue(void **state) {
    (void)state;
    ctx_t c;
    ctx_init(&c);
    job_t blocker = { .ctx = &c }, j[3] = { { .ctx = &c }, { .ctx = &c }, { .ctx = &c } };
    pool_t *p = pool_create(1, 2, wake, &c, NULL);
    assert_non_null(p);
    assert_int_equal(pool_submit(p, block_work, done, &blocker), 0);
    wait_blocker_started(&c);
    assert_int_equal(pool_queued(p), 0); /* the running job is not waiting */
    assert_int_equal(pool_submit(p, work, done, &j[0]), 0);
    assert_int_equal(pool_submit(p, work, done, &j[1]), 0);
    assert_int_equal(pool_queued(p), 2);
    assert_int_equal(pool_submit(p, work, done, &j[2]), ERR_FULL);
    assert_int_equal(pool_queued(p), 2);
    assert_int_equal(pool_inflight(p), 3);
    release(&c);
    run_until(p, &c, 3);
    assert_int_equal(pool_inflight(p), 0);
    assert_int_equal(blocker.done_calls, 1);
    assert_int_equal(j[0].done_calls, 1);
    assert_int_equal(j[1].done_calls, 1);
    assert_int_equal(j[2].done_calls, 0);             /* refused: never called */
    assert_int_equal(atomic_load(&j[2].work_runs), 0);
    /* room again once drained */
    assert_int_equal(pool_submit(p, work, done, &j[2]), 0);
    run_until(p, &c, 4);
    assert_int_equal(j[2].done_calls, 1);
    pool_destroy(p);
    ctx_fini(&c);
}

typedef struct { ctx_t *c; atomic_bool *destroying; } releaser_t;

/* Releases the blocker once the loop thread has entered pool_destroy(). The delay only
 * orders the release after pool_destroy() marks the pool stopping. */
static void *releaser(void *arg) {
    releaser_t *r = arg;
    while (!atomic_load(r->destroying)) sched_yield();
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    release(r->c);
    return NULL;
}

static void test_destroy_cancels_waiting_jobs(void **state) {
    (void)state;
    ctx_t c;
    ctx_init(&c);
    job_t blocker = { .ctx = &c }, j[3] = { { .ctx = &c }, { .ctx = &c }, { .ctx = &c } };
    pool_t *p = pool_create(1, 16, wake, &c, NULL);
    assert_non_null(p);
    assert_int_equal(pool_submit(p, block_work, done, &blocker), 0);
    wait_blocker_started(&c);
    for (int i = 0; i < 3; i++) assert_int_equal(pool_submit(p, work, done, &j[i]), 0);
    assert_int_equal(pool_inflight(p), 4);

    atomic_bool destroying = false;
    releaser_t r = { &c, &destroying };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, releaser, &r), 0);
    atomic_store(&destroying, true);
    pool_destroy(p);
    pthread_join(t, NULL);

    assert_int_equal(blocker.done_calls, 1);  /* ran: done(0) */
    assert_int_equal(blocker.status, 0);
    assert_true(blocker.done_on_loop);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(atomic_load(&j[i].work_runs), 0);
        assert_int_equal(j[i].done_calls, 1); /* never ran: done(ERR_AGAIN) once */
        assert_int_equal(j[i].status, ERR_AGAIN);
        assert_true(j[i].done_on_loop);
    }
    ctx_fini(&c);
}

static void test_destroy_runs_finished_completions(void **state) {
    (void)state;
    ctx_t c;
    ctx_init(&c);
    job_t j = { .ctx = &c };
    pool_t *p = pool_create(2, 4, wake, &c, NULL);
    assert_int_equal(pool_submit(p, work, done, &j), 0);
    /* wait for the work (not its completion) */
    struct timespec dl = deadline();
    pthread_mutex_lock(&c.mu);
    int rc = 0;
    while (c.wakes == 0 && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&c.cv, &c.mu, &dl);
    pthread_mutex_unlock(&c.mu);
    assert_int_not_equal(rc, ETIMEDOUT);
    assert_int_equal(j.done_calls, 0);
    assert_int_equal(pool_inflight(p), 1);
    pool_destroy(p);
    assert_int_equal(j.done_calls, 1);
    assert_int_equal(j.status, 0);
    ctx_fini(&c);
}

/* Per-worker context: made on each worker thread before its first job, handed to every
 * job that thread runs, released on the same thread at destroy. */
typedef struct { pthread_t thread; int index; atomic_int jobs; } wctx_t;
typedef struct { atomic_int inits, finis; atomic_int fini_on_own_thread; wctx_t slots[8]; } wctl_t;

static void *wctx_init(int index, void *arg) {
    wctl_t *w = arg;
    atomic_fetch_add(&w->inits, 1);
    w->slots[index].thread = pthread_self();
    w->slots[index].index = index;
    return &w->slots[index];
}

static void wctx_fini(void *ctx, void *arg) {
    wctl_t *w = arg;
    wctx_t *c = ctx;
    atomic_fetch_add(&w->finis, 1);
    if (pthread_equal(c->thread, pthread_self())) atomic_fetch_add(&w->fini_on_own_thread, 1);
}

typedef struct { job_t base; wctx_t *seen; } ctx_job_t;

static void ctx_work(void *arg, void *worker) {
    ctx_job_t *j = arg;
    wctx_t *c = worker;
    j->seen = c;
    if (pthread_equal(c->thread, pthread_self())) atomic_fetch_add(&c->jobs, 1);
    atomic_fetch_add(&j->base.ctx->worked, 1);
}

static void test_worker_context(void **state) {
    (void)state;
    ctx_t c;
    ctx_init(&c);
    static wctl_t w;
    memset(&w, 0, sizeof w);
    pool_worker_t pw = { wctx_init, wctx_fini, &w };
    enum { N = 200 };
    static ctx_job_t jobs[N];
    pool_t *p = pool_create(3, N, wake, &c, &pw);
    for (int i = 0; i < N; i++) {
        jobs[i] = (ctx_job_t){ .base = { .ctx = &c } };
        assert_int_equal(pool_submit(p, ctx_work, done, &jobs[i]), 0);
    }
    run_until(p, &c, N);
    pool_destroy(p);
    assert_int_equal(atomic_load(&w.inits), 3);
    assert_int_equal(atomic_load(&w.finis), 3);
    assert_int_equal(atomic_load(&w.fini_on_own_thread), 3);
    int total = 0;
    for (int i = 0; i < 3; i++) total += atomic_load(&w.slots[i].jobs);
    assert_int_equal(total, N);   /* every job saw the context of the thread it ran on */
    for (int i = 0; i < N; i++) assert_non_null(jobs[i].seen);
    ctx_fini(&c);
}

/* Deferred wake-ups: jobs queued during a loop turn wait for pool_kick(), which must wake
 * as many threads as there are jobs. Four jobs that only finish once all four run at the
 * same time prove it woke them all (with one woken thread they would time out). */
typedef struct { job_t base; atomic_int *arrived; atomic_bool *all_met; } meet_job_t;

static void meet_work(void *arg, void *worker) {
    (void)worker;
    meet_job_t *j = arg;
    atomic_fetch_add(&j->base.work_runs, 1);
    atomic_fetch_add(j->arrived, 1);
    struct timespec start, now, pause = { 0, 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        if (atomic_load(j->arrived) >= 4) return;
        nanosleep(&pause, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < WAIT_S);
    atomic_store(j->all_met, false);
}

static void test_deferred_wakeups(void **state) {
    (void)state;
    for (int round = 0; round < 20; round++) {
        ctx_t c;
        ctx_init(&c);
        atomic_int arrived = 0;
        atomic_bool all_met = true;
        meet_job_t jobs[4];
        pool_t *p = pool_create(4, 16, wake, &c, NULL);
        assert_non_null(p);
        pool_defer_wakeups(p);
        /* let the threads reach their wait, so the jobs depend on the kick (a thread still
         * starting would take a job without one: the test would pass, not fail) */
        struct timespec settle = { 0, 20 * 1000 * 1000 };
        nanosleep(&settle, NULL);
        pool_kick(p); /* nothing waiting: no effect */
        for (int i = 0; i < 4; i++) {
            jobs[i] = (meet_job_t){ .base = { .ctx = &c }, .arrived = &arrived, .all_met = &all_met };
            assert_int_equal(pool_submit(p, meet_work, done, &jobs[i]), 0);
        }
        pool_kick(p);
        run_until(p, &c, 4);
        assert_true(atomic_load(&all_met));
        for (int i = 0; i < 4; i++) {
            assert_int_equal(atomic_load(&jobs[i].base.work_runs), 1);
            assert_int_equal(jobs[i].base.done_calls, 1);
        }
        pool_destroy(p);
        ctx_fini(&c);
    }
}

/* Batches: one thread, held by a blocker while the jobs queue up: the batch calls must get
 * only jobs of their own key, in submission order, at most POOL_BATCH_MAX each; plain jobs
 * between them still run; every job completes once. */
static const int KEY_A = 1, KEY_B = 2;
typedef struct { job_t base; const int *key; int seq; } bjob_t;
static int batch_calls, batch_bad;

static void batch_work(void **args, int n, void *worker) {
    (void)worker;
    batch_calls++;
    if (n < 1 || n > POOL_BATCH_MAX) batch_bad++;
    for (int i = 0; i < n; i++) {
        bjob_t *j = args[i];
        if (j->key != ((bjob_t *)args[0])->key) batch_bad++;
        if (i > 0 && j->seq <= ((bjob_t *)args[i - 1])->seq) batch_bad++;
        atomic_fetch_add(&j->base.work_runs, 1);
        atomic_fetch_add(&j->base.ctx->worked, 1);
    }
}

static void test_batches(void **state) {
    (void)state;
    ctx_t c;
    ctx_init(&c);
    enum { NA = POOL_BATCH_MAX + 8, NB = 5, NP = 3 };
    static bjob_t a[NA], b[NB];
    job_t blocker = { .ctx = &c }, plain[NP];
    batch_calls = batch_bad = 0;
    pool_t *p = pool_create(1, 256, wake, &c, NULL);
    assert_non_null(p);
    assert_int_equal(pool_submit(p, block_work, done, &blocker), 0);
    wait_blocker_started(&c);
    int seq = 0, ia = 0, ib = 0, ip = 0;
    while (ia < NA || ib < NB || ip < NP) {   /* interleaved: a a b a plain a b ... */
        if (ia < NA) {
            a[ia] = (bjob_t){ .base = { .ctx = &c }, .key = &KEY_A, .seq = seq++ };
            assert_int_equal(pool_submit_batch(p, batch_work, &KEY_A, done, &a[ia++]), 0);
        }
        if (ia % 3 == 0 && ib < NB) {
            b[ib] = (bjob_t){ .base = { .ctx = &c }, .key = &KEY_B, .seq = seq++ };
            assert_int_equal(pool_submit_batch(p, batch_work, &KEY_B, done, &b[ib++]), 0);
        }
        if (ia % 7 == 0 && ip < NP) {
            plain[ip] = (job_t){ .ctx = &c };
            assert_int_equal(pool_submit(p, work, done, &plain[ip++]), 0);
        }
    }
    release(&c);
    run_until(p, &c, 1 + NA + NB + NP);
    assert_int_equal(batch_bad, 0);
    /* the A jobs need 2 calls (POOL_BATCH_MAX + 8), the B jobs 1: all were waiting, so exactly that */
    assert_int_equal(batch_calls, 3);
    for (int i = 0; i < NA; i++) assert_int_equal(a[i].base.done_calls, 1);
    for (int i = 0; i < NB; i++) assert_int_equal(b[i].base.done_calls, 1);
    for (int i = 0; i < NP; i++) assert_int_equal(plain[i].done_calls, 1);
    for (int i = 0; i < NA; i++) assert_int_equal(atomic_load(&a[i].base.work_runs), 1);
    assert_int_equal(atomic_load(&c.worked), NA + NB + NP);
    assert_int_equal(pool_inflight(p), 0);
    pool_destroy(p);
    ctx_fini(&c);
}

/* One batch per kind at a time: while a batch of kind A runs (held), more A jobs wait for
 * it — even with a thread free — and then run as one batch; a plain job runs meanwhile. */
static atomic_int held_batches, held_max_n, held_running, held_overlap;

static void held_batch(void **args, int n, void *worker) {
    (void)worker;
    if (atomic_fetch_add(&held_running, 1) > 0) atomic_fetch_add(&held_overlap, 1);
    bjob_t *first = args[0];
    int call = atomic_fetch_add(&held_batches, 1);
    if (n > atomic_load(&held_max_n)) atomic_store(&held_max_n, n);
    if (call == 0) block_work(&first->base, NULL);   /* the first batch waits for release() (and counts its run) */
    for (int i = call == 0 ? 1 : 0; i < n; i++) atomic_fetch_add(&((bjob_t *)args[i])->base.work_runs, 1);
    atomic_fetch_sub(&held_running, 1);
}

static void test_one_batch_per_kind_at_a_time(void **state) {
    (void)state;
    ctx_t c;
    ctx_init(&c);
    enum { N = 10 };
    static bjob_t a[N];
    job_t plain = { .ctx = &c };
    atomic_store(&held_batches, 0);
    atomic_store(&held_max_n, 0);
    atomic_store(&held_running, 0);
    atomic_store(&held_overlap, 0);
    pool_t *p = pool_create(2, 64, wake, &c, NULL);
    assert_non_null(p);
    a[0] = (bjob_t){ .base = { .ctx = &c }, .key = &KEY_A };
    assert_int_equal(pool_submit_batch(p, held_batch, &KEY_A, done, &a[0]), 0);
    wait_blocker_started(&c);                      /* batch 1 (a[0] alone) is running */
    for (int i = 1; i < N; i++) {
        a[i] = (bjob_t){ .base = { .ctx = &c }, .key = &KEY_A, .seq = i };
        assert_int_equal(pool_submit_batch(p, held_batch, &KEY_A, done, &a[i]), 0);
    }
    assert_int_equal(pool_submit(p, work, done, &plain), 0);
    run_until(p, &c, 1);                           /* the plain job ran on the free thread */
    assert_int_equal(plain.done_calls, 1);
    assert_int_equal(pool_queued(p), N - 1);       /* the A jobs waited for the running batch */
    release(&c);
    run_until(p, &c, 1 + N);
    assert_int_equal(atomic_load(&held_batches), 2);
    assert_int_equal(atomic_load(&held_max_n), N - 1);
    assert_int_equal(atomic_load(&held_overlap), 0);
    for (int i = 0; i < N; i++) assert_int_equal(atomic_load(&a[i].base.work_runs), 1);
    pool_destroy(p);
    ctx_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_context),
        cmocka_unit_test(test_deferred_wakeups),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_one_batch_per_kind_at_a_time),
        cmocka_unit_test(test_all_jobs_complete),
        cmocka_unit_test(test_done_may_be_null_and_no_wake),
        cmocka_unit_test(test_full_queue),
        cmocka_unit_test(test_destroy_cancels_waiting_jobs),
        cmocka_unit_test(test_destroy_runs_finished_completions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
