#include "pool.h"
#include "util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct job {
    pool_work_fn work;
    pool_batch_fn batch;   /* instead of work: run with the other jobs of the same batch and key */
    const void *key;
    pool_done_fn done;
    void *arg;
    int status;
    struct job *next;
} job_t;

typedef struct { job_t *head, *tail; size_t n; } jobq_t;

#define POOL_BATCH_KEYS 8    /* batch kinds running at once (more: not held back) */
#define POOL_SCAN_MAX 256    /* waiting jobs looked at for the next work */

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    jobq_t pending;        /* waiting for a thread */
    size_t pending_batch;  /* how many of them are batch jobs */
    const void *running_keys[POOL_BATCH_KEYS];   /* batch kinds a thread is running now */
    jobq_t completed;      /* waiting for the loop */
    size_t max_queued;
    size_t inflight;       /* loop-thread view: submitted minus completed-and-run */
    bool stopping;
    int nthreads;
    pthread_t *threads;
    void (*wake)(void *);
    void *wake_arg;
    pool_worker_t wctx;
    int next_index;        /* worker numbering, under mu */
    int idle;              /* threads waiting on cv, under mu */
    bool deferred;         /* pool_submit() leaves the wake-up to pool_kick() */
};

static void q_push(jobq_t *q, job_t *j) {
    j->next = NULL;
    if (q->tail) q->tail->next = j; else q->head = j;
    q->tail = j;
    q->n++;
}

static job_t *q_pop(jobq_t *q) {
    job_t *j = q->head;
    if (!j) return NULL;
    q->head = j->next;
    if (!q->head) q->tail = NULL;
    q->n--;
    return j;
}

static void q_unlink(jobq_t *q, job_t *prev, job_t *j) {
    if (prev) prev->next = j->next; else q->head = j->next;
    if (q->tail == j) q->tail = prev;
    q->n--;
}

static bool key_running(const pool_t *p, const void *key) {
    for (int i = 0; i < POOL_BATCH_KEYS; i++)
        if (p->running_keys[i] == key) return true;
    return false;
}

static void set_key_running(pool_t *p, const void *key, bool on) {
    for (int i = 0; i < POOL_BATCH_KEYS; i++)
        if (p->running_keys[i] == (on ? NULL : key)) {
            p->running_keys[i] = on ? key : NULL;
            return;
        }
}

/* The next work for a thread, under mu: the first waiting job that is a plain job or a batch
 * job of a kind no thread is running now, and with a batch job every other waiting job of its
 * kind (up to POOL_BATCH_MAX, in order). 0 when there is none.
 *
 * One batch per kind at a time: the jobs of a kind that arrive while its batch runs wait for
 * the next one (as in a group commit) instead of starting batches of their own on other
 * threads — on PostgreSQL, several backends reading the same pages on a busy core contend for
 * the buffers' spinlocks and sleep for up to a second; one pipeline at a time does not. */
static int take_next(pool_t *p, job_t **out) {
    job_t *prev = NULL, *j = p->pending.head;
    for (int seen = 0; j && seen < POOL_SCAN_MAX; seen++, prev = j, j = j->next)
        if (!j->batch || !key_running(p, j->key)) break;
    if (!j || (j->batch && key_running(p, j->key))) return 0;
    q_unlink(&p->pending, prev, j);
    out[0] = j;
    if (!j->batch) return 1;
    int n = 1;
    prev = NULL;
    job_t *k = p->pending.head;
    for (int seen = 0; k && n < POOL_BATCH_MAX && seen < POOL_SCAN_MAX; seen++) {
        job_t *next = k->next;
        if (k->batch == j->batch && k->key == j->key) {
            q_unlink(&p->pending, prev, k);
            out[n++] = k;
        } else {
            prev = k;
        }
        k = next;
    }
    p->pending_batch -= (size_t)n;
    set_key_running(p, j->key, true);
    return n;
}

