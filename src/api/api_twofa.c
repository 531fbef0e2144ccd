/* api_twofa — the second factor in the account's settings: its state, TOTP set up and
 * switched on by a first code, email codes switched on by a mailed code, and switching off
 * with the password and a code. The login's second step (POST /api/auth/2fa/verify) is in
 * api_auth.c with the rest of the login; the mail of a code is here (api_twofa_mail_code).
 *
 * Every code tried — here and in the login's second step — spends from TWOFA_RATE's budget
 * per address and per account (a ratemap of its own), on top of a challenge's own limit of
 * LIM_TWOFA_ATTEMPTS wrong codes.
 *
 * Switching a factor on or off ends the user's other sessions (issue 15): refresh tokens
 * revoked, access tokens void, their sockets closed (api_sessions_end), before the answer. */
#include "account.h"
#include "api.h"
#include "auth.h"
#include "emailtok.h"
#include "log.h"
#include "mail.h"
#include "otp.h"
#include "pongd_limits.h"
#include "twofa.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISSUER "Transcendence"

typedef struct {
    api_job_t base;
    twofa_status_t st;
    twofa_recovery_t rec;
    account_t acc;
    char secret[OTP_SECRET_B32 + 1];
    char code[48];                       /* a typed code: TOTP, mailed or recovery */
    char challenge[AUTH_TOKEN_CHARS + 1];
    char mail_code[OTP_DIGITS + 1];
    char pw[AUTH_PASSWORD_MAX + 1];
    size_t pwlen;
    bool verified;
    int mail_rc;
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    sodium_memzero((char *)j + sizeof j->base, sizeof *j - sizeof j->base);   /* secrets, codes and the password */
    api_job_free(bj);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

/* ---- shared with the login ---- */

bool api_twofa_mail_ready(const api_t *a) { return a->cfg && a->cfg->smtp_url[0] && a->cfg->smtp_from[0]; }

int api_twofa_mail_code(const api_t *a, const char *to, const char *lang, const char *code, bool setup) {
    const char *subject, *fmt;
    if (strcmp(lang, "fr") == 0) {
        subject = setup ? "Transcendence : confirmez votre adresse" : "Transcendence : votre code de connexion";
        fmt = setup ? "Votre code pour activer les codes par e-mail : %s\n\nIl expire dans 10 minutes.\n"
                      "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n"
                    : "Votre code de connexion : %s\n\nIl expire dans 10 minutes et ne sert qu'une fois.\n"
                      "Si vous n'avez pas essayé de vous connecter, changez votre mot de passe.\n";
    } else if (strcmp(lang, "ru") == 0) {
        subject = setup ? "Transcendence: подтвердите адрес" : "Transcendence: код для входа";
        fmt = setup ? "Код для включения кодов по почте: %s\n\nОн действует 10 минут.\n"
                      "Если вы этого не запрашивали, просто проигнорируйте письмо.\n"
                    : "Ваш код для входа: %s\n\nОн действует 10 минут и только один раз.\n"
                      "Если вы не пытались войти, смените пароль.\n";
    } else {
        subject = setup ? "Transcendence: confirm your address" : "Transcendence: your sign-in code";
        fmt = setup ? "Your code to switch on email codes: %s\n\nIt expires in 10 minutes.\n"
                      "If you did not ask for it, ignore this mail.\n"
                    : "Your sign-in code: %s\n\nIt expires in 10 minutes and works once.\n"
                      "If you did not try to sign in, change your password.\n";
    }
    char body[512], err[256];
    const char *at = strstr(fmt, "%s");   /* the texts hold the code's place once */
    snprintf(body, sizeof body, "%.*s%s%s", (int)(at - fmt), fmt, code, at + 2);
    int rc = mail_send(a->cfg->smtp_url, a->cfg->smtp_from, to, subject, body, err, sizeof err);
    if (rc != 0) log_msg("warn", "mail: a second-factor code could not be sent: %s", err);
    sodium_memzero(body, sizeof body);
    return rc == 0 ? 0 : ERR_IO;
}

bool api_twofa_rate_ok(api_t *a, http_req_t *r, int64_t uid) {
    int retry = 0;
    uint64_t now = now_wall_ms();
    char key[LIM_RATEMAP_KEY_BYTES];
    snprintf(key, sizeof key, "addr:%s", http_req_peer(r));
    bool ok = ratemap_allow(a->twofa_rate, span_cstr(key), now, &retry);
    if (ok && uid) {
        snprintf(key, sizeof key, "acct:%lld", (long long)uid);
        ok = ratemap_allow(a->twofa_rate, span_cstr(key), now, &retry);
    }
    if (!ok) api_too_many(r, retry);
    return ok;
}

/* ---- answers ---- */

static const api_answer_t ANSWERS[] = {
    { ACCOUNT_E_NOTFOUND, 401, "unauthorized", "This account no longer exists." },
    { TWOFA_E_ON, 409, "two_factor_on", "A second factor is already on; turn it off first." },
    { TWOFA_E_OFF, 409, "two_factor_off", "No second factor is on (or being set up)." },
    { TWOFA_E_CHALLENGE, 401, "challenge_invalid", "This code request has expired or was used; start again." },
    { AUTH_E_CODE, 401, "invalid_code", "The code is not valid." },
    { AUTH_E_CODE_REUSED, 401, "code_reused", "This code was already used; wait for the next one." },
    { EMAILTOK_E_UNVERIFIED, 409, "email_unverified", "Confirm your address first (the link mailed to it)." },
    { 0, 0, NULL, NULL },
};

static json_t *recovery_json(const twofa_recovery_t *rec) {
    json_t *list = json_array();
    for (int i = 0; i < OTP_RECOVERY_COUNT; i++) json_array_append_new(list, json_string(rec->codes[i]));
    return json_pack("{s:o}", "recovery_codes", list);
}

/* A factor went on or off: every other session of the user ends (the caller's stays), then
 * the answer (recovery codes, or 204) — or 503 when the pool refused the job, 500/503 on a
 * database failure. */

static void others_ended(void *ctx, int rc) {
    job_t *j = ctx;
    if (!api_sessions_ended(&j->base, rc)) return;
    if (!api_db_ok(&j->base, NULL)) return;
    if (j->rec.codes[0][0]) api_json(j->base.r, 200, recovery_json(&j->rec));
    else http_respond(j->base.r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(&j->base);
}

static void end_other_sessions(job_t *j) { api_sessions_end(j->base.a, j->base.uid, j->base.sid, others_ended, j); }

/* ---- GET /api/auth/2fa ---- */

static void status_work(api_job_t *bj, db_t *db) { bj->rc = twofa_status(db, bj->uid, &job_of(bj)->st); }

static void status_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, ANSWERS)) return;
    api_json(bj->r, 200, json_pack("{s:s, s:b, s:i, s:b, s:b}", "method", j->st.factor[0] ? j->st.factor : "none", "totp_pending",
                                   j->st.totp_pending, "recovery_codes_left", j->st.recovery_left, "email_available",
                                   api_twofa_mail_ready(bj->a), "email_verified", j->st.email_verified_at != 0));
    api_job_done(bj);
}

