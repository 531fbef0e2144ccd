/* presence — see presence.h. */
#include "presence.h"
#include "auth.h"
#include "log.h"
#include "profile.h"
#include "social.h"
#include "dbpool.h"
#include "wsauth.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct presence {
    dbpool_t *db;
    const uint8_t *secret;
    bus_t *bus;
    presence_tab_hooks_t hooks;
    room_reg_t *users;     /* room "u<id>": the user's authenticated tabs */
    matches_t *matches;    /* in_game; may be NULL */
    sessguard_t *guard;    /* may be NULL */
    void (*offline)(void *ctx, int64_t uid);
    void *offline_ctx;
    bool stopped;       /* shutting down: the database pool may be gone */
};

typedef struct {
    presence_t *p;
    ws_conn_t *c;
    int64_t uid;
    bool authed;
    room_member_t member;   /* in the user's room "u<id>" once authenticated */
    bus_sub_t user;         /* subscribed to "user:<id>" once authenticated */
    sessguard_node_t guard;
    void *tab;              /* the hooks' state */
} pconn_t;

/* A change to announce to the user's friends, run through the database pool. */
typedef struct {
    presence_t *p;
    int64_t uid;
    bool online;
    int64_t at;
    bool game_change;   /* a game started or ended: last_seen_at stays as it is */
    int rc;
    db_rows_t *friends;
} pjob_t;

static void room_of(int64_t uid, char *out, size_t cap) { snprintf(out, cap, "u%" PRId64, uid); }

presence_t *presence_create(dbpool_t *db, const uint8_t *secret, bus_t *bus) {
    presence_t *p = xcalloc(1, sizeof *p);
    p->db = db;
    p->secret = secret;
    p->bus = bus;
    p->users = room_reg_create();
    return p;
}

void presence_destroy(presence_t *p) {
    if (!p) return;
    room_reg_destroy(p->users);
    free(p);
}

bool presence_online(const presence_t *p, int64_t user_id) {
    char name[32];
    room_of(user_id, name, sizeof name);
    return room_find(p->users, span_cstr(name)) != NULL;
}

void presence_set_tab_hooks(presence_t *p, const presence_tab_hooks_t *hooks) { p->hooks = *hooks; }

void presence_set_matches(presence_t *p, matches_t *m) { p->matches = m; }

void presence_set_guard(presence_t *p, sessguard_t *g) { p->guard = g; }

int64_t presence_in_game(const presence_t *p, int64_t user_id) { return p->matches ? match_user_game(p->matches, user_id) : 0; }

void presence_set_offline_hook(presence_t *p, void (*fn)(void *ctx, int64_t user_id), void *ctx) {
    p->offline = fn;
    p->offline_ctx = ctx;
}

void *presence_tab(const ws_conn_t *c) {
    const pconn_t *pc = ws_data(c);
    return pc && pc->authed ? pc->tab : NULL;
}

void presence_push(presence_t *p, int64_t user_id, span_t json) {
    char topic[BUS_TOPIC_MAX + 1];
    bus_publish(p->bus, &(bus_msg_t){ bus_user_topic(topic, user_id), "push", 0, json });
}

/* A message of the tab's "user:<id>": the hooks first, else sent as is. */
static void on_user_msg(void *owner, const bus_msg_t *m) {
    pconn_t *pc = owner;
    presence_t *p = pc->p;
    if (pc->tab && p->hooks.deliver && p->hooks.deliver(p->hooks.ctx, pc->tab, m)) return;
    wsmsg_t *f = bus_frame(p->bus, m);
    if (f) ws_send(pc->c, f);
    else ws_send_text(pc->c, m->payload);
}

static int pjob_db(db_t *db, void *arg) {
    pjob_t *j = arg;
    int rc = j->online || j->game_change ? 0 : profile_touch_seen(db, j->uid, j->at);
    return rc ? rc : social_friend_ids(db, j->uid, &j->friends);
}

static void pjob_work(void *arg, void *worker) {
    pjob_t *j = arg;
    j->rc = dbpool_run(worker, pjob_db, j);
}

