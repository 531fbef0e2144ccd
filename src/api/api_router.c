/* api_router — the route tables, their dispatch and the index built from them. See api.h. */
#include "api.h"
#include "pongd_limits.h"
#include "reqparse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every table of routes, searched in order; each ends with a NULL path. */
const api_route_t *const API_TABLES[] = { API_SYS_ROUTES, API_AUTH_ROUTES, API_TWOFA_ROUTES, API_EMAIL_ROUTES, API_OAUTH_ROUTES, API_USER_ROUTES, API_GAME_ROUTES, API_CHAT_ROUTES, API_MM_ROUTES, API_ADMIN_ROUTES, NULL };

/* Patterns with only "{id}" go to reqparse_route (unit-tested and fuzzed); the others (the
 * chat's "{name}", "{seq}", "{user_id}") are matched here, segment by segment, with the same
 * rules for integers: 1 to 18 digits without a leading zero. */
bool api_route_match(const char *pattern, span_t path, int64_t *id) {
    const char *b = strchr(pattern, '{');
    if (!b || (strncmp(b, "{id}", 4) == 0 && !strchr(b + 4, '{'))) return reqparse_route(pattern, path, id);
    size_t i = 0, k = 0;
    *id = 0;
    while (pattern[i]) {
        if (pattern[i] == '{') {
            const char *close = strchr(pattern + i, '}');
            if (!close) return false;
            bool name = strncmp(pattern + i, "{name}", 6) == 0;
            size_t start = k;
            int64_t v = 0;
            if (name) {
                while (k < path.len && path.ptr[k] != '/' && k - start < API_NAME_SEGMENT_MAX) k++;
            } else {
                while (k < path.len && path.ptr[k] >= '0' && path.ptr[k] <= '9' && k - start < 18) v = v * 10 + (path.ptr[k++] - '0');
                if (k > start && path.ptr[start] == '0') return false;
            }
            if (k == start || (k < path.len && path.ptr[k] != '/')) return false;
            if (!name) *id = v;
            i = (size_t)(close - pattern) + 1;
            continue;
        }
        if (k >= path.len || path.ptr[k] != pattern[i]) return false;
        i++;
        k++;
    }
    return k == path.len || (k + 1 == path.len && path.ptr[k] == '/');
}

#define FOR_EACH_ROUTE(rt)                                   \
    for (size_t t_ = 0; API_TABLES[t_]; t_++)                \
        for (const api_route_t *rt = API_TABLES[t_]; rt->path; rt++)

api_t *api_create(const api_t *deps, char *err, size_t errlen) {
    char *doc = api_openapi_build(API_TABLES, err, errlen);
    if (!doc) return NULL;
    api_t *a = xmalloc(sizeof *a);
    *a = *deps;
    a->openapi = doc;
    a->openapi_len = strlen(doc);
    json_t *eps = json_array();
    FOR_EACH_ROUTE(rt) {
        char path[96];
        snprintf(path, sizeof path, "%s/", rt->path);
        bool slash = strcmp(rt->path, "/api") == 0 || (rt->fn == NULL && rt->path[strlen(rt->path) - 1] != '/');
        json_t *e = json_pack("{s:s, s:s, s:s}", "method", http_method_name(rt->method), "path", slash ? path : rt->path,
                              "description", rt->summary);
        if (rt->auth) json_object_set_new(e, "auth", json_string("bearer"));
        json_array_append_new(eps, e);
    }
    json_t *root = json_pack("{s:s, s:s, s:o}", "name", "transcendence", "version", API_VERSION, "endpoints", eps);
    a->index = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    a->index_len = strlen(a->index);
    json_decref(root);
    return a;
}

void api_destroy(api_t *a) {
    if (!a) return;
    free(a->index);
    free(a->openapi);
    free(a);
}

void api_dispatch(api_t *a, http_req_t *r) {
    span_t path = http_req_path(r);
    http_method_t m = http_req_method(r);
    char allow[64] = "";
    bool metered = true;   /* every request counts (unknown paths too: walkers), but health and metrics probes */
    FOR_EACH_ROUTE(rt) {
        int64_t id;
        if (!rt->fn || !api_route_match(rt->path, path, &id)) continue;
        metered = metered && !rt->unmetered;
        if (m == rt->method || (m == HTTP_HEAD && rt->method == HTTP_GET)) {
            if (!rt->unmetered && !api_rate_ok(a, r)) return;
            rt->fn(a, r, id);
            return;
        }
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", rt->method == HTTP_GET ? "GET, HEAD" : http_method_name(rt->method));
    }
    if (metered && !api_rate_ok(a, r)) return;
    if (allow[0]) {
        http_resp_header(r, "allow", allow);
        http_respond_error(r, 405, "method_not_allowed", "This endpoint does not accept that method.");
        return;
    }
    http_respond_error(r, 404, "not_found", "No such API endpoint.");
}
