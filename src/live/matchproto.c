/* matchproto — see matchproto.h. */
#include "matchproto.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pongd_limits.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

int matchproto_parse(const void *data, size_t len, matchproto_frame_t *f) {
    const uint8_t *p = data;
    if (len > LIM_GAME_FRAME_BYTES) return MATCHPROTO_CLOSE_TOO_LARGE;
    if (len < 1) return MATCHPROTO_CLOSE_MALFORMED;
    matchproto_frame_t r = { .type = p[0] };
    switch (p[0]) {
    case MATCHPROTO_INPUT:
        if (len != MATCHPROTO_INPUT_BYTES || p[1] > 1 || p[2] > GAME_KEY_DOWN || p[3] != 0) return MATCHPROTO_CLOSE_MALFORMED;
        r.seat = p[1], r.key = p[2], r.tick = get32(p + 4);
        break;
    case MATCHPROTO_PING:
        if (len != MATCHPROTO_PING_BYTES || p[1] != 0) return MATCHPROTO_CLOSE_MALFORMED;
        r.rtt_ms = get16(p + 2), r.id = get32(p + 4);
        break;
    default:
        return MATCHPROTO_CLOSE_MALFORMED;
    }
    *f = r;
    return 0;
}

int matchproto_check_input(const matchproto_frame_t *f, int seat, uint32_t server_tick) {
    if (f->seat != seat) return MATCHPROTO_CLOSE_SEAT;
    if ((uint64_t)f->tick > (uint64_t)server_tick + LIM_GAME_AHEAD_TICKS) return MATCHPROTO_CLOSE_AHEAD;
    return 0;
}

const char *matchproto_close_reason(int code) {
    switch (code) {
    case MATCHPROTO_CLOSE_AUTH: return "log in first";
    case MATCHPROTO_CLOSE_NOT_PLAYER: return "not a player of this game";
    case MATCHPROTO_CLOSE_NO_GAME: return "no such game";
    case MATCHPROTO_CLOSE_MALFORMED: return "malformed frame";
    case MATCHPROTO_CLOSE_REPLACED: return "replaced by a newer connection";
    case MATCHPROTO_CLOSE_SEAT: return "input for the other seat";
    case MATCHPROTO_CLOSE_AHEAD: return "input too far ahead";
    case MATCHPROTO_CLOSE_TOO_LARGE: return "frame too large";
    case MATCHPROTO_CLOSE_FLOOD: return "too many frames";
    default: return "closed";
    }
}

void matchproto_encode_snapshot(uint8_t out[MATCHPROTO_SNAPSHOT_BYTES], const matchproto_snap_t *h, const int32_t save[GAME_SAVE_LEN]) {
    out[0] = MATCHPROTO_SNAPSHOT;
    out[1] = h->state;
    out[2] = h->key[0];
    out[3] = h->key[1];
    put32(out + 4, h->tick);
    put32(out + 8, h->ack[0]);
    put32(out + 12, h->ack[1]);
    put16(out + 16, (uint16_t)h->late);
    put16(out + 18, h->left);
    for (int i = 0; i < GAME_SAVE_LEN; i++) put32(out + MATCHPROTO_SNAPSHOT_HEAD + 4 * i, (uint32_t)save[i]);
}

void matchproto_snapshot_set_late(uint8_t out[MATCHPROTO_SNAPSHOT_BYTES], int16_t late) { put16(out + 16, (uint16_t)late); }

bool matchproto_decode_snapshot(const void *data, size_t len, matchproto_snap_t *h, int32_t save[GAME_SAVE_LEN]) {
    const uint8_t *p = data;
    if (len != MATCHPROTO_SNAPSHOT_BYTES || p[0] != MATCHPROTO_SNAPSHOT) return false;
    h->state = p[1];
    h->key[0] = p[2];
    h->key[1] = p[3];
    h->tick = get32(p + 4);
    h->ack[0] = get32(p + 8);
    h->ack[1] = get32(p + 12);
    h->late = (int16_t)get16(p + 16);
    h->left = get16(p + 18);
    for (int i = 0; i < GAME_SAVE_LEN; i++) save[i] = (int32_t)get32(p + MATCHPROTO_SNAPSHOT_HEAD + 4 * i);
    return true;
}

