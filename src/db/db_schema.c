/* The database schema as versioned migrations, one SQL script per backend for each
 * version. Never edit a released migration: add the next one. db_migrate() applies what a
 * database lacks and records it in schema_migrations.
 *
 * Portable conventions: times are BIGINT milliseconds since the epoch (UTC); booleans are
 * SMALLINT 0/1; case-insensitive uniqueness uses a *_key column that the application
 * fills with the case-folded value (SQLite's lower() is ASCII-only, PostgreSQL's depends
 * on the locale), so both backends decide duplicates the same way. */
#include "db_internal.h"

#define V1_COMMON(ID, BLOB)                                                                         \
    "CREATE TABLE users ("                                                                           \
    " id " ID ","                                                                                    \
    " username TEXT NOT NULL, username_key TEXT NOT NULL UNIQUE,"                                    \
    " email TEXT, email_key TEXT UNIQUE,"                                                            \
    " display_name TEXT NOT NULL, display_key TEXT NOT NULL UNIQUE,"                                 \
    " password_hash TEXT,"                                                                           \
    " language TEXT NOT NULL DEFAULT 'en',"                                                          \
    " avatar_version BIGINT NOT NULL DEFAULT 0,"                                                     \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"                                       \
    " last_seen_at BIGINT,"                                                                          \
    " deleted_at BIGINT);"                                                                           \
    "CREATE TABLE avatars ("                                                                         \
    " user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"                            \
    " content_type TEXT NOT NULL, image " BLOB " NOT NULL, updated_at BIGINT NOT NULL);"             \
    "CREATE TABLE sessions ("                                                                        \
    " id " ID ","                                                                                    \
    " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " family TEXT NOT NULL,"                                                                         \
    " token_hash TEXT NOT NULL UNIQUE,"                                                              \
    " created_at BIGINT NOT NULL, last_used_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"        \
    " rotated_at BIGINT, revoked_at BIGINT,"                                                         \
    " user_agent TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '');"                       \
    "CREATE INDEX sessions_user ON sessions(user_id);"                                               \
    "CREATE INDEX sessions_family ON sessions(family);"                                              \
    "CREATE TABLE friendships ("                                                                     \
    " requester_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                          \
    " addressee_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                          \
    " accepted SMALLINT NOT NULL DEFAULT 0,"                                                         \
    " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"                                       \
    " PRIMARY KEY (requester_id, addressee_id),"                                                     \
    " CHECK (requester_id <> addressee_id));"                                                        \
    "CREATE INDEX friendships_addressee ON friendships(addressee_id);"                               \
    "CREATE TABLE blocks ("                                                                          \
    " blocker_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                            \
    " blocked_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                            \
    " created_at BIGINT NOT NULL,"                                                                   \
    " PRIMARY KEY (blocker_id, blocked_id),"                                                         \
    " CHECK (blocker_id <> blocked_id));"

/* 2: remote games and invites (issue 12). A game row is written when the game starts
 * (status 0 running) and completed once when it ends; users keep it after deletion (the
 * row of a deleted user stays, anonymised), hence no ON DELETE. Codes: mode 0 invite,
 * 1 quick play, 2 tournament; status 0 running, 1 finished, 2 interrupted, 3 void; ended_how
 * 0 none yet, 1 score, 2 resign, 3 forfeit, 4 void, 5 interrupted; winner -1 none, 0 left,
 * 1 right; seed and final_hash hold uint32 values. Invites: status 0 pending, 1 accepted,
 * 2 declined, 3 cancelled, 4 expired; at most one pending invite per pair of users, either
 * direction (the unique index on the ordered pair; LO/HI are the backend's two-argument
 * min and max). */
#define V2_COMMON(ID, BLOB, LO, HI)                                                                 \
    "ALTER TABLE users ADD COLUMN wins INTEGER NOT NULL DEFAULT 0;"                                  \
    "ALTER TABLE users ADD COLUMN losses INTEGER NOT NULL DEFAULT 0;"                                \
    "CREATE TABLE games ("                                                                           \
    " id " ID ","                                                                                    \
    " left_id BIGINT NOT NULL REFERENCES users(id),"                                                 \
    " right_id BIGINT NOT NULL REFERENCES users(id),"                                                \
    " mode INTEGER NOT NULL,"                                                                        \
    " ball_speed INTEGER NOT NULL, paddle_size INTEGER NOT NULL, winning_score INTEGER NOT NULL,"     \
    " map INTEGER NOT NULL, powerups INTEGER NOT NULL,"                                              \
    " seed BIGINT NOT NULL,"                                                                         \
    " status INTEGER NOT NULL DEFAULT 0, ended_how INTEGER NOT NULL DEFAULT 0,"                      \
    " winner INTEGER NOT NULL DEFAULT -1,"                                                           \
    " score_left INTEGER NOT NULL DEFAULT 0, score_right INTEGER NOT NULL DEFAULT 0,"                \
    " started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL DEFAULT 0,"                               \
    " duration_ms BIGINT NOT NULL DEFAULT 0, ticks BIGINT NOT NULL DEFAULT 0,"                       \
    " final_hash BIGINT NOT NULL DEFAULT 0,"                                                         \
    " rallies INTEGER NOT NULL DEFAULT 0, longest_rally INTEGER NOT NULL DEFAULT 0,"                 \
    " hits_left INTEGER NOT NULL DEFAULT 0, hits_right INTEGER NOT NULL DEFAULT 0,"                  \
    " top_speed INTEGER NOT NULL DEFAULT 0,"                                                         \
    " powerups_left INTEGER NOT NULL DEFAULT 0, powerups_right INTEGER NOT NULL DEFAULT 0,"          \
    " input_log " BLOB " NOT NULL,"                                                                  \
    " created_at BIGINT NOT NULL,"                                                                   \
    " CHECK (left_id <> right_id),"                                                                  \
    " CHECK (mode BETWEEN 0 AND 2), CHECK (status BETWEEN 0 AND 3),"                                 \
    " CHECK (ended_how BETWEEN 0 AND 5), CHECK (winner BETWEEN -1 AND 1));"                          \
    "CREATE INDEX games_left ON games(left_id, started_at);"                                         \
    "CREATE INDEX games_right ON games(right_id, started_at);"                                       \
    "CREATE INDEX games_running ON games(status) WHERE status = 0;"                                  \
    "CREATE TABLE invites ("                                                                         \
    " id " ID ","                                                                                    \
    " from_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " to_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                                 \
    " ball_speed INTEGER NOT NULL, paddle_size INTEGER NOT NULL, winning_score INTEGER NOT NULL,"    \
    " map INTEGER NOT NULL, powerups INTEGER NOT NULL,"                                              \
    " status INTEGER NOT NULL DEFAULT 0,"                                                            \
    " game_id BIGINT REFERENCES games(id),"                                                          \
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, answered_at BIGINT,"                   \
    " CHECK (from_id <> to_id), CHECK (status BETWEEN 0 AND 4));"                                    \
    "CREATE INDEX invites_from ON invites(from_id, status);"                                         \
    "CREATE INDEX invites_to ON invites(to_id, status);"                                             \
    "CREATE UNIQUE INDEX invites_pending_pair ON invites(" LO "(from_id, to_id), " HI "(from_id, to_id))" \
    " WHERE status = 0;"

