/* api_oauth — Log in with 42: OAuth 2.0 authorization code with PKCE against the 42 intranet
 * (or the stand-in provider of the tests), configured by OAUTH42_* (docs/security.md, "Log in
 * with 42").
 *
 * The flow: GET /api/auth/oauth/42 (or POST …/link for a logged-in user) makes a random
 * `state` and PKCE verifier, stores the state hashed with the verifier (oauth_states: single
 * use, LIM_OAUTH_STATE_MS), binds it to this browser with a SameSite=Lax cookie, and sends the
 * browser to the provider. The provider sends it back to GET /api/auth/oauth/42/callback with
 * code and state: the state must equal the cookie's and be used here for the first time; the
 * code is exchanged (with the verifier and the client secret) and the user read on the general
 * pool (libcurl, model/httpc: https only, certificates verified, timeouts). A login then finds
 * the account by the provider's user id or creates it; with a second factor on, the page gets a
 * challenge for the usual second step instead of a session. Every end is a redirect to a page
 * of the app: a session (the refresh cookie; the page restores it on load), or
 * /login?oauth_error=<code> (/settings?… in link mode), never JSON. */
#include "account.h"
#include "api.h"
#include "auth.h"
#include "avatar.h"
#include "httpc.h"
#include "log.h"
#include "oauth.h"
#include "oauthlink.h"
#include "otp.h"
#include "pongd_limits.h"
#include "profile.h"
#include "reqparse.h"
#include "twofa.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STATE_COOKIE "oauth42_state"
#define STATE_COOKIE_ATTRS "; Path=/api/auth/oauth/42; HttpOnly; Secure; SameSite=Lax"
#define FORM_MAX 4096
#define OAUTH_URL_BYTES 2048

typedef struct {
    api_job_t base;                       /* first: the chain's common part */
    char state[OAUTH_STATE_CHARS + 1];
    char state_hash[AUTH_TOKEN_HASH_HEX + 1];
    char verifier[OAUTH_VERIFIER_CHARS + 1];
    int64_t link_uid;                     /* link mode: the user linking (0: a login) */
    bool json_start;                      /* POST …/link: answer {url} instead of a redirect */
    char code[LIM_OAUTH_CODE_MAX + 1];
    char provider_error[64];
    char redirect_uri[600];
    int fetch_rc;
    oauth_user_t user;
    account_t acc;
    bool created;
    account_session_t sess;
    char token[AUTH_TOKEN_CHARS + 1];
    int64_t sid;
    twofa_status_t tf;
    char challenge[AUTH_TOKEN_CHARS + 1];
    char mail_code[OTP_DIGITS + 1];
    int mail_rc;
    uint8_t *img;
    size_t img_len;
    int img_rc;
    int64_t version;
    bool linked, has_pw;
    char login[OAUTH_LOGIN_MAX + 1];
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    sodium_memzero(j->verifier, sizeof j->verifier);
    sodium_memzero(j->code, sizeof j->code);
    sodium_memzero(j->token, sizeof j->token);
    sodium_memzero(j->mail_code, sizeof j->mail_code);
    free(j->img);
    api_job_free(bj);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

static bool enabled(const api_t *a) { return a->cfg->oauth42_client_id[0] != 0; }

/* The redirect URI registered with the provider: <PUBLIC_ORIGIN>/api/auth/oauth/42/callback. */
static void redirect_uri(const api_t *a, char *out, size_t cap) {
    snprintf(out, cap, "%s/api/auth/oauth/42/callback", a->cfg->public_origin);
}

/* ---- answers: every end of the flow is a page of the app ---- */

static void redirect(http_req_t *r, const char *location) {
    http_resp_header(r, "location", location);
    http_resp_header(r, "cache-control", "no-store");
    http_respond(r, 302, NULL, NULL, 0, HTTP_BODY_BORROW);
}

/* /login?oauth_error=<code> (link mode: /settings?oauth_error=<code>); code is one of a fixed
 * set of words (the page translates them). */
static void fail_page(http_req_t *r, bool link_mode, const char *code) {
    char loc[96];
    snprintf(loc, sizeof loc, "%s?oauth_error=%s", link_mode ? "/settings" : "/login", code);
    redirect(r, loc);
}

static void job_fail(job_t *j, const char *code) {
    fail_page(j->base.r, j->link_uid != 0, code);
    api_job_done(&j->base);
}

/* Does the query name parameter `name` at all (whatever its value, even one reqparse_query
 * refuses)? */
static bool span_has_param(span_t q, const char *name) {
    size_t n = strlen(name);
    for (size_t i = 0; i + n <= q.len; i++) {
        if ((i == 0 || q.ptr[i - 1] == '&') && memcmp(q.ptr + i, name, n) == 0 && (i + n == q.len || q.ptr[i + n] == '=' || q.ptr[i + n] == '&'))
            return true;
    }
    return false;
}

static void clear_state_cookie(http_req_t *r) { http_resp_header(r, "set-cookie", STATE_COOKIE "=; Max-Age=0" STATE_COOKIE_ATTRS); }

/* Appends `name=value` (form-urlencoded: every byte but the unreserved ones as %XX) to out. */
static bool form_add(char *out, size_t cap, const char *name, const char *value) {
    size_t n = strlen(out);
    int k = snprintf(out + n, cap - n, "%s%s=", n ? "&" : "", name);
    if (k < 0 || (size_t)k >= cap - n) return false;
    n += (size_t)k;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
                     *p == '_' || *p == '~';
        if (n + 4 > cap) return false;
        if (plain) out[n++] = (char)*p;
        else n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
    }
    out[n] = 0;
    return true;
}

