/* utf8 — see utf8.h. The classes follow Unicode 15.1 (UnicodeData.txt, PropList.txt,
 * DerivedCoreProperties.txt). */
#include "utf8.h"

size_t utf8_count(const char *s, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
    return count;
}

size_t utf8_decode(const char *s, size_t n, uint32_t *cp) {
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((p[0] & 0xE0) == 0xC0) { len = 2; v = p[0] & 0x1Fu; min = 0x80; }
    else if ((p[0] & 0xF0) == 0xE0) { len = 3; v = p[0] & 0x0Fu; min = 0x800; }
    else if ((p[0] & 0xF8) == 0xF0) { len = 4; v = p[0] & 0x07u; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

bool utf8_is_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

typedef struct { uint32_t lo, hi; } range_t;

static bool in(const range_t *r, size_t n, uint32_t c) {
    for (size_t i = 0; i < n; i++)
        if (c >= r[i].lo && c <= r[i].hi) return true;
    return false;
}

/* General category Cf (and U+2065, unassigned inside the block of invisible operators). */
static const range_t FORMAT[] = {
    { 0x00AD, 0x00AD }, { 0x0600, 0x0605 }, { 0x061C, 0x061C }, { 0x06DD, 0x06DD }, { 0x070F, 0x070F },
    { 0x0890, 0x0891 }, { 0x08E2, 0x08E2 }, { 0x180E, 0x180E }, { 0x200B, 0x200F }, { 0x202A, 0x202E },
    { 0x2060, 0x206F }, { 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFB }, { 0x110BD, 0x110BD }, { 0x110CD, 0x110CD },
    { 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A }, { 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F },
};

/* Default_Ignorable_Code_Point beyond Cf, and the braille blank. */
static const range_t IGNORABLE[] = {
    { 0x034F, 0x034F }, { 0x115F, 0x1160 }, { 0x17B4, 0x17B5 }, { 0x180B, 0x180F }, { 0x2800, 0x2800 },
    { 0x3164, 0x3164 }, { 0xFE00, 0xFE0F }, { 0xFFA0, 0xFFA0 }, { 0xFFF0, 0xFFF8 }, { 0xE0000, 0xE0FFF },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

bool utf8_is_control_or_format(uint32_t c) {
    if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0x2028 || c == 0x2029) return true;
    return c >= 0xAD && in(FORMAT, COUNT(FORMAT), c);
}

bool utf8_is_invisible(uint32_t c) {
    return utf8_is_space(c) || utf8_is_control_or_format(c) || (c >= 0x34F && in(IGNORABLE, COUNT(IGNORABLE), c));
}

bool utf8_has_visible(const char *s, size_t n) {
    bool seen = false;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) return false;
        seen = seen || !utf8_is_invisible(cp);
        i += k;
    }
    return seen;
}
