/* api_auth — registration, login, token refresh with rotation, logout, sessions.
 *
 * Each handler validates on the loop, then chains jobs: Argon2id on the hashing pool
 * (bounded: past HASH_QUEUE waiting jobs the answer is 503 + Retry-After), queries on the
 * database pool, and answers from the last completion. A job owns a copy of everything it
 * needs; the request stays valid while held even if the client leaves.
 *
 * Tokens: the access token (JWT, 15 min) goes in the JSON answer and lives in the page's
 * memory only; the refresh token goes in an HttpOnly, Secure, SameSite=Strict cookie
 * scoped to /api/auth and is rotated on every use. */
#include "account.h"
#include "api.h"
#include "auth.h"
#include "pongd_limits.h"
#include "dbpool.h"
#include "emailtok.h"
#include "otp.h"
#include "twofa.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFRESH_COOKIE "refresh"
#define COOKIE_ATTRS "; Path=/api/auth; HttpOnly; Secure; SameSite=Strict"

typedef struct {
    api_job_t base;                     /* first: the chain's common part */
    account_t acc;
    char pw[AUTH_PASSWORD_MAX + 1];
    size_t pwlen;
    char login[AUTH_EMAIL_MAX + 1];
    account_session_t sess;
    char token[AUTH_TOKEN_CHARS + 1];
    char old_hash[AUTH_TOKEN_HASH_HEX + 1];
    int64_t sid;                        /* the session's: the access token's sid claim */
    int64_t iat_ms;                     /* the access token's issue time (0: now) */
    int64_t ended_ms;                   /* logout, session revoke: when the session ended */
    char next_tok[LIM_REFRESH_GRACE_CHAIN][AUTH_TOKEN_CHARS + 1];   /* refresh: the successors */
    char next_hash[LIM_REFRESH_GRACE_CHAIN][AUTH_TOKEN_HASH_HEX + 1];
    bool found, verified;
    db_rows_t *rows;
    /* the second factor: the login's challenge instead of tokens, and its second step */
    twofa_status_t tf;
    char challenge[AUTH_TOKEN_CHARS + 1];
    char mail_code[OTP_DIGITS + 1];
    char verify_token[AUTH_TOKEN_CHARS + 1];   /* registration: the address's confirmation link */
    char code[48];
    bool recovery;
    bool restore;                       /* POST /api/auth/restore: no session is 204, not 401 */
    int left, mail_rc;
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    sodium_memzero(j->pw, sizeof j->pw);
    sodium_memzero(j->mail_code, sizeof j->mail_code);
    sodium_memzero(j->code, sizeof j->code);
    sodium_memzero(j->verify_token, sizeof j->verify_token);
    db_rows_free(j->rows);
    free(j);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };

/* A job for a request that needs no bearer user (or has checked it). */
static job_t *job_new(api_t *a, http_req_t *r) { return (job_t *)api_job_start(a, r, false, 0, &JOB); }
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

/* ---- answers ---- */

static json_t *user_json(const account_t *u, bool private_fields) {
    json_t *o = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)u->id, "username", u->username, "display_name",
                          u->display_name, "avatar_url", api_avatar_url(u->id, u->avatar_version));
    if (private_fields) {
        json_object_set_new(o, "email", json_string(u->email));
        json_object_set_new(o, "language", json_string(u->language));
        json_object_set_new(o, "created_at", json_integer(u->created_at));
        json_object_set_new(o, "presence_visibility", json_string(account_presence_name(u->presence_visibility)));
    }
    return o;
}

void api_refresh_cookie_set(http_req_t *r, const char *token) {
    char c[160];
    snprintf(c, sizeof c, REFRESH_COOKIE "=%s; Max-Age=%lld" COOKIE_ATTRS, token, ACCOUNT_REFRESH_TTL_MS / 1000);
    http_resp_header(r, "set-cookie", c);
}

static void clear_refresh_cookie(http_req_t *r) {
    http_resp_header(r, "set-cookie", REFRESH_COOKIE "=; Max-Age=0" COOKIE_ATTRS);
}

