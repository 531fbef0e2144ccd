/* api_mm — matchmaking and standing (docs/matchmaking.md): the quick-play queue, rematches,
 * the live-games list, a user's match history and the user search.
 *
 * Same shape as the other handlers: validate on the loop, a job on the database pool, answer
 * from the completion. The queue and the rematch offers are loop state (live/quickplay,
 * live/rematch); a new game's row is written by a job, then the live game opens on the loop. */
#include "account.h"
#include "api.h"
#include "game.h"
#include "glicko.h"
#include "match.h"
#include "matchrec.h"
#include "pongd_limits.h"
#include "presence.h"
#include "profile.h"
#include "quickplay.h"
#include "rematch.h"
#include "reqparse.h"
#include "social.h"

#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCHES_PER_PAGE_DEFAULT 20
#define MATCHES_PER_PAGE_MAX 50
#define MATCHES_PAGE_MAX 100000
#define SEARCH_MIN_CHARS 2
#define SEARCH_MAX_CHARS 32
#define LIVE_LIST_DEFAULT 20
#define LIVE_LIST_MAX 50

typedef struct {
    api_job_t base;          /* first: uid (the caller) and target (the {id}) */
    matchrec_standing_t st;
    matchrec_t game, next;
    account_t acc[2];
    social_relation_t rel;
    int64_t total;
    int page, per_page, limit;
    char search[4 * SEARCH_MAX_CHARS + 1];
    db_rows_t *rows;
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    db_rows_free(j->rows);
    free(j);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

/* A stored rating (thousandths) as the API shows it: rounded. */
static json_int_t rating_of(int64_t milli) { return (json_int_t)llround((double)milli / 1000.0); }

static const char *mode_name(int32_t mode) {
    return mode == MATCHREC_MODE_QUICK ? "quick" : mode == MATCHREC_MODE_TOURNAMENT ? "tournament" : "invite";
}

static json_t *options_json(const matchrec_t *g) {
    return json_pack("{s:i, s:i, s:i, s:i, s:i}", "ball_speed", g->ball_speed, "paddle_size", g->paddle_size, "winning_score",
                     g->winning_score, "map", g->map, "powerups", g->powerups);
}

static void answer_error(api_job_t *bj, int status, const char *code, const char *msg) {
    http_respond_error(bj->r, status, code, msg);
    api_job_done(bj);
}

static void bad_field(http_req_t *r, const char *name, const char *what) {
    json_t *f = json_object();
    json_object_set_new(f, name, json_string(what));
    api_fields_error(r, f);
}

/* ---- the queue: POST, DELETE, GET /api/queue ---- */

static json_t *queue_json(api_t *a, int64_t uid) {
    const queue_entry_t *e = quickplay_entry(a->quickplay, uid);
    int64_t game = match_user_game(a->matches, uid);
    json_t *o;
    if (e) {
        int64_t now = (int64_t)now_wall_ms();
        o = json_pack("{s:b, s:I, s:I, s:i, s:i}", "queued", 1, "since", (json_int_t)e->since_wall, "waited_ms",
                      (json_int_t)(now > e->since_wall ? now - e->since_wall : 0), "window", quickplay_window(a->quickplay, e),
                      "rating", (int)e->rating);
    } else {
        o = json_pack("{s:b, s:n, s:i, s:i, s:n}", "queued", 0, "since", "waited_ms", 0, "window", 0, "rating");
    }
    json_object_set_new(o, "game_id", game ? json_integer(game) : json_null());
    return o;
}

static void enter_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = matchrec_standing(db, bj->uid, &j->st);
    if (bj->rc == ACCOUNT_E_NOTFOUND) bj->rc = ACCOUNT_E_GONE;
    if (bj->rc == 0) bj->rc = social_block_ids(db, bj->uid, &j->rows);
}

static void enter_done(api_job_t *bj) {
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    job_t *j = job_of(bj);
    api_t *a = bj->a;
    int n = db_rows_count(j->rows);
    if (n > LIM_QUEUE_BLOCKS) n = LIM_QUEUE_BLOCKS;
    int64_t *ids = n ? xmalloc((size_t)n * sizeof *ids) : NULL;
    for (int i = 0; i < n; i++) ids[i] = db_rows_int(j->rows, i, 0);
    int rc = quickplay_enter(a->quickplay, bj->uid, (int32_t)rating_of(j->st.rating_milli), ids, (size_t)n);
    free(ids);
    if (rc == MATCH_E_BUSY) return answer_error(bj, 409, "busy", "You are already playing a game.");
    if (rc == ERR_FULL) {
        api_busy(bj->r);
        api_job_done(bj);
        return;
    }
    /* queued now, or paired at once (then GET shows the game), or queued already meanwhile */
    api_json(bj->r, rc == MATCH_E_QUEUED ? 200 : 201, queue_json(a, bj->uid));
    api_job_done(bj);
}

