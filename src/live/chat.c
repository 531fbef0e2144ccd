/* chat — see chat.h and docs/chat.md.
 *
 * Sockets: an app tab (/ws/, authenticated by presence) and a legacy room socket are both a
 * sock_t, reference-counted: the open socket holds one reference and every job or queued
 * message that points at it holds one, so a socket may close while its work is in flight (its
 * conn becomes NULL and the late answer is dropped). A room subscription (sock_room_t) holds
 * the bus subscription to "room:<channel id>" and a member of the rooms registry (the metric).
 *
 * The write batcher: chat.send, legacy messages, chat_send and chat_notice queue a post_t;
 * when no batch is in flight a database job is submitted, and the batch is formed when that job
 * STARTS on its worker: it takes what is queued then (up to CHATSTORE_BATCH_MAX) — everything
 * the loop queued in the turn that submitted it (the pool's wake-ups are deferred to the end of
 * the turn) and after, until the worker runs. The queue is therefore the one piece of chat state
 * shared with a worker: qhead/qtail/queued are under qmu, taken by the loop to append and by the
 * worker to cut the batch; everything else stays the loop's. On the worker channels are resolved
 * (room names, DM peers, system channels), the senders the loop knows nothing of are read, then
 * chatstore_post stores the batch in one transaction. Back on the loop each stored message is
 * rendered once and published in order (one batch in flight: batches commit and come back in
 * order, and within a batch a channel's seqs are in queue order), the senders get their
 * chat.ack / chat.error, and the next batch (what queued meanwhile) starts. Every post is
 * answered exactly once (answer()): stored, refused by the database, or refused with ERR_AGAIN
 * by chat_stop / chat_destroy when shutting down.
 *
 * A legacy socket's messages that arrive after its auth frame but before its room join is
 * stored wait on the socket (sock_t.pending) and are queued, in order, once the join is done. */
#include "chat.h"
#include "account.h"
#include "auth.h"
#include "chatstore.h"
#include "log.h"
#include "ratemap.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DISPLAY_MAX (4 * AUTH_DISPLAY_MAX + 1)
#define CLOSE_REMOVED 4403

/* Internal bus types: never sent to a socket. */
static const char T_EVICT[] = "chat.evict";    /* room topic, from_uid: the user to drop */
static const char T_BLOCKS[] = "chat.blocks";  /* user topic: reload the blocked set */

typedef struct sock sock_t;
typedef struct post post_t;

typedef struct sock_room {
    struct sock_room *next;
    sock_t *s;
    bus_sub_t sub;
    room_member_t member;
    int64_t id;
    char name[LIM_CHAT_ROOM_NAME + 1];
} sock_room_t;

struct sock {
    chat_t *c;
    ws_conn_t *conn;          /* NULL once closed */
    int refs;
    bool legacy, authed, joined;
    int64_t uid;
    sessguard_node_t guard;   /* the legacy room socket's (the app socket's is presence's) */
    char display_name[DISPLAY_MAX];
    int64_t avatar_version;
    int64_t *blocked;         /* sorted ids the user blocked */
    size_t nblocked;
    bus_sub_t user;           /* legacy: "user:<id>" for block changes (tabs: presence's) */
    sock_room_t *rooms;
    int nrooms;
    char legacy_room[LIM_CHAT_ROOM_NAME + 1];
    post_t *pending, *pending_tail;   /* legacy: messages waiting for the join (refs held on s) */
    int npending;
};

/* Where a post goes. */
enum { TO_ROOM_ID, TO_ROOM_NAME, TO_DIRECT, TO_SYSTEM };

struct post {
    struct post *next;
    sock_t *from;             /* a socket to answer (ref held), or NULL */
    chat_sent_fn fn;          /* chat_send's caller, or NULL */
    void *ctx;
    int64_t uid;              /* sender; 0: the server */
    int to;                   /* TO_* */
    int64_t channel_id;       /* TO_ROOM_ID */
    int64_t peer;             /* TO_DIRECT: the other user; TO_SYSTEM: the user */
    char room[LIM_CHAT_ROOM_NAME + 1];   /* TO_ROOM_*: the name (as stored for TO_ROOM_ID) */
    int kind;
    int64_t ref_id;
    bool has_ref, need_sender;
    char ref[CHAT_REF_MAX + 1];
    char display_name[DISPLAY_MAX];
    int64_t avatar_version;
    char *invite;             /* JSON or NULL */
    size_t invite_len;
    size_t text_len;
    /* results */
    int rc;
    int64_t seq, at;
    chat_channel_t ch;
    char text[];              /* text_len bytes */
};

typedef struct {
    chat_t *c;
    post_t *head;             /* set by the worker when the job starts (take_batch) */
    int n;
    int64_t now;
    bool ran;                 /* it went to the database (set by the worker) */
} batch_t;

struct chat {
    bus_t *bus;
    dbpool_t *db;
    room_reg_t *rooms;
    const uint8_t *secret;
    sessguard_t *guard;
    int rate;
    ratemap_t *limits;        /* per user */
    bool stopped;
    pthread_mutex_t qmu;      /* the queue below: the loop appends, the batch's worker takes */
    post_t *qhead, *qtail;    /* waiting for the next batch (under qmu) */
    int queued;               /* (under qmu) */
    bool inflight;            /* a batch job submitted, its done() not run yet */
    int waiting;              /* posts accepted and not answered yet (queued or in the batch) */
    chat_stats_t st;
    buf_t text, out;          /* scratch */
    int largest;              /* the largest batch that reached the database */
};

static int dump_cb(const char *p, size_t n, void *data) { return buf_append(data, p, n) == 0 ? 0 : -1; }

