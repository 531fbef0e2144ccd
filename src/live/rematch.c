/* rematch — see rematch.h. A small array: offers live for a minute. */
#include "rematch.h"

#include <stdlib.h>

#include "err.h"
#include "mem.h"

typedef struct {
    int64_t game_id, from, to, expires_at;
} offer_t;

struct rematch {
    offer_t *o;
    size_t n, max;
};

rematch_t *rematch_create(size_t max) {
    rematch_t *r = xcalloc(1, sizeof *r);
    r->max = max;
    r->o = xcalloc(max ? max : 1, sizeof *r->o);
    return r;
}

void rematch_destroy(rematch_t *r) {
    if (!r) return;
    free(r->o);
    free(r);
}

static void expire(rematch_t *r, int64_t now) {
    for (size_t i = 0; i < r->n;)
        if (r->o[i].expires_at <= now) r->o[i] = r->o[--r->n];
        else i++;
}

static offer_t *find(rematch_t *r, int64_t game_id) {
    for (size_t i = 0; i < r->n; i++)
        if (r->o[i].game_id == game_id) return &r->o[i];
    return NULL;
}

int rematch_offer(rematch_t *r, int64_t game_id, int64_t from, int64_t to, int64_t expires_at, int64_t now) {
    expire(r, now);
    offer_t *o = find(r, game_id);
    if (o && o->from == to) {
        *o = r->o[--r->n];
        return REMATCH_AGREED;
    }
    if (o) return REMATCH_OFFERED;
    if (r->n >= r->max) return ERR_FULL;
    r->o[r->n++] = (offer_t){ game_id, from, to, expires_at };
    return REMATCH_OFFERED;
}

bool rematch_withdraw(rematch_t *r, int64_t game_id, int64_t uid, int64_t now, int64_t *other) {
    expire(r, now);
    offer_t *o = find(r, game_id);
    if (!o || (o->from != uid && o->to != uid)) return false;
    *other = o->from == uid ? o->to : o->from;
    *o = r->o[--r->n];
    return true;
}

bool rematch_pending(rematch_t *r, int64_t game_id, int64_t now, int64_t *from, int64_t *expires_at) {
    expire(r, now);
    offer_t *o = find(r, game_id);
    if (!o) return false;
    *from = o->from;
    *expires_at = o->expires_at;
    return true;
}
