/* twofa — see twofa.h. */
#include "twofa.h"

#include "pongd_limits.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const db_sql_t Q_STATUS = {
    "twofa_status",
    "SELECT second_factor, CASE WHEN totp_enabled = 0 AND totp_secret IS NOT NULL THEN 1 ELSE 0 END,"
    " (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = users.id AND r.used_at IS NULL),"
    " COALESCE(email_verified_at, 0), COALESCE(email, ''), language"
    " FROM users WHERE id = $1 AND deleted_at IS NULL",
};
static const db_sql_t Q_TOTP = {
    "twofa_totp", "SELECT second_factor, totp_enabled, COALESCE(totp_secret, ''), totp_last_step FROM users"
                  " WHERE id = $1 AND deleted_at IS NULL",
};
/* a secret stored in clear (before sealing) rewritten sealed, unless it changed meanwhile */
static const db_sql_t Q_RESEAL = {
    "twofa_reseal", "UPDATE users SET totp_secret = $2 WHERE id = $1 AND totp_secret = $3",
};
static const db_sql_t Q_SETUP = {
    "twofa_setup", "UPDATE users SET totp_secret = $2, totp_enabled = 0 WHERE id = $1 AND second_factor = '' AND deleted_at IS NULL",
};
/* a step is taken once: only a later one moves it */
static const db_sql_t Q_TAKE_STEP = {
    "twofa_take_step", "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2",
};
static const db_sql_t Q_TURN_ON = {
    "twofa_turn_on", "UPDATE users SET second_factor = $2, totp_enabled = $3, updated_at = $4 WHERE id = $1 AND second_factor = ''",
};
static const db_sql_t Q_TURN_OFF = {
    "twofa_turn_off",
    "UPDATE users SET second_factor = '', totp_enabled = 0, totp_secret = NULL, updated_at = $2 WHERE id = $1 AND second_factor <> ''",
};
static const db_sql_t Q_CONFIRM_EMAIL = {
    "twofa_confirm_email", "UPDATE users SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL",
};
static const db_sql_t Q_REC_CLEAR = { "twofa_rec_clear", "DELETE FROM recovery_codes WHERE user_id = $1" };
static const db_sql_t Q_REC_ADD = {
    "twofa_rec_add", "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
};
static const db_sql_t Q_REC_USE = {
    "twofa_rec_use", "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
};
static const db_sql_t Q_CH_ADD = {
    "twofa_ch_add",
    "INSERT INTO auth_challenges (user_id, token_hash, kind, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
};
static const db_sql_t Q_CH_GET = {
    "twofa_ch_get",
    "SELECT id, user_id, kind, COALESCE(code_hash, ''), attempts, expires_at, COALESCE(used_at, 0)"
    " FROM auth_challenges WHERE token_hash = $1",
};
static const db_sql_t Q_CH_FAIL = { "twofa_ch_fail", "UPDATE auth_challenges SET attempts = attempts + 1 WHERE id = $1" };
static const db_sql_t Q_CH_USE = {
    "twofa_ch_use", "UPDATE auth_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND attempts < $3",
};
/* a user's old challenges go when a new one is made or the factor changes */
static const db_sql_t Q_CH_PURGE = {
    "twofa_ch_purge", "DELETE FROM auth_challenges WHERE user_id = $1 AND (expires_at <= $2 OR used_at IS NOT NULL)",
};
static const db_sql_t Q_CH_CLEAR = { "twofa_ch_clear", "DELETE FROM auth_challenges WHERE user_id = $1" };

static db_val_t text(const char *s) { return DB_TEXT(s, strlen(s)); }

static void copy_text(char *dst, size_t cap, const db_rows_t *r, int row, int col) {
    size_t len;
    const char *t = db_rows_text(r, row, col, &len);
    if (len >= cap) len = cap - 1;
    memcpy(dst, t, len);
    dst[len] = 0;
}

