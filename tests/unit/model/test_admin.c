/* the admin role (model/admin) and the effects of a ban on sessions (model/account), on
 * SQLite and (with PONGD_TEST_DATABASE_URL) PostgreSQL: who may act, the users search, ban and
 * unban with their refusals, no session starting for a banned user by any way in (a new
 * login, a rotation of a token issued before the ban — which then writes nothing), the audit
 * log (actor, action, target, detail, newest first), the command line's grant and revoke, and
 * a site admin's room moderation audited while an owner's is not. */
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
#include "admin.h"
#include "chatstore.h"
#include "dbtest.h"

static char sqlite_path[64];

static account_session_t session(const char *hash, int64_t now) {
    account_session_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.token_hash, sizeof s.token_hash, "%s", hash);
    snprintf(s.family, sizeof s.family, "fam-%s", hash);
    s.now = now;
    s.expires = now + 1000000;
    return s;
}

/* The newest audit entry's action, actor (0: NULL) and target, read as the admin `by`. */
static void newest(db_t *db, int64_t by, const char *action, int64_t actor, int64_t target) {
    db_rows_t *r;
    assert_int_equal(admin_audit(db, by, 1, 0, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    assert_string_equal(db_rows_text(r, 0, ADMIN_AUDIT_COL_ACTION, NULL), action);
    assert_int_equal(db_rows_int(r, 0, ADMIN_AUDIT_COL_ACTOR), actor);
    assert_int_equal(db_rows_null(r, 0, ADMIN_AUDIT_COL_ACTOR), actor == 0);
    assert_int_equal(db_rows_int(r, 0, ADMIN_AUDIT_COL_TARGET), target);
    db_rows_free(r);
}

static void run_roles_and_search(const char *url) {
    db_t *db = fresh(url);
    int64_t ann = accounttest_add(db, "ann"), bob = accounttest_add(db, "bob"), uid = 0;
    accounttest_add(db, "bo_b2");
    assert_int_equal(admin_check(db, ann), ADMIN_E_FORBIDDEN);
    assert_int_equal(admin_set(db, "nobody", true, 10, &uid), ACCOUNT_E_NOTFOUND);
    assert_int_equal(admin_set(db, "ANN", true, 10, &uid), 0);
    assert_int_equal(uid, ann);
    assert_int_equal(admin_set(db, "ann", true, 11, &uid), ADMIN_E_STATE);
    assert_int_equal(admin_check(db, ann), 0);
    newest(db, ann, "admin.grant", 0, ann);
    db_rows_t *r;
    assert_int_equal(admin_list(db, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    db_rows_free(r);

    /* the search: a non-admin is refused; any case; LIKE's wildcards are literal */
    assert_int_equal(admin_users(db, bob, "", 10, 0, &r), ADMIN_E_FORBIDDEN);
    assert_int_equal(admin_users(db, ann, "BO", 10, 0, &r), 0);
    assert_int_equal(db_rows_count(r), 2);
    assert_int_equal(db_rows_int(r, 0, ADMIN_USER_COL_ID), bob);
    assert_string_equal(db_rows_text(r, 0, ADMIN_USER_COL_EMAIL, NULL), "bob@x.org");
    assert_int_equal(db_rows_int(r, 0, ADMIN_USER_COL_ADMIN), 0);
    db_rows_free(r);
    assert_int_equal(admin_users(db, ann, "o_", 10, 0, &r), 0);
    assert_int_equal(db_rows_count(r), 1);   /* bo_b2 only: '_' is no wildcard */
    db_rows_free(r);
    assert_int_equal(admin_users(db, ann, "%", 10, 0, &r), 0);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    assert_int_equal(admin_users(db, ann, "", 2, 1, &r), 0);   /* a page: by id, from the offset */
    assert_int_equal(db_rows_count(r), 2);
    assert_int_equal(db_rows_int(r, 0, ADMIN_USER_COL_ID), bob);
    db_rows_free(r);

    assert_int_equal(admin_set(db, "ann", false, 12, &uid), 0);
    assert_int_equal(admin_check(db, ann), ADMIN_E_FORBIDDEN);   /* revoked: refused at once */
    assert_int_equal(admin_users(db, ann, "", 10, 0, &r), ADMIN_E_FORBIDDEN);
    db_close(db);
}

static void run_ban_effects(const char *url) {
    db_t *db = fresh(url);
    int64_t ann = accounttest_add(db, "ann"), cat = accounttest_add(db, "cat"), dan = accounttest_add(db, "dan"), uid = 0, sid = 0;
    assert_int_equal(admin_set(db, "ann", true, 10, &uid), 0);
    assert_int_equal(admin_set(db, "dan", true, 10, &uid), 0);

    /* refusals, none of which writes an entry */
    assert_int_equal(admin_ban(db, cat, ann, span_cstr(""), 20), ADMIN_E_FORBIDDEN);
    assert_int_equal(admin_ban(db, ann, ann, span_cstr(""), 20), ADMIN_E_TARGET);
    assert_int_equal(admin_ban(db, ann, dan, span_cstr(""), 20), ADMIN_E_TARGET);
    assert_int_equal(admin_ban(db, ann, cat + 1000, span_cstr(""), 20), ACCOUNT_E_NOTFOUND);
    assert_int_equal(admin_unban(db, ann, cat, 20), ADMIN_E_STATE);
    newest(db, ann, "admin.grant", 0, dan);

    assert_int_equal(account_banned(db, cat), 0);
    assert_int_equal(admin_ban(db, ann, cat, span_cstr("spam"), 30), 0);
    assert_int_equal(admin_ban(db, ann, cat, span_cstr("again"), 31), ADMIN_E_STATE);
    newest(db, ann, "user.ban", ann, cat);
    db_rows_t *r;
    assert_int_equal(admin_audit(db, ann, 1, 0, &r), 0);
    assert_string_equal(db_rows_text(r, 0, ADMIN_AUDIT_COL_DETAIL, NULL), "spam");
    assert_string_equal(db_rows_text(r, 0, ADMIN_AUDIT_COL_ACTOR_NAME, NULL), "ann");
    assert_string_equal(db_rows_text(r, 0, ADMIN_AUDIT_COL_TARGET_NAME, NULL), "cat");
    assert_int_equal(db_rows_int(r, 0, ADMIN_AUDIT_COL_AT), 30);
    db_rows_free(r);
    assert_int_equal(admin_audit(db, cat, 1, 0, &r), ADMIN_E_FORBIDDEN);
    assert_int_equal(admin_users(db, ann, "cat", 10, 0, &r), 0);
    assert_int_equal(db_rows_int(r, 0, ADMIN_USER_COL_BANNED_AT), 30);
    db_rows_free(r);

    /* no way in: a login, a session in another's transaction, a rotation of the token issued
     * before the ban (which then leaves that token as it was) */
    assert_int_equal(account_banned(db, cat), ACCOUNT_E_BANNED);
    account_session_t s = session("new-cat", 40);
    assert_int_equal(account_login_session(db, cat, &s, &sid), ACCOUNT_E_BANNED);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(account_session_create(db, cat, &s, &sid), ACCOUNT_E_BANNED);
    assert_int_equal(db_rollback(db), 0);
    account_session_t next = session("next-cat", 50);
    assert_int_equal(account_session_rotate(db, "tok-cat", &next, &uid, &sid), ACCOUNT_E_BANNED);
    /* others are untouched */
    account_session_t d = session("new-dan", 40);
    d.stamp = true;
    assert_int_equal(account_login_session(db, dan, &d, &sid), 0);
    assert_true(d.now > 1000000 && d.expires > d.now);   /* stamped from the wall clock under the lock */

    /* unbanned: the old token rotates (it was not marked), a login works */
    assert_int_equal(admin_unban(db, ann, cat, 60), 0);
    newest(db, ann, "user.unban", ann, cat);
    assert_int_equal(account_session_rotate(db, "tok-cat", &next, &uid, &sid), 0);
    assert_int_equal(uid, cat);
    assert_int_equal(account_login_session(db, cat, &s, &sid), 0);
    db_close(db);
}

static void run_room_moderation_audit(const char *url) {
    db_t *db = fresh(url);
    int64_t ann = accounttest_add(db, "ann"), own = accounttest_add(db, "own"), mem = accounttest_add(db, "mem"), uid = 0, n = 0;
    assert_int_equal(admin_set(db, "ann", true, 10, &uid), 0);
    chat_channel_t ch;
    bool created;
    assert_int_equal(chatstore_room_join(db, span_cstr("Lobby"), own, 20, &ch, &created), 0);
    assert_int_equal(chatstore_room_join(db, span_cstr("lobby"), mem, 21, &ch, &created), 0);
    /* the owner mutes: the room's log only */
    chat_mod_t m = { .channel_id = ch.id, .actor_id = own, .target_id = mem, .action = CHAT_ACT_MUTE, .until = 30 + 60000 };
    assert_int_equal(chatstore_moderate(db, &m, 30), 0);
    newest(db, ann, "admin.grant", 0, ann);
    /* the admin (not a member) clears the mute, then bans the owner: both audited */
    assert_int_equal(admin_unmute(db, own, mem, 40, &n), ADMIN_E_FORBIDDEN);
    assert_int_equal(admin_unmute(db, ann, mem, 40, &n), 0);
    assert_int_equal(n, 1);
    newest(db, ann, "chat.unmute", ann, mem);
    assert_int_equal(admin_unmute(db, ann, mem, 41, &n), 0);
    assert_int_equal(n, 0);                                   /* nothing ran: no entry */
    newest(db, ann, "chat.unmute", ann, mem);
    chat_mod_t b = { .channel_id = ch.id, .actor_id = ann, .target_id = own, .action = CHAT_ACT_BAN, .reason = span_cstr("rogue") };
    assert_int_equal(chatstore_moderate(db, &b, 50), 0);
    newest(db, ann, "chat.ban", ann, own);
    db_rows_t *r;
    assert_int_equal(admin_audit(db, ann, 1, 0, &r), 0);
    assert_string_equal(db_rows_text(r, 0, ADMIN_AUDIT_COL_DETAIL, NULL), "room Lobby: rogue");
    db_rows_free(r);
    db_close(db);
}

BOTH(roles_and_search)
BOTH(ban_effects)
BOTH(room_moderation_audit)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-admin-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_roles_and_search),      cmocka_unit_test(test_postgres_roles_and_search),
        cmocka_unit_test(test_sqlite_ban_effects),           cmocka_unit_test(test_postgres_ban_effects),
        cmocka_unit_test(test_sqlite_room_moderation_audit), cmocka_unit_test(test_postgres_room_moderation_audit),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
