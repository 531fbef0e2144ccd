/*
 * broadcast: WSS room-chat load generator for pongd (and the Node ws reference server).
 *
 * One process, one thread, epoll + OpenSSL, a minimal client-side RFC 6455 framing.
 * Opens N WebSocket connections to one room (at most B handshakes in flight at a time),
 * optionally holds them idle, then S of them send timestamped chat messages at a total
 * rate of R messages/s for D seconds: {"message":"<seq> <t_us>"} where t_us is this
 * process's CLOCK_MONOTONIC in microseconds. Every socket receives the broadcasts
 * ({"message":"<seq> <t_us>","room":...,"at":...,...}) and records latency = now - t_us.
 *
 * Login: pongd's room chat takes logged-in users only. With an access token in the
 * environment variable BROADCAST_TOKEN (one token may serve every connection), each
 * connection sends {"type":"auth","token":"..."} right after the 101 and counts as
 * connected only once {"type":"auth_ok",...} arrives (any other answer, or a close, is a
 * connect failure). Without it no auth frame is sent (the Node reference server).
 *
 * Everything is bounded: connect phase (-C), idle hold (-H), send phase (-d), drain (-W),
 * and an overall deadline (-L). It stops by itself.
 *
 * Output: human-readable summary on stderr, one machine-readable line on stdout:
 *   RESULT key=value ...
 * and, when all connections are up, "READY connected=N failed=F" on stdout (flushed), so
 * a script can sample the server's memory while the connections are idle.
 *
 * Build: cc -O2 -o build/bench/broadcast bench/broadcast.c $(pkg-config --cflags --libs openssl)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- options */
static const char *opt_host = "127.0.0.1";
static int opt_port = 4443;
static const char *opt_room = "bench";
static const char *opt_path = NULL;   /* default /ws/chat/<room>/ */
static const char *opt_origin = NULL; /* default https://<host>:<port> */
static long opt_n = 100;              /* connections */
static long opt_s = -1;               /* senders, default min(n, 100) */
static double opt_rate = 100;         /* total messages per second */
static double opt_dur = 10;           /* send phase seconds */
static long opt_batch = 100;          /* handshakes in flight */
static double opt_hold = 0;           /* idle seconds between connect and send */
static double opt_drain = 5;          /* max seconds to wait for stragglers after sending */
static double opt_conn_timeout = 120; /* whole connect phase */
static double opt_per_conn_timeout = 20; /* one connection's connect+TLS+upgrade */
static double opt_limit = 0;          /* overall deadline, default computed */
static int opt_resume = 0;            /* reuse a TLS session (cheaper handshakes) */
static int opt_quiet = 0;
static int opt_release = 0;           /* SSL_MODE_RELEASE_BUFFERS: less memory, more CPU */

/* ---------------------------------------------------------------- time */
static inline int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---------------------------------------------------------------- histogram (µs, ~1.6 % buckets) */
#define H_BUCKETS (64 * 48)
static uint64_t hist[H_BUCKETS];
static uint64_t hist_count, hist_max;

static inline void hist_add(int64_t v) {
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
    hist[idx]++;
    hist_count++;
    if (u > hist_max) hist_max = u;
}

/* value (µs) below which fraction q of the samples lie: middle of the bucket */
static double hist_q(double q) {
    if (!hist_count) return 0;
    uint64_t want = (uint64_t)(q * (double)hist_count);
    if (want >= hist_count) want = hist_count - 1;
    uint64_t acc = 0;
    for (unsigned i = 0; i < H_BUCKETS; i++) {
        acc += hist[i];
        if (acc > want) {
            if (i < 128) return i;
            unsigned shift = i / 64 - 1, mant = i - shift * 64;
            double lo = (double)((uint64_t)mant << shift), hi = (double)((uint64_t)(mant + 1) << shift);
            double mid = (lo + hi) / 2;
            return mid > (double)hist_max ? (double)hist_max : mid;
        }
    }
    return (double)hist_max;
}

/* ---------------------------------------------------------------- connections */
enum { ST_IDLE, ST_TCP, ST_TLS, ST_UPGRADE, ST_AUTH, ST_OPEN, ST_CLOSED, ST_FAILED };
/* ST_AUTH: upgraded, auth frame sent, waiting for auth_ok (still "in flight") */
#define CONNECTING(st) ((st) == ST_TCP || (st) == ST_TLS || (st) == ST_UPGRADE || (st) == ST_AUTH)

