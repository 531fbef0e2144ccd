/*
 * floor-server: the floor of the remote-games benchmark (bench/games.sh). The least a server
 * can do for N games over WSS at pongd's snapshot rate: one thread, epoll, OpenSSL, a 60 Hz
 * timerfd on an absolute grid, and every 3rd tick one 244-byte snapshot frame (a fixed state,
 * its tick field updated) written with one SSL_write to each socket of the games in that
 * phase (the two sockets of a game share a phase; games are spread over the 3 phases as
 * pongd's are). No simulation, no rooms, no allocation per tick.
 *
 * It speaks just enough of the game socket for bench/games.c: TLS, the HTTP upgrade
 * (Sec-WebSocket-Accept), the auth text frame (any token) answered with "joined" (seats by
 * order of arrival per game id), then client frames are read and unmasked (the kernel and TLS
 * cost of the clients' inputs is the same as for a real server) and PING answered with PONG;
 * INPUTs are dropped. Writes are never queued: a socket that cannot take a frame skips it
 * (pongd replaces an unwritten snapshot with the newest).
 *
 * GET /healthz: 200. GET /stats: tick lateness (now − deadline of each tick, as pongd's
 * ticker records it) p50/p99/max in µs. SIGTERM/SIGINT: exits.
 *
 * usage: floor-server --cert C --key K --port P   (prints "LISTENING P")
 * Build: bench/build.sh
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SNAP 244
#define MAXC 65536
enum { C_TLS, C_HTTP, C_AUTH, C_OPEN };

struct conn {
    SSL *ssl;
    uint8_t st, phase, seat;
    uint8_t in[4096];
    uint32_t ilen;
    uint32_t game;
};
static struct conn *cs[MAXC];
static int epfd;
static SSL_CTX *ctx;
static uint8_t frame[4 + SNAP];
static uint64_t lat_b[64 * 48], lat_n, lat_max;
static volatile sig_atomic_t stop;
static uint32_t game_seats[1 << 20];
static int maxfd;   /* seats taken per game id (mod 2^20) */

static int64_t now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}
static void lat_add(uint64_t u) {
    unsigned idx;
    if (u < 128) idx = (unsigned)u;
    else { int msb = 63 - __builtin_clzll(u), sh = msb - 6; idx = (unsigned)(sh * 64 + (u >> sh)); }
    if (idx >= 64 * 48) idx = 64 * 48 - 1;
    lat_b[idx]++; lat_n++;
    if (u > lat_max) lat_max = u;
}
static double lat_q(double q) {
    if (!lat_n) return 0;
    uint64_t want = (uint64_t)(q * (double)lat_n), acc = 0;
    for (unsigned i = 0; i < 64 * 48; i++) {
        acc += lat_b[i];
        if (acc > want) {
            if (i < 128) return i;
            unsigned sh = i / 64 - 1, m = i - sh * 64;
            return (double)((uint64_t)(m + 1) << sh);
        }
    }
    return (double)lat_max;
}

static void drop(int fd) {
    struct conn *c = cs[fd];
    if (!c) return;
    SSL_free(c->ssl);
    free(c);
    cs[fd] = NULL;
    close(fd);
}

static void ws_send(int fd, int op, const uint8_t *p, size_t n) {
    uint8_t b[512];
    size_t h = 0;
    b[h++] = (uint8_t)(0x80 | op);
    if (n < 126) b[h++] = (uint8_t)n;
    else { b[h++] = 126; b[h++] = (uint8_t)(n >> 8); b[h++] = (uint8_t)n; }
    if (h + n > sizeof b) return;
    memcpy(b + h, p, n);
    ERR_clear_error();
    if (SSL_write(cs[fd]->ssl, b, (int)(h + n)) <= 0) {
        int e = SSL_get_error(cs[fd]->ssl, -1);
        if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) drop(fd);
    }
}

