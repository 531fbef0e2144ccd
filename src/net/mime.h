/* Content types, compressibility and cache policy by file name. */
#ifndef PONGD_MIME_H
#define PONGD_MIME_H

#include <stdbool.h>
#include "util.h"

/* Content-Type for a file name by its extension (case-insensitive);
 * "application/octet-stream" when unknown. The result is a static string. */
const char *mime_type(span_t name);

/* Worth gzipping: text types (css, js, mjs, json, svg, txt, map, xml, wasm); not HTML
 * documents (BREACH, docs/security.md). */
bool mime_compressible(span_t name);

/* A content-hashed build output: "<name>-<HASH>.<ext>" where HASH is 8-64 characters, all
 * [A-Z0-9] (esbuild) or all lowercase hex. Such names never change content, so they are
 * cached for a year as immutable. */
bool mime_is_hashed_name(span_t name);

/* Formats a strong ETag for content with the given 128-bit digest into out (>= 40 bytes):
 * "\"<32 hex>\"", or with suffix (e.g. "-gz") before the closing quote. */
void mime_etag(const unsigned char digest[16], const char *suffix, char *out, size_t cap);

/* Does an If-None-Match header value match etag (weak comparison, "*" matches)? */
bool mime_etag_matches(const char *if_none_match, const char *etag);

#endif