/* Dumps o (stolen) into out (cleared first). */
static int dump(buf_t *out, json_t *o) {
    out->len = 0;
    int rc = o ? json_dump_callback(o, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
    json_decref(o);
    return rc == 0 ? 0 : ERR_LIMIT;
}

/* ---- sockets --------------------------------------------------------------------------- */

static void post_free(post_t *p);
static int enqueue(chat_t *c, post_t *p);

static void sock_unref(sock_t *s) {
    if (--s->refs > 0) return;
    free(s->blocked);
    free(s);
}

static bool sock_blocked(const sock_t *s, int64_t uid) {
    size_t lo = 0, hi = s->nblocked;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->blocked[mid] == uid) return true;
        if (s->blocked[mid] < uid) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Takes the blocked ids of rows (one column). */
static void sock_set_blocked(sock_t *s, db_rows_t *rows) {
    free(s->blocked);
    s->blocked = NULL;
    s->nblocked = 0;
    int n = rows ? db_rows_count(rows) : 0;
    if (n <= 0) return;
    s->blocked = xcalloc((size_t)n, sizeof *s->blocked);
    for (int i = 0; i < n; i++) s->blocked[i] = db_rows_int(rows, i, 0);
    s->nblocked = (size_t)n;
    qsort(s->blocked, s->nblocked, sizeof *s->blocked, cmp_id);
}

static void send_error(sock_t *s, int e, const char *ref) {
    if (!s->conn) return;
    chat_error_frame(&s->c->out, e, s->legacy, ref);
    ws_send_text(s->conn, span_of(s->c->out.ptr, s->c->out.len));
}

static void room_drop(sock_room_t *r) {
    sock_t *s = r->s;
    for (sock_room_t **pp = &s->rooms; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    s->nrooms--;
    bus_unsubscribe(&r->sub);
    room_leave(&r->member);
    free(r);
}

static sock_room_t *room_of_id(sock_t *s, int64_t id) {
    for (sock_room_t *r = s->rooms; r; r = r->next)
        if (r->id == id) return r;
    return NULL;
}

static sock_room_t *room_of_name(sock_t *s, const char *name) {
    for (sock_room_t *r = s->rooms; r; r = r->next)
        if (strcasecmp(r->name, name) == 0) return r;
    return NULL;
}

static void on_room_msg(void *owner, const bus_msg_t *m);

static sock_room_t *room_add(sock_t *s, int64_t id, const char *name) {
    sock_room_t *r = room_of_id(s, id);
    if (r) return r;
    r = xcalloc(1, sizeof *r);
    r->s = s;
    r->id = id;
    snprintf(r->name, sizeof r->name, "%s", name);
    char topic[BUS_TOPIC_MAX + 1];
    span_t t = bus_room_topic(topic, id);
    bus_subscribe(s->c->bus, t, &r->sub, on_room_msg, r);
    room_join(s->c->rooms, span_of(topic + 5, t.len - 5), &r->member, s->conn);
    r->next = s->rooms;
    s->rooms = r;
    s->nrooms++;
    return r;
}

/* A message of a room the socket is subscribed to. */
static void on_room_msg(void *owner, const bus_msg_t *m) {
    sock_room_t *r = owner;
    sock_t *s = r->s;
    if (!s->conn) return;
    if (m->type && strcmp(m->type, T_EVICT) == 0) {
        if (m->from_uid != s->uid) return;
        if (s->legacy) ws_close(s->conn, CLOSE_REMOVED, "removed from the room");
        room_drop(r);   /* the tabs are told by chat.removed on the user's topic */
        return;
    }
    if (m->from_uid > 0 && sock_blocked(s, m->from_uid)) return;
    wsmsg_t *f = bus_frame(s->c->bus, m);
    if (f) ws_send(s->conn, f);
    else ws_send_text(s->conn, m->payload);
}

/* ---- database jobs for one socket: load (auth), subscribe, read -------------------------- */

enum { JOB_LOAD, JOB_SUBSCRIBE, JOB_READ };

typedef struct {
    sock_t *s;
    int what;
    int64_t uid;
    /* in */
    chatrule_chan_t chan;
    char name[LIM_CHAT_ROOM_NAME + 1];
    char ref[CHAT_REF_MAX + 1];
    bool has_ref;
    int64_t seq;
    int64_t now;
    bool join;               /* JOB_LOAD of a legacy socket: join its room first */
    /* out */
    int rc;
    chat_channel_t ch;
    bool created;
    chat_membership_t mem;
    db_rows_t *blocked;
    int64_t avatar_version;
    int64_t stored;
} sjob_t;

static int channel_of(db_t *db, int64_t uid, const chatrule_chan_t *chan, int64_t now, chat_channel_t *ch) {
    switch (chan->kind) {
    case CHAT_KIND_ROOM: return chatstore_room(db, chan->room, ch);
    case CHAT_KIND_DIRECT: return chatstore_direct(db, uid, chan->peer, now, ch);
    default: return chatstore_system(db, uid, now, ch);
    }
}

static int sjob_db(db_t *db, void *arg) {
    sjob_t *j = arg;
    int rc = 0;
    switch (j->what) {
    case JOB_LOAD: {
        if (j->join) {
            rc = chatstore_room_join(db, span_cstr(j->name), j->uid, j->now, &j->ch, &j->created);
            if (rc) return rc;
        }
        account_t a;
        if (account_get(db, j->uid, &a) == 0) j->avatar_version = a.avatar_version;
        return chatstore_blocked_ids(db, j->uid, &j->blocked);
    }
    case JOB_SUBSCRIBE:
        rc = chatstore_room(db, span_cstr(j->name), &j->ch);
        if (rc == 0) rc = chatstore_membership(db, j->ch.id, j->uid, &j->mem);
        if (rc == 0 && j->mem.banned) rc = CHAT_E_BANNED;
        else if (rc == 0 && !j->mem.member) rc = CHAT_E_NOT_MEMBER;
        if (rc == 0) rc = chatstore_blocked_ids(db, j->uid, &j->blocked);
        return rc;
    default:
        rc = channel_of(db, j->uid, &j->chan, j->now, &j->ch);
        return rc ? rc : chatstore_read(db, j->ch.id, j->uid, j->seq, &j->stored);
    }
}

static void sjob_work(void *arg, void *worker) {
    sjob_t *j = arg;
    j->rc = dbpool_run(worker, sjob_db, j);
}

static void publish(chat_t *c, span_t topic, const char *type, int64_t from, span_t payload) {
    bus_publish(c->bus, &(bus_msg_t){ topic, type, from, payload });
}

static void publish_user(chat_t *c, int64_t uid, const char *type, int64_t from, span_t payload) {
    char t[BUS_TOPIC_MAX + 1];
    publish(c, bus_user_topic(t, uid), type, from, payload);
}

static void on_user_msg_legacy(void *owner, const bus_msg_t *m);
static void start_sjob(sock_t *s, sjob_t *j);

/* A legacy socket's messages that waited for the join (drop_pending: it failed or closed). */
static void drop_pending(sock_t *s) {
    while (s->pending) {
        post_t *p = s->pending;
        s->pending = p->next;
        s->c->st.refused++;
        post_free(p);
    }
    s->pending_tail = NULL;
    s->npending = 0;
}

static void flush_pending(sock_t *s, const chat_channel_t *ch) {
    post_t *p = s->pending;
    s->pending = s->pending_tail = NULL;
    s->npending = 0;
    while (p) {
        post_t *next = p->next;
        p->next = NULL;
        p->to = TO_ROOM_ID;
        p->channel_id = ch->id;
        snprintf(p->room, sizeof p->room, "%s", ch->name);
        p->avatar_version = s->avatar_version;
        int rc = enqueue(s->c, p);
        if (rc != 0) send_error(s, rc, NULL);
        p = next;
    }
}

static void load_done(sock_t *s, sjob_t *j) {
    chat_t *c = s->c;
    if (j->rc != 0) {
        if (j->join) {
            drop_pending(s);
            send_error(s, j->rc, NULL);
            ws_close(s->conn, j->rc == CHAT_E_BANNED ? CLOSE_REMOVED : 1011,
                     j->rc == CHAT_E_BANNED ? "banned from this room" : "the chat is unavailable");
        } else {
            log_msg("warn", "chat: blocks of user %" PRId64 " not loaded: %s", s->uid, err_name(j->rc));
        }
        return;
    }
    sock_set_blocked(s, j->blocked);
    s->avatar_version = j->avatar_version;
    if (!j->join) return;   /* a tab, or a reload */
    s->joined = true;
    room_add(s, j->ch.id, j->ch.name);
    char t[BUS_TOPIC_MAX + 1];
    bus_subscribe(c->bus, bus_user_topic(t, s->uid), &s->user, on_user_msg_legacy, s);
    json_t *ok = json_pack("{s:s, s:s, s:{s:I, s:s}}", "type", "auth_ok", "room", s->legacy_room, "user", "id", (json_int_t)s->uid,
                           "display_name", s->display_name);
    if (dump(&c->out, ok) == 0) ws_send_text(s->conn, span_of(c->out.ptr, c->out.len));
    flush_pending(s, &j->ch);
}

static void subscribe_done(sock_t *s, sjob_t *j) {
    chat_t *c = s->c;
    if (j->rc != 0) {
        send_error(s, j->rc, j->has_ref ? j->ref : NULL);
        return;
    }
    sock_set_blocked(s, j->blocked);
    if (!room_of_id(s, j->ch.id)) {
        if (s->nrooms >= CHAT_TAB_ROOMS_MAX) {
            send_error(s, ERR_LIMIT, j->has_ref ? j->ref : NULL);
            return;
        }
        room_add(s, j->ch.id, j->ch.name);
    }
    char chan[CHAT_CHANNEL_MAX + 1];
    snprintf(chan, sizeof chan, "room:%s", j->ch.name);
    json_t *o = json_pack("{s:s, s:s, s:I}", "type", "chat.subscribed", "channel", chan, "last_seq", (json_int_t)j->ch.last_seq);
    if (j->has_ref) json_object_set_new(o, "ref", json_string(j->ref));
    if (dump(&c->out, o) == 0) ws_send_text(s->conn, span_of(c->out.ptr, c->out.len));
}

static void wire_name(buf_t *out, const chatrule_chan_t *chan, const chat_channel_t *ch) {
    out->len = 0;
    if (chan->kind == CHAT_KIND_ROOM) buf_printf(out, "room:%s", ch->name);
    else chatrule_chan_format(out, chan);
}

static void read_done(sock_t *s, sjob_t *j) {
    if (j->rc != 0) {
        send_error(s, j->rc, j->has_ref ? j->ref : NULL);
        return;
    }
    buf_t name;
    buf_init(&name, CHAT_CHANNEL_MAX + 1);
    wire_name(&name, &j->chan, &j->ch);
    chat_announce_read(s->c, s->uid, span_of(name.ptr, name.len), j->stored);
    buf_free(&name);
}

static void sjob_done(void *arg, int status) {
    sjob_t *j = arg;
    sock_t *s = j->s;
    if (status != 0) j->rc = ERR_AGAIN;
    if (s->conn) {
        if (j->what == JOB_LOAD) load_done(s, j);
        else if (j->what == JOB_SUBSCRIBE) subscribe_done(s, j);
        else read_done(s, j);
    }
    db_rows_free(j->blocked);
    free(j);
    sock_unref(s);
}

static void start_sjob(sock_t *s, sjob_t *j) {
    chat_t *c = s->c;
    j->s = s;
    j->uid = s->uid;
    j->now = (int64_t)now_wall_ms();
    s->refs++;
    if (c->stopped || pool_submit(dbpool_pool(c->db), sjob_work, sjob_done, j) != 0) {
        j->rc = c->stopped ? ERR_AGAIN : ERR_FULL;
        sjob_done(j, 0);
    }
}

static void reload_blocks(sock_t *s) {
    sjob_t *j = xcalloc(1, sizeof *j);
    j->what = JOB_LOAD;
    j->join = s->legacy && !s->joined;
    snprintf(j->name, sizeof j->name, "%s", s->legacy_room);
    start_sjob(s, j);
}

static void on_user_msg_legacy(void *owner, const bus_msg_t *m) {
    sock_t *s = owner;
    if (s->conn && m->type && strcmp(m->type, T_BLOCKS) == 0) reload_blocks(s);
}

/* ---- the write batcher ----------------------------------------------------------------- */

static void post_free(post_t *p) {
    if (p->from) sock_unref(p->from);
    free(p->invite);
    free(p);
}

static post_t *post_new(span_t text) {
    post_t *p = xcalloc(1, sizeof *p + text.len + 1);
    memcpy(p->text, text.ptr, text.len);
    p->text_len = text.len;
    return p;
}

/* Resolves p's channel on the worker, reusing what an earlier post of the batch found. */
static int resolve(db_t *db, post_t *p, post_t *head, int64_t now) {
    if (p->to == TO_ROOM_ID) {
        p->ch.id = p->channel_id;
        p->ch.kind = CHAT_KIND_ROOM;
        snprintf(p->ch.name, sizeof p->ch.name, "%s", p->room);
        return 0;
    }
    for (post_t *q = head; q != p; q = q->next) {
        if (q->to != p->to || q->rc != 0 || q->ch.id == 0) continue;
        bool same = (p->to == TO_ROOM_NAME && strcasecmp(q->room, p->room) == 0) ||
                    (p->to == TO_DIRECT && q->uid == p->uid && q->peer == p->peer) || (p->to == TO_SYSTEM && q->peer == p->peer);
        if (same) {
            p->ch = q->ch;
            return 0;
        }
    }
    switch (p->to) {
    case TO_ROOM_NAME: return chatstore_room(db, span_cstr(p->room), &p->ch);
    case TO_DIRECT: return chatstore_direct(db, p->uid, p->peer, now, &p->ch);
    default: return chatstore_system(db, p->peer, now, &p->ch);
    }
}

static int batch_db(db_t *db, void *arg) {
    batch_t *b = arg;
    chat_post_t *posts = xcalloc((size_t)b->n, sizeof *posts);
    post_t **map = xcalloc((size_t)b->n, sizeof *map);
    int n = 0;
    for (post_t *p = b->head; p; p = p->next) {
        p->rc = resolve(db, p, b->head, b->now);
        if (p->rc == DB_ECONN) break;
        if (p->rc == 0 && p->need_sender) {
            account_t a;
            if (account_get(db, p->uid, &a) == 0) {
                snprintf(p->display_name, sizeof p->display_name, "%s", a.display_name);
                p->avatar_version = a.avatar_version;
            }
        }
        if (p->rc != 0) continue;
        posts[n] = (chat_post_t){ .channel_id = p->ch.id, .sender_id = p->uid, .ref_id = p->ref_id, .kind = p->kind,
                                  .text = span_of(p->text, p->text_len) };
        map[n++] = p;
    }
    int rc = 0;
    for (post_t *p = b->head; p; p = p->next)
        if (p->rc == DB_ECONN) rc = DB_ECONN;
    if (rc == 0 && n > 0) {
        rc = chatstore_post(db, posts, n, b->now);
        for (int i = 0; i < n; i++) {
            map[i]->rc = rc ? rc : posts[i].rc;
            map[i]->seq = posts[i].seq;
            map[i]->at = posts[i].at;
        }
    }
    free(posts);
    free(map);
    return rc;
}

/* On the worker, when the batch's job starts: the batch is what is queued now. */
static void take_batch(batch_t *b) {
    chat_t *c = b->c;
    pthread_mutex_lock(&c->qmu);
    b->head = c->qhead;
    b->n = 0;
    post_t *last = NULL;
    for (post_t *p = c->qhead; p && b->n < CHATSTORE_BATCH_MAX; p = p->next) {
        last = p;
        b->n++;
    }
    if (last) {
        c->qhead = last->next;
        if (!c->qhead) c->qtail = NULL;
        last->next = NULL;
        c->queued -= b->n;
    }
    pthread_mutex_unlock(&c->qmu);
}

static void batch_work(void *arg, void *worker) {
    batch_t *b = arg;
    take_batch(b);
    if (b->n == 0) return;   /* chat_stop refused them meanwhile */
    b->now = (int64_t)now_wall_ms();
    b->ran = true;
    int rc = dbpool_run(worker, batch_db, b);
    if (rc == DB_ECONN)
        for (post_t *p = b->head; p; p = p->next) p->rc = DB_ECONN;
}

/* Renders a stored post for one reader's view of its channel and publishes it to topic. */
static void publish_post(chat_t *c, post_t *p, span_t topic, span_t channel, span_t room) {
    chat_view_t v = {
        .channel = channel, .room = room, .seq = p->seq, .at = p->at, .kind = p->kind, .user_id = p->uid,
        .display_name = p->display_name, .avatar_version = p->avatar_version, .text = span_of(p->text, p->text_len),
        .invite = p->invite ? span_of(p->invite, p->invite_len) : span_of(NULL, 0),
    };
    if (chat_render(&c->out, &v) != 0) {
        log_msg("warn", "chat: message %" PRId64 "/%" PRId64 " not rendered", p->ch.id, p->seq);
        return;
    }
    publish(c, topic, "chat.message", p->uid, span_of(c->out.ptr, c->out.len));
}

static void deliver_post(chat_t *c, post_t *p, buf_t *chan) {
    char topic[BUS_TOPIC_MAX + 1];
    chan->len = 0;
    if (p->to == TO_ROOM_ID || p->to == TO_ROOM_NAME) {
        buf_printf(chan, "room:%s", p->ch.name);
        publish_post(c, p, bus_room_topic(topic, p->ch.id), span_of(chan->ptr, chan->len), span_cstr(p->ch.name));
    } else if (p->to == TO_DIRECT) {
        buf_printf(chan, "dm:%" PRId64, p->uid);   /* the recipient's view */
        publish_post(c, p, bus_user_topic(topic, p->peer), span_of(chan->ptr, chan->len), span_of(NULL, 0));
        chan->len = 0;
        buf_printf(chan, "dm:%" PRId64, p->peer);   /* the sender's tabs */
        publish_post(c, p, bus_user_topic(topic, p->uid), span_of(chan->ptr, chan->len), span_of(NULL, 0));
    } else {
        buf_printf(chan, "system");
        publish_post(c, p, bus_user_topic(topic, p->peer), span_of(chan->ptr, chan->len), span_of(NULL, 0));
    }
}

static void answer(chat_t *c, post_t *p, const buf_t *chan) {
    if (p->rc != 0) c->st.refused++;
    if (p->fn) p->fn(p->ctx, p->rc, p->seq, p->at);
    sock_t *s = p->from;
    if (!s || !s->conn) return;
    if (p->rc != 0) {
        send_error(s, p->rc, p->has_ref ? p->ref : NULL);
        return;
    }
    if (s->legacy) return;   /* the legacy socket has the broadcast */
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("chat.ack"));
    if (p->has_ref) json_object_set_new(o, "ref", json_string(p->ref));
    json_object_set_new(o, "channel", json_stringn(chan->ptr, chan->len));
    json_object_set_new(o, "seq", json_integer(p->seq));
    json_object_set_new(o, "at", json_integer(p->at));
    if (dump(&c->out, o) == 0) ws_send_text(s->conn, span_of(c->out.ptr, c->out.len));
}

static void batch_start(chat_t *c);

static void batch_done(void *arg, int status) {
    batch_t *b = arg;
    chat_t *c = b->c;
    buf_t chan;
    buf_init(&chan, CHAT_CHANNEL_MAX + 32);
    if (status == 0 && b->ran) {
        c->st.batches++;   /* batches that reached the database */
        if (b->n > c->largest) c->largest = b->n;
    }
    c->waiting -= b->n;
    for (post_t *p = b->head, *next; p; p = next) {
        next = p->next;
        if (status != 0) p->rc = ERR_AGAIN;
        if (p->rc == 0) {
            c->st.stored++;
            deliver_post(c, p, &chan);
        }
        else if (p->uid == 0) log_msg("warn", "chat: a notice to user %" PRId64 " was not stored: %s", p->peer, err_name(p->rc));
        answer(c, p, &chan);
        post_free(p);
    }
    buf_free(&chan);
    free(b);
    c->inflight = false;
    batch_start(c);
}

/* Submits the job of the next batch when none is in flight and posts are waiting (the batch
 * itself is cut when the job starts: take_batch). */
static void batch_start(chat_t *c) {
    if (c->inflight || c->waiting == 0) return;
    batch_t *b = xcalloc(1, sizeof *b);
    b->c = c;
    c->inflight = true;
    if (c->stopped || pool_submit(dbpool_pool(c->db), batch_work, batch_done, b) != 0) {
        int rc = c->stopped ? ERR_AGAIN : ERR_FULL;
        take_batch(b);
        for (post_t *p = b->head; p; p = p->next) p->rc = rc;
        batch_done(b, 0);   /* answers the refusals, then tries the rest */
    }
}

/* Queues p (owned from now on) and starts a batch when none is in flight. */
static int enqueue(chat_t *c, post_t *p) {
    pthread_mutex_lock(&c->qmu);
    bool full = c->queued >= CHAT_QUEUE_MAX;
    if (!full && !c->stopped) {
        p->next = NULL;
        if (c->qtail) c->qtail->next = p;
        else c->qhead = p;
        c->qtail = p;
        c->queued++;
    }
    pthread_mutex_unlock(&c->qmu);
    if (full || c->stopped) {
        int rc = c->stopped ? ERR_AGAIN : ERR_FULL;
        c->st.refused++;
        post_free(p);
        return rc;
    }
    c->waiting++;
    batch_start(c);
    return 0;
}

static bool rate_ok(chat_t *c, int64_t uid) {
    if (c->rate <= 0) return true;
    char key[32];
    int n = snprintf(key, sizeof key, "%" PRId64, uid);
    return ratemap_allow(c->limits, span_of(key, (size_t)n), now_wall_ms(), NULL);
}

/* Checks and builds a post of text from uid to the channel named on the wire (nothing queued). */
static int check_post(chat_t *c, int64_t uid, span_t channel, span_t text, post_t **out) {
    chatrule_chan_t chan;
    if (chatrule_chan_parse(channel, &chan) != 0) return CHAT_E_CHANNEL;
    span_t t;
    int rc = chatrule_text(text, &t);
    if (rc != 0) return rc;
    char key[CHATRULE_KEY_MAX];
    if (chan.kind == CHAT_KIND_ROOM && chatrule_room_key(chan.room, key) != 0) return CHAT_E_ROOM_NAME;
    if (chan.kind == CHAT_KIND_SYSTEM) return CHAT_E_CHANNEL;   /* the server writes there */
    if (chan.kind == CHAT_KIND_DIRECT && chan.peer == uid) return CHAT_E_SELF;
    if (!rate_ok(c, uid)) {
        c->st.rate_limited++;
        return CHAT_E_RATE;
    }
    post_t *p = post_new(t);
    p->uid = uid;
    p->kind = CHAT_MSG_TEXT;
    if (chan.kind == CHAT_KIND_ROOM) {
        p->to = TO_ROOM_NAME;
        snprintf(p->room, sizeof p->room, "%.*s", (int)chan.room.len, chan.room.ptr);
    } else {
        p->to = TO_DIRECT;
        p->peer = chan.peer;
    }
    *out = p;
    return 0;
}

static int make_post(chat_t *c, int64_t uid, span_t channel, span_t text, post_t **out) {
    int rc = check_post(c, uid, channel, text, out);
    if (rc != 0) c->st.refused++;
    return rc;
}

/* Answers every post waiting for a batch with rc and frees it. */
static void refuse_queued(chat_t *c, int rc) {
    pthread_mutex_lock(&c->qmu);
    post_t *p = c->qhead;
    c->qhead = c->qtail = NULL;
    c->waiting -= c->queued;
    c->queued = 0;
    pthread_mutex_unlock(&c->qmu);
    buf_t none;
    buf_init(&none, 1);
    while (p) {
        post_t *next = p->next;
        p->rc = rc;
        answer(c, p, &none);
        post_free(p);
        p = next;
    }
    buf_free(&none);
}

/* ---- the service ----------------------------------------------------------------------- */

chat_t *chat_create(const chat_deps_t *d) {
    chat_t *c = xcalloc(1, sizeof *c);
    c->bus = d->bus;
    c->db = d->db;
    c->rooms = d->rooms;
    c->secret = d->secret;
    c->guard = d->guard;
    pthread_mutex_init(&c->qmu, NULL);
    c->rate = d->rate_per_sec;
    double rate = c->rate > 0 ? c->rate : 1;
    c->limits = ratemap_create(rate * 60.0, 2.0 * rate, LIM_RATEMAP_KEYS);
    buf_init(&c->text, LIM_WS_MESSAGE_BYTES);
    buf_init(&c->out, LIM_WS_MESSAGE_BYTES * 7 + 1024); /* worst-case escaping */
    return c;
}

void chat_stop(chat_t *c) {
    c->stopped = true;
    log_msg("info", "chat: %" PRIu64 " messages stored in %" PRIu64 " batches (mean %.1f, largest %d)", c->st.stored, c->st.batches,
            c->st.batches ? (double)c->st.stored / (double)c->st.batches : 0.0, c->largest);
    refuse_queued(c, ERR_AGAIN);
}

chat_stats_t chat_stats(const chat_t *c) {
    chat_stats_t st = c->st;
    st.queued = (uint64_t)c->waiting;
    pthread_mutex_t *mu = (pthread_mutex_t *)&c->qmu;   /* the worker cuts batches under it */
    pthread_mutex_lock(mu);
    st.storing = (uint64_t)(c->waiting - c->queued);
    pthread_mutex_unlock(mu);
    return st;
}

void chat_destroy(chat_t *c) {
    if (!c) return;
    c->stopped = true;
    refuse_queued(c, ERR_AGAIN);
    if (c->inflight) log_msg("error", "chat: destroyed with a write batch in flight (destroy the database pool first)");
    ratemap_destroy(c->limits);
    pthread_mutex_destroy(&c->qmu);
    buf_free(&c->text);
    buf_free(&c->out);
    free(c);
}

int chat_send(chat_t *c, int64_t uid, span_t channel, span_t text, chat_sent_fn fn, void *ctx) {
    post_t *p;
    int rc = make_post(c, uid, channel, text, &p);
    if (rc != 0) return rc;
    p->need_sender = true;
    p->fn = fn;
    p->ctx = ctx;
    return enqueue(c, p);
}

void chat_notice(chat_t *c, int64_t uid, int kind, span_t text, int64_t ref_id, span_t invite_json) {
    span_t t;
    if (chatrule_text(text, &t) != 0) {
        log_msg("warn", "chat: an invalid notice to user %" PRId64 " dropped", uid);
        return;
    }
    post_t *p = post_new(t);
    p->to = TO_SYSTEM;
    p->peer = uid;
    p->kind = kind;
    p->ref_id = ref_id;
    if (invite_json.len) {
        p->invite = xstrndup(invite_json.ptr, invite_json.len);
        p->invite_len = invite_json.len;
    }
    if (enqueue(c, p) != 0) log_msg("warn", "chat: a notice to user %" PRId64 " dropped: queue full", uid);
}

static void publish_room(chat_t *c, int64_t room_id, const char *type, json_t *o) {
    char t[BUS_TOPIC_MAX + 1];
    if (dump(&c->out, o) == 0) publish(c, bus_room_topic(t, room_id), type, 0, span_of(c->out.ptr, c->out.len));
}

static json_t *room_channel(span_t room) {
    char s[CHAT_CHANNEL_MAX + 1];
    int n = snprintf(s, sizeof s, "room:%.*s", (int)(room.len > LIM_CHAT_ROOM_NAME ? LIM_CHAT_ROOM_NAME : room.len), room.ptr);
    return json_stringn(s, (size_t)n);
}

void chat_announce_deleted(chat_t *c, int64_t room_id, span_t room, int64_t seq) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("chat.deleted"));
    json_object_set_new(o, "channel", room_channel(room));
    json_object_set_new(o, "seq", json_integer(seq));
    publish_room(c, room_id, "chat.deleted", o);
}

