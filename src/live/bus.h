/* bus — every cross-user delivery (chat rooms, direct messages, system notices, invites,
 * presence and friend events) goes through here: publish to a topic, subscribe while a local
 * socket is interested (docs/chat.md, "The bus"). Loop thread only.
 *
 * Topics are short strings: "room:<channel id>", "user:<user id>". A message's payload is the
 * JSON frame, rendered once by the publisher and sent as is by the subscribers. Per topic,
 * subscribers receive messages in publish order; a subscriber may unsubscribe (itself or others)
 * and subscribe from inside its callback (delivery to a topic works on a stable snapshot: a
 * subscriber added during a delivery does not get that message, one removed does not either).
 *
 * Backends: bus_t keeps the local subscriptions; a backend carries publications between
 * processes. The in-process one (bus_local_backend) hands each publication straight back to
 * bus_deliver. A Redis backend (later) is one new file implementing bus_backend_t. */
#ifndef PONGD_BUS_H
#define PONGD_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"
#include "wsmsg.h"

#define BUS_TOPIC_MAX 48u

typedef struct bus bus_t;

typedef struct {
    span_t topic;
    const char *type;      /* the frame's "type" ("chat.message", "presence", …), for filters and metrics */
    int64_t from_uid;      /* who caused it (0: the server): subscribers filter blocked senders by it */
    span_t payload;        /* the JSON frame */
} bus_msg_t;

typedef void (*bus_fn)(void *owner, const bus_msg_t *m);

/* A subscription, embedded in the subscriber's own data (no allocation per subscribe but the
 * topic's, shared). Zero-initialise; one topic per bus_sub_t. */
typedef struct bus_sub {
    struct bus_topic *topic;       /* NULL when not subscribed */
    struct bus_sub *prev, *next;
    bus_fn fn;
    void *owner;
} bus_sub_t;

typedef struct {
    void *ctx;
    /* Publishes m to every process (including this one: the backend calls bus_deliver). */
    void (*publish)(void *ctx, bus_t *bus, const bus_msg_t *m);
    /* This process has its first subscriber of topic / has just lost its last. May be NULL. */
    void (*topic_first)(void *ctx, span_t topic);
    void (*topic_last)(void *ctx, span_t topic);
    void (*destroy)(void *ctx);
} bus_backend_t;

/* The in-process backend: publish delivers at once, in the caller's stack. */
bus_backend_t bus_local_backend(void);

bus_t *bus_create(bus_backend_t backend);
/* Every subscriber must have unsubscribed. NULL: no-op. */
void bus_destroy(bus_t *b);

/* Subscribes s (owned by owner) to topic; a subscribed s is first unsubscribed. false when the
 * topic is longer than BUS_TOPIC_MAX. */
bool bus_subscribe(bus_t *b, span_t topic, bus_sub_t *s, bus_fn fn, void *owner);
void bus_unsubscribe(bus_sub_t *s);   /* no-op when not subscribed */
bool bus_subscribed(const bus_sub_t *s);

/* Publishes through the backend. */
void bus_publish(bus_t *b, const bus_msg_t *m);
/* Called by backends: delivers m to this process's subscribers of m->topic. */
void bus_deliver(bus_t *b, const bus_msg_t *m);

/* Inside a bus_fn only, for the message it was given: m's payload as one text WebSocket frame,
 * built at the first call of the delivery and shared by every subscriber (ws_send takes its own
 * reference; the bus drops its one when the delivery ends). NULL when called outside the
 * delivery of m. */
wsmsg_t *bus_frame(bus_t *b, const bus_msg_t *m);

/* Local subscribers of topic (0 when none). */
size_t bus_subscribers(const bus_t *b, span_t topic);
/* Counters for /metrics. */
typedef struct { uint64_t published, delivered, topics; } bus_stats_t;
bus_stats_t bus_stats(const bus_t *b);

/* Topic names: writes "user:<id>" / "room:<channel id>" into out (BUS_TOPIC_MAX + 1 bytes) and
 * returns its span. */
span_t bus_user_topic(char out[BUS_TOPIC_MAX + 1], int64_t uid);
span_t bus_room_topic(char out[BUS_TOPIC_MAX + 1], int64_t channel_id);

#endif
