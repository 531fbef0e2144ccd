/* db backend: SQLite (libsqlite3). A file opened in WAL mode with foreign keys on and a
 * busy timeout; synchronous=NORMAL, which in WAL mode keeps every committed transaction
 * through a crash of the process (SIGKILL) and can lose only the last ones on power loss. */
#include "db_internal.h"
#include "util.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

typedef struct {
    db_t base;
    sqlite3 *conn;
    db_cache_t cache;
} sqlite_db_t;

static int map_rc(db_t *db, int rc, const char *what) {
    sqlite_db_t *s = (sqlite_db_t *)db;
    int code;
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: code = DB_ECONSTRAINT; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = DB_EBUSY; break;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB: code = DB_ECONN; break;
    default: code = DB_EIO; break;
    }
    return db_fail(db, code, "%s: %s", what, sqlite3_errmsg(s->conn));
}

/* $1..$n → ?1..?n, outside quoted strings and identifiers. */
static char *to_sqlite_params(const char *sql) {
    size_t n = strlen(sql);
    char *out = xmalloc(n + 1);
    char quote = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '$' && i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            c = '?';
        }
        out[i] = c;
    }
    return out;
}

static int prepare(sqlite_db_t *s, const db_sql_t *q, sqlite3_stmt **out) {
    db_cache_slot_t *slot = db_cache_slot(&s->cache, q->sql);
    if (!slot) return db_fail(&s->base, DB_EINVAL, "%s: statement cache full", q->name);
    if (slot->sql == q->sql) {
        *out = slot->stmt;
        return 0;
    }
    char *text = to_sqlite_params(q->sql);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(s->conn, text, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    free(text);
    if (rc != SQLITE_OK) return map_rc(&s->base, rc, q->name);
    slot->sql = q->sql;
    slot->stmt = st;
    *out = st;
    return 0;
}

static int bind(sqlite_db_t *s, sqlite3_stmt *st, const db_sql_t *q, const db_val_t *params, int nparams) {
    if (sqlite3_bind_parameter_count(st) != nparams)
        return db_fail(&s->base, DB_EINVAL, "%s: expects %d parameters, got %d", q->name, sqlite3_bind_parameter_count(st), nparams);
    for (int i = 0; i < nparams; i++) {
        const db_val_t *v = &params[i];
        int rc;
        switch (v->type) {
        case DB_T_INT: rc = sqlite3_bind_int64(st, i + 1, v->i); break;
        case DB_T_TEXT: rc = sqlite3_bind_text64(st, i + 1, v->p ? v->p : "", v->len, SQLITE_STATIC, SQLITE_UTF8); break;
        case DB_T_BLOB: rc = sqlite3_bind_blob64(st, i + 1, v->p ? v->p : "", v->len, SQLITE_STATIC); break;
        default: rc = sqlite3_bind_null(st, i + 1); break;
        }
        if (rc != SQLITE_OK) return map_rc(&s->base, rc, q->name);
    }
    return 0;
}

static int sqlite_exec(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, db_rows_t **rows, int64_t *changes) {
    sqlite_db_t *s = (sqlite_db_t *)db;
    sqlite3_stmt *st = NULL;
    int rc = prepare(s, q, &st);
    if (rc != 0) return rc;
    if ((rc = bind(s, st, q, params, nparams)) != 0) {
        sqlite3_clear_bindings(st);
        return rc;
    }
    db_rows_t *r = NULL;
    int cols = sqlite3_column_count(st);
    for (;;) {
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE) break;
        if (step != SQLITE_ROW) {
            rc = map_rc(db, step, q->name);
            break;
        }
        if (!rows) continue;
        if (!r) r = db_rows_new(cols);
        db_rows_add_row(r);
        for (int c = 0; c < cols; c++) {
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL: db_rows_put_null(r, c); break;
            case SQLITE_INTEGER: db_rows_put_int(r, c, sqlite3_column_int64(st, c)); break;
            case SQLITE_BLOB: {
                const void *b = sqlite3_column_blob(st, c);
                db_rows_put_bytes(r, c, b ? b : "", (size_t)sqlite3_column_bytes(st, c));
                break;
            }
            default: {
                const unsigned char *t = sqlite3_column_text(st, c);
                db_rows_put_bytes(r, c, t ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, c));
                break;
            }
            }
        }
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != 0) {
        db_rows_free(r);
        return rc;
    }
    if (rows) *rows = r ? r : db_rows_new(cols);
    if (changes) *changes = sqlite3_changes64(s->conn);
    return 0;
}