void chat_announce_member(chat_t *c, int64_t room_id, span_t room, const char *event, int64_t uid, span_t display_name,
                          int64_t until, const char *role) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("chat.member"));
    json_object_set_new(o, "channel", room_channel(room));
    json_object_set_new(o, "event", json_string(event));
    json_t *u = json_object();
    json_object_set_new(u, "id", json_integer(uid));
    json_object_set_new(u, "display_name", json_stringn(display_name.ptr, display_name.len));
    json_object_set_new(o, "user", u);
    if (until) json_object_set_new(o, "until", json_integer(until));
    if (role) json_object_set_new(o, "role", json_string(role));
    publish_room(c, room_id, "chat.member", o);
}

void chat_remove_user(chat_t *c, int64_t room_id, span_t room, int64_t uid, const char *reason) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("chat.removed"));
    json_object_set_new(o, "channel", room_channel(room));
    json_object_set_new(o, "reason", json_string(reason));
    if (dump(&c->out, o) == 0) publish_user(c, uid, "chat.removed", 0, span_of(c->out.ptr, c->out.len));
    /* every socket of uid subscribed to the room leaves it (legacy ones are closed) */
    char t[BUS_TOPIC_MAX + 1];
    json_t *e = json_pack("{s:s}", "reason", reason);
    if (dump(&c->out, e) == 0) publish(c, bus_room_topic(t, room_id), T_EVICT, uid, span_of(c->out.ptr, c->out.len));
}

