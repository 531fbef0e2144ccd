/* db: both backends through one interface. SQLite always (a temporary file); PostgreSQL
 * too when PONGD_TEST_DATABASE_URL is set (make test starts one with scripts/pg.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "dbtest.h"

static char sqlite_path[64];

static const db_sql_t Q_INSERT_USER = {
    "t_ins_user",
    "INSERT INTO users (username, username_key, email, email_key, display_name, display_key, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
};
static const db_sql_t Q_GET_USER = { "t_get_user", "SELECT id, username, email, display_name, last_seen_at FROM users WHERE id = $1" };
static const db_sql_t Q_COUNT_USERS = { "t_count_users", "SELECT COUNT(*) FROM users" };
static const db_sql_t Q_SET_AVATAR = {
    "t_set_avatar", "INSERT INTO avatars (user_id, content_type, image, updated_at) VALUES ($1, $2, $3, $4)",
};
static const db_sql_t Q_GET_AVATAR = { "t_get_avatar", "SELECT image FROM avatars WHERE user_id = $1" };
static const db_sql_t Q_TOUCH = { "t_touch", "UPDATE users SET last_seen_at = $1 WHERE id >= $2" };
static const db_sql_t Q_FORCE_VERSION = { "t_force_version", "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)" };
static const db_sql_t Q_UNFORCE = { "t_unforce", "DELETE FROM schema_migrations WHERE version = $1" };


static int64_t add_user(db_t *db, const char *name, const char *email) {
    char key[128];
    size_t n = strlen(name);
    for (size_t i = 0; i <= n && i < sizeof key; i++) key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    db_val_t p[7] = {
        DB_TEXT(name, n), DB_TEXT(key, n), DB_TEXT(email, strlen(email)), DB_TEXT(email, strlen(email)),
        DB_TEXT(name, n), DB_TEXT(key, n), DB_INT(1700000000000),
    };
    db_rows_t *rows;
    int rc = db_exec(db, &Q_INSERT_USER, p, 7, &rows, NULL);
    if (rc != 0) return rc;
    int64_t id = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    return id;
}

static void run_migrations_twice_and_refuse_newer(const char *url) {
    db_t *db = fresh(url);
    char err[256];
    int v = -1;
    assert_int_equal(db_migrate(db, &v, err, sizeof err), 0);   /* again: nothing to do */
    assert_int_equal(v, db_schema_version());
    db_rows_t *rows;
    assert_int_equal(db_exec(db, &Q_COUNT_USERS, NULL, 0, &rows, NULL), 0);
    assert_int_equal(db_rows_int(rows, 0, 0), 0);
    db_rows_free(rows);
    /* a database from the future */
    db_val_t p = DB_INT(db_schema_version() + 5);
    assert_int_equal(db_exec(db, &Q_FORCE_VERSION, &p, 1, NULL, NULL), 0);
    err[0] = 0;
    assert_int_equal(db_migrate(db, &v, err, sizeof err), DB_ESCHEMA);
    assert_non_null(strstr(err, "newer than this pongd"));
    assert_int_equal(db_exec(db, &Q_UNFORCE, &p, 1, NULL, NULL), 0);
    assert_int_equal(db_migrate(db, &v, err, sizeof err), 0);
    db_close(db);
}

