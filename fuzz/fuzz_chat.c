/* libFuzzer: chat_parse on arbitrary client frames; accepted text must survive chat_render
 * and a JSON round trip byte for byte. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "pongd_limits.h"
#include "util.h"
#include "ws_double.h"

static void check_error_frame(int e) {
    span_t s = chat_error_json(e);
    json_t *o = json_loadb(s.ptr, s.len, 0, NULL);
    if (!o || !json_is_string(json_object_get(json_object_get(o, "error"), "code"))) abort();
    json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 70000) return 0;
    buf_t text;
    buf_init(&text, LIM_WS_MESSAGE_BYTES);
    int e = chat_parse((const char *)data, size, &text);
    if (e != ERR_OK) {
        if (text.len != 0) abort();
        if (e != CHAT_E_JSON && e != CHAT_E_INVALID && e != CHAT_E_TOO_LONG) abort();
        check_error_frame(e);
        buf_free(&text);
        return 0;
    }
    /* accepted: 1..2000 code points, not blank */
    size_t cps = utf8_count(text.ptr, text.len);
    if (text.len == 0 || cps == 0 || cps > LIM_CHAT_MESSAGE_CHARS) abort();
    if (strspn(text.ptr, " \t\r\n") == text.len) abort();
    if (memchr(text.ptr, '\0', text.len)) abort();

    static const char room[] = "fuzz_room-1";
    const uint64_t at = 1700000000123ull;
    buf_t out;
    buf_init(&out, LIM_WS_MESSAGE_BYTES * 7 + 256);
    chat_sender_t from = { 7, "Zoë \"<b>" };
    if (chat_render(&out, span_of(text.ptr, text.len), SPAN_LIT(room), at, &from) != 0) abort();
    json_error_t jerr;
    json_t *o = json_loadb(out.ptr, out.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o || !json_is_object(o) || json_object_size(o) != 5) abort();
    if (json_integer_value(json_object_get(o, "user_id")) != 7) abort();
    const char *dn = json_string_value(json_object_get(o, "display_name"));
    if (!dn || strcmp(dn, from.display_name) != 0) abort();
    json_t *m = json_object_get(o, "message"), *r = json_object_get(o, "room"), *a = json_object_get(o, "at");
    if (!json_is_string(m) || json_string_length(m) != text.len || memcmp(json_string_value(m), text.ptr, text.len) != 0)
        abort();
    if (!json_is_string(r) || strcmp(json_string_value(r), room) != 0) abort();
    if (!json_is_integer(a) || (uint64_t)json_integer_value(a) != at) abort();
    if (memchr(out.ptr, '\n', out.len)) abort();
    json_decref(o);

    /* the text sent back as a client frame parses to the same text */
    json_t *again = json_pack("{s:s%}", "message", text.ptr, text.len);
    char *frame = again ? json_dumps(again, JSON_COMPACT) : NULL;
    if (!frame) abort();
    buf_t text2;
    buf_init(&text2, LIM_WS_MESSAGE_BYTES);
    if (chat_parse(frame, strlen(frame), &text2) != ERR_OK) abort();
    if (text2.len != text.len || memcmp(text2.ptr, text.ptr, text.len) != 0) abort();
    free(frame);
    json_decref(again);
    buf_free(&text2);
    buf_free(&out);
    buf_free(&text);
    return 0;
}
