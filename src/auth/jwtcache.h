/* jwtcache — the access tokens the loop has already verified. A browser tab presents the
 * same token with every API call for up to 15 minutes; a hit costs a keyed hash and a
 * compare instead of the base64 decoding, HMAC and JSON parsing of a full check.
 *
 * It answers exactly as auth_jwt_verify() would: only tokens that verified are kept, keyed
 * by their exact bytes (a token differing in any byte is checked in full), and a hit checks
 * the token's own exp against `now_s` (an expired token is refused and dropped). The secret
 * never changes while the process runs.
 *
 * Direct-mapped: a fixed number of slots, a new token replaces the one in its slot. The slot
 * comes from SipHash with a random key, so nobody can aim tokens at one slot.
 * Loop thread only. */
#ifndef PONGD_JWTCACHE_H
#define PONGD_JWTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "revmap.h"

typedef struct jwtcache jwtcache_t;

/* slots: rounded up to a power of two, at least 1. The secret is copied. */
jwtcache_t *jwtcache_create(const uint8_t secret[AUTH_SECRET_BYTES], size_t slots);
void jwtcache_destroy(jwtcache_t *c);

/* The map of ended sessions to honour (revmap.h; not owned, valid until destroy; NULL:
 * none). With one, a token issued before its user's T, or before its session's (its sid
 * claim), is refused with AUTH_E_REVOKED, on a hit as on a miss (the map changes while the
 * token stays cached). */
void jwtcache_set_revmap(jwtcache_t *c, const revmap_t *m);

/* auth_jwt_verify(secret, token, now_s, user_id, NULL, 0), remembered, then the revocation
 * check. */
int jwtcache_verify(jwtcache_t *c, const char *token, int64_t now_s, int64_t *user_id);
/* The same, with every claim (auth_claims_t). */
int jwtcache_verify_claims(jwtcache_t *c, const char *token, int64_t now_s, auth_claims_t *claims);

/* Counters since creation (tests, metrics). */
typedef struct { uint64_t hits, misses, evictions; } jwtcache_stats_t;
jwtcache_stats_t jwtcache_stats(const jwtcache_t *c);

#endif
