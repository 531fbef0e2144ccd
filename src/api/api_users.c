/* api_users — profiles, avatars, friends, blocks, account deletion and export.
 *
 * Same shape as api_auth.c: validate on the loop, then a chain of jobs (database pool;
 * Argon2id on the hashing pool; image decoding on the general worker pool), answer from
 * the last completion. Online flags come from presence (loop state) when answering. */
#include "account.h"
#include "oauthlink.h"
#include "twofa.h"
#include "emailtok.h"
#include "api.h"
#include "chatstore.h"
#include "auth.h"
#include "avatar.h"
#include "pongd_limits.h"
#include "presence.h"
#include "reqparse.h"
#include "profile.h"
#include "social.h"
#include "matchrec.h"
#include "glicko.h"

#include <math.h>

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    api_job_t base;          /* first: uid (the caller) and target (the {id}) */
    account_t acc, other;
    social_relation_t rel;
    profile_standing_t standing;
    bool flag;
    char pw[AUTH_PASSWORD_MAX + 1], newpw[AUTH_PASSWORD_MAX + 1];
    size_t pwlen, newpwlen;
    char new_hash[AUTH_HASH_MAX];
    char display[4 * AUTH_DISPLAY_MAX + 1], email[AUTH_EMAIL_MAX + 1], lang[ACCOUNT_LANG_MAX];
    bool set_display, set_email, set_lang, set_pw, verified;
    int set_presence;   /* profile_update_t.presence_visibility: ACCOUNT_PRESENCE_* + 1, 0: unchanged */
    bool sessions_ended;                /* api_sessions_end ran (password change, deletion) */
    bool no_current;                    /* PATCH: a sensitive change without current_password */
    uint8_t *upload;        /* avatar bytes in, WebP out */
    api_job_t *wait_next;   /* in api_t's avatar FIFO */
    size_t upload_len;
    int img_rc;
    int64_t version;
    db_rows_t *rows, *rows2, *rows3, *rows4, *rows5;
    twofa_status_t tf;       /* the export's second-factor state */
    char verify_token[AUTH_TOKEN_CHARS + 1];   /* a new email's confirmation link */
    bool oauth_linked;       /* the export's 42 link */
    char oauth_login[OAUTH_LOGIN_MAX + 1];
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    sodium_memzero(j->pw, sizeof j->pw);
    sodium_memzero(j->newpw, sizeof j->newpw);
    free(j->upload);
    db_rows_free(j->rows);
    db_rows_free(j->rows2);
    db_rows_free(j->rows3);
    db_rows_free(j->rows4);
    db_rows_free(j->rows5);
    free(j);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };

/* A job for the user `uid` already checked (0: a request that needs none). */
static job_t *job_new(api_t *a, http_req_t *r, int64_t uid) {
    job_t *j = (job_t *)api_job_start(a, r, false, 0, &JOB);
    j->base.uid = uid;
    return j;
}
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }

static void answer_empty(job_t *j, int status) {
    http_respond(j->base.r, status, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(&j->base);
}

static void answer_error(job_t *j, int status, const char *code, const char *msg) {
    http_respond_error(j->base.r, status, code, msg);
    api_job_done(&j->base);
}

/* {id, username, display_name, avatar_url, online, last_seen_at}; with the presence hidden from
 * the viewer (SOCIAL_PRESENCE_HIDDEN_SQL) it reads as offline, never seen: no different from a
 * user who never came back, so it does not tell the viewer they are blocked or not a friend. */
static json_t *public_user(api_t *a, int64_t id, const char *username, const char *display, int64_t avatar_version,
                           int64_t last_seen, bool hidden) {
    bool online = !hidden && presence_online(a->presence, id);
    if (hidden) last_seen = 0;
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:b}", "id", (json_int_t)id, "username", username, "display_name", display,
                          "avatar_url", api_avatar_url(id, avatar_version), "online", online);
    json_object_set_new(o, "last_seen_at", last_seen && !online ? json_integer(last_seen) : json_null());
    return o;
}

static json_t *public_account(api_t *a, const account_t *u) {
    return public_user(a, u->id, u->username, u->display_name, u->avatar_version, u->last_seen_at, u->presence_hidden);
}

/* rating (rounded), rating_deviation, provisional, wins, losses and in_game (docs/matchmaking.md) */
static void standing_json(api_t *a, json_t *o, const account_t *u, const profile_standing_t *st) {
    int64_t game = u->presence_hidden ? 0 : presence_in_game(a->presence, u->id);
    json_object_set_new(o, "rating", json_integer((json_int_t)llround((double)st->rating_milli / 1000.0)));
    json_object_set_new(o, "rating_deviation", json_integer((json_int_t)llround((double)st->rd_milli / 1000.0)));
    json_object_set_new(o, "provisional", json_boolean((double)st->rd_milli / 1000.0 > GLICKO_PROVISIONAL_RD));
    json_object_set_new(o, "wins", json_integer(st->wins));
    json_object_set_new(o, "losses", json_integer(st->losses));
    json_object_set_new(o, "in_game", game ? json_integer(game) : json_null());
}

/* ---- GET /api/users/{id}, GET /api/users/lookup ---- */

static void profile_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = profile_get_standing(db, j->base.uid, j->base.target, j->base.target == 0 ? j->display : NULL, &j->other, &j->rel,
                                      &j->standing);
}

