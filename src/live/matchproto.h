/* matchproto — the game socket's frames (docs/interface.md, "Game socket"), pure and bounded:
 * parsing the client's binary frames, encoding the server's binary frames little-endian into
 * the caller's buffers, and the rare text events as JSON. No socket, no allocation except
 * the JSON text (jansson).
 *
 * Refusals are WebSocket close codes (4400..4429, positive; not err.h codes): the caller
 * closes the socket with the code and matchproto_close_reason(code). */
#ifndef PONGD_MATCHPROTO_H
#define PONGD_MATCHPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "game.h"

/* frame types */
enum {
    MATCHPROTO_INPUT = 0x01,    /* client: a key change */
    MATCHPROTO_PING = 0x02,     /* client: heartbeat with its round trip */
    MATCHPROTO_SNAPSHOT = 0x10, /* server: the authoritative state */
    MATCHPROTO_RELAY = 0x11,    /* server: the opponent's key change */
    MATCHPROTO_PONG = 0x12,     /* server: answers PING */
};

/* the rates the "joined" event announces */
#define MATCHPROTO_SNAPSHOT_EVERY 3      /* ticks between snapshots while playing: 20 per second */
#define MATCHPROTO_SPECTATE_EVERY 6      /* the same for spectators: 10 per second */
#define MATCHPROTO_SPECTATOR_REASON "spectators cannot play"   /* the 4409 a spectator's INPUT gets */
#define MATCHPROTO_COUNTDOWN_TICKS 180   /* 3 s before play starts or resumes */

/* frame sizes */
#define MATCHPROTO_INPUT_BYTES 8
#define MATCHPROTO_PING_BYTES 8
#define MATCHPROTO_SNAPSHOT_HEAD 20
#define MATCHPROTO_SNAPSHOT_BYTES (MATCHPROTO_SNAPSHOT_HEAD + 4 * GAME_SAVE_LEN)
#define MATCHPROTO_RELAY_BYTES 8
#define MATCHPROTO_PONG_BYTES 12

/* close codes of the game socket */
enum {
    MATCHPROTO_CLOSE_AUTH = 4001,       /* no or bad auth frame (wsauth) */
    MATCHPROTO_CLOSE_NOT_PLAYER = 4003, /* not a player of this game */
    MATCHPROTO_CLOSE_NO_GAME = 4004,    /* no such live game */
    MATCHPROTO_CLOSE_MALFORMED = 4400,  /* unknown type, wrong size, a field out of range, a text frame */
    MATCHPROTO_CLOSE_REPLACED = 4409,   /* a newer socket took the seat; also: an INPUT from a spectator */
    MATCHPROTO_CLOSE_SEAT = 4410,       /* an input for the other seat */
    MATCHPROTO_CLOSE_AHEAD = 4411,      /* an input stamped more than LIM_GAME_AHEAD_TICKS ahead */
    MATCHPROTO_CLOSE_TOO_LARGE = 4413,  /* a frame over LIM_GAME_FRAME_BYTES */
    MATCHPROTO_CLOSE_FLOOD = 4429,      /* more than LIM_GAME_FRAMES_PER_S frames in a second */
};

/* match states as the snapshot's `state` byte carries them */
enum { MATCHPROTO_WAITING = 0, MATCHPROTO_COUNTDOWN = 1, MATCHPROTO_PLAYING = 2, MATCHPROTO_PAUSED = 3, MATCHPROTO_OVER = 4 };

/* A parsed client frame. INPUT: seat, key, tick. PING: rtt_ms, id. */
typedef struct {
    uint8_t type;
    uint8_t seat, key;
    uint16_t rtt_ms;
    uint32_t tick, id;
} matchproto_frame_t;

/* Parses one client frame of exactly len bytes (never reads past len). 0 with *f filled, or
 * MATCHPROTO_CLOSE_TOO_LARGE (len > LIM_GAME_FRAME_BYTES, checked first) or
 * MATCHPROTO_CLOSE_MALFORMED: empty, unknown type, a size other than the type's, a seat
 * other than 0/1, a key other than 0/1/2, a reserved byte not 0. *f is untouched on refusal. */
