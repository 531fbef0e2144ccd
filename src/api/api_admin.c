/* api_admin — the admin role's routes (docs/security.md, "Admin role"): whether the caller is
 * an administrator, the users list and search, bans (which end every session of the user at
 * once: api_sessions_end; a live game of theirs ends as their resignation), clearing a user's
 * chat mutes, and the audit log. Bearer tokens only; every route but the status answers 403
 * "forbidden" to a non-administrator, read from the database in the route's own job (a grant
 * or a revocation counts from the next request). Each action writes its audit entry in its
 * own transaction (model/admin). The live games are GET /api/games?status=live (api_mm.c),
 * the chat's reports GET /api/chat/reports (all of them for an administrator), room
 * moderation the chat's routes (an administrator ranks above every room's owner): the Admin
 * page uses those. */
#include "account.h"
#include "admin.h"
#include "api.h"
#include "pongd_limits.h"
#include "reqparse.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADMIN_API_PAGE_DEFAULT 50
#define ADMIN_API_OFFSET_MAX 1000000000
#define ADMIN_API_REASON_MAX 500   /* bytes of a ban's reason */

typedef struct {
    api_job_t base;                        /* first: uid (the caller), target (the path's {id}) */
    char q[ADMIN_SEARCH_MAX + 1];
    char reason[ADMIN_API_REASON_MAX + 1];
    int limit, offset;
    bool admin;
    int64_t now, rooms;
    db_rows_t *rows;
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    db_rows_free(j->rows);
    free(j);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

static const api_answer_t ANSWERS[] = {
    { ADMIN_E_FORBIDDEN, 403, "forbidden", "Administrators only." },
    { ADMIN_E_TARGET, 403, "forbidden_target", "Neither yourself nor another administrator can be banned." },
    { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." },
    { ACCOUNT_E_GONE, 401, "unauthorized", "This account no longer exists." },
    { 0, 0, NULL, NULL },
};

static json_t *int_or_null(int64_t v) { return v ? json_integer(v) : json_null(); }

/* 400 invalid_fields {name: "invalid"}, and the job's end. */
static void bad_query(job_t *j, const char *name) {
    api_fields_error(j->base.r, json_pack("{s:s}", name, "invalid"));
    api_job_done(&j->base);
}

/* ?limit= and ?offset=; false after answering. */
static bool page_query(job_t *j) {
    if (api_query_int(j->base.r, "limit", 1, ADMIN_PAGE_MAX, ADMIN_API_PAGE_DEFAULT, &j->limit) &&
        api_query_int(j->base.r, "offset", 0, ADMIN_API_OFFSET_MAX, 0, &j->offset))
        return true;
    api_job_done(&j->base);
    return false;
}

/* A page's rows: one more than asked tells whether more follow. */
static int page_rows(const job_t *j) {
    int n = db_rows_count(j->rows);
    return n > j->limit ? j->limit : n;
}

/* ---- GET /api/admin/status ---- */

static void status_work(api_job_t *bj, db_t *db) {
    int rc = account_alive(db, bj->uid);
    if (rc == 0) rc = admin_check(db, bj->uid);
    job_of(bj)->admin = rc == 0;
    bj->rc = rc == ADMIN_E_FORBIDDEN ? 0 : rc;
}

static void status_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    api_json(bj->r, 200, json_pack("{s:b}", "admin", job_of(bj)->admin));
    api_job_done(bj);
}

static void api_admin_status(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, status_work, status_done); }

/* ---- GET /api/admin/users?q=&limit=&offset= ---- */

static void users_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = admin_users(db, bj->uid, j->q, j->limit + 1, j->offset, &j->rows);
}

static void users_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    const db_rows_t *r = j->rows;
    json_t *list = json_array();
    for (int i = 0; i < page_rows(j); i++) {
        int64_t uid = db_rows_int(r, i, ADMIN_USER_COL_ID);
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)uid, "username", db_rows_text(r, i, ADMIN_USER_COL_USERNAME, NULL),
                              "display_name", db_rows_text(r, i, ADMIN_USER_COL_DISPLAY, NULL), "email",
                              db_rows_text(r, i, ADMIN_USER_COL_EMAIL, NULL), "created_at",
                              (json_int_t)db_rows_int(r, i, ADMIN_USER_COL_CREATED));
        json_object_set_new(o, "last_seen_at", int_or_null(db_rows_int(r, i, ADMIN_USER_COL_LAST_SEEN)));
        json_object_set_new(o, "banned_at", int_or_null(db_rows_int(r, i, ADMIN_USER_COL_BANNED_AT)));
        json_object_set_new(o, "is_admin", json_boolean(db_rows_int(r, i, ADMIN_USER_COL_ADMIN) == 1));
        json_object_set_new(o, "two_factor", json_boolean(db_rows_int(r, i, ADMIN_USER_COL_TWOFA) == 1));
        json_object_set_new(o, "online", json_boolean(bj->a->presence && presence_online(bj->a->presence, uid)));
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o, s:i, s:b}", "users", list, "offset", j->offset, "more", db_rows_count(r) > j->limit));
    api_job_done(bj);
}