static void profile_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    static const api_answer_t ANSWERS[] = { { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." }, { 0 } };
    if (!api_db_ok(bj, ANSWERS)) return;
    json_t *o = public_account(j->base.a, &j->other);
    json_object_set_new(o, "relation", json_string(social_relation_name(j->rel)));
    standing_json(j->base.a, o, &j->other, &j->standing);
    api_json(j->base.r, 200, o);
    api_job_done(bj);
}

/* GET /api/users/{id}: the requests waiting together read their profiles in one go */
static void profiles_run(api_job_t **jobs, int n, db_t *db) {
    int64_t viewers[POOL_BATCH_MAX], ids[POOL_BATCH_MAX];
    account_t *out = xcalloc((size_t)n, sizeof *out);
    social_relation_t rels[POOL_BATCH_MAX];
    profile_standing_t sts[POOL_BATCH_MAX];
    int rcs[POOL_BATCH_MAX];
    for (int i = 0; i < n; i++) {
        viewers[i] = ((job_t *)jobs[i])->base.uid;
        ids[i] = ((job_t *)jobs[i])->base.target;
    }
    profile_get_many_standing(db, n, viewers, ids, out, rels, sts, rcs);
    for (int i = 0; i < n; i++) {
        job_t *j = (job_t *)jobs[i];
        j->base.rc = rcs[i];
        if (rcs[i] == 0) {
            j->other = out[i];
            j->rel = rels[i];
            j->standing = sts[i];
        }
    }
    free(out);
}
static const api_batch_t PROFILES = { profiles_run };

static void api_user_get(api_t *a, http_req_t *r, int64_t id) {
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    job_t *j = job_new(a, r, uid);
    j->base.target = id;
    api_run_db_batch(&j->base, &PROFILES, profile_done);
}

static void api_user_lookup(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    char name[4 * AUTH_DISPLAY_MAX + 1];
    if (!reqparse_query(http_req_query(r), "display_name", name, sizeof name) || auth_check_display_name(span_cstr(name))) {
        json_t *f = json_object();
        json_object_set_new(f, "display_name", json_string("invalid"));
        api_fields_error(r, f);
        return;
    }
    job_t *j = job_new(a, r, uid);
    snprintf(j->display, sizeof j->display, "%s", name);
    api_run_db(&j->base, profile_work, profile_done);
}

/* ---- PATCH /api/users/me ---- */

static void patch_apply_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    profile_update_t u = {
        j->set_display ? j->display : NULL, j->set_email ? j->email : NULL, j->set_lang ? j->lang : NULL,
        j->set_pw ? j->new_hash : NULL, j->set_presence,
    };
    /* a new address (not only another case of it) is unconfirmed: with mail, a link to confirm it */
    char was[AUTH_EMAIL_MAX + 1], now_key[AUTH_EMAIL_MAX + 1];
    bool new_address = false;
    if (j->set_email) {
        auth_fold(span_cstr(j->acc.email), was);
        auth_fold(span_cstr(j->email), now_key);
        new_address = strcmp(was, now_key) != 0;
    }
    int64_t now = (int64_t)now_wall_ms();
    j->base.rc = profile_update(db, j->base.uid, &u, now);
    if (j->base.rc == 0 && new_address && api_twofa_mail_ready(bj->a) &&
        emailtok_create(db, j->base.uid, EMAILTOK_VERIFY, j->email, now, LIM_EMAIL_VERIFY_MS, j->verify_token) != 0)
        j->verify_token[0] = 0;   /* the change stands; "send again" makes another */
    if (j->base.rc == 0) j->base.rc = account_get(db, j->base.uid, &j->acc);
}

static void patch_done(api_job_t *bj);

static void patch_sessions_ended(void *ctx, int rc) {
    job_t *j = ctx;
    j->base.rc = rc == ERR_FULL ? DB_EBUSY : rc;
    patch_done(&j->base);
}

static void patch_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (j->base.rc == ACCOUNT_E_TAKEN_DISPLAY) {
        api_conflict(j->base.r, "display_name", "taken");
        api_job_done(bj);
        return;
    }
    if (j->base.rc == ACCOUNT_E_TAKEN_EMAIL || j->base.rc == EMAILTOK_E_FACTOR) {
        api_conflict(j->base.r, "email", j->base.rc == EMAILTOK_E_FACTOR ? "email_codes_on" : "taken");
        api_job_done(bj);
        return;
    }
    if (!api_db_ok(bj, NULL)) return;
    if (j->verify_token[0]) {
        api_email_link_later(bj->a, EMAILTOK_VERIFY, j->acc.email, j->acc.language, j->verify_token);
        sodium_memzero(j->verify_token, sizeof j->verify_token);
    }
    if (j->set_pw && !j->sessions_ended) {   /* a new password ends every other session first */
        j->sessions_ended = true;
        api_sessions_end(j->base.a, j->base.uid, j->base.sid, patch_sessions_ended, j);
        return;
    }
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:I}", "id", (json_int_t)j->acc.id, "username", j->acc.username,
                          "display_name", j->acc.display_name, "avatar_url", api_avatar_url(j->acc.id, j->acc.avatar_version),
                          "email", j->acc.email, "language", j->acc.language, "created_at", (json_int_t)j->acc.created_at);
    json_object_set_new(o, "presence_visibility", json_string(account_presence_name(j->acc.presence_visibility)));
    api_json(j->base.r, 200, o);
    api_job_done(bj);
}

static void patch_hash_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    /* no password yet (an account made by Log in with 42): nothing to verify */
    j->verified = !j->acc.password_hash[0] || auth_password_verify(j->acc.password_hash, span_of(j->pw, j->pwlen));
    sodium_memzero(j->pw, sizeof j->pw);
    if (j->verified && j->set_pw) j->base.rc = auth_password_hash(span_of(j->newpw, j->newpwlen), j->new_hash) ? ERR_OK : AUTH_E_HASH;
    sodium_memzero(j->newpw, sizeof j->newpw);
}

