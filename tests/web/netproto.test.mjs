// Unit tests of web/src/game/netproto.js: every frame of docs/interface.md "Game socket",
// byte for byte, and the refusals a server makes from a frame alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLOSE, FRAME, SAVE_LEN, SIZE, authFrame, decodeClientFrame, decodeServerFrame, encodeInput, encodePing,
  encodePong, encodeRelay, encodeSnapshot, parseServerText,
} from '../../web/src/game/netproto.js';

const bytes = (u8) => [...u8];

test('INPUT: u8 type, u8 seat, u8 key, u8 0, u32 tick (LE)', () => {
  const b = encodeInput({ seat: 1, key: 2, tick: 0x01020304 });
  assert.deepEqual(bytes(b), [0x01, 1, 2, 0, 0x04, 0x03, 0x02, 0x01]);
  assert.deepEqual(decodeClientFrame(b), { type: 'input', seat: 1, key: 2, tick: 0x01020304 });
  const r = encodeRelay({ seat: 0, key: 1, tick: 0xfffffffe });
  assert.deepEqual(bytes(r), [0x11, 0, 1, 0, 0xfe, 0xff, 0xff, 0xff]);
  assert.deepEqual(decodeServerFrame(r), { type: 'input', seat: 0, key: 1, tick: 0xfffffffe });
  // the same bytes in a Node Buffer and in a bare ArrayBuffer
  assert.deepEqual(decodeServerFrame(Buffer.from(r)), decodeServerFrame(r.buffer));
});

test('PING and PONG', () => {
  const p = encodePing({ id: 7, rttMs: 0x1234 });
  assert.deepEqual(bytes(p), [0x02, 0, 0x34, 0x12, 7, 0, 0, 0]);
  assert.deepEqual(decodeClientFrame(p), { type: 'ping', rttMs: 0x1234, id: 7 });
  assert.deepEqual(bytes(encodePing({ id: 1, rttMs: 99999 })).slice(2, 4), [0xff, 0xff], 'rtt clamped to u16');
  const q = encodePong({ id: 0x0a0b0c0d, tick: 300, opponentRttMs: 120 });
  assert.deepEqual(bytes(q), [0x12, 0, 120, 0, 0x0d, 0x0c, 0x0b, 0x0a, 0x2c, 0x01, 0, 0]);
  assert.deepEqual(decodeServerFrame(q), { type: 'pong', opponentRttMs: 120, id: 0x0a0b0c0d, tick: 300 });
});

