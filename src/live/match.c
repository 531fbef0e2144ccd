/* match — see match.h. */
#include "match.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "matchproto.h"
#include "pongd_limits.h"
#include "wsauth.h"
#include "wsmsg.h"

#define PEND_MAX (LIM_GAME_AHEAD_TICKS + 2) /* distinct ticks an input can be pending for */
#define SNAPSHOT_SLOT 1                     /* ws_send_latest: a newer snapshot replaces an unwritten one */
#define NAME_BYTES (4 * AUTH_DISPLAY_MAX + 1)
#define LOG_FIRST 256                       /* records of a new log; doubles up to LIM_GAME_LOG_INPUTS */

typedef struct mgame mgame_t;

/* A game socket's own record (ws_data). */
typedef struct {
    int64_t game_id;
    bool authed, refused;
    mgame_t *g;                      /* NULL until seated (or watching), and once detached */
    int seat;
    bool spectator;                  /* watching g, not a player */
    uint64_t frame_at[LIM_GAME_FRAMES_PER_S]; /* when its last frames arrived (a ring): the flood check */
    uint32_t frame_i;
    sessguard_node_t guard;
} mconn_t;

typedef struct {
    uint32_t at, stamp;              /* applied at tick `at`; the client stamped `stamp` */
    uint8_t key;
} pending_t;

typedef struct {
    int64_t uid;
    char name[NAME_BYTES];
    ws_conn_t *conn;
    int pauses;                      /* drops so far */
    uint8_t key;                     /* in force */
    uint32_t ack;                    /* the tick its last input was applied at */
    int16_t late;                    /* its last input: ticks late (>0) or early (<0) */
    bool late_sent;                  /* `late` went out in a snapshot */
    uint16_t rtt_ms;
    pending_t pend[PEND_MAX];        /* sorted by `at`, one per tick */
    uint32_t npend;
} seat_t;

struct mgame {
    int64_t id;
    int state;                       /* MATCHPROTO_WAITING.. */
    bool over;                       /* ended: freed at the next reap */
    game_t g;
    ticker_t tk;
    uint32_t countdown;              /* ticks left of a countdown */
    uint64_t deadline_us;            /* waiting or paused: when it ends */
    seat_t seat[2];
    game_options_t opt;
    int64_t started_ms;
    match_stats_t stats;
    int32_t rally;                   /* paddle hits since the serve */
    uint8_t *log;
    size_t log_n, log_cap, log_max;  /* records */
    ws_conn_t **spec;                /* spectators' sockets (LIM_GAME_SPECTATORS at most) */
    size_t nspec, capspec;
};

struct matches {
    match_deps_t d;
    uint64_t epoch_us;               /* every game's ticker runs on this grid */
    mgame_t **games;
    size_t n, cap;
    ticker_stats_t stats;
    buf_t text;                      /* text events are built here */
    bool in_timer;                   /* match_on_timer re-arms once at its end */
};

static uint64_t now_us(const matches_t *m) { return m->d.now_us ? m->d.now_us() : now_mono_us(); }

/* ---- sending ---- */

static void send_text(ws_conn_t *c, const buf_t *b) {
    if (c && b->len) ws_send_text(c, span_of(b->ptr, b->len));
}

static uint16_t ticks_until(uint64_t now, uint64_t at) {
    if (at <= now) return 0;
    uint64_t t = ((at - now) * GAME_STEPS_PER_SECOND + 999999u) / 1000000u;
    return t > UINT16_MAX ? UINT16_MAX : (uint16_t)t;
}

