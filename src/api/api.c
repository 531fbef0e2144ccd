/* api — helpers for the JSON API handlers. See api.h. */
#include "api.h"
#include "account.h"
#include "auth.h"
#include "jwtcache.h"
#include "reqparse.h"
#include "pongd_limits.h"
#include "dbpool.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

json_t *api_body_object(http_req_t *r, size_t max) {
    if (http_req_body(r).len == 0) return json_object();   /* no body: every field is missing */
    const char *ct = http_req_header(r, HDR_CONTENT_TYPE);
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
        http_respond_error(r, 415, "unsupported_media_type", "Send the body as application/json.");
        return NULL;
    }
    span_t body = http_req_body(r);
    if (body.len > max) {
        http_respond_error(r, 413, "payload_too_large", "The request body is too large.");
        return NULL;
    }
    json_error_t e;
    json_t *v = json_loadb(body.ptr, body.len, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(v)) {
        json_decref(v);
        http_respond_error(r, 400, "invalid_json", "The body must be a JSON object.");
        return NULL;
    }
    return v;
}

bool api_string(json_t *obj, const char *name, span_t *out, json_t *fields) {
    json_t *v = json_object_get(obj, name);
    if (!v) {
        if (fields) json_object_set_new(fields, name, json_string("required"));
        return false;
    }
    if (!json_is_string(v) || memchr(json_string_value(v), 0, json_string_length(v))) {
        if (fields) json_object_set_new(fields, name, json_string("invalid_type"));
        return false;
    }
    *out = span_of(json_string_value(v), json_string_length(v));
    return true;
}

void api_json(http_req_t *r, int status, json_t *body) {
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!s) {
        http_respond_error(r, 500, "internal", "Could not encode the answer.");
        return;
    }
    http_resp_header(r, "cache-control", "no-store");
    http_respond(r, status, "application/json", s, strlen(s), HTTP_BODY_TAKE);
}

void api_fields_error(http_req_t *r, json_t *fields) {
    api_json(r, 400, json_pack("{s:{s:s, s:s, s:o}}", "error", "code", "invalid_fields", "message",
                               "Some fields are not valid.", "fields", fields));
}

void api_conflict(http_req_t *r, const char *field, const char *code) {
    api_json(r, 409, json_pack("{s:{s:s, s:s, s:{s:s}}}", "error", "code", "conflict", "message",
                               "That is already in use.", "fields", field, code));
}

void api_wrong_password(http_req_t *r, const char *field, const char *message) {
    api_json(r, 403, json_pack("{s:{s:s, s:s, s:{s:s}}}", "error", "code", "wrong_password", "message", message, "fields", field,
                               "wrong"));
}

void api_busy(http_req_t *r) {
    char v[16];
    snprintf(v, sizeof v, "%d", LIM_RETRY_AFTER_BUSY_S);
    http_resp_header(r, "retry-after", v);
    http_respond_error(r, 503, "busy", "The server is busy; try again in a moment.");
}

void api_too_many(http_req_t *r, int retry_after_s) {
    char v[16];
    snprintf(v, sizeof v, "%d", retry_after_s > 0 ? retry_after_s : 1);
    http_resp_header(r, "retry-after", v);
    http_respond_error(r, 429, "too_many_requests", "Too many requests; wait Retry-After seconds before trying again.");
}

void api_peer_key(http_req_t *r, char *out, size_t cap) {
    const char *peer = http_req_peer(r);
    unsigned char v6[16];
    if (strchr(peer, ':') && strncmp(peer, "::ffff:", 7) != 0 && inet_pton(AF_INET6, peer, v6) == 1) {
        memset(v6 + 8, 0, 8);   /* the /64 */
        char s[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, v6, s, sizeof s)) {
            snprintf(out, cap, "%s/64", s);
            return;
        }
    }
    snprintf(out, cap, "%s", peer);
}