test('SNAPSHOT: 20-byte head then 56 int32 (LE)', () => {
  const save = Int32Array.from({ length: SAVE_LEN }, (_, i) => (i % 2 ? -i : i * 1000));
  const b = encodeSnapshot({ state: 2, keys: [1, 2], tick: 600, acks: [598, 0x01000000], late: -3, left: 180, save });
  assert.equal(b.length, SIZE.SNAPSHOT);
  assert.equal(SIZE.SNAPSHOT, 244);
  assert.deepEqual(bytes(b.subarray(0, 20)), [0x10, 2, 1, 2, 0x58, 0x02, 0, 0, 0x56, 0x02, 0, 0, 0, 0, 0, 1, 0xfd, 0xff, 180, 0]);
  assert.deepEqual(bytes(b.subarray(20, 28)), [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 'state[0] = 0, state[1] = -1');
  const d = decodeServerFrame(b);
  assert.equal(d.type, 'snapshot');
  assert.deepEqual([d.state, d.keys, d.tick, d.acks, d.late, d.left], [2, [1, 2], 600, [598, 0x01000000], -3, 180]);
  assert.deepEqual([...d.save], [...save]);
  assert.throws(() => encodeSnapshot({ state: 0, keys: [0, 0], tick: 0, acks: [0, 0], save: new Int32Array(3) }), RangeError);
});

test('server frames: wrong size, unknown type or bytes out of range → null', () => {
  const save = new Int32Array(SAVE_LEN);
  const snap = encodeSnapshot({ state: 1, keys: [0, 0], tick: 1, acks: [0, 0], save });
  assert.equal(decodeServerFrame(snap.subarray(0, 243)), null);
  const badState = snap.slice(); badState[1] = 5;
  assert.equal(decodeServerFrame(badState), null);
  const badKey = snap.slice(); badKey[3] = 3;
  assert.equal(decodeServerFrame(badKey), null);
  assert.equal(decodeServerFrame(new Uint8Array([0x11, 2, 0, 0, 0, 0, 0, 0])), null, 'seat 2');
  assert.equal(decodeServerFrame(new Uint8Array([0x12, 0, 0, 0, 0, 0, 0, 0])), null, 'short pong');
  assert.equal(decodeServerFrame(new Uint8Array([0x01, 0, 0, 0, 0, 0, 0, 0])), null, 'a client type');
  assert.equal(decodeServerFrame(new Uint8Array([])), null);
  assert.equal(decodeServerFrame('text'), null);
});

test('client frames: the server refusals 4400 and 4413', () => {
  assert.deepEqual(decodeClientFrame(new Uint8Array(65)), { error: CLOSE.TOO_BIG });
  assert.deepEqual(decodeClientFrame(new Uint8Array(64)), { error: CLOSE.MALFORMED }, 'type 0 at 64 bytes');
  assert.deepEqual(decodeClientFrame(new Uint8Array([0x01, 0, 3, 0, 0, 0, 0, 0])), { error: CLOSE.MALFORMED }, 'key 3');
  assert.deepEqual(decodeClientFrame(new Uint8Array([0x01, 0, 1, 0, 0, 0, 0])), { error: CLOSE.MALFORMED }, '7 bytes');
  assert.deepEqual(decodeClientFrame(new Uint8Array([0x01, 0, 1, 0, 0, 0, 0, 0, 0])), { error: CLOSE.MALFORMED }, '9 bytes');
  assert.deepEqual(decodeClientFrame(new Uint8Array([0x10, 0, 0, 0, 0, 0, 0, 0])), { error: CLOSE.MALFORMED }, 'a server type');
  assert.deepEqual(decodeClientFrame(new Uint8Array([])), { error: CLOSE.MALFORMED });
  assert.deepEqual(decodeClientFrame(new Uint8Array([0x01, 5, 1, 0, 0, 0, 0, 0])), { error: CLOSE.MALFORMED }, 'seat 5');
  assert.equal(FRAME.PING, 2);
});

test('text events', () => {
  assert.equal(authFrame('abc'), '{"type":"auth","token":"abc"}');
  const joined = {
    type: 'joined', game_id: 12, seat: 1, tick_rate: 60, snapshot_every: 3,
    options: { ball_speed: 1, paddle_size: 2, winning_score: 5, map: 3, powerups: 1, seed: 4294967295 },
    players: [{ id: 1, display_name: 'Ann' }, { id: 2, display_name: 'Bo' }],
  };
  assert.deepEqual(parseServerText(JSON.stringify(joined)), joined);
  assert.equal(parseServerText({ ...joined, seat: 2 }), null);
  assert.equal(parseServerText({ ...joined, options: { ...joined.options, map: 4 } }), null);
  assert.equal(parseServerText({ ...joined, players: [joined.players[0]] }), null);
  assert.deepEqual(parseServerText('{"type":"paused","seat":0,"reason":"disconnected","resume_by":1700000000000}'),
    { type: 'paused', seat: 0, reason: 'disconnected', resume_by: 1700000000000 });
  assert.deepEqual(parseServerText('{"type":"resumed","countdown_ticks":180}'), { type: 'resumed', countdown_ticks: 180 });
  assert.deepEqual(parseServerText('{"type":"over","reason":"forfeit","winner":1,"score":[2,3]}'),
    { type: 'over', reason: 'forfeit', winner: 1, score: [2, 3] });
  assert.deepEqual(parseServerText('{"type":"over","reason":"void","winner":null,"score":[0,0]}'),
    { type: 'over', reason: 'void', winner: null, score: [0, 0] });
  assert.equal(parseServerText('{"type":"over","reason":"quit","winner":1,"score":[2,3]}'), null);
  assert.deepEqual(parseServerText('{"error":{"code":"x","message":"y"}}'), { type: 'error', code: 'x', message: 'y' });
  assert.equal(parseServerText('nope'), null);
  assert.equal(parseServerText('{"type":"weird"}'), null);
});
