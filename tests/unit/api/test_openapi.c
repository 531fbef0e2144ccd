/* api_openapi and api_router: the document built from the route tables (every route in it,
 * with its answers; an undocumented route or an unknown schema refused), and the dispatch
 * of the system routes through the http.h double. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "http_double.h"
#include "pongd_limits.h"

static void noop(api_t *a, http_req_t *r, int64_t id) {
    (void)a;
    (void)id;
    http_respond(r, 204, NULL, NULL, 0, HTTP_BODY_BORROW);
}

static json_t *build(const api_route_t *const *tables, char *err, size_t cap) {
    char *doc = api_openapi_build(tables, err, cap);
    if (!doc) return NULL;
    json_error_t je;
    json_t *j = json_loads(doc, 0, &je);
    free(doc);
    assert_non_null(j);
    return j;
}

static const char *method_key(http_method_t m) {
    switch (m) {
    case HTTP_GET: return "get";
    case HTTP_POST: return "post";
    case HTTP_PUT: return "put";
    case HTTP_PATCH: return "patch";
    case HTTP_DELETE: return "delete";
    default: return "?";
    }
}

static void test_every_route_is_in_the_document(void **state) {
    (void)state;
    char err[256] = "";
    json_t *doc = build(API_TABLES, err, sizeof err);
    if (!doc) fail_msg("the real tables were refused: %s", err);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_t *paths = json_object_get(doc, "paths"), *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    assert_non_null(json_object_get(schemas, "Error"));
    int ops = 0;
    for (size_t t = 0; API_TABLES[t]; t++) {
        for (const api_route_t *rt = API_TABLES[t]; rt->path; rt++) {
            if (!rt->fn) continue;
            char path[128];
            snprintf(path, sizeof path, strcmp(rt->path, "/api") == 0 ? "%s/" : "%s", rt->path);
            json_t *op = json_object_get(json_object_get(paths, path), method_key(rt->method));
            if (!op) fail_msg("%s %s is not in the document", method_key(rt->method), path);
            assert_string_equal(json_string_value(json_object_get(op, "operationId")), rt->op);
            json_t *security = json_object_get(op, "security");
            bool bearer = false;
            for (size_t i = 0; i < json_array_size(security); i++) bearer = bearer || json_object_get(json_array_get(security, i), "bearerAuth");
            assert_int_equal(bearer, rt->auth);
            for (const api_resp_t *r = rt->responses; r < rt->responses + API_MAX_RESPONSES && r->status; r++) {
                char key[8];
                snprintf(key, sizeof key, "%d", r->status);
                if (!json_object_get(json_object_get(op, "responses"), key)) fail_msg("%s %s: %s is missing", method_key(rt->method), path, key);
            }
            ops++;
        }
    }
    assert_true(ops >= 27);
    json_decref(doc);
}

static void refused(const api_route_t *table, const char *why) {
    const api_route_t *const tables[] = { table, NULL };
    char err[256] = "";
    char *doc = api_openapi_build(tables, err, sizeof err);
    if (doc) {
        free(doc);
        fail_msg("a table that should be refused (%s) was accepted", why);
    }
    if (!strstr(err, why)) fail_msg("refused for another reason: '%s' (expected '%s')", err, why);
}

static void test_undocumented_routes_are_refused(void **state) {
    (void)state;
    static const api_route_t no_responses[] = {
        { HTTP_GET, "/api/x", "x", noop, false, .op = "getX", .tag = "t" },
        { .method = HTTP_GET, .path = NULL },
    };
    refused(no_responses, "/api/x has no operationId, tag or responses");
    static const api_route_t no_op[] = {
        { HTTP_GET, "/api/x", "x", noop, false, .tag = "t", .responses = { { 200, "Health", "ok" } } },
        { .method = HTTP_GET, .path = NULL },
    };
    refused(no_op, "has no operationId");
    static const api_route_t unknown_schema[] = {
        { HTTP_GET, "/api/x", "x", noop, false, .op = "getX", .tag = "t", .responses = { { 200, "NoSuchSchema", "ok" } } },
        { .method = HTTP_GET, .path = NULL },
    };
    refused(unknown_schema, "NoSuchSchema is not in schemas.json");
    static const api_route_t unknown_body[] = {
        { HTTP_POST, "/api/x", "x", noop, false, .op = "postX", .tag = "t", .body = "NoSuchBody", .responses = { { 204, NULL, "ok" } } },
        { .method = HTTP_GET, .path = NULL },
    };
    refused(unknown_body, "request schema NoSuchBody");
    static const api_route_t twice[] = {
        { HTTP_GET, "/api/x", "x", noop, false, .op = "getX", .tag = "t", .responses = { { 204, NULL, "ok" } } },
        { HTTP_GET, "/api/y", "y", noop, false, .op = "getX", .tag = "t", .responses = { { 204, NULL, "ok" } } },
        { .method = HTTP_GET, .path = NULL },
    };
    refused(twice, "operationId getX is used twice");
    static const api_param_t bad_q[] = { { "q", true, "{not json", "q" }, { NULL, false, NULL, NULL } };
    static const api_route_t bad_query[] = {
        { HTTP_GET, "/api/x", "x", noop, false, .op = "getX", .tag = "t", .query = bad_q,
          .responses = { { 204, NULL, "ok" } } },
        { .method = HTTP_GET, .path = NULL },
    };
    refused(bad_query, "query parameter q: schema is not JSON");
}

static void test_a_documented_route(void **state) {
    (void)state;
    static const api_param_t why[] = { { "why", false, "{\"type\":\"string\",\"maxLength\":10}", "a reason" }, { NULL, false, NULL, NULL } };
    static const api_route_t table[] = {
        { HTTP_DELETE, "/api/things/{id}", "Remove a thing", noop, true, .op = "removeThing", .tag = "things", .query = why,
          .responses = { { 204, NULL, "gone" }, API_R_UNAUTHORIZED, API_R_NOT_FOUND("no such thing"), { 404, "Error", "also" } } },
        { .method = HTTP_GET, .path = NULL },
    };
    const api_route_t *const tables[] = { table, NULL };
    char err[256] = "";
    json_t *doc = build(tables, err, sizeof err);
    assert_non_null(doc);
    json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), "/api/things/{id}"), "delete");
    assert_non_null(op);
    json_t *params = json_object_get(op, "parameters");
    assert_int_equal(json_array_size(params), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 0), "in")), "path");
    assert_string_equal(json_string_value(json_object_get(json_array_get(params, 1), "name")), "why");
    json_t *resp = json_object_get(op, "responses");
    assert_int_equal(json_object_size(resp), 4);   /* and the 429 of API_RATE, which every metered route may answer */
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(resp, "429"), "description")), "API_RATE"));
    assert_null(json_object_get(json_object_get(resp, "204"), "content"));
    const char *d404 = json_string_value(json_object_get(json_object_get(resp, "404"), "description"));
    assert_non_null(strstr(d404, "no such thing"));
    assert_non_null(strstr(d404, "also"));   /* one status twice: one entry, both descriptions */
    json_t *ref = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(resp, "401"), "content"),
                                                                  "application/json"), "schema"), "$ref");
    assert_string_equal(json_string_value(ref), "#/components/schemas/Error");
    json_decref(doc);
}