static void pjob_done(void *arg, int status) {
    pjob_t *j = arg;
    /* jobs finish in any order on several threads: announce only what is still true (a
     * tab that closed and reopened at once must not end up "offline" for its friends) */
    bool still_true = j->online == presence_online(j->p, j->uid);
    if (status == 0 && j->rc == 0 && still_true) {
        char msg[192], game[24] = "null";
        int64_t in_game = presence_in_game(j->p, j->uid);
        if (in_game) snprintf(game, sizeof game, "%" PRId64, in_game);
        int n = j->online ? snprintf(msg, sizeof msg, "{\"type\":\"presence\",\"user_id\":%" PRId64 ",\"online\":true,\"in_game\":%s}", j->uid, game)
                          : snprintf(msg, sizeof msg, "{\"type\":\"presence\",\"user_id\":%" PRId64 ",\"online\":false,\"last_seen_at\":%" PRId64 ",\"in_game\":%s}",
                                     j->uid, j->at, game);
        for (int i = 0; i < db_rows_count(j->friends); i++) presence_push(j->p, db_rows_int(j->friends, i, 0), span_of(msg, (size_t)n));
    } else if (status == 0 && j->rc != 0) {
        log_msg("warn", "presence of user %" PRId64 " not announced: database error %s", j->uid, err_name(j->rc));
    }
    db_rows_free(j->friends);
    free(j);
}

void presence_stop(presence_t *p) { p->stopped = true; }

static void announce_change(presence_t *p, int64_t uid, bool online, bool game_change) {
    if (p->stopped) return;
    pjob_t *j = xcalloc(1, sizeof *j);
    j->p = p;
    j->uid = uid;
    j->online = online;
    j->at = (int64_t)now_wall_ms();
    j->game_change = game_change;
    if (pool_submit(dbpool_pool(p->db), pjob_work, pjob_done, j) != 0) {
        log_msg("warn", "presence of user %" PRId64 " not announced: database queue full", uid);
        free(j);
    }
}

static void announce(presence_t *p, int64_t uid, bool online) { announce_change(p, uid, online, false); }

void presence_game_changed(presence_t *p, int64_t user_id) { announce_change(p, user_id, presence_online(p, user_id), true); }

void presence_on_open(presence_t *p, ws_conn_t *c) {
    pconn_t *pc = xcalloc(1, sizeof *pc);
    pc->p = p;
    pc->c = c;
    ws_set_data(c, pc);
    wsauth_arm(c);
}

static void authenticate(presence_t *p, ws_conn_t *c, pconn_t *pc, span_t data) {
    wsauth_user_t user;
    if (!wsauth_frame(p->secret, c, data, "unauthorized", &user)) return;
    if (!sessguard_watch(p->guard, &pc->guard, c, &user)) return;
    int64_t uid = user.id;
    const char *name = user.display_name;
    pc->uid = uid;
    pc->authed = true;
    char room[32];
    room_of(uid, room, sizeof room);
    room_join(p->users, span_cstr(room), &pc->member, c);
    json_t *hello = json_pack("{s:s, s:{s:I, s:s}}", "type", "hello", "user", "id", (json_int_t)uid, "display_name", name);
    char *s = json_dumps(hello, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(hello);
    if (s) ws_send_text(c, span_cstr(s));
    free(s);
    char topic[BUS_TOPIC_MAX + 1];
    bus_subscribe(p->bus, bus_user_topic(topic, uid), &pc->user, on_user_msg, pc);
    if (p->hooks.open) pc->tab = p->hooks.open(p->hooks.ctx, c, &user);
    if (room_size(pc->member.room) == 1) announce(p, uid, true);   /* first tab */
}

void presence_on_message(presence_t *p, ws_conn_t *c, span_t data) {
    pconn_t *pc = ws_data(c);
    if (!pc) return;
    if (!pc->authed) {
        authenticate(p, c, pc, data);
        return;
    }
    json_error_t e;
    json_t *o = json_loadb(data.ptr, data.len, JSON_REJECT_DUPLICATES, &e);
    const char *type = json_string_value(json_object_get(o, "type"));
    if (type && strcmp(type, "ping") == 0) ws_send_text(c, SPAN_LIT("{\"type\":\"pong\"}"));
    json_decref(o);
}

void presence_on_close(presence_t *p, ws_conn_t *c) {
    pconn_t *pc = ws_data(c);
    if (pc) sessguard_forget(&pc->guard);
    if (pc && pc->authed) {
        if (pc->tab && p->hooks.close) p->hooks.close(p->hooks.ctx, pc->tab);
        pc->tab = NULL;
        bus_unsubscribe(&pc->user);
        room_leave(&pc->member);
        if (!presence_online(p, pc->uid)) {   /* last tab */
            announce(p, pc->uid, false);
            if (p->offline) p->offline(p->offline_ctx, pc->uid);
        }
    }
    free(pc);
    ws_set_data(c, NULL);
}