static void patch_hashed(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!j->verified) {
        api_wrong_password(j->base.r, "current_password", "The current password is not right.");
        api_job_done(bj);
        return;
    }
    if (j->base.rc != 0) {
        answer_error(j, 500, "internal", "Could not hash the password.");
        return;
    }
    api_run_db(bj, patch_apply_work, patch_done);
}

static void patch_loaded(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    if (j->no_current && j->acc.password_hash[0]) {
        json_t *f = json_object();
        json_object_set_new(f, "current_password", json_string("required"));
        api_fields_error(j->base.r, f);
        api_job_done(bj);
        return;
    }
    /* the new password must not be the username or the (new or current) email either */
    const char *why = j->set_pw ? auth_check_password(span_of(j->newpw, j->newpwlen), span_cstr(j->acc.username),
                                                      span_cstr(j->set_email ? j->email : j->acc.email), j->base.a->common)
                                : NULL;
    if (why) {
        json_t *f = json_object();
        json_object_set_new(f, "password", json_string(why));
        api_fields_error(j->base.r, f);
        api_job_done(bj);
        return;
    }
    api_run_hash(bj, patch_hash_work, patch_hashed);
}

static void load_me_work(api_job_t *bj, db_t *db) { bj->rc = account_get(db, bj->uid, &job_of(bj)->acc); }

static void api_me_patch(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    auth_claims_t cl;
    int64_t uid = api_require_claims(a, r, &cl);
    if (!uid) return;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return;
    json_t *fields = json_object();
    job_t *j = job_new(a, r, uid);
    j->base.sid = cl.sid;   /* a new password keeps this session */
    span_t v, cur = { 0 };
    const char *why;
    if (json_object_get(body, "display_name") && api_string(body, "display_name", &v, fields)) {
        if ((why = auth_check_display_name(v))) json_object_set_new(fields, "display_name", json_string(why));
        else {
            snprintf(j->display, sizeof j->display, "%.*s", (int)v.len, v.ptr);
            j->set_display = true;
        }
    }
    if (json_object_get(body, "email") && api_string(body, "email", &v, fields)) {
        if ((why = auth_check_email(v))) json_object_set_new(fields, "email", json_string(why));
        else {
            snprintf(j->email, sizeof j->email, "%.*s", (int)v.len, v.ptr);
            j->set_email = true;
        }
    }
    if (json_object_get(body, "language") && api_string(body, "language", &v, fields)) {
        if (!span_eq(v, "en") && !span_eq(v, "fr") && !span_eq(v, "ru")) json_object_set_new(fields, "language", json_string("unsupported"));
        else {
            snprintf(j->lang, sizeof j->lang, "%.*s", (int)v.len, v.ptr);
            j->set_lang = true;
        }
    }
    if (json_object_get(body, "presence_visibility") && api_string(body, "presence_visibility", &v, fields)) {
        int pv = account_presence_parse(v);
        if (pv < 0) json_object_set_new(fields, "presence_visibility", json_string("unsupported"));
        else j->set_presence = pv + 1;
    }
    bool has_pw = json_object_get(body, "password") != NULL;
    if (has_pw && api_string(body, "password", &v, fields)) {
        if ((why = auth_check_password(v, (span_t){ 0 }, j->set_email ? span_cstr(j->email) : (span_t){ 0 }, a->common)))
            json_object_set_new(fields, "password", json_string(why));
        else {
            memcpy(j->newpw, v.ptr, v.len);
            j->newpwlen = v.len;
            j->set_pw = true;
        }
    }
    bool sensitive = json_object_get(body, "email") || has_pw;
    /* current_password: required when the account has one (checked once it is loaded); an
     * account made by Log in with 42 sets its first password without it */
    j->no_current = sensitive && !json_object_get(body, "current_password");
    if (sensitive && !j->no_current && api_string(body, "current_password", &cur, fields) && (cur.len == 0 || cur.len > AUTH_PASSWORD_MAX))
        json_object_set_new(fields, "current_password", json_string("wrong"));
    if (json_object_size(fields) == 0 && !j->set_display && !j->set_email && !j->set_lang && !j->set_pw && !j->set_presence)
        json_object_set_new(fields, "body", json_string("nothing_to_change"));
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        api_job_done(&j->base);
        return;
    }
    json_decref(fields);
    if (sensitive) {
        if (cur.len) memcpy(j->pw, cur.ptr, cur.len);
        j->pwlen = cur.len;
        json_decref(body);
        api_run_db(&j->base, load_me_work, patch_loaded);   /* then verify, then apply */
        return;
    }
    json_decref(body);
    api_run_db(&j->base, patch_apply_work, patch_done);
}

/* ---- DELETE /api/users/me ---- */

static void delete_work(api_job_t *bj, db_t *db) { bj->rc = profile_delete_account(db, bj->uid, (int64_t)now_wall_ms()); }

static void delete_done(api_job_t *bj);

static void delete_sessions_ended(void *ctx, int rc) {
    job_t *j = ctx;
    (void)rc;   /* the account is gone whatever happens here: its sessions were deleted with it */
    delete_done(&j->base);
}

static void delete_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    if (!j->sessions_ended) {   /* its access tokens void, its sockets closed, at once */
        j->sessions_ended = true;
        api_sessions_end(j->base.a, j->base.uid, 0, delete_sessions_ended, j);
        return;
    }
    http_resp_header(j->base.r, "set-cookie", "refresh=; Max-Age=0; Path=/api/auth; HttpOnly; Secure; SameSite=Strict");
    answer_empty(j, 204);
}

