/* profile — the data layer of a user's own and public profile: reading profiles with the
 * viewer's relation, profile changes, avatars, last seen, and account deletion. Database
 * worker threads only (given the worker's db_t). Returns 0, a DB_E* code, or an
 * ACCOUNT_E_* code. */
#ifndef PONGD_PROFILE_H
#define PONGD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "db.h"
#include "social.h"

/* A user's standing, read with the profile: wins, losses and the stored Glicko-2 rating and RD
 * (thousandths; glicko.h). */
typedef struct {
    int32_t wins, losses;
    int64_t rating_milli, rd_milli;
} profile_standing_t;

/* A live user's public profile (the email and password hash read as empty), standing (st,
 * may be NULL) and the viewer's relation to them, in one statement: by id, or when
 * display_name is not NULL by exact case-insensitive display name (id ignored).
 * ACCOUNT_E_NOTFOUND. */
int profile_get(db_t *db, int64_t viewer, int64_t id, const char *display_name, account_t *out, social_relation_t *rel);
int profile_get_standing(db_t *db, int64_t viewer, int64_t id, const char *display_name, account_t *out, social_relation_t *rel,
                         profile_standing_t *st);
/* profile_get by id for n (viewers[i], ids[i]) pairs at once (db_exec_many: on PostgreSQL
 * one round trip per DB_MANY_MAX pairs); rcs[i] is what profile_get would return for pair i;
 * sts (may be NULL) gets each standing. */
void profile_get_many(db_t *db, int n, const int64_t *viewers, const int64_t *ids, account_t *out, social_relation_t *rels, int *rcs);
void profile_get_many_standing(db_t *db, int n, const int64_t *viewers, const int64_t *ids, account_t *out, social_relation_t *rels,
                               profile_standing_t *sts, int *rcs);

/* Live users whose display name contains `part` (case-insensitive as auth_fold; LIKE's % and _
 * in part are matched literally), the best first (a name starting with it, then shorter
 * names, then by name), at most limit (1 .. PROFILE_SEARCH_MAX): rows of ACCOUNT_PUBLIC_COLS
 * then rating_milli, rd_milli and whether their presence is hidden from viewer
 * (SOCIAL_PRESENCE_HIDDEN_SQL). */
#define PROFILE_SEARCH_MAX 20
enum { PROFILE_SEARCH_COL_RATING = ACCOUNT_COLS_N, PROFILE_SEARCH_COL_RD, PROFILE_SEARCH_COL_HIDDEN };
int profile_search(db_t *db, int64_t viewer, const char *part, int limit, db_rows_t **rows);

/* Changes of the own profile; NULL/0 fields stay. A new display name or email that
 * another account holds (any case) → ACCOUNT_E_TAKEN_DISPLAY / ACCOUNT_E_TAKEN_EMAIL. A new
 * email (not only another case of the same) is unconfirmed (users.email_verified_at cleared);
 * while email codes are the second factor it is refused: EMAILTOK_E_FACTOR. A new password
 * hash voids the user's password-reset links still out. */
typedef struct {
    const char *display_name, *email, *language, *password_hash;
    int presence_visibility;   /* ACCOUNT_PRESENCE_* + 1; 0: unchanged */
} profile_update_t;
int profile_update(db_t *db, int64_t id, const profile_update_t *u, int64_t now);

/* Avatars: replaces the image and bumps avatar_version (*version gets it). */
int profile_avatar_set(db_t *db, int64_t id, const void *img, size_t len, const char *ctype, int64_t now, int64_t *version);
int profile_avatar_clear(db_t *db, int64_t id, int64_t now, int64_t *version);
/* Rows (image, content_type) — no row: no uploaded avatar. */
int profile_avatar_get(db_t *db, int64_t id, db_rows_t **rows);

int profile_touch_seen(db_t *db, int64_t id, int64_t now);

/* Deletes the account: personal data erased (name, email, password, avatar, sessions,
 * friends, blocks), pending invites to and from the user cancelled, the row kept anonymised
 * ("deleted-<id>", shown as "Deleted user") for history: its games and wins/losses stay.
 * One transaction. */
int profile_delete_account(db_t *db, int64_t id, int64_t now);

#endif
