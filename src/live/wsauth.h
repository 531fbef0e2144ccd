/* wsauth — the first-frame authentication every live WebSocket uses (/ws/, chat rooms, and
 * the game sockets to come): no token in the URL or the logs.
 *
 * On open a socket is armed (wsauth_arm): unless its first frame authenticates within
 * WSAUTH_TIMEOUT_S it is closed with 4001 "no auth frame in time". The first frame must be
 * {"type":"auth","token":"<access token>"}; wsauth_frame() checks it and either fills the
 * user (and disarms the deadline) or closes the socket with 4001 ("token expired", or the
 * caller's refusal text). Loop thread only. */
#ifndef PONGD_WSAUTH_H
#define PONGD_WSAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "util.h"
#include "ws.h"

#define WSAUTH_TIMEOUT_S 5
#define WSAUTH_CLOSE_CODE 4001

typedef struct {
    int64_t id;
    char display_name[4 * AUTH_DISPLAY_MAX + 1];
    int64_t iat_ms, sid;   /* the token's (auth_claims_t), for sessguard */
} wsauth_user_t;

/* Starts the deadline for the first frame. */
void wsauth_arm(ws_conn_t *c);
/* Checks the first frame against the access-token key `secret` (AUTH_SECRET_BYTES; NULL
 * refuses every token). true with *user filled; false after closing the socket with 4001 and
 * "token expired" or `refusal` (a static string). */
bool wsauth_frame(const uint8_t *secret, ws_conn_t *c, span_t data, const char *refusal, wsauth_user_t *user);

#endif