/* 200/201 with the user, a fresh access token and the refresh cookie. */
static void answer_tokens(job_t *j, int status) {
    int64_t iat_ms = j->iat_ms ? j->iat_ms : (int64_t)now_wall_ms();
    char *access = auth_jwt_sign_session(j->base.a->secret, j->acc.id, j->acc.display_name, iat_ms, AUTH_ACCESS_TTL_S, j->sid);
    if (!access) {
        http_respond_error(j->base.r, 500, "internal", "Could not sign the access token.");
        api_job_done(&j->base);
        return;
    }
    api_refresh_cookie_set(j->base.r, j->token);
    api_json(j->base.r, status, json_pack("{s:o, s:s, s:s, s:i}", "user", user_json(&j->acc, true), "access_token", access,
                                     "token_type", "Bearer", "expires_in", AUTH_ACCESS_TTL_S));
    free(access);
    api_job_done(&j->base);
}

void api_session_new(http_req_t *r, account_session_t *s, char token[AUTH_TOKEN_CHARS + 1]) {
    auth_token_new(token);
    auth_token_hash(span_cstr(token), s->token_hash);
    auth_token_new(s->family);
    const char *ua = http_req_header(r, HDR_USER_AGENT);
    snprintf(s->user_agent, sizeof s->user_agent, "%.*s", ACCOUNT_UA_MAX, ua ? ua : "");
    /* keep stored text valid UTF-8 without controls: replace anything else */
    for (char *p = s->user_agent; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) *p = '?';
    snprintf(s->address, sizeof s->address, "%s", http_req_peer(r));
    s->now = (int64_t)now_wall_ms();
    s->expires = s->now + ACCOUNT_REFRESH_TTL_MS;
    s->stamp = true;   /* a login's session (and its access token) counts from under the user's row lock */
}

/* A new session's token, hash, family and client details. */
static void new_session(job_t *j) { api_session_new(j->base.r, &j->sess, j->token); }

/* The address's budget of attempts (AUTH_RATE a minute: logins and registrations). */
static bool rate_ok(api_t *a, http_req_t *r) {
    int retry = 0;
    char key[LIM_RATEMAP_KEY_BYTES] = "addr:";
    api_peer_key(r, key + 5, sizeof key - 5);
    if (ratemap_allow(a->auth_rate, span_cstr(key), now_wall_ms(), &retry)) return true;
    api_too_many(r, retry);
    return false;
}

/* ---- the login's limits (docs/security.md, "Login limits") ----
 * Each address has AUTH_RATE attempts a minute (rate_ok). Each account has AUTH_RATE failed
 * passwords a minute, counted by account id once the name (username or email) is resolved:
 * one budget whatever name was typed. Past it the account is locked, but only for addresses
 * that failed a login in the last LIM_LOGIN_FAIL_RECENT_MIN minutes (login_fail_rate): a user
 * at an address with no recent failure still logs in with the right password, while the
 * guessing address waits. An unknown name gets the same limits under its folded name, so the
 * answers do not tell whether an account exists. */

/* The account's key ("fail:u:<id>"; for a name that is none "fail:n:<name>") and the address's. */
static void fail_keys(const job_t *j, char acct[LIM_RATEMAP_KEY_BYTES], char addr[LIM_RATEMAP_KEY_BYTES]) {
    if (j->found) snprintf(acct, LIM_RATEMAP_KEY_BYTES, "fail:u:%" PRId64, j->acc.id);
    else snprintf(acct, LIM_RATEMAP_KEY_BYTES, "fail:n:%.100s", j->login);
    api_peer_key(j->base.r, addr, LIM_RATEMAP_KEY_BYTES);
}

/* Whether this login may go on to the password check; answers 429 itself when not. */
static bool login_allowed(job_t *j) {
    api_t *a = j->base.a;
    char acct[LIM_RATEMAP_KEY_BYTES], addr[LIM_RATEMAP_KEY_BYTES];
    uint64_t now = now_wall_ms();
    fail_keys(j, acct, addr);
    if (ratemap_peek(a->auth_rate, span_cstr(acct), now) || ratemap_peek(a->login_fail_rate, span_cstr(addr), now)) return true;
    int retry = 0;
    ratemap_allow(a->auth_rate, span_cstr(acct), now, &retry);   /* takes nothing: only says when */
    api_too_many(j->base.r, retry);
    return false;
}

/* A wrong password: spends from the account's budget and marks the address. */
static void login_failed(job_t *j) {
    api_t *a = j->base.a;
    char acct[LIM_RATEMAP_KEY_BYTES], addr[LIM_RATEMAP_KEY_BYTES];
    uint64_t now = now_wall_ms();
    fail_keys(j, acct, addr);
    ratemap_allow(a->auth_rate, span_cstr(acct), now, NULL);
    ratemap_allow(a->login_fail_rate, span_cstr(addr), now, NULL);
}

/* ---- register ---- */