#define AUTH_TOKEN_MAX 2048
static char auth_frame[AUTH_TOKEN_MAX + 64]; /* {"type":"auth","token":"..."}; empty: no login */
static size_t auth_len;

struct conn {
    int fd;
    uint8_t state;
    uint8_t events;     /* registered epoll events (EPOLLIN=1, EPOLLOUT=4) */
    uint8_t want_write; /* an SSL operation asked for POLLOUT */
    SSL *ssl;
    uint8_t *rbuf;      /* partial frame / HTTP response; heap, only while non-empty */
    uint32_t rlen, rcap;
    uint8_t *wbuf;      /* pending output; heap, only while non-empty */
    uint32_t wlen, wcap;
    int64_t t_start;
};

static struct conn *conns;
static int epfd;
static SSL_CTX *ctx;
static SSL_SESSION *saved_session;
static struct sockaddr_storage dst;
static socklen_t dst_len;
static char upgrade_req[1024];
static size_t upgrade_len;
static uint8_t scratch[1 << 16];

/* counters */
static long n_started, n_inflight, n_open, n_failed, n_closed_by_server, n_open_at_send;
static uint64_t n_sent, n_recv, n_recv_send_phase, n_err_frames, n_other_frames, n_unparsed;
static uint64_t n_pings, n_bytes_in;
static long close_codes[16]; static int close_code_vals[16]; static int n_close_kinds;
static char first_fail[256];
static volatile sig_atomic_t stop_flag;
static int64_t t_send_start, t_send_end, t_last_recv;
static int sending;

static void note_fail(const char *what, long i) {
    if (!first_fail[0]) {
        unsigned long e = ERR_peek_last_error();
        char eb[160] = "";
        if (e) ERR_error_string_n(e, eb, sizeof eb);
        snprintf(first_fail, sizeof first_fail, "conn %ld: %s%s%s%s%s", i, what,
                 errno ? " errno=" : "", errno ? strerror(errno) : "", eb[0] ? " ssl=" : "", eb);
    }
    ERR_clear_error();
}

static void set_events(long i, uint8_t ev) {
    struct conn *c = &conns[i];
    if (c->events == ev) return;
    struct epoll_event e = { .events = ev, .data.u64 = (uint64_t)i };
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
    c->events = ev;
}

static void conn_free(long i) {
    struct conn *c = &conns[i];
    if (c->ssl) { SSL_free(c->ssl); c->ssl = NULL; }
    if (c->fd >= 0) { close(c->fd); c->fd = -1; }
    free(c->rbuf); c->rbuf = NULL; c->rlen = c->rcap = 0;
    free(c->wbuf); c->wbuf = NULL; c->wlen = c->wcap = 0;
}

static void conn_fail(long i, const char *why) {
    struct conn *c = &conns[i];
    int was = c->state;
    note_fail(why, i);
    conn_free(i);
    if (was == ST_OPEN) { c->state = ST_CLOSED; n_open--; }
    else if (was != ST_CLOSED && was != ST_FAILED) { c->state = ST_FAILED; n_failed++; n_inflight--; }
}

static void conn_closed_by_server(long i, int code) {
    struct conn *c = &conns[i];
    if (c->state == ST_OPEN) { n_open--; n_closed_by_server++; }
    c->state = ST_CLOSED;
    int k;
    for (k = 0; k < n_close_kinds; k++) if (close_code_vals[k] == code) break;
    if (k == n_close_kinds && n_close_kinds < 16) { close_code_vals[k] = code; close_codes[k] = 0; n_close_kinds++; }
    if (k < 16) close_codes[k]++;
    conn_free(i);
}

