#include "path.h"
#include "pongd_limits.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int path_normalise(const char *in, size_t len, char *out, size_t cap) {
    if (len == 0 || in[0] != '/') return ERR_INVALID;
    if (cap < 2) return ERR_LIMIT;
    size_t o = 0, i = 0;
    while (i < len) {
        while (i < len && in[i] == '/') i++;
        size_t start = i;
        for (; i < len && in[i] != '/'; i++) {
            unsigned char c = (unsigned char)in[i];
            if (c == '\0' || c == '\\' || c < 0x20 || c == 0x7f) return ERR_INVALID;
        }
        size_t seg = i - start;
        if (seg == 0) break; /* only slashes were left */
        if ((seg == 1 && in[start] == '.') || (seg == 2 && in[start] == '.' && in[start + 1] == '.'))
            return ERR_INVALID;
        if (o + 1 + seg + 1 > cap) return ERR_LIMIT; /* '/' + segment + NUL */
        out[o++] = '/';
        memcpy(out + o, in + start, seg);
        o += seg;
    }
    if (o == 0 || in[len - 1] == '/') { /* root, or keep the trailing slash */
        if (o + 2 > cap) return ERR_LIMIT;
        out[o++] = '/';
    }
    out[o] = '\0';
    return (int)o;
}

static bool has_prefix_seg(span_t p, const char *prefix) {
    size_t n = strlen(prefix);
    if (p.len < n || memcmp(p.ptr, prefix, n) != 0) return false;
    return p.len == n || p.ptr[n] == '/';
}

route_t path_route(span_t p) {
    if (has_prefix_seg(p, "/api")) return ROUTE_API;
    if (has_prefix_seg(p, "/ws")) return ROUTE_WS;
    if (has_prefix_seg(p, "/static")) return ROUTE_STATIC;
    if (span_eq(p, "/healthz")) return ROUTE_HEALTHZ;
    if (span_eq(p, "/metrics")) return ROUTE_METRICS;
    return ROUTE_OTHER;
}

bool path_room_name_valid(span_t name) {
    if (name.len < 1 || name.len > LIM_CHAT_ROOM_NAME) return false;
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.ptr[i];
        if (!(isalnum(c) || c == '_' || c == '-') || c > 0x7f) return false;
    }
    return true;
}

bool path_chat_room(span_t path, span_t *room) {
    static const char prefix[] = "/ws/chat/";
    size_t n = sizeof prefix - 1;
    if (path.len <= n || memcmp(path.ptr, prefix, n) != 0) return false;
    span_t r = { path.ptr + n, path.len - n };
    if (r.len && r.ptr[r.len - 1] == '/') r.len--;
    if (!path_room_name_valid(r)) return false;
    *room = r;
    return true;
}

int path_encode(buf_t *out, span_t path) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < path.len; i++) {
        unsigned char c = (unsigned char)path.ptr[i];
        if (isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            if (buf_append(out, &path.ptr[i], 1) < 0) return ERR_LIMIT;
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            if (buf_append(out, e, 3) < 0) return ERR_LIMIT;
        }
    }
    return 0;
}

bool path_host_name(span_t host, char *out, size_t cap) {
    size_t n = host.len;
    const char *h = host.ptr;
    if (n == 0) return false;
    size_t end;
    if (h[0] == '[') {
        const char *rb = memchr(h, ']', n);
        if (!rb) return false;
        end = (size_t)(rb - h) + 1;
        if (end < 4) return false; /* at least "[::]" */
        for (size_t i = 1; i + 1 < end; i++)
            if (!(isxdigit((unsigned char)h[i]) || h[i] == ':' || h[i] == '.')) return false;
    } else {
        if (!isalnum((unsigned char)h[0])) return false;
        end = 0;
        while (end < n && h[end] != ':') {
            unsigned char c = (unsigned char)h[end];
            if (!(isalnum(c) || c == '-' || c == '.')) return false;
            end++;
        }
        if (end == 0) return false;
    }
    if (end < n) { /* ":port" */
        if (h[end] != ':' || end + 1 == n) return false;
        for (size_t i = end + 1; i < n; i++)
            if (!isdigit((unsigned char)h[i])) return false;
    }
    if (end >= cap || end > 253) return false;
    memcpy(out, h, end);
    out[end] = '\0';
    return true;
}

/* Finds media range or coding `what` in a comma list and returns whether its q is > 0. */
static int list_has(const char *list, const char *what) {
    size_t wl = strlen(what);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ') p++;
        size_t tl = (size_t)(p - tok);
        bool match = tl == wl && strncasecmp(tok, what, wl) == 0;
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == ';') {
                p++;
                while (*p == ' ') p++;
                if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                    q = 0;
                    const char *d = p + 2;
                    if (*d == '1') q = 1;
                    else if (*d == '0') {
                        d++;
                        if (*d == '.') for (d++; isdigit((unsigned char)*d); d++) if (*d != '0') q = 0.5;
                    }
                }
            } else p++;
        }
        if (match) return q > 0 ? 1 : 0;
    }
    return -1;
}

bool path_accepts_html(const char *accept) {
    if (!accept || !*accept) return true;
    if (list_has(accept, "text/html") == 0) return false; /* explicitly refused */
    return list_has(accept, "text/html") == 1 || list_has(accept, "text/*") == 1 ||
           list_has(accept, "*/*") == 1;
}

bool path_accepts_gzip(const char *ae) {
    if (!ae) return false;
    int g = list_has(ae, "gzip");
    if (g >= 0) return g == 1;
    return list_has(ae, "*") == 1;
}
