/* chat: the client-frame parser (both sockets), the chat.message and error frames; the service
 * with the ws.h double, the bus and a real database pool (SQLite and, with
 * PONGD_TEST_DATABASE_URL, PostgreSQL): legacy room sockets (auth, join, broadcast with seqs,
 * stored), app tabs through presence's hooks (subscribe, send + ack, DMs to every tab, block
 * filtering and its reload, read markers), the per-user rate limit across sockets and
 * chat_send, notices, removal (chat.removed, legacy 4403), errors with the socket kept; legacy
 * messages sent before the join finished (held, then posted in order); shutdown (every queued
 * and in-flight chat_send answered before the pool goes away); the counters of /metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounttest.h"
#include "chat.h"
#include "chatstore.h"
#include "dbpool.h"
#include "dbtest.h"
#include "live_fixture.h"
#include "presence.h"
#include "social.h"

static char sqlite_path[64];

/* ---- the parser ---- */

static int parse_n(const char *data, size_t len, bool legacy, chat_frame_t *f, buf_t *text) {
    char *copy = malloc(len ? len : 1);   /* ASan sees any read past len */
    if (len) memcpy(copy, data, len);
    int e = chat_frame_parse(copy, len, legacy, f, text);
    free(copy);
    return e;
}

static int parse(const char *s, bool legacy, chat_frame_t *f, buf_t *text) { return parse_n(s, strlen(s), legacy, f, text); }

static void expect_err(const char *s, bool legacy, int want) {
    buf_t t;
    buf_init(&t, LIM_WS_MESSAGE_BYTES);
    buf_append(&t, "stale", 5);
    chat_frame_t f;
    int e = parse(s, legacy, &f, &t);
    if (e != want) fail_msg("'%.80s': got %s, wanted %s", s, err_name(e), err_name(want));
    assert_int_equal(t.len, 0);
    buf_free(&t);
}