int matchproto_parse(const void *p, size_t len, matchproto_frame_t *f);

/* The rules an INPUT frame f must pass for a socket on `seat` when the game's next step is
 * `server_tick`: 0, MATCHPROTO_CLOSE_SEAT, or MATCHPROTO_CLOSE_AHEAD (f->tick more than
 * LIM_GAME_AHEAD_TICKS after server_tick). */
int matchproto_check_input(const matchproto_frame_t *f, int seat, uint32_t server_tick);

/* A short reason for a close code (a static string, never NULL). */
const char *matchproto_close_reason(int code);

/* The snapshot header (the state follows from game_save). */
typedef struct {
    uint8_t state;      /* MATCHPROTO_WAITING.. */
    uint8_t key[2];     /* keys in force */
    uint32_t tick;      /* the game's tick (game_t.tick) */
    uint32_t ack[2];    /* the tick each seat's last input was applied at (0: none yet) */
    int16_t late;       /* the receiver's last input: ticks late (>0) or early (<0) */
    uint16_t left;      /* ticks left of a countdown or pause */
} matchproto_snap_t;

/* Encodes a SNAPSHOT (MATCHPROTO_SNAPSHOT_BYTES) into out. */
void matchproto_encode_snapshot(uint8_t out[MATCHPROTO_SNAPSHOT_BYTES], const matchproto_snap_t *h,
                                const int32_t save[GAME_SAVE_LEN]);
/* Overwrites the `late` field of an encoded snapshot (one encoding, two receivers). */
void matchproto_snapshot_set_late(uint8_t out[MATCHPROTO_SNAPSHOT_BYTES], int16_t late);
/* Decodes a SNAPSHOT (tests, tools and bots); false unless len is the size and the type byte
 * is right. */
bool matchproto_decode_snapshot(const void *p, size_t len, matchproto_snap_t *h, int32_t save[GAME_SAVE_LEN]);
/* A client INPUT (tools, bots, tests) and the server's RELAY: the same layout. */
void matchproto_encode_input(uint8_t out[MATCHPROTO_INPUT_BYTES], uint8_t type, uint8_t seat, uint8_t key, uint32_t tick);
void matchproto_encode_ping(uint8_t out[MATCHPROTO_PING_BYTES], uint16_t rtt_ms, uint32_t id);
void matchproto_encode_pong(uint8_t out[MATCHPROTO_PONG_BYTES], uint16_t opponent_rtt_ms, uint32_t id, uint32_t tick);
/* The bytes of a parsed client frame again (what matchproto_parse accepted); returns the
 * size written into out (at least 8 bytes). */
size_t matchproto_encode_frame(uint8_t *out, const matchproto_frame_t *f);

/* Text events, as JSON into out (cleared first): 0, ERR_LIMIT past out's maximum, or
 * ERR_INVALID when jansson refuses (a display name that is not UTF-8). */
typedef struct { int64_t id; const char *display_name; } matchproto_player_t;
/* joined (a player, seat 0 or 1) or, with seat -1, watching (a spectator); both carry the
 * spectator count. */
int matchproto_joined_json(buf_t *out, int64_t game_id, int seat, const game_options_t *opt, const matchproto_player_t players[2],
                           int spectators);
/* {"type":"spectators","count":N}: the count moved. */
int matchproto_spectators_json(buf_t *out, int count);
int matchproto_paused_json(buf_t *out, int seat, const char *reason, int64_t resume_by_ms);
int matchproto_resumed_json(buf_t *out, int countdown_ticks);
/* winner: 0, 1, or -1 (null); reason: "score", "resign", "forfeit", "void", "interrupted". */
int matchproto_over_json(buf_t *out, const char *reason, int winner, const int32_t score[2]);

#endif
