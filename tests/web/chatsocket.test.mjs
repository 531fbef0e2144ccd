// Unit tests of web/src/services/chatsocket.js with a fake WebSocket, token source and clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createChatSocket, parseFrame, chatUrl, AUTH_CLOSE_CODE } from '../../web/src/services/chatsocket.js';
import { backoffDelay, BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, STABLE_MS } from '../../web/src/services/socket.js';
import { fakeEnv, flush } from './fakesocket.mjs';

const ME = { id: 7, display_name: 'Me' };

/**
 * `tokens(fresh)`: what getToken returns (default: 'tok' or, when fresh, 'fresh1', 'fresh2'…).
 * Resolves once the first socket exists (or the first token answer was handled).
 */
async function harness({ random = () => 0.5, tokens = null } = {}) {
  const env = fakeEnv({
    random,
    methods: {
      authOk(user = ME) { this.receive({ type: 'auth_ok', room: 'r', user }); },
      /** Opens and gets accepted. */
      up(user = ME) { this.open(); this.authOk(user); },
    },
  });
  const asked = [];           // the `fresh` flag of every getToken call
  let freshCount = 0;
  const events = { status: [], messages: [], errors: [], auths: [] };
  const deps = {
    ...env.deps,
    getToken(fresh) {
      asked.push(fresh);
      if (tokens) return tokens(fresh);
      if (!fresh) return 'tok';
      freshCount += 1;
      return Promise.resolve(`fresh${freshCount}`);
    },
  };
  const socket = createChatSocket('wss://h/ws/chat/r/', {
    onStatus: (s) => events.status.push(s),
    onAuth: (a) => events.auths.push(a),
    onMessage: (m) => events.messages.push(m),
    onError: (e) => events.errors.push(e),
  }, deps);
  await flush();
  return { ...env, socket, events, asked, states: () => events.status.map((s) => s.state) };
}

test('chatUrl builds the wss address', () => {
  assert.equal(chatUrl('example.org:4443', 'room1'), 'wss://example.org:4443/ws/chat/room1/');
});

test('backoff doubles from 0.5 s up to 10 s with jitter between half and all', () => {
  assert.equal(backoffDelay(0, () => 0.999999), BACKOFF_INITIAL_MS);
  assert.equal(backoffDelay(0, () => 0), BACKOFF_INITIAL_MS / 2);
  assert.equal(backoffDelay(1, () => 0.999999), 1000);
  assert.equal(backoffDelay(4, () => 0.999999), 8000);
  assert.equal(backoffDelay(5, () => 0.999999), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(1000, () => 0.999999), BACKOFF_MAX_MS);
  assert.equal(backoffDelay(1000, () => 0), BACKOFF_MAX_MS / 2);
});

test('parseFrame accepts broadcasts with their sender, auth_ok and errors; ignores the rest', () => {
  assert.deepEqual(parseFrame('{"message":"<b>","room":"r","at":5,"user_id":3,"display_name":"<img src=x>"}'),
    { type: 'message', message: '<b>', room: 'r', at: 5, user_id: 3, display_name: '<img src=x>' });
  // Older or odd broadcasts still parse; a missing or bad sender is null / ''.
  assert.deepEqual(parseFrame('{"message":"<b>","room":"r","at":5}'),
    { type: 'message', message: '<b>', room: 'r', at: 5, user_id: null, display_name: '' });
  assert.deepEqual(parseFrame('{"message":"m","at":5,"user_id":"3","display_name":4}'),
    { type: 'message', message: 'm', room: '', at: 5, user_id: null, display_name: '' });
  assert.deepEqual(parseFrame('{"message":"m","at":5,"user_id":-1}').user_id, null);
  assert.deepEqual(parseFrame('{"message":"m","at":5,"user_id":1.5}').user_id, null);
  assert.deepEqual(parseFrame('{"type":"auth_ok","room":"r","user":{"id":7,"display_name":"Me"}}'),
    { type: 'auth_ok', room: 'r', user: { id: 7, display_name: 'Me' } });
  assert.deepEqual(parseFrame('{"type":"auth_ok","user":{"id":7}}'), { type: 'auth_ok', room: '', user: { id: 7, display_name: '' } });
  assert.deepEqual(parseFrame('{"error":{"code":"rate_limited","message":"slow"}}'), { type: 'error', code: 'rate_limited', message: 'slow' });
  assert.deepEqual(parseFrame('{"error":{}}'), { type: 'error', code: '', message: '' });
  for (const junk of ['nope', '[]', 'null', '42', '{"message":"x"}', '{"message":1,"at":2}', '{"message":"x","at":"1"}',
    '{"type":"auth_ok"}', '{"type":"auth_ok","user":{"id":"7"}}', '{"type":"auth_ok","user":{"id":0}}', '{"type":"hello","user":{"id":1}}']) {
    assert.equal(parseFrame(junk), null, junk);
  }
  assert.equal(parseFrame(new ArrayBuffer(2)), null);
});