static void run_values_round_trip(const char *url) {
    db_t *db = fresh(url);
    static const char *const nasty[] = {
        "robert'); DROP TABLE users;--", "a\"b\\c", "' OR '1'='1", "$1 ?1 :x @y", "Zoë 🏓 日本", "--",
    };
    for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
        char email[64];
        snprintf(email, sizeof email, "u%zu@example.com", i);
        int64_t id = add_user(db, nasty[i], email);
        assert_true(id > 0);
        db_val_t p = DB_INT(id);
        db_rows_t *rows;
        assert_int_equal(db_exec(db, &Q_GET_USER, &p, 1, &rows, NULL), 0);
        assert_int_equal(db_rows_count(rows), 1);
        assert_int_equal(db_rows_cols(rows), 5);
        assert_int_equal(db_rows_int(rows, 0, 0), id);
        size_t len;
        assert_string_equal(db_rows_text(rows, 0, 1, &len), nasty[i]);
        assert_int_equal(len, strlen(nasty[i]));
        assert_string_equal(db_rows_text(rows, 0, 2, NULL), email);
        assert_true(db_rows_null(rows, 0, 4));         /* last_seen_at */
        assert_int_equal(db_rows_int(rows, 0, 4), 0);
        assert_false(db_rows_null(rows, 0, 1));
        assert_true(db_rows_null(rows, 5, 0));         /* out of range reads as NULL */
        db_rows_free(rows);
    }
    db_rows_t *rows;
    assert_int_equal(db_exec(db, &Q_COUNT_USERS, NULL, 0, &rows, NULL), 0);
    assert_int_equal(db_rows_int(rows, 0, 0), 6);   /* the table survived */
    db_rows_free(rows);
    /* blobs keep every byte, zeros included */
    unsigned char img[300];
    for (size_t i = 0; i < sizeof img; i++) img[i] = (unsigned char)(i * 7);
    db_val_t a[4] = { DB_INT(1), DB_TEXT("image/webp", 10), DB_BLOB(img, sizeof img), DB_INT(5) };
    assert_int_equal(db_exec(db, &Q_SET_AVATAR, a, 4, NULL, NULL), 0);
    db_val_t k = DB_INT(1);
    assert_int_equal(db_exec(db, &Q_GET_AVATAR, &k, 1, &rows, NULL), 0);
    size_t len;
    const char *b = db_rows_text(rows, 0, 0, &len);
    assert_int_equal(len, sizeof img);
    assert_memory_equal(b, img, sizeof img);
    db_rows_free(rows);
    /* changes */
    int64_t changes = -1;
    db_val_t t[2] = { DB_INT(42), DB_INT(3) };
    assert_int_equal(db_exec(db, &Q_TOUCH, t, 2, NULL, &changes), 0);
    assert_int_equal(changes, 4);   /* ids 3..6 */
    db_close(db);
}

static void run_constraints_and_transactions(const char *url) {
    db_t *db = fresh(url);
    assert_true(add_user(db, "alice", "a@x.org") > 0);
    /* same name in another case: the key column is unique */
    assert_int_equal(add_user(db, "ALICE", "b@x.org"), DB_ECONSTRAINT);
    assert_true(strlen(db_errmsg(db)) > 0);
    /* a foreign key is enforced */
    unsigned char img[4] = { 1, 2, 3, 4 };
    db_val_t a[4] = { DB_INT(999), DB_TEXT("image/png", 9), DB_BLOB(img, 4), DB_INT(5) };
    assert_int_equal(db_exec(db, &Q_SET_AVATAR, a, 4, NULL, NULL), DB_ECONSTRAINT);
    /* rollback undoes, commit keeps */
    assert_int_equal(db_begin(db), 0);
    assert_true(add_user(db, "bob", "bob@x.org") > 0);
    assert_int_equal(db_rollback(db), 0);
    assert_int_equal(db_begin(db), 0);
    assert_true(add_user(db, "carol", "c@x.org") > 0);
    assert_int_equal(db_commit(db), 0);
    db_rows_t *rows;
    assert_int_equal(db_exec(db, &Q_COUNT_USERS, NULL, 0, &rows, NULL), 0);
    assert_int_equal(db_rows_int(rows, 0, 0), 2);
    db_rows_free(rows);
    /* a failed statement inside a transaction, then rollback: the connection is usable */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(add_user(db, "Carol", "d@x.org"), DB_ECONSTRAINT);
    assert_int_equal(db_rollback(db), 0);
    assert_int_equal(db_rollback(db), 0);   /* no transaction: harmless */
    assert_true(add_user(db, "dave", "dave@x.org") > 0);
    /* wrong parameter count is refused, not run */
    db_val_t one = DB_INT(1);
    assert_true(db_exec(db, &Q_TOUCH, &one, 1, NULL, NULL) < 0);
    assert_int_equal(db_exec(db, &Q_GET_USER, &one, 1, &rows, NULL), 0);
    db_rows_free(rows);
    db_close(db);
}

/* Two connections (two worker threads would each have one): a commit on one is seen on
 * the other. */
