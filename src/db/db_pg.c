/* db backend: PostgreSQL (libpq). Statements are prepared by name on first use on each
 * connection (PQprepare) and run with PQexecPrepared; values travel as text (integers in
 * decimal) except blobs, which are sent and received in binary. */
#include "db_internal.h"
#include "util.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    db_t base;
    PGconn *conn;
    db_cache_t cache;   /* stmt: non-NULL marker once prepared */
} pg_db_t;

static int fail_result(pg_db_t *p, PGresult *res, const char *what) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int code = DB_EIO;
    if (PQstatus(p->conn) != CONNECTION_OK) code = DB_ECONN;
    else if (state && strncmp(state, "23", 2) == 0) code = DB_ECONSTRAINT;          /* integrity violation */
    else if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)) code = DB_EBUSY;
    char msg[200];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(p->conn));
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = 0;
    if (res) PQclear(res);
    return db_fail(&p->base, code, "%s: %s", what, msg);
}

static int prepare(pg_db_t *p, const db_sql_t *q, int nparams) {
    db_cache_slot_t *slot = db_cache_slot(&p->cache, q->sql);
    if (!slot) return db_fail(&p->base, DB_EINVAL, "%s: statement cache full", q->name);
    if (slot->sql == q->sql) return 0;
    PGresult *res = PQprepare(p->conn, q->name, q->sql, nparams, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return fail_result(p, res, q->name);
    PQclear(res);
    slot->sql = q->sql;
    slot->stmt = (void *)1;
    return 0;
}

/* Parameters as libpq takes them; ints[] holds the integers' text. */
typedef struct {
    const char *values[DB_MAX_PARAMS];
    int lengths[DB_MAX_PARAMS], formats[DB_MAX_PARAMS];
    char ints[DB_MAX_PARAMS][24];
} pg_params_t;

static int bind_params(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, pg_params_t *b) {
    for (int i = 0; i < nparams; i++) {
        const db_val_t *v = &params[i];
        b->formats[i] = 0;
        b->lengths[i] = 0;
        switch (v->type) {
        case DB_T_INT:
            snprintf(b->ints[i], sizeof b->ints[i], "%" PRId64, v->i);
            b->values[i] = b->ints[i];
            break;
        case DB_T_TEXT:
        case DB_T_BLOB:
            /* binary format: the raw bytes, no NUL needed (text is sent as is) */
            b->values[i] = v->p ? v->p : "";
            if (v->len > INT32_MAX) return db_fail(db, DB_EINVAL, "%s: parameter too long", q->name);
            b->lengths[i] = (int)v->len;
            b->formats[i] = 1;
            break;
        default: b->values[i] = NULL; break;
        }
    }
    return 0;
}

static db_rows_t *rows_of(const PGresult *res) {
    int nr = PQntuples(res), nc = PQnfields(res);
    db_rows_t *r = db_rows_new(nc);
    for (int i = 0; i < nr; i++) {
        db_rows_add_row(r);
        for (int c = 0; c < nc; c++) {
            if (PQgetisnull(res, i, c)) {
                db_rows_put_null(r, c);
            } else if (PQftype(res, c) == 17 /* bytea */) {
                size_t len;
                unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, c), &len);
                if (!b) abort();
                db_rows_put_bytes(r, c, b, len);
                PQfreemem(b);
            } else {
                db_rows_put_bytes(r, c, PQgetvalue(res, i, c), (size_t)PQgetlength(res, i, c));
            }
        }
    }
    return r;
}

/* A failed statement's result: the error code, and a lost connection forgets the prepared
 * statements (a server restart drops them) so the next call prepares them again. */
static int failed(pg_db_t *p, PGresult *res, const db_sql_t *q) {
    if (PQstatus(p->conn) != CONNECTION_OK) memset(&p->cache, 0, sizeof p->cache);
    return fail_result(p, res, q->name);
}

