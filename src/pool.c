#include "pool.h"
#include "util.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct job {
    pool_work_fn work;
    pool_done_fn done;
    void *arg;
    int status;
    struct job *next;
} job_t;

typedef struct { job_t *head, *tail; size_t n; } jobq_t;

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    jobq_t pending;        /* waiting for a thread */
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

static void *worker(void *vp) {
    pool_t *p = vp;
    pthread_mutex_lock(&p->mu);
    int index = p->next_index++;
    pthread_mutex_unlock(&p->mu);
    void *ctx = p->wctx.init ? p->wctx.init(index, p->wctx.arg) : NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stopping && !p->pending.head) {
            p->idle++;
            pthread_cond_wait(&p->cv, &p->mu);
            p->idle--;
        }
        if (p->stopping) break;
        job_t *j = q_pop(&p->pending);
        pthread_mutex_unlock(&p->mu);
        j->work(j->arg, ctx);
        j->status = 0;
        pthread_mutex_lock(&p->mu);
        bool was_empty = p->completed.head == NULL;
        q_push(&p->completed, j);
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

int pool_submit(pool_t *p, pool_work_fn work, pool_done_fn done, void *arg) {
    pthread_mutex_lock(&p->mu);
    if (p->pending.n >= p->max_queued || p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return ERR_FULL;
    }
    job_t *j = xmalloc(sizeof *j);
    *j = (job_t){ .work = work, .done = done, .arg = arg };
    q_push(&p->pending, j);
    p->inflight++;
    if (!p->deferred) pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void pool_defer_wakeups(pool_t *p) {
    pthread_mutex_lock(&p->mu);
    p->deferred = true;
    pthread_mutex_unlock(&p->mu);
}

void pool_kick(pool_t *p) {
    pthread_mutex_lock(&p->mu);
    size_t want = p->pending.n < (size_t)p->idle ? p->pending.n : (size_t)p->idle;
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