static void run_two_connections(const char *url) {
    db_t *a = fresh(url), *b;
    char err[256];
    assert_int_equal(db_open(url, &b, err, sizeof err), 0);
    int v;
    assert_int_equal(db_migrate(b, &v, err, sizeof err), 0);
    assert_true(add_user(a, "erin", "e@x.org") > 0);
    db_rows_t *rows;
    assert_int_equal(db_exec(b, &Q_COUNT_USERS, NULL, 0, &rows, NULL), 0);
    assert_int_equal(db_rows_int(rows, 0, 0), 1);
    db_rows_free(rows);
    db_close(a);
    db_close(b);
}

/* One statement, many parameter sets: each result in its place, as db_exec gives it; on
 * PostgreSQL (a pipeline) an execution that fails aborts the ones after it, which must still
 * come back right; inside a transaction; more than DB_MANY_MAX refused. */
/* db_pipeline: BEGIN, different statements and COMMIT at once (one round trip on PostgreSQL):
 * committed together; a failure in the middle (a duplicate username) rolls all of it back,
 * leaves every rows[i] NULL and the connection usable; inside the caller's transaction too. */
static void run_pipeline(const char *url) {
    db_t *db = fresh(url);
    int64_t ann = add_user(db, "ann", "ann@x.org");
    db_val_t a[7] = { DB_TEXT("bob", 3), DB_TEXT("bob", 3), DB_TEXT("b@x.org", 7), DB_TEXT("b@x.org", 7),
                      DB_TEXT("bob", 3), DB_TEXT("bob", 3), DB_INT(5) };
    db_val_t touch[2] = { DB_INT(42), DB_INT(ann) };
    db_val_t get = DB_INT(ann);
    db_step_t st[3] = { { &Q_INSERT_USER, a, 7 }, { &Q_TOUCH, touch, 2 }, { &Q_GET_USER, &get, 1 } };
    db_rows_t *rows[3];
    assert_int_equal(db_pipeline(db, DB_PIPE_BEGIN | DB_PIPE_COMMIT, st, 3, rows), 0);
    int64_t bob = db_rows_int(rows[0], 0, 0);
    assert_true(bob > ann);
    assert_int_equal(db_rows_int(rows[2], 0, 4), 42);   /* the UPDATE before it, seen */
    for (int i = 0; i < 3; i++) db_rows_free(rows[i]);
    /* bob again: the INSERT fails after the UPDATE ran: nothing stays */
    db_val_t touch2[2] = { DB_INT(77), DB_INT(ann) };
    db_step_t bad[3] = { { &Q_TOUCH, touch2, 2 }, { &Q_INSERT_USER, a, 7 }, { &Q_GET_USER, &get, 1 } };
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            assert_int_equal(db_begin(db), 0);   /* the caller's transaction: rolled back too */
            assert_int_equal(db_pipeline(db, 0, bad, 3, rows), DB_ECONSTRAINT);
        } else {
            assert_int_equal(db_pipeline(db, DB_PIPE_BEGIN | DB_PIPE_COMMIT, bad, 3, rows), DB_ECONSTRAINT);
        }
        for (int i = 0; i < 3; i++) assert_null(rows[i]);
        assert_int_equal(db_rollback(db), 0);   /* nothing open any more: a no-op */
        db_rows_t *r;
        assert_int_equal(db_exec(db, &Q_GET_USER, &get, 1, &r, NULL), 0);
        assert_int_equal(db_rows_int(r, 0, 4), 42);
        db_rows_free(r);
        assert_int_equal(db_exec(db, &Q_COUNT_USERS, NULL, 0, &r, NULL), 0);
        assert_int_equal(db_rows_int(r, 0, 0), 2);
        db_rows_free(r);
    }
    /* BEGIN alone, then statements, then COMMIT alone */
    assert_int_equal(db_pipeline(db, DB_PIPE_BEGIN, NULL, 0, NULL), 0);
    assert_int_equal(db_pipeline(db, 0, &st[1], 1, rows), 0);
    db_rows_free(rows[0]);
    assert_int_equal(db_pipeline(db, DB_PIPE_COMMIT, NULL, 0, NULL), 0);
    assert_int_equal(db_pipeline(db, 0, st, DB_PIPE_MAX + 1, rows), DB_EINVAL);
    db_close(db);
}

