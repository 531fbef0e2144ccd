/* api_chat — the chat's REST routes (docs/chat.md, "REST"): rooms (list and search, join,
 * leave, the room with its members, history, posting, read markers), moderation (delete a
 * message, mute, kick, ban, unban, name and remove moderators, the log), direct messages, the
 * user's system channel, the conversation list, reports.
 *
 * Same shape as the other handlers: validate on the loop, ONE job on the database pool
 * (chatstore_*), answer from its completion, then the live effect through the chat service
 * (live/chat.h: chat_announce_*, chat_remove_user, chat_notice) so that open sockets hear of
 * it. Posting does not touch the database here: it goes through chat_send, the path of the
 * socket's chat.send (one per-user rate limit, one write batcher, one publication), and the
 * answer comes from its callback once the message is stored. */
#include "account.h"
#include "api.h"
#include "chat.h"
#include "chatrule.h"
#include "chatstore.h"
#include "invite.h"
#include "pongd_limits.h"
#include "presence.h"
#include "reqparse.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The routes' own bounds (docs/chat.md). */
#define CHAT_API_PAGE_DEFAULT 50     /* history without since=, rooms, the log, reports */
#define CHAT_API_PAGE_MAX 100
#define CHAT_API_SINCE_MAX 200       /* since=: at most this many (also the default); "more" tells the rest */
#define CHAT_API_REASON_CHARS CHATSTORE_REASON_MAX   /* a reason: a report's in code points, a moderation action's in bytes */
/* {text}: 2,000 code points fit even when every one is sent as a \uXXXX\uXXXX pair */
#define CHAT_API_POST_BODY_BYTES 32768u
#define CHAT_API_INT_MAX 999999999999999999LL   /* 18 digits: what a query or path integer may be */

typedef struct {
    api_job_t base;                        /* first: uid (the caller), target (the path's {seq} or {user_id}) */
    char name[LIM_CHAT_ROOM_NAME + 1];     /* the path's {name}, checked (any case) */
    char q[LIM_CHAT_ROOM_NAME + 1];        /* GET rooms: ?q= */
    char chan[LIM_CHAT_ROOM_NAME + 32];    /* the channel on the wire: "room:<name>", "dm:<id>", "system" */
    char reason[4 * CHAT_API_REASON_CHARS + 1];
    chat_channel_t ch;
    chat_membership_t me;
    chat_mod_t mod;
    account_t who;                         /* the caller or the moderated user: names for announcements */
    bool created, was_member, more;
    int64_t before, since, seq, stored, last_seq, id, report_user, seconds;
    int limit, store_limit;
    json_t *body;                          /* posting: holds the text until the message is stored */
    db_rows_t *rows, *rows2;
} job_t;

static void job_destroy(api_job_t *bj) {
    job_t *j = (job_t *)bj;
    json_decref(j->body);
    db_rows_free(j->rows);
    db_rows_free(j->rows2);
    free(j);
}

static const api_job_type_t JOB = { sizeof(job_t), job_destroy };
static job_t *job_of(api_job_t *bj) { return (job_t *)bj; }
static int64_t now_ms(void) { return (int64_t)now_wall_ms(); }

/* ---- answers ---- */

#define CHAT_COMMON_ANSWERS                                                                      \
    { CHAT_E_NO_CHANNEL, 404, "not_found", "No such room or conversation." },                      \
    { CHAT_E_BANNED, 403, "banned", "You are banned from this room." },                          \
    { CHAT_E_MUTED, 403, "muted", "You are muted in this room for now." },                       \
    { SOCIAL_E_BLOCKED, 403, "blocked", "One of you blocks the other." },                        \
    { CHAT_E_FORBIDDEN, 403, "forbidden", "You may not do that in this room." },                 \
    { CHAT_E_NO_MESSAGE, 404, "not_found", "No such message." },                                 \
    { CHAT_E_NOT_BANNED, 404, "not_found", "This user is not banned from this room." },          \
    { CHAT_E_SELF, 400, "self", "Not with yourself." },                                          \
    { CHAT_E_RATE, 429, "rate_limited", "You are sending messages too fast; wait a moment." },   \
    { ACCOUNT_E_NOTFOUND, 404, "not_found", "No such user." }

static const api_answer_t ANSWERS[] = {
    { CHAT_E_NOT_MEMBER, 403, "not_member", "You are not a member of this room." },
    CHAT_COMMON_ANSWERS,
    { 0, 0, NULL, NULL },
};

/* Moderation: "not a member" is about the target. */
static const api_answer_t MOD_ANSWERS[] = {
    { CHAT_E_NOT_MEMBER, 404, "not_found", "That user is not a member of this room." },
    CHAT_COMMON_ANSWERS,
    { 0, 0, NULL, NULL },
};

/* The check of a done step, with Retry-After on 429. */
static bool chat_ok(api_job_t *bj, const api_answer_t *answers) {
    if (bj->rc == CHAT_E_RATE) http_resp_header(bj->r, "retry-after", "1");
    return api_db_ok(bj, answers);
}

