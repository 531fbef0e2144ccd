/* social: relations, friend requests, blocks, avatars, profile updates and account
 * deletion, on SQLite and (with PONGD_TEST_DATABASE_URL) PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounttest.h"
#include "dbtest.h"
#include "profile.h"
#include "social.h"

static char sqlite_path[64];


static int64_t add(db_t *db, const char *name) { return accounttest_add(db, name); }

/* a's relation to b, as social_relation() tells it; the profile read (one statement of its
 * own) must tell the same and show b without private columns */
static social_relation_t rel(db_t *db, int64_t a, int64_t b) {
    social_relation_t r, pr;
    assert_int_equal(social_relation(db, a, b, &r), 0);
    account_t got;
    assert_int_equal(profile_get(db, a, b, NULL, &got, &pr), 0);
    assert_int_equal(pr, r);
    assert_int_equal(got.id, b);
    assert_string_equal(got.email, "");
    assert_string_equal(got.password_hash, "");
    return r;
}

static int count_kind(db_t *db, int64_t me, int64_t kind) {
    db_rows_t *r;
    assert_int_equal(social_friends(db, me, &r), 0);
    int n = 0;
    for (int i = 0; i < db_rows_count(r); i++) n += db_rows_int(r, i, 5) == kind;
    db_rows_free(r);
    return n;
}

static void run_friends_and_blocks(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat");
    bool became;
    assert_int_equal(rel(db, a, a), REL_SELF);
    assert_int_equal(rel(db, a, b), REL_NONE);
    assert_int_equal(social_friend_request(db, a, a, 5, &became), SOCIAL_E_SELF);
    assert_int_equal(social_friend_request(db, a, 9999, 5, &became), ACCOUNT_E_NOTFOUND);
    /* request, seen from both sides, then accepted */
    assert_int_equal(social_friend_request(db, a, b, 5, &became), 0);
    assert_false(became);
    assert_int_equal(rel(db, a, b), REL_REQUEST_SENT);
    assert_int_equal(rel(db, b, a), REL_REQUEST_RECEIVED);
    assert_int_equal(count_kind(db, b, 1), 1);   /* incoming */
    assert_int_equal(count_kind(db, a, 2), 1);   /* outgoing */
    assert_int_equal(social_friend_request(db, a, b, 6, &became), SOCIAL_E_EXISTS);
    assert_int_equal(social_friend_accept(db, a, b, 7), ACCOUNT_E_NOTFOUND);   /* only the addressee accepts */
    assert_int_equal(social_friend_accept(db, b, a, 7), 0);
    assert_int_equal(rel(db, a, b), REL_FRIENDS);
    assert_int_equal(rel(db, b, a), REL_FRIENDS);
    db_rows_t *ids;
    assert_int_equal(social_friend_ids(db, a, &ids), 0);
    assert_int_equal(db_rows_count(ids), 1);
    assert_int_equal(db_rows_int(ids, 0, 0), b);
    db_rows_free(ids);
    /* asking someone who already asked you makes you friends */
    assert_int_equal(social_friend_request(db, c, a, 8, &became), 0);
    assert_int_equal(social_friend_request(db, a, c, 9, &became), 0);
    assert_true(became);
    assert_int_equal(rel(db, c, a), REL_FRIENDS);
    /* remove */
    assert_int_equal(social_friend_remove(db, c, a), 0);
    assert_int_equal(rel(db, a, c), REL_NONE);
    assert_int_equal(social_friend_remove(db, c, a), ACCOUNT_E_NOTFOUND);
    /* blocking ends the friendship and stops requests, both ways */
    assert_int_equal(social_block(db, b, a, 10), 0);
    assert_int_equal(social_block(db, b, a, 11), 0);   /* idempotent */
    assert_int_equal(rel(db, b, a), REL_BLOCKED);
    assert_int_equal(rel(db, a, b), REL_BLOCKED_BY);
    assert_int_equal(count_kind(db, a, 0), 0);
    assert_int_equal(social_friend_request(db, a, b, 12, &became), SOCIAL_E_BLOCKED);
    assert_int_equal(social_friend_request(db, b, a, 12, &became), SOCIAL_E_BLOCKED);
    /* many profiles at once (one pipeline on PostgreSQL): each as read alone */
    int64_t vs[] = { b, a, a, a, c, c, b, a }, os[] = { a, b, a, 9999, a, b, c, c };
    enum { NP = sizeof vs / sizeof vs[0] };
    account_t got[NP];
    social_relation_t rels[NP];
    int rcs[NP];
    profile_get_many(db, NP, vs, os, got, rels, rcs);
    for (int i = 0; i < NP; i++) {
        if (os[i] == 9999) {
            assert_int_equal(rcs[i], ACCOUNT_E_NOTFOUND);
            continue;
        }
        assert_int_equal(rcs[i], 0);
        assert_int_equal(got[i].id, os[i]);
        assert_int_equal(rels[i], rel(db, vs[i], os[i]));
    }
    assert_int_equal(rels[0], REL_BLOCKED);
    assert_int_equal(rels[1], REL_BLOCKED_BY);
    assert_int_equal(rels[2], REL_SELF);
    /* more pairs than one db_exec_many takes: answered in chunks, every one in its place */
    enum { NB = DB_MANY_MAX + 3 };
    int64_t bv[NB], bo[NB];
    account_t bgot[NB];
    social_relation_t brels[NB];
    int brcs[NB];
    for (int i = 0; i < NB; i++) {
        bv[i] = vs[i % NP];
        bo[i] = os[i % NP];
    }
    profile_get_many(db, NB, bv, bo, bgot, brels, brcs);
    for (int i = 0; i < NB; i++) {
        assert_int_equal(brcs[i], rcs[i % NP]);
        if (brcs[i] == 0) {
            assert_int_equal(bgot[i].id, bo[i]);
            assert_int_equal(brels[i], rels[i % NP]);
        }
    }
    db_rows_t *bl;
    assert_int_equal(social_blocks(db, b, &bl), 0);
    assert_int_equal(db_rows_count(bl), 1);
    assert_int_equal(db_rows_int(bl, 0, 0), a);
    db_rows_free(bl);
    assert_int_equal(social_block(db, a, a, 1), SOCIAL_E_SELF);
    assert_int_equal(social_unblock(db, b, a), 0);
    assert_int_equal(rel(db, a, b), REL_NONE);
    assert_int_equal(social_friend_request(db, a, b, 13, &became), 0);
    db_close(db);
}