/* The snapshot of g to its seated sockets (only `only` if not NULL). */
static void send_snapshot(matches_t *m, mgame_t *g, ws_conn_t *only) {
    matchproto_snap_t h = { .state = (uint8_t)g->state, .key = { g->seat[0].key, g->seat[1].key }, .tick = g->g.tick,
                            .ack = { g->seat[0].ack, g->seat[1].ack } };
    if (g->state == MATCHPROTO_COUNTDOWN) h.left = (uint16_t)g->countdown;
    else if (g->state == MATCHPROTO_PAUSED || g->state == MATCHPROTO_WAITING) h.left = ticks_until(now_us(m), g->deadline_us);
    int32_t save[GAME_SAVE_LEN];
    game_save(&g->g, save);
    uint8_t frame[MATCHPROTO_SNAPSHOT_BYTES];
    matchproto_encode_snapshot(frame, &h, save);
    for (int s = 0; s < 2; s++) {
        ws_conn_t *c = g->seat[s].conn;
        if (!c || (only && c != only)) continue;
        matchproto_snapshot_set_late(frame, g->seat[s].late);
        g->seat[s].late_sent = true;
        wsmsg_t *msg = wsmsg_new(WSMSG_BINARY, frame, sizeof frame);
        ws_send_latest(c, msg, SNAPSHOT_SLOT);
        wsmsg_unref(msg);
    }
    /* spectators: every MATCHPROTO_SPECTATE_EVERY ticks while playing, every state change, in
     * full when one starts watching; one shared frame (late 0) */
    bool due = g->state != MATCHPROTO_PLAYING || g->g.tick % MATCHPROTO_SPECTATE_EVERY == 0;
    if (!g->nspec || (only && !((mconn_t *)ws_data(only))->spectator) || (!only && !due)) return;
    matchproto_snapshot_set_late(frame, 0);
    wsmsg_t *msg = wsmsg_new(WSMSG_BINARY, frame, sizeof frame);
    for (size_t i = 0; i < g->nspec; i++)
        if (!only || g->spec[i] == only) ws_send_latest(g->spec[i], msg, SNAPSHOT_SLOT);
    wsmsg_unref(msg);
}

/* The spectator count to every socket of g (players and spectators). */
static void send_spectators(matches_t *m, mgame_t *g) {
    if (matchproto_spectators_json(&m->text, (int)g->nspec) != 0) return;
    for (int s = 0; s < 2; s++) send_text(g->seat[s].conn, &m->text);
    for (size_t i = 0; i < g->nspec; i++) send_text(g->spec[i], &m->text);
}

static void send_joined(matches_t *m, mgame_t *g, int s) {
    matchproto_player_t p[2] = { { g->seat[0].uid, g->seat[0].name }, { g->seat[1].uid, g->seat[1].name } };
    if (matchproto_joined_json(&m->text, g->id, s, &g->opt, p, (int)g->nspec) == 0) send_text(g->seat[s].conn, &m->text);
}

/* ---- the timer ---- */

static uint64_t next_wake(const mgame_t *g) {
    switch (g->state) {
    case MATCHPROTO_WAITING:
    case MATCHPROTO_PAUSED: return g->deadline_us;
    case MATCHPROTO_COUNTDOWN:
    case MATCHPROTO_PLAYING: return ticker_next_us(&g->tk);
    default: return UINT64_MAX;
    }
}

static void rearm(matches_t *m) {
    if (!m->d.timer || m->in_timer) return;
    uint64_t at = UINT64_MAX;
    for (size_t i = 0; i < m->n; i++)
        if (!m->games[i]->over) {
            uint64_t w = next_wake(m->games[i]);
            if (w < at) at = w;
        }
    if (at == UINT64_MAX) net_timer_cancel(m->d.timer);
    else net_timer_at(m->d.timer, at ? at : 1);
}

/* ---- ending and freeing ---- */

static void log_put(uint8_t *p, uint32_t tick, int seat, int key) {
    p[0] = (uint8_t)tick, p[1] = (uint8_t)(tick >> 8), p[2] = (uint8_t)(tick >> 16), p[3] = (uint8_t)(tick >> 24);
    p[4] = (uint8_t)seat, p[5] = (uint8_t)key, p[6] = 0, p[7] = 0;
}

static const char *reason_name(int reason) {
    switch (reason) {
    case MATCH_END_SCORE: return "score";
    case MATCH_END_RESIGN: return "resign";
    case MATCH_END_FORFEIT: return "forfeit";
    case MATCH_END_VOID: return "void";
    default: return "interrupted";
    }
}

static void detach(mgame_t *g, int s) {
    ws_conn_t *c = g->seat[s].conn;
    if (!c) return;
    mconn_t *mc = ws_data(c);
    if (mc) mc->g = NULL;
    g->seat[s].conn = NULL;
}