static int sqlite_script(db_t *db, const char *sql) {
    sqlite_db_t *s = (sqlite_db_t *)db;
    char *msg = NULL;
    int rc = sqlite3_exec(s->conn, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) return 0;
    int code = map_rc(db, rc, "script");
    if (msg) {
        db_fail(db, code, "%s", msg);
        sqlite3_free(msg);
    }
    return code;
}

static void sqlite_close(db_t *db) {
    sqlite_db_t *s = (sqlite_db_t *)db;
    for (size_t i = 0; i < DB_STMT_CACHE; i++)
        if (s->cache.slot[i].stmt) sqlite3_finalize(s->cache.slot[i].stmt);
    sqlite3_close_v2(s->conn);
    free(s);
}

/* The executions in one read transaction (a deferred BEGIN takes no write lock): one WAL read
 * lock for all of them — two fcntl() calls instead of two per statement — and one snapshot.
 * Inside the caller's transaction they run in it, one after the other. */
static int sqlite_exec_many(db_t *db, const db_sql_t *q, const db_val_t *params, int nparams, int n, db_rows_t **rows, int *rcs) {
    bool tx = !db->in_tx && sqlite_script(db, "BEGIN") == 0;
    for (int i = 0; i < n; i++) rcs[i] = sqlite_exec(db, q, params + (size_t)i * (size_t)nparams, nparams, &rows[i], NULL);
    if (tx && sqlite_script(db, "COMMIT") != 0) sqlite_script(db, "ROLLBACK");
    return 0;
}

static const db_ops_t OPS = { sqlite_exec, sqlite_script, sqlite_close, sqlite_exec_many, NULL };

/* The database holds password hashes, emails and messages: only its owner may read it,
 * whatever the umask and the mode of the directory it is in. Called right after
 * sqlite3_open_v2 created (or opened) the file, before the first statement: SQLite creates
 * the -wal and -shm files later with the database file's permissions, so narrowing the
 * database narrows them; files an older version left readable by others are narrowed to
 * their owner's bits. Only chmod() by path: opening and closing a descriptor of the file
 * here would drop the POSIX locks of every other connection of this process to it (close()
 * releases all of a process's fcntl locks on the file), leaving them without their
 * transaction's protection. A special name (":memory:", a "file:" URI) is left to SQLite. */
static void private_files(const char *path) {
    if (!path[0] || path[0] == ':' || strncmp(path, "file:", 5) == 0) return;
    static const char *const SIDE[] = { "", "-wal", "-shm", "-journal" };
    for (size_t i = 0; i < sizeof SIDE / sizeof SIDE[0]; i++) {
        char f[4096];
        struct stat st;
        if (snprintf(f, sizeof f, "%s%s", path, SIDE[i]) >= (int)sizeof f) break;
        if (stat(f, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) (void)chmod(f, st.st_mode & 0700);
    }
}

int db_sqlite_open(const char *path, db_t **out, char *err, size_t errlen) {
    sqlite_db_t *s = xcalloc(1, sizeof *s);
    s->base.ops = &OPS;
    s->base.backend = DB_SQLITE;
    int rc = sqlite3_open_v2(path, &s->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open SQLite database %s: %s", path, s->conn ? sqlite3_errmsg(s->conn) : sqlite3_errstr(rc));
        sqlite3_close_v2(s->conn);
        free(s);
        return DB_ECONN;
    }
    private_files(path);
    sqlite3_busy_timeout(s->conn, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->conn, 1);
    static const char *const PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
    if (sqlite_script(&s->base, PRAGMAS) != 0) {
        snprintf(err, errlen, "cannot set up SQLite database %s: %s", path, s->base.errmsg);
        sqlite_close(&s->base);
        return DB_ECONN;
    }
    *out = &s->base;
    return 0;
}