static void test_parse_legacy(void **state) {
    (void)state;
    buf_t t;
    buf_init(&t, LIM_WS_MESSAGE_BYTES);
    chat_frame_t f;
    assert_int_equal(parse("{\"message\":\"  hi \\\"x\\\" <b>\"}", true, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_MESSAGE);
    assert_int_equal(t.len, strlen("  hi \"x\" <b>"));
    assert_memory_equal(t.ptr, "  hi \"x\" <b>", t.len);   /* as sent: trimming is chatrule_text's */
    assert_int_equal(parse("{\"message\":\"\\ud83d\\ude00\",\"other\":1}", true, &f, &t), 0);
    assert_memory_equal(t.ptr, "\xf0\x9f\x98\x80", 4);
    expect_err("", true, CHAT_E_JSON);
    expect_err("not json", true, CHAT_E_JSON);
    expect_err("{\"message\":\"x\"} trailing", true, CHAT_E_JSON);
    expect_err("{\"message\":\"a\",\"message\":\"b\"}", true, CHAT_E_JSON);
    expect_err("{\"message\":5}", true, CHAT_E_INVALID);
    expect_err("{}", true, CHAT_E_INVALID);
    expect_err("[]", true, CHAT_E_INVALID);
    expect_err("\"just a string\"", true, CHAT_E_INVALID);
    expect_err("{\"type\":\"chat.send\",\"channel\":\"room:a\",\"text\":\"x\"}", true, CHAT_E_INVALID);
    expect_err("{\"message\":\"\\xff\"}", true, CHAT_E_JSON);
    /* 2000 code points pass, 2001 do not */
    char *big = malloc(2 * 2001 + 32);
    strcpy(big, "{\"message\":\"");
    for (int i = 0; i < 2000; i++) strcat(big, "\xc3\xa9");
    strcat(big, "\"}");
    assert_int_equal(parse(big, true, &f, &t), 0);
    assert_int_equal(t.len, 4000);
    strcpy(big + strlen(big) - 2, "\xc3\xa9\"}");
    expect_err(big, true, CHAT_E_TOO_LONG);
    free(big);
    buf_free(&t);
}

static void test_parse_app(void **state) {
    (void)state;
    buf_t t;
    buf_init(&t, LIM_WS_MESSAGE_BYTES);
    chat_frame_t f;
    assert_int_equal(parse("{\"type\":\"chat.send\",\"channel\":\"room:Lobby\",\"text\":\"hey\",\"ref\":\"c-1\"}", false, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_SEND);
    assert_string_equal(f.channel, "room:Lobby");
    assert_true(f.has_ref);
    assert_string_equal(f.ref, "c-1");
    assert_int_equal(t.len, 3);
    assert_int_equal(parse("{\"type\":\"chat.subscribe\",\"channel\":\"room:x\"}", false, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_SUBSCRIBE);
    assert_false(f.has_ref);
    assert_int_equal(t.len, 0);
    assert_int_equal(parse("{\"type\":\"chat.unsubscribe\",\"channel\":\"room:x\"}", false, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_UNSUBSCRIBE);
    assert_int_equal(parse("{\"type\":\"chat.read\",\"channel\":\"dm:5\",\"seq\":12}", false, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_READ);
    assert_int_equal(f.seq, 12);
    /* not the chat's */
    assert_int_equal(parse("{\"type\":\"ping\"}", false, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_OTHER);
    assert_int_equal(parse("[1]", false, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_OTHER);
    assert_int_equal(parse("{\"message\":\"legacy\"}", false, &f, &t), 0);
    assert_int_equal(f.kind, CHAT_FRAME_OTHER);
    expect_err("nope", false, CHAT_E_JSON);
    /* the chat's, but wrong */
    expect_err("{\"type\":\"chat.nope\",\"channel\":\"room:x\"}", false, CHAT_E_INVALID);
    expect_err("{\"type\":\"chat.send\",\"channel\":\"room:x\"}", false, CHAT_E_INVALID);
    expect_err("{\"type\":\"chat.send\",\"text\":\"x\"}", false, CHAT_E_INVALID);
    expect_err("{\"type\":\"chat.send\",\"channel\":5,\"text\":\"x\"}", false, CHAT_E_INVALID);
    expect_err("{\"type\":\"chat.read\",\"channel\":\"room:x\",\"seq\":-1}", false, CHAT_E_INVALID);
    expect_err("{\"type\":\"chat.read\",\"channel\":\"room:x\",\"seq\":\"1\"}", false, CHAT_E_INVALID);
    /* bounded: a channel past CHAT_CHANNEL_MAX, a ref past CHAT_REF_MAX, a NUL inside */
    char s[512];
    snprintf(s, sizeof s, "{\"type\":\"chat.subscribe\",\"channel\":\"room:%0*d\"}", (int)LIM_CHAT_ROOM_NAME + 1, 0);
    expect_err(s, false, CHAT_E_INVALID);
    snprintf(s, sizeof s, "{\"type\":\"chat.send\",\"channel\":\"room:a\",\"text\":\"x\",\"ref\":\"%0*d\"}", (int)CHAT_REF_MAX + 1, 0);
    expect_err(s, false, CHAT_E_INVALID);
    snprintf(s, sizeof s, "{\"type\":\"chat.send\",\"channel\":\"room:a\",\"text\":\"x\",\"ref\":\"%0*d\"}", (int)CHAT_REF_MAX, 0);
    assert_int_equal(parse(s, false, &f, &t), 0);
    expect_err("{\"type\":\"chat.send\",\"channel\":\"room:a\\u0000b\",\"text\":\"x\"}", false, CHAT_E_JSON);
    /* an error keeps a valid ref for the answer */
    assert_int_equal(parse("{\"type\":\"chat.send\",\"channel\":\"room:a\",\"text\":7,\"ref\":\"r9\"}", false, &f, &t), CHAT_E_INVALID);
    assert_true(f.has_ref);
    assert_string_equal(f.ref, "r9");
    buf_free(&t);
}

static json_t *loads(const buf_t *b) {
    json_error_t e;
    json_t *o = json_loadb(b->ptr, b->len, JSON_REJECT_DUPLICATES, &e);
    if (!json_is_object(o)) fail_msg("not a JSON object: %.*s", (int)b->len, b->ptr);
    return o;
}

static void test_render(void **state) {
    (void)state;
    buf_t out;
    buf_init(&out, 65536);
    chat_view_t v = { .channel = SPAN_LIT("room:Lobby"), .room = SPAN_LIT("Lobby"), .seq = 3, .at = 1700000000123, .kind = CHAT_MSG_TEXT,
                      .user_id = 7, .display_name = "<b>Zo\xc3\xab</b>", .avatar_version = 2, .text = SPAN_LIT("'; DROP TABLE x;--") };
    assert_int_equal(chat_render(&out, &v), 0);
    json_t *o = loads(&out);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "chat.message");
    assert_string_equal(json_string_value(json_object_get(o, "channel")), "room:Lobby");
    assert_string_equal(json_string_value(json_object_get(o, "room")), "Lobby");
    assert_string_equal(json_string_value(json_object_get(o, "message")), "'; DROP TABLE x;--");
    assert_string_equal(json_string_value(json_object_get(o, "display_name")), "<b>Zo\xc3\xab</b>");
    assert_string_equal(json_string_value(json_object_get(o, "avatar_url")), "/api/users/7/avatar?v=2");
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "text");
    assert_int_equal(json_integer_value(json_object_get(o, "seq")), 3);
    assert_int_equal(json_integer_value(json_object_get(o, "at")), 1700000000123);
    assert_int_equal(json_integer_value(json_object_get(o, "user_id")), 7);
    json_decref(o);
    /* the server's invite card: no sender, no room, the invite object embedded */
    chat_view_t n = { .channel = SPAN_LIT("system"), .seq = 1, .at = 5, .kind = CHAT_MSG_INVITE, .text = SPAN_LIT("ann invites you"),
                      .invite = SPAN_LIT("{\"id\":4,\"from\":{\"id\":1}}") };
    assert_int_equal(chat_render(&out, &n), 0);
    o = loads(&out);
    assert_true(json_is_null(json_object_get(o, "user_id")));
    assert_null(json_object_get(o, "room"));
    assert_null(json_object_get(o, "display_name"));
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "invite");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "invite"), "id")), 4);
    json_decref(o);
    n.invite = SPAN_LIT("{not json");
    assert_int_equal(chat_render(&out, &n), ERR_INVALID);
    /* past the buffer's maximum */
    buf_t small;
    buf_init(&small, 32);
    assert_int_equal(chat_render(&small, &v), ERR_LIMIT);
    buf_free(&small);
    buf_free(&out);
}

static void test_error_frames(void **state) {
    (void)state;
    static const struct { int e; const char *code; } cases[] = {
        { CHAT_E_JSON, "invalid_json" },       { CHAT_E_INVALID, "invalid_message" }, { CHAT_E_EMPTY, "invalid_message" },
        { CHAT_E_TOO_LONG, "message_too_long" }, { CHAT_E_RATE, "rate_limited" },     { CHAT_E_NOT_MEMBER, "not_member" },
        { CHAT_E_NO_CHANNEL, "no_such_channel" }, { CHAT_E_MUTED, "muted" },           { CHAT_E_BANNED, "banned" },
        { SOCIAL_E_BLOCKED, "blocked" },        { ERR_FULL, "busy" },                  { DB_ECONN, "unavailable" },
    };
    buf_t out;
    buf_init(&out, 4096);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chat_error_frame(&out, cases[i].e, false, "r\"1");
        json_t *o = loads(&out);
        assert_string_equal(json_string_value(json_object_get(o, "type")), "chat.error");
        assert_string_equal(json_string_value(json_object_get(o, "ref")), "r\"1");
        json_t *err = json_object_get(o, "error");
        assert_string_equal(json_string_value(json_object_get(err, "code")), cases[i].code);
        assert_true(json_is_string(json_object_get(err, "message")));
        json_decref(o);
        chat_error_frame(&out, cases[i].e, true, NULL);   /* the legacy socket's */
        o = loads(&out);
        assert_int_equal(json_object_size(o), 1);
        assert_string_equal(json_string_value(json_object_get(json_object_get(o, "error"), "code")), cases[i].code);
        json_decref(o);
    }
    buf_free(&out);
}

