// CHAT_RATE: the chat's rate limit per user (docs/chat.md), over all the user's sockets and the
// REST route together, burst 2x; the excess gets rate_limited, the socket stays open. This file
// runs the server with CHAT_RATE unset: the default, 5 messages/s with a burst of 10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, openChat, nextMessage, sendJson, sleep, registerUser } from './helpers.mjs';
import { call } from './api-client.mjs';

let user;
let other;
const ctx = useServer({ AUTH_RATE: '10000' }, async () => {
  user = await registerUser(ctx.server, 'rate');
  other = await registerUser(ctx.server, 'rate2');
});
const join = (room, who = user) => openChat(ctx.server, room, { token: who.token });

/** Reads exactly n frames. */
async function collect(ws, n) {
  const got = [];
  while (got.length < n) got.push(await nextMessage(ws));
  return got;
}

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

test('the default limit: a burst of 20 lets the burst of 10 through, the rest get rate_limited; the socket stays; later messages work', { timeout: 30000 }, async () => {
  // the auth frame is not a chat message: it does not spend the user's rate
  const a = await join('rateRoom');
  const b = await join('rateRoom', other);
  try {
    for (let i = 0; i < 20; i++) sendJson(a, { message: `burst ${i}` });
    const got = await drain(a);
    const limited = got.filter((m) => m.error?.code === 'rate_limited');
    const echoed = got.filter((m) => typeof m.message === 'string');
    assert.ok(limited.length >= 1, `expected rate_limited frames, got ${JSON.stringify(got.slice(0, 5))}…`);
    assert.equal(typeof limited[0].error.message, 'string');
    // burst 10, and 5 tokens a second refill while the 20 frames arrive (a few ms)
    assert.ok(echoed.length >= 10, `the burst of 10 must go through, ${echoed.length} did`);
    assert.ok(echoed.length <= 12, `CHAT_RATE=5 (burst 10) let ${echoed.length} of 20 through`);
    assert.deepEqual(echoed.slice(0, 10).map((m) => m.message), Array.from({ length: 10 }, (_, i) => `burst ${i}`));
    assert.equal(limited.length + echoed.length, 20, 'every message gets either a broadcast or an error');
    // The other user's socket saw only the accepted messages, no error frames.
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

test('the limit is per user: the same user\'s other socket and the REST route are limited too, another user is not', { timeout: 30000 }, async () => {
  await sleep(2100); // the first test's tokens refill (burst 10 at 5/s)
  const noisy = await join('rate2');
  const sameUser = await join('rate2');
  const otherUser = await join('rate2', other);
  try {
    for (let i = 0; i < 20; i++) sendJson(noisy, { message: `noise ${i}` });
    const got = await collect(noisy, 20);   // every message answered: the user's tokens are spent
    assert.ok(got.some((m) => m.error?.code === 'rate_limited'), 'the noisy socket is limited');
    // the same user on another socket, and through the REST route, at once: a limit per
    // socket would let all 5 (and the 3 posts) through; one per user finds no tokens left
    // (5 a second refill: at most one or two while this runs)
    for (let i = 0; i < 5; i++) sendJson(sameUser, { message: `same user ${i}` });
    const posts = Promise.all([0, 1, 2].map((i) => call(ctx.server, 'POST', '/api/chat/rooms/rate2/messages',
      { token: user.token, body: { text: `by REST ${i}` } })));
    const mine = (await drain(sameUser, 500)).filter((m) => m.error || m.message?.startsWith('same user'));
    const accepted = mine.filter((m) => typeof m.message === 'string');
    assert.equal(mine.length, 5, JSON.stringify(mine));
    assert.ok(accepted.length <= 2, `the same user's other socket got ${accepted.length} of 5 through`);
    assert.ok(mine.every((m) => m.message || m.error.code === 'rate_limited'), JSON.stringify(mine));
    const refused = (await posts).filter((r) => r.status === 429);
    assert.ok(refused.length >= 1, `the REST route must share the limit: ${(await posts).map((r) => r.status)}`);
    assert.equal(refused[0].json.error.code, 'rate_limited');
    assert.ok(Number(refused[0].headers['retry-after']) >= 1);
    // another user is not limited by the noisy neighbour
    await drain(otherUser, 200);
    sendJson(otherUser, { message: 'quiet one' });
    const q = await nextMessage(otherUser);
    assert.equal(q.message, 'quiet one', `got ${JSON.stringify(q)}`);
    assert.equal(sameUser.readyState, sameUser.OPEN);
    assert.equal(noisy.readyState, noisy.OPEN);
  } finally {
    noisy.terminate();
    sameUser.terminate();
    otherUser.terminate();
  }
});
