// Test helper for the WebSocket clients (web/src/services/*socket.js): a fake WebSocket
// class, fake timers and a clock, handed to the code under test as `deps`.
import assert from 'node:assert/strict';

/** Lets pending promises (a token being fetched) settle. */
export const flush = () => new Promise((r) => setImmediate(r));

/**
 * { deps, sockets, timers, last(), advance(ms), fireTimer() }: `deps` for the socket;
 * every socket opened is in `sockets` (open(), receive(value), hello(user), drop(code),
 * plus `methods`);
 * fireTimer() runs the one pending timer and resolves to its delay.
 */
export function fakeEnv({ random = () => 0.999999, methods = {} } = {}) {
  const sockets = [];
  const timers = new Map();
  let nextId = 1;
  let clock = 1000;
  class FakeWS {
    constructor(url) { this.url = url; this.readyState = 0; this.sent = []; this.closedWith = null; sockets.push(this); }
    send(data) { this.sent.push(data); }
    close(code) { this.closedWith = code; this.readyState = 3; }
    open() { this.readyState = 1; this.onopen?.({}); }
    receive(value) { this.onmessage?.({ data: typeof value === 'string' ? value : JSON.stringify(value) }); }
    hello(user = { id: 1, display_name: 'Me' }) { this.receive({ type: 'hello', user }); }
    drop(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
  }
  Object.assign(FakeWS.prototype, methods);   // protocol helpers of a test (authOk…)
  const deps = {
    WebSocket: FakeWS,
    setTimeout: (fn, ms) => { const id = nextId++; timers.set(id, { fn, at: clock + ms, ms }); return id; },
    clearTimeout: (id) => timers.delete(id),
    now: () => clock,
    random,
  };
  return {
    deps, sockets, timers,
    last: () => sockets[sockets.length - 1],
    advance(ms) { clock += ms; },
    async fireTimer() {
      assert.equal(timers.size, 1, 'exactly one pending timer');
      const [[id, t]] = timers;
      timers.delete(id);
      clock = Math.max(clock, t.at);
      t.fn();
      await flush();
      return t.ms;
    },
  };
}
