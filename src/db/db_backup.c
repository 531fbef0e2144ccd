/* db_backup — a copy of a running SQLite database (SQLite's online backup API). See db.h. */
#include "db_internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_BUSY_TRIES 600   /* × 100 ms: a writer holding the database locked for a minute */

/* fsync of a file or directory by name; false on failure. */
static bool sync_path(const char *path, int flags) {
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = fsync(fd) == 0;
    return close(fd) == 0 && ok;
}

/* Copies src into dst (both open) in one step: one read transaction on src, so the copy is
 * one consistent snapshot, and in WAL mode the server's writers go on meanwhile. */
static int copy(sqlite3 *src, sqlite3 *dst, char *err, size_t errlen) {
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
        return DB_EIO;
    }
    int rc, tries = 0;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (++tries > BACKUP_BUSY_TRIES) break;
        sqlite3_sleep(100);
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
        return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? DB_EBUSY : DB_EIO;
    }
    return 0;
}

/* One row of text from a statement without parameters into out; false on error. */
static bool query_text(sqlite3 *db, const char *sql, char *out, size_t cap) {
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    if (ok) snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
    sqlite3_finalize(st);
    return ok;
}

int db_backup(const char *url, const char *dest, char *err, size_t errlen) {
    if (db_backend_of(url) == DB_POSTGRES) {
        snprintf(err, errlen, "DATABASE_URL is PostgreSQL: back it up with pg_dump");
        return DB_EINVAL;
    }
    if (!dest[0]) {
        snprintf(err, errlen, "no backup file given");
        return DB_EINVAL;
    }
    char partial[4200], dir[4200];
    if (snprintf(partial, sizeof partial, "%s.partial", dest) >= (int)sizeof partial) {
        snprintf(err, errlen, "backup file name too long");
        return DB_EINVAL;
    }
    snprintf(dir, sizeof dir, "%s", dest);
    char *parent = dirname(dir);
    struct stat sst, dst_st;
    if (stat(url, &sst) == 0 && stat(dest, &dst_st) == 0 && sst.st_dev == dst_st.st_dev && sst.st_ino == dst_st.st_ino) {
        snprintf(err, errlen, "%s is the database itself", dest);
        return DB_EINVAL;
    }

    sqlite3 *src = NULL, *dst = NULL;
    int rc = DB_ECONN;
    /* no SQLITE_OPEN_CREATE: a missing database is an error, not an empty backup */
    if (sqlite3_open_v2(url, &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open the SQLite database %s: %s", url, src ? sqlite3_errmsg(src) : "out of memory");
        sqlite3_close_v2(src);
        return DB_ECONN;
    }
    sqlite3_busy_timeout(src, 5000);
    /* the copy holds what the database holds: 0600 before SQLite opens it (its journal gets
     * the same mode); a leftover from a backup that died is not reused */
    int fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s%s", partial, strerror(errno),
                 errno == EEXIST ? " (another backup running, or one that died: remove it)" : "");
        sqlite3_close_v2(src);
        return DB_EIO;
    }
    close(fd);
    rc = DB_EIO;
    char check[64] = "";
    if (sqlite3_open_v2(partial, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", partial, dst ? sqlite3_errmsg(dst) : "out of memory");
        goto out;
    }
    if ((rc = copy(src, dst, err, errlen)) != 0) goto out;
    rc = DB_EIO;
    /* one self-contained file (the copy carries the source's WAL flag); the server that
     * opens it turns WAL on again */
    if (!query_text(dst, "PRAGMA journal_mode=DELETE", check, sizeof check) || strcmp(check, "delete") != 0) {
        snprintf(err, errlen, "backup: cannot leave WAL mode: %s", sqlite3_errmsg(dst));
        goto out;
    }
    if (!query_text(dst, "PRAGMA quick_check", check, sizeof check) || strcmp(check, "ok") != 0) {
        snprintf(err, errlen, "backup: the copy does not pass quick_check: %s", check[0] ? check : sqlite3_errmsg(dst));
        goto out;
    }
    if (sqlite3_close(dst) != SQLITE_OK) {
        snprintf(err, errlen, "backup: cannot close %s", partial);
        dst = NULL;
        goto out;
    }
    dst = NULL;
    if (!sync_path(partial, O_RDONLY) || rename(partial, dest) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", dest, strerror(errno));
        goto out;
    }
    (void)sync_path(parent, O_RDONLY | O_DIRECTORY);
    rc = 0;
out:
    sqlite3_close_v2(dst);
    sqlite3_close_v2(src);
    if (rc != 0) {
        unlink(partial);
        char j[4300];
        snprintf(j, sizeof j, "%s-journal", partial);
        unlink(j);
    }
    return rc;
}