static int buf_append(uint8_t **b, uint32_t *len, uint32_t *cap, const void *p, size_t n) {
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

/* --------------------------------------------------------------- output */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static inline uint32_t rnd32(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

/* tries to write everything pending; 0 ok (maybe partially pending), -1 fatal */
static int conn_flush(long i) {
    struct conn *c = &conns[i];
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

/* masked client frame */
static int send_frame(long i, int opcode, const uint8_t *payload, size_t len) {
    uint8_t f[8 + sizeof auth_frame];
    if (len > sizeof auth_frame) return -1;
    size_t h = 0;
    f[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) f[h++] = (uint8_t)(0x80 | len);
    else { f[h++] = 0x80 | 126; f[h++] = (uint8_t)(len >> 8); f[h++] = (uint8_t)len; }
    uint32_t m = rnd32();
    uint8_t mk[4]; memcpy(mk, &m, 4);
    memcpy(f + h, mk, 4); h += 4;
    for (size_t k = 0; k < len; k++) f[h + k] = payload[k] ^ mk[k & 3];
    struct conn *c = &conns[i];
    if (buf_append(&c->wbuf, &c->wlen, &c->wcap, f, h + len)) return -1;
    return conn_flush(i);
}

/* --------------------------------------------------------------- input */
static void on_open(long i) {
    struct conn *c = &conns[i];
    c->state = ST_OPEN;
    n_inflight--;
    n_open++;
}

/* The first text frame after the auth frame: auth_ok opens the connection, anything else
 * fails it. 0 = open, -2 = failed (connection freed). */
static int on_auth_answer(long i, const uint8_t *p, size_t len) {
    if (memmem(p, len, "\"type\":\"auth_ok\"", 16)) {
        on_open(i);
        return 0;
    }
    char why[160];
    snprintf(why, sizeof why, "login refused: %.*s", (int)(len < 100 ? len : 100), (const char *)p);
    errno = 0;
    conn_fail(i, why);
    return -2;
}

static void handle_text(const uint8_t *p, size_t len, int64_t now) {
    /* {"message":"<seq> <t_us>", ...} ; error frames start with {"error" */
    static const char key[] = "\"message\":\"";
    const uint8_t *k = memmem(p, len, key, sizeof key - 1);
    if (!k) {
        if (memmem(p, len, "\"error\"", 7)) n_err_frames++;
        else n_unparsed++;
        return;
    }
    const char *s = (const char *)k + sizeof key - 1, *end = (const char *)p + len;
    while (s < end && *s >= '0' && *s <= '9') s++; /* seq */
    if (s >= end || *s != ' ') { n_unparsed++; return; }
    s++;
    int64_t t = 0;
    while (s < end && *s >= '0' && *s <= '9') t = t * 10 + (*s++ - '0');
    if (s >= end || *s != '"') { n_unparsed++; return; }
    n_recv++;
    if (sending) n_recv_send_phase++;
    t_last_recv = now;
    hist_add(now - t);
}

/* parses frames in buf; returns bytes consumed, -1 when the connection must go */
static long parse_frames(long i, const uint8_t *b, size_t n, int64_t now) {
    size_t off = 0;
    while (n - off >= 2) {
        const uint8_t *f = b + off;
        int fin = f[0] & 0x80, op = f[0] & 0x0f, masked = f[1] & 0x80;
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
        const uint8_t *p = f + h;
        (void)fin;
        switch (op) {
        case 0x1:
            if (conns[i].state == ST_AUTH) {
                if (on_auth_answer(i, p, (size_t)plen)) return -2;
            } else {
                handle_text(p, (size_t)plen, now);
            }
            break;
        case 0x8: {
            int code = plen >= 2 ? (p[0] << 8) | p[1] : 1005;
            if (conns[i].state == ST_AUTH) { /* 4001: the token was refused */
                char why[64];
                snprintf(why, sizeof why, "closed with %d before auth_ok", code);
                errno = 0;
                conn_fail(i, why);
                return -2;
            }
            conn_closed_by_server(i, code);
            return -2;
        }
        case 0x9:
            n_pings++;
            if (plen <= 125 && send_frame(i, 0xA, p, (size_t)plen)) return -1;
            break;
        case 0xA: break;
        default: n_other_frames++; break;
        }
        off += h + plen;
    }
    return (long)off;
}

static int start_connect(long i);

/* reads everything available; handles HTTP upgrade response and frames */
static void conn_read(long i) {
    struct conn *c = &conns[i];
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, scratch, sizeof scratch);
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) return;
            if (e == SSL_ERROR_WANT_WRITE) { c->want_write = 1; set_events(i, EPOLLIN | EPOLLOUT); return; }
            if (c->state == ST_OPEN) conn_closed_by_server(i, e == SSL_ERROR_ZERO_RETURN ? 1006 : 1006);
            else if (c->state == ST_AUTH) conn_fail(i, "connection dropped before auth_ok (no login within the server's deadline?)");
            else conn_fail(i, e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? "connection closed during upgrade" : "SSL_read");
            return;
        }
        n_bytes_in += (uint64_t)r;
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
            if (auth_len) { /* log in first: open once auth_ok arrives */
                c->state = ST_AUTH;
                if (send_frame(i, 0x1, (const uint8_t *)auth_frame, auth_len)) { conn_fail(i, "sending the auth frame"); return; }
            } else {
                on_open(i);
            }
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

static int new_session_cb(SSL *s, SSL_SESSION *sess) {
    (void)s;
    if (!saved_session) { saved_session = sess; return 1; } /* keep the reference */
    return 0;
}

static void conn_handshake(long i) {
    struct conn *c = &conns[i];
    ERR_clear_error();
    int r = SSL_connect(c->ssl);
    if (r == 1) {
        c->state = ST_UPGRADE;
        set_events(i, EPOLLIN);
        if (buf_append(&c->wbuf, &c->wlen, &c->wcap, upgrade_req, upgrade_len) || conn_flush(i)) {
            conn_fail(i, "sending upgrade request");
            return;
        }
        conn_read(i); /* may already hold data */
        return;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) set_events(i, EPOLLIN);
    else if (e == SSL_ERROR_WANT_WRITE) set_events(i, EPOLLOUT);
    else conn_fail(i, "TLS handshake");
}

static int start_connect(long i) {
    struct conn *c = &conns[i];
    memset(c, 0, sizeof *c);
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
    struct conn *c = &conns[i];
    int err = 0; socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) { errno = err; conn_fail(i, "connect"); return; }
    c->ssl = SSL_new(ctx);
    if (!c->ssl) { conn_fail(i, "SSL_new"); return; }
    SSL_set_fd(c->ssl, c->fd);
    if (opt_host[0] < '0' || opt_host[0] > '9') SSL_set_tlsext_host_name(c->ssl, opt_host);
    if (opt_resume && saved_session) SSL_set_session(c->ssl, saved_session);
    c->state = ST_TLS;
    conn_handshake(i);
}

