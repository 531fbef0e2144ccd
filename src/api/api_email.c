/* api_email — the links mailed to an account's address (docs/security.md, "Email verification
 * and password reset"):
 *
 * - confirming the address: registering with SMTP configured, or changing the email, mails a
 *   link <PUBLIC_ORIGIN>/verify-email?token=… (24 h, single use); POST /api/auth/email/verify
 *   takes its token; the logged-in user can ask for another (POST …/verify/resend). Email codes
 *   as the second factor and reset mails need a confirmed address.
 * - resetting a password: POST /api/auth/password/reset {email} answers 202 with the same body
 *   whether or not an account has that (confirmed) address, after the same lookup on a
 *   database worker either way; the mail, when there is one, is sent afterwards on the general
 *   pool, so its time is not in the answer's. The link <PUBLIC_ORIGIN>/reset-password?token=…
 *   (30 min, single use) leads to POST /api/auth/password/reset/confirm {token, password}:
 *   the password rules of registration, Argon2id on the hashing pool, then every session of
 *   the user ends (api_sessions_end) and the user's other reset links die. It logs no one in:
 *   the next login asks for the second factor as always.
 *
 * Without SMTP_URL nothing is mailed and nothing is asked of users: these routes answer 409
 * email_unavailable, and addresses simply stay unconfirmed.
 *
 * Mails spend MAIL_RATE (per hour) per account ("verify:<uid>") and per address a reset is
 * asked for ("reset:<folded address>", before any lookup, so an unknown address is limited
 * alike); every route here also spends AUTH_RATE per client address. */
#include "api.h"
#include "auth.h"
#include "emailtok.h"
#include "log.h"
#include "mail.h"
#include "pongd_limits.h"
#include "twofa.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_MAX 600

