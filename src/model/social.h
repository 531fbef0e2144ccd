/* social — the data layer of profiles, friends, blocks, avatars and account deletion.
 * Database worker threads only (given the worker's db_t). Returns 0, a DB_E* code, or
 * one of the SOCIAL_E* / ACCOUNT_E* codes. */
#ifndef PONGD_SOCIAL_H
#define PONGD_SOCIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "db.h"

/* Errors: SOCIAL_E_* in err.h (-400 .. -499). */

typedef enum {
    REL_SELF = 0, REL_NONE, REL_FRIENDS, REL_REQUEST_SENT, REL_REQUEST_RECEIVED, REL_BLOCKED, REL_BLOCKED_BY,
} social_relation_t;

const char *social_relation_name(social_relation_t r);

/* The relation of `viewer` to `other` (both existing users). */
int social_relation(db_t *db, int64_t viewer, int64_t other, social_relation_t *out);

/* A live user's public profile (the email and password hash read as empty) and the
 * viewer's relation to them, in one statement: by id, or when display_name is not NULL by
 * exact case-insensitive display name (id ignored). ACCOUNT_E_NOTFOUND. */
int social_profile(db_t *db, int64_t viewer, int64_t id, const char *display_name, account_t *out, social_relation_t *rel);
/* social_profile by id for n (viewers[i], ids[i]) pairs at once (db_exec_many: on PostgreSQL
 * one round trip per DB_MANY_MAX pairs); rcs[i] is what social_profile would return for pair i. */
void social_profiles(db_t *db, int n, const int64_t *viewers, const int64_t *ids, account_t *out, social_relation_t *rels, int *rcs);

/* Changes of the own profile; NULL/0 fields stay. A new display name or email that
 * another account holds (any case) → ACCOUNT_E_TAKEN_DISPLAY / ACCOUNT_E_TAKEN_EMAIL. */
typedef struct {
    const char *display_name, *email, *language, *password_hash;
} social_update_t;
int social_update(db_t *db, int64_t id, const social_update_t *u, int64_t now);

/* Friend request from `me` to `them`: *became_friends when `them` had asked first (the
 * request is accepted instead). SOCIAL_E_SELF, SOCIAL_E_BLOCKED, SOCIAL_E_EXISTS, ACCOUNT_E_NOTFOUND. */
int social_friend_request(db_t *db, int64_t me, int64_t them, int64_t now, bool *became_friends);
/* Accepts the pending request from `them` to `me`; ACCOUNT_E_NOTFOUND without one. */
int social_friend_accept(db_t *db, int64_t me, int64_t them, int64_t now);
/* Removes a friendship or a pending request in either direction; ACCOUNT_E_NOTFOUND. */
int social_friend_remove(db_t *db, int64_t me, int64_t them);
/* Rows (user id, username, display_name, avatar_version, last_seen_at, kind, created_at)
 * with kind 0 friend, 1 incoming request, 2 outgoing request; by display name. */
int social_friends(db_t *db, int64_t me, db_rows_t **rows);
/* The ids of me's friends. */
int social_friend_ids(db_t *db, int64_t me, db_rows_t **rows);

/* Blocking ends any friendship or request between the two. Idempotent. */
int social_block(db_t *db, int64_t me, int64_t them, int64_t now);
int social_unblock(db_t *db, int64_t me, int64_t them);
/* Rows (user id, username, display_name, avatar_version, created_at). */
int social_blocks(db_t *db, int64_t me, db_rows_t **rows);

/* Avatars: replaces the image and bumps avatar_version (*version gets it). */
int social_avatar_set(db_t *db, int64_t id, const void *img, size_t len, const char *ctype, int64_t now, int64_t *version);
int social_avatar_clear(db_t *db, int64_t id, int64_t now, int64_t *version);
/* Rows (image, content_type) — no row: no uploaded avatar. */
int social_avatar_get(db_t *db, int64_t id, db_rows_t **rows);

int social_touch_seen(db_t *db, int64_t id, int64_t now);

/* Deletes the account: personal data erased (name, email, password, avatar, sessions,
 * friends, blocks), the row kept anonymised ("deleted-<id>") for history. One transaction. */
int social_delete_account(db_t *db, int64_t id, int64_t now);

#endif