static void delete_verify_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    /* no password yet (an account made by Log in with 42): the bearer token is all there is */
    j->verified = !j->acc.password_hash[0] || auth_password_verify(j->acc.password_hash, span_of(j->pw, j->pwlen));
    sodium_memzero(j->pw, sizeof j->pw);
}

static void delete_verified(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!j->verified) {
        api_wrong_password(j->base.r, "password", "The password is not right.");
        api_job_done(bj);
        return;
    }
    api_run_db(bj, delete_work, delete_done);
}

static void delete_loaded(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    if (j->no_current && j->acc.password_hash[0]) {   /* the account has a password: it is required */
        json_t *f = json_object();
        json_object_set_new(f, "password", json_string("required"));
        api_fields_error(j->base.r, f);
        api_job_done(bj);
        return;
    }
    api_run_hash(bj, delete_verify_work, delete_verified);
}

static void api_me_delete(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) return;
    json_t *fields = json_object();
    span_t pw = { 0 };
    /* password: required when the account has one (checked once it is loaded) */
    bool no_pw = json_object_get(body, "password") == NULL;
    if (!no_pw && api_string(body, "password", &pw, fields) && (pw.len == 0 || pw.len > AUTH_PASSWORD_MAX))
        json_object_set_new(fields, "password", json_string("wrong"));
    if (json_object_size(fields) > 0) {
        json_decref(body);
        api_fields_error(r, fields);
        return;
    }
    json_decref(fields);
    job_t *j = job_new(a, r, uid);
    j->no_current = no_pw;
    if (pw.len) memcpy(j->pw, pw.ptr, pw.len);
    j->pwlen = pw.len;
    json_decref(body);
    api_run_db(&j->base, load_me_work, delete_loaded);
}

/* ---- GET /api/users/me/export ---- */

static void export_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    if ((j->base.rc = account_get(db, j->base.uid, &j->acc)) != 0) return;
    if ((j->base.rc = account_sessions_list(db, j->base.uid, (int64_t)now_wall_ms(), &j->rows)) != 0) return;
    if ((j->base.rc = social_friends(db, j->base.uid, &j->rows2)) != 0) return;
    if ((j->base.rc = social_blocks(db, j->base.uid, &j->rows3)) != 0) return;
    if ((j->base.rc = matchrec_export_user(db, j->base.uid, &j->rows4)) != 0) return;
    if ((j->base.rc = chatstore_export(db, j->base.uid, &j->rows5)) != 0) return;
    if ((j->base.rc = twofa_status(db, j->base.uid, &j->tf)) != 0) return;
    bool has_pw;
    j->base.rc = oauthlink_status(db, j->base.uid, &j->oauth_linked, j->oauth_login, &has_pw);
}

static void export_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, API_ANSWERS_ME)) return;
    json_t *sessions = json_array(), *friends = json_array(), *blocked = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++)
        json_array_append_new(sessions, json_pack("{s:I, s:I, s:s, s:s}", "created_at", (json_int_t)db_rows_int(j->rows, i, 1),
                                                  "last_used_at", (json_int_t)db_rows_int(j->rows, i, 2), "user_agent",
                                                  db_rows_text(j->rows, i, 3, NULL), "address", db_rows_text(j->rows, i, 4, NULL)));
    static const char *const kinds[] = { "friend", "request_received", "request_sent" };
    for (int i = 0; i < db_rows_count(j->rows2); i++) {
        int64_t k = db_rows_int(j->rows2, i, 5);
        json_array_append_new(friends, json_pack("{s:I, s:s, s:s, s:I}", "user_id", (json_int_t)db_rows_int(j->rows2, i, 0),
                                                 "display_name", db_rows_text(j->rows2, i, 2, NULL), "status",
                                                 kinds[k >= 0 && k <= 2 ? k : 0], "since", (json_int_t)db_rows_int(j->rows2, i, 6)));
    }
    for (int i = 0; i < db_rows_count(j->rows3); i++)
        json_array_append_new(blocked, json_pack("{s:I, s:s, s:I}", "user_id", (json_int_t)db_rows_int(j->rows3, i, 0),
                                                 "display_name", db_rows_text(j->rows3, i, 2, NULL), "since",
                                                 (json_int_t)db_rows_int(j->rows3, i, 4)));
    json_t *matches = json_array();
    for (int i = 0; i < db_rows_count(j->rows4); i++) {
        matchrec_t g;
        matchrec_read(j->rows4, i, &g);
        const char *h = matchrec_ended_how_name(g.ended_how);
        json_t *m = json_pack("{s:I, s:s, s:i, s:[s,s], s:[i,i], s:I, s:I, s:I}", "game_id", (json_int_t)g.id, "status",
                              matchrec_status_name(g.status), "seat",
                              g.user[0] == j->base.uid ? 0 : 1, "players", g.names[0], g.names[1], "score", g.score[0], g.score[1],
                              "started_at", (json_int_t)g.started_at, "duration_ms", (json_int_t)g.duration_ms, "ticks",
                              (json_int_t)g.ticks);
        json_object_set_new(m, "ended_how", h ? json_string(h) : json_null());
        json_object_set_new(m, "winner", g.winner == 0 || g.winner == 1 ? json_integer(g.winner) : json_null());
        json_array_append_new(matches, m);
    }
    /* the messages I wrote: channel kind, room name or peer id, seq, text, time, deletion */
    static const char *const chan_kinds[] = { "room", "direct", "system" };
    json_t *messages = json_array();
    for (int i = 0; i < db_rows_count(j->rows5); i++) {
        int64_t k = db_rows_int(j->rows5, i, CHAT_EXP_COL_KIND);
        size_t len;
        const char *body = db_rows_text(j->rows5, i, CHAT_EXP_COL_BODY, &len);
        json_t *m = json_pack("{s:s, s:I, s:s%, s:I}", "channel", chan_kinds[k >= 0 && k <= 2 ? k : 0], "seq",
                              (json_int_t)db_rows_int(j->rows5, i, CHAT_EXP_COL_SEQ), "text", body, len, "at",
                              (json_int_t)db_rows_int(j->rows5, i, CHAT_EXP_COL_AT));
        if (k == CHAT_KIND_ROOM) json_object_set_new(m, "room", json_string(db_rows_text(j->rows5, i, CHAT_EXP_COL_ROOM, NULL)));
        if (k == CHAT_KIND_DIRECT) json_object_set_new(m, "peer_id", json_integer(db_rows_int(j->rows5, i, CHAT_EXP_COL_PEER)));
        json_object_set_new(m, "deleted", db_rows_null(j->rows5, i, CHAT_EXP_COL_DELETED_AT)
                                              ? json_null()
                                              : json_integer(db_rows_int(j->rows5, i, CHAT_EXP_COL_DELETED_AT)));
        if (m) json_array_append_new(messages, m);   /* stored text is valid UTF-8 (chatrule_text) */
    }
    json_t *o = json_pack("{s:s, s:I, s:{s:I, s:s, s:s, s:s, s:s, s:I, s:I}, s:o, s:o, s:o, s:o, s:o}", "format", "transcendence-export-1",
                          "exported_at", (json_int_t)now_wall_ms(), "account", "id", (json_int_t)j->acc.id, "username",
                          j->acc.username, "display_name", j->acc.display_name, "email", j->acc.email, "language", j->acc.language,
                          "created_at", (json_int_t)j->acc.created_at, "avatar_version", (json_int_t)j->acc.avatar_version,
                          "sessions", sessions, "friends", friends, "blocked", blocked, "matches", matches, "messages", messages);
    json_object_set_new(o, "oauth42", json_pack("{s:b, s:o}", "linked", j->oauth_linked, "login",
                                                j->oauth_linked ? json_string(j->oauth_login) : json_null()));
    json_object_set_new(o, "two_factor", json_pack("{s:s, s:b, s:i, s:b}", "method", j->tf.factor[0] ? j->tf.factor : "none",
                                                   "enabled", j->tf.factor[0] != 0, "recovery_codes_left", j->tf.recovery_left, "email_verified", j->tf.email_verified_at != 0));
    http_resp_header(j->base.r, "content-disposition", "attachment; filename=\"transcendence-export.json\"");
    api_json(j->base.r, 200, o);
    api_job_done(bj);
}