static void api_queue_enter(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    if (match_user_busy(a->matches, uid)) {
        http_respond_error(r, 409, "busy", "You are already playing a game.");
        return;
    }
    if (quickplay_entry(a->quickplay, uid)) {
        api_json(r, 200, queue_json(a, uid));
        return;
    }
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    j->base.uid = uid;
    api_run_db(&j->base, enter_work, enter_done);
}

static void api_queue_leave(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    quickplay_leave(a->quickplay, uid);
    http_respond(r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
}

static void api_queue_get(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    api_json(r, 200, queue_json(a, uid));
}

/* ---- rematch: POST, DELETE /api/games/{id}/rematch ---- */

static void rematch_read_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    db_rows_t *rows = NULL;
    bj->rc = matchrec_get(db, bj->target, &j->game, &rows);
    db_rows_free(rows);
    j->game.log = NULL;
    j->game.log_len = 0;
    if (bj->rc != 0) return;
    if (j->game.user[0] != bj->uid && j->game.user[1] != bj->uid) {
        bj->rc = MATCH_E_NOT_PLAYER;
        return;
    }
    bj->rc = social_relation(db, j->game.user[0], j->game.user[1], &j->rel);
    for (int s = 0; s < 2 && bj->rc == 0; s++) bj->rc = account_get(db, j->game.user[s], &j->acc[s]);
}

static const api_answer_t REMATCH_ANSWERS[] = {
    { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such game (or a player is gone)." },
    { MATCH_E_NOT_PLAYER, 403, "not_a_player", "You did not play this game." },
    { MATCH_E_BUSY, 409, "busy", "One of you is already playing a game." },
    { SOCIAL_E_BLOCKED, 403, "blocked", "You cannot play with this user." },
    { 0, 0, NULL, NULL },
};

static int seat_of(const matchrec_t *g, int64_t uid) { return g->user[0] == uid ? 0 : 1; }

static void rematch_start_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    const matchrec_t *g = &j->game;
    matchrec_t *n = &j->next;
    memset(n, 0, sizeof *n);
    n->user[0] = g->user[1];   /* seats swapped */
    n->user[1] = g->user[0];
    n->mode = g->mode;
    n->ball_speed = g->ball_speed;
    n->paddle_size = g->paddle_size;
    n->winning_score = g->winning_score;
    n->map = g->map;
    n->powerups = g->powerups;
    n->seed = randombytes_random();
    bj->rc = matchrec_create(db, n, (int64_t)now_wall_ms());
}

static void rematch_void_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->next.status = MATCHREC_VOID;
    j->next.ended_how = MATCHREC_END_VOID;
    j->next.winner = -1;
    j->next.ended_at = (int64_t)now_wall_ms();
    bj->rc = matchrec_finish(db, &j->next);
}

static void rematch_void_done(api_job_t *bj) { answer_error(bj, 409, "busy", "One of you is already playing a game."); }

static void rematch_start_done(api_job_t *bj) {
    if (!api_db_ok(bj, REMATCH_ANSWERS)) return;
    job_t *j = job_of(bj);
    api_t *a = bj->a;
    const matchrec_t *n = &j->next;
    game_options_t opt = { n->ball_speed, n->paddle_size, n->winning_score, n->map, n->powerups, n->seed };
    const int64_t users[2] = { n->user[0], n->user[1] };
    int s0 = seat_of(&j->game, users[0]);
    const char *const names[2] = { j->acc[s0].display_name, j->acc[1 - s0].display_name };
    if (match_open(a->matches, n->id, users, names, &opt) != 0) {
        api_run_db(bj, rematch_void_work, rematch_void_done);
        return;
    }
    for (int s = 0; s < 2; s++)
        api_push(a, users[s], json_pack("{s:s, s:I, s:I}", "type", "rematch_start", "game_id", (json_int_t)j->game.id, "new_game_id",
                                        (json_int_t)n->id));
    api_json(bj->r, 200, json_pack("{s:s, s:I}", "status", "started", "game_id", (json_int_t)n->id));
    api_job_done(bj);
}

