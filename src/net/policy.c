/* policy — see policy.h. */
#include "policy.h"

#include <stdio.h>

#define CSP                                                                                                  \
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " \
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "            \
    "frame-ancestors 'none'"

static const policy_header_t HEADERS[] = {
    { "strict-transport-security:", "max-age=31536000" },
    { "content-security-policy:", CSP },
    { "x-content-type-options:", "nosniff" },
    { "referrer-policy:", "strict-origin-when-cross-origin" },
    { "x-frame-options:", "DENY" },
};

const policy_header_t *policy_headers(size_t *n) {
    *n = sizeof HEADERS / sizeof HEADERS[0];
    return HEADERS;
}

size_t policy_headers_raw(char *out, size_t cap) {
    size_t len = 0;
    for (size_t i = 0; i < sizeof HEADERS / sizeof HEADERS[0]; i++) {
        int w = snprintf(out + len, cap - len, "%s %s\r\n", HEADERS[i].name, HEADERS[i].value);
        if (w < 0 || (size_t)w >= cap - len) return 0;
        len += (size_t)w;
    }
    return len;
}
