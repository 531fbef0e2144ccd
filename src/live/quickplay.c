/* quickplay — see quickplay.h. */
#include "quickplay.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "account.h"
#include "log.h"
#include "matchrec.h"
#include "pongd_limits.h"
#include "social.h"

struct quickplay {
    quickplay_deps_t d;
    queue_t *queue;
    net_timer_t *timer;
    int64_t pairing[LIM_QUEUE_PAIRINGS][2];   /* users of the pairs being made into games (0: free slot) */
    int npairing;
    bool stopped;
};

/* A pair on its way to a game, through the database pool. */
typedef struct {
    quickplay_t *q;
    int slot;
    queue_entry_t e[2];          /* e[0] is seated left */
    matchrec_t game;
    account_t acc[2];
    bool voiding;                /* the second trip: the live game could not open, the row becomes void */
    db_rows_t *blocks[2];        /* each user's block ids, for putting them back in the queue */
    int rc;
} pjob_t;

static uint64_t now_ms(const quickplay_t *q) { return q->d.now_ms ? q->d.now_ms() : now_mono_us() / 1000u; }

quickplay_t *quickplay_create(const quickplay_deps_t *d) {
    quickplay_t *q = xcalloc(1, sizeof *q);
    q->d = *d;
    if (q->d.winning_score < 1 || q->d.winning_score > GAME_WINNING_SCORE_MAX) q->d.winning_score = 5;
    q->queue = queue_create(LIM_QUEUE_ENTRIES);
    return q;
}

void quickplay_set_timer(quickplay_t *q, net_timer_t *t) { q->timer = t; }
void quickplay_stop(quickplay_t *q) { q->stopped = true; }

void quickplay_destroy(quickplay_t *q) {
    if (!q) return;
    queue_destroy(q->queue);
    free(q);
}

static bool pairing(const quickplay_t *q, int64_t uid) {
    for (int i = 0; i < LIM_QUEUE_PAIRINGS; i++)
        if (q->pairing[i][0] == uid || q->pairing[i][1] == uid) return uid != 0;
    return false;
}

const queue_entry_t *quickplay_entry(const quickplay_t *q, int64_t uid) { return queue_find(q->queue, uid); }
int32_t quickplay_window(const quickplay_t *q, const queue_entry_t *e) { return queue_window(e->since, now_ms(q)); }
size_t quickplay_size(const quickplay_t *q) { return queue_size(q->queue); }
bool quickplay_leave(quickplay_t *q, int64_t uid) { return queue_remove(q->queue, uid); }

/* ---- a pair becomes a game ---- */

static int create_db(db_t *db, void *arg) {
    pjob_t *j = arg;
    if (j->voiding) {
        j->game.status = MATCHREC_VOID;
        j->game.ended_how = MATCHREC_END_VOID;
        j->game.winner = -1;
        j->game.ended_at = (int64_t)now_wall_ms();
        return matchrec_finish(db, &j->game);
    }
    social_relation_t rel;
    int rc = social_relation(db, j->e[0].uid, j->e[1].uid, &rel);
    for (int s = 0; s < 2 && rc == 0; s++) rc = social_block_ids(db, j->e[s].uid, &j->blocks[s]);
    if (rc != 0) return rc;
    if (rel == REL_BLOCKED || rel == REL_BLOCKED_BY) return SOCIAL_E_BLOCKED;   /* a block since they entered */
    if ((rc = matchrec_create(db, &j->game, (int64_t)now_wall_ms())) != 0) return rc;
    for (int s = 0; s < 2 && rc == 0; s++) rc = account_get(db, j->e[s].uid, &j->acc[s]);
    return rc;
}

static void create_work(void *arg, void *worker) {
    pjob_t *j = arg;
    j->rc = dbpool_run(worker, create_db, j);
}

/* e waits on in its place (its `since`), with the block ids read by the job. */
static void put_back(quickplay_t *q, const queue_entry_t *e, const db_rows_t *blocks) {
    if (match_user_busy(q->d.matches, e->uid)) return;
    size_t n = (size_t)db_rows_count(blocks);
    if (n > LIM_QUEUE_BLOCKS) n = LIM_QUEUE_BLOCKS;
    int64_t *ids = n ? xmalloc(n * sizeof *ids) : NULL;
    for (size_t i = 0; i < n; i++) ids[i] = db_rows_int(blocks, (int)i, 0);
    queue_add(q->queue, e, ids, n);
    free(ids);
}

static void push_found(quickplay_t *q, const pjob_t *j, int s) {
    const account_t *o = &j->acc[1 - s];
    char url[64];
    snprintf(url, sizeof url, "/api/users/%" PRId64 "/avatar?v=%" PRId64, o->id, o->avatar_version);
    json_t *msg = json_pack("{s:s, s:I, s:{s:I, s:s, s:s, s:s, s:i}}", "type", "match_found", "game_id", (json_int_t)j->game.id,
                            "opponent", "id", (json_int_t)o->id, "username", o->username, "display_name", o->display_name,
                            "avatar_url", url, "rating", (int)j->e[1 - s].rating);
    char *text = msg ? json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text) presence_push(q->d.presence, j->e[s].uid, span_cstr(text));
    free(text);
    json_decref(msg);
}