/* Ends g: tells and closes its sockets, calls on_over. g is freed at the next reap(). */
static void end_game(matches_t *m, mgame_t *g, int reason, int winner) {
    if (g->over) return;
    g->over = true;
    g->state = MATCHPROTO_OVER;
    send_snapshot(m, g, NULL);
    if (matchproto_over_json(&m->text, reason_name(reason), winner, g->g.score) != 0) m->text.len = 0;
    for (int s = 0; s < 2; s++) {
        ws_conn_t *c = g->seat[s].conn;
        if (!c) continue;
        send_text(c, &m->text);
        ws_close(c, 1000, "game over");
        detach(g, s);
    }
    for (size_t i = 0; i < g->nspec; i++) {
        send_text(g->spec[i], &m->text);
        ws_close(g->spec[i], 1000, "game over");
        mconn_t *mc = ws_data(g->spec[i]);
        if (mc) mc->g = NULL;
    }
    g->nspec = 0;
    match_result_t r = {
        .game_id = g->id,
        .user = { g->seat[0].uid, g->seat[1].uid },
        .winner = winner,
        .reason = reason,
        .score = { g->g.score[0], g->g.score[1] },
        .started_ms = g->started_ms,
        .ended_ms = (int64_t)now_wall_ms(),
        .ticks = g->g.tick,
        .final_hash = game_hash(&g->g),
        .stats = g->stats,
        .opt = g->opt,
        .log = g->log ? g->log : (const uint8_t *)"",   /* never NULL, even empty */
        .log_len = g->log_n * MATCH_LOG_RECORD,
    };
    if (m->d.on_over) m->d.on_over(m->d.ctx, &r);
}

static void free_game(mgame_t *g) {
    for (int s = 0; s < 2; s++) detach(g, s);
    for (size_t i = 0; i < g->nspec; i++) {
        mconn_t *mc = ws_data(g->spec[i]);
        if (mc) mc->g = NULL;
    }
    free(g->spec);
    free(g->log);
    free(g);
}

/* Frees the games that ended (after their on_over returned) and re-arms the timer. */
static void reap(matches_t *m) {
    for (size_t i = 0; i < m->n;) {
        if (m->games[i]->over) {
            free_game(m->games[i]);
            m->games[i] = m->games[--m->n];
        } else {
            i++;
        }
    }
    rearm(m);
}

/* ---- the simulation ---- */

static void relay(mgame_t *g, int s, uint8_t key, uint32_t tick) {
    ws_conn_t *c = g->seat[1 - s].conn;
    if (!c) return;
    uint8_t b[MATCHPROTO_RELAY_BYTES];
    matchproto_encode_input(b, MATCHPROTO_RELAY, (uint8_t)s, key, tick);
    ws_send_binary(c, b, sizeof b);
}

/* Seat s's key is `key` from the current tick on: logged and relayed if it changes. false:
 * the log is full (the game is then void). */
static bool apply_key(mgame_t *g, int s, uint8_t key) {
    seat_t *st = &g->seat[s];
    uint32_t t = g->g.tick;
    st->ack = t;
    if (key == st->key) return true;
    if (g->log_n == g->log_max) return false;
    if (g->log_n == g->log_cap) {
        size_t cap = g->log_cap ? g->log_cap * 2 : LOG_FIRST;
        if (cap > g->log_max) cap = g->log_max;
        g->log = xrealloc(g->log, cap * MATCH_LOG_RECORD);
        g->log_cap = cap;
    }
    log_put(g->log + g->log_n++ * MATCH_LOG_RECORD, t, s, key);
    st->key = key;
    relay(g, s, key, t);
    return true;
}

/* Applies seat s's inputs due at the current tick. false: the log is full. */
static bool apply_inputs(mgame_t *g, int s) {
    seat_t *st = &g->seat[s];
    uint32_t used = 0;
    while (used < st->npend && st->pend[used].at <= g->g.tick)
        if (!apply_key(g, s, st->pend[used++].key)) return false;
    if (used) {
        memmove(st->pend, st->pend + used, (st->npend - used) * sizeof st->pend[0]);
        st->npend -= used;
    }
    return true;
}