static void answer_empty(job_t *j) {
    http_respond(j->base.r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
    api_job_done(&j->base);
}

/* 400 invalid_fields with one field, and the job's end. */
static void fail_field(job_t *j, const char *field, const char *code) {
    api_fields_error(j->base.r, json_pack("{s:s}", field, code));
    api_job_done(&j->base);
}

/* Ends the job with 400 when fields has entries (taking fields either way); true when empty. */
static bool fields_ok(job_t *j, json_t *fields) {
    if (json_object_size(fields) == 0) {
        json_decref(fields);
        return true;
    }
    api_fields_error(j->base.r, fields);
    api_job_done(&j->base);
    return false;
}

static const char *text_code(int rc) {
    return rc == CHAT_E_EMPTY ? "empty" : rc == CHAT_E_TOO_LONG ? "too_long" : "invalid";
}

static const char *role_name(int role) {
    return role == CHAT_RANK_OWNER ? "owner" : role == CHAT_RANK_MODERATOR ? "moderator" : "member";
}

static const char *msg_kind_name(int kind) {
    return kind == CHAT_MSG_SYSTEM ? "system" : kind == CHAT_MSG_INVITE ? "invite" : "text";
}

static json_t *int_or_null(int64_t v) { return v ? json_integer(v) : json_null(); }

/* ---- request parsing (bounded: reqparse and fixed buffers) ---- */

/* Is parameter `name` in the query at all (even malformed)? */
static bool query_has(span_t q, const char *name) {
    size_t n = strlen(name), i = 0;
    while (i < q.len) {
        size_t e = i;
        while (e < q.len && q.ptr[e] != '&') e++;
        if (e - i >= n && memcmp(q.ptr + i, name, n) == 0 && (e - i == n || q.ptr[i + n] == '=')) return true;
        i = e + 1;
    }
    return false;
}

/* A decimal 0..CHAT_API_INT_MAX (at most 18 digits, nothing else). */
static bool parse_int(const char *s, int64_t *out) {
    size_t n = strlen(s);
    if (n == 0 || n > 18) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Query parameter `name` as an integer in lo..hi: true with *out when present and valid; when
 * present but not valid, fields gets name: "invalid"; absent: false and *out untouched. */
static bool query_int(span_t q, const char *name, int64_t lo, int64_t hi, int64_t *out, json_t *fields) {
    char v[24];
    int64_t x = 0;
    bool got = reqparse_query(q, name, v, sizeof v);
    if (!got && !query_has(q, name)) return false;
    if (!got || !parse_int(v, &x) || x < lo || x > hi) {
        json_object_set_new(fields, name, json_string("invalid"));
        return false;
    }
    *out = x;
    return true;
}

/* ?limit= (1..max, default def) into j->limit. */
static void query_limit(job_t *j, int def, int max, json_t *fields) {
    int64_t v = def;
    query_int(http_req_query(j->base.r), "limit", 1, max, &v, fields);
    j->limit = (int)v;
}

/* ?before= ?since= ?limit= of a history route; false after answering 400. */
static bool history_query(job_t *j) {
    span_t q = http_req_query(j->base.r);
    json_t *fields = json_object();
    j->since = -1;
    bool before = query_int(q, "before", 1, CHAT_API_INT_MAX, &j->before, fields);
    bool since = query_int(q, "since", 0, CHAT_API_INT_MAX, &j->since, fields);
    if (before && since) json_object_set_new(fields, "since", json_string("with_before"));
    query_limit(j, since ? CHAT_API_SINCE_MAX : CHAT_API_PAGE_DEFAULT, since ? CHAT_API_SINCE_MAX : CHAT_API_PAGE_MAX, fields);
    /* without since=, one more row than asked tells whether older ones exist */
    j->store_limit = since ? j->limit : j->limit + 1;
    return fields_ok(j, fields);
}

/* The {name} of /api/chat/rooms/{name}…, checked with chatrule_room_key; false after 400. */
static bool path_name(job_t *j) {
    static const char prefix[] = "/api/chat/rooms/";
    const size_t n = sizeof prefix - 1;
    span_t p = http_req_path(j->base.r);
    size_t e = n;
    while (e < p.len && p.ptr[e] != '/') e++;
    char key[CHATRULE_KEY_MAX];
    if (p.len <= n || memcmp(p.ptr, prefix, n) != 0 || chatrule_room_key(span_of(p.ptr + n, e - n), key) != 0) {
        fail_field(j, "name", "invalid");
        return false;
    }
    memcpy(j->name, p.ptr + n, e - n);
    j->name[e - n] = '\0';
    snprintf(j->chan, sizeof j->chan, "room:%s", j->name);
    return true;
}

/* The start of a room route: the caller (401), then the {name} (400). NULL once answered. */
static job_t *room_start(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    return j && path_name(j) ? j : NULL;
}

/* The body's integer `name` in lo..hi; fields gets "required" or "invalid" otherwise. */
static bool body_int(json_t *o, const char *name, int64_t lo, int64_t hi, int64_t *out, json_t *fields) {
    json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        json_object_set_new(fields, name, json_string(v ? "invalid" : "required"));
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* The body's "reason" (optional unless required) copied into j->reason: at most
 * CHAT_API_REASON_CHARS code points for a report, bytes for a moderation action (what
 * chatstore stores); a required one is not empty. */
static void body_reason(job_t *j, json_t *o, bool required, bool bytes, json_t *fields) {
    span_t s;
    j->reason[0] = '\0';
    if (!json_object_get(o, "reason") && !required) return;
    if (!api_string(o, "reason", &s, fields)) return;
    size_t n = bytes ? s.len : utf8_count(s.ptr, s.len);
    if (n > CHAT_API_REASON_CHARS || s.len >= sizeof j->reason) json_object_set_new(fields, "reason", json_string("too_long"));
    else if (required && n == 0) json_object_set_new(fields, "reason", json_string("empty"));
    else {
        memcpy(j->reason, s.ptr, s.len);
        j->reason[s.len] = '\0';
    }
}

/* ---- JSON of the answers ---- */

/* The pending invites of the reader (rows2, invite_list) by id: the Invite, else {id} (answered
 * or expired). */
static json_t *invite_of(const job_t *j, int64_t id) {
    for (int k = 0; j->rows2 && k < db_rows_count(j->rows2); k++) {
        if (db_rows_int(j->rows2, k, INVITE_COL_ID) != id) continue;
        invite_t v;
        account_t from, to;
        invite_row(j->rows2, k, &v, &from, &to);
        return api_invite_json(&v, &from, &to);
    }
    return json_pack("{s:I}", "id", (json_int_t)id);
}

/* Row i of chatstore_history as the chat.message frame names it (docs/chat.md). */
static json_t *message_json(const job_t *j, const char *channel, int i) {
    const db_rows_t *r = j->rows;
    bool server = db_rows_null(r, i, CHAT_MSG_COL_SENDER), deleted = !db_rows_null(r, i, CHAT_MSG_COL_DELETED_AT);
    int64_t sender = db_rows_int(r, i, CHAT_MSG_COL_SENDER);
    int kind = (int)db_rows_int(r, i, CHAT_MSG_COL_KIND);
    size_t len = 0;
    const char *body = db_rows_text(r, i, CHAT_MSG_COL_BODY, &len);
    json_t *o = json_pack("{s:s, s:I, s:I, s:s}", "channel", channel, "seq", (json_int_t)db_rows_int(r, i, CHAT_MSG_COL_SEQ), "at",
                          (json_int_t)db_rows_int(r, i, CHAT_MSG_COL_AT), "kind", msg_kind_name(kind));
    json_object_set_new(o, "user_id", server ? json_null() : json_integer(sender));
    json_object_set_new(o, "display_name", server ? json_null() : json_string(db_rows_text(r, i, CHAT_MSG_COL_DISPLAY, NULL)));
    json_object_set_new(o, "avatar_url", server ? json_null() : api_avatar_url(sender, db_rows_int(r, i, CHAT_MSG_COL_AVATAR_VERSION)));
    json_object_set_new(o, "message", json_stringn(deleted ? "" : body, deleted ? 0 : len));
    json_object_set_new(o, "deleted", json_boolean(deleted));
    json_object_set_new(o, "invite", kind == CHAT_MSG_INVITE && !deleted && !db_rows_null(r, i, CHAT_MSG_COL_REF)
                                         ? invite_of(j, db_rows_int(r, i, CHAT_MSG_COL_REF))
                                         : json_null());
    return o;
}

/* {channel, messages, last_seq, more}: history rows oldest first. */
static json_t *history_json(const job_t *j) {
    int n = db_rows_count(j->rows), first = 0;
    bool more = j->more;
    if (j->since < 0 && n > j->limit) {   /* the extra row: older messages exist */
        first = n - j->limit;
        more = true;
    } else if (j->since < 0) {
        more = false;
    }
    json_t *list = json_array();
    for (int i = first; i < n; i++) json_array_append_new(list, message_json(j, j->chan, i));
    return json_pack("{s:s, s:o, s:I, s:b}", "channel", j->chan, "messages", list, "last_seq", (json_int_t)j->last_seq, "more", more);
}

/* {id, display_name} of a user a row names, or null. */
static json_t *actor_json(const db_rows_t *r, int i, int id_col, int name_col) {
    if (db_rows_null(r, i, id_col) || db_rows_int(r, i, id_col) == 0) return json_null();
    return json_pack("{s:I, s:s}", "id", (json_int_t)db_rows_int(r, i, id_col), "display_name", db_rows_text(r, i, name_col, NULL));
}

/* ---- GET /api/chat/rooms ---- */

static void rooms_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = chatstore_rooms(db, span_cstr(j->q), j->limit, &j->rows);
}

static void rooms_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    const db_rows_t *r = job_of(bj)->rows;
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(r); i++) {
        const char *name = db_rows_text(r, i, CHAT_ROOMS_COL_NAME, NULL);
        char chan[LIM_CHAT_ROOM_NAME + 32];
        snprintf(chan, sizeof chan, "room:%s", name);
        json_t *o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:o, s:I}", "channel", chan, "name", name, "owner_id",
                              int_or_null(db_rows_int(r, i, CHAT_ROOMS_COL_OWNER)), "members",
                              (json_int_t)db_rows_int(r, i, CHAT_ROOMS_COL_MEMBERS), "last_seq",
                              (json_int_t)db_rows_int(r, i, CHAT_ROOMS_COL_LAST_SEQ), "last_at",
                              int_or_null(db_rows_int(r, i, CHAT_ROOMS_COL_LAST_AT)), "created_at",
                              (json_int_t)db_rows_int(r, i, CHAT_ROOMS_COL_CREATED_AT));
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o}", "rooms", list));
    api_job_done(bj);
}

