/* avatar: PNG/JPEG/WebP in, 256×256 WebP without metadata out; format by magic bytes; size,
 * pixel-count and truncation refusals; the identicon. Test images are made in memory with
 * libvips (or by hand, for headers libvips would never write).
 *
 * `test_avatar --write-fixtures DIR` writes tests/fixtures/images/ and
 * `test_avatar --write-corpus DIR` the fuzz seed corpus, from the same builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <vips/vips.h>
#include <zlib.h>

#include "avatar.h"
#include "util.h"

typedef struct { uint8_t *p; size_t n; } blob_t; /* g_malloc'd or malloc'd, see each maker */

/* ---- image builders ---- */

/* A w×h sRGB image of one colour. */
static VipsImage *solid(int w, int h, double r, double g, double b) {
    VipsImage *t0, *t1, *t2, *out;
    double a[3] = { 0, 0, 0 }, c[3] = { r, g, b };
    assert_int_equal(vips_black(&t0, w, h, "bands", 3, NULL), 0);
    assert_int_equal(vips_linear(t0, &t1, a, c, 3, NULL), 0);
    assert_int_equal(vips_cast_uchar(t1, &t2, NULL), 0);
    assert_int_equal(vips_copy(t2, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), 0);
    g_object_unref(t0);
    g_object_unref(t1);
    g_object_unref(t2);
    return out;
}

/* a and b side by side (or one above the other); takes both references. */
static VipsImage *join(VipsImage *a, VipsImage *b, VipsDirection dir) {
    VipsImage *out;
    assert_int_equal(vips_join(a, b, &out, dir, NULL), 0);
    g_object_unref(a);
    g_object_unref(b);
    return out;
}

/* Three bands of colour: red, green, blue, across (or down) a w×h image. */
static VipsImage *stripes(int w, int h, VipsDirection dir) {
    bool across = dir == VIPS_DIRECTION_HORIZONTAL;
    int sw = across ? w / 3 : w, sh = across ? h : h / 3;
    VipsImage *rg = join(solid(sw, sh, 255, 0, 0), solid(sw, sh, 0, 255, 0), dir);
    return join(rg, solid(sw, sh, 0, 0, 255), dir);
}

/* Grey noise, seeded: incompressible enough that truncation cuts into pixel data. */
static VipsImage *noise(int w, int h, int seed) {
    VipsImage *n, *u, *rgb, *out;
    assert_int_equal(vips_gaussnoise(&n, w, h, "mean", 128.0, "sigma", 40.0, "seed", seed, NULL), 0);
    assert_int_equal(vips_cast_uchar(n, &u, NULL), 0);
    VipsImage *bands[3] = { u, u, u };
    assert_int_equal(vips_bandjoin(bands, &rgb, 3, NULL), 0);
    assert_int_equal(vips_copy(rgb, &out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL), 0);
    g_object_unref(n);
    g_object_unref(u);
    g_object_unref(rgb);
    return out;
}