static void api_twofa_status(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, status_work, status_done); }

/* ---- POST /api/auth/2fa/totp/setup ---- */

static void setup_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    otp_secret_new(j->secret);
    if ((bj->rc = twofa_totp_setup(db, bj->a->secret, bj->uid, j->secret)) == 0) bj->rc = account_get(db, bj->uid, &j->acc);
}

static void setup_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, ANSWERS)) return;
    char uri[OTP_URI_MAX];
    if (!otp_uri(j->secret, ISSUER, j->acc.username, uri, sizeof uri)) {
        http_respond_error(bj->r, 500, "internal", "The setup URI does not fit.");
        api_job_done(bj);
        return;
    }
    api_json(bj->r, 200, json_pack("{s:s, s:s, s:i, s:i}", "secret", j->secret, "otpauth_uri", uri, "digits", OTP_DIGITS, "period", OTP_STEP_S));
    api_job_done(bj);
}

static void api_totp_setup(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, setup_work, setup_done); }

/* ---- bodies with a code ---- */

/* Reads {code} (and challenge/password when asked) into a new job: NULL when answered. */
static job_t *code_job(api_t *a, http_req_t *r, bool challenge, bool password) {
    auth_claims_t cl = { 0 };
    int64_t uid = api_require_claims(a, r, &cl);
    if (!uid) return NULL;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return NULL;
    json_t *fields = json_object();
    span_t code = { 0 }, ch = { 0 }, pw = { 0 };
    api_string(body, "code", &code, fields);
    if (challenge) api_string(body, "challenge", &ch, fields);
    if (password) api_string(body, "password", &pw, fields);
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        return NULL;
    }
    json_decref(fields);
    if (!api_twofa_rate_ok(a, r, uid)) {
        json_decref(body);
        return NULL;
    }
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    j->base.uid = uid;
    j->base.sid = cl.sid;
    if (code.len < sizeof j->code) snprintf(j->code, sizeof j->code, "%.*s", (int)code.len, code.ptr);
    if (ch.len == AUTH_TOKEN_CHARS) snprintf(j->challenge, sizeof j->challenge, "%.*s", (int)ch.len, ch.ptr);
    if (pw.len > 0 && pw.len <= AUTH_PASSWORD_MAX) {
        memcpy(j->pw, pw.ptr, pw.len);
        j->pwlen = pw.len;
    }
    json_decref(body);
    return j;
}

