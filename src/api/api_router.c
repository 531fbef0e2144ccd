/* api_router — the route tables, their dispatch and the index built from them. See api.h. */
#include "api.h"
#include "pongd_limits.h"
#include "reqparse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every table of routes, searched in order; each ends with a NULL path. */
const api_route_t *const API_TABLES[] = { API_SYS_ROUTES, API_AUTH_ROUTES, API_USER_ROUTES, API_GAME_ROUTES, API_MM_ROUTES, NULL };

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
    FOR_EACH_ROUTE(rt) {
        int64_t id;
        if (!rt->fn || !reqparse_route(rt->path, path, &id)) continue;
        if (m == rt->method || (m == HTTP_HEAD && rt->method == HTTP_GET)) {
            rt->fn(a, r, id);
            return;
        }
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", rt->method == HTTP_GET ? "GET, HEAD" : http_method_name(rt->method));
    }
    if (allow[0]) {
        http_resp_header(r, "allow", allow);
        http_respond_error(r, 405, "method_not_allowed", "This endpoint does not accept that method.");
        return;
    }
    http_respond_error(r, 404, "not_found", "No such API endpoint.");
}
