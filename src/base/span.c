/* span — see span.h. */
#include "span.h"

#include <string.h>

span_t span_cstr(const char *s) { return (span_t){ s, s ? strlen(s) : 0 }; }

bool span_eq(span_t a, const char *lit) {
    size_t n = strlen(lit);
    return a.len == n && memcmp(a.ptr, lit, n) == 0;
}