static void release(quickplay_t *q, pjob_t *j) {
    q->pairing[j->slot][0] = q->pairing[j->slot][1] = 0;
    q->npairing--;
    db_rows_free(j->blocks[0]);
    db_rows_free(j->blocks[1]);
    free(j);
}

static void pair_now(quickplay_t *q);

static void create_done(void *arg, int status) {
    pjob_t *j = arg;
    quickplay_t *q = j->q;
    if (status != 0 || q->stopped) {   /* shutting down */
        release(q, j);
        return;
    }
    if (j->voiding) {
        if (j->rc != 0) log_msg("warn", "quick-play game %" PRId64 " not marked void: %s", j->game.id, err_name(j->rc));
        release(q, j);
        return;
    }
    if (j->rc == SOCIAL_E_BLOCKED) {   /* both wait on, never again together */
        for (int s = 0; s < 2; s++) put_back(q, &j->e[s], j->blocks[s]);
        queue_block(q->queue, j->e[0].uid, j->e[1].uid);
        release(q, j);
        pair_now(q);
        return;
    }
    if (j->rc != 0) {
        log_msg("warn", "quick play: no game for users %" PRId64 " and %" PRId64 ": %s", j->e[0].uid, j->e[1].uid, err_name(j->rc));
        release(q, j);
        return;
    }
    game_options_t opt = { j->game.ball_speed, j->game.paddle_size, j->game.winning_score, j->game.map, j->game.powerups, j->game.seed };
    const int64_t users[2] = { j->e[0].uid, j->e[1].uid };
    const char *const names[2] = { j->acc[0].display_name, j->acc[1].display_name };
    if (match_open(q->d.matches, j->game.id, users, names, &opt) != 0) {
        /* one of them started another game meanwhile: the other waits on, this game never happens */
        for (int s = 0; s < 2; s++) put_back(q, &j->e[s], j->blocks[s]);
        j->voiding = true;
        if (pool_submit(dbpool_pool(q->d.db), create_work, create_done, j) != 0) release(q, j);
        return;
    }
    for (int s = 0; s < 2; s++) push_found(q, j, s);
    release(q, j);
}

static uint32_t random_seed(void) {
    uint32_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) s = (uint32_t)now_mono_us() ^ (uint32_t)now_wall_ms();
    return s;
}

/* Starts making a game of a and b. */
static void make_game(quickplay_t *q, const queue_entry_t *a, const queue_entry_t *b) {
    int slot = 0;
    while (q->pairing[slot][0]) slot++;
    pjob_t *j = xcalloc(1, sizeof *j);
    j->q = q;
    j->slot = slot;
    bool a_left = a->rating >= b->rating;
    j->e[0] = a_left ? *a : *b;
    j->e[1] = a_left ? *b : *a;
    game_options_t opt = game_options_classic(random_seed());
    opt.winning_score = q->d.winning_score;
    matchrec_t *g = &j->game;
    g->user[0] = j->e[0].uid;
    g->user[1] = j->e[1].uid;
    g->mode = MATCHREC_MODE_QUICK;
    g->ball_speed = opt.ball_speed;
    g->paddle_size = opt.paddle_size;
    g->winning_score = opt.winning_score;
    g->map = opt.map;
    g->powerups = opt.powerups;
    g->seed = opt.seed;
    q->pairing[slot][0] = a->uid;
    q->pairing[slot][1] = b->uid;
    q->npairing++;
    if (pool_submit(dbpool_pool(q->d.db), create_work, create_done, j) != 0) {
        /* they leave the queue (their blocks are not at hand): the page shows quick play again */
        log_msg("warn", "quick play: the database queue is full; users %" PRId64 " and %" PRId64 " leave the queue", a->uid, b->uid);
        release(q, j);
    }
}

static void arm(quickplay_t *q) {
    if (!q->timer) return;
    if (queue_size(q->queue) >= 2) net_timer_at(q->timer, now_mono_us() + QUICKPLAY_TICK_MS * 1000u);
    else net_timer_cancel(q->timer);
}

static void pair_now(quickplay_t *q) {
    queue_entry_t a, b;
    uint64_t now = now_ms(q);
    while (!q->stopped && q->npairing < LIM_QUEUE_PAIRINGS && queue_pair(q->queue, now, &a, &b)) make_game(q, &a, &b);
    arm(q);
}

void quickplay_on_timer(void *arg) { pair_now(arg); }

int quickplay_enter(quickplay_t *q, int64_t uid, int32_t rating, const int64_t *blocks, size_t n) {
    if (queue_find(q->queue, uid)) return MATCH_E_QUEUED;
    if (match_user_busy(q->d.matches, uid) || pairing(q, uid)) return MATCH_E_BUSY;
    queue_entry_t e = { uid, rating, now_ms(q), (int64_t)now_wall_ms() };
    int rc = queue_add(q->queue, &e, blocks, n);
    if (rc == 0) pair_now(q);
    return rc;
}