static http_req_t *serve(api_t *a, http_method_t m, const char *path) {
    http_req_t *r = httpd_new(m, path, NULL, NULL);
    api_dispatch(a, r);
    return r;
}

/* API_RATE: every request but health and metrics spends from its address's budget (and its
 * account's, with a bearer token); past it 429 with Retry-After and the JSON error. */
static void test_rate_limit(void **state) {
    (void)state;
    char err[256] = "";
    metrics_t metrics = { 0 };
    ratemap_t *users = ratemap_create(60, 2, 16), *addrs = ratemap_create(60, 3, 16);
    api_t *a = api_create(&(api_t){ .metrics = &metrics, .api_user_rate = users, .api_addr_rate = addrs }, err, sizeof err);
    if (!a) fail_msg("api_create: %s", err);
    static const char *const paths[] = { "/api/", "/api/nothing-here", "/api/openapi.json" };
    for (int i = 0; i < 3; i++) {   /* unknown paths count too (walkers) */
        http_req_t *r = serve(a, HTTP_GET, paths[i]);
        assert_int_not_equal(httpd_status(r), 429);
        httpd_free(r);
    }
    http_req_t *r = serve(a, HTTP_GET, "/api/");
    assert_int_equal(httpd_status(r), 429);
    assert_non_null(httpd_resp_header(r, "retry-after"));
    assert_true(atoi(httpd_resp_header(r, "retry-after")) >= 1);
    assert_non_null(strstr(httpd_body(r), "\"too_many_requests\""));
    httpd_free(r);
    r = serve(a, HTTP_GET, "/healthz");   /* probes are not metered */
    assert_int_equal(httpd_status(r), 200);
    httpd_free(r);
    r = serve(a, HTTP_GET, "/metrics");
    assert_int_not_equal(httpd_status(r), 429);
    httpd_free(r);
    api_destroy(a);
    ratemap_destroy(users);
    ratemap_destroy(addrs);
}

