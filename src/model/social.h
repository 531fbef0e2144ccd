/* social — the data layer of relations between users: friend requests, friendships, blocks.
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

/* Friend request from `me` to `them`: *became_friends when `them` had asked first (the
 * request is accepted instead). SOCIAL_E_SELF, SOCIAL_E_BLOCKED, SOCIAL_E_EXISTS, ACCOUNT_E_NOTFOUND. */
int social_friend_request(db_t *db, int64_t me, int64_t them, int64_t now, bool *became_friends);
/* Accepts the pending request from `them` to `me`; ACCOUNT_E_NOTFOUND without one. */
int social_friend_accept(db_t *db, int64_t me, int64_t them, int64_t now);
/* Removes a friendship or a pending request in either direction; ACCOUNT_E_NOTFOUND. */
int social_friend_remove(db_t *db, int64_t me, int64_t them);
/* Rows (user id, username, display_name, avatar_version, last_seen_at, kind, created_at,
 * presence hidden from me (SOCIAL_PRESENCE_HIDDEN_SQL)) with kind 0 friend, 1 incoming
 * request, 2 outgoing request; by display name. */
int social_friends(db_t *db, int64_t me, db_rows_t **rows);
/* The ids of me's friends. */
int social_friend_ids(db_t *db, int64_t me, db_rows_t **rows);

/* Blocking ends any friendship or request between the two. Idempotent. */
int social_block(db_t *db, int64_t me, int64_t them, int64_t now);
int social_unblock(db_t *db, int64_t me, int64_t them);
/* Rows (user id, username, display_name, avatar_version, created_at). */
int social_blocks(db_t *db, int64_t me, db_rows_t **rows);
/* The ids of the users `me` blocks or is blocked by (one column, each once). */
int social_block_ids(db_t *db, int64_t me, db_rows_t **rows);

/* The relation of user V to another user O (V != O) as a social_relation_t number, in one SQL
 * expression: a block either way first, then the friendship row if any. One statement
 * reads it (profile.c reads it with the profile): one lock and one round trip instead of one per table. */
#define SOCIAL_RELATION_SQL(V, O)                                                                              \
    "CASE WHEN EXISTS (SELECT 1 FROM blocks WHERE blocker_id = " V " AND blocked_id = " O ") THEN 5"     \
    " WHEN EXISTS (SELECT 1 FROM blocks WHERE blocker_id = " O " AND blocked_id = " V ") THEN 6"         \
    " ELSE COALESCE((SELECT CASE WHEN accepted = 1 THEN 2 WHEN requester_id = " V " THEN 3 ELSE 4 END"   \
    " FROM friendships WHERE (requester_id = " V " AND addressee_id = " O ")"                            \
    " OR (requester_id = " O " AND addressee_id = " V ")), 1) END"
/* 1 when user O's presence (online, in_game, last_seen_at) is hidden from user V, else 0, in
 * one SQL expression: never from themselves; always from a user O blocks; with O's
 * presence_visibility (VIS, a column of O's users row) "friends", from everyone but O's friends.
 * The one place this rule lives: each statement that lists users for a viewer selects it. */
#define SOCIAL_PRESENCE_HIDDEN_SQL(V, O, VIS)                                                                  \
    "CASE WHEN " O " = " V " THEN 0"                                                                          \
    " WHEN EXISTS (SELECT 1 FROM blocks WHERE blocker_id = " O " AND blocked_id = " V ") THEN 1"             \
    " WHEN " VIS " = 1 AND NOT EXISTS (SELECT 1 FROM friendships WHERE accepted = 1 AND"                    \
    " ((requester_id = " V " AND addressee_id = " O ") OR (requester_id = " O " AND addressee_id = " V ")))" \
    " THEN 1 ELSE 0 END"

_Static_assert(REL_SELF == 0 && REL_NONE == 1 && REL_FRIENDS == 2 && REL_REQUEST_SENT == 3 && REL_REQUEST_RECEIVED == 4 &&
                   REL_BLOCKED == 5 && REL_BLOCKED_BY == 6,
               "SOCIAL_RELATION_SQL numbers the relations as social_relation_t does");

#endif