/* ---- the service ---- */

typedef struct {
    db_t *db;
    dbpool_t *pool;
    bus_t *bus;
    room_reg_t *rooms;
    presence_t *p;
    chat_t *chat;
} fx_t;

static void no_wake(void *arg) { (void)arg; }

static fx_t fx_new(const char *url, int rate) {
    fx_t f;
    f.db = fresh(url);
    char err[256];
    f.pool = dbpool_create(url, 2, 256, no_wake, NULL, err, sizeof err);
    if (!f.pool) fail_msg("dbpool_create: %s", err);
    f.bus = bus_create(bus_local_backend());
    f.rooms = room_reg_create();
    f.p = presence_create(f.pool, live_secret(), f.bus);
    f.chat = chat_create(&(chat_deps_t){ f.bus, f.pool, f.rooms, live_secret(), rate, NULL });
    presence_set_tab_hooks(f.p, &(presence_tab_hooks_t){ f.chat, chat_tab_open, chat_tab_deliver, chat_tab_close });
    return f;
}

static void settle(fx_t *f) {
    pool_t *pl = dbpool_pool(f->pool);
    for (int i = 0; i < 10000; i++) {
        pool_kick(pl);   /* as the server's loop does once per turn (for a pool with deferred wake-ups) */
        pool_run_completions(pl);
        if (pool_inflight(pl) == 0) return;
        usleep(1000);
    }
    fail_msg("database jobs still in flight after 10 s");
}

static void fx_free(fx_t *f) {
    settle(f);
    chat_destroy(f->chat);
    presence_destroy(f->p);
    assert_int_equal(room_reg_count(f->rooms), 0);
    room_reg_destroy(f->rooms);
    assert_int_equal(bus_stats(f->bus).topics, 0);
    bus_destroy(f->bus);
    dbpool_destroy(f->pool);
    db_close(f->db);
}

/* A legacy socket of (id, name) in room, joined (auth_ok read). */
static ws_conn_t *legacy(fx_t *f, const char *room, int64_t id, const char *name) {
    char path[128];
    snprintf(path, sizeof path, "/ws/chat/%s/", room);
    ws_conn_t *c = wsd_new(path);
    chat_on_open(f->chat, c, span_cstr(room));
    char *tok = live_token(id, name);
    chat_on_message(f->chat, c, live_auth_frame(tok));
    free(tok);
    assert_int_equal(wsd_sent_count(c), 0);   /* auth_ok comes once the room is joined */
    settle(f);
    live_expect_user_frame(c, 0, "auth_ok", id, name);
    live_expect_field(c, 0, "room", room);
    wsd_clear_sent(c);
    return c;
}

static void legacy_close(fx_t *f, ws_conn_t *c) {
    chat_on_close(f->chat, c);
    wsd_free(c);
}

/* An app tab of (id, name), authenticated, its hello read and its load settled. */
static ws_conn_t *tab(fx_t *f, int64_t id, const char *name) {
    ws_conn_t *c = wsd_new("/ws/");
    presence_on_open(f->p, c);
    char *tok = live_token(id, name);
    presence_on_message(f->p, c, live_auth_frame(tok));
    free(tok);
    settle(f);
    live_expect_user_frame(c, 0, "hello", id, name);
    wsd_clear_sent(c);
    return c;
}

static void tab_close(fx_t *f, ws_conn_t *c) {
    presence_on_close(f->p, c);
    wsd_free(c);
}

/* A frame from an app tab, as app.c routes it. */
static void tab_frame(fx_t *f, ws_conn_t *c, const char *frame) {
    if (!chat_tab_frame(f->chat, presence_tab(c), span_cstr(frame))) presence_on_message(f->p, c, span_cstr(frame));
}

