/* wsclient: see wsclient.h. */
#define _GNU_SOURCE
#include "wsclient.h"
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void *ws_conns;
size_t ws_stride;
int epfd;
SSL_CTX *ctx;
const char *ws_sni_host;
SSL_SESSION *ws_session;
uint64_t ws_bytes_in;
long n_started, n_inflight, n_open, n_failed, n_closed_by_server;
long close_codes[16]; int close_code_vals[16]; int n_close_kinds;
char first_fail[256];
volatile sig_atomic_t stop_flag;
static struct sockaddr_storage dst;
static socklen_t dst_len;
static uint8_t scratch[1 << 16];

double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void hist_add(hist_t *h, int64_t v) {
    if (v < 0) v = 0;
    uint64_t u = (uint64_t)v;
    unsigned idx;
    if (u < 128) idx = (unsigned)u;
    else {
        int msb = 63 - __builtin_clzll(u);
        int shift = msb - 6;
        idx = (unsigned)(shift * 64 + (u >> shift));
    }
    if (idx >= H_BUCKETS) idx = H_BUCKETS - 1;
    h->b[idx]++;
    h->count++;
    if (u > h->max) h->max = u;
}

/* middle of the bucket */
double hist_q(const hist_t *h, double q) {
    if (!h->count) return 0;
    uint64_t want = (uint64_t)(q * (double)h->count);
    if (want >= h->count) want = h->count - 1;
    uint64_t acc = 0;
    for (unsigned i = 0; i < H_BUCKETS; i++) {
        acc += h->b[i];
        if (acc > want) {
            if (i < 128) return i;
            unsigned shift = i / 64 - 1, mant = i - shift * 64;
            double lo = (double)((uint64_t)mant << shift), hi = (double)((uint64_t)(mant + 1) << shift);
            double mid = (lo + hi) / 2;
            return mid > (double)h->max ? (double)h->max : mid;
        }
    }
    return (double)h->max;
}

