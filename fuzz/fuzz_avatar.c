/* libFuzzer: avatar_process on arbitrary bytes. It must never crash or leak; on success the
 * output is a WebP (RIFF....WEBP, sizes consistent, image chunks only) and on failure the
 * result is zeroed and the code is one of the five. Inputs without one of the three magics
 * must be refused as AVATAR_E_FORMAT before libvips sees them, which also keeps most runs
 * cheap; images are capped at 64 KiB here, since libvips decoding is slow. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "avatar.h"

#define FUZZ_AVATAR_MAX_LEN 65536u

static bool has_magic(const uint8_t *p, size_t n) {
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return true;
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return true;
    return n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_webp(const avatar_out_t *o) {
    if (!o->data || o->len < 20 || !o->content_type || strcmp(o->content_type, "image/webp") != 0) abort();
    if (memcmp(o->data, "RIFF", 4) != 0 || memcmp(o->data + 8, "WEBP", 4) != 0) abort();
    if ((size_t)le32(o->data + 4) + 8 != o->len) abort();
    size_t at = 12;
    bool image = false;
    while (at < o->len) {
        if (o->len - at < 8) abort();
        const uint8_t *c = o->data + at;
        size_t n = le32(c + 4);
        if (memcmp(c, "VP8 ", 4) == 0 || memcmp(c, "VP8L", 4) == 0) image = true;
        else if (memcmp(c, "VP8X", 4) != 0 && memcmp(c, "ALPH", 4) != 0) abort(); /* metadata left */
        if (n > o->len - at - 8) abort();
        at += 8 + n + (n & 1);
    }
    if (at != o->len || !image) abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    if (avatar_init() != AVATAR_OK) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > FUZZ_AVATAR_MAX_LEN) return 0;
    avatar_out_t o;
    memset(&o, 0x5a, sizeof o); /* avatar_process must set every field */
    int rc = avatar_process(data, size, &o);
    if (!has_magic(data, size) && rc != AVATAR_E_FORMAT) abort();
    if (rc == AVATAR_OK) {
        check_webp(&o);
        avatar_out_free(&o);
        if (o.data || o.len) abort();
    } else {
        if (rc < AVATAR_E_INTERNAL || rc > AVATAR_E_TOO_BIG) abort();
        if (o.data || o.len || o.content_type) abort();
        const char *code = avatar_strerror(rc);
        if (!code || strcmp(code, "ok") == 0) abort();
    }
    return 0;
}