static void reg_hash_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->base.rc = auth_password_hash(span_of(j->pw, j->pwlen), j->acc.password_hash) ? ERR_OK : AUTH_E_HASH;
    sodium_memzero(j->pw, sizeof j->pw);
}

/* With mail, the new address gets a confirmation link (api_email.c); the account stands
 * even if that token could not be stored (the user can ask for another). */
static void reg_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = account_register(db, &j->acc, &j->sess, &j->acc.id, &j->sid);
    if (j->base.rc == 0 && api_twofa_mail_ready(bj->a) &&
        emailtok_create(db, j->acc.id, EMAILTOK_VERIFY, j->acc.email, j->sess.now, LIM_EMAIL_VERIFY_MS, j->verify_token) != 0)
        j->verify_token[0] = 0;
}

static void reg_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    switch (j->base.rc) {
    case 0:
        if (j->verify_token[0]) api_email_link_later(bj->a, EMAILTOK_VERIFY, j->acc.email, j->acc.language, j->verify_token);
        j->acc.created_at = j->sess.now;
        answer_tokens(j, 201);
        return;
    case ACCOUNT_E_TAKEN_USERNAME: api_conflict(j->base.r, "username", "taken"); break;
    case ACCOUNT_E_TAKEN_EMAIL: api_conflict(j->base.r, "email", "taken"); break;
    case ACCOUNT_E_TAKEN_DISPLAY: api_conflict(j->base.r, "display_name", "taken"); break;
    default: api_db_failed(&j->base); return;
    }
    api_job_done(&j->base);
}

static void reg_hashed(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc != 0) {
        http_respond_error(j->base.r, 500, "internal", "Could not hash the password.");
        api_job_done(&j->base);
        return;
    }
    new_session(j);
    api_run_db(&j->base, reg_work, reg_done);
}

static bool language_ok(span_t s) { return span_eq(s, "en") || span_eq(s, "fr") || span_eq(s, "ru"); }

static void api_register(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return;
    json_t *fields = json_object();
    span_t user = { 0 }, email = { 0 }, pw = { 0 }, display = { 0 }, lang = SPAN_LIT("en");
    const char *why;
    if (api_string(body, "username", &user, fields) && (why = auth_check_username(user)))
        json_object_set_new(fields, "username", json_string(why));
    if (api_string(body, "email", &email, fields) && (why = auth_check_email(email)))
        json_object_set_new(fields, "email", json_string(why));
    bool has_display = json_object_get(body, "display_name") != NULL;
    if (has_display && api_string(body, "display_name", &display, fields) && (why = auth_check_display_name(display)))
        json_object_set_new(fields, "display_name", json_string(why));
    if (json_object_get(body, "language") && api_string(body, "language", &lang, fields) && !language_ok(lang))
        json_object_set_new(fields, "language", json_string("unsupported"));
    if (api_string(body, "password", &pw, fields) &&
        (why = auth_check_password(pw, json_object_get(fields, "username") ? (span_t){ 0 } : user,
                                   json_object_get(fields, "email") ? (span_t){ 0 } : email, a->common)))
        json_object_set_new(fields, "password", json_string(why));
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        return;
    }
    json_decref(fields);
    if (!rate_ok(a, r)) {
        json_decref(body);
        return;
    }
    job_t *j = job_new(a, r);
    snprintf(j->acc.username, sizeof j->acc.username, "%.*s", (int)user.len, user.ptr);
    snprintf(j->acc.email, sizeof j->acc.email, "%.*s", (int)email.len, email.ptr);
    if (!has_display) display = user;
    snprintf(j->acc.display_name, sizeof j->acc.display_name, "%.*s", (int)display.len, display.ptr);
    snprintf(j->acc.language, sizeof j->acc.language, "%.*s", (int)lang.len, lang.ptr);
    memcpy(j->pw, pw.ptr, pw.len);
    j->pwlen = pw.len;
    json_decref(body);
    api_run_hash(&j->base, reg_hash_work, reg_hashed);
}

/* ---- login ---- */

static void login_find_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = account_find_login(db, j->login, &j->acc);
    j->found = j->base.rc == 0;
    if (j->base.rc == ACCOUNT_E_NOTFOUND) j->base.rc = 0;
}

static void login_verify_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    /* an unknown name costs the same hash as a known one */
    j->verified = auth_password_verify(j->found ? j->acc.password_hash : j->base.a->dummy_hash, span_of(j->pw, j->pwlen)) && j->found;
    sodium_memzero(j->pw, sizeof j->pw);
}