uint64_t rng = 0x9E3779B97F4A7C15ull;
uint32_t rnd32(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

SSL_CTX *ws_ctx_new(int release_buffers) {
    SSL_CTX *x = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(x, TLS1_2_VERSION);
    SSL_CTX_set_verify(x, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(x, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                        (release_buffers ? SSL_MODE_RELEASE_BUFFERS : 0));
    SSL_CTX_set_read_ahead(x, 1); /* one read() per wakeup takes every record that is there */
    SSL_CTX_set_alpn_protos(x, (const unsigned char *)"\x08http/1.1", 9);
    return x;
}

int ws_resolve(const char *host, int port) {
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
    char portstr[16]; snprintf(portstr, sizeof portstr, "%d", port);
    if (getaddrinfo(host, portstr, &hints, &ai)) return -1;
    memcpy(&dst, ai->ai_addr, ai->ai_addrlen); dst_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

void note_fail(const char *what, long i) {
    if (!first_fail[0]) {
        unsigned long e = ERR_peek_last_error();
        char eb[160] = "";
        if (e) ERR_error_string_n(e, eb, sizeof eb);
        snprintf(first_fail, sizeof first_fail, "conn %ld: %s%s%s%s%s", i, what,
                 errno ? " errno=" : "", errno ? strerror(errno) : "", eb[0] ? " ssl=" : "", eb);
    }
    ERR_clear_error();
}

void set_events(long i, uint8_t ev) {
    struct wsconn *c = WS(i);
    if (c->events == ev) return;
    struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)i };
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
    c->events = ev;
}

void conn_free(long i) {
    struct wsconn *c = WS(i);
    if (c->ssl) { SSL_free(c->ssl); c->ssl = NULL; }
    if (c->fd >= 0) { close(c->fd); c->fd = -1; }
    free(c->rbuf); c->rbuf = NULL; c->rlen = c->rcap = 0;
    free(c->wbuf); c->wbuf = NULL; c->wlen = c->wcap = 0;
}

void conn_fail(long i, const char *why) {
    struct wsconn *c = WS(i);
    int was = c->state;
    note_fail(why, i);
    conn_free(i);
    if (was == ST_OPEN) { c->state = ST_CLOSED; n_open--; }
    else if (was != ST_CLOSED && was != ST_FAILED) { c->state = ST_FAILED; n_failed++; n_inflight--; }
}

void conn_closed_by_server(long i, int code) {
    struct wsconn *c = WS(i);
    if (c->state == ST_OPEN) { n_open--; n_closed_by_server++; }
    c->state = ST_CLOSED;
    int k;
    for (k = 0; k < n_close_kinds; k++) if (close_code_vals[k] == code) break;
    if (k == n_close_kinds && n_close_kinds < 16) { close_code_vals[k] = code; close_codes[k] = 0; n_close_kinds++; }
    if (k < 16) close_codes[k]++;
    conn_free(i);
}

void ws_close_codes(char *out, size_t size) {
    size_t cl = 0;
    out[0] = 0;
    for (int k = 0; k < n_close_kinds; k++)
        cl += (size_t)snprintf(out + cl, size - cl, "%s%d:%ld", k ? "," : "", close_code_vals[k], close_codes[k]);
    if (!cl) snprintf(out, size, "-");
}

int buf_append(uint8_t **b, uint32_t *len, uint32_t *cap, const void *p, size_t n) {
    if (*len + n > *cap) {
        uint32_t nc = *cap ? *cap : 256;
        while (nc < *len + n) nc *= 2;
        uint8_t *nb = realloc(*b, nc);
        if (!nb) return -1;
        *b = nb; *cap = nc;
    }
    memcpy(*b + *len, p, n);
    *len += (uint32_t)n;
    return 0;
}

int conn_flush(long i) {
    struct wsconn *c = WS(i);
    while (c->wlen) {
        ERR_clear_error();
        int r = SSL_write(c->ssl, c->wbuf, (int)c->wlen);
        if (r > 0) {
            memmove(c->wbuf, c->wbuf + r, c->wlen - (uint32_t)r);
            c->wlen -= (uint32_t)r;
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_WRITE) { c->want_write = 1; set_events(i, EPOLLIN | EPOLLOUT); return 0; }
        if (e == SSL_ERROR_WANT_READ) return 0;
        return -1;
    }
    if (!c->wlen && c->wbuf) { free(c->wbuf); c->wbuf = NULL; c->wcap = 0; }
    c->want_write = 0;
    if (c->state == ST_OPEN || c->state == ST_UPGRADE || c->state == ST_AUTH) set_events(i, EPOLLIN);
    return 0;
}

int send_frame(long i, int opcode, const uint8_t *payload, size_t len) {
    uint8_t f[2200];
    if (len + 8 > sizeof f) return -1;
    size_t h = 0;
    f[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) f[h++] = (uint8_t)(0x80 | len);
    else { f[h++] = 0x80 | 126; f[h++] = (uint8_t)(len >> 8); f[h++] = (uint8_t)len; }
    uint32_t m = rnd32();
    uint8_t mk[4]; memcpy(mk, &m, 4);
    memcpy(f + h, mk, 4); h += 4;
    for (size_t k = 0; k < len; k++) f[h + k] = payload[k] ^ mk[k & 3];
    struct wsconn *c = WS(i);
    if (buf_append(&c->wbuf, &c->wlen, &c->wcap, f, h + len)) return -1;
    return conn_flush(i);
}

void ws_send_upgrade(long i, const char *req, size_t len) {
    struct wsconn *c = WS(i);
    if (buf_append(&c->wbuf, &c->wlen, &c->wcap, req, len) || conn_flush(i)) conn_fail(i, "sending upgrade request");
}

/* parses frames in buf; returns bytes consumed, -1 when the connection must go, -2 gone */
static long parse_frames(long i, const uint8_t *b, size_t n, int64_t now) {
    size_t off = 0;
    while (n - off >= 2) {
        const uint8_t *f = b + off;
        int op = f[0] & 0x0f, masked = f[1] & 0x80;
        uint64_t plen = f[1] & 0x7f;
        size_t h = 2;
        if (plen == 126) { if (n - off < 4) break; plen = ((uint64_t)f[2] << 8) | f[3]; h = 4; }
        else if (plen == 127) {
            if (n - off < 10) break;
            plen = 0; for (int k = 0; k < 8; k++) plen = (plen << 8) | f[2 + k];
            h = 10;
        }
        if (masked) h += 4; /* servers must not mask; tolerate */
        if (plen > (1u << 24)) return -1;
        if (n - off < h + plen) break;
        int r = ws_hook_frame(i, op, f + h, (size_t)plen, now);
        if (r) return r;
        off += h + plen;
    }
    return (long)off;
}

/* reads everything available; handles the HTTP upgrade response and frames */
static void conn_read(long i) {
    struct wsconn *c = WS(i);
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, scratch, sizeof scratch);
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) return;
            if (e == SSL_ERROR_WANT_WRITE) { c->want_write = 1; set_events(i, EPOLLIN | EPOLLOUT); return; }
            if (c->state == ST_OPEN) conn_closed_by_server(i, 1006);
            else ws_hook_dropped(i, e);
            return;
        }
        ws_bytes_in += (uint64_t)r;
        int64_t now = now_us();
        const uint8_t *data = scratch;
        size_t len = (size_t)r;
        if (c->state == ST_UPGRADE) {
            if (buf_append(&c->rbuf, &c->rlen, &c->rcap, data, len)) { conn_fail(i, "oom"); return; }
            uint8_t *e = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
            if (!e) {
                if (c->rlen > 8192) conn_fail(i, "upgrade response too long");
                continue;
            }
            if (c->rlen < 12 || memcmp(c->rbuf + 9, "101", 3)) {
                char line[128]; size_t l = 0;
                while (l < c->rlen && l < sizeof line - 1 && c->rbuf[l] != '\r') { line[l] = (char)c->rbuf[l]; l++; }
                line[l] = 0;
                char why[200]; snprintf(why, sizeof why, "upgrade refused: %s", line);
                errno = 0;
                conn_fail(i, why);
                return;
            }
            size_t hl = (size_t)(e + 4 - c->rbuf);
            size_t rest = c->rlen - hl;
            memmove(c->rbuf, c->rbuf + hl, rest);
            c->rlen = (uint32_t)rest;
            if (ws_hook_upgraded(i)) return;
            if (!c->rlen) { free(c->rbuf); c->rbuf = NULL; c->rcap = 0; continue; }
            data = NULL; len = 0; /* fall through to parse rbuf */
        }
        if (c->state != ST_OPEN && c->state != ST_AUTH) return;
        long used;
        if (c->rlen) {
            if (len && buf_append(&c->rbuf, &c->rlen, &c->rcap, data, len)) { conn_fail(i, "oom"); return; }
            used = parse_frames(i, c->rbuf, c->rlen, now);
            if (used == -2) return;
            if (used < 0) { conn_fail(i, "bad frame"); return; }
            memmove(c->rbuf, c->rbuf + used, c->rlen - (size_t)used);
            c->rlen -= (uint32_t)used;
            if (!c->rlen) { free(c->rbuf); c->rbuf = NULL; c->rcap = 0; }
        } else {
            used = parse_frames(i, data, len, now);
            if (used == -2) return;
            if (used < 0) { conn_fail(i, "bad frame"); return; }
            if ((size_t)used < len && buf_append(&c->rbuf, &c->rlen, &c->rcap, data + used, len - (size_t)used)) {
                conn_fail(i, "oom"); return;
            }
        }
        /* nothing buffered in OpenSSL: epoll (level-triggered) tells when the socket has more,
           which saves the read() that would only return EAGAIN */
        if (!SSL_has_pending(c->ssl) && r < (int)sizeof scratch) return;
    }
}

