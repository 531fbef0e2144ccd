/* What the libwebsockets glue files share (server.c, http_conn.c, ws_conn.c, redirect.c,
 * overflow.c): the structs behind srv_t, http_req_t and ws_conn_t, and the functions each
 * file offers the others. Included only by those files: they are the only ones that include
 * libwebsockets.h, and they are linked into pongd only (NET_GLUE in the Makefile). Everything
 * above them uses http.h and ws.h.
 *
 * Prefixes: srv_ server.c, http_conn_ http_conn.c, ws_conn_ ws_conn.c, redirect_ redirect.c,
 * overflow_ overflow.c. All of it runs on the loop thread. */
#ifndef PONGD_SRV_INTERNAL_H
#define PONGD_SRV_INTERNAL_H

#include "server.h"
#include "admit.h"
#include "pongd_limits.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <signal.h>

struct ev_loop;

/* The few libev functions server.c calls, bound at run time (dlopen): pongd does not link libev. */
typedef struct {
    void *dl;
    struct ev_loop *(*loop_new)(unsigned int flags);
    int (*run)(struct ev_loop *loop, int flags);
    void (*loop_destroy)(struct ev_loop *loop);
} srv_libev_t;

/* ---- types ---- */

struct http_req {
    srv_t *srv;
    struct conn *conn;          /* NULL once the client has gone */
    http_method_t method;
    bool held, answered, close_after, in_dispatch;
    bool dispatched;            /* handed to the application (exactly once) */
    char path[LIM_HTTP_URI_BYTES + 1];
    size_t path_len;
    char *query;
    char *hdr[HDR__COUNT];
    buf_t body;
    char peer[64];
    uint64_t t0_us;
    /* response */
    int status;
    char ctype[96];
    char *rh_names[LIM_HTTP_RESP_HEADERS], *rh_values[LIM_HTTP_RESP_HEADERS];
    int n_rh;
    const char *out;
    size_t out_len, out_sent;
    char *out_owned;
    bool headers_sent;
};

struct ws_conn {
    srv_t *srv;
    struct lws *wsi;
    wsmsg_queue_t q;
    void *data;
    char path[LIM_WS_PATH_BYTES];
    size_t path_len;
    char peer[64];
    uint64_t t0_us;
    buf_t rx;                   /* a fragmented message being assembled */
    bool rx_binary;             /* ... which began with a binary frame */
    bool realtime;              /* ws_set_realtime: never paced, TCP_NODELAY */
    bool realtime_nodelay;      /* counted in metrics ws_realtime_nodelay */
    char close_why[64];         /* the application's close reason (ws_close) */
    int close_code;             /* ours, pending; 0 = none */
    lws_sorted_usec_list_t deadline_sul;   /* ws_set_deadline */
    int deadline_code;
    char deadline_why[64];
    bool drop_queue;            /* close without flushing (slow reader) */
    bool shutdown_close;        /* our 1001 close frame is queued as a raw frame (shutdown) */
    int peer_close_code;
    bool opened;
    bool refused;               /* over WS_PER_ADDRESS: closing with 4008, never shown to the application */
    struct ws_conn *prev, *next;
    struct ws_conn *pace_prev, *pace_next; /* on the paced-flush list */
    bool pace_pending;
    struct ws_conn *direct_prev, *direct_next; /* on the direct-write list (realtime) */
    bool direct_pending;
};

typedef struct conn {
    int kind;                   /* 0 none, 1 http, 2 websocket */
    http_req_t *req;
    struct ws_conn ws;
} conn_t;

struct srv {
    const config_t *cfg;
    struct lws_context *ctx;
    struct lws_vhost *vh_tls, *vh_redirect;
    srv_handlers_t h;
    void *app;
    metrics_t *m;
    pool_t *pools[SRV_MAX_POOLS];
    int n_pools;
    volatile sig_atomic_t stop;
    bool shutting_down;
    int64_t shutdown_pending;   /* sockets whose 1001 close frame is not written yet */
    struct ws_conn *ws_all;     /* every open WebSocket, for shutdown */
    int64_t reqs_open;          /* http_req_t alive (being read, handled or written): the shutdown waits for them */
    /* Connection caps (admit.h; docs/security.md "Availability (issue 16)") */
    admit_t *admit;
    bool accept_pending;        /* FILTER_NETWORK_CONNECTION let a connection in: its WSI_CREATE follows */
    admit_addr_t accept_addr;   /* ... from this address */
    struct lws *listeners[4];   /* the listening sockets seen so far (FILTER's wsi), for gating */
    int n_listeners;
    bool accepts_gated;         /* at a global cap: the listeners are not polled */
    bool emfile_pause;          /* accept() failed for descriptors: paused for a moment */
    struct net_timer *hs_timer;         /* the handshake deadline (HANDSHAKE_TIMEOUT) */
    struct net_timer *emfile_timer;     /* resumes accepting after an EMFILE pause */
    struct net_timer *flush_timer;      /* the access log's flush, every 250 ms */
    /* Write pacing under heavy broadcast load (see ws_send). */
    struct net_timer *load_timer, *pace_timer;
    uint32_t window_deliveries;         /* queued in the current load window */
    bool busy, pace_scheduled;
    struct ws_conn *pace_head;
    struct ws_conn *direct_head;        /* realtime sockets with frames to write (ws_conn_flush_direct) */
    lws_retry_bo_t retry;
    void *evloop;               /* libev's loop under lws (server.c), NULL: lws's poll loop */
    srv_libev_t ev;             /* libev, bound at run time */
    struct net_timer *timers;   /* every srv_timer_new'd timer, cancelled by srv_destroy */
    int tfd;                    /* the timers' timerfd (in lws's poll set), -1 if none */
    uint64_t tfd_at;            /* what it is armed for; 0 = disarmed */
    uint64_t timer_wake;        /* count of its wake-ups */
    bool in_timers;             /* timers_run is running the timers' functions */
    unsigned char scratch[LWS_PRE + LIM_WS_COALESCE_BYTES + LIM_HTTP_CHUNK_BYTES];
};

