/* chatstore: rooms (join, case, leave, list, members), direct and system channels, batched
 * posting (seq per channel, refusals one by one), history (before/since paging, block filter),
 * read markers and conversations, moderation and its log, reports, account export and deletion
 * — on SQLite and (with PONGD_TEST_DATABASE_URL) PostgreSQL. */
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
#include "chatstore.h"
#include "dbtest.h"
#include "profile.h"
#include "social.h"

static char sqlite_path[64];

static const db_sql_t Q_T_ADMIN = { "t_admin", "UPDATE users SET is_admin = $2 WHERE id = $1" };
static const db_sql_t Q_T_GONE = { "t_gone", "UPDATE users SET deleted_at = $2 WHERE id = $1" };
static const db_sql_t Q_T_MSG = {
    "t_msg", "SELECT body, COALESCE(deleted_at, 0), COALESCE(deleted_by, 0), COALESCE(sender_id, 0) FROM chat_messages"
             " WHERE channel_id = $1 AND seq = $2",
};
static const db_sql_t Q_T_COUNT = { "t_count", "SELECT COUNT(*) FROM chat_messages WHERE channel_id = $1" };
static const db_sql_t Q_T_TABLES = {
    "t_tables", "SELECT (SELECT COUNT(*) FROM chat_members WHERE user_id = $1), (SELECT COUNT(*) FROM chat_bans WHERE user_id = $1),"
                " (SELECT COUNT(*) FROM chat_reports WHERE reporter_id = $1), (SELECT COUNT(*) FROM chat_channels WHERE key = $2)",
};

static int64_t add(db_t *db, const char *name) { return accounttest_add(db, name); }
static span_t cs(const char *s) { return span_of(s, strlen(s)); }

static void set_admin(db_t *db, int64_t u, int yes) {
    db_val_t p[2] = { DB_INT(u), DB_INT(yes) };
    assert_int_equal(db_exec(db, &Q_T_ADMIN, p, 2, NULL, NULL), 0);
}

static int64_t join(db_t *db, const char *room, int64_t u, int64_t now, bool want_created) {
    chat_channel_t c;
    bool created = !want_created;
    assert_int_equal(chatstore_room_join(db, cs(room), u, now, &c, &created), 0);
    assert_int_equal(created, want_created);
    assert_int_equal(c.kind, CHAT_KIND_ROOM);
    return c.id;
}

/* one post: its rc, *seq the seq */
static int post1(db_t *db, int64_t ch, int64_t from, const char *text, int64_t now, int64_t *seq) {
    chat_post_t p = { .channel_id = ch, .sender_id = from, .kind = CHAT_MSG_TEXT, .text = cs(text) };
    assert_int_equal(chatstore_post(db, &p, 1, now), 0);
    if (seq) *seq = p.seq;
    if (p.rc == 0) assert_int_equal(p.at, now);
    else assert_int_equal(p.seq, 0);
    return p.rc;
}

static int64_t say(db_t *db, int64_t ch, int64_t from, const char *text, int64_t now) {
    int64_t seq;
    assert_int_equal(post1(db, ch, from, text, now, &seq), 0);
    assert_true(seq > 0);
    return seq;
}

static chat_membership_t mship(db_t *db, int64_t ch, int64_t u) {
    chat_membership_t m;
    assert_int_equal(chatstore_membership(db, ch, u, &m), 0);
    return m;
}

/* the seqs of a history answer, and its count */
static int hist(db_t *db, int64_t ch, int64_t u, int64_t before, int64_t since, int limit, int64_t *seqs, int64_t *last, bool *more) {
    db_rows_t *r;
    int64_t l;
    bool m;
    assert_int_equal(chatstore_history(db, ch, u, before, since, limit, &r, last ? last : &l, more ? more : &m), 0);
    assert_int_equal(db_rows_cols(r), CHAT_MSG_COLS_N);
    int n = db_rows_count(r);
    for (int i = 0; i < n; i++) {
        if (seqs) seqs[i] = db_rows_int(r, i, CHAT_MSG_COL_SEQ);
        if (i > 0) assert_true(db_rows_int(r, i, CHAT_MSG_COL_SEQ) > db_rows_int(r, i - 1, CHAT_MSG_COL_SEQ));   /* oldest first */
    }
    db_rows_free(r);
    return n;
}

static void run_rooms(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat");
    chat_channel_t ch;
    bool created;
    assert_int_equal(chatstore_room(db, cs("Lobby"), &ch), CHAT_E_NO_CHANNEL);
    assert_int_equal(chatstore_room(db, cs("no way"), &ch), CHAT_E_ROOM_NAME);
    assert_int_equal(chatstore_room_join(db, cs("bad name"), a, 10, &ch, &created), CHAT_E_ROOM_NAME);
    /* the first opener creates and owns it, with its spelling */
    assert_int_equal(chatstore_room_join(db, cs("Lobby"), a, 10, &ch, &created), 0);
    assert_true(created);
    assert_string_equal(ch.name, "Lobby");
    assert_int_equal(ch.owner_id, a);
    assert_int_equal(ch.created_at, 10);
    int64_t lobby = ch.id;
    chat_membership_t m = mship(db, lobby, a);
    assert_true(m.member);
    assert_int_equal(m.role, CHAT_RANK_OWNER);
    assert_int_equal(m.rank, CHAT_RANK_OWNER);
    assert_int_equal(m.joined_at, 10);
    /* another case is the same room; joining again is a no-op */
    assert_int_equal(join(db, "LOBBY", b, 20, false), lobby);
    assert_int_equal(join(db, "lobby", b, 30, false), lobby);
    assert_int_equal(mship(db, lobby, b).role, CHAT_RANK_MEMBER);
    assert_int_equal(mship(db, lobby, b).joined_at, 20);
    assert_int_equal(chatstore_room(db, cs("lObBy"), &ch), 0);
    assert_int_equal(ch.id, lobby);
    assert_string_equal(ch.name, "Lobby");
    /* 64 characters is a room, 65 is not */
    char name[66];
    memset(name, 'x', 65);
    name[64] = 0;
    join(db, name, c, 40, true);
    name[64] = 'x';
    name[65] = 0;
    assert_int_equal(chatstore_room_join(db, cs(name), c, 40, &ch, &created), CHAT_E_ROOM_NAME);
    /* leave: the owner keeps ownership and is owner again on rejoining */
    assert_int_equal(chatstore_room_leave(db, lobby, a), 0);
    assert_int_equal(chatstore_room_leave(db, lobby, a), CHAT_E_NOT_MEMBER);
    assert_false(mship(db, lobby, a).member);
    assert_int_equal(chatstore_room(db, cs("lobby"), &ch), 0);
    assert_int_equal(ch.owner_id, a);
    assert_int_equal(join(db, "lobby", a, 50, false), lobby);
    assert_int_equal(mship(db, lobby, a).role, CHAT_RANK_OWNER);
    /* a deleted user joins nothing */
    db_val_t g[2] = { DB_INT(c), DB_INT(60) };
    assert_int_equal(db_exec(db, &Q_T_GONE, g, 2, NULL, NULL), 0);
    assert_int_equal(chatstore_room_join(db, cs("other"), c, 60, &ch, &created), ACCOUNT_E_GONE);
    assert_int_equal(chatstore_room(db, cs("other"), &ch), CHAT_E_NO_CHANNEL);   /* rolled back */
    /* list and search: by last activity, "_" is a character, not a wildcard */
    int64_t ab = join(db, "a_b", a, 70, true), axb = join(db, "AXB", a, 71, true);
    say(db, lobby, a, "hi", 80);
    db_rows_t *r;
    assert_int_equal(chatstore_rooms(db, span_of("", 0), 50, &r), 0);
    assert_int_equal(db_rows_cols(r), CHAT_ROOMS_COLS_N);
    assert_int_equal(db_rows_count(r), 4);
    assert_int_equal(db_rows_int(r, 0, CHAT_ROOMS_COL_ID), lobby);   /* the one with a message */
    assert_string_equal(db_rows_text(r, 0, CHAT_ROOMS_COL_NAME, NULL), "Lobby");
    assert_int_equal(db_rows_int(r, 0, CHAT_ROOMS_COL_MEMBERS), 2);
    assert_int_equal(db_rows_int(r, 0, CHAT_ROOMS_COL_OWNER), a);
    assert_int_equal(db_rows_int(r, 0, CHAT_ROOMS_COL_LAST_SEQ), 1);
    assert_int_equal(db_rows_int(r, 0, CHAT_ROOMS_COL_LAST_AT), 80);
    db_rows_free(r);
    assert_int_equal(chatstore_rooms(db, cs("_"), 50, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, 0), ab);
    db_rows_free(r);
    assert_int_equal(chatstore_rooms(db, cs("xB"), 50, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, 0), axb);
    db_rows_free(r);
    assert_int_equal(chatstore_rooms(db, cs("B"), 1, &r), 0);   /* lobby, a_b, axb match; limit 1 */
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, 0), lobby);
    db_rows_free(r);
    static const char *const none[] = { "%", "a%", "'", "zzz" };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(chatstore_rooms(db, cs(none[i]), 50, &r), 0);
        assert_int_equal(db_rows_count(r), 0);
        db_rows_free(r);
    }
    /* members: by rank (an admin first), then display name */
    int64_t d = add(db, "dan");
    join(db, "lobby", d, 90, false);
    set_admin(db, d, 1);
    bool admin;
    assert_int_equal(chatstore_is_admin(db, d, &admin), 0);
    assert_true(admin);
    assert_int_equal(chatstore_is_admin(db, b, &admin), 0);
    assert_false(admin);
    assert_int_equal(chatstore_members(db, lobby, a, &r), 0);
    assert_int_equal(db_rows_cols(r), CHAT_MEMBERS_COLS_N);
    assert_int_equal(db_rows_count(r), 3);
    assert_int_equal(db_rows_int(r, 0, CHAT_MEMBERS_COL_ID), d);
    assert_int_equal(db_rows_int(r, 0, CHAT_MEMBERS_COL_ADMIN), 1);
    assert_int_equal(db_rows_int(r, 1, CHAT_MEMBERS_COL_ID), a);
    assert_int_equal(db_rows_int(r, 1, CHAT_MEMBERS_COL_ROLE), CHAT_RANK_OWNER);
    assert_int_equal(db_rows_int(r, 2, CHAT_MEMBERS_COL_ID), b);
    assert_string_equal(db_rows_text(r, 2, CHAT_MEMBERS_COL_DISPLAY, NULL), "ben");
    db_rows_free(r);
    assert_int_equal(mship(db, lobby, d).rank, CHAT_RANK_ADMIN);
    assert_int_equal(mship(db, lobby, d).role, CHAT_RANK_MEMBER);
    assert_int_equal(mship(db, ab, d).rank, CHAT_RANK_ADMIN);   /* in every room, member or not */
    assert_false(mship(db, ab, d).member);
    db_close(db);
}