static void api_me_export(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, export_work, export_done); }

/* ---- avatars ---- */

static void avatar_store_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = profile_avatar_set(db, j->base.uid, j->upload, j->upload_len, "image/webp", (int64_t)now_wall_ms(), &j->version);
}

static void avatar_stored(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    api_json(j->base.r, 200, json_pack("{s:o}", "avatar_url", api_avatar_url(j->base.uid, j->version)));
    api_job_done(bj);
}

static void avatar_decode_work(void *arg, void *worker) {
    (void)worker;
    job_t *j = arg;
    avatar_out_t out;
    j->img_rc = avatar_process(j->upload, j->upload_len, &out);
    free(j->upload);
    j->upload = out.data;
    j->upload_len = out.len;
}

static void avatar_decoded(void *arg, int status);

/* Starts a decode on the general pool; 503 when the pool is full or stopping. */
static void avatar_start(api_t *a, job_t *j) {
    if (pool_submit(a->pool, avatar_decode_work, avatar_decoded, j) != 0) {
        api_busy(j->base.r);
        api_job_done(&j->base);
        return;
    }
    a->avatar_running++;
}

/* A decode ended: the uploads waiting next start, up to LIM_AVATAR_DECODES at once (those
 * whose client went away are dropped unread). */
static void avatar_next(api_t *a) {
    a->avatar_running--;
    while (a->avatar_head && a->avatar_running < LIM_AVATAR_DECODES) {
        job_t *w = job_of(a->avatar_head);
        a->avatar_head = w->wait_next;
        if (!a->avatar_head) a->avatar_tail = NULL;
        a->avatar_waiting--;
        if (http_req_gone(w->base.r)) {
            api_busy(w->base.r);
            api_job_done(&w->base);
        } else {
            avatar_start(a, w);
        }
    }
}

static void avatar_decoded(void *arg, int status) {
    job_t *j = arg;
    avatar_next(j->base.a);
    if (status != 0) {
        api_busy(j->base.r);
        api_job_done(&j->base);
        return;
    }
    if (j->img_rc != AVATAR_OK) {
        int st = j->img_rc == AVATAR_E_TOO_BIG ? 413 : j->img_rc == AVATAR_E_INTERNAL ? 500 : 400;
        answer_error(j, st, avatar_strerror(j->img_rc),
                     j->img_rc == AVATAR_E_FORMAT       ? "Upload a PNG, JPEG or WebP image."
                     : j->img_rc == AVATAR_E_DIMENSIONS ? "The image has too many pixels."
                     : j->img_rc == AVATAR_E_TOO_BIG    ? "The image is larger than 5 MB."
                     : j->img_rc == AVATAR_E_DECODE     ? "The image could not be read (truncated or damaged)."
                                                        : "The image could not be processed.");
        return;
    }
    api_run_db(&j->base, avatar_store_work, avatar_stored);
}