test('sends the auth frame first; "connected" only on auth_ok; then sends JSON and delivers frames', async () => {
  const h = await harness();
  assert.equal(h.sockets.length, 1);
  assert.deepEqual(h.asked, [false]);
  assert.equal(h.last().url, 'wss://h/ws/chat/r/');
  assert.deepEqual(h.events.status, [{ state: 'connecting' }]);
  assert.equal(h.socket.send('too early'), false);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"tok"}'], 'the auth frame is the first frame');
  assert.equal(h.socket.state, 'connecting', 'open is not enough');
  assert.equal(h.socket.send('before auth_ok'), false);
  assert.equal(h.last().sent.length, 1);
  h.last().authOk();
  assert.equal(h.socket.state, 'connected');
  assert.deepEqual(h.states(), ['connecting', 'connected']);
  assert.deepEqual(h.events.auths, [{ room: 'r', user: ME }]);
  assert.deepEqual(h.socket.user, ME);
  // A second auth_ok on the same socket changes nothing.
  h.last().authOk({ id: 9, display_name: 'Other' });
  assert.equal(h.events.auths.length, 1);
  assert.equal(h.socket.send('hi "there"'), true);
  assert.deepEqual(h.last().sent.slice(1), ['{"message":"hi \\"there\\""}']);
  h.last().receive('{"message":"hi","room":"r","at":1,"user_id":7,"display_name":"Me"}');
  h.last().receive('{"error":{"code":"invalid_json","message":"bad"}}');
  h.last().receive('garbage');
  assert.deepEqual(h.events.messages, [{ type: 'message', message: 'hi', room: 'r', at: 1, user_id: 7, display_name: 'Me' }]);
  assert.deepEqual(h.events.errors, [{ type: 'error', code: 'invalid_json', message: 'bad' }]);
});

test('a token given as a promise is awaited before opening', async () => {
  let release;
  const gate = new Promise((r) => { release = r; });
  const h = await harness({ tokens: () => gate });
  assert.equal(h.sockets.length, 0, 'no socket before the token');
  assert.equal(h.socket.state, 'connecting');
  h.socket.reconnectNow();
  await flush();
  assert.equal(h.sockets.length, 0, 'reconnectNow while waiting does not start a second attempt');
  release('later');
  await flush();
  assert.equal(h.sockets.length, 1);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"later"}']);
});

test('close 4001: one fresh token and an immediate reconnect; accepted, it connects', async () => {
  assert.equal(AUTH_CLOSE_CODE, 4001);
  const h = await harness();
  h.last().open();
  h.last().drop(4001);
  await flush();
  assert.deepEqual(h.asked, [false, true], 'a fresh token was asked for');
  assert.equal(h.timers.size, 0, 'no backoff wait');
  assert.equal(h.sockets.length, 2);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"fresh1"}']);
  h.last().authOk();
  assert.equal(h.socket.state, 'connected');
  assert.deepEqual(h.states(), ['connecting', 'connecting', 'connected']);

  // Later drops reuse the current token; a new refusal gets one more fresh token.
  h.last().drop(1006);
  await h.fireTimer();
  assert.deepEqual(h.asked, [false, true, false]);
  h.last().open();
  h.last().drop(4001);
  await flush();
  assert.deepEqual(h.asked, [false, true, false, true]);
  h.last().up();
  assert.equal(h.socket.state, 'connected');
});

test('close 4001 twice in a row: "unauthorized", no more retries; reconnectNow tries a fresh token again', async () => {
  const h = await harness();
  h.last().open();
  h.last().drop(4001);
  await flush();
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"fresh1"}']);
  h.last().drop(4001);
  await flush();
  assert.deepEqual(h.events.status.at(-1), { state: 'unauthorized', code: 4001 });
  assert.equal(h.timers.size, 0, 'no retry scheduled');
  assert.equal(h.sockets.length, 2);
  assert.equal(h.socket.send('x'), false);

  h.socket.reconnectNow();
  await flush();
  assert.deepEqual(h.asked, [false, true, true]);
  assert.equal(h.sockets.length, 3);
  h.last().up();
  assert.equal(h.socket.state, 'connected');
});

test('no token (logged out) or a failed refresh ends in "unauthorized"', async () => {
  const out = await harness({ tokens: () => null });
  assert.equal(out.sockets.length, 0);
  assert.deepEqual(out.events.status, [{ state: 'connecting' }, { state: 'unauthorized', code: 0 }]);
  assert.equal(out.timers.size, 0);

  const h = await harness({ tokens: (fresh) => (fresh ? Promise.resolve(null) : 'old') });
  h.last().open();
  h.last().drop(4001);
  await flush();
  assert.deepEqual(h.asked, [false, true]);
  assert.equal(h.sockets.length, 1, 'no socket without a token');
  assert.deepEqual(h.events.status.at(-1), { state: 'unauthorized', code: 0 });
  assert.equal(h.timers.size, 0);
});

