/* invite — see invite.h. */
#include "invite.h"
#include "social.h"

#include <string.h>

/* The INVITE_COL_ID .. INVITE_COL_EXPIRES_AT columns of invites i. */
#define INVITE_SELECT                                                                                       \
    "SELECT i.id, i.from_id, i.to_id, i.ball_speed, i.paddle_size, i.winning_score, i.map, i.powerups," \
    " i.status, COALESCE(i.game_id, 0), i.created_at, i.expires_at"
/* The pending invite between $1 and $2, either direction. */
#define INVITE_PAIR "((from_id = $1 AND to_id = $2) OR (from_id = $2 AND to_id = $1))"

static const db_sql_t Q_GET = { "invite_get", INVITE_SELECT " FROM invites i WHERE i.id = $1" };
static const db_sql_t Q_EXPIRE_PAIR = {
    "invite_expire_pair", "UPDATE invites SET status = 4, answered_at = $3 WHERE status = 0 AND expires_at <= $3 AND " INVITE_PAIR,
};
static const db_sql_t Q_PENDING_PAIR = { "invite_pending_pair", "SELECT 1 FROM invites WHERE status = 0 AND " INVITE_PAIR };
static const db_sql_t Q_INSERT = {
    "invite_insert",
    "INSERT INTO invites (from_id, to_id, ball_speed, paddle_size, winning_score, map, powerups, status, created_at, expires_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) RETURNING id",
};
static const db_sql_t Q_ANSWER = { "invite_answer", "UPDATE invites SET status = $2, answered_at = $3 WHERE id = $1 AND status = 0" };
static const db_sql_t Q_SET_GAME = { "invite_set_game", "UPDATE invites SET game_id = $2 WHERE id = $1" };
#define INVITE_USER_COLS(U) U ".id, " U ".username, " U ".display_name, " U ".avatar_version, " U ".created_at, COALESCE(" U ".last_seen_at, 0)"
static const db_sql_t Q_LIST = {
    "invite_list",
    INVITE_SELECT ", " INVITE_USER_COLS("f") ", " INVITE_USER_COLS("t") ", CASE WHEN i.to_id = $1 THEN 0 ELSE 1 END"
    " FROM invites i JOIN users f ON f.id = i.from_id JOIN users t ON t.id = i.to_id"
    " WHERE (i.from_id = $1 OR i.to_id = $1) AND i.status = 0 AND i.expires_at > $2"
    " AND f.deleted_at IS NULL AND t.deleted_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = i.from_id AND b.blocked_id = i.to_id)"
    " OR (b.blocker_id = i.to_id AND b.blocked_id = i.from_id))"
    " ORDER BY i.created_at, i.id",
};
static const db_sql_t Q_CANCEL_USER = {
    "invite_cancel_user", "UPDATE invites SET status = 3, answered_at = $2 WHERE (from_id = $1 OR to_id = $1) AND status = 0",
};

_Static_assert(INVITE_COL_TO_ID == INVITE_COL_FROM_ID + 6 && INVITE_COL_DIRECTION == INVITE_COL_TO_ID + 6, "six columns per user");
_Static_assert(INVITE_PENDING == 0 && INVITE_CANCELLED == 3 && INVITE_EXPIRED == 4, "the statements write these numbers");

void invite_read(const db_rows_t *r, int row, invite_t *out) {
    memset(out, 0, sizeof *out);
    out->id = db_rows_int(r, row, INVITE_COL_ID);
    out->from_id = db_rows_int(r, row, INVITE_COL_FROM);
    out->to_id = db_rows_int(r, row, INVITE_COL_TO);
    out->ball_speed = (int32_t)db_rows_int(r, row, INVITE_COL_BALL_SPEED);
    out->paddle_size = (int32_t)db_rows_int(r, row, INVITE_COL_PADDLE_SIZE);
    out->winning_score = (int32_t)db_rows_int(r, row, INVITE_COL_WINNING_SCORE);
    out->map = (int32_t)db_rows_int(r, row, INVITE_COL_MAP);
    out->powerups = (int32_t)db_rows_int(r, row, INVITE_COL_POWERUPS);
    out->status = (int32_t)db_rows_int(r, row, INVITE_COL_STATUS);
    out->game_id = db_rows_int(r, row, INVITE_COL_GAME_ID);
    out->created_at = db_rows_int(r, row, INVITE_COL_CREATED_AT);
    out->expires_at = db_rows_int(r, row, INVITE_COL_EXPIRES_AT);
}