static void count_events(mgame_t *g, uint32_t ev) {
    match_stats_t *x = &g->stats;
    if (ev & GAME_EV_SERVE) g->rally = 0;
    if (ev & GAME_EV_HIT_LEFT) x->hits[0]++, g->rally++;
    if (ev & GAME_EV_HIT_RIGHT) x->hits[1]++, g->rally++;
    if (ev & (GAME_EV_SCORE_LEFT | GAME_EV_SCORE_RIGHT)) {
        x->rallies++;
        if (g->rally > x->longest_rally) x->longest_rally = g->rally;
        g->rally = 0;
    }
    if ((ev & GAME_EV_POWERUP_TAKEN) && (g->g.last_powerup_player == 0 || g->g.last_powerup_player == 1))
        x->powerups[g->g.last_powerup_player]++;
}

/* Runs g's due steps at now. */
static void run_game(matches_t *m, mgame_t *g, uint64_t now) {
    if (g->state == MATCHPROTO_WAITING || g->state == MATCHPROTO_PAUSED) {
        if (now < g->deadline_us) return;
        bool here[2] = { g->seat[0].conn != NULL, g->seat[1].conn != NULL };
        if (here[0] != here[1]) end_game(m, g, MATCH_END_FORFEIT, here[0] ? 0 : 1);
        else end_game(m, g, MATCH_END_VOID, -1);
        return;
    }
    if (g->state != MATCHPROTO_COUNTDOWN && g->state != MATCHPROTO_PLAYING) return;
    uint32_t n = ticker_due(&g->tk, now);
    bool snap = false;
    for (uint32_t i = 0; i < n && !g->over; i++) {
        if (g->state == MATCHPROTO_COUNTDOWN) {
            if (--g->countdown == 0) {
                g->state = MATCHPROTO_PLAYING;
                snap = true;
            }
            continue;
        }
        if (!apply_inputs(g, 0) || !apply_inputs(g, 1)) {
            end_game(m, g, MATCH_END_VOID, -1);
            return;
        }
        if (g->g.status == GAME_PLAYING && g->g.ball_speed > g->stats.top_speed) g->stats.top_speed = g->g.ball_speed;
        uint32_t ev = game_step(&g->g, (game_key_t)g->seat[0].key, (game_key_t)g->seat[1].key);
        count_events(g, ev);
        if (g->g.tick % MATCHPROTO_SNAPSHOT_EVERY == 0) snap = true;
        if (g->g.status == GAME_OVER) {
            end_game(m, g, MATCH_END_SCORE, g->g.winner);
            return;
        }
    }
    if (snap) send_snapshot(m, g, NULL);
}

void match_on_timer(void *arg) {
    matches_t *m = arg;
    uint64_t now = now_us(m);
    m->in_timer = true;
    for (size_t i = 0; i < m->n; i++)
        if (!m->games[i]->over) run_game(m, m->games[i], now);
    m->in_timer = false;
    reap(m);
}

/* ---- state changes ---- */

static void start_countdown(mgame_t *g, uint64_t now) {
    g->state = MATCHPROTO_COUNTDOWN;
    g->countdown = MATCHPROTO_COUNTDOWN_TICKS;
    ticker_resume(&g->tk, now);
}

/* Seat s's socket is gone (closed, or refused): its pending inputs go; while the game is on,
 * it lets go of its key, and the game pauses (or ends: both gone, or no pause left). */
static void dropped(matches_t *m, mgame_t *g, int s, uint64_t now) {
    g->seat[s].npend = 0;
    if (g->state == MATCHPROTO_WAITING || g->over) return;
    if (!g->seat[1 - s].conn) {
        end_game(m, g, MATCH_END_VOID, -1);
        return;
    }
    if (!apply_key(g, s, GAME_KEY_NONE)) {
        end_game(m, g, MATCH_END_VOID, -1);
        return;
    }
    if (++g->seat[s].pauses > LIM_GAME_PAUSES) {
        end_game(m, g, MATCH_END_FORFEIT, 1 - s);
        return;
    }
    g->deadline_us = now + (uint64_t)m->d.resume_seconds * 1000000u;
    g->state = MATCHPROTO_PAUSED;
    ticker_pause(&g->tk);
    int64_t by = (int64_t)now_wall_ms() + (int64_t)((g->deadline_us - now) / 1000u);
    if (matchproto_paused_json(&m->text, s, "disconnected", by) == 0) send_text(g->seat[1 - s].conn, &m->text);
    send_snapshot(m, g, NULL);
}

