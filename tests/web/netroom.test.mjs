// The reference room (web/src/game/netroom.js): the game socket's rules — refusals with
// their close codes, late and early inputs, relays, PONG, pause / resume / forfeit / void,
// the pause budget, resign — and the replay of its input log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../../web/src/game/netroom.js';
import {
  CLOSE, MATCH, decodeServerFrame, encodeInput, encodePing, parseServerText,
} from '../../web/src/game/netproto.js';
import { PRESETS } from '../../web/src/game/pong.js';
import { verifyReplay } from '../../web/src/game/replay.js';
import { newGame } from './lib/wasm.mjs';

function setup(extra = {}) {
  let now = 1000;
  const out = [[], []];
  const closed = [];
  let record = null;
  const room = createRoom({
    game: newGame({ ...PRESETS.classic, winningScore: 2 }, 5),
    players: [{ id: 7, display_name: 'A' }, { id: 8, display_name: 'B' }],
    send: (s, d) => out[s].push(typeof d === 'string' ? JSON.parse(d) : decodeServerFrame(d)),
    close: (s, code) => closed.push([s, code]),
    now: () => now,
    countdownTicks: 10,
    resumeSeconds: 2,
    onOver: (r) => { record = r; },
    ...extra,
  });
  return {
    room, out, closed,
    get record() { return record; },
    advance(ticks) { for (let i = 0; i < ticks; i += 1) { now += 1000 / 60; room.tick(); } },
    take(s) { const v = out[s].splice(0); return v; },
  };
}

function playing(r) {
  r.room.join(0);
  r.room.join(1);
  r.advance(10);
  assert.equal(r.room.state, MATCH.PLAYING);
  r.take(0);
  r.take(1);
}

test('joined, a full snapshot, then the countdown once both are in', () => {
  const r = setup();
  r.room.join(0);
  const [joined, snap] = r.take(0);
  assert.deepEqual(joined, {
    type: 'joined', game_id: 1, seat: 0, tick_rate: 60, snapshot_every: 3,
    options: { ball_speed: 1, paddle_size: 1, winning_score: 2, map: 0, powerups: 0, seed: 5 },
    players: [{ id: 7, display_name: 'A' }, { id: 8, display_name: 'B' }],
  });
  assert.ok(parseServerText(joined), 'the client parser accepts it');
  assert.equal(snap.type, 'snapshot');
  assert.equal(snap.state, MATCH.WAITING);
  r.advance(30);
  assert.equal(r.room.state, MATCH.WAITING, 'nobody plays alone');
  r.room.join(1);
  r.take(1);
  const s0 = r.take(0);
  assert.deepEqual(s0.map((f) => [f.type, f.state, f.left]), [['snapshot', MATCH.COUNTDOWN, 10]]);
  r.advance(10);
  assert.equal(r.room.state, MATCH.PLAYING);
  assert.equal(r.room.gameTick, 0, 'the tick stood still during the countdown');
  r.advance(6);
  assert.equal(r.room.gameTick, 6);
  const snaps = r.take(1).filter((f) => f.type === 'snapshot');
  assert.deepEqual(snaps.map((f) => f.tick), [0, 3, 6], 'on the state change, then every 3 ticks');
});

test('inputs: on time, early, late; relayed with the tick applied; PONG', () => {
  const r = setup();
  playing(r);
  r.room.receive(0, encodeInput({ seat: 0, key: 1, tick: 2 }));       // early by 2
  r.advance(3);
  let relays = r.take(1).filter((f) => f.type === 'input');
  assert.deepEqual(relays, [{ type: 'input', seat: 0, key: 1, tick: 2 }]);
  let snap = r.take(0).filter((f) => f.type === 'snapshot').pop();
  assert.deepEqual([snap.tick, snap.keys, snap.acks[0], snap.late], [3, [1, 0], 2, -2]);
  r.room.receive(0, encodeInput({ seat: 0, key: 2, tick: 1 }));       // late by 2: applied at 3
  r.room.receive(0, encodeInput({ seat: 0, key: 0, tick: 5 }));       // early: must not hide the late one
  r.advance(3);
  relays = r.take(1).filter((f) => f.type === 'input');
  assert.deepEqual(relays.map((f) => [f.key, f.tick]), [[2, 3], [0, 5]]);
  snap = r.take(0).filter((f) => f.type === 'snapshot').pop();
  assert.deepEqual([snap.tick, snap.acks[0], snap.late], [6, 5, 2], 'the late one is reported');
  r.room.receive(1, encodePing({ id: 9, rttMs: 120 }));
  r.room.receive(0, encodePing({ id: 4, rttMs: 80 }));
  assert.deepEqual(r.take(0).pop(), { type: 'pong', id: 4, tick: 6, opponentRttMs: 120 });
  assert.deepEqual(r.room.log, [[2, 0, 1], [3, 0, 2], [5, 0, 0]]);
});

