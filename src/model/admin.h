/* admin — the data layer of the admin role (docs/security.md, "Admin role"): who is an
 * administrator (users.is_admin, read from the database on every admin request, so a grant or
 * a revocation takes effect at the next one), the users list and search, bans (users.banned_at)
 * and the audit log (audit_log: who, what, whom, when, detail). Database worker threads only
 * (given the worker's db_t), and the `pongd admin` command. Returns 0, a DB_E* code, or
 * ACCOUNT_E_NOTFOUND / ADMIN_E_* (err.h).
 *
 * Every action writes its audit entry in the transaction of the action itself: an action
 * that committed is in the log, one that failed is not. */
#ifndef PONGD_ADMIN_H
#define PONGD_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "span.h"

#define ADMIN_PAGE_MAX 100            /* rows of one page of users or of the log */
#define ADMIN_DETAIL_MAX 600          /* bytes of an audit entry's detail (longer is cut) */
#define ADMIN_SEARCH_MAX 254          /* bytes of a users search */

/* 0 when uid is an administrator (not deleted), else ADMIN_E_FORBIDDEN (or a DB_E* code). */
int admin_check(db_t *db, int64_t uid);

/* One audit entry in the caller's transaction (or alone): actor 0 is the command line
 * (stored NULL), target 0 none; detail is cut at ADMIN_DETAIL_MAX bytes (on a UTF-8 boundary). */
int admin_audit_add(db_t *db, int64_t actor, const char *action, int64_t target, span_t detail, int64_t now);

/* A page of users whose username, display name or email contains q (case-insensitive; ""
 * all), by id, deleted accounts left out; at most limit (1..ADMIN_PAGE_MAX + 1: a page and one
 * more row, which tells whether another page follows) from offset. The
 * actor must be an administrator (ADMIN_E_FORBIDDEN). */
enum { ADMIN_USER_COL_ID = 0, ADMIN_USER_COL_USERNAME, ADMIN_USER_COL_DISPLAY, ADMIN_USER_COL_EMAIL, ADMIN_USER_COL_CREATED,
       ADMIN_USER_COL_LAST_SEEN, ADMIN_USER_COL_BANNED_AT, ADMIN_USER_COL_ADMIN, ADMIN_USER_COL_TWOFA, ADMIN_USER_COLS_N };
int admin_users(db_t *db, int64_t actor, const char *q, int limit, int offset, db_rows_t **rows);

/* actor bans target (reason may be empty): users.banned_at = now and the entry "user.ban", in
 * one transaction. ADMIN_E_FORBIDDEN (actor not an admin), ACCOUNT_E_NOTFOUND (no such live
 * user), ADMIN_E_TARGET (oneself or an administrator), ADMIN_E_STATE (already banned). The
 * sessions are ended by the caller afterwards (api_sessions_end): no session can start once
 * this committed (account_session_create refuses a banned user). */
int admin_ban(db_t *db, int64_t actor, int64_t target, span_t reason, int64_t now);
/* Lifts the ban: "user.unban". ADMIN_E_STATE when not banned; else as admin_ban. */
int admin_unban(db_t *db, int64_t actor, int64_t target, int64_t now);
/* Clears every chat mute of target still running: "chat.unmute" (detail: how many rooms);
 * *rooms gets that number (0 is not an error, and writes no entry). */
int admin_unmute(db_t *db, int64_t actor, int64_t target, int64_t now, int64_t *rooms);

/* A page of the audit log, newest first: id, actor id (NULL: the command line), actor's
 * username, action, target id (NULL: none), target's username, detail, created_at; at most
 * limit (1..ADMIN_PAGE_MAX + 1) from offset. The actor must be an administrator. */
enum { ADMIN_AUDIT_COL_ID = 0, ADMIN_AUDIT_COL_ACTOR, ADMIN_AUDIT_COL_ACTOR_NAME, ADMIN_AUDIT_COL_ACTION, ADMIN_AUDIT_COL_TARGET,
       ADMIN_AUDIT_COL_TARGET_NAME, ADMIN_AUDIT_COL_DETAIL, ADMIN_AUDIT_COL_AT, ADMIN_AUDIT_COLS_N };
int admin_audit(db_t *db, int64_t actor, int limit, int offset, db_rows_t **rows);

/* The command line (`pongd admin grant|revoke <username>`): sets users.is_admin of the live
 * user `username` (case-insensitive) and writes "admin.grant" / "admin.revoke" with no actor.
 * *uid gets the user's id. ACCOUNT_E_NOTFOUND, ADMIN_E_STATE (already so). */
int admin_set(db_t *db, const char *username, bool admin, int64_t now, int64_t *uid);
/* The administrators: id, username, display_name, banned_at (0: not banned), by id. */
int admin_list(db_t *db, db_rows_t **rows);

#endif
