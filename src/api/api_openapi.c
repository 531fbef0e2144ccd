/* api_openapi — the OpenAPI 3.1 document, built once at start from the route tables (see
 * api.h), the schemas in src/api/openapi/schemas.json and the WebSocket protocols in
 * src/api/openapi/websockets.md; both files are built into the binary (api_openapi_data.S),
 * so the document always matches the code that answers. */
#include "api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* api_openapi_data.S: the two files, NUL-terminated */
extern const char api_openapi_schemas[];
extern const char api_openapi_websockets[];

static json_t *ref(const char *name) {
    char r[160];
    snprintf(r, sizeof r, "#/components/schemas/%s", name);
    return json_pack("{s:s}", "$ref", r);
}

/* The content map of a body named as api_resp_t.schema / api_route_t.body says. Images:
 * uploads are PNG, JPEG or WebP; answers are WebP or the SVG identicon. */
static json_t *content(const char *schema, bool request) {
    if (strcmp(schema, "@text") == 0) return json_pack("{s:{s:{s:s}}}", "text/plain", "schema", "type", "string");
    if (strcmp(schema, "@image") == 0) {
        json_t *c = json_object();
        static const char *const in[] = { "image/png", "image/jpeg", "image/webp", NULL };
        static const char *const out[] = { "image/webp", "image/svg+xml", NULL };
        const char *const *types = request ? in : out;
        for (size_t i = 0; types[i]; i++)
            json_object_set_new(c, types[i], json_pack("{s:{s:s, s:s}}", "schema", "type", "string", "contentMediaType", types[i]));
        return c;
    }
    return json_pack("{s:{s:o}}", "application/json", "schema", ref(schema));
}

static const char *method_key(http_method_t m) {
    switch (m) {
    case HTTP_GET: return "get";
    case HTTP_POST: return "post";
    case HTTP_PUT: return "put";
    case HTTP_PATCH: return "patch";
    case HTTP_DELETE: return "delete";
    default: return NULL;
    }
}

/* A schema name must exist; "@text"/"@image" are built in. */
static bool known(json_t *schemas, const char *name) { return name[0] == '@' || json_object_get(schemas, name) != NULL; }

static json_t *operation(const api_route_t *rt, json_t *schemas, char *err, size_t errlen) {
    if (!rt->op || !rt->tag || rt->responses[0].status == 0) {
        snprintf(err, errlen, "%s %s has no operationId, tag or responses", http_method_name(rt->method), rt->path);
        return NULL;
    }
    json_t *op = json_pack("{s:s, s:s, s:[s]}", "operationId", rt->op, "summary", rt->summary, "tags", rt->tag);
    json_t *security = json_array();
    if (rt->auth) json_array_append_new(security, json_pack("{s:[]}", "bearerAuth"));
    /* the refresh cookie (every such route checks Origin), or Log in with 42's state cookie (its
     * callback, the one cookie route a cross-site navigation reaches: no Origin check) */
    if (rt->cookie) json_array_append_new(security, json_pack("{s:[]}", strcmp(rt->cookie, "refresh") == 0 ? "refreshCookie" : "oauthStateCookie"));
    json_object_set_new(op, "security", security);
    json_t *params = json_array();
    for (const char *b = strchr(rt->path, '{'); b; b = strchr(b + 1, '{')) {   /* path parameters: api_route_match */
        const char *e = strchr(b, '}');
        if (!e || e - b - 1 > 32) continue;
        char pname[40];
        snprintf(pname, sizeof pname, "%.*s", (int)(e - b - 1), b + 1);
        if (strcmp(pname, "name") == 0)   /* the chat's room names (chatrule_room_key) */
            json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:{s:s, s:s}}", "name", pname, "in", "path", "required", 1,
                                                    "description", "A room name, any case: 1 to 64 of A-Z a-z 0-9 _ -", "schema",
                                                    "type", "string", "pattern", "^[A-Za-z0-9_-]{1,64}$"));
        else
            json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s, s:i}}", "name", pname, "in", "path", "required", 1,
                                                    "schema", "type", "integer", "minimum", 1));
    }
    for (const api_param_t *q = rt->query; q && q->name; q++) {
        json_error_t je;
        json_t *sch = json_loads(q->schema, 0, &je);
        if (!sch) {
            snprintf(err, errlen, "%s %s: query parameter %s: schema is not JSON", http_method_name(rt->method), rt->path, q->name);
            json_decref(params);
            json_decref(op);
            return NULL;
        }
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", q->name, "in", "query", "required", q->required,
                                                "description", q->what, "schema", sch));
    }
    if (json_array_size(params)) json_object_set_new(op, "parameters", params);
    else json_decref(params);
    if (rt->body) {
        if (!known(schemas, rt->body)) {
            snprintf(err, errlen, "%s %s: request schema %s is not in schemas.json", http_method_name(rt->method), rt->path, rt->body);
            json_decref(op);
            return NULL;
        }
        json_object_set_new(op, "requestBody", json_pack("{s:b, s:o}", "required", 1, "content", content(rt->body, true)));
    }
    json_t *responses = json_object();
    for (const api_resp_t *r = rt->responses; r < rt->responses + API_MAX_RESPONSES && r->status; r++) {
        char key[8];
        snprintf(key, sizeof key, "%d", r->status);
        if (r->schema && !known(schemas, r->schema)) {
            snprintf(err, errlen, "%s %s: response %d: schema %s is not in schemas.json", http_method_name(rt->method), rt->path,
                     r->status, r->schema);
            json_decref(responses);
            json_decref(op);
            return NULL;
        }
        json_t *have = json_object_get(responses, key);
        if (have) {   /* one status listed twice: one entry, both descriptions */
            char both[512];
            snprintf(both, sizeof both, "%s; %s", json_string_value(json_object_get(have, "description")), r->what ? r->what : "");
            json_object_set_new(have, "description", json_string(both));
            continue;
        }
        json_t *resp = json_pack("{s:s}", "description", r->what ? r->what : "");
        if (r->schema) json_object_set_new(resp, "content", content(r->schema, false));
        json_object_set_new(responses, key, resp);
    }
    if (!rt->unmetered) {   /* the general budget (api_rate_ok) holds for every other route */
        static const char over[] = "too_many_requests: over the API budget of this account or address (API_RATE); wait Retry-After seconds";
        json_t *have = json_object_get(responses, "429");
        if (have) {
            char both[512];
            snprintf(both, sizeof both, "%s; %s", json_string_value(json_object_get(have, "description")), over);
            json_object_set_new(have, "description", json_string(both));
        } else {
            json_object_set_new(responses, "429", json_pack("{s:s, s:o}", "description", over, "content", content("Error", false)));
        }
    }
    json_object_set_new(op, "responses", responses);
    return op;
}

