// Unit tests of web/src/services/appsocket.js with a fake WebSocket, token source and clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createAppSocket, createLive, parseAppFrame, appUrl, AUTH_CLOSE_CODES,
} from '../../web/src/services/appsocket.js';
import { STABLE_MS } from '../../web/src/services/socket.js';
import { fakeEnv, flush } from './fakesocket.mjs';

function harness({ token = 'tok1', getToken = null, ...options } = {}) {
  const env = fakeEnv(options);
  const source = {
    token,
    fresh: 'tok2',
    gets: 0,
    refreshes: 0,
    getToken() { source.gets += 1; return getToken ? getToken() : source.token; },
    async refreshToken() { source.refreshes += 1; return source.fresh; },
  };
  const events = { status: [], frames: [] };
  const socket = createAppSocket('wss://h/ws/', source, {
    onStatus: (s) => events.status.push(s),
    onEvent: (f) => events.frames.push(f),
  }, env.deps);
  return { ...env, socket, source, events, states: () => events.status.map((s) => s.state) };
}

test('appUrl builds the wss address', () => {
  assert.equal(appUrl('example.org:4443'), 'wss://example.org:4443/ws/');
});

test('parseAppFrame accepts the documented frames, nothing else', () => {
  assert.deepEqual(parseAppFrame('{"type":"hello","user":{"id":3,"display_name":"x"}}'), { type: 'hello', user: { id: 3, display_name: 'x' } });
  assert.deepEqual(parseAppFrame('{"type":"presence","user_id":4,"online":true,"last_seen_at":123}'),
    { type: 'presence', user_id: 4, online: true, last_seen_at: 123 });
  assert.deepEqual(parseAppFrame('{"type":"presence","user_id":4,"online":false}'),
    { type: 'presence', user_id: 4, online: false, last_seen_at: null });
  assert.deepEqual(parseAppFrame('{"type":"friend_request","from":{"id":5,"display_name":"<b>"}}'),
    { type: 'friend_request', from: { id: 5, display_name: '<b>' } });
  assert.deepEqual(parseAppFrame('{"type":"friend_update","user_id":5,"relation":"friends"}'),
    { type: 'friend_update', user_id: 5, relation: 'friends' });
  assert.deepEqual(parseAppFrame('{"error":{"code":"unauthorized","message":"no"}}'), { type: 'error', code: 'unauthorized', message: 'no' });
  for (const junk of [
    'nope', '[]', 'null', '42', '{}', '{"type":"unknown"}',
    '{"type":"hello"}', '{"type":"hello","user":{"id":"3"}}',
    '{"type":"presence","user_id":0,"online":true}', '{"type":"presence","user_id":4,"online":"yes"}',
    '{"type":"friend_request","from":null}', '{"type":"friend_update","user_id":5,"relation":"enemies"}',
    '{"type":"friend_update","user_id":1.5,"relation":"none"}',
  ]) {
    assert.equal(parseAppFrame(junk), null, junk);
  }
  assert.equal(parseAppFrame(new ArrayBuffer(1)), null);
});

test('sends the token as the first frame, then is connected on hello and delivers events', async () => {
  const h = harness();
  await flush();
  assert.equal(h.sockets.length, 1);
  assert.equal(h.last().url, 'wss://h/ws/');
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"tok1"}']);
  assert.equal(h.socket.state, 'authenticating');
  h.last().hello();
  assert.equal(h.socket.state, 'connected');
  h.last().receive({ type: 'presence', user_id: 9, online: true, last_seen_at: 5 });
  h.last().receive({ type: 'friend_request', from: { id: 9, display_name: 'Bob' } });
  h.last().receive('garbage');
  assert.deepEqual(h.events.frames.map((f) => f.type), ['hello', 'presence', 'friend_request']);
  assert.deepEqual(h.socket.presence(9), { online: true, last_seen_at: 5, at: 1000 });
  assert.equal(h.socket.presence(10), undefined);
  assert.deepEqual(h.states(), ['connecting', 'authenticating', 'connected']);
});

test('reconnects with growing delays; a stable connection resets them; presence is forgotten on a drop', async () => {
  const h = harness();
  await flush();
  h.last().open();
  h.last().hello();
  h.last().receive({ type: 'presence', user_id: 9, online: true });
  const delays = [];
  for (let i = 0; i < 6; i += 1) {
    h.last().drop();
    assert.equal(h.socket.state, 'reconnecting');
    delays.push(await h.fireTimer());
    h.last().open();
    h.last().hello();
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10000]);
  assert.equal(h.socket.presence(9), undefined, 'stale presence dropped');
  h.advance(STABLE_MS);
  h.last().drop();
  assert.equal(await h.fireTimer(), 500);
  assert.equal(h.source.refreshes, 0, 'plain drops reuse the current token');
  assert.equal(h.source.gets, 8);
});

test('a refused token (4001/1008) makes the next attempt ask for a fresh one', async () => {
  assert.ok(AUTH_CLOSE_CODES.has(4001) && AUTH_CLOSE_CODES.has(1008));
  const h = harness();
  await flush();
  h.last().open();
  h.last().drop(4001);
  await h.fireTimer();
  assert.equal(h.source.refreshes, 1);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"tok2"}']);
  h.last().hello();
  h.last().drop(1006);
  await h.fireTimer();
  assert.equal(h.source.refreshes, 1, 'only after a refusal');
});

