/* bus: order per topic, many subscribers, unsubscribing (itself, another, from inside a
 * callback), subscribing during a delivery, publishing from inside a delivery, the topics'
 * lifecycle (topic_first / topic_last), counts, the shared frame, topic names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

/* A backend that delivers at once like bus_local and records the topics' lifecycle. */
typedef struct {
    int first, last;
    char last_first[BUS_TOPIC_MAX + 1], last_last[BUS_TOPIC_MAX + 1];
    int destroyed;
} rec_be_t;

static void rec_publish(void *ctx, bus_t *bus, const bus_msg_t *m) {
    (void)ctx;
    bus_deliver(bus, m);
}
static void rec_first(void *ctx, span_t t) {
    rec_be_t *r = ctx;
    r->first++;
    snprintf(r->last_first, sizeof r->last_first, "%.*s", (int)t.len, t.ptr);
}
static void rec_last(void *ctx, span_t t) {
    rec_be_t *r = ctx;
    r->last++;
    snprintf(r->last_last, sizeof r->last_last, "%.*s", (int)t.len, t.ptr);
}
static void rec_destroy(void *ctx) { ((rec_be_t *)ctx)->destroyed++; }

static bus_backend_t rec_backend(rec_be_t *r) {
    return (bus_backend_t){ r, rec_publish, rec_first, rec_last, rec_destroy };
}

/* A subscriber that logs what it got ("<id>:<payload>" per message). */
typedef struct sub sub_t;
struct sub {
    bus_t *bus;
    bus_sub_t s;
    int id;
    char log[1024];
    size_t n;
    /* what to do on the next message */
    bus_sub_t *drop;          /* unsubscribe this one (may be &self->s) */
    sub_t *add;               /* subscribe this one to the same topic */
    const char *republish;    /* publish this payload to the same topic (once) */
    wsmsg_t *frame;           /* bus_frame of the last message */
};

static char shared_log[4096];

static void on_msg(void *owner, const bus_msg_t *m) {
    sub_t *u = owner;
    u->n++;
    size_t l = strlen(u->log);
    snprintf(u->log + l, sizeof u->log - l, "%.*s,", (int)m->payload.len, m->payload.ptr);
    l = strlen(shared_log);
    snprintf(shared_log + l, sizeof shared_log - l, "%d:%.*s,", u->id, (int)m->payload.len, m->payload.ptr);
    u->frame = bus_frame(u->bus, m);
    assert_non_null(u->frame);
    span_t p = wsmsg_payload(u->frame);
    assert_int_equal(p.len, m->payload.len);
    assert_memory_equal(p.ptr, m->payload.ptr, p.len);
    if (u->drop) {
        bus_sub_t *d = u->drop;
        u->drop = NULL;
        bus_unsubscribe(d);
    }
    if (u->add) {
        sub_t *a = u->add;
        u->add = NULL;
        assert_true(bus_subscribe(u->bus, m->topic, &a->s, on_msg, a));
    }
    if (u->republish) {
        const char *r = u->republish;
        u->republish = NULL;
        bus_publish(u->bus, &(bus_msg_t){ m->topic, "test", 0, span_cstr(r) });
    }
}

static void pub(bus_t *b, const char *topic, const char *payload) {
    bus_publish(b, &(bus_msg_t){ span_cstr(topic), "test", 0, span_cstr(payload) });
}

static void sub_init(sub_t *u, bus_t *b, int id) {
    memset(u, 0, sizeof *u);
    u->bus = b;
    u->id = id;
}

static void join(sub_t *u, const char *topic) { assert_true(bus_subscribe(u->bus, span_cstr(topic), &u->s, on_msg, u)); }

static void test_order_per_topic(void **state) {
    (void)state;
    bus_t *b = bus_create(bus_local_backend());
    sub_t a, c;
    sub_init(&a, b, 1);
    sub_init(&c, b, 2);
    join(&a, "room:1");
    join(&c, "room:2");
    pub(b, "room:1", "a1");
    pub(b, "room:2", "b1");
    pub(b, "room:1", "a2");
    pub(b, "room:3", "nobody");
    pub(b, "room:1", "a3");
    assert_string_equal(a.log, "a1,a2,a3,");
    assert_string_equal(c.log, "b1,");
    bus_stats_t st = bus_stats(b);
    assert_int_equal(st.published, 5);
    assert_int_equal(st.delivered, 4);
    assert_int_equal(st.topics, 2);
    bus_unsubscribe(&a.s);
    bus_unsubscribe(&c.s);
    assert_int_equal(bus_stats(b).topics, 0);
    bus_destroy(b);
}