static void run_direct(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat"), gone = add(db, "gus");
    db_val_t g[2] = { DB_INT(gone), DB_INT(5) };
    assert_int_equal(db_exec(db, &Q_T_GONE, g, 2, NULL, NULL), 0);
    chat_channel_t ch, ch2;
    assert_int_equal(chatstore_direct(db, a, a, 10, &ch), CHAT_E_SELF);
    assert_int_equal(chatstore_direct(db, a, 9999, 10, &ch), ACCOUNT_E_NOTFOUND);
    assert_int_equal(chatstore_direct(db, a, gone, 10, &ch), ACCOUNT_E_NOTFOUND);
    assert_int_equal(chatstore_direct(db, gone, a, 10, &ch), ACCOUNT_E_GONE);
    assert_int_equal(chatstore_direct(db, b, a, 10, &ch), 0);
    assert_int_equal(ch.kind, CHAT_KIND_DIRECT);
    assert_int_equal(ch.peer_id, a);
    assert_int_equal(ch.owner_id, 0);
    assert_string_equal(ch.name, "");
    assert_int_equal(chatstore_direct(db, a, b, 20, &ch2), 0);   /* the same channel from either side */
    assert_int_equal(ch2.id, ch.id);
    assert_int_equal(ch2.peer_id, b);
    assert_true(mship(db, ch.id, a).member);
    assert_true(mship(db, ch.id, b).member);
    assert_false(mship(db, ch.id, c).member);
    /* a block either way: refused, nothing created */
    assert_int_equal(social_block(db, c, a, 30), 0);
    assert_int_equal(chatstore_direct(db, a, c, 40, &ch2), SOCIAL_E_BLOCKED);
    assert_int_equal(chatstore_direct(db, c, a, 40, &ch2), SOCIAL_E_BLOCKED);
    assert_int_equal(social_unblock(db, c, a), 0);
    assert_int_equal(chatstore_direct(db, a, c, 50, &ch2), 0);
    assert_int_equal(ch2.created_at, 50);   /* created only now */
    /* posting under a block, either way, is refused; the peer deleted too */
    int64_t s1 = say(db, ch.id, a, "hello", 60);
    assert_int_equal(s1, 1);
    assert_int_equal(social_block(db, a, b, 70), 0);
    assert_int_equal(post1(db, ch.id, a, "x", 71, NULL), SOCIAL_E_BLOCKED);
    assert_int_equal(post1(db, ch.id, b, "x", 71, NULL), SOCIAL_E_BLOCKED);
    assert_int_equal(social_unblock(db, a, b), 0);
    assert_int_equal(social_block(db, b, a, 72), 0);
    assert_int_equal(post1(db, ch.id, a, "x", 73, NULL), SOCIAL_E_BLOCKED);
    assert_int_equal(social_unblock(db, b, a), 0);
    assert_int_equal(say(db, ch.id, b, "back", 74), 2);
    assert_int_equal(post1(db, ch.id, c, "not mine", 75, NULL), CHAT_E_NOT_MEMBER);
    /* system channels: created once, only the server writes */
    chat_channel_t sys, sys2;
    assert_int_equal(chatstore_system(db, a, 80, &sys), 0);
    assert_int_equal(sys.kind, CHAT_KIND_SYSTEM);
    assert_int_equal(chatstore_system(db, a, 90, &sys2), 0);
    assert_int_equal(sys2.id, sys.id);
    assert_int_equal(chatstore_system(db, 9999, 90, &sys2), ACCOUNT_E_NOTFOUND);
    assert_true(mship(db, sys.id, a).member);
    assert_int_equal(post1(db, sys.id, a, "me?", 91, NULL), CHAT_E_FORBIDDEN);
    assert_int_equal(say(db, sys.id, 0, "notice", 92), 1);
    db_rows_t *r;
    assert_int_equal(chatstore_blocked_ids(db, c, &r), 0);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    assert_int_equal(social_block(db, c, b, 100), 0);
    assert_int_equal(social_block(db, c, a, 100), 0);
    assert_int_equal(chatstore_blocked_ids(db, c, &r), 0);
    assert_int_equal(db_rows_count(r), 2);
    assert_int_equal(db_rows_int(r, 0, 0), a < b ? a : b);
    assert_int_equal(db_rows_int(r, 1, 0), a < b ? b : a);
    db_rows_free(r);
    db_close(db);
}