test('a token that cannot be had right now (undefined, a throw) is retried with backoff, still fresh', async () => {
  let calls = 0;
  const h = await harness({
    random: () => 0.999999,
    tokens: (fresh) => {
      calls += 1;
      if (calls === 1) return 'tok';
      if (calls === 2) return undefined;
      if (calls === 3) throw new Error('network');
      return fresh ? 'fresh' : 'stale';
    },
  });
  h.last().open();
  h.last().drop(4001);
  await flush();
  assert.equal(h.sockets.length, 1);
  assert.equal(h.events.status.at(-1).state, 'reconnecting');
  assert.equal(await h.fireTimer(), 500);
  assert.equal(h.events.status.at(-1).state, 'reconnecting');
  assert.equal(await h.fireTimer(), 1000);
  assert.deepEqual(h.asked, [false, true, true, true], 'the refused token is not reused');
  assert.equal(h.sockets.length, 2);
  h.last().open();
  assert.deepEqual(h.last().sent, ['{"type":"auth","token":"fresh"}']);
});

test('drops reconnect with growing delays, reset after a stable connection', async () => {
  const h = await harness({ random: () => 0.999999 });
  h.last().up();
  const delays = [];
  for (let i = 0; i < 7; i += 1) {
    h.last().drop();
    const status = h.events.status.at(-1);
    assert.equal(status.state, 'reconnecting');
    delays.push(await h.fireTimer());
    assert.equal(h.events.status.at(-1).state, 'connecting');
    if (i < 6) h.last().up(); // up briefly, then dropped again
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  // Failing attempts (never opened) keep growing too.
  h.last().drop();
  assert.equal(await h.fireTimer(), 10000);
  // Open but never accepted: not a stable connection.
  h.last().open();
  h.advance(STABLE_MS);
  h.last().drop();
  assert.equal(await h.fireTimer(), 10000);
  // A connection that lasts resets the backoff.
  h.last().up();
  h.advance(STABLE_MS);
  h.last().drop();
  assert.equal(await h.fireTimer(), 500);
  assert.equal(h.sockets.length, 11);
  assert.ok(h.asked.every((fresh) => fresh === false), 'plain drops never ask for a fresh token');
});

test('the server dropping an unauthenticated socket (5 s deadline) is an ordinary retry', async () => {
  const h = await harness({ random: () => 0 });
  h.last().open();
  h.last().drop(1006);
  assert.equal(h.events.status.at(-1).state, 'reconnecting');
  await h.fireTimer();
  assert.deepEqual(h.asked, [false, false]);
});

test('reconnecting status carries the retry time', async () => {
  const h = await harness({ random: () => 0 });
  h.last().drop();
  const status = h.events.status.at(-1);
  assert.equal(status.state, 'reconnecting');
  assert.equal(status.retryAt, 1000 + 250);
});

test('close codes we caused end in "disconnected" without retry; reconnectNow retries', async () => {
  for (const code of [1003, 1009]) {
    const h = await harness();
    h.last().up();
    h.last().drop(code);
    assert.deepEqual(h.events.status.at(-1), { state: 'disconnected', code });
    assert.equal(h.timers.size, 0);
    h.socket.reconnectNow();
    assert.equal(h.socket.state, 'connecting');
    await flush();
    assert.equal(h.sockets.length, 2);
  }
});

test('reconnectNow skips the wait', async () => {
  const h = await harness();
  h.last().drop();
  assert.equal(h.timers.size, 1);
  h.socket.reconnectNow();
  await flush();
  assert.equal(h.timers.size, 0);
  assert.equal(h.sockets.length, 2);
  h.socket.reconnectNow(); // already has a socket: nothing
  await flush();
  assert.equal(h.sockets.length, 2);
});

test('close() releases the socket and timers and silences handlers', async () => {
  const h = await harness();
  h.last().up();
  h.socket.close();
  assert.equal(h.last().closedWith, 1000);
  const before = h.events.status.length;
  h.last().drop();
  h.last().receive('{"message":"late","room":"r","at":1}');
  assert.equal(h.events.status.length, before);
  assert.deepEqual(h.events.messages, []);
  assert.equal(h.timers.size, 0);
  assert.equal(h.socket.send('x'), false);

  const waiting = await harness();
  waiting.last().drop();
  assert.equal(waiting.timers.size, 1);
  waiting.socket.close();
  assert.equal(waiting.timers.size, 0, 'pending retry cancelled');
  assert.equal(waiting.sockets.length, 1);

  // Closed while the token was being fetched: no socket is opened afterwards.
  let release;
  const slow = await harness({ tokens: () => new Promise((r) => { release = r; }) });
  const statuses = slow.events.status.length;
  slow.socket.close();
  release('tok');
  await flush();
  assert.equal(slow.sockets.length, 0);
  assert.equal(slow.events.status.length, statuses);
});

test('closing while still connecting closes once the socket opens, without sending the token', async () => {
  const h = await harness();
  const ws = h.last();
  h.socket.close();
  assert.equal(ws.closedWith, null);
  ws.readyState = 1;
  ws.onopen();
  assert.equal(ws.closedWith, 1000);
  assert.deepEqual(ws.sent, []);
});
