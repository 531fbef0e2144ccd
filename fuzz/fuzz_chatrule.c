/* libFuzzer: the chat's parsers of network input — chatrule_chan_parse (a frame's "channel"),
 * chatrule_room_key (a room name from a path or a frame) and chatrule_text (a message). They
 * must never read past size (libFuzzer's buffer is exactly `size` bytes under ASan) and only
 * refuse with their documented codes. Checked on what they accept: a parsed channel formats
 * back to the same bytes; a room key is "r:" and the name lowercased, of valid characters; the
 * trimmed text lies inside the input, starts and ends off white space, holds no NUL, at
 * most LIM_CHAT_MESSAGE_CHARS code points and something visible (utf8_has_visible). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chatrule.h"
#include "err.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    span_t s = span_of((const char *)data, size);
    chatrule_chan_t c;
    int e = chatrule_chan_parse(s, &c);
    if (e == 0) {
        buf_t b;
        buf_init(&b, size + 32);
        chatrule_chan_format(&b, &c);
        if (b.len != size || (size && memcmp(b.ptr, data, size) != 0)) abort();
        buf_free(&b);
        if (c.kind == CHAT_KIND_DIRECT && c.peer <= 0) abort();
        if (c.kind == CHAT_KIND_ROOM) {
            char key[CHATRULE_KEY_MAX];
            int k = chatrule_room_key(c.room, key);
            if (k != 0 && k != CHAT_E_ROOM_NAME) abort();
        }
    } else if (e != CHAT_E_CHANNEL) {
        abort();
    }

    char key[CHATRULE_KEY_MAX];
    e = chatrule_room_key(s, key);
    if (e == 0) {
        if (size < 1 || size > LIM_CHAT_ROOM_NAME || strlen(key) != size + 2 || memcmp(key, "r:", 2) != 0) abort();
        for (size_t i = 0; i < size; i++) {
            char k = key[2 + i], d = (char)data[i];
            if (k >= 'A' && k <= 'Z') abort();
            if (k != d && k != d + ('a' - 'A')) abort();
        }
    } else if (e != CHAT_E_ROOM_NAME) {
        abort();
    }

    span_t t;
    e = chatrule_text(s, &t);
    if (e == 0) {
        if (t.len == 0 || t.ptr < s.ptr || t.ptr + t.len > s.ptr + s.len) abort();
        if (memchr(t.ptr, 0, t.len)) abort();
        if (utf8_count(t.ptr, t.len) > LIM_CHAT_MESSAGE_CHARS) abort();
        if (!utf8_has_visible(t.ptr, t.len)) abort();   /* zero-width or format characters alone are empty */
        unsigned char first = (unsigned char)t.ptr[0], last = (unsigned char)t.ptr[t.len - 1];
        if (first == ' ' || (first >= 9 && first <= 13) || last == ' ' || (last >= 9 && last <= 13)) abort();
        if ((first & 0xC0) == 0x80) abort();   /* starts on a character boundary */
        /* idempotent */
        span_t t2;
        if (chatrule_text(t, &t2) != 0 || t2.ptr != t.ptr || t2.len != t.len) abort();
    } else if (e != CHAT_E_EMPTY && e != CHAT_E_TOO_LONG && e != CHAT_E_INVALID) {
        abort();
    }

    if (size >= 3) {   /* the ranks: total over any input, never true for a member */
        int actor = (int)(data[0] % 6) - 1, target = (int)(data[2] % 6) - 1;
        chat_action_t a = (chat_action_t)(data[1] % (CHAT_ACT_N + 2)) ;
        bool may = chatrule_may(actor, a, target);
        if (may && (actor < CHAT_RANK_MODERATOR || actor > CHAT_RANK_ADMIN || (a != CHAT_ACT_READ_LOG && target >= actor))) abort();
        if (chatrule_action_name(a) == NULL && may) abort();
    }
    return 0;
}