static void run_post(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat"), d = add(db, "dan"), e = add(db, "eve");
    int64_t r1 = join(db, "one", a, 1, true), r2 = join(db, "two", a, 1, true);
    join(db, "one", b, 2, false);
    join(db, "one", c, 2, false);
    join(db, "one", e, 2, false);
    /* seqs: per channel, from 1, independent */
    assert_int_equal(say(db, r1, a, "1", 10), 1);
    assert_int_equal(say(db, r2, a, "1", 10), 1);
    assert_int_equal(say(db, r1, b, "2", 11), 2);
    assert_int_equal(say(db, r1, a, "3", 12), 3);
    assert_int_equal(say(db, r2, a, "2", 13), 2);
    chat_channel_t ch;
    assert_int_equal(chatstore_room(db, cs("one"), &ch), 0);
    assert_int_equal(ch.last_seq, 3);
    assert_int_equal(ch.last_at, 12);
    /* a batch with refusals: banned (c), muted (b), not a member (d), gone (e), no channel;
     * the server's message needs no membership; channels interleaved out of order */
    chat_mod_t m = { .channel_id = r1, .actor_id = a, .target_id = c, .action = CHAT_ACT_BAN };
    assert_int_equal(chatstore_moderate(db, &m, 20), 0);
    chat_mod_t mu = { .channel_id = r1, .actor_id = a, .target_id = b, .action = CHAT_ACT_MUTE, .until = 20 + 60000 };
    assert_int_equal(chatstore_moderate(db, &mu, 20), 0);
    db_val_t g[2] = { DB_INT(e), DB_INT(21) };
    assert_int_equal(db_exec(db, &Q_T_GONE, g, 2, NULL, NULL), 0);
    chat_post_t p[9] = {
        { .channel_id = r2, .sender_id = a, .text = cs("r2 a") },
        { .channel_id = r1, .sender_id = a, .text = cs("r1 a") },
        { .channel_id = r1, .sender_id = c, .text = cs("banned") },
        { .channel_id = r1, .sender_id = b, .text = cs("muted") },
        { .channel_id = r1, .sender_id = d, .text = cs("stranger") },
        { .channel_id = r1, .sender_id = e, .text = cs("ghost") },
        { .channel_id = 424242, .sender_id = a, .text = cs("void") },
        { .channel_id = r1, .sender_id = 0, .kind = CHAT_MSG_SYSTEM, .text = cs("server") },
        { .channel_id = r2, .sender_id = a, .kind = CHAT_MSG_INVITE, .ref_id = 77, .text = cs("invite") },
    };
    assert_int_equal(chatstore_post(db, p, 9, 30), 0);
    static const int want_rc[9] = { 0, 0, CHAT_E_BANNED, CHAT_E_MUTED, CHAT_E_NOT_MEMBER, ACCOUNT_E_GONE, CHAT_E_NO_CHANNEL, 0, 0 };
    static const int64_t want_seq[9] = { 3, 4, 0, 0, 0, 0, 0, 5, 4 };
    for (int i = 0; i < 9; i++) {
        if (p[i].rc != want_rc[i] || p[i].seq != want_seq[i]) fail_msg("post %d: rc %d seq %lld", i, p[i].rc, (long long)p[i].seq);
        assert_int_equal(p[i].at, want_rc[i] ? 0 : 30);
    }
    db_val_t q[2] = { DB_INT(r1), DB_INT(5) };
    db_rows_t *r;
    assert_int_equal(db_exec(db, &Q_T_COUNT, q, 1, &r, NULL), 0);
    assert_int_equal(db_rows_int(r, 0, 0), 5);   /* no gap: refused posts take no seq */
    db_rows_free(r);
    assert_int_equal(db_exec(db, &Q_T_MSG, q, 2, &r, NULL), 0);
    assert_string_equal(db_rows_text(r, 0, 0, NULL), "server");
    assert_int_equal(db_rows_int(r, 0, 3), 0);   /* sender NULL */
    db_rows_free(r);
    /* the mute ends at its time */
    assert_int_equal(post1(db, r1, b, "still", 20 + 59999, NULL), CHAT_E_MUTED);
    assert_int_equal(say(db, r1, b, "free", 20 + 60000), 6);
    /* verbatim: HTML and SQL-looking text */
    const char *evil = "<script>alert(1)</script>'); DROP TABLE chat_messages;--";
    int64_t s = say(db, r1, a, evil, 40);
    q[1] = DB_INT(s);
    assert_int_equal(db_exec(db, &Q_T_MSG, q, 2, &r, NULL), 0);
    assert_string_equal(db_rows_text(r, 0, 0, NULL), evil);
    db_rows_free(r);
    /* batch bounds; a full batch of 256 in one channel gets 256 consecutive seqs */
    assert_int_equal(chatstore_post(db, p, 0, 50), DB_EINVAL);
    assert_int_equal(chatstore_post(db, p, CHATSTORE_BATCH_MAX + 1, 50), DB_EINVAL);
    chat_post_t *many = calloc(CHATSTORE_BATCH_MAX, sizeof *many);
    for (int i = 0; i < CHATSTORE_BATCH_MAX; i++) many[i] = (chat_post_t){ .channel_id = i % 2 ? r1 : r2, .sender_id = a, .text = cs("n") };
    assert_int_equal(chatstore_post(db, many, CHATSTORE_BATCH_MAX, 60), 0);
    for (int i = 0; i < CHATSTORE_BATCH_MAX; i++) {
        assert_int_equal(many[i].rc, 0);
        assert_int_equal(many[i].seq, i % 2 ? s + 1 + i / 2 : 4 + 1 + i / 2);   /* batch order within a channel */
    }
    free(many);
    db_close(db);
}

static void run_history(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat");
    int64_t room = join(db, "h", a, 1, true);
    join(db, "h", b, 1, false);
    join(db, "h", c, 1, false);
    /* 250 messages: b wrote every fifth (seq 5, 10, ...) */
    chat_post_t p[250];
    for (int i = 0; i < 250; i++) p[i] = (chat_post_t){ .channel_id = room, .sender_id = (i + 1) % 5 ? a : b, .text = cs("m") };
    assert_int_equal(chatstore_post(db, p, 250, 100), 0);
    int64_t seqs[250], last;
    bool more;
    /* newest */
    assert_int_equal(hist(db, room, c, 0, -1, 50, seqs, &last, NULL), 50);
    assert_int_equal(last, 250);
    assert_int_equal(seqs[0], 201);
    assert_int_equal(seqs[49], 250);
    /* before: pages backwards */
    assert_int_equal(hist(db, room, c, 201, -1, 100, seqs, NULL, NULL), 100);
    assert_int_equal(seqs[0], 101);
    assert_int_equal(seqs[99], 200);
    assert_int_equal(hist(db, room, c, 3, 0, 100, seqs, NULL, NULL), 2);   /* before wins over since */
    assert_int_equal(seqs[0], 1);
    assert_int_equal(hist(db, room, c, 1, -1, 100, seqs, NULL, NULL), 0);
    /* since: oldest first, capped, with more */
    assert_int_equal(hist(db, room, c, 0, 0, 200, seqs, &last, &more), 200);
    assert_int_equal(seqs[0], 1);
    assert_int_equal(seqs[199], 200);
    assert_true(more);
    assert_int_equal(hist(db, room, c, 0, 200, 200, seqs, &last, &more), 50);
    assert_int_equal(seqs[0], 201);
    assert_false(more);
    assert_int_equal(hist(db, room, c, 0, 240, 10, seqs, &last, &more), 10);   /* exactly the rest: no more */
    assert_false(more);
    assert_int_equal(hist(db, room, c, 0, 239, 10, seqs, &last, &more), 10);
    assert_true(more);
    assert_int_equal(hist(db, room, c, 0, 250, 10, seqs, &last, &more), 0);
    assert_false(more);
    assert_int_equal(last, 250);
    /* limits clamped to 1..200 */
    assert_int_equal(hist(db, room, c, 0, 0, 1000, seqs, NULL, NULL), 200);
    assert_int_equal(hist(db, room, c, 0, -1, 0, seqs, NULL, NULL), 1);
    assert_int_equal(seqs[0], 250);
    /* blocks: c blocked b: b's messages vanish for c only, in every mode */
    assert_int_equal(social_block(db, c, b, 200), 0);
    assert_int_equal(hist(db, room, c, 0, -1, 50, seqs, &last, NULL), 50);
    assert_int_equal(last, 250);   /* the channel's, so c can advance past what it does not see */
    for (int i = 0; i < 50; i++) assert_true(seqs[i] % 5 != 0);
    assert_int_equal(seqs[0], 188);   /* 50 of the 4-in-5 */
    assert_int_equal(hist(db, room, b, 0, -1, 50, seqs, NULL, NULL), 50);
    assert_int_equal(seqs[0], 201);
    assert_int_equal(hist(db, room, c, 0, 240, 10, seqs, NULL, &more), 8);
    assert_false(more);
    assert_int_equal(hist(db, room, c, 0, 230, 8, seqs, NULL, &more), 8);   /* 231..239 but not 235: 8, then 4 more */
    assert_true(more);
    assert_int_equal(hist(db, room, c, 0, 244, 4, seqs, NULL, &more), 4);   /* 246..249, 250 filtered: no more */
    assert_false(more);
    assert_int_equal(hist(db, room, c, 11, -1, 100, seqs, NULL, NULL), 8);
    /* a deleted message: empty text, deleted_at, its place kept */
    chat_mod_t m = { .channel_id = room, .actor_id = a, .action = CHAT_ACT_DELETE, .seq = 250 };
    assert_int_equal(chatstore_moderate(db, &m, 300), 0);
    db_rows_t *r;
    assert_int_equal(chatstore_history(db, room, a, 0, 247, 10, &r, &last, &more), 0);
    assert_int_equal(db_rows_count(r), 3);
    assert_int_equal(db_rows_int(r, 2, CHAT_MSG_COL_SEQ), 250);
    assert_string_equal(db_rows_text(r, 2, CHAT_MSG_COL_BODY, NULL), "");
    assert_int_equal(db_rows_int(r, 2, CHAT_MSG_COL_DELETED_AT), 300);
    assert_true(db_rows_null(r, 1, CHAT_MSG_COL_DELETED_AT));
    assert_true(db_rows_null(r, 0, CHAT_MSG_COL_DELETED_AT));
    assert_string_equal(db_rows_text(r, 0, CHAT_MSG_COL_BODY, NULL), "m");
    assert_int_equal(db_rows_int(r, 0, CHAT_MSG_COL_SENDER), a);
    assert_string_equal(db_rows_text(r, 0, CHAT_MSG_COL_DISPLAY, NULL), "ann");
    assert_string_equal(db_rows_text(r, 0, CHAT_MSG_COL_USERNAME, NULL), "ann");
    assert_int_equal(db_rows_int(r, 2, CHAT_MSG_COL_SENDER), b);
    assert_int_equal(db_rows_int(r, 0, CHAT_MSG_COL_AT), 100);
    db_rows_free(r);
    /* a server message reads with NULL sender columns */
    chat_post_t sp = { .channel_id = room, .kind = CHAT_MSG_SYSTEM, .text = cs("notice") };
    assert_int_equal(chatstore_post(db, &sp, 1, 400), 0);
    assert_int_equal(chatstore_history(db, room, c, 0, -1, 1, &r, &last, &more), 0);
    assert_int_equal(db_rows_count(r), 1);
    assert_true(db_rows_null(r, 0, CHAT_MSG_COL_SENDER));
    assert_true(db_rows_null(r, 0, CHAT_MSG_COL_DISPLAY));
    assert_int_equal(db_rows_int(r, 0, CHAT_MSG_COL_KIND), CHAT_MSG_SYSTEM);
    assert_true(db_rows_null(r, 0, CHAT_MSG_COL_REF));
    db_rows_free(r);
    assert_int_equal(chatstore_history(db, 9999, c, 0, -1, 1, &r, &last, &more), CHAT_E_NO_CHANNEL);
    assert_null(r);
    db_close(db);
}