static void api_chat_rooms(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    span_t q = http_req_query(r);
    json_t *fields = json_object();
    query_limit(j, CHAT_API_PAGE_DEFAULT, CHAT_API_PAGE_MAX, fields);
    if (query_has(q, "q")) {   /* a part of a room name: the same characters */
        bool ok = reqparse_query(q, "q", j->q, sizeof j->q);
        for (const char *c = j->q; ok && *c; c++)
            ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-';
        if (!ok) json_object_set_new(fields, "q", json_string("invalid"));
    }
    if (fields_ok(j, fields)) api_run_db(&j->base, rooms_work, rooms_done);
}

/* ---- POST /api/chat/rooms/{name}/join, …/leave ---- */

/* The caller's own names; a caller deleted meanwhile is gone (401). */
static int load_me(db_t *db, job_t *j) {
    int rc = account_get(db, j->base.uid, &j->who);
    return rc == ACCOUNT_E_NOTFOUND ? ACCOUNT_E_GONE : rc;
}

static void join_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t now = now_ms();
    int rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0) rc = chatstore_membership(db, j->ch.id, bj->uid, &j->me);
    else if (rc == CHAT_E_NO_CHANNEL) rc = 0;
    j->was_member = rc == 0 && j->me.member;
    if (rc == 0 && !j->was_member) rc = chatstore_room_join(db, span_cstr(j->name), bj->uid, now, &j->ch, &j->created);
    if (rc == 0) rc = chatstore_membership(db, j->ch.id, bj->uid, &j->me);
    if (rc == 0) rc = load_me(db, j);
    bj->rc = rc;
}

static void join_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    char chan[LIM_CHAT_ROOM_NAME + 32];
    snprintf(chan, sizeof chan, "room:%s", j->ch.name);
    if (!j->was_member && !j->created && bj->a->chat)
        chat_announce_member(bj->a->chat, j->ch.id, span_cstr(j->ch.name), "join", bj->uid, span_cstr(j->who.display_name), 0, NULL);
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:b, s:I, s:I}", "channel", chan, "name", j->ch.name, "owner_id",
                          int_or_null(j->ch.owner_id), "role", role_name(j->me.role), "created", j->created, "last_seq",
                          (json_int_t)j->ch.last_seq, "last_read_seq", (json_int_t)j->me.last_read_seq);
    json_object_set_new(o, "muted_until", j->me.muted_until > now_ms() ? json_integer(j->me.muted_until) : json_null());
    api_json(bj->r, j->created ? 201 : 200, o);
    api_job_done(bj);
}

static void api_chat_join(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = room_start(a, r, id);
    if (j) api_run_db(&j->base, join_work, join_done);
}

static void leave_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0) rc = chatstore_room_leave(db, j->ch.id, bj->uid);
    if (rc == 0) rc = load_me(db, j);
    bj->rc = rc;
}

static void leave_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    if (bj->a->chat)
        chat_announce_member(bj->a->chat, j->ch.id, span_cstr(j->ch.name), "leave", bj->uid, span_cstr(j->who.display_name), 0, NULL);
    answer_empty(j);
}

static void api_chat_leave(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = room_start(a, r, id);
    if (j) api_run_db(&j->base, leave_work, leave_done);
}

/* ---- GET /api/chat/rooms/{name} ---- */

static void room_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0) rc = chatstore_membership(db, j->ch.id, bj->uid, &j->me);
    if (rc == 0) rc = chatstore_members(db, j->ch.id, bj->uid, &j->rows);
    bj->rc = rc;
}

static void room_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    int64_t now = now_ms();
    const db_rows_t *r = j->rows;
    json_t *members = json_array();
    for (int i = 0; i < db_rows_count(r); i++) {
        int64_t uid = db_rows_int(r, i, CHAT_MEMBERS_COL_ID), muted = db_rows_int(r, i, CHAT_MEMBERS_COL_MUTED_UNTIL);
        json_t *m = json_pack("{s:o, s:s, s:b, s:b}", "user",
                              api_user_brief(uid, db_rows_text(r, i, CHAT_MEMBERS_COL_USERNAME, NULL),
                                             db_rows_text(r, i, CHAT_MEMBERS_COL_DISPLAY, NULL),
                                             db_rows_int(r, i, CHAT_MEMBERS_COL_AVATAR_VERSION)),
                              "role", role_name((int)db_rows_int(r, i, CHAT_MEMBERS_COL_ROLE)), "site_admin",
                              db_rows_int(r, i, CHAT_MEMBERS_COL_ADMIN) != 0, "online",
                              bj->a->presence && !db_rows_int(r, i, CHAT_MEMBERS_COL_HIDDEN) && presence_online(bj->a->presence, uid));
        json_object_set_new(m, "muted_until", muted > now ? json_integer(muted) : json_null());
        json_array_append_new(members, m);
    }
    char chan[LIM_CHAT_ROOM_NAME + 32];
    snprintf(chan, sizeof chan, "room:%s", j->ch.name);
    json_t *o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:o, s:b, s:o, s:b, s:b}", "channel", chan, "name", j->ch.name, "owner_id",
                          int_or_null(j->ch.owner_id), "created_at", (json_int_t)j->ch.created_at, "last_seq",
                          (json_int_t)j->ch.last_seq, "last_at", int_or_null(j->ch.last_at), "member", j->me.member, "role",
                          j->me.member ? json_string(role_name(j->me.role)) : json_null(), "site_admin",
                          j->me.rank >= CHAT_RANK_ADMIN, "banned", j->me.banned);
    json_object_set_new(o, "muted_until", j->me.muted_until > now ? json_integer(j->me.muted_until) : json_null());
    json_object_set_new(o, "last_read_seq", json_integer(j->me.last_read_seq));
    json_object_set_new(o, "members", members);
    api_json(bj->r, 200, o);
    api_job_done(bj);
}

