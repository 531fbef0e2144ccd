/* api — the JSON API layer: its context (api_t, exactly what handlers use, given by the
 * composition root), the route tables and their dispatch (api_router.c), and the helpers the
 * handlers share (api.c): request bodies, JSON answers, field errors, bearer tokens,
 * cookies, Origin checks, and job chains on the worker pools. All run on the event loop. */
#ifndef PONGD_API_H
#define PONGD_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "auth.h"
#include "bus.h"
#include "chat.h"
#include "config.h"
#include "db.h"
#include "dbpool.h"
#include "http.h"
#include "invite.h"
#include "jwtcache.h"
#include "match.h"
#include "metrics.h"
#include "pool.h"
#include "presence.h"
#include "quickplay.h"
#include "ratemap.h"
#include "rematch.h"
#include "room.h"
#include "sessguard.h"

#define API_VERSION "0.1.0"

/* What the handlers use; the root fills it (api_create) and keeps every pointer valid until
 * api_destroy. */
typedef struct api {
    const config_t *cfg;          /* allowed origins */
    metrics_t *metrics;           /* /healthz, /metrics */
    const room_reg_t *chat_rooms; /* /metrics: open chat rooms */
    pool_t *pool;                 /* general: avatar decoding */
    /* avatar decodes (loop only; api_users.c): at most LIM_AVATAR_DECODES run on `pool` at
     * once, the next ones wait in a FIFO of at most LIM_AVATAR_WAITING, the rest get 503 */
    int avatar_running, avatar_waiting;
    struct api_job *avatar_head, *avatar_tail;
    pool_t *hash_pool;            /* Argon2id, bounded queue */
    dbpool_t *db;                 /* every query */
    presence_t *presence;         /* online flags */
    bus_t *bus;                   /* every push to a user's tabs ("user:<id>") and to chat rooms */
    matches_t *matches;           /* the live remote games */
    quickplay_t *quickplay;       /* the quick-play queue */
    rematch_t *rematches;         /* rematch offers */
    chat_t *chat;                 /* the chat service: posting, notices, live announcements (live/chat.h) */
    const uint8_t *secret;        /* AUTH_SECRET_BYTES: signs access tokens */
    jwtcache_t *tokens;           /* access tokens already verified */
    sessguard_t *guard;           /* ended sessions: the revmap jwtcache honours, the sockets by user */
    const auth_common_t *common;  /* refused passwords */
    ratemap_t *auth_rate;         /* login/register attempts by address and by account */
    ratemap_t *twofa_rate;        /* second-factor codes tried, by address and by account */
    ratemap_t *mail_rate;         /* mailed links (confirmation, reset), by account and by address asked */
    ratemap_t *api_user_rate;     /* API_RATE: every API request by account (NULL: API_RATE=0, no limit) */
    ratemap_t *api_addr_rate;     /* API_RATE x LIM_API_ADDR_FACTOR: every API request by address (or IPv6 /64) */
    ratemap_t *login_fail_rate;   /* addresses with a failed login in the last LIM_LOGIN_FAIL_RECENT_MIN minutes (api_auth.c) */
    const char *dummy_hash;       /* verified against for unknown names (same cost) */
    /* built by api_create */
    char *index;                  /* GET /api: JSON */
    size_t index_len;
    char *openapi;                /* GET /api/openapi.json */
    size_t openapi_len;
} api_t;

/* A copy of deps with the index and the OpenAPI document built; NULL with a message in
 * err when a route is not fully documented (api_openapi_build). */
api_t *api_create(const api_t *deps, char *err, size_t errlen);
void api_destroy(api_t *a);
/* Answers a request under /api, /healthz or /metrics: the matching route's handler, else
 * 405 with Allow, else 404. */
void api_dispatch(api_t *a, http_req_t *r);

/* A route handler; `id` is the {id} path parameter (0 when the route has none). */
typedef void (*api_fn)(api_t *a, http_req_t *r, int64_t id);

/* One documented answer of a route. */
typedef struct {
    int status;             /* 0 ends the list */
    const char *schema;     /* the body: a name in src/api/openapi/schemas.json (JSON), "@text"
                             * (text/plain), "@image" (image/webp, png, jpeg, svg+xml), NULL: none */
    const char *what;       /* its description; for an "Error" body, the error codes it can carry */
} api_resp_t;

/* A query parameter of a route; a list ends with a NULL name. */
typedef struct {
    const char *name;
    bool required;
    const char *schema;     /* an inline JSON Schema, e.g. {"type":"string","maxLength":80} */
    const char *what;
} api_param_t;

#define API_MAX_RESPONSES 12
#define API_NAME_SEGMENT_MAX 128

/* A route: what the router dispatches by, and everything the OpenAPI document says of it
 * (api_openapi.c builds GET /api/openapi.json from these tables at start, and refuses to
 * start when a route lacks its documentation or names a schema that does not exist). */
