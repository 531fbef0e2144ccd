/* db internals shared by db.c and the backends (db_sqlite.c, db_pg.c). Not for application
 * code: it uses db.h only. */
#ifndef PONGD_DB_INTERNAL_H
#define PONGD_DB_INTERNAL_H

#include "db.h"

#define DB_STMT_CACHE 256   /* distinct statements per connection (open addressing) */
#define DB_MAX_PARAMS 64   /* a multi-row INSERT of 8 rows of 7 columns takes 56 */

typedef struct {
    int (*exec)(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, db_rows_t **rows, int64_t *changes);
    /* one or more statements without parameters (migrations, BEGIN/COMMIT) */
    int (*script)(db_t *db, const char *sql);
    void (*close)(db_t *db);
    /* db_exec_many outside a transaction; NULL: db_exec one by one */
    int (*exec_many)(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, int n, db_rows_t **rows, int *rcs);
    /* db_pipeline's statements (flags: BEGIN/COMMIT in the same round trip; sets in_tx);
     * on failure rows are freed and NULL, the rollback is db.c's; NULL: one by one */
    int (*pipeline)(db_t *db, unsigned flags, const db_step_t *steps, int n, db_rows_t **rows);
} db_ops_t;

struct db {
    const db_ops_t *ops;
    db_backend_t backend;
    bool in_tx;
    char errmsg[256];
};

/* Records a message (printf-style) as the connection's last error; returns code. */
int db_fail(db_t *db, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepared-statement cache keyed by the SQL text's address. */
typedef struct { const char *sql; void *stmt; } db_cache_slot_t;
typedef struct { db_cache_slot_t slot[DB_STMT_CACHE]; } db_cache_t;
/* The slot for sql: found (slot->sql == sql) or free (slot->sql == NULL); NULL when full. */
db_cache_slot_t *db_cache_slot(db_cache_t *c, const char *sql);

/* Result rows, built by the backends. */
db_rows_t *db_rows_new(int cols);
void db_rows_add_row(db_rows_t *r);
void db_rows_put_null(db_rows_t *r, int col);
void db_rows_put_int(db_rows_t *r, int col, int64_t v);
void db_rows_put_bytes(db_rows_t *r, int col, const void *p, size_t len);

int db_sqlite_open(const char *path, db_t **out, char *err, size_t errlen);
int db_pg_open(const char *url, db_t **out, char *err, size_t errlen);

/* Migrations: for version i+1, the SQL for each backend. */
typedef struct { const char *sqlite, *postgres; } db_migration_t;
extern const db_migration_t DB_MIGRATIONS[];
extern const int DB_MIGRATION_COUNT;

#endif