void chat_announce_read(chat_t *c, int64_t uid, span_t channel, int64_t seq) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("chat.read"));
    json_object_set_new(o, "channel", json_stringn(channel.ptr, channel.len));
    json_object_set_new(o, "seq", json_integer(seq));
    if (dump(&c->out, o) == 0) publish_user(c, uid, "chat.read", 0, span_of(c->out.ptr, c->out.len));
}

void chat_blocks_changed(chat_t *c, int64_t uid) { publish_user(c, uid, T_BLOCKS, 0, SPAN_LIT("{}")); }

/* ---- the app socket's tabs -------------------------------------------------------------- */

static sock_t *sock_new(chat_t *c, ws_conn_t *conn, bool legacy) {
    sock_t *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->conn = conn;
    s->refs = 1;
    s->legacy = legacy;
    return s;
}

static void sock_close(sock_t *s) {
    drop_pending(s);
    while (s->rooms) room_drop(s->rooms);
    bus_unsubscribe(&s->user);
    s->conn = NULL;
    sock_unref(s);
}

void *chat_tab_open(void *chat, ws_conn_t *conn, const wsauth_user_t *user) {
    chat_t *c = chat;
    sock_t *s = sock_new(c, conn, false);
    s->authed = true;
    s->uid = user->id;
    snprintf(s->display_name, sizeof s->display_name, "%s", user->display_name);
    sjob_t *j = xcalloc(1, sizeof *j);
    j->what = JOB_LOAD;
    start_sjob(s, j);
    return s;
}