typedef struct {
    http_method_t method;
    const char *path;       /* exact; "{id}" (or any other "{x}" but "{name}") matches one positive decimal
                             * segment, passed as the handler's id (the last one when there are several);
                             * "{name}" matches one segment of 1..API_NAME_SEGMENT_MAX bytes (any but '/'),
                             * which the handler reads from the path itself */
    const char *summary;
    api_fn fn;              /* NULL: a WebSocket endpoint, listed in the index only */
    bool auth;              /* needs a bearer access token (listed in the API index) */
    const char *op;         /* operationId */
    const char *tag;        /* the document's group */
    const char *body;       /* request body schema (application/json), "@image" (raw image
                             * bytes), or NULL: none */
    const char *cookie;     /* a cookie the route reads instead of a bearer token, or NULL */
    const api_param_t *query;
    api_resp_t responses[API_MAX_RESPONSES];
    bool unmetered;         /* outside API_RATE (health and metrics probes); the document adds a 429 to every other route */
} api_route_t;

/* Answers most routes share, for their responses lists. */
#define API_R_UNAUTHORIZED { 401, "Error", "unauthorized, token_expired: no valid bearer access token (or the account is gone)" }
#define API_R_BUSY { 503, "Error", "busy: the server is busy (a full queue), try again after Retry-After seconds" }
#define API_R_INTERNAL { 500, "Error", "internal" }
#define API_R_NOT_FOUND(what_) { 404, "Error", "not_found: " what_ }
#define API_R_BAD_BODY { 400, "Error", "invalid_json, invalid_fields: the body is not a JSON object, or fields are not valid" }, \
                       { 413, "Error", "payload_too_large: the JSON body is over its limit (8 KiB); body_too_large: over MAX_BODY_BYTES" }, { 415, "Error", "unsupported_media_type: send application/json" }

/* An asynchronous step chain for a held request: work() on a database worker, then
 * next() on the loop; or a pool work function on the hashing pool. Handlers embed an
 * api_job_t as the first member of their own job struct. */
typedef struct api_job api_job_t;
typedef void (*api_step_fn)(api_job_t *j);
/* A kind of database work that can serve several requests at once on one worker thread
 * (e.g. their reads sent in one round trip): run() sets each job's rc and results. */
typedef struct {
    void (*run)(api_job_t **jobs, int n, db_t *db);
} api_batch_t;

struct api_job {
    api_t *a;
    http_req_t *r;
    int64_t uid;        /* the caller (api_job_start with auth), else 0 */
    int64_t sid;        /* the caller's session (its access token's sid claim; 0: none) */
    int64_t target;     /* the route's {id} */
    void (*work)(api_job_t *j, db_t *db);
    const api_batch_t *kind;
    api_step_fn next;
    void (*destroy)(api_job_t *j);   /* frees the containing struct */
    int rc;
};

/* Holds r and fills j's common part. */
void api_job_init(api_job_t *j, api_t *a, http_req_t *r, void (*destroy)(api_job_t *));

/* A kind of job: the handler's own struct (api_job_t first) and how to free it. */
typedef struct {
    size_t size;
    void (*destroy)(api_job_t *j);   /* frees what the job owns, then the job (api_job_free) */
} api_job_type_t;
/* Frees a job of any type (the end of every destroy function). */
void api_job_free(api_job_t *j);

/* The start of a handler: when `auth`, requires a bearer user (answers 401 itself and
 * returns NULL); then a zeroed job of `type`, holding r, with uid and target (= id) set. */
api_job_t *api_job_start(api_t *a, http_req_t *r, bool auth, int64_t id, const api_job_type_t *type);
/* The whole of a handler that needs nothing but the user and the {id}: api_job_start with
 * auth, then work on the database pool and done on the loop. */
void api_user_db(api_t *a, http_req_t *r, int64_t id, const api_job_type_t *type, void (*work)(api_job_t *j, db_t *db),
                 api_step_fn done);
/* Queues work on the database pool, then next on the loop. When the pool is full (or
 * shutting down) answers 503 and destroys the job. work gets NULL-safe db handling:
 * without a connection rc is DB_ECONN and work is not called. */
void api_run_db(api_job_t *j, void (*work)(api_job_t *j, db_t *db), api_step_fn next);
/* As api_run_db, for work of a kind that runs together with the other requests of that
 * kind waiting at the time (up to POOL_BATCH_MAX). */
void api_run_db_batch(api_job_t *j, const api_batch_t *kind, api_step_fn next);
/* Queues work(job, worker) on the hashing pool (bounded), then next on the loop. */
void api_run_hash(api_job_t *j, pool_work_fn work, api_step_fn next);
/* The same on the general pool (image decoding, outbound mail). */
void api_run_pool(api_job_t *j, pool_work_fn work, api_step_fn next);
/* Answers a failure (401 when the caller's account is gone, 503 when the database is
 * unreachable or busy, else 500) and destroys the job. */
