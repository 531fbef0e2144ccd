/*
 * wsclient: the client transport shared by bench/broadcast.c and bench/games.c.
 * One thread, epoll + OpenSSL (no certificate verification: self-signed test certificates
 * on loopback), a minimal client-side RFC 6455 framing, and a latency histogram.
 *
 * The program keeps an array of its own struct conn, whose first members are WSCONN_FIELDS
 * (the transport's state), and points ws_conns/ws_stride at it. It defines the hooks below.
 */
#ifndef BENCH_WSCLIENT_H
#define BENCH_WSCLIENT_H
#include <openssl/ssl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* ---------------------------------------------------------------- time */
static inline int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
double cpu_seconds(void);

/* ---------------------------------------------------------------- histogram (µs, ~1.6 % buckets) */
#define H_BUCKETS (64 * 48)
typedef struct { uint64_t b[H_BUCKETS], count, max; } hist_t;
void hist_add(hist_t *h, int64_t v);
double hist_q(const hist_t *h, double q); /* value (µs) below which fraction q of the samples lie */

/* ---------------------------------------------------------------- connections */
enum { ST_IDLE, ST_TCP, ST_TLS, ST_UPGRADE, ST_AUTH, ST_OPEN, ST_CLOSED, ST_FAILED };
/* ST_AUTH: upgraded, auth frame sent, waiting for the answer (still "in flight") */
#define CONNECTING(st) ((st) == ST_TCP || (st) == ST_TLS || (st) == ST_UPGRADE || (st) == ST_AUTH)

#define WSCONN_FIELDS \
    int fd; \
    uint8_t state; \
    uint8_t events;     /* registered epoll events (EPOLLIN=1, EPOLLOUT=4) */ \
    uint8_t want_write; /* an SSL operation asked for POLLOUT */ \
    SSL *ssl; \
    uint8_t *rbuf;      /* partial frame / HTTP response; heap, only while non-empty */ \
    uint32_t rlen, rcap; \
    uint8_t *wbuf;      /* pending output; heap, only while non-empty */ \
    uint32_t wlen, wcap; \
    int64_t t_start;
struct wsconn { WSCONN_FIELDS };

extern void *ws_conns;           /* the program's struct conn array */
extern size_t ws_stride;         /* sizeof (struct conn) */
#define WS(i) ((struct wsconn *)((char *)ws_conns + (size_t)(i) * ws_stride))

extern int epfd;
extern SSL_CTX *ctx;
extern const char *ws_sni_host;  /* SNI for a host name (not an address); NULL: none */
extern SSL_SESSION *ws_session;  /* resumed on every new connection when set */
extern uint64_t ws_bytes_in;     /* bytes read over TLS */

/* counters */
extern long n_started, n_inflight, n_open, n_failed, n_closed_by_server;
extern long close_codes[16]; extern int close_code_vals[16]; extern int n_close_kinds;
extern char first_fail[256];
extern volatile sig_atomic_t stop_flag;

uint32_t rnd32(void);
extern uint64_t rng;

SSL_CTX *ws_ctx_new(int release_buffers);
int ws_resolve(const char *host, int port); /* sets the destination; -1: cannot resolve */

void note_fail(const char *what, long i);
void set_events(long i, uint8_t ev);
void conn_free(long i);
void conn_fail(long i, const char *why);
void conn_closed_by_server(long i, int code);
int buf_append(uint8_t **b, uint32_t *len, uint32_t *cap, const void *p, size_t n);
int conn_flush(long i);                        /* 0 ok (maybe partially pending), -1 fatal */
int send_frame(long i, int opcode, const uint8_t *payload, size_t len); /* masked client frame */
void ws_send_upgrade(long i, const char *req, size_t len);
int start_connect(long i);                     /* clears the whole struct conn */
void on_event(long i, uint32_t ev);
void ws_close_codes(char *out, size_t size);   /* "code:count,..." or "-" */

/* ---------------------------------------------------------------- hooks the program defines */
void ws_hook_upgrade(long i);                  /* send the upgrade request (ws_send_upgrade) */
int ws_hook_upgraded(long i);                  /* after the 101; nonzero: the connection is gone */
/* one frame; 0 go on, -1 bad (the connection fails), -2 the connection is gone */
int ws_hook_frame(long i, int op, const uint8_t *p, size_t len, int64_t now);
void ws_hook_dropped(long i, int ssl_error);   /* read failed before ST_OPEN */
#endif
