// A spectator's netcode (web/src/game/netgame.js with a `joined` that says "spectator":
// true, docs/matchmaking.md "Watching"): it follows the reference room's snapshots with both
// paddles on the keys in force, never sends a frame, and keeps the spectator count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../../web/src/game/netroom.js';
import { MATCH, encodeInput, parseServerText } from '../../web/src/game/netproto.js';
import { createNetGame } from '../../web/src/game/netgame.js';
import { PRESETS } from '../../web/src/game/pong.js';
import { newGame } from './lib/wasm.mjs';

test('parseServerText: a spectator\'s joined and the spectators count', () => {
  const joined = {
    type: 'joined', game_id: 3, spectator: true, tick_rate: 60, snapshot_every: 6, spectators: 2,
    options: { ball_speed: 1, paddle_size: 1, winning_score: 5, map: 0, powerups: 0, seed: 9 },
    players: [{ id: 1, display_name: 'A' }, { id: 2, display_name: 'B' }],
  };
  const ev = parseServerText(joined);
  assert.equal(ev.seat, null);
  assert.equal(ev.spectator, true);
  assert.equal(ev.spectators, 2);
  assert.equal(parseServerText({ ...joined, spectator: undefined, role: 'spectator' }).spectator, true);
  const watching = parseServerText({ ...joined, type: 'watching', spectator: undefined });
  assert.deepEqual([watching.type, watching.seat, watching.spectator, watching.spectators], ['joined', null, true, 2], 'the server\'s watching welcome');
  assert.equal(parseServerText({ ...joined, spectator: undefined }), null, 'neither a seat nor a spectator');
  assert.equal(parseServerText({ ...joined, spectator: undefined, seat: null }).spectator, true, 'seat null');
  assert.equal(parseServerText({ ...joined, spectator: undefined, seat: -1 }).seat, null, 'seat -1');
  assert.equal(parseServerText({ ...joined, spectator: undefined, seat: 2 }), null);
  assert.equal(parseServerText({ ...joined, spectator: undefined, seat: 1 }).spectators, 2, 'players are told the count too');
  assert.deepEqual(parseServerText('{"type":"spectators","count":4}'), { type: 'spectators', count: 4 });
  assert.deepEqual(parseServerText('{"type":"spectators","spectators":0}'), { type: 'spectators', count: 0 });
  assert.equal(parseServerText('{"type":"spectators","count":-1}'), null);
});

test('a spectator follows the snapshots, both paddles moving, and sends nothing', () => {
  let now = 1000;
  const frames = [];                 // what seat 0 receives: the spectator gets the same stream
  const room = createRoom({
    game: newGame({ ...PRESETS.classic, winningScore: 2 }, 5),
    players: [{ id: 7, display_name: 'A' }, { id: 8, display_name: 'B' }],
    send: (s, d) => { if (s === 0) frames.push(d); },
    now: () => now,
    countdownTicks: 10,
  });
  const sent = [];
  const events = [];
  const net = createNetGame({ game: newGame({ ...PRESETS.classic, winningScore: 2 }, 5), send: (b) => sent.push(b), now: () => now, onEvent: (e) => events.push(e) });
  room.join(0);
  room.join(1);
  const joined = JSON.parse(frames.shift());
  net.receive({ ...joined, type: 'watching', seat: undefined, spectators: 1 });
  assert.equal(net.info.spectator, true);
  assert.equal(net.info.seat, null);
  assert.equal(net.info.spectators, 1);
  assert.deepEqual(events[0].spectator, true);
  let checked = 0;
  let maxLag = 0;
  for (let i = 0; i < 60 * 8 && !room.over; i += 1) {
    // the players move: A up and down, B the other way
    if (i % 40 === 5) room.receive(0, encodeInput({ seat: 0, key: (i / 40) % 2 ? 1 : 2, tick: room.tick + 1 }));
    if (i % 50 === 7) room.receive(1, encodeInput({ seat: 1, key: (i / 50) % 2 ? 2 : 1, tick: room.tick + 1 }));
    now += 1000 / 60;
    room.tick();
    for (const f of frames.splice(0)) {
      const bin = typeof f !== 'string';
      net.receive(bin ? f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength) : f);
      if (bin && f[0] === 0x10) {
        net.update(now);
        // at the snapshot's own time the drawn state is the snapshot's tick, not far ahead
        const info = net.info;
        if (info.state === MATCH.PLAYING) {
          maxLag = Math.max(maxLag, Math.abs(info.tick - info.serverTick));
          checked += 1;
        }
      }
    }
    net.update(now);
  }
  net.receive({ type: 'spectators', count: 3 });
  assert.equal(net.info.spectators, 3);
  assert.ok(events.some((e) => e.type === 'spectators' && e.count === 3));
  assert.ok(checked > 50, `${checked} snapshots while playing`);
  assert.ok(maxLag <= 1, `drawn tick within one of the snapshot (${maxLag})`);
  assert.ok(net.view(now), 'something to draw');
  assert.deepEqual(sent, [], 'a spectator never sends a frame (no input, no ping)');
  assert.ok(net.stats.snapshots > 50);
});

test('the game socket takes a spectator\'s `watching` as its welcome', async () => {
  const { createGameSocket } = await import('../../web/src/services/gamesocket.js');
  const { fakeEnv, flush } = await import('./fakesocket.mjs');
  const env = fakeEnv({ random: () => 0.5 });
  const frames = [];
  const sock = createGameSocket('wss://h/ws/game/3/', { onFrame: (f) => frames.push(f) }, { ...env.deps, getToken: () => 'tok' });
  await flush();
  const ws = env.last();
  ws.open();
  assert.equal(sock.state, 'authenticating');
  ws.receive({ type: 'watching', game_id: 3, spectators: 1 });
  assert.equal(sock.state, 'connected');
  assert.equal(frames[0].type, 'watching');
  ws.receive({ type: 'spectators', count: 2 });
  assert.deepEqual(frames[1], { type: 'spectators', count: 2 });
  sock.close();
});
