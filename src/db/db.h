/* db — storage behind one interface with two backends: SQLite (default, a file under var/,
 * WAL) and PostgreSQL (DATABASE_URL=postgres://... or postgresql://..., libpq).
 *
 * Threading: a db_t is one connection, used by one thread at a time. Each worker thread of
 * the pool opens its own (pool per-worker context); the event loop never calls db_*.
 *
 * Statements: every query is a db_sql_t, a static SQL text written with PostgreSQL's $1..$n
 * placeholders (SQLite receives ?1..?n). It is prepared on first use on each connection and
 * the prepared statement is reused after that: there is no way to run SQL text built at run
 * time with values in it.
 *
 * Errors: 0 on success, or a negative DB_E* code; db_errmsg() tells the last message.
 */
#ifndef PONGD_DB_H
#define PONGD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct db db_t;
typedef struct db_rows db_rows_t;

/* Errors: DB_E* in err.h (the database range, -100 .. -199). */

typedef enum { DB_SQLITE = 0, DB_POSTGRES = 1 } db_backend_t;

typedef enum { DB_T_NULL = 0, DB_T_INT, DB_T_TEXT, DB_T_BLOB } db_type_t;

/* A parameter value. Text and blobs are borrowed for the duration of the call. */
typedef struct {
    db_type_t type;
    int64_t i;
    const void *p;
    size_t len;
} db_val_t;

#define DB_NULLV ((db_val_t){ DB_T_NULL, 0, NULL, 0 })
#define DB_INT(v) ((db_val_t){ DB_T_INT, (int64_t)(v), NULL, 0 })
#define DB_TEXT(s, n) ((db_val_t){ DB_T_TEXT, 0, (s), (n) })
#define DB_BLOB(b, n) ((db_val_t){ DB_T_BLOB, 0, (b), (n) })

/* A statement: `sql` must have static storage (its address keys the prepared cache). */
typedef struct {
    const char *name;   /* short, unique: the prepared statement's name on PostgreSQL */
    const char *sql;
} db_sql_t;

/* Which backend `url` selects: postgres:// or postgresql:// → DB_POSTGRES, else SQLite
 * (the value is then a file path). */
db_backend_t db_backend_of(const char *url);

/* Opens a connection. On failure returns the error and writes a message to err. */
int db_open(const char *url, db_t **out, char *err, size_t errlen);
void db_close(db_t *db);
db_backend_t db_backend(const db_t *db);

/* Backs the SQLite database at `url` up into the file `dest` while servers keep using it:
 * SQLite's online backup API in one step, i.e. one read transaction, a consistent
 * snapshot that in WAL mode blocks no writer. The copy is written to "<dest>.partial"
 * (mode 0600, created anew: an existing one is an error), checked (PRAGMA quick_check),
 * left in rollback-journal mode (one self-contained file), synced and renamed onto dest,
 * so dest is either untouched or the whole copy. Blocking: for the command line, never the
 * loop. 0; DB_EINVAL for a PostgreSQL URL (pg_dump's job, README "Operations"), an empty
 * dest or dest being the database file itself; DB_ECONN when the database cannot be opened (a missing file is not created);
 * DB_EBUSY when it stayed locked for a minute; DB_EIO otherwise; a message in err. */
int db_backup(const char *url, const char *dest, char *err, size_t errlen);

/* Applies the migrations the database lacks, each in its own transaction, and records
 * them. Safe to run twice and from several processes at once. DB_ESCHEMA with a message
 * when the database is at a version newer than this binary knows. *version gets the
 * schema version in force afterwards. */
int db_migrate(db_t *db, int *version, char *err, size_t errlen);

/* The number of migrations this binary has. */
int db_schema_version(void);

/* Runs a statement. `rows` (may be NULL) receives the result rows, owned by the caller
 * (db_rows_free); `changes` (may be NULL) the number of rows changed. */
int db_exec(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, db_rows_t **rows, int64_t *changes);

/* Runs one statement n times, in order, with the i-th set of nparams values
 * params[i * nparams ..] each time: rows[i] gets the i-th result (or NULL) and rcs[i] its
 * status, as db_exec would give them. On PostgreSQL the n executions go in one pipeline — one
 * round trip, one wake-up of the server. Outside a transaction (reads): on SQLite they run one
 * after the other in one read transaction (one WAL read lock); on PostgreSQL an execution that
 * fails does not fail the others. Inside the caller's transaction (writes too) they run in it:
 * on PostgreSQL the first failure aborts the transaction, and every execution after it gets
 * that error (not run); the caller rolls back. Returns 0 when every rcs[i] is set (each may
 * still be an error); a negative code (rows NULL, rcs unset) when nothing could run. */
#define DB_MANY_MAX 64
int db_exec_many(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, int n, db_rows_t **rows, int *rcs);

/* One statement of a pipeline: q with its nparams values (borrowed for the call). */
typedef struct {
    const db_sql_t *q;
    const db_val_t *params;
    int nparams;
} db_step_t;
#define DB_PIPE_BEGIN 1u    /* begin a transaction first (as db_begin) */
#define DB_PIPE_COMMIT 2u   /* commit it after the last step (as db_commit) */
#define DB_PIPE_MAX 512
/* Runs n (0..DB_PIPE_MAX) statements, different ones, in order: rows[i] gets the i-th result
 * (the caller frees them). flags may begin a transaction first and commit it after. On
 * PostgreSQL all of it is one pipeline: one round trip, BEGIN and COMMIT included; on SQLite
 * the statements run one after the other. The first failure stops it: nothing after it runs,
 * the transaction — the caller's too — is rolled back, every rows[i] is NULL and its error is
 * returned. Meant for writes inside a transaction (a batch's statements). */
int db_pipeline(db_t *db, unsigned flags, const db_step_t *steps, int n, db_rows_t **rows);

int db_begin(db_t *db);      /* BEGIN (IMMEDIATE on SQLite: writers queue up front) */
int db_commit(db_t *db);
int db_rollback(db_t *db);   /* safe to call when no transaction is open */

const char *db_errmsg(const db_t *db);

/* Result rows. Values are copied out of the driver: valid until db_rows_free. */
int db_rows_count(const db_rows_t *r);
int db_rows_cols(const db_rows_t *r);
bool db_rows_null(const db_rows_t *r, int row, int col);
int64_t db_rows_int(const db_rows_t *r, int row, int col);               /* 0 for NULL */
const char *db_rows_text(const db_rows_t *r, int row, int col, size_t *len); /* "" for NULL, NUL-terminated */
void db_rows_free(db_rows_t *r);

#endif
