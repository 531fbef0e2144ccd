/* room — named topics (chat rooms, a user's tabs, later games and spectators) holding
 * intrusive lists of members. A member is embedded in its owner's data (a connection's
 * per-module state), so joining and leaving allocate nothing but the room itself, which is
 * freed when its last member leaves. A member remembers its registry, and a connection may
 * hold any number of members (one per topic it is in), each in any registry. Loop thread
 * only. */
#ifndef PONGD_ROOM_H
#define PONGD_ROOM_H

#include <stddef.h>
#include "util.h"

typedef struct room room_t;
typedef struct room_reg room_reg_t;

typedef struct room_member {
    room_t *room;                    /* NULL when in no room */
    room_reg_t *reg;                 /* the registry of room (set by room_join) */
    struct room_member *prev, *next;
    void *owner;
} room_member_t;

room_reg_t *room_reg_create(void);
/* Frees every room; members must have left (their room pointers would dangle). NULL: no-op. */
void room_reg_destroy(room_reg_t *rs);

/* Puts m (owned by owner) into the named room of rs, creating it; leaves any previous room
 * first (in whichever registry). NULL when the name is longer than LIM_ROOM_NAME_BYTES. */
room_t *room_join(room_reg_t *rs, span_t name, room_member_t *m, void *owner);
/* Takes m out of its room, in the registry it joined (no-op when in none); frees the room if
 * it is now empty. */
void room_leave(room_member_t *m);
room_t *room_find(const room_reg_t *rs, span_t name);
size_t room_reg_count(const room_reg_t *rs);

const char *room_name(const room_t *r);
size_t room_size(const room_t *r);
/* Calls fn(owner, arg) for every member. fn must not make members join or leave. */
void room_each(room_t *r, void (*fn)(void *owner, void *arg), void *arg);

#endif