static void rematch_offer_done(api_job_t *bj) {
    if (!api_db_ok(bj, REMATCH_ANSWERS)) return;
    job_t *j = job_of(bj);
    api_t *a = bj->a;
    const matchrec_t *g = &j->game;
    int64_t now = (int64_t)now_wall_ms(), expires = g->ended_at + REMATCH_WINDOW_MS;
    if (g->status == MATCHREC_RUNNING || g->status == MATCHREC_INTERRUPTED || now >= expires)
        return answer_error(bj, 409, "expired", "A rematch can be asked for within 60 seconds of a game's end.");
    if (j->rel == REL_BLOCKED || j->rel == REL_BLOCKED_BY) return answer_error(bj, 403, "blocked", "You cannot play with this user.");
    if (match_user_busy(a->matches, g->user[0]) || match_user_busy(a->matches, g->user[1]))
        return answer_error(bj, 409, "busy", "One of you is already playing a game.");
    int me = seat_of(g, bj->uid);
    int64_t other = g->user[1 - me];
    int rc = rematch_offer(a->rematches, g->id, bj->uid, other, expires, now);
    if (rc == ERR_FULL) {
        api_busy(bj->r);
        api_job_done(bj);
        return;
    }
    if (rc == REMATCH_AGREED) {
        api_run_db(bj, rematch_start_work, rematch_start_done);
        return;
    }
    const account_t *from = &j->acc[me];
    api_push(a, other, json_pack("{s:s, s:I, s:o, s:I}", "type", "rematch_offer", "game_id", (json_int_t)g->id, "from",
                                 api_user_brief(from->id, from->username, from->display_name, from->avatar_version), "expires_at",
                                 (json_int_t)expires));
    api_json(bj->r, 200, json_pack("{s:s, s:I}", "status", "offered", "expires_at", (json_int_t)expires));
    api_job_done(bj);
}

static void api_rematch(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, rematch_read_work, rematch_offer_done); }

static void api_rematch_cancel(api_t *a, http_req_t *r, int64_t id) {
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    int64_t other;
    if (rematch_withdraw(a->rematches, id, uid, (int64_t)now_wall_ms(), &other))
        api_push(a, other, json_pack("{s:s, s:I, s:I}", "type", "rematch_declined", "game_id", (json_int_t)id, "by", (json_int_t)uid));
    http_respond(r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
}

/* ---- GET /api/games?status=live ---- */

static void live_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = matchrec_list_running(db, j->limit, &j->rows);
}

static json_t *player_json(const db_rows_t *rows, int i, int s, int64_t uid, const char *name) {
    json_t *u = api_user_brief(uid, db_rows_text(rows, i, s ? MATCHREC_COL_USERNAME_RIGHT : MATCHREC_COL_USERNAME_LEFT, NULL), name,
                               db_rows_int(rows, i, s ? MATCHREC_COL_AVATAR_RIGHT : MATCHREC_COL_AVATAR_LEFT));
    json_object_set_new(u, "rating", json_integer(rating_of(db_rows_int(rows, i, MATCHREC_COLS_N + 2 * s))));
    return u;
}

static const char *const LIVE_STATE[] = { "waiting", "countdown", "playing", "paused", "over" };

static void live_done(api_job_t *bj) {
    if (!api_db_ok(bj, NULL)) return;
    job_t *j = job_of(bj);
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++) {
        matchrec_t g;
        matchrec_read(j->rows, i, &g);
        match_info_t live;
        if (!match_info(bj->a->matches, g.id, &live)) continue;   /* ended meanwhile */
        json_t *o = json_pack("{s:I, s:[o,o], s:[i,i], s:o, s:s, s:s, s:I, s:i}", "id", (json_int_t)g.id, "players",
                              player_json(j->rows, i, 0, g.user[0], g.names[0]), player_json(j->rows, i, 1, g.user[1], g.names[1]),
                              "score", live.score[0], live.score[1], "options", options_json(&g), "mode", mode_name(g.mode), "state",
                              live.state >= 0 && live.state <= 4 ? LIVE_STATE[live.state] : "waiting", "started_at",
                              (json_int_t)g.started_at, "spectators", live.spectators);
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o}", "games", list));
    api_job_done(bj);
}

static void api_games_list(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    char status[16];
    if (!reqparse_query(http_req_query(r), "status", status, sizeof status) || strcmp(status, "live") != 0)
        return bad_field(r, "status", "invalid");
    int limit;
    if (!api_query_int(r, "limit", 1, LIVE_LIST_MAX, LIVE_LIST_DEFAULT, &limit)) return;
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    j->base.uid = uid;
    j->limit = limit;
    api_run_db(&j->base, live_work, live_done);
}

/* ---- GET /api/users/{id}/matches ---- */

static void matches_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = account_exists(db, bj->target);
    if (bj->rc == 0) bj->rc = matchrec_count_user(db, bj->target, &j->total);
    if (bj->rc == 0) bj->rc = matchrec_list_user(db, bj->target, j->per_page, (j->page - 1) * j->per_page, &j->rows);
}