/* ---- start: GET /api/auth/oauth/42, POST /api/auth/oauth/42/link ---- */

static void start_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = oauthlink_state_put(db, j->state_hash, j->verifier, j->link_uid, (int64_t)now_wall_ms(), LIM_OAUTH_STATE_MS);
}

static void start_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc != 0 && !j->json_start) {   /* a page, never JSON */
        job_fail(j, j->base.rc == DB_EBUSY || j->base.rc == DB_ECONN ? "busy" : "internal");
        return;
    }
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    const config_t *c = j->base.a->cfg;
    char challenge[OAUTH_CHALLENGE_CHARS + 1], uri[600], query[OAUTH_URL_BYTES] = "", url[OAUTH_URL_BYTES + 600];
    oauth_pkce_s256(span_cstr(j->verifier), challenge);
    redirect_uri(j->base.a, uri, sizeof uri);
    bool ok = form_add(query, sizeof query, "client_id", c->oauth42_client_id) && form_add(query, sizeof query, "redirect_uri", uri) &&
              form_add(query, sizeof query, "response_type", "code") && form_add(query, sizeof query, "scope", "public") &&
              form_add(query, sizeof query, "state", j->state) && form_add(query, sizeof query, "code_challenge", challenge) &&
              form_add(query, sizeof query, "code_challenge_method", "S256");
    if (!ok || snprintf(url, sizeof url, "%s%c%s", c->oauth42_authorize_url, strchr(c->oauth42_authorize_url, '?') ? '&' : '?', query) >=
                   (int)sizeof url) {
        job_fail(j, "internal");
        return;
    }
    char cookie[160];
    snprintf(cookie, sizeof cookie, STATE_COOKIE "=%s; Max-Age=%d" STATE_COOKIE_ATTRS, j->state, (int)(LIM_OAUTH_STATE_MS / 1000));
    http_resp_header(j->base.r, "set-cookie", cookie);
    if (j->json_start) api_json(j->base.r, 200, json_pack("{s:s}", "url", url));
    else redirect(j->base.r, url);
    api_job_done(bj);
}

static void start(api_t *a, http_req_t *r, int64_t link_uid) {
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    j->link_uid = link_uid;
    j->base.uid = link_uid;
    j->json_start = link_uid != 0;
    auth_token_new(j->state);
    auth_token_hash(span_cstr(j->state), j->state_hash);
    auth_token_new(j->verifier);
    api_run_db(&j->base, start_work, start_done);
}

/* Starts spend from the address's AUTH_RATE budget: each stores a state. */
static bool start_rate_ok(api_t *a, http_req_t *r, bool page) {
    int retry = 0;
    char key[LIM_RATEMAP_KEY_BYTES];
    snprintf(key, sizeof key, "oauth:%s", http_req_peer(r));
    if (ratemap_allow(a->auth_rate, span_cstr(key), now_wall_ms(), &retry)) return true;
    if (page) fail_page(r, false, "rate_limited");
    else api_too_many(r, retry);
    return false;
}

/* Is the request addressed to PUBLIC_ORIGIN's host (and port)? The callback comes back there,
 * so the state cookie must be set there too. */
