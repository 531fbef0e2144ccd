// Unit tests of web/src/services/socket.js (the reconnecting socket under the app and game
// sockets) with a toy protocol, a fake WebSocket, token source and clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createReconnectingSocket, backoffDelay, errorFrame, isId,
  BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, STABLE_MS, FINAL_CLOSE_CODES,
} from '../../web/src/services/socket.js';
import { parseJsonObject, isPlainObject } from '../../web/src/domain/json.js';
import { fakeEnv, flush } from './fakesocket.mjs';

// Toy protocol: {"hi":true} welcomes, {"n":…} is data.
function toyProtocol(overrides = {}) {
  const seen = { welcomes: [], frames: [], drops: [] };
  const protocol = {
    parse: (data) => parseJsonObject(data),
    isWelcome: (f) => f.hi === true,
    onWelcome: (f) => seen.welcomes.push(f),
    onFrame: (f) => seen.frames.push(f),
    onDrop: (code, wasUp) => seen.drops.push([code, wasUp]),
    authCloseCodes: new Set([4001]),
    onRefused: 'backoff',
    loggedOutStatus: { state: 'disconnected', reason: 'logged_out' },
    ...overrides,
  };
  return { protocol, seen };
}

function harness({ protocol: overrides = {}, token = (fresh) => (fresh ? 'fresh' : 'tok') } = {}) {
  const env = fakeEnv();
  const asked = [];
  const { protocol, seen } = toyProtocol(overrides);
  const status = [];
  const socket = createReconnectingSocket({
    url: 'wss://h/ws/x/',
    getToken: (fresh) => { asked.push(fresh); return token(fresh); },
    protocol,
    onStatus: (s) => status.push(s),
    deps: env.deps,
  });
  return { ...env, socket, asked, seen, status, states: () => status.map((s) => s.state) };
}

test('backoff: 0.5 s doubling to 10 s; final close codes are the ones we caused', () => {
  const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, () => 0.999999));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  assert.equal(BACKOFF_INITIAL_MS, 500);
  assert.equal(BACKOFF_MAX_MS, 10000);
  assert.equal(backoffDelay(3, () => 0), 2000);
  assert.deepEqual([...FINAL_CLOSE_CODES].sort(), [1003, 1009]);
});

test('frame helpers: JSON objects only (domain/json.js), error frames, ids', () => {
  assert.deepEqual(parseJsonObject('{"a":1}'), { a: 1 });
  for (const junk of ['nope', '[]', 'null', '42', '"s"']) assert.equal(parseJsonObject(junk), null, junk);
  assert.equal(parseJsonObject(new ArrayBuffer(1)), null);
  assert.ok(isPlainObject({}) && !isPlainObject([]) && !isPlainObject(null));
  assert.deepEqual(errorFrame({ error: { code: 'x', message: 'y' } }), { type: 'error', code: 'x', message: 'y' });
  assert.deepEqual(errorFrame({ error: { code: 3 } }), { type: 'error', code: '', message: '' });
  assert.equal(errorFrame({ type: 'hello' }), null);
  assert.equal(errorFrame({ error: 'text' }), null);
  assert.ok(isId(1) && isId(2 ** 53 - 1));
  assert.ok(!isId(0) && !isId(-1) && !isId(1.5) && !isId('1') && !isId(2 ** 53));
});

test('auth frame first, connected on the welcome; a repeated welcome is ignored; send only when connected', async () => {
  const h = harness({ protocol: { authenticating: true } });
  await flush();
  assert.equal(h.socket.send({ n: 0 }), false);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"tok"}']);
  assert.equal(h.socket.state, 'authenticating');
  assert.equal(h.socket.send({ n: 0 }), false, 'not before the welcome');
  h.last().receive({ hi: true });
  h.last().receive({ hi: true, again: 1 });
  h.last().receive({ n: 1 });
  h.last().receive([1]);
  assert.deepEqual(h.states(), ['connecting', 'authenticating', 'connected']);
  assert.deepEqual(h.seen.welcomes, [{ hi: true }]);
  assert.deepEqual(h.seen.frames, [{ hi: true }, { n: 1 }]);
  assert.equal(h.socket.send({ n: 2 }), true);
  assert.equal(h.last().sent[1], '{"n":2}');
});

test('without `authenticating`, "connecting" lasts until the welcome', async () => {
  const h = harness();
  await flush();
  h.last().open();
  assert.equal(h.socket.state, 'connecting');
  h.last().receive({ hi: true });
  assert.deepEqual(h.states(), ['connecting', 'connected']);
});

