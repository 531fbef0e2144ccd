/* chatrule — the chat's pure rules (docs/chat.md): room names and their keys, message text,
 * who may moderate whom, and the channel names of the wire ("room:<name>", "dm:<user id>",
 * "system"). No I/O, no allocation: usable on the loop, on the workers and in fuzz targets. */
#ifndef PONGD_CHATRULE_H
#define PONGD_CHATRULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pongd_limits.h"
#include "span.h"

/* Errors: CHAT_E_* in err.h (-500 .. -599). */

enum { CHAT_KIND_ROOM = 0, CHAT_KIND_DIRECT = 1, CHAT_KIND_SYSTEM = 2 };
enum { CHAT_MSG_TEXT = 0, CHAT_MSG_SYSTEM = 1, CHAT_MSG_INVITE = 2 };
/* Ranks: a site admin acts with CHAT_RANK_ADMIN in every room. */
enum { CHAT_RANK_MEMBER = 0, CHAT_RANK_MODERATOR = 1, CHAT_RANK_OWNER = 2, CHAT_RANK_ADMIN = 3 };
typedef enum {
    CHAT_ACT_DELETE = 0, CHAT_ACT_MUTE, CHAT_ACT_KICK, CHAT_ACT_BAN, CHAT_ACT_UNBAN,
    CHAT_ACT_MOD_ADD, CHAT_ACT_MOD_REMOVE, CHAT_ACT_READ_LOG,
    CHAT_ACT_N
} chat_action_t;

/* The stored and shown name of an action ("delete", "mute", "kick", "ban", "unban",
 * "moderator_add", "moderator_remove", "read_log"); NULL out of range. */
const char *chatrule_action_name(chat_action_t a);

/* Channel keys (chat_channels.key): "r:<name, ASCII-lowercased>", "d:<lo>:<hi>", "s:<uid>". */
#define CHATRULE_KEY_MAX (LIM_CHAT_ROOM_NAME + 48u)

/* A room name: 1..LIM_CHAT_ROOM_NAME bytes of [A-Za-z0-9_-]. On success writes the room's
 * key (NUL-terminated) and returns 0; CHAT_E_ROOM_NAME otherwise. */
int chatrule_room_key(span_t name, char key[CHATRULE_KEY_MAX]);
void chatrule_direct_key(int64_t a, int64_t b, char key[CHATRULE_KEY_MAX]);
void chatrule_system_key(int64_t uid, char key[CHATRULE_KEY_MAX]);

/* A message text as sent: trimmed of Unicode white space at both ends, then 1..
 * LIM_CHAT_MESSAGE_CHARS code points of valid UTF-8 without NUL, at least one of them visible
 * (not utf8_is_invisible: a text of zero-width, format or blank characters alone is empty). On
 * success *out is the trimmed part of text (no copy) and 0 is returned; CHAT_E_EMPTY,
 * CHAT_E_TOO_LONG or CHAT_E_INVALID. */
int chatrule_text(span_t text, span_t *out);

/* May an actor of rank `actor` do `a` to a target of rank `target` (the message's sender for
 * a delete; ignored for CHAT_ACT_READ_LOG)? The one place these rules live (docs/chat.md). */
bool chatrule_may(int actor, chat_action_t a, int target);

/* Mute durations accepted (seconds). */
#define CHATRULE_MUTE_MIN_S 1
#define CHATRULE_MUTE_MAX_S (7 * 24 * 3600)

/* A channel as named on the wire. */
typedef struct {
    int kind;            /* CHAT_KIND_* */
    span_t room;         /* rooms: the name as given (validate with chatrule_room_key) */
    int64_t peer;        /* direct: the other user's id (> 0) */
} chatrule_chan_t;
/* Parses "room:<name>", "dm:<decimal id>" or "system"; CHAT_E_CHANNEL when malformed. The id is
 * canonical (digits only, no leading zero, 1..INT64_MAX), so parse then format gives the input
 * back; the room part may be any bytes (even empty): chatrule_room_key judges it. */
int chatrule_chan_parse(span_t s, chatrule_chan_t *out);
/* Appends the wire name of a channel to out. */
void chatrule_chan_format(buf_t *out, const chatrule_chan_t *c);

#endif