static bool on_public_origin(const api_t *a, http_req_t *r) {
    const char *host = http_req_header(r, HDR_HOST), *pub = a->cfg->public_origin;
    if (strncmp(pub, "https://", 8) != 0) return true;
    pub += 8;
    if (!host) return false;
    size_t n = strlen(pub);
    if (strncasecmp(host, pub, n) == 0 && (host[n] == 0 || (strchr(pub, ':') == NULL && strcmp(host + n, ":443") == 0))) return true;
    return false;
}

static void api_oauth_start(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    if (!enabled(a)) {
        fail_page(r, false, "disabled");
        return;
    }
    /* reached under another name (https://127.0.0.1:… for https://localhost:…): start again on
     * the public origin, once (?moved=1 stops a loop behind a proxy that rewrites Host) */
    char moved[4];
    if (!on_public_origin(a, r) && !reqparse_query(http_req_query(r), "moved", moved, sizeof moved)) {
        char loc[sizeof a->cfg->public_origin + 40];
        snprintf(loc, sizeof loc, "%s/api/auth/oauth/42?moved=1", a->cfg->public_origin);
        redirect(r, loc);
        return;
    }
    if (start_rate_ok(a, r, true)) start(a, r, 0);
}

static void api_oauth_link_start(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    if (!enabled(a)) {
        http_respond_error(r, 404, "oauth_disabled", "Log in with 42 is not configured on this server.");
        return;
    }
    if (start_rate_ok(a, r, false)) start(a, r, uid);
}

/* ---- callback: GET /api/auth/oauth/42/callback?code&state (or ?error&state) ---- */

static void avatar_stored(api_job_t *bj);
static void finish(job_t *j);

/* The code for the token, the token for the user: the general pool (blocking HTTPS). */
static void exchange_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    const config_t *c = j->base.a->cfg;
    char form[FORM_MAX] = "";
    if (!form_add(form, sizeof form, "grant_type", "authorization_code") || !form_add(form, sizeof form, "client_id", c->oauth42_client_id) ||
        !form_add(form, sizeof form, "client_secret", c->oauth42_client_secret) || !form_add(form, sizeof form, "code", j->code) ||
        !form_add(form, sizeof form, "redirect_uri", j->redirect_uri) || !form_add(form, sizeof form, "code_verifier", j->verifier)) {
        j->fetch_rc = ERR_LIMIT;
        return;
    }
    httpc_resp_t res;
    httpc_req_t req = { .url = c->oauth42_token_url, .form = form, .ca_file = c->oauth42_ca_file, .timeout_s = c->oauth42_timeout_s,
                        .max_bytes = OAUTH_JSON_MAX };
    char access[OAUTH_ACCESS_MAX + 1];
    j->fetch_rc = httpc_fetch(&req, &res);
    sodium_memzero(form, sizeof form);
    if (j->fetch_rc != 0) return;
    j->fetch_rc = res.status == 200 ? oauth_token_parse(res.body, res.len, access) : OAUTH_E_PROVIDER;
    httpc_free(&res);
    if (j->fetch_rc != 0) return;
    req = (httpc_req_t){ .url = c->oauth42_userinfo_url, .bearer = access, .ca_file = c->oauth42_ca_file,
                         .timeout_s = c->oauth42_timeout_s, .max_bytes = OAUTH_JSON_MAX };
    j->fetch_rc = httpc_fetch(&req, &res);
    sodium_memzero(access, sizeof access);
    if (j->fetch_rc != 0) return;
    j->fetch_rc = res.status == 200 ? oauth_user_parse(res.body, res.len, &j->user) : OAUTH_E_PROVIDER;
    httpc_free(&res);
}

static void link_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = oauthlink_link(db, j->link_uid, &j->user, (int64_t)now_wall_ms());
}

static void link_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    switch (j->base.rc) {
    case 0: redirect(bj->r, "/settings?oauth42=linked"); break;
    case OAUTH_E_TAKEN: fail_page(bj->r, true, "taken"); break;
    case OAUTH_E_LINKED: fail_page(bj->r, true, "already_linked"); break;
    case ACCOUNT_E_GONE: fail_page(bj->r, true, "gone"); break;
    default: fail_page(bj->r, true, j->base.rc == DB_EBUSY || j->base.rc == DB_ECONN ? "busy" : "internal"); break;
    }
    api_job_done(bj);
}