/* uid's conversations: count, and the row of channel ch (-1 if absent) */
static int conv_row(db_rows_t *r, int64_t ch) {
    for (int i = 0; i < db_rows_count(r); i++)
        if (db_rows_int(r, i, CHAT_CONV_COL_ID) == ch) return i;
    return -1;
}

static void run_read_conversations(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben"), c = add(db, "cat"), d = add(db, "dan");
    int64_t room = join(db, "lobby", a, 1, true);
    join(db, "lobby", b, 2, false);
    join(db, "lobby", c, 2, false);
    chat_channel_t ab, ac, sys;
    assert_int_equal(chatstore_direct(db, a, b, 3, &ab), 0);
    assert_int_equal(chatstore_direct(db, c, a, 4, &ac), 0);
    assert_int_equal(chatstore_system(db, a, 5, &sys), 0);
    say(db, room, b, "r1", 10);
    say(db, room, c, "r2", 11);
    say(db, room, a, "r3 mine", 12);
    say(db, room, c, "r4", 13);
    say(db, ab.id, b, "d1", 20);
    say(db, ab.id, b, "d2", 21);
    say(db, ac.id, a, "mine", 30);
    say(db, sys.id, 0, "welcome", 40);
    /* read markers: forward only, clamped to last_seq, members only */
    int64_t stored;
    assert_int_equal(chatstore_read(db, room, a, 2, &stored), 0);
    assert_int_equal(stored, 2);
    assert_int_equal(chatstore_read(db, room, a, 1, &stored), 0);
    assert_int_equal(stored, 2);   /* never backwards */
    assert_int_equal(chatstore_read(db, room, a, 99, &stored), 0);
    assert_int_equal(stored, 4);   /* clamped */
    assert_int_equal(mship(db, room, a).last_read_seq, 4);
    assert_int_equal(chatstore_read(db, room, a, 0, &stored), 0);
    assert_int_equal(stored, 4);
    assert_int_equal(chatstore_read(db, room, d, 1, &stored), CHAT_E_NOT_MEMBER);
    assert_int_equal(chatstore_read(db, room, a, 1, &stored), 0);
    assert_int_equal(chatstore_read(db, room, a, 2, &stored), 0);
    assert_int_equal(stored, 4);
    /* back to unread: a fresh marker in the room for the checks below */
    assert_int_equal(chatstore_read(db, room, b, 1, &stored), 0);
    db_rows_t *r;
    assert_int_equal(chatstore_conversations(db, a, &r), 0);
    assert_int_equal(db_rows_cols(r), CHAT_CONV_COLS_N);
    assert_int_equal(db_rows_count(r), 4);
    /* most recent first: sys (40), ac (30), ab (21), room (13) */
    assert_int_equal(db_rows_int(r, 0, CHAT_CONV_COL_ID), sys.id);
    assert_int_equal(db_rows_int(r, 1, CHAT_CONV_COL_ID), ac.id);
    assert_int_equal(db_rows_int(r, 2, CHAT_CONV_COL_ID), ab.id);
    assert_int_equal(db_rows_int(r, 3, CHAT_CONV_COL_ID), room);
    assert_int_equal(db_rows_int(r, 0, CHAT_CONV_COL_KIND), CHAT_KIND_SYSTEM);
    assert_int_equal(db_rows_int(r, 0, CHAT_CONV_COL_UNREAD), 1);
    assert_true(db_rows_null(r, 0, CHAT_CONV_COL_MSG_SENDER));
    assert_string_equal(db_rows_text(r, 0, CHAT_CONV_COL_MSG_BODY, NULL), "welcome");
    assert_true(db_rows_null(r, 0, CHAT_CONV_COL_PEER));
    /* the DM I wrote last: no unread */
    assert_int_equal(db_rows_int(r, 1, CHAT_CONV_COL_PEER), c);
    assert_string_equal(db_rows_text(r, 1, CHAT_CONV_COL_PEER_DISPLAY, NULL), "cat");
    assert_string_equal(db_rows_text(r, 1, CHAT_CONV_COL_PEER_USERNAME, NULL), "cat");
    assert_int_equal(db_rows_int(r, 1, CHAT_CONV_COL_UNREAD), 0);
    assert_int_equal(db_rows_int(r, 1, CHAT_CONV_COL_MSG_SENDER), a);
    assert_int_equal(db_rows_int(r, 2, CHAT_CONV_COL_PEER), b);
    assert_int_equal(db_rows_int(r, 2, CHAT_CONV_COL_UNREAD), 2);
    assert_int_equal(db_rows_int(r, 2, CHAT_CONV_COL_LAST_SEQ), 2);
    assert_int_equal(db_rows_int(r, 2, CHAT_CONV_COL_READ_SEQ), 0);
    assert_int_equal(db_rows_int(r, 2, CHAT_CONV_COL_MSG_SEQ), 2);
    assert_string_equal(db_rows_text(r, 2, CHAT_CONV_COL_MSG_BODY, NULL), "d2");
    assert_int_equal(db_rows_int(r, 2, CHAT_CONV_COL_MSG_AT), 21);
    assert_int_equal(db_rows_int(r, 3, CHAT_CONV_COL_UNREAD), 0);
    assert_string_equal(db_rows_text(r, 3, CHAT_CONV_COL_NAME, NULL), "lobby");
    db_rows_free(r);
    /* b's view of the room: unread after its marker (1): r2, r3, r4 = 3; not its own */
    say(db, room, b, "b's own", 50);
    assert_int_equal(chatstore_conversations(db, b, &r), 0);
    int i = conv_row(r, room);
    assert_true(i >= 0);
    assert_int_equal(db_rows_int(r, i, CHAT_CONV_COL_UNREAD), 3);
    db_rows_free(r);
    /* b blocks c: c's messages leave the count and the last message */
    assert_int_equal(social_block(db, b, c, 60), 0);
    say(db, room, c, "c last", 61);
    assert_int_equal(chatstore_conversations(db, b, &r), 0);
    i = conv_row(r, room);
    assert_int_equal(db_rows_int(r, i, CHAT_CONV_COL_UNREAD), 1);   /* r3 only */
    assert_string_equal(db_rows_text(r, i, CHAT_CONV_COL_MSG_BODY, NULL), "b's own");
    assert_int_equal(db_rows_int(r, i, CHAT_CONV_COL_LAST_SEQ), 6);
    db_rows_free(r);
    /* a deleted message leaves the count; as the last message its text is empty */
    set_admin(db, d, 1);
    chat_mod_t m = { .channel_id = room, .actor_id = d, .action = CHAT_ACT_DELETE, .seq = 3 };
    assert_int_equal(chatstore_moderate(db, &m, 70), 0);
    m.seq = 6;
    assert_int_equal(chatstore_moderate(db, &m, 70), 0);
    assert_int_equal(chatstore_conversations(db, b, &r), 0);
    i = conv_row(r, room);
    assert_int_equal(db_rows_int(r, i, CHAT_CONV_COL_UNREAD), 0);
    db_rows_free(r);
    assert_int_equal(chatstore_conversations(db, d, &r), 0);
    assert_int_equal(chatstore_read(db, room, b, 3, &stored), 0);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    assert_int_equal(chatstore_conversations(db, c, &r), 0);
    i = conv_row(r, room);
    assert_int_equal(db_rows_int(r, i, CHAT_CONV_COL_MSG_SEQ), 6);
    assert_string_equal(db_rows_text(r, i, CHAT_CONV_COL_MSG_BODY, NULL), "");
    assert_int_equal(db_rows_int(r, i, CHAT_CONV_COL_UNREAD), 2);   /* b's 1 and 5 (3 deleted, 2, 4, 6 its own) */
    db_rows_free(r);
    db_close(db);
}