/* With a second factor on, a challenge instead of a session (and, for email codes, the code
 * to mail); without, the session. */
static void login_session_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    if ((j->base.rc = account_banned(db, j->acc.id)) != 0) return;   /* told only after the right password */
    if ((j->base.rc = twofa_status(db, j->acc.id, &j->tf)) != 0) return;
    if (j->tf.factor[0]) {
        bool mail = strcmp(j->tf.factor, "email") == 0 && api_twofa_mail_ready(bj->a) && j->tf.email_verified_at;
        if (mail) otp_email_code_new(j->mail_code);
        j->base.rc = twofa_challenge_create(db, j->acc.id, "login", mail ? j->mail_code : NULL, j->sess.now,
                                            mail ? LIM_TWOFA_EMAIL_CODE_MS : LIM_TWOFA_CHALLENGE_MS, j->challenge);
        return;
    }
    j->base.rc = account_login_session(db, j->acc.id, &j->sess, &j->sid);
    j->iat_ms = j->sess.now;   /* stamped under the user's row lock: a later end of sessions voids it */
}

/* A banned account's way in (login, second step, refresh): 403 with a clear message. */
static const api_answer_t BANNED_ANSWERS[] = {
    { ACCOUNT_E_BANNED, 403, "account_banned", "This account is banned. Contact the site's administrators." }, { 0, 0, NULL, NULL } };

/* 200 {two_factor_required, challenge, methods, expires_in}: no tokens yet. */
static void answer_challenge(job_t *j) {
    json_t *methods = json_array();
    bool totp = strcmp(j->tf.factor, "totp") == 0;
    if (totp || j->mail_code[0]) json_array_append_new(methods, json_string(totp ? "totp" : "email"));
    json_array_append_new(methods, json_string("recovery"));
    int ttl = (j->mail_code[0] ? LIM_TWOFA_EMAIL_CODE_MS : LIM_TWOFA_CHALLENGE_MS) / 1000;
    char named[AUTH_TOKEN_CHARS + 24];   /* "<uid>.<token>": the account's rate limit applies before any work */
    snprintf(named, sizeof named, "%" PRId64 ".%s", j->acc.id, j->challenge);
    api_json(j->base.r, 200, json_pack("{s:b, s:s, s:o, s:i}", "two_factor_required", 1, "challenge", named, "methods", methods,
                                       "expires_in", ttl));
    api_job_done(&j->base);
}

static void login_mail_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->mail_rc = api_twofa_mail_code(j->base.a, j->tf.email, j->tf.language, j->mail_code, false);
}

static void login_mailed(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->mail_rc != 0) {
        http_respond_error(bj->r, 502, "mail_failed", "The sign-in code could not be mailed; use a recovery code or try again later.");
        api_job_done(bj);
        return;
    }
    answer_challenge(j);
}

static void login_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, BANNED_ANSWERS)) return;
    if (j->challenge[0]) {
        if (j->mail_code[0]) api_run_pool(bj, login_mail_work, login_mailed);
        else answer_challenge(j);
        return;
    }
    answer_tokens(j, 200);
}

static void login_verified(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!j->verified) {
        login_failed(j);
        http_respond_error(j->base.r, 401, "invalid_credentials", "Invalid credentials.");
        api_job_done(&j->base);
        return;
    }
    new_session(j);
    api_run_db(&j->base, login_session_work, login_done);
}

static void login_found(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    if (!login_allowed(j)) {
        api_job_done(bj);
        return;
    }
    api_run_hash(&j->base, login_verify_work, login_verified);
}

static void api_login(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return;
    json_t *fields = json_object();
    span_t name = { 0 }, pw = { 0 };
    api_string(body, "username", &name, fields);
    api_string(body, "password", &pw, fields);
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        return;
    }
    json_decref(fields);
    char key[AUTH_EMAIL_MAX + 1];
    bool plausible = name.len > 0 && name.len <= AUTH_EMAIL_MAX && pw.len > 0 && pw.len <= AUTH_PASSWORD_MAX;
    if (plausible) auth_fold(name, key);
    if (!rate_ok(a, r)) {
        json_decref(body);
        return;
    }
    if (!plausible) {   /* nothing that long or empty was ever registered */
        json_decref(body);
        http_respond_error(r, 401, "invalid_credentials", "Invalid credentials.");
        return;
    }
    job_t *j = job_new(a, r);
    snprintf(j->login, sizeof j->login, "%s", key);
    memcpy(j->pw, pw.ptr, pw.len);
    j->pwlen = pw.len;
    json_decref(body);
    api_run_db(&j->base, login_find_work, login_found);
}

