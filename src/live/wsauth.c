/* wsauth — see wsauth.h. */
#include "wsauth.h"

#include <jansson.h>
#include <string.h>

void wsauth_arm(ws_conn_t *c) { ws_set_deadline(c, WSAUTH_TIMEOUT_S, WSAUTH_CLOSE_CODE, "no auth frame in time"); }

bool wsauth_frame(const uint8_t *secret, ws_conn_t *c, span_t data, const char *refusal, wsauth_user_t *user) {
    json_error_t e;
    json_t *o = json_loadb(data.ptr, data.len, JSON_REJECT_DUPLICATES, &e);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *token = json_string_value(json_object_get(o, "token"));
    auth_claims_t cl;
    int rc = type && strcmp(type, "auth") == 0 && token && secret
                 ? auth_jwt_verify_claims(secret, token, (int64_t)(now_wall_ms() / 1000), &cl, user->display_name,
                                          sizeof user->display_name)
                 : AUTH_E_FORMAT;
    if (rc == ERR_OK) {
        user->id = cl.user_id;
        user->iat_ms = cl.iat_ms;
        user->sid = cl.sid;
    }
    json_decref(o);
    if (rc != ERR_OK) {
        ws_close(c, WSAUTH_CLOSE_CODE, rc == AUTH_E_EXPIRED ? "token expired" : refusal);
        return false;
    }
    ws_set_deadline(c, 0, 0, NULL);
    return true;
}