bool api_rate_ok(api_t *a, http_req_t *r) {
    if (!a->api_user_rate) return true;
    uint64_t now = now_mono_us() / 1000;
    int retry = 0;
    char key[LIM_RATEMAP_KEY_BYTES];
    const char *h = http_req_header(r, HDR_AUTHORIZATION);
    auth_claims_t cl;
    if (h && strncasecmp(h, "Bearer ", 7) == 0 &&
        jwtcache_verify_claims(a->tokens, h + 7, (int64_t)(now_wall_ms() / 1000), &cl) == ERR_OK) {
        snprintf(key, sizeof key, "%" PRId64, cl.user_id);
        if (!ratemap_allow(a->api_user_rate, span_cstr(key), now, &retry)) goto over;
    }
    api_peer_key(r, key, sizeof key);
    if (ratemap_allow(a->api_addr_rate, span_cstr(key), now, &retry)) return true;
over:
    api_too_many(r, retry);
    return false;
}

int64_t api_require_user(api_t *a, http_req_t *r) { return api_require_claims(a, r, NULL); }

int64_t api_require_claims(api_t *a, http_req_t *r, auth_claims_t *claims) {
    const char *h = http_req_header(r, HDR_AUTHORIZATION);
    auth_claims_t cl;
    int rc = AUTH_E_FORMAT;
    if (h && strncasecmp(h, "Bearer ", 7) == 0) rc = jwtcache_verify_claims(a->tokens, h + 7, (int64_t)(now_wall_ms() / 1000), &cl);
    if (rc == ERR_OK) {
        if (claims) *claims = cl;
        return cl.user_id;
    }
    http_resp_header(r, "www-authenticate", rc == AUTH_E_EXPIRED ? "Bearer error=\"invalid_token\", error_description=\"expired\""
                                                                 : "Bearer");
    http_respond_error(r, 401, rc == AUTH_E_EXPIRED ? "token_expired" : "unauthorized",
                       h ? "The access token is not valid." : "Log in first.");
    return 0;
}

bool api_cookie(http_req_t *r, const char *name, char *out, size_t cap) {
    return reqparse_cookie(http_req_header(r, HDR_COOKIE), name, out, cap);
}

bool api_origin_ok(api_t *a, http_req_t *r) {
    bool ok = reqparse_origin_ok(http_req_header(r, HDR_ORIGIN), a->cfg->allowed_origins, a->cfg->n_allowed_origins);
    if (!ok) http_respond_error(r, 403, "origin_not_allowed", "This request must come from the site itself.");
    return ok;
}

/* ---- job chains ---- */

json_t *api_avatar_url(int64_t id, int64_t version) {
    char s[64];
    snprintf(s, sizeof s, "/api/users/%" PRId64 "/avatar?v=%" PRId64, id, version);
    return json_string(s);
}

json_t *api_user_brief(int64_t id, const char *username, const char *display_name, int64_t avatar_version) {
    return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)id, "username", username, "display_name", display_name, "avatar_url",
                     api_avatar_url(id, avatar_version));
}

void api_push(api_t *a, int64_t to, json_t *msg) {
    char *s = msg ? json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s && a->bus) {
        char topic[BUS_TOPIC_MAX + 1];
        const char *type = json_string_value(json_object_get(msg, "type"));
        bus_publish(a->bus, &(bus_msg_t){ bus_user_topic(topic, to), type ? type : "push", 0, span_cstr(s) });
    }
    json_decref(msg);
    free(s);
}

void api_job_init(api_job_t *j, api_t *a, http_req_t *r, void (*destroy)(api_job_t *)) {
    j->a = a;
    j->r = r;
    j->destroy = destroy;
    http_req_hold(r);
}

void api_job_free(api_job_t *j) { free(j); }

api_job_t *api_job_start(api_t *a, http_req_t *r, bool auth, int64_t id, const api_job_type_t *type) {
    int64_t uid = 0;
    auth_claims_t cl = { 0 };
    if (auth && !(uid = api_require_claims(a, r, &cl))) return NULL;
    api_job_t *j = xcalloc(1, type->size);
    api_job_init(j, a, r, type->destroy);
    j->uid = uid;
    j->sid = cl.sid;
    j->target = id;
    return j;
}

void api_user_db(api_t *a, http_req_t *r, int64_t id, const api_job_type_t *type, void (*work)(api_job_t *j, db_t *db),
                 api_step_fn done) {
    api_job_t *j = api_job_start(a, r, true, id, type);
    if (j) api_run_db(j, work, done);
}

