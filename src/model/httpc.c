/* httpc — see httpc.h. */
#include "httpc.h"

#include "mem.h"
#include "util.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *buf;
    size_t len, cap, max;
    bool over;
} sink_t;

static size_t write_cb(char *p, size_t size, size_t n, void *arg) {
    sink_t *s = arg;
    size_t k = size * n;
    if (k > s->max - s->len) {   /* len <= max always */
        s->over = true;
        return 0;                /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (s->len + k + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + k + 1) cap *= 2;
        s->buf = xrealloc(s->buf, cap);
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, k);
    s->len += k;
    s->buf[s->len] = 0;
    return k;
}

/* The URL's host as libcurl parses it, checked against the list. */
static bool host_allowed(const httpc_req_t *req) {
    if (!req->hosts) return true;
    CURLU *u = curl_url();
    char *host = NULL, *scheme = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, req->url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK && strcmp(scheme, "https") == 0 &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    bool found = false;
    for (int i = 0; ok && i < req->n_hosts; i++) found = found || strcasecmp(req->hosts[i], host) == 0;
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return ok && found;
}

int httpc_fetch(const httpc_req_t *req, httpc_resp_t *out) {
    memset(out, 0, sizeof *out);
    if (!req->url || strncmp(req->url, "https://", 8) != 0 || !host_allowed(req)) return ERR_INVALID;
    CURL *c = curl_easy_init();
    if (!c) return ERR_IO;
    sink_t s = { .max = req->max_bytes };
    struct curl_slist *hdr = NULL;
    char auth[600];
    if (req->bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", req->bearer);
        hdr = curl_slist_append(hdr, auth);
    }
    hdr = curl_slist_append(hdr, "Accept: application/json, image/*");
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_file && req->ca_file[0]) curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_file);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "pongd (Log in with 42)");
    if (req->form) curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->form);
    int t = req->timeout_s > 0 ? req->timeout_s : 10;
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(t > 1 ? t / 2 : 1));
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)t);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);   /* worker threads: no SIGALRM for timeouts */
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    CURLcode rc = curl_easy_perform(c);
    int ret = 0;
    if (rc == CURLE_OPERATION_TIMEDOUT) ret = OAUTH_E_TIMEOUT;
    else if (s.over || rc == CURLE_FILESIZE_EXCEEDED) ret = ERR_LIMIT;
    else if (rc != CURLE_OK) ret = ERR_IO;
    if (ret == 0) {
        long status = 0;
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        out->status = (int)status;
        snprintf(out->content_type, sizeof out->content_type, "%s", ct ? ct : "");
        out->body = s.buf ? s.buf : xcalloc(1, 1);
        out->len = s.len;
    } else {
        free(s.buf);
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return ret;
}

void httpc_free(httpc_resp_t *out) {
    free(out->body);
    memset(out, 0, sizeof *out);
}