/* ---- the login's second step: POST /api/auth/2fa/verify {challenge, code | recovery_code} ---- */

static void verify_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = twofa_login_verify_for(db, j->base.a->secret, j->base.target, span_cstr(j->challenge), j->recovery ? (span_t){ 0 } : span_cstr(j->code),
                                    j->recovery ? span_cstr(j->code) : (span_t){ 0 }, j->sess.now, &j->sess, &j->acc.id, &j->sid,
                                    &j->left);
    if (j->base.rc == 0) j->iat_ms = j->sess.now;   /* stamped under the user's row lock */
    if (j->base.rc == 0) {
        j->base.rc = account_get(db, j->acc.id, &j->acc);
        if (j->base.rc == ACCOUNT_E_NOTFOUND) j->base.rc = TWOFA_E_CHALLENGE;
    }
}

static void verify_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc == AUTH_E_CODE || j->base.rc == AUTH_E_CODE_REUSED) {
        json_t *e = json_pack("{s:{s:s, s:s, s:i}}", "error", "code", j->base.rc == AUTH_E_CODE ? "invalid_code" : "code_reused", "message",
                              j->base.rc == AUTH_E_CODE ? "The code is not valid." : "This code was already used; wait for the next one.",
                              "attempts_left", j->left);
        api_json(bj->r, 401, e);
        api_job_done(bj);
        return;
    }
    static const api_answer_t ANSWERS[] = {
        { TWOFA_E_CHALLENGE, 401, "challenge_invalid", "This sign-in has expired or saw too many wrong codes; log in again." },
        { ACCOUNT_E_BANNED, 403, "account_banned", "This account is banned. Contact the site's administrators." }, { 0 } };
    if (!api_db_ok(bj, ANSWERS)) return;
    answer_tokens(j, 200);
}

static void api_twofa_verify(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return;
    json_t *fields = json_object();
    span_t ch = { 0 }, code = { 0 };
    api_string(body, "challenge", &ch, fields);
    bool recovery = json_object_get(body, "recovery_code") != NULL;
    if (recovery && json_object_get(body, "code")) json_object_set_new(fields, "code", json_string("code_or_recovery_code"));
    else api_string(body, recovery ? "recovery_code" : "code", &code, fields);
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        return;
    }
    json_decref(fields);
    /* "<uid>.<token>": the address's and the account's budgets are spent before any work */
    int64_t uid = 0;
    size_t dot = 0;
    while (dot < ch.len && dot < 18 && ch.ptr[dot] >= '0' && ch.ptr[dot] <= '9') uid = uid * 10 + (ch.ptr[dot++] - '0');
    bool shaped = dot > 0 && uid > 0 && dot < ch.len && ch.ptr[dot] == '.' && ch.len - dot - 1 == AUTH_TOKEN_CHARS;
    if (!api_twofa_rate_ok(a, r, shaped ? uid : 0)) {
        json_decref(body);
        return;
    }
    job_t *j = job_new(a, r);
    j->base.target = uid;
    if (shaped) snprintf(j->challenge, sizeof j->challenge, "%.*s", AUTH_TOKEN_CHARS, ch.ptr + dot + 1);
    if (code.len < sizeof j->code) snprintf(j->code, sizeof j->code, "%.*s", (int)code.len, code.ptr);
    j->recovery = recovery;
    json_decref(body);
    new_session(j);
    api_run_db(&j->base, verify_work, verify_done);
}

/* ---- refresh, logout ---- */

static void refresh_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    account_rotated_t out = { 0 };
    j->base.rc = account_session_rotate_ex(db, j->old_hash, &j->sess,
                                           &(account_rotate_t){ LIM_REFRESH_GRACE_MS, j->next_hash, LIM_REFRESH_GRACE_CHAIN, true }, &out);
    j->base.uid = out.user_id;
    j->sid = out.sid;
    /* the access token counts from the rotation (stamped under the user's row lock): an end
     * of sessions that committed after it voids it */
    j->iat_ms = j->sess.now;
    if (j->base.rc == 0) memcpy(j->token, j->next_tok[out.answer], sizeof j->token);
    if (j->base.rc == 0) {
        j->base.rc = account_get(db, j->base.uid, &j->acc);
        if (j->base.rc == ACCOUNT_E_NOTFOUND) j->base.rc = ACCOUNT_E_REVOKED;   /* the account is gone */
    }
}