static void api_admin_users(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j || !page_query(j)) return;
    span_t q = http_req_query(r);
    if (!reqparse_query(q, "q", j->q, sizeof j->q)) {   /* absent: all; too long or malformed: 400 */
        j->q[0] = '\0';
        if (api_query_has(q, "q")) {
            bad_query(j, "q");
            return;
        }
    }
    json_t *utf8 = json_string(j->q);   /* jansson refuses what is not UTF-8 (the database would too) */
    if (!utf8) {
        bad_query(j, "q");
        return;
    }
    json_decref(utf8);
    api_run_db(&j->base, users_work, users_done);
}

/* ---- POST /api/admin/users/{id}/ban {reason?}, DELETE /api/admin/users/{id}/ban ---- */

static void ban_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = admin_ban(db, bj->uid, bj->target, span_cstr(j->reason), j->now);
}

/* The sessions ended (or the database could not record it: the loop's part voided the access
 * tokens and closed the sockets already, and the ban refuses any refresh). */
static void ban_ended(void *ctx, int rc) {
    job_t *j = ctx;
    api_json(j->base.r, 200, json_pack("{s:I, s:I, s:b}", "user_id", (json_int_t)j->base.target, "banned_at", (json_int_t)j->now,
                                       "sessions_ended", rc == 0));
    api_job_done(&j->base);
}

static void ban_done(api_job_t *bj) {
    static const api_answer_t BAN_ANSWERS[] = {
        { ADMIN_E_STATE, 409, "already_banned", "This user is banned already." },
        { ADMIN_E_FORBIDDEN, 403, "forbidden", "Administrators only." },
        { ADMIN_E_TARGET, 403, "forbidden_target", "Neither yourself nor another administrator can be banned." },
        { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." },
        { 0, 0, NULL, NULL },
    };
    if (!api_db_ok(bj, BAN_ANSWERS)) return;
    /* a live game of theirs ends at once: they resign (the opponent wins, the record says so) */
    int64_t game = bj->a->matches ? match_user_game(bj->a->matches, bj->target) : 0;
    if (game) match_resign(bj->a->matches, game, bj->target);
    /* every session, at once: access tokens void, sockets closed (4001), refresh tokens revoked */
    api_sessions_end(bj->a, bj->target, 0, ban_ended, job_of(bj));
}

static void api_admin_ban(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) {
        api_job_done(&j->base);
        return;
    }
    json_t *fields = json_object();
    span_t reason;
    if (json_object_get(body, "reason") && api_string(body, "reason", &reason, fields)) {
        if (reason.len > ADMIN_API_REASON_MAX) json_object_set_new(fields, "reason", json_string("too_long"));
        else snprintf(j->reason, sizeof j->reason, "%.*s", (int)reason.len, reason.ptr);
    }
    json_decref(body);
    if (json_object_size(fields) > 0) {
        api_fields_error(r, fields);
        api_job_done(&j->base);
        return;
    }
    json_decref(fields);
    j->now = (int64_t)now_wall_ms();
    api_run_db(&j->base, ban_work, ban_done);
}

static void unban_work(api_job_t *bj, db_t *db) { bj->rc = admin_unban(db, bj->uid, bj->target, (int64_t)now_wall_ms()); }

static void unban_done(api_job_t *bj) {
    static const api_answer_t UNBAN_ANSWERS[] = {
        { ADMIN_E_STATE, 409, "not_banned", "This user is not banned." },
        { ADMIN_E_FORBIDDEN, 403, "forbidden", "Administrators only." },
        { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." },
        { 0, 0, NULL, NULL },
    };
    if (!api_db_ok(bj, UNBAN_ANSWERS)) return;
    http_respond(bj->r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(bj);
}

static void api_admin_unban(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, unban_work, unban_done); }

/* ---- POST /api/admin/users/{id}/unmute ---- */

static void unmute_work(api_job_t *bj, db_t *db) {
    bj->rc = admin_unmute(db, bj->uid, bj->target, (int64_t)now_wall_ms(), &job_of(bj)->rooms);
}

static void unmute_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    api_json(bj->r, 200, json_pack("{s:I, s:I}", "user_id", (json_int_t)bj->target, "rooms", (json_int_t)job_of(bj)->rooms));
    api_job_done(bj);
}

static void api_admin_unmute(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, unmute_work, unmute_done); }

/* ---- GET /api/admin/audit?limit=&offset= ---- */

static void audit_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = admin_audit(db, bj->uid, j->limit + 1, j->offset, &j->rows);
}

/* {id, username} of the user a row names, or null. */
static json_t *who_json(const db_rows_t *r, int i, int id_col, int name_col) {
    if (db_rows_null(r, i, id_col)) return json_null();
    return json_pack("{s:I, s:s}", "id", (json_int_t)db_rows_int(r, i, id_col), "username", db_rows_text(r, i, name_col, NULL));
}