static void conn_handshake(long i) {
    struct wsconn *c = WS(i);
    ERR_clear_error();
    int r = SSL_connect(c->ssl);
    if (r == 1) {
        c->state = ST_UPGRADE;
        set_events(i, EPOLLIN);
        ws_hook_upgrade(i);
        if (c->state == ST_UPGRADE) conn_read(i); /* may already hold data */
        return;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) set_events(i, EPOLLIN);
    else if (e == SSL_ERROR_WANT_WRITE) set_events(i, EPOLLOUT);
    else conn_fail(i, "TLS handshake");
}

int start_connect(long i) {
    struct wsconn *c = WS(i);
    memset(c, 0, ws_stride);
    c->fd = -1;
    c->t_start = now_us();
    n_started++;
    n_inflight++;
    int fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { c->state = ST_TCP; conn_fail(i, "socket()"); return -1; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd = fd;
    c->state = ST_TCP;
    struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)i };
    c->events = EPOLLOUT;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) { conn_fail(i, "epoll_ctl"); return -1; }
    if (connect(fd, (struct sockaddr *)&dst, dst_len) && errno != EINPROGRESS) { conn_fail(i, "connect()"); return -1; }
    return 0;
}

static void conn_tcp_done(long i) {
    struct wsconn *c = WS(i);
    int err = 0; socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) { errno = err; conn_fail(i, "connect"); return; }
    c->ssl = SSL_new(ctx);
    if (!c->ssl) { conn_fail(i, "SSL_new"); return; }
    SSL_set_fd(c->ssl, c->fd);
    if (ws_sni_host && (ws_sni_host[0] < '0' || ws_sni_host[0] > '9')) SSL_set_tlsext_host_name(c->ssl, ws_sni_host);
    if (ws_session) SSL_set_session(c->ssl, ws_session);
    c->state = ST_TLS;
    conn_handshake(i);
}

void on_event(long i, uint32_t ev) {
    struct wsconn *c = WS(i);
    switch (c->state) {
    case ST_TCP: conn_tcp_done(i); break;
    case ST_TLS: conn_handshake(i); break;
    case ST_UPGRADE:
    case ST_AUTH:
    case ST_OPEN:
        if ((ev & EPOLLOUT) && c->want_write) {
            c->want_write = 0;
            if (c->wlen) { if (conn_flush(i)) { conn_fail(i, "SSL_write"); return; } }
            else set_events(i, EPOLLIN);
        }
        if (c->state == ST_OPEN || c->state == ST_UPGRADE || c->state == ST_AUTH) {
            if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) conn_read(i);
        }
        break;
    default: break;
    }
}