static json_t *frame(const ws_conn_t *c, int i) { return live_sent_json(c, i); }

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t num(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static void expect_message(const ws_conn_t *c, int i, const char *channel, int64_t seq, int64_t from, const char *text) {
    json_t *o = frame(c, i);
    if (strcmp(str(o, "type"), "chat.message") != 0 || strcmp(str(o, "channel"), channel) != 0 || num(o, "seq") != seq ||
        num(o, "user_id") != from || strcmp(str(o, "message"), text) != 0)
        fail_msg("frame %d: wanted %s #%lld from %lld '%s', got %s", i, channel, (long long)seq, (long long)from, text, wsd_sent(c, i));
    json_decref(o);
}

static void expect_error(const ws_conn_t *c, int i, const char *code, const char *ref) {
    json_t *o = frame(c, i);
    json_t *e = json_object_get(o, "error");
    if (!e || strcmp(json_string_value(json_object_get(e, "code")), code) != 0) fail_msg("frame %d: wanted error %s, got %s", i, code, wsd_sent(c, i));
    if (ref) assert_string_equal(str(o, "ref"), ref);
    json_decref(o);
}

static int64_t join(fx_t *f, const char *room, int64_t uid) {
    chat_channel_t ch;
    bool created;
    assert_int_equal(chatstore_room_join(f->db, span_cstr(room), uid, 1, &ch, &created), 0);
    return ch.id;
}

static void run_legacy_room(const char *url) {
    fx_t f = fx_new(url, 0);
    int64_t ann = accounttest_add(f.db, "ann"), ben = accounttest_add(f.db, "ben");
    ws_conn_t *a = legacy(&f, "Lobby", ann, "Ann");
    ws_conn_t *b = legacy(&f, "lobby", ben, "Ben");   /* any case: the same room, its creator's spelling */
    assert_int_equal(room_reg_count(f.rooms), 1);
    chat_on_message(f.chat, a, SPAN_LIT("{\"message\":\"  hello <b> \"}"));
    chat_on_message(f.chat, b, SPAN_LIT("{\"message\":\"'; DROP TABLE chat_messages;--\"}"));
    chat_on_message(f.chat, a, SPAN_LIT("{\"message\":\"   \"}"));   /* blank: refused at once */
    assert_int_equal(wsd_sent_count(a), 1);
    expect_error(a, 0, "invalid_message", NULL);
    wsd_clear_sent(a);
    settle(&f);
    for (int k = 0; k < 2; k++) {
        ws_conn_t *c = k ? b : a;
        assert_int_equal(wsd_sent_count(c), 2);
        expect_message(c, 0, "room:Lobby", 1, ann, "hello <b>");
        expect_message(c, 1, "room:Lobby", 2, ben, "'; DROP TABLE chat_messages;--");
        json_t *o = frame(c, 0);
        assert_string_equal(str(o, "room"), "Lobby");
        assert_string_equal(str(o, "display_name"), "Ann");
        json_decref(o);
    }
    /* stored, in order */
    chat_channel_t ch;
    assert_int_equal(chatstore_room(f.db, SPAN_LIT("LOBBY"), &ch), 0);
    db_rows_t *rows;
    int64_t last;
    bool more;
    assert_int_equal(chatstore_history(f.db, ch.id, ann, 0, 0, 10, &rows, &last, &more), 0);
    assert_int_equal(db_rows_count(rows), 2);
    assert_int_equal(last, 2);
    db_rows_free(rows);
    chat_stats_t st = chat_stats(f.chat);
    assert_int_equal(st.stored, 2);
    assert_int_equal(st.refused, 1);   /* the blank one */
    assert_true(st.batches >= 1 && st.batches <= 2);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.rate_limited, 0);
    legacy_close(&f, a);
    legacy_close(&f, b);
    fx_free(&f);
}

/* 5 messages/s, burst 10, per user: over two sockets and chat_send together. */
static int sent_rc[32], sent_n;
static void on_sent(void *ctx, int rc, int64_t seq, int64_t at) {
    (void)ctx;
    (void)at;
    sent_rc[sent_n++] = rc;
    assert_true(rc != 0 || seq > 0);
}

static void run_rate_per_user(const char *url) {
    fx_t f = fx_new(url, 5);
    int64_t ann = accounttest_add(f.db, "ann");
    ws_conn_t *a1 = legacy(&f, "r", ann, "Ann"), *a2 = legacy(&f, "r", ann, "Ann");
    int limited = 0, queued = 0;
    for (int i = 0; i < 6; i++) chat_on_message(f.chat, i % 2 ? a1 : a2, SPAN_LIT("{\"message\":\"m\"}"));
    sent_n = 0;
    for (int i = 0; i < 6; i++) {
        int rc = chat_send(f.chat, ann, SPAN_LIT("room:r"), SPAN_LIT("rest"), on_sent, NULL);
        if (rc == CHAT_E_RATE) limited++;
        else if (rc == 0) queued++;
    }
    assert_int_equal(queued, 4);   /* 10 of 12 pass (a few more if the clock moved) */
    assert_int_equal(limited, 2);
    settle(&f);
    assert_int_equal(sent_n, 4);
    for (int i = 0; i < 4; i++) assert_int_equal(sent_rc[i], 0);
    assert_int_equal(wsd_sent_count(a1), 10);   /* every stored message, none refused */
    assert_int_equal(chat_stats(f.chat).rate_limited, 2);
    assert_int_equal(chat_stats(f.chat).stored, 10);
    legacy_close(&f, a1);
    legacy_close(&f, a2);
    fx_free(&f);
}

