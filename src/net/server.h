/* The transport and protocol glue: one libwebsockets context with an HTTPS/WSS vhost and a
 * plain-HTTP redirect vhost, the event loop, the access log and the worker pool's wake-up.
 * Everything above it uses http.h and ws.h. Implemented by server.c with http_conn.c (http.h),
 * ws_conn.c (ws.h), redirect.c and overflow.c, which share srv_internal.h. */
#ifndef PONGD_SERVER_H
#define PONGD_SERVER_H

#include <stdbool.h>
#include "config.h"
#include "http.h"
#include "metrics.h"
#include "pool.h"
#include "timer.h"
#include "ws.h"

/* What the application supplies. Every callback runs on the loop thread. */
typedef struct {
    void (*on_http)(void *app, http_req_t *req);
    /* May a WebSocket open on this path? 0 yes, or an HTTP status to refuse with (404). */
    int (*ws_route)(void *app, span_t path);
    void (*ws_open)(void *app, ws_conn_t *c);
    /* One complete message (fragments assembled, at most 64 KB): text, or binary when
     * `binary`. data is valid during the call only. An endpoint that takes no binary
     * frames closes with ws_close(c, 1003, "binary frames are not accepted"). */
    void (*ws_message)(void *app, ws_conn_t *c, span_t data, bool binary);
    void (*ws_close)(void *app, ws_conn_t *c);
    /* Optional (NULL: none). Called once on the loop after srv_request_stop(), before the
     * WebSockets get their shared 1001 close: what it sends (e.g. "your game is
     * interrupted") is queued ahead of that close frame. New WebSockets are refused by then;
     * the loop keeps running (timers fire) until the close frames are written. */
    void (*on_stop)(void *app);
} srv_handlers_t;

typedef struct srv srv_t;

/* Creates the listeners. cert/key: PEM paths. ERR_IO with a message in err. */
int srv_create(srv_t **out, const config_t *cfg, const char *cert, const char *key,
               const srv_handlers_t *h, void *app, metrics_t *metrics, char *err, size_t errlen);
/* A worker pool whose completions the loop runs (at most SRV_MAX_POOLS); before srv_run(). */
#define SRV_MAX_POOLS 4
void srv_add_pool(srv_t *s, pool_t *pool);
/* Runs the loop until srv_request_stop(); then closes WebSockets with 1001 and returns. */
int srv_run(srv_t *s);
/* Async-signal-safe. */
void srv_request_stop(srv_t *s);
/* Wakes the loop from any thread (used by the worker pool). */
void srv_wake(void *s);
void srv_destroy(srv_t *s);

/* A loop timer (timer.h) that runs fn(arg) on the loop thread when due. Created unarmed;
 * arm it with net_timer_at. srv_timer_free cancels it (safe while armed, and from inside
 * its own fn) and frees it; NULL is a no-op. Timers left at srv_destroy are cancelled
 * there and must still be freed with srv_timer_free. */
net_timer_t *srv_timer_new(srv_t *s, void (*fn)(void *arg), void *arg);
void srv_timer_free(net_timer_t *t);

#endif
