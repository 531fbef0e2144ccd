/* avatar — upload processing with libvips, and the SVG identicon. See avatar.h. */
#include "avatar.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <vips/vips.h>

#include "util.h"

typedef enum { FMT_NONE, FMT_PNG, FMT_JPEG, FMT_WEBP } fmt_t;

/* avatar_process calls in progress, process-wide: the last one of a burst returns the
 * memory freed by the decodes to the system (malloc_trim). A counter, not state. */
static atomic_int g_decoding;

/* The three libvips loaders left unblocked (GType names of the *_buffer loaders). */
static const char *const ALLOWED_LOADERS[] = {
    "VipsForeignLoadPngBuffer",
    "VipsForeignLoadJpegBuffer",
    "VipsForeignLoadWebpBuffer",
};

static void drop_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer user) {
    (void)domain; (void)level; (void)msg; (void)user;
}

int avatar_init(void) {
    if (sodium_init() < 0) return AVATAR_E_INTERNAL;
    if (VIPS_INIT("pongd")) return AVATAR_E_INTERNAL;
    /* one worker thread per pipeline and no operation cache: memory stays proportional to
     * the calls in progress, and a call's cost does not depend on earlier calls */
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    /* block every loader (the untrusted ones first, for good measure), then allow ours */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (size_t i = 0; i < sizeof ALLOWED_LOADERS / sizeof ALLOWED_LOADERS[0]; i++)
        vips_operation_block_set(ALLOWED_LOADERS[i], FALSE);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                      drop_log, NULL);
    return AVATAR_OK;
}

void avatar_shutdown(void) { vips_shutdown(); }

const char *avatar_strerror(int code) {
    switch (code) {
    case AVATAR_OK: return "ok";
    case AVATAR_E_TOO_BIG: return "too_big";
    case AVATAR_E_FORMAT: return "unsupported_format";
    case AVATAR_E_DIMENSIONS: return "too_many_pixels";
    case AVATAR_E_DECODE: return "undecodable";
    default: return "internal";
    }
}

void avatar_out_free(avatar_out_t *out) {
    if (!out) return;
    free(out->data);
    *out = (avatar_out_t){ 0 };
}

/* ---- processing ---- */

static fmt_t sniff(const uint8_t *p, size_t n) {
    static const uint8_t png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (n >= sizeof png && memcmp(p, png, sizeof png) == 0) return FMT_PNG;
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return FMT_JPEG;
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) return FMT_WEBP;
    return FMT_NONE;
}

/* Opens data with the one loader its magic names: the header now, pixels on demand, read
 * once from top to bottom, failing on truncation or corruption. shrink is the JPEG
 * shrink-on-load factor (1, 2, 4 or 8); scale the WebP one (<= 1). */
static int open_image(fmt_t f, const void *data, size_t len, int shrink, double scale, VipsImage **im) {
    void *buf = (void *)data; /* libvips takes void * but only reads */
    switch (f) {
    case FMT_PNG:
        return vips_pngload_buffer(buf, len, im, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR,
                                   NULL);
    case FMT_JPEG:
        return vips_jpegload_buffer(buf, len, im, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR,
                                    "shrink", shrink, NULL);
    case FMT_WEBP:
        return vips_webpload_buffer(buf, len, im, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR,
                                    "scale", scale, NULL);
    default:
        return -1;
    }
}

/* How much smaller the short side is than the target (>= 1 when shrinking). */
static double common_shrink(int w, int h) {
    int side = w < h ? w : h;
    return (double)side / AVATAR_SIZE;
}

/* libjpeg's block shrink is coarse: leave at least 2× for the resampler, like
 * vips_thumbnail does. */
static int jpeg_shrink(double s) {
    if (s >= 16) return 8;
    if (s >= 8) return 4;
    if (s >= 4) return 2;
    return 1;
}