static void refresh_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc == 0) {
        answer_tokens(j, 200);
        return;
    }
    if (j->base.rc == ACCOUNT_E_REUSED) api_session_ended(bj->a, bj->uid, j->sid, j->sess.now);   /* revoked at sess.now */
    if (j->base.rc == ACCOUNT_E_BANNED) {
        clear_refresh_cookie(j->base.r);
        api_db_ok(bj, BANNED_ANSWERS);
        return;
    }
    if (j->base.rc == ACCOUNT_E_REUSED || j->base.rc == ACCOUNT_E_REVOKED || j->base.rc == ACCOUNT_E_EXPIRED || j->base.rc == ACCOUNT_E_NOTFOUND) {
        clear_refresh_cookie(j->base.r);
        if (j->restore) {   /* no session to restore: not an error (a reuse still ended the family) */
            http_respond(j->base.r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
            api_job_done(&j->base);
            return;
        }
        http_respond_error(j->base.r, 401, j->base.rc == ACCOUNT_E_REUSED ? "refresh_reused" : "refresh_invalid",
                           j->base.rc == ACCOUNT_E_REUSED ? "This session was ended because its refresh token was used twice."
                                                 : "The session has ended; log in again.");
        api_job_done(&j->base);
        return;
    }
    api_db_failed(&j->base);
}

/* The refresh cookie's token hash into out; false (401 answered) when absent or malformed. */
static bool cookie_token_hash(http_req_t *r, char out[AUTH_TOKEN_HASH_HEX + 1], bool answer) {
    char tok[AUTH_TOKEN_CHARS + 8];
    if (!api_cookie(r, REFRESH_COOKIE, tok, sizeof tok) || strlen(tok) != AUTH_TOKEN_CHARS) {
        if (answer) {
            clear_refresh_cookie(r);
            http_respond_error(r, 401, "refresh_invalid", "No session; log in.");
        }
        return false;
    }
    auth_token_hash(span_cstr(tok), out);
    return true;
}

/* refresh and restore: a rotation of the cookie's token; restore answers 204 where refresh
 * answers 401 (no, a malformed, revoked or expired cookie), so a logged-out page load that
 * asks is not an error. */
static void refresh_or_restore(api_t *a, http_req_t *r, bool restore) {
    if (!api_origin_ok(a, r)) return;
    char hash[AUTH_TOKEN_HASH_HEX + 1];
    if (!cookie_token_hash(r, hash, !restore)) {
        if (restore) {
            const char *sent = http_req_header(r, HDR_COOKIE);   /* any refresh cookie, whatever its length */
            if (sent && strstr(sent, REFRESH_COOKIE "=")) clear_refresh_cookie(r);
            http_respond(r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
        }
        return;
    }
    char tok[AUTH_TOKEN_CHARS + 8];
    api_cookie(r, REFRESH_COOKIE, tok, sizeof tok);   /* present: cookie_token_hash read it */
    job_t *j = job_new(a, r);
    j->restore = restore;
    memcpy(j->old_hash, hash, sizeof hash);
    new_session(j);
    /* the successors are derived, not random (auth_token_next): a rotated token back within
     * its grace is answered with the very token its first rotation issued */
    for (int i = 0; i < LIM_REFRESH_GRACE_CHAIN; i++) {
        auth_token_next(a->secret, span_cstr(i == 0 ? tok : j->next_tok[i - 1]), j->next_tok[i]);
        auth_token_hash(span_cstr(j->next_tok[i]), j->next_hash[i]);
    }
    sodium_memzero(tok, sizeof tok);
    memcpy(j->token, j->next_tok[0], sizeof j->token);
    memcpy(j->sess.token_hash, j->next_hash[0], sizeof j->sess.token_hash);
    api_run_db(&j->base, refresh_work, refresh_done);
}

static void api_refresh(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    refresh_or_restore(a, r, false);
}

static void api_restore(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    refresh_or_restore(a, r, true);
}

static void logout_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = account_session_logout(db, j->old_hash, &j->base.uid, &j->sid, &j->ended_ms);
    if (j->base.rc == ACCOUNT_E_NOTFOUND) j->base.rc = 0;
}

static void no_content_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    clear_refresh_cookie(j->base.r);
    http_respond(j->base.r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(&j->base);
}

/* Its access tokens void and its sockets closed too, before the answer. */
static void logout_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (bj->rc == 0) api_session_ended(bj->a, bj->uid, j->sid, j->ended_ms);
    no_content_done(bj);
}

