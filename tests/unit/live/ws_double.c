/* ws_double — see ws_double.h. */
#include "ws_double.h"
#include "pongd_limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;        /* payload copy + NUL */
    size_t len;
    bool binary;
    int slot;
} wsd_frame_t;

struct ws_conn {
    void *data;
    char path[LIM_WS_PATH_BYTES];
    wsd_frame_t sent[WSD_MAX_SENT];
    int nsent;
    int close_code;
    char close_reason[128];
    int deadline_s, deadline_code;
    bool realtime;
};

ws_conn_t *wsd_new(const char *path) {
    ws_conn_t *c = xcalloc(1, sizeof *c);
    size_t n = strlen(path);
    if (n >= sizeof c->path) n = sizeof c->path - 1;
    memcpy(c->path, path, n);
    return c;
}

void wsd_clear_sent(ws_conn_t *c) {
    for (int i = 0; i < c->nsent; i++) free(c->sent[i].p);
    c->nsent = 0;
}

void wsd_free(ws_conn_t *c) {
    if (!c) return;
    wsd_clear_sent(c);
    free(c);
}

static const wsd_frame_t *frame(const ws_conn_t *c, int i) { return i >= 0 && i < c->nsent ? &c->sent[i] : NULL; }

int wsd_sent_count(const ws_conn_t *c) { return c->nsent; }
const char *wsd_sent(const ws_conn_t *c, int i) { return frame(c, i) ? frame(c, i)->p : NULL; }
size_t wsd_sent_len(const ws_conn_t *c, int i) { return frame(c, i) ? frame(c, i)->len : 0; }
bool wsd_sent_binary(const ws_conn_t *c, int i) { return frame(c, i) && frame(c, i)->binary; }
int wsd_sent_slot(const ws_conn_t *c, int i) { return frame(c, i) ? frame(c, i)->slot : 0; }
const char *wsd_last(const ws_conn_t *c, size_t *len) {
    if (len) *len = wsd_sent_len(c, c->nsent - 1);
    return wsd_sent(c, c->nsent - 1);
}
int wsd_close_code(const ws_conn_t *c) { return c->close_code; }
const char *wsd_close_reason(const ws_conn_t *c) { return c->close_reason; }
int wsd_deadline_s(const ws_conn_t *c) { return c->deadline_s; }
int wsd_deadline_code(const ws_conn_t *c) { return c->deadline_code; }
bool wsd_realtime(const ws_conn_t *c) { return c->realtime; }

static int record(ws_conn_t *c, const void *p, size_t n, bool binary, int slot) {
    if (c->close_code) return ERR_AGAIN;
    if (c->nsent == WSD_MAX_SENT) return ERR_FULL;
    wsd_frame_t *f = &c->sent[c->nsent++];
    f->p = xmalloc(n + 1);
    if (n) memcpy(f->p, p, n);
    f->p[n] = '\0';
    f->len = n;
    f->binary = binary;
    f->slot = slot;
    return ERR_OK;
}

int ws_send_text(ws_conn_t *c, span_t text) { return record(c, text.ptr, text.len, false, 0); }
int ws_send_binary(ws_conn_t *c, const void *p, size_t n) { return record(c, p, n, true, 0); }

static int send_msg(ws_conn_t *c, wsmsg_t *m, int slot) {
    span_t pl = wsmsg_payload(m);
    return record(c, pl.ptr, pl.len, (wsmsg_frame(m)[0] & 0x0f) == WSMSG_BINARY, slot);
}

int ws_send(ws_conn_t *c, wsmsg_t *m) { return send_msg(c, m, 0); }
int ws_send_latest(ws_conn_t *c, wsmsg_t *m, int slot) { return send_msg(c, m, slot > 0 ? slot : 0); }

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

void ws_set_realtime(ws_conn_t *c, bool on) { c->realtime = on; }
bool ws_nodelay(const ws_conn_t *c) { return c->realtime; }

void *ws_data(const ws_conn_t *c) { return c->data; }
void ws_set_data(ws_conn_t *c, void *data) { c->data = data; }
span_t ws_path(const ws_conn_t *c) { return span_cstr(c->path); }
const char *ws_peer(const ws_conn_t *c) { (void)c; return "127.0.0.1"; }
void *ws_app(const ws_conn_t *c) { (void)c; return NULL; }
