/* revmap — "access tokens of user U issued before T are void", in memory on the loop: the
 * copy of users.tokens_valid_after (ms) that every bearer route (through jwtcache) and every
 * WebSocket's first frame consult (docs/security.md, "Sessions that really end"). And the
 * same per session: "access tokens of session S (their sid claim) issued before T are void",
 * T being when that one session was ended (logout, DELETE /api/auth/sessions/{id}; the
 * revoked_at of its refresh-token family in the database).
 *
 * Only entries that can still void a token are kept: an access token lives at most
 * AUTH_ACCESS_TTL_S, so an entry older than that (T <= now - TTL) voids nothing that has not
 * expired anyway and is dropped. The map therefore holds at most the users whose sessions
 * were ended in the last 15 minutes, and the sessions ended in that time; it is filled at
 * start from the database (app_sessions_load) and by every end of sessions since. Loop
 * thread only. */
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
/* T for session sid (the sid claim, > 0; 0 or less: no-op) becomes max(its T, t_ms); the
 * same pruning. */
void revmap_set_session(revmap_t *m, int64_t sid, int64_t t_ms, int64_t now_ms);
/* T for uid (0: nothing void). NULL m: 0. */
int64_t revmap_get(const revmap_t *m, int64_t uid);
/* T for session sid (0: nothing void; sid 0, a token without a session: 0). NULL m: 0. */
int64_t revmap_get_session(const revmap_t *m, int64_t sid);
/* true when a token of uid and session sid issued at iat_ms is void: iat_ms before the
 * user's T or before the session's. NULL m: never. */
bool revmap_void(const revmap_t *m, int64_t uid, int64_t sid, int64_t iat_ms);
/* Entries kept: users, sessions. */
size_t revmap_count(const revmap_t *m);
size_t revmap_count_sessions(const revmap_t *m);

#endif