bool chat_tab_deliver(void *chat, void *tab, const bus_msg_t *m) {
    (void)chat;
    sock_t *s = tab;
    if (!m->type) return false;
    if (strcmp(m->type, T_BLOCKS) == 0) {
        if (s->conn) reload_blocks(s);
        return true;
    }
    if (strcmp(m->type, T_EVICT) == 0) return true;
    return false;
}

void chat_tab_close(void *chat, void *tab) {
    (void)chat;
    sock_close(tab);
}

static void tab_send(chat_t *c, sock_t *s, const chat_frame_t *f) {
    post_t *p;
    int rc = make_post(c, s->uid, span_cstr(f->channel), span_of(c->text.ptr, c->text.len), &p);
    if (rc != 0) {
        send_error(s, rc, f->has_ref ? f->ref : NULL);
        return;
    }
    if (p->to == TO_ROOM_NAME) {   /* a room this socket is subscribed to: its id is known */
        sock_room_t *r = room_of_name(s, p->room);
        if (r) {
            p->to = TO_ROOM_ID;
            p->channel_id = r->id;
            snprintf(p->room, sizeof p->room, "%s", r->name);
        }
    }
    p->from = s;
    s->refs++;
    snprintf(p->display_name, sizeof p->display_name, "%s", s->display_name);
    p->avatar_version = s->avatar_version;
    p->has_ref = f->has_ref;
    memcpy(p->ref, f->ref, sizeof p->ref);
    rc = enqueue(c, p);
    if (rc != 0) send_error(s, rc, f->has_ref ? f->ref : NULL);
}