test('no token means logged out: it stops; a passing failure to get one retries', async () => {
  const h = harness({ token: null });
  await flush();
  assert.equal(h.sockets.length, 0);
  assert.deepEqual(h.events.status.at(-1), { state: 'disconnected', code: 0, reason: 'logged_out' });
  assert.equal(h.timers.size, 0);

  let offline = true;
  const h2 = harness({ getToken: () => { if (offline) throw new Error('offline'); return 'tok9'; } });
  await flush();
  assert.equal(h2.socket.state, 'reconnecting');
  offline = false;
  await h2.fireTimer();
  h2.last().open();
  assert.deepEqual(h2.last().sent, ['{"type":"auth","token":"tok9"}']);
});

test('close() releases the socket and timers, and silences handlers', async () => {
  const h = harness();
  await flush();
  h.last().open();
  h.last().hello();
  const before = h.events.status.length;
  h.socket.close();
  assert.equal(h.last().closedWith, 1000);
  assert.equal(h.last().onmessage, null);
  assert.equal(h.events.status.length, before);

  const h2 = harness();
  await flush();
  h2.last().drop();
  assert.equal(h2.timers.size, 1);
  h2.socket.close();
  assert.equal(h2.timers.size, 0);

  // closed while the token was being fetched: never opens
  const h3 = harness();
  h3.socket.close();
  await flush();
  assert.equal(h3.sockets.length, 0);

  // closed while still connecting: closed as soon as it opens
  const h4 = harness();
  await flush();
  h4.socket.close();
  h4.last().onopen();
  assert.equal(h4.last().closedWith, 1000);
  assert.deepEqual(h4.last().sent, []);
});

test('reconnectNow skips the wait', async () => {
  const h = harness();
  await flush();
  h.last().drop();
  assert.equal(h.timers.size, 1);
  h.socket.reconnectNow();
  await flush();
  assert.equal(h.timers.size, 0);
  assert.equal(h.sockets.length, 2);
  h.socket.reconnectNow();   // already connecting: nothing more
  await flush();
  assert.equal(h.sockets.length, 2);
});

function fakeSession(initial = { state: 'unknown', user: null, token: null }) {
  const listeners = new Set();
  const s = {
    ...initial,
    refreshResult: true,
    subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    async refresh() { if (s.refreshResult) s.token = 'fresh'; return s.refreshResult; },
    set(next) { Object.assign(s, next); for (const fn of [...listeners]) fn({ state: s.state, user: s.user }); },
    listeners,
  };
  return s;
}

test('createLive opens one socket per logged-in user and fans events out', async () => {
  const env = fakeEnv();
  const session = fakeSession();
  const live = createLive(session, { url: 'wss://h/ws/', deps: env.deps });
  const seen = [];
  const off = live.subscribe((e) => seen.push(e.type === 'status' ? `status:${e.state}` : e.type));
  await flush();
  assert.equal(env.sockets.length, 0, 'nothing while logged out');

  session.set({ state: 'in', user: { id: 1 }, token: 'a' });
  await flush();
  assert.equal(env.sockets.length, 1);
  env.last().open();
  assert.deepEqual(env.last().sent, ['{"type":"auth","token":"a"}']);
  env.last().hello();
  env.last().receive({ type: 'presence', user_id: 2, online: true, last_seen_at: 1 });
  assert.equal(live.presence(2).online, true);
  assert.equal(live.state, 'connected');

  // same user, new token (refresh): the socket stays
  session.set({ token: 'b' });
  assert.equal(env.sockets.length, 1);
  assert.equal(env.last().closedWith, null);

  // another user: a new socket
  session.set({ user: { id: 3 }, token: 'c' });
  await flush();
  assert.equal(env.sockets[0].closedWith, 1000);
  assert.equal(env.sockets.length, 2);

  // logged out: closed, subscribers told
  session.set({ state: 'out', user: null, token: null });
  env.sockets[1].onopen();   // it was still connecting: closed as soon as it opens
  assert.equal(env.sockets[1].closedWith, 1000);
  assert.equal(live.state, 'disconnected');
  assert.deepEqual(seen, ['status:connecting', 'status:authenticating', 'status:connected', 'hello', 'presence',
    'status:connecting', 'status:disconnected']);
  off();
  live.dispose();
  assert.equal(session.listeners.size, 0);
});

test('createLive: a refused token is refreshed through the session; a failed refresh stops', async () => {
  const env = fakeEnv();
  const session = fakeSession({ state: 'in', user: { id: 1 }, token: 'old' });
  const live = createLive(session, { url: 'wss://h/ws/', deps: env.deps });
  await flush();
  env.last().open();
  env.last().drop(4001);
  await env.fireTimer();
  env.last().open();
  assert.deepEqual(env.last().sent, ['{"type":"auth","token":"fresh"}']);
  env.last().drop(4001);
  session.refreshResult = false;
  session.state = 'out';
  await env.fireTimer();
  assert.equal(live.state, 'disconnected');
  live.dispose();
});