static void *worker(void *vp) {
    pool_t *p = vp;
    pthread_mutex_lock(&p->mu);
    int index = p->next_index++;
    pthread_mutex_unlock(&p->mu);
    void *ctx = p->wctx.init ? p->wctx.init(index, p->wctx.arg) : NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        job_t *batch[POOL_BATCH_MAX];
        int n = 0;
        while (!p->stopping && (n = take_next(p, batch)) == 0) {
            p->idle++;
            pthread_cond_wait(&p->cv, &p->mu);
            p->idle--;
        }
        if (p->stopping) break;
        pthread_mutex_unlock(&p->mu);
        if (batch[0]->batch) {
            void *args[POOL_BATCH_MAX];
            for (int i = 0; i < n; i++) args[i] = batch[i]->arg;
            batch[0]->batch(args, n, ctx);
        } else {
            batch[0]->work(batch[0]->arg, ctx);
        }
        pthread_mutex_lock(&p->mu);
        if (batch[0]->batch) set_key_running(p, batch[0]->key, false);
        bool was_empty = p->completed.head == NULL;
        for (int i = 0; i < n; i++) {
            batch[i]->status = 0;
            q_push(&p->completed, batch[i]);
        }
        if (was_empty && p->wake) {
            /* one wake per batch: the loop drains everything queued so far */
            pthread_mutex_unlock(&p->mu);
            p->wake(p->wake_arg);
            pthread_mutex_lock(&p->mu);
        }
    }
    pthread_mutex_unlock(&p->mu);
    if (p->wctx.fini) p->wctx.fini(ctx, p->wctx.arg);
    return NULL;
}

pool_t *pool_create(int threads, size_t max_queued, void (*wake)(void *), void *wake_arg, const pool_worker_t *w) {
    if (threads < 1) threads = 1;
    pool_t *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->max_queued = max_queued;
    p->wake = wake;
    p->wake_arg = wake_arg;
    if (w) p->wctx = *w;
    p->threads = xcalloc((size_t)threads, sizeof *p->threads);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) break;
        p->nthreads++;
    }
    if (p->nthreads == 0) { pool_destroy(p); return NULL; }
    return p;
}

static int submit(pool_t *p, pool_work_fn work, pool_batch_fn batch, const void *key, pool_done_fn done, void *arg) {
    pthread_mutex_lock(&p->mu);
    if (p->pending.n >= p->max_queued || p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return ERR_FULL;
    }
    job_t *j = xmalloc(sizeof *j);
    *j = (job_t){ .work = work, .batch = batch, .key = key, .done = done, .arg = arg };
    q_push(&p->pending, j);
    if (batch) p->pending_batch++;
    p->inflight++;
    if (!p->deferred) pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int pool_submit(pool_t *p, pool_work_fn work, pool_done_fn done, void *arg) { return submit(p, work, NULL, NULL, done, arg); }

int pool_submit_batch(pool_t *p, pool_batch_fn batch, const void *key, pool_done_fn done, void *arg) {
    return submit(p, NULL, batch, key, done, arg);
}

void pool_defer_wakeups(pool_t *p) {
    pthread_mutex_lock(&p->mu);
    p->deferred = true;
    pthread_mutex_unlock(&p->mu);
}

void pool_kick(pool_t *p) {
    pthread_mutex_lock(&p->mu);
    /* one thread takes every waiting job of a batch kind (up to POOL_BATCH_MAX) */
    size_t units = p->pending.n - p->pending_batch + (p->pending_batch + POOL_BATCH_MAX - 1) / POOL_BATCH_MAX;
    size_t want = units < (size_t)p->idle ? units : (size_t)p->idle;
    if (want > 0 && want == (size_t)p->idle) pthread_cond_broadcast(&p->cv);
    else
        for (size_t i = 0; i < want; i++) pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

size_t pool_run_completions(pool_t *p) {
    pthread_mutex_lock(&p->mu);
    jobq_t done = p->completed;
    p->completed = (jobq_t){ 0 };
    pthread_mutex_unlock(&p->mu);
    size_t n = 0;
    job_t *j;
    while ((j = q_pop(&done)) != NULL) {
        p->inflight--;
        if (j->done) j->done(j->arg, j->status);
        free(j);
        n++;
    }
    return n;
}

size_t pool_queued(const pool_t *p) {
    pthread_mutex_lock((pthread_mutex_t *)&p->mu);
    size_t n = p->pending.n;
    pthread_mutex_unlock((pthread_mutex_t *)&p->mu);
    return n;
}

size_t pool_inflight(const pool_t *p) { return p->inflight; }

void pool_destroy(pool_t *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    pool_run_completions(p);
    job_t *j;
    while ((j = q_pop(&p->pending)) != NULL) {
        p->inflight--;
        if (j->done) j->done(j->arg, ERR_AGAIN);
        free(j);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p);
}