static void run_tabs(const char *url) {
    fx_t f = fx_new(url, 0);
    int64_t ann = accounttest_add(f.db, "ann"), ben = accounttest_add(f.db, "ben"), cat = accounttest_add(f.db, "cat");
    join(&f, "Den", ann);
    join(&f, "den", ben);
    ws_conn_t *a = tab(&f, ann, "ann"), *b1 = tab(&f, ben, "ben"), *b2 = tab(&f, ben, "ben"), *c = tab(&f, cat, "cat");
    ws_conn_t *old = legacy(&f, "den", ben, "ben");
    /* subscribing: members only */
    tab_frame(&f, a, "{\"type\":\"chat.subscribe\",\"channel\":\"room:DEN\"}");
    tab_frame(&f, b1, "{\"type\":\"chat.subscribe\",\"channel\":\"room:den\"}");
    tab_frame(&f, c, "{\"type\":\"chat.subscribe\",\"channel\":\"room:den\",\"ref\":\"s1\"}");
    settle(&f);
    tab_frame(&f, c, "{\"type\":\"chat.subscribe\",\"channel\":\"room:nope\",\"ref\":\"s2\"}");
    settle(&f);
    tab_frame(&f, c, "{\"type\":\"chat.subscribe\",\"channel\":\"dm:1\",\"ref\":\"s3\"}");
    live_expect_field(a, 0, "type", "chat.subscribed");
    live_expect_field(a, 0, "channel", "room:Den");
    expect_error(c, 0, "not_member", "s1");
    expect_error(c, 1, "no_such_channel", "s2");
    expect_error(c, 2, "invalid_message", "s3");
    assert_int_equal(wsd_sent_count(c), 3);
    wsd_clear_sent(a);
    wsd_clear_sent(b1);
    wsd_clear_sent(c);
    /* a room message: the subscribed tabs and the legacy socket, an ack for the sender */
    tab_frame(&f, a, "{\"type\":\"chat.send\",\"channel\":\"room:den\",\"text\":\"<img src=x onerror=alert(1)>\",\"ref\":\"m1\"}");
    settle(&f);
    expect_message(a, 0, "room:Den", 1, ann, "<img src=x onerror=alert(1)>");
    live_expect_field(a, 1, "type", "chat.ack");
    live_expect_field(a, 1, "ref", "m1");
    json_t *o = frame(a, 1);
    assert_int_equal(num(o, "seq"), 1);
    json_decref(o);
    expect_message(b1, 0, "room:Den", 1, ann, "<img src=x onerror=alert(1)>");
    assert_int_equal(wsd_sent_count(b2), 0);   /* not subscribed */
    expect_message(old, 0, "room:Den", 1, ann, "<img src=x onerror=alert(1)>");
    assert_int_equal(wsd_sent_count(c), 0);
    /* errors keep the socket: too long, not a member, empty, a bad channel, myself */
    char *big = malloc(2100 + 100);
    int n = snprintf(big, 2200, "{\"type\":\"chat.send\",\"channel\":\"room:den\",\"ref\":\"big\",\"text\":\"%02001d\"}", 0);
    tab_frame(&f, c, big);
    free(big);
    (void)n;
    tab_frame(&f, c, "{\"type\":\"chat.send\",\"channel\":\"room:den\",\"text\":\"hi\",\"ref\":\"nm\"}");
    tab_frame(&f, c, "{\"type\":\"chat.send\",\"channel\":\"room:den\",\"text\":\" \",\"ref\":\"e\"}");
    tab_frame(&f, c, "{\"type\":\"chat.send\",\"channel\":\"nowhere\",\"text\":\"x\"}");
    tab_frame(&f, c, "{\"type\":\"ping\"}");
    settle(&f);
    expect_error(c, 0, "message_too_long", "big");
    expect_error(c, 1, "invalid_message", "e");
    expect_error(c, 2, "invalid_message", NULL);
    live_expect_field(c, 3, "type", "pong");
    expect_error(c, 4, "not_member", "nm");   /* from the database, after the batch */
    assert_int_equal(wsd_close_code(c), 0);
    wsd_clear_sent(a);
    wsd_clear_sent(b1);
    wsd_clear_sent(old);
    wsd_clear_sent(c);
    /* a DM reaches every tab of both users, each with its own view of the channel */
    char dm[128];
    snprintf(dm, sizeof dm, "{\"type\":\"chat.send\",\"channel\":\"dm:%lld\",\"text\":\"psst\",\"ref\":\"d1\"}", (long long)ben);
    tab_frame(&f, a, dm);
    settle(&f);
    char ch_ann[32], ch_ben[32];
    snprintf(ch_ann, sizeof ch_ann, "dm:%lld", (long long)ann);
    snprintf(ch_ben, sizeof ch_ben, "dm:%lld", (long long)ben);
    expect_message(b1, 0, ch_ann, 1, ann, "psst");
    expect_message(b2, 0, ch_ann, 1, ann, "psst");
    expect_message(a, 0, ch_ben, 1, ann, "psst");
    live_expect_field(a, 1, "type", "chat.ack");
    live_expect_field(a, 1, "channel", ch_ben);
    assert_int_equal(wsd_sent_count(old), 0);
    assert_int_equal(wsd_sent_count(c), 0);
    /* read markers: the user's tabs hear of it */
    snprintf(dm, sizeof dm, "{\"type\":\"chat.read\",\"channel\":\"dm:%lld\",\"seq\":1}", (long long)ann);
    tab_frame(&f, b1, dm);
    settle(&f);
    live_expect_field(b2, 1, "type", "chat.read");
    live_expect_field(b2, 1, "channel", ch_ann);
    wsd_clear_sent(a);
    wsd_clear_sent(b1);
    wsd_clear_sent(b2);
    /* ben blocks ann: his sockets drop her room messages once told; DMs are refused */
    assert_int_equal(social_block(f.db, ben, ann, 5), 0);
    chat_blocks_changed(f.chat, ben);
    settle(&f);
    assert_int_equal(wsd_sent_count(b1), 0);   /* the event is not a frame */
    tab_frame(&f, a, "{\"type\":\"chat.send\",\"channel\":\"room:den\",\"text\":\"unseen\"}");
    snprintf(dm, sizeof dm, "{\"type\":\"chat.send\",\"channel\":\"dm:%lld\",\"text\":\"no\",\"ref\":\"d2\"}", (long long)ben);
    tab_frame(&f, a, dm);
    settle(&f);
    expect_message(a, 0, "room:Den", 2, ann, "unseen");
    expect_error(a, 2, "blocked", "d2");
    assert_int_equal(wsd_sent_count(b1), 0);
    assert_int_equal(wsd_sent_count(b2), 0);
    assert_int_equal(wsd_sent_count(old), 0);
    /* his own messages still reach her */
    chat_on_message(f.chat, old, SPAN_LIT("{\"message\":\"from ben\"}"));
    settle(&f);
    expect_message(a, 3, "room:Den", 3, ben, "from ben");
    expect_message(b1, 0, "room:Den", 3, ben, "from ben");
    /* unsubscribing */
    tab_frame(&f, a, "{\"type\":\"chat.unsubscribe\",\"channel\":\"room:den\"}");
    chat_on_message(f.chat, old, SPAN_LIT("{\"message\":\"gone\"}"));
    settle(&f);
    assert_int_equal(wsd_sent_count(a), 4);
    tab_close(&f, a);
    tab_close(&f, b1);
    tab_close(&f, b2);
    tab_close(&f, c);
    legacy_close(&f, old);
    fx_free(&f);
}

