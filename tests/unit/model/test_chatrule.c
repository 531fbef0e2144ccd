/* chatrule: room names and keys, message text (trim, length in code points, UTF-8), the
 * ranks matrix of chatrule_may, channel names on the wire, action names. Pure: no database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chatrule.h"
#include "err.h"

static span_t cs(const char *s) { return span_of(s, strlen(s)); }

static void test_room_key(void **state) {
    (void)state;
    char key[CHATRULE_KEY_MAX];
    assert_int_equal(chatrule_room_key(cs("Lobby_1-x"), key), 0);
    assert_string_equal(key, "r:lobby_1-x");
    char key2[CHATRULE_KEY_MAX];
    assert_int_equal(chatrule_room_key(cs("LOBBY_1-X"), key2), 0);
    assert_string_equal(key, key2);   /* case only: one room */
    assert_int_equal(chatrule_room_key(cs("a"), key), 0);
    assert_string_equal(key, "r:a");
    assert_int_equal(chatrule_room_key(cs("0-_Z"), key), 0);
    assert_string_equal(key, "r:0-_z");
    /* length: 64 accepted, 65 refused, 0 refused */
    char name[70];
    memset(name, 'Q', sizeof name);
    assert_int_equal(chatrule_room_key(span_of(name, 64), key), 0);
    assert_int_equal(strlen(key), 66);
    assert_int_equal(key[65], 'q');
    assert_int_equal(chatrule_room_key(span_of(name, 65), key), CHAT_E_ROOM_NAME);
    assert_int_equal(chatrule_room_key(span_of(name, 0), key), CHAT_E_ROOM_NAME);
    /* characters outside [A-Za-z0-9_-] */
    static const char *const bad[] = { "a b", "a/b", "a.b", "a:b", "caf\xc3\xa9", "a\tb", "%41", "a+b", "..", "a\\b", "<b>", "a'b" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_int_equal(chatrule_room_key(cs(bad[i]), key), CHAT_E_ROOM_NAME);
    assert_int_equal(chatrule_room_key(span_of("ab\0c", 4), key), CHAT_E_ROOM_NAME);
    /* the other keys */
    chatrule_direct_key(42, 7, key);
    assert_string_equal(key, "d:7:42");
    chatrule_direct_key(7, 42, key);
    assert_string_equal(key, "d:7:42");
    chatrule_direct_key(INT64_MAX, INT64_MAX - 1, key);
    assert_string_equal(key, "d:9223372036854775806:9223372036854775807");
    chatrule_system_key(5, key);
    assert_string_equal(key, "s:5");
}

static int text(const char *s, size_t n, span_t *out) { return chatrule_text(span_of(s, n), out); }

