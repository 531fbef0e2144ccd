/* policy — the security headers every HTTP response carries (HSTS, the strict CSP,
 * nosniff, referrer policy, framing), written in one place: the glue adds them to every
 * response head, and the raw 431 answer (written before lws has a response) is built from
 * the same table. */
#ifndef PONGD_POLICY_H
#define PONGD_POLICY_H

#include <stddef.h>

typedef struct {
    const char *name;    /* lowercase, with the colon, as lws_add_http_header_by_name takes it */
    const char *value;
} policy_header_t;

/* The headers, in order; *n gets their number. Static. */
const policy_header_t *policy_headers(size_t *n);

/* Writes them as "name value\r\n" lines into out (NUL-terminated). The length written, or
 * 0 when cap is too small. */
size_t policy_headers_raw(char *out, size_t cap);

#endif