static void copy_text(char *dst, size_t cap, const db_rows_t *r, int row, int col) {
    size_t len;
    const char *s = db_rows_text(r, row, col, &len);
    if (len >= cap) len = cap - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* the six user columns from `col` on */
static void user_read(const db_rows_t *r, int row, int col, account_t *out) {
    memset(out, 0, sizeof *out);
    out->id = db_rows_int(r, row, col);
    copy_text(out->username, sizeof out->username, r, row, col + 1);
    copy_text(out->display_name, sizeof out->display_name, r, row, col + 2);
    out->avatar_version = db_rows_int(r, row, col + 3);
    out->created_at = db_rows_int(r, row, col + 4);
    out->last_seen_at = db_rows_int(r, row, col + 5);
}

void invite_row(const db_rows_t *r, int row, invite_t *out, account_t *from, account_t *to) {
    invite_read(r, row, out);
    if (from) user_read(r, row, INVITE_COL_FROM_ID, from);
    if (to) user_read(r, row, INVITE_COL_TO_ID, to);
}

static int blocked(db_t *db, int64_t a, int64_t b) {
    social_relation_t rel;
    int rc = social_relation(db, a, b, &rel);
    if (rc != 0) return rc;
    return rel == REL_BLOCKED || rel == REL_BLOCKED_BY ? SOCIAL_E_BLOCKED : 0;
}

int invite_create(db_t *db, invite_t *in, int64_t now) {
    if (in->from_id == in->to_id) return INVITE_E_SELF;
    if (in->expires_at <= now) return DB_EINVAL;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t pair[3] = { DB_INT(in->from_id), DB_INT(in->to_id), DB_INT(now) };
    db_rows_t *r;
    if ((rc = account_alive(db, in->from_id)) != 0 || (rc = account_exists(db, in->to_id)) != 0 ||
        (rc = blocked(db, in->from_id, in->to_id)) != 0 || (rc = db_exec(db, &Q_EXPIRE_PAIR, pair, 3, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_PENDING_PAIR, pair, 2, &r, NULL)) != 0)
        goto fail;
    int pending = db_rows_count(r);
    db_rows_free(r);
    if (pending) {
        rc = INVITE_E_EXISTS;
        goto fail;
    }
    db_val_t p[9] = {
        DB_INT(in->from_id), DB_INT(in->to_id), DB_INT(in->ball_speed), DB_INT(in->paddle_size), DB_INT(in->winning_score),
        DB_INT(in->map), DB_INT(in->powerups), DB_INT(now), DB_INT(in->expires_at),
    };
    if ((rc = db_exec(db, &Q_INSERT, p, 9, &r, NULL)) != 0) goto fail;
    int64_t id = db_rows_int(r, 0, 0);
    db_rows_free(r);
    if ((rc = db_commit(db)) != 0) return rc == DB_ECONSTRAINT ? INVITE_E_EXISTS : rc;
    in->id = id;
    in->created_at = now;
    in->status = INVITE_PENDING;
    in->game_id = 0;
    return 0;
fail:
    db_rollback(db);
    return rc == DB_ECONSTRAINT ? INVITE_E_EXISTS : rc;   /* both invited each other at the same moment */
}

int invite_list(db_t *db, int64_t uid, int64_t now, db_rows_t **rows) {
    db_val_t p[2] = { DB_INT(uid), DB_INT(now) };
    return db_exec(db, &Q_LIST, p, 2, rows, NULL);
}

/* The answer `to` (accepted, declined, cancelled) of uid to invite id; for an acceptance
 * `game` receives the new game (seed given). */
static int answer(db_t *db, int64_t id, int64_t uid, int to, uint32_t seed, int64_t now, invite_t *out, matchrec_t *game) {
    memset(out, 0, sizeof *out);
    int rc = db_begin(db);
    if (rc != 0) return rc;
    db_val_t one = DB_INT(id);
    db_rows_t *r;
    if ((rc = account_alive(db, uid)) != 0 || (rc = db_exec(db, &Q_GET, &one, 1, &r, NULL)) != 0) goto fail;
    if (db_rows_count(r) == 0) {
        db_rows_free(r);
        rc = ACCOUNT_E_NOTFOUND;
        goto fail;
    }
    invite_read(r, 0, out);
    db_rows_free(r);
    if (uid != (to == INVITE_CANCELLED ? out->from_id : out->to_id)) {
        rc = INVITE_E_NOT_YOURS;
        goto fail;
    }
    if (out->status != INVITE_PENDING) {
        rc = out->status == INVITE_EXPIRED ? INVITE_E_EXPIRED : INVITE_E_ANSWERED;
        goto fail;
    }
    int status = out->expires_at <= now ? INVITE_EXPIRED : to;
    db_val_t a[3] = { DB_INT(id), DB_INT(status), DB_INT(now) };
    int64_t changed = 0;
    if ((rc = db_exec(db, &Q_ANSWER, a, 3, NULL, &changed)) != 0) goto fail;
    if (changed != 1) {   /* answered meanwhile (PostgreSQL) */
        rc = INVITE_E_ANSWERED;
        goto fail;
    }
    if (status == INVITE_EXPIRED) {
        if ((rc = db_commit(db)) != 0) return rc;
        out->status = INVITE_EXPIRED;
        return INVITE_E_EXPIRED;
    }
    if (to == INVITE_ACCEPTED) {
        memset(game, 0, sizeof *game);
        game->user[0] = out->from_id;
        game->user[1] = out->to_id;
        game->mode = MATCHREC_MODE_INVITE;
        game->ball_speed = out->ball_speed;
        game->paddle_size = out->paddle_size;
        game->winning_score = out->winning_score;
        game->map = out->map;
        game->powerups = out->powerups;
        game->seed = seed;
        db_val_t g[2] = { DB_INT(id), DB_INT(0) };
        if ((rc = blocked(db, out->from_id, out->to_id)) != 0 || (rc = matchrec_create_tx(db, game, now)) != 0) goto fail;
        g[1] = DB_INT(game->id);
        if ((rc = db_exec(db, &Q_SET_GAME, g, 2, NULL, NULL)) != 0) goto fail;
    }
    if ((rc = db_commit(db)) != 0) return rc;
    out->status = to;
    if (to == INVITE_ACCEPTED) out->game_id = game->id;
    return 0;
fail:
    db_rollback(db);
    return rc;
}

int invite_accept(db_t *db, int64_t id, int64_t uid, uint32_t seed, int64_t now, invite_t *out, matchrec_t *game) {
    return answer(db, id, uid, INVITE_ACCEPTED, seed, now, out, game);
}

int invite_decline(db_t *db, int64_t id, int64_t uid, int64_t now, invite_t *out) {
    return answer(db, id, uid, INVITE_DECLINED, 0, now, out, NULL);
}

int invite_cancel(db_t *db, int64_t id, int64_t uid, int64_t now, invite_t *out) {
    return answer(db, id, uid, INVITE_CANCELLED, 0, now, out, NULL);
}

int invite_cancel_user(db_t *db, int64_t uid, int64_t now) {
    db_val_t p[2] = { DB_INT(uid), DB_INT(now) };
    return db_exec(db, &Q_CANCEL_USER, p, 2, NULL, NULL);
}