typedef struct {
    api_job_t base;
    emailtok_owner_t owner;
    char key[AUTH_EMAIL_MAX + 1];        /* the folded address of a reset request */
    char token[AUTH_TOKEN_CHARS + 1];    /* typed (confirm routes) or made (mailed) */
    char pw[AUTH_PASSWORD_MAX + 1];
    size_t pwlen;
    char hash[AUTH_HASH_MAX];
    twofa_status_t st;
    int mail_rc;
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    sodium_memzero((char *)j + sizeof j->base, sizeof *j - sizeof j->base);   /* tokens and the password */
    api_job_free(bj);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

/* ---- the mails ---- */

static const char *link_origin(const api_t *a) { return a->cfg->public_origin; }

int api_email_mail_link(const api_t *a, const char *kind, const char *to, const char *lang, const char *token) {
    bool reset = strcmp(kind, EMAILTOK_RESET) == 0;
    const char *subject, *intro, *outro;
    if (strcmp(lang, "fr") == 0) {
        subject = reset ? "Transcendence : réinitialiser votre mot de passe" : "Transcendence : confirmez votre adresse";
        intro = reset ? "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable 30 minutes, une seule fois) :"
                      : "Pour confirmer que cette adresse est la vôtre, ouvrez ce lien (valable 24 heures) :";
        outro = reset ? "Toutes vos sessions seront fermées. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas."
                      : "Si vous n'avez pas créé de compte ni changé d'adresse, ignorez ce message.";
    } else if (strcmp(lang, "ru") == 0) {
        subject = reset ? "Transcendence: сброс пароля" : "Transcendence: подтвердите адрес";
        intro = reset ? "Чтобы задать новый пароль, откройте ссылку (действует 30 минут, один раз):"
                      : "Чтобы подтвердить, что это ваш адрес, откройте ссылку (действует 24 часа):";
        outro = reset ? "Все ваши сеансы будут завершены. Если вы ничего не запрашивали, проигнорируйте письмо: пароль не изменится."
                      : "Если вы не создавали аккаунт и не меняли адрес, проигнорируйте письмо.";
    } else {
        subject = reset ? "Transcendence: reset your password" : "Transcendence: confirm your address";
        intro = reset ? "To choose a new password, open this link (it works once, within 30 minutes):"
                      : "To confirm this address is yours, open this link (it works for 24 hours):";
        outro = reset ? "Every session of your account will end. If you did not ask for this, ignore this mail: your password stays."
                      : "If you did not create an account or change your address, ignore this mail.";
    }
    char body[LINK_MAX + 512], err[256];
    snprintf(body, sizeof body, "%s\n\n%s/%s?token=%s\n\n%s\n", intro, link_origin(a), reset ? "reset-password" : "verify-email", token,
             outro);
    int rc = mail_send(a->cfg->smtp_url, a->cfg->smtp_from, to, subject, body, err, sizeof err);
    if (rc != 0) log_msg("warn", "mail: a %s link could not be sent: %s", kind, err);
    sodium_memzero(body, sizeof body);
    return rc == 0 ? 0 : ERR_IO;
}

/* A mail sent after the answer: it holds no request, and its failure is only logged. */
typedef struct {
    const api_t *a;
    char kind[8];
    char to[AUTH_EMAIL_MAX + 1];
    char lang[ACCOUNT_LANG_MAX];
    char token[AUTH_TOKEN_CHARS + 1];
} later_t;

static void later_work(void *arg, void *worker) {
    (void)worker;
    later_t *m = arg;
    api_email_mail_link(m->a, m->kind, m->to, m->lang, m->token);
}

static void later_done(void *arg, int status) {
    (void)status;
    sodium_memzero(arg, sizeof(later_t));
    free(arg);
}

void api_email_link_later(api_t *a, const char *kind, const char *to, const char *lang, const char *token) {
    later_t *m = xcalloc(1, sizeof *m);
    m->a = a;
    snprintf(m->kind, sizeof m->kind, "%s", kind);
    snprintf(m->to, sizeof m->to, "%s", to);
    snprintf(m->lang, sizeof m->lang, "%s", lang);
    snprintf(m->token, sizeof m->token, "%s", token);
    if (pool_submit(a->pool, later_work, later_done, m) != 0) {
        log_msg("warn", "mail: the worker pool is full; a %s link was not sent", kind);
        later_done(m, 0);
    }
}

/* ---- answers ---- */

static const api_answer_t ANSWERS[] = {
    { ACCOUNT_E_NOTFOUND, 401, "unauthorized", "This account no longer exists." },
    { EMAILTOK_E_INVALID, 400, "link_invalid", "This link is not valid; ask for a new one." },
    { EMAILTOK_E_USED, 410, "link_used", "This link was already used; ask for a new one." },
    { EMAILTOK_E_EXPIRED, 410, "link_expired", "This link has expired; ask for a new one." },
    { EMAILTOK_E_STALE, 409, "email_changed", "The account's address changed since this link was mailed; it does nothing now." },
    { 0, 0, NULL, NULL },
};

static bool mail_ready(api_t *a, http_req_t *r) {
    if (api_twofa_mail_ready(a)) return true;
    http_respond_error(r, 409, "email_unavailable", "This server sends no mail (SMTP_URL is not set).");
    return false;
}

/* One token of ratemap m for key (prefix:value); answers 429 itself past it. */
static bool allow(http_req_t *r, ratemap_t *m, const char *prefix, const char *value) {
    char key[LIM_RATEMAP_KEY_BYTES];
    int retry = 0;
    snprintf(key, sizeof key, "%s:%s", prefix, value);
    if (ratemap_allow(m, span_cstr(key), now_wall_ms(), &retry)) return true;
    api_too_many(r, retry);
    return false;
}

static bool addr_ok(api_t *a, http_req_t *r) { return allow(r, a->auth_rate, "addr", http_req_peer(r)); }

/* The body's {token} (and {password} when asked) into a new job; NULL when answered. */
static job_t *token_job(api_t *a, http_req_t *r, bool password) {
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return NULL;
    json_t *fields = json_object();
    span_t tok = { 0 }, pw = { 0 };
    api_string(body, "token", &tok, fields);
    if (password && api_string(body, "password", &pw, fields) && (pw.len == 0 || pw.len > AUTH_PASSWORD_MAX))
        json_object_set_new(fields, "password", json_string(pw.len ? "too_long" : "too_short"));
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        return NULL;
    }
    json_decref(fields);
    if (!addr_ok(a, r)) {
        json_decref(body);
        return NULL;
    }
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    if (tok.len == AUTH_TOKEN_CHARS) memcpy(j->token, tok.ptr, tok.len);   /* else left empty: link_invalid */
    if (pw.len) memcpy(j->pw, pw.ptr, pw.len);
    j->pwlen = pw.len;
    json_decref(body);
    return j;
}

/* ---- POST /api/auth/email/verify {token} ---- */

static void verify_work(api_job_t *bj, db_t *db) {
    int64_t uid = 0;
    bj->rc = emailtok_verify(db, span_cstr(job_of(bj)->token), (int64_t)now_wall_ms(), &uid);
    bj->uid = uid;
}