bool chat_tab_frame(chat_t *c, void *tab, span_t data) {
    sock_t *s = tab;
    if (!s || !s->conn) return false;
    chat_frame_t f;
    int rc = chat_frame_parse(data.ptr, data.len, false, &f, &c->text);
    if (rc == CHAT_E_JSON) return false;   /* presence ignores it as before */
    if (rc == 0 && f.kind == CHAT_FRAME_OTHER) return false;
    if (rc != 0) {
        if (rc == CHAT_E_TOO_LONG) c->st.refused++;   /* only a message's text can be too long */
        send_error(s, rc, f.has_ref ? f.ref : NULL);
        return true;
    }
    chatrule_chan_t chan;
    switch (f.kind) {
    case CHAT_FRAME_SEND:
        tab_send(c, s, &f);
        break;
    case CHAT_FRAME_SUBSCRIBE: {
        char key[CHATRULE_KEY_MAX];
        if (chatrule_chan_parse(span_cstr(f.channel), &chan) != 0 || chan.kind != CHAT_KIND_ROOM ||
            chatrule_room_key(chan.room, key) != 0) {
            send_error(s, CHAT_E_CHANNEL, f.has_ref ? f.ref : NULL);
            break;
        }
        sjob_t *j = xcalloc(1, sizeof *j);
        j->what = JOB_SUBSCRIBE;
        snprintf(j->name, sizeof j->name, "%.*s", (int)chan.room.len, chan.room.ptr);
        j->has_ref = f.has_ref;
        memcpy(j->ref, f.ref, sizeof j->ref);
        start_sjob(s, j);
        break;
    }
    case CHAT_FRAME_UNSUBSCRIBE:
        if (chatrule_chan_parse(span_cstr(f.channel), &chan) == 0 && chan.kind == CHAT_KIND_ROOM) {
            char name[LIM_CHAT_ROOM_NAME + 1];
            snprintf(name, sizeof name, "%.*s", (int)chan.room.len, chan.room.ptr);
            sock_room_t *r = room_of_name(s, name);
            if (r) room_drop(r);
        }
        break;
    case CHAT_FRAME_READ: {
        char key[CHATRULE_KEY_MAX];
        if (chatrule_chan_parse(span_cstr(f.channel), &chan) != 0 ||
            (chan.kind == CHAT_KIND_ROOM && chatrule_room_key(chan.room, key) != 0)) {
            send_error(s, CHAT_E_CHANNEL, f.has_ref ? f.ref : NULL);
            break;
        }
        sjob_t *j = xcalloc(1, sizeof *j);
        j->what = JOB_READ;
        if (chan.room.len) memcpy(j->name, chan.room.ptr, chan.room.len);   /* chan.room points into f */
        j->chan = chan;
        j->chan.room = span_of(j->name, chan.room.len);
        j->seq = f.seq;
        j->has_ref = f.has_ref;
        memcpy(j->ref, f.ref, sizeof j->ref);
        start_sjob(s, j);
        break;
    }
    default:
        send_error(s, CHAT_E_INVALID, f.has_ref ? f.ref : NULL);
        break;
    }
    return true;
}