/* the newest chat_actions row of room: action, actor, target, seq, until, reason */
static void last_action(db_t *db, int64_t room, int64_t actor, const char *action, int64_t by, int64_t target, int64_t seq,
                        int64_t until, const char *reason) {
    db_rows_t *r;
    assert_int_equal(chatstore_actions(db, room, actor, 1, &r), 0);
    assert_int_equal(db_rows_cols(r), CHAT_ACT_COLS_N);
    assert_int_equal(db_rows_count(r), 1);
    assert_string_equal(db_rows_text(r, 0, CHAT_ACT_COL_ACTION, NULL), action);
    assert_int_equal(db_rows_int(r, 0, CHAT_ACT_COL_ACTOR), by);
    assert_int_equal(db_rows_int(r, 0, CHAT_ACT_COL_TARGET), target);
    assert_int_equal(db_rows_null(r, 0, CHAT_ACT_COL_TARGET), target == 0);
    assert_int_equal(db_rows_int(r, 0, CHAT_ACT_COL_SEQ), seq);
    assert_int_equal(db_rows_int(r, 0, CHAT_ACT_COL_UNTIL), until);
    assert_string_equal(db_rows_text(r, 0, CHAT_ACT_COL_REASON, NULL), reason);
    db_rows_free(r);
}

static int mod(db_t *db, int64_t room, int64_t actor, chat_action_t act, int64_t target, int64_t seq, int64_t until, int64_t now) {
    chat_mod_t m = { .channel_id = room, .actor_id = actor, .target_id = target, .action = act, .seq = seq, .until = until,
                     .reason = cs("because") };
    return chatstore_moderate(db, &m, now);
}

static void run_moderation(const char *url) {
    db_t *db = fresh(url);
    int64_t own = add(db, "own"), mo = add(db, "mo"), mem = add(db, "mem"), mem2 = add(db, "mem2"), adm = add(db, "adm"), out = add(db, "out");
    set_admin(db, adm, 1);
    int64_t room = join(db, "mod", own, 1, true);
    join(db, "mod", mo, 2, false);
    join(db, "mod", mem, 2, false);
    join(db, "mod", mem2, 2, false);
    int64_t other = join(db, "other", out, 3, true);
    /* moderators are named by the owner only */
    assert_int_equal(mod(db, room, mem, CHAT_ACT_MOD_ADD, mo, 0, 0, 10), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, own, CHAT_ACT_MOD_ADD, mo, 0, 0, 10), 0);
    assert_int_equal(mship(db, room, mo).role, CHAT_RANK_MODERATOR);
    last_action(db, room, own, "moderator_add", own, mo, 0, 0, "because");
    assert_int_equal(mod(db, room, own, CHAT_ACT_MOD_ADD, mo, 0, 0, 10), CHAT_E_FORBIDDEN);   /* already one */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MOD_ADD, mem, 0, 0, 10), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, own, CHAT_ACT_MOD_ADD, out, 0, 0, 10), CHAT_E_NOT_MEMBER);
    /* the log: owner, moderators, admins */
    db_rows_t *r;
    assert_int_equal(chatstore_actions(db, room, mem, 10, &r), CHAT_E_FORBIDDEN);
    assert_null(r);
    assert_int_equal(chatstore_actions(db, room, out, 10, &r), CHAT_E_FORBIDDEN);
    assert_int_equal(chatstore_actions(db, room, adm, 10, &r), 0);   /* not a member: an admin anyway */
    assert_int_equal(db_rows_count(r), 1);
    assert_string_equal(db_rows_text(r, 0, CHAT_ACT_COL_ACTOR_DISPLAY, NULL), "own");
    assert_string_equal(db_rows_text(r, 0, CHAT_ACT_COL_TARGET_DISPLAY, NULL), "mo");
    assert_int_equal(db_rows_int(r, 0, CHAT_ACT_COL_AT), 10);
    db_rows_free(r);
    /* delete: a member's message by a moderator; the moderator's by the owner only */
    int64_t s_mem = say(db, room, mem, "bad", 20), s_mo = say(db, room, mo, "mo says", 21), s_own = say(db, room, own, "own says", 22);
    chat_post_t note = { .channel_id = room, .kind = CHAT_MSG_SYSTEM, .text = cs("server") };
    assert_int_equal(chatstore_post(db, &note, 1, 23), 0);
    assert_int_equal(mod(db, room, mem2, CHAT_ACT_DELETE, 0, s_mem, 0, 30), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, mem, CHAT_ACT_DELETE, 0, s_mem, 0, 30), CHAT_E_FORBIDDEN);   /* not even one's own */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_DELETE, 0, s_mo, 0, 30), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_DELETE, 0, s_own, 0, 30), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, own, CHAT_ACT_DELETE, 0, note.seq, 0, 30), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_DELETE, 0, 999, 0, 30), CHAT_E_NO_MESSAGE);
    chat_mod_t dm = { .channel_id = room, .actor_id = mo, .action = CHAT_ACT_DELETE, .seq = s_mem };
    assert_int_equal(chatstore_moderate(db, &dm, 31), 0);
    assert_int_equal(dm.target_of_delete, mem);
    last_action(db, room, mo, "delete", mo, mem, s_mem, 0, "");
    db_val_t q[2] = { DB_INT(room), DB_INT(s_mem) };
    assert_int_equal(db_exec(db, &Q_T_MSG, q, 2, &r, NULL), 0);
    assert_int_equal(db_rows_int(r, 0, 1), 31);
    assert_int_equal(db_rows_int(r, 0, 2), mo);
    assert_string_equal(db_rows_text(r, 0, 0, NULL), "bad");   /* kept for review; history hides it */
    db_rows_free(r);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_DELETE, 0, s_mem, 0, 32), CHAT_E_NO_MESSAGE);   /* already */
    assert_int_equal(mod(db, room, own, CHAT_ACT_DELETE, 0, s_mo, 0, 33), 0);
    assert_int_equal(mod(db, room, adm, CHAT_ACT_DELETE, 0, s_own, 0, 34), 0);
    assert_int_equal(mod(db, room, adm, CHAT_ACT_DELETE, 0, note.seq, 0, 35), 0);
    last_action(db, room, own, "delete", adm, 0, note.seq, 0, "because");
    /* mute: bounds, effect, log */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MUTE, mem, 0, 100 + 999, 100), CHAT_E_INVALID);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MUTE, mem, 0, 100 + 7 * 24 * 3600 * 1000LL + 1, 100), CHAT_E_INVALID);
    assert_int_equal(mod(db, room, mem2, CHAT_ACT_MUTE, mem, 0, 100 + 5000, 100), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MUTE, own, 0, 100 + 5000, 100), CHAT_E_FORBIDDEN);   /* moderator on owner */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MUTE, mo, 0, 100 + 5000, 100), CHAT_E_FORBIDDEN);    /* oneself: same rank */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MUTE, out, 0, 100 + 5000, 100), CHAT_E_NOT_MEMBER);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MUTE, mem, 0, 100 + 5000, 100), 0);
    assert_int_equal(mship(db, room, mem).muted_until, 5100);
    last_action(db, room, mo, "mute", mo, mem, 0, 5100, "because");
    assert_int_equal(post1(db, room, mem, "hush", 5099, NULL), CHAT_E_MUTED);
    assert_int_equal(post1(db, room, mem, "ok", 5100, NULL), 0);
    /* kick: out of the room, may rejoin */
    assert_int_equal(mod(db, room, mem, CHAT_ACT_KICK, mem2, 0, 0, 200), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_KICK, mem2, 0, 0, 200), 0);
    assert_false(mship(db, room, mem2).member);
    last_action(db, room, mo, "kick", mo, mem2, 0, 0, "because");
    assert_int_equal(mod(db, room, mo, CHAT_ACT_KICK, mem2, 0, 0, 201), CHAT_E_NOT_MEMBER);
    join(db, "mod", mem2, 202, false);
    /* ban: out, cannot rejoin, idempotent; a non-member can be banned too */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_BAN, own, 0, 0, 300), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_BAN, mem2, 0, 0, 300), 0);
    last_action(db, room, mo, "ban", mo, mem2, 0, 0, "because");
    chat_membership_t m = mship(db, room, mem2);
    assert_false(m.member);
    assert_true(m.banned);
    chat_channel_t ch;
    bool created;
    assert_int_equal(chatstore_room_join(db, cs("MOD"), mem2, 301, &ch, &created), CHAT_E_BANNED);
    assert_int_equal(post1(db, room, mem2, "let me in", 302, NULL), CHAT_E_BANNED);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_BAN, mem2, 0, 0, 303), 0);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_BAN, out, 0, 0, 304), 0);
    assert_true(mship(db, room, out).banned);
    assert_false(mship(db, other, out).banned);   /* that room only */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_BAN, 99999, 0, 0, 305), ACCOUNT_E_NOTFOUND);
    /* unban */
    assert_int_equal(mod(db, room, mem, CHAT_ACT_UNBAN, mem2, 0, 0, 400), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_UNBAN, mem2, 0, 0, 400), 0);
    last_action(db, room, own, "unban", mo, mem2, 0, 0, "because");
    assert_int_equal(mod(db, room, mo, CHAT_ACT_UNBAN, mem2, 0, 0, 401), CHAT_E_NOT_BANNED);
    assert_false(mship(db, room, mem2).banned);
    join(db, "mod", mem2, 402, false);
    /* moderator removal: owner (and admin) only, on a moderator */
    assert_int_equal(mod(db, room, mo, CHAT_ACT_MOD_REMOVE, mo, 0, 0, 500), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, own, CHAT_ACT_MOD_REMOVE, mem, 0, 0, 500), CHAT_E_FORBIDDEN);
    assert_int_equal(mod(db, room, own, CHAT_ACT_MOD_REMOVE, mo, 0, 0, 500), 0);
    assert_int_equal(mship(db, room, mo).role, CHAT_RANK_MEMBER);
    last_action(db, room, own, "moderator_remove", own, mo, 0, 0, "because");
    assert_int_equal(mod(db, room, mo, CHAT_ACT_KICK, mem, 0, 0, 501), CHAT_E_FORBIDDEN);   /* no longer */
    /* the admin: everything an owner can, on the owner too, in a room it is not in */
    assert_int_equal(mod(db, room, adm, CHAT_ACT_MOD_ADD, mem, 0, 0, 600), 0);
    assert_int_equal(mod(db, room, adm, CHAT_ACT_MOD_REMOVE, mem, 0, 0, 601), 0);
    assert_int_equal(mod(db, room, adm, CHAT_ACT_MUTE, own, 0, 602 + 1000, 602), 0);
    assert_int_equal(mod(db, room, adm, CHAT_ACT_KICK, own, 0, 0, 603), 0);
    last_action(db, room, adm, "kick", adm, own, 0, 0, "because");
    assert_int_equal(join(db, "mod", own, 604, false), room);
    assert_int_equal(mship(db, room, own).role, CHAT_RANK_OWNER);
    assert_int_equal(mod(db, room, own, CHAT_ACT_KICK, adm, 0, 0, 605), CHAT_E_FORBIDDEN);   /* nobody outranks an admin */
    set_admin(db, adm, 0);
    assert_int_equal(mod(db, room, adm, CHAT_ACT_KICK, mem, 0, 0, 606), CHAT_E_FORBIDDEN);
    /* a former owner who left has no say; not a room; bad uses */
    assert_int_equal(chatstore_room_leave(db, room, own), 0);
    assert_int_equal(mod(db, room, own, CHAT_ACT_KICK, mem, 0, 0, 700), CHAT_E_FORBIDDEN);
    chat_channel_t dmc;
    assert_int_equal(chatstore_direct(db, mem, mem2, 700, &dmc), 0);
    assert_int_equal(mod(db, dmc.id, mem, CHAT_ACT_KICK, mem2, 0, 0, 700), CHAT_E_NO_CHANNEL);
    assert_int_equal(mod(db, 99999, mem, CHAT_ACT_KICK, mem2, 0, 0, 700), CHAT_E_NO_CHANNEL);
    assert_int_equal(mod(db, room, mo, CHAT_ACT_READ_LOG, mem, 0, 0, 700), DB_EINVAL);
    char long_reason[CHATSTORE_REASON_MAX + 1];
    memset(long_reason, 'r', sizeof long_reason);
    chat_mod_t lr = { .channel_id = other, .actor_id = out, .target_id = mem, .action = CHAT_ACT_BAN,
                      .reason = span_of(long_reason, sizeof long_reason) };
    assert_int_equal(chatstore_moderate(db, &lr, 800), CHAT_E_TOO_LONG);
    lr.reason.len--;
    assert_int_equal(chatstore_moderate(db, &lr, 800), 0);
    /* the whole log, newest first */
    assert_int_equal(chatstore_actions(db, room, mem2, 200, &r), CHAT_E_FORBIDDEN);
    set_admin(db, adm, 1);
    assert_int_equal(chatstore_actions(db, room, adm, 200, &r), 0);
    assert_int_equal(db_rows_count(r), 16);   /* every action above in this room, the repeated ban too */
    for (int i = 1; i < db_rows_count(r); i++) assert_true(db_rows_int(r, i, CHAT_ACT_COL_ID) < db_rows_int(r, i - 1, CHAT_ACT_COL_ID));
    db_rows_free(r);
    db_close(db);
}

