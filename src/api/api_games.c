/* api_games — invites to play and remote games: create, list, accept, decline and cancel
 * invites; a game's state or record, its replay, resigning.
 *
 * Same shape as the other handlers: validate on the loop, a job on the database pool,
 * answer from the completion. The live games are loop state (live/match): accepting an
 * invite creates the game's row in the invite's transaction, then opens the live game on
 * the loop. Both users' open tabs learn of every change through the app socket. */
#include "account.h"
#include "api.h"
#include "chat.h"
#include "chatrule.h"
#include "game.h"
#include "invite.h"
#include "match.h"
#include "matchrec.h"
#include "pongd_limits.h"
#include "presence.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    api_job_t base;          /* first: uid (the caller) and target (the {id}) */
    invite_t inv;
    matchrec_t game;
    account_t from, to;
    int64_t other;
    db_rows_t *rows;
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    db_rows_free(j->rows);
    free(j);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

static const char *const STATUS_NAMES[] = { "pending", "accepted", "declined", "cancelled", "expired" };
static const char *invite_status_name(int32_t s) { return s >= 0 && s <= INVITE_EXPIRED ? STATUS_NAMES[s] : "pending"; }

static json_t *options_json(int32_t ball_speed, int32_t paddle_size, int32_t winning_score, int32_t map, int32_t powerups) {
    return json_pack("{s:i, s:i, s:i, s:i, s:i}", "ball_speed", ball_speed, "paddle_size", paddle_size, "winning_score",
                     winning_score, "map", map, "powerups", powerups);
}

static json_t *invite_json(const invite_t *v, const account_t *from, const account_t *to) {
    json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:s}", "id", (json_int_t)v->id, "from",
                          api_user_brief(from->id, from->username, from->display_name, from->avatar_version), "to",
                          api_user_brief(to->id, to->username, to->display_name, to->avatar_version), "options",
                          options_json(v->ball_speed, v->paddle_size, v->winning_score, v->map, v->powerups), "created_at",
                          (json_int_t)v->created_at, "expires_at", (json_int_t)v->expires_at, "status", invite_status_name(v->status));
    json_object_set_new(o, "game_id", v->game_id ? json_integer(v->game_id) : json_null());
    return o;
}

json_t *api_invite_json(const invite_t *v, const account_t *from, const account_t *to) { return invite_json(v, from, to); }

/* A notice about the invite in uid's system channel (docs/chat.md): the invite's card
 * (CHAT_MSG_INVITE) or a line about what became of it (CHAT_MSG_SYSTEM), with the invite. */
static void invite_notice(api_t *a, int64_t uid, int kind, const char *who, const char *what, const invite_t *v,
                          const account_t *from, const account_t *to) {
    if (!a->chat) return;
    char text[256];
    snprintf(text, sizeof text, "%s %s", who, what);
    json_t *o = invite_json(v, from, to);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    chat_notice(a->chat, uid, kind, span_cstr(text), v->id, s ? span_cstr(s) : (span_t){ NULL, 0 });
    free(s);
}

/* Tells both users' tabs: {"type":type,"invite":…}; `only_to` when one of them only. */
static void push_invite(api_t *a, const char *type, const invite_t *v, const account_t *from, const account_t *to, int64_t only_to) {
    for (int k = 0; k < 2; k++) {
        int64_t uid = k ? to->id : from->id;
        if (only_to && uid != only_to) continue;
        api_push(a, uid, json_pack("{s:s, s:o}", "type", type, "invite", invite_json(v, from, to)));
    }
}

/* Reads both users of an invite after a change (names and avatars for the answer). */
static int load_people(db_t *db, job_t *j) {
    int rc = account_get(db, j->inv.from_id, &j->from);
    return rc ? rc : account_get(db, j->inv.to_id, &j->to);
}

