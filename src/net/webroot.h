/* The built web directory, loaded into memory at start: lookups never touch the disk and
 * can only find files that were inside the root (no path can escape it). */
#ifndef PONGD_WEBROOT_H
#define PONGD_WEBROOT_H

#include <stdbool.h>
#include <stddef.h>
#include "util.h"

typedef struct {
    char *path;             /* URL path, "/static/app-X.js" */
    char *data;
    size_t len;
    char *gz;               /* gzip variant, or NULL when not worth it */
    size_t gz_len;
    char etag[48];
    char etag_gz[48];
    const char *ctype;
    bool immutable;         /* content-hashed name */
} webroot_file_t;

typedef struct webroot webroot_t;

/* Loads every regular file under root (dot-files and symlinks skipped, limits in limits.h).
 * A missing root gives an empty cache. ERR_LIMIT / ERR_IO with a message in err. The
 * caller owns *out and frees it with webroot_free(). */
int webroot_load(webroot_t **out, const char *root, char *err, size_t errlen);

/* The file at a normalised URL path, or NULL. Valid until webroot_free(). */
const webroot_file_t *webroot_find(const webroot_t *c, span_t path);

size_t webroot_count(const webroot_t *c);
size_t webroot_bytes(const webroot_t *c);
void webroot_free(webroot_t *c);

#endif