/* A copy of im with metadata set that must never reach the output; takes im's reference. */
static VipsImage *with_metadata(VipsImage *im, int orientation) {
    static const char xmp[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><secret>gps 48.85 2.35</secret></x:xmpmeta>";
    VipsImage *out;
    assert_int_equal(vips_copy(im, &out, NULL), 0);
    vips_image_set_int(out, VIPS_META_ORIENTATION, orientation);
    vips_image_set_string(out, "exif-ifd0-ImageDescription", "secret description");
    vips_image_set_string(out, "exif-ifd0-Artist", "Secret Artist");
    vips_image_set_blob_copy(out, VIPS_META_XMP_NAME, xmp, sizeof xmp - 1);
    vips_image_set_string(out, "png-comment-0-Comment", "secret comment");
    g_object_unref(im);
    return out;
}

/* Encodes; the blob is g_malloc'd (g_free). */
static blob_t save(VipsImage *im, const char *fmt) {
    void *p = NULL;
    size_t n = 0;
    int rc = -1;
    if (strcmp(fmt, "png") == 0) rc = vips_pngsave_buffer(im, &p, &n, NULL);
    else if (strcmp(fmt, "jpeg") == 0) rc = vips_jpegsave_buffer(im, &p, &n, "Q", 90, NULL);
    else if (strcmp(fmt, "webp") == 0) rc = vips_webpsave_buffer(im, &p, &n, "Q", 90, NULL);
    else if (strcmp(fmt, "gif") == 0) rc = vips_gifsave_buffer(im, &p, &n, NULL);
    else if (strcmp(fmt, "tiff") == 0) rc = vips_tiffsave_buffer(im, &p, &n, NULL);
    if (rc != 0) fail_msg("save %s: %s", fmt, vips_error_buffer());
    return (blob_t){ p, n };
}

static blob_t save_unref(VipsImage *im, const char *fmt) {
    blob_t b = save(im, fmt);
    g_object_unref(im);
    return b;
}

/* ---- hand-made headers: small files that declare huge images ---- */

static void put32be(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void put32le(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

static size_t png_chunk(uint8_t *p, const char *type, const uint8_t *data, uint32_t n) {
    put32be(p, n);
    memcpy(p + 4, type, 4);
    if (n) memcpy(p + 8, data, n);
    put32be(p + 8 + n, (uint32_t)crc32(0, p + 4, n + 4));
    return 12 + (size_t)n;
}

/* png with a tEXt chunk key=value inserted after IHDR. malloc'd. */
static blob_t png_with_text(blob_t png, const char *key, const char *value) {
    size_t kl = strlen(key), vl = strlen(value), at = 8 + 25; /* signature, IHDR */
    uint8_t *text = malloc(kl + 1 + vl);
    memcpy(text, key, kl + 1);
    memcpy(text + kl + 1, value, vl);
    uint8_t *p = malloc(png.n + 12 + kl + 1 + vl);
    memcpy(p, png.p, at);
    size_t n = at + png_chunk(p + at, "tEXt", text, (uint32_t)(kl + 1 + vl));
    memcpy(p + n, png.p + at, png.n - at);
    free(text);
    return (blob_t){ p, n + png.n - at };
}

/* A PNG declaring w×h (colour type, bit depth, Adam7 or not) with valid CRCs, whose IDAT
 * holds only a few all-zero rows (a complete 20000² stream would be 400 KB of zlib; the
 * declaration is what a decompression bomb is about). malloc'd. */
static blob_t png_header(uint32_t w, uint32_t h, uint8_t colour, uint8_t depth, bool interlace) {
    uint32_t rows = h < 8 ? h : 8;
    size_t raw_len = (size_t)rows * (w + 1);
    uint8_t *raw = calloc(1, raw_len);
    uLongf z_len = compressBound((uLong)raw_len);
    uint8_t *z = malloc(z_len);
    assert_int_equal(compress2(z, &z_len, raw, (uLong)raw_len, 9), Z_OK);
    uint8_t *p = malloc(8 + 25 + 12 + z_len + 12);
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = { 0 };
    put32be(ihdr, w);
    put32be(ihdr + 4, h);
    ihdr[8] = depth;
    ihdr[9] = colour;
    ihdr[12] = interlace ? 1 : 0; /* compression and filter method 0 */
    size_t n = 8;
    n += png_chunk(p + n, "IHDR", ihdr, sizeof ihdr);
    n += png_chunk(p + n, "IDAT", z, (uint32_t)z_len);
    n += png_chunk(p + n, "IEND", NULL, 0);
    free(raw);
    free(z);
    return (blob_t){ p, n };
}

/* 8-bit greyscale, not interlaced. */
static blob_t bomb_png(uint32_t w, uint32_t h) { return png_header(w, h, 0, 8, false); }

/* A lossless WebP header (VP8L) declaring w×h (at most 16384 each) and a few bytes of
 * nothing. malloc'd. */
static blob_t bomb_webp(uint32_t w, uint32_t h) {
    uint8_t *p = calloc(1, 64);
    memcpy(p, "RIFF", 4);
    put32le(p + 4, 64 - 8);
    memcpy(p + 8, "WEBPVP8L", 8);
    put32le(p + 16, 64 - 20);
    p[20] = 0x2f;
    put32le(p + 21, (w - 1) | (h - 1) << 14);
    return (blob_t){ p, 64 };
}

/* A JPEG frame header (SOF0 baseline or SOF2 progressive) declaring w×h with three
 * components, then the start of a scan and EOI, no tables. malloc'd. */
static blob_t jpeg_header(uint16_t w, uint16_t h, bool progressive) {
    const uint8_t head[] = { 0xff, 0xd8, 0xff, progressive ? 0xc2 : 0xc0, 0, 17, 8,
                             (uint8_t)(h >> 8), (uint8_t)h, (uint8_t)(w >> 8), (uint8_t)w,
                             3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, /* Y 2×2, Cb, Cr */
                             0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, progressive ? 0 : 63, 0,
                             0xff, 0xd9 };
    uint8_t *p = malloc(sizeof head);
    memcpy(p, head, sizeof head);
    return (blob_t){ p, sizeof head };
}

static blob_t bomb_jpeg(uint16_t w, uint16_t h) { return jpeg_header(w, h, false); }

/* A lossy WebP (VP8 key frame) header declaring w×h and a few bytes of nothing. malloc'd. */
static blob_t webp_lossy_header(uint16_t w, uint16_t h) {
    uint8_t *p = calloc(1, 64);
    memcpy(p, "RIFF", 4);
    put32le(p + 4, 64 - 8);
    memcpy(p + 8, "WEBPVP8 ", 8);
    put32le(p + 16, 64 - 20);
    p[20] = 0x10; /* key frame, version 0, shown */
    p[23] = 0x9d, p[24] = 0x01, p[25] = 0x2a;
    p[26] = (uint8_t)w, p[27] = (uint8_t)(w >> 8), p[28] = (uint8_t)h, p[29] = (uint8_t)(h >> 8);
    return (blob_t){ p, 64 };
}

/* ---- output checks ---- */

/* Walks the RIFF chunks: only image data, no EXIF, ICCP or XMP chunk, no such VP8X flag. */
static void assert_webp_pixels_only(const avatar_out_t *o) {
    assert_non_null(o->data);
    assert_true(o->len > 20);
    assert_memory_equal(o->data, "RIFF", 4);
    assert_memory_equal(o->data + 8, "WEBP", 4);
    assert_string_equal(o->content_type, "image/webp");
    uint32_t riff = (uint32_t)o->data[4] | (uint32_t)o->data[5] << 8 | (uint32_t)o->data[6] << 16 |
                    (uint32_t)o->data[7] << 24;
    assert_int_equal((size_t)riff + 8, o->len);
    size_t at = 12;
    while (at + 8 <= o->len) {
        const uint8_t *c = o->data + at;
        uint32_t n = (uint32_t)c[4] | (uint32_t)c[5] << 8 | (uint32_t)c[6] << 16 | (uint32_t)c[7] << 24;
        bool known = memcmp(c, "VP8 ", 4) == 0 || memcmp(c, "VP8L", 4) == 0 || memcmp(c, "VP8X", 4) == 0 ||
                     memcmp(c, "ALPH", 4) == 0;
        if (!known) fail_msg("unexpected WebP chunk %.4s", (const char *)c);
        if (memcmp(c, "VP8X", 4) == 0) assert_int_equal(c[8] & (0x20 | 0x08 | 0x04), 0); /* ICC, EXIF, XMP */
        at += 8 + (size_t)n + (n & 1);
    }
    assert_int_equal(at, o->len);
}

/* Decodes the output; checks 256×256, 8-bit, and no metadata field. Caller unrefs. */
static VipsImage *decode_out(const avatar_out_t *o) {
    assert_webp_pixels_only(o);
    VipsImage *im;
    if (vips_webpload_buffer(o->data, o->len, &im, NULL)) fail_msg("decode: %s", vips_error_buffer());
    assert_int_equal(vips_image_get_width(im), AVATAR_SIZE);
    assert_int_equal(vips_image_get_height(im), AVATAR_SIZE);
    assert_int_equal(vips_image_get_format(im), VIPS_FORMAT_UCHAR);
    static const char *const banned[] = { "exif", "xmp", "icc", "iptc", "png-comment", "orientation", "gainmap" };
    gchar **fields = vips_image_get_fields(im);
    for (int i = 0; fields[i]; i++)
        for (size_t j = 0; j < sizeof banned / sizeof banned[0]; j++)
            if (strncmp(fields[i], banned[j], strlen(banned[j])) == 0) fail_msg("metadata left: %s", fields[i]);
    g_strfreev(fields);
    assert_int_equal(vips_image_get_typeof(im, VIPS_META_EXIF_NAME), 0);
    assert_int_equal(vips_image_get_typeof(im, VIPS_META_ICC_NAME), 0);
    assert_int_equal(vips_image_get_typeof(im, VIPS_META_XMP_NAME), 0);
    return im;
}

typedef struct { double r, g, b, a; } px_t;

static px_t pixel(VipsImage *im, int x, int y) {
    double *v;
    int n;
    assert_int_equal(vips_getpoint(im, &v, &n, x, y, NULL), 0);
    px_t p = { v[0], n >= 3 ? v[1] : v[0], n >= 3 ? v[2] : v[0], n == 4 || n == 2 ? v[n - 1] : 255 };
    g_free(v);
    return p;
}

/* Roughly one of the primaries (lossy WebP drifts a little, more at edges). */
static void assert_colour(px_t p, char c) {
    double hi = 180, lo = 80;
    switch (c) {
    case 'r': if (!(p.r > hi && p.g < lo && p.b < lo)) fail_msg("want red, got %.0f %.0f %.0f", p.r, p.g, p.b); break;
    case 'g': if (!(p.g > hi && p.r < lo && p.b < lo)) fail_msg("want green, got %.0f %.0f %.0f", p.r, p.g, p.b); break;
    case 'b': if (!(p.b > hi && p.r < lo && p.g < lo)) fail_msg("want blue, got %.0f %.0f %.0f", p.r, p.g, p.b); break;
    }
}

static int process(blob_t in, avatar_out_t *out) { return avatar_process(in.p, in.n, out); }

static int process_code(blob_t in) {
    avatar_out_t o;
    int rc = avatar_process(in.p, in.n, &o);
    if (rc != AVATAR_OK) {
        assert_null(o.data);
        assert_int_equal(o.len, 0);
    }
    avatar_out_free(&o);
    return rc;
}

static long max_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* ---- tests ---- */

/* First, so that the peak RSS still reflects only this test. */
static void test_bomb_refused_before_decoding(void **state) {
    (void)state;
    const blob_t refused[] = {
        bomb_png(20000, 20000),                  /* 400 MP declared in a few hundred bytes */
        bomb_png(AVATAR_MAX_SIDE + 1, 16),       /* one side too long, few pixels */
        bomb_png(16, AVATAR_MAX_SIDE + 1),
        bomb_png(7000, 7000),                    /* 49 MP: each side allowed, the product not */
        bomb_png(AVATAR_MAX_SIDE, AVATAR_MAX_PIXELS / AVATAR_MAX_SIDE + 1),
        bomb_webp(16000, 16000),
        webp_lossy_header(16000, 16000),
        bomb_jpeg(30000, 30000),
        /* within the pixel limits, but decoded whole (no streaming): limited by bytes */
        png_header(6000, 6000, 6, 16, true),     /* Adam7 RGBA 16-bit: 288 MB */
        jpeg_header(6000, 5000, true),           /* progressive: 180 MB of coefficients */
        bomb_webp(6000, 6000),                   /* lossless: a 144 MB canvas */
    };
    const size_t n_refused = sizeof refused / sizeof refused[0];
    assert_true(refused[0].n < 2048);

    long rss0 = max_rss_kb();
    uint64_t t0 = now_mono_us();
    for (size_t i = 0; i < n_refused; i++) {
        int rc = process_code(refused[i]);
        if (rc != AVATAR_E_DIMENSIONS) fail_msg("refused[%zu]: %d", i, rc);
    }
    uint64_t us = now_mono_us() - t0;
    long grown_kb = max_rss_kb() - rss0;
    print_message("%zu bombs refused in %.1f ms, peak RSS grew %ld KiB\n", n_refused, (double)us / 1000.0, grown_kb);
    assert_true(grown_kb < 16 * 1024); /* a decoded 20000² grey image alone is 400 MB */
    for (size_t i = 0; i < n_refused; i++) free(refused[i].p);

    /* just inside every limit: the header passes, then the missing pixel data is an error */
    const blob_t inside[] = {
        bomb_png(AVATAR_MAX_SIDE, AVATAR_MAX_PIXELS / AVATAR_MAX_SIDE),
        png_header(6000, 6000, 6, 16, false),    /* 16-bit RGBA, streamed */
        png_header(8000, 5000, 2, 8, true),      /* Adam7 RGB 8-bit: 120 MB, allowed */
        jpeg_header(6000, 5000, false),          /* baseline: streamed */
        webp_lossy_header(6000, 6000),           /* lossy: streamed */
        webp_lossy_header(0, 100),               /* empty is malformed, not too big */
        bomb_png(0, 0),
    };
    for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
        int rc = process_code(inside[i]);
        if (rc != AVATAR_E_DECODE) fail_msg("inside[%zu]: %d", i, rc);
        free(inside[i].p);
    }
}

static void test_formats_accepted(void **state) {
    (void)state;
    static const char *const fmts[] = { "png", "jpeg", "webp" };
    for (size_t i = 0; i < 3; i++) {
        blob_t in = save_unref(stripes(300, 300, VIPS_DIRECTION_HORIZONTAL), fmts[i]);
        avatar_out_t o;
        assert_int_equal(process(in, &o), AVATAR_OK);
        VipsImage *im = decode_out(&o);
        assert_colour(pixel(im, 20, 128), 'r');
        assert_colour(pixel(im, 128, 128), 'g');
        assert_colour(pixel(im, 235, 128), 'b');
        g_object_unref(im);
        avatar_out_free(&o);
        assert_null(o.data);
        avatar_out_free(&o); /* twice is harmless */
        g_free(in.p);
    }
}

/* Small images are scaled up, large ones down; either way the result is 256×256. */
static void test_sizes(void **state) {
    (void)state;
    static const int dims[][2] = { { 1, 1 }, { 3, 90 }, { 17, 17 }, { 256, 256 }, { 2000, 1500 }, { 4000, 40 } };
    static const char *const fmts[] = { "png", "jpeg", "webp" };
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
        for (size_t f = 0; f < 3; f++) {
            blob_t in = save_unref(solid(dims[i][0], dims[i][1], 0, 0, 255), fmts[f]);
            avatar_out_t o;
            assert_int_equal(process(in, &o), AVATAR_OK);
            VipsImage *im = decode_out(&o);
            assert_colour(pixel(im, 128, 128), 'b');
            g_object_unref(im);
            avatar_out_free(&o);
            g_free(in.p);
        }
    }
}

static void test_centre_crop(void **state) {
    (void)state;
    /* extreme strips: cropped first, so cheap (not scaled up to 2097152×256 and then cut) */
    static const int strips[][2] = { { AVATAR_MAX_SIDE, 1 }, { 1, AVATAR_MAX_SIDE }, { AVATAR_MAX_SIDE, 3 } };
    for (size_t i = 0; i < sizeof strips / sizeof strips[0]; i++) {
        blob_t strip = save_unref(solid(strips[i][0], strips[i][1], 0, 255, 0), "png");
        long rss0 = max_rss_kb();
        uint64_t t0 = now_mono_us();
        avatar_out_t so;
        assert_int_equal(process(strip, &so), AVATAR_OK);
        double ms = (double)(now_mono_us() - t0) / 1000.0;
        long grown_kb = max_rss_kb() - rss0;
        VipsImage *sim = decode_out(&so);
        assert_colour(pixel(sim, 128, 128), 'g');
        g_object_unref(sim);
        avatar_out_free(&so);
        g_free(strip.p);
        if (ms > 2000 || grown_kb > 64 * 1024) fail_msg("strip %dx%d: %.0f ms, +%ld KiB", strips[i][0], strips[i][1], ms, grown_kb);
    }

    /* wide: red | green | blue, each 200 wide; the square in the middle is all green */
    blob_t in = save_unref(stripes(600, 200, VIPS_DIRECTION_HORIZONTAL), "png");
    avatar_out_t o;
    assert_int_equal(process(in, &o), AVATAR_OK);
    VipsImage *im = decode_out(&o);
    assert_colour(pixel(im, 8, 128), 'g');
    assert_colour(pixel(im, 128, 128), 'g');
    assert_colour(pixel(im, 247, 128), 'g');
    g_object_unref(im);
    avatar_out_free(&o);
    g_free(in.p);

    /* tall, through the JPEG shrink-on-load path (2400 / 256 > 8) */
    in = save_unref(stripes(800, 2400, VIPS_DIRECTION_VERTICAL), "jpeg");
    assert_int_equal(process(in, &o), AVATAR_OK);
    im = decode_out(&o);
    assert_colour(pixel(im, 128, 8), 'g');
    assert_colour(pixel(im, 128, 247), 'g');
    g_object_unref(im);
    avatar_out_free(&o);
    g_free(in.p);

    /* wide WebP through libwebp's scale-on-load */
    in = save_unref(stripes(3000, 1000, VIPS_DIRECTION_HORIZONTAL), "webp");
    assert_int_equal(process(in, &o), AVATAR_OK);
    im = decode_out(&o);
    assert_colour(pixel(im, 8, 128), 'g');
    assert_colour(pixel(im, 247, 128), 'g');
    g_object_unref(im);
    avatar_out_free(&o);
    g_free(in.p);
}

/* EXIF orientation 6 (stored rotated 90° anticlockwise): the stored left edge is the top.
 * Stored: red left half, blue right half, 400×200. Shown: red top, blue bottom. */
static void test_exif_rotation_and_metadata_stripped(void **state) {
    (void)state;
    VipsImage *im = join(solid(200, 200, 255, 0, 0), solid(200, 200, 0, 0, 255), VIPS_DIRECTION_HORIZONTAL);
    VipsImage *meta = with_metadata(im, 6);
    blob_t in = save_unref(meta, "jpeg");

    /* the input really carries EXIF (with our orientation and text) and XMP */
    VipsImage *check;
    assert_int_equal(vips_jpegload_buffer(in.p, in.n, &check, NULL), 0);
    assert_int_not_equal(vips_image_get_typeof(check, VIPS_META_EXIF_NAME), 0);
    assert_int_not_equal(vips_image_get_typeof(check, VIPS_META_XMP_NAME), 0);
    assert_int_equal(vips_image_get_orientation(check), 6);
    const char *desc;
    assert_int_equal(vips_image_get_string(check, "exif-ifd0-ImageDescription", &desc), 0);
    assert_non_null(strstr(desc, "secret description"));
    g_object_unref(check);

    avatar_out_t o;
    assert_int_equal(process(in, &o), AVATAR_OK);
    assert_null(memmem(o.data, o.len, "secret", 6));
    assert_null(memmem(o.data, o.len, "Secret", 6));
    VipsImage *out = decode_out(&o);
    assert_colour(pixel(out, 128, 20), 'r');
    assert_colour(pixel(out, 128, 235), 'b');
    assert_colour(pixel(out, 20, 20), 'r');
    assert_colour(pixel(out, 235, 20), 'r');
    g_object_unref(out);
    avatar_out_free(&o);
    g_free(in.p);

    /* PNG with EXIF, XMP and a text comment */
    im = stripes(300, 300, VIPS_DIRECTION_HORIZONTAL);
    meta = with_metadata(im, 1);
    blob_t png = save_unref(meta, "png");
    in = png_with_text(png, "Comment", "secret comment");
    g_free(png.p);
    VipsImage *loaded;
    assert_int_equal(vips_pngload_buffer(in.p, in.n, &loaded, NULL), 0);
    assert_int_not_equal(vips_image_get_typeof(loaded, "png-comment-0-Comment"), 0);
    g_object_unref(loaded);
    assert_int_equal(process(in, &o), AVATAR_OK);
    assert_null(memmem(o.data, o.len, "secret", 6));
    out = decode_out(&o);
    g_object_unref(out);
    avatar_out_free(&o);
    free(in.p);
}

/* An embedded ICC profile is applied (to sRGB) and then dropped: a CMYK JPEG with a CMYK
 * profile comes out as sRGB pixels of about the right colour. */
static void test_icc_converted_and_stripped(void **state) {
    (void)state;
    VipsImage *rgb = solid(300, 300, 200, 30, 30), *cmyk;
    if (vips_icc_transform(rgb, &cmyk, "cmyk", "input_profile", "srgb", "embedded", FALSE, NULL))
        fail_msg("icc_transform: %s", vips_error_buffer());
    g_object_unref(rgb);
    assert_int_equal(vips_image_get_bands(cmyk), 4);
    assert_int_not_equal(vips_image_get_typeof(cmyk, VIPS_META_ICC_NAME), 0);
    blob_t in = save_unref(cmyk, "jpeg");
    avatar_out_t o;
    assert_int_equal(process(in, &o), AVATAR_OK);
    VipsImage *out = decode_out(&o);
    assert_int_equal(vips_image_get_bands(out), 3);
    px_t p = pixel(out, 128, 128);
    if (!(p.r > 150 && p.g < 90 && p.b < 90)) fail_msg("want dark red, got %.0f %.0f %.0f", p.r, p.g, p.b);
    g_object_unref(out);
    avatar_out_free(&o);
    g_free(in.p);

    /* an sRGB image with its profile embedded */
    rgb = solid(100, 100, 0, 255, 0);
    VipsImage *tagged;
    assert_int_equal(vips_icc_transform(rgb, &tagged, "srgb", "input_profile", "srgb", "embedded", FALSE, NULL), 0);
    g_object_unref(rgb);
    assert_int_not_equal(vips_image_get_typeof(tagged, VIPS_META_ICC_NAME), 0);
    in = save_unref(tagged, "png");
    assert_non_null(memmem(in.p, in.n, "iCCP", 4));
    assert_int_equal(process(in, &o), AVATAR_OK);
    out = decode_out(&o);
    assert_colour(pixel(out, 128, 128), 'g');
    g_object_unref(out);
    avatar_out_free(&o);
    g_free(in.p);
}

/* Alpha is kept (documented choice); greyscale and 16-bit sources come out 8-bit. */
static void test_alpha_grey_16bit(void **state) {
    (void)state;
    /* left half transparent, right half opaque red */
    VipsImage *rgb = solid(200, 200, 255, 0, 0), *a0, *a1, *alpha, *rgba;
    assert_int_equal(vips_black(&a0, 100, 200, NULL), 0);
    VipsImage *ones = solid(100, 200, 255, 255, 255);
    assert_int_equal(vips_extract_band(ones, &a1, 0, NULL), 0);
    g_object_unref(ones);
    VipsImage *a0u;
    assert_int_equal(vips_cast_uchar(a0, &a0u, NULL), 0);
    g_object_unref(a0);
    alpha = join(a0u, a1, VIPS_DIRECTION_HORIZONTAL);
    assert_int_equal(vips_bandjoin2(rgb, alpha, &rgba, NULL), 0);
    g_object_unref(rgb);
    g_object_unref(alpha);
    blob_t in = save_unref(rgba, "png");
    avatar_out_t o;
    assert_int_equal(process(in, &o), AVATAR_OK);
    VipsImage *out = decode_out(&o);
    assert_int_equal(vips_image_get_bands(out), 4);
    assert_true(pixel(out, 20, 128).a < 10);
    px_t p = pixel(out, 235, 128);
    assert_true(p.a > 245);
    assert_colour(p, 'r');
    g_object_unref(out);
    avatar_out_free(&o);
    g_free(in.p);

    /* one-band greyscale */
    VipsImage *g3 = solid(64, 64, 90, 90, 90), *g1;
    assert_int_equal(vips_extract_band(g3, &g1, 0, NULL), 0);
    g_object_unref(g3);
    VipsImage *g1bw;
    assert_int_equal(vips_copy(g1, &g1bw, "interpretation", VIPS_INTERPRETATION_B_W, NULL), 0);
    g_object_unref(g1);
    in = save_unref(g1bw, "png");
    assert_int_equal(process(in, &o), AVATAR_OK);
    out = decode_out(&o);
    p = pixel(out, 128, 128);
    assert_true(p.r > 75 && p.r < 105 && p.g > 75 && p.g < 105);
    g_object_unref(out);
    avatar_out_free(&o);
    g_free(in.p);

    /* 16 bits per channel */
    VipsImage *c8 = solid(120, 120, 0, 0, 255), *c16, *c16t;
    assert_int_equal(vips_colourspace(c8, &c16, VIPS_INTERPRETATION_RGB16, NULL), 0);
    g_object_unref(c8);
    assert_int_equal(vips_image_get_format(c16), VIPS_FORMAT_USHORT);
    assert_int_equal(vips_copy(c16, &c16t, NULL), 0);
    g_object_unref(c16);
    in = save_unref(c16t, "png");
    assert_int_equal(in.p[24], 16); /* IHDR bit depth */
    assert_int_equal(process(in, &o), AVATAR_OK);
    out = decode_out(&o);
    assert_colour(pixel(out, 128, 128), 'b');
    g_object_unref(out);
    avatar_out_free(&o);
    g_free(in.p);
}

static void test_truncated(void **state) {
    (void)state;
    static const char *const fmts[] = { "png", "jpeg", "webp" };
    for (size_t i = 0; i < 3; i++) {
        blob_t full = save_unref(noise(400, 300, 7), fmts[i]);
        assert_int_equal(process_code(full), AVATAR_OK);
        size_t cuts[] = { full.n / 2, full.n * 9 / 10, 40, 13 };
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            blob_t part = { full.p, cuts[c] };
            int rc = process_code(part);
            if (rc != AVATAR_E_DECODE) fail_msg("%s cut to %zu of %zu: %d", fmts[i], cuts[c], full.n, rc);
        }
        /* the same length with the tail overwritten */
        uint8_t *bad = g_memdup2(full.p, full.n);
        memset(bad + full.n / 3, 0xA5, full.n - full.n / 3);
        blob_t corrupt = { bad, full.n };
        assert_int_equal(process_code(corrupt), AVATAR_E_DECODE);
        g_free(bad);
        g_free(full.p);
    }
    /* magic and nothing else */
    assert_int_equal(process_code((blob_t){ (uint8_t *)"\x89PNG\r\n\x1a\n", 8 }), AVATAR_E_DECODE);
    assert_int_equal(process_code((blob_t){ (uint8_t *)"\xff\xd8\xff", 3 }), AVATAR_E_DECODE);
    assert_int_equal(process_code((blob_t){ (uint8_t *)"RIFF\0\0\0\0WEBP", 12 }), AVATAR_E_DECODE);
}