static uint32_t get32le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put32le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put24le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 3; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The canvas size a WebP declares in its first chunk (VP8X, VP8L or VP8, the only three
 * a WebP may start with), and whether libwebp must hold the whole canvas while decoding:
 * lossless (VP8L keeps w × h 32-bit pixels) or animated. false if malformed. */
static bool webp_header(const uint8_t *p, size_t n, int *w, int *h, bool *whole) {
    if (n < 30) return false;
    const uint8_t *c = p + 12, *d = p + 20; /* first chunk header, its data */
    if (memcmp(c, "VP8X", 4) == 0) {
        *w = 1 + (int)(d[4] | d[5] << 8 | d[6] << 16);
        *h = 1 + (int)(d[7] | d[8] << 8 | d[9] << 16);
        *whole = true; /* unless a lossy still image chunk turns up below */
        if (d[0] & 0x02) return true; /* animation */
        for (size_t at = 12; n - at >= 8;) { /* at <= n throughout */
            const uint8_t *k = p + at;
            if (memcmp(k, "VP8 ", 4) == 0) {
                *whole = false;
                break;
            }
            if (memcmp(k, "VP8L", 4) == 0) break;
            size_t skip = 8 + (size_t)get32le(k + 4);
            skip += skip & 1;
            if (skip > n - at) break;
            at += skip;
        }
    } else if (memcmp(c, "VP8L", 4) == 0) {
        if (d[0] != 0x2f) return false;
        uint32_t bits = get32le(d + 1);
        *w = 1 + (int)(bits & 0x3fff);
        *h = 1 + (int)(bits >> 14 & 0x3fff);
        *whole = true;
    } else if (memcmp(c, "VP8 ", 4) == 0) {
        if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a) return false; /* key frame start code */
        *w = (d[6] | d[7] << 8) & 0x3fff;
        *h = (d[8] | d[9] << 8) & 0x3fff;
        *whole = false;
    } else {
        return false;
    }
    return true;
}

/* Bytes the decoder holds at once for an image it cannot stream: an interlaced PNG is
 * decoded whole, a progressive JPEG keeps every 16-bit DCT coefficient, a lossless or
 * animated WebP a 32-bit canvas. 0 for the streamed kinds (their cost is a few rows). */
static uint64_t whole_image_bytes(fmt_t f, VipsImage *head, int w, int h, bool webp_whole) {
    uint64_t px = (uint64_t)w * (uint64_t)h;
    if (f == FMT_WEBP) return webp_whole ? px * 4 : 0;
    int interlaced = 0;
    if (!vips_image_get_typeof(head, "interlaced") || vips_image_get_int(head, "interlaced", &interlaced) ||
        !interlaced)
        return 0;
    uint64_t sample = f == FMT_JPEG ? 2 : (uint64_t)vips_format_sizeof(vips_image_get_format(head));
    return px * (uint64_t)vips_image_get_bands(head) * sample;
}

/* Rewrites the still AVATAR_SIZE² WebP that libvips made, keeping the image chunks only
 * (VP8 or VP8L, and ALPH): EXIF, ICCP and XMP go, whatever libvips wrote (8.14 adds an
 * EXIF block of its own even with "strip"). A VP8X header, with only its alpha flag, is
 * kept when an ALPH chunk needs one. false if the container is not as expected. */