static void api_avatar_put(api_t *a, http_req_t *r, int64_t id) {
    (void)id;
    int64_t uid = api_require_user(a, r);
    if (!uid) return;
    span_t body = http_req_body(r);
    if (body.len == 0) {
        http_respond_error(r, 400, "empty", "Send the image as the request body.");
        return;
    }
    if (body.len > AVATAR_MAX_BYTES) {
        http_respond_error(r, 413, "too_big", "The image is larger than 5 MB.");
        return;
    }
    if (a->avatar_running >= LIM_AVATAR_DECODES && a->avatar_waiting >= LIM_AVATAR_WAITING) {
        api_busy(r);
        return;
    }
    job_t *j = job_new(a, r, uid);
    j->upload = xmalloc(body.len);
    memcpy(j->upload, body.ptr, body.len);
    j->upload_len = body.len;
    if (a->avatar_running < LIM_AVATAR_DECODES) {
        avatar_start(a, j);
        return;
    }
    if (a->avatar_tail) job_of(a->avatar_tail)->wait_next = &j->base;
    else a->avatar_head = &j->base;
    a->avatar_tail = &j->base;
    a->avatar_waiting++;
}

static void avatar_clear_work(api_job_t *bj, db_t *db) {
    bj->rc = profile_avatar_clear(db, bj->uid, (int64_t)now_wall_ms(), &job_of(bj)->version);
}

static void avatar_cleared(api_job_t *bj) {
    if (!api_db_ok(bj, NULL)) return;
    answer_empty(job_of(bj), 204);
}

static void api_avatar_delete(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, avatar_clear_work, avatar_cleared); }

static void avatar_get_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    if ((j->base.rc = account_get(db, j->base.target, &j->other)) != 0) return;
    j->base.rc = profile_avatar_get(db, j->base.target, &j->rows);
}

static void avatar_got(api_job_t *bj) {
    job_t *j = job_of(bj);
    static const api_answer_t ANSWERS[] = { { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." }, { 0 } };
    if (!api_db_ok(bj, ANSWERS)) return;
    /* the URL carries ?v=<version>: a new picture has a new URL, so this one never changes */
    http_resp_header(j->base.r, "cache-control", "public, max-age=31536000, immutable");
    if (db_rows_count(j->rows) > 0) {
        size_t len;
        const char *img = db_rows_text(j->rows, 0, 0, &len);
        http_respond(j->base.r, 200, db_rows_text(j->rows, 0, 1, NULL), img, len, HTTP_BODY_COPY);
    } else {
        size_t len;
        char *svg = avatar_identicon_svg(j->base.target, j->other.username, &len);
        http_respond(j->base.r, 200, "image/svg+xml", svg, len, HTTP_BODY_TAKE);
    }
    api_job_done(bj);
}

static void api_avatar_get(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = job_new(a, r, 0);
    j->base.target = id;
    api_run_db(&j->base, avatar_get_work, avatar_got);
}

/* ---- friends ---- */

static void notify(api_t *a, int64_t to, const char *type, int64_t about, const char *relation, const account_t *from) {
    json_t *o = json_pack("{s:s}", "type", type);
    if (from) json_object_set_new(o, "from", public_account(a, from));
    if (about) json_object_set_new(o, "user_id", json_integer(about));
    if (relation) json_object_set_new(o, "relation", json_string(relation));
    api_push(a, to, o);
}

/* Two users just became friends: each one's open tabs learn whether the other is online. */
static void exchange_presence(api_t *a, int64_t x, int64_t y) {
    char msg[96];
    for (int k = 0; k < 2; k++) {
        int64_t to = k ? y : x, about = k ? x : y;
        if (!presence_online(a->presence, about)) continue;
        int n = snprintf(msg, sizeof msg, "{\"type\":\"presence\",\"user_id\":%" PRId64 ",\"online\":true}", about);
        presence_push(a->presence, to, span_of(msg, (size_t)n));
    }
}

static void friends_work(api_job_t *bj, db_t *db) { bj->rc = social_friends(db, bj->uid, &job_of(bj)->rows); }

static void friends_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    json_t *friends = json_array(), *in = json_array(), *out = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++) {
        json_t *u = public_user(j->base.a, db_rows_int(j->rows, i, 0), db_rows_text(j->rows, i, 1, NULL),
                                db_rows_text(j->rows, i, 2, NULL), db_rows_int(j->rows, i, 3), db_rows_int(j->rows, i, 4),
                                db_rows_int(j->rows, i, 7) != 0);
        int64_t kind = db_rows_int(j->rows, i, 5), since = db_rows_int(j->rows, i, 6);
        json_array_append_new(kind == 0 ? friends : kind == 1 ? in : out,
                              json_pack("{s:o, s:I}", "user", u, "since", (json_int_t)since));
    }
    api_json(j->base.r, 200, json_pack("{s:o, s:o, s:o}", "friends", friends, "incoming", in, "outgoing", out));
    api_job_done(bj);
}

static void api_friends(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, friends_work, friends_done); }

static void request_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    j->base.rc = social_friend_request(db, j->base.uid, j->base.target, (int64_t)now_wall_ms(), &j->flag);
    if (j->base.rc == 0) j->base.rc = account_get(db, j->base.uid, &j->acc);
}