void api_db_failed(api_job_t *j);
/* How a step answers a failure code of its own: {rc, status, code, message}; a list ends
 * with status 0. */
typedef struct {
    int rc;
    int status;
    const char *code, *message;
} api_answer_t;
/* The check of a done step: true when j->rc is 0. Otherwise answers the entry of `answers`
 * (may be NULL) for j->rc, or as api_db_failed(); destroys the job and returns false. */
bool api_db_ok(api_job_t *j, const api_answer_t *answers);
/* For steps that read the caller's own account: gone → 401 "This account no longer exists." */
extern const api_answer_t API_ANSWERS_ME[];

/* Destroys the job (after the handler answered). */
void api_job_done(api_job_t *j);

/* The route tables, each terminated by a NULL path: the index, the document, health and
 * metrics (api_sys.c), the accounts (api_auth.c), the users, friends and blocks
 * (api_users.c), invites and games (api_games.c), the chat (api_chat.c). API_TABLES lists
 * them (api_router.c), NULL-terminated. */
extern const api_route_t *const API_TABLES[];
extern const api_route_t API_SYS_ROUTES[];
extern const api_route_t API_AUTH_ROUTES[];
extern const api_route_t API_USER_ROUTES[];
extern const api_route_t API_GAME_ROUTES[];
extern const api_route_t API_MM_ROUTES[];
extern const api_route_t API_CHAT_ROUTES[];
extern const api_route_t API_TWOFA_ROUTES[];
extern const api_route_t API_EMAIL_ROUTES[];
extern const api_route_t API_OAUTH_ROUTES[];
extern const api_route_t API_ADMIN_ROUTES[];

/* ---- the second factor (api_twofa.c), shared with the login (api_auth.c) ---- */

/* Whether email codes can be sent (SMTP_URL configured). */
bool api_twofa_mail_ready(const api_t *a);
/* Mails a second-factor code to `to` in `lang` (en, fr, ru): for a login, or to confirm the
 * address when email codes are being switched on. Blocking: general pool only. 0 or ERR_IO. */
int api_twofa_mail_code(const api_t *a, const char *to, const char *lang, const char *code, bool setup);
/* Both the address's and the account's budget of code attempts (TWOFA_RATE); answers 429
 * itself and returns false past either. uid 0: the address only. */
bool api_twofa_rate_ok(api_t *a, http_req_t *r, int64_t uid);

/* ---- mailed links (api_email.c), shared with registration (api_auth.c) and the email change
 * (api_users.c) ---- */

/* Mails the link of a token of `kind` (EMAILTOK_VERIFY: <PUBLIC_ORIGIN>/verify-email?token=…,
 * EMAILTOK_RESET: …/reset-password?token=…) to `to` in `lang` (en, fr, ru). Blocking: general
 * pool only. 0 or ERR_IO (logged). */
int api_email_mail_link(const api_t *a, const char *kind, const char *to, const char *lang, const char *token);
/* The same after the answer: queued on the general pool holding no request (copies its
 * arguments); a failure, or a full pool, is only logged. */
void api_email_link_later(api_t *a, const char *kind, const char *to, const char *lang, const char *token);

/* Parses the body as a JSON object (Content-Type application/json, at most max bytes); an
 * empty body is an empty object (so missing fields are reported as "required"). On failure
 * answers 400/413/415 itself and returns NULL. The caller owns the result. */
json_t *api_body_object(http_req_t *r, size_t max);

/* Reads a string member: true with the value (NUL-free, may be empty) when it is a string,
 * false when missing or another type (then fields gets `name: "required"`/"invalid_type"). */
bool api_string(json_t *obj, const char *name, span_t *out, json_t *fields);

/* Is query parameter `name` in q at all (reqparse_query also says false for a value too long
 * or malformed)? */
bool api_query_has(span_t q, const char *name);
/* An optional integer query parameter in lo..hi (decimal digits only): true with *out (def when
 * absent); present but not such a number: answers 400 invalid_fields {name: "invalid"} itself
 * and returns false. */
bool api_query_int(http_req_t *r, const char *name, int lo, int hi, int def, int *out);

/* Does route pattern `pattern` (api_route_t.path) match path? *id as the handler gets it. */
bool api_route_match(const char *pattern, span_t path, int64_t *id);

/* Answers `status` with the JSON value (takes the reference). */
void api_json(http_req_t *r, int status, json_t *body);
/* 400 {"error":{"code":"invalid_fields","message":...,"fields":{...}}} (takes fields). */
void api_fields_error(http_req_t *r, json_t *fields);
/* 409 with one field, e.g. ("username", "taken"). */
void api_conflict(http_req_t *r, const char *field, const char *code);
/* 403 wrong_password with fields {field: "wrong"}. */
void api_wrong_password(http_req_t *r, const char *field, const char *message);
/* 503 "busy" with Retry-After. */
void api_busy(http_req_t *r);
/* 429 with Retry-After. */
void api_too_many(http_req_t *r, int retry_after_s);