void matchproto_encode_input(uint8_t out[MATCHPROTO_INPUT_BYTES], uint8_t type, uint8_t seat, uint8_t key, uint32_t tick) {
    out[0] = type;
    out[1] = seat;
    out[2] = key;
    out[3] = 0;
    put32(out + 4, tick);
}

void matchproto_encode_ping(uint8_t out[MATCHPROTO_PING_BYTES], uint16_t rtt_ms, uint32_t id) {
    out[0] = MATCHPROTO_PING;
    out[1] = 0;
    put16(out + 2, rtt_ms);
    put32(out + 4, id);
}

void matchproto_encode_pong(uint8_t out[MATCHPROTO_PONG_BYTES], uint16_t opponent_rtt_ms, uint32_t id, uint32_t tick) {
    out[0] = MATCHPROTO_PONG;
    out[1] = 0;
    put16(out + 2, opponent_rtt_ms);
    put32(out + 4, id);
    put32(out + 8, tick);
}

size_t matchproto_encode_frame(uint8_t *out, const matchproto_frame_t *f) {
    if (f->type == MATCHPROTO_PING) {
        matchproto_encode_ping(out, f->rtt_ms, f->id);
        return MATCHPROTO_PING_BYTES;
    }
    matchproto_encode_input(out, f->type, f->seat, f->key, f->tick);
    return MATCHPROTO_INPUT_BYTES;
}

/* Dumps o (a reference taken) into out; 0, or ERR_LIMIT when it does not fit. */
static int dump(buf_t *out, json_t *o) {
    out->len = 0;
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!s) return ERR_INVALID;
    int e = buf_append(out, s, strlen(s));
    free(s);
    return e;
}

int matchproto_joined_json(buf_t *out, int64_t game_id, int seat, const game_options_t *opt, const matchproto_player_t players[2],
                           int spectators) {
    json_t *o = json_pack("{s:s, s:I, s:i, s:i, s:i, s:{s:i, s:i, s:i, s:i, s:i, s:I}, s:[{s:I, s:s}, {s:I, s:s}], s:i}", "type",
                          seat < 0 ? "watching" : "joined", "game_id", (json_int_t)game_id, "seat", seat < 0 ? 0 : seat, "tick_rate",
                          GAME_STEPS_PER_SECOND, "snapshot_every", seat < 0 ? MATCHPROTO_SPECTATE_EVERY : MATCHPROTO_SNAPSHOT_EVERY,
                          "options", "ball_speed", (int)opt->ball_speed, "paddle_size", (int)opt->paddle_size, "winning_score",
                          (int)opt->winning_score, "map", (int)opt->map, "powerups", (int)opt->powerups, "seed", (json_int_t)opt->seed,
                          "players", "id", (json_int_t)players[0].id, "display_name", players[0].display_name ? players[0].display_name : "",
                          "id", (json_int_t)players[1].id, "display_name", players[1].display_name ? players[1].display_name : "",
                          "spectators", spectators);
    if (o && seat < 0) json_object_del(o, "seat");
    return dump(out, o);
}

int matchproto_spectators_json(buf_t *out, int count) {
    return dump(out, json_pack("{s:s, s:i}", "type", "spectators", "count", count));
}

int matchproto_paused_json(buf_t *out, int seat, const char *reason, int64_t resume_by_ms) {
    return dump(out, json_pack("{s:s, s:i, s:s, s:I}", "type", "paused", "seat", seat, "reason", reason, "resume_by", (json_int_t)resume_by_ms));
}

int matchproto_resumed_json(buf_t *out, int countdown_ticks) {
    return dump(out, json_pack("{s:s, s:i}", "type", "resumed", "countdown_ticks", countdown_ticks));
}

int matchproto_over_json(buf_t *out, const char *reason, int winner, const int32_t score[2]) {
    json_t *w = winner == 0 || winner == 1 ? json_integer(winner) : json_null();
    return dump(out, json_pack("{s:s, s:s, s:o, s:[i, i]}", "type", "over", "reason", reason, "winner", w, "score", (int)score[0], (int)score[1]));
}