static void run_profile_avatar_delete(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "dora"), b = add(db, "eve");
    account_t got;
    /* display name: unique case-insensitively, found case-insensitively */
    profile_update_t u = { "Dora the Great", NULL, "fr", NULL, 0 };
    assert_int_equal(profile_update(db, a, &u, 5), 0);
    social_relation_t r0;
    assert_int_equal(profile_get(db, b, 0, "DORA THE GREAT", &got, &r0), 0);
    assert_int_equal(got.id, a);
    assert_string_equal(got.language, "fr");
    assert_string_equal(got.username, "dora");
    assert_int_equal(r0, REL_NONE);
    assert_int_equal(profile_get(db, a, 0, "dora the great", &got, &r0), 0);
    assert_int_equal(r0, REL_SELF);
    profile_update_t clash = { "dora the great", NULL, NULL, NULL, 0 };
    assert_int_equal(profile_update(db, b, &clash, 6), ACCOUNT_E_TAKEN_DISPLAY);
    profile_update_t same = { "DORA the great", NULL, NULL, NULL, 0 };
    assert_int_equal(profile_update(db, a, &same, 6), 0);   /* your own name in another case is fine */
    profile_update_t mail = { NULL, "EVE@x.org", NULL, NULL, 0 };
    assert_int_equal(profile_update(db, a, &mail, 7), ACCOUNT_E_TAKEN_EMAIL);
    assert_int_equal(profile_get(db, a, 0, "nobody", &got, &r0), ACCOUNT_E_NOTFOUND);
    assert_int_equal(profile_get(db, a, 9999, NULL, &got, &r0), ACCOUNT_E_NOTFOUND);
    /* avatars bump the version; clearing too */
    int64_t v1, v2, v3;
    unsigned char img[5] = { 'R', 'I', 'F', 'F', 0 };
    assert_int_equal(profile_avatar_set(db, a, img, 5, "image/webp", 8, &v1), 0);
    assert_int_equal(profile_avatar_set(db, a, img, 4, "image/webp", 9, &v2), 0);
    assert_true(v2 > v1);
    db_rows_t *r;
    assert_int_equal(profile_avatar_get(db, a, &r), 0);
    size_t len;
    db_rows_text(r, 0, 0, &len);
    assert_int_equal(len, 4);
    assert_string_equal(db_rows_text(r, 0, 1, NULL), "image/webp");
    db_rows_free(r);
    assert_int_equal(profile_avatar_clear(db, a, 10, &v3), 0);
    assert_true(v3 > v2);
    assert_int_equal(profile_avatar_get(db, a, &r), 0);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    /* deletion: personal data gone, row anonymised, names free again */
    bool became;
    assert_int_equal(social_friend_request(db, a, b, 11, &became), 0);
    assert_int_equal(profile_avatar_set(db, a, img, 5, "image/webp", 12, &v1), 0);
    assert_int_equal(profile_delete_account(db, a, 13), 0);
    assert_int_equal(account_get(db, a, &got), ACCOUNT_E_NOTFOUND);
    assert_int_equal(account_find_login(db, "dora", &got), ACCOUNT_E_NOTFOUND);
    assert_int_equal(account_find_login(db, "dora@x.org", &got), ACCOUNT_E_NOTFOUND);
    assert_int_equal(profile_get(db, b, 0, "Dora the Great", &got, &r0), ACCOUNT_E_NOTFOUND);
    assert_int_equal(profile_get(db, b, a, NULL, &got, &r0), ACCOUNT_E_NOTFOUND);
    assert_int_equal(count_kind(db, b, 1), 0);
    assert_int_equal(profile_avatar_get(db, a, &r), 0);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    assert_int_equal(account_sessions_list(db, a, 14, &r), 0);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    int64_t again = add(db, "dora");   /* the name can be taken again */
    assert_true(again != a);
    db_close(db);
}