/* The client's address as a rate-limit key into out: the peer address as text, an IPv6
 * address cut to its /64 (one host usually holds the whole /64). X-Forwarded-For and the
 * like are never read. */
void api_peer_key(http_req_t *r, char *out, size_t cap);
/* The general API budget (API_RATE): a token from the account of a valid bearer token (if
 * any), and one from the address's larger budget. Past either answers 429 with Retry-After
 * itself and returns false. Always true when API_RATE=0. */
bool api_rate_ok(api_t *a, http_req_t *r);

/* The user id of a valid bearer access token, or 0 after answering 401 itself (a token
 * issued before its user's sessions ended is not valid: "unauthorized"). */
int64_t api_require_user(api_t *a, http_req_t *r);
/* The same, with the token's claims into *claims (may be NULL). */
int64_t api_require_claims(api_t *a, http_req_t *r, auth_claims_t *claims);

/* Ends every session of user uid but session keep_sid's (0: every one, the caller's too):
 * password change, logout-all, second factor on or off, ban, account deletion.
 * At once, on the loop: access tokens issued before now are void (sessguard/revmap) and the
 * user's sockets of other sessions are closed (4001 "session ended"). Then on the database
 * pool: account_sessions_end (refresh tokens revoked, users.tokens_valid_after), and on the
 * loop again the same with the database's T. Then done(ctx, rc) on the loop (rc 0, ERR_FULL
 * when the pool refused the job, or a DB_E* code); done may be NULL. Answer the request in
 * done: once it runs, no other session can refresh. */
void api_sessions_end(api_t *a, int64_t uid, int64_t keep_sid, void (*done)(void *ctx, int rc), void *ctx);
/* In a done callback of api_sessions_end whose ctx is the request's job: ERR_FULL answers 503
 * and ends the job (false: nothing more to do); else bj->rc = rc and true. */
bool api_sessions_ended(api_job_t *bj, int rc);
/* The loop's part of ending one session of uid (logout, DELETE /api/auth/sessions/{id}),
 * after the database revoked its refresh tokens at t_ms (account_session_logout/revoke):
 * access tokens of session sid issued before t_ms are void and its open sockets closed
 * (4001 "session ended"); the user's other sessions are untouched. sid <= 0: no-op. Call it
 * before answering. */
void api_session_ended(api_t *a, int64_t uid, int64_t sid, int64_t t_ms);

/* ---- sessions (api_auth.c), shared with Log in with 42 (api_oauth.c) ---- */

/* A new session's refresh token (into token), its hash, family and client details (user
 * agent, address) into *s, now and expiry stamped. */
void api_session_new(http_req_t *r, account_session_t *s, char token[AUTH_TOKEN_CHARS + 1]);
/* Set-Cookie of the refresh token (HttpOnly, Secure, SameSite=Strict, Path=/api/auth). */
void api_refresh_cookie_set(http_req_t *r, const char *token);

/* The value of cookie `name` (reqparse_cookie: copied into out, at most cap-1 bytes);
 * false if absent. */
bool api_cookie(http_req_t *r, const char *name, char *out, size_t cap);

/* Origin is present and allowed (reqparse_origin_ok: ALLOWED_ORIGINS, or https://<Host>);
 * else answers 403 itself and returns false. For endpoints a cookie authenticates. */
bool api_origin_ok(api_t *a, http_req_t *r);

/* The OpenAPI 3.1 document of every table: the schemas (src/api/openapi/schemas.json) and
 * the WebSocket protocols (websockets.md), both built into the binary, and the paths from
 * the route tables. NULL with a message in err when a route with a handler has no
 * responses, names a schema the document lacks, or has no operationId. Caller frees. */
char *api_openapi_build(const api_route_t *const *tables, char *err, size_t errlen);

/* "/api/users/<id>/avatar?v=<version>": the one place avatar URLs are made. */
json_t *api_avatar_url(int64_t id, int64_t version);
/* {id, username, display_name, avatar_url}: a user as other objects name them. */
json_t *api_user_brief(int64_t id, const char *username, const char *display_name, int64_t avatar_version);
/* An invite as the API shows it (api_games.c): {id, from, to, options, created_at, expires_at,
 * status, game_id}; from and to as api_user_brief. */
json_t *api_invite_json(const invite_t *v, const account_t *from, const account_t *to);
/* Sends msg (a JSON object; the reference is taken) to every open tab of user `to`. */
void api_push(api_t *a, int64_t to, json_t *msg);

#endif
