/* jwtcache — see jwtcache.h. */
#include "jwtcache.h"
#include "util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *token;     /* NULL: empty slot */
    size_t len;
    auth_claims_t claims;
} slot_t;

struct jwtcache {
    uint8_t secret[AUTH_SECRET_BYTES];
    unsigned char key[crypto_shorthash_KEYBYTES];
    size_t mask;
    slot_t *slots;
    const revmap_t *revoked;   /* may be NULL */
    jwtcache_stats_t stats;
};

jwtcache_t *jwtcache_create(const uint8_t secret[AUTH_SECRET_BYTES], size_t slots) {
    size_t n = 1;
    while (n < slots && n < ((size_t)1 << 24)) n <<= 1;
    jwtcache_t *c = xcalloc(1, sizeof *c);
    memcpy(c->secret, secret, AUTH_SECRET_BYTES);
    crypto_shorthash_keygen(c->key);
    c->mask = n - 1;
    c->slots = xcalloc(n, sizeof *c->slots);
    return c;
}

static void slot_clear(slot_t *s) {
    free(s->token);
    *s = (slot_t){ 0 };
}

void jwtcache_destroy(jwtcache_t *c) {
    if (!c) return;
    for (size_t i = 0; i <= c->mask; i++) slot_clear(&c->slots[i]);
    free(c->slots);
    sodium_memzero(c->secret, sizeof c->secret);
    free(c);
}

void jwtcache_set_revmap(jwtcache_t *c, const revmap_t *m) { c->revoked = m; }

/* The end of both paths: a token issued before its user's sessions ended is void. */
static int answer(const jwtcache_t *c, const auth_claims_t *cl, auth_claims_t *out) {
    if (revmap_void(c->revoked, cl->user_id, cl->sid, cl->iat_ms)) return AUTH_E_REVOKED;
    *out = *cl;
    return ERR_OK;
}

int jwtcache_verify(jwtcache_t *c, const char *token, int64_t now_s, int64_t *user_id) {
    auth_claims_t cl;
    int rc = jwtcache_verify_claims(c, token, now_s, &cl);
    if (rc == ERR_OK) *user_id = cl.user_id;
    return rc;
}

int jwtcache_verify_claims(jwtcache_t *c, const char *token, int64_t now_s, auth_claims_t *claims) {
    if (!token) return AUTH_E_FORMAT;
    size_t len = strnlen(token, AUTH_JWT_MAX_BYTES + 1);
    if (len > AUTH_JWT_MAX_BYTES) return AUTH_E_FORMAT;
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *)token, len, c->key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    slot_t *s = &c->slots[v & c->mask];
    if (s->token && s->len == len && memcmp(s->token, token, len) == 0) {
        if (s->claims.exp <= now_s) {   /* as the full check would say; the token is no use any more */
            slot_clear(s);
            return AUTH_E_EXPIRED;
        }
        c->stats.hits++;
        return answer(c, &s->claims, claims);
    }
    c->stats.misses++;
    auth_claims_t cl;
    int rc = auth_jwt_verify_claims(c->secret, token, now_s, &cl, NULL, 0);
    if (rc != ERR_OK) return rc;
    if (s->token) {
        c->stats.evictions++;
        slot_clear(s);
    }
    s->token = xmalloc(len);
    memcpy(s->token, token, len);
    s->len = len;
    s->claims = cl;
    return answer(c, &cl, claims);
}

jwtcache_stats_t jwtcache_stats(const jwtcache_t *c) { return c->stats; }