static bool webp_pixels_only(const uint8_t *p, size_t n, uint8_t **out, size_t *out_len) {
    if (n < 20 || memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WEBP", 4) != 0 || (size_t)get32le(p + 4) + 8 != n)
        return false;
    const uint8_t *alph = NULL, *image = NULL; /* chunk starts, header included */
    size_t alph_len = 0, image_len = 0;
    for (size_t at = 12; at < n;) {
        if (n - at < 8) return false;
        size_t size = get32le(p + at + 4), whole = 8 + size + (size & 1);
        if (size > n - at - 8 || whole > n - at) return false;
        const uint8_t *c = p + at;
        if (memcmp(c, "VP8 ", 4) == 0 || memcmp(c, "VP8L", 4) == 0) {
            if (image) return false;
            image = c, image_len = whole;
        } else if (memcmp(c, "ALPH", 4) == 0) {
            if (alph) return false;
            alph = c, alph_len = whole;
        } else if (memcmp(c, "ANIM", 4) == 0 || memcmp(c, "ANMF", 4) == 0) {
            return false; /* never made here */
        } /* VP8X, EXIF, ICCP, XMP and anything unknown: dropped */
        at += whole;
    }
    if (!image || (alph && memcmp(image, "VP8 ", 4) != 0)) return false;
    enum { VP8X_LEN = 8 + 10 };
    size_t len = 12 + (alph ? VP8X_LEN + alph_len : 0) + image_len;
    uint8_t *o = xmalloc(len), *w = o + 12;
    memcpy(o, "RIFF", 4);
    put32le(o + 4, (uint32_t)(len - 8));
    memcpy(o + 8, "WEBP", 4);
    if (alph) {
        memcpy(w, "VP8X", 4);
        put32le(w + 4, 10);
        w[8] = 0x10; /* alpha */
        w[9] = w[10] = w[11] = 0;
        put24le(w + 12, AVATAR_SIZE - 1);
        put24le(w + 15, AVATAR_SIZE - 1);
        w += VP8X_LEN;
        memcpy(w, alph, alph_len);
        w += alph_len;
    }
    memcpy(w, image, image_len);
    *out = o;
    *out_len = len;
    return true;
}

static int process(const void *data, size_t len, avatar_out_t *out);

int avatar_process(const void *data, size_t len, avatar_out_t *out) {
    atomic_fetch_add(&g_decoding, 1);
    int rc = process(data, len, out);
    /* A decode frees tens of megabytes in pieces that glibc keeps in the worker thread's
     * arena (and raises its mmap threshold, so the next big buffers come from the arena
     * too): without this the process kept 100+ MB after a burst of large uploads. Once
     * per burst (the last decode out), a few milliseconds. */
    if (atomic_fetch_sub(&g_decoding, 1) == 1) malloc_trim(0);
    return rc;
}

static int process(const void *data, size_t len, avatar_out_t *out) {
    *out = (avatar_out_t){ 0 };
    if (len > AVATAR_MAX_BYTES) return AVATAR_E_TOO_BIG;
    fmt_t f = data ? sniff(data, len) : FMT_NONE;
    if (f == FMT_NONE) return AVATAR_E_FORMAT;

    VipsImage *head = NULL, *in = NULL, *square = NULL, *thumb = NULL, *rgb = NULL, *bare = NULL;
    void *pixels = NULL, *webp = NULL;
    size_t pixels_len = 0, webp_len = 0;
    int rc = AVATAR_E_DECODE;

    /* The header only: nothing is decoded before the size is known to be acceptable.
     * WebP's is read here, because libvips' WebP loader allocates a canvas-sized frame
     * while it reads the header (1 GiB of address space for a 16384² declaration). */
    int w = 0, h = 0;
    bool webp_whole = false;
    if (f == FMT_WEBP) {
        if (!webp_header(data, len, &w, &h, &webp_whole)) goto done;
    } else {
        if (open_image(f, data, len, 1, 1.0, &head)) goto done;
        w = vips_image_get_width(head), h = vips_image_get_height(head);
    }
    if (w <= 0 || h <= 0) goto done; /* an empty image is malformed, not too big */
    if ((unsigned)w > AVATAR_MAX_SIDE || (unsigned)h > AVATAR_MAX_SIDE ||
        (uint64_t)w * (uint64_t)h > AVATAR_MAX_PIXELS ||
        whole_image_bytes(f, head, w, h, webp_whole) > AVATAR_MAX_WHOLE_BYTES) {
        rc = AVATAR_E_DIMENSIONS;
        goto done;
    }

    /* shrink-on-load where the decoder can do it cheaply */
    double s = common_shrink(w, h);
    if (f == FMT_JPEG && jpeg_shrink(s) > 1) {
        if (open_image(f, data, len, jpeg_shrink(s), 1.0, &in)) goto done;
    } else if (f == FMT_WEBP) {
        if (open_image(f, data, len, 1, s > 1.0 ? 1.0 / s : 1.0, &in)) goto done;
        if (vips_image_get_width(in) > w || vips_image_get_height(in) > h) goto done; /* not what it declared */
    } else {
        in = head;
        g_object_ref(in);
    }

    /* The centre square first, before any resize: vips_thumbnail would scale the short side
     * to AVATAR_SIZE and only then crop, so an 8192×1 strip would become a 2097152×256
     * image in memory. A centre square does not depend on the EXIF orientation. */
    int iw = vips_image_get_width(in), ih = vips_image_get_height(in), side = iw < ih ? iw : ih;
    if (iw != ih) {
        if (vips_crop(in, &square, (iw - side) / 2, (ih - side) / 2, side, side, NULL)) goto done;
    } else {
        square = in;
        g_object_ref(square);
    }

    /* rotates by EXIF orientation, resizes to AVATAR_SIZE², and converts to sRGB: through
     * the embedded ICC profile if there is one (lcms), else with libvips' own colourspace
     * code (8.14's "export_profile" without an input profile goes through XYZ and shifts
     * saturated colours: pure blue came out 85,15,253) */
    int thumb_rc = vips_image_get_typeof(square, VIPS_META_ICC_NAME)
                       ? vips_thumbnail_image(square, &thumb, AVATAR_SIZE, "height", AVATAR_SIZE, "crop",
                                              VIPS_INTERESTING_CENTRE, "export_profile", "srgb", NULL)
                       : vips_thumbnail_image(square, &thumb, AVATAR_SIZE, "height", AVATAR_SIZE, "crop",
                                              VIPS_INTERESTING_CENTRE, NULL);
    if (thumb_rc) goto done;
    /* 8 bits per channel whatever the source depth (16-bit PNG, a 16-bit ICC transform) */
    VipsInterpretation want = vips_image_get_bands(thumb) >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
    if (vips_colourspace(thumb, &rgb, want, NULL)) goto done;
    /* Decode and render now, into a bare pixel buffer: an image made from it carries no
     * metadata at all, whatever the source had (libvips 8.14's webpsave ignores "strip"
     * and would copy EXIF, ICC and XMP into the output). */
    int bands = vips_image_get_bands(rgb);
    if (!(pixels = vips_image_write_to_memory(rgb, &pixels_len))) goto done;
    if (vips_image_get_width(rgb) != AVATAR_SIZE || vips_image_get_height(rgb) != AVATAR_SIZE ||
        vips_image_get_format(rgb) != VIPS_FORMAT_UCHAR || bands < 1 || bands > 4 ||
        pixels_len != (size_t)AVATAR_SIZE * AVATAR_SIZE * (size_t)bands) {
        rc = AVATAR_E_INTERNAL;
        goto done;
    }
    if (!(bare = vips_image_new_from_memory(pixels, pixels_len, AVATAR_SIZE, AVATAR_SIZE, bands,
                                            VIPS_FORMAT_UCHAR))) {
        rc = AVATAR_E_INTERNAL;
        goto done;
    }
    if (vips_webpsave_buffer(bare, &webp, &webp_len, "Q", AVATAR_QUALITY, "strip", TRUE, NULL) ||
        !webp_pixels_only(webp, webp_len, &out->data, &out->len)) {
        rc = AVATAR_E_INTERNAL;
        goto done;
    }
    out->content_type = "image/webp";
    rc = AVATAR_OK;

done:
    g_free(webp);
    if (bare) g_object_unref(bare);
    g_free(pixels);
    if (rgb) g_object_unref(rgb);
    if (thumb) g_object_unref(thumb);
    if (square) g_object_unref(square);
    if (in) g_object_unref(in);
    if (head) g_object_unref(head);
    /* the message buffer is process-wide and only fills up: the code above is our report */
    if (rc != AVATAR_OK) vips_error_clear();
    return rc;
}

/* ---- identicon ---- */

#define ID_GRID 5                       /* cells per side */
#define ID_CELL 2                       /* viewBox units per cell */
#define ID_VIEW (ID_GRID * ID_CELL + 2) /* one unit of margin on each side */

/* HSL (h in degrees, s and l in 0..1) to 0xRRGGBB. */
static uint32_t hsl_rgb(double hue, double s, double l) {
    double c = (1 - (2 * l - 1 < 0 ? 1 - 2 * l : 2 * l - 1)) * s;
    double hp = hue / 60.0;
    double m2 = hp - 2 * (int)(hp / 2);           /* hp mod 2 */
    double x = c * (1 - (m2 - 1 < 0 ? 1 - m2 : m2 - 1));
    double r = 0, g = 0, b = 0;
    switch ((int)hp) {
    case 0: r = c; g = x; break;
    case 1: r = x; g = c; break;
    case 2: g = c; b = x; break;
    case 3: g = x; b = c; break;
    case 4: r = x; b = c; break;
    default: r = c; b = x; break;
    }
    double m = l - c / 2;
    uint32_t R = (uint32_t)((r + m) * 255 + 0.5), G = (uint32_t)((g + m) * 255 + 0.5), B = (uint32_t)((b + m) * 255 + 0.5);
    return (R << 16) | (G << 8) | B;
}

char *avatar_identicon_svg(int64_t user_id, const char *seed, size_t *len) {
    static const char domain[] = "pongd identicon v1"; /* with its NUL: a separator */
    uint8_t id[8], hash[16];
    for (int i = 0; i < 8; i++) id[i] = (uint8_t)((uint64_t)user_id >> (8 * i));
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof hash);
    crypto_generichash_update(&st, (const unsigned char *)domain, sizeof domain);
    crypto_generichash_update(&st, id, sizeof id);
    if (seed) crypto_generichash_update(&st, (const unsigned char *)seed, strlen(seed));
    crypto_generichash_final(&st, hash, sizeof hash);

    /* 15 bits: 5 rows × 3 columns, the right two columns mirror the left two */
    uint32_t bits = ((uint32_t)hash[0] | (uint32_t)hash[1] << 8) & 0x7fffu;
    if (bits == 0) bits = 1u << 8; /* never blank: the centre cell (row 2, column 2) */
    double hue = (double)(((uint32_t)hash[2] << 8 | hash[3]) % 360u);
    double sat = 0.45 + (double)hash[4] / 255.0 * 0.25;   /* 45..70 % */
    double lig = 0.40 + (double)hash[5] / 255.0 * 0.15;   /* 40..55 %: readable on light grey */
    uint32_t rgb = hsl_rgb(hue, sat, lig);

    buf_t b;
    buf_init(&b, AVATAR_SVG_MAX);
    int rc = buf_printf(&b,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#f0f0f0\"/>"
                        "<path fill=\"#%06x\" d=\"",
                        AVATAR_SIZE, AVATAR_SIZE, ID_VIEW, ID_VIEW, ID_VIEW, ID_VIEW, (unsigned)rgb);
    for (int row = 0; row < ID_GRID; row++) {
        for (int col = 0; col < ID_GRID; col++) {
            int src = col < (ID_GRID + 1) / 2 ? col : ID_GRID - 1 - col;
            if (!(bits >> (row * 3 + src) & 1u)) continue;
            rc |= buf_printf(&b, "M%d %dh%dv%dh-%dz", 1 + col * ID_CELL, 1 + row * ID_CELL, ID_CELL, ID_CELL, ID_CELL);
        }
    }
    rc |= buf_printf(&b, "\"/></svg>");
    if (rc != 0) abort(); /* cannot happen: at most 25 cells, far below AVATAR_SVG_MAX */
    if (len) *len = b.len;
    return b.ptr;
}
