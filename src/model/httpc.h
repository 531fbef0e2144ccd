/* httpc — one outbound HTTPS request (libcurl), for Log in with 42's token exchange, user
 * info and avatar. Blocking: worker threads only (the general pool), never the loop.
 *
 * Safety: https only (no other protocol, no redirects followed); certificates and host
 * names always verified, against the system's CAs plus an optional extra bundle (tests give
 * a throw-away CA; verification is never switched off); a connect timeout and a whole-call
 * timeout; the answer's body is kept only up to max_bytes (more fails); an optional list of
 * allowed hosts is checked on the URL libcurl itself parsed before anything is sent. */
#ifndef PONGD_HTTPC_H
#define PONGD_HTTPC_H

#include <stddef.h>

typedef struct {
    const char *url;              /* https:// */
    const char *form;             /* application/x-www-form-urlencoded body: a POST; NULL: a GET */
    const char *bearer;           /* Authorization: Bearer <bearer>, or NULL */
    const char *ca_file;          /* an extra PEM CA bundle, or NULL/"" */
    const char (*hosts)[128];     /* the URL's host must be one of these (case-insensitive); NULL: any */
    int n_hosts;
    int timeout_s;                /* the whole call; connecting gets at most half */
    size_t max_bytes;             /* the body kept: more → ERR_LIMIT */
} httpc_req_t;

typedef struct {
    int status;                   /* the HTTP status (0: none) */
    char *body;                   /* malloc'd, NUL-terminated (the caller frees it; httpc_free) */
    size_t len;
    char content_type[64];
} httpc_resp_t;

/* Sends the request. 0 with *out filled (any HTTP status: the caller judges it);
 * OAUTH_E_TIMEOUT when the time ran out, ERR_LIMIT past max_bytes, ERR_INVALID for a URL that
 * is not https or names a host not allowed, ERR_IO for any other failure (connection, TLS,
 * certificate). On failure *out holds nothing to free. Needs curl_global_init (mail_init). */
int httpc_fetch(const httpc_req_t *req, httpc_resp_t *out);
void httpc_free(httpc_resp_t *out);

#endif