static void api_chat_room(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = room_start(a, r, id);
    if (j) api_run_db(&j->base, room_work, room_done);
}

/* ---- history: rooms, direct messages, the system channel ---- */

static void history_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    api_json(bj->r, 200, history_json(job_of(bj)));
    api_job_done(bj);
}

static int history(db_t *db, job_t *j) {
    return chatstore_history(db, j->ch.id, j->base.uid, j->before, j->since, j->store_limit, &j->rows, &j->last_seq, &j->more);
}

static void room_history_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0) rc = chatstore_membership(db, j->ch.id, bj->uid, &j->me);
    if (rc == 0 && !j->me.member) {   /* members only; site admins read every room */
        bool admin = false;
        rc = chatstore_is_admin(db, bj->uid, &admin);
        if (rc == 0 && !admin) rc = j->me.banned ? CHAT_E_BANNED : CHAT_E_NOT_MEMBER;
    }
    if (rc == 0) {
        snprintf(j->chan, sizeof j->chan, "room:%s", j->ch.name);
        rc = history(db, j);
    }
    bj->rc = rc;
}

static void api_chat_room_messages(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = room_start(a, r, id);
    if (j && history_query(j)) api_run_db(&j->base, room_history_work, history_done);
}

/* A conversation that exists is read as it is (also with a peer deleted since); a new one is
 * opened with chatstore_direct's checks (a live peer, no block). */
static int dm_open(db_t *db, int64_t uid, int64_t peer, chat_channel_t *ch) {
    int rc = chatstore_direct_find(db, uid, peer, ch);
    return rc == CHAT_E_NO_CHANNEL ? chatstore_direct(db, uid, peer, now_ms(), ch) : rc;
}

static void dm_history_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = dm_open(db, bj->uid, bj->target, &j->ch);
    if (rc == 0) rc = history(db, j);
    bj->rc = rc;
}

static void api_chat_dm_messages(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    snprintf(j->chan, sizeof j->chan, "dm:%" PRId64, id);
    if (history_query(j)) api_run_db(&j->base, dm_history_work, history_done);
}

static void system_history_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t now = now_ms();
    int rc = chatstore_system(db, bj->uid, now, &j->ch);
    if (rc == 0) rc = history(db, j);
    if (rc == 0) rc = invite_list(db, bj->uid, now, &j->rows2);   /* the cards of invites still pending */
    bj->rc = rc;
}

static void api_chat_system_messages(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    snprintf(j->chan, sizeof j->chan, "system");
    if (history_query(j)) api_run_db(&j->base, system_history_work, history_done);
}

/* ---- posting: POST /api/chat/rooms/{name}/messages, /api/chat/dm/{user_id}/messages ---- */

/* chat_send's refusals that are not the message's: its queue is full, or it is stopping (503) */
static int send_rc(int rc) { return rc == ERR_FULL || rc == ERR_AGAIN ? DB_EBUSY : rc; }

static void sent(void *ctx, int rc, int64_t seq, int64_t at) {
    job_t *j = ctx;
    j->base.rc = send_rc(rc);
    if (!chat_ok(&j->base, ANSWERS)) return;
    api_json(j->base.r, 201, json_pack("{s:s, s:I, s:I}", "channel", j->chan, "seq", (json_int_t)seq, "at", (json_int_t)at));
    api_job_done(&j->base);
}

/* {text} to j->chan through chat_send; answers when it is stored or refused. */
static void post(job_t *j) {
    http_req_t *r = j->base.r;
    json_t *body = api_body_object(r, CHAT_API_POST_BODY_BYTES);
    if (!body) {
        api_job_done(&j->base);
        return;
    }
    j->body = body;
    json_t *fields = json_object();
    span_t text = { 0 }, trimmed;
    if (api_string(body, "text", &text, fields)) {
        int rc = chatrule_text(text, &trimmed);
        if (rc) json_object_set_new(fields, "text", json_string(text_code(rc)));
    }
    if (!fields_ok(j, fields)) return;
    if (!j->base.a->chat) {
        j->base.rc = DB_ECONN;
        api_db_failed(&j->base);
        return;
    }
    int rc = chat_send(j->base.a->chat, j->base.uid, span_cstr(j->chan), text, sent, j);
    if (rc == 0) return;   /* sent() answers; j is its own now */
    if (rc == CHAT_E_EMPTY || rc == CHAT_E_TOO_LONG || rc == CHAT_E_INVALID) {
        fail_field(j, "text", text_code(rc));
        return;
    }
    j->base.rc = rc == CHAT_E_CHANNEL || rc == CHAT_E_ROOM_NAME ? CHAT_E_NO_CHANNEL : send_rc(rc);
    chat_ok(&j->base, ANSWERS);
}

static void api_chat_room_post(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = room_start(a, r, id);
    if (j) post(j);
}

static void api_chat_dm_post(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    snprintf(j->chan, sizeof j->chan, "dm:%" PRId64, id);
    post(j);
}

/* ---- read markers: POST …/read {seq} ---- */

static void read_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    if (bj->a->chat) chat_announce_read(bj->a->chat, bj->uid, span_cstr(j->chan), j->stored);
    api_json(bj->r, 200, json_pack("{s:s, s:I}", "channel", j->chan, "last_read_seq", (json_int_t)j->stored));
    api_job_done(bj);
}

static void room_read_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0) {
        snprintf(j->chan, sizeof j->chan, "room:%s", j->ch.name);
        rc = chatstore_read(db, j->ch.id, bj->uid, j->seq, &j->stored);
    }
    bj->rc = rc;
}

static void dm_read_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = dm_open(db, bj->uid, bj->target, &j->ch);
    if (rc == 0) rc = chatstore_read(db, j->ch.id, bj->uid, j->seq, &j->stored);
    bj->rc = rc;
}

static void system_read_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = chatstore_system(db, bj->uid, now_ms(), &j->ch);
    if (rc == 0) rc = chatstore_read(db, j->ch.id, bj->uid, j->seq, &j->stored);
    bj->rc = rc;
}

/* {seq} into j->seq; false after answering. */
static bool read_body(job_t *j) {
    json_t *body = api_body_object(j->base.r, LIM_AUTH_BODY_BYTES);
    if (!body) {
        api_job_done(&j->base);
        return false;
    }
    json_t *fields = json_object();
    body_int(body, "seq", 0, CHAT_API_INT_MAX, &j->seq, fields);
    json_decref(body);
    return fields_ok(j, fields);
}