static void test_many_subscribers(void **state) {
    (void)state;
    bus_t *b = bus_create(bus_local_backend());
    enum { N = 500 };
    sub_t *subs = calloc(N, sizeof *subs);
    for (int i = 0; i < N; i++) {
        sub_init(&subs[i], b, i);
        join(&subs[i], i % 2 ? "user:odd" : "user:even");
    }
    assert_int_equal(bus_subscribers(b, SPAN_LIT("user:odd")), N / 2);
    assert_int_equal(bus_subscribers(b, SPAN_LIT("user:even")), N / 2);
    assert_int_equal(bus_subscribers(b, SPAN_LIT("user:none")), 0);
    shared_log[0] = 0;
    pub(b, "user:odd", "x");
    for (int i = 0; i < N; i++) assert_string_equal(subs[i].log, i % 2 ? "x," : "");
    /* in subscription order */
    assert_int_equal(strncmp(shared_log, "1:x,3:x,5:x,", 12), 0);
    /* every subscriber got the same frame */
    for (int i = 3; i < N; i += 2) assert_ptr_equal(subs[i].frame, subs[1].frame);
    for (int i = 0; i < N; i++) bus_unsubscribe(&subs[i].s);
    bus_destroy(b);
    free(subs);
}

static void test_unsubscribe(void **state) {
    (void)state;
    bus_t *b = bus_create(bus_local_backend());
    sub_t a, c;
    sub_init(&a, b, 1);
    sub_init(&c, b, 2);
    assert_false(bus_subscribed(&a.s));
    join(&a, "t");
    join(&c, "t");
    assert_true(bus_subscribed(&a.s));
    bus_unsubscribe(&a.s);
    bus_unsubscribe(&a.s);   /* twice: no-op */
    assert_false(bus_subscribed(&a.s));
    pub(b, "t", "m");
    assert_string_equal(a.log, "");
    assert_string_equal(c.log, "m,");
    /* subscribing again moves a subscription */
    join(&c, "u");
    assert_int_equal(bus_subscribers(b, SPAN_LIT("t")), 0);
    assert_int_equal(bus_subscribers(b, SPAN_LIT("u")), 1);
    pub(b, "u", "n");
    assert_string_equal(c.log, "m,n,");
    bus_unsubscribe(&c.s);
    bus_destroy(b);
}

/* Inside a callback: a subscriber drops itself, the next one, the previous one (already
 * called), and the last one; nobody removed gets the message, everybody else does once. */
static void test_unsubscribe_in_callback(void **state) {
    (void)state;
    bus_t *b = bus_create(bus_local_backend());
    sub_t s[6];
    for (int i = 0; i < 6; i++) {
        sub_init(&s[i], b, i);
        join(&s[i], "t");
    }
    s[0].drop = &s[0].s;   /* itself */
    s[1].drop = &s[2].s;   /* the next one */
    s[3].drop = &s[1].s;   /* one already called */
    s[4].drop = &s[5].s;   /* the last one (the delivery's end) */
    shared_log[0] = 0;
    pub(b, "t", "m");
    assert_string_equal(shared_log, "0:m,1:m,3:m,4:m,");
    assert_int_equal(bus_subscribers(b, SPAN_LIT("t")), 2);   /* 3 and 4 */
    shared_log[0] = 0;
    pub(b, "t", "n");
    assert_string_equal(shared_log, "3:n,4:n,");
    /* the last subscriber drops itself and the topic goes after the delivery */
    s[3].drop = &s[3].s;
    s[4].drop = &s[4].s;
    pub(b, "t", "o");
    assert_int_equal(bus_subscribers(b, SPAN_LIT("t")), 0);
    assert_int_equal(bus_stats(b).topics, 0);
    bus_destroy(b);
}

/* A subscriber added during a delivery does not get that message but gets the next; the end
 * of the delivery is the last subscriber at its start even when that one is dropped. */
static void test_subscribe_during_delivery(void **state) {
    (void)state;
    bus_t *b = bus_create(bus_local_backend());
    sub_t a, c, late;
    sub_init(&a, b, 1);
    sub_init(&c, b, 2);
    sub_init(&late, b, 3);
    join(&a, "t");
    join(&c, "t");
    a.add = &late;        /* added after c */
    a.drop = &c.s;        /* and the delivery's end goes */
    shared_log[0] = 0;
    pub(b, "t", "m");
    assert_string_equal(shared_log, "1:m,");
    pub(b, "t", "n");
    assert_string_equal(shared_log, "1:m,1:n,3:n,");
    bus_unsubscribe(&a.s);
    bus_unsubscribe(&late.s);
    bus_destroy(b);
}

/* A message published to a topic from inside its own delivery reaches everybody after the
 * one being delivered: every subscriber sees the topic's messages in publish order. */
