/* oauthlink — Log in with 42's data (migration 5): the flow's states (oauth_states: the
 * state stored as its SHA-256, the PKCE verifier, the linking user for link mode, expiry,
 * single use) and the links (oauth_links: provider user id → local user). An account is
 * found by the provider's user id only, never by matching an email address.
 * Database worker threads only. Returns 0, a DB_E* code, or the OAUTH_E_* / ACCOUNT_E_*
 * codes named below. */
#ifndef PONGD_OAUTHLINK_H
#define PONGD_OAUTHLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "db.h"
#include "oauth.h"

#define OAUTHLINK_PROVIDER_42 "42"

/* Stores a new state (its hash) with its verifier; link_uid 0: a login, else the user
 * linking. Also drops states expired before now. */
int oauthlink_state_put(db_t *db, const char *state_hash, const char *verifier, int64_t link_uid, int64_t now, int64_t ttl_ms);

/* Uses the state: one conditional UPDATE (used once, not expired), then its verifier and
 * link user. OAUTH_E_STATE when unknown, used or expired. */
int oauthlink_state_take(db_t *db, const char *state_hash, int64_t now, char verifier[OAUTH_VERIFIER_CHARS + 1], int64_t *link_uid);

/* A login with the provider's user: the linked account into *acc (*created false); without
 * a link, a new account (created true) in one transaction: username and display name from
 * the 42 login made unique (login, login2, login3, …), the email only when no account has it
 * (else none), no password, and the link. ACCOUNT_E_TAKEN_USERNAME when no free name was
 * found (or a concurrent registration won the race: try again). */
int oauthlink_login(db_t *db, const oauth_user_t *u, int64_t now, account_t *acc, bool *created);

/* Links the provider's user to uid. OAUTH_E_TAKEN when it is linked to another user,
 * OAUTH_E_LINKED when uid has another 42 account linked (the same one again: 0). */
int oauthlink_link(db_t *db, int64_t uid, const oauth_user_t *u, int64_t now);

/* Unlinks uid's 42 account: OAUTH_E_NO_PASSWORD when the account has no password (it would
 * have no way in), ACCOUNT_E_NOTFOUND when nothing is linked. */
int oauthlink_unlink(db_t *db, int64_t uid);

/* uid's link: *linked, its 42 login (or ""), and whether the account has a password. */
int oauthlink_status(db_t *db, int64_t uid, bool *linked, char login[OAUTH_LOGIN_MAX + 1], bool *has_password);

/* Account deletion (profile_delete_account's transaction): the links go. */
int oauthlink_delete_user(db_t *db, int64_t uid);

#endif