/* The address's key: the peer as text, an IPv6 address cut to its /64. */
static void test_peer_key(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        { "127.0.0.1", "127.0.0.1" },
        { "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64" },
        { "2001:db8:1:2::7", "2001:db8:1:2::/64" },
        { "::ffff:192.0.2.1", "::ffff:192.0.2.1" },   /* an IPv4 client on a dual-stack socket: its own address */
        { "-", "-" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_req_t *r = httpd_new(HTTP_GET, "/api/", NULL, NULL);
        httpd_peer(r, cases[i][0]);
        char key[LIM_RATEMAP_KEY_BYTES];
        api_peer_key(r, key, sizeof key);
        assert_string_equal(key, cases[i][1]);
        httpd_free(r);
    }
}

static void test_dispatch(void **state) {
    (void)state;
    char err[256] = "";
    metrics_t metrics = { 0 };
    api_t *a = api_create(&(api_t){ .metrics = &metrics }, err, sizeof err);
    if (!a) fail_msg("api_create: %s", err);
    http_req_t *r = serve(a, HTTP_GET, "/api/openapi.json");
    assert_int_equal(httpd_status(r), 200);
    assert_string_equal(httpd_body(r), a->openapi);
    httpd_free(r);
    r = serve(a, HTTP_GET, "/api/");
    assert_int_equal(httpd_status(r), 200);
    assert_non_null(strstr(httpd_body(r), "\"/api/openapi.json\""));
    httpd_free(r);
    r = serve(a, HTTP_HEAD, "/healthz");   /* HEAD answers as GET */
    assert_int_equal(httpd_status(r), 200);
    httpd_free(r);
    r = serve(a, HTTP_POST, "/api/openapi.json");
    assert_int_equal(httpd_status(r), 405);
    assert_string_equal(httpd_resp_header(r, "allow"), "GET, HEAD");
    httpd_free(r);
    r = serve(a, HTTP_GET, "/api/nothing-here");
    assert_int_equal(httpd_status(r), 404);
    assert_non_null(strstr(httpd_body(r), "\"not_found\""));
    httpd_free(r);
    r = serve(a, HTTP_GET, "/api/users/0123");   /* {id}: no leading zero */
    assert_int_equal(httpd_status(r), 404);
    httpd_free(r);
    /* the chat's patterns: {name} and a second integer */
    r = serve(a, HTTP_GET, "/api/chat/rooms/Lobby/join");
    assert_int_equal(httpd_status(r), 405);
    assert_string_equal(httpd_resp_header(r, "allow"), "POST");
    httpd_free(r);
    r = serve(a, HTTP_POST, "/api/chat/rooms/Lobby/messages/3");
    assert_int_equal(httpd_status(r), 405);
    assert_string_equal(httpd_resp_header(r, "allow"), "DELETE");
    httpd_free(r);
    r = serve(a, HTTP_DELETE, "/api/chat/rooms/Lobby/messages/03");
    assert_int_equal(httpd_status(r), 404);
    httpd_free(r);
    r = serve(a, HTTP_GET, "/api/chat/rooms/a/b");
    assert_int_equal(httpd_status(r), 404);
    httpd_free(r);
    r = serve(a, HTTP_GET, "/api/chat/rooms/Lobby/messages");   /* a handler: no token */
    assert_int_equal(httpd_status(r), 401);
    httpd_free(r);
    api_destroy(a);
}