/* c (authenticated as user) takes its seat in g. */
static void seat_conn(matches_t *m, mgame_t *g, int s, ws_conn_t *c, mconn_t *mc) {
    ws_conn_t *old = g->seat[s].conn;
    if (old) {
        detach(g, s);
        ws_close(old, MATCHPROTO_CLOSE_REPLACED, matchproto_close_reason(MATCHPROTO_CLOSE_REPLACED));
    }
    g->seat[s].conn = c;
    mc->g = g;
    mc->seat = s;
    send_joined(m, g, s);
    uint64_t now = now_us(m);
    bool both = g->seat[0].conn && g->seat[1].conn;
    if (both && g->state == MATCHPROTO_WAITING) {
        start_countdown(g, now);
        send_snapshot(m, g, NULL);
    } else if (both && g->state == MATCHPROTO_PAUSED) {
        /* both in the same order: "resumed", then one snapshot (the whole state) of the countdown */
        start_countdown(g, now);
        if (matchproto_resumed_json(&m->text, MATCHPROTO_COUNTDOWN_TICKS) == 0)
            for (int i = 0; i < 2; i++) send_text(g->seat[i].conn, &m->text);
        send_snapshot(m, g, NULL);
    } else {
        send_snapshot(m, g, c);
    }
    rearm(m);
}

/* ---- public ---- */

matches_t *match_create(const match_deps_t *d) {
    matches_t *m = xcalloc(1, sizeof *m);
    m->d = *d;
    if (m->d.resume_seconds <= 0) m->d.resume_seconds = LIM_GAME_RESUME_DEFAULT_S;
    m->epoch_us = now_us(m);
    buf_init(&m->text, 4096);
    return m;
}

void match_set_timer(matches_t *m, net_timer_t *t) {
    m->d.timer = t;
    rearm(m);
}

void match_destroy(matches_t *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) free_game(m->games[i]);
    free(m->games);
    buf_free(&m->text);
    free(m);
}

static mgame_t *find(const matches_t *m, int64_t game_id) {
    for (size_t i = 0; i < m->n; i++)
        if (m->games[i]->id == game_id && !m->games[i]->over) return m->games[i];
    return NULL;
}

bool match_user_busy(const matches_t *m, int64_t uid) {
    for (size_t i = 0; i < m->n; i++) {
        const mgame_t *g = m->games[i];
        if (!g->over && (g->seat[0].uid == uid || g->seat[1].uid == uid)) return true;
    }
    return false;
}

int64_t match_user_game(const matches_t *m, int64_t uid) {
    for (size_t i = 0; i < m->n; i++) {
        const mgame_t *g = m->games[i];
        if (!g->over && (g->seat[0].uid == uid || g->seat[1].uid == uid)) return g->id;
    }
    return 0;
}

int match_open(matches_t *m, int64_t game_id, const int64_t user[2], const char *const names[2], const game_options_t *opt) {
    if (user[0] == user[1] || game_options_validate(opt) != GAME_OPT_OK || find(m, game_id)) return ERR_INVALID;
    if (match_user_busy(m, user[0]) || match_user_busy(m, user[1])) return MATCH_E_BUSY;
    mgame_t *g = xcalloc(1, sizeof *g);
    g->id = game_id;
    g->opt = *opt;
    g->log_max = m->d.log_max ? m->d.log_max : LIM_GAME_LOG_INPUTS;
    game_init(&g->g, opt);
    for (int s = 0; s < 2; s++) {
        g->seat[s].uid = user[s];
        const char *nm = names && names[s] ? names[s] : "";
        size_t n = strlen(nm);
        if (n >= NAME_BYTES) n = NAME_BYTES - 1;
        memcpy(g->seat[s].name, nm, n);
    }
    g->state = MATCHPROTO_WAITING;
    uint64_t now = now_us(m);
    g->deadline_us = now + (uint64_t)m->d.resume_seconds * 1000000u;
    ticker_init_grid(&g->tk, m->epoch_us, now, &m->stats);
    ticker_pause(&g->tk);
    g->started_ms = (int64_t)now_wall_ms();
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->games = xrealloc(m->games, m->cap * sizeof *m->games);
    }
    m->games[m->n++] = g;
    rearm(m);
    if (m->d.on_open) m->d.on_open(m->d.ctx, game_id, user);
    return 0;
}