/* 3: the live chat (issue 13, docs/chat.md "Storage"). Channels: kind 0 room, 1 direct,
 * 2 system; key r:<folded name> | d:<lo>:<hi> | s:<uid> (chatrule.h), unique. A message's seq
 * is its channel's last_seq + 1, taken in the inserting transaction. Roles: 0 member,
 * 1 moderator, 2 owner. Users are never hard-deleted (deletion anonymises the row), so
 * sender_id and the other user references stay valid. */
#define V3_COMMON(ID)                                                                               \
    "ALTER TABLE users ADD COLUMN is_admin SMALLINT NOT NULL DEFAULT 0;"                             \
    "CREATE TABLE chat_channels ("                                                                   \
    " id " ID ", kind INTEGER NOT NULL,"                                                             \
    " key TEXT NOT NULL UNIQUE,"                                                                     \
    " name TEXT NOT NULL DEFAULT '',"                                                                \
    " owner_id BIGINT REFERENCES users(id),"                                                         \
    " last_seq BIGINT NOT NULL DEFAULT 0, last_at BIGINT NOT NULL DEFAULT 0,"                        \
    " created_at BIGINT NOT NULL, CHECK (kind BETWEEN 0 AND 2));"                                    \
    "CREATE TABLE chat_members ("                                                                    \
    " channel_id BIGINT NOT NULL REFERENCES chat_channels(id) ON DELETE CASCADE,"                    \
    " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " role INTEGER NOT NULL DEFAULT 0, last_read_seq BIGINT NOT NULL DEFAULT 0,"                     \
    " muted_until BIGINT NOT NULL DEFAULT 0, joined_at BIGINT NOT NULL,"                             \
    " PRIMARY KEY (channel_id, user_id));"                                                           \
    "CREATE INDEX chat_members_user ON chat_members(user_id);"                                       \
    "CREATE TABLE chat_messages ("                                                                   \
    " channel_id BIGINT NOT NULL REFERENCES chat_channels(id) ON DELETE CASCADE,"                    \
    " seq BIGINT NOT NULL, sender_id BIGINT REFERENCES users(id),"                                   \
    " kind INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL, ref_id BIGINT,"                           \
    " created_at BIGINT NOT NULL, deleted_at BIGINT, deleted_by BIGINT,"                             \
    " PRIMARY KEY (channel_id, seq));"                                                               \
    "CREATE INDEX chat_messages_sender ON chat_messages(sender_id);"                                 \
    "CREATE TABLE chat_bans ("                                                                       \
    " channel_id BIGINT NOT NULL REFERENCES chat_channels(id) ON DELETE CASCADE,"                    \
    " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " by_id BIGINT, reason TEXT NOT NULL DEFAULT '',"                                                \
    " created_at BIGINT NOT NULL, PRIMARY KEY (channel_id, user_id));"                               \
    "CREATE TABLE chat_actions ("                                                                    \
    " id " ID ","                                                                                    \
    " channel_id BIGINT NOT NULL REFERENCES chat_channels(id) ON DELETE CASCADE,"                    \
    " actor_id BIGINT, action TEXT NOT NULL,"                                                        \
    " target_id BIGINT, target_seq BIGINT, until_at BIGINT, reason TEXT NOT NULL DEFAULT '',"        \
    " created_at BIGINT NOT NULL);"                                                                  \
    "CREATE INDEX chat_actions_channel ON chat_actions(channel_id, id);"                             \
    "CREATE TABLE chat_reports ("                                                                    \
    " id " ID ","                                                                                    \
    " reporter_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                           \
    " target_id BIGINT, channel_id BIGINT, seq BIGINT,"                                              \
    " reason TEXT NOT NULL, created_at BIGINT NOT NULL);"