static void run_notice_remove(const char *url) {
    fx_t f = fx_new(url, 0);
    int64_t ann = accounttest_add(f.db, "ann"), ben = accounttest_add(f.db, "ben");
    int64_t room = join(&f, "Hall", ann);
    join(&f, "hall", ben);
    ws_conn_t *b = tab(&f, ben, "ben"), *old = legacy(&f, "hall", ben, "ben"), *a = tab(&f, ann, "ann");
    tab_frame(&f, b, "{\"type\":\"chat.subscribe\",\"channel\":\"room:hall\"}");
    tab_frame(&f, a, "{\"type\":\"chat.subscribe\",\"channel\":\"room:hall\"}");
    settle(&f);
    wsd_clear_sent(b);
    wsd_clear_sent(a);
    /* a notice and an invite card in ben's system channel */
    chat_notice(f.chat, ben, CHAT_MSG_SYSTEM, SPAN_LIT("Your next match is soon"), 0, span_of(NULL, 0));
    chat_notice(f.chat, ben, CHAT_MSG_INVITE, SPAN_LIT("ann invites you"), 77, SPAN_LIT("{\"id\":77}"));
    settle(&f);
    json_t *o = frame(b, 0);
    assert_string_equal(str(o, "channel"), "system");
    assert_string_equal(str(o, "kind"), "system");
    assert_true(json_is_null(json_object_get(o, "user_id")));
    json_decref(o);
    o = frame(b, 1);
    assert_string_equal(str(o, "kind"), "invite");
    assert_int_equal(num(json_object_get(o, "invite"), "id"), 77);
    assert_int_equal(num(o, "seq"), 2);
    json_decref(o);
    assert_int_equal(wsd_sent_count(old), 0);
    assert_int_equal(wsd_sent_count(a), 0);
    wsd_clear_sent(b);
    /* member events and deletions reach the room */
    chat_announce_member(f.chat, room, SPAN_LIT("Hall"), "mute", ben, SPAN_LIT("ben"), 123, NULL);
    chat_announce_deleted(f.chat, room, SPAN_LIT("Hall"), 1);
    live_expect_field(a, 0, "type", "chat.member");
    live_expect_field(a, 0, "event", "mute");
    live_expect_field(a, 1, "type", "chat.deleted");
    live_expect_field(old, 1, "channel", "room:Hall");
    wsd_clear_sent(a);
    wsd_clear_sent(b);
    /* ben is kicked: his tab is told and unsubscribed, his legacy socket closed */
    chat_remove_user(f.chat, room, SPAN_LIT("Hall"), ben, "kick");
    live_expect_field(b, 0, "type", "chat.removed");
    live_expect_field(b, 0, "reason", "kick");
    assert_int_equal(wsd_sent_count(b), 1);
    assert_int_equal(wsd_close_code(old), 4403);
    assert_int_equal(wsd_sent_count(a), 0);
    tab_frame(&f, a, "{\"type\":\"chat.send\",\"channel\":\"room:hall\",\"text\":\"after\"}");
    settle(&f);
    assert_int_equal(wsd_sent_count(b), 1);
    expect_message(a, 0, "room:Hall", 1, ann, "after");
    tab_close(&f, a);
    tab_close(&f, b);
    legacy_close(&f, old);
    fx_free(&f);
}

/* A socket that closes while its message is being stored: the late answer is dropped. */
static void run_close_in_flight(const char *url) {
    fx_t f = fx_new(url, 0);
    int64_t ann = accounttest_add(f.db, "ann");
    join(&f, "q", ann);
    ws_conn_t *a = tab(&f, ann, "ann"), *keep = legacy(&f, "q", ann, "ann");
    tab_frame(&f, a, "{\"type\":\"chat.send\",\"channel\":\"room:q\",\"text\":\"bye\",\"ref\":\"x\"}");
    tab_frame(&f, a, "{\"type\":\"chat.subscribe\",\"channel\":\"room:q\"}");
    tab_close(&f, a);
    settle(&f);
    expect_message(keep, 0, "room:q", 1, ann, "bye");
    /* many messages at once: batches, in order */
    for (int i = 0; i < 40; i++) {
        char m[64];
        snprintf(m, sizeof m, "{\"message\":\"n%d\"}", i);
        chat_on_message(f.chat, keep, span_cstr(m));
    }
    settle(&f);
    assert_int_equal(wsd_sent_count(keep), 41);
    for (int i = 0; i < 40; i++) {
        char m[16];
        snprintf(m, sizeof m, "n%d", i);
        expect_message(keep, i + 1, "room:q", i + 2, ann, m);
    }
    legacy_close(&f, keep);
    fx_free(&f);
}

/* A legacy socket's messages sent after its auth frame, before its join is stored: they wait
 * for the join and are posted after it, in order (not refused with not_member / no_such_channel);
 * at most CHAT_JOIN_PENDING_MAX wait; a socket closed meanwhile drops them. */