static void request_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    static const api_answer_t ANSWERS[] = {
        { SOCIAL_E_SELF, 400, "self", "You cannot befriend yourself." },
        { SOCIAL_E_BLOCKED, 403, "blocked", "You cannot send a friend request to this user." },
        { SOCIAL_E_EXISTS, 409, "exists", "You are already friends, or the request is already sent." },
        { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." },
        { 0 },
    };
    if (!api_db_ok(bj, ANSWERS)) return;
    api_t *a = j->base.a;
    if (j->flag) {   /* they had asked first: now friends */
        notify(a, j->base.target, "friend_update", j->base.uid, "friends", NULL);
        notify(a, j->base.uid, "friend_update", j->base.target, "friends", NULL);
        exchange_presence(a, j->base.uid, j->base.target);
        api_json(j->base.r, 200, json_pack("{s:s}", "relation", "friends"));
    } else {
        notify(a, j->base.target, "friend_request", 0, NULL, &j->acc);
        api_json(j->base.r, 201, json_pack("{s:s}", "relation", "request_sent"));
    }
    api_job_done(bj);
}

static void api_friend_request(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, request_work, request_done); }

static void accept_work(api_job_t *bj, db_t *db) { bj->rc = social_friend_accept(db, bj->uid, bj->target, (int64_t)now_wall_ms()); }

static void accept_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    static const api_answer_t ANSWERS[] = { { ACCOUNT_E_NOTFOUND, 404, "not_found", "No pending request from this user." }, { 0 } };
    if (!api_db_ok(bj, ANSWERS)) return;
    notify(j->base.a, j->base.target, "friend_update", j->base.uid, "friends", NULL);
    notify(j->base.a, j->base.uid, "friend_update", j->base.target, "friends", NULL);
    exchange_presence(j->base.a, j->base.uid, j->base.target);
    api_json(j->base.r, 200, json_pack("{s:s}", "relation", "friends"));
    api_job_done(bj);
}

static void api_friend_accept(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, accept_work, accept_done); }

static void remove_work(api_job_t *bj, db_t *db) { bj->rc = social_friend_remove(db, bj->uid, bj->target); }

static void remove_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    static const api_answer_t ANSWERS[] = { { ACCOUNT_E_NOTFOUND, 404, "not_found", "No friendship or request with this user." }, { 0 } };
    if (!api_db_ok(bj, ANSWERS)) return;
    notify(j->base.a, j->base.target, "friend_update", j->base.uid, "none", NULL);
    notify(j->base.a, j->base.uid, "friend_update", j->base.target, "none", NULL);
    answer_empty(j, 204);
}

static void api_friend_remove(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, remove_work, remove_done); }

/* ---- blocks ---- */

static void blocks_work(api_job_t *bj, db_t *db) { bj->rc = social_blocks(db, bj->uid, &job_of(bj)->rows); }

static void blocks_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    if (!api_db_ok(bj, NULL)) return;
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(j->rows); i++) {
        json_t *u = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)db_rows_int(j->rows, i, 0), "username",
                              db_rows_text(j->rows, i, 1, NULL), "display_name", db_rows_text(j->rows, i, 2, NULL), "avatar_url",
                              api_avatar_url(db_rows_int(j->rows, i, 0), db_rows_int(j->rows, i, 3)));
        json_array_append_new(list, json_pack("{s:o, s:I}", "user", u, "since", (json_int_t)db_rows_int(j->rows, i, 4)));
    }
    api_json(j->base.r, 200, json_pack("{s:o}", "blocked", list));
    api_job_done(bj);
}

static void api_blocks(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, blocks_work, blocks_done); }

static void block_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    social_relation_t before = REL_NONE;
    j->base.rc = social_relation(db, j->base.uid, j->base.target, &before);
    j->flag = before == REL_FRIENDS || before == REL_REQUEST_SENT || before == REL_REQUEST_RECEIVED;
    if (j->base.rc == 0) j->base.rc = social_block(db, j->base.uid, j->base.target, (int64_t)now_wall_ms());
}