static const api_answer_t INVITE_ANSWERS[] = {
    { INVITE_E_SELF, 400, "self", "You cannot invite yourself." },
    { SOCIAL_E_BLOCKED, 403, "blocked", "You cannot play with this user." },
    { INVITE_E_NOT_YOURS, 403, "not_yours", "This invite is not yours to answer." },
    { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user or invite." },
    { INVITE_E_EXISTS, 409, "exists", "An invite between you two is already waiting." },
    { INVITE_E_ANSWERED, 409, "answered", "This invite was already answered." },
    { MATCH_E_BUSY, 409, "busy", "One of you is already playing a game." },
    { INVITE_E_EXPIRED, 410, "expired", "This invite has expired." },
    { ACCOUNT_E_GONE, 401, "unauthorized", "This account no longer exists." },
    { 0, 0, NULL, NULL },
};

static void answer_busy(http_req_t *r) {
    http_respond_error(r, 409, "busy", "One of you is already playing a game.");
}

/* ---- POST /api/invites ---- */

static bool read_int(json_t *o, const char *name, int32_t lo, int32_t hi, int32_t *out, json_t *fields) {
    json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        json_object_set_new(fields, name, json_string(v ? "invalid" : "required"));
        return false;
    }
    *out = (int32_t)json_integer_value(v);
    return true;
}

static void create_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t now = (int64_t)now_wall_ms();
    j->inv.expires_at = now + (int64_t)bj->a->cfg->game_invite_s * 1000;
    bj->rc = invite_create(db, &j->inv, now);
    if (bj->rc == 0) bj->rc = load_people(db, j);
}

static void create_done(api_job_t *bj) {
    if (!api_db_ok(bj, INVITE_ANSWERS)) return;
    job_t *j = job_of(bj);
    push_invite(bj->a, "invite", &j->inv, &j->from, &j->to, j->inv.to_id);
    invite_notice(bj->a, j->inv.to_id, CHAT_MSG_INVITE, j->from.display_name, "invites you to a game", &j->inv, &j->from, &j->to);
    api_json(bj->r, 201, invite_json(&j->inv, &j->from, &j->to));
    api_job_done(bj);
}

static void api_invite_create(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) {
        api_job_done(&j->base);
        return;
    }
    json_t *fields = json_object();
    json_t *uid = json_object_get(body, "user_id");
    if (!json_is_integer(uid) || json_integer_value(uid) < 1) json_object_set_new(fields, "user_id", json_string(uid ? "invalid" : "required"));
    json_t *opt = json_object_get(body, "options");
    invite_t *v = &j->inv;
    if (!json_is_object(opt)) {
        json_object_set_new(fields, "options", json_string(opt ? "invalid" : "required"));
    } else {
        read_int(opt, "ball_speed", 0, GAME_SPEED_COUNT - 1, &v->ball_speed, fields);
        read_int(opt, "paddle_size", 0, GAME_PADDLE_COUNT - 1, &v->paddle_size, fields);
        read_int(opt, "winning_score", 1, GAME_WINNING_SCORE_MAX, &v->winning_score, fields);
        read_int(opt, "map", 0, GAME_MAP_COUNT - 1, &v->map, fields);
        read_int(opt, "powerups", 0, 1, &v->powerups, fields);
    }
    if (json_object_size(fields)) {
        json_decref(body);
        api_fields_error(r, fields);
        api_job_done(&j->base);
        return;
    }
    json_decref(fields);
    v->from_id = j->base.uid;
    v->to_id = (int64_t)json_integer_value(uid);
    json_decref(body);
    if (match_user_busy(a->matches, v->from_id) || match_user_busy(a->matches, v->to_id)) {
        answer_busy(r);
        api_job_done(&j->base);
        return;
    }
    api_run_db(&j->base, create_work, create_done);
}

/* ---- GET /api/invites ---- */

static void list_work(api_job_t *bj, db_t *db) { bj->rc = invite_list(db, bj->uid, (int64_t)now_wall_ms(), &job_of(bj)->rows); }

static void list_done(api_job_t *bj) {
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    job_t *j = job_of(bj);
    json_t *in = json_array(), *out = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++) {
        invite_t v;
        account_t from, to;
        invite_row(j->rows, i, &v, &from, &to);
        json_array_append_new(v.to_id == bj->uid ? in : out, invite_json(&v, &from, &to));
    }
    api_json(bj->r, 200, json_pack("{s:o, s:o}", "incoming", in, "outgoing", out));
    api_job_done(bj);
}

static void api_invites(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, list_work, list_done); }