static void api_chat_room_read(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = room_start(a, r, id);
    if (j && read_body(j)) api_run_db(&j->base, room_read_work, read_done);
}

static void api_chat_dm_read(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    snprintf(j->chan, sizeof j->chan, "dm:%" PRId64, id);
    if (read_body(j)) api_run_db(&j->base, dm_read_work, read_done);
}

static void api_chat_system_read(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    snprintf(j->chan, sizeof j->chan, "system");
    if (read_body(j)) api_run_db(&j->base, system_read_work, read_done);
}

/* ---- moderation ---- */

/* The room, then the action (chatstore_moderate checks it with chatrule_may), then the names
 * of the target for the announcement. */
static void mod_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int64_t now = now_ms();
    int rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0 && j->mod.target_id) rc = account_exists(db, j->mod.target_id);
    if (rc == 0) {
        j->mod.channel_id = j->ch.id;
        j->mod.actor_id = bj->uid;
        j->mod.reason = span_cstr(j->reason);
        if (j->mod.action == CHAT_ACT_MUTE) j->mod.until = now + j->seconds * 1000;
        rc = chatstore_moderate(db, &j->mod, now);
    }
    if (rc == 0 && j->mod.target_id) {
        rc = account_get(db, j->mod.target_id, &j->who);
        if (rc == ACCOUNT_E_NOTFOUND) rc = 0;   /* deleted meanwhile: no name to tell */
    }
    bj->rc = rc;
}

static void mod_done(api_job_t *bj) {
    if (!chat_ok(bj, MOD_ANSWERS)) return;
    job_t *j = job_of(bj);
    chat_t *c = bj->a->chat;
    span_t room = span_cstr(j->ch.name), who = span_cstr(j->who.display_name);
    int64_t target = j->mod.target_id;
    switch (j->mod.action) {
    case CHAT_ACT_DELETE:
        if (c) chat_announce_deleted(c, j->ch.id, room, j->mod.seq);
        break;
    case CHAT_ACT_MUTE:
        if (c) chat_announce_member(c, j->ch.id, room, "mute", target, who, j->mod.until, NULL);
        api_json(bj->r, 200, json_pack("{s:I, s:I}", "user_id", (json_int_t)target, "muted_until", (json_int_t)j->mod.until));
        api_job_done(bj);
        return;
    case CHAT_ACT_KICK:
    case CHAT_ACT_BAN: {
        const char *what = j->mod.action == CHAT_ACT_KICK ? "kick" : "ban";
        if (c) {
            chat_remove_user(c, j->ch.id, room, target, what);
            chat_announce_member(c, j->ch.id, room, what, target, who, 0, NULL);
        }
        break;
    }
    case CHAT_ACT_MOD_ADD:
    case CHAT_ACT_MOD_REMOVE:
        if (c) chat_announce_member(c, j->ch.id, room, "role", target, who, 0, j->mod.action == CHAT_ACT_MOD_ADD ? "moderator" : "member");
        break;
    default: break;
    }
    answer_empty(j);
}

/* A moderation route: the room, then its parameters from the body (user_id, seconds, reason)
 * or the path ({seq} / {user_id}). */
static void moderate(api_t *a, http_req_t *r, int64_t id, chat_action_t action, bool body_user) {
    job_t *j = room_start(a, r, id);
    if (!j) return;
    j->mod.action = action;
    if (action == CHAT_ACT_DELETE) j->mod.seq = id;
    else if (!body_user) j->mod.target_id = id;
    if (body_user) {
        json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
        if (!body) {
            api_job_done(&j->base);
            return;
        }
        json_t *fields = json_object();
        body_int(body, "user_id", 1, CHAT_API_INT_MAX, &j->mod.target_id, fields);
        if (action == CHAT_ACT_MUTE) body_int(body, "seconds", CHATRULE_MUTE_MIN_S, CHATRULE_MUTE_MAX_S, &j->seconds, fields);
        body_reason(j, body, false, true, fields);
        json_decref(body);
        if (!fields_ok(j, fields)) return;
    }
    api_run_db(&j->base, mod_work, mod_done);
}

static void api_chat_delete(api_t *a, http_req_t *r, int64_t id) { moderate(a, r, id, CHAT_ACT_DELETE, false); }
static void api_chat_mute(api_t *a, http_req_t *r, int64_t id) { moderate(a, r, id, CHAT_ACT_MUTE, true); }
static void api_chat_kick(api_t *a, http_req_t *r, int64_t id) { moderate(a, r, id, CHAT_ACT_KICK, true); }
static void api_chat_ban(api_t *a, http_req_t *r, int64_t id) { moderate(a, r, id, CHAT_ACT_BAN, true); }
static void api_chat_unban(api_t *a, http_req_t *r, int64_t id) { moderate(a, r, id, CHAT_ACT_UNBAN, false); }
static void api_chat_mod_add(api_t *a, http_req_t *r, int64_t id) { moderate(a, r, id, CHAT_ACT_MOD_ADD, false); }
static void api_chat_mod_remove(api_t *a, http_req_t *r, int64_t id) { moderate(a, r, id, CHAT_ACT_MOD_REMOVE, false); }

/* ---- GET /api/chat/rooms/{name}/actions ---- */

static void actions_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0) rc = chatstore_actions(db, j->ch.id, bj->uid, j->limit, &j->rows);
    bj->rc = rc;
}

static void actions_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    const db_rows_t *r = job_of(bj)->rows;
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(r); i++) {
        json_t *o = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)db_rows_int(r, i, CHAT_ACT_COL_ID), "action",
                              db_rows_text(r, i, CHAT_ACT_COL_ACTION, NULL), "actor",
                              actor_json(r, i, CHAT_ACT_COL_ACTOR, CHAT_ACT_COL_ACTOR_DISPLAY), "target",
                              actor_json(r, i, CHAT_ACT_COL_TARGET, CHAT_ACT_COL_TARGET_DISPLAY));
        json_object_set_new(o, "seq", int_or_null(db_rows_int(r, i, CHAT_ACT_COL_SEQ)));
        json_object_set_new(o, "until", int_or_null(db_rows_int(r, i, CHAT_ACT_COL_UNTIL)));
        json_object_set_new(o, "reason", json_string(db_rows_text(r, i, CHAT_ACT_COL_REASON, NULL)));
        json_object_set_new(o, "at", json_integer(db_rows_int(r, i, CHAT_ACT_COL_AT)));
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o}", "actions", list));
    api_job_done(bj);
}

static void api_chat_actions(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = room_start(a, r, id);
    if (!j) return;
    json_t *fields = json_object();
    query_limit(j, CHAT_API_PAGE_DEFAULT, CHAT_API_SINCE_MAX, fields);
    if (fields_ok(j, fields)) api_run_db(&j->base, actions_work, actions_done);
}

/* ---- GET /api/chat/conversations ---- */

static void conversations_work(api_job_t *bj, db_t *db) { bj->rc = chatstore_conversations(db, bj->uid, &job_of(bj)->rows); }

