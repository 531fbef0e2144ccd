/* store — the database worker pool: a pool_t whose threads each hold their own db_t
 * connection, opened when the thread starts and reopened after a lost connection.
 *
 * A job's work(arg, worker) calls dbpool_db(worker) to get its connection (NULL when the
 * database cannot be reached: the job reports "unavailable"). The event loop never calls
 * db_*: handlers submit jobs and answer in done(). */
#ifndef PONGD_DBPOOL_H
#define PONGD_DBPOOL_H

#include "db.h"
#include "pool.h"

typedef struct dbpool dbpool_t;

/* Checks the database (opens it, applies migrations) on the calling thread, then starts
 * `threads` workers. NULL with a message in err when the database is unusable or newer
 * than this binary. */
dbpool_t *dbpool_create(const char *url, int threads, size_t max_queued, void (*wake)(void *), void *wake_arg,
                      char *err, size_t errlen);
void dbpool_destroy(dbpool_t *s);   /* after the loop stopped: runs pending completions */
pool_t *dbpool_pool(dbpool_t *s);
int dbpool_version(const dbpool_t *s);   /* the schema version in force */

/* The worker's connection (reconnected if the last one was lost), or NULL. Worker
 * threads only. */
db_t *dbpool_db(void *worker);

/* After a job saw DB_ECONN: drop the connection so the next job reconnects. */
void dbpool_lost(void *worker);

/* The body of a job's work(): fn(db, arg) on the worker's connection and its result;
 * DB_ECONN without calling fn when there is no connection; a DB_ECONN result drops the
 * connection (dbpool_lost) so the next job reconnects. Worker threads only. */
int dbpool_run(void *worker, int (*fn)(db_t *db, void *arg), void *arg);

#endif
