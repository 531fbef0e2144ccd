// The game socket's wire protocol (docs/interface.md, "Game socket"): every binary frame
// encoded and decoded byte for byte (DataView, little-endian), and the text events.
// Pure: no DOM, no socket, no simulation; the client netcode (netgame.js), the reference
// room (netroom.js) and the Node tests (tests/web/netproto.test.mjs) share it.
//
//   client → server   INPUT 0x01 (8 B)   u8 type, u8 seat, u8 key, u8 0, u32 tick
//                     PING  0x02 (8 B)   u8 type, u8 0, u16 rtt_ms, u32 id
//   server → client   SNAPSHOT 0x10 (244 B)  u8 type, u8 state, u8 key0, u8 key1, u32 tick,
//                                            u32 ack0, u32 ack1, i16 late, u16 left,
//                                            56 × i32 (game_save)
//                     INPUT 0x11 (8 B)   the opponent's key change, as the client's INPUT
//                     PONG  0x12 (12 B)  u8 type, u8 0, u16 opponent_rtt_ms, u32 id, u32 tick
//   text              {"type":"auth","token"} (client, first frame), then from the server
//                     joined, paused, resumed, over, spectators (and {"error":{…}} frames);
//                     a spectator is welcomed by `watching` (as joined, without a seat)

export const FRAME = Object.freeze({ INPUT: 0x01, PING: 0x02, SNAPSHOT: 0x10, RELAY: 0x11, PONG: 0x12 });
export const SIZE = Object.freeze({ INPUT: 8, PING: 8, SNAPSHOT_HEAD: 20, SNAPSHOT: 20 + 4 * 56, RELAY: 8, PONG: 12 });
/** game_save's length (GAME_SAVE_LEN). */
export const SAVE_LEN = 56;

/** The match state of a snapshot. */
export const MATCH = Object.freeze({ WAITING: 0, COUNTDOWN: 1, PLAYING: 2, PAUSED: 3, OVER: 4 });
export const MATCH_NAMES = Object.freeze(['waiting', 'countdown', 'playing', 'paused', 'over']);

/** Close codes of the game socket. */
export const CLOSE = Object.freeze({
  AUTH: 4001, NOT_PLAYER: 4003, NO_GAME: 4004, MALFORMED: 4400, REPLACED: 4409,
  OTHER_SEAT: 4410, TOO_FAR_AHEAD: 4411, TOO_BIG: 4413, FLOOD: 4429,
});
/** Close codes after which reconnecting would not help (the game is not ours, gone, or we broke the rules). */
export const FINAL_CLOSES = Object.freeze(new Set([4003, 4004, 4400, 4409, 4410, 4411, 4413, 4429]));

export const LIMITS = Object.freeze({ AHEAD_TICKS: 30, FRAMES_PER_S: 120, FRAME_BYTES: 64, TICK_RATE: 60 });
export const END_REASONS = Object.freeze(['score', 'resign', 'forfeit', 'void', 'interrupted']);

const U16 = 0xffff;

function clampInt(v, lo, hi) {
  const n = Math.round(Number(v));
  if (!Number.isFinite(n)) return lo;
  return Math.min(hi, Math.max(lo, n));
}

