/* Shared by the database unit tests (test_db.c, test_accounts.c, test_social.c): a fresh,
 * migrated database of either backend, and BOTH(fn), which makes test_sqlite_<fn> and
 * test_postgres_<fn> (the latter against PONGD_TEST_DATABASE_URL; skipped without it, and
 * scripts/run-unit.sh counts a skip as a failure). Include after cmocka.h. */
#ifndef PONGD_TEST_DBTEST_H
#define PONGD_TEST_DBTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "db_internal.h"

/* Removes a SQLite file and its WAL and shared-memory files. */
static void dbtest_remove(const char *path) {
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* An empty database at url with every migration applied. */
static db_t *fresh(const char *url) {
    db_t *db;
    char err[256];
    if (db_backend_of(url) == DB_SQLITE) dbtest_remove(url);
    assert_int_equal(db_open(url, &db, err, sizeof err), 0);
    if (db_backend(db) == DB_POSTGRES) assert_int_equal(db->ops->script(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"), 0);
    int v = -1;
    assert_int_equal(db_migrate(db, &v, err, sizeof err), 0);
    assert_int_equal(v, db_schema_version());
    return db;
}

static const char *pg_url(void) { return getenv("PONGD_TEST_DATABASE_URL"); }

/* sqlite_path: the test file's own static char array. */
#define BOTH(fn)                                                      \
    static void test_sqlite_##fn(void **state) {                      \
        (void)state;                                                  \
        run_##fn(sqlite_path);                                        \
    }                                                                 \
    static void test_postgres_##fn(void **state) {                    \
        (void)state;                                                  \
        if (!pg_url()) skip();                                        \
        run_##fn(pg_url());                                           \
    }

#endif