test('refusals close the socket with their own code', () => {
  const cases = [
    [encodeInput({ seat: 1, key: 1, tick: 0 }), CLOSE.OTHER_SEAT],
    [encodeInput({ seat: 0, key: 1, tick: 31 }), CLOSE.TOO_FAR_AHEAD],
    [new Uint8Array([0x01, 0, 3, 0, 0, 0, 0, 0]), CLOSE.MALFORMED],
    [new Uint8Array([0x07, 0, 0, 0, 0, 0, 0, 0]), CLOSE.MALFORMED],
    [new Uint8Array(65), CLOSE.TOO_BIG],
  ];
  for (const [frame, code] of cases) {
    const r = setup();
    playing(r);
    r.room.receive(0, encodeInput({ seat: 0, key: 1, tick: 30 }));   // 30 ahead is still fine
    assert.deepEqual(r.closed, []);
    r.room.receive(0, frame);
    assert.deepEqual(r.closed, [[0, code]]);
    assert.equal(r.room.state, MATCH.PAUSED, 'and the seat is gone');
  }
  const r = setup();
  playing(r);
  for (let i = 0; i < 120; i += 1) r.room.receive(0, encodePing({ id: i }));
  assert.deepEqual(r.closed, []);
  r.room.receive(0, encodePing({ id: 121 }));
  assert.deepEqual(r.closed, [[0, CLOSE.FLOOD]]);
});

test('a drop pauses at once, a return resumes after a countdown, the deadline forfeits', () => {
  const r = setup();
  playing(r);
  r.room.receive(0, encodeInput({ seat: 0, key: 1, tick: 0 }));
  r.advance(5);
  r.take(1);
  r.room.leave(0);
  const seen = r.take(1);
  assert.deepEqual(seen.find((f) => f.type === 'input'), { type: 'input', seat: 0, key: 0, tick: 5 }, 'the absent player lets go');
  const paused = seen.find((f) => f.type === 'paused');
  assert.equal(paused.seat, 0);
  assert.equal(paused.reason, 'disconnected');
  assert.equal(Math.round(paused.resume_by), Math.round(1000 + (15 * 1000) / 60 + 2000));
  assert.equal(seen.find((f) => f.type === 'snapshot').state, MATCH.PAUSED);
  r.advance(60);
  assert.equal(r.room.gameTick, 5, 'frozen');
  r.room.join(0);
  assert.equal(r.take(1).find((f) => f.type === 'resumed').countdown_ticks, 10);
  assert.equal(r.room.state, MATCH.COUNTDOWN);
  r.advance(10);
  assert.equal(r.room.state, MATCH.PLAYING);
  r.room.leave(1);
  r.advance(120);
  assert.equal(r.room.state, MATCH.OVER);
  assert.deepEqual([r.record.ended_how, r.record.winner], ['forfeit', 0]);
  assert.deepEqual(r.take(0).filter((f) => f.type === 'over'), [{ type: 'over', reason: 'forfeit', winner: 0, score: [0, 0] }]);
  const v = verifyReplay(newGame(PRESETS.classic, 1), r.record);
  assert.equal(v.ok, true);
});

test('the pause budget, both gone, resign, a late join', () => {
  let r = setup();
  playing(r);
  for (let i = 0; i < 3; i += 1) {
    r.room.leave(1);
    assert.equal(r.room.state, MATCH.PAUSED);
    r.room.join(1);
    r.advance(10);
  }
  r.room.leave(1);
  assert.deepEqual([r.record.ended_how, r.record.winner], ['forfeit', 0], 'the 4th drop forfeits');

  r = setup();
  playing(r);
  r.room.leave(0);
  r.room.leave(1);
  assert.deepEqual([r.record.ended_how, r.record.winner], ['void', null]);

  r = setup();
  playing(r);
  r.advance(30);
  r.room.resign(0);
  assert.deepEqual([r.record.ended_how, r.record.winner, r.record.ticks], ['resign', 1, 30]);
  assert.equal(verifyReplay(newGame(PRESETS.classic, 1), r.record).ok, true);
  r.room.join(0);
  assert.deepEqual(r.closed, [[0, CLOSE.NO_GAME]], 'a game that is over cannot be joined');
});