int twofa_status(db_t *db, int64_t uid, twofa_status_t *out) {
    memset(out, 0, sizeof *out);
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    int rc = db_exec(db, &Q_STATUS, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else {
        copy_text(out->factor, sizeof out->factor, r, 0, 0);
        out->totp_pending = db_rows_int(r, 0, 1) != 0;
        out->recovery_left = (int)db_rows_int(r, 0, 2);
        out->email_verified_at = db_rows_int(r, 0, 3);
        copy_text(out->email, sizeof out->email, r, 0, 4);
        copy_text(out->language, sizeof out->language, r, 0, 5);
    }
    db_rows_free(r);
    return rc;
}

int twofa_totp_setup(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t uid, const char *secret_b32) {
    char sealed[OTP_SEALED_MAX + 1];
    if (!otp_secret_seal(key, uid, secret_b32, sealed)) return ERR_INVALID;
    db_val_t p[2] = { DB_INT(uid), text(sealed) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_SETUP, p, 2, NULL, &changed);
    if (rc != 0) return rc;
    if (changed == 1) return 0;
    rc = account_exists(db, uid);
    return rc != 0 ? rc : TWOFA_E_ON;
}

typedef struct {
    char factor[TWOFA_FACTOR_MAX];
    bool enabled;
    bool stored;                       /* a secret is stored (set up), readable or not */
    char secret[OTP_SECRET_B32 + 1];   /* opened; "" when none, or when it does not open */
    int64_t last_step;
} totp_row_t;

/* The user's TOTP row, the secret opened (otp_secret_open). A secret still in clear is
 * rewritten sealed, in the caller's transaction. One that does not open (the server secret
 * changed) reads as "": no TOTP code matches it, recovery codes still work. */
static int totp_row(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t uid, totp_row_t *t) {
    db_val_t p = DB_INT(uid);
    db_rows_t *r;
    int rc = db_exec(db, &Q_TOTP, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    char stored[OTP_SEALED_MAX + 1] = "";
    if (db_rows_count(r) == 0) rc = ACCOUNT_E_NOTFOUND;
    else {
        copy_text(t->factor, sizeof t->factor, r, 0, 0);
        t->enabled = db_rows_int(r, 0, 1) != 0;
        copy_text(stored, sizeof stored, r, 0, 2);
        t->last_step = db_rows_int(r, 0, 3);
    }
    db_rows_free(r);
    t->secret[0] = 0;
    t->stored = stored[0] != 0;
    bool legacy = false;
    if (rc == 0 && t->stored && otp_secret_open(key, uid, stored, t->secret, &legacy) == ERR_OK && legacy) {
        char sealed[OTP_SEALED_MAX + 1];
        if (otp_secret_seal(key, uid, t->secret, sealed)) {
            db_val_t q[3] = { DB_INT(uid), text(sealed), text(stored) };
            rc = db_exec(db, &Q_RESEAL, q, 3, NULL, NULL);
        }
    }
    sodium_memzero(stored, sizeof stored);
    return rc;
}

/* Checks a TOTP code and takes its step, in the caller's transaction. */
static int take_totp(db_t *db, int64_t uid, const totp_row_t *t, span_t code, int64_t now_ms) {
    int64_t step;
    if (!t->secret[0]) return AUTH_E_CODE;   /* none, or it does not open */
    int rc = otp_totp_check(t->secret, code, now_ms / 1000, t->last_step, &step);
    if (rc != 0) return rc;
    db_val_t p[2] = { DB_INT(uid), DB_INT(step) };
    int64_t changed = 0;
    if ((rc = db_exec(db, &Q_TAKE_STEP, p, 2, NULL, &changed)) != 0) return rc;
    return changed == 1 ? 0 : AUTH_E_CODE_REUSED;   /* a concurrent use took it (or a later one) first */
}

/* Uses a recovery code (typed form) of uid: 0 or AUTH_E_CODE. */
static int take_recovery(db_t *db, int64_t uid, span_t typed, int64_t now_ms) {
    char norm[OTP_RECOVERY_NORM + 1], hash[AUTH_TOKEN_HASH_HEX + 1];
    if (!otp_recovery_norm(typed, norm)) return AUTH_E_CODE;
    auth_token_hash(span_cstr(norm), hash);
    db_val_t p[3] = { DB_INT(uid), text(hash), DB_INT(now_ms) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_REC_USE, p, 3, NULL, &changed);
    if (rc != 0) return rc;
    return changed == 1 ? 0 : AUTH_E_CODE;
}

/* New recovery codes into rec, replacing the stored ones (caller's transaction). */
static int new_recovery(db_t *db, int64_t uid, int64_t now_ms, twofa_recovery_t *rec) {
    db_val_t u = DB_INT(uid);
    int rc = db_exec(db, &Q_REC_CLEAR, &u, 1, NULL, NULL);
    for (int i = 0; rc == 0 && i < OTP_RECOVERY_COUNT; i++) {
        char norm[OTP_RECOVERY_NORM + 1], hash[AUTH_TOKEN_HASH_HEX + 1];
        otp_recovery_new(rec->codes[i]);
        otp_recovery_norm(span_cstr(rec->codes[i]), norm);
        auth_token_hash(span_cstr(norm), hash);
        db_val_t p[3] = { DB_INT(uid), text(hash), DB_INT(now_ms) };
        rc = db_exec(db, &Q_REC_ADD, p, 3, NULL, NULL);
        if (rc == DB_ECONSTRAINT) i--, rc = 0;   /* the same code twice (1 in 2^80): draw again */
    }
    return rc;
}

static int turn_on(db_t *db, int64_t uid, const char *factor, int64_t now_ms, twofa_recovery_t *rec) {
    db_val_t p[4] = { DB_INT(uid), text(factor), DB_INT(strcmp(factor, "totp") == 0), DB_INT(now_ms) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_TURN_ON, p, 4, NULL, &changed);
    if (rc != 0) return rc;
    if (changed != 1) return TWOFA_E_ON;
    db_val_t u = DB_INT(uid);
    if ((rc = db_exec(db, &Q_CH_CLEAR, &u, 1, NULL, NULL)) != 0) return rc;
    return new_recovery(db, uid, now_ms, rec);
}

/* Ends a transaction: commit when rc is 0 or `keep` (a counted failure), else roll back. */
static int finish(db_t *db, int rc, bool keep) {
    if (rc == 0 || keep) {
        int c = db_commit(db);
        return c != 0 ? c : rc;
    }
    db_rollback(db);
    return rc;
}

int twofa_totp_enable(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t uid, span_t code, int64_t now_ms,
                      twofa_recovery_t *rec) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    totp_row_t t;
    if ((rc = totp_row(db, key, uid, &t)) == 0) {
        if (t.factor[0]) rc = TWOFA_E_ON;
        else if (!t.stored) rc = TWOFA_E_OFF;
        else if ((rc = take_totp(db, uid, &t, code, now_ms)) == 0) rc = turn_on(db, uid, "totp", now_ms, rec);
    }
    sodium_memzero(t.secret, sizeof t.secret);
    return finish(db, rc, false);
}

int twofa_challenge_create(db_t *db, int64_t uid, const char *kind, const char *code, int64_t now_ms, int64_t ttl_ms,
                           char token[AUTH_TOKEN_CHARS + 1]) {
    char th[AUTH_TOKEN_HASH_HEX + 1], ch[AUTH_TOKEN_HASH_HEX + 1];
    auth_token_new(token);
    auth_token_hash(span_cstr(token), th);
    if (code) auth_token_hash(span_cstr(code), ch);
    db_val_t purge[2] = { DB_INT(uid), DB_INT(now_ms) };
    int rc = db_exec(db, &Q_CH_PURGE, purge, 2, NULL, NULL);
    if (rc != 0) return rc;
    db_val_t p[6] = { DB_INT(uid), text(th), text(kind), code ? text(ch) : DB_NULLV, DB_INT(now_ms), DB_INT(now_ms + ttl_ms) };
    return db_exec(db, &Q_CH_ADD, p, 6, NULL, NULL);
}

typedef struct {
    int64_t id, uid, attempts, expires, used;
    char kind[16];
    char code_hash[AUTH_TOKEN_HASH_HEX + 1];
} challenge_t;

/* The live challenge of a typed token of `kind`: 0 or TWOFA_E_CHALLENGE. */
static int challenge_get(db_t *db, span_t token, const char *kind, int64_t now_ms, challenge_t *c) {
    if (token.len != AUTH_TOKEN_CHARS) return TWOFA_E_CHALLENGE;
    char th[AUTH_TOKEN_HASH_HEX + 1];
    auth_token_hash(token, th);
    db_val_t p = text(th);
    db_rows_t *r;
    int rc = db_exec(db, &Q_CH_GET, &p, 1, &r, NULL);
    if (rc != 0) return rc;
    if (db_rows_count(r) == 0) rc = TWOFA_E_CHALLENGE;
    else {
        c->id = db_rows_int(r, 0, 0);
        c->uid = db_rows_int(r, 0, 1);
        copy_text(c->kind, sizeof c->kind, r, 0, 2);
        copy_text(c->code_hash, sizeof c->code_hash, r, 0, 3);
        c->attempts = db_rows_int(r, 0, 4);
        c->expires = db_rows_int(r, 0, 5);
        c->used = db_rows_int(r, 0, 6);
        if (strcmp(c->kind, kind) != 0 || c->used || c->expires <= now_ms || c->attempts >= LIM_TWOFA_ATTEMPTS) rc = TWOFA_E_CHALLENGE;
    }
    db_rows_free(r);
    return rc;
}

/* An emailed code against the challenge's hash, in constant time. */
static int check_mailed(const challenge_t *c, span_t code) {
    char norm[OTP_DIGITS + 1], h[AUTH_TOKEN_HASH_HEX + 1];
    if (!c->code_hash[0] || !otp_code_norm(code, norm)) return AUTH_E_CODE;
    auth_token_hash(span_cstr(norm), h);
    return sodium_memcmp(h, c->code_hash, AUTH_TOKEN_HASH_HEX) == 0 ? 0 : AUTH_E_CODE;
}

static int use_challenge(db_t *db, const challenge_t *c, int64_t now_ms) {
    db_val_t p[3] = { DB_INT(c->id), DB_INT(now_ms), DB_INT(LIM_TWOFA_ATTEMPTS) };
    int64_t changed = 0;
    int rc = db_exec(db, &Q_CH_USE, p, 3, NULL, &changed);
    return rc != 0 ? rc : changed == 1 ? 0 : TWOFA_E_CHALLENGE;
}

static int count_failure(db_t *db, const challenge_t *c) {
    db_val_t p = DB_INT(c->id);
    return db_exec(db, &Q_CH_FAIL, &p, 1, NULL, NULL);
}

static bool code_failure(int rc) { return rc == AUTH_E_CODE || rc == AUTH_E_CODE_REUSED; }

int twofa_email_enable(db_t *db, int64_t uid, span_t challenge, span_t code, int64_t now_ms, twofa_recovery_t *rec) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    challenge_t c;
    if ((rc = challenge_get(db, challenge, "email_setup", now_ms, &c)) == 0 && c.uid != uid) rc = TWOFA_E_CHALLENGE;
    if (rc == 0 && (rc = check_mailed(&c, code)) != 0) {
        int f = count_failure(db, &c);
        return finish(db, f != 0 ? f : rc, f == 0);
    }
    db_val_t p[2] = { DB_INT(uid), DB_INT(now_ms) };
    if (rc == 0) rc = use_challenge(db, &c, now_ms);
    if (rc == 0) rc = db_exec(db, &Q_CONFIRM_EMAIL, p, 2, NULL, NULL);
    if (rc == 0) rc = turn_on(db, uid, "email", now_ms, rec);
    return finish(db, rc, false);
}