void api_job_done(api_job_t *j) { j->destroy(j); }

static int run_work(db_t *db, void *arg) {
    api_job_t *j = arg;
    j->work(j, db);
    return j->rc;
}

static void db_work(void *arg, void *worker) {
    api_job_t *j = arg;
    j->rc = dbpool_run(worker, run_work, j);
}

static void step_done(void *arg, int status) {
    api_job_t *j = arg;
    if (status != 0) {   /* shutting down before it ran */
        api_busy(j->r);
        api_job_done(j);
        return;
    }
    j->next(j);
}

void api_run_db(api_job_t *j, void (*work)(api_job_t *, db_t *), api_step_fn next) {
    j->work = work;
    j->next = next;
    if (pool_submit(dbpool_pool(j->a->db), db_work, step_done, j) != 0) {
        api_busy(j->r);
        api_job_done(j);
    }
}

static void db_batch_work(void **args, int n, void *worker) {
    api_job_t **jobs = (api_job_t **)args;
    db_t *db = dbpool_db(worker);
    if (db) jobs[0]->kind->run(jobs, n, db);
    bool lost = !db;
    for (int i = 0; i < n; i++) {
        if (!db) jobs[i]->rc = DB_ECONN;
        lost = lost || jobs[i]->rc == DB_ECONN;
    }
    if (lost && db) dbpool_lost(worker);
}

void api_run_db_batch(api_job_t *j, const api_batch_t *kind, api_step_fn next) {
    j->kind = kind;
    j->next = next;
    if (pool_submit_batch(dbpool_pool(j->a->db), db_batch_work, kind, step_done, j) != 0) {
        api_busy(j->r);
        api_job_done(j);
    }
}

void api_run_hash(api_job_t *j, pool_work_fn work, api_step_fn next) {
    j->next = next;
    if (pool_submit(j->a->hash_pool, work, step_done, j) != 0) {
        api_busy(j->r);
        api_job_done(j);
    }
}

void api_run_pool(api_job_t *j, pool_work_fn work, api_step_fn next) {
    j->next = next;
    if (pool_submit(j->a->pool, work, step_done, j) != 0) {
        api_busy(j->r);
        api_job_done(j);
    }
}

void api_db_failed(api_job_t *j) {
    if (j->rc == ACCOUNT_E_GONE) http_respond_error(j->r, 401, "unauthorized", "This account no longer exists.");
    else if (j->rc == DB_ECONN || j->rc == DB_EBUSY) api_busy(j->r);
    else http_respond_error(j->r, 500, "internal", "The request could not be completed.");
    api_job_done(j);
}

const api_answer_t API_ANSWERS_ME[] = {
    { ACCOUNT_E_NOTFOUND, 401, "unauthorized", "This account no longer exists." },
    { 0, 0, NULL, NULL },
};

bool api_db_ok(api_job_t *j, const api_answer_t *answers) {
    if (j->rc == ERR_OK) return true;
    for (const api_answer_t *a = answers; a && a->status; a++) {
        if (a->rc != j->rc) continue;
        http_respond_error(j->r, a->status, a->code, a->message);
        api_job_done(j);
        return false;
    }
    api_db_failed(j);
    return false;
}

bool api_query_has(span_t q, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i + n <= q.len; i++)
        if ((i == 0 || q.ptr[i - 1] == '&') && memcmp(q.ptr + i, name, n) == 0 && (i + n == q.len || q.ptr[i + n] == '=' || q.ptr[i + n] == '&'))
            return true;
    return false;
}

bool api_query_int(http_req_t *r, const char *name, int lo, int hi, int def, int *out) {
    char v[16];
    *out = def;
    span_t q = http_req_query(r);
    bool got = reqparse_query(q, name, v, sizeof v);
    if (!got && !api_query_has(q, name)) return true;
    char *end = v;
    long x = got ? strtol(v, &end, 10) : 0;
    if (!got || !(v[0] >= '0' && v[0] <= '9') || *end || x < lo || x > hi) {
        api_fields_error(r, json_pack("{s:s}", name, "invalid"));
        return false;
    }
    *out = (int)x;
    return true;
}
