/* api — helpers shared by the JSON API handlers (api_*.c): request bodies, JSON answers,
 * field errors, bearer tokens, cookies, Origin checks, and the route table entries. All
 * run on the event loop. */
#ifndef PONGD_API_H
#define PONGD_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "db.h"
#include "http.h"

/* A route handler; `id` is the {id} path parameter (0 when the route has none). */
typedef void (*api_fn)(app_t *a, http_req_t *r, int64_t id);

typedef struct {
    http_method_t method;
    const char *path;       /* exact; "{id}" matches one positive decimal segment */
    const char *summary;
    api_fn fn;
    bool auth;              /* needs a bearer access token (listed in the API index) */
} api_route_t;

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
    app_t *a;
    http_req_t *r;
    void (*work)(api_job_t *j, db_t *db);
    const api_batch_t *kind;
    api_step_fn next;
    void (*destroy)(api_job_t *j);   /* frees the containing struct */
    int rc;
};

/* Holds r and fills j's common part. */
void api_job_init(api_job_t *j, app_t *a, http_req_t *r, void (*destroy)(api_job_t *));
/* Queues work on the database pool, then next on the loop. When the pool is full (or
 * shutting down) answers 503 and destroys the job. work gets NULL-safe db handling:
 * without a connection rc is DB_ECONN and work is not called. */
void api_run_db(api_job_t *j, void (*work)(api_job_t *j, db_t *db), api_step_fn next);
/* As api_run_db, for work of a kind that runs together with the other requests of that
 * kind waiting at the time (up to POOL_BATCH_MAX). */
void api_run_db_batch(api_job_t *j, const api_batch_t *kind, api_step_fn next);
/* Queues work(job, worker) on the hashing pool (bounded), then next on the loop. */
void api_run_hash(api_job_t *j, pool_work_fn work, api_step_fn next);
/* Answers a failure (401 when the caller's account is gone, 503 when the database is
 * unreachable or busy, else 500) and destroys the job. */
void api_db_failed(api_job_t *j);
/* Destroys the job (after the handler answered). */
void api_job_done(api_job_t *j);

/* The account routes (api_auth.c) and the user/friend/block routes (api_users.c),
 * each terminated by a NULL path. */
extern const api_route_t API_USER_ROUTES[];
extern const api_route_t API_AUTH_ROUTES[];

/* Parses the body as a JSON object (Content-Type application/json, at most max bytes); an
 * empty body is an empty object (so missing fields are reported as "required"). On failure
 * answers 400/413/415 itself and returns NULL. The caller owns the result. */
json_t *api_body_object(http_req_t *r, size_t max);

/* Reads a string member: true with the value (NUL-free, may be empty) when it is a string,
 * false when missing or another type (then fields gets `name: "required"`/"invalid_type"). */
bool api_string(json_t *obj, const char *name, span_t *out, json_t *fields);

/* Answers `status` with the JSON value (takes the reference). */
void api_json(http_req_t *r, int status, json_t *body);
/* 400 {"error":{"code":"invalid_fields","message":...,"fields":{...}}} (takes fields). */
void api_fields_error(http_req_t *r, json_t *fields);
/* 409 with one field, e.g. ("username", "taken"). */
void api_conflict(http_req_t *r, const char *field, const char *code);
/* 503 "busy" with Retry-After. */
void api_busy(http_req_t *r);
/* 429 with Retry-After. */
void api_too_many(http_req_t *r, int retry_after_s);

/* The user id of a valid bearer access token, or 0 after answering 401 itself. */
int64_t api_require_user(app_t *a, http_req_t *r);

/* The value of cookie `name` (copied into out, at most cap-1 bytes); false if absent. */
bool api_cookie(http_req_t *r, const char *name, char *out, size_t cap);

/* Origin is present and allowed (ALLOWED_ORIGINS, or https://<Host>); else answers 403
 * itself and returns false. For endpoints a cookie authenticates. */
bool api_origin_ok(app_t *a, http_req_t *r);

#endif