/* The account (found or created), then as a password login: with a factor on, a challenge;
 * else the session. */
static void login_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    if ((j->base.rc = oauthlink_login(db, &j->user, j->sess.now, &j->acc, &j->created)) != 0) return;
    if ((j->base.rc = twofa_status(db, j->acc.id, &j->tf)) != 0) return;
    if (j->tf.factor[0]) {
        bool mail = strcmp(j->tf.factor, "email") == 0 && api_twofa_mail_ready(bj->a);
        if (mail) otp_email_code_new(j->mail_code);
        j->base.rc = twofa_challenge_create(db, j->acc.id, "login", mail ? j->mail_code : NULL, j->sess.now,
                                            mail ? LIM_TWOFA_EMAIL_CODE_MS : LIM_TWOFA_CHALLENGE_MS, j->challenge);
        return;
    }
    snprintf(j->sess.second_factor, sizeof j->sess.second_factor, "%s", "");
    j->base.rc = account_session_create(db, j->acc.id, &j->sess, &j->sid);
}

/* A first login's avatar: the 42 image from an allowed host, size-limited, re-encoded as an
 * upload is. Any failure keeps the identicon. */
static void avatar_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    const config_t *c = j->base.a->cfg;
    httpc_resp_t res;
    httpc_req_t req = { .url = j->user.image, .ca_file = c->oauth42_ca_file, .hosts = c->oauth42_image_hosts,
                        .n_hosts = c->oauth42_n_image_hosts, .timeout_s = c->oauth42_timeout_s, .max_bytes = LIM_OAUTH_AVATAR_BYTES };
    j->img_rc = httpc_fetch(&req, &res);
    if (j->img_rc != 0) return;
    if (res.status != 200) {
        j->img_rc = OAUTH_E_PROVIDER;
        httpc_free(&res);
        return;
    }
    avatar_out_t out;
    j->img_rc = avatar_process(res.body, res.len, &out);
    httpc_free(&res);
    j->img = out.data;
    j->img_len = out.len;
}

static void avatar_store_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = profile_avatar_set(db, j->acc.id, j->img, j->img_len, "image/webp", (int64_t)now_wall_ms(), &j->version);
}

static void avatar_fetched(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->img_rc == AVATAR_OK && j->img) {
        api_run_db(bj, avatar_store_work, avatar_stored);
        return;
    }
    log_msg("warn", "oauth42: first login of user %" PRId64 ": avatar not taken (%s)", j->acc.id, err_name(j->img_rc));
    finish(j);
}

static void avatar_stored(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc != 0) log_msg("warn", "oauth42: avatar of user %" PRId64 " not stored (%s)", j->acc.id, err_name(j->base.rc));
    finish(j);
}

static void mail_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->mail_rc = api_twofa_mail_code(j->base.a, j->tf.email, j->tf.language, j->mail_code, false);
}

/* The second step: the login page, with the challenge in the fragment (never sent to a
 * server, nor in a Referer), as the password login's answer would give it. */
static void challenge_page(job_t *j) {
    char loc[256];
    bool totp = strcmp(j->tf.factor, "totp") == 0;
    const char *method = totp ? "totp" : j->mail_code[0] ? "email" : "";
    int ttl = (j->mail_code[0] ? LIM_TWOFA_EMAIL_CODE_MS : LIM_TWOFA_CHALLENGE_MS) / 1000;
    snprintf(loc, sizeof loc, "/login#oauth42_challenge=%" PRId64 ".%s&methods=%s%srecovery&expires_in=%d", j->acc.id, j->challenge, method,
             method[0] ? "," : "", ttl);
    redirect(j->base.r, loc);
    api_job_done(&j->base);
}

static void mailed(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->mail_rc != 0) j->mail_code[0] = 0;   /* the page offers the recovery code only */
    challenge_page(j);
}

/* The end of a login: a challenge page, or the session (refresh cookie) and the app. */
static void finish(job_t *j) {
    if (j->challenge[0]) {
        if (j->mail_code[0]) api_run_pool(&j->base, mail_work, mailed);
        else challenge_page(j);
        return;
    }
    api_refresh_cookie_set(j->base.r, j->token);
    redirect(j->base.r, j->created ? "/settings?oauth42=welcome" : "/");
    api_job_done(&j->base);
}