static void test_unsupported_formats(void **state) {
    (void)state;
#define LIT(s) { (uint8_t *)(s), sizeof(s) - 1 }
    static const blob_t others[] = {
        LIT("hello, this is a text file\n"),
        LIT("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
        LIT("<?xml version=\"1.0\"?><svg/>"),
        LIT("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        LIT("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"),
        LIT("RIFF\x24\x00\x00\x00WAVEfmt "),
        LIT("%PDF-1.4\n"),
        LIT("\x89PNG\r\n"),                        /* short of the 8-byte signature */
        LIT("\xff\xd8"),                            /* short of the 3-byte JPEG start */
        LIT("\x00\x00\x00\x0cjP  \r\n\x87\n"),      /* JPEG 2000 */
        LIT("\x00\x00\x00\x18" "ftypheic\x00\x00\x00\x00"), /* HEIC */
        LIT("II*\x00\x08\x00\x00\x00"),              /* TIFF */
    };
#undef LIT
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        assert_int_equal(process_code(others[i]), AVATAR_E_FORMAT);
    assert_int_equal(process_code((blob_t){ NULL, 0 }), AVATAR_E_FORMAT);
    assert_int_equal(process_code((blob_t){ (uint8_t *)"", 0 }), AVATAR_E_FORMAT);

    /* real GIF and TIFF files from libvips */
    blob_t gif = save_unref(solid(32, 32, 255, 0, 0), "gif");
    assert_memory_equal(gif.p, "GIF8", 4);
    assert_int_equal(process_code(gif), AVATAR_E_FORMAT);
    g_free(gif.p);
    blob_t tif = save_unref(solid(32, 32, 255, 0, 0), "tiff");
    assert_int_equal(process_code(tif), AVATAR_E_FORMAT);
    g_free(tif.p);
}

static void test_too_big(void **state) {
    (void)state;
    size_t n = AVATAR_MAX_BYTES + 1;
    uint8_t *p = calloc(1, n);
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(process_code((blob_t){ p, n }), AVATAR_E_TOO_BIG);
    assert_int_equal(process_code((blob_t){ p, SIZE_MAX }), AVATAR_E_TOO_BIG); /* size only, never read */
    /* at the limit: past the size check, then not a decodable PNG */
    assert_int_equal(process_code((blob_t){ p, AVATAR_MAX_BYTES }), AVATAR_E_DECODE);
    free(p);

    /* a real image padded past the limit with trailing bytes is still too big */
    blob_t small = save_unref(solid(16, 16, 1, 2, 3), "png");
    uint8_t *padded = calloc(1, n);
    memcpy(padded, small.p, small.n);
    assert_int_equal(process_code((blob_t){ padded, n }), AVATAR_E_TOO_BIG);
    free(padded);
    g_free(small.p);
}

static void test_strerror(void **state) {
    (void)state;
    assert_string_equal(avatar_strerror(AVATAR_OK), "ok");
    assert_string_equal(avatar_strerror(AVATAR_E_TOO_BIG), "too_big");
    assert_string_equal(avatar_strerror(AVATAR_E_FORMAT), "unsupported_format");
    assert_string_equal(avatar_strerror(AVATAR_E_DIMENSIONS), "too_many_pixels");
    assert_string_equal(avatar_strerror(AVATAR_E_DECODE), "undecodable");
    assert_string_equal(avatar_strerror(AVATAR_E_INTERNAL), "internal");
    assert_string_equal(avatar_strerror(-1000), "internal");
    assert_string_equal(avatar_strerror(7), "internal");
}

static void test_identicon(void **state) {
    (void)state;
    size_t la, lb, lc, ld;
    char *a = avatar_identicon_svg(42, "alice", &la);
    char *b = avatar_identicon_svg(42, "alice", &lb);
    char *c = avatar_identicon_svg(42, "bob", &lc);
    char *d = avatar_identicon_svg(43, "alice", &ld);
    assert_int_equal(la, strlen(a));
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    assert_int_equal(strncmp(a, "<svg ", 5), 0);
    assert_non_null(strstr(a, "xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(a, "width=\"256\""));
    assert_non_null(strstr(a, "height=\"256\""));
    assert_non_null(strstr(a, "viewBox=\""));
    assert_int_equal(strcmp(a + la - 6, "</svg>"), 0);
    free(b);
    free(c);
    free(d);
    free(a);

    /* hostile seeds are hashed, never embedded */
    const char *seeds[] = { NULL, "", "<script>alert(1)</script>", "\" onload=\"x", "]]><!ENTITY x SYSTEM \"file:///\">",
                            "javascript:alert(1)", "http://evil.example/x.svg#a" };
    char *prev = NULL;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        size_t n;
        char *s = avatar_identicon_svg((int64_t)i - 3, seeds[i], &n);
        assert_int_equal(n, strlen(s));
        assert_true(n < AVATAR_SVG_MAX);
        assert_int_equal(strncmp(s, "<svg", 4), 0);
        assert_null(strstr(s, "<script"));
        assert_null(strstr(s, "href"));
        assert_null(strstr(s, "alert"));
        assert_null(strstr(s, "evil"));
        assert_null(strstr(s, "ENTITY"));
        assert_null(strstr(s, "<!"));
        assert_null(strstr(s, "on"));   /* no event handler attribute */
        assert_null(strstr(s, "url("));
        /* only our own characters */
        for (size_t k = 0; k < n; k++)
            if (!strchr("<>/=\" #.:-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", s[k]))
                fail_msg("unexpected byte %#x in identicon", (unsigned char)s[k]);
        if (prev) assert_string_not_equal(s, prev);
        free(prev);
        prev = s;
    }
    free(prev);
    char *nolen = avatar_identicon_svg(INT64_MIN, "x", NULL);
    assert_non_null(nolen);
    free(nolen);

    /* the identicon renders as an image: libvips' SVG loader is blocked here, so check the
     * shape by counting cells: 1..25 squares, mirrored, so the path is non-empty */
    char *s = avatar_identicon_svg(7, "carol", NULL);
    char *path = strstr(s, " d=\"M");
    assert_non_null(path);
    free(s);
}

/* The committed fixtures that the integration tests upload. */
static void test_fixtures(void **state) {
    (void)state;
    static const struct { const char *name; int want; } fx[] = {
        { "ok.png", AVATAR_OK }, { "ok.jpg", AVATAR_OK }, { "ok.webp", AVATAR_OK },
        { "truncated.png", AVATAR_E_DECODE }, { "text.png", AVATAR_E_FORMAT }, { "bomb.png", AVATAR_E_DIMENSIONS },
    };
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "tests/fixtures/images/%s", fx[i].name);
        gchar *p = NULL;
        gsize n = 0;
        if (!g_file_get_contents(path, &p, &n, NULL)) fail_msg("cannot read %s (run from the repo root)", path);
        assert_true(n < 64 * 1024);
        avatar_out_t o;
        int rc = avatar_process(p, n, &o);
        if (rc != fx[i].want) fail_msg("%s: got %d, want %d", fx[i].name, rc, fx[i].want);
        if (rc == AVATAR_OK) {
            VipsImage *im = decode_out(&o);
            g_object_unref(im);
        }
        avatar_out_free(&o);
        g_free(p);
    }
}

