// Unit tests of web/src/services/gamesocket.js with a fake WebSocket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGameSocket, gameUrl, parseGameFrame } from '../../web/src/services/gamesocket.js';
import { FINAL_CLOSES } from '../../web/src/game/netproto.js';
import { GAME_FINAL_CLOSE_CODES } from '../../web/src/services/gamesocket.js';
import { fakeEnv, flush } from './fakesocket.mjs';

test('gameUrl and parseGameFrame', () => {
  assert.equal(gameUrl('h:4443', 12), 'wss://h:4443/ws/game/12/');
  const buf = new Uint8Array([1, 2, 3]);
  assert.deepEqual([...new Uint8Array(parseGameFrame(buf))], [1, 2, 3]);
  assert.ok(parseGameFrame(buf.buffer) instanceof ArrayBuffer);
  assert.deepEqual(parseGameFrame('{"type":"joined","seat":1}'), { type: 'joined', seat: 1 });
  assert.deepEqual(parseGameFrame('{"error":{"code":"c","message":"m"}}'), { type: 'error', code: 'c', message: 'm' });
  assert.equal(parseGameFrame('{"seat":1}'), null);
  assert.equal(parseGameFrame('nope'), null);
  assert.deepEqual([...GAME_FINAL_CLOSE_CODES].sort(), [...FINAL_CLOSES].sort(), 'the same list as netproto.js');
});

test('auth first, joined welcomes, binary passes through, sends bytes, final close codes stop it', async () => {
  const env = fakeEnv({ random: () => 0.5 });
  const frames = [];
  const states = [];
  const sock = createGameSocket('wss://h/ws/game/3/', { onStatus: (s) => states.push(s.state), onFrame: (f) => frames.push(f) },
    { ...env.deps, getToken: () => 'tok' });
  await flush();
  const ws = env.last();
  assert.equal(ws.binaryType, 'arraybuffer');
  ws.open();
  assert.deepEqual(ws.sent, ['{"type":"auth","token":"tok"}']);
  assert.equal(sock.send(new Uint8Array([1])), false, 'nothing before joined');
  ws.receive({ type: 'joined', seat: 0 });
  assert.equal(sock.state, 'connected');
  ws.onmessage({ data: new Uint8Array([0x12, 0]).buffer });
  assert.equal(frames.length, 2);
  assert.ok(frames[1] instanceof ArrayBuffer);
  assert.equal(sock.send(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0])), true);
  assert.deepEqual([...ws.sent[1]], [1, 0, 0, 0, 0, 0, 0, 0]);
  ws.drop(1006);
  assert.equal(sock.state, 'reconnecting');
  await env.fireTimer();
  const ws2 = env.last();
  ws2.open();
  ws2.receive({ type: 'joined', seat: 0 });
  ws2.drop(4409);
  assert.equal(sock.state, 'disconnected', 'replaced by another tab: no retry');
  assert.equal(env.timers.size, 0);
  assert.deepEqual(states.slice(0, 3), ['connecting', 'authenticating', 'connected']);
  sock.close();
});