static void verify_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    api_json(bj->r, 200, json_pack("{s:b}", "email_verified", 1));
    api_job_done(bj);
}

static void api_email_verify(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    job_t *j = token_job(a, r, false);
    if (j) api_run_db(&j->base, verify_work, verify_done);
}

/* ---- POST /api/auth/email/verify/resend ---- */

static void resend_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    if ((bj->rc = twofa_status(db, bj->uid, &j->st)) != 0) return;
    if (j->st.email_verified_at) {
        bj->rc = EMAILTOK_E_UNVERIFIED;   /* answered as "already confirmed" below */
        return;
    }
    bj->rc = emailtok_create(db, bj->uid, EMAILTOK_VERIFY, j->st.email, (int64_t)now_wall_ms(), LIM_EMAIL_VERIFY_MS, j->token);
}

static void resend_mail_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->mail_rc = api_email_mail_link(j->base.a, EMAILTOK_VERIFY, j->st.email, j->st.language, j->token);
}

static void resend_mailed(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->mail_rc != 0) http_respond_error(bj->r, 502, "mail_failed", "The mail could not be sent; try again later.");
    else api_json(bj->r, 202, json_pack("{s:s}", "email", j->st.email));
    api_job_done(bj);
}

static void resend_done(api_job_t *bj) {
    static const api_answer_t RESEND[] = {
        { ACCOUNT_E_NOTFOUND, 401, "unauthorized", "This account no longer exists." },
        { EMAILTOK_E_UNVERIFIED, 409, "email_verified", "This address is already confirmed." },
        { 0, 0, NULL, NULL },
    };
    if (!api_db_ok(bj, RESEND)) return;
    api_run_pool(bj, resend_mail_work, resend_mailed);
}

static void api_email_resend(api_t *a, http_req_t *r, int64_t id) {
    int64_t uid = api_require_user(a, r);
    if (!uid || !mail_ready(a, r)) return;
    char who[24];
    snprintf(who, sizeof who, "%lld", (long long)uid);
    if (!addr_ok(a, r) || !allow(r, a->mail_rate, "verify", who)) return;
    job_t *j = (job_t *)api_job_start(a, r, false, id, &JOB);
    j->base.uid = uid;
    api_run_db(&j->base, resend_work, resend_done);
}

/* ---- POST /api/auth/password/reset {email}: the same answer either way ---- */

static void reset_request_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = emailtok_reset_request(db, j->key, (int64_t)now_wall_ms(), &j->owner, j->token);   /* no one to mail: the same 0 */
}

static void reset_requested(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    if (j->token[0]) api_email_link_later(bj->a, EMAILTOK_RESET, j->owner.email, j->owner.language, j->token);
    api_json(bj->r, 202, json_pack("{s:s, s:i}", "status", "accepted", "expires_in", (int)(LIM_PASSWORD_RESET_MS / 1000)));
    api_job_done(bj);
}

static void api_reset_request(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return;
    json_t *fields = json_object();
    span_t email = { 0 };
    const char *why;
    if (api_string(body, "email", &email, fields) && (why = auth_check_email(email)))
        json_object_set_new(fields, "email", json_string(why));
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        return;
    }
    json_decref(fields);
    char key[AUTH_EMAIL_MAX + 1];
    auth_fold(email, key);
    json_decref(body);
    if (!mail_ready(a, r) || !addr_ok(a, r) || !allow(r, a->mail_rate, "reset", key)) return;
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    snprintf(j->key, sizeof j->key, "%s", key);
    api_run_db(&j->base, reset_request_work, reset_requested);
}

/* ---- POST /api/auth/password/reset/confirm {token, password} ---- */

static void reset_peek_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = emailtok_peek(db, span_cstr(j->token), EMAILTOK_RESET, (int64_t)now_wall_ms(), &j->owner);
}

static void reset_hash_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    j->base.rc = auth_password_hash(span_of(j->pw, j->pwlen), j->hash) ? ERR_OK : AUTH_E_HASH;
    sodium_memzero(j->pw, sizeof j->pw);
}

static void reset_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t uid = 0;
    bj->rc = emailtok_reset(db, span_cstr(j->token), j->hash, (int64_t)now_wall_ms(), &uid);
    bj->uid = uid;
}