static void login_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc != 0) {
        job_fail(j, j->base.rc == ACCOUNT_E_TAKEN_USERNAME ? "name_taken"
                    : j->base.rc == ACCOUNT_E_BANNED                  ? "banned"
                    : j->base.rc == DB_EBUSY || j->base.rc == DB_ECONN ? "busy"
                                                                      : "internal");
        return;
    }
    if (j->created && j->user.image[0]) {
        api_run_pool(bj, avatar_work, avatar_fetched);
        return;
    }
    finish(j);
}

static void exchanged(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->fetch_rc != 0) {
        log_msg("warn", "oauth42: the provider's answer was refused (%s)", err_name(j->fetch_rc));
        job_fail(j, j->fetch_rc == OAUTH_E_TIMEOUT ? "timeout" : "provider");
        return;
    }
    if (j->link_uid) {
        api_run_db(bj, link_work, link_done);
        return;
    }
    api_session_new(bj->r, &j->sess, j->token);
    api_run_db(bj, login_work, login_done);
}

static void state_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = oauthlink_state_take(db, j->state_hash, (int64_t)now_wall_ms(), j->verifier, &j->link_uid);
}

static void state_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc != 0) {
        job_fail(j, j->base.rc == OAUTH_E_STATE ? "state" : j->base.rc == DB_EBUSY || j->base.rc == DB_ECONN ? "busy" : "internal");
        return;
    }
    if (j->provider_error[0]) {   /* the user said no, or the provider failed: the state is used up all the same */
        job_fail(j, strcmp(j->provider_error, "access_denied") == 0 ? "denied" : "provider");
        return;
    }
    if (!j->code[0]) {
        job_fail(j, "provider");
        return;
    }
    api_run_pool(bj, exchange_work, exchanged);
}

static void api_oauth_callback(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    clear_state_cookie(r);   /* single use in this browser too, whatever happens */
    if (!enabled(a)) {
        fail_page(r, false, "disabled");
        return;
    }
    span_t q = http_req_query(r);
    char state[OAUTH_STATE_CHARS + 2] = "", cookie[OAUTH_STATE_CHARS + 2] = "";
    bool has_state = reqparse_query(q, "state", state, sizeof state);
    bool has_cookie = api_cookie(r, STATE_COOKIE, cookie, sizeof cookie);
    /* No Origin check: the provider's redirect is a cross-site navigation. The state, equal to
     * this browser's cookie and unused, is what ties the answer to a flow this browser began. */
    if (!has_state || !has_cookie || !oauth_state_matches(span_cstr(cookie), span_cstr(state))) {
        fail_page(r, false, "state");
        return;
    }
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    memcpy(j->state, state, sizeof j->state);
    auth_token_hash(span_cstr(j->state), j->state_hash);
    if (!reqparse_query(q, "code", j->code, sizeof j->code)) j->code[0] = 0;
    /* any error parameter ends the flow: an empty, odd or long one as "error" */
    char probe[2];
    bool has_error = reqparse_query(q, "error", probe, sizeof probe) || span_has_param(q, "error");
    if (has_error && (!reqparse_query(q, "error", j->provider_error, sizeof j->provider_error) || !j->provider_error[0]))
        snprintf(j->provider_error, sizeof j->provider_error, "error");
    redirect_uri(a, j->redirect_uri, sizeof j->redirect_uri);
    api_run_db(&j->base, state_work, state_done);
}

/* ---- the page's questions: providers (public), status and unlink (bearer) ---- */

static void api_oauth_providers(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    api_json(r, 200, json_pack("{s:{s:b, s:s}}", "oauth42", "enabled", enabled(a), "start_url", "/api/auth/oauth/42"));
}

static void status_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = oauthlink_status(db, bj->uid, &j->linked, j->login, &j->has_pw);
}

static void status_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    api_json(bj->r, 200, json_pack("{s:b, s:b, s:o, s:b}", "enabled", enabled(bj->a), "linked", j->linked, "login",
                                   j->linked ? json_string(j->login) : json_null(), "has_password", j->has_pw));
    api_job_done(bj);
}

static void api_oauth_status(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, status_work, status_done); }

static void unlink_work(api_job_t *bj, db_t *db) { bj->rc = oauthlink_unlink(db, bj->uid); }