/* ---- POST /api/invites/{id}/accept ---- */

static void void_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->game.status = MATCHREC_VOID;
    j->game.ended_how = MATCHREC_END_VOID;
    j->game.winner = -1;
    j->game.ended_at = (int64_t)now_wall_ms();
    bj->rc = matchrec_finish(db, &j->game);
}

static void void_done(api_job_t *bj) {
    answer_busy(bj->r);
    api_job_done(bj);
}

static void accept_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = invite_accept(db, bj->target, bj->uid, randombytes_random(), (int64_t)now_wall_ms(), &j->inv, &j->game);
    if (bj->rc == 0) bj->rc = load_people(db, j);
}

static void accept_done(api_job_t *bj) {
    if (!api_db_ok(bj, INVITE_ANSWERS)) return;
    job_t *j = job_of(bj);
    game_options_t opt = { j->game.ball_speed, j->game.paddle_size, j->game.winning_score, j->game.map, j->game.powerups, j->game.seed };
    const int64_t users[2] = { j->game.user[0], j->game.user[1] };
    const char *const names[2] = { j->from.display_name, j->to.display_name };
    if (match_open(bj->a->matches, j->game.id, users, names, &opt) != 0) {
        /* one of them started another game meanwhile: this one never happens */
        api_run_db(bj, void_work, void_done);
        return;
    }
    push_invite(bj->a, "invite_update", &j->inv, &j->from, &j->to, 0);
    api_json(bj->r, 200, json_pack("{s:I}", "game_id", (json_int_t)j->game.id));
    api_job_done(bj);
}

static void api_invite_accept(api_t *a, http_req_t *r, int64_t id) {
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    if (match_user_busy(a->matches, uid)) {
        answer_busy(r);
        return;
    }
    job_t *j = (job_t *)api_job_start(a, r, false, id, &JOB);
    j->base.uid = uid;
    api_run_db(&j->base, accept_work, accept_done);
}

/* ---- POST /api/invites/{id}/decline, DELETE /api/invites/{id} ---- */

static void decline_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = invite_decline(db, bj->target, bj->uid, (int64_t)now_wall_ms(), &j->inv);
    if (bj->rc == 0) bj->rc = load_people(db, j);
}

static void cancel_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = invite_cancel(db, bj->target, bj->uid, (int64_t)now_wall_ms(), &j->inv);
    if (bj->rc == 0) bj->rc = load_people(db, j);
}

static void answered_done(api_job_t *bj) {
    if (!api_db_ok(bj, INVITE_ANSWERS)) return;
    job_t *j = job_of(bj);
    push_invite(bj->a, "invite_update", &j->inv, &j->from, &j->to, 0);
    if (j->inv.status == INVITE_DECLINED)
        invite_notice(bj->a, j->inv.from_id, CHAT_MSG_SYSTEM, j->to.display_name, "declined your invite to a game", &j->inv, &j->from,
                      &j->to);
    else if (j->inv.status == INVITE_CANCELLED)
        invite_notice(bj->a, j->inv.to_id, CHAT_MSG_SYSTEM, j->from.display_name, "cancelled the invite to a game", &j->inv, &j->from,
                      &j->to);
    http_respond(bj->r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(bj);
}

static void api_invite_decline(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, decline_work, answered_done); }
static void api_invite_cancel(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, cancel_work, answered_done); }

/* ---- GET /api/games/{id}, GET /api/games/{id}/replay ---- */

static const char *const LIVE_STATE[] = { "waiting", "countdown", "playing", "paused", "over" };

static void game_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = matchrec_get(db, bj->target, &j->game, &j->rows);
    if (bj->rc == 0) bj->rc = account_get(db, j->game.user[0], &j->from);
    if (bj->rc == 0) bj->rc = account_get(db, j->game.user[1], &j->to);
}