static void test_publish_in_callback_keeps_order(void **state) {
    (void)state;
    bus_t *b = bus_create(bus_local_backend());
    sub_t s[3];
    for (int i = 0; i < 3; i++) {
        sub_init(&s[i], b, i);
        join(&s[i], "t");
    }
    s[0].republish = "second";
    shared_log[0] = 0;
    pub(b, "t", "first");
    for (int i = 0; i < 3; i++) assert_string_equal(s[i].log, "first,second,");
    assert_string_equal(shared_log, "0:first,1:first,2:first,0:second,1:second,2:second,");
    for (int i = 0; i < 3; i++) bus_unsubscribe(&s[i].s);
    bus_destroy(b);
}

static void test_topic_lifecycle(void **state) {
    (void)state;
    rec_be_t r = { 0 };
    bus_t *b = bus_create(rec_backend(&r));
    sub_t a, c;
    sub_init(&a, b, 1);
    sub_init(&c, b, 2);
    join(&a, "room:7");
    assert_int_equal(r.first, 1);
    assert_string_equal(r.last_first, "room:7");
    join(&c, "room:7");
    assert_int_equal(r.first, 1);   /* only the first */
    bus_unsubscribe(&a.s);
    assert_int_equal(r.last, 0);
    bus_unsubscribe(&c.s);
    assert_int_equal(r.last, 1);
    assert_string_equal(r.last_last, "room:7");
    join(&a, "room:7");
    assert_int_equal(r.first, 2);
    /* dropped and re-added inside one delivery: last then first again */
    a.drop = &a.s;
    a.add = &c;
    pub(b, "room:7", "x");
    assert_int_equal(r.last, 2);
    assert_int_equal(r.first, 3);
    assert_int_equal(bus_subscribers(b, SPAN_LIT("room:7")), 1);
    bus_unsubscribe(&c.s);
    assert_int_equal(r.last, 3);
    assert_int_equal(bus_stats(b).topics, 0);
    bus_destroy(b);
    assert_int_equal(r.destroyed, 1);
}

static void test_topic_names(void **state) {
    (void)state;
    char t[BUS_TOPIC_MAX + 1];
    span_t s = bus_user_topic(t, 42);
    assert_int_equal(s.len, 7);
    assert_memory_equal(s.ptr, "user:42", 7);
    s = bus_room_topic(t, INT64_MAX);
    assert_string_equal(t, "room:9223372036854775807");
    assert_int_equal(s.len, strlen(t));
    bus_t *b = bus_create(bus_local_backend());
    sub_t a;
    sub_init(&a, b, 1);
    char longname[BUS_TOPIC_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_false(bus_subscribe(b, span_cstr(longname), &a.s, on_msg, &a));
    assert_false(bus_subscribe(b, SPAN_LIT(""), &a.s, on_msg, &a));
    longname[BUS_TOPIC_MAX] = 0;
    assert_true(bus_subscribe(b, span_cstr(longname), &a.s, on_msg, &a));
    pub(b, longname, "ok");
    assert_string_equal(a.log, "ok,");
    bus_unsubscribe(&a.s);
    /* outside a delivery there is no frame */
    bus_msg_t m = { SPAN_LIT("t"), "x", 0, SPAN_LIT("{}") };
    assert_null(bus_frame(b, &m));
    bus_destroy(b);
}

/* Many topics (the table grows), each with its subscribers, all still found. */
static void test_many_topics(void **state) {
    (void)state;
    bus_t *b = bus_create(bus_local_backend());
    enum { N = 2000 };
    sub_t *subs = calloc(N, sizeof *subs);
    char t[BUS_TOPIC_MAX + 1];
    for (int i = 0; i < N; i++) {
        sub_init(&subs[i], b, i);
        assert_true(bus_subscribe(b, bus_user_topic(t, i), &subs[i].s, on_msg, &subs[i]));
    }
    assert_int_equal(bus_stats(b).topics, N);
    for (int i = 0; i < N; i += 7) {
        bus_user_topic(t, i);
        pub(b, t, "p");
    }
    for (int i = 0; i < N; i++) assert_int_equal(subs[i].n, i % 7 == 0 ? 1 : 0);
    for (int i = 0; i < N; i++) bus_unsubscribe(&subs[i].s);
    assert_int_equal(bus_stats(b).topics, 0);
    bus_destroy(b);
    free(subs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_per_topic),
        cmocka_unit_test(test_many_subscribers),
        cmocka_unit_test(test_unsubscribe),
        cmocka_unit_test(test_unsubscribe_in_callback),
        cmocka_unit_test(test_subscribe_during_delivery),
        cmocka_unit_test(test_publish_in_callback_keeps_order),
        cmocka_unit_test(test_topic_lifecycle),
        cmocka_unit_test(test_topic_names),
        cmocka_unit_test(test_many_topics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
