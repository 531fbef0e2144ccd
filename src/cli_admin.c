/* cli_admin — see cli_admin.h. */
#include "cli_admin.h"

#include "admin.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "now.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_admin_help(FILE *out) {
    fprintf(out,
            "\nThe admin role (no default account: an operator makes the first administrator):\n"
            "  pongd admin grant <username>    make the user an administrator\n"
            "  pongd admin revoke <username>   take the role back (from the user's next admin request on)\n"
            "  pongd admin list                the administrators\n"
            "Same configuration as the server (DATABASE_URL, VAR_DIR); also while it runs. Exit code 0 done,\n"
            "1 no such user, 2 usage or configuration, 3 database.\n");
}

static int usage(FILE *err) {
    fprintf(err, "usage: pongd admin grant <username> | pongd admin revoke <username> | pongd admin list\n");
    return CLI_ADMIN_USAGE;
}

/* The server's configuration (the environment, then ENV_FILE or .env). */
static int load_config(config_t *cfg, FILE *err) {
    char msg[512] = "";
    const char *env_file = getenv("ENV_FILE");
    if (!env_file || !*env_file) env_file = ".env";
    config_env_t env;
    if (config_env_read(&env, env_file, msg, sizeof msg) < 0) {
        fprintf(err, "pongd admin: ENV_FILE %s\n", msg);
        return CLI_ADMIN_USAGE;
    }
    int rc = config_load(cfg, config_lookup_env_then_file, &env, msg, sizeof msg);
    config_env_free(&env);
    if (rc < 0) {
        fprintf(err, "pongd admin: invalid configuration: %s\n", msg);
        return CLI_ADMIN_USAGE;
    }
    return CLI_ADMIN_OK;
}

/* The database, migrated (a first run before the server's creates the schema). */
static int open_db(const config_t *cfg, db_t **db, FILE *err) {
    char msg[512] = "";
    if (db_backend_of(cfg->database_url) == DB_SQLITE && mkdir(cfg->var_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(err, "pongd admin: VAR_DIR %s: %s\n", cfg->var_dir, strerror(errno));
        return CLI_ADMIN_DB;
    }
    if (db_open(cfg->database_url, db, msg, sizeof msg) != 0) {
        fprintf(err, "pongd admin: database: %s\n", msg);
        return CLI_ADMIN_DB;
    }
    int version = 0;
    if (db_migrate(*db, &version, msg, sizeof msg) != 0) {
        fprintf(err, "pongd admin: database: %s\n", msg);
        db_close(*db);
        return CLI_ADMIN_DB;
    }
    return CLI_ADMIN_OK;
}

static int list(db_t *db, FILE *out, FILE *err) {
    db_rows_t *rows = NULL;
    int rc = admin_list(db, &rows);
    if (rc != 0) {
        fprintf(err, "pongd admin: database: %s\n", err_str(rc));
        return CLI_ADMIN_DB;
    }
    if (db_rows_count(rows) == 0) fprintf(out, "no administrators (make one: pongd admin grant <username>)\n");
    for (int i = 0; i < db_rows_count(rows); i++)
        fprintf(out, "%" PRId64 "\t%s\t%s%s\n", db_rows_int(rows, i, 0), db_rows_text(rows, i, 1, NULL), db_rows_text(rows, i, 2, NULL),
                db_rows_int(rows, i, 3) ? "\t(banned)" : "");
    db_rows_free(rows);
    return CLI_ADMIN_OK;
}

static int set(db_t *db, const char *username, bool grant, FILE *out, FILE *err) {
    int64_t uid = 0;
    int rc = admin_set(db, username, grant, (int64_t)now_wall_ms(), &uid);
    switch (rc) {
    case 0:
        fprintf(out, "%s (user %" PRId64 ") %s\n", username, uid, grant ? "is now an administrator" : "is no longer an administrator");
        return CLI_ADMIN_OK;
    case ADMIN_E_STATE:
        fprintf(out, "%s (user %" PRId64 ") %s already: nothing changed\n", username, uid,
                grant ? "is an administrator" : "is not an administrator");
        return CLI_ADMIN_OK;
    case ACCOUNT_E_NOTFOUND:
        fprintf(err, "pongd admin: no user named '%s' (register the account first)\n", username);
        return CLI_ADMIN_NO_USER;
    default:
        fprintf(err, "pongd admin: database: %s\n", err_str(rc));
        return CLI_ADMIN_DB;
    }
}

int cli_admin(int argc, char **argv, FILE *out, FILE *err) {
    bool is_list = argc == 2 && strcmp(argv[1], "list") == 0;
    bool grant = argc == 3 && strcmp(argv[1], "grant") == 0, revoke = argc == 3 && strcmp(argv[1], "revoke") == 0;
    if (!is_list && !grant && !revoke) return usage(err);
    static config_t cfg;
    int rc = load_config(&cfg, err);
    db_t *db = NULL;
    if (rc == CLI_ADMIN_OK) rc = open_db(&cfg, &db, err);
    if (rc != CLI_ADMIN_OK) return rc;
    rc = is_list ? list(db, out, err) : set(db, argv[2], grant, out, err);
    db_close(db);
    return rc;
}
