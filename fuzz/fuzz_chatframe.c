/* libFuzzer: chat_frame_parse on arbitrary client frames, both sockets' (the first byte picks
 * the legacy room socket or the app socket). An error leaves no text; accepted text is at most
 * LIM_CHAT_MESSAGE_CHARS code points and survives chat_render and a JSON round trip byte for
 * byte; the channel and ref are bounded and NUL-free; every error frame is JSON with a code. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "pongd_limits.h"
#include "util.h"

static void check_error_frame(int e, bool legacy, const char *ref) {
    buf_t out;
    buf_init(&out, 4096);
    chat_error_frame(&out, e, legacy, ref);
    json_t *o = json_loadb(out.ptr, out.len, 0, NULL);
    if (!o || !json_is_string(json_object_get(json_object_get(o, "error"), "code"))) abort();
    if (!legacy && ref && strcmp(json_string_value(json_object_get(o, "ref")), ref) != 0) abort();
    json_decref(o);
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 70000) return 0;
    bool legacy = data[0] & 1;
    const char *frame = (const char *)data + 1;
    size_t len = size - 1;
    buf_t text;
    buf_init(&text, LIM_WS_MESSAGE_BYTES);
    chat_frame_t f;
    int e = chat_frame_parse(frame, len, legacy, &f, &text);
    if (strlen(f.channel) > CHAT_CHANNEL_MAX || strlen(f.ref) > CHAT_REF_MAX) abort();
    if (!f.has_ref && f.ref[0]) abort();
    if (e != ERR_OK) {
        if (text.len != 0) abort();
        if (e != CHAT_E_JSON && e != CHAT_E_INVALID && e != CHAT_E_TOO_LONG) abort();
        check_error_frame(e, legacy, f.has_ref ? f.ref : NULL);
        buf_free(&text);
        return 0;
    }
    if (legacy && f.kind != CHAT_FRAME_MESSAGE) abort();
    if (!legacy && f.kind == CHAT_FRAME_MESSAGE) abort();
    if (f.kind == CHAT_FRAME_READ && f.seq < 0) abort();
    if (f.kind != CHAT_FRAME_MESSAGE && f.kind != CHAT_FRAME_SEND && text.len != 0) abort();
    if (utf8_count(text.ptr, text.len) > LIM_CHAT_MESSAGE_CHARS) abort();
    if (text.len == 0) {
        buf_free(&text);
        return 0;
    }
    /* rendered for a reader and read back: the same bytes */
    buf_t out;
    buf_init(&out, LIM_WS_MESSAGE_BYTES * 7 + 1024);
    chat_view_t v = { .channel = SPAN_LIT("room:fuzz_room-1"), .room = SPAN_LIT("fuzz_room-1"), .seq = 9, .at = 1700000000123,
                      .kind = CHAT_MSG_TEXT, .user_id = 7, .display_name = "Zo\xc3\xab \"<b>", .avatar_version = 3,
                      .text = span_of(text.ptr, text.len) };
    if (chat_render(&out, &v) != 0) abort();
    json_error_t jerr;
    json_t *o = json_loadb(out.ptr, out.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!o || !json_is_object(o)) abort();
    json_t *m = json_object_get(o, "message");
    if (!json_is_string(m) || json_string_length(m) != text.len || memcmp(json_string_value(m), text.ptr, text.len) != 0)
        abort();
    if (json_integer_value(json_object_get(o, "user_id")) != 7 || json_integer_value(json_object_get(o, "seq")) != 9) abort();
    if (memchr(out.ptr, '\n', out.len)) abort();
    json_decref(o);
    buf_free(&out);
    buf_free(&text);
    return 0;
}