int match_resign(matches_t *m, int64_t game_id, int64_t uid) {
    mgame_t *g = find(m, game_id);
    if (!g) return MATCH_E_OVER;
    int s = g->seat[0].uid == uid ? 0 : g->seat[1].uid == uid ? 1 : -1;
    if (s < 0) return MATCH_E_NOT_PLAYER;
    end_game(m, g, MATCH_END_RESIGN, 1 - s);
    reap(m);
    return 0;
}

bool match_info(const matches_t *m, int64_t game_id, match_info_t *out) {
    const mgame_t *g = find(m, game_id);
    if (!g) return false;
    *out = (match_info_t){ .state = g->state,
                           .score = { g->g.score[0], g->g.score[1] },
                           .tick = g->g.tick,
                           .user = { g->seat[0].uid, g->seat[1].uid },
                           .connected = { g->seat[0].conn != NULL, g->seat[1].conn != NULL },
                           .opt = g->opt,
                           .started_ms = g->started_ms,
                           .spectators = (int)g->nspec };
    return true;
}

void match_stop_all(matches_t *m) {
    for (size_t i = 0; i < m->n; i++) end_game(m, m->games[i], MATCH_END_INTERRUPTED, -1);
    reap(m);
}

size_t match_count(const matches_t *m) {
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++) n += !m->games[i]->over;
    return n;
}

const ticker_stats_t *match_tick_stats(const matches_t *m) { return &m->stats; }

void match_on_open(matches_t *m, ws_conn_t *c, int64_t game_id) {
    (void)m;
    mconn_t *mc = xcalloc(1, sizeof *mc);
    mc->game_id = game_id;
    mc->seat = -1;
    ws_set_data(c, mc);
    ws_set_realtime(c, true);
    wsauth_arm(c);
}

/* Closes c with code; a seated socket leaves its seat at once (a drop). */
static void unwatch(matches_t *m, mconn_t *mc, ws_conn_t *c);

static void refuse(matches_t *m, mconn_t *mc, ws_conn_t *c, int code) {
    mc->refused = true;
    ws_close(c, code, mc->spectator && code == MATCHPROTO_CLOSE_REPLACED ? MATCHPROTO_SPECTATOR_REASON : matchproto_close_reason(code));
    if (mc->spectator) return unwatch(m, mc, c);
    mgame_t *g = mc->g;
    if (g && g->seat[mc->seat].conn == c) {
        g->seat[mc->seat].conn = NULL;
        mc->g = NULL;
        dropped(m, g, mc->seat, now_us(m));
        reap(m);
    }
}

/* c (authenticated, not a player of g) watches g: "watching", a full snapshot, and the new
 * count to everyone. */
static void watch(matches_t *m, mgame_t *g, ws_conn_t *c, mconn_t *mc) {
    if (g->nspec >= LIM_GAME_SPECTATORS) return refuse(m, mc, c, MATCHPROTO_CLOSE_NOT_PLAYER);
    if (g->nspec == g->capspec) {
        g->capspec = g->capspec ? g->capspec * 2 : 4;
        g->spec = xrealloc(g->spec, g->capspec * sizeof *g->spec);
    }
    g->spec[g->nspec++] = c;
    mc->g = g;
    mc->spectator = true;
    matchproto_player_t p[2] = { { g->seat[0].uid, g->seat[0].name }, { g->seat[1].uid, g->seat[1].name } };
    if (matchproto_joined_json(&m->text, g->id, -1, &g->opt, p, (int)g->nspec) == 0) send_text(c, &m->text);
    send_snapshot(m, g, c);
    send_spectators(m, g);
}

/* A spectator's socket leaves its game (closed or refused); the others get the new count. */
static void unwatch(matches_t *m, mconn_t *mc, ws_conn_t *c) {
    mgame_t *g = mc->g;
    mc->g = NULL;
    if (!g) return;
    for (size_t i = 0; i < g->nspec; i++)
        if (g->spec[i] == c) {
            g->spec[i] = g->spec[--g->nspec];
            if (!g->over) send_spectators(m, g);
            return;
        }
}

