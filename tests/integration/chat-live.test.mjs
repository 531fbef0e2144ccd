// The live chat over WSS (issue 13, docs/chat.md): app-socket chat.* frames and the legacy room
// socket on one server. Rooms are joined through the legacy socket (it joins the room in the
// database at auth) because the REST join route lives in another branch; resume is checked
// with subscribe's last_seq and the seqs (the since= history route is the API's).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  useServer, openChat, openApp, nextMessage, noMessageWithin, sendJson, registerUser,
} from './helpers.mjs';
import { call } from './api-client.mjs';

const open = [];
after(() => { for (const ws of open) ws.terminate(); });

let ann; let ben; let cat;
const ctx = useServer({ AUTH_RATE: '10000', CHAT_RATE: '5' }, async () => {
  ann = await registerUser(ctx.server, 'ann', { display_name: 'Ann Live' });
  ben = await registerUser(ctx.server, 'ben', { display_name: 'Ben Live' });
  cat = await registerUser(ctx.server, 'cat', { display_name: 'Cat Live' });
});

async function app(who) {
  const ws = await openApp(ctx.server, { token: who.token });
  open.push(ws);
  return ws;
}
async function legacy(room, who) {
  const ws = await openChat(ctx.server, room, { token: who.token });
  open.push(ws);
  return ws;
}
/** The next frame of `type`, skipping presence and friend pushes. */
async function next(ws, type, timeout = 5000) {
  for (;;) {
    const m = await nextMessage(ws, timeout);
    if (m?.type === 'presence' || m?.type === 'friend_update' || m?.type === 'friend_request') continue;
    assert.equal(m?.type, type, `expected ${type}, got ${JSON.stringify(m)}`);
    return m;
  }
}
async function subscribe(ws, room) {
  sendJson(ws, { type: 'chat.subscribe', channel: `room:${room}` });
  return next(ws, 'chat.subscribed');
}
/** Joins `who` to `room` (a legacy socket's auth joins it), closed again. */
async function join(room, who) {
  const ws = await legacy(room, who);
  ws.terminate();
}

test('two users in a room see each other\'s messages, with seqs, acks and the legacy socket', async () => {
  await join('Plaza', ann);
  await join('plaza', ben);
  const a = await app(ann);
  const b = await app(ben);
  const old = await legacy('plaza', cat);
  assert.equal((await subscribe(a, 'plaza')).channel, 'room:Plaza');
  await subscribe(b, 'PLAZA');
  sendJson(a, { type: 'chat.send', channel: 'room:plaza', text: 'hello ben', ref: 'r1' });
  const m = await next(b, 'chat.message');
  assert.equal(m.channel, 'room:Plaza');
  assert.equal(m.message, 'hello ben');
  assert.equal(m.user_id, ann.user.id);
  assert.equal(m.display_name, 'Ann Live');
  assert.match(m.avatar_url, new RegExp(`^/api/users/${ann.user.id}/avatar`));
  const mine = await next(a, 'chat.message');
  const ack = await next(a, 'chat.ack');
  assert.deepEqual([ack.ref, ack.channel, ack.seq], ['r1', 'room:Plaza', m.seq]);
  assert.equal(mine.seq, m.seq);
  assert.equal((await nextMessage(old)).message, 'hello ben');
  old.send(JSON.stringify({ message: 'from the old socket' }));
  const r = await next(a, 'chat.message');
  assert.deepEqual([r.message, r.user_id, r.seq], ['from the old socket', cat.user.id, m.seq + 1]);
  assert.equal((await next(b, 'chat.message')).seq, m.seq + 1);
});

test('a dropped socket resubscribes: last_seq says what it missed, no loss, no duplicates', async () => {
  await join('resume', ann);
  await join('resume', ben);
  const a = await app(ann);
  let b = await app(ben);
  const first = await subscribe(b, 'resume');
  await subscribe(a, 'resume');
  const seen = new Set();
  const sent = [];
  const texts = Array.from({ length: 8 }, (_, i) => `n${i}`);
  for (const [i, text] of texts.entries()) {
    sendJson(a, { type: 'chat.send', channel: 'room:resume', text, ref: `k${i}` });
    if (i === 3) {
      for (let k = 0; k < 4; k++) seen.add((await next(b, 'chat.message')).seq);
      b.terminate();   // dropped mid-stream
    }
  }
  for (let i = 0; i < texts.length; i++) {
    await next(a, 'chat.message');
    sent.push((await next(a, 'chat.ack')).seq);
  }
  b = await app(ben);
  const again = await subscribe(b, 'resume');
  assert.equal(again.last_seq, first.last_seq + texts.length);
  const missed = sent.filter((s) => !seen.has(s));
  assert.deepEqual(missed, [5, 6, 7, 8].map((k) => first.last_seq + k), 'exactly the messages after the drop');
  assert.deepEqual([...seen, ...missed].sort((x, y) => x - y), sent, 'no loss, no duplicates');
});