int twofa_disable(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t uid, span_t code, int64_t now_ms) {
    int rc = db_begin(db);
    if (rc != 0) return rc;
    totp_row_t t;
    if ((rc = totp_row(db, key, uid, &t)) == 0) {
        if (!t.factor[0]) rc = TWOFA_E_OFF;
        else {
            /* a TOTP code when TOTP is on, else (or failing that) a recovery code */
            int r1 = strcmp(t.factor, "totp") == 0 && code.len <= OTP_DIGITS + 2 ? take_totp(db, uid, &t, code, now_ms) : AUTH_E_CODE;
            rc = r1 == 0 ? 0 : take_recovery(db, uid, code, now_ms);
            if (rc == AUTH_E_CODE && r1 == AUTH_E_CODE_REUSED) rc = r1;
        }
    }
    sodium_memzero(t.secret, sizeof t.secret);
    db_val_t p[2] = { DB_INT(uid), DB_INT(now_ms) };
    db_val_t u = DB_INT(uid);
    if (rc == 0) rc = db_exec(db, &Q_TURN_OFF, p, 2, NULL, NULL);
    if (rc == 0) rc = db_exec(db, &Q_REC_CLEAR, &u, 1, NULL, NULL);
    if (rc == 0) rc = db_exec(db, &Q_CH_CLEAR, &u, 1, NULL, NULL);
    return finish(db, rc, false);
}

