/* err — pongd's one error space (libuv's uv_err_name is the model).
 *
 * Every function that can fail returns 0 (ERR_OK) or one of these negative codes; each
 * subsystem owns a named range, so a code means the same thing wherever it travels (a
 * database error can never read as a token error). err_name() gives the constant's name for
 * logs, err_str() a short description. Errors that reach a user become a JSON error with a
 * stable string code chosen by the API layer, never these numbers. */
#ifndef PONGD_ERR_H
#define PONGD_ERR_H

/* X(name, value, description), grouped by range. */
#define ERR_LIST(X)                                                                                     \
    /* general: -1 .. -99 */                                                                            \
    X(ERR_AGAIN, -1, "need more input, or try later")                                                  \
    X(ERR_INVALID, -2, "malformed input")                                                              \
    X(ERR_LIMIT, -3, "a limit was exceeded")                                                           \
    X(ERR_NOTFOUND, -4, "not found")                                                                   \
    X(ERR_IO, -5, "input/output error")                                                                \
    X(ERR_FULL, -6, "a bounded queue is full")                                                         \
    /* database (db/): -100 .. -199 */                                                                  \
    X(DB_ECONSTRAINT, -100, "a unique, foreign-key or check constraint refused the write")             \
    X(DB_EBUSY, -101, "locked for longer than the busy timeout")                                       \
    X(DB_ECONN, -102, "database connection lost or cannot be opened")                                  \
    X(DB_ESCHEMA, -103, "the schema is newer than this binary, or a migration failed")                 \
    X(DB_EINVAL, -104, "bad use of the database interface")                                            \
    X(DB_EIO, -105, "other database error")                                                            \
    /* tokens and passwords (auth/): -200 .. -299 */                                                    \
    X(AUTH_E_FORMAT, -200, "not a token of our shape")                                                 \
    X(AUTH_E_ALG, -201, "the token names another algorithm")                                           \
    X(AUTH_E_SIGNATURE, -202, "bad token signature")                                                   \
    X(AUTH_E_EXPIRED, -203, "the token has expired")                                                   \
    X(AUTH_E_INTERNAL, -204, "token signing or checking failed")                                       \
    X(AUTH_E_HASH, -205, "password hashing failed (out of memory)")                                    \
    X(AUTH_E_REVOKED, -206, "the token was issued before its account's sessions were ended")           \
    X(AUTH_E_CODE, -240, "a wrong one-time code")                                                      \
    X(AUTH_E_CODE_REUSED, -241, "a one-time code that was already used")                               \
    /* accounts and sessions (model/account): -300 .. -399 */                                           \
    X(ACCOUNT_E_NOTFOUND, -300, "no such account or session")                                          \
    X(ACCOUNT_E_TAKEN_USERNAME, -301, "the username is taken")                                         \
    X(ACCOUNT_E_TAKEN_EMAIL, -302, "the email is taken")                                               \
    X(ACCOUNT_E_TAKEN_DISPLAY, -303, "the display name is taken")                                      \
    X(ACCOUNT_E_REUSED, -304, "a rotated refresh token came back: family revoked")                     \
    X(ACCOUNT_E_REVOKED, -305, "the session was revoked")                                              \
    X(ACCOUNT_E_EXPIRED, -306, "the session has expired")                                              \
    X(ACCOUNT_E_GONE, -307, "the caller's own account was deleted")                                    \
    X(ACCOUNT_E_BANNED, -308, "the account is banned")                                                 \
    /* friends and blocks (model/social): -400 .. -499 */                                               \
    X(SOCIAL_E_SELF, -400, "a request about oneself")                                                  \
    X(SOCIAL_E_BLOCKED, -401, "one of the two blocks the other")                                       \
    X(SOCIAL_E_EXISTS, -402, "already friends, or the request is already there")                       \
    /* the chat (live/chat, model/chatrule, model/chatstore): -500 .. -599 */                           \
    X(CHAT_E_JSON, -500, "not JSON, or not valid UTF-8")                                               \
    X(CHAT_E_INVALID, -501, "JSON, but not a valid chat frame")                                        \
    X(CHAT_E_TOO_LONG, -502, "the message is too long")                                                \
    X(CHAT_E_RATE, -503, "sending too fast")                                                          \
    X(CHAT_E_EMPTY, -504, "the message is empty")                                                      \
    X(CHAT_E_ROOM_NAME, -505, "not a valid room name")                                                 \
    X(CHAT_E_CHANNEL, -506, "not a valid channel name")                                                \
    X(CHAT_E_NO_CHANNEL, -507, "no such room or conversation")                                         \
    X(CHAT_E_NOT_MEMBER, -508, "not a member of this room")                                            \
    X(CHAT_E_BANNED, -509, "banned from this room")                                                    \
    X(CHAT_E_MUTED, -510, "muted in this room")                                                        \
    X(CHAT_E_SELF, -511, "a conversation with (or report of) oneself")                                 \
    X(CHAT_E_FORBIDDEN, -512, "not allowed to moderate this")                                          \
    X(CHAT_E_NO_MESSAGE, -513, "no such message")                                                      \
    X(CHAT_E_NOT_BANNED, -514, "no ban to lift")                                                       \
    /* invites to play (model/invite): -600 .. -699 */                                                  \
    X(INVITE_E_SELF, -600, "an invite to oneself")                                                     \
    X(INVITE_E_EXISTS, -601, "a pending invite between the two already exists")                       \
    X(INVITE_E_EXPIRED, -602, "the invite has expired")                                                \
    X(INVITE_E_ANSWERED, -603, "the invite is no longer pending")                                      \
    X(INVITE_E_NOT_YOURS, -604, "the invite is not addressed to (or sent by) this user")               \
    /* remote matches (live/match, model/matchrec): -700 .. -799 */                                     \
    X(MATCH_E_BUSY, -700, "a player is already in a live game")                                        \
    X(MATCH_E_NOT_PLAYER, -701, "not a player of this game")                                           \
    X(MATCH_E_OVER, -702, "the game is over or does not exist")                                      \
    X(MATCH_E_QUEUED, -703, "already in the quick-play queue")                                         \
    X(MATCH_E_EXPIRED, -704, "the game ended too long ago for a rematch")                              \
    /* second factors (model/twofa): -900 .. -999 */                                                    \
    X(TWOFA_E_ON, -900, "a second factor is already on")                                               \
    X(TWOFA_E_OFF, -901, "no second factor is on (or none being set up)")                              \
    X(TWOFA_E_CHALLENGE, -902, "no such challenge, or it expired, was used or saw too many wrong codes") \
    /* mailed links: verification and password reset (model/emailtok): -1000 .. -1099 */                \
    X(EMAILTOK_E_INVALID, -1000, "no such mailed token (or of another kind)")                          \
    X(EMAILTOK_E_USED, -1001, "the mailed token was already used")                                     \
    X(EMAILTOK_E_EXPIRED, -1002, "the mailed token has expired")                                       \
    X(EMAILTOK_E_STALE, -1003, "the account's address changed since the token was mailed")             \
    X(EMAILTOK_E_UNVERIFIED, -1004, "the account's address is not confirmed")                          \
    X(EMAILTOK_E_FACTOR, -1005, "email codes are on: the address cannot change") \
    /* Log in with 42 (auth/oauth, model/oauthlink, model/httpc): -1100 .. -1199 */                      \
    X(OAUTH_E_STATE, -1100, "no such OAuth state, or it expired or was used")                          \
    X(OAUTH_E_TAKEN, -1101, "this 42 account is linked to another user")                               \
    X(OAUTH_E_LINKED, -1102, "the user already has a 42 account linked")                               \
    X(OAUTH_E_NO_PASSWORD, -1103, "unlinking would leave the account without a way in")                \
    X(OAUTH_E_PROVIDER, -1104, "the provider answered with an error or something unreadable")          \
    X(OAUTH_E_TIMEOUT, -1105, "the provider did not answer in time") \
    /* the admin role (model/admin): -1200 .. -1299 */                                                  \
    X(ADMIN_E_FORBIDDEN, -1200, "the caller is not an administrator")                                  \
    X(ADMIN_E_TARGET, -1201, "an administrator or oneself cannot be banned")                           \
    X(ADMIN_E_STATE, -1202, "already banned, or not banned")

enum {
    ERR_OK = 0,
#define ERR_ENUM_(name, value, text) name = value,
    ERR_LIST(ERR_ENUM_)
#undef ERR_ENUM_
};

/* "ERR_AGAIN", "DB_ECONN", ... ; "ERR_OK" for 0; "ERR_UNKNOWN" for any other value. Static. */
const char *err_name(int code);
/* A short English description (static), for logs. */
const char *err_str(int code);

#endif