static void run_reports(const char *url) {
    db_t *db = fresh(url);
    int64_t own = add(db, "own"), mo = add(db, "mo"), mem = add(db, "mem"), bad = add(db, "bad"), adm = add(db, "adm"), adm2 = add(db, "adm2");
    set_admin(db, adm, 1);
    set_admin(db, adm2, 1);
    int64_t room = join(db, "rep", own, 1, true);
    join(db, "rep", mo, 1, false);
    join(db, "rep", mem, 1, false);
    join(db, "rep", bad, 1, false);
    assert_int_equal(mod(db, room, own, CHAT_ACT_MOD_ADD, mo, 0, 0, 2), 0);
    int64_t s = say(db, room, bad, "spam", 10);
    int64_t id;
    db_rows_t *n;
    span_t why = cs("spam, again");
    /* a room message: the sender is the target; the room's owner and moderators and the admins hear */
    assert_int_equal(chatstore_report(db, mem, 0, room, s, why, 20, &id, &n), 0);
    assert_true(id > 0);
    int64_t want[4] = { own, mo, adm, adm2 };
    assert_int_equal(db_rows_count(n), 4);
    for (int i = 0; i < 4; i++) {
        bool seen = false;
        for (int j = 0; j < 4; j++) seen |= db_rows_int(n, j, 0) == want[i];
        assert_true(seen);
    }
    db_rows_free(n);
    /* without the reporter (a moderator reporting) */
    assert_int_equal(chatstore_report(db, mo, 0, room, s, why, 21, &id, &n), 0);
    assert_int_equal(db_rows_count(n), 3);
    db_rows_free(n);
    /* a user: the admins only (not the reporting admin) */
    assert_int_equal(chatstore_report(db, adm, bad, 0, 0, why, 22, &id, &n), 0);
    assert_int_equal(db_rows_count(n), 1);
    assert_int_equal(db_rows_int(n, 0, 0), adm2);
    db_rows_free(n);
    /* refusals */
    assert_int_equal(chatstore_report(db, bad, 0, room, s, why, 23, &id, &n), CHAT_E_SELF);
    assert_null(n);
    assert_int_equal(chatstore_report(db, mem, mem, 0, 0, why, 23, &id, &n), CHAT_E_SELF);
    assert_int_equal(chatstore_report(db, mem, 0, room, 999, why, 23, &id, &n), CHAT_E_NO_MESSAGE);
    assert_int_equal(chatstore_report(db, mem, 99999, 0, 0, why, 23, &id, &n), ACCOUNT_E_NOTFOUND);
    assert_int_equal(chatstore_report(db, mem, 0, 0, 0, why, 23, &id, &n), DB_EINVAL);
    assert_int_equal(chatstore_report(db, mem, bad, 0, 0, span_of("", 0), 23, &id, &n), CHAT_E_EMPTY);
    char big[CHATSTORE_REASON_MAX * 2 + 2];
    for (int i = 0; i < CHATSTORE_REASON_MAX + 1; i++) memcpy(big + 2 * i, "\xc3\xa9", 2);
    assert_int_equal(chatstore_report(db, mem, bad, 0, 0, span_of(big, 2 * CHATSTORE_REASON_MAX + 2), 23, &id, &n), CHAT_E_TOO_LONG);
    assert_int_equal(chatstore_report(db, mem, bad, 0, 0, span_of(big, 2 * CHATSTORE_REASON_MAX), 23, &id, &n), 0);   /* 500 characters */
    db_rows_free(n);
    /* a DM's message: only by one of its members */
    chat_channel_t dm;
    assert_int_equal(chatstore_direct(db, bad, mem, 30, &dm), 0);
    int64_t ds = say(db, dm.id, bad, "psst", 31);
    assert_int_equal(chatstore_report(db, own, 0, dm.id, ds, why, 32, &id, &n), CHAT_E_NO_MESSAGE);
    assert_int_equal(chatstore_report(db, mem, 0, dm.id, ds, why, 32, &id, &n), 0);
    assert_int_equal(db_rows_count(n), 2);   /* the admins */
    db_rows_free(n);
    /* who sees them: admins all 6; the room's owner and moderator the 2 of its messages */
    db_rows_t *r;
    assert_int_equal(chatstore_reports(db, adm2, 100, &r), 0);
    assert_int_equal(db_rows_cols(r), CHAT_REP_COLS_N);
    assert_int_equal(db_rows_count(r), 5);
    assert_int_equal(db_rows_int(r, 0, CHAT_REP_COL_CHANNEL), dm.id);   /* newest first */
    assert_string_equal(db_rows_text(r, 0, CHAT_REP_COL_BODY, NULL), "psst");
    assert_int_equal(db_rows_int(r, 0, CHAT_REP_COL_TARGET), bad);
    assert_true(db_rows_null(r, 0, CHAT_REP_COL_ROOM));
    assert_true(db_rows_null(r, 2, CHAT_REP_COL_CHANNEL));
    assert_true(db_rows_null(r, 2, CHAT_REP_COL_BODY));
    db_rows_free(r);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(chatstore_reports(db, k ? own : mo, 100, &r), 0);
        assert_int_equal(db_rows_count(r), 2);
        assert_string_equal(db_rows_text(r, 0, CHAT_REP_COL_ROOM, NULL), "rep");
        assert_int_equal(db_rows_int(r, 0, CHAT_REP_COL_SEQ), s);
        assert_string_equal(db_rows_text(r, 0, CHAT_REP_COL_BODY, NULL), "spam");
        assert_string_equal(db_rows_text(r, 0, CHAT_REP_COL_REPORTER_DISPLAY, NULL), "mo");
        assert_string_equal(db_rows_text(r, 0, CHAT_REP_COL_TARGET_DISPLAY, NULL), "bad");
        assert_string_equal(db_rows_text(r, 0, CHAT_REP_COL_REASON, NULL), "spam, again");
        assert_int_equal(db_rows_int(r, 0, CHAT_REP_COL_AT), 21);
        db_rows_free(r);
    }
    assert_int_equal(chatstore_reports(db, mem, 100, &r), 0);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    db_close(db);
}