/* 4: matchmaking and standing (issue 14, docs/matchmaking.md "Ratings"). Glicko-2 as integers:
 * rating and RD in thousandths, volatility in millionths (new players 1500 / 350 / 0.06);
 * rated_games counts the games that moved them. Each game row keeps both players' ratings
 * before and after (thousandths; NULL: the game moved no rating — running, void,
 * interrupted). */
#define V4_COMMON                                                                                   \
    "ALTER TABLE users ADD COLUMN rating_milli BIGINT NOT NULL DEFAULT 1500000;"                     \
    "ALTER TABLE users ADD COLUMN rd_milli BIGINT NOT NULL DEFAULT 350000;"                          \
    "ALTER TABLE users ADD COLUMN vol_micro BIGINT NOT NULL DEFAULT 60000;"                          \
    "ALTER TABLE users ADD COLUMN rated_games INTEGER NOT NULL DEFAULT 0;"                           \
    "ALTER TABLE games ADD COLUMN rating_left_before BIGINT;"                                         \
    "ALTER TABLE games ADD COLUMN rating_left_after BIGINT;"                                          \
    "ALTER TABLE games ADD COLUMN rating_right_before BIGINT;"                                        \
    "ALTER TABLE games ADD COLUMN rating_right_after BIGINT;"

/* 5: the security of accounts (issue 15, docs/security.md). users.tokens_valid_after: access
 * tokens issued before it (ms) are void; banned_at: NULL or when banned; the second factor
 * ('' none, 'totp', 'email'), the TOTP secret, whether it is on and the last step accepted
 * (a code is never taken twice); email_verified_at: NULL or when the owner confirmed it.
 * sessions.second_factor: the factor this login used ('' none); grace_until: a rotated
 * token's grace end (ms; NULL: never rotated), during which the same client presenting it is
 * answered with the family's current token instead of being treated as a thief. Recovery
 * codes, 2FA challenges and email tokens are stored hashed and used once (used_at); OAuth
 * links find an account by the provider's user id; oauth_states hold a login's state and
 * PKCE verifier until the callback. audit_log: administrators' actions (who, what, whom,
 * when). */