static const api_answer_t GAME_ANSWERS[] = {
    { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such game." },
    { 0, 0, NULL, NULL },
};

static json_t *game_json(api_t *a, const job_t *j) {
    const matchrec_t *g = &j->game;
    match_info_t live;
    bool is_live = g->status == MATCHREC_RUNNING && match_info(a->matches, g->id, &live);
    int32_t score[2] = { g->score[0], g->score[1] };
    if (is_live) memcpy(score, live.score, sizeof score);
    json_t *opt = options_json(g->ball_speed, g->paddle_size, g->winning_score, g->map, g->powerups);
    json_object_set_new(opt, "seed", json_integer(g->seed));
    const char *how = matchrec_ended_how_name(g->ended_how);
    json_t *o = json_pack("{s:I, s:s, s:[o,o], s:o, s:[i,i], s:I, s:I, s:I, s:I}", "id", (json_int_t)g->id, "status",
                          matchrec_status_name(g->status), "players",
                          api_user_brief(j->from.id, j->from.username, j->from.display_name, j->from.avatar_version),
                          api_user_brief(j->to.id, j->to.username, j->to.display_name, j->to.avatar_version), "options", opt,
                          "score", score[0], score[1], "started_at", (json_int_t)g->started_at, "duration_ms",
                          (json_int_t)g->duration_ms, "ticks", (json_int_t)g->ticks, "final_hash", (json_int_t)g->final_hash);
    json_object_set_new(o, "winner", g->winner == 0 || g->winner == 1 ? json_integer(g->winner) : json_null());
    json_object_set_new(o, "ended_how", how ? json_string(how) : json_null());
    json_object_set_new(o, "ended_at", g->ended_at ? json_integer(g->ended_at) : json_null());
    json_object_set_new(o, "stats", json_pack("{s:i, s:i, s:[i,i], s:i, s:[i,i]}", "rallies", g->stats.rallies, "longest_rally",
                                              g->stats.longest_rally, "hits", g->stats.hits[0], g->stats.hits[1], "top_speed",
                                              g->stats.top_speed, "powerups", g->stats.powerups[0], g->stats.powerups[1]));
    json_object_set_new(o, "live", is_live ? json_pack("{s:s, s:[b,b]}", "state",
                                                       live.state >= 0 && live.state <= 4 ? LIVE_STATE[live.state] : "waiting",
                                                       "connected", live.connected[0], live.connected[1])
                                           : json_null());
    return o;
}

static void game_done(api_job_t *bj) {
    if (!api_db_ok(bj, GAME_ANSWERS)) return;
    api_json(bj->r, 200, game_json(bj->a, job_of(bj)));
    api_job_done(bj);
}

static void api_game(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, game_work, game_done); }

static void replay_done(api_job_t *bj) {
    if (!api_db_ok(bj, GAME_ANSWERS)) return;
    const matchrec_t *g = &job_of(bj)->game;
    if (g->status == MATCHREC_RUNNING) {
        http_respond_error(bj->r, 409, "live", "This game is still being played.");
        api_job_done(bj);
        return;
    }
    if (g->status == MATCHREC_INTERRUPTED && g->ticks == 0 && g->log_len == 0) {
        /* the server stopped before the game's record was written (a crash): no replay exists */
        http_respond_error(bj->r, 409, "no_replay", "This game was interrupted before its record was written.");
        api_job_done(bj);
        return;
    }
    json_t *inputs = json_array();
    for (size_t k = 0; k + 8 <= g->log_len; k += 8) {
        const uint8_t *p = g->log + k;
        uint32_t tick = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        json_array_append_new(inputs, json_pack("[I, i, i]", (json_int_t)tick, p[4], p[5]));
    }
    json_t *opt = options_json(g->ball_speed, g->paddle_size, g->winning_score, g->map, g->powerups);
    json_object_set_new(opt, "seed", json_integer(g->seed));
    api_json(bj->r, 200, json_pack("{s:I, s:o, s:I, s:I, s:o}", "id", (json_int_t)g->id, "options", opt, "ticks",
                                   (json_int_t)g->ticks, "final_hash", (json_int_t)g->final_hash, "inputs", inputs));
    api_job_done(bj);
}

static void api_game_replay(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, game_work, replay_done); }

/* ---- POST /api/games/{id}/resign ---- */