static void run_account(const char *url) {
    db_t *db = fresh(url);
    int64_t a = add(db, "ann"), b = add(db, "ben");
    int64_t room = join(db, "Kept", a, 1, true);
    join(db, "kept", b, 1, false);
    chat_channel_t dm, sys;
    assert_int_equal(chatstore_direct(db, a, b, 2, &dm), 0);
    assert_int_equal(chatstore_system(db, a, 2, &sys), 0);
    say(db, room, a, "room hello", 10);
    say(db, dm.id, a, "secret", 11);
    say(db, dm.id, b, "reply", 12);
    say(db, sys.id, 0, "notice", 13);
    say(db, dm.id, a, "second", 14);
    chat_mod_t m = { .channel_id = room, .actor_id = a, .target_id = b, .action = CHAT_ACT_MUTE, .until = 20 + 1000 };
    assert_int_equal(chatstore_moderate(db, &m, 20), 0);
    int64_t id;
    db_rows_t *n;
    assert_int_equal(chatstore_report(db, a, b, 0, 0, cs("rude"), 21, &id, &n), 0);
    db_rows_free(n);
    /* export: a's messages, oldest first, with room name or peer id */
    db_rows_t *r;
    assert_int_equal(chatstore_export(db, a, &r), 0);
    assert_int_equal(db_rows_cols(r), CHAT_EXP_COLS_N);
    assert_int_equal(db_rows_count(r), 3);
    assert_int_equal(db_rows_int(r, 0, CHAT_EXP_COL_KIND), CHAT_KIND_ROOM);
    assert_string_equal(db_rows_text(r, 0, CHAT_EXP_COL_ROOM, NULL), "Kept");
    assert_true(db_rows_null(r, 0, CHAT_EXP_COL_PEER));
    assert_string_equal(db_rows_text(r, 0, CHAT_EXP_COL_BODY, NULL), "room hello");
    assert_int_equal(db_rows_int(r, 1, CHAT_EXP_COL_KIND), CHAT_KIND_DIRECT);
    assert_int_equal(db_rows_int(r, 1, CHAT_EXP_COL_PEER), b);
    assert_true(db_rows_null(r, 1, CHAT_EXP_COL_ROOM));
    assert_int_equal(db_rows_int(r, 1, CHAT_EXP_COL_SEQ), 1);
    assert_int_equal(db_rows_int(r, 1, CHAT_EXP_COL_AT), 11);
    assert_true(db_rows_null(r, 1, CHAT_EXP_COL_DELETED_AT));
    assert_string_equal(db_rows_text(r, 2, CHAT_EXP_COL_BODY, NULL), "second");
    db_rows_free(r);
    assert_int_equal(chatstore_export(db, b, &r), 0);
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, CHAT_EXP_COL_PEER), a);   /* from the other side of the key */
    db_rows_free(r);
    /* deletion, through the account's own deletion */
    assert_int_equal(profile_delete_account(db, a, 100), 0);
    db_val_t q[2] = { DB_INT(dm.id), DB_INT(1) };
    assert_int_equal(db_exec(db, &Q_T_MSG, q, 2, &r, NULL), 0);
    assert_string_equal(db_rows_text(r, 0, 0, NULL), "");   /* a's DM text: gone, marked deleted */
    assert_int_equal(db_rows_int(r, 0, 1), 100);
    db_rows_free(r);
    q[1] = DB_INT(2);
    assert_int_equal(db_exec(db, &Q_T_MSG, q, 2, &r, NULL), 0);
    assert_string_equal(db_rows_text(r, 0, 0, NULL), "reply");   /* b's stays */
    assert_int_equal(db_rows_int(r, 0, 1), 0);
    db_rows_free(r);
    /* the DM stays readable from b's side through chatstore_direct_find (chatstore_direct wants
     * a live peer and refuses); nothing new is created for a pair that never talked */
    chat_channel_t found;
    assert_int_equal(chatstore_direct(db, b, a, 101, &found), ACCOUNT_E_NOTFOUND);
    assert_int_equal(chatstore_direct_find(db, b, a, &found), 0);
    assert_int_equal(found.id, dm.id);
    assert_int_equal(found.peer_id, a);
    assert_int_equal(chatstore_direct_find(db, b, b, &found), CHAT_E_SELF);
    int64_t cid = add(db, "cid");
    assert_int_equal(chatstore_direct_find(db, b, cid, &found), CHAT_E_NO_CHANNEL);
    assert_int_equal(social_block(db, cid, b, 102), 0);
    assert_int_equal(chatstore_direct(db, cid, b, 103, &found), SOCIAL_E_BLOCKED);
    chat_channel_t bc;
    assert_int_equal(social_unblock(db, cid, b), 0);
    assert_int_equal(chatstore_direct(db, b, cid, 104, &bc), 0);
    assert_int_equal(social_block(db, b, cid, 105), 0);
    assert_int_equal(chatstore_direct_find(db, cid, b, &found), SOCIAL_E_BLOCKED);   /* a block either way */
    /* room history reads under the placeholder name */
    assert_int_equal(chatstore_history(db, room, b, 0, -1, 10, &r, &(int64_t){ 0 }, &(bool){ false }), 0);
    assert_int_equal(db_rows_count(r), 1);
    assert_string_equal(db_rows_text(r, 0, CHAT_MSG_COL_BODY, NULL), "room hello");
    assert_string_equal(db_rows_text(r, 0, CHAT_MSG_COL_DISPLAY, NULL), "Deleted user");
    db_rows_free(r);
    /* b's DM history: a's messages as deleted, its own intact */
    assert_int_equal(chatstore_history(db, dm.id, b, 0, -1, 10, &r, &(int64_t){ 0 }, &(bool){ false }), 0);
    assert_int_equal(db_rows_count(r), 3);
    assert_false(db_rows_null(r, 0, CHAT_MSG_COL_DELETED_AT));
    assert_true(db_rows_null(r, 1, CHAT_MSG_COL_DELETED_AT));
    assert_string_equal(db_rows_text(r, 2, CHAT_MSG_COL_BODY, NULL), "");
    db_rows_free(r);
    /* b's conversation with the deleted user still names the peer */
    assert_int_equal(chatstore_conversations(db, b, &r), 0);
    int i = conv_row(r, dm.id);
    assert_true(i >= 0);
    assert_int_equal(db_rows_int(r, i, CHAT_CONV_COL_PEER), a);
    assert_string_equal(db_rows_text(r, i, CHAT_CONV_COL_PEER_DISPLAY, NULL), "Deleted user");
    db_rows_free(r);
    assert_int_equal(post1(db, dm.id, b, "hello?", 101, NULL), ACCOUNT_E_NOTFOUND);
    /* memberships, system channel, reports filed: gone */
    char key[CHATRULE_KEY_MAX];
    chatrule_system_key(a, key);
    db_val_t t[2] = { DB_INT(a), DB_TEXT(key, strlen(key)) };
    assert_int_equal(db_exec(db, &Q_T_TABLES, t, 2, &r, NULL), 0);
    for (int c = 0; c < 4; c++) assert_int_equal(db_rows_int(r, 0, c), 0);
    db_rows_free(r);
    chat_channel_t ch;
    assert_int_equal(chatstore_room(db, cs("kept"), &ch), 0);   /* the room stays */
    assert_int_equal(ch.owner_id, a);
    db_close(db);
}