test('a blocked user\'s room messages are not delivered to the blocker; DMs refused', async () => {
  const x = await registerUser(ctx.server, 'blk');
  const y = await registerUser(ctx.server, 'blkd');
  const res = await call(ctx.server, 'PUT', `/api/blocks/${y.user.id}`, { token: x.token });
  assert.ok(res.status === 200 || res.status === 204, `block: ${res.status}`);
  await join('quiet', x);
  await join('quiet', y);
  const xs = await app(x);
  const ys = await app(y);
  await subscribe(xs, 'quiet');
  await subscribe(ys, 'quiet');
  sendJson(ys, { type: 'chat.send', channel: 'room:quiet', text: 'you should not see this' });
  await next(ys, 'chat.message');
  await next(ys, 'chat.ack');
  sendJson(ys, { type: 'chat.send', channel: `dm:${x.user.id}`, text: 'nor this', ref: 'dm' });
  const err = await next(ys, 'chat.error');
  assert.deepEqual([err.ref, err.error.code], ['dm', 'blocked']);
  assert.deepEqual(await noMessageWithin(xs, 400), [], 'nothing reaches the blocker');
  sendJson(xs, { type: 'chat.send', channel: 'room:quiet', text: 'the blocker still talks' });
  assert.equal((await next(ys, 'chat.message')).message, 'the blocker still talks');
});

test('DMs arrive on every tab of the recipient and the sender', async () => {
  const a = await app(ann);
  const b1 = await app(ben);
  const b2 = await app(ben);
  sendJson(a, { type: 'chat.send', channel: `dm:${ben.user.id}`, text: 'psst', ref: 'd' });
  for (const ws of [b1, b2]) {
    const m = await next(ws, 'chat.message');
    assert.deepEqual([m.channel, m.message, m.user_id], [`dm:${ann.user.id}`, 'psst', ann.user.id]);
  }
  assert.equal((await next(a, 'chat.message')).channel, `dm:${ben.user.id}`);
  assert.equal((await next(a, 'chat.ack')).ref, 'd');
});

test('XSS- and SQL-looking text comes back verbatim; oversized and flooding messages get chat.error, the socket kept', async () => {
  const dan = await registerUser(ctx.server, 'dan');   // a fresh rate budget
  await join('verbatim', dan);
  const a = await app(dan);
  await subscribe(a, 'verbatim');
  for (const text of ['<img src=x onerror=alert(1)>', "Robert'); DROP TABLE chat_messages;--", '</script>&amp; "q" \\ 🏓']) {
    sendJson(a, { type: 'chat.send', channel: 'room:verbatim', text });
    assert.equal((await next(a, 'chat.message')).message, text);
    await next(a, 'chat.ack');
  }
  sendJson(a, { type: 'chat.send', channel: 'room:verbatim', text: 'x'.repeat(2001), ref: 'big' });
  const big = await next(a, 'chat.error');
  assert.deepEqual([big.ref, big.error.code], ['big', 'message_too_long']);
  await new Promise((r) => setTimeout(r, 2500));   // tokens refill (CHAT_RATE=5, burst 10)
  for (let i = 0; i < 15; i++) sendJson(a, { type: 'chat.send', channel: 'room:verbatim', text: `f${i}`, ref: `f${i}` });
  let limited = 0; let acked = 0;
  while (limited + acked < 15) {
    const m = await nextMessage(a);
    if (m.type === 'chat.error') { assert.equal(m.error.code, 'rate_limited'); limited += 1; }
    if (m.type === 'chat.ack') acked += 1;
  }
  assert.ok(limited >= 4 && acked >= 10, `${acked} acked, ${limited} limited`);
  assert.equal(a.readyState, a.OPEN);
  // per user: the same user's legacy socket is limited too
  const old = await legacy('verbatim', dan);
  old.send(JSON.stringify({ message: 'still limited' }));
  for (;;) {
    const m = await nextMessage(old);
    if (m.error) { assert.equal(m.error.code, 'rate_limited'); break; }
  }
});