static void audit_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    const db_rows_t *r = j->rows;
    json_t *list = json_array();
    for (int i = 0; i < page_rows(j); i++) {
        json_t *o = json_pack("{s:I, s:o, s:s, s:o, s:s, s:I}", "id", (json_int_t)db_rows_int(r, i, ADMIN_AUDIT_COL_ID), "actor",
                              who_json(r, i, ADMIN_AUDIT_COL_ACTOR, ADMIN_AUDIT_COL_ACTOR_NAME), "action",
                              db_rows_text(r, i, ADMIN_AUDIT_COL_ACTION, NULL), "target",
                              who_json(r, i, ADMIN_AUDIT_COL_TARGET, ADMIN_AUDIT_COL_TARGET_NAME), "detail",
                              db_rows_text(r, i, ADMIN_AUDIT_COL_DETAIL, NULL), "at", (json_int_t)db_rows_int(r, i, ADMIN_AUDIT_COL_AT));
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o, s:i, s:b}", "entries", list, "offset", j->offset, "more", db_rows_count(r) > j->limit));
    api_job_done(bj);
}

static void api_admin_audit(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (j && page_query(j)) api_run_db(&j->base, audit_work, audit_done);
}

/* ---- the table ---- */

static const api_param_t USERS_QUERY[] = {
    { "q", false, "{\"type\":\"string\",\"maxLength\":254}", "Users whose username, display name or email contains this (any case)" },
    { "limit", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}", "At most this many (default 50)" },
    { "offset", false, "{\"type\":\"integer\",\"minimum\":0}", "Skip this many (paging; default 0)" },
    { NULL, false, NULL, NULL },
};

static const api_param_t PAGE_QUERY[] = {
    { "limit", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}", "At most this many (default 50)" },
    { "offset", false, "{\"type\":\"integer\",\"minimum\":0}", "Skip this many (paging; default 0)" },
    { NULL, false, NULL, NULL },
};

#define R_FORBIDDEN { 403, "Error", "forbidden: the caller is not an administrator" }
#define R_PAGE_400 { 400, "Error", "invalid_fields: limit, offset (or q) is \"invalid\"" }

const api_route_t API_ADMIN_ROUTES[] = {
    { HTTP_GET, "/api/admin/status", "Whether I am an administrator (read from the database now)", api_admin_status, true,
      .op = "getAdminStatus", .tag = "admin",
      .responses = { { 200, "AdminStatus", "{admin}: true for an administrator" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/admin/users", "Users, by id; ?q= searches usernames, display names and emails (administrators)",
      api_admin_users, true, .op = "listAdminUsers", .tag = "admin", .query = USERS_QUERY,
      .responses = { { 200, "AdminUserList", "A page of users; more: another page follows" }, R_PAGE_400, API_R_UNAUTHORIZED,
                     R_FORBIDDEN, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/admin/users/{id}/ban",
      "Ban a user: {reason?}. Every session ends at once (refresh tokens revoked, access tokens void, sockets closed with "
      "4001) and a live game of theirs ends as their resignation; logging in, refreshing and every token are refused until "
      "unbanned (administrators)",
      api_admin_ban, true, .op = "banUser", .tag = "admin", .body = "AdminBanRequest",
      .responses = { { 200, "AdminBanned", "Banned, and the sessions ended (answered once no session can refresh)" }, API_R_BAD_BODY,
                     { 400, "Error", "invalid_fields: reason (invalid_type, too_long: over 500 bytes)" }, API_R_UNAUTHORIZED,
                     { 403, "Error", "forbidden: the caller is not an administrator; forbidden_target: yourself or an administrator" },
                     API_R_NOT_FOUND("no such user"), { 409, "Error", "already_banned" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/admin/users/{id}/ban", "Lift a ban: the user may log in again (administrators)", api_admin_unban, true,
      .op = "unbanUser", .tag = "admin",
      .responses = { { 204, NULL, "Unbanned" }, API_R_UNAUTHORIZED, R_FORBIDDEN, API_R_NOT_FOUND("no such user"),
                     { 409, "Error", "not_banned" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/admin/users/{id}/unmute", "Clear every chat mute of a user still running (administrators)", api_admin_unmute,
      true, .op = "unmuteUser", .tag = "admin",
      .responses = { { 200, "AdminUnmuted", "How many rooms' mutes were cleared (0: none ran)" }, API_R_UNAUTHORIZED, R_FORBIDDEN,
                     API_R_NOT_FOUND("no such user"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/admin/audit", "The audit log, newest first: who did what to whom, when (administrators)", api_admin_audit, true,
      .op = "listAuditLog", .tag = "admin", .query = PAGE_QUERY,
      .responses = { { 200, "AuditLog", "A page of entries; more: another page follows" }, R_PAGE_400, API_R_UNAUTHORIZED, R_FORBIDDEN,
                     API_R_BUSY, API_R_INTERNAL } },
    { .method = HTTP_GET, .path = NULL },
};