int twofa_login_verify(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], span_t challenge, span_t code, span_t recovery,
                       int64_t now_ms, account_session_t *s, int64_t *uid, int64_t *sid, int *attempts_left) {
    return twofa_login_verify_for(db, key, 0, challenge, code, recovery, now_ms, s, uid, sid, attempts_left);
}

int twofa_login_verify_for(db_t *db, const uint8_t key[AUTH_SECRET_BYTES], int64_t expect_uid, span_t challenge, span_t code,
                           span_t recovery, int64_t now_ms, account_session_t *s, int64_t *uid, int64_t *sid,
                           int *attempts_left) {
    *attempts_left = 0;
    int rc = db_begin(db);
    if (rc != 0) return rc;
    challenge_t c;
    totp_row_t t = { 0 };
    if ((rc = challenge_get(db, challenge, "login", now_ms, &c)) == 0 && expect_uid && c.uid != expect_uid) rc = TWOFA_E_CHALLENGE;
    if (rc != 0) return finish(db, rc, false);
    if ((rc = totp_row(db, key, c.uid, &t)) != 0) {
        if (rc == ACCOUNT_E_NOTFOUND) rc = TWOFA_E_CHALLENGE;   /* the account went meanwhile */
        return finish(db, rc, false);
    }
    const char *used;
    if (recovery.len > 0) {
        used = "recovery";
        rc = take_recovery(db, c.uid, recovery, now_ms);
    } else if (strcmp(t.factor, "email") == 0) {
        used = "email";
        rc = check_mailed(&c, code);
    } else if (strcmp(t.factor, "totp") == 0) {
        used = "totp";
        rc = take_totp(db, c.uid, &t, code, now_ms);
    } else {
        used = "";
        rc = TWOFA_E_CHALLENGE;   /* the factor was turned off since */
    }
    sodium_memzero(t.secret, sizeof t.secret);
    if (code_failure(rc)) {
        /* the wrong attempt is kept, the rest of the transaction had written nothing */
        int f = count_failure(db, &c);
        *attempts_left = (int)(LIM_TWOFA_ATTEMPTS - c.attempts - 1);
        if (*attempts_left < 0) *attempts_left = 0;
        return finish(db, f != 0 ? f : rc, f == 0);
    }
    if (rc == 0) rc = use_challenge(db, &c, now_ms);
    if (rc == 0) {
        snprintf(s->second_factor, sizeof s->second_factor, "%s", used);
        rc = account_session_create(db, c.uid, s, sid);
    }
    if (rc == 0) *uid = c.uid;
    return finish(db, rc, false);
}

static const db_sql_t Q_DEL_EMAIL_TOKENS = { "twofa_del_email_tokens", "DELETE FROM email_tokens WHERE user_id = $1" };
static const db_sql_t Q_FORGET = {
    "twofa_forget", "UPDATE users SET second_factor = '', totp_enabled = 0, totp_secret = NULL, totp_last_step = 0 WHERE id = $1",
};

int twofa_delete_user(db_t *db, int64_t uid) {
    db_val_t u = DB_INT(uid);
    int rc;
    if ((rc = db_exec(db, &Q_REC_CLEAR, &u, 1, NULL, NULL)) != 0 || (rc = db_exec(db, &Q_CH_CLEAR, &u, 1, NULL, NULL)) != 0 ||
        (rc = db_exec(db, &Q_DEL_EMAIL_TOKENS, &u, 1, NULL, NULL)) != 0)
        return rc;
    return db_exec(db, &Q_FORGET, &u, 1, NULL, NULL);
}