static void authenticate(matches_t *m, ws_conn_t *c, mconn_t *mc, span_t data) {
    wsauth_user_t user;
    if (!wsauth_frame(m->d.secret, c, data, "log in first", &user) || !sessguard_watch(m->d.guard, &mc->guard, c, &user)) {
        mc->refused = true;
        return;
    }
    mc->authed = true;
    mgame_t *g = find(m, mc->game_id);
    if (!g) return refuse(m, mc, c, MATCHPROTO_CLOSE_NO_GAME);
    int s = g->seat[0].uid == user.id ? 0 : g->seat[1].uid == user.id ? 1 : -1;
    if (s < 0) return watch(m, g, c, mc);
    seat_conn(m, g, s, c, mc);
}

/* true if this frame is one too many in the last second. */
static bool flooding(mconn_t *mc, uint64_t now) {
    uint64_t *slot = &mc->frame_at[mc->frame_i];
    bool flood = *slot && now - *slot < 1000000u;
    *slot = now ? now : 1;
    mc->frame_i = (mc->frame_i + 1) % LIM_GAME_FRAMES_PER_S;
    return flood;
}

static void on_input(mgame_t *g, mconn_t *mc, const matchproto_frame_t *f) {
    seat_t *st = &g->seat[mc->seat];
    uint32_t now_tick = g->g.tick;
    int64_t late = (int64_t)now_tick - (int64_t)f->tick;
    if (late > INT16_MAX) late = INT16_MAX;
    /* of several inputs between two snapshots, a late one is reported rather than an early one after it */
    if (st->late_sent || late > 0 || st->late <= 0) st->late = (int16_t)late;
    st->late_sent = false;
    uint32_t at = f->tick > now_tick ? f->tick : now_tick;
    uint32_t i = 0;
    while (i < st->npend && st->pend[i].at < at) i++;
    if (i < st->npend && st->pend[i].at == at) {
        st->pend[i].key = f->key;            /* the same tick: the last one wins */
        st->pend[i].stamp = f->tick;
        return;
    }
    /* distinct ticks pending lie in [now_tick, now_tick + LIM_GAME_AHEAD_TICKS]: it fits */
    memmove(st->pend + i + 1, st->pend + i, (st->npend - i) * sizeof st->pend[0]);
    st->pend[i] = (pending_t){ .at = at, .stamp = f->tick, .key = f->key };
    st->npend++;
}

void match_on_message(matches_t *m, ws_conn_t *c, span_t data, bool binary) {
    mconn_t *mc = ws_data(c);
    if (!mc || mc->refused) return;
    if (!mc->authed) {
        authenticate(m, c, mc, data);
        return;
    }
    mgame_t *g = mc->g;
    if (!g) return;                          /* replaced, or the game is over */
    int code = 0;
    matchproto_frame_t f;
    if (flooding(mc, now_us(m))) code = MATCHPROTO_CLOSE_FLOOD;
    else if (!binary) code = data.len > LIM_GAME_FRAME_BYTES ? MATCHPROTO_CLOSE_TOO_LARGE : MATCHPROTO_CLOSE_MALFORMED;
    else if ((code = matchproto_parse(data.ptr, data.len, &f)) == 0 && f.type == MATCHPROTO_INPUT)
        code = mc->spectator ? MATCHPROTO_CLOSE_REPLACED : matchproto_check_input(&f, mc->seat, g->g.tick);
    if (code) return refuse(m, mc, c, code);
    if (mc->spectator) {   /* a PING: the clock only */
        uint8_t b[MATCHPROTO_PONG_BYTES];
        matchproto_encode_pong(b, 0, f.id, g->g.tick);
        ws_send_binary(c, b, sizeof b);
        return;
    }
    if (f.type == MATCHPROTO_PING) {
        g->seat[mc->seat].rtt_ms = f.rtt_ms;
        uint8_t b[MATCHPROTO_PONG_BYTES];
        matchproto_encode_pong(b, g->seat[1 - mc->seat].rtt_ms, f.id, g->g.tick);
        ws_send_binary(c, b, sizeof b);
        return;
    }
    on_input(g, mc, &f);
}

void match_on_close(matches_t *m, ws_conn_t *c) {
    mconn_t *mc = ws_data(c);
    ws_set_data(c, NULL);
    if (!mc) return;
    sessguard_forget(&mc->guard);
    mgame_t *g = mc->g;
    if (mc->spectator) unwatch(m, mc, c);
    else if (g && g->seat[mc->seat].conn == c) {
        g->seat[mc->seat].conn = NULL;
        dropped(m, g, mc->seat, now_us(m));
        reap(m);
    }
    free(mc);
}