static void conversations_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    const db_rows_t *r = job_of(bj)->rows;
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(r); i++) {
        int kind = (int)db_rows_int(r, i, CHAT_CONV_COL_KIND);
        int64_t peer = db_rows_int(r, i, CHAT_CONV_COL_PEER);
        char chan[LIM_CHAT_ROOM_NAME + 32];
        if (kind == CHAT_KIND_ROOM) snprintf(chan, sizeof chan, "room:%s", db_rows_text(r, i, CHAT_CONV_COL_NAME, NULL));
        else if (kind == CHAT_KIND_DIRECT) snprintf(chan, sizeof chan, "dm:%" PRId64, peer);
        else snprintf(chan, sizeof chan, "system");
        json_t *o = json_pack("{s:s, s:s}", "channel", chan, "kind",
                              kind == CHAT_KIND_ROOM ? "room" : kind == CHAT_KIND_DIRECT ? "direct" : "system");
        json_object_set_new(o, "peer", kind == CHAT_KIND_DIRECT && peer
                                           ? api_user_brief(peer, db_rows_text(r, i, CHAT_CONV_COL_PEER_USERNAME, NULL),
                                                            db_rows_text(r, i, CHAT_CONV_COL_PEER_DISPLAY, NULL),
                                                            db_rows_int(r, i, CHAT_CONV_COL_PEER_AVATAR_VERSION))
                                           : json_null());
        json_object_set_new(o, "last_seq", json_integer(db_rows_int(r, i, CHAT_CONV_COL_LAST_SEQ)));
        json_object_set_new(o, "last_at", int_or_null(db_rows_int(r, i, CHAT_CONV_COL_LAST_AT)));
        json_object_set_new(o, "last_read_seq", json_integer(db_rows_int(r, i, CHAT_CONV_COL_READ_SEQ)));
        json_object_set_new(o, "unread", json_integer(db_rows_int(r, i, CHAT_CONV_COL_UNREAD)));
        json_t *last = json_null();
        if (!db_rows_null(r, i, CHAT_CONV_COL_MSG_SEQ)) {
            size_t len = 0;
            const char *body = db_rows_text(r, i, CHAT_CONV_COL_MSG_BODY, &len);
            bool server = db_rows_null(r, i, CHAT_CONV_COL_MSG_SENDER);
            last = json_pack("{s:I, s:I, s:s, s:o, s:o, s:b}", "seq", (json_int_t)db_rows_int(r, i, CHAT_CONV_COL_MSG_SEQ), "at",
                             (json_int_t)db_rows_int(r, i, CHAT_CONV_COL_MSG_AT), "kind",
                             msg_kind_name((int)db_rows_int(r, i, CHAT_CONV_COL_MSG_KIND)), "user_id",
                             server ? json_null() : json_integer(db_rows_int(r, i, CHAT_CONV_COL_MSG_SENDER)), "message",
                             json_stringn(body, len), "deleted", len == 0);
        }
        json_object_set_new(o, "last_message", last);
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o}", "conversations", list));
    api_job_done(bj);
}

static void api_chat_conversations(api_t *a, http_req_t *r, int64_t id) {
    api_user_db(a, r, id, &JOB, conversations_work, conversations_done);
}

/* ---- reports: POST and GET /api/chat/reports ---- */

static void report_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    int rc = 0;
    j->ch.id = 0;
    if (j->name[0]) rc = chatstore_room(db, span_cstr(j->name), &j->ch);
    if (rc == 0)
        rc = chatstore_report(db, bj->uid, j->report_user, j->ch.id, j->seq, span_cstr(j->reason), now_ms(), &j->id, &j->rows);
    if (rc == 0) rc = load_me(db, j);
    bj->rc = rc;
}

static void report_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    job_t *j = job_of(bj);
    if (bj->a->chat) {   /* a notice to each of those who may act on it */
        char text[512];
        if (j->name[0])
            snprintf(text, sizeof text, "%s reported a message in room %s (report #%" PRId64 ").", j->who.display_name, j->ch.name, j->id);
        else
            snprintf(text, sizeof text, "%s reported a user (report #%" PRId64 ").", j->who.display_name, j->id);
        for (int i = 0; i < db_rows_count(j->rows); i++)
            chat_notice(bj->a->chat, db_rows_int(j->rows, i, 0), CHAT_MSG_SYSTEM, span_cstr(text), 0, (span_t){ NULL, 0 });
    }
    api_json(bj->r, 201, json_pack("{s:I}", "id", (json_int_t)j->id));
    api_job_done(bj);
}

static void api_chat_report(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    json_t *body = api_body_object(r, LIM_AUTH_BODY_BYTES);
    if (!body) {
        api_job_done(&j->base);
        return;
    }
    json_t *fields = json_object();
    if (json_object_get(body, "user_id")) body_int(body, "user_id", 1, CHAT_API_INT_MAX, &j->report_user, fields);
    span_t chan;
    bool has_chan = json_object_get(body, "channel") != NULL;
    if (has_chan && api_string(body, "channel", &chan, fields)) {
        chatrule_chan_t c;
        char key[CHATRULE_KEY_MAX];
        if (chatrule_chan_parse(chan, &c) != 0 || c.kind != CHAT_KIND_ROOM || chatrule_room_key(c.room, key) != 0)
            json_object_set_new(fields, "channel", json_string("invalid"));
        else {
            memcpy(j->name, c.room.ptr, c.room.len);
            j->name[c.room.len] = '\0';
        }
    }
    if (has_chan) body_int(body, "seq", 1, CHAT_API_INT_MAX, &j->seq, fields);
    else if (json_object_get(body, "seq")) json_object_set_new(fields, "channel", json_string("required"));
    if (!has_chan && !json_object_get(body, "user_id")) json_object_set_new(fields, "user_id", json_string("required"));
    body_reason(j, body, true, false, fields);
    json_decref(body);
    if (fields_ok(j, fields)) api_run_db(&j->base, report_work, report_done);
}

static void reports_work(api_job_t *bj, db_t *db) {
    job_t *j = job_of(bj);
    bj->rc = chatstore_reports(db, bj->uid, j->limit, &j->rows);
}

static void reports_done(api_job_t *bj) {
    if (!chat_ok(bj, ANSWERS)) return;
    const db_rows_t *r = job_of(bj)->rows;
    json_t *list = json_array();
    for (int i = 0; i < db_rows_count(r); i++) {
        json_t *o = json_pack("{s:I, s:o, s:o}", "id", (json_int_t)db_rows_int(r, i, CHAT_REP_COL_ID), "reporter",
                              actor_json(r, i, CHAT_REP_COL_REPORTER, CHAT_REP_COL_REPORTER_DISPLAY), "target",
                              actor_json(r, i, CHAT_REP_COL_TARGET, CHAT_REP_COL_TARGET_DISPLAY));
        json_t *chan = json_null();
        if (!db_rows_null(r, i, CHAT_REP_COL_ROOM) && db_rows_int(r, i, CHAT_REP_COL_CHANNEL)) {
            char c[LIM_CHAT_ROOM_NAME + 32];
            snprintf(c, sizeof c, "room:%s", db_rows_text(r, i, CHAT_REP_COL_ROOM, NULL));
            chan = json_string(c);
        }
        json_object_set_new(o, "channel", chan);
        json_object_set_new(o, "seq", int_or_null(db_rows_int(r, i, CHAT_REP_COL_SEQ)));
        json_object_set_new(o, "message", db_rows_null(r, i, CHAT_REP_COL_BODY) ? json_null()
                                                                               : json_string(db_rows_text(r, i, CHAT_REP_COL_BODY, NULL)));
        json_object_set_new(o, "reason", json_string(db_rows_text(r, i, CHAT_REP_COL_REASON, NULL)));
        json_object_set_new(o, "at", json_integer(db_rows_int(r, i, CHAT_REP_COL_AT)));
        json_array_append_new(list, o);
    }
    api_json(bj->r, 200, json_pack("{s:o}", "reports", list));
    api_job_done(bj);
}