static void api_logout(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    if (!api_origin_ok(a, r)) return;
    char hash[AUTH_TOKEN_HASH_HEX + 1];
    if (!cookie_token_hash(r, hash, false)) {   /* no session: already logged out */
        clear_refresh_cookie(r);
        http_respond(r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
        return;
    }
    job_t *j = job_new(a, r);
    memcpy(j->old_hash, hash, sizeof hash);
    api_run_db(&j->base, logout_work, logout_done);
}

/* Every session, this one too: refresh tokens revoked, access tokens void, sockets closed. */
static void logout_all_ended(void *ctx, int rc) {
    job_t *j = ctx;
    if (!api_sessions_ended(&j->base, rc)) return;
    no_content_done(&j->base);
}

static void api_logout_all(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (j) api_sessions_end(a, j->base.uid, 0, logout_all_ended, j);
}

/* ---- sessions ---- */

static void sessions_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = account_sessions_list(db, j->base.uid, (int64_t)now_wall_ms(), &j->rows);
    /* the caller's own session: the family of the refresh cookie sent along (path /api/auth) */
    if (j->base.rc == 0 && j->old_hash[0] && account_session_family(db, j->base.uid, j->old_hash, j->sess.family) != 0) j->sess.family[0] = 0;
}

static void sessions_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++) {
        bool current = j->sess.family[0] && strcmp(db_rows_text(j->rows, i, 5, NULL), j->sess.family) == 0;
        json_array_append_new(list, json_pack("{s:I, s:I, s:I, s:s, s:s, s:b, s:s}", "id", (json_int_t)db_rows_int(j->rows, i, 0),
                                              "created_at", (json_int_t)db_rows_int(j->rows, i, 1), "last_used_at",
                                              (json_int_t)db_rows_int(j->rows, i, 2), "user_agent",
                                              db_rows_text(j->rows, i, 3, NULL), "address", db_rows_text(j->rows, i, 4, NULL),
                                              "current", current, "second_factor", db_rows_text(j->rows, i, 6, NULL)));
    }
    api_json(j->base.r, 200, json_pack("{s:o}", "sessions", list));
    api_job_done(&j->base);
}

static void api_sessions(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    job_t *j = job_new(a, r);
    j->base.uid = uid;
    cookie_token_hash(r, j->old_hash, false);
    api_run_db(&j->base, sessions_work, sessions_done);
}

static void revoke_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj); j->base.rc = account_session_revoke(db, j->base.uid, j->base.target, &j->sid, &j->ended_ms); }

static void revoke_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    static const api_answer_t ANSWERS[] = { { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such session." }, { 0 } };
    if (!api_db_ok(bj, ANSWERS)) return;
    api_session_ended(bj->a, bj->uid, j->sid, j->ended_ms);   /* its access tokens void, its sockets closed */
    http_respond(j->base.r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(&j->base);
}

static void api_session_revoke(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, revoke_work, revoke_done); }

/* ---- me ---- */

static void me_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj); j->base.rc = account_get(db, j->base.uid, &j->acc); }

static void me_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    api_json(j->base.r, 200, user_json(&j->acc, true));
    api_job_done(&j->base);
}

static void api_me(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, me_work, me_done); }

/* What register, login and refresh answer on success (the refresh cookie is set too). */
#define R_TOKENS(status_, what_) { status_, "AuthTokens", what_ ": the user, an access token, and the rotated refresh cookie (Set-Cookie)" }
#define R_ORIGIN { 403, "Error", "origin_not_allowed: Origin is missing or not the site's own (ALLOWED_ORIGINS)" }
#define R_TOO_MANY { 429, "Error", "too_many_requests: too many attempts from this address (AUTH_RATE); for a login also: too many wrong passwords for this account while this address failed lately; wait Retry-After seconds" }

