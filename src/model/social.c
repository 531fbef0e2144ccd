/* social — see social.h. Friendships are stored once per pair: (requester, addressee)
 * with accepted 0 (pending) or 1. */
#include "social.h"
#include "auth.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>


static const db_sql_t Q_RELATION = { "social_relation", "SELECT " SOCIAL_RELATION_SQL("$1", "$2") };
static const db_sql_t Q_INSERT_REQUEST = {
    "social_insert_request",
    "INSERT INTO friendships (requester_id, addressee_id, accepted, created_at, updated_at) VALUES ($1, $2, 0, $3, $3)",
};
static const db_sql_t Q_ACCEPT = {
    "social_accept",
    "UPDATE friendships SET accepted = 1, updated_at = $3 WHERE requester_id = $2 AND addressee_id = $1 AND accepted = 0",
};
static const db_sql_t Q_REMOVE_PAIR = {
    "social_remove_pair",
    "DELETE FROM friendships WHERE (requester_id = $1 AND addressee_id = $2) OR (requester_id = $2 AND addressee_id = $1)",
};
static const db_sql_t Q_FRIENDS = {
    "social_friends",
    "SELECT u.id, u.username, u.display_name, u.avatar_version, COALESCE(u.last_seen_at, 0),"
    " CASE WHEN f.accepted = 1 THEN 0 WHEN f.addressee_id = $1 THEN 1 ELSE 2 END, f.created_at,"
    " " SOCIAL_PRESENCE_HIDDEN_SQL("$1", "u.id", "u.presence_visibility")
    " FROM friendships f JOIN users u ON u.id = CASE WHEN f.requester_id = $1 THEN f.addressee_id ELSE f.requester_id END"
    " WHERE (f.requester_id = $1 OR f.addressee_id = $1) AND u.deleted_at IS NULL ORDER BY u.display_key",
};
static const db_sql_t Q_FRIEND_IDS = {
    "social_friend_ids",
    "SELECT CASE WHEN requester_id = $1 THEN addressee_id ELSE requester_id END FROM friendships"
    " WHERE (requester_id = $1 OR addressee_id = $1) AND accepted = 1",
};
static const db_sql_t Q_BLOCK = {
    "social_block", "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
};
static const db_sql_t Q_UNBLOCK = { "social_unblock", "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2" };
static const db_sql_t Q_BLOCK_IDS = {
    "social_block_ids",
    "SELECT blocked_id FROM blocks WHERE blocker_id = $1 UNION SELECT blocker_id FROM blocks WHERE blocked_id = $1",
};
static const db_sql_t Q_BLOCKS = {
    "social_blocks",
    "SELECT u.id, u.username, u.display_name, u.avatar_version, b.created_at FROM blocks b JOIN users u ON u.id = b.blocked_id"
    " WHERE b.blocker_id = $1 ORDER BY u.display_key",
};

const char *social_relation_name(social_relation_t r) {
    static const char *const names[] = { "self", "none", "friends", "request_sent", "request_received", "blocked", "blocked_by" };
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "none";
}





int social_relation(db_t *db, int64_t viewer, int64_t other, social_relation_t *out) {
    if (viewer == other) {
        *out = REL_SELF;
        return 0;
    }
    db_val_t p[2] = { DB_INT(viewer), DB_INT(other) };
    db_rows_t *r;
    int rc = db_exec(db, &Q_RELATION, p, 2, &r, NULL);
    if (rc != 0) return rc;
    *out = (social_relation_t)db_rows_int(r, 0, 0);
    db_rows_free(r);
    return 0;
}





int social_friend_request(db_t *db, int64_t me, int64_t them, int64_t now, bool *became_friends) {
    *became_friends = false;
    if (me == them) return SOCIAL_E_SELF;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    social_relation_t rel;
    if ((rc = account_alive(db, me)) != 0 || (rc = account_exists(db, them)) != 0 || (rc = social_relation(db, me, them, &rel)) != 0)
        goto fail;
    switch (rel) {
    case REL_BLOCKED:
    case REL_BLOCKED_BY: rc = SOCIAL_E_BLOCKED; goto fail;
    case REL_FRIENDS:
    case REL_REQUEST_SENT: rc = SOCIAL_E_EXISTS; goto fail;
    case REL_REQUEST_RECEIVED: {
        db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
        if ((rc = db_exec(db, &Q_ACCEPT, p, 3, NULL, NULL)) != 0) goto fail;
        *became_friends = true;
        break;
    }
    default: {
        db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
        if ((rc = db_exec(db, &Q_INSERT_REQUEST, p, 3, NULL, NULL)) != 0) goto fail;
    }
    }
    rc = db_commit(db);
    return rc == DB_ECONSTRAINT ? SOCIAL_E_EXISTS : rc;   /* both asked at the same moment */
fail:
    db_rollback(db);
    return rc == DB_ECONSTRAINT ? SOCIAL_E_EXISTS : rc;
}

int social_friend_accept(db_t *db, int64_t me, int64_t them, int64_t now) {
    db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_ACCEPT, p, 3, NULL, &changed);
    if (rc != 0) return rc;
    return changed == 1 ? 0 : ACCOUNT_E_NOTFOUND;
}

int social_friend_remove(db_t *db, int64_t me, int64_t them) {
    db_val_t p[2] = { DB_INT(me), DB_INT(them) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_REMOVE_PAIR, p, 2, NULL, &changed);
    if (rc != 0) return rc;
    return changed > 0 ? 0 : ACCOUNT_E_NOTFOUND;
}

int social_friends(db_t *db, int64_t me, db_rows_t **rows) {
    db_val_t p = DB_INT(me);
    return db_exec(db, &Q_FRIENDS, &p, 1, rows, NULL);
}

int social_friend_ids(db_t *db, int64_t me, db_rows_t **rows) {
    db_val_t p = DB_INT(me);
    return db_exec(db, &Q_FRIEND_IDS, &p, 1, rows, NULL);
}

int social_block(db_t *db, int64_t me, int64_t them, int64_t now) {
    if (me == them) return SOCIAL_E_SELF;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t p[3] = { DB_INT(me), DB_INT(them), DB_INT(now) };
    if ((rc = account_alive(db, me)) != 0 || (rc = account_exists(db, them)) != 0 || (rc = db_exec(db, &Q_BLOCK, p, 3, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_REMOVE_PAIR, p, 2, NULL, NULL)) != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

int social_unblock(db_t *db, int64_t me, int64_t them) {
    db_val_t p[2] = { DB_INT(me), DB_INT(them) };
    return db_exec(db, &Q_UNBLOCK, p, 2, NULL, NULL);
}

int social_block_ids(db_t *db, int64_t me, db_rows_t **rows) {
    db_val_t p = DB_INT(me);
    return db_exec(db, &Q_BLOCK_IDS, &p, 1, rows, NULL);
}

int social_blocks(db_t *db, int64_t me, db_rows_t **rows) {
    db_val_t p = DB_INT(me);
    return db_exec(db, &Q_BLOCKS, &p, 1, rows, NULL);
}






