/* revmap — "access tokens of user U issued before T are void", in memory on the loop: the
 * copy of users.tokens_valid_after (ms) that every bearer route (through jwtcache) and every
 * WebSocket's first frame consult (docs/security.md, "Sessions that really end").
 *
 * Only entries that can still void a token are kept: an access token lives at most
 * AUTH_ACCESS_TTL_S, so an entry older than that (T <= now - TTL) voids nothing that has not
 * expired anyway and is dropped. The map therefore holds at most the users whose sessions
 * were ended in the last 15 minutes; it is filled at start from the database
 * (app_sessions_load) and by every end of sessions since. Loop thread only. */
#ifndef PONGD_REVMAP_H
#define PONGD_REVMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct revmap revmap_t;

revmap_t *revmap_create(void);
void revmap_destroy(revmap_t *m);   /* NULL: no-op */

/* T for uid becomes max(its T, t_ms). now_ms: the wall clock (entries older than the
 * access-token lifetime are pruned now and then). */
void revmap_set(revmap_t *m, int64_t uid, int64_t t_ms, int64_t now_ms);
/* T for uid (0: nothing void). */
int64_t revmap_get(const revmap_t *m, int64_t uid);
/* true when a token of uid issued at iat_ms is void (iat_ms < T). NULL m: never. */
bool revmap_void(const revmap_t *m, int64_t uid, int64_t iat_ms);
size_t revmap_count(const revmap_t *m);

#endif
