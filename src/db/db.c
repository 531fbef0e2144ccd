/* db — the backend-independent half: dispatch, result rows, the migration runner. */
#include "db_internal.h"
#include "util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { bool null, is_int; int64_t i; size_t off, len; } cell_t;

struct db_rows {
    int cols, rows, cap_rows;
    cell_t *cells;          /* rows * cols */
    buf_t bytes;            /* text/blob values, each NUL-terminated */
};

#define DB_ROWS_MAX_BYTES ((size_t)64 << 20)

db_backend_t db_backend_of(const char *url) {
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) return DB_POSTGRES;
    return DB_SQLITE;
}

int db_open(const char *url, db_t **out, char *err, size_t errlen) {
    *out = NULL;
    if (!url || !*url) {
        snprintf(err, errlen, "empty database URL");
        return DB_EINVAL;
    }
    return db_backend_of(url) == DB_POSTGRES ? db_pg_open(url, out, err, errlen) : db_sqlite_open(url, out, err, errlen);
}

void db_close(db_t *db) {
    if (db) db->ops->close(db);
}

db_backend_t db_backend(const db_t *db) { return db->backend; }
const char *db_errmsg(const db_t *db) { return db->errmsg; }

int db_fail(db_t *db, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
    va_end(ap);
    return code;
}

int db_exec(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, db_rows_t **rows, int64_t *changes) {
    if (rows) *rows = NULL;
    if (changes) *changes = 0;
    if (nparams < 0 || nparams > DB_MAX_PARAMS) return db_fail(db, DB_EINVAL, "%s: %d parameters", q->name, nparams);
    return db->ops->exec(db, q, params, nparams, rows, changes);
}

int db_exec_many(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, int n, db_rows_t **rows, int *rcs) {
    if (n < 0 || n > DB_MANY_MAX) return db_fail(db, DB_EINVAL, "%s: %d executions at once", q->name, n);
    if (nparams < 0 || nparams > DB_MAX_PARAMS) return db_fail(db, DB_EINVAL, "%s: %d parameters", q->name, nparams);
    for (int i = 0; i < n; i++) rows[i] = NULL;
    if (n > 1 && db->ops->exec_many) return db->ops->exec_many(db, q, params, nparams, n, rows, rcs);
    for (int i = 0; i < n; i++) rcs[i] = db->ops->exec(db, q, params + (size_t)i * (size_t)nparams, nparams, &rows[i], NULL);
    return 0;
}

int db_pipeline(db_t *db, unsigned flags, const db_step_t *steps, int n, db_rows_t **rows) {
    if (n < 0 || n > DB_PIPE_MAX) return db_fail(db, DB_EINVAL, "pipeline of %d statements", n);
    for (int i = 0; i < n; i++) {
        rows[i] = NULL;
        if (steps[i].nparams < 0 || steps[i].nparams > DB_MAX_PARAMS)
            return db_fail(db, DB_EINVAL, "%s: %d parameters", steps[i].q->name, steps[i].nparams);
    }
    int rc = 0;
    if (db->ops->pipeline) {
        rc = db->ops->pipeline(db, flags, steps, n, rows);
    } else {
        if (flags & DB_PIPE_BEGIN) rc = db_begin(db);
        for (int i = 0; rc == 0 && i < n; i++) rc = db->ops->exec(db, steps[i].q, steps[i].params, steps[i].nparams, &rows[i], NULL);
        if (rc == 0 && (flags & DB_PIPE_COMMIT)) rc = db_commit(db);
        if (rc != 0)
            for (int i = 0; i < n; i++) {
                db_rows_free(rows[i]);
                rows[i] = NULL;
            }
    }
    if (rc != 0) db_rollback(db);
    return rc;
}

