#include "chat.h"
#include "auth.h"
#include "pongd_limits.h"
#include "rate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct chat {
    rooms_t *rooms;
    int rate;
    const uint8_t *secret;
    buf_t text, out;        /* scratch, reused for every message */
};

typedef struct {
    rate_t rate;
    bool authed;
    int64_t uid;
    char name[4 * AUTH_DISPLAY_MAX + 1];
    char room[LIM_CHAT_ROOM_NAME + 1];
} chat_conn_t;

chat_err_t chat_parse(const char *data, size_t len, buf_t *text) {
    text->len = 0;
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) return CHAT_ERR_JSON;
    chat_err_t rc = CHAT_ERR_INVALID;
    json_t *msg = json_is_object(root) ? json_object_get(root, "message") : NULL;
    if (msg && json_is_string(msg)) {
        const char *s = json_string_value(msg);
        size_t n = json_string_length(msg);
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
            if (!(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) blank = false;
        if (blank) rc = CHAT_ERR_INVALID;
        else if (utf8_count(s, n) > LIM_CHAT_MESSAGE_CHARS) rc = CHAT_ERR_TOO_LONG;
        else rc = buf_append(text, s, n) == 0 ? CHAT_OK : CHAT_ERR_TOO_LONG;
    }
    json_decref(root);
    return rc;
}

static int dump_cb(const char *p, size_t n, void *data) { return buf_append(data, p, n) == 0 ? 0 : -1; }

int chat_render(buf_t *out, span_t text, span_t room, uint64_t at_ms, const chat_sender_t *from) {
    out->len = 0;
    json_t *o = json_object();
    json_object_set_new(o, "message", json_stringn(text.ptr, text.len));
    json_object_set_new(o, "room", json_stringn(room.ptr, room.len));
    json_object_set_new(o, "at", json_integer((json_int_t)at_ms));
    if (from) {
        json_object_set_new(o, "user_id", json_integer(from->user_id));
        json_object_set_new(o, "display_name", json_string(from->display_name ? from->display_name : ""));
    }
    int rc = json_dump_callback(o, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return rc == 0 ? 0 : ERR_LIMIT;
}

span_t chat_error_json(chat_err_t e) {
    switch (e) {
    case CHAT_ERR_JSON:
        return SPAN_LIT("{\"error\":{\"code\":\"invalid_json\",\"message\":\"Send JSON like {\\\"message\\\": \\\"text\\\"}.\"}}");
    case CHAT_ERR_TOO_LONG:
        return SPAN_LIT("{\"error\":{\"code\":\"message_too_long\",\"message\":\"Messages are at most 2000 characters.\"}}");
    case CHAT_ERR_RATE:
        return SPAN_LIT("{\"error\":{\"code\":\"rate_limited\",\"message\":\"Too many messages; slow down.\"}}");
    case CHAT_ERR_INVALID:
    default:
        return SPAN_LIT("{\"error\":{\"code\":\"invalid_message\",\"message\":\"Expected {\\\"message\\\": \\\"non-empty text\\\"}.\"}}");
    }
}

chat_t *chat_create(rooms_t *rooms, int rate_per_sec, const uint8_t *secret) {
    chat_t *c = xcalloc(1, sizeof *c);
    c->rooms = rooms;
    c->rate = rate_per_sec;
    c->secret = secret;
    buf_init(&c->text, LIM_WS_MESSAGE_BYTES);
    buf_init(&c->out, LIM_WS_MESSAGE_BYTES * 7 + 256); /* worst-case escaping */
    return c;
}

void chat_destroy(chat_t *c) {
    if (!c) return;
    buf_free(&c->text);
    buf_free(&c->out);
    free(c);
}

void chat_on_open(chat_t *c, ws_conn_t *conn, span_t room) {
    (void)c;
    chat_conn_t *cc = xcalloc(1, sizeof *cc);
    size_t n = room.len < LIM_CHAT_ROOM_NAME ? room.len : LIM_CHAT_ROOM_NAME;
    memcpy(cc->room, room.ptr, n);
    ws_set_data(conn, cc);
    ws_set_deadline(conn, CHAT_AUTH_TIMEOUT_S, 4001, "no auth frame in time");
}

/* The first frame: {"type":"auth","token":"..."}; joins the room on success. */
static void authenticate(chat_t *c, ws_conn_t *conn, chat_conn_t *cc, span_t data) {
    json_error_t e;
    json_t *o = json_loadb(data.ptr, data.len, JSON_REJECT_DUPLICATES, &e);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *token = json_string_value(json_object_get(o, "token"));
    int rc = type && strcmp(type, "auth") == 0 && token && c->secret
                 ? auth_jwt_verify(c->secret, token, (int64_t)(now_wall_ms() / 1000), &cc->uid, cc->name, sizeof cc->name)
                 : AUTH_E_FORMAT;
    json_decref(o);
    if (rc != AUTH_OK) {
        ws_close(conn, 4001, rc == AUTH_E_EXPIRED ? "token expired" : "log in first");
        return;
    }
    cc->authed = true;
    ws_set_deadline(conn, 0, 0, NULL);
    rooms_join(c->rooms, span_cstr(cc->room), ws_member(conn), conn);
    json_t *ok = json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", "auth_ok", "room", cc->room, "user", "id", (json_int_t)cc->uid,
                           "display_name", cc->name);
    char *s = json_dumps(ok, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(ok);
    if (s) ws_send_text(conn, span_cstr(s));
    free(s);
}

void chat_on_message(chat_t *c, ws_conn_t *conn, span_t data) {
    chat_conn_t *cc = ws_data(conn);
    if (!cc) return;
    if (!cc->authed) {
        authenticate(c, conn, cc, data);
        return;
    }
    room_member_t *m = ws_member(conn);
    if (!m->room) return;
    chat_err_t e = rate_allow(&cc->rate, now_wall_ms(), c->rate, 2.0 * c->rate) ? chat_parse(data.ptr, data.len, &c->text)
                                                                                 : CHAT_ERR_RATE;
    if (e != CHAT_OK) {
        ws_send_text(conn, chat_error_json(e));
        return;
    }
    room_t *r = m->room;
    chat_sender_t from = { cc->uid, cc->name };
    if (chat_render(&c->out, (span_t){ c->text.ptr, c->text.len }, span_cstr(room_name(r)), now_wall_ms(), &from) < 0) return;
    wsmsg_t *msg = wsmsg_new(WSMSG_TEXT, c->out.ptr, c->out.len);
    ws_broadcast(r, msg);
    wsmsg_unref(msg);
}

void chat_on_close(chat_t *c, ws_conn_t *conn) {
    rooms_leave(c->rooms, ws_member(conn));
    free(ws_data(conn));
    ws_set_data(conn, NULL);
}