static void api_chat_reports(api_t *a, http_req_t *r, int64_t id) {
    job_t *j = (job_t *)api_job_start(a, r, true, id, &JOB);
    if (!j) return;
    json_t *fields = json_object();
    query_limit(j, CHAT_API_PAGE_DEFAULT, CHAT_API_SINCE_MAX, fields);
    if (fields_ok(j, fields)) api_run_db(&j->base, reports_work, reports_done);
}

/* ---- the table ---- */

static const api_param_t ROOMS_QUERY[] = {
    { "q", false, "{\"type\":\"string\",\"maxLength\":64,\"pattern\":\"^[A-Za-z0-9_-]*$\"}",
      "Rooms whose name contains this, in any case (empty: all)" },
    { "limit", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}", "At most this many rooms (default 50)" },
    { NULL, false, NULL, NULL },
};

static const api_param_t HISTORY_QUERY[] = {
    { "before", false, "{\"type\":\"integer\",\"minimum\":1}", "The newest messages with a seq below this (paging back)" },
    { "since", false, "{\"type\":\"integer\",\"minimum\":0}",
      "The oldest messages with a seq above this (what a reconnecting client missed); not with before" },
    { "limit", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":200}",
      "At most this many: 1 to 100 (default 50), with since= 1 to 200 (default 200)" },
    { NULL, false, NULL, NULL },
};

static const api_param_t LIMIT_QUERY[] = {
    { "limit", false, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":200}", "At most this many (default 50)" },
    { NULL, false, NULL, NULL },
};

#define R_NAME { 400, "Error", "invalid_fields: fields.name is \"invalid\" (not a room name)" }
#define R_ROOM_404 API_R_NOT_FOUND("no such room")
#define R_BAD_POST                                                                                                          \
    { 400, "Error", "invalid_json; invalid_fields: fields.text (required, invalid_type, empty, too_long: over 2,000 code "   \
                    "points, invalid)" },                                                                                   \
    { 413, "Error", "payload_too_large: the JSON body is over 32 KiB; body_too_large: over MAX_BODY_BYTES" },              \
    { 415, "Error", "unsupported_media_type: send application/json" }
#define R_RATE { 429, "Error", "rate_limited: over CHAT_RATE messages a second (burst twice that) for this user, sockets included; see Retry-After" }
#define R_HISTORY_400 { 400, "Error", "invalid_fields: before, since, limit (invalid; since: with_before)" }