static void run_exec_many(const char *url) {
    db_t *db = fresh(url);
    int64_t id[5];
    const char *names[5] = { "ann", "bob", "cy", "dee", "eve" };
    char mail[32];
    for (int i = 0; i < 5; i++) {
        snprintf(mail, sizeof mail, "%s@x.org", names[i]);
        id[i] = add_user(db, names[i], mail);
        assert_true(id[i] > 0);
    }
    enum { N = 9 };
    /* users 0..4, a missing id, user 1 again, a parameter PostgreSQL refuses (not an integer:
     * it fails there and aborts the rest of the pipeline; SQLite finds no row), user 2, 3 */
    db_val_t p[N + 1] = { DB_INT(id[0]), DB_INT(id[1]), DB_INT(id[2]), DB_INT(id[3]), DB_INT(id[4]),
                          DB_INT(99999), DB_INT(id[1]), DB_TEXT("abc", 3), DB_INT(id[2]), DB_INT(id[3]) };
    const int want_user[N + 1] = { 0, 1, 2, 3, 4, -1, 1, -1, 2, 3 };
    bool pg = db_backend(db) == DB_POSTGRES;
    for (int round = 0; round < 2; round++) {   /* the second: the connection still works after an error */
        db_rows_t *rows[N + 1];
        int rcs[N + 1];
        assert_int_equal(db_exec_many(db, &Q_GET_USER, p, 1, N + 1, rows, rcs), 0);
        for (int i = 0; i <= N; i++) {
            if (i == 7 && pg) {
                assert_true(rcs[i] < 0);
                assert_null(rows[i]);
                continue;
            }
            assert_int_equal(rcs[i], 0);
            assert_non_null(rows[i]);
            if (want_user[i] < 0) {
                assert_int_equal(db_rows_count(rows[i]), 0);
            } else {
                assert_int_equal(db_rows_count(rows[i]), 1);
                assert_int_equal(db_rows_int(rows[i], 0, 0), id[want_user[i]]);
                assert_string_equal(db_rows_text(rows[i], 0, 1, NULL), names[want_user[i]]);
            }
            db_rows_free(rows[i]);
        }
    }
    /* inside a transaction: one by one, same answers */
    db_rows_t *rows[DB_MANY_MAX + 1];
    int rcs[DB_MANY_MAX + 1];
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_exec_many(db, &Q_GET_USER, p, 1, 3, rows, rcs), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rcs[i], 0);
        assert_int_equal(db_rows_int(rows[i], 0, 0), id[i]);
        db_rows_free(rows[i]);
    }
    assert_int_equal(db_commit(db), 0);
    /* one, and none */
    assert_int_equal(db_exec_many(db, &Q_GET_USER, p + 4, 1, 1, rows, rcs), 0);
    assert_int_equal(rcs[0], 0);
    assert_int_equal(db_rows_int(rows[0], 0, 0), id[4]);
    db_rows_free(rows[0]);
    assert_int_equal(db_exec_many(db, &Q_GET_USER, p, 1, 0, rows, rcs), 0);
    db_val_t many[DB_MANY_MAX + 1];
    for (int i = 0; i <= DB_MANY_MAX; i++) many[i] = DB_INT(id[i % 5]);
    assert_int_equal(db_exec_many(db, &Q_GET_USER, many, 1, DB_MANY_MAX + 1, rows, rcs), DB_EINVAL);
    assert_int_equal(db_exec_many(db, &Q_GET_USER, many, 1, DB_MANY_MAX, rows, rcs), 0);
    for (int i = 0; i < DB_MANY_MAX; i++) {
        assert_int_equal(rcs[i], 0);
        assert_int_equal(db_rows_int(rows[i], 0, 0), id[i % 5]);
        db_rows_free(rows[i]);
    }
    db_close(db);
}

/* Migration 5 (the security schema): every table and column is there with its defaults,
 * keys and cascades, the same on both backends. */
