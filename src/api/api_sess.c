/* api_sess — ending a user's sessions (api_sessions_end, api.h): the loop's part (sessguard:
 * the revocation map and the sockets) around the database's (account_sessions_end); and the
 * loop's part of ending one session (api_session_ended). */
#include "account.h"
#include "api.h"
#include "dbpool.h"
#include "log.h"

#include <inttypes.h>
#include <stdlib.h>

typedef struct {
    api_t *a;
    int64_t uid, keep_sid, t;
    void (*done)(void *ctx, int rc);
    void *ctx;
    int rc;
} end_job_t;

static int end_db(db_t *db, void *arg) {
    end_job_t *j = arg;
    return account_sessions_end(db, j->uid, j->keep_sid, &j->t);
}

static void end_work(void *arg, void *worker) {
    end_job_t *j = arg;
    j->rc = dbpool_run(worker, end_db, j);
}

static void end_done(void *arg, int status) {
    end_job_t *j = arg;
    int rc = status != 0 ? ERR_FULL : j->rc;
    if (rc == 0 && j->a->guard) sessguard_end(j->a->guard, j->uid, j->t, j->keep_sid, (int64_t)now_wall_ms());
    if (rc != 0) log_msg("warn", "sessions of user %" PRId64 " not ended in the database: %s", j->uid, err_name(rc));
    if (j->done) j->done(j->ctx, rc);
    free(j);
}

bool api_sessions_ended(api_job_t *bj, int rc) {
    if (rc == ERR_FULL) {
        api_busy(bj->r);
        api_job_done(bj);
        return false;
    }
    bj->rc = rc;
    return true;
}

void api_sessions_end(api_t *a, int64_t uid, int64_t keep_sid, void (*done)(void *ctx, int rc), void *ctx) {
    int64_t now = (int64_t)now_wall_ms();
    if (a->guard) sessguard_end(a->guard, uid, now, keep_sid, now);   /* at once, before the database has it */
    end_job_t *j = xcalloc(1, sizeof *j);
    *j = (end_job_t){ .a = a, .uid = uid, .keep_sid = keep_sid, .done = done, .ctx = ctx };
    if (pool_submit(dbpool_pool(a->db), end_work, end_done, j) != 0) {
        log_msg("warn", "sessions of user %" PRId64 " not ended in the database: queue full", uid);
        free(j);
        if (done) done(ctx, ERR_FULL);
    }
}

void api_session_ended(api_t *a, int64_t uid, int64_t sid, int64_t t_ms) {
    if (a->guard && sid > 0) sessguard_end_session(a->guard, uid, sid, t_ms, (int64_t)now_wall_ms());
}