/* One batch from many senders to several rooms and DMs, interleaved: each channel's accepted
 * messages get consecutive seqs in batch order (no gap: refused ones take none), a muted sender
 * and a blocked DM are refused alone, and the history holds exactly the accepted texts in
 * order. 70 senders: more (channel, sender) pairs than one pipeline (DB_MANY_MAX) takes. */
#define NB_USERS 70
#define NB_POSTS 240
static void run_batch(const char *url) {
    db_t *db = fresh(url);
    int64_t u[NB_USERS];
    char uname[16], name[24];
    for (int i = 0; i < NB_USERS; i++) {
        snprintf(uname, sizeof uname, "u%02d", i);
        u[i] = add(db, uname);
    }
    int64_t room[3];
    for (int r = 0; r < 3; r++) {
        snprintf(name, sizeof name, "batch%d", r);
        room[r] = join(db, name, u[0], 1, true);
        for (int i = 1; i < NB_USERS; i++) join(db, name, u[i], 1, false);
    }
    say(db, room[1], u[0], "before", 2);   /* room 1 starts at seq 1 */
    /* u[1] muted in room 2 only; u[3] blocked u[2]: their DM is refused, u[2]-u[4] is not */
    chat_mod_t mu = { .channel_id = room[2], .actor_id = u[0], .target_id = u[1], .action = CHAT_ACT_MUTE, .until = 10 + 60000 };
    assert_int_equal(chatstore_moderate(db, &mu, 3), 0);
    chat_channel_t dm_ok, dm_blocked;
    assert_int_equal(chatstore_direct(db, u[2], u[4], 4, &dm_ok), 0);
    assert_int_equal(chatstore_direct(db, u[2], u[3], 4, &dm_blocked), 0);
    assert_int_equal(social_block(db, u[3], u[2], 5), 0);
    int64_t chans[5] = { room[0], room[1], room[2], dm_ok.id, dm_blocked.id };
    chat_post_t p[NB_POSTS];
    char texts[NB_POSTS][16];
    for (int i = 0; i < NB_POSTS; i++) {
        int c = (i * 7 + i / 3) % 5;
        int64_t from = c >= 3 ? u[2] : u[(i * 13) % NB_USERS];
        if (i % 11 == 0 && c < 3) from = u[1];   /* the muted one, now and then, everywhere */
        if (i % 17 == 0) from = 0;               /* the server's, unchecked */
        snprintf(texts[i], sizeof texts[i], "m%d", i);
        p[i] = (chat_post_t){ .channel_id = chans[c], .sender_id = from, .kind = from ? CHAT_MSG_TEXT : CHAT_MSG_SYSTEM,
                              .text = cs(texts[i]) };
    }
    assert_int_equal(chatstore_post(db, p, NB_POSTS, 10), 0);
    int64_t next[5] = { 1, 2, 1, 1, 1 };   /* each channel's next seq */
    int refused_mute = 0, refused_block = 0;
    for (int i = 0; i < NB_POSTS; i++) {
        int c = 0;
        while (chans[c] != p[i].channel_id) c++;
        int want = 0;
        if (p[i].sender_id == u[1] && c == 2) want = CHAT_E_MUTED;
        if (p[i].sender_id != 0 && c == 4) want = SOCIAL_E_BLOCKED;
        if (p[i].rc != want) fail_msg("post %d (channel %d, sender %lld): rc %d, want %d", i, c, (long long)p[i].sender_id, p[i].rc, want);
        if (want == CHAT_E_MUTED) refused_mute++;
        if (want == SOCIAL_E_BLOCKED) refused_block++;
        if (want) {
            assert_int_equal(p[i].seq, 0);
            continue;
        }
        if (p[i].seq != next[c]) fail_msg("post %d (channel %d): seq %lld, want %lld", i, c, (long long)p[i].seq, (long long)next[c]);
        next[c]++;
        assert_int_equal(p[i].at, 10);
    }
    assert_true(refused_mute > 0);
    assert_true(refused_block > 0);
    /* each channel: last_seq = what was accepted, the history exactly those texts in order */
    for (int c = 0; c < 5; c++) {
        db_rows_t *r;
        int64_t last = 0;
        bool more = false;
        assert_int_equal(chatstore_history(db, chans[c], u[4], 0, 0, 200, &r, &last, &more), 0);
        assert_int_equal(last, next[c] - 1);
        int row = c == 1 ? 1 : 0;   /* room 1's "before" */
        assert_int_equal(db_rows_count(r), (int)(next[c] - 1));
        for (int i = 0; i < NB_POSTS; i++) {
            if (p[i].channel_id != chans[c] || p[i].rc != 0) continue;
            assert_int_equal(db_rows_int(r, row, CHAT_MSG_COL_SEQ), p[i].seq);
            assert_string_equal(db_rows_text(r, row, CHAT_MSG_COL_BODY, NULL), texts[i]);
            row++;
        }
        assert_int_equal(row, db_rows_count(r));
        db_rows_free(r);
    }
    /* the next batch goes on from there */
    chat_post_t more_posts[2] = { { .channel_id = room[2], .sender_id = u[5], .text = cs("after") },
                                  { .channel_id = room[2], .sender_id = u[1], .text = cs("still muted") } };
    assert_int_equal(chatstore_post(db, more_posts, 2, 11), 0);
    assert_int_equal(more_posts[0].seq, next[2]);
    assert_int_equal(more_posts[1].rc, CHAT_E_MUTED);
    db_close(db);
}

BOTH(rooms)
BOTH(batch)
BOTH(direct)
BOTH(post)
BOTH(history)
BOTH(read_conversations)
BOTH(moderation)
BOTH(reports)
BOTH(account)

int main(void) {
    snprintf(sqlite_path, sizeof sqlite_path, "/tmp/pongd-test-chat-%d.sqlite3", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_rooms),    cmocka_unit_test(test_sqlite_direct),
        cmocka_unit_test(test_sqlite_post),     cmocka_unit_test(test_sqlite_history),
        cmocka_unit_test(test_sqlite_read_conversations), cmocka_unit_test(test_sqlite_moderation),
        cmocka_unit_test(test_sqlite_reports),  cmocka_unit_test(test_sqlite_account),
        cmocka_unit_test(test_sqlite_batch),
        cmocka_unit_test(test_postgres_rooms),  cmocka_unit_test(test_postgres_direct),
        cmocka_unit_test(test_postgres_post),   cmocka_unit_test(test_postgres_history),
        cmocka_unit_test(test_postgres_read_conversations), cmocka_unit_test(test_postgres_moderation),
        cmocka_unit_test(test_postgres_reports), cmocka_unit_test(test_postgres_account),
        cmocka_unit_test(test_postgres_batch),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    dbtest_remove(sqlite_path);
    return failed;
}