#define V5_COMMON(ID)                                                                               \
    "ALTER TABLE users ADD COLUMN tokens_valid_after BIGINT NOT NULL DEFAULT 0;"                     \
    "ALTER TABLE users ADD COLUMN banned_at BIGINT;"                                                 \
    "ALTER TABLE users ADD COLUMN totp_secret TEXT;"                                                 \
    "ALTER TABLE users ADD COLUMN totp_enabled SMALLINT NOT NULL DEFAULT 0;"                         \
    "ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;"                         \
    "ALTER TABLE users ADD COLUMN second_factor TEXT NOT NULL DEFAULT '';"                           \
    "ALTER TABLE users ADD COLUMN email_verified_at BIGINT;"                                         \
    "ALTER TABLE sessions ADD COLUMN second_factor TEXT NOT NULL DEFAULT '';"                        \
    "ALTER TABLE sessions ADD COLUMN grace_until BIGINT;"                                            \
    "CREATE TABLE recovery_codes ("                                                                  \
    " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " code_hash TEXT NOT NULL, used_at BIGINT, created_at BIGINT NOT NULL,"                          \
    " PRIMARY KEY (user_id, code_hash));"                                                            \
    "CREATE TABLE auth_challenges ("                                                                 \
    " id " ID ","                                                                                    \
    " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " token_hash TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, code_hash TEXT,"                          \
    " attempts INTEGER NOT NULL DEFAULT 0,"                                                          \
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);"                      \
    "CREATE INDEX auth_challenges_user ON auth_challenges(user_id);"                                 \
    "CREATE TABLE email_tokens ("                                                                    \
    " token_hash TEXT PRIMARY KEY,"                                                                  \
    " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " kind TEXT NOT NULL, email TEXT NOT NULL,"                                                      \
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);"                      \
    "CREATE INDEX email_tokens_user ON email_tokens(user_id);"                                       \
    "CREATE TABLE oauth_links ("                                                                     \
    " provider TEXT NOT NULL, provider_uid TEXT NOT NULL,"                                           \
    " user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"                               \
    " login TEXT NOT NULL, created_at BIGINT NOT NULL,"                                              \
    " PRIMARY KEY (provider, provider_uid), UNIQUE (user_id, provider));"                            \
    "CREATE TABLE oauth_states ("                                                                    \
    " state_hash TEXT PRIMARY KEY, verifier TEXT NOT NULL, link_user_id BIGINT,"                     \
    " created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);"                      \
    "CREATE TABLE audit_log ("                                                                       \
    " id " ID ","                                                                                    \
    " actor_id BIGINT, action TEXT NOT NULL, target_id BIGINT,"                                      \
    " detail TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL);"                                 \
    "CREATE INDEX audit_log_created ON audit_log(created_at);"

/* 6: presence privacy (issue 16, docs/security.md "Presence"): who sees a user's presence
 * (online, in_game, last_seen_at): 0 everyone (but the users they block), 1 friends only. */
#define V6_COMMON "ALTER TABLE users ADD COLUMN presence_visibility SMALLINT NOT NULL DEFAULT 0;"

const db_migration_t DB_MIGRATIONS[] = {
    /* 1: accounts, sessions, avatars, friends, blocks */
    { V1_COMMON("INTEGER PRIMARY KEY", "BLOB"), V1_COMMON("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BYTEA") },
    /* 2: games (records, wins and losses), invites */
    { V2_COMMON("INTEGER PRIMARY KEY", "BLOB", "min", "max"),
      V2_COMMON("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BYTEA", "LEAST", "GREATEST") },
    /* 3: the live chat: channels, members, messages, bans, the moderation log, reports */
    { V3_COMMON("INTEGER PRIMARY KEY"), V3_COMMON("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY") },
    /* 4: ratings (Glicko-2) on users, the ratings before and after on games */
    { V4_COMMON, V4_COMMON },
    /* 5: the security of accounts: token voiding, bans, second factors, recovery codes,
     * challenges, email tokens, OAuth links and states, the audit log */
    { V5_COMMON("INTEGER PRIMARY KEY"), V5_COMMON("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY") },
    /* 6: who sees a user's presence */
    { V6_COMMON, V6_COMMON },
};

const int DB_MIGRATION_COUNT = (int)(sizeof DB_MIGRATIONS / sizeof DB_MIGRATIONS[0]);