/** A DataView over `data` (ArrayBuffer, a typed array or a Node Buffer), or null. */
export function viewOf(data) {
  if (data instanceof ArrayBuffer) return new DataView(data);
  if (ArrayBuffer.isView(data)) return new DataView(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

function inputLike(type, { seat, key, tick }) {
  const b = new Uint8Array(SIZE.INPUT);
  const v = new DataView(b.buffer);
  v.setUint8(0, type);
  v.setUint8(1, seat);
  v.setUint8(2, key);
  v.setUint8(3, 0);
  v.setUint32(4, tick >>> 0, true);
  return b;
}

/** Client INPUT: from `tick` on, `seat`'s key is `key` (0 none, 1 up, 2 down). */
export function encodeInput(input) {
  return inputLike(FRAME.INPUT, input);
}

/** Server INPUT: the opponent's key change, relayed at the tick it was applied. */
export function encodeRelay(input) {
  return inputLike(FRAME.RELAY, input);
}

/** Client PING: `id`, and the client's last round trip (0: unknown; clamped to u16). */
export function encodePing({ id, rttMs = 0 }) {
  const b = new Uint8Array(SIZE.PING);
  const v = new DataView(b.buffer);
  v.setUint8(0, FRAME.PING);
  v.setUint16(2, clampInt(rttMs, 0, U16), true);
  v.setUint32(4, id >>> 0, true);
  return b;
}

/** Server PONG: answers PING `id` with the server's `tick` and the opponent's last round trip. */
export function encodePong({ id, tick, opponentRttMs = 0 }) {
  const b = new Uint8Array(SIZE.PONG);
  const v = new DataView(b.buffer);
  v.setUint8(0, FRAME.PONG);
  v.setUint16(2, clampInt(opponentRttMs, 0, U16), true);
  v.setUint32(4, id >>> 0, true);
  v.setUint32(8, tick >>> 0, true);
  return b;
}

/**
 * Server SNAPSHOT: { state (MATCH), keys [k0, k1], tick, acks [a0, a1], late (clamped to
 * i16), left (ticks of a countdown or pause, clamped to u16), save (56 int32) }.
 */
export function encodeSnapshot({ state, keys, tick, acks, late = 0, left = 0, save }) {
  if (!save || save.length !== SAVE_LEN) throw new RangeError(`a snapshot carries ${SAVE_LEN} int32`);
  const b = new Uint8Array(SIZE.SNAPSHOT);
  const v = new DataView(b.buffer);
  v.setUint8(0, FRAME.SNAPSHOT);
  v.setUint8(1, state);
  v.setUint8(2, keys[0]);
  v.setUint8(3, keys[1]);
  v.setUint32(4, tick >>> 0, true);
  v.setUint32(8, acks[0] >>> 0, true);
  v.setUint32(12, acks[1] >>> 0, true);
  v.setInt16(16, clampInt(late, -0x8000, 0x7fff), true);
  v.setUint16(18, clampInt(left, 0, U16), true);
  for (let i = 0; i < SAVE_LEN; i += 1) v.setInt32(SIZE.SNAPSHOT_HEAD + 4 * i, save[i], true);
  return b;
}

const isKey = (k) => k <= 2;

function decodeInputLike(v, type) {
  const seat = v.getUint8(1);
  const key = v.getUint8(2);
  if (seat > 1 || !isKey(key) || v.getUint8(3) !== 0) return null;
  return { type, seat, key, tick: v.getUint32(4, true) };
}

/**
 * A binary frame from the server → { type: 'snapshot', state, keys, tick, acks, late,
 * left, save: Int32Array } | { type: 'input', seat, key, tick } | { type: 'pong', id,
 * tick, opponentRttMs }; anything else (unknown type, wrong size, out-of-range byte) → null.
 */
export function decodeServerFrame(data) {
  const v = viewOf(data);
  if (!v || v.byteLength === 0) return null;
  switch (v.getUint8(0)) {
    case FRAME.SNAPSHOT: {
      if (v.byteLength !== SIZE.SNAPSHOT) return null;
      const state = v.getUint8(1);
      const keys = [v.getUint8(2), v.getUint8(3)];
      if (state > MATCH.OVER || !isKey(keys[0]) || !isKey(keys[1])) return null;
      const save = new Int32Array(SAVE_LEN);
      for (let i = 0; i < SAVE_LEN; i += 1) save[i] = v.getInt32(SIZE.SNAPSHOT_HEAD + 4 * i, true);
      return {
        type: 'snapshot',
        state,
        keys,
        tick: v.getUint32(4, true),
        acks: [v.getUint32(8, true), v.getUint32(12, true)],
        late: v.getInt16(16, true),
        left: v.getUint16(18, true),
        save,
      };
    }
    case FRAME.RELAY:
      return v.byteLength === SIZE.RELAY ? decodeInputLike(v, 'input') : null;
    case FRAME.PONG:
      if (v.byteLength !== SIZE.PONG || v.getUint8(1) !== 0) return null;
      return { type: 'pong', opponentRttMs: v.getUint16(2, true), id: v.getUint32(4, true), tick: v.getUint32(8, true) };
    default:
      return null;
  }
}

/**
 * A binary frame from a client (what a server checks) → { type: 'input', seat, key, tick }
 * | { type: 'ping', id, rttMs } | { error: close code } (4413 over 64 bytes, 4400 anything
 * malformed: unknown type, wrong size, key out of range).
 */
export function decodeClientFrame(data) {
  const v = viewOf(data);
  if (!v) return { error: CLOSE.MALFORMED };
  if (v.byteLength > LIMITS.FRAME_BYTES) return { error: CLOSE.TOO_BIG };
  if (v.byteLength === 0) return { error: CLOSE.MALFORMED };
  switch (v.getUint8(0)) {
    case FRAME.INPUT: {
      if (v.byteLength !== SIZE.INPUT) return { error: CLOSE.MALFORMED };
      return decodeInputLike(v, 'input') ?? { error: CLOSE.MALFORMED };
    }
    case FRAME.PING:
      if (v.byteLength !== SIZE.PING || v.getUint8(1) !== 0) return { error: CLOSE.MALFORMED };
      return { type: 'ping', rttMs: v.getUint16(2, true), id: v.getUint32(4, true) };
    default:
      return { error: CLOSE.MALFORMED };
  }
}

/** The first frame of the game socket. */
export function authFrame(token) {
  return JSON.stringify({ type: 'auth', token });
}

const isObj = (v) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const isNat = (v) => Number.isSafeInteger(v) && v >= 0;
const isSeat = (v) => v === 0 || v === 1;
const inRange = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;

/** The options of `joined` (and of the games API): C values, seed included; null when off. */
export function checkWireOptions(o) {
  if (!isObj(o)) return null;
  if (!inRange(o.ball_speed, 0, 2) || !inRange(o.paddle_size, 0, 2) || !inRange(o.winning_score, 1, 21)
    || !inRange(o.map, 0, 3) || !inRange(o.powerups, 0, 1)) return null;
  const out = { ball_speed: o.ball_speed, paddle_size: o.paddle_size, winning_score: o.winning_score, map: o.map, powerups: o.powerups };
  if (o.seed !== undefined) {
    if (!isNat(o.seed) || o.seed > 0xffffffff) return null;
    out.seed = o.seed;
  }
  return out;
}

/**
 * A text event from the server (a JSON text or an already parsed object) →
 *   { type: 'joined', game_id, seat, tick_rate, snapshot_every, options, players: [{id, display_name}×2],
 *     spectator: true (only for a spectator — the server's `watching` welcome, which is parsed as
 *     a `joined` with seat null), spectators: N (when given) }
 *   { type: 'spectators', count }   how many watch (players and spectators are told)
 *   { type: 'paused', seat, reason, resume_by }
 *   { type: 'resumed', countdown_ticks }
 *   { type: 'over', reason, winner (0|1|null), score: [l, r] }
 *   { type: 'error', code, message }
 * or null for anything else.
 */
export function parseServerText(data) {
  let v = data;
  if (typeof data === 'string') {
    try {
      v = JSON.parse(data);
    } catch {
      return null;
    }
  }
  if (!isObj(v)) return null;
  if (isObj(v.error)) {
    return { type: 'error', code: typeof v.error.code === 'string' ? v.error.code : '', message: typeof v.error.message === 'string' ? v.error.message : '' };
  }
  switch (v.type) {
    case 'joined':
    case 'watching': {
      const options = checkWireOptions(v.options);
      // A spectator (docs/matchmaking.md "Watching") is welcomed with `watching` (no seat).
      const spectator = v.type === 'watching' || v.spectator === true || v.role === 'spectator' || v.seat === null || v.seat === -1;
      if (!isNat(v.game_id) || !(isSeat(v.seat) || spectator) || !options || !Array.isArray(v.players) || v.players.length !== 2) return null;
      const players = v.players.map((p) => (isObj(p) && isNat(p.id)
        ? { id: p.id, display_name: typeof p.display_name === 'string' ? p.display_name : '' } : null));
      if (players.includes(null)) return null;
      return {
        type: 'joined',
        game_id: v.game_id,
        seat: spectator ? null : v.seat,
        tick_rate: inRange(v.tick_rate, 1, 1000) ? v.tick_rate : LIMITS.TICK_RATE,
        snapshot_every: inRange(v.snapshot_every, 1, 1000) ? v.snapshot_every : 3,
        options,
        players,
        ...(spectator ? { spectator: true } : {}),
        ...(isNat(v.spectators) ? { spectators: v.spectators } : {}),
      };
    }
    case 'spectators': {
      const count = isNat(v.count) ? v.count : v.spectators;
      return isNat(count) ? { type: 'spectators', count } : null;
    }
    case 'paused':
      if (!isSeat(v.seat)) return null;
      return {
        type: 'paused',
        seat: v.seat,
        reason: typeof v.reason === 'string' ? v.reason : '',
        resume_by: typeof v.resume_by === 'number' && Number.isFinite(v.resume_by) ? v.resume_by : null,
      };
    case 'resumed':
      return { type: 'resumed', countdown_ticks: isNat(v.countdown_ticks) ? v.countdown_ticks : 0 };
    case 'over': {
      if (!END_REASONS.includes(v.reason)) return null;
      const winner = isSeat(v.winner) ? v.winner : null;
      const score = Array.isArray(v.score) && v.score.length === 2 && v.score.every(isNat) ? [v.score[0], v.score[1]] : [0, 0];
      return { type: 'over', reason: v.reason, winner, score };
    }
    default:
      return null;
  }
}
