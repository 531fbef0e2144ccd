/* chat_frame — the chat's client-frame parser and its server frames (chat.h, "client frames"):
 * no I/O, no state, so the fuzz target (fuzz/fuzz_chatframe.c) builds it alone. */
#include "chat.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- frames ---------------------------------------------------------------------------- */

/* Copies a JSON string of at most cap-1 bytes into dst; false when not a string or too long. */
static bool copy_str(json_t *v, char *dst, size_t cap) {
    if (!json_is_string(v)) return false;
    size_t n = json_string_length(v);
    if (n >= cap) return false;
    memcpy(dst, json_string_value(v), n);
    dst[n] = 0;
    return memchr(dst, 0, n) == NULL;
}

static int take_text(json_t *v, buf_t *text) {
    if (!json_is_string(v)) return CHAT_E_INVALID;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (utf8_count(s, n) > LIM_CHAT_MESSAGE_CHARS) return CHAT_E_TOO_LONG;
    return buf_append(text, s, n) == 0 ? 0 : CHAT_E_TOO_LONG;
}

int chat_frame_parse(const char *data, size_t len, bool legacy, chat_frame_t *f, buf_t *text) {
    memset(f, 0, sizeof *f);
    text->len = 0;
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) return CHAT_E_JSON;
    int rc = CHAT_E_INVALID;
    if (legacy) {
        f->kind = CHAT_FRAME_MESSAGE;
        json_t *msg = json_is_object(root) ? json_object_get(root, "message") : NULL;
        if (msg) rc = take_text(msg, text);
        goto out;
    }
    const char *type = json_is_object(root) ? json_string_value(json_object_get(root, "type")) : NULL;
    if (!type || strncmp(type, "chat.", 5) != 0) {
        f->kind = CHAT_FRAME_OTHER;
        rc = 0;
        goto out;
    }
    json_t *ref = json_object_get(root, "ref");
    if (ref) {
        if (!copy_str(ref, f->ref, sizeof f->ref)) goto out;
        f->has_ref = true;
    }
    if (!copy_str(json_object_get(root, "channel"), f->channel, sizeof f->channel)) goto out;
    if (strcmp(type, "chat.subscribe") == 0) {
        f->kind = CHAT_FRAME_SUBSCRIBE;
        rc = 0;
    } else if (strcmp(type, "chat.unsubscribe") == 0) {
        f->kind = CHAT_FRAME_UNSUBSCRIBE;
        rc = 0;
    } else if (strcmp(type, "chat.send") == 0) {
        f->kind = CHAT_FRAME_SEND;
        rc = take_text(json_object_get(root, "text"), text);
    } else if (strcmp(type, "chat.read") == 0) {
        f->kind = CHAT_FRAME_READ;
        json_t *seq = json_object_get(root, "seq");
        if (json_is_integer(seq) && json_integer_value(seq) >= 0) {
            f->seq = json_integer_value(seq);
            rc = 0;
        }
    }
out:
    if (rc != 0) text->len = 0;
    json_decref(root);
    return rc;
}

static int dump_cb(const char *p, size_t n, void *data) { return buf_append(data, p, n) == 0 ? 0 : -1; }

/* Dumps o (stolen) into out (cleared first). */
static int dump(buf_t *out, json_t *o) {
    out->len = 0;
    int rc = o ? json_dump_callback(o, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
    json_decref(o);
    return rc == 0 ? 0 : ERR_LIMIT;
}

static const char *const KIND_NAMES[] = { "text", "system", "invite" };

int chat_render(buf_t *out, const chat_view_t *v) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("chat.message"));
    json_object_set_new(o, "channel", json_stringn(v->channel.ptr, v->channel.len));
    json_object_set_new(o, "seq", json_integer(v->seq));
    json_object_set_new(o, "at", json_integer(v->at));
    json_object_set_new(o, "kind", json_string(v->kind >= 0 && v->kind <= 2 ? KIND_NAMES[v->kind] : "text"));
    if (v->user_id > 0) {
        char url[80];
        snprintf(url, sizeof url, "/api/users/%" PRId64 "/avatar?v=%" PRId64, v->user_id, v->avatar_version);
        json_object_set_new(o, "user_id", json_integer(v->user_id));
        json_object_set_new(o, "display_name", json_string(v->display_name ? v->display_name : ""));
        json_object_set_new(o, "avatar_url", json_string(url));
    } else {
        json_object_set_new(o, "user_id", json_null());
    }
    json_t *text = json_stringn(v->text.ptr, v->text.len);
    if (!text) {
        json_decref(o);
        return ERR_INVALID;
    }
    json_object_set_new(o, "message", text);
    if (v->room.len) json_object_set_new(o, "room", json_stringn(v->room.ptr, v->room.len));
    if (v->invite.len) {
        json_error_t e;
        json_t *inv = json_loadb(v->invite.ptr, v->invite.len, 0, &e);
        if (!inv) {
            json_decref(o);
            return ERR_INVALID;
        }
        json_object_set_new(o, "invite", inv);
    }
    return dump(out, o);
}

const char *chat_error_code(int e) {
    switch (e) {
    case CHAT_E_JSON: return "invalid_json";
    case CHAT_E_TOO_LONG: return "message_too_long";
    case CHAT_E_RATE: return "rate_limited";
    case CHAT_E_NOT_MEMBER: return "not_member";
    case CHAT_E_NO_CHANNEL: case ACCOUNT_E_NOTFOUND: return "no_such_channel";
    case CHAT_E_MUTED: return "muted";
    case CHAT_E_BANNED: return "banned";
    case SOCIAL_E_BLOCKED: return "blocked";
    case ERR_FULL: return "busy";
    case ERR_LIMIT: return "too_many_subscriptions";
    case CHAT_E_INVALID: case CHAT_E_EMPTY: case CHAT_E_CHANNEL: case CHAT_E_ROOM_NAME: case CHAT_E_SELF:
        return "invalid_message";
    default: return "unavailable";
    }
}

static const char *error_text(int e) {
    switch (e) {
    case CHAT_E_JSON: return "Send JSON like {\"message\": \"text\"}.";
    case CHAT_E_TOO_LONG: return "Messages are at most 2000 characters.";
    case CHAT_E_RATE: return "Too many messages; slow down.";
    case CHAT_E_NOT_MEMBER: return "Join the room first.";
    case CHAT_E_NO_CHANNEL: case ACCOUNT_E_NOTFOUND: return "No such room or conversation.";
    case CHAT_E_MUTED: return "You are muted in this room.";
    case CHAT_E_BANNED: return "You are banned from this room.";
    case SOCIAL_E_BLOCKED: return "One of you blocked the other.";
    case ERR_FULL: return "The chat is busy; try again.";
    case ERR_LIMIT: return "Too many rooms on one socket.";
    case CHAT_E_INVALID: case CHAT_E_EMPTY: case CHAT_E_CHANNEL: case CHAT_E_ROOM_NAME: case CHAT_E_SELF:
        return "Expected {\"message\": \"non-empty text\"}.";
    default: return "The chat is unavailable; try again.";
    }
}

void chat_error_frame(buf_t *out, int e, bool legacy, const char *ref) {
    json_t *err = json_pack("{s:s, s:s}", "code", chat_error_code(e), "message", error_text(e));
    json_t *o = json_object();
    if (!legacy) {
        json_object_set_new(o, "type", json_string("chat.error"));
        if (ref) json_object_set_new(o, "ref", json_string(ref));
    }
    json_object_set_new(o, "error", err);
    dump(out, o);
}