static void api_game_resign(api_t *a, http_req_t *r, int64_t id) {
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    switch (match_resign(a->matches, id, uid)) {
    case 0: http_respond(r, 204, NULL, NULL, 0, HTTP_BODY_BORROW); return;
    case MATCH_E_NOT_PLAYER: http_respond_error(r, 403, "not_a_player", "You are not playing this game."); return;
    default: http_respond_error(r, 404, "not_found", "No live game with this id."); return;
    }
}


const api_route_t API_GAME_ROUTES[] = {
    { HTTP_POST, "/api/invites", "Invite a user to a remote game: {user_id, options}", api_invite_create, true, .op = "createInvite",
      .tag = "games", .body = "InviteRequest",
      .responses = { { 201, "Invite", "The invite; the invitee's tabs are told at once" }, API_R_BAD_BODY,
                     { 400, "Error", "self: an invite to yourself" }, API_R_UNAUTHORIZED,
                     { 403, "Error", "blocked: a block stands between you" }, API_R_NOT_FOUND("no such user"),
                     { 409, "Error", "exists: an invite between you two is waiting; busy: one of you is playing" },
                     API_R_INTERNAL, API_R_BUSY } },
    { HTTP_GET, "/api/invites", "Pending invites to and from me", api_invites, true, .op = "listInvites", .tag = "games",
      .responses = { { 200, "InviteList", "Pending, unexpired invites, oldest first" }, API_R_UNAUTHORIZED, API_R_INTERNAL, API_R_BUSY } },
    { HTTP_POST, "/api/invites/{id}/accept", "Accept an invite: the game starts", api_invite_accept, true, .op = "acceptInvite",
      .tag = "games",
      .responses = { { 200, "GameCreated", "The new game; open /ws/game/{game_id}/" }, API_R_UNAUTHORIZED,
                     { 403, "Error", "not_yours: the invite is not to you; blocked" }, API_R_NOT_FOUND("no such invite"),
                     { 409, "Error", "answered: already answered; busy: one of you is playing" },
                     { 410, "Error", "expired" }, API_R_INTERNAL, API_R_BUSY } },
    { HTTP_POST, "/api/invites/{id}/decline", "Decline an invite", api_invite_decline, true, .op = "declineInvite", .tag = "games",
      .responses = { { 204, NULL, "Declined; the inviter is told" }, API_R_UNAUTHORIZED, { 403, "Error", "not_yours" },
                     API_R_NOT_FOUND("no such invite"), { 409, "Error", "answered" }, { 410, "Error", "expired" },
                     API_R_INTERNAL, API_R_BUSY } },
    { HTTP_DELETE, "/api/invites/{id}", "Cancel an invite I sent", api_invite_cancel, true, .op = "cancelInvite", .tag = "games",
      .responses = { { 204, NULL, "Cancelled; the invitee is told" }, API_R_UNAUTHORIZED, { 403, "Error", "not_yours" },
                     API_R_NOT_FOUND("no such invite"), { 409, "Error", "answered" }, { 410, "Error", "expired" },
                     API_R_INTERNAL, API_R_BUSY } },
    { HTTP_GET, "/api/games/{id}", "A game: its live state, or the record of a finished one", api_game, true, .op = "getGame",
      .tag = "games",
      .responses = { { 200, "Game", "The game" }, API_R_UNAUTHORIZED, API_R_NOT_FOUND("no such game"), API_R_INTERNAL, API_R_BUSY } },
    { HTTP_GET, "/api/games/{id}/replay", "A finished game's seed, options and input log", api_game_replay, true, .op = "getReplay",
      .tag = "games",
      .responses = { { 200, "Replay", "Everything needed to re-simulate the game" }, API_R_UNAUTHORIZED,
                     API_R_NOT_FOUND("no such game"),
                     { 409, "Error", "live: the game is still being played; no_replay: it was interrupted by a crash before its record was written" },
                     API_R_INTERNAL,
                     API_R_BUSY } },
    { HTTP_POST, "/api/games/{id}/resign", "Resign a live game: the opponent wins", api_game_resign, true, .op = "resignGame",
      .tag = "games",
      .responses = { { 204, NULL, "Resigned" }, API_R_UNAUTHORIZED, { 403, "Error", "not_a_player" },
                     API_R_NOT_FOUND("no live game with this id") } },
    { .method = HTTP_GET, .path = NULL },
};
