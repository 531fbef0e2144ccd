/* chatrule — see chatrule.h. */
#include "chatrule.h"
#include "utf8.h"
#include "err.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const ACTION_NAMES[CHAT_ACT_N] = {
    [CHAT_ACT_DELETE] = "delete",         [CHAT_ACT_MUTE] = "mute",
    [CHAT_ACT_KICK] = "kick",             [CHAT_ACT_BAN] = "ban",
    [CHAT_ACT_UNBAN] = "unban",           [CHAT_ACT_MOD_ADD] = "moderator_add",
    [CHAT_ACT_MOD_REMOVE] = "moderator_remove", [CHAT_ACT_READ_LOG] = "read_log",
};

const char *chatrule_action_name(chat_action_t a) {
    return (int)a >= 0 && a < CHAT_ACT_N ? ACTION_NAMES[a] : NULL;
}

static bool room_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

_Static_assert(CHATRULE_KEY_MAX >= LIM_CHAT_ROOM_NAME + 3, "r: + the name + NUL");
_Static_assert(CHATRULE_KEY_MAX >= 2 + 20 + 1 + 20 + 1, "d:<lo>:<hi> of two int64");

int chatrule_room_key(span_t name, char key[CHATRULE_KEY_MAX]) {
    if (name.len == 0 || name.len > LIM_CHAT_ROOM_NAME || !name.ptr) return CHAT_E_ROOM_NAME;
    for (size_t i = 0; i < name.len; i++)
        if (!room_char(name.ptr[i])) return CHAT_E_ROOM_NAME;
    key[0] = 'r';
    key[1] = ':';
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        key[2 + i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
    }
    key[2 + name.len] = '\0';
    return 0;
}

void chatrule_direct_key(int64_t a, int64_t b, char key[CHATRULE_KEY_MAX]) {
    snprintf(key, CHATRULE_KEY_MAX, "d:%" PRId64 ":%" PRId64, a < b ? a : b, a < b ? b : a);
}

void chatrule_system_key(int64_t uid, char key[CHATRULE_KEY_MAX]) { snprintf(key, CHATRULE_KEY_MAX, "s:%" PRId64, uid); }

int chatrule_text(span_t text, span_t *out) {
    size_t first = text.len, end = 0;   /* bytes [first, end) are the trimmed text */
    size_t cps = 0, first_cp = 0, last_cp = 0;
    bool visible = false;
    for (size_t i = 0; i < text.len;) {
        uint32_t cp;
        size_t k = utf8_decode(text.ptr + i, text.len - i, &cp);
        if (k == 0 || cp == 0) return CHAT_E_INVALID;
        visible = visible || !utf8_is_invisible(cp);
        if (!utf8_is_space(cp)) {
            if (first == text.len) {
                first = i;
                first_cp = cps;
            }
            end = i + k;
            last_cp = cps;
        }
        i += k;
        cps++;
    }
    if (!visible) return CHAT_E_EMPTY;   /* white space, zero-width and format characters only: nothing to read */
    if (last_cp - first_cp + 1 > LIM_CHAT_MESSAGE_CHARS) return CHAT_E_TOO_LONG;
    *out = span_of(text.ptr + first, end - first);
    return 0;
}

bool chatrule_may(int actor, chat_action_t a, int target) {
    if (actor < CHAT_RANK_MODERATOR || actor > CHAT_RANK_ADMIN) return false;
    if (a == CHAT_ACT_READ_LOG) return true;
    if (target < CHAT_RANK_MEMBER || target > CHAT_RANK_ADMIN || target >= actor) return false;
    switch (a) {
    case CHAT_ACT_DELETE:
    case CHAT_ACT_MUTE:
    case CHAT_ACT_KICK:
    case CHAT_ACT_BAN:
    case CHAT_ACT_UNBAN: return true;
    case CHAT_ACT_MOD_ADD: return actor >= CHAT_RANK_OWNER && target == CHAT_RANK_MEMBER;
    case CHAT_ACT_MOD_REMOVE: return actor >= CHAT_RANK_OWNER && target == CHAT_RANK_MODERATOR;
    default: return false;
    }
}

int chatrule_chan_parse(span_t s, chatrule_chan_t *out) {
    static const char ROOM[] = "room:", DM[] = "dm:";
    chatrule_chan_t c = { .kind = CHAT_KIND_SYSTEM, .room = { "", 0 }, .peer = 0 };
    if (span_eq(s, "system")) {
        *out = c;
        return 0;
    }
    if (s.len >= sizeof ROOM - 1 && memcmp(s.ptr, ROOM, sizeof ROOM - 1) == 0) {
        c.kind = CHAT_KIND_ROOM;
        c.room = span_of(s.ptr + sizeof ROOM - 1, s.len - (sizeof ROOM - 1));
        *out = c;
        return 0;
    }
    if (s.len >= sizeof DM - 1 && memcmp(s.ptr, DM, sizeof DM - 1) == 0) {
        size_t n = s.len - (sizeof DM - 1);
        const char *d = s.ptr + sizeof DM - 1;
        /* canonical decimal: 1..19 digits, no sign, no leading zero, > 0, no overflow */
        if (n == 0 || n > 19 || d[0] == '0') return CHAT_E_CHANNEL;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) {
            if (d[i] < '0' || d[i] > '9') return CHAT_E_CHANNEL;
            v = v * 10 + (uint64_t)(d[i] - '0');
        }
        if (v > (uint64_t)INT64_MAX) return CHAT_E_CHANNEL;
        c.kind = CHAT_KIND_DIRECT;
        c.peer = (int64_t)v;
        *out = c;
        return 0;
    }
    return CHAT_E_CHANNEL;
}

void chatrule_chan_format(buf_t *out, const chatrule_chan_t *c) {
    switch (c->kind) {
    case CHAT_KIND_ROOM:
        buf_append(out, "room:", 5);
        buf_append(out, c->room.ptr, c->room.len);
        break;
    case CHAT_KIND_DIRECT: buf_printf(out, "dm:%" PRId64, c->peer); break;
    default: buf_append(out, "system", 6); break;
    }
}
