/* store — see store.h. */
#include "dbpool.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const dbpool_t *dbpool;
    db_t *db;
    int index;
} worker_t;

struct dbpool {
    char *url;
    pool_t *pool;
    int version;
};

static void *worker_init(int index, void *arg) {
    worker_t *w = xcalloc(1, sizeof *w);
    w->dbpool = arg;
    w->index = index;
    return w;
}

static void worker_fini(void *ctx, void *arg) {
    (void)arg;
    worker_t *w = ctx;
    db_close(w->db);
    free(w);
}

db_t *dbpool_db(void *worker) {
    worker_t *w = worker;
    if (w->db) return w->db;
    char err[256];
    if (db_open(w->dbpool->url, &w->db, err, sizeof err) != 0) {
        log_msg("error", "database worker %d: %s", w->index, err);
        w->db = NULL;
    }
    return w->db;
}

void dbpool_lost(void *worker) {
    worker_t *w = worker;
    db_close(w->db);
    w->db = NULL;
}

int dbpool_run(void *worker, int (*fn)(db_t *db, void *arg), void *arg) {
    db_t *db = dbpool_db(worker);
    int rc = db ? fn(db, arg) : DB_ECONN;
    if (rc == DB_ECONN && db) dbpool_lost(worker);
    return rc;
}

dbpool_t *dbpool_create(const char *url, int threads, size_t max_queued, void (*wake)(void *), void *wake_arg,
                      char *err, size_t errlen) {
    db_t *db;
    if (db_open(url, &db, err, errlen) != 0) return NULL;
    int version = 0;
    int rc = db_migrate(db, &version, err, errlen);
    db_close(db);
    if (rc != 0) return NULL;
    dbpool_t *s = xcalloc(1, sizeof *s);
    s->url = xstrdup(url);
    s->version = version;
    pool_worker_t w = { worker_init, worker_fini, s };
    s->pool = pool_create(threads, max_queued, wake, wake_arg, &w);
    if (!s->pool) {
        snprintf(err, errlen, "could not start %d database threads", threads);
        free(s->url);
        free(s);
        return NULL;
    }
    return s;
}

void dbpool_destroy(dbpool_t *s) {
    if (!s) return;
    pool_destroy(s->pool);
    free(s->url);
    free(s);
}

pool_t *dbpool_pool(dbpool_t *s) { return s->pool; }
int dbpool_version(const dbpool_t *s) { return s->version; }
