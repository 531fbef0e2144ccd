#include "chat.h"
#include "auth.h"
#include "pongd_limits.h"
#include "rate.h"
#include "wsauth.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct chat {
    room_reg_t *rooms;
    int rate;
    const uint8_t *secret;
    buf_t text, out;        /* scratch, reused for every message */
};

typedef struct {
    rate_t rate;
    bool authed;
    wsauth_user_t user;
    room_member_t member;       /* in the room once authenticated */
    char room[LIM_CHAT_ROOM_NAME + 1];
} chat_conn_t;

int chat_parse(const char *data, size_t len, buf_t *text) {
    text->len = 0;
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) return CHAT_E_JSON;
    int rc = CHAT_E_INVALID;
    json_t *msg = json_is_object(root) ? json_object_get(root, "message") : NULL;
    if (msg && json_is_string(msg)) {
        const char *s = json_string_value(msg);
        size_t n = json_string_length(msg);
        bool blank = true;
        for (size_t i = 0; i < n && blank; i++)
            if (!(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) blank = false;
        if (blank) rc = CHAT_E_INVALID;
        else if (utf8_count(s, n) > LIM_CHAT_MESSAGE_CHARS) rc = CHAT_E_TOO_LONG;
        else rc = buf_append(text, s, n) == 0 ? ERR_OK : CHAT_E_TOO_LONG;
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

span_t chat_error_json(int e) {
    switch (e) {
    case CHAT_E_JSON:
        return SPAN_LIT("{\"error\":{\"code\":\"invalid_json\",\"message\":\"Send JSON like {\\\"message\\\": \\\"text\\\"}.\"}}");
    case CHAT_E_TOO_LONG:
        return SPAN_LIT("{\"error\":{\"code\":\"message_too_long\",\"message\":\"Messages are at most 2000 characters.\"}}");
    case CHAT_E_RATE:
        return SPAN_LIT("{\"error\":{\"code\":\"rate_limited\",\"message\":\"Too many messages; slow down.\"}}");
    case CHAT_E_INVALID:
    default:
        return SPAN_LIT("{\"error\":{\"code\":\"invalid_message\",\"message\":\"Expected {\\\"message\\\": \\\"non-empty text\\\"}.\"}}");
    }
}

chat_t *chat_create(room_reg_t *rooms, int rate_per_sec, const uint8_t *secret) {
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
    wsauth_arm(conn);
}

/* The first frame authenticates (wsauth); joins the room on success. */
static void authenticate(chat_t *c, ws_conn_t *conn, chat_conn_t *cc, span_t data) {
    if (!wsauth_frame(c->secret, conn, data, "log in first", &cc->user)) return;
    cc->authed = true;
    room_join(c->rooms, span_cstr(cc->room), &cc->member, conn);
    json_t *ok = json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", "auth_ok", "room", cc->room, "user", "id", (json_int_t)cc->user.id,
                           "display_name", cc->user.display_name);
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
    room_member_t *m = &cc->member;
    if (!m->room) return;
    int e = rate_allow(&cc->rate, now_wall_ms(), c->rate, 2.0 * c->rate) ? chat_parse(data.ptr, data.len, &c->text)
                                                                                 : CHAT_E_RATE;
    if (e != ERR_OK) {
        ws_send_text(conn, chat_error_json(e));
        return;
    }
    room_t *r = m->room;
    chat_sender_t from = { cc->user.id, cc->user.display_name };
    if (chat_render(&c->out, (span_t){ c->text.ptr, c->text.len }, span_cstr(room_name(r)), now_wall_ms(), &from) < 0) return;
    wsmsg_t *msg = wsmsg_new(WSMSG_TEXT, c->out.ptr, c->out.len);
    ws_broadcast(r, msg);
    wsmsg_unref(msg);
}

void chat_on_close(chat_t *c, ws_conn_t *conn) {
    (void)c;
    chat_conn_t *cc = ws_data(conn);
    if (cc) room_leave(&cc->member);
    free(cc);
    ws_set_data(conn, NULL);
}