const api_route_t API_CHAT_ROUTES[] = {
    { HTTP_GET, "/api/chat/rooms", "Rooms, most recently active first; ?q= filters by a part of the name", api_chat_rooms, true,
      .op = "listChatRooms", .tag = "chat", .query = ROOMS_QUERY,
      .responses = { { 200, "ChatRoomList", "The rooms with their member counts" },
                     { 400, "Error", "invalid_fields: q or limit is \"invalid\"" }, API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/rooms/{name}/join", "Join a room; an unused name creates it, owned by you", api_chat_join, true,
      .op = "joinChatRoom", .tag = "chat",
      .responses = { { 200, "ChatJoined", "Joined (or already a member)" }, { 201, "ChatJoined", "Created: you own it" }, R_NAME,
                     API_R_UNAUTHORIZED, { 403, "Error", "banned: you are banned from this room" }, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/rooms/{name}/leave", "Leave a room (an owner keeps the ownership)", api_chat_leave, true,
      .op = "leaveChatRoom", .tag = "chat",
      .responses = { { 204, NULL, "Left" }, R_NAME, API_R_UNAUTHORIZED, { 403, "Error", "not_member" }, R_ROOM_404, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_GET, "/api/chat/rooms/{name}", "A room: my membership, the members with their role and online flag", api_chat_room, true,
      .op = "getChatRoom", .tag = "chat",
      .responses = { { 200, "ChatRoom", "The room" }, R_NAME, API_R_UNAUTHORIZED, R_ROOM_404, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/chat/rooms/{name}/messages", "A room's history (members; paged with before=, resumed with since=)",
      api_chat_room_messages, true, .op = "getChatRoomMessages", .tag = "chat", .query = HISTORY_QUERY,
      .responses = { { 200, "ChatHistory", "Oldest first, without the messages of users you block" }, R_NAME, R_HISTORY_400,
                     API_R_UNAUTHORIZED, { 403, "Error", "not_member; banned" }, R_ROOM_404, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/rooms/{name}/messages", "Post to a room: {text} (the rules of the socket's chat.send)",
      api_chat_room_post, true, .op = "postChatRoomMessage", .tag = "chat", .body = "ChatPostRequest",
      .responses = { { 201, "ChatPosted", "Stored and published" }, R_NAME, R_BAD_POST, API_R_UNAUTHORIZED,
                     { 403, "Error", "not_member; banned; muted" }, R_ROOM_404, R_RATE, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/rooms/{name}/read", "Move my read marker in a room: {seq}", api_chat_room_read, true,
      .op = "readChatRoom", .tag = "chat", .body = "ChatReadRequest",
      .responses = { { 200, "ChatReadMarker", "The marker as stored (never backwards, at most the room's last seq)" }, R_NAME,
                     API_R_BAD_BODY, { 400, "Error", "invalid_fields: seq (required, invalid)" }, API_R_UNAUTHORIZED,
                     { 403, "Error", "not_member" }, R_ROOM_404, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/chat/rooms/{name}/messages/{seq}", "Delete a message (moderators, owner, site admins)", api_chat_delete,
      true, .op = "deleteChatMessage", .tag = "chat",
      .responses = { { 204, NULL, "Deleted: history shows it as deleted" }, R_NAME, API_R_UNAUTHORIZED,
                     { 403, "Error", "forbidden: not a moderator here, or the sender ranks as high as you" },
                     API_R_NOT_FOUND("no such room, or no such message (or already deleted)"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/rooms/{name}/mute", "Mute a member for a time: {user_id, seconds, reason?}", api_chat_mute, true,
      .op = "muteChatMember", .tag = "chat", .body = "ChatMuteRequest",
      .responses = { { 200, "ChatMuted", "Muted until muted_until" }, R_NAME, API_R_BAD_BODY,
                     { 400, "Error", "invalid_fields: user_id, seconds (1 to 604800), reason (invalid_type, too_long: over 500 bytes)" },
                     API_R_UNAUTHORIZED, { 403, "Error", "forbidden" },
                     API_R_NOT_FOUND("no such room or user, or the user is not a member"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/rooms/{name}/kick", "Kick a member (who may rejoin): {user_id, reason?}", api_chat_kick, true,
      .op = "kickChatMember", .tag = "chat", .body = "ChatModRequest",
      .responses = { { 204, NULL, "Kicked: their sockets are told and leave the room" }, R_NAME, API_R_BAD_BODY,
                     { 400, "Error", "invalid_fields: user_id, reason" }, API_R_UNAUTHORIZED, { 403, "Error", "forbidden" },
                     API_R_NOT_FOUND("no such room or user, or the user is not a member"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/rooms/{name}/ban", "Ban a user from the room (also a non-member): {user_id, reason?}", api_chat_ban,
      true, .op = "banChatMember", .tag = "chat", .body = "ChatModRequest",
      .responses = { { 204, NULL, "Banned (also when already banned): out of the room, and cannot rejoin" }, R_NAME,
                     API_R_BAD_BODY, { 400, "Error", "invalid_fields: user_id, reason" }, API_R_UNAUTHORIZED,
                     { 403, "Error", "forbidden" }, API_R_NOT_FOUND("no such room or user"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/chat/rooms/{name}/ban/{user_id}", "Lift a ban", api_chat_unban, true, .op = "unbanChatMember",
      .tag = "chat",
      .responses = { { 204, NULL, "Unbanned: they may join again" }, R_NAME, API_R_UNAUTHORIZED, { 403, "Error", "forbidden" },
                     API_R_NOT_FOUND("no such room or user, or no ban to lift"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_PUT, "/api/chat/rooms/{name}/moderators/{user_id}", "Name a member moderator (the owner, site admins)",
      api_chat_mod_add, true, .op = "addChatModerator", .tag = "chat",
      .responses = { { 204, NULL, "A moderator now" }, R_NAME, API_R_UNAUTHORIZED,
                     { 403, "Error", "forbidden: not the owner, or the user is not a plain member" },
                     API_R_NOT_FOUND("no such room or user, or the user is not a member"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_DELETE, "/api/chat/rooms/{name}/moderators/{user_id}", "Make a moderator a plain member again (the owner, site admins)",
      api_chat_mod_remove, true, .op = "removeChatModerator", .tag = "chat",
      .responses = { { 204, NULL, "A member now" }, R_NAME, API_R_UNAUTHORIZED,
                     { 403, "Error", "forbidden: not the owner, or the user is not a moderator" },
                     API_R_NOT_FOUND("no such room or user, or the user is not a member"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/chat/rooms/{name}/actions", "The room's moderation log, newest first (moderators, owner, site admins)",
      api_chat_actions, true, .op = "listChatActions", .tag = "chat", .query = LIMIT_QUERY,
      .responses = { { 200, "ChatActionList", "Who did what to whom, when, and why" }, R_NAME,
                     { 400, "Error", "invalid_fields: limit" }, API_R_UNAUTHORIZED, { 403, "Error", "forbidden" }, R_ROOM_404,
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/chat/conversations", "My direct conversations, my system channel and my rooms, most recent first",
      api_chat_conversations, true, .op = "listChatConversations", .tag = "chat",
      .responses = { { 200, "ChatConversationList", "Each with its last message, read marker and unread count" },
                     API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/chat/dm/{user_id}/messages", "The history of my direct conversation with a user", api_chat_dm_messages, true,
      .op = "getChatDirectMessages", .tag = "chat", .query = HISTORY_QUERY,
      .responses = { { 200, "ChatHistory", "Oldest first" }, R_HISTORY_400, { 400, "Error", "self: a conversation with yourself" },
                     API_R_UNAUTHORIZED, { 403, "Error", "blocked: one of you blocks the other" }, API_R_NOT_FOUND("no such user"),
                     API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/dm/{user_id}/messages", "Send a direct message: {text}", api_chat_dm_post, true,
      .op = "postChatDirectMessage", .tag = "chat", .body = "ChatPostRequest",
      .responses = { { 201, "ChatPosted", "Stored and sent to both users' tabs" }, R_BAD_POST,
                     { 400, "Error", "self: a message to yourself" }, API_R_UNAUTHORIZED,
                     { 403, "Error", "blocked: one of you blocks the other" }, API_R_NOT_FOUND("no such user"), R_RATE, API_R_BUSY,
                     API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/dm/{user_id}/read", "Move my read marker in a direct conversation: {seq}", api_chat_dm_read, true,
      .op = "readChatDirect", .tag = "chat", .body = "ChatReadRequest",
      .responses = { { 200, "ChatReadMarker", "The marker as stored" }, API_R_BAD_BODY,
                     { 400, "Error", "invalid_fields: seq; self" }, API_R_UNAUTHORIZED, { 403, "Error", "blocked" },
                     API_R_NOT_FOUND("no such user"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/chat/system/messages", "My system channel: the server's notices and invite cards", api_chat_system_messages,
      true, .op = "getChatSystemMessages", .tag = "chat", .query = HISTORY_QUERY,
      .responses = { { 200, "ChatHistory", "Oldest first; an invite card carries the Invite while it is pending" }, R_HISTORY_400,
                     API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/system/read", "Move my read marker in my system channel: {seq}", api_chat_system_read, true,
      .op = "readChatSystem", .tag = "chat", .body = "ChatReadRequest",
      .responses = { { 200, "ChatReadMarker", "The marker as stored" }, API_R_BAD_BODY, { 400, "Error", "invalid_fields: seq" },
                     API_R_UNAUTHORIZED, API_R_BUSY, API_R_INTERNAL } },
    { HTTP_POST, "/api/chat/reports", "Report a room message or a user: {user_id?, channel?, seq?, reason}", api_chat_report, true,
      .op = "reportChat", .tag = "chat", .body = "ChatReportRequest",
      .responses = { { 201, "ChatReportCreated", "Filed; the room's owner and moderators and the site admins get a notice" },
                     API_R_BAD_BODY,
                     { 400, "Error", "invalid_fields: user_id, channel (a room: \"room:<name>\"), seq, reason (required, empty, "
                                     "too_long: over 500 code points); self: reporting yourself" },
                     API_R_UNAUTHORIZED, API_R_NOT_FOUND("no such user, room or message"), API_R_BUSY, API_R_INTERNAL } },
    { HTTP_GET, "/api/chat/reports", "Reports I may act on (of rooms I moderate; site admins: all), newest first",
      api_chat_reports, true, .op = "listChatReports", .tag = "chat", .query = LIMIT_QUERY,
      .responses = { { 200, "ChatReportList", "The reports" }, { 400, "Error", "invalid_fields: limit" }, API_R_UNAUTHORIZED,
                     API_R_BUSY, API_R_INTERNAL } },
    { .method = HTTP_GET, .path = NULL },
};