/* ---- the legacy room socket ------------------------------------------------------------ */

void chat_on_open(chat_t *c, ws_conn_t *conn, span_t room) {
    sock_t *s = sock_new(c, conn, true);
    size_t n = room.len < LIM_CHAT_ROOM_NAME ? room.len : LIM_CHAT_ROOM_NAME;
    memcpy(s->legacy_room, room.ptr, n);
    ws_set_data(conn, s);
    wsauth_arm(conn);
}

void chat_on_message(chat_t *c, ws_conn_t *conn, span_t data) {
    sock_t *s = ws_data(conn);
    if (!s) return;
    if (!s->authed) {
        wsauth_user_t user;
        if (!wsauth_frame(c->secret, conn, data, "log in first", &user)) return;
        if (!sessguard_watch(c->guard, &s->guard, conn, &user)) return;
        s->authed = true;
        s->uid = user.id;
        snprintf(s->display_name, sizeof s->display_name, "%s", user.display_name);
        reload_blocks(s);   /* joins the room, then auth_ok */
        return;
    }
    chat_frame_t f;
    int rc = chat_frame_parse(data.ptr, data.len, true, &f, &c->text);
    if (rc != 0) {
        c->st.refused++;   /* the legacy socket sends only messages */
        send_error(s, rc, NULL);
        return;
    }
    char channel[CHAT_CHANNEL_MAX + 1];
    snprintf(channel, sizeof channel, "room:%s", s->legacy_room);
    post_t *p;
    rc = make_post(c, s->uid, span_cstr(channel), span_of(c->text.ptr, c->text.len), &p);
    if (rc != 0) {
        send_error(s, rc, NULL);
        return;
    }
    if (s->rooms) {
        p->to = TO_ROOM_ID;
        p->channel_id = s->rooms->id;
        snprintf(p->room, sizeof p->room, "%s", s->rooms->name);
    }
    p->from = s;
    s->refs++;
    snprintf(p->display_name, sizeof p->display_name, "%s", s->display_name);
    p->avatar_version = s->avatar_version;
    if (!s->joined) {   /* the join is being stored: the message waits for it (flush_pending) */
        if (s->npending >= CHAT_JOIN_PENDING_MAX) {
            c->st.refused++;
            post_free(p);
            send_error(s, ERR_FULL, NULL);
            return;
        }
        if (s->pending_tail) s->pending_tail->next = p;
        else s->pending = p;
        s->pending_tail = p;
        s->npending++;
        return;
    }
    rc = enqueue(c, p);
    if (rc != 0) send_error(s, rc, NULL);
}

void chat_on_close(chat_t *c, ws_conn_t *conn) {
    (void)c;
    sock_t *s = ws_data(conn);
    ws_set_data(conn, NULL);
    if (s) sessguard_forget(&s->guard);
    if (s) sock_close(s);
}