static void on_http(int fd, struct conn *c) {
    uint8_t *end = memmem(c->in, c->ilen, "\r\n\r\n", 4);
    if (!end) { if (c->ilen >= sizeof c->in) drop(fd); return; }
    size_t hl = (size_t)(end + 4 - c->in);
    char *req = (char *)c->in;
    c->in[hl - 1] = 0;
    char resp[512];
    if (!strncmp(req, "GET /healthz", 12) || !strncmp(req, "GET /stats", 10)) {
        char body[256];
        int bl = !strncmp(req, "GET /stats", 10)
            ? snprintf(body, sizeof body, "{\"ticks\":%llu,\"late_p50_us\":%.0f,\"late_p99_us\":%.0f,\"late_max_us\":%llu}",
                       (unsigned long long)lat_n, lat_q(0.5), lat_q(0.99), (unsigned long long)lat_max)
            : snprintf(body, sizeof body, "{\"status\":\"ok\"}");
        if (strstr(req, "reset=1")) { memset(lat_b, 0, sizeof lat_b); lat_n = lat_max = 0; }
        int l = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", bl, body);
        SSL_write(c->ssl, resp, l);
        drop(fd);
        return;
    }
    unsigned game = 0;
    char *key = strcasestr(req, "\r\nSec-WebSocket-Key:");
    if (sscanf(req, "GET /ws/game/%u", &game) != 1 || !key) { drop(fd); return; }
    key += 20;
    while (*key == ' ') key++;
    char k[128]; size_t kl = 0;
    while (key[kl] && key[kl] != '\r' && kl < 60) { k[kl] = key[kl]; kl++; }
    memcpy(k + kl, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    uint8_t sha[20]; SHA1((uint8_t *)k, kl + 36, sha);
    char acc[64]; EVP_EncodeBlock((uint8_t *)acc, sha, 20);
    int l = snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
    SSL_write(c->ssl, resp, l);
    c->game = game;
    c->phase = (uint8_t)(game % 3);
    c->st = C_AUTH;
    memmove(c->in, c->in + hl, c->ilen - hl);
    c->ilen -= (uint32_t)hl;
}

static uint32_t grid_tick;

static void on_frames(int fd, struct conn *c) {
    size_t off = 0;
    while (c->ilen - off >= 6) {
        uint8_t *f = c->in + off;
        int op = f[0] & 15;
        size_t n = f[1] & 127, h = 2;
        if (n == 126) { if (c->ilen - off < 8) break; n = (size_t)f[2] << 8 | f[3]; h = 4; }
        else if (n == 127) { drop(fd); return; }
        if (!(f[1] & 0x80)) { drop(fd); return; }
        if (c->ilen - off < h + 4 + n) break;
        uint8_t *m = f + h, *p = f + h + 4;
        for (size_t i = 0; i < n; i++) p[i] ^= m[i & 3];
        if (op == 8) { drop(fd); return; }
        if (c->st == C_AUTH && op == 1) {
            c->seat = (uint8_t)(game_seats[c->game & ((1 << 20) - 1)]++ & 1);
            char j[256];
            int l = snprintf(j, sizeof j, "{\"type\":\"joined\",\"game_id\":%u,\"seat\":%u,\"tick_rate\":60,\"snapshot_every\":3,\"options\":{},\"players\":[]}", c->game, c->seat);
            c->st = C_OPEN;
            ws_send(fd, 1, (uint8_t *)j, (size_t)l);
            if (!cs[fd]) return;
            ws_send(fd, 2, frame + 4, SNAP);
            if (!cs[fd]) return;
        } else if (op == 2 && n == 8 && p[0] == 0x02) {
            uint8_t pong[12] = { 0x12, 0, 0, 0, p[4], p[5], p[6], p[7] };
            memcpy(pong + 8, &grid_tick, 4);
            ws_send(fd, 2, pong, 12);
            if (!cs[fd]) return;
        }
        off += h + 4 + n;
    }
    memmove(c->in, c->in + off, c->ilen - off);
    c->ilen -= (uint32_t)off;
}

static void on_readable(int fd) {
    struct conn *c = cs[fd];
    if (c->st == C_TLS) {
        ERR_clear_error();
        int r = SSL_accept(c->ssl);
        if (r == 1) c->st = C_HTTP;
        else {
            int e = SSL_get_error(c->ssl, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) drop(fd);
            return;
        }
    }
    for (;;) {
        if (c->ilen >= sizeof c->in) { drop(fd); return; }
        ERR_clear_error();
        int r = SSL_read(c->ssl, c->in + c->ilen, (int)(sizeof c->in - c->ilen));
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) drop(fd);
            return;
        }
        c->ilen += (uint32_t)r;
        if (c->st == C_HTTP) { on_http(fd, c); if (!cs[fd]) return; }
        if (c->st == C_AUTH || c->st == C_OPEN) { on_frames(fd, c); if (!cs[fd]) return; }
    }
}

