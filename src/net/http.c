/* http — the parts of http.h that need no connection (the rest is the libwebsockets glue in http_conn.c). */
#include "http.h"

const char *http_method_name(http_method_t m) {
    static const char *const NAMES[] = { "GET", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", "CONNECT", "HEAD", "OTHER" };
    return (unsigned)m < sizeof NAMES / sizeof NAMES[0] ? NAMES[m] : "OTHER";
}
