// Unit tests of web/src/services/chatsocket.js with a fake WebSocket and fake clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createChatSocket, backoffDelay, parseFrame, chatUrl, BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, STABLE_MS,
} from '../../web/src/services/chatsocket.js';

function harness({ random = () => 0.5 } = {}) {
  const sockets = [];
  const timers = new Map();
  let nextId = 1;
  let clock = 1000;
  class FakeWS {
    constructor(url) { this.url = url; this.readyState = 0; this.sent = []; this.closedWith = null; sockets.push(this); }
    send(data) { this.sent.push(data); }
    close(code) { this.closedWith = code; this.readyState = 3; }
    open() { this.readyState = 1; this.onopen?.({}); }
    receive(data) { this.onmessage?.({ data }); }
    drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
  }
  const events = { status: [], messages: [], errors: [] };
  const deps = {
    WebSocket: FakeWS,
    setTimeout: (fn, ms) => { const id = nextId++; timers.set(id, { fn, at: clock + ms, ms }); return id; },
    clearTimeout: (id) => timers.delete(id),
    now: () => clock,
    random,
  };
  const socket = createChatSocket('wss://h/ws/chat/r/', {
    onStatus: (s) => events.status.push(s),
    onMessage: (m) => events.messages.push(m),
    onError: (e) => events.errors.push(e),
  }, deps);
  return {
    socket, sockets, timers, events,
    last: () => sockets[sockets.length - 1],
    advance(ms) { clock += ms; },
    fireTimer() {
      assert.equal(timers.size, 1, 'exactly one pending timer');
      const [[id, t]] = timers;
      timers.delete(id);
      clock = t.at;
      t.fn();
      return t.ms;
    },
  };
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

test('parseFrame accepts broadcasts and errors, ignores the rest', () => {
  assert.deepEqual(parseFrame('{"message":"<b>","room":"r","at":5}'), { type: 'message', message: '<b>', room: 'r', at: 5 });
  assert.deepEqual(parseFrame('{"error":{"code":"rate_limited","message":"slow"}}'), { type: 'error', code: 'rate_limited', message: 'slow' });
  assert.deepEqual(parseFrame('{"error":{}}'), { type: 'error', code: '', message: '' });
  for (const junk of ['nope', '[]', 'null', '42', '{"message":"x"}', '{"message":1,"at":2}', '{"message":"x","at":"1"}']) {
    assert.equal(parseFrame(junk), null, junk);
  }
  assert.equal(parseFrame(new ArrayBuffer(2)), null);
});

test('connects, reports status, sends JSON and delivers frames', () => {
  const h = harness();
  assert.equal(h.sockets.length, 1);
  assert.equal(h.last().url, 'wss://h/ws/chat/r/');
  assert.deepEqual(h.events.status, [{ state: 'connecting' }]);
  assert.equal(h.socket.send('too early'), false);
  h.last().open();
  assert.equal(h.socket.state, 'connected');
  assert.equal(h.socket.send('hi "there"'), true);
  assert.deepEqual(h.last().sent, ['{"message":"hi \\"there\\""}']);
  h.last().receive('{"message":"hi","room":"r","at":1}');
  h.last().receive('{"error":{"code":"invalid_json","message":"bad"}}');
  h.last().receive('garbage');
  assert.deepEqual(h.events.messages, [{ type: 'message', message: 'hi', room: 'r', at: 1 }]);
  assert.deepEqual(h.events.errors, [{ type: 'error', code: 'invalid_json', message: 'bad' }]);
});

test('drops reconnect with growing delays, reset after a stable connection', () => {
  const h = harness({ random: () => 0.999999 });
  h.last().open();
  const delays = [];
  for (let i = 0; i < 7; i += 1) {
    h.last().drop();
    const status = h.events.status.at(-1);
    assert.equal(status.state, 'reconnecting');
    delays.push(h.fireTimer());
    assert.equal(h.events.status.at(-1).state, 'connecting');
    if (i < 6) h.last().open(); // up briefly, then dropped again
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  // Failing attempts (never opened) keep growing too.
  h.last().drop();
  assert.equal(h.fireTimer(), 10000);
  // A connection that lasts resets the backoff.
  h.last().open();
  h.advance(STABLE_MS);
  h.last().drop();
  assert.equal(h.fireTimer(), 500);
  assert.equal(h.sockets.length, 10);
});

test('reconnecting status carries the retry time', () => {
  const h = harness({ random: () => 0 });
  h.last().drop();
  const status = h.events.status.at(-1);
  assert.equal(status.state, 'reconnecting');
  assert.equal(status.retryAt, 1000 + 250);
});

test('close codes we caused end in "disconnected" without retry; reconnectNow retries', () => {
  for (const code of [1003, 1009]) {
    const h = harness();
    h.last().open();
    h.last().drop(code);
    assert.deepEqual(h.events.status.at(-1), { state: 'disconnected', code });
    assert.equal(h.timers.size, 0);
    h.socket.reconnectNow();
    assert.equal(h.sockets.length, 2);
    assert.equal(h.socket.state, 'connecting');
  }
});

test('reconnectNow skips the wait', () => {
  const h = harness();
  h.last().drop();
  assert.equal(h.timers.size, 1);
  h.socket.reconnectNow();
  assert.equal(h.timers.size, 0);
  assert.equal(h.sockets.length, 2);
  h.socket.reconnectNow(); // already has a socket: nothing
  assert.equal(h.sockets.length, 2);
});

test('close() releases the socket and timers and silences handlers', () => {
  const h = harness();
  h.last().open();
  h.socket.close();
  assert.equal(h.last().closedWith, 1000);
  const before = h.events.status.length;
  h.last().drop();
  h.last().receive('{"message":"late","room":"r","at":1}');
  assert.equal(h.events.status.length, before);
  assert.deepEqual(h.events.messages, []);
  assert.equal(h.timers.size, 0);
  assert.equal(h.socket.send('x'), false);

  const waiting = harness();
  waiting.last().drop();
  assert.equal(waiting.timers.size, 1);
  waiting.socket.close();
  assert.equal(waiting.timers.size, 0, 'pending retry cancelled');
  assert.equal(waiting.sockets.length, 1);
});

test('closing while still connecting closes once the socket opens', () => {
  const h = harness();
  const ws = h.last();
  h.socket.close();
  assert.equal(ws.closedWith, null);
  ws.readyState = 1;
  ws.onopen();
  assert.equal(ws.closedWith, 1000);
});