static void reset_sessions_ended(void *ctx, int rc) {
    job_t *j = ctx;
    if (!api_sessions_ended(&j->base, rc)) return;
    if (!api_db_ok(&j->base, NULL)) return;
    http_respond(j->base.r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(&j->base);
}

static void reset_done(api_job_t *bj) {
    if (!api_db_ok(bj, ANSWERS)) return;
    /* every session ends, before the answer: no one logged in with the old password stays */
    api_sessions_end(bj->a, bj->uid, 0, reset_sessions_ended, job_of(bj));
}

static void reset_hashed(api_job_t *bj) {
    if (bj->rc != 0) {
        http_respond_error(bj->r, 500, "internal", "Could not hash the password.");
        api_job_done(bj);
        return;
    }
    api_run_db(bj, reset_work, reset_done);
}

static void reset_peeked(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, ANSWERS)) return;
    /* the rules of registration and of a password change */
    const char *why = auth_check_password(span_of(j->pw, j->pwlen), span_cstr(j->owner.username), span_cstr(j->owner.email),
                                          bj->a->common);
    if (why) {
        json_t *f = json_object();
        json_object_set_new(f, "password", json_string(why));
        api_fields_error(bj->r, f);
        api_job_done(bj);
        return;
    }
    api_run_hash(bj, reset_hash_work, reset_hashed);
}

static void api_reset_confirm(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    job_t *j = token_job(a, r, true);
    if (j) api_run_db(&j->base, reset_peek_work, reset_peeked);
}

#define R_LINK { 400, "Error", "link_invalid: not a token of a mailed link (unknown, malformed, or of the other kind)" }, \
               { 410, "Error", "link_used: the link was already used; link_expired: it is too old" },                   \
               { 409, "Error", "email_changed: the account's address is no longer the one the link was mailed to" }
#define R_ADDR_RATE { 429, "Error", "too_many_requests: too many attempts from this address (AUTH_RATE); wait Retry-After seconds" }
#define R_NO_MAIL { 409, "Error", "email_unavailable: the server sends no mail (SMTP_URL is not set)" }

const api_route_t API_EMAIL_ROUTES[] = {
    { HTTP_POST, "/api/auth/email/verify",
      "Confirm the account's address with the token of the link mailed to it (<PUBLIC_ORIGIN>/verify-email?token=…); "
      "no login needed",
      api_email_verify, false, .op = "verifyEmail", .tag = "auth", .body = "EmailToken",
      .responses = { { 200, "EmailVerified", "The address is confirmed" },
                     API_R_BAD_BODY, { 400, "Error", "fields: token (required, invalid_type)" }, R_LINK, R_ADDR_RATE, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/email/verify/resend", "Mail another confirmation link to the account's address", api_email_resend, true,
      .op = "resendEmailVerification", .tag = "auth",
      .responses = { { 202, "EmailSent", "The link is mailed (24 h); earlier links stay valid" }, API_R_UNAUTHORIZED,
                     { 409, "Error", "email_verified: the address is already confirmed; email_unavailable: the server sends no mail" },
                     { 429, "Error", "too_many_requests: MAIL_RATE links an hour for this account, or AUTH_RATE from this address" },
                     { 502, "Error", "mail_failed: the mail server refused or could not be reached" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/password/reset",
      "Ask for a password-reset link by email: the same 202 whether or not an account has this address; the link "
      "(<PUBLIC_ORIGIN>/reset-password?token=…, 30 min, single use) goes only to a confirmed address",
      api_reset_request, false, .op = "requestPasswordReset", .tag = "auth", .body = "PasswordResetRequest",
      .responses = { { 202, "PasswordResetAccepted", "Always the same body: a mail follows if an account has this confirmed address" },
                     API_R_BAD_BODY, { 400, "Error", "fields: email (required, invalid_type, invalid)" }, R_NO_MAIL,
                     { 429, "Error", "too_many_requests: MAIL_RATE requests an hour for this address (known or not), or AUTH_RATE "
                                     "from this client address; wait Retry-After seconds" },
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/auth/password/reset/confirm",
      "Set a new password with the token of a reset link: every session of the account ends and its other reset links die; "
      "no one is logged in (log in with the new password, and the second factor if it is on)",
      api_reset_confirm, false, .op = "confirmPasswordReset", .tag = "auth", .body = "PasswordResetConfirm",
      .responses = { { 204, NULL, "The password is set; every session ended (refresh tokens revoked, access tokens void, sockets closed)" },
                     API_R_BAD_BODY,
                     { 400, "Error", "fields: token (required, invalid_type), password (required, invalid_type, too_short, too_long, "
                                     "invalid, same_as_username, same_as_email, too_common)" },
                     R_LINK, R_ADDR_RATE, API_R_BUSY, API_R_INTERNAL } },
    { .method = HTTP_GET, .path = NULL },
};
