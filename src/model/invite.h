/* invite — the data layer of game invites: one user invites another to a game with its
 * options; the invitee accepts (which starts the game's record: matchrec) or declines, the
 * inviter may cancel, and an invite not answered by its expires_at expires. Database worker
 * threads only (given the worker's db_t). Returns 0, a DB_E* code, or one of the INVITE_E* /
 * SOCIAL_E* / ACCOUNT_E* / MATCH_E* codes.
 *
 * An invite is pending while status is INVITE_PENDING and now < expires_at; one that is past
 * its time is marked expired by the first call that meets it (and is never listed). At most
 * one pending invite exists between two users, either direction (a unique index holds it
 * against concurrent creations too). While a block stands either way, neither can invite the
 * other, invites between them are not listed and cannot be accepted. */
#ifndef PONGD_INVITE_H
#define PONGD_INVITE_H

#include <stdint.h>

#include "db.h"
#include "matchrec.h"

/* Errors: INVITE_E_* in err.h (-600 .. -699). */

enum { INVITE_PENDING = 0, INVITE_ACCEPTED = 1, INVITE_DECLINED = 2, INVITE_CANCELLED = 3, INVITE_EXPIRED = 4 };

typedef struct {
    int64_t id, from_id, to_id, game_id, created_at, expires_at;   /* game_id 0 until accepted */
    int32_t ball_speed, paddle_size, winning_score, map, powerups, status;
} invite_t;

/* from invites to, with in's options, valid until in->expires_at (must be after now, else
 * DB_EINVAL); created_at = now, status pending. Errors: INVITE_E_SELF, ACCOUNT_E_GONE when from
 * is deleted, ACCOUNT_E_NOTFOUND (no such live user to), SOCIAL_E_BLOCKED (a block either way),
 * INVITE_E_EXISTS (a pending, unexpired invite between the two, either direction). in->id,
 * in->created_at and in->status set. The options are stored as given: the caller checks them. */
int invite_create(db_t *db, invite_t *in, int64_t now);

/* The columns of invite_list's rows: the invite (INVITE_COL_ID .. INVITE_COL_EXPIRES_AT),
 * then the public columns of its sender (FROM_*) and of its addressee (TO_*), then the
 * direction seen from uid: INVITE_INCOMING (uid is the addressee) or INVITE_OUTGOING. Read a
 * row with invite_row (or the invite alone with invite_read). */
enum {
    INVITE_COL_ID = 0, INVITE_COL_FROM, INVITE_COL_TO, INVITE_COL_BALL_SPEED, INVITE_COL_PADDLE_SIZE,
    INVITE_COL_WINNING_SCORE, INVITE_COL_MAP, INVITE_COL_POWERUPS, INVITE_COL_STATUS, INVITE_COL_GAME_ID,
    INVITE_COL_CREATED_AT, INVITE_COL_EXPIRES_AT,
    INVITE_COL_FROM_ID, INVITE_COL_FROM_USERNAME, INVITE_COL_FROM_DISPLAY, INVITE_COL_FROM_AVATAR_VERSION,
    INVITE_COL_FROM_CREATED_AT, INVITE_COL_FROM_LAST_SEEN,
    INVITE_COL_TO_ID, INVITE_COL_TO_USERNAME, INVITE_COL_TO_DISPLAY, INVITE_COL_TO_AVATAR_VERSION,
    INVITE_COL_TO_CREATED_AT, INVITE_COL_TO_LAST_SEEN,
    INVITE_COL_DIRECTION,
    INVITE_COLS_N
};
enum { INVITE_INCOMING = 0, INVITE_OUTGOING = 1 };
void invite_read(const db_rows_t *r, int row, invite_t *out);
/* Row `row` of invite_list: the invite, and (each may be NULL) its sender and addressee as
 * public profiles (id, username, display_name, avatar_version, created_at, last_seen_at; the
 * email, password hash and language read as empty). */
void invite_row(const db_rows_t *r, int row, invite_t *out, account_t *from, account_t *to);

/* Pending, unexpired invites to or from uid whose other user is live and not blocked either
 * way, in both directions, oldest first (created_at, then id): rows of the INVITE_COL_* columns. */
int invite_list(db_t *db, int64_t uid, int64_t now, db_rows_t **rows);

/* The invitee uid accepts: in ONE transaction the invite becomes accepted, a running game is
 * created (matchrec_create_tx: left = inviter, right = invitee, the invite's options, mode
 * invite, `seed` drawn by the caller) and the invite's game_id set. Errors: ACCOUNT_E_GONE (uid
 * deleted), ACCOUNT_E_NOTFOUND (no such invite, or a player is no longer a live user),
 * INVITE_E_NOT_YOURS (uid is not the invitee), INVITE_E_EXPIRED (expired now — it is marked so
 * — or before), INVITE_E_ANSWERED (accepted, declined or cancelled), SOCIAL_E_BLOCKED (a block
 * appeared since), MATCH_E_BUSY (either player is in a running game: the invite stays pending).
 * After any error but INVITE_E_EXPIRED nothing has changed. out gets the invite whenever it
 * exists (also on errors), as stored afterwards; *game the new game as matchrec_create leaves
 * it (id set; names not filled). */
int invite_accept(db_t *db, int64_t id, int64_t uid, uint32_t seed, int64_t now, invite_t *out, matchrec_t *game);
/* The invitee declines (INVITE_DECLINED) or the inviter cancels (INVITE_CANCELLED), blocks or
 * not: the same errors but SOCIAL_E_BLOCKED and MATCH_E_BUSY (INVITE_E_NOT_YOURS when uid is
 * not the invitee, resp. the inviter); out as for invite_accept. */
int invite_decline(db_t *db, int64_t id, int64_t uid, int64_t now, invite_t *out);
int invite_cancel(db_t *db, int64_t id, int64_t uid, int64_t now, invite_t *out);

/* Inside the caller's open transaction (profile_delete_account): every pending invite to or
 * from uid becomes cancelled. */
int invite_cancel_user(db_t *db, int64_t uid, int64_t now);

#endif