static void test_route_patterns(void **state) {
    (void)state;
    int64_t id = -1;
#define M(pat, path) api_route_match(pat, span_cstr(path), &id)
    /* {id} alone: reqparse_route */
    assert_true(M("/api/users/{id}", "/api/users/42"));
    assert_int_equal(id, 42);
    assert_false(M("/api/users/{id}", "/api/users/042"));
    /* {name}: one segment, any bytes but '/', bounded */
    assert_true(M("/api/chat/rooms/{name}/join", "/api/chat/rooms/Lobby-1/join"));
    assert_int_equal(id, 0);
    assert_true(M("/api/chat/rooms/{name}/join", "/api/chat/rooms/Lobby-1/join/"));
    assert_false(M("/api/chat/rooms/{name}/join", "/api/chat/rooms//join"));
    assert_false(M("/api/chat/rooms/{name}/join", "/api/chat/rooms/a/b/join"));
    assert_false(M("/api/chat/rooms/{name}", "/api/chat/rooms/x/join"));
    char longname[API_NAME_SEGMENT_MAX + 40];
    snprintf(longname, sizeof longname, "/api/chat/rooms/%0*d", API_NAME_SEGMENT_MAX + 1, 0);
    assert_false(M("/api/chat/rooms/{name}", longname));
    /* a name and an integer of another name: the integer is the id */
    assert_true(M("/api/chat/rooms/{name}/messages/{seq}", "/api/chat/rooms/abc/messages/17"));
    assert_int_equal(id, 17);
    assert_false(M("/api/chat/rooms/{name}/messages/{seq}", "/api/chat/rooms/abc/messages/0"));
    assert_false(M("/api/chat/rooms/{name}/messages/{seq}", "/api/chat/rooms/abc/messages/1x"));
    assert_false(M("/api/chat/rooms/{name}/messages/{seq}", "/api/chat/rooms/abc/messages/1234567890123456789"));
    assert_true(M("/api/chat/dm/{user_id}/messages", "/api/chat/dm/9/messages"));
    assert_int_equal(id, 9);
#undef M
}

static void test_path_parameters_in_the_document(void **state) {
    (void)state;
    static const api_route_t table[] = {
        { HTTP_DELETE, "/api/rooms/{name}/items/{seq}", "x", noop, true, .op = "x", .tag = "t",
          .responses = { { 204, NULL, "ok" } } },
        { .method = HTTP_GET, .path = NULL },
    };
    const api_route_t *const tables[] = { table, NULL };
    char err[256] = "";
    json_t *doc = build(tables, err, sizeof err);
    assert_non_null(doc);
    json_t *params = json_object_get(json_object_get(json_object_get(json_object_get(doc, "paths"), "/api/rooms/{name}/items/{seq}"),
                                                     "delete"), "parameters");
    assert_int_equal(json_array_size(params), 2);
    json_t *p0 = json_array_get(params, 0), *p1 = json_array_get(params, 1);
    assert_string_equal(json_string_value(json_object_get(p0, "name")), "name");
    assert_string_equal(json_string_value(json_object_get(json_object_get(p0, "schema"), "type")), "string");
    assert_string_equal(json_string_value(json_object_get(p1, "name")), "seq");
    assert_string_equal(json_string_value(json_object_get(p1, "in")), "path");
    assert_string_equal(json_string_value(json_object_get(json_object_get(p1, "schema"), "type")), "integer");
    json_decref(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_in_the_document),
        cmocka_unit_test(test_undocumented_routes_are_refused),
        cmocka_unit_test(test_a_documented_route),
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_peer_key),
        cmocka_unit_test(test_route_patterns),
        cmocka_unit_test(test_path_parameters_in_the_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
