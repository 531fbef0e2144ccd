/* sessguard — see sessguard.h. */
#include "sessguard.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

struct sessguard {
    revmap_t *revoked;
    room_reg_t *users;   /* room "s<uid>": the user's watched sockets */
    size_t max_per_user; /* 0: no limit */
    uint64_t refused;
};

void sessguard_set_max_per_user(sessguard_t *g, size_t max) { g->max_per_user = max; }
uint64_t sessguard_refused(const sessguard_t *g) { return g->refused; }

static span_t room_of(int64_t uid, char out[32]) {
    int n = snprintf(out, 32, "s%" PRId64, uid);
    return span_of(out, (size_t)n);
}

sessguard_t *sessguard_create(revmap_t *m) {
    sessguard_t *g = xcalloc(1, sizeof *g);
    g->revoked = m;
    g->users = room_reg_create();
    return g;
}

void sessguard_destroy(sessguard_t *g) {
    if (!g) return;
    room_reg_destroy(g->users);
    free(g);
}

revmap_t *sessguard_revmap(sessguard_t *g) { return g->revoked; }

bool sessguard_watch(sessguard_t *g, sessguard_node_t *n, ws_conn_t *c, const wsauth_user_t *u) {
    if (!g) return true;
    if (revmap_void(g->revoked, u->id, u->sid, u->iat_ms)) {
        ws_close(c, SESSGUARD_CLOSE_CODE, SESSGUARD_CLOSE_REASON);
        return false;
    }
    char name[32];
    const room_t *mine = g->max_per_user ? room_find(g->users, room_of(u->id, name)) : NULL;
    if (mine && room_size(mine) >= g->max_per_user) {
        g->refused++;
        ws_close(c, SESSGUARD_TOO_MANY_CODE, SESSGUARD_TOO_MANY_REASON);
        return false;
    }
    n->c = c;
    n->uid = u->id;
    n->iat_ms = u->iat_ms;
    n->sid = u->sid;
    room_join(g->users, room_of(u->id, name), &n->member, n);   /* short names: always joins */
    return true;
}

void sessguard_forget(sessguard_node_t *n) { room_leave(&n->member); }

typedef struct {
    int64_t t_ms, keep_sid, only_sid;   /* only_sid > 0: that session's sockets alone */
    sessguard_node_t *hit[64];
    size_t n, more;
} pick_t;

static void pick(void *owner, void *arg) {
    sessguard_node_t *n = owner;
    pick_t *p = arg;
    if (n->iat_ms >= p->t_ms || (p->keep_sid > 0 && n->sid == p->keep_sid) || (p->only_sid > 0 && n->sid != p->only_sid)) return;
    if (p->n < sizeof p->hit / sizeof p->hit[0]) p->hit[p->n++] = n;
    else p->more++;
}

/* Closes uid's watched sockets that p picks. */
static size_t close_picked(sessguard_t *g, int64_t uid, pick_t p) {
    char name[32];
    size_t closed = 0;
    /* ws_close only starts a close (the close handler, which forgets the node, runs later),
     * but pick first anyway: room_each's function must not change the room */
    for (;;) {
        room_t *r = room_find(g->users, room_of(uid, name));
        if (!r) break;
        p.n = p.more = 0;
        room_each(r, pick, &p);
        for (size_t i = 0; i < p.n; i++) {
            ws_close(p.hit[i]->c, SESSGUARD_CLOSE_CODE, SESSGUARD_CLOSE_REASON);
            room_leave(&p.hit[i]->member);   /* closing: no longer watched */
        }
        closed += p.n;
        if (!p.more) break;
    }
    return closed;
}

size_t sessguard_end(sessguard_t *g, int64_t uid, int64_t t_ms, int64_t keep_sid, int64_t now_ms) {
    revmap_set(g->revoked, uid, t_ms, now_ms);
    return close_picked(g, uid, (pick_t){ .t_ms = t_ms, .keep_sid = keep_sid });
}

size_t sessguard_end_session(sessguard_t *g, int64_t uid, int64_t sid, int64_t t_ms, int64_t now_ms) {
    if (sid <= 0) return 0;
    revmap_set_session(g->revoked, sid, t_ms, now_ms);
    return close_picked(g, uid, (pick_t){ .t_ms = t_ms, .only_sid = sid });
}

size_t sessguard_count(const sessguard_t *g) { return room_reg_count(g->users); }