int db_begin(db_t *db) {
    int rc = db->ops->script(db, db->backend == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
    if (rc == 0) db->in_tx = true;
    return rc;
}

int db_commit(db_t *db) {
    int rc = db->ops->script(db, "COMMIT");
    if (rc != 0) db_rollback(db);
    db->in_tx = false;
    return rc;
}

int db_rollback(db_t *db) {
    if (!db->in_tx) return 0;
    db->in_tx = false;
    char keep[sizeof db->errmsg];
    memcpy(keep, db->errmsg, sizeof keep);   /* keep the error that caused the rollback */
    int rc = db->ops->script(db, "ROLLBACK");
    memcpy(db->errmsg, keep, sizeof keep);
    return rc;
}

db_cache_slot_t *db_cache_slot(db_cache_t *c, const char *sql) {
    size_t h = ((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < DB_STMT_CACHE; i++) {
        db_cache_slot_t *s = &c->slot[(h + i) % DB_STMT_CACHE];
        if (s->sql == sql || s->sql == NULL) return s;
    }
    return NULL;
}

/* ---- rows ---- */

db_rows_t *db_rows_new(int cols) {
    db_rows_t *r = xcalloc(1, sizeof *r);
    r->cols = cols;
    buf_init(&r->bytes, DB_ROWS_MAX_BYTES);
    return r;
}

void db_rows_add_row(db_rows_t *r) {
    if (r->rows == r->cap_rows) {
        r->cap_rows = r->cap_rows ? r->cap_rows * 2 : 8;
        size_t n;
        if (!size_mul((size_t)r->cap_rows * (size_t)(r->cols ? r->cols : 1), sizeof(cell_t), &n)) abort();
        r->cells = xrealloc(r->cells, n);
    }
    memset(&r->cells[(size_t)r->rows * (size_t)r->cols], 0, (size_t)r->cols * sizeof(cell_t));
    for (int c = 0; c < r->cols; c++) r->cells[(size_t)r->rows * (size_t)r->cols + (size_t)c].null = true;
    r->rows++;
}

static cell_t *cell(const db_rows_t *r, int row, int col) {
    if (row < 0 || row >= r->rows || col < 0 || col >= r->cols) return NULL;
    return &r->cells[(size_t)row * (size_t)r->cols + (size_t)col];
}

void db_rows_put_null(db_rows_t *r, int col) { cell(r, r->rows - 1, col)->null = true; }

void db_rows_put_int(db_rows_t *r, int col, int64_t v) {
    cell_t *c = cell(r, r->rows - 1, col);
    c->null = false;
    c->is_int = true;
    c->i = v;
}

void db_rows_put_bytes(db_rows_t *r, int col, const void *p, size_t len) {
    cell_t *c = cell(r, r->rows - 1, col);
    c->null = false;
    c->is_int = false;
    c->off = r->bytes.len;
    c->len = len;
    if (buf_append(&r->bytes, p, len) != 0 || buf_append(&r->bytes, "", 1) != 0) abort();   /* over 64 MiB of results: a bug */
}

int db_rows_count(const db_rows_t *r) { return r ? r->rows : 0; }
int db_rows_cols(const db_rows_t *r) { return r ? r->cols : 0; }

bool db_rows_null(const db_rows_t *r, int row, int col) {
    const cell_t *c = cell(r, row, col);
    return !c || c->null;
}

int64_t db_rows_int(const db_rows_t *r, int row, int col) {
    const cell_t *c = cell(r, row, col);
    if (!c || c->null) return 0;
    if (c->is_int) return c->i;
    return strtoll(r->bytes.ptr + c->off, NULL, 10);
}

const char *db_rows_text(const db_rows_t *r, int row, int col, size_t *len) {
    static const char empty[] = "";
    const cell_t *c = cell(r, row, col);
    if (!c || c->null || c->is_int) {
        if (len) *len = 0;
        return empty;
    }
    if (len) *len = c->len;
    return r->bytes.ptr + c->off;
}

void db_rows_free(db_rows_t *r) {
    if (!r) return;
    free(r->cells);
    buf_free(&r->bytes);
    free(r);
}

/* ---- migrations ---- */

int db_schema_version(void) { return DB_MIGRATION_COUNT; }

static const db_sql_t Q_MAX_VERSION = { "mig_max", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations" };
static const db_sql_t Q_RECORD = { "mig_record", "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)" };

static int current_version(db_t *db, int *v) {
    db_rows_t *rows;
    int rc = db_exec(db, &Q_MAX_VERSION, NULL, 0, &rows, NULL);
    if (rc != 0) return rc;
    *v = (int)db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    return 0;
}

/* BEGIN, and on PostgreSQL wait for the migration lock (released at COMMIT/ROLLBACK). */
static int begin_locked(db_t *db) {
    int rc = db_begin(db);
    if (rc == 0 && db->backend == DB_POSTGRES) {
        rc = db->ops->script(db, "SELECT pg_advisory_xact_lock(7262730)");
        if (rc != 0) db_rollback(db);
    }
    return rc;
}

int db_migrate(db_t *db, int *version, char *err, size_t errlen) {
    int rc = begin_locked(db);
    if (rc == 0) rc = db->ops->script(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
    if (rc == 0) rc = db_commit(db);
    else db_rollback(db);
    int v = 0;
    for (int want = 1; rc == 0 && want <= DB_MIGRATION_COUNT; want++) {
        if ((rc = begin_locked(db)) != 0) break;
        if ((rc = current_version(db, &v)) != 0) break;
        if (v > DB_MIGRATION_COUNT) {
            rc = db_fail(db, DB_ESCHEMA, "the database schema is at version %d, newer than this pongd knows (%d): run a newer pongd",
                         v, DB_MIGRATION_COUNT);
            break;
        }
        if (v >= want) {   /* applied already (maybe by another process meanwhile) */
            db_rollback(db);
            continue;
        }
        const db_migration_t *m = &DB_MIGRATIONS[want - 1];
        rc = db->ops->script(db, db->backend == DB_SQLITE ? m->sqlite : m->postgres);
        if (rc != 0) {
            char msg[sizeof db->errmsg];
            snprintf(msg, sizeof msg, "%s", db->errmsg);
            rc = db_fail(db, DB_ESCHEMA, "migration %d failed: %s", want, msg);
            break;
        }
        db_val_t p[2] = { DB_INT(want), DB_INT((int64_t)now_wall_ms()) };
        if ((rc = db_exec(db, &Q_RECORD, p, 2, NULL, NULL)) != 0) break;
        if ((rc = db_commit(db)) != 0) break;
        v = want;
    }
    if (rc == 0 && v == 0) {   /* nothing to apply: still check for a newer database */
        if ((rc = current_version(db, &v)) == 0 && v > DB_MIGRATION_COUNT)
            rc = db_fail(db, DB_ESCHEMA, "the database schema is at version %d, newer than this pongd knows (%d): run a newer pongd",
                         v, DB_MIGRATION_COUNT);
    }
    if (rc != 0) {
        db_rollback(db);
        snprintf(err, errlen, "%s", db->errmsg);
        return rc;
    }
    if (version) *version = v;
    return 0;
}