static int pg_exec(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, db_rows_t **rows, int64_t *changes) {
    pg_db_t *p = (pg_db_t *)db;
    int rc = prepare(p, q, nparams);
    if (rc != 0) return rc;
    pg_params_t b;
    if ((rc = bind_params(db, q, params, nparams, &b)) != 0) return rc;
    PGresult *res = PQexecPrepared(p->conn, q->name, nparams, b.values, b.lengths, b.formats, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failed(p, res, q);
    if (rows) *rows = rows_of(res);
    if (changes) {
        const char *t = PQcmdTuples(res);
        *changes = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    PQclear(res);
    return 0;
}

/* Pipeline mode: every execution is sent before any result is read, with one Sync at the
 * end (libpq writes them in one go; the server reads and answers them in one go). Outside a
 * transaction they share one implicit transaction, so an error aborts the ones after it: those
 * run again one by one. Inside the caller's transaction (the Sync does not end it) an error
 * aborts that transaction: the executions after it are not run and get the same error code. */
static int pg_exec_many(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, int n, db_rows_t **rows, int *rcs) {
    pg_db_t *p = (pg_db_t *)db;
    int rc = prepare(p, q, nparams);
    if (rc != 0) return rc;
    if (PQenterPipelineMode(p->conn) != 1) return failed(p, NULL, q);
    int sent = 0;
    for (; sent < n; sent++) {
        pg_params_t b;
        if ((rc = bind_params(db, q, params + (size_t)sent * (size_t)nparams, nparams, &b)) != 0) break;
        if (PQsendQueryPrepared(p->conn, q->name, nparams, b.values, b.lengths, b.formats, 0) != 1) {
            rc = failed(p, NULL, q);
            break;
        }
    }
    bool broken = PQpipelineSync(p->conn) != 1;
    int first_err = 0;   /* the error that aborted the rest */
    for (int i = 0; i < sent && !broken; i++) {
        PGresult *res = PQgetResult(p->conn);
        if (!res) {   /* the connection went away */
            broken = true;
            break;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            rows[i] = rows_of(res);
            rcs[i] = 0;
            PQclear(res);
        } else if (st == PGRES_PIPELINE_ABORTED) {
            rcs[i] = 1;   /* not run: again below */
            PQclear(res);
        } else {
            rcs[i] = failed(p, res, q);
            if (!first_err) first_err = rcs[i];
        }
        while ((res = PQgetResult(p->conn)) != NULL) PQclear(res);   /* the end of this one's results */
    }
    /* the Sync's result, then back to normal mode */
    PGresult *res;
    while (!broken && (res = PQgetResult(p->conn)) != NULL) {
        bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
        PQclear(res);
        if (sync) break;
    }
    if (broken || PQexitPipelineMode(p->conn) != 1) {
        for (int i = 0; i < n; i++) {
            db_rows_free(rows[i]);
            rows[i] = NULL;
        }
        /* a connection left in pipeline mode is no use: report it lost, the store opens another */
        int code = failed(p, NULL, q);
        if (PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF) {
            memset(&p->cache, 0, sizeof p->cache);
            code = DB_ECONN;
        }
        return code;
    }
    for (int i = sent; i < n; i++) rcs[i] = rc;   /* could not be sent (rc set above) */
    for (int i = 0; i < sent; i++) {
        if (rcs[i] != 1) continue;
        if (db->in_tx) rcs[i] = first_err ? first_err : db_fail(db, DB_EIO, "%s: not run (pipeline aborted)", q->name);
        else rcs[i] = pg_exec(db, q, params + (size_t)i * (size_t)nparams, nparams, &rows[i], NULL);
    }
    return 0;
}

/* db_pipeline: BEGIN, the statements and COMMIT in one pipeline (one Sync). The first error
 * aborts the rest (PGRES_PIPELINE_ABORTED); db.c then rolls back. */
static int pg_pipeline(db_t *db, unsigned flags, const db_step_t *steps, int n, db_rows_t **rows) {
    pg_db_t *p = (pg_db_t *)db;
    int rc = 0;
    for (int i = 0; i < n; i++)   /* prepared first (a round trip each, once per connection) */
        if ((rc = prepare(p, steps[i].q, steps[i].nparams)) != 0) return rc;
    static const db_sql_t BEGIN_Q = { "begin", "BEGIN" }, COMMIT_Q = { "commit", "COMMIT" };
    bool begin = flags & DB_PIPE_BEGIN, commit = flags & DB_PIPE_COMMIT;
    if (PQenterPipelineMode(p->conn) != 1) return failed(p, NULL, &BEGIN_Q);
    if (begin) db->in_tx = true;   /* from here a failure is rolled back */
    int nq = 0;   /* queries sent: [BEGIN] steps... [COMMIT] */
    bool ok = !begin || PQsendQueryParams(p->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) == 1;
    if (ok && begin) nq++;
    for (int i = 0; ok && i < n; i++) {
        pg_params_t b;
        if ((rc = bind_params(db, steps[i].q, steps[i].params, steps[i].nparams, &b)) != 0) {
            ok = false;
            break;
        }
        ok = PQsendQueryPrepared(p->conn, steps[i].q->name, steps[i].nparams, b.values, b.lengths, b.formats, 0) == 1;
        if (ok) nq++;
    }
    if (ok && commit) {
        ok = PQsendQueryParams(p->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) == 1;
        if (ok) nq++;
    }
    if (!ok && rc == 0) rc = db_fail(db, DB_ECONN, "pipeline: %s", PQerrorMessage(p->conn));
    bool broken = PQpipelineSync(p->conn) != 1;
    bool committed = false;
    for (int j = 0; j < nq && !broken; j++) {
        PGresult *res = PQgetResult(p->conn);
        if (!res) {
            broken = true;
            break;
        }
        int step = j - (begin ? 1 : 0);   /* -1: BEGIN; n: COMMIT */
        const db_sql_t *q = step < 0 ? &BEGIN_Q : step >= n ? &COMMIT_Q : steps[step].q;
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            if (step >= 0 && step < n) rows[step] = rows_of(res);
            if (step >= n) committed = true;
            PQclear(res);
        } else if (st == PGRES_PIPELINE_ABORTED) {
            PQclear(res);
        } else if (rc == 0) {
            rc = failed(p, res, q);
            if (step >= n) db->in_tx = false;   /* a failed COMMIT ends the transaction */
        } else {
            PQclear(res);
        }
        while ((res = PQgetResult(p->conn)) != NULL) PQclear(res);   /* the end of this one's results */
    }
    PGresult *res;
    while (!broken && (res = PQgetResult(p->conn)) != NULL) {   /* the Sync's result */
        bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
        PQclear(res);
        if (sync) break;
    }
    if (broken || PQexitPipelineMode(p->conn) != 1) {
        int code = failed(p, NULL, &COMMIT_Q);
        if (PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF) memset(&p->cache, 0, sizeof p->cache);
        rc = code == 0 ? DB_ECONN : code;
        committed = false;
    }
    if (committed && rc == 0) db->in_tx = false;
    if (rc != 0)
        for (int i = 0; i < n; i++) {
            db_rows_free(rows[i]);
            rows[i] = NULL;
        }
    return rc;
}

static int pg_script(db_t *db, const char *sql) {
    pg_db_t *p = (pg_db_t *)db;
    PGresult *res = PQexec(p->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail_result(p, res, "script");
    PQclear(res);
    return 0;
}

static void pg_close(db_t *db) {
    pg_db_t *p = (pg_db_t *)db;
    PQfinish(p->conn);
    free(p);
}

static const db_ops_t OPS = { pg_exec, pg_script, pg_close, pg_exec_many, pg_pipeline };

static void quiet_notices(void *arg, const char *message) {
    (void)arg;
    (void)message;   /* "relation already exists, skipping" and the like */
}

int db_pg_open(const char *url, db_t **out, char *err, size_t errlen) {
    pg_db_t *p = xcalloc(1, sizeof *p);
    p->base.ops = &OPS;
    p->base.backend = DB_POSTGRES;
    p->conn = PQconnectdb(url);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s", p->conn ? PQerrorMessage(p->conn) : "out of memory");
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = 0;
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", msg);   /* the URL may hold a password: not echoed */
        PQfinish(p->conn);
        free(p);
        return DB_ECONN;
    }
    PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
    if (pg_script(&p->base, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'") != 0) {
        snprintf(err, errlen, "cannot set up the PostgreSQL session: %s", p->base.errmsg);
        pg_close(&p->base);
        return DB_ECONN;
    }
    *out = &p->base;
    return 0;
}
