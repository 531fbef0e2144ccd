/* avatar — profile pictures: an uploaded PNG, JPEG or WebP becomes a 256×256 WebP with no
 * metadata (libvips), and a deterministic SVG identicon is the default for users without one.
 *
 * Safety: the format is decided by the file's magic bytes only, and every libvips loader
 * but the PNG, JPEG and WebP buffer loaders is blocked for the whole process (avatar_init).
 * The declared pixel size is checked from the header before any pixel is decoded, so a
 * small file declaring a huge image (a decompression bomb) costs no memory. Decoding fails
 * on truncated or corrupt data instead of returning a partly grey picture.
 *
 * Output: EXIF orientation applied, centre-cropped to a square, resized to AVATAR_SIZE²,
 * converted to sRGB through any embedded ICC profile, alpha kept (WebP has alpha; the page
 * chooses the background), 8 bits per channel, then saved as lossy WebP with every
 * metadata chunk stripped (EXIF, ICC, XMP, comments): only pixels leave this module.
 *
 * Threading: avatar_process takes milliseconds to tens of milliseconds of CPU and runs on
 * worker threads only, never on the event loop; several threads may call it at once (the
 * API lets LIM_AVATAR_DECODES do so). When the last call in progress returns, the memory
 * the decodes freed is handed back to the system (malloc_trim).
 * avatar_identicon_svg is cheap and may run anywhere. The module keeps no state of its own;
 * avatar_init sets libvips' process-wide settings once.
 */
#ifndef PONGD_AVATAR_H
#define PONGD_AVATAR_H

#include <stddef.h>
#include <stdint.h>

#define AVATAR_MAX_BYTES  (5u * 1024u * 1024u) /* upload size; more -> AVATAR_E_TOO_BIG */
#define AVATAR_MAX_PIXELS (40u * 1000u * 1000u) /* declared width × height */
#define AVATAR_MAX_SIDE   8192u                 /* declared width or height */
/* Most formats decode a few rows at a time; an interlaced PNG, a progressive JPEG and a
 * lossless or animated WebP need the whole picture in memory (w × h × channels × bytes
 * per sample; 2 per DCT coefficient for JPEG, 4 per pixel for WebP): at most this. */
#define AVATAR_MAX_WHOLE_BYTES (128u * 1024u * 1024u)
#define AVATAR_SIZE       256                   /* output is AVATAR_SIZE × AVATAR_SIZE */
#define AVATAR_QUALITY    85                    /* WebP Q */
#define AVATAR_SVG_MAX    8192u                 /* an identicon SVG is far smaller */

enum {
    AVATAR_OK = 0,
    AVATAR_E_TOO_BIG = -1,     /* more than AVATAR_MAX_BYTES: "too_big" */
    AVATAR_E_FORMAT = -2,      /* not PNG, JPEG or WebP by its magic bytes: "unsupported_format" */
    AVATAR_E_DIMENSIONS = -3,  /* past AVATAR_MAX_PIXELS / _SIDE / _WHOLE_BYTES: "too_many_pixels" */
    AVATAR_E_DECODE = -4,      /* truncated, corrupt or otherwise undecodable: "undecodable" */
    AVATAR_E_INTERNAL = -5,    /* decoded, but no valid WebP came out of libvips: "internal" */
};

typedef struct {
    uint8_t *data;             /* malloc'd; the caller frees it (free or avatar_out_free) */
    size_t len;
    const char *content_type;  /* static string "image/webp" */
} avatar_out_t;

/* Once per process, before worker threads use this module: starts libvips, sets one worker
 * thread per pipeline, disables libvips' operation cache, blocks every loader but PNG,
 * JPEG and WebP from memory buffers, and silences libvips' warnings on stderr (a corrupt
 * upload can raise thousands; failures are reported by return codes). 0, or
 * AVATAR_E_INTERNAL if libvips could not start. Calling it again is harmless. */
int avatar_init(void);

/* At process exit, after every avatar_process call has returned: shuts libvips down (it
 * cannot be started again in this process). */
void avatar_shutdown(void);

/* Turns an uploaded image (data, len; not modified, not kept) into the stored avatar.
 * AVATAR_OK: *out holds a malloc'd WebP of AVATAR_SIZE×AVATAR_SIZE owned by the caller.
 * On failure a negative AVATAR_E_* code and *out is zeroed (nothing to free). Checked in
 * this order: size (TOO_BIG), magic bytes (FORMAT), declared dimensions from the header
 * only (DIMENSIONS), then the decode itself (DECODE). Thread-safe; needs avatar_init. */
int avatar_process(const void *data, size_t len, avatar_out_t *out);

/* Frees out->data and zeroes *out; harmless on a zeroed or already-freed result. */
void avatar_out_free(avatar_out_t *out);

/* The stable code for a JSON error ("too_big", "unsupported_format", "too_many_pixels",
 * "undecodable", "internal"; "ok" for AVATAR_OK; "internal" for any unknown code). Static. */
const char *avatar_strerror(int code);

/* The default avatar: a 5×5 horizontally mirrored identicon whose cells and colour come
 * from a BLAKE2b hash of user_id and seed (seed may be NULL, meaning ""; it is hashed, never
 * embedded, so the SVG needs no escaping). A standalone SVG document (xmlns, width, height,
 * viewBox) with no script, no link and no external reference; the same inputs always give
 * the same bytes. Returns a malloc'd NUL-terminated string the caller frees, and its length
 * (without the NUL) in *len if len is not NULL. Never NULL (allocation aborts). */
char *avatar_identicon_svg(int64_t user_id, const char *seed, size_t *len);

#endif
