/* reqparse — see reqparse.h. */
#include "reqparse.h"

#include <string.h>

bool reqparse_cookie(const char *c, const char *name, char *out, size_t cap) {
    size_t n = strlen(name);
    while (c && *c) {
        while (*c == ' ' || *c == ';') c++;
        const char *eq = strchr(c, '='), *end = strchr(c, ';');
        if (!end) end = c + strlen(c);
        if (eq && eq < end && (size_t)(eq - c) == n && memcmp(c, name, n) == 0) {
            size_t len = (size_t)(end - eq - 1);
            if (len >= cap) return false;
            memcpy(out, eq + 1, len);
            out[len] = 0;
            return true;
        }
        c = end;
    }
    return false;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool reqparse_query(span_t q, const char *name, char *out, size_t cap) {
    size_t n = strlen(name);
    if (cap == 0) return false;
    for (size_t i = 0; i < q.len;) {
        size_t end = i;
        while (end < q.len && q.ptr[end] != '&') end++;
        if (end - i > n && memcmp(q.ptr + i, name, n) == 0 && q.ptr[i + n] == '=') {
            size_t k = 0;
            for (size_t p = i + n + 1; p < end; p++) {
                char c = q.ptr[p];
                if (c == '+') {
                    c = ' ';
                } else if (c == '%') {
                    if (p + 2 >= end) return false;   /* two hex digits must follow, before the end */
                    int hi = hexval(q.ptr[p + 1]), lo = hexval(q.ptr[p + 2]);
                    if (hi < 0 || lo < 0) return false;
                    c = (char)(hi * 16 + lo);
                    p += 2;
                }
                if (c == 0 || k + 1 >= cap) return false;
                out[k++] = c;
            }
            out[k] = 0;
            return true;
        }
        i = end + 1;
    }
    return false;
}

bool reqparse_route(const char *route, span_t path, int64_t *id) {
    size_t i = 0, k = 0;
    *id = 0;
    while (route[i]) {
        if (strncmp(route + i, "{id}", 4) == 0) {
            size_t start = k;
            int64_t v = 0;
            while (k < path.len && path.ptr[k] >= '0' && path.ptr[k] <= '9' && k - start < 18) v = v * 10 + (path.ptr[k++] - '0');
            if (k == start || path.ptr[start] == '0' || (k < path.len && path.ptr[k] != '/')) return false;
            *id = v;
            i += 4;
            continue;
        }
        if (k >= path.len || path.ptr[k] != route[i]) return false;
        i++;
        k++;
    }
    return k == path.len || (k + 1 == path.len && path.ptr[k] == '/');
}

bool reqparse_origin_ok(const char *origin, const char (*allowed)[256], int n) {
    if (!origin) return false;
    for (int i = 0; i < n; i++)
        if (strcmp(origin, allowed[i]) == 0) return true;
    return false;
}
