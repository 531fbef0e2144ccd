/* `pongd backup <file>`: a copy of the SQLite database taken while the server runs; for
 * PostgreSQL it refuses and prints the pg_dump / pg_restore steps (README "Operations"). */
#ifndef PONGD_CLI_BACKUP_H
#define PONGD_CLI_BACKUP_H

#include "config.h"

/* Runs the command with its arguments (argv[0] is "backup"); messages on stderr. Returns
 * the process exit status: 0 written, 1 failed, 2 bad usage or a PostgreSQL DATABASE_URL. */
int cli_backup(const config_t *cfg, int argc, char **argv);

#endif