static void matches_done(api_job_t *bj) {
    static const api_answer_t ANSWERS[] = { { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." }, { 0, 0, NULL, NULL } };
    if (!api_db_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++) {
        matchrec_t g;
        matchrec_read(j->rows, i, &g);
        int me = g.user[0] == bj->target ? 0 : 1;
        json_t *opp = api_user_brief(g.user[1 - me], db_rows_text(j->rows, i, me ? MATCHREC_COL_USERNAME_LEFT : MATCHREC_COL_USERNAME_RIGHT, NULL),
                                     g.names[1 - me], db_rows_int(j->rows, i, me ? MATCHREC_COL_AVATAR_LEFT : MATCHREC_COL_AVATAR_RIGHT));
        const char *how = matchrec_ended_how_name(g.ended_how);
        json_t *o = json_pack("{s:I, s:I, s:o, s:i, s:[i,i], s:I, s:s, s:s, s:o}", "id", (json_int_t)g.id, "date", (json_int_t)g.started_at,
                              "opponent", opp, "side", me, "score", g.score[0], g.score[1], "duration_ms", (json_int_t)g.duration_ms,
                              "mode", mode_name(g.mode), "status", matchrec_status_name(g.status), "options", options_json(&g));
        json_object_set_new(o, "ended_how", how ? json_string(how) : json_null());
        json_object_set_new(o, "winner", g.winner == 0 || g.winner == 1 ? json_integer(g.winner) : json_null());
        json_object_set_new(o, "won", g.winner == 0 || g.winner == 1 ? json_boolean(g.winner == me) : json_null());
        json_object_set_new(o, "rating_before", g.rated ? json_integer(rating_of(g.rating_before[me])) : json_null());
        json_object_set_new(o, "rating_after", g.rated ? json_integer(rating_of(g.rating_after[me])) : json_null());
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:i, s:i, s:I, s:o}", "page", j->page, "per_page", j->per_page, "total", (json_int_t)j->total,
                                   "matches", list));
    api_job_done(bj);
}

static void api_user_matches(api_t *a, http_req_t *r, int64_t id) {
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    int page, per_page;
    if (!api_query_int(r, "page", 1, MATCHES_PAGE_MAX, 1, &page) ||
        !api_query_int(r, "per_page", 1, MATCHES_PER_PAGE_MAX, MATCHES_PER_PAGE_DEFAULT, &per_page))
        return;
    job_t *j = (job_t *)api_job_start(a, r, false, id, &JOB);
    j->base.uid = uid;
    j->page = page;
    j->per_page = per_page;
    api_run_db(&j->base, matches_work, matches_done);
}

/* ---- GET /api/users?search= ---- */

static void search_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = profile_search(db, bj->uid, j->search, j->limit, &j->rows);
}

static void search_done(api_job_t *bj) {
    if (!api_db_ok(bj, NULL)) return;
    job_t *j = job_of(bj);
    api_t *a = bj->a;
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++) {
        account_t u;
        account_read(j->rows, i, &u);
        bool hidden = db_rows_int(j->rows, i, PROFILE_SEARCH_COL_HIDDEN) != 0;   /* blocked me, or friends only */
        bool online = !hidden && presence_online(a->presence, u.id);
        int64_t game = hidden ? 0 : presence_in_game(a->presence, u.id);
        json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:b, s:I}", "id", (json_int_t)u.id, "username", u.username, "display_name",
                              u.display_name, "avatar_url", api_avatar_url(u.id, u.avatar_version), "online", online, "rating",
                              rating_of(db_rows_int(j->rows, i, PROFILE_SEARCH_COL_RATING)));
        json_object_set_new(o, "in_game", game ? json_integer(game) : json_null());
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o}", "users", list));
    api_job_done(bj);
}