/* On: the recovery codes are answered once the other sessions have ended. */
static void enabled_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    end_other_sessions(job_of(bj));
}

/* ---- POST /api/auth/2fa/totp/enable {code} ---- */

static void totp_enable_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t now = (int64_t)now_wall_ms();
    bj->rc = twofa_totp_enable(db, bj->a->secret, bj->uid, span_cstr(j->code), now, &j->rec);
}

static void api_totp_enable(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    job_t *j = code_job(a, r, false, false);
    if (j) api_run_db(&j->base, totp_enable_work, enabled_done);
}

/* ---- POST /api/auth/2fa/email/setup: a code mailed to the account's address ---- */

static void email_setup_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    if ((bj->rc = twofa_status(db, bj->uid, &j->st)) != 0) return;
    if (j->st.factor[0]) {
        bj->rc = TWOFA_E_ON;
        return;
    }
    if (!j->st.email_verified_at) {   /* codes go only to an address its owner confirmed (api_email.c) */
        bj->rc = EMAILTOK_E_UNVERIFIED;
        return;
    }
    otp_email_code_new(j->mail_code);
    bj->rc = twofa_challenge_create(db, bj->uid, "email_setup", j->mail_code, (int64_t)now_wall_ms(), LIM_TWOFA_EMAIL_CODE_MS,
                                    j->challenge);
}

static void email_mail_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->mail_rc = api_twofa_mail_code(j->base.a, j->st.email, j->st.language, j->mail_code, true);
    sodium_memzero(j->mail_code, sizeof j->mail_code);
}

static void email_mailed(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->mail_rc != 0) {
        http_respond_error(bj->r, 502, "mail_failed", "The mail could not be sent; try again later.");
        api_job_done(bj);
        return;
    }
    api_json(bj->r, 200, json_pack("{s:s, s:i}", "challenge", j->challenge, "expires_in", LIM_TWOFA_EMAIL_CODE_MS / 1000));
    api_job_done(bj);
}

static void email_setup_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    api_run_pool(bj, email_mail_work, email_mailed);
}

static void api_email_setup(api_t *a, http_req_t *r, int64_t id) {
    if (!api_twofa_mail_ready(a)) {
        if (api_require_user(a, r))
            http_respond_error(r, 409, "email_unavailable", "This server sends no mail (SMTP_URL is not set).");
        return;
    }
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    if (!api_twofa_rate_ok(a, r, j->base.uid)) {
        api_job_done(&j->base);
        return;
    }
    api_run_db(&j->base, email_setup_work, email_setup_done);
}

/* ---- POST /api/auth/2fa/email/enable {challenge, code} ---- */

static void email_enable_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t now = (int64_t)now_wall_ms();
    bj->rc = twofa_email_enable(db, bj->uid, span_cstr(j->challenge), span_cstr(j->code), now, &j->rec);
}

static void api_email_enable(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    job_t *j = code_job(a, r, true, false);
    if (j) api_run_db(&j->base, email_enable_work, enabled_done);
}

/* ---- POST /api/auth/2fa/disable {password, code} ---- */

static void disable_find_work(api_job_t *bj, db_t *db) { bj->rc = account_get(db, bj->uid, &job_of(bj)->acc); }

static void disable_verify_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->verified = j->pwlen > 0 && auth_password_verify(j->acc.password_hash, span_of(j->pw, j->pwlen));
    sodium_memzero(j->pw, sizeof j->pw);
}

static void disable_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t now = (int64_t)now_wall_ms();
    bj->rc = twofa_disable(db, bj->a->secret, bj->uid, span_cstr(j->code), now);
}

static void disabled(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    end_other_sessions(job_of(bj));   /* then 204 */
}

