/* pongd backup — see cli_backup.h. The copy itself is db_backup (db/db_backup.c). */
#include "cli_backup.h"
#include "db.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char USAGE[] =
    "usage: pongd backup FILE\n"
    "  Copies the SQLite database (DATABASE_URL, default $VAR_DIR/pongd.sqlite3) into FILE,\n"
    "  mode 0600, while pongd keeps running. FILE is replaced if it exists. To restore: stop\n"
    "  pongd, copy FILE to the DATABASE_URL path (remove any -wal and -shm next to it), start.\n";

/* PostgreSQL is backed up with its own tools (README "Operations"). */
static const char PG_STEPS[] =
    "pongd backup: DATABASE_URL is PostgreSQL; back it up with PostgreSQL's own tools:\n"
    "  backup:  pg_dump --format=custom --file=pongd.dump \"$DATABASE_URL\"\n"
    "  restore: createdb pongd_restored   (or an empty database of your choice)\n"
    "           pg_restore --no-owner --exit-on-error --dbname=postgresql://.../pongd_restored pongd.dump\n"
    "           then start pongd with DATABASE_URL pointing at the restored database.\n";

int cli_backup(const config_t *cfg, int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (argc != 2 || !argv[1][0] || argv[1][0] == '-') {
        fputs(USAGE, stderr);
        return 2;
    }
    if (db_backend_of(cfg->database_url) == DB_POSTGRES) {
        fputs(PG_STEPS, stderr);
        return 2;
    }
    char err[512] = "";
    if (db_backup(cfg->database_url, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "pongd backup: %s\n", err);
        return 1;
    }
    struct stat st;
    long long size = stat(argv[1], &st) == 0 ? (long long)st.st_size : -1;
    fprintf(stderr, "pongd backup: %s copied to %s (%lld bytes)\n", cfg->database_url, argv[1], size);
    return 0;
}