const api_route_t API_AUTH_ROUTES[] = {
    { HTTP_POST, "/api/auth/register", "Create an account: {username, email, password, display_name?, language?}", api_register, false,
      .op = "register", .tag = "auth", .body = "RegisterRequest",
      .responses = { R_TOKENS(201, "Created and logged in"), API_R_BAD_BODY,
                     { 400, "Error", "fields: username (required, invalid_type, too_short, too_long, invalid_chars), email (required, "
                                     "invalid_type, invalid), display_name (invalid_type, empty, too_long, invalid_chars), language "
                                     "(invalid_type, unsupported), password (required, invalid_type, too_short, too_long, invalid, "
                                     "same_as_username, same_as_email, too_common)" },
                     { 409, "Error", "conflict: fields.username, fields.email or fields.display_name is \"taken\"" }, R_TOO_MANY,
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/login", "Log in: {username (or email), password}", api_login, false, .op = "login", .tag = "auth",
      .body = "LoginRequest",
      .responses = { { 200, "LoginResult", "Logged in (AuthTokens and the refresh cookie); or, with a second factor on, "
                                           "TwoFactorChallenge: no tokens until POST /api/auth/2fa/verify" },
                     API_R_BAD_BODY, { 400, "Error", "fields: username, password (required, invalid_type)" },
                     { 401, "Error", "invalid_credentials: no such account, or the wrong password" }, R_TOO_MANY,
                     { 403, "Error", "account_banned: the account is banned (told only after the right password)" }, 
                     { 502, "Error", "mail_failed: email codes are on and the code could not be mailed" }, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/2fa/verify",
      "The login's second step: {challenge, code} (TOTP or mailed) or {challenge, recovery_code}; the tokens as for a login",
      api_twofa_verify, false, .op = "verifyTwoFactor", .tag = "auth", .body = "TwoFactorVerify",
      .responses = { R_TOKENS(200, "Logged in with the second factor (the session records which)"), API_R_BAD_BODY,
                     { 400, "Error", "fields: challenge, code or recovery_code (required, invalid_type; code_or_recovery_code: both sent)" },
                     { 401, "CodeError", "invalid_code: a wrong code; code_reused: a TOTP code of a step already used; both say "
                                         "attempts_left. challenge_invalid: unknown, expired, used, or dead after 5 wrong codes: log in again" },
                     { 403, "Error", "account_banned: the account was banned" },
                     { 429, "Error", "too_many_requests: too many codes tried from this address or for this account (TWOFA_RATE); "
                                     "wait Retry-After seconds" },
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/refresh", "New access token from the refresh cookie (rotated)", api_refresh, false, .op = "refresh",
      .tag = "auth", .cookie = "refresh",
      .responses = { R_TOKENS(200, "A new access token"),
                     { 401, "Error", "refresh_invalid: no, a malformed, expired or revoked refresh cookie (or the account is gone); "
                                     "refresh_reused: a rotated token came back from another client or after its 5 s grace, so its whole session was ended "
                                     "(the same client within the grace gets the current token again: 200). Both clear the cookie" },
                     { 403, "Error", "account_banned: the account is banned (the cookie is cleared)" }, R_ORIGIN, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/restore",
      "On page load: the session the refresh cookie holds (rotated, as a refresh), or nothing — never an error for a logged-out visitor",
      api_restore, false, .op = "restoreSession", .tag = "auth", .cookie = "refresh",
      .responses = { R_TOKENS(200, "The cookie held a live session: its user and a new access token"),
                     { 204, NULL, "No session: no cookie, or a malformed, expired, revoked or reused one (any such cookie is cleared)" },
                     R_ORIGIN, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/logout", "End this session (the refresh cookie's); without one, nothing to end", api_logout, false,
      .op = "logout", .tag = "auth", .cookie = "refresh",
      .responses = { { 204, NULL, "Logged out (also when there was no session): its refresh tokens revoked, its access tokens void, "
                                  "its open sockets closed (4001 session ended); the cookie is cleared" }, R_ORIGIN, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/logout-all", "End every session of the account", api_logout_all, true, .op = "logoutAll", .tag = "auth",
      .responses = { { 204, NULL, "Every session ended, this one too: refresh tokens revoked, access tokens void, open sockets closed "
                                  "(4001 session ended); the cookie is cleared" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/auth/sessions",
      "The account's live sessions; `current` marks this one when the refresh cookie comes along (it is optional)", api_sessions,
      true, .op = "listSessions", .tag = "auth",
      .responses = { { 200, "SessionList", "The live sessions, most recently used first" }, API_R_UNAUTHORIZED, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_DELETE, "/api/auth/sessions/{id}", "End one session", api_session_revoke, true, .op = "revokeSession", .tag = "auth",
      .responses = { { 204, NULL, "The session ended: its refresh tokens revoked, its access tokens void, its open sockets closed "
                                  "(4001 session ended); the account's other sessions go on" }, API_R_UNAUTHORIZED,
                     API_R_NOT_FOUND("no such session of this account"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/users/me", "The logged-in user's profile", api_me, true, .op = "getMe", .tag = "users",
      .responses = { { 200, "Me", "The account" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { .method = HTTP_GET, .path = NULL },   /* the end */
};