static void run_join_pending(const char *url) {
    fx_t f = fx_new(url, 0);
    int64_t ann = accounttest_add(f.db, "ann"), ben = accounttest_add(f.db, "ben");
    ws_conn_t *a = wsd_new("/ws/chat/Fresh/");
    chat_on_open(f.chat, a, SPAN_LIT("Fresh"));   /* a room nobody opened yet */
    char *tok = live_token(ann, "Ann");
    chat_on_message(f.chat, a, live_auth_frame(tok));
    free(tok);
    for (int i = 0; i < 3; i++) {
        char m[32];
        snprintf(m, sizeof m, "{\"message\":\"early %d\"}", i);
        chat_on_message(f.chat, a, span_cstr(m));
    }
    chat_on_message(f.chat, a, SPAN_LIT("{\"message\":\"  \"}"));   /* still checked at once */
    assert_int_equal(wsd_sent_count(a), 1);
    expect_error(a, 0, "invalid_message", NULL);
    wsd_clear_sent(a);
    settle(&f);
    live_expect_user_frame(a, 0, "auth_ok", ann, "Ann");
    assert_int_equal(wsd_sent_count(a), 4);
    for (int i = 0; i < 3; i++) {
        char m[32];
        snprintf(m, sizeof m, "early %d", i);
        expect_message(a, i + 1, "room:Fresh", i + 1, ann, m);
    }
    wsd_clear_sent(a);
    /* too many waiting: "busy" past CHAT_JOIN_PENDING_MAX, the socket stays */
    ws_conn_t *b = wsd_new("/ws/chat/fresh/");
    chat_on_open(f.chat, b, SPAN_LIT("fresh"));
    tok = live_token(ben, "Ben");
    chat_on_message(f.chat, b, live_auth_frame(tok));
    free(tok);
    for (int i = 0; i < CHAT_JOIN_PENDING_MAX + 1; i++) chat_on_message(f.chat, b, SPAN_LIT("{\"message\":\"many\"}"));
    assert_int_equal(wsd_sent_count(b), 1);
    expect_error(b, 0, "busy", NULL);
    wsd_clear_sent(b);
    settle(&f);
    live_expect_field(b, 0, "type", "auth_ok");
    assert_int_equal(wsd_sent_count(b), 1 + CHAT_JOIN_PENDING_MAX);
    assert_int_equal(wsd_sent_count(a), CHAT_JOIN_PENDING_MAX);
    expect_message(a, CHAT_JOIN_PENDING_MAX - 1, "room:Fresh", 3 + CHAT_JOIN_PENDING_MAX, ben, "many");
    assert_int_equal(wsd_close_code(b), 0);
    /* closed before its join is stored: what waited is dropped (no leak, nothing posted) */
    ws_conn_t *c = wsd_new("/ws/chat/fresh/");
    chat_on_open(f.chat, c, SPAN_LIT("fresh"));
    tok = live_token(ben, "Ben");
    chat_on_message(f.chat, c, live_auth_frame(tok));
    free(tok);
    chat_on_message(f.chat, c, SPAN_LIT("{\"message\":\"lost\"}"));
    legacy_close(&f, c);
    wsd_clear_sent(a);
    settle(&f);
    assert_int_equal(wsd_sent_count(a), 0);
    chat_stats_t st = chat_stats(f.chat);
    assert_int_equal(st.stored, 3 + CHAT_JOIN_PENDING_MAX);
    assert_int_equal(st.refused, 3);   /* the blank one, the one past the maximum, the dropped one */
    legacy_close(&f, a);
    legacy_close(&f, b);
    fx_free(&f);
}

/* Shutdown as main.c does it: chat_stop, then the database pool destroyed, then chat_destroy.
 * Every accepted chat_send gets its callback (the queued ones at chat_stop with ERR_AGAIN, the
 * one in flight when the pool runs its completion) before the pool is gone; each callback frees
 * its context, so a missed one is a leak under ASan. */
static int stop_n, stop_again, stop_ok;
static bool stop_pool_alive;
static void on_stop_sent(void *ctx, int rc, int64_t seq, int64_t at) {
    (void)seq;
    (void)at;
    assert_true(stop_pool_alive);
    free(ctx);
    stop_n++;
    if (rc == ERR_AGAIN) stop_again++;
    else if (rc == 0) stop_ok++;
    else fail_msg("unexpected %s", err_name(rc));
}

static void run_shutdown(const char *url) {
    fx_t f = fx_new(url, 0);
    int64_t ann = accounttest_add(f.db, "ann");
    join(&f, "bye", ann);
    ws_conn_t *a = tab(&f, ann, "ann"), *old = legacy(&f, "bye", ann, "ann");
    stop_n = stop_again = stop_ok = 0;
    stop_pool_alive = true;
    /* the first one goes to the database alone (its job starts and takes it: a batch in flight),
     * the others wait for it */
    enum { N = 6 };
    assert_int_equal(chat_send(f.chat, ann, SPAN_LIT("room:bye"), SPAN_LIT("first"), on_stop_sent, xcalloc(1, 24)), 0);
    for (int i = 0; i < 10000 && chat_stats(f.chat).storing == 0; i++) usleep(1000);
    assert_int_equal(chat_stats(f.chat).storing, 1);
    for (int i = 1; i < N; i++) assert_int_equal(chat_send(f.chat, ann, SPAN_LIT("room:bye"), SPAN_LIT("rest"), on_stop_sent, xcalloc(1, 24)), 0);
    tab_frame(&f, a, "{\"type\":\"chat.send\",\"channel\":\"room:bye\",\"text\":\"tab\",\"ref\":\"t1\"}");
    chat_on_message(f.chat, old, SPAN_LIT("{\"message\":\"legacy\"}"));
    chat_notice(f.chat, ann, CHAT_MSG_SYSTEM, SPAN_LIT("a notice"), 0, span_of(NULL, 0));
    assert_int_equal(stop_n, 0);
    assert_int_equal(chat_stats(f.chat).queued, N + 3);
    presence_stop(f.p);
    chat_stop(f.chat);
    /* the waiting ones are answered now, the sockets told "unavailable" */
    assert_int_equal(stop_n, N - 1);
    assert_int_equal(stop_again, N - 1);
    expect_error(a, 0, "unavailable", "t1");
    expect_error(old, 0, "unavailable", NULL);
    assert_int_equal(chat_stats(f.chat).queued, 1);
    /* refused at once from now on: no callback */
    assert_int_equal(chat_send(f.chat, ann, SPAN_LIT("room:bye"), SPAN_LIT("late"), on_stop_sent, NULL), ERR_AGAIN);
    /* the pool goes away: its completion answers the batch in flight (stored or ERR_AGAIN) */
    dbpool_destroy(f.pool);
    stop_pool_alive = false;
    assert_int_equal(stop_n, N);
    assert_int_equal(stop_ok + stop_again, N);
    chat_stats_t st = chat_stats(f.chat);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.stored + st.refused, (uint64_t)(N + 3 + 1));
    tab_close(&f, a);
    legacy_close(&f, old);
    chat_destroy(f.chat);
    presence_destroy(f.p);
    assert_int_equal(room_reg_count(f.rooms), 0);
    room_reg_destroy(f.rooms);
    assert_int_equal(bus_stats(f.bus).topics, 0);
    bus_destroy(f.bus);
    db_close(f.db);
}