static void search_is(db_t *db, const char *part, int n, const char *first, const char *second) {
    db_rows_t *r;
    assert_int_equal(profile_search(db, 0, part, 20, &r), 0);
    assert_int_equal(db_rows_count(r), n);
    if (n > 0) assert_string_equal(db_rows_text(r, 0, 3, NULL), first);
    if (n > 1) assert_string_equal(db_rows_text(r, 1, 3, NULL), second);
    if (n > 0) assert_int_equal(db_rows_int(r, 0, PROFILE_SEARCH_COL_RATING), 1500000);   /* the rating follows the public columns */
    db_rows_free(r);
}

/* search by part of the display name; blocks either way; standing read with the profile */
static void run_search_blocks(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "alice"), m = add(db, "Malice"), b = add(db, "bob");
    add(db, "x%y");
    add(db, "al_ex");
    search_is(db, "ali", 2, "alice", "Malice");
    search_is(db, "ALI", 2, "alice", "Malice");
    search_is(db, "%", 1, "x%y", NULL);
    search_is(db, "_", 1, "al_ex", NULL);
    search_is(db, "!", 0, NULL, NULL);
    search_is(db, "zz", 0, NULL, NULL);
    db_rows_t *r;
    assert_int_equal(profile_search(db, 0, "l", 1, &r), 0);   /* the limit */
    assert_int_equal(db_rows_count(r), 1);
    db_rows_free(r);
    assert_int_equal(profile_delete_account(db, m, 5), 0);   /* deleted users are not found */
    search_is(db, "ali", 1, "alice", NULL);
    assert_int_equal(social_block(db, a, b, 1), 0);
    int64_t c = add(db, "cyd");
    assert_int_equal(social_block(db, c, a, 1), 0);
    assert_int_equal(social_block_ids(db, a, &r), 0);
    assert_int_equal(db_rows_count(r), 2);
    int64_t x = db_rows_int(r, 0, 0), y = db_rows_int(r, 1, 0);
    assert_true((x == b && y == c) || (x == c && y == b));
    db_rows_free(r);
    assert_int_equal(social_block_ids(db, b, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, 0), a);
    db_rows_free(r);
    account_t got;
    social_relation_t rel;
    profile_standing_t st;
    assert_int_equal(profile_get_standing(db, b, a, NULL, &got, &rel, &st), 0);
    assert_int_equal(st.wins, 0);
    assert_int_equal(st.rating_milli, 1500000);
    assert_int_equal(st.rd_milli, 350000);
    db_close(db);
}

/* Whose presence is hidden from whom (SOCIAL_PRESENCE_HIDDEN_SQL), as each statement that
 * lists users for a viewer reads it: the profile, the search, the friends list. */