static void test_text(void **state) {
    (void)state;
    span_t o;
    assert_int_equal(text("hello", 5, &o), 0);
    assert_int_equal(o.len, 5);
    /* trimming: ASCII and Unicode white space at both ends, inner spaces kept */
    const char *s = " \t\r\n hi  there \n";
    assert_int_equal(text(s, strlen(s), &o), 0);
    assert_int_equal(o.len, 9);
    assert_memory_equal(o.ptr, "hi  there", 9);
    assert_ptr_equal(o.ptr, s + 5);   /* no copy */
    s = "\xc2\xa0\xe3\x80\x80" "x" "\xe2\x80\xa8\xc2\x85";   /* NBSP, ideographic space, x, LINE SEPARATOR, NEL */
    assert_int_equal(text(s, strlen(s), &o), 0);
    assert_int_equal(o.len, 1);
    assert_int_equal(o.ptr[0], 'x');
    /* a non-white-space multibyte character at the end is kept whole */
    s = "  \xc3\xa9t\xc3\xa9 ";
    assert_int_equal(text(s, strlen(s), &o), 0);
    assert_int_equal(o.len, 5);
    /* empty */
    assert_int_equal(text("", 0, &o), CHAT_E_EMPTY);
    assert_int_equal(text(" \t\n\r", 4, &o), CHAT_E_EMPTY);
    s = "\xe3\x80\x80\xc2\xa0";
    assert_int_equal(text(s, strlen(s), &o), CHAT_E_EMPTY);
    /* nothing visible: zero-width and format characters, fillers, blanks — empty too */
    static const char *const invisible[] = {
        "\xe2\x80\x8b",                              /* U+200B ZERO WIDTH SPACE */
        "\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0", /* ZWSP ZWNJ ZWJ WJ */
        " \xe2\x80\xae \xe2\x80\xac ",              /* RLO, PDF, spaces */
        "\xef\xbb\xbf\xc2\xad",                      /* BOM, soft hyphen */
        "\xe3\x85\xa4\xe2\xa0\x80",                  /* HANGUL FILLER, BRAILLE BLANK */
        "\xef\xb8\x8f\xcd\x8f",                      /* VS16, COMBINING GRAPHEME JOINER */
        "\xf3\xa0\x80\x81\xf3\xa0\x81\xa1",          /* tags */
    };
    for (size_t i = 0; i < sizeof invisible / sizeof invisible[0]; i++)
        assert_int_equal(text(invisible[i], strlen(invisible[i]), &o), CHAT_E_EMPTY);
    /* one visible character among them is a message, kept as sent */
    s = "\xe2\x80\x8bhi\xe2\x80\x8b";
    assert_int_equal(text(s, strlen(s), &o), 0);
    assert_int_equal(o.len, strlen(s));
    s = "\xe2\x9d\xa4\xef\xb8\x8f";   /* ❤️: the variation selector stays */
    assert_int_equal(text(s, strlen(s), &o), 0);
    assert_int_equal(o.len, 6);
    /* invalid UTF-8 and NUL, anywhere (even in the trimmed part) */
    assert_int_equal(text("a\0b", 3, &o), CHAT_E_INVALID);
    assert_int_equal(text("ab \0", 4, &o), CHAT_E_INVALID);
    static const char *const bad[] = {
        "\xff", "a\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80" /* surrogate */, "\xf4\x90\x80\x80" /* > U+10FFFF */,
        "\xf8\x88\x80\x80\x80", "\xe2\x82", "ok \xc3\x28",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_int_equal(text(bad[i], strlen(bad[i]), &o), CHAT_E_INVALID);
    /* length in code points after trimming: 2000 ok, 2001 too long, whatever the bytes */
    enum { N = LIM_CHAT_MESSAGE_CHARS };
    char *big = malloc(4 * (N + 1) + 8);
    memset(big, 'a', N + 1);
    assert_int_equal(text(big, N, &o), 0);
    assert_int_equal(o.len, N);
    assert_int_equal(text(big, N + 1, &o), CHAT_E_TOO_LONG);
    big[0] = ' ';   /* 2001 bytes, 2000 after the trim */
    big[N + 1] = '\n';
    assert_int_equal(text(big, N + 2, &o), 0);
    assert_int_equal(o.len, N);
    for (int i = 0; i < N + 1; i++) memcpy(big + 4 * i, "\xf0\x9f\x8f\x93", 4);   /* 🏓: 4 bytes, one code point */
    assert_int_equal(text(big, 4 * N, &o), 0);
    assert_int_equal(o.len, 4 * N);
    assert_int_equal(text(big, 4 * (N + 1), &o), CHAT_E_TOO_LONG);
    assert_int_equal(text(big, 4 * N - 1, &o), CHAT_E_INVALID);   /* cut in the middle of one */
    free(big);
    /* control characters other than NUL and HTML are text like any other */
    assert_int_equal(text("<b>x</b>\x01", 9, &o), 0);
    assert_int_equal(o.len, 9);
}

/* Every (actor, action, target) triple against the table of docs/chat.md, written out. */
static void test_may_matrix(void **state) {
    (void)state;
    enum { M = CHAT_RANK_MEMBER, MO = CHAT_RANK_MODERATOR, O = CHAT_RANK_OWNER, A = CHAT_RANK_ADMIN };
    /* allowed[action][actor][target] */
    static const bool allowed[CHAT_ACT_N][4][4] = {
        /* delete, mute, kick, ban, unban: >= moderator, on a lower rank */
        [CHAT_ACT_DELETE] = { [MO] = { [M] = 1 }, [O] = { [M] = 1, [MO] = 1 }, [A] = { [M] = 1, [MO] = 1, [O] = 1 } },
        [CHAT_ACT_MUTE] = { [MO] = { [M] = 1 }, [O] = { [M] = 1, [MO] = 1 }, [A] = { [M] = 1, [MO] = 1, [O] = 1 } },
        [CHAT_ACT_KICK] = { [MO] = { [M] = 1 }, [O] = { [M] = 1, [MO] = 1 }, [A] = { [M] = 1, [MO] = 1, [O] = 1 } },
        [CHAT_ACT_BAN] = { [MO] = { [M] = 1 }, [O] = { [M] = 1, [MO] = 1 }, [A] = { [M] = 1, [MO] = 1, [O] = 1 } },
        [CHAT_ACT_UNBAN] = { [MO] = { [M] = 1 }, [O] = { [M] = 1, [MO] = 1 }, [A] = { [M] = 1, [MO] = 1, [O] = 1 } },
        /* name a moderator: >= owner, on a member; remove one: >= owner, on a moderator */
        [CHAT_ACT_MOD_ADD] = { [O] = { [M] = 1 }, [A] = { [M] = 1 } },
        [CHAT_ACT_MOD_REMOVE] = { [O] = { [MO] = 1 }, [A] = { [MO] = 1 } },
        /* the log: >= moderator, whatever the target */
        [CHAT_ACT_READ_LOG] = { [MO] = { 1, 1, 1, 1 }, [O] = { 1, 1, 1, 1 }, [A] = { 1, 1, 1, 1 } },
    };
    int checked = 0;
    for (int a = 0; a < CHAT_ACT_N; a++)
        for (int actor = 0; actor < 4; actor++)
            for (int target = 0; target < 4; target++) {
                bool got = chatrule_may(actor, (chat_action_t)a, target);
                if (got != allowed[a][actor][target])
                    fail_msg("chatrule_may(%d, %s, %d) = %d", actor, chatrule_action_name((chat_action_t)a), target, got);
                checked++;
            }
    assert_int_equal(checked, CHAT_ACT_N * 16);
    /* a member can do nothing, not even to another member */
    for (int a = 0; a < CHAT_ACT_N; a++) assert_false(chatrule_may(M, (chat_action_t)a, M));
    /* out of range: ranks and actions */
    assert_false(chatrule_may(4, CHAT_ACT_KICK, M));
    assert_false(chatrule_may(-1, CHAT_ACT_READ_LOG, M));
    assert_false(chatrule_may(A, CHAT_ACT_KICK, -1));
    assert_false(chatrule_may(A, CHAT_ACT_N, M));
    assert_false(chatrule_may(A, (chat_action_t)-1, M));
}

static void test_action_names(void **state) {
    (void)state;
    static const char *const want[CHAT_ACT_N] = { "delete", "mute", "kick", "ban", "unban", "moderator_add", "moderator_remove", "read_log" };
    for (int a = 0; a < CHAT_ACT_N; a++) assert_string_equal(chatrule_action_name((chat_action_t)a), want[a]);
    assert_null(chatrule_action_name(CHAT_ACT_N));
    assert_null(chatrule_action_name((chat_action_t)-1));
}

/* parse then format gives the input back */
static void roundtrip(const char *s, int kind) {
    chatrule_chan_t c;
    assert_int_equal(chatrule_chan_parse(cs(s), &c), 0);
    assert_int_equal(c.kind, kind);
    buf_t b;
    buf_init(&b, 256);
    chatrule_chan_format(&b, &c);
    assert_int_equal(b.len, strlen(s));
    assert_memory_equal(b.ptr, s, b.len);
    buf_free(&b);
}

static void test_chan(void **state) {
    (void)state;
    chatrule_chan_t c;
    assert_int_equal(chatrule_chan_parse(cs("room:Lobby"), &c), 0);
    assert_int_equal(c.kind, CHAT_KIND_ROOM);
    assert_int_equal(c.room.len, 5);
    assert_memory_equal(c.room.ptr, "Lobby", 5);
    assert_int_equal(chatrule_chan_parse(cs("dm:42"), &c), 0);
    assert_int_equal(c.kind, CHAT_KIND_DIRECT);
    assert_int_equal(c.peer, 42);
    assert_int_equal(chatrule_chan_parse(cs("dm:9223372036854775807"), &c), 0);
    assert_int_equal(c.peer, INT64_MAX);
    assert_int_equal(chatrule_chan_parse(cs("system"), &c), 0);
    assert_int_equal(c.kind, CHAT_KIND_SYSTEM);
    roundtrip("room:Lobby", CHAT_KIND_ROOM);
    roundtrip("dm:1", CHAT_KIND_DIRECT);
    roundtrip("dm:9223372036854775807", CHAT_KIND_DIRECT);
    roundtrip("system", CHAT_KIND_SYSTEM);
    /* the room part is the name as given: chatrule_room_key judges it */
    char key[CHATRULE_KEY_MAX];
    assert_int_equal(chatrule_chan_parse(cs("room:a b"), &c), 0);
    assert_int_equal(chatrule_room_key(c.room, key), CHAT_E_ROOM_NAME);
    assert_int_equal(chatrule_chan_parse(cs("room:"), &c), 0);
    assert_int_equal(chatrule_room_key(c.room, key), CHAT_E_ROOM_NAME);
    static const char *const bad[] = {
        "", "room", "Room:x", "ROOM:x", "dm:", "dm:0", "dm:-1", "dm:+1", "dm:007", "dm:1x", "dm: 1", "dm:1 ",
        "dm:9223372036854775808", "dm:99999999999999999999", "dm:18446744073709551617", "system ", "System", "systemx",
        "sys", "user:1", "d:1:2", "r:x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (chatrule_chan_parse(cs(bad[i]), &c) != CHAT_E_CHANNEL) fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(chatrule_chan_parse(span_of("system\0", 7), &c), CHAT_E_CHANNEL);
    assert_int_equal(chatrule_chan_parse(span_of("dm:1\0", 5), &c), CHAT_E_CHANNEL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_room_key),     cmocka_unit_test(test_text), cmocka_unit_test(test_may_matrix),
        cmocka_unit_test(test_action_names), cmocka_unit_test(test_chan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