/* The path as clients call it: the index is "/api/". */
static void doc_path(const api_route_t *rt, char *out, size_t cap) {
    snprintf(out, cap, strcmp(rt->path, "/api") == 0 ? "%s/" : "%s", rt->path);
}

char *api_openapi_build(const api_route_t *const *tables, char *err, size_t errlen) {
    json_error_t je;
    json_t *schemas = json_loads(api_openapi_schemas, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(schemas)) {
        snprintf(err, errlen, "schemas.json line %d: %s", je.line, je.text);
        json_decref(schemas);
        return NULL;
    }
    json_t *paths = json_object(), *tags = json_array(), *ops = json_object();
    char *out = NULL;
    for (size_t t = 0; tables[t]; t++) {
        for (const api_route_t *rt = tables[t]; rt->path; rt++) {
            if (!rt->fn) continue;   /* WebSocket endpoints: the description tells their protocols */
            const char *m = method_key(rt->method);
            json_t *op = m ? operation(rt, schemas, err, errlen) : NULL;
            if (!op) {
                if (!m) snprintf(err, errlen, "%s: a method the document cannot name", rt->path);
                goto done;
            }
            if (json_object_get(ops, rt->op)) {
                snprintf(err, errlen, "operationId %s is used twice", rt->op);
                json_decref(op);
                goto done;
            }
            json_object_set_new(ops, rt->op, json_true());
            bool seen = false;
            for (size_t i = 0; i < json_array_size(tags); i++)
                seen = seen || strcmp(json_string_value(json_object_get(json_array_get(tags, i), "name")), rt->tag) == 0;
            if (!seen) json_array_append_new(tags, json_pack("{s:s}", "name", rt->tag));
            char path[128];
            doc_path(rt, path, sizeof path);
            json_t *item = json_object_get(paths, path);
            if (!item) {
                item = json_object();
                json_object_set_new(paths, path, item);
            }
            json_object_set_new(item, m, op);
        }
    }
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s, s:{s:s, s:s}}, s:[{s:s}], s:O, s:O, s:{s:{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s}}, s:O}}",
        "openapi", "3.1.0",
        "info", "title", "Transcendence API", "version", API_VERSION, "description", api_openapi_websockets,
        "license", "name", "Proprietary", "identifier", "LicenseRef-Transcendence",
        "servers", "url", "/",
        "tags", tags,
        "paths", paths,
        "components", "securitySchemes",
        "bearerAuth", "type", "http", "scheme", "bearer", "bearerFormat", "JWT",
        "refreshCookie", "type", "apiKey", "in", "cookie", "name", "refresh", "description",
        "The refresh token (HttpOnly, Secure, SameSite=Strict, Path=/api/auth), set by register, login and refresh",
        "oauthStateCookie", "type", "apiKey", "in", "cookie", "name", "oauth42_state", "description",
        "Log in with 42's state (HttpOnly, Secure, SameSite=Lax, Path=/api/auth/oauth/42, 10 min), set by the start; the callback's "
        "state parameter must equal it",
        "schemas", schemas);
    if (doc) out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!out) snprintf(err, errlen, "the document could not be encoded");
    json_decref(doc);
done:
    json_decref(tags);
    json_decref(paths);
    json_decref(ops);
    json_decref(schemas);
    return out;
}
