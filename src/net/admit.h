/* admit — who may hold a connection: the accounting behind the connection caps of
 * docs/security.md ("Availability"). Every accepted connection is recorded under an opaque
 * key (the glue's wsi) and its client address; it starts in the handshake phase (TLS
 * handshake and first request head) and leaves it when its first request head is complete.
 * admit_check says at accept whether one more connection from an address fits: all
 * connections (global and per address), those still in the handshake phase (global and per
 * address); admit_ws_open whether one more WebSocket of that address fits. The oldest
 * connections still in the handshake phase come out first (admit_expired) so a deadline can
 * close them. No I/O, no libwebsockets: loop thread only, unit-tested. */
#ifndef PONGD_ADMIT_H
#define PONGD_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct admit admit_t;

typedef struct {
    size_t max_conns;        /* every open connection (> 0) */
    size_t max_handshakes;   /* of those, still in the handshake phase (> 0) */
    size_t per_addr;         /* open connections of one address; 0: no limit */
    size_t handshakes_per_addr; /* of those, in the handshake phase; 0: no limit */
    size_t ws_per_addr;      /* open WebSockets of one address; 0: no limit */
} admit_limits_t;

/* A client address: 16 bytes (IPv4 as IPv4-mapped IPv6, so both forms count as one). */
typedef struct { unsigned char b[16]; } admit_addr_t;

typedef enum {
    ADMIT_OK = 0,
    ADMIT_FULL,              /* max_conns reached */
    ADMIT_HANDSHAKES,        /* max_handshakes reached */
    ADMIT_ADDR,              /* per_addr reached */
    ADMIT_ADDR_HANDSHAKES,   /* handshakes_per_addr reached */
} admit_verdict_t;

admit_t *admit_create(const admit_limits_t *lim);
void admit_destroy(admit_t *a);   /* NULL: no-op */
const admit_limits_t *admit_limits(const admit_t *a);

/* From a struct sockaddr (AF_INET or AF_INET6); false for another family. */
bool admit_addr_from(const void *sockaddr, admit_addr_t *out);

/* Whether one more connection from addr fits now. */
admit_verdict_t admit_check(const admit_t *a, const admit_addr_t *addr);
/* Records a new connection under key, in the handshake phase since now_us (a record under
 * the same key is replaced). Recorded even past the limits (the caller checked). */
void admit_add(admit_t *a, const void *key, const admit_addr_t *addr, uint64_t now_us);
/* The connection's first request head is complete: it leaves the handshake phase. No-op for
 * an unknown key or one already out of it. */
void admit_active(admit_t *a, const void *key);
/* The connection became a WebSocket: false (and not counted) when its address has
 * ws_per_addr open already. Unknown key: true. */
bool admit_ws_open(admit_t *a, const void *key);
/* The connection closed: forgets it (and its WebSocket, if counted). Unknown key: no-op. */
void admit_remove(admit_t *a, const void *key);
/* The key of the oldest connection still in the handshake phase that started before
 * before_us, taken off the deadline list (it stays counted until admit_remove); NULL if none. */
const void *admit_expired(admit_t *a, uint64_t before_us);
/* When the oldest connection in the handshake phase started; 0 if none. */
uint64_t admit_oldest_us(const admit_t *a);

size_t admit_conns(const admit_t *a);        /* open connections */
size_t admit_handshakes(const admit_t *a);   /* of those, in the handshake phase */
size_t admit_websockets(const admit_t *a);   /* counted WebSockets */
size_t admit_addresses(const admit_t *a);    /* addresses with an open connection */

#endif