/* Code points of a UTF-8 string (its bytes other than continuation bytes). */
static size_t code_points(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void api_user_search(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    char part[4 * SEARCH_MAX_CHARS + 1];
    if (!reqparse_query(http_req_query(r), "search", part, sizeof part)) return bad_field(r, "search", "invalid");
    size_t n = code_points(part);
    if (n < SEARCH_MIN_CHARS || n > SEARCH_MAX_CHARS) return bad_field(r, "search", n < SEARCH_MIN_CHARS ? "too_short" : "too_long");
    int limit;
    if (!api_query_int(r, "limit", 1, PROFILE_SEARCH_MAX, PROFILE_SEARCH_MAX, &limit)) return;
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    j->base.uid = uid;
    j->limit = limit;
    snprintf(j->search, sizeof j->search, "%s", part);
    api_run_db(&j->base, search_work, search_done);
}

static const api_param_t LIVE_QUERY[] = {
    { "status", true, "{\"const\":\"live\"}", "Only \"live\": the games being played now" },
    { "limit", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":50,\"default\":20}", "At most this many, newest first" },
    { NULL, false, NULL, NULL },
};
static const api_param_t MATCHES_QUERY[] = {
    { "page", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000,\"default\":1}", "The page, from 1" },
    { "per_page", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":50,\"default\":20}", "Games per page" },
    { NULL, false, NULL, NULL },
};
static const api_param_t SEARCH_QUERY[] = {
    { "search", true, "{\"type\":\"string\",\"minLength\":2,\"maxLength\":32}",
      "Part of a display name (2 to 32 code points), compared without regard to ASCII case" },
    { "limit", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":20,\"default\":20}", "At most this many" },
    { NULL, false, NULL, NULL },
};

#define R_BAD_QUERY(what_) { 400, "Error", "invalid_fields: " what_ }

const api_route_t API_MM_ROUTES[] = {
    { HTTP_POST, "/api/queue", "Quick play: enter the queue (classic preset, paired by rating)", api_queue_enter, true,
      .op = "enterQueue", .tag = "matchmaking",
      .responses = { { 201, "QueueState", "Queued (or already paired: game_id)" }, { 200, "QueueState", "Queued already: the same entry" },
                     API_R_UNAUTHORIZED, { 409, "Error", "busy: you are playing a live game" }, API_R_INTERNAL, API_R_BUSY } },
    { HTTP_DELETE, "/api/queue", "Leave the quick-play queue", api_queue_leave, true, .op = "leaveQueue", .tag = "matchmaking",
      .responses = { { 204, NULL, "Not queued (any more)" }, API_R_UNAUTHORIZED } },
    { HTTP_GET, "/api/queue", "Am I queued, since when, with which window", api_queue_get, true, .op = "getQueue",
      .tag = "matchmaking", .responses = { { 200, "QueueState", "The caller's place in the queue" }, API_R_UNAUTHORIZED } },
    { HTTP_POST, "/api/games/{id}/rematch", "Ask for (or agree to) a rematch of a game that ended within 60 s", api_rematch, true,
      .op = "rematchGame", .tag = "games",
      .responses = { { 200, "RematchResult", "offered: the opponent is asked; started: both agreed, the new game's id" },
                     API_R_UNAUTHORIZED, { 403, "Error", "not_a_player: you did not play it; blocked" },
                     API_R_NOT_FOUND("no such game"),
                     { 409, "Error", "expired: the game is live, was interrupted, or ended over 60 s ago; busy: one of you is playing" },
                     API_R_INTERNAL, API_R_BUSY } },
    { HTTP_DELETE, "/api/games/{id}/rematch", "Withdraw my rematch offer or decline the opponent's", api_rematch_cancel, true,
      .op = "cancelRematch", .tag = "games",
      .responses = { { 204, NULL, "No offer stands any more; the other player is told if there was one" }, API_R_UNAUTHORIZED } },
    { HTTP_GET, "/api/games", "Live games: ?status=live", api_games_list, true, .op = "listGames", .tag = "games", .query = LIVE_QUERY,
      .responses = { { 200, "LiveGameList", "The games being played now, newest first" },
                     R_BAD_QUERY("fields.status (only \"live\") or fields.limit is \"invalid\""), API_R_UNAUTHORIZED,
                     API_R_INTERNAL, API_R_BUSY } },
    { HTTP_GET, "/api/users/{id}/matches", "A user's match history, newest first, paged", api_user_matches, true,
      .op = "listUserMatches", .tag = "users", .query = MATCHES_QUERY,
      .responses = { { 200, "MatchPage", "One page of the user's ended games and the total" },
                     R_BAD_QUERY("fields.page or fields.per_page is \"invalid\""), API_R_UNAUTHORIZED,
                     API_R_NOT_FOUND("no such user"), API_R_INTERNAL, API_R_BUSY } },
    { HTTP_GET, "/api/users", "Find users by part of their display name: ?search=", api_user_search, true, .op = "searchUsers",
      .tag = "users", .query = SEARCH_QUERY,
      .responses = { { 200, "UserSearch", "Live users whose display name contains it, names starting with it first" },
                     R_BAD_QUERY("fields.search is \"invalid\", \"too_short\" or \"too_long\"; fields.limit \"invalid\""),
                     API_R_UNAUTHORIZED, API_R_INTERNAL, API_R_BUSY } },
    { .method = HTTP_GET, .path = NULL },
};
