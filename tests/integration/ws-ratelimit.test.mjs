// CHAT_RATE: per-socket message rate limit with burst 2x; excess gets rate_limited frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openChat, nextMessage, sendJson, sleep, registerUser } from './helpers.mjs';

let user;
const ctx = useServer({ CHAT_RATE: '2', AUTH_RATE: '10000' }, async () => {
  user = await registerUser(ctx.server, 'rate');
});
const join = (room) => openChat(ctx.server, room, { token: user.token });

/** Reads frames until `quietMs` pass without one. */
async function drain(ws, quietMs = 700) {
  const got = [];
  for (;;) {
    try { got.push(await nextMessage(ws, quietMs)); } catch (e) {
      if (/timeout/.test(e.message)) return got;
      throw e;
    }
  }
}

test('a burst of 20 messages gets rate_limited frames; connection stays open; later messages work', { timeout: 30000 }, async () => {
  // the auth frame is not a chat message: it does not spend the socket's rate
  const a = await join('rateRoom');
  const b = await join('rateRoom');
  try {
    for (let i = 0; i < 20; i++) sendJson(a, { message: `burst ${i}` });
    const got = await drain(a);
    const limited = got.filter((m) => m.error?.code === 'rate_limited');
    const echoed = got.filter((m) => typeof m.message === 'string');
    assert.ok(limited.length >= 1, `expected rate_limited frames, got ${JSON.stringify(got.slice(0, 5))}…`);
    assert.equal(typeof limited[0].error.message, 'string');
    assert.ok(echoed.length >= 1, 'the first messages of the burst must go through');
    assert.ok(echoed.length <= 8, `CHAT_RATE=2 (burst 4) let ${echoed.length} of 20 through`);
    assert.equal(limited.length + echoed.length, 20, 'every message gets either a broadcast or an error');
    // The other socket saw only the accepted messages, no error frames.
    const seenByB = await drain(b, 300);
    assert.equal(seenByB.length, echoed.length);
    assert.ok(seenByB.every((m) => typeof m.message === 'string'));
    assert.equal(a.readyState, a.OPEN, 'rate limiting must not close the connection');

    await sleep(2500); // tokens refill
    sendJson(a, { message: 'after the pause' });
    assert.equal((await nextMessage(a)).message, 'after the pause');
  } finally {
    a.terminate();
    b.terminate();
  }
});

test('the limit is per socket: another socket is not limited by a noisy neighbour', { timeout: 30000 }, async () => {
  // the same user on both sockets: the limit is per socket, not per user
  const noisy = await join('rate2');
  const quiet = await join('rate2');
  try {
    for (let i = 0; i < 20; i++) sendJson(noisy, { message: `noise ${i}` });
    await drain(noisy);
    await drain(quiet, 200);
    sendJson(quiet, { message: 'quiet one' });
    const m = await nextMessage(quiet);
    assert.equal(m.message, 'quiet one', `got ${JSON.stringify(m)}`);
  } finally {
    noisy.terminate();
    quiet.terminate();
  }
});