static void block_done(api_job_t *bj) {
    job_t *j = job_of(bj);
    static const api_answer_t ANSWERS[] = { { SOCIAL_E_SELF, 400, "self", "You cannot block yourself." }, { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." }, { 0 } };
    if (!api_db_ok(bj, ANSWERS)) return;
    if (j->flag) {   /* the friendship or request ended */
        notify(j->base.a, j->base.target, "friend_update", j->base.uid, "none", NULL);
        notify(j->base.a, j->base.uid, "friend_update", j->base.target, "blocked", NULL);
    }
    if (j->base.a->chat) chat_blocks_changed(j->base.a->chat, j->base.uid);   /* its sockets filter by the new set */
    answer_empty(j, 204);
}

static void api_block(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, block_work, block_done); }

static void unblock_work(api_job_t *bj, db_t *db) { bj->rc = social_unblock(db, bj->uid, bj->target); }

static void unblock_done(api_job_t *bj) {
    if (!api_db_ok(bj, NULL)) return;
    if (bj->a->chat) chat_blocks_changed(bj->a->chat, bj->uid);
    answer_empty(job_of(bj), 204);
}

static void api_unblock(api_t *a, http_req_t *r, int64_t id) { api_user_db(a, r, id, &JOB, unblock_work, unblock_done); }

static const api_param_t LOOKUP_QUERY[] = {
    { "display_name", true, "{\"type\":\"string\",\"minLength\":1,\"maxLength\":32}",
      "The display name, compared without regard to ASCII case (1 to 32 code points, no control characters, no leading or "
      "trailing space)" },
    { NULL, false, NULL, NULL },
};

#define R_SELF(what_) { 400, "Error", "self: " what_ }

const api_route_t API_USER_ROUTES[] = {
    { HTTP_PATCH, "/api/users/me", "Change display_name, email, password (with current_password), language, presence_visibility", api_me_patch, true,
      .op = "updateMe", .tag = "users", .body = "ProfilePatch",
      .responses = { { 200, "Me", "The account as changed" }, API_R_BAD_BODY,
                     { 400, "Error", "fields: display_name (invalid_type, empty, too_long, invalid_chars), email (invalid_type, "
                                     "invalid), language (invalid_type, unsupported), presence_visibility (invalid_type, unsupported), password (invalid_type, too_short, too_long, "
                                     "invalid, same_as_username, same_as_email, too_common), current_password (required — not for an account without a password yet, "
                                     "invalid_type, wrong), body (nothing_to_change)" },
                     API_R_UNAUTHORIZED, { 403, "Error", "wrong_password: fields.current_password is \"wrong\"" },
                     { 409, "Error", "conflict: fields.display_name or fields.email is \"taken\"; fields.email is \"email_codes_on\": "
                                     "email codes are the second factor, so the address cannot change (switch them off first)" }, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_DELETE, "/api/users/me", "Delete the account: {password} (an account without a password yet, made by Log in with 42: {})", api_me_delete, true, .op = "deleteMe", .tag = "users",
      .body = "DeleteAccountRequest",
      .responses = { { 204, NULL, "Deleted: the account is anonymised, its sessions, friends, blocks and avatar are gone; the "
                                  "refresh cookie is cleared" },
                     API_R_BAD_BODY, { 400, "Error", "fields: password (required, invalid_type, wrong)" }, API_R_UNAUTHORIZED,
                     { 403, "Error", "wrong_password: fields.password is \"wrong\"" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/users/me/export", "All my data as JSON", api_me_export, true, .op = "exportMe", .tag = "users",
      .responses = { { 200, "AccountExport", "Everything stored about the account (Content-Disposition: attachment)" },
                     API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_PUT, "/api/users/me/avatar", "Upload an avatar: PNG, JPEG or WebP body, at most 5 MB", api_avatar_put, true,
      .op = "putAvatar", .tag = "users", .body = "@image",
      .responses = { { 200, "AvatarResult", "Stored as a 256x256 WebP; its new URL" },
                     { 400, "Error", "empty: no body; unsupported_format: not PNG, JPEG or WebP; too_many_pixels: over 40 "
                                     "megapixels or 8192 pixels a side; undecodable: truncated or damaged" },
                     API_R_UNAUTHORIZED,
                     { 413, "Error", "too_big: over 5 MB; body_too_large: over the server's MAX_BODY_BYTES" },
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/users/me/avatar", "Back to the default avatar", api_avatar_delete, true, .op = "deleteAvatar",
      .tag = "users",
      .responses = { { 204, NULL, "Back to the identicon (the avatar URL changes)" }, API_R_UNAUTHORIZED, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_GET, "/api/users/lookup", "Find a user by display name: ?display_name=", api_user_lookup, true, .op = "lookupUser",
      .tag = "users", .query = LOOKUP_QUERY,
      .responses = { { 200, "UserProfile", "The user and your relation" },
                     { 400, "Error", "invalid_fields: fields.display_name is \"invalid\" (missing or not a valid display name)" },
                     API_R_UNAUTHORIZED, API_R_NOT_FOUND("no user with that display name"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/users/{id}", "A user's public profile and your relation", api_user_get, true, .op = "getUser",
      .tag = "users",
      .responses = { { 200, "UserProfile", "The user and your relation" }, API_R_UNAUTHORIZED, API_R_NOT_FOUND("no such user"),
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/users/{id}/avatar", "A user's avatar (the URL changes with it)", api_avatar_get, false, .op = "getAvatar",
      .tag = "users",
      .responses = { { 200, "@image", "The uploaded picture (WebP), else an SVG identicon; cached for a year (immutable)" },
                     API_R_NOT_FOUND("no such user"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/friends", "Friends, incoming and outgoing requests", api_friends, true, .op = "listFriends",
      .tag = "friends",
      .responses = { { 200, "FriendList", "By display name" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/friends/{id}", "Send a friend request (or accept theirs)", api_friend_request, true,
      .op = "requestFriend", .tag = "friends",
      .responses = { { 200, "Relation", "They had asked first: now friends" }, { 201, "Relation", "Request sent" },
                     R_SELF("you cannot befriend yourself"), API_R_UNAUTHORIZED,
                     { 403, "Error", "blocked: one of you blocks the other" }, API_R_NOT_FOUND("no such user"),
                     { 409, "Error", "exists: already friends, or the request is already sent" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/friends/{id}/accept", "Accept a friend request", api_friend_accept, true, .op = "acceptFriend",
      .tag = "friends",
      .responses = { { 200, "Relation", "Now friends" }, API_R_UNAUTHORIZED, API_R_NOT_FOUND("no pending request from this user"),
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/friends/{id}", "Remove a friend, cancel or decline a request", api_friend_remove, true,
      .op = "removeFriend", .tag = "friends",
      .responses = { { 204, NULL, "Removed" }, API_R_UNAUTHORIZED, API_R_NOT_FOUND("no friendship or request with this user"),
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/blocks", "Users I block", api_blocks, true, .op = "listBlocks", .tag = "blocks",
      .responses = { { 200, "BlockList", "By display name" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_PUT, "/api/blocks/{id}", "Block a user (ends a friendship or request between you)", api_block, true, .op = "blockUser",
      .tag = "blocks",
      .responses = { { 204, NULL, "Blocked (also when already blocked)" }, R_SELF("you cannot block yourself"),
                     API_R_UNAUTHORIZED, API_R_NOT_FOUND("no such user"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/blocks/{id}", "Unblock a user", api_unblock, true, .op = "unblockUser", .tag = "blocks",
      .responses = { { 204, NULL, "Not blocked (also when they were not)" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { .method = HTTP_GET, .path = NULL },   /* the end */
};