static const db_sql_t Q_SEC_USER = {
    "t_sec_user", "SELECT tokens_valid_after, banned_at, totp_secret, totp_enabled, totp_last_step, second_factor,"
                  " email_verified_at FROM users WHERE id = $1",
};
static const db_sql_t Q_SEC_SESSION_INS = {
    "t_sec_sess_ins", "INSERT INTO sessions (user_id, family, token_hash, created_at, last_used_at, expires_at)"
                      " VALUES ($1, 'f', 'h', 1, 1, 2) RETURNING second_factor, grace_until",
};
static const db_sql_t Q_SEC_RECOVERY = {
    "t_sec_rec", "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, 1)",
};
static const db_sql_t Q_SEC_CHALLENGE = {
    "t_sec_chal", "INSERT INTO auth_challenges (user_id, token_hash, kind, created_at, expires_at)"
                  " VALUES ($1, $2, 'totp', 1, 2) RETURNING id, attempts, code_hash, used_at",
};
static const db_sql_t Q_SEC_EMAIL = {
    "t_sec_email", "INSERT INTO email_tokens (token_hash, user_id, kind, email, created_at, expires_at)"
                   " VALUES ($1, $2, 'verify', 'a@b.c', 1, 2)",
};
static const db_sql_t Q_SEC_LINK = {
    "t_sec_link", "INSERT INTO oauth_links (provider, provider_uid, user_id, login, created_at) VALUES ($1, $2, $3, 'x', 1)",
};
static const db_sql_t Q_SEC_STATE = {
    "t_sec_state", "INSERT INTO oauth_states (state_hash, verifier, created_at, expires_at) VALUES ($1, 'v', 1, 2)"
                   " RETURNING link_user_id, used_at",
};
static const db_sql_t Q_SEC_AUDIT = {
    "t_sec_audit", "INSERT INTO audit_log (actor_id, action, target_id, created_at) VALUES (NULL, 'ban', $1, 1)"
                   " RETURNING id, detail",
};
static const db_sql_t Q_SEC_DEL_USER = { "t_sec_del_user", "DELETE FROM users WHERE id = $1" };
static const db_sql_t Q_SEC_COUNT = {
    "t_sec_count", "SELECT (SELECT COUNT(*) FROM recovery_codes) + (SELECT COUNT(*) FROM auth_challenges)"
                   " + (SELECT COUNT(*) FROM email_tokens) + (SELECT COUNT(*) FROM oauth_links)"
                   " + (SELECT COUNT(*) FROM sessions)",
};