static void unlink_done(api_job_t *bj) {
    static const api_answer_t ANSWERS[] = {
        { ACCOUNT_E_NOTFOUND, 404, "not_linked", "No 42 account is linked." },
        { OAUTH_E_NO_PASSWORD, 409, "no_password", "Set a password first: without it, this account would have no way in." },
        { ACCOUNT_E_GONE, 401, "unauthorized", "This account no longer exists." },
        { 0 },
    };
    if (!api_db_ok(bj, ANSWERS)) return;
    http_respond(bj->r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(bj);
}

static void api_oauth_unlink(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, unlink_work, unlink_done); }

#define R_PAGE(what_) { 302, NULL, what_ }

const api_route_t API_OAUTH_ROUTES[] = {
    { HTTP_GET, "/api/auth/oauth/providers", "Which ways in besides the password this server offers (the login page asks)",
      api_oauth_providers, false, .op = "oauthProviders", .tag = "auth",
      .responses = { { 200, "OAuthProviders", "oauth42.enabled: Log in with 42 is configured" } } },
    { HTTP_GET, "/api/auth/oauth/42", "Log in with 42: the browser goes here and on to the provider", api_oauth_start, false,
      .op = "oauth42Start", .tag = "auth",
      .query = (const api_param_t[]){ { "moved", false, "{\"type\":\"string\",\"maxLength\":1}", "set by the server's own redirect to PUBLIC_ORIGIN (no second one)" },
                                      { NULL } },
      .responses = { R_PAGE("To the provider's authorize page with state and a PKCE S256 challenge; sets the oauth42_state cookie "
                            "(SameSite=Lax, 10 min). Reached under another name than PUBLIC_ORIGIN: first to "
                            "<PUBLIC_ORIGIN>/api/auth/oauth/42?moved=1 (the cookie must be where the callback comes back). Or, when "
                            "the feature is off or the address started too many: to /login?oauth_error=disabled|rate_limited|busy|internal") } },
    { HTTP_POST, "/api/auth/oauth/42/link", "Link a 42 account to this one: the URL the browser goes to next", api_oauth_link_start,
      true, .op = "oauth42LinkStart", .tag = "auth",
      .responses = { { 200, "OAuthStart", "url: the provider's authorize page (the oauth42_state cookie is set); the callback "
                                          "ends on /settings?oauth42=linked or /settings?oauth_error=…" },
                     API_R_UNAUTHORIZED, { 404, "Error", "oauth_disabled: Log in with 42 is not configured" },
                     { 429, "Error", "too_many_requests: too many starts from this address" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/auth/oauth/42/callback", "Where the provider sends the browser back: ?code&state or ?error&state",
      api_oauth_callback, false, .op = "oauth42Callback", .tag = "auth", .cookie = STATE_COOKIE,
      .query = (const api_param_t[]){ { "state", true, "{\"type\":\"string\",\"maxLength\":43}", "the state of the start (must equal the oauth42_state cookie)" },
                                      { "code", false, "{\"type\":\"string\",\"maxLength\":512}", "the authorization code" },
                                      { "error", false, "{\"type\":\"string\",\"maxLength\":63}", "the provider's refusal, e.g. access_denied" },
                                      { NULL } },
      .responses = { R_PAGE("Always a page of the app, never JSON; the state cookie is cleared. Logged in: the refresh cookie is "
                            "set and the page is / (a new account: /settings?oauth42=welcome). A second factor on: "
                            "/login#oauth42_challenge=<challenge>&methods=…&expires_in=… for POST /api/auth/2fa/verify. Linked: "
                            "/settings?oauth42=linked. Else /login?oauth_error= (link mode: /settings?oauth_error=) state (missing, "
                            "not this browser's, expired or used), denied, provider, timeout, disabled, taken, already_linked, "
                            "name_taken, gone, busy, internal") } },
    { HTTP_GET, "/api/auth/oauth/42/status", "Is a 42 account linked to mine, and do I have a password", api_oauth_status, true,
      .op = "oauth42Status", .tag = "auth",
      .responses = { { 200, "OAuth42Status", "The link (never a token or secret)" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/auth/oauth/42", "Unlink my 42 account (only with a password set)", api_oauth_unlink, true,
      .op = "oauth42Unlink", .tag = "auth",
      .responses = { { 204, NULL, "Unlinked" }, API_R_UNAUTHORIZED, { 404, "Error", "not_linked: no 42 account is linked" },
                     { 409, "Error", "no_password: the account has no password yet (set one first)" }, API_R_BUSY, API_R_INTERNAL } },
    { .method = HTTP_GET, .path = NULL },   /* the end */
};