static void disable_verified(api_job_t *bj) {
    if (!job_of(bj)->verified) {
        api_wrong_password(bj->r, "password", "The password is not right.");
        api_job_done(bj);
        return;
    }
    api_run_db(bj, disable_work, disabled);
}

static void disable_found(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    api_run_hash(bj, disable_verify_work, disable_verified);
}

static void api_twofa_disable(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    job_t *j = code_job(a, r, false, true);
    if (j) api_run_db(&j->base, disable_find_work, disable_found);
}

#define R_CODE { 401, "Error", "invalid_code: a wrong code; code_reused: a TOTP code of a step already used (wait for the next one)" }
#define R_RATE { 429, "Error", "too_many_requests: too many codes tried from this address or for this account (TWOFA_RATE); wait Retry-After seconds" }

const api_route_t API_TWOFA_ROUTES[] = {
    { HTTP_GET, "/api/auth/2fa", "The account's second factor: which one is on, recovery codes left, whether email codes can be chosen",
      api_twofa_status, true, .op = "getTwoFactor", .tag = "auth",
      .responses = { { 200, "TwoFactorStatus", "The state (never a secret)" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/2fa/totp/setup",
      "Start setting up an authenticator app: a new secret (base32) and its otpauth:// URI for a QR code; nothing is on until "
      "POST /api/auth/2fa/totp/enable gets a code of it",
      api_totp_setup, true, .op = "setupTotp", .tag = "auth",
      .responses = { { 200, "TotpSetup", "The new secret, replacing any earlier one not yet confirmed" }, API_R_UNAUTHORIZED,
                     { 409, "Error", "two_factor_on: a second factor is on; turn it off first" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/2fa/totp/enable",
      "Switch TOTP on with a code of the secret being set up: ten single-use recovery codes, shown this once", api_totp_enable, true,
      .op = "enableTotp", .tag = "auth", .body = "TwoFactorCode",
      .responses = { { 200, "RecoveryCodes", "TOTP is on; the code's time step is used (it cannot log in)" }, API_R_BAD_BODY,
                     { 400, "Error", "fields: code (required, invalid_type)" }, API_R_UNAUTHORIZED, R_CODE,
                     { 409, "Error", "two_factor_on: already on; two_factor_off: no secret set up" }, R_RATE, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/2fa/email/setup",
      "Start switching email codes on: a code is mailed to the account's address (SMTP_URL must be set, the address confirmed)", api_email_setup, true,
      .op = "setupEmailCodes", .tag = "auth",
      .responses = { { 200, "TwoFactorMailed", "The mail is sent; confirm with POST /api/auth/2fa/email/enable" }, API_R_UNAUTHORIZED,
                     { 409, "Error", "two_factor_on: a second factor is on; email_unavailable: the server sends no mail; email_unverified: "
                                     "the account's address is not confirmed (POST /api/auth/email/verify)" }, R_RATE,
                     { 502, "Error", "mail_failed: the mail server refused or could not be reached" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/2fa/email/enable",
      "Switch email codes on with the mailed code (which also confirms the address): ten single-use recovery codes, shown this once",
      api_email_enable, true, .op = "enableEmailCodes", .tag = "auth", .body = "TwoFactorEmailEnable",
      .responses = { { 200, "RecoveryCodes", "Email codes are on" }, API_R_BAD_BODY,
                     { 400, "Error", "fields: challenge, code (required, invalid_type)" }, API_R_UNAUTHORIZED,
                     { 401, "Error", "invalid_code: a wrong code; challenge_invalid: the mailed code expired, was used or saw too many wrong codes" },
                     { 409, "Error", "two_factor_on: a second factor is already on" }, R_RATE, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/2fa/disable",
      "Switch the second factor off: the password and a code (TOTP, or a recovery code); its secret and recovery codes are deleted",
      api_twofa_disable, true, .op = "disableTwoFactor", .tag = "auth", .body = "TwoFactorDisable",
      .responses = { { 204, NULL, "Off" }, API_R_BAD_BODY, { 400, "Error", "fields: password, code (required, invalid_type)" },
                     API_R_UNAUTHORIZED, R_CODE, { 403, "Error", "wrong_password: fields.password = \"wrong\"" },
                     { 409, "Error", "two_factor_off: no second factor is on" }, R_RATE, API_R_BUSY, API_R_INTERNAL } },
    { .method = HTTP_GET, .path = NULL },
};