static void on_event(long i, uint32_t ev) {
    struct conn *c = &conns[i];
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

static void on_signal(int s) { (void)s; stop_flag = 1; }

static void usage(void) {
    fprintf(stderr,
        "usage: broadcast [options]\n"
        "  -h HOST     server address (127.0.0.1)\n"
        "  -p PORT     HTTPS/WSS port (4443)\n"
        "  -r ROOM     room name (bench); path /ws/chat/ROOM/\n"
        "  -P PATH     WebSocket path (overrides -r)\n"
        "  -o ORIGIN   Origin header (https://HOST:PORT)\n"
        "  -n N        connections (100)\n"
        "  -s S        sending connections (min(N,100)); 0 = idle run\n"
        "  -R RATE     total messages per second over all senders (100)\n"
        "  -d SECS     send phase duration (10)\n"
        "  -b B        handshakes in flight at once (100)\n"
        "  -H SECS     hold connections idle before sending (0)\n"
        "  -W SECS     max drain time after sending (5)\n"
        "  -C SECS     max connect phase duration (120)\n"
        "  -t SECS     per-connection connect timeout (20)\n"
        "  -L SECS     overall deadline (connect+hold+send+drain+10)\n"
        "  -T          resume one TLS session on all connections (cheaper handshakes)\n"
        "  -m          release idle TLS buffers (less generator memory, more generator CPU)\n"
        "  -q          quiet: no progress lines\n"
        "environment: BROADCAST_TOKEN=<access token>: log every connection in with it first\n"
        "  ({\"type\":\"auth\",...}, then wait for auth_ok); unset: no auth frame\n");
    exit(2);
}

int main(int argc, char **argv) {
    int o;
    while ((o = getopt(argc, argv, "h:p:r:P:o:n:s:R:d:b:H:W:C:t:L:Tmq")) != -1) {
        switch (o) {
        case 'h': opt_host = optarg; break;
        case 'p': opt_port = atoi(optarg); break;
        case 'r': opt_room = optarg; break;
        case 'P': opt_path = optarg; break;
        case 'o': opt_origin = optarg; break;
        case 'n': opt_n = atol(optarg); break;
        case 's': opt_s = atol(optarg); break;
        case 'R': opt_rate = atof(optarg); break;
        case 'd': opt_dur = atof(optarg); break;
        case 'b': opt_batch = atol(optarg); break;
        case 'H': opt_hold = atof(optarg); break;
        case 'W': opt_drain = atof(optarg); break;
        case 'C': opt_conn_timeout = atof(optarg); break;
        case 't': opt_per_conn_timeout = atof(optarg); break;
        case 'L': opt_limit = atof(optarg); break;
        case 'T': opt_resume = 1; break;
        case 'm': opt_release = 1; break;
        case 'q': opt_quiet = 1; break;
        default: usage();
        }
    }
    if (opt_n < 1 || opt_n > 1000000 || opt_batch < 1 || opt_rate < 0 || opt_dur < 0) usage();
    if (opt_s < 0) opt_s = opt_n < 100 ? opt_n : 100;
    if (opt_s > opt_n) opt_s = opt_n;
    if (opt_limit <= 0) opt_limit = opt_conn_timeout + opt_hold + opt_dur + opt_drain + 10;
    const char *token = getenv("BROADCAST_TOKEN");
    if (token && *token) {
        size_t tl = strlen(token);
        if (tl > AUTH_TOKEN_MAX || strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != tl) {
            fprintf(stderr, "broadcast: BROADCAST_TOKEN is not a JWT (base64url parts and dots, at most %d characters)\n", AUTH_TOKEN_MAX);
            return 2;
        }
        auth_len = (size_t)snprintf(auth_frame, sizeof auth_frame, "{\"type\":\"auth\",\"token\":\"%s\"}", token);
    }

    /* file descriptors: N sockets + a few */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rlim_t need = (rlim_t)opt_n + 64;
    if (rl.rlim_cur < need) {
        rlim_t want = need < 65536 ? 65536 : need;
        struct rlimit nr = { want, rl.rlim_max > want ? rl.rlim_max : want };
        if (setrlimit(RLIMIT_NOFILE, &nr)) {
            nr.rlim_cur = rl.rlim_max; nr.rlim_max = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &nr);
        }
        getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < need) {
            fprintf(stderr, "broadcast: RLIMIT_NOFILE is %lu, need %lu (raise the hard limit)\n",
                    (unsigned long)rl.rlim_cur, (unsigned long)need);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    /* address */
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
    char portstr[16]; snprintf(portstr, sizeof portstr, "%d", opt_port);
    if (getaddrinfo(opt_host, portstr, &hints, &ai)) { fprintf(stderr, "broadcast: cannot resolve %s\n", opt_host); return 2; }
    memcpy(&dst, ai->ai_addr, ai->ai_addrlen); dst_len = ai->ai_addrlen;
    freeaddrinfo(ai);

    char path[512], origin[512];
    if (opt_path) snprintf(path, sizeof path, "%s", opt_path);
    else snprintf(path, sizeof path, "/ws/chat/%s/", opt_room);
    if (opt_origin) snprintf(origin, sizeof origin, "%s", opt_origin);
    else snprintf(origin, sizeof origin, "https://%s:%d", opt_host, opt_port);
    /* key: fixed base64 of 16 bytes; servers accept any valid key */
    upgrade_len = (size_t)snprintf(upgrade_req, sizeof upgrade_req,
        "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Origin: %s\r\nUser-Agent: pongd-bench-broadcast\r\n\r\n", path, opt_host, opt_port, origin);

    /* TLS: no verification (self-signed test certificates on loopback) */
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                          (opt_release ? SSL_MODE_RELEASE_BUFFERS : 0));
    SSL_CTX_set_read_ahead(ctx, 1); /* one read() per wakeup takes every record that is there */
    SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\x08http/1.1", 9);
    if (opt_resume) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    }

    conns = calloc((size_t)opt_n, sizeof *conns);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || epfd < 0) { perror("broadcast"); return 1; }

    struct epoll_event evs[512];
    int64_t t0 = now_us(), deadline = t0 + (int64_t)(opt_limit * 1e6);
    int64_t conn_deadline = t0 + (int64_t)(opt_conn_timeout * 1e6);
    int64_t last_scan = t0, last_progress = t0;

    /* ---- connect phase */
    long next = 0;
    while (!stop_flag) {
        while (n_inflight < opt_batch && next < opt_n) start_connect(next++);
        if (next >= opt_n && n_inflight == 0) break;
        int k = epoll_wait(epfd, evs, 512, 50);
        for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
        int64_t now = now_us();
        if (now - last_scan > 200000) {
            last_scan = now;
            int64_t lim = (int64_t)(opt_per_conn_timeout * 1e6);
            for (long i = 0; i < next; i++) {
                struct conn *c = &conns[i];
                if (CONNECTING(c->state) && now - c->t_start > lim) {
                    errno = 0; conn_fail(i, "timeout");
                }
            }
        }
        if (!opt_quiet && now - last_progress > 2000000) {
            last_progress = now;
            fprintf(stderr, "broadcast: connecting %ld/%ld open, %ld failed, %.1fs\n", n_open, opt_n, n_failed, (now - t0) / 1e6);
        }
        if (now > conn_deadline) {
            for (long i = 0; i < next; i++) {
                struct conn *c = &conns[i];
                if (CONNECTING(c->state)) { errno = 0; conn_fail(i, "connect phase deadline"); }
            }
            n_failed += opt_n - next; /* never started */
            next = opt_n;
            break;
        }
    }
    int64_t t_connected = now_us();
    double connect_s = (t_connected - t0) / 1e6;
    double cpu_ready = cpu_seconds();
    printf("READY connected=%ld failed=%ld connect_s=%.2f\n", n_open, n_failed, connect_s);
    fflush(stdout);
    if (!opt_quiet)
        fprintf(stderr, "broadcast: %ld open%s, %ld failed in %.2fs%s%s\n", n_open, auth_len ? " (logged in)" : "", n_failed, connect_s,
                first_fail[0] ? "; first failure: " : "", first_fail);

    /* ---- hold idle */
    int64_t hold_end = t_connected + (int64_t)(opt_hold * 1e6);
    while (!stop_flag && now_us() < hold_end && now_us() < deadline) {
        int k = epoll_wait(epfd, evs, 512, 100);
        for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
    }

    /* ---- send phase */
    long *senders = calloc((size_t)(opt_s ? opt_s : 1), sizeof *senders);
    long ns = 0;
    for (long i = 0; i < opt_n && ns < opt_s; i++) if (conns[i].state == ST_OPEN) senders[ns++] = i;
    n_open_at_send = n_open;
    uint64_t expected = 0;
    double cpu_send0 = cpu_seconds(), cpu_send1 = cpu_send0;
    uint64_t bytes_send0 = n_bytes_in;
    if (ns > 0 && opt_rate > 0 && opt_dur > 0) {
        sending = 1;
        t_send_start = now_us();
        int64_t send_end = t_send_start + (int64_t)(opt_dur * 1e6);
        long rr = 0;
        char msg[96];
        while (!stop_flag) {
            int64_t now = now_us();
            if (now >= send_end || now > deadline) break;
            uint64_t target = (uint64_t)((double)(now - t_send_start) * opt_rate / 1e6) + 1;
            uint64_t burst = 0;
            while (n_sent < target && burst < 4096) {
                long tries = 0;
                while (conns[senders[rr]].state != ST_OPEN && tries < ns) { rr = (rr + 1) % ns; tries++; }
                if (tries >= ns) { stop_flag = conns[senders[rr]].state != ST_OPEN ? 2 : stop_flag; break; }
                long i = senders[rr];
                rr = (rr + 1) % ns;
                int64_t ts = now_us();
                int l = snprintf(msg, sizeof msg, "{\"message\":\"%llu %lld\"}",
                                 (unsigned long long)n_sent, (long long)ts);
                expected += (uint64_t)n_open; /* every open socket of the room, sender included */
                n_sent++; burst++;
                if (send_frame(i, 0x1, (const uint8_t *)msg, (size_t)l)) conn_fail(i, "SSL_write");
            }
            /* wait at most until the next message is due */
            int64_t due = t_send_start + (int64_t)((double)(n_sent) * 1e6 / opt_rate);
            int64_t wait = (due - now_us()) / 1000;
            if (wait < 0) wait = 0;
            if (wait > 50) wait = 50;
            int k = epoll_wait(epfd, evs, 512, (int)wait);
            for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
        }
        t_send_end = now_us();
        sending = 0;
        if (stop_flag == 2) {
            fprintf(stderr, "broadcast: every sending connection is closed: send phase ended early\n");
            stop_flag = 0;
        }
        cpu_send1 = cpu_seconds();
        /* ---- drain */
        int64_t drain_end = t_send_end + (int64_t)(opt_drain * 1e6);
        while (!stop_flag && n_recv < expected) {
            int64_t now = now_us();
            if (now >= drain_end || now > deadline) break;
            int k = epoll_wait(epfd, evs, 512, 20);
            for (int j = 0; j < k; j++) on_event((long)evs[j].data.u64, evs[j].events);
        }
    }
    int64_t t_end = now_us();

    double send_s = t_send_end > t_send_start ? (t_send_end - t_send_start) / 1e6 : 0;
    double span_s = t_last_recv > t_send_start ? (t_last_recv - t_send_start) / 1e6 : 0;
    uint64_t lost = expected > n_recv ? expected - n_recv : 0;
    double gen_cpu = send_s > 0 ? (cpu_send1 - cpu_send0) / send_s : 0;
    char closes[256] = ""; size_t cl = 0;
    for (int k = 0; k < n_close_kinds; k++)
        cl += (size_t)snprintf(closes + cl, sizeof closes - cl, "%s%d:%ld", k ? "," : "", close_code_vals[k], close_codes[k]);
    if (!cl) snprintf(closes, sizeof closes, "-");

    {
        fprintf(stderr,
            "broadcast: n=%ld open=%ld senders=%ld rate=%.0f msg/s for %.2fs -> sent=%llu\n"
            "  deliveries expected=%llu received=%llu lost=%llu (%.3f%%)\n"
            "  deliveries/s: %.0f received during the send phase / its duration, %.0f all received / first-send..last-receive (%.2fs)\n"
            "  latency ms: p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f\n"
            "  connect failures=%ld, server closes=%ld [%s], error frames=%llu, unparsed=%llu, pings=%llu\n"
            "  generator CPU during send: %.0f%% of one core; received %.1f MB during send\n",
            opt_n, n_open_at_send, ns, opt_rate, send_s, (unsigned long long)n_sent,
            (unsigned long long)expected, (unsigned long long)n_recv, (unsigned long long)lost,
            expected ? 100.0 * (double)lost / (double)expected : 0.0,
            send_s > 0 ? (double)n_recv_send_phase / send_s : 0.0,
            span_s > 0 ? (double)n_recv / span_s : 0.0, span_s,
            hist_q(0.5) / 1e3, hist_q(0.9) / 1e3, hist_q(0.99) / 1e3, hist_q(0.999) / 1e3, hist_max / 1e3,
            n_failed, n_closed_by_server, closes, (unsigned long long)n_err_frames, (unsigned long long)n_unparsed,
            (unsigned long long)n_pings, gen_cpu * 100, (n_bytes_in - bytes_send0) / 1e6);
        if (first_fail[0]) fprintf(stderr, "  first failure: %s\n", first_fail);
    }
    printf("RESULT n=%ld open=%ld connect_failures=%ld connect_s=%.2f senders=%ld rate=%.1f send_s=%.3f sent=%llu "
           "expected=%llu received=%llu received_in_send=%llu lost=%llu deliveries_per_s=%.0f deliveries_per_s_span=%.0f "
           "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f server_closes=%ld close_codes=%s "
           "error_frames=%llu unparsed=%llu gen_cpu_pct=%.0f gen_cpu_after_ready_s=%.2f after_ready_s=%.2f total_s=%.2f auth=%d\n",
           opt_n, n_open_at_send, n_failed, connect_s, ns, opt_rate, send_s, (unsigned long long)n_sent,
           (unsigned long long)expected, (unsigned long long)n_recv, (unsigned long long)n_recv_send_phase,
           (unsigned long long)lost,
           (send_s > span_s ? send_s : span_s) > 0 ? (double)n_recv / (send_s > span_s ? send_s : span_s) : 0.0,
           span_s > 0 ? (double)n_recv / span_s : 0.0,
           hist_q(0.5) / 1e3, hist_q(0.9) / 1e3, hist_q(0.99) / 1e3, hist_q(0.999) / 1e3, hist_max / 1e3,
           n_closed_by_server, closes, (unsigned long long)n_err_frames, (unsigned long long)n_unparsed,
           gen_cpu * 100, cpu_seconds() - cpu_ready, (now_us() - t_connected) / 1e6, (t_end - t0) / 1e6, auth_len ? 1 : 0);
    fflush(stdout);
    /* leave without a closing handshake: the kernel closes the sockets */
    return 0;
}
