/* cli_admin — `pongd admin grant|revoke <username>` and `pongd admin list`: how the first
 * administrator is made (there is no default account nor password). Reads the configuration
 * as the server does (the environment, then ENV_FILE or .env: DATABASE_URL, VAR_DIR), works
 * on SQLite and PostgreSQL, also while the server runs (the server reads users.is_admin on
 * every admin request). Each change is in the audit log with no actor ("the command line"). */
#ifndef PONGD_CLI_ADMIN_H
#define PONGD_CLI_ADMIN_H

#include <stdio.h>

/* Exit codes. */
enum {
    CLI_ADMIN_OK = 0,
    CLI_ADMIN_NO_USER = 1,     /* no such (live) user */
    CLI_ADMIN_USAGE = 2,       /* bad arguments or configuration */
    CLI_ADMIN_DB = 3,          /* the database could not be opened, migrated or written */
};

/* Runs `pongd admin …` with argv[0] = "admin"; messages on out (results) and err (problems).
 * Returns the exit code. */
int cli_admin(int argc, char **argv, FILE *out, FILE *err);
/* The lines of --help that describe the command. */
void cli_admin_help(FILE *out);

#endif
