/* ws_double — see ws_double.h. */
#include "ws_double.h"
#include "pongd_limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ws_conn {
    void *data;
    char path[LIM_WS_PATH_BYTES];
    char *sent[WSD_MAX_SENT];
    int nsent;
    int close_code;
    char close_reason[128];
    int deadline_s, deadline_code;
};

ws_conn_t *wsd_new(const char *path) {
    ws_conn_t *c = xcalloc(1, sizeof *c);
    size_t n = strlen(path);
    if (n >= sizeof c->path) n = sizeof c->path - 1;
    memcpy(c->path, path, n);
    return c;
}

void wsd_clear_sent(ws_conn_t *c) {
    for (int i = 0; i < c->nsent; i++) free(c->sent[i]);
    c->nsent = 0;
}

void wsd_free(ws_conn_t *c) {
    if (!c) return;
    wsd_clear_sent(c);
    free(c);
}

int wsd_sent_count(const ws_conn_t *c) { return c->nsent; }
const char *wsd_sent(const ws_conn_t *c, int i) { return i >= 0 && i < c->nsent ? c->sent[i] : NULL; }
int wsd_close_code(const ws_conn_t *c) { return c->close_code; }
const char *wsd_close_reason(const ws_conn_t *c) { return c->close_reason; }
int wsd_deadline_s(const ws_conn_t *c) { return c->deadline_s; }
int wsd_deadline_code(const ws_conn_t *c) { return c->deadline_code; }

int ws_send_text(ws_conn_t *c, span_t text) {
    if (c->close_code) return ERR_AGAIN;
    if (c->nsent == WSD_MAX_SENT) return ERR_FULL;
    c->sent[c->nsent++] = xstrndup(text.ptr, text.len);
    return ERR_OK;
}

int ws_send(ws_conn_t *c, wsmsg_t *m) { return ws_send_text(c, wsmsg_payload(m)); }

static void send_one(void *owner, void *m) { ws_send(owner, m); }
void ws_broadcast(room_t *r, wsmsg_t *m) { room_each(r, send_one, m); }

void ws_close(ws_conn_t *c, int code, const char *reason) {
    if (c->close_code) return;
    c->close_code = code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", reason ? reason : "");
}

void ws_set_deadline(ws_conn_t *c, int seconds, int code, const char *reason) {
    (void)reason;
    c->deadline_s = seconds;
    c->deadline_code = seconds ? code : 0;
}

void *ws_data(const ws_conn_t *c) { return c->data; }
void ws_set_data(ws_conn_t *c, void *data) { c->data = data; }
span_t ws_path(const ws_conn_t *c) { return span_cstr(c->path); }
const char *ws_peer(const ws_conn_t *c) { (void)c; return "127.0.0.1"; }
void *ws_app(const ws_conn_t *c) { (void)c; return NULL; }
