/* err — see err.h. */
#include "err.h"

const char *err_name(int code) {
    switch (code) {
    case ERR_OK: return "ERR_OK";
#define ERR_NAME_(name, value, text) case name: return #name;
    ERR_LIST(ERR_NAME_)
#undef ERR_NAME_
    default: return "ERR_UNKNOWN";
    }
}

const char *err_str(int code) {
    switch (code) {
    case ERR_OK: return "success";
#define ERR_STR_(name, value, text) case name: return text;
    ERR_LIST(ERR_STR_)
#undef ERR_STR_
    default: return "unknown error";
    }
}