static void on_sig(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
    const char *cert = NULL, *key = NULL;
    int port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--cert")) cert = argv[i + 1];
        else if (!strcmp(argv[i], "--key")) key = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    }
    if (!cert || !key) { fprintf(stderr, "usage: floor-server --cert C --key K [--port P]\n"); return 2; }
    struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl); rl.rlim_cur = rl.rlim_max < MAXC ? rl.rlim_max : MAXC; setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGPIPE, SIG_IGN); signal(SIGTERM, on_sig); signal(SIGINT, on_sig);
    ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 || SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr); return 1;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096)) { perror("floor-server"); return 1; }
    socklen_t al = sizeof a; getsockname(ls, (struct sockaddr *)&a, &al);
    printf("LISTENING %d\n", ntohs(a.sin_port)); fflush(stdout);

    /* a fixed snapshot: header 0x82 126 0 244, then type 0x10, state playing, the rest zeros
       but for a plausible state (ball and paddles mid-field) */
    frame[0] = 0x82; frame[1] = 126; frame[2] = 0; frame[3] = SNAP;
    uint8_t *s = frame + 4;
    s[0] = 0x10; s[1] = 2;
    int32_t save[56] = { 0 };
    save[1] = 1; save[6] = 400 * 256; save[7] = 300 * 256; save[11] = save[12] = 250 * 256; save[13] = save[14] = 100 * 256; save[47] = 21;
    memcpy(s + 20, save, sizeof save);

    epfd = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls };
    epoll_ctl(epfd, EPOLL_CTL_ADD, ls, &ev);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    struct timespec t0; clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t epoch = (int64_t)t0.tv_sec * 1000000 + t0.tv_nsec / 1000;
    struct itimerspec its = { .it_interval = { 0, 16666667 }, .it_value = t0 };
    its.it_value.tv_nsec += 16666667;
    if (its.it_value.tv_nsec >= 1000000000) { its.it_value.tv_sec++; its.it_value.tv_nsec -= 1000000000; }
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    ev.data.fd = tfd; epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);

    struct epoll_event evs[512];
    while (!stop) {
        int n = epoll_wait(epfd, evs, 512, 100);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                for (;;) {
                    int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                    if (c < 0) break;
                    if (c >= MAXC) { close(c); continue; }
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *cn = calloc(1, sizeof *cn);
                    cn->ssl = SSL_new(ctx);
                    SSL_set_fd(cn->ssl, c);
                    cs[c] = cn;
                    if (c > maxfd) maxfd = c;
                    struct epoll_event e = { .events = EPOLLIN, .data.fd = c };
                    epoll_ctl(epfd, EPOLL_CTL_ADD, c, &e);
                    on_readable(c);
                }
            } else if (fd == tfd) {
                uint64_t exp;
                if (read(tfd, &exp, sizeof exp) != sizeof exp) continue;
                int64_t now = now_us();
                for (uint64_t k = 0; k < exp; k++) {
                    grid_tick++;
                    int64_t due = epoch + (int64_t)((double)grid_tick * 1e6 / 60);
                    lat_add(now > due ? (uint64_t)(now - due) : 0);
                }
                memcpy(frame + 8, &grid_tick, 4);
                /* after a late wake-up, every phase whose tick passed gets the newest snapshot
                   (as pongd sends one snapshot of the newest state after a catch-up) */
                unsigned phases = 0;
                for (uint64_t k = 0; k < exp && k < 3; k++) phases |= 1u << ((grid_tick - k) % 3);
                for (int f = 0; f <= maxfd; f++) {
                    struct conn *c = cs[f];
                    if (!c || c->st != C_OPEN || !(phases >> c->phase & 1)) continue;
                    ERR_clear_error();
                    if (SSL_write(c->ssl, frame, sizeof frame) <= 0) {
                        int e = SSL_get_error(c->ssl, -1);
                        if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) drop(f);
                    }
                }
            } else if (cs[fd]) {
                on_readable(fd);
            }
        }
    }
    return 0;
}