static void run_security_schema(const char *url) {
    db_t *db = fresh(url);
    assert_true(db_schema_version() >= 5);
    int64_t uid = add_user(db, "sec", "sec@example.com");
    int64_t other = add_user(db, "sec2", "sec2@example.com");
    assert_true(uid > 0 && other > 0);
    db_val_t u = DB_INT(uid);
    db_rows_t *rows;
    /* users: the defaults */
    assert_int_equal(db_exec(db, &Q_SEC_USER, &u, 1, &rows, NULL), 0);
    assert_int_equal(db_rows_int(rows, 0, 0), 0);
    assert_true(db_rows_null(rows, 0, 1));
    assert_true(db_rows_null(rows, 0, 2));
    assert_int_equal(db_rows_int(rows, 0, 3), 0);
    assert_int_equal(db_rows_int(rows, 0, 4), 0);
    assert_string_equal(db_rows_text(rows, 0, 5, NULL), "");
    assert_true(db_rows_null(rows, 0, 6));
    db_rows_free(rows);
    /* sessions: the two new columns */
    assert_int_equal(db_exec(db, &Q_SEC_SESSION_INS, &u, 1, &rows, NULL), 0);
    assert_string_equal(db_rows_text(rows, 0, 0, NULL), "");
    assert_true(db_rows_null(rows, 0, 1));
    db_rows_free(rows);
    /* recovery codes: one row per (user, code) */
    db_val_t rc[2] = { DB_INT(uid), DB_TEXT("c1", 2) };
    assert_int_equal(db_exec(db, &Q_SEC_RECOVERY, rc, 2, NULL, NULL), 0);
    assert_int_equal(db_exec(db, &Q_SEC_RECOVERY, rc, 2, NULL, NULL), DB_ECONSTRAINT);
    db_val_t rc2[2] = { DB_INT(other), DB_TEXT("c1", 2) };
    assert_int_equal(db_exec(db, &Q_SEC_RECOVERY, rc2, 2, NULL, NULL), 0);
    /* challenges: an id, attempts 0, the token unique */
    db_val_t ch[2] = { DB_INT(uid), DB_TEXT("t1", 2) };
    assert_int_equal(db_exec(db, &Q_SEC_CHALLENGE, ch, 2, &rows, NULL), 0);
    assert_true(db_rows_int(rows, 0, 0) > 0);
    assert_int_equal(db_rows_int(rows, 0, 1), 0);
    assert_true(db_rows_null(rows, 0, 2) && db_rows_null(rows, 0, 3));
    db_rows_free(rows);
    assert_int_equal(db_exec(db, &Q_SEC_CHALLENGE, ch, 2, NULL, NULL), DB_ECONSTRAINT);
    /* email tokens: the hash is the key */
    db_val_t et[2] = { DB_TEXT("e1", 2), DB_INT(uid) };
    assert_int_equal(db_exec(db, &Q_SEC_EMAIL, et, 2, NULL, NULL), 0);
    assert_int_equal(db_exec(db, &Q_SEC_EMAIL, et, 2, NULL, NULL), DB_ECONSTRAINT);
    /* OAuth links: one account per provider id, one link per provider per account */
    db_val_t l1[3] = { DB_TEXT("42", 2), DB_TEXT("1001", 4), DB_INT(uid) };
    db_val_t l2[3] = { DB_TEXT("42", 2), DB_TEXT("1001", 4), DB_INT(other) };
    db_val_t l3[3] = { DB_TEXT("42", 2), DB_TEXT("1002", 4), DB_INT(uid) };
    assert_int_equal(db_exec(db, &Q_SEC_LINK, l1, 3, NULL, NULL), 0);
    assert_int_equal(db_exec(db, &Q_SEC_LINK, l2, 3, NULL, NULL), DB_ECONSTRAINT);
    assert_int_equal(db_exec(db, &Q_SEC_LINK, l3, 3, NULL, NULL), DB_ECONSTRAINT);
    /* OAuth states and the audit log */
    db_val_t st = DB_TEXT("s1", 2);
    assert_int_equal(db_exec(db, &Q_SEC_STATE, &st, 1, &rows, NULL), 0);
    assert_true(db_rows_null(rows, 0, 0) && db_rows_null(rows, 0, 1));
    db_rows_free(rows);
    assert_int_equal(db_exec(db, &Q_SEC_STATE, &st, 1, NULL, NULL), DB_ECONSTRAINT);
    assert_int_equal(db_exec(db, &Q_SEC_AUDIT, &u, 1, &rows, NULL), 0);
    assert_true(db_rows_int(rows, 0, 0) > 0);
    assert_string_equal(db_rows_text(rows, 0, 1, NULL), "");
    db_rows_free(rows);
    /* a user's rows go with the user (the audit log stays) */
    assert_int_equal(db_exec(db, &Q_SEC_DEL_USER, &u, 1, NULL, NULL), 0);
    assert_int_equal(db_exec(db, &Q_SEC_COUNT, NULL, 0, &rows, NULL), 0);
    assert_int_equal(db_rows_int(rows, 0, 0), 1);   /* the other user's recovery code */
    db_rows_free(rows);
    db_close(db);
}

BOTH(migrations_twice_and_refuse_newer)
BOTH(security_schema)
BOTH(values_round_trip)
BOTH(constraints_and_transactions)
BOTH(two_connections)
BOTH(exec_many)
BOTH(pipeline)

static unsigned file_mode(const char *path) {
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (unsigned)(st.st_mode & 0777);
}

static int64_t count_users(db_t *db) {
    db_rows_t *rows;
    assert_int_equal(db_exec(db, &Q_COUNT_USERS, NULL, 0, &rows, NULL), 0);
    int64_t n = db_rows_int(rows, 0, 0);
    db_rows_free(rows);
    return n;
}

/* Issue 16: the database, its -wal and -shm are 0600 whatever the umask; db_backup copies a
 * database in use into a 0600 file (a committed snapshot), replaces an older backup, and
 * refuses PostgreSQL, a missing database and a leftover partial file. */