/* Several threads at once give the same bytes as one thread alone. */
#define N_THREADS 4
#define N_ROUNDS 6
typedef struct { blob_t in; const avatar_out_t *want; int failures; } thread_job_t;

static void *worker(void *arg) {
    thread_job_t *j = arg;
    for (int r = 0; r < N_ROUNDS; r++) {
        avatar_out_t o;
        if (avatar_process(j->in.p, j->in.n, &o) != AVATAR_OK || o.len != j->want->len ||
            memcmp(o.data, j->want->data, o.len) != 0)
            j->failures++;
        avatar_out_free(&o);
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    blob_t ins[N_THREADS] = {
        save_unref(noise(900, 700, 1), "jpeg"), save_unref(noise(700, 900, 2), "png"),
        save_unref(noise(800, 800, 3), "webp"), save_unref(stripes(1200, 600, VIPS_DIRECTION_HORIZONTAL), "jpeg"),
    };
    avatar_out_t want[N_THREADS];
    thread_job_t jobs[N_THREADS];
    pthread_t th[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        assert_int_equal(process(ins[i], &want[i]), AVATAR_OK);
        jobs[i] = (thread_job_t){ ins[i], &want[i], 0 };
    }
    for (int i = 0; i < N_THREADS; i++) assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
    for (int i = 0; i < N_THREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 0; i < N_THREADS; i++) {
        assert_int_equal(jobs[i].failures, 0);
        avatar_out_free(&want[i]);
        g_free(ins[i].p);
    }
}

/* Not a benchmark with a threshold, just the cost of a typical upload, printed. */
static void test_timing_1mp_jpeg(void **state) {
    (void)state;
    blob_t in = save_unref(noise(1200, 850, 11), "jpeg"); /* ~1 MP, worst-case content */
    avatar_out_t o;
    assert_int_equal(process(in, &o), AVATAR_OK); /* warm up */
    avatar_out_free(&o);
    enum { N = 10 };
    uint64_t t0 = now_mono_us();
    for (int i = 0; i < N; i++) {
        assert_int_equal(process(in, &o), AVATAR_OK);
        avatar_out_free(&o);
    }
    double ms = (double)(now_mono_us() - t0) / 1000.0 / N;
    print_message("avatar_process, 1200x850 JPEG (%zu KiB): %.1f ms per call\n", in.n / 1024, ms);
    assert_true(ms < 5000);
    g_free(in.p);
}

static int setup(void **state) {
    (void)state;
    return avatar_init() == AVATAR_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    avatar_shutdown();
    return 0;
}

/* ---- fixture and corpus writers ---- */

static void write_file(const char *dir, const char *name, const void *p, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    printf("%s: %zu bytes\n", path, n);
}

static void write_blob(const char *dir, const char *name, blob_t b, bool gfree) {
    write_file(dir, name, b.p, b.n);
    if (gfree) g_free(b.p);
    else free(b.p);
}

static int write_fixtures(const char *dir) {
    VipsImage *jpeg_src = with_metadata(stripes(96, 64, VIPS_DIRECTION_HORIZONTAL), 1);
    write_blob(dir, "ok.png", save_unref(stripes(96, 64, VIPS_DIRECTION_HORIZONTAL), "png"), true);
    write_blob(dir, "ok.jpg", save(jpeg_src, "jpeg"), true);
    write_blob(dir, "ok.webp", save_unref(stripes(96, 64, VIPS_DIRECTION_HORIZONTAL), "webp"), true);
    blob_t t = save_unref(noise(48, 48, 5), "png");
    write_file(dir, "truncated.png", t.p, t.n / 2);
    g_free(t.p);
    static const char text[] = "This is a text file, not a PNG, whatever its name says.\n";
    write_file(dir, "text.png", text, sizeof text - 1);
    write_blob(dir, "bomb.png", bomb_png(20000, 20000), false);
    g_object_unref(jpeg_src);
    return 0;
}

static int write_corpus(const char *dir) {
    write_blob(dir, "ok.png", save_unref(stripes(12, 8, VIPS_DIRECTION_HORIZONTAL), "png"), true);
    write_blob(dir, "ok.jpg", save_unref(with_metadata(solid(16, 8, 10, 200, 30), 6), "jpeg"), true);
    write_blob(dir, "ok.webp", save_unref(stripes(12, 8, VIPS_DIRECTION_VERTICAL), "webp"), true);
    blob_t lossless;
    VipsImage *im = solid(8, 8, 0, 0, 255);
    assert_int_equal(vips_webpsave_buffer(im, (void **)&lossless.p, &lossless.n, "lossless", TRUE, NULL), 0);
    g_object_unref(im);
    write_blob(dir, "lossless.webp", lossless, true);
    blob_t t = save_unref(noise(16, 16, 9), "png");
    write_file(dir, "truncated.png", t.p, t.n * 2 / 3);
    g_free(t.p);
    t = save_unref(noise(16, 16, 9), "jpeg");
    write_file(dir, "truncated.jpg", t.p, t.n * 2 / 3);
    g_free(t.p);
    write_blob(dir, "bomb.png", bomb_png(20000, 20000), false);
    write_blob(dir, "bomb.webp", bomb_webp(16000, 16000), false);
    write_blob(dir, "bomb.jpg", bomb_jpeg(30000, 30000), false);
    write_blob(dir, "progressive-header.jpg", jpeg_header(6000, 5000, true), false);
    write_blob(dir, "lossy-header.webp", webp_lossy_header(6000, 6000), false);
    write_blob(dir, "interlaced16-header.png", png_header(6000, 6000, 6, 16, true), false);
    VipsImage *small = stripes(9, 6, VIPS_DIRECTION_HORIZONTAL);
    void *p;
    size_t n;
    assert_int_equal(vips_pngsave_buffer(small, &p, &n, "interlace", TRUE, NULL), 0);
    write_blob(dir, "interlaced.png", (blob_t){ p, n }, true);
    assert_int_equal(vips_jpegsave_buffer(small, &p, &n, "interlace", TRUE, NULL), 0);
    write_blob(dir, "progressive.jpg", (blob_t){ p, n }, true);
    g_object_unref(small);
    static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    write_file(dir, "not-an-image.gif", gif, sizeof gif - 1);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && (strcmp(argv[1], "--write-fixtures") == 0 || strcmp(argv[1], "--write-corpus") == 0)) {
        if (avatar_init() != AVATAR_OK) return 1;
        int rc = strcmp(argv[1], "--write-fixtures") == 0 ? write_fixtures(argv[2]) : write_corpus(argv[2]);
        avatar_shutdown();
        return rc;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bomb_refused_before_decoding),
        cmocka_unit_test(test_formats_accepted),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_centre_crop),
        cmocka_unit_test(test_exif_rotation_and_metadata_stripped),
        cmocka_unit_test(test_icc_converted_and_stripped),
        cmocka_unit_test(test_alpha_grey_16bit),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_unsupported_formats),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_identicon),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_timing_1mp_jpeg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