static bool profile_hidden(db_t *db, int64_t viewer, int64_t id) {
    account_t got;
    social_relation_t r;
    assert_int_equal(profile_get(db, viewer, id, NULL, &got, &r), 0);
    return got.presence_hidden;
}

static bool search_hidden(db_t *db, int64_t viewer, const char *name) {
    db_rows_t *r;
    assert_int_equal(profile_search(db, viewer, name, 1, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    bool h = db_rows_int(r, 0, PROFILE_SEARCH_COL_HIDDEN) != 0;
    db_rows_free(r);
    return h;
}

/* In me's friends list: whether other's presence is hidden (-1: other is not in it). */
static int friends_hidden(db_t *db, int64_t me, int64_t other) {
    db_rows_t *r;
    assert_int_equal(social_friends(db, me, &r), 0);
    int h = -1;
    for (int i = 0; i < db_rows_count(r); i++)
        if (db_rows_int(r, i, 0) == other) h = db_rows_int(r, i, 7) != 0;
    db_rows_free(r);
    return h;
}

static void set_presence(db_t *db, int64_t id, int v) {
    assert_int_equal(profile_update(db, id, &(profile_update_t){ .presence_visibility = v + 1 }, 7), 0);
    account_t me;
    assert_int_equal(account_get(db, id, &me), 0);
    assert_int_equal(me.presence_visibility, v);
}

static void run_presence_privacy(const char *url) {
    db_t *db = fresh(url);
    int64_t pia = add(db, "pia"), fox = add(db, "fox"), sam = add(db, "sam"), rex = add(db, "rex");
    bool became;
    assert_int_equal(social_friend_request(db, pia, fox, 1, &became), 0);
    assert_int_equal(social_friend_accept(db, fox, pia, 2), 0);     /* fox: pia's friend */
    assert_int_equal(social_friend_request(db, sam, pia, 3, &became), 0);   /* sam: asked, not a friend */
    /* everyone (the default): every viewer but a blocked one */
    assert_false(profile_hidden(db, fox, pia));
    assert_false(profile_hidden(db, sam, pia));
    assert_false(profile_hidden(db, rex, pia));
    assert_false(search_hidden(db, rex, "pia"));
    assert_int_equal(friends_hidden(db, sam, pia), 0);
    assert_int_equal(social_block(db, pia, rex, 4), 0);              /* pia blocks rex */
    assert_true(profile_hidden(db, rex, pia));
    assert_true(search_hidden(db, rex, "pia"));
    assert_false(profile_hidden(db, pia, rex));                      /* the blocker still sees rex's */
    assert_false(profile_hidden(db, pia, pia));                      /* and her own */
    /* friends only: her friend sees it, the others do not */
    set_presence(db, pia, ACCOUNT_PRESENCE_FRIENDS);
    assert_false(profile_hidden(db, fox, pia));
    assert_false(search_hidden(db, fox, "pia"));
    assert_int_equal(friends_hidden(db, fox, pia), 0);
    assert_true(profile_hidden(db, sam, pia));
    assert_true(search_hidden(db, sam, "pia"));
    assert_int_equal(friends_hidden(db, sam, pia), 1);               /* a pending request is not a friendship */
    assert_true(profile_hidden(db, rex, pia));
    assert_false(profile_hidden(db, pia, pia));
    assert_false(search_hidden(db, pia, "pia"));
    /* the setting is hers alone: the others' presence is not hidden from her */
    assert_false(profile_hidden(db, pia, sam));
    /* back to everyone */
    set_presence(db, pia, ACCOUNT_PRESENCE_EVERYONE);
    assert_false(profile_hidden(db, sam, pia));
    assert_true(profile_hidden(db, rex, pia));
    db_close(db);
}

BOTH(presence_privacy)
BOTH(friends_and_blocks)
BOTH(search_blocks)
BOTH(profile_avatar_delete)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-soc-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_friends_and_blocks),
        cmocka_unit_test(test_sqlite_profile_avatar_delete),
        cmocka_unit_test(test_postgres_friends_and_blocks),
        cmocka_unit_test(test_postgres_profile_avatar_delete),
        cmocka_unit_test(test_sqlite_search_blocks),
        cmocka_unit_test(test_postgres_search_blocks),
        cmocka_unit_test(test_sqlite_presence_privacy),
        cmocka_unit_test(test_postgres_presence_privacy),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