test('onDrop tells whether the socket had been welcomed; a stable connection resets the backoff', async () => {
  const h = harness();
  await flush();
  h.last().drop();
  assert.equal(await h.fireTimer(), 500);
  h.last().open();
  h.last().drop();
  assert.equal(await h.fireTimer(), 1000, 'open without a welcome keeps growing');
  h.last().open();
  h.last().receive({ hi: true });
  h.advance(STABLE_MS);
  h.last().drop();
  assert.equal(await h.fireTimer(), 500);
  assert.deepEqual(h.seen.drops, [[1006, false], [1006, false], [1006, true]]);
  assert.ok(h.asked.every((fresh) => !fresh));
});

test("refused token, 'backoff': retried after the backoff with a fresh token, again and again", async () => {
  const h = harness();
  await flush();
  h.last().open();
  h.last().drop(4001);
  assert.equal(h.socket.state, 'reconnecting');
  await h.fireTimer();
  h.last().open();
  h.last().drop(4001);
  await h.fireTimer();
  assert.deepEqual(h.asked, [false, true, true]);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"fresh"}']);
});

test("refused token, 'once': at once with a fresh token; refused again: unauthorized, no timer", async () => {
  const h = harness({ protocol: { onRefused: 'once' } });
  await flush();
  h.last().open();
  h.last().drop(4001);
  await flush();
  assert.equal(h.timers.size, 0);
  assert.equal(h.sockets.length, 2);
  h.last().open();
  h.last().drop(4001);
  await flush();
  assert.deepEqual(h.status.at(-1), { state: 'unauthorized', code: 4001 });
  assert.equal(h.timers.size, 0);
  assert.deepEqual(h.asked, [false, true]);
});

test('a null token gives the protocol\'s logged-out status; a final close code stops; reconnectNow retries', async () => {
  const out = harness({ token: () => null });
  await flush();
  assert.deepEqual(out.status.at(-1), { state: 'disconnected', reason: 'logged_out' });
  assert.equal(out.sockets.length, 0);
  assert.equal(out.timers.size, 0);

  const h = harness();
  await flush();
  h.last().open();
  h.last().receive({ hi: true });
  h.last().drop(1009);
  assert.deepEqual(h.status.at(-1), { state: 'disconnected', code: 1009 });
  assert.equal(h.timers.size, 0);
  h.socket.reconnectNow();
  await flush();
  assert.equal(h.sockets.length, 2);
});

test('close() leaves no socket, timer or handler behind', async () => {
  const h = harness();
  await flush();
  h.last().open();
  h.last().receive({ hi: true });
  h.socket.close();
  assert.equal(h.last().closedWith, 1000);
  const before = h.status.length;
  h.last().drop();
  assert.equal(h.status.length, before);
  assert.equal(h.timers.size, 0);
  assert.equal(h.socket.send({ n: 1 }), false);
});

// (These four came from the tests of the removed legacy chat socket, which was built on this.)
test('a token given as a promise is awaited before opening; reconnectNow meanwhile starts nothing', async () => {
  let release;
  const gate = new Promise((r) => { release = r; });
  const h = harness({ token: () => gate });
  await flush();
  assert.equal(h.sockets.length, 0, 'no socket before the token');
  h.socket.reconnectNow();
  await flush();
  assert.equal(h.sockets.length, 0, 'no second attempt while waiting');
  release('later');
  await flush();
  assert.equal(h.sockets.length, 1);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"later"}']);
});

test('the reconnecting status carries the retry time', async () => {
  const h = harness();
  await flush();
  h.last().open();
  h.last().drop();
  const status = h.status.at(-1);
  assert.equal(status.state, 'reconnecting');
  assert.equal(status.retryAt, 1000 + backoffDelay(0, () => 0.999999));
});

test('closing while still connecting closes once the socket opens, without sending the token', async () => {
  const h = harness();
  await flush();
  const ws = h.last();
  h.socket.close();
  ws.open();
  assert.equal(ws.closedWith, 1000);
  assert.deepEqual(ws.sent, []);
});

test('closed while the token is being fetched: no socket is opened afterwards', async () => {
  let release;
  const h = harness({ token: () => new Promise((r) => { release = r; }) });
  await flush();
  const before = h.status.length;
  h.socket.close();
  release('tok');
  await flush();
  assert.equal(h.sockets.length, 0);
  assert.equal(h.status.length, before);
});