/* The batch is cut when its job starts: everything queued before the worker runs is one batch
 * (deferred wake-ups, as in the server: the job waits for pool_kick). Several senders in two
 * rooms, interleaved, one of them muted in one room: the watcher gets each room's messages in
 * seq order with no gap and in send order, the muted sender's posts there are refused alone. */
static void run_batch_order(const char *url) {
    fx_t f = fx_new(url, 0);
    int64_t uid[3] = { accounttest_add(f.db, "ann"), accounttest_add(f.db, "ben"), accounttest_add(f.db, "cat") };
    int64_t dan = accounttest_add(f.db, "dan");
    int64_t rid[2] = { join(&f, "r0", uid[0]), join(&f, "r1", uid[0]) };
    for (int i = 1; i < 3; i++) {
        join(&f, "r0", uid[i]);
        join(&f, "r1", uid[i]);
    }
    join(&f, "r0", dan);
    join(&f, "r1", dan);
    chat_mod_t mu = { .channel_id = rid[1], .actor_id = uid[0], .target_id = uid[2], .action = CHAT_ACT_MUTE,
                      .until = (int64_t)now_wall_ms() + 3600000 };
    assert_int_equal(chatstore_moderate(f.db, &mu, (int64_t)now_wall_ms()), 0);
    ws_conn_t *t[3] = { tab(&f, uid[0], "ann"), tab(&f, uid[1], "ben"), tab(&f, uid[2], "cat") };
    ws_conn_t *w = tab(&f, dan, "dan");
    tab_frame(&f, w, "{\"type\":\"chat.subscribe\",\"channel\":\"room:r0\"}");
    tab_frame(&f, w, "{\"type\":\"chat.subscribe\",\"channel\":\"room:r1\"}");
    settle(&f);
    wsd_clear_sent(w);
    uint64_t batches = chat_stats(f.chat).batches;
    pool_defer_wakeups(dbpool_pool(f.pool));
    enum { N = 30 };
    char fr[160];
    for (int i = 0; i < N; i++) {
        snprintf(fr, sizeof fr, "{\"type\":\"chat.send\",\"channel\":\"room:r%d\",\"text\":\"m%d\",\"ref\":\"%d\"}", (i / 2) % 2, i, i);
        tab_frame(&f, t[i % 3], fr);
    }
    assert_int_equal(chat_stats(f.chat).queued, N);
    pool_kick(dbpool_pool(f.pool));
    settle(&f);
    assert_int_equal(chat_stats(f.chat).batches, batches + 1);   /* one batch: cut when its job started */
    int64_t next[2] = { 1, 1 };
    int got = 0, acks[3] = { 0 };
    for (int i = 0; i < N; i++) {
        int room = (i / 2) % 2, who = i % 3;
        char text[16], ref[16];
        snprintf(text, sizeof text, "m%d", i);
        snprintf(ref, sizeof ref, "%d", i);
        if (room == 1 && who == 2) {   /* the muted one: an error with its ref, in order with its acks */
            expect_error(t[2], acks[2]++, "muted", ref);
            continue;
        }
        char chan[24];
        snprintf(chan, sizeof chan, "room:r%d", room);
        expect_message(w, got++, chan, next[room], uid[who], text);
        json_t *o = frame(t[who], acks[who]++);
        assert_string_equal(str(o, "type"), "chat.ack");
        assert_string_equal(str(o, "ref"), ref);
        assert_int_equal(num(o, "seq"), next[room]);
        json_decref(o);
        next[room]++;
    }
    assert_int_equal(wsd_sent_count(w), got);
    for (int i = 0; i < 3; i++) assert_int_equal(wsd_sent_count(t[i]), acks[i]);
    assert_true(next[1] - 1 < N / 2);   /* some were refused in r1 */
    for (int i = 0; i < 3; i++) tab_close(&f, t[i]);
    tab_close(&f, w);
    fx_free(&f);
}

BOTH(legacy_room)
BOTH(batch_order)
BOTH(join_pending)
BOTH(shutdown)
BOTH(rate_per_user)
BOTH(tabs)
BOTH(notice_remove)
BOTH(close_in_flight)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-chat-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_legacy),
        cmocka_unit_test(test_parse_app),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_error_frames),
        cmocka_unit_test(test_sqlite_legacy_room),
        cmocka_unit_test(test_sqlite_rate_per_user),
        cmocka_unit_test(test_sqlite_tabs),
        cmocka_unit_test(test_sqlite_notice_remove),
        cmocka_unit_test(test_sqlite_close_in_flight), cmocka_unit_test(test_sqlite_batch_order),
        cmocka_unit_test(test_sqlite_join_pending),
        cmocka_unit_test(test_sqlite_shutdown),
        cmocka_unit_test(test_postgres_legacy_room),
        cmocka_unit_test(test_postgres_rate_per_user),
        cmocka_unit_test(test_postgres_tabs),
        cmocka_unit_test(test_postgres_notice_remove),
        cmocka_unit_test(test_postgres_close_in_flight), cmocka_unit_test(test_postgres_batch_order),
        cmocka_unit_test(test_postgres_join_pending),
        cmocka_unit_test(test_postgres_shutdown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
