/* Room membership: named rooms holding intrusive lists of members. A member is embedded in
 * its owner (a connection), so joining and leaving allocate nothing but the room itself,
 * which is freed when its last member leaves. Loop thread only. */
#ifndef PONGD_ROOM_H
#define PONGD_ROOM_H

#include <stddef.h>
#include "util.h"

typedef struct room room_t;
typedef struct rooms rooms_t;

typedef struct room_member {
    room_t *room;                    /* NULL when in no room */
    struct room_member *prev, *next;
    void *owner;
} room_member_t;

rooms_t *rooms_create(void);
/* Frees every room; members must have left (their room pointers would dangle). */
void rooms_destroy(rooms_t *rs);

/* Puts m (owned by owner) into the named room, creating it; leaves any previous room first.
 * The name must be valid (path_room_name_valid) — the caller checks. */
room_t *rooms_join(rooms_t *rs, span_t name, room_member_t *m, void *owner);
/* Takes m out of its room (no-op when in none); frees the room if it is now empty. */
void rooms_leave(rooms_t *rs, room_member_t *m);
room_t *rooms_find(const rooms_t *rs, span_t name);
size_t rooms_count(const rooms_t *rs);

const char *room_name(const room_t *r);
size_t room_size(const room_t *r);
/* Calls fn(owner, arg) for every member. fn must not make members join or leave. */
void room_each(room_t *r, void (*fn)(void *owner, void *arg), void *arg);

#endif
