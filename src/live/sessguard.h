/* sessguard — the loop's side of "sessions that really end" (docs/security.md): the map of
 * ended sessions (revmap: access tokens of a user issued before T are void) and every
 * authenticated WebSocket by user — the app socket /ws/, the chat room sockets and the game
 * sockets — so that ending a user's sessions closes their open sockets at once.
 *
 * A live module embeds a sessguard_node_t in its per-connection data, calls
 * sessguard_watch() right after wsauth_frame() accepted the first frame (a token the map
 * voids is refused there: 4001 "session ended") and sessguard_forget() in its close handler.
 * sessguard_end() closes, with 4001 "session ended", every watched socket of the user whose
 * token was issued before T, but those of the session kept (the caller's own, e.g. after a
 * password change); sessguard_end_session() does the same for one session alone. One
 * process: a second pongd would carry ends over the bus (not yet). Loop thread only. */
#ifndef PONGD_SESSGUARD_H
#define PONGD_SESSGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "revmap.h"
#include "room.h"
#include "ws.h"
#include "wsauth.h"

#define SESSGUARD_CLOSE_CODE 4001
#define SESSGUARD_CLOSE_REASON "session ended"

typedef struct sessguard sessguard_t;

typedef struct {
    room_member_t member;   /* in room "s<uid>" while watched */
    ws_conn_t *c;
    int64_t uid, iat_ms, sid;
} sessguard_node_t;

/* m: the map to keep (not owned; valid until destroy). */
sessguard_t *sessguard_create(revmap_t *m);
/* Every node must have been forgotten. NULL: no-op. */
void sessguard_destroy(sessguard_t *g);
revmap_t *sessguard_revmap(sessguard_t *g);

/* At most max watched sockets per user (WS_PER_ACCOUNT); 0 (the default): no limit. */
void sessguard_set_max_per_user(sessguard_t *g, size_t max);
#define SESSGUARD_TOO_MANY_CODE 4008
#define SESSGUARD_TOO_MANY_REASON "too many connections"

/* After wsauth_frame() filled u: false when u's token is void (c is then being closed with
 * 4001 "session ended"; do not use the socket further) or when the user has the maximum of
 * watched sockets open (closed with 4008 "too many connections"); else true and c is watched
 * through n (zero-initialised, in the connection's data). g NULL: true, nothing watched. */
bool sessguard_watch(sessguard_t *g, sessguard_node_t *n, ws_conn_t *c, const wsauth_user_t *u);
/* In the close handler (no-op when not watched). */
void sessguard_forget(sessguard_node_t *n);

/* uid's sessions ended at t_ms: revmap_set(uid, t_ms), and every watched socket of uid whose
 * token was issued before t_ms is closed with 4001 "session ended", but those of session
 * keep_sid (> 0; 0 keeps none). The number closed. */
size_t sessguard_end(sessguard_t *g, int64_t uid, int64_t t_ms, int64_t keep_sid, int64_t now_ms);
/* One session of uid, sid (> 0; else a no-op), ended at t_ms (logout, DELETE
 * /api/auth/sessions/{id}): revmap_set_session(sid, t_ms), and every watched socket of uid
 * with that sid whose token was issued before t_ms is closed with 4001 "session ended";
 * the user's other sessions are untouched. The number closed. */
size_t sessguard_end_session(sessguard_t *g, int64_t uid, int64_t sid, int64_t t_ms, int64_t now_ms);
/* Users with a watched socket (tests, metrics). */
size_t sessguard_count(const sessguard_t *g);
/* Sockets closed with 4008 since start (metrics). */
uint64_t sessguard_refused(const sessguard_t *g);

#endif