static void test_sqlite_modes_and_backup(void **state) {
    (void)state;
    mode_t old = umask(0);
    db_t *db = fresh(sqlite_path);
    umask(old);
    char side[128], backup[128], partial[160], err[256];
    assert_true(add_user(db, "Backed", "backed@example.org") > 0);
    assert_int_equal(file_mode(sqlite_path), 0600);
    snprintf(side, sizeof side, "%s-wal", sqlite_path);
    assert_int_equal(file_mode(side), 0600);
    snprintf(side, sizeof side, "%s-shm", sqlite_path);
    assert_int_equal(file_mode(side), 0600);

    /* another connection in the middle of a write: the backup waits for nobody and holds
     * what was committed */
    db_t *writer;
    assert_int_equal(db_open(sqlite_path, &writer, err, sizeof err), 0);
    assert_int_equal(writer->ops->script(writer, "BEGIN IMMEDIATE"), 0);
    assert_true(add_user(writer, "Uncommitted", "uncommitted@example.org") > 0);
    snprintf(backup, sizeof backup, "%s.backup", sqlite_path);
    snprintf(partial, sizeof partial, "%s.partial", backup);
    unlink(backup);
    old = umask(0);
    assert_int_equal(db_backup(sqlite_path, backup, err, sizeof err), 0);
    umask(old);
    assert_int_equal(writer->ops->script(writer, "COMMIT"), 0);
    assert_int_equal(file_mode(backup), 0600);
    assert_int_equal(access(partial, F_OK), -1);
    db_t *copy;
    assert_int_equal(db_open(backup, &copy, err, sizeof err), 0);
    assert_int_equal(count_users(copy), 1);
    db_close(copy);

    /* again onto the same name: replaced, now with both */
    assert_int_equal(db_backup(sqlite_path, backup, err, sizeof err), 0);
    assert_int_equal(db_open(backup, &copy, err, sizeof err), 0);
    assert_int_equal(count_users(copy), 2);
    db_close(copy);

    /* a partial file left by a backup that died is not overwritten: the backup stays */
    FILE *f = fopen(partial, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(db_backup(sqlite_path, backup, err, sizeof err), DB_EIO);
    assert_non_null(strstr(err, "remove it"));
    unlink(partial);
    assert_int_equal(file_mode(backup), 0600);

    assert_int_equal(db_backup(sqlite_path, sqlite_path, err, sizeof err), DB_EINVAL);   /* not onto itself */
    assert_non_null(strstr(err, "the database itself"));
    assert_int_equal(db_backup("postgresql://u@h/db", backup, err, sizeof err), DB_EINVAL);
    assert_non_null(strstr(err, "pg_dump"));
    assert_int_equal(db_backup("/nonexistent-dir/none.sqlite3", backup, err, sizeof err), DB_ECONN);
    assert_int_equal(db_backup("/tmp/pongd-test-no-such-db.sqlite3", backup, err, sizeof err), DB_ECONN);
    assert_int_equal(access("/tmp/pongd-test-no-such-db.sqlite3", F_OK), -1);   /* not created */
    dbtest_remove(backup);
    db_close(writer);
    db_close(db);
}

static void test_backend_of(void **state) {
    (void)state;
    assert_int_equal(db_backend_of("postgres://u@h/db"), DB_POSTGRES);
    assert_int_equal(db_backend_of("postgresql://u@h:5/db"), DB_POSTGRES);
    assert_int_equal(db_backend_of("var/pongd.sqlite3"), DB_SQLITE);
    db_t *db;
    char err[256];
    assert_int_equal(db_open("/nonexistent-dir/x/y.sqlite3", &db, err, sizeof err), DB_ECONN);
    assert_non_null(strstr(err, "cannot open SQLite database"));
    assert_int_equal(db_open("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=2", &db, err, sizeof err), DB_ECONN);
    assert_null(strstr(err, "secret"));   /* the password is not echoed */
}

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-db-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_of),
        cmocka_unit_test(test_sqlite_migrations_twice_and_refuse_newer),
        cmocka_unit_test(test_sqlite_values_round_trip),
        cmocka_unit_test(test_sqlite_constraints_and_transactions),
        cmocka_unit_test(test_sqlite_two_connections),
        cmocka_unit_test(test_sqlite_exec_many),
        cmocka_unit_test(test_sqlite_modes_and_backup),
        cmocka_unit_test(test_sqlite_pipeline),
        cmocka_unit_test(test_sqlite_security_schema),
        cmocka_unit_test(test_postgres_security_schema),
        cmocka_unit_test(test_postgres_exec_many), cmocka_unit_test(test_postgres_pipeline),
        cmocka_unit_test(test_postgres_migrations_twice_and_refuse_newer),
        cmocka_unit_test(test_postgres_values_round_trip),
        cmocka_unit_test(test_postgres_constraints_and_transactions),
        cmocka_unit_test(test_postgres_two_connections),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