/* ---- server.c ---- */

/* Client address without the IPv4-mapped prefix. */
void srv_peer(struct lws *wsi, char *out, size_t cap);
/* The connection-cap events both vhosts' protocols pass on (FILTER_NETWORK_CONNECTION,
 * WSI_CREATE, WSI_DESTROY): the value to return for FILTER (-1 refuses), else 0. */
int srv_conn_event(srv_t *s, struct lws *wsi, enum lws_callback_reasons reason, void *user);
/* The connection's first request head is complete (it leaves the handshake phase). */
void srv_conn_active(srv_t *s, struct lws *wsi);
/* accept() failed for want of descriptors (lws only logs it): pause accepting briefly. */
void srv_accept_failed(srv_t *s);

/* ---- http_conn.c: the HTTP side of the main protocol's callbacks ---- */

/* LWS_CALLBACK_HTTP_BIND_PROTOCOL / _DROP_PROTOCOL: an HTTP connection starts / ends. */
void http_conn_bind(srv_t *s, conn_t *c);
void http_conn_drop(srv_t *s, conn_t *c);
/* LWS_CALLBACK_HTTP: a request head has arrived. Returns -1 to close. */
int http_conn_head(srv_t *s, conn_t *c, struct lws *wsi, const char *uri);
/* LWS_CALLBACK_HTTP_BODY: a piece of the request body. */
void http_conn_body(conn_t *c, const void *in, size_t len);
/* Runs the application's handler (once per request). Returns -1 to close. */
int http_conn_dispatch(srv_t *s, struct lws *wsi, http_req_t *r);
/* Writes what is pending of r's response; when complete, logs it and (if owned) frees it.
 * Returns -1 to close the connection. */
int http_conn_write(srv_t *s, struct lws *wsi, http_req_t *r, bool owned);
/* An error answer written at once from a callback that has no WRITEABLE to follow (a refused
 * WebSocket upgrade); then the connection closes. */
void http_conn_answer_sync(srv_t *s, struct lws *wsi, int status, const char *path, const char *code,
                           const char *message);
/* lws's method index (lws_http_get_uri_and_method) as http_method_t. */
http_method_t http_conn_method(int m);
/* The query string re-encoded as the client meant it (malloc'd), or NULL. */
char *http_conn_query(struct lws *wsi);

/* ---- ws_conn.c: the WebSocket side ---- */

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: 0 to accept; else the refusal is written, returns 1. */
int ws_conn_confirm_upgrade(srv_t *s, struct lws *wsi, const char *protocol);
/* LWS_CALLBACK_ESTABLISHED. */
void ws_conn_open(srv_t *s, conn_t *cc, struct lws *wsi);
/* LWS_CALLBACK_RECEIVE. Returns -1 to close. */
int ws_conn_receive(srv_t *s, struct ws_conn *c, struct lws *wsi, const void *in, size_t len);
/* LWS_CALLBACK_SERVER_WRITEABLE. Returns -1 to close. */
int ws_conn_writeable(srv_t *s, struct ws_conn *c);
/* LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: remembers the peer's close code. */
void ws_conn_peer_closing(struct ws_conn *c, const void *in, size_t len);
/* LWS_CALLBACK_CLOSED. */
void ws_conn_closed(srv_t *s, struct ws_conn *c);
/* Takes c off the realtime metrics (closing). */
void ws_conn_realtime_drop(srv_t *s, struct ws_conn *c);
/* Writes the realtime sockets that have frames queued since the last call (loop thread,
 * outside any of their callbacks: the end of a timer run or of a loop turn). */
void ws_conn_flush_direct(srv_t *s);
/* The write-pacing load timer: started by srv_create, stopped (with the pace timer) by
 * srv_destroy. */
void ws_conn_pacing_start(srv_t *s);
void ws_conn_pacing_stop(srv_t *s);

/* ---- redirect.c ---- */

/* The protocol callback of the plain-HTTP vhost. */
int redirect_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* ---- overflow.c: the 431 answer for an oversized request head ---- */

/* Where the answer's metrics and access log go; set once by srv_create. */
void overflow_init(srv_t *s);
/* The OpenSSL message callback of the TLS vhost. */
void overflow_tls_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
                         void *arg);
/* lws's log hook: lws lines to our log, and the 431 when lws reports an overflowed head. */
void overflow_lws_log(int level, const char *line);

#endif
