/* Shared by the tests that need accounts in a database (test_social.c, test_presence.c):
 * accounttest_add registers user `name` (email name@x.org, display name name) with a
 * session and returns its id. Include after cmocka.h. */
#ifndef PONGD_TEST_ACCOUNTTEST_H
#define PONGD_TEST_ACCOUNTTEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "account.h"

static inline int64_t accounttest_add(db_t *db, const char *name) {
    account_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.username, sizeof a.username, "%s", name);
    snprintf(a.email, sizeof a.email, "%s@x.org", name);
    snprintf(a.display_name, sizeof a.display_name, "%s", name);
    snprintf(a.password_hash, sizeof a.password_hash, "h");
    account_session_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.token_hash, sizeof s.token_hash, "tok-%s", name);
    snprintf(s.family, sizeof s.family, "fam-%s", name);
    s.now = 1;
    s.expires = 1000000;
    int64_t id;
    assert_int_equal(account_register(db, &a, &s, &id, NULL), 0);
    return id;
}

#endif
